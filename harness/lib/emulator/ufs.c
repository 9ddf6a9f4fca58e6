/* SPDX-License-Identifier: MIT */
/* ufs.c - the module's file system (UFS) in a host folder, and its
 * commands AT+QFLST, AT+QFDEL and AT+QFUPL (emulator/module.h). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emulator/module.h"

/* ---- the module's file system (UFS) -------------------------------------- */

/* The host path of a UFS file name; 0 when the name is not a plain file
 * name (no folders, no way out of the UFS folder). */
int em_ufs_path(const dfota_emulator *em, const char *name, size_t n, char *out, size_t cap)
{
    if (n == 0 || memchr(name, '/', n) || memchr(name, '\0', n) || (n == 1 && name[0] == '.') ||
        (n == 2 && name[0] == '.' && name[1] == '.'))
        return 0;
    int w = snprintf(out, cap, "%s/%.*s", em->ufs, (int)n, name);
    return w > 0 && (size_t)w < cap;
}

int em_ufs_read(const char *path, buffer *b)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    uint8_t chunk[8192];
    ssize_t r = 0;
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > EM_PKG_MEMORY_MAX)
        goto fail;
    while ((r = read(fd, chunk, sizeof chunk)) > 0)
        if (em_buf_append(b, chunk, (size_t)r) != 0)
            goto fail;
    if (r < 0)
        goto fail;
    close(fd);
    return 0;
fail:
    close(fd);
    em_buf_free(b);
    return -1;
}

/* ---- AT+QFLST and AT+QFDEL ----------------------------------------------- */

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A name that can be listed inside quotes and named back in a command. */
static int listable(const char *name)
{
    if (name[0] == '.' || strlen(name) > DFOTA_LOCAL_NAME_MAX)
        return 0;
    for (const char *p = name; *p; p++)
        if (*p < ' ' || *p > '~' || *p == '"')
            return 0;
    return 1;
}

/* Lists the UFS's files (only the one named, when only is not NULL);
 * returns how many it listed. */
static size_t ufs_list(dfota_emulator *em, const char *only, size_t only_len)
{
    size_t listed = 0;
    char *names[EM_UFS_LIST_MAX];
    size_t n = 0;
    DIR *d = opendir(em->ufs);
    for (struct dirent *e; d && n < EM_UFS_LIST_MAX && (e = readdir(d)) != NULL;)
        if (listable(e->d_name) &&
            (!only || (strlen(e->d_name) == only_len && memcmp(only, e->d_name, only_len) == 0)))
            if ((names[n] = strdup(e->d_name)) != NULL)
                n++;
    if (d)
        closedir(d);
    qsort(names, n, sizeof names[0], name_cmp);
    for (size_t i = 0; i < n; i++) {
        char path[EM_PATH_MAX + 256], line[DFOTA_LOCAL_NAME_MAX + 64];
        struct stat st;
        if (em_ufs_path(em, names[i], strlen(names[i]), path, sizeof path) && stat(path, &st) == 0 &&
            S_ISREG(st.st_mode)) {
            snprintf(line, sizeof line, "+QFLST: \"UFS:%s\",%lld", names[i], (long long)st.st_size);
            em_out_line(em, line);
            listed++;
        }
        free(names[i]);
    }
    return listed;
}

/* The name inside ="..." with an optional UFS: prefix; 0 when not of that form. */
static int file_arg(const char *rest, size_t n, const char **name, size_t *len)
{
    if (n < 3 || rest[0] != '=' || rest[1] != '"' || rest[n - 1] != '"')
        return 0;
    *name = rest + 2;
    *len = n - 3;
    if (text_starts_ci(*name, *len, "UFS:")) {
        *name += 4;
        *len -= 4;
    }
    return 1;
}

/* AT+QFLST=? answers OK alone, as the vendor's FILE AT commands manuals
 * give it (fwupd asks it first and gives up on anything else). A named
 * file that is not there answers an error: the manuals list "+CME ERROR:
 * <err>" for the write command without a code per case, and fwupd's setup
 * (fu-mm-dfota-device.c, "if listing firmware file does not fail, there
 * is an old firmware file to remove") was written against modules that do
 * fail, or it would AT+QFDEL a missing file and stop on the 405. The code
 * is 417, "fail to list the file" in the manuals' error table (ERROR
 * before AT+CMEE=1). "*" and the plain AT+QFLST list what there is, OK
 * even when that is nothing. */
#define QFLST_NONE 417

void em_at_qflst(dfota_emulator *em, const char *rest, size_t n)
{
    const char *name = NULL;
    size_t len = 0;
    if (n == 2 && rest[0] == '=' && rest[1] == '?') {
        em_at_ok(em);
        return;
    }
    if (n != 0 && !file_arg(rest, n, &name, &len)) {
        em_at_error(em, 0);
        return;
    }
    if (name && len == 1 && name[0] == '*')
        name = NULL;
    if (ufs_list(em, name, len) == 0 && name) {
        em_at_error(em, QFLST_NONE);
        return;
    }
    em_at_ok(em);
}

