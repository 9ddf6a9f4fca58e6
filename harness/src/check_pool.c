/* SPDX-License-Identifier: MIT */
/* check_pool.c - dfota check --jobs N: files judged on N threads, the
 * output the same bytes as one by one, in the order the files were given.
 *
 * Each thread owns its judge (check_ctx: a reader and a checker). What
 * the checker says of a file (its findings, deep copies, and its flows:
 * whole for JSON, else the outcome the output keeps of each) is recorded
 * on the file's tape; when the file is judged and every file before it
 * is written, the tape is played into the one output: what judging it
 * alone would have given it, in the same order. One
 * thread at a time writes (it holds the turn): whichever finished the
 * file at the head, and it goes on with the files after it that are
 * judged. A file whose tape would pass TAPE_MAX waits for its turn, plays
 * what it holds and then writes the rest as it is judged; so does a file
 * that is not a regular file (standard input, a pipe), which is read only
 * in its turn; and a file that is the head when it is started needs no
 * tape at all. At most IN_FLIGHT per thread files are held, and at most
 * SPARE_TAPES tapes of written files are kept for the next ones: memory is
 * bounded per job, whatever the number of files.
 *
 * The thread that adds the files is the Nth judge: N - 1 threads are
 * started, and when the pool is full the adding thread judges the next
 * file waiting instead of sleeping until room is made. A sleep and a
 * wake-up every few files cost more than the judging of a small file
 * (each a thread switch, dearer still in a virtual machine), and the
 * adding thread would have been a third one competing for two cores.
 *
 * What the threads share is the output, held by one at a time, and the
 * options, read only. The reader and the checker keep no state outside
 * their own objects; the redactor's extra names are set before the first
 * file; jansson and libxml2 are called by the output alone. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define TAPE_MAX (2u << 20) /* bytes of a file's tape before it waits for its turn */
#define IN_FLIGHT 4         /* files held per thread, judged or waiting to be written */
#define SPARE_TAPES 8       /* tapes kept for reuse: a malloc and a free a file cost more */

/* A tape holds records: a head, then what it says, padded to 8 bytes. A
 * flow is recorded whole for an output that writes it whole (JSON), else
 * as its outcome (dfota_output_takes_outcomes): its words made by the
 * judge, a fifth of its bytes or less, and less for the writer to do in
 * its turn. */
enum { REC_FINDING = 1, REC_FLOW, REC_OUTCOME };
typedef struct {
    uint32_t kind;
    uint32_t size;
} rec_head;
#define REC_ALIGN(n) (((n) + 7u) & ~(size_t)7u)
/* A finding is recorded as its fields, then its two texts as long as
 * they are (a third of the struct, commonly). */
#define FINDING_HEAD offsetof(dfota_finding, expected)

typedef enum { JOB_QUEUED, JOB_RUNNING, JOB_DONE } job_state;

typedef struct job {
    struct job *next;
    job_state state;
    int direct;      /* its thread holds the turn and writes it to the output itself */
    unsigned flows;  /* flows taped so far (once it goes direct, the output counts them) */
    char *path, *key; /* key NULL: none */
    unsigned char *tape;
    size_t len, cap;
    /* its end, once judged (not direct); what follows format is written
     * only when has_ says so, and is not cleared for a new job */
    int has_res, has_error, has_stats;
    dfota_format format;
    dfota_checker_result res;
    dfota_reader_stats st;
    char error[DFOTA_ERRBUF];
} job;

