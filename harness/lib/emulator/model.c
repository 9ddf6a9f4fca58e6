/* SPDX-License-Identifier: MIT */
/* model.c - a module model as data (emulator/module.h): what a Quectel
 * module answers to the identification, status and configuration commands
 * hosts send at start-up, read from a YAML file of models/ (built into the
 * binary, models.c made by the build) or named by path.
 *
 *   model: EG95                  # ATI, AT+CGMM
 *   manufacturer: Quectel
 *   imei: "867698041234566"      # 15 digits
 *   imsi: "001010000000001"      # up to 15 digits
 *   iccid: "8988211000000000018" # 19 or 20 digits
 *   answers:                     # in order; the first match answers
 *     "+CGMR": "{revision}"      # one information line, then OK
 *     "I": ["{manufacturer}", "{model}", "Revision: {revision}"]
 *     "&C*": []                  # '*' at the end: any rest; [] just OK
 *     "+CGSMS=?": "ERROR"        # a final result instead of OK
 *   settings:                    # what the module keeps: the first value at boot
 *     "+CSCS": ['"GSM"', '"IRA"', '"UCS2"']
 *
 * A setting answers its read form ("+CSCS: <value>"), its test form
 * ("+CSCS: (<values>)") and takes a write of one of its values (else
 * ERROR); settings are looked at before answers.
 * A pattern is a command as written after AT (its name and arguments),
 * compared ignoring ASCII case. Placeholders: {manufacturer}, {model},
 * {revision} (the running firmware), {imei}, {imsi}, {iccid} and
 * {iccid_swapped} (its digits swapped in pairs, as a SIM stores them,
 * F-padded). Every error names the file and the line. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "emulator/module.h"

#define MODEL_FILE_MAX (256 * 1024)
#define MODEL_ANSWERS_MAX 512

struct em_model {
    char name[EM_MODEL_MAX + 1];
    char manufacturer[EM_MODEL_MAX + 1];
    char imei[16], imsi[16], iccid[21];
    char iccid_swapped[23];   /* derived from iccid when read */
    em_answer *answers;
    size_t n;
    em_setting settings[EM_SETTINGS_MAX];
    size_t n_settings;
};

static const char *const placeholders[] = {"manufacturer", "model", "revision", "imei",
                                           "imsi", "iccid", "iccid_swapped"};
#define N_PLACEHOLDERS (sizeof placeholders / sizeof placeholders[0])

/* The placeholder "{name}" at p: its index, its length in *len; -1 when p
 * holds none. The one reading of placeholders, for checking and filling. */
static int placeholder_at(const char *p, size_t *len)
{
    for (size_t i = 0; *p == '{' && i < N_PLACEHOLDERS; i++) {
        size_t pl = strlen(placeholders[i]);
        if (strncmp(p + 1, placeholders[i], pl) == 0 && p[pl + 1] == '}') {
            *len = pl + 2;
            return (int)i;
        }
    }
    return -1;
}

/* ---- reading ---------------------------------------------------------- */

typedef struct {
    const char *file;
    yaml_document_t doc;
    char *err;
    size_t errlen;
} reader;

static dfota_err at_node(reader *r, const yaml_node_t *n, const char *fmt, const char *what)
{
    dfota_errf(r->err, r->errlen, "%s:%zu: ", r->file, n ? n->start_mark.line + 1 : 0);
    size_t k = strlen(r->err);
    if (k < r->errlen)
        snprintf(r->err + k, r->errlen - k, fmt, what);
    return DFOTA_E_INPUT;
}

static const char *scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* Every {name} in text is a placeholder the model knows. */
static dfota_err check_text(reader *r, const yaml_node_t *n, const char *text)
{
    if (strlen(text) > EM_ANSWER_LINE_MAX)
        return at_node(r, n, "an answer line is over %s bytes", "200");
    size_t len;
    for (const char *p = strchr(text, '{'); p; p = strchr(p + 1, '{'))
        if (placeholder_at(p, &len) < 0)
            return at_node(r, n, "unknown placeholder in '%.60s': use {manufacturer}, {model}, "
                                 "{revision}, {imei}, {imsi}, {iccid} or {iccid_swapped}",
                           text);
    for (const char *p = text; *p; p++)
        if ((unsigned char)*p < ' ')
            return at_node(r, n, "a control character in '%.60s'", text);
    return DFOTA_OK;
}

static dfota_err add_line(reader *r, em_answer *a, const yaml_node_t *n)
{
    const char *text = scalar(n);
    if (!text)
        return at_node(r, n, "an answer is a line or a list of lines%s", "");
    dfota_err rc = check_text(r, n, text);
    if (rc)
        return rc;
    if (a->n_lines == EM_ANSWER_LINES_MAX)
        return at_node(r, n, "an answer has at most %s lines", "16");
    if (!(a->lines[a->n_lines] = strdup(text)))
        return DFOTA_E_NOMEM;
    a->n_lines++;
    return DFOTA_OK;
}

