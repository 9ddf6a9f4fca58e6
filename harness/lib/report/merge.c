/* SPDX-License-Identifier: MIT */
/* merge.c - dfota merge's state (report/merge.h): the bounded tables, the
 * heaps of each rule's worst files, the keys merged so far, the shards
 * named, the status the merged verdicts call for, and the reading of a
 * shard's lines, bounded. merge_read.c fills it from the shards. */
#define _POSIX_C_SOURCE 200809L /* strdup, strnlen */
#include <stdlib.h>
#include <string.h>

#include "dfota/report.h"
#include "report/merge.h"

const char *const report_verdict_token[REPORT_V_COUNT] = {
    "PASS", "FAIL", "INCOMPLETE", "NOTHING-TO-JUDGE", "INCONCLUSIVE", "ERROR"};
const char *const report_status_token[REPORT_S_COUNT] = {"PASS", "WARN", "INCOMPLETE", "FAIL"};
const char *const report_code_urc[REPORT_C_COUNT] = {"FTPEND", "HTTPEND", "FILEEND", "END"};

/* ---- hashing ---------------------------------------------------------- */

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

uint64_t report_hash(const void *p, size_t n, uint64_t seed)
{
    const unsigned char *s = p;
    uint64_t h = 0xcbf29ce484222325ULL ^ seed;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 0x100000001b3ULL;
    return mix64(h);
}

/* ---- bounded tables ---------------------------------------------------- */

static void table_free(report_table *t)
{
    for (size_t i = 0; i < t->n; i++) {
        report_entry *e = &t->e[i];
        for (size_t k = 0; k < e->n_worst; k++)
            free(e->worst[k].key);
        free(e->worst);
        free(e->key);
        free(e->before);
        free(e->after);
    }
    free(t->e);
    free(t->index);
    memset(t, 0, sizeof *t);
}

/* The entry of key[0..len), made when there is room: NULL with
 * t->dropped counted when there is none, NULL with *nomem set when out of
 * memory. */
report_entry *report_table_get(report_table *t, const char *key, size_t len, int *nomem)
{
    if (!t->index) {
        size_t n = 16;
        while (n < 2 * t->max)
            n *= 2;
        t->index = calloc(n, sizeof *t->index);
        t->e = calloc(t->max, sizeof *t->e);
        if (!t->index || !t->e) {
            *nomem = 1;
            return NULL;
        }
        t->n_index = n;
    }
    size_t mask = t->n_index - 1, i = (size_t)report_hash(key, len, 0) & mask;
    for (; t->index[i]; i = (i + 1) & mask) {
        report_entry *e = &t->e[t->index[i] - 1];
        if (e->key_len == len && memcmp(e->key, key, len) == 0)
            return e;
    }
    if (t->n == t->max) {
        t->dropped++;
        return NULL;
    }
    report_entry *e = &t->e[t->n];
    memset(e, 0, sizeof *e);
    e->key = malloc(len + 1);
    if (!e->key) {
        *nomem = 1;
        return NULL;
    }
    memcpy(e->key, key, len);
    e->key[len] = '\0';
    e->key_len = len;
    t->index[i] = (uint32_t)++t->n;
    return e;
}

static int by_key(const void *a, const void *b)
{
    const report_entry *x = *(const report_entry *const *)a, *y = *(const report_entry *const *)b;
    size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
    int c = memcmp(x->key, y->key, n);
    return c ? c : (x->key_len > y->key_len) - (x->key_len < y->key_len);
}

static int by_code(const void *a, const void *b)
{
    const report_entry *x = *(const report_entry *const *)a, *y = *(const report_entry *const *)b;
    if (x->urc != y->urc)
        return x->urc - y->urc;
    return (x->code > y->code) - (x->code < y->code);
}

static int null_first(const char *a, const char *b)
{
    if (!a || !b)
        return (a != NULL) - (b != NULL);
    return strcmp(a, b);
}

static int by_firmware(const void *a, const void *b)
{
    const report_entry *x = *(const report_entry *const *)a, *y = *(const report_entry *const *)b;
    int c = null_first(x->before, y->before);
    return c ? c : null_first(x->after, y->after);
}

/* Rules as people read them: the most FAILs first, then INCOMPLETE, then
 * WARN, then by ID. */
static int by_rank(const void *a, const void *b)
{
    const report_entry *x = *(const report_entry *const *)a, *y = *(const report_entry *const *)b;
    for (int s = REPORT_S_FAIL; s > REPORT_S_PASS; s--)
        if (x->n[s] != y->n[s])
            return x->n[s] < y->n[s] ? 1 : -1;
    return by_key(a, b);
}

const report_entry **report_merge_sorted(const report_table *t, report_order order)
{
    static int (*const cmp[])(const void *, const void *) = {
        [REPORT_BY_KEY] = by_key, [REPORT_BY_CODE] = by_code,
        [REPORT_BY_FIRMWARE] = by_firmware, [REPORT_BY_RANK] = by_rank};
    if (t->n == 0)
        return NULL;
    const report_entry **v = malloc(t->n * sizeof *v);
    if (!v)
        return NULL;
    for (size_t i = 0; i < t->n; i++)
        v[i] = &t->e[i];
    qsort(v, t->n, sizeof *v, cmp[order]);
    return v;
}

