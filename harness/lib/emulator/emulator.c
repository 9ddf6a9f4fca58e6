/* emulator.c - an EG9x module behind a pseudo-terminal (dfota/emulator.h).
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
 * Options left unset (NULL or 0) take the scenario's emulator block, then
 * the defaults of emulator.h. */
#define _GNU_SOURCE /* ptsname_r (POSIX.1-2024); implies _DEFAULT_SOURCE, _XOPEN_SOURCE */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "dfota/at.h"
#include "dfota/base.h"
#include "dfota/emulator.h"
#include "dfota/guide.h"
#include "dfota/port.h"
#include "base/errbuf.h"
#include "base/text.h"

#define MS 1000000LL
#define SEC (1000 * MS)

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
#define EM_DRAIN_MAX_NS (250 * MS)  /* wall time a USB reboot waits for the host to read */
#define EM_DRAIN_VIRTUAL_NS (10 * SEC) /* the same on a virtual clock, where the host is the harness */
#define EM_QFUPL_SIZE_DEFAULT 10240 /* AT+QFUPL's <file_size> when not given */
#define EM_QFUPL_TIMEOUT_DEFAULT 5  /* its <timeout>, module seconds */
#define EM_QFUPL_ACK_BLOCK 1024     /* ACK mode: an 'A' after each block */

#define DEFAULT_FIRMWARE "EG95EFAR02A07M4G"
#define EM_GARBAGE "\xff\xfe\x80\x1b[0m~\x01\x7f#%&\xc3(garbage)"
#define DEFAULT_MODEL "EG95"
#define DEFAULT_REBOOT_NS (20 * SEC)
#define DEFAULT_STEP_NS (2 * SEC)
#define DEFAULT_FREE_SPACE (64LL * 1024 * 1024)

/* Module delays between the steps of a flow (the corpus's recordings). */
#define T_DOWNLOAD_START (500 * MS)  /* OK to FTPSTART/HTTPSTART */
#define T_POWER_OFF (800 * MS)       /* the last URC to the port going away */
#define T_LOCAL_REBOOT (600 * MS)    /* OK of a local-file upgrade to the reboot */
#define T_RECOVERY (1500 * MS)       /* the port back to START */
#define T_RDY (1200 * MS)            /* the port back to RDY */

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
    const char *stage;   /* HOOK_FOTA_LINE */
    int has_code;        /* HOOK_FOTA_LINE */
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
    const char *stage; /* the URC stage the fault is for, or NULL */
    long last; /* the last value a fault saw (out-of-order-urc) */
};

/* ---- the module ---------------------------------------------------------- */

struct dfota_emulator {
    char link[EM_PATH_MAX];
    int link_lock;             /* the link's lock, held for the emulator's life, or -1 */
    char tty[EM_PATH_MAX];     /* "" while a USB reboot has the port away */
    char firmware[EM_VERSION_MAX + 1];
    char target[EM_VERSION_MAX + 1];
    char model[EM_MODEL_MAX + 1];
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
    int echo, cmee;
    dfota_framer *framer;
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
    int host_attached;         /* the host has its side open (as last seen) */
    /* Every open and close of the terminal's slave, as inotify reports them:
     * a hang-up polled for misses a host that closes and reopens between
     * two looks. -1 where inotify is not to be had: polling then. */
    int ino;
    long host_fds;             /* the host's descriptors open, by inotify's count */
    unsigned own_opens;        /* opens of our own (dfota_pty_unread) still to come */
    unsigned own_closes;
    size_t out_len;
    uint8_t outq[EM_OUTQ_MAX];
};


/* ---- clock --------------------------------------------------------------- */

/* Module time now. */
static int64_t now_ns(const dfota_emulator *em)
{
    return dfota_clock_now(em->clock);
}

static int master_hup(const dfota_emulator *em);

/* ---- the recording ------------------------------------------------------- */

static void emit(dfota_emulator *em, dfota_dir dir, const char *data, size_t len, size_t full,
                 unsigned flags)
{
    dfota_event ev;
    memset(&ev, 0, sizeof ev);
    ev.t_ns = now_ns(em);
    ev.dir = dir;
    ev.data = data;
    ev.len = len;
    ev.full_len = full;
    ev.flags = flags;
    em->on_event(em->event_ctx, &ev);
}

static void emit_note(dfota_emulator *em, const char *what)
{
    if (em->on_event)
        emit(em, DFOTA_DIR_HARNESS, what, strlen(what), strlen(what), 0);
}

/* Frames bytes one side sent into lines for the recording. */
static void record_bytes(dfota_emulator *em, dfota_framer *fr, dfota_dir dir, const void *p,
                         size_t n)
{
    const char *line;
    size_t len, full;
    unsigned flags;
    if (!em->on_event || !fr)
        return;
    dfota_framer_push(fr, p, n);
    while (dfota_framer_next(fr, &line, &len, &full, &flags))
        if (len > 0 || (flags & DFOTA_EV_OVERLONG))
            emit(em, dir, line, len, full, flags);
}

/* A line one side left unterminated (a URC cut by the reboot). */
static void record_flush(dfota_emulator *em, dfota_framer *fr, dfota_dir dir)
{
    const char *line;
    size_t len, full;
    unsigned flags;
    if (em->on_event && fr && dfota_framer_flush(fr, &line, &len, &full, &flags) && len > 0)
        emit(em, dir, line, len, full, flags);
}

/* host-open / host-close as the terminal shows them. */
static void record_host(dfota_emulator *em, int attached)
{
    if (attached == em->host_attached)
        return;
    em->host_attached = attached;
    emit_note(em, dfota_harness_event_name(attached ? DFOTA_HEV_HOST_OPEN : DFOTA_HEV_HOST_CLOSE));
}

/* Watches the terminal's slave for opens and closes (after it is set up:
 * its own opens are not a host's). Without inotify, polling stays. */
static void host_watch(dfota_emulator *em)
{
    em->host_fds = 0;
    em->own_opens = em->own_closes = 0;
    em->ino = em->on_event ? inotify_init1(IN_NONBLOCK | IN_CLOEXEC) : -1; /* no recording: no need */
    if (em->ino >= 0 &&
        inotify_add_watch(em->ino, em->tty, IN_OPEN | IN_CLOSE_WRITE | IN_CLOSE_NOWRITE) < 0) {
        close(em->ino);
        em->ino = -1;
    }
}

static void host_unwatch(dfota_emulator *em)
{
    if (em->ino >= 0)
        close(em->ino);
    em->ino = -1;
}

/* The host's side as it is now, recorded: each open and close inotify
 * counted since the last look, in order (a quick close and reopen is two
 * notes, not none); by a poll for a hang-up without inotify. When inotify's
 * queue overflowed, what was lost is said, and the poll decides. */
static void host_sync(dfota_emulator *em)
{
    if (!em->on_event || em->master < 0)
        return;
    if (em->ino < 0) {
        record_host(em, !master_hup(em));
        return;
    }
    union {
        struct inotify_event ev;
        char b[4096];
    } u;
    ssize_t n;
    while ((n = read(em->ino, u.b, sizeof u.b)) > 0) {
        for (ssize_t i = 0; i + (ssize_t)sizeof(struct inotify_event) <= n;) {
            const struct inotify_event *e = (const struct inotify_event *)(const void *)(u.b + i);
            i += (ssize_t)(sizeof *e + e->len);
            if (e->mask & IN_Q_OVERFLOW) {
                emit_note(em, "note host-open/host-close: too many to count, some coalesced");
                em->host_fds = !master_hup(em);
                record_host(em, em->host_fds > 0);
                continue;
            }
            if (e->mask & IN_OPEN) {
                if (em->own_opens > 0)
                    em->own_opens--;
                else if (++em->host_fds == 1)
                    record_host(em, 1);
            }
            if (e->mask & (IN_CLOSE_WRITE | IN_CLOSE_NOWRITE)) {
                if (em->own_closes > 0)
                    em->own_closes--;
                else if (em->host_fds > 0 && --em->host_fds == 0)
                    record_host(em, 0);
            }
        }
    }
}

/* ---- output to the host -------------------------------------------------- */

/* No port, no host with the port open, or a host that does not read: a
 * module drops what it cannot send, as a USB module does while its port is
 * closed (a pseudo-terminal would keep it for whoever opens it next, which
 * would hide a host that comes back late). The recording keeps what the
 * module said, with the host's state beside it. */
static void out_bytes(dfota_emulator *em, const void *p, size_t n)
{
    if (em->master < 0)
        return;
    int hup = master_hup(em);
    host_sync(em);
    record_bytes(em, em->rec_module, DFOTA_DIR_MODULE, p, n);
    if (hup || n > sizeof em->outq - em->out_len)
        return;
    memcpy(em->outq + em->out_len, p, n);
    em->out_len += n;
}

/* A response line or URC, framed as the module frames them. */
static void out_long(dfota_emulator *em)
{
    static const char chunk[] = "+QIND: overlong line ..........................................";
    out_bytes(em, "\r\n", 2);
    for (size_t n = 0; n < EM_LONG_LINE; n += sizeof chunk - 1)
        out_bytes(em, chunk, sizeof chunk - 1);
    out_bytes(em, "\r\n", 2);
}

static void out_line(dfota_emulator *em, const char *text)
{
    out_bytes(em, "\r\n", 2);
    out_bytes(em, text, strlen(text));
    out_bytes(em, "\r\n", 2);
}

static void at_ok(dfota_emulator *em)
{
    out_line(em, "OK");
}

/* ERROR, or +CME ERROR: <cme> after AT+CMEE=1 or 2 when there is a code. */
static void at_error(dfota_emulator *em, int cme)
{
    char line[32];
    if (cme && em->cmee) {
        snprintf(line, sizeof line, "+CME ERROR: %d", cme);
        out_line(em, line);
    } else {
        out_line(em, "ERROR");
    }
}

