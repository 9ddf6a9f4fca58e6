/* SPDX-License-Identifier: MIT */
/* fuzz_inputs.c - libFuzzer target for the untrusted texts that are not
 * logs: what a user or a file gives the harness. The first byte picks the
 * parser (its low two bits) and a few options (the bits above); the rest
 * of the input is the text:
 *
 *   0  dfota_redact and dfota_redact_field (dfota/guide.h), and the
 *      guide's reading of the same text: dfota_spec_url_parts and
 *      dfota_spec_check_arg (dfota/guide.h), dfota_emulator_fetch_url
 *      (dfota/emulator.h)
 *   1  dfota_port_parse_usb_id (dfota/port.h); with the option bit 1 set
 *      ('5'), dfota_emulator_fault_parse (dfota/emulator.h): a --fault;
 *      with the option bit 2 set ('9'), dfota_emulator_model_check: a
 *      model file (--model FILE)
 *   2  dfota_source_parse_serial (dfota/source.h)
 *   3  dfota_scenario_parse, dfota_scenario_expand of every send step,
 *      dfota_scenario_free (dfota/scenario.h); dfota_scenario_parse_all
 *      of the same text (dfota lint's every error), which must agree
 *
 * scripts/fuzz-smoke.sh seeds each with the byte '0' + N before the text.
 * Only what the headers promise is checked; a broken promise abort()s so
 * that libFuzzer keeps the input. Every buffer a parser writes is a heap
 * block of exactly the size it is told, so that ASan sees one byte past
 * it. Everything is freed: LeakSanitizer runs after each input. */
#define _POSIX_C_SOURCE 200809L /* strnlen */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfota/dfota.h"
#include "dfota/emulator.h"
#include "dfota/port.h"
#include "dfota/guide.h"
#include "dfota/scenario.h"
#include "dfota/source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "fuzz_inputs: %s:%d: check failed: %s\n", __FILE__,   \
                    __LINE__, #cond);                                            \
            abort();                                                             \
        }                                                                        \
    } while (0)

/* A private copy of the text with a NUL after it; ASan then reports any
 * read past the text at its exact size (len + 1 for a C string). */
static char *copy_text(const uint8_t *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

/* An error buffer holds a NUL within its size and says something. */
static void check_message(const char *err, size_t cap)
{
    CHECK(memchr(err, '\0', cap) != NULL);
    CHECK(err[0] != '\0');
}

/* ---- 0: redact --------------------------------------------------------- */

/* Bytes that end a URL and so are never part of a secret (redact.h: a
 * control byte, a space, '"'); the typographic quotes are left out here
 * because they are several bytes long. */
static int ends_url(unsigned char c)
{
    return c <= 0x20 || c == 0x7F || c == '"';
}

static int same_url_ends(const char *a, size_t an, const char *b, size_t bn)
{
    size_t i = 0, j = 0;
    for (;;) {
        while (i < an && !ends_url((unsigned char)a[i]))
            i++;
        while (j < bn && !ends_url((unsigned char)b[j]))
            j++;
        if (i == an || j == bn)
            return i == an && j == bn;
        if (a[i++] != b[j++])
            return 0;
    }
}

/* The first "://" in p[0..n), as an offset, or n. */
static size_t find_sep(const char *p, size_t n)
{
    for (size_t i = 0; i + 3 <= n; i++)
        if (memcmp(p + i, "://", 3) == 0)
            return i;
    return n;
}

/* Redacts in[0..len) into a new block of exactly the size needed: the
 * measuring call, the call with room, and their contract. */
static char *redact_whole(const char *in, size_t len, size_t *out_len)
{
    size_t need = (size_t)-1;
    CHECK(dfota_redact(in, len, NULL, 0, &need) == DFOTA_E_TOO_BIG);
    CHECK(need <= DFOTA_REDACT_MAX(len));
    char *out = malloc(need + 1);
    if (!out)
        return NULL;
    size_t got = (size_t)-1;
    CHECK(dfota_redact(in, len, out, need + 1, &got) == DFOTA_OK);
    CHECK(got == need);
    CHECK(out[need] == '\0');
    *out_len = need;
    return out;
}

/* A buffer of cap bytes (1 <= cap <= need) cannot hold the text and its
 * NUL: DFOTA_E_TOO_BIG, the length needed, and "" in out. */
static void redact_short(const char *in, size_t len, size_t need, size_t cap)
{
    char *out = malloc(cap);
    size_t got = (size_t)-1;
    if (!out)
        return;
    memset(out, 'x', cap);
    CHECK(dfota_redact(in, len, out, cap, &got) == DFOTA_E_TOO_BIG);
    CHECK(got == need);
    CHECK(out[0] == '\0');
    free(out);
}

/* Compares the redaction of text with what it must be. */
static void redact_expect(const char *text, size_t len, const char *want)
{
    size_t n = 0;
    char *out = redact_whole(text, len, &n);
    if (!out)
        return;
    CHECK(n == strlen(want) && memcmp(out, want, n) == 0);
    free(out);
}

/* Keeps the bytes of s[0..n) that may stand in a password or a parameter
 * value whatever comes around them (redact.h: no URL end, none of the
 * bytes that end an authority or a value), writing them to out. */
static size_t keep_plain(const char *s, size_t n, const char *banned, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!ends_url(c) && c < 0x80 && !strchr(banned, c))
            out[o++] = (char)c;
    }
    return o;
}

