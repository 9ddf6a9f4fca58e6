/* scenario.c - YAML scenarios (dfota/scenario.h) and their variables.
 *
 * Two passes. libyaml's event parser feeds a small tree that keeps each
 * node's place (line and column, 1-based) and is bounded everywhere: the
 * file's size, the nesting, the aliases, the nodes once aliases are
 * expanded and each scalar's length. An alias is never copied: each
 * anchored node knows, once it is complete, how many nodes it stands for,
 * and every use of it adds that many to the count, so an alias bomb
 * ("billion laughs") stops at the alias that passes the limit, in time and
 * memory linear in the file. Then the tree is checked against the format
 * and turned into a dfota_scenario. One thing wrong is reported, as
 * "FILE:LINE:COLUMN: message" at the node that is wrong (for a missing key,
 * at the mapping that lacks it): a mapping's keys are checked before its
 * values, and the top level's parts in the order of the format, vars
 * before steps, so that a step can be checked against the vars. Explicit
 * tags (!!str) are refused: the format has no use for them and each scalar
 * is judged by its text. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "dfota/guide.h"
#include "dfota/scenario.h"
#include "base/text.h"

#define SHOWN_MAX 48          /* untrusted text quoted in a message */
#define LIST_MAX 160          /* "use a, b, c" in a message */
#define INT_DIGITS_MAX 9      /* codes, percentages, counts: below a billion */
#define FREE_SPACE_MAX (1LL << 40)
#define VARSET_MAX (DFOTA_SCENARIO_VARS_MAX * 2)

/* ---- messages ------------------------------------------------------------ */

/* Writes "FILE:LINE:COLUMN: message" into err. A message cut by a short
 * buffer ends in "..." so that the cut shows. Returns rc. */
static dfota_err vfail_at(char *err, size_t errlen, const char *file, unsigned long line,
                          unsigned long col, dfota_err rc, const char *fmt, va_list ap)
{
    if (!err || !errlen)
        return rc;
    int cut = 0;
    int n = snprintf(err, errlen, "%s:%lu:%lu: ", file, line, col);
    if (n < 0 || (size_t)n >= errlen) {
        cut = 1;
    } else {
        int m = vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
        cut = m < 0 || (size_t)m >= errlen - (size_t)n;
    }
    if (cut && errlen > 4)
        text_cut_marked(err, errlen);
    return rc;
}

DFOTA_PRINTF(7, 8)
static dfota_err fail_at(char *err, size_t errlen, const char *file, unsigned long line,
                         unsigned long col, dfota_err rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail_at(err, errlen, file, line, col, rc, fmt, ap);
    va_end(ap);
    return rc;
}

/* A message without a place (dfota_varset_add, dfota_scenario_expand). */
DFOTA_PRINTF(4, 5)
static dfota_err fail_plain(char *err, size_t errlen, dfota_err rc, const char *fmt, ...)
{
    if (!err || !errlen)
        return rc;
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    if ((m < 0 || (size_t)m >= errlen) && errlen > 4)
        text_cut_marked(err, errlen);
    return rc;
}

/* Untrusted text as a message shows it: bytes outside printable ASCII as
 * \xNN, cut with "..." past SHOWN_MAX. Returns buf. */
static const char *shown(const char *s, size_t n, char *buf, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        size_t need = (c >= 0x20 && c < 0x7f) ? 1 : 4;
        if (o + need + 4 > cap) {
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
        if (need == 1) {
            buf[o++] = (char)c;
        } else {
            buf[o++] = '\\';
            buf[o++] = 'x';
            buf[o++] = hex[c >> 4];
            buf[o++] = hex[c & 15];
        }
    }
    buf[o] = '\0';
    return buf;
}

/* Line and column (1-based, columns in characters as libyaml counts them)
 * of byte offset off of text. */
static void offset_mark(const char *text, size_t len, size_t off, unsigned long *line,
                        unsigned long *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off && i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '\n' || (c == '\r' && (i + 1 >= len || text[i + 1] != '\n'))) {
            (*line)++;
            *col = 1;
        } else if (c != '\r' && (c & 0xc0) != 0x80) {
            (*col)++;
        }
    }
}

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* ---- the tree ------------------------------------------------------------ */

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

typedef struct {
    const char *file;           /* for messages */
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

static void tree_init(ytree *t, const char *file, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    t->file = file;
    t->err = err;
    t->errlen = errlen;
    t->n = 1;
}

static void tree_free(ytree *t)
{
    for (size_t i = 1; i < t->n && t->v; i++) {
        free(t->v[i].text);
        free(t->v[i].anchor);
    }
    for (size_t i = 0; i < t->n_anchors; i++)
        free(t->anchors[i].name);
    free(t->v);
    free(t->anchors);
    t->v = NULL;
    t->anchors = NULL;
}

DFOTA_PRINTF(4, 5)
static dfota_err tree_fail(const ytree *t, yaml_mark_t m, dfota_err rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail_at(t->err, t->errlen, t->file, (unsigned long)m.line + 1, (unsigned long)m.column + 1,
             rc, fmt, ap);
    va_end(ap);
    return rc;
}

static dfota_err nomem(const ytree *t)
{
    return fail_at(t->err, t->errlen, t->file, 0, 0, DFOTA_E_NOMEM, "out of memory");
}

/* A new node of weight w at mark m, linked under the open collection.
 * Fails past DFOTA_SCENARIO_NODES_MAX expanded nodes. */
static dfota_err tree_add(ytree *t, ykind kind, yaml_mark_t m, size_t w, size_t *idx)
{
    if (w > DFOTA_SCENARIO_NODES_MAX - t->expanded)
        return tree_fail(t, m, DFOTA_E_TOO_BIG, "more than %d nodes once aliases are expanded%s",
                         DFOTA_SCENARIO_NODES_MAX, kind == Y_ALIAS ? " (an alias bomb?)" : "");
    if (t->n >= t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        ynode *v = realloc(t->v, cap * sizeof *v);
        if (!v)
            return nomem(t);
        memset(v + t->cap, 0, (cap - t->cap) * sizeof *v);
        t->v = v;
        t->cap = cap;
    }
    size_t i = t->n++;
    ynode *nd = &t->v[i];
    nd->kind = kind;
    nd->line = (unsigned long)m.line + 1;
    nd->col = (unsigned long)m.column + 1;
    nd->weight = w;
    t->expanded += w;
    if (t->depth) {
        ynode *p = &t->v[t->open[t->depth - 1]];
        if (p->first)
            t->v[p->last].next = i;
        else
            p->first = i;
        p->last = i;
        p->count++;
    } else {
        t->root = i;
    }
    *idx = i;
    return DFOTA_OK;
}

static dfota_err tree_anchor(ytree *t, const unsigned char *name, size_t node)
{
    if (t->n_anchors == t->cap_anchors) {
        size_t cap = t->cap_anchors ? t->cap_anchors * 2 : 8;
        yanchor *a = realloc(t->anchors, cap * sizeof *a);
        if (!a)
            return nomem(t);
        t->anchors = a;
        t->cap_anchors = cap;
    }
    char *copy = dup_n((const char *)name, strlen((const char *)name));
    if (!copy)
        return nomem(t);
    t->anchors[t->n_anchors].name = copy;
    t->anchors[t->n_anchors].node = node;
    t->n_anchors++;
    return DFOTA_OK;
}

/* The weight of a complete child counts in its parent's. */
static void tree_weigh(ytree *t, size_t i)
{
    if (t->depth)
        t->v[t->open[t->depth - 1]].weight += t->v[i].weight;
}

static dfota_err no_tag(const ytree *t, const yaml_event_t *ev, const yaml_char_t *tag)
{
    char b[SHOWN_MAX];
    if (!tag)
        return DFOTA_OK;
    return tree_fail(t, ev->start_mark, DFOTA_E_INPUT,
                     "tag '%s': scenarios use no YAML tags",
                     shown((const char *)tag, strlen((const char *)tag), b, sizeof b));
}

static dfota_err tree_scalar(ytree *t, const yaml_event_t *ev)
{
    size_t len = ev->data.scalar.length, i = 0;
    const char *value = (const char *)ev->data.scalar.value;
    dfota_err rc = no_tag(t, ev, ev->data.scalar.tag);
    if (rc)
        return rc;
    if (len > DFOTA_SCENARIO_TEXT_MAX)
        return tree_fail(t, ev->start_mark, DFOTA_E_TOO_BIG,
                         "a scalar of %zu bytes: the most is %d", len, DFOTA_SCENARIO_TEXT_MAX);
    if (memchr(value, '\0', len))
        return tree_fail(t, ev->start_mark, DFOTA_E_INPUT, "a NUL character in a scalar");
    rc = tree_add(t, Y_SCALAR, ev->start_mark, 1, &i);
    if (rc)
        return rc;
    t->v[i].text = dup_n(value, len);
    if (!t->v[i].text)
        return nomem(t);
    t->v[i].len = len;
    t->v[i].plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    tree_weigh(t, i);
    return ev->data.scalar.anchor ? tree_anchor(t, ev->data.scalar.anchor, i) : DFOTA_OK;
}

static dfota_err tree_open(ytree *t, const yaml_event_t *ev, ykind kind)
{
    const yaml_char_t *anchor = kind == Y_SEQ ? ev->data.sequence_start.anchor
                                              : ev->data.mapping_start.anchor;
    const yaml_char_t *tag = kind == Y_SEQ ? ev->data.sequence_start.tag
                                           : ev->data.mapping_start.tag;
    size_t i = 0;
    dfota_err rc = no_tag(t, ev, tag);
    if (rc)
        return rc;
    if (t->depth >= DFOTA_SCENARIO_DEPTH_MAX)
        return tree_fail(t, ev->start_mark, DFOTA_E_TOO_BIG,
                         "nested deeper than %d collections", DFOTA_SCENARIO_DEPTH_MAX);
    rc = tree_add(t, kind, ev->start_mark, 1, &i);
    if (rc)
        return rc;
    if (anchor) {
        t->v[i].anchor = dup_n((const char *)anchor, strlen((const char *)anchor));
        if (!t->v[i].anchor)
            return nomem(t);
    }
    t->open[t->depth++] = i;
    return DFOTA_OK;
}

/* A collection is complete: its weight is final, and only now may an
 * alias name it (an alias inside its own anchor would be a cycle). */
static dfota_err tree_close(ytree *t)
{
    size_t i = t->open[--t->depth];
    tree_weigh(t, i);
    if (!t->v[i].anchor)
        return DFOTA_OK;
    dfota_err rc = tree_anchor(t, (const unsigned char *)t->v[i].anchor, i);
    free(t->v[i].anchor);
    t->v[i].anchor = NULL;
    return rc;
}

static dfota_err tree_alias(ytree *t, const yaml_event_t *ev)
{
    const char *name = (const char *)ev->data.alias.anchor;
    char b[SHOWN_MAX];
    size_t i = 0, target = 0;
    if (++t->aliases > DFOTA_SCENARIO_ALIAS_MAX)
        return tree_fail(t, ev->start_mark, DFOTA_E_TOO_BIG, "more than %d aliases",
                         DFOTA_SCENARIO_ALIAS_MAX);
    for (size_t a = t->n_anchors; a-- > 0 && !target;)
        if (strcmp(t->anchors[a].name, name) == 0)
            target = t->anchors[a].node;
    if (!target)
        return tree_fail(t, ev->start_mark, DFOTA_E_INPUT,
                         "alias *%s names no complete anchor before it",
                         shown(name, strlen(name), b, sizeof b));
    dfota_err rc = tree_add(t, Y_ALIAS, ev->start_mark, t->v[target].weight, &i);
    if (rc)
        return rc;
    t->v[i].target = target;
    tree_weigh(t, i);
    return DFOTA_OK;
}

static dfota_err tree_event(ytree *t, const yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (++t->documents > 1)
            return tree_fail(t, ev->start_mark, DFOTA_E_INPUT,
                             "a second document: a file holds one scenario");
        return DFOTA_OK;
    case YAML_SCALAR_EVENT: return tree_scalar(t, ev);
    case YAML_SEQUENCE_START_EVENT: return tree_open(t, ev, Y_SEQ);
    case YAML_MAPPING_START_EVENT: return tree_open(t, ev, Y_MAP);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT: return tree_close(t);
    case YAML_ALIAS_EVENT: return tree_alias(t, ev);
    default: return DFOTA_OK;
    }
}