static void flush_out(dfota_emulator *em)
{
    while (em->master >= 0 && em->out_len > 0) {
        ssize_t w = write(em->master, em->outq, em->out_len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return; /* the terminal's buffer is full: later */
        dfota_clock_wire_sent(em->clock, DFOTA_WIRE_TO_HOST, (size_t)w);
        memmove(em->outq, em->outq + w, em->out_len - (size_t)w);
        em->out_len -= (size_t)w;
    }
}

/* ---- the terminal and its link ------------------------------------------- */

static dfota_err port_open(dfota_emulator *em, char *err, size_t errlen)
{
    int m = dfota_pty_open(em->tty, sizeof em->tty, err, errlen);
    if (m < 0)
        return DFOTA_E_IO;
    dfota_err rc = em->link[0] ? dfota_pty_link_point(em->link, em->tty, err, errlen) : DFOTA_OK;
    if (rc != DFOTA_OK) {
        close(m);
        em->tty[0] = '\0';
        return rc;
    }
    em->master = m;
    host_watch(em);
    return DFOTA_OK;
}

/* The host hangs up: its reads return 0 or EIO from now on. */
static void port_close(dfota_emulator *em)
{
    if (em->master < 0)
        return;
    flush_out(em);
    host_sync(em); /* the host's last opens and closes on this terminal */
    host_unwatch(em);
    close(em->master);
    em->master = -1;
    em->out_len = 0;
    dfota_clock_wire_drop(em->clock); /* what either side had not read is gone */
    em->tty[0] = '\0';
    dfota_pty_link_remove(em->link);
}

/* True when the host has bytes it has not read yet. A USB reboot waits
 * for them (a little) so that a scaled clock cannot outrun a host that is
 * simply slow to be scheduled. */
static int host_unread(dfota_emulator *em)
{
    if (em->out_len > 0)
        return 1;
    /* Our own open and close of the terminal are not the host's: inotify
     * queues them before dfota_pty_unread returns, so they are skipped at
     * once (none when it could not open the terminal). */
    host_sync(em);
    if (em->ino >= 0) {
        em->own_opens++;
        em->own_closes++;
    }
    int unread = dfota_pty_unread(em->tty);
    host_sync(em);
    em->own_opens = em->own_closes = 0;
    return unread;
}

static int master_hup(const dfota_emulator *em)
{
    return dfota_pty_no_host(em->master);
}

/* ---- the agenda ---------------------------------------------------------- */

static void run_hooks(dfota_emulator *em, hook_point at, hook_ctx *ctx);

static void plan(dfota_emulator *em, int64_t delay_ns, act_kind kind, const char *text)
{
    if (em->ag_len == EM_AGENDA_MAX) {
        em->agenda_overflow = 1;
        return;
    }
    action *a = &em->agenda[(em->ag_head + em->ag_len) % EM_AGENDA_MAX];
    a->kind = kind;
    a->delay_ns = delay_ns;
    snprintf(a->text, sizeof a->text, "%s", text ? text : "");
    if (em->ag_len++ == 0) /* after the action that planned it, or from now */
        em->ag_due = dfota_time_add(em->acting_due != DFOTA_T_NONE ? em->acting_due : now_ns(em),
                                    delay_ns); /* saturated: a huge delay is never, not the past */
}

static void plan_say(dfota_emulator *em, int64_t delay_ns, const char *text)
{
    plan(em, delay_ns, A_SAY, text);
}

/* The field's download progress: DOWNLOADING 25, 50, 75, 100. */
static void plan_downloading(dfota_emulator *em)
{
    char line[EM_TEXT_MAX];
    for (int pct = 25; pct <= 100; pct += 25) {
        snprintf(line, sizeof line, "+QIND: \"FOTA\",\"DOWNLOADING\",%d", pct);
        plan_say(em, 0, line);
    }
}

/* A FOTA line as the faults left it (ctx of HOOK_FOTA_LINE). */
static void plan_faulted_line(dfota_emulator *em, int64_t delay_ns, const hook_ctx *c)
{
    if (c->drop)
        return;
    delay_ns = dfota_time_add(delay_ns, c->later_ns);
    if (c->downloading)
        plan_downloading(em);
    if (c->cut) {
        c->line[strlen(c->line) / 2] = '\0';
        plan(em, delay_ns, A_CUT, c->line);
        return;
    }
    if (c->garbage_before) {
        plan_say(em, delay_ns, EM_GARBAGE);
        delay_ns = 0;
    }
    if (c->long_before)
        plan(em, delay_ns, A_LONG, NULL);
    if (c->start_before)
        plan_say(em, c->long_before ? 0 : delay_ns, "+QIND: \"FOTA\",\"START\"");
    plan_say(em, c->long_before || c->start_before ? 0 : delay_ns, c->line);
    if (c->twice)
        plan_say(em, 0, c->line);
}

static void plan_fota(dfota_emulator *em, int64_t delay_ns, const char *stage, long code,
                      int has_code)
{
    char line[EM_TEXT_MAX];
    if (has_code)
        snprintf(line, sizeof line, "+QIND: \"FOTA\",\"%s\",%ld", stage, code);
    else
        snprintf(line, sizeof line, "+QIND: \"FOTA\",\"%s\"", stage);
    hook_ctx c = {.code = code, .stage = stage, .has_code = has_code, .line = line,
                  .cap = sizeof line};
    run_hooks(em, HOOK_FOTA_LINE, &c);
    plan_faulted_line(em, delay_ns, &c);
}

static void agenda_pop(dfota_emulator *em, action *out)
{
    *out = em->agenda[em->ag_head];
    em->ag_head = (em->ag_head + 1) % EM_AGENDA_MAX;
    if (--em->ag_len > 0)
        /* on the plan, however late this ran */
        em->ag_due = dfota_time_add(em->ag_due, em->agenda[em->ag_head].delay_ns);
}

/* ---- packages ------------------------------------------------------------ */

static int buf_append(buffer *b, const void *p, size_t n)
{
    if (n > b->cap - b->len) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap - b->len < n)
            cap *= 2;
        uint8_t *d = realloc(b->data, cap);
        if (!d)
            return -1;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

static void buf_free(buffer *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

typedef struct {
    char from[EM_VERSION_MAX + 1], to[EM_VERSION_MAX + 1];
    uint64_t size;
    uint32_t crc;
} pkg_header;

/* The next header line if it starts with key; *val is what follows it. */
static int header_line(const uint8_t **p, const uint8_t *end, const char *key, const char **val,
                       size_t *vlen)
{
    const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
    size_t klen = strlen(key);
    if (!nl || (size_t)(nl - *p) < klen || memcmp(*p, key, klen) != 0)
        return 0;
    *val = (const char *)*p + klen;
    *vlen = (size_t)(nl - *p) - klen;
    *p = nl + 1;
    return 1;
}

static int version_copy(char *dst, const char *s, size_t n)
{
    if (n == 0 || n > EM_VERSION_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] <= ' ' || s[i] > '~')
            return 0;
    memcpy(dst, s, n);
    dst[n] = '\0';
    return 1;
}

static int decimal(const char *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    if (n == 0 || n > 18)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return 1;
}

static int crc_hex(const char *s, size_t n, uint32_t *out)
{
    uint32_t v = 0;
    if (n != 8)
        return 0;
    for (size_t i = 0; i < n; i++) {
        int d = s[i] >= '0' && s[i] <= '9' ? s[i] - '0' : s[i] >= 'a' && s[i] <= 'f' ? s[i] - 'a' + 10 : -1;
        if (d < 0)
            return 0;
        v = v << 4 | (uint32_t)d;
    }
    *out = v;
    return 1;
}

/* Parses the header (emulator.h); returns the header's length, 0 when it is
 * not one. */
static size_t pkg_parse(const uint8_t *data, size_t len, pkg_header *h)
{
    if (!data || len == 0)
        return 0; /* an empty file holds no package (and no bytes to look at) */
    const uint8_t *p = data, *end = data + (len < EM_PKG_HEADER_MAX ? len : EM_PKG_HEADER_MAX);
    const char *v;
    size_t n;
    int ok = header_line(&p, end, "DFOTA-PKG 1", &v, &n) && n == 0 &&
             header_line(&p, end, "from: ", &v, &n) && version_copy(h->from, v, n) &&
             header_line(&p, end, "to: ", &v, &n) && version_copy(h->to, v, n) &&
             header_line(&p, end, "size: ", &v, &n) && decimal(v, n, &h->size) &&
             header_line(&p, end, "crc32: ", &v, &n) && crc_hex(v, n, &h->crc) &&
             header_line(&p, end, "", &v, &n) && n == 0;
    return ok ? (size_t)(p - data) : 0;
}

/* The END code the package earns: 505 corrupt, 510 for another source
 * version, 0 with em->target set. */
static long pkg_verdict(dfota_emulator *em)
{
    pkg_header h;
    size_t hl = pkg_parse(em->pkg.data, em->pkg.len, &h);
    if (hl == 0 || em->pkg.len - hl != h.size ||
        dfota_crc32(0, em->pkg.data + hl, em->pkg.len - hl) != h.crc)
        return 505;
    if (strcmp(h.from, em->firmware) != 0)
        return 510;
    memcpy(em->target, h.to, sizeof em->target);
    return 0;
}

/* ---- faults -------------------------------------------------------------- */

static int fault_fires(fault_state *fs)
{
    if (fs->times > 0 && fs->fired >= fs->times)
        return 0;
    fs->fired++;
    return 1;
}

/* download-error: the download ends with the fault's code (default: the
 * guide's unknown error) for its first `times` downloads (default all). */
static void fault_download_error(fault_state *fs, hook_ctx *ctx)
{
    if (fault_fires(fs))
        ctx->code = fs->code ? fs->code : ctx->ftp ? 601 : 701;
}

/* update-fail: the attempt stops at the fault's percent (default 1) with
 * its code (default 502), for the first `times` attempts (default all). */
static void fault_update_fail(fault_state *fs, hook_ctx *ctx)
{
    if (!fault_fires(fs))
        return;
    ctx->code = fs->code ? fs->code : 502;
    ctx->percent = fs->at_percent >= 0 ? fs->at_percent : 1;
}

/* once: a fault that happens once unless `times` says more. */
static int fault_once(fault_state *fs)
{
    if (fs->fired >= (fs->times > 0 ? fs->times : 1))
        return 0;
    fs->fired++;
    return 1;
}

static int line_is(const hook_ctx *ctx, const char *stage)
{
    return strcmp(ctx->stage, stage) == 0;
}

/* accept-invalid: OK to a refused argument, then a download as usual. */
static void fault_accept_invalid(fault_state *fs, hook_ctx *ctx)
{
    if (fault_once(fs))
        ctx->accept = 1;
}

/* urc-after-error: ERROR to a refused argument, then FTPSTART anyway. */
static void fault_urc_after_error(fault_state *fs, hook_ctx *ctx)
{
    if (fault_once(fs))
        ctx->urc = 1;
}

/* lost-start: the START after the reboot never comes. */
static void fault_lost_start(fault_state *fs, hook_ctx *ctx)
{
    if (line_is(ctx, "START") && fault_once(fs))
        ctx->drop = 1;
}

/* out-of-order-urc: one UPDATING one below the one before it. */
static void fault_out_of_order(fault_state *fs, hook_ctx *ctx)
{
    if (!line_is(ctx, "UPDATING"))
        return;
    long prev = fs->last;
    fs->last = ctx->code;
    if (prev > 1 && ctx->code > prev && fault_once(fs))
        snprintf(ctx->line, ctx->cap, "+QIND: \"FOTA\",\"UPDATING\",%ld", prev - 1);
}

/* percent-signs: UPDATING values written "37%". */
static void fault_percent_signs(fault_state *fs, hook_ctx *ctx)
{
    if (line_is(ctx, "UPDATING") && fault_fires(fs))
        snprintf(ctx->line, ctx->cap, "+QIND: \"FOTA\",\"UPDATING\",%ld%%", ctx->code);
}

/* truncated-urc: one UPDATING cut short: +QIND: "FOTA","UPD */
static void fault_truncated_urc(fault_state *fs, hook_ctx *ctx)
{
    size_t cut = strlen("+QIND: \"FOTA\",\"UPD");
    if (line_is(ctx, "UPDATING") && ctx->cap > cut && fault_once(fs))
        ctx->line[cut] = '\0';
}

/* stray-bytes: bytes before START, on its line. */
static void fault_stray_bytes(fault_state *fs, hook_ctx *ctx)
{
    char tmp[EM_TEXT_MAX];
    if (!line_is(ctx, "START") || !fault_once(fs))
        return;
    snprintf(tmp, sizeof tmp, "%s", ctx->line);
    snprintf(ctx->line, ctx->cap, "\x7f~%s", tmp);
}

/* extra-codes: END with a code outside the guide's table (default 504). */
static void fault_extra_codes(fault_state *fs, hook_ctx *ctx)
{
    if (line_is(ctx, "END") && fault_fires(fs))
        snprintf(ctx->line, ctx->cap, "+QIND: \"FOTA\",\"END\",%ld", fs->code ? fs->code : 504);
}

/* end-before-100: progress stops below 100 (at `at`, default 100 dropped),
 * END,0 all the same. */
static void fault_end_before_100(fault_state *fs, hook_ctx *ctx)
{
    long from = fs->at_percent >= 0 ? fs->at_percent : 100;
    if (line_is(ctx, "UPDATING") && ctx->code >= from && fault_fires(fs))
        ctx->drop = 1;
}

/* duplicate-urc: one URC of the fault's stage (default START) said twice. */
static void fault_duplicate_urc(fault_state *fs, hook_ctx *ctx)
{
    if (line_is(ctx, fs->stage ? fs->stage : "START") && fault_once(fs))
        ctx->twice = 1;
}

/* overlong-line: a 3000-byte line before START. */
static void fault_overlong_line(fault_state *fs, hook_ctx *ctx)
{
    if (line_is(ctx, "START") && fault_once(fs))
        ctx->long_before = 1;
}

/* two-part-update: a second START in mid-update (at `at`, default 50)
 * with no END and no reboot before it. */
static void fault_two_part_update(fault_state *fs, hook_ctx *ctx)
{
    long at = fs->at_percent >= 0 ? fs->at_percent : 50;
    if (line_is(ctx, "UPDATING") && ctx->code >= at && fault_once(fs))
        ctx->start_before = 1;
}

/* downloading-urcs: DOWNLOADING progress before FTPEND / HTTPEND (a field
 * firmware's habit, not the guide's). */
static void fault_downloading_urcs(fault_state *fs, hook_ctx *ctx)
{
    if ((line_is(ctx, "FTPEND") || line_is(ctx, "HTTPEND")) && fault_fires(fs))
        ctx->downloading = 1;
}

/* urc-cut-by-reboot: the FTPEND / HTTPEND before the reboot is cut off in
 * mid-line by the port going away. */
static void fault_urc_cut_by_reboot(fault_state *fs, hook_ctx *ctx)
{
    if ((line_is(ctx, "FTPEND") || line_is(ctx, "HTTPEND")) && ctx->code == 0 &&
        fault_once(fs))
        ctx->cut = 1;
}

/* reboot-never: the port goes away and never comes back. */
static void fault_reboot_never(fault_state *fs, hook_ctx *ctx)
{
    if (fault_fires(fs))
        ctx->drop = 1;
}

/* reboot-delay: the reboot takes the fault's delay (default 600 s). */
static void fault_reboot_delay(fault_state *fs, hook_ctx *ctx)
{
    if (fault_fires(fs))
        ctx->delay_ns = fs->delay_ns ? fs->delay_ns : 600 * SEC;
}

/* six-retries: after 505 the module retries once more than the guide's five. */
static void fault_six_retries(fault_state *fs, hook_ctx *ctx)
{
    (void)fs;
    ctx->code = DFOTA_RETRY_505_MAX + 1;
}

/* test-error: ERROR to AT+QFOTADL=?. */
static void fault_test_error(fault_state *fs, hook_ctx *ctx)
{
    if (ctx->test && fault_once(fs))
        ctx->error = 1;
}

/* double-final: a second OK right after the OK of AT+QFOTADL="...". */
static void fault_double_final(fault_state *fs, hook_ctx *ctx)
{
    if (!ctx->test && fault_once(fs))
        ctx->twice = 1;
}

/* slow-final-result: the OK of AT+QFOTADL="..." comes the fault's delay
 * (default 10 s) late. */
static void fault_slow_final_result(fault_state *fs, hook_ctx *ctx)
{
    if (!ctx->test && fault_once(fs))
        ctx->delay_ns = fs->delay_ns ? fs->delay_ns : 10 * SEC;
}

/* no-retry: after END with a code retried until success, no reboot and no
 * new START; the module goes back to normal mode. */
static void fault_no_retry(fault_state *fs, hook_ctx *ctx)
{
    (void)fs;
    ctx->no_retry = 1;
}

/* percent-over-100: the UPDATING of 100 says 101. */
static void fault_percent_over_100(fault_state *fs, hook_ctx *ctx)
{
    if (line_is(ctx, "UPDATING") && ctx->code == 100 && fault_once(fs))
        snprintf(ctx->line, ctx->cap, "+QIND: \"FOTA\",\"UPDATING\",101");
}

/* skip-download-start: no FTPSTART / HTTPSTART before the download's end. */
static void fault_skip_download_start(fault_state *fs, hook_ctx *ctx)
{
    if ((line_is(ctx, "FTPSTART") || line_is(ctx, "HTTPSTART")) && fault_fires(fs))
        ctx->drop = 1;
}

/* update-after-dl-fail: a failed download reboots into an update all the same. */
static void fault_update_after_dl_fail(fault_state *fs, hook_ctx *ctx)
{
    if (ctx->code != 0 && fault_once(fs))
        ctx->update = 1;
}

/* no-port-drop: on USB the reboot after the download keeps the port: START
 * comes on the same terminal. */
static void fault_no_port_drop(fault_state *fs, hook_ctx *ctx)
{
    if (ctx->recovery && fault_once(fs))
        ctx->stay = 1;
}

/* no-end: the update reaches 100 and never says END. */
static void fault_no_end(fault_state *fs, hook_ctx *ctx)
{
    if (line_is(ctx, "END") && fault_once(fs))
        ctx->drop = 1;
}

/* http-code: HTTPEND with a code outside chapter 5 (default 799). */
static void fault_http_code(fault_state *fs, hook_ctx *ctx)
{
    if (line_is(ctx, "HTTPEND") && fault_once(fs))
        snprintf(ctx->line, ctx->cap, "+QIND: \"FOTA\",\"HTTPEND\",%ld", fs->code ? fs->code : 799);
}

/* slow-urc: the first URC of the fault's stage (default START; for
 * UPDATING the first at or past `at`) comes the fault's delay (default
 * 600 s) late, and everything the module planned after it with it: a
 * module that stalls. */
static void fault_slow_urc(fault_state *fs, hook_ctx *ctx)
{
    if (!line_is(ctx, fs->stage ? fs->stage : "START"))
        return;
    if (line_is(ctx, "UPDATING") && fs->at_percent >= 0 && ctx->code < fs->at_percent)
        return;
    if (fault_once(fs))
        ctx->later_ns = dfota_time_add(ctx->later_ns, fs->delay_ns ? fs->delay_ns : 600 * SEC);
}

/* slow-rdy: RDY after a boot into normal mode comes the fault's delay
 * (default 120 s) late. */
static void fault_slow_rdy(fault_state *fs, hook_ctx *ctx)
{
    if (!ctx->recovery && fault_once(fs))
        ctx->later_ns = dfota_time_add(ctx->later_ns, fs->delay_ns ? fs->delay_ns : 120 * SEC);
}

/* server-unreachable: the download cannot connect (601 / 701, or the
 * field's detailed code), without a packet sent. */
static void fault_server_unreachable(fault_state *fs, hook_ctx *ctx)
{
    if (fault_fires(fs))
        ctx->drop = 1;
}

/* garbage: a line of bytes no AT parser expects (NUL-free, high bytes,
 * an escape sequence) before the URC of the fault's stage (default START). */
static void fault_garbage(fault_state *fs, hook_ctx *ctx)
{
    if (line_is(ctx, fs->stage ? fs->stage : "START") && fault_once(fs))
        ctx->garbage_before = 1;
}

/* blanks: every FOTA URC written with a blank after each comma, as the
 * guide's own examples and some firmware do: +QIND: "FOTA", "UPDATING", 45 */
static void fault_blanks(fault_state *fs, hook_ctx *ctx)
{
    char tmp[EM_TEXT_MAX];
    size_t o = 0;
    if (!fault_fires(fs))
        return;
    for (const char *p = ctx->line; *p && o + 2 < sizeof tmp; p++) {
        tmp[o++] = *p;
        if (*p == ',' && p[1] != ' ')
            tmp[o++] = ' ';
    }
    tmp[o] = '\0';
    snprintf(ctx->line, ctx->cap, "%s", tmp);
}

static const struct fault_hook fault_hooks[] = {
    {"download-error", HOOK_DOWNLOAD_END, fault_download_error},
    {"update-fail", HOOK_ATTEMPT, fault_update_fail},
    {"accept-invalid", HOOK_COMMAND, fault_accept_invalid},
    {"urc-after-error", HOOK_COMMAND, fault_urc_after_error},
    {"lost-start", HOOK_FOTA_LINE, fault_lost_start},
    {"out-of-order-urc", HOOK_FOTA_LINE, fault_out_of_order},
    {"percent-signs", HOOK_FOTA_LINE, fault_percent_signs},
    {"truncated-urc", HOOK_FOTA_LINE, fault_truncated_urc},
    {"stray-bytes", HOOK_FOTA_LINE, fault_stray_bytes},
    {"extra-codes", HOOK_FOTA_LINE, fault_extra_codes},
    {"end-before-100", HOOK_FOTA_LINE, fault_end_before_100},
    {"duplicate-urc", HOOK_FOTA_LINE, fault_duplicate_urc},
    {"overlong-line", HOOK_FOTA_LINE, fault_overlong_line},
    {"two-part-update", HOOK_FOTA_LINE, fault_two_part_update},
    {"downloading-urcs", HOOK_FOTA_LINE, fault_downloading_urcs},
    {"urc-cut-by-reboot", HOOK_FOTA_LINE, fault_urc_cut_by_reboot},
    {"reboot-never", HOOK_REBOOT, fault_reboot_never},
    {"reboot-delay", HOOK_REBOOT, fault_reboot_delay},
    {"six-retries", HOOK_RETRY, fault_six_retries},
    {"test-error", HOOK_ANSWER, fault_test_error},
    {"double-final", HOOK_ANSWER, fault_double_final},
    {"no-retry", HOOK_RETRY, fault_no_retry},
    {"percent-over-100", HOOK_FOTA_LINE, fault_percent_over_100},
    {"skip-download-start", HOOK_FOTA_LINE, fault_skip_download_start},
    {"update-after-dl-fail", HOOK_DOWNLOAD_END, fault_update_after_dl_fail},
    {"no-port-drop", HOOK_REBOOT, fault_no_port_drop},
    {"slow-final-result", HOOK_ANSWER, fault_slow_final_result},
    {"no-end", HOOK_FOTA_LINE, fault_no_end},
    {"http-code", HOOK_FOTA_LINE, fault_http_code},
    {"slow-urc", HOOK_FOTA_LINE, fault_slow_urc},
    {"slow-rdy", HOOK_REBOOT, fault_slow_rdy},
    {"server-unreachable", HOOK_DOWNLOAD, fault_server_unreachable},
    {"garbage", HOOK_FOTA_LINE, fault_garbage},
    {"blanks", HOOK_FOTA_LINE, fault_blanks},
};

static void run_hooks(dfota_emulator *em, hook_point at, hook_ctx *ctx)
{
    for (size_t i = 0; i < em->n_faults; i++)
        if (em->faults[i].hook->at == at)
            em->faults[i].hook->fn(&em->faults[i], ctx);
}

/* Named profiles: the manners FIELD-QUIRKS describes, each the field's
 * detailed codes and the faults that make it. */
#define PROFILE_FAULTS_MAX 3

static const struct {
    const char *name, *about;
    struct {
        const char *kind;
        long code;
        int at;
    } faults[PROFILE_FAULTS_MAX];
} named_profiles[] = {
    {"lowend", "low-end families: DOWNLOADING progress, % signs, blanks",
     {{"downloading-urcs", 0, -1}, {"percent-signs", 0, -1}, {"blanks", 0, -1}}},
    {"usb-lost-start", "START sent before the host has the USB port back",
     {{"lost-start", 0, -1}, {NULL, 0, -1}, {NULL, 0, -1}}},
    {"two-part", "a second START at 60 %, no END between (two parts)",
     {{"two-part-update", 0, 60}, {NULL, 0, -1}, {NULL, 0, -1}}},
    {"vendor-codes", "END with 504, a code outside chapter 6",
     {{"extra-codes", 504, -1}, {NULL, 0, -1}, {NULL, 0, -1}}},
    {"cut-urcs", "the URC before the reboot cut, stray bytes before START",
     {{"urc-cut-by-reboot", 0, -1}, {"stray-bytes", 0, -1}, {NULL, 0, -1}}},
};

const char *dfota_emulator_profile_name(size_t i, const char **about)
{
    if (i >= sizeof named_profiles / sizeof named_profiles[0])
        return NULL;
    if (about)
        *about = named_profiles[i].about;
    return named_profiles[i].name;
}

static int named_profile(const char *name)
{
    for (size_t i = 0; name && i < sizeof named_profiles / sizeof named_profiles[0]; i++)
        if (strcmp(named_profiles[i].name, name) == 0)
            return (int)i;
    return -1;
}

int dfota_emulator_profile_known(const char *name)
{
    return name && (strcmp(name, "strict") == 0 || strcmp(name, "field") == 0 ||
                    named_profile(name) >= 0);
}

static const struct fault_hook *fault_hook_of(const char *kind)
{
    for (size_t k = 0; kind && k < sizeof fault_hooks / sizeof fault_hooks[0]; k++)
        if (strcmp(kind, fault_hooks[k].kind) == 0)
            return &fault_hooks[k];
    return NULL;
}

/* The named profile's faults, after the spec's. */
static dfota_err profile_faults_load(dfota_emulator *em, int p, char *err, size_t errlen)
{
    for (size_t i = 0; p >= 0 && i < PROFILE_FAULTS_MAX && named_profiles[p].faults[i].kind; i++) {
        const struct fault_hook *hook = fault_hook_of(named_profiles[p].faults[i].kind);
        if (!hook || em->n_faults == EM_FAULTS_MAX) {
            dfota_errf(err, errlen, "profile %s: cannot play its fault %s", named_profiles[p].name,
                    named_profiles[p].faults[i].kind);
            return DFOTA_E_INPUT;
        }
        em->faults[em->n_faults++] = (fault_state){hook, named_profiles[p].faults[i].code,
                                                   named_profiles[p].faults[i].at, 0, 0, 0,
                                                   NULL, 0};
    }
    return DFOTA_OK;
}

static dfota_err faults_load(dfota_emulator *em, const dfota_emulator_spec *spec, char *err,
                             size_t errlen)
{
    for (size_t i = 0; spec && i < spec->n_faults && i < EM_FAULTS_MAX; i++) {
        const dfota_fault *f = &spec->faults[i];
        const struct fault_hook *hook = fault_hook_of(f->kind);
        if (!hook) {
            dfota_errf(err, errlen, "line %lu: the emulator cannot play fault '%s' yet",
                    f->line, f->kind ? f->kind : "");
            return DFOTA_E_INPUT;
        }
        fault_state *fs = &em->faults[em->n_faults++];
        *fs = (fault_state){hook, f->code, f->at_percent, f->times, 0, f->delay_ns, f->stage, 0};
    }
    return DFOTA_OK;
}

/* ---- the update flow ----------------------------------------------------- */

static const struct {
    int64_t after;
    const char *text;
} boot_lines[] = {
    {1400 * MS, "+CPIN: READY"}, {100 * MS, "+QUSIM: 1"}, {50 * MS, "+CFUN: 1"},
    {2600 * MS, "+QIND: PB DONE"}, {400 * MS, "+QIND: SMS DONE"},
};

/* Power off after off_ns, the port away for reboot_ns, then recovery
 * (START follows) or normal mode (RDY and the boot chatter). On a UART the
 * port stays and RDY marks every boot. */
static void plan_reboot(dfota_emulator *em, int recovery, int64_t off_ns)
{
    hook_ctx c = {.delay_ns = em->reboot_ns, .recovery = recovery};
    run_hooks(em, HOOK_REBOOT, &c);
    if (c.stay && recovery) {
        plan(em, dfota_time_add3(off_ns, c.delay_ns, T_RECOVERY), A_RECOVERY, NULL);
        return;
    }
    plan(em, off_ns, A_POWER_OFF, NULL);
    if (c.drop)
        return;
    plan(em, c.delay_ns, A_POWER_ON, NULL);
    if (recovery) {
        if (em->uart)
            plan_say(em, T_RDY, "RDY");
        plan(em, em->uart ? T_RECOVERY - T_RDY : T_RECOVERY, A_RECOVERY, NULL);
        return;
    }
    plan_say(em, dfota_time_add(T_RDY, c.later_ns), "RDY");
    plan(em, 0, A_NORMAL, NULL);
    for (size_t i = 0; i < sizeof boot_lines / sizeof boot_lines[0]; i++)
        plan_say(em, boot_lines[i].after, boot_lines[i].text);
}

/* UPDATING URCs up to the percent, progress_urcs of them for a whole
 * update (by default 10: 1, 12, 23 ... 100). */
static void plan_progress(dfota_emulator *em, int upto)
{
    int n = em->progress_urcs;
    for (int k = 0; k < n; k++) {
        int pct = 1 + k * 99 / (n - 1);
        if (pct >= upto)
            break;
        plan_fota(em, em->step_ns, "UPDATING", pct, 1);
    }
    if (upto > 0)
        plan_fota(em, em->step_ns, "UPDATING", upto, 1);
}

/* After END,<code>: 505 retries five times, 520-530 and 540-546 until
 * success (chapter 6); anything else goes back to normal mode. */
static int retry_after(dfota_emulator *em, long code)
{
    hook_ctx c = {.code = DFOTA_RETRY_505_MAX};
    run_hooks(em, HOOK_RETRY, &c);
    if (code == 505)
        return em->retries_505 < c.code ? ++em->retries_505 : 0;
    if (c.no_retry && code != 0 && dfota_spec_code_retried(code))
        return -1;
    return code != 0 && dfota_spec_code_retried(code);
}

static void plan_attempt(dfota_emulator *em)
{
    hook_ctx c = {.code = pkg_verdict(em), .percent = 100};
    if (c.code != 0)
        c.percent = 1; /* the package check fails early */
    run_hooks(em, HOOK_ATTEMPT, &c);
    if (c.code == 0)
        c.percent = 100;
    plan_fota(em, 0, "START", 0, 0);
    plan_progress(em, c.percent);
    plan_fota(em, em->step_ns, "END", c.code, 1);
    if (c.code == 0)
        plan(em, 0, A_FIRMWARE, NULL);
    int retry = retry_after(em, c.code);
    if (retry < 0)
        plan(em, 0, A_NORMAL, NULL); /* no-retry: no reboot, no new START */
    else
        plan_reboot(em, retry, T_POWER_OFF);
}

/* ---- downloads ----------------------------------------------------------- */

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
    dfota_emulator *em = ud;
    size_t len = size * n;
    int64_t limit = em->free_space < EM_PKG_MEMORY_MAX ? em->free_space : EM_PKG_MEMORY_MAX;
    if ((uint64_t)em->pkg.len + len > (uint64_t)limit) {
        em->dl_no_space = 1;
        return 0;
    }
    return buf_append(&em->pkg, p, len) == 0 ? len : 0;
}