/* "scheme://user:PASSWORD@host/..." and "?token=VALUE&...": the secret
 * becomes "***", everything else stays. The secret is made of the input's
 * bytes. */
static void redact_known_secrets(const char *in, size_t len)
{
    static const char *const forms[][3] = {
        /* before, banned in the secret, after */
        {"AT+QFOTADL=\"ftp://user:", "/?#", "@10.0.0.1:21/pkg/u.zip\""},
        {"see https://h.example/p?x=1&token=", "&#", "&y=2#f"},
        /* issue 11: camelCase, kebab-case, OAuth, GCS, and a name a user
         * added (fuzz_redact registers "otp,Device-Pin") */
        {"https://h/cb?accessToken=", "&#", "&state=1"},
        {"https://h/cb#state=1&client-secret=", "&#", ""},
        {"https://h/cb?code=", "&#", "&scope=email"},
        {"https://storage.googleapis.com/b/f?X-Goog-Signature=", "&#", "&x=1"},
        {"http://h/f?jwt=", "&#", "#f"},
        {"http://h/f?device_pin=", "&#", "&x=1"},
    };
    char *secret = malloc(len + 1);
    if (!secret)
        return;
    for (size_t f = 0; f < sizeof forms / sizeof forms[0]; f++) {
        size_t sn = keep_plain(in, len, forms[f][1], secret);
        if (sn == 0)
            continue; /* an empty value stays empty */
        size_t bn = strlen(forms[f][0]), an = strlen(forms[f][2]);
        char *text = malloc(bn + sn + an);
        char *want = malloc(bn + 3 + an + 1);
        if (text && want) {
            memcpy(text, forms[f][0], bn);
            memcpy(text + bn, secret, sn);
            memcpy(text + bn + sn, forms[f][2], an);
            snprintf(want, bn + 3 + an + 1, "%s%s%s", forms[f][0], DFOTA_REDACT_MASK,
                     forms[f][2]);
            redact_expect(text, bn + sn + an, want);
        }
        free(text);
        free(want);
    }
    free(secret);
}

/* dfota_redact_field on a field of cap bytes holding the text up to its
 * first NUL: NUL-terminated, and the whole redaction when it fits. */
static void redact_field(const char *in, size_t len, size_t cap)
{
    char *field = malloc(cap);
    if (!field)
        return;
    size_t n = strnlen(in, len);
    if (n > cap - 1)
        n = cap - 1;
    memcpy(field, in, n);
    field[n] = '\0';
    size_t full_len = 0;
    char *full = redact_whole(field, n, &full_len);
    dfota_err rc = dfota_redact_field(field, cap);
    CHECK(rc == DFOTA_OK || rc == DFOTA_E_TOO_BIG);
    size_t got = strnlen(field, cap);
    CHECK(got < cap);
    if (full && rc == DFOTA_OK)
        CHECK(got == full_len && memcmp(field, full, got) == 0);
    if (rc == DFOTA_E_TOO_BIG && cap >= 4)
        CHECK(got >= 3 && memcmp(field + got - 3, "...", 3) == 0);
    free(full);
    free(field);
}

