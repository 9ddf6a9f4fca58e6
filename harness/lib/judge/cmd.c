/* SPDX-License-Identifier: MIT */
/* cmd.c - the command's answer (RULES.md, "Commands").
 *
 * The guide, chapter 3:
 *   "Test Command AT+QFOTADL=?  Response OK"
 *   "Write Command AT+QFOTADL=<ftpURL>  Response OK  +QIND: "FOTA","FTPSTART"
 *    ...  +QIND: "FOTA","END",<err>  Or  ERROR"
 * and 3.1, 3.2, 3.3, the argument:
 *   "<ftpURL> String format. The max length is 255 bytes. It should be
 *    started with "FTP://" ..." (<httpURL> likewise with "HTTP://");
 *   "<username> ... <password> ... <serverURL> ... The maximum size of the
 *    parameter is 50 bytes."  "<port> ... The range is 1-65535."
 *   "<file_name> String type. The max length is 128 bytes. It should be
 *    started with "/data/ufs/" in UFS."
 *
 * Rules: CMD-TEST (3), CMD-FINAL (3), CMD-INVALID-ERROR (3.1, 3.2, 3.3),
 * CMD-NO-URC-AFTER-ERROR (3). The flow machine keeps the queue of commands
 * owed an answer; this file judges what each answer, or its absence, is. */
#include <stdio.h>
#include <string.h>

#include "dfota/at.h"
#include "dfota/judge.h"
#include "judge/judge_int.h"

/* CMD-NO-URC-AFTER-ERROR (3): the rejected command's time is over (the
 * next command, the log's end) and no FOTA URC came. */
void judge_cmd_no_urc_came(dfota_checker *c)
{
    pass(c, DFOTA_R_CMD_NO_URC_AFTER_ERROR);
}

/* CMD-NO-URC-AFTER-ERROR (3): a FOTA URC after the ERROR; the URCs that
 * follow are charged to the same command, once. */
void judge_cmd_urc_after_error(dfota_checker *c, flow *rejected, const dfota_event *ev)
{
    judge_report(c, rejected, DFOTA_R_CMD_NO_URC_AFTER_ERROR, DFOTA_L_FAIL, ev, NULL,
           "no FOTA URC after the command's ERROR", "a FOTA URC");
}

/* CMD-FINAL (3): the command's final result is one the guide gives. */
void judge_cmd_final(dfota_checker *c, flow *f, const dfota_event *ev, const dfota_item *it)
{
    if (it->kind == DFOTA_ITEM_FINAL)
        judge_report(c, f, DFOTA_R_CMD_FINAL, DFOTA_L_FAIL, ev, NULL,
               "OK, ERROR or +CME ERROR: <n>, the final results the guide gives AT+QFOTADL", "%s",
               dfota_final_name(it->final));
    else
        pass(c, DFOTA_R_CMD_FINAL);
}

/* CMD-FINAL (3): a second final result right after the first. */
void judge_cmd_extra_final(dfota_checker *c, flow *last, const dfota_event *ev, const char *name)
{
    judge_report(c, last, DFOTA_R_CMD_FINAL, DFOTA_L_FAIL, ev, NULL,
           "exactly one final result for the command", "another one: %s", name);
}

/* CMD-INVALID-ERROR (3.1, 3.2, 3.3) */
static void judge_argument(dfota_checker *c, flow *f, const dfota_event *ev, int ok)
{
    const dfota_arg_check *a = &f->arg;
    if (a->cls == DFOTA_ARG_VALID)
        return; /* a valid argument may still be refused (busy): not this rule's business */
    if (!ok) {
        pass(c, DFOTA_R_CMD_INVALID_ERROR);
        return;
    }
    if (a->cls == DFOTA_ARG_INVALID)
        judge_report(c, f, DFOTA_R_CMD_INVALID_ERROR, DFOTA_L_FAIL, ev, NULL,
               "ERROR for an argument the guide refuses", "OK although %s", a->reason);
    else if (a->quirk && strcmp(a->quirk, "typographic-quotes") == 0)
        judge_log_damage(c, f, DFOTA_R_CMD_INVALID_ERROR, ev, a->quirk, "the argument in ASCII quotes",
                   "typographic quotes around the command's argument", "a paste tool's doing");
    else
        DEVIATE(c, f, DFOTA_R_CMD_INVALID_ERROR, ev, a->quirk,
                "ERROR for an argument outside the guide", "OK: %s", a->reason);
}