/* FTP failures in detail (FIELD-QUIRKS: the vendor's FTP codes). */
static long ftp_detail(CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST: return 604;
    case CURLE_COULDNT_CONNECT: return 605;
    case CURLE_OPERATION_TIMEDOUT: return 609;
    case CURLE_LOGIN_DENIED: return 625;
    case CURLE_REMOTE_FILE_NOT_FOUND: return 611;
    case CURLE_REMOTE_ACCESS_DENIED: return 627;
    case CURLE_FTP_ACCEPT_FAILED:
    case CURLE_FTP_CANT_GET_HOST:
    case CURLE_FTP_WEIRD_PASV_REPLY: return 615;
    case CURLE_PARTIAL_FILE: return 607;
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR: return 606;
    case CURLE_FTP_WEIRD_SERVER_REPLY: return 620;
    default: return 601;
    }
}

/* HTTP failures in detail (FIELD-QUIRKS: the vendor's HTTP codes). */
static long http_detail(CURLcode rc, long status)
{
    switch (rc) {
    case CURLE_HTTP_RETURNED_ERROR: return status == 404 ? 711 : 723;
    case CURLE_URL_MALFORMAT: return 711;
    case CURLE_COULDNT_RESOLVE_HOST: return 714;
    case CURLE_COULDNT_CONNECT: return 716;
    case CURLE_OPERATION_TIMEDOUT: return 702;
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE: return 717;
    case CURLE_SEND_ERROR: return 718;
    case CURLE_GOT_NOTHING: return 719;
    default: return 701;
    }
}

