/* SPDX-License-Identifier: MIT */
/* judge/judge_int.h - what the flow machine and the rule files share.
 *
 * The judge is two kinds of file. The flow machine (flow.c, flow_cmd.c,
 * flow_urc.c) reads each event, keeps the flows (one AT+QFOTADL command and
 * what followed it) and moves them from phase to phase; it judges nothing.
 * At each named transition (a command sent, a final result, a URC, a stage
 * change, a reboot, a flow cut, the end of input) it calls the rule files,
 * one per family of RULES.md (cmd.c, urc.c, code.c, seq.c, progress.c,
 * retry.c, port.c, time.c, host.c), which judge the transition from the
 * state the flow is in and report. A rule file never calls another rule
 * file and never moves a flow: a family may keep its own counters in the
 * flow (retry: n505; seq: dlfail_reported; urc: bad_urcs; host: the host_*
 * fields), the phase and the times are the machine's. The rule files are
 * called before the machine moves the flow, so they see the phase the
 * event arrived in; PROGRESS-ORDER alone is judged after, within the
 * attempt the machine opened for the UPDATING.
 *
 * Private to lib/judge/: nothing here is an interface. */
#ifndef DFOTA_JUDGE_INT_H
#define DFOTA_JUDGE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "dfota/at.h"
#include "dfota/guide.h"
#include "dfota/judge.h"

#define PENDING_MAX 8      /* commands sent and not answered yet */
#define SLOTS (PENDING_MAX + 3)
#define CMD_KEEP 300       /* bytes of a command kept to recognise its echo */
#define BAD_URC_TOLERATED 2 /* FIELD-QUIRKS: one host ignores up to two malformed lines */
#define HOST_REOPEN_NS (10 * DFOTA_NS_PER_S) /* the host windows' time to reopen the port */
/* How long an answer is owed when no final-result window is set: the wait
 * real host code gives a command's OK (FIELD-QUIRKS, "How hosts time it").
 * A host that sends its next command later has given up on the answer, and
 * so does the checker; one that types ahead sends within milliseconds. */
#define ANSWER_OWED_NS (3 * DFOTA_NS_PER_S)

typedef enum {
    PH_CMD = 0,      /* waiting for the final result */
    PH_ANSWERED,     /* test/read form answered */
    PH_REJECTED,     /* ERROR */
    PH_AWAIT_DL,     /* OK, FTP/HTTP: the download start comes next */
    PH_DL,           /* between FTPSTART and FTPEND */
    PH_DL_DONE,      /* download ended with 0: reboot, then START */
    PH_DL_FAILED,    /* download ended with another code */
    PH_AWAIT_START,  /* local file OK'd, or a retried END: START comes next */
    PH_UPDATING,     /* an attempt is open (START seen or implied) */
    PH_ENDED,        /* END with a code the guide does not retry */
    PH_UNKNOWN       /* inferred from a URC: what came before is unknown */
} phase;

typedef struct {
    int used;
    phase ph;
    dfota_fotadl_form form;
    dfota_arg_check arg;
    char raw[CMD_KEEP];
    size_t raw_len;
    int abandoned;
    long retry_code;          /* END code whose retry is awaited, 0 for none */
    unsigned n505;            /* consecutive retries after 505 */
    int last_pct;             /* highest percent of the attempt, -1 before any */
    int reached100;
    int reboot_in_attempt;    /* a reboot since the attempt's START */
    int port_lost, port_back; /* since the download ended */
    int dlfail_reported;
    int queued;               /* waiting in the pending queue for its final result */
    int urc_after_error;      /* rejected, and FOTA URCs came all the same */
    int watch_error;          /* rejected: judging CMD-NO-URC-AFTER-ERROR */
    int awaiting_rdy;
    int supersedes;           /* sent while another upgrade was running */
    int booted;               /* rebooted while START was awaited (cleared by START) */
    unsigned long answered_line; /* after that reboot the module answered the AT+QFOTADL of
                                  * this line: it is back in normal mode (0: not seen) */
    int64_t t_cmd, t_dl_start, t_ref_start, t_last_progress, t_first_start;
    int64_t t_last_end, t_port_lost;
    dfota_flow_summary s;     /* last: its findings array is not cleared, only counted */
} flow;

