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
	char			 sc_version[PROTO_VERIDLEN + 1];	/* or "" */
};

/*
 * parse_source reads x-amz-copy-source: "[/]bucket/key", URL-encoded,
 * with an optional "?versionId=" and the version to copy.
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
		if ((size_t)(v + len - q) <= 11 || memcmp(q, "?versionId=",
		    11) != 0 || !s3_version_valid(q + 11,
		    (size_t)(v + len - q) - 11))
			return S3E_INVALID_ARGUMENT;
		memcpy(src->sc_version, q + 11, (size_t)(v + len - q) - 11);
		src->sc_version[(size_t)(v + len - q) - 11] = '\0';
		len = (size_t)(q - v);
	}
	n = util_pct_decode(v, len, src->sc_buf, sizeof(src->sc_buf), false);
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

/*
 * source_get reads the source's record (the version asked, else the
 * latest).  A delete marker is no object to copy: NoSuchKey for the
 * latest, InvalidArgument when named.
 */
static int
source_get(struct s3_req *r, struct copy_src *src)
{
	struct msg_ver_ref ref = { src->sc_bucket, src->sc_key,
	    proto_str_c(src->sc_version), false };
	int rc;

	rc = backend_ver_get(&r->sr_env->gw_backend, &src->sc_call, &ref,
	    &src->sc_rec);
	if (rc == 0 && src->sc_rec.or_delete_marker)
		rc = src->sc_version[0] != '\0' ? CAIRN_EINVAL : CAIRN_ENOKEY;
	return rc;
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
	/* Copying an older version onto its key restores it, as in S3. */
	same = same && src->sc_version[0] == '\0';
	if (same && !replace)
		return S3E_COPY_TO_ITSELF;
	if (replace)
		return s3_object_collect_headers(r->sr_http, rec);
	rec->or_nhdrs = src->sc_rec.or_nhdrs;
	memcpy(rec->or_hdr_name, src->sc_rec.or_hdr_name,
	    sizeof(rec->or_hdr_name));
	memcpy(rec->or_hdr_value, src->sc_rec.or_hdr_value,
	    sizeof(rec->or_hdr_value));
	s3_mpck_copy_headers(rec);
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
 * Where copied bytes go: into one buffer (a small result, stored inline)
 * or, cut again into whole stripes, into new shards.  The MD5 of all that
 * passes is kept.  Owned by the copy that runs it.
 */
struct copy_sink {
	struct backend_put	*cs_bp;		/* NULL: into cs_buf */
	unsigned char		*cs_buf;
	size_t			 cs_fill;	/* bytes in the stripe or buffer */
	uint64_t		 cs_left;	/* bytes still to come */
	EVP_MD_CTX		*cs_md;
};

/* sink_flush writes the stripe gathered so far, the last one when done. */
static int
sink_flush(struct copy_sink *cs)
{
	int rc;

	rc = backend_put_stripe(cs->cs_bp, cs->cs_fill, cs->cs_left == 0);
	cs->cs_fill = 0;
	return rc;
}

static int
sink_write(struct copy_sink *cs, const unsigned char *p, size_t len)
{
	size_t n;
	int rc;

	EVP_DigestUpdate(cs->cs_md, p, len);
	while (len > 0) {
		n = cs->cs_bp == NULL ? len : PROTO_STRIPE - cs->cs_fill;
		n = n < len ? n : len;
		memcpy((cs->cs_bp == NULL ? cs->cs_buf :
		    backend_put_buffer(cs->cs_bp)) + cs->cs_fill, p, n);
		cs->cs_fill += n;
		cs->cs_left -= n;
		p += n;
		len -= n;
		if (cs->cs_bp != NULL && (cs->cs_fill == PROTO_STRIPE ||
		    cs->cs_left == 0) && (rc = sink_flush(cs)) != 0)
			return rc;
	}
	return 0;
}

static int copy_range(struct backend *, const struct msg_objrec *, uint64_t,
    uint64_t, struct copy_sink *);

/*
 * copy_parts copies first..last of a multipart record part by part: each
 * part is read through a view of it as a record of its own (inline, or
 * the object's layout with the part's data id).
 */
static int
copy_parts(struct backend *be, const struct msg_objrec *src, uint64_t first,
    uint64_t last, struct copy_sink *cs)
{
	struct msg_objrec *view;
	struct msg_objpart p;
	uint64_t start = 0, end;
	uint32_t i;
	int rc = 0;

	if ((view = malloc(sizeof(*view))) == NULL)
		return CAIRN_ENOMEM;
	for (i = 0; rc == 0 && i < src->or_nparts && start <= last; i++) {
		msg_objpart_get(src, i, &p);
		end = start + p.op_size - 1;
		if (p.op_size > 0 && end >= first) {
			*view = *src;
			view->or_nparts = 0;
			view->or_size = p.op_size;
			view->or_inline = p.op_inline;
			view->or_data = p.op_data;
			memcpy(view->or_data_id, p.op_data_id, PROTO_IDLEN);
			rc = copy_range(be, view, first > start ? first - start : 0,
			    (last < end ? last : end) - start, cs);
		}
		start += p.op_size;
	}
	free(view);
	return rc;
}

/*
 * copy_range reads bytes first..last of src, a stripe at a time, rebuilt
 * from parity where needed, into cs.  Memory stays at a stripe or two
 * whatever the size.
 */
static int
copy_range(struct backend *be, const struct msg_objrec *src, uint64_t first,
    uint64_t last, struct copy_sink *cs)
{
	struct backend_get bg;
	const unsigned char *data;
	uint64_t s, off;
	size_t len;
	int rc;

	if (cs->cs_left == 0)
		return cs->cs_bp != NULL && cs->cs_fill == 0 &&
		    cs->cs_bp->bp_block_no == 0 ? sink_flush(cs) : 0;
	if (src->or_nparts > 0)
		return copy_parts(be, src, first, last, cs);
	if (src->or_inline)
		return sink_write(cs, (const unsigned char *)src->or_data.ps_ptr +
		    first, (size_t)(last - first + 1));
	rc = backend_get_begin(be, &bg, src);
	for (s = first / PROTO_STRIPE; rc == 0 && s <= last / PROTO_STRIPE;
	    s++) {
		if ((rc = backend_get_stripe(&bg, s, &data, &len)) != 0)
			break;
		off = s * PROTO_STRIPE;
		if (off + len - 1 > last)
			len = (size_t)(last - off + 1);
		if (first > off) {
			data += first - off;
			len -= (size_t)(first - off);
		}
		rc = sink_write(cs, data, len);
	}
	backend_get_free(&bg);
	return rc;
}

/*
 * copy_bytes copies first..last of src into rec: inline into *buf when
 * it is small enough, else into new shards placed for the request's key
 * (rec's layout, which the caller must commit or delete).  rec's ETag
 * is the MD5 of what was copied.
 */
static int
copy_bytes(struct s3_req *r, const struct msg_objrec *src, uint64_t first,
    uint64_t last, struct msg_objrec *rec, unsigned char **buf)
{
	struct backend *be = &r->sr_env->gw_backend;
	struct copy_sink cs = { NULL, NULL, 0, 0, NULL };
	struct backend_put bp;
	int rc;

	cs.cs_left = src->or_size == 0 ? 0 : last - first + 1;
	rec->or_size = cs.cs_left;
	if ((cs.cs_md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex2(cs.cs_md, hash_md5(), NULL) != 1) {
		EVP_MD_CTX_free(cs.cs_md);
		return CAIRN_ENOMEM;
	}
	if (rec->or_size <= r->sr_env->gw_conf.c_inline_max) {
		rc = (*buf = cs.cs_buf = malloc(rec->or_size + 1)) == NULL ?
		    CAIRN_ENOMEM : copy_range(be, src, first, last, &cs);
		rec->or_inline = true;
		rec->or_data.ps_ptr = (const char *)*buf;
		rec->or_data.ps_len = rec->or_size;
	} else if ((rc = backend_put_begin(be, &bp, r->sr_bucket,
	    r->sr_key)) == 0) {
		cs.cs_bp = &bp;
		if ((rc = copy_range(be, src, first, last, &cs)) == 0)
			backend_put_layout(&bp, rec);
		else
			backend_put_abort(&bp);
		backend_put_free(&bp);
	}
	EVP_DigestFinal_ex(cs.cs_md, rec->or_etag, NULL);
	EVP_MD_CTX_free(cs.cs_md);
	return rc;
}

/* copy_data makes the whole of src the new version: the same bytes, which
 * must hash to the source's ETag before they are recorded. */
static int
copy_data(struct s3_req *r, const struct msg_objrec *src, struct msg_objrec *rec)
{
	struct msg_bucket b;
	unsigned char *buf = NULL;
	int rc;

	if (!src->or_inline && (rc = backend_bucket_get(&r->sr_env->gw_backend,
	    r->sr_bucket, &b)) != 0)
		return rc;
	rc = copy_bytes(r, src, 0, src->or_size ? src->or_size - 1 : 0, rec,
	    &buf);
	/* A multipart ETag is no MD5 of the bytes: the copy's is, as in S3. */
	if (rc == 0 && src->or_nparts == 0 &&
	    memcmp(rec->or_etag, src->or_etag, 16) != 0) {
		log_warnx("%s: copy: the source read back differs from its "
		    "ETag", r->sr_http->hr_id);
		rc = CAIRN_ECHECKSUM;
	}
	if (rc == 0)
		rc = s3_object_commit(r, rec);
	if (rc != 0 && !rec->or_inline && !s3_object_commit_unknown(rc))
		backend_shards_delete(&r->sr_env->gw_backend, rec);
	free(buf);
	return rc;
}

/* copy_result answers a copy with its result document, named root. */
static void
copy_result(struct s3_req *r, const struct msg_objrec *rec, const char *root)
{
	struct s3_xml x;
	char etag[48], date[40];

	s3_object_etag(rec, etag);
	s3_time_iso(rec->or_mtime_ns, date, sizeof(date));
	s3_xml_init(&x);
	s3_xml_open_ns(&x, root);
	s3_xml_str(&x, "LastModified", date);
	s3_xml_str(&x, "ETag", etag);
	s3_xml_close(&x, root);
	s3_respond_doc(r, &x);
}

/* copy_from runs the copy once the source record is in hand. */
static void
copy_from(struct s3_req *r, struct copy_src *src, struct msg_objrec *rec)
{
	char etag[48];
	enum s3_err e;
	int rc;

	s3_object_etag(&src->sc_rec, etag);
	if (s3_cond_check(r, "x-amz-copy-source-", etag,
	    src->sc_rec.or_mtime_ns) != S3_COND_OK) {
		s3_fail(r, S3E_PRECONDITION_FAILED, NULL);
		return;
	}
	if ((e = directive(r, src, rec)) != S3E_NONE ||
	    (e = tagging_directive(r, src, rec)) != S3E_NONE ||
	    (e = s3_acl_from_request(r, rec)) != S3E_NONE) {
		s3_fail(r, e, NULL);
		return;
	}
	rec->or_size = src->sc_rec.or_size;
	rec->or_mtime_ns = util_now_ns();
	memcpy(rec->or_etag, src->sc_rec.or_etag, sizeof(rec->or_etag));
	if ((rc = copy_data(r, &src->sc_rec, rec)) != 0)
		s3_fail_rc(r, rc);
	else
		copy_result(r, rec, "CopyObjectResult");
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
	} else if ((rc = source_get(r, src)) != 0) {
		s3_fail_rc(r, rc);
	} else {
		copy_from(r, src, rec);
	}
	if (src != NULL)
		rpc_call_fini(&src->sc_call);
	free(src);
	free(rec);
}

/* copy_source_range reads x-amz-copy-source-range ("bytes=first-last");
 * without it the part is the whole source. */
static enum s3_err
copy_source_range(struct s3_req *r, uint64_t size, uint64_t *first,
    uint64_t *last)
{
	char buf[64], *dash, *end;
	const char *v;
	size_t len;

	*first = 0;
	*last = size ? size - 1 : 0;
	if ((v = http_header(r->sr_http, "x-amz-copy-source-range", &len)) ==
	    NULL)
		return S3E_NONE;
	if (len < 9 || len >= sizeof(buf) || strncmp(v, "bytes=", 6) != 0)
		return S3E_INVALID_ARGUMENT;
	memcpy(buf, v + 6, len - 6);
	buf[len - 6] = '\0';
	if ((dash = strchr(buf, '-')) == NULL || dash == buf)
		return S3E_INVALID_ARGUMENT;
	*dash = '\0';
	*first = strtoull(buf, &end, 10);
	if (*end != '\0' || dash[1] == '\0')
		return S3E_INVALID_ARGUMENT;
	*last = strtoull(dash + 1, &end, 10);
	if (*end != '\0' || *last < *first || *last >= size)
		return S3E_INVALID_ARGUMENT;
	return S3E_NONE;
}

enum s3_err
s3_copy_part(struct s3_req *r, struct msg_objrec *rec, unsigned char **buf)
{
	struct copy_src *src;
	uint64_t first, last;
	char etag[48];
	enum s3_err e;
	int rc;

	if ((src = calloc(1, sizeof(*src))) == NULL)
		return S3E_SLOW_DOWN;
	if ((e = parse_source(r, src)) == S3E_NONE &&
	    (rc = source_get(r, src)) != 0)
		e = s3_error_from(rc);
	if (e == S3E_NONE) {
		s3_object_etag(&src->sc_rec, etag);
		if (s3_cond_check(r, "x-amz-copy-source-", etag,
		    src->sc_rec.or_mtime_ns) != S3_COND_OK)
			e = S3E_PRECONDITION_FAILED;
	}
	if (e == S3E_NONE)
		e = copy_source_range(r, src->sc_rec.or_size, &first, &last);
	if (e == S3E_NONE) {
		rec->or_mtime_ns = util_now_ns();
		if ((rc = copy_bytes(r, &src->sc_rec, first, last, rec,
		    buf)) != 0)
			e = s3_error_from(rc);
	}
	rpc_call_fini(&src->sc_call);
	free(src);
	return e;
}

void
s3_copy_part_result(struct s3_req *r, const struct msg_objrec *rec)
{
	copy_result(r, rec, "CopyPartResult");
}
