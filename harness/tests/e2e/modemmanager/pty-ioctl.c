/* SPDX-License-Identifier: MIT */
/* pty-ioctl.c - an LD_PRELOAD shim for ModemManager in a umockdev test bed.
 *
 * Why: umockdev's preload library sends every ioctl on a file opened under
 * the test bed's /dev to the test bed's ioctl handler. With no recording
 * loaded that handler answers ENOTTY ("inappropriate ioctl for device")
 * to all of them, also on the test bed's tty, which is a symbolic link to
 * a real pseudo-terminal (here the one of `dfota emulate`). ModemManager
 * then cannot lock its port (TIOCEXCL) nor set it up (TIOCMGET, ...), and
 * gives the port up before it sends a single AT command.
 *
 * What: this library comes before umockdev's in LD_PRELOAD, so its ioctl()
 * is the one the program calls. When the descriptor is a real
 * pseudo-terminal (a character device of the kernel's pty slave majors,
 * 136-143), the request goes straight to the kernel; any other descriptor
 * is handed on to the next ioctl() (umockdev's), as without the shim.
 *
 * Built by modemmanager.sh: cc -shared -fPIC -o pty-ioctl.so pty-ioctl.c -ldl */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

typedef int (*ioctl_fn)(int, unsigned long, ...);

static int real_pty(int fd)
{
    struct stat st;
    /* the kernel's answer: umockdev's fstat() may dress a test bed's
     * device up as the one it plays */
#ifdef SYS_fstat
    if (syscall(SYS_fstat, fd, &st) != 0 || !S_ISCHR(st.st_mode))
#else
    if (fstat(fd, &st) != 0 || !S_ISCHR(st.st_mode))
#endif
        return 0;
    unsigned major = major(st.st_rdev);
    return major >= 136 && major <= 143; /* UNIX98 pty slaves */
}

int ioctl(int fd, unsigned long request, ...)
{
    va_list ap;
    va_start(ap, request);
    void *arg = va_arg(ap, void *); /* every ioctl has at most one argument */
    va_end(ap);
    if (real_pty(fd))
        return (int)syscall(SYS_ioctl, fd, request, arg);
    static ioctl_fn next;
    if (!next)
        next = (ioctl_fn)dlsym(RTLD_NEXT, "ioctl");
    return next ? next(fd, request, arg) : (int)syscall(SYS_ioctl, fd, request, arg);
}
