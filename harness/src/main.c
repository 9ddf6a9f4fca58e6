/* SPDX-License-Identifier: MIT */
/* main.c - the dfota command: a table of its subcommands. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfota/dfota.h"
#include "dfota/emulator.h"
#include "dfota/guide.h"
#include "dfota/log.h"
#include "cli.h"

int cli_argc;
char **cli_argv;

static int cmd_rules(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        printf("usage: dfota rules\n\n"
               "Lists the rule catalogue, one rule a line: its stable ID, the section of\n"
               "the EG9x DFOTA User Guide it comes from, and the rule in a sentence.\n"
               "Findings, reports and scenarios name rules by these IDs.\n\n"
               "Exit status: 0.\n");
        return EXIT_PASS;
    }
    if (argc > 1) {
        fprintf(stderr, "dfota rules: takes no arguments\n");
        return EXIT_INPUT;
    }
    for (int r = 0; r < DFOTA_RULE_COUNT; r++) {
        const dfota_rule_info *ri = dfota_rule_get((dfota_rule)r);
        printf("%-28s §%-14s %s\n", ri->id, ri->section, ri->summary);
    }
    return EXIT_PASS; /* one rule a line, nothing else: scripts read it as a table */
}

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *what;
} commands[] = {
    {"check", cmd_check, "judge transcripts and captured logs against the DFOTA guide"},
    {"merge", cmd_merge, "merge the JSONL shards of many dfota check runs into one summary"},
    {"run", cmd_run, "run YAML scenarios against a source and write reports"},
    {"lint", cmd_lint, "validate scenarios without running them"},
    {"list", cmd_list, "list scenarios with their section, tags and sources"},
    {"rules", cmd_rules, "list the rule catalogue: IDs, guide sections, rules"},
    {"emulate", cmd_emulate, "run an emulated EG95 on a pseudo-terminal for host software to drive"},
    {"package", cmd_package, "write a delta package for the emulator"},
    {"stage", cmd_stage, "upload a package to an FTP server or a module's /data/ufs/ and check it"},
    {"proxy", cmd_proxy, "put a pseudo-terminal in front of a module: record and judge host and module"},
    {"ports", cmd_ports, "list serial ports and the USB identities to pass to --source"},
};

static void help(FILE *to)
{
    fprintf(to, "usage: dfota COMMAND [OPTIONS] ...\n\n"
                "dfota checks that a cellular module and the host driving it follow the\n"
                "DFOTA firmware upgrade protocol (AT+QFOTADL) of the EG9x DFOTA User Guide.\n\n"
                "Commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(to, "  %-8s %s\n", commands[i].name, commands[i].what);
    fprintf(to, "\n'dfota COMMAND --help' describes each command and its exit status.\n");
}

int cli_redact_param(const char *cmd, const char *what, const char *list)
{
    dfota_err rc = dfota_redact_add_names(list);
    if (rc == DFOTA_OK)
        return 0;
    char shown[256];
    dfota_escape(list, strlen(list), shown, sizeof shown);
    if (rc == DFOTA_E_TOO_BIG)
        fprintf(stderr, "%s: %s: more than %d parameter names\n", cmd, what, DFOTA_REDACT_EXTRA_MAX);
    else
        fprintf(stderr,
                "%s: %s '%s': not a list of parameter names (NAME[,NAME...], each up to %d "
                "printable ASCII bytes, none of \"=&;?#\")\n",
                cmd, what, shown, DFOTA_REDACT_NAME_MAX);
    return EXIT_INPUT;
}

const char *cli_shown(const char *s, char *buf, size_t cap)
{
    char red[DFOTA_REDACT_MAX(CLI_SHOWN_MAX) + 1];
    size_t len = strlen(s), n;
    if (len > CLI_SHOWN_MAX)
        len = CLI_SHOWN_MAX;
    if (dfota_redact(s, len, red, sizeof red, &n) != DFOTA_OK)
        snprintf(red, sizeof red, "(a text of %zu bytes)", strlen(s));
    dfota_escape_text(red, strlen(red), buf, cap);
    return buf;
}

int cli_bad_usage(const char *cmd, const char *fmt, const char *arg)
{
    char b[CLI_SHOWN_MAX];
    fprintf(stderr, "dfota %s: ", cmd);
    fprintf(stderr, fmt, cli_shown(arg, b, sizeof b)); /* a user's text: escaped, redacted */
    fprintf(stderr, "\nTry 'dfota %s --help'.\n", cmd);
    return EXIT_INPUT;
}

/* Scenario variables (--var NAME=VALUE, -D NAME=VALUE, --vars FILE) are
 * dfota run's only: given to another command they are an error, never
 * taken for a file name (dfota lint --var X=1 would read "--var" and
 * "X=1" as scenarios). 1 when one is there, said on standard error. */
static int var_misplaced(const char *cmd, int argc, char **argv)
{
    if (strcmp(cmd, "run") == 0)
        return 0;
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        const char *a = argv[i];
        const char *opt = strncmp(a, "--vars", 6) == 0 && (a[6] == '\0' || a[6] == '=') ? "--vars"
                          : strncmp(a, "--var", 5) == 0 && (a[5] == '\0' || a[5] == '=') ? "--var"
                          : strncmp(a, "-D", 2) == 0                                        ? "-D"
                                                                                            : NULL;
        if (opt) {
            fprintf(stderr, "dfota %s: %s is not an option of %s (scenario variables are dfota run's)\n",
                    cmd, opt, cmd);
            return 1;
        }
    }
    return 0;
}

/* dfota --complete WHAT: the words the bash completion offers that only the
 * core knows, one a line (hidden; completion/dfota.bash asks it). */
static int complete_words(const char *what)
{
    if (strcmp(what, "commands") == 0) {
        for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
            puts(commands[i].name);
    } else if (strcmp(what, "profiles") == 0) {
        puts("strict");
        puts("field");
        for (size_t i = 0; dfota_emulator_profile_name(i, NULL); i++)
            puts(dfota_emulator_profile_name(i, NULL));
    } else if (strcmp(what, "faults") == 0) {
        for (size_t i = 0; dfota_emulator_fault_kind(i); i++)
            puts(dfota_emulator_fault_kind(i));
    } else if (strcmp(what, "models") == 0) {
        for (size_t i = 0; dfota_emulator_model_name(i); i++)
            puts(dfota_emulator_model_name(i));
    } else {
        fprintf(stderr, "dfota --complete: commands, profiles, faults or models\n");
        return EXIT_INPUT;
    }
    return EXIT_PASS;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        help(stderr);
        return EXIT_INPUT;
    }
    cli_argc = argc;
    cli_argv = argv;
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        help(stdout);
        return EXIT_PASS;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        char hash[40];
        dfota_rules_hash(hash, sizeof hash);
        printf("dfota %s (commit %s, rules %s)\n", DFOTA_VERSION, dfota_build_commit(), hash);
        return EXIT_PASS;
    }
    if (strcmp(cmd, "--complete") == 0)
        return argc == 3 ? complete_words(argv[2]) : complete_words("");
    const char *extra = getenv("DFOTA_REDACT_PARAMS");
    if (extra && extra[0] && cli_redact_param("dfota", "DFOTA_REDACT_PARAMS", extra) != 0)
        return EXIT_INPUT;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(cmd, commands[i].name) == 0) {
            if (var_misplaced(commands[i].name, argc - 1, argv + 1))
                return EXIT_INPUT;
            return commands[i].run(argc - 1, argv + 1);
        }
    fprintf(stderr, "dfota: unknown command '%s'\n\n", cmd);
    help(stderr);
    return EXIT_INPUT;
}
