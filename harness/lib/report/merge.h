/* SPDX-License-Identifier: MIT */
/* merge.h - what the files of dfota merge share inside the report room
 * (not public API): the merge's state, which merge.c fills from the shards
 * and merge_out.c (text, JSON) and merge_html.c (the page) write.
 *
 * Every table is bounded (dfota/report.h names the bounds) and every
 * writer lists it in one order that does not depend on the order the
 * records came in: that is what makes a merge of shards in any order the
 * same document. */
#ifndef DFOTA_LIB_REPORT_MERGE_H
#define DFOTA_LIB_REPORT_MERGE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dfota/report.h"

/* A file's verdict, as the records name it (check's JSON tokens). */
enum {
    REPORT_V_PASS = 0,
    REPORT_V_FAIL,
    REPORT_V_INCOMPLETE,
    REPORT_V_NOTHING,
    REPORT_V_INCONCLUSIVE,
    REPORT_V_ERROR,
    REPORT_V_COUNT
};
extern const char *const report_verdict_token[REPORT_V_COUNT];

/* A rule's status in a file record; the index into an entry's n[]. */
enum { REPORT_S_PASS = 0, REPORT_S_WARN, REPORT_S_INCOMPLETE, REPORT_S_FAIL, REPORT_S_COUNT };
extern const char *const report_status_token[REPORT_S_COUNT];

/* The URC a code came in; the order codes are listed in. */
enum { REPORT_C_FTPEND = 0, REPORT_C_HTTPEND, REPORT_C_FILEEND, REPORT_C_END, REPORT_C_COUNT };
extern const char *const report_code_urc[REPORT_C_COUNT];

/* One of the worst files of a rule. */
typedef struct {
    char *key;              /* owned */
    int status;             /* REPORT_S_WARN, _INCOMPLETE or _FAIL */
    uint64_t findings;      /* the record's rule_findings for the rule */
    int verdict;            /* the file's, REPORT_V_* */
    unsigned long line;     /* the first finding of the rule that is not a NOTE, 0 none */
} report_worst;

/* One value of a table: a rule, an outcome, a code, a firmware pair. */
typedef struct {
    char *key;              /* owned, key_len bytes and a NUL */
    size_t key_len;
    uint64_t n[REPORT_S_COUNT]; /* a rule's files by status; else n[0] */
    int urc;                /* codes: REPORT_C_* */
    long long code;         /* codes */
    char *before, *after;   /* firmware: owned, NULL for null */
    report_worst *worst;    /* rules: a heap of at most opts.top, the least bad first */
    size_t n_worst;
} report_entry;

typedef struct {
    report_entry *e;        /* the values, in the order they came */
    size_t n, max;
    uint32_t *index;        /* open addressing over e, 0 for empty, else i + 1 */
    size_t n_index;         /* a power of two, at least 2 * max */
    uint64_t dropped;       /* counted past max: values not kept */
} report_table;

/* One (version, catalogue, profile) the records carried. */
typedef struct {
    char dfota[64], catalogue[64], profile[64];
    uint64_t files;
} report_combo;

/* Shard names, the smallest DFOTA_MERGE_NAMES_MAX in byte order. */
typedef struct {
    char *name[DFOTA_MERGE_NAMES_MAX];
    size_t n;
    uint64_t count;
} report_names;

struct dfota_merge {
    dfota_merge_opts o;
    char *line;             /* the line being read, up to o.line_max bytes */
    size_t line_cap;
    report_combo combos[DFOTA_MERGE_COMBOS_MAX];
    size_t n_combos;
    uint64_t combos_dropped;
    char first_where[DFOTA_MERGE_KEY_MAX + 32]; /* SHARD:LINE of the first record */
    uint64_t shards, records, duplicates, duplicates_differing;
    uint64_t verdicts[REPORT_V_COUNT];
    report_names truncated, inconsistent;
    report_table rules, outcomes, codes, firmware;
    uint64_t firmware_not_said;
    uint64_t *seen;         /* the keys merged: (key hash, judgement hash) pairs */
    size_t seen_slots, seen_used;
};

/* merge.c, for merge_read.c: a 64-bit hash of p[0..n); the entry of
 * key[0..len) in t, made when there is room (NULL with t->dropped counted
 * when there is none, NULL with *nomem set when out of memory); name
 * counted, and kept when among the smallest (-1 out of memory); a key
 * merged before (1, *differs when judged otherwise), or new and now
 * remembered (0), or -1 out of memory; cand offered to rule's worst files
 * (its key copied): where it was kept, NULL when it is not among the top
 * (or out of memory, *nomem set). */
uint64_t report_hash(const void *p, size_t n, uint64_t seed);
report_entry *report_table_get(report_table *t, const char *key, size_t len, int *nomem);
int report_names_add(report_names *n, const char *name);
int report_seen_add(dfota_merge *m, uint64_t key, uint64_t judged, int *differs);
report_worst *report_worst_offer(report_entry *rule, unsigned top, const report_worst *cand,
                                 int *nomem);

/* A shard read a block at a time; report_read_line (merge.c) puts its next
 * line in m->line: 1 with *len and *nl (it ended with '\n'), 0 at the end,
 * -1 a read error, -2 longer than line_max, -3 out of memory. */
#define REPORT_READ_BLOCK 65536
typedef struct {
    FILE *in;
    size_t pos, end;
    int eof;
    char blk[REPORT_READ_BLOCK];
} report_reader;
int report_read_line(dfota_merge *m, report_reader *rd, size_t *len, int *nl);

/* The entries of t in the order every writer lists them: rules by ID,
 * outcomes by name, codes by URC then code, firmware by before then after
 * (null first); rules as people read them (REPORT_BY_RANK: the most FAILs
 * first, then INCOMPLETE, then WARN, then by ID). A malloc'd array of t->n pointers (free it), NULL when t
 * is empty or out of memory. */
typedef enum { REPORT_BY_KEY, REPORT_BY_CODE, REPORT_BY_FIRMWARE, REPORT_BY_RANK } report_order;
const report_entry **report_merge_sorted(const report_table *t, report_order order);

/* A rule's worst files, the worst first (FAIL, INCOMPLETE, WARN, then the
 * most findings, then the key in byte order): a malloc'd copy of the
 * pointers (free it), NULL when there are none or out of memory. */
const report_worst **report_merge_worst(const report_entry *rule);

/* The tables that keep a bounded number of distinct entries, in the order
 * the text and the page say what they dropped, and their names in words
 * (merge_out.c). */
#define REPORT_TABLES 4
extern const char *const report_table_words[REPORT_TABLES];
const report_table *report_merge_table(const dfota_merge *m, int k);

/* merge_out.c, for the page too: the one (version, catalogue, profile) of
 * every record, NULL when mixed or none; the combinations in order into
 * out, their number; what the guide says code e means, "meaning, §N". */
const report_combo *report_merge_combo(const dfota_merge *m);
size_t report_merge_combos(const dfota_merge *m, const report_combo *out[DFOTA_MERGE_COMBOS_MAX]);
void report_code_meaning(const report_entry *e, char *buf, size_t cap);


#endif
