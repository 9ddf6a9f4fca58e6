/* SPDX-License-Identifier: MIT */
/* dfota/provenance.h - what a verdict was made by, for certification
 * evidence: the dfota version, the source commit it was built from, a hash
 * of the rule catalogue, the profile and the command line. Every artifact
 * (check's text, JSON and JUnit, a run's reports, transcripts) records it. */
#ifndef DFOTA_PROVENANCE_H
#define DFOTA_PROVENANCE_H

#include <stddef.h>

#define DFOTA_COMMAND_MAX 1024

typedef struct {
    char version[32];     /* "0.1.0" */
    char commit[64];      /* "git describe --always --dirty" at configure time, or "unknown" */
    char rules[40];       /* "fnv1a64:<16 hex digits>" over the catalogue's IDs, sections, rules */
    char profile[16];     /* "strict", "field" */
    char command[DFOTA_COMMAND_MAX]; /* the command line, escaped, secrets hidden, cut with "..." */
} dfota_provenance;

/* The source commit this library was built from. Never NULL. */
const char *dfota_build_commit(void);

/* The catalogue's hash into out (cap bytes): changes whenever an ID, a
 * section or a rule's text changes, so two verdicts can be compared. */
void dfota_rules_hash(char *out, size_t cap);

/* Fills *p for a command run as argv[0..argc) under profile. */
void dfota_provenance_fill(dfota_provenance *p, const char *profile, int argc,
                           char *const *argv);

/* The pairs to write in a transcript header ("dfota", "commit", "rules",
 * "profile", "command") pointing into p: kv must have room for 10 strings.
 * Returns the number of pairs, 5. */
size_t dfota_provenance_pairs(const dfota_provenance *p, const char **kv);

#endif
