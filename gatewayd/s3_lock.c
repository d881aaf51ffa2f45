/* s3_lock.c - S3 object lock: bucket default, retention and legal hold */
#define _GNU_SOURCE		/* strncasecmp */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "errors.h"
#include "gatewayd.h"
#include "util.h"

/*
 * A version's retention (mode and date) and legal hold are stored headers
 * of its record, shown on GET and HEAD as S3 shows them; cairn-metad
 * refuses to delete a version they hold (docs/meta-format.md).  The
 * bucket's default retention is its stored ObjectLockConfiguration, in
 * the canonical form lock_conf_doc writes, which metad reads too.
 */
#define HDR_MODE	"x-amz-object-lock-mode"
#define HDR_UNTIL	"x-amz-object-lock-retain-until-date"
#define HDR_HOLD	"x-amz-object-lock-legal-hold"

bool
s3_lock_bypass(struct s3_req *r)
{
	const char *v;
	size_t len;

	v = http_header(r->sr_http, "x-amz-bypass-governance-retention", &len);
	return v != NULL && len == 4 && strncasecmp(v, "true", 4) == 0;
}

void
s3_lock_bucket_create(struct s3_req *r, struct msg_bucket *b)
{
	const char *v;
	size_t len;

	v = http_header(r->sr_http, "x-amz-bucket-object-lock-enabled", &len);
	if (v != NULL && len == 4 && strncasecmp(v, "true", 4) == 0) {
		b->b_object_lock = true;
		b->b_versioning = BUCKET_VER_ENABLED;	/* as S3 does */
	}
}

static bool
lock_mode_ok(const char *m)
{
	return m != NULL && (strcmp(m, "GOVERNANCE") == 0 ||
	    strcmp(m, "COMPLIANCE") == 0);
}

/* lock_bucket checks that the request's bucket has object lock. */
static enum s3_err
lock_bucket(struct s3_req *r, int *rc)
{
	struct msg_bucket b;

	if ((*rc = backend_bucket_get(&r->sr_env->gw_backend, r->sr_bucket,
	    &b)) != 0)
		return S3E_INTERNAL;
	return b.b_object_lock ? S3E_NONE : S3E_LOCK_MISSING;
}

/* lock_fail answers a lock_bucket failure. */
static void
lock_fail(struct s3_req *r, enum s3_err e, int rc)
{
	if (rc != 0)
		s3_fail_rc(r, rc);
	else
		s3_fail(r, e, NULL);
}

enum s3_err
s3_lock_from_request(struct s3_req *r, struct msg_objrec *rec)
{
	const char *mode, *until, *hold;
	size_t mlen, ulen, hlen;
	uint64_t t;
	enum s3_err e;
	int rc;

	mode = http_header(r->sr_http, HDR_MODE, &mlen);
	until = http_header(r->sr_http, HDR_UNTIL, &ulen);
	hold = http_header(r->sr_http, HDR_HOLD, &hlen);
	if (mode == NULL && until == NULL && hold == NULL)
		return S3E_NONE;
	if ((e = lock_bucket(r, &rc)) != S3E_NONE)
		return rc != 0 ? s3_error_from(rc) : e;
	if ((mode == NULL) != (until == NULL) || (mode != NULL &&
	    ((mlen != 10 || (memcmp(mode, "GOVERNANCE", 10) != 0 &&
	    memcmp(mode, "COMPLIANCE", 10) != 0)) ||
	    !util_iso_date(until, ulen, &t) || t <= util_now_ns())) ||
	    (hold != NULL && !(hlen == 2 && memcmp(hold, "ON", 2) == 0) &&
	    !(hlen == 3 && memcmp(hold, "OFF", 3) == 0)))
		return S3E_INVALID_ARGUMENT;
	/* Not among the headers collect_headers keeps: added here. */
	if (rec->or_nhdrs + 3 > PROTO_HDRMAX)
		return S3E_INVALID_ARGUMENT;
	if (mode != NULL) {
		rec->or_hdr_name[rec->or_nhdrs] = proto_str_c(HDR_MODE);
		rec->or_hdr_value[rec->or_nhdrs++] =
		    (struct proto_str){ mode, mlen };
		rec->or_hdr_name[rec->or_nhdrs] = proto_str_c(HDR_UNTIL);
		rec->or_hdr_value[rec->or_nhdrs++] =
		    (struct proto_str){ until, ulen };
	}
	if (hold != NULL) {
		rec->or_hdr_name[rec->or_nhdrs] = proto_str_c(HDR_HOLD);
		rec->or_hdr_value[rec->or_nhdrs++] =
		    (struct proto_str){ hold, hlen };
	}
	return S3E_NONE;
}

