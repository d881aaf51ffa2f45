/* test_chunked.c - the aws-chunked decoder and S3 checksums against AWS's examples */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "tap.h"
#include "../../gatewayd/sigv4.c"
#include "../../gatewayd/s3_chunked.c"
#include "../../gatewayd/s3_checksum.c"

/* The HTTP layer is not linked: the decoder is fed from memory. */
long
http_body_read(struct http_req *hr, void *buf, size_t len)
{
	(void)hr;
	(void)buf;
	(void)len;
	return -1;
}

const char *
http_header(const struct http_req *hr, const char *name, size_t *len)
{
	size_t	i;

	for (i = 0; i < hr->hr_nheaders; i++)
		if (strcmp(hr->hr_headers[i].hh_name, name) == 0) {
			*len = hr->hr_headers[i].hh_value_len;
			return hr->hr_headers[i].hh_value;
		}
	return NULL;
}

/*
 * "Signature Calculations for the Authorization Header: Transferring
 * Payload in Multiple Chunks" in the S3 API reference: 65536 + 1024 bytes
 * of 'a' in 64 KiB chunks, its seed and chunk signatures.
 */
#define SECRET		"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define NOW		1369353600	/* 20130524T000000Z */
#define SEED		"4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
#define SIG1		"ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"
#define SIG2		"0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"
#define SIG3		"b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"
#define DECODED		66560
#define ENCODED		66824

/*
 * Its sequel with trailing headers ("Signature calculations for trailing
 * headers"): the same data, another seed, a CRC32C trailer.  The page's
 * trailer signature (63bddb24...) does not follow from its own inputs by
 * the algorithm it describes, nor by the one AWS's SDKs and MinIO use
 * (HMAC over "AWS4-HMAC-SHA256-TRAILER", the date, the scope, the last
 * chunk's signature and the SHA-256 of "x-amz-checksum-crc32c:sOO8/Q==\n");
 * the value below is that computation's.
 */
#define TSEED		"106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e"
#define TSIG1		"b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2"
#define TSIG2		"1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7"
#define TSIG3		"2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992"
#define TRAILER_SIGV	"d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435"

/* A body in memory, handed out at most step bytes at a time, or split
 * once at cut (then in two reads) when cut is nonzero. */
struct feed {
	const unsigned char	*f_p;
	size_t			 f_len;
	size_t			 f_off;
	size_t			 f_step;
	size_t			 f_cut;
};

static long
feed_read(void *arg, void *buf, size_t len)
{
	struct feed	*f = arg;
	size_t		 n = f->f_len - f->f_off;

	if (f->f_cut > f->f_off && f->f_cut - f->f_off < n)
		n = f->f_cut - f->f_off;
	if (f->f_step > 0 && n > f->f_step)
		n = f->f_step;
	n = n < len ? n : len;
	memcpy(buf, f->f_p + f->f_off, n);
	f->f_off += n;
	return (long)n;
}

/* A growing buffer for bodies built by the tests. */
struct buf {
	unsigned char	*b_p;
	size_t		 b_len;
};

static void
buf_add(struct buf *b, const void *p, size_t len)
{
	if ((b->b_p = realloc(b->b_p, b->b_len + len + 1)) == NULL)
		abort();
	memcpy(b->b_p + b->b_len, p, len);
	b->b_len += len;
}

static void
buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void
buf_chunk(struct buf *b, size_t n, int c, const char *sig)
{
	char	line[128];
	unsigned char *data = malloc(n + 1);

	if (data == NULL)
		abort();
	memset(data, c, n);
	if (sig != NULL)
		snprintf(line, sizeof(line), "%zx;chunk-signature=%s\r\n", n,
		    sig);
	else
		snprintf(line, sizeof(line), "%zx\r\n", n);
	buf_str(b, line);
	buf_add(b, data, n);
	if (n > 0)
		buf_str(b, "\r\n");
	free(data);
}

/* aws_body builds the example's body with the given signatures. */
static struct buf
aws_body(const char *s1, const char *s2, const char *s3, const char *trailer)
{
	struct buf	b = { NULL, 0 };

	buf_chunk(&b, 65536, 'a', s1);
	buf_chunk(&b, 1024, 'a', s2);
	buf_chunk(&b, 0, 'a', s3);
	if (trailer != NULL)
		buf_str(&b, trailer);
	buf_str(&b, "\r\n");
	return b;
}

