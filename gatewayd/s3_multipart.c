/* s3_multipart.c - multipart uploads: create, parts, complete, abort, lists */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "errors.h"
#include "gatewayd.h"
#include "log.h"
#include "util.h"

#define COMPLETE_XMLMAX	(4u << 20)	/* CompleteMultipartUpload body */

/* --- helpers ------------------------------------------------------------------------ */

static bool
method_is(const struct s3_req *r, const char *m)
{
	size_t n = strlen(m);

	return r->sr_http->hr_method_len == n &&
	    memcmp(r->sr_http->hr_method, m, n) == 0;
}

void
s3_multipart_etag(char *buf, const uint8_t *etag, uint32_t nparts)
{
	buf[0] = '"';
	util_hex(buf + 1, etag, 16);
	if (nparts > 0)
		snprintf(buf + 33, 15, "-%u\"", nparts);
	else
		strcpy(buf + 33, "\"");
}

/*
 * upload_ref fills u from the request: bucket, key and the uploadId query
 * parameter, copied into id.  A malformed id cannot name an upload.
 */
static enum s3_err
upload_ref(struct s3_req *r, struct msg_upload_ref *u, char *id)
{
	long n;
	int i;

	u->u_bucket = r->sr_bucket;
	u->u_key = r->sr_key;
	n = s3_query_get(r->sr_http, "uploadId", id, PROTO_UPLOADIDLEN + 1);
	if (n != PROTO_UPLOADIDLEN)
		return S3E_NO_SUCH_UPLOAD;
	for (i = 0; i < PROTO_UPLOADIDLEN; i++)
		if (strchr("0123456789abcdef", id[i]) == NULL)
			return S3E_NO_SUCH_UPLOAD;
	u->u_upload_id.ps_ptr = id;
	u->u_upload_id.ps_len = PROTO_UPLOADIDLEN;
	return S3E_NONE;
}

/* query_uint reads an optional unsigned query parameter into *v. */
static bool
query_uint(struct s3_req *r, const char *name, uint32_t max, uint32_t *v)
{
	char buf[16], *end;
	unsigned long n;
	long len;

	if ((len = s3_query_get(r->sr_http, name, buf, sizeof(buf))) < 0)
		return !s3_query_has(r->sr_http, name);
	if (len == 0 || buf[0] == '-')
		return false;
	n = strtoul(buf, &end, 10);
	if (*end != '\0')
		return false;
	*v = n > max ? max : (uint32_t)n;
	return true;
}

static void
xml_owner(struct s3_req *r, struct s3_xml *x, const char *tag)
{
	s3_xml_open(x, tag);
	s3_xml_str(x, "ID", r->sr_owner_id);
	s3_xml_str(x, "DisplayName", r->sr_owner_name);
	s3_xml_close(x, tag);
}

static void
xml_send(struct s3_req *r, struct s3_xml *x)
{
	if (x->x_err)
		s3_fail(r, S3E_SLOW_DOWN, NULL);
	else
		s3_respond_xml(r, x->x_buf, x->x_len);
	s3_xml_free(x);
}

/* --- CreateMultipartUpload ------------------------------------------------------ */

static void
upload_create(struct s3_req *r)
{
	struct backend *be = &r->sr_env->gw_backend;
	struct msg_upload_create *uc;
	struct s3_mpck m;
	char id[PROTO_UPLOADIDLEN + 1];
	uint8_t rnd[8];
	struct s3_xml x;
	enum s3_err e;
	int rc;

	if ((uc = calloc(1, sizeof(*uc))) == NULL) {
		s3_fail(r, S3E_SLOW_DOWN, NULL);
		return;
	}
	/* The time first: upload ids of one key sort by initiation. */
	uc->uc_rec.or_mtime_ns = util_now_ns();
	util_random(rnd, sizeof(rnd));
	snprintf(id, 17, "%016" PRIx64, uc->uc_rec.or_mtime_ns);
	util_hex(id + 16, rnd, sizeof(rnd));
	uc->uc_ref = (struct msg_upload_ref){ r->sr_bucket, r->sr_key,
	    { id, PROTO_UPLOADIDLEN } };
	backend_upload_layout(be, r->sr_bucket, r->sr_key, &uc->uc_rec);
	/* The template stores no data; its data id is the upload id's. */
	util_unhex(uc->uc_rec.or_data_id, id, PROTO_IDLEN);
	memset(&m, 0, sizeof(m));
	if ((e = s3_object_collect_headers(r->sr_http, &uc->uc_rec)) !=
	    S3E_NONE || (e = s3_acl_from_request(r, &uc->uc_rec)) != S3E_NONE ||
	    (e = s3_lock_from_request(r, &uc->uc_rec)) != S3E_NONE ||
	    (e = s3_mpck_create(r, &uc->uc_rec, &m)) != S3E_NONE)
		s3_fail(r, e, m.mk_msg[0] != '\0' ? m.mk_msg : NULL);
	else if ((rc = backend_upload_create(be, uc)) != 0)
		s3_fail_rc(r, rc);
	else {
		s3_xml_init(&x);
		s3_xml_open_ns(&x, "InitiateMultipartUploadResult");
		s3_xml_text(&x, "Bucket", r->sr_bucket.ps_ptr,
		    r->sr_bucket.ps_len);
		s3_xml_text(&x, "Key", r->sr_key.ps_ptr, r->sr_key.ps_len);
		s3_xml_str(&x, "UploadId", id);
		s3_xml_close(&x, "InitiateMultipartUploadResult");
		s3_mpck_respond_create(r, &m, &x);
	}
	s3_mpck_free(&m);
	free(uc);
}

