/* SPDX-License-Identifier: MIT */
/* lazy.c - libcurl and libxml2 loaded when a command first needs them.
 *
 * Linked in, the two and the 37 libraries they pull in (TLS, HTTP/2,
 * LDAP, Kerberos, ICU...) were loaded and relocated by every process:
 * about 16 of the 23 ms a `dfota check` took to start. Judging a log
 * needs neither; downloads, preflight and staging need libcurl, JUnit and
 * the run's report libxml2. So the core calls them through the functions
 * here (lazy_curl.h and lazy_xml.h rename its calls), which open the
 * library by its SONAME on first use, once, whatever the thread.
 *
 * Each library is also started there, once for the process (libcurl's
 * global set-up, libxml2's parser): a caller only asks for it. A library
 * that cannot be opened or started makes each of its functions fail as
 * the library fails when it cannot start, and dfota_need_curl() and
 * dfota_need_xml() say why, for a command to stop with harness trouble. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>
#include <libxml/xmlwriter.h>

#include "dfota/base.h"
#include "base/errbuf.h"

/* Set by CMake (cmake/soname.cmake), one place: the SONAME the build saw,
 * and the package that installs it, for the message when it is missing. */
#if !defined(DFOTA_CURL_SONAME) || !defined(DFOTA_XML_SONAME) || !defined(DFOTA_CURL_PACKAGE) || \
    !defined(DFOTA_XML_PACKAGE)
#error "DFOTA_CURL_SONAME, DFOTA_XML_SONAME and their packages come from the build"
#endif

/* The real functions, found in the library opened (their types are the
 * library's own declarations). */
#define CURL_FNS(X)                                                                              \
    X(curl_easy_cleanup) X(curl_easy_getinfo) X(curl_easy_init) X(curl_easy_perform)            \
    X(curl_easy_setopt) X(curl_easy_strerror) X(curl_free) X(curl_global_init)                  \
    X(curl_multi_add_handle) X(curl_multi_cleanup) X(curl_multi_info_read) X(curl_multi_init)   \
    X(curl_multi_perform) X(curl_multi_poll) X(curl_multi_remove_handle) X(curl_slist_append)   \
    X(curl_slist_free_all) X(curl_url) X(curl_url_cleanup) X(curl_url_get) X(curl_url_set)
#define XML_FNS(X)                                                                              \
    X(xmlFreeTextWriter) X(xmlInitParser) X(xmlNewTextWriter) X(xmlOutputBufferCreateFile)     \
    X(xmlTextWriterEndAttribute) X(xmlTextWriterEndDocument) X(xmlTextWriterEndElement)        \
    X(xmlTextWriterFlush) X(xmlTextWriterSetIndent) X(xmlTextWriterStartAttribute)             \
    X(xmlTextWriterStartDocument) X(xmlTextWriterStartElement) X(xmlTextWriterWriteAttribute)  \
    X(xmlTextWriterWriteString)

#define DECLARE(name) static __typeof__(name) *p_##name;
CURL_FNS(DECLARE)
XML_FNS(DECLARE)
#undef DECLARE

typedef struct {
    pthread_once_t once;
    int ok;
    char why[512];
} lib_state;

static lib_state curl_lib = {PTHREAD_ONCE_INIT, 0, ""};
static lib_state xml_lib = {PTHREAD_ONCE_INIT, 0, ""};

/* A symbol of h into *fn (a function pointer, as dlsym hands one back). */
static int take(void *h, const char *name, void *fn, size_t size, lib_state *st)
{
    void *s = dlsym(h, name);
    if (!s) {
        const char *e = dlerror();
        snprintf(st->why, sizeof st->why, "no %s in it: %s", name, e ? e : "not found");
        return -1;
    }
    memcpy(fn, &s, size);
    return 0;
}

static void *open_lib(lib_state *st, const char *soname)
{
    void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        snprintf(st->why, sizeof st->why, "cannot load %s: %s", soname, e ? e : "not found");
    }
    return h; /* stays open: the process uses it to the end */
}

