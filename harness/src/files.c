/* SPDX-License-Identifier: MIT */
/* files.c - inputs from paths and folders; outputs written atomically. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dfota/log.h"
#include "dfota/port.h"
#include "dfota/source.h"
#include "cli.h"

#include <fcntl.h>
#include <ftw.h>
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

/* Whether a file with no extension looks like a capture (dfota_log_sniff):
 * a README, a shell script or a firmware image beside the captures is
 * passed over. Reads at most 4 KiB, never blocks (the caller passes only
 * regular files). */
static int looks_like_capture(const char *path)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return 0;
    char b[4096];
    ssize_t n = read(fd, b, sizeof b);
    close(fd);
    return n > 0 && dfota_log_sniff(b, (size_t)n);
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

/* How deep a folder scan goes, and how many folders it reads: a tree
 * deeper or larger than this is not a capture folder, and each bound is
 * said when it is reached. */
#define WALK_DEPTH_MAX 32
#define WALK_DIRS_MAX 10000

/* The command's name for the lines a scan says on standard error. */
static const char *cmd_name(void)
{
    return cli_argc > 1 && cli_argv && cli_argv[1] ? cli_argv[1] : "";
}

/* A scan: the folders already read (device and inode), so that a link
 * back to a parent, or two, is not followed again. */
typedef struct {
    struct {
        dev_t dev;
        ino_t ino;
    } *seen;
    size_t n, cap;
    int (*want)(const char *);
    int sniff;
    void (*fn)(void *, const char *);
    void *ctx;
    int said_many; /* past WALK_DIRS_MAX, said once */
} walk_state;

/* 1 when the folder was already read, 0 when it is new (and now noted),
 * -1 when out of memory. */
static int walk_seen(walk_state *w, const struct stat *st)
{
    for (size_t i = 0; i < w->n; i++)
        if (w->seen[i].dev == st->st_dev && w->seen[i].ino == st->st_ino)
            return 1;
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 16;
        void *p = realloc(w->seen, cap * sizeof *w->seen);
        if (!p)
            return -1;
        w->seen = p;
        w->cap = cap;
    }
    w->seen[w->n].dev = st->st_dev;
    w->seen[w->n].ino = st->st_ino;
    w->n++;
    return 0;
}

static long walk(walk_state *w, const char *dir, int depth);

/* A folder met in the walk (st: what stat says of it): read once,
 * however many links lead to it. Returns what walk returns, 0 when it is
 * skipped. */
static long walk_folder(walk_state *w, const char *path, int depth, const struct stat *st)
{
    int seen = walk_seen(w, st);
    if (seen < 0)
        return -1;
    if (seen) {
        struct stat lst; /* only to say which it is */
        int link = lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode);
        fprintf(stderr, "dfota %s: %s: skipped, a %s a folder already read (a loop)\n", cmd_name(),
                path, link ? "link to" : "second way into");
        return 0;
    }
    if (depth >= WALK_DEPTH_MAX) {
        fprintf(stderr, "dfota %s: %s: skipped, deeper than %d folders\n", cmd_name(), path,
                WALK_DEPTH_MAX);
        return 0;
    }
    if (w->n > WALK_DIRS_MAX) {
        if (!w->said_many)
            fprintf(stderr, "dfota %s: %s and the folders after it: skipped, past %d folders\n",
                    cmd_name(), path, WALK_DIRS_MAX);
        w->said_many = 1;
        return 0;
    }
    return walk(w, path, depth + 1);
}

/* One entry of a folder: a folder is walked (walk_folder); a wanted
 * regular file is handed to fn. Returns the number handed, or -1 when out
 * of memory. type is the entry's d_type: a regular file the folder says
 * is one needs no stat (a system call a file, in a folder of thousands of
 * logs; one that goes before it is opened, a log rotated away, is
 * reported unreadable when it is, as it always could be); a link, a
 * folder, or a file system that does not say, is stat'ed. */
static long walk_entry(walk_state *w, const char *path, const char *name, int depth,
                       unsigned char type)
{
    if (type != DT_REG) {
        struct stat st;
        if (stat(path, &st) != 0)
            return 0; /* gone, or a dangling link: nothing to read */
        if (S_ISDIR(st.st_mode))
            return walk_folder(w, path, depth, &st);
        if (!S_ISREG(st.st_mode))
            return 0;
    }
    if (w->want(name) || (w->sniff && has_no_ext(name) && looks_like_capture(path))) {
        w->fn(w->ctx, path);
        return 1;
    }
    return 0;
}

/* Hands fn every wanted regular file under dir; returns the number
 * handed, or -1 when out of memory. A FIFO, a socket or a device in a
 * folder is never opened: reading one would block or never end. */
