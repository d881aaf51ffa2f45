/* s3_chunked.c - the aws-chunked body decoder and the body reader of uploads */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "gatewayd.h"
#include "util.h"

#define CHUNK_MIN	8192	/* S3's least signed chunk but the last */
#define CHUNK_HEXMAX	15	/* digits of a chunk size */
#define SIG_EXT		";chunk-signature="
#define SIG_EXTLEN	(sizeof(SIG_EXT) - 1)
#define TRAILER_SIG	"x-amz-trailer-signature"

enum chunk_state {
	CK_HEADER,	/* before "<hex>;chunk-signature=<sig>\r\n" */
	CK_DATA,	/* inside a chunk's data */
	CK_DATA_END,	/* before the "\r\n" after the data */
	CK_TRAILER,	/* trailing header lines, until an empty one */
	CK_END,		/* before the "\r\n" closing a body without trailer */
	CK_DONE,
	CK_FAILED,
};

/* ck_fail records the first error and stops the decoder. */
static long
ck_fail(struct s3_chunked *ck, enum s3_err e)
{
	if (ck->ck_state != CK_FAILED)
		ck->ck_err = e;
	ck->ck_state = CK_FAILED;
	return -1;
}

/* ck_fill reads more input when the buffer is empty; false at the end. */
static bool
ck_fill(struct s3_chunked *ck)
{
	long	n;

	if (ck->ck_in_off < ck->ck_in_len)
		return true;
	ck->ck_in_off = ck->ck_in_len = 0;
	if (ck->ck_eof)
		return false;
	if ((n = ck->ck_src(ck->ck_arg, ck->ck_in, sizeof(ck->ck_in))) <= 0) {
		ck->ck_eof = true;
		return false;
	}
	ck->ck_in_len = (size_t)n;
	return true;
}

/*
 * ck_line reads one line ending in "\r\n" into ck_line (NUL-terminated,
 * ck_line_len bytes, without the "\r\n").  Returns 1; 0 at the end of
 * the body before any byte of a line; -1 for a line too long, a bare
 * '\n' or a body cut inside a line.
 */
static int
ck_line(struct s3_chunked *ck)
{
	unsigned char	c;

	for (;;) {
		if (!ck_fill(ck))
			return ck->ck_acc == 0 && !ck->ck_cr ? 0 : -1;
		c = ck->ck_in[ck->ck_in_off++];
		if (ck->ck_cr) {
			ck->ck_cr = false;
			if (c != '\n')
				return -1;
			ck->ck_line[ck->ck_acc] = '\0';
			ck->ck_line_len = ck->ck_acc;
			ck->ck_acc = 0;
			return 1;
		}
		if (c == '\r')
			ck->ck_cr = true;
		else if (c == '\n' || c == '\0' ||
		    ck->ck_acc + 1 >= sizeof(ck->ck_line))
			return -1;
		else
			ck->ck_line[ck->ck_acc++] = (char)c;
	}
}

/* ck_hash_init starts the SHA-256 of a chunk or of the trailer. */
static bool
ck_hash_init(struct s3_chunked *ck)
{
	if (ck->ck_chain == NULL)
		return true;
	return EVP_DigestInit_ex2(ck->ck_md, hash_sha256(), NULL) == 1;
}

/* ck_verify checks the signature of what ck_md has hashed. */
static enum s3_err
ck_verify(struct s3_chunked *ck, bool trailer, const char *sig, size_t len)
{
	unsigned char	hash[32];

	if (ck->ck_chain == NULL)
		return S3E_NONE;
	if (EVP_DigestFinal_ex(ck->ck_md, hash, NULL) != 1)
		return S3E_INTERNAL;
	return sigv4_chain_next(ck->ck_chain, trailer, hash, sig, len);
}

/*
 * ck_parse_size reads "<hex>[;chunk-signature=<64 hex>]".  Signed bodies
 * need the signature; unsigned ones must not carry one.
 */
