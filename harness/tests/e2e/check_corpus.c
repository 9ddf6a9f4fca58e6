/* SPDX-License-Identifier: MIT */
/* check_corpus.c - runs the real dfota binary over the transcripts/ corpus.
 *
 *   check_corpus DFOTA_BINARY CORPUS_DIR
 *
 * Every corpus file (*.transcript, *.log, *.txt, *.cap, found recursively,
 * taken in sorted order) states what dfota must say about it in header
 * lines before its first event:
 *
 *   # expect: <profile> <VERDICT> [RULE-ID=STATUS ...]   one per profile
 *   # check-args: --window final-result=3s                optional
 *                 (--window, --host-windows, --port, --host, --host-reopen)
 *   # about: one sentence                                 optional
 *
 * VERDICT is PASS, FAIL, INCOMPLETE, ERROR (input error), NOTHING-TO-JUDGE
 * (no AT+QFOTADL, no FOTA URC) or INCONCLUSIVE (altered log); STATUS is PASS,
 * WARN, INCOMPLETE, FAIL or N/A (the rule must be absent from "rules").
 * For each expect line the driver runs
 *
 *   DFOTA_BINARY check --profile P --format json [check-args] FILE
 *
 * and compares the exit status (PASS 0, FAIL 1, ERROR 2, the others 3), the
 * JSON verdict and every RULE=STATUS. It then enforces a coverage matrix:
 * for each rule of the catalogue and each reader format, some file's strict
 * run must show the rule PASS and some must show it FAIL. Only runs that met
 * their expectations count, so the matrix shows verified coverage.
 *
 * Exit status: 0 when every file passed and the matrix is complete, 1
 * otherwise, 2 on a usage error. */
#define _POSIX_C_SOURCE 200809L
#define DRIVER_NAME "check_corpus"
#define REASONS_MAX 2048
#define REASON_ONE_MAX 512
#define ERR_KEEP 512
#include "driver.h" /* reasons, walk, header lines, run: shared with check_scenarios */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#define MAX_EXPECTS 2
#define MAX_RULE_EXPECTS 32
#define MAX_EXTRA_ARGS 16
#define ARG_MAX_LEN 256
#define ID_MAX 40

/* ---- the rule catalogue (shared/design/RULES.md) and the matrix -------- */

enum { FMT_TRANSCRIPT = 0, FMT_RAW, FMT_STAMPED, FMT_COUNT };
static const char *const fmt_names[FMT_COUNT] = {"transcript", "raw", "timestamped"};

/* Which reader formats a rule must be seen PASS and FAIL in. Raw captures
 * have no timestamps or port events; PORT-REBOOT needs the port events only
 * a transcript carries. LINE-LENGTH is not a rule of the guide. */
#define IN_ALL ((1u << FMT_TRANSCRIPT) | (1u << FMT_RAW) | (1u << FMT_STAMPED))
#define IN_TIMED ((1u << FMT_TRANSCRIPT) | (1u << FMT_STAMPED))
#define IN_TRANSCRIPT (1u << FMT_TRANSCRIPT)
#define IN_NONE 0u

typedef struct {
    const char *id;
    unsigned formats;
} rule_def;

