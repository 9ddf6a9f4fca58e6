/* SPDX-License-Identifier: MIT */
/* words.c - the messages of the scenario room ("FILE:LINE:COLUMN: ...",
 * untrusted text as it is shown) and the words a scenario is made of
 * (names, tags, variables, sections, ${NAME} references) (tree.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/tree.h"
#include "base/text.h"

/* ---- messages ------------------------------------------------------------ */

/* Writes "FILE:LINE:COLUMN: message" into err. A message cut by a short
 * buffer ends in "..." so that the cut shows. Returns rc. */
dfota_err scn_vfail_at(char *err, size_t errlen, const char *file, unsigned long line,
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
dfota_err scn_fail_at(char *err, size_t errlen, const char *file, unsigned long line,
                  unsigned long col, dfota_err rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    scn_vfail_at(err, errlen, file, line, col, rc, fmt, ap);
    va_end(ap);
    return rc;
}

/* A message without a place (dfota_varset_add, dfota_scenario_expand). */
DFOTA_PRINTF(4, 5)
dfota_err scn_fail_plain(char *err, size_t errlen, dfota_err rc, const char *fmt, ...)
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
const char *scn_shown(const char *s, size_t n, char *buf, size_t cap)
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

char *scn_dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* ---- words ---------------------------------------------------------------- */

static int is_lower_digit(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* [a-z0-9][a-z0-9.-]* */
int scn_is_scenario_name(const char *s, size_t n)
{
    if (n == 0 || !is_lower_digit(s[0]))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!is_lower_digit(s[i]) && s[i] != '.' && s[i] != '-')
            return 0;
    return 1;
}

/* [a-z0-9-]+ */
int scn_is_word(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!is_lower_digit(s[i]) && s[i] != '-')
            return 0;
    return 1;
}

/* [A-Z_][A-Z0-9_]* */
int scn_is_var_name(const char *s, size_t n)
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
int scn_is_section(const char *s, size_t n)
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
int scn_next_ref(const char *s, size_t n, size_t *pos, size_t *start, size_t *at,
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
        return scn_is_var_name(s + *at, *len) ? 1 : -2;
    }
    return 0;
}
