/* SPDX-License-Identifier: MIT */
/* probe.c - asking a live source's module, as a host would: is a module
 * there (AT), what is it (ATI, AT+QGMR), does its /data/ufs/ hold a file
 * (AT+QFLST). The source is the AT client's transport (dfota/at.h); a
 * module that is still booting is asked again every few seconds. */
#include <stdio.h>
#include <string.h>

#include "dfota/guide.h"
#include "dfota/log.h"
#include "dfota/source.h"

#define ASK_AGAIN_NS (3 * DFOTA_NS_PER_S)
#define LATE_GRACE 10
#define ANSWER_LINES 4
#define LINE_SHOWN_MAX 240 /* an answer line kept, escaped */

/* ---- the source as a transport -------------------------------------------- */

static dfota_err src_send(void *ctx, const char *line, size_t len, char *err, size_t errlen)
{
    dfota_source *src = ctx;
    return src->ops->send(src, line, len, err, errlen);
}

/* The module's lines only: the host's own (a live source reports what it
 * sent) and the harness's are not answers. */
static int src_next(void *ctx, int64_t deadline_ns, const char **line, size_t *len, char *err,
                    size_t errlen)
{
    dfota_source *src = ctx;
    for (;;) {
        dfota_event ev;
        int got = src->ops->next(src, deadline_ns, &ev, err, errlen);
        if (got != 1)
            return got;
        if (ev.dir != DFOTA_DIR_MODULE)
            continue;
        *line = ev.data;
        *len = ev.len;
        return 1;
    }
}

/* ---- asking ---------------------------------------------------------------- */

/* Sends cmd until the module answers (asking again every few seconds,
 * until end on the source's clock) and keeps the first lines of the answer
 * (escaped). With any_final, any final result (ERROR too) is an answer,
 * lines or not; else ERROR means "not ready" and OK must follow lines.
 * The answers still owed to commands asked again are read before it
 * returns. Returns DFOTA_OK, DFOTA_E_TIMEOUT, or another error; *late is
 * how far past its deadline the latest of its waits ended (0: none).
 * Time the harness overslept is not the module's: end moves on by it, up
 * to LATE_GRACE times the time first given. */
static dfota_err ask_lines(dfota_source *src, const char *cmd, int64_t end, int any_final,
                           char lines[ANSWER_LINES][LINE_SHOWN_MAX], size_t *n, int64_t *late,
                           char *err, size_t errlen)
{
    dfota_at_transport t = {src_send, src_next, src};
    dfota_at_client c;
    dfota_at_client_init(&c, &t);
    int64_t again = DFOTA_T_NONE;
    int64_t start = src->ops->now(src);
    int64_t end_max = dfota_time_add(start, LATE_GRACE * (end - start));
    *n = 0;
    *late = 0;
    for (;;) {
        int64_t now = src->ops->now(src);
        if (now >= end)
            break;
        if (again == DFOTA_T_NONE || now >= again) {
            dfota_err rc = dfota_at_client_send(&c, cmd, err, errlen);
            if (rc != DFOTA_OK && rc != DFOTA_E_TIMEOUT)
                return rc;
            again = now + ASK_AGAIN_NS;
            *n = 0;
        }
        const char *line;
        size_t len;
        dfota_item it;
        int64_t until = again < end ? again : end;
        int got = dfota_at_client_next(&c, until, &line, &len, &it, err, errlen);
        if (got == DFOTA_E_TIMEOUT) {
            int64_t over = src->ops->now(src) - until; /* a busy machine woke us late */
            if (over > *late)
                *late = over;
            if (over > 0) {
                int64_t later = dfota_time_add(end, over);
                end = later < end_max ? later : end_max;
            }
            continue;
        }
        if (got < 0)
            return (dfota_err)got;
        if (got == 0)
            break;
        int final = dfota_item_is_final(&it);
        if (it.kind == DFOTA_ITEM_OTHER && len > 0 && *n < ANSWER_LINES)
            dfota_escape(line, len, lines[(*n)++], LINE_SHOWN_MAX);
        else if ((any_final && final) || (it.kind == DFOTA_ITEM_OK && *n > 0)) {
            dfota_at_client_drain(&c, dfota_time_add(src->ops->now(src), ASK_AGAIN_NS));
            return DFOTA_OK;
        } else if (it.kind == DFOTA_ITEM_ERROR)
            *n = 0; /* not ready: ask again at the next turn */
    }
    snprintf(err, errlen, "no answer to %s", cmd);
    return DFOTA_E_TIMEOUT;
}

int dfota_source_probe_was_late(int64_t wait_ns, int64_t late_ns)
{
    return late_ns >= wait_ns / 10;
}

