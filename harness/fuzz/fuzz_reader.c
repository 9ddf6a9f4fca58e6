/* SPDX-License-Identifier: MIT */
/* fuzz_reader.c - libFuzzer target for everything that reads untrusted logs:
 * the reader (format detection, transcripts and every capture format), the
 * checker it feeds, and the AT line layer (framer, classification,
 * payload escaping).
 *
 * One input is used two ways:
 *   1. as a file: fmemopen() -> dfota_reader -> dfota_checker, exactly the
 *      path of `dfota check`, with the checker options chosen by a selector
 *      byte (profile, USB port, timing windows);
 *   2. as a byte stream: pushed through one dfota_framer whole and through a
 *      second one in chunks of sizes taken from the data; both must frame
 *      the same lines, and every line is classified in every direction and
 *      must survive dfota_escape + dfota_unescape unchanged.
 *
 * The selector is the first byte XOR the input's length, so that inputs
 * which must start with the same byte (every transcript starts with '#')
 * are still tried under every option set as the mutator changes lengths.
 *
 * The reader's 256 KiB block refill and its 64 KiB line limit are beyond
 * -max_len=65536; scripts/fuzz-smoke.sh runs this target once on long
 * generated inputs for those (a long input given as a file is run whole).
 * Repeating short inputs to that length here was tried: such runs cost a
 * thousand ordinary ones and, rich in new hit counts, crowded the corpus.
 *
 * Contract violations abort() so that libFuzzer keeps the input as a crash.
 * Everything is freed: LeakSanitizer runs after each input. */
#define _POSIX_C_SOURCE 200809L /* fmemopen */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfota/dfota.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Anything the callbacks read ends up here, so that no read is optimised
 * away and ASan sees every byte the checker hands out. */
static volatile size_t g_sink;

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "fuzz_reader: %s:%d: check failed: %s\n", __FILE__,   \
                    __LINE__, #cond);                                            \
            abort();                                                             \
        }                                                                        \
    } while (0)

/* ---- checker sink ------------------------------------------------------ */

static size_t bounded_strlen(const char *s, size_t cap)
{
    const char *z = memchr(s, '\0', cap);
    CHECK(z != NULL); /* every text field of a finding is NUL-terminated */
    return (size_t)(z - s);
}

static void on_finding(void *ctx, const dfota_finding *f)
{
    (void)ctx;
    CHECK((unsigned)f->level <= DFOTA_L_FAIL);
    CHECK((unsigned)f->rule < DFOTA_RULE_COUNT);
    size_t n = bounded_strlen(f->expected, sizeof f->expected);
    n += bounded_strlen(f->seen, sizeof f->seen);
    if (f->quirk)
        n += strlen(f->quirk);
    n += strlen(dfota_level_name(f->level));
    g_sink += n + f->line + (size_t)f->flow;
}

static void on_flow(void *ctx, const dfota_flow_summary *s)
{
    (void)ctx;
    size_t n = bounded_strlen(s->command, sizeof s->command);
    if (s->form)
        n += strlen(s->form);
    if (s->final)
        n += strlen(s->final);
    if (s->outcome)
        n += strlen(s->outcome);
    CHECK(s->n_findings <= DFOTA_FLOW_FINDINGS_MAX);
    CHECK(s->n_end_codes <= DFOTA_FLOW_CODES_MAX);
    for (unsigned i = 0; i < s->n_findings; i++) {
        n += bounded_strlen(s->findings[i].expected, sizeof s->findings[i].expected);
        n += bounded_strlen(s->findings[i].seen, sizeof s->findings[i].seen);
    }
    for (unsigned i = 0; i < s->n_end_codes; i++)
        n += (size_t)s->end_codes[i];
    g_sink += n + s->id;
}

/* ---- reader + checker -------------------------------------------------- */

typedef struct {
    int profile;   /* DFOTA_PROFILE_* */
    int usb;       /* -1, 0, 1, or 2: from the "port" header as the CLI does */
    int windows;   /* apply the host timing windows */
} fuzz_opts;

static fuzz_opts opts_from(const uint8_t *data, size_t size)
{
    unsigned sel = (unsigned)(data[0] ^ (uint8_t)size);
    fuzz_opts o;
    o.profile = (sel & 1u) ? DFOTA_PROFILE_FIELD : DFOTA_PROFILE_STRICT;
    o.usb = (int)((sel >> 1) & 3u) - 1;
    o.windows = (int)((sel >> 3) & 1u);
    return o;
}

