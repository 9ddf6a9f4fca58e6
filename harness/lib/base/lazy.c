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
 * A library that cannot be opened makes each of its functions fail as
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

#ifndef DFOTA_CURL_SONAME
#define DFOTA_CURL_SONAME "libcurl.so.4"
#endif
#ifndef DFOTA_XML_SONAME
#define DFOTA_XML_SONAME "libxml2.so.2"
#endif
#ifndef DFOTA_CURL_PACKAGE
#define DFOTA_CURL_PACKAGE "libcurl4"
#endif
#ifndef DFOTA_XML_PACKAGE
#define DFOTA_XML_PACKAGE "libxml2"
#endif

/* The real functions, found in the library opened (their types are the
 * library's own declarations). */
#define CURL_FNS(X)                                                                              \
    X(curl_easy_cleanup) X(curl_easy_getinfo) X(curl_easy_init) X(curl_easy_perform)            \
    X(curl_easy_setopt) X(curl_easy_strerror) X(curl_free) X(curl_global_cleanup)              \
    X(curl_global_init) X(curl_multi_add_handle) X(curl_multi_cleanup) X(curl_multi_info_read) \
    X(curl_multi_init) X(curl_multi_perform) X(curl_multi_poll) X(curl_multi_remove_handle)    \
    X(curl_slist_append) X(curl_slist_free_all) X(curl_url) X(curl_url_cleanup)                \
    X(curl_url_get) X(curl_url_set)
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

static void open_lib(lib_state *st, const char *soname, void **h)
{
    *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!*h) {
        const char *e = dlerror();
        snprintf(st->why, sizeof st->why, "cannot load %s: %s", soname, e ? e : "not found");
    }
}

static void load_curl(void)
{
    void *h;
    open_lib(&curl_lib, DFOTA_CURL_SONAME, &h);
    if (!h)
        return;
#define TAKE(name) if (take(h, #name, &p_##name, sizeof p_##name, &curl_lib) != 0) return;
    CURL_FNS(TAKE)
#undef TAKE
    curl_lib.ok = 1; /* the handle stays open: the process uses it to the end */
}

static void load_xml(void)
{
    void *h;
    open_lib(&xml_lib, DFOTA_XML_SONAME, &h);
    if (!h)
        return;
#define TAKE(name) if (take(h, #name, &p_##name, sizeof p_##name, &xml_lib) != 0) return;
    XML_FNS(TAKE)
#undef TAKE
    xml_lib.ok = 1;
}

/* The prototypes of the wrappers, with the renaming macros: from here on
 * a bare library name would be a wrapper's, so only p_ pointers are
 * called below. */
#include "base/lazy_curl.h"
#include "base/lazy_xml.h"

int dfota_curl_loaded(void)
{
    pthread_once(&curl_lib.once, load_curl);
    return curl_lib.ok;
}

int dfota_xml_loaded(void)
{
    pthread_once(&xml_lib.once, load_xml);
    return xml_lib.ok;
}

int dfota_need_curl(char *err, size_t cap)
{
    if (dfota_curl_loaded())
        return 0;
    if (err && cap)
        snprintf(err, cap, "libcurl is needed (package " DFOTA_CURL_PACKAGE "): %s", curl_lib.why);
    return -1;
}

int dfota_need_xml(char *err, size_t cap)
{
    if (dfota_xml_loaded())
        return 0;
    if (err && cap)
        snprintf(err, cap, "libxml2 is needed (package " DFOTA_XML_PACKAGE "): %s", xml_lib.why);
    return -1;
}

void dfota_curl_global(int start)
{
    if (!dfota_curl_loaded())
        return;
    if (start)
        (void)p_curl_global_init(CURL_GLOBAL_DEFAULT);
    else
        p_curl_global_cleanup();
}

/* ---- libcurl ------------------------------------------------------------ */

void dfota_curl_easy_cleanup(CURL *h)
{
    if (dfota_curl_loaded())
        p_curl_easy_cleanup(h);
}

CURLcode dfota_curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
    if (!dfota_curl_loaded())
        return CURLE_FAILED_INIT;
    va_list ap;
    va_start(ap, info);
    void *out = va_arg(ap, void *); /* every CURLINFO_ takes where to put it */
    va_end(ap);
    return p_curl_easy_getinfo(h, info, out);
}

CURL *dfota_curl_easy_init(void)
{
    return dfota_curl_loaded() ? p_curl_easy_init() : NULL;
}

CURLcode dfota_curl_easy_perform(CURL *h)
{
    return dfota_curl_loaded() ? p_curl_easy_perform(h) : CURLE_FAILED_INIT;
}

CURLcode dfota_curl_easy_setopt(CURL *h, CURLoption opt, ...)
{
    if (!dfota_curl_loaded())
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
    return dfota_curl_loaded() ? p_curl_easy_strerror(code) : curl_lib.why;
}

void dfota_curl_free(void *p)
{
    if (p && dfota_curl_loaded())
        p_curl_free(p);
}

void dfota_curl_global_cleanup(void)
{
    if (dfota_curl_loaded())
        p_curl_global_cleanup();
}