static void
chain_of(struct sigv4_chain *ch, const char *seed)
{
	struct sigv4_auth	a;

	memset(&a, 0, sizeof(a));
	strcpy(a.sa_date, "20130524");
	strcpy(a.sa_amz_date, "20130524T000000Z");
	strcpy(a.sa_region, "us-east-1");
	strcpy(a.sa_service, "s3");
	strcpy(a.sa_signature, seed);
	if (sigv4_chain_init(ch, &a, SECRET) != S3E_NONE)
		abort();
}

/*
 * decode runs the decoder over b, fed step bytes at a time (or cut in
 * two at cut), reading len bytes per call.  Returns the error, or
 * S3E_NONE with the data length in *out_len and every byte == want.
 */
static enum s3_err
decode(const struct buf *b, const char *seed, bool trailer, uint64_t size,
    size_t step, size_t cut, size_t len, size_t *out_len, int want)
{
	struct feed		f = { b->b_p, b->b_len, 0, step, cut };
	struct sigv4_chain	ch;
	struct s3_chunked	ck;
	unsigned char		*out = malloc(len);
	size_t			 i, total = 0;
	long			 n;
	enum s3_err		 e = S3E_NONE;

	if (seed != NULL)
		chain_of(&ch, seed);
	if (out == NULL || s3_chunked_init(&ck, feed_read, &f,
	    seed != NULL ? &ch : NULL, trailer, size) != 0)
		abort();
	while ((n = s3_chunked_read(&ck, out, len)) > 0) {
		for (i = 0; i < (size_t)n; i++)
			if (out[i] != want)
				e = S3E_INTERNAL;
		total += (size_t)n;
	}
	if (n < 0)
		e = ck.ck_err;
	else if (e == S3E_NONE)
		e = s3_chunked_finish(&ck);
	*out_len = total;
	s3_chunked_free(&ck);
	free(out);
	return e;
}

static void
test_aws_example(void)
{
	struct buf	b = aws_body(SIG1, SIG2, SIG3, NULL);
	static const size_t steps[] = { 0, 1, 2, 3, 7, 85, 4096, 65536 };
	size_t		i, got;
	bool		all = true;

	is_int(b.b_len, ENCODED, "the example body is %d bytes", ENCODED);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if (decode(&b, SEED, false, DECODED, steps[i], 0, 65536, &got,
		    'a') != S3E_NONE || got != DECODED) {
			all = false;
			diag("input in pieces of %zu: failed", steps[i]);
		}
	}
	ok(all, "AWS's chunked example decodes with every input piece size");
	is_int(decode(&b, SEED, false, DECODED, 0, 0, 1, &got, 'a'), S3E_NONE,
	    "and read one byte at a time");
	is_int(decode(&b, SEED, false, DECODED - 1, 0, 0, 65536, &got, 'a'),
	    S3E_INCOMPLETE_BODY, "more data than decoded length: "
	    "IncompleteBody");
	is_int(decode(&b, SEED, false, DECODED + 1, 0, 0, 65536, &got, 'a'),
	    S3E_INCOMPLETE_BODY, "less data than decoded length: "
	    "IncompleteBody");
	is_int(decode(&b, TSEED, false, DECODED, 0, 0, 65536, &got, 'a'),
	    S3E_SIGNATURE_MISMATCH, "another seed: SignatureDoesNotMatch");
	ok(got < 65536, "and the chunk's last byte is never handed out");
	free(b.b_p);
}

