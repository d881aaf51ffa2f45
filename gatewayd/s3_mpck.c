/* s3_mpck.c - the checksums of multipart uploads: per part and whole */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "errors.h"
#include "gatewayd.h"

#define ALG_HDR		"x-amz-checksum-algorithm"
#define TYPE_HDR	"x-amz-checksum-type"

/* What one listed part's stored checksum turned out to be. */
struct part_ck {
	unsigned char	pc_digest[32];
	uint64_t	pc_size;
	bool		pc_have;
};

static enum s3_err
mpck_refuse(struct s3_mpck *m, enum s3_err e, const char *msg)
{
	snprintf(m->mk_msg, sizeof(m->mk_msg), "%s", msg);
	return e;
}

/* mpck_type reads x-amz-checksum-type, or the algorithm's default. */
static enum s3_err
mpck_type(struct s3_mpck *m, const char *v, size_t len)
{
	const char *alg = s3_checksum_alg(&m->mk_ck);

	if (v == NULL) {
		/* CRC64NVME has no composite form. */
		m->mk_full = strcmp(alg, "crc64nvme") == 0;
		return S3E_NONE;
	}
	if (len == 11 && strncasecmp(v, "FULL_OBJECT", 11) == 0)
		m->mk_full = true;
	else if (len != 9 || strncasecmp(v, "COMPOSITE", 9) != 0)
		return mpck_refuse(m, S3E_INVALID_REQUEST, "Value for "
		    "x-amz-checksum-type header is invalid.");
	if (m->mk_full && !s3_checksum_is_crc(&m->mk_ck)) {
		snprintf(m->mk_msg, sizeof(m->mk_msg), "The FULL_OBJECT "
		    "checksum type cannot be used with the %s checksum "
		    "algorithm.", alg);
		return S3E_INVALID_REQUEST;
	}
	if (!m->mk_full && strcmp(alg, "crc64nvme") == 0)
		return mpck_refuse(m, S3E_INVALID_REQUEST, "The COMPOSITE "
		    "checksum type cannot be used with the crc64nvme "
		    "checksum algorithm.");
	return S3E_NONE;
}

/* mpck_keep adds one header to the upload's template. */
static enum s3_err
mpck_keep(struct msg_objrec *t, const char *name, const char *value)
{
	if (t->or_nhdrs == PROTO_HDRMAX)
		return S3E_INVALID_ARGUMENT;
	t->or_hdr_name[t->or_nhdrs] = proto_str_c(name);
	t->or_hdr_value[t->or_nhdrs++] = proto_str_c(value);
	return S3E_NONE;
}

enum s3_err
s3_mpck_create(struct s3_req *r, struct msg_objrec *t, struct s3_mpck *m)
{
	const char *alg, *type;
	size_t alen = 0, tlen = 0;
	enum s3_err e;

	memset(m, 0, sizeof(*m));
	alg = http_header(r->sr_http, ALG_HDR, &alen);
	type = http_header(r->sr_http, TYPE_HDR, &tlen);
	if (alg == NULL && type != NULL)
		return mpck_refuse(m, S3E_INVALID_REQUEST, "The "
		    "x-amz-checksum-type header can only be used with the "
		    "x-amz-checksum-algorithm header.");
	if (alg == NULL)
		return S3E_NONE;
	if (s3_checksum_start(&m->mk_ck, alg, alen) != S3E_NONE)
		return mpck_refuse(m, S3E_INVALID_REQUEST, "Checksum "
		    "algorithm provided is unsupported. Please try again with "
		    "any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, "
		    "SHA256]");
	if ((e = mpck_type(m, type, tlen)) != S3E_NONE)
		return e;
	if ((e = mpck_keep(t, ALG_HDR, s3_checksum_sdk(&m->mk_ck))) !=
	    S3E_NONE)
		return e;
	return mpck_keep(t, TYPE_HDR, m->mk_full ? "FULL_OBJECT" :
	    "COMPOSITE");
}