static bool
ck_parse_size(struct s3_chunked *ck, uint64_t *size)
{
	const char	*p = ck->ck_line, *sig;
	uint64_t	 v = 0;
	size_t		 n = 0;
	int		 d;

	for (; n < ck->ck_line_len && p[n] != ';'; n++) {
		if ((d = p[n]) >= '0' && d <= '9')
			d -= '0';
		else if ((d | 0x20) >= 'a' && (d | 0x20) <= 'f')
			d = (d | 0x20) - 'a' + 10;
		else
			return false;
		v = v << 4 | (uint64_t)d;
	}
	if (n == 0 || n > CHUNK_HEXMAX)
		return false;
	*size = v;
	sig = p + n;
	if (ck->ck_chain == NULL)
		return n == ck->ck_line_len;
	if (ck->ck_line_len - n != SIG_EXTLEN + 64 ||
	    memcmp(sig, SIG_EXT, SIG_EXTLEN) != 0)
		return false;
	memcpy(ck->ck_sig, sig + SIG_EXTLEN, 64);
	ck->ck_sig[64] = '\0';
	return true;
}

/* ck_header handles a chunk header line; the last chunk has size 0. */
static long
ck_header(struct s3_chunked *ck)
{
	uint64_t	size;
	enum s3_err	e;

	if (!ck_parse_size(ck, &size) || size > ck->ck_left_total)
		return ck_fail(ck, S3E_INCOMPLETE_BODY);
	if (ck->ck_chain != NULL && size > 0 && ck->ck_small)
		return ck_fail(ck, S3E_INVALID_CHUNK_SIZE);
	ck->ck_small = size < CHUNK_MIN;
	ck->ck_chunk_left = size;
	ck->ck_left_total -= size;
	if (!ck_hash_init(ck))
		return ck_fail(ck, S3E_INTERNAL);
	if (size > 0) {
		ck->ck_state = CK_DATA;
		return 0;
	}
	if (ck->ck_left_total > 0)
		return ck_fail(ck, S3E_INCOMPLETE_BODY);
	if ((e = ck_verify(ck, false, ck->ck_sig, 64)) != S3E_NONE)
		return ck_fail(ck, e);
	ck->ck_state = ck->ck_trailer ? CK_TRAILER : CK_END;
	if (ck->ck_trailer && !ck_hash_init(ck))
		return ck_fail(ck, S3E_INTERNAL);
	return 0;
}

/* ck_data copies what there is of the current chunk into buf. */
static long
ck_data(struct s3_chunked *ck, unsigned char *buf, size_t len)
{
	size_t		n;
	enum s3_err	e;

	if (!ck_fill(ck))
		return ck_fail(ck, S3E_INCOMPLETE_BODY);
	n = ck->ck_in_len - ck->ck_in_off;
	n = n < len ? n : len;
	n = n < ck->ck_chunk_left ? n : (size_t)ck->ck_chunk_left;
	memcpy(buf, ck->ck_in + ck->ck_in_off, n);
	if (ck->ck_chain != NULL &&
	    EVP_DigestUpdate(ck->ck_md, buf, n) != 1)
		return ck_fail(ck, S3E_INTERNAL);
	ck->ck_in_off += n;
	ck->ck_chunk_left -= n;
	if (ck->ck_chunk_left == 0) {
		/* Verified before the chunk's last byte is handed out. */
		if ((e = ck_verify(ck, false, ck->ck_sig, 64)) != S3E_NONE)
			return ck_fail(ck, e);
		ck->ck_state = CK_DATA_END;
	}
	return (long)n;
}

