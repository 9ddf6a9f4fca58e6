/* SPDX-License-Identifier: MIT */
/* dfota/base.h - the ground every room stands on: error codes and the one clock.
 * One header for the room lib/base/. */
#ifndef DFOTA_BASE_H
#define DFOTA_BASE_H

/* ---- error: error codes shared by every module of the core library.
 *
 * The library never prints and never exits: a fallible function returns a
 * dfota_err and, where it takes one, fills a caller's error buffer with a
 * sentence that names the place (file, line) of the trouble. */

/* The version of dfota, in every artifact it writes. */
#define DFOTA_VERSION "0.1.0"

#include <stdint.h>

/* Time is kept in nanoseconds (int64_t) everywhere: module time, wall time,
 * windows, durations. These are its units, named once. */
#define DFOTA_NS_PER_S 1000000000LL
#define DFOTA_NS_PER_MS 1000000LL

/* ns as seconds, for a message ("%.3fs"). */
static inline double dfota_seconds(int64_t ns)
{
    return (double)ns / 1e9;
}

#include <stddef.h>

#if defined(__GNUC__) || defined(__clang__)
#define DFOTA_WUR __attribute__((warn_unused_result))
#define DFOTA_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define DFOTA_WUR
#define DFOTA_PRINTF(fmt, args)
#endif

/* libcurl and libxml2 are loaded when a command first needs them, not
 * when dfota starts (with what they load, they were most of its start-up).
 * 0 when the library can be called, or -1 with why in err (cap bytes):
 * it is not installed, a bench's trouble, not a verdict. */
int dfota_need_curl(char *err, size_t cap);
int dfota_need_xml(char *err, size_t cap);

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

/* ---- clock: module time, the one clock every part of the harness
 * reads (ARCHITECTURE.md: "one clock interface").
 *
 * Module time is what the judge sees: nanoseconds since the clock started,
 * in the module's own pace. Three kinds keep it:
 *
 *   real     module time is wall time (a real module, a host program).
 *   scaled   module time is wall time divided by a scale: at 0.01 a 3 s
 *            window lasts 30 ms (dfota emulate --time-scale, for someone
 *            else's host software that lives in wall time).
 *   virtual  a discrete-event clock: it stands still while anything is
 *            being done and moves only when dfota_clock_advance is called,
 *            which the harness does when both the host and the module are
 *            waiting, jumping to the next planned action. Used when the
 *            harness runs the emulator itself: no verdict depends on how
 *            fast the machine is.
 *
 * The virtual clock also keeps the count of bytes on the wire between the
 * host and the module (written by one side, not yet read by the other):
 * while any are, neither side is waiting, and time must not move.
 *
 * A clock is not thread-safe; each is used by one thread. */

#include <stddef.h>
#include <stdint.h>

typedef enum { DFOTA_CLOCK_REAL, DFOTA_CLOCK_SCALED, DFOTA_CLOCK_VIRTUAL } dfota_clock_kind;

/* The two directions of the wire. */
typedef enum { DFOTA_WIRE_TO_MODULE = 0, DFOTA_WIRE_TO_HOST = 1 } dfota_wire;

typedef struct dfota_clock dfota_clock;

/* The operating system's monotonic clock, in ns: the one place it is read. */
int64_t dfota_wall_ns(void);

/* The time scales a wall clock can keep (wall seconds per module second).
 * Module time is int64 ns of wall time / scale: below the minimum it would
 * run out within hours (and at 1e-15 within a second); past the maximum a
 * 20-minute upgrade would last two weeks. Every place that reads a scale
 * from a user refuses one outside [MIN, MAX] (dfota_clock_scale_parse). */
#define DFOTA_CLOCK_SCALE_MIN 1e-6
#define DFOTA_CLOCK_SCALE_MAX 1000.0

/* Parses a time scale from a user ("0.001", "1e-3"): the whole text, a
 * finite number in [DFOTA_CLOCK_SCALE_MIN, DFOTA_CLOCK_SCALE_MAX]. Returns
 * DFOTA_OK with *out set, or DFOTA_E_ARG with *out untouched and a
 * sentence naming the range in err. */
DFOTA_WUR dfota_err dfota_clock_scale_parse(const char *s, double *out, char *err,
                                            size_t errlen);