CURLcode dfota_curl_global_init(long flags)
{
    return dfota_curl_loaded() ? p_curl_global_init(flags) : CURLE_FAILED_INIT;
}

CURLMcode dfota_curl_multi_add_handle(CURLM *m, CURL *h)
{
    return dfota_curl_loaded() ? p_curl_multi_add_handle(m, h) : CURLM_INTERNAL_ERROR;
}

CURLMcode dfota_curl_multi_cleanup(CURLM *m)
{
    return dfota_curl_loaded() ? p_curl_multi_cleanup(m) : CURLM_INTERNAL_ERROR;
}

CURLMsg *dfota_curl_multi_info_read(CURLM *m, int *left)
{
    if (dfota_curl_loaded())
        return p_curl_multi_info_read(m, left);
    *left = 0;
    return NULL;
}

CURLM *dfota_curl_multi_init(void)
{
    return dfota_curl_loaded() ? p_curl_multi_init() : NULL;
}

CURLMcode dfota_curl_multi_perform(CURLM *m, int *running)
{
    return dfota_curl_loaded() ? p_curl_multi_perform(m, running) : CURLM_INTERNAL_ERROR;
}

CURLMcode dfota_curl_multi_poll(CURLM *m, struct curl_waitfd extra[], unsigned int n, int ms,
                                int *numfds)
{
    return dfota_curl_loaded() ? p_curl_multi_poll(m, extra, n, ms, numfds) : CURLM_INTERNAL_ERROR;
}

CURLMcode dfota_curl_multi_remove_handle(CURLM *m, CURL *h)
{
    return dfota_curl_loaded() ? p_curl_multi_remove_handle(m, h) : CURLM_INTERNAL_ERROR;
}

struct curl_slist *dfota_curl_slist_append(struct curl_slist *l, const char *s)
{
    return dfota_curl_loaded() ? p_curl_slist_append(l, s) : NULL;
}

void dfota_curl_slist_free_all(struct curl_slist *l)
{
    if (l && dfota_curl_loaded())
        p_curl_slist_free_all(l);
}

CURLU *dfota_curl_url(void)
{
    return dfota_curl_loaded() ? p_curl_url() : NULL;
}

void dfota_curl_url_cleanup(CURLU *u)
{
    if (u && dfota_curl_loaded())
        p_curl_url_cleanup(u);
}

CURLUcode dfota_curl_url_get(CURLU *u, CURLUPart what, char **part, unsigned int flags)
{
    return dfota_curl_loaded() ? p_curl_url_get(u, what, part, flags) : CURLUE_OUT_OF_MEMORY;
}

CURLUcode dfota_curl_url_set(CURLU *u, CURLUPart what, const char *part, unsigned int flags)
{
    return dfota_curl_loaded() ? p_curl_url_set(u, what, part, flags) : CURLUE_OUT_OF_MEMORY;
}

/* ---- libxml2's writer --------------------------------------------------- */

void dfota_xmlFreeTextWriter(xmlTextWriterPtr w)
{
    if (w && dfota_xml_loaded())
        p_xmlFreeTextWriter(w);
}

void dfota_xmlInitParser(void)
{
    if (dfota_xml_loaded())
        p_xmlInitParser();
}

xmlTextWriterPtr dfota_xmlNewTextWriter(xmlOutputBufferPtr out)
{
    return dfota_xml_loaded() ? p_xmlNewTextWriter(out) : NULL;
}

xmlOutputBufferPtr dfota_xmlOutputBufferCreateFile(FILE *f, xmlCharEncodingHandlerPtr enc)
{
    return dfota_xml_loaded() ? p_xmlOutputBufferCreateFile(f, enc) : NULL;
}

#define XML_INT(name, params, args)                                                              \
    int dfota_##name params                                                                      \
    {                                                                                            \
        return dfota_xml_loaded() ? p_##name args : -1;                                          \
    }
XML_INT(xmlTextWriterEndAttribute, (xmlTextWriterPtr w), (w))
XML_INT(xmlTextWriterEndDocument, (xmlTextWriterPtr w), (w))
XML_INT(xmlTextWriterEndElement, (xmlTextWriterPtr w), (w))
XML_INT(xmlTextWriterFlush, (xmlTextWriterPtr w), (w))
XML_INT(xmlTextWriterSetIndent, (xmlTextWriterPtr w, int indent), (w, indent))
XML_INT(xmlTextWriterStartAttribute, (xmlTextWriterPtr w, const xmlChar *name), (w, name))
XML_INT(xmlTextWriterStartDocument,
        (xmlTextWriterPtr w, const char *version, const char *encoding, const char *standalone),
        (w, version, encoding, standalone))
XML_INT(xmlTextWriterStartElement, (xmlTextWriterPtr w, const xmlChar *name), (w, name))
XML_INT(xmlTextWriterWriteAttribute, (xmlTextWriterPtr w, const xmlChar *name, const xmlChar *content),
        (w, name, content))
XML_INT(xmlTextWriterWriteString, (xmlTextWriterPtr w, const xmlChar *content), (w, content))
#undef XML_INT
