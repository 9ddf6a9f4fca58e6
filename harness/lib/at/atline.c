/* SPDX-License-Identifier: MIT */
/* atline.c - the AT line layer: CR/LF framing with a bounded line, and the
 * classification of a line into a final result, a FOTA URC, a command or
 * "other". Pure functions over caller memory; fuzzed by fuzz_reader. */
#include <stdlib.h>
#include <string.h>

#include "dfota/at.h"
#include "base/text.h"

/* ---- framing ---------------------------------------------------------- */

struct dfota_framer {
    const uint8_t *in;   /* borrowed bytes not framed yet */
    size_t in_len;
    size_t in_pos;
    size_t len;          /* bytes kept of the current line (<= DFOTA_AT_LINE_MAX) */
    size_t full;         /* bytes seen of the current line */
    int after_cr;        /* the last terminator was a CR: an LF right after it belongs to it */
    int emitted;         /* buf holds a line handed out: start afresh on the next call */
    char buf[DFOTA_AT_LINE_MAX + 1];
};

dfota_framer *dfota_framer_new(void)
{
    return calloc(1, sizeof(dfota_framer));
}

void dfota_framer_reset(dfota_framer *f)
{
    /* all but buf, whose bytes nothing reads before it writes them */
    memset(f, 0, offsetof(dfota_framer, buf));
}

void dfota_framer_free(dfota_framer *f)
{
    free(f);
}

int dfota_framer_idle(const dfota_framer *f)
{
    return f->in_pos >= f->in_len && (f->emitted || f->full == 0);
}

void dfota_framer_push(dfota_framer *f, const uint8_t *bytes, size_t len)
{
    f->in = bytes;
    f->in_len = len;
    f->in_pos = 0;
}

static void framer_reset_line(dfota_framer *f)
{
    if (f->emitted) {
        f->len = 0;
        f->full = 0;
        f->emitted = 0;
    }
}

static int framer_emit(dfota_framer *f, const char **line, size_t *len, size_t *full_len,
                       unsigned *flags, unsigned extra)
{
    f->buf[f->len] = '\0';
    *line = f->buf;
    *len = f->len;
    *full_len = f->full;
    *flags = extra | (f->full > f->len ? DFOTA_EV_OVERLONG : 0u);
    f->emitted = 1;
    return 1;
}

int dfota_framer_next(dfota_framer *f, const char **line, size_t *len, size_t *full_len,
                      unsigned *flags)
{
    framer_reset_line(f);
    while (f->in_pos < f->in_len) {
        const uint8_t *p = f->in + f->in_pos;
        const uint8_t *end = f->in + f->in_len;
        if (f->after_cr) {
            f->after_cr = 0;
            if (*p == '\n') {
                f->in_pos++;
                continue;
            }
        }
        const uint8_t *e = p;
        while (e < end && *e != '\r' && *e != '\n')
            e++;
        size_t seg = (size_t)(e - p);
        size_t room = DFOTA_AT_LINE_MAX - f->len;
        size_t keep = seg < room ? seg : room;
        memcpy(f->buf + f->len, p, keep);
        f->len += keep;
        f->full += seg;
        f->in_pos += seg;
        if (e == end)
            return 0;
        f->after_cr = (*e == '\r');
        f->in_pos++;
        if (f->full == 0)
            continue; /* blank line */
        return framer_emit(f, line, len, full_len, flags, 0);
    }
    return 0;
}

int dfota_framer_flush(dfota_framer *f, const char **line, size_t *len, size_t *full_len,
                       unsigned *flags)
{
    framer_reset_line(f);
    f->in = NULL;
    f->in_len = f->in_pos = 0;
    f->after_cr = 0;
    if (f->full == 0)
        return 0;
    return framer_emit(f, line, len, full_len, flags, DFOTA_EV_UNTERMINATED);
}

/* ---- classification --------------------------------------------------- */

