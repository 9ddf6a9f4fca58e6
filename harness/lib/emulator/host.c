/* SPDX-License-Identifier: MIT */
/* host.c - the emulator's side of the terminal: the recording of what
 * each side sent (opts.on_event), output to the host, and the terminal and
 * its link (emulator/module.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>
#include <stdio.h>

#include "emulator/module.h"

/* ---- the console ----------------------------------------------------------- */

void em_console(dfota_emulator *em, const char *fmt, ...)
{
    if (!em->on_console)
        return;
    /* room for a whole URL and libcurl's reason: a line cut inside a
     * password would not be seen as one by the redactor */
    char line[DFOTA_REDACT_MAX(EM_CONSOLE_MAX) + 1];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, EM_CONSOLE_MAX, fmt, ap);
    va_end(ap);
    (void)dfota_redact_field(line, sizeof line); /* a cut field ends in "...", no secret */
    em->on_console(em->console_ctx, line);
}

/* ---- the recording ------------------------------------------------------- */

static void emit(dfota_emulator *em, dfota_dir dir, const char *data, size_t len, size_t full,
                 unsigned flags)
{
    dfota_event ev = dfota_event_line(now_ns(em), dir, data, len, full, flags);
    em->on_event(em->event_ctx, &ev);
}

void em_emit_note(dfota_emulator *em, const char *what)
{
    if (em->on_event)
        emit(em, DFOTA_DIR_HARNESS, what, strlen(what), strlen(what), 0);
}

/* Frames bytes one side sent into lines for the recording. */
void em_record_bytes(dfota_emulator *em, dfota_framer *fr, dfota_dir dir, const void *p,
                         size_t n)
{
    const char *line;
    size_t len, full;
    unsigned flags;
    if (!em->on_event || !fr)
        return;
    dfota_framer_push(fr, p, n);
    while (dfota_framer_next(fr, &line, &len, &full, &flags))
        if (len > 0 || (flags & DFOTA_EV_OVERLONG))
            emit(em, dir, line, len, full, flags);
}

/* A line one side left unterminated (a URC cut by the reboot). */
void em_record_flush(dfota_emulator *em, dfota_framer *fr, dfota_dir dir)
{
    const char *line;
    size_t len, full;
    unsigned flags;
    if (em->on_event && fr && dfota_framer_flush(fr, &line, &len, &full, &flags) && len > 0)
        emit(em, dir, line, len, full, flags);
}

/* host-open / host-close as the terminal shows them. */
void em_record_host(dfota_emulator *em, int attached)
{
    if (attached == em->host_attached)
        return;
    em->host_attached = attached;
    em_emit_note(em, dfota_harness_event_name(attached ? DFOTA_HEV_HOST_OPEN : DFOTA_HEV_HOST_CLOSE));
}

/* The host wrote to the terminal: without inotify, it has it open,
 * whatever the poll for a hang-up said. (inotify queues IN_OPEN before
 * open() returns: a host cannot write before its open is seen.) */
void em_host_wrote(dfota_emulator *em)
{
    if (em->on_event && em->ino < 0)
        em_record_host(em, 1);
}

/* Watches the terminal's slave for opens and closes (after it is set up:
 * its own opens are not a host's). Without inotify, polling stays. */
static void host_watch(dfota_emulator *em)
{
    em->host_fds = 0;
    em->host_left = 0;
    em->own_opens = em->own_closes = 0;
    em->ino = em->on_event ? inotify_init1(IN_NONBLOCK | IN_CLOEXEC) : -1; /* no recording: no need */
    if (em->ino >= 0 &&
        inotify_add_watch(em->ino, em->tty, IN_OPEN | IN_CLOSE_WRITE | IN_CLOSE_NOWRITE) < 0) {
        close(em->ino);
        em->ino = -1;
    }
}

static void host_unwatch(dfota_emulator *em)
{
    if (em->ino >= 0)
        close(em->ino);
    em->ino = -1;
}

/* The host's side as it is now, recorded: each open and close inotify
 * counted since the last look, in order (a quick close and reopen is two
 * notes, not none); by a poll for a hang-up without inotify. When inotify's
 * queue overflowed, what was lost is said, and the poll decides. */