/* --- ?object-lock on a bucket ----------------------------------------------- */

/* lock_conf_doc writes the canonical ObjectLockConfiguration. */
static void
lock_conf_doc(struct s3_xml *x, const char *mode, const char *unit,
    const char *n)
{
	s3_xml_init(x);
	s3_xml_open_ns(x, "ObjectLockConfiguration");
	s3_xml_str(x, "ObjectLockEnabled", "Enabled");
	if (mode != NULL) {
		s3_xml_open(x, "Rule");
		s3_xml_open(x, "DefaultRetention");
		s3_xml_str(x, "Mode", mode);
		s3_xml_str(x, unit, n);
		s3_xml_close(x, "DefaultRetention");
		s3_xml_close(x, "Rule");
	}
	s3_xml_close(x, "ObjectLockConfiguration");
}

/* lock_conf_check validates a PutObjectLockConfiguration document. */
static enum s3_err
lock_conf_check(const struct s3_lock_doc *d, const char **mode,
    const char **unit, const char **n)
{
	const char *en, *days, *years;
	char *end;
	long v;

	en = s3_lock_doc_get(d, "ObjectLockConfiguration/ObjectLockEnabled");
	*mode = s3_lock_doc_get(d, "ObjectLockConfiguration/Rule/"
	    "DefaultRetention/Mode");
	days = s3_lock_doc_get(d, "ObjectLockConfiguration/Rule/"
	    "DefaultRetention/Days");
	years = s3_lock_doc_get(d, "ObjectLockConfiguration/Rule/"
	    "DefaultRetention/Years");
	if (en == NULL || strcmp(en, "Enabled") != 0)
		return S3E_MALFORMED_XML;
	if (*mode == NULL && days == NULL && years == NULL)
		return S3E_NONE;
	if (!lock_mode_ok(*mode) || (days == NULL) == (years == NULL))
		return S3E_MALFORMED_XML;
	*unit = days != NULL ? "Days" : "Years";
	*n = days != NULL ? days : years;
	v = strtol(*n, &end, 10);
	if (*end != '\0' || v <= 0 || v > (days != NULL ? 36500 : 100))
		return S3E_INVALID_ARGUMENT;
	return S3E_NONE;
}

void
s3_lock_config_put(struct s3_req *r)
{
	const char *mode = NULL, *unit = NULL, *n = NULL;
	struct s3_lock_doc d;
	struct s3_xml x;
	enum s3_err e;
	int rc = 0;

	if ((e = lock_bucket(r, &rc)) != S3E_NONE) {
		/* S3 cannot turn object lock on for an existing bucket. */
		lock_fail(r, e == S3E_LOCK_MISSING ? S3E_INVALID_BUCKET_STATE :
		    e, rc);
		return;
	}
	if ((e = s3_lock_read_body(r, &d)) != S3E_NONE ||
	    (e = lock_conf_check(&d, &mode, &unit, &n)) != S3E_NONE) {
		s3_fail(r, e, NULL);
		return;
	}
	lock_conf_doc(&x, mode, unit, n);
	if (x.x_err)
		s3_fail_rc(r, CAIRN_ENOMEM);
	else
		s3_bconf_write(r, BCONF_OBJECT_LOCK, x.x_buf, x.x_len, 200);
	s3_xml_free(&x);
}