static const struct {
    const char *name;
    size_t len;
    dfota_stage stage;
} stage_names[] = {
#define STAGE(name, id) {name, sizeof name - 1, id}
    STAGE("UPDATING", DFOTA_STAGE_UPDATING), /* the most frequent first */
    STAGE("START", DFOTA_STAGE_START),       STAGE("END", DFOTA_STAGE_END),
    STAGE("FTPSTART", DFOTA_STAGE_FTPSTART), STAGE("FTPEND", DFOTA_STAGE_FTPEND),
    STAGE("HTTPSTART", DFOTA_STAGE_HTTPSTART), STAGE("HTTPEND", DFOTA_STAGE_HTTPEND),
    STAGE("HTTPSSTART", DFOTA_STAGE_HTTPSSTART), STAGE("HTTPSEND", DFOTA_STAGE_HTTPSEND),
    STAGE("FILESTART", DFOTA_STAGE_FILESTART), STAGE("FILEEND", DFOTA_STAGE_FILEEND),
    STAGE("DOWNLOADING", DFOTA_STAGE_DOWNLOADING), STAGE("RESTORE", DFOTA_STAGE_RESTORE),
#undef STAGE
};

/* The resume URC after a power cut during RESTORE (FIELD-QUIRKS). */
static const char resume_text[] = "Last upgrade was not finished,continue upgrade";

const char *dfota_stage_name(dfota_stage stage)
{
    if (stage == DFOTA_STAGE_RESUME)
        return "RESUME";
    for (size_t i = 0; i < sizeof stage_names / sizeof stage_names[0]; i++)
        if (stage_names[i].stage == stage)
            return stage_names[i].name;
    return stage == DFOTA_STAGE_NONE ? "NONE" : "UNKNOWN";
}

int dfota_stage_takes_code(dfota_stage stage)
{
    switch (stage) {
    case DFOTA_STAGE_FTPEND: case DFOTA_STAGE_HTTPEND: case DFOTA_STAGE_UPDATING:
    case DFOTA_STAGE_END: case DFOTA_STAGE_HTTPSEND: case DFOTA_STAGE_FILEEND:
    case DFOTA_STAGE_DOWNLOADING: case DFOTA_STAGE_RESTORE:
        return 1;
    default:
        return 0;
    }
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* A cursor over one line: parsers advance it only on success. */
typedef struct {
    const char *p;
    const char *end;
    unsigned quirks;
} cursor;

static int skip_blanks(cursor *c)
{
    int any = 0;
    while (c->p < c->end && is_blank(*c->p)) {
        c->p++;
        any = 1;
    }
    return any;
}

/* An opening or closing double quote: ASCII, or a typographic one. */
static int take_quote(cursor *c)
{
    size_t q = text_quote_len(c->p, c->end);
    if (q == 3)
        c->quirks |= DFOTA_Q_TYPO_QUOTES;
    c->p += q;
    return q > 0;
}

/* The end of a quoted word: the next ASCII or typographic quote. */
static const char *find_quote(const char *p, const char *end)
{
    for (; p < end; p++)
        if (text_quote_len(p, end))
            return p;
    return NULL;
}

static dfota_stage lookup_stage(const char *s, size_t n, unsigned *quirks)
{
    for (size_t i = 0; i < sizeof stage_names / sizeof stage_names[0]; i++)
        if (stage_names[i].len == n && memcmp(stage_names[i].name, s, n) == 0)
            return stage_names[i].stage;
    for (size_t i = 0; i < sizeof stage_names / sizeof stage_names[0]; i++) {
        if (text_equals_ci(s, n, stage_names[i].name)) {
            *quirks |= (n == 7 && memcmp(s, "HTTPEnd", 7) == 0) ? DFOTA_Q_SPELLING : DFOTA_Q_CASE;
            return stage_names[i].stage;
        }
    }
    if (text_equals_ci(s, n, resume_text))
        return DFOTA_STAGE_RESUME;
    return DFOTA_STAGE_UNKNOWN;
}

/* Parses the integer argument and what may follow it. */
static void parse_code(cursor *c, dfota_item *it)
{
    int neg = 0;
    if (c->p < c->end && (*c->p == '-' || *c->p == '+')) {
        neg = (*c->p == '-');
        c->p++;
    }
    long v = 0;
    int digits = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        if (v < 999999999L)
            v = v * 10 + (*c->p - '0');
        if (v > 999999999L)
            v = 999999999L;
        digits++;
        c->p++;
    }
    if (!digits) {
        c->quirks |= DFOTA_Q_ARG_NOT_INT;
        return;
    }
    it->has_code = 1;
    it->code = neg ? -v : v;
    if (c->p < c->end && *c->p == '%') {
        c->quirks |= DFOTA_Q_PERCENT;
        c->p++;
    }
    skip_blanks(c);
    if (c->p < c->end && *c->p == ',')
        c->quirks |= DFOTA_Q_EXTRA;
    else if (c->p < c->end)
        c->quirks |= DFOTA_Q_ARG_NOT_INT;
}

