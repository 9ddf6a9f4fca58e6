/* SPDX-License-Identifier: MIT */
/* fuzz_output.c - libFuzzer target for everything that writes what hostile
 * device bytes made: the input is read as a log (fmemopen -> dfota_reader ->
 * dfota_checker, the path of `dfota check`) and what came out goes into
 * every writer, in memory (open_memstream):
 *   - dfota check's text, JSON and JUnit outputs (dfota_output), fed by the
 *     checker live;
 *   - the transcript (dfota_transcript_write_shown) of every event;
 *   - a run's report: the summary, report.json, junit.xml and report.html
 *     over a scenario result built from the checker's findings and verdicts,
 *     texts cut from the input, and the transcript above (report.html reads
 *     it back by path: a memfd, through /proc/self/fd/N).
 * Each must hold:
 *   - JSON parses (jansson), XML parses (libxml2);
 *   - the terminal's text (check's text output, the run's summary) holds no
 *     control byte but a line end, nor does the transcript;
 *   - report.html has only the tags its writer writes, no event handler
 *     attribute, no link off the page, and its Content-Security-Policy meta,
 *     once and unchanged;
 *   - the password of an FTP URL the target puts in the log (a line of its
 *     own, at a place the input chooses) appears in no output, unless the
 *     input itself holds it elsewhere.
 *
 * Contract violations abort() so that libFuzzer keeps the input as a crash.
 * Everything is freed: LeakSanitizer runs after each input. */
#define _GNU_SOURCE /* open_memstream, fmemopen, memfd_create, memmem */
#include <jansson.h>
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dfota/dfota.h"
#include "dfota/report.h"
#include "dfota/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define CHECK(cond, what)                                                                     \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            fprintf(stderr, "fuzz_output: %s:%d: check failed: %s (%s)\n", __FILE__, __LINE__, \
                    #cond, what);                                                             \
            abort();                                                                          \
        }                                                                                     \
    } while (0)

/* The password the target hides in the log: letters and digits only, so
 * that no writer's escaping can split it. */
#define PASSWORD "Pw7fUzzSecr3tQ"
static const char injected[] = "AT+QFOTADL=\"ftp://fuzz:" PASSWORD "@10.0.0.1:21/pkg/u.zip\"\r\n";

#define CSP_VALUE                                                                          \
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; script-src 'none'; " \
    "base-uri 'none'; form-action 'none'"
static const char csp[] = "<meta http-equiv=\"Content-Security-Policy\" content=\"" CSP_VALUE "\">";
static const char csp_value[] = CSP_VALUE;
static int g_policies; /* http-equiv metas seen in report.html */

/* The scenario the report's result belongs to. */
static dfota_scenario *g_scenario;
static const char scenario_yaml[] = "name: fuzz-output\n"
                                    "section: \"3\"\n"
                                    "requirement: 'what the writers make of hostile bytes'\n"
                                    "steps:\n"
                                    "  - send: 'AT+QFOTADL=\"/data/ufs/u.zip\"'\n"
                                    "  - expect: OK\n"
                                    "    within: 3s\n";

static void quiet_xml(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char err[DFOTA_ERRBUF];
    if (dfota_scenario_parse("fuzz-output.yaml", scenario_yaml, sizeof scenario_yaml - 1, &g_scenario,
                             err, sizeof err) != DFOTA_OK) {
        fprintf(stderr, "fuzz_output: the scenario: %s\n", err);
        abort();
    }
    xmlInitParser();
    xmlSetGenericErrorFunc(NULL, quiet_xml);
    return 0;
}

/* ---- an in-memory file --------------------------------------------------- */

typedef struct {
    char *buf;
    size_t len;
    FILE *f;
} mem;

static void mem_open(mem *m)
{
    m->buf = NULL;
    m->len = 0;
    m->f = open_memstream(&m->buf, &m->len);
    CHECK(m->f != NULL, "open_memstream");
}

