/* s3_version.c - S3 versioning: ?versioning, versioned reads and deletes */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "gatewayd.h"

#define VERSIONING_BODYMAX	4096	/* a VersioningConfiguration */

bool
s3_version_valid(const char *s, size_t len)
{
	size_t i;

	if (len == 4 && memcmp(s, "null", 4) == 0)
		return true;
	if (len != PROTO_VERIDLEN)
		return false;
	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' &&
		    s[i] <= 'f')))
			return false;
	return true;
}

enum s3_err
s3_version_query(struct s3_req *r, char *buf)
{
	char v[PROTO_VERIDLEN + 2];
	long n;

	buf[0] = '\0';
	if (!s3_query_has(r->sr_http, "versionId"))
		return S3E_NONE;
	n = s3_query_get(r->sr_http, "versionId", v, sizeof(v));
	if (n <= 0 || !s3_version_valid(v, (size_t)n))
		return S3E_INVALID_VERSION;
	memcpy(buf, v, (size_t)n + 1);
	return S3E_NONE;
}

void
s3_version_note(struct s3_req *r, struct proto_str version_id)
{
	size_t n = version_id.ps_len;

	if (n > PROTO_VERIDLEN)
		n = 0;
	memcpy(r->sr_version_id, version_id.ps_ptr, n);
	r->sr_version_id[n] = '\0';
}

size_t
s3_version_headers(struct s3_req *r, struct http_hdr_out *hdrs)
{
	size_t n = 0;

	if (r->sr_version_id[0] != '\0')
		hdrs[n++] = (struct http_hdr_out){ "x-amz-version-id",
		    r->sr_version_id };
	if (r->sr_delete_marker)
		hdrs[n++] = (struct http_hdr_out){ "x-amz-delete-marker",
		    "true" };
	if (r->sr_marker_date[0] != '\0')
		hdrs[n++] = (struct http_hdr_out){ "last-modified",
		    r->sr_marker_date };
	return n;
}

/* --- GET, HEAD and DELETE of a version ------------------------------------ */

/* marker_answer answers a request that met a delete marker, as S3 does. */
static void
marker_answer(struct s3_req *r, const struct msg_objrec *rec, bool named)
{
	r->sr_delete_marker = true;
	if (rec->or_version_id.ps_len == 0)
		strcpy(r->sr_version_id, "null");
	if (!named) {
		s3_fail(r, S3E_NO_SUCH_KEY, NULL);
		return;
	}
	/* A marker has no data to GET: S3 says so with its date. */
	s3_time_http(rec->or_mtime_ns, r->sr_marker_date,
	    sizeof(r->sr_marker_date));
	s3_fail(r, S3E_METHOD_NOT_ALLOWED, NULL);
}

/* version_ref names the version the request asks for (vid, read from
 * ?versionId); S3E_INVALID_VERSION if it is malformed. */
static enum s3_err
version_ref(struct s3_req *r, char *vid, struct msg_ver_ref *ref)
{
	enum s3_err e;

	if ((e = s3_version_query(r, vid)) != S3E_NONE)
		return e;
	ref->vr_bucket = r->sr_bucket;
	ref->vr_key = r->sr_key;
	ref->vr_version_id = proto_str_c(vid);
	ref->vr_bypass = false;
	return S3E_NONE;
}

/* version_got answers what a record read may have met instead of an
 * object; true if rec is one. */
static bool
version_got(struct s3_req *r, int rc, const char *vid,
    const struct msg_objrec *rec)
{
	if (rc != 0) {
		s3_fail_rc(r, rc);
		return false;
	}
	s3_version_note(r, rec->or_version_id);
	if (rec->or_version_id.ps_len == 0 && vid[0] != '\0')
		strcpy(r->sr_version_id, "null");
	if (rec->or_delete_marker) {
		marker_answer(r, rec, vid[0] != '\0');
		return false;
	}
	return true;
}

/*
 * version_send starts the read of the record ref names, with done, or
 * to be waited for when done is NULL.  The latest record (no version
 * named) comes from those the gateway keeps (rcache.c) when one is
 * current: c is then answered at once, and done runs now.  Otherwise
 * r->sr_stamp is what version_recv keeps metad's reply with.
 */
static void
version_send(struct s3_req *r, struct rpc_call *c,
    const struct msg_ver_ref *ref, void (*done)(void *), void *arg)
{
	struct backend *be = &r->sr_env->gw_backend;
	nng_msg *rep;

	r->sr_stamp.rs_ok = false;
	if (ref->vr_version_id.ps_len == 0 && rcache_get(be->be_rcache,
	    ref->vr_bucket, ref->vr_key, &r->sr_stamp, &rep)) {
		r->sr_stamp.rs_ok = false;	/* kept already */
		rpc_call_answered(c, rep);
		if (done != NULL)
			done(arg);
		return;
	}
	backend_ver_get_send(be, c, ref, done, arg);
}

