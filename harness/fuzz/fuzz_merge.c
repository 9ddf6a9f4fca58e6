/* SPDX-License-Identifier: MIT */
/* fuzz_merge.c - libFuzzer target for dfota merge's reader and writers: the
 * input is read as JSONL shards (fmemopen -> dfota_merge_read), the way
 * `dfota merge` reads them, then written as JSON, text and the page, in
 * memory (open_memstream).
 *
 * The first byte picks the options: bit 0 allow_mixed, bit 1
 * allow_truncated, bits 2-3 the top (0, 1, 3, 10), bit 4 a line_max of
 * 4 KiB (else the default), bit 5 the input cut in two shards at the place
 * the second byte says, bit 6 the JSON indented. Each must hold:
 *   - reading returns DFOTA_OK or an error, with a message that names the
 *     shard and holds no control byte;
 *   - the JSON parses (jansson), and says the files the totals say;
 *   - the text holds no control byte but a line end;
 *   - the page holds no tag it does not write itself (no "<script", no
 *     "<img", no "<a "), and its Content-Security-Policy once.
 *
 * Contract violations abort() so that libFuzzer keeps the input as a crash.
 * Everything is freed: LeakSanitizer runs after each input. */
#define _GNU_SOURCE /* open_memstream, fmemopen, memmem */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfota/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond, what)                                                                    \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            fprintf(stderr, "fuzz_merge: %s:%d: check failed: %s (%s)\n", __FILE__, __LINE__, \
                    #cond, what);                                                            \
            abort();                                                                         \
        }                                                                                    \
    } while (0)

static void no_control(const char *s, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\n') || c == 0x7f) {
            fprintf(stderr, "fuzz_merge: %s: byte 0x%02x at %zu\n", what, c, i);
            CHECK(0, what);
        }
    }
}

static void quiet(void *ctx, const char *msg)
{
    (void)ctx;
    no_control(msg, strlen(msg), "a warning");
}

/* Reads data[0..n) as one shard: DFOTA_OK or an error said well. */
static dfota_err shard(dfota_merge *m, const uint8_t *data, size_t n, const char *name)
{
    static char empty[1];
    FILE *in = fmemopen(n ? (void *)(uintptr_t)data : empty, n ? n : 1, "r");
    CHECK(in != NULL, "fmemopen");
    if (n == 0)
        (void)fgetc(in);
    char err[2048];
    dfota_err rc = dfota_merge_read(m, in, name, err, sizeof err);
    fclose(in);
    if (rc != DFOTA_OK) {
        CHECK(rc == DFOTA_E_INPUT || rc == DFOTA_E_TOO_BIG, err);
        CHECK(strncmp(err, name, strlen(name)) == 0, err);
        no_control(err, strlen(err), "an error");
    }
    return rc;
}

typedef struct {
    char *buf;
    size_t len;
    FILE *f;
} mem;

static void mem_open(mem *o)
{
    o->buf = NULL;
    o->len = 0;
    o->f = open_memstream(&o->buf, &o->len);
    CHECK(o->f != NULL, "open_memstream");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    static const unsigned tops[4] = {0, 1, 3, 10};
    dfota_merge_opts o;
    memset(&o, 0, sizeof o);
    o.allow_mixed = data[0] & 1;
    o.allow_truncated = (data[0] >> 1) & 1;
    o.top = tops[(data[0] >> 2) & 3];
    o.line_max = data[0] & 16 ? 4096 : 0;
    o.warn = quiet;
    int split = data[0] & 32, pretty = data[0] & 64;
    size_t at = data[1] * (size - 2) / 255;
    data += 2;
    size -= 2;
    dfota_merge *m = dfota_merge_new(&o);
    CHECK(m != NULL, "dfota_merge_new");
    dfota_err rc = split ? shard(m, data, at, "one.jsonl") : shard(m, data, size, "shard.jsonl");
    if (rc == DFOTA_OK && split)
        rc = shard(m, data + at, size - at, "two.jsonl");
    if (rc == DFOTA_OK) {
        dfota_merge_totals t;
        dfota_merge_get_totals(m, &t);
        mem j, tx, h;
        mem_open(&j);
        mem_open(&tx);
        mem_open(&h);
        char err[DFOTA_ERRBUF];
        CHECK(dfota_merge_write_json(j.f, m, pretty) == DFOTA_OK, "the JSON");
        CHECK(dfota_merge_write_text(tx.f, m, 0) == DFOTA_OK, "the text");
        CHECK(dfota_merge_write_html(h.f, m, err, sizeof err) == DFOTA_OK, err);
        fclose(j.f);
        fclose(tx.f);
        fclose(h.f);
        json_error_t e;
        json_t *doc = json_loadb(j.buf, j.len, 0, &e);
        CHECK(doc != NULL, e.text);
        CHECK((uint64_t)json_integer_value(json_object_get(json_object_get(doc, "summary"), "files")) == t.files,
              "the JSON's files");
        json_decref(doc);
        no_control(tx.buf, tx.len, "the text");
        CHECK(!memmem(h.buf, h.len, "<script", 7) && !memmem(h.buf, h.len, "<img", 4) &&
                  !memmem(h.buf, h.len, "<a ", 3),
              "a tag on the page");
        static const char meta[] = "<meta http-equiv=\"Content-Security-Policy\"";
        const char *csp = memmem(h.buf, h.len, meta, sizeof meta - 1);
        CHECK(csp && !memmem(csp + 1, h.len - (size_t)(csp + 1 - h.buf), meta, sizeof meta - 1), "one policy");
        free(j.buf);
        free(tx.buf);
        free(h.buf);
    }
    dfota_merge_free(m);
    return 0;
}
