/* s3.c - an S3 request from arrival to answer: authenticate, route, reply */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "errors.h"
#include "gatewayd.h"
#include "log.h"
#include "util.h"

#define CANON_MAX	8192

/*
 * canon_buffer returns this thread's buffer for a canonical request,
 * empty.  8 KiB allocated for every request was no tcache size, and the
 * slow path of malloc and free showed in every small request's profile.
 */
static char *
canon_buffer(void)
{
	static _Thread_local char canon[CANON_MAX];

	canon[0] = '\0';
	return canon;
}

/* --- responses ----------------------------------------------------------------------- */

size_t
s3_common_headers(struct s3_req *r, struct http_hdr_out *hdrs)
{
	hdrs[0].ho_name = "x-amz-request-id";
	hdrs[0].ho_value = r->sr_http->hr_id;
	hdrs[1].ho_name = "x-amz-id-2";
	hdrs[1].ho_value = r->sr_http->hr_id;
	return 2 + s3_version_headers(r, hdrs + 2);
}

static void
fail_xml(struct s3_req *r, enum s3_err e, const char *message,
    const char *canon)
{
	struct http_hdr_out hdrs[6];
	struct s3_xml x;
	size_t n;

	atomic_fetch_add(&r->sr_env->gw_errors, 1);
	n = s3_common_headers(r, hdrs);
	hdrs[n].ho_name = "content-type";
	hdrs[n++].ho_value = "application/xml";
	if (r->sr_http->hr_head) {
		(void)http_respond(r->sr_http, s3_error_status(e), hdrs, n,
		    NULL, 0);
		return;
	}
	s3_xml_init(&x);
	s3_xml_open(&x, "Error");
	s3_xml_str(&x, "Code", s3_error_code(e));
	s3_xml_str(&x, "Message", message ? message : s3_error_message(e));
	s3_xml_str(&x, "Resource", r->sr_resource);
	s3_xml_str(&x, "RequestId", r->sr_http->hr_id);
	if (canon != NULL)
		s3_xml_str(&x, "CanonicalRequest", canon);
	s3_xml_close(&x, "Error");
	(void)http_respond(r->sr_http, s3_error_status(e), hdrs, n,
	    x.x_err ? "" : x.x_buf, x.x_err ? 0 : x.x_len);
	s3_xml_free(&x);
}

void
s3_fail(struct s3_req *r, enum s3_err e, const char *message)
{
	if (s3_error_status(e) >= 500)
		log_warnx("%s: %.*s %s: %s", r->sr_http->hr_id,
		    (int)r->sr_http->hr_method_len, r->sr_http->hr_method,
		    r->sr_resource, s3_error_code(e));
	fail_xml(r, e, message, NULL);
}

void
s3_fail_rc(struct s3_req *r, int rc)
{
	enum s3_err e = s3_error_from(rc);

	if (s3_error_status(e) >= 500)
		log_warnx("%s: %s: %s", r->sr_http->hr_id, r->sr_resource,
		    cairn_strerror(rc));
	fail_xml(r, e, NULL, NULL);
}

void
s3_respond_rc(struct s3_req *r, int rc, int status)
{
	if (rc != 0)
		s3_fail_rc(r, rc);
	else
		s3_respond_empty(r, status, NULL, 0);
}

void
s3_respond_xml(struct s3_req *r, const char *xml, size_t len)
{
	struct http_hdr_out hdrs[6];
	size_t n = s3_common_headers(r, hdrs);

	hdrs[n].ho_name = "content-type";
	hdrs[n++].ho_value = "application/xml";
	atomic_fetch_add(&r->sr_env->gw_bytes_out, len);
	(void)http_respond(r->sr_http, 200, hdrs, n, xml, len);
}

void
s3_respond_doc(struct s3_req *r, struct s3_xml *x)
{
	if (x->x_err)
		s3_fail(r, S3E_SLOW_DOWN, NULL);
	else
		s3_respond_xml(r, x->x_buf, x->x_len);
	s3_xml_free(x);
}

