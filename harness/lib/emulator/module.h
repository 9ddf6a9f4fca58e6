/* SPDX-License-Identifier: MIT */
/* module.h - what the emulator's files share (not public API): its limits,
 * its delays, the module's state, the hook points of the faults, and the
 * functions each file offers the others.
 *
 * No threads: dfota_emulator_step waits on the terminal's master side,
 * libcurl's sockets and the agenda, and does what is due. The agenda is a
 * queue of actions, each with its delay in module time after the one
 * before it (a URC, the port going away or coming back, recovery or normal
 * mode). A flow such as "download ended: reboot, update, reboot" is
 * planned onto it at once. Each action is due at an absolute module time,
 * the due time of the action before it plus its delay, so lateness never
 * accumulates; the clock (dfota/base.h) turns module time into wall time
 * (real or scaled), or is virtual and moved by whoever runs the emulator
 * in its own thread, when the emulator and its host both wait.
 *
 * Faults hook in at named points (hook_point): every fault kind of a
 * scenario's emulator block is a row of fault_hooks, called where its
 * point is reached with what the module is about to do, which it may
 * change. A kind without a row is refused when the emulator starts, so a
 * scenario never passes against a fault that was silently left out.
 *
 * The files, from the bottom up; each calls only files listed before it,
 * so they call each other in no cycle:
 *   host.c       the recording, output to the host, the terminal and its link
 *   package.c    the package in memory and its header
 *   fetch_url.c  the URL libcurl fetches for an AT+QFOTADL argument
 *   faults.c     the fault hooks, the named profiles, --fault's form
 *   agenda.c     planning actions and FOTA URCs
 *   download.c   downloads with libcurl; a download's end is a result
 *   flow.c       the update flow, and what follows a download's result
 *   ufs.c        the UFS folder, AT+QFLST, AT+QFDEL, AT+QFUPL
 *   v250.c       a command line split into its commands
 *   model.c      a module model as data: answers to identification and
 *                status commands (models/NAME.yaml, built in by models.c)
 *   at.c         input from the host, the AT interpreter, AT+QFOTADL
 *   testbed.c    a umockdev test bed's USB device, unplugged and plugged back by
 *                a USB reboot (when the emulator plays a device of a test bed)
 *   run.c        running due actions, waiting
 *   options.c    option precedence (the settings), the options applied
 *   module.c     the emulator's life and its public API */
#ifndef DFOTA_LIB_EMULATOR_MODULE_H
#define DFOTA_LIB_EMULATOR_MODULE_H

#include <stddef.h>
#include <stdint.h>

#include "base/lazy_curl.h"

#include "dfota/at.h"
#include "dfota/base.h"
#include "dfota/emulator.h"
#include "dfota/guide.h"
#include "dfota/port.h"
#include "base/errbuf.h"
#include "base/text.h"


#define EM_PATH_MAX 4096
#define EM_VERSION_MAX 64           /* a firmware version in a package header */
#define EM_MODEL_MAX 32
#define EM_OUTQ_MAX (64 * 1024)     /* output the host has not taken yet */
#define EM_AGENDA_MAX 128           /* one update attempt plans about 20 actions */
#define EM_TEXT_MAX 96              /* one planned line */
#define EM_LONG_LINE 3000           /* overlong-line: over the 2048 bytes a host keeps */
#define EM_PKG_MEMORY_MAX (256LL * 1024 * 1024) /* a package is held in memory */
#define EM_PKG_HEADER_MAX 512
#define EM_UFS_LIST_MAX 256
#define EM_FAULTS_MAX 16
#define EM_PROGRESS_URCS 10
#define EM_HUP_RECHECK_MS 10        /* no host on the terminal: look again this often */
/* wall time a USB reboot waits for the host to read */
#define EM_DRAIN_MAX_NS (250 * DFOTA_NS_PER_MS)
/* the same on a virtual clock, where the host is the harness */
#define EM_DRAIN_VIRTUAL_NS (10 * DFOTA_NS_PER_S)
#define EM_QFUPL_SIZE_DEFAULT 10240 /* AT+QFUPL's <file_size> when not given */
#define EM_QFUPL_TIMEOUT_DEFAULT 5  /* its <timeout>, module seconds */
#define EM_QFUPL_ACK_BLOCK 1024     /* ACK mode: an 'A' after each block */
#define EM_CMDLINE_MAX 2048         /* a command line, "AT" included (longer: ERROR) */
#define EM_LINE_CMDS_MAX 32         /* commands on one line */
#define EM_ANSWER_LINES_MAX 16      /* lines of one answer of a model */
#define EM_ANSWER_LINE_MAX 200      /* one line of an answer, as written */
#define EM_PATTERN_MAX 64           /* a command pattern of a model */
#define EM_S_REGS 13                /* S0 to S12 */
#define EM_CONSOLE_MAX (DFOTA_URL_MAX + CURL_ERROR_SIZE + 200) /* a console line */
#define EM_SETTINGS_MAX 32          /* settings a model keeps (+CSCS ...) */

