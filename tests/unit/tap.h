/* tap.h - a tiny TAP producer for the unit tests */
#ifndef CAIRN_TAP_H
#define CAIRN_TAP_H

/* plan prints "1..n"; call it first. */
void plan(int n);

/* ok prints "ok N - name" or "not ok N - name"; returns cond. */
int ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* is_int is ok(got == want) with both values printed on failure. */
int is_int(long long got, long long want, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* diag prints a "# " comment line. */
void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* tap_done returns the exit status: 0 if every planned test passed. */
int tap_done(void);

#endif