static const rule_def catalogue[] = {
    {"CMD-TEST", IN_ALL},
    {"CMD-FINAL", IN_ALL},
    {"CMD-INVALID-ERROR", IN_ALL},
    {"CMD-NO-URC-AFTER-ERROR", IN_ALL},
    {"URC-SYNTAX", IN_ALL},
    {"SEQ-DOWNLOAD", IN_ALL},
    {"SEQ-NO-UPDATE-AFTER-DL-FAIL", IN_ALL},
    {"SEQ-START", IN_ALL},
    {"SEQ-UPDATING-INSIDE", IN_ALL},
    {"SEQ-END", IN_ALL},
    {"CODE-FTP", IN_ALL},
    {"CODE-HTTP", IN_ALL},
    {"CODE-END", IN_ALL},
    {"PROGRESS-RANGE", IN_ALL},
    {"PROGRESS-ORDER", IN_ALL},
    {"PROGRESS-COMPLETE", IN_ALL},
    {"RETRY-505", IN_ALL},
    {"RETRY-UNTIL-SUCCESS", IN_ALL},
    {"PORT-REBOOT", IN_TRANSCRIPT},
    {"TIME-FINAL-RESULT", IN_TIMED},
    {"TIME-DOWNLOAD-START", IN_TIMED},
    {"TIME-DOWNLOAD", IN_TIMED},
    {"TIME-START", IN_TIMED},
    {"TIME-PROGRESS-GAP", IN_TIMED},
    {"TIME-END", IN_TIMED},
    {"TIME-RDY", IN_TIMED},
    {"TIME-REBOOT", IN_TIMED},
    {"TIME-UPDATE", IN_TIMED},
    /* The host's rules: command order shows in every format; the host's
     * opening and closing of the port only in a recording of it. */
    {"HOST-WAIT-FINAL", IN_ALL},
    {"HOST-ONE-UPGRADE", IN_ALL},
    {"HOST-REOPEN", IN_TRANSCRIPT},
    {"HOST-READ-TO-END", IN_TRANSCRIPT},
    {"LINE-LENGTH", IN_NONE},
    /* A scenario's own step rules: dfota run emits them, dfota check never. */
    {"STEP-SEND", IN_NONE},
    {"STEP-EXPECT", IN_NONE},
    {"STEP-URC", IN_NONE},
    {"STEP-PROGRESS", IN_NONE},
    {"STEP-REBOOT", IN_NONE},
    {"STEP-SILENCE", IN_NONE},
    {"TIME-WINDOW", IN_NONE},
};
#define N_RULES (sizeof catalogue / sizeof catalogue[0])

/* seen[rule][format][0] PASS, [1] FAIL */
typedef struct {
    unsigned seen[N_RULES][FMT_COUNT][2];
} matrix;

static int rule_index(const char *id)
{
    for (size_t i = 0; i < N_RULES; i++)
        if (strcmp(catalogue[i].id, id) == 0)
            return (int)i;
    return -1;
}

static int format_index(const char *name)
{
    for (int i = 0; i < FMT_COUNT; i++)
        if (strcmp(fmt_names[i], name) == 0)
            return i;
    return -1;
}

/* ---- header ----------------------------------------------------------- */

typedef struct {
    char rule[ID_MAX];
    char status[16];
} rule_expect;

typedef struct {
    char profile[16];
    char verdict[24]; /* "NOTHING-TO-JUDGE" */
    rule_expect rules[MAX_RULE_EXPECTS];
    size_t n_rules;
} expectation;

typedef struct {
    expectation exp[MAX_EXPECTS];
    size_t n_exp;
    char args[MAX_EXTRA_ARGS][ARG_MAX_LEN];
    size_t n_args;
    int has_check_args;
} header;

/* NOTHING-TO-JUDGE: no AT+QFOTADL and no FOTA URC; INCONCLUSIVE: the log
 * was altered after capture (strict). Neither is a pass: both exit 3. */
static const char *const verdicts[] = {"PASS", "FAIL", "INCOMPLETE", "ERROR", "NOTHING-TO-JUDGE",
                                       "INCONCLUSIVE"};
static const int verdict_exit[] = {0, 1, 3, 2, 3, 3};
#define N_VERDICTS (sizeof verdicts / sizeof verdicts[0])
static const char *const statuses[] = {"PASS", "WARN", "INCOMPLETE", "FAIL", "N/A"};

static int in_list(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, list[i]) == 0)
            return (int)i;
    return -1;
}