#define EM_FOTA_PREFIX "+QIND: \"FOTA\",\"" /* a FOTA URC up to its stage */
#define DEFAULT_FIRMWARE "EG95EFAR02A07M4G"
#define EM_GARBAGE "\xff\xfe\x80\x1b[0m~\x01\x7f#%&\xc3(garbage)"
#define DEFAULT_MODEL "EG95"
#define DEFAULT_REBOOT_NS (20 * DFOTA_NS_PER_S)
#define DEFAULT_STEP_NS (2 * DFOTA_NS_PER_S)
#define DEFAULT_FREE_SPACE (64LL * 1024 * 1024)

/* Module delays between the steps of a flow (the corpus's recordings). */
#define T_DOWNLOAD_START (500 * DFOTA_NS_PER_MS)  /* OK to FTPSTART/HTTPSTART */
#define T_POWER_OFF (800 * DFOTA_NS_PER_MS)       /* the last URC to the port going away */
#define T_LOCAL_REBOOT (600 * DFOTA_NS_PER_MS)    /* OK of a local-file upgrade to the reboot */
#define T_RECOVERY (1500 * DFOTA_NS_PER_MS)       /* the port back to START */
#define T_RDY (1200 * DFOTA_NS_PER_MS)            /* the port back to RDY */

typedef enum {
    MODE_IDLE,     /* normal mode: AT commands answered */
    MODE_BUSY,     /* normal mode, an upgrade under way: AT+QFOTADL refused */
    MODE_OFF,      /* rebooting: input is lost */
    MODE_RECOVERY  /* updating: the AT interpreter is not running */
} em_mode;

typedef enum {
    A_SAY,        /* a line, framed "\r\n<text>\r\n" */
    A_POWER_OFF,  /* USB: the terminal and the link go away */
    A_POWER_ON,   /* USB: a new terminal behind the link */
    A_DOWNLOAD,   /* start the download of the package */
    A_RECOVERY,   /* recovery mode: one update attempt */
    A_FIRMWARE,   /* the update is applied: the package's target runs */
    A_NORMAL,     /* normal mode again, the flow is over */
    A_LONG,       /* a line of EM_LONG_LINE bytes (the overlong-line fault) */
    A_CUT         /* "\r\n<text>" with no line end (the urc-cut-by-reboot fault) */
} act_kind;

typedef struct {
    act_kind kind;
    int64_t delay_ns; /* module time after the action before it */
    char text[EM_TEXT_MAX];
} action;

typedef struct {
    uint8_t *data;
    size_t len, cap;
} buffer;

/* One command of a command line (v250.c): text[0..len) as written, its
 * name text[0..name_len) ("+CGMI", "E", "&C", "S3"). */
typedef struct {
    const char *text;
    size_t len, name_len;
    int extended;
} em_cmd;

/* A model's answer to the commands that match pattern (model.c). */
typedef struct {
    char *pattern;                        /* without the '*' */
    int prefix;                           /* pattern ended with '*': any rest */
    char *lines[EM_ANSWER_LINES_MAX];     /* information lines, placeholders in */
    size_t n_lines;
    char *final;                          /* ERROR, +CME ERROR: <n>..., NULL: OK */
    int cme;                              /* final's <n> when +CME ERROR, else 0 */
} em_answer;

/* A parameter the module keeps (model.c): AT<name>=<value> sets it to one
 * of values, AT<name>? reads it; values[0] at boot. */
typedef struct {
    char *name;
    char *values[EM_ANSWER_LINES_MAX];
    size_t n;
} em_setting;

typedef struct em_model em_model;

/* ---- faults: the hook points and the table of fault kinds ---------------- */

typedef enum {
    HOOK_DOWNLOAD_END, /* the download's code is known; ctx.code may change */
    HOOK_ATTEMPT,      /* an update attempt starts; ctx.code and ctx.percent may change */
    HOOK_FOTA_LINE,    /* a FOTA URC is planned; ctx.line may change, ctx.drop drops it */
    HOOK_REBOOT,       /* a reboot is planned; ctx.delay_ns may change, ctx.drop: never back */
    HOOK_RETRY,        /* ctx.code: how many 505 retries the module makes */
    HOOK_COMMAND,      /* a refused AT+QFOTADL: ctx.accept plays it, ctx.urc adds a URC */
    HOOK_ANSWER,       /* AT+QFOTADL's final result (ctx.test for =?): ctx.error, ctx.twice,
                        * ctx.delay_ns change it */
    HOOK_DOWNLOAD      /* a download is about to connect: ctx.drop makes it fail to */
} hook_point;

