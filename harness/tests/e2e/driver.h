/* SPDX-License-Identifier: MIT */
/* driver.h - what the end-to-end drivers (check_corpus.c, check_scenarios.c)
 * share: a list of failure reasons, the walk over a folder, the reading of a
 * file's header lines, and running the dfota binary with its output captured.
 *
 * Every function is static inline, so a driver that does not call one gets
 * no unused-function warning, and there is nothing to link.
 *
 * Before including this file a driver defines:
 *   _POSIX_C_SOURCE  200809L, before any other #include
 *   DRIVER_NAME      "check_corpus": the prefix of the messages walk() prints
 *   REASONS_MAX      bytes of a reasons list (the rest is cut to "...")
 *   REASON_ONE_MAX   bytes of one reason (the rest is cut)
 *   ERR_KEEP         bytes of a run's standard error kept (its start)
 * and then has what is defined below. */
#ifndef DFOTA_E2E_DRIVER_H
#define DFOTA_E2E_DRIVER_H

#if !defined(_POSIX_C_SOURCE) || !defined(DRIVER_NAME) || !defined(REASONS_MAX) || \
    !defined(REASON_ONE_MAX) || !defined(ERR_KEEP)
#error "define _POSIX_C_SOURCE, DRIVER_NAME, REASONS_MAX, REASON_ONE_MAX and ERR_KEEP first"
#endif

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_FILES 4096          /* files one walk collects */
#define MAX_DEPTH 16            /* folders below the top one a walk enters */
#define PATH_MAX_LEN 1024
#define HEADER_LINE_MAX 1024    /* bytes of one header line, with its NUL */
#define HEADER_LINES_MAX 64     /* header lines read at most */
#define OUT_MAX (8u * 1024u * 1024u) /* standard output kept; one report is a few KiB */
#define RUN_TIMEOUT_MS 60000    /* a run is killed after this */

_Static_assert(REASONS_MAX > 5, "REASONS_MAX must hold the \"...\" that marks a cut");

/* ---- strings ---------------------------------------------------------- */

/* Copies src into dst of cap bytes, cut if it must be (callers check
 * lengths). dst belongs to the caller. */
static inline void copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* 1 when s ends with suffix and has something before it. */
static inline int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), e = strlen(suffix);
    return n > e && strcmp(s + n - e, suffix) == 0;
}

/* Next blank-separated word of *p into out (cap bytes); 0 at the end.
 * Advances *p past the word; *too_long says it was cut to cap - 1 bytes. */
static inline int next_word(const char **p, char *out, size_t cap, int *too_long)
{
    const char *s = *p;
    while (*s == ' ' || *s == '\t')
        s++;
    if (!*s) {
        *p = s;
        return 0;
    }
    size_t n = 0;
    while (s[n] && s[n] != ' ' && s[n] != '\t')
        n++;
    *too_long = n >= cap;
    size_t keep = n < cap ? n : cap - 1;
    memcpy(out, s, keep);
    out[keep] = '\0';
    *p = s + n;
    return 1;
}

/* The first line of s into out, at most cap - 1 bytes, for a reason (a
 * driver sizes out to the length it wants shown). */
static inline void first_line(const char *s, char *out, size_t cap)
{
    size_t n = 0;
    while (s[n] && s[n] != '\n' && n + 1 < cap)
        n++;
    memcpy(out, s, n);
    out[n] = '\0';
}

/* Strips trailing slashes of in into out (cap bytes); 0 when in is too long. */
static inline int clean_dir(const char *in, char *out, size_t cap)
{
    if (strlen(in) >= cap)
        return 0;
    copy_str(out, cap, in);
    size_t n = strlen(out);
    while (n > 1 && out[n - 1] == '/')
        out[--n] = '\0';
    return 1;
}

/* ---- reasons something failed ----------------------------------------- */

/* The reasons one item failed, each on its own "\n    - " line, ready to
 * print after the item's name. The caller owns it (usually on its stack)
 * and zeroes it before the first add_reason; n counts the reasons. */
typedef struct {
    char text[REASONS_MAX];
    size_t len;
    unsigned n;
} reasons;

/* Adds one printf-formatted reason (cut to REASON_ONE_MAX - 1 bytes); once
 * the text is full it ends in "..." and further reasons are only counted. */
