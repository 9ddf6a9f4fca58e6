/* at.c - the AT interpreter: input from the host, the command table,
 * AT+QFOTADL and the basic commands (emulator/module.h). */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "emulator/module.h"

/* ---- AT+QFOTADL ---------------------------------------------------------- */

/* A field form the emulator can act on (newer firmware): HTTPS, /cache/ufs/
 * and arguments after the URL. Typographic quotes are a paste tool's damage
 * and FILE: streaming is not played. */
static int accepted(const dfota_emulator *em, const dfota_arg_check *chk)
{
    if (chk->cls == DFOTA_ARG_VALID)
        return 1;
    if (!em->field || chk->cls != DFOTA_ARG_FIELD || chk->typographic || !chk->quirk)
        return 0;
    return strcmp(chk->quirk, "https-url") == 0 || strcmp(chk->quirk, "cache-ufs-path") == 0 ||
           strcmp(chk->quirk, "extra-arguments") == 0;
}

/* The OK of an accepted AT+QFOTADL="...", as the faults leave it. */
static void fotadl_ok(dfota_emulator *em)
{
    hook_ctx c = {0};
    em_run_hooks(em, HOOK_ANSWER, &c);
    if (c.delay_ns > 0) {
        em_plan_say(em, c.delay_ns, "OK");
        return;
    }
    em_at_ok(em);
    if (c.twice)
        em_at_ok(em);
}

static void fotadl_remote(dfota_emulator *em, const char *url, size_t n, int ftp)
{
    if (n >= sizeof em->url) {
        em_at_error(em, 0);
        return;
    }
    memcpy(em->url, url, n);
    em->url[n] = '\0';
    em->dl_ftp = ftp;
    em->mode = MODE_BUSY;
    fotadl_ok(em);
    em_plan_fota(em, T_DOWNLOAD_START, ftp ? DFOTA_STAGE_FTPSTART : DFOTA_STAGE_HTTPSTART, 0, 0);
    em_plan(em, 0, A_DOWNLOAD, NULL);
}

/* A package already in the UFS: no download, the module reboots into
 * recovery at once. A name that is not there cannot start. */
static void fotadl_local(dfota_emulator *em, const char *name, size_t n)
{
    size_t prefix = text_starts_ci(name, n, DFOTA_LOCAL_PREFIX) ? strlen(DFOTA_LOCAL_PREFIX)
                                                                 : strlen("/cache/ufs/");
    char path[EM_PATH_MAX + 256];
    em_buf_free(&em->pkg);
    if (n <= prefix || !em_ufs_path(em, name + prefix, n - prefix, path, sizeof path) ||
        em_ufs_read(path, &em->pkg) != 0) {
        em_at_error(em, 405); /* file not found */
        return;
    }
    em->mode = MODE_BUSY;
    fotadl_ok(em);
    em_plan_reboot(em, 1, T_LOCAL_REBOOT);
}

static void at_fotadl_write(dfota_emulator *em, const char *arg, size_t n)
{
    dfota_arg_check chk;
    dfota_spec_check_arg(arg, n, &chk);
    const char *close = n > 1 && arg[0] == '"' ? memchr(arg + 1, '"', n - 1) : NULL;
    hook_ctx c = {0};
    if (!accepted(em, &chk) && close && em->mode == MODE_IDLE)
        em_run_hooks(em, HOOK_COMMAND, &c);
    if ((!accepted(em, &chk) && !c.accept) || !close || em->mode != MODE_IDLE) {
        em_at_error(em, 0);
        if (c.urc)
            em_plan_fota(em, T_DOWNLOAD_START, DFOTA_STAGE_FTPSTART, 0, 0);
        return;
    }
    const char *s = arg + 1;
    size_t sn = (size_t)(close - s);
    switch (chk.proto) {
    case DFOTA_PROTO_LOCAL: fotadl_local(em, s, sn); break;
    case DFOTA_PROTO_FTP: fotadl_remote(em, s, sn, 1); break;
    case DFOTA_PROTO_HTTP:
    case DFOTA_PROTO_HTTPS: fotadl_remote(em, s, sn, 0); break;
    default: em_at_error(em, 0); break;
    }
}

/* ---- the AT interpreter -------------------------------------------------- */

static void at_plain(dfota_emulator *em, const char *rest, size_t n)
{
    (void)rest;
    if (n == 0)
        em_at_ok(em);
    else
        em_at_error(em, 0);
}

static void at_echo(dfota_emulator *em, const char *rest, size_t n)
{
    if (n > 1 || (n == 1 && rest[0] != '0' && rest[0] != '1')) {
        em_at_error(em, 0);
        return;
    }
    em->echo = n == 1 && rest[0] == '1';
    em_at_ok(em);
}

static void at_ati(dfota_emulator *em, const char *rest, size_t n)
{
    char text[EM_MODEL_MAX + EM_VERSION_MAX + 48];
    if (n > 1 || (n == 1 && rest[0] != '0')) {
        em_at_error(em, 0);
        return;
    }
    snprintf(text, sizeof text, "Quectel\r\n%s\r\nRevision: %s", em->model, em->firmware);
    em_out_line(em, text);
    em_at_ok(em);
}

static void at_qgmr(dfota_emulator *em, const char *rest, size_t n)
{
    (void)rest;
    if (n != 0) {
        em_at_error(em, 0);
        return;
    }
    em_out_line(em, em->firmware);
    em_at_ok(em);
}

