/* trash.h - shard sets deleted after a delay, by a thread of their own */
#ifndef CAIRN_TRASH_H
#define CAIRN_TRASH_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "proto.h"

/* One shard set waiting to be deleted. */
struct trash_item {
	uint64_t	ti_due_ms;	/* monotonic */
	uint8_t		ti_id[PROTO_IDLEN];
	int8_t		ti_drive[PROTO_SHARDMAX];	/* -1: none */
	uint8_t		ti_n;
};

/*
 * A GET reads an object's record once and then its stripes: if an
 * overwrite, a delete or a lifecycle expiry removed the old shards at
 * once, a GET that began just before would fail half way.  So the shards
 * no record refers to any more wait here tm_delay_ms before a thread
 * deletes them, through tm_delete: the owner (gatewayd's backend,
 * scrubd's lifecycle) says how.  The queue is a ring of tm_cap items;
 * when it is full the oldest item is deleted early.  Items still queued
 * at a crash are orphans for the sweep of cairn-scrubd.  trash_put may be
 * called from any thread; tm_lock guards the ring and tm_stop.
 */
struct trash {
	pthread_mutex_t		 tm_lock;
	pthread_cond_t		 tm_cond;
	pthread_t		 tm_thread;
	struct trash_item	*tm_ring;
	uint32_t		 tm_cap, tm_head, tm_n;
	uint64_t		 tm_delay_ms;
	bool			 tm_running, tm_stop;
	void			(*tm_delete)(void *, const struct trash_item *);
	void			*tm_arg;
};

/*
 * trash_start starts the thread that calls del(arg, item) for each item
 * once due.  While the delay is 0 nothing is queued: trash_put deletes at
 * once.
 */
int trash_start(struct trash *t, uint64_t delay_ms, uint32_t cap,
    void (*del)(void *, const struct trash_item *), void *arg);

/* trash_set_delay changes the delay of the items put from now on (a
 * reload); those queued keep their time, and none leaves before it. */
void trash_set_delay(struct trash *t, uint64_t delay_ms);

/* trash_put queues the shards of id on drives[0..n) for deletion. */
void trash_put(struct trash *t, const uint8_t *id, const int *drives, int n);

/*
 * trash_stop hands whatever is still queued to the deleter at once, and
 * joins the thread.
 */
void trash_stop(struct trash *t);

/* trash_queued returns how many shard sets wait. */
uint32_t trash_queued(struct trash *t);

#endif
