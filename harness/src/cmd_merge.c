/* SPDX-License-Identifier: MIT */
/* cmd_merge.c - dfota merge: the reduce step over the JSONL shards of
 * dfota check --format jsonl (dfota/report.h, "merge"). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dfota/dfota.h"
#include "cli.h"

/* The help in parts: C99 promises string literals of 4095 bytes only. */
static const char usage_head[] =
    "usage: dfota merge [OPTIONS] SHARD...|-\n"
    "\n"
    "Merges the JSONL shards of 'dfota check --format jsonl' (one file record a\n"
    "line, a summary record last), written by many workers over parts of one set\n"
    "of logs, in any order and any number, into one summary: the files by\n"
    "verdict, the rules by status, the upgrades by outcome and by download and\n"
    "END code, the firmware before and after where the logs say it, and the\n"
    "worst files of each rule. A SHARD is read a line at a time; - is standard\n"
    "input, where shards joined with cat are still told apart by their summary\n"
    "records. The summary is the same whatever the order of the shards and\n"
    "however the records were split between them, unless a key comes again\n"
    "judged otherwise (below).\n"
    "\n"
    "Every record must carry the dfota version, rule catalogue hash and profile\n"
    "of the first one; a shard must end with its summary record (else it is\n"
    "truncated: a worker died); a line must be one JSON record of at most\n"
    "--max-line bytes. Each is an error naming SHARD:LINE and what was found.\n"
    "A shard whose summary counts disagree with its file records is said on\n"
    "standard error and in the summary, and merged. A key (a file) that comes\n"
    "again, in the same shard or another (a shard given twice, a retried task),\n"
    "is counted once: the first record read; the others are counted as\n"
    "duplicates. A duplicate judged otherwise (another verdict, rule status or\n"
    "count of findings: a task retried on other logs or by another dfota) is\n"
    "said with its SHARD:LINE and makes the exit status 2 whatever --fail-on\n"
    "says: which record counted depends on the order. Keys are remembered\n"
    "as 64-bit hashes, at most 64 bytes a key (64 MB per million files).\n"
    "\n";

static const char usage_options[] =
    "Options:\n"
    "  -f, --format text|json|html  output format (default text); html is one\n"
    "                              self-contained page with the run report's look\n"
    "      --pretty                JSON indented; compact by default\n"
    "  -o, --output PATH           write the output to PATH instead of standard\n"
    "                              output: a regular file atomically, a device or\n"
    "                              FIFO through (never replaced), - standard output\n"
    "  -n, --top N                 the N worst files of each rule (default 10,\n"
    "                              0 to 100): FAIL before INCOMPLETE before WARN,\n"
    "                              then the most findings of the rule, then the key\n"
    "                              in byte order\n"
    "      --allow-mixed           merge records of other dfota versions, catalogues\n"
    "                              or profiles too, and list each combination with\n"
    "                              its number of files\n"
    "      --allow-truncated       merge a truncated shard too (its cut last line\n"
    "                              left out), and list it\n"
    "      --max-line BYTES        the longest line read (default 32MiB; K, M, G\n"
    "                              suffixes; at most 1GiB)\n"
    "      --fail-on none|fail|incomplete  what the exit status says (default\n"
    "                              incomplete): as dfota check --fail-on\n"
    "      --exit-zero             the same as --fail-on none\n"
    "      --color / --no-color    colour text output (default: when a terminal)\n"
    "  -h, --help                  show this help\n"
    "\n"
    "Exit status:\n"
    "  0  no FAIL and nothing inconclusive over the merged files; with --fail-on\n"
    "     fail, no FAIL and no unreadable file; with --fail-on none, always\n"
    "     when the shards could be merged\n"
    "  1  at least one FAIL (not with --fail-on none)\n"
    "  2  usage error; a shard that cannot be read, a line that is not a record\n"
    "     or is too long, records of another version, catalogue or profile, or a\n"
    "     truncated shard (named with SHARD:LINE); an output that cannot be\n"
    "     written; a key that comes again judged otherwise; or a file record\n"
    "     ERROR (an unreadable log) with --fail-on incomplete or fail\n"
    "  3  no FAIL, but a file INCOMPLETE, inconclusive or with nothing to judge,\n"
    "     or no file record at all (--fail-on incomplete)\n"
    "When several apply, the first in the order 2, 1, 3 wins.\n";

static int bad_usage(const char *fmt, const char *arg)
{
    return cli_bad_usage("merge", fmt, arg);
}

static void warn(void *ctx, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "dfota merge: %s\n", msg); /* escaped by the library */
}

typedef enum { MERGE_TEXT, MERGE_JSON, MERGE_HTML } merge_format;

/* Reads every shard: 0, or EXIT_INPUT after saying why. */
static int read_shards(dfota_merge *m, int argc, char **argv)
{
    char err[4096];
    for (int i = 0; i < argc; i++) {
        int is_stdin = strcmp(argv[i], "-") == 0;
        FILE *in = is_stdin ? stdin : fopen(argv[i], "rb");
        if (!in) {
            char b[CLI_SHOWN_MAX];
            fprintf(stderr, "dfota merge: %s: cannot open: %s\n", cli_shown(argv[i], b, sizeof b),
                    strerror(errno));
            return EXIT_INPUT;
        }
        dfota_err rc = dfota_merge_read(m, in, is_stdin ? "<stdin>" : argv[i], err, sizeof err);
        if (!is_stdin)
            fclose(in);
        if (rc != DFOTA_OK) {
            fprintf(stderr, "dfota merge: %s\n", err);
            return EXIT_INPUT;
        }
    }
    return 0;
}

