/* s3_copy.c - CopyObject: a new version from a stored one, stripe by stripe */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "errors.h"
#include "gatewayd.h"
#include "log.h"
#include "util.h"

/* The source of a copy: where it is and its record (in sc_call). */
struct copy_src {
	char			 sc_buf[PROTO_KEYMAX + PROTO_BUCKETMAX + 64];
	struct proto_str	 sc_bucket;
	struct proto_str	 sc_key;
	struct rpc_call		 sc_call;
	struct msg_objrec	 sc_rec;
};

/*
 * parse_source reads x-amz-copy-source: "[/]bucket/key", URL-encoded,
 * with an optional "?versionId=null" (the only version there is yet).
 */
static enum s3_err
parse_source(struct s3_req *r, struct copy_src *src)
{
	const char *v, *q;
	size_t len;
	long n;
	char *slash;

	v = http_header(r->sr_http, "x-amz-copy-source", &len);
	if ((q = memchr(v, '?', len)) != NULL) {
		if ((size_t)(v + len - q) != strlen("?versionId=null") ||
		    memcmp(q, "?versionId=null", (size_t)(v + len - q)) != 0)
			return S3E_INVALID_ARGUMENT;
		len = (size_t)(q - v);
	}
	n = s3_url_decode(v, len, src->sc_buf, sizeof(src->sc_buf));
	if (n < 0)
		return S3E_INVALID_ARGUMENT;
	v = src->sc_buf + (src->sc_buf[0] == '/');
	if ((slash = strchr(v, '/')) == NULL || slash == v || slash[1] == '\0')
		return S3E_INVALID_ARGUMENT;
	src->sc_bucket.ps_ptr = v;
	src->sc_bucket.ps_len = (size_t)(slash - v);
	src->sc_key = proto_str_c(slash + 1);
	if (src->sc_bucket.ps_len > PROTO_BUCKETMAX ||
	    src->sc_key.ps_len > PROTO_KEYMAX)
		return S3E_INVALID_ARGUMENT;
	return S3E_NONE;
}

/* directive builds the new record's headers: the source's or the request's. */
static enum s3_err
directive(struct s3_req *r, const struct copy_src *src, struct msg_objrec *rec)
{
	const char *v;
	size_t len;
	bool replace = false, same;

	if ((v = http_header(r->sr_http, "x-amz-metadata-directive", &len))) {
		if (len == 7 && memcmp(v, "REPLACE", 7) == 0)
			replace = true;
		else if (len != 4 || memcmp(v, "COPY", 4) != 0)
			return S3E_INVALID_ARGUMENT;
	}
	same = src->sc_bucket.ps_len == r->sr_bucket.ps_len &&
	    memcmp(src->sc_bucket.ps_ptr, r->sr_bucket.ps_ptr,
	    src->sc_bucket.ps_len) == 0 &&
	    src->sc_key.ps_len == r->sr_key.ps_len &&
	    memcmp(src->sc_key.ps_ptr, r->sr_key.ps_ptr, src->sc_key.ps_len) == 0;
	if (same && !replace)
		return S3E_COPY_TO_ITSELF;
	if (replace)
		return s3_object_collect_headers(r->sr_http, rec);
	rec->or_nhdrs = src->sc_rec.or_nhdrs;
	memcpy(rec->or_hdr_name, src->sc_rec.or_hdr_name,
	    sizeof(rec->or_hdr_name));
	memcpy(rec->or_hdr_value, src->sc_rec.or_hdr_value,
	    sizeof(rec->or_hdr_value));
	return S3E_NONE;
}

/* drop_tags removes the tag set from rec's stored headers. */
static void
drop_tags(struct msg_objrec *rec)
{
	uint32_t i, n = 0;

	for (i = 0; i < rec->or_nhdrs; i++) {
		if (proto_str_eq(rec->or_hdr_name[i], "x-amz-tagging"))
			continue;
		rec->or_hdr_name[n] = rec->or_hdr_name[i];
		rec->or_hdr_value[n++] = rec->or_hdr_value[i];
	}
	rec->or_nhdrs = n;
}

/* tagging_directive gives the copy the source's tags or the request's. */
static enum s3_err
tagging_directive(struct s3_req *r, const struct copy_src *src,
    struct msg_objrec *rec)
{
	const char *v;
	size_t len;
	uint32_t i;

	drop_tags(rec);
	if ((v = http_header(r->sr_http, "x-amz-tagging-directive", &len))) {
		if (len == 7 && memcmp(v, "REPLACE", 7) == 0)
			return s3_tagging_from_request(r, rec);
		if (len != 4 || memcmp(v, "COPY", 4) != 0)
			return S3E_INVALID_ARGUMENT;
	}
	for (i = 0; i < src->sc_rec.or_nhdrs; i++) {
		if (!proto_str_eq(src->sc_rec.or_hdr_name[i], "x-amz-tagging"))
			continue;
		if (rec->or_nhdrs == PROTO_HDRMAX)
			return S3E_INVALID_ARGUMENT;
		rec->or_hdr_name[rec->or_nhdrs] = src->sc_rec.or_hdr_name[i];
		rec->or_hdr_value[rec->or_nhdrs++] =
		    src->sc_rec.or_hdr_value[i];
	}
	return S3E_NONE;
}