static dfota_err syntax_error(const ytree *t, const yaml_parser_t *p, const char *text,
                              size_t len)
{
    const char *problem = p->problem ? p->problem : "not valid YAML";
    unsigned long line, col;
    if (p->error == YAML_MEMORY_ERROR)
        return nomem(t);
    if (p->error == YAML_READER_ERROR) {
        offset_mark(text, len, p->problem_offset, &line, &col);
        return fail_at(t->err, t->errlen, t->file, line, col, DFOTA_E_INPUT,
                       "not UTF-8 text: %s", problem);
    }
    if (p->context)
        return fail_at(t->err, t->errlen, t->file, (unsigned long)p->problem_mark.line + 1,
                       (unsigned long)p->problem_mark.column + 1, DFOTA_E_INPUT,
                       "YAML syntax: %s (%s at %lu:%lu)", problem, p->context,
                       (unsigned long)p->context_mark.line + 1,
                       (unsigned long)p->context_mark.column + 1);
    return fail_at(t->err, t->errlen, t->file, (unsigned long)p->problem_mark.line + 1,
                   (unsigned long)p->problem_mark.column + 1, DFOTA_E_INPUT, "YAML syntax: %s",
                   problem);
}

/* Parses text into t: DFOTA_OK, or an error with its place in t->err. */
static dfota_err tree_build(ytree *t, const char *text, size_t len)
{
    yaml_parser_t p;
    yaml_event_t ev;
    dfota_err rc = DFOTA_OK;
    int have_event = 0;
    if (len > DFOTA_SCENARIO_FILE_MAX) {
        unsigned long line, col;
        offset_mark(text, len, DFOTA_SCENARIO_FILE_MAX, &line, &col);
        return fail_at(t->err, t->errlen, t->file, line, col, DFOTA_E_TOO_BIG,
                       "the file goes past %d bytes here", DFOTA_SCENARIO_FILE_MAX);
    }
    if (!yaml_parser_initialize(&p))
        return nomem(t);
    yaml_parser_set_input_string(&p, (const unsigned char *)(text ? text : ""), len);
    for (;;) {
        if (!yaml_parser_parse(&p, &ev)) {
            rc = syntax_error(t, &p, text, len);
            goto done;
        }
        have_event = 1;
        if (ev.type == YAML_STREAM_END_EVENT)
            break;
        rc = tree_event(t, &ev);
        if (rc)
            goto done;
        yaml_event_delete(&ev);
        have_event = 0;
    }
done:
    if (have_event)
        yaml_event_delete(&ev);
    yaml_parser_delete(&p);
    return rc;
}

/* ---- reading the tree ---------------------------------------------------- */

/* The node an alias stands for; other nodes themselves. Messages use the
 * node as written (the alias), content comes from here. */
static const ynode *node(const ytree *t, size_t i)
{
    const ynode *n = &t->v[i];
    return n->kind == Y_ALIAS ? &t->v[n->target] : n;
}

static int is_null(const ynode *n)
{
    if (n->kind != Y_SCALAR || !n->plain)
        return 0;
    return n->len == 0 || strcmp(n->text, "~") == 0 || strcmp(n->text, "null") == 0 ||
           strcmp(n->text, "Null") == 0 || strcmp(n->text, "NULL") == 0;
}

static const char *kind_text(const ynode *n)
{
    if (is_null(n))
        return "nothing";
    switch (n->kind) {
    case Y_SEQ: return "a sequence";
    case Y_MAP: return "a mapping";
    default: return "a scalar";
    }
}

static int text_is(const ynode *n, const char *s)
{
    return n->kind == Y_SCALAR && strcmp(n->text, s) == 0;
}

DFOTA_PRINTF(4, 5)
static dfota_err nfail(const ytree *t, size_t i, dfota_err rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail_at(t->err, t->errlen, t->file, t->v[i].line, t->v[i].col, rc, fmt, ap);
    va_end(ap);
    return rc;
}

/* Node i is text: a scalar that is not null. */
static dfota_err want_text(const ytree *t, size_t i, const char *what)
{
    const ynode *n = node(t, i);
    if (n->kind == Y_SCALAR && !is_null(n))
        return DFOTA_OK;
    return nfail(t, i, DFOTA_E_INPUT, "%s must be text, not %s", what, kind_text(n));
}

static dfota_err want_kind(const ytree *t, size_t i, ykind kind, const char *what)
{
    const ynode *n = node(t, i);
    if (n->kind == kind)
        return DFOTA_OK;
    return nfail(t, i, DFOTA_E_INPUT, "%s must be %s, not %s", what,
                 kind == Y_MAP ? "a mapping" : "a sequence", kind_text(n));
}

static void join(const char *const *words, char *buf, size_t cap)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; words[i]; i++) {
        int n = snprintf(buf + o, cap - o, "%s%s", i ? ", " : "", words[i]);
        if (n < 0 || (size_t)n >= cap - o)
            return;
        o += (size_t)n;
    }
}

/* Every key of mapping m is text, once, and in allowed (a NULL-ended list;
 * NULL allows any). where follows "unknown key 'x'" in the message. */
static dfota_err check_keys(const ytree *t, size_t m, const char *const *allowed,
                            const char *where)
{
    char b[SHOWN_MAX], list[LIST_MAX];
    for (size_t k = node(t, m)->first; k; k = t->v[t->v[k].next].next) {
        const ynode *key = node(t, k);
        dfota_err rc = want_text(t, k, "a key");
        if (rc)
            return rc;
        int known = allowed == NULL;
        for (size_t a = 0; !known && allowed[a]; a++)
            known = strcmp(key->text, allowed[a]) == 0;
        if (!known) {
            join(allowed, list, sizeof list);
            return nfail(t, k, DFOTA_E_INPUT, "unknown key '%s'%s: use %s",
                         shown(key->text, key->len, b, sizeof b), where, list);
        }
        for (size_t e = node(t, m)->first; e != k; e = t->v[t->v[e].next].next)
            if (strcmp(node(t, e)->text, key->text) == 0)
                return nfail(t, k, DFOTA_E_INPUT, "duplicate key '%s' (first at %lu:%lu)",
                             shown(key->text, key->len, b, sizeof b), t->v[e].line,
                             t->v[e].col);
    }
    return DFOTA_OK;
}

/* More than max pairs in mapping m: an error at the first key past max. */
static dfota_err too_many(const ytree *t, size_t m, size_t max, const char *what)
{
    if (node(t, m)->count / 2 <= max)
        return DFOTA_OK;
    size_t k = node(t, m)->first;
    for (size_t n = 0; n < max; n++)
        k = t->v[t->v[k].next].next;
    return nfail(t, k, DFOTA_E_TOO_BIG, "more than %zu %s", max, what);
}

/* The value under key in mapping m (keys checked), or 0. */
static size_t map_get(const ytree *t, size_t m, const char *key)
{
    for (size_t k = node(t, m)->first; k; k = t->v[t->v[k].next].next)
        if (text_is(node(t, k), key))
            return t->v[k].next;
    return 0;
}

static dfota_err require(const ytree *t, size_t m, const char *key, const char *what)
{
    if (map_get(t, m, key))
        return DFOTA_OK;
    return nfail(t, m, DFOTA_E_INPUT, "missing key '%s' in %s", key, what);
}