/* version_recv unpacks the record read into rec, and keeps it. */
static int
version_recv(struct s3_req *r, struct rpc_call *c, struct msg_objrec *rec)
{
	int rc;

	if ((rc = backend_ver_get_recv(c, rec)) == 0 && r->sr_stamp.rs_ok)
		rcache_put(r->sr_env->gw_backend.be_rcache, r->sr_bucket,
		    r->sr_key, &r->sr_stamp, nng_msg_body(c->rc_rep),
		    nng_msg_len(c->rc_rep));
	r->sr_stamp.rs_ok = false;
	return rc;
}

bool
s3_version_get(struct s3_req *r, struct rpc_call *c, struct msg_objrec *rec)
{
	char vid[PROTO_VERIDLEN + 1];
	struct msg_ver_ref ref;
	enum s3_err e;

	memset(c, 0, sizeof(*c));
	if ((e = version_ref(r, vid, &ref)) != S3E_NONE) {
		s3_fail(r, e, NULL);
		return false;
	}
	version_send(r, c, &ref, NULL, NULL);
	return version_got(r, version_recv(r, c, rec), vid, rec);
}

bool
s3_version_get_send(struct s3_req *r, struct rpc_call *c, char *vid,
    void (*done)(void *), void *arg)
{
	struct msg_ver_ref ref;

	memset(c, 0, sizeof(*c));
	if (version_ref(r, vid, &ref) != S3E_NONE)
		return false;
	version_send(r, c, &ref, done, arg);
	return true;
}

bool
s3_version_get_recv(struct s3_req *r, struct rpc_call *c, const char *vid,
    struct msg_objrec *rec)
{
	return version_got(r, version_recv(r, c, rec), vid, rec);
}

int
s3_version_delete(struct s3_req *r, struct proto_str key,
    struct proto_str version_id, char *vid, bool *marker)
{
	struct msg_ver_done *d;
	struct rpc_call c;
	int rc;

	vid[0] = '\0';
	*marker = false;
	if ((d = malloc(sizeof(*d))) == NULL)
		return CAIRN_ENOMEM;
	s3_version_delete_send(r, &c, key, version_id, NULL, NULL);
	if ((rc = s3_version_delete_recv(&c, d, vid, marker)) == 0)
		s3_version_delete_drop(r, d);
	rpc_call_fini(&c);
	free(d);
	return rc;
}

void
s3_version_delete_send(struct s3_req *r, struct rpc_call *c,
    struct proto_str key, struct proto_str version_id,
    void (*done)(void *), void *arg)
{
	struct msg_ver_ref ref = { r->sr_bucket, key, version_id,
	    s3_lock_bypass(r) };

	backend_ver_delete_send(&r->sr_env->gw_backend, c, &ref, done, arg);
}

int
s3_version_delete_recv(struct rpc_call *c, struct msg_ver_done *d,
    char *vid, bool *marker)
{
	int rc;

	vid[0] = '\0';
	*marker = false;
	if ((rc = backend_ver_delete_recv(c, d)) != 0)
		return rc;
	memcpy(vid, d->vd_version_id.ps_ptr, d->vd_version_id.ps_len);
	vid[d->vd_version_id.ps_len] = '\0';
	*marker = d->vd_delete_marker;
	return 0;
}

bool
s3_version_delete_drops(const struct msg_ver_done *d)
{
	return d->vd_has_old && !d->vd_old.or_inline;
}

void
s3_version_delete_drop(struct s3_req *r, const struct msg_ver_done *d)
{
	if (s3_version_delete_drops(d))
		backend_shards_delete(&r->sr_env->gw_backend, &d->vd_old);
}

/* --- ?versioning --------------------------------------------------------------- */

/* The parse of a VersioningConfiguration document. */
struct vconf {
	int	 vc_depth;
	bool	 vc_bad;
	bool	 vc_in_status, vc_in_mfa;
	char	 vc_text[16];
	size_t	 vc_len;
	uint8_t	 vc_state;		/* BUCKET_VER_*; OFF: no Status */
};

static void
vc_start(void *arg, const char *name, const char **attrs)
{
	struct vconf *vc = arg;

	(void)attrs;
	vc->vc_depth++;
	vc->vc_len = 0;
	if (vc->vc_depth == 1 && strcmp(name, "VersioningConfiguration") != 0)
		vc->vc_bad = true;
	else if (vc->vc_depth == 2)
		vc->vc_in_status = strcmp(name, "Status") == 0;
	if (vc->vc_depth == 2)
		vc->vc_in_mfa = strcmp(name, "MfaDelete") == 0;
	if (vc->vc_depth > 2)
		vc->vc_bad = true;
}