int em_ufs_delete_all(const dfota_emulator *em)
{
    DIR *d = opendir(em->ufs);
    if (!d)
        return -1;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        char path[EM_PATH_MAX + 256];
        struct stat st;
        if (e->d_name[0] != '.' &&
            em_ufs_path(em, e->d_name, strlen(e->d_name), path, sizeof path) &&
            lstat(path, &st) == 0 && S_ISREG(st.st_mode))
            unlink(path);
    }
    closedir(d);
    return 0;
}

void em_at_qfdel(dfota_emulator *em, const char *rest, size_t n)
{
    const char *name;
    size_t len;
    char path[EM_PATH_MAX + 256];
    if (!file_arg(rest, n, &name, &len) || len == 0) {
        em_at_error(em, 0);
        return;
    }
    if (len == 1 && name[0] == '*') {
        em_ufs_delete_all(em);
        em_at_ok(em);
    } else if (!em_ufs_path(em, name, len, path, sizeof path) || unlink(path) != 0) {
        em_at_error(em, 405); /* file not found */
    } else {
        em_at_ok(em);
    }
}

/* ---- AT+QFUPL ------------------------------------------------------------ */

/* AT+QFUPL="UFS:<name>"[,<file_size>[,<timeout>[,<ackmode>]]] answers
 * CONNECT, takes exactly <file_size> raw bytes (no echo, no framing), then
 * answers +QFUPL: <upload_size>,<checksum> and OK. As the vendor's FILE AT
 * commands manuals (BG96, UGxx, EC2x/EG9x) give it: <file_size> defaults
 * to 10240, <timeout> to 5 s, the name is at most 80 bytes, <ackmode> 1
 * sends 'A' after each 1 KiB; the checksum is the 16-bit XOR of the data
 * as big-endian words, an odd last byte being the high half ("If the number
 * of the characters is odd, set the last character as the high 8 bit, and
 * the low 8 bit as 0", dfota_ufs_checksum). It is printed as four
 * lowercase hex digits, as hosts compare it (e.g. "%02x%02x" of the two
 * XORed bytes in public host code that matches "+QFUPL: <n>,<sum>").
 * Error codes (+CME ERROR after AT+CMEE=1, else ERROR), as Quectel's own
 * host code lists the file errors (at_file_errcode_parse of its BG95
 * filesystem driver): 406 invalid file name, 407 file already exists, 409
 * fail to write the file, 420 no space, 421 time out. Here the timeout is
 * a pause of <timeout> module seconds in the data, after which the partial
 * file is removed. "+++" does not end the data: a package may hold it.
 *
 * Where the guide and the manuals are silent, the choices are the ones
 * that let fwupd's shipped sequence work (its modem-manager plug-in,
 * fu-mm-dfota-device.c, fixed on hardware; harness/tests/e2e/hosts/
 * fwupd_dfota.c plays it byte for byte), also in README.md, "fwupd's
 * upgrade sequence":
 *  - the command line may end "\r\n" (fwupd writes "%s\r\n"): the LF
 *    right after the CR is swallowed by the input path (at.c), so it is
 *    not the upload's first byte;
 *  - in ack mode an 'A' goes out as soon as each 1024th byte of the file
 *    is in, counted from the file's start, none for a last partial block:
 *    fwupd sends 2048-byte chunks and reads floor(chunk / 1024) 'A's
 *    after each, the last chunk included, before it sends the next;
 *  - the result (+QFUPL line and OK) goes out in one piece, after the 'A'
 *    of the last full block: fwupd takes it from a single read;
 *  - bytes past <file_size> (fwupd pads its last chunk to 2048 bytes
 *    with 0xFF) are not the file's and not a command: the input path
 *    drops them up to the next "AT" (at.c), not echoed, not recorded as
 *    a host line, counted in one note of the recording;
 *  - the package stays in the UFS after END,0: fwupd's setup after the
 *    reboot lists it and deletes it. */

/* A UFS name AT+QFUPL may create: plain, listable by AT+QFLST. */
static int upload_name_ok(const char *name, size_t n)
{
    if (n == 0 || n > DFOTA_UFS_NAME_MAX || name[0] == '.')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (name[i] < ' ' || name[i] > '~' || name[i] == '"' || name[i] == '/' ||
            name[i] == '\\' || (name[i] == '.' && i + 1 < n && name[i + 1] == '.'))
            return 0;
    return 1;
}

/* ",<decimal>" at *p (below rest + n) into *v within [lo, hi]; 1 when there
 * was one, 0 when the text ends, -1 when malformed. */
static int upload_number(const char **p, const char *end, long long lo, long long hi,
                         long long *v)
{
    const char *q = *p;
    long long x = 0;
    if (q == end)
        return 0;
    if (*q++ != ',' || q == end || *q < '0' || *q > '9')
        return -1;
    for (; q < end && *q >= '0' && *q <= '9'; q++)
        if ((x = x * 10 + (*q - '0')) > hi)
            return -1;
    if (x < lo)
        return -1;
    *v = x;
    *p = q;
    return 1;
}

