/* SPDX-License-Identifier: MIT */
/* notes.h - what a person adds to a log before pasting it (not public
 * API): "// ..." and "# ..." after a line or on a line of its own, "<-- ..."
 * arrows, "..." "…" "[...]" "[snip]" elisions, placeholders from the
 * guide's examples ("UPDATING",n, "UPDATING",<percent>). None of it is the
 * module's bytes. */
#ifndef DFOTA_LIB_NOTES_H
#define DFOTA_LIB_NOTES_H

#include <stddef.h>
#include <string.h>

/* The length of s[0..n) once a person's note is cut off its end, or -1
 * when the whole line is one. *note is where the note starts (s when the
 * whole line is one), NULL when there is none. A '//' or '#' inside double
 * quotes (a URL) is the text's own. */
long dfota_notes_strip(const char *s, size_t n, const char **note);

/* The characters a note starts with inside a line ('#', '/', '<', and the
 * first byte of '←' and '…'): a line with none of them, for which
 * dfota_notes_edge is false too, holds no note. */
#define DFOTA_NOTES_CHARS "#/<\xe2"

/* Can s[0..n) be an elision or a placeholder line? A cheap look at its
 * first and last bytes: false for most lines a module sends. */
static inline int dfota_notes_edge(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    char first = s[0];
    if (first == '.' || first == '[' || first == '(' || first == 's')
        return 1; /* an elision may start so */
    /* a placeholder ends with a short word after a comma: ",n" ", xx" ",<percent>" */
    char last = s[n - 1], prev = n >= 2 ? s[n - 2] : 0, prev2 = n >= 3 ? s[n - 3] : 0;
    int letter = (last >= 'a' && last <= 'z') || (last >= 'A' && last <= 'Z');
    int letter2 = (prev >= 'a' && prev <= 'z') || (prev >= 'A' && prev <= 'Z');
    return last == '>' || (letter && (prev == ',' || ((letter2 || prev == ' ') && prev2 == ',') ||
                                      (letter2 && prev2 == ' ' && n >= 4 && s[n - 4] == ',')));
}

#endif
