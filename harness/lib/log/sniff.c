/* SPDX-License-Identifier: MIT */
/* sniff.c - text, UTF-16 text, or a named kind of binary file (sniff.h). */
#include <stdint.h>
#include <string.h>

#include "sniff.h"

#define UTF16_LOOK 4096

static int textish(unsigned char c)
{
    return c >= 0x20 || c == '\t' || c == '\n' || c == '\r' || c == 0x1b;
}

/* Magic numbers of files people attach instead of a log. The weak ones are
 * printable and name a file only when its bytes are not text anyway. */
static const struct {
    const char *magic;
    size_t len, at;
    int weak;
    const char *what;
} kinds[] = {
#define KIND(m, at, weak, what) {m, sizeof m - 1, at, weak, what}
    KIND("\x7f" "ELF", 0, 0, "an ELF executable"),
    KIND("PK\x03\x04", 0, 0, "a zip archive"),
    KIND("PK\x05\x06", 0, 0, "a zip archive"),
    KIND("\x1f\x8b", 0, 0, "gzip-compressed data"),
    KIND("\x89PNG\r\n\x1a\n", 0, 0, "a PNG image"),
    KIND("\xff\xd8\xff", 0, 0, "a JPEG image"),
    KIND("\xfd" "7zXZ", 0, 0, "xz-compressed data"),
    KIND("7z\xbc\xaf\x27\x1c", 0, 0, "a 7-Zip archive"),
    KIND("\x28\xb5\x2f\xfd", 0, 0, "zstd-compressed data"),
    KIND("Rar!\x1a\x07", 0, 0, "a RAR archive"),
    KIND("\xd4\xc3\xb2\xa1", 0, 0, "a packet capture (pcap)"),
    KIND("\xa1\xb2\xc3\xd4", 0, 0, "a packet capture (pcap)"),
    KIND("\x0a\x0d\x0d\x0a", 0, 0, "a packet capture (pcapng)"),
    KIND("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 0, 0, "an MS Office document"),
    KIND("\xcf\xfa\xed\xfe", 0, 0, "a Mach-O executable"),
    KIND("SQLite format 3", 0, 0, "an SQLite database"),
    KIND("%PDF-", 0, 1, "a PDF document"),
    KIND("MZ", 0, 1, "a Windows executable"),
    KIND("BZh", 0, 1, "bzip2-compressed data"),
    KIND("GIF8", 0, 1, "a GIF image"),
    KIND("ustar", 257, 1, "a tar archive"),
#undef KIND
};

/* Is every other byte, from the first at odd, NUL, and the rest text? */
static int utf16_ascii(const unsigned char *p, size_t n, size_t odd)
{
    size_t pairs = 0, zero = 0, text = 0;
    if (n > UTF16_LOOK)
        n = UTF16_LOOK;
    for (size_t i = 0; i + 1 < n; i += 2) {
        pairs++;
        zero += p[i + odd] == 0;
        text += p[i + odd] == 0 && textish(p[i + 1 - odd]) && p[i + 1 - odd] != 0;
    }
    /* Mostly ASCII (what an AT log is): nine pairs in ten a NUL and text. */
    return pairs >= 2 && text * 10 >= pairs * 9 && zero * 10 >= pairs * 9;
}

dfota_sniffed dfota_sniff(const unsigned char *p, size_t n, size_t *skip, const char **what, size_t *bad)
{
    *skip = 0;
    *what = NULL;
    /* textish() for every byte of a first block, in a few instructions: the
     * control bytes other than tab, LF, CR and ESC are bits of a mask */
    const uint32_t ctl = 0xFFFFFFFFu & ~((1u << '\t') | (1u << '\n') | (1u << '\r') | (1u << 0x1b));
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    size_t nbad = 0, i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t v;
        memcpy(&v, p + i, 8);
        if (!((v - ones * 0x20) & ~v & highs))
            continue; /* no byte below 0x20 among the eight: most words */
        for (size_t k = i; k < i + 8; k++)
            if (p[k] < 0x20)
                nbad += (ctl >> p[k]) & 1u;
    }
    for (; i < n; i++)
        if (p[i] < 0x20)
            nbad += (ctl >> p[i]) & 1u;
    *bad = nbad;
    int binary = nbad * 20 > n;
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        if (n >= kinds[k].at + kinds[k].len && memcmp(p + kinds[k].at, kinds[k].magic, kinds[k].len) == 0 &&
            (!kinds[k].weak || binary)) {
            *what = kinds[k].what;
            return DFOTA_SNIFF_BINARY;
        }
    if (n >= 2 && p[0] == 0xFF && p[1] == 0xFE) {
        *skip = 2;
        return DFOTA_SNIFF_UTF16LE;
    }
    if (n >= 2 && p[0] == 0xFE && p[1] == 0xFF) {
        *skip = 2;
        return DFOTA_SNIFF_UTF16BE;
    }
    if (!binary)
        return DFOTA_SNIFF_TEXT;
    if (utf16_ascii(p, n, 1))
        return DFOTA_SNIFF_UTF16LE;
    if (utf16_ascii(p, n, 0))
        return DFOTA_SNIFF_UTF16BE;
    return DFOTA_SNIFF_BINARY;
}