static void mem_close(mem *m)
{
    CHECK(fclose(m->f) == 0, "a memory stream");
    m->f = NULL;
}

/* ---- the properties ------------------------------------------------------- */

static int g_secret_given; /* the input holds the password itself: it may show */

static void no_secret(const char *s, size_t n, const char *what)
{
    const char *p = g_secret_given ? NULL : memmem(s, n, PASSWORD, sizeof PASSWORD - 1);
    if (p) {
        size_t from = p - s > 160 ? (size_t)(p - s) - 160 : 0;
        fprintf(stderr, "fuzz_output: %s shows the password: %.*s\n", what, (int)((size_t)(p - s) - from + 40), s + from);
    }
    CHECK(!p, what);
}

/* Text for a terminal: no control byte but '\n', no DEL. */
static void terminal_text(const char *s, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\n') || c == 0x7f) {
            fprintf(stderr, "fuzz_output: %s: byte 0x%02x at %zu: %.*s\n", what, c, i,
                    (int)(n - i < 80 ? n - i : 80), s + i);
            CHECK(0, what);
        }
    }
}

static void json_parses(const char *s, size_t n, const char *what)
{
    json_error_t e;
    json_t *j = json_loadb(s, n, 0, &e);
    if (!j)
        fprintf(stderr, "fuzz_output: %s: %s at line %d\n", what, e.text, e.line);
    CHECK(j != NULL, what);
    json_decref(j);
}

static void xml_parses(const char *s, size_t n, const char *what)
{
    xmlDocPtr d = xmlReadMemory(s, (int)n, "fuzz.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR |
                                                             XML_PARSE_NOWARNING);
    if (!d) {
        const xmlError *e = xmlGetLastError();
        fprintf(stderr, "fuzz_output: %s: %s at line %d\n", what, e && e->message ? e->message : "?",
                e ? e->line : 0);
        fwrite(s, 1, n < 4096 ? n : 4096, stderr);
        fputc('\n', stderr);
    }
    CHECK(d != NULL, what);
    xmlFreeDoc(d);
}

/* The elements report_html.c writes, and libxml2's own for a document. */
static const char *const html_tags[] = {
    "html",    "head",  "body",   "meta",       "title",  "style",  "header", "footer", "section",
    "h1",      "h2",    "h3",     "p",          "br",     "b",      "a",      "span",   "div",
    "code",    "dl",    "dt",     "dd",         "table",  "thead",  "tbody",  "tr",     "th",
    "td",      "details", "summary", "figure", "figcaption", "blockquote", "svg", "g", "line",
    "polyline", "path", "rect",   "circle",     "text",   "colgroup", "col", NULL};

static int tag_known(const char *name)
{
    for (size_t i = 0; html_tags[i]; i++)
        if (strcmp(name, html_tags[i]) == 0)
            return 1;
    return 0;
}

static void html_node(xmlNodePtr n)
{
    for (; n; n = n->next) {
        if (n->type == XML_ELEMENT_NODE) {
            const char *name = (const char *)n->name;
            if (!tag_known(name))
                fprintf(stderr, "fuzz_output: report.html: a tag of its own: <%s>\n", name);
            CHECK(tag_known(name), "report.html has only its own tags");
            if (strcmp(name, "meta") == 0) {
                xmlChar *he = xmlGetProp(n, (const xmlChar *)"http-equiv");
                if (he) {
                    xmlChar *v = xmlGetProp(n, (const xmlChar *)"content");
                    CHECK(v && strcmp((const char *)he, "Content-Security-Policy") == 0 &&
                              strcmp((const char *)v, csp_value) == 0,
                          "the only http-equiv is the CSP, unchanged");
                    g_policies++;
                    xmlFree(v);
                    xmlFree(he);
                }
            }
            for (xmlAttrPtr a = n->properties; a; a = a->next) {
                const char *an = (const char *)a->name;
                CHECK(!((an[0] == 'o' || an[0] == 'O') && (an[1] == 'n' || an[1] == 'N')),
                      "report.html has no event handler");
                CHECK(strcmp(an, "src") != 0 && strcmp(an, "srcdoc") != 0 &&
                          strcmp(an, "formaction") != 0 &&
                          (strcmp(an, "http-equiv") != 0 || strcmp(name, "meta") == 0),
                      "report.html fetches nothing");
                if (strcmp(an, "href") == 0) {
                    xmlChar *v = xmlNodeGetContent((xmlNodePtr)a);
                    CHECK(v && v[0] == '#', "report.html links only within itself");
                    xmlFree(v);
                }
            }
        }
        html_node(n->children);
    }
}

