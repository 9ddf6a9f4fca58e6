/* SPDX-License-Identifier: MIT */
/* reader-floor.c - what the least a per-line reader of a dfota transcript
 * must do costs, on this machine: the floor under `dfota check`'s reader
 * target (issue 16: within 3x of `wc -l`).
 *
 * Each way reads the file in 256 KiB blocks and finds every line:
 *   memchr     one memchr per line (as dfota's reader frames lines)
 *   memchr+t   the same, and each line's "<seconds>.<fraction>" time read
 *              digit by digit and its direction byte looked at
 *   simd       newlines found 32 bytes at a time (AVX2 compare and mask;
 *              skipped where the processor has no AVX2)
 *   simd+t     the same, with the time and direction as above
 * and prints the best of RUNS wall times, the lines found (every way must
 * find the same number) and each way's ratio to the first row, `wc -l`'s
 * own time if it is given as WC_SECONDS. Nothing is judged: no rule, no
 * event, no output, so this is what any reader costs before it does the
 * work dfota does.
 *
 * usage: cc -O2 -o /tmp/reader-floor bench/reader-floor.c &&
 *        /tmp/reader-floor FILE [RUNS]
 * A transcript from gen-sessions.c (see bench/README.md) is what the
 * figures in the README were measured on. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_SIMD 1
#else
#define HAVE_SIMD 0
#endif

#define BLOCK (256 * 1024)
#define LINE_MAX_ (4096)

static char buf[BLOCK + LINE_MAX_ + 64];
static volatile long long sink; /* keeps the parsed times from being optimised away */

/* The transcript's time and direction: "<digits>[.<digits>] <dir>". */
static inline long long parse_time(const char *p, const char *e)
{
    long long s = 0;
    while (p < e && *p >= '0' && *p <= '9')
        s = s * 10 + (*p++ - '0');
    if (p < e && *p == '.') {
        p++;
        while (p < e && *p >= '0' && *p <= '9')
            s = s * 10 + (*p++ - '0');
    }
    return e - p >= 2 ? s + p[1] : s;
}

typedef long long (*way_fn)(int fd, int with_time);

static long long by_memchr(int fd, int with_time)
{
    size_t carry = 0;
    long long lines = 0, acc = 0;
    for (;;) {
        ssize_t n = read(fd, buf + carry, BLOCK);
        if (n <= 0)
            break;
        size_t end = carry + (size_t)n, start = 0;
        for (;;) {
            char *nl = memchr(buf + start, '\n', end - start);
            if (!nl)
                break;
            if (with_time)
                acc += parse_time(buf + start, nl);
            lines++;
            start = (size_t)(nl - buf) + 1;
        }
        carry = end - start;
        if (carry > LINE_MAX_)
            carry = 0; /* a line longer than a reader keeps: dropped */
        memmove(buf, buf + end - carry, carry);
    }
    sink = acc;
    return lines;
}

#if HAVE_SIMD
__attribute__((target("avx2"))) static long long by_simd(int fd, int with_time)
{
    size_t carry = 0;
    long long lines = 0, acc = 0;
    const __m256i nl = _mm256_set1_epi8('\n');
    for (;;) {
        ssize_t n = read(fd, buf + carry, BLOCK);
        if (n <= 0)
            break;
        size_t end = carry + (size_t)n, start = 0, i = 0;
        for (; i + 32 <= end; i += 32) {
            __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(buf + i));
            uint32_t m = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, nl));
            while (m) {
                size_t at = i + (size_t)__builtin_ctz(m);
                m &= m - 1;
                if (with_time)
                    acc += parse_time(buf + start, buf + at);
                lines++;
                start = at + 1;
            }
        }
        for (; i < end; i++)
            if (buf[i] == '\n') {
                if (with_time)
                    acc += parse_time(buf + start, buf + i);
                lines++;
                start = i + 1;
            }
        carry = end - start;
        if (carry > LINE_MAX_)
            carry = 0;
        memmove(buf, buf + end - carry, carry);
    }
    sink = acc;
    return lines;
}
#endif

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: reader-floor FILE [RUNS]\n");
        return 2;
    }
    int runs = argc > 2 ? atoi(argv[2]) : 5;
    if (runs < 1)
        runs = 1;
    struct {
        const char *name;
        way_fn fn;
        int with_time;
    } ways[4];
    int n_ways = 0;
    ways[n_ways++] = (typeof(ways[0])){"memchr", by_memchr, 0};
    ways[n_ways++] = (typeof(ways[0])){"memchr+t", by_memchr, 1};
#if HAVE_SIMD
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2")) {
        ways[n_ways++] = (typeof(ways[0])){"simd", by_simd, 0};
        ways[n_ways++] = (typeof(ways[0])){"simd+t", by_simd, 1};
    } else
        printf("(no AVX2 here: the simd rows are skipped)\n");
#endif
    const char *wc = getenv("WC_SECONDS");
    double wc_s = wc ? atof(wc) : 0;
    long long lines0 = -1;
    printf("%-10s %10s %12s %8s\n", "way", "best (s)", "lines", wc_s > 0 ? "x wc -l" : "");
    for (int w = 0; w < n_ways; w++) {
        double best = 1e30;
        long long lines = 0;
        for (int r = 0; r < runs; r++) {
            int fd = open(argv[1], O_RDONLY);
            if (fd < 0) {
                perror(argv[1]);
                return 2;
            }
            double t0 = now_s();
            lines = ways[w].fn(fd, ways[w].with_time);
            double t = now_s() - t0;
            close(fd);
            if (t < best)
                best = t;
        }
        if (lines0 < 0)
            lines0 = lines;
        if (lines != lines0) {
            fprintf(stderr, "%s found %lld lines, %s %lld\n", ways[w].name, lines, ways[0].name, lines0);
            return 1;
        }
        if (wc_s > 0)
            printf("%-10s %10.3f %12lld %8.2f\n", ways[w].name, best, lines, best / wc_s);
        else
            printf("%-10s %10.3f %12lld\n", ways[w].name, best, lines);
    }
    return 0;
}