/* What the answer (OK when ok) says for the command's form: CMD-TEST (3)
 * for AT+QFOTADL=?, CMD-INVALID-ERROR for the write form. */
void judge_cmd_answer(dfota_checker *c, flow *f, const dfota_event *ev, int ok)
{
    switch (f->form) {
    case DFOTA_FOTADL_TEST:
        if (ok)
            pass(c, DFOTA_R_CMD_TEST);
        else
            judge_report(c, f, DFOTA_R_CMD_TEST, DFOTA_L_FAIL, ev, NULL, "OK for AT+QFOTADL=?",
                   "%s", f->s.final);
        return;
    case DFOTA_FOTADL_READ:
    case DFOTA_FOTADL_EXEC:
        return;
    case DFOTA_FOTADL_WRITE:
        judge_argument(c, f, ev, ok);
        return;
    }
}

/* CMD-FINAL (3): the checker stops waiting for the answer to the command
 * of line (f NULL: not an AT+QFOTADL), so that it takes no later
 * command's answer. A NOTE: what the checker gave up on. */
void judge_cmd_given_up(dfota_checker *c, flow *f, const dfota_event *ev, unsigned long line,
                  const char *why)
{
    char exp[80];
    snprintf(exp, sizeof exp, "the final result of the command of line %lu", line);
    judge_report(c, f, DFOTA_R_CMD_FINAL, DFOTA_L_NOTE, ev, NULL, exp,
           "%s: no longer awaited, so that it takes no later command's answer", why);
}

/* CMD-FINAL (3): a command that will never get its final result. */
void judge_cmd_no_final(dfota_checker *c, flow *f, const dfota_event *ev, const char *why)
{
    judge_report(c, f, DFOTA_R_CMD_FINAL, DFOTA_L_FAIL, ev, NULL,
           "one final result (OK, ERROR, +CME ERROR) for the command", "%s", why);
}

/* CMD-FINAL (3): the log ends before the answer. */
void judge_cmd_log_ended(dfota_checker *c, flow *f, const dfota_event *ev)
{
    judge_report(c, f, DFOTA_R_CMD_FINAL, DFOTA_L_INCOMPLETE, ev, NULL,
           "one final result for the command", "the log ends first");
}

/* FIELD-QUIRKS: on a USB port the command's OK can be lost, the port going
 * away right after the command, before the host read the answer. The
 * machine then follows the upgrade as accepted. */
void judge_cmd_ok_lost(dfota_checker *c, flow *f, const dfota_event *ev)
{
    static const char exp[] = "one final result (OK, ERROR, +CME ERROR) for the command";
    if (c->o.profile == DFOTA_PROFILE_FIELD)
        judge_report(c, f, DFOTA_R_CMD_FINAL, DFOTA_L_WARN, ev, "ok-lost-on-usb", exp,
               "none: the USB port went away right after the command, before its answer was read");
    else
        judge_report(c, f, DFOTA_R_CMD_FINAL, DFOTA_L_INCOMPLETE, ev, "ok-lost-on-usb", exp,
               "none read: the USB port went away right after the command and may have taken "
               "its answer with it");
}

/* Data mode ended. Lines in it that looked like AT traffic were read as
 * data: a NOTE says so, since that is the checker's reading, not a fact. */
void judge_cmd_data_read(dfota_checker *c, const dfota_event *ev)
{
    judge_report(c, c->up, DFOTA_R_CMD_FINAL, DFOTA_L_NOTE, ev, NULL,
           "AT commands, final results and URCs outside data mode",
           "%lu line%s in data mode after the CONNECT of line %lu look%s like AT traffic: "
           "read as data", c->data_like_at, c->data_like_at == 1 ? "" : "s", c->data_line,
           c->data_like_at == 1 ? "s" : "");
}

/* An AT+QFOTADL line read as the data a command prompted for. */
void judge_cmd_prompt_data(dfota_checker *c, const dfota_event *ev)
{
    char b[80];
    judge_report(c, NULL, DFOTA_R_CMD_FINAL, DFOTA_L_NOTE, ev, NULL, "a command",
           "%s is the data of the command of line %lu, which prompted for it",
           judge_shown(ev, b, sizeof b), c->prompt_line);
}
