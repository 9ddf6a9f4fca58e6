/* SPDX-License-Identifier: MIT */
/* check.h - dfota check's parts: judging one file (cmd_check.c), files
 * judged on several threads with the output in the order given
 * (check_pool.c), and the list of --files-from (check_list.c). */
#ifndef DFOTA_CHECK_H
#define DFOTA_CHECK_H

#include <stddef.h>
#include <stdio.h>

#include "dfota/dfota.h"

/* How every file of a run is judged. */
typedef struct {
    dfota_checker_opts opts;
    int port_forced; /* --port: the log's header does not decide usb_port */
} check_cfg;

/* Where one file's judgement goes: the checker's sink as it goes, then
 * its end (the arguments of dfota_output_end_file). */
typedef struct {
    dfota_sink sink;
    void (*end)(void *ctx, const dfota_checker_result *res, const char *error,
                dfota_format format, const dfota_reader_stats *st);
    void *ctx;
} check_to;

/* A judge of files: one per thread, used for file after file. What a
 * file needs for its reading and judging belongs here. */
typedef struct {
    const check_cfg *cfg;
    dfota_reader *reader;   /* made for its first file, reset for each next one: */
    dfota_checker *checker; /* buffers live for the run, not the file */
} check_ctx;

/* Frees what cx made (the reader and the checker); cx can be used again. */
void check_ctx_free(check_ctx *cx);

/* The name the output calls path by: "<stdin>" for "-". */
const char *check_name(const char *path);

/* What check_open returns for "-": standard input, read through its
 * stream (a descriptor 0 may be any file when dfota started without one). */
#define CHECK_STDIN (-2)

/* Opens path ("-": standard input, CHECK_STDIN) to be judged: its file
 * descriptor, or -1 with the error in err (cap bytes), naming the file,
 * when it cannot be opened; *size its size (a regular file), else -1.
 * *in_order is
 * set to 1 when it is not a regular file (standard input, a pipe): it
 * must be read when its turn comes, not ahead. */
int check_open(const char *path, char *err, size_t cap, int *in_order, long long *size);
/* Closes what check_open opened (standard input stays open). */
void check_close(int fd);

/* Judges the file open as fd (check_open's, with the size it gave), called
 * name, into to: the sink's calls,
 * then to->end once. 0, or -1 when out of memory (to->end was called with
 * that error). */
int check_judge(check_ctx *cx, int fd, long long size, const char *name, const check_to *to);

/* ---- files judged on several threads (check_pool.c) ------------------ */

/* --jobs: at most this many threads. */
#define CHECK_JOBS_MAX 256
#define CHECK_JOBS_MAX_S "256"

typedef struct check_pool check_pool;

/* A pool of jobs judges (the thread that calls check_pool_add and up to
 * jobs - 1 threads, started as files come) judging files into
 * out: out gets each file whole, in the order check_pool_add was called,
 * the same calls as judging them one by one would make. NULL when out of
 * memory. */
check_pool *check_pool_new(unsigned jobs, const check_cfg *cfg, dfota_output *out);

/* Hands the pool the file at path ("-": standard input), its records
 * calling it key (NULL: its name). While as many files as the pool holds
 * are not written yet, judges the next waiting one itself, or waits. 0, or
 * -1 when out of memory. */
int check_pool_add(check_pool *p, const char *path, const char *key);

/* Judges what is still waiting, waits until every file is written, stops
 * the threads and frees p. 0, or
 * -1 when a file ran out of memory. */
int check_pool_end(check_pool *p);

/* ---- --files-from (check_list.c) ------------------------------------ */

/* An entry's limits: a path as the system takes it, and a key as the
 * output keeps it (dfota_output_set_key). */
#define CHECK_LIST_PATH_MAX 4095
#define CHECK_LIST_KEY_MAX 1023

typedef struct check_list check_list;

/* The list at path ("-": standard input): entries end with sep ('\n' or
 * '\0'); keyed: each is KEY<TAB>PATH. NULL after saying why on standard
 * error ("dfota check: LIST: ..."). */
check_list *check_list_open(const char *path, int sep, int keyed);

/* The next entry, empty ones skipped: 1 with *path and *key (NULL
 * without --keyed, maybe "") pointing into the list (valid until the next
 * call); 0 at the end; -1 when the list cannot be read (said). An entry
 * that is not a path (too long, a NUL byte in a line, no TAB when keyed)
 * is said on standard error naming the list and the entry's number,
 * skipped and counted (check_list_bad). */
int check_list_next(check_list *l, const char **path, const char **key);

/* The entries skipped so far. */
unsigned long check_list_bad(const check_list *l);

/* Closes the list (standard input stays open). */
void check_list_close(check_list *l);

#endif