/* ck_trailer_line takes "name:value", or the trailer's signature. */
static long
ck_trailer_line(struct s3_chunked *ck)
{
	char		*colon = memchr(ck->ck_line, ':', ck->ck_line_len);
	size_t		 nlen, vlen;
	enum s3_err	 e;

	if (colon == NULL || colon == ck->ck_line)
		return ck_fail(ck, S3E_INCOMPLETE_BODY);
	nlen = (size_t)(colon - ck->ck_line);
	vlen = ck->ck_line_len - nlen - 1;
	if (nlen == sizeof(TRAILER_SIG) - 1 &&
	    strncasecmp(ck->ck_line, TRAILER_SIG, nlen) == 0) {
		if (ck->ck_chain == NULL || ck->ck_tr_signed)
			return ck_fail(ck, S3E_INCOMPLETE_BODY);
		if ((e = ck_verify(ck, true, colon + 1, vlen)) != S3E_NONE)
			return ck_fail(ck, e);
		ck->ck_tr_signed = true;
		return 0;
	}
	if (ck->ck_tr_signed || ck->ck_tr_name[0] != '\0' ||
	    nlen >= sizeof(ck->ck_tr_name) || vlen >= sizeof(ck->ck_tr_value))
		return ck_fail(ck, S3E_INCOMPLETE_BODY);
	memcpy(ck->ck_tr_name, ck->ck_line, nlen);
	ck->ck_tr_name[nlen] = '\0';
	memcpy(ck->ck_tr_value, colon + 1, vlen);
	ck->ck_tr_value[vlen] = '\0';
	/* What the signature covers: each trailing header and '\n'. */
	if (ck->ck_chain != NULL &&
	    (EVP_DigestUpdate(ck->ck_md, ck->ck_line, ck->ck_line_len) != 1 ||
	    EVP_DigestUpdate(ck->ck_md, "\n", 1) != 1))
		return ck_fail(ck, S3E_INTERNAL);
	return 0;
}

/*
 * ck_end: the body ends with an empty line, or right before it, where
 * some clients stop.  A signed trailer must have been signed, and
 * nothing may follow.
 */
static long
ck_end(struct s3_chunked *ck, bool line)
{
	if (ck->ck_state == CK_TRAILER && ck->ck_chain != NULL &&
	    !ck->ck_tr_signed)
		return ck_fail(ck, S3E_SIGNATURE_MISMATCH);
	if (line && ck_fill(ck))
		return ck_fail(ck, S3E_INCOMPLETE_BODY);
	ck->ck_state = CK_DONE;
	return 0;
}

/* ck_step parses one line; 0 to go on, -1 on an error. */
static long
ck_step(struct s3_chunked *ck)
{
	int	got;

	if ((got = ck_line(ck)) < 0)
		return ck_fail(ck, S3E_INCOMPLETE_BODY);
	switch (ck->ck_state) {
	case CK_HEADER:
		return got > 0 ? ck_header(ck) :
		    ck_fail(ck, S3E_INCOMPLETE_BODY);
	case CK_DATA_END:
		if (got == 0 || ck->ck_line_len != 0)
			return ck_fail(ck, S3E_INCOMPLETE_BODY);
		ck->ck_state = CK_HEADER;
		return 0;
	case CK_TRAILER:
		if (got > 0 && ck->ck_line_len > 0)
			return ck_trailer_line(ck);
		return ck_end(ck, got > 0);
	default:
		if (got > 0 && ck->ck_line_len > 0)
			return ck_fail(ck, S3E_INCOMPLETE_BODY);
		return ck_end(ck, got > 0);
	}
}

int
s3_chunked_init(struct s3_chunked *ck, long (*src)(void *, void *, size_t),
    void *arg, struct sigv4_chain *chain, bool trailer, uint64_t size)
{
	memset(ck, 0, sizeof(*ck));
	ck->ck_src = src;
	ck->ck_arg = arg;
	ck->ck_chain = chain;
	ck->ck_trailer = trailer;
	ck->ck_left_total = size;
	ck->ck_state = CK_HEADER;
	if (chain != NULL && (ck->ck_md = EVP_MD_CTX_new()) == NULL)
		return -1;
	return 0;
}

