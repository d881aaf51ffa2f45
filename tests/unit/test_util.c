/* test_util.c - hex digits and URL decoding of lib/util.c */
#include <string.h>

#include "tap.h"
#include "util.h"

static void
test_hexval(void)
{
	ok(util_hexval('0') == 0 && util_hexval('9') == 9 &&
	    util_hexval('a') == 10 && util_hexval('F') == 15,
	    "hex digits of both cases have their values");
	ok(util_hexval('g') == -1 && util_hexval('%') == -1 &&
	    util_hexval(0) == -1 && util_hexval(0xc3) == -1,
	    "anything else is -1");
}

static void
test_pct_next(void)
{
	const char *s = "a%2f+%4";
	size_t i = 0, len = strlen(s);

	ok(util_pct_next(s, len, &i, false) == 'a' && i == 1,
	    "a plain byte is itself");
	ok(util_pct_next(s, len, &i, false) == '/' && i == 4,
	    "an escape is its byte, three read");
	ok(util_pct_next(s, len, &i, true) == ' ' && i == 5,
	    "'+' is a space when asked");
	ok(util_pct_next(s, len, &i, false) == -1,
	    "an escape cut short is broken");
	i = 4;
	ok(util_pct_next(s, len, &i, false) == '+',
	    "'+' is itself otherwise");
	i = 0;
	ok(util_pct_next("%ff", 3, &i, false) == 0xff,
	    "a high byte is not sign-extended");
	i = 0;
	ok(util_pct_next("%zz", 3, &i, false) == -1,
	    "an escape of non-hex digits is broken");
}

static void
test_pct_decode(void)
{
	char out[8];

	ok(util_pct_decode("k%20e+y", 7, out, sizeof(out), true) == 5 &&
	    strcmp(out, "k e y") == 0, "a value decodes, '+' as a space");
	ok(util_pct_decode("a+b", 3, out, sizeof(out), false) == 3 &&
	    strcmp(out, "a+b") == 0, "a path keeps its '+'");
	ok(util_pct_decode("", 0, out, sizeof(out), false) == 0 &&
	    out[0] == '\0', "nothing decodes to the empty string");
	ok(util_pct_decode("1234567", 7, out, sizeof(out), false) == 7,
	    "seven bytes and the NUL fill eight");
	ok(util_pct_decode("12345678", 8, out, sizeof(out), false) == -1,
	    "eight do not fit");
	ok(util_pct_decode("%41%", 4, out, sizeof(out), false) == -1,
	    "a broken escape at the end is refused");
}

static void
test_iso_date(void)
{
	const char *d = "2030-01-02T03:04:05.000Z";
	uint64_t ns = 0;

	ok(util_iso_date(d, strlen(d), &ns) &&
	    ns == 1893553445ull * 1000000000u, "a date as S3 writes it");
	ok(util_iso_date(d, 19, &ns) == false, "without its Z it is not one");
	ok(util_iso_date("2030-01-02T03:04:05Z", 20, &ns) &&
	    ns == 1893553445ull * 1000000000u, "fractions may be left out");
	ok(!util_iso_date("2030-01-02", 10, &ns), "a day alone is not one");
	ok(!util_iso_date("2030-01-02T03:04:05+01:00", 25, &ns),
	    "an offset other than Z is refused");
}

int
main(void)
{
	plan(20);
	test_hexval();
	test_pct_next();
	test_pct_decode();
	test_iso_date();
	return tap_done();
}
