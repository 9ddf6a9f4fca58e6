/* SPDX-License-Identifier: MIT */
/* tree.h - what the files of the scenario room share (not public API): the
 * bounded YAML tree (tree.c), its messages and the words a scenario is
 * made of (words.c). Every message is "FILE:LINE:COLUMN: message" written
 * into the caller's err buffer; the functions that fail return the error
 * and own nothing they do not hand back. */
#ifndef DFOTA_LIB_SCENARIO_TREE_H
#define DFOTA_LIB_SCENARIO_TREE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "dfota/base.h"
#include "dfota/scenario.h"

#define SHOWN_MAX 48          /* untrusted text quoted in a message */
#define LIST_MAX 160          /* "use a, b, c" in a message */

/* ---- the tree (tree.c) ---------------------------------------------------- */

typedef enum { Y_SCALAR, Y_SEQ, Y_MAP, Y_ALIAS } ykind;

/* Node 0 is never used: index 0 means "none" in the links. A mapping's
 * children alternate key, value. */
typedef struct {
    ykind kind;
    int plain;                  /* a plain scalar: may stand for null */
    unsigned long line, col;
    char *text;                 /* scalar, NUL-terminated, holds no NUL */
    size_t len;
    char *anchor;               /* a collection's anchor, until it is complete */
    size_t first, last, next;
    size_t count;
    size_t target;              /* alias: the anchored node */
    size_t weight;              /* nodes it stands for once aliases are expanded */
} ynode;

typedef struct {
    char *name;
    size_t node;
} yanchor;

/* Every error of a file, not only the first (dfota_scenario_load_all):
 * scn_nfail hands each message to fn as it is written, up to
 * DFOTA_SCENARIO_ERRORS_MAX, and counts the rest. */
typedef struct {
    dfota_scenario_error_fn fn;
    void *ctx;
    size_t n;                   /* errors written */
} scn_errors;

typedef struct {
    const char *file;           /* for messages */
    scn_errors *errors;         /* NULL: the reading stops at the first error */
    char *err;
    size_t errlen;
    ynode *v;
    size_t n, cap;
    yanchor *anchors;
    size_t n_anchors, cap_anchors;
    size_t open[DFOTA_SCENARIO_DEPTH_MAX];
    size_t depth;
    size_t root;                /* 0: the stream holds no document */
    size_t expanded;
    size_t aliases;
    int documents;
} ytree;

/* What a file of the room is read into (a scenario, a package map, a vars
 * file): read takes the whole tree, with the caller's arg. */
typedef dfota_err (*tree_reader)(const ytree *t, void *arg);

/* Parses text (file names it in messages) into a tree and hands it to
 * read: the one place a tree is built and freed. Returns DFOTA_E_ARG
 * without a file, or without text when len is not 0; else the tree's
 * error, or read's, with the message in err. */
dfota_err scn_tree_read(const char *file, const char *text, size_t len, char *err, size_t errlen,
                    tree_reader read, void *arg);
/* tree_read of the file at path, of at most DFOTA_SCENARIO_FILE_MAX bytes. */
dfota_err scn_tree_load(const char *path, char *err, size_t errlen, tree_reader read, void *arg);
/* scn_tree_read that goes on past an error the reader can step over,
 * handing each message to errors (errors may be NULL). */
dfota_err scn_tree_read_all(const char *file, const char *text, size_t len, char *err,
                            size_t errlen, scn_errors *errors, tree_reader read, void *arg);
/* scn_tree_load that goes on past an error the reader can step over,
 * handing each message to errors (errors may be NULL). */
dfota_err scn_tree_load_all(const char *path, char *err, size_t errlen, scn_errors *errors,
                            tree_reader read, void *arg);
/* After a part of the file failed with rc: 1 when the reader goes on to
 * the next part (every error is wanted and rc is not out of memory). */
int scn_go_on(const ytree *t, dfota_err rc);
/* "out of memory" as t's message; returns DFOTA_E_NOMEM. */
dfota_err scn_nomem(const ytree *t);

/* Reading the tree. Nodes are indices into t->v; the messages of nfail
 * and the want_, check_ and get_ functions are at node i as written. */
const ynode *scn_node(const ytree *t, size_t i);
int scn_is_null(const ynode *n);
const char *scn_kind_text(const ynode *n);
int scn_text_is(const ynode *n, const char *s);
DFOTA_PRINTF(4, 5)
dfota_err scn_nfail(const ytree *t, size_t i, dfota_err rc, const char *fmt, ...);
dfota_err scn_want_text(const ytree *t, size_t i, const char *what);
dfota_err scn_want_kind(const ytree *t, size_t i, ykind kind, const char *what);
/* "a, b, c" of a NULL-ended list into buf, cut at a word when too long. */
void scn_join(const char *const *words, char *buf, size_t cap);
dfota_err scn_check_keys(const ytree *t, size_t m, const char *const *allowed, const char *where);
dfota_err scn_too_many(const ytree *t, size_t m, size_t max, const char *what);
size_t scn_map_get(const ytree *t, size_t m, const char *key);
dfota_err scn_require(const ytree *t, size_t m, const char *key, const char *what);
/* A copy of node i's text in *dst, which the caller frees. */
dfota_err scn_get_string(const ytree *t, size_t i, const char *what, char **dst);
dfota_err scn_get_duration(const ytree *t, size_t i, const char *what, int positive, int64_t *ns);
int scn_parse_int(const char *s, size_t n, int is_signed, long *v);
dfota_err scn_get_int(const ytree *t, size_t i, const char *what, long lo, long hi, long *v);

/* ---- messages and words (words.c) ------------------------------------------ */

dfota_err scn_vfail_at(char *err, size_t errlen, const char *file, unsigned long line,
                   unsigned long col, dfota_err rc, const char *fmt, va_list ap);
DFOTA_PRINTF(7, 8)
dfota_err scn_fail_at(char *err, size_t errlen, const char *file, unsigned long line,
                  unsigned long col, dfota_err rc, const char *fmt, ...);
DFOTA_PRINTF(4, 5)
dfota_err scn_fail_plain(char *err, size_t errlen, dfota_err rc, const char *fmt, ...);
const char *scn_shown(const char *s, size_t n, char *buf, size_t cap);
/* A NUL-terminated copy of s[0..n), which the caller frees; NULL when out
 * of memory. */
char *scn_dup_n(const char *s, size_t n);

static inline int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

int scn_is_scenario_name(const char *s, size_t n);
int scn_is_word(const char *s, size_t n);
int scn_is_var_name(const char *s, size_t n);
int scn_is_section(const char *s, size_t n);
int scn_next_ref(const char *s, size_t n, size_t *pos, size_t *start, size_t *at, size_t *len);

#endif
