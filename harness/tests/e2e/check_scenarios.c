/* SPDX-License-Identifier: MIT */
/* check_scenarios.c - runs the real dfota binary over the scenario library.
 *
 *   check_scenarios DFOTA_BINARY SCENARIOS_DIR TRANSCRIPTS_DIR
 *
 * A transcript (*.transcript, *.log, *.txt, *.cap under TRANSCRIPTS_DIR,
 * found recursively, taken in sorted order) says what a scenario must make
 * of it in header lines before its first event, one per scenario:
 *
 *   # scenario: <name> PASS
 *   # scenario: <name> FAIL RULE-ID [RULE-ID ...]
 *   # scenario: <name> INCOMPLETE
 *
 * For each such line the driver runs
 *
 *   DFOTA_BINARY run --format json --source transcript:FILE SCENARIOS_DIR/<name>.yaml
 *
 * (no shell, with a timeout) and compares the exit status (PASS 0, FAIL 1,
 * INCOMPLETE 3), the scenario's JSON verdict and name, and that every
 * RULE-ID listed is in its "failed_rules". A PASS must have every step PASS
 * and no failed rule; a FAIL must name at least one rule.
 *
 * It also checks the library as a whole: 'dfota lint SCENARIOS_DIR' exits 0;
 * every scenario has at least one PASS and one FAIL transcript whose run met
 * its expectation; every transcript under TRANSCRIPTS_DIR/scenarios/ names a
 * scenario; every scenario named exists.
 *
 * Exit status: 0 when everything passed, 1 otherwise, 2 on a usage error. */
#define _POSIX_C_SOURCE 200809L
#define DRIVER_NAME "check_scenarios"
#define REASONS_MAX 4096
#define REASON_ONE_MAX 768
#define ERR_KEEP 2048
#include "driver.h" /* reasons, walk, header lines, run: shared with check_corpus */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#define MAX_SCENARIOS 1024
#define MAX_CLAIMS 8           /* scenario lines in one transcript */
#define MAX_CLAIM_RULES 16
#define NAME_MAX_LEN 128
#define ID_MAX 40

/* ---- finding files ---------------------------------------------------- */

static int is_scenario_name(const char *name)
{
    return ends_with(name, ".yaml");
}

/* ---- the scenario library --------------------------------------------- */

typedef struct {
    char name[NAME_MAX_LEN];     /* the file's name without .yaml */
    char path[PATH_MAX_LEN];
    unsigned pass_seen, fail_seen; /* runs that met their expectation */
} scenario;

typedef struct {
    scenario sc[MAX_SCENARIOS];
    size_t n;
} library;

static scenario *find_scenario(library *lib, const char *name)
{
    for (size_t i = 0; i < lib->n; i++)
        if (strcmp(lib->sc[i].name, name) == 0)
            return &lib->sc[i];
    return NULL;
}

static int load_library(const char *dir, library *lib)
{
    static file_list files;
    if (walk(dir, 0, 0, is_scenario_name, &files) != 0)
        return -1;
    if (files.overflow || files.n > MAX_SCENARIOS) {
        fprintf(stderr, "check_scenarios: more than %d scenarios\n", MAX_SCENARIOS);
        free_list(&files);
        return -1;
    }
    qsort(files.path, files.n, sizeof files.path[0], by_path);
    for (size_t i = 0; i < files.n; i++) {
        const char *base = strrchr(files.path[i], '/');
        base = base ? base + 1 : files.path[i];
        size_t n = strlen(base) - strlen(".yaml");
        if (n >= NAME_MAX_LEN || strlen(files.path[i]) >= PATH_MAX_LEN) {
            fprintf(stderr, "check_scenarios: scenario file name too long: %s\n", base);
            free_list(&files);
            return -1;
        }
        scenario *s = &lib->sc[lib->n++];
        memcpy(s->name, base, n);
        s->name[n] = '\0';
        copy_str(s->path, sizeof s->path, files.path[i]);
    }
    free_list(&files);
    return 0;
}

/* ---- header ----------------------------------------------------------- */