/* A part lies inside the text; an absent one is all zeros. */
static void check_part(dfota_url_part p, size_t n)
{
    if (!p.present)
        CHECK(p.off == 0 && p.len == 0);
    else
        CHECK(p.off <= n && p.len <= n - p.off);
}

/* The guide's template over the same text: the parts lie in it in the
 * template's order, the server and port stop before the first '/', the file
 * path runs to the end; and the argument check, quoted, says why whenever
 * it does not find the argument valid. */
static void check_spec(const char *in, size_t size)
{
    dfota_url_parts u;
    memset(&u, 0x5A, sizeof u);
    size_t sep = find_sep(in, size);
    CHECK(dfota_spec_url_parts(in, size, &u) == (sep < size));
    const dfota_url_part all[] = {u.scheme, u.user, u.password, u.server, u.port, u.file_path};
    size_t last = 0;
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        check_part(all[i], size);
        if (sep == size)
            CHECK(!all[i].present);
        else if (all[i].present) {
            CHECK(all[i].off >= last);
            last = all[i].off + all[i].len;
        }
    }
    if (sep < size) {
        CHECK(u.scheme.present && u.scheme.off == 0 && u.scheme.len == sep && u.server.present);
        CHECK(!memchr(in + u.server.off, '/', u.server.len));
        CHECK(!u.port.present || !memchr(in + u.port.off, '/', u.port.len));
        CHECK(!u.file_path.present || u.file_path.off + u.file_path.len == size);
    }
    char *q = malloc(size + 2);
    if (!q)
        return;
    q[0] = '"';
    memcpy(q + 1, in, size);
    q[size + 1] = '"';
    dfota_arg_check c;
    memset(&c, 0x5A, sizeof c);
    dfota_spec_check_arg(q, size + 2, &c);
    size_t rl = strnlen(c.reason, sizeof c.reason);
    CHECK(rl < sizeof c.reason);
    CHECK(c.cls == DFOTA_ARG_VALID ? rl == 0 : rl > 0);
    CHECK(c.url_len <= size && c.user_len <= size && c.password_len <= size && c.server_len <= size &&
          c.path_len <= size);
    free(q);

    /* What the emulator would fetch: a URL, or an input error and no URL. */
    char *fetch = NULL;
    dfota_err rc = dfota_emulator_fetch_url(in, size, &fetch);
    CHECK(rc == DFOTA_OK || rc == DFOTA_E_INPUT || rc == DFOTA_E_NOMEM);
    CHECK((rc == DFOTA_OK) == (fetch != NULL));
    if (fetch)
        CHECK(strncmp(fetch, "ftp://", 6) == 0 || strncmp(fetch, "http://", 7) == 0 ||
              strncmp(fetch, "https://", 8) == 0);
    free(fetch);
}

static void fuzz_redact(unsigned opt, const uint8_t *data, size_t size)
{
    /* Names a user adds are matched like the built-in ones, so redacting
     * twice must still be redacting once with them. */
    static int added;
    if (!added) {
        CHECK(dfota_redact_add_names("otp,Device-Pin") == DFOTA_OK);
        added = 1;
    }
    char *in = malloc(size ? size : 1); /* exactly the text: no NUL after it */
    if (!in)
        return;
    memcpy(in, data, size);
    size_t n = 0;
    char *out = redact_whole(in, size, &n);
    if (!out)
        goto done;

    /* Only secrets change: with no "://" there is no URL and nothing
     * changes; before the first one, nothing changes; and the bytes that
     * end a URL are never inside a secret, so they all stay, in order. */
    size_t sep = find_sep(in, size);
    if (sep == size)
        CHECK(n == size && memcmp(out, in, size) == 0);
    else
        CHECK(n >= sep + 3 && memcmp(out, in, sep + 3) == 0);
    CHECK(same_url_ends(in, size, out, n));
    if (!memchr(in, '\0', size))
        CHECK(!memchr(out, '\0', n));

    /* Redacting twice gives what redacting once gives. */
    size_t n2 = 0;
    char *again = redact_whole(out, n, &n2);
    if (again)
        CHECK(n2 == n && memcmp(again, out, n) == 0);
    free(again);

    /* Short buffers: never a cut text. The size comes from the options so
     * that both ends (one byte; exactly the text without its NUL) are met. */
    if (n > 0) {
        redact_short(in, size, n, 1);
        redact_short(in, size, n, n);
        redact_short(in, size, n, 1 + (size_t)opt * 7919u % n);
    }
    free(out);

    check_spec(in, size);
    if (opt & 1u)
        redact_known_secrets(in, size);
    if (opt & 2u)
        redact_field(in, size, 8 + (size_t)(opt >> 2) * 40u);
done:
    free(in);
}