static void
vc_end(void *arg, const char *name)
{
	struct vconf *vc = arg;

	(void)name;
	vc->vc_text[vc->vc_len] = '\0';
	if (vc->vc_depth == 2 && vc->vc_in_status) {
		if (strcmp(vc->vc_text, "Enabled") == 0)
			vc->vc_state = BUCKET_VER_ENABLED;
		else if (strcmp(vc->vc_text, "Suspended") == 0)
			vc->vc_state = BUCKET_VER_SUSPENDED;
		else
			vc->vc_bad = true;
	} else if (vc->vc_depth == 2 && vc->vc_in_mfa &&
	    strcmp(vc->vc_text, "Disabled") != 0)
		vc->vc_bad = true;	/* MFA delete is not supported */
	vc->vc_in_status = vc->vc_in_mfa = false;
	vc->vc_depth--;
}

static void
vc_text(void *arg, const char *s, int len)
{
	struct vconf *vc = arg;

	if (!xml_text_add(vc->vc_text, sizeof(vc->vc_text), &vc->vc_len, s,
	    len))
		vc->vc_bad = true;
}

static const struct xml_sax vc_sax = { vc_start, vc_end, vc_text };

/* vconf_parse reads a VersioningConfiguration; false: MalformedXML. */
static bool
vconf_parse(struct vconf *vc, const char *body, size_t len)
{
	memset(vc, 0, sizeof(*vc));
	return xml_parse(body, len, &vc_sax, vc) == 0 && !vc->vc_bad;
}

void
s3_versioning_get(struct s3_req *r)
{
	struct msg_bucket b;
	struct s3_xml x;

	if (!s3_bucket_of(r, &b))
		return;
	s3_xml_init(&x);
	s3_xml_open_ns(&x, "VersioningConfiguration");
	if (b.b_versioning == BUCKET_VER_ENABLED)
		s3_xml_str(&x, "Status", "Enabled");
	else if (b.b_versioning == BUCKET_VER_SUSPENDED)
		s3_xml_str(&x, "Status", "Suspended");
	s3_xml_close(&x, "VersioningConfiguration");
	s3_respond_doc(r, &x);
}

/* versioning_set stores the state; a document without Status changes
 * nothing, as in S3. */
static void
versioning_set(struct s3_req *r, uint8_t state)
{
	struct msg_bucket_set bs;
	struct msg_bucket b;
	struct rpc_call c;
	int rc;

	memset(&bs, 0, sizeof(bs));
	bs.bs_bucket.b_name = r->sr_bucket;
	bs.bs_bucket.b_versioning = state;
	bs.bs_fields = BUCKET_SET_VERSIONING;
	if ((rc = backend_bucket_get(&r->sr_env->gw_backend, r->sr_bucket,
	    &b)) == 0 && b.b_object_lock && state == BUCKET_VER_SUSPENDED) {
		s3_fail(r, S3E_INVALID_BUCKET_STATE, "An Object Lock "
		    "configuration is present on this bucket, so the "
		    "versioning state cannot be changed.");
		return;
	}
	/* A missing bucket fails; no Status changes nothing. */
	if (rc == 0 && state != BUCKET_VER_OFF) {
		rc = backend_bucket_set(&r->sr_env->gw_backend, &c, &bs, &b);
		rpc_call_fini(&c);
	}
	s3_respond_rc(r, rc, 200);
}

void
s3_versioning_put(struct s3_req *r)
{
	struct vconf vc;
	enum s3_err e;
	char *body;
	size_t len;

	if ((e = s3_body_whole(r, VERSIONING_BODYMAX, S3E_MALFORMED_XML, &body,
	    &len)) != S3E_NONE)
		s3_fail(r, e, NULL);
	else if (!vconf_parse(&vc, body, len))
		s3_fail(r, S3E_MALFORMED_XML, NULL);
	else
		versioning_set(r, vc.vc_state);
	free(body);
}

int
s3_version_set_hdr(struct s3_req *r, const char *name, const char *value)
{
	char vid[PROTO_VERIDLEN + 1];
	struct msg_ver_hdr h;
	enum s3_err e;
	int rc;

	if ((e = s3_version_query(r, vid)) != S3E_NONE)
		return CAIRN_EINVAL;
	h.vh_ref.vr_bucket = r->sr_bucket;
	h.vh_ref.vr_key = r->sr_key;
	h.vh_ref.vr_version_id = proto_str_c(vid);
	h.vh_ref.vr_bypass = false;
	h.vh_n = 1;
	h.vh_name[0] = proto_str_c(name);
	h.vh_value[0] = proto_str_c(value);
	rc = backend_ver_set_hdr(&r->sr_env->gw_backend, &h);
	if (rc == 0 && vid[0] != '\0')
		strcpy(r->sr_version_id, vid);
	return rc;
}
