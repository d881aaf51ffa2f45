/* md5mb.c - the MD5s of many uploads at once, in the lanes of vectors */
#include "config.h"

#include <endian.h>
#include <string.h>

#include "errors.h"
#include "md5mb.h"

/*
 * Each step of MD5 needs the one before, so a core hashing one body waits
 * on the latency of its adds and rotates and leaves most of its units
 * idle: about 0.7 GB/s, whatever the vector width.  The same code on
 * vectors of MD5MB_LANES words hashes that many bodies in a little more
 * than the time of one.  S3 wants an MD5 of every body for its ETag, and
 * OpenSSL has no such multi-buffer MD5 (isa-l_crypto has, but is not
 * packaged).
 */

#define SEG_BLOCKS	512	/* blocks of a pass before the lanes are dealt again */

typedef uint32_t lanes_t __attribute__((vector_size(4 * MD5MB_LANES)));

static const uint32_t md5_k[64] = {
	0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a,
	0xa8304613, 0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be,
	0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340,
	0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
	0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8,
	0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c,
	0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
	0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
	0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92,
	0xffeff47d, 0x85845dd1, 0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1,
	0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391
};

static const uint32_t md5_iv[4] = {
	0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476
};

/*
 * The 64 steps of a block (RFC 1321), for scalars and vectors alike.  The
 * message word and constant are added first, off the chain of dependent
 * operations.
 */
#define ROTL(x, n)	(((x) << (n)) | ((x) >> (32 - (n))))
#define F(b, c, d)	((d) ^ ((b) & ((c) ^ (d))))
#define G(b, c, d)	((c) ^ ((d) & ((b) ^ (c))))
#define H(b, c, d)	((b) ^ (c) ^ (d))
#define I(b, c, d)	((c) ^ ((b) | ~(d)))
#define STEP(f, a, b, c, d, i, g, s) do {				\
	(a) += w[g] + md5_k[i];						\
	(a) += f(b, c, d);						\
	(a) = ROTL(a, s);						\
	(a) += (b);							\
} while (0)
#define G0(i)	(i)
#define G1(i)	((5 * (i) + 1) & 15)
#define G2(i)	((3 * (i) + 5) & 15)
#define G3(i)	((7 * (i)) & 15)
#define FOUR(f, i, gi, s0, s1, s2, s3) do {				\
	STEP(f, a, b, c, d, i, gi(i), s0);				\
	STEP(f, d, a, b, c, (i) + 1, gi((i) + 1), s1);			\
	STEP(f, c, d, a, b, (i) + 2, gi((i) + 2), s2);			\
	STEP(f, b, c, d, a, (i) + 3, gi((i) + 3), s3);			\
} while (0)
#define ROUNDS() do {							\
	FOUR(F, 0, G0, 7, 12, 17, 22);	FOUR(F, 4, G0, 7, 12, 17, 22);	\
	FOUR(F, 8, G0, 7, 12, 17, 22);	FOUR(F, 12, G0, 7, 12, 17, 22);	\
	FOUR(G, 16, G1, 5, 9, 14, 20);	FOUR(G, 20, G1, 5, 9, 14, 20);	\
	FOUR(G, 24, G1, 5, 9, 14, 20);	FOUR(G, 28, G1, 5, 9, 14, 20);	\
	FOUR(H, 32, G2, 4, 11, 16, 23);	FOUR(H, 36, G2, 4, 11, 16, 23);	\
	FOUR(H, 40, G2, 4, 11, 16, 23);	FOUR(H, 44, G2, 4, 11, 16, 23);	\
	FOUR(I, 48, G3, 6, 10, 15, 21);	FOUR(I, 52, G3, 6, 10, 15, 21);	\
	FOUR(I, 56, G3, 6, 10, 15, 21);	FOUR(I, 60, G3, 6, 10, 15, 21);	\
} while (0)

void
md5mb_blocks(uint32_t st[4], const unsigned char *p, size_t n)
{
	uint32_t a = st[0], b = st[1], c = st[2], d = st[3], w[16];
	int i;

	for (; n > 0; n--, p += 64) {
		memcpy(w, p, sizeof(w));
		for (i = 0; i < 16; i++)
			w[i] = le32toh(w[i]);
		ROUNDS();
		a += st[0]; b += st[1]; c += st[2]; d += st[3];
		st[0] = a; st[1] = b; st[2] = c; st[3] = d;
	}
}