/* ---- 1: USB identity ---------------------------------------------------- */

static void fuzz_usb_id(const uint8_t *data, size_t size)
{
    char *text = copy_text(data, size);
    char *err = malloc(DFOTA_ERRBUF);
    dfota_usb_id *id = malloc(sizeof *id);
    if (!text || !err || !id)
        goto done;
    memset(id, 'x', sizeof *id);
    err[0] = '\0';
    dfota_err rc = dfota_port_parse_usb_id(text, id, err, DFOTA_ERRBUF);
    if (rc == DFOTA_OK) {
        /* A longer serial number is refused, not cut. */
        size_t sl = strnlen(id->serial, sizeof id->serial);
        CHECK(sl < sizeof id->serial && sl <= DFOTA_PORT_SERIAL_MAX);
        CHECK(id->vid <= 0xFFFFu && id->pid <= 0xFFFFu);
        CHECK(id->iface >= -1);
        if (sl > 0)
            CHECK(strstr(text, id->serial) != NULL);
    } else {
        CHECK(rc == DFOTA_E_INPUT);
        check_message(err, DFOTA_ERRBUF);
    }
done:
    free(id);
    free(err);
    free(text);
}

/* ---- 2: serial spec ----------------------------------------------------- */

static void fuzz_serial_spec(unsigned opt, const uint8_t *data, size_t size)
{
    /* The port's buffer: the size the serial source uses, or a small one. */
    size_t cap = (opt & 1u) ? 1 + (opt >> 1) % 24u : DFOTA_PORT_NAME_MAX;
    char *spec = copy_text(data, size);
    char *port = malloc(cap);
    char *err = malloc(DFOTA_ERRBUF);
    if (!spec || !port || !err)
        goto done;
    dfota_port_opts po;
    double scale = -1;
    memset(port, 'x', cap);
    err[0] = '\0';
    dfota_err rc = dfota_source_parse_serial(spec, port, cap, &po, &scale, err, DFOTA_ERRBUF);
    if (rc == DFOTA_OK) {
        size_t pl = strnlen(port, cap);
        CHECK(pl > 0 && pl < cap);
        /* PORT is what comes before the first ',' */
        CHECK(strncmp(spec, port, pl) == 0 && (spec[pl] == '\0' || spec[pl] == ','));
        CHECK(po.baud == 0 || (po.baud >= 50 && po.baud <= 4000000));
        CHECK(po.flow == DFOTA_FLOW_NONE || po.flow == DFOTA_FLOW_RTSCTS);
        CHECK(po.settle_ms >= -1 && po.settle_ms <= 60000);
        CHECK(scale > 0 && scale <= 1000);
    } else {
        CHECK(rc == DFOTA_E_ARG || rc == DFOTA_E_TOO_BIG);
        check_message(err, DFOTA_ERRBUF);
        /* "DFOTA_E_TOO_BIG for a spec or PORT too long" */
        const char *comma = strchr(spec, ',');
        size_t pl = comma ? (size_t)(comma - spec) : strlen(spec);
        if (pl >= cap)
            CHECK(rc == DFOTA_E_TOO_BIG);
    }
done:
    free(err);
    free(port);
    free(spec);
}

