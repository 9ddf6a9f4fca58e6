/* SPDX-License-Identifier: MIT */
/* urc.c - the form of a FOTA URC (RULES.md, "URCs").
 *
 * The guide, 3.1 and 3.2 (the write command's response):
 *   +QIND: "FOTA","FTPSTART"
 *   +QIND: "FOTA","FTPEND",<ftp_err>
 *   +QIND: "FOTA","START"
 *   +QIND: "FOTA","UPDATING",<percent>
 *   +QIND: "FOTA","END",<err>
 * (HTTPSTART and HTTPEND,<http_err> for HTTP), and 3.3's example writes
 * them with a blank after each comma: +QIND: "FOTA", "UPDATING", 1.
 *
 * Rules: URC-SYNTAX (3.1, 3.2, 3.3); and LINE-LENGTH, the line layer's own
 * limit (not a rule of the guide), here because it too is about the form
 * of a line. */
#include <stdio.h>

#include "dfota/at.h"
#include "dfota/judge.h"
#include "judge/judge_int.h"

static const char *field_stage_quirk(dfota_stage st)
{
    switch (st) {
    case DFOTA_STAGE_HTTPSSTART: case DFOTA_STAGE_HTTPSEND: return "https-stages";
    case DFOTA_STAGE_FILESTART: case DFOTA_STAGE_FILEEND: return "file-stream";
    case DFOTA_STAGE_DOWNLOADING: return "downloading-urc";
    case DFOTA_STAGE_RESTORE: return "restore-phase";
    case DFOTA_STAGE_RESUME: return "resume-urc";
    default: return NULL;
    }
}

static int is_guide_stage(dfota_stage st)
{
    return st >= DFOTA_STAGE_FTPSTART && st <= DFOTA_STAGE_END;
}