static void html_keeps_policy(const char *s, size_t n)
{
    CHECK(memmem(s, n, csp, sizeof csp - 1) != NULL, "report.html keeps its CSP");
    htmlDocPtr d = htmlReadMemory(s, (int)n, "report.html", "utf-8",
                                  HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                      HTML_PARSE_NONET);
    CHECK(d != NULL, "report.html parses");
    g_policies = 0;
    html_node(xmlDocGetRootElement(d));
    xmlFreeDoc(d);
    CHECK(g_policies == 1, "report.html has its CSP meta, once, and no other http-equiv");
}

/* ---- reading, judging, writing ------------------------------------------- */

/* What the checker said, for the outputs and for the scenario result. */
typedef struct {
    dfota_sink outs[3];
    dfota_scenario_result *res;
} tee;

static void tee_finding(void *ctx, const dfota_finding *f)
{
    tee *t = ctx;
    for (int i = 0; i < 3; i++)
        if (t->outs[i].finding)
            t->outs[i].finding(t->outs[i].ctx, f);
    if (f->level != DFOTA_L_NOTE) {
        if (t->res->n_findings < DFOTA_RUN_FINDINGS_MAX)
            t->res->findings[t->res->n_findings++] = *f;
        else
            t->res->n_findings_dropped++;
    }
}

static void tee_flow(void *ctx, const dfota_flow_summary *s)
{
    tee *t = ctx;
    for (int i = 0; i < 3; i++)
        if (t->outs[i].flow)
            t->outs[i].flow(t->outs[i].ctx, s);
}

/* A slice of the input (not of the log: a slice of the URL's line would
 * show its password out of any URL, which no redactor could know), escaped as the runner escapes what a device said
 * before it puts it in a result (runner.h: what, detail, the model, the
 * firmware), into dst of cap bytes. */