long
s3_chunked_read(struct s3_chunked *ck, void *buf, size_t len)
{
	long	n;

	while (len > 0) {
		switch (ck->ck_state) {
		case CK_DONE:
			return 0;
		case CK_FAILED:
			return -1;
		case CK_DATA:
			return ck_data(ck, buf, len);
		default:
			if ((n = ck_step(ck)) < 0)
				return n;
		}
	}
	return 0;
}

enum s3_err
s3_chunked_finish(struct s3_chunked *ck)
{
	unsigned char	b;

	while (ck->ck_state != CK_DONE && ck->ck_state != CK_FAILED)
		if (s3_chunked_read(ck, &b, 1) != 0)
			return ck->ck_state == CK_FAILED ? ck->ck_err :
			    S3E_INCOMPLETE_BODY;	/* more data than said */
	return ck->ck_state == CK_DONE ? S3E_NONE : ck->ck_err;
}

const char *
s3_chunked_trailer(const struct s3_chunked *ck, const char *name,
    size_t *len)
{
	if (name == NULL || strcasecmp(ck->ck_tr_name, name) != 0)
		return NULL;
	*len = strlen(ck->ck_tr_value);
	return ck->ck_tr_value;
}

void
s3_chunked_free(struct s3_chunked *ck)
{
	EVP_MD_CTX_free(ck->ck_md);
	ck->ck_md = NULL;
}

/* --- the body of an upload, decoded or not ------------------------------------------ */

static long
body_src(void *arg, void *buf, size_t len)
{
	return http_body_read(arg, buf, len);
}

/* body_decoded_length reads x-amz-decoded-content-length. */
static bool
body_decoded_length(struct http_req *hr, uint64_t *size)
{
	const char	*v;
	char		 buf[24], *end;
	size_t		 len;

	if ((v = http_header(hr, "x-amz-decoded-content-length", &len)) ==
	    NULL || len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, v, len);
	buf[len] = '\0';
	if (buf[0] < '0' || buf[0] > '9')
		return false;
	*size = strtoull(buf, &end, 10);
	return *end == '\0';
}