typedef struct {
    char name[NAME_MAX_LEN];
    char verdict[16];
    char rules[MAX_CLAIM_RULES][ID_MAX];
    size_t n_rules;
} claim;

typedef struct {
    claim c[MAX_CLAIMS];
    size_t n;
} header;

static const char *const verdicts[] = {"PASS", "FAIL", "INCOMPLETE"};
static const int verdict_exit[] = {0, 1, 3};

static int verdict_index(const char *v)
{
    for (int i = 0; i < 3; i++)
        if (strcmp(v, verdicts[i]) == 0)
            return i;
    return -1;
}

/* A rule ID as the catalogue writes them: capitals, digits and dashes. */
static int is_rule_id(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '-'))
            return 0;
    return 1;
}

static void parse_claim(const char *v, header *h, reasons *why)
{
    int tl = 0;
    const char *p = v;
    char w[NAME_MAX_LEN];
    if (h->n >= MAX_CLAIMS) {
        add_reason(why, "more than %d scenario lines", MAX_CLAIMS);
        return;
    }
    claim *c = &h->c[h->n];
    memset(c, 0, sizeof *c);
    if (!next_word(&p, c->name, sizeof c->name, &tl) || tl) {
        add_reason(why, "scenario line without a scenario name: '%s'", v);
        return;
    }
    if (!next_word(&p, c->verdict, sizeof c->verdict, &tl) || tl || verdict_index(c->verdict) < 0) {
        add_reason(why, "scenario line without a verdict PASS|FAIL|INCOMPLETE: '%s'", v);
        return;
    }
    while (next_word(&p, w, sizeof w, &tl)) {
        if (tl || strlen(w) >= ID_MAX || !is_rule_id(w)) {
            add_reason(why, "scenario line: '%s' is not a rule ID", w);
            return;
        }
        if (c->n_rules >= MAX_CLAIM_RULES) {
            add_reason(why, "scenario line: more than %d rules", MAX_CLAIM_RULES);
            return;
        }
        copy_str(c->rules[c->n_rules++], ID_MAX, w);
    }
    if (strcmp(c->verdict, "FAIL") == 0 && c->n_rules == 0) {
        add_reason(why, "scenario %s: a FAIL must name the rules it fails", c->name);
        return;
    }
    if (strcmp(c->verdict, "FAIL") != 0 && c->n_rules > 0) {
        add_reason(why, "scenario %s: only a FAIL names rules", c->name);
        return;
    }
    for (size_t i = 0; i < h->n; i++)
        if (strcmp(h->c[i].name, c->name) == 0) {
            add_reason(why, "two scenario lines for %s", c->name);
            return;
        }
    h->n++;
}

/* A long header line is check_corpus's business: header_each passes it over. */
static void on_header_line(const char *line, void *h, reasons *why)
{
    const char *p = line + 1;
    while (*p == ' ')
        p++;
    if (strncmp(p, "scenario:", 9) == 0)
        parse_claim(p + 9, h, why);
}

/* Reads the "# scenario:" lines of the leading '#' lines (after a UTF-8
 * byte order mark). Returns -1 when the file cannot be read. */
static int read_header(const char *path, header *h, reasons *why)
{
    memset(h, 0, sizeof *h);
    return header_each(path, why, 0, on_header_line, h);
}

/* ---- running dfota ---------------------------------------------------- */

/* Exit status of a run that finished, or -1 with a reason added. */
static int exit_status(const run_result *r, const char *what, reasons *why)
{
    if (r->spawn_failed) {
        add_reason(why, "%s: cannot run dfota", what);
        return -1;
    }
    if (r->timed_out) {
        add_reason(why, "%s: dfota did not finish within %d s", what, RUN_TIMEOUT_MS / 1000);
        return -1;
    }
    if (WIFSIGNALED(r->status)) {
        add_reason(why, "%s: dfota was killed by signal %d (crash)", what, WTERMSIG(r->status));
        return -1;
    }
    int code = WIFEXITED(r->status) ? WEXITSTATUS(r->status) : -1;
    if (code == 127) {
        add_reason(why, "%s: dfota could not be executed", what);
        return -1;
    }
    return code;
}

/* ---- judging one run -------------------------------------------------- */

