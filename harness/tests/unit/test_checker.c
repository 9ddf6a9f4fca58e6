/* SPDX-License-Identifier: MIT */
/* test_checker.c - the checker judged rule by rule (RULES.md), in both
 * profiles, against hand-written event lists.
 *
 * A case is a list of events written the way a transcript shows them,
 * "<time> <dir> <payload>", parsed here: <time> is seconds ("48.2") or "-"
 * for an untimed line; "73+1" with a payload holding "{1..100}" expands to
 * one event per number, 1 s apart from 73 s. A time may end in flags the
 * reader sets: "@g" the direction was guessed from the text (a capture of
 * a terminal), "@p" the line may still carry a log prefix ("-@g > ATI",
 * "71.9@p < ..."). Each case names the statuses
 * it expects for some rules, the file's verdict, and findings that must
 * appear (a quirk's WARN in field, its FAIL in strict, a NOTE). */
#include <stdarg.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "suite.h"

#include "dfota/dfota.h"

/* ---- how a case is written ------------------------------------------- */

enum { P_STRICT = 1, P_FIELD = 2, P_BOTH = 3 };

typedef struct {
    dfota_rule rule;
    dfota_verdict v;
} rule_exp;

typedef struct {
    int on;
    dfota_rule rule;
    dfota_level level;
    const char *quirk; /* NULL: any */
} finding_exp;

typedef struct {
    const char *name;
    int profiles;
    int usb;                   /* -1, 0, 1 */
    const char *windows;       /* "final-result=3,rdy=60" in seconds, or NULL */
    const char *const *events; /* NULL-terminated */
    const rule_exp *exp;       /* terminated by DFOTA_RULE_COUNT */
    dfota_verdict verdict;
    finding_exp find[2];
    unsigned nflows;           /* flows the sink must see; 0: not checked */
} tcase;

#define EV(...) ((const char *const[]){__VA_ARGS__, NULL})
#define EXP(...) ((const rule_exp[]){__VA_ARGS__, {DFOTA_RULE_COUNT, DFOTA_V_NA}})
#define E(r, v) {DFOTA_R_##r, DFOTA_V_##v}
#define F(r, l, q) {1, DFOTA_R_##r, DFOTA_L_##l, q}

/* Lines. */
#define QS(s) "\"" s "\""
#define CMD(t, arg) t " > AT+QFOTADL=" arg
#define URC(t, s) t " < +QIND: \"FOTA\",\"" s "\""
#define URCN(t, s, n) t " < +QIND: \"FOTA\",\"" s "\"," n

#define FTP_URL "ftp://test:test@124.74.41.170:21/Jun/update-v12-to-v13.zip"
#define HTTP_URL "http://www.quectel.com:100/update.zip"
#define LOCAL_FILE "/data/ufs/update-v13-to-v12.zip"

/* One timed FTP upgrade on a USB port, piece by piece: command 0 s, OK
 * 0.04 s, download 0.53-48.2 s, port away 48.9-71.3 s, START 71.9 s,
 * UPDATING 1..100 at 73..172 s, END,0 at 180 s. */
#define C_FTP CMD("0.000", QS(FTP_URL))
#define C_HTTP CMD("0.000", QS(HTTP_URL))
#define C_LOCAL CMD("0.000", QS(LOCAL_FILE))
#define OK_ "0.040 < OK"
#define ERR_ "0.040 < ERROR"
#define FTP_DL URC("0.530", "FTPSTART"), URCN("48.200", "FTPEND", "0")
#define HTTP_DL URC("0.530", "HTTPSTART"), URCN("48.200", "HTTPEND", "0")
#define PORT "48.900 ! port-lost", "71.300 ! port-back"
#define START_ URC("71.900", "START")
#define PROG URCN("73+1", "UPDATING", "{1..100}")
#define END0 URCN("180.000", "END", "0")
#define UPDATE START_, PROG, END0
#define FTP_OK C_FTP, OK_, FTP_DL, PORT, UPDATE
#define HTTP_OK C_HTTP, OK_, HTTP_DL, PORT, UPDATE
#define LOCAL_OK C_LOCAL, OK_, UPDATE
/* Up to the download's successful end. */
#define FTP_TO_DL C_FTP, OK_, FTP_DL, PORT
/* One attempt that reaches 10 % and ends with code. */
#define ATTEMPT(ts, tu, te, code) URC(ts, "START"), URCN(tu, "UPDATING", "10"), URCN(te, "END", code)
/* A successful attempt from ts: UPDATING 1..100 at ts+1 .. ts+100, END,0 at ts+101. */
#define GOOD_ATTEMPT(ts, tgen, te) URC(ts, "START"), URCN(tgen, "UPDATING", "{1..100}"), URCN(te, "END", "0")

/* Long fields for the limits of chapter 3.1. */
#define S10 "ssssssssss"
#define S50 S10 S10 S10 S10 S10
#define S51 S50 "s"
#define S119 S50 S50 S10 "sssssssss"
#define S118 S50 S50 S10 "ssssssss"
#define S246 S50 S50 S50 S50 S10 S10 S10 S10 "ssssss"
#define S247 S246 "s"

/* Typographic quotes U+201C and U+201D. */
#define LQ "\xe2\x80\x9c"
#define RQ "\xe2\x80\x9d"

/* ---- the table --------------------------------------------------------- */