static int usb_from_header(const dfota_reader *r)
{
    const char *port = dfota_reader_meta(r, "port");
    if (!port)
        return -1;
    return strncmp(port, "usb:", 4) == 0 || strncmp(port, "/dev/ttyUSB", 11) == 0 ||
           strncmp(port, "/dev/ttyACM", 11) == 0;
}

static dfota_checker *checker_for(const fuzz_opts *fo, const dfota_reader *r)
{
    dfota_checker_opts o;
    dfota_sink sink = {on_finding, on_flow, NULL};
    dfota_checker_opts_init(&o);
    o.profile = (dfota_profile)fo->profile;
    o.usb_port = fo->usb == 2 ? usb_from_header(r) : fo->usb;
    if (fo->windows)
        dfota_checker_opts_host_windows(&o);
    return dfota_checker_new(&o, &sink);
}

static void check_event(const dfota_event *ev, int64_t *last_t)
{
    CHECK(ev->data != NULL);
    CHECK(ev->data[ev->len] == '\0');
    CHECK(ev->len <= DFOTA_AT_LINE_MAX);
    CHECK(ev->full_len >= ev->len);
    CHECK(ev->dir == DFOTA_DIR_HOST || ev->dir == DFOTA_DIR_MODULE ||
          ev->dir == DFOTA_DIR_HARNESS);
    if (ev->t_ns != DFOTA_T_NONE) {
        CHECK(ev->t_ns >= 0);
        if (*last_t != DFOTA_T_NONE)
            CHECK(ev->t_ns >= *last_t); /* times never decrease */
        *last_t = ev->t_ns;
    }
}

/* Reads in until the end or an input error and feeds every event to a
 * checker, the way `dfota check` does. */
static void run_reader(FILE *in, const fuzz_opts *fo)
{
    char err[DFOTA_ERRBUF];
    dfota_reader *r = dfota_reader_new(in, "fuzz");
    dfota_checker *c = NULL;
    dfota_event ev;
    int64_t last_t = DFOTA_T_NONE;
    int rc;
    if (!r)
        return;
    err[0] = '\0';
    while ((rc = dfota_reader_next(r, &ev, err, sizeof err)) > 0) {
        check_event(&ev, &last_t);
        if (!c) {
            c = checker_for(fo, r);
            if (!c)
                break;
        }
        dfota_checker_feed(c, &ev);
    }
    if (rc < 0) {
        CHECK(rc == DFOTA_E_INPUT || rc == DFOTA_E_TOO_BIG || rc == DFOTA_E_IO);
        CHECK(memchr(err, '\0', sizeof err) != NULL && err[0] != '\0');
    }
    if (!c && rc >= 0)
        c = checker_for(fo, r); /* a log with a header only */
    if (c) {
        dfota_checker_finish(c);
        const dfota_checker_result *res = dfota_checker_result_get(c);
        CHECK((unsigned)res->verdict <= DFOTA_V_FAIL);
        for (int i = 0; i < DFOTA_RULE_COUNT; i++) {
            CHECK((unsigned)res->rule[i] <= DFOTA_V_FAIL);
            g_sink += bounded_strlen(res->rule_reason[i], sizeof res->rule_reason[i]);
        }
        g_sink += strlen(dfota_verdict_name(res->verdict));
        dfota_checker_free(c);
    }
    dfota_reader_stats st;
    dfota_reader_get_stats(r, &st);
    g_sink += st.comments + st.glyphs + strlen(dfota_format_name(dfota_reader_format(r)));
    const char *m = dfota_reader_meta(r, "module");
    if (m)
        g_sink += strlen(m);
    dfota_reader_free(r);
}

/* ---- framer + classification ------------------------------------------- */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ULL;
    return h;
}

static void check_item(const char *line, size_t len, const dfota_item *it)
{
    CHECK(dfota_stage_name(it->stage) != NULL);
    if (it->stage_text) {
        CHECK(it->stage_text >= line && it->stage_text + it->stage_len <= line + len);
        g_sink += it->stage_len;
    }
    if (it->arg) {
        CHECK(it->kind == DFOTA_ITEM_FOTADL && it->form == DFOTA_FOTADL_WRITE);
        CHECK(it->arg >= line && it->arg + it->arg_len <= line + len);
        g_sink += it->arg_len;
    }
    if (it->has_code)
        CHECK(it->code >= -999999999L && it->code <= 999999999L);
}

