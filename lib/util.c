/* util.c - small helpers shared by the daemons and the CLI */
#define _GNU_SOURCE		/* strptime */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "errors.h"
#include "log.h"
#include "util.h"

void
util_hex(char *out, const void *in, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *p = in;
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * len] = '\0';
}

int
util_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
util_unhex(void *out, const char *in, size_t len)
{
	unsigned char *p = out;
	size_t i;
	int hi, lo;

	for (i = 0; i < len; i++) {
		hi = util_hexval(in[2 * i]);
		lo = hi < 0 ? -1 : util_hexval(in[2 * i + 1]);
		if (lo < 0)
			return CAIRN_EINVAL;
		p[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

int
util_pct_next(const char *s, size_t len, size_t *i, bool plus)
{
	int c = (unsigned char)s[*i], hi, lo;

	if (c == '%') {
		if (len - *i < 3 || (hi = util_hexval(s[*i + 1])) < 0 ||
		    (lo = util_hexval(s[*i + 2])) < 0)
			return -1;
		*i += 3;
		return hi << 4 | lo;
	}
	(*i)++;
	return c == '+' && plus ? ' ' : c;
}

long
util_pct_decode(const char *s, size_t len, char *out, size_t outlen,
    bool plus)
{
	size_t i = 0, o = 0;
	int c;

	while (i < len) {
		if ((c = util_pct_next(s, len, &i, plus)) < 0 || o + 1 >= outlen)
			return -1;
		out[o++] = (char)c;
	}
	if (outlen == 0)
		return -1;
	out[o] = '\0';
	return (long)o;
}

void
util_random(void *buf, size_t len)
{
	unsigned char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = getrandom(p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			fatal("getrandom");
		p += n;
		len -= (size_t)n;
	}
}

uint32_t
util_hash(const void *p, size_t len)
{
	const unsigned char *c = p;
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ c[i]) * 16777619u;
	return h;
}

bool
util_iso_date(const char *s, size_t len, uint64_t *ns)
{
	char buf[40], *end;
	struct tm tm;
	time_t t;

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(buf, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return false;
	if (*end == '.')	/* fractions of a second */
		for (end++; *end >= '0' && *end <= '9'; end++)
			continue;
	if (strcmp(end, "Z") != 0 || (t = timegm(&tm)) < 0)
		return false;
	*ns = (uint64_t)t * 1000000000u;
	return true;
}

uint64_t
util_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t
util_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int
util_mkdirs(const char *path, unsigned mode)
{
	char buf[PATH_MAX];
	char *p;

	if (strlen(path) >= sizeof(buf))
		return CAIRN_EINVAL;
	strcpy(buf, path);
	for (p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) == -1 && errno != EEXIST)
			return cairn_errno(errno);
		*p = '/';
	}
	if (mkdir(buf, mode) == -1 && errno != EEXIST)
		return cairn_errno(errno);
	return 0;
}

int
util_fsync_dir(const char *path)
{
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return cairn_errno(errno);
	if (fsync(fd) == -1)
		rc = cairn_errno(errno);
	close(fd);
	return rc;
}
