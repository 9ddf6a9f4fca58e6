/* SPDX-License-Identifier: MIT */
/* testbed.c - the module's USB reboot as a host that watches udev sees it,
 * when the emulator plays a device of a umockdev test bed
 * (emulator/module.h).
 *
 * A real EG95 that reboots leaves the USB bus: its sysfs devices go,
 * their /dev nodes go, and udev tells its listeners "remove"; after the
 * reboot it comes back and they are told "add". A host such as
 * ModemManager follows the module by these events, not by the terminal.
 * umockdev (a test dependency) mocks /sys, /dev and udev's events for the
 * programs it runs under its preload library, from a test bed folder
 * named by UMOCKDEV_DIR. When the emulator runs with UMOCKDEV_DIR set and
 * its --link directly in that test bed's dev/ folder (in the place of the
 * tty the test bed describes), its USB reboot does to the test bed what
 * the kernel and udev do to a machine:
 *
 *   power-off  every device of the USB device above the tty (sysfs'
 *              DEVTYPE=usb_device), deepest first: a "remove" uevent to
 *              each listener, its /sys/class or /sys/bus link, its
 *              /sys/dev/char link and dev/.node entry (when it has a dev
 *              attribute) and its /dev node go; then the whole subtree is
 *              moved aside into the test bed's .dfota-away/ folder;
 *   power-on   (after the emulator's new terminal is linked) the subtree
 *              comes back, and for each device, parent first, its links
 *              and node come back and an "add" uevent goes out.
 *
 * How, and why not libumockdev: dfota is the product and runs where no
 * umockdev is installed, so it gains no link-time dependency (nor a
 * dlopen of libumockdev, whose Testbed object would make a new test bed
 * rather than work on the one the host already runs in). The test bed's
 * layout is plain files: sysfs directories with a "uevent" file of
 * properties and a "subsystem" link, the class/bus links umockdev makes
 * for them, and one Unix datagram socket per udev monitor of the programs
 * under the preload, named "event<fd>" in the test bed's root. A uevent is
 * sent to each as udev's own monitor messages are framed: the "libudev"
 * header (magic 0xfeedcafe, the MurmurHash2 of the subsystem and devtype
 * that libudev's socket filter compares) and the NUL-separated
 * properties, ACTION, DEVPATH, SUBSYSTEM, SEQNUM first. The layout was
 * learnt from umockdev's src/umockdev.vala and src/uevent_sender.c; the
 * code is this file's own.
 *
 * When there is no test bed, nothing changes. Whatever goes wrong here is
 * a harness note in the recording ("testbed: ..."), never a failure of
 * the emulator. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <stdatomic.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "emulator/module.h"

#define TB_AWAY ".dfota-away"  /* in the test bed's root: the device while it is away */
#define TB_UEVENT_MAX 4096     /* one device's uevent file */
#define TB_DEPTH_MAX 16        /* devices below the USB device */
#define TB_SEND_TRIES 5        /* a listener's queue is full: again, 1 ms later */
#define TB_NOTE_MAX 512

typedef struct {
    dfota_emulator *em;
    const char *root;          /* the test bed, UMOCKDEV_DIR as the kernel names it */
    int add;                   /* "add" (else "remove") */
    int devices, listeners, failed;
    char first_error[160];
} walk;

/* One more error; the first is kept for the note. */
static void walk_error(walk *w, const char *what, const char *path)
{
    w->failed++;
    if (!w->first_error[0])
        snprintf(w->first_error, sizeof w->first_error, "%s %.100s: %s", what, path,
                 strerror(errno));
}

/* "testbed: <what> <name>" */
static void note(dfota_emulator *em, const char *what, const char *name)
{
    char text[TB_NOTE_MAX];
    snprintf(text, sizeof text, "testbed: %s %.300s", what, name);
    em_emit_note(em, text);
}

static int joined(char *out, size_t cap, const char *a, const char *b)
{
    int n = snprintf(out, cap, "%s%s", a, b);
    return n > 0 && (size_t)n < cap;
}

/* ---- a device's files ---------------------------------------------------- */

/* The file dir/name, up to cap - 1 bytes and a NUL; its length, or -1. */
static long read_small(const char *dir, const char *name, char *buf, size_t cap)
{
    char path[EM_PATH_MAX];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
        return -1;
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, cap - 1, f);
    int whole = feof(f) && !ferror(f);
    fclose(f);
    buf[n] = '\0';
    return whole ? (long)n : -1;
}

