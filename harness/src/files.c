/* files.c - inputs from paths and folders; outputs written atomically. */
#define _DEFAULT_SOURCE
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

static int has_ext(const char *name, const char *const *ext, size_t n_ext)
{
    size_t n = strlen(name);
    if (name[0] == '.')
        return 0;
    for (size_t i = 0; i < n_ext; i++) {
        size_t e = strlen(ext[i]);
        if (n > e && strcmp(name + n - e, ext[i]) == 0)
            return 1;
    }
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

static int walk(const char *dir, int depth, int (*want)(const char *),
                void (*fn)(void *, const char *), void *ctx)
{
    struct dirent **list;
    int n = scandir(dir, &list, NULL, by_name);
    if (n < 0) {
        fn(ctx, dir); /* reported as unreadable by the caller */
        return 0;
    }
    int rc = 0;
    for (int i = 0; i < n; i++) {
        const char *name = list[i]->d_name;
        if (rc == 0 && name[0] != '.') {
            size_t len = strlen(dir) + strlen(name) + 2;
            char *path = malloc(len);
            if (!path)
                rc = -1;
            else {
                snprintf(path, len, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", name);
                struct stat st;
                if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
                    if (depth < 32)
                        rc = walk(path, depth + 1, want, fn, ctx);
                } else if (want(name))
                    fn(ctx, path);
                free(path);
            }
        }
        free(list[i]);
    }
    free(list);
    return rc;
}

int files_each(const char *path, void (*fn)(void *ctx, const char *file), void *ctx)
{
    struct stat st;
    if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return walk(path, 0, is_log_name, fn, ctx);
    fn(ctx, path);
    return 0;
}

int scenario_files_each(const char *path, void (*fn)(void *ctx, const char *file), void *ctx)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return walk(path, 0, is_scenario_name, fn, ctx);
    fn(ctx, path);
    return 0;
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
