/* SPDX-License-Identifier: MIT */
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
#include <time.h>
#include <unistd.h>

#include "dfota/port.h"

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

/* ---- one emulator per link ----------------------------------------------- */

#define LOCK_SUFFIX ".lock"
#define LOCK_TRIES 20

static int lock_path(const char *link, char *path, size_t cap)
{
    int n = snprintf(path, cap, "%s" LOCK_SUFFIX, link);
    return n > 0 && (size_t)n < cap;
}

/* The pid a lock file holds; 0 when it holds none (yet). */
static long lock_pid(int fd)
{
    char b[32];
    ssize_t n = pread(fd, b, sizeof b - 1, 0);
    if (n <= 0)
        return 0;
    b[n] = '\0';
    char *end;
    long pid = strtol(b, &end, 10);
    return end != b && pid > 0 ? pid : 0;
}

/* The holder's pid, read a few times: it writes it just after locking. */
static long holder_pid(int fd)
{
    for (int i = 0; i < 50; i++) {
        long pid = lock_pid(fd);
        if (pid > 0)
            return pid;
        struct timespec d = {0, 10000000L};
        nanosleep(&d, NULL);
    }
    return -1;
}

static int ofd_lock(int fd, int cmd, struct flock *fl)
{
    memset(fl, 0, sizeof *fl);
    fl->l_type = F_WRLCK;
    fl->l_whence = SEEK_SET;
    return fcntl(fd, cmd, fl);
}

int dfota_pty_link_lock(const char *link, char *err, size_t errlen)
{
    char path[4200];
    struct flock fl;
    if (!link || !lock_path(link, path, sizeof path)) {
        snprintf(err, errlen, "the link path is too long");
        return -1;
    }
    for (int tries = 0; tries < LOCK_TRIES; tries++) {
        int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0) {
            snprintf(err, errlen, "cannot make the lock %.200s: %s", path, strerror(errno));
            return -1;
        }
        if (ofd_lock(fd, F_OFD_SETLK, &fl) != 0) {
            int e = errno;
            long pid = e == EAGAIN || e == EACCES ? holder_pid(fd) : 0;
            close(fd);
            if (pid > 0)
                snprintf(err, errlen,
                         "%.200s is in use by another emulator, process %ld (its lock is %.200s): "
                         "stop it or choose another --link",
                         link, pid, path);
            else if (pid < 0)
                snprintf(err, errlen, "%.200s is in use by another process (its lock is %.200s)",
                         link, path);
            else
                snprintf(err, errlen, "cannot lock %.200s: %s", path, strerror(e));
            return -1;
        }
        /* a holder that was stopping may have removed the file we locked:
         * ours only when the name still leads to it */
        struct stat a, b;
        if (fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
            a.st_ino == b.st_ino) {
            char pid[32];
            int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
            if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
                snprintf(err, errlen, "cannot write the lock %.200s: %s", path, strerror(errno));
                unlink(path);
                close(fd);
                return -1;
            }
            return fd;
        }
        close(fd);
    }
    snprintf(err, errlen, "cannot take the lock %.200s: it keeps changing", path);
    return -1;
}

void dfota_pty_link_unlock(const char *link, int fd)
{
    char path[4200];
    if (fd < 0)
        return;
    if (link && lock_path(link, path, sizeof path))
        unlink(path);
    close(fd);
}

long dfota_pty_link_holder(const char *link)
{
    char path[4200];
    struct flock fl;
    if (!link || !lock_path(link, path, sizeof path))
        return 0;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return 0;
    long pid = 0;
    if (ofd_lock(fd, F_OFD_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
        pid = holder_pid(fd);
    close(fd);
    return pid;
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
    /* Bytes written to the master reach the slave's input a moment later,
     * handed over by the kernel on its own; FIONREAD counts only what has
     * arrived. A poll waits for the hand-over before it answers. */
    struct pollfd p = {fd, POLLIN, 0};
    int ready = poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
    int n = 0;
    int rc = ioctl(fd, FIONREAD, &n);
    close(fd);
    return ready || (rc == 0 && n > 0);
}
