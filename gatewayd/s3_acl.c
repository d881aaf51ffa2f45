/* s3_acl.c - canned ACLs of buckets and objects, and ?acl */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "gatewayd.h"
#include "log.h"

#define ACL_BODYMAX	(64 * 1024)	/* an AccessControlPolicy document */
#define ACL_HEADER	"x-amz-acl"	/* the stored header of an object */
#define GROUP_ALL	"http://acs.amazonaws.com/groups/global/AllUsers"
#define GROUP_AUTH	"http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
#define XSI_NS		"xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""

/* The canned ACLs, indexed by enum msg_canned_acl. */
static const char *const canned[] = {
	"private", "public-read", "public-read-write", "authenticated-read"
};

/* Canned ACLs S3 knows that cairn cannot express, or treats as private. */
static const char *const not_here[] = {
	"aws-exec-read", "log-delivery-write", NULL
};
static const char *const as_private[] = {
	"bucket-owner-read", "bucket-owner-full-control", NULL
};

/* The x-amz-grant-* headers: explicit grants are not implemented. */
static const char *const grant_headers[] = {
	"x-amz-grant-read", "x-amz-grant-write", "x-amz-grant-read-acp",
	"x-amz-grant-write-acp", "x-amz-grant-full-control", NULL
};

static bool
in_list(const char *const *list, const char *v, size_t len)
{
	for (; *list != NULL; list++)
		if (strlen(*list) == len && memcmp(*list, v, len) == 0)
			return true;
	return false;
}

enum s3_err
s3_acl_parse(const char *v, size_t len, uint8_t *acl)
{
	uint8_t i;

	*acl = BUCKET_ACL_PRIVATE;
	if (v == NULL || in_list(as_private, v, len))
		return S3E_NONE;
	for (i = 0; i <= BUCKET_ACL_AUTHENTICATED_READ; i++)
		if (strlen(canned[i]) == len && memcmp(canned[i], v, len) == 0) {
			*acl = i;
			return S3E_NONE;
		}
	return in_list(not_here, v, len) ? S3E_NOT_IMPLEMENTED :
	    S3E_INVALID_ARGUMENT;
}

const char *
s3_acl_name(uint8_t acl)
{
	return acl <= BUCKET_ACL_AUTHENTICATED_READ ? canned[acl] : canned[0];
}

/* request_acl reads the canned ACL of a request's headers. */
static enum s3_err
request_acl(struct s3_req *r, uint8_t *acl)
{
	const char *v;
	size_t len, i;

	for (i = 0; grant_headers[i] != NULL; i++)
		if (http_header(r->sr_http, grant_headers[i], NULL) != NULL)
			return S3E_NOT_IMPLEMENTED;
	v = http_header(r->sr_http, ACL_HEADER, &len);
	return s3_acl_parse(v, len, acl);
}

enum s3_err
s3_acl_bucket_new(struct s3_req *r, struct msg_bucket *b)
{
	if (r->sr_who.w_kind == S3_WHO_USER)
		b->b_owner = proto_str_c(r->sr_who.w_id);
	return request_acl(r, &b->b_acl);
}

enum s3_err
s3_acl_from_request(struct s3_req *r, struct msg_objrec *rec)
{
	uint32_t i, n = 0;
	uint8_t acl;
	enum s3_err e;

	if ((e = request_acl(r, &acl)) != S3E_NONE)
		return e;
	for (i = 0; i < rec->or_nhdrs; i++) {
		if (proto_str_eq(rec->or_hdr_name[i], ACL_HEADER))
			continue;
		rec->or_hdr_name[n] = rec->or_hdr_name[i];
		rec->or_hdr_value[n++] = rec->or_hdr_value[i];
	}
	rec->or_nhdrs = n;
	if (acl == BUCKET_ACL_PRIVATE)
		return S3E_NONE;
	if (rec->or_nhdrs == PROTO_HDRMAX)
		return S3E_INVALID_ARGUMENT;
	rec->or_hdr_name[rec->or_nhdrs] = proto_str_c(ACL_HEADER);
	rec->or_hdr_value[rec->or_nhdrs++] = proto_str_c(s3_acl_name(acl));
	return S3E_NONE;
}

uint8_t
s3_acl_of_object(const struct msg_objrec *rec)
{
	uint32_t i;
	uint8_t acl;

	for (i = 0; i < rec->or_nhdrs; i++)
		if (proto_str_eq(rec->or_hdr_name[i], ACL_HEADER) &&
		    s3_acl_parse(rec->or_hdr_value[i].ps_ptr,
		    rec->or_hdr_value[i].ps_len, &acl) == S3E_NONE)
			return acl;
	return BUCKET_ACL_PRIVATE;
}