void
s3_lock_config_get(struct s3_req *r)
{
	struct proto_str doc;
	struct rpc_call c;
	struct s3_xml x;
	enum s3_err e;
	int rc = 0;

	if ((e = lock_bucket(r, &rc)) != S3E_NONE) {
		lock_fail(r, e == S3E_LOCK_MISSING ? S3E_NO_LOCK_CONFIG : e, rc);
		return;
	}
	rc = s3_bconf_fetch(r, &c, BCONF_OBJECT_LOCK, &doc);
	if (rc == 0)
		s3_respond_xml(r, doc.ps_ptr, doc.ps_len);
	else if (rc == CAIRN_ENOCONF) {	/* enabled, without a rule */
		lock_conf_doc(&x, NULL, NULL, NULL);
		s3_respond_doc(r, &x);
	} else
		s3_fail_rc(r, rc);
	rpc_call_fini(&c);
}

/* --- ?retention and ?legal-hold on an object ------------------------------ */

/* lock_hdr copies stored header name of rec into buf ("" if none). */
static void
lock_hdr(const struct msg_objrec *rec, const char *name, char *buf,
    size_t len)
{
	uint32_t i;

	buf[0] = '\0';
	for (i = 0; i < rec->or_nhdrs; i++)
		if (proto_str_eq(rec->or_hdr_name[i], name) &&
		    rec->or_hdr_value[i].ps_len < len) {
			memcpy(buf, rec->or_hdr_value[i].ps_ptr,
			    rec->or_hdr_value[i].ps_len);
			buf[rec->or_hdr_value[i].ps_len] = '\0';
		}
}

/* lock_current reads the version's header name; false if answered. */
static bool
lock_current(struct s3_req *r, const char *name, char *buf, size_t len,
    char *buf2, size_t len2)
{
	struct msg_objrec rec;
	struct rpc_call c;
	enum s3_err e;
	int rc = 0;

	if ((e = lock_bucket(r, &rc)) != S3E_NONE) {
		lock_fail(r, e, rc);
		return false;
	}
	if (!s3_version_get(r, &c, &rec)) {
		rpc_call_fini(&c);
		return false;
	}
	lock_hdr(&rec, name, buf, len);
	if (buf2 != NULL)
		lock_hdr(&rec, HDR_UNTIL, buf2, len2);
	rpc_call_fini(&c);
	return true;
}

/* lock_set stores headers of the version and answers. */
static void
lock_set(struct s3_req *r, const char **names, const char **values, int n)
{
	struct msg_ver_hdr h;
	char vid[PROTO_VERIDLEN + 1];
	int i, rc;

	memset(&h, 0, sizeof(h));
	if (s3_version_query(r, vid) != S3E_NONE) {
		s3_fail(r, S3E_INVALID_VERSION, NULL);
		return;
	}
	h.vh_ref.vr_bucket = r->sr_bucket;
	h.vh_ref.vr_key = r->sr_key;
	h.vh_ref.vr_version_id = proto_str_c(vid);
	h.vh_n = (uint32_t)n;
	for (i = 0; i < n; i++) {
		h.vh_name[i] = proto_str_c(names[i]);
		h.vh_value[i] = proto_str_c(values[i]);
	}
	if ((rc = backend_ver_set_hdr(&r->sr_env->gw_backend, &h)) != 0)
		s3_fail_rc(r, rc);
	else
		s3_respond_empty(r, 200, NULL, 0);
}

void
s3_lock_retention_get(struct s3_req *r)
{
	char mode[16], until[48];
	struct s3_xml x;

	if (!lock_current(r, HDR_MODE, mode, sizeof(mode), until,
	    sizeof(until)))
		return;
	if (mode[0] == '\0') {
		s3_fail(r, S3E_NO_OBJECT_LOCK, NULL);
		return;
	}
	s3_xml_init(&x);
	s3_xml_open_ns(&x, "Retention");
	s3_xml_str(&x, "Mode", mode);
	s3_xml_str(&x, "RetainUntilDate", until);
	s3_xml_close(&x, "Retention");
	s3_respond_doc(r, &x);
}

