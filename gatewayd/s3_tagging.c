/* s3_tagging.c - object tags: ?tagging, x-amz-tagging on PUT and copy */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "gatewayd.h"
#include "util.h"

#define TAGS_MAX	10		/* per object, as in S3 */
#define TAG_KEYMAX	128		/* characters */
#define TAG_VALMAX	256
#define TAGS_BODYMAX	(64 * 1024)	/* a PutObjectTagging document */

/*
 * A tag set while it is checked: keys and values as bytes (UTF-8, so up
 * to four bytes a character).  Owned by the request that parses it.
 */
struct tag_set {
	int	ts_n;
	char	ts_key[TAGS_MAX][TAG_KEYMAX * 4 + 1];
	char	ts_val[TAGS_MAX][TAG_VALMAX * 4 + 1];
	/* XML parsing state */
	int	ts_depth;
	char	ts_text[TAG_VALMAX * 4 + 1];
	size_t	ts_text_len;
	bool	ts_has_key, ts_in_tag, ts_bad;
	char	ts_cur_key[TAG_KEYMAX * 4 + 1];
	char	ts_cur_val[TAG_VALMAX * 4 + 1];
	enum s3_err ts_err;
};

/* utf8_chars counts the characters of s, or returns -1 if it is no UTF-8. */
static long
utf8_chars(const char *s, size_t len)
{
	size_t i = 0, n;
	long chars = 0;
	unsigned char c;

	while (i < len) {
		c = (unsigned char)s[i];
		n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 :
		    (c >> 3) == 30 ? 4 : 0;
		if (n == 0 || i + n > len)
			return -1;
		for (size_t j = 1; j < n; j++)
			if (((unsigned char)s[i + j] >> 6) != 2)
				return -1;
		i += n;
		chars++;
	}
	return chars;
}

enum s3_err
s3_tagging_check(const char *k, size_t klen, const char *v, size_t vlen)
{
	long kc = utf8_chars(k, klen), vc = utf8_chars(v, vlen);

	if (kc < 1 || kc > TAG_KEYMAX || vc < 0 || vc > TAG_VALMAX ||
	    memchr(k, '\0', klen) != NULL || memchr(v, '\0', vlen) != NULL)
		return S3E_INVALID_TAG;
	return S3E_NONE;
}

/* tag_add checks one tag against S3's rules and adds it. */
static enum s3_err
tag_add(struct tag_set *ts, const char *k, size_t klen, const char *v,
    size_t vlen)
{
	int i;

	if (ts->ts_n == TAGS_MAX)
		return S3E_BAD_REQUEST;
	if (s3_tagging_check(k, klen, v, vlen) != S3E_NONE)
		return S3E_INVALID_TAG;
	for (i = 0; i < ts->ts_n; i++)
		if (strlen(ts->ts_key[i]) == klen &&
		    memcmp(ts->ts_key[i], k, klen) == 0)
			return S3E_INVALID_TAG;
	memcpy(ts->ts_key[ts->ts_n], k, klen);
	ts->ts_key[ts->ts_n][klen] = '\0';
	memcpy(ts->ts_val[ts->ts_n], v, vlen);
	ts->ts_val[ts->ts_n][vlen] = '\0';
	ts->ts_n++;
	return S3E_NONE;
}

/* parse_query reads the URL query form "k1=v1&k2=v2" of x-amz-tagging. */
static enum s3_err
parse_query(struct tag_set *ts, const char *s, size_t len)
{
	const char *end = s + len, *amp, *eq;
	char k[TAG_KEYMAX * 4 + 1], v[TAG_VALMAX * 4 + 1];
	long kl, vl;
	enum s3_err e;

	for (; s < end; s = amp + 1) {
		amp = memchr(s, '&', (size_t)(end - s));
		amp = amp ? amp : end;
		if (amp == s)
			continue;
		eq = memchr(s, '=', (size_t)(amp - s));
		eq = eq ? eq : amp;
		kl = util_pct_decode(s, (size_t)(eq - s), k, sizeof(k), false);
		vl = eq < amp ? util_pct_decode(eq + 1, (size_t)(amp - eq - 1),
		    v, sizeof(v), false) : 0;
		if (kl < 0 || vl < 0)
			return S3E_INVALID_TAG;
		if ((e = tag_add(ts, k, (size_t)kl, eq < amp ? v : "",
		    (size_t)vl)) != S3E_NONE)
			return e;
	}
	return S3E_NONE;
}

