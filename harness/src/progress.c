/* SPDX-License-Identifier: MIT */
/* progress.c - what dfota run shows while it runs (see progress.h). */
#define _DEFAULT_SOURCE
#include "progress.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define REDRAW_NS 100000000LL /* at most 10 redraws a wall second */
#define TEXT_MAX 256

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int verbosity, color, live; /* live: the status lines on a terminal */
static _Thread_local size_t cur_i, cur_n;
static _Thread_local char cur_prefix[100];

/* the status lines' state (live only: one scenario at a time) */
static const dfota_scenario *st_sc;
static size_t st_i, st_n, st_step;
static char st_what[TEXT_MAX], st_urc[TEXT_MAX], st_note[TEXT_MAX];
static int64_t st_now = DFOTA_T_NONE, st_deadline = DFOTA_T_NONE, st_lost = DFOTA_T_NONE;
static int st_percent = -1, st_rebooting;
static int drawn;            /* status lines on the screen */
static int64_t last_draw_ns; /* wall time of the last redraw */

static int64_t wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void progress_setup(int v, int c, int concurrent)
{
    pthread_mutex_lock(&mu);
    verbosity = v;
    live = v >= PROGRESS_NORMAL && !concurrent && isatty(STDERR_FILENO);
    color = c && isatty(STDERR_FILENO);
    pthread_mutex_unlock(&mu);
}

void progress_scenario(size_t i, size_t n, const char *prefix)
{
    cur_i = i;
    cur_n = n;
    snprintf(cur_prefix, sizeof cur_prefix, "%s", prefix ? prefix : "");
}

/* A text a terminal may show: control bytes as '?', at most cap - 1 bytes
 * (cut on a UTF-8 boundary). */