static int in_string_array(json_t *arr, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        const char *t = json_string_value(v);
        if (t && strcmp(t, s) == 0)
            return 1;
    }
    return 0;
}

/* "A, B, C" of a JSON string array, for a reason. */
static void join_strings(json_t *arr, char *out, size_t cap)
{
    size_t o = 0, i;
    json_t *v;
    out[0] = '\0';
    json_array_foreach(arr, i, v) {
        const char *t = json_string_value(v);
        int w = snprintf(out + o, cap - o, "%s%s", i ? ", " : "", t ? t : "?");
        if (w < 0 || (size_t)w >= cap - o)
            break;
        o += (size_t)w;
    }
    if (!out[0])
        copy_str(out, cap, "none");
}

/* The steps of a scenario's JSON that FAILed or are INCOMPLETE, for a reason. */
static void failed_steps(json_t *steps, char *out, size_t cap)
{
    size_t o = 0, i;
    json_t *st;
    out[0] = '\0';
    json_array_foreach(steps, i, st) {
        const char *v = json_string_value(json_object_get(st, "verdict"));
        if (!v || strcmp(v, "PASS") == 0 || strcmp(v, "N/A") == 0)
            continue; /* N/A: not reached after an earlier failure */
        const char *what = json_string_value(json_object_get(st, "what"));
        const char *detail = json_string_value(json_object_get(st, "detail"));
        int w = snprintf(out + o, cap - o, "%sstep %zu %s: %s%s%s", o ? "; " : "", i + 1, v,
                         what ? what : "?", detail ? " - " : "", detail ? detail : "");
        if (w < 0 || (size_t)w >= cap - o)
            break;
        o += (size_t)w;
    }
}

/* How many steps are not PASS (a PASS needs every step to pass). */
static size_t steps_not_passed(json_t *steps)
{
    size_t i, n = 0;
    json_t *st;
    json_array_foreach(steps, i, st) {
        const char *v = json_string_value(json_object_get(st, "verdict"));
        if (!v || strcmp(v, "PASS") != 0)
            n++;
    }
    return n;
}

/* Compares the scenario's JSON with the claim. Returns 1 when it matched. */
static int judge_json(const claim *c, json_t *sc, reasons *why)
{
    int ok = 1;
    const char *name = json_string_value(json_object_get(sc, "name"));
    const char *verdict = json_string_value(json_object_get(sc, "verdict"));
    json_t *failed = json_object_get(sc, "failed_rules");
    json_t *steps = json_object_get(sc, "steps");
    char list[1024], detail[1536];
    if (!name || strcmp(name, c->name) != 0) {
        add_reason(why, "%s: the scenario's name is %s, not the file's", c->name, name ? name : "(none)");
        ok = 0;
    }
    if (!json_is_array(failed) || !json_is_array(steps)) {
        add_reason(why, "%s: no \"failed_rules\" or \"steps\" array", c->name);
        return 0;
    }
    join_strings(failed, list, sizeof list);
    failed_steps(steps, detail, sizeof detail);
    if (!verdict || strcmp(verdict, c->verdict) != 0) {
        const char *err = json_string_value(json_object_get(sc, "error"));
        add_reason(why, "%s: verdict %s, expected %s; failed rules: %s%s%s%s%s", c->name,
                   verdict ? verdict : "(none)", c->verdict, list, detail[0] ? "; " : "", detail,
                   err ? "; error: " : "", err ? err : "");
        ok = 0;
    }
    for (size_t i = 0; i < c->n_rules; i++)
        if (!in_string_array(failed, c->rules[i])) {
            add_reason(why, "%s: %s is not in failed_rules (%s)%s%s", c->name, c->rules[i], list,
                       detail[0] ? "; " : "", detail);
            ok = 0;
        }
    if (strcmp(c->verdict, "PASS") == 0) {
        if (json_array_size(failed) > 0) {
            add_reason(why, "%s: a PASS with failed rules: %s", c->name, list);
            ok = 0;
        }
        size_t n = steps_not_passed(steps);
        if (n > 0 || json_array_size(steps) == 0) {
            add_reason(why, "%s: a PASS with %zu of %zu steps not PASS%s%s", c->name, n,
                       json_array_size(steps), detail[0] ? ": " : "", detail);
            ok = 0;
        }
    }
    return ok;
}