static void slice(char *dst, size_t cap, const uint8_t *data, size_t size, size_t at)
{
    size_t n = 0;
    if (size > 0) {
        at %= size;
        n = size - at < cap / 4 ? size - at : cap / 4;
    }
    dfota_escape((const char *)data + at, n, dst, cap);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    unsigned sel = data[0];
    data++;
    size--;
    g_secret_given = memmem(data, size, PASSWORD, sizeof PASSWORD - 1) != NULL;
    /* The log: the input with the URL's line put in at a place it chooses. */
    size_t at = size ? (size_t)data[0] * 257 % (size + 1) : 0;
    size_t len = size + sizeof injected + 1;
    char *log = malloc(len);
    CHECK(log != NULL, "malloc");
    memcpy(log, data, at);
    size_t k = at;
    if (sel & 1u)
        log[k++] = '\n';
    memcpy(log + k, injected, sizeof injected - 1);
    k += sizeof injected - 1;
    memcpy(log + k, data + at, size - at);
    k += size - at;

    int keep = 0; /* --no-redact is not fuzzed: it shows the password on purpose */
    dfota_profile profile = (sel & 2u) ? DFOTA_PROFILE_FIELD : DFOTA_PROFILE_STRICT;
    mem out[3], tr;
    dfota_output *o[3];
    static const dfota_out_format fmts[3] = {DFOTA_OUT_TEXT, DFOTA_OUT_JSON, DFOTA_OUT_JUNIT};
    static const char *const fmt_names[3] = {"text output", "JSON output", "JUnit output"};
    dfota_scenario_result *res = calloc(1, sizeof *res);
    CHECK(res != NULL, "calloc");
    tee t;
    memset(&t, 0, sizeof t);
    t.res = res;
    for (int i = 0; i < 3; i++) {
        mem_open(&out[i]);
        o[i] = dfota_output_new(fmts[i], out[i].f, profile, 0);
        CHECK(o[i] != NULL, "an output");
        dfota_output_keep_secrets(o[i], keep);
        dfota_output_allow_empty(o[i], (int)(sel >> 2 & 1u));
        dfota_output_begin_file(o[i], "fuzz.log");
        t.outs[i] = dfota_output_sink(o[i]);
    }
    /* The transcript, in a memfd, named in the result as a run's is. */
    int fd = memfd_create("fuzz-transcript", 0);
    CHECK(fd >= 0, "memfd_create");
    FILE *tf = fdopen(fd, "w+");
    CHECK(tf != NULL, "fdopen");
    mem_open(&tr);
    const char *pairs[] = {"port", "usb:2c7c:0195:if02", "redacted", "credentials"};
    CHECK(dfota_transcript_write_header(tf, pairs, 2) == DFOTA_OK, "transcript header");

    FILE *in = fmemopen(log, k, "r");
    CHECK(in != NULL, "fmemopen");
    dfota_reader *r = dfota_reader_new(in, "fuzz.log");
    CHECK(r != NULL, "a reader");
    dfota_checker_opts co;
    dfota_checker_opts_init(&co);
    co.profile = profile;
    co.usb_port = (sel & 8u) ? 1 : -1;
    if (sel & 16u)
        dfota_checker_opts_host_windows(&co);
    co.judge_host = (int)(sel >> 5 & 1u);
    dfota_sink sink = {tee_finding, tee_flow, &t};
    dfota_checker *c = dfota_checker_new(&co, &sink);
    CHECK(c != NULL, "a checker");
    dfota_event ev;
    char err[DFOTA_ERRBUF] = "";
    int rc;
    unsigned long events = 0;
    int64_t first = DFOTA_T_NONE, last = DFOTA_T_NONE;
    while ((rc = dfota_reader_next(r, &ev, err, sizeof err)) > 0) {
        dfota_checker_feed(c, &ev);
        /* the transcript's writers: the one a run writes, and one shown */
        dfota_err w = dfota_transcript_write_shown(tf, &ev, keep);
        CHECK(w == DFOTA_OK || w == DFOTA_E_NOMEM, "the transcript");
        CHECK(dfota_transcript_write_shown(tr.f, &ev, keep) == w, "the transcript, again");
        events++;
        /* and what the run keeps of it for report.html, as the runner does:
         * the line after the transcript's header (3 lines) and the events */
        dfota_item it;
        dfota_classify(ev.data, ev.len, ev.dir, &it);
        dfota_event kept = ev;
        kept.line = 3 + events;
        dfota_scenario_result_add_line(res, &kept, &it, keep);
        if (ev.t_ns != DFOTA_T_NONE) {
            if (first == DFOTA_T_NONE)
                first = ev.t_ns;
            last = ev.t_ns;
        }
    }
    dfota_checker_finish(c);
    const dfota_checker_result *cres = dfota_checker_result_get(c);
    dfota_reader_stats st;
    dfota_reader_get_stats(r, &st);
    for (int i = 0; i < 3; i++) {
        dfota_output_end_file(o[i], cres, rc < 0 ? err : NULL, dfota_reader_format(r), &st);
        CHECK(dfota_output_finish(o[i]) == DFOTA_OK, fmt_names[i]);
        dfota_output_free(o[i]);
        mem_close(&out[i]);
    }
    CHECK(fflush(tf) == 0, "the transcript");
    mem_close(&tr);

    /* check's outputs and the transcript */
    terminal_text(out[0].buf, out[0].len, "text output");
    json_parses(out[1].buf, out[1].len, "JSON output");
    xml_parses(out[2].buf, out[2].len, "JUnit output");
    terminal_text(tr.buf, tr.len, "transcript");
    for (int i = 0; i < 3; i++)
        no_secret(out[i].buf, out[i].len, fmt_names[i]);
    no_secret(tr.buf, tr.len, "transcript");

    /* a run's report over the same */
    res->scenario = g_scenario;
    res->verdict = cres->verdict;
    res->rules = *cres;
    res->steps = calloc(g_scenario->n_steps, sizeof *res->steps);
    CHECK(res->steps != NULL, "calloc");
    for (size_t i = 0; i < g_scenario->n_steps; i++) {
        dfota_step_result *s = &res->steps[i];
        s->index = i;
        s->kind = g_scenario->steps[i].kind;
        s->line = 5 + 2 * i;
        slice(s->what, sizeof s->what, data, size, 7 * i);
        slice(s->detail, sizeof s->detail, data, size, 101 * i + at);
        s->verdict = (dfota_verdict)((sel >> 6) + i) % (DFOTA_V_FAIL + 1);
        s->event_line = i + 3;
        s->t_start_ns = first;
        s->t_end_ns = last;
        s->within_ns = 3000000000LL;
        s->rule = s->verdict == DFOTA_V_FAIL ? "STEP-EXPECT" : NULL;
    }
    slice(res->source, sizeof res->source, data, size, at);
    if (sel & 64u) {
        res->harness_error = 1;
        slice(res->error, sizeof res->error, data, size, at + 3);
    }
    slice(res->firmware_before, sizeof res->firmware_before, data, size, 13);
    slice(res->firmware_after, sizeof res->firmware_after, data, size, at + 29);
    slice(res->model, sizeof res->model, data, size, 41);
    snprintf(res->transcript, sizeof res->transcript, "/proc/self/fd/%d", fd);
    res->events = events;
    res->duration_ns = first != DFOTA_T_NONE ? last - first : 0;
    res->module_ns = res->duration_ns;
    res->interrupted = (int)(sel >> 7 & 1u);
    dfota_scenario_result_redact(res); /* what dfota_run_scenario does */

    dfota_run_report rep = {"dfota run", "2024-01-02T10:00:00Z", profile, res, 1, res->interrupted, NULL};
    mem rj, rx, rh, rs;
    mem_open(&rj);
    mem_open(&rx);
    mem_open(&rh);
    mem_open(&rs);
    CHECK(dfota_report_json(rj.f, &rep) == DFOTA_OK, "report.json");
    CHECK(dfota_report_junit(rx.f, &rep) == DFOTA_OK, "junit.xml");
    char herr[DFOTA_ERRBUF];
    CHECK(dfota_report_html(rh.f, &rep, herr, sizeof herr) == DFOTA_OK, "report.html");
    CHECK(dfota_report_summary(rs.f, &rep) == DFOTA_OK, "the summary");
    mem_close(&rj);
    mem_close(&rx);
    mem_close(&rh);
    mem_close(&rs);
    json_parses(rj.buf, rj.len, "report.json");
    xml_parses(rx.buf, rx.len, "junit.xml");
    html_keeps_policy(rh.buf, rh.len);
    terminal_text(rs.buf, rs.len, "the run's summary");
    no_secret(rj.buf, rj.len, "report.json");
    no_secret(rx.buf, rx.len, "junit.xml");
    no_secret(rh.buf, rh.len, "report.html");
    no_secret(rs.buf, rs.len, "the run's summary");

    free(rj.buf);
    free(rx.buf);
    free(rh.buf);
    free(rs.buf);
    dfota_scenario_result_clear(res);
    free(res);
    for (int i = 0; i < 3; i++)
        free(out[i].buf);
    free(tr.buf);
    dfota_checker_free(c);
    dfota_reader_free(r);
    fclose(in);
    fclose(tf);
    free(log);
    return 0;
}