struct check_pool {
    pthread_mutex_t mu;
    pthread_cond_t work; /* a file to judge, or the end */
    pthread_cond_t room; /* half of the files held written: room to add more */
    pthread_cond_t turn; /* the turn is free */
    job *head, *tail;    /* files not written yet, in order */
    job *next_run;       /* the first not taken by a thread */
    unsigned in_flight, max_in_flight;
    unsigned jobs, started, idle; /* idle: threads waiting for work */
    int turn_taken, closing, oom;
    int adding;                   /* check_pool_add waits for room */
    struct worker *workers;
    job *spare_jobs;              /* jobs of written files, for the next ones (at most
                                   * max_in_flight + 1: 11 KB each, a malloc'd one freed
                                   * by another thread costs that thread the arena's lock) */
    unsigned char *spare[SPARE_TAPES]; /* tapes of written files, for the next ones */
    size_t spare_cap[SPARE_TAPES];
    unsigned n_spare;
    dfota_output *out;
    dfota_sink out_sink;
    int outcomes;                      /* out takes outcomes, not flows */
};

typedef struct worker {
    check_pool *p;
    pthread_t thread;
    job *j;                      /* the file it judges */
    check_ctx cx;                /* its judge */
    dfota_finding finding;       /* a finding played back */
} worker;

/* ---- tapes ---------------------------------------------------------- */

/* A tape for j from the spares, if one is there. Lock held. */
static void take_tape(check_pool *p, job *j)
{
    if (p->n_spare > 0) {
        p->n_spare--;
        j->tape = p->spare[p->n_spare];
        j->cap = p->spare_cap[p->n_spare];
    }
}

/* j's tape, played: kept for another file, or freed. Lock held. */
static void give_tape(check_pool *p, job *j)
{
    if (j->tape && p->n_spare < SPARE_TAPES && j->cap <= TAPE_MAX) {
        p->spare[p->n_spare] = j->tape;
        p->spare_cap[p->n_spare] = j->cap;
        p->n_spare++;
    } else
        free(j->tape);
    j->tape = NULL;
    j->len = j->cap = 0;
}

/* ---- playing a tape into the output (the turn held) ------------------ */

static void begin(check_pool *p, const job *j)
{
    dfota_output_set_key(p->out, j->key);
    dfota_output_begin_file(p->out, check_name(j->path));
}

static void play(worker *w, job *j)
{
    check_pool *p = w->p;
    for (size_t at = 0; at < j->len;) {
        rec_head h;
        memcpy(&h, j->tape + at, sizeof h);
        const unsigned char *data = j->tape + at + sizeof h;
        if (h.kind == REC_FINDING) {
            dfota_finding *f = &w->finding;
            const char *e = (const char *)data + FINDING_HEAD;
            size_t el = strlen(e), sl = strlen(e + el + 1); /* each fits: recorded from one */
            memcpy(f, data, FINDING_HEAD);
            memcpy(f->expected, e, el + 1);
            memcpy(f->seen, e + el + 1, sl + 1);
            if (p->out_sink.finding)
                p->out_sink.finding(p->out_sink.ctx, f);
        } else if (h.kind == REC_OUTCOME) {
            int64_t span;
            unsigned long line;
            memcpy(&span, data, sizeof span);
            memcpy(&line, data + sizeof span, sizeof line);
            dfota_output_outcome(p->out, span, line, (const char *)data + sizeof span + sizeof line);
        } else if (p->out_sink.flow) {
            /* records are 8-byte aligned in a malloc'd tape: played where it lies */
            p->out_sink.flow(p->out_sink.ctx, (const dfota_flow_summary *)(const void *)data);
        }
        at += REC_ALIGN(sizeof h + h.size);
    }
    j->len = 0; /* the tape is kept for what comes next, or for another file */
}

static void write_job(worker *w, job *j)
{
    begin(w->p, j);
    play(w, j);
    dfota_output_end_file(w->p->out, j->has_res ? &j->res : NULL, j->has_error ? j->error : NULL,
                          j->format, j->has_stats ? &j->st : NULL);
}

/* The head is written: the next one is. Lock held. */
static void pop_head(check_pool *p)
{
    job *j = p->head;
    p->head = j->next;
    if (!p->head)
        p->tail = NULL;
    p->in_flight--;
    /* room for half of them again: files are added in a batch, not a
     * thread switch per file */
    if (p->adding && p->in_flight <= p->max_in_flight / 2) {
        p->adding = 0;
        pthread_cond_signal(&p->room);
    }
    give_tape(p, j);
    free(j->path);
    j->next = p->spare_jobs;
    p->spare_jobs = j;
}

