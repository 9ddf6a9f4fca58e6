/* dfota/error.h - error codes shared by every module of the core library.
 *
 * The library never prints and never exits: a fallible function returns a
 * dfota_err and, where it takes one, fills a caller's error buffer with a
 * sentence that names the place (file, line) of the trouble. */
#ifndef DFOTA_ERROR_H
#define DFOTA_ERROR_H

#include <stddef.h>

#if defined(__GNUC__) || defined(__clang__)
#define DFOTA_WUR __attribute__((warn_unused_result))
#define DFOTA_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define DFOTA_WUR
#define DFOTA_PRINTF(fmt, args)
#endif

/* Negative classes, split by who must act. "Need more bytes" is not an error. */
typedef enum {
    DFOTA_OK = 0,
    DFOTA_E_ARG = -1,      /* the caller passed something invalid: a bug */
    DFOTA_E_IO = -2,       /* the operating system refused a read or write */
    DFOTA_E_INPUT = -3,    /* untrusted input is not in the expected form */
    DFOTA_E_TOO_BIG = -4,  /* input goes past a named limit */
    DFOTA_E_NOMEM = -5,    /* an allocation failed */
    DFOTA_E_TIMEOUT = -6   /* a deadline passed */
} dfota_err;

/* Size of the error buffers the API fills. */
#define DFOTA_ERRBUF 320

/* A static, never-NULL description of an error code. */
const char *dfota_strerror(dfota_err err);

#endif
