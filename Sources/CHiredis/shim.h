#ifndef SWISSAGENT_CHIREDIS_SHIM_H
#define SWISSAGENT_CHIREDIS_SHIM_H

// hiredis 0.14 (Debian 12): RESP2 only, no redisConnectWithOptions.
#include <hiredis/hiredis.h>
#include <sys/time.h>

// errstr is a char[128], which Swift imports as a 128-element tuple; hand out a pointer instead.
static inline const char *chiredis_errstr(const redisContext *c) { return c->errstr; }

// The reader's errstr, likewise.
static inline const char *chiredis_reader_errstr(const redisReader *r) { return r->errstr; }

// redisCommand is variadic (unavailable in Swift); callers use the argv form only.
static inline struct timeval chiredis_timeval_ms(long long ms) {
    struct timeval tv;
    tv.tv_sec = (time_t)(ms / 1000);
    tv.tv_usec = (suseconds_t)((ms % 1000) * 1000);
    return tv;
}

#endif