__attribute__((format(printf, 2, 3)))
static inline void add_reason(reasons *r, const char *fmt, ...)
{
    char one[REASON_ONE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(one, sizeof one, fmt, ap);
    va_end(ap);
    r->n++;
    size_t room = sizeof r->text - r->len;
    int w = snprintf(r->text + r->len, room, "\n    - %s", one);
    if (w < 0)
        return;
    if ((size_t)w >= room) {
        r->len = sizeof r->text - 1;
        memcpy(r->text + sizeof r->text - 5, "...", 4);
    } else
        r->len += (size_t)w;
}

/* ---- finding files ---------------------------------------------------- */

/* Paths a walk found. The list owns each path (strdup'ed): free them with
 * free_list() or one by one. Big: keep it static, not on the stack. */
typedef struct {
    char *path[MAX_FILES];
    size_t n;
    int overflow; /* more than MAX_FILES matched; the rest were dropped */
} file_list;

/* Takes a file by its name (no folder): 1 to keep it. */
typedef int (*name_filter)(const char *name);

/* The names the corpus is made of: what dfota's directory walk reads. */
static inline int is_transcript_name(const char *name)
{
    return ends_with(name, ".transcript") || ends_with(name, ".log") || ends_with(name, ".txt") ||
           ends_with(name, ".cap");
}

/* Appends to out the regular files under dir that keep() takes, skipping
 * names that start with '.'; with recurse, also those in folders down to
 * MAX_DEPTH (call with depth 0). Paths are "dir/name", in directory order:
 * sort with by_path. Returns 0, or -1 on an error it has printed. */
static inline int walk(const char *dir, int depth, int recurse, name_filter keep, file_list *out)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, DRIVER_NAME ": cannot open %s: %s\n", dir, strerror(errno));
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[PATH_MAX_LEN];
        int w = snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (w < 0 || (size_t)w >= sizeof path) {
            fprintf(stderr, DRIVER_NAME ": path too long under %s\n", dir);
            rc = -1;
            break;
        }
        struct stat st;
        if (stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            if (recurse && depth < MAX_DEPTH)
                rc = walk(path, depth + 1, recurse, keep, out);
        } else if (S_ISREG(st.st_mode) && keep(e->d_name)) {
            if (out->n >= MAX_FILES) {
                out->overflow = 1;
                continue;
            }
            out->path[out->n] = strdup(path);
            if (!out->path[out->n])
                rc = -1;
            else
                out->n++;
        }
    }
    closedir(d);
    return rc;
}

/* qsort comparison of two file_list paths: byte order. */
static inline int by_path(const void *a, const void *b)
{
    const char *const *pa = a;
    const char *const *pb = b;
    return strcmp(*pa, *pb);
}

/* Frees every path of l and empties it. */
static inline void free_list(file_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->path[i]);
    l->n = 0;
}

/* ---- header lines ----------------------------------------------------- */

/* Opens path for its header, past a UTF-8 byte order mark (Windows editors
 * write one). NULL with errno set when it cannot be opened; the caller
 * fcloses. */
static inline FILE *header_open(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char bom[3];
    size_t got = fread(bom, 1, sizeof bom, f);
    if (got != 3 || bom[0] != 0xEF || bom[1] != 0xBB || bom[2] != 0xBF)
        rewind(f);
    return f;
}

/* One physical line of f into line (cap bytes, the caller's): LF, CR LF and
 * a lone CR end it, as the reader takes them. Returns 0 at the end of the
 * file, 1 for a line, 2 for a line longer than cap (its start is kept). */
static inline int header_getline(FILE *f, char *line, size_t cap)
{
    size_t n = 0;
    int c, over = 0, any = 0;
    while ((c = getc(f)) != EOF) {
        any = 1;
        if (c == '\n')
            break;
        if (c == '\r') {
            int next = getc(f);
            if (next != '\n' && next != EOF)
                ungetc(next, f);
            break;
        }
        if (n + 1 < cap)
            line[n++] = (char)c;
        else
            over = 1;
    }
    line[n] = '\0';
    if (!any)
        return 0;
    return over ? 2 : 1;
}

/* Calls on_line(line, h, why) for each of the leading '#' lines of path (at
 * most HEADER_LINES_MAX; after a byte order mark). A line longer than
 * HEADER_LINE_MAX - 1 bytes ends the header with a reason when
 * long_is_error, else it is passed over. Returns 0, or -1 with a reason
 * added when the file cannot be opened. */
