/* s3_cors.c - bucket CORS: the configuration, preflights, response headers */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "errors.h"
#include "gatewayd.h"

#define CORS_RULESMAX	100		/* as in S3 */
#define CORS_IDMAX	255
#define CORS_BODYMAX	(64 * 1024)
#define CORS_HDRSMAX	8
#define CORS_VARY	"Origin, Access-Control-Request-Headers, " \
			"Access-Control-Request-Method"

/*
 * The CORS headers of one response, with the strings they point to.
 * Owned by the request (s3_req's sr_cors for an actual request, the
 * stack for a preflight); freed with cors_hdrs_free.
 */
struct s3_cors_hdrs {
	struct http_hdr_out	 ch_h[CORS_HDRSMAX];
	char			*ch_own[CORS_HDRSMAX];
	size_t			 ch_n;
	bool			 ch_err;	/* out of memory */
};

static const char *const cors_methods[] = {
	"GET", "PUT", "HEAD", "POST", "DELETE", NULL
};
static const char *const config_children[] = { "CORSRule", NULL };
static const char *const rule_children[] = {
	"ID", "AllowedMethod", "AllowedOrigin", "AllowedHeader",
	"ExposeHeader", "MaxAgeSeconds", NULL
};
static const char *const rule_single[] = { "ID", "MaxAgeSeconds", NULL };

/* wildcards counts the '*' of s. */
static int
wildcards(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		n += *s == '*';
	return n;
}

/* max_age_ok tells whether s is a whole number of seconds. */
static bool
max_age_ok(const char *s)
{
	size_t n = strspn(s, "0123456789");

	return n > 0 && n < 10 && s[n] == '\0';
}

/* value_check checks one element of a rule; msg says why it is refused. */
static enum s3_err
value_check(const struct s3_bconf_node *v, char *msg, size_t len)
{
	const char *s = v->bn_text;

	if (s3_bconf_is(v, "AllowedMethod") && !s3_bconf_word_in(s, cors_methods))
		snprintf(msg, len, "Found unsupported HTTP method in CORS "
		    "config. Unsupported method is %s", s);
	else if ((s3_bconf_is(v, "AllowedOrigin") ||
	    s3_bconf_is(v, "AllowedHeader")) && wildcards(s) > 1)
		snprintf(msg, len, "%s \"%s\" can not have more than one "
		    "wildcard.", v->bn_name, s);
	else if (s3_bconf_is(v, "ExposeHeader") && wildcards(s) > 0)
		snprintf(msg, len, "ExposeHeader \"%s\" contains wildcard. We "
		    "currently do not support wildcard for ExposeHeader.", s);
	else if (s3_bconf_is(v, "ID") && v->bn_text_len > CORS_IDMAX)
		snprintf(msg, len, "ID length should not exceed allowed limit "
		    "of %d", CORS_IDMAX);
	else if (s3_bconf_is(v, "MaxAgeSeconds") && !max_age_ok(s))
		return S3E_MALFORMED_XML;
	else
		return S3E_NONE;
	return S3E_INVALID_REQUEST;
}

static enum s3_err
rule_check(const struct s3_bconf_node *rule, char *msg, size_t len)
{
	const struct s3_bconf_node *v;
	enum s3_err e;

	if (!s3_bconf_only(rule, rule_children) ||
	    !s3_bconf_at_most_one(rule, rule_single) ||
	    s3_bconf_child(rule, "AllowedMethod") == NULL ||
	    s3_bconf_child(rule, "AllowedOrigin") == NULL)
		return S3E_MALFORMED_XML;
	/* The values go into response headers: no elements, no line breaks. */
	for (v = rule->bn_child; v != NULL; v = v->bn_next)
		if (v->bn_child != NULL || strlen(v->bn_text) != v->bn_text_len ||
		    strpbrk(v->bn_text, "\r\n") != NULL)
			return S3E_MALFORMED_XML;
	for (v = rule->bn_child; v != NULL; v = v->bn_next)
		if ((e = value_check(v, msg, len)) != S3E_NONE)
			return e;
	return S3E_NONE;
}