static dfota_err get_string(const ytree *t, size_t i, const char *what, char **dst)
{
    dfota_err rc = want_text(t, i, what);
    if (rc)
        return rc;
    *dst = dup_n(node(t, i)->text, node(t, i)->len);
    return *dst ? DFOTA_OK : nomem(t);
}

/* A duration (dfota/guide.h); zero refused when positive. */
static dfota_err get_duration(const ytree *t, size_t i, const char *what, int positive,
                              int64_t *ns)
{
    char b[SHOWN_MAX];
    dfota_err rc = want_text(t, i, what);
    if (rc)
        return rc;
    const ynode *n = node(t, i);
    rc = dfota_duration_parse(n->text, n->len, ns);
    if (rc == DFOTA_E_TOO_BIG)
        return nfail(t, i, rc, "%s '%s' is over 1000 days", what,
                     shown(n->text, n->len, b, sizeof b));
    if (rc)
        return nfail(t, i, DFOTA_E_INPUT,
                     "bad duration '%s': use a number and one of ns us ms s min h",
                     shown(n->text, n->len, b, sizeof b));
    if (positive && *ns == 0)
        return nfail(t, i, DFOTA_E_INPUT, "%s must be longer than 0", what);
    return DFOTA_OK;
}

/* Digits (and a leading '-' when signed) of at most INT_DIGITS_MAX: 1 and *v. */
static int parse_int(const char *s, size_t n, int is_signed, long *v)
{
    size_t i = 0;
    int neg = 0;
    if (is_signed && n > 0 && s[0] == '-') {
        neg = 1;
        i = 1;
    }
    if (i == n || n - i > INT_DIGITS_MAX)
        return 0;
    long x = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        x = x * 10 + (s[i] - '0');
    }
    *v = neg ? -x : x;
    return 1;
}

static dfota_err get_int(const ytree *t, size_t i, const char *what, long lo, long hi, long *v)
{
    char b[SHOWN_MAX];
    dfota_err rc = want_text(t, i, what);
    if (rc)
        return rc;
    const ynode *n = node(t, i);
    if (!parse_int(n->text, n->len, lo < 0, v) || *v < lo || *v > hi)
        return nfail(t, i, DFOTA_E_INPUT, "%s must be an integer from %ld to %ld, not '%s'",
                     what, lo, hi, shown(n->text, n->len, b, sizeof b));
    return DFOTA_OK;
}

/* ---- words ---------------------------------------------------------------- */

static int is_lower_digit(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* [a-z0-9][a-z0-9.-]* */
static int is_scenario_name(const char *s, size_t n)
{
    if (n == 0 || !is_lower_digit(s[0]))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!is_lower_digit(s[i]) && s[i] != '.' && s[i] != '-')
            return 0;
    return 1;
}

/* [a-z0-9-]+ */
static int is_word(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!is_lower_digit(s[i]) && s[i] != '-')
            return 0;
    return 1;
}

