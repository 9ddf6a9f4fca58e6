/* SPDX-License-Identifier: MIT */
/* gen-findings.c - a dfota transcript with as many findings as asked, for
 * timing the writers of dfota check on a log whose output is mostly
 * findings and upgrades (bench/README.md). Each upgrade is refused (ERROR)
 * and a bad UPDATING URC follows it: two FAIL findings
 * (CMD-NO-URC-AFTER-ERROR and URC-SYNTAX) and one flow each.
 *
 * usage: gen-findings FINDINGS OUT   (FINDINGS rounded up to an even number) */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: gen-findings FINDINGS OUT\n");
        return 2;
    }
    char *end;
    unsigned long n = strtoul(argv[1], &end, 10);
    if (*end || n == 0) {
        fprintf(stderr, "gen-findings: FINDINGS must be a positive whole number\n");
        return 2;
    }
    FILE *f = fopen(argv[2], "w");
    if (!f) {
        perror(argv[2]);
        return 2;
    }
    fprintf(f, "# dfota-transcript 1\n");
    for (unsigned long i = 0; i < (n + 1) / 2; i++) {
        unsigned long s = 2 * i + 1;
        fprintf(f,
                "%lu.000000 > AT+QFOTADL=\"http://203.0.113.7/update-%lu.zip\"\n"
                "%lu.100000 < ERROR\n"
                "%lu.200000 < +QIND: \"FOTA\",\"UPDATING\",x\n",
                s, i % 1000, s, s);
    }
    if (fclose(f) != 0) {
        perror(argv[2]);
        return 2;
    }
    return 0;
}