/* cors_check validates a CORSConfiguration as S3 does. */
static enum s3_err
cors_check(const struct s3_bconf_node *root, char *msg, size_t len)
{
	const struct s3_bconf_node *rule;
	int n;
	enum s3_err e;

	n = s3_bconf_count(root, "CORSRule");
	if (!s3_bconf_is(root, "CORSConfiguration") ||
	    !s3_bconf_only(root, config_children) || n < 1 ||
	    n > CORS_RULESMAX)
		return S3E_MALFORMED_XML;
	for (rule = root->bn_child; rule != NULL; rule = rule->bn_next)
		if ((e = rule_check(rule, msg, len)) != S3E_NONE)
			return e;
	return S3E_NONE;
}

/* --- matching a request against the rules -------------------------------------- */

/* wild_match matches s against a pattern with at most one '*'. */
static bool
wild_match(const char *pat, const char *s, size_t slen, bool icase)
{
	const char *star = strchr(pat, '*');
	size_t pre, post;

	if (star == NULL)
		return strlen(pat) == slen && (icase ?
		    strncasecmp(pat, s, slen) : strncmp(pat, s, slen)) == 0;
	pre = (size_t)(star - pat);
	post = strlen(star + 1);
	if (slen < pre + post)
		return false;
	if (icase)
		return strncasecmp(pat, s, pre) == 0 &&
		    strncasecmp(star + 1, s + slen - post, post) == 0;
	return strncmp(pat, s, pre) == 0 &&
	    strncmp(star + 1, s + slen - post, post) == 0;
}

/* rule_any tells whether some element name of rule matches s. */
static bool
rule_any(const struct s3_bconf_node *rule, const char *name, const char *s,
    size_t len, bool icase)
{
	const struct s3_bconf_node *v;

	for (v = rule->bn_child; v != NULL; v = v->bn_next)
		if (s3_bconf_is(v, name) && wild_match(v->bn_text, s, len,
		    icase))
			return true;
	return false;
}

/* headers_allowed checks each of the comma-separated request headers. */
static bool
headers_allowed(const struct s3_bconf_node *rule, const char *h, size_t len)
{
	const char *end = h + len, *comma;
	size_t n;

	for (; h < end; h = comma + 1) {
		comma = memchr(h, ',', (size_t)(end - h));
		comma = comma ? comma : end;
		while (h < comma && (*h == ' ' || *h == '\t'))
			h++;
		for (n = (size_t)(comma - h); n > 0 && (h[n - 1] == ' ' ||
		    h[n - 1] == '\t');)
			n--;
		if (n > 0 && !rule_any(rule, "AllowedHeader", h, n, true))
			return false;
	}
	return true;
}

/* rule_find returns the first rule for origin, method and headers. */
static const struct s3_bconf_node *
rule_find(const struct s3_bconf_node *root, const char *origin, size_t olen,
    const char *method, size_t mlen, const char *hdrs, size_t hlen)
{
	const struct s3_bconf_node *rule;

	for (rule = root->bn_child; rule != NULL; rule = rule->bn_next)
		if (rule_any(rule, "AllowedOrigin", origin, olen, false) &&
		    rule_any(rule, "AllowedMethod", method, mlen, false) &&
		    headers_allowed(rule, hdrs, hlen))
			return rule;
	return NULL;
}

/* --- the response headers -------------------------------------------------------- */

/* hdr_add adds a header whose value is len bytes of v (copied). */
static void
hdr_add(struct s3_cors_hdrs *ch, const char *name, const char *v, size_t len)
{
	char *p;

	if (ch->ch_n == CORS_HDRSMAX || (p = strndup(v, len)) == NULL) {
		ch->ch_err = true;
		return;
	}
	ch->ch_own[ch->ch_n] = p;
	ch->ch_h[ch->ch_n].ho_name = name;
	ch->ch_h[ch->ch_n++].ho_value = p;
}