static long download_code(const dfota_emulator *em, CURLcode rc)
{
    long status = 0;
    if (rc == CURLE_OK)
        return 0;
    if (em->dl_no_space || rc == CURLE_FILESIZE_EXCEEDED)
        return 511;
    if (!em->field)
        return em->dl_ftp ? 601 : 701;
    if (em->easy)
        curl_easy_getinfo(em->easy, CURLINFO_RESPONSE_CODE, &status);
    return em->dl_ftp ? ftp_detail(rc) : http_detail(rc, status);
}

static void download_done(dfota_emulator *em, CURLcode rc)
{
    hook_ctx c = {.code = download_code(em, rc), .ftp = em->dl_ftp};
    if (em->easy) {
        curl_multi_remove_handle(em->multi, em->easy);
        curl_easy_cleanup(em->easy);
        em->easy = NULL;
    }
    run_hooks(em, HOOK_DOWNLOAD_END, &c);
    plan_fota(em, 0, em->dl_ftp ? "FTPEND" : "HTTPEND", c.code, 1);
    if (c.code == 0 || c.update)
        plan_reboot(em, 1, T_POWER_OFF);
    else
        plan(em, 0, A_NORMAL, NULL);
}

/* The loopback guard: libcurl asks before it opens each socket. */
static curl_socket_t open_loopback_only(void *clientp, curlsocktype purpose,
                                        struct curl_sockaddr *addr)
{
    (void)clientp;
    (void)purpose;
    int ok = 0;
    if (addr->family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)&addr->addr;
        ok = (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    } else if (addr->family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)&addr->addr;
        ok = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
    }
    if (!ok)
        return CURL_SOCKET_BAD; /* the download fails like an unreachable server */
    return socket(addr->family, addr->socktype, addr->protocol);
}