void
s3_respond_empty(struct s3_req *r, int status, const struct http_hdr_out *extra,
    size_t nextra)
{
	struct http_hdr_out hdrs[16];
	size_t n = s3_common_headers(r, hdrs), i;

	for (i = 0; i < nextra && n < 16; i++)
		hdrs[n++] = extra[i];
	(void)http_respond(r->sr_http, status, hdrs, n, NULL, 0);
}

void
s3_time_iso(uint64_t ns, char *buf, size_t len)
{
	time_t t = (time_t)(ns / 1000000000u);
	struct tm tm;
	char tmp[32];

	gmtime_r(&t, &tm);
	strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03uZ", tmp,
	    (unsigned)((ns / 1000000u) % 1000u));
}

void
s3_time_http(uint64_t ns, char *buf, size_t len)
{
	time_t t = (time_t)(ns / 1000000000u);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* --- query strings and paths ------------------------------------------------------------ */

/* query_find locates name in the raw query; value points past the '='. */
static bool
query_find(const struct http_req *hr, const char *name, const char **value,
    size_t *vlen)
{
	const char *p = hr->hr_query, *end = p + hr->hr_query_len, *amp, *eq;
	char dec[256];
	long n;

	while (p < end) {
		amp = memchr(p, '&', (size_t)(end - p));
		amp = amp ? amp : end;
		eq = memchr(p, '=', (size_t)(amp - p));
		eq = eq ? eq : amp;
		n = util_pct_decode(p, (size_t)(eq - p), dec, sizeof(dec), true);
		if (n >= 0 && strcmp(dec, name) == 0) {
			*value = eq < amp ? eq + 1 : amp;
			*vlen = (size_t)(amp - *value);
			return true;
		}
		p = amp + 1;
	}
	return false;
}

bool
s3_query_has(const struct http_req *hr, const char *name)
{
	const char *v;
	size_t n;

	return query_find(hr, name, &v, &n);
}

long
s3_query_get(const struct http_req *hr, const char *name, char *buf,
    size_t buflen)
{
	const char *v;
	size_t n;

	if (!query_find(hr, name, &v, &n))
		return -1;
	return util_pct_decode(v, n, buf, buflen, true);
}

/*
 * vhost_bucket finds the bucket in a Host header of the form
 * "bucket.DOMAIN[:port]" for the longest configured domain that fits;
 * false when the host is a domain itself or under none (path-style).
 */
static bool
vhost_bucket(struct s3_req *r, struct proto_str *bucket)
{
	const char *domains = r->sr_env->gw_conf.c_gw_domains, *host, *d, *e;
	size_t hlen, dlen, best = 0;

	if (domains[0] == '\0' ||
	    (host = http_header(r->sr_http, "host", &hlen)) == NULL)
		return false;
	if ((e = memchr(host, ':', hlen)) != NULL && host[0] != '[')
		hlen = (size_t)(e - host);
	for (d = domains; *d != '\0'; d = *e ? e + 1 : e) {
		d += strspn(d, " ");
		e = d + strcspn(d, ",");
		for (dlen = (size_t)(e - d); dlen > 0 && d[dlen - 1] == ' ';)
			dlen--;
		if (dlen == hlen && strncasecmp(host, d, dlen) == 0)
			return false;
		if (dlen > best && hlen >= dlen + 2 &&
		    host[hlen - dlen - 1] == '.' &&
		    strncasecmp(host + hlen - dlen, d, dlen) == 0)
			best = dlen;
	}
	if (best == 0)
		return false;
	bucket->ps_ptr = host;
	bucket->ps_len = hlen - best - 1;
	return true;
}

/* decode_key percent-decodes the key part of the path into sr_keybuf. */
static enum s3_err
decode_key(struct s3_req *r, const char *p, size_t len)
{
	long n;

	if (len == 0)
		return S3E_NONE;
	if ((r->sr_keybuf = malloc(len + 1)) == NULL)
		return S3E_SLOW_DOWN;
	if ((n = util_pct_decode(p, len, r->sr_keybuf, len + 1, false)) < 0)
		return S3E_INVALID_URI;
	if (n > PROTO_KEYMAX)
		return S3E_KEY_TOO_LONG;
	if (memchr(r->sr_keybuf, '\0', (size_t)n) != NULL)
		return S3E_INVALID_ARGUMENT;
	r->sr_key.ps_ptr = r->sr_keybuf;
	r->sr_key.ps_len = (size_t)n;
	return S3E_NONE;
}

/* parse_path finds bucket and key: "/bucket/key", or "/key" with the
 * bucket in the host name (virtual-host style). */
static enum s3_err
parse_path(struct s3_req *r)
{
	const char *p = r->sr_http->hr_path, *slash;
	size_t len = r->sr_http->hr_path_len;

	if (len == 0 || p[0] != '/')
		return S3E_INVALID_URI;
	p++;
	len--;
	if (vhost_bucket(r, &r->sr_bucket)) {
		if (r->sr_bucket.ps_len > PROTO_BUCKETMAX)
			return S3E_INVALID_BUCKET_NAME;
		return decode_key(r, p, len);
	}
	slash = memchr(p, '/', len);
	r->sr_bucket.ps_ptr = p;
	r->sr_bucket.ps_len = slash ? (size_t)(slash - p) : len;
	if (r->sr_bucket.ps_len > PROTO_BUCKETMAX)
		return S3E_INVALID_BUCKET_NAME;
	if (slash == NULL)
		return S3E_NONE;
	return decode_key(r, slash + 1, len - (size_t)(slash - p) - 1);
}

static void
set_resource(struct s3_req *r)
{
	snprintf(r->sr_resource, sizeof(r->sr_resource), "/%.*s%s%.*s",
	    (int)r->sr_bucket.ps_len, r->sr_bucket.ps_ptr,
	    r->sr_key.ps_len ? "/" : "", (int)r->sr_key.ps_len,
	    r->sr_key.ps_ptr);
}

/* --- authentication ----------------------------------------------------------------------- */

/* anonymous lets a request without any signature on, as nobody: only a
 * policy or an ACL can let it through s3_authz.  Its body is unsigned. */
static enum s3_err
anonymous(struct s3_req *r)
{
	r->sr_who.w_kind = S3_WHO_ANON;
	snprintf(r->sr_payload_hash, sizeof(r->sr_payload_hash),
	    "UNSIGNED-PAYLOAD");
	return S3E_NONE;
}

static enum s3_err
authenticate(struct s3_req *r, char *canon)
{
	const struct conf *conf = &r->sr_env->gw_conf;
	struct http_req *hr = r->sr_http;
	struct sigv4_request sr = {
		hr->hr_method, hr->hr_method_len, hr->hr_path, hr->hr_path_len,
		hr->hr_query, hr->hr_query_len,
		(const struct sigv4_header *)hr->hr_headers, hr->hr_nheaders,
	};
	struct sigv4_auth a;
	char secret[PROTO_SECRETMAX + 1];
	enum s3_err e;

	if ((e = sigv4_parse(&sr, &a)) == S3E_ACCESS_DENIED)
		return anonymous(r);
	if (e != S3E_NONE || (e = users_secret(r->sr_env, a.sa_access_key,
	    &r->sr_who, secret, sizeof(secret))) != S3E_NONE)
		return e;
	e = sigv4_check(&sr, &a, secret, conf->c_region, time(NULL), canon,
	    CANON_MAX);
	if (e == S3E_NONE && strncmp(a.sa_payload_hash,
	    "STREAMING-AWS4-HMAC-SHA256-", 27) == 0)
		e = sigv4_chain_init(&r->sr_chain, &a, secret);
	explicit_bzero(secret, sizeof(secret));
	if (e != S3E_NONE)
		return e;
	snprintf(r->sr_payload_hash, sizeof(r->sr_payload_hash), "%s",
	    a.sa_payload_hash);
	return S3E_NONE;
}

/* --- routing -------------------------------------------------------------------------------- */

/* Subresources of a bucket that the listing understands. */
static const char *const list_params[] = {
	"list-type", "prefix", "delimiter", "max-keys", "continuation-token",
	"start-after", "encoding-type", "fetch-owner", "marker", "x-id", NULL
};

/* Query parameters an object request may carry. */
static const char *const object_params[] = { "x-id", "partNumber",
	"versionId", NULL };

/* The parameters of a presigned URL, which any request may carry. */
static const char *const auth_params[] = {
	"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
	"X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Content-Sha256",
	NULL
};

static bool
is_auth_param(const char *name)
{
	size_t i;

	for (i = 0; auth_params[i] != NULL; i++)
		if (strcmp(name, auth_params[i]) == 0)
			return true;
	return false;
}

/* only_params tells whether every query parameter is in the list. */
static bool
only_params(const struct http_req *hr, const char *const *allowed)
{
	const char *p = hr->hr_query, *end = p + hr->hr_query_len, *amp, *eq;
	char name[64];
	size_t i;
	bool ok;

	for (; p < end; p = amp + 1) {
		amp = memchr(p, '&', (size_t)(end - p));
		amp = amp ? amp : end;
		eq = memchr(p, '=', (size_t)(amp - p));
		eq = eq ? eq : amp;
		if (eq == p)
			continue;
		if (util_pct_decode(p, (size_t)(eq - p), name, sizeof(name),
		    true) < 0)
			return false;
		if (strncmp(name, "response-", 9) == 0 && allowed ==
		    object_params)
			continue;
		if (is_auth_param(name))
			continue;
		for (ok = false, i = 0; allowed[i] != NULL && !ok; i++)
			ok = strcmp(name, allowed[i]) == 0;
		if (!ok)
			return false;
	}
	return true;
}

static void
route_service(struct s3_req *r)
{
	if (s3_method_is(r, "GET"))
		s3_bucket_list_all(r);
	else
		s3_fail(r, S3E_METHOD_NOT_ALLOWED, NULL);
}

static void
route_bucket(struct s3_req *r)
{
	struct http_req *hr = r->sr_http;
	char v[8];

	if (s3_subres_route(r, false))
		return;
	if (s3_method_is(r, "GET") && s3_query_has(hr, "location"))
		s3_bucket_location(r);
	else if (s3_method_is(r, "POST") && s3_query_has(hr, "delete"))
		s3_objects_delete(r);
	else if (s3_method_is(r, "GET") && s3_query_has(hr, "uploads"))
		s3_multipart_list_uploads(r);
	else if (!only_params(hr, list_params))
		s3_fail(r, S3E_NOT_IMPLEMENTED, "This bucket operation is "
		    "not implemented.");
	else if (s3_method_is(r, "PUT"))
		s3_bucket_create(r);
	else if (s3_method_is(r, "HEAD"))
		s3_bucket_head(r);
	else if (s3_method_is(r, "DELETE"))
		s3_bucket_delete(r);
	else if (s3_method_is(r, "GET"))
		s3_list_objects(r, s3_query_get(hr, "list-type", v,
		    sizeof(v)) == 1 && v[0] == '2' ? 2 : 1);
	else if (s3_method_is(r, "POST"))
		s3_fail(r, S3E_NOT_IMPLEMENTED, NULL);
	else
		s3_fail(r, S3E_METHOD_NOT_ALLOWED, NULL);
}

static void
route_object(struct s3_req *r)
{
	if (s3_subres_route(r, true))
		return;
	if (s3_multipart_route(r))
		return;
	if (!only_params(r->sr_http, object_params))
		s3_fail(r, S3E_NOT_IMPLEMENTED, "This object operation is "
		    "not implemented.");
	else if (s3_method_is(r, "PUT") &&
	    http_header(r->sr_http, "x-amz-copy-source", NULL) != NULL)
		s3_object_copy(r);
	else if (s3_method_is(r, "PUT"))
		s3_object_put(r);
	else if (s3_method_is(r, "GET") || s3_method_is(r, "HEAD"))
		s3_object_get(r);
	else if (s3_method_is(r, "DELETE"))
		s3_object_delete(r);
	else if (s3_method_is(r, "POST"))
		s3_fail(r, S3E_NOT_IMPLEMENTED, NULL);
	else
		s3_fail(r, S3E_METHOD_NOT_ALLOWED, NULL);
}

/* S3 accepts 8 KiB of request headers, 2 KiB of them user metadata. */
#define S3_HEADERS_MAX	8192

static size_t
headers_size(const struct http_req *hr)
{
	size_t i, n = 0;

	for (i = 0; i < hr->hr_nheaders; i++)
		n += hr->hr_headers[i].hh_name_len +
		    hr->hr_headers[i].hh_value_len + 4;
	return n;
}

/* What a PutObject and a DeleteObject may carry; other parameters route
 * them elsewhere. */
static const char *const put_params[] = { "x-id", NULL };
static const char *const delete_params[] = { "x-id", "versionId", NULL };

bool
s3_fast_admit(struct s3_req *r)
{
	struct http_req *hr = r->sr_http;
	bool put = s3_method_is(r, "PUT"), del = s3_method_is(r, "DELETE");
	const char *const *params = put ? put_params : del ? delete_params :
	    object_params;
	enum s3_err e;

	if ((!put && !del && !s3_method_is(r, "GET") &&
	    !s3_method_is(r, "HEAD")) ||
	    http_header(hr, "origin", NULL) != NULL ||
	    (put && http_header(hr, "x-amz-copy-source", NULL) != NULL))
		return false;
	if (parse_path(r) != S3E_NONE || r->sr_bucket.ps_len == 0 ||
	    r->sr_key.ps_len == 0)
		return false;
	set_resource(r);
	if (headers_size(hr) > S3_HEADERS_MAX || !only_params(hr, params))
		return false;
	e = authenticate(r, canon_buffer());
	return e == S3E_NONE && s3_authz(r) == S3E_NONE;
}

void
s3_serve(struct gatewayd *env, struct http_req *hr)
{
	struct s3_req r;
	char *canon;
	enum s3_err e;

	memset(&r, 0, sizeof(r));
	r.sr_env = env;
	r.sr_http = hr;
	atomic_fetch_add(&env->gw_requests, 1);
	e = parse_path(&r);
	set_resource(&r);
	if (e == S3E_NONE && headers_size(hr) > S3_HEADERS_MAX)
		e = S3E_HEADERS_TOO_LARGE;
	if (e != S3E_NONE) {
		s3_fail(&r, e, NULL);
		goto out;
	}
	/* A CORS preflight is not signed; an actual request may need its
	 * CORS headers even when it fails authentication. */
	if (s3_method_is(&r, "OPTIONS")) {
		s3_cors_preflight(&r);
		goto out;
	}
	s3_cors_actual(&r);
	canon = canon_buffer();
	e = authenticate(&r, canon);
	if (e == S3E_SIGNATURE_MISMATCH)
		fail_xml(&r, e, NULL, canon);
	else if (e == S3E_INVALID_REQUEST)
		s3_fail(&r, e, "Missing required header for this request: "
		    "x-amz-content-sha256");
	else if (e != S3E_NONE)
		s3_fail(&r, e, NULL);
	if (e == S3E_NONE && (e = s3_authz(&r)) != S3E_NONE)
		s3_fail(&r, e, NULL);
	if (e != S3E_NONE)
		goto out;
	if (r.sr_bucket.ps_len == 0)
		route_service(&r);
	else if (r.sr_key.ps_len == 0)
		route_bucket(&r);
	else
		route_object(&r);
	log_debug("%s: %.*s %s -> done in %llu ms", hr->hr_id,
	    (int)hr->hr_method_len, hr->hr_method, r.sr_resource,
	    (unsigned long long)(util_mono_ms() - hr->hr_start_ms));
out:
	s3_cors_free(&r);
	sigv4_chain_wipe(&r.sr_chain);
	free(r.sr_keybuf);
	free(r.sr_tagbuf);
}
