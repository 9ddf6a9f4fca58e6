/* SPDX-License-Identifier: MIT */
/* test_scenario.c - YAML scenarios (dfota/scenario.h): a full scenario into
 * its exact model, every kind of rejection with its FILE:LINE:COLUMN, the
 * limits at and one past each bound, alias bombs, loading from files, and
 * variables: the command line's, vars files' and the scenario's defaults. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "suite.h"
#include <CUnit/CUnit.h>

#include "dfota/scenario.h"

#define NS_PER_S 1000000000LL

/* ---- helpers ------------------------------------------------------------ */

/* A growing string for generated YAML. */
typedef struct {
    char *s;
    size_t len, cap;
} buf;

static void put(buf *b, const char *s)
{
    size_t n = strlen(s);
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
        char *p = realloc(b->s, cap);
        CU_ASSERT_PTR_NOT_NULL_FATAL(p);
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n + 1);
    b->len += n;
}

static void put_n(buf *b, const char *s, size_t times)
{
    for (size_t i = 0; i < times; i++)
        put(b, s);
}

/* Parses text as file "t"; checks the error code, that *out is NULL, and
 * that the message starts with prefix and holds fragment. Returns 1 when
 * all hold, and prints the case otherwise. */
static int rejects(const char *what, const char *text, size_t len, dfota_err want,
                   const char *prefix, const char *fragment)
{
    char err[1024];
    dfota_scenario *sc = (dfota_scenario *)&err; /* must become NULL */
    dfota_err rc = dfota_scenario_parse("t", text, len, &sc, err, sizeof err);
    int ok = rc == want && sc == NULL && strncmp(err, prefix, strlen(prefix)) == 0 &&
             strstr(err, fragment) != NULL;
    if (!ok)
        printf("\n  %s: rc %d (want %d), message '%s' (want '%s' ... '%s')\n", what, (int)rc,
               (int)want, err, prefix, fragment);
    if (rc == DFOTA_OK)
        dfota_scenario_free(sc);
    return ok;
}

static dfota_scenario *parses(const char *text)
{
    char err[1024] = "";
    dfota_scenario *sc = NULL;
    dfota_err rc = dfota_scenario_parse("t", text, strlen(text), &sc, err, sizeof err);
    if (rc != DFOTA_OK)
        printf("\n  unexpected error %d: %s\n", (int)rc, err);
    CU_ASSERT_EQUAL(rc, DFOTA_OK);
    return sc;
}

static double seconds_since(clock_t start)
{
    return (double)(clock() - start) / CLOCKS_PER_SEC;
}

/* ---- a full scenario, field by field -------------------------------------- */

static const char full_text[] =
    "# a comment before everything\n"
    "name: full\n"
    "section: \"3.1\"\n"
    "requirement: \"It should be started with \\\"FTP://\\\"\"\n"
    "tags: [ftp, upgrade-2]\n"
    "sources: [transcript, emulator]\n"
    "vars:\n"
    "  FTP_URL: \"ftp://test:test@127.0.0.1:21/update.zip\"\n"
    "  SERVER: ~\n"
    "  PORT: 21\n"
    "  EMPTY: ''\n"
    "emulator:\n"
    "  firmware: EG95ECR07A07M4G\n"
    "  target: EG95ECR07A08M4G\n"
    "  profile: field\n"
    "  port: usb\n"
    "  free_space: 64MiB\n"
    "  faults:\n"
    "    - {kind: download-error, code: 601, times: 2}\n"
    "    - kind: reboot-delay\n"
    "      at: 40%\n"
    "      delay: 2s\n"
    "steps:\n"                                       /* line 23 */
    "  - send: 'AT+QFOTADL=\"${FTP_URL}\"'\n"         /* 24: step 0 */
    "  - expect: OK\n"                               /* 25: step 1 */
    "    within: 3s\n"
    "  - expect: [OK, ERROR]\n"                      /* 27: step 2 */
    "    window: download\n"
    "  - expect_urc: FTPSTART\n"                     /* 29: step 3 */
    "  - expect_urc: FTPEND\n"                       /* 30: step 4 */
    "    code: [0, \"520-530\", 601-605, 7-7]\n"
    "    within: 300s\n"
    "    after: 1s\n"
    "  - reboot: {within: 300s}\n"                   /* 34: step 5 */
    "  - reboot:\n"                                  /* 35: step 6 */
    "  - expect_urc: START\n"                        /* 36: step 7 */
    "  - expect_progress: {from: 1, to: 90, max_gap: 120s}\n" /* 37: step 8 */
    "  - expect_progress: {max_gap: 2min}\n"         /* 38: step 9 */
    "  - expect_urc: UPDATING\n"                     /* 39: step 10 */
    "    code: 100\n"
    "  - {expect_urc: END, code: 0, window: rdy}\n"  /* 41: step 11 */
    "  - expect_silence: 5s\n"                       /* 42: step 12 */
    "  - expect_urc: HTTPEND\n"                      /* 43: step 13 */
    "  - reboot: {after: 10s}\n"                     /* 44: step 14 */
    "    within: 1min\n"
    "  - send: AT+QFOTADL=${SERVER}:${PORT}${EMPTY}\n"   /* 46: step 15 */
    "    within: 1s\n"
    "  - expect_urc: HTTPSTART\n"                    /* 48: step 16 */
    "    window: download\n";

static void check_step_common(const dfota_step *st, dfota_step_kind kind, unsigned long line,
                              dfota_window win)
{
    CU_ASSERT_EQUAL(st->kind, kind);
    CU_ASSERT_EQUAL(st->line, line);
    CU_ASSERT_EQUAL(st->column, 5);
    CU_ASSERT_EQUAL(st->window, win);
}

static void check_full_header(const dfota_scenario *sc)
{
    CU_ASSERT_STRING_EQUAL(sc->file, "t");
    CU_ASSERT_STRING_EQUAL(sc->name, "full");
    CU_ASSERT_STRING_EQUAL(sc->section, "3.1");
    CU_ASSERT_STRING_EQUAL(sc->requirement, "It should be started with \"FTP://\"");
    CU_ASSERT_EQUAL_FATAL(sc->n_tags, 2);
    CU_ASSERT_STRING_EQUAL(sc->tags[0], "ftp");
    CU_ASSERT_STRING_EQUAL(sc->tags[1], "upgrade-2");
    CU_ASSERT_EQUAL(sc->sources, DFOTA_SRC_TRANSCRIPT | DFOTA_SRC_EMULATOR);
    CU_ASSERT_EQUAL_FATAL(sc->n_vars, 4);
    CU_ASSERT_STRING_EQUAL(sc->vars[0].name, "FTP_URL");
    CU_ASSERT_STRING_EQUAL(sc->vars[0].value, "ftp://test:test@127.0.0.1:21/update.zip");
    CU_ASSERT_EQUAL(sc->vars[0].line, 8);
    CU_ASSERT_EQUAL(sc->vars[0].column, 3);
    CU_ASSERT_STRING_EQUAL(sc->vars[1].name, "SERVER");
    CU_ASSERT_PTR_NULL(sc->vars[1].value);
    CU_ASSERT_EQUAL(sc->vars[1].line, 9);
    CU_ASSERT_STRING_EQUAL(sc->vars[2].name, "PORT");
    CU_ASSERT_STRING_EQUAL(sc->vars[2].value, "21");
    CU_ASSERT_STRING_EQUAL(sc->vars[3].name, "EMPTY");
    CU_ASSERT_STRING_EQUAL(sc->vars[3].value, "");
}

static void check_full_emulator(const dfota_emulator_spec *em)
{
    CU_ASSERT_EQUAL(em->present, 1);
    CU_ASSERT_STRING_EQUAL(em->firmware, "EG95ECR07A07M4G");
    CU_ASSERT_STRING_EQUAL(em->target, "EG95ECR07A08M4G");
    CU_ASSERT_STRING_EQUAL(em->profile, "field");
    CU_ASSERT_STRING_EQUAL(em->port, "usb");
    CU_ASSERT_EQUAL(em->free_space, 64LL * 1024 * 1024);
    CU_ASSERT_EQUAL_FATAL(em->n_faults, 2);
    CU_ASSERT_STRING_EQUAL(em->faults[0].kind, "download-error");
    CU_ASSERT_EQUAL(em->faults[0].code, 601);
    CU_ASSERT_EQUAL(em->faults[0].times, 2);
    CU_ASSERT_EQUAL(em->faults[0].at_percent, -1);
    CU_ASSERT_EQUAL(em->faults[0].delay_ns, 0);
    CU_ASSERT_EQUAL(em->faults[0].line, 19);
    CU_ASSERT_EQUAL(em->faults[0].column, 7);
    CU_ASSERT_STRING_EQUAL(em->faults[1].kind, "reboot-delay");
    CU_ASSERT_EQUAL(em->faults[1].code, 0);
    CU_ASSERT_EQUAL(em->faults[1].times, 0);
    CU_ASSERT_EQUAL(em->faults[1].at_percent, 40);
    CU_ASSERT_EQUAL(em->faults[1].delay_ns, 2 * NS_PER_S);
    CU_ASSERT_EQUAL(em->faults[1].line, 20);
    CU_ASSERT_EQUAL(em->faults[1].column, 7);
}