/* The canonical form, +QIND: "FOTA","STAGE" or +QIND: "FOTA","STAGE",<digits>,
 * which is nearly every URC a module sends. Returns 0 to leave anything
 * else to the general parser. */
static int parse_fota_canonical(const char *s, const char *end, dfota_item *it)
{
    static const char head[] = "+QIND: \"FOTA\",\"";
    const size_t hl = sizeof head - 1;
    if ((size_t)(end - s) <= hl || memcmp(s, head, hl) != 0)
        return 0;
    const char *p = s + hl;
    const char *q = p;
    while (q < end && *q != '"') /* stage names are short: no call for them */
        q++;
    if (q == end || q == p)
        return 0;
    unsigned quirks = 0;
    dfota_stage st = lookup_stage(p, (size_t)(q - p), &quirks);
    if (quirks || st == DFOTA_STAGE_UNKNOWN || st == DFOTA_STAGE_RESUME)
        return 0;
    const char *a = q + 1;
    int takes = dfota_stage_takes_code(st);
    if (a == end) {
        if (takes)
            return 0;
    } else {
        if (!takes || *a != ',' || end - a < 2 || end - a > 10)
            return 0;
        long v = 0;
        for (const char *d = a + 1; d < end; d++) {
            if (*d < '0' || *d > '9')
                return 0;
            v = v * 10 + (*d - '0');
        }
        it->has_code = 1;
        it->code = v;
    }
    it->stage = st;
    it->stage_text = p;
    it->stage_len = (size_t)(q - p);
    return 1;
}

