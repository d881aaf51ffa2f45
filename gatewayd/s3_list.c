/* s3_list.c - ListObjects (V1) and ListObjectsV2 over metad's key index */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "errors.h"
#include "gatewayd.h"
#include "util.h"

#define TOKEN_MAX	(((PROTO_KEYMAX + 2) / 3) * 4 + 4)

/* The parameters of one list request, decoded. */
struct list_params {
	int	lp_version;
	char	lp_prefix[PROTO_KEYMAX + 1];
	char	lp_delim[PROTO_KEYMAX + 1];
	char	lp_start[PROTO_KEYMAX + 1];	/* start-after or marker */
	char	lp_token[TOKEN_MAX + 1];	/* continuation-token, raw */
	char	lp_after[PROTO_KEYMAX + 1];	/* where the scan begins */
	long	lp_max_keys;
	bool	lp_has_token;
	bool	lp_fetch_owner;
	bool	lp_urlenc;
};

bool
s3_list_param(const struct http_req *hr, const char *name, char *buf, size_t len)
{
	buf[0] = '\0';
	if (!s3_query_has(hr, name))
		return true;
	return s3_query_get(hr, name, buf, len) >= 0;
}

enum s3_err
s3_list_max_keys(const struct http_req *hr, long *out)
{
	char buf[32], *end;
	long v;

	*out = PROTO_LISTMAX;
	if (!s3_query_has(hr, "max-keys"))
		return S3E_NONE;
	if (s3_query_get(hr, "max-keys", buf, sizeof(buf)) <= 0)
		return S3E_INVALID_ARGUMENT;
	v = strtol(buf, &end, 10);
	if (*end != '\0' || v < 0)
		return S3E_INVALID_ARGUMENT;
	*out = v > PROTO_LISTMAX ? PROTO_LISTMAX : v;
	return S3E_NONE;
}

/* decode_token turns a continuation token back into the key to follow. */
static bool
decode_token(const char *tok, char *key, size_t keylen)
{
	unsigned char buf[TOKEN_MAX];
	size_t n = strlen(tok);
	int len;

	if (n == 0 || n % 4 != 0 || n > TOKEN_MAX)
		return false;
	len = EVP_DecodeBlock(buf, (const unsigned char *)tok, (int)n);
	if (len < 0)
		return false;
	len -= (n >= 1 && tok[n - 1] == '=') + (n >= 2 && tok[n - 2] == '=');
	if (len <= 1 || buf[0] != 'k' || (size_t)len > keylen)
		return false;
	memcpy(key, buf + 1, (size_t)len - 1);
	key[len - 1] = '\0';
	return memchr(key, '\0', (size_t)len - 1) == NULL;
}

static void
encode_token(struct proto_str key, char *out)
{
	unsigned char buf[PROTO_KEYMAX + 1];

	buf[0] = 'k';		/* a version byte, so the format can change */
	memcpy(buf + 1, key.ps_ptr, key.ps_len);
	EVP_EncodeBlock((unsigned char *)out, buf, (int)key.ps_len + 1);
}

static enum s3_err
parse_params(struct s3_req *r, struct list_params *lp)
{
	const struct http_req *hr = r->sr_http;
	char enc[16], fo[16];
	enum s3_err e;

	if (!s3_list_param(hr, "prefix", lp->lp_prefix, sizeof(lp->lp_prefix)) ||
	    !s3_list_param(hr, "delimiter", lp->lp_delim, sizeof(lp->lp_delim)) ||
	    !s3_list_param(hr, lp->lp_version == 2 ? "start-after" : "marker",
	    lp->lp_start, sizeof(lp->lp_start)) ||
	    !s3_list_param(hr, "encoding-type", enc, sizeof(enc)) ||
	    !s3_list_param(hr, "fetch-owner", fo, sizeof(fo)))
		return S3E_INVALID_ARGUMENT;
	if ((e = s3_list_max_keys(hr, &lp->lp_max_keys)) != S3E_NONE)
		return e;
	if (enc[0] != '\0' && strcmp(enc, "url") != 0)
		return S3E_INVALID_ARGUMENT;
	lp->lp_urlenc = enc[0] != '\0';
	lp->lp_fetch_owner = lp->lp_version == 1 || strcmp(fo, "true") == 0;
	strcpy(lp->lp_after, lp->lp_start);
	if (lp->lp_version == 2 && s3_query_has(hr, "continuation-token")) {
		lp->lp_has_token = true;
		if (!s3_list_param(hr, "continuation-token", lp->lp_token,
		    sizeof(lp->lp_token)) || !decode_token(lp->lp_token,
		    lp->lp_after, sizeof(lp->lp_after)))
			return S3E_INVALID_ARGUMENT;
	}
	return S3E_NONE;
}