/* On x86-64 the loader picks the widest build the CPU runs (AVX-512 has
 * a rotate and a three-input logic op, which shorten each step). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define LANES_CLONES \
	__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define LANES_CLONES
#endif

/* lanes_load gathers word i of each lane's block into row i of t. */
static inline void
lanes_load(uint32_t t[16][MD5MB_LANES], const unsigned char *const *p,
    unsigned mask, size_t off)
{
	uint32_t x;
	int i, j;

	for (j = 0; j < MD5MB_LANES; j++) {
		if (!(mask >> j & 1))
			continue;
		for (i = 0; i < 16; i++) {
			memcpy(&x, p[j] + off + 4 * (size_t)i, 4);
			t[i][j] = le32toh(x);
		}
	}
}

/*
 * lanes_blocks hashes n blocks from each lane j in mask, at p[j], into
 * st[.][j].  Lanes outside the mask compute garbage that nobody reads.
 */
LANES_CLONES static void
lanes_blocks(uint32_t st[4][MD5MB_LANES], const unsigned char *const *p,
    unsigned mask, size_t n)
{
	uint32_t t[16][MD5MB_LANES] __attribute__((aligned(32)));
	lanes_t a, b, c, d, a0, b0, c0, d0, w[16];
	size_t blk;
	int i;

	memset(t, 0, sizeof(t));
	memcpy(&a, st[0], sizeof(a));
	memcpy(&b, st[1], sizeof(b));
	memcpy(&c, st[2], sizeof(c));
	memcpy(&d, st[3], sizeof(d));
	for (blk = 0; blk < n; blk++) {
		lanes_load(t, p, mask, blk * 64);
		for (i = 0; i < 16; i++)
			memcpy(&w[i], t[i], sizeof(w[i]));
		a0 = a; b0 = b; c0 = c; d0 = d;
		ROUNDS();
		a += a0; b += b0; c += c0; d += d0;
	}
	memcpy(st[0], &a, sizeof(a));
	memcpy(st[1], &b, sizeof(b));
	memcpy(st[2], &c, sizeof(c));
	memcpy(st[3], &d, sizeof(d));
}

/* --- the engine's thread ---------------------------------------------------------------- */

/* One pass: the lanes' states and data, copied out from under the lock. */
struct pass {
	uint32_t		 ps_st[4][MD5MB_LANES];
	const unsigned char	*ps_p[MD5MB_LANES];
	unsigned		 ps_mask;	/* the busy lanes */
	size_t			 ps_nblk;
};

static int
lanes_busy(const struct md5mb *mm)
{
	int i, n = 0;

	for (i = 0; i < MD5MB_LANES; i++)
		n += mm->mm_lane[i] != NULL;
	return n;
}

/*
 * should_run: a pass over fewer bodies than are open wastes lanes, so the
 * thread waits for every open body to have a run, unless an owner waits
 * (its two buffers are full, or its body is at its end).  Bodies that
 * wait on their clients hold the others back by two stripes at most.
 */
static bool
should_run(const struct md5mb *mm)
{
	int work = lanes_busy(mm) + mm->mm_nready;

	return work > 0 && (work >= mm->mm_open || work >= MD5MB_LANES ||
	    mm->mm_waiting > 0);
}

/* deal puts ready contexts into free lanes. */
static void
deal(struct md5mb *mm)
{
	struct md5mb_ctx *ctx;
	int i;

	for (i = 0; i < MD5MB_LANES && mm->mm_ready != NULL; i++) {
		if (mm->mm_lane[i] != NULL)
			continue;
		ctx = mm->mm_ready;
		if ((mm->mm_ready = ctx->mc_next) == NULL)
			mm->mm_ready_tail = &mm->mm_ready;
		mm->mm_nready--;
		ctx->mc_next = NULL;
		ctx->mc_ready = false;
		ctx->mc_lane = i;
		mm->mm_lane[i] = ctx;
	}
}

/* pass_take copies the busy lanes out; the pass runs as far as the
 * shortest of their current runs, SEG_BLOCKS at most. */
static void
pass_take(struct md5mb *mm, struct pass *ps)
{
	struct md5mb_ctx *ctx;
	int i, k;

	memset(ps, 0, sizeof(*ps));
	ps->ps_nblk = SEG_BLOCKS;
	for (i = 0; i < MD5MB_LANES; i++) {
		if ((ctx = mm->mm_lane[i]) == NULL)
			continue;
		for (k = 0; k < 4; k++)
			ps->ps_st[k][i] = ctx->mc_st[k];
		ps->ps_p[i] = ctx->mc_run[0];
		ps->ps_mask |= 1u << i;
		if (ctx->mc_nblk[0] < ps->ps_nblk)
			ps->ps_nblk = ctx->mc_nblk[0];
	}
}

