/* SPDX-License-Identifier: MIT */
/* package.c - the package in memory and its header (dfota/emulator.h
 * gives the format): the END code a package earns. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "emulator/module.h"

/* ---- packages ------------------------------------------------------------ */

int em_buf_append(buffer *b, const void *p, size_t n)
{
    if (n > b->cap - b->len) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap - b->len < n)
            cap *= 2;
        uint8_t *d = realloc(b->data, cap);
        if (!d)
            return -1;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

void em_buf_free(buffer *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

typedef struct {
    char from[EM_VERSION_MAX + 1], to[EM_VERSION_MAX + 1];
    uint64_t size;
    uint32_t crc;
} pkg_header;

/* The next header line if it starts with key; *val is what follows it. */
static int header_line(const uint8_t **p, const uint8_t *end, const char *key, const char **val,
                       size_t *vlen)
{
    const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
    size_t klen = strlen(key);
    if (!nl || (size_t)(nl - *p) < klen || memcmp(*p, key, klen) != 0)
        return 0;
    *val = (const char *)*p + klen;
    *vlen = (size_t)(nl - *p) - klen;
    *p = nl + 1;
    return 1;
}

static int version_copy(char *dst, const char *s, size_t n)
{
    if (n == 0 || n > EM_VERSION_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] <= ' ' || s[i] > '~')
            return 0;
    memcpy(dst, s, n);
    dst[n] = '\0';
    return 1;
}

static int decimal(const char *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    if (n == 0 || n > 18)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return 1;
}

static int crc_hex(const char *s, size_t n, uint32_t *out)
{
    uint32_t v = 0;
    if (n != 8)
        return 0;
    for (size_t i = 0; i < n; i++) {
        int d = s[i] >= '0' && s[i] <= '9' ? s[i] - '0' : s[i] >= 'a' && s[i] <= 'f' ? s[i] - 'a' + 10 : -1;
        if (d < 0)
            return 0;
        v = v << 4 | (uint32_t)d;
    }
    *out = v;
    return 1;
}

/* Parses the header (emulator.h); returns the header's length, 0 when it is
 * not one. */
static size_t pkg_parse(const uint8_t *data, size_t len, pkg_header *h)
{
    if (!data || len == 0)
        return 0; /* an empty file holds no package (and no bytes to look at) */
    const uint8_t *p = data, *end = data + (len < EM_PKG_HEADER_MAX ? len : EM_PKG_HEADER_MAX);
    const char *v;
    size_t n;
    int ok = header_line(&p, end, "DFOTA-PKG 1", &v, &n) && n == 0 &&
             header_line(&p, end, "from: ", &v, &n) && version_copy(h->from, v, n) &&
             header_line(&p, end, "to: ", &v, &n) && version_copy(h->to, v, n) &&
             header_line(&p, end, "size: ", &v, &n) && decimal(v, n, &h->size) &&
             header_line(&p, end, "crc32: ", &v, &n) && crc_hex(v, n, &h->crc) &&
             header_line(&p, end, "", &v, &n) && n == 0;
    return ok ? (size_t)(p - data) : 0;
}

/* The END code the package earns: 505 corrupt, 510 for another source
 * version, 0 with em->target set. */
long em_pkg_verdict(dfota_emulator *em)
{
    pkg_header h;
    size_t hl = pkg_parse(em->pkg.data, em->pkg.len, &h);
    if (hl == 0 || em->pkg.len - hl != h.size ||
        dfota_crc32(0, em->pkg.data + hl, em->pkg.len - hl) != h.crc)
        return 505;
    if (strcmp(h.from, em->firmware) != 0)
        return 510;
    memcpy(em->target, h.to, sizeof em->target);
    return 0;
}