void
s3_mpck_load(struct s3_mpck *m, const struct msg_objrec *t)
{
	struct proto_str alg = { NULL, 0 }, type = { NULL, 0 };
	uint32_t i;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < t->or_nhdrs; i++) {
		if (proto_str_eq(t->or_hdr_name[i], ALG_HDR))
			alg = t->or_hdr_value[i];
		else if (proto_str_eq(t->or_hdr_name[i], TYPE_HDR))
			type = t->or_hdr_value[i];
	}
	if (alg.ps_len == 0 ||
	    s3_checksum_start(&m->mk_ck, alg.ps_ptr, alg.ps_len) != S3E_NONE)
		return;
	m->mk_full = proto_str_eq(type, "FULL_OBJECT");
}

void
s3_mpck_free(struct s3_mpck *m)
{
	s3_checksum_free(&m->mk_ck);
}

bool
s3_mpck_has(const struct s3_mpck *m)
{
	return m->mk_ck.ck_alg != NULL;
}

enum s3_err
s3_mpck_part_check(struct s3_req *r, struct s3_mpck *m)
{
	struct s3_checksum ck;
	enum s3_err e;
	const char *want, *got;

	e = s3_checksum_init(&ck, r->sr_http, true);
	if (e != S3E_NONE) {
		snprintf(m->mk_msg, sizeof(m->mk_msg), "%s", ck.ck_msg);
	} else if (s3_mpck_has(m) && ck.ck_alg != m->mk_ck.ck_alg) {
		want = s3_checksum_alg(&m->mk_ck);
		got = s3_checksum_alg(&ck);
		snprintf(m->mk_msg, sizeof(m->mk_msg), "Checksum Type mismatch "
		    "occurred, expected checksum Type: %s, actual checksum "
		    "Type: %s.", want ? want : "null", got ? got : "null");
		e = S3E_INVALID_REQUEST;
	}
	s3_checksum_free(&ck);
	return e;
}

/* --- CompleteMultipartUpload -------------------------------------------- */