/* Actions a READ grant allows on a bucket, and a WRITE grant. */
static const char *const bucket_read[] = {
	"s3:ListBucket", "s3:ListBucketVersions", "s3:ListBucketMultipartUploads",
	NULL
};
static const char *const bucket_write[] = {
	"s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload",
	"s3:ListMultipartUploadParts", NULL
};
static const char *const object_read[] = {
	"s3:GetObject", "s3:GetObjectVersion", NULL
};

bool
s3_acl_allows(uint8_t acl, const struct s3_who *who, const char *action,
    bool object)
{
	bool read, write;

	read = acl == BUCKET_ACL_PUBLIC_READ ||
	    acl == BUCKET_ACL_PUBLIC_READ_WRITE ||
	    (acl == BUCKET_ACL_AUTHENTICATED_READ && who->w_kind != S3_WHO_ANON);
	write = acl == BUCKET_ACL_PUBLIC_READ_WRITE && !object;
	if (object)
		return read && in_list(object_read, action, strlen(action));
	return (read && in_list(bucket_read, action, strlen(action))) ||
	    (write && in_list(bucket_write, action, strlen(action)));
}

/* --- AccessControlPolicy documents ------------------------------------------------ */

/* The owner of a bucket as an ACL shows it. */
struct acl_owner {
	char	ao_id[PROTO_OWNERMAX + 1];
	char	ao_name[PROTO_OWNERMAX + 1];
};

static void
grant_xml(struct s3_xml *x, const char *type, const char *id_or_uri,
    const char *name, const char *perm)
{
	s3_xml_open(x, "Grant");
	s3_xml_raw(x, "<Grantee " XSI_NS " xsi:type=\"");
	s3_xml_raw(x, type);
	s3_xml_raw(x, "\">");
	if (name != NULL) {
		s3_xml_str(x, "ID", id_or_uri);
		s3_xml_str(x, "DisplayName", name);
	} else
		s3_xml_str(x, "URI", id_or_uri);
	s3_xml_close(x, "Grantee");
	s3_xml_str(x, "Permission", perm);
	s3_xml_close(x, "Grant");
}

static void
respond_acl(struct s3_req *r, const struct acl_owner *o, uint8_t acl)
{
	struct s3_xml x;

	s3_xml_init(&x);
	s3_xml_open_ns(&x, "AccessControlPolicy");
	s3_xml_open(&x, "Owner");
	s3_xml_str(&x, "ID", o->ao_id);
	s3_xml_str(&x, "DisplayName", o->ao_name);
	s3_xml_close(&x, "Owner");
	s3_xml_open(&x, "AccessControlList");
	grant_xml(&x, "CanonicalUser", o->ao_id, o->ao_name, "FULL_CONTROL");
	if (acl == BUCKET_ACL_PUBLIC_READ || acl == BUCKET_ACL_PUBLIC_READ_WRITE)
		grant_xml(&x, "Group", GROUP_ALL, NULL, "READ");
	if (acl == BUCKET_ACL_PUBLIC_READ_WRITE)
		grant_xml(&x, "Group", GROUP_ALL, NULL, "WRITE");
	if (acl == BUCKET_ACL_AUTHENTICATED_READ)
		grant_xml(&x, "Group", GROUP_AUTH, NULL, "READ");
	s3_xml_close(&x, "AccessControlList");
	s3_xml_close(&x, "AccessControlPolicy");
	s3_respond_doc(r, &x);
}

/*
 * An AccessControlPolicy being parsed: the grant being read and what the
 * grants so far add up to.  Anything that is not one of the canned ACLs
 * sets ad_other.
 */
struct acl_doc {
	const char	*ad_owner;
	char		 ad_text[256];
	size_t		 ad_text_len;
	bool		 ad_in_grant;
	char		 ad_uri[128];
	char		 ad_id[PROTO_OWNERMAX + 1];
	char		 ad_perm[32];
	bool		 ad_pub_read, ad_pub_write, ad_auth_read, ad_other;
	bool		 ad_bad;
};

static void
on_start(void *arg, const char *name, const char **attrs)
{
	struct acl_doc *ad = arg;

	(void)attrs;
	ad->ad_text_len = 0;
	if (strcmp(name, "Grant") == 0) {
		ad->ad_in_grant = true;
		ad->ad_uri[0] = ad->ad_id[0] = ad->ad_perm[0] = '\0';
	} else if (strcmp(name, "EmailAddress") == 0)
		ad->ad_other = true;
}

