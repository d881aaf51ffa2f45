/* s3_checksum.c - S3's object checksums: CRC32, CRC32C, CRC64NVME, SHA-1, SHA-256 */
#include "config.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <isa-l.h>
#include <openssl/evp.h>

#include "gatewayd.h"

#define CKSUM_PREFIX	"x-amz-checksum-"
#define CKSUM_PREFIXLEN	(sizeof(CKSUM_PREFIX) - 1)

/* CRC-64/NVME: polynomial 0xad93d23594c93659, reflected, as S3 uses it. */
#define CRC64NVME_POLY	0x9a6c9329ac4bc9b5ULL

enum cksum_kind { CK_CRC32, CK_CRC32C, CK_CRC64, CK_SHA1, CK_SHA256 };

/* The algorithms S3 knows, by the name of their header and SDK name. */
static const struct cksum_alg {
	const char	*ca_name;	/* after "x-amz-checksum-" */
	const char	*ca_sdk;	/* x-amz-sdk-checksum-algorithm */
	enum cksum_kind	 ca_kind;
	size_t		 ca_len;	/* digest bytes */
} cksum_algs[] = {
	{ "crc32", "CRC32", CK_CRC32, 4 },
	{ "crc32c", "CRC32C", CK_CRC32C, 4 },
	{ "crc64nvme", "CRC64NVME", CK_CRC64, 8 },
	{ "sha1", "SHA1", CK_SHA1, 20 },
	{ "sha256", "SHA256", CK_SHA256, 32 },
};
#define CKSUM_NALGS	(sizeof(cksum_algs) / sizeof(cksum_algs[0]))

/* Slicing-by-8 tables of CRC-64/NVME, built on first use. */
static uint64_t		crc64_table[8][256];
static pthread_once_t	crc64_once = PTHREAD_ONCE_INIT;

static void
crc64_init_tables(void)
{
	uint64_t	c;
	int		i, j;

	for (i = 0; i < 256; i++) {
		c = (uint64_t)i;
		for (j = 0; j < 8; j++)
			c = c & 1 ? (c >> 1) ^ CRC64NVME_POLY : c >> 1;
		crc64_table[0][i] = c;
	}
	for (i = 0; i < 256; i++)
		for (j = 1; j < 8; j++)
			crc64_table[j][i] = (crc64_table[j - 1][i] >> 8) ^
			    crc64_table[0][crc64_table[j - 1][i] & 0xff];
}

/*
 * s3_checksum_crc64nvme continues crc (0 to start) over buf.  isa-l 2.30
 * has no CRC-64/NVME (crc64_rocksoft came in 2.31): slicing-by-8 instead.
 */
