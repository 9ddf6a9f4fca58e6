/* SPDX-License-Identifier: MIT */
/* test_report_html.c - report.html (dfota_report_html): one self-contained
 * page, the verdict table, the SVG timeline (reboot gap, UPDATING curve,
 * failed window), the transcript with its failing lines, hostile device
 * bytes only ever escaped, and the page's bounds on huge transcripts.
 *
 * The results are built by hand, their timelines too (the events as a
 * run's transcript would show them: the page never reads a transcript),
 * so the test depends on the report alone. With DFOTA_HTML_OUT set, the
 * main page is also written there (e2e/html-chromium.sh renders it in a
 * browser). */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "suite.h"
#include <CUnit/CUnit.h>

#include "dfota/report.h"
#include "dfota/log.h"

#define NS_MS 1000000LL
#define NS_S 1000000000LL
#define HEADER_LINES 3 /* of the transcript the lines are numbered in: magic, module, started */
#define HOSTILE "+QIND: \"FOTA\",\x01\x1b<script>alert(1)</script>\xff\"&"

/* ---- fixtures ------------------------------------------------------------ */

static char dir[64];

typedef struct {
    int64_t t;
    char dir;
    const char *text;
} line_spec;

/* The FTP upgrade: command, a late OK, the download, the hostile line, the
 * reboot, START, UPDATING 1..100 and END,0. Line numbers: HEADER_LINES + 1 + index. */
#define EV_OK 1
#define EV_HOSTILE 3
#define EV_FTPSTART 2
#define N_UPGRADE 109
static const line_spec upgrade_head[] = {
    {0, '>', "AT+QFOTADL=\"ftp://test:***@10.0.0.1:21/update.zip\""},
    {4200 * NS_MS, '<', "OK"},
    {4500 * NS_MS, '<', "+QIND: \"FOTA\",\"FTPSTART\""},
    {30 * NS_S, '<', HOSTILE},
    {48200 * NS_MS, '<', "+QIND: \"FOTA\",\"FTPEND\",0"},
    {48900 * NS_MS, '!', "port-lost"},
    {71300 * NS_MS, '!', "port-back"},
    {71900 * NS_MS, '<', "+QIND: \"FOTA\",\"START\""},
};

static unsigned long line_of(size_t event_index)
{
    return HEADER_LINES + 1 + (unsigned long)event_index;
}

static void path_in_dir(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "%s/%s", dir, name);
}

/* Adds an event to r's timeline as the runner does (classified once, the
 * text kept as given), at the transcript line after the last one. */
static void put_event(dfota_scenario_result *r, int64_t t, char d, const char *text, size_t len)
{
    dfota_event ev = {.t_ns = t, .dir = (dfota_dir)d, .data = text, .len = len,
                      .full_len = len};
    ev.line = HEADER_LINES + 1 + r->n_timeline + r->timeline_dropped;
    dfota_item it;
    dfota_classify(text, len, ev.dir, &it);
    dfota_scenario_result_add_line(r, &ev, &it, 1);
}

/* Frees what put_event kept for n results. */
static void forget(dfota_scenario_result *r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dfota_scenario_result_clear_timeline(&r[i]);
}

/* The upgrade's events; untimed gives every time as unknown (a raw
 * capture's, which its transcript writes as 0). */
static int record_upgrade(dfota_scenario_result *r, int untimed)
{
    char text[64];
    for (size_t i = 0; i < sizeof upgrade_head / sizeof upgrade_head[0]; i++)
        put_event(r, untimed ? DFOTA_T_NONE : upgrade_head[i].t, upgrade_head[i].dir,
                  upgrade_head[i].text, strlen(upgrade_head[i].text));
    for (int p = 1; p <= 100; p++) {
        snprintf(text, sizeof text, "+QIND: \"FOTA\",\"UPDATING\",%d", p);
        put_event(r, untimed ? DFOTA_T_NONE : 73 * NS_S + p * 500 * NS_MS, '<', text,
                  strlen(text));
    }
    const char *end = "+QIND: \"FOTA\",\"END\",0";
    put_event(r, untimed ? DFOTA_T_NONE : 130 * NS_S, '<', end, strlen(end));
    return r->n_timeline == N_UPGRADE && r->timeline_dropped == 0;
}

/* n lines of module chatter, line big_at of them big bytes long. */
static int record_long(dfota_scenario_result *r, unsigned long n, unsigned long big_at,
                      size_t big)
{
    char *text_big = malloc(big);
    if (!text_big)
        return 0;
    memset(text_big, 'x', big);
    for (unsigned long i = 0; i < n; i++) {
        char text[48];
        snprintf(text, sizeof text, "+CSQ: %lu,99", i % 32);
        if (i == big_at)
            put_event(r, (int64_t)i * NS_MS, '<', text_big, big);
        else
            put_event(r, (int64_t)i * NS_MS, '<', text, strlen(text));
    }
    free(text_big);
    return r->n_timeline + r->timeline_dropped == n;
}

static char scn_file[] = "scenarios/3.1-ftp-upgrade.yaml", scn_name[] = "ftp-upgrade",
            scn_section[] = "3.1",
            scn_req[] = "It should be started with \"FTP://\" & the <path> is the package";
static char evil_name[] = "evil<marquee>&\"name", evil_section[] = "<i>3</i>",
            evil_req[] = "bytes \x01 and \x1b[31m in a requirement, and a bad byte \xc3";
static dfota_step scn_steps[7];
static dfota_scenario scn = {
    .file = scn_file,
    .name = scn_name,
    .section = scn_section,
    .requirement = scn_req,
    .sources = DFOTA_SRC_ALL,
    .steps = scn_steps,
    .n_steps = 7,
};
static dfota_scenario evil = {
    .name = evil_name,
    .section = evil_section,
    .requirement = evil_req,
    .sources = DFOTA_SRC_ALL,
};