/* Runs one claim of one transcript. Returns 1 when it met its expectation. */
static int run_claim(const char *dfota, const char *path, const scenario *s, const claim *c,
                     reasons *why)
{
    char source[PATH_MAX_LEN + 16];
    int w = snprintf(source, sizeof source, "transcript:%s", path);
    if (w < 0 || (size_t)w >= sizeof source) {
        add_reason(why, "%s: transcript path too long", c->name);
        return 0;
    }
    char *argv[] = {(char *)(uintptr_t)dfota, (char *)(uintptr_t)"run", (char *)(uintptr_t)"--format",
                    (char *)(uintptr_t)"json", (char *)(uintptr_t)"--source", source,
                    (char *)(uintptr_t)s->path, NULL}; /* execv takes char *const[]; nothing writes */
    run_result r;
    run(argv, &r);
    int ok = 1;
    int code = exit_status(&r, c->name, why);
    int want = verdict_exit[verdict_index(c->verdict)];
    if (code < 0) {
        free(r.out);
        return 0;
    }
    if (code != want) {
        char line[301] = ""; /* at most 300 bytes of it */
        first_line(r.err, line, sizeof line);
        add_reason(why, "%s: exit status %d, expected %d (%s)%s%s", c->name, code, want, c->verdict,
                   line[0] ? "; stderr: " : "", line);
        ok = 0;
    }
    json_error_t jerr;
    json_t *root = r.out_overflow || !r.out ? NULL : json_loadb(r.out, r.out_len, 0, &jerr);
    json_t *list = root ? json_object_get(root, "scenarios") : NULL;
    json_t *sc = json_is_array(list) && json_array_size(list) == 1 ? json_array_get(list, 0) : NULL;
    if (!json_is_object(sc)) {
        add_reason(why, "%s: no JSON report with one scenario on standard output%s%s", c->name,
                   root ? "" : ": ", root ? "" : (r.out_overflow ? "too large" : r.out ? jerr.text : "(empty)"));
        ok = 0;
    } else if (!judge_json(c, sc, why))
        ok = 0;
    json_decref(root);
    free(r.out);
    return ok;
}

/* Runs every claim of one transcript. Returns the claims that failed. */
static unsigned check_transcript(const char *dfota, const char *path, const char *shown, int must_claim,
                                 library *lib, unsigned *passed)
{
    reasons why;
    header h;
    unsigned failed = 0;
    memset(&why, 0, sizeof why);
    if (read_header(path, &h, &why) != 0 || why.n > 0) {
        printf("FAILED  %s%s\n", shown, why.text);
        return 1;
    }
    if (h.n == 0) {
        if (!must_claim)
            return 0; /* a corpus file that is not about a scenario */
        printf("FAILED  %s\n    - no '# scenario:' line under scenarios/\n", shown);
        return 1;
    }
    for (size_t i = 0; i < h.n; i++) {
        const claim *c = &h.c[i];
        reasons one;
        memset(&one, 0, sizeof one);
        scenario *s = find_scenario(lib, c->name);
        int ok = 0;
        if (!s)
            add_reason(&one, "%s: no scenario of that name in the library", c->name);
        else if ((ok = run_claim(dfota, path, s, c, &one)) != 0) {
            if (strcmp(c->verdict, "PASS") == 0)
                s->pass_seen++;
            else if (strcmp(c->verdict, "FAIL") == 0)
                s->fail_seen++;
        }
        if (ok) {
            (*passed)++;
            printf("ok      %s [%s %s]\n", shown, c->name, c->verdict);
        } else {
            failed++;
            printf("FAILED  %s [%s %s]%s\n", shown, c->name, c->verdict, one.text);
        }
    }
    return failed;
}

/* ---- the library as a whole ------------------------------------------- */

/* Runs dfota with one command and argument; its exit status, or -1 with
 * a reason in why. r->err is kept for the caller to show (r->out is not). */