static const tcase cases[] = {
    /* ===== the guide's own examples (chapter 3), untimed as printed ===== */
    {.name = "guide 3.1 FTP example", .profiles = P_BOTH, .usb = -1,
     .events = EV("- > AT+QFOTADL=\"ftp://test:test@124.74.41.170:21/Jun/update-v12-to-v13.zip\"",
                  "- < OK", "- < +QIND: \"FOTA\",\"FTPSTART\"", "- < +QIND: \"FOTA\",\"FTPEND\",0",
                  "- < +QIND: \"FOTA\",\"START\"", "- < +QIND: \"FOTA\",\"UPDATING\", 1",
                  "- < +QIND: \"FOTA\",\"UPDATING\", 2", "- < ...",
                  "- < +QIND: \"FOTA\",\"UPDATING\", 100", "- < +QIND: \"FOTA\",\"END\",0"),
     .exp = EXP(E(CMD_FINAL, PASS), E(CMD_INVALID_ERROR, NA), E(URC_SYNTAX, PASS),
                E(SEQ_DOWNLOAD, PASS), E(SEQ_START, PASS),
                E(SEQ_END, PASS), E(CODE_FTP, PASS), E(CODE_END, PASS), E(PROGRESS_RANGE, PASS),
                E(PROGRESS_ORDER, PASS), E(PROGRESS_COMPLETE, PASS), E(PORT_REBOOT, NA),
                E(TIME_FINAL_RESULT, NA)),
     .verdict = DFOTA_V_PASS, .find = {F(URC_SYNTAX, NOTE, "blank-after-comma")}, .nflows = 1},
    {.name = "guide 3.2 HTTP example", .profiles = P_BOTH, .usb = -1,
     .events = EV("- > AT+QFOTADL=\"http://www.quectel.com:100/update.zip\"", "- < OK",
                  "- < +QIND: \"FOTA\",\"HTTPSTART\"", "- < +QIND: \"FOTA\",\"HTTPEND\",0",
                  "- < +QIND: \"FOTA\",\"START\"", "- < +QIND: \"FOTA\",\"UPDATING\", 1",
                  "- < +QIND: \"FOTA\",\"UPDATING\", 2", "- < ...",
                  "- < +QIND: \"FOTA\",\"UPDATING\", 100", "- < +QIND: \"FOTA\",\"END\",0"),
     .exp = EXP(E(CMD_FINAL, PASS), E(URC_SYNTAX, PASS), E(SEQ_DOWNLOAD, PASS),
                E(SEQ_START, PASS), E(SEQ_END, PASS), E(CODE_HTTP, PASS), E(CODE_FTP, NA),
                E(CODE_END, PASS), E(PROGRESS_COMPLETE, PASS)),
     .verdict = DFOTA_V_PASS, .nflows = 1},
    {.name = "guide 3.3 local-file example", .profiles = P_BOTH, .usb = -1,
     .events = EV("- > AT+QFOTADL=\"/data/ufs/update-v13-to-v12.zip\"", "- < OK",
                  "- < +QIND: \"FOTA\", \"START\"", "- < +QIND: \"FOTA\", \"UPDATING\", 1",
                  "- < +QIND: \"FOTA\", \"UPDATING\", 2", "- < ...",
                  "- < +QIND: \"FOTA\", \"UPDATING\", 100", "- < +QIND: \"FOTA\", \"END\", 0"),
     .exp = EXP(E(CMD_FINAL, PASS), E(URC_SYNTAX, PASS), E(SEQ_DOWNLOAD, NA), E(SEQ_START, PASS),
                E(SEQ_END, PASS), E(CODE_END, PASS), E(PROGRESS_COMPLETE, PASS), E(PORT_REBOOT, NA)),
     .verdict = DFOTA_V_PASS, .find = {F(URC_SYNTAX, NOTE, "blank-after-comma")}, .nflows = 1},
    {.name = "guide 3.2 syntax table's HTTPEnd spelling is a NOTE", .profiles = P_BOTH, .usb = -1,
     .events = EV("- > AT+QFOTADL=\"http://www.quectel.com:100/update.zip\"", "- < OK",
                  "- < +QIND: \"FOTA\",\"HTTPSTART\"", "- < +QIND: \"FOTA\",\"HTTPEnd\",0",
                  "- < +QIND: \"FOTA\",\"START\"", "- < +QIND: \"FOTA\",\"UPDATING\",100",
                  "- < +QIND: \"FOTA\",\"END\",0"),
     .exp = EXP(E(URC_SYNTAX, PASS), E(SEQ_DOWNLOAD, PASS), E(CODE_HTTP, PASS)),
     .verdict = DFOTA_V_PASS, .find = {F(URC_SYNTAX, NOTE, "httpend-spelling")}},
    {.name = "timed FTP upgrade on USB passes every rule", .profiles = P_BOTH, .usb = 1,
     .windows = "final-result=3,download-start=60,download=300,start=300,progress-gap=120,end=300",
     .events = EV(FTP_OK),
     .exp = EXP(E(CMD_TEST, NA), E(CMD_FINAL, PASS), E(CMD_INVALID_ERROR, NA),
                E(CMD_NO_URC_AFTER_ERROR, NA), E(URC_SYNTAX, PASS), E(SEQ_DOWNLOAD, PASS),
                E(SEQ_NO_UPDATE_AFTER_DL_FAIL, NA), E(SEQ_START, PASS), E(SEQ_UPDATING_INSIDE, PASS),
                E(SEQ_END, PASS), E(CODE_FTP, PASS), E(CODE_HTTP, NA), E(CODE_END, PASS),
                E(PROGRESS_RANGE, PASS), E(PROGRESS_ORDER, PASS), E(PROGRESS_COMPLETE, PASS),
                E(RETRY_505, NA), E(RETRY_UNTIL_SUCCESS, NA), E(PORT_REBOOT, PASS),
                E(TIME_FINAL_RESULT, PASS), E(TIME_DOWNLOAD_START, PASS), E(TIME_DOWNLOAD, PASS),
                E(TIME_START, PASS), E(TIME_PROGRESS_GAP, PASS), E(TIME_END, PASS), E(TIME_RDY, NA)),
     .verdict = DFOTA_V_PASS, .nflows = 1},

    /* ===== CMD-TEST (3) ===== */
    {.name = "CMD-TEST: AT+QFOTADL=? answered OK", .profiles = P_BOTH, .usb = -1,
     .events = EV("0.0 > AT+QFOTADL=?", "0.01 < OK"),
     .exp = EXP(E(CMD_TEST, PASS), E(CMD_FINAL, PASS)), .verdict = DFOTA_V_PASS, .nflows = 1},
    {.name = "CMD-TEST: AT+QFOTADL=? answered ERROR", .profiles = P_BOTH, .usb = -1,
     .events = EV("0.0 > AT+QFOTADL=?", "0.01 < ERROR"),
     .exp = EXP(E(CMD_TEST, FAIL), E(CMD_FINAL, PASS), E(CMD_NO_URC_AFTER_ERROR, NA)),
     .verdict = DFOTA_V_FAIL, .find = {F(CMD_TEST, FAIL, NULL)}},
    {.name = "CMD-TEST: AT+QFOTADL=? answered +CME ERROR", .profiles = P_BOTH, .usb = -1,
     .events = EV("0.0 > AT+QFOTADL=?", "0.01 < +CME ERROR: 58"),
     .exp = EXP(E(CMD_TEST, FAIL), E(CMD_FINAL, PASS)), .verdict = DFOTA_V_FAIL},
    {.name = "CMD-TEST: no test command, rule N/A", .profiles = P_BOTH, .usb = -1,
     .events = EV(FTP_OK), .exp = EXP(E(CMD_TEST, NA)), .verdict = DFOTA_V_PASS},

    /* ===== CMD-FINAL (3) ===== */
    {.name = "CMD-FINAL: one OK", .profiles = P_BOTH, .usb = -1, .events = EV(LOCAL_OK),
     .exp = EXP(E(CMD_FINAL, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "CMD-FINAL: +CME ERROR is a final result", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_FTP, "0.04 < +CME ERROR: 3"),
     .exp = EXP(E(CMD_FINAL, PASS), E(CMD_NO_URC_AFTER_ERROR, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "CMD-FINAL: two OKs", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_FTP, OK_, "0.05 < OK", FTP_DL, PORT, UPDATE),
     .exp = EXP(E(CMD_FINAL, FAIL)), .verdict = DFOTA_V_FAIL, .find = {F(CMD_FINAL, FAIL, NULL)}},
    {.name = "CMD-FINAL: OK then ERROR", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_LOCAL, OK_, "0.05 < ERROR", UPDATE),
     .exp = EXP(E(CMD_FINAL, FAIL)), .verdict = DFOTA_V_FAIL},
    {.name = "CMD-FINAL: the module reboots before answering", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_FTP, "10.0 ! port-lost", "30.0 ! port-back"),
     .exp = EXP(E(CMD_FINAL, FAIL)), .verdict = DFOTA_V_FAIL},
    {.name = "CMD-FINAL: INCOMPLETE, log ends before the final result", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_FTP),
     .exp = EXP(E(CMD_FINAL, INCOMPLETE)), .verdict = DFOTA_V_INCOMPLETE,
     .find = {F(CMD_FINAL, INCOMPLETE, NULL)}},
    {.name = "CMD-FINAL: the answer to another command is not the FOTA command's", .profiles = P_BOTH,
     .usb = -1, .events = EV("0.0 > ATI", "0.01 < Quectel", "0.02 < EG95", "0.03 < OK", LOCAL_OK),
     .exp = EXP(E(CMD_FINAL, PASS)), .verdict = DFOTA_V_PASS, .nflows = 1},

    /* ===== CMD-INVALID-ERROR (3.1, 3.2, 3.3): refused with ERROR passes ===== */
    {.name = "CMD-INVALID-ERROR: port 0 refused", .profiles = P_BOTH, .usb = -1,
     .events = EV(CMD("0", QS("ftp://u:p@host:0/f.zip")), ERR_),
     .exp = EXP(E(CMD_INVALID_ERROR, PASS), E(CMD_FINAL, PASS), E(CMD_NO_URC_AFTER_ERROR, PASS)),
     .verdict = DFOTA_V_PASS},
    {.name = "CMD-INVALID-ERROR: port 65536 refused", .profiles = P_BOTH, .usb = -1,
     .events = EV(CMD("0", QS("ftp://u:p@host:65536/f.zip")), ERR_),
     .exp = EXP(E(CMD_INVALID_ERROR, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "CMD-INVALID-ERROR: HTTP port 70000 refused", .profiles = P_BOTH, .usb = -1,
     .events = EV(CMD("0", QS("http://host:70000/f.zip")), ERR_),
     .exp = EXP(E(CMD_INVALID_ERROR, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "CMD-INVALID-ERROR: 51-byte user refused", .profiles = P_BOTH, .usb = -1,
     .events = EV(CMD("0", QS("ftp://" S51 ":p@host:21/f.zip")), ERR_),
     .exp = EXP(E(CMD_INVALID_ERROR, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "CMD-INVALID-ERROR: 51-byte password refused", .profiles = P_BOTH, .usb = -1,
     .events = EV(CMD("0", QS("ftp://u:" S51 "@host:21/f.zip")), "0.04 < +CME ERROR: 601"),
     .exp = EXP(E(CMD_INVALID_ERROR, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "CMD-INVALID-ERROR: 51-byte server refused", .profiles = P_BOTH, .usb = -1,
     .events = EV(CMD("0", QS("ftp://u:p@" S51 ":21/f.zip")), ERR_),
     .exp = EXP(E(CMD_INVALID_ERROR, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "CMD-INVALID-ERROR: 51-byte FTP file path refused", .profiles = P_BOTH, .usb = -1,
     .events = EV(CMD("0", QS("ftp://u:p@host:21/" S51)), ERR_),
     .exp = EXP(E(CMD_INVALID_ERROR, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "CMD-INVALID-ERROR: 256-byte URL refused", .profiles = P_BOTH, .usb = -1,
     .events = EV(CMD("0", QS("http://h/" S247)), ERR_),
     .exp = EXP(E(CMD_INVALID_ERROR, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "CMD-INVALID-ERROR: 129-byte local name refused", .profiles = P_BOTH, .usb = -1,
     .events = EV(CMD("0", QS("/data/ufs/" S119)), ERR_),
     .exp = EXP(E(CMD_INVALID_ERROR, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "CMD-INVALID-ERROR: sftp:// refused", .profiles = P_BOTH, .usb = -1,
     .events = EV(CMD("0", QS("sftp://u:p@host/f.zip")), ERR_),
     .exp = EXP(E(CMD_INVALID_ERROR, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "CMD-INVALID-ERROR: a name outside /data/ufs/ refused", .profiles = P_BOTH, .usb = -1,
     .events = EV(CMD("0", QS("/tmp/update.zip")), ERR_),
     .exp = EXP(E(CMD_INVALID_ERROR, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "CMD-INVALID-ERROR: unquoted URL refused", .profiles = P_BOTH, .usb = -1,
     .events = EV(CMD("0", "ftp://u:p@host/f.zip"), ERR_),
     .exp = EXP(E(CMD_INVALID_ERROR, PASS)), .verdict = DFOTA_V_PASS},
    /* answered OK: FAIL in both profiles (no shipped firmware takes these) */
    {.name = "CMD-INVALID-ERROR: port 0 answered OK", .profiles = P_BOTH, .usb = -1,
     .events = EV(CMD("0", QS("ftp://u:p@host:0/f.zip")), OK_),
     .exp = EXP(E(CMD_INVALID_ERROR, FAIL), E(CMD_FINAL, PASS)), .verdict = DFOTA_V_FAIL,
     .find = {F(CMD_INVALID_ERROR, FAIL, NULL)}},
    {.name = "CMD-INVALID-ERROR: 51-byte user answered OK", .profiles = P_BOTH, .usb = -1,
     .events = EV(CMD("0", QS("ftp://" S51 ":p@host:21/f.zip")), OK_, FTP_DL, PORT, UPDATE),
     .exp = EXP(E(CMD_INVALID_ERROR, FAIL)), .verdict = DFOTA_V_FAIL},
    {.name = "CMD-INVALID-ERROR: 51-byte file path answered OK", .profiles = P_BOTH, .usb = -1,
     .events = EV(CMD("0", QS("ftp://u:p@host:21/" S51)), OK_),
     .exp = EXP(E(CMD_INVALID_ERROR, FAIL)), .verdict = DFOTA_V_FAIL},
    {.name = "CMD-INVALID-ERROR: 256-byte URL answered OK", .profiles = P_BOTH, .usb = -1,
     .events = EV(CMD("0", QS("http://h/" S247)), OK_),
     .exp = EXP(E(CMD_INVALID_ERROR, FAIL)), .verdict = DFOTA_V_FAIL},
    {.name = "CMD-INVALID-ERROR: 129-byte local name answered OK", .profiles = P_BOTH, .usb = -1,
     .events = EV(CMD("0", QS("/data/ufs/" S119)), OK_),
     .exp = EXP(E(CMD_INVALID_ERROR, FAIL)), .verdict = DFOTA_V_FAIL},
    {.name = "CMD-INVALID-ERROR: port 65536 answered OK", .profiles = P_BOTH, .usb = -1,
     .events = EV(CMD("0", QS("ftp://u:p@host:65536/f.zip")), OK_),
     .exp = EXP(E(CMD_INVALID_ERROR, FAIL)), .verdict = DFOTA_V_FAIL},
    {.name = "CMD-INVALID-ERROR: sftp:// answered OK", .profiles = P_BOTH, .usb = -1,
     .events = EV(CMD("0", QS("sftp://u:p@host/f.zip")), OK_),
     .exp = EXP(E(CMD_INVALID_ERROR, FAIL)), .verdict = DFOTA_V_FAIL},
    {.name = "CMD-INVALID-ERROR: invalid URL with extra arguments answered OK", .profiles = P_BOTH,
     .usb = -1, .events = EV(CMD("0", QS("ftp://u:p@host:0/f.zip") ",1,1,1"), OK_),
     .exp = EXP(E(CMD_INVALID_ERROR, FAIL)), .verdict = DFOTA_V_FAIL},
    /* the limits themselves are allowed: rule N/A */
    {.name = "CMD-INVALID-ERROR: 50-byte user, password, server, path and port 65535 are valid",
     .profiles = P_BOTH, .usb = -1,
     .events = EV(CMD("0", QS("FTP://" S50 ":" S50 "@" S50 ":65535/" S50)), OK_, FTP_DL, PORT, UPDATE),
     .exp = EXP(E(CMD_INVALID_ERROR, NA), E(SEQ_DOWNLOAD, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "CMD-INVALID-ERROR: 255-byte HTTP URL, any case, is valid", .profiles = P_BOTH, .usb = -1,
     .events = EV(CMD("0", QS("HtTp://h/" S246)), OK_, HTTP_DL, PORT, UPDATE),
     .exp = EXP(E(CMD_INVALID_ERROR, NA), E(SEQ_DOWNLOAD, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "CMD-INVALID-ERROR: 128-byte local name is valid", .profiles = P_BOTH, .usb = -1,
     .events = EV(CMD("0", QS("/data/ufs/" S118)), OK_, UPDATE),
     .exp = EXP(E(CMD_INVALID_ERROR, NA), E(SEQ_START, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "CMD-INVALID-ERROR: a valid URL refused (busy) is not this rule's business",
     .profiles = P_BOTH, .usb = -1, .events = EV(C_FTP, ERR_),
     .exp = EXP(E(CMD_INVALID_ERROR, NA), E(CMD_NO_URC_AFTER_ERROR, PASS)), .verdict = DFOTA_V_PASS},

    /* ===== CMD-NO-URC-AFTER-ERROR (3) ===== */
    {.name = "CMD-NO-URC-AFTER-ERROR: ERROR and the log ends", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_FTP, ERR_, "1.0 < +CREG: 1"),
     .exp = EXP(E(CMD_NO_URC_AFTER_ERROR, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "CMD-NO-URC-AFTER-ERROR: ERROR then the next command", .profiles = P_BOTH, .usb = -1,
     .events = EV(CMD("0", QS("ftp://u:p@host:0/f.zip")), ERR_, CMD("10.0", QS(LOCAL_FILE)),
                  "10.04 < OK", URC("20", "START"), URCN("21", "UPDATING", "100"), URCN("22", "END", "0")),
     .exp = EXP(E(CMD_NO_URC_AFTER_ERROR, PASS), E(CMD_INVALID_ERROR, PASS), E(SEQ_START, PASS)),
     .verdict = DFOTA_V_PASS, .nflows = 2},
    {.name = "CMD-NO-URC-AFTER-ERROR: FTPSTART after ERROR", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_FTP, ERR_, URC("0.5", "FTPSTART")),
     .exp = EXP(E(CMD_NO_URC_AFTER_ERROR, FAIL)), .verdict = DFOTA_V_FAIL,
     .find = {F(CMD_NO_URC_AFTER_ERROR, FAIL, NULL)}},
    {.name = "CMD-NO-URC-AFTER-ERROR: a whole upgrade after ERROR", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_FTP, ERR_, FTP_DL, PORT, UPDATE),
     .exp = EXP(E(CMD_NO_URC_AFTER_ERROR, FAIL)), .verdict = DFOTA_V_FAIL},

    /* ===== URC-SYNTAX (3.1, 3.2, 3.3) ===== */
    {.name = "URC-SYNTAX: guide form", .profiles = P_BOTH, .usb = -1, .events = EV(HTTP_OK),
     .exp = EXP(E(URC_SYNTAX, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "URC-SYNTAX: unknown stage", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_LOCAL, OK_, START_, URCN("72", "UPDATEING", "5"), PROG, END0),
     .exp = EXP(E(URC_SYNTAX, FAIL)), .verdict = DFOTA_V_FAIL, .find = {F(URC_SYNTAX, FAIL, NULL)}},
    {.name = "URC-SYNTAX: stage in another case", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_FTP, OK_, URC("0.53", "ftpstart"), URCN("48.2", "FTPEND", "0"), PORT, UPDATE),
     .exp = EXP(E(URC_SYNTAX, FAIL)), .verdict = DFOTA_V_FAIL},
    {.name = "URC-SYNTAX: END without its integer", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_LOCAL, OK_, START_, PROG, URC("180", "END")),
     .exp = EXP(E(URC_SYNTAX, FAIL)), .verdict = DFOTA_V_FAIL},
    {.name = "URC-SYNTAX: FTPEND without its integer", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_FTP, OK_, URC("0.53", "FTPSTART"), URC("48.2", "FTPEND"), PORT, UPDATE),
     .exp = EXP(E(URC_SYNTAX, FAIL)), .verdict = DFOTA_V_FAIL},
    {.name = "URC-SYNTAX: START with an integer", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_LOCAL, OK_, URCN("71.9", "START", "1"), PROG, END0),
     .exp = EXP(E(URC_SYNTAX, FAIL)), .verdict = DFOTA_V_FAIL},
    {.name = "URC-SYNTAX: UPDATING with a word", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_LOCAL, OK_, START_, URCN("72", "UPDATING", "abc"), PROG, END0),
     .exp = EXP(E(URC_SYNTAX, FAIL)), .verdict = DFOTA_V_FAIL},
    {.name = "URC-SYNTAX: blank after a comma is a NOTE", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_LOCAL, OK_, "71.9 < +QIND: \"FOTA\", \"START\"",
                  "73+1 < +QIND: \"FOTA\",\"UPDATING\", {1..100}", "180 < +QIND: \"FOTA\", \"END\", 0"),
     .exp = EXP(E(URC_SYNTAX, PASS)), .verdict = DFOTA_V_PASS,
     .find = {F(URC_SYNTAX, NOTE, "blank-after-comma")}},
    {.name = "URC-SYNTAX: one cut URC fails strict", .profiles = P_STRICT, .usb = -1,
     .events = EV(C_LOCAL, OK_, START_, URCN("72", "UPDATING", "1"), "72.5 < +QIND: \"FOTA\",\"UPDA",
                  PROG, END0),
     .exp = EXP(E(URC_SYNTAX, FAIL)), .verdict = DFOTA_V_FAIL, .find = {F(URC_SYNTAX, FAIL, NULL)}},
    {.name = "URC-SYNTAX: one cut URC is cut-urc in field", .profiles = P_FIELD, .usb = -1,
     .events = EV(C_LOCAL, OK_, START_, URCN("72", "UPDATING", "1"), "72.5 < +QIND: \"FOTA\",\"UPDA",
                  PROG, END0),
     .exp = EXP(E(URC_SYNTAX, WARN)), .verdict = DFOTA_V_PASS,
     .find = {F(URC_SYNTAX, WARN, "cut-urc")}},
    {.name = "URC-SYNTAX: two cut URCs are tolerated in field", .profiles = P_FIELD, .usb = 1,
     .events = EV(C_FTP, OK_, FTP_DL, "48.9 ! port-lost", "60.0 < +QIND: \"FO", "71.3 ! port-back",
                  "71.5 < +QIND: \"FOTA", START_, PROG, END0),
     .exp = EXP(E(URC_SYNTAX, WARN), E(SEQ_START, PASS), E(PORT_REBOOT, PASS)),
     .verdict = DFOTA_V_PASS, .find = {F(URC_SYNTAX, WARN, "cut-urc")}},
    {.name = "URC-SYNTAX: a third cut URC fails field", .profiles = P_FIELD, .usb = -1,
     .events = EV(C_LOCAL, OK_, "10 < +QIND: \"FO", "11 < +QIND: \"FOTA\",", START_,
                  URCN("72", "UPDATING", "1"), "72.5 < +QIND: \"FOTA\",\"UPDA", PROG, END0),
     .exp = EXP(E(URC_SYNTAX, FAIL)), .verdict = DFOTA_V_FAIL,
     .find = {F(URC_SYNTAX, WARN, "cut-urc"), F(URC_SYNTAX, FAIL, NULL)}},

    /* ===== SEQ-DOWNLOAD (3.1, 3.2, 3.3) ===== */
    {.name = "SEQ-DOWNLOAD: FTPSTART then FTPEND", .profiles = P_BOTH, .usb = -1, .events = EV(FTP_OK),
     .exp = EXP(E(SEQ_DOWNLOAD, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "SEQ-DOWNLOAD: HTTPSTART then HTTPEND", .profiles = P_BOTH, .usb = -1,
     .events = EV(HTTP_OK), .exp = EXP(E(SEQ_DOWNLOAD, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "SEQ-DOWNLOAD: local file has no download stage, N/A", .profiles = P_BOTH, .usb = -1,
     .events = EV(LOCAL_OK), .exp = EXP(E(SEQ_DOWNLOAD, NA)), .verdict = DFOTA_V_PASS},
    {.name = "SEQ-DOWNLOAD: HTTP stages for an FTP command", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_FTP, OK_, HTTP_DL, PORT, UPDATE),
     .exp = EXP(E(SEQ_DOWNLOAD, FAIL)), .verdict = DFOTA_V_FAIL, .find = {F(SEQ_DOWNLOAD, FAIL, NULL)}},
    {.name = "SEQ-DOWNLOAD: FTP stages for an HTTP command", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_HTTP, OK_, FTP_DL, PORT, UPDATE),
     .exp = EXP(E(SEQ_DOWNLOAD, FAIL)), .verdict = DFOTA_V_FAIL},
    {.name = "SEQ-DOWNLOAD: HTTPSSTART for a plain HTTP command", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_HTTP, OK_, URC("0.53", "HTTPSSTART"), URCN("48.2", "HTTPSEND", "0"), PORT, UPDATE),
     .exp = EXP(E(SEQ_DOWNLOAD, FAIL)), .verdict = DFOTA_V_FAIL},
    {.name = "SEQ-DOWNLOAD: a download stage for a local file", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_LOCAL, OK_, FTP_DL, UPDATE),
     .exp = EXP(E(SEQ_DOWNLOAD, FAIL)), .verdict = DFOTA_V_FAIL},
    {.name = "SEQ-DOWNLOAD: FTPEND without FTPSTART", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_FTP, OK_, URCN("48.2", "FTPEND", "0"), PORT, UPDATE),
     .exp = EXP(E(SEQ_DOWNLOAD, FAIL)), .verdict = DFOTA_V_FAIL},
    {.name = "SEQ-DOWNLOAD: FTPSTART twice", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_FTP, OK_, URC("0.53", "FTPSTART"), URC("1.0", "FTPSTART"),
                  URCN("48.2", "FTPEND", "0"), PORT, UPDATE),
     .exp = EXP(E(SEQ_DOWNLOAD, FAIL)), .verdict = DFOTA_V_FAIL},
    {.name = "SEQ-DOWNLOAD: START during the download", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_FTP, OK_, URC("0.53", "FTPSTART"), URC("5", "START")),
     .exp = EXP(E(SEQ_DOWNLOAD, FAIL)), .verdict = DFOTA_V_FAIL},
    {.name = "SEQ-DOWNLOAD: INCOMPLETE, the log ends mid-download", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_FTP, OK_, URC("0.53", "FTPSTART")),
     .exp = EXP(E(SEQ_DOWNLOAD, INCOMPLETE), E(CMD_FINAL, PASS)), .verdict = DFOTA_V_INCOMPLETE,
     .find = {F(SEQ_DOWNLOAD, INCOMPLETE, NULL)}},
    {.name = "SEQ-DOWNLOAD: INCOMPLETE, the log ends after OK", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_HTTP, OK_),
     .exp = EXP(E(SEQ_DOWNLOAD, INCOMPLETE)), .verdict = DFOTA_V_INCOMPLETE},

    /* ===== SEQ-NO-UPDATE-AFTER-DL-FAIL (4, 5) ===== */
    {.name = "SEQ-NO-UPDATE-AFTER-DL-FAIL: FTPEND,601 and nothing after", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_FTP, OK_, URC("0.53", "FTPSTART"), URCN("30", "FTPEND", "601"), "40 < +CREG: 1"),
     .exp = EXP(E(SEQ_NO_UPDATE_AFTER_DL_FAIL, PASS), E(CODE_FTP, PASS), E(SEQ_DOWNLOAD, PASS)),
     .verdict = DFOTA_V_PASS},
    {.name = "SEQ-NO-UPDATE-AFTER-DL-FAIL: HTTPEND,701 then the next command", .profiles = P_BOTH,
     .usb = -1,
     .events = EV(C_HTTP, OK_, URC("0.53", "HTTPSTART"), URCN("30", "HTTPEND", "701"),
                  CMD("40", QS(LOCAL_FILE)), "40.04 < OK", URC("50", "START"),
                  URCN("51", "UPDATING", "100"), URCN("52", "END", "0")),
     .exp = EXP(E(SEQ_NO_UPDATE_AFTER_DL_FAIL, PASS), E(CODE_HTTP, PASS), E(SEQ_START, PASS)),
     .verdict = DFOTA_V_PASS, .nflows = 2},
    {.name = "SEQ-NO-UPDATE-AFTER-DL-FAIL: START after FTPEND,601", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_FTP, OK_, URC("0.53", "FTPSTART"), URCN("30", "FTPEND", "601"), UPDATE),
     .exp = EXP(E(SEQ_NO_UPDATE_AFTER_DL_FAIL, FAIL)), .verdict = DFOTA_V_FAIL,
     .find = {F(SEQ_NO_UPDATE_AFTER_DL_FAIL, FAIL, NULL)}},
    {.name = "SEQ-NO-UPDATE-AFTER-DL-FAIL: UPDATING after HTTPEND,502", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_HTTP, OK_, URC("0.53", "HTTPSTART"), URCN("30", "HTTPEND", "502"),
                  URCN("40", "UPDATING", "50")),
     .exp = EXP(E(SEQ_NO_UPDATE_AFTER_DL_FAIL, FAIL)), .verdict = DFOTA_V_FAIL},
    {.name = "SEQ-NO-UPDATE-AFTER-DL-FAIL: END after FTPEND,510", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_FTP, OK_, URC("0.53", "FTPSTART"), URCN("30", "FTPEND", "510"),
                  URCN("40", "END", "0")),
     .exp = EXP(E(SEQ_NO_UPDATE_AFTER_DL_FAIL, FAIL)), .verdict = DFOTA_V_FAIL},

    /* ===== SEQ-START (3) ===== */
    {.name = "SEQ-START: after FTPEND,0", .profiles = P_BOTH, .usb = -1, .events = EV(FTP_OK),
     .exp = EXP(E(SEQ_START, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "SEQ-START: after a local file's OK", .profiles = P_BOTH, .usb = -1,
     .events = EV(LOCAL_OK), .exp = EXP(E(SEQ_START, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "SEQ-START: after a retried END,524", .profiles = P_BOTH, .usb = -1,
     .events = EV(FTP_TO_DL, ATTEMPT("71.9", "73", "80", "524"), "81 ! port-lost", "90 ! port-back",
                  GOOD_ATTEMPT("100", "101+1", "210")),
     .exp = EXP(E(SEQ_START, PASS), E(RETRY_UNTIL_SUCCESS, PASS), E(SEQ_END, PASS)),
     .verdict = DFOTA_V_PASS},
    {.name = "SEQ-START: START after END,0", .profiles = P_BOTH, .usb = -1,
     .events = EV(FTP_OK, URC("200", "START")),
     .exp = EXP(E(SEQ_START, FAIL)), .verdict = DFOTA_V_FAIL, .find = {F(SEQ_START, FAIL, NULL)}},
    {.name = "SEQ-START: START after END,510 (not retried)", .profiles = P_BOTH, .usb = -1,
     .events = EV(FTP_TO_DL, ATTEMPT("71.9", "73", "80", "510"), URC("200", "START")),
     .exp = EXP(E(SEQ_START, FAIL)), .verdict = DFOTA_V_FAIL},
    {.name = "SEQ-START: a second START with no reboot", .profiles = P_BOTH, .usb = -1,
     .events = EV(FTP_TO_DL, START_, URCN("72", "UPDATING", "5"), URC("72.5", "START"), PROG, END0),
     .exp = EXP(E(SEQ_START, FAIL)), .verdict = DFOTA_V_FAIL},
    {.name = "SEQ-START: a local file's OK, then the next command accepted, no START",
     .profiles = P_BOTH, .usb = -1, .events = EV(C_LOCAL, OK_, CMD("100", QS(FTP_URL)), "100.04 < OK"),
     .exp = EXP(E(SEQ_START, FAIL)), .verdict = DFOTA_V_FAIL},
    {.name = "SEQ-START: FTPEND,0, then the next AT+QFOTADL accepted, no START", .profiles = P_BOTH,
     .usb = -1, .events = EV(FTP_TO_DL, CMD("100", QS(FTP_URL)), "100.04 < OK"),
     .exp = EXP(E(SEQ_START, FAIL)), .verdict = DFOTA_V_FAIL},
    {.name = "SEQ-START: the next AT+QFOTADL refused (busy) before the reboot, the first goes on",
     .profiles = P_BOTH, .usb = -1,
     .events = EV(C_FTP, OK_, FTP_DL, CMD("48.5", QS(FTP_URL)), "48.54 < ERROR", PORT, UPDATE),
     .exp = EXP(E(SEQ_START, PASS), E(SEQ_END, PASS), E(CMD_NO_URC_AFTER_ERROR, PASS),
                E(PROGRESS_COMPLETE, PASS)),
     .verdict = DFOTA_V_PASS, .nflows = 2},
    {.name = "SEQ-START: refused after the reboot: back in normal mode, and no START before the end",
     .profiles = P_BOTH, .usb = -1, .events = EV(FTP_TO_DL, CMD("80", QS(FTP_URL)), "80.04 < ERROR"),
     .exp = EXP(E(SEQ_START, FAIL), E(CMD_NO_URC_AFTER_ERROR, PASS)), .verdict = DFOTA_V_FAIL},
    {.name = "SEQ-START: AT answered after the download's reboot, the log ends: INCOMPLETE",
     .profiles = P_BOTH, .usb = -1, .events = EV(FTP_TO_DL, "75 > AT", "75.01 < OK"),
     .exp = EXP(E(SEQ_START, INCOMPLETE)), .verdict = DFOTA_V_INCOMPLETE},
    {.name = "SEQ-START: the log ends after the download's reboot with nothing answered: INCOMPLETE",
     .profiles = P_BOTH, .usb = -1, .events = EV(FTP_TO_DL, "75 < +CPIN: READY"),
     .exp = EXP(E(SEQ_START, INCOMPLETE)), .verdict = DFOTA_V_INCOMPLETE},
    {.name = "SEQ-START: INCOMPLETE, refused (busy) and the log ends before START",
     .profiles = P_BOTH, .usb = -1, .events = EV(C_LOCAL, OK_, CMD("100", QS(FTP_URL)), "100.04 < ERROR"),
     .exp = EXP(E(SEQ_START, INCOMPLETE)), .verdict = DFOTA_V_INCOMPLETE},
    {.name = "SEQ-START: INCOMPLETE, the log ends after FTPEND,0", .profiles = P_BOTH, .usb = -1,
     .events = EV(FTP_TO_DL),
     .exp = EXP(E(SEQ_START, INCOMPLETE), E(SEQ_DOWNLOAD, PASS)), .verdict = DFOTA_V_INCOMPLETE},
    {.name = "SEQ-START: INCOMPLETE, the log ends after a local file's OK", .profiles = P_BOTH,
     .usb = -1, .events = EV(C_LOCAL, OK_),
     .exp = EXP(E(SEQ_START, INCOMPLETE)), .verdict = DFOTA_V_INCOMPLETE},

    /* ===== SEQ-UPDATING-INSIDE (3) ===== */
    {.name = "SEQ-UPDATING-INSIDE: between START and END", .profiles = P_BOTH, .usb = -1,
     .events = EV(FTP_OK), .exp = EXP(E(SEQ_UPDATING_INSIDE, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "SEQ-UPDATING-INSIDE: UPDATING after END,0", .profiles = P_BOTH, .usb = -1,
     .events = EV(FTP_OK, URCN("190", "UPDATING", "100")),
     .exp = EXP(E(SEQ_UPDATING_INSIDE, FAIL)), .verdict = DFOTA_V_FAIL,
     .find = {F(SEQ_UPDATING_INSIDE, FAIL, NULL)}},
    {.name = "SEQ-UPDATING-INSIDE: UPDATING during the download", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_FTP, OK_, URC("0.53", "FTPSTART"), URCN("10", "UPDATING", "30")),
     .exp = EXP(E(SEQ_UPDATING_INSIDE, FAIL)), .verdict = DFOTA_V_FAIL},
    {.name = "SEQ-UPDATING-INSIDE: UPDATING after END,511", .profiles = P_BOTH, .usb = -1,
     .events = EV(LOCAL_OK, URCN("181", "END", "511"), URCN("182", "UPDATING", "5")),
     .exp = EXP(E(SEQ_UPDATING_INSIDE, FAIL)), .verdict = DFOTA_V_FAIL},

    /* ===== SEQ-END (3) ===== */
    {.name = "SEQ-END: START closed by END", .profiles = P_BOTH, .usb = -1, .events = EV(LOCAL_OK),
     .exp = EXP(E(SEQ_END, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "SEQ-END: START closed by a reboot and a new START (retry across a reboot)",
     .profiles = P_BOTH, .usb = 1,
     .events = EV(FTP_TO_DL, START_, URCN("72", "UPDATING", "10"), URCN("73", "UPDATING", "30"),
                  "74 ! port-lost", "90 ! port-back", URC("91", "START"), URCN("92+1", "UPDATING", "{1..100}"),
                  URCN("200", "END", "0")),
     .exp = EXP(E(SEQ_END, PASS), E(SEQ_START, PASS), E(PROGRESS_ORDER, PASS),
                E(PROGRESS_COMPLETE, PASS), E(PORT_REBOOT, PASS)),
     .verdict = DFOTA_V_PASS, .nflows = 1},
    {.name = "SEQ-END: END after the update had ended", .profiles = P_BOTH, .usb = -1,
     .events = EV(LOCAL_OK, URCN("190", "END", "0")),
     .exp = EXP(E(SEQ_END, FAIL)), .verdict = DFOTA_V_FAIL, .find = {F(SEQ_END, FAIL, NULL)}},
    {.name = "SEQ-END: a second AT+QFOTADL while START is open", .profiles = P_BOTH, .usb = -1,
     .events = EV(FTP_TO_DL, START_, URCN("73", "UPDATING", "40"), CMD("100", QS(LOCAL_FILE)),
                  "100.04 < OK", URC("110", "START"), URCN("111", "UPDATING", "100"),
                  URCN("112", "END", "0")),
     .exp = EXP(E(SEQ_END, FAIL)), .verdict = DFOTA_V_FAIL, .find = {F(SEQ_END, FAIL, NULL)},
     .nflows = 2},
    {.name = "SEQ-END: INCOMPLETE, the log ends between START and END", .profiles = P_BOTH, .usb = -1,
     .events = EV(FTP_TO_DL, START_, URCN("73", "UPDATING", "40")),
     .exp = EXP(E(SEQ_END, INCOMPLETE), E(SEQ_START, PASS)), .verdict = DFOTA_V_INCOMPLETE,
     .find = {F(SEQ_END, INCOMPLETE, NULL)}},
    {.name = "SEQ-END: INCOMPLETE, the log ends after a reboot mid-update", .profiles = P_BOTH,
     .usb = -1, .events = EV(FTP_TO_DL, START_, URCN("73", "UPDATING", "40"), "74 ! port-lost"),
     .exp = EXP(E(SEQ_END, INCOMPLETE)), .verdict = DFOTA_V_INCOMPLETE},

    /* ===== CODE-FTP (4) ===== */
    {.name = "CODE-FTP: 0", .profiles = P_BOTH, .usb = -1, .events = EV(FTP_OK),
     .exp = EXP(E(CODE_FTP, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "CODE-FTP: 601", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_FTP, OK_, URC("0.5", "FTPSTART"), URCN("9", "FTPEND", "601")),
     .exp = EXP(E(CODE_FTP, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "CODE-FTP: 545", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_FTP, OK_, URC("0.5", "FTPSTART"), URCN("9", "FTPEND", "545")),
     .exp = EXP(E(CODE_FTP, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "CODE-FTP: 600 is no code", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_FTP, OK_, URC("0.5", "FTPSTART"), URCN("9", "FTPEND", "600")),
     .exp = EXP(E(CODE_FTP, FAIL)), .verdict = DFOTA_V_FAIL, .find = {F(CODE_FTP, FAIL, NULL)}},
    {.name = "CODE-FTP: 701 is HTTP's", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_FTP, OK_, URC("0.5", "FTPSTART"), URCN("9", "FTPEND", "701")),
     .exp = EXP(E(CODE_FTP, FAIL)), .verdict = DFOTA_V_FAIL},
    {.name = "CODE-FTP: 531 is outside 520-530", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_FTP, OK_, URC("0.5", "FTPSTART"), URCN("9", "FTPEND", "531")),
     .exp = EXP(E(CODE_FTP, FAIL)), .verdict = DFOTA_V_FAIL},

    /* ===== CODE-HTTP (5) ===== */
    {.name = "CODE-HTTP: 0", .profiles = P_BOTH, .usb = -1, .events = EV(HTTP_OK),
     .exp = EXP(E(CODE_HTTP, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "CODE-HTTP: 701", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_HTTP, OK_, URC("0.5", "HTTPSTART"), URCN("9", "HTTPEND", "701")),
     .exp = EXP(E(CODE_HTTP, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "CODE-HTTP: 511", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_HTTP, OK_, URC("0.5", "HTTPSTART"), URCN("9", "HTTPEND", "511")),
     .exp = EXP(E(CODE_HTTP, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "CODE-HTTP: 800 is no code", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_HTTP, OK_, URC("0.5", "HTTPSTART"), URCN("9", "HTTPEND", "800")),
     .exp = EXP(E(CODE_HTTP, FAIL)), .verdict = DFOTA_V_FAIL, .find = {F(CODE_HTTP, FAIL, NULL)}},
    {.name = "CODE-HTTP: 700 is no code", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_HTTP, OK_, URC("0.5", "HTTPSTART"), URCN("9", "HTTPEND", "700")),
     .exp = EXP(E(CODE_HTTP, FAIL)), .verdict = DFOTA_V_FAIL},

    /* ===== CODE-END (6) ===== */
    {.name = "CODE-END: 0", .profiles = P_BOTH, .usb = -1, .events = EV(LOCAL_OK),
     .exp = EXP(E(CODE_END, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "CODE-END: 510", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_LOCAL, OK_, ATTEMPT("71.9", "73", "80", "510")),
     .exp = EXP(E(CODE_END, PASS), E(SEQ_END, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "CODE-END: 502", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_LOCAL, OK_, ATTEMPT("71.9", "73", "80", "502")),
     .exp = EXP(E(CODE_END, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "CODE-END: 601 is a download code", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_LOCAL, OK_, ATTEMPT("71.9", "73", "80", "601")),
     .exp = EXP(E(CODE_END, FAIL)), .verdict = DFOTA_V_FAIL, .find = {F(CODE_END, FAIL, NULL)}},
    {.name = "CODE-END: 503 is no code", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_LOCAL, OK_, ATTEMPT("71.9", "73", "80", "503")),
     .exp = EXP(E(CODE_END, FAIL)), .verdict = DFOTA_V_FAIL},
    {.name = "CODE-END: 547 is outside 540-546", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_LOCAL, OK_, ATTEMPT("71.9", "73", "80", "547")),
     .exp = EXP(E(CODE_END, FAIL)), .verdict = DFOTA_V_FAIL},
    {.name = "CODE-END: 519 is outside 520-530", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_LOCAL, OK_, ATTEMPT("71.9", "73", "80", "519")),
     .exp = EXP(E(CODE_END, FAIL)), .verdict = DFOTA_V_FAIL},

    /* ===== PROGRESS-RANGE, PROGRESS-ORDER, PROGRESS-COMPLETE (3) ===== */
    {.name = "PROGRESS-RANGE: 0 and 100 are in range", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_LOCAL, OK_, START_, URCN("72", "UPDATING", "0"), URCN("73", "UPDATING", "100"),
                  URCN("74", "END", "0")),
     .exp = EXP(E(PROGRESS_RANGE, PASS), E(PROGRESS_COMPLETE, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "PROGRESS-RANGE: 101", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_LOCAL, OK_, START_, URCN("72", "UPDATING", "100"), URCN("73", "UPDATING", "101"),
                  URCN("74", "END", "0")),
     .exp = EXP(E(PROGRESS_RANGE, FAIL)), .verdict = DFOTA_V_FAIL,
     .find = {F(PROGRESS_RANGE, FAIL, NULL)}},
    {.name = "PROGRESS-RANGE: -1", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_LOCAL, OK_, START_, URCN("72", "UPDATING", "-1"), PROG, END0),
     .exp = EXP(E(PROGRESS_RANGE, FAIL)), .verdict = DFOTA_V_FAIL},
    {.name = "PROGRESS-ORDER: jumps forward (0, 2, 4, 9, 13, 100)", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_LOCAL, OK_, START_, URCN("72", "UPDATING", "0"), URCN("73", "UPDATING", "2"),
                  URCN("74", "UPDATING", "4"), URCN("75", "UPDATING", "9"),
                  URCN("76", "UPDATING", "13"), URCN("77", "UPDATING", "13"),
                  URCN("78", "UPDATING", "100"), URCN("79", "END", "0")),
     .exp = EXP(E(PROGRESS_ORDER, PASS), E(PROGRESS_RANGE, PASS), E(PROGRESS_COMPLETE, PASS)),
     .verdict = DFOTA_V_PASS},
    {.name = "PROGRESS-ORDER: 50 then 40", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_LOCAL, OK_, START_, URCN("72", "UPDATING", "50"), URCN("73", "UPDATING", "40"),
                  URCN("74", "UPDATING", "100"), URCN("75", "END", "0")),
     .exp = EXP(E(PROGRESS_ORDER, FAIL)), .verdict = DFOTA_V_FAIL,
     .find = {F(PROGRESS_ORDER, FAIL, NULL)}},
    {.name = "PROGRESS-ORDER: a retry starts again from 1", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_LOCAL, OK_, START_, URCN("72", "UPDATING", "40"), URCN("73", "END", "527"),
                  GOOD_ATTEMPT("100", "101+1", "210")),
     .exp = EXP(E(PROGRESS_ORDER, PASS), E(RETRY_UNTIL_SUCCESS, PASS), E(PROGRESS_COMPLETE, PASS)),
     .verdict = DFOTA_V_PASS},
    {.name = "PROGRESS-COMPLETE: END,0 after 100", .profiles = P_BOTH, .usb = -1, .events = EV(HTTP_OK),
     .exp = EXP(E(PROGRESS_COMPLETE, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "PROGRESS-COMPLETE: END,0 after 60", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_LOCAL, OK_, START_, URCN("72", "UPDATING", "60"), URCN("73", "END", "0")),
     .exp = EXP(E(PROGRESS_COMPLETE, FAIL)), .verdict = DFOTA_V_FAIL,
     .find = {F(PROGRESS_COMPLETE, FAIL, NULL)}},
    {.name = "PROGRESS-COMPLETE: END,0 with no UPDATING", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_LOCAL, OK_, START_, URCN("73", "END", "0")),
     .exp = EXP(E(PROGRESS_COMPLETE, FAIL)), .verdict = DFOTA_V_FAIL},
    {.name = "PROGRESS-COMPLETE: a failed END after 60 is N/A", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_LOCAL, OK_, START_, URCN("72", "UPDATING", "60"), URCN("73", "END", "511")),
     .exp = EXP(E(PROGRESS_COMPLETE, NA)), .verdict = DFOTA_V_PASS},
    {.name = "PROGRESS-COMPLETE: 100 in an earlier attempt does not count", .profiles = P_BOTH,
     .usb = -1,
     .events = EV(C_LOCAL, OK_, START_, URCN("72", "UPDATING", "100"), URCN("73", "END", "520"),
                  URC("80", "START"), URCN("81", "UPDATING", "50"), URCN("82", "END", "0")),
     .exp = EXP(E(PROGRESS_COMPLETE, FAIL)), .verdict = DFOTA_V_FAIL},

    /* ===== RETRY-505 (3, 4, 6) ===== */
    {.name = "RETRY-505: one retry after 505, then success", .profiles = P_BOTH, .usb = -1,
     .events = EV(FTP_TO_DL, ATTEMPT("71.9", "73", "75", "505"), "76 ! port-lost", "90 ! port-back",
                  GOOD_ATTEMPT("100", "101+1", "210")),
     .exp = EXP(E(RETRY_505, PASS), E(SEQ_START, PASS), E(PROGRESS_COMPLETE, PASS)),
     .verdict = DFOTA_V_PASS},
    {.name = "RETRY-505: five retries pass", .profiles = P_BOTH, .usb = -1,
     .events = EV(FTP_TO_DL, ATTEMPT("71.9", "73", "75", "505"), ATTEMPT("100", "101", "102", "505"),
                  ATTEMPT("200", "201", "202", "505"), ATTEMPT("300", "301", "302", "505"),
                  ATTEMPT("400", "401", "402", "505"), GOOD_ATTEMPT("500", "501+1", "610")),
     .exp = EXP(E(RETRY_505, PASS), E(SEQ_START, PASS), E(SEQ_END, PASS), E(CODE_END, PASS)),
     .verdict = DFOTA_V_PASS, .nflows = 1},
    {.name = "RETRY-505: stopping after the fifth retry's 505 passes", .profiles = P_BOTH, .usb = -1,
     .events = EV(FTP_TO_DL, ATTEMPT("71.9", "73", "75", "505"), ATTEMPT("100", "101", "102", "505"),
                  ATTEMPT("200", "201", "202", "505"), ATTEMPT("300", "301", "302", "505"),
                  ATTEMPT("400", "401", "402", "505"), ATTEMPT("500", "501", "502", "505"),
                  "600 < RDY", "601 < +CPIN: READY"),
     .exp = EXP(E(RETRY_505, PASS), E(SEQ_END, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "RETRY-505: a sixth consecutive retry fails", .profiles = P_BOTH, .usb = -1,
     .events = EV(FTP_TO_DL, ATTEMPT("71.9", "73", "75", "505"), ATTEMPT("100", "101", "102", "505"),
                  ATTEMPT("200", "201", "202", "505"), ATTEMPT("300", "301", "302", "505"),
                  ATTEMPT("400", "401", "402", "505"), ATTEMPT("500", "501", "502", "505"),
                  GOOD_ATTEMPT("600", "601+1", "710")),
     .exp = EXP(E(RETRY_505, FAIL)), .verdict = DFOTA_V_FAIL, .find = {F(RETRY_505, FAIL, NULL)}},
    {.name = "RETRY-505: a 520 in between starts the count again", .profiles = P_BOTH, .usb = -1,
     .events = EV(FTP_TO_DL, ATTEMPT("71.9", "73", "75", "505"), ATTEMPT("100", "101", "102", "505"),
                  ATTEMPT("200", "201", "202", "505"), ATTEMPT("300", "301", "302", "505"),
                  ATTEMPT("400", "401", "402", "520"), ATTEMPT("500", "501", "502", "505"),
                  GOOD_ATTEMPT("600", "601+1", "710")),
     .exp = EXP(E(RETRY_505, PASS), E(RETRY_UNTIL_SUCCESS, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "RETRY-505: INCOMPLETE, the log ends after END,505 before the retry",
     .profiles = P_BOTH, .usb = -1, .events = EV(FTP_TO_DL, ATTEMPT("71.9", "73", "75", "505")),
     .exp = EXP(E(RETRY_505, INCOMPLETE), E(SEQ_END, PASS)), .verdict = DFOTA_V_INCOMPLETE,
     .find = {F(RETRY_505, INCOMPLETE, NULL)}},
    {.name = "RETRY-505: the next command after two retries (five are owed)", .profiles = P_BOTH,
     .usb = -1,
     .events = EV(FTP_TO_DL, ATTEMPT("71.9", "73", "75", "505"), ATTEMPT("100", "101", "102", "505"),
                  ATTEMPT("200", "201", "202", "505"), CMD("300", QS(FTP_URL)), "300.04 < OK"),
     .exp = EXP(E(RETRY_505, FAIL)), .verdict = DFOTA_V_FAIL},

    /* ===== RETRY-UNTIL-SUCCESS (4, 6) ===== */
    {.name = "RETRY-UNTIL-SUCCESS: END,520 then a retry", .profiles = P_BOTH, .usb = -1,
     .events = EV(FTP_TO_DL, ATTEMPT("71.9", "73", "75", "520"), GOOD_ATTEMPT("100", "101+1", "210")),
     .exp = EXP(E(RETRY_UNTIL_SUCCESS, PASS), E(SEQ_START, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "RETRY-UNTIL-SUCCESS: 546, 530, 540 then success", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_LOCAL, OK_, ATTEMPT("71.9", "73", "75", "546"), ATTEMPT("100", "101", "102", "530"),
                  ATTEMPT("200", "201", "202", "540"), GOOD_ATTEMPT("300", "301+1", "410")),
     .exp = EXP(E(RETRY_UNTIL_SUCCESS, PASS), E(CODE_END, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "RETRY-UNTIL-SUCCESS: END,520 then the next command accepted", .profiles = P_BOTH,
     .usb = -1,
     .events = EV(FTP_TO_DL, ATTEMPT("71.9", "73", "75", "520"), CMD("300", QS(FTP_URL)),
                  "300.04 < OK"),
     .exp = EXP(E(RETRY_UNTIL_SUCCESS, FAIL)), .verdict = DFOTA_V_FAIL,
     .find = {F(RETRY_UNTIL_SUCCESS, FAIL, NULL)}},
    {.name = "RETRY-UNTIL-SUCCESS: INCOMPLETE, the log ends after END,520", .profiles = P_BOTH,
     .usb = -1, .events = EV(FTP_TO_DL, ATTEMPT("71.9", "73", "75", "520"), "76 ! port-lost"),
     .exp = EXP(E(RETRY_UNTIL_SUCCESS, INCOMPLETE)), .verdict = DFOTA_V_INCOMPLETE,
     .find = {F(RETRY_UNTIL_SUCCESS, INCOMPLETE, NULL)}},

    /* ===== PORT-REBOOT (3.1, 3.2) ===== */
    {.name = "PORT-REBOOT: USB port drops and comes back", .profiles = P_BOTH, .usb = 1,
     .events = EV(HTTP_OK), .exp = EXP(E(PORT_REBOOT, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "PORT-REBOOT: USB port and no port event", .profiles = P_BOTH, .usb = 1,
     .events = EV(C_FTP, OK_, FTP_DL, UPDATE),
     .exp = EXP(E(PORT_REBOOT, FAIL)), .verdict = DFOTA_V_FAIL, .find = {F(PORT_REBOOT, FAIL, NULL)}},
    {.name = "PORT-REBOOT: USB port lost and not back", .profiles = P_BOTH, .usb = 1,
     .events = EV(C_FTP, OK_, FTP_DL, "48.9 ! port-lost", UPDATE),
     .exp = EXP(E(PORT_REBOOT, FAIL)), .verdict = DFOTA_V_FAIL},
    {.name = "PORT-REBOOT: port events before the download's end do not count", .profiles = P_BOTH,
     .usb = 1,
     .events = EV(C_FTP, OK_, URC("0.53", "FTPSTART"), "10 ! port-lost", "20 ! port-back",
                  URCN("48.2", "FTPEND", "0"), UPDATE),
     .exp = EXP(E(PORT_REBOOT, FAIL)), .verdict = DFOTA_V_FAIL},
    {.name = "PORT-REBOOT: unknown port, no port event: N/A", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_FTP, OK_, FTP_DL, UPDATE),
     .exp = EXP(E(PORT_REBOOT, NA)), .verdict = DFOTA_V_PASS},
    {.name = "PORT-REBOOT: UART, no port event: N/A", .profiles = P_BOTH, .usb = 0,
     .events = EV(C_FTP, OK_, FTP_DL, "50 < RDY", UPDATE),
     .exp = EXP(E(PORT_REBOOT, NA)), .verdict = DFOTA_V_PASS},
    {.name = "PORT-REBOOT: a local file on USB: N/A (3.3 has no such step)", .profiles = P_BOTH,
     .usb = 1, .events = EV(LOCAL_OK), .exp = EXP(E(PORT_REBOOT, NA)), .verdict = DFOTA_V_PASS},

    /* ===== the host (HOST-*), judged with "host" ===== */
    {.name = "HOST-*: a host that waits, reopens at once and reads to END", .profiles = P_BOTH,
     .usb = 1, .windows = "host,host-reopen=10",
     .events = EV("0 ! host-open", C_FTP, OK_, FTP_DL, PORT, "71.400 ! host-open", UPDATE),
     .exp = EXP(E(HOST_WAIT_FINAL, PASS), E(HOST_ONE_UPGRADE, PASS), E(HOST_REOPEN, PASS),
                E(HOST_READ_TO_END, PASS)),
     .verdict = DFOTA_V_PASS},
    {.name = "HOST-*: not judged unless asked", .profiles = P_BOTH, .usb = 1,
     .events = EV("0 ! host-open", C_FTP, "0.010 > AT", OK_, "0.050 < OK", FTP_DL, PORT, UPDATE),
     .exp = EXP(E(HOST_WAIT_FINAL, NA), E(HOST_ONE_UPGRADE, NA), E(HOST_REOPEN, NA),
                E(HOST_READ_TO_END, NA)),
     .verdict = DFOTA_V_PASS},
    {.name = "HOST-WAIT-FINAL: a command before the last one's final result", .profiles = P_BOTH,
     .usb = -1, .windows = "host",
     .events = EV("0.000 > AT+QGMR", "0.001 > AT+QFOTADL=?", "0.040 < EG95EFAR02A07M4G_01.002",
                  "0.041 < OK", "0.050 < OK"),
     .exp = EXP(E(HOST_WAIT_FINAL, FAIL), E(CMD_TEST, PASS)), .verdict = DFOTA_V_FAIL,
     .find = {F(HOST_WAIT_FINAL, FAIL, NULL)}},
    {.name = "HOST-WAIT-FINAL: after the final-result window the host may give up",
     .profiles = P_BOTH, .usb = -1, .windows = "host,final-result=3",
     .events = EV("0.000 > AT+QGMR", "5.000 > AT", "5.040 < OK"),
     .exp = EXP(E(HOST_WAIT_FINAL, PASS)), .verdict = DFOTA_V_PASS,
     .find = {F(HOST_WAIT_FINAL, NOTE, NULL)}},
    {.name = "HOST-WAIT-FINAL: a raw capture, commands one by one", .profiles = P_BOTH, .usb = -1,
     .windows = "host", .events = EV("- > ATI", "- < EG95", "- < OK", "- > AT", "- < OK"),
     .exp = EXP(E(HOST_WAIT_FINAL, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "HOST-ONE-UPGRADE: AT+QFOTADL again during the download", .profiles = P_BOTH,
     .usb = -1, .windows = "host",
     .events = EV(C_FTP, OK_, URC("0.530", "FTPSTART"), CMD("20.000", QS(FTP_URL)), "20.040 < ERROR"),
     .exp = EXP(E(HOST_ONE_UPGRADE, FAIL), E(HOST_WAIT_FINAL, PASS)), .verdict = DFOTA_V_FAIL,
     .find = {F(HOST_ONE_UPGRADE, FAIL, NULL)}},
    {.name = "HOST-ONE-UPGRADE: a new upgrade after the last one ended", .profiles = P_BOTH,
     .usb = -1, .windows = "host", .events = EV(LOCAL_OK, CMD("200.000", QS(LOCAL_FILE)), "200.040 < OK"),
     .exp = EXP(E(HOST_ONE_UPGRADE, PASS)), .verdict = DFOTA_V_INCOMPLETE},
    {.name = "HOST-REOPEN: the port reopened 1.2 s after it came back, window 1 s",
     .profiles = P_BOTH, .usb = 1, .windows = "host,host-reopen=1",
     .events = EV("0 ! host-open", C_FTP, OK_, FTP_DL, PORT, START_, "72.500 ! host-open", PROG,
                  END0),
     .exp = EXP(E(HOST_REOPEN, FAIL), E(HOST_READ_TO_END, FAIL)), .verdict = DFOTA_V_FAIL,
     .find = {F(HOST_REOPEN, FAIL, NULL), F(HOST_READ_TO_END, FAIL, NULL)}},
    {.name = "HOST-REOPEN: never reopened, the port went away again", .profiles = P_BOTH,
     .usb = 1, .windows = "host,host-reopen=10",
     .events = EV("0 ! host-open", C_LOCAL, OK_, UPDATE, "181 ! port-lost", "201 ! port-back",
                  "202 ! host-open", "203 < RDY"),
     .exp = EXP(E(HOST_REOPEN, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "HOST-REOPEN: never reopened before the log ends", .profiles = P_BOTH, .usb = 1,
     .windows = "host,host-reopen=10", .events = EV("0 ! host-open", C_FTP, OK_, FTP_DL, PORT, UPDATE),
     .exp = EXP(E(HOST_REOPEN, FAIL), E(HOST_READ_TO_END, FAIL)), .verdict = DFOTA_V_FAIL},
    {.name = "HOST-REOPEN: INCOMPLETE when the log ends inside the window", .profiles = P_BOTH,
     .usb = 1, .windows = "host,host-reopen=10",
     .events = EV("0 ! host-open", C_FTP, OK_, FTP_DL, PORT),
     .exp = EXP(E(HOST_REOPEN, INCOMPLETE)), .verdict = DFOTA_V_INCOMPLETE},
    {.name = "HOST-READ-TO-END: the host closed the port after OK", .profiles = P_BOTH, .usb = 1,
     .windows = "host", .events = EV("0 ! host-open", C_FTP, OK_, "0.100 ! host-close", FTP_DL),
     .exp = EXP(E(HOST_READ_TO_END, FAIL)), .verdict = DFOTA_V_FAIL,
     .find = {F(HOST_READ_TO_END, FAIL, NULL)}},
    {.name = "HOST-READ-TO-END: closed before END, the log ends", .profiles = P_BOTH, .usb = -1,
     .windows = "host",
     .events = EV("0 ! host-open", C_LOCAL, OK_, START_, "72 ! host-close"),
     .exp = EXP(E(HOST_READ_TO_END, FAIL)), .verdict = DFOTA_V_FAIL},
    {.name = "HOST-READ-TO-END, HOST-REOPEN: a log without host events says nothing",
     .profiles = P_BOTH, .usb = 1, .windows = "host", .events = EV(FTP_OK),
     .exp = EXP(E(HOST_READ_TO_END, NA), E(HOST_REOPEN, NA), E(HOST_WAIT_FINAL, PASS),
                E(HOST_ONE_UPGRADE, PASS)),
     .verdict = DFOTA_V_PASS},
    /* ===== TIME-* windows ===== */
    {.name = "TIME-FINAL-RESULT: OK in 0.04 s of 3 s", .profiles = P_BOTH, .usb = -1,
     .windows = "final-result=3", .events = EV(FTP_OK),
     .exp = EXP(E(TIME_FINAL_RESULT, PASS), E(TIME_DOWNLOAD, NA)), .verdict = DFOTA_V_PASS},
    {.name = "TIME-FINAL-RESULT: OK at exactly 3 s of 3 s", .profiles = P_BOTH, .usb = -1,
     .windows = "final-result=3", .events = EV(C_LOCAL, "3.000 < OK", UPDATE),
     .exp = EXP(E(TIME_FINAL_RESULT, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "TIME-FINAL-RESULT: OK after 3.5 s of 3 s", .profiles = P_BOTH, .usb = -1,
     .windows = "final-result=3", .events = EV(C_LOCAL, "3.500 < OK", UPDATE),
     .exp = EXP(E(TIME_FINAL_RESULT, FAIL), E(CMD_FINAL, PASS)), .verdict = DFOTA_V_FAIL,
     .find = {F(TIME_FINAL_RESULT, FAIL, NULL)}},
    {.name = "TIME-FINAL-RESULT: ERROR after 5 s of 3 s", .profiles = P_BOTH, .usb = -1,
     .windows = "final-result=3", .events = EV(C_FTP, "5 < ERROR"),
     .exp = EXP(E(TIME_FINAL_RESULT, FAIL)), .verdict = DFOTA_V_FAIL},
    {.name = "TIME-DOWNLOAD-START: FTPSTART in 0.53 s of 60 s", .profiles = P_BOTH, .usb = -1,
     .windows = "download-start=60", .events = EV(FTP_OK),
     .exp = EXP(E(TIME_DOWNLOAD_START, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "TIME-DOWNLOAD-START: HTTPSTART after 61 s of 60 s", .profiles = P_BOTH, .usb = -1,
     .windows = "download-start=60",
     .events = EV(C_HTTP, OK_, URC("61", "HTTPSTART"), URCN("62", "HTTPEND", "0"), UPDATE),
     .exp = EXP(E(TIME_DOWNLOAD_START, FAIL)), .verdict = DFOTA_V_FAIL,
     .find = {F(TIME_DOWNLOAD_START, FAIL, NULL)}},
    {.name = "TIME-DOWNLOAD: FTPEND at 48.2 s of 300 s", .profiles = P_BOTH, .usb = -1,
     .windows = "download=300", .events = EV(FTP_OK),
     .exp = EXP(E(TIME_DOWNLOAD, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "TIME-DOWNLOAD: FTPEND at 301 s of 300 s", .profiles = P_BOTH, .usb = -1,
     .windows = "download=300",
     .events = EV(C_FTP, OK_, URC("0.53", "FTPSTART"), URCN("301", "FTPEND", "0"), URC("320", "START"),
                  URCN("321", "UPDATING", "100"), URCN("322", "END", "0")),
     .exp = EXP(E(TIME_DOWNLOAD, FAIL)), .verdict = DFOTA_V_FAIL, .find = {F(TIME_DOWNLOAD, FAIL, NULL)}},
    {.name = "TIME-START: START 0.6 s after port-back, 300 s window", .profiles = P_BOTH, .usb = 1,
     .windows = "start=300", .events = EV(FTP_OK),
     .exp = EXP(E(TIME_START, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "TIME-START: START 301 s after port-back", .profiles = P_BOTH, .usb = 1,
     .windows = "start=300",
     .events = EV(FTP_TO_DL, URC("372.301", "START"), URCN("373", "UPDATING", "100"),
                  URCN("374", "END", "0")),
     .exp = EXP(E(TIME_START, FAIL)), .verdict = DFOTA_V_FAIL, .find = {F(TIME_START, FAIL, NULL)}},
    {.name = "TIME-START: a retry's START 301 s after END,520", .profiles = P_BOTH, .usb = -1,
     .windows = "start=300",
     .events = EV(C_LOCAL, OK_, ATTEMPT("71.9", "73", "75", "520"), GOOD_ATTEMPT("376", "377+1", "480")),
     .exp = EXP(E(TIME_START, FAIL)), .verdict = DFOTA_V_FAIL},
    {.name = "TIME-PROGRESS-GAP: 1 s gaps of 120 s", .profiles = P_BOTH, .usb = -1,
     .windows = "progress-gap=120", .events = EV(FTP_OK),
     .exp = EXP(E(TIME_PROGRESS_GAP, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "TIME-PROGRESS-GAP: a 121 s gap", .profiles = P_BOTH, .usb = -1,
     .windows = "progress-gap=120",
     .events = EV(C_LOCAL, OK_, START_, URCN("72", "UPDATING", "50"), URCN("193", "UPDATING", "100"),
                  URCN("194", "END", "0")),
     .exp = EXP(E(TIME_PROGRESS_GAP, FAIL)), .verdict = DFOTA_V_FAIL,
     .find = {F(TIME_PROGRESS_GAP, FAIL, NULL)}},
    {.name = "TIME-PROGRESS-GAP: 121 s from START to the first UPDATING", .profiles = P_BOTH,
     .usb = -1, .windows = "progress-gap=120",
     .events = EV(C_LOCAL, OK_, URC("10", "START"), URCN("131", "UPDATING", "100"),
                  URCN("132", "END", "0")),
     .exp = EXP(E(TIME_PROGRESS_GAP, FAIL)), .verdict = DFOTA_V_FAIL},
    {.name = "TIME-END: END 8 s after the last UPDATING of 300 s", .profiles = P_BOTH, .usb = -1,
     .windows = "end=300", .events = EV(FTP_OK),
     .exp = EXP(E(TIME_END, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "TIME-END: END 301 s after the last UPDATING", .profiles = P_BOTH, .usb = -1,
     .windows = "end=300",
     .events = EV(C_LOCAL, OK_, START_, URCN("72", "UPDATING", "100"), URCN("373", "END", "0")),
     .exp = EXP(E(TIME_END, FAIL)), .verdict = DFOTA_V_FAIL, .find = {F(TIME_END, FAIL, NULL)}},
    {.name = "TIME-RDY: RDY 10 s after END of 60 s", .profiles = P_BOTH, .usb = -1,
     .windows = "rdy=60", .events = EV(FTP_OK, "190 < RDY"),
     .exp = EXP(E(TIME_RDY, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "TIME-RDY: RDY 61 s after END", .profiles = P_BOTH, .usb = -1,
     .windows = "rdy=60", .events = EV(FTP_OK, "241 < RDY"),
     .exp = EXP(E(TIME_RDY, FAIL)), .verdict = DFOTA_V_FAIL, .find = {F(TIME_RDY, FAIL, NULL)}},
    {.name = "TIME-RDY: INCOMPLETE, no RDY after END", .profiles = P_BOTH, .usb = -1,
     .windows = "rdy=60", .events = EV(FTP_OK),
     .exp = EXP(E(TIME_RDY, INCOMPLETE)), .verdict = DFOTA_V_INCOMPLETE},
    {.name = "TIME-REBOOT: port back 22.4 s after it went away, 30 s window", .profiles = P_BOTH,
     .usb = 1, .windows = "reboot=30", .events = EV(FTP_OK),
     .exp = EXP(E(TIME_REBOOT, PASS), E(PORT_REBOOT, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "TIME-REBOOT: port back 31.1 s after it went away", .profiles = P_BOTH, .usb = 1,
     .windows = "reboot=30",
     .events = EV(C_FTP, OK_, FTP_DL, "48.900 ! port-lost", "80.000 ! port-back", URC("80.6", "START"),
                  URCN("81+1", "UPDATING", "{1..100}"), URCN("182", "END", "0")),
     .exp = EXP(E(TIME_REBOOT, FAIL), E(PORT_REBOOT, PASS)), .verdict = DFOTA_V_FAIL,
     .find = {F(TIME_REBOOT, FAIL, NULL)}},
    {.name = "TIME-REBOOT: the port lost and never back is not judged", .profiles = P_BOTH,
     .usb = -1, .windows = "reboot=30",
     .events = EV(C_LOCAL, OK_, UPDATE, "181 ! port-lost"),
     .exp = EXP(E(TIME_REBOOT, NA)), .verdict = DFOTA_V_PASS},
    {.name = "TIME-UPDATE: START 71.9 s to END 180 s, 10 min window", .profiles = P_BOTH,
     .usb = -1, .windows = "update=600", .events = EV(FTP_OK),
     .exp = EXP(E(TIME_UPDATE, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "TIME-UPDATE: 108.1 s of a 100 s window", .profiles = P_BOTH, .usb = -1,
     .windows = "update=100", .events = EV(FTP_OK),
     .exp = EXP(E(TIME_UPDATE, FAIL)), .verdict = DFOTA_V_FAIL, .find = {F(TIME_UPDATE, FAIL, NULL)}},
    {.name = "TIME-UPDATE: measured from the first START across a 520 retry", .profiles = P_BOTH,
     .usb = -1, .windows = "update=120",
     .events = EV(C_LOCAL, OK_, ATTEMPT("71.9", "73", "75", "520"), GOOD_ATTEMPT("90", "91+1", "200")),
     .exp = EXP(E(TIME_UPDATE, FAIL), E(RETRY_UNTIL_SUCCESS, PASS)), .verdict = DFOTA_V_FAIL},
    {.name = "TIME-UPDATE: a retried END does not close the window", .profiles = P_BOTH,
     .usb = -1, .windows = "update=130",
     .events = EV(C_LOCAL, OK_, ATTEMPT("71.9", "73", "75", "520"), GOOD_ATTEMPT("90", "91+1", "200")),
     .exp = EXP(E(TIME_UPDATE, PASS), E(RETRY_UNTIL_SUCCESS, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "TIME-REBOOT, TIME-UPDATE: an untimed log is not judged", .profiles = P_BOTH,
     .usb = -1, .windows = "reboot=1,update=1",
     .events = EV("- > AT+QFOTADL=\"" FTP_URL "\"", "- < OK", "- < +QIND: \"FOTA\",\"FTPSTART\"",
                  "- < +QIND: \"FOTA\",\"FTPEND\",0", "- ! port-lost", "- ! port-back",
                  "- < +QIND: \"FOTA\",\"START\"", "- < +QIND: \"FOTA\",\"UPDATING\",100",
                  "- < +QIND: \"FOTA\",\"END\",0"),
     .exp = EXP(E(TIME_REBOOT, NA), E(TIME_UPDATE, NA)), .verdict = DFOTA_V_PASS},
    {.name = "TIME-*: an untimed log is not judged", .profiles = P_BOTH, .usb = -1,
     .windows = "final-result=3,download-start=60,download=300,start=300,progress-gap=120,end=300,rdy=60",
     .events = EV("- > AT+QFOTADL=\"" FTP_URL "\"", "- < OK", "- < +QIND: \"FOTA\",\"FTPSTART\"",
                  "- < +QIND: \"FOTA\",\"FTPEND\",0", "- < +QIND: \"FOTA\",\"START\"",
                  "- < +QIND: \"FOTA\",\"UPDATING\",100", "- < +QIND: \"FOTA\",\"END\",0", "- < RDY"),
     .exp = EXP(E(TIME_FINAL_RESULT, NA), E(TIME_DOWNLOAD_START, NA), E(TIME_DOWNLOAD, NA),
                E(TIME_START, NA), E(TIME_PROGRESS_GAP, NA), E(TIME_END, NA), E(TIME_RDY, NA)),
     .verdict = DFOTA_V_PASS},
    {.name = "TIME-*: no window given, nothing judged", .profiles = P_BOTH, .usb = -1,
     .events = EV(FTP_OK, "10000 < RDY"),
     .exp = EXP(E(TIME_FINAL_RESULT, NA), E(TIME_START, NA), E(TIME_RDY, NA), E(TIME_END, NA)),
     .verdict = DFOTA_V_PASS},

    /* ===== scenarios ===== */
    {.name = "several commands: test, a rejected URL, an FTP upgrade, back via local file",
     .profiles = P_BOTH, .usb = 1,
     .events = EV("0 > AT+QFOTADL=?", "0.01 < OK", CMD("1", QS("sftp://u:p@h/f.zip")), "1.01 < ERROR",
                  CMD("2", QS(FTP_URL)), "2.04 < OK", URC("3", "FTPSTART"), URCN("50", "FTPEND", "0"),
                  "51 ! port-lost", "70 ! port-back", URC("71", "START"),
                  URCN("72+1", "UPDATING", "{1..100}"), URCN("180", "END", "0"), "181 ! port-lost",
                  "190 ! port-back", "191 < RDY", "192 < +CPIN: READY", "193 < +QIND: SMS DONE",
                  CMD("200", QS(LOCAL_FILE)), "200.04 < OK", "201 ! port-lost", "210 ! port-back",
                  URC("211", "START"), URCN("212+1", "UPDATING", "{1..100}"), URCN("320", "END", "0")),
     .exp = EXP(E(CMD_TEST, PASS), E(CMD_FINAL, PASS), E(CMD_INVALID_ERROR, PASS),
                E(CMD_NO_URC_AFTER_ERROR, PASS), E(URC_SYNTAX, PASS), E(SEQ_DOWNLOAD, PASS),
                E(SEQ_START, PASS), E(SEQ_END, PASS), E(PORT_REBOOT, PASS),
                E(PROGRESS_COMPLETE, PASS)),
     .verdict = DFOTA_V_PASS, .nflows = 4},
    {.name = "mid-procedure: the log starts at UPDATING 40", .profiles = P_BOTH, .usb = -1,
     .events = EV(URCN("0", "UPDATING", "40"), URCN("1+1", "UPDATING", "{41..100}"),
                  URCN("70", "END", "0")),
     .exp = EXP(E(SEQ_START, NA), E(SEQ_END, PASS), E(CMD_FINAL, NA), E(PROGRESS_COMPLETE, PASS)),
     .verdict = DFOTA_V_PASS, .nflows = 1},
    {.name = "mid-procedure: starts at UPDATING 40 and stops at 41", .profiles = P_BOTH, .usb = -1,
     .events = EV(URCN("0", "UPDATING", "40"), URCN("1", "UPDATING", "41")),
     .exp = EXP(E(SEQ_END, INCOMPLETE), E(SEQ_START, NA)), .verdict = DFOTA_V_INCOMPLETE},
    {.name = "mid-procedure: the log starts at FTPEND,0", .profiles = P_BOTH, .usb = 1,
     .events = EV(URCN("48.2", "FTPEND", "0"), PORT, UPDATE),
     .exp = EXP(E(SEQ_START, PASS), E(SEQ_END, PASS), E(PORT_REBOOT, PASS), E(CODE_FTP, PASS)),
     .verdict = DFOTA_V_PASS},
    {.name = "mid-procedure: the log starts at START", .profiles = P_BOTH, .usb = -1,
     .events = EV(UPDATE), .exp = EXP(E(SEQ_END, PASS), E(PROGRESS_COMPLETE, PASS)),
     .verdict = DFOTA_V_PASS},
    {.name = "unrelated traffic mixed into an upgrade changes nothing", .profiles = P_BOTH, .usb = -1,
     .events = EV("0 < RDY", "0.1 < +CPIN: READY", "0.2 < +QIND: SMS DONE", "0.3 < +QIND: PB DONE",
                  "0.4 > ATI", "0.41 < Quectel", "0.42 < EG95", "0.43 < Revision: EG95EFAR02A07M4G",
                  "0.44 < OK", "0.45 > AT+CREG?", "0.46 < +CREG: 0,1", "0.47 < OK",
                  "1.000 > AT+QFOTADL=\"" FTP_URL "\"", "1.040 < OK", "2 < +CREG: 1",
                  URC("2.5", "FTPSTART"), "3 < +QIND: \"csq\",20,99", URCN("48.2", "FTPEND", "0"),
                  "60 < RDY", "60.1 < +CPIN: READY", URC("71.9", "START"), "72 < +CREG: 1", PROG, END0,
                  "181 < RDY", "182 < +CPIN: READY", "183 < +QUSIM: 1", "184 < +CFUN: 1",
                  "185 < +QIND: SMS DONE", "186 < +QIND: PB DONE", "187 > ATI", "187.1 < Quectel",
                  "187.2 < EG95", "187.3 < Revision: EG95EFAR02A08M4G", "187.4 < OK"),
     .exp = EXP(E(CMD_FINAL, PASS), E(URC_SYNTAX, PASS), E(SEQ_DOWNLOAD, PASS), E(SEQ_START, PASS),
                E(SEQ_END, PASS), E(PROGRESS_COMPLETE, PASS), E(CMD_TEST, NA)),
     .verdict = DFOTA_V_PASS, .nflows = 1},
    {.name = "RDY as the reboot marker on a UART, retry across it", .profiles = P_BOTH, .usb = 0,
     .events = EV(C_FTP, OK_, FTP_DL, "60 < RDY", START_, URCN("73", "UPDATING", "30"), "80 < RDY",
                  URC("90", "START"), URCN("91+1", "UPDATING", "{1..100}"), URCN("200", "END", "0"),
                  "210 < RDY"),
     .exp = EXP(E(SEQ_START, PASS), E(SEQ_END, PASS), E(PROGRESS_ORDER, PASS), E(PORT_REBOOT, NA)),
     .verdict = DFOTA_V_PASS, .nflows = 1},
    {.name = "RDY after port-lost is one reboot, not two", .profiles = P_BOTH, .usb = 1,
     .events = EV(FTP_TO_DL, "71.5 < RDY", START_, URCN("73", "UPDATING", "30"), "74 ! port-lost",
                  "80 ! port-back", "81 < RDY", URC("90", "START"), URCN("91+1", "UPDATING", "{1..100}"),
                  URCN("200", "END", "0")),
     .exp = EXP(E(SEQ_START, PASS), E(SEQ_END, PASS), E(PORT_REBOOT, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "echo: the host line and the module's echo are one command", .profiles = P_BOTH,
     .usb = -1,
     .events = EV("0.000 > AT+QFOTADL=\"" FTP_URL "\"", "0.001 < AT+QFOTADL=\"" FTP_URL "\"", OK_,
                  FTP_DL, PORT, UPDATE),
     .exp = EXP(E(CMD_FINAL, PASS), E(SEQ_DOWNLOAD, PASS), E(SEQ_END, PASS)),
     .verdict = DFOTA_V_PASS, .nflows = 1},
    {.name = "echo: a raw capture shows the command twice as host lines", .profiles = P_BOTH,
     .usb = -1,
     .events = EV("-@g > AT+QFOTADL=\"" LOCAL_FILE "\"", "-@g > AT+QFOTADL=\"" LOCAL_FILE "\"", "- < OK",
                  "- < +QIND: \"FOTA\",\"START\"", "- < +QIND: \"FOTA\",\"UPDATING\",100",
                  "- < +QIND: \"FOTA\",\"END\",0"),
     .exp = EXP(E(CMD_FINAL, PASS), E(SEQ_START, PASS)), .verdict = DFOTA_V_PASS, .nflows = 1},
    {.name = "start-lost on USB: the port events still satisfy PORT-REBOOT", .profiles = P_FIELD,
     .usb = 1, .events = EV(FTP_TO_DL, PROG, END0),
     .exp = EXP(E(SEQ_UPDATING_INSIDE, WARN), E(PORT_REBOOT, PASS), E(PROGRESS_COMPLETE, PASS)),
     .verdict = DFOTA_V_PASS, .find = {F(SEQ_UPDATING_INSIDE, WARN, "start-lost")}},
    {.name = "start-lost on USB with no port event: PORT-REBOOT fails", .profiles = P_BOTH,
     .usb = 1, .events = EV(C_FTP, OK_, FTP_DL, PROG, END0),
     .exp = EXP(E(PORT_REBOOT, FAIL)), .verdict = DFOTA_V_FAIL},
    {.name = "START lost and no UPDATING before END,0 (strict)", .profiles = P_STRICT, .usb = 1,
     .events = EV(FTP_TO_DL, URCN("180", "END", "0")),
     .exp = EXP(E(SEQ_END, FAIL), E(PROGRESS_COMPLETE, FAIL)), .verdict = DFOTA_V_FAIL},
    {.name = "START lost and no UPDATING before END,0 (field)", .profiles = P_FIELD, .usb = 1,
     .events = EV(FTP_TO_DL, URCN("180", "END", "0")),
     .exp = EXP(E(SEQ_END, WARN), E(PROGRESS_COMPLETE, FAIL)), .verdict = DFOTA_V_FAIL,
     .find = {F(SEQ_END, WARN, "start-lost")}},
    {.name = "a busy ERROR while a download runs: the download's URCs are not the rejected command's",
     .profiles = P_BOTH, .usb = -1,
     .events = EV(C_FTP, OK_, URC("0.53", "FTPSTART"), CMD("10", QS(HTTP_URL)), "10.04 < ERROR",
                  URCN("48.2", "FTPEND", "0"), PORT, UPDATE),
     .exp = EXP(E(CMD_NO_URC_AFTER_ERROR, PASS), E(CMD_FINAL, PASS), E(SEQ_DOWNLOAD, PASS),
                E(SEQ_START, PASS), E(SEQ_END, PASS)),
     .verdict = DFOTA_V_PASS, .nflows = 2},
    {.name = "a command typed ahead: each OK is its own command's", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_FTP, "0.001 > ATI", OK_, "0.05 < Quectel", "0.06 < EG95", "0.07 < OK", FTP_DL,
                  PORT, UPDATE),
     .exp = EXP(E(CMD_FINAL, PASS), E(SEQ_DOWNLOAD, PASS), E(SEQ_START, PASS)),
     .verdict = DFOTA_V_PASS, .nflows = 1},
    {.name = "a command typed ahead after an unrelated URC changes nothing", .profiles = P_BOTH,
     .usb = -1,
     .events = EV(C_FTP, "0.001 < +CREG: 1", "0.002 > AT+CSQ", OK_, "0.05 < +CSQ: 20,99", "0.07 < OK",
                  FTP_DL, PORT, UPDATE),
     .exp = EXP(E(CMD_FINAL, PASS), E(SEQ_DOWNLOAD, PASS), E(SEQ_START, PASS)),
     .verdict = DFOTA_V_PASS, .nflows = 1},
    {.name = "CMD-INVALID-ERROR: an empty argument answered OK", .profiles = P_BOTH, .usb = -1,
     .events = EV(CMD("0", ""), OK_),
     .exp = EXP(E(CMD_INVALID_ERROR, FAIL)), .verdict = DFOTA_V_FAIL},
    {.name = "CMD-INVALID-ERROR: \"/data/ufs/\" alone refused", .profiles = P_BOTH, .usb = -1,
     .events = EV(CMD("0", QS("/data/ufs/")), ERR_),
     .exp = EXP(E(CMD_INVALID_ERROR, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "echo: a raw capture shows every command twice, other commands too", .profiles = P_BOTH,
     .usb = -1,
     .events = EV("-@g > ATI", "-@g > ATI", "- < Quectel", "- < EG95", "- < OK", "-@g > AT+CSQ",
                  "-@g > AT+CSQ", "- < +CSQ: 20,99", "- < OK", "-@g > AT+QFOTADL=\"" LOCAL_FILE "\"",
                  "-@g > AT+QFOTADL=\"" LOCAL_FILE "\"", "- < OK", "- < +QIND: \"FOTA\",\"START\"",
                  "- < +QIND: \"FOTA\",\"UPDATING\",100", "- < +QIND: \"FOTA\",\"END\",0"),
     .exp = EXP(E(CMD_FINAL, PASS), E(SEQ_START, PASS), E(SEQ_END, PASS)), .verdict = DFOTA_V_PASS,
     .nflows = 1},
    {.name = "echo: the module echoes other commands too", .profiles = P_BOTH, .usb = -1,
     .events = EV("0 > ATI", "0.001 < ATI", "0.01 < Quectel", "0.02 < OK", "1.000 > AT+QFOTADL=\"" LOCAL_FILE "\"",
                  "1.001 < AT+QFOTADL=\"" LOCAL_FILE "\"", "1.04 < OK", URC("71.9", "START"), PROG, END0),
     .exp = EXP(E(CMD_FINAL, PASS), E(SEQ_START, PASS), E(SEQ_END, PASS)), .verdict = DFOTA_V_PASS,
     .nflows = 1},
    {.name = "a terminal's port-gone message counts as a reboot", .profiles = P_BOTH, .usb = 1,
     .events = EV(C_FTP, OK_, FTP_DL, "48.9 < FATAL: read zero bytes from port", "71.3 ! port-back",
                  UPDATE),
     .exp = EXP(E(PORT_REBOOT, PASS), E(SEQ_START, PASS)), .verdict = DFOTA_V_PASS},
    {.name = "tio's Disconnected / Connected are the port going and coming back", .profiles = P_BOTH,
     .usb = 1,
     .events = EV(C_FTP, OK_, FTP_DL, "48.9 < Disconnected", "71.3 < Connected", UPDATE),
     .exp = EXP(E(PORT_REBOOT, PASS), E(SEQ_START, PASS), E(URC_SYNTAX, PASS)), .verdict = DFOTA_V_PASS},

    /* ===== the whole AT grammar (V.250, 27.007, Quectel's final results) ===== */
    {.name = "SEND OK answers AT+QISEND: the upgrade's OK is its own", .profiles = P_BOTH, .usb = -1,
     .events = EV("0 > AT+QIOPEN=1,0,\"TCP\",\"192.0.2.1\",80", "0.1 < OK", "0.2 < +QIOPEN: 0,0",
                  "1 > AT+QISEND=0,5", "1.01 < > ", "1.02 > hello", "1.05 < SEND OK",
                  CMD("2", QS(LOCAL_FILE)), "2.04 < OK", UPDATE),
     .exp = EXP(E(CMD_FINAL, PASS), E(SEQ_START, PASS), E(SEQ_END, PASS)), .verdict = DFOTA_V_PASS,
     .nflows = 1},
    {.name = "the data after AT+QISEND's prompt is not a command, even when it reads AT",
     .profiles = P_BOTH, .usb = -1, .windows = "host",
     .events = EV("1 > AT+QISEND=0,7", "1.01 < > ", "1.02 > ATHELLO", "1.05 < SEND FAIL",
                  CMD("2", QS(LOCAL_FILE)), "2.04 < OK", UPDATE),
     .exp = EXP(E(CMD_FINAL, PASS), E(HOST_WAIT_FINAL, PASS), E(SEQ_START, PASS)),
     .verdict = DFOTA_V_PASS, .nflows = 1},
    {.name = "untimed: a prompt whose answer never came does not swallow the upgrade",
     .profiles = P_BOTH, .usb = -1,
     .events = EV("-@g > AT+QISEND=0,5", "- < > hello", "- < +QIURC: \"closed\",0",
                  "-@g > AT+QFOTADL=\"" LOCAL_FILE "\"", "- < OK", "- < +QIND: \"FOTA\",\"START\"",
                  "- < +QIND: \"FOTA\",\"UPDATING\",100", "- < +QIND: \"FOTA\",\"END\",0"),
     .exp = EXP(E(CMD_FINAL, PASS), E(SEQ_START, PASS)), .verdict = DFOTA_V_PASS,
     .find = {F(CMD_FINAL, NOTE, NULL)}, .nflows = 1},
    {.name = "data mode from CONNECT to NO CARRIER is not AT lines", .profiles = P_BOTH, .usb = -1,
     .events = EV("0 > ATD*99#", "0.1 < CONNECT 150000000", "0.2 > AT+QFOTADL=\"/data/ufs/x\"",
                  "0.3 < OK", "0.4 < ERROR", "5 < NO CARRIER", CMD("6", QS(LOCAL_FILE)), "6.04 < OK",
                  UPDATE),
     .exp = EXP(E(CMD_FINAL, PASS), E(CMD_NO_URC_AFTER_ERROR, NA), E(SEQ_START, PASS)),
     .verdict = DFOTA_V_PASS, .nflows = 1},
    {.name = "CONNECT then data then OK (AT+QHTTPREAD): the OK ends the data, not a second answer",
     .profiles = P_BOTH, .usb = -1,
     .events = EV("0 > AT+QHTTPREAD=80", "0.1 < CONNECT", "0.2 < <html>", "0.3 < OK",
                  "0.4 < +QHTTPREAD: 0", CMD("6", QS(LOCAL_FILE)), "6.04 < OK", UPDATE),
     .exp = EXP(E(CMD_FINAL, PASS), E(SEQ_START, PASS)), .verdict = DFOTA_V_PASS, .nflows = 1},
    {.name = "a CONNECT that answers no command the log shows does not hide the upgrade",
     .profiles = P_BOTH, .usb = -1,
     .events = EV("- < CONNECT 115200", "- > AT+QFOTADL=\"" LOCAL_FILE "\"", "- < OK",
                  "- < +QIND: \"FOTA\",\"START\"", "- < +QIND: \"FOTA\",\"UPDATING\",100",
                  "- < +QIND: \"FOTA\",\"END\",0"),
     .exp = EXP(E(CMD_FINAL, PASS), E(SEQ_START, PASS), E(SEQ_END, PASS)), .verdict = DFOTA_V_PASS,
     .nflows = 1},
    {.name = "AT+QFOTADL answered BUSY: a final result, not one the guide gives", .profiles = P_BOTH,
     .usb = -1, .events = EV(C_LOCAL, "0.04 < BUSY"),
     .exp = EXP(E(CMD_FINAL, FAIL)), .verdict = DFOTA_V_FAIL, .find = {F(CMD_FINAL, FAIL, NULL)}},
    {.name = "a command never answered does not take a later command's answer (timed)",
     .profiles = P_BOTH, .usb = -1,
     .events = EV("0 > AT+QGMR", "200 > AT+QFOTADL=\"" LOCAL_FILE "\"", "200.04 < OK",
                  URC("271.9", "START"), URCN("273+1", "UPDATING", "{1..100}"), URCN("380", "END", "0")),
     .exp = EXP(E(CMD_FINAL, PASS), E(SEQ_START, PASS), E(SEQ_END, PASS)), .verdict = DFOTA_V_PASS,
     .find = {F(CMD_FINAL, NOTE, NULL)}, .nflows = 1},
    {.name = "an answer is owed for the final-result window when one is set", .profiles = P_BOTH,
     .usb = -1, .windows = "final-result=3",
     .events = EV("0 > AT+QGMR", "5 > AT+QFOTADL=\"" LOCAL_FILE "\"", "5.04 < OK",
                  URC("71.9", "START"), PROG, END0),
     .exp = EXP(E(CMD_FINAL, PASS), E(TIME_FINAL_RESULT, PASS), E(SEQ_START, PASS)),
     .verdict = DFOTA_V_PASS, .find = {F(CMD_FINAL, NOTE, NULL)}, .nflows = 1},
    {.name = "a command never answered, untimed: the next command after a URC ends the wait",
     .profiles = P_BOTH, .usb = -1,
     .events = EV("-@g > AT+QGMR", "- < +CREG: 1", "-@g > AT+QFOTADL=\"" LOCAL_FILE "\"", "- < OK",
                  "- < +QIND: \"FOTA\",\"START\"", "- < +QIND: \"FOTA\",\"UPDATING\",100",
                  "- < +QIND: \"FOTA\",\"END\",0"),
     .exp = EXP(E(CMD_FINAL, PASS), E(SEQ_START, PASS), E(SEQ_END, PASS)), .verdict = DFOTA_V_PASS,
     .find = {F(CMD_FINAL, NOTE, NULL)}, .nflows = 1},
    {.name = "an AT+QFOTADL never answered while a later command is: CMD-FINAL fails",
     .profiles = P_BOTH, .usb = -1,
     .events = EV(C_LOCAL, "200 > ATI", "200.01 < Quectel", "200.02 < OK"),
     .exp = EXP(E(CMD_FINAL, FAIL), E(SEQ_START, NA)), .verdict = DFOTA_V_FAIL,
     .find = {F(CMD_FINAL, FAIL, NULL)}, .nflows = 1},
    {.name = "several commands on one line: the AT+QFOTADL among them is judged",
     .profiles = P_BOTH, .usb = -1,
     .events = EV("0.000 > AT+QGMR;+QFOTADL=\"" FTP_URL "\"", "0.01 < EG95EFAR02A07M4G_01.002.01.002",
                  OK_, FTP_DL, PORT, UPDATE),
     .exp = EXP(E(CMD_FINAL, PASS), E(SEQ_DOWNLOAD, PASS), E(SEQ_START, PASS), E(SEQ_END, PASS)),
     .verdict = DFOTA_V_PASS, .nflows = 1},
    {.name = "several commands on one line: an invalid AT+QFOTADL among them accepted fails",
     .profiles = P_BOTH, .usb = -1,
     .events = EV("0.000 > AT+CMEE=2;+QFOTADL=\"ftp://124.74.41.170:21\";+QGMR", OK_),
     .exp = EXP(E(CMD_FINAL, PASS), E(CMD_INVALID_ERROR, FAIL)), .verdict = DFOTA_V_FAIL},
    {.name = "transcript: two identical sends are two commands, each with its answer",
     .profiles = P_BOTH, .usb = -1, .windows = "host",
     .events = EV("0.000 > AT+QFOTADL=\"" FTP_URL "\"", "0.010 > AT+QFOTADL=\"" FTP_URL "\"", OK_,
                  "0.05 < ERROR", FTP_DL, PORT, UPDATE),
     .exp = EXP(E(CMD_FINAL, PASS), E(HOST_WAIT_FINAL, FAIL), E(CMD_NO_URC_AFTER_ERROR, PASS),
                E(SEQ_DOWNLOAD, PASS), E(SEQ_END, PASS)),
     .verdict = DFOTA_V_FAIL, .find = {F(HOST_WAIT_FINAL, FAIL, NULL)}, .nflows = 2},
    {.name = "capture: a URC between a typed command and its echo leaves one command",
     .profiles = P_BOTH, .usb = -1,
     .events = EV("-@g > AT+QFOTADL=\"" LOCAL_FILE "\"", "- < +CREG: 1",
                  "-@g > AT+QFOTADL=\"" LOCAL_FILE "\"", "- < OK", "- < +QIND: \"FOTA\",\"START\"",
                  "- < +QIND: \"FOTA\",\"UPDATING\",100", "- < +QIND: \"FOTA\",\"END\",0"),
     .exp = EXP(E(CMD_FINAL, PASS), E(SEQ_START, PASS), E(SEQ_END, PASS)), .verdict = DFOTA_V_PASS,
     .nflows = 1},
    {.name = "capture: the same command again after its answer is a new command", .profiles = P_BOTH,
     .usb = -1,
     .events = EV("-@g > AT+QFOTADL=?", "- < OK", "-@g > AT+QFOTADL=?", "- < ERROR"),
     .exp = EXP(E(CMD_TEST, FAIL), E(CMD_FINAL, PASS)), .verdict = DFOTA_V_FAIL, .nflows = 2},

    /* ===== URC grammar and sequence ===== */
    {.name = "SEQ-START: a late START after the download, a busy ERROR between", .profiles = P_BOTH,
     .usb = 1,
     .events = EV(FTP_TO_DL, "80 < RDY", CMD("100", QS(FTP_URL)), "100.04 < ERROR",
                  URC("400", "START"), URCN("401+1", "UPDATING", "{1..100}"), URCN("502", "END", "0")),
     .exp = EXP(E(SEQ_START, PASS), E(SEQ_END, PASS), E(SEQ_UPDATING_INSIDE, PASS),
                E(CMD_NO_URC_AFTER_ERROR, PASS), E(PORT_REBOOT, PASS)),
     .verdict = DFOTA_V_PASS, .nflows = 2},
    {.name = "SEQ-START: a late START after RDY and a busy ERROR (untimed)", .profiles = P_BOTH,
     .usb = -1,
     .events = EV("- > AT+QFOTADL=\"" FTP_URL "\"", "- < OK", "- < +QIND: \"FOTA\",\"FTPSTART\"",
                  "- < +QIND: \"FOTA\",\"FTPEND\",0", "- < RDY", "- > AT+QFOTADL=\"" FTP_URL "\"",
                  "- < +CME ERROR: 3", "- < +QIND: \"FOTA\",\"START\"",
                  "- < +QIND: \"FOTA\",\"UPDATING\",100", "- < +QIND: \"FOTA\",\"END\",0"),
     .exp = EXP(E(SEQ_START, PASS), E(SEQ_END, PASS), E(CMD_NO_URC_AFTER_ERROR, PASS)),
     .verdict = DFOTA_V_PASS, .nflows = 2},
    {.name = "SEQ-START: a new upgrade accepted before START: FAIL", .profiles = P_BOTH, .usb = -1,
     .events = EV(C_FTP, OK_, FTP_DL, "60 < RDY", CMD("100", QS(HTTP_URL)), "100.04 < OK"),
     .exp = EXP(E(SEQ_START, FAIL)), .verdict = DFOTA_V_FAIL},
    {.name = "MiniFOTA END,0 after 60 is no field behaviour", .profiles = P_FIELD, .usb = -1,
     .events = EV(C_LOCAL, OK_, START_, URCN("73+1", "UPDATING", "{1..60}"), END0),
     .exp = EXP(E(PROGRESS_COMPLETE, FAIL)), .verdict = DFOTA_V_FAIL},
    {.name = "OK lost on USB: the port went away right after the command (strict)",
     .profiles = P_STRICT, .usb = 1,
     .events = EV(C_LOCAL, "0.2 ! port-lost", "20 ! port-back", UPDATE),
     .exp = EXP(E(CMD_FINAL, INCOMPLETE), E(SEQ_START, PASS), E(SEQ_END, PASS),
                E(PROGRESS_COMPLETE, PASS)),
     .verdict = DFOTA_V_INCOMPLETE, .find = {F(CMD_FINAL, INCOMPLETE, NULL)}, .nflows = 1},
    {.name = "OK lost on USB: the port went away right after the command (field)",
     .profiles = P_FIELD, .usb = 1,
     .events = EV(C_LOCAL, "0.2 ! port-lost", "20 ! port-back", UPDATE),
     .exp = EXP(E(CMD_FINAL, WARN), E(SEQ_START, PASS), E(SEQ_END, PASS), E(PROGRESS_COMPLETE, PASS)),
     .verdict = DFOTA_V_PASS, .find = {F(CMD_FINAL, WARN, "ok-lost-on-usb")}, .nflows = 1},
    {.name = "OK lost: a terminal's port-gone message is the port going away", .profiles = P_FIELD,
     .usb = -1,
     .events = EV("-@g > AT+QFOTADL=\"" LOCAL_FILE "\"", "- < FATAL: read zero bytes from port",
                  "- < +QIND: \"FOTA\",\"START\"", "- < +QIND: \"FOTA\",\"UPDATING\",100",
                  "- < +QIND: \"FOTA\",\"END\",0"),
     .exp = EXP(E(CMD_FINAL, WARN), E(SEQ_START, PASS)), .verdict = DFOTA_V_PASS,
     .find = {F(CMD_FINAL, WARN, "ok-lost-on-usb")}, .nflows = 1},
    {.name = "no OK and an RDY on a UART: the module rebooted before answering", .profiles = P_BOTH,
     .usb = 0, .events = EV(C_LOCAL, "1 < RDY"),
     .exp = EXP(E(CMD_FINAL, FAIL)), .verdict = DFOTA_V_FAIL},
};

/* ---- FIELD-QUIRKS: FAIL in strict, WARN with the quirk's name in field -- */

typedef struct {
    const char *quirk;
    dfota_rule rule;
    int usb;
    const char *const *events;
} quirk_case;

#define QC(q, r, u, ...) {q, DFOTA_R_##r, u, EV(__VA_ARGS__)}

static const quirk_case quirk_cases[] = {
    QC("downloading-urc", URC_SYNTAX, -1, C_FTP, OK_, URC("0.53", "FTPSTART"),
       URCN("10", "DOWNLOADING", "12"), URCN("20", "DOWNLOADING", "60"), URCN("48.2", "FTPEND", "0"),
       PORT, UPDATE),
    QC("percent-sign", URC_SYNTAX, -1, C_LOCAL, OK_, START_, URCN("73+1", "UPDATING", "{1..100}%"),
       END0),
    QC("percent-sign", URC_SYNTAX, -1, C_FTP, OK_, URC("0.53", "FTPSTART"),
       URCN("10", "DOWNLOADING", " 12%"), URCN("48.2", "FTPEND", "0"), PORT, UPDATE),
    QC("extra-fields", URC_SYNTAX, -1, C_LOCAL, OK_, START_, URCN("72", "UPDATING", "1,1,1"), PROG,
       END0),
    QC("extra-fields", URC_SYNTAX, -1, C_LOCAL, OK_, START_, URCN("73+1", "UPDATING", "{1..100}%,1,1"),
       END0),
    QC("restore-phase", URC_SYNTAX, -1, C_LOCAL, OK_, START_, PROG, URCN("175", "RESTORE", "50"),
       END0),
    QC("resume-urc", URC_SYNTAX, -1, C_LOCAL, OK_, START_, PROG,
       URC("174", "Last upgrade was not finished,continue upgrade"), END0),
    QC("https-url", CMD_INVALID_ERROR, -1, CMD("0", QS("https://www.example.com/update.zip")), OK_,
       HTTP_DL, PORT, UPDATE),
    QC("https-stages", URC_SYNTAX, -1, CMD("0", QS("https://www.example.com/update.zip")), OK_,
       URC("0.53", "HTTPSSTART"), URCN("48.2", "HTTPSEND", "0"), PORT, UPDATE),
    QC("extra-arguments", CMD_INVALID_ERROR, -1, CMD("0", QS(FTP_URL) ",1,100,100"), OK_, FTP_DL,
       PORT, UPDATE),
    QC("file-stream", CMD_INVALID_ERROR, -1, CMD("0", QS("FILE:1048576")), OK_,
       URC("0.53", "FILESTART"), URCN("48.2", "FILEEND", "0"), PORT, UPDATE),
    QC("file-stream", URC_SYNTAX, -1, CMD("0", QS("FILE:1048576")), OK_, URC("0.53", "FILESTART"),
       URCN("48.2", "FILEEND", "0"), PORT, UPDATE),
    QC("cache-ufs-path", CMD_INVALID_ERROR, -1, CMD("0", QS("/cache/ufs/update.zip")), OK_, UPDATE),
    QC("start-lost", SEQ_UPDATING_INSIDE, 1, FTP_TO_DL, PROG, END0),
    QC("start-lost", SEQ_UPDATING_INSIDE, -1, FTP_TO_DL, ATTEMPT("71.9", "73", "75", "520"),
       "76 ! port-lost", "90 ! port-back", URCN("101+1", "UPDATING", "{1..100}"), URCN("210", "END", "0")),
    QC("two-part-update", SEQ_END, 1, FTP_TO_DL, START_, URCN("73+1", "UPDATING", "{0..60}"),
       "140 ! port-lost", "150 ! port-back", URCN("151+1", "UPDATING", "{60..100}"),
       URCN("200", "END", "0")),
    QC("two-part-update", SEQ_END, 0, FTP_TO_DL, START_, URCN("73+1", "UPDATING", "{0..60}"),
       "140 < RDY", URCN("151+1", "UPDATING", "{60..100}"), URCN("200", "END", "0")),
    QC("detailed-ftp-code", CODE_FTP, -1, C_FTP, OK_, URC("0.53", "FTPSTART"),
       URCN("30", "FTPEND", "609")),
    QC("detailed-ftp-code", CODE_FTP, -1, C_FTP, OK_, URC("0.53", "FTPSTART"),
       URCN("30", "FTPEND", "625")),
    QC("detailed-http-code", CODE_HTTP, -1, C_HTTP, OK_, URC("0.53", "HTTPSTART"),
       URCN("30", "HTTPEND", "702")),
    QC("detailed-http-code", CODE_HTTP, -1, C_HTTP, OK_, URC("0.53", "HTTPSTART"),
       URCN("30", "HTTPEND", "730")),
    QC("ftp-code-on-http", CODE_HTTP, -1, C_HTTP, OK_, URC("0.53", "HTTPSTART"),
       URCN("30", "HTTPEND", "608")),
    QC("vendor-end-code", CODE_END, -1, C_LOCAL, OK_, ATTEMPT("71.9", "73", "80", "504")),
    QC("vendor-end-code", CODE_END, -1, C_LOCAL, OK_, ATTEMPT("71.9", "73", "80", "506")),
    QC("vendor-end-code", CODE_END, -1, C_LOCAL, OK_, ATTEMPT("71.9", "73", "80", "507")),
    QC("vendor-end-code", CODE_END, -1, C_LOCAL, OK_, ATTEMPT("71.9", "73", "80", "552")),
    QC("vendor-end-code", CODE_END, -1, C_LOCAL, OK_, ATTEMPT("71.9", "73", "80", "553")),
    QC("vendor-end-code", CODE_END, -1, C_LOCAL, OK_, ATTEMPT("71.9", "73", "80", "1")),
    QC("vendor-end-code", CODE_END, -1, C_LOCAL, OK_, ATTEMPT("71.9", "73", "80", "501")),
    QC("stray-bytes", URC_SYNTAX, -1, C_LOCAL, OK_, "71.9 < \xff\xfe+QIND: \"FOTA\",\"START\"", PROG,
       END0),
    QC("stray-bytes", URC_SYNTAX, 1, FTP_TO_DL, "71.9 < RD+QIND: \"FOTA\",\"START\"", PROG, END0),
    QC("no-blank-after-colon", URC_SYNTAX, -1, C_LOCAL, OK_, "71.9 < +QIND:\"FOTA\",\"START\"", PROG,
       END0),
    QC("minifota-short-progress", PROGRESS_COMPLETE, -1, C_LOCAL, OK_, START_,
       URCN("73+1", "UPDATING", "{1..91}"), URCN("180", "END", "0")),
    QC("minifota-short-progress", PROGRESS_COMPLETE, 1, FTP_TO_DL, START_,
       URCN("73+4", "UPDATING", "{0..24}"), URCN("170", "UPDATING", "96"), URCN("180", "END", "0")),
    QC("cut-urc", URC_SYNTAX, -1, C_LOCAL, OK_, START_, URCN("72", "UPDATING", "1"),
       "72.5 < +QIND: \"FOTA\",\"UPD", PROG, END0),
};

/* What the log itself did (RULES.md): never the module's FAIL or WARN. A
 * NOTE in both profiles; strict calls the file inconclusive. */
static const quirk_case damage_cases[] = {
    QC("log-prefix", URC_SYNTAX, -1, C_LOCAL, OK_, "71.9@p < gw fotad[812]: +QIND: \"FOTA\",\"START\"",
       PROG, END0),
    QC("typographic-quotes", URC_SYNTAX, -1, C_LOCAL, OK_, "71.9 < +QIND: " LQ "FOTA" RQ "," LQ "START" RQ,
       PROG, END0),
    QC("typographic-quotes", CMD_INVALID_ERROR, -1, "0 > AT+QFOTADL=" LQ FTP_URL RQ, OK_, FTP_DL, PORT,
       UPDATE),
};

/* ---- parsing the compact event lines ---------------------------------- */

/* "12", "12.345", "0.000000001" to ns; -1 when malformed. */
static int64_t parse_secs(const char *s, size_t n)
{
    int64_t sec = 0, frac = 0, scale = 1000000000LL;
    size_t i = 0;
    if (n == 0)
        return -1;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
        sec = sec * 10 + (s[i] - '0');
    if (i == 0)
        return -1;
    if (i < n && s[i] == '.') {
        i++;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
            if (scale == 1)
                return -1;
            scale /= 10;
            frac += (s[i] - '0') * scale;
        }
    }
    return i == n ? sec * 1000000000LL + frac : -1;
}

static int parse_int(const char *s, size_t n, long *out)
{
    long v = 0;
    if (n == 0 || n > 9)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

/* One line of the table, possibly a generator. */
typedef struct {
    int64_t t0, step;  /* step 0: not a generator */
    int untimed;
    unsigned flags;
    char dir;
    const char *payload;
    const char *brace, *brace_end; /* "{a..b}" in payload */
    long from, to;
} line_spec;

static int parse_line(const char *s, line_spec *ls)
{
    memset(ls, 0, sizeof *ls);
    const char *sp = strchr(s, ' ');
    if (!sp || !sp[1] || sp[2] != ' ')
        return 0;
    ls->dir = sp[1];
    if (ls->dir != '<' && ls->dir != '>' && ls->dir != '!')
        return 0;
    ls->payload = sp + 3;
    size_t tn = (size_t)(sp - s);
    const char *at = memchr(s, '@', tn);
    if (at) {
        for (const char *fl = at + 1; fl < sp; fl++) {
            if (*fl == 'g')
                ls->flags |= DFOTA_EV_GUESSED_DIR;
            else if (*fl == 'p')
                ls->flags |= DFOTA_EV_LOG_PREFIX;
            else
                return 0;
        }
        tn = (size_t)(at - s);
    }
    const char *plus = memchr(s, '+', tn);
    if (tn == 1 && s[0] == '-') {
        ls->untimed = 1;
    } else if (plus) {
        ls->t0 = parse_secs(s, (size_t)(plus - s));
        ls->step = parse_secs(plus + 1, tn - (size_t)(plus - s) - 1);
        if (ls->t0 < 0 || ls->step <= 0)
            return 0;
    } else {
        ls->t0 = parse_secs(s, tn);
        if (ls->t0 < 0)
            return 0;
    }
    if (ls->step) {
        ls->brace = strchr(ls->payload, '{');
        ls->brace_end = ls->brace ? strchr(ls->brace, '}') : NULL;
        const char *dots = ls->brace ? strstr(ls->brace, "..") : NULL;
        if (!ls->brace_end || !dots || dots > ls->brace_end ||
            !parse_int(ls->brace + 1, (size_t)(dots - ls->brace - 1), &ls->from) ||
            !parse_int(dots + 2, (size_t)(ls->brace_end - dots - 2), &ls->to) || ls->to < ls->from)
            return 0;
    }
    return 1;
}

/* ---- what the sink saw ------------------------------------------------ */

#define MAX_FINDINGS 2048
#define MAX_FLOWS 16

typedef struct {
    dfota_rule rule;
    dfota_level level;
    const char *quirk;
    unsigned long line;
} seen_finding;

typedef struct {
    seen_finding f[MAX_FINDINGS];
    size_t nf, nf_dropped;
    dfota_flow_summary flows[MAX_FLOWS];
    unsigned nflows;
} capture;

static void on_finding(void *ctx, const dfota_finding *f)
{
    capture *cap = ctx;
    if (cap->nf >= MAX_FINDINGS) {
        cap->nf_dropped++;
        return;
    }
    cap->f[cap->nf++] = (seen_finding){f->rule, f->level, f->quirk, f->line};
}

static void on_flow(void *ctx, const dfota_flow_summary *s)
{
    capture *cap = ctx;
    if (cap->nflows < MAX_FLOWS)
        cap->flows[cap->nflows] = *s;
    cap->nflows++;
}

/* ---- running a case --------------------------------------------------- */

DFOTA_PRINTF(4, 5)
static void check(int ok, const char *name, const char *profile, const char *fmt, ...)
{
    char what[400], msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(msg, sizeof msg, "[%s] %s: %s", profile, name, what);
    if (!ok)
        printf("\n  MISMATCH %s", msg);
    CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, __LINE__, msg, __FILE__, "", CU_FALSE);
}

static const char *rule_id(dfota_rule r)
{
    return dfota_rule_get(r)->id;
}

static int set_windows(dfota_checker_opts *o, const char *spec)
{
    const char *p = spec;
    while (p && *p) {
        const char *eq = strchr(p, '=');
        const char *comma = strchr(p, ',');
        const char *end = comma ? comma : p + strlen(p);
        char name[32];
        if ((size_t)(end - p) == 4 && memcmp(p, "host", 4) == 0) {
            o->judge_host = 1; /* "host": the HOST-* rules are judged */
            p = comma ? comma + 1 : NULL;
            continue;
        }
        if (eq && eq < end && eq - p == 11 && memcmp(p, "host-reopen", 11) == 0) {
            o->host_reopen_ns = parse_secs(eq + 1, (size_t)(end - eq - 1));
            p = comma ? comma + 1 : NULL;
            continue;
        }
        if (!eq || eq > end || (size_t)(eq - p) >= sizeof name)
            return 0;
        memcpy(name, p, (size_t)(eq - p));
        name[eq - p] = '\0';
        dfota_window w = dfota_window_find(name);
        int64_t ns = parse_secs(eq + 1, (size_t)(end - eq - 1));
        if (w == DFOTA_WIN_COUNT || ns <= 0)
            return 0;
        o->window_ns[w] = ns;
        p = comma ? comma + 1 : NULL;
    }
    return 1;
}

static void feed_one(dfota_checker *c, int64_t t, char dir, const char *data, size_t len,
                     unsigned long line, unsigned flags)
{
    dfota_event ev;
    memset(&ev, 0, sizeof ev);
    ev.t_ns = t;
    ev.dir = (dfota_dir)dir;
    ev.data = data;
    ev.len = len;
    ev.full_len = len;
    ev.line = line;
    ev.flags = flags;
    dfota_checker_feed(c, &ev);
}

/* Feeds every line of a case; returns 0 when a line is malformed. */
static int feed_all(dfota_checker *c, const char *const *events, const char *name,
                    const char *pname)
{
    unsigned long line = 0;
    for (size_t i = 0; events[i]; i++) {
        line_spec ls;
        if (!parse_line(events[i], &ls)) {
            check(0, name, pname, "table line %zu cannot be parsed: %s", i, events[i]);
            return 0;
        }
        if (!ls.step) {
            feed_one(c, ls.untimed ? DFOTA_T_NONE : ls.t0, ls.dir, ls.payload, strlen(ls.payload),
                     ++line, ls.flags);
            continue;
        }
        for (long v = ls.from; v <= ls.to; v++) {
            char buf[512];
            int n = snprintf(buf, sizeof buf, "%.*s%ld%s", (int)(ls.brace - ls.payload), ls.payload,
                             v, ls.brace_end + 1);
            if (n < 0 || (size_t)n >= sizeof buf)
                return 0;
            feed_one(c, ls.t0 + (v - ls.from) * ls.step, ls.dir, buf, (size_t)n, ++line, ls.flags);
        }
    }
    return 1;
}

typedef struct {
    dfota_profile profile;
    int usb;
    const char *windows;
} run_opts;

/* Runs events through a new checker into *cap; the caller frees the checker. */
static dfota_checker *run_events(const run_opts *ro, const char *const *events, capture *cap,
                                 const char *name)
{
    const char *pname = ro->profile == DFOTA_PROFILE_FIELD ? "field" : "strict";
    dfota_checker_opts o;
    dfota_checker_opts_init(&o);
    o.profile = ro->profile;
    o.usb_port = ro->usb;
    if (ro->windows && !set_windows(&o, ro->windows)) {
        check(0, name, pname, "bad windows \"%s\"", ro->windows);
        return NULL;
    }
    dfota_sink sink = {on_finding, on_flow, cap};
    dfota_checker *c = dfota_checker_new(&o, &sink);
    check(c != NULL, name, pname, "dfota_checker_new");
    if (!c)
        return NULL;
    if (!feed_all(c, events, name, pname)) {
        dfota_checker_free(c);
        return NULL;
    }
    dfota_checker_finish(c);
    return c;
}

static int has_finding(const capture *cap, const finding_exp *fe)
{
    for (size_t i = 0; i < cap->nf; i++)
        if (cap->f[i].rule == fe->rule && cap->f[i].level == fe->level &&
            (!fe->quirk || (cap->f[i].quirk && strcmp(cap->f[i].quirk, fe->quirk) == 0)))
            return 1;
    return 0;
}

static void dump(const capture *cap, const dfota_checker_result *res)
{
    printf("\n    statuses:");
    for (int r = 0; r < DFOTA_RULE_COUNT; r++)
        if (res->rule[r] != DFOTA_V_NA)
            printf(" %s=%s", rule_id((dfota_rule)r), dfota_verdict_name(res->rule[r]));
    printf("\n    findings:");
    for (size_t i = 0; i < cap->nf; i++)
        printf(" [line %lu %s %s%s%s]", cap->f[i].line, dfota_level_name(cap->f[i].level),
               rule_id(cap->f[i].rule), cap->f[i].quirk ? " " : "",
               cap->f[i].quirk ? cap->f[i].quirk : "");
}

/* Runs one case in one profile; returns 1 when something did not match. */
static int judge_case(const tcase *tc, dfota_profile profile)
{
    const char *pname = profile == DFOTA_PROFILE_FIELD ? "field" : "strict";
    capture *cap = calloc(1, sizeof *cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cap);
    run_opts ro = {profile, tc->usb, tc->windows};
    dfota_checker *c = run_events(&ro, tc->events, cap, tc->name);
    if (!c) {
        free(cap);
        return 1;
    }
    const dfota_checker_result *res = dfota_checker_result_get(c);
    unsigned before = CU_get_number_of_failures();
    for (const rule_exp *e = tc->exp; e->rule != DFOTA_RULE_COUNT; e++)
        check(res->rule[e->rule] == e->v, tc->name, pname, "%s is %s, expected %s (%s)",
              rule_id(e->rule), dfota_verdict_name(res->rule[e->rule]), dfota_verdict_name(e->v),
              res->rule_reason[e->rule]);
    check(res->verdict == tc->verdict, tc->name, pname, "verdict %s, expected %s",
          dfota_verdict_name(res->verdict), dfota_verdict_name(tc->verdict));
    for (int i = 0; i < 2; i++)
        if (tc->find[i].on)
            check(has_finding(cap, &tc->find[i]), tc->name, pname, "no %s finding on %s%s%s",
                  dfota_level_name(tc->find[i].level), rule_id(tc->find[i].rule),
                  tc->find[i].quirk ? " with quirk " : "", tc->find[i].quirk ? tc->find[i].quirk : "");
    if (tc->nflows)
        check(cap->nflows == tc->nflows && res->flows == tc->nflows, tc->name, pname,
              "%u flows in the sink, %u in the result, expected %u", cap->nflows, res->flows,
              tc->nflows);
    int bad = CU_get_number_of_failures() != before;
    if (bad)
        dump(cap, res);
    dfota_checker_free(c);
    free(cap);
    return bad;
}

static void test_rule_table(void)
{
    unsigned runs = 0, bad = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (cases[i].profiles & P_STRICT)
            runs++, bad += (unsigned)judge_case(&cases[i], DFOTA_PROFILE_STRICT);
        if (cases[i].profiles & P_FIELD)
            runs++, bad += (unsigned)judge_case(&cases[i], DFOTA_PROFILE_FIELD);
    }
    printf("\n  %zu table cases, %u runs, %u with a mismatch\n", sizeof cases / sizeof cases[0],
           runs, bad);
}

/* A quirk case is two runs: strict must FAIL the rule, field must WARN it
 * with the quirk's name, and nothing else in the log may FAIL in field. */
static void test_field_quirks(void)
{
    unsigned bad = 0;
    for (size_t i = 0; i < sizeof quirk_cases / sizeof quirk_cases[0]; i++) {
        const quirk_case *q = &quirk_cases[i];
        char name[160];
        snprintf(name, sizeof name, "quirk %s on %s (#%zu)", q->quirk, rule_id(q->rule), i);
        tcase strict = {.name = name, .profiles = P_STRICT, .usb = q->usb, .events = q->events,
                        .exp = (const rule_exp[]){{q->rule, DFOTA_V_FAIL}, {DFOTA_RULE_COUNT, DFOTA_V_NA}},
                        .verdict = DFOTA_V_FAIL,
                        .find = {{1, q->rule, DFOTA_L_FAIL, NULL}}};
        tcase field = {.name = name, .profiles = P_FIELD, .usb = q->usb, .events = q->events,
                       .exp = (const rule_exp[]){{q->rule, DFOTA_V_WARN}, {DFOTA_RULE_COUNT, DFOTA_V_NA}},
                       .verdict = DFOTA_V_PASS,
                       .find = {{1, q->rule, DFOTA_L_WARN, q->quirk}}};
        bad += (unsigned)judge_case(&strict, DFOTA_PROFILE_STRICT);
        bad += (unsigned)judge_case(&field, DFOTA_PROFILE_FIELD);
    }
    printf("\n  %zu quirk cases, %zu runs, %u with a mismatch\n",
           sizeof quirk_cases / sizeof quirk_cases[0],
           2 * (sizeof quirk_cases / sizeof quirk_cases[0]), bad);
}

static void test_log_damage(void)
{
    for (size_t i = 0; i < sizeof damage_cases / sizeof damage_cases[0]; i++) {
        const quirk_case *q = &damage_cases[i];
        for (int p = 0; p < 2; p++) {
            capture *cap = calloc(1, sizeof *cap);
            CU_ASSERT_PTR_NOT_NULL_FATAL(cap);
            dfota_profile prof = p ? DFOTA_PROFILE_FIELD : DFOTA_PROFILE_STRICT;
            const char *pn = p ? "field" : "strict";
            char nm[160];
            snprintf(nm, sizeof nm, "log damage %s on %s (#%zu)", q->quirk, rule_id(q->rule), i);
            run_opts ro = {prof, q->usb, NULL};
            dfota_checker *c = run_events(&ro, q->events, cap, nm);
            if (c) {
                const dfota_checker_result *res = dfota_checker_result_get(c);
                check(res->rule[q->rule] != DFOTA_V_FAIL && res->rule[q->rule] != DFOTA_V_WARN, nm,
                      pn, "%s is %s: charged to the module", rule_id(q->rule),
                      dfota_verdict_name(res->rule[q->rule]));
                finding_exp note = {1, q->rule, DFOTA_L_NOTE, q->quirk};
                check(has_finding(cap, &note), nm, pn, "no NOTE with the quirk");
                check(res->altered > 0 && strstr(res->altered_reason, "line") != NULL, nm, pn,
                      "altered %lu, reason '%s'", res->altered, res->altered_reason);
                check(res->inconclusive == !p, nm, pn, "inconclusive %d", res->inconclusive);
                check(res->verdict == (p ? DFOTA_V_PASS : DFOTA_V_INCOMPLETE), nm, pn,
                      "verdict %s", dfota_verdict_name(res->verdict));
            }
            dfota_checker_free(c);
            free(cap);
        }
    }
}

/* ---- flow summaries --------------------------------------------------- */

static void test_flow_summary(void)
{
    static const char *const events[] = {
        "0.000 > AT+QFOTADL=\"" FTP_URL "\"",
        "0.040 < OK",
        URC("0.530", "FTPSTART"),
        URCN("48.200", "FTPEND", "0"),
        "48.900 ! port-lost",
        "71.300 ! port-back",
        URC("71.900", "START"),
        URCN("73+1", "UPDATING", "{1..99}"), /* 73 .. 171 */
        URCN("190.000", "UPDATING", "100"),  /* a 19 s gap, the largest */
        URCN("200.000", "END", "0"),
        NULL};
    for (int p = 0; p < 2; p++) {
        capture *cap = calloc(1, sizeof *cap);
        CU_ASSERT_PTR_NOT_NULL_FATAL(cap);
        run_opts ro = {p ? DFOTA_PROFILE_FIELD : DFOTA_PROFILE_STRICT, 1, NULL};
        const char *pn = p ? "field" : "strict";
        const char *nm = "flow summary of one FTP upgrade";
        dfota_checker *c = run_events(&ro, events, cap, nm);
        if (!c) {
            free(cap);
            continue;
        }
        check(cap->nflows == 1, nm, pn, "%u flows", cap->nflows);
        if (cap->nflows >= 1) {
            const dfota_flow_summary *s = &cap->flows[0];
            const dfota_durations *d = &s->durations;
            check(s->outcome && strcmp(s->outcome, "updated") == 0, nm, pn, "outcome %s",
                  s->outcome ? s->outcome : "(null)");
            check(s->inferred == 0 && s->line == 1, nm, pn, "inferred %d line %lu", s->inferred, s->line);
            check(s->proto == DFOTA_PROTO_FTP, nm, pn, "proto %s", dfota_proto_name(s->proto));
            check(s->form && strcmp(s->form, "write") == 0, nm, pn, "form %s", s->form ? s->form : "(null)");
            check(s->final && strcmp(s->final, "OK") == 0, nm, pn, "final %s", s->final ? s->final : "(null)");
            check(s->has_download_code == 1 && s->download_code == 0, nm, pn, "download code %d/%ld",
                  s->has_download_code, s->download_code);
            check(s->n_end_codes == 1 && s->end_codes[0] == 0, nm, pn, "%u end codes, first %ld",
                  s->n_end_codes, s->end_codes[0]);
            check(s->attempts == 1, nm, pn, "attempts %u", s->attempts);
            check(s->max_percent == 100, nm, pn, "max_percent %d", s->max_percent);
            check(s->reboots == 1, nm, pn, "reboots %u", s->reboots);
            check(strstr(s->command, "AT+QFOTADL=") == s->command, nm, pn, "command %s", s->command);
            check(d->final_result == 40000000LL, nm, pn, "final_result %lld", (long long)d->final_result);
            check(d->to_download_end == 48200000000LL, nm, pn, "to_download_end %lld",
                  (long long)d->to_download_end);
            check(d->download == 47670000000LL, nm, pn, "download %lld", (long long)d->download);
            check(d->reboot_gap == 22400000000LL, nm, pn, "reboot_gap %lld", (long long)d->reboot_gap);
            check(d->to_start == 71900000000LL, nm, pn, "to_start %lld", (long long)d->to_start);
            check(d->start_to_end == 128100000000LL, nm, pn, "start_to_end %lld",
                  (long long)d->start_to_end);
            check(d->max_progress_gap == 19000000000LL, nm, pn, "max_progress_gap %lld",
                  (long long)d->max_progress_gap);
            check(s->n_findings == 0, nm, pn, "%u findings kept with the flow", s->n_findings);
        }
        dfota_checker_free(c);
        free(cap);
    }
}

typedef struct {
    const char *name;
    const char *const *events;
    const char *outcome;
    unsigned attempts;
    unsigned n_end_codes;
    long last_end;
    int inferred;
} outcome_case;

static const outcome_case fc[] = {
    {"rejected", EV(CMD("0", QS("sftp://h/f")), ERR_), "rejected", 0, 0, 0, 0},
    {"answered", EV("0 > AT+QFOTADL=?", "0.01 < OK"), "answered", 0, 0, 0, 0},
    {"download-failed", EV(C_FTP, OK_, URC("1", "FTPSTART"), URCN("2", "FTPEND", "601")),
     "download-failed", 0, 0, 0, 0},
    {"update-failed", EV(C_LOCAL, OK_, ATTEMPT("10", "11", "12", "510")), "update-failed", 1, 1,
     510, 0},
    {"three attempts", EV(C_LOCAL, OK_, ATTEMPT("10", "11", "12", "505"),
                          ATTEMPT("20", "21", "22", "525"), GOOD_ATTEMPT("30", "31+1", "140")),
     "updated", 3, 3, 0, 0},
    {"505 five times then stop", EV(C_LOCAL, OK_, ATTEMPT("10", "11", "12", "505"),
                                    ATTEMPT("20", "21", "22", "505"), ATTEMPT("30", "31", "32", "505"),
                                    ATTEMPT("40", "41", "42", "505"), ATTEMPT("50", "51", "52", "505"),
                                    ATTEMPT("60", "61", "62", "505")),
     "update-failed", 6, 6, 505, 0},
    {"incomplete", EV(C_LOCAL, OK_, URC("10", "START"), URCN("11", "UPDATING", "5")), "incomplete",
     1, 0, 0, 0},
    {"inferred", EV(URCN("0", "UPDATING", "40"), URCN("1", "UPDATING", "100"), URCN("2", "END", "0")),
     "updated", 1, 1, 0, 1},
};

/* Outcomes and counts of other flows: a rejected command, a failed
 * download, retries, an inferred flow. */
static void test_flow_outcomes(void)
{
    for (size_t i = 0; i < sizeof fc / sizeof fc[0]; i++) {
        capture *cap = calloc(1, sizeof *cap);
        CU_ASSERT_PTR_NOT_NULL_FATAL(cap);
        run_opts ro = {DFOTA_PROFILE_STRICT, -1, NULL};
        char nm[96];
        snprintf(nm, sizeof nm, "flow outcome: %s", fc[i].name);
        dfota_checker *c = run_events(&ro, fc[i].events, cap, nm);
        if (c && cap->nflows == 1) {
            const dfota_flow_summary *s = &cap->flows[0];
            check(s->outcome && strcmp(s->outcome, fc[i].outcome) == 0, nm, "strict",
                  "outcome %s, expected %s", s->outcome ? s->outcome : "(null)", fc[i].outcome);
            check(s->attempts == fc[i].attempts, nm, "strict", "attempts %u, expected %u",
                  s->attempts, fc[i].attempts);
            check(s->n_end_codes == fc[i].n_end_codes, nm, "strict", "%u end codes, expected %u",
                  s->n_end_codes, fc[i].n_end_codes);
            if (s->n_end_codes && s->n_end_codes == fc[i].n_end_codes)
                check(s->end_codes[s->n_end_codes - 1] == fc[i].last_end, nm, "strict",
                      "last end code %ld, expected %ld", s->end_codes[s->n_end_codes - 1],
                      fc[i].last_end);
            check(s->inferred == fc[i].inferred, nm, "strict", "inferred %d", s->inferred);
        } else
            check(0, nm, "strict", "%u flows, expected 1", cap->nflows);
        dfota_checker_free(c);
        free(cap);
    }
}

/* A command the module never answered is said so, not "abandoned" for
 * another upgrade the host never started. */
static void test_unanswered_described(void)
{
    static const char *const events[] = {"0 > AT+QFOTADL=\"" LOCAL_FILE "\"", "10 > ATI",
                                         "10.01 < OK", NULL};
    capture *cap = calloc(1, sizeof *cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cap);
    run_opts ro = {DFOTA_PROFILE_STRICT, -1, NULL};
    dfota_checker *c = run_events(&ro, events, cap, "unanswered described");
    char text[256] = "";
    if (c && cap->nflows == 1)
        dfota_flow_describe(&cap->flows[0], text, sizeof text);
    check(strstr(text, "never answered") != NULL, "unanswered described", "strict", "'%s'", text);
    dfota_checker_free(c);
    free(cap);
}

/* The words of an upgrade, written without a format string: exact for
 * negative and large codes and for retries, and cut at any size as
 * snprintf cuts (the first cap - 1 bytes, then NUL). */
static void test_describe_exact_and_cut(void)
{
    static const struct {
        dfota_proto proto;
        const char *outcome, *final;
        int has_dl;
        long dl;
        unsigned n_end;
        long end[3];
        int pct;
        const char *want;
    } dc[] = {
        {DFOTA_PROTO_HTTP, "download-failed", "OK", 1, -5, 0, {0}, -1,
         "upgrade over HTTP: download failed, HTTPEND -5 (not a code of the guide, \xc2\xa7" "5)"},
        {DFOTA_PROTO_FTP, "update-failed", "OK", 1, 0, 3, {505, 2147483647L, 0}, 42,
         "upgrade over FTP: update failed, END 0 (operation successful, \xc2\xa7" "6) after 42%; "
         "earlier attempts ended END 505, 2147483647"},
        {DFOTA_PROTO_HTTP, "download-failed", "OK", 1, 602, 0, {0}, -1,
         "upgrade over HTTP: download failed, HTTPEND 602 (server blocked: a code of shipped "
         "firmware, not in \xc2\xa7" "5)"},
        {DFOTA_PROTO_LOCAL, "incomplete", "OK", 0, 0, 0, {0}, 17,
         "upgrade from a local file: incomplete, the log ends during the update, at 17%"},
        {DFOTA_PROTO_FTP, "rejected", "+CME ERROR: 50", 0, 0, 0, {0}, -1,
         "upgrade over FTP: refused, +CME ERROR: 50"},
    };
    for (size_t i = 0; i < sizeof dc / sizeof dc[0]; i++) {
        dfota_flow_summary *s = calloc(1, sizeof *s);
        CU_ASSERT_PTR_NOT_NULL_FATAL(s);
        s->proto = dc[i].proto;
        s->form = "write";
        s->outcome = dc[i].outcome;
        s->final = dc[i].final;
        s->has_download_code = dc[i].has_dl;
        s->download_code = dc[i].dl;
        s->n_end_codes = dc[i].n_end;
        memcpy(s->end_codes, dc[i].end, sizeof dc[i].end);
        s->max_percent = dc[i].pct;
        char full[512], cut[512];
        dfota_flow_describe(s, full, sizeof full);
        check(strcmp(full, dc[i].want) == 0, "describe exact", "strict", "'%s', expected '%s'",
              full, dc[i].want);
        size_t n = strlen(full);
        for (size_t cap = 1; cap <= n + 2; cap++) {
            memset(cut, 'Z', sizeof cut);
            dfota_flow_describe(s, cut, cap);
            size_t k = cap - 1 < n ? cap - 1 : n;
            CU_ASSERT(memcmp(cut, full, k) == 0 && cut[k] == '\0');
            CU_ASSERT(cut[cap] == 'Z'); /* nothing past cap */
        }
        free(s);
    }
    /* a code's words alone, as the merge writes them: cut as snprintf cuts */
    char words[128], cut[128];
    const char *w = dfota_spec_code_words(DFOTA_TABLE_HTTP, 602, words, sizeof words);
    CU_ASSERT_STRING_EQUAL(w, "server blocked: a code of shipped firmware, not in \xc2\xa7" "5");
    for (size_t cap = 1; cap <= strlen(words) + 1; cap++) {
        memset(cut, 'Z', sizeof cut);
        dfota_spec_code_words(DFOTA_TABLE_HTTP, 602, cut, cap);
        CU_ASSERT(memcmp(cut, words, cap - 1) == 0 && cut[cap - 1] == '\0' && cut[cap] == 'Z');
    }
}

/* ---- unrelated traffic changes nothing --------------------------------- */

static void test_unrelated_traffic(void)
{
    static const char *const plain[] = {FTP_OK, NULL};
    static const char *const mixed[] = {
        "0.000 > AT+QFOTADL=\"" FTP_URL "\"", "0.010 < +CREG: 1", "0.040 < OK",
        "0.100 < +QIND: SMS DONE", URC("0.530", "FTPSTART"), "1.000 > ATI", "1.010 < Quectel",
        "1.020 < EG95", "1.030 < Revision: EG95EFAR02A07M4G", "1.040 < OK", "2.000 < +CREG: 0,1",
        URCN("48.200", "FTPEND", "0"), "48.900 ! port-lost", "71.300 ! port-back", "71.400 < RDY",
        "71.500 < +CPIN: READY", "71.600 < +QIND: PB DONE", URC("71.900", "START"), PROG, END0,
        "181.000 ! port-lost", "190.000 ! port-back", "190.100 < RDY", "190.200 < +CPIN: READY",
        "190.300 < +QUSIM: 1", "190.400 < +CFUN: 1", "190.500 < +QIND: SMS DONE", NULL};
    static const char *const windows = "final-result=3,download-start=60,download=300,start=300,"
                                       "progress-gap=120,end=300";
    for (int p = 0; p < 2; p++) {
        for (int usb = -1; usb <= 1; usb++) {
            const char *pn = p ? "field" : "strict";
            char nm[64];
            snprintf(nm, sizeof nm, "unrelated traffic, usb_port %d", usb);
            capture *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
            CU_ASSERT_PTR_NOT_NULL_FATAL(a);
            CU_ASSERT_PTR_NOT_NULL_FATAL(b);
            run_opts ro = {p ? DFOTA_PROFILE_FIELD : DFOTA_PROFILE_STRICT, usb, windows};
            dfota_checker *ca = run_events(&ro, plain, a, nm);
            dfota_checker *cb = run_events(&ro, mixed, b, nm);
            if (ca && cb) {
                const dfota_checker_result *ra = dfota_checker_result_get(ca);
                const dfota_checker_result *rb = dfota_checker_result_get(cb);
                for (int r = 0; r < DFOTA_RULE_COUNT; r++)
                    check(ra->rule[r] == rb->rule[r], nm, pn, "%s is %s alone, %s with traffic",
                          rule_id((dfota_rule)r), dfota_verdict_name(ra->rule[r]),
                          dfota_verdict_name(rb->rule[r]));
                check(ra->verdict == DFOTA_V_PASS && rb->verdict == DFOTA_V_PASS, nm, pn,
                      "verdicts %s and %s, expected PASS", dfota_verdict_name(ra->verdict),
                      dfota_verdict_name(rb->verdict));
                check(a->nflows == 1 && b->nflows == 1, nm, pn, "flows %u and %u", a->nflows, b->nflows);
                if (a->nflows == 1 && b->nflows == 1)
                    check(a->flows[0].attempts == b->flows[0].attempts &&
                              strcmp(a->flows[0].outcome, b->flows[0].outcome) == 0,
                          nm, pn, "outcome %s/%s attempts %u/%u", a->flows[0].outcome,
                          b->flows[0].outcome, a->flows[0].attempts, b->flows[0].attempts);
            }
            dfota_checker_free(ca);
            dfota_checker_free(cb);
            free(a);
            free(b);
        }
    }
}

/* The host windows of FIELD-QUIRKS ("How hosts time it"). */
static void test_host_windows(void)
{
    static const int64_t want[DFOTA_WIN_COUNT] = {3, 60, 300, 300, 120, 300, 60};
    dfota_checker_opts o;
    dfota_checker_opts_init(&o);
    check(o.profile == DFOTA_PROFILE_STRICT && o.usb_port == -1, "opts_init", "-",
          "profile %d usb_port %d", (int)o.profile, o.usb_port);
    for (int w = 0; w < DFOTA_WIN_COUNT; w++)
        check(o.window_ns[w] == 0, "opts_init", "-", "window %s is %lld", dfota_window_name((dfota_window)w),
              (long long)o.window_ns[w]);
    check(o.judge_host == 0 && o.host_reopen_ns == 0, "opts_init", "-", "the host judged");
    dfota_checker_opts_host_windows(&o);
    check(o.host_reopen_ns == 10 * 1000000000LL, "host windows", "-", "host-reopen is %lld ns",
          (long long)o.host_reopen_ns);
    for (int w = 0; w < DFOTA_WIN_COUNT; w++)
        check(o.window_ns[w] == want[w] * 1000000000LL, "host windows", "-", "%s is %lld ns",
              dfota_window_name((dfota_window)w), (long long)o.window_ns[w]);
}

/* ---- the catalogue: every rule of RULES.md is covered here -------------- */

/* Every DFOTA rule must PASS and FAIL somewhere in the table, in both
 * profiles; the table is worthless for a rule it never exercises. */
static void test_coverage(void)
{
    static const dfota_verdict need[] = {DFOTA_V_PASS, DFOTA_V_FAIL};
    for (int r = 0; r < DFOTA_R_LINE_LENGTH; r++)
        for (int p = P_STRICT; p <= P_FIELD; p++)
            for (size_t k = 0; k < 2; k++) {
                int found = 0;
                for (size_t i = 0; i < sizeof cases / sizeof cases[0] && !found; i++) {
                    if (!(cases[i].profiles & p))
                        continue;
                    for (const rule_exp *e = cases[i].exp; e->rule != DFOTA_RULE_COUNT; e++)
                        if ((int)e->rule == r && e->v == need[k])
                            found = 1;
                }
                check(found, "coverage", p == P_STRICT ? "strict" : "field",
                      "no case expects %s %s", rule_id((dfota_rule)r), dfota_verdict_name(need[k]));
            }
}

/* A checker with options o whose findings and flows go to cap. */
static dfota_checker *checker_into(const dfota_checker_opts *o, capture *cap)
{
    memset(cap, 0, sizeof *cap);
    dfota_sink sink = {on_finding, on_flow, cap};
    dfota_checker *c = dfota_checker_new(o, &sink);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    return c;
}

/* Feeds one event the harness may have read up to late_ns after it came. */
static void feed_late(dfota_checker *c, int64_t t, char dir, const char *text, unsigned long line,
                      int64_t late_ns)
{
    dfota_event ev;
    memset(&ev, 0, sizeof ev);
    ev.t_ns = t;
    ev.dir = (dfota_dir)dir;
    ev.data = text;
    ev.len = ev.full_len = strlen(text);
    ev.line = line;
    ev.late_ns = late_ns;
    dfota_checker_feed(c, &ev);
}

/* An answer read 4 s after the command against a 3 s window: FAIL when it
 * was read as it came, not judged (INCOMPLETE, never FAIL) when the
 * harness says it may have read it up to late_ns after it came; *late
 * gets the count of windows the result says the harness's lateness left
 * unjudged, *reason its first. */
static dfota_verdict final_result_verdict(int64_t late_ns, unsigned long *late, char *reason,
                                          size_t cap)
{
    dfota_checker_opts o;
    dfota_checker_opts_init(&o);
    o.window_ns[DFOTA_WIN_FINAL_RESULT] = 3000000000LL;
    capture cap_;
    dfota_checker *c = checker_into(&o, &cap_);
    feed_late(c, 0, '>', "AT+QFOTADL=\"/data/ufs/update.zip\"", 1, 0);
    feed_late(c, 4000000000LL, '<', "ERROR", 2, late_ns);
    dfota_checker_finish(c);
    const dfota_checker_result *res = dfota_checker_result_get(c);
    dfota_verdict v = res->rule[DFOTA_R_TIME_FINAL_RESULT];
    *late = res->harness_late;
    snprintf(reason, cap, "%s", res->harness_late_reason);
    dfota_checker_free(c);
    return v;
}

static void test_harness_lateness(void)
{
    unsigned long late;
    char why[DFOTA_TEXT_MAX];
    CU_ASSERT_EQUAL(final_result_verdict(0, &late, why, sizeof why), DFOTA_V_FAIL);
    CU_ASSERT_EQUAL(late, 0);
    /* late, still over */
    CU_ASSERT_EQUAL(final_result_verdict(500000000LL, &late, why, sizeof why), DFOTA_V_FAIL);
    CU_ASSERT_EQUAL(late, 0);
    /* may have been in time: the harness's, and the result says so */
    CU_ASSERT_EQUAL(final_result_verdict(1500000000LL, &late, why, sizeof why), DFOTA_V_INCOMPLETE);
    CU_ASSERT_EQUAL(late, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "TIME-FINAL-RESULT, read after 4.000s at line 2"));
}

/* HOST-REOPEN against a 10 s window (wall time): the port back at 10 s,
 * then at 25 s the host's open, or (gone) the port lost again with no open,
 * which the harness may have seen up to late_ns after it happened (a proxy
 * that looks at its terminal now and then). The module's clock runs at
 * scale: module time is wall time / scale. */
static dfota_verdict reopen_verdict(int64_t late_ns, double scale, int gone, unsigned long *late)
{
    dfota_checker_opts o;
    dfota_checker_opts_init(&o);
    o.judge_host = 1;
    o.host_reopen_ns = 10 * 1000000000LL;
    o.host_wall_scale = scale;
    capture cap_;
    dfota_checker *c = checker_into(&o, &cap_);
    feed_late(c, 0, '!', "host-open", 1, 0);
    feed_late(c, 1000000000LL, '!', "port-lost", 2, 0);
    feed_late(c, 10000000000LL, '!', "port-back", 3, 0);
    feed_late(c, 25000000000LL, '!', gone ? "port-lost" : "host-open", 4, late_ns);
    dfota_checker_finish(c);
    const dfota_checker_result *res = dfota_checker_result_get(c);
    dfota_verdict v = res->rule[DFOTA_R_HOST_REOPEN];
    *late = res->harness_late;
    dfota_checker_free(c);
    return v;
}

static void test_harness_lateness_host(void)
{
    const int64_t s = 1000000000LL;
    unsigned long late;
    for (int gone = 0; gone <= 1; gone++) {
        CU_ASSERT_EQUAL(reopen_verdict(0, 1.0, gone, &late), DFOTA_V_FAIL);
        CU_ASSERT_EQUAL(late, 0);
        CU_ASSERT_EQUAL(reopen_verdict(4 * s, 1.0, gone, &late), DFOTA_V_FAIL); /* still over */
        CU_ASSERT_EQUAL(late, 0);
        CU_ASSERT_EQUAL(reopen_verdict(6 * s, 1.0, gone, &late), DFOTA_V_INCOMPLETE);
        CU_ASSERT_EQUAL(late, 1);
        /* module time is wall time / 2: 15 s of it are 30 s of the
         * host's; 6 s late are 12 s, still over; 11 s late are 22 s */
        CU_ASSERT_EQUAL(reopen_verdict(6 * s, 2.0, gone, &late), DFOTA_V_FAIL);
        CU_ASSERT_EQUAL(reopen_verdict(11 * s, 2.0, gone, &late), DFOTA_V_INCOMPLETE);
        CU_ASSERT_EQUAL(late, 1);
    }
}

/* HOST-WAIT-FINAL and CMD-FINAL when a live source read the commands
 * late: AT+QFOTADL at 0 (read up to late1 after it was sent), then AT at
 * t2 (read up to late2 after) with no answer between; a final result is
 * owed within 3 s. Gives both rules' verdicts, the harness-late count and
 * its reason. */
static void wait_final_verdicts(int64_t late1, int64_t t2, int64_t late2, dfota_verdict *host,
                                dfota_verdict *cmd, unsigned long *late, char *why, size_t cap)
{
    dfota_checker_opts o;
    dfota_checker_opts_init(&o);
    o.judge_host = 1;
    capture cap_;
    dfota_checker *c = checker_into(&o, &cap_);
    feed_late(c, 0, '>', "AT+QFOTADL=\"/data/ufs/update.zip\"", 1, late1);
    feed_late(c, t2, '>', "AT", 2, late2);
    dfota_checker_finish(c);
    const dfota_checker_result *res = dfota_checker_result_get(c);
    *host = res->rule[DFOTA_R_HOST_WAIT_FINAL];
    *cmd = res->rule[DFOTA_R_CMD_FINAL];
    *late = res->harness_late;
    snprintf(why, cap, "%s", res->harness_late_reason);
    dfota_checker_free(c);
}

static void test_harness_lateness_commands(void)
{
    const int64_t s = 1000000000LL;
    dfota_verdict host, cmd;
    unsigned long late;
    char why[DFOTA_TEXT_MAX];
    /* read on time: the host sent AT after 2.5 s without an answer */
    wait_final_verdicts(0, 5 * s / 2, 0, &host, &cmd, &late, why, sizeof why);
    CU_ASSERT_EQUAL(host, DFOTA_V_FAIL);
    CU_ASSERT_EQUAL(late, 0);
    /* the first command read up to 0.1 s late: still less than 3 s */
    wait_final_verdicts(s / 10, 5 * s / 2, 0, &host, &cmd, &late, why, sizeof why);
    CU_ASSERT_EQUAL(host, DFOTA_V_FAIL);
    CU_ASSERT_EQUAL(late, 0);
    /* the first command read up to 1 s late: the host may have waited 3.5 s */
    wait_final_verdicts(s, 5 * s / 2, 0, &host, &cmd, &late, why, sizeof why);
    CU_ASSERT_EQUAL(host, DFOTA_V_INCOMPLETE);
    CU_ASSERT_EQUAL(late, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "the command of line 1 may have been sent up to 1.000s"));
    /* AT after 3.5 s: the host gave up, the module owed an answer, however
     * late AT was read (the module's silence to 3.5 s was seen; a host
     * that waited about as long as owed keeps the benefit of the doubt) */
    for (int64_t late2 = 0; late2 <= s; late2 += s) {
        wait_final_verdicts(0, 7 * s / 2, late2, &host, &cmd, &late, why, sizeof why);
        CU_ASSERT_EQUAL(host, DFOTA_V_PASS);
        CU_ASSERT_EQUAL(cmd, DFOTA_V_FAIL);
        CU_ASSERT_EQUAL(late, 0);
    }
}

/* ---- texts cut to fit stay UTF-8 ----------------------------------------- */

static int valid_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int n = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2 : (*p & 0xF8) == 0xF0 ? 3 : -1;
        if (n < 0)
            return 0;
        p++;
        for (int i = 0; i < n; i++, p++)
            if ((*p & 0xC0) != 0x80)
                return 0;
    }
    return 1;
}

typedef struct {
    int bad;
    char first[DFOTA_TEXT_MAX];
} utf8_seen;

static void utf8_finding(void *ctx, const dfota_finding *f)
{
    utf8_seen *u = ctx;
    if (!valid_utf8(f->seen) || !valid_utf8(f->expected)) {
        if (!u->bad++)
            snprintf(u->first, sizeof u->first, "%s", f->seen);
    }
}

/* found by fuzz_output: a command of many-byte characters, cut to fit a
 * finding with "...", was cut inside a character, and the JUnit XML no
 * longer parsed */
static void test_cut_text_stays_utf8(void)
{
    for (int shift = 0; shift < 3; shift++) {
        /* the cut falls at each byte of a character in turn */
        char cmd[700];
        size_t o = (size_t)snprintf(cmd, sizeof cmd, "AT+QFOTADL=\"http://10.0.0.2/%.*s", shift, "ab");
        for (int i = 0; i < 150; i++) { /* U+6536, three bytes each */
            memcpy(cmd + o, "\xe6\x94\xb6", 3);
            o += 3;
        }
        utf8_seen u = {0, ""};
        dfota_checker_opts opts;
        dfota_checker_opts_init(&opts);
        opts.judge_host = 1;
        dfota_sink sink = {utf8_finding, NULL, &u};
        dfota_checker *c = dfota_checker_new(&opts, &sink);
        CU_ASSERT_PTR_NOT_NULL_FATAL(c);
        static const char first[] = "AT+QFOTADL=\"http://10.0.0.2/u.zip\"";
        feed_one(c, 0, '>', first, sizeof first - 1, 1, 0);
        feed_one(c, 100000000, '<', "OK", 2, 2, 0);
        feed_one(c, 200000000, '<', "+QIND: \"FOTA\",\"HTTPSTART\"", 25, 3, 0);
        feed_one(c, 1000000000, '>', cmd, o, 4, 0);
        dfota_checker_finish(c);
        const dfota_checker_result *res = dfota_checker_result_get(c);
        for (int r = 0; r < DFOTA_RULE_COUNT; r++)
            if (!valid_utf8(res->rule_reason[r]) && !u.bad++)
                snprintf(u.first, sizeof u.first, "%s", res->rule_reason[r]);
        check(u.bad == 0, "cut text stays UTF-8", "strict", "%d texts cut inside a character, e.g. '%s'",
              u.bad, u.first);
        dfota_checker_free(c);
    }
}

/* ---- a checker kept for many files ------------------------------------- */

/* Whether two captures saw the same findings and flows (a flow's kept
 * findings field by field: the bytes between fields are nobody's). */
static int same_capture(const capture *a, const capture *b)
{
    if (a->nf != b->nf || a->nf_dropped != b->nf_dropped || a->nflows != b->nflows ||
        memcmp(a->f, b->f, a->nf * sizeof a->f[0]) != 0)
        return 0;
    for (unsigned i = 0; i < a->nflows && i < MAX_FLOWS; i++) {
        const dfota_flow_summary *x = &a->flows[i], *y = &b->flows[i];
        if (memcmp(x, y, offsetof(dfota_flow_summary, findings)) != 0)
            return 0;
        for (unsigned k = 0; k < x->n_findings; k++) {
            const dfota_finding *p = &x->findings[k], *q = &y->findings[k];
            if (p->rule != q->rule || p->level != q->level || p->flow != q->flow ||
                p->line != q->line || p->t_ns != q->t_ns || p->quirk != q->quirk ||
                strcmp(p->expected, q->expected) != 0 || strcmp(p->seen, q->seen) != 0)
                return 0;
        }
    }
    return 1;
}

/* Every table case judged by one checker, reset for each, gives what a new
 * checker gives, though the checker was left mid-flow by the case before
 * (half its events fed, never finished) and in the other profile. */
static void test_reset_judges_as_new(void)
{
    capture *fresh = calloc(1, sizeof *fresh), *kept = calloc(1, sizeof *kept);
    dfota_checker_result *want = malloc(sizeof *want);
    CU_ASSERT_FATAL(fresh && kept && want);
    dfota_checker_opts other;
    dfota_checker_opts_init(&other);
    other.profile = DFOTA_PROFILE_FIELD;
    dfota_checker *c = dfota_checker_new(&other, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    size_t n = sizeof cases / sizeof cases[0], mismatches = 0;
    for (size_t i = 0; i < n; i++) {
        const tcase *tc = &cases[i];
        dfota_profile profile = tc->profiles & P_STRICT ? DFOTA_PROFILE_STRICT : DFOTA_PROFILE_FIELD;
        memset(fresh, 0, sizeof *fresh);
        run_opts ro = {profile, tc->usb, tc->windows};
        dfota_checker *n1 = run_events(&ro, tc->events, fresh, tc->name);
        CU_ASSERT_PTR_NOT_NULL_FATAL(n1);
        *want = *dfota_checker_result_get(n1);
        dfota_checker_free(n1);

        /* the next case, half fed: a flow open, a command unanswered */
        const char *const *next = cases[(i + 1) % n].events;
        size_t half = 0;
        while (next[half])
            half++;
        dfota_checker_reset(c, &other, NULL);
        unsigned long line = 0;
        for (size_t k = 0; k < half / 2; k++) {
            line_spec ls;
            if (parse_line(next[k], &ls) && !ls.step)
                feed_one(c, ls.untimed ? DFOTA_T_NONE : ls.t0, ls.dir, ls.payload,
                         strlen(ls.payload), ++line, ls.flags);
        }

        memset(kept, 0, sizeof *kept);
        dfota_checker_opts o;
        dfota_checker_opts_init(&o);
        o.profile = profile;
        o.usb_port = tc->usb;
        CU_ASSERT_FATAL(!tc->windows || set_windows(&o, tc->windows));
        dfota_sink sink = {on_finding, on_flow, kept};
        dfota_checker_reset(c, &o, &sink);
        CU_ASSERT_FATAL(feed_all(c, tc->events, tc->name, "reset"));
        dfota_checker_finish(c);
        const dfota_checker_result *got = dfota_checker_result_get(c);
        int same = memcmp(want, got, sizeof *want) == 0 && same_capture(fresh, kept);
        if (!same && !mismatches++)
            printf("\n  %s: a reset checker judged it differently\n", tc->name);
        CU_ASSERT(same);
    }
    printf("\n  %zu cases judged by one checker reset for each, %zu mismatches\n", n, mismatches);
    dfota_checker_free(c);
    free(fresh);
    free(kept);
    free(want);
}

static const test_entry tests[] = {
    {"texts cut to fit stay UTF-8", test_cut_text_stays_utf8},
    {"a window the harness may have missed is not the module's", test_harness_lateness},
    {"a host open or port loss the harness saw late is not the host's", test_harness_lateness_host},
    {"a command the harness read late is not the host's HOST-WAIT-FINAL", test_harness_lateness_commands},
    {"every rule, both profiles", test_rule_table},
    {"FIELD-QUIRKS: FAIL in strict, WARN in field", test_field_quirks},
    {"the log's own damage: a NOTE, inconclusive in strict", test_log_damage},
    {"flow summary of one upgrade", test_flow_summary},
    {"flow outcomes", test_flow_outcomes},
    {"a command never answered is said so", test_unanswered_described},
    {"an upgrade in words: exact, and cut as snprintf cuts", test_describe_exact_and_cut},
    {"unrelated traffic changes nothing", test_unrelated_traffic},
    {"host windows", test_host_windows},
    {"every rule passes and fails in the table", test_coverage},
    {"a reset checker judges as a new one", test_reset_judges_as_new},
};

int main(void)
{
    return RUN_SUITE("checker", tests);
}