/* --- UploadPart -------------------------------------------------------------------- */

/* part_commit records the received part and drops the one it replaced. */
static int
part_commit(struct s3_req *r, struct msg_part_put *pp)
{
	struct backend *be = &r->sr_env->gw_backend;
	struct msg_objrec *old;
	struct rpc_call c;
	bool has_old;
	int rc;

	if ((old = malloc(sizeof(*old))) == NULL)
		return CAIRN_ENOMEM;
	rc = backend_upload_part(be, &c, pp, old, &has_old);
	if (rc == 0 && has_old)
		backend_shards_delete(be, old);
	rpc_call_fini(&c);
	free(old);
	return rc;
}

/* upload_exists answers NoSuchUpload before any shard is written, and
 * reads the upload's checksum into m. */
static int
upload_exists(struct s3_req *r, const struct msg_upload_ref *u,
    struct s3_mpck *m)
{
	struct msg_objrec *t;
	struct rpc_call c;
	int rc;

	memset(m, 0, sizeof(*m));
	if ((t = malloc(sizeof(*t))) == NULL)
		return CAIRN_ENOMEM;
	rc = backend_upload_get(&r->sr_env->gw_backend, &c, u, t);
	if (rc == 0)
		s3_mpck_load(m, t);
	rpc_call_fini(&c);
	free(t);
	return rc;
}

/* part_receive reads the part from the body, its checksum as the
 * upload asks, and keeps the checksum with the part. */
static enum s3_err
part_receive(struct s3_req *r, struct msg_part_put *pp, unsigned char **buf,
    struct s3_mpck *m, struct s3_checksum *ck)
{
	enum s3_err e;

	memset(ck, 0, sizeof(*ck));
	if ((e = s3_mpck_part_check(r, m)) != S3E_NONE)
		return e;
	e = s3_object_receive_ck(r, &pp->pp_rec, buf, ck);
	if (e != S3E_NONE) {
		if (e == S3E_INVALID_REQUEST || e == S3E_BAD_DIGEST)
			snprintf(m->mk_msg, sizeof(m->mk_msg), "%s",
			    ck->ck_msg);
		return e;
	}
	if (ck->ck_name[0] != '\0') {
		pp->pp_rec.or_hdr_name[0] = proto_str_c(ck->ck_name);
		pp->pp_rec.or_hdr_value[0] = proto_str_c(ck->ck_value);
		pp->pp_rec.or_nhdrs = 1;
	}
	return S3E_NONE;
}

/* part_copy copies a part from an object; one with a checksum would
 * need the copied bytes' checksum, which cairn does not compute. */
static enum s3_err
part_copy(struct s3_req *r, struct msg_part_put *pp, unsigned char **buf,
    struct s3_mpck *m)
{
	if (s3_mpck_has(m)) {
		snprintf(m->mk_msg, sizeof(m->mk_msg), "UploadPartCopy into "
		    "an upload with a checksum algorithm is not implemented");
		return S3E_NOT_IMPLEMENTED;
	}
	return s3_copy_part(r, &pp->pp_rec, buf);
}

/* part_put stores a part from the body, or copied from an object. */
static void
part_put(struct s3_req *r, struct msg_part_put *pp)
{
	bool copy = http_header(r->sr_http, "x-amz-copy-source", NULL) != NULL;
	unsigned char *buf = NULL;
	char etag[48];
	struct http_hdr_out hdr[2] = { { "etag", etag }, { NULL, NULL } };
	struct s3_checksum ck;
	struct s3_mpck m;
	enum s3_err e;
	int rc;

	if ((rc = upload_exists(r, &pp->pp_ref, &m)) != 0) {
		s3_fail_rc(r, rc);
		return;
	}
	memset(&ck, 0, sizeof(ck));
	if (copy)
		e = part_copy(r, pp, &buf, &m);
	else
		e = part_receive(r, pp, &buf, &m, &ck);
	if (e != S3E_NONE) {
		s3_fail(r, e, m.mk_msg[0] != '\0' ? m.mk_msg : NULL);
	} else if ((rc = part_commit(r, pp)) != 0) {
		/* Without an answer the part may be recorded: its shards
		 * stay, for the sweep if not. */
		if (!s3_object_commit_unknown(rc))
			backend_shards_delete(&r->sr_env->gw_backend,
			    &pp->pp_rec);
		s3_fail_rc(r, rc);
	} else if (copy) {
		s3_copy_part_result(r, &pp->pp_rec);
	} else {
		s3_multipart_etag(etag, pp->pp_rec.or_etag, 0);
		hdr[1] = (struct http_hdr_out){ ck.ck_name, ck.ck_value };
		s3_respond_empty(r, 200, hdr, ck.ck_name[0] != '\0' ? 2 : 1);
	}
	s3_mpck_free(&m);
	free(buf);
}

