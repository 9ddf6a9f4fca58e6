/* SPDX-License-Identifier: MIT */
/* reenumerate.c - a module's USB reboot on a mocked machine: the EG95 of
 * eg95.umockdev is added to a umockdev testbed, removed (the reboot takes
 * it off the bus), and added back under other tty names (the kernel need
 * not give it ttyUSB2 again, nor the same device number). At each stage it runs
 * 'DFOTA ports --find usb:2c7c:0195:if=2' (a child sees the testbed too)
 * and prints "STAGE: OUTPUT" for ports-umockdev.sh to check; the identity
 * must follow the module to its new name.
 *
 * Built by ports-umockdev.sh with cc and pkg-config umockdev-1.0, run under
 * umockdev-wrapper. usage: reenumerate DFOTA DEVICE_FILE; exit 0 when every
 * stage ran, 1 when the testbed could not be set up. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <umockdev.h>

#define USB_DEVICE "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1"

static void find(const char *stage, const char *dfota)
{
    char cmd[4096], line[256] = "";
    snprintf(cmd, sizeof cmd, "'%s' ports --find usb:2c7c:0195:if=2 2>&1", dfota);
    FILE *p = popen(cmd, "r");
    if (p && !fgets(line, sizeof line, p))
        line[0] = '\0';
    int status = p ? pclose(p) : -1;
    line[strcspn(line, "\n")] = '\0';
    printf("%s: %s (status %d)\n", stage, line, status);
}

static gchar *replace(gchar *text, const char *from, const char *to)
{
    gchar **a = g_strsplit(text, from, -1);
    gchar *t = g_strjoinv(to, a);
    g_strfreev(a);
    g_free(text);
    return t;
}

/* The description as after a re-enumeration: a new device number and bus
 * path (as the kernel gives; the testbed also keeps the old bus links) and
 * new tty names. */
static gchar *renamed(const gchar *text)
{
    gchar *t = g_strdup(text);
    t = replace(t, "ttyUSB2", "ttyUSB4");
    t = replace(t, "ttyUSB3", "ttyUSB5");
    t = replace(t, "1-1", "1-2");
    t = replace(t, "001/002", "001/003");
    return replace(t, "devnum=2", "devnum=3");
}

int main(int argc, char **argv)
{
    /* the testbed first: it is what sets the mock environment up */
    UMockdevTestbed *tb = umockdev_testbed_new();
    if (argc != 3 || !umockdev_in_mock_environment()) {
        fprintf(stderr, "usage: umockdev-wrapper reenumerate DFOTA DEVICE_FILE\n");
        return 1;
    }
    gchar *text = NULL;
    GError *e = NULL;
    if (!g_file_get_contents(argv[2], &text, NULL, &e) ||
        !umockdev_testbed_add_from_string(tb, text, &e)) {
        fprintf(stderr, "reenumerate: %s\n", e ? e->message : "cannot set up the testbed");
        return 1;
    }
    find("before", argv[1]);
    umockdev_testbed_remove_device(tb, USB_DEVICE);
    find("away", argv[1]);
    gchar *again = renamed(text);
    int ok = umockdev_testbed_add_from_string(tb, again, &e);
    if (!ok)
        fprintf(stderr, "reenumerate: %s\n", e->message);
    find("back", argv[1]);
    g_free(again);
    g_free(text);
    g_object_unref(tb);
    return ok ? 0 : 1;
}