/* ="[UFS:]<name>"[,<size>[,<timeout>[,<ackmode>]]]: 1 when of that form. */
static int upload_args(const char *rest, size_t n, const char **name, size_t *len,
                       long long *size, long long *timeout, long long *ack)
{
    const char *end = rest + n, *close;
    if (n < 3 || rest[0] != '=' || rest[1] != '"' ||
        !(close = memchr(rest + 2, '"', n - 2)))
        return 0;
    *name = rest + 2;
    *len = (size_t)(close - *name);
    if (text_starts_ci(*name, *len, "UFS:")) {
        *name += 4;
        *len -= 4;
    }
    const char *p = close + 1;
    int r = upload_number(&p, end, 1, 1LL << 40, size);
    if (r == 1)
        r = upload_number(&p, end, 1, 65535, timeout);
    if (r == 1)
        r = upload_number(&p, end, 0, 1, ack);
    return r >= 0 && p == end;
}

/* Bytes in the UFS folder's regular files. */
static int64_t ufs_used(const dfota_emulator *em)
{
    int64_t used = 0;
    DIR *d = opendir(em->ufs);
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
        char path[EM_PATH_MAX + 256];
        struct stat st;
        if (em_ufs_path(em, e->d_name, strlen(e->d_name), path, sizeof path) &&
            lstat(path, &st) == 0 && S_ISREG(st.st_mode))
            used += (int64_t)st.st_size;
    }
    if (d)
        closedir(d);
    return used;
}

/* Ends an upload: the result (cme 0) or the error, whose file goes. */
static void upload_end(dfota_emulator *em, int cme)
{
    char line[64];
    close(em->up.fd);
    em->up.fd = -1;
    if (cme) {
        unlink(em->up.path);
        em_at_error(em, cme);
        return;
    }
    snprintf(line, sizeof line, "+QFUPL: %lld,%04x", (long long)em->up.done,
             (unsigned)em->up.sum);
    em_out_line(em, line);
    em_at_ok(em);
}

/* The module goes away during an upload: the partial file goes too. */
void em_upload_abort(dfota_emulator *em)
{
    if (em->up.fd < 0)
        return;
    close(em->up.fd);
    em->up.fd = -1;
    unlink(em->up.path);
}

/* Takes up to n bytes of the upload; returns how many it took. */
size_t em_upload_take(dfota_emulator *em, const uint8_t *p, size_t n)
{
    int64_t left = em->up.size - em->up.done;
    size_t k = (int64_t)n < left ? n : (size_t)left;
    for (size_t w = 0; w < k;) {
        ssize_t r = write(em->up.fd, p + w, k - w);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            upload_end(em, 409); /* fail to write the file */
            return k;
        }
        w += (size_t)r;
    }
    em->up.sum = dfota_ufs_checksum(em->up.sum, (uint64_t)em->up.done, p, k);
    for (int64_t b = em->up.done / EM_QFUPL_ACK_BLOCK;
         em->up.ack && b < (em->up.done + (int64_t)k) / EM_QFUPL_ACK_BLOCK; b++)
        em_out_bytes(em, "A", 1);
    em->up.done += (int64_t)k;
    em->up.deadline = dfota_time_add(now_ns(em), em->up.idle_ns);
    if (em->up.done == em->up.size)
        upload_end(em, 0);
    return k;
}

/* The pause in the data has lasted <timeout>: 1 when it ended the upload. */
int em_upload_idle(dfota_emulator *em)
{
    if (em->up.fd < 0 || now_ns(em) < em->up.deadline)
        return 0;
    upload_end(em, 421); /* time out */
    return 1;
}

void em_at_qfupl(dfota_emulator *em, const char *rest, size_t n)
{
    const char *name;
    size_t len;
    long long size = EM_QFUPL_SIZE_DEFAULT, timeout = EM_QFUPL_TIMEOUT_DEFAULT, ack = 0;
    char line[96];
    if (n == 2 && rest[0] == '=' && rest[1] == '?') {
        int64_t free_now = em->free_space - ufs_used(em);
        snprintf(line, sizeof line, "+QFUPL: <filename>,(1-%lld),(1-65535),(0,1)",
                 (long long)(free_now > 0 ? free_now : 0));
        em_out_line(em, line);
        em_at_ok(em);
        return;
    }
    if (!upload_args(rest, n, &name, &len, &size, &timeout, &ack)) {
        em_at_error(em, 0);
        return;
    }
    if (!upload_name_ok(name, len) ||
        !em_ufs_path(em, name, len, em->up.path, sizeof em->up.path)) {
        em_at_error(em, 406); /* invalid file name */
        return;
    }
    if (size > em->free_space - ufs_used(em)) {
        em_at_error(em, 420); /* no space */
        return;
    }
    em->up.fd = open(em->up.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (em->up.fd < 0) {
        em_at_error(em, errno == EEXIST ? 407 : 409); /* file exists; fail to write */
        return;
    }
    em->up.size = size;
    em->up.done = 0;
    em->up.sum = 0;
    em->up.ack = ack == 1;
    em->up.idle_ns = timeout * DFOTA_NS_PER_S;
    em->up.deadline = dfota_time_add(now_ns(em), em->up.idle_ns);
    em_out_line(em, "CONNECT");
}
