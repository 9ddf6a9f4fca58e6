/* SPDX-License-Identifier: MIT */
/* at.c - the AT interpreter: input from the host, the command line as
 * V.250 has a module take it, the commands whose answers change the
 * module's state (echo, result form, S-registers, AT+CMEE), AT+QFOTADL
 * and the file commands; the rest is answered from the model's data
 * (model.c), or ERROR (emulator/module.h). */
#define _GNU_SOURCE
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
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
        em->in.deferred = 1; /* the line's OK is this one, later */
        return;
    }
    em_at_ok(em);
    if (c.twice && em->in.running)
        em->in.oks++; /* the line's OK comes twice */
    else if (c.twice)
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

/* ---- the commands that change the module's state ------------------------ */

/* A basic command's number ("E1": 1; "E": 0); -1 when it is not one. */
static long basic_value(const em_cmd *c)
{
    long v = 0;
    if (c->len == c->name_len)
        return 0;
    for (size_t i = c->name_len; i < c->len; i++)
        if (c->text[i] < '0' || c->text[i] > '9' || (v = v * 10 + (c->text[i] - '0')) > 255)
            return -1;
    return v;
}

/* E, V and Q take 0 or 1. */
static void at_flag(dfota_emulator *em, const em_cmd *c, int *flag)
{
    long v = basic_value(c);
    if (v < 0 || v > 1) {
        em_at_error(em, 0);
        return;
    }
    *flag = (int)v;
    em_at_ok(em);
}