static long walk(walk_state *w, const char *dir, int depth)
{
    struct dirent **list;
    int n = scandir(dir, &list, NULL, by_name);
    if (n < 0) {
        w->fn(w->ctx, dir); /* reported as unreadable by the caller */
        return 1;
    }
    long count = 0;
    size_t dl = strlen(dir);
    for (int i = 0; i < n; i++) {
        const char *name = list[i]->d_name;
        if (count >= 0 && name[0] != '.') {
            size_t len = dl + strlen(name) + 2;
            char *path = malloc(len);
            if (!path)
                count = -1;
            else {
                snprintf(path, len, "%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/", name);
                long k = walk_entry(w, path, name, depth, list[i]->d_type);
                count = k < 0 ? -1 : count + k;
                free(path);
            }
        }
        free(list[i]);
    }
    free(list);
    return count;
}

static long walk_top(const char *dir, const struct stat *st, int (*want)(const char *), int sniff,
                     void (*fn)(void *, const char *), void *ctx)
{
    walk_state w = {NULL, 0, 0, want, sniff, fn, ctx, 0};
    long n = walk_seen(&w, st) < 0 ? -1 : walk(&w, dir, 0);
    free(w.seen);
    return n;
}

/* A FIFO, a socket or a device named as an input: opening a FIFO waits for
 * a writer for ever and a device may never end, so it is refused, saying
 * how to read it instead; a pipe this process holds is read. 1 when
 * refused (and said), else 0. */
/* Whether this process already holds the pipe open (standard input, a
 * shell's <(...) as /dev/fd/63): its writer is there, reading it is what
 * the user asked. Looks at the first descriptors only, a bounded cost. */
static int pipe_held(const struct stat *st)
{
    for (int fd = 0; fd < 1024; fd++) {
        struct stat f;
        if (fstat(fd, &f) == 0 && S_ISFIFO(f.st_mode) && f.st_dev == st->st_dev &&
            f.st_ino == st->st_ino)
            return 1;
    }
    return 0;
}

static int refuse_special(const char *path, const struct stat *st)
{
    if (S_ISFIFO(st->st_mode) && pipe_held(st))
        return 0;
    const char *what = S_ISFIFO(st->st_mode)   ? "a FIFO"
                       : S_ISSOCK(st->st_mode) ? "a socket"
                       : S_ISCHR(st->st_mode)  ? "a character device"
                       : S_ISBLK(st->st_mode)  ? "a block device"
                                               : NULL;
    if (!what)
        return 0;
    fprintf(stderr,
            "dfota %s: %s: refused: %s, not a regular file (reading it could wait for ever; "
            "give it on standard input as -, e.g. 'dfota %s - < %s')\n",
            cmd_name(), path, what, cmd_name(), path);
    return 1;
}

/* path itself, or the files of a folder that want names (and, with sniff,
 * the captures with no extension); a special file is refused. */
static long each_file(const char *path, int (*want)(const char *), int sniff,
                      void (*fn)(void *ctx, const char *file), void *ctx)
{
    struct stat st;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return walk_top(path, &st, want, sniff, fn, ctx);
        if (refuse_special(path, &st))
            return FILES_REFUSED;
    }
    fn(ctx, path);
    return 1;
}

long files_each(const char *path, void (*fn)(void *ctx, const char *file), void *ctx)
{
    if (strcmp(path, "-") != 0)
        return each_file(path, is_log_name, 1, fn, ctx);
    fn(ctx, path); /* standard input */
    return 1;
}

long scenario_files_each(const char *path, void (*fn)(void *ctx, const char *file), void *ctx)
{
    return each_file(path, is_scenario_name, 0, fn, ctx);
}

/* ---- outputs ----------------------------------------------------------- */

/* How long an output FIFO with no reader is waited on before it is refused. */
#define OUTPUT_FIFO_WAIT_MS 10000

/* Opens what is not a regular file (a device, a FIFO, a link to one) to be
 * written through, never replaced: 0, or -1 with errno and a->why. */