typedef struct {
    long code;    /* the code the module is about to report */
    int percent;  /* HOOK_ATTEMPT: where a failing attempt stops */
    int ftp;      /* HOOK_DOWNLOAD_END, HOOK_COMMAND: FTP (else HTTP) */
    dfota_stage stage;   /* HOOK_FOTA_LINE */
    char *line;          /* HOOK_FOTA_LINE: the line, cap bytes */
    size_t cap;
    int drop, twice;     /* HOOK_FOTA_LINE, HOOK_REBOOT */
    int long_before;     /* HOOK_FOTA_LINE: an overlong line before this one */
    int start_before;    /* HOOK_FOTA_LINE: a START before this one */
    int downloading;     /* HOOK_FOTA_LINE: DOWNLOADING URCs before this one */
    int cut;             /* HOOK_FOTA_LINE: the line is cut short, no line end */
    int garbage_before;  /* HOOK_FOTA_LINE: a line of garbage bytes before this one */
    int accept, urc;     /* HOOK_COMMAND */
    int64_t delay_ns;    /* HOOK_REBOOT, HOOK_ANSWER */
    int64_t later_ns;    /* HOOK_FOTA_LINE: the line comes this much later (module time);
                          * HOOK_REBOOT: so does the RDY of a boot into normal mode */
    int recovery, stay;  /* HOOK_REBOOT: into recovery; the port stays */
    int update;          /* HOOK_DOWNLOAD_END: update even after a failure */
    int no_retry;        /* HOOK_RETRY: no retry after a code retried until success */
    int test, error;     /* HOOK_ANSWER */
} hook_ctx;

typedef struct fault_state fault_state;

struct fault_hook {
    const char *kind; /* as in a scenario's faults list (dfota/scenario.h) */
    hook_point at;
    void (*fn)(fault_state *fs, hook_ctx *ctx);
};

struct fault_state {
    const struct fault_hook *hook;
    long code;
    int at_percent;
    long times; /* 0: every time */
    long fired;
    int64_t delay_ns;
    dfota_stage stage; /* the URC stage the fault is for, or DFOTA_STAGE_NONE */
    long last; /* the last value a fault saw (out-of-order-urc) */
};

/* ---- the module ---------------------------------------------------------- */

