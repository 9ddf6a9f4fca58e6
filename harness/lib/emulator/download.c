/* SPDX-License-Identifier: MIT */
/* download.c - downloads with libcurl: the package's bytes, and the code
 * the module reports for how the download ended (emulator/module.h). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "base/lazy_curl.h"

#include "emulator/module.h"

/* ---- downloads ----------------------------------------------------------- */

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
    dfota_emulator *em = ud;
    size_t len = size * n;
    int64_t limit = em->free_space < EM_PKG_MEMORY_MAX ? em->free_space : EM_PKG_MEMORY_MAX;
    if ((uint64_t)em->pkg.len + len > (uint64_t)limit) {
        em->dl_no_space = 1;
        return 0;
    }
    return em_buf_append(&em->pkg, p, len) == 0 ? len : 0;
}

/* FTP failures in detail (FIELD-QUIRKS: the vendor's FTP codes). */
static long ftp_detail(CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST: return 604;
    case CURLE_COULDNT_CONNECT: return 605;
    case CURLE_OPERATION_TIMEDOUT: return 609;
    case CURLE_LOGIN_DENIED: return 625;
    case CURLE_REMOTE_FILE_NOT_FOUND: return 611;
    case CURLE_REMOTE_ACCESS_DENIED: return 627;
    case CURLE_FTP_ACCEPT_FAILED:
    case CURLE_FTP_CANT_GET_HOST:
    case CURLE_FTP_WEIRD_PASV_REPLY: return 615;
    case CURLE_PARTIAL_FILE: return 607;
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR: return 606;
    case CURLE_FTP_WEIRD_SERVER_REPLY: return 620;
    default: return 601;
    }
}

/* HTTP failures in detail (FIELD-QUIRKS: the vendor's HTTP codes). */
static long http_detail(CURLcode rc, long status)
{
    switch (rc) {
    case CURLE_HTTP_RETURNED_ERROR: return status == 404 ? 711 : 723;
    case CURLE_URL_MALFORMAT: return 711;
    case CURLE_COULDNT_RESOLVE_HOST: return 714;
    case CURLE_COULDNT_CONNECT: return 716;
    case CURLE_OPERATION_TIMEDOUT: return 702;
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE: return 717;
    case CURLE_SEND_ERROR: return 718;
    case CURLE_GOT_NOTHING: return 719;
    default: return 701;
    }
}

static long download_code(const dfota_emulator *em, CURLcode rc)
{
    long status = 0;
    if (rc == CURLE_OK)
        return 0;
    if (em->dl_no_space || rc == CURLE_FILESIZE_EXCEEDED)
        return 511;
    if (!em->field)
        return em->dl_ftp ? 601 : 701;
    if (em->easy)
        curl_easy_getinfo(em->easy, CURLINFO_RESPONSE_CODE, &status);
    return em->dl_ftp ? ftp_detail(rc) : http_detail(rc, status);
}

/* The download's end as a result; the handle goes. What follows it is
 * the update flow's to plan (em_download_ended). */
static void download_done(dfota_emulator *em, CURLcode rc, em_download_result *res)
{
    if (rc != CURLE_OK && !em->dl_error[0]) /* libcurl's words, or its code's */
        snprintf(em->dl_error, sizeof em->dl_error, "%s", curl_easy_strerror(rc));
    if (em->dl_no_space || rc == CURLE_FILESIZE_EXCEEDED)
        snprintf(em->dl_error, sizeof em->dl_error,
                 "the package is larger than the free space (%lld bytes)", (long long)em->free_space);
    *res = (em_download_result){.code = download_code(em, rc), .ftp = em->dl_ftp};
    em_download_stop(em);
}

void em_download_stop(dfota_emulator *em)
{
    if (em->easy) {
        curl_multi_remove_handle(em->multi, em->easy);
        curl_easy_cleanup(em->easy);
        em->easy = NULL;
    }
}