static int open_direct(atomic_file *a, const char *path)
{
    struct stat st, fst;
    if (stat(path, &st) != 0)
        return -1; /* a dangling link: not followed to make a file */
    if (S_ISDIR(st.st_mode)) {
        errno = EISDIR;
        return -1;
    }
    if (S_ISSOCK(st.st_mode) || S_ISBLK(st.st_mode)) {
        a->why = S_ISSOCK(st.st_mode) ? "a socket, not a file: refused"
                                      : "a block device, not a file: refused";
        errno = EINVAL;
        return -1;
    }
    /* O_NONBLOCK: a FIFO with no reader fails at once (ENXIO) instead of
     * waiting for ever, so the wait is ours and bounded. */
    int fd = -1;
    for (int waited = 0;; waited += 50) {
        fd = open(path, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0 || errno != ENXIO || !S_ISFIFO(st.st_mode) || waited >= OUTPUT_FIFO_WAIT_MS)
            break;
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (fd < 0) {
        if (errno == ENXIO && S_ISFIFO(st.st_mode))
            a->why = "a FIFO with no reader (waited 10 s): refused";
        return -1;
    }
    /* what was opened is what was looked at, not something swapped in */
    if (fstat(fd, &fst) != 0 || fst.st_dev != st.st_dev || fst.st_ino != st.st_ino ||
        S_ISREG(fst.st_mode) != S_ISREG(st.st_mode)) {
        close(fd);
        a->why = "changed while it was opened: refused";
        errno = EAGAIN;
        return -1;
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0 || !(a->f = fdopen(fd, "w"))) {
        close(fd);
        return -1;
    }
    a->direct = 1;
    return 0;
}

int atomic_open_mode(atomic_file *a, const char *path, unsigned mode)
{
    a->f = NULL;
    a->direct = 0;
    a->why = NULL;
    a->tmp[0] = '\0';
    if (strlen(path) >= sizeof a->path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    snprintf(a->path, sizeof a->path, "%s", path);
    if (strcmp(path, "-") == 0) {
        a->f = stdout;
        a->direct = 2;
        return 0;
    }
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (S_ISLNK(st.st_mode)) {
            /* a link to a regular file: the file it names is replaced, the
             * link stays; a link to anything else is written through */
            char *real = realpath(path, NULL);
            struct stat rst;
            int reg = real && stat(real, &rst) == 0 && S_ISREG(rst.st_mode) &&
                      strlen(real) < sizeof a->path;
            if (reg)
                snprintf(a->path, sizeof a->path, "%s", real);
            free(real);
            if (!reg)
                return open_direct(a, path);
        } else if (!S_ISREG(st.st_mode))
            return open_direct(a, path);
    } else if (errno != ENOENT)
        return -1;
    snprintf(a->tmp, sizeof a->tmp, "%s.tmp%ld", a->path, (long)getpid() % 100000);
    unlink(a->tmp); /* one left by an earlier process of the same number */
    int fd = open(a->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, (mode_t)mode);
    if (fd < 0)
        return -1;
    if (!(a->f = fdopen(fd, "w"))) {
        int e = errno;
        close(fd);
        unlink(a->tmp);
        errno = e;
        return -1;
    }
    return 0;
}

int atomic_open(atomic_file *a, const char *path)
{
    return atomic_open_mode(a, path, 0666);
}

const char *atomic_error(const atomic_file *a, int err)
{
    return a->why ? a->why : strerror(err);
}

int atomic_commit(atomic_file *a)
{
    int rc = 0;
    if (a->direct == 2) { /* standard output: flushed, never closed */
        rc = fflush(a->f) != 0 || ferror(a->f) ? -1 : 0;
        a->f = NULL;
        return rc;
    }
    if (fflush(a->f) != 0 || ferror(a->f) || (!a->direct && fsync(fileno(a->f)) != 0))
        rc = -1;
    int e = errno;
    if (fclose(a->f) != 0 && rc == 0) {
        rc = -1;
        e = errno;
    }
    a->f = NULL;
    if (a->direct) {
        errno = e;
        return rc;
    }
    /* never rename over what became something else than a regular file */
    struct stat st;
    if (rc == 0 && lstat(a->path, &st) == 0 && !S_ISREG(st.st_mode)) {
        a->why = "no longer a regular file: not replaced";
        e = EEXIST;
        rc = -1;
    }
    if (rc == 0 && rename(a->tmp, a->path) != 0) {
        e = errno;
        rc = -1;
    }
    if (rc != 0)
        unlink(a->tmp);
    errno = e;
    return rc;
}

void atomic_abort(atomic_file *a)
{
    if (a->direct == 2) {
        a->f = NULL;
        return;
    }
    if (a->f)
        fclose(a->f);
    a->f = NULL;
    if (!a->direct)
        unlink(a->tmp);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return (flag == FTW_DP ? rmdir(path) : unlink(path)) != 0 && errno != ENOENT ? -1 : 0;
}

int remove_tree(const char *dir)
{
    /* FTW_PHYS: a link inside is removed, never followed */
    return nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
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

volatile sig_atomic_t cli_stop_signal;

static void on_stop_signal(int sig)
{
    cli_stop_signal = sig;
}

void cli_catch_stop_flag(void)
{
    cli_catch_stop(on_stop_signal, 1);
}

const char *cli_stop_signal_name(void)
{
    return cli_stop_signal == SIGINT ? "SIGINT" : cli_stop_signal == SIGHUP ? "SIGHUP" : "SIGTERM";
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