static void check_full_steps_0_to_7(const dfota_step *s)
{
    check_step_common(&s[0], DFOTA_STEP_SEND, 24, DFOTA_WIN_COUNT);
    CU_ASSERT_STRING_EQUAL(s[0].text, "AT+QFOTADL=\"${FTP_URL}\"");
    CU_ASSERT_EQUAL(s[0].within_ns, 0);
    CU_ASSERT_EQUAL(s[0].from, -1);
    CU_ASSERT_EQUAL(s[0].to, -1);
    check_step_common(&s[1], DFOTA_STEP_EXPECT, 25, DFOTA_WIN_FINAL_RESULT);
    CU_ASSERT_EQUAL(s[1].outcomes, DFOTA_OUTCOME_OK);
    CU_ASSERT_EQUAL(s[1].within_ns, 3 * NS_PER_S);
    CU_ASSERT_EQUAL(s[1].after_ns, 0);
    CU_ASSERT_PTR_NULL(s[1].text);
    check_step_common(&s[2], DFOTA_STEP_EXPECT, 27, DFOTA_WIN_DOWNLOAD);
    CU_ASSERT_EQUAL(s[2].outcomes, DFOTA_OUTCOME_OK | DFOTA_OUTCOME_ERROR);
    check_step_common(&s[3], DFOTA_STEP_EXPECT_URC, 29, DFOTA_WIN_DOWNLOAD_START);
    CU_ASSERT_EQUAL(s[3].stage, DFOTA_STAGE_FTPSTART);
    CU_ASSERT_EQUAL(s[3].n_codes, 0);
    check_step_common(&s[4], DFOTA_STEP_EXPECT_URC, 30, DFOTA_WIN_DOWNLOAD);
    CU_ASSERT_EQUAL(s[4].stage, DFOTA_STAGE_FTPEND);
    CU_ASSERT_EQUAL_FATAL(s[4].n_codes, 4);
    CU_ASSERT(s[4].codes[0].lo == 0 && s[4].codes[0].hi == 0);
    CU_ASSERT(s[4].codes[1].lo == 520 && s[4].codes[1].hi == 530);
    CU_ASSERT(s[4].codes[2].lo == 601 && s[4].codes[2].hi == 605);
    CU_ASSERT(s[4].codes[3].lo == 7 && s[4].codes[3].hi == 7);
    CU_ASSERT_EQUAL(s[4].within_ns, 300 * NS_PER_S);
    CU_ASSERT_EQUAL(s[4].after_ns, 1 * NS_PER_S);
    check_step_common(&s[5], DFOTA_STEP_REBOOT, 34, DFOTA_WIN_REBOOT);
    CU_ASSERT_EQUAL(s[5].within_ns, 300 * NS_PER_S);
    CU_ASSERT_EQUAL(s[5].after_ns, 0);
    check_step_common(&s[6], DFOTA_STEP_REBOOT, 35, DFOTA_WIN_REBOOT);
    CU_ASSERT_EQUAL(s[6].within_ns, 0);
    CU_ASSERT_EQUAL(s[6].after_ns, 0);
    check_step_common(&s[7], DFOTA_STEP_EXPECT_URC, 36, DFOTA_WIN_START);
    CU_ASSERT_EQUAL(s[7].stage, DFOTA_STAGE_START);
}

static void check_full_steps_8_to_16(const dfota_step *s)
{
    check_step_common(&s[8], DFOTA_STEP_EXPECT_PROGRESS, 37, DFOTA_WIN_PROGRESS_GAP);
    CU_ASSERT_EQUAL(s[8].from, 1);
    CU_ASSERT_EQUAL(s[8].to, 90);
    CU_ASSERT_EQUAL(s[8].max_gap_ns, 120 * NS_PER_S);
    check_step_common(&s[9], DFOTA_STEP_EXPECT_PROGRESS, 38, DFOTA_WIN_PROGRESS_GAP);
    CU_ASSERT_EQUAL(s[9].from, -1);
    CU_ASSERT_EQUAL(s[9].to, 100);
    CU_ASSERT_EQUAL(s[9].max_gap_ns, 120 * NS_PER_S);
    check_step_common(&s[10], DFOTA_STEP_EXPECT_URC, 39, DFOTA_WIN_PROGRESS_GAP);
    CU_ASSERT_EQUAL(s[10].stage, DFOTA_STAGE_UPDATING);
    CU_ASSERT_EQUAL_FATAL(s[10].n_codes, 1);
    CU_ASSERT(s[10].codes[0].lo == 100 && s[10].codes[0].hi == 100);
    check_step_common(&s[11], DFOTA_STEP_EXPECT_URC, 41, DFOTA_WIN_RDY);
    CU_ASSERT_EQUAL(s[11].stage, DFOTA_STAGE_END);
    CU_ASSERT_EQUAL_FATAL(s[11].n_codes, 1);
    CU_ASSERT(s[11].codes[0].lo == 0 && s[11].codes[0].hi == 0);
    check_step_common(&s[12], DFOTA_STEP_EXPECT_SILENCE, 42, DFOTA_WIN_COUNT);
    CU_ASSERT_EQUAL(s[12].duration_ns, 5 * NS_PER_S);
    check_step_common(&s[13], DFOTA_STEP_EXPECT_URC, 43, DFOTA_WIN_DOWNLOAD);
    CU_ASSERT_EQUAL(s[13].stage, DFOTA_STAGE_HTTPEND);
    check_step_common(&s[14], DFOTA_STEP_REBOOT, 44, DFOTA_WIN_REBOOT);
    CU_ASSERT_EQUAL(s[14].after_ns, 10 * NS_PER_S);
    CU_ASSERT_EQUAL(s[14].within_ns, 60 * NS_PER_S);
    check_step_common(&s[15], DFOTA_STEP_SEND, 46, DFOTA_WIN_COUNT);
    CU_ASSERT_STRING_EQUAL(s[15].text, "AT+QFOTADL=${SERVER}:${PORT}${EMPTY}");
    CU_ASSERT_EQUAL(s[15].within_ns, 1 * NS_PER_S);
    check_step_common(&s[16], DFOTA_STEP_EXPECT_URC, 48, DFOTA_WIN_DOWNLOAD);
    CU_ASSERT_EQUAL(s[16].stage, DFOTA_STAGE_HTTPSTART);
}

