/* SPDX-License-Identifier: MIT */
/* seq.c - the order of the stages (RULES.md, "URCs": SEQ-*).
 *
 * The guide, chapter 3: "After executing the command, the module will
 * automatically download the package from FTP/HTTP server. After the
 * package download is finished, the module will reboot automatically and
 * then enter into recovery mode for firmware upgrade. If the firmware
 * upgrade is successful, the module will reboot and enter into normal
 * mode, otherwise it will enter into recovery mode and retry to upgrade".
 * 3.1 and 3.2 give the order: FTPSTART (HTTPSTART), FTPEND (HTTPEND),
 * START, UPDATING ..., END; 3.3, a file already in UFS: OK, START,
 * UPDATING ..., END. Chapters 4 and 5: a download that ends with another
 * code than 0 ("0 means upgraded successfully") has failed.
 *
 * Rules: SEQ-DOWNLOAD (3.1, 3.2, 3.3), SEQ-NO-UPDATE-AFTER-DL-FAIL (4, 5),
 * SEQ-START (3), SEQ-UPDATING-INSIDE (3), SEQ-END (3). Each function judges
 * one transition from the phase the flow is in when it comes. */
#include <stdio.h>

#include "dfota/at.h"
#include "dfota/judge.h"
#include "judge/judge_int.h"

/* Does a download stage of protocol sp belong to a command of protocol fp?
 * HTTPS firmware reports either HTTPSSTART or HTTPSTART (FIELD-QUIRKS). */
static int proto_matches(dfota_proto fp, dfota_proto sp)
{
    return fp == sp || (fp == DFOTA_PROTO_HTTPS && sp == DFOTA_PROTO_HTTP);
}

/* SEQ-DOWNLOAD (3.1, 3.2, 3.3): the download stage st of a flow whose
 * command is known is of the command's protocol. */
int judge_seq_download_proto(dfota_checker *c, flow *f, const dfota_event *ev, dfota_stage st)
{
    dfota_proto sp = judge_stage_proto(st);
    if (f->s.proto == DFOTA_PROTO_LOCAL) {
        judge_report(c, f, DFOTA_R_SEQ_DOWNLOAD, DFOTA_L_FAIL, ev, NULL,
               "no download stage for a local file", "%s", dfota_stage_name(st));
        return 0;
    }
    if (!proto_matches(f->s.proto, sp)) {
        judge_report(c, f, DFOTA_R_SEQ_DOWNLOAD, DFOTA_L_FAIL, ev, NULL,
               "the download stages of the command's protocol", "%s for an %s command",
               dfota_stage_name(st), dfota_proto_name(f->s.proto));
        return 0;
    }
    return 1;
}

/* SEQ-DOWNLOAD: one download start, after the command's OK. */
int judge_seq_download_start(dfota_checker *c, flow *f, const dfota_event *ev, dfota_stage st)
{
    if (f->ph == PH_AWAIT_DL || f->ph == PH_UNKNOWN)
        return 1;
    judge_report(c, f, DFOTA_R_SEQ_DOWNLOAD, DFOTA_L_FAIL, ev, NULL,
           "one download start, after the command's OK", "%s again or out of place",
           dfota_stage_name(st));
    return 0;
}

/* SEQ-DOWNLOAD: the download's end after its start. An end with no start
 * still ends the download; one again or out of place moves nothing. */
int judge_seq_download_end(dfota_checker *c, flow *f, const dfota_event *ev, dfota_stage st)
{
    if (f->ph == PH_DL) {
        pass(c, DFOTA_R_SEQ_DOWNLOAD);
        return 1;
    }
    if (f->ph == PH_UNKNOWN)
        return 1;
    judge_report(c, f, DFOTA_R_SEQ_DOWNLOAD, DFOTA_L_FAIL, ev, NULL,
           "the download's end after its start",
           f->ph == PH_AWAIT_DL ? "%s without a download start" : "%s again or out of place",
           dfota_stage_name(st));
    return f->ph == PH_AWAIT_DL;
}