enum s3_err
s3_body_open(struct s3_req *r, struct s3_body *bd)
{
	const char	*ph = r->sr_payload_hash;
	bool		 signed_, trailer;

	memset(bd, 0, sizeof(*bd));
	bd->bd_http = r->sr_http;
	bd->bd_size = r->sr_http->hr_body_len;
	if (strncmp(ph, "STREAMING-", 10) != 0)
		return S3E_NONE;
	signed_ = strncmp(ph, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", 34) == 0;
	trailer = strlen(ph) > 8 && strcmp(ph + strlen(ph) - 8, "-TRAILER") ==
	    0;
	if (!signed_ && strcmp(ph, "STREAMING-UNSIGNED-PAYLOAD-TRAILER") != 0)
		return S3E_NOT_IMPLEMENTED;	/* SigV4a (ECDSA) chunks */
	if (!body_decoded_length(r->sr_http, &bd->bd_size))
		return S3E_MISSING_CONTENT_LENGTH;
	if ((bd->bd_chunked = calloc(1, sizeof(*bd->bd_chunked))) == NULL ||
	    s3_chunked_init(bd->bd_chunked, body_src, r->sr_http,
	    signed_ ? &r->sr_chain : NULL, trailer, bd->bd_size) != 0)
		return S3E_SLOW_DOWN;
	return S3E_NONE;
}

long
s3_body_read(struct s3_body *bd, void *buf, size_t len)
{
	long	n;

	if (bd->bd_chunked == NULL) {
		if ((n = http_body_read(bd->bd_http, buf, len)) < 0)
			bd->bd_err = S3E_INCOMPLETE_BODY;
		return n;
	}
	if ((n = s3_chunked_read(bd->bd_chunked, buf, len)) < 0)
		bd->bd_err = bd->bd_chunked->ck_err;
	return n;
}

enum s3_err
s3_body_finish(struct s3_body *bd)
{
	if (bd->bd_chunked == NULL)
		return S3E_NONE;
	return s3_chunked_finish(bd->bd_chunked);
}

bool
s3_body_trailer_ok(const struct s3_body *bd)
{
	return bd->bd_chunked != NULL && bd->bd_chunked->ck_trailer;
}

const char *
s3_body_trailer(const struct s3_body *bd, const char *name, size_t *len)
{
	if (bd->bd_chunked == NULL)
		return NULL;
	return s3_chunked_trailer(bd->bd_chunked, name, len);
}

void
s3_body_close(struct s3_body *bd)
{
	if (bd->bd_chunked != NULL)
		s3_chunked_free(bd->bd_chunked);
	free(bd->bd_chunked);
	bd->bd_chunked = NULL;
}

/*
 * body_digests checks a whole body against its Content-MD5, if sent, and
 * against the SHA-256 the request signed, unless it signed none
 * (UNSIGNED-PAYLOAD; aws-chunked bodies are checked chunk by chunk).
 */
static enum s3_err
body_digests(struct s3_req *r, const char *body, size_t len)
{
	unsigned char md[32], want[33];
	const char *md5;
	size_t mlen;

	if ((md5 = http_header(r->sr_http, "content-md5", &mlen)) != NULL) {
		if (mlen != 24 || EVP_DecodeBlock(want,
		    (const unsigned char *)md5, 24) != 18)
			return S3E_INVALID_DIGEST;
		EVP_Digest(body, len, md, NULL, hash_md5(), NULL);
		if (memcmp(md, want, 16) != 0)
			return S3E_BAD_DIGEST;
	}
	if (strlen(r->sr_payload_hash) != 64)
		return S3E_NONE;
	EVP_Digest(body, len, md, NULL, hash_sha256(), NULL);
	if (util_unhex(want, r->sr_payload_hash, 32) != 0 ||
	    memcmp(md, want, 32) != 0)
		return S3E_CONTENT_SHA256_MISMATCH;
	return S3E_NONE;
}

enum s3_err
s3_body_whole(struct s3_req *r, size_t max, enum s3_err too_big, char **out,
    size_t *len)
{
	struct s3_body bd;
	enum s3_err e;
	long n = 0;

	*out = NULL;
	*len = 0;
	if ((e = s3_body_open(r, &bd)) != S3E_NONE)
		return e;
	if (bd.bd_size > max)
		e = too_big;
	else if ((*out = malloc(bd.bd_size + 1)) == NULL)
		e = S3E_SLOW_DOWN;
	while (e == S3E_NONE && *len < bd.bd_size && (n = s3_body_read(&bd,
	    *out + *len, bd.bd_size - *len)) > 0)
		*len += (size_t)n;
	if (e == S3E_NONE && n < 0)
		e = bd.bd_err;
	else if (e == S3E_NONE && *len < bd.bd_size)
		e = S3E_INCOMPLETE_BODY;
	else if (e == S3E_NONE && (e = s3_body_finish(&bd)) == S3E_NONE) {
		(*out)[*len] = '\0';
		e = body_digests(r, *out, *len);
	}
	s3_body_close(&bd);
	if (e != S3E_NONE) {
		free(*out);
		*out = NULL;
	}
	return e;
}

/*
 * s3_chunked_strip_encoding drops "aws-chunked" from a Content-Encoding
 * value, which only describes the upload, as S3 does; *len becomes 0 if
 * nothing else is left.
 */
void
s3_chunked_strip_encoding(const char **v, size_t *len)
{
	const char	*p = *v;
	size_t		 n = *len;

	while (n > 0 && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	if (n < 11 || strncasecmp(p, "aws-chunked", 11) != 0 ||
	    (n > 11 && p[11] != ',' && p[11] != ' '))
		return;
	p += 11;
	n -= 11;
	while (n > 0 && (*p == ',' || *p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	*v = p;
	*len = n;
}
