/* SPDX-License-Identifier: MIT */
/* tree.c - the bounded YAML tree (tree.h): libyaml's events into nodes that
 * keep their place, bounded in size, nesting, aliases and expanded nodes;
 * reading a file of at most DFOTA_SCENARIO_FILE_MAX bytes; and reading the
 * tree (kinds, keys, text, numbers, durations). */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "dfota/guide.h"
#include "scenario/tree.h"

#define INT_DIGITS_MAX 9      /* codes, percentages, counts: below a billion */

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

/* ---- the tree ------------------------------------------------------------ */

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
    scn_vfail_at(t->err, t->errlen, t->file, (unsigned long)m.line + 1, (unsigned long)m.column + 1,
             rc, fmt, ap);
    va_end(ap);
    return rc;
}

dfota_err scn_nomem(const ytree *t)
{
    return scn_fail_at(t->err, t->errlen, t->file, 0, 0, DFOTA_E_NOMEM, "out of memory");
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
            return scn_nomem(t);
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
            return scn_nomem(t);
        t->anchors = a;
        t->cap_anchors = cap;
    }
    char *copy = scn_dup_n((const char *)name, strlen((const char *)name));
    if (!copy)
        return scn_nomem(t);
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
                     scn_shown((const char *)tag, strlen((const char *)tag), b, sizeof b));
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
    t->v[i].text = scn_dup_n(value, len);
    if (!t->v[i].text)
        return scn_nomem(t);
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
        t->v[i].anchor = scn_dup_n((const char *)anchor, strlen((const char *)anchor));
        if (!t->v[i].anchor)
            return scn_nomem(t);
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
                         scn_shown(name, strlen(name), b, sizeof b));
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
        return scn_nomem(t);
    if (p->error == YAML_READER_ERROR) {
        offset_mark(text, len, p->problem_offset, &line, &col);
        return scn_fail_at(t->err, t->errlen, t->file, line, col, DFOTA_E_INPUT,
                       "not UTF-8 text: %s", problem);
    }
    if (p->context)
        return scn_fail_at(t->err, t->errlen, t->file, (unsigned long)p->problem_mark.line + 1,
                       (unsigned long)p->problem_mark.column + 1, DFOTA_E_INPUT,
                       "YAML syntax: %s (%s at %lu:%lu)", problem, p->context,
                       (unsigned long)p->context_mark.line + 1,
                       (unsigned long)p->context_mark.column + 1);
    return scn_fail_at(t->err, t->errlen, t->file, (unsigned long)p->problem_mark.line + 1,
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
        return scn_fail_at(t->err, t->errlen, t->file, line, col, DFOTA_E_TOO_BIG,
                       "the file goes past %d bytes here", DFOTA_SCENARIO_FILE_MAX);
    }
    if (!yaml_parser_initialize(&p))
        return scn_nomem(t);
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

/* Reads at most DFOTA_SCENARIO_FILE_MAX + 1 bytes of path into *buf (the
 * caller frees it): one byte more than allowed says the file is too big. */