/* ---- 3: scenario --------------------------------------------------------- */

#define SCENARIO_NAME "fuzz.yaml"

/* "FILE:LINE:COLUMN: " at the start of err (scenario.h). */
static void check_placed(const char *err, size_t cap)
{
    static const char prefix[] = SCENARIO_NAME ":";
    CHECK(memchr(err, '\0', cap) != NULL);
    CHECK(strncmp(err, prefix, sizeof prefix - 1) == 0);
    const char *p = err + sizeof prefix - 1;
    for (int field = 0; field < 2; field++) {
        CHECK(*p >= '0' && *p <= '9');
        while (*p >= '0' && *p <= '9')
            p++;
        CHECK(*p == ':');
        p++;
    }
    CHECK(*p == ' ' && p[1] != '\0');
}

/* Expands one send step with no variables given, into out of cap bytes. */
static void expand_step(const dfota_scenario *sc, const dfota_varset *vs, const char *text,
                        size_t cap)
{
    char *out = malloc(cap);
    char *err = malloc(DFOTA_ERRBUF);
    if (!out || !err)
        goto done;
    memset(out, 'x', cap);
    dfota_err rc = dfota_scenario_expand(sc, vs, text, out, cap, err, DFOTA_ERRBUF);
    if (rc == DFOTA_OK) {
        size_t n = strnlen(out, cap);
        CHECK(n < cap);
        if (!strstr(text, "${"))
            CHECK(strcmp(out, text) == 0);
    } else {
        CHECK(rc == DFOTA_E_INPUT || rc == DFOTA_E_TOO_BIG);
        check_message(err, DFOTA_ERRBUF);
    }
done:
    free(err);
    free(out);
}

/* Every error of the text (dfota_scenario_parse_all): each message placed
 * and bounded, the first the one dfota_scenario_parse gives, the same
 * status, at most DFOTA_SCENARIO_ERRORS_MAX and one "and N more". */
typedef struct {
    size_t n;
    char first[DFOTA_ERRBUF];
} fuzz_errors;

static void fuzz_error_seen(void *ctx, const char *message)
{
    fuzz_errors *e = ctx;
    size_t cap = strnlen(message, DFOTA_ERRBUF) + 1;
    CHECK(cap <= DFOTA_ERRBUF);
    if (e->n++ < DFOTA_SCENARIO_ERRORS_MAX)
        check_placed(message, cap);
    else
        CHECK(e->n == DFOTA_SCENARIO_ERRORS_MAX + 1 && strstr(message, " more errors") != NULL);
    if (e->n == 1)
        memcpy(e->first, message, cap);
}

static void fuzz_scenario_all(const char *text, size_t size, dfota_err want, const char *want_err)
{
    fuzz_errors *seen = calloc(1, sizeof *seen);
    char *err = malloc(DFOTA_ERRBUF);
    dfota_scenario unset, *sc = &unset;
    if (!seen || !err)
        goto done;
    dfota_err rc = dfota_scenario_parse_all(SCENARIO_NAME, text, size, &sc, err, DFOTA_ERRBUF,
                                            fuzz_error_seen, seen);
    CHECK(rc == want);
    if (rc != DFOTA_OK) {
        CHECK(sc == NULL && seen->n >= 1);
        CHECK(strcmp(err, want_err) == 0 && strcmp(seen->first, want_err) == 0);
    } else {
        CHECK(sc != NULL && seen->n == 0);
    }
done:
    if (sc != &unset)
        dfota_scenario_free(sc);
    free(err);
    free(seen);
}