/*
 * retention_allowed applies S3's rules to a change of retention: a
 * COMPLIANCE retention still running can only be extended; a GOVERNANCE
 * one only with x-amz-bypass-governance-retention.
 */
static bool
retention_allowed(struct s3_req *r, const char *cur_mode,
    const char *cur_until, const char *mode, uint64_t until)
{
	uint64_t t;

	if (cur_mode[0] == '\0' || !util_iso_date(cur_until, strlen(cur_until),
	    &t) || t <= util_now_ns())
		return true;
	if (mode[0] != '\0' && strcmp(mode, cur_mode) == 0 && until >= t)
		return true;
	return strcmp(cur_mode, "GOVERNANCE") == 0 && s3_lock_bypass(r);
}

void
s3_lock_retention_put(struct s3_req *r)
{
	const char *names[2] = { HDR_MODE, HDR_UNTIL }, *values[2];
	char cur_mode[16], cur_until[48];
	const char *mode, *until;
	struct s3_lock_doc d;
	uint64_t t = 0;
	enum s3_err e;

	if (!lock_current(r, HDR_MODE, cur_mode, sizeof(cur_mode), cur_until,
	    sizeof(cur_until)))
		return;
	if ((e = s3_lock_read_body(r, &d)) != S3E_NONE) {
		s3_fail(r, e, NULL);
		return;
	}
	mode = s3_lock_doc_get(&d, "Retention/Mode");
	until = s3_lock_doc_get(&d, "Retention/RetainUntilDate");
	if ((mode == NULL) != (until == NULL) || (mode != NULL &&
	    (!lock_mode_ok(mode) || !util_iso_date(until, strlen(until), &t)))) {
		s3_fail(r, S3E_MALFORMED_XML, NULL);
		return;
	}
	if (mode != NULL && t <= util_now_ns()) {
		s3_fail(r, S3E_INVALID_ARGUMENT, "The retain until date must "
		    "be in the future!");
		return;
	}
	values[0] = mode != NULL ? mode : "";
	values[1] = until != NULL ? until : "";
	if (!retention_allowed(r, cur_mode, cur_until, values[0], t))
		s3_fail(r, S3E_ACCESS_DENIED, NULL);
	else
		lock_set(r, names, values, 2);
}

void
s3_lock_hold_get(struct s3_req *r)
{
	char hold[8];
	struct s3_xml x;

	if (!lock_current(r, HDR_HOLD, hold, sizeof(hold), NULL, 0))
		return;
	if (hold[0] == '\0') {
		s3_fail(r, S3E_NO_OBJECT_LOCK, NULL);
		return;
	}
	s3_xml_init(&x);
	s3_xml_open_ns(&x, "LegalHold");
	s3_xml_str(&x, "Status", hold);
	s3_xml_close(&x, "LegalHold");
	s3_respond_doc(r, &x);
}

void
s3_lock_hold_put(struct s3_req *r)
{
	const char *names[1] = { HDR_HOLD }, *values[1];
	char cur[8];
	struct s3_lock_doc d;
	enum s3_err e;

	if (!lock_current(r, HDR_HOLD, cur, sizeof(cur), NULL, 0))
		return;
	if ((e = s3_lock_read_body(r, &d)) != S3E_NONE) {
		s3_fail(r, e, NULL);
		return;
	}
	values[0] = s3_lock_doc_get(&d, "LegalHold/Status");
	if (values[0] == NULL || (strcmp(values[0], "ON") != 0 &&
	    strcmp(values[0], "OFF") != 0))
		s3_fail(r, S3E_MALFORMED_XML, NULL);
	else
		lock_set(r, names, values, 1);
}
