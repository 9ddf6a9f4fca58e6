/* SPDX-License-Identifier: MIT */
/* provenance.c - what built and ran a verdict (dfota/report.h). The
 * commit comes from the build (CMake passes DFOTA_COMMIT), never from the
 * source text. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/text.h"
#include "dfota/report.h"
#include "dfota/guide.h"

#ifndef DFOTA_COMMIT
#define DFOTA_COMMIT "unknown"
#endif

const char *dfota_build_commit(void)
{
    return DFOTA_COMMIT[0] ? DFOTA_COMMIT : "unknown";
}

static uint64_t fnv1a(uint64_t h, const char *s)
{
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h;
}

void dfota_rules_hash_of(const dfota_rule_info *rules, size_t n, char *out, size_t cap)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t r = 0; r < n; r++) {
        const dfota_rule_info *ri = &rules[r];
        h = fnv1a(fnv1a(fnv1a(fnv1a(fnv1a(h, ri->id), "\t"), ri->section), "\t"), ri->summary);
        h = fnv1a(h, "\n");
    }
    snprintf(out, cap, "fnv1a64:%016llx", (unsigned long long)h);
}

void dfota_rules_hash(char *out, size_t cap)
{
    dfota_rule_info all[DFOTA_RULE_COUNT];
    for (int r = 0; r < DFOTA_RULE_COUNT; r++)
        all[r] = *dfota_rule_get((dfota_rule)r);
    dfota_rules_hash_of(all, DFOTA_RULE_COUNT, out, cap);
}

void dfota_provenance_fill(dfota_provenance *p, const char *profile, int argc,
                           char *const *argv)
{
    memset(p, 0, sizeof *p);
    snprintf(p->version, sizeof p->version, "%s", DFOTA_VERSION);
    snprintf(p->commit, sizeof p->commit, "%s", dfota_build_commit());
    dfota_rules_hash(p->rules, sizeof p->rules);
    snprintf(p->profile, sizeof p->profile, "%s", profile ? profile : "strict");
    size_t o = 0;
    for (int i = 0; i < argc && argv && argv[i]; i++) {
        char arg[DFOTA_COMMAND_MAX];
        const char *a = argv[i];
        if (i == 0 && strrchr(a, '/'))
            a = strrchr(a, '/') + 1; /* the program, not where it was installed */
        dfota_escape(a, strlen(a), arg, sizeof arg);
        (void)dfota_redact_field(arg, sizeof arg); /* a --var with a password */
        int n = snprintf(p->command + o, sizeof p->command - o, "%s%s", i ? " " : "", arg);
        if (n < 0 || (size_t)n >= sizeof p->command - o) {
            text_cut_marked(p->command, sizeof p->command);
            break;
        }
        o += (size_t)n;
    }
}

size_t dfota_provenance_pairs(const dfota_provenance *p, const char **kv)
{
    kv[0] = "dfota";
    kv[1] = p->version;
    kv[2] = "commit";
    kv[3] = p->commit;
    kv[4] = "rules";
    kv[5] = p->rules;
    kv[6] = "profile";
    kv[7] = p->profile;
    kv[8] = "command";
    kv[9] = p->command;
    return 5;
}
