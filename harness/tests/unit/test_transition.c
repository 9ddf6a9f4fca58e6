/* SPDX-License-Identifier: MIT */
/* test_transition.c - what the checker tells its caller it made of each
 * event (dfota_checker_feed_ex): the numbers of commands and of the
 * commands final results answer, local echo, data, harness events and the
 * order of progress. The scenario runner's steps read nothing else. */
#include <stdio.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "suite.h"

#include "dfota/dfota.h"

#define G DFOTA_EV_GUESSED_DIR
#define IN DFOTA_PROGRESS_IN_ORDER
#define OUT DFOTA_PROGRESS_OUT_OF_ORDER

typedef struct {
    char dir;
    unsigned flags;
    const char *text;
    /* what the transition says */
    unsigned command, answers;
    int echo, data;
    dfota_progress_order progress;
    int percent, last; /* the percentage, and the attempt's highest after it */
    dfota_harness_event harness;
} row;

typedef struct {
    const char *name;
    row rows[12];
} tcase;

static const tcase cases[] = {
    {"a command and its answer",
     {{'>', 0, "AT+QFOTADL=\"/data/ufs/a.zip\"", 1, 0, 0, 0, 0, -1, -1, 0},
      {'<', 0, "OK", 0, 1, 0, 0, 0, -1, -1, 0}}},
    {"typed ahead: answers in order",
     {{'>', 0, "AT", 1, 0, 0, 0, 0, -1, -1, 0},
      {'>', 0, "AT+QFOTADL=?", 2, 0, 0, 0, 0, -1, -1, 0},
      {'<', 0, "OK", 0, 1, 0, 0, 0, -1, -1, 0},
      {'<', 0, "+QFOTADL: (list)", 0, 0, 0, 0, 0, -1, -1, 0},
      {'<', 0, "OK", 0, 2, 0, 0, 0, -1, -1, 0},
      {'<', 0, "OK", 0, 0, 0, 0, 0, -1, -1, 0}}},
    {"a terminal's local echo is no second command",
     {{'>', G, "AT+QGMR", 1, 0, 0, 0, 0, -1, -1, 0},
      {'>', G, "AT+QGMR", 0, 0, 1, 0, 0, -1, -1, 0},
      {'<', G, "EG95EFAR02A07M4G_01.002.01.002", 0, 0, 0, 0, 0, -1, -1, 0},
      {'<', G, "OK", 0, 1, 0, 0, 0, -1, -1, 0}}},
    {"in a transcript a line sent twice is sent twice",
     {{'>', 0, "AT+QGMR", 1, 0, 0, 0, 0, -1, -1, 0},
      {'>', 0, "AT+QGMR", 2, 0, 0, 0, 0, -1, -1, 0},
      {'<', 0, "OK", 0, 1, 0, 0, 0, -1, -1, 0},
      {'<', 0, "OK", 0, 2, 0, 0, 0, -1, -1, 0}}},
    {"the data a command prompted for",
     {{'>', 0, "AT+QISEND=0,5", 1, 0, 0, 0, 0, -1, -1, 0},
      {'<', 0, "> ", 0, 0, 0, 0, 0, -1, -1, 0},
      {'>', 0, "AT+QFOTADL=?", 0, 0, 0, 1, 0, -1, -1, 0},
      {'<', 0, "SEND OK", 0, 1, 0, 0, 0, -1, -1, 0}}},
    {"progress in order, out of order, out of range",
     {{'>', 0, "AT+QFOTADL=\"/data/ufs/a.zip\"", 1, 0, 0, 0, 0, -1, -1, 0},
      {'<', 0, "OK", 0, 1, 0, 0, 0, -1, -1, 0},
      {'<', 0, "+QIND: \"FOTA\",\"START\"", 0, 0, 0, 0, 0, -1, -1, 0},
      {'<', 0, "+QIND: \"FOTA\",\"UPDATING\",10", 0, 0, 0, 0, IN, 10, 10, 0},
      {'<', 0, "+QIND: \"FOTA\",\"UPDATING\",10", 0, 0, 0, 0, IN, 10, 10, 0},
      {'<', 0, "+QIND: \"FOTA\",\"UPDATING\",5", 0, 0, 0, 0, OUT, 5, 10, 0},
      {'<', 0, "+QIND: \"FOTA\",\"UPDATING\",150", 0, 0, 0, 0, 0, -1, -1, 0},
      {'<', 0, "+QIND: \"FOTA\",\"UPDATING\",100", 0, 0, 0, 0, IN, 100, 100, 0}}},
    {"harness events",
     {{'!', 0, "port-lost", 0, 0, 0, 0, 0, -1, -1, DFOTA_HEV_PORT_LOST},
      {'!', 0, "port-back after 20 s", 0, 0, 0, 0, 0, -1, -1, DFOTA_HEV_PORT_BACK},
      {'!', 0, "a note", 0, 0, 0, 0, 0, -1, -1, DFOTA_HEV_NONE}}},
    {"a reboot drops the commands owed an answer",
     {{'>', 0, "AT+QFOTADL=\"/data/ufs/a.zip\"", 1, 0, 0, 0, 0, -1, -1, 0},
      {'<', 0, "RDY", 0, 0, 0, 0, 0, -1, -1, 0},
      {'<', 0, "OK", 0, 0, 0, 0, 0, -1, -1, 0},
      {'>', 0, "AT", 2, 0, 0, 0, 0, -1, -1, 0},
      {'<', 0, "OK", 0, 2, 0, 0, 0, -1, -1, 0}}},
};