/* hdr_join adds a header listing the rule's elements called elem. */
static void
hdr_join(struct s3_cors_hdrs *ch, const char *name,
    const struct s3_bconf_node *rule, const char *elem)
{
	const struct s3_bconf_node *v;
	size_t len = 0;
	char *p;

	for (v = rule->bn_child; v != NULL; v = v->bn_next)
		if (s3_bconf_is(v, elem))
			len += v->bn_text_len + 2;
	if (len == 0)
		return;
	if ((p = calloc(1, len)) == NULL) {
		ch->ch_err = true;
		return;
	}
	for (v = rule->bn_child; v != NULL; v = v->bn_next)
		if (s3_bconf_is(v, elem)) {
			if (p[0] != '\0')
				strcat(p, ", ");
			strcat(p, v->bn_text);
		}
	hdr_add(ch, name, p, strlen(p));
	free(p);
}

/* rule_has tells whether the rule has an element name that is exactly s. */
static bool
rule_has(const struct s3_bconf_node *rule, const char *name, const char *s)
{
	const struct s3_bconf_node *v;

	for (v = rule->bn_child; v != NULL; v = v->bn_next)
		if (s3_bconf_is(v, name) && strcmp(v->bn_text, s) == 0)
			return true;
	return false;
}

static void
cors_hdrs_free(struct s3_cors_hdrs *ch)
{
	size_t i;

	for (i = 0; i < ch->ch_n; i++)
		free(ch->ch_own[i]);
	ch->ch_n = 0;
}

/* hdrs_fill adds what S3 sends for a matching rule; hdrs: the requested
 * headers of a preflight, or NULL for an actual request. */
static void
hdrs_fill(struct s3_cors_hdrs *ch, const struct s3_bconf_node *rule,
    const char *origin, size_t olen, const char *hdrs, size_t hlen)
{
	const struct s3_bconf_node *age = s3_bconf_child(rule, "MaxAgeSeconds");
	bool any = rule_has(rule, "AllowedOrigin", "*");

	hdr_add(ch, "access-control-allow-origin", any ? "*" : origin,
	    any ? 1 : olen);
	hdr_join(ch, "access-control-allow-methods", rule, "AllowedMethod");
	if (hdrs != NULL && hlen > 0)
		hdr_add(ch, "access-control-allow-headers", hdrs, hlen);
	hdr_join(ch, "access-control-expose-headers", rule, "ExposeHeader");
	if (age != NULL)
		hdr_add(ch, "access-control-max-age", age->bn_text,
		    age->bn_text_len);
	if (!any)
		hdr_add(ch, "access-control-allow-credentials", "true", 4);
	hdr_add(ch, "vary", CORS_VARY, sizeof(CORS_VARY) - 1);
}

/* --- the handlers ------------------------------------------------------------ */

static enum s3_err
check_cors(struct s3_req *r, const struct s3_bconf_node *root, char *msg,
    size_t len)
{
	(void)r;
	return cors_check(root, msg, len);
}

const struct s3_bconf_ops s3_cors_ops = {
	BCONF_CORS, CORS_BODYMAX, 200, S3E_NO_SUCH_CORS, check_cors, NULL,
	NULL, true, NULL
};

/* preflight_refuse answers a preflight the configuration does not allow,
 * in S3's words ("evalution" included, as clients may match them). */
static void
preflight_refuse(struct s3_req *r, int rc)
{
	if (rc == CAIRN_ENOBUCKET)
		s3_fail(r, S3E_ACCESS_FORBIDDEN, "CORSResponse: Bucket not "
		    "found");
	else if (rc == CAIRN_ENOCONF)
		s3_fail(r, S3E_ACCESS_FORBIDDEN, "CORSResponse: CORS is not "
		    "enabled for this bucket.");
	else if (rc != 0)
		s3_fail_rc(r, rc);
	else
		s3_fail(r, S3E_ACCESS_FORBIDDEN, "CORSResponse: This CORS "
		    "request is not allowed. This is usually because the "
		    "evalution of Origin, request method / "
		    "Access-Control-Request-Method or "
		    "Access-Control-Request-Headers are not whitelisted by the "
		    "resource's CORS spec.");
}