/* Writes the files at the head that are judged, then gives the turn
 * back. Lock held, the turn taken. */
static void drain(worker *w)
{
    check_pool *p = w->p;
    while (p->head && p->head->state == JOB_DONE) {
        job *j = p->head;
        pthread_mutex_unlock(&p->mu);
        write_job(w, j);
        pthread_mutex_lock(&p->mu);
        pop_head(p);
    }
    p->turn_taken = 0;
    pthread_cond_broadcast(&p->turn);
}

/* w holds the turn for j: what j's tape holds is written, and from here
 * on j goes straight out as it is judged. */
static void go_direct(worker *w, job *j)
{
    j->direct = 1;
    begin(w->p, j);
    play(w, j);
}

/* Waits until w's file is the head and the turn is free, takes it and
 * writes what the tape holds: from here on the file goes straight out. */
static void take_turn(worker *w)
{
    check_pool *p = w->p;
    job *j = w->j;
    pthread_mutex_lock(&p->mu);
    while (p->head != j || p->turn_taken)
        pthread_cond_wait(&p->turn, &p->mu);
    p->turn_taken = 1;
    pthread_mutex_unlock(&p->mu);
    go_direct(w, j);
}

/* ---- the checker's sink in a thread: the tape ------------------------ */

/* Room for a record of size bytes on w's tape: where its data goes, or
 * NULL when the file is written straight out (its tape too long, or no
 * memory for it: it waits for its turn first). */
static unsigned char *reserve(worker *w, uint32_t kind, size_t size)
{
    job *j = w->j;
    size_t need = REC_ALIGN(sizeof(rec_head) + size);
    if (!j->direct && (j->len + need > TAPE_MAX || j->len + need > j->cap)) {
        size_t cap = j->cap ? j->cap : 16384;
        while (cap < j->len + need)
            cap *= 2;
        unsigned char *t = j->len + need <= TAPE_MAX ? realloc(j->tape, cap) : NULL;
        if (t) {
            j->tape = t;
            j->cap = cap;
        } else
            take_turn(w); /* too long (or no memory): straight out in its turn */
    }
    if (j->direct)
        return NULL;
    rec_head h = {kind, (uint32_t)size};
    memcpy(j->tape + j->len, &h, sizeof h);
    unsigned char *at = j->tape + j->len + sizeof h;
    j->len += need;
    return at;
}

static void tape_finding(void *ctx, const dfota_finding *f)
{
    worker *w = ctx;
    size_t e = strnlen(f->expected, sizeof f->expected - 1), s = strnlen(f->seen, sizeof f->seen - 1);
    unsigned char *at = reserve(w, REC_FINDING, FINDING_HEAD + e + 1 + s + 1);
    if (!at) {
        if (w->p->out_sink.finding)
            w->p->out_sink.finding(w->p->out_sink.ctx, f);
        return;
    }
    memcpy(at, f, FINDING_HEAD);
    memcpy(at + FINDING_HEAD, f->expected, e);
    at[FINDING_HEAD + e] = '\0';
    memcpy(at + FINDING_HEAD + e + 1, f->seen, s);
    at[FINDING_HEAD + e + 1 + s] = '\0';
}