/* URC-SYNTAX for a URC that is not plainly the guide's. */
JUDGE_SLOW static void judge_syntax(dfota_checker *c, flow *f, const dfota_event *ev, const dfota_item *it)
{
    static const char exp[] = "+QIND: \"FOTA\",\"<stage>\"[,<integer>] as in the guide";
    char b[DFOTA_TEXT_MAX];
    unsigned q = it->quirks;
    unsigned long fails = c->res.count[DFOTA_L_FAIL], warns = c->res.count[DFOTA_L_WARN];
    if (it->kind == DFOTA_ITEM_BAD_URC) {
        if (c->o.profile == DFOTA_PROFILE_FIELD && ++c->bad_urcs <= BAD_URC_TOLERATED)
            judge_report(c, f, DFOTA_R_URC_SYNTAX, DFOTA_L_WARN, ev, "cut-urc", exp,
                   "a cut or garbled FOTA URC (%u of %d tolerated): %s", c->bad_urcs,
                   BAD_URC_TOLERATED, judge_shown(ev, b, sizeof b));
        else
            judge_report(c, f, DFOTA_R_URC_SYNTAX, DFOTA_L_FAIL, ev, NULL, exp,
                   "a cut or garbled FOTA URC: %s", judge_shown(ev, b, sizeof b));
        return;
    }
    if (it->stage == DFOTA_STAGE_UNKNOWN)
        judge_report(c, f, DFOTA_R_URC_SYNTAX, DFOTA_L_FAIL, ev, NULL,
               "a stage of the guide (FTPSTART, FTPEND, HTTPSTART, HTTPEND, START, UPDATING, END)",
               "%s", judge_shown(ev, b, sizeof b));
    const char *fq = field_stage_quirk(it->stage);
    if (fq)
        DEVIATE(c, f, DFOTA_R_URC_SYNTAX, ev, fq, "a stage of the guide", "stage %s: %s",
                dfota_stage_name(it->stage), judge_shown(ev, b, sizeof b));
    if (q & DFOTA_Q_CASE)
        judge_report(c, f, DFOTA_R_URC_SYNTAX, DFOTA_L_FAIL, ev, NULL, "the stage spelt as in the guide",
               "%s", judge_shown(ev, b, sizeof b));
    if (q & (DFOTA_Q_ARG_MISSING | DFOTA_Q_ARG_UNEXPECTED | DFOTA_Q_ARG_NOT_INT))
        judge_report(c, f, DFOTA_R_URC_SYNTAX, DFOTA_L_FAIL, ev, NULL,
               dfota_stage_takes_code(it->stage) ? "the stage with one integer argument"
                                                 : "the stage with no argument",
               "%s", judge_shown(ev, b, sizeof b));
    if (q & DFOTA_Q_PERCENT)
        DEVIATE(c, f, DFOTA_R_URC_SYNTAX, ev, "percent-sign", "an integer", "a '%%' sign: %s",
                judge_shown(ev, b, sizeof b));
    if (q & DFOTA_Q_EXTRA)
        DEVIATE(c, f, DFOTA_R_URC_SYNTAX, ev, "extra-fields", "one integer argument",
                "more fields: %s", judge_shown(ev, b, sizeof b));
    if (q & DFOTA_Q_TYPO_QUOTES)
        judge_log_damage(c, f, DFOTA_R_URC_SYNTAX, ev, "typographic-quotes", "ASCII double quotes",
                   "typographic quotes", judge_shown(ev, b, sizeof b));
    if (q & DFOTA_Q_NO_BLANK_COLON)
        DEVIATE(c, f, DFOTA_R_URC_SYNTAX, ev, "no-blank-after-colon", "+QIND: with a blank",
                "no blank after the colon: %s", judge_shown(ev, b, sizeof b));
    if ((q & DFOTA_Q_STRAY) && (ev->flags & DFOTA_EV_LOG_PREFIX))
        /* The reader says a logger's prefix it could not learn may still
         * stand there: the bytes are the log's, not the module's. */
        judge_log_damage(c, f, DFOTA_R_URC_SYNTAX, ev, "log-prefix", "the URC at the start of the line",
                   "a log prefix the reader could not take off", judge_shown(ev, b, sizeof b));
    else if (q & DFOTA_Q_STRAY)
        DEVIATE(c, f, DFOTA_R_URC_SYNTAX, ev, "stray-bytes", "the URC at the start of the line",
                "bytes before it: %s", judge_shown(ev, b, sizeof b));
    if (q & DFOTA_Q_BLANK)
        judge_report(c, f, DFOTA_R_URC_SYNTAX, DFOTA_L_NOTE, ev, "blank-after-comma",
               "no blank after a comma", "a blank, as the guide's own examples show it");
    if (q & DFOTA_Q_SPELLING)
        judge_report(c, f, DFOTA_R_URC_SYNTAX, DFOTA_L_NOTE, ev, "httpend-spelling", "HTTPEND",
               "HTTPEnd, as the guide spells it once");
    if (c->res.count[DFOTA_L_FAIL] == fails && c->res.count[DFOTA_L_WARN] == warns)
        pass(c, DFOTA_R_URC_SYNTAX);
}

/* URC-SYNTAX (3.1, 3.2, 3.3), for every FOTA URC, whatever flow it is in. */
void judge_urc_syntax(dfota_checker *c, flow *f, const dfota_event *ev, const dfota_item *it)
{
    if (it->kind == DFOTA_ITEM_URC && it->quirks == 0 && is_guide_stage(it->stage))
        pass(c, DFOTA_R_URC_SYNTAX); /* the common case, kept cheap */
    else
        judge_syntax(c, f, ev, it);
}

/* LINE-LENGTH: a line longer than the harness keeps, skipped. */
void judge_urc_overlong(dfota_checker *c, const dfota_event *ev)
{
    char shown_[64];
    judge_escape_into(shown_, sizeof shown_, ev->data, ev->len < 40 ? ev->len : 40);
    judge_report(c, c->up, DFOTA_R_LINE_LENGTH, DFOTA_L_WARN, ev, "overlong-line",
           "lines of at most 2048 bytes", "a line of %zu bytes, skipped: %s...", ev->full_len,
           shown_);
}