/* listed_index finds part number n among the ascending numbers. */
static long
listed_index(const uint32_t *numbers, uint32_t count, uint32_t n)
{
	uint32_t lo = 0, hi = count, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (numbers[mid] == n)
			return (long)mid;
		if (numbers[mid] < n)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* stored_page takes one ListParts page: the checksums of listed parts. */
static void
stored_page(struct s3_mpck *m, const struct s3_mpck_listed *l,
    const struct msg_part_list_reply *pr, struct part_ck *pc)
{
	const struct msg_part_entry *pe;
	uint32_t i;
	long k;

	for (i = 0; i < pr->pr_nentries; i++) {
		pe = &pr->pr_entries[i];
		k = listed_index(l->ml_numbers, l->ml_count, pe->pe_number);
		if (k < 0 || strcmp(pe->pe_cksum_name, m->mk_name) != 0)
			continue;
		pc[k].pc_have = s3_checksum_decode(&m->mk_ck, pe->pe_cksum,
		    strlen(pe->pe_cksum), pc[k].pc_digest);
		pc[k].pc_size = pe->pe_size;
	}
}

/* stored_read reads the stored checksums of the listed parts, page by
 * page.  The ETags metad checks at complete make sure they still hold. */
static int
stored_read(struct s3_req *r, struct s3_mpck *m,
    const struct s3_mpck_listed *l, struct part_ck *pc)
{
	struct msg_part_list_req pl;
	struct msg_part_list_reply pr;
	struct rpc_call c;
	bool more = true;
	int rc = 0;

	memset(&pl, 0, sizeof(pl));
	pl.pl_ref = *l->ml_ref;
	pl.pl_max = PROTO_LISTMAX;
	while (more && rc == 0) {
		rc = backend_upload_parts(&r->sr_env->gw_backend, &c, &pl,
		    &pr);
		if (rc == 0) {
			stored_page(m, l, &pr, pc);
			more = pr.pr_truncated && pr.pr_next > pl.pl_marker;
			pl.pl_marker = pr.pr_next;
		}
		msg_part_list_reply_free(&pr);
		rpc_call_fini(&c);
	}
	return rc;
}

/* listed_check compares what the client listed with what is stored. */
static enum s3_err
listed_check(struct s3_mpck *m, const struct s3_mpck_listed *l,
    const struct part_ck *pc)
{
	const struct s3_mpck_part *p;
	unsigned char d[32];
	uint32_t i;

	for (i = 0; i < l->ml_count; i++) {
		p = &l->ml_parts[i];
		if (p->mp_alg[0] == '\0' && !m->mk_full) {
			snprintf(m->mk_msg, sizeof(m->mk_msg), "The upload was "
			    "created using a %s checksum. The complete request "
			    "must include the checksum for each part. It was "
			    "missing for part %u in the request.",
			    s3_checksum_alg(&m->mk_ck), l->ml_numbers[i]);
			return S3E_INVALID_REQUEST;
		}
		if (!pc[i].pc_have)
			return S3E_INVALID_PART;
		if (p->mp_alg[0] == '\0')
			continue;
		if (strcasecmp(p->mp_alg, s3_checksum_sdk(&m->mk_ck)) != 0 ||
		    !s3_checksum_decode(&m->mk_ck, p->mp_value,
		    strlen(p->mp_value), d) ||
		    memcmp(d, pc[i].pc_digest, s3_checksum_len(&m->mk_ck)) != 0)
			return S3E_INVALID_PART;
	}
	return S3E_NONE;
}

/* whole_value computes the object's checksum into mk_value. */
static void
whole_value(struct s3_mpck *m, const struct part_ck *pc, uint32_t n)
{
	unsigned char acc[32];
	size_t len = s3_checksum_len(&m->mk_ck);
	uint32_t i;

	if (m->mk_full) {
		/* The CRC of nothing is 0 for the three CRCs. */
		memset(acc, 0, sizeof(acc));
		for (i = 0; i < n; i++)
			(void)s3_checksum_combine(&m->mk_ck, acc,
			    pc[i].pc_digest, pc[i].pc_size);
		EVP_EncodeBlock((unsigned char *)m->mk_value, acc, (int)len);
		return;
	}
	for (i = 0; i < n; i++)
		s3_checksum_update(&m->mk_ck, pc[i].pc_digest, len);
	(void)s3_checksum_final(&m->mk_ck, NULL, 0);
	snprintf(m->mk_value, sizeof(m->mk_value), "%s-%u",
	    m->mk_ck.ck_value, n);
}

/* whole_check compares the object's checksum with one the client sent. */
static enum s3_err
whole_check(struct s3_req *r, struct s3_mpck *m)
{
	const char *v;
	size_t len;

	v = http_header(r->sr_http, m->mk_name, &len);
	if (v == NULL || (len == strlen(m->mk_value) &&
	    memcmp(v, m->mk_value, len) == 0))
		return S3E_NONE;
	snprintf(m->mk_msg, sizeof(m->mk_msg), "The %s you specified did not "
	    "match the calculated checksum.", s3_checksum_sdk(&m->mk_ck));
	return S3E_BAD_DIGEST;
}

/* whole_keep asks metad to keep the checksum with the object, not the
 * algorithm header only an upload needs. */
static void
whole_keep(struct s3_mpck *m, struct msg_upload_complete *cc)
{
	cc->cc_hdr_name[0] = proto_str_c(m->mk_name);
	cc->cc_hdr_value[0] = proto_str_c(m->mk_value);
	cc->cc_hdr_name[1] = proto_str_c(ALG_HDR);
	cc->cc_hdr_value[1] = proto_str_c("");
	cc->cc_nhdrs = 2;
}

enum s3_err
s3_mpck_complete(struct s3_req *r, struct s3_mpck *m,
    const struct s3_mpck_listed *l, struct msg_upload_complete *cc)
{
	struct part_ck *pc;
	enum s3_err e;
	int rc;

	if (!s3_mpck_has(m))
		return S3E_NONE;
	snprintf(m->mk_name, sizeof(m->mk_name), "x-amz-checksum-%s",
	    s3_checksum_alg(&m->mk_ck));
	if ((pc = calloc(l->ml_count, sizeof(*pc))) == NULL)
		return S3E_SLOW_DOWN;
	if ((rc = stored_read(r, m, l, pc)) != 0)
		e = s3_error_from(rc);
	else if ((e = listed_check(m, l, pc)) == S3E_NONE) {
		whole_value(m, pc, l->ml_count);
		if ((e = whole_check(r, m)) == S3E_NONE)
			whole_keep(m, cc);
	}
	free(pc);
	return e;
}

void
s3_mpck_xml(struct s3_xml *x, const struct s3_mpck *m)
{
	char tag[32];

	if (m->mk_value[0] == '\0')
		return;
	snprintf(tag, sizeof(tag), "Checksum%s", s3_checksum_sdk(&m->mk_ck));
	s3_xml_str(x, tag, m->mk_value);
	s3_xml_str(x, "ChecksumType", m->mk_full ? "FULL_OBJECT" :
	    "COMPOSITE");
}

void
s3_mpck_upload_xml(struct s3_xml *x, const struct s3_mpck *m)
{
	if (!s3_mpck_has(m))
		return;
	s3_xml_str(x, "ChecksumAlgorithm", s3_checksum_sdk(&m->mk_ck));
	s3_xml_str(x, "ChecksumType", m->mk_full ? "FULL_OBJECT" :
	    "COMPOSITE");
}

void
s3_mpck_part_xml(struct s3_xml *x, const char *name, const char *value)
{
	char tag[32];
	size_t i, n;

	/* "x-amz-checksum-crc32" is listed as <ChecksumCRC32>. */
	n = strlen(name);
	if (value[0] == '\0' || n <= 15 || n - 15 + 9 > sizeof(tag))
		return;
	memcpy(tag, "Checksum", 8);
	for (i = 15; i < n; i++)
		tag[8 + i - 15] = (char)toupper((unsigned char)name[i]);
	tag[8 + n - 15] = '\0';
	s3_xml_str(x, tag, value);
}

void
s3_mpck_respond_create(struct s3_req *r, const struct s3_mpck *m,
    struct s3_xml *x)
{
	struct http_hdr_out h[6];
	size_t n = s3_common_headers(r, h);

	if (x->x_err) {
		s3_fail(r, S3E_SLOW_DOWN, NULL);
		s3_xml_free(x);
		return;
	}
	h[n++] = (struct http_hdr_out){ "content-type", "application/xml" };
	if (s3_mpck_has(m)) {
		h[n++] = (struct http_hdr_out){ ALG_HDR,
		    s3_checksum_sdk(&m->mk_ck) };
		h[n++] = (struct http_hdr_out){ TYPE_HDR,
		    m->mk_full ? "FULL_OBJECT" : "COMPOSITE" };
	}
	atomic_fetch_add(&r->sr_env->gw_bytes_out, x->x_len);
	(void)http_respond(r->sr_http, 200, h, n, x->x_buf, x->x_len);
	s3_xml_free(x);
}

void
s3_mpck_copy_headers(struct msg_objrec *rec)
{
	uint32_t i, n = 0;
	bool composite = false;
	char name[40];

	for (i = 0; i < rec->or_nhdrs; i++)
		composite |= proto_str_eq(rec->or_hdr_name[i], TYPE_HDR) &&
		    proto_str_eq(rec->or_hdr_value[i], "COMPOSITE");
	if (!composite)
		return;
	for (i = 0; i < rec->or_nhdrs; i++) {
		if (rec->or_hdr_name[i].ps_len < sizeof(name)) {
			memcpy(name, rec->or_hdr_name[i].ps_ptr,
			    rec->or_hdr_name[i].ps_len);
			name[rec->or_hdr_name[i].ps_len] = '\0';
			if (strcmp(name, TYPE_HDR) == 0 ||
			    s3_checksum_is_value(name))
				continue;
		}
		rec->or_hdr_name[n] = rec->or_hdr_name[i];
		rec->or_hdr_value[n++] = rec->or_hdr_value[i];
	}
	rec->or_nhdrs = n;
}