/* The last line may be the final result: ERROR or +CME ERROR: <n>. */
static void take_final(em_answer *a)
{
    if (a->n_lines == 0)
        return;
    const char *last = a->lines[a->n_lines - 1];
    if (strcmp(last, "ERROR") == 0 || strncmp(last, "+CME ERROR:", 11) == 0 ||
        strncmp(last, "+CMS ERROR:", 11) == 0) {
        a->final = a->lines[--a->n_lines];
        a->lines[a->n_lines] = NULL;
        if (strncmp(last, "+CME ERROR:", 11) == 0)
            a->cme = atoi(last + 11) > 0 ? atoi(last + 11) : 100;
    }
}

static dfota_err read_answer(reader *r, em_model *m, const yaml_node_t *key,
                             const yaml_node_t *val)
{
    const char *pat = scalar(key);
    if (!pat || !*pat || strlen(pat) > EM_PATTERN_MAX)
        return at_node(r, key, "a command pattern is 1 to %s bytes of text", "64");
    if (m->n == MODEL_ANSWERS_MAX)
        return at_node(r, key, "a model has at most %s answers", "512");
    em_answer *a = &m->answers[m->n++];
    size_t len = strlen(pat);
    a->prefix = pat[len - 1] == '*';
    if (!(a->pattern = strndup(pat, len - (size_t)a->prefix)))
        return DFOTA_E_NOMEM;
    dfota_err rc = DFOTA_OK;
    if (val->type == YAML_SCALAR_NODE) {
        rc = add_line(r, a, val);
    } else if (val->type == YAML_SEQUENCE_NODE) {
        for (yaml_node_item_t *it = val->data.sequence.items.start;
             !rc && it < val->data.sequence.items.top; it++)
            rc = add_line(r, a, yaml_document_get_node(&r->doc, *it));
    } else {
        rc = at_node(r, val, "the answer to '%.60s' is a line or a list of lines", pat);
    }
    take_final(a);
    return rc;
}

static dfota_err read_setting(reader *r, em_model *m, const yaml_node_t *key,
                              const yaml_node_t *val)
{
    const char *name = scalar(key);
    if (!name || name[0] != '+' || strlen(name) < 2 || strlen(name) > EM_PATTERN_MAX ||
        strpbrk(name, "=?*;\" "))
        return at_node(r, key, "a setting is an extended command's name (+CSCS)%s", "");
    if (m->n_settings == EM_SETTINGS_MAX)
        return at_node(r, key, "a model has at most %s settings", "32");
    if (val->type != YAML_SEQUENCE_NODE || val->data.sequence.items.top == val->data.sequence.items.start)
        return at_node(r, val, "the values of '%.40s' are a list of one or more", name);
    em_setting *st = &m->settings[m->n_settings++];
    if (!(st->name = strdup(name)))
        return DFOTA_E_NOMEM;
    for (yaml_node_item_t *it = val->data.sequence.items.start;
         it < val->data.sequence.items.top; it++) {
        const yaml_node_t *v = yaml_document_get_node(&r->doc, *it);
        const char *text = scalar(v);
        if (!text || !*text || strlen(text) > EM_PATTERN_MAX || strchr(text, ';'))
            return at_node(r, v, "a value of '%.40s' is 1 to 64 bytes of text without ';'", name);
        if (st->n == EM_ANSWER_LINES_MAX)
            return at_node(r, v, "a setting has at most %s values", "16");
        if (!(st->values[st->n] = strdup(text)))
            return DFOTA_E_NOMEM;
        st->n++;
    }
    return DFOTA_OK;
}

static dfota_err read_field(reader *r, const yaml_node_t *n, const char *what, char *dst,
                            size_t cap, int digits_only)
{
    const char *v = scalar(n);
    if (!v || !*v || strlen(v) >= cap)
        return at_node(r, n, "%s: 1 to a few characters of text expected", what);
    for (const char *p = v; digits_only && *p; p++)
        if (*p < '0' || *p > '9')
            return at_node(r, n, "%s: digits only", what);
    for (const char *p = v; *p; p++)
        if ((unsigned char)*p < ' ' || *p == '"')
            return at_node(r, n, "%s: printable text without quotes", what);
    memcpy(dst, v, strlen(v) + 1);
    return DFOTA_OK;
}