/* The value of KEY=value among the lines of props, into out; 0 if absent. */
static int prop(const char *props, const char *key, char *out, size_t cap)
{
    size_t k = strlen(key);
    for (const char *p = props; *p; ) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > k && strncmp(p, key, k) == 0 && p[k] == '=') {
            size_t v = len - k - 1;
            if (v >= cap)
                return 0;
            memcpy(out, p + k + 1, v);
            out[v] = '\0';
            return 1;
        }
        p += len + (end ? 1 : 0);
    }
    return 0;
}

typedef struct {
    char props[TB_UEVENT_MAX];  /* the uevent file */
    char subsystem[64];
    int bus;                    /* the subsystem is a bus (sys/bus/...), else a class */
    char devpath[EM_PATH_MAX];  /* "/devices/..." */
    const char *name;           /* its last component */
    char devname[256];          /* DEVNAME, "" when it has no node */
    char majmin[32];            /* its dev attribute, "" when none */
} device;

/* The device whose sysfs folder is dir; 0 when dir is no device's (it
 * has no uevent file) or what makes it one cannot be read. */
static int device_read(walk *w, const char *dir, device *d)
{
    size_t rootlen = strlen(w->root);
    const char *sys = dir + rootlen;
    char path[EM_PATH_MAX];
    struct stat st;
    if (strncmp(sys, "/sys/devices/", 13) != 0 || !joined(d->devpath, sizeof d->devpath, sys + 4, "") ||
        !joined(path, sizeof path, dir, "/uevent") || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    d->name = strrchr(d->devpath, '/') + 1;
    if (read_small(dir, "uevent", d->props, sizeof d->props) < 0) {
        errno = EFBIG;
        walk_error(w, "cannot read (or too long) the uevent file of", d->devpath);
        return 0;
    }
    char link[EM_PATH_MAX];
    if (!joined(path, sizeof path, dir, "/subsystem"))
        return 0;
    ssize_t n = readlink(path, link, sizeof link - 1);
    if (n <= 0)
        return 0;
    link[n] = '\0';
    const char *base = strrchr(link, '/');
    if (!joined(d->subsystem, sizeof d->subsystem, base ? base + 1 : link, ""))
        return 0;
    d->bus = strstr(link, "/bus/") != NULL;
    if (!prop(d->props, "DEVNAME", d->devname, sizeof d->devname))
        d->devname[0] = '\0';
    d->majmin[0] = '\0';
    if (read_small(dir, "dev", d->majmin, sizeof d->majmin) > 0)
        d->majmin[strcspn(d->majmin, "\n")] = '\0';
    return 1;
}

/* ---- uevents ------------------------------------------------------------- */

/* MurmurHash2 (32 bits, seeded with the length), as libudev hashes a
 * subsystem and a devtype for its monitors' socket filter. */
static uint32_t murmur2(const char *s)
{
    const uint32_t m = 0x5bd1e995;
    size_t len = strlen(s);
    uint32_t h = (uint32_t)len;
    const unsigned char *p = (const unsigned char *)s;
    for (; len >= 4; len -= 4, p += 4) {
        uint32_t k = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                     (uint32_t)p[3] << 24;
        k *= m;
        k ^= k >> 24;
        k *= m;
        h = h * m ^ k;
    }
    switch (len) {
    case 3: h ^= (uint32_t)p[2] << 16; /* fall through */
    case 2: h ^= (uint32_t)p[1] << 8;  /* fall through */
    case 1:
        h ^= p[0];
        h *= m;
        break;
    default: break;
    }
    h ^= h >> 13;
    h *= m;
    return h ^ h >> 15;
}

typedef struct {                /* udev's monitor message header */
    char prefix[8];             /* "libudev" */
    uint32_t magic;             /* 0xfeedcafe, network order */
    uint32_t header_size, properties_off, properties_len;
    uint32_t subsystem_hash, devtype_hash, bloom_hi, bloom_lo; /* network order */
} monitor_header;

/* Appends "KEY=value\0" to buf; 0 when it does not fit. */
static int put(char *buf, size_t cap, size_t *len, const char *key, const char *value)
{
    int n = snprintf(buf + *len, cap - *len, "%s=%s", key, value);
    if (n < 0 || (size_t)n >= cap - *len)
        return 0;
    *len += (size_t)n + 1;
    return 1;
}

static int send_one(const char *path, struct iovec *iov)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof a.sun_path)
        return 0;
    memcpy(a.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return 0;
    struct msghdr msg = {.msg_name = &a, .msg_namelen = sizeof a,
                         .msg_iov = iov, .msg_iovlen = 2};
    ssize_t sent = -1;
    for (int i = 0; i < TB_SEND_TRIES; i++) {
        sent = sendmsg(fd, &msg, MSG_NOSIGNAL);
        if (sent >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
            break;
        struct timespec ms = {0, 1000000L};
        nanosleep(&ms, NULL);
    }
    close(fd);
    return sent >= 0;
}

/* Sends the device's uevent to every listener, the "event<N>" sockets in
 * the test bed's root (a socket no one reads any more refuses: skipped). */
static void uevent(walk *w, const device *d)
{
    static atomic_ullong seqnum; /* one sequence for the process, as the kernel's */
    char props[TB_UEVENT_MAX + EM_PATH_MAX + 128], num[24], devtype[64];
    size_t len = 0;
    snprintf(num, sizeof num, "%llu", atomic_fetch_add(&seqnum, 1) + 1);
    if (!put(props, sizeof props, &len, "ACTION", w->add ? "add" : "remove") ||
        !put(props, sizeof props, &len, "DEVPATH", d->devpath) ||
        !put(props, sizeof props, &len, "SUBSYSTEM", d->subsystem) ||
        !put(props, sizeof props, &len, "SEQNUM", num)) {
        errno = ENAMETOOLONG;
        walk_error(w, "uevent of", d->devpath);
        return;
    }
    for (const char *p = d->props; *p; ) { /* the uevent file's lines */
        size_t n = strcspn(p, "\n");
        if (n > 0 && len + n + 1 <= sizeof props) {
            memcpy(props + len, p, n);
            props[len + n] = '\0';
            len += n + 1;
        }
        p += n + (p[n] ? 1 : 0);
    }
    monitor_header h = {.prefix = "libudev", .magic = htonl(0xfeedcafe),
                        .header_size = sizeof h, .properties_off = sizeof h,
                        .properties_len = (uint32_t)len,
                        .subsystem_hash = htonl(murmur2(d->subsystem))};
    if (prop(d->props, "DEVTYPE", devtype, sizeof devtype))
        h.devtype_hash = htonl(murmur2(devtype));
    struct iovec iov[2] = {{&h, sizeof h}, {props, len}};

    DIR *dir = opendir(w->root);
    if (!dir) {
        walk_error(w, "cannot list", w->root);
        return;
    }
    int listeners = 0;
    for (struct dirent *e; (e = readdir(dir)) != NULL; ) {
        if (strncmp(e->d_name, "event", 5) != 0 || !e->d_name[5] ||
            strspn(e->d_name + 5, "0123456789") != strlen(e->d_name + 5))
            continue;
        char path[EM_PATH_MAX];
        if (snprintf(path, sizeof path, "%s/%s", w->root, e->d_name) < (int)sizeof path &&
            send_one(path, iov))
            listeners++;
    }
    closedir(dir);
    w->listeners = listeners;
}

/* ---- the links and nodes of one device ----------------------------------- */

/* mkdir -p of path's parent folders (inside the test bed). */
static void make_parents(const char *path)
{
    char p[EM_PATH_MAX];
    if (!joined(p, sizeof p, path, ""))
        return;
    for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        (void)mkdir(p, 0755);
        *s = '/';
    }
}