/* Each of a loader's functions from its library h, into its p_ pointer. */
#define TAKE(name)                                                                               \
    if (take(h, #name, &p_##name, sizeof p_##name, st) != 0)                                    \
        return;

/* The library opened, its functions found and the library started, once
 * for the process: libcurl's global set-up (thread-safe from 7.84 on; the
 * package asks 7.85), libxml2's parser. */
static void load_curl(void)
{
    lib_state *st = &curl_lib;
    void *h = open_lib(st, DFOTA_CURL_SONAME);
    if (!h)
        return;
    CURL_FNS(TAKE)
    if (p_curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(st->why, sizeof st->why, "it cannot start (curl_global_init failed)");
        return;
    }
    st->ok = 1;
}

static void load_xml(void)
{
    lib_state *st = &xml_lib;
    void *h = open_lib(st, DFOTA_XML_SONAME);
    if (!h)
        return;
    XML_FNS(TAKE)
    p_xmlInitParser();
    st->ok = 1;
}
#undef TAKE

/* The prototypes of the wrappers, with the renaming macros: from here on
 * a bare library name would be a wrapper's, so only p_ pointers are
 * called below. */
#include "base/lazy_curl.h"
#include "base/lazy_xml.h"

static int curl_loaded(void)
{
    pthread_once(&curl_lib.once, load_curl);
    return curl_lib.ok;
}

static int xml_loaded(void)
{
    pthread_once(&xml_lib.once, load_xml);
    return xml_lib.ok;
}

/* 0 when loaded, else -1 with what is needed and why it is not there. */
static int need(int loaded, const char *lib, const char *package, const lib_state *st, char *err,
                size_t cap)
{
    if (loaded)
        return 0;
    dfota_errf(err, cap, "%s is needed (package %s): %s", lib, package, st->why);
    return -1;
}

int dfota_need_curl(char *err, size_t cap)
{
    return need(curl_loaded(), "libcurl", DFOTA_CURL_PACKAGE, &curl_lib, err, cap);
}

int dfota_need_xml(char *err, size_t cap)
{
    return need(xml_loaded(), "libxml2", DFOTA_XML_PACKAGE, &xml_lib, err, cap);
}

/* A wrapper that calls the library's function once it is loaded, and
 * otherwise fails as the library fails when it cannot start: one line
 * each (their prototypes, with the library's types, are in lazy_curl.h
 * and lazy_xml.h). */
#define FORWARD(lib, type, name, params, args, failed)                                          \
    type dfota_##name params                                                                     \
    {                                                                                            \
        return lib##_loaded() ? p_##name args : (failed);                                      \
    }

/* ---- libcurl ------------------------------------------------------------ */

void dfota_curl_easy_cleanup(CURL *h)
{
    if (curl_loaded())
        p_curl_easy_cleanup(h);
}

CURLcode dfota_curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
    if (!curl_loaded())
        return CURLE_FAILED_INIT;
    va_list ap;
    va_start(ap, info);
    void *out = va_arg(ap, void *); /* every CURLINFO_ takes where to put it */
    va_end(ap);
    return p_curl_easy_getinfo(h, info, out);
}

CURLcode dfota_curl_easy_setopt(CURL *h, CURLoption opt, ...)
{
    if (!curl_loaded())
        return CURLE_FAILED_INIT;
    va_list ap;
    va_start(ap, opt);
    CURLcode rc;
    /* the option's number says its argument's type, as curl.h numbers
     * them: longs, then object pointers, functions, curl_off_t, blobs */
    if (opt < CURLOPTTYPE_OBJECTPOINT)
        rc = p_curl_easy_setopt(h, opt, va_arg(ap, long));
    else if (opt < CURLOPTTYPE_OFF_T)
        rc = p_curl_easy_setopt(h, opt, va_arg(ap, void *)); /* a function is passed the same way */
    else if (opt < CURLOPTTYPE_BLOB)
        rc = p_curl_easy_setopt(h, opt, va_arg(ap, curl_off_t));
    else
        rc = p_curl_easy_setopt(h, opt, va_arg(ap, void *));
    va_end(ap);
    return rc;
}

const char *dfota_curl_easy_strerror(CURLcode code)
{
    return curl_loaded() ? p_curl_easy_strerror(code) : curl_lib.why;
}

void dfota_curl_free(void *p)
{
    if (p && curl_loaded())
        p_curl_free(p);
}

CURLMsg *dfota_curl_multi_info_read(CURLM *m, int *left)
{
    if (curl_loaded())
        return p_curl_multi_info_read(m, left);
    *left = 0;
    return NULL;
}

void dfota_curl_slist_free_all(struct curl_slist *l)
{
    if (l && curl_loaded())
        p_curl_slist_free_all(l);
}

void dfota_curl_url_cleanup(CURLU *u)
{
    if (u && curl_loaded())
        p_curl_url_cleanup(u);
}

FORWARD(curl, CURL *, curl_easy_init, (void), (), NULL)
FORWARD(curl, CURLcode, curl_easy_perform, (CURL *h), (h), CURLE_FAILED_INIT)
FORWARD(curl, CURLMcode, curl_multi_add_handle, (CURLM *m, CURL *h), (m, h), CURLM_INTERNAL_ERROR)
FORWARD(curl, CURLMcode, curl_multi_cleanup, (CURLM *m), (m), CURLM_INTERNAL_ERROR)
FORWARD(curl, CURLM *, curl_multi_init, (void), (), NULL)
FORWARD(curl, CURLMcode, curl_multi_perform, (CURLM *m, int *running), (m, running), CURLM_INTERNAL_ERROR)
FORWARD(curl, CURLMcode, curl_multi_poll,
        (CURLM *m, struct curl_waitfd extra[], unsigned int n, int ms, int *numfds),
        (m, extra, n, ms, numfds), CURLM_INTERNAL_ERROR)
FORWARD(curl, CURLMcode, curl_multi_remove_handle, (CURLM *m, CURL *h), (m, h), CURLM_INTERNAL_ERROR)
FORWARD(curl, struct curl_slist *, curl_slist_append, (struct curl_slist *l, const char *s), (l, s), NULL)
FORWARD(curl, CURLU *, curl_url, (void), (), NULL)
FORWARD(curl, CURLUcode, curl_url_get, (CURLU *u, CURLUPart what, char **part, unsigned int flags),
        (u, what, part, flags), CURLUE_OUT_OF_MEMORY)
FORWARD(curl, CURLUcode, curl_url_set, (CURLU *u, CURLUPart what, const char *part, unsigned int flags),
        (u, what, part, flags), CURLUE_OUT_OF_MEMORY)

/* ---- libxml2's writer --------------------------------------------------- */

void dfota_xmlFreeTextWriter(xmlTextWriterPtr w)
{
    if (w && xml_loaded())
        p_xmlFreeTextWriter(w);
}

FORWARD(xml, xmlTextWriterPtr, xmlNewTextWriter, (xmlOutputBufferPtr out), (out), NULL)
FORWARD(xml, xmlOutputBufferPtr, xmlOutputBufferCreateFile, (FILE *f, xmlCharEncodingHandlerPtr enc),
        (f, enc), NULL)
FORWARD(xml, int, xmlTextWriterEndAttribute, (xmlTextWriterPtr w), (w), -1)
FORWARD(xml, int, xmlTextWriterEndDocument, (xmlTextWriterPtr w), (w), -1)
FORWARD(xml, int, xmlTextWriterEndElement, (xmlTextWriterPtr w), (w), -1)
FORWARD(xml, int, xmlTextWriterFlush, (xmlTextWriterPtr w), (w), -1)
FORWARD(xml, int, xmlTextWriterSetIndent, (xmlTextWriterPtr w, int indent), (w, indent), -1)
FORWARD(xml, int, xmlTextWriterStartAttribute, (xmlTextWriterPtr w, const xmlChar *name), (w, name), -1)
FORWARD(xml, int, xmlTextWriterStartDocument,
        (xmlTextWriterPtr w, const char *version, const char *encoding, const char *standalone),
        (w, version, encoding, standalone), -1)
FORWARD(xml, int, xmlTextWriterStartElement, (xmlTextWriterPtr w, const xmlChar *name), (w, name), -1)
FORWARD(xml, int, xmlTextWriterWriteAttribute,
        (xmlTextWriterPtr w, const xmlChar *name, const xmlChar *content), (w, name, content), -1)
FORWARD(xml, int, xmlTextWriterWriteString, (xmlTextWriterPtr w, const xmlChar *content), (w, content), -1)
#undef FORWARD