/* pass_run hashes a pass; one body alone goes faster on scalars. */
static void
pass_run(struct pass *ps)
{
	uint32_t st[4];
	int i, k;

	if (__builtin_popcount(ps->ps_mask) > 1) {
		lanes_blocks(ps->ps_st, ps->ps_p, ps->ps_mask, ps->ps_nblk);
		return;
	}
	i = __builtin_ctz(ps->ps_mask);
	for (k = 0; k < 4; k++)
		st[k] = ps->ps_st[k][i];
	md5mb_blocks(st, ps->ps_p[i], ps->ps_nblk);
	for (k = 0; k < 4; k++)
		ps->ps_st[k][i] = st[k];
}

/* run_advance moves ctx past n blocks of its oldest run; true if that
 * run is done. */
static bool
run_advance(struct md5mb_ctx *ctx, size_t n)
{
	ctx->mc_run[0] += n * 64;
	if ((ctx->mc_nblk[0] -= n) > 0)
		return false;
	memmove(ctx->mc_run, ctx->mc_run + 1,
	    sizeof(ctx->mc_run[0]) * (MD5MB_RUNS - 1));
	memmove(ctx->mc_nblk, ctx->mc_nblk + 1,
	    sizeof(ctx->mc_nblk[0]) * (MD5MB_RUNS - 1));
	ctx->mc_nrun--;
	return true;
}

/* pass_settle copies the states back, frees the lanes of bodies with no
 * run left and wakes owners whose runs are done. */
static void
pass_settle(struct md5mb *mm, const struct pass *ps)
{
	struct md5mb_ctx *ctx;
	bool done = false;
	int i, k;

	mm->mm_passes++;
	mm->mm_lanes_used += (uint64_t)__builtin_popcount(ps->ps_mask);
	for (i = 0; i < MD5MB_LANES; i++) {
		if (!(ps->ps_mask >> i & 1))
			continue;
		ctx = mm->mm_lane[i];
		for (k = 0; k < 4; k++)
			ctx->mc_st[k] = ps->ps_st[k][i];
		if (!run_advance(ctx, ps->ps_nblk))
			continue;
		done = true;
		if (ctx->mc_nrun == 0) {
			ctx->mc_lane = -1;
			mm->mm_lane[i] = NULL;
		}
	}
	if (done)
		pthread_cond_broadcast(&mm->mm_done);
}

static void *
engine_main(void *arg)
{
	struct md5mb *mm = arg;
	struct pass ps;

	pthread_mutex_lock(&mm->mm_lock);
	for (;;) {
		while (!mm->mm_stop && !should_run(mm))
			pthread_cond_wait(&mm->mm_work, &mm->mm_lock);
		if (mm->mm_stop)
			break;
		deal(mm);
		pass_take(mm, &ps);
		pthread_mutex_unlock(&mm->mm_lock);
		pass_run(&ps);
		pthread_mutex_lock(&mm->mm_lock);
		pass_settle(mm, &ps);
	}
	pthread_mutex_unlock(&mm->mm_lock);
	return NULL;
}

int
md5mb_init(struct md5mb *mm)
{
	memset(mm, 0, sizeof(*mm));
	mm->mm_ready_tail = &mm->mm_ready;
	if (pthread_mutex_init(&mm->mm_lock, NULL) != 0)
		return CAIRN_ENOMEM;
	pthread_cond_init(&mm->mm_work, NULL);
	pthread_cond_init(&mm->mm_done, NULL);
	if (pthread_create(&mm->mm_thread, NULL, engine_main, mm) != 0) {
		md5mb_fini(mm);
		return CAIRN_ENOMEM;
	}
	mm->mm_started = true;
	return 0;
}

void
md5mb_fini(struct md5mb *mm)
{
	if (mm->mm_started) {
		pthread_mutex_lock(&mm->mm_lock);
		mm->mm_stop = true;
		pthread_cond_signal(&mm->mm_work);
		pthread_mutex_unlock(&mm->mm_lock);
		pthread_join(mm->mm_thread, NULL);
		mm->mm_started = false;
	}
	pthread_cond_destroy(&mm->mm_work);
	pthread_cond_destroy(&mm->mm_done);
	pthread_mutex_destroy(&mm->mm_lock);
}

/* --- a body's side ---------------------------------------------------------------------- */