static void parse_expect(const char *v, header *h, reasons *why)
{
    char w[128];
    int tl = 0;
    const char *p = v;
    if (h->n_exp >= MAX_EXPECTS) {
        add_reason(why, "more than %d expect lines", MAX_EXPECTS);
        return;
    }
    expectation *e = &h->exp[h->n_exp];
    memset(e, 0, sizeof *e);
    if (!next_word(&p, e->profile, sizeof e->profile, &tl) || tl ||
        (strcmp(e->profile, "strict") != 0 && strcmp(e->profile, "field") != 0)) {
        add_reason(why, "expect line without a profile strict|field: '%s'", v);
        return;
    }
    for (size_t i = 0; i < h->n_exp; i++)
        if (strcmp(h->exp[i].profile, e->profile) == 0) {
            add_reason(why, "two expect lines for profile %s", e->profile);
            return;
        }
    if (!next_word(&p, e->verdict, sizeof e->verdict, &tl) || tl ||
        in_list(e->verdict, verdicts, N_VERDICTS) < 0) {
        add_reason(why, "expect line without a verdict PASS|FAIL|INCOMPLETE|ERROR|NOTHING-TO-JUDGE|INCONCLUSIVE: '%s'", v);
        return;
    }
    while (next_word(&p, w, sizeof w, &tl)) {
        char *eq = strchr(w, '=');
        if (tl || !eq || eq == w) {
            add_reason(why, "expect line: '%s' is not RULE-ID=STATUS", w);
            return;
        }
        *eq = '\0';
        if (rule_index(w) < 0) {
            add_reason(why, "expect line: unknown rule '%s'", w);
            return;
        }
        if (in_list(eq + 1, statuses, 5) < 0) {
            add_reason(why, "expect line: unknown status '%s' for %s", eq + 1, w);
            return;
        }
        if (e->n_rules >= MAX_RULE_EXPECTS) {
            add_reason(why, "expect line: more than %d rules", MAX_RULE_EXPECTS);
            return;
        }
        rule_expect *re = &e->rules[e->n_rules++];
        copy_str(re->rule, sizeof re->rule, w);
        copy_str(re->status, sizeof re->status, eq + 1);
    }
    h->n_exp++;
}

/* check-args may only hold what changes the judgement, never the output. */
static void parse_check_args(const char *v, header *h, reasons *why)
{
    char w[ARG_MAX_LEN];
    int tl = 0;
    const char *p = v;
    if (h->has_check_args) {
        add_reason(why, "two check-args lines");
        return;
    }
    h->has_check_args = 1;
    while (next_word(&p, w, sizeof w, &tl)) {
        int takes_value = 0;
        if (tl) {
            add_reason(why, "check-args: an argument is too long");
            return;
        }
        if (strcmp(w, "--window") == 0 || strcmp(w, "--port") == 0 ||
            strcmp(w, "--host-reopen") == 0)
            takes_value = 1;
        else if (strncmp(w, "--window=", 9) != 0 && strncmp(w, "--port=", 7) != 0 &&
                 strncmp(w, "--host-reopen=", 14) != 0 && strcmp(w, "--host-windows") != 0 &&
                 strcmp(w, "--host") != 0) {
            add_reason(why, "check-args: '%s' is not allowed (only --window, --host-windows, "
                            "--port, --host, --host-reopen)", w);
            return;
        }
        for (int k = 0; k <= takes_value; k++) {
            if (k == 1 && !next_word(&p, w, sizeof w, &tl)) {
                add_reason(why, "check-args: %s needs a value", h->args[h->n_args - 1]);
                return;
            }
            if (h->n_args >= MAX_EXTRA_ARGS || tl) {
                add_reason(why, "check-args: too many or too long arguments");
                return;
            }
            copy_str(h->args[h->n_args++], ARG_MAX_LEN, w);
        }
    }
}