static int run_command(const char *dfota, const char *cmd, const char *arg, run_result *r,
                       reasons *why)
{
    char *argv[] = {(char *)(uintptr_t)dfota, (char *)(uintptr_t)cmd, (char *)(uintptr_t)arg, NULL};
    char what[64];
    if (arg[0] == '-')
        snprintf(what, sizeof what, "dfota %s %s", cmd, arg);
    else
        snprintf(what, sizeof what, "dfota %s", cmd);
    memset(why, 0, sizeof *why);
    run(argv, r);
    int code = exit_status(r, what, why);
    free(r->out);
    r->out = NULL;
    return code;
}

/* 'dfota run' must exist before anything else makes sense. */
static int runner_available(const char *dfota)
{
    run_result r;
    reasons why;
    int code = run_command(dfota, "run", "--help", &r, &why);
    if (code == 0)
        return 1;
    char line[301] = ""; /* at most 300 bytes of it */
    first_line(r.err, line, sizeof line);
    printf("check_scenarios: 'dfota run' is not available in %s (exit status %d%s%s)%s\n", dfota, code,
           line[0] ? ": " : "", line, why.text);
    return 0;
}

static unsigned lint(const char *dfota, const char *dir)
{
    run_result r;
    reasons why;
    int code = run_command(dfota, "lint", dir, &r, &why);
    if (code == 0) {
        printf("ok      dfota lint %s\n", dir);
        return 0;
    }
    printf("FAILED  dfota lint %s: exit status %d%s\n%s\n", dir, code, why.text, r.err);
    return 1;
}

/* Every scenario needs a transcript it passes and one it fails. */
static unsigned coverage(const library *lib)
{
    unsigned missing = 0;
    for (size_t i = 0; i < lib->n; i++) {
        const scenario *s = &lib->sc[i];
        if (s->pass_seen && s->fail_seen)
            continue;
        printf("FAILED  coverage %s: %s%s%s\n", s->name, s->pass_seen ? "" : "no PASS transcript",
               !s->pass_seen && !s->fail_seen ? ", " : "", s->fail_seen ? "" : "no FAIL transcript");
        missing++;
    }
    if (!missing)
        printf("ok      coverage: %zu scenarios, each with a PASS and a FAIL transcript\n", lib->n);
    return missing;
}

int main(int argc, char **argv)
{
    static library lib;
    static file_list files;
    char sdir[PATH_MAX_LEN], tdir[PATH_MAX_LEN];
    if (argc != 4) {
        fprintf(stderr, "usage: check_scenarios DFOTA_BINARY SCENARIOS_DIR TRANSCRIPTS_DIR\n");
        return 2;
    }
    const char *dfota = argv[1];
    if (!clean_dir(argv[2], sdir, sizeof sdir) || !clean_dir(argv[3], tdir, sizeof tdir)) {
        fprintf(stderr, "check_scenarios: path too long\n");
        return 2;
    }
    if (access(dfota, X_OK) != 0) {
        fprintf(stderr, "check_scenarios: %s is not executable\n", dfota);
        return 2;
    }
    if (load_library(sdir, &lib) != 0 || walk(tdir, 0, 1, is_transcript_name, &files) != 0)
        return 2;
    if (files.overflow) {
        fprintf(stderr, "check_scenarios: more than %d files\n", MAX_FILES);
        return 2;
    }
    if (!runner_available(dfota)) {
        printf("0 passed, 1 failed\n");
        return 1;
    }
    qsort(files.path, files.n, sizeof files.path[0], by_path);
    unsigned passed = 0, failed = 0;
    size_t tl = strlen(tdir);
    for (size_t i = 0; i < files.n; i++) {
        const char *shown = files.path[i] + tl + 1; /* relative to TRANSCRIPTS_DIR */
        int under_scenarios = strncmp(shown, "scenarios/", 10) == 0;
        failed += check_transcript(dfota, files.path[i], shown, under_scenarios, &lib, &passed);
    }
    free_list(&files);
    failed += lint(dfota, sdir);
    failed += coverage(&lib);
    if (lib.n == 0) {
        printf("FAILED  no scenario in %s\n", sdir);
        failed++;
    }
    printf("%u passed, %u failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