/* encode writes s percent-encoded (RFC 3986 unreserved kept) at out. */
static size_t
encode(char *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;
	unsigned char c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '~') {
			out[n++] = (char)c;
			continue;
		}
		out[n++] = '%';
		out[n++] = hex[c >> 4];
		out[n++] = hex[c & 15];
	}
	return n;
}

/* tags_encode makes the stored form of ts; out holds TAGS_STOREMAX. */
#define TAGS_STOREMAX	(TAGS_MAX * ((TAG_KEYMAX + TAG_VALMAX) * 12 + 2) + 1)
static void
tags_encode(const struct tag_set *ts, char *out)
{
	size_t n = 0;
	int i;

	for (i = 0; i < ts->ts_n; i++) {
		if (i > 0)
			out[n++] = '&';
		n += encode(out + n, ts->ts_key[i]);
		out[n++] = '=';
		n += encode(out + n, ts->ts_val[i]);
	}
	out[n] = '\0';
}

/* --- the XML of PutObjectTagging ------------------------------------------- */

static void
on_start(void *arg, const char *name, const char **attrs)
{
	struct tag_set *ts = arg;
	static const char *const path[] = { "Tagging", "TagSet", "Tag" };

	(void)attrs;
	ts->ts_text_len = 0;
	if (ts->ts_depth < 3 && strcmp(name, path[ts->ts_depth]) != 0)
		ts->ts_bad = true;
	if (ts->ts_depth == 2) {
		ts->ts_in_tag = true;
		ts->ts_has_key = false;
		ts->ts_cur_val[0] = '\0';
	}
	ts->ts_depth++;
}

static void
on_end(void *arg, const char *name)
{
	struct tag_set *ts = arg;
	enum s3_err e;

	ts->ts_depth--;
	ts->ts_text[ts->ts_text_len] = '\0';
	if (ts->ts_depth == 3 && strcmp(name, "Key") == 0) {
		memcpy(ts->ts_cur_key, ts->ts_text, ts->ts_text_len + 1);
		ts->ts_has_key = true;
	} else if (ts->ts_depth == 3 && strcmp(name, "Value") == 0) {
		memcpy(ts->ts_cur_val, ts->ts_text, ts->ts_text_len + 1);
	} else if (ts->ts_depth == 2 && ts->ts_in_tag) {
		ts->ts_in_tag = false;
		if (!ts->ts_has_key)
			ts->ts_bad = true;
		else if ((e = tag_add(ts, ts->ts_cur_key, strlen(ts->ts_cur_key),
		    ts->ts_cur_val, strlen(ts->ts_cur_val))) != S3E_NONE &&
		    ts->ts_err == S3E_NONE)
			ts->ts_err = e;
	}
	ts->ts_text_len = 0;
}

static void
on_text(void *arg, const char *s, int len)
{
	struct tag_set *ts = arg;

	if (!xml_text_add(ts->ts_text, sizeof(ts->ts_text), &ts->ts_text_len,
	    s, len))
		ts->ts_err = S3E_INVALID_TAG;
}

static const struct xml_sax tag_sax = { on_start, on_end, on_text };

static enum s3_err
parse_xml(struct tag_set *ts, const char *body, size_t len)
{
	enum s3_err e = s3_xml_parse(body, len, &tag_sax, ts);

	if (e == S3E_NONE && ts->ts_bad)
		e = S3E_MALFORMED_XML;
	return e != S3E_NONE ? e : ts->ts_err;
}

/* --- the handlers ------------------------------------------------------------ */

/* stored_tags finds the stored tag set of rec; empty if none. */
static struct proto_str
stored_tags(const struct msg_objrec *rec)
{
	struct proto_str none = { "", 0 };
	uint32_t i;

	for (i = 0; i < rec->or_nhdrs; i++)
		if (proto_str_eq(rec->or_hdr_name[i], "x-amz-tagging"))
			return rec->or_hdr_value[i];
	return none;
}