/* SEQ-NO-UPDATE-AFTER-DL-FAIL (4, 5), once per flow. */
static void after_dl_fail(dfota_checker *c, flow *f, const dfota_event *ev, dfota_stage st)
{
    if (f->dlfail_reported)
        return;
    f->dlfail_reported = 1;
    judge_report(c, f, DFOTA_R_SEQ_NO_UPDATE_AFTER_DL_FAIL, DFOTA_L_FAIL, ev, NULL,
           "no update after a failed download", "%s after the download ended with %ld",
           dfota_stage_name(st), f->s.download_code);
}

/* START: SEQ-START (3), and the stages it must not cut into. */
void judge_seq_start(dfota_checker *c, flow *f, const dfota_event *ev)
{
    static const char exp[] = "START after a download ended with 0, a local file's OK, "
                              "a retried END code or a reboot during an update";
    switch (f->ph) {
    case PH_DL_FAILED:
        after_dl_fail(c, f, ev, DFOTA_STAGE_START);
        break;
    case PH_AWAIT_DL:
    case PH_DL:
        judge_report(c, f, DFOTA_R_SEQ_DOWNLOAD, DFOTA_L_FAIL, ev, NULL,
               "the download's start and end before START", "START during the download");
        break;
    case PH_DL_DONE:
    case PH_AWAIT_START:
        pass(c, DFOTA_R_SEQ_START);
        break;
    case PH_UPDATING:
        if (f->reboot_in_attempt) {
            pass(c, DFOTA_R_SEQ_END); /* closed by a reboot and a new START */
            pass(c, DFOTA_R_SEQ_START);
        } else
            judge_report(c, f, DFOTA_R_SEQ_START, DFOTA_L_FAIL, ev, NULL, exp,
                   "START while the attempt started before is still open, with no reboot");
        break;
    case PH_ENDED:
        if (f->retry_code != 505) /* a sixth retry after 505 is RETRY-505's */
            judge_report(c, f, DFOTA_R_SEQ_START, DFOTA_L_FAIL, ev, NULL, exp,
                   "START after END,%ld", f->s.n_end_codes ? f->s.end_codes[f->s.n_end_codes - 1] : 0L);
        break;
    default:
        break; /* PH_UNKNOWN: what came before is not known */
    }
}

/* SEQ-UPDATING-INSIDE (3): UPDATING with no attempt open. After the
 * download or a retried END it implies the START that was lost; during
 * the download or after END it stands outside any attempt. */
void judge_seq_updating_outside(dfota_checker *c, flow *f, const dfota_event *ev)
{
    switch (f->ph) {
    case PH_DL_DONE:
    case PH_AWAIT_START:
        DEVIATE(c, f, DFOTA_R_SEQ_UPDATING_INSIDE, ev, "start-lost", "UPDATING after START",
                "UPDATING with no START (lost while the USB port came back)");
        break;
    case PH_DL_FAILED:
        after_dl_fail(c, f, ev, DFOTA_STAGE_UPDATING);
        break;
    case PH_AWAIT_DL:
    case PH_DL:
        judge_report(c, f, DFOTA_R_SEQ_UPDATING_INSIDE, DFOTA_L_FAIL, ev, NULL,
               "UPDATING between START and END", "UPDATING during the download");
        break;
    case PH_ENDED:
        judge_report(c, f, DFOTA_R_SEQ_UPDATING_INSIDE, DFOTA_L_FAIL, ev, NULL,
               "UPDATING between START and END", "UPDATING after END");
        break;
    default:
        pass(c, DFOTA_R_SEQ_UPDATING_INSIDE); /* the log started inside the update */
        break;
    }
}

/* SEQ-UPDATING-INSIDE (3): UPDATING inside the open attempt. */
void judge_seq_updating_inside(dfota_checker *c, flow *f)
{
    (void)f;
    pass(c, DFOTA_R_SEQ_UPDATING_INSIDE);
}

