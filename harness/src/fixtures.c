/* SPDX-License-Identifier: MIT */
/* fixtures.c - the harness's own FTP and HTTP servers and packages, for
 * `dfota run --source emulator`: fixtures/servers.sh started in a private
 * folder, its servers.env read, and everything stopped and removed again.
 *
 * The servers are the same real ones the test suite uses (pyftpdlib,
 * lighttpd, socat on 127.0.0.1), so a run that brings them up itself judges
 * the module exactly as scripts that start them by hand do. */
#define _DEFAULT_SOURCE
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

/* A fixtures folder holds servers.sh and make-packages.py. */
static int is_fixtures(const char *dir)
{
    char p[FIXTURES_PATH_MAX + 32];
    struct stat st;
    snprintf(p, sizeof p, "%s/servers.sh", dir);
    if (stat(p, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    snprintf(p, sizeof p, "%s/make-packages.py", dir);
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static int try_dir(char *out, size_t cap, const char *base, const char *rel)
{
    char p[FIXTURES_PATH_MAX];
    int n = snprintf(p, sizeof p, "%s%s", base, rel);
    if (n < 0 || (size_t)n >= sizeof p || (size_t)n >= cap || !is_fixtures(p))
        return 0;
    char *real = realpath(p, NULL);
    if (!real)
        return 0;
    int fits = strlen(real) < cap;
    if (fits)
        memcpy(out, real, strlen(real) + 1);
    free(real);
    return fits;
}

/* Whether this binary runs from the build folder it was built in: then its
 * data is the source tree's (DFOTA_SOURCE_DIR); installed, it is never
 * looked for there, even when the source tree is still on the machine. */
static int from_build(const char *exe_dir)
{
#ifdef DFOTA_BUILD_DIR
    char *build = realpath(DFOTA_BUILD_DIR, NULL);
    int same = build && strcmp(build, exe_dir) == 0;
    free(build);
    return same;
#else
    (void)exe_dir;
    return 0;
#endif
}

int fixtures_find(char *out, size_t cap)
{
    const char *env = getenv("DFOTA_FIXTURES");
    if (env && *env)
        return try_dir(out, cap, env, "") ? 0 : -1;
    char exe[FIXTURES_PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return -1;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return -1;
    *slash = '\0';
#ifdef DFOTA_SOURCE_DIR
    /* run from its build: the source tree first */
    if (from_build(exe) && try_dir(out, cap, DFOTA_SOURCE_DIR, "/fixtures"))
        return 0;
#endif
    /* installed (PREFIX/bin/dfota, PREFIX/share/dfota/fixtures), or a build
     * folder inside a source tree (build/dfota, fixtures/) */
    if (try_dir(out, cap, exe, "/../share/dfota/fixtures") || try_dir(out, cap, exe, "/../fixtures") ||
        try_dir(out, cap, exe, "/fixtures") || try_dir(out, cap, exe, "/../../fixtures"))
        return 0;
    return -1;
}

/* Runs `bash servers.sh CMD DIR` with its output in DIR.log, in a process
 * group of its own (a Ctrl-C at the terminal is the run's to handle: it
 * must not cut a start in half and leave servers behind) and with TMPDIR
 * inside DIR. Returns its exit status, or -1. */
static int servers_sh(const fixtures *fx, const char *cmd)
{
    char script[FIXTURES_PATH_MAX + 16], log[FIXTURES_PATH_MAX + 8], tmpdir[FIXTURES_PATH_MAX + 8];
    snprintf(script, sizeof script, "%s/servers.sh", fx->source);
    snprintf(log, sizeof log, "%s.log", fx->dir);
    snprintf(tmpdir, sizeof tmpdir, "%s/tmp", fx->dir);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        setpgid(0, 0);
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        int null = open("/dev/null", O_RDONLY);
        if (fd < 0 || null < 0)
            _exit(127);
        dup2(null, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        mkdir(tmpdir, 0700);
        setenv("TMPDIR", tmpdir, 1);
        execlp("bash", "bash", script, cmd, fx->dir, (char *)NULL);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The first "servers: ..." line servers.sh wrote, as the reason. */
static void first_reason(const fixtures *fx, char *why, size_t cap)
{
    char log[FIXTURES_PATH_MAX + 8], line[512];
    snprintf(log, sizeof log, "%s.log", fx->dir);
    FILE *f = fopen(log, "r");
    why[0] = '\0';
    while (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        const char *p = strncmp(line, "servers: ", 9) == 0 ? line + 9 : NULL;
        if (p && !strstr(p, "stopping what was started")) {
            snprintf(why, cap, "%.*s", (int)(cap > 1 ? cap - 1 : 0), p);
            break;
        }
        if (!why[0] && line[0])
            snprintf(why, cap, "%.*s", (int)(cap > 1 ? cap - 1 : 0), line);
    }
    if (f)
        fclose(f);
    if (!why[0])
        snprintf(why, cap, "fixtures/servers.sh failed and said nothing");
}

/* servers.env: NAME='value' lines (servers.sh quotes every value and
 * refuses folders with quotes). The names kept are those of fixtures. */
static int read_env(fixtures *fx)
{
    static const char *const keys[FIXTURES_CONNECT_TO] = {
        "FTP_CONNECT_TO", "FTP_DEFAULT_CONNECT_TO", "HTTP_CONNECT_TO", "HTTP_DEFAULT_CONNECT_TO"};
    char path[FIXTURES_PATH_MAX + 16], line[FIXTURES_PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/servers.env", fx->dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t found = 0;
    while (fgets(line, sizeof line, f)) {
        char *eq = strchr(line, '=');
        size_t len = strcspn(line, "\r\n");
        line[len] = '\0';
        if (!eq || eq[1] != '\'' || len < (size_t)(eq - line) + 3 || line[len - 1] != '\'')
            continue;
        *eq = '\0';
        char *val = eq + 2;
        line[len - 1] = '\0';
        for (size_t k = 0; k < FIXTURES_CONNECT_TO; k++)
            if (strcmp(line, keys[k]) == 0 && strlen(val) < sizeof fx->connect_to[k]) {
                memcpy(fx->connect_to[k], val, strlen(val) + 1);
                found |= 1u << k;
            }
        if (strcmp(line, "UFS_DIR") == 0 && strlen(val) < sizeof fx->ufs) {
            memcpy(fx->ufs, val, strlen(val) + 1);
            found |= 1u << FIXTURES_CONNECT_TO;
        }
    }
    fclose(f);
    for (size_t k = 0; k < FIXTURES_CONNECT_TO; k++)
        fx->connect_to_ptr[k] = fx->connect_to[k];
    return found == (1u << (FIXTURES_CONNECT_TO + 1)) - 1 ? 0 : -1;
}

int fixtures_start(fixtures *fx, char *why, size_t cap)
{
    memset(fx, 0, sizeof *fx);
    if (fixtures_find(fx->source, sizeof fx->source) != 0) {
        snprintf(why, cap,
                 "the fixture servers' folder (fixtures/ of the dfota sources, with servers.sh) is "
                 "not beside this dfota: set DFOTA_FIXTURES=DIR, or start servers of your own and "
                 "give --connect-to (see fixtures/README.md)");
        return -1;
    }
    const char *t = getenv("TMPDIR");
    int n = snprintf(fx->dir, sizeof fx->dir, "%s/dfota-fixtures-XXXXXX", t && *t ? t : "/tmp");
    if (n < 0 || (size_t)n >= sizeof fx->dir - 32 || !mkdtemp(fx->dir)) {
        snprintf(why, cap, "cannot make a folder for the fixture servers in %s: %s",
                 t && *t ? t : "/tmp", strerror(errno));
        fx->dir[0] = '\0';
        return -1;
    }
    int rc = servers_sh(fx, "start");
    if (rc != 0 || read_env(fx) != 0) {
        char reason[400];
        first_reason(fx, reason, sizeof reason);
        snprintf(why, cap,
                 "the fixture servers did not start (%s): install what is missing "
                 "(scripts/install-deps.sh), or start servers of your own and give --connect-to "
                 "(see fixtures/README.md)",
                 reason);
        fixtures_stop(fx);
        return -1;
    }
    snprintf(fx->packages, sizeof fx->packages, "%.990s/packages.yaml", fx->dir);
    fx->running = 1;
    return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

int fixtures_stop(fixtures *fx)
{
    if (!fx->dir[0])
        return 0;
    int rc = servers_sh(fx, "stop") == 0 ? 0 : -1;
    /* the folder is ours alone (mkdtemp); once its servers are down, it goes */
    if (rc == 0 && nftw(fx->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
        rc = -1;
    char log[FIXTURES_PATH_MAX + 8];
    snprintf(log, sizeof log, "%s.log", fx->dir);
    if (rc != 0)
        return rc; /* the folder and its log stay, for the caller to name */
    unlink(log);
    fx->dir[0] = '\0';
    fx->running = 0;
    return 0;
}
