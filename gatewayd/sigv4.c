/* sigv4.c - AWS Signature Version 4 checks of the Authorization header */
#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "gatewayd.h"
#include "util.h"

#define SIGV4_ALGORITHM		"AWS4-HMAC-SHA256"
#define SIGV4_TERMINATOR	"aws4_request"
#define SIGV4_MAXSKEW		(15 * 60)	/* seconds, as S3 allows */
#define SIGV4_QUERYMAX		(64 * 1024)	/* bytes of query string */
#define SIGV4_PARAMSMAX		1024		/* query parameters */
#define SIGV4_SECRETMAX		256
#define SIGV4_HASHLEN		32		/* SHA-256 */
#define SIGV4_EXPIRESMAX	604800		/* seconds a presigned URL lives */
#define SIGV4_KEYCACHE		16		/* signing keys kept */

/* Every component of the Authorization header, once each. */
#define SIGV4_SEEN_CREDENTIAL	0x1
#define SIGV4_SEEN_SIGNED	0x2
#define SIGV4_SEEN_SIGNATURE	0x4
#define SIGV4_SEEN_ALL		0x7

/* The values S3 takes in x-amz-content-sha256 besides a hex digest. */
static const char *const sigv4_payload_words[] = {
	"UNSIGNED-PAYLOAD",
	"STREAMING-UNSIGNED-PAYLOAD-TRAILER",
	"STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
	"STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
	"STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD",
	"STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER",
};