static void
upload_part(struct s3_req *r)
{
	struct msg_part_put *pp;
	char id[PROTO_UPLOADIDLEN + 1];
	uint32_t n = 0;
	enum s3_err e;

	if (!query_uint(r, "partNumber", UINT32_MAX, &n) || n < 1 ||
	    n > PROTO_PARTMAX) {
		s3_fail(r, S3E_INVALID_ARGUMENT, "Part number must be an "
		    "integer between 1 and 10000, inclusive");
		return;
	}
	if ((pp = calloc(1, sizeof(*pp))) == NULL) {
		s3_fail(r, S3E_SLOW_DOWN, NULL);
		return;
	}
	pp->pp_number = n;
	if ((e = upload_ref(r, &pp->pp_ref, id)) != S3E_NONE)
		s3_fail(r, e, NULL);
	else
		part_put(r, pp);
	free(pp);
}

/* --- CompleteMultipartUpload: the XML body ---------------------------------------- */

/*
 * What the expat callbacks build: the parts listed, in document order.
 * cp_text collects the character data of the element being read.
 */
struct complete_parse {
	uint32_t	 cp_n;
	uint32_t	*cp_numbers;
	uint8_t		(*cp_etags)[16];
	struct s3_mpck_part *cp_cksums;
	int		 cp_depth;
	bool		 cp_bad;	/* not the schema: MalformedXML */
	bool		 cp_has_num, cp_has_etag;
	bool		 cp_in_text;
	char		 cp_text[128];
	size_t		 cp_textlen;
};

static void
on_start(void *arg, const char *name, const char **attrs)
{
	struct complete_parse *cp = arg;

	(void)attrs;
	cp->cp_depth++;
	cp->cp_in_text = false;
	if (cp->cp_depth == 1 && strcmp(name, "CompleteMultipartUpload") != 0)
		cp->cp_bad = true;
	else if (cp->cp_depth == 2 && strcmp(name, "Part") == 0) {
		if (cp->cp_n == PROTO_PARTMAX)
			cp->cp_bad = true;
		cp->cp_has_num = cp->cp_has_etag = false;
	} else if (cp->cp_depth == 2)
		cp->cp_bad = true;
	else if (cp->cp_depth == 3) {
		cp->cp_in_text = true;
		cp->cp_textlen = 0;
	}
}

static void
on_text(void *arg, const char *s, int len)
{
	struct complete_parse *cp = arg;

	if (!cp->cp_in_text)
		return;
	if (!xml_text_add(cp->cp_text, sizeof(cp->cp_text), &cp->cp_textlen,
	    s, len))
		cp->cp_textlen = sizeof(cp->cp_text);	/* too long for both */
}

/* trim returns the text without surrounding blanks and quotes. */
static char *
trim(char *s, size_t *len, const char *strip)
{
	while (*len > 0 && strchr(strip, s[*len - 1]) != NULL)
		(*len)--;
	while (*len > 0 && strchr(strip, s[0]) != NULL) {
		s++;
		(*len)--;
	}
	s[*len] = '\0';
	return s;
}

/* field_cksum takes the text of a Checksum<ALG>; one too long for any
 * algorithm is kept as one that matches none. */
static void
field_cksum(struct s3_mpck_part *p, const char *alg, char *text, size_t len)
{
	const char *t = trim(text, &len, " \t\r\n");

	snprintf(p->mp_alg, sizeof(p->mp_alg), "%s", alg);
	snprintf(p->mp_value, sizeof(p->mp_value), "%s",
	    len < sizeof(p->mp_value) ? t : "?");
}

/* field_end takes the text of a PartNumber, ETag or Checksum<ALG>. */
static void
field_end(struct complete_parse *cp, const char *name)
{
	size_t len = cp->cp_textlen < sizeof(cp->cp_text) ? cp->cp_textlen : 0;
	unsigned long n;
	char *t, *end;

	cp->cp_text[len] = '\0';
	if (strcmp(name, "PartNumber") == 0) {
		t = trim(cp->cp_text, &len, " \t\r\n");
		n = strtoul(t, &end, 10);
		if (len == 0 || *end != '\0' || n < 1 || n > PROTO_PARTMAX ||
		    t[0] == '-')
			cp->cp_bad = true;
		cp->cp_numbers[cp->cp_n] = (uint32_t)n;
		cp->cp_has_num = true;
	} else if (strcmp(name, "ETag") == 0) {
		/* An ETag that is no MD5 matches no part: InvalidPart, once
		 * metad has seen that the upload exists. */
		t = trim(cp->cp_text, &len, " \t\r\n\"");
		if (len != 32 || util_unhex(cp->cp_etags[cp->cp_n], t, 16) != 0)
			memset(cp->cp_etags[cp->cp_n], 0, 16);
		cp->cp_has_etag = true;
	} else if (strncmp(name, "Checksum", 8) == 0 &&
	    strlen(name + 8) < sizeof(cp->cp_cksums[0].mp_alg)) {
		field_cksum(&cp->cp_cksums[cp->cp_n], name + 8, cp->cp_text,
		    len);
	}
}