/* [A-Z_][A-Z0-9_]* */
static int is_var_name(const char *s, size_t n)
{
    if (n == 0 || !((s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || is_digit(s[i]) || s[i] == '_'))
            return 0;
    return 1;
}

/* A section of the guide: 3, 3.1, 2.3: up to three levels of at most two
 * digits, the first not 0. */
static int is_section(const char *s, size_t n)
{
    size_t i = 0, levels = 0;
    while (i < n) {
        size_t d = 0;
        if (levels == 0 && s[i] == '0')
            return 0;
        while (i < n && is_digit(s[i]) && d < 3) {
            i++;
            d++;
        }
        if (d == 0 || d > 2 || ++levels > 3)
            return 0;
        if (i < n && (s[i] != '.' || i + 1 == n))
            return 0;
        if (i < n)
            i++;
    }
    return levels > 0;
}

/* The next ${...} at or after *pos in s: 1 with the name at [*at, *at+*len)
 * and *pos past the '}'; 0 when there is none; -1 for a ${ never closed;
 * -2 for a name that is empty or not [A-Z_][A-Z0-9_]*. *start is the '$'. */
static int next_ref(const char *s, size_t n, size_t *pos, size_t *start, size_t *at,
                    size_t *len)
{
    for (size_t i = *pos; i + 1 < n; i++) {
        if (s[i] != '$' || s[i + 1] != '{')
            continue;
        const char *close = memchr(s + i + 2, '}', n - i - 2);
        *start = i;
        *at = i + 2;
        if (!close) {
            *len = n - i - 2;
            return -1;
        }
        *len = (size_t)(close - (s + i + 2));
        *pos = *at + *len + 1;
        return is_var_name(s + *at, *len) ? 1 : -2;
    }
    return 0;
}

/* ---- the scenario's parts ----------------------------------------------- */

static const char *const step_kinds[] = {
    "send", "expect", "expect_urc", "expect_progress", "reboot", "expect_silence", NULL,
};

static const struct {
    const char *name;
    dfota_stage stage;
    dfota_window window;
} guide_stages[] = {
    {"FTPSTART", DFOTA_STAGE_FTPSTART, DFOTA_WIN_DOWNLOAD_START},
    {"FTPEND", DFOTA_STAGE_FTPEND, DFOTA_WIN_DOWNLOAD},
    {"HTTPSTART", DFOTA_STAGE_HTTPSTART, DFOTA_WIN_DOWNLOAD_START},
    {"HTTPEND", DFOTA_STAGE_HTTPEND, DFOTA_WIN_DOWNLOAD},
    {"START", DFOTA_STAGE_START, DFOTA_WIN_START},
    {"UPDATING", DFOTA_STAGE_UPDATING, DFOTA_WIN_PROGRESS_GAP},
    {"END", DFOTA_STAGE_END, DFOTA_WIN_END},
};

static const char *const source_names[] = {"transcript", "emulator", "serial", NULL};

static dfota_err do_name(const ytree *t, size_t i, const char *want, char **dst)
{
    char b[SHOWN_MAX], w[SHOWN_MAX];
    dfota_err rc = want_text(t, i, "name");
    if (rc)
        return rc;
    const ynode *n = node(t, i);
    if (!is_scenario_name(n->text, n->len))
        return nfail(t, i, DFOTA_E_INPUT, "bad name '%s': use [a-z0-9][a-z0-9.-]*",
                     shown(n->text, n->len, b, sizeof b));
    if (want && strcmp(want, n->text) != 0)
        return nfail(t, i, DFOTA_E_INPUT, "name '%s' is not the file's name '%s'",
                     shown(n->text, n->len, b, sizeof b), shown(want, strlen(want), w, sizeof w));
    return get_string(t, i, "name", dst);
}

static dfota_err do_section(const ytree *t, size_t i, char **dst)
{
    char b[SHOWN_MAX];
    dfota_err rc = want_text(t, i, "section");
    if (rc)
        return rc;
    const ynode *n = node(t, i);
    if (!is_section(n->text, n->len))
        return nfail(t, i, DFOTA_E_INPUT,
                     "section '%s' is not a section of the guide such as 3 or 3.1",
                     shown(n->text, n->len, b, sizeof b));
    return get_string(t, i, "section", dst);
}

static dfota_err do_tags(const ytree *t, size_t i, dfota_scenario *sc)
{
    char b[SHOWN_MAX];
    dfota_err rc = want_kind(t, i, Y_SEQ, "tags");
    for (size_t e = node(t, i)->first; !rc && e; e = t->v[e].next) {
        if (sc->n_tags == DFOTA_SCENARIO_TAGS_MAX)
            return nfail(t, e, DFOTA_E_TOO_BIG, "more than %d tags", DFOTA_SCENARIO_TAGS_MAX);
        rc = want_text(t, e, "a tag");
        if (!rc && !is_word(node(t, e)->text, node(t, e)->len))
            return nfail(t, e, DFOTA_E_INPUT, "bad tag '%s': use [a-z0-9-]+",
                         shown(node(t, e)->text, node(t, e)->len, b, sizeof b));
        if (!rc)
            rc = get_string(t, e, "a tag", &sc->tags[sc->n_tags++]);
    }
    return rc;
}

static dfota_err do_sources(const ytree *t, size_t i, unsigned *sources)
{
    char b[SHOWN_MAX];
    dfota_err rc = want_kind(t, i, Y_SEQ, "sources");
    if (!rc && !node(t, i)->first)
        return nfail(t, i, DFOTA_E_INPUT, "sources is empty: name transcript, emulator or serial");
    *sources = 0;
    for (size_t e = node(t, i)->first; !rc && e; e = t->v[e].next) {
        rc = want_text(t, e, "a source");
        unsigned bit = 0;
        for (unsigned s = 0; !rc && source_names[s]; s++)
            if (strcmp(node(t, e)->text, source_names[s]) == 0)
                bit = 1u << s;
        if (!rc && !bit)
            return nfail(t, e, DFOTA_E_INPUT, "unknown source '%s': use transcript, emulator or serial",
                         shown(node(t, e)->text, node(t, e)->len, b, sizeof b));
        *sources |= bit;
    }
    return rc;
}

/* A firmware version: printable, no blank, at most DFOTA_FIRMWARE_MAX. */
static dfota_err do_firmware(const ytree *t, size_t i, const char *what, char **dst)
{
    char b[SHOWN_MAX];
    dfota_err rc = want_text(t, i, what);
    if (rc)
        return rc;
    const ynode *n = node(t, i);
    int ok = n->len > 0 && n->len <= DFOTA_FIRMWARE_MAX;
    for (size_t k = 0; ok && k < n->len; k++)
        ok = n->text[k] > ' ' && n->text[k] < 0x7f && n->text[k] != '"';
    if (!ok)
        return nfail(t, i, DFOTA_E_INPUT,
                     "bad %s '%s': a firmware version is 1 to %d printable bytes, no blank or quote",
                     what, shown(n->text, n->len, b, sizeof b), DFOTA_FIRMWARE_MAX);
    return get_string(t, i, what, dst);
}

/* A package variable: {ftp|http|file: [FROM, TO]}. */
static dfota_err do_package_var(const ytree *t, size_t i, dfota_var *var)
{
    static const char *const forms[] = {"ftp", "http", "file", NULL};
    dfota_err rc = check_keys(t, i, forms, " in a package variable");
    if (!rc && node(t, i)->count != 2)
        rc = nfail(t, i, DFOTA_E_INPUT,
                   "a package variable is one of ftp, http or file: [FROM, TO]");
    if (rc)
        return rc;
    size_t k = node(t, i)->first, v = t->v[k].next;
    const char *form = node(t, k)->text;
    var->pkg = strcmp(form, "ftp") == 0 ? DFOTA_PKG_FTP
               : strcmp(form, "http") == 0 ? DFOTA_PKG_HTTP
                                           : DFOTA_PKG_FILE;
    rc = want_kind(t, v, Y_SEQ, "a package");
    if (!rc && node(t, v)->count != 2)
        rc = nfail(t, v, DFOTA_E_INPUT, "a package is [FROM, TO]: two firmware versions");
    if (rc)
        return rc;
    size_t from = node(t, v)->first, to = t->v[from].next;
    rc = do_firmware(t, from, "from", &var->pkg_from);
    if (!rc)
        rc = do_firmware(t, to, "to", &var->pkg_to);
    if (!rc && strcmp(var->pkg_from, var->pkg_to) == 0)
        rc = nfail(t, to, DFOTA_E_INPUT, "a package goes from one version to another");
    return rc;
}

static dfota_err do_requires(const ytree *t, size_t i, dfota_scenario *sc)
{
    static const char *const keys[] = {"firmware", NULL};
    dfota_err rc = want_kind(t, i, Y_MAP, "requires");
    size_t v;
    if (!rc)
        rc = check_keys(t, i, keys, " in requires");
    if (!rc && (v = map_get(t, i, "firmware")))
        rc = do_firmware(t, v, "firmware", &sc->requires_firmware);
    return rc;
}

static dfota_err do_vars(const ytree *t, size_t i, dfota_scenario *sc)
{
    char b[SHOWN_MAX];
    dfota_err rc = want_kind(t, i, Y_MAP, "vars");
    if (!rc)
        rc = too_many(t, i, DFOTA_SCENARIO_VARS_MAX, "vars");
    if (!rc)
        rc = check_keys(t, i, NULL, "");
    for (size_t k = node(t, i)->first; !rc && k; k = t->v[t->v[k].next].next) {
        const ynode *key = node(t, k);
        size_t v = t->v[k].next;
        dfota_var *var = &sc->vars[sc->n_vars];
        if (!is_var_name(key->text, key->len))
            return nfail(t, k, DFOTA_E_INPUT, "bad variable name '%s': use [A-Z_][A-Z0-9_]*",
                         shown(key->text, key->len, b, sizeof b));
        if (node(t, v)->kind != Y_SCALAR && node(t, v)->kind != Y_MAP)
            return nfail(t, v, DFOTA_E_INPUT,
                         "the value of %s must be text, ~ or a package {ftp|http|file: [FROM, TO]}, "
                         "not %s",
                         key->text, kind_text(node(t, v)));
        var->line = t->v[k].line;
        var->column = t->v[k].col;
        rc = get_string(t, k, "a variable", &var->name);
        sc->n_vars++;
        if (!rc && node(t, v)->kind == Y_MAP)
            rc = do_package_var(t, v, var);
        else if (!rc && !is_null(node(t, v)))
            rc = get_string(t, v, key->text, &var->value);
    }
    return rc;
}

/* free_space: bytes, or with a suffix that counts in 1024s: K, KB, KiB
 * (1024), M, MB, MiB, G, GB, GiB; B alone is bytes. KB and KiB are the
 * same here on purpose: people write both for a flash size, and a
 * scenario should not mean something else for the letter it chose. */
static dfota_err do_free_space(const ytree *t, size_t i, int64_t *bytes)
{
    static const struct {
        const char *suffix;
        int shift;
    } units[] = {{"", 0}, {"B", 0}, {"K", 10}, {"KB", 10}, {"KiB", 10}, {"M", 20},
                 {"MB", 20}, {"MiB", 20}, {"G", 30}, {"GB", 30}, {"GiB", 30}};
    char b[SHOWN_MAX];
    dfota_err rc = want_text(t, i, "free_space");
    if (rc)
        return rc;
    const ynode *n = node(t, i);
    size_t d = 0;
    while (d < n->len && is_digit(n->text[d]))
        d++;
    long v = 0;
    int unit = -1;
    for (int u = 0; d > 0 && u < (int)(sizeof units / sizeof units[0]); u++)
        if (strcmp(n->text + d, units[u].suffix) == 0)
            unit = u;
    if (unit < 0 || !parse_int(n->text, d, 0, &v) || v == 0 ||
        (int64_t)v > FREE_SPACE_MAX >> units[unit].shift)
        return nfail(t, i, DFOTA_E_INPUT,
                     "free_space '%s' must be bytes from 1 to 1TiB, as 500000 or 64MiB",
                     shown(n->text, n->len, b, sizeof b));
    *bytes = (int64_t)v << units[unit].shift;
    return DFOTA_OK;
}

/* A fault's code, at or times, read by the fault table (dfota/guide.h). */
static dfota_err do_fault_number(const ytree *t, size_t i, const char *what,
                                 dfota_fault_param p, long *v)
{
    char b[SHOWN_MAX], why[160];
    dfota_fault_value fv;
    dfota_err rc = want_text(t, i, what);
    if (rc)
        return rc;
    const ynode *n = node(t, i);
    if (dfota_fault_value_parse(p, n->text, n->len, &fv, why, sizeof why) != DFOTA_OK)
        return nfail(t, i, DFOTA_E_INPUT, "%s, not '%s'", why, shown(n->text, n->len, b, sizeof b));
    *v = fv.number;
    return DFOTA_OK;
}

/* The guide's URC stage a node names: its index in guide_stages, or an
 * error naming the stages there are. */
static dfota_err stage_of(const ytree *t, size_t i, const char *what, size_t *index)
{
    char b[SHOWN_MAX];
    dfota_err rc = want_text(t, i, what);
    if (rc)
        return rc;
    for (size_t s = 0; s < sizeof guide_stages / sizeof guide_stages[0]; s++) {
        if (text_is(node(t, i), guide_stages[s].name)) {
            *index = s;
            return DFOTA_OK;
        }
    }
    return nfail(t, i, DFOTA_E_INPUT,
                 "unknown stage '%s': use one of FTPSTART FTPEND HTTPSTART HTTPEND START "
                 "UPDATING END",
                 shown(node(t, i)->text, node(t, i)->len, b, sizeof b));
}

/* A fault's stage, kept as the static name. */
static dfota_err do_fault_stage(const ytree *t, size_t i, const char **stage)
{
    size_t s;
    dfota_err rc = stage_of(t, i, "stage", &s);
    if (!rc)
        *stage = guide_stages[s].name;
    return rc;
}

static dfota_err do_fault(const ytree *t, size_t i, dfota_fault *f)
{
    static const char *const keys[] = {"kind", "code", "at", "times", "delay", "stage", NULL};
    char b[SHOWN_MAX];
    size_t v;
    long at = -1;
    dfota_err rc = want_kind(t, i, Y_MAP, "a fault");
    if (!rc)
        rc = check_keys(t, i, keys, " in a fault");
    if (!rc)
        rc = require(t, i, "kind", "a fault");
    if (rc)
        return rc;
    f->line = t->v[i].line;
    f->column = t->v[i].col;
    f->at_percent = -1;
    v = map_get(t, i, "kind");
    rc = want_text(t, v, "kind");
    if (!rc && !dfota_fault_kind_find(node(t, v)->text, node(t, v)->len)) {
        char list[600];
        dfota_fault_kind_list(list, sizeof list);
        return nfail(t, v, DFOTA_E_INPUT, "unknown fault kind '%s': use %s",
                     shown(node(t, v)->text, node(t, v)->len, b, sizeof b), list);
    }
    if (!rc)
        rc = get_string(t, v, "kind", &f->kind);
    if (!rc && (v = map_get(t, i, "code")))
        rc = do_fault_number(t, v, "code", DFOTA_FAULT_CODE, &f->code);
    if (!rc && (v = map_get(t, i, "at")) && !(rc = do_fault_number(t, v, "at", DFOTA_FAULT_AT, &at)))
        f->at_percent = (int)at;
    if (!rc && (v = map_get(t, i, "times")))
        rc = do_fault_number(t, v, "times", DFOTA_FAULT_TIMES, &f->times);
    if (!rc && (v = map_get(t, i, "delay")))
        rc = get_duration(t, v, "delay", 1, &f->delay_ns);
    if (!rc && (v = map_get(t, i, "stage")))
        rc = do_fault_stage(t, v, &f->stage);
    return rc;
}

static dfota_err do_word(const ytree *t, size_t i, const char *what, const char *const *only,
                         char **dst)
{
    char b[SHOWN_MAX], list[LIST_MAX];
    dfota_err rc = want_text(t, i, what);
    if (rc)
        return rc;
    const ynode *n = node(t, i);
    int ok = only ? 0 : is_word(n->text, n->len);
    for (size_t k = 0; only && only[k]; k++)
        ok |= strcmp(n->text, only[k]) == 0;
    if (!ok) {
        if (only)
            join(only, list, sizeof list);
        return nfail(t, i, DFOTA_E_INPUT, "bad %s '%s': use %s", what,
                     shown(n->text, n->len, b, sizeof b), only ? list : "[a-z0-9-]+");
    }
    return get_string(t, i, what, dst);
}

static dfota_err do_emulator(const ytree *t, size_t i, dfota_emulator_spec *em)
{
    static const char *const keys[] = {"firmware", "target", "profile", "port",
                                       "free_space", "faults", NULL};
    static const char *const ports[] = {"usb", "uart", NULL};
    const size_t faults_max = sizeof em->faults / sizeof em->faults[0];
    size_t v = 0, faults = 0;
    dfota_err rc = want_kind(t, i, Y_MAP, "emulator");
    if (!rc)
        rc = check_keys(t, i, keys, " in emulator");
    em->present = 1;
    if (!rc && (v = map_get(t, i, "firmware")))
        rc = get_string(t, v, "firmware", &em->firmware);
    if (!rc && (v = map_get(t, i, "target")))
        rc = get_string(t, v, "target", &em->target);
    if (!rc && (v = map_get(t, i, "profile")))
        rc = do_word(t, v, "profile", NULL, &em->profile);
    if (!rc && (v = map_get(t, i, "port")))
        rc = do_word(t, v, "port", ports, &em->port);
    if (!rc && (v = map_get(t, i, "free_space")))
        rc = do_free_space(t, v, &em->free_space);
    if (!rc && (faults = map_get(t, i, "faults")))
        rc = want_kind(t, faults, Y_SEQ, "faults");
    for (size_t e = faults && !rc ? node(t, faults)->first : 0; !rc && e; e = t->v[e].next) {
        if (em->n_faults == faults_max)
            return nfail(t, e, DFOTA_E_TOO_BIG, "more than %zu faults", faults_max);
        rc = do_fault(t, e, &em->faults[em->n_faults++]);
    }
    return rc;
}

/* ---- steps ---------------------------------------------------------------- */

/* Where a step's window comes from while it is read: the nodes that gave
 * within and after, so a second one, or within not past after, is shown. */
typedef struct {
    size_t within, after;
} step_marks;

/* within must be above 0 (0 is "no bound"); after may be 0. */
static dfota_err do_window_bound(const ytree *t, size_t v, const char *what, size_t *seen,
                                 int64_t *ns)
{
    if (*seen)
        return nfail(t, v, DFOTA_E_INPUT, "%s given twice in one step (first at %lu:%lu)",
                     what, t->v[*seen].line, t->v[*seen].col);
    *seen = v;
    return get_duration(t, v, what, strcmp(what, "within") == 0, ns);
}

static dfota_err do_send(const ytree *t, size_t v, const dfota_scenario *sc, dfota_step *st)
{
    char b[SHOWN_MAX];
    dfota_err rc = want_text(t, v, "send");
    if (rc)
        return rc;
    const ynode *n = node(t, v);
    if (memchr(n->text, '\r', n->len) || memchr(n->text, '\n', n->len))
        return nfail(t, v, DFOTA_E_INPUT, "send is one line: it holds a line break");
    size_t pos = 0, start, at, len;
    int r;
    while ((r = next_ref(n->text, n->len, &pos, &start, &at, &len)) == 1) {
        size_t k = 0;
        while (k < sc->n_vars && (strlen(sc->vars[k].name) != len ||
                                  memcmp(sc->vars[k].name, n->text + at, len) != 0))
            k++;
        if (k == sc->n_vars)
            return nfail(t, v, DFOTA_E_INPUT, "undefined variable ${%s}: declare it under vars",
                         shown(n->text + at, len, b, sizeof b));
    }
    if (r == -1)
        return nfail(t, v, DFOTA_E_INPUT, "'${' is never closed: write ${NAME}");
    if (r == -2)
        return nfail(t, v, DFOTA_E_INPUT, "bad variable '${%s}': a NAME is [A-Z_][A-Z0-9_]*",
                     shown(n->text + at, len, b, sizeof b));
    return get_string(t, v, "send", &st->text);
}

static dfota_err outcome(const ytree *t, size_t i, unsigned *set)
{
    char b[SHOWN_MAX];
    dfota_err rc = want_text(t, i, "expect");
    if (rc)
        return rc;
    if (text_is(node(t, i), "OK"))
        *set |= DFOTA_OUTCOME_OK;
    else if (text_is(node(t, i), "ERROR"))
        *set |= DFOTA_OUTCOME_ERROR;
    else
        return nfail(t, i, DFOTA_E_INPUT, "expect '%s': use OK, ERROR or [OK, ERROR]",
                     shown(node(t, i)->text, node(t, i)->len, b, sizeof b));
    return DFOTA_OK;
}

static dfota_err do_expect(const ytree *t, size_t v, dfota_step *st)
{
    dfota_err rc = DFOTA_OK;
    st->window = DFOTA_WIN_FINAL_RESULT;
    if (node(t, v)->kind != Y_SEQ)
        return outcome(t, v, &st->outcomes);
    if (!node(t, v)->first)
        return nfail(t, v, DFOTA_E_INPUT, "expect is empty: use OK, ERROR or [OK, ERROR]");
    for (size_t e = node(t, v)->first; !rc && e; e = t->v[e].next)
        rc = outcome(t, e, &st->outcomes);
    return rc;
}

static dfota_err do_stage(const ytree *t, size_t v, dfota_step *st)
{
    size_t s;
    dfota_err rc = stage_of(t, v, "expect_urc", &s);
    if (!rc) {
        st->stage = guide_stages[s].stage;
        st->window = guide_stages[s].window;
    }
    return rc;
}

/* One code: 601, or the range "520-530". */
static dfota_err one_code(const ytree *t, size_t i, dfota_step *st)
{
    char b[SHOWN_MAX];
    dfota_err rc = want_text(t, i, "code");
    if (rc)
        return rc;
    if (st->n_codes == DFOTA_SCENARIO_CODES_MAX)
        return nfail(t, i, DFOTA_E_TOO_BIG, "more than %d codes", DFOTA_SCENARIO_CODES_MAX);
    const ynode *n = node(t, i);
    const char *dash = memchr(n->text, '-', n->len);
    dfota_code_range *c = &st->codes[st->n_codes];
    int ok = dash ? parse_int(n->text, (size_t)(dash - n->text), 0, &c->lo) &&
                        parse_int(dash + 1, n->len - (size_t)(dash - n->text) - 1, 0, &c->hi)
                  : parse_int(n->text, n->len, 0, &c->lo);
    if (!dash)
        c->hi = c->lo;
    if (!ok)
        return nfail(t, i, DFOTA_E_INPUT,
                     "code '%s': use an integer such as 0, or a range such as \"520-530\"",
                     shown(n->text, n->len, b, sizeof b));
    if (c->lo > c->hi)
        return nfail(t, i, DFOTA_E_INPUT, "code range '%s' runs backwards: write lo-hi",
                     shown(n->text, n->len, b, sizeof b));
    st->n_codes++;
    return DFOTA_OK;
}

static dfota_err do_codes(const ytree *t, size_t v, dfota_step *st)
{
    dfota_err rc = DFOTA_OK;
    if (!dfota_stage_takes_code(st->stage))
        return nfail(t, v, DFOTA_E_INPUT,
                     "%s carries no code: only FTPEND, HTTPEND, UPDATING and END do",
                     dfota_stage_name(st->stage));
    if (node(t, v)->kind != Y_SEQ)
        return one_code(t, v, st);
    if (!node(t, v)->first)
        return nfail(t, v, DFOTA_E_INPUT, "code is an empty list: give one code at least");
    for (size_t e = node(t, v)->first; !rc && e; e = t->v[e].next)
        rc = one_code(t, e, st);
    return rc;
}

static dfota_err do_progress(const ytree *t, size_t v, dfota_step *st)
{
    static const char *const keys[] = {"from", "to", "max_gap", NULL};
    long from = -1, to = 100;
    size_t k;
    dfota_err rc = want_kind(t, v, Y_MAP, "expect_progress");
    if (!rc)
        rc = check_keys(t, v, keys, " in expect_progress");
    if (!rc && (k = map_get(t, v, "from")))
        rc = get_int(t, k, "from", 0, 100, &from);
    if (!rc && (k = map_get(t, v, "to")))
        rc = get_int(t, k, "to", 0, 100, &to);
    if (!rc && from > to)
        return nfail(t, map_get(t, v, "to"), DFOTA_E_INPUT, "to %ld is below from %ld", to, from);
    if (!rc && (k = map_get(t, v, "max_gap")))
        rc = get_duration(t, k, "max_gap", 1, &st->max_gap_ns);
    st->from = (int)from;
    st->to = (int)to;
    st->window = DFOTA_WIN_PROGRESS_GAP;
    return rc;
}

static dfota_err do_reboot(const ytree *t, size_t v, dfota_step *st, step_marks *mk)
{
    static const char *const keys[] = {"within", "after", NULL};
    size_t k;
    dfota_err rc = DFOTA_OK;
    st->window = DFOTA_WIN_REBOOT;
    if (is_null(node(t, v)))
        return DFOTA_OK;
    if (node(t, v)->kind != Y_MAP)
        return nfail(t, v, DFOTA_E_INPUT, "reboot takes nothing or {within, after}, not %s",
                     kind_text(node(t, v)));
    rc = check_keys(t, v, keys, " in reboot");
    if (!rc && (k = map_get(t, v, "within")))
        rc = do_window_bound(t, k, "within", &mk->within, &st->within_ns);
    if (!rc && (k = map_get(t, v, "after")))
        rc = do_window_bound(t, k, "after", &mk->after, &st->after_ns);
    return rc;
}

static dfota_err do_kind(const ytree *t, size_t v, const dfota_scenario *sc, dfota_step *st,
                         step_marks *mk)
{
    switch (st->kind) {
    case DFOTA_STEP_SEND: return do_send(t, v, sc, st);
    case DFOTA_STEP_EXPECT: return do_expect(t, v, st);
    case DFOTA_STEP_EXPECT_URC: return do_stage(t, v, st);
    case DFOTA_STEP_EXPECT_PROGRESS: return do_progress(t, v, st);
    case DFOTA_STEP_REBOOT: return do_reboot(t, v, st, mk);
    case DFOTA_STEP_EXPECT_SILENCE:
        return get_duration(t, v, "expect_silence", 1, &st->duration_ns);
    }
    return DFOTA_OK;
}

/* Finds the step's one kind key; *kv is its value. */
static dfota_err step_kind(const ytree *t, size_t i, dfota_step *st, size_t *kv)
{
    size_t found = 0;
    for (size_t k = node(t, i)->first; k; k = t->v[t->v[k].next].next) {
        dfota_err rc = want_text(t, k, "a key");
        if (rc)
            return rc;
        for (size_t s = 0; step_kinds[s]; s++) {
            if (!text_is(node(t, k), step_kinds[s]))
                continue;
            if (found)
                return nfail(t, k, DFOTA_E_INPUT, "a step has one kind: %s and %s both given",
                             node(t, found)->text, step_kinds[s]);
            found = k;
            st->kind = (dfota_step_kind)s;
            *kv = t->v[k].next;
        }
    }
    if (!found)
        return nfail(t, i, DFOTA_E_INPUT,
                     "a step needs one of send, expect, expect_urc, expect_progress, reboot, "
                     "expect_silence");
    return DFOTA_OK;
}

static dfota_err do_window_name(const ytree *t, size_t v, dfota_step *st)
{
    char b[SHOWN_MAX], list[LIST_MAX];
    dfota_err rc = want_text(t, v, "window");
    if (rc)
        return rc;
    dfota_window w = dfota_window_find(node(t, v)->text);
    if (w == DFOTA_WIN_COUNT) {
        const char *names[DFOTA_WIN_COUNT + 1];
        for (unsigned k = 0; k < DFOTA_WIN_COUNT; k++)
            names[k] = dfota_window_name((dfota_window)k);
        names[DFOTA_WIN_COUNT] = NULL;
        join(names, list, sizeof list);
        return nfail(t, v, DFOTA_E_INPUT, "unknown window '%s': use %s",
                     shown(node(t, v)->text, node(t, v)->len, b, sizeof b), list);
    }
    st->window = w;
    return DFOTA_OK;
}

static dfota_err do_step(const ytree *t, size_t i, const dfota_scenario *sc, dfota_step *st)
{
    const char *keys[] = {NULL, "within", "after", "window", NULL, NULL};
    char where[40];
    step_marks mk = {0, 0};
    size_t kv = 0, v;
    dfota_err rc = want_kind(t, i, Y_MAP, "a step");
    st->line = t->v[i].line;
    st->column = t->v[i].col;
    st->from = st->to = -1;
    st->window = DFOTA_WIN_COUNT;
    if (!rc)
        rc = step_kind(t, i, st, &kv);
    if (rc)
        return rc;
    keys[0] = step_kinds[st->kind];
    if (st->kind == DFOTA_STEP_EXPECT_URC)
        keys[4] = "code";
    snprintf(where, sizeof where, " in %s %s step", keys[0][0] == 'e' ? "an" : "a", keys[0]);
    rc = check_keys(t, i, keys, where);
    if (!rc)
        rc = do_kind(t, kv, sc, st, &mk);
    if (!rc && (v = map_get(t, i, "within")))
        rc = do_window_bound(t, v, "within", &mk.within, &st->within_ns);
    if (!rc && (v = map_get(t, i, "after")))
        rc = do_window_bound(t, v, "after", &mk.after, &st->after_ns);
    if (!rc && mk.within && mk.after && st->within_ns <= st->after_ns)
        return nfail(t, mk.within, DFOTA_E_INPUT, "within %s must be longer than after %s",
                     node(t, mk.within)->text, node(t, mk.after)->text);
    if (!rc && (v = map_get(t, i, "window")))
        rc = do_window_name(t, v, st);
    if (!rc && (v = map_get(t, i, "code")))
        rc = do_codes(t, v, st);
    return rc;
}

static dfota_err do_steps(const ytree *t, size_t i, dfota_scenario *sc)
{
    dfota_err rc = want_kind(t, i, Y_SEQ, "steps");
    if (rc)
        return rc;
    size_t n = node(t, i)->count;
    if (n == 0)
        return nfail(t, i, DFOTA_E_INPUT, "steps is empty: a scenario has one step at least");
    if (n > DFOTA_SCENARIO_STEPS_MAX) {
        size_t e = node(t, i)->first;
        for (size_t k = 0; k < DFOTA_SCENARIO_STEPS_MAX; k++)
            e = t->v[e].next;
        return nfail(t, e, DFOTA_E_TOO_BIG, "more than %d steps", DFOTA_SCENARIO_STEPS_MAX);
    }
    sc->steps = calloc(n, sizeof *sc->steps);
    if (!sc->steps)
        return nomem(t);
    for (size_t e = node(t, i)->first; !rc && e; e = t->v[e].next)
        rc = do_step(t, e, sc, &sc->steps[sc->n_steps++]);
    return rc;
}

static dfota_err validate(const ytree *t, dfota_scenario *sc, const char *want_name)
{
    static const char *const keys[] = {"name",     "section", "requirement", "tags", "sources",
                                       "requires", "vars",    "emulator",    "steps", NULL};
    size_t r = t->root, v;
    if (!r)
        return fail_at(t->err, t->errlen, t->file, 1, 1, DFOTA_E_INPUT,
                       "empty: a scenario is a mapping with name, section and steps");
    if (node(t, r)->kind != Y_MAP)
        return nfail(t, r, DFOTA_E_INPUT,
                     "a scenario is a mapping with name, section and steps, not %s",
                     kind_text(node(t, r)));
    dfota_err rc = check_keys(t, r, keys, "");
    if (!rc)
        rc = require(t, r, "name", "the scenario");
    if (!rc)
        rc = require(t, r, "section", "the scenario");
    if (!rc)
        rc = require(t, r, "steps", "the scenario");
    if (!rc)
        rc = do_name(t, map_get(t, r, "name"), want_name, &sc->name);
    if (!rc)
        rc = do_section(t, map_get(t, r, "section"), &sc->section);
    if (!rc && (v = map_get(t, r, "requirement")))
        rc = get_string(t, v, "requirement", &sc->requirement);
    if (!rc && (v = map_get(t, r, "tags")))
        rc = do_tags(t, v, sc);
    sc->sources = DFOTA_SRC_ALL;
    if (!rc && (v = map_get(t, r, "sources")))
        rc = do_sources(t, v, &sc->sources);
    if (!rc && (v = map_get(t, r, "requires")))
        rc = do_requires(t, v, sc);
    if (!rc && (v = map_get(t, r, "vars")))
        rc = do_vars(t, v, sc);
    if (!rc && (v = map_get(t, r, "emulator")))
        rc = do_emulator(t, v, &sc->emulator);
    if (!rc)
        rc = do_steps(t, map_get(t, r, "steps"), sc);
    return rc;
}

/* ---- the API -------------------------------------------------------------- */

static dfota_err scenario_from_text(const char *file, const char *text, size_t len,
                                    const char *want_name, dfota_scenario **out, char *err,
                                    size_t errlen)
{
    ytree t;
    dfota_scenario *sc = NULL;
    dfota_err rc;
    tree_init(&t, file, err, errlen);
    rc = tree_build(&t, text, len);
    if (rc)
        goto fail;
    sc = calloc(1, sizeof *sc);
    if (!sc || !(sc->file = dup_n(file, strlen(file)))) {
        rc = nomem(&t);
        goto fail;
    }
    rc = validate(&t, sc, want_name);
    if (rc)
        goto fail;
    tree_free(&t);
    *out = sc;
    return DFOTA_OK;
fail:
    tree_free(&t);
    dfota_scenario_free(sc);
    return rc;
}

dfota_err dfota_scenario_parse(const char *name, const char *text, size_t len,
                               dfota_scenario **out, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!out)
        return DFOTA_E_ARG;
    *out = NULL;
    if (!name || (!text && len))
        return DFOTA_E_ARG;
    return scenario_from_text(name, text, len, NULL, out, err, errlen);
}