static const char *const sigv4_months[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

/* Walks the sep-separated tokens of a string; "" is one empty token. */
struct sigv4_iter {
	const char	*it_p;
	const char	*it_end;
	bool		 it_done;
};

/*
 * The canonical request is never held whole: each piece goes straight
 * into the SHA-256 context, and as much as fits into the caller's buffer
 * so that a mismatch can be shown to the client.
 */
struct sigv4_sink {
	EVP_MD_CTX	*sk_md;
	char		*sk_buf;
	size_t		 sk_len;
	size_t		 sk_cap;
	bool		 sk_err;
};

/*
 * A signing key depends only on the secret, the day and the scope, so it
 * is the same for all of a user's requests of one day: kept, it saves
 * four HMACs a request.  An entry is found by the SHA-256 of what its key
 * is derived from, so that no secret is copied here and a changed secret
 * never finds the old key.
 */
struct sigv4_keyent {
	unsigned char	ke_id[SIGV4_HASHLEN];
	unsigned char	ke_key[SIGV4_HASHLEN];
	bool		ke_used;
};

static struct sigv4_keyent	sigv4_keys[SIGV4_KEYCACHE];
static unsigned			sigv4_keys_next;	/* to replace */
static pthread_mutex_t		sigv4_keys_lock = PTHREAD_MUTEX_INITIALIZER;

/* One query parameter, re-encoded into the parameter arena. */
struct sigv4_param {
	const char	*sp_name;
	size_t		 sp_name_len;
	const char	*sp_value;
	size_t		 sp_value_len;
};

static bool
sigv4_space(int c)
{
	return c == ' ' || c == '\t';
}

static void
sigv4_trim(const char **p, size_t *len)
{
	while (*len > 0 && sigv4_space((*p)[0])) {
		(*p)++;
		(*len)--;
	}
	while (*len > 0 && sigv4_space((*p)[*len - 1]))
		(*len)--;
}

static bool
sigv4_digits(const char *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	return true;
}

/* sigv4_caseeq compares a received name with a lowercase one. */
static bool
sigv4_caseeq(const char *p, size_t len, const char *name, size_t name_len)
{
	return len == name_len && strncasecmp(p, name, len) == 0;
}

static void
sigv4_iter_init(struct sigv4_iter *it, const char *p, size_t len)
{
	it->it_p = p;
	it->it_end = p + len;
	it->it_done = false;
}

static bool
sigv4_iter_next(struct sigv4_iter *it, int sep, const char **tok,
    size_t *len)
{
	const char	*q = NULL;

	if (it->it_done)
		return false;
	if (it->it_p < it->it_end)
		q = memchr(it->it_p, sep, it->it_end - it->it_p);
	if (q == NULL) {
		q = it->it_end;
		it->it_done = true;
	}
	*tok = it->it_p;
	*len = q - it->it_p;
	it->it_p = it->it_done ? q : q + 1;
	return true;
}

/* sigv4_find returns the first header called name (lowercase), or NULL. */
static const struct sigv4_header *
sigv4_find(const struct sigv4_request *req, const char *name)
{
	size_t	i, len = strlen(name);

	for (i = 0; i < req->sr_nheaders; i++)
		if (sigv4_caseeq(req->sr_headers[i].sh_name,
		    req->sr_headers[i].sh_name_len, name, len))
			return &req->sr_headers[i];
	return NULL;
}

/*
 * sigv4_copy copies a non-empty field of printable, spaceless ASCII
 * into dst, NUL-terminated; false if it does not fit or is empty.
 */
static bool
sigv4_copy(char *dst, size_t size, const char *src, size_t len)
{
	size_t	i;

	if (len == 0 || len >= size)
		return false;
	for (i = 0; i < len; i++)
		if (src[i] <= ' ' || src[i] >= 0x7f)
			return false;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return true;
}

/* Credential=AKID/YYYYMMDD/region/service/aws4_request */
static bool
sigv4_parse_credential(const char *v, size_t len, struct sigv4_auth *auth)
{
	struct sigv4_iter	 it;
	const char		*part[5];
	size_t			 plen[5];
	int			 n = 0;

	sigv4_iter_init(&it, v, len);
	while (n < 5 && sigv4_iter_next(&it, '/', &part[n], &plen[n]))
		n++;
	if (n != 5 || !it.it_done)
		return false;
	return sigv4_copy(auth->sa_access_key, sizeof(auth->sa_access_key),
	    part[0], plen[0]) &&
	    plen[1] == 8 && sigv4_digits(part[1], 8) &&
	    sigv4_copy(auth->sa_date, sizeof(auth->sa_date), part[1], 8) &&
	    sigv4_copy(auth->sa_region, sizeof(auth->sa_region),
	    part[2], plen[2]) &&
	    sigv4_copy(auth->sa_service, sizeof(auth->sa_service),
	    part[3], plen[3]) &&
	    plen[4] == sizeof(SIGV4_TERMINATOR) - 1 &&
	    memcmp(part[4], SIGV4_TERMINATOR, plen[4]) == 0;
}

/* sigv4_tchar tells whether c may appear in an HTTP header name. */
static bool
sigv4_tchar(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* SignedHeaders=host;range;x-amz-date: names, none empty, host among them */
static bool
sigv4_parse_signed(const char *v, size_t len, struct sigv4_auth *auth)
{
	struct sigv4_iter	 it;
	const char		*name;
	size_t			 nlen, i;
	bool			 host = false;

	if (!sigv4_copy(auth->sa_signed_headers,
	    sizeof(auth->sa_signed_headers), v, len))
		return false;
	sigv4_iter_init(&it, v, len);
	while (sigv4_iter_next(&it, ';', &name, &nlen)) {
		if (nlen == 0)
			return false;
		for (i = 0; i < nlen; i++)
			if (!sigv4_tchar((unsigned char)name[i]))
				return false;
		if (sigv4_caseeq(name, nlen, "host", 4))
			host = true;
	}
	return host;
}

/* Signature=64 hex digits, kept in lowercase */
static bool
sigv4_parse_signature(const char *v, size_t len, struct sigv4_auth *auth)
{
	size_t	i;

	if (len != 64)
		return false;
	for (i = 0; i < len; i++) {
		if (util_hexval((unsigned char)v[i]) < 0)
			return false;
		auth->sa_signature[i] = "0123456789abcdef"[
		    util_hexval((unsigned char)v[i])];
	}
	auth->sa_signature[len] = '\0';
	return true;
}

static const struct {
	const char	*name;
	unsigned	 bit;
	bool		(*parse)(const char *, size_t, struct sigv4_auth *);
} sigv4_components[] = {
	{ "Credential", SIGV4_SEEN_CREDENTIAL, sigv4_parse_credential },
	{ "SignedHeaders", SIGV4_SEEN_SIGNED, sigv4_parse_signed },
	{ "Signature", SIGV4_SEEN_SIGNATURE, sigv4_parse_signature },
};

/* sigv4_parse_component parses one "Name=value" of the header. */
static bool
sigv4_parse_component(const char *p, size_t len, struct sigv4_auth *auth,
    unsigned *seen)
{
	const char	*eq;
	size_t		 i, nlen;

	sigv4_trim(&p, &len);
	if ((eq = memchr(p, '=', len)) == NULL)
		return false;
	nlen = eq - p;
	for (i = 0; i < sizeof(sigv4_components) /
	    sizeof(sigv4_components[0]); i++) {
		if (nlen != strlen(sigv4_components[i].name) ||
		    memcmp(p, sigv4_components[i].name, nlen) != 0)
			continue;
		if (*seen & sigv4_components[i].bit)
			return false;
		*seen |= sigv4_components[i].bit;
		return sigv4_components[i].parse(eq + 1, len - nlen - 1, auth);
	}
	return false;
}

/*
 * sigv4_parse_authz parses "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=
 * ..., Signature=..." (components in any order, spaces around commas).
 */
static enum s3_err
sigv4_parse_authz(const char *v, size_t len, struct sigv4_auth *auth)
{
	struct sigv4_iter	 it;
	const char		*comp;
	size_t			 alen = sizeof(SIGV4_ALGORITHM) - 1, clen;
	unsigned		 seen = 0;

	sigv4_trim(&v, &len);
	if (len <= alen || memcmp(v, SIGV4_ALGORITHM, alen) != 0 ||
	    !sigv4_space(v[alen]))
		return S3E_AUTH_HEADER_MALFORMED;
	sigv4_iter_init(&it, v + alen, len - alen);
	while (sigv4_iter_next(&it, ',', &comp, &clen))
		if (!sigv4_parse_component(comp, clen, auth, &seen))
			return S3E_AUTH_HEADER_MALFORMED;
	if (seen != SIGV4_SEEN_ALL)
		return S3E_AUTH_HEADER_MALFORMED;
	return S3E_NONE;
}

/* sigv4_tm_valid rejects dates such as February 30 or hour 24. */
static bool
sigv4_tm_valid(const struct tm *tm)
{
	struct tm	copy = *tm, back;
	time_t		t;

	if (tm->tm_year < 70)
		return false;
	t = timegm(&copy);
	if (gmtime_r(&t, &back) == NULL)
		return false;
	return back.tm_year == tm->tm_year && back.tm_mon == tm->tm_mon &&
	    back.tm_mday == tm->tm_mday && back.tm_hour == tm->tm_hour &&
	    back.tm_min == tm->tm_min && back.tm_sec == tm->tm_sec;
}

/* sigv4_num reads n decimal digits; -1 if one is not a digit. */
static int
sigv4_num(const char *p, size_t n)
{
	size_t	i;
	int	v = 0;

	if (!sigv4_digits(p, n))
		return -1;
	for (i = 0; i < n; i++)
		v = v * 10 + (p[i] - '0');
	return v;
}

/* sigv4_amz_time parses the ISO 8601 basic form 20130524T000000Z. */
static bool
sigv4_amz_time(const char *v, size_t len, struct tm *tm)
{
	memset(tm, 0, sizeof(*tm));
	if (len != 16 || v[8] != 'T' || v[15] != 'Z' ||
	    !sigv4_digits(v, 8) || !sigv4_digits(v + 9, 6))
		return false;
	tm->tm_year = sigv4_num(v, 4) - 1900;
	tm->tm_mon = sigv4_num(v + 4, 2) - 1;
	tm->tm_mday = sigv4_num(v + 6, 2);
	tm->tm_hour = sigv4_num(v + 9, 2);
	tm->tm_min = sigv4_num(v + 11, 2);
	tm->tm_sec = sigv4_num(v + 13, 2);
	return sigv4_tm_valid(tm);
}

static int
sigv4_month(const char *p)
{
	int	i;

	for (i = 0; i < 12; i++)
		if (memcmp(p, sigv4_months[i], 3) == 0)
			return i;
	return -1;
}

/* sigv4_http_time parses the RFC 1123 form "Fri, 24 May 2013 00:00:00 GMT". */
static bool
sigv4_http_time(const char *v, size_t len, struct tm *tm)
{
	memset(tm, 0, sizeof(*tm));
	if (len != 29 || memcmp(v + 3, ", ", 2) != 0 || v[7] != ' ' ||
	    v[11] != ' ' || v[16] != ' ' || v[19] != ':' || v[22] != ':' ||
	    memcmp(v + 25, " GMT", 4) != 0)
		return false;
	tm->tm_mday = sigv4_num(v + 5, 2);
	tm->tm_mon = sigv4_month(v + 8);
	tm->tm_year = sigv4_num(v + 12, 4) - 1900;
	tm->tm_hour = sigv4_num(v + 17, 2);
	tm->tm_min = sigv4_num(v + 20, 2);
	tm->tm_sec = sigv4_num(v + 23, 2);
	if (tm->tm_mday < 0 || tm->tm_mon < 0 || tm->tm_year < 0 ||
	    tm->tm_hour < 0 || tm->tm_min < 0 || tm->tm_sec < 0)
		return false;
	return sigv4_tm_valid(tm);
}

/* sigv4_parse_date takes the request time from x-amz-date, else Date. */
static enum s3_err
sigv4_parse_date(const struct sigv4_request *req, struct sigv4_auth *auth)
{
	const struct sigv4_header	*h;
	struct tm			 tm;
	bool				 ok;

	if ((h = sigv4_find(req, "x-amz-date")) != NULL)
		ok = sigv4_amz_time(h->sh_value, h->sh_value_len, &tm);
	else if ((h = sigv4_find(req, "date")) != NULL)
		ok = sigv4_http_time(h->sh_value, h->sh_value_len, &tm);
	else
		ok = false;
	if (!ok || strftime(auth->sa_amz_date, sizeof(auth->sa_amz_date),
	    "%Y%m%dT%H%M%SZ", &tm) != 16)
		return S3E_MISSING_SECURITY_HEADER;
	return S3E_NONE;
}

static bool
sigv4_payload_ok(const char *v, size_t len)
{
	size_t	i;

	for (i = 0; i < sizeof(sigv4_payload_words) /
	    sizeof(sigv4_payload_words[0]); i++)
		if (len == strlen(sigv4_payload_words[i]) &&
		    memcmp(v, sigv4_payload_words[i], len) == 0)
			return true;
	if (len != 64)
		return false;
	for (i = 0; i < len; i++)
		if (util_hexval((unsigned char)v[i]) < 0)
			return false;
	return true;
}

/*
 * sigv4_parse_payload keeps x-amz-content-sha256 as sent.  S3 wants it on
 * every SigV4 request and answers InvalidRequest ("Missing required
 * header for this request: x-amz-content-sha256") without it.
 */
static enum s3_err
sigv4_parse_payload(const struct sigv4_request *req, struct sigv4_auth *auth)
{
	const struct sigv4_header	*h;
	const char			*v;
	size_t				 len;

	if ((h = sigv4_find(req, "x-amz-content-sha256")) == NULL)
		return S3E_INVALID_REQUEST;
	v = h->sh_value;
	len = h->sh_value_len;
	sigv4_trim(&v, &len);
	if (!sigv4_payload_ok(v, len) ||
	    !sigv4_copy(auth->sa_payload_hash, sizeof(auth->sa_payload_hash),
	    v, len))
		return S3E_INVALID_ARGUMENT;
	return S3E_NONE;
}

/*
 * sigv4_query_value finds the query parameter called name (exactly, as
 * SigV4 clients write it) and percent-decodes its value into buf,
 * NUL-terminated.  Returns the length, -1 if absent, -2 if it is broken
 * or does not fit.
 */
static long
sigv4_query_value(const struct sigv4_request *req, const char *name,
    char *buf, size_t size)
{
	struct sigv4_iter	 it;
	const char		*tok;
	size_t			 tlen, nlen = strlen(name);
	long			 n;

	sigv4_iter_init(&it, req->sr_query, req->sr_query_len);
	while (sigv4_iter_next(&it, '&', &tok, &tlen)) {
		if (tlen <= nlen || tok[nlen] != '=' ||
		    memcmp(tok, name, nlen) != 0)
			continue;
		n = util_pct_decode(tok + nlen + 1, tlen - nlen - 1, buf, size,
		    true);
		return n < 0 ? -2 : n;
	}
	return -1;
}

/* sigv4_query_has tells whether the query carries any SigV4 parameter. */
static bool
sigv4_query_has(const struct sigv4_request *req)
{
	char	buf[2];

	return sigv4_query_value(req, "X-Amz-Algorithm", buf,
	    sizeof(buf)) != -1 ||
	    sigv4_query_value(req, "X-Amz-Signature", buf, sizeof(buf)) != -1 ||
	    sigv4_query_value(req, "X-Amz-Credential", buf, sizeof(buf)) != -1;
}

/* sigv4_query_field parses one parameter with the header's parser. */
static bool
sigv4_query_field(const struct sigv4_request *req, const char *name,
    struct sigv4_auth *auth,
    bool (*parse)(const char *, size_t, struct sigv4_auth *))
{
	char	buf[1024];
	long	n;

	if ((n = sigv4_query_value(req, name, buf, sizeof(buf))) < 0)
		return false;
	return parse(buf, (size_t)n, auth);
}

/* X-Amz-Expires: seconds, 1 to 604800 (seven days), as S3 allows. */
static bool
sigv4_query_expires(const struct sigv4_request *req, struct sigv4_auth *auth)
{
	char	buf[16];
	long	n;

	n = sigv4_query_value(req, "X-Amz-Expires", buf, sizeof(buf));
	if (n < 1 || n > 6 || !sigv4_digits(buf, (size_t)n))
		return false;
	auth->sa_expires = atol(buf);
	return auth->sa_expires >= 1 && auth->sa_expires <= SIGV4_EXPIRESMAX;
}

/* X-Amz-Date in the basic ISO 8601 form, kept as sa_amz_date. */
static bool
sigv4_query_date(const struct sigv4_request *req, struct sigv4_auth *auth)
{
	struct tm	tm;
	char		buf[32];
	long		n;

	n = sigv4_query_value(req, "X-Amz-Date", buf, sizeof(buf));
	if (n < 0 || !sigv4_amz_time(buf, (size_t)n, &tm))
		return false;
	memcpy(auth->sa_amz_date, buf, 17);
	return true;
}

/*
 * sigv4_query_payload: a presigned URL leaves the payload unsigned unless
 * it names its hash in X-Amz-Content-Sha256.
 */
static bool
sigv4_query_payload(const struct sigv4_request *req, struct sigv4_auth *auth)
{
	long	n;

	n = sigv4_query_value(req, "X-Amz-Content-Sha256",
	    auth->sa_payload_hash, sizeof(auth->sa_payload_hash));
	if (n == -1) {
		strcpy(auth->sa_payload_hash, "UNSIGNED-PAYLOAD");
		return true;
	}
	return n >= 0 && sigv4_payload_ok(auth->sa_payload_hash, (size_t)n);
}

/*
 * sigv4_parse_query reads the X-Amz-* parameters of a presigned URL.
 * S3 answers AuthorizationQueryParametersError to any that is missing
 * or malformed.
 */
static enum s3_err
sigv4_parse_query(const struct sigv4_request *req, struct sigv4_auth *auth)
{
	char	alg[32];

	if (sigv4_query_value(req, "X-Amz-Algorithm", alg, sizeof(alg)) < 0 ||
	    strcmp(alg, SIGV4_ALGORITHM) != 0 ||
	    !sigv4_query_field(req, "X-Amz-Credential", auth,
	    sigv4_parse_credential) ||
	    !sigv4_query_field(req, "X-Amz-SignedHeaders", auth,
	    sigv4_parse_signed) ||
	    !sigv4_query_field(req, "X-Amz-Signature", auth,
	    sigv4_parse_signature) ||
	    !sigv4_query_date(req, auth) || !sigv4_query_expires(req, auth) ||
	    !sigv4_query_payload(req, auth))
		return S3E_AUTH_QUERY_PARAMS;
	if (memcmp(auth->sa_date, auth->sa_amz_date, 8) != 0 ||
	    strcmp(auth->sa_service, "s3") != 0)
		return S3E_AUTH_QUERY_PARAMS;
	auth->sa_presigned = true;
	return S3E_NONE;
}

enum s3_err
sigv4_parse(const struct sigv4_request *req, struct sigv4_auth *auth)
{
	const struct sigv4_header	*h;
	enum s3_err			 e;

	memset(auth, 0, sizeof(*auth));
	h = sigv4_find(req, "authorization");
	if (h != NULL && sigv4_query_has(req))
		return S3E_INVALID_ARGUMENT;	/* one auth mechanism only */
	if (h == NULL && sigv4_query_has(req))
		return sigv4_parse_query(req, auth);
	if (h == NULL)
		return S3E_ACCESS_DENIED;
	e = sigv4_parse_authz(h->sh_value, h->sh_value_len, auth);
	if (e != S3E_NONE)
		return e;
	if ((e = sigv4_parse_date(req, auth)) != S3E_NONE)
		return e;
	/* S3 answers AuthorizationHeaderMalformed to both. */
	if (memcmp(auth->sa_date, auth->sa_amz_date, 8) != 0 ||
	    strcmp(auth->sa_service, "s3") != 0)
		return S3E_AUTH_HEADER_MALFORMED;
	return sigv4_parse_payload(req, auth);
}

static bool
sigv4_sink_open(struct sigv4_sink *sk, char *buf, size_t cap)
{
	sk->sk_buf = buf;
	sk->sk_cap = buf != NULL ? cap : 0;
	sk->sk_len = 0;
	sk->sk_err = false;
	if (sk->sk_cap > 0)
		buf[0] = '\0';
	if ((sk->sk_md = EVP_MD_CTX_new()) == NULL)
		return false;
	if (EVP_DigestInit_ex2(sk->sk_md, hash_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(sk->sk_md);
		return false;
	}
	return true;
}

static void
sigv4_sink_put(struct sigv4_sink *sk, const char *p, size_t len)
{
	size_t	n;

	if (len == 0)
		return;
	if (EVP_DigestUpdate(sk->sk_md, p, len) != 1)
		sk->sk_err = true;
	if (sk->sk_len + 1 >= sk->sk_cap)
		return;
	n = sk->sk_cap - sk->sk_len - 1;
	n = len < n ? len : n;
	memcpy(sk->sk_buf + sk->sk_len, p, n);
	sk->sk_len += n;
	sk->sk_buf[sk->sk_len] = '\0';
}

static void
sigv4_sink_puts(struct sigv4_sink *sk, const char *s)
{
	sigv4_sink_put(sk, s, strlen(s));
}

/* sigv4_sink_close frees the context; true if hash holds the digest. */
static bool
sigv4_sink_close(struct sigv4_sink *sk, unsigned char *hash)
{
	unsigned int	len = 0;
	bool		ok;

	ok = !sk->sk_err && hash != NULL &&
	    EVP_DigestFinal_ex(sk->sk_md, hash, &len) == 1 &&
	    len == SIGV4_HASHLEN;
	EVP_MD_CTX_free(sk->sk_md);
	sk->sk_md = NULL;
	return ok;
}

static bool
sigv4_unreserved(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
	    c == '~';
}

/*
 * sigv4_reencode percent-decodes src and encodes it again the way SigV4
 * wants: unreserved bytes as they are, every other one as %XX.  A '+'
 * stands for a space, as in form encoding.  Writes at most 3 * len bytes
 * at *out and advances it; false on a broken escape.
 */
static bool
sigv4_reencode(const char *src, size_t len, char **out)
{
	char	*o = *out;
	size_t	 i = 0;
	int	 c;

	while (i < len) {
		if ((c = util_pct_next(src, len, &i, true)) < 0)
			return false;
		if (sigv4_unreserved(c))
			*o++ = c;
		else {
			*o++ = '%';
			*o++ = "0123456789ABCDEF"[c >> 4];
			*o++ = "0123456789ABCDEF"[c & 15];
		}
	}
	*out = o;
	return true;
}

/* sigv4_param_set re-encodes one "name[=value]" into p and the arena. */
static bool
sigv4_param_set(struct sigv4_param *p, const char *tok, size_t len,
    char **arena)
{
	const char	*eq = memchr(tok, '=', len);
	size_t		 nlen = eq != NULL ? (size_t)(eq - tok) : len;

	p->sp_name = *arena;
	if (!sigv4_reencode(tok, nlen, arena))
		return false;
	p->sp_name_len = *arena - p->sp_name;
	p->sp_value = *arena;
	if (eq != NULL && !sigv4_reencode(eq + 1, len - nlen - 1, arena))
		return false;
	p->sp_value_len = *arena - p->sp_value;
	return true;
}

static int
sigv4_span_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int	c = memcmp(a, b, alen < blen ? alen : blen);

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

static int
sigv4_param_cmp(const void *va, const void *vb)
{
	const struct sigv4_param	*a = va, *b = vb;
	int				 c;

	c = sigv4_span_cmp(a->sp_name, a->sp_name_len, b->sp_name,
	    b->sp_name_len);
	if (c != 0)
		return c;
	return sigv4_span_cmp(a->sp_value, a->sp_value_len, b->sp_value,
	    b->sp_value_len);
}

/*
 * sigv4_query_split fills pv with the parameters of q, re-encoded into
 * arena (3 * len bytes), skipping empty ones and X-Amz-Signature.
 */
static enum s3_err
sigv4_query_split(const char *q, size_t len, struct sigv4_param *pv,
    size_t *np, char *arena)
{
	struct sigv4_iter	 it;
	const char		*tok;
	size_t			 tlen, n = 0;

	sigv4_iter_init(&it, q, len);
	while (sigv4_iter_next(&it, '&', &tok, &tlen)) {
		if (tlen == 0)
			continue;
		if (!sigv4_param_set(&pv[n], tok, tlen, &arena))
			return S3E_INVALID_URI;
		if (pv[n].sp_name_len != 15 ||
		    memcmp(pv[n].sp_name, "X-Amz-Signature", 15) != 0)
			n++;
	}
	*np = n;
	return S3E_NONE;
}

static void
sigv4_query_write(struct sigv4_sink *sk, const struct sigv4_param *pv,
    size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (i > 0)
			sigv4_sink_put(sk, "&", 1);
		sigv4_sink_put(sk, pv[i].sp_name, pv[i].sp_name_len);
		sigv4_sink_put(sk, "=", 1);
		sigv4_sink_put(sk, pv[i].sp_value, pv[i].sp_value_len);
	}
}

/* sigv4_canonical_query writes the sorted, re-encoded query and '\n'. */
static enum s3_err
sigv4_canonical_query(struct sigv4_sink *sk, const char *q, size_t len)
{
	struct sigv4_param	*pv;
	char			*arena;
	size_t			 i, n = 1;
	enum s3_err		 e = S3E_INTERNAL;

	if (len == 0) {
		sigv4_sink_put(sk, "\n", 1);
		return S3E_NONE;
	}
	if (len > SIGV4_QUERYMAX)
		return S3E_INVALID_URI;
	for (i = 0; i < len; i++)
		if (q[i] == '&')
			n++;
	if (n > SIGV4_PARAMSMAX)
		return S3E_INVALID_URI;
	pv = calloc(n, sizeof(*pv));
	arena = malloc(3 * len);
	if (pv != NULL && arena != NULL &&
	    (e = sigv4_query_split(q, len, pv, &n, arena)) == S3E_NONE) {
		qsort(pv, n, sizeof(*pv), sigv4_param_cmp);
		sigv4_query_write(sk, pv, n);
		sigv4_sink_put(sk, "\n", 1);
	}
	free(pv);
	free(arena);
	return e;
}

/* sigv4_value writes a header value trimmed, inner blank runs as one. */
static void
sigv4_value(struct sigv4_sink *sk, const char *v, size_t len)
{
	size_t	i = 0, start;
	bool	first = true;

	while (i < len) {
		while (i < len && sigv4_space(v[i]))
			i++;
		if (i == len)
			break;
		for (start = i; i < len && !sigv4_space(v[i]); i++)
			;
		if (!first)
			sigv4_sink_put(sk, " ", 1);
		sigv4_sink_put(sk, v + start, i - start);
		first = false;
	}
}

/* sigv4_header_values writes every value of one header, joined by ','. */
static bool
sigv4_header_values(struct sigv4_sink *sk, const struct sigv4_request *req,
    const char *name, size_t len)
{
	const struct sigv4_header	*h;
	size_t				 i, found = 0;

	for (i = 0; i < req->sr_nheaders; i++) {
		h = &req->sr_headers[i];
		if (!sigv4_caseeq(h->sh_name, h->sh_name_len, name, len))
			continue;
		if (found++ > 0)
			sigv4_sink_put(sk, ",", 1);
		sigv4_value(sk, h->sh_value, h->sh_value_len);
	}
	return found > 0;
}

/*
 * sigv4_canonical_headers writes "name:value\n" for each signed header,
 * in the order of SignedHeaders, then the blank line.  A signed header
 * the request lacks cannot match what the client signed.
 */
static enum s3_err
sigv4_canonical_headers(struct sigv4_sink *sk,
    const struct sigv4_request *req, const struct sigv4_auth *auth)
{
	struct sigv4_iter	 it;
	const char		*name;
	size_t			 len;

	sigv4_iter_init(&it, auth->sa_signed_headers,
	    strlen(auth->sa_signed_headers));
	while (sigv4_iter_next(&it, ';', &name, &len)) {
		sigv4_sink_put(sk, name, len);
		sigv4_sink_put(sk, ":", 1);
		if (!sigv4_header_values(sk, req, name, len))
			return S3E_SIGNATURE_MISMATCH;
		sigv4_sink_put(sk, "\n", 1);
	}
	sigv4_sink_put(sk, "\n", 1);
	return S3E_NONE;
}

/*
 * sigv4_canonical_hash hashes the canonical request of req.  S3 signs
 * the path exactly as sent: neither normalized nor encoded again.
 */
static enum s3_err
sigv4_canonical_hash(const struct sigv4_request *req,
    const struct sigv4_auth *auth, unsigned char *hash, char *canon,
    size_t canon_len)
{
	struct sigv4_sink	sk;
	enum s3_err		e;

	if (!sigv4_sink_open(&sk, canon, canon_len))
		return S3E_INTERNAL;
	sigv4_sink_put(&sk, req->sr_method, req->sr_method_len);
	sigv4_sink_put(&sk, "\n", 1);
	if (req->sr_path_len == 0)
		sigv4_sink_put(&sk, "/", 1);
	sigv4_sink_put(&sk, req->sr_path, req->sr_path_len);
	sigv4_sink_put(&sk, "\n", 1);
	e = sigv4_canonical_query(&sk, req->sr_query, req->sr_query_len);
	if (e == S3E_NONE)
		e = sigv4_canonical_headers(&sk, req, auth);
	if (e == S3E_NONE) {
		sigv4_sink_puts(&sk, auth->sa_signed_headers);
		sigv4_sink_put(&sk, "\n", 1);
		sigv4_sink_puts(&sk, auth->sa_payload_hash);
	}
	if (!sigv4_sink_close(&sk, e == S3E_NONE ? hash : NULL) &&
	    e == S3E_NONE)
		e = S3E_INTERNAL;
	return e;
}

/*
 * sigv4_key_id names the signing key of secret for auth's day and scope:
 * the SHA-256 of all four, each ended by a NUL.
 */
static bool
sigv4_key_id(unsigned char *id, const struct sigv4_auth *auth,
    const char *secret)
{
	const char *part[] = { secret, auth->sa_date, auth->sa_region,
	    auth->sa_service };
	EVP_MD_CTX *md;
	size_t i;
	bool ok;

	if ((md = EVP_MD_CTX_new()) == NULL)
		return false;
	ok = EVP_DigestInit_ex2(md, hash_sha256(), NULL) == 1;
	for (i = 0; ok && i < sizeof(part) / sizeof(part[0]); i++)
		ok = EVP_DigestUpdate(md, part[i], strlen(part[i]) + 1) == 1;
	ok = ok && EVP_DigestFinal_ex(md, id, NULL) == 1;
	EVP_MD_CTX_free(md);
	return ok;
}

static bool
sigv4_key_find(const unsigned char *id, unsigned char *key)
{
	bool found = false;
	size_t i;

	pthread_mutex_lock(&sigv4_keys_lock);
	for (i = 0; i < SIGV4_KEYCACHE && !found; i++) {
		if (!sigv4_keys[i].ke_used ||
		    memcmp(sigv4_keys[i].ke_id, id, SIGV4_HASHLEN) != 0)
			continue;
		memcpy(key, sigv4_keys[i].ke_key, SIGV4_HASHLEN);
		found = true;
	}
	pthread_mutex_unlock(&sigv4_keys_lock);
	return found;
}

static void
sigv4_key_keep(const unsigned char *id, const unsigned char *key)
{
	struct sigv4_keyent *ke;

	pthread_mutex_lock(&sigv4_keys_lock);
	ke = &sigv4_keys[sigv4_keys_next++ % SIGV4_KEYCACHE];
	memcpy(ke->ke_id, id, SIGV4_HASHLEN);
	memcpy(ke->ke_key, key, SIGV4_HASHLEN);
	ke->ke_used = true;
	pthread_mutex_unlock(&sigv4_keys_lock);
}

/* sigv4_derive computes HMAC(HMAC(HMAC(HMAC("AWS4" secret, date), region),
 * service), "aws4_request") into key. */
static bool
sigv4_derive(unsigned char *key, const struct sigv4_auth *auth,
    const char *secret)
{
	char	ksecret[4 + SIGV4_SECRETMAX];
	size_t	slen = strlen(secret);
	bool	ok;

	if (slen > SIGV4_SECRETMAX)
		return false;
	memcpy(ksecret, "AWS4", 4);
	memcpy(ksecret + 4, secret, slen);
	ok = hash_hmac_sha256(key, ksecret, 4 + slen, auth->sa_date,
	    strlen(auth->sa_date)) &&
	    hash_hmac_sha256(key, key, SIGV4_HASHLEN, auth->sa_region,
	    strlen(auth->sa_region)) &&
	    hash_hmac_sha256(key, key, SIGV4_HASHLEN, auth->sa_service,
	    strlen(auth->sa_service)) &&
	    hash_hmac_sha256(key, key, SIGV4_HASHLEN, SIGV4_TERMINATOR,
	    sizeof(SIGV4_TERMINATOR) - 1);
	OPENSSL_cleanse(ksecret, sizeof(ksecret));
	return ok;
}

/* sigv4_signing_key finds the signing key of secret for auth's day and
 * scope among those kept, or derives and keeps it. */
static bool
sigv4_signing_key(unsigned char *key, const struct sigv4_auth *auth,
    const char *secret)
{
	unsigned char id[SIGV4_HASHLEN];

	if (!sigv4_key_id(id, auth, secret))
		return false;
	if (sigv4_key_find(id, key))
		return true;
	if (!sigv4_derive(key, auth, secret))
		return false;
	sigv4_key_keep(id, key);
	return true;
}

/* sigv4_sign computes the hex signature of the canonical request hash. */
static enum s3_err
sigv4_sign(const struct sigv4_auth *auth, const char *secret,
    const unsigned char *creq_hash, char *sig)
{
	unsigned char	key[SIGV4_HASHLEN], mac[SIGV4_HASHLEN];
	char		hexhash[2 * SIGV4_HASHLEN + 1], sts[320];
	int		n;
	bool		ok;

	util_hex(hexhash, creq_hash, SIGV4_HASHLEN);
	n = snprintf(sts, sizeof(sts), "%s\n%s\n%s/%s/%s/%s\n%s",
	    SIGV4_ALGORITHM, auth->sa_amz_date, auth->sa_date,
	    auth->sa_region, auth->sa_service, SIGV4_TERMINATOR, hexhash);
	if (n < 0 || (size_t)n >= sizeof(sts))
		return S3E_INTERNAL;
	ok = sigv4_signing_key(key, auth, secret) &&
	    hash_hmac_sha256(mac, key, sizeof(key), sts, (size_t)n);
	if (ok)
		util_hex(sig, mac, sizeof(mac));
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(mac, sizeof(mac));
	return ok ? S3E_NONE : S3E_INTERNAL;
}

/*
 * sigv4_check_time: a header-signed request must be dated within 15
 * minutes of now; a presigned URL from its date (give or take the same
 * skew) until X-Amz-Expires seconds later.
 */
static enum s3_err
sigv4_check_time(const struct sigv4_auth *auth, time_t now)
{
	struct tm	tm;
	time_t		t;

	if (!sigv4_amz_time(auth->sa_amz_date, strlen(auth->sa_amz_date), &tm))
		return S3E_MISSING_SECURITY_HEADER;
	t = timegm(&tm);
	if (auth->sa_presigned && t > now + SIGV4_MAXSKEW)
		return S3E_ACCESS_DENIED;	/* "Request is not valid yet" */
	if (auth->sa_presigned)
		return now > t + auth->sa_expires ? S3E_REQUEST_EXPIRED :
		    S3E_NONE;
	if (t > now + SIGV4_MAXSKEW || t < now - SIGV4_MAXSKEW)
		return S3E_REQUEST_TIME_TOO_SKEWED;
	return S3E_NONE;
}

static bool
sigv4_is_signed(const struct sigv4_auth *auth, const char *name, size_t len)
{
	struct sigv4_iter	 it;
	const char		*s;
	size_t			 slen;

	sigv4_iter_init(&it, auth->sa_signed_headers,
	    strlen(auth->sa_signed_headers));
	while (sigv4_iter_next(&it, ';', &s, &slen))
		if (sigv4_caseeq(name, len, s, slen))
			return true;
	return false;
}

/*
 * sigv4_check_unsigned refuses x-amz-* headers left out of the signature,
 * as S3 does ("There were headers present in the request which were not
 * signed"): they change what a request does (x-amz-copy-source, x-amz-acl).
 * x-amz-content-sha256 is the exception S3 makes too.
 */
static enum s3_err
sigv4_check_unsigned(const struct sigv4_request *req,
    const struct sigv4_auth *auth)
{
	const struct sigv4_header	*h;
	size_t				 i;

	for (i = 0; i < req->sr_nheaders; i++) {
		h = &req->sr_headers[i];
		if (h->sh_name_len < 6 ||
		    strncasecmp(h->sh_name, "x-amz-", 6) != 0 ||
		    sigv4_caseeq(h->sh_name, h->sh_name_len,
		    "x-amz-content-sha256", 20))
			continue;
		if (!sigv4_is_signed(auth, h->sh_name, h->sh_name_len))
			return S3E_ACCESS_DENIED;
	}
	return S3E_NONE;
}

enum s3_err
sigv4_check(const struct sigv4_request *req, const struct sigv4_auth *auth,
    const char *secret, const char *region, time_t now, char *canon,
    size_t canon_len)
{
	unsigned char	hash[SIGV4_HASHLEN];
	char		sig[2 * SIGV4_HASHLEN + 1];
	enum s3_err	e;

	if (canon != NULL && canon_len > 0)
		canon[0] = '\0';
	if (strcmp(auth->sa_region, region) != 0)
		return S3E_AUTH_HEADER_MALFORMED;
	if ((e = sigv4_check_time(auth, now)) != S3E_NONE)
		return e;
	e = sigv4_canonical_hash(req, auth, hash, canon, canon_len);
	if (e != S3E_NONE)
		return e;
	if ((e = sigv4_sign(auth, secret, hash, sig)) != S3E_NONE)
		return e;
	if (CRYPTO_memcmp(sig, auth->sa_signature, 2 * SIGV4_HASHLEN) != 0)
		return S3E_SIGNATURE_MISMATCH;
	return sigv4_check_unsigned(req, auth);
}

/*
 * The chunk signatures of an aws-chunked upload: each signs the previous
 * signature (the seed: the request's own) and the SHA-256 of one chunk,
 * or of the trailing headers at the end.
 */
enum s3_err
sigv4_chain_init(struct sigv4_chain *ch, const struct sigv4_auth *auth,
    const char *secret)
{
	int	n;

	memset(ch, 0, sizeof(*ch));
	n = snprintf(ch->sc_head, sizeof(ch->sc_head), "%s\n%s/%s/%s/%s\n",
	    auth->sa_amz_date, auth->sa_date, auth->sa_region,
	    auth->sa_service, SIGV4_TERMINATOR);
	if (n < 0 || (size_t)n >= sizeof(ch->sc_head) ||
	    !sigv4_signing_key(ch->sc_key, auth, secret))
		return S3E_INTERNAL;
	memcpy(ch->sc_prev, auth->sa_signature, sizeof(ch->sc_prev));
	ch->sc_ready = true;
	return S3E_NONE;
}

enum s3_err
sigv4_chain_next(struct sigv4_chain *ch, bool trailer,
    const unsigned char *hash, const char *sig, size_t sig_len)
{
	unsigned char	mac[SIGV4_HASHLEN];
	char		sts[512], hex[2 * SIGV4_HASHLEN + 1];
	int		n;

	util_hex(hex, hash, SIGV4_HASHLEN);
	if (trailer)
		n = snprintf(sts, sizeof(sts), "AWS4-HMAC-SHA256-TRAILER\n"
		    "%s%s\n%s", ch->sc_head, ch->sc_prev, hex);
	else
		n = snprintf(sts, sizeof(sts), "AWS4-HMAC-SHA256-PAYLOAD\n"
		    "%s%s\n%s\n%s", ch->sc_head, ch->sc_prev,
		    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b"
		    "7852b855", hex);
	if (!ch->sc_ready || n < 0 || (size_t)n >= sizeof(sts) ||
	    !hash_hmac_sha256(mac, ch->sc_key, sizeof(ch->sc_key), sts,
	    (size_t)n))
		return S3E_INTERNAL;
	util_hex(hex, mac, sizeof(mac));
	if (sig_len != 2 * SIGV4_HASHLEN ||
	    CRYPTO_memcmp(hex, sig, sig_len) != 0)
		return S3E_SIGNATURE_MISMATCH;
	memcpy(ch->sc_prev, hex, sizeof(ch->sc_prev));
	return S3E_NONE;
}

void
sigv4_chain_wipe(struct sigv4_chain *ch)
{
	OPENSSL_cleanse(ch, sizeof(*ch));
}