/* test_bad_signatures corrupts each signature and the data in turn. */
static void
test_bad_signatures(void)
{
	const char	*bad =
	    "1055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497";
	struct buf	b;
	size_t		got;

	b = aws_body(SIG1, bad, SIG3, NULL);
	is_int(decode(&b, SEED, false, DECODED, 0, 0, 65536, &got, 'a'),
	    S3E_SIGNATURE_MISMATCH, "second chunk signature wrong");
	is_int(got, 65536, "only the first chunk came out");
	free(b.b_p);
	b = aws_body(SIG1, SIG2, SIG1, NULL);
	is_int(decode(&b, SEED, false, DECODED, 0, 0, 65536, &got, 'a'),
	    S3E_SIGNATURE_MISMATCH, "last (empty) chunk signature wrong");
	free(b.b_p);
	b = aws_body(SIG1, SIG2, SIG3, NULL);
	b.b_p[200] = 'b';
	is_int(decode(&b, SEED, false, DECODED, 0, 0, 65536, &got, 'a'),
	    S3E_SIGNATURE_MISMATCH, "a byte of data changed");
	free(b.b_p);
	b = aws_body(SIG2, SIG1, SIG3, NULL);
	is_int(decode(&b, SEED, false, DECODED, 0, 0, 65536, &got, 'a'),
	    S3E_SIGNATURE_MISMATCH, "chunk signatures swapped");
	free(b.b_p);
}

static enum s3_err
decode_text(const char *text, const char *seed, bool trailer, uint64_t size)
{
	struct buf	b = { NULL, 0 };
	size_t		got;
	enum s3_err	e;

	buf_str(&b, text);
	e = decode(&b, seed, trailer, size, 0, 0, 4096, &got, 'a');
	free(b.b_p);
	return e;
}

static void
test_framing(void)
{
	is_int(decode_text("3\r\naaa\r\n0\r\n\r\n", NULL, false, 3), S3E_NONE,
	    "unsigned chunks decode");
	is_int(decode_text("3\r\naaa\r\n0\r\n", NULL, false, 3), S3E_NONE,
	    "a body stopping before the last empty line is taken");
	is_int(decode_text("3\r\naaa\r\n0\r\n\r\nx", NULL, false, 3),
	    S3E_INCOMPLETE_BODY, "bytes after the end: IncompleteBody");
	is_int(decode_text("3\r\naaa0\r\n\r\n", NULL, false, 3),
	    S3E_INCOMPLETE_BODY, "no CRLF after data: IncompleteBody");
	is_int(decode_text("3\naaa\r\n0\r\n\r\n", NULL, false, 3),
	    S3E_INCOMPLETE_BODY, "bare LF: IncompleteBody");
	is_int(decode_text("x3\r\naaa\r\n0\r\n\r\n", NULL, false, 3),
	    S3E_INCOMPLETE_BODY, "bad hex size: IncompleteBody");
	is_int(decode_text("\r\naaa\r\n0\r\n\r\n", NULL, false, 3),
	    S3E_INCOMPLETE_BODY, "empty size: IncompleteBody");
	is_int(decode_text("1000000000000000\r\n", NULL, false, 3),
	    S3E_INCOMPLETE_BODY, "16 hex digits: IncompleteBody");
	is_int(decode_text("3\r\naa", NULL, false, 3), S3E_INCOMPLETE_BODY,
	    "cut inside data: IncompleteBody");
	is_int(decode_text("", NULL, false, 0), S3E_INCOMPLETE_BODY,
	    "empty body: IncompleteBody");
	is_int(decode_text("3;chunk-signature=" SIG1 "\r\naaa\r\n0\r\n\r\n",
	    NULL, false, 3), S3E_INCOMPLETE_BODY,
	    "a signature in an unsigned body: IncompleteBody");
	is_int(decode_text("3\r\naaa\r\n0\r\n\r\n", SEED, false, 3),
	    S3E_INCOMPLETE_BODY, "no signature in a signed body: "
	    "IncompleteBody");
	is_int(decode_text("3;chunk-signature=abc\r\naaa\r\n0\r\n\r\n", SEED,
	    false, 3), S3E_INCOMPLETE_BODY, "short signature: IncompleteBody");
}

/* sign_chunk signs the next chunk as a client does and moves ch on. */
static void
sign_chunk(struct sigv4_chain *ch, const unsigned char *hash, char *sig)
{
	char		sts[512], hex[65];
	unsigned char	mac[32];

	util_hex(hex, hash, 32);
	snprintf(sts, sizeof(sts), "AWS4-HMAC-SHA256-PAYLOAD\n%s%s\n"
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	    "\n%s", ch->sc_head, ch->sc_prev, hex);
	if (HMAC(EVP_sha256(), ch->sc_key, 32, (unsigned char *)sts,
	    strlen(sts), mac, NULL) == NULL)
		abort();
	util_hex(sig, mac, 32);
	memcpy(ch->sc_prev, sig, 65);
}