static void
on_end(void *arg, const char *name)
{
	struct complete_parse *cp = arg;

	if (cp->cp_depth == 3)
		field_end(cp, name);
	else if (cp->cp_depth == 2 && !cp->cp_bad) {
		if (!cp->cp_has_num || !cp->cp_has_etag)
			cp->cp_bad = true;
		else
			cp->cp_n++;
	}
	cp->cp_in_text = false;
	cp->cp_depth--;
}

static const struct xml_sax complete_sax = { on_start, on_end, on_text };

/* complete_parse_body parses the document (xml_parse: no DTD, no entities). */
static enum s3_err
complete_parse_body(struct complete_parse *cp, const char *doc, size_t len)
{
	enum s3_err e;

	e = s3_xml_parse(doc, len, &complete_sax, cp);
	if (e == S3E_NONE && (cp->cp_bad || cp->cp_n == 0))
		e = S3E_MALFORMED_XML;
	return e;
}

/* --- CompleteMultipartUpload --------------------------------------------------------- */

/* complete_check refuses parts out of order and computes the ETag. */
static enum s3_err
complete_check(const struct complete_parse *cp, uint8_t *etag)
{
	EVP_MD_CTX *md;
	uint32_t i;

	for (i = 1; i < cp->cp_n; i++)
		if (cp->cp_numbers[i] <= cp->cp_numbers[i - 1])
			return S3E_INVALID_PART_ORDER;
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex2(md, hash_md5(), NULL) != 1) {
		EVP_MD_CTX_free(md);
		return S3E_SLOW_DOWN;
	}
	for (i = 0; i < cp->cp_n; i++)
		EVP_DigestUpdate(md, cp->cp_etags[i], 16);
	EVP_DigestFinal_ex(md, etag, NULL);
	EVP_MD_CTX_free(md);
	return S3E_NONE;
}

static void
complete_ok(struct s3_req *r, const struct msg_objrec *rec,
    const struct s3_mpck *m)
{
	const char *host;
	char etag[48], loc[PROTO_KEYMAX * 3 + 400];
	size_t hlen = 0;
	struct s3_xml x;

	host = http_header(r->sr_http, "host", &hlen);
	snprintf(loc, sizeof(loc), "http://%.*s%s", host ? (int)hlen : 0,
	    host ? host : "", r->sr_resource);
	s3_multipart_etag(etag, rec->or_etag, rec->or_nparts);
	s3_xml_init(&x);
	s3_xml_open_ns(&x, "CompleteMultipartUploadResult");
	s3_xml_str(&x, "Location", loc);
	s3_xml_text(&x, "Bucket", r->sr_bucket.ps_ptr, r->sr_bucket.ps_len);
	s3_xml_text(&x, "Key", r->sr_key.ps_ptr, r->sr_key.ps_len);
	s3_xml_str(&x, "ETag", etag);
	s3_mpck_xml(&x, m);
	s3_xml_close(&x, "CompleteMultipartUploadResult");
	xml_send(r, &x);
}

/* complete_commit asks metad to make the object, then frees what the
 * new record no longer needs. */
static void
complete_commit(struct s3_req *r, struct msg_upload_complete *cc,
    const struct s3_mpck *m)
{
	struct backend *be = &r->sr_env->gw_backend;
	struct msg_upload_done *ud;
	struct rpc_call c;
	int rc;

	if ((ud = malloc(sizeof(*ud))) == NULL) {
		s3_fail(r, S3E_SLOW_DOWN, NULL);
		return;
	}
	if ((rc = backend_upload_complete(be, &c, cc, ud)) != 0) {
		s3_fail_rc(r, rc);
	} else {
		if (ud->ud_has_old)
			backend_shards_delete(be, &ud->ud_old);
		backend_upload_drop(be, &ud->ud_rec, ud->ud_dropped);
		s3_version_note(r, ud->ud_rec.or_version_id);
		complete_ok(r, &ud->ud_rec, m);
	}
	rpc_call_fini(&c);
	free(ud);
}

/*
 * complete_cksum checks the parts' checksums if the upload has an
 * algorithm, and makes the object's.
 */
static enum s3_err
complete_cksum(struct s3_req *r, const struct complete_parse *cp,
    struct msg_upload_complete *cc, struct s3_mpck *m)
{
	struct s3_mpck_listed l = { &cc->cc_ref, cp->cp_n, cp->cp_numbers,
	    cp->cp_cksums };
	struct msg_objrec *t;
	struct rpc_call c;
	int rc;

	if ((t = malloc(sizeof(*t))) == NULL)
		return S3E_SLOW_DOWN;
	rc = backend_upload_get(&r->sr_env->gw_backend, &c, &cc->cc_ref, t);
	if (rc == 0)
		s3_mpck_load(m, t);
	rpc_call_fini(&c);
	free(t);
	if (rc != 0)
		return s3_error_from(rc);
	return s3_mpck_complete(r, m, &l, cc);
}

