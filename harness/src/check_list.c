/* SPDX-License-Identifier: MIT */
/* check_list.c - dfota check --files-from: the list of paths, read an
 * entry at a time (a list of millions of paths is never held whole), each
 * entry bounded. */
#define _DEFAULT_SOURCE /* getc_unlocked */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cli.h"

struct check_list {
    FILE *f;
    int is_stdin;
    int sep, keyed, eof;
    unsigned long entry, bad;
    char name[CLI_SHOWN_MAX]; /* as shown */
    char buf[CHECK_LIST_KEY_MAX + 1 + CHECK_LIST_PATH_MAX + 1];
};

check_list *check_list_open(const char *path, int sep, int keyed)
{
    check_list *l = calloc(1, sizeof *l);
    char b[CLI_SHOWN_MAX];
    if (!l) {
        fprintf(stderr, "dfota check: out of memory\n");
        return NULL;
    }
    l->is_stdin = strcmp(path, "-") == 0;
    l->f = l->is_stdin ? stdin : fopen(path, "rb");
    if (!l->f) {
        fprintf(stderr, "dfota check: --files-from %s: cannot open: %s\n",
                cli_shown(path, b, sizeof b), strerror(errno));
        free(l);
        return NULL;
    }
    l->sep = sep;
    l->keyed = keyed;
    snprintf(l->name, sizeof l->name, "%s", l->is_stdin ? "<stdin>" : cli_shown(path, b, sizeof b));
    return l;
}

/* An entry that is not a path: said, counted, skipped. */
static void skip(check_list *l, const char *why)
{
    fprintf(stderr, "dfota check: --files-from %s: entry %lu: %s: skipped\n", l->name, l->entry, why);
    l->bad++;
}

int check_list_next(check_list *l, const char **path, const char **key)
{
    size_t limit = l->keyed ? sizeof l->buf - 1 : CHECK_LIST_PATH_MAX;
    while (!l->eof) {
        size_t n = 0;
        int c, over = 0, nul = 0;
        while ((c = getc_unlocked(l->f)) != EOF && c != l->sep) {
            nul |= c == '\0';
            if (n < limit)
                l->buf[n++] = (char)c;
            else
                over = 1; /* read to the entry's end, kept no further */
        }
        if (c == EOF) {
            if (ferror(l->f)) {
                fprintf(stderr, "dfota check: --files-from %s: cannot read: %s\n", l->name,
                        strerror(errno));
                return -1;
            }
            l->eof = 1;
            if (n == 0 && !over)
                return 0; /* the last entry ended with the separator */
        }
        l->entry++; /* empty ones too: in a list of lines, the entry is the line */
        if (n == 0 && !over)
            continue;
        l->buf[n] = '\0';
        char why[128];
        if (over) {
            if (l->keyed)
                snprintf(why, sizeof why, "longer than %zu bytes (a KEY is at most %d, a PATH %d)",
                         limit, CHECK_LIST_KEY_MAX, CHECK_LIST_PATH_MAX);
            else
                snprintf(why, sizeof why, "longer than %zu bytes (a path is at most that)", limit);
            skip(l, why);
            continue;
        }
        if (nul) {
            skip(l, "a NUL byte in a line (a list of NUL-separated paths is read with -0)");
            continue;
        }
        if (!l->keyed) {
            if (l->is_stdin && strcmp(l->buf, "-") == 0) {
                skip(l, "- is standard input, which holds this list");
                continue;
            }
            *path = l->buf;
            *key = NULL;
            return 1;
        }
        char *tab = memchr(l->buf, '\t', n);
        if (!tab) {
            skip(l, "no TAB between KEY and PATH (--keyed)");
            continue;
        }
        *tab = '\0';
        size_t klen = (size_t)(tab - l->buf), plen = n - klen - 1;
        if (plen == 0) {
            skip(l, "no PATH after the TAB (--keyed)");
            continue;
        }
        if (klen > CHECK_LIST_KEY_MAX || plen > CHECK_LIST_PATH_MAX) {
            snprintf(why, sizeof why, "a %s longer than %d bytes",
                     klen > CHECK_LIST_KEY_MAX ? "KEY" : "PATH",
                     klen > CHECK_LIST_KEY_MAX ? CHECK_LIST_KEY_MAX : CHECK_LIST_PATH_MAX);
            skip(l, why);
            continue;
        }
        if (l->is_stdin && strcmp(tab + 1, "-") == 0) {
            skip(l, "- is standard input, which holds this list");
            continue;
        }
        *key = l->buf;
        *path = tab + 1;
        return 1;
    }
    return 0;
}

unsigned long check_list_bad(const check_list *l)
{
    return l->bad;
}

void check_list_close(check_list *l)
{
    if (!l)
        return;
    if (!l->is_stdin)
        fclose(l->f);
    free(l);
}