static void test_cases(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dfota_checker_opts o;
        dfota_checker_opts_init(&o);
        dfota_checker *c = dfota_checker_new(&o, NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(c);
        for (size_t k = 0; k < 12 && cases[i].rows[k].text; k++) {
            const row *w = &cases[i].rows[k];
            dfota_event ev = {.t_ns = DFOTA_T_NONE, .dir = (dfota_dir)w->dir, .data = w->text,
                              .len = strlen(w->text), .full_len = strlen(w->text),
                              .line = k + 1, .flags = w->flags};
            dfota_transition tr;
            dfota_checker_feed_ex(c, &ev, &tr);
            int ok = tr.command == w->command && tr.answers == w->answers && tr.echo == w->echo &&
                     tr.data == w->data && tr.progress == w->progress &&
                     tr.percent == w->percent && tr.last_percent == w->last &&
                     tr.harness == w->harness;
            CU_ASSERT(ok);
            if (!ok)
                printf("\n  %s, line %zu (%s): command %u answers %u echo %d data %d progress %d "
                       "percent %d last %d harness %d\n", cases[i].name, k + 1, w->text, tr.command,
                       tr.answers, tr.echo, tr.data, (int)tr.progress, tr.percent, tr.last_percent,
                       (int)tr.harness);
        }
        dfota_checker_finish(c);
        dfota_checker_free(c);
    }
}

/* The item is the line's own classification, borrowed from the event. */
static void test_item(void)
{
    dfota_checker_opts o;
    dfota_checker_opts_init(&o);
    dfota_checker *c = dfota_checker_new(&o, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    static const char line[] = "+QIND: \"FOTA\",\"END\",0";
    dfota_event ev = {.t_ns = DFOTA_T_NONE, .dir = DFOTA_DIR_MODULE, .data = line,
                      .len = sizeof line - 1, .full_len = sizeof line - 1, .line = 1};
    dfota_transition tr;
    dfota_checker_feed_ex(c, &ev, &tr);
    CU_ASSERT_EQUAL(tr.item.kind, DFOTA_ITEM_URC);
    CU_ASSERT_EQUAL(tr.item.stage, DFOTA_STAGE_END);
    CU_ASSERT(tr.item.has_code && tr.item.code == 0);
    CU_ASSERT(tr.item.stage_text >= line && tr.item.stage_text < line + sizeof line);
    dfota_checker_free(c);
}

int main(void)
{
    static const test_entry tests[] = {
        {"transitions, case by case", test_cases},
        {"the item is the line's classification", test_item},
    };
    return RUN_SUITE("transition", tests);
}