static void
upload_complete(struct s3_req *r)
{
	struct complete_parse cp;
	struct msg_upload_complete cc;
	struct s3_mpck m;
	char id[PROTO_UPLOADIDLEN + 1], *doc = NULL;
	size_t len = 0;
	enum s3_err e;

	memset(&cp, 0, sizeof(cp));
	memset(&cc, 0, sizeof(cc));
	memset(&m, 0, sizeof(m));
	cp.cp_numbers = calloc(PROTO_PARTMAX, sizeof(*cp.cp_numbers));
	cp.cp_etags = calloc(PROTO_PARTMAX, sizeof(*cp.cp_etags));
	cp.cp_cksums = calloc(PROTO_PARTMAX, sizeof(*cp.cp_cksums));
	if (cp.cp_numbers == NULL || cp.cp_etags == NULL ||
	    cp.cp_cksums == NULL)
		e = S3E_SLOW_DOWN;
	else if ((e = upload_ref(r, &cc.cc_ref, id)) == S3E_NONE &&
	    (e = s3_body_whole(r, COMPLETE_XMLMAX, S3E_MALFORMED_XML, &doc,
	    &len)) == S3E_NONE &&
	    (e = complete_parse_body(&cp, doc, len)) == S3E_NONE &&
	    (e = complete_check(&cp, cc.cc_etag)) == S3E_NONE)
		e = complete_cksum(r, &cp, &cc, &m);
	if (e != S3E_NONE) {
		s3_fail(r, e, m.mk_msg[0] != '\0' ? m.mk_msg : NULL);
	} else {
		cc.cc_mtime_ns = util_now_ns();
		cc.cc_nparts = cp.cp_n;
		cc.cc_numbers = cp.cp_numbers;
		cc.cc_etags = (const uint8_t (*)[16])cp.cp_etags;
		complete_commit(r, &cc, &m);
	}
	s3_mpck_free(&m);
	free(doc);
	free(cp.cp_numbers);
	free(cp.cp_etags);
	free(cp.cp_cksums);
}

/* --- AbortMultipartUpload ---------------------------------------------------------- */

static void
upload_abort(struct s3_req *r)
{
	struct backend *be = &r->sr_env->gw_backend;
	struct msg_upload_ref u;
	struct msg_upload_done *ud;
	char id[PROTO_UPLOADIDLEN + 1];
	struct rpc_call c;
	enum s3_err e;
	int rc;

	if ((e = upload_ref(r, &u, id)) != S3E_NONE) {
		s3_fail(r, e, NULL);
		return;
	}
	if ((ud = malloc(sizeof(*ud))) == NULL) {
		s3_fail(r, S3E_SLOW_DOWN, NULL);
		return;
	}
	if ((rc = backend_upload_abort(be, &c, &u, ud)) != 0) {
		s3_fail_rc(r, rc);
	} else {
		backend_upload_drop(be, &ud->ud_rec, ud->ud_dropped);
		s3_respond_empty(r, 204, NULL, 0);
	}
	rpc_call_fini(&c);
	free(ud);
}

/* --- ListParts ------------------------------------------------------------------------- */

static void
parts_xml(struct s3_req *r, const struct msg_part_list_req *pl,
    const struct msg_part_list_reply *pr, const struct s3_mpck *m)
{
	char date[40], etag[48];
	struct s3_xml x;
	uint32_t i;

	s3_xml_init(&x);
	s3_xml_open_ns(&x, "ListPartsResult");
	s3_xml_text(&x, "Bucket", r->sr_bucket.ps_ptr, r->sr_bucket.ps_len);
	s3_xml_text(&x, "Key", r->sr_key.ps_ptr, r->sr_key.ps_len);
	s3_xml_text(&x, "UploadId", pl->pl_ref.u_upload_id.ps_ptr,
	    PROTO_UPLOADIDLEN);
	xml_owner(r, &x, "Initiator");
	xml_owner(r, &x, "Owner");
	s3_xml_str(&x, "StorageClass", "STANDARD");
	s3_mpck_upload_xml(&x, m);
	s3_xml_u64(&x, "PartNumberMarker", pl->pl_marker);
	s3_xml_u64(&x, "NextPartNumberMarker", pr->pr_next);
	s3_xml_u64(&x, "MaxParts", pl->pl_max);
	s3_xml_bool(&x, "IsTruncated", pr->pr_truncated);
	for (i = 0; i < pr->pr_nentries; i++) {
		s3_xml_open(&x, "Part");
		s3_xml_u64(&x, "PartNumber", pr->pr_entries[i].pe_number);
		s3_time_iso(pr->pr_entries[i].pe_mtime_ns, date, sizeof(date));
		s3_xml_str(&x, "LastModified", date);
		s3_multipart_etag(etag, pr->pr_entries[i].pe_etag, 0);
		s3_xml_str(&x, "ETag", etag);
		s3_xml_u64(&x, "Size", pr->pr_entries[i].pe_size);
		s3_mpck_part_xml(&x, pr->pr_entries[i].pe_cksum_name,
		    pr->pr_entries[i].pe_cksum);
		s3_xml_close(&x, "Part");
	}
	s3_xml_close(&x, "ListPartsResult");
	xml_send(r, &x);
}

