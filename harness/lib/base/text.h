/* SPDX-License-Identifier: MIT */
/* text.h - small text helpers shared inside the core (not public API).
 * AT commands and stages compare case-insensitively in ASCII only; the
 * locale never enters into it. */
#ifndef DFOTA_LIB_TEXT_H
#define DFOTA_LIB_TEXT_H

#include <stddef.h>
#include <string.h>

/* Appends s to buf, which holds *len bytes and a NUL in cap bytes: what
 * fits, cut where the buffer ends (as snprintf would cut it), and the
 * NUL. Plain copies for text made by the million (an upgrade's words, a
 * shown reason): no format string to read. */
static inline void text_append(char *buf, size_t cap, size_t *len, const char *s)
{
    if (cap == 0 || *len >= cap - 1)
        return;
    size_t n = strlen(s), room = cap - 1 - *len;
    if (n > room)
        n = room;
    memcpy(buf + *len, s, n);
    *len += n;
    buf[*len] = '\0';
}

static inline int text_lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/* Does s[0..n) start with the NUL-terminated word, ignoring ASCII case? */
static inline int text_starts_ci(const char *s, size_t n, const char *word)
{
    for (size_t i = 0; word[i]; i++)
        if (i >= n || text_lower((unsigned char)s[i]) != text_lower((unsigned char)word[i]))
            return 0;
    return 1;
}

/* Is s[0..n) a prefix of the word, ignoring ASCII case? */
static inline int text_is_prefix_ci(const char *s, size_t n, const char *word)
{
    for (size_t i = 0; i < n; i++)
        if (!word[i] || text_lower((unsigned char)s[i]) != text_lower((unsigned char)word[i]))
            return 0;
    return 1;
}

static inline int text_equals_ci(const char *s, size_t n, const char *word)
{
    return strlen(word) == n && text_starts_ci(s, n, word);
}

/* Length of the double quote at p: 1 for '"', 3 for a typographic one
 * (U+201C-U+201F, what chat and forum tools make of pasted logs), else 0. */
static inline size_t text_quote_len(const char *p, const char *end)
{
    if (p < end && *p == '"')
        return 1;
    if (end - p >= 3 && (unsigned char)p[0] == 0xE2 && (unsigned char)p[1] == 0x80 &&
        (unsigned char)p[2] >= 0x9C && (unsigned char)p[2] <= 0x9F)
        return 3;
    return 0;
}

/* The first pat[0..pl) in s[0..n), or NULL (memmem without its feature
 * macro). */
static inline const char *text_find(const char *s, size_t n, const char *pat, size_t pl)
{
    for (size_t i = 0; i + pl <= n; i++)
        if (s[i] == pat[0] && memcmp(s + i, pat, pl) == 0)
            return s + i;
    return NULL;
}

/* The length of the well-formed UTF-8 character of 2 to 4 bytes at p (n
 * bytes left), as RFC 3629 has it (no overlong form, no surrogate, nothing
 * past U+10FFFF), or 0 when there is none. */
static inline size_t text_utf8_len(const unsigned char *p, size_t n)
{
    unsigned char c = p[0], lo = 0x80, hi = 0xBF;
    size_t need;
    if (c >= 0xC2 && c <= 0xDF)
        need = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        if (c == 0xE0)
            lo = 0xA0; /* overlong below */
        else if (c == 0xED)
            hi = 0x9F; /* surrogates above */
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        if (c == 0xF0)
            lo = 0x90; /* overlong below */
        else if (c == 0xF4)
            hi = 0x8F; /* past U+10FFFF above */
    } else
        return 0;
    if (n < need || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < need; i++)
        if (p[i] < 0x80 || p[i] > 0xBF)
            return 0;
    return need;
}

/* Where to cut s[0..k) so that no UTF-8 sequence is split: dfota_escape
 * judges a sequence only within the bytes it is given. */
static inline size_t text_utf8_cut(const char *s, size_t k)
{
    size_t back = 0;
    while (k > 1 && back < 3 && ((unsigned char)s[k] & 0xC0) == 0x80) {
        k--;
        back++;
    }
    return k;
}

/* v in decimal, written to end just before end (20 bytes before it hold
 * any long long): returns where it starts. No format string to read: the
 * JSON writer and an upgrade's words write numbers by the million. */
static inline char *text_decimal(long long v, char *end)
{
    unsigned long long u = v < 0 ? 0 - (unsigned long long)v : (unsigned long long)v;
    do
        *--end = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0)
        *--end = '-';
    return end;
}

/* Ends text, an array of n bytes holding a NUL-terminated text, in "..."
 * within those n bytes, never inside a UTF-8 character: says that it was
 * cut, and what stays is still UTF-8 (XML and JSON readers refuse less). */
static inline void text_cut_marked(char *text, size_t n)
{
    if (n == 0)
        return;
    if (n < 4) {
        memset(text, '.', n - 1);
        text[n - 1] = '\0';
        return;
    }
    size_t keep = n - 4;
    while (keep > 0 && ((unsigned char)text[keep] & 0xC0) == 0x80)
        keep--;
    memcpy(text + keep, "...", 4);
}

#endif