/* ---- the worst files of a rule: a heap whose root is the least bad ---- */

/* > 0 when a is worse than b: its status, then its findings, then its key
 * first in byte order. A total order, so the top N do not depend on the
 * order they came in. */
static int worse(const report_worst *a, const report_worst *b)
{
    if (a->status != b->status)
        return a->status - b->status;
    if (a->findings != b->findings)
        return a->findings > b->findings ? 1 : -1;
    return strcmp(b->key, a->key);
}

static void sift_down(report_worst *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, least = i;
        if (l < n && worse(&h[least], &h[l]) > 0)
            least = l;
        if (r < n && worse(&h[least], &h[r]) > 0)
            least = r;
        if (least == i)
            return;
        report_worst t = h[i];
        h[i] = h[least];
        h[least] = t;
        i = least;
    }
}

static void sift_up(report_worst *h, size_t i)
{
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (worse(&h[p], &h[i]) <= 0)
            return;
        report_worst t = h[i];
        h[i] = h[p];
        h[p] = t;
        i = p;
    }
}

static int cmp_worst(const void *a, const void *b)
{
    return worse(*(const report_worst *const *)b, *(const report_worst *const *)a);
}

report_worst *report_worst_offer(report_entry *rule, unsigned top, const report_worst *cand,
                                 int *nomem)
{
    if (top == 0)
        return NULL;
    if (!rule->worst) {
        rule->worst = calloc(top, sizeof *rule->worst);
        if (!rule->worst) {
            *nomem = 1;
            return NULL;
        }
    }
    if (rule->n_worst == top && worse(cand, &rule->worst[0]) <= 0)
        return NULL;
    char *key = strdup(cand->key);
    if (!key) {
        *nomem = 1;
        return NULL;
    }
    report_worst w = *cand;
    w.key = key;
    if (rule->n_worst < top) {
        rule->worst[rule->n_worst] = w;
        sift_up(rule->worst, rule->n_worst++);
    } else {
        free(rule->worst[0].key);
        rule->worst[0] = w;
        sift_down(rule->worst, rule->n_worst, 0);
    }
    for (size_t i = 0; i < rule->n_worst; i++)
        if (rule->worst[i].key == key)
            return &rule->worst[i];
    return NULL; /* not reached */
}

const report_worst **report_merge_worst(const report_entry *rule)
{
    if (rule->n_worst == 0)
        return NULL;
    const report_worst **v = malloc(rule->n_worst * sizeof *v);
    if (!v)
        return NULL;
    for (size_t i = 0; i < rule->n_worst; i++)
        v[i] = &rule->worst[i];
    qsort(v, rule->n_worst, sizeof *v, cmp_worst);
    return v;
}

/* ---- the merge -------------------------------------------------------- */

dfota_merge *dfota_merge_new(const dfota_merge_opts *opts)
{
    dfota_merge *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    if (opts)
        m->o = *opts;
    if (m->o.top > DFOTA_MERGE_TOP_MAX)
        m->o.top = DFOTA_MERGE_TOP_MAX;
    if (m->o.line_max == 0)
        m->o.line_max = DFOTA_MERGE_LINE_MAX_DEFAULT;
    m->rules.max = DFOTA_MERGE_RULES_MAX;
    m->outcomes.max = DFOTA_MERGE_OUTCOMES_MAX;
    m->codes.max = DFOTA_MERGE_CODES_MAX;
    m->firmware.max = DFOTA_MERGE_FIRMWARE_MAX;
    return m;
}

static void names_free(report_names *n)
{
    for (size_t i = 0; i < n->n; i++)
        free(n->name[i]);
}

void dfota_merge_free(dfota_merge *m)
{
    if (!m)
        return;
    table_free(&m->rules);
    table_free(&m->outcomes);
    table_free(&m->codes);
    table_free(&m->firmware);
    names_free(&m->truncated);
    names_free(&m->inconsistent);
    free(m->seen);
    free(m->line);
    free(m);
}

/* Counts name, and keeps it when it is among the smallest
 * DFOTA_MERGE_NAMES_MAX. -1 when out of memory. */
int report_names_add(report_names *n, const char *name)
{
    n->count++;
    size_t at = 0;
    while (at < n->n && strcmp(n->name[at], name) < 0)
        at++;
    if (at == DFOTA_MERGE_NAMES_MAX)
        return 0;
    char *copy = strdup(name);
    if (!copy)
        return -1;
    if (n->n == DFOTA_MERGE_NAMES_MAX)
        free(n->name[--n->n]);
    memmove(&n->name[at + 1], &n->name[at], (n->n - at) * sizeof n->name[0]);
    n->name[at] = copy;
    n->n++;
    return 0;
}

