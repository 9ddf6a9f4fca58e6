/* SPDX-License-Identifier: MIT */
/* cmd_ports.c - dfota ports: the serial ports this machine has. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfota/dfota.h"
#include "dfota/port.h"
#include "dfota/log.h"
#include "cli.h"

static const char usage[] =
    "usage: dfota ports [--format text|json] [--find PORT]\n"
    "\n"
    "Lists the serial ports libserialport finds (pseudo-terminals are not\n"
    "listed), each with its description, transport (usb, bluetooth, native) and,\n"
    "for a USB port, the vendor and product IDs, the serial number, the USB\n"
    "interface number (read from sysfs) and the identity to give 'dfota run':\n"
    "  --source serial:usb:2c7c:0195:if=2:serial=S\n"
    "An identity finds the module again after a reboot even when the kernel\n"
    "names the port differently (ttyUSB2, then ttyUSB3). An EG95 is 2c7c:0195;\n"
    "its AT port is interface 2 on most EG9x. A port another process has open\n"
    "(ModemManager, a terminal) says so: its AT traffic would mix with a run's.\n"
    "\n"
    "Options:\n"
    "  -f, --format text|json   a table (default), or a JSON array of objects\n"
    "                           {name, description, transport, vid, pid, serial,\n"
    "                           interface, identity, open_in}; vid and pid as 4\n"
    "                           hex digits, absent fields null\n"
    "      --find PORT          print the device path a USB identity (or a path)\n"
    "                           resolves to now, and nothing else\n"
    "  -h, --help               show this help\n"
    "\n"
    "Exit status:\n"
    "  0  listed (also when there are no ports: a line says so), or found\n"
    "  2  usage error, or a malformed identity\n"
    "  4  the ports cannot be listed, or --find matches no port\n";

static void print_text(const dfota_port_info *p, size_t n)
{
    if (n == 0) {
        printf("no serial ports found\n");
        return;
    }
    printf("%-16s %-9s %-9s %-6s %-20s %-24s %s\n", "PORT", "TRANSPORT", "VID:PID", "IF", "SERIAL",
           "DESCRIPTION", "IDENTITY");
    for (size_t i = 0; i < n; i++) {
        char vp[16] = "-", itf[12] = "-";
        if (p[i].usb)
            snprintf(vp, sizeof vp, "%04x:%04x", p[i].vid, p[i].pid);
        if (p[i].iface >= 0)
            snprintf(itf, sizeof itf, "%d", p[i].iface);
        char ser[24], desc[32];
        /* device strings are untrusted: escaped before they reach a terminal */
        dfota_escape(p[i].serial[0] ? p[i].serial : "-", strlen(p[i].serial[0] ? p[i].serial : "-"),
                     ser, sizeof ser);
        dfota_escape(p[i].description, strlen(p[i].description), desc, sizeof desc);
        printf("%-16s %-9s %-9s %-6s %-20s %-24s %s\n", p[i].name, p[i].transport, vp, itf, ser,
               desc, p[i].identity[0] ? p[i].identity : "-");
        char users[256];
        if (dfota_port_users(p[i].name, users, sizeof users) > 0)
            printf("%-16s also open in %s\n", "", users);
    }
}

static json_t *hex_or_null(int usb, unsigned v)
{
    char b[8];
    snprintf(b, sizeof b, "%04x", v);
    return usb ? json_string(b) : json_null();
}

static int print_json(const dfota_port_info *p, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(p[i].name));
        json_object_set_new(o, "description", json_string(p[i].description));
        json_object_set_new(o, "transport", json_string(p[i].transport));
        json_object_set_new(o, "vid", hex_or_null(p[i].usb, p[i].vid));
        json_object_set_new(o, "pid", hex_or_null(p[i].usb, p[i].pid));
        json_object_set_new(o, "serial", p[i].serial[0] ? json_string(p[i].serial) : json_null());
        json_object_set_new(o, "interface", p[i].iface >= 0 ? json_integer(p[i].iface) : json_null());
        json_object_set_new(o, "identity",
                            p[i].identity[0] ? json_string(p[i].identity) : json_null());
        char users[256];
        json_object_set_new(o, "open_in", dfota_port_users(p[i].name, users, sizeof users) > 0
                                              ? json_string(users)
                                              : json_null());
        json_array_append_new(arr, o);
    }
    /* json_string refuses invalid UTF-8: such a field is null, not a bad document */
    int rc = arr ? json_dumpf(arr, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII) : -1;
    json_decref(arr);
    putchar('\n');
    return rc == 0 ? EXIT_PASS : EXIT_HARNESS;
}

static int find_port(const char *port)
{
    char path[DFOTA_PORT_NAME_MAX], err[DFOTA_ERRBUF];
    dfota_err rc = dfota_port_resolve(port, path, sizeof path, err, sizeof err);
    if (rc != DFOTA_OK) {
        fprintf(stderr, "dfota ports: %s\n", err);
        return rc == DFOTA_E_INPUT ? EXIT_INPUT : EXIT_HARNESS;
    }
    printf("%s\n", path);
    return EXIT_PASS;
}

int cmd_ports(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"find", required_argument, NULL, 'F'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int json = 0, ch;
    const char *find = NULL;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "f:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'f':
            if (strcmp(optarg, "text") && strcmp(optarg, "json")) {
                fprintf(stderr, "dfota ports: unknown format '%s' (text or json)\n", optarg);
                return EXIT_INPUT;
            }
            json = strcmp(optarg, "json") == 0;
            break;
        case 'F': find = optarg; break;
        case 'h': fputs(usage, stdout); return EXIT_PASS;
        default: fputs("Try 'dfota ports --help'.\n", stderr); return EXIT_INPUT;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "dfota ports: unexpected argument '%s'\nTry 'dfota ports --help'.\n",
                argv[optind]);
        return EXIT_INPUT;
    }
    if (find)
        return find_port(find);
    dfota_port_info *ports = NULL;
    size_t n = 0;
    char err[DFOTA_ERRBUF];
    if (dfota_port_list(&ports, &n, err, sizeof err) != DFOTA_OK) {
        fprintf(stderr, "dfota ports: %s\n", err);
        return EXIT_HARNESS;
    }
    int status = EXIT_PASS;
    if (json)
        status = print_json(ports, n);
    else
        print_text(ports, n);
    free(ports);
    return status;
}