/* test_small_chunks: signed chunks below 8 KiB are for the last only. */
static void
test_small_chunks(void)
{
	struct buf		b = { NULL, 0 };
	struct sigv4_chain	ch;
	unsigned char		hash[32];
	char			sig[3][65];
	unsigned char		data[100];
	size_t			got;
	int			i;

	chain_of(&ch, SEED);
	memset(data, 'a', sizeof(data));
	for (i = 0; i < 3; i++) {
		SHA256(data, i < 2 ? 100 : 0, hash);
		sign_chunk(&ch, hash, sig[i]);
	}
	buf_chunk(&b, 100, 'a', sig[0]);
	buf_chunk(&b, 100, 'a', sig[1]);
	buf_chunk(&b, 0, 'a', sig[2]);
	buf_str(&b, "\r\n");
	is_int(decode(&b, SEED, false, 200, 0, 0, 4096, &got, 'a'),
	    S3E_INVALID_CHUNK_SIZE, "a 100-byte signed chunk then another: "
	    "InvalidChunkSizeError");
	free(b.b_p);
}

/* The example's signed trailer. */
static void
test_signed_trailer(void)
{
	struct buf	b;
	size_t		got, len;
	struct feed	f;
	struct sigv4_chain ch;
	struct s3_chunked ck;
	unsigned char	out[4096];
	const char	*v;

	b = aws_body(TSIG1, TSIG2, TSIG3, "x-amz-checksum-crc32c:sOO8/Q==\r\n"
	    "x-amz-trailer-signature:" TRAILER_SIGV "\r\n");
	is_int(decode(&b, TSEED, true, DECODED, 0, 0, 65536, &got, 'a'),
	    S3E_NONE, "the trailer example decodes, its chunks verified");
	f = (struct feed){ b.b_p, b.b_len, 0, 0, 0 };
	chain_of(&ch, TSEED);
	s3_chunked_init(&ck, feed_read, &f, &ch, true, DECODED);
	while (s3_chunked_read(&ck, out, sizeof(out)) > 0)
		;
	v = s3_chunked_trailer(&ck, "x-amz-checksum-crc32c", &len);
	ok(v != NULL && len == 8 && memcmp(v, "sOO8/Q==", 8) == 0,
	    "the trailing checksum is kept");
	s3_chunked_free(&ck);
	free(b.b_p);
	b = aws_body(TSIG1, TSIG2, TSIG3, "x-amz-checksum-crc32c:sOO8/Q==\r\n"
	    "x-amz-trailer-signature:63bddb248ad2590c92712055f51b8e78ab024eead"
	    "08276b24f010b0efd74843f\r\n");
	is_int(decode(&b, TSEED, true, DECODED, 0, 0, 65536, &got, 'a'),
	    S3E_SIGNATURE_MISMATCH, "a wrong trailer signature: mismatch");
	free(b.b_p);
	b = aws_body(TSIG1, TSIG2, TSIG3, "x-amz-checksum-crc32c:sOO8/Q==\r\n");
	is_int(decode(&b, TSEED, true, DECODED, 0, 0, 65536, &got, 'a'),
	    S3E_SIGNATURE_MISMATCH, "an unsigned trailer in a signed body");
	free(b.b_p);
}

/*
 * test_every_split cuts an unsigned body with a trailer, and the signed
 * example's framing, at every byte boundary.
 */
