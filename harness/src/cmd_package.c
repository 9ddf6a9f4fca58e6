/* SPDX-License-Identifier: MIT */
/* cmd_package.c - dfota package: writes a delta package for the emulator. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfota/dfota.h"
#include "dfota/emulator.h"
#include "cli.h"

#define PACKAGE_SIZE_DEFAULT 4096
#define PACKAGE_SIZE_MAX (256ULL * 1024 * 1024) /* what the emulator holds in memory */
#define PACKAGE_VERSION_MAX 64

static const char usage[] =
    "usage: dfota package --from VERSION --to VERSION [--size BYTES] [--corrupt] OUT\n"
    "\n"
    "Writes a delta package in the format the emulator reads ('dfota emulate',\n"
    "harness/include/dfota/emulator.h): a text header naming the source and\n"
    "target firmware versions, the payload's size and CRC-32, then the payload.\n"
    "The emulator gives END,0 for it and then runs the target version, END,510\n"
    "when its source is not the running version, END,505 (five retries) when it\n"
    "is corrupt, and FTPEND/HTTPEND,511 when it is larger than the free space.\n"
    "\n"
    "Options:\n"
    "  --from VERSION   the firmware version the package upgrades from\n"
    "  --to VERSION     the version it upgrades to (1-64 printable bytes, no blanks)\n"
    "  --size BYTES     payload size (default 4096; KiB, MiB suffixes allowed;\n"
    "                   at most 256MiB); the payload is pseudo-random, the same\n"
    "                   for the same versions and size\n"
    "  --corrupt        flip a payload byte after the CRC is computed, so the\n"
    "                   package check fails (END,505)\n"
    "  -h, --help       show this help\n"
    "\n"
    "OUT is written atomically (a temporary name renamed into place) when it is\n"
    "a regular file or a new name; a device, a FIFO or a link to one is written\n"
    "through and never replaced, and - is standard output.\n"
    "\n"
    "Exit status: 0 written, 2 usage error or OUT cannot be written.\n";

typedef struct {
    const char *from, *to, *out;
    uint64_t size;
    int corrupt;
} package_opts;

/* Declared in cli.h: dfota emulate's --free-space reads sizes the same way. */
int parse_bytes(const char *s, uint64_t max, uint64_t *out)
{
    static const struct {
        const char *suffix;
        uint64_t mult;
    } units[] = {{"", 1},           {"K", 1024},          {"KiB", 1024},
                 {"M", 1u << 20},  {"MiB", 1u << 20},   {"G", 1u << 30}, {"GiB", 1u << 30}};
    uint64_t v = 0;
    size_t i = 0;
    for (; s[i] >= '0' && s[i] <= '9'; i++) {
        if (v > (UINT64_MAX - 9) / 10)
            return 0;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (i == 0)
        return 0;
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++)
        if (strcmp(s + i, units[u].suffix) == 0) {
            if (v > max / units[u].mult)
                return 0;
            *out = v * units[u].mult;
            return 1;
        }
    return 0;
}

static int version_ok(const char *v)
{
    size_t n = strlen(v);
    if (n == 0 || n > PACKAGE_VERSION_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (v[i] <= ' ' || v[i] > '~')
            return 0;
    return 1;
}

/* A payload that looks like data and is the same for the same inputs. */
static void payload_fill(uint8_t *p, uint64_t n, const package_opts *o)
{
    uint32_t x = dfota_crc32(dfota_crc32(0, o->from, strlen(o->from)), o->to, strlen(o->to)) | 1u;
    for (uint64_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (uint8_t)(x >> 24);
    }
}

static int package_write(const package_opts *o)
{
    atomic_file af;
    uint8_t *payload = malloc(o->size ? (size_t)o->size : 1);
    if (!payload) {
        fprintf(stderr, "dfota package: out of memory\n");
        return EXIT_INPUT;
    }
    payload_fill(payload, o->size, o);
    uint32_t crc = dfota_crc32(0, payload, (size_t)o->size);
    if (o->corrupt && o->size > 0)
        payload[o->size / 2] ^= 0x5a;
    if (atomic_open(&af, o->out) != 0) {
        fprintf(stderr, "dfota package: cannot write %s: %s\n", o->out, atomic_error(&af, errno));
        free(payload);
        return EXIT_INPUT;
    }
    fprintf(af.f, "DFOTA-PKG 1\nfrom: %s\nto: %s\nsize: %" PRIu64 "\ncrc32: %08" PRIx32 "\n\n",
            o->from, o->to, o->size, crc);
    int bad = fwrite(payload, 1, (size_t)o->size, af.f) != o->size;
    free(payload);
    int e = errno;
    if (bad || atomic_commit(&af) != 0) {
        if (!bad)
            e = errno;
        fprintf(stderr, "dfota package: cannot write %s: %s\n", o->out, atomic_error(&af, e));
        if (bad)
            atomic_abort(&af);
        return EXIT_INPUT;
    }
    return EXIT_PASS;
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "dfota package: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (see dfota package --help)\n");
    return EXIT_INPUT;
}

int cmd_package(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"from", required_argument, NULL, 'f'}, {"to", required_argument, NULL, 't'},
        {"size", required_argument, NULL, 's'}, {"corrupt", no_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0},
    };
    package_opts o = {NULL, NULL, NULL, PACKAGE_SIZE_DEFAULT, 0};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': o.from = optarg; break;
        case 't': o.to = optarg; break;
        case 's':
            if (!parse_bytes(optarg, PACKAGE_SIZE_MAX, &o.size))
                return usage_error("bad size '%s': BYTES, KiB or MiB, at most 256MiB", optarg);
            break;
        case 'c': o.corrupt = 1; break;
        case 'h': fputs(usage, stdout); return EXIT_PASS;
        default: fputs(usage, stderr); return EXIT_INPUT;
        }
    }
    if (optind != argc - 1)
        return usage_error("%s", "give one output file");
    o.out = argv[optind];
    if (!o.from || !version_ok(o.from))
        return usage_error("bad or missing --from '%s': 1-64 printable bytes, no blanks",
                           o.from ? o.from : "");
    if (!o.to || !version_ok(o.to))
        return usage_error("bad or missing --to '%s': 1-64 printable bytes, no blanks",
                           o.to ? o.to : "");
    return package_write(&o);
}