struct dfota_checker {
    dfota_checker_opts o;
    dfota_sink sink;
    dfota_checker_result res;
    flow slot[SLOTS];
    flow *cur;                /* the latest AT+QFOTADL command */
    flow *up;                 /* the upgrade being followed */
    /* Commands sent and not yet answered, oldest first: a module answers in
     * order, so each final result belongs to the oldest. NULL stands for a
     * command other than AT+QFOTADL. */
    flow *pending[PENDING_MAX];
    int64_t pending_t[PENDING_MAX]; /* when each was sent */
    int64_t pending_late[PENDING_MAX]; /* and how much sooner it may have been (late_ns) */
    unsigned long pending_line[PENDING_MAX];
    unsigned p_head, p_len;
    flow *last_answered;      /* the flow that got the last final result */
    unsigned long module_since_host; /* module lines since the last command, echoes and finals aside */
    unsigned long module_since_final;
    char last_host[CMD_KEEP]; /* the previous command line, to recognise its echo */
    size_t last_host_len;
    int echo_due;             /* that line was typed into a terminal (direction guessed) and
                               * its echo may still come: until its final result */
    int prompt_data;          /* a command prompted for data: host lines are its data */
    unsigned long prompt_line;
    int64_t prompt_t;
    int data_mode;            /* between CONNECT and NO CARRIER: no AT lines (V.250) */
    unsigned long data_line;  /* CONNECT's line */
    unsigned long data_like_at; /* lines in data mode that look like AT traffic */
    unsigned next_id;
    unsigned bad_urcs;
    int port_cycle;           /* a port-lost not yet followed by RDY */
    /* The host (HOST-* rules, judged with o.judge_host) */
    int host_events;          /* the log carries host-open / host-close */
    int host_open;            /* the host has the port open (assumed until told) */
    int port_away;            /* between port-lost and port-back */
    int reopen_due;           /* a port-back not yet followed by host-open */
    int64_t t_reopen_due;     /* its time */
    int host_missed;          /* a URC came while the host was away (reported once) */
    int host_left;            /* the host closed the port itself (not a port-lost) */
    int64_t t_last;           /* the last event's time */
    /* What the event being fed turned out to be (dfota_checker_feed_ex);
     * set for the length of a feed. */
    dfota_transition *tr;
    unsigned commands;        /* command lines taken: the pending queue holds the last p_len */
    /* The firmware as the log says it (firmware.c): an answer awaited
     * (FW_ASKED_*), an AT+QFOTADL seen, an END seen */
    unsigned char fw_asked, fw_fotadl, fw_ended;
    unsigned char fw_len[2];  /* the answers as said (before, after), escaped at the end */
    char fw_said[2][DFOTA_FW_SAID_MAX];
};

/* firmware.c: the module's firmware as the log says it, in the result's
 * firmware_before and firmware_after. A command sent (after its echo is
 * told apart), a module line while an answer is awaited, an END URC. */
void judge_fw_command(dfota_checker *c, const dfota_event *ev, const dfota_item *it);
void judge_fw_answer(dfota_checker *c, const dfota_event *ev);
void judge_fw_end(dfota_checker *c);
/* The end of the log: the answers kept, escaped into the result. */
void judge_fw_finish(dfota_checker *c);

/* A flow cut before it ended: by a new AT+QFOTADL the module took (ev is
 * that command), or by the end of the log (at_end; ev has no line and no
 * time). What the flow still owes then is judged once, by each family's
 * *_owed function, for both cuts. */
typedef struct {
    const dfota_event *ev;
    int at_end;
} flow_cut;

/* A rule's slow path (a deviation to describe), kept out of line so that
 * the common case of a rule that passes costs no stack frame. */
#if defined(__GNUC__)
#define JUDGE_SLOW __attribute__((noinline, cold))
#else
#define JUDGE_SLOW
#endif

/* ---- shared helpers (common.c) ------------------------------------------ */

/* The few helpers every event goes through are inline: the machine calls
 * them on each URC, and a call across files costs what the judging does. */

/* to - from, or DFOTA_T_NONE when either is unknown. */
static inline int64_t span(int64_t from, int64_t to)
{
    if (from == DFOTA_T_NONE || to == DFOTA_T_NONE)
        return DFOTA_T_NONE;
    return to - from;
}
/* s escaped into dst (cap bytes), cut with a mark when it does not fit. */
void judge_escape_into(char *dst, size_t cap, const char *s, size_t n);
/* The event's bytes, escaped for a report (only when reporting: escaping
 * every URC would cost more than judging it). Returns buf. */
const char *judge_shown(const dfota_event *ev, char *buf, size_t cap);
/* The protocol whose download a stage belongs to; DFOTA_PROTO_NONE for
 * the other stages. */