/* grant_done adds the grant just read to the totals. */
static void
grant_done(struct acl_doc *ad)
{
	bool read = strcmp(ad->ad_perm, "READ") == 0;

	ad->ad_in_grant = false;
	if (strcmp(ad->ad_uri, GROUP_ALL) == 0 && read)
		ad->ad_pub_read = true;
	else if (strcmp(ad->ad_uri, GROUP_ALL) == 0 &&
	    strcmp(ad->ad_perm, "WRITE") == 0)
		ad->ad_pub_write = true;
	else if (strcmp(ad->ad_uri, GROUP_AUTH) == 0 && read)
		ad->ad_auth_read = true;
	else if (ad->ad_uri[0] != '\0' || strcmp(ad->ad_id, ad->ad_owner) != 0 ||
	    strcmp(ad->ad_perm, "FULL_CONTROL") != 0)
		ad->ad_other = true;
}

static void
on_end(void *arg, const char *name)
{
	struct acl_doc *ad = arg;
	char *dst = NULL;
	size_t len = 0;

	ad->ad_text[ad->ad_text_len] = '\0';
	if (!ad->ad_in_grant)
		return;
	if (strcmp(name, "URI") == 0) {
		dst = ad->ad_uri;
		len = sizeof(ad->ad_uri);
	} else if (strcmp(name, "ID") == 0) {
		dst = ad->ad_id;
		len = sizeof(ad->ad_id);
	} else if (strcmp(name, "Permission") == 0) {
		dst = ad->ad_perm;
		len = sizeof(ad->ad_perm);
	} else if (strcmp(name, "Grant") == 0)
		grant_done(ad);
	if (dst != NULL) {
		len = strnlen(ad->ad_text, len - 1);
		memcpy(dst, ad->ad_text, len);
		dst[len] = '\0';
	}
}

static void
on_text(void *arg, const char *s, int len)
{
	struct acl_doc *ad = arg;

	if (!xml_text_add(ad->ad_text, sizeof(ad->ad_text), &ad->ad_text_len,
	    s, len))
		ad->ad_bad = true;
}

static const struct xml_sax acl_sax = { on_start, on_end, on_text };

/* doc_canned tells which canned ACL the grants of ad express. */
static enum s3_err
doc_canned(const struct acl_doc *ad, uint8_t *acl)
{
	if (ad->ad_other || (ad->ad_auth_read && ad->ad_pub_read) ||
	    (ad->ad_pub_write && !ad->ad_pub_read))
		return S3E_NOT_IMPLEMENTED;
	*acl = ad->ad_pub_write ? BUCKET_ACL_PUBLIC_READ_WRITE :
	    ad->ad_pub_read ? BUCKET_ACL_PUBLIC_READ :
	    ad->ad_auth_read ? BUCKET_ACL_AUTHENTICATED_READ :
	    BUCKET_ACL_PRIVATE;
	return S3E_NONE;
}

static enum s3_err
parse_doc(const char *body, size_t len, const char *owner, uint8_t *acl)
{
	struct acl_doc *ad;
	enum s3_err e;

	if ((ad = calloc(1, sizeof(*ad))) == NULL)
		return S3E_SLOW_DOWN;
	ad->ad_owner = owner;
	e = s3_xml_parse(body, len, &acl_sax, ad);
	if (e == S3E_NONE && !ad->ad_bad)
		e = doc_canned(ad, acl);
	else if (e != S3E_SLOW_DOWN)
		e = S3E_MALFORMED_ACL;
	free(ad);
	return e;
}

/* put_acl finds the ACL a PutBucketAcl or PutObjectAcl asks for: the
 * header, or else the document. */
static enum s3_err
put_acl(struct s3_req *r, const char *owner, uint8_t *acl)
{
	char *body = NULL;
	size_t len;
	enum s3_err e;

	if (http_header(r->sr_http, ACL_HEADER, NULL) != NULL ||
	    r->sr_http->hr_body_len == 0)
		return request_acl(r, acl);
	if ((e = s3_body_whole(r, ACL_BODYMAX, S3E_MALFORMED_ACL, &body,
	    &len)) == S3E_NONE)
		e = parse_doc(body, len, owner, acl);
	free(body);
	return e;
}

/* --- the handlers ------------------------------------------------------------------ */