/*
 * copy_stripes reads the source stripe by stripe, rebuilding from parity
 * where needed, and writes each into the new object: memory stays at a
 * stripe or two whatever the size.  The MD5 of what was copied must be
 * the source's ETag, or nothing is kept.
 */
static int
copy_stripes(struct backend *be, const struct msg_objrec *src,
    struct backend_put *bp)
{
	struct backend_get bg;
	const unsigned char *data;
	uint64_t s, n = (src->or_size + PROTO_STRIPE - 1) / PROTO_STRIPE;
	unsigned char md5[16];
	EVP_MD_CTX *md;
	size_t len;
	int rc;

	n = n == 0 ? 1 : n;
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(md, EVP_md5(), NULL) != 1) {
		EVP_MD_CTX_free(md);
		return CAIRN_ENOMEM;
	}
	rc = backend_get_begin(be, &bg, src);
	for (s = 0; rc == 0 && s < n; s++) {
		if ((rc = backend_get_stripe(&bg, s, &data, &len)) != 0)
			break;
		EVP_DigestUpdate(md, data, len);
		memcpy(backend_put_buffer(bp), data, len);
		rc = backend_put_stripe(bp, len, s == n - 1);
	}
	EVP_DigestFinal_ex(md, md5, NULL);
	if (rc == 0 && memcmp(md5, src->or_etag, 16) != 0) {
		log_warnx("copy: the source read back differs from its ETag");
		rc = CAIRN_ECHECKSUM;
	}
	EVP_MD_CTX_free(md);
	backend_get_free(&bg);
	return rc;
}

/* copy_data fills rec's data: the same bytes inline, or new shards. */
static int
copy_data(struct s3_req *r, const struct msg_objrec *src, struct msg_objrec *rec)
{
	struct backend *be = &r->sr_env->gw_backend;
	struct backend_put bp;
	struct msg_bucket b;
	int rc;

	if (src->or_inline) {
		rec->or_inline = true;
		rec->or_data = src->or_data;
		return s3_object_commit(r, rec);
	}
	if ((rc = backend_bucket_get(be, r->sr_bucket, &b)) != 0 ||
	    (rc = backend_put_begin(be, &bp, r->sr_bucket, r->sr_key)) != 0)
		return rc;
	if ((rc = copy_stripes(be, src, &bp)) == 0) {
		backend_put_layout(&bp, rec);
		rc = s3_object_commit(r, rec);
	}
	if (rc != 0)
		backend_put_abort(&bp);
	backend_put_free(&bp);
	return rc;
}

static void
copy_ok(struct s3_req *r, const struct msg_objrec *rec)
{
	struct s3_xml x;
	char etag[48], date[40];

	s3_object_etag(rec, etag);
	s3_time_iso(rec->or_mtime_ns, date, sizeof(date));
	s3_xml_init(&x);
	s3_xml_open_ns(&x, "CopyObjectResult");
	s3_xml_str(&x, "LastModified", date);
	s3_xml_str(&x, "ETag", etag);
	s3_xml_close(&x, "CopyObjectResult");
	s3_respond_doc(r, &x);
}

/* copy_from runs the copy once the source record is in hand. */
static void
copy_from(struct s3_req *r, struct copy_src *src, struct msg_objrec *rec)
{
	char etag[48];
	enum s3_err e;
	int rc;

	if (src->sc_rec.or_nparts > 0) {
		s3_fail(r, S3E_NOT_IMPLEMENTED, "Copying an object uploaded in "
		    "parts is not implemented yet.");
		return;
	}
	s3_object_etag(&src->sc_rec, etag);
	if (s3_cond_check(r, "x-amz-copy-source-", etag,
	    src->sc_rec.or_mtime_ns) != S3_COND_OK) {
		s3_fail(r, S3E_PRECONDITION_FAILED, NULL);
		return;
	}
	if ((e = directive(r, src, rec)) != S3E_NONE ||
	    (e = tagging_directive(r, src, rec)) != S3E_NONE) {
		s3_fail(r, e, NULL);
		return;
	}
	rec->or_size = src->sc_rec.or_size;
	rec->or_mtime_ns = util_now_ns();
	memcpy(rec->or_etag, src->sc_rec.or_etag, sizeof(rec->or_etag));
	if ((rc = copy_data(r, &src->sc_rec, rec)) != 0)
		s3_fail_rc(r, rc);
	else
		copy_ok(r, rec);
}

void
s3_object_copy(struct s3_req *r)
{
	struct copy_src *src;
	struct msg_objrec *rec;
	enum s3_err e;
	int rc;

	src = calloc(1, sizeof(*src));
	rec = calloc(1, sizeof(*rec));
	if (src == NULL || rec == NULL) {
		s3_fail(r, S3E_SLOW_DOWN, NULL);
	} else if ((e = parse_source(r, src)) != S3E_NONE) {
		s3_fail(r, e, "Invalid copy source");
	} else if ((rc = backend_obj_get(&r->sr_env->gw_backend,
	    &src->sc_call, src->sc_bucket, src->sc_key, &src->sc_rec)) != 0) {
		s3_fail_rc(r, rc);
	} else {
		copy_from(r, src, rec);
	}
	if (src != NULL)
		rpc_call_fini(&src->sc_call);
	free(src);
	free(rec);
}
