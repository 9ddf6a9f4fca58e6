/* test_source.c - the serial source's spec (dfota_source_parse_serial): what
 * follows "serial:", parsed without opening anything. */
#include <stdio.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "suite.h"
#include <CUnit/CUnit.h>

#include "dfota/error.h"
#include "dfota/source.h"

static const struct {
    const char *spec;
    size_t cap;         /* the port's buffer; 0: DFOTA_PORT_NAME_MAX */
    dfota_err rc;
    const char *port;   /* with DFOTA_OK */
    int baud, flow, settle_ms;
    double scale;
} cases[] = {
    {"/dev/ttyUSB2,baud=115200,flow=rtscts,settle=200ms,time-scale=0.01", 0, DFOTA_OK,
     "/dev/ttyUSB2", 115200, DFOTA_FLOW_RTSCTS, 200, 0.01},
    {"usb:2c7c:0195:if=2", 0, DFOTA_OK, "usb:2c7c:0195:if=2", 0, DFOTA_FLOW_NONE, -1, 1},
    {"/dev/ttyUSB2", 13, DFOTA_OK, "/dev/ttyUSB2", 0, DFOTA_FLOW_NONE, -1, 1},
    {"", 0, DFOTA_E_ARG, NULL, 0, 0, 0, 0},
    {",baud=9600", 0, DFOTA_E_ARG, NULL, 0, 0, 0, 0},
    {"/dev/ttyUSB2,baud=1", 0, DFOTA_E_ARG, NULL, 0, 0, 0, 0},
    {"/dev/ttyUSB2,flow=xon", 0, DFOTA_E_ARG, NULL, 0, 0, 0, 0},
    {"/dev/ttyUSB2,settle=61s", 0, DFOTA_E_ARG, NULL, 0, 0, 0, 0},
    {"/dev/ttyUSB2,time-scale=0", 0, DFOTA_E_ARG, NULL, 0, 0, 0, 0},
    /* A PORT longer than its buffer is too big, not missing (found by
     * fuzz_inputs: it was DFOTA_E_ARG with "no port given"). */
    {"/dev/ttyUSB2", 12, DFOTA_E_TOO_BIG, NULL, 0, 0, 0, 0},
    {"/dev/ttyUSB2,baud=9600", 4, DFOTA_E_TOO_BIG, NULL, 0, 0, 0, 0},
};

static void test_parse_table(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char port[DFOTA_PORT_NAME_MAX], err[DFOTA_ERRBUF] = "";
        dfota_port_opts po;
        double scale = -1;
        size_t cap = cases[i].cap ? cases[i].cap : sizeof port;
        dfota_err rc = dfota_source_parse_serial(cases[i].spec, port, cap, &po, &scale, err,
                                                 sizeof err);
        int ok = rc == cases[i].rc;
        if (ok && rc == DFOTA_OK)
            ok = strcmp(port, cases[i].port) == 0 && po.baud == cases[i].baud &&
                 (int)po.flow == cases[i].flow && po.settle_ms == cases[i].settle_ms &&
                 scale == cases[i].scale;
        if (ok && rc != DFOTA_OK)
            ok = err[0] != '\0';
        CU_ASSERT(ok);
        if (!ok)
            printf("\n  '%s' (cap %zu): rc %d, expected %d; err '%s'\n", cases[i].spec, cap,
                   (int)rc, (int)cases[i].rc, err);
    }
}

int main(void)
{
    static const test_entry tests[] = {
        {"serial spec table", test_parse_table},
    };
    return RUN_SUITE("source", tests);
}