dfota_proto judge_stage_proto(dfota_stage st);
/* Is the flow's upgrade running (a phase that still expects URCs)? */
static inline int is_open(const flow *f)
{
    switch (f->ph) {
    case PH_AWAIT_DL: case PH_DL: case PH_DL_DONE: case PH_AWAIT_START: case PH_UPDATING:
    case PH_UNKNOWN:
        return 1;
    default:
        return 0;
    }
}
/* How long an answer is owed: the final-result window, or ANSWER_OWED_NS. */
int64_t judge_answer_owed_ns(const dfota_checker *c);
/* After END,505 the module retried five times and stopped, as it must. */
int judge_retries_exhausted(const flow *f);

/* A rule's status is at least PASS. */
static inline void pass(dfota_checker *c, dfota_rule r)
{
    if (c->res.rule[r] < DFOTA_V_PASS)
        c->res.rule[r] = DFOTA_V_PASS;
}
/* A finding: to the rule's status, the counts, the flow f (may be NULL)
 * and the sink. ev may be NULL (no line, no time). */
DFOTA_PRINTF(8, 9)
void judge_report(dfota_checker *c, flow *f, dfota_rule r, dfota_level l, const dfota_event *ev,
            const char *quirk, const char *expected, const char *seen_fmt, ...);
/* Damage the log itself carries (RULES.md: paste damage, a logger's
 * marks): a NOTE in every profile, never the module's FAIL or WARN; what it
 * was is kept so that strict can call the file inconclusive. */
void judge_log_damage(dfota_checker *c, flow *f, dfota_rule r, const dfota_event *ev,
                const char *quirk, const char *expected, const char *what, const char *text);
/* A window of rule r that ev, read d after its start, overran, where the
 * harness may have read ev up to late after it came (late >= d - limit):
 * INCOMPLETE, and counted as the harness's (res.harness_late), never the
 * module's or the host's FAIL. */
void judge_harness_late(dfota_checker *c, flow *f, dfota_rule r, const dfota_event *ev,
                        const char *expected, int64_t d, int64_t late);
/* Counts a rule not judged for the harness's lateness (res.harness_late),
 * the first in the words of fmt; the caller reports the INCOMPLETE. */
DFOTA_PRINTF(2, 3)
void judge_harness_late_count(dfota_checker *c, const char *fmt, ...);
/* A START still owed when f is cut: FAIL with seen when a new command cut
 * it; at the log's end INCOMPLETE, or FAIL when the module already answered
 * a new AT+QFOTADL after the reboot that should have brought START. */
void judge_start_owed(dfota_checker *c, flow *f, dfota_rule r, const flow_cut *cut,
                const char *expected, const char *seen);

/* A behaviour of shipped firmware: FAIL in strict, WARN in field. */
#define DEVIATE(c, f, r, ev, quirk, expected, ...)                                              \
    judge_report((c), (f), (r), (c)->o.profile == DFOTA_PROFILE_FIELD ? DFOTA_L_WARN : DFOTA_L_FAIL, \
           (ev), (quirk), (expected), __VA_ARGS__)

/* ---- the flow machine's own calls (flow.c, flow_cmd.c, flow_urc.c) ------- */

flow *judge_flow_new(dfota_checker *c, const dfota_event *ev);
void judge_flow_close(dfota_checker *c, flow *f);
void judge_release_if_idle(dfota_checker *c, flow *f);
void judge_accept_upgrade(dfota_checker *c, flow *f);
void judge_cut_flow(dfota_checker *c, flow *f, const flow_cut *cut);
void judge_on_host_line(dfota_checker *c, const dfota_event *ev, const dfota_item *it);
void judge_on_final(dfota_checker *c, const dfota_event *ev, const dfota_item *it);
void judge_drop_pending(dfota_checker *c, const dfota_event *ev, int ended, int port_lost);
void judge_on_urc(dfota_checker *c, const dfota_event *ev, const dfota_item *it);

/* ---- the rule files, by the transition that calls them ------------------- */

/* cmd.c: CMD-TEST, CMD-FINAL, CMD-INVALID-ERROR, CMD-NO-URC-AFTER-ERROR */
void judge_cmd_no_urc_came(dfota_checker *c);
void judge_cmd_urc_after_error(dfota_checker *c, flow *rejected, const dfota_event *ev);
void judge_cmd_final(dfota_checker *c, flow *f, const dfota_event *ev, const dfota_item *it);
void judge_cmd_extra_final(dfota_checker *c, flow *last, const dfota_event *ev, const char *name);
void judge_cmd_answer(dfota_checker *c, flow *f, const dfota_event *ev, int ok);
void judge_cmd_given_up(dfota_checker *c, flow *f, const dfota_event *ev, unsigned long line,
                  const char *why);