static void
list_parts(struct s3_req *r)
{
	struct msg_part_list_req pl;
	struct msg_part_list_reply pr;
	char id[PROTO_UPLOADIDLEN + 1];
	struct rpc_call c;
	struct s3_mpck m;
	enum s3_err e;
	int rc;

	memset(&pl, 0, sizeof(pl));
	pl.pl_max = PROTO_LISTMAX;
	if ((e = upload_ref(r, &pl.pl_ref, id)) != S3E_NONE) {
		s3_fail(r, e, NULL);
		return;
	}
	if (!query_uint(r, "max-parts", PROTO_LISTMAX, &pl.pl_max) ||
	    !query_uint(r, "part-number-marker", UINT32_MAX, &pl.pl_marker)) {
		s3_fail(r, S3E_INVALID_ARGUMENT, NULL);
		return;
	}
	if ((rc = upload_exists(r, &pl.pl_ref, &m)) != 0) {
		s3_fail_rc(r, rc);
		return;
	}
	rc = backend_upload_parts(&r->sr_env->gw_backend, &c, &pl, &pr);
	if (rc != 0)
		s3_fail_rc(r, rc);
	else
		parts_xml(r, &pl, &pr, &m);
	msg_part_list_reply_free(&pr);
	rpc_call_fini(&c);
	s3_mpck_free(&m);
}

/* --- ListMultipartUploads ------------------------------------------------------------ */

/* The query of a ListMultipartUploads, decoded; the strings point here. */
struct uploads_query {
	char	uq_prefix[PROTO_KEYMAX + 1];
	char	uq_delimiter[PROTO_KEYMAX + 1];
	char	uq_key_marker[PROTO_KEYMAX + 1];
	char	uq_id_marker[PROTO_UPLOADIDLEN + 1];
	char	uq_enc[8];
	bool	uq_urlenc;
};

/* opt_str reads an optional query string parameter into buf. */
static bool
opt_str(struct s3_req *r, const char *name, char *buf, size_t len,
    struct proto_str *out)
{
	long n = s3_query_get(r->sr_http, name, buf, len);

	if (n < 0) {
		buf[0] = '\0';
		n = 0;
		if (s3_query_has(r->sr_http, name)) {
			/* present but too long or badly encoded */
			return false;
		}
	}
	out->ps_ptr = buf;
	out->ps_len = (size_t)n;
	return true;
}

static enum s3_err
uploads_params(struct s3_req *r, struct uploads_query *q,
    struct msg_upload_list_req *ul)
{
	struct proto_str enc;

	memset(ul, 0, sizeof(*ul));
	ul->ul_bucket = r->sr_bucket;
	ul->ul_upload_id_marker = proto_str_c("");
	ul->ul_max = PROTO_LISTMAX;
	if (!opt_str(r, "prefix", q->uq_prefix, sizeof(q->uq_prefix),
	    &ul->ul_prefix) ||
	    !opt_str(r, "delimiter", q->uq_delimiter, sizeof(q->uq_delimiter),
	    &ul->ul_delimiter) ||
	    !opt_str(r, "key-marker", q->uq_key_marker,
	    sizeof(q->uq_key_marker), &ul->ul_key_marker) ||
	    !opt_str(r, "encoding-type", q->uq_enc, sizeof(q->uq_enc), &enc) ||
	    !query_uint(r, "max-uploads", PROTO_LISTMAX, &ul->ul_max))
		return S3E_INVALID_ARGUMENT;
	if (enc.ps_len > 0 && !proto_str_eq(enc, "url"))
		return S3E_INVALID_ARGUMENT;
	q->uq_urlenc = enc.ps_len > 0;
	/* S3 ignores an upload-id-marker without a key-marker. */
	if (ul->ul_key_marker.ps_len > 0 && !opt_str(r, "upload-id-marker",
	    q->uq_id_marker, sizeof(q->uq_id_marker),
	    &ul->ul_upload_id_marker))
		return S3E_INVALID_ARGUMENT;
	return S3E_NONE;
}

static void
upload_entry_xml(struct s3_req *r, struct s3_xml *x,
    const struct msg_upload_entry *e)
{
	char date[40];

	s3_xml_open(x, "Upload");
	s3_xml_key(x, "Key", e->ue_key);
	s3_xml_text(x, "UploadId", e->ue_upload_id.ps_ptr,
	    e->ue_upload_id.ps_len);
	xml_owner(r, x, "Initiator");
	xml_owner(r, x, "Owner");
	s3_xml_str(x, "StorageClass", "STANDARD");
	s3_time_iso(e->ue_initiated_ns, date, sizeof(date));
	s3_xml_str(x, "Initiated", date);
	s3_xml_close(x, "Upload");
}