/* One header line (without its terminator). */
static void header_line(const char *line, header *h, reasons *why)
{
    const char *p = line + 1;
    while (*p == ' ')
        p++;
    if (strncmp(p, "expect:", 7) == 0)
        parse_expect(p + 7, h, why);
    else if (strncmp(p, "check-args:", 11) == 0)
        parse_check_args(p + 11, h, why);
}

/* Reads the leading '#' lines of a file (after a UTF-8 byte order mark, as
 * Windows editors write one). Returns 0, or -1 when the file cannot be read
 * (a reason is added). */
static void on_header_line(const char *line, void *h, reasons *why)
{
    header_line(line, h, why);
}

static int read_header(const char *path, header *h, reasons *why)
{
    memset(h, 0, sizeof *h);
    if (header_each(path, why, 1, on_header_line, h) != 0)
        return -1;
    int has_strict = 0, has_field = 0;
    for (size_t i = 0; i < h->n_exp; i++) {
        has_strict |= strcmp(h->exp[i].profile, "strict") == 0;
        has_field |= strcmp(h->exp[i].profile, "field") == 0;
    }
    if (h->n_exp == 0)
        add_reason(why, "no '# expect:' line in the header");
    else {
        if (!has_strict)
            add_reason(why, "no '# expect: strict ...' line");
        if (!has_field)
            add_reason(why, "no '# expect: field ...' line");
    }
    return 0;
}

/* ---- judging one run -------------------------------------------------- */

/* Compares one run with its expectation. Returns 1 when it matched; *fmt is
 * the reader format dfota reported (-1 when unknown), *rules its "rules". */
static int judge_run(const expectation *e, const run_result *r, reasons *why, int *fmt,
                     json_t **rules_out, json_t **root_out)
{
    int ok = 1;
    const char *p = e->profile;
    *fmt = -1;
    *rules_out = NULL;
    *root_out = NULL;
    if (r->spawn_failed) {
        add_reason(why, "%s: cannot run dfota", p);
        return 0;
    }
    if (r->timed_out) {
        add_reason(why, "%s: dfota did not finish within %d s", p, RUN_TIMEOUT_MS / 1000);
        return 0;
    }
    if (WIFSIGNALED(r->status)) {
        add_reason(why, "%s: dfota was killed by signal %d (crash)", p, WTERMSIG(r->status));
        return 0;
    }
    int code = WIFEXITED(r->status) ? WEXITSTATUS(r->status) : -1;
    int want = verdict_exit[in_list(e->verdict, verdicts, N_VERDICTS)];
    if (code == 127) {
        add_reason(why, "%s: dfota could not be executed", p);
        return 0;
    }
    if (code != want) {
        char line[201] = ""; /* at most 200 bytes of it */
        first_line(r->err, line, sizeof line);
        add_reason(why, "%s: exit status %d, expected %d (%s)%s%s", p, code, want, e->verdict,
                   line[0] ? "; stderr: " : "", line);
        ok = 0;
    }
    if (r->out_overflow) {
        add_reason(why, "%s: output larger than %u bytes", p, OUT_MAX);
        return 0;
    }
    json_error_t jerr;
    json_t *root = r->out ? json_loadb(r->out, r->out_len, 0, &jerr) : NULL;
    json_t *files = root ? json_object_get(root, "files") : NULL;
    json_t *file = json_is_array(files) && json_array_size(files) == 1 ? json_array_get(files, 0) : NULL;
    if (!file || !json_is_object(file)) {
        add_reason(why, "%s: no JSON report with one file on standard output%s%s", p,
                   root ? "" : ": ", root ? "" : (r->out ? jerr.text : "(empty)"));
        json_decref(root);
        return 0;
    }
    const char *verdict = json_string_value(json_object_get(file, "verdict"));
    if (!verdict || strcmp(verdict, e->verdict) != 0) {
        const char *err = json_string_value(json_object_get(file, "error"));
        add_reason(why, "%s: verdict %s, expected %s%s%s", p, verdict ? verdict : "(none)",
                   e->verdict, err ? "; error: " : "", err ? err : "");
        ok = 0;
    }
    json_t *rules = json_object_get(file, "rules");
    if (!json_is_object(rules)) {
        add_reason(why, "%s: no \"rules\" object", p);
        json_decref(root);
        return 0;
    }
    for (size_t i = 0; i < e->n_rules; i++) {
        const rule_expect *re = &e->rules[i];
        const char *got = json_string_value(json_object_get(rules, re->rule));
        int na = strcmp(re->status, "N/A") == 0;
        if (na && got) {
            add_reason(why, "%s: %s is %s, expected N/A (absent)", p, re->rule, got);
            ok = 0;
        } else if (!na && (!got || strcmp(got, re->status) != 0)) {
            add_reason(why, "%s: %s is %s, expected %s", p, re->rule, got ? got : "N/A (absent)",
                       re->status);
            ok = 0;
        }
    }
    const char *f = json_string_value(json_object_get(file, "format"));
    *fmt = f ? format_index(f) : -1;
    *rules_out = rules;
    *root_out = root;
    return ok;
}