/* Reads at most DFOTA_SCENARIO_FILE_MAX + 1 bytes of path into *buf (the
 * caller frees it): one byte more than allowed says the file is too big. */
static dfota_err read_bounded(const char *path, char **buf, size_t *len, char *err,
                              size_t errlen)
{
    dfota_err rc = DFOTA_OK;
    FILE *f = fopen(path, "rb");
    *buf = NULL;
    if (!f)
        return fail_at(err, errlen, path, 0, 0, DFOTA_E_IO, "cannot open: %s", strerror(errno));
    *buf = malloc(DFOTA_SCENARIO_FILE_MAX + 1);
    if (!*buf) {
        rc = fail_at(err, errlen, path, 0, 0, DFOTA_E_NOMEM, "out of memory");
        goto fail;
    }
    errno = 0;
    *len = fread(*buf, 1, DFOTA_SCENARIO_FILE_MAX + 1, f);
    if (ferror(f)) {
        rc = fail_at(err, errlen, path, 0, 0, DFOTA_E_IO, "cannot read: %s",
                     strerror(errno ? errno : EIO));
        goto fail;
    }
    fclose(f);
    return DFOTA_OK;
fail:
    fclose(f);
    free(*buf);
    *buf = NULL;
    return rc;
}

/* The name a scenario file must carry: its base name without .yaml/.yml. */
static char *name_of_file(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    if (n > 5 && strcmp(base + n - 5, ".yaml") == 0)
        n -= 5;
    else if (n > 4 && strcmp(base + n - 4, ".yml") == 0)
        n -= 4;
    return dup_n(base, n);
}