/* s points at "+QIND:". Returns URC, BAD_URC, or OTHER for another +QIND. */
static dfota_item_kind parse_fota(const char *s, const char *end, dfota_item *it)
{
    if (parse_fota_canonical(s, end, it))
        return DFOTA_ITEM_URC;
    cursor c = {s + 6, end, 0};
    if (!skip_blanks(&c))
        c.quirks |= DFOTA_Q_NO_BLANK_COLON; /* the guide always writes "+QIND: " */
    /* "FOTA" with its quotes. A line cut inside it (+QIND: "FO) is a cut
     * FOTA URC; any other +QIND (SMS DONE, PB DONE, "csq") is not ours. */
    int q1 = take_quote(&c);
    size_t rest = (size_t)(c.end - c.p);
    if (!text_starts_ci(c.p, rest, "FOTA")) {
        if (rest < 4 && (q1 || rest > 0) && text_is_prefix_ci(c.p, rest, "FOTA"))
            return DFOTA_ITEM_BAD_URC;
        return DFOTA_ITEM_OTHER;
    }
    c.p += 4;
    if (!take_quote(&c))
        return DFOTA_ITEM_BAD_URC;
    if (skip_blanks(&c))
        c.quirks |= DFOTA_Q_BLANK;
    if (c.p >= c.end || *c.p != ',')
        return DFOTA_ITEM_BAD_URC;
    c.p++;
    if (skip_blanks(&c))
        c.quirks |= DFOTA_Q_BLANK;
    if (!take_quote(&c))
        return DFOTA_ITEM_BAD_URC;
    const char *q = find_quote(c.p, c.end);
    if (!q || q == c.p)
        return DFOTA_ITEM_BAD_URC;
    it->stage_text = c.p;
    it->stage_len = (size_t)(q - c.p);
    it->stage = lookup_stage(c.p, it->stage_len, &c.quirks);
    c.p = q;
    take_quote(&c);
    if (skip_blanks(&c))
        c.quirks |= DFOTA_Q_BLANK;
    if (c.p < c.end) {
        if (*c.p != ',')
            return DFOTA_ITEM_BAD_URC;
        c.p++;
        if (skip_blanks(&c))
            c.quirks |= DFOTA_Q_BLANK;
        parse_code(&c, it);
    }
    if (dfota_stage_takes_code(it->stage) && !it->has_code && !(c.quirks & DFOTA_Q_ARG_NOT_INT))
        c.quirks |= DFOTA_Q_ARG_MISSING;
    if (!dfota_stage_takes_code(it->stage) && it->stage != DFOTA_STAGE_UNKNOWN &&
        (it->has_code || (c.quirks & DFOTA_Q_ARG_NOT_INT)))
        c.quirks |= DFOTA_Q_ARG_UNEXPECTED;
    it->quirks |= c.quirks;
    return DFOTA_ITEM_URC;
}

/* Messages terminal programs print when the port vanishes under them. */
static const char *const port_gone[] = {
    "FATAL: read zero bytes from port",
    "FATAL: term_drain failed",
    "[screen is terminating]",
    "Disconnected",
};

static int is_port_gone(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof port_gone / sizeof port_gone[0]; i++)
        if (text_starts_ci(s, n, port_gone[i]))
            return 1;
    return 0;
}

/* tio says "Connected" when the port it waits for comes back. */
static int is_port_back(const char *s, size_t n)
{
    return text_equals_ci(s, n, "Connected") || text_starts_ci(s, n, "Connected to ");
}

static const char *find_qind(const char *s, size_t n)
{
    for (size_t i = 0; i + 6 <= n; i++)
        if (s[i] == '+' && memcmp(s + i, "+QIND:", 6) == 0)
            return s + i;
    return NULL;
}

/* ---- host lines: the command line of ITU-T V.250 ---------------------- */

/* The end of the command at p: the ';' that ends it, outside quotes (a
 * password or a path may hold one), or the end of the line. */
static const char *command_end(const char *p, const char *end)
{
    int quoted = 0;
    while (p < end) {
        size_t q = text_quote_len(p, end);
        if (q) {
            quoted = !quoted;
            p += q;
            continue;
        }
        if (*p == ';' && !quoted)
            return p;
        p++;
    }
    return end;
}