struct dfota_emulator {
    char link[EM_PATH_MAX];
    int link_lock;             /* the link's lock, held for the emulator's life, or -1 */
    char tty[EM_PATH_MAX];     /* "" while a USB reboot has the port away */
    char firmware[EM_VERSION_MAX + 1];
    char target[EM_VERSION_MAX + 1];
    char ufs[EM_PATH_MAX];
    int own_ufs;
    int field, uart;
    int named_profile;         /* index in named_profiles, -1 for none */
    dfota_clock *clock;        /* module time; owned when own_clock */
    int own_clock;
    int64_t reboot_ns, step_ns, free_space;
    int progress_urcs;
    struct curl_slist *connect_to; /* owned */
    int loopback_only;
    int master;
    em_mode mode;
    int echo, cmee, verbose, quiet;    /* ATE, AT+CMEE, ATV, ATQ */
    unsigned char s_reg[EM_S_REGS];    /* S3: the line's end, S4: the response's, S5: backspace */
    em_model *model_data;              /* what the model answers (model.c) */
    unsigned char setting_now[EM_SETTINGS_MAX]; /* each setting's value, an index */
    /* the command line the host is typing (at.c) */
    struct {
        char buf[EM_CMDLINE_MAX];
        size_t len;
        int overlong;
        int started;       /* "AT" seen: the line is under way */
        int saw_a;         /* an 'A' or 'a' that may begin "AT" */
        int skip_lf;       /* the last line ended on CR: an LF right after it is its */
        int after_upload;  /* an upload ended: bytes before the next AT are dropped */
        long dropped;      /* how many were */
        int running;       /* a line is being executed */
        int oks, failed, deferred; /* oks: OKs a fault adds to the line's */
        char last[EM_CMDLINE_MAX]; /* for A/ */
        size_t last_len;
    } in;
    /* the agenda, a ring */
    action agenda[EM_AGENDA_MAX];
    size_t ag_head, ag_len;
    int64_t ag_due;            /* module time the head action is due */
    int64_t acting_due;        /* while an action runs, its due time (plans count from it) */
    int64_t drain_until;       /* wall: a USB power-off waits for the host until then */
    int held;                  /* the head action waits for the host (to read, to reopen) */
    int64_t reopen_wall;       /* wall time of a scaled USB reboot's port-back, 0: none pending */
    int64_t reopen_due;        /* its module time */
    int agenda_overflow;
    /* the download and the package */
    CURLM *multi;
    CURL *easy;
    int dl_ftp, dl_no_space;
    char url[DFOTA_URL_MAX + 1];
    buffer pkg;
    int retries_505;
    /* AT+QFUPL: while up.fd >= 0 the host's bytes are the file's, not
     * commands (the AT framer is bypassed) */
    struct {
        int fd;
        char path[EM_PATH_MAX + 256];
        int64_t size, done;
        uint16_t sum;
        int ack;
        int64_t idle_ns;   /* module time the bytes may pause */
        int64_t deadline;  /* module time the pause ends the upload */
    } up;
    fault_state faults[EM_FAULTS_MAX];
    size_t n_faults;
    /* the recording (opts.on_event) */
    void (*on_event)(void *ctx, const dfota_event *ev);
    void *event_ctx;
    dfota_framer *rec_host, *rec_module; /* framers of what each side sent */
    /* the console (opts.on_console) */
    void (*on_console)(void *ctx, const char *line);
    void *console_ctx;
    char dl_error[CURL_ERROR_SIZE];  /* libcurl's reason a download failed, or "" */
    int host_attached;         /* the host has its side open (as last seen) */
    /* Every open and close of the terminal's slave, as inotify reports them:
     * a hang-up polled for misses a host that closes and reopens between
     * two looks. -1 where inotify is not to be had: polling then. */
    int ino;
    long host_fds;             /* the host's descriptors open, by inotify's count */
    int host_left;             /* inotify's last word was a host's close: no open inferred */
    unsigned own_opens;        /* opens of our own (dfota_pty_unread) still to come */
    unsigned own_closes;
    /* testbed.c: the test bed's USB device (its sysfs folder) while a USB
     * reboot has it unplugged, else "" */
    char testbed_dev[EM_PATH_MAX];
    size_t out_len;
    uint8_t outq[EM_OUTQ_MAX];
};

/* Module time now. */
static inline int64_t now_ns(const dfota_emulator *em)
{
    return dfota_clock_now(em->clock);
}

/* ---- host.c ---- */
/* A line for the console (opts.on_console), secrets hidden; nothing
 * without one. */