int
s3_tagging_count(const struct msg_objrec *rec)
{
	struct proto_str t = stored_tags(rec);
	size_t i;
	int n;

	if (t.ps_len == 0)
		return 0;
	for (n = 1, i = 0; i < t.ps_len; i++)
		n += t.ps_ptr[i] == '&';
	return n;
}

void
s3_tagging_get(struct s3_req *r)
{
	struct msg_objrec rec;
	struct rpc_call c;
	struct tag_set *ts;
	struct proto_str t;
	struct s3_xml x;
	int i;

	/* The version ?versionId names, else the latest; errors answered. */
	if (!s3_version_get(r, &c, &rec)) {
		rpc_call_fini(&c);
		return;
	}
	if ((ts = calloc(1, sizeof(*ts))) == NULL) {
		rpc_call_fini(&c);
		s3_fail_rc(r, CAIRN_ENOMEM);
		return;
	}
	t = stored_tags(&rec);
	(void)parse_query(ts, t.ps_ptr, t.ps_len);	/* checked when stored */
	rpc_call_fini(&c);
	s3_xml_init(&x);
	s3_xml_open_ns(&x, "Tagging");
	s3_xml_open(&x, "TagSet");
	for (i = 0; i < ts->ts_n; i++) {
		s3_xml_open(&x, "Tag");
		s3_xml_str(&x, "Key", ts->ts_key[i]);
		s3_xml_str(&x, "Value", ts->ts_val[i]);
		s3_xml_close(&x, "Tag");
	}
	s3_xml_close(&x, "TagSet");
	s3_xml_close(&x, "Tagging");
	free(ts);
	s3_respond_doc(r, &x);
}

/* set_tagging stores tags (possibly empty) and answers status. */
static void
set_tagging(struct s3_req *r, const char *tags, int status)
{
	int rc;

	rc = s3_version_set_hdr(r, "x-amz-tagging", tags);
	if (rc == CAIRN_EINVAL)
		s3_fail(r, S3E_INVALID_VERSION, NULL);
	else if (rc != 0)
		s3_fail_rc(r, rc);
	else
		s3_respond_empty(r, status, NULL, 0);
}

void
s3_tagging_put(struct s3_req *r)
{
	struct tag_set *ts = NULL;
	char *body = NULL, *out = NULL;
	enum s3_err e;
	size_t len;

	e = s3_body_whole(r, TAGS_BODYMAX, S3E_MALFORMED_XML, &body, &len);
	if (e == S3E_NONE && ((ts = calloc(1, sizeof(*ts))) == NULL ||
	    (out = malloc(TAGS_STOREMAX)) == NULL))
		e = S3E_SLOW_DOWN;
	if (e == S3E_NONE && (e = parse_xml(ts, body, len)) == S3E_NONE)
		tags_encode(ts, out);
	if (e != S3E_NONE)
		s3_fail(r, e, e == S3E_BAD_REQUEST ? "Object tags cannot be "
		    "greater than 10" : NULL);
	else
		set_tagging(r, out, 200);
	free(out);
	free(body);
	free(ts);
}

void
s3_tagging_delete(struct s3_req *r)
{
	set_tagging(r, "", 204);
}

enum s3_err
s3_tagging_from_request(struct s3_req *r, struct msg_objrec *rec)
{
	struct tag_set *ts;
	const char *v;
	size_t len;
	enum s3_err e;

	if ((v = http_header(r->sr_http, "x-amz-tagging", &len)) == NULL)
		return S3E_NONE;
	if ((ts = calloc(1, sizeof(*ts))) == NULL ||
	    (r->sr_tagbuf = malloc(TAGS_STOREMAX)) == NULL) {
		free(ts);
		return S3E_SLOW_DOWN;
	}
	if ((e = parse_query(ts, v, len)) == S3E_NONE && ts->ts_n > 0) {
		tags_encode(ts, r->sr_tagbuf);
		if (rec->or_nhdrs == PROTO_HDRMAX)
			e = S3E_INVALID_ARGUMENT;
		else {
			rec->or_hdr_name[rec->or_nhdrs] =
			    proto_str_c("x-amz-tagging");
			rec->or_hdr_value[rec->or_nhdrs++] =
			    proto_str_c(r->sr_tagbuf);
		}
	}
	free(ts);
	return e;
}
