/* test_source.c - the serial source's spec (dfota_source_parse_serial): what
 * follows "serial:", parsed without opening anything. */
#include <stdio.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "suite.h"
#include <CUnit/CUnit.h>

#include "dfota/base.h"
#include "dfota/source.h"
#include "dfota/stage.h"

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

/* A package URL sent to a module must not name this machine by its
 * loopback: on the module that is the module itself. */
static void test_url_loopback(void)
{
    static const struct {
        const char *url;
        int loopback;
    } urls[] = {
        {"http://127.0.0.1:8080/update.zip", 1},
        {"ftp://test:test@127.0.0.1:2121/update-v12-to-v13.zip", 1},
        {"http://127.1.2.3/x.zip", 1},
        {"HTTP://LOCALHOST/x.zip", 1},
        {"http://[::1]:8080/x.zip", 1},
        {"ftp://user:127.0.0.1@ftp.example.net/x.zip", 0}, /* a password, not the host */
        {"http://127.0.0.1.example.net/x.zip", 0},
        {"http://www.example.net:100/update.zip", 0},
        {"http://10.0.0.5/x.zip", 0},
        {"/data/ufs/update.zip", 0},
        {"not a url", 0},
    };
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        int got = dfota_url_is_loopback(urls[i].url);
        CU_ASSERT_EQUAL(got, urls[i].loopback);
        if (got != urls[i].loopback)
            printf("\n  '%s': %d, expected %d\n", urls[i].url, got, urls[i].loopback);
    }
    CU_ASSERT_EQUAL(dfota_url_is_loopback(NULL), 0);
}

int main(void)
{
    static const test_entry tests[] = {
        {"serial spec table", test_parse_table},
        {"a URL that names the loopback", test_url_loopback},
    };
    return RUN_SUITE("source", tests);
}