/* bucket_owner fills o with the owner of the bucket of r. */
static int
bucket_owner(struct s3_req *r, struct acl_owner *o, uint8_t *acl)
{
	struct backend_bucket bi;
	int rc;

	rc = backend_bucket_info(&r->sr_env->gw_backend, r->sr_bucket, &bi);
	if (rc == 0 && bi.bb_owner[0] == '\0') {
		users_root_id(r->sr_env, o->ao_id);
		snprintf(o->ao_name, sizeof(o->ao_name), "root");
	} else if (rc == 0) {
		snprintf(o->ao_id, sizeof(o->ao_id), "%s", bi.bb_owner);
		snprintf(o->ao_name, sizeof(o->ao_name), "%s",
		    strcmp(o->ao_id, r->sr_who.w_id) == 0 ? r->sr_who.w_name :
		    o->ao_id);
	}
	*acl = bi.bb_rec.b_acl;
	return rc;
}

/* object_acl_set stores acl with the current version of the object. */
static int
object_acl_set(struct s3_req *r, uint8_t acl)
{
	struct msg_obj_hdr oh = { r->sr_bucket, r->sr_key,
	    proto_str_c(ACL_HEADER), proto_str_c(acl == BUCKET_ACL_PRIVATE ?
	    "" : s3_acl_name(acl)) };
	struct rpc_call c;
	int rc;

	if ((rc = rpc_call_init(&c, r->sr_env->gw_backend.be_metad,
	    MSG_META_OBJ_SET_HDR)) == 0) {
		msg_obj_hdr_pack(rpc_call_packer(&c), &oh);
		rc = rpc_call_run(&c);
	}
	rpc_call_fini(&c);
	return rc;
}

/* object_acl_get reads the ACL stored with the object. */
static int
object_acl_get(struct s3_req *r, uint8_t *acl)
{
	struct msg_objrec *rec;
	struct rpc_call c;
	int rc;

	if ((rec = malloc(sizeof(*rec))) == NULL)
		return CAIRN_ENOMEM;
	rc = backend_obj_get(&r->sr_env->gw_backend, &c, r->sr_bucket,
	    r->sr_key, rec);
	if (rc == 0)
		*acl = s3_acl_of_object(rec);
	rpc_call_fini(&c);
	free(rec);
	return rc;
}

/*
 * acl_owner_of fills o with the owner of the bucket of r and *acl with the
 * ACL of the bucket, or of the object if object; false if it answered.
 */
static bool
acl_owner_of(struct s3_req *r, bool object, struct acl_owner *o,
    uint8_t *acl)
{
	int rc;

	if ((rc = bucket_owner(r, o, acl)) != 0 ||
	    (object && (rc = object_acl_get(r, acl)) != 0)) {
		s3_fail_rc(r, rc);
		return false;
	}
	return true;
}

/* acl_answer answers a GET of the ACL of the bucket or the object. */
static void
acl_answer(struct s3_req *r, bool object)
{
	struct acl_owner o;
	uint8_t acl;

	if (acl_owner_of(r, object, &o, &acl))
		respond_acl(r, &o, acl);
}

void
s3_acl_bucket_get(struct s3_req *r)
{
	acl_answer(r, false);
}

void
s3_acl_bucket_put(struct s3_req *r)
{
	struct msg_bucket_set bs;
	struct acl_owner o;
	struct msg_bucket b;
	struct rpc_call c;
	enum s3_err e;
	int rc;

	memset(&bs, 0, sizeof(bs));
	if (!acl_owner_of(r, false, &o, &bs.bs_bucket.b_acl))
		return;
	if ((e = put_acl(r, o.ao_id, &bs.bs_bucket.b_acl)) != S3E_NONE) {
		s3_fail(r, e, NULL);
		return;
	}
	bs.bs_bucket.b_name = r->sr_bucket;
	bs.bs_fields = BUCKET_SET_ACL;
	rc = backend_bucket_set(&r->sr_env->gw_backend, &c, &bs, &b);
	rpc_call_fini(&c);
	s3_respond_rc(r, rc, 200);
}

void
s3_acl_object_get(struct s3_req *r)
{
	acl_answer(r, true);
}

void
s3_acl_object_put(struct s3_req *r)
{
	struct acl_owner o;
	uint8_t acl;
	enum s3_err e;
	int rc;

	if (!acl_owner_of(r, true, &o, &acl))
		return;
	if ((e = put_acl(r, o.ao_id, &acl)) != S3E_NONE)
		s3_fail(r, e, NULL);
	else if ((rc = object_acl_set(r, acl)) != 0)
		s3_fail_rc(r, rc);
	else
		s3_respond_empty(r, 200, NULL, 0);
}