dfota_err dfota_scenario_load(const char *path, dfota_scenario **out, char *err, size_t errlen)
{
    char *buf = NULL, *want = NULL;
    size_t len = 0;
    dfota_err rc;
    if (err && errlen)
        err[0] = '\0';
    if (!out)
        return DFOTA_E_ARG;
    *out = NULL;
    if (!path)
        return DFOTA_E_ARG;
    rc = read_bounded(path, &buf, &len, err, errlen);
    if (rc)
        goto fail;
    want = name_of_file(path);
    if (!want) {
        rc = fail_at(err, errlen, path, 0, 0, DFOTA_E_NOMEM, "out of memory");
        goto fail;
    }
    rc = scenario_from_text(path, buf, len, want, out, err, errlen);
fail: /* and done */
    free(want);
    free(buf);
    return rc;
}

void dfota_scenario_free(dfota_scenario *sc)
{
    if (!sc)
        return;
    free(sc->file);
    free(sc->name);
    free(sc->section);
    free(sc->requirement);
    for (size_t i = 0; i < sc->n_tags; i++)
        free(sc->tags[i]);
    for (size_t i = 0; i < sc->n_vars; i++) {
        free(sc->vars[i].name);
        free(sc->vars[i].value);
        free(sc->vars[i].pkg_from);
        free(sc->vars[i].pkg_to);
    }
    free(sc->requires_firmware);
    free(sc->emulator.firmware);
    free(sc->emulator.target);
    free(sc->emulator.profile);
    free(sc->emulator.port);
    for (size_t i = 0; i < sc->emulator.n_faults; i++)
        free(sc->emulator.faults[i].kind);
    for (size_t i = 0; i < sc->n_steps; i++)
        free(sc->steps[i].text);
    free(sc->steps);
    free(sc);
}