static const struct {
    dfota_step_kind kind;
    const char *what;
} step_specs[7] = {
    {DFOTA_STEP_SEND, "send 'AT+QFOTADL=\"${FTP_URL}\"'"},
    {DFOTA_STEP_EXPECT, "expect OK within 3s"},
    {DFOTA_STEP_EXPECT_URC, "expect_urc FTPEND code 0 within 300s"},
    {DFOTA_STEP_REBOOT, "reboot within 300s"},
    {DFOTA_STEP_EXPECT_URC, "expect_urc START"},
    {DFOTA_STEP_EXPECT_PROGRESS, "expect_progress from 1 to 100"},
    {DFOTA_STEP_EXPECT_URC, "expect_urc END code 0"},
};

static void set_rule(dfota_scenario_result *r, dfota_rule rule, dfota_verdict v,
                     const char *reason)
{
    r->rules.rule[rule] = v;
    snprintf(r->rules.rule_reason[rule], sizeof r->rules.rule_reason[rule], "%s", reason);
}

/* The upgrade's result: step 2 failed its 3 s window (OK after 4.2 s),
 * and the checker failed URC-SYNTAX on the hostile line. */
static void fill_upgrade(dfota_scenario_result *r, dfota_step_result *steps, const char *path)
{
    memset(r, 0, sizeof *r);
    memset(steps, 0, 7 * sizeof steps[0]);
    r->scenario = &scn;
    r->steps = steps;
    snprintf(r->source, sizeof r->source, "transcript:%s", path);
    snprintf(r->transcript, sizeof r->transcript, "%s", path);
    r->verdict = DFOTA_V_FAIL;
    r->duration_ns = 130 * NS_S;
    r->events = N_UPGRADE;
    for (size_t i = 0; i < 7; i++) {
        scn_steps[i].kind = step_specs[i].kind;
        steps[i].index = i;
        steps[i].kind = step_specs[i].kind;
        snprintf(steps[i].what, sizeof steps[i].what, "%s", step_specs[i].what);
        steps[i].verdict = DFOTA_V_PASS;
        steps[i].t_start_ns = steps[i].t_end_ns = DFOTA_T_NONE;
    }
    dfota_step_result *late = &steps[1];
    late->verdict = DFOTA_V_FAIL;
    snprintf(late->detail, sizeof late->detail, "OK after 4.200s, \\x01<marquee>");
    late->event_line = line_of(EV_OK);
    late->t_start_ns = 0;
    late->t_end_ns = 4200 * NS_MS;
    late->within_ns = 3 * NS_S;
    late->rule = "TIME-FINAL-RESULT";
    steps[2].event_line = line_of(4);
    set_rule(r, DFOTA_R_CMD_FINAL, DFOTA_V_PASS, "");
    set_rule(r, DFOTA_R_PORT_REBOOT, DFOTA_V_PASS, "");
    set_rule(r, DFOTA_R_TIME_FINAL_RESULT, DFOTA_V_FAIL, "OK after 4.200s, window 3s");
    set_rule(r, DFOTA_R_URC_SYNTAX, DFOTA_V_FAIL, "a FOTA URC that cannot be parsed <marquee>");
    r->rules.verdict = DFOTA_V_FAIL;
    r->rules.timed = 1;
    dfota_finding *f = &r->findings[r->n_findings++];
    f->rule = DFOTA_R_URC_SYNTAX;
    f->level = DFOTA_L_FAIL;
    f->line = line_of(EV_HOSTILE);
    f->t_ns = 30 * NS_S;
    snprintf(f->expected, sizeof f->expected, "+QIND: \"FOTA\",\"<stage>\"");
    /* as the checker writes it: device bytes escaped once */
    dfota_escape(HOSTILE, strlen(HOSTILE), f->seen, sizeof f->seen);
    f = &r->findings[r->n_findings++];
    f->rule = DFOTA_R_PORT_REBOOT;
    f->level = DFOTA_L_NOTE;
    f->line = line_of(5);
    f->t_ns = 48900 * NS_MS;
    snprintf(f->seen, sizeof f->seen, "port-lost");
}

static void fill_bare(dfota_scenario_result *r, const dfota_scenario *sc, const char *path,
                      dfota_verdict v)
{
    memset(r, 0, sizeof *r);
    r->scenario = sc;
    r->verdict = v;
    snprintf(r->transcript, sizeof r->transcript, "%s", path);
    snprintf(r->source, sizeof r->source, "transcript:%s", path);
}

/* ---- rendering -------------------------------------------------------------- */

typedef struct {
    char *buf;
    size_t len;
    dfota_err rc;
    char err[DFOTA_ERRBUF];
} page;