static void tape_flow(void *ctx, const dfota_flow_summary *s)
{
    worker *w = ctx;
    if (w->p->outcomes && !w->j->direct) {
        dfota_outcome oc;
        /* past the ones the output says in words, only the time counts */
        dfota_outcome_of(s, w->j->flows++ < DFOTA_OUTCOMES_KEPT, &oc);
        size_t wl = strnlen(oc.what, sizeof oc.what - 1);
        unsigned char *at = reserve(w, REC_OUTCOME, sizeof oc.span_ns + sizeof oc.line + wl + 1);
        if (at) {
            memcpy(at, &oc.span_ns, sizeof oc.span_ns);
            memcpy(at + sizeof oc.span_ns, &oc.line, sizeof oc.line);
            memcpy(at + sizeof oc.span_ns + sizeof oc.line, oc.what, wl);
            at[sizeof oc.span_ns + sizeof oc.line + wl] = '\0';
            return;
        }
        /* straight out from here: the outcome as the output takes it */
        dfota_output_outcome(w->p->out, oc.span_ns, oc.line, oc.what);
        return;
    }
    size_t size = dfota_flow_summary_size(s);
    unsigned char *at = reserve(w, REC_FLOW, size);
    if (at)
        memcpy(at, s, size);
    else if (w->p->out_sink.flow)
        w->p->out_sink.flow(w->p->out_sink.ctx, s);
}

/* *res into *to: its reasons as the strings they are (a rule's reason is
 * 240 bytes, most of them empty; copied whole, the result is 13 KB a file,
 * which cost --jobs more than the judging of a small log). */
static void copy_result(dfota_checker_result *to, const dfota_checker_result *res)
{
    const size_t reasons = offsetof(dfota_checker_result, rule_reason);
    const size_t after = reasons + sizeof res->rule_reason;
    memcpy(to, res, reasons);
    for (int r = 0; r < DFOTA_RULE_COUNT; r++) {
        size_t n = strnlen(res->rule_reason[r], sizeof res->rule_reason[r] - 1);
        memcpy(to->rule_reason[r], res->rule_reason[r], n);
        to->rule_reason[r][n] = '\0';
    }
    memcpy((char *)to + after, (const char *)res + after, sizeof *res - after);
}

static void tape_end(void *ctx, const dfota_checker_result *res, const char *error,
                     dfota_format format, const dfota_reader_stats *st)
{
    worker *w = ctx;
    job *j = w->j;
    if (j->direct) {
        dfota_output_end_file(w->p->out, res, error, format, st);
        return;
    }
    if ((j->has_res = res != NULL))
        copy_result(&j->res, res);
    if ((j->has_error = error != NULL))
        snprintf(j->error, sizeof j->error, "%s", error);
    if ((j->has_stats = st != NULL))
        j->st = *st;
    j->format = format;
}

/* ---- the threads ----------------------------------------------------- */

/* first: j is the head and w took the turn for it: it is written as it
 * is judged, with no tape (one big file, or files one at a time). */
static void judge_job(worker *w, job *j, int first)
{
    check_to to = {{tape_finding, tape_flow, w}, tape_end, w};
    char err[DFOTA_ERRBUF];
    int in_order = 0;
    w->j = j;
    if (first)
        go_direct(w, j); /* nothing on its tape yet */
    long long size;
    int in = check_open(j->path, err, sizeof err, &in_order, &size);
    if (in_order && !first)
        take_turn(w); /* standard input, a pipe: read in its turn */
    if (in == -1) {
        tape_end(w, NULL, err, DFOTA_FMT_AUTO, NULL);
        return;
    }
    int rc = check_judge(&w->cx, in, size, check_name(j->path), &to);
    check_close(in);
    if (rc != 0) {
        pthread_mutex_lock(&w->p->mu);
        w->p->oom = 1;
        pthread_mutex_unlock(&w->p->mu);
    }
}

/* Judges j, taken from the queue, on w and writes what can be written
 * after it. Lock held on entry and on return. */
static void run_job(worker *w, job *j)
{
    check_pool *p = w->p;
    p->next_run = j->next;
    j->state = JOB_RUNNING;
    int first = p->head == j && !p->turn_taken;
    if (first)
        p->turn_taken = 1;
    else
        take_tape(p, j);
    pthread_mutex_unlock(&p->mu);
    judge_job(w, j, first);
    pthread_mutex_lock(&p->mu);
    j->state = JOB_DONE;
    if (j->direct) { /* written as it was judged: the turn is this thread's */
        pop_head(p);
        drain(w);
    } else if (p->head == j && !p->turn_taken) {
        p->turn_taken = 1;
        drain(w);
    } /* else whoever writes the files before it writes it */
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    check_pool *p = w->p;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->next_run && !p->closing) {
            p->idle++;
            pthread_cond_wait(&p->work, &p->mu);
            p->idle--;
        }
        job *j = p->next_run;
        if (!j)
            break;
        run_job(w, j);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