static int download_setup(dfota_emulator *em, CURL *e)
{
    if ((em->connect_to && curl_easy_setopt(e, CURLOPT_CONNECT_TO, em->connect_to) != CURLE_OK) ||
        (em->loopback_only &&
         curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_loopback_only) != CURLE_OK))
        return 1;
    /* Scaled like every module delay, but never under what a loopback
     * server needs to answer. On a virtual clock a download takes no module
     * time at all, and a stalled server is given 5 s of wall time. */
    int64_t patience = dfota_clock_is_virtual(em->clock) ? 5000
                                                          : dfota_clock_to_wall(em->clock, 60 * SEC) / MS;
    long connect_ms = patience > 2000 ? (long)patience : 2000;
    long stall_s = patience / 1000 > 1 ? (long)(patience / 1000) : 1;
    const char *protocols = text_starts_ci(em->url, strlen(em->url), "https:") ? "ftp,http,https"
                                                                                : "ftp,http";
    /* The URL as the module reads it, not as libcurl would (fetch_url.c). */
    char *url = NULL;
    if (dfota_emulator_fetch_url(em->url, strlen(em->url), &url) != DFOTA_OK)
        return 1;
    int bad = curl_easy_setopt(e, CURLOPT_URL, url) != CURLE_OK; /* libcurl keeps a copy */
    free(url);
    return bad ||
           curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, protocols) != CURLE_OK ||
           curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
           curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
           curl_easy_setopt(e, CURLOPT_FAILONERROR, 1L) != CURLE_OK ||
           curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, connect_ms) != CURLE_OK ||
           curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L) != CURLE_OK ||
           curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, stall_s) != CURLE_OK ||
           curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)em->free_space) != CURLE_OK ||
           curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data) != CURLE_OK ||
           curl_easy_setopt(e, CURLOPT_WRITEDATA, em) != CURLE_OK;
}

static void download_start(dfota_emulator *em)
{
    hook_ctx c = {.ftp = em->dl_ftp};
    buf_free(&em->pkg);
    em->dl_no_space = 0;
    run_hooks(em, HOOK_DOWNLOAD, &c);
    if (c.drop) {
        download_done(em, CURLE_COULDNT_CONNECT); /* the server-unreachable fault */
        return;
    }
    CURL *e = curl_easy_init();
    if (!e || download_setup(em, e) != 0 || curl_multi_add_handle(em->multi, e) != CURLM_OK) {
        curl_easy_cleanup(e);
        download_done(em, CURLE_FAILED_INIT);
        return;
    }
    em->easy = e;
}

/* Lets libcurl work; true when the download ended. */
static int download_poll(dfota_emulator *em)
{
    int running = 0, left = 0;
    if (!em->easy)
        return 0;
    curl_multi_perform(em->multi, &running);
    for (CURLMsg *m; (m = curl_multi_info_read(em->multi, &left)) != NULL;)
        if (m->msg == CURLMSG_DONE && m->easy_handle == em->easy) {
            download_done(em, m->data.result);
            return 1;
        }
    return 0;
}

/* ---- the module's file system (UFS) -------------------------------------- */

/* The host path of a UFS file name; 0 when the name is not a plain file
 * name (no folders, no way out of the UFS folder). */
static int ufs_path(const dfota_emulator *em, const char *name, size_t n, char *out, size_t cap)
{
    if (n == 0 || memchr(name, '/', n) || memchr(name, '\0', n) || (n == 1 && name[0] == '.') ||
        (n == 2 && name[0] == '.' && name[1] == '.'))
        return 0;
    int w = snprintf(out, cap, "%s/%.*s", em->ufs, (int)n, name);
    return w > 0 && (size_t)w < cap;
}

static int ufs_read(const char *path, buffer *b)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    uint8_t chunk[8192];
    ssize_t r = 0;
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > EM_PKG_MEMORY_MAX)
        goto fail;
    while ((r = read(fd, chunk, sizeof chunk)) > 0)
        if (buf_append(b, chunk, (size_t)r) != 0)
            goto fail;
    if (r < 0)
        goto fail;
    close(fd);
    return 0;
fail:
    close(fd);
    buf_free(b);
    return -1;
}

/* ---- AT+QFOTADL ---------------------------------------------------------- */

/* A field form the emulator can act on (newer firmware): HTTPS, /cache/ufs/
 * and arguments after the URL. Typographic quotes are a paste tool's damage
 * and FILE: streaming is not played. */
static int accepted(const dfota_emulator *em, const dfota_arg_check *chk)
{
    if (chk->cls == DFOTA_ARG_VALID)
        return 1;
    if (!em->field || chk->cls != DFOTA_ARG_FIELD || chk->typographic || !chk->quirk)
        return 0;
    return strcmp(chk->quirk, "https-url") == 0 || strcmp(chk->quirk, "cache-ufs-path") == 0 ||
           strcmp(chk->quirk, "extra-arguments") == 0;
}

/* The OK of an accepted AT+QFOTADL="...", as the faults leave it. */
static void fotadl_ok(dfota_emulator *em)
{
    hook_ctx c = {0};
    run_hooks(em, HOOK_ANSWER, &c);
    if (c.delay_ns > 0) {
        plan_say(em, c.delay_ns, "OK");
        return;
    }
    at_ok(em);
    if (c.twice)
        at_ok(em);
}

static void fotadl_remote(dfota_emulator *em, const char *url, size_t n, int ftp)
{
    if (n >= sizeof em->url) {
        at_error(em, 0);
        return;
    }
    memcpy(em->url, url, n);
    em->url[n] = '\0';
    em->dl_ftp = ftp;
    em->mode = MODE_BUSY;
    fotadl_ok(em);
    plan_fota(em, T_DOWNLOAD_START, ftp ? "FTPSTART" : "HTTPSTART", 0, 0);
    plan(em, 0, A_DOWNLOAD, NULL);
}

/* A package already in the UFS: no download, the module reboots into
 * recovery at once. A name that is not there cannot start. */
static void fotadl_local(dfota_emulator *em, const char *name, size_t n)
{
    size_t prefix = text_starts_ci(name, n, DFOTA_LOCAL_PREFIX) ? strlen(DFOTA_LOCAL_PREFIX)
                                                                 : strlen("/cache/ufs/");
    char path[EM_PATH_MAX + 256];
    buf_free(&em->pkg);
    if (n <= prefix || !ufs_path(em, name + prefix, n - prefix, path, sizeof path) ||
        ufs_read(path, &em->pkg) != 0) {
        at_error(em, 405); /* file not found */
        return;
    }
    em->mode = MODE_BUSY;
    fotadl_ok(em);
    plan_reboot(em, 1, T_LOCAL_REBOOT);
}

static void at_fotadl_write(dfota_emulator *em, const char *arg, size_t n)
{
    dfota_arg_check chk;
    dfota_spec_check_arg(arg, n, &chk);
    const char *close = n > 1 && arg[0] == '"' ? memchr(arg + 1, '"', n - 1) : NULL;
    hook_ctx c = {0};
    if (!accepted(em, &chk) && close && em->mode == MODE_IDLE)
        run_hooks(em, HOOK_COMMAND, &c);
    if ((!accepted(em, &chk) && !c.accept) || !close || em->mode != MODE_IDLE) {
        at_error(em, 0);
        if (c.urc)
            plan_fota(em, T_DOWNLOAD_START, "FTPSTART", 0, 0);
        return;
    }
    const char *s = arg + 1;
    size_t sn = (size_t)(close - s);
    switch (chk.proto) {
    case DFOTA_PROTO_LOCAL: fotadl_local(em, s, sn); break;
    case DFOTA_PROTO_FTP: fotadl_remote(em, s, sn, 1); break;
    case DFOTA_PROTO_HTTP:
    case DFOTA_PROTO_HTTPS: fotadl_remote(em, s, sn, 0); break;
    default: at_error(em, 0); break;
    }
}

/* ---- the AT interpreter -------------------------------------------------- */

static void at_plain(dfota_emulator *em, const char *rest, size_t n)
{
    (void)rest;
    if (n == 0)
        at_ok(em);
    else
        at_error(em, 0);
}

static void at_echo(dfota_emulator *em, const char *rest, size_t n)
{
    if (n > 1 || (n == 1 && rest[0] != '0' && rest[0] != '1')) {
        at_error(em, 0);
        return;
    }
    em->echo = n == 1 && rest[0] == '1';
    at_ok(em);
}

static void at_ati(dfota_emulator *em, const char *rest, size_t n)
{
    char text[EM_MODEL_MAX + EM_VERSION_MAX + 48];
    if (n > 1 || (n == 1 && rest[0] != '0')) {
        at_error(em, 0);
        return;
    }
    snprintf(text, sizeof text, "Quectel\r\n%s\r\nRevision: %s", em->model, em->firmware);
    out_line(em, text);
    at_ok(em);
}

static void at_qgmr(dfota_emulator *em, const char *rest, size_t n)
{
    (void)rest;
    if (n != 0) {
        at_error(em, 0);
        return;
    }
    out_line(em, em->firmware);
    at_ok(em);
}

static void at_cmee(dfota_emulator *em, const char *rest, size_t n)
{
    char line[24];
    if (n == 2 && rest[0] == '=' && rest[1] >= '0' && rest[1] <= '2') {
        em->cmee = rest[1] - '0';
        at_ok(em);
    } else if (n == 1 && rest[0] == '?') {
        snprintf(line, sizeof line, "+CMEE: %d", em->cmee);
        out_line(em, line);
        at_ok(em);
    } else if (n == 2 && rest[0] == '=' && rest[1] == '?') {
        out_line(em, "+CMEE: (0-2)");
        at_ok(em);
    } else {
        at_error(em, 0);
    }
}