static page render(const dfota_scenario_result *res, size_t n, int interrupted)
{
    page p = {NULL, 0, DFOTA_E_IO, ""};
    dfota_run_report rep = {"dfota run", "2026-11-24T21:00:00Z", DFOTA_PROFILE_STRICT, res, n,
                            interrupted, NULL};
    FILE *f = open_memstream(&p.buf, &p.len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    p.rc = dfota_report_html(f, &rep, p.err, sizeof p.err);
    fclose(f);
    return p;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0, k = strlen(needle);
    for (const char *p = strstr(hay, needle); p; p = strstr(p + k, needle))
        n++;
    return n;
}

static int has(const page *p, const char *needle)
{
    int ok = p->buf && strstr(p->buf, needle) != NULL;
    if (!ok)
        printf("\n  missing from the page: %s\n", needle);
    return ok;
}

static int lacks(const page *p, const char *needle)
{
    int ok = p->buf && strstr(p->buf, needle) == NULL;
    if (!ok)
        printf("\n  unexpected on the page: %s\n", needle);
    return ok;
}

static dfota_step_result up_steps[7];
static dfota_scenario_result up_res;
static char up_path[128];

static page render_upgrade(void)
{
    path_in_dir(up_path, sizeof up_path, "upgrade.transcript");
    forget(&up_res, 1);
    fill_upgrade(&up_res, up_steps, up_path);
    CU_ASSERT_FATAL(record_upgrade(&up_res, 0));
    return render(&up_res, 1, 0);
}

static char raw_name[] = "ftp-upgrade-raw-capture", raw_section[] = "3.1";
static dfota_scenario scn_raw = {.name = raw_name, .section = raw_section,
                                 .sources = DFOTA_SRC_ALL, .steps = scn_steps, .n_steps = 7};

/* Every kind of result on one page: the timed upgrade that failed, an
 * untimed capture, a transcript with no event, a harness error. */
static page render_showcase(void)
{
    static dfota_scenario_result res[4];
    static dfota_step_result steps[2][7];
    char raw[128], missing[128];
    path_in_dir(up_path, sizeof up_path, "upgrade.transcript");
    path_in_dir(raw, sizeof raw, "untimed.transcript");
    path_in_dir(missing, sizeof missing, "missing.transcript");
    forget(res, 4);
    fill_upgrade(&res[0], steps[0], up_path);
    CU_ASSERT_FATAL(record_upgrade(&res[0], 0));
    fill_upgrade(&res[1], steps[1], raw);
    CU_ASSERT_FATAL(record_upgrade(&res[1], 1));
    res[1].scenario = &scn_raw;
    res[1].verdict = DFOTA_V_INCOMPLETE;
    steps[1][1].verdict = DFOTA_V_PASS;
    steps[1][6].verdict = DFOTA_V_INCOMPLETE;
    snprintf(steps[1][6].detail, sizeof steps[1][6].detail, "the capture ends first");
    set_rule(&res[1], DFOTA_R_TIME_FINAL_RESULT, DFOTA_V_NA, "");
    set_rule(&res[1], DFOTA_R_SEQ_END, DFOTA_V_INCOMPLETE, "START without END: the log ends");
    fill_bare(&res[2], &evil, missing, DFOTA_V_INCOMPLETE);
    fill_bare(&res[3], &scn, "", DFOTA_V_INCOMPLETE);
    res[3].harness_error = 1;
    snprintf(res[3].error, sizeof res[3].error, "cannot open /dev/ttyUSB2: Permission denied");
    return render(res, 4, 0);
}

/* ---- the tests ------------------------------------------------------------------ */

static void test_self_contained(void)
{
    page p = render_showcase();
    CU_ASSERT_EQUAL(p.rc, DFOTA_OK);
    CU_ASSERT(strncmp(p.buf, "<!DOCTYPE html>\n", 16) == 0);
    CU_ASSERT(p.len > 7 && strcmp(p.buf + p.len - 8, "</html>\n") == 0);
    CU_ASSERT(strlen(p.buf) == p.len); /* no NUL byte inside */
    static const char *const banned[] = {"http://", "https://", "src=", "<script", "<link",
                                         "<img", "<iframe", "<object", "url(", "@import",
                                         "xlink:"};
    for (size_t i = 0; i < sizeof banned / sizeof banned[0]; i++)
        CU_ASSERT(lacks(&p, banned[i]));
    CU_ASSERT(has(&p, "Content-Security-Policy"));
    CU_ASSERT_EQUAL(count(p.buf, "<section class=\"scenario\""), 4);
    CU_ASSERT_EQUAL(count(p.buf, "<svg "), 2);
    const char *env = getenv("DFOTA_HTML_OUT");
    if (env && *env) {
        FILE *f = fopen(env, "w");
        CU_ASSERT_PTR_NOT_NULL(f);
        if (f) {
            CU_ASSERT_EQUAL(fwrite(p.buf, 1, p.len, f), p.len);
            CU_ASSERT_EQUAL(fclose(f), 0);
        }
    }
    free(p.buf);
}

/* Every byte is printable ASCII, valid UTF-8 or a newline: dfota_escape
 * lengthens exactly the backslashes (by 1) and the newlines (by 3). */
static void test_only_clean_bytes(void)
{
    page p = render_showcase();
    size_t cap = p.len * 4 + 1;
    char *esc = malloc(cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(esc);
    size_t got = dfota_escape(p.buf, p.len, esc, cap);
    size_t want = p.len + count(p.buf, "\\") + 3 * count(p.buf, "\n");
    CU_ASSERT_EQUAL(got, want);
    free(esc);
    free(p.buf);
}

static void test_hostile_payload_escaped(void)
{
    page p = render_upgrade();
    CU_ASSERT(has(&p, "\\x01\\x1b&lt;script&gt;alert(1)&lt;/script&gt;\\xff&quot;&amp;"));
    CU_ASSERT(lacks(&p, "<script"));
    CU_ASSERT(lacks(&p, "alert(1)</script>"));
    CU_ASSERT(lacks(&p, "\x01"));
    CU_ASSERT(lacks(&p, "\x1b"));
    CU_ASSERT(lacks(&p, "\xff"));
    /* the checker's text was escaped once: its backslashes are not doubled */
    CU_ASSERT(lacks(&p, "\\\\x01"));
    /* text from results and scenarios is escaped too */
    CU_ASSERT(lacks(&p, "<marquee"));
    CU_ASSERT(has(&p, "&lt;marquee&gt;"));
    CU_ASSERT(has(&p, "It should be started with &quot;FTP://&quot; &amp; the &lt;path&gt;"));
    free(p.buf);
}

static void test_verdict_table(void)
{
    page p = render_upgrade();
    CU_ASSERT(has(&p, "<table class=\"verdicts\""));
    CU_ASSERT(has(&p, "<td class=\"cell v-fail\" title=\"TIME-FINAL-RESULT FAIL: OK after 4.200s, "
                      "window 3s\"><a href=\"#scn-ftp-upgrade\">F</a></td>"));
    char want[200];
    snprintf(want, sizeof want,
             "<td class=\"cell v-fail\" title=\"URC-SYNTAX FAIL: a FOTA URC that cannot be parsed "
             "&lt;marquee&gt;\"><a href=\"#scn-ftp-upgrade-L%lu\">F</a></td>",
             line_of(EV_HOSTILE));
    CU_ASSERT(has(&p, want));
    CU_ASSERT(has(&p, "<td class=\"cell v-pass\" title=\"CMD-FINAL PASS: "));
    /* what failed comes first: the summary, before the table, with its legend */
    const char *sum = strstr(p.buf, "<section class=\"failures\" id=\"failures\">");
    const char *table = strstr(p.buf, "<table class=\"verdicts\"");
    CU_ASSERT(sum && table && sum < table);
    CU_ASSERT(has(&p, "<p class=\"legend\" id=\"legend\">"));
    CU_ASSERT(has(&p, "<span>PORT-REBOOT</span>"));
    /* only the rules that applied get a column */
    CU_ASSERT(lacks(&p, "<span>CODE-HTTP</span>"));
    CU_ASSERT(has(&p, "<a href=\"#scn-ftp-upgrade\">ftp-upgrade</a>"));
    CU_ASSERT(has(&p, "<span class=\"chip v-fail\">1 failed</span>"));
    CU_ASSERT(has(&p, "6/7</a>"));
    CU_ASSERT(has(&p, "<section class=\"scenario\" id=\"scn-ftp-upgrade\">"));
    CU_ASSERT(lacks(&p, "id=\"interrupted\""));
    free(p.buf);
}

/* The points of the first UPDATING polyline. */
static size_t polyline_points(const char *html)
{
    const char *p = strstr(html, "<polyline class=\"progress\" points=\"");
    if (!p)
        return 0;
    p += strlen("<polyline class=\"progress\" points=\"");
    const char *end = strchr(p, '"');
    size_t n = 0;
    for (; p < end; p++)
        n += *p == ',';
    return n;
}

static void test_timeline(void)
{
    page p = render_upgrade();
    CU_ASSERT(has(&p, "<svg viewBox="));
    CU_ASSERT_EQUAL(count(p.buf, "<rect class=\"reboot\""), 1);
    CU_ASSERT_EQUAL(count(p.buf, "<polyline class=\"progress\""), 1);
    CU_ASSERT_EQUAL(polyline_points(p.buf), 100);
    CU_ASSERT_EQUAL(count(p.buf, "<rect class=\"window-failed\""), 1);
    CU_ASSERT_EQUAL(count(p.buf, "<g class=\"fail-at\">"), 1);
    CU_ASSERT(has(&p, "<title>step 2 FAIL: expect OK within 3s"));
    CU_ASSERT(has(&p, "reboot gap: 22.4 s"));
    CU_ASSERT(has(&p, ">1 min</text>")); /* a tick in readable units */
    CU_ASSERT(lacks(&p, "no timestamps"));
    free(p.buf);
}

/* The reboot rect lies between port-lost (48.9 s) and port-back (71.3 s),
 * the failed window between 0 and 3 s, on the same axis. */
static void test_timeline_geometry(void)
{
    page p = render_upgrade();
    double rx = 0, rw = 0, wx = 0, ww = 0;
    const char *r = strstr(p.buf, "<rect class=\"reboot\" x=\"");
    const char *w = strstr(p.buf, "<rect class=\"window-failed\" x=\"");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    rx = strtod(strstr(r, "x=\"") + 3, NULL);
    rw = strtod(strstr(r, "width=\"") + 7, NULL);
    wx = strtod(strstr(w, "x=\"") + 3, NULL);
    ww = strtod(strstr(w, "width=\"") + 7, NULL);
    /* same scale: 22.4 s of gap against 3 s of window */
    CU_ASSERT(rw > 0 && ww > 0);
    double ratio = rw / ww;
    CU_ASSERT(ratio > 22.4 / 3 - 0.1 && ratio < 22.4 / 3 + 0.1);
    /* the window starts at the axis origin, the gap at 48.9 s of 130 s */
    double scale = ww / 3.0;
    CU_ASSERT(rx - wx > 48.9 * scale - 1 && rx - wx < 48.9 * scale + 1);
    free(p.buf);
}

static void test_fail_lines(void)
{
    page p = render_upgrade();
    char want[160];
    snprintf(want, sizeof want, "<tr id=\"scn-ftp-upgrade-L%lu\" class=\"fail-line\">",
             line_of(EV_HOSTILE));
    CU_ASSERT(has(&p, want));
    snprintf(want, sizeof want, "<tr id=\"scn-ftp-upgrade-L%lu\" class=\"fail-line\">",
             line_of(EV_OK));
    CU_ASSERT(has(&p, want));
    snprintf(want, sizeof want, "<tr id=\"scn-ftp-upgrade-L%lu\"><td class=\"ln\">%lu</td>",
             line_of(EV_FTPSTART), line_of(EV_FTPSTART));
    CU_ASSERT(has(&p, want));
    CU_ASSERT_EQUAL(count(p.buf, "class=\"fail-line\""), 2);
    CU_ASSERT_EQUAL(count(p.buf, "class=\"note-line\""), 1);
    /* the finding's text stands next to its line */
    const char *row = strstr(p.buf, "class=\"fail-line\"><td class=\"ln\">7</td>");
    CU_ASSERT_PTR_NOT_NULL_FATAL(row);
    const char *end = strstr(row, "</tr>");
    const char *why = strstr(row, "FAIL URC-SYNTAX");
    CU_ASSERT(why != NULL && why < end);
    row = strstr(p.buf, "class=\"fail-line\"><td class=\"ln\">5</td>");
    CU_ASSERT_PTR_NOT_NULL_FATAL(row);
    why = strstr(row, "step 2 FAIL (TIME-FINAL-RESULT)");
    CU_ASSERT(why != NULL && why < strstr(row, "</tr>"));
    /* every transcript line is listed with its time and direction */
    CU_ASSERT_EQUAL(count(p.buf, "<td class=\"ln\">"), N_UPGRADE);
    CU_ASSERT(has(&p, "<td class=\"t\">48.900</td><td class=\"dir d-harness\">!</td>"
                      "<td class=\"p\">port-lost"));
    free(p.buf);
}

/* Element ids are unique, also for two runs of one scenario. */
static void test_unique_ids(void)
{
    dfota_scenario_result res[2];
    dfota_step_result steps[2][7];
    char path[128];
    path_in_dir(path, sizeof path, "twice.transcript");
    fill_upgrade(&res[0], steps[0], path);
    fill_upgrade(&res[1], steps[1], path);
    CU_ASSERT_FATAL(record_upgrade(&res[0], 0));
    CU_ASSERT_FATAL(record_upgrade(&res[1], 0));
    page p = render(res, 2, 0);
    CU_ASSERT_EQUAL(p.rc, DFOTA_OK);
    CU_ASSERT(has(&p, "id=\"scn-ftp-upgrade\""));
    CU_ASSERT(has(&p, "id=\"scn-ftp-upgrade~2\""));
    size_t n = 0, dup = 0;
    const char **ids = malloc(4096 * sizeof *ids);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ids);
    for (const char *q = strstr(p.buf, " id=\""); q && n < 4096; q = strstr(q + 1, " id=\"")) {
        for (size_t i = 0; i < n; i++) {
            size_t a = strcspn(ids[i] + 5, "\""), b = strcspn(q + 5, "\"");
            dup += a == b && memcmp(ids[i] + 5, q + 5, a) == 0;
        }
        ids[n++] = q;
    }
    CU_ASSERT(n > 2 * N_UPGRADE);
    CU_ASSERT_EQUAL(dup, 0);
    free(ids);
    free(p.buf);
    forget(res, 2);
}

static void test_untimed(void)
{
    char path[128];
    path_in_dir(path, sizeof path, "untimed.transcript");
    dfota_scenario_result res;
    dfota_step_result steps[7];
    fill_upgrade(&res, steps, path);
    CU_ASSERT_FATAL(record_upgrade(&res, 1));
    page p = render(&res, 1, 0);
    CU_ASSERT_EQUAL(p.rc, DFOTA_OK);
    CU_ASSERT(has(&p, "no timestamps"));
    CU_ASSERT_EQUAL(polyline_points(p.buf), 100);
    CU_ASSERT_EQUAL(count(p.buf, "<rect class=\"reboot\""), 1);
    /* a window cannot be placed without times, the failed step still can */
    CU_ASSERT_EQUAL(count(p.buf, "<rect class=\"window-failed\""), 0);
    CU_ASSERT_EQUAL(count(p.buf, "<g class=\"fail-at\">"), 1);
    CU_ASSERT(has(&p, ">event 1</text>"));
    free(p.buf);
    forget(&res, 1);
}

/* A transcript with no event (the page reads no file: a missing one is
 * one the run wrote nothing to) is said on the page; the rest of the page
 * is whole. */
static void test_unreadable_transcript(void)
{
    dfota_scenario_result res[3];
    dfota_step_result steps[7];
    char missing[128], up[128];
    path_in_dir(missing, sizeof missing, "no<such>.transcript");
    path_in_dir(up, sizeof up, "upgrade2.transcript");
    fill_bare(&res[0], &evil, missing, DFOTA_V_INCOMPLETE);
    fill_upgrade(&res[1], steps, up);
    CU_ASSERT_FATAL(record_upgrade(&res[1], 0));
    fill_bare(&res[2], NULL, "", DFOTA_V_INCOMPLETE);
    res[2].harness_error = 1;
    snprintf(res[2].error, sizeof res[2].error, "cannot open /dev/ttyUSB9 <b>");
    page p = render(res, 3, 1);
    CU_ASSERT_EQUAL(p.rc, DFOTA_OK);
    CU_ASSERT(has(&p, "no&lt;such&gt;.transcript"));
    CU_ASSERT(lacks(&p, "no<such>"));
    CU_ASSERT(has(&p, "The transcript has no events: no timeline."));
    CU_ASSERT(has(&p, "Transcript: 0 lines"));
    CU_ASSERT(has(&p, "id=\"scn-ftp-upgrade\""));
    CU_ASSERT_EQUAL(polyline_points(p.buf), 100);
    CU_ASSERT(has(&p, "cannot open /dev/ttyUSB9 &lt;b&gt;"));
    CU_ASSERT(has(&p, "<span class=\"chip v-error\">1 errors</span>"));
    CU_ASSERT(has(&p, "id=\"interrupted\""));
    /* a hand-made name: escaped as text, reduced to a safe id */
    CU_ASSERT(has(&p, "evil&lt;marquee&gt;&amp;&quot;name"));
    CU_ASSERT(has(&p, "id=\"scn-evil_marquee___name\""));
    CU_ASSERT(has(&p, "bytes \\x01 and \\x1b[31m in a requirement, and a bad byte \\xc3"));
    CU_ASSERT(lacks(&p, "\x1b"));
    CU_ASSERT(has(&p, "(no scenario)"));
    CU_ASSERT(p.len > 8 && strcmp(p.buf + p.len - 8, "</html>\n") == 0);
    free(p.buf);
    forget(res, 3);
}

/* A huge run: the page lists the DFOTA_TIMELINE_MAX events the run kept
 * and sends its reader to the transcript file for the rest; a long payload
 * is cut. */
static void test_bounded(void)
{
    char path[128];
    path_in_dir(path, sizeof path, "long.transcript");
    const unsigned long n = DFOTA_TIMELINE_MAX + 100;
    dfota_scenario_result res;
    fill_bare(&res, &scn, path, DFOTA_V_FAIL);
    CU_ASSERT_FATAL(record_long(&res, n, 5, 2000));
    CU_ASSERT_EQUAL(res.n_timeline, DFOTA_TIMELINE_MAX);
    CU_ASSERT_EQUAL(res.timeline_dropped, 100);
    dfota_finding *f = &res.findings[res.n_findings++];
    f->rule = DFOTA_R_CMD_FINAL;
    f->level = DFOTA_L_FAIL;
    f->line = line_of(DFOTA_TIMELINE_MAX + 50); /* in the transcript, not in the result */
    res.rules.rule[DFOTA_R_CMD_FINAL] = DFOTA_V_FAIL;
    page p = render(&res, 1, 0);
    CU_ASSERT_EQUAL(p.rc, DFOTA_OK);
    CU_ASSERT_EQUAL(count(p.buf, "<td class=\"ln\">"), DFOTA_TIMELINE_MAX);
    CU_ASSERT(has(&p, "Transcript: 20100 lines"));
    CU_ASSERT(has(&p, "<tr class=\"skip\"><td colspan=\"4\">100 more lines: see the "
                      "transcript file</td></tr>"));
    char want[128];
    snprintf(want, sizeof want, "The timeline ends at line %lu: 100 more lines: see the "
             "transcript file.", line_of(DFOTA_TIMELINE_MAX - 1));
    CU_ASSERT(has(&p, want));
    /* the finding is listed with its line, which has no row */
    snprintf(want, sizeof want, "id=\"scn-ftp-upgrade-L%lu\"", line_of(DFOTA_TIMELINE_MAX + 50));
    CU_ASSERT(lacks(&p, want));
    snprintf(want, sizeof want, "<td>%lu</td>", line_of(DFOTA_TIMELINE_MAX + 50));
    CU_ASSERT(has(&p, want));
    CU_ASSERT(has(&p, "&hellip; 976 more bytes"));
    CU_ASSERT(p.len < 4u * 1024 * 1024);
    free(p.buf);
    forget(&res, 1);
}

/* A line longer than any a transcript holds (DFOTA_AT_LINE_MAX): the page
 * shows its start and how much more there was, and goes on. */
static void test_broken_transcript(void)
{
    char path[128];
    path_in_dir(path, sizeof path, "broken.transcript");
    dfota_scenario_result res[2];
    fill_bare(&res[0], &scn, path, DFOTA_V_INCOMPLETE);
    fill_bare(&res[1], &evil, path, DFOTA_V_INCOMPLETE);
    CU_ASSERT_FATAL(record_long(&res[0], 20, 10, DFOTA_AT_LINE_MAX + 100));
    CU_ASSERT_FATAL(record_long(&res[1], 20, 10, DFOTA_AT_LINE_MAX + 100));
    page p = render(res, 2, 0);
    CU_ASSERT_EQUAL(p.rc, DFOTA_OK);
    CU_ASSERT_EQUAL(count(p.buf, "<td class=\"ln\">"), 2 * 20);
    char want[64];
    snprintf(want, sizeof want, "&hellip; %d more bytes", DFOTA_AT_LINE_MAX + 100 - 1024);
    CU_ASSERT_EQUAL(count(p.buf, want), 2);
    CU_ASSERT(has(&p, "id=\"scn-evil_marquee___name\""));
    free(p.buf);
    forget(res, 2);
}

static void test_write_error(void)
{
    dfota_scenario_result res;
    dfota_step_result steps[7];
    char path[128];
    path_in_dir(path, sizeof path, "upgrade.transcript");
    fill_upgrade(&res, steps, path);
    CU_ASSERT_FATAL(record_upgrade(&res, 0));
    FILE *made = fopen(path, "w"); /* a file to open read-only */
    CU_ASSERT_PTR_NOT_NULL_FATAL(made);
    fclose(made);
    dfota_run_report rep = {"dfota run", "now", DFOTA_PROFILE_FIELD, &res, 1, 0, NULL};
    char err[DFOTA_ERRBUF] = "";
    FILE *full = fopen("/dev/full", "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(full);
    CU_ASSERT_EQUAL(dfota_report_html(full, &rep, err, sizeof err), DFOTA_E_IO);
    CU_ASSERT(strstr(err, "cannot write the HTML report") != NULL);
    fclose(full);
    FILE *ro = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(ro);
    CU_ASSERT_EQUAL(dfota_report_html(ro, &rep, err, sizeof err), DFOTA_E_IO);
    fclose(ro);
    CU_ASSERT_EQUAL(dfota_report_html(NULL, &rep, err, sizeof err), DFOTA_E_ARG);
    forget(&res, 1);
}

/* What a result keeps of each event, as the runner adds it: the line as
 * the transcript shows it (redacted unless the run keeps its secrets, an
 * unknown time as 0), its classification, its harness event, at most
 * DFOTA_TIMELINE_TEXT_MAX bytes of its text cut on a UTF-8 boundary, and
 * past DFOTA_TIMELINE_MAX events only a count. */
static void test_timeline_kept(void)
{
    dfota_scenario_result r;
    memset(&r, 0, sizeof r);
    const char *cmd = "AT+QFOTADL=\"ftp://user:S3cret@10.0.0.1/p.zip\"";
    const char *shown = "AT+QFOTADL=\"ftp://user:***@10.0.0.1/p.zip\"";
    dfota_event ev = {.t_ns = DFOTA_T_NONE, .dir = DFOTA_DIR_HOST, .data = cmd,
                      .len = strlen(cmd), .full_len = strlen(cmd), .line = 7};
    dfota_item it;
    dfota_classify(ev.data, ev.len, ev.dir, &it);
    dfota_scenario_result_add_line(&r, &ev, &it, 0);
    dfota_scenario_result_add_line(&r, &ev, &it, 1);
    CU_ASSERT_EQUAL_FATAL(r.n_timeline, 2);
    const dfota_timeline_entry *e = &r.timeline[0];
    CU_ASSERT_EQUAL(e->kind, DFOTA_ITEM_FOTADL);
    CU_ASSERT_EQUAL(e->dir, DFOTA_DIR_HOST);
    CU_ASSERT_EQUAL(e->t_ns, 0);
    CU_ASSERT_EQUAL(e->line, 7);
    CU_ASSERT_EQUAL(e->harness, DFOTA_HEV_NONE);
    CU_ASSERT_STRING_EQUAL(r.timeline_text + e->text, shown);
    CU_ASSERT_EQUAL(e->text_len, strlen(shown));
    CU_ASSERT_EQUAL(e->full_len, strlen(shown));
    CU_ASSERT_STRING_EQUAL(r.timeline_text + r.timeline[1].text, cmd);

    const char *urc = "+QIND: \"FOTA\",\"UPDATING\",42";
    ev = (dfota_event){.t_ns = 5 * NS_S, .dir = DFOTA_DIR_MODULE, .data = urc,
                       .len = strlen(urc), .full_len = strlen(urc), .line = 8};
    dfota_classify(ev.data, ev.len, ev.dir, &it);
    dfota_scenario_result_add_line(&r, &ev, &it, 0);
    const char *lost = "port-lost after 20 s";
    ev = (dfota_event){.t_ns = 6 * NS_S, .dir = DFOTA_DIR_HARNESS, .data = lost,
                       .len = strlen(lost), .full_len = strlen(lost), .line = 9};
    dfota_classify(ev.data, ev.len, ev.dir, &it);
    dfota_scenario_result_add_line(&r, &ev, &it, 0);
    CU_ASSERT_EQUAL_FATAL(r.n_timeline, 4);
    e = &r.timeline[2];
    CU_ASSERT_EQUAL(e->kind, DFOTA_ITEM_URC);
    CU_ASSERT_EQUAL(e->stage, DFOTA_STAGE_UPDATING);
    CU_ASSERT(e->has_code && e->code == 42);
    CU_ASSERT_EQUAL(e->t_ns, 5 * NS_S);
    CU_ASSERT_EQUAL(r.timeline[3].harness, DFOTA_HEV_PORT_LOST);

    /* 1100 bytes with an e-acute at 1023..1024: cut before it */
    char big[1100];
    memset(big, 'a', sizeof big);
    big[1023] = (char)0xc3;
    big[1024] = (char)0xa9;
    ev = (dfota_event){.t_ns = 7 * NS_S, .dir = DFOTA_DIR_MODULE, .data = big,
                       .len = sizeof big, .full_len = sizeof big, .line = 10};
    dfota_classify(ev.data, ev.len, ev.dir, &it);
    dfota_scenario_result_add_line(&r, &ev, &it, 0);
    e = &r.timeline[4];
    CU_ASSERT_EQUAL(e->text_len, 1023);
    CU_ASSERT_EQUAL(e->full_len, sizeof big);
    CU_ASSERT_EQUAL(r.timeline_text[e->text + e->text_len], '\0');

    ev = (dfota_event){.t_ns = 8 * NS_S, .dir = DFOTA_DIR_MODULE, .data = "OK", .len = 2,
                       .full_len = 2};
    dfota_classify(ev.data, ev.len, ev.dir, &it);
    for (unsigned long i = r.n_timeline; i < DFOTA_TIMELINE_MAX + 3; i++) {
        ev.line = 11 + i;
        dfota_scenario_result_add_line(&r, &ev, &it, 0);
    }
    CU_ASSERT_EQUAL(r.n_timeline, DFOTA_TIMELINE_MAX);
    CU_ASSERT_EQUAL(r.timeline_dropped, 3);
    CU_ASSERT_EQUAL(r.timeline[DFOTA_TIMELINE_MAX - 1].kind, DFOTA_ITEM_OK);
    dfota_scenario_result_clear_timeline(&r);
    CU_ASSERT_PTR_NULL(r.timeline);
    CU_ASSERT_PTR_NULL(r.timeline_text);
    CU_ASSERT_EQUAL(r.n_timeline + r.timeline_dropped, 0);
}

static void test_empty_run(void)
{
    page p = render(NULL, 0, 0);
    CU_ASSERT_EQUAL(p.rc, DFOTA_OK);
    CU_ASSERT(has(&p, "0 scenarios"));
    CU_ASSERT(has(&p, "</html>"));
    free(p.buf);
}

/* ---- the directory the transcripts are written to ---------------------------- */

static void remove_dir(void)
{
    static const char *const files[] = {"upgrade.transcript", "upgrade2.transcript",
                                        "twice.transcript", "untimed.transcript",
                                        "long.transcript", "broken.transcript"};
    char path[128];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        path_in_dir(path, sizeof path, files[i]);
        unlink(path);
    }
    rmdir(dir);
}

/* The module and the firmware it said it ran, before and after, escaped:
 * what a certification page must show. */
static void test_firmware(void)
{
    path_in_dir(up_path, sizeof up_path, "upgrade.transcript");
    forget(&up_res, 1);
    fill_upgrade(&up_res, up_steps, up_path);
    CU_ASSERT_FATAL(record_upgrade(&up_res, 0));
    snprintf(up_res.model, sizeof up_res.model, "Quectel EG95");
    snprintf(up_res.firmware_before, sizeof up_res.firmware_before, "EG95EFAR02A07M4G_01.002");
    snprintf(up_res.firmware_after, sizeof up_res.firmware_after, "<b>A08");
    page p = render(&up_res, 1, 0);
    CU_ASSERT(has(&p, "<dt>module</dt><dd>Quectel EG95</dd>"));
    CU_ASSERT(has(&p, "<dd class=\"firmware\">EG95EFAR02A07M4G_01.002 \xe2\x86\x92 &lt;b&gt;A08</dd>"));
    CU_ASSERT(lacks(&p, "<b>A08"));
    free(p.buf);
    up_res.firmware_before[0] = up_res.firmware_after[0] = up_res.model[0] = '\0';
    p = render(&up_res, 1, 0);
    CU_ASSERT(lacks(&p, "<dt>firmware</dt>"));
    CU_ASSERT(lacks(&p, "<dt>module</dt>"));
    free(p.buf);
}

/* Several modules side by side: a column each, linked, rows per rule and
 * scenario with the worst verdict, nothing active, hostile labels escaped. */
static void test_matrix(void)
{
    static dfota_scenario_result res[2];
    static dfota_step_result steps[2][7];
    path_in_dir(up_path, sizeof up_path, "upgrade.transcript");
    forget(res, 2);
    fill_upgrade(&res[0], steps[0], up_path);
    fill_upgrade(&res[1], steps[1], up_path);
    CU_ASSERT_FATAL(record_upgrade(&res[0], 0));
    CU_ASSERT_FATAL(record_upgrade(&res[1], 0));
    res[1].verdict = DFOTA_V_PASS;
    snprintf(res[0].firmware_before, sizeof res[0].firmware_before, "EG95EFAR02A07M4G");
    for (int r = 0; r < DFOTA_RULE_COUNT; r++)
        set_rule(&res[1], (dfota_rule)r, DFOTA_V_NA, "");
    set_rule(&res[1], DFOTA_R_CODE_END, DFOTA_V_PASS, "");
    set_rule(&res[0], DFOTA_R_CODE_END, DFOTA_V_FAIL, "END,504");
    dfota_run_report a = {"dfota run", "now", DFOTA_PROFILE_STRICT, &res[0], 1, 0, NULL};
    dfota_run_report b = {"dfota run", "now", DFOTA_PROFILE_STRICT, &res[1], 1, 1, NULL};
    dfota_matrix_column cols[2] = {{"1-emulator", "1-emulator/run-x/report.html", &a},
                                   {"2-<i>serial", NULL, &b}};
    page p = {NULL, 0, DFOTA_E_IO, ""};
    FILE *f = open_memstream(&p.buf, &p.len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    p.rc = dfota_report_matrix_html(f, "now", cols, 2, p.err, sizeof p.err);
    fclose(f);
    CU_ASSERT_EQUAL(p.rc, DFOTA_OK);
    CU_ASSERT(has(&p, "<a href=\"1-emulator/run-x/report.html\">1-emulator</a>"));
    CU_ASSERT(has(&p, "<th>2-&lt;i&gt;serial</th>"));
    CU_ASSERT(lacks(&p, "<i>serial"));
    CU_ASSERT(has(&p, "EG95EFAR02A07M4G"));
    CU_ASSERT(has(&p, "id=\"interrupted\""));
    /* CODE-END: FAIL in the first, PASS in the second */
    CU_ASSERT(has(&p, "CODE-END <span class=\"meta\">\xc2\xa7" "6</span></th><td class=\"cell v-fail\">FAIL</td><td class=\"cell v-pass\">PASS</td>"));
    CU_ASSERT(lacks(&p, "<script"));
    free(p.buf);
    f = open_memstream(&p.buf, &p.len);
    CU_ASSERT_EQUAL(dfota_report_matrix_html(f, "now", cols, 0, p.err, sizeof p.err), DFOTA_E_ARG);
    fclose(f);
    free(p.buf);
}

static const test_entry tests[] = {
    {"self-contained page", test_self_contained},
    {"only clean bytes", test_only_clean_bytes},
    {"hostile payload escaped", test_hostile_payload_escaped},
    {"verdict table", test_verdict_table},
    {"timeline", test_timeline},
    {"timeline geometry", test_timeline_geometry},
    {"fail lines", test_fail_lines},
    {"unique ids", test_unique_ids},
    {"untimed transcript", test_untimed},
    {"transcript with no event", test_unreadable_transcript},
    {"bounded listing", test_bounded},
    {"line longer than a transcript holds", test_broken_transcript},
    {"write error", test_write_error},
    {"empty run", test_empty_run},
    {"what a result keeps of each event", test_timeline_kept},
    {"module and firmware", test_firmware},
    {"several modules: the matrix page", test_matrix},
};

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/dfota-html-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    int rc = RUN_SUITE("report_html", tests);
    remove_dir();
    return rc;
}
