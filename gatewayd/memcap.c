/* memcap.c - a cap on the bytes of stripe buffers gatewayd holds at once */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "errors.h"
#include "memcap.h"

/*
 * Bytes the calling thread holds.  A worker thread runs one request at a
 * time, from its first take to its last give, so this is what its request
 * holds: a copy takes a read buffer and then a write buffer.
 */
static _Thread_local uint64_t memcap_mine;

int
memcap_init(struct memcap *mc, uint64_t limit, int wait_ms)
{
	pthread_condattr_t ca;
	int rc;

	memset(mc, 0, sizeof(*mc));
	mc->mc_limit = limit;
	mc->mc_wait_ms = wait_ms;
	if (pthread_condattr_init(&ca) != 0)
		return CAIRN_ENOMEM;
	/* The wait is bounded in elapsed time, whatever the wall clock does. */
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	rc = pthread_cond_init(&mc->mc_cond, &ca);
	pthread_condattr_destroy(&ca);
	if (rc != 0)
		return CAIRN_ENOMEM;
	if (pthread_mutex_init(&mc->mc_lock, NULL) != 0) {
		pthread_cond_destroy(&mc->mc_cond);
		return CAIRN_ENOMEM;
	}
	return 0;
}

void
memcap_fini(struct memcap *mc)
{
	pthread_cond_destroy(&mc->mc_cond);
	pthread_mutex_destroy(&mc->mc_lock);
}

/*
 * fits tells whether bytes more may be taken now; caller holds the lock.
 * A request that holds everything taken (or nothing is taken) always
 * may: waiting for itself would only end in a refusal.
 */
static int
fits(const struct memcap *mc, uint64_t bytes)
{
	return mc->mc_limit == 0 || mc->mc_used == memcap_mine ||
	    mc->mc_used + bytes <= mc->mc_limit;
}

static void
deadline(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* grant counts bytes as taken by this thread; under mc_lock. */
static void
grant(struct memcap *mc, uint64_t bytes)
{
	mc->mc_used += bytes;
	memcap_mine += bytes;
	if (mc->mc_used > mc->mc_peak)
		mc->mc_peak = mc->mc_used;
}

int
memcap_take(struct memcap *mc, uint64_t bytes)
{
	struct timespec until;
	int rc = 0;

	pthread_mutex_lock(&mc->mc_lock);
	if (!fits(mc, bytes)) {
		deadline(&until, mc->mc_wait_ms);
		while (!fits(mc, bytes) && rc != ETIMEDOUT)
			rc = pthread_cond_timedwait(&mc->mc_cond,
			    &mc->mc_lock, &until);
	}
	if (fits(mc, bytes)) {
		grant(mc, bytes);
		rc = 0;
	} else {
		mc->mc_refused++;
		rc = CAIRN_ENOMEM;
	}
	pthread_mutex_unlock(&mc->mc_lock);
	return rc;
}

int
memcap_try(struct memcap *mc, uint64_t bytes)
{
	int rc = CAIRN_ENOMEM;

	pthread_mutex_lock(&mc->mc_lock);
	if (fits(mc, bytes)) {
		grant(mc, bytes);
		rc = 0;
	}
	pthread_mutex_unlock(&mc->mc_lock);
	return rc;
}

void
memcap_give(struct memcap *mc, uint64_t bytes)
{
	memcap_mine -= bytes < memcap_mine ? bytes : memcap_mine;
	pthread_mutex_lock(&mc->mc_lock);
	mc->mc_used -= bytes < mc->mc_used ? bytes : mc->mc_used;
	pthread_cond_broadcast(&mc->mc_cond);
	pthread_mutex_unlock(&mc->mc_lock);
}