static void test_full_scenario(void)
{
    dfota_scenario *sc = parses(full_text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
    check_full_header(sc);
    check_full_emulator(&sc->emulator);
    CU_ASSERT_EQUAL_FATAL(sc->n_steps, 17);
    check_full_steps_0_to_7(sc->steps);
    check_full_steps_8_to_16(sc->steps);
    dfota_scenario_free(sc);
}

static void test_minimal_defaults(void)
{
    dfota_scenario *sc = parses("name: 3.1-ftp\nsection: 4\nsteps: [{send: AT}]\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
    CU_ASSERT_STRING_EQUAL(sc->name, "3.1-ftp");
    CU_ASSERT_STRING_EQUAL(sc->section, "4");
    CU_ASSERT_PTR_NULL(sc->requirement);
    CU_ASSERT_EQUAL(sc->n_tags, 0);
    CU_ASSERT_EQUAL(sc->n_vars, 0);
    CU_ASSERT_EQUAL(sc->sources, DFOTA_SRC_ALL);
    CU_ASSERT_EQUAL(sc->emulator.present, 0);
    CU_ASSERT_EQUAL_FATAL(sc->n_steps, 1);
    CU_ASSERT_EQUAL(sc->steps[0].line, 3);
    CU_ASSERT_EQUAL(sc->steps[0].column, 9);
    CU_ASSERT_STRING_EQUAL(sc->steps[0].text, "AT");
    dfota_scenario_free(sc);
    /* The empty emulator block is present; a single expect: ERROR. */
    sc = parses("name: x\nsection: '2.3'\nemulator: {}\nsteps:\n- expect: ERROR\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
    CU_ASSERT_EQUAL(sc->emulator.present, 1);
    CU_ASSERT_EQUAL(sc->emulator.n_faults, 0);
    CU_ASSERT_EQUAL(sc->steps[0].outcomes, DFOTA_OUTCOME_ERROR);
    CU_ASSERT_EQUAL(sc->steps[0].column, 3);
    dfota_scenario_free(sc);
}

static void test_aliases_resolve(void)
{
    /* Anchors and aliases are YAML: a window reused, a step repeated. */
    dfota_scenario *sc = parses("name: x\nsection: '3'\nsteps:\n"
                                "  - &s {expect: OK, within: &w 3s}\n"
                                "  - *s\n"
                                "  - expect_urc: START\n"
                                "    within: *w\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
    CU_ASSERT_EQUAL_FATAL(sc->n_steps, 3);
    CU_ASSERT_EQUAL(sc->steps[1].kind, DFOTA_STEP_EXPECT);
    CU_ASSERT_EQUAL(sc->steps[1].within_ns, 3 * NS_PER_S);
    CU_ASSERT_EQUAL(sc->steps[1].line, 5); /* where the alias is used */
    CU_ASSERT_EQUAL(sc->steps[2].within_ns, 3 * NS_PER_S);
    dfota_scenario_free(sc);
}

static void test_free_space_units(void)
{
    static const struct {
        const char *text;
        int64_t bytes;
    } cases[] = {
        {"500000", 500000},      {"512B", 512},
        {"1K", 1024},            {"2KB", 2048},         {"3KiB", 3072},
        {"1M", 1LL << 20},       {"5MB", 5LL << 20},    {"64MiB", 64LL << 20},
        {"1G", 1LL << 30},       {"2GB", 2LL << 30},    {"1024GiB", 1LL << 40},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[160];
        snprintf(text, sizeof text, "name: x\nsection: '3'\nemulator: {free_space: %s}\n"
                 "steps: [{send: AT}]\n", cases[i].text);
        dfota_scenario *sc = parses(text);
        CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
        CU_ASSERT_EQUAL(sc->emulator.free_space, cases[i].bytes);
        if (sc->emulator.free_space != cases[i].bytes)
            printf("\n  free_space %s: %lld\n", cases[i].text, (long long)sc->emulator.free_space);
        dfota_scenario_free(sc);
    }
}

/* ---- rejections, each with its place ----------------------------------------- */

#define HEAD "name: t\nsection: '3'\nsteps:\n" /* steps start on line 4 */

static const struct {
    const char *what;
    const char *text;
    dfota_err rc;
    const char *prefix;
    const char *fragment;
} bad[] = {
    /* the document */
    {"empty", "", DFOTA_E_INPUT, "t:1:1: ", "empty"},
    {"only a comment", "# nothing\n", DFOTA_E_INPUT, "t:1:1: ", "empty"},
    {"not a mapping", "- a\n- b\n", DFOTA_E_INPUT, "t:1:1: ", "not a sequence"},
    {"a scalar", "just text\n", DFOTA_E_INPUT, "t:1:1: ", "not a scalar"},
    {"two documents", HEAD "  - send: AT\n---\nname: u\n", DFOTA_E_INPUT, "t:5:1: ",
     "second document"},
    {"syntax: indentation", "name: x\n  bad: y\n", DFOTA_E_INPUT, "t:2:6: ",
     "YAML syntax: mapping values are not allowed"},
    {"syntax: unclosed flow", "name: [a, b\nsection: '3'\n", DFOTA_E_INPUT, "t:2:8: ",
     "YAML syntax: did not find expected ',' or ']'"},
    {"syntax: tab indent", "name: x\n\tsection: '3'\n", DFOTA_E_INPUT, "t:2:1: ",
     "YAML syntax"},
    {"not UTF-8", "name: \xff\n", DFOTA_E_INPUT, "t:1:7: ", "not UTF-8"},
    {"a tag", "name: !!str x\n", DFOTA_E_INPUT, "t:1:7: ", "tag 'tag:yaml.org,2002:str'"},
    {"NUL in a scalar", "name: \"a\\0b\"\n", DFOTA_E_INPUT, "t:1:7: ", "NUL"},
    {"unknown alias", "name: *nope\n", DFOTA_E_INPUT, "t:1:7: ", "alias *nope names no"},
    {"recursive alias", "name: &a [*a]\n", DFOTA_E_INPUT, "t:1:11: ", "alias *a names no"},
    /* keys */
    {"unknown top key", HEAD "  - send: AT\nfoo: 1\n", DFOTA_E_INPUT, "t:5:1: ",
     "unknown key 'foo': use name, section, requirement, tags, sources, requires, vars, emulator, steps"},
    {"duplicate key", "name: t\nsection: '3'\nname: u\nsteps: [{send: AT}]\n", DFOTA_E_INPUT,
     "t:3:1: ", "duplicate key 'name' (first at 1:1)"},
    {"missing name", "section: '3'\nsteps: [{send: AT}]\n", DFOTA_E_INPUT, "t:1:1: ",
     "missing key 'name'"},
    {"missing section", "# c\nname: t\nsteps: [{send: AT}]\n", DFOTA_E_INPUT, "t:2:1: ",
     "missing key 'section'"},
    {"missing steps", "name: t\nsection: '3'\n", DFOTA_E_INPUT, "t:1:1: ",
     "missing key 'steps'"},
    {"a mapping as a key", "? {a: 1}\n: x\n", DFOTA_E_INPUT, "t:1:3: ",
     "a key must be text, not a mapping"},
    /* name, section, tags, sources */
    {"bad name", "name: Bad_Name\nsection: '3'\nsteps: [{send: AT}]\n", DFOTA_E_INPUT,
     "t:1:7: ", "bad name 'Bad_Name'"},
    {"name starts with a dot", "name: .x\nsection: '3'\nsteps: [{send: AT}]\n",
     DFOTA_E_INPUT, "t:1:7: ", "bad name"},
    {"name not text", "name: [a]\nsection: '3'\nsteps: [{send: AT}]\n", DFOTA_E_INPUT,
     "t:1:7: ", "name must be text, not a sequence"},
    {"empty name", "name:\nsection: '3'\nsteps: [{send: AT}]\n", DFOTA_E_INPUT, "t:1:6: ",
     "name must be text, not nothing"},
    {"bad section", "name: t\nsection: \"A\"\nsteps: [{send: AT}]\n", DFOTA_E_INPUT,
     "t:2:10: ", "section 'A' is not a section"},
    {"section 0", "name: t\nsection: '0.1'\nsteps: [{send: AT}]\n", DFOTA_E_INPUT,
     "t:2:10: ", "section '0.1'"},
    {"section too deep", "name: t\nsection: 3.1.1.1\nsteps: [{send: AT}]\n", DFOTA_E_INPUT,
     "t:2:10: ", "section '3.1.1.1'"},
    {"requirement a list", "name: t\nsection: '3'\nrequirement: [a]\nsteps: [{send: AT}]\n",
     DFOTA_E_INPUT, "t:3:14: ", "requirement must be text"},
    {"bad tag", "name: t\nsection: '3'\ntags: [ftp, Foo]\nsteps: [{send: AT}]\n",
     DFOTA_E_INPUT, "t:3:13: ", "bad tag 'Foo'"},
    {"tags not a list", "name: t\nsection: '3'\ntags: ftp\nsteps: [{send: AT}]\n",
     DFOTA_E_INPUT, "t:3:7: ", "tags must be a sequence, not a scalar"},
    {"unknown source", "name: t\nsection: '3'\nsources: [transcript, wire]\nsteps: [{send: AT}]\n",
     DFOTA_E_INPUT, "t:3:23: ", "unknown source 'wire'"},
    {"no sources", "name: t\nsection: '3'\nsources: []\nsteps: [{send: AT}]\n", DFOTA_E_INPUT,
     "t:3:10: ", "sources is empty"},
    /* vars and their use */
    {"bad var name", "name: t\nsection: '3'\nvars: {url: x}\nsteps: [{send: AT}]\n",
     DFOTA_E_INPUT, "t:3:8: ", "bad variable name 'url'"},
    {"var value a mapping", "name: t\nsection: '3'\nvars:\n  A: {b: 1}\nsteps: [{send: AT}]\n",
     DFOTA_E_INPUT, "t:4:7: ", "unknown key 'b' in a package variable: use ftp, http, file"},
    {"var value a sequence", "name: t\nsection: '3'\nvars:\n  A: [1]\nsteps: [{send: AT}]\n",
     DFOTA_E_INPUT, "t:4:6: ",
     "the value of A must be text, ~ or a package {ftp|http|file: [FROM, TO]}, not a sequence"},
    {"vars a list", "name: t\nsection: '3'\nvars: [A]\nsteps: [{send: AT}]\n", DFOTA_E_INPUT,
     "t:3:7: ", "vars must be a mapping"},
    {"duplicate var", "name: t\nsection: '3'\nvars: {A: 1, A: 2}\nsteps: [{send: AT}]\n",
     DFOTA_E_INPUT, "t:3:14: ", "duplicate key 'A'"},
    {"undefined variable", HEAD "  - send: 'AT+QFOTADL=\"${URL}\"'\n", DFOTA_E_INPUT,
     "t:4:11: ", "undefined variable ${URL}: declare it under vars"},
    {"undefined variable, vars after steps",
     HEAD "  - send: AT${A}${B}\nvars: {A: 1}\n", DFOTA_E_INPUT, "t:4:11: ",
     "undefined variable ${B}"},
    {"unclosed ${", "name: t\nsection: '3'\nvars: {URL: x}\nsteps:\n  - send: AT${URL\n",
     DFOTA_E_INPUT, "t:5:11: ", "never closed"},
    {"empty ${}", HEAD "  - send: AT${}\n", DFOTA_E_INPUT, "t:4:11: ", "bad variable '${}'"},
    {"lower-case ${x}", HEAD "  - send: AT${x}\n", DFOTA_E_INPUT, "t:4:11: ",
     "bad variable '${x}'"},
    /* steps */
    {"steps a mapping", "name: t\nsection: '3'\nsteps: {a: 1}\n", DFOTA_E_INPUT, "t:3:8: ",
     "steps must be a sequence, not a mapping"},
    {"no steps", "name: t\nsection: '3'\nsteps: []\n", DFOTA_E_INPUT, "t:3:8: ",
     "steps is empty"},
    {"step a scalar", HEAD "  - send\n", DFOTA_E_INPUT, "t:4:5: ",
     "a step must be a mapping, not a scalar"},
    {"step without kind", HEAD "  - within: 3s\n", DFOTA_E_INPUT, "t:4:5: ",
     "a step needs one of send, expect"},
    {"step with two kinds", HEAD "  - {send: AT, expect: OK}\n", DFOTA_E_INPUT, "t:4:16: ",
     "a step has one kind: send and expect both given"},
    {"unknown step key", HEAD "  - send: AT\n    foo: 1\n", DFOTA_E_INPUT, "t:5:5: ",
     "unknown key 'foo' in a send step: use send, within, after, window"},
    {"code on expect", HEAD "  - expect: OK\n    code: 0\n", DFOTA_E_INPUT, "t:5:5: ",
     "unknown key 'code' in an expect step: use expect, within, after, window"},
    {"duplicate step key", HEAD "  - expect: OK\n    within: 1s\n    within: 2s\n",
     DFOTA_E_INPUT, "t:6:5: ", "duplicate key 'within' (first at 5:5)"},
    {"send a list", HEAD "  - send: [a]\n", DFOTA_E_INPUT, "t:4:11: ",
     "send must be text, not a sequence"},
    {"send two lines", HEAD "  - send: \"AT\\r\\nAT\"\n", DFOTA_E_INPUT, "t:4:11: ",
     "line break"},
    {"expect YES", HEAD "  - expect: YES\n", DFOTA_E_INPUT, "t:4:13: ",
     "expect 'YES': use OK, ERROR or [OK, ERROR]"},
    {"expect +CME ERROR", HEAD "  - expect: [OK, '+CME ERROR']\n", DFOTA_E_INPUT,
     "t:4:18: ", "expect '+CME ERROR'"},
    {"expect empty list", HEAD "  - expect: []\n", DFOTA_E_INPUT, "t:4:13: ",
     "expect is empty"},
    {"expect a mapping", HEAD "  - expect: {OK: 1}\n", DFOTA_E_INPUT, "t:4:13: ",
     "expect must be text, not a mapping"},
    {"unknown stage", HEAD "  - expect_urc: FOO\n", DFOTA_E_INPUT, "t:4:17: ",
     "unknown stage 'FOO': use one of FTPSTART FTPEND HTTPSTART HTTPEND START UPDATING END"},
    {"stage in lower case", HEAD "  - expect_urc: ftpend\n", DFOTA_E_INPUT, "t:4:17: ",
     "unknown stage 'ftpend'"},
    {"stage outside the guide", HEAD "  - expect_urc: HTTPSEND\n", DFOTA_E_INPUT, "t:4:17: ",
     "unknown stage 'HTTPSEND'"},
    {"code on FTPSTART", HEAD "  - expect_urc: FTPSTART\n    code: 0\n", DFOTA_E_INPUT,
     "t:5:11: ", "FTPSTART carries no code: only FTPEND, HTTPEND, UPDATING and END do"},
    {"code on START", HEAD "  - {code: 1, expect_urc: START}\n", DFOTA_E_INPUT, "t:4:12: ",
     "START carries no code"},
    {"code not a number", HEAD "  - expect_urc: FTPEND\n    code: abc\n", DFOTA_E_INPUT,
     "t:5:11: ", "code 'abc': use an integer such as 0, or a range such as \"520-530\""},
    {"code negative", HEAD "  - expect_urc: FTPEND\n    code: -1\n", DFOTA_E_INPUT,
     "t:5:11: ", "code '-1'"},
    {"code range half", HEAD "  - expect_urc: FTPEND\n    code: [0, 520-]\n", DFOTA_E_INPUT,
     "t:5:15: ", "code '520-'"},
    {"code range backwards", HEAD "  - expect_urc: FTPEND\n    code: \"530-520\"\n",
     DFOTA_E_INPUT, "t:5:11: ", "code range '530-520' runs backwards"},
    {"code range one backwards", HEAD "  - expect_urc: FTPEND\n    code: 521-520\n",
     DFOTA_E_INPUT, "t:5:11: ", "code range '521-520' runs backwards"},
    {"code empty list", HEAD "  - expect_urc: END\n    code: []\n", DFOTA_E_INPUT, "t:5:11: ",
     "code is an empty list"},
    {"code too long", HEAD "  - expect_urc: END\n    code: 1234567890\n", DFOTA_E_INPUT,
     "t:5:11: ", "code '1234567890'"},
    {"too many codes",
     HEAD "  - expect_urc: END\n    code: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, "
          "16, 17]\n",
     DFOTA_E_TOO_BIG, "t:5:67: ", "more than 16 codes"},
    {"progress from > to", HEAD "  - expect_progress: {from: 80, to: 20}\n", DFOTA_E_INPUT,
     "t:4:37: ", "to 20 is below from 80"},
    {"progress from 101", HEAD "  - expect_progress: {from: 101}\n", DFOTA_E_INPUT,
     "t:4:29: ", "from must be an integer from 0 to 100, not '101'"},
    {"progress to -1", HEAD "  - expect_progress: {to: -1}\n", DFOTA_E_INPUT, "t:4:27: ",
     "to must be an integer from 0 to 100"},
    {"progress unknown key", HEAD "  - expect_progress: {from: 1, bogus: 2}\n", DFOTA_E_INPUT,
     "t:4:32: ", "unknown key 'bogus' in expect_progress: use from, to, max_gap"},
    {"progress a scalar", HEAD "  - expect_progress: 5\n", DFOTA_E_INPUT, "t:4:22: ",
     "expect_progress must be a mapping, not a scalar"},
    {"progress within inside", HEAD "  - expect_progress: {within: 5s}\n", DFOTA_E_INPUT,
     "t:4:23: ", "unknown key 'within' in expect_progress"},
    {"progress bad max_gap", HEAD "  - expect_progress: {max_gap: 2m}\n", DFOTA_E_INPUT,
     "t:4:32: ", "bad duration '2m'"},
    {"reboot a duration", HEAD "  - reboot: 5s\n", DFOTA_E_INPUT, "t:4:13: ",
     "reboot takes nothing or {within, after}, not a scalar"},
    {"reboot unknown key", HEAD "  - reboot: {within: 5s, code: 1}\n", DFOTA_E_INPUT,
     "t:4:26: ", "unknown key 'code' in reboot: use within, after"},
    {"within twice", HEAD "  - reboot: {within: 1s}\n    within: 2s\n", DFOTA_E_INPUT,
     "t:5:13: ", "within given twice in one step (first at 4:22)"},
    {"bad duration", HEAD "  - expect_silence: 5x\n", DFOTA_E_INPUT, "t:4:21: ",
     "bad duration '5x': use a number and one of ns us ms s min h"},
    {"duration without unit", HEAD "  - expect: OK\n    within: 30\n", DFOTA_E_INPUT,
     "t:5:13: ", "bad duration '30'"},
    {"duration too long", HEAD "  - expect: OK\n    within: 24001h\n", DFOTA_E_TOO_BIG,
     "t:5:13: ", "within '24001h' is over 1000 days"},
    {"silence of 0", HEAD "  - expect_silence: 0s\n", DFOTA_E_INPUT, "t:4:21: ",
     "expect_silence must be longer than 0"},
    {"silence empty", HEAD "  - expect_silence:\n", DFOTA_E_INPUT, "t:4:20: ",
     "expect_silence must be text, not nothing"},
    {"within 0", HEAD "  - expect: OK\n    within: 0s\n", DFOTA_E_INPUT, "t:5:13: ",
     "within must be longer than 0"},
    {"within not past after", HEAD "  - expect: OK\n    within: 5s\n    after: 10s\n",
     DFOTA_E_INPUT, "t:5:13: ", "within 5s must be longer than after 10s"},
    {"within equal to after", HEAD "  - {reboot: {after: 5s}, within: 5000ms}\n",
     DFOTA_E_INPUT, "t:4:35: ", "within 5000ms must be longer than after 5s"},
    {"unknown window", HEAD "  - expect: OK\n    window: fast\n", DFOTA_E_INPUT, "t:5:13: ",
     "unknown window 'fast': use final-result, download-start, download, start"},
    {"window a list", HEAD "  - expect: OK\n    window: [end]\n", DFOTA_E_INPUT, "t:5:13: ",
     "window must be text, not a sequence"},
    /* emulator */
    {"emulator a list", HEAD "  - send: AT\nemulator: [a]\n", DFOTA_E_INPUT, "t:5:11: ",
     "emulator must be a mapping"},
    {"emulator unknown key", HEAD "  - send: AT\nemulator: {speed: 1}\n", DFOTA_E_INPUT,
     "t:5:12: ", "unknown key 'speed' in emulator: use firmware, target, profile, port"},
    {"emulator bad port", HEAD "  - send: AT\nemulator: {port: pcie}\n", DFOTA_E_INPUT,
     "t:5:18: ", "bad port 'pcie': use usb, uart"},
    {"emulator bad profile", HEAD "  - send: AT\nemulator: {profile: Lax}\n", DFOTA_E_INPUT,
     "t:5:21: ", "bad profile 'Lax': use [a-z0-9-]+"},
    {"free_space 10TB", HEAD "  - send: AT\nemulator: {free_space: 2048GB}\n", DFOTA_E_INPUT,
     "t:5:24: ", "free_space '2048GB' must be bytes from 1 to 1TiB"},
    {"free_space 0", HEAD "  - send: AT\nemulator: {free_space: 0}\n", DFOTA_E_INPUT,
     "t:5:24: ", "free_space '0'"},
    {"free_space lower-case unit", HEAD "  - send: AT\nemulator: {free_space: 5mb}\n",
     DFOTA_E_INPUT, "t:5:24: ", "free_space '5mb'"},
    {"faults a mapping", HEAD "  - send: AT\nemulator:\n  faults: {kind: garbage}\n",
     DFOTA_E_INPUT, "t:6:11: ", "faults must be a sequence"},
    {"fault without kind", HEAD "  - send: AT\nemulator:\n  faults:\n    - code: 1\n",
     DFOTA_E_INPUT, "t:7:7: ", "missing key 'kind' in a fault"},
    {"fault unknown kind", HEAD "  - send: AT\nemulator:\n  faults:\n    - kind: meteor\n",
     DFOTA_E_INPUT, "t:7:13: ", "unknown fault kind 'meteor': use download-error, "},
    {"fault unknown key", HEAD "  - send: AT\nemulator:\n  faults:\n    - {kind: garbage, x: 1}\n",
     DFOTA_E_INPUT, "t:7:23: ", "unknown key 'x' in a fault: use kind, code, at, times, delay"},
    {"fault at 150%", HEAD "  - send: AT\nemulator:\n  faults:\n    - {kind: update-fail, at: 150%}\n",
     DFOTA_E_INPUT, "t:7:31: ", "at must be a percentage from 0 to 100, not '150%'"},
    {"fault times 0", HEAD "  - send: AT\nemulator:\n  faults:\n    - {kind: garbage, times: 0}\n",
     DFOTA_E_INPUT, "t:7:30: ", "times must be an integer from 1 to"},
    {"fault code text", HEAD "  - send: AT\nemulator:\n  faults:\n    - {kind: download-error, code: x}\n",
     DFOTA_E_INPUT, "t:7:36: ", "code must be an integer"},
    {"fault bad delay", HEAD "  - send: AT\nemulator:\n  faults:\n    - {kind: reboot-delay, delay: 3}\n",
     DFOTA_E_INPUT, "t:7:35: ", "bad duration '3'"},
};

static void test_rejections(void)
{
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CU_ASSERT(rejects(bad[i].what, bad[i].text, strlen(bad[i].text), bad[i].rc,
                          bad[i].prefix, bad[i].fragment));
}

/* ---- limits: at each bound, and one past it --------------------------------- */

static void test_limit_file_size(void)
{
    /* 4096 lines of 64 bytes are exactly DFOTA_SCENARIO_FILE_MAX: the first
     * byte past it starts line 4097. */
    buf b = {0};
    put(&b, "name: t\nsection: '3'\nsteps: [{send: AT}]\n");
    while (b.len < DFOTA_SCENARIO_FILE_MAX) {
        char line[65];
        memset(line, '#', 63);
        line[63] = '\n';
        line[64] = '\0';
        size_t room = DFOTA_SCENARIO_FILE_MAX - b.len;
        if (room < 64) {
            line[room - 1] = '\n';
            line[room] = '\0';
        }
        put(&b, line);
    }
    CU_ASSERT_EQUAL_FATAL(b.len, DFOTA_SCENARIO_FILE_MAX);
    dfota_scenario *sc = parses(b.s);
    CU_ASSERT_PTR_NOT_NULL(sc);
    dfota_scenario_free(sc);
    put(&b, "x");
    unsigned long lines = 1;
    for (size_t i = 0; i + 1 < b.len; i++)
        lines += b.s[i] == '\n';
    char prefix[32];
    snprintf(prefix, sizeof prefix, "t:%lu:1: ", lines);
    CU_ASSERT(rejects("file too big", b.s, b.len, DFOTA_E_TOO_BIG, prefix, "past 262144 bytes"));
    free(b.s);
}

static void test_limit_depth(void)
{
    /* The root mapping and the steps sequence are two levels: 14 more reach
     * the bound (16, refused for its content), 15 more pass it at the
     * 17th collection, the 15th '[' on its line (column 8 + 14). */
    buf b = {0};
    put(&b, "name: t\nsection: '3'\nsteps: ");
    put_n(&b, "[", 15);
    put(&b, "1");
    put_n(&b, "]", 15);
    put(&b, "\n");
    CU_ASSERT(rejects("depth 16", b.s, b.len, DFOTA_E_INPUT, "t:3:9: ",
                      "a step must be a mapping, not a sequence"));
    b.len = 0;
    put(&b, "name: t\nsection: '3'\nsteps: ");
    put_n(&b, "[", 16);
    put(&b, "1");
    put_n(&b, "]", 16);
    put(&b, "\n");
    CU_ASSERT(rejects("depth 17", b.s, b.len, DFOTA_E_TOO_BIG, "t:3:23: ",
                      "nested deeper than 16 collections"));
    /* Deep block nesting too, and a very deep one stops as soon. */
    b.len = 0;
    put(&b, "name: t\nsection: '3'\nsteps: ");
    put_n(&b, "[", 100000);
    CU_ASSERT(rejects("depth 100000", b.s, b.len, DFOTA_E_TOO_BIG, "t:3:23: ", "nested deeper"));
    free(b.s);
}

static void test_limit_aliases(void)
{
    /* 16 aliases: 17 steps, all valid; the 17th alias at column 14+4*16. */
    buf b = {0};
    put(&b, "name: t\nsection: '3'\nsteps: [&s {send: AT}");
    put_n(&b, ", *s", 16);
    put(&b, "]\n");
    dfota_scenario *sc = parses(b.s);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
    CU_ASSERT_EQUAL(sc->n_steps, 17);
    CU_ASSERT_STRING_EQUAL(sc->steps[16].text, "AT");
    dfota_scenario_free(sc);
    b.len = 0;
    put(&b, "name: t\nsection: '3'\nsteps: [&s {send: AT}");
    put_n(&b, ", *s", 17);
    put(&b, "]\n");
    CU_ASSERT(rejects("17 aliases", b.s, b.len, DFOTA_E_TOO_BIG, "t:3:88: ",
                      "more than 16 aliases"));
    free(b.s);
}

static void test_limit_nodes(void)
{
    /* a: 1 + 1248 nodes; b: 1 + 15 aliases of 1249; c: 1 + 10: with the
     * root and the three keys, exactly DFOTA_SCENARIO_NODES_MAX (refused
     * for its keys, not its size). An 11th scalar in c, at column 5 + 2 * 10,
     * passes the bound. */
    buf b = {0};
    put(&b, "a: &a [0");
    put_n(&b, ",0", 1247);
    put(&b, "]\nb: [*a");
    put_n(&b, ",*a", 14);
    put(&b, "]\nc: [0");
    put_n(&b, ",0", 9);
    put(&b, "]\n");
    CU_ASSERT(rejects("20000 nodes", b.s, b.len, DFOTA_E_INPUT, "t:1:1: ", "unknown key 'a'"));
    b.len -= 2;
    put(&b, ",0]\n");
    CU_ASSERT(rejects("20001 nodes", b.s, b.len, DFOTA_E_TOO_BIG, "t:3:25: ",
                      "more than 20000 nodes once aliases are expanded"));
    /* Without aliases: the root, x and its list are 3 nodes; the 19998th
     * scalar, at column 5 + 2 * 19997, is one too many. */
    b.len = 0;
    put(&b, "x: [0");
    put_n(&b, ",0", 25000);
    put(&b, "]\n");
    CU_ASSERT(rejects("many nodes", b.s, b.len, DFOTA_E_TOO_BIG, "t:1:39999: ",
                      "more than 20000 nodes once aliases are expanded"));
    char err[256];
    dfota_scenario *sc = NULL;
    CU_ASSERT_EQUAL(dfota_scenario_parse("t", b.s, b.len, &sc, err, sizeof err), DFOTA_E_TOO_BIG);
    CU_ASSERT_PTR_NULL(strstr(err, "alias bomb")); /* no alias: no hint of one */
    free(b.s);
}

static void test_alias_bombs(void)
{
    /* The billion laughs: nine aliases a level; refused by the alias count
     * at the 17th alias, the 8th on line 3 (column 8 + 3 * 7). */
    static const char laughs[] =
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
        "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
        "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
        "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
        "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
        "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
        "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
        "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
        "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
    /* Sixteen aliases, each doubling: 511 nodes, under both bounds, so the
     * file gets as far as its keys. */
    static const char doubling[] =
        "a: &a [x, y]\nb: &b [*a, *a]\nc: &c [*b, *b]\nd: &d [*c, *c]\ne: &e [*d, *d]\n"
        "f: &f [*e, *e]\ng: &g [*f, *f]\nh: &h [*g, *g]\ni: [*h, *h]\n";
    clock_t start = clock();
    CU_ASSERT(rejects("billion laughs", laughs, strlen(laughs), DFOTA_E_TOO_BIG, "t:3:29: ",
                      "more than 16 aliases"));
    /* A wide first level under the alias budget: 1000 scalars, then 8
     * aliases of it (9013 nodes so far), then aliases of that: the 2nd one
     * (column 5 + 3) passes 20000. */
    buf b = {0};
    put(&b, "a: &a [0");
    put_n(&b, ",0", 999);
    put(&b, "]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a]\nc: [*b,*b,*b,*b,*b,*b,*b,*b]\n");
    CU_ASSERT(rejects("wide bomb", b.s, b.len, DFOTA_E_TOO_BIG, "t:3:8: ",
                      "more than 20000 nodes"));
    CU_ASSERT(rejects("doubling", doubling, strlen(doubling), DFOTA_E_INPUT, "t:1:1: ",
                      "unknown key 'a'"));
    CU_ASSERT(seconds_since(start) < 0.5);
    free(b.s);
}

static void test_limit_scalar(void)
{
    buf b = {0};
    put(&b, HEAD "  - send: ");
    put_n(&b, "A", DFOTA_SCENARIO_TEXT_MAX);
    put(&b, "\n");
    dfota_scenario *sc = parses(b.s);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
    CU_ASSERT_EQUAL(strlen(sc->steps[0].text), DFOTA_SCENARIO_TEXT_MAX);
    dfota_scenario_free(sc);
    b.len = 0;
    put(&b, HEAD "  - send: ");
    put_n(&b, "A", DFOTA_SCENARIO_TEXT_MAX + 1);
    put(&b, "\n");
    CU_ASSERT(rejects("long scalar", b.s, b.len, DFOTA_E_TOO_BIG, "t:4:11: ",
                      "a scalar of 1025 bytes: the most is 1024"));
    free(b.s);
}

/* n list items "  - ITEM" after a head; the last one is on line first + n - 1. */
static char *items(const char *head, const char *item, size_t n, const char *tail)
{
    buf b = {0};
    put(&b, head);
    put_n(&b, item, n);
    put(&b, tail);
    return b.s;
}

static void test_limit_counts(void)
{
    char prefix[32];
    char *s = items(HEAD, "  - send: AT\n", DFOTA_SCENARIO_STEPS_MAX, "");
    dfota_scenario *sc = parses(s);
    CU_ASSERT_PTR_NOT_NULL(sc);
    CU_ASSERT(sc && sc->n_steps == DFOTA_SCENARIO_STEPS_MAX);
    dfota_scenario_free(sc);
    free(s);
    s = items(HEAD, "  - send: AT\n", DFOTA_SCENARIO_STEPS_MAX + 1, "");
    snprintf(prefix, sizeof prefix, "t:%d:5: ", 4 + DFOTA_SCENARIO_STEPS_MAX);
    CU_ASSERT(rejects("257 steps", s, strlen(s), DFOTA_E_TOO_BIG, prefix, "more than 256 steps"));
    free(s);

    /* Tags: one a line in a block sequence from line 4. */
    s = items("name: t\nsection: '3'\ntags:\n", "  - a\n", DFOTA_SCENARIO_TAGS_MAX,
              "steps: [{send: AT}]\n");
    sc = parses(s);
    CU_ASSERT(sc && sc->n_tags == DFOTA_SCENARIO_TAGS_MAX);
    dfota_scenario_free(sc);
    free(s);
    s = items("name: t\nsection: '3'\ntags:\n", "  - a\n", DFOTA_SCENARIO_TAGS_MAX + 1,
              "steps: [{send: AT}]\n");
    snprintf(prefix, sizeof prefix, "t:%d:5: ", 4 + DFOTA_SCENARIO_TAGS_MAX);
    CU_ASSERT(rejects("33 tags", s, strlen(s), DFOTA_E_TOO_BIG, prefix, "more than 32 tags"));
    free(s);

    /* Faults. */
    s = items("name: t\nsection: '3'\nsteps: [{send: AT}]\nemulator:\n  faults:\n",
              "    - kind: garbage\n", 16, "");
    sc = parses(s);
    CU_ASSERT(sc && sc->emulator.n_faults == 16);
    dfota_scenario_free(sc);
    free(s);
    s = items("name: t\nsection: '3'\nsteps: [{send: AT}]\nemulator:\n  faults:\n",
              "    - kind: garbage\n", 17, "");
    CU_ASSERT(rejects("17 faults", s, strlen(s), DFOTA_E_TOO_BIG, "t:22:7: ",
                      "more than 16 faults"));
    free(s);
}

static void test_limit_vars(void)
{
    buf b = {0};
    char line[32], prefix[32];
    put(&b, "name: t\nsection: '3'\nsteps: [{send: AT}]\nvars:\n");
    for (int i = 0; i < DFOTA_SCENARIO_VARS_MAX; i++) {
        snprintf(line, sizeof line, "  V%d: %d\n", i, i);
        put(&b, line);
    }
    dfota_scenario *sc = parses(b.s);
    CU_ASSERT(sc && sc->n_vars == DFOTA_SCENARIO_VARS_MAX);
    CU_ASSERT(sc && strcmp(sc->vars[63].name, "V63") == 0 && strcmp(sc->vars[63].value, "63") == 0);
    dfota_scenario_free(sc);
    put(&b, "  V64: x\n");
    snprintf(prefix, sizeof prefix, "t:%d:3: ", 5 + DFOTA_SCENARIO_VARS_MAX);
    CU_ASSERT(rejects("65 vars", b.s, b.len, DFOTA_E_TOO_BIG, prefix, "more than 64 vars"));
    free(b.s);
}

/* ---- files ------------------------------------------------------------------- */

static char tmpdir[64];

static int dir_setup(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_scenario.XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static void write_file(const char *name, const char *text, size_t len, char *path, size_t cap)
{
    snprintf(path, cap, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(fwrite(text, 1, len, f), len);
    CU_ASSERT_EQUAL(fclose(f), 0);
}

static void test_load(void)
{
    char path[128], err[512], prefix[256];
    dfota_scenario *sc = NULL;
    CU_ASSERT_EQUAL_FATAL(dir_setup(), 0);
    write_file("full.yaml", full_text, strlen(full_text), path, sizeof path);
    CU_ASSERT_EQUAL(dfota_scenario_load(path, &sc, err, sizeof err), DFOTA_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
    CU_ASSERT_STRING_EQUAL(sc->file, path);
    CU_ASSERT_EQUAL(sc->n_steps, 17);
    dfota_scenario_free(sc);
    remove(path);
    /* .yml too; the name must be the file's. */
    write_file("full.yml", full_text, strlen(full_text), path, sizeof path);
    CU_ASSERT_EQUAL(dfota_scenario_load(path, &sc, err, sizeof err), DFOTA_OK);
    dfota_scenario_free(sc);
    remove(path);
    write_file("other.yaml", full_text, strlen(full_text), path, sizeof path);
    CU_ASSERT_EQUAL(dfota_scenario_load(path, &sc, err, sizeof err), DFOTA_E_INPUT);
    CU_ASSERT_PTR_NULL(sc);
    snprintf(prefix, sizeof prefix, "%s:2:7: name 'full' is not the file's name 'other'", path);
    CU_ASSERT_STRING_EQUAL(err, prefix);
    remove(path);
    /* Too big: found without reading it all. */
    buf b = {0};
    put(&b, "name: big\nsection: '3'\nsteps: [{send: AT}]\n#");
    put_n(&b, "x", DFOTA_SCENARIO_FILE_MAX);
    write_file("big.yaml", b.s, b.len, path, sizeof path);
    free(b.s);
    CU_ASSERT_EQUAL(dfota_scenario_load(path, &sc, err, sizeof err), DFOTA_E_TOO_BIG);
    snprintf(prefix, sizeof prefix, "%s:4:", path);
    CU_ASSERT_NSTRING_EQUAL(err, prefix, strlen(prefix));
    remove(path);
    /* Unreadable: DFOTA_E_IO, placed at 0:0. */
    snprintf(path, sizeof path, "%s/missing.yaml", tmpdir);
    CU_ASSERT_EQUAL(dfota_scenario_load(path, &sc, err, sizeof err), DFOTA_E_IO);
    CU_ASSERT_PTR_NULL(sc);
    snprintf(prefix, sizeof prefix, "%s:0:0: cannot open", path);
    CU_ASSERT_NSTRING_EQUAL(err, prefix, strlen(prefix));
    CU_ASSERT_EQUAL(dfota_scenario_load(tmpdir, &sc, err, sizeof err), DFOTA_E_IO);
    CU_ASSERT_PTR_NULL(sc);
    CU_ASSERT_EQUAL(rmdir(tmpdir), 0);
}

static void test_arguments(void)
{
    char err[64];
    dfota_scenario *sc = NULL;
    CU_ASSERT_EQUAL(dfota_scenario_parse("t", "x", 1, NULL, err, sizeof err), DFOTA_E_ARG);
    CU_ASSERT_EQUAL(dfota_scenario_parse(NULL, "x", 1, &sc, err, sizeof err), DFOTA_E_ARG);
    CU_ASSERT_EQUAL(dfota_scenario_parse("t", NULL, 1, &sc, err, sizeof err), DFOTA_E_ARG);
    CU_ASSERT_EQUAL(dfota_scenario_parse("t", NULL, 0, &sc, err, sizeof err), DFOTA_E_INPUT);
    CU_ASSERT_EQUAL(dfota_scenario_load(NULL, &sc, err, sizeof err), DFOTA_E_ARG);
    /* A short error buffer: the message is cut and says so; no buffer at all. */
    CU_ASSERT_EQUAL(dfota_scenario_parse("t", "- a\n", 4, &sc, err, 16), DFOTA_E_INPUT);
    CU_ASSERT_STRING_EQUAL(err, "t:1:1: a sce...");
    CU_ASSERT_EQUAL(dfota_scenario_parse("t", "- a\n", 4, &sc, NULL, 0), DFOTA_E_INPUT);
    dfota_scenario_free(NULL);
    CU_ASSERT_STRING_EQUAL(dfota_step_kind_name(DFOTA_STEP_SEND), "send");
    CU_ASSERT_STRING_EQUAL(dfota_step_kind_name(DFOTA_STEP_EXPECT_URC), "expect_urc");
    CU_ASSERT_STRING_EQUAL(dfota_step_kind_name(DFOTA_STEP_EXPECT_SILENCE), "expect_silence");
    CU_ASSERT_STRING_EQUAL(dfota_step_kind_name((dfota_step_kind)99), "?");
}

static void test_untrusted_text_in_messages(void)
{
    /* Control bytes from the file reach the message escaped. */
    char err[256];
    dfota_scenario *sc = NULL;
    static const char text[] = "name: t\nsection: '3'\nsteps: [{expect_urc: \"\\e[2J\"}]\n";
    CU_ASSERT_EQUAL(dfota_scenario_parse("t", text, strlen(text), &sc, err, sizeof err),
                    DFOTA_E_INPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown stage '\\x1b[2J'"));
    CU_ASSERT_PTR_NULL(strchr(err, '\x1b'));
}

/* ---- variables ------------------------------------------------------------------ */

static const char vars_text[] = "name: t\nsection: '3'\n"
                                "vars: {URL: 'ftp://h/f.zip', SERVER: ~, PORT: 21}\n"
                                "steps:\n  - send: AT+QFOTADL=\"${URL}\"\n";

static void test_varset_add(void)
{
    static const struct {
        const char *text;
        dfota_err rc;
        const char *fragment;
    } cases[] = {
        {"X=1", DFOTA_OK, ""},
        {"_X9=a=b", DFOTA_OK, ""},
        {"EMPTY=", DFOTA_OK, ""},
        {"x=1", DFOTA_E_INPUT, "'x=1' is not NAME=VALUE"},
        {"=1", DFOTA_E_INPUT, "not NAME=VALUE"},
        {"X", DFOTA_E_INPUT, "'X' is not NAME=VALUE"},
        {"9X=1", DFOTA_E_INPUT, "not NAME=VALUE"},
        {"X Y=1", DFOTA_E_INPUT, "not NAME=VALUE"},
        {"", DFOTA_E_INPUT, "not NAME=VALUE"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dfota_varset vs;
        char err[128] = "";
        dfota_varset_init(&vs);
        dfota_err rc = dfota_varset_add(&vs, cases[i].text, err, sizeof err);
        int ok = rc == cases[i].rc && strstr(err, cases[i].fragment) &&
                 vs.n == (rc == DFOTA_OK ? 1u : 0u);
        CU_ASSERT(ok);
        if (!ok)
            printf("\n  '%s': rc %d, '%s'\n", cases[i].text, (int)rc, err);
        dfota_varset_free(&vs);
    }
    /* Values may be up to DFOTA_SCENARIO_TEXT_MAX bytes. */
    dfota_varset vs;
    char err[128];
    buf b = {0};
    dfota_varset_init(&vs);
    put(&b, "LONG=");
    put_n(&b, "v", DFOTA_SCENARIO_TEXT_MAX);
    CU_ASSERT_EQUAL(dfota_varset_add(&vs, b.s, err, sizeof err), DFOTA_OK);
    put(&b, "v");
    CU_ASSERT_EQUAL(dfota_varset_add(&vs, b.s, err, sizeof err), DFOTA_E_TOO_BIG);
    free(b.s);
    dfota_varset_free(&vs);
}

static void test_varset_capacity(void)
{
    dfota_varset vs;
    char a[32], err[128];
    dfota_varset_init(&vs);
    for (int i = 0; i < DFOTA_SCENARIO_VARS_MAX * 2; i++) {
        snprintf(a, sizeof a, "V%d=%d", i, i);
        CU_ASSERT_EQUAL(dfota_varset_add(&vs, a, err, sizeof err), DFOTA_OK);
    }
    CU_ASSERT_EQUAL(dfota_varset_add(&vs, "ONE_MORE=1", err, sizeof err), DFOTA_E_TOO_BIG);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "more than 128 variables"));
    /* Setting one again replaces it, full or not. */
    CU_ASSERT_EQUAL(dfota_varset_add(&vs, "V5=five", err, sizeof err), DFOTA_OK);
    CU_ASSERT_EQUAL(vs.n, DFOTA_SCENARIO_VARS_MAX * 2);
    CU_ASSERT_STRING_EQUAL(vs.value[5], "five");
    dfota_varset_free(&vs);
    CU_ASSERT_EQUAL(vs.n, 0);
    dfota_varset_free(NULL);
}

static void test_expand(void)
{
    dfota_scenario *sc = parses(vars_text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
    dfota_varset vs;
    char out[64], err[256];
    dfota_varset_init(&vs);
    /* The default, then a given value over it, the last one winning. */
    CU_ASSERT_EQUAL(dfota_scenario_expand(sc, &vs, sc->steps[0].text, out, sizeof out, err,
                                          sizeof err), DFOTA_OK);
    CU_ASSERT_STRING_EQUAL(out, "AT+QFOTADL=\"ftp://h/f.zip\"");
    CU_ASSERT_EQUAL(dfota_scenario_expand(sc, NULL, sc->steps[0].text, out, sizeof out, err,
                                          sizeof err), DFOTA_OK);
    CU_ASSERT_STRING_EQUAL(out, "AT+QFOTADL=\"ftp://h/f.zip\"");
    CU_ASSERT_EQUAL(dfota_varset_add(&vs, "URL=http://a/b", err, sizeof err), DFOTA_OK);
    CU_ASSERT_EQUAL(dfota_varset_add(&vs, "URL=http://c/d", err, sizeof err), DFOTA_OK);
    CU_ASSERT_EQUAL(dfota_scenario_expand(sc, &vs, sc->steps[0].text, out, sizeof out, err,
                                          sizeof err), DFOTA_OK);
    CU_ASSERT_STRING_EQUAL(out, "AT+QFOTADL=\"http://c/d\"");
    /* No default and none given. */
    CU_ASSERT_EQUAL(dfota_scenario_expand(sc, &vs, "X${SERVER}Y", out, sizeof out, err,
                                          sizeof err), DFOTA_E_INPUT);
    CU_ASSERT_STRING_EQUAL(err, "variable ${SERVER} has no value: give it with --var SERVER=VALUE");
    CU_ASSERT_STRING_EQUAL(out, "");
    CU_ASSERT_EQUAL(dfota_varset_add(&vs, "SERVER=s", err, sizeof err), DFOTA_OK);
    CU_ASSERT_EQUAL(dfota_scenario_expand(sc, &vs, "${SERVER}:${PORT}${SERVER}", out,
                                          sizeof out, err, sizeof err), DFOTA_OK);
    CU_ASSERT_STRING_EQUAL(out, "s:21s");
    /* Text without variables, a lone $, and a given variable not declared. */
    CU_ASSERT_EQUAL(dfota_scenario_expand(sc, &vs, "AT$ {}", out, sizeof out, err, sizeof err),
                    DFOTA_OK);
    CU_ASSERT_STRING_EQUAL(out, "AT$ {}");
    CU_ASSERT_EQUAL(dfota_varset_add(&vs, "EXTRA=e", err, sizeof err), DFOTA_OK);
    CU_ASSERT_EQUAL(dfota_scenario_expand(sc, &vs, "${EXTRA}", out, sizeof out, err, sizeof err),
                    DFOTA_OK);
    CU_ASSERT_STRING_EQUAL(out, "e");
    CU_ASSERT_EQUAL(dfota_scenario_expand(sc, &vs, "${NOPE}", out, sizeof out, err, sizeof err),
                    DFOTA_E_INPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "${NOPE}"));
    CU_ASSERT_EQUAL(dfota_scenario_expand(sc, &vs, "${URL", out, sizeof out, err, sizeof err),
                    DFOTA_E_INPUT);
    CU_ASSERT_EQUAL(dfota_scenario_expand(sc, &vs, "${url}", out, sizeof out, err, sizeof err),
                    DFOTA_E_INPUT);
    /* A value with a line break would split the command. */
    CU_ASSERT_EQUAL(dfota_varset_add(&vs, "SERVER=a\r\nAT+CFUN=0", err, sizeof err), DFOTA_OK);
    CU_ASSERT_EQUAL(dfota_scenario_expand(sc, &vs, "${SERVER}", out, sizeof out, err, sizeof err),
                    DFOTA_E_INPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "line break"));
    dfota_varset_free(&vs);
    dfota_scenario_free(sc);
}

static void test_expand_bounded(void)
{
    dfota_scenario *sc = parses(vars_text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
    char out[27], err[256];
    /* "AT+QFOTADL=\"ftp://h/f.zip\"" is 26 bytes: it fits 27 with its NUL. */
    CU_ASSERT_EQUAL(dfota_scenario_expand(sc, NULL, sc->steps[0].text, out, sizeof out, err,
                                          sizeof err), DFOTA_OK);
    CU_ASSERT_EQUAL(strlen(out), 26);
    CU_ASSERT_EQUAL(dfota_scenario_expand(sc, NULL, sc->steps[0].text, out, 26, err, sizeof err),
                    DFOTA_E_TOO_BIG);
    CU_ASSERT_STRING_EQUAL(out, "");
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "longer than 25 bytes"));
    CU_ASSERT_EQUAL(dfota_scenario_expand(sc, NULL, "abc", out, 3, err, sizeof err),
                    DFOTA_E_TOO_BIG);
    CU_ASSERT_EQUAL(dfota_scenario_expand(sc, NULL, "abc", out, 0, err, sizeof err), DFOTA_E_ARG);
    CU_ASSERT_EQUAL(dfota_scenario_expand(sc, NULL, NULL, out, 3, err, sizeof err), DFOTA_E_ARG);
    dfota_scenario_free(sc);
}

static void test_varset_load(void)
{
    char path[128], err[256], prefix[256];
    dfota_varset vs;
    CU_ASSERT_EQUAL_FATAL(dir_setup(), 0);
    dfota_varset_init(&vs);
    CU_ASSERT_EQUAL(dfota_varset_add(&vs, "A=old", err, sizeof err), DFOTA_OK);
    static const char good[] = "# site settings\nA: new\nB: \"x y\"\nC: 21\n";
    write_file("site.yaml", good, strlen(good), path, sizeof path);
    CU_ASSERT_EQUAL(dfota_varset_load(&vs, path, err, sizeof err), DFOTA_OK);
    CU_ASSERT_EQUAL_FATAL(vs.n, 3);
    CU_ASSERT_STRING_EQUAL(vs.name[0], "A");
    CU_ASSERT_STRING_EQUAL(vs.value[0], "new");
    CU_ASSERT_STRING_EQUAL(vs.value[1], "x y");
    CU_ASSERT_STRING_EQUAL(vs.value[2], "21");
    remove(path);
    static const struct {
        const char *text;
        dfota_err rc;
        const char *place;
        const char *fragment;
    } cases[] = {
        {"D: 1\nlower: 2\n", DFOTA_E_INPUT, ":2:1: ", "bad variable name 'lower'"},
        {"D: 1\nE: ~\n", DFOTA_E_INPUT, ":2:4: ", "E must be text, not nothing"},
        {"D: [1]\n", DFOTA_E_INPUT, ":1:4: ", "D must be text, not a sequence"},
        {"- D\n", DFOTA_E_INPUT, ":1:1: ", "a vars file must be a mapping"},
        {"D: 1\nD: 2\n", DFOTA_E_INPUT, ":2:1: ", "duplicate key 'D'"},
        {"D: 'x\n", DFOTA_E_INPUT, ":2:1: ", "YAML syntax"},
        {"D: &a x\nE: *a\nF: *a\nG: *a\nH: *a\nI: *a\nJ: *a\nK: *a\nL: *a\nM: *a\nN: *a\n"
         "O: *a\nP: *a\nQ: *a\nR: *a\nS: *a\nT: *a\nU: *a\n",
         DFOTA_E_TOO_BIG, ":18:4: ", "more than 16 aliases"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_file("bad.yaml", cases[i].text, strlen(cases[i].text), path, sizeof path);
        snprintf(prefix, sizeof prefix, "%s%s", path, cases[i].place);
        dfota_err rc = dfota_varset_load(&vs, path, err, sizeof err);
        int ok = rc == cases[i].rc && strncmp(err, prefix, strlen(prefix)) == 0 &&
                 strstr(err, cases[i].fragment) && vs.n == 3; /* nothing added */
        CU_ASSERT(ok);
        if (!ok)
            printf("\n  vars case %zu: rc %d, '%s'\n", i, (int)rc, err);
        remove(path);
    }
    /* An empty file sets nothing; a missing one is an I/O error. */
    write_file("empty.yaml", "", 0, path, sizeof path);
    CU_ASSERT_EQUAL(dfota_varset_load(&vs, path, err, sizeof err), DFOTA_OK);
    CU_ASSERT_EQUAL(vs.n, 3);
    remove(path);
    CU_ASSERT_EQUAL(dfota_varset_load(&vs, path, err, sizeof err), DFOTA_E_IO);
    /* More than the set holds: refused whole. */
    buf b = {0};
    char line[32];
    for (int i = 0; i < DFOTA_SCENARIO_VARS_MAX * 2 - 2; i++) {
        snprintf(line, sizeof line, "V%d: %d\n", i, i);
        put(&b, line);
    }
    write_file("many.yaml", b.s, b.len, path, sizeof path);
    CU_ASSERT_EQUAL(dfota_varset_load(&vs, path, err, sizeof err), DFOTA_E_TOO_BIG);
    CU_ASSERT_EQUAL(vs.n, 3);
    snprintf(prefix, sizeof prefix, "%s:126:1: more than 128 variables", path);
    CU_ASSERT_STRING_EQUAL(err, prefix);
    remove(path);
    free(b.s);
    dfota_varset_free(&vs);
    CU_ASSERT_EQUAL(rmdir(tmpdir), 0);
}

/* requires: and package variables. */
static void test_requires_and_package_vars(void)
{
    static const char text[] = "name: t\nsection: \"3.1\"\n"
                               "requires:\n  firmware: EG95EFAR02A07M4G\n"
                               "vars:\n  URL: {ftp: [EG95EFAR02A07M4G, EG95EFAR02A08M4G]}\n"
                               "  LOCAL: {file: [A, B]}\n"
                               "steps:\n  - send: 'AT+QFOTADL=\"${URL}\"'\n";
    dfota_scenario *sc = parses(text);
    if (!sc)
        return;
    CU_ASSERT_STRING_EQUAL(sc->requires_firmware, "EG95EFAR02A07M4G");
    CU_ASSERT_EQUAL(sc->vars[0].pkg, DFOTA_PKG_FTP);
    CU_ASSERT_STRING_EQUAL(sc->vars[0].pkg_from, "EG95EFAR02A07M4G");
    CU_ASSERT_STRING_EQUAL(sc->vars[0].pkg_to, "EG95EFAR02A08M4G");
    CU_ASSERT_PTR_NULL(sc->vars[0].value);
    CU_ASSERT_EQUAL(sc->vars[1].pkg, DFOTA_PKG_FILE);
    /* without a map the variable says which package it needs */
    char out[300], err[300];
    CU_ASSERT_EQUAL(dfota_scenario_expand(sc, NULL, "${URL}", out, sizeof out, err, sizeof err),
                    DFOTA_E_INPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "the package from EG95EFAR02A07M4G to EG95EFAR02A08M4G"));
    dfota_scenario_free(sc);
    static const struct {
        const char *what, *text, *fragment;
    } bad_req[] = {
        {"unknown requires key", "requires:\n  model: EG95\n", "t:8:3: unknown key 'model' in requires"},
        {"a version with a blank", "requires:\n  firmware: 'A B'\n", "t:8:13: bad firmware 'A B'"},
        {"an unknown package form", "vars:\n  U: {sftp: [A, B]}\n", "t:8:7: unknown key 'sftp'"},
        {"one version", "vars:\n  U: {ftp: [A]}\n", "a package is [FROM, TO]"},
        {"the same version twice", "vars:\n  U: {ftp: [A, A]}\n", "from one version to another"},
    };
    for (size_t i = 0; i < sizeof bad_req / sizeof bad_req[0]; i++) {
        char t[512];
        snprintf(t, sizeof t, "name: t\nsection: \"3.1\"\nsteps:\n  - send: AT\n"
                              "tags: [x]\nsources: [serial]\n%s", bad_req[i].text);
        CU_ASSERT(rejects(bad_req[i].what, t, strlen(t), DFOTA_E_INPUT, "t:", bad_req[i].fragment));
    }
}

static void test_firmware_matches(void)
{
    CU_ASSERT_TRUE(dfota_firmware_matches("EG95EFAR02A07M4G", "EG95EFAR02A07M4G"));
    CU_ASSERT_TRUE(dfota_firmware_matches("EG95EFAR02A07M4G_01.002.01.002", "EG95EFAR02A07M4G"));
    CU_ASSERT_FALSE(dfota_firmware_matches("EG95EFAR02A07M4GX", "EG95EFAR02A07M4G"));
    CU_ASSERT_FALSE(dfota_firmware_matches("EG95EFAR02A08M4G", "EG95EFAR02A07M4G"));
    CU_ASSERT_FALSE(dfota_firmware_matches("", "EG95EFAR02A07M4G"));
    CU_ASSERT_FALSE(dfota_firmware_matches("EG95EFAR02A07M4G", ""));
}

static void test_package_map(void)
{
    static const char text[] = "packages:\n"
                               "  - from: A\n    to: B\n    ftp: \"ftp://u:p@h:21/a-b.zip\"\n"
                               "    file: a-b.zip\n"
                               "  - from: B\n    to: A\n    http: \"http://h/b-a.zip\"\n";
    char err[512], out[300];
    dfota_pkgmap *m = NULL;
    CU_ASSERT_EQUAL(dfota_pkgmap_parse("m", text, strlen(text), &m, err, sizeof err), DFOTA_OK);
    if (!m)
        return;
    CU_ASSERT_EQUAL(m->n, 2);
    CU_ASSERT_PTR_EQUAL(dfota_pkgmap_find(m, "A_01.002", "B"), &m->pkgs[0]);
    CU_ASSERT_PTR_NULL(dfota_pkgmap_find(m, "A", "C"));
    char name[] = "U", from[] = "A", to[] = "B";
    dfota_var v = {name, NULL, 1, 1, DFOTA_PKG_FILE, from, to};
    CU_ASSERT_EQUAL(dfota_pkgmap_value(m, &v, out, sizeof out, err, sizeof err), DFOTA_OK);
    CU_ASSERT_STRING_EQUAL(out, "/data/ufs/a-b.zip");
    v.pkg = DFOTA_PKG_HTTP;
    CU_ASSERT_EQUAL(dfota_pkgmap_value(m, &v, out, sizeof out, err, sizeof err), DFOTA_E_INPUT);
    CU_ASSERT_STRING_EQUAL(err, "the package map m has no http package from A to B (for ${U})");
    dfota_pkgmap_free(m);
    static const struct {
        const char *text, *want;
    } bad_map[] = {
        {"packages: []\nextra: 1\n", "m:2:1: unknown key 'extra'"},
        {"packages:\n  - from: A\n    ftp: \"ftp://h/x\"\n", "m:2:5: missing key 'to' in a package"},
        {"packages:\n  - {from: A, to: B}\n", "m:2:5: a package gives at least one of ftp, http and file"},
        {"packages:\n  - {from: A, to: B, ftp: \"http://h/x\"}\n", "m:2:27: bad ftp URL"},
        {"packages:\n  - {from: A, to: B, file: \"a/b.zip\"}\n", "m:2:28: bad file 'a/b.zip'"},
        {"packages:\n  - {from: A, to: B, file: x}\n  - {from: A, to: B, file: y}\n",
         "m:3:5: a second package from A to B (first at 2:5)"},
    };
    for (size_t i = 0; i < sizeof bad_map / sizeof bad_map[0]; i++) {
        m = (dfota_pkgmap *)&err;
        dfota_err rc =
            dfota_pkgmap_parse("m", bad_map[i].text, strlen(bad_map[i].text), &m, err, sizeof err);
        CU_ASSERT_EQUAL(rc, DFOTA_E_INPUT);
        CU_ASSERT_PTR_NULL(m);
        if (strncmp(err, bad_map[i].want, strlen(bad_map[i].want)) != 0) {
            printf("\n  map case %zu: '%s' (want '%s')\n", i, err, bad_map[i].want);
            CU_FAIL("package map message");
        }
    }
}

/* dfota.yaml: every key into the model with its line; each wrong file
 * refused at its place. */
static void test_project_file(void)
{
    static const char text[] = "# a bench\n"
                               "source: [emulator, \"serial:/dev/ttyUSB2\"]\n"
                               "packages: site.yaml\n"
                               "report: out\n"
                               "profile: field\n"
                               "vars:\n"
                               "  SERVER: ftp.example.net\n";
    char err[DFOTA_ERRBUF];
    dfota_project *p = NULL;
    CU_ASSERT_EQUAL(dfota_project_parse("dfota.yaml", text, strlen(text), &p, err, sizeof err),
                    DFOTA_OK);
    if (!p)
        return;
    CU_ASSERT_EQUAL(p->n_sources, 2);
    CU_ASSERT_STRING_EQUAL(p->source[1].value, "serial:/dev/ttyUSB2");
    CU_ASSERT_EQUAL(p->source[1].line, 2);
    CU_ASSERT_STRING_EQUAL(p->packages.value, "site.yaml");
    CU_ASSERT_EQUAL(p->report.line, 4);
    CU_ASSERT_STRING_EQUAL(p->profile.value, "field");
    CU_ASSERT_EQUAL(p->n_vars, 1);
    CU_ASSERT_STRING_EQUAL(p->var_name[0], "SERVER");
    CU_ASSERT_STRING_EQUAL(p->var[0].value, "ftp.example.net");
    CU_ASSERT_EQUAL(p->var[0].line, 7);
    dfota_project_free(p);
    CU_ASSERT_EQUAL(dfota_project_parse("dfota.yaml", "", 0, &p, err, sizeof err), DFOTA_OK);
    CU_ASSERT_PTR_NOT_NULL(p);
    dfota_project_free(p);
    static const struct {
        const char *text, *want;
    } wrong[] = {
        {"report: r\nprofle: x\n", "dfota.yaml:2:1: unknown key 'profle' in a project file"},
        {"profile: {a: 1}\n", "dfota.yaml:1:10: profile must be text, not a mapping"},
        {"report: ~\n", "dfota.yaml:1:9: report must be text, not nothing"},
        {"source: []\n", "dfota.yaml:1:9: source is an empty list"},
        {"vars:\n  lower: 1\n", "dfota.yaml:2:3: bad variable name 'lower'"},
        {"vars:\n  A: [1]\n", "dfota.yaml:2:6: A must be text, not a sequence"},
        {"- a\n", "dfota.yaml:1:1: a project file must be a mapping, not a sequence"},
    };
    for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
        p = (dfota_project *)&err;
        CU_ASSERT_EQUAL(dfota_project_parse("dfota.yaml", wrong[i].text, strlen(wrong[i].text), &p, err,
                                            sizeof err),
                        DFOTA_E_INPUT);
        CU_ASSERT_PTR_NULL(p);
        if (strncmp(err, wrong[i].want, strlen(wrong[i].want)) != 0) {
            printf("\n  project case %zu: '%s' (want '%s')\n", i, err, wrong[i].want);
            CU_FAIL("project file message");
        }
    }
}

static const test_entry tests[] = {
    {"a full scenario, field by field", test_full_scenario},
    {"defaults of a minimal scenario", test_minimal_defaults},
    {"anchors and aliases resolve", test_aliases_resolve},
    {"free_space units", test_free_space_units},
    {"rejections name their place", test_rejections},
    {"limit: file size", test_limit_file_size},
    {"limit: nesting", test_limit_depth},
    {"limit: aliases", test_limit_aliases},
    {"limit: nodes once aliases are expanded", test_limit_nodes},
    {"alias bombs are refused fast", test_alias_bombs},
    {"limit: scalar length", test_limit_scalar},
    {"limit: steps, tags, faults", test_limit_counts},
    {"limit: vars", test_limit_vars},
    {"loading files", test_load},
    {"arguments and kind names", test_arguments},
    {"untrusted text in messages", test_untrusted_text_in_messages},
    {"varset: NAME=VALUE", test_varset_add},
    {"varset: capacity", test_varset_capacity},
    {"expand", test_expand},
    {"expand is bounded", test_expand_bounded},
    {"varset: vars files", test_varset_load},
    {"requires: and package variables", test_requires_and_package_vars},
    {"firmware versions match with their build", test_firmware_matches},
    {"the package map", test_package_map},
    {"the project file", test_project_file},
};

int main(void)
{
    return RUN_SUITE("scenario", tests);
}