/* a + b in ns, saturated at INT64_MAX and INT64_MIN instead of wrapping:
 * every deadline the harness computes is made with it, so that a huge
 * duration means "never", not a time in the far past. */
int64_t dfota_time_add(int64_t a, int64_t b);

/* a + b + c, saturated the same way. */
int64_t dfota_time_add3(int64_t a, int64_t b, int64_t c);

/* A new clock started now. scale is used by DFOTA_CLOCK_SCALED only (module
 * seconds to wall seconds, in [DFOTA_CLOCK_SCALE_MIN, DFOTA_CLOCK_SCALE_MAX];
 * 1 is real time).
 * Returns DFOTA_OK with *out (free with dfota_clock_free), DFOTA_E_ARG for
 * a bad scale, or DFOTA_E_NOMEM, with a sentence in err. */
DFOTA_WUR dfota_err dfota_clock_new(dfota_clock_kind kind, double scale, dfota_clock **out,
                                    char *err, size_t errlen);

/* A wall clock at scale: real when scale is 1, else scaled. As
 * dfota_clock_new. */
DFOTA_WUR dfota_err dfota_clock_new_wall(double scale, dfota_clock **out, char *err,
                                         size_t errlen);

/* Frees the clock; NULL does nothing. */
void dfota_clock_free(dfota_clock *c);

dfota_clock_kind dfota_clock_kind_of(const dfota_clock *c);

/* 1 for a virtual clock. */
int dfota_clock_is_virtual(const dfota_clock *c);

/* Module seconds to wall seconds: 1 for a real clock, 0 for a virtual one
 * (its time is not wall time at all). */
double dfota_clock_scale(const dfota_clock *c);

/* Module time now, ns since the clock started; never negative, and
 * saturated at INT64_MAX rather than wrapping. */
int64_t dfota_clock_now(const dfota_clock *c);

/* The wall ns until module time t is reached: 0 when it has been; for a
 * virtual clock, -1 (it is never reached by waiting, only by advancing). */
int64_t dfota_clock_wall_until(const dfota_clock *c, int64_t t);

/* The same as a poll timeout in whole milliseconds, rounded up so that a
 * wait never ends before t, and at most cap_ms; cap_ms for a virtual clock. */
int dfota_clock_wait_ms(const dfota_clock *c, int64_t t, int cap_ms);

/* The longest single wait a live source or proxy makes, in wall ms:
 * cap_ms at real time (and for a virtual clock), as long in module time on
 * a faster clock (at least 1 ms), since a wait's length bounds what it can
 * tell of its own lateness. */
int dfota_clock_wait_cap_ms(const dfota_clock *c, int cap_ms);

/* How late (module ns) something read now may be that may have been
 * there since wall time since_wall (0: unknown): at least 1 ms of wall
 * time, the granularity of a wait; 0 on a virtual clock, which waits for
 * nothing. A live source's late_ns (dfota_event). */
int64_t dfota_clock_late_since(const dfota_clock *c, int64_t since_wall);

/* A duration of wall time in module ns (scale applied; 0 for virtual). */
int64_t dfota_clock_from_wall(const dfota_clock *c, int64_t wall_ns);

/* A duration of module time in wall ns (scale applied; 0 for virtual). */
int64_t dfota_clock_to_wall(const dfota_clock *c, int64_t module_ns);

/* Virtual clock: module time jumps to t (never backwards). Nothing for the
 * other kinds. */
void dfota_clock_advance(dfota_clock *c, int64_t t);

/* The wire count (a virtual clock's only; the others ignore it): n bytes
 * were written toward the other side (sent) or read from it (taken). A side that closes its end drops what is still on
 * the wire with dfota_clock_wire_drop. */
void dfota_clock_wire_sent(dfota_clock *c, dfota_wire w, size_t n);
void dfota_clock_wire_taken(dfota_clock *c, dfota_wire w, size_t n);
void dfota_clock_wire_drop(dfota_clock *c);

/* Bytes written toward w's reader and not yet read. */
int64_t dfota_clock_on_wire(const dfota_clock *c, dfota_wire w);

/* ---- crc32: a checksum of bytes (the delta packages' crc32: header). */

/* CRC-32 (IEEE 802.3, as zlib's crc32) of len bytes, continuing from crc
 * (start with 0). Pure. */
uint32_t dfota_crc32(uint32_t crc, const void *data, size_t len);

#endif