static void at_qfotadl(dfota_emulator *em, const char *rest, size_t n)
{
    if (n == 2 && rest[0] == '=' && rest[1] == '?') {
        hook_ctx c = {.test = 1};
        run_hooks(em, HOOK_ANSWER, &c);
        if (c.error)
            at_error(em, 0);
        else
            at_ok(em);
    } else if (n >= 1 && rest[0] == '=')
        at_fotadl_write(em, rest + 1, n - 1);
    else
        at_error(em, 0); /* the read and execution forms are not in the guide */
}

/* ---- AT+QFLST and AT+QFDEL ----------------------------------------------- */

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A name that can be listed inside quotes and named back in a command. */
static int listable(const char *name)
{
    if (name[0] == '.' || strlen(name) > DFOTA_LOCAL_NAME_MAX)
        return 0;
    for (const char *p = name; *p; p++)
        if (*p < ' ' || *p > '~' || *p == '"')
            return 0;
    return 1;
}

static void ufs_list(dfota_emulator *em, const char *only, size_t only_len)
{
    char *names[EM_UFS_LIST_MAX];
    size_t n = 0;
    DIR *d = opendir(em->ufs);
    for (struct dirent *e; d && n < EM_UFS_LIST_MAX && (e = readdir(d)) != NULL;)
        if (listable(e->d_name) &&
            (!only || (strlen(e->d_name) == only_len && memcmp(only, e->d_name, only_len) == 0)))
            if ((names[n] = strdup(e->d_name)) != NULL)
                n++;
    if (d)
        closedir(d);
    qsort(names, n, sizeof names[0], name_cmp);
    for (size_t i = 0; i < n; i++) {
        char path[EM_PATH_MAX + 256], line[DFOTA_LOCAL_NAME_MAX + 64];
        struct stat st;
        if (ufs_path(em, names[i], strlen(names[i]), path, sizeof path) && stat(path, &st) == 0 &&
            S_ISREG(st.st_mode)) {
            snprintf(line, sizeof line, "+QFLST: \"UFS:%s\",%lld", names[i], (long long)st.st_size);
            out_line(em, line);
        }
        free(names[i]);
    }
}

/* The name inside ="..." with an optional UFS: prefix; 0 when not of that form. */
static int file_arg(const char *rest, size_t n, const char **name, size_t *len)
{
    if (n < 3 || rest[0] != '=' || rest[1] != '"' || rest[n - 1] != '"')
        return 0;
    *name = rest + 2;
    *len = n - 3;
    if (text_starts_ci(*name, *len, "UFS:")) {
        *name += 4;
        *len -= 4;
    }
    return 1;
}

static void at_qflst(dfota_emulator *em, const char *rest, size_t n)
{
    const char *name = NULL;
    size_t len = 0;
    if (n != 0 && !file_arg(rest, n, &name, &len)) {
        at_error(em, 0);
        return;
    }
    if (name && len == 1 && name[0] == '*')
        name = NULL;
    ufs_list(em, name, len);
    at_ok(em);
}

static int ufs_delete_all(const dfota_emulator *em)
{
    DIR *d = opendir(em->ufs);
    if (!d)
        return -1;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        char path[EM_PATH_MAX + 256];
        struct stat st;
        if (e->d_name[0] != '.' &&
            ufs_path(em, e->d_name, strlen(e->d_name), path, sizeof path) &&
            lstat(path, &st) == 0 && S_ISREG(st.st_mode))
            unlink(path);
    }
    closedir(d);
    return 0;
}

static void at_qfdel(dfota_emulator *em, const char *rest, size_t n)
{
    const char *name;
    size_t len;
    char path[EM_PATH_MAX + 256];
    if (!file_arg(rest, n, &name, &len) || len == 0) {
        at_error(em, 0);
        return;
    }
    if (len == 1 && name[0] == '*') {
        ufs_delete_all(em);
        at_ok(em);
    } else if (!ufs_path(em, name, len, path, sizeof path) || unlink(path) != 0) {
        at_error(em, 405); /* file not found */
    } else {
        at_ok(em);
    }
}

/* ---- AT+QFUPL ------------------------------------------------------------ */

/* AT+QFUPL="UFS:<name>"[,<file_size>[,<timeout>[,<ackmode>]]] answers
 * CONNECT, takes exactly <file_size> raw bytes (no echo, no framing), then
 * answers +QFUPL: <upload_size>,<checksum> and OK. As the vendor's FILE AT
 * commands manuals (BG96, UGxx, EC2x/EG9x) give it: <file_size> defaults
 * to 10240, <timeout> to 5 s, the name is at most 80 bytes, <ackmode> 1
 * sends 'A' after each 1 KiB; the checksum is the 16-bit XOR of the data
 * as big-endian words, an odd last byte being the high half ("If the number
 * of the characters is odd, set the last character as the high 8 bit, and
 * the low 8 bit as 0", dfota_ufs_checksum). It is printed as four
 * lowercase hex digits, as hosts compare it (e.g. "%02x%02x" of the two
 * XORed bytes in public host code that matches "+QFUPL: <n>,<sum>").
 * Error codes (+CME ERROR after AT+CMEE=1, else ERROR), as Quectel's own
 * host code lists the file errors (at_file_errcode_parse of its BG95
 * filesystem driver): 406 invalid file name, 407 file already exists, 409
 * fail to write the file, 420 no space, 421 time out. Here the timeout is
 * a pause of <timeout> module seconds in the data, after which the partial
 * file is removed. "+++" does not end the data: a package may hold it. */

/* A UFS name AT+QFUPL may create: plain, listable by AT+QFLST. */
static int upload_name_ok(const char *name, size_t n)
{
    if (n == 0 || n > DFOTA_UFS_NAME_MAX || name[0] == '.')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (name[i] < ' ' || name[i] > '~' || name[i] == '"' || name[i] == '/' ||
            name[i] == '\\' || (name[i] == '.' && i + 1 < n && name[i + 1] == '.'))
            return 0;
    return 1;
}

/* ",<decimal>" at *p (below rest + n) into *v within [lo, hi]; 1 when there
 * was one, 0 when the text ends, -1 when malformed. */
static int upload_number(const char **p, const char *end, long long lo, long long hi,
                         long long *v)
{
    const char *q = *p;
    long long x = 0;
    if (q == end)
        return 0;
    if (*q++ != ',' || q == end || *q < '0' || *q > '9')
        return -1;
    for (; q < end && *q >= '0' && *q <= '9'; q++)
        if ((x = x * 10 + (*q - '0')) > hi)
            return -1;
    if (x < lo)
        return -1;
    *v = x;
    *p = q;
    return 1;
}

/* ="[UFS:]<name>"[,<size>[,<timeout>[,<ackmode>]]]: 1 when of that form. */
static int upload_args(const char *rest, size_t n, const char **name, size_t *len,
                       long long *size, long long *timeout, long long *ack)
{
    const char *end = rest + n, *close;
    if (n < 3 || rest[0] != '=' || rest[1] != '"' ||
        !(close = memchr(rest + 2, '"', n - 2)))
        return 0;
    *name = rest + 2;
    *len = (size_t)(close - *name);
    if (text_starts_ci(*name, *len, "UFS:")) {
        *name += 4;
        *len -= 4;
    }
    const char *p = close + 1;
    int r = upload_number(&p, end, 1, 1LL << 40, size);
    if (r == 1)
        r = upload_number(&p, end, 1, 65535, timeout);
    if (r == 1)
        r = upload_number(&p, end, 0, 1, ack);
    return r >= 0 && p == end;
}

/* Bytes in the UFS folder's regular files. */
static int64_t ufs_used(const dfota_emulator *em)
{
    int64_t used = 0;
    DIR *d = opendir(em->ufs);
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
        char path[EM_PATH_MAX + 256];
        struct stat st;
        if (ufs_path(em, e->d_name, strlen(e->d_name), path, sizeof path) &&
            lstat(path, &st) == 0 && S_ISREG(st.st_mode))
            used += (int64_t)st.st_size;
    }
    if (d)
        closedir(d);
    return used;
}

/* Ends an upload: the result (cme 0) or the error, whose file goes. */
static void upload_end(dfota_emulator *em, int cme)
{
    char line[64];
    close(em->up.fd);
    em->up.fd = -1;
    if (cme) {
        unlink(em->up.path);
        at_error(em, cme);
        return;
    }
    snprintf(line, sizeof line, "+QFUPL: %lld,%04x", (long long)em->up.done,
             (unsigned)em->up.sum);
    out_line(em, line);
    at_ok(em);
}

/* The module goes away during an upload: the partial file goes too. */
static void upload_abort(dfota_emulator *em)
{
    if (em->up.fd < 0)
        return;
    close(em->up.fd);
    em->up.fd = -1;
    unlink(em->up.path);
}

/* Takes up to n bytes of the upload; returns how many it took. */
static size_t upload_take(dfota_emulator *em, const uint8_t *p, size_t n)
{
    int64_t left = em->up.size - em->up.done;
    size_t k = (int64_t)n < left ? n : (size_t)left;
    for (size_t w = 0; w < k;) {
        ssize_t r = write(em->up.fd, p + w, k - w);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            upload_end(em, 409); /* fail to write the file */
            return k;
        }
        w += (size_t)r;
    }
    em->up.sum = dfota_ufs_checksum(em->up.sum, (uint64_t)em->up.done, p, k);
    for (int64_t b = em->up.done / EM_QFUPL_ACK_BLOCK;
         em->up.ack && b < (em->up.done + (int64_t)k) / EM_QFUPL_ACK_BLOCK; b++)
        out_bytes(em, "A", 1);
    em->up.done += (int64_t)k;
    em->up.deadline = dfota_time_add(now_ns(em), em->up.idle_ns);
    if (em->up.done == em->up.size)
        upload_end(em, 0);
    return k;
}

/* The pause in the data has lasted <timeout>: 1 when it ended the upload. */
static int upload_idle(dfota_emulator *em)
{
    if (em->up.fd < 0 || now_ns(em) < em->up.deadline)
        return 0;
    upload_end(em, 421); /* time out */
    return 1;
}