int cmd_merge(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},    {"output", required_argument, NULL, 'o'},
        {"top", required_argument, NULL, 'n'},       {"allow-mixed", no_argument, NULL, 'M'},
        {"allow-truncated", no_argument, NULL, 'T'}, {"max-line", required_argument, NULL, 'L'},
        {"fail-on", required_argument, NULL, 'F'},   {"exit-zero", no_argument, NULL, 'Z'},
        {"pretty", no_argument, NULL, 'Y'},          {"color", no_argument, NULL, 'C'},
        {"no-color", no_argument, NULL, 'N'},        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    dfota_merge_opts opts;
    memset(&opts, 0, sizeof opts);
    opts.top = 10;
    opts.warn = warn;
    merge_format fmt = MERGE_TEXT;
    const char *output = NULL;
    int ch, pretty = 0, color = -1;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "f:o:n:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'f':
            if (strcmp(optarg, "text") == 0)
                fmt = MERGE_TEXT;
            else if (strcmp(optarg, "json") == 0)
                fmt = MERGE_JSON;
            else if (strcmp(optarg, "html") == 0)
                fmt = MERGE_HTML;
            else
                return bad_usage("unknown format '%s' (text, json or html)", optarg);
            break;
        case 'o': output = optarg; break;
        case 'n': {
            char *end;
            errno = 0;
            unsigned long n = strtoul(optarg, &end, 10);
            if (errno || end == optarg || *end || optarg[0] == '-' || n > DFOTA_MERGE_TOP_MAX)
                return bad_usage("bad --top '%s' (0 to 100)", optarg);
            opts.top = (unsigned)n;
            break;
        }
        case 'M': opts.allow_mixed = 1; break;
        case 'T': opts.allow_truncated = 1; break;
        case 'L': {
            uint64_t n;
            if (!parse_bytes(optarg, 1ULL << 30, &n) || n < 1024)
                return bad_usage("bad --max-line '%s' (BYTES, 1KiB to 1GiB)", optarg);
            opts.line_max = (size_t)n;
            break;
        }
        case 'F':
            if (dfota_fail_on_parse(optarg, &opts.fail_on) != 0)
                return bad_usage("unknown --fail-on '%s' (none, fail or incomplete)", optarg);
            break;
        case 'Z': opts.fail_on = DFOTA_FAIL_ON_NONE; break;
        case 'Y': pretty = 1; break;
        case 'C': color = 1; break;
        case 'N': color = 0; break;
        case 'h':
            fputs(usage_head, stdout);
            fputs(usage_options, stdout);
            return EXIT_PASS;
        default: return bad_usage("%s", "unknown option");
        }
    }
    if (optind >= argc)
        return bad_usage("%s", "no SHARD or - given");
    dfota_merge *m = dfota_merge_new(&opts);
    if (!m) {
        fprintf(stderr, "dfota merge: out of memory\n");
        return EXIT_INPUT;
    }
    int status = read_shards(m, argc - optind, argv + optind);
    if (status) {
        dfota_merge_free(m);
        return status; /* nothing is written: a merge that missed records is no summary */
    }
    atomic_file af;
    FILE *out = stdout;
    char b[CLI_SHOWN_MAX];
    if (output) {
        if (atomic_open(&af, output) != 0) {
            fprintf(stderr, "dfota merge: cannot write %s: %s\n", cli_shown(output, b, sizeof b),
                    atomic_error(&af, errno));
            dfota_merge_free(m);
            return EXIT_INPUT;
        }
        out = af.f;
    }
    if (color < 0)
        color = !output && fmt == MERGE_TEXT && isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;
    char err[DFOTA_ERRBUF] = "";
    dfota_err werr = fmt == MERGE_JSON   ? dfota_merge_write_json(out, m, pretty)
                     : fmt == MERGE_HTML ? dfota_merge_write_html(out, m, err, sizeof err)
                                         : dfota_merge_write_text(out, m, color);
    status = (int)dfota_merge_status(m);
    dfota_merge_free(m);
    if (output && (werr != DFOTA_OK || atomic_commit(&af) != 0)) {
        int e = errno;
        if (werr != DFOTA_OK)
            atomic_abort(&af);
        fprintf(stderr, "dfota merge: cannot write %s: %s\n", cli_shown(output, b, sizeof b),
                werr == DFOTA_E_NOMEM ? "out of memory" : atomic_error(&af, e));
        return EXIT_INPUT;
    }
    if (!output && werr != DFOTA_OK) {
        fprintf(stderr, "dfota merge: cannot write the output: %s\n",
                werr == DFOTA_E_NOMEM ? "out of memory" : strerror(errno));
        return EXIT_INPUT;
    }
    return status;
}
