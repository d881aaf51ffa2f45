/* test_md5mb.c - the MD5s of many bodies at once, against OpenSSL's */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "tap.h"
#include "../../gatewayd/md5mb.c"

#define THREADS		12	/* more bodies than lanes */
#define BODIES		5	/* per thread */
#define PIECE		(1u << 20)

static struct md5mb engine;
static pthread_barrier_t barrier;

/* rnd is a small generator, so that every run tests the same bodies. */
static uint32_t
rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(*s >> 33);
}

static void
fill(unsigned char *p, size_t len, uint64_t *s)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (unsigned char)rnd(s);
}

static void
hex(char *out, const unsigned char md[16])
{
	int i;

	for (i = 0; i < 16; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
}

static void
test_rfc1321(void)
{
	static const char *const in[] = { "", "a", "abc", "message digest",
	    "abcdefghijklmnopqrstuvwxyz",
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
	    "1234567890123456789012345678901234567890123456789012345678901234"
	    "5678901234567890" };
	static const char *const want[] = {
	    "d41d8cd98f00b204e9800998ecf8427e",
	    "0cc175b9c0f1b6a831c399e269772661",
	    "900150983cd24fb0d6963f7d28e17f72",
	    "f96b697d7cb7938d525a2f31aaf161d0",
	    "c3fcd3d76192e4007dfb496cca67e13b",
	    "d174ab98d277d9f5a5611c2c9f419d9f",
	    "57edf4a22be3c955ac49da2e2107b67a" };
	struct md5mb_ctx ctx;
	unsigned char md[16];
	char got[33];
	size_t i;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		md5mb_begin(&engine, &ctx);
		md5mb_update(&ctx, in[i], strlen(in[i]));
		md5mb_final(&ctx, md);
		hex(got, md);
		ok(strcmp(got, want[i]) == 0, "RFC 1321 \"%.20s\": %s", in[i],
		    got);
	}
}

/* test_lanes runs lanes_blocks with 1 to 8 lanes of different data
 * against the scalar code, one lane at a time. */
static void
test_lanes(void)
{
	enum { NBLK = 37 };
	uint32_t st[4][MD5MB_LANES], one[4];
	const unsigned char *p[MD5MB_LANES];
	unsigned char *buf;
	uint64_t s = 7;
	int lanes, j, k, bad = 0;

	buf = malloc(MD5MB_LANES * NBLK * 64);
	fill(buf, MD5MB_LANES * NBLK * 64, &s);
	for (lanes = 1; lanes <= MD5MB_LANES; lanes++) {
		for (j = 0; j < MD5MB_LANES; j++) {
			p[j] = buf + (size_t)j * NBLK * 64;
			for (k = 0; k < 4; k++)
				st[k][j] = md5_iv[k] + (uint32_t)j;
		}
		/* every other lane, so that lanes outside the mask sit
		 * between lanes inside it */
		lanes_blocks(st, p, (1u << lanes) - 1 - (lanes > 2 ? 2 : 0),
		    NBLK);
		for (j = 0; j < lanes; j++) {
			if (lanes > 2 && j == 1)
				continue;
			for (k = 0; k < 4; k++)
				one[k] = md5_iv[k] + (uint32_t)j;
			md5mb_blocks(one, p[j], NBLK);
			for (k = 0; k < 4; k++)
				bad += one[k] != st[k][j];
		}
	}
	is_int(bad, 0, "each lane of 1 to %d hashes as the scalar code",
	    MD5MB_LANES);
	free(buf);
}

/* test_splits gives bodies in pieces of every size, against OpenSSL. */
static void
test_splits(void)
{
	unsigned char *body, md[16], want[16];
	struct md5mb_ctx ctx;
	uint64_t s = 11;
	size_t len, off, n;
	int i, bad = 0;

	body = malloc(300000);
	fill(body, 300000, &s);
	for (i = 0; i < 300; i++) {
		len = i < 130 ? (size_t)i : rnd(&s) % 300000;
		md5mb_begin(&engine, &ctx);
		for (off = 0; off < len; off += n) {
			n = rnd(&s) % (i % 3 == 0 ? 100 : 70000) + 1;
			if (n > len - off)
				n = len - off;
			md5mb_update(&ctx, body + off, n);
		}
		md5mb_final(&ctx, md);
		EVP_Digest(body, len, want, NULL, EVP_md5(), NULL);
		bad += memcmp(md, want, 16) != 0;
	}
	is_int(bad, 0, "300 bodies of 0 to 300,000 bytes, in pieces");
	free(body);
}