static void
uploads_xml(struct s3_req *r, const struct uploads_query *q,
    const struct msg_upload_list_req *ul,
    const struct msg_upload_list_reply *ur)
{
	struct s3_xml x;
	uint32_t i;

	s3_xml_init(&x);
	x.x_urlenc = q->uq_urlenc;
	s3_xml_open_ns(&x, "ListMultipartUploadsResult");
	s3_xml_text(&x, "Bucket", r->sr_bucket.ps_ptr, r->sr_bucket.ps_len);
	s3_xml_key(&x, "KeyMarker", ul->ul_key_marker);
	s3_xml_text(&x, "UploadIdMarker", ul->ul_upload_id_marker.ps_ptr,
	    ul->ul_upload_id_marker.ps_len);
	s3_xml_key(&x, "NextKeyMarker", ur->ur_next_key);
	s3_xml_text(&x, "NextUploadIdMarker", ur->ur_next_upload_id.ps_ptr,
	    ur->ur_next_upload_id.ps_len);
	if (q->uq_urlenc)
		s3_xml_str(&x, "EncodingType", "url");
	s3_xml_key(&x, "Prefix", ul->ul_prefix);
	if (ul->ul_delimiter.ps_len > 0)
		s3_xml_key(&x, "Delimiter", ul->ul_delimiter);
	s3_xml_u64(&x, "MaxUploads", ul->ul_max);
	s3_xml_bool(&x, "IsTruncated", ur->ur_truncated);
	for (i = 0; i < ur->ur_nentries; i++)
		upload_entry_xml(r, &x, &ur->ur_entries[i]);
	for (i = 0; i < ur->ur_nprefixes; i++) {
		s3_xml_open(&x, "CommonPrefixes");
		s3_xml_key(&x, "Prefix", ur->ur_prefixes[i]);
		s3_xml_close(&x, "CommonPrefixes");
	}
	s3_xml_close(&x, "ListMultipartUploadsResult");
	xml_send(r, &x);
}

void
s3_multipart_list_uploads(struct s3_req *r)
{
	struct uploads_query *q;
	struct msg_upload_list_req ul;
	struct msg_upload_list_reply ur;
	struct rpc_call c;
	enum s3_err e;
	int rc;

	if ((q = calloc(1, sizeof(*q))) == NULL) {
		s3_fail(r, S3E_SLOW_DOWN, NULL);
		return;
	}
	if ((e = uploads_params(r, q, &ul)) != S3E_NONE) {
		s3_fail(r, e, NULL);
		free(q);
		return;
	}
	rc = backend_upload_list(&r->sr_env->gw_backend, &c, &ul, &ur);
	if (rc != 0)
		s3_fail_rc(r, rc);
	else
		uploads_xml(r, q, &ul, &ur);
	msg_upload_list_reply_free(&ur);
	rpc_call_fini(&c);
	free(q);
}

/* --- DeleteBucket ------------------------------------------------------------------------ */

/* bucket_has_objects tells whether a listing finds any key (or fails). */
static bool
bucket_has_objects(struct s3_req *r)
{
	struct msg_list_req l;
	struct msg_list_reply lr;
	struct rpc_call c;
	bool any;

	memset(&l, 0, sizeof(l));
	l.l_bucket = r->sr_bucket;
	l.l_max_keys = 1;
	any = backend_obj_list(&r->sr_env->gw_backend, &c, &l, &lr) != 0 ||
	    lr.lr_nentries > 0 || lr.lr_nprefixes > 0;
	msg_list_reply_free(&lr);
	rpc_call_fini(&c);
	return any;
}

/* abort_one aborts one upload and deletes its parts' shards. */
static void
abort_one(struct s3_req *r, const struct msg_upload_entry *e)
{
	struct backend *be = &r->sr_env->gw_backend;
	struct msg_upload_ref u = { r->sr_bucket, e->ue_key, e->ue_upload_id };
	struct msg_upload_done *ud;
	struct rpc_call c;

	if ((ud = malloc(sizeof(*ud))) == NULL)
		return;
	if (backend_upload_abort(be, &c, &u, ud) == 0)
		backend_upload_drop(be, &ud->ud_rec, ud->ud_dropped);
	rpc_call_fini(&c);
	free(ud);
}

void
s3_multipart_bucket_drop(struct s3_req *r)
{
	struct msg_upload_list_req ul;
	struct msg_upload_list_reply ur;
	struct rpc_call c;
	uint32_t i;
	bool more = true;
	int rc;

	if (bucket_has_objects(r))
		return;		/* DeleteBucket fails: keep the uploads */
	memset(&ul, 0, sizeof(ul));
	ul.ul_bucket = r->sr_bucket;
	ul.ul_max = PROTO_LISTMAX;
	/* Each page starts from the first upload: the last one is gone. */
	while (more) {
		rc = backend_upload_list(&r->sr_env->gw_backend, &c, &ul, &ur);
		more = rc == 0 && ur.ur_truncated && ur.ur_nentries > 0;
		for (i = 0; rc == 0 && i < ur.ur_nentries; i++)
			abort_one(r, &ur.ur_entries[i]);
		msg_upload_list_reply_free(&ur);
		rpc_call_fini(&c);
	}
}

/* --- routing --------------------------------------------------------------------------- */

bool
s3_multipart_route(struct s3_req *r)
{
	bool uploads = s3_query_has(r->sr_http, "uploads");
	bool id = s3_query_has(r->sr_http, "uploadId");

	if (!uploads && !id)
		return false;
	if (uploads && !id && method_is(r, "POST"))
		upload_create(r);
	else if (!id)
		s3_fail(r, S3E_METHOD_NOT_ALLOWED, NULL);
	else if (method_is(r, "PUT"))
		upload_part(r);
	else if (method_is(r, "POST"))
		upload_complete(r);
	else if (method_is(r, "GET"))
		list_parts(r);
	else if (method_is(r, "DELETE"))
		upload_abort(r);
	else
		s3_fail(r, S3E_METHOD_NOT_ALLOWED, NULL);
	return true;
}