/* The paths of a device's class or bus link, its /sys/dev link, its
 * dev/.node entry, its /dev node and where that waits while away ("" for
 * what it has not). */
typedef struct {
    char link[EM_PATH_MAX], link_to[EM_PATH_MAX];
    char sysdev[EM_PATH_MAX], sysdev_to[EM_PATH_MAX];
    char nodeinfo[EM_PATH_MAX];
    char node[EM_PATH_MAX], node_away[EM_PATH_MAX];
} device_paths;

static int paths_of(const walk *w, const device *d, device_paths *p)
{
    memset(p, 0, sizeof *p);
    const char *r = w->root;
    int ok = d->bus ? snprintf(p->link, sizeof p->link, "%s/sys/bus/%s/devices/%s", r,
                               d->subsystem, d->name) < (int)sizeof p->link &&
                          joined(p->link_to, sizeof p->link_to, "../../..", d->devpath)
                    : snprintf(p->link, sizeof p->link, "%s/sys/class/%s/%s", r, d->subsystem,
                               d->name) < (int)sizeof p->link &&
                          joined(p->link_to, sizeof p->link_to, "../..", d->devpath);
    if (ok && d->majmin[0])
        ok = snprintf(p->sysdev, sizeof p->sysdev, "%s/sys/dev/%s/%s", r,
                      strcmp(d->subsystem, "block") == 0 ? "block" : "char",
                      d->majmin) < (int)sizeof p->sysdev &&
             joined(p->sysdev_to, sizeof p->sysdev_to, "../..", d->devpath);
    if (ok && d->devname[0]) {
        char flat[256];
        joined(flat, sizeof flat, d->devname, "");
        for (char *s = flat; *s; s++)
            if (*s == '/')
                *s = '_';
        ok = snprintf(p->node, sizeof p->node, "%s/dev/%s", r, d->devname) < (int)sizeof p->node &&
             snprintf(p->node_away, sizeof p->node_away, "%s/" TB_AWAY "/dev/%s", r, flat) <
                 (int)sizeof p->node_away;
        if (ok && d->majmin[0])
            ok = snprintf(p->nodeinfo, sizeof p->nodeinfo, "%s/dev/.node/%s", r, flat) <
                 (int)sizeof p->nodeinfo;
    }
    return ok;
}