void
md5mb_begin(struct md5mb *mm, struct md5mb_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->mc_eng = mm;
	ctx->mc_lane = -1;
	memcpy(ctx->mc_st, md5_iv, sizeof(ctx->mc_st));
	pthread_mutex_lock(&mm->mm_lock);
	mm->mm_open++;
	pthread_mutex_unlock(&mm->mm_lock);
}

/* wait_runs waits, under the lock, until at most depth runs remain. */
static void
wait_runs(struct md5mb_ctx *ctx, int depth)
{
	struct md5mb *mm = ctx->mc_eng;

	while (ctx->mc_nrun > depth) {
		mm->mm_waiting++;
		pthread_cond_signal(&mm->mm_work);
		pthread_cond_wait(&mm->mm_done, &mm->mm_lock);
		mm->mm_waiting--;
	}
}

/* queue_run adds a run of n blocks at p to ctx, and ctx to the ready
 * list unless it is there or in a lane. */
static void
queue_run(struct md5mb_ctx *ctx, const unsigned char *p, size_t n)
{
	struct md5mb *mm = ctx->mc_eng;

	pthread_mutex_lock(&mm->mm_lock);
	wait_runs(ctx, MD5MB_RUNS - 1);
	ctx->mc_run[ctx->mc_nrun] = p;
	ctx->mc_nblk[ctx->mc_nrun] = n;
	ctx->mc_nrun++;
	if (ctx->mc_lane < 0 && !ctx->mc_ready) {
		ctx->mc_ready = true;
		*mm->mm_ready_tail = ctx;
		mm->mm_ready_tail = &ctx->mc_next;
		mm->mm_nready++;
	}
	if (should_run(mm))
		pthread_cond_signal(&mm->mm_work);
	pthread_mutex_unlock(&mm->mm_lock);
}

/* fill_tail moves bytes of p into the partial block; a block it fills is
 * hashed here, once the runs before it are. */
static size_t
fill_tail(struct md5mb_ctx *ctx, const unsigned char *p, size_t len)
{
	size_t n = 64 - ctx->mc_ntail;

	if (n > len)
		n = len;
	memcpy(ctx->mc_tail + ctx->mc_ntail, p, n);
	ctx->mc_ntail += n;
	if (ctx->mc_ntail == 64) {
		md5mb_sync(ctx, 0);
		md5mb_blocks(ctx->mc_st, ctx->mc_tail, 1);
		ctx->mc_ntail = 0;
	}
	return n;
}

void
md5mb_update(struct md5mb_ctx *ctx, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t n;

	ctx->mc_len += len;
	if (ctx->mc_ntail > 0) {
		n = fill_tail(ctx, p, len);
		p += n;
		len -= n;
	}
	if ((n = len / 64) > 0)
		queue_run(ctx, p, n);
	if (len % 64 > 0)
		fill_tail(ctx, p + n * 64, len % 64);
}

void
md5mb_sync(struct md5mb_ctx *ctx, int depth)
{
	pthread_mutex_lock(&ctx->mc_eng->mm_lock);
	wait_runs(ctx, depth);
	pthread_mutex_unlock(&ctx->mc_eng->mm_lock);
}

void
md5mb_end(struct md5mb_ctx *ctx)
{
	struct md5mb *mm = ctx->mc_eng;

	if (mm == NULL)
		return;
	pthread_mutex_lock(&mm->mm_lock);
	wait_runs(ctx, 0);
	mm->mm_open--;
	/* The others may have been waiting for this body's run. */
	if (should_run(mm))
		pthread_cond_signal(&mm->mm_work);
	pthread_mutex_unlock(&mm->mm_lock);
	ctx->mc_eng = NULL;
}

void
md5mb_final(struct md5mb_ctx *ctx, unsigned char md[16])
{
	unsigned char pad[128];
	uint64_t bits = htole64(ctx->mc_len * 8);
	size_t n;
	int i;

	md5mb_sync(ctx, 0);
	memset(pad, 0, sizeof(pad));
	memcpy(pad, ctx->mc_tail, ctx->mc_ntail);
	pad[ctx->mc_ntail] = 0x80;
	n = ctx->mc_ntail < 56 ? 64 : 128;
	memcpy(pad + n - 8, &bits, 8);
	md5mb_blocks(ctx->mc_st, pad, n / 64);
	for (i = 0; i < 4; i++) {
		uint32_t v = htole32(ctx->mc_st[i]);

		memcpy(md + 4 * i, &v, 4);
	}
	md5mb_end(ctx);
}