static dfota_err read_root(reader *r, em_model *m)
{
    yaml_node_t *root = yaml_document_get_root_node(&r->doc);
    if (!root || root->type != YAML_MAPPING_NODE)
        return at_node(r, root, "a model is a mapping (model:, manufacturer:, answers: ...)%s", "");
    dfota_err rc = DFOTA_OK;
    int have_answers = 0;
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
         !rc && p < root->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(&r->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(&r->doc, p->value);
        const char *key = scalar(k);
        if (!key || !v)
            rc = at_node(r, k, "a key of text expected%s", "");
        else if (strcmp(key, "model") == 0)
            rc = read_field(r, v, "model", m->name, sizeof m->name, 0);
        else if (strcmp(key, "manufacturer") == 0)
            rc = read_field(r, v, "manufacturer", m->manufacturer, sizeof m->manufacturer, 0);
        else if (strcmp(key, "imei") == 0)
            rc = read_field(r, v, "imei", m->imei, sizeof m->imei, 1);
        else if (strcmp(key, "imsi") == 0)
            rc = read_field(r, v, "imsi", m->imsi, sizeof m->imsi, 1);
        else if (strcmp(key, "iccid") == 0)
            rc = read_field(r, v, "iccid", m->iccid, sizeof m->iccid, 1);
        else if (strcmp(key, "answers") == 0 && v->type == YAML_MAPPING_NODE) {
            have_answers = 1;
            for (yaml_node_pair_t *q = v->data.mapping.pairs.start;
                 !rc && q < v->data.mapping.pairs.top; q++)
                rc = read_answer(r, m, yaml_document_get_node(&r->doc, q->key),
                                 yaml_document_get_node(&r->doc, q->value));
        } else if (strcmp(key, "settings") == 0 && v->type == YAML_MAPPING_NODE) {
            for (yaml_node_pair_t *q = v->data.mapping.pairs.start;
                 !rc && q < v->data.mapping.pairs.top; q++)
                rc = read_setting(r, m, yaml_document_get_node(&r->doc, q->key),
                                  yaml_document_get_node(&r->doc, q->value));
        } else
            rc = at_node(r, k, "unknown key '%.40s': use model, manufacturer, imei, imsi, "
                               "iccid, settings or answers (mappings)", key);
    }
    if (!rc && (!m->name[0] || !m->manufacturer[0] || !have_answers))
        rc = at_node(r, root, "a model needs model:, manufacturer: and answers:%s", "");
    if (!rc && strlen(m->imei) != 15)
        rc = at_node(r, root, "imei: 15 digits expected%s", "");
    return rc;
}

/* The ICCID as the SIM stores it: digits swapped in pairs, F-padded. */
static void iccid_swapped(const char *iccid, char *out, size_t cap)
{
    size_t n = strlen(iccid), k = 0;
    for (size_t i = 0; i < n && k + 2 < cap; i += 2) {
        out[k++] = i + 1 < n ? iccid[i + 1] : 'F';
        out[k++] = iccid[i];
    }
    out[k] = '\0';
}

dfota_err em_model_parse(const char *file, const char *text, size_t len, em_model **out,
                         char *err, size_t errlen)
{
    reader r = {.file = file, .err = err, .errlen = errlen};
    yaml_parser_t parser;
    em_model *m = NULL;
    dfota_err rc = DFOTA_E_NOMEM;
    *out = NULL;
    if (len > MODEL_FILE_MAX) {
        dfota_errf(err, errlen, "%s: over %d KiB: not a model", file, MODEL_FILE_MAX / 1024);
        return DFOTA_E_INPUT;
    }
    if (!yaml_parser_initialize(&parser))
        goto nomem;
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &r.doc)) {
        dfota_errf(err, errlen, "%s:%zu: %s", file, parser.problem_mark.line + 1,
                   parser.problem ? parser.problem : "not YAML");
        yaml_parser_delete(&parser);
        return DFOTA_E_INPUT;
    }
    yaml_parser_delete(&parser);
    if (!(m = calloc(1, sizeof *m)) ||
        !(m->answers = calloc(MODEL_ANSWERS_MAX, sizeof *m->answers))) {
        yaml_document_delete(&r.doc);
        goto nomem;
    }
    rc = read_root(&r, m);
    yaml_document_delete(&r.doc);
    iccid_swapped(m->iccid, m->iccid_swapped, sizeof m->iccid_swapped);
    if (rc == DFOTA_OK) {
        *out = m;
        return DFOTA_OK;
    }
nomem:
    if (rc == DFOTA_E_NOMEM)
        dfota_errf(err, errlen, "%s: out of memory", file);
    em_model_free(m);
    return rc;
}