static int is_letter(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Commands that answer with a "> " prompt and take what the host sends
 * next as data, up to their final result (Quectel's TCP/IP and SSL
 * manuals; +CMGS and +CMGW in 27.005). */
static const char *const prompting[] = {"+QISEND", "+QSSLSEND", "+CMGS", "+CMGW"};

static int prompts_for_data(const char *p, size_t n)
{
    size_t name = 0;
    while (name < n && p[name] != '=' && p[name] != '?')
        name++;
    if (name == n || p[name] == '?' || (name + 1 < n && p[name + 1] == '?'))
        return 0; /* read or test form */
    for (size_t i = 0; i < sizeof prompting / sizeof prompting[0]; i++) {
        if (!text_equals_ci(p, name, prompting[i]))
            continue;
        /* AT+QISEND=<id>,0 asks what was sent: no prompt. */
        const char *comma = memchr(p + name, ',', n - name);
        return !(comma && (size_t)(p + n - comma) == 2 && comma[1] == '0');
    }
    return 0;
}

/* One extended command, p[0] == '+' (or another vendor's prefix). */
static void host_command(const char *p, size_t n, dfota_item *it)
{
    while (n > 0 && is_blank(p[n - 1]))
        n--;
    if (prompts_for_data(p, n))
        it->prompts = 1;
    if (it->kind == DFOTA_ITEM_FOTADL || !text_starts_ci(p, n, "+QFOTADL"))
        return;
    const char *a = p + 8;
    size_t rest = n - 8;
    if (rest == 0)
        it->form = DFOTA_FOTADL_EXEC;
    else if (rest == 2 && a[0] == '=' && a[1] == '?')
        it->form = DFOTA_FOTADL_TEST;
    else if (rest == 1 && a[0] == '?')
        it->form = DFOTA_FOTADL_READ;
    else if (a[0] == '=') {
        it->form = DFOTA_FOTADL_WRITE;
        it->arg = a + 1;
        it->arg_len = rest - 1;
    } else
        return; /* AT+QFOTADLX: another command */
    it->kind = DFOTA_ITEM_FOTADL;
}

/* Basic commands (V.250) run together: a letter or &letter and its
 * digits, S<n>=<v>, D and its dial string. Returns where they stop. */
static const char *basic_commands(const char *p, const char *end, unsigned *count)
{
    while (p < end && (is_letter(*p) || *p == '&')) {
        if (*p == '&' && (++p == end || !is_letter(*p)))
            break;
        char l = (char)text_lower((unsigned char)*p++);
        ++*count;
        if (l == 'd')
            return command_end(p, end); /* the dial string runs to ';' */
        while (p < end && is_digit(*p))
            p++;
        if (l == 's' && p < end && (*p == '?' || *p == '=')) {
            p++;
            while (p < end && is_digit(*p))
                p++;
        }
    }
    return p;
}

static void classify_host(const char *s, size_t n, dfota_item *it)
{
    if (!text_starts_ci(s, n, "AT")) {
        it->kind = DFOTA_ITEM_OTHER;
        return;
    }
    it->kind = DFOTA_ITEM_COMMAND;
    const char *p = s + 2, *end = s + n;
    while (p < end) {
        if (*p == ';' || is_blank(*p)) {
            p++;
            continue;
        }
        if (*p == '+' || *p == '$' || *p == '^' || *p == '%') {
            const char *e = command_end(p, end);
            it->commands++;
            host_command(p, (size_t)(e - p), it);
            p = e;
            continue;
        }
        const char *q = basic_commands(p, end, &it->commands);
        if (q == p)
            break; /* not a command V.250 knows: the rest is its argument */
        p = q;
    }
    if (it->commands == 0 && p < end)
        it->commands = 1;
}

/* ---- module lines ------------------------------------------------------ */

static const char *const final_names[] = {
    [DFOTA_FINAL_NONE] = "none",          [DFOTA_FINAL_OK] = "OK",
    [DFOTA_FINAL_ERROR] = "ERROR",        [DFOTA_FINAL_CME_ERROR] = "+CME ERROR",
    [DFOTA_FINAL_CMS_ERROR] = "+CMS ERROR", [DFOTA_FINAL_CONNECT] = "CONNECT",
    [DFOTA_FINAL_NO_CARRIER] = "NO CARRIER", [DFOTA_FINAL_NO_DIALTONE] = "NO DIALTONE",
    [DFOTA_FINAL_BUSY] = "BUSY",          [DFOTA_FINAL_NO_ANSWER] = "NO ANSWER",
    [DFOTA_FINAL_SEND_OK] = "SEND OK",    [DFOTA_FINAL_SEND_FAIL] = "SEND FAIL",
};

const char *dfota_final_name(dfota_final final)
{
    return (unsigned)final < sizeof final_names / sizeof final_names[0] ? final_names[final] : "?";
}

/* The final result codes other than OK and ERROR, written as words
 * (verbose mode, ATV1: what every log shows). */
static dfota_final other_final(const char *s, size_t n)
{
    static const dfota_final words[] = {DFOTA_FINAL_NO_CARRIER, DFOTA_FINAL_NO_DIALTONE,
                                        DFOTA_FINAL_BUSY, DFOTA_FINAL_NO_ANSWER,
                                        DFOTA_FINAL_SEND_OK, DFOTA_FINAL_SEND_FAIL};
    /* CONNECT may carry text: a rate, a protocol. */
    if (n >= 7 && memcmp(s, "CONNECT", 7) == 0 && (n == 7 || s[7] == ' '))
        return DFOTA_FINAL_CONNECT;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        const char *w = final_names[words[i]];
        if (strlen(w) == n && memcmp(s, w, n) == 0)
            return words[i];
    }
    return DFOTA_FINAL_NONE;
}

