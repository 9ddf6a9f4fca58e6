/* files.c - inputs from paths and folders; outputs written atomically. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dfota/port.h"
#include "dfota/source.h"
#include "cli.h"

#include <fcntl.h>
#include <strings.h>

static int has_ext(const char *name, const char *const *ext, size_t n_ext)
{
    size_t n = strlen(name);
    if (name[0] == '.')
        return 0;
    for (size_t i = 0; i < n_ext; i++) {
        size_t e = strlen(ext[i]);
        /* COM3.LOG and capture.TXT are what Windows tools name them */
        if (n > e && strcasecmp(name + n - e, ext[i]) == 0)
            return 1;
    }
    return 0;
}

/* A name with no extension: "minicom", "COM3", "ttyUSB2-capture". */
static int has_no_ext(const char *name)
{
    return name[0] != '.' && strchr(name, '.') == NULL;
}

/* Whether a file with no extension looks like a capture: its first bytes
 * are text (or UTF-16 text, with its byte order mark) and hold something
 * a module or host says. A README, a shell script or a firmware image
 * beside the captures is passed over. Reads at most 4 KiB, never blocks
 * (the caller passes only regular files). */
static int looks_like_capture(const char *path)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return 0;
    char b[4096];
    ssize_t n = read(fd, b, sizeof b);
    close(fd);
    if (n <= 0)
        return 0;
    if (n >= 2 && (((unsigned char)b[0] == 0xFF && (unsigned char)b[1] == 0xFE) ||
                   ((unsigned char)b[0] == 0xFE && (unsigned char)b[1] == 0xFF)))
        return 1;
    size_t bad = 0;
    for (ssize_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)b[i];
        if (c == 0)
            return 0;
        bad += c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != 0x1b;
    }
    if (bad * 20 > (size_t)n)
        return 0;
    static const char *const said[] = {"AT", "at+", "OK", "ERROR", "+QIND", "RDY", "+CME"};
    for (size_t k = 0; k < sizeof said / sizeof said[0]; k++)
        if (memmem(b, (size_t)n, said[k], strlen(said[k])))
            return 1;
    return 0;
}

static int is_log_name(const char *name)
{
    static const char *const ext[] = {".transcript", ".log", ".txt", ".cap"};
    return has_ext(name, ext, sizeof ext / sizeof ext[0]);
}

static int is_scenario_name(const char *name)
{
    static const char *const ext[] = {".yaml", ".yml"};
    return has_ext(name, ext, sizeof ext / sizeof ext[0]);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

/* Hands fn every wanted regular file under dir; returns the number
 * handed, or -1 when out of memory. A FIFO, a socket or a device in a
 * folder is never opened: reading one would block or never end. */
static long walk(const char *dir, int depth, int (*want)(const char *), int sniff,
                 void (*fn)(void *, const char *), void *ctx)
{
    struct dirent **list;
    int n = scandir(dir, &list, NULL, by_name);
    if (n < 0) {
        fn(ctx, dir); /* reported as unreadable by the caller */
        return 1;
    }
    long count = 0;
    for (int i = 0; i < n; i++) {
        const char *name = list[i]->d_name;
        if (count >= 0 && name[0] != '.') {
            size_t len = strlen(dir) + strlen(name) + 2;
            char *path = malloc(len);
            if (!path)
                count = -1;
            else {
                snprintf(path, len, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", name);
                struct stat st;
                if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
                    if (depth < 32) {
                        long k = walk(path, depth + 1, want, sniff, fn, ctx);
                        count = k < 0 ? -1 : count + k;
                    }
                } else if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
                           (want(name) || (sniff && has_no_ext(name) && looks_like_capture(path)))) {
                    fn(ctx, path);
                    count++;
                }
                free(path);
            }
        }
        free(list[i]);
    }
    free(list);
    return count;
}

long files_each(const char *path, void (*fn)(void *ctx, const char *file), void *ctx)
{
    struct stat st;
    if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return walk(path, 0, is_log_name, 1, fn, ctx);
    fn(ctx, path);
    return 1;
}

long scenario_files_each(const char *path, void (*fn)(void *ctx, const char *file), void *ctx)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return walk(path, 0, is_scenario_name, 0, fn, ctx);
    fn(ctx, path);
    return 1;
}

int atomic_open(atomic_file *a, const char *path)
{
    if (strlen(path) >= sizeof a->path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    snprintf(a->path, sizeof a->path, "%s", path);
    snprintf(a->tmp, sizeof a->tmp, "%s.tmp%ld", path, (long)getpid() % 100000);
    a->f = fopen(a->tmp, "w");
    return a->f ? 0 : -1;
}

int atomic_commit(atomic_file *a)
{
    int rc = 0;
    if (fflush(a->f) != 0 || fsync(fileno(a->f)) != 0)
        rc = -1;
    if (fclose(a->f) != 0)
        rc = -1;
    a->f = NULL;
    if (rc == 0 && rename(a->tmp, a->path) != 0)
        rc = -1;
    if (rc != 0) {
        int e = errno;
        unlink(a->tmp);
        errno = e;
    }
    return rc;
}

void atomic_abort(atomic_file *a)
{
    if (a->f)
        fclose(a->f);
    a->f = NULL;
    unlink(a->tmp);
}

void cli_catch_stop(void (*fn)(int), int hangup)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = fn;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    if (hangup)
        sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

void cli_warn_port_users(const char *cmd, const char *spec, const char *label)
{
    char port[DFOTA_PORT_NAME_MAX], path[DFOTA_PORT_NAME_MAX], users[512], err[DFOTA_ERRBUF];
    dfota_port_opts po;
    double scale;
    if (!spec || strncmp(spec, "serial:", 7) != 0 ||
        dfota_source_parse_serial(spec + 7, port, sizeof port, &po, &scale, err, sizeof err) != DFOTA_OK ||
        dfota_port_resolve(port, path, sizeof path, err, sizeof err) != DFOTA_OK)
        return;
    if (dfota_port_users(path, users, sizeof users) > 0)
        fprintf(stderr,
                "%s: %s%swarning: %s is also open in %s: its AT traffic will mix with ours "
                "(stop it; ModemManager leaves a port alone with the udev property "
                "ID_MM_DEVICE_IGNORE=1)\n",
                cmd, label ? label : "", label && label[0] ? " " : "", path, users);
}