/* --- GET of a multipart object -------------------------------------------------------- */

/*
 * A reader of a multipart object, part after part.  mr_view describes the
 * current coded part as an object of its own (its size and data id, the
 * record's layout) so that backend_get reads it; one stripe buffer at a
 * time, whatever the object's size.
 */
struct mp_reader {
	struct backend		*mr_be;
	const struct msg_objrec	*mr_rec;
	struct msg_objrec	*mr_view;
	struct backend_get	 mr_get;
	bool			 mr_open;
	uint32_t		 mr_idx;	/* current part */
	struct msg_objpart	 mr_part;
	uint64_t		 mr_start;	/* its first byte in the object */
};

/* mr_enter makes part i current (its first byte is at start). */
static int
mr_enter(struct mp_reader *m, uint32_t i, uint64_t start)
{
	if (m->mr_open)
		backend_get_free(&m->mr_get);
	m->mr_open = false;
	m->mr_idx = i;
	m->mr_start = start;
	msg_objpart_get(m->mr_rec, i, &m->mr_part);
	if (m->mr_part.op_inline)
		return 0;
	*m->mr_view = *m->mr_rec;
	m->mr_view->or_nparts = 0;
	m->mr_view->or_size = m->mr_part.op_size;
	memcpy(m->mr_view->or_data_id, m->mr_part.op_data_id, PROTO_IDLEN);
	m->mr_open = true;
	return backend_get_begin(m->mr_be, &m->mr_get, m->mr_view);
}

/* mr_seek makes current the part holding byte off of the object. */
static int
mr_seek(struct mp_reader *m, uint64_t off)
{
	uint64_t start = m->mr_start;
	uint32_t i = m->mr_idx;
	struct msg_objpart p;

	if (m->mr_view == NULL || off < start) {
		i = 0;
		start = 0;
	}
	for (;;) {
		msg_objpart_get(m->mr_rec, i, &p);
		if (off < start + p.op_size || i + 1 == m->mr_rec->or_nparts)
			break;
		start += p.op_size;
		i++;
	}
	if (m->mr_view != NULL && i == m->mr_idx && start == m->mr_start &&
	    (m->mr_open || m->mr_part.op_inline))
		return 0;
	if (m->mr_view == NULL &&
	    (m->mr_view = malloc(sizeof(*m->mr_view))) == NULL)
		return CAIRN_ENOMEM;
	return mr_enter(m, i, start);
}

/* mr_read returns the bytes from off to the end of its stripe or part. */
static int
mr_read(struct mp_reader *m, uint64_t off, const unsigned char **data,
    size_t *len)
{
	const unsigned char *s;
	uint64_t in;
	size_t slen;
	int rc;

	if ((rc = mr_seek(m, off)) != 0)
		return rc;
	in = off - m->mr_start;
	if (m->mr_part.op_inline) {
		*data = (const unsigned char *)m->mr_part.op_data.ps_ptr + in;
		*len = (size_t)(m->mr_part.op_size - in);
		return 0;
	}
	rc = backend_get_stripe(&m->mr_get, in / PROTO_STRIPE, &s, &slen);
	if (rc != 0)
		return rc;
	*data = s + in % PROTO_STRIPE;
	*len = slen - (size_t)(in % PROTO_STRIPE);
	return 0;
}

static void
mr_free(struct mp_reader *m)
{
	if (m->mr_open)
		backend_get_free(&m->mr_get);
	free(m->mr_view);
}

void
s3_multipart_stream(struct s3_req *r, const struct msg_objrec *rec,
    uint64_t first, uint64_t last, int status, const struct http_hdr_out *h,
    size_t n)
{
	struct mp_reader m = { .mr_be = &r->sr_env->gw_backend, .mr_rec = rec };
	const unsigned char *data;
	uint64_t off = first, want;
	size_t len;
	int rc;

	/* Read the first piece before answering, so a failure is an error. */
	if ((rc = mr_read(&m, off, &data, &len)) != 0) {
		mr_free(&m);
		s3_fail_rc(r, rc);
		return;
	}
	if (http_stream_start(r->sr_http, status, h, n, last - first + 1) != 0)
		goto out;
	for (;;) {
		want = last - off + 1 < len ? last - off + 1 : len;
		if (http_stream_write(r->sr_http, data, (size_t)want) != 0)
			goto out;
		atomic_fetch_add(&r->sr_env->gw_bytes_out, want);
		off += want;
		if (off > last)
			break;
		if ((rc = mr_read(&m, off, &data, &len)) != 0) {
			log_warnx("%s: %s: offset %" PRIu64 ": %s",
			    r->sr_http->hr_id, r->sr_resource, off,
			    cairn_strerror(rc));
			http_stream_abort(r->sr_http);
			goto out;
		}
	}
	http_stream_end(r->sr_http);
out:
	mr_free(&m);
}