const char *dfota_step_kind_name(dfota_step_kind k)
{
    return (unsigned)k < sizeof step_kinds / sizeof step_kinds[0] - 1 ? step_kinds[k] : "?";
}

/* ---- variables -------------------------------------------------------------- */

void dfota_varset_init(dfota_varset *vs)
{
    memset(vs, 0, sizeof *vs);
}

void dfota_varset_free(dfota_varset *vs)
{
    if (!vs)
        return;
    for (size_t i = 0; i < vs->n; i++) {
        free(vs->name[i]);
        free(vs->value[i]);
    }
    vs->n = 0;
}

static size_t varset_find(const dfota_varset *vs, const char *name, size_t len)
{
    for (size_t i = vs->n; i-- > 0;)
        if (strlen(vs->name[i]) == len && memcmp(vs->name[i], name, len) == 0)
            return i;
    return SIZE_MAX;
}

/* Sets name to value; a name set before keeps its slot, so repeating one
 * never fills the set. The caller has checked the name, lengths and room. */
static dfota_err varset_set(dfota_varset *vs, const char *name, size_t nlen, const char *value,
                            size_t vlen)
{
    size_t i = varset_find(vs, name, nlen);
    char *v = dup_n(value, vlen), *nm = NULL;
    if (!v)
        goto fail;
    if (i != SIZE_MAX) {
        free(vs->value[i]);
        vs->value[i] = v;
        return DFOTA_OK;
    }
    nm = dup_n(name, nlen);
    if (!nm)
        goto fail;
    vs->name[vs->n] = nm;
    vs->value[vs->n++] = v;
    return DFOTA_OK;
fail:
    free(v);
    free(nm);
    return DFOTA_E_NOMEM;
}

static int varset_full(const dfota_varset *vs, const char *name, size_t len)
{
    return vs->n == VARSET_MAX && varset_find(vs, name, len) == SIZE_MAX;
}

dfota_err dfota_varset_add(dfota_varset *vs, const char *assignment, char *err, size_t errlen)
{
    char b[SHOWN_MAX];
    if (err && errlen)
        err[0] = '\0';
    if (!vs || !assignment)
        return DFOTA_E_ARG;
    size_t len = strlen(assignment);
    const char *eq = memchr(assignment, '=', len);
    size_t nlen = eq ? (size_t)(eq - assignment) : len;
    if (!eq || !is_var_name(assignment, nlen))
        return fail_plain(err, errlen, DFOTA_E_INPUT,
                          "'%s' is not NAME=VALUE with a NAME of [A-Z_][A-Z0-9_]*",
                          shown(assignment, len, b, sizeof b));
    if (nlen > DFOTA_SCENARIO_TEXT_MAX || len - nlen - 1 > DFOTA_SCENARIO_TEXT_MAX)
        return fail_plain(err, errlen, DFOTA_E_TOO_BIG, "%s: longer than %d bytes",
                          shown(assignment, nlen, b, sizeof b), DFOTA_SCENARIO_TEXT_MAX);
    if (varset_full(vs, assignment, nlen))
        return fail_plain(err, errlen, DFOTA_E_TOO_BIG, "more than %d variables", VARSET_MAX);
    dfota_err rc = varset_set(vs, assignment, nlen, eq + 1, len - nlen - 1);
    if (rc)
        return fail_plain(err, errlen, rc, "out of memory");
    return DFOTA_OK;
}

/* Checks every NAME: VALUE of a vars file's mapping m, and that the set
 * has room, before anything is added: a bad file changes nothing. */
static dfota_err vars_file_check(const ytree *t, size_t m, const dfota_varset *vs)
{
    char b[SHOWN_MAX];
    size_t added = 0;
    dfota_err rc = too_many(t, m, VARSET_MAX, "variables");
    if (!rc)
        rc = check_keys(t, m, NULL, "");
    for (size_t k = node(t, m)->first; !rc && k; k = t->v[t->v[k].next].next) {
        const ynode *key = node(t, k);
        size_t v = t->v[k].next;
        if (!is_var_name(key->text, key->len))
            return nfail(t, k, DFOTA_E_INPUT, "bad variable name '%s': use [A-Z_][A-Z0-9_]*",
                         shown(key->text, key->len, b, sizeof b));
        rc = want_text(t, v, key->text);
        added += varset_find(vs, key->text, key->len) == SIZE_MAX;
        if (!rc && vs->n + added > VARSET_MAX)
            return nfail(t, k, DFOTA_E_TOO_BIG, "more than %d variables", VARSET_MAX);
    }
    return rc;
}

dfota_err dfota_varset_load(dfota_varset *vs, const char *path, char *err, size_t errlen)
{
    ytree t;
    char *buf = NULL;
    size_t len = 0;
    dfota_err rc;
    if (err && errlen)
        err[0] = '\0';
    if (!vs || !path)
        return DFOTA_E_ARG;
    tree_init(&t, path, err, errlen);
    rc = read_bounded(path, &buf, &len, err, errlen);
    if (!rc)
        rc = tree_build(&t, buf, len);
    if (rc || !t.root)
        goto done; /* an empty file sets nothing */
    rc = want_kind(&t, t.root, Y_MAP, "a vars file");
    if (!rc)
        rc = vars_file_check(&t, t.root, vs);
    for (size_t k = node(&t, t.root)->first; !rc && k; k = t.v[t.v[k].next].next) {
        const ynode *key = node(&t, k), *val = node(&t, t.v[k].next);
        rc = varset_set(vs, key->text, key->len, val->text, val->len);
        if (rc)
            nomem(&t);
    }
done:
    tree_free(&t);
    free(buf);
    return rc;
}

/* The value of ${name}: the varset's, else the scenario's default. */
static dfota_err lookup(const dfota_scenario *sc, const dfota_varset *vs, const char *name,
                        size_t len, const char **value, char *err, size_t errlen)
{
    char b[SHOWN_MAX];
    size_t i = vs ? varset_find(vs, name, len) : SIZE_MAX;
    if (i != SIZE_MAX) {
        *value = vs->value[i];
        return DFOTA_OK;
    }
    for (size_t k = 0; sc && k < sc->n_vars; k++) {
        if (strlen(sc->vars[k].name) != len || memcmp(sc->vars[k].name, name, len) != 0)
            continue;
        if (!sc->vars[k].value && sc->vars[k].pkg)
            return fail_plain(err, errlen, DFOTA_E_INPUT,
                              "${%s} is the package from %s to %s: give a package map that has "
                              "it (--packages FILE)",
                              sc->vars[k].name, sc->vars[k].pkg_from, sc->vars[k].pkg_to);
        if (!sc->vars[k].value)
            return fail_plain(err, errlen, DFOTA_E_INPUT,
                              "variable ${%s} has no value: give it with --var %s=VALUE",
                              sc->vars[k].name, sc->vars[k].name);
        *value = sc->vars[k].value;
        return DFOTA_OK;
    }
    shown(name, len, b, sizeof b);
    return fail_plain(err, errlen, DFOTA_E_INPUT,
                      "undefined variable ${%s}: declare it under vars", b);
}

static dfota_err append(char *out, size_t cap, size_t *o, const char *s, size_t n, char *err,
                        size_t errlen)
{
    if (n >= cap - *o)
        return fail_plain(err, errlen, DFOTA_E_TOO_BIG,
                          "the line is longer than %zu bytes once its variables are expanded",
                          cap - 1);
    memcpy(out + *o, s, n);
    *o += n;
    out[*o] = '\0';
    return DFOTA_OK;
}

dfota_err dfota_scenario_expand(const dfota_scenario *sc, const dfota_varset *vs,
                                const char *text, char *out, size_t cap, char *err,
                                size_t errlen)
{
    char b[SHOWN_MAX];
    size_t n, pos = 0, done = 0, o = 0, start = 0, at = 0, len = 0;
    int r = 0;
    dfota_err rc = DFOTA_OK;
    if (err && errlen)
        err[0] = '\0';
    if (!text || !out || !cap)
        return DFOTA_E_ARG;
    out[0] = '\0';
    n = strlen(text);
    while (!rc && (r = next_ref(text, n, &pos, &start, &at, &len)) == 1) {
        const char *value = NULL;
        rc = append(out, cap, &o, text + done, start - done, err, errlen);
        if (!rc)
            rc = lookup(sc, vs, text + at, len, &value, err, errlen);
        if (!rc && (strchr(value, '\r') || strchr(value, '\n')))
            rc = fail_plain(err, errlen, DFOTA_E_INPUT, "the value of ${%s} holds a line break",
                            shown(text + at, len, b, sizeof b));
        if (!rc)
            rc = append(out, cap, &o, value, strlen(value), err, errlen);
        done = pos;
    }
    if (!rc && r == -1)
        rc = fail_plain(err, errlen, DFOTA_E_INPUT, "'${' is never closed: write ${NAME}");
    if (!rc && r == -2)
        rc = fail_plain(err, errlen, DFOTA_E_INPUT,
                        "bad variable '${%s}': a NAME is [A-Z_][A-Z0-9_]*",
                        shown(text + at, len, b, sizeof b));
    if (!rc)
        rc = append(out, cap, &o, text + done, n - done, err, errlen);
    if (rc)
        out[0] = '\0';
    return rc;
}