void em_console(dfota_emulator *em, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void em_emit_note(dfota_emulator *em, const char *what);
void em_record_bytes(dfota_emulator *em, dfota_framer *fr, dfota_dir dir, const void *p,
                     size_t n);
void em_record_flush(dfota_emulator *em, dfota_framer *fr, dfota_dir dir);
void em_record_host(dfota_emulator *em, int attached);
void em_host_sync(dfota_emulator *em);
/* The host wrote: without inotify, its host-open if none was recorded. */
void em_host_wrote(dfota_emulator *em);
void em_out_bytes(dfota_emulator *em, const void *p, size_t n);
void em_out_long(dfota_emulator *em);
void em_out_line(dfota_emulator *em, const char *text);
/* A FOTA URC's text: +QIND: "FOTA","<stage>"[,<code>] (dfota_stage_name). */
void em_fota_text(char *line, size_t cap, dfota_stage stage, int has_code, long code);
void em_at_ok(dfota_emulator *em);
void em_at_error(dfota_emulator *em, int cme);
void em_flush_out(dfota_emulator *em);
dfota_err em_port_open(dfota_emulator *em, char *err, size_t errlen);
void em_port_close(dfota_emulator *em);
int em_host_unread(dfota_emulator *em);
int em_master_hup(const dfota_emulator *em);

/* ---- package.c ---- */
int em_buf_append(buffer *b, const void *p, size_t n);
void em_buf_free(buffer *b);
long em_pkg_verdict(dfota_emulator *em);

/* ---- faults.c ---- */
void em_run_hooks(dfota_emulator *em, hook_point at, hook_ctx *ctx);
int em_named_profile(const char *name);
dfota_err em_profile_faults_load(dfota_emulator *em, int p, char *err, size_t errlen);
/* Adds faults[0..n) to the module's (16 at most, as resolved); a kind
 * without a hook is refused. */
dfota_err em_faults_load(dfota_emulator *em, const dfota_fault *faults, size_t n, char *err,
                         size_t errlen);

/* ---- agenda.c ---- */
void em_plan(dfota_emulator *em, int64_t delay_ns, act_kind kind, const char *text);
void em_plan_say(dfota_emulator *em, int64_t delay_ns, const char *text);
void em_plan_fota(dfota_emulator *em, int64_t delay_ns, dfota_stage stage, long code,
                  int has_code);
void em_agenda_pop(dfota_emulator *em, action *out);

/* ---- download.c ---- */
/* How a download ended: what the module reports. */
typedef struct {
    long code;          /* FTPEND/HTTPEND's code before the faults: 0, 511, 601/701 or
                         * the field's detailed one */
    int ftp;            /* FTP (else HTTP) */
} em_download_result;

/* Starts the download of em->url into em->pkg: 0 while it runs, 1 with
 * *res when it ended at once (it could not start or connect). */
int em_download_start(dfota_emulator *em, em_download_result *res);
/* Lets libcurl work: 1 with *res when the download ended. */
int em_download_poll(dfota_emulator *em, em_download_result *res);
/* Stops a download that runs (the emulator stops). */
void em_download_stop(dfota_emulator *em);

/* ---- flow.c ---- */
void em_plan_reboot(dfota_emulator *em, int recovery, int64_t off_ns);
void em_plan_attempt(dfota_emulator *em);
/* Plans what follows a download's end: FTPEND/HTTPEND, then a reboot into
 * recovery or normal mode again, as the faults leave it. */
void em_download_ended(dfota_emulator *em, const em_download_result *res);

/* ---- ufs.c ---- */
int em_ufs_path(const dfota_emulator *em, const char *name, size_t n, char *out, size_t cap);
int em_ufs_read(const char *path, buffer *b);
int em_ufs_delete_all(const dfota_emulator *em);
size_t em_upload_take(dfota_emulator *em, const uint8_t *p, size_t n);
void em_upload_abort(dfota_emulator *em);
int em_upload_idle(dfota_emulator *em);
void em_at_qflst(dfota_emulator *em, const char *rest, size_t n);
void em_at_qfdel(dfota_emulator *em, const char *rest, size_t n);
void em_at_qfupl(dfota_emulator *em, const char *rest, size_t n);

/* ---- v250.c ---- */
/* Splits what follows "AT" into at most cap commands: how many, or -1
 * when the line is not V.250 syntax. */
int em_v250_split(const char *s, size_t n, em_cmd *out, size_t cap);

/* ---- model.c ---- */
/* A built-in model by name or a model file (see model.c), into *out. */
dfota_err em_model_load(const char *name, em_model **out, char *err, size_t errlen);
dfota_err em_model_parse(const char *file, const char *text, size_t len, em_model **out,
                         char *err, size_t errlen);
void em_model_free(em_model *m);
/* The setting named name[0..n) (+CSCS), its index in *index, or NULL. */
const em_setting *em_model_setting(const em_model *m, const char *name, size_t n, size_t *index);
/* The answer for the command cmd[0..n) as written, or NULL. */
const em_answer *em_model_find(const em_model *m, const char *cmd, size_t n);
/* text with its placeholders filled in, into out (cap bytes, cut to fit). */
void em_model_expand(const em_model *m, const char *revision, const char *text, char *out,
                     size_t cap);
/* The models of models/ built into the binary (models.c, made by the
 * build): the i-th one's text and length, or NULL; its name (eg95). */
const char *em_builtin_model(size_t i, size_t *len);
const char *em_builtin_model_name(size_t i);

/* ---- at.c ---- */
int em_read_host(dfota_emulator *em);
/* The module boots: echo on, verbose results, S3/S4/S5 and AT+CMEE as at
 * power-on, no line half typed. */
void em_at_reset(dfota_emulator *em);

/* ---- testbed.c ---- */
/* When the emulator runs in a umockdev test bed (UMOCKDEV_DIR, and the
 * link in its dev/ folder): the USB device above the link's tty leaves the
 * test bed ("remove" uevents) at a USB power-off, and comes back ("add")
 * at the power-on, after the new terminal is linked. Otherwise nothing;
 * errors are notes in the recording. */
void em_testbed_unplug(dfota_emulator *em);
void em_testbed_replug(dfota_emulator *em);

/* ---- run.c ---- */
dfota_err em_run_due(dfota_emulator *em, int *happened, char *err, size_t errlen);
int64_t em_next_due(const dfota_emulator *em);
void em_wait_events(dfota_emulator *em, int64_t end);

/* ---- options.c ---- */
dfota_err em_opts_apply(dfota_emulator *em, const dfota_emulator_opts *o, char *err,
                        size_t errlen);

#endif