static void
test_every_split(void)
{
	struct buf	b = { NULL, 0 };
	size_t		cut, got, bad = 0;

	buf_chunk(&b, 300, 'a', NULL);
	buf_chunk(&b, 7, 'a', NULL);
	buf_chunk(&b, 0, 'a', NULL);
	buf_str(&b, "x-amz-checksum-crc32:AAAAAA==\r\n\r\n");
	for (cut = 1; cut < b.b_len; cut++)
		if (decode(&b, NULL, true, 307, 0, cut, 4096, &got, 'a') !=
		    S3E_NONE || got != 307)
			bad++;
	is_int(bad, 0, "unsigned trailer body cut at each of %zu places",
	    b.b_len - 1);
	free(b.b_p);
	b = aws_body(SIG1, SIG2, SIG3, NULL);
	for (bad = 0, cut = 1; cut < b.b_len; cut += cut < 200 ||
	    cut > b.b_len - 400 || (cut > 65500 && cut < 65800) ? 1 : 997)
		if (decode(&b, SEED, false, DECODED, 0, cut, 65536, &got,
		    'a') != S3E_NONE || got != DECODED)
			bad++;
	is_int(bad, 0, "AWS's example cut at every framing byte");
	free(b.b_p);
}

/* --- checksums ------------------------------------------------------------ */

static void
test_crcs(void)
{
	struct s3_checksum	ck;
	unsigned char		*a = malloc(DECODED);

	is_int((long long)s3_checksum_crc64nvme(0, "123456789", 9),
	    (long long)0xae8b14860a799888ULL, "CRC-64/NVME check value");
	is_int((long long)s3_checksum_crc64nvme(s3_checksum_crc64nvme(0,
	    "1234", 4), "56789", 5), (long long)0xae8b14860a799888ULL,
	    "CRC-64/NVME in two pieces");
	memset(&ck, 0, sizeof(ck));
	ck.ck_alg = &cksum_algs[CK_CRC32];
	s3_checksum_update(&ck, "1234", 4);
	s3_checksum_update(&ck, "56789", 5);
	s3_checksum_final(&ck, NULL, 0);
	is_int(strcmp(ck.ck_value, "y/Q5Jg=="), 0, "CRC32 of 123456789 "
	    "(cbf43926)");
	memset(&ck, 0, sizeof(ck));
	ck.ck_alg = &cksum_algs[CK_CRC32C];
	ck.ck_crc32 = 0xffffffffu;
	memset(a, 'a', DECODED);
	s3_checksum_update(&ck, a, 65536);
	s3_checksum_update(&ck, a, 1024);
	s3_checksum_final(&ck, NULL, 0);
	is_int(strcmp(ck.ck_value, "sOO8/Q=="), 0, "CRC32C of the example: "
	    "sOO8/Q== as AWS shows");
	is_int(strcmp(ck.ck_name, "x-amz-checksum-crc32c"), 0,
	    "named x-amz-checksum-crc32c");
	free(a);
}

/* headers makes an http_req of "name:value" pairs. */
static struct http_req
headers(struct http_header *hh, const char *const *nv, size_t n)
{
	struct http_req	hr;
	size_t		i;

	memset(&hr, 0, sizeof(hr));
	for (i = 0; i < n; i++) {
		hh[i].hh_name = nv[2 * i];
		hh[i].hh_name_len = strlen(nv[2 * i]);
		hh[i].hh_value = nv[2 * i + 1];
		hh[i].hh_value_len = strlen(nv[2 * i + 1]);
	}
	hr.hr_headers = hh;
	hr.hr_nheaders = n;
	return hr;
}

static enum s3_err
check_body(const char *const *nv, size_t n, bool trailer_ok, const char *body,
    const char *tr)
{
	struct http_header	hh[8];
	struct http_req		hr = headers(hh, nv, n);
	struct s3_checksum	ck;
	enum s3_err		e;

	if ((e = s3_checksum_init(&ck, &hr, trailer_ok)) == S3E_NONE) {
		s3_checksum_update(&ck, body, strlen(body));
		e = s3_checksum_final(&ck, tr, tr ? strlen(tr) : 0);
	}
	s3_checksum_free(&ck);
	return e;
}