/* ---- firmware versions and the package map -------------------------------- */

int dfota_firmware_matches(const char *running, const char *want)
{
    if (!running || !want || !*want)
        return 0;
    size_t n = strlen(want);
    return strncmp(running, want, n) == 0 && (running[n] == '\0' || running[n] == '_');
}

#define PKG_FILE_MAX (DFOTA_LOCAL_NAME_MAX - 10) /* after "/data/ufs/" */

/* A URL of the map: text starting with one of the schemes (any case), no
 * blank, quote or control byte. */
static dfota_err do_map_url(const ytree *t, size_t i, const char *what, const char *const *schemes,
                            char **dst)
{
    char b[SHOWN_MAX];
    dfota_err rc = want_text(t, i, what);
    if (rc)
        return rc;
    const ynode *n = node(t, i);
    int ok = 0;
    for (size_t k = 0; schemes[k]; k++)
        ok |= n->len > strlen(schemes[k]) && text_starts_ci(n->text, n->len, schemes[k]);
    for (size_t k = 0; ok && k < n->len; k++)
        ok = n->text[k] > ' ' && n->text[k] < 0x7f && n->text[k] != '"';
    if (!ok || n->len > 1000)
        return nfail(t, i, DFOTA_E_INPUT, "bad %s URL '%s': it starts with %s, with no blank or quote",
                     what, shown(n->text, n->len, b, sizeof b), schemes[0]);
    return get_string(t, i, what, dst);
}

static dfota_err do_map_file(const ytree *t, size_t i, char **dst)
{
    char b[SHOWN_MAX];
    dfota_err rc = want_text(t, i, "file");
    if (rc)
        return rc;
    const ynode *n = node(t, i);
    int ok = n->len > 0 && n->len <= PKG_FILE_MAX && strcmp(n->text, ".") && strcmp(n->text, "..");
    for (size_t k = 0; ok && k < n->len; k++)
        ok = n->text[k] >= ' ' && n->text[k] < 0x7f && n->text[k] != '"' && n->text[k] != '/';
    if (!ok)
        return nfail(t, i, DFOTA_E_INPUT,
                     "bad file '%s': a name in /data/ufs/ of 1 to %d bytes, no '/', quote or "
                     "control byte",
                     shown(n->text, n->len, b, sizeof b), PKG_FILE_MAX);
    return get_string(t, i, "file", dst);
}

static dfota_err do_map_entry(const ytree *t, size_t e, dfota_pkgmap *m)
{
    static const char *const keys[] = {"from", "to", "ftp", "http", "file", NULL};
    static const char *const ftp[] = {"ftp://", NULL};
    static const char *const http[] = {"http://", "https://", NULL};
    dfota_package *p = &m->pkgs[m->n++];
    size_t v;
    p->line = t->v[e].line;
    p->column = t->v[e].col;
    dfota_err rc = want_kind(t, e, Y_MAP, "a package");
    if (!rc)
        rc = check_keys(t, e, keys, " in a package");
    if (!rc)
        rc = require(t, e, "from", "a package");
    if (!rc)
        rc = require(t, e, "to", "a package");
    if (!rc)
        rc = do_firmware(t, map_get(t, e, "from"), "from", &p->from);
    if (!rc)
        rc = do_firmware(t, map_get(t, e, "to"), "to", &p->to);
    if (!rc && strcmp(p->from, p->to) == 0)
        rc = nfail(t, map_get(t, e, "to"), DFOTA_E_INPUT, "a package goes from one version to another");
    if (!rc && (v = map_get(t, e, "ftp")))
        rc = do_map_url(t, v, "ftp", ftp, &p->ftp);
    if (!rc && (v = map_get(t, e, "http")))
        rc = do_map_url(t, v, "http", http, &p->http);
    if (!rc && (v = map_get(t, e, "file")))
        rc = do_map_file(t, v, &p->file);
    if (!rc && !p->ftp && !p->http && !p->file)
        rc = nfail(t, e, DFOTA_E_INPUT, "a package gives at least one of ftp, http and file");
    for (size_t k = 0; !rc && k + 1 < m->n; k++)
        if (strcmp(m->pkgs[k].from, p->from) == 0 && strcmp(m->pkgs[k].to, p->to) == 0)
            rc = nfail(t, e, DFOTA_E_INPUT, "a second package from %s to %s (first at %lu:%lu)",
                       p->from, p->to, m->pkgs[k].line, m->pkgs[k].column);
    return rc;
}

static dfota_err map_validate(const ytree *t, dfota_pkgmap *m)
{
    static const char *const keys[] = {"packages", NULL};
    size_t r = t->root, seq;
    if (!r || node(t, r)->kind != Y_MAP)
        return r ? nfail(t, r, DFOTA_E_INPUT, "a package map is a mapping with packages: [...]")
                 : fail_at(t->err, t->errlen, t->file, 1, 1, DFOTA_E_INPUT,
                           "empty: a package map is a mapping with packages: [...]");
    dfota_err rc = check_keys(t, r, keys, "");
    if (!rc)
        rc = require(t, r, "packages", "the package map");
    if (!rc)
        rc = want_kind(t, (seq = map_get(t, r, "packages")), Y_SEQ, "packages");
    for (size_t e = rc ? 0 : node(t, seq)->first; !rc && e; e = t->v[e].next) {
        if (m->n == DFOTA_PKGMAP_MAX)
            return nfail(t, e, DFOTA_E_TOO_BIG, "more than %d packages", DFOTA_PKGMAP_MAX);
        rc = do_map_entry(t, e, m);
    }
    return rc;
}

dfota_err dfota_pkgmap_parse(const char *name, const char *text, size_t len, dfota_pkgmap **out,
                             char *err, size_t errlen)
{
    ytree t;
    dfota_pkgmap *m = NULL;
    if (err && errlen)
        err[0] = '\0';
    if (!out)
        return DFOTA_E_ARG;
    *out = NULL;
    if (!name || (!text && len))
        return DFOTA_E_ARG;
    tree_init(&t, name, err, errlen);
    dfota_err rc = tree_build(&t, text, len);
    if (rc)
        goto fail;
    m = calloc(1, sizeof *m);
    if (!m || !(m->file = dup_n(name, strlen(name)))) {
        rc = nomem(&t);
        goto fail;
    }
    rc = map_validate(&t, m);
    if (rc)
        goto fail;
    tree_free(&t);
    *out = m;
    return DFOTA_OK;
fail:
    tree_free(&t);
    dfota_pkgmap_free(m);
    return rc;
}

dfota_err dfota_pkgmap_load(const char *path, dfota_pkgmap **out, char *err, size_t errlen)
{
    char *buf = NULL;
    size_t len = 0;
    if (err && errlen)
        err[0] = '\0';
    if (!out || !path)
        return DFOTA_E_ARG;
    *out = NULL;
    dfota_err rc = read_bounded(path, &buf, &len, err, errlen);
    if (!rc)
        rc = dfota_pkgmap_parse(path, buf, len, out, err, errlen);
    free(buf);
    return rc;
}

void dfota_pkgmap_free(dfota_pkgmap *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++) {
        free(m->pkgs[i].from);
        free(m->pkgs[i].to);
        free(m->pkgs[i].ftp);
        free(m->pkgs[i].http);
        free(m->pkgs[i].file);
    }
    free(m->file);
    free(m);
}

const dfota_package *dfota_pkgmap_find(const dfota_pkgmap *m, const char *from, const char *to)
{
    for (size_t i = 0; m && from && to && i < m->n; i++)
        if (dfota_firmware_matches(from, m->pkgs[i].from) && strcmp(m->pkgs[i].to, to) == 0)
            return &m->pkgs[i];
    return NULL;
}

dfota_err dfota_pkgmap_value(const dfota_pkgmap *m, const dfota_var *v, char *out, size_t cap,
                             char *err, size_t errlen)
{
    static const char *const form_names[] = {"", "ftp", "http", "file"};
    if (!v || !v->pkg || !out || cap == 0)
        return DFOTA_E_ARG;
    out[0] = '\0';
    const dfota_package *p = dfota_pkgmap_find(m, v->pkg_from, v->pkg_to);
    const char *val = !p ? NULL : v->pkg == DFOTA_PKG_FTP ? p->ftp
                              : v->pkg == DFOTA_PKG_HTTP ? p->http
                                                         : p->file;
    if (!m)
        return fail_plain(err, errlen, DFOTA_E_INPUT,
                          "${%s} is the package from %s to %s: give a package map that has it "
                          "(--packages FILE)",
                          v->name, v->pkg_from, v->pkg_to);
    if (!val)
        return fail_plain(err, errlen, DFOTA_E_INPUT,
                          "the package map %s has no %s package from %s to %s (for ${%s})",
                          m->file, form_names[v->pkg], v->pkg_from, v->pkg_to, v->name);
    int n = snprintf(out, cap, "%s%s", v->pkg == DFOTA_PKG_FILE ? "/data/ufs/" : "", val);
    if (n < 0 || (size_t)n >= cap) {
        out[0] = '\0';
        return fail_plain(err, errlen, DFOTA_E_TOO_BIG, "the package of ${%s} is too long", v->name);
    }
    return DFOTA_OK;
}
