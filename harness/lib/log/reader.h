/* SPDX-License-Identifier: MIT */
/* reader.h - what the reader's files share (not public API): its state,
 * one buffer read in blocks (lines.c), what the first block says the log
 * is (detect.c), and the events cut from its lines (reader.c). */
#ifndef DFOTA_LIB_LOG_READER_H
#define DFOTA_LIB_LOG_READER_H

#include <iconv.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dfota/at.h"
#include "dfota/base.h"
#include "dfota/log.h"
#include "log/prefix.h"

#define BLOCK (256 * 1024)
#define META_MAX 32
#define META_KEY_MAX 64
#define META_VALUE_MAX 1024

struct dfota_reader {
    FILE *in;                /* the input: a stream, or when NULL */
    int fd;                  /* a file descriptor */
    long long fd_size;       /* its size at open, or -1: a short read past it is its end */
    unsigned long long fd_read; /* bytes read from it */
    char name[256];
    dfota_format fmt;
    char *buf;               /* BLOCK + DFOTA_READ_LINE_MAX + 1 bytes */
    size_t cap, start, end;
    int eof;
    int cr_only;             /* the file ends its lines with a lone CR */
    unsigned long lineno;
    int in_header;           /* still before the first event */
    size_t n_meta;
    char meta_key[META_MAX][META_KEY_MAX];
    char meta_val[META_MAX][META_VALUE_MAX];
    int64_t last_t;          /* dfota_reader_reset clears from here: keep it after meta_val */
    const char *next_bs;     /* the next backslash in the buffer, or NULL: found once per block */
    const char *next_sp[5];  /* the next of each byte has_special looks for, the same way */
    const char *next_any;    /* the first of those five */
    /* captures */
    dfota_framer *framer;
    int framer_live;         /* the framer may still hold lines of the last physical line */
    int flushed;
    int glyph_mode;
    int have_base;
    int64_t base, last_abs, day_offset, t_cur;
    unsigned long cur_line;
    int dir_hint;            /* the physical line said who sent it (>> << TX: RX:), or 0 */
    int sent_box;            /* the last line was SSCOM's "sent": a lone "□" line closes it */
    int arrows_one_way;      /* arrow markers point one way only: separators, not directions */
    dfota_prefix pfx;        /* the line prefix learnt from the first lines */
    int use_prefix;          /* take it off every line */
    unsigned line_flags;     /* event flags of the current physical line */
    char time_dir;           /* the direction the time's brackets gave, or 0 */
    /* UTF-16 input: read into raw, transcoded into buf */
    iconv_t cd;
    char *raw;
    size_t raw_len;
    int raw_eof;
    const char *direct;      /* a whole AT line that needs no framing, or NULL */
    size_t direct_len;
    dfota_reader_stats stats;
    char scratch[DFOTA_READ_LINE_MAX + 2];
};

/* Writes "NAME:LINE: message" into err (when there is one) at the line the
 * reader is on; returns 0 (reader.c). */
DFOTA_PRINTF(4, 5)
int log_fail(const dfota_reader *r, char *err, size_t errlen, const char *fmt, ...);

/* Reads more input, transcoding UTF-16; returns 0, or a negative
 * dfota_err (lines.c). */
int log_fill(dfota_reader *r);
/* "# key: value" before the first event. Returns 0 or an error (lines.c). */
int log_take_meta(dfota_reader *r, const char *line, size_t len, char *err, size_t errlen);

/* Reads the first block and decides the encoding, the line ends, the
 * format and the prefix; returns 0, or a negative dfota_err with the
 * reason in err (detect.c). */
int log_detect(dfota_reader *r, char *err, size_t errlen);

#endif