/* Progress starts again lower after a reboot: a retry whose START was lost
 * while the port came back, not a continuation. The reboot closed the
 * attempt before (SEQ-END). */
void judge_seq_updating_retry_lost(dfota_checker *c, flow *f, const dfota_event *ev)
{
    pass(c, DFOTA_R_SEQ_END);
    DEVIATE(c, f, DFOTA_R_SEQ_UPDATING_INSIDE, ev, "start-lost", "UPDATING after START",
            "the retry's UPDATING with no START (lost while the USB port came back)");
}

/* SEQ-END (3): a reboot closes an attempt only with a new START; progress
 * went on after it instead. */
void judge_seq_updating_resumed(dfota_checker *c, flow *f, const dfota_event *ev)
{
    DEVIATE(c, f, DFOTA_R_SEQ_END, ev, "two-part-update",
            "after a reboot during an update, a new START",
            "progress went on after the reboot without START");
}

/* END: SEQ-END (3), and the stages it must not cut into. */
void judge_seq_end(dfota_checker *c, flow *f, const dfota_event *ev)
{
    switch (f->ph) {
    case PH_UNKNOWN:
        return;
    case PH_UPDATING:
        pass(c, DFOTA_R_SEQ_END);
        return;
    case PH_DL_FAILED:
        after_dl_fail(c, f, ev, DFOTA_STAGE_END);
        return;
    case PH_DL_DONE:
    case PH_AWAIT_START:
        DEVIATE(c, f, DFOTA_R_SEQ_END, ev, "start-lost", "END closing a START",
                "END with no START (lost while the USB port came back)");
        return;
    case PH_AWAIT_DL:
    case PH_DL:
        judge_report(c, f, DFOTA_R_SEQ_DOWNLOAD, DFOTA_L_FAIL, ev, NULL,
               "the download's start and end before END", "END during the download");
        return;
    default:
        judge_report(c, f, DFOTA_R_SEQ_END, DFOTA_L_FAIL, ev, NULL, "END closing a START",
               "END after the update had ended");
        return;
    }
}

/* What the sequence still owes when the flow is cut: the download's end
 * (at the log's end only: a new command does not stop a download), START
 * after the download or a local file's OK, END after START. */
void judge_seq_owed(dfota_checker *c, flow *f, const flow_cut *cut)
{
    switch (f->ph) {
    case PH_AWAIT_DL:
    case PH_DL:
        if (cut->at_end)
            judge_report(c, f, DFOTA_R_SEQ_DOWNLOAD, DFOTA_L_INCOMPLETE, cut->ev, NULL,
                   "the download's start and end", "the log ends first");
        break;
    case PH_DL_DONE:
        judge_start_owed(c, f, DFOTA_R_SEQ_START, cut,
                   cut->at_end ? "START after the download" : "START after the download ended with 0",
                   "the next AT+QFOTADL first");
        break;
    case PH_AWAIT_START:
        if (!f->retry_code) /* a retry is RETRY-*'s */
            judge_start_owed(c, f, DFOTA_R_SEQ_START, cut, "START after the local-file command's OK",
                       "the next AT+QFOTADL first");
        break;
    case PH_UPDATING:
        if (cut->at_end)
            judge_report(c, f, DFOTA_R_SEQ_END, DFOTA_L_INCOMPLETE, cut->ev, NULL,
                   "END closing the START", "the log ends first");
        else
            judge_report(c, f, DFOTA_R_SEQ_END, DFOTA_L_FAIL, cut->ev, NULL,
                   "the attempt's START closed by END or by a reboot and a new START",
                   "the next AT+QFOTADL at line %lu", cut->ev->line);
        break;
    default:
        break;
    }
}

/* SEQ-NO-UPDATE-AFTER-DL-FAIL (4, 5): the flow closes and nothing followed
 * its failed download. */
void judge_seq_closed(dfota_checker *c, flow *f)
{
    if (f->ph == PH_DL_FAILED && !f->dlfail_reported)
        pass(c, DFOTA_R_SEQ_NO_UPDATE_AFTER_DL_FAIL);
}