static void at_qfupl(dfota_emulator *em, const char *rest, size_t n)
{
    const char *name;
    size_t len;
    long long size = EM_QFUPL_SIZE_DEFAULT, timeout = EM_QFUPL_TIMEOUT_DEFAULT, ack = 0;
    char line[96];
    if (n == 2 && rest[0] == '=' && rest[1] == '?') {
        int64_t free_now = em->free_space - ufs_used(em);
        snprintf(line, sizeof line, "+QFUPL: <filename>,(1-%lld),(1-65535),(0,1)",
                 (long long)(free_now > 0 ? free_now : 0));
        out_line(em, line);
        at_ok(em);
        return;
    }
    if (!upload_args(rest, n, &name, &len, &size, &timeout, &ack)) {
        at_error(em, 0);
        return;
    }
    if (!upload_name_ok(name, len) ||
        !ufs_path(em, name, len, em->up.path, sizeof em->up.path)) {
        at_error(em, 406); /* invalid file name */
        return;
    }
    if (size > em->free_space - ufs_used(em)) {
        at_error(em, 420); /* no space */
        return;
    }
    em->up.fd = open(em->up.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (em->up.fd < 0) {
        at_error(em, errno == EEXIST ? 407 : 409); /* file exists; fail to write */
        return;
    }
    em->up.size = size;
    em->up.done = 0;
    em->up.sum = 0;
    em->up.ack = ack == 1;
    em->up.idle_ns = timeout * SEC;
    em->up.deadline = dfota_time_add(now_ns(em), em->up.idle_ns);
    out_line(em, "CONNECT");
}

/* ---- the command table --------------------------------------------------- */

typedef void (*at_fn)(dfota_emulator *em, const char *rest, size_t n);

/* Matched in order on what follows "AT", ignoring case; the handler gets
 * what follows the name. Plain "AT" is last. */
static const struct {
    const char *name;
    at_fn fn;
} at_commands[] = {
    {"+QFOTADL", at_qfotadl}, {"+QGMR", at_qgmr}, {"+CMEE", at_cmee},
    {"+QFLST", at_qflst},     {"+QFDEL", at_qfdel}, {"+QFUPL", at_qfupl},
    {"E", at_echo},
    {"I", at_ati},            {"", at_plain},
};

/* Answers a host can count on from any module, canned (NULL: the model). */
static const struct {
    const char *command, *answer;
} at_canned[] = {
    {"+CREG?", "+CREG: 0,1"}, {"+CSQ", "+CSQ: 24,99"}, {"+CPIN?", "+CPIN: READY"},
    {"+CFUN?", "+CFUN: 1"},   {"+CGMM", NULL},         {"+CGMI", "Quectel"},
};

static int at_canned_answer(dfota_emulator *em, const char *rest, size_t n)
{
    for (size_t i = 0; i < sizeof at_canned / sizeof at_canned[0]; i++)
        if (text_equals_ci(rest, n, at_canned[i].command)) {
            out_line(em, at_canned[i].answer ? at_canned[i].answer : em->model);
            at_ok(em);
            return 1;
        }
    return 0;
}

static void at_line(dfota_emulator *em, const char *line, size_t len, unsigned flags)
{
    if (flags & DFOTA_EV_OVERLONG) {
        at_error(em, 0);
        return;
    }
    if (len < 2 || !text_starts_ci(line, len, "AT"))
        return; /* a module ignores what does not start with AT */
    const char *rest = line + 2;
    size_t n = len - 2;
    if (at_canned_answer(em, rest, n))
        return;
    for (size_t i = 0; i < sizeof at_commands / sizeof at_commands[0]; i++) {
        size_t k = strlen(at_commands[i].name);
        if (text_starts_ci(rest, n, at_commands[i].name)) {
            at_commands[i].fn(em, rest + k, n - k);
            return;
        }
    }
}

/* ---- input from the host ------------------------------------------------- */

/* Echoes and frames bytes a line at a time, so that ATE0 stops the echo
 * of what follows it, as on the module. CR ends a command (S3); a lone LF
 * does too, which the module would ignore, so that line-oriented tools
 * (socat with a here-document) can talk to it. Bytes after an AT+QFUPL's
 * CONNECT are the file's: neither echoed, framed nor recorded. */
static void host_bytes(dfota_emulator *em, const uint8_t *p, size_t n)
{
    while (n > 0) {
        if (em->up.fd >= 0) {
            size_t k = upload_take(em, p, n);
            p += k;
            n -= k;
            continue;
        }
        size_t seg = 0;
        while (seg < n && p[seg] != '\r' && p[seg] != '\n')
            seg++;
        seg += seg < n;
        record_bytes(em, em->rec_host, DFOTA_DIR_HOST, p, seg);
        if (em->echo)
            out_bytes(em, p, seg);
        dfota_framer_push(em->framer, p, seg);
        const char *line;
        size_t len, full;
        unsigned flags;
        while (dfota_framer_next(em->framer, &line, &len, &full, &flags))
            at_line(em, line, len, flags);
        p += seg;
        n -= seg;
    }
}

static int read_host(dfota_emulator *em)
{
    uint8_t buf[1024];
    int happened = 0;
    for (int i = 0; i < 16 && em->master >= 0; i++) {
        ssize_t r = read(em->master, buf, sizeof buf);
        if (r <= 0)
            break; /* EAGAIN, or EIO: no host has the terminal open */
        happened = 1;
        dfota_clock_wire_taken(em->clock, DFOTA_WIRE_TO_MODULE, (size_t)r);
        host_sync(em);
        if (em->on_event && em->ino < 0)
            record_host(em, 1); /* it wrote: it has the port open, whatever poll said */
        if (em->mode == MODE_IDLE || em->mode == MODE_BUSY)
            host_bytes(em, buf, (size_t)r); /* records what is not upload data */
        else
            record_bytes(em, em->rec_host, DFOTA_DIR_HOST, buf, (size_t)r);
    }
    return happened;
}

/* ---- running actions ----------------------------------------------------- */

static void framer_reset(dfota_framer *f)
{
    const char *line;
    size_t len, full;
    unsigned flags;
    (void)dfota_framer_flush(f, &line, &len, &full, &flags);
}

static dfota_err act(dfota_emulator *em, const action *a, char *err, size_t errlen)
{
    switch (a->kind) {
    case A_SAY: out_line(em, a->text); break;
    case A_LONG: out_long(em); break;
    case A_CUT:
        out_bytes(em, "\r\n", 2);
        out_bytes(em, a->text, strlen(a->text));
        break;
    case A_POWER_OFF:
        em->mode = MODE_OFF;
        upload_abort(em);
        if (!em->uart) {
            port_close(em);
            record_flush(em, em->rec_module, DFOTA_DIR_MODULE);
            record_flush(em, em->rec_host, DFOTA_DIR_HOST);
            em->host_attached = 0;
            emit_note(em, dfota_harness_event_name(DFOTA_HEV_PORT_LOST));
        }
        break;
    case A_POWER_ON:
        em->echo = 1;
        em->cmee = 0;
        framer_reset(em->framer);
        if (!em->uart) {
            if (dfota_clock_kind_of(em->clock) == DFOTA_CLOCK_SCALED) {
                em->reopen_wall = dfota_wall_ns();
                em->reopen_due = em->acting_due; /* act runs from run_due: it is set */
            }
            dfota_err rc = port_open(em, err, errlen);
            if (rc == DFOTA_OK)
                emit_note(em, dfota_harness_event_name(DFOTA_HEV_PORT_BACK));
            return rc;
        }
        break;
    case A_DOWNLOAD: download_start(em); break;
    case A_RECOVERY:
        em->mode = MODE_RECOVERY;
        plan_attempt(em);
        break;
    case A_FIRMWARE: memcpy(em->firmware, em->target, sizeof em->firmware); break;
    case A_NORMAL:
        em->mode = MODE_IDLE;
        em->retries_505 = 0;
        buf_free(&em->pkg);
        break;
    }
    return DFOTA_OK;
}

/* The head action waits for the host (waiting), or goes: when it goes
 * after a wait, the module waited, and the rest of its plan moves with it.
 * Returns waiting. */
static int hold(dfota_emulator *em, int waiting)
{
    if (!waiting && em->held && now_ns(em) > em->ag_due)
        em->ag_due = now_ns(em);
    em->held = waiting;
    return waiting;
}

/* A USB power-off waits for the host to read what it was sent: a little
 * wall time on a real or scaled clock (a host that does not read loses
 * it, as with a real module), longer on a virtual one, where the module's
 * time stands still meanwhile and the host is the harness itself. */
static int power_off_held(dfota_emulator *em, const action *a)
{
    if (a->kind != A_POWER_OFF || em->uart || em->master < 0)
        return hold(em, 0);
    int64_t wall = dfota_wall_ns();
    if (em->drain_until == 0)
        em->drain_until = wall + (dfota_clock_is_virtual(em->clock) ? EM_DRAIN_VIRTUAL_NS
                                                                    : EM_DRAIN_MAX_NS);
    flush_out(em);
    int waiting = wall < em->drain_until &&
                  (host_unread(em) || dfota_clock_on_wire(em->clock, DFOTA_WIRE_TO_HOST) > 0);
    if (!waiting)
        em->drain_until = 0;
    return hold(em, waiting);
}

/* After a USB reboot on a scaled clock, what the module says waits for its
 * host to reopen the port, but never longer than a real module would take
 * to say it (its delay after the port came back, unscaled, in wall time):
 * at 0.01 the module would otherwise say START 15 ms after the port came
 * back, before any host program could reopen it, and the host would be
 * charged with HOST-READ-TO-END for the emulator's haste. The host lives in
 * wall time and is given what a real module gives it. The rest of the plan
 * moves with the wait. Real and virtual clocks keep to the plan (a virtual
 * one does not move before the host has reopened). */
static int reopen_held(dfota_emulator *em, const action *a)
{
    if (em->reopen_wall == 0 || (a->kind != A_SAY && a->kind != A_LONG && a->kind != A_CUT))
        return 0;
    int waiting = em->master >= 0 && master_hup(em) &&
                  dfota_wall_ns() < em->reopen_wall + (em->ag_due - em->reopen_due);
    if (!waiting)
        em->reopen_wall = 0;
    return hold(em, waiting);
}

/* Runs the actions that are due; stops after a port change so that the
 * caller sees the terminal go and come back. */
static dfota_err run_due(dfota_emulator *em, int *happened, char *err, size_t errlen)
{
    while (em->ag_len > 0) {
        action a = em->agenda[em->ag_head];
        int64_t due = em->ag_due;
        if (now_ns(em) < due || reopen_held(em, &a) || power_off_held(em, &a))
            return DFOTA_OK;
        agenda_pop(em, &a);
        *happened = 1;
        em->acting_due = due;
        dfota_err rc = act(em, &a, err, errlen);
        em->acting_due = DFOTA_T_NONE;
        flush_out(em);
        if (rc != DFOTA_OK || a.kind == A_POWER_OFF || a.kind == A_POWER_ON)
            return rc;
    }
    return DFOTA_OK;
}

/* ---- waiting ------------------------------------------------------------- */

/* The module time of the next thing the emulator will do by itself, or
 * DFOTA_T_NONE. */
static int64_t next_due(const dfota_emulator *em)
{
    int64_t due = em->ag_len > 0 ? em->ag_due : DFOTA_T_NONE;
    if (em->up.fd >= 0 && (due == DFOTA_T_NONE || em->up.deadline < due))
        due = em->up.deadline;
    return due;
}

/* How long to wait, in wall ns, at most until the wall time end: until the
 * next action on a real or scaled clock (to the nanosecond, so that URCs
 * keep to their plan), never for one on a virtual clock (its time is
 * moved, not waited for). */
static int64_t wait_ns(const dfota_emulator *em, int64_t end, int hup)
{
    int64_t ns = end - dfota_wall_ns();
    int64_t due = next_due(em);
    if (due != DFOTA_T_NONE && !dfota_clock_is_virtual(em->clock)) {
        int64_t left = dfota_clock_wall_until(em->clock, due);
        if (left < ns)
            ns = left;
    }
    if (em->held && ns > MS)
        ns = MS;
    if ((hup || em->out_len > 0) && ns > EM_HUP_RECHECK_MS * MS)
        ns = EM_HUP_RECHECK_MS * MS;
    return ns > 0 ? ns : 0;
}

/* Sleeps until the host writes, libcurl has work, or the wait ends. A
 * terminal nobody has open reports POLLHUP at once, so it is then left out
 * and looked at again every EM_HUP_RECHECK_MS. */
static void wait_events(dfota_emulator *em, int64_t end)
{
    int hup = master_hup(em);
    struct pollfd p = {em->master, POLLIN, 0};
    int n = em->master >= 0 && !hup;
    int64_t ns = wait_ns(em, end, hup);
    if (em->out_len > 0)
        p.events |= POLLOUT;
    if (em->easy) {
        struct curl_waitfd w = {em->master, CURL_WAIT_POLLIN, 0};
        curl_multi_poll(em->multi, &w, (unsigned)n, (int)((ns + MS - 1) / MS), NULL);
    } else {
        struct timespec ts = {(time_t)(ns / SEC), (long)(ns % SEC)};
        ppoll(&p, (nfds_t)n, &ts, NULL);
    }
}

/* ---- the public API ------------------------------------------------------ */

static dfota_err copy_text(char *dst, size_t cap, const char *src, const char *what, char *err,
                           size_t errlen)
{
    size_t n = strlen(src);
    if (n == 0 || n >= cap) {
        dfota_errf(err, errlen, "the %s must be 1 to %zu bytes", what, cap - 1);
        return DFOTA_E_ARG;
    }
    memcpy(dst, src, n + 1);
    return DFOTA_OK;
}

static dfota_err opts_apply(dfota_emulator *em, const dfota_emulator_opts *o, char *err,
                            size_t errlen)
{
    const dfota_emulator_spec *sp = o->spec && o->spec->present ? o->spec : NULL;
    const char *fw = o->firmware ? o->firmware : sp && sp->firmware ? sp->firmware : DEFAULT_FIRMWARE;
    dfota_err rc = copy_text(em->firmware, sizeof em->firmware, fw, "firmware version", err, errlen);
    if (!rc)
        rc = copy_text(em->model, sizeof em->model, o->model ? o->model : DEFAULT_MODEL, "model", err,
                       errlen);
    if (!rc && o->link)
        rc = copy_text(em->link, sizeof em->link - 32, o->link, "link path", err, errlen);
    if (!rc && o->ufs_dir)
        rc = copy_text(em->ufs, sizeof em->ufs - 256, o->ufs_dir, "UFS folder", err, errlen);
    if (rc)
        return rc;
    em->loopback_only = o->loopback_only;
    for (size_t i = 0; i < o->n_connect_to; i++) {
        struct curl_slist *l = curl_slist_append(em->connect_to, o->connect_to[i]);
        if (!l) {
            snprintf(err, errlen, "out of memory");
            return DFOTA_E_NOMEM;
        }
        em->connect_to = l;
    }
    const char *prof = o->profile ? o->profile : sp ? sp->profile : NULL;
    if (prof && !dfota_emulator_profile_known(prof)) {
        char names[400];
        size_t n = (size_t)snprintf(names, sizeof names, "strict, field");
        const char *nm;
        for (size_t i = 0; (nm = dfota_emulator_profile_name(i, NULL)) && n < sizeof names; i++)
            n += (size_t)snprintf(names + n, sizeof names - n, ", %s", nm);
        dfota_errf(err, errlen, "unknown emulator profile '%.60s': use %s", prof, names);
        return DFOTA_E_ARG;
    }
    em->named_profile = named_profile(prof);
    em->field = o->field || (prof && strcmp(prof, "strict") != 0);
    em->uart = o->uart || (sp && sp->port && strcmp(sp->port, "uart") == 0);
    em->reboot_ns = o->reboot_ns > 0 ? o->reboot_ns : DEFAULT_REBOOT_NS;
    em->step_ns = o->progress_step_ns > 0 ? o->progress_step_ns : DEFAULT_STEP_NS;
    em->progress_urcs = o->progress_urcs >= 2 && o->progress_urcs <= 100 ? o->progress_urcs
                                                                          : EM_PROGRESS_URCS;
    em->free_space = o->free_space > 0 ? o->free_space
                     : sp && sp->free_space > 0 ? sp->free_space : DEFAULT_FREE_SPACE;
    if (o->free_space < 0) {
        dfota_errf(err, errlen, "the free space must not be negative");
        return DFOTA_E_ARG;
    }
    if (o->clock) {
        em->clock = o->clock;
        return DFOTA_OK;
    }
    double scale = o->time_scale == 0 ? 1.0 : o->time_scale;
    if (!(scale > 0) || !isfinite(scale)) {
        dfota_errf(err, errlen, "the time scale must be above 0");
        return DFOTA_E_ARG;
    }
    em->own_clock = 1;
    return dfota_clock_new_wall(scale, &em->clock, err, errlen);
}

/* The link is this emulator's alone: a second one on it would take it
 * over, then remove it when it stops, leaving the first one's host with
 * nothing. The lock is taken before the link is looked at. */
static dfota_err link_check(dfota_emulator *em, char *err, size_t errlen)
{
    if (em->link[0] && (em->link_lock = dfota_pty_link_lock(em->link, err, errlen)) < 0)
        return DFOTA_E_ARG;
    return dfota_pty_link_check(em->link, err, errlen);
}

static dfota_err ufs_setup(dfota_emulator *em, char *err, size_t errlen)
{
    struct stat st;
    if (em->ufs[0]) {
        if (stat(em->ufs, &st) != 0 || !S_ISDIR(st.st_mode)) {
            dfota_errf(err, errlen, "the UFS folder %s is not a folder", em->ufs);
            return DFOTA_E_ARG;
        }
        return DFOTA_OK;
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(em->ufs, sizeof em->ufs - 256, "%s/dfota-ufs-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(em->ufs)) {
        dfota_errf(err, errlen, "cannot make a UFS folder: %s", strerror(errno));
        em->ufs[0] = '\0';
        return DFOTA_E_IO;
    }
    em->own_ufs = 1;
    return DFOTA_OK;
}

dfota_err dfota_emulator_new(const dfota_emulator_opts *opts, dfota_emulator **out, char *err,
                             size_t errlen)
{
    dfota_err rc = DFOTA_E_ARG;
    dfota_emulator *em = NULL;
    if (!out || !opts)
        goto fail;
    *out = NULL;
    rc = DFOTA_E_NOMEM;
    if (!(em = calloc(1, sizeof *em)))
        goto fail;
    em->master = -1;
    em->ino = -1;
    em->link_lock = -1;
    em->up.fd = -1;
    em->echo = 1;
    em->acting_due = DFOTA_T_NONE;
    em->on_event = opts->on_event;
    em->event_ctx = opts->event_ctx;
    if ((rc = opts_apply(em, opts, err, errlen)) || (rc = link_check(em, err, errlen)) ||
        (rc = faults_load(em, opts->spec, err, errlen)) ||
        (rc = profile_faults_load(em, em->named_profile, err, errlen)) ||
        (rc = ufs_setup(em, err, errlen)))
        goto fail;
    rc = DFOTA_E_NOMEM;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(em->multi = curl_multi_init()) ||
        !(em->framer = dfota_framer_new()))
        goto fail;
    if (em->on_event &&
        (!(em->rec_host = dfota_framer_new()) || !(em->rec_module = dfota_framer_new())))
        goto fail;
    if ((rc = port_open(em, err, errlen)) != DFOTA_OK)
        goto fail;
    *out = em;
    return DFOTA_OK;
fail:
    if (rc == DFOTA_E_NOMEM)
        dfota_errf(err, errlen, "out of memory");
    else if (rc == DFOTA_E_ARG && (!out || !opts))
        dfota_errf(err, errlen, "no options or no place for the emulator");
    dfota_emulator_free(em);
    return rc;
}

void dfota_emulator_free(dfota_emulator *em)
{
    if (!em)
        return;
    upload_abort(em);
    port_close(em);
    dfota_pty_link_unlock(em->link, em->link_lock); /* after the link is gone */
    if (em->easy) {
        curl_multi_remove_handle(em->multi, em->easy);
        curl_easy_cleanup(em->easy);
    }
    if (em->multi) {
        curl_multi_cleanup(em->multi);
        curl_global_cleanup();
    }
    curl_slist_free_all(em->connect_to);
    if (em->own_ufs && ufs_delete_all(em) == 0)
        rmdir(em->ufs);
    buf_free(&em->pkg);
    dfota_framer_free(em->framer);
    dfota_framer_free(em->rec_host);
    dfota_framer_free(em->rec_module);
    if (em->own_clock)
        dfota_clock_free(em->clock);
    free(em);
}

long dfota_emulator_link_holder(const char *link)
{
    return link && link[0] ? dfota_pty_link_holder(link) : 0;
}

const char *dfota_emulator_tty(const dfota_emulator *em)
{
    return em ? em->tty : "";
}

const char *dfota_emulator_firmware(const dfota_emulator *em)
{
    return em ? em->firmware : "";
}

int dfota_emulator_wait_ms(const dfota_emulator *em, int cap_ms)
{
    if (em->easy || em->held)
        return cap_ms < 1 ? cap_ms : 1;
    int64_t due = next_due(em);
    if (due == DFOTA_T_NONE)
        return cap_ms;
    return dfota_clock_wait_ms(em->clock, due, cap_ms);
}

int64_t dfota_emulator_next_due(const dfota_emulator *em)
{
    return next_due(em);
}

int dfota_emulator_quiet(const dfota_emulator *em)
{
    int64_t due = next_due(em);
    return !em->easy && !em->held && em->out_len == 0 &&
           (due == DFOTA_T_NONE || due > now_ns(em));
}

int dfota_emulator_port_up(const dfota_emulator *em)
{
    return em->master >= 0;
}

dfota_err dfota_emulator_step(dfota_emulator *em, int timeout_ms, char *err, size_t errlen)
{
    if (!em || timeout_ms < 0) {
        dfota_errf(err, errlen, "no emulator, or a negative timeout");
        return DFOTA_E_ARG;
    }
    int64_t end = dfota_wall_ns() + (int64_t)timeout_ms * MS;
    for (;;) {
        int happened = 0;
        dfota_err rc = run_due(em, &happened, err, errlen);
        if (rc != DFOTA_OK)
            return rc;
        if (em->agenda_overflow) {
            dfota_errf(err, errlen, "the emulator's agenda overflowed (a bug)");
            return DFOTA_E_TOO_BIG;
        }
        host_sync(em);
        happened |= download_poll(em);
        happened |= read_host(em);
        happened |= upload_idle(em);
        flush_out(em);
        if (happened || dfota_wall_ns() >= end)
            return DFOTA_OK;
        wait_events(em, end);
    }
}