/* The keys merged. 1 when key came before (and *differs when with another
 * judgement), 0 when it is new (and now remembered), -1 out of memory. */
int report_seen_add(dfota_merge *m, uint64_t key, uint64_t judged, int *differs)
{
    key |= key == 0; /* 0 marks an empty slot */
    if (4 * (m->seen_used + 1) > 3 * m->seen_slots) {
        size_t n = m->seen_slots ? 2 * m->seen_slots : 1024;
        uint64_t *t = calloc(n, 2 * sizeof *t);
        if (!t)
            return -1;
        for (size_t i = 0; i < m->seen_slots; i++) {
            uint64_t k = m->seen[2 * i];
            if (!k)
                continue;
            size_t j = (size_t)k & (n - 1);
            while (t[2 * j])
                j = (j + 1) & (n - 1);
            t[2 * j] = k;
            t[2 * j + 1] = m->seen[2 * i + 1];
        }
        free(m->seen);
        m->seen = t;
        m->seen_slots = n;
    }
    size_t j = (size_t)key & (m->seen_slots - 1);
    for (; m->seen[2 * j]; j = (j + 1) & (m->seen_slots - 1))
        if (m->seen[2 * j] == key) {
            *differs = m->seen[2 * j + 1] != judged;
            return 1;
        }
    m->seen[2 * j] = key;
    m->seen[2 * j + 1] = judged;
    m->seen_used++;
    return 0;
}

/* The files merged: every verdict counted. */
static uint64_t merge_files(const dfota_merge *m)
{
    uint64_t files = 0;
    for (int v = 0; v < REPORT_V_COUNT; v++)
        files += m->verdicts[v];
    return files;
}

void dfota_merge_get_totals(const dfota_merge *m, dfota_merge_totals *t)
{
    memset(t, 0, sizeof *t);
    t->shards = m->shards;
    t->records = m->records;
    t->passed = m->verdicts[REPORT_V_PASS];
    t->failed = m->verdicts[REPORT_V_FAIL];
    t->incomplete = m->verdicts[REPORT_V_INCOMPLETE];
    t->inconclusive = m->verdicts[REPORT_V_INCONCLUSIVE];
    t->nothing = m->verdicts[REPORT_V_NOTHING];
    t->unreadable = m->verdicts[REPORT_V_ERROR];
    t->files = merge_files(m);
    t->duplicates = m->duplicates;
    t->duplicates_differing = m->duplicates_differing;
    t->truncated = m->truncated.count;
    t->inconsistent = m->inconsistent.count;
    t->mixed = m->n_combos + m->combos_dropped;
}

dfota_status dfota_merge_status(const dfota_merge *m)
{
    const uint64_t *v = m->verdicts;
    uint64_t files = merge_files(m);
    dfota_status st = DFOTA_STATUS_PASS;
    if (v[REPORT_V_ERROR])
        st = DFOTA_STATUS_INPUT;
    else if (v[REPORT_V_FAIL])
        st = DFOTA_STATUS_FAIL;
    else if (files == 0 || v[REPORT_V_INCOMPLETE] || v[REPORT_V_INCONCLUSIVE] || v[REPORT_V_NOTHING])
        st = DFOTA_STATUS_INCOMPLETE;
    /* a file judged twice, otherwise: which one counted depends on the
     * order of the shards, so no verdict of the whole can be trusted */
    if (m->duplicates_differing)
        return DFOTA_STATUS_INPUT;
    return dfota_status_fail_on(st, m->o.fail_on); /* as dfota check's --fail-on */
}

/* ---- lines ------------------------------------------------------------- */

#define LINE_CAP_FIRST 65536

int report_read_line(dfota_merge *m, report_reader *rd, size_t *len, int *nl)
{
    size_t n = 0;
    for (;;) {
        if (rd->pos == rd->end) {
            if (rd->eof)
                break;
            size_t got = fread(rd->blk, 1, sizeof rd->blk, rd->in);
            if (got == 0) {
                if (ferror(rd->in))
                    return -1;
                rd->eof = 1;
                break;
            }
            rd->pos = 0;
            rd->end = got;
        }
        const char *s = rd->blk + rd->pos;
        const char *e = memchr(s, '\n', rd->end - rd->pos);
        size_t take = e ? (size_t)(e - s) : rd->end - rd->pos;
        if (take > m->o.line_max - n)
            return -2;
        if (n + take + 1 > m->line_cap) {
            size_t cap = m->line_cap ? m->line_cap : LINE_CAP_FIRST;
            while (cap < n + take + 1)
                cap *= 2;
            if (cap > m->o.line_max + 1)
                cap = m->o.line_max + 1;
            char *p = realloc(m->line, cap);
            if (!p)
                return -3;
            m->line = p;
            m->line_cap = cap;
        }
        memcpy(m->line + n, s, take);
        n += take;
        rd->pos += take + (e != NULL);
        if (e) {
            *len = n;
            *nl = 1;
            return 1;
        }
    }
    *len = n;
    *nl = 0;
    return n > 0;
}