static void count_cells(matrix *m, int fmt, json_t *rules)
{
    const char *key;
    json_t *value;
    if (fmt < 0)
        return;
    json_object_foreach(rules, key, value) {
        int ri = rule_index(key);
        const char *s = json_string_value(value);
        if (ri < 0 || !s)
            continue;
        if (strcmp(s, "PASS") == 0)
            m->seen[ri][fmt][0]++;
        else if (strcmp(s, "FAIL") == 0)
            m->seen[ri][fmt][1]++;
    }
}

/* Runs every expectation of one file. Returns 1 when the file passed. */
static int check_file(const char *dfota, const char *path, const char *shown, matrix *m)
{
    reasons why;
    header h;
    memset(&why, 0, sizeof why);
    read_header(path, &h, &why);
    size_t runs = why.n == 0 ? h.n_exp : 0; /* a bad header is not run at all */
    for (size_t i = 0; i < runs; i++) {
        const expectation *e = &h.exp[i];
        char *argv[8 + MAX_EXTRA_ARGS];
        size_t a = 0;
        argv[a++] = (char *)(uintptr_t)dfota; /* execv takes char *const[]; nothing writes */
        argv[a++] = (char *)(uintptr_t)"check";
        argv[a++] = (char *)(uintptr_t)"--profile";
        argv[a++] = (char *)(uintptr_t)e->profile;
        argv[a++] = (char *)(uintptr_t)"--format";
        argv[a++] = (char *)(uintptr_t)"json";
        for (size_t k = 0; k < h.n_args; k++)
            argv[a++] = h.args[k];
        argv[a++] = (char *)(uintptr_t)path;
        argv[a] = NULL;
        run_result r;
        run(argv, &r);
        int fmt;
        json_t *rules, *root;
        int ok = judge_run(e, &r, &why, &fmt, &rules, &root);
        if (ok && rules && strcmp(e->profile, "strict") == 0)
            count_cells(m, fmt, rules);
        json_decref(root);
        free(r.out);
    }
    if (why.n == 0) {
        printf("ok      %s\n", shown);
        return 1;
    }
    printf("FAILED  %s%s\n", shown, why.text);
    return 0;
}

/* ---- the catalogue against dfota rules -------------------------------- */

/* Every ID dfota lists must be in the catalogue above and the other way
 * round, so that the matrix covers every rule. Returns the mismatches. */
