/* SPDX-License-Identifier: MIT */
/* client.c - the host's side of AT exchanges (dfota/at.h): send a command
 * line, read the module's lines up to its final result, by a deadline. It
 * drives a transport the caller gives and does no I/O of its own, so the
 * source's probes (lib/source/probe.c) and the staging upload over a port
 * (lib/stage/stage.c) share one idea of an answer and of a final result:
 * dfota_classify's. */
#include <stdio.h>
#include <string.h>

#include "dfota/at.h"
#include "base/errbuf.h"

void dfota_at_client_init(dfota_at_client *c, const dfota_at_transport *t)
{
    c->t = *t;
    c->owed = 0;
}

dfota_err dfota_at_client_send(dfota_at_client *c, const char *line, char *err, size_t errlen)
{
    dfota_err rc = c->t.send(c->t.ctx, line, strlen(line), err, errlen);
    if (rc == DFOTA_OK)
        c->owed++;
    return rc;
}

int dfota_at_client_next(dfota_at_client *c, int64_t deadline_ns, const char **line,
                         size_t *len, dfota_item *it, char *err, size_t errlen)
{
    int got = c->t.next(c->t.ctx, deadline_ns, line, len, err, errlen);
    if (got != 1)
        return got;
    dfota_classify(*line, *len, DFOTA_DIR_MODULE, it);
    if (dfota_item_is_final(it) && c->owed > 0)
        c->owed--;
    return 1;
}

/* Keeps at most cap - 1 bytes of line in out, ended with a NUL. */
static size_t keep(char *out, size_t cap, const char *line, size_t len)
{
    size_t k = len < cap - 1 ? len : cap - 1;
    memcpy(out, line, k);
    out[k] = '\0';
    return k;
}

dfota_err dfota_at_client_answer(dfota_at_client *c, int64_t deadline_ns, dfota_at_answer *ans,
                                 char *err, size_t errlen)
{
    memset(ans, 0, sizeof *ans);
    for (;;) {
        const char *line;
        size_t len;
        dfota_item it;
        int got = dfota_at_client_next(c, deadline_ns, &line, &len, &it, err, errlen);
        if (got == 0) {
            dfota_errf(err, errlen, "the port's stream ended before the final result");
            return DFOTA_E_IO;
        }
        if (got < 0)
            return (dfota_err)got;
        if (dfota_item_is_final(&it)) {
            ans->kind = it.kind;
            ans->final = it.final;
            ans->has_code = it.has_code;
            ans->code = it.code;
            keep(ans->text, sizeof ans->text, line, len);
            return DFOTA_OK;
        }
        if (it.kind == DFOTA_ITEM_OTHER && ans->n_lines < DFOTA_AT_ANSWER_LINES) {
            ans->len[ans->n_lines] = keep(ans->lines[ans->n_lines], DFOTA_AT_ANSWER_LINE_MAX, line, len);
            ans->n_lines++;
        }
    }
}

dfota_err dfota_at_client_ask(dfota_at_client *c, const char *line, int64_t deadline_ns,
                              dfota_at_answer *ans, char *err, size_t errlen)
{
    memset(ans, 0, sizeof *ans);
    dfota_err rc = dfota_at_client_send(c, line, err, errlen);
    if (rc != DFOTA_OK)
        return rc;
    rc = dfota_at_client_answer(c, deadline_ns, ans, err, errlen);
    if (rc == DFOTA_E_TIMEOUT)
        dfota_errf(err, errlen, "no final result to %.200s in time", line);
    return rc;
}

void dfota_at_client_drain(dfota_at_client *c, int64_t deadline_ns)
{
    char err[DFOTA_ERRBUF];
    while (c->owed > 0) {
        const char *line;
        size_t len;
        dfota_item it;
        if (dfota_at_client_next(c, deadline_ns, &line, &len, &it, err, sizeof err) != 1)
            return;
    }
}