static void classify_module(const char *s, size_t n, dfota_item *it)
{
    it->kind = DFOTA_ITEM_OTHER;
    switch (s[0]) {
    case 'O':
        if (n == 2 && s[1] == 'K') {
            it->kind = DFOTA_ITEM_OK;
            it->final = DFOTA_FINAL_OK;
            return;
        }
        break;
    case 'E':
        if (n == 5 && memcmp(s, "ERROR", 5) == 0) {
            it->kind = DFOTA_ITEM_ERROR;
            it->final = DFOTA_FINAL_ERROR;
            return;
        }
        break;
    case 'C': case 'N': case 'B': case 'S':
        it->final = other_final(s, n);
        if (it->final != DFOTA_FINAL_NONE) {
            it->kind = DFOTA_ITEM_FINAL;
            return;
        }
        break;
    case 'R':
        if (n == 3 && memcmp(s, "RDY", 3) == 0) {
            it->kind = DFOTA_ITEM_RDY;
            return;
        }
        break;
    case '+':
        if (n >= 6 && memcmp(s, "+QIND:", 6) == 0) {
            it->kind = parse_fota(s, s + n, it);
            return;
        }
        if (n >= 11 && (memcmp(s, "+CME ERROR:", 11) == 0 || memcmp(s, "+CMS ERROR:", 11) == 0)) {
            cursor c = {s + 11, s + n, 0};
            skip_blanks(&c);
            it->kind = DFOTA_ITEM_ERROR;
            it->final = s[3] == 'E' ? DFOTA_FINAL_CME_ERROR : DFOTA_FINAL_CMS_ERROR;
            parse_code(&c, it);
            return;
        }
        break;
    default:
        break;
    }
    if (is_port_gone(s, n)) {
        it->kind = DFOTA_ITEM_PORT_GONE;
        return;
    }
    if (is_port_back(s, n)) {
        it->kind = DFOTA_ITEM_PORT_BACK;
        return;
    }
    /* A FOTA URC behind stray bytes (a line cut by the reboot, noise), whatever
     * the first byte is: "RD+QIND: ..." is the URC, not RDY nor an echo. */
    const char *q = find_qind(s, n);
    if (q) {
        dfota_item_kind k = parse_fota(q, s + n, it);
        if (k != DFOTA_ITEM_OTHER) {
            it->kind = k;
            it->quirks |= DFOTA_Q_STRAY;
            return;
        }
    }
    if (text_starts_ci(s, n, "AT"))
        it->kind = DFOTA_ITEM_ECHO;
}

void dfota_classify(const char *line, size_t len, dfota_dir dir, dfota_item *out)
{
    memset(out, 0, sizeof *out);
    /* Leading and trailing blanks are not part of what the module said. */
    while (len > 0 && is_blank(line[0])) {
        line++;
        len--;
    }
    while (len > 0 && is_blank(line[len - 1]))
        len--;
    if (len == 0) {
        out->kind = DFOTA_ITEM_OTHER;
        return;
    }
    if (dir == DFOTA_DIR_HOST)
        classify_host(line, len, out);
    else if (dir == DFOTA_DIR_MODULE)
        classify_module(line, len, out);
    else
        out->kind = DFOTA_ITEM_OTHER;
}
