/* trash.c - shard sets deleted after a delay, by a thread of their own */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "errors.h"
#include "trash.h"
#include "util.h"

/* trash_pop takes the oldest item; the lock is held and tm_n > 0. */
static struct trash_item
trash_pop(struct trash *t)
{
	struct trash_item it = t->tm_ring[t->tm_head];

	t->tm_head = (t->tm_head + 1) % t->tm_cap;
	t->tm_n--;
	return it;
}

/* trash_wait_until sleeps on the condition until mono ms, or a signal. */
static void
trash_wait_until(struct trash *t, uint64_t due_ms)
{
	struct timespec ts;
	uint64_t now = util_mono_ms(), left = due_ms > now ? due_ms - now : 0;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)(left / 1000);
	ts.tv_nsec += (long)(left % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&t->tm_cond, &t->tm_lock, &ts);
}

/* trash_main deletes each item once it is due, or all of them at stop. */
static void *
trash_main(void *arg)
{
	struct trash *t = arg;
	struct trash_item it;

	pthread_mutex_lock(&t->tm_lock);
	for (;;) {
		if (t->tm_n == 0 && t->tm_stop)
			break;
		if (t->tm_n == 0) {
			pthread_cond_wait(&t->tm_cond, &t->tm_lock);
			continue;
		}
		if (!t->tm_stop &&
		    t->tm_ring[t->tm_head].ti_due_ms > util_mono_ms()) {
			trash_wait_until(t, t->tm_ring[t->tm_head].ti_due_ms);
			continue;
		}
		it = trash_pop(t);
		pthread_mutex_unlock(&t->tm_lock);
		t->tm_delete(t->tm_arg, &it);
		pthread_mutex_lock(&t->tm_lock);
	}
	pthread_mutex_unlock(&t->tm_lock);
	return NULL;
}

int
trash_start(struct trash *t, uint64_t delay_ms, uint32_t cap,
    void (*del)(void *, const struct trash_item *), void *arg)
{
	pthread_condattr_t ca;

	memset(t, 0, sizeof(*t));
	t->tm_delay_ms = delay_ms;
	t->tm_delete = del;
	t->tm_arg = arg;
	if (cap == 0 || (t->tm_ring = calloc(cap, sizeof(*t->tm_ring))) == NULL)
		return CAIRN_ENOMEM;
	t->tm_cap = cap;
	pthread_mutex_init(&t->tm_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->tm_cond, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&t->tm_thread, NULL, trash_main, t) != 0) {
		free(t->tm_ring);
		t->tm_ring = NULL;
		return CAIRN_ENOMEM;
	}
	t->tm_running = true;
	return 0;
}

void
trash_set_delay(struct trash *t, uint64_t delay_ms)
{
	if (!t->tm_running)
		return;
	pthread_mutex_lock(&t->tm_lock);
	t->tm_delay_ms = delay_ms;
	pthread_mutex_unlock(&t->tm_lock);
}

/* trash_item_make fills an item due delay_ms from now. */
static void
trash_item_make(struct trash_item *it, uint64_t delay_ms, const uint8_t *id,
    const int *drives, int n)
{
	int i;

	memset(it, 0, sizeof(*it));
	it->ti_due_ms = util_mono_ms() + delay_ms;
	memcpy(it->ti_id, id, PROTO_IDLEN);
	it->ti_n = (uint8_t)(n < PROTO_SHARDMAX ? n : PROTO_SHARDMAX);
	for (i = 0; i < it->ti_n; i++)
		it->ti_drive[i] = (int8_t)drives[i];
}

void
trash_put(struct trash *t, const uint8_t *id, const int *drives, int n)
{
	struct trash_item it, early;
	bool full;

	if (!t->tm_running) {
		trash_item_make(&it, 0, id, drives, n);
		t->tm_delete(t->tm_arg, &it);
		return;
	}
	pthread_mutex_lock(&t->tm_lock);
	trash_item_make(&it, t->tm_delay_ms, id, drives, n);
	if (t->tm_delay_ms == 0) {
		pthread_mutex_unlock(&t->tm_lock);
		t->tm_delete(t->tm_arg, &it);
		return;
	}
	if ((full = t->tm_n == t->tm_cap))
		early = trash_pop(t);
	t->tm_ring[(t->tm_head + t->tm_n) % t->tm_cap] = it;
	t->tm_n++;
	pthread_cond_signal(&t->tm_cond);
	pthread_mutex_unlock(&t->tm_lock);
	if (full)	/* the oldest waited longest: it goes first */
		t->tm_delete(t->tm_arg, &early);
}

void
trash_stop(struct trash *t)
{
	if (!t->tm_running)
		return;
	pthread_mutex_lock(&t->tm_lock);
	t->tm_stop = true;
	pthread_cond_signal(&t->tm_cond);
	pthread_mutex_unlock(&t->tm_lock);
	pthread_join(t->tm_thread, NULL);
	pthread_cond_destroy(&t->tm_cond);
	pthread_mutex_destroy(&t->tm_lock);
	free(t->tm_ring);
	t->tm_ring = NULL;
	t->tm_running = false;
}

uint32_t
trash_queued(struct trash *t)
{
	uint32_t n;

	if (!t->tm_running)
		return 0;
	pthread_mutex_lock(&t->tm_lock);
	n = t->tm_n;
	pthread_mutex_unlock(&t->tm_lock);
	return n;
}
