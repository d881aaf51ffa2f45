/* s3_object.c - PutObject, GetObject, HeadObject and DeleteObject */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "errors.h"
#include "gatewayd.h"
#include "log.h"
#include "util.h"

/* Request headers kept with the object and replayed on GET and HEAD. */
static const char *const stored_headers[] = {
	"content-type", "content-encoding", "content-disposition",
	"content-language", "cache-control", "expires", NULL
};

#define USER_META_MAX	2048	/* bytes of x-amz-meta-* names and values */

/*
 * The digests of a body being received: MD5 for the ETag, SHA-256 when the
 * client signed the payload.  Owned by the worker running the PUT.  The
 * MD5 of a body of more than one stripe is the engine's (pd_mb), which
 * hashes it alongside other uploads while this worker goes on.
 */
struct put_digest {
	EVP_MD_CTX	*pd_md5;	/* NULL: pd_mb */
	struct md5mb_ctx pd_mb;
	EVP_MD_CTX	*pd_sha;	/* NULL: payload not signed */
	uint8_t		 pd_want_sha[32];
	uint8_t		 pd_want_md5[16];
	bool		 pd_has_md5;
	struct s3_checksum pd_ck;	/* x-amz-checksum-* */
	struct s3_body	*pd_body;
};

/* --- PUT ------------------------------------------------------------------------------- */

static bool
is_stored_header(const struct http_header *h)
{
	size_t i;

	if (h->hh_name_len > 11 && strncmp(h->hh_name, "x-amz-meta-", 11) == 0)
		return true;
	for (i = 0; stored_headers[i] != NULL; i++)
		if (strcmp(h->hh_name, stored_headers[i]) == 0)
			return true;
	return false;
}

/* collect_headers copies the headers to store into rec (pointing at hr). */
static enum s3_err
collect_headers(struct http_req *hr, struct msg_objrec *rec)
{
	size_t i, meta = 0;

	rec->or_nhdrs = 0;
	for (i = 0; i < hr->hr_nheaders; i++) {
		const struct http_header *h = &hr->hr_headers[i];

		if (!is_stored_header(h))
			continue;
		if (h->hh_name[0] == 'x')
			meta += h->hh_name_len - 11 + h->hh_value_len;
		if (meta > USER_META_MAX)
			return S3E_METADATA_TOO_LARGE;
		if (rec->or_nhdrs == PROTO_HDRMAX ||
		    h->hh_value_len > PROTO_HDRLEN)
			return S3E_INVALID_ARGUMENT;
		rec->or_hdr_name[rec->or_nhdrs].ps_ptr = h->hh_name;
		rec->or_hdr_name[rec->or_nhdrs].ps_len = h->hh_name_len;
		rec->or_hdr_value[rec->or_nhdrs].ps_ptr = h->hh_value;
		rec->or_hdr_value[rec->or_nhdrs].ps_len = h->hh_value_len;
		if (strcmp(h->hh_name, "content-encoding") == 0)
			s3_chunked_strip_encoding(
			    &rec->or_hdr_value[rec->or_nhdrs].ps_ptr,
			    &rec->or_hdr_value[rec->or_nhdrs].ps_len);
		if (rec->or_hdr_value[rec->or_nhdrs].ps_len > 0)
			rec->or_nhdrs++;
	}
	return S3E_NONE;
}