void em_host_sync(dfota_emulator *em)
{
    if (!em->on_event || em->master < 0)
        return;
    if (em->ino < 0) {
        em_record_host(em, !em_master_hup(em));
        return;
    }
    union {
        struct inotify_event ev;
        char b[4096];
    } u;
    ssize_t n;
    while ((n = read(em->ino, u.b, sizeof u.b)) > 0) {
        for (ssize_t i = 0; i + (ssize_t)sizeof(struct inotify_event) <= n;) {
            const struct inotify_event *e = (const struct inotify_event *)(const void *)(u.b + i);
            i += (ssize_t)(sizeof *e + e->len);
            if (e->mask & IN_Q_OVERFLOW) {
                em_emit_note(em, "note host-open/host-close: too many to count, some coalesced");
                em->host_fds = !em_master_hup(em);
                em_record_host(em, em->host_fds > 0);
                continue;
            }
            if (e->mask & IN_OPEN) {
                if (em->own_opens > 0)
                    em->own_opens--;
                else if (++em->host_fds == 1) {
                    em->host_left = 0;
                    em_record_host(em, 1);
                }
            }
            if (e->mask & (IN_CLOSE_WRITE | IN_CLOSE_NOWRITE)) {
                if (em->own_closes > 0)
                    em->own_closes--;
                else if (em->host_fds > 0 && --em->host_fds == 0) {
                    em->host_left = 1;
                    em_record_host(em, 0);
                }
            }
        }
    }
}

/* ---- output to the host -------------------------------------------------- */

/* No port, no host with the port open, or a host that does not read: a
 * module drops what it cannot send, as a USB module does while its port is
 * closed (a pseudo-terminal would keep it for whoever opens it next, which
 * would hide a host that comes back late). The recording keeps what the
 * module said, with the host's state beside it. */
void em_out_bytes(dfota_emulator *em, const void *p, size_t n)
{
    if (em->master < 0)
        return;
    em_host_sync(em);
    int hup = em_master_hup(em);
    /* The terminal has a host the moment it is opened; inotify says so a
     * moment later (after the open's own work, which clears the hang-up).
     * What the module says meanwhile reaches that host, and the recording
     * says it does. Not after a host's close: inotify says that one before
     * the hang-up is back, and no new host is there. */
    if (!hup && em->ino >= 0 && em->host_fds == 0 && !em->host_left)
        em_record_host(em, 1);
    em_record_bytes(em, em->rec_module, DFOTA_DIR_MODULE, p, n);
    if (hup || n > sizeof em->outq - em->out_len)
        return;
    memcpy(em->outq + em->out_len, p, n);
    em->out_len += n;
}

void em_fota_text(char *line, size_t cap, dfota_stage stage, int has_code, long code)
{
    if (has_code)
        snprintf(line, cap, EM_FOTA_PREFIX "%s\",%ld", dfota_stage_name(stage), code);
    else
        snprintf(line, cap, EM_FOTA_PREFIX "%s\"", dfota_stage_name(stage));
}

/* A response line or URC, framed as the module frames them. */
void em_out_long(dfota_emulator *em)
{
    static const char chunk[] = "+QIND: overlong line ..........................................";
    em_out_bytes(em, "\r\n", 2);
    for (size_t n = 0; n < EM_LONG_LINE; n += sizeof chunk - 1)
        em_out_bytes(em, chunk, sizeof chunk - 1);
    em_out_bytes(em, "\r\n", 2);
}

/* A response line or URC, framed as the module frames them: S3 S4 before
 * and after (CR LF unless changed). While a command line runs, a line is
 * its information text, which ATV0 sends with no header. */
static void out_text(dfota_emulator *em, const char *text, int header)
{
    char eol[2] = {(char)em->s_reg[3], (char)em->s_reg[4]};
    if (header)
        em_out_bytes(em, eol, 2);
    em_out_bytes(em, text, strlen(text));
    em_out_bytes(em, eol, 2);
}