check_pool *check_pool_new(unsigned jobs, const check_cfg *cfg, dfota_output *out)
{
    check_pool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    if (jobs < 1)
        jobs = 1;
    p->workers = calloc(jobs, sizeof *p->workers);
    if (!p->workers) {
        free(p);
        return NULL;
    }
    /* one judge a thread; the last is the thread's that adds the files */
    for (unsigned i = 0; i < jobs; i++) {
        p->workers[i].p = p;
        p->workers[i].cx.cfg = cfg;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->room, NULL);
    pthread_cond_init(&p->turn, NULL);
    p->jobs = jobs;
    p->max_in_flight = IN_FLIGHT * jobs;
    p->out = out;
    p->out_sink = dfota_output_sink(out);
    p->outcomes = dfota_output_takes_outcomes(out);
    return p;
}

int check_pool_add(check_pool *p, const char *path, const char *key)
{
    /* its path and its key in one allocation; the job a spare one */
    size_t pl = strlen(path) + 1, kl = key && key[0] ? strlen(key) + 1 : 0;
    char *names = malloc(pl + kl);
    if (!names)
        return -1;
    pthread_mutex_lock(&p->mu);
    job *j = p->spare_jobs;
    if (j)
        p->spare_jobs = j->next;
    else if (!(j = malloc(sizeof *j))) {
        pthread_mutex_unlock(&p->mu);
        free(names);
        return -1;
    }
    memset(j, 0, offsetof(job, res)); /* the rest is written before it is read */
    j->path = memcpy(names, path, pl);
    if (kl)
        j->key = memcpy(names + pl, key, kl);
    /* Full: the adding thread judges a waiting file itself rather than
     * sleep until a thread has written some (a thread switch each time). */
    while (p->in_flight >= p->max_in_flight) {
        if (p->next_run) {
            run_job(&p->workers[p->jobs - 1], p->next_run);
            continue;
        }
        p->adding = 1;
        pthread_cond_wait(&p->room, &p->mu);
    }
    if (p->tail)
        p->tail->next = j;
    else
        p->head = j;
    p->tail = j;
    if (!p->next_run)
        p->next_run = j;
    p->in_flight++;
    /* a thread per file held, up to jobs - 1 (the adding thread is the
     * last judge): one file, one thread */
    if (p->started < p->jobs - 1 && p->started < p->in_flight) {
        worker *w = &p->workers[p->started];
        if (pthread_create(&w->thread, NULL, worker_main, w) == 0)
            p->started++;
    }
    if (p->idle)
        pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->mu);
    return 0;
}

int check_pool_end(check_pool *p)
{
    pthread_mutex_lock(&p->mu);
    /* the adding thread judges what is left beside the threads */
    while (p->next_run)
        run_job(&p->workers[p->jobs - 1], p->next_run);
    p->closing = 1;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
    for (unsigned i = 0; i < p->started; i++)
        pthread_join(p->workers[i].thread, NULL);
    for (unsigned i = 0; i < p->jobs; i++)
        check_ctx_free(&p->workers[i].cx);
    int rc = p->oom ? -1 : 0; /* every file was judged and written: the adding thread ran what was left */
    for (unsigned i = 0; i < p->n_spare; i++)
        free(p->spare[i]);
    while (p->spare_jobs) {
        job *j = p->spare_jobs;
        p->spare_jobs = j->next;
        free(j);
    }
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->room);
    pthread_cond_destroy(&p->turn);
    pthread_mutex_destroy(&p->mu);
    free(p->workers);
    free(p);
    return rc;
}