/*
 * body_thread hashes BODIES bodies the way a PUT does: a piece is read
 * into one of two buffers, given, and that buffer is refilled only after
 * the run before it is done.  A buffer refilled too early would show in
 * the digest, which OpenSSL checks on a copy.
 */
static void *
body_thread(void *arg)
{
	unsigned char *buf[2], *copy, md[16], want[16];
	uint64_t s = (uint64_t)(uintptr_t)arg;
	struct md5mb_ctx ctx;
	EVP_MD_CTX *ref = EVP_MD_CTX_new();
	size_t len, off, n;
	intptr_t bad = 0;
	int b, cur = 0;

	buf[0] = malloc(PIECE);
	buf[1] = malloc(PIECE);
	copy = malloc(PIECE);
	for (b = 0; b < BODIES; b++) {
		len = rnd(&s) % (5 * PIECE / 2) + (b == 0 ? PIECE : 1);
		md5mb_begin(&engine, &ctx);
		if (b == 0)
			pthread_barrier_wait(&barrier);
		EVP_DigestInit_ex(ref, EVP_md5(), NULL);
		for (off = 0; off < len; off += n) {
			n = len - off < PIECE ? len - off : PIECE;
			md5mb_sync(&ctx, 1);
			fill(buf[cur], n, &s);
			memcpy(copy, buf[cur], n);
			EVP_DigestUpdate(ref, copy, n);
			md5mb_update(&ctx, buf[cur], n);
			cur ^= 1;
		}
		md5mb_final(&ctx, md);
		EVP_DigestFinal_ex(ref, want, NULL);
		bad += memcmp(md, want, 16) != 0;
	}
	EVP_MD_CTX_free(ref);
	free(buf[0]);
	free(buf[1]);
	free(copy);
	return (void *)bad;
}

static void
test_threads(void)
{
	pthread_t t[THREADS];
	intptr_t bad = 0;
	void *ret;
	int i;

	pthread_barrier_init(&barrier, NULL, THREADS);
	engine.mm_passes = engine.mm_lanes_used = 0;
	for (i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, body_thread,
		    (void *)(uintptr_t)(i + 100));
	for (i = 0; i < THREADS; i++) {
		pthread_join(t[i], &ret);
		bad += (intptr_t)ret;
	}
	pthread_barrier_destroy(&barrier);
	is_int(bad, 0, "%d threads, %d bodies of up to 2.5 MiB each, two "
	    "buffers each", THREADS, BODIES);
	diag("%llu passes, %.2f lanes each", (unsigned long long)
	    engine.mm_passes, (double)engine.mm_lanes_used /
	    (double)engine.mm_passes);
	ok(engine.mm_lanes_used > engine.mm_passes,
	    "bodies were hashed side by side");
	is_int(engine.mm_open, 0, "every context was closed");
}

/* test_end closes a body halfway; its runs are waited for. */
static void
test_end(void)
{
	unsigned char *body = calloc(1, 3 * PIECE);
	struct md5mb_ctx ctx;

	md5mb_begin(&engine, &ctx);
	md5mb_update(&ctx, body, PIECE);
	md5mb_update(&ctx, body + PIECE, PIECE + 100);
	md5mb_end(&ctx);
	ok(ctx.mc_nrun == 0 && ctx.mc_eng == NULL && engine.mm_open == 0,
	    "a body ended halfway has no run left and is closed");
	md5mb_end(&ctx);
	is_int(engine.mm_open, 0, "ending it twice changes nothing");
	free(body);
}

int
main(void)
{
	plan(14);
	if (md5mb_init(&engine) != 0) {
		diag("md5mb_init failed");
		return 1;
	}
	test_rfc1321();
	test_lanes();
	test_splits();
	test_threads();
	test_end();
	md5mb_fini(&engine);
	return tap_done();
}