void em_out_line(dfota_emulator *em, const char *text)
{
    out_text(em, text, !(em->in.running && !em->verbose));
}

/* A final result code: the text (ATV1, framed as a line) or its number
 * (ATV0: the digit and S3), none after ATQ1 (V.250 6.2.5, 6.2.6). */
static void final_result(dfota_emulator *em, const char *text, int number)
{
    char code[2] = {(char)('0' + number), (char)em->s_reg[3]};
    if (em->quiet)
        return;
    if (em->verbose)
        out_text(em, text, 1);
    else
        em_out_bytes(em, code, 2);
}

/* OK. While a command line runs, OK is said once, after its last command
 * (at.c). */
void em_at_ok(dfota_emulator *em)
{
    if (!em->in.running)
        final_result(em, "OK", 0);
}

/* ERROR, or +CME ERROR: <cme> after AT+CMEE=1 or 2 when there is a code;
 * the rest of a running command line is not executed. */
void em_at_error(dfota_emulator *em, int cme)
{
    char line[32];
    em->in.failed = em->in.running;
    if (cme && em->cmee) {
        snprintf(line, sizeof line, "+CME ERROR: %d", cme);
        if (!em->quiet)
            out_text(em, line, 1); /* framed as a result, not as information */
    } else {
        final_result(em, "ERROR", 4);
    }
}

void em_flush_out(dfota_emulator *em)
{
    while (em->master >= 0 && em->out_len > 0) {
        ssize_t w = write(em->master, em->outq, em->out_len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return; /* the terminal's buffer is full: later */
        dfota_clock_wire_sent(em->clock, DFOTA_WIRE_TO_HOST, (size_t)w);
        memmove(em->outq, em->outq + w, em->out_len - (size_t)w);
        em->out_len -= (size_t)w;
    }
}

/* ---- the terminal and its link ------------------------------------------- */

dfota_err em_port_open(dfota_emulator *em, char *err, size_t errlen)
{
    int m = dfota_pty_open(em->tty, sizeof em->tty, err, errlen);
    if (m < 0)
        return DFOTA_E_IO;
    /* Watched before the link points at it: a host that polls for the link
     * may open the terminal the moment the link is there, before this
     * thread's next step, and an open not seen is a host taken for one
     * that never came back. */
    host_watch(em);
    dfota_err rc = em->link[0] ? dfota_pty_link_point(em->link, em->tty, err, errlen) : DFOTA_OK;
    if (rc != DFOTA_OK) {
        host_unwatch(em);
        close(m);
        em->tty[0] = '\0';
        return rc;
    }
    em->master = m;
    return DFOTA_OK;
}

/* The host hangs up: its reads return 0 or EIO from now on. */
void em_port_close(dfota_emulator *em)
{
    if (em->master < 0)
        return;
    em_flush_out(em);
    em_host_sync(em); /* the host's last opens and closes on this terminal */
    host_unwatch(em);
    /* The link goes first: once the terminal is closed, its name may be
     * given to another program's, which a host must not find behind it. */
    dfota_pty_link_remove(em->link);
    close(em->master);
    em->master = -1;
    em->out_len = 0;
    dfota_clock_wire_drop(em->clock); /* what either side had not read is gone */
    em->tty[0] = '\0';
}

/* True when the host has bytes it has not read yet. A USB reboot waits
 * for them (a little) so that a scaled clock cannot outrun a host that is
 * simply slow to be scheduled. */
int em_host_unread(dfota_emulator *em)
{
    if (em->out_len > 0)
        return 1;
    /* Our own open and close of the terminal are not the host's: inotify
     * queues them before dfota_pty_unread returns, so they are skipped at
     * once (none when it could not open the terminal). */
    em_host_sync(em);
    if (em->ino >= 0) {
        em->own_opens++;
        em->own_closes++;
    }
    int unread = dfota_pty_unread(em->tty);
    em_host_sync(em);
    em->own_opens = em->own_closes = 0;
    return unread;
}

int em_master_hup(const dfota_emulator *em)
{
    return dfota_pty_no_host(em->master);
}