static dfota_err read_bounded(const char *path, char **buf, size_t *len, char *err,
                              size_t errlen)
{
    dfota_err rc = DFOTA_OK;
    FILE *f = fopen(path, "rb");
    *buf = NULL;
    if (!f)
        return scn_fail_at(err, errlen, path, 0, 0, DFOTA_E_IO, "cannot open: %s", strerror(errno));
    *buf = malloc(DFOTA_SCENARIO_FILE_MAX + 1);
    if (!*buf) {
        rc = scn_fail_at(err, errlen, path, 0, 0, DFOTA_E_NOMEM, "out of memory");
        goto fail;
    }
    errno = 0;
    *len = fread(*buf, 1, DFOTA_SCENARIO_FILE_MAX + 1, f);
    if (ferror(f)) {
        rc = scn_fail_at(err, errlen, path, 0, 0, DFOTA_E_IO, "cannot read: %s",
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

dfota_err scn_tree_read_all(const char *file, const char *text, size_t len, char *err,
                            size_t errlen, scn_errors *errors, tree_reader read, void *arg)
{
    ytree t;
    if (!file || (!text && len))
        return DFOTA_E_ARG;
    tree_init(&t, file, err, errlen);
    t.errors = errors;
    dfota_err rc = tree_build(&t, text, len);
    if (!rc)
        rc = read(&t, arg);
    tree_free(&t);
    return rc;
}

dfota_err scn_tree_read(const char *file, const char *text, size_t len, char *err, size_t errlen,
                    tree_reader read, void *arg)
{
    return scn_tree_read_all(file, text, len, err, errlen, NULL, read, arg);
}

dfota_err scn_tree_load_all(const char *path, char *err, size_t errlen, scn_errors *errors,
                            tree_reader read, void *arg)
{
    char *buf = NULL;
    size_t len = 0;
    dfota_err rc = read_bounded(path, &buf, &len, err, errlen);
    if (!rc)
        rc = scn_tree_read_all(path, buf, len, err, errlen, errors, read, arg);
    free(buf);
    return rc;
}

dfota_err scn_tree_load(const char *path, char *err, size_t errlen, tree_reader read, void *arg)
{
    return scn_tree_load_all(path, err, errlen, NULL, read, arg);
}

int scn_go_on(const ytree *t, dfota_err rc)
{
    return t->errors && rc != DFOTA_E_NOMEM;
}

/* ---- reading the tree ---------------------------------------------------- */

/* The node an alias stands for; other nodes themselves. Messages use the
 * node as written (the alias), content comes from here. */
const ynode *scn_node(const ytree *t, size_t i)
{
    const ynode *n = &t->v[i];
    return n->kind == Y_ALIAS ? &t->v[n->target] : n;
}

int scn_is_null(const ynode *n)
{
    if (n->kind != Y_SCALAR || !n->plain)
        return 0;
    return n->len == 0 || strcmp(n->text, "~") == 0 || strcmp(n->text, "null") == 0 ||
           strcmp(n->text, "Null") == 0 || strcmp(n->text, "NULL") == 0;
}

const char *scn_kind_text(const ynode *n)
{
    if (scn_is_null(n))
        return "nothing";
    switch (n->kind) {
    case Y_SEQ: return "a sequence";
    case Y_MAP: return "a mapping";
    default: return "a scalar";
    }
}

int scn_text_is(const ynode *n, const char *s)
{
    return n->kind == Y_SCALAR && strcmp(n->text, s) == 0;
}

DFOTA_PRINTF(4, 5)
dfota_err scn_nfail(const ytree *t, size_t i, dfota_err rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    scn_vfail_at(t->err, t->errlen, t->file, t->v[i].line, t->v[i].col, rc, fmt, ap);
    va_end(ap);
    if (t->errors && t->errors->n++ < DFOTA_SCENARIO_ERRORS_MAX && t->errors->fn)
        t->errors->fn(t->errors->ctx, t->err);
    return rc;
}

/* Node i is text: a scalar that is not null. */
dfota_err scn_want_text(const ytree *t, size_t i, const char *what)
{
    const ynode *n = scn_node(t, i);
    if (n->kind == Y_SCALAR && !scn_is_null(n))
        return DFOTA_OK;
    return scn_nfail(t, i, DFOTA_E_INPUT, "%s must be text, not %s", what, scn_kind_text(n));
}

dfota_err scn_want_kind(const ytree *t, size_t i, ykind kind, const char *what)
{
    const ynode *n = scn_node(t, i);
    if (n->kind == kind)
        return DFOTA_OK;
    return scn_nfail(t, i, DFOTA_E_INPUT, "%s must be %s, not %s", what,
                 kind == Y_MAP ? "a mapping" : "a sequence", scn_kind_text(n));
}

void scn_join(const char *const *words, char *buf, size_t cap)
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
dfota_err scn_check_keys(const ytree *t, size_t m, const char *const *allowed,
                     const char *where)
{
    char b[SHOWN_MAX], list[LIST_MAX];
    dfota_err first = DFOTA_OK, rc;
    for (size_t k = scn_node(t, m)->first; k; k = t->v[t->v[k].next].next) {
        const ynode *key = scn_node(t, k);
        rc = scn_want_text(t, k, "a key");
        int known = allowed == NULL;
        for (size_t a = 0; !rc && !known && allowed[a]; a++)
            known = strcmp(key->text, allowed[a]) == 0;
        if (!rc && !known) {
            scn_join(allowed, list, sizeof list);
            rc = scn_nfail(t, k, DFOTA_E_INPUT, "unknown key '%s'%s: use %s",
                           scn_shown(key->text, key->len, b, sizeof b), where, list);
        }
        for (size_t e = scn_node(t, m)->first; !rc && e != k; e = t->v[t->v[e].next].next)
            if (scn_text_is(scn_node(t, e), key->text))
                rc = scn_nfail(t, k, DFOTA_E_INPUT, "duplicate key '%s' (first at %lu:%lu)",
                               scn_shown(key->text, key->len, b, sizeof b), t->v[e].line,
                               t->v[e].col);
        if (rc && !first)
            first = rc;
        if (rc && !scn_go_on(t, rc))
            return first;
    }
    return first;
}

/* More than max pairs in mapping m: an error at the first key past max. */
dfota_err scn_too_many(const ytree *t, size_t m, size_t max, const char *what)
{
    if (scn_node(t, m)->count / 2 <= max)
        return DFOTA_OK;
    size_t k = scn_node(t, m)->first;
    for (size_t n = 0; n < max; n++)
        k = t->v[t->v[k].next].next;
    return scn_nfail(t, k, DFOTA_E_TOO_BIG, "more than %zu %s", max, what);
}

/* The value under key in mapping m (keys checked), or 0. */
size_t scn_map_get(const ytree *t, size_t m, const char *key)
{
    for (size_t k = scn_node(t, m)->first; k; k = t->v[t->v[k].next].next)
        if (scn_text_is(scn_node(t, k), key))
            return t->v[k].next;
    return 0;
}

dfota_err scn_require(const ytree *t, size_t m, const char *key, const char *what)
{
    if (scn_map_get(t, m, key))
        return DFOTA_OK;
    return scn_nfail(t, m, DFOTA_E_INPUT, "missing key '%s' in %s", key, what);
}

dfota_err scn_get_string(const ytree *t, size_t i, const char *what, char **dst)
{
    dfota_err rc = scn_want_text(t, i, what);
    if (rc)
        return rc;
    *dst = scn_dup_n(scn_node(t, i)->text, scn_node(t, i)->len);
    return *dst ? DFOTA_OK : scn_nomem(t);
}

/* A duration (dfota/guide.h); zero refused when positive. */
dfota_err scn_get_duration(const ytree *t, size_t i, const char *what, int positive,
                       int64_t *ns)
{
    char b[SHOWN_MAX];
    dfota_err rc = scn_want_text(t, i, what);
    if (rc)
        return rc;
    const ynode *n = scn_node(t, i);
    rc = dfota_duration_parse(n->text, n->len, ns);
    if (rc == DFOTA_E_TOO_BIG)
        return scn_nfail(t, i, rc, "%s '%s' is over 1000 days", what,
                     scn_shown(n->text, n->len, b, sizeof b));
    if (rc)
        return scn_nfail(t, i, DFOTA_E_INPUT,
                     "bad duration '%s': use a number and one of ns us ms s min h",
                     scn_shown(n->text, n->len, b, sizeof b));
    if (positive && *ns == 0)
        return scn_nfail(t, i, DFOTA_E_INPUT, "%s must be longer than 0", what);
    return DFOTA_OK;
}

/* Digits (and a leading '-' when signed) of at most INT_DIGITS_MAX: 1 and *v. */
int scn_parse_int(const char *s, size_t n, int is_signed, long *v)
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

dfota_err scn_get_int(const ytree *t, size_t i, const char *what, long lo, long hi, long *v)
{
    char b[SHOWN_MAX];
    dfota_err rc = scn_want_text(t, i, what);
    if (rc)
        return rc;
    const ynode *n = scn_node(t, i);
    if (!scn_parse_int(n->text, n->len, lo < 0, v) || *v < lo || *v > hi)
        return scn_nfail(t, i, DFOTA_E_INPUT, "%s must be an integer from %ld to %ld, not '%s'",
                     what, lo, hi, scn_shown(n->text, n->len, b, sizeof b));
    return DFOTA_OK;
}
