/* SPDX-License-Identifier: MIT */
/* code.c - the error codes (RULES.md, "URCs": CODE-*).
 *
 * The guide:
 *   chapter 4: "The error code <ftp_err> indicates an error related to
 *     mobile equipment or network." Table 1: 0, 502, 505, 510, 511,
 *     520-530 540-546, 601 ("FTP unknown error").
 *   chapter 5: "The error code <http_err> ..." Table 2: the same, with 701
 *     ("HTTP unknown error") for 601.
 *   chapter 6: "The error code <err> ..." Table 3: 502, 505, 510, 511,
 *     520-530 540-546; and 3.1: "<err> ... 0 means upgraded successfully."
 *
 * Rules: CODE-FTP (4), CODE-HTTP (5), CODE-END (6). The tables themselves
 * are the guide's data (lib/guide/spec.c, dfota_spec_code). */
#include "dfota/at.h"
#include "dfota/guide.h"
#include "dfota/judge.h"
#include "judge/judge_int.h"

/* CODE-FTP (4), CODE-HTTP (5), CODE-END (6) */
static void judge_code(dfota_checker *c, flow *f, const dfota_event *ev, dfota_code_table t,
                       long code)
{
    static const dfota_rule rules[] = {DFOTA_R_CODE_FTP, DFOTA_R_CODE_HTTP, DFOTA_R_CODE_END};
    static const char *const exp[] = {
        "<ftp_err> of chapter 4: 0, 502, 505, 510, 511, 520-530, 540-546, 601",
        "<http_err> of chapter 5: 0, 502, 505, 510, 511, 520-530, 540-546, 701",
        "<err> of chapter 6: 0, 502, 505, 510, 511, 520-530, 540-546"};
    const char *meaning, *quirk;
    switch (dfota_spec_code(t, code, &meaning, &quirk)) {
    case DFOTA_CODE_GUIDE:
        pass(c, rules[t]);
        break;
    case DFOTA_CODE_FIELD:
        DEVIATE(c, f, rules[t], ev, quirk, exp[t], "%ld (%s)", code, meaning);
        break;
    case DFOTA_CODE_UNKNOWN:
        judge_report(c, f, rules[t], DFOTA_L_FAIL, ev, NULL, exp[t], "%ld", code);
        break;
    }
}

/* The download's end: FTPEND's code by chapter 4, HTTPEND's (and
 * HTTPSEND's) by chapter 5; a local file's stream end has no table. */
void judge_code_download_end(dfota_checker *c, flow *f, const dfota_event *ev, const dfota_item *it)
{
    if (it->has_code && it->stage != DFOTA_STAGE_FILEEND)
        judge_code(c, f, ev, it->stage == DFOTA_STAGE_FTPEND ? DFOTA_TABLE_FTP : DFOTA_TABLE_HTTP,
                   it->code);
}

/* END's code, by chapter 6. */
void judge_code_end(dfota_checker *c, flow *f, const dfota_event *ev, const dfota_item *it)
{
    if (it->has_code)
        judge_code(c, f, ev, DFOTA_TABLE_END, it->code);
}