/* What a preflight asks: its origin, method and headers, as received. */
struct preflight {
	const char	*pf_origin, *pf_method, *pf_hdrs;
	size_t		 pf_olen, pf_mlen, pf_hlen;
};

/* preflight_read finds what the preflight asks, or answers 400. */
static bool
preflight_read(struct s3_req *r, struct preflight *pf)
{
	struct http_req *hr = r->sr_http;

	if ((pf->pf_origin = http_header(hr, "origin", &pf->pf_olen)) ==
	    NULL) {
		s3_fail(r, S3E_BAD_REQUEST, "Insufficient information. Origin "
		    "request header needed.");
		return false;
	}
	if ((pf->pf_method = http_header(hr, "access-control-request-method",
	    &pf->pf_mlen)) == NULL) {
		s3_fail(r, S3E_BAD_REQUEST, "Invalid Access-Control-Request-"
		    "Method: null");
		return false;
	}
	if ((pf->pf_hdrs = http_header(hr, "access-control-request-headers",
	    &pf->pf_hlen)) == NULL) {
		pf->pf_hdrs = "";
		pf->pf_hlen = 0;
	}
	return true;
}

void
s3_cors_preflight(struct s3_req *r)
{
	const struct s3_bconf_node *rule = NULL;
	struct s3_bconf_node *root = NULL;
	struct s3_cors_hdrs ch;
	struct preflight pf;
	int rc;

	if (!preflight_read(r, &pf))
		return;
	rc = r->sr_bucket.ps_len == 0 ? CAIRN_ENOBUCKET :
	    s3_bconf_load(r, BCONF_CORS, &root);
	if (rc == 0)
		rule = rule_find(root, pf.pf_origin, pf.pf_olen, pf.pf_method,
		    pf.pf_mlen, pf.pf_hdrs, pf.pf_hlen);
	memset(&ch, 0, sizeof(ch));
	if (rule != NULL)
		hdrs_fill(&ch, rule, pf.pf_origin, pf.pf_olen, pf.pf_hdrs,
		    pf.pf_hlen);
	if (rule == NULL)
		preflight_refuse(r, rc);
	else if (ch.ch_err)
		s3_fail(r, S3E_SLOW_DOWN, NULL);
	else
		s3_respond_empty(r, 200, ch.ch_h, ch.ch_n);
	cors_hdrs_free(&ch);
	s3_bconf_free(root);
}

void
s3_cors_actual(struct s3_req *r)
{
	const struct s3_bconf_node *rule;
	struct s3_bconf_node *root;
	const char *origin;
	size_t olen;

	if (r->sr_bucket.ps_len == 0 ||
	    (origin = http_header(r->sr_http, "origin", &olen)) == NULL ||
	    s3_bconf_load(r, BCONF_CORS, &root) != 0)
		return;
	rule = rule_find(root, origin, olen, r->sr_http->hr_method,
	    r->sr_http->hr_method_len, "", 0);
	if (rule != NULL && (r->sr_cors = calloc(1, sizeof(*r->sr_cors))) !=
	    NULL) {
		hdrs_fill(r->sr_cors, rule, origin, olen, NULL, 0);
		r->sr_http->hr_extra = r->sr_cors->ch_h;
		r->sr_http->hr_nextra = r->sr_cors->ch_err ? 0 :
		    r->sr_cors->ch_n;
	}
	s3_bconf_free(root);
}

void
s3_cors_free(struct s3_req *r)
{
	if (r->sr_cors == NULL)
		return;
	r->sr_http->hr_extra = NULL;
	r->sr_http->hr_nextra = 0;
	cors_hdrs_free(r->sr_cors);
	free(r->sr_cors);
	r->sr_cors = NULL;
}
