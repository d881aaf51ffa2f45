/* tap.c - a tiny TAP producer for the unit tests */
#include <stdarg.h>
#include <stdio.h>

#include "tap.h"

static int tap_planned, tap_run, tap_failed;

void
plan(int n)
{
	tap_planned = n;
	printf("1..%d\n", n);
}

static int
report(int cond, const char *fmt, va_list ap)
{
	tap_run++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_run);
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	return cond;
}

int
ok(int cond, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(cond, fmt, ap);
	va_end(ap);
	return cond;
}

int
is_int(long long got, long long want, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(got == want, fmt, ap);
	va_end(ap);
	if (got != want)
		printf("# got %lld, want %lld\n", got, want);
	return got == want;
}

void
diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

int
tap_done(void)
{
	if (tap_run != tap_planned)
		printf("# planned %d tests, ran %d\n", tap_planned, tap_run);
	return (tap_failed == 0 && tap_run == tap_planned) ? 0 : 1;
}
