/* SPDX-License-Identifier: MIT */
/* lazy_curl.h - libcurl as the core calls it: loaded when first used
 * (lazy.c), not when dfota starts. Include this, never <curl/curl.h>: its
 * names below are renamed to lazy.c's, which load libcurl and call it.
 * A command that judges logs never loads it; libcurl and the libraries it
 * pulls in were two thirds of every process's start-up. */
#ifndef DFOTA_LIB_BASE_LAZY_CURL_H
#define DFOTA_LIB_BASE_LAZY_CURL_H

#include <curl/curl.h>

#include "dfota/base.h"

/* Each function below loads and starts libcurl on first use; when it
 * cannot be, each fails as libcurl fails when it cannot start
 * (CURLE_FAILED_INIT, NULL, nothing done): dfota_need_curl() says why. */
#undef curl_easy_setopt
#undef curl_easy_getinfo
#undef curl_multi_setopt
#undef curl_share_setopt
#define curl_easy_cleanup dfota_curl_easy_cleanup
#define curl_easy_getinfo dfota_curl_easy_getinfo
#define curl_easy_init dfota_curl_easy_init
#define curl_easy_perform dfota_curl_easy_perform
/* The option's argument is passed on by the option's number (a long, a
 * pointer or function, a curl_off_t: curl.h's ranges, as libcurl reads
 * it), so it must have that type: checked here, at compile time, as
 * curl.h's own check (undone above) would. */
#define DFOTA_CURL_ARG_OK(opt, v)                                                               \
    (!((opt) < CURLOPTTYPE_OBJECTPOINT) || _Generic((v), long: 1, default: 0)) &&                \
        (!((opt) >= CURLOPTTYPE_OFF_T && (opt) < CURLOPTTYPE_BLOB) ||                            \
         _Generic((v), curl_off_t: 1, default: 0)) &&                                            \
        (!((opt) >= CURLOPTTYPE_OBJECTPOINT && (opt) < CURLOPTTYPE_OFF_T) ||                     \
         _Generic((v), int: 0, long: 0, unsigned: 0, unsigned long: 0, long long: 0, default: 1))
#define curl_easy_setopt(h, opt, v)                                                             \
    dfota_curl_easy_setopt((h), (opt),                                                          \
                           ((void)sizeof(struct {                                               \
                               _Static_assert(DFOTA_CURL_ARG_OK(opt, v),                        \
                                              "curl_easy_setopt: the argument's type is not the " \
                                              "option's");                                      \
                               char c;                                                          \
                           }),                                                                  \
                            (v)))
#define curl_easy_strerror dfota_curl_easy_strerror
#define curl_free dfota_curl_free
#define curl_multi_add_handle dfota_curl_multi_add_handle
#define curl_multi_cleanup dfota_curl_multi_cleanup
#define curl_multi_info_read dfota_curl_multi_info_read
#define curl_multi_init dfota_curl_multi_init
#define curl_multi_perform dfota_curl_multi_perform
#define curl_multi_poll dfota_curl_multi_poll
#define curl_multi_remove_handle dfota_curl_multi_remove_handle
#define curl_slist_append dfota_curl_slist_append
#define curl_slist_free_all dfota_curl_slist_free_all
#define curl_url dfota_curl_url
#define curl_url_cleanup dfota_curl_url_cleanup
#define curl_url_get dfota_curl_url_get
#define curl_url_set dfota_curl_url_set

void dfota_curl_easy_cleanup(CURL *h);
/* Every CURLINFO_ takes where to put what it gives: a pointer. */
CURLcode dfota_curl_easy_getinfo(CURL *h, CURLINFO info, ...);
CURL *dfota_curl_easy_init(void);
CURLcode dfota_curl_easy_perform(CURL *h);
/* The option's argument (a long, a pointer, a function or a curl_off_t,
 * by the option's number as libcurl itself tells them) is passed on. */
CURLcode dfota_curl_easy_setopt(CURL *h, CURLoption opt, ...);
const char *dfota_curl_easy_strerror(CURLcode code);
void dfota_curl_free(void *p);
CURLMcode dfota_curl_multi_add_handle(CURLM *m, CURL *h);
CURLMcode dfota_curl_multi_cleanup(CURLM *m);
CURLMsg *dfota_curl_multi_info_read(CURLM *m, int *left);
CURLM *dfota_curl_multi_init(void);
CURLMcode dfota_curl_multi_perform(CURLM *m, int *running);
CURLMcode dfota_curl_multi_poll(CURLM *m, struct curl_waitfd extra[], unsigned int n, int ms,
                                int *numfds);
CURLMcode dfota_curl_multi_remove_handle(CURLM *m, CURL *h);
struct curl_slist *dfota_curl_slist_append(struct curl_slist *l, const char *s);
void dfota_curl_slist_free_all(struct curl_slist *l);
CURLU *dfota_curl_url(void);
void dfota_curl_url_cleanup(CURLU *u);
CURLUcode dfota_curl_url_get(CURLU *u, CURLUPart what, char **part, unsigned int flags);
CURLUcode dfota_curl_url_set(CURLU *u, CURLUPart what, const char *part, unsigned int flags);

#endif