void judge_cmd_no_final(dfota_checker *c, flow *f, const dfota_event *ev, const char *why);
void judge_cmd_log_ended(dfota_checker *c, flow *f, const dfota_event *ev);
void judge_cmd_ok_lost(dfota_checker *c, flow *f, const dfota_event *ev);
void judge_cmd_data_read(dfota_checker *c, const dfota_event *ev);
void judge_cmd_prompt_data(dfota_checker *c, const dfota_event *ev);

/* urc.c: URC-SYNTAX, LINE-LENGTH */
void judge_urc_syntax(dfota_checker *c, flow *f, const dfota_event *ev, const dfota_item *it);
void judge_urc_overlong(dfota_checker *c, const dfota_event *ev);

/* code.c: CODE-FTP, CODE-HTTP, CODE-END */
void judge_code_download_end(dfota_checker *c, flow *f, const dfota_event *ev, const dfota_item *it);
void judge_code_end(dfota_checker *c, flow *f, const dfota_event *ev, const dfota_item *it);

/* seq.c: SEQ-DOWNLOAD, SEQ-NO-UPDATE-AFTER-DL-FAIL, SEQ-START,
 * SEQ-UPDATING-INSIDE, SEQ-END. The download ones return 0 when the stage
 * is out of place and moves nothing. */
int judge_seq_download_proto(dfota_checker *c, flow *f, const dfota_event *ev, dfota_stage st);
int judge_seq_download_start(dfota_checker *c, flow *f, const dfota_event *ev, dfota_stage st);
int judge_seq_download_end(dfota_checker *c, flow *f, const dfota_event *ev, dfota_stage st);
void judge_seq_start(dfota_checker *c, flow *f, const dfota_event *ev);
void judge_seq_updating_outside(dfota_checker *c, flow *f, const dfota_event *ev);
void judge_seq_updating_inside(dfota_checker *c, flow *f);
void judge_seq_updating_retry_lost(dfota_checker *c, flow *f, const dfota_event *ev);
void judge_seq_updating_resumed(dfota_checker *c, flow *f, const dfota_event *ev);
void judge_seq_end(dfota_checker *c, flow *f, const dfota_event *ev);
void judge_seq_owed(dfota_checker *c, flow *f, const flow_cut *cut);
void judge_seq_closed(dfota_checker *c, flow *f);

/* progress.c: PROGRESS-RANGE, PROGRESS-ORDER, PROGRESS-COMPLETE */
void judge_progress_range(dfota_checker *c, flow *f, const dfota_event *ev, const dfota_item *it);
dfota_progress_order judge_progress_order(dfota_checker *c, flow *f, const dfota_event *ev,
                                          const dfota_item *it);
void judge_progress_end(dfota_checker *c, flow *f, const dfota_event *ev, long code);

/* retry.c: RETRY-505, RETRY-UNTIL-SUCCESS */
void judge_retry_update_begins(dfota_checker *c, flow *f, const dfota_event *ev, dfota_stage st);
void judge_retry_end(flow *f, long code);
void judge_retry_owed(dfota_checker *c, flow *f, const flow_cut *cut);

/* port.c: PORT-REBOOT */
void judge_port_update_begins(dfota_checker *c, flow *f, const dfota_event *ev);
void judge_port_terminal_message(dfota_checker *c, const dfota_event *ev);

/* time.c: TIME-* (the windows) */
void judge_time_final(dfota_checker *c, flow *f, const dfota_event *ev);
void judge_time_download_start(dfota_checker *c, flow *f, const dfota_event *ev);
void judge_time_download_end(dfota_checker *c, flow *f, const dfota_event *ev);
void judge_time_start(dfota_checker *c, flow *f, const dfota_event *ev);
void judge_time_progress(dfota_checker *c, flow *f, const dfota_event *ev);
void judge_time_end(dfota_checker *c, flow *f, const dfota_event *ev, long code);
void judge_time_port_back(dfota_checker *c, flow *f, const dfota_event *ev);
void judge_time_rdy(dfota_checker *c, flow *f, const dfota_event *ev);
void judge_time_owed(dfota_checker *c, flow *f, const flow_cut *cut);

/* host.c: HOST-WAIT-FINAL, HOST-ONE-UPGRADE, HOST-REOPEN, HOST-READ-TO-END */
void judge_host_command(dfota_checker *c, const dfota_event *ev, const dfota_item *it);
void judge_host_urc(dfota_checker *c, const dfota_event *ev, const dfota_item *it);
void judge_host_event(dfota_checker *c, const dfota_event *ev, dfota_harness_event hev);
void judge_host_finish(dfota_checker *c);

#endif