static void unlink_quiet(walk *w, const char *path)
{
    if (path[0] && unlink(path) != 0 && errno != ENOENT)
        walk_error(w, "cannot remove", path);
}

static void symlink_quiet(walk *w, const char *to, const char *path)
{
    if (!path[0])
        return;
    make_parents(path);
    if (symlink(to, path) != 0 && errno != EEXIST)
        walk_error(w, "cannot link", path);
}

/* One device goes (its uevent first, while its sysfs folder is there to
 * read) or comes back (its uevent last). The emulator's own link is its
 * terminal's: em_port_close and em_port_open look after it. */
static void device_change(walk *w, const char *dir)
{
    device d;
    device_paths p;
    if (!device_read(w, dir, &d))
        return;
    if (!paths_of(w, &d, &p)) {
        errno = ENAMETOOLONG;
        walk_error(w, "the paths of", d.devpath);
        return;
    }
    const char *link_name = strrchr(w->em->link, '/');
    int own = d.devname[0] && link_name && strcmp(d.devname, link_name + 1) == 0;
    w->devices++;
    if (!w->add) {
        uevent(w, &d);
        unlink_quiet(w, p.link);
        unlink_quiet(w, p.sysdev);
        unlink_quiet(w, p.nodeinfo);
        if (p.node[0] && !own) {
            make_parents(p.node_away);
            if (rename(p.node, p.node_away) != 0 && errno != ENOENT)
                walk_error(w, "cannot move", p.node);
        }
        return;
    }
    symlink_quiet(w, p.link_to, p.link);
    symlink_quiet(w, p.sysdev_to, p.sysdev);
    symlink_quiet(w, d.majmin, p.nodeinfo);
    struct stat st;
    if (p.node[0] && !own && lstat(p.node, &st) != 0 && lstat(p.node_away, &st) == 0) {
        make_parents(p.node);
        if (rename(p.node_away, p.node) != 0)
            walk_error(w, "cannot move back", p.node);
    }
    uevent(w, &d);
}

/* Every device folder under path (which has room for EM_PATH_MAX bytes),
 * parents first for "add", children first for "remove"; the symbolic
 * links of sysfs (subsystem, device, driver, ...) are not followed. */
static void walk_tree(walk *w, char *path, int depth)
{
    if (w->add)
        device_change(w, path);
    DIR *dir = depth < TB_DEPTH_MAX ? opendir(path) : NULL;
    if (dir) {
        size_t len = strlen(path);
        for (struct dirent *e; (e = readdir(dir)) != NULL; ) {
            struct stat st;
            if (e->d_name[0] == '.' ||
                len + 1 + strlen(e->d_name) >= EM_PATH_MAX)
                continue;
            path[len] = '/';
            memcpy(path + len + 1, e->d_name, strlen(e->d_name) + 1);
            if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
                walk_tree(w, path, depth + 1);
            path[len] = '\0';
        }
        closedir(dir);
    }
    if (!w->add)
        device_change(w, path);
}

