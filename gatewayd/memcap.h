/* memcap.h - a cap on the bytes of stripe buffers gatewayd holds at once */
#ifndef CAIRN_MEMCAP_H
#define CAIRN_MEMCAP_H

#include <pthread.h>
#include <stdint.h>

/*
 * The budget of [gatewayd] max_memory, shared by every worker.  A request
 * takes its buffers' bytes before allocating them and gives them back
 * after freeing them.  Owned by struct backend; mc_used and the waiters
 * are guarded by mc_lock.
 */
struct memcap {
	pthread_mutex_t	 mc_lock;
	pthread_cond_t	 mc_cond;	/* signalled when bytes come back */
	uint64_t	 mc_limit;	/* 0: no cap */
	uint64_t	 mc_used;
	uint64_t	 mc_peak;	/* highest mc_used so far */
	uint64_t	 mc_refused;	/* takes that timed out */
	int		 mc_wait_ms;
};

/* memcap_init sets up a cap of limit bytes (0: none); 0 or an error. */
int memcap_init(struct memcap *mc, uint64_t limit, int wait_ms);

/* memcap_fini frees the lock; nothing may be taken any more. */
void memcap_fini(struct memcap *mc);

/*
 * memcap_take reserves bytes, waiting up to mc_wait_ms for others to give
 * some back.  A request alone (holding all that is taken, or nothing is
 * taken) is always let in, even above the cap, so a cap below one stripe
 * still serves requests one at a time.  Takes and gives of one request
 * must run on one thread.  Returns 0, or CAIRN_ENOMEM when the wait ran
 * out (the client gets 503 SlowDown).
 */
int memcap_take(struct memcap *mc, uint64_t bytes);

/* memcap_try is memcap_take without the wait, for what a request can do
 * without (reading ahead): a refusal is not counted. */
int memcap_try(struct memcap *mc, uint64_t bytes);

/* memcap_give returns bytes taken by memcap_take and wakes the waiters. */
void memcap_give(struct memcap *mc, uint64_t bytes);

#endif
