/* SPDX-License-Identifier: MIT */
/* firmware.c - what firmware the module ran, as the log says it: the
 * answer to AT+QGMR, AT+CGMR or AT+GMR (the first line of text before the
 * final result, with a "+QGMR: " style prefix taken off), or the
 * "Revision: X" line of ATI's. It judges nothing: a merge of many logs
 * counts upgrades by firmware (before -> after). firmware_before is the
 * last said before the first AT+QFOTADL, firmware_after the last said
 * after the last END URC; "" when the log does not say. The flow machine
 * calls in only while an answer is awaited, so other lines cost a test. */
#include <string.h>

#include "judge_int.h"

#include "dfota/log.h"
#include "base/text.h"

enum { FW_ASKED_NONE = 0, FW_ASKED_REVISION, FW_ASKED_ATI };

/* The command, case aside, is exactly word (then nothing, ';' or a space). */
static int is_command(const char *s, size_t n, const char *word, size_t w)
{
    return text_starts_ci(s, n, word) && (n == w || s[w] == ';' || s[w] == ' ');
}

#define IS(word) is_command(s, n, word, sizeof word - 1)

void judge_fw_command(dfota_checker *c, const dfota_event *ev, const dfota_item *it)
{
    c->fw_asked = FW_ASKED_NONE;
    if (it->kind == DFOTA_ITEM_FOTADL) {
        c->fw_fotadl = 1;
        return;
    }
    const char *s = ev->data;
    size_t n = ev->len;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\r'))
        n--;
    /* ATI, ATI0, AT+GMR, AT+CGMR, AT+QGMR: short, and I or + third */
    if (n < 3 || n > 16 || (s[2] != '+' && s[2] != 'I' && s[2] != 'i'))
        return;
    if (IS("AT+QGMR") || IS("AT+CGMR") || IS("AT+GMR"))
        c->fw_asked = FW_ASKED_REVISION;
    else if (IS("ATI") || IS("ATI0"))
        c->fw_asked = FW_ASKED_ATI;
}

/* Keeps the revision said: before the first AT+QFOTADL, after an END
 * (escaped once, at the end). */
static void said(dfota_checker *c, const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        n--;
    if (!n)
        return;
    if (n > sizeof c->fw_said[0])
        n = sizeof c->fw_said[0];
    for (int i = 0; i < 2; i++)
        if (i == 0 ? !c->fw_fotadl : c->fw_ended) {
            memcpy(c->fw_said[i], s, n);
            c->fw_len[i] = (unsigned char)n;
        }
}

void judge_fw_answer(dfota_checker *c, const dfota_event *ev)
{
    const char *s = ev->data;
    size_t n = ev->len;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\r'))
        n--;
    if (!n)
        return;
    if (c->fw_asked == FW_ASKED_ATI) {
        static const char rev[] = "Revision:";
        if (n > sizeof rev - 1 && memcmp(s, rev, sizeof rev - 1) == 0) {
            said(c, s + sizeof rev - 1, n - (sizeof rev - 1));
            c->fw_asked = FW_ASKED_NONE;
        }
        return;
    }
    /* "+QGMR: X" as some firmware answers; any other "+...:" line is a URC
     * that came while the answer was awaited (+CREG: 1 is no firmware) */
    if (s[0] == '+') {
        static const char *const own[] = {"+QGMR:", "+CGMR:", "+GMR:"};
        size_t k = 0;
        for (; k < sizeof own / sizeof own[0]; k++)
            if (n >= strlen(own[k]) && memcmp(s, own[k], strlen(own[k])) == 0)
                break;
        if (k == sizeof own / sizeof own[0])
            return;
        n -= strlen(own[k]);
        s += strlen(own[k]);
    }
    said(c, s, n);
    c->fw_asked = FW_ASKED_NONE;
}

void judge_fw_end(dfota_checker *c)
{
    c->fw_ended = 1;
    c->fw_len[1] = 0;
}

void judge_fw_finish(dfota_checker *c)
{
    c->res.firmware_before[0] = c->res.firmware_after[0] = '\0';
    if (c->fw_len[0])
        dfota_escape(c->fw_said[0], c->fw_len[0], c->res.firmware_before, sizeof c->res.firmware_before);
    if (c->fw_len[1])
        dfota_escape(c->fw_said[1], c->fw_len[1], c->res.firmware_after, sizeof c->res.firmware_after);
}