static void shown(char *out, size_t cap, const char *s, size_t len)
{
    size_t o = 0;
    for (size_t k = 0; k < len && o + 1 < cap; k++) {
        unsigned char c = (unsigned char)s[k];
        out[o++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    if (o < len) { /* cut: drop the last character, which may be cut in two */
        while (o > 0 && ((unsigned char)out[o - 1] & 0xc0) == 0x80)
            o--;
        if (o > 0 && ((unsigned char)out[o - 1] & 0x80))
            o--;
    }
    out[o] = '\0';
}

static void duration(char *out, size_t cap, int64_t ns)
{
    if (ns < 0)
        ns = 0;
    double s = (double)ns / 1e9;
    if (s < 60)
        snprintf(out, cap, "%.1fs", s);
    else if (s < 3600)
        snprintf(out, cap, "%dm%02ds", (int)(s / 60), (int)s % 60);
    else
        snprintf(out, cap, "%dh%02dm", (int)(s / 3600), ((int)s % 3600) / 60);
}

/* Appends s to buf (cap) as one screen line of at most cols - 1 columns. */
static void put_line(char *buf, size_t cap, size_t *o, const char *s, int cols)
{
    int col = 0;
    int in_esc = 0;
    for (const char *p = s; *p && *o + 8 < cap; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == 0x1b)
            in_esc = 1;
        if (!in_esc && (c & 0xc0) != 0x80) {
            if (col >= cols - 1)
                break;
            col++;
        }
        buf[(*o)++] = (char)c;
        if (in_esc && c == 'm')
            in_esc = 0;
    }
    if (color)
        *o += (size_t)snprintf(buf + *o, cap - *o, "\033[0m");
}

static void erase(char *buf, size_t cap, size_t *o)
{
    for (int k = 1; k < drawn; k++)
        *o += (size_t)snprintf(buf + *o, cap - *o, "\r\033[K\033[A");
    if (drawn)
        *o += (size_t)snprintf(buf + *o, cap - *o, "\r\033[K");
    drawn = 0;
}

static void out(const char *buf, size_t len)
{
    if (len)
        (void)!write(STDERR_FILENO, buf, len);
}

static void redraw(void)
{
    if (!st_sc)
        return;
    int cols = 80;
    struct winsize ws;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
        cols = ws.ws_col;
    char l1[TEXT_MAX * 3], l2[TEXT_MAX * 3], left[64] = "", t[32];
    if (st_deadline != DFOTA_T_NONE && st_now != DFOTA_T_NONE) {
        duration(t, sizeof t, st_deadline - st_now);
        snprintf(left, sizeof left, "  %s left", t);
    }
    if (st_step < st_sc->n_steps)
        snprintf(l1, sizeof l1, "%s%s[%zu/%zu] %s%s  step %zu/%zu %s%s%s%s", cur_prefix,
                 color ? "\033[1m" : "", st_i + 1, st_n, st_sc->name, color ? "\033[0m" : "",
                 st_step + 1, st_sc->n_steps, st_what, color ? "\033[36m" : "", left,
                 color ? "\033[0m" : "");
    else
        snprintf(l1, sizeof l1, "%s[%zu/%zu] %s  steps settled, listening", cur_prefix, st_i + 1,
                 st_n, st_sc->name);
    if (st_rebooting) {
        duration(t, sizeof t, st_now != DFOTA_T_NONE && st_lost != DFOTA_T_NONE ? st_now - st_lost : 0);
        snprintf(l2, sizeof l2, "  %sreboot: the port is away (%s)%s", color ? "\033[33m" : "", t,
                 color ? "\033[0m" : "");
    } else if (st_percent >= 0) {
        char bar[24];
        int fill = st_percent * 20 / 100;
        for (int k = 0; k < 20; k++)
            bar[k] = k < fill ? '#' : '.';
        bar[20] = '\0';
        snprintf(l2, sizeof l2, "  %s[%s]%s %3d%%  %s%s", color ? "\033[32m" : "", bar,
                 color ? "\033[0m" : "", st_percent, st_note[0] ? st_note : "last URC: ", st_urc);
    } else if (st_urc[0] || st_note[0]) {
        snprintf(l2, sizeof l2, "  %s%s", st_note[0] ? st_note : "last URC: ", st_urc);
    } else {
        snprintf(l2, sizeof l2, "  no URC yet");
    }
    char buf[4096];
    size_t o = 0;
    erase(buf, sizeof buf, &o);
    put_line(buf, sizeof buf, &o, l1, cols);
    buf[o++] = '\n';
    put_line(buf, sizeof buf, &o, l2, cols);
    drawn = 2;
    out(buf, o);
    last_draw_ns = wall_ns();
}

void progress_clear(void)
{
    pthread_mutex_lock(&mu);
    char buf[64];
    size_t o = 0;
    erase(buf, sizeof buf, &o);
    out(buf, o);
    last_draw_ns = 0;
    pthread_mutex_unlock(&mu);
}

/* -v: one line per event, "12.345 > AT+QFOTADL=..." */
static void trace(const dfota_run_progress *p)
{
    char text[1024], line[1300], t[32];
    shown(text, sizeof text, p->ev->data, p->ev->len);
    if (p->ev->t_ns == DFOTA_T_NONE)
        snprintf(t, sizeof t, "%9s", "-");
    else
        snprintf(t, sizeof t, "%9.3f", (double)p->ev->t_ns / 1e9);
    int n = live ? snprintf(line, sizeof line, "%s%s %c %s\n", cur_prefix, t, (char)p->ev->dir, text)
                 /* several scenarios may be traced together: the name says whose */
                 : snprintf(line, sizeof line, "%s[%zu/%zu] %s %c %s\n", cur_prefix, cur_i + 1,
                            cur_n, t, (char)p->ev->dir, text);
    char buf[64];
    size_t o = 0;
    erase(buf, sizeof buf, &o);
    out(buf, o);
    out(line, n > 0 ? (size_t)n < sizeof line ? (size_t)n : sizeof line - 1 : 0);
}

/* Not live: one line per settled step. */
static void step_line(const dfota_run_progress *p)
{
    char d[32] = "", line[800];
    if (p->t_start_ns != DFOTA_T_NONE && p->t_end_ns != DFOTA_T_NONE) {
        snprintf(d, sizeof d, " in %.3fs", (double)(p->t_end_ns - p->t_start_ns) / 1e9);
    }
    const char *v = dfota_verdict_name(p->verdict);
    const char *paint = !color ? ""
                        : p->verdict == DFOTA_V_FAIL ? "\033[1;31m"
                        : p->verdict == DFOTA_V_PASS ? "\033[32m"
                                                     : "\033[33m";
    char what[TEXT_MAX], detail[TEXT_MAX];
    shown(what, sizeof what, p->what, strlen(p->what));
    shown(detail, sizeof detail, p->detail, strlen(p->detail));
    int n = snprintf(line, sizeof line, "%s[%zu/%zu] %s: step %zu/%zu %s%s%s%s: %s%s%s\n",
                     cur_prefix, cur_i + 1, cur_n, p->sc->name, p->step + 1, p->sc->n_steps, paint,
                     v, color ? "\033[0m" : "", d, what,
                     p->verdict != DFOTA_V_PASS && detail[0] ? " -- " : "",
                     p->verdict != DFOTA_V_PASS ? detail : "");
    out(line, n > 0 ? (size_t)n < sizeof line ? (size_t)n : sizeof line - 1 : 0);
}

void progress_tell(void *ctx, const dfota_run_progress *p)
{
    (void)ctx; /* not called under -q (cmd_run.c passes none) */
    pthread_mutex_lock(&mu);
    if (live && p->sc != st_sc) { /* a new scenario (or its preparation) */
        st_sc = p->sc;
        st_urc[0] = st_note[0] = '\0';
        st_percent = -1;
        st_rebooting = 0;
        st_lost = DFOTA_T_NONE;
    }
    st_i = cur_i;
    st_n = cur_n;
    if (p->now_ns != DFOTA_T_NONE)
        st_now = p->now_ns;
    st_deadline = p->deadline_ns;
    st_step = p->step;
    switch (p->tell) {
    case DFOTA_RUN_TELL_STEP:
        shown(st_what, sizeof st_what, p->what, strlen(p->what));
        break;
    case DFOTA_RUN_TELL_WAIT: break;
    case DFOTA_RUN_TELL_EVENT:
        if (verbosity >= PROGRESS_VERBOSE)
            trace(p);
        if (p->urc || p->percent >= 0) {
            shown(st_urc, sizeof st_urc, p->ev->data, p->ev->len);
            st_note[0] = '\0';
        }
        if (p->percent >= 0)
            st_percent = p->percent;
        if (p->harness == DFOTA_HEV_PORT_LOST) {
            st_rebooting = 1;
            st_lost = p->ev->t_ns;
            } else if (p->harness == DFOTA_HEV_PORT_BACK) {
            char t[32];
            duration(t, sizeof t, st_lost != DFOTA_T_NONE && p->ev->t_ns != DFOTA_T_NONE
                                      ? p->ev->t_ns - st_lost
                                      : 0);
            st_rebooting = 0;
            snprintf(st_note, sizeof st_note, "reboot: the port came back after %s; last URC: ", t);
            }
        break;
    case DFOTA_RUN_TELL_SETTLED:
        if (!live)
            step_line(p);
        break;
    }
    /* a recording is judged in a moment: nothing to watch */
    if (live && p->live && wall_ns() - last_draw_ns >= REDRAW_NS)
        redraw();
    pthread_mutex_unlock(&mu);
}