/* Every framed line: its invariants, its classification in each direction,
 * and the transcript escaping round trip. Returns the running hash. */
static uint64_t take_line(uint64_t h, const char *line, size_t len, size_t full, unsigned flags)
{
    static char esc[4 * DFOTA_AT_LINE_MAX + 1];
    static char back[4 * DFOTA_AT_LINE_MAX + 1];
    static const dfota_dir dirs[] = {DFOTA_DIR_HOST, DFOTA_DIR_MODULE, DFOTA_DIR_HARNESS};
    CHECK(len > 0 && len <= DFOTA_AT_LINE_MAX && line[len] == '\0');
    CHECK(full >= len);
    CHECK(((flags & DFOTA_EV_OVERLONG) != 0) == (full > len));
    CHECK(memchr(line, '\r', len) == NULL && memchr(line, '\n', len) == NULL);
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        dfota_item it;
        dfota_classify(line, len, dirs[i], &it);
        check_item(line, len, &it);
        g_sink += (size_t)it.kind;
    }
    size_t el = dfota_escape(line, len, esc, sizeof esc);
    CHECK(el < sizeof esc);
    memcpy(back, esc, el + 1);
    size_t bl = dfota_unescape(back, el);
    CHECK(bl == len && memcmp(back, line, len) == 0);
    h = fnv(h, &len, sizeof len);
    h = fnv(h, &full, sizeof full);
    h = fnv(h, &flags, sizeof flags);
    return fnv(h, line, len);
}

static uint64_t drain(dfota_framer *f, uint64_t h, unsigned long *lines)
{
    const char *line;
    size_t len, full;
    unsigned flags;
    while (dfota_framer_next(f, &line, &len, &full, &flags)) {
        h = take_line(h, line, len, full, flags);
        ++*lines;
    }
    return h;
}

static uint64_t finish(dfota_framer *f, uint64_t h, unsigned long *lines)
{
    const char *line;
    size_t len, full;
    unsigned flags;
    if (dfota_framer_flush(f, &line, &len, &full, &flags)) {
        CHECK(flags & DFOTA_EV_UNTERMINATED);
        h = take_line(h, line, len, full, flags);
        ++*lines;
    }
    /* The flush reset the framer: nothing is left. */
    CHECK(!dfota_framer_flush(f, &line, &len, &full, &flags));
    return h;
}

static void run_framer(const uint8_t *data, size_t size)
{
    dfota_framer *whole = dfota_framer_new();
    dfota_framer *chunked = dfota_framer_new();
    uint64_t h1 = 14695981039346656037ULL, h2 = h1;
    unsigned long n1 = 0, n2 = 0;
    if (!whole || !chunked)
        goto out;

    dfota_framer_push(whole, data, size);
    h1 = finish(whole, drain(whole, h1, &n1), &n1);

    /* Chunk sizes come from the data: mostly small (1-16 bytes, where the
     * CR/LF pairs split), sometimes up to 4 KiB (past DFOTA_AT_LINE_MAX). */
    uint32_t x = 2166136261u;
    for (size_t pos = 0; pos < size;) {
        x = (x ^ data[pos]) * 16777619u;
        size_t k = (x & 0x300u) == 0x300u ? 1 + (x >> 20) % 4096 : 1 + (x >> 24) % 16;
        if (k > size - pos)
            k = size - pos;
        dfota_framer_push(chunked, data + pos, k);
        h2 = drain(chunked, h2, &n2);
        pos += k;
    }
    h2 = finish(chunked, h2, &n2);

    /* How the bytes arrive must not change the lines. */
    CHECK(n1 == n2);
    CHECK(h1 == h2);
out:
    dfota_framer_free(whole);
    dfota_framer_free(chunked);
}

/* ---- entry ------------------------------------------------------------- */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    fuzz_opts fo = opts_from(data, size);

    /* A private copy: fmemopen() takes a mutable buffer, and ASan then
     * reports any read past the input's end at its exact size. */
    uint8_t *copy = malloc(size);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    FILE *in = fmemopen(copy, size, "rb");
    if (in) {
        run_reader(in, &fo);
        fclose(in);
    }
    free(copy);

    run_framer(data, size);
    return 0;
}