/* The loopback guard: libcurl asks before it opens each socket. */
static curl_socket_t open_loopback_only(void *clientp, curlsocktype purpose,
                                        struct curl_sockaddr *addr)
{
    (void)clientp;
    (void)purpose;
    int ok = 0;
    if (addr->family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)&addr->addr;
        ok = (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    } else if (addr->family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)&addr->addr;
        ok = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
    }
    if (!ok)
        return CURL_SOCKET_BAD; /* the download fails like an unreachable server */
    return socket(addr->family, addr->socktype, addr->protocol);
}

static int download_setup(dfota_emulator *em, CURL *e)
{
    if ((em->connect_to && curl_easy_setopt(e, CURLOPT_CONNECT_TO, em->connect_to) != CURLE_OK) ||
        (em->loopback_only &&
         curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_loopback_only) != CURLE_OK))
        return 1;
    /* Scaled like every module delay, but never under what a loopback
     * server needs to answer. On a virtual clock a download takes no module
     * time at all, and a stalled server is given 5 s of wall time. */
    int64_t patience = dfota_clock_is_virtual(em->clock)
                           ? 5000
                           : dfota_clock_to_wall(em->clock, 60 * DFOTA_NS_PER_S) / DFOTA_NS_PER_MS;
    long connect_ms = patience > 2000 ? (long)patience : 2000;
    long stall_s = patience / 1000 > 1 ? (long)(patience / 1000) : 1;
    const char *protocols = text_starts_ci(em->url, strlen(em->url), "https:") ? "ftp,http,https"
                                                                                : "ftp,http";
    /* The URL as the module reads it, not as libcurl would (fetch_url.c). */
    char *url = NULL;
    if (dfota_emulator_fetch_url(em->url, strlen(em->url), &url) != DFOTA_OK)
        return 1;
    int bad = curl_easy_setopt(e, CURLOPT_URL, url) != CURLE_OK; /* libcurl keeps a copy */
    free(url);
    return bad ||
           curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, protocols) != CURLE_OK ||
           curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
           curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
           curl_easy_setopt(e, CURLOPT_FAILONERROR, 1L) != CURLE_OK ||
           curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, connect_ms) != CURLE_OK ||
           curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L) != CURLE_OK ||
           curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, stall_s) != CURLE_OK ||
           curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)em->free_space) != CURLE_OK ||
           curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data) != CURLE_OK ||
           curl_easy_setopt(e, CURLOPT_WRITEDATA, em) != CURLE_OK ||
           curl_easy_setopt(e, CURLOPT_ERRORBUFFER, em->dl_error) != CURLE_OK;
}

int em_download_start(dfota_emulator *em, em_download_result *res)
{
    hook_ctx c = {.ftp = em->dl_ftp};
    em_buf_free(&em->pkg);
    em->dl_no_space = 0;
    em->dl_error[0] = '\0';
    em_console(em, "download: %s %s", em->dl_ftp ? "FTP" : "HTTP", em->url);
    em_run_hooks(em, HOOK_DOWNLOAD, &c);
    if (c.drop) {
        snprintf(em->dl_error, sizeof em->dl_error, "a fault made the server unreachable");
        download_done(em, CURLE_COULDNT_CONNECT, res); /* the server-unreachable fault */
        return 1;
    }
    CURL *e = curl_easy_init();
    if (!e || download_setup(em, e) != 0 || curl_multi_add_handle(em->multi, e) != CURLM_OK) {
        curl_easy_cleanup(e);
        download_done(em, CURLE_FAILED_INIT, res);
        return 1;
    }
    em->easy = e;
    return 0;
}

int em_download_poll(dfota_emulator *em, em_download_result *res)
{
    int running = 0, left = 0;
    if (!em->easy)
        return 0;
    curl_multi_perform(em->multi, &running);
    for (CURLMsg *m; (m = curl_multi_info_read(em->multi, &left)) != NULL;)
        if (m->msg == CURLMSG_DONE && m->easy_handle == em->easy) {
            download_done(em, m->data.result, res);
            return 1;
        }
    return 0;
}
