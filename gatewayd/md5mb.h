/* md5mb.h - the MD5s of many uploads at once, in the lanes of vectors */
#ifndef CAIRN_MD5MB_H
#define CAIRN_MD5MB_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MD5MB_LANES	8	/* bodies hashed side by side */
#define MD5MB_RUNS	2	/* runs a body may have queued at once */

struct md5mb;

/*
 * The MD5 of one body.  Its owner (one thread) calls md5mb_update with the
 * body's bytes in order; the engine's thread hashes the whole 64-byte
 * blocks of each run later, so a run's bytes must stay untouched until
 * md5mb_sync says the run is done.  Between calls, mc_st, mc_run and the
 * list links belong to the engine and are guarded by its lock; the rest
 * is the owner's.
 */
struct md5mb_ctx {
	struct md5mb		*mc_eng;
	uint32_t		 mc_st[4];	/* A B C D after the runs done */
	uint64_t		 mc_len;	/* bytes given so far */
	unsigned char		 mc_tail[64];	/* given, not yet in a block */
	size_t			 mc_ntail;
	/* runs of whole blocks still to hash, oldest first */
	const unsigned char	*mc_run[MD5MB_RUNS];
	size_t			 mc_nblk[MD5MB_RUNS];
	int			 mc_nrun;
	int			 mc_lane;	/* -1: in no lane */
	struct md5mb_ctx	*mc_next;	/* on the engine's ready list */
	bool			 mc_ready;	/* on that list */
};

/*
 * The engine: one thread that hashes the queued runs of up to MD5MB_LANES
 * bodies together.  MD5 is a chain of dependent steps, so one body keeps a
 * core's vector units mostly idle; eight bodies in the eight lanes of a
 * register cost a little more than one.  The thread starts a pass when
 * every open body has a run queued, or someone waits, so that the lanes
 * fill.
 */
struct md5mb {
	pthread_mutex_t		 mm_lock;
	pthread_cond_t		 mm_work;	/* the thread waits for work */
	pthread_cond_t		 mm_done;	/* owners wait for their runs */
	pthread_t		 mm_thread;
	bool			 mm_started;
	bool			 mm_stop;
	struct md5mb_ctx	*mm_lane[MD5MB_LANES];
	struct md5mb_ctx	*mm_ready;	/* queued, in no lane yet */
	struct md5mb_ctx	**mm_ready_tail;
	int			 mm_nready;
	int			 mm_open;	/* contexts begun, not ended */
	int			 mm_waiting;	/* owners in md5mb_sync */
	uint64_t		 mm_passes;	/* segments hashed */
	uint64_t		 mm_lanes_used;	/* sum of lanes over them */
};

/* md5mb_init starts the engine's thread; 0 or a CAIRN_E* code. */
int md5mb_init(struct md5mb *mm);

/* md5mb_fini stops the thread; no context may be open. */
void md5mb_fini(struct md5mb *mm);

/* md5mb_begin opens ctx on the engine mm. */
void md5mb_begin(struct md5mb *mm, struct md5mb_ctx *ctx);

/*
 * md5mb_update gives the next len bytes of the body.  The whole blocks
 * among them are queued as a run that refers to p (p must stay until
 * md5mb_sync); a last partial block is copied.  Waits if MD5MB_RUNS runs
 * are queued already.
 */
void md5mb_update(struct md5mb_ctx *ctx, const void *p, size_t len);

/* md5mb_sync waits until at most depth runs of ctx remain queued. */
void md5mb_sync(struct md5mb_ctx *ctx, int depth);

/* md5mb_final waits for every run, writes the digest and closes ctx. */
void md5mb_final(struct md5mb_ctx *ctx, unsigned char md[16]);

/* md5mb_end closes ctx without a digest (after an error); it waits for
 * the runs still queued, as they refer to the caller's memory. */
void md5mb_end(struct md5mb_ctx *ctx);

/* md5mb_blocks hashes n whole blocks at p into st, on this thread. */
void md5mb_blocks(uint32_t st[4], const unsigned char *p, size_t n);

#endif