static void fuzz_scenario(unsigned opt, const uint8_t *data, size_t size)
{
    /* The text as a file's bytes: no NUL after it. */
    char *text = malloc(size ? size : 1);
    char *err = malloc(DFOTA_ERRBUF);
    dfota_scenario unset, *sc = &unset; /* must become NULL on error */
    if (!text || !err)
        goto done;
    memcpy(text, data, size);
    dfota_err rc = dfota_scenario_parse(SCENARIO_NAME, text, size, &sc, err, DFOTA_ERRBUF);
    fuzz_scenario_all(text, size, rc, err);
    if (rc != DFOTA_OK) {
        CHECK(sc == NULL);
        CHECK(rc == DFOTA_E_INPUT || rc == DFOTA_E_TOO_BIG || rc == DFOTA_E_NOMEM);
        check_placed(err, DFOTA_ERRBUF);
        goto done;
    }
    CHECK(sc != NULL && sc->n_steps >= 1 && sc->n_steps <= DFOTA_SCENARIO_STEPS_MAX);
    CHECK(sc->name && sc->section && strcmp(sc->file, SCENARIO_NAME) == 0);
    CHECK(sc->n_vars <= DFOTA_SCENARIO_VARS_MAX && sc->n_tags <= DFOTA_SCENARIO_TAGS_MAX);
    dfota_varset vs;
    dfota_varset_init(&vs);
    for (size_t i = 0; i < sc->n_steps; i++) {
        const dfota_step *st = &sc->steps[i];
        CHECK(st->n_codes <= DFOTA_SCENARIO_CODES_MAX);
        if (st->kind != DFOTA_STEP_SEND)
            continue;
        CHECK(st->text != NULL);
        expand_step(sc, &vs, st->text, DFOTA_AT_LINE_MAX + 1);
        if (opt & 1u) /* a short buffer: an error, never a write past it */
            expand_step(sc, &vs, st->text, 1 + (opt >> 1) % 16u);
    }
    dfota_varset_free(&vs);
done:
    if (sc != &unset)
        dfota_scenario_free(sc);
    free(err);
    free(text);
}

/* A --fault argument: the kind copied into a buffer of exactly the size
 * given, f->kind pointing at it; an error says what is wrong. */
static void fuzz_fault(unsigned opt, const uint8_t *data, size_t size)
{
    char *arg = malloc(size + 1), *err = malloc(DFOTA_ERRBUF);
    size_t cap = 1 + (opt >> 1) % 48u;
    char *kind = malloc(cap);
    if (!arg || !err || !kind)
        goto done;
    memcpy(arg, data, size);
    arg[size] = '\0';
    dfota_fault f;
    memset(&f, 0, sizeof f);
    dfota_err rc = dfota_emulator_fault_parse(arg, &f, kind, cap, err, DFOTA_ERRBUF);
    if (rc == DFOTA_OK) {
        CHECK(f.kind == kind && memchr(kind, '\0', cap) != NULL);
        CHECK(f.times >= 0);
    } else {
        CHECK(rc == DFOTA_E_INPUT);
        check_message(err, DFOTA_ERRBUF);
    }
done:
    free(kind);
    free(err);
    free(arg);
}

/* ---- a model file (--model FILE) --------------------------------------- */

static void fuzz_model(const uint8_t *data, size_t size)
{
    char *text = malloc(size ? size : 1), *err = malloc(DFOTA_ERRBUF);
    if (text && err) {
        memcpy(text, data, size);
        dfota_err rc = dfota_emulator_model_check("fuzz.yaml", text, size, err, DFOTA_ERRBUF);
        CHECK(rc == DFOTA_OK || rc == DFOTA_E_INPUT || rc == DFOTA_E_NOMEM);
        if (rc == DFOTA_E_INPUT) {
            check_message(err, DFOTA_ERRBUF);
            CHECK(strncmp(err, "fuzz.yaml", 9) == 0);
        }
    }
    free(err);
    free(text);
}

/* ---- entry ------------------------------------------------------------- */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    unsigned which = data[0] & 3u, opt = data[0] >> 2;
    switch (which) {
    case 0: fuzz_redact(opt, data + 1, size - 1); break;
    case 1:
        if (opt & 2u)
            fuzz_model(data + 1, size - 1);
        else if (opt & 1u)
            fuzz_fault(opt, data + 1, size - 1);
        else
            fuzz_usb_id(data + 1, size - 1);
        break;
    case 2: fuzz_serial_spec(opt, data + 1, size - 1); break;
    default: fuzz_scenario(opt, data + 1, size - 1); break;
    }
    return 0;
}