static void
entry_xml(struct s3_req *r, struct s3_xml *x, const struct list_params *lp,
    const struct msg_list_entry *e)
{
	char date[40], etag[48];

	s3_xml_open(x, "Contents");
	s3_xml_key(x, "Key", e->le_key);
	s3_time_iso(e->le_mtime_ns, date, sizeof(date));
	s3_xml_str(x, "LastModified", date);
	s3_multipart_etag(etag, e->le_etag, e->le_nparts);
	s3_xml_str(x, "ETag", etag);
	s3_xml_u64(x, "Size", e->le_size);
	if (lp->lp_fetch_owner) {
		s3_xml_open(x, "Owner");
		s3_xml_str(x, "ID", r->sr_owner_id);
		s3_xml_str(x, "DisplayName", r->sr_owner_name);
		s3_xml_close(x, "Owner");
	}
	s3_xml_str(x, "StorageClass", "STANDARD");
	s3_xml_close(x, "Contents");
}

/* head_xml writes the fields before the entries, in S3's order. */
static void
head_xml(struct s3_req *r, struct s3_xml *x, const struct list_params *lp,
    const struct msg_list_reply *lr)
{
	char tok[TOKEN_MAX + 1];

	s3_xml_text(x, "Name", r->sr_bucket.ps_ptr, r->sr_bucket.ps_len);
	s3_xml_key(x, "Prefix", proto_str_c(lp->lp_prefix));
	if (lp->lp_version == 1) {
		s3_xml_key(x, "Marker", proto_str_c(lp->lp_start));
		if (lr->lr_truncated && lp->lp_delim[0] != '\0')
			s3_xml_key(x, "NextMarker", lr->lr_next);
	} else {
		if (lp->lp_start[0] != '\0')
			s3_xml_key(x, "StartAfter", proto_str_c(lp->lp_start));
		if (lp->lp_has_token)
			s3_xml_str(x, "ContinuationToken", lp->lp_token);
		if (lr->lr_truncated) {
			encode_token(lr->lr_next, tok);
			s3_xml_str(x, "NextContinuationToken", tok);
		}
		s3_xml_u64(x, "KeyCount", lr->lr_nentries + lr->lr_nprefixes);
	}
	s3_xml_u64(x, "MaxKeys", (uint64_t)lp->lp_max_keys);
	if (lp->lp_delim[0] != '\0')
		s3_xml_key(x, "Delimiter", proto_str_c(lp->lp_delim));
	s3_xml_bool(x, "IsTruncated", lr->lr_truncated);
	if (lp->lp_urlenc)
		s3_xml_str(x, "EncodingType", "url");
}

static void
result_xml(struct s3_req *r, struct s3_xml *x, const struct list_params *lp,
    const struct msg_list_reply *lr)
{
	uint32_t i;

	x->x_urlenc = lp->lp_urlenc;
	s3_xml_open_ns(x, "ListBucketResult");
	head_xml(r, x, lp, lr);
	for (i = 0; i < lr->lr_nentries; i++)
		entry_xml(r, x, lp, &lr->lr_entries[i]);
	for (i = 0; i < lr->lr_nprefixes; i++) {
		s3_xml_open(x, "CommonPrefixes");
		s3_xml_key(x, "Prefix", lr->lr_prefixes[i]);
		s3_xml_close(x, "CommonPrefixes");
	}
	s3_xml_close(x, "ListBucketResult");
}

void
s3_list_objects(struct s3_req *r, int version)
{
	struct list_params *lp;
	struct msg_list_req l;
	struct msg_list_reply lr;
	struct rpc_call c;
	struct s3_xml x;
	enum s3_err e;
	int rc;

	if ((lp = calloc(1, sizeof(*lp))) == NULL) {
		s3_fail(r, S3E_SLOW_DOWN, NULL);
		return;
	}
	lp->lp_version = version;
	if ((e = parse_params(r, lp)) != S3E_NONE) {
		s3_fail(r, e, NULL);
		free(lp);
		return;
	}
	l.l_bucket = r->sr_bucket;
	l.l_prefix = proto_str_c(lp->lp_prefix);
	l.l_delimiter = proto_str_c(lp->lp_delim);
	l.l_start_after = proto_str_c(lp->lp_after);
	l.l_max_keys = (uint32_t)lp->lp_max_keys;
	rc = backend_obj_list(&r->sr_env->gw_backend, &c, &l, &lr);
	if (rc != 0) {
		s3_fail_rc(r, rc);
	} else {
		s3_xml_init(&x);
		result_xml(r, &x, lp, &lr);
		s3_respond_doc(r, &x);
	}
	msg_list_reply_free(&lr);
	rpc_call_fini(&c);
	free(lp);
}