static unsigned compare_catalogue(const char *dfota)
{
    char *argv[] = {(char *)(uintptr_t)dfota, (char *)(uintptr_t)"rules", NULL};
    run_result r;
    unsigned bad = 0;
    int listed[N_RULES] = {0};
    run(argv, &r);
    if (r.spawn_failed || r.timed_out || !WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0 || !r.out) {
        printf("catalogue: 'dfota rules' failed\n");
        free(r.out);
        return 1;
    }
    for (char *line = r.out; line && *line;) {
        char *nl = strchr(line, '\n');
        char id[ID_MAX];
        size_t n = 0;
        while (line[n] && line[n] != ' ' && line[n] != '\n' && n + 1 < sizeof id)
            n++;
        memcpy(id, line, n);
        id[n] = '\0';
        if (n > 0) {
            int ri = rule_index(id);
            if (ri < 0) {
                printf("catalogue: 'dfota rules' lists %s, which this driver does not know\n", id);
                bad++;
            } else
                listed[ri] = 1;
        }
        line = nl ? nl + 1 : NULL;
    }
    for (size_t i = 0; i < N_RULES; i++)
        if (!listed[i]) {
            printf("catalogue: 'dfota rules' does not list %s\n", catalogue[i].id);
            bad++;
        }
    free(r.out);
    return bad;
}

/* ---- the coverage matrix ---------------------------------------------- */

static unsigned print_matrix(const matrix *m)
{
    unsigned missing = 0;
    printf("\ncoverage (strict runs that met their expectations; P = PASS seen, F = FAIL seen,\n"
           "           . = missing, - = not required)\n");
    printf("%-28s %-11s %-11s %-11s\n", "rule", fmt_names[0], fmt_names[1], fmt_names[2]);
    for (size_t i = 0; i < N_RULES; i++) {
        if (catalogue[i].formats == IN_NONE)
            continue;
        printf("%-28s", catalogue[i].id);
        for (int f = 0; f < FMT_COUNT; f++) {
            char cell[12];
            if (!(catalogue[i].formats & (1u << f)))
                snprintf(cell, sizeof cell, "-");
            else
                snprintf(cell, sizeof cell, "%s %s", m->seen[i][f][0] ? "P" : ".",
                         m->seen[i][f][1] ? "F" : ".");
            printf(" %-11s", cell);
        }
        putchar('\n');
    }
    for (size_t i = 0; i < N_RULES; i++)
        for (int f = 0; f < FMT_COUNT; f++)
            for (int s = 0; s < 2; s++)
                if ((catalogue[i].formats & (1u << f)) && !m->seen[i][f][s]) {
                    printf("missing: %s %s %s\n", catalogue[i].id, fmt_names[f], s ? "FAIL" : "PASS");
                    missing++;
                }
    printf("coverage: %s (%u missing cell%s)\n\n", missing ? "INCOMPLETE" : "complete", missing,
           missing == 1 ? "" : "s");
    return missing;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: check_corpus DFOTA_BINARY CORPUS_DIR\n");
        return 2;
    }
    const char *dfota = argv[1];
    char root[PATH_MAX_LEN];
    if (!clean_dir(argv[2], root, sizeof root)) {
        fprintf(stderr, "check_corpus: corpus path too long\n");
        return 2;
    }
    size_t rl = strlen(root);
    if (access(dfota, X_OK) != 0) {
        fprintf(stderr, "check_corpus: %s is not executable\n", dfota);
        return 2;
    }
    static file_list files;
    static matrix m;
    if (walk(root, 0, 1, is_transcript_name, &files) != 0)
        return 2;
    if (files.overflow) {
        fprintf(stderr, "check_corpus: more than %d files\n", MAX_FILES);
        return 2;
    }
    qsort(files.path, files.n, sizeof files.path[0], by_path);
    unsigned passed = 0, failed = 0;
    for (size_t i = 0; i < files.n; i++) {
        const char *shown = files.path[i] + rl + 1; /* relative to the corpus */
        if (check_file(dfota, files.path[i], shown, &m))
            passed++;
        else
            failed++;
        free(files.path[i]);
    }
    unsigned cat = compare_catalogue(dfota);
    unsigned missing = print_matrix(&m);
    printf("%u passed, %u failed\n", passed, failed);
    return failed == 0 && missing == 0 && cat == 0 && files.n > 0 ? 0 : 1;
}
