/* util.h - small helpers shared by the daemons and the CLI */
#ifndef CAIRN_UTIL_H
#define CAIRN_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* util_hex writes 2*len lowercase hex digits and a NUL to out. */
void util_hex(char *out, const void *in, size_t len);

/* util_unhex parses exactly 2*len hex digits from in; 0 or CAIRN_EINVAL. */
int util_unhex(void *out, const char *in, size_t len);

/* util_hexval returns the value of the hex digit c, or -1. */
int util_hexval(int c);

/*
 * util_pct_next decodes the byte of URL-encoded s (len bytes) at *i: %XX,
 * '+' as a space if plus, or the byte itself.  It advances *i past what
 * it read and returns the byte (0-255), or -1 on a broken escape.
 */
int util_pct_next(const char *s, size_t len, size_t *i, bool plus);

/*
 * util_pct_decode decodes len bytes of URL-encoded s into out, with a
 * NUL (outlen bytes at most, NUL included): the length, or -1 if an
 * escape is broken or out is too small.
 */
long util_pct_decode(const char *s, size_t len, char *out, size_t outlen,
    bool plus);

/* util_random fills buf with len bytes from getrandom(2); fatal on failure. */
void util_random(void *buf, size_t len);

/*
 * util_iso_date reads len bytes of an ISO 8601 UTC date as S3 writes it
 * (2006-01-02T15:04:05Z, with or without fractions of a second) into ns
 * since 1970; false if it is not one.
 */
bool util_iso_date(const char *s, size_t len, uint64_t *ns);

/* util_now_ns returns the wall clock (CLOCK_REALTIME) in nanoseconds. */
uint64_t util_now_ns(void);

/* util_hash is the 32-bit FNV-1a hash of len bytes: for hash tables. */
uint32_t util_hash(const void *p, size_t len);

/* util_mono_ms returns CLOCK_MONOTONIC in milliseconds. */
uint64_t util_mono_ms(void);

/* util_mkdirs creates path and its missing parents with mode; 0 or error. */
int util_mkdirs(const char *path, unsigned mode);

/* util_fsync_dir fsyncs the directory path, making renames in it durable. */
int util_fsync_dir(const char *path);

#endif
