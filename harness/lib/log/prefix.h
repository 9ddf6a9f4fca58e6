/* SPDX-License-Identifier: MIT */
/* prefix.h - the prefix a log's writer puts before every line (not public
 * API). A logger, a terminal program or a host's own code writes a time
 * in one of a few forms, then fields of its own (a host, a tag "name[pid]:",
 * a logger name, a level), then sometimes a direction marker ([TX], Recv:,
 * > ...), then the text that crossed the port. None of it is the module's.
 *
 * The shape is learnt once from the first lines of a file
 * (dfota_prefix_learn) and then taken off each line (dfota_prefix_take),
 * which costs one time parser and a walk over the learnt fields: no list
 * of every known form is tried per line, and nothing is allocated. */
#ifndef DFOTA_LIB_PREFIX_H
#define DFOTA_LIB_PREFIX_H

#include <stddef.h>
#include <stdint.h>

/* A blank between the parts of a prefix (forms.c and prefix.c). */
static inline int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Time forms a prefix may start with. */
typedef enum {
    DFOTA_TIME_NONE = 0,
    DFOTA_TIME_CLOCK,    /* [YYYY-MM-DD HH:MM:SS.fff] and kin: brackets, date (- or /, T or
                          * blank), fraction after . , or :, Z or an offset all optional;
                          * a direction word may close the brackets: [... Recv] */
    DFOTA_TIME_SYSLOG,   /* Jan  2 10:00:01[.ffffff]: syslog, journald's short, moreutils ts */
    DFOTA_TIME_TERATERM, /* [Tue Jan 02 10:00:00.123 2024] */
    DFOTA_TIME_DOTTED,   /* 02.01.2024 10:00:00.123 (Docklight: day first) */
    DFOTA_TIME_ELAPSED,  /* [3.123456 0.000100] grabserial: seconds since the start, delta */
    DFOTA_TIME_EPOCH,    /* 1704189600.123: seconds since 1970 (a terminal's Unix time) */
    DFOTA_TIME_FORMS
} dfota_time_form;

#define DFOTA_PREFIX_FIELDS_MAX 8
#define DFOTA_PREFIX_LEAD_MAX 3
#define DFOTA_PREFIX_SAMPLE_MAX 48

/* How a field of the prefix ends. */
enum {
    DFOTA_FIELD_BLANK = 1, /* "gw " */
    DFOTA_FIELD_COLON      /* "fotad[812]: ", "INFO:" */
};

/* What the learner found. Plain data: a copy is a copy. */
typedef struct {
    dfota_time_form form;  /* the time every line starts with (after the lead), or NONE */
    unsigned nlead;        /* fields before the time: "<14>1 ", a port name */
    unsigned char lead_end[DFOTA_PREFIX_LEAD_MAX];
    unsigned nfields;      /* fields between the time and the text */
    unsigned char field_end[DFOTA_PREFIX_FIELDS_MAX];
    int escapes;           /* the text holds its line ends as literal \r \n */
    int unknown;           /* the text stands behind a prefix no rule knows */
    unsigned lines;        /* lines looked at */
    unsigned stamped;      /* of those, lines that start with the time */
    unsigned blocks;       /* stamped lines that open an SSCOM block */
    char sample[DFOTA_PREFIX_SAMPLE_MAX]; /* the prefix of the first line that had one */
    /* the last date read and its day: most lines repeat the one before */
    char last_date[10];
    int64_t last_day;
} dfota_prefix;

/* Learns the shape from up to max_lines lines of text[0..len) (lines end
 * with sep; lines starting with '#' are left out): the time from those,
 * the fields from those that hold AT text, looked for up to 16 times as
 * far when the first lines hold fewer than 8. Fills *p. */
void dfota_prefix_learn(dfota_prefix *p, const char *text, size_t len, char sep, unsigned max_lines);

/* Is there a prefix to take off at all (a time or fields)? */
static inline int dfota_prefix_active(const dfota_prefix *p)
{
    return p->form != DFOTA_TIME_NONE || p->nfields > 0;
}

/* What dfota_prefix_take found on one line. */
typedef struct {
    int64_t t;      /* ns of the time (since 1970 when dated, else since midnight) */
    int has_time;
    int dated;      /* 0: a clock; 1: a full date; 2: a date without its year */
    char dir;       /* '>' or '<' when the time's brackets said who sent it, else 0 */
    int fits;       /* the line has the learnt prefix, fields and all */
} dfota_prefix_hit;

/* Takes the learnt prefix off s[0..n): returns the bytes taken (the time
 * and the fields, and the blanks after them). A line without the time
 * takes nothing; a line with the time but not the fields takes the time
 * only; h->fits says which. */
size_t dfota_prefix_take(dfota_prefix *p, const char *s, size_t n, dfota_prefix_hit *h);

/* One time of the given form at s (before end): the bytes taken with the
 * blanks after it, 0 when s does not start with one. p, when not NULL,
 * keeps the last date and its day between calls. */
size_t dfota_time_parse(dfota_prefix *p, dfota_time_form form, const char *s, const char *end, int64_t *t,
                        int *dated, char *dir);

/* The length of the direction marker s[0..n) starts with (>> << --> <--
 * -> <- TX: RX: [TX] [RX] [TX] - Send: Recv: SEND: RECV: "> " before a
 * typed AT, SSCOM's 发→◇ 收←◆), 0 for none; its direction in *dir. */
size_t dfota_marker_at(const char *s, size_t n, char *dir);

/* A marker that is an arrow (>> << --> <-- -> <-), not a word nor the
 * "> " before a typed command. s holds a marker (two bytes at least). */
static inline int dfota_marker_is_arrow(const char *s)
{
    return (s[0] == '>' || s[0] == '<' || s[0] == '-') && (s[1] == '>' || s[1] == '<' || s[1] == '-');
}

/* Does s[0..n) start with text that crossed an AT port: a command, a
 * result code, an information response or URC, a control glyph or a
 * literal \r \n? */
int dfota_prefix_at_text(const char *s, size_t n);

#endif
