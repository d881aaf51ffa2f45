/* s3_cond.c - conditional GET/HEAD and response-* overrides, as S3 does */
#define _GNU_SOURCE		/* strptime */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "gatewayd.h"

/* The response-* query parameters and the headers they replace. */
static const char *const overrides[][2] = {
	{ "response-content-type", "content-type" },
	{ "response-content-language", "content-language" },
	{ "response-expires", "expires" },
	{ "response-cache-control", "cache-control" },
	{ "response-content-disposition", "content-disposition" },
	{ "response-content-encoding", "content-encoding" },
};

#define NOVERRIDES	(sizeof(overrides) / sizeof(overrides[0]))

/*
 * http_date parses the three date forms HTTP allows (RFC 7231 7.1.1.1);
 * returns -1 for anything else, which makes S3 ignore the header.
 */
static time_t
http_date(const char *v, size_t len)
{
	static const char *const forms[] = {
		"%a, %d %b %Y %H:%M:%S GMT",	/* IMF-fixdate */
		"%A, %d-%b-%y %H:%M:%S GMT",	/* RFC 850 */
		"%a %b %e %H:%M:%S %Y",		/* asctime */
	};
	char buf[64];
	struct tm tm;
	const char *end;
	size_t i;

	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, v, len);
	buf[len] = '\0';
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		memset(&tm, 0, sizeof(tm));
		end = strptime(buf, forms[i], &tm);
		if (end != NULL && *end == '\0')
			return timegm(&tm);
	}
	return -1;
}

/*
 * etag_matches tells whether a header value, a comma-separated list of
 * entity tags (quoted or not) or "*", names etag (given quoted).
 */
static bool
etag_matches(const char *v, size_t len, const char *etag)
{
	size_t elen = strlen(etag), i = 0, j, n;
	const char *p;

	while (i < len) {
		while (i < len && (v[i] == ' ' || v[i] == ','))
			i++;
		for (j = i; j < len && v[j] != ','; j++)
			;
		p = v + i;
		n = j - i;
		while (n > 0 && p[n - 1] == ' ')
			n--;
		if (n >= 2 && p[0] == 'W' && p[1] == '/') {
			p += 2;		/* a weak tag compares like a strong one */
			n -= 2;
		}
		if ((n == 1 && p[0] == '*') ||
		    (n == elen && memcmp(p, etag, n) == 0) ||
		    (n == elen - 2 && memcmp(p, etag + 1, n) == 0))
			return true;
		i = j + 1;
	}
	return false;
}

/* cond_header finds prefix+name among the request headers. */
static const char *
cond_header(struct http_req *hr, const char *prefix, const char *name,
    size_t *len)
{
	char full[64];

	snprintf(full, sizeof(full), "%s%s", prefix, name);
	return http_header(hr, full, len);
}

enum s3_cond
s3_cond_check(struct s3_req *r, const char *prefix, const char *etag,
    uint64_t mtime_ns)
{
	struct http_req *hr = r->sr_http;
	time_t mtime = (time_t)(mtime_ns / 1000000000u), t;
	const char *v;
	size_t len;
	bool has_match;

	/* RFC 7232 section 6, which S3 follows: match before dates. */
	v = cond_header(hr, prefix, "if-match", &len);
	has_match = v != NULL;
	if (v != NULL && !etag_matches(v, len, etag))
		return S3_COND_FAILED;
	v = cond_header(hr, prefix, "if-unmodified-since", &len);
	if (v != NULL && !has_match && (t = http_date(v, len)) != -1 &&
	    mtime > t)
		return S3_COND_FAILED;
	v = cond_header(hr, prefix, "if-none-match", &len);
	if (v != NULL)
		return etag_matches(v, len, etag) ? S3_COND_NOT_MODIFIED :
		    S3_COND_OK;
	v = cond_header(hr, prefix, "if-modified-since", &len);
	if (v != NULL && (t = http_date(v, len)) != -1 && mtime <= t)
		return S3_COND_NOT_MODIFIED;
	return S3_COND_OK;
}

/* replace sets header name in h[0..*n) to value, adding it if absent. */
static void
replace(struct http_hdr_out *h, size_t *n, size_t max, const char *name,
    const char *value)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcasecmp(h[i].ho_name, name) == 0) {
			h[i].ho_value = value;
			return;
		}
	if (*n < max) {
		h[*n].ho_name = name;
		h[(*n)++].ho_value = value;
	}
}

size_t
s3_cond_overrides(struct s3_req *r, struct http_hdr_out *h, size_t n,
    size_t max, char *buf, size_t buflen)
{
	size_t i, used = 0;
	long len;

	for (i = 0; i < NOVERRIDES; i++) {
		if (!s3_query_has(r->sr_http, overrides[i][0]))
			continue;
		len = s3_query_get(r->sr_http, overrides[i][0], buf + used,
		    buflen - used);
		if (len < 0)
			continue;
		replace(h, &n, max, overrides[i][1], buf + used);
		used += (size_t)len + 1;
	}
	return n;
}

bool
s3_cond_has_overrides(const struct s3_req *r)
{
	size_t i;

	for (i = 0; i < NOVERRIDES; i++)
		if (s3_query_has(r->sr_http, overrides[i][0]))
			return true;
	return false;
}