static void
test_checksum_headers(void)
{
	static const char *const good[] = { "x-amz-checksum-crc32", "y/Q5Jg==" };
	static const char *const wrong[] = { "x-amz-checksum-crc32", "y/Q5Jw==" };
	static const char *const b64[] = { "x-amz-checksum-crc32", "y/Q5J*==" };
	static const char *const len[] = { "x-amz-checksum-crc32", "y/Q5JgAA" };
	static const char *const two[] = { "x-amz-checksum-crc32", "y/Q5Jg==",
	    "x-amz-checksum-crc32c", "4waSgw==" };
	static const char *const sdk[] = { "x-amz-sdk-checksum-algorithm",
	    "SHA256", "x-amz-checksum-crc32", "y/Q5Jg==" };
	static const char *const sha[] = { "x-amz-checksum-sha256",
	    "FeKw08M4keuw8e9gnsQZQgwg4yDOlMZfvIwzEkSOsiU=" };
	static const char *const sha1[] = { "x-amz-checksum-sha1",
	    "98O8HYCOBHMq32eZZczDTKeuNEE=" };
	static const char *const c64[] = { "x-amz-checksum-crc64nvme",
	    "rosUhgp5mIg=" };
	static const char *const trl[] = { "x-amz-trailer",
	    "x-amz-checksum-crc32c" };
	static const char *const trbad[] = { "x-amz-trailer", "x-amz-meta-a" };

	is_int(check_body(good, 1, false, "123456789", NULL), S3E_NONE,
	    "x-amz-checksum-crc32 right");
	is_int(check_body(wrong, 1, false, "123456789", NULL), S3E_BAD_DIGEST,
	    "x-amz-checksum-crc32 wrong: BadDigest");
	is_int(check_body(b64, 1, false, "123456789", NULL),
	    S3E_INVALID_REQUEST, "bad base64: InvalidRequest");
	is_int(check_body(len, 1, false, "123456789", NULL),
	    S3E_INVALID_REQUEST, "a 6-byte CRC32: InvalidRequest");
	is_int(check_body(two, 2, false, "123456789", NULL),
	    S3E_INVALID_REQUEST, "two algorithms: InvalidRequest");
	is_int(check_body(sdk, 2, false, "123456789", NULL),
	    S3E_INVALID_REQUEST, "SDK algorithm differs from the header's");
	is_int(check_body(sha, 1, false, "123456789", NULL), S3E_NONE,
	    "x-amz-checksum-sha256 right");
	is_int(check_body(sha1, 1, false, "123456789", NULL), S3E_NONE,
	    "x-amz-checksum-sha1 right");
	is_int(check_body(c64, 1, false, "123456789", NULL), S3E_NONE,
	    "x-amz-checksum-crc64nvme right");
	is_int(check_body(trl, 1, true, "123456789", "4waSgw=="), S3E_NONE,
	    "trailing x-amz-checksum-crc32c right");
	is_int(check_body(trl, 1, true, "123456789", "4waSgA=="),
	    S3E_BAD_DIGEST, "trailing checksum wrong: BadDigest");
	is_int(check_body(trl, 1, true, "123456789", NULL),
	    S3E_INVALID_REQUEST, "announced trailer missing: InvalidRequest");
	is_int(check_body(trl, 1, false, "123456789", "4waSgw=="),
	    S3E_INVALID_REQUEST, "x-amz-trailer without a chunked body");
	is_int(check_body(trbad, 1, true, "123456789", NULL),
	    S3E_INVALID_REQUEST, "x-amz-trailer naming no checksum");
}

static void
test_strip_encoding(void)
{
	const char	*v;
	size_t		 len;

	v = "aws-chunked";
	len = strlen(v);
	s3_chunked_strip_encoding(&v, &len);
	is_int(len, 0, "Content-Encoding aws-chunked is not stored");
	v = "aws-chunked,gzip";
	len = strlen(v);
	s3_chunked_strip_encoding(&v, &len);
	ok(len == 4 && memcmp(v, "gzip", 4) == 0, "aws-chunked,gzip: gzip");
	v = "gzip";
	len = strlen(v);
	s3_chunked_strip_encoding(&v, &len);
	ok(len == 4 && memcmp(v, "gzip", 4) == 0, "gzip stays");
}

int
main(void)
{
	plan(54);
	test_aws_example();
	test_bad_signatures();
	test_framing();
	test_small_chunks();
	test_signed_trailer();
	test_every_split();
	test_crcs();
	test_checksum_headers();
	test_strip_encoding();
	return tap_done();
}