/* ---- the test bed -------------------------------------------------------- */

/* The test bed the emulator plays in: UMOCKDEV_DIR (resolved) when the
 * link is directly in its dev/ folder. */
static int testbed_root(const dfota_emulator *em, char *root)
{
    const char *env = getenv("UMOCKDEV_DIR");
    char dir[EM_PATH_MAX], real[PATH_MAX];
    if (!env || !env[0] || !em->link[0] || !joined(dir, sizeof dir, em->link, ""))
        return 0;
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return 0;
    *slash = '\0';
    if (!realpath(env, root) || !realpath(dir, real))
        return 0;
    char want[EM_PATH_MAX];
    return joined(want, sizeof want, root, "/dev") && strcmp(want, real) == 0;
}

static void finish(walk *w, const char *done, const char *devpath)
{
    char text[TB_NOTE_MAX];
    if (w->failed)
        snprintf(text, sizeof text, "testbed: %s %.200s, with %d errors; the first: %s", done,
                 devpath, w->failed, w->first_error);
    else
        snprintf(text, sizeof text, "testbed: %s %.200s (%d devices, uevents to %d listeners)",
                 done, devpath, w->devices, w->listeners);
    em_emit_note(w->em, text);
}

void em_testbed_unplug(dfota_emulator *em)
{
    char root[PATH_MAX], dev[EM_PATH_MAX], real[PATH_MAX], props[TB_UEVENT_MAX];
    if (em->testbed_dev[0] || !testbed_root(em, root))
        return;
    const char *node = strrchr(em->link, '/') + 1;
    if (snprintf(dev, sizeof dev, "%s/sys/class/tty/%s", root, node) >= (int)sizeof dev ||
        !realpath(dev, real)) {
        note(em, "no sys/class/tty entry for the link", node);
        return;
    }
    /* up from the tty to its USB device, inside the test bed's sys/devices */
    size_t top = strlen(root) + strlen("/sys/devices");
    if (strncmp(real, root, strlen(root)) != 0 || strncmp(real + strlen(root), "/sys/devices/", 13) != 0) {
        note(em, "the tty is not under the test bed's sys/devices:", node);
        return;
    }
    char *cut;
    while (strlen(real) > top && !(read_small(real, "uevent", props, sizeof props) >= 0 &&
                                   strstr(props, "DEVTYPE=usb_device\n"))) {
        if (!(cut = strrchr(real, '/')))
            break;
        *cut = '\0';
    }
    if (strlen(real) <= top) {
        note(em, "no USB device (DEVTYPE=usb_device) above the tty", node);
        return;
    }
    walk w = {.em = em, .root = root, .add = 0};
    char away[EM_PATH_MAX], path[EM_PATH_MAX];
    if (!joined(away, sizeof away, root, "/" TB_AWAY) || !joined(path, sizeof path, real, "")) {
        note(em, "a path is too long under", real + strlen(root));
        return;
    }
    walk_tree(&w, path, 0);
    (void)mkdir(away, 0755);
    if (!joined(away, sizeof away, root, "/" TB_AWAY "/sys") || rename(real, away) != 0) {
        walk_error(&w, "cannot move away", real);
        finish(&w, "could not unplug", real + strlen(root) + 4);
        return;
    }
    joined(em->testbed_dev, sizeof em->testbed_dev, real, "");
    finish(&w, "unplugged", real + strlen(root) + 4);
}

void em_testbed_replug(dfota_emulator *em)
{
    char root[PATH_MAX], away[EM_PATH_MAX], path[EM_PATH_MAX];
    if (!em->testbed_dev[0])
        return;
    walk w = {.em = em, .root = root, .add = 1};
    const char *devpath = strstr(em->testbed_dev, "/sys/devices/"); /* set so by unplug */
    devpath = devpath ? devpath + 4 : em->testbed_dev;              /* "/devices/..." */
    if (!testbed_root(em, root) || !joined(away, sizeof away, root, "/" TB_AWAY "/sys") ||
        rename(away, em->testbed_dev) != 0) {
        walk_error(&w, "cannot move back", devpath);
        finish(&w, "could not plug back", devpath);
        em->testbed_dev[0] = '\0';
        return;
    }
    joined(path, sizeof path, em->testbed_dev, "");
    walk_tree(&w, path, 0);
    finish(&w, "plugged back", devpath);
    em->testbed_dev[0] = '\0';
}