void em_model_free(em_model *m)
{
    if (!m)
        return;
    for (size_t i = 0; m->answers && i < m->n; i++) {
        free(m->answers[i].pattern);
        for (size_t k = 0; k < m->answers[i].n_lines; k++)
            free(m->answers[i].lines[k]);
        free(m->answers[i].final);
    }
    free(m->answers);
    for (size_t i = 0; i < m->n_settings; i++) {
        free(m->settings[i].name);
        for (size_t k = 0; k < m->settings[i].n; k++)
            free(m->settings[i].values[k]);
    }
    free(m);
}

/* A built-in model by name (ignoring case), or a file: a name with a '/'
 * or ending in .yaml. */
dfota_err em_model_load(const char *name, em_model **out, char *err, size_t errlen)
{
    const char *text;
    size_t len;
    if (!name)
        name = DEFAULT_MODEL;
    if (!strchr(name, '/') && !(strlen(name) > 5 && strcmp(name + strlen(name) - 5, ".yaml") == 0)) {
        for (size_t i = 0; (text = em_builtin_model(i, &len)) != NULL; i++) {
            char file[EM_MODEL_MAX + 16];
            const char *nm = em_builtin_model_name(i);
            if (strcasecmp(nm, name) == 0) {
                snprintf(file, sizeof file, "models/%s.yaml", nm);
                return em_model_parse(file, text, len, out, err, errlen);
            }
        }
        char names[256] = "";
        for (size_t i = 0, k = 0; em_builtin_model(i, &len) && k < sizeof names; i++)
            k += (size_t)snprintf(names + k, sizeof names - k, "%s%s", i ? ", " : "",
                                  em_builtin_model_name(i));
        dfota_errf(err, errlen, "unknown model '%.40s': use %s, or a model file (NAME.yaml)",
                   name, names);
        return DFOTA_E_INPUT;
    }
    FILE *f = fopen(name, "rb");
    if (!f) {
        dfota_errf(err, errlen, "%s: %s", name, strerror(errno));
        return DFOTA_E_INPUT;
    }
    char *buf = malloc(MODEL_FILE_MAX + 1);
    size_t n = buf ? fread(buf, 1, MODEL_FILE_MAX + 1, f) : 0;
    int bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        free(buf);
        dfota_errf(err, errlen, "%s: %s", name, buf ? "cannot read it" : "out of memory");
        return buf ? DFOTA_E_INPUT : DFOTA_E_NOMEM;
    }
    dfota_err rc = em_model_parse(name, buf, n, out, err, errlen);
    free(buf);
    return rc;
}

/* ---- answering ----------------------------------------------------------- */

const em_answer *em_model_find(const em_model *m, const char *cmd, size_t n)
{
    for (size_t i = 0; m && i < m->n; i++) {
        const em_answer *a = &m->answers[i];
        size_t pl = strlen(a->pattern);
        if (a->prefix ? n >= pl && text_starts_ci(cmd, n, a->pattern)
                      : text_equals_ci(cmd, n, a->pattern))
            return a;
    }
    return NULL;
}

const em_setting *em_model_setting(const em_model *m, const char *name, size_t n, size_t *index)
{
    for (size_t i = 0; m && i < m->n_settings; i++)
        if (text_equals_ci(name, n, m->settings[i].name)) {
            *index = i;
            return &m->settings[i];
        }
    return NULL;
}

void em_model_expand(const em_model *m, const char *revision, const char *text, char *out,
                     size_t cap)
{
    size_t k = 0, skip;
    const char *values[N_PLACEHOLDERS] = {m->manufacturer, m->name,  revision,       m->imei,
                                          m->imsi,         m->iccid, m->iccid_swapped};
    for (const char *p = text; *p && k + 1 < cap;) {
        int i = placeholder_at(p, &skip);
        if (i >= 0) {
            int w = snprintf(out + k, cap - k, "%s", values[i]);
            k = w < 0 ? k : k + (size_t)w >= cap ? cap - 1 : k + (size_t)w;
            p += skip;
        } else {
            out[k++] = *p++;
        }
    }
    out[k < cap ? k : cap - 1] = '\0';
}

const char *dfota_emulator_model_name(size_t i)
{
    size_t len;
    return em_builtin_model(i, &len) ? em_builtin_model_name(i) : NULL;
}

dfota_err dfota_emulator_model_check(const char *file, const char *text, size_t len, char *err,
                                     size_t errlen)
{
    em_model *m = NULL;
    dfota_err rc = em_model_parse(file ? file : "model", text, len, &m, err, errlen);
    em_model_free(m);
    return rc;
}

dfota_err dfota_emulator_model_check_name(const char *name, char *err, size_t errlen)
{
    em_model *m = NULL;
    dfota_err rc = em_model_load(name, &m, err, errlen);
    em_model_free(m);
    return rc;
}