dfota_err dfota_source_probe(dfota_source *src, int64_t wait_ns, int64_t *late_ns, char *err,
                            size_t errlen)
{
    char lines[ANSWER_LINES][LINE_SHOWN_MAX];
    size_t n = 0;
    int64_t late = 0;
    if (late_ns)
        *late_ns = 0;
    if (!src || !src->ops->live) {
        snprintf(err, errlen, "only a live module can be asked");
        return DFOTA_E_ARG;
    }
    dfota_err rc = ask_lines(src, "AT", dfota_time_add(src->ops->now(src), wait_ns), 1, lines, &n,
                             &late, err, errlen);
    if (late_ns)
        *late_ns = late;
    if (rc == DFOTA_E_TIMEOUT && dfota_source_probe_was_late(wait_ns, late))
        snprintf(err, errlen,
                 "no answer to AT in %.0f s, but the harness was late: its waits ended up to "
                 "%.3f s (module time) past their deadlines, so the silence is not judged; the "
                 "machine is too busy to tell",
                 dfota_seconds(wait_ns), dfota_seconds(late));
    return rc;
}

/* A booting module says +CPIN: READY, +QIND: PB DONE ... unasked, and
 * such a line may come inside an answer: ATI's and AT+QGMR's own lines
 * never start with '+'. */
static int unsolicited(const char *line)
{
    return line[0] == '+';
}

dfota_err dfota_source_identify(dfota_source *src, int64_t wait_ns, dfota_identity *id, char *err,
                                size_t errlen)
{
    char lines[ANSWER_LINES][LINE_SHOWN_MAX];
    size_t n = 0;
    int64_t late;
    if (!src || !id || !src->ops->live) {
        snprintf(err, errlen, "only a live module can be asked its firmware");
        return DFOTA_E_ARG;
    }
    memset(id, 0, sizeof *id);
    int64_t end = dfota_time_add(src->ops->now(src), wait_ns);
    /* ATI: "Quectel", "EG95", "Revision: EG95EFAR02A07M4G" */
    dfota_err rc = ask_lines(src, "ATI", end, 0, lines, &n, &late, err, errlen);
    if (rc != DFOTA_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        if (unsolicited(lines[i]))
            continue;
        if (strncmp(lines[i], "Revision: ", 10) == 0)
            snprintf(id->revision, sizeof id->revision, "%.95s", lines[i] + 10);
        else {
            size_t o = strlen(id->model);
            snprintf(id->model + o, sizeof id->model - o, "%s%s", o ? " " : "", lines[i]);
        }
    }
    /* AT+QGMR: the whole version, "EG95EFAR02A07M4G_01.002.01.002". A
     * late answer to an ATI asked twice (a booting module) may come first:
     * its lines are not the version. */
    char ati[ANSWER_LINES][LINE_SHOWN_MAX];
    size_t n_ati = n;
    memcpy(ati, lines, sizeof ati);
    for (int tries = 0; tries < 3 && !id->firmware[0]; tries++) {
        rc = ask_lines(src, "AT+QGMR", end, 0, lines, &n, &late, err, errlen);
        if (rc != DFOTA_OK)
            return rc;
        for (size_t i = 0; i < n && !id->firmware[0]; i++) {
            int seen = strncmp(lines[i], "Revision: ", 10) == 0 || unsolicited(lines[i]);
            for (size_t k = 0; k < n_ati; k++)
                seen |= strcmp(lines[i], ati[k]) == 0;
            if (!seen)
                snprintf(id->firmware, sizeof id->firmware, "%.95s", lines[i]);
        }
    }
    return DFOTA_OK;
}

dfota_err dfota_source_file_size(dfota_source *src, const char *name, int64_t wait_ns,
                                 long long *size, char *err, size_t errlen)
{
    char cmd[DFOTA_LOCAL_NAME_MAX + 32], lines[ANSWER_LINES][LINE_SHOWN_MAX];
    size_t n = 0, len = name ? strlen(name) : 0;
    *size = -1;
    if (!src || !src->ops->live || len == 0 || len > DFOTA_LOCAL_NAME_MAX) {
        snprintf(err, errlen, "only a live module can be asked for a file");
        return DFOTA_E_ARG;
    }
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)name[i] < ' ' || name[i] == '"' || name[i] == 0x7f) {
            snprintf(err, errlen, "a file name with a quote or a control byte");
            return DFOTA_E_ARG;
        }
    snprintf(cmd, sizeof cmd, "AT+QFLST=\"UFS:%s\"", name);
    int64_t late;
    dfota_err rc = ask_lines(src, cmd, dfota_time_add(src->ops->now(src), wait_ns), 1, lines, &n,
                             &late, err, errlen);
    if (rc != DFOTA_OK)
        return rc;
    /* +QFLST: "UFS:<name>",<size> */
    for (size_t i = 0; i < n; i++) {
        const char *l = lines[i];
        if (strncmp(l, "+QFLST: \"UFS:", 13) != 0 || strncmp(l + 13, name, len) != 0 ||
            strncmp(l + 13 + len, "\",", 2) != 0)
            continue;
        const char *p = l + 15 + len;
        long long v = 0;
        if (*p < '0' || *p > '9')
            continue;
        for (; *p >= '0' && *p <= '9' && v < (1LL << 50); p++)
            v = v * 10 + (*p - '0');
        if (*p == '\0') {
            *size = v;
            return DFOTA_OK;
        }
    }
    snprintf(err, errlen, "the module lists no /data/ufs/%.150s (AT+QFLST)", name);
    return DFOTA_E_INPUT;
}
