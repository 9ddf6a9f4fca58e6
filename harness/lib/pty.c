/* pty.c - the pseudo-terminal behind a stable link (pty.h). */
#define _GNU_SOURCE /* ptsname_r */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "pty.h"

/* The slave as a host finds a configured serial port. Opening and closing
 * it once also leaves the master reporting POLLHUP until a host opens it,
 * which is how "no host" is seen. */
static int tty_configure(const char *path)
{
    int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct termios t;
    int rc = tcgetattr(fd, &t);
    if (rc == 0) {
        cfmakeraw(&t);
        t.c_cflag |= CLOCAL | CREAD;
        t.c_cc[VMIN] = 1;
        t.c_cc[VTIME] = 0;
        cfsetispeed(&t, B115200);
        cfsetospeed(&t, B115200);
        rc = tcsetattr(fd, TCSANOW, &t);
    }
    close(fd);
    return rc;
}

int dfota_pty_open(char *tty, size_t cap, char *err, size_t errlen)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    if (m < 0) {
        snprintf(err, errlen, "cannot open a pseudo-terminal: %s", strerror(errno));
        return -1;
    }
    if (grantpt(m) != 0 || unlockpt(m) != 0 || ptsname_r(m, tty, cap) != 0 ||
        fcntl(m, F_SETFL, O_NONBLOCK) != 0 || fcntl(m, F_SETFD, FD_CLOEXEC) != 0 ||
        tty_configure(tty) != 0) {
        snprintf(err, errlen, "cannot set up the pseudo-terminal: %s", strerror(errno));
        close(m);
        if (cap > 0)
            tty[0] = '\0';
        return -1;
    }
    return m;
}

int dfota_pty_no_host(int master)
{
    struct pollfd p = {master, POLLIN, 0};
    return master >= 0 && poll(&p, 1, 0) == 1 && (p.revents & POLLHUP);
}

dfota_err dfota_pty_link_check(const char *link, char *err, size_t errlen)
{
    struct stat st;
    if (link && link[0] && lstat(link, &st) == 0 && !S_ISLNK(st.st_mode)) {
        snprintf(err, errlen, "%.200s exists and is not a symbolic link: not replacing it", link);
        return DFOTA_E_ARG;
    }
    return DFOTA_OK;
}

dfota_err dfota_pty_link_point(const char *link, const char *tty, char *err, size_t errlen)
{
    char tmp[4200];
    int n = snprintf(tmp, sizeof tmp, "%s.%ld.tmp", link, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof tmp) {
        snprintf(err, errlen, "the link path is too long");
        return DFOTA_E_TOO_BIG;
    }
    unlink(tmp);
    if (symlink(tty, tmp) != 0 || rename(tmp, link) != 0) {
        snprintf(err, errlen, "cannot point %.200s at %.100s: %s", link, tty, strerror(errno));
        unlink(tmp);
        return DFOTA_E_IO;
    }
    return DFOTA_OK;
}

void dfota_pty_link_remove(const char *link)
{
    struct stat st;
    if (link && link[0] && lstat(link, &st) == 0 && S_ISLNK(st.st_mode))
        unlink(link);
}

int dfota_pty_unread(const char *tty)
{
    int fd = open(tty, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return 0;
    int n = 0;
    int rc = ioctl(fd, FIONREAD, &n);
    close(fd);
    return rc == 0 && n > 0;
}