/* Sn? reads, Sn=v sets (S3, S4 and S5 are used; the rest kept). */
static void at_s_register(dfota_emulator *em, const em_cmd *c)
{
    long reg = 0;
    for (size_t i = 1; i < c->name_len && reg < EM_S_REGS; i++)
        reg = reg * 10 + (c->text[i] - '0');
    const char *arg = c->text + c->name_len;
    size_t n = c->len - c->name_len;
    char line[8];
    if (reg >= EM_S_REGS) {
        em_at_error(em, 0);
    } else if (n == 1 && arg[0] == '?') {
        snprintf(line, sizeof line, "%03u", em->s_reg[reg]);
        em_out_line(em, line);
        em_at_ok(em);
    } else if (n == 2 && arg[0] == '=' && arg[1] == '?') {
        em_out_line(em, "(0-127)");
        em_at_ok(em);
    } else if (n >= 2 && arg[0] == '=') {
        long v = 0;
        for (size_t i = 1; i < n && v <= 255; i++)
            v = v * 10 + (arg[i] - '0');
        if (v > 127 || ((reg == 3 || reg == 4) && v == 0)) {
            em_at_error(em, 0);
            return;
        }
        em->s_reg[reg] = (unsigned char)v;
        em_at_ok(em);
    } else {
        em_at_ok(em); /* "S3" alone: selects it, as V.250 allows */
    }
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

void em_at_reset(dfota_emulator *em)
{
    static const unsigned char s_boot[EM_S_REGS] = {0, 0, 0, 13, 10, 8, 2, 0, 2, 0, 15, 0, 50};
    em->echo = 1;
    em->verbose = 1;
    em->quiet = 0;
    em->cmee = 0;
    memcpy(em->s_reg, s_boot, sizeof s_boot);
    em->in.len = 0;
    em->in.overlong = em->in.started = em->in.saw_a = em->in.skip_lf = 0;
    em->in.after_upload = 0;
    em->in.dropped = 0;
    memset(em->setting_now, 0, sizeof em->setting_now); /* the model's settings as at boot */
}

/* ---- the model's answers ------------------------------------------------- */

/* The answer's lines as one block of information text, then its final
 * result: OK, ERROR, or +CME ERROR: <n> (as AT+CMEE has it shown). */
static void model_answer(dfota_emulator *em, const em_answer *a)
{
    char block[EM_ANSWER_LINES_MAX * (EM_ANSWER_LINE_MAX + 64)];
    size_t k = 0;
    for (size_t i = 0; i < a->n_lines && k + 2 < sizeof block; i++) {
        if (i > 0) {
            block[k++] = (char)em->s_reg[3];
            block[k++] = (char)em->s_reg[4];
        }
        em_model_expand(em->model_data, em->firmware, a->lines[i], block + k, sizeof block - k);
        k += strlen(block + k);
    }
    block[k] = '\0';
    if (a->n_lines > 0)
        em_out_line(em, block);
    if (!a->final) {
        em_at_ok(em);
    } else if (a->cme) {
        em_at_error(em, a->cme);
    } else if (strcmp(a->final, "ERROR") == 0) {
        em_at_error(em, 0);
    } else {
        em_out_line(em, a->final); /* +CMS ERROR: <n> as written */
        em->in.failed = 1;
    }
}

/* ---- the command table --------------------------------------------------- */

typedef void (*at_fn)(dfota_emulator *em, const char *rest, size_t n);

/* The extended commands played here; the handler gets what follows the
 * name. The rest are the model's. */
static const struct {
    const char *name;
    at_fn fn;
} at_commands[] = {
    {"+QFOTADL", at_qfotadl}, {"+CMEE", at_cmee},      {"+QFLST", em_at_qflst},
    {"+QFDEL", em_at_qfdel},  {"+QFUPL", em_at_qfupl},
};

/* The basic commands played here (state); 0 when c is not one. */
static int run_basic(dfota_emulator *em, const em_cmd *c)
{
    const char *name = c->text;
    size_t nl = c->name_len;
    if (text_equals_ci(name, nl, "E"))
        at_flag(em, c, &em->echo);
    else if (text_equals_ci(name, nl, "V"))
        at_flag(em, c, &em->verbose);
    else if (text_equals_ci(name, nl, "Q"))
        at_flag(em, c, &em->quiet);
    else if (text_equals_ci(name, nl, "Z") || text_equals_ci(name, nl, "&F")) {
        if (basic_value(c) != 0) {
            em_at_error(em, 0);
            return 1;
        }
        em_at_reset(em);
        em->in.running = 1; /* the reset is one command of the line */
        em_at_ok(em);
    } else if (name[0] == 'S' || name[0] == 's')
        at_s_register(em, c);
    else
        return 0;
    return 1;
}

/* A setting of the model: its read, test and write forms. */
static int run_setting(dfota_emulator *em, const em_cmd *c)
{
    size_t i;
    const em_setting *st = em_model_setting(em->model_data, c->text, c->name_len, &i);
    if (!st)
        return 0;
    const char *arg = c->text + c->name_len;
    size_t n = c->len - c->name_len;
    char line[EM_PATTERN_MAX * (EM_ANSWER_LINES_MAX + 1) + 8];
    if (n == 1 && arg[0] == '?') {
        snprintf(line, sizeof line, "%s: %s", st->name, st->values[em->setting_now[i]]);
        em_out_line(em, line);
        em_at_ok(em);
    } else if (n == 2 && arg[0] == '=' && arg[1] == '?') {
        size_t k = (size_t)snprintf(line, sizeof line, "%s: (", st->name);
        for (size_t v = 0; v < st->n && k < sizeof line; v++)
            k += (size_t)snprintf(line + k, sizeof line - k, "%s%s", v ? "," : "", st->values[v]);
        if (k < sizeof line)
            snprintf(line + k, sizeof line - k, ")");
        em_out_line(em, line);
        em_at_ok(em);
    } else if (n > 1 && arg[0] == '=') {
        for (size_t v = 0; v < st->n; v++)
            if (text_equals_ci(arg + 1, n - 1, st->values[v])) {
                em->setting_now[i] = (unsigned char)v;
                em_at_ok(em);
                return 1;
            }
        em_at_error(em, 4); /* operation not supported */
    } else {
        em_at_error(em, 0);
    }
    return 1;
}

static void run_command(dfota_emulator *em, const em_cmd *c)
{
    if (!c->extended && run_basic(em, c))
        return;
    if (c->extended && run_setting(em, c))
        return;
    for (size_t i = 0; c->extended && i < sizeof at_commands / sizeof at_commands[0]; i++)
        if (text_equals_ci(c->text, c->name_len, at_commands[i].name)) {
            at_commands[i].fn(em, c->text + c->name_len, c->len - c->name_len);
            return;
        }
    const em_answer *a = em_model_find(em->model_data, c->text, c->len);
    if (a)
        model_answer(em, a);
    else
        em_at_error(em, 0);
}

/* Executes a command line (from "AT" or "A/", S3 not included): its
 * commands in order until one fails, then one final result. An AT+QFUPL
 * that said CONNECT ends the line (what follows is the file); an
 * AT+QFOTADL whose OK a fault delays gives it later. */
static void at_line(dfota_emulator *em, const char *line, size_t len)
{
    em_cmd cmds[EM_LINE_CMDS_MAX];
    if (len >= 2 && line[1] == '/') { /* A/: the last line again */
        line = em->in.last;
        len = em->in.last_len;
        if (len < 2) {
            em_at_error(em, 0);
            return;
        }
    } else {
        memcpy(em->in.last, line, len);
        em->in.last_len = len;
    }
    int n = em_v250_split(line + 2, len - 2, cmds, EM_LINE_CMDS_MAX);
    if (n < 0) {
        em_at_error(em, 0);
        return;
    }
    em->in.running = 1;
    em->in.oks = em->in.failed = em->in.deferred = 0;
    for (int i = 0; i < n && !em->in.failed && !em->in.deferred && em->up.fd < 0; i++)
        run_command(em, &cmds[i]);
    em->in.running = 0;
    if (em->in.failed || em->in.deferred || em->up.fd >= 0)
        return;
    for (int i = 0; i <= em->in.oks; i++)
        em_at_ok(em); /* oks: a fault's second OK */
}

/* ---- input from the host ------------------------------------------------- */

/* One byte of a command line. Before "AT" (or "A/"), bytes are ignored:
 * neither echoed nor kept (V.250 5.2.1), and after an upload's end (a
 * host's padding) not recorded either. From "AT" on, each byte is echoed
 * while ATE1; S5 takes the last one back; S3 (CR) ends the line, and so
 * does a lone LF, which the module would ignore, so that line-oriented
 * tools can talk to it. An LF right after the CR that ended a line is that
 * line's, never the next one's nor an upload's first byte. */
static void host_byte(dfota_emulator *em, uint8_t c)
{
    uint8_t s3 = em->s_reg[3];
    if (em->in.skip_lf) {
        em->in.skip_lf = 0;
        if (c == '\n') {
            em_record_bytes(em, em->rec_host, DFOTA_DIR_HOST, &c, 1);
            if (em->echo)
                em_out_bytes(em, &c, 1);
            return;
        }
    }
    if (!em->in.started) {
        int pair = em->in.saw_a && ((em->in.saw_a == 'A' && (c == 'T' || c == '/')) ||
                                    (em->in.saw_a == 'a' && (c == 't' || c == '/')));
        if (em->in.after_upload && !pair && c != 'A' && c != 'a') {
            em->in.dropped += 1 + (em->in.saw_a != 0);
            em->in.saw_a = 0;
            return;
        }
        if (em->in.after_upload && pair) {
            char note[96];
            uint8_t a = (uint8_t)em->in.saw_a;
            em->in.after_upload = 0;
            em_record_bytes(em, em->rec_host, DFOTA_DIR_HOST, &a, 1); /* held back till now */
            if (em->in.dropped > 0) {
                snprintf(note, sizeof note,
                         "note %ld bytes after AT+QFUPL's data dropped before the next AT",
                         em->in.dropped);
                em_emit_note(em, note);
            }
            em->in.dropped = 0;
        }
        if (!em->in.after_upload)
            em_record_bytes(em, em->rec_host, DFOTA_DIR_HOST, &c, 1);
        if (!pair) {
            em->in.saw_a = (c == 'A' || c == 'a') ? c : 0;
            if (c == s3 || c == '\n')
                em->in.skip_lf = c == '\r';
            return;
        }
        em->in.buf[0] = (char)em->in.saw_a;
        em->in.buf[1] = (char)c;
        em->in.len = 2;
        em->in.started = 1;
        em->in.overlong = 0;
        em->in.saw_a = 0;
        if (em->echo)
            em_out_bytes(em, em->in.buf, 2);
        if (c == '/') { /* A/ runs at once, with no terminator */
            em->in.started = 0;
            at_line(em, em->in.buf, 2);
        }
        return;
    }
    em_record_bytes(em, em->rec_host, DFOTA_DIR_HOST, &c, 1);
    if (em->echo)
        em_out_bytes(em, &c, 1);
    if (c == s3 || c == '\n') {
        em->in.started = 0;
        em->in.skip_lf = c == '\r';
        if (em->in.overlong)
            em_at_error(em, 0);
        else
            at_line(em, em->in.buf, em->in.len);
    } else if (c == em->s_reg[5]) {
        if (em->in.len > 2)
            em->in.len--;
    } else if (em->in.len < sizeof em->in.buf) {
        em->in.buf[em->in.len++] = (char)c;
    } else {
        em->in.overlong = 1;
    }
}

/* The host's bytes: command lines, or after an AT+QFUPL's CONNECT the
 * file's (neither echoed, framed nor recorded). */
static void host_bytes(dfota_emulator *em, const uint8_t *p, size_t n)
{
    while (n > 0) {
        if (em->up.fd >= 0) {
            if (em->in.skip_lf && p[0] == '\n') {
                em->in.skip_lf = 0;
                em_record_bytes(em, em->rec_host, DFOTA_DIR_HOST, p, 1);
                p++;
                n--;
                continue;
            }
            em->in.skip_lf = 0;
            size_t k = em_upload_take(em, p, n);
            p += k;
            n -= k;
            if (em->up.fd < 0) {
                em->in.after_upload = 1;
                em->in.dropped = 0;
            }
            continue;
        }
        host_byte(em, *p++);
        n--;
    }
}

int em_read_host(dfota_emulator *em)
{
    uint8_t buf[1024];
    int happened = 0;
    /* a poll first: the kernel hands what the host wrote over a moment
     * later, and a read before that finds nothing */
    struct pollfd pf = {em->master, POLLIN, 0};
    for (int i = 0; i < 16 && em->master >= 0 && poll(&pf, 1, 0) == 1 && (pf.revents & POLLIN); i++) {
        ssize_t r = read(em->master, buf, sizeof buf);
        if (r <= 0)
            break; /* EAGAIN, or EIO: no host has the terminal open */
        happened = 1;
        dfota_clock_wire_taken(em->clock, DFOTA_WIRE_TO_MODULE, (size_t)r);
        em_host_sync(em);
        em_host_wrote(em);
        if (em->mode == MODE_IDLE || em->mode == MODE_BUSY)
            host_bytes(em, buf, (size_t)r); /* records what is not upload data */
        else
            em_record_bytes(em, em->rec_host, DFOTA_DIR_HOST, buf, (size_t)r);
    }
    return happened;
}