static inline int header_each(const char *path, reasons *why, int long_is_error,
                              void (*on_line)(const char *line, void *h, reasons *why), void *h)
{
    FILE *f = header_open(path);
    if (!f) {
        add_reason(why, "cannot open: %s", strerror(errno));
        return -1;
    }
    char line[HEADER_LINE_MAX];
    for (int lines = 1; lines <= HEADER_LINES_MAX; lines++) {
        int rc = header_getline(f, line, sizeof line);
        if (rc == 0 || line[0] != '#')
            break; /* the first event: the header is over */
        if (rc == 2 && long_is_error) {
            add_reason(why, "header line %d longer than %d bytes", lines, HEADER_LINE_MAX - 1);
            break;
        }
        if (rc == 2)
            continue;
        on_line(line, h, why);
    }
    fclose(f);
    return 0;
}

/* ---- running dfota ---------------------------------------------------- */

/* What one run did. run() fills it; the caller owns it and must free(out)
 * (NULL when the program wrote nothing). */
typedef struct {
    char *out;          /* standard output, NUL-terminated; caller frees */
    size_t out_len;
    int out_overflow;   /* more than OUT_MAX bytes: the rest was dropped */
    char err[ERR_KEEP]; /* the start of standard error, NUL-terminated */
    size_t err_len;
    int status;         /* from waitpid */
    int timed_out;      /* killed after RUN_TIMEOUT_MS */
    int spawn_failed;   /* no pipe or no fork: nothing ran */
} run_result;

/* A monotonic clock in milliseconds, for run()'s deadline. */
static inline long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads what is ready on fd into the result (standard error when is_err);
 * 0 at its end. run()'s helper. */
static inline int drain(int fd, run_result *r, int is_err)
{
    char buf[16384];
    ssize_t got = read(fd, buf, sizeof buf);
    if (got < 0)
        return errno == EINTR || errno == EAGAIN ? 1 : 0;
    if (got == 0)
        return 0;
    size_t n = (size_t)got;
    if (is_err) {
        size_t room = sizeof r->err - 1 - r->err_len;
        size_t take = n < room ? n : room;
        memcpy(r->err + r->err_len, buf, take);
        r->err_len += take;
        r->err[r->err_len] = '\0';
        return 1;
    }
    if (r->out_len + n > OUT_MAX) {
        r->out_overflow = 1;
        return 1;
    }
    char *grown = realloc(r->out, r->out_len + n + 1);
    if (!grown) {
        r->out_overflow = 1;
        return 1;
    }
    r->out = grown;
    memcpy(r->out + r->out_len, buf, n);
    r->out_len += n;
    r->out[r->out_len] = '\0';
    return 1;
}

/* Runs argv (argv[0] a path; no shell, so file names need no quoting) with
 * standard input from /dev/null, collects its output into *r, and kills it
 * after RUN_TIMEOUT_MS. Exit status 127 means it could not be executed. */
static inline void run(char *const argv[], run_result *r)
{
    int po[2], pe[2];
    memset(r, 0, sizeof *r);
    if (pipe(po) != 0) {
        r->spawn_failed = 1;
        return;
    }
    if (pipe(pe) != 0) {
        close(po[0]);
        close(po[1]);
        r->spawn_failed = 1;
        return;
    }
    pid_t pid = fork();
    if (pid < 0) {
        close(po[0]); close(po[1]); close(pe[0]); close(pe[1]);
        r->spawn_failed = 1;
        return;
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, STDIN_FILENO);
        dup2(po[1], STDOUT_FILENO);
        dup2(pe[1], STDERR_FILENO);
        close(po[0]); close(po[1]); close(pe[0]); close(pe[1]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    struct pollfd fds[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
    int open_fds = 2;
    long long deadline = now_ms() + RUN_TIMEOUT_MS;
    while (open_fds > 0) {
        long long left = deadline - now_ms();
        if (left <= 0) {
            r->timed_out = 1;
            kill(pid, SIGKILL);
            break;
        }
        int n = poll(fds, 2, (int)left);
        if (n < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2 && n > 0; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            if (!drain(fds[i].fd, r, i == 1)) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
            }
        }
    }
    for (int i = 0; i < 2; i++)
        if (fds[i].fd >= 0)
            close(fds[i].fd);
    while (waitpid(pid, &r->status, 0) < 0 && errno == EINTR)
        ;
}

#endif /* DFOTA_E2E_DRIVER_H */
