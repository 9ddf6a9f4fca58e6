/* SPDX-License-Identifier: MIT */
/* v250.c - a command line split into its commands, as ITU-T V.250 (5.2,
 * 5.4) and 3GPP TS 27.007 (4.0) define it (emulator/module.h).
 *
 * What follows "AT" is a sequence of commands:
 *   - basic: a letter, or '&' and a letter, with an optional decimal
 *     number ("E0", "V1", "X4", "&C1", "Z", "I"); 'D' (dial) takes the rest
 *     of the line;
 *   - S-parameters: 'S', a number, then '?', '=?' or '=' and a number
 *     ("S3=13", "S4?");
 *   - extended: '+' and a name of letters, digits and "!%-./:_", then its
 *     arguments ("=...", "?", "=?") up to a ';' outside double quotes or
 *     the end of the line.
 * Basic commands follow one another with nothing between; an extended
 * command is ended by ';' (a ';' after any command is taken). Blanks
 * outside quotes are ignored, as V.250 5.2.1 lets a DCE do, except inside
 * an extended command's arguments, where the command's own parser sees
 * them. Case is the handler's business: the text is left as written. */
#include <string.h>

#include "emulator/module.h"

static int is_alpha(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_name_char(char c)
{
    return is_alpha(c) || is_digit(c) || (c && strchr("!%-./:_", c));
}

/* The arguments of an extended command from s[i]: up to an unquoted ';'
 * or the end; -1 for a quote left open. */
static long ext_args_end(const char *s, size_t n, size_t i)
{
    int quoted = 0;
    for (; i < n; i++) {
        if (s[i] == '"')
            quoted = !quoted;
        else if (s[i] == ';' && !quoted)
            return (long)i;
    }
    return quoted ? -1 : (long)n;
}

static size_t digits(const char *s, size_t n, size_t i)
{
    while (i < n && is_digit(s[i]))
        i++;
    return i;
}

int em_v250_split(const char *s, size_t n, em_cmd *out, size_t cap)
{
    size_t i = 0, k = 0;
    while (i < n) {
        if (s[i] == ' ' || s[i] == ';') {
            i++;
            continue;
        }
        if (k == cap)
            return -1;
        em_cmd *c = &out[k];
        size_t start = i;
        c->text = s + i;
        if (s[i] == '+' || s[i] == '^' || s[i] == '$') {
            /* extended (and the vendors' '^' and '$' ones) */
            i++;
            size_t name = i;
            while (i < n && is_name_char(s[i]))
                i++;
            if (i == name)
                return -1;
            c->name_len = i - start;
            long end = ext_args_end(s, n, i);
            if (end < 0)
                return -1;
            i = (size_t)end;
            c->extended = 1;
        } else if (s[i] == 'S' || s[i] == 's') {
            size_t j = digits(s, n, i + 1);
            if (j == i + 1)
                return -1;
            c->name_len = j - start;
            if (j < n && s[j] == '?')
                j++;
            else if (j + 1 < n && s[j] == '=' && s[j + 1] == '?')
                j += 2;
            else if (j < n && s[j] == '=') {
                size_t v = digits(s, n, j + 1);
                if (v == j + 1)
                    return -1;
                j = v;
            }
            i = j;
            c->extended = 0;
        } else if (s[i] == 'D' || s[i] == 'd') {
            c->name_len = 1;
            i = n; /* dial: the rest of the line is its string */
            c->extended = 0;
        } else if (is_alpha(s[i]) || (s[i] == '&' && i + 1 < n && is_alpha(s[i + 1]))) {
            i += s[i] == '&' ? 2 : 1;
            c->name_len = i - start;
            i = digits(s, n, i);
            c->extended = 0;
        } else {
            return -1;
        }
        c->len = i - start;
        k++;
    }
    return (int)k;
}
