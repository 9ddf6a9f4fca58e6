/* SPDX-License-Identifier: MIT */
/* notes.c - a person's notes in a pasted log (notes.h). */
#include <string.h>

#include "notes.h"
#include "base/text.h"

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* A line that stands for lines left out: "...", "…", "[...]", "(...)",
 * "<...>", "[snip]", ". . .". */
static int elision(const char *s, size_t n)
{
    static const char *const whole[] = {"[...]", "(...)", "<...>", "[\xe2\x80\xa6]", "(\xe2\x80\xa6)",
                                        "[snip]", "<snip>", "(snip)", "snip", "[..]", "\xe2\x80\xa6"};
    while (n > 0 && is_blank(s[n - 1]))
        n--;
    while (n > 0 && is_blank(s[0]))
        s++, n--;
    if (n == 0 || n > 24)
        return 0;
    for (size_t i = 0; i < sizeof whole / sizeof whole[0]; i++)
        if (text_equals_ci(s, n, whole[i]))
            return 1;
    size_t dots = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.')
            dots++;
        else if (s[i] != ' ')
            return 0;
    }
    return dots >= 2;
}

/* A FOTA URC from the guide's examples whose argument is a placeholder:
 * "UPDATING",n  "UPDATING",<percent>  "END",<err>  "END",x. */
static int placeholder(const char *s, size_t n)
{
    while (n > 0 && is_blank(s[n - 1]))
        n--;
    size_t i = n;
    while (i > 0 && n - i < 16 && ((s[i - 1] >= 'a' && s[i - 1] <= 'z') || (s[i - 1] >= 'A' && s[i - 1] <= 'Z') ||
                                   s[i - 1] == '_' || s[i - 1] == '<' || s[i - 1] == '>' || s[i - 1] == ' '))
        i--;
    if (i == n || i == 0 || s[i - 1] != ',')
        return 0;
    const char *w = s + i;
    size_t wl = n - i;
    while (wl > 0 && *w == ' ')
        w++, wl--;
    int angle = wl >= 3 && w[0] == '<' && w[wl - 1] == '>';
    int word = wl >= 1 && wl <= 2 && w[0] != '<' && w[wl - 1] != '>';
    if (!angle && !word)
        return 0;
    for (size_t k = 0; k + 4 <= i; k++)
        if (memcmp(s + k, "FOTA", 4) == 0)
            return 1;
    return 0;
}

/* Does a trailing note start at s[i] (blanks before it, outside quotes)? */
static int note_at(const char *s, size_t n, size_t i)
{
    size_t r = n - i;
    if (s[i] == '#')
        return r == 1 || is_blank(s[i + 1]) || s[i + 1] == '#' || s[i + 1] == '!';
    if (s[i] == '/')
        return r >= 2 && s[i + 1] == '/';
    if (s[i] == '<') /* <-- <- <== <= followed by a blank or the end */
        return r >= 2 && (s[i + 1] == '-' || s[i + 1] == '=') &&
               (r == 2 || is_blank(s[i + 2]) ||
                ((s[i + 2] == '-' || s[i + 2] == '=') && (r == 3 || is_blank(s[i + 3]))));
    if (s[i] == '\xe2') /* ← */
        return r >= 3 && s[i + 1] == '\x86' && s[i + 2] == '\x90';
    return 0;
}

long dfota_notes_strip(const char *s, size_t n, const char **note)
{
    *note = NULL;
    size_t a = 0;
    while (a < n && is_blank(s[a]))
        a++;
    if (a == n)
        return (long)n;
    if (s[a] == '#' || (n - a >= 2 && s[a] == '/' && s[a + 1] == '/') || elision(s + a, n - a) ||
        placeholder(s + a, n - a)) {
        *note = s;
        return -1;
    }
    int quoted = 0;
    for (size_t i = a + 1; i < n; i++) {
        if (s[i] == '"')
            quoted = !quoted;
        if (quoted || !is_blank(s[i - 1]) || !note_at(s, n, i))
            continue;
        *note = s + i;
        while (i > 0 && is_blank(s[i - 1]))
            i--;
        return (long)i;
    }
    return (long)n;
}