static enum s3_err
digest_init(struct s3_req *r, struct put_digest *pd, struct s3_body *bd)
{
	const char *md5;
	size_t len;
	unsigned char buf[32];
	enum s3_err e;

	memset(pd, 0, sizeof(*pd));
	pd->pd_body = bd;
	if ((e = s3_checksum_init(&pd->pd_ck, r->sr_http,
	    s3_body_trailer_ok(bd))) != S3E_NONE)
		return e;
	if (bd->bd_size > PROTO_STRIPE)
		md5mb_begin(&r->sr_env->gw_backend.be_md5mb, &pd->pd_mb);
	else if ((pd->pd_md5 = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex2(pd->pd_md5, hash_md5(), NULL) != 1)
		return S3E_SLOW_DOWN;
	if ((md5 = http_header(r->sr_http, "content-md5", &len)) != NULL) {
		if (len != 24 || EVP_DecodeBlock(buf,
		    (const unsigned char *)md5, 24) != 18)
			return S3E_INVALID_DIGEST;
		memcpy(pd->pd_want_md5, buf, 16);
		pd->pd_has_md5 = true;
	}
	if (strlen(r->sr_payload_hash) != 64)
		return S3E_NONE;	/* UNSIGNED-PAYLOAD */
	if (util_unhex(pd->pd_want_sha, r->sr_payload_hash, 32) != 0)
		return S3E_CONTENT_SHA256_MISMATCH;
	if ((pd->pd_sha = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex2(pd->pd_sha, hash_sha256(), NULL) != 1)
		return S3E_SLOW_DOWN;
	return S3E_NONE;
}

static void
digest_update(struct put_digest *pd, const void *p, size_t len)
{
	if (pd->pd_md5 == NULL)
		md5mb_update(&pd->pd_mb, p, len);	/* p stays: see put_stripes */
	else
		EVP_DigestUpdate(pd->pd_md5, p, len);
	if (pd->pd_sha != NULL)
		EVP_DigestUpdate(pd->pd_sha, p, len);
	s3_checksum_update(&pd->pd_ck, p, len);
}

/*
 * digest_final reads the end of the body (and its trailer), fills the
 * ETag and checks what the client promised.
 */
static enum s3_err
digest_final(struct put_digest *pd, uint8_t *etag)
{
	unsigned char sha[32];
	const char *tr;
	size_t trlen = 0;
	enum s3_err e;

	if ((e = s3_body_finish(pd->pd_body)) != S3E_NONE)
		return e;
	tr = s3_body_trailer(pd->pd_body,
	    s3_checksum_trailer_name(&pd->pd_ck), &trlen);
	if ((e = s3_checksum_final(&pd->pd_ck, tr, trlen)) != S3E_NONE)
		return e;
	if (pd->pd_md5 == NULL)
		md5mb_final(&pd->pd_mb, etag);
	else
		EVP_DigestFinal_ex(pd->pd_md5, etag, NULL);
	if (pd->pd_has_md5 && memcmp(etag, pd->pd_want_md5, 16) != 0)
		return S3E_BAD_DIGEST;
	if (pd->pd_sha != NULL) {
		EVP_DigestFinal_ex(pd->pd_sha, sha, NULL);
		if (memcmp(sha, pd->pd_want_sha, 32) != 0)
			return S3E_CONTENT_SHA256_MISMATCH;
	}
	return S3E_NONE;
}

static void
digest_free(struct put_digest *pd)
{
	EVP_MD_CTX_free(pd->pd_md5);
	md5mb_end(&pd->pd_mb);
	EVP_MD_CTX_free(pd->pd_sha);
	s3_checksum_free(&pd->pd_ck);
}

/* digest_store keeps the checksum with the object, as a stored header. */
static enum s3_err
digest_store(struct put_digest *pd, struct msg_objrec *rec)
{
	if (pd->pd_ck.ck_name[0] == '\0')
		return S3E_NONE;
	if (rec->or_nhdrs == PROTO_HDRMAX)
		return S3E_INVALID_ARGUMENT;
	rec->or_hdr_name[rec->or_nhdrs].ps_ptr = pd->pd_ck.ck_name;
	rec->or_hdr_name[rec->or_nhdrs].ps_len = strlen(pd->pd_ck.ck_name);
	rec->or_hdr_value[rec->or_nhdrs].ps_ptr = pd->pd_ck.ck_value;
	rec->or_hdr_value[rec->or_nhdrs].ps_len = strlen(pd->pd_ck.ck_value);
	rec->or_nhdrs++;
	return S3E_NONE;
}

/* put_fail answers a failed PUT, with the checksum's reason if it has one. */
static void
put_fail(struct s3_req *r, enum s3_err e, const struct put_digest *pd)
{
	bool why = pd->pd_ck.ck_msg[0] != '\0' &&
	    (e == S3E_INVALID_REQUEST || e == S3E_BAD_DIGEST);

	s3_fail(r, e, why ? pd->pd_ck.ck_msg : NULL);
}

/* read_full reads exactly len body bytes (fewer only at the body's end). */
static long
read_full(struct s3_body *bd, unsigned char *buf, size_t len)
{
	size_t got = 0;
	long n;

	while (got < len) {
		if ((n = s3_body_read(bd, buf + got, len - got)) < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (long)got;
}

/* put_msg makes the request to metad that records rec. */
static void
put_msg(const struct s3_req *r, const struct msg_objrec *rec,
    struct msg_obj_put *p)
{
	p->p_bucket = r->sr_bucket;
	p->p_key = r->sr_key;
	p->p_rec = *rec;
	p->p_cond = r->sr_put_cond;
	memcpy(p->p_cond_etag, r->sr_put_cond_etag, sizeof(p->p_cond_etag));
}

/* put_drops tells whether rec replaced a version whose shards must go. */
static bool
put_drops(const struct msg_ver_done *d, const struct msg_objrec *rec)
{
	return d->vd_has_old && !d->vd_old.or_inline && !(!rec->or_inline &&
	    memcmp(d->vd_old.or_data_id, rec->or_data_id, PROTO_IDLEN) == 0);
}

/* commit records the new version in metad and drops the one it replaced. */
static int
commit(struct s3_req *r, const struct msg_objrec *rec)
{
	struct backend *be = &r->sr_env->gw_backend;
	struct msg_obj_put *p;
	struct msg_ver_done *d;
	struct rpc_call c;
	int rc;

	p = malloc(sizeof(*p));
	d = malloc(sizeof(*d));
	if (p == NULL || d == NULL) {
		free(p);
		free(d);
		return CAIRN_ENOMEM;
	}
	put_msg(r, rec, p);
	/* The bucket's versioning decides whether a record is given up. */
	rc = backend_ver_put(be, &c, p, d);
	if (rc == 0)
		s3_version_note(r, d->vd_version_id);
	if (rc == 0 && put_drops(d, rec))
		backend_shards_delete(be, &d->vd_old);
	rpc_call_fini(&c);
	free(d);
	free(p);
	return rc;
}

static void
put_ok(struct s3_req *r, const uint8_t *etag, const struct put_digest *pd)
{
	struct http_hdr_out hdr[2];
	char value[2 * 16 + 3];

	value[0] = '"';
	util_hex(value + 1, etag, 16);
	strcpy(value + 33, "\"");
	hdr[0].ho_name = "etag";
	hdr[0].ho_value = value;
	hdr[1].ho_name = pd->pd_ck.ck_name;
	hdr[1].ho_value = pd->pd_ck.ck_value;
	s3_respond_empty(r, 200, hdr, pd->pd_ck.ck_name[0] != '\0' ? 2 : 1);
}

static enum s3_err receive_inline(struct msg_objrec *, struct put_digest *,
    unsigned char **);

static void
put_inline(struct s3_req *r, struct msg_objrec *rec, struct put_digest *pd)
{
	unsigned char *buf = NULL;
	enum s3_err e;
	int rc;

	if ((e = receive_inline(rec, pd, &buf)) != S3E_NONE ||
	    (e = digest_store(pd, rec)) != S3E_NONE)
		put_fail(r, e, pd);
	else if ((rc = commit(r, rec)) != 0)
		s3_fail_rc(r, rc);
	else
		put_ok(r, rec->or_etag, pd);
	free(buf);
}

/* digest_wait waits until at most depth runs of the MD5 engine refer to
 * the stripe buffers (none with depth 0). */
static void
digest_wait(struct put_digest *pd, int depth)
{
	if (pd->pd_md5 == NULL && pd->pd_mb.mc_eng != NULL)
		md5mb_sync(&pd->pd_mb, depth);
}

/*
 * stripes_send streams the body through the erasure coder to the drives.
 * Before the last stripe commits the shards, the end of the body and
 * every digest the client promised are checked.  With depth 1 the engine
 * may still hash the stripe before while the next is read into the other
 * buffer.
 */
static enum s3_err
stripes_send(struct s3_req *r, struct backend_put *bp, struct put_digest *pd,
    struct msg_objrec *rec, int depth)
{
	uint64_t left = rec->or_size;
	size_t want;
	enum s3_err e;
	long n;
	int rc;

	do {
		want = left < PROTO_STRIPE ? (size_t)left : PROTO_STRIPE;
		digest_wait(pd, depth);
		n = read_full(pd->pd_body, backend_put_buffer(bp), want);
		if (n != (long)want)
			return n < 0 && pd->pd_body->bd_err != S3E_NONE ?
			    pd->pd_body->bd_err : S3E_INCOMPLETE_BODY;
		digest_update(pd, backend_put_buffer(bp), want);
		left -= want;
		if (left == 0 &&
		    (e = digest_final(pd, rec->or_etag)) != S3E_NONE)
			return e;
		if ((rc = backend_put_stripe(bp, want, left == 0)) != 0) {
			log_warnx("%s: %s: %s", r->sr_http->hr_id,
			    r->sr_resource, cairn_strerror(rc));
			return s3_error_from(rc);
		}
	} while (left > 0);
	return S3E_NONE;
}

/* put_stripes runs stripes_send; when it returns, no run of the MD5
 * engine refers to bp's buffers any more. */
static enum s3_err
put_stripes(struct s3_req *r, struct backend_put *bp, struct put_digest *pd,
    struct msg_objrec *rec)
{
	int depth = 0;
	enum s3_err e;

	if (pd->pd_md5 == NULL && backend_put_double(bp) == 0)
		depth = 1;
	e = stripes_send(r, bp, pd, rec, depth);
	digest_wait(pd, 0);
	return e;
}

static void
put_coded(struct s3_req *r, struct msg_objrec *rec, struct put_digest *pd)
{
	struct backend *be = &r->sr_env->gw_backend;
	struct backend_put bp;
	struct msg_bucket b;
	enum s3_err e;
	int rc;

	/* Refuse before writing shards that nothing would ever refer to. */
	if ((rc = backend_bucket_get(be, r->sr_bucket, &b)) != 0) {
		s3_fail_rc(r, rc);
		return;
	}
	if ((rc = backend_put_begin(be, &bp, r->sr_bucket, r->sr_key)) != 0) {
		s3_fail_rc(r, rc);
		return;
	}
	e = put_stripes(r, &bp, pd, rec);
	if (e == S3E_NONE)
		e = digest_store(pd, rec);
	rc = 0;
	if (e == S3E_NONE) {
		backend_put_layout(&bp, rec);
		if ((rc = commit(r, rec)) != 0)
			e = s3_error_from(rc);
	}
	if (e != S3E_NONE) {
		/* Without metad's answer the version may be recorded: keep
		 * its shards; the orphan sweep removes them if not. */
		if (!s3_object_commit_unknown(rc))
			backend_put_abort(&bp);
		put_fail(r, e, pd);
	} else {
		put_ok(r, rec->or_etag, pd);
	}
	backend_put_free(&bp);
}

/*
 * put_condition reads If-None-Match and If-Match of a PUT.  metad checks
 * the condition when it swaps the record in, so that two conditional
 * writers cannot both win.
 */
static enum s3_err
put_condition(struct s3_req *r)
{
	const char *v;
	size_t len;

	if ((v = http_header(r->sr_http, "if-none-match", &len)) != NULL) {
		if (len != 1 || v[0] != '*')
			return S3E_NOT_IMPLEMENTED;
		r->sr_put_cond = PUT_COND_ABSENT;
		return S3E_NONE;
	}
	if ((v = http_header(r->sr_http, "if-match", &len)) == NULL)
		return S3E_NONE;
	if (len >= 2 && v[0] == '"' && v[len - 1] == '"') {
		v++;
		len -= 2;
	}
	/* An ETag that is no MD5 can match no object stored by one PUT. */
	if (len != 32 || util_unhex(r->sr_put_cond_etag, v, 16) != 0)
		memset(r->sr_put_cond_etag, 0xff, 16);
	r->sr_put_cond = PUT_COND_ETAG;
	return S3E_NONE;
}

static enum s3_err
put_check(struct s3_req *r, struct s3_body *bd)
{
	struct http_req *hr = r->sr_http;
	enum s3_err e;

	if ((e = put_condition(r)) != S3E_NONE)
		return e;
	/* A long chunked body: only aws-chunked tells its length. */
	if (hr->hr_body_len != HTTP_BODY_UNKNOWN &&
	    http_header(hr, "content-length", NULL) == NULL)
		return S3E_MISSING_CONTENT_LENGTH;
	if (hr->hr_body_len != HTTP_BODY_UNKNOWN &&
	    hr->hr_body_len > r->sr_env->gw_conf.c_gw_max_object)
		return S3E_ENTITY_TOO_LARGE;
	if ((e = s3_body_open(r, bd)) != S3E_NONE)
		return e;
	if (bd->bd_size == HTTP_BODY_UNKNOWN)
		return S3E_MISSING_CONTENT_LENGTH;
	if (bd->bd_size > r->sr_env->gw_conf.c_gw_max_object)
		return S3E_ENTITY_TOO_LARGE;
	return S3E_NONE;
}

/* put_begin checks a PUT and reads what its headers say into rec and pd. */
static enum s3_err
put_begin(struct s3_req *r, struct msg_objrec *rec, struct put_digest *pd,
    struct s3_body *bd)
{
	enum s3_err e;

	if ((e = put_check(r, bd)) != S3E_NONE)
		return e;
	rec->or_size = bd->bd_size;
	rec->or_mtime_ns = util_now_ns();
	if ((e = collect_headers(r->sr_http, rec)) != S3E_NONE ||
	    (e = s3_tagging_from_request(r, rec)) != S3E_NONE ||
	    (e = s3_acl_from_request(r, rec)) != S3E_NONE ||
	    (e = s3_lock_from_request(r, rec)) != S3E_NONE)
		return e;
	return digest_init(r, pd, bd);
}

void
s3_object_put(struct s3_req *r)
{
	struct msg_objrec *rec;
	struct put_digest pd;
	struct s3_body bd;
	enum s3_err e;

	memset(&pd, 0, sizeof(pd));
	memset(&bd, 0, sizeof(bd));
	if ((rec = calloc(1, sizeof(*rec))) == NULL)
		put_fail(r, S3E_SLOW_DOWN, &pd);
	else if ((e = put_begin(r, rec, &pd, &bd)) != S3E_NONE)
		put_fail(r, e, &pd);
	else if (rec->or_size <= r->sr_env->gw_conf.c_inline_max)
		put_inline(r, rec, &pd);
	else
		put_coded(r, rec, &pd);
	digest_free(&pd);
	s3_body_close(&bd);
	free(rec);
}

/* --- PUT of a small object in steps, for the event loop -------------------------------- */

struct s3_put {
	struct msg_objrec	 sp_rec;
	struct put_digest	 sp_pd;
	struct s3_body		 sp_bd;
	unsigned char		*sp_buf;
	struct msg_ver_done	 sp_done;
};

struct s3_put *
s3_object_put_prepare(struct s3_req *r)
{
	struct s3_put *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	if (put_begin(r, &p->sp_rec, &p->sp_pd, &p->sp_bd) != S3E_NONE ||
	    p->sp_rec.or_size > r->sr_env->gw_conf.c_inline_max ||
	    receive_inline(&p->sp_rec, &p->sp_pd, &p->sp_buf) != S3E_NONE ||
	    digest_store(&p->sp_pd, &p->sp_rec) != S3E_NONE) {
		s3_object_put_free(p);
		return NULL;
	}
	return p;
}

void
s3_object_put_send(struct s3_req *r, struct s3_put *p, struct rpc_call *c,
    void (*done)(void *), void *arg)
{
	struct msg_obj_put m;	/* packed before the call returns */

	put_msg(r, &p->sp_rec, &m);
	backend_ver_put_send(&r->sr_env->gw_backend, c, &m, done, arg);
}

bool
s3_object_put_recv(struct s3_req *r, struct s3_put *p, struct rpc_call *c)
{
	int rc;

	if ((rc = backend_ver_put_recv(c, &p->sp_done)) != 0) {
		s3_fail_rc(r, rc);
		return true;
	}
	s3_version_note(r, p->sp_done.vd_version_id);
	if (put_drops(&p->sp_done, &p->sp_rec))
		return false;
	put_ok(r, p->sp_rec.or_etag, &p->sp_pd);
	return true;
}

void
s3_object_put_finish(struct s3_req *r, struct s3_put *p)
{
	backend_shards_delete(&r->sr_env->gw_backend, &p->sp_done.vd_old);
	put_ok(r, p->sp_rec.or_etag, &p->sp_pd);
}

void
s3_object_put_free(struct s3_put *p)
{
	if (p == NULL)
		return;
	digest_free(&p->sp_pd);
	s3_body_close(&p->sp_bd);
	free(p->sp_buf);
	free(p);
}

/* --- GET and HEAD ------------------------------------------------------------------------- */

/* A byte range of the object, inclusive; the whole object by default. */
struct get_range {
	uint64_t	gr_first;
	uint64_t	gr_last;
	bool		gr_partial;
	uint32_t	gr_parts_count;	/* partNumber asked: x-amz-mp-parts-count */
	struct proto_str gr_part_cksum;	/* partNumber asked: its checksum */
};

/* parse_range understands one "bytes=a-b", "bytes=a-" or "bytes=-n". */
static enum s3_err
parse_range(struct http_req *hr, uint64_t size, struct get_range *rg)
{
	const char *v;
	char buf[64], *dash, *end;
	size_t len;
	unsigned long long a, b;

	memset(rg, 0, sizeof(*rg));	/* no partNumber: no parts count */
	rg->gr_first = 0;
	rg->gr_last = size ? size - 1 : 0;
	rg->gr_partial = false;
	if ((v = http_header(hr, "range", &len)) == NULL)
		return S3E_NONE;
	if (len >= sizeof(buf) || strncmp(v, "bytes=", 6) != 0)
		return S3E_NONE;	/* S3 ignores what it cannot parse */
	memcpy(buf, v + 6, len - 6);
	buf[len - 6] = '\0';
	if (strchr(buf, ',') != NULL || (dash = strchr(buf, '-')) == NULL)
		return S3E_NONE;
	*dash = '\0';
	if (buf[0] == '\0') {			/* suffix: the last b bytes */
		b = strtoull(dash + 1, &end, 10);
		if (*end != '\0' || dash[1] == '\0' || b == 0 || size == 0)
			return S3E_INVALID_RANGE;
		rg->gr_first = b >= size ? 0 : size - b;
	} else {
		a = strtoull(buf, &end, 10);
		if (*end != '\0' || a >= size)
			return S3E_INVALID_RANGE;
		rg->gr_first = a;
		if (dash[1] != '\0') {
			b = strtoull(dash + 1, &end, 10);
			if (*end != '\0' || b < a)
				return S3E_NONE;
			rg->gr_last = b < size - 1 ? b : size - 1;
		}
	}
	rg->gr_partial = true;
	return S3E_NONE;
}

/*
 * checksum_mode tells whether to show the stored checksum: only when the
 * client asks (x-amz-checksum-mode: ENABLED), and never for a part of
 * the object, which the whole object's checksum does not describe.
 */
static bool
checksum_mode(struct http_req *hr, const struct get_range *rg)
{
	const char *v;
	size_t len;

	v = http_header(hr, "x-amz-checksum-mode", &len);
	return v != NULL && len == 7 && strncasecmp(v, "ENABLED", 7) == 0 &&
	    (!rg->gr_partial || rg->gr_part_cksum.ps_len > 0);
}

/*
 * has_type_header tells whether the record keeps its checksum type; a
 * single PUT's checksum, the only kind without one, is FULL_OBJECT.
 */
static bool
has_type_header(const struct msg_objrec *rec)
{
	uint32_t i;

	for (i = 0; i < rec->or_nhdrs; i++)
		if (proto_str_eq(rec->or_hdr_name[i], "x-amz-checksum-type"))
			return true;
	return false;
}

/*
 * part_range makes the range of ?partNumber=N: the part numbered N of a
 * multipart object (numbers may have gaps: those of the upload), or the
 * whole of another object for N = 1.
 */
static enum s3_err
part_range(struct s3_req *r, const struct msg_objrec *rec,
    struct get_range *rg)
{
	struct msg_objpart p;
	char buf[16], *end;
	unsigned long n;
	uint32_t i;

	memset(rg, 0, sizeof(*rg));
	rg->gr_last = rec->or_size ? rec->or_size - 1 : 0;
	if (s3_query_get(r->sr_http, "partNumber", buf, sizeof(buf)) <= 0 ||
	    (n = strtoul(buf, &end, 10)) < 1 || n > PROTO_PARTMAX ||
	    *end != '\0')
		return S3E_INVALID_ARGUMENT;
	if (rec->or_nparts == 0)
		return n == 1 ? S3E_NONE : S3E_INVALID_PART_NUMBER;
	for (i = 0; i < rec->or_nparts; i++) {
		msg_objpart_get(rec, i, &p);
		if (p.op_number == n)
			break;
		rg->gr_first += p.op_size;
	}
	if (i == rec->or_nparts)
		return S3E_INVALID_PART_NUMBER;
	rg->gr_last = rg->gr_first + (p.op_size ? p.op_size - 1 : 0);
	rg->gr_partial = p.op_size > 0;
	rg->gr_parts_count = rec->or_nparts;
	rg->gr_part_cksum = p.op_cksum;
	return S3E_NONE;
}

/* object_headers fills the response headers of a GET or HEAD. */
static size_t
object_headers(struct s3_req *r, const struct msg_objrec *rec,
    const struct get_range *rg, struct http_hdr_out *h, char *store)
{
	int ntags;
	size_t n = s3_common_headers(r, h);
	char *etag = store, *date = store + 48, *cr = store + 88;
	char *pc = store + 160;
	struct proto_str v;
	uint32_t i;
	bool has_type = false;

	s3_multipart_etag(etag, rec->or_etag, rec->or_nparts);
	s3_time_http(rec->or_mtime_ns, date, 40);
	h[n++] = (struct http_hdr_out){ "etag", etag };
	h[n++] = (struct http_hdr_out){ "last-modified", date };
	h[n++] = (struct http_hdr_out){ "accept-ranges", "bytes" };
	if (rg->gr_partial) {
		snprintf(cr, 80, "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64,
		    rg->gr_first, rg->gr_last, rec->or_size);
		h[n++] = (struct http_hdr_out){ "content-range", cr };
	}
	if (rg->gr_parts_count > 0) {
		snprintf(pc, 16, "%u", rg->gr_parts_count);
		h[n++] = (struct http_hdr_out){ "x-amz-mp-parts-count", pc };
	}
	/* Stored values were NUL-terminated in the PUT's header copy, but
	 * not here: copy them into the store after the fixed fields. */
	if ((ntags = s3_tagging_count(rec)) > 0) {
		snprintf(store + 176, 16, "%d", ntags);
		h[n++] = (struct http_hdr_out){ "x-amz-tagging-count",
		    store + 176 };
	}
	store += 192;
	for (i = 0; i < rec->or_nhdrs; i++) {
		if (proto_str_eq(rec->or_hdr_name[i], "x-amz-tagging") ||
		    proto_str_eq(rec->or_hdr_name[i], "x-amz-acl"))
			continue;	/* a count only; the ACL by ?acl */
		if (s3_checksum_is_header(rec->or_hdr_name[i].ps_ptr,
		    rec->or_hdr_name[i].ps_len) &&
		    !checksum_mode(r->sr_http, rg))
			continue;
		if (s3_checksum_is_header(rec->or_hdr_name[i].ps_ptr,
		    rec->or_hdr_name[i].ps_len) && !has_type_header(rec))
			h[n++] = (struct http_hdr_out){ "x-amz-checksum-type",
			    "FULL_OBJECT" };
		memcpy(store, rec->or_hdr_name[i].ps_ptr,
		    rec->or_hdr_name[i].ps_len);
		store[rec->or_hdr_name[i].ps_len] = '\0';
		h[n].ho_name = store;
		store += rec->or_hdr_name[i].ps_len + 1;
		v = rec->or_hdr_value[i];
		if (rg->gr_part_cksum.ps_len > 0 && v.ps_len >=
		    rg->gr_part_cksum.ps_len && s3_checksum_is_value(h[n].ho_name))
			v = rg->gr_part_cksum;	/* a part's, never longer */
		memcpy(store, v.ps_ptr, v.ps_len);
		store[v.ps_len] = '\0';
		h[n++].ho_value = store;
		store += v.ps_len + 1;
		has_type |= proto_str_eq(rec->or_hdr_name[i], "content-type");
	}
	if (!has_type)
		h[n++] = (struct http_hdr_out){ "content-type",
		    "binary/octet-stream" };
	return n;
}

static size_t
headers_store_size(const struct msg_objrec *rec)
{
	size_t need = 192;
	uint32_t i;

	for (i = 0; i < rec->or_nhdrs; i++)
		need += rec->or_hdr_name[i].ps_len +
		    rec->or_hdr_value[i].ps_len + 2;
	return need;
}

/* iov_slice writes to out the len bytes of in[0..n) after skip; returns
 * how many pieces they take. */
static int
iov_slice(const struct iovec *in, int n, size_t skip, size_t len,
    struct iovec *out)
{
	int i, m = 0;
	size_t take;

	for (i = 0; i < n && len > 0; i++) {
		if (skip >= in[i].iov_len) {
			skip -= in[i].iov_len;
			continue;
		}
		take = in[i].iov_len - skip;
		take = take < len ? take : len;
		out[m].iov_base = (char *)in[i].iov_base + skip;
		out[m++].iov_len = take;
		len -= take;
		skip = 0;
	}
	return m;
}

/* stream_coded sends the range's stripes, reading each just in time and
 * sending it from the drives' replies without copying it. */
static void
stream_coded(struct s3_req *r, struct backend_get *bg,
    const struct get_range *rg, struct iovec *iov, int niov, size_t len)
{
	uint64_t s = rg->gr_first / PROTO_STRIPE, off, end;
	struct iovec part[PROTO_SHARDMAX];
	int rc;

	for (;;) {
		off = s * PROTO_STRIPE;
		end = off + len - 1 < rg->gr_last ? off + len - 1 : rg->gr_last;
		if (rg->gr_first > off)
			off = rg->gr_first;
		if (http_stream_writev(r->sr_http, part, iov_slice(iov, niov,
		    (size_t)(off - s * PROTO_STRIPE), (size_t)(end - off + 1),
		    part)) != 0)
			return;
		atomic_fetch_add(&r->sr_env->gw_bytes_out, end - off + 1);
		if (end >= rg->gr_last)
			break;
		if ((rc = backend_get_stripe_iov(bg, ++s, iov, &niov,
		    &len)) != 0) {
			log_warnx("%s: %s: stripe %" PRIu64 ": %s",
			    r->sr_http->hr_id, r->sr_resource, s,
			    cairn_strerror(rc));
			http_stream_abort(r->sr_http);
			scrub_hint_heal(&r->sr_env->gw_backend, r->sr_bucket,
			    r->sr_key);
			return;
		}
	}
	http_stream_end(r->sr_http);
}

static void
get_body(struct s3_req *r, const struct msg_objrec *rec,
    const struct get_range *rg, const struct http_hdr_out *h, size_t n)
{
	struct backend_get bg;
	struct iovec iov[PROTO_SHARDMAX];
	uint64_t len = rec->or_size ? rg->gr_last - rg->gr_first + 1 : 0;
	int status = rg->gr_partial ? 206 : 200;
	size_t slen;
	int niov, rc;

	if (r->sr_http->hr_head || len == 0) {
		http_stream_start(r->sr_http, status, h, n, len);
		return;
	}
	if (rec->or_inline) {
		http_respond(r->sr_http, status, h, n, rec->or_data.ps_ptr +
		    rg->gr_first, (size_t)len);
		return;
	}
	if (rec->or_nparts > 0) {
		s3_multipart_stream(r, rec, rg->gr_first, rg->gr_last, status,
		    h, n);
		return;
	}
	/* Read the first stripe before answering, so a failure is an error;
	 * each next stripe is read while the one before is sent. */
	if ((rc = backend_get_begin(&r->sr_env->gw_backend, &bg, rec)) == 0) {
		(void)backend_get_ahead(&bg, rg->gr_last / PROTO_STRIPE);
		rc = backend_get_stripe_iov(&bg, rg->gr_first / PROTO_STRIPE,
		    iov, &niov, &slen);
	}
	if (rc != 0) {
		backend_get_free(&bg);
		if (rc == CAIRN_EQUORUM)
			scrub_hint_heal(&r->sr_env->gw_backend, r->sr_bucket,
			    r->sr_key);
		s3_fail_rc(r, rc);
		return;
	}
	if (http_stream_start(r->sr_http, status, h, n, len) == 0)
		stream_coded(r, &bg, rg, iov, niov, slen);
	if (bg.bg_reconstructed > 0) {
		log_info("%s: %s: rebuilt %u stripes from parity",
		    r->sr_http->hr_id, r->sr_resource, bg.bg_reconstructed);
		scrub_hint_heal(&r->sr_env->gw_backend, r->sr_bucket, r->sr_key);
	}
	backend_get_free(&bg);
}

#define OVERRIDES_MAX	4096	/* decoded response-* values */

/* conditions_hold evaluates the conditional headers; when they say 304
 * or 412 it answers and returns false. */
static bool
conditions_hold(struct s3_req *r, const struct msg_objrec *rec)
{
	struct http_hdr_out h[4];
	char etag[48], date[40];
	size_t n;

	s3_multipart_etag(etag, rec->or_etag, rec->or_nparts);
	switch (s3_cond_check(r, "", etag, rec->or_mtime_ns)) {
	case S3_COND_OK:
		return true;
	case S3_COND_FAILED:
		s3_fail(r, S3E_PRECONDITION_FAILED, NULL);
		return false;
	case S3_COND_NOT_MODIFIED:
		break;
	}
	s3_time_http(rec->or_mtime_ns, date, sizeof(date));
	n = 0;
	h[n++] = (struct http_hdr_out){ "etag", etag };
	h[n++] = (struct http_hdr_out){ "last-modified", date };
	s3_respond_empty(r, 304, h, n);
	return false;
}

/* What a GET or HEAD answers once its record is read: the range and the
 * response headers, their strings in g_store. */
struct s3_get {
	struct get_range	 g_rg;
	struct http_hdr_out	 g_h[PROTO_HDRMAX + 16];
	size_t			 g_n;
	char			*g_store;
};

struct s3_get *
s3_object_get_plan(struct s3_req *r, const struct msg_objrec *rec)
{
	struct s3_get *g;
	enum s3_err e;

	if (!conditions_hold(r, rec))
		return NULL;
	if ((g = calloc(1, sizeof(*g))) == NULL) {
		s3_fail(r, S3E_SLOW_DOWN, NULL);
		return NULL;
	}
	if (s3_query_has(r->sr_http, "partNumber"))
		e = part_range(r, rec, &g->g_rg);
	else
		e = parse_range(r->sr_http, rec->or_size, &g->g_rg);
	if (e != S3E_NONE) {
		s3_fail(r, e, NULL);
		s3_object_get_free(g);
		return NULL;
	}
	if ((g->g_store = malloc(headers_store_size(rec) + OVERRIDES_MAX)) ==
	    NULL) {
		s3_fail(r, S3E_SLOW_DOWN, NULL);
		s3_object_get_free(g);
		return NULL;
	}
	g->g_n = object_headers(r, rec, &g->g_rg, g->g_h,
	    g->g_store + OVERRIDES_MAX);
	g->g_n = s3_cond_overrides(r, g->g_h, g->g_n,
	    sizeof(g->g_h) / sizeof(g->g_h[0]), g->g_store, OVERRIDES_MAX);
	return g;
}

bool
s3_object_get_whole(const struct s3_req *r, const struct msg_objrec *rec)
{
	return r->sr_http->hr_head || rec->or_size == 0 || rec->or_inline;
}

void
s3_object_get_send(struct s3_req *r, const struct msg_objrec *rec,
    const struct s3_get *g)
{
	get_body(r, rec, &g->g_rg, g->g_h, g->g_n);
}

void
s3_object_get_respondv(struct s3_req *r, const struct s3_get *g,
    const struct iovec *iov, int niov)
{
	const struct get_range *rg = &g->g_rg;
	struct iovec part[PROTO_SHARDMAX];
	size_t len = (size_t)(rg->gr_last - rg->gr_first + 1);

	if (http_respondv(r->sr_http, rg->gr_partial ? 206 : 200, g->g_h,
	    g->g_n, part, iov_slice(iov, niov, (size_t)rg->gr_first, len,
	    part)) == 0)
		atomic_fetch_add(&r->sr_env->gw_bytes_out, len);
}

void
s3_object_get_free(struct s3_get *g)
{
	if (g == NULL)
		return;
	free(g->g_store);
	free(g);
}

void
s3_object_get(struct s3_req *r)
{
	struct msg_objrec rec;
	struct rpc_call c;
	struct s3_get *g;

	if (s3_version_get(r, &c, &rec) &&	/* else answered */
	    (g = s3_object_get_plan(r, &rec)) != NULL) {
		s3_object_get_send(r, &rec, g);
		s3_object_get_free(g);
	}
	rpc_call_fini(&c);
}

/* --- DELETE ----------------------------------------------------------------------------------- */

void
s3_object_delete(struct s3_req *r)
{
	char want[PROTO_VERIDLEN + 1];
	enum s3_err e;
	int rc;

	if ((e = s3_version_query(r, want)) != S3E_NONE) {
		s3_fail(r, e, NULL);
		return;
	}
	rc = s3_version_delete(r, r->sr_key, proto_str_c(want),
	    r->sr_version_id, &r->sr_delete_marker);
	s3_respond_rc(r, rc, 204);
}

int
s3_object_commit(struct s3_req *r, const struct msg_objrec *rec)
{
	return commit(r, rec);
}

bool
s3_object_commit_unknown(int rc)
{
	return rc == CAIRN_ETIMEDOUT || rc == CAIRN_EUNAVAIL;
}

enum s3_err
s3_object_collect_headers(struct http_req *hr, struct msg_objrec *rec)
{
	return collect_headers(hr, rec);
}

void
s3_object_etag(const struct msg_objrec *rec, char *buf)
{
	s3_multipart_etag(buf, rec->or_etag, rec->or_nparts);
}

/* --- the body of a multipart upload's part ----------------------------------------------- */

/* receive_coded streams the body to new shards and fills rec's layout. */
static enum s3_err
receive_coded(struct s3_req *r, struct msg_objrec *rec, struct put_digest *pd)
{
	struct backend_put bp;
	enum s3_err e;
	int rc;

	if ((rc = backend_put_begin(&r->sr_env->gw_backend, &bp, r->sr_bucket,
	    r->sr_key)) != 0)
		return s3_error_from(rc);
	if ((e = put_stripes(r, &bp, pd, rec)) == S3E_NONE)
		backend_put_layout(&bp, rec);
	else
		backend_put_abort(&bp);
	backend_put_free(&bp);
	return e;
}

/* receive_inline reads the whole (small) body into *buf. */
static enum s3_err
receive_inline(struct msg_objrec *rec, struct put_digest *pd,
    unsigned char **buf)
{
	struct s3_body *bd = pd->pd_body;
	enum s3_err e;
	long n;

	if ((*buf = malloc(rec->or_size + 1)) == NULL)
		return S3E_SLOW_DOWN;
	if ((n = read_full(bd, *buf, rec->or_size)) != (long)rec->or_size)
		return n < 0 && bd->bd_err != S3E_NONE ? bd->bd_err :
		    S3E_INCOMPLETE_BODY;
	digest_update(pd, *buf, rec->or_size);
	if ((e = digest_final(pd, rec->or_etag)) != S3E_NONE)
		return e;
	rec->or_inline = true;
	rec->or_data.ps_ptr = (const char *)*buf;
	rec->or_data.ps_len = rec->or_size;
	return S3E_NONE;
}

enum s3_err
s3_object_receive(struct s3_req *r, struct msg_objrec *rec,
    unsigned char **buf)
{
	return s3_object_receive_ck(r, rec, buf, NULL);
}

enum s3_err
s3_object_receive_ck(struct s3_req *r, struct msg_objrec *rec,
    unsigned char **buf, struct s3_checksum *ck)
{
	struct put_digest pd;
	struct s3_body bd;
	enum s3_err e;

	*buf = NULL;
	memset(&pd, 0, sizeof(pd));
	memset(&bd, 0, sizeof(bd));
	if ((e = put_check(r, &bd)) == S3E_NONE) {
		rec->or_size = bd.bd_size;
		rec->or_mtime_ns = util_now_ns();
		e = digest_init(r, &pd, &bd);
	}
	if (e == S3E_NONE && rec->or_size > r->sr_env->gw_conf.c_inline_max)
		e = receive_coded(r, rec, &pd);
	else if (e == S3E_NONE)
		e = receive_inline(rec, &pd, buf);
	if (ck != NULL) {
		*ck = pd.pd_ck;		/* the result; the context stays */
		ck->ck_md = NULL;
	}
	digest_free(&pd);
	s3_body_close(&bd);
	return e;
}