static void at_cmee(dfota_emulator *em, const char *rest, size_t n)
{
    char line[24];
    if (n == 2 && rest[0] == '=' && rest[1] >= '0' && rest[1] <= '2') {
        em->cmee = rest[1] - '0';
        em_at_ok(em);
    } else if (n == 1 && rest[0] == '?') {
        snprintf(line, sizeof line, "+CMEE: %d", em->cmee);
        em_out_line(em, line);
        em_at_ok(em);
    } else if (n == 2 && rest[0] == '=' && rest[1] == '?') {
        em_out_line(em, "+CMEE: (0-2)");
        em_at_ok(em);
    } else {
        em_at_error(em, 0);
    }
}

static void at_qfotadl(dfota_emulator *em, const char *rest, size_t n)
{
    if (n == 2 && rest[0] == '=' && rest[1] == '?') {
        hook_ctx c = {.test = 1};
        em_run_hooks(em, HOOK_ANSWER, &c);
        if (c.error)
            em_at_error(em, 0);
        else
            em_at_ok(em);
    } else if (n >= 1 && rest[0] == '=')
        at_fotadl_write(em, rest + 1, n - 1);
    else
        em_at_error(em, 0); /* the read and execution forms are not in the guide */
}

/* ---- the command table --------------------------------------------------- */

typedef void (*at_fn)(dfota_emulator *em, const char *rest, size_t n);

/* Matched in order on what follows "AT", ignoring case; the handler gets
 * what follows the name. Plain "AT" is last. */
static const struct {
    const char *name;
    at_fn fn;
} at_commands[] = {
    {"+QFOTADL", at_qfotadl}, {"+QGMR", at_qgmr}, {"+CMEE", at_cmee},
    {"+QFLST", em_at_qflst},     {"+QFDEL", em_at_qfdel}, {"+QFUPL", em_at_qfupl},
    {"E", at_echo},
    {"I", at_ati},            {"", at_plain},
};

/* Answers a host can count on from any module, canned (NULL: the model). */
static const struct {
    const char *command, *answer;
} at_canned[] = {
    {"+CREG?", "+CREG: 0,1"}, {"+CSQ", "+CSQ: 24,99"}, {"+CPIN?", "+CPIN: READY"},
    {"+CFUN?", "+CFUN: 1"},   {"+CGMM", NULL},         {"+CGMI", "Quectel"},
};

static int at_canned_answer(dfota_emulator *em, const char *rest, size_t n)
{
    for (size_t i = 0; i < sizeof at_canned / sizeof at_canned[0]; i++)
        if (text_equals_ci(rest, n, at_canned[i].command)) {
            em_out_line(em, at_canned[i].answer ? at_canned[i].answer : em->model);
            em_at_ok(em);
            return 1;
        }
    return 0;
}

static void at_line(dfota_emulator *em, const char *line, size_t len, unsigned flags)
{
    if (flags & DFOTA_EV_OVERLONG) {
        em_at_error(em, 0);
        return;
    }
    if (len < 2 || !text_starts_ci(line, len, "AT"))
        return; /* a module ignores what does not start with AT */
    const char *rest = line + 2;
    size_t n = len - 2;
    if (at_canned_answer(em, rest, n))
        return;
    for (size_t i = 0; i < sizeof at_commands / sizeof at_commands[0]; i++) {
        size_t k = strlen(at_commands[i].name);
        if (text_starts_ci(rest, n, at_commands[i].name)) {
            at_commands[i].fn(em, rest + k, n - k);
            return;
        }
    }
}

/* ---- input from the host ------------------------------------------------- */

/* Echoes and frames bytes a line at a time, so that ATE0 stops the echo
 * of what follows it, as on the module. CR ends a command (S3); a lone LF
 * does too, which the module would ignore, so that line-oriented tools
 * (socat with a here-document) can talk to it. Bytes after an AT+QFUPL's
 * CONNECT are the file's: neither echoed, framed nor recorded. */
static void host_bytes(dfota_emulator *em, const uint8_t *p, size_t n)
{
    while (n > 0) {
        if (em->up.fd >= 0) {
            size_t k = em_upload_take(em, p, n);
            p += k;
            n -= k;
            continue;
        }
        size_t seg = 0;
        while (seg < n && p[seg] != '\r' && p[seg] != '\n')
            seg++;
        seg += seg < n;
        em_record_bytes(em, em->rec_host, DFOTA_DIR_HOST, p, seg);
        if (em->echo)
            em_out_bytes(em, p, seg);
        dfota_framer_push(em->framer, p, seg);
        const char *line;
        size_t len, full;
        unsigned flags;
        while (dfota_framer_next(em->framer, &line, &len, &full, &flags))
            at_line(em, line, len, flags);
        p += seg;
        n -= seg;
    }
}

int em_read_host(dfota_emulator *em)
{
    uint8_t buf[1024];
    int happened = 0;
    for (int i = 0; i < 16 && em->master >= 0; i++) {
        ssize_t r = read(em->master, buf, sizeof buf);
        if (r <= 0)
            break; /* EAGAIN, or EIO: no host has the terminal open */
        happened = 1;
        dfota_clock_wire_taken(em->clock, DFOTA_WIRE_TO_MODULE, (size_t)r);
        em_host_sync(em);
        if (em->on_event && em->ino < 0)
            em_record_host(em, 1); /* it wrote: it has the port open, whatever poll said */
        if (em->mode == MODE_IDLE || em->mode == MODE_BUSY)
            host_bytes(em, buf, (size_t)r); /* records what is not upload data */
        else
            em_record_bytes(em, em->rec_host, DFOTA_DIR_HOST, buf, (size_t)r);
    }
    return happened;
}