uint64_t
s3_checksum_crc64nvme(uint64_t crc, const void *buf, size_t len)
{
	const unsigned char	*p = buf;
	uint64_t		 c = ~crc;

	pthread_once(&crc64_once, crc64_init_tables);
	for (; len >= 8; len -= 8, p += 8) {
		c ^= (uint64_t)p[0] | (uint64_t)p[1] << 8 |
		    (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
		    (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
		    (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
		c = crc64_table[7][c & 0xff] ^
		    crc64_table[6][(c >> 8) & 0xff] ^
		    crc64_table[5][(c >> 16) & 0xff] ^
		    crc64_table[4][(c >> 24) & 0xff] ^
		    crc64_table[3][(c >> 32) & 0xff] ^
		    crc64_table[2][(c >> 40) & 0xff] ^
		    crc64_table[1][(c >> 48) & 0xff] ^
		    crc64_table[0][c >> 56];
	}
	for (; len > 0; len--, p++)
		c = crc64_table[0][(c ^ *p) & 0xff] ^ (c >> 8);
	return ~c;
}

static const struct cksum_alg *
cksum_by_name(const char *name, size_t len)
{
	size_t	i;

	for (i = 0; i < CKSUM_NALGS; i++)
		if (strlen(cksum_algs[i].ca_name) == len &&
		    strncasecmp(cksum_algs[i].ca_name, name, len) == 0)
			return &cksum_algs[i];
	return NULL;
}

static const struct cksum_alg *
cksum_by_sdk(const char *name, size_t len)
{
	size_t	i;

	for (i = 0; i < CKSUM_NALGS; i++)
		if (strlen(cksum_algs[i].ca_sdk) == len &&
		    strncasecmp(cksum_algs[i].ca_sdk, name, len) == 0)
			return &cksum_algs[i];
	return NULL;
}

/*
 * cksum_decode parses the base64 of a digest of exactly want bytes.  Only
 * the canonical encoding is accepted: it must encode back to itself.
 */
static bool
cksum_decode(const char *v, size_t len, size_t want, unsigned char *out)
{
	unsigned char	buf[48], back[72];
	size_t		enc = 4 * ((want + 2) / 3);

	if (len != enc || len > 64)
		return false;
	if (EVP_DecodeBlock(buf, (const unsigned char *)v, (int)len) < 0)
		return false;
	EVP_EncodeBlock(back, buf, (int)want);
	if (memcmp(back, v, len) != 0)
		return false;
	memcpy(out, buf, want);
	return true;
}

/* cksum_two refuses a request that names two checksums, as S3 does. */
static enum s3_err
cksum_two(struct s3_checksum *ck)
{
	snprintf(ck->ck_msg, sizeof(ck->ck_msg), "Expecting a single "
	    "x-amz-checksum- header. Multiple checksum Types are not "
	    "allowed.");
	return S3E_INVALID_REQUEST;
}

/* cksum_set chooses the algorithm; a second, different one is refused. */
static enum s3_err
cksum_set(struct s3_checksum *ck, const struct cksum_alg *a)
{
	if (ck->ck_alg != NULL && ck->ck_alg != a)
		return cksum_two(ck);
	ck->ck_alg = a;
	return S3E_NONE;
}

/* cksum_header takes one x-amz-checksum-<alg> request header. */
static enum s3_err
cksum_header(struct s3_checksum *ck, const struct http_header *h)
{
	const struct cksum_alg	*a;
	enum s3_err		 e;

	a = cksum_by_name(h->hh_name + CKSUM_PREFIXLEN,
	    h->hh_name_len - CKSUM_PREFIXLEN);
	if (a == NULL)
		return S3E_NONE;	/* -mode, -type: not a value */
	if (ck->ck_have_want)
		return cksum_two(ck);
	if ((e = cksum_set(ck, a)) != S3E_NONE)
		return e;
	if (!cksum_decode(h->hh_value, h->hh_value_len, a->ca_len,
	    ck->ck_want)) {
		snprintf(ck->ck_msg, sizeof(ck->ck_msg), "Value for %.*s "
		    "header is invalid.", (int)h->hh_name_len, h->hh_name);
		return S3E_INVALID_REQUEST;
	}
	ck->ck_have_want = true;
	return S3E_NONE;
}

/* cksum_trailer takes x-amz-trailer: the checksum comes after the body. */
static enum s3_err
cksum_trailer(struct s3_checksum *ck, const char *v, size_t len)
{
	const struct cksum_alg	*a = NULL;

	if (len > CKSUM_PREFIXLEN &&
	    strncasecmp(v, CKSUM_PREFIX, CKSUM_PREFIXLEN) == 0)
		a = cksum_by_name(v + CKSUM_PREFIXLEN, len - CKSUM_PREFIXLEN);
	if (a == NULL || !ck->ck_trailer_ok) {
		snprintf(ck->ck_msg, sizeof(ck->ck_msg), "The value specified "
		    "in the x-amz-trailer header is not supported");
		return S3E_INVALID_REQUEST;
	}
	ck->ck_trailer = true;
	return cksum_set(ck, a);
}

static enum s3_err
cksum_sdk(struct s3_checksum *ck, const char *v, size_t len)
{
	const struct cksum_alg	*a;

	if ((a = cksum_by_sdk(v, len)) == NULL) {
		snprintf(ck->ck_msg, sizeof(ck->ck_msg), "Value for "
		    "x-amz-sdk-checksum-algorithm header is invalid.");
		return S3E_INVALID_REQUEST;
	}
	return cksum_set(ck, a);
}

static enum s3_err
cksum_start(struct s3_checksum *ck)
{
	const EVP_MD	*md;

	if (ck->ck_alg == NULL)
		return S3E_NONE;
	if (ck->ck_trailer && ck->ck_have_want)
		return cksum_two(ck);
	ck->ck_crc32 = ck->ck_alg->ca_kind == CK_CRC32C ? 0xffffffffu : 0;
	if (ck->ck_alg->ca_kind != CK_SHA1 && ck->ck_alg->ca_kind != CK_SHA256)
		return S3E_NONE;
	md = ck->ck_alg->ca_kind == CK_SHA1 ? hash_sha1() : hash_sha256();
	if ((ck->ck_md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(ck->ck_md, md, NULL) != 1)
		return S3E_SLOW_DOWN;
	return S3E_NONE;
}

enum s3_err
s3_checksum_init(struct s3_checksum *ck, const struct http_req *hr,
    bool trailer_ok)
{
	const struct http_header	*h;
	enum s3_err			 e = S3E_NONE;
	size_t				 i;

	memset(ck, 0, sizeof(*ck));
	ck->ck_trailer_ok = trailer_ok;
	for (i = 0; i < hr->hr_nheaders && e == S3E_NONE; i++) {
		h = &hr->hr_headers[i];
		if (h->hh_name_len > CKSUM_PREFIXLEN &&
		    memcmp(h->hh_name, CKSUM_PREFIX, CKSUM_PREFIXLEN) == 0)
			e = cksum_header(ck, h);
		else if (strcmp(h->hh_name, "x-amz-trailer") == 0)
			e = cksum_trailer(ck, h->hh_value, h->hh_value_len);
	}
	for (i = 0; i < hr->hr_nheaders && e == S3E_NONE; i++) {
		h = &hr->hr_headers[i];
		if (strcmp(h->hh_name, "x-amz-sdk-checksum-algorithm") == 0)
			e = cksum_sdk(ck, h->hh_value, h->hh_value_len);
	}
	if (e == S3E_NONE)
		e = cksum_start(ck);
	return e;
}

void
s3_checksum_update(struct s3_checksum *ck, const void *p, size_t len)
{
	const unsigned char	*b = p;
	size_t			 n;

	if (ck->ck_alg == NULL)
		return;
	switch (ck->ck_alg->ca_kind) {
	case CK_CRC32:
		ck->ck_crc32 = crc32_gzip_refl(ck->ck_crc32, b, len);
		break;
	case CK_CRC32C:
		/* isa-l takes an int length and leaves out the inversion. */
		for (; len > 0; b += n, len -= n) {
			n = len > (size_t)INT_MAX ? (size_t)1 << 30 : len;
			ck->ck_crc32 = crc32_iscsi((unsigned char *)b, (int)n,
			    ck->ck_crc32);
		}
		break;
	case CK_CRC64:
		ck->ck_crc64 = s3_checksum_crc64nvme(ck->ck_crc64, b, len);
		break;
	default:
		EVP_DigestUpdate(ck->ck_md, b, len);
	}
}

/* cksum_digest writes the finished digest, big-endian for the CRCs. */
static void
cksum_digest(struct s3_checksum *ck, unsigned char *out)
{
	uint64_t	v;
	size_t		i, n = ck->ck_alg->ca_len;

	switch (ck->ck_alg->ca_kind) {
	case CK_CRC32:
	case CK_CRC32C:
		v = ck->ck_alg->ca_kind == CK_CRC32C ? ~ck->ck_crc32 :
		    ck->ck_crc32;
		v &= 0xffffffffu;
		break;
	case CK_CRC64:
		v = ck->ck_crc64;
		break;
	default:
		EVP_DigestFinal_ex(ck->ck_md, out, NULL);
		return;
	}
	for (i = 0; i < n; i++)
		out[i] = (unsigned char)(v >> (8 * (n - 1 - i)));
}

enum s3_err
s3_checksum_final(struct s3_checksum *ck, const char *trailer, size_t len)
{
	unsigned char	got[32];

	if (ck->ck_alg == NULL)
		return S3E_NONE;
	cksum_digest(ck, got);
	EVP_EncodeBlock((unsigned char *)ck->ck_value, got,
	    (int)ck->ck_alg->ca_len);
	snprintf(ck->ck_name, sizeof(ck->ck_name), "%s%s", CKSUM_PREFIX,
	    ck->ck_alg->ca_name);
	if (ck->ck_trailer) {
		if (trailer == NULL || !cksum_decode(trailer, len,
		    ck->ck_alg->ca_len, ck->ck_want)) {
			snprintf(ck->ck_msg, sizeof(ck->ck_msg), "Value for "
			    "%s trailing header is invalid.", ck->ck_name);
			return S3E_INVALID_REQUEST;
		}
		ck->ck_have_want = true;
	}
	if (ck->ck_have_want &&
	    memcmp(got, ck->ck_want, ck->ck_alg->ca_len) != 0) {
		snprintf(ck->ck_msg, sizeof(ck->ck_msg), "The %s you specified "
		    "did not match the calculated checksum.",
		    ck->ck_alg->ca_sdk);
		return S3E_BAD_DIGEST;
	}
	return S3E_NONE;
}

const char *
s3_checksum_trailer_name(const struct s3_checksum *ck)
{
	static const char	*const names[] = {
		"x-amz-checksum-crc32", "x-amz-checksum-crc32c",
		"x-amz-checksum-crc64nvme", "x-amz-checksum-sha1",
		"x-amz-checksum-sha256",
	};

	if (ck->ck_alg == NULL || !ck->ck_trailer)
		return NULL;
	return names[ck->ck_alg - cksum_algs];
}

bool
s3_checksum_is_header(const char *name, size_t len)
{
	return len > CKSUM_PREFIXLEN &&
	    strncasecmp(name, CKSUM_PREFIX, CKSUM_PREFIXLEN) == 0;
}

void
s3_checksum_free(struct s3_checksum *ck)
{
	EVP_MD_CTX_free(ck->ck_md);
	ck->ck_md = NULL;
}

enum s3_err
s3_checksum_start(struct s3_checksum *ck, const char *sdk, size_t len)
{
	memset(ck, 0, sizeof(*ck));
	if ((ck->ck_alg = cksum_by_sdk(sdk, len)) == NULL)
		return S3E_INVALID_REQUEST;
	return cksum_start(ck);
}

const char *
s3_checksum_sdk(const struct s3_checksum *ck)
{
	return ck->ck_alg != NULL ? ck->ck_alg->ca_sdk : NULL;
}

const char *
s3_checksum_alg(const struct s3_checksum *ck)
{
	return ck->ck_alg != NULL ? ck->ck_alg->ca_name : NULL;
}

size_t
s3_checksum_len(const struct s3_checksum *ck)
{
	return ck->ck_alg != NULL ? ck->ck_alg->ca_len : 0;
}

bool
s3_checksum_is_crc(const struct s3_checksum *ck)
{
	return ck->ck_alg != NULL && ck->ck_alg->ca_kind != CK_SHA1 &&
	    ck->ck_alg->ca_kind != CK_SHA256;
}

bool
s3_checksum_decode(const struct s3_checksum *ck, const char *v, size_t len,
    unsigned char *out)
{
	return ck->ck_alg != NULL &&
	    cksum_decode(v, len, ck->ck_alg->ca_len, out);
}

/*
 * crc_mulmod multiplies a by b modulo the reflected polynomial poly of
 * width bits (x^0 is the top bit), as zlib's crc32_combine does.
 */
static uint64_t
crc_mulmod(uint64_t a, uint64_t b, uint64_t poly, int width)
{
	uint64_t m = (uint64_t)1 << (width - 1), p = 0;

	for (; m != 0; m >>= 1) {
		if (a & m) {
			p ^= b;
			if ((a & (m - 1)) == 0)
				break;
		}
		b = b & 1 ? (b >> 1) ^ poly : b >> 1;
	}
	return p;
}

/* crc_shift is crc followed by len zero bytes, without the xors. */
static uint64_t
crc_shift(uint64_t crc, uint64_t len, uint64_t poly, int width)
{
	uint64_t sq = (uint64_t)1 << (width - 2);	/* x^1 */
	int i;

	for (i = 0; i < 3; i++)		/* x^8: one byte */
		sq = crc_mulmod(sq, sq, poly, width);
	for (; len != 0; len >>= 1) {
		if (len & 1)
			crc = crc_mulmod(sq, crc, poly, width);
		sq = crc_mulmod(sq, sq, poly, width);
	}
	return crc;
}

bool
s3_checksum_combine(const struct s3_checksum *ck, unsigned char *acc,
    const unsigned char *part, uint64_t len)
{
	static const uint64_t polys[] = { 0xedb88320u, 0x82f63b78u,
	    CRC64NVME_POLY };
	uint64_t a = 0, b = 0;
	size_t i, n;
	int width;

	if (!s3_checksum_is_crc(ck))
		return false;
	n = ck->ck_alg->ca_len;
	width = (int)n * 8;
	for (i = 0; i < n; i++) {
		a = a << 8 | acc[i];
		b = b << 8 | part[i];
	}
	/* With all-ones start and end xors, they cancel out. */
	a = crc_shift(a, len, polys[ck->ck_alg->ca_kind], width) ^ b;
	for (i = 0; i < n; i++)
		acc[i] = (unsigned char)(a >> (8 * (n - 1 - i)));
	return true;
}

bool
s3_checksum_is_value(const char *name)
{
	return strncasecmp(name, CKSUM_PREFIX, CKSUM_PREFIXLEN) == 0 &&
	    cksum_by_name(name + CKSUM_PREFIXLEN,
	    strlen(name + CKSUM_PREFIXLEN)) != NULL;
}
