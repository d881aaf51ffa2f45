/* test_trash.c - shard sets deleted after a delay that a reload changes */
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "tap.h"
#include "trash.h"
#include "util.h"

/* What the deleter saw: how many items, and the first byte of the last. */
static pthread_mutex_t seen_lock = PTHREAD_MUTEX_INITIALIZER;
static int seen_n;
static uint8_t seen_last;

static void
deleter(void *arg, const struct trash_item *it)
{
	(void)arg;
	pthread_mutex_lock(&seen_lock);
	seen_n++;
	seen_last = it->ti_id[0];
	pthread_mutex_unlock(&seen_lock);
}

static int
seen(void)
{
	int n;

	pthread_mutex_lock(&seen_lock);
	n = seen_n;
	pthread_mutex_unlock(&seen_lock);
	return n;
}

static void
put(struct trash *t, uint8_t first)
{
	uint8_t id[PROTO_IDLEN];
	int drives[2] = { 0, 1 };

	memset(id, 0, sizeof(id));
	id[0] = first;
	trash_put(t, id, drives, 2);
}

/* wait_seen waits (at most 5 s) until the deleter saw n items. */
static int
wait_seen(int n)
{
	struct timespec ts = { 0, 5 * 1000 * 1000 };
	int i;

	for (i = 0; i < 1000 && seen() < n; i++)
		nanosleep(&ts, NULL);
	return seen();
}

int
main(void)
{
	struct trash t;
	uint64_t t0;

	plan(9);
	is_int(trash_start(&t, 0, 8, deleter, NULL), 0, "start with delay 0");
	put(&t, 1);
	ok(seen() == 1 && seen_last == 1 && trash_queued(&t) == 0,
	    "delay 0: deleted at once, nothing queued");
	trash_set_delay(&t, 300);
	t0 = util_mono_ms();
	put(&t, 2);
	ok(seen() == 1 && trash_queued(&t) == 1,
	    "delay set to 300 ms: the next put waits in the queue");
	is_int(wait_seen(2), 2, "it is deleted once due");
	ok(util_mono_ms() - t0 >= 300 && seen_last == 2,
	    "not before its 300 ms");
	trash_set_delay(&t, 60000);
	put(&t, 3);
	trash_set_delay(&t, 0);
	put(&t, 4);
	ok(seen() == 3 && seen_last == 4 && trash_queued(&t) == 1,
	    "delay back to 0: deleted at once; the one queued keeps its time");
	trash_stop(&t);
	ok(seen() == 4 && seen_last == 3, "stop deletes what is queued");
	trash_set_delay(&t, 10);
	put(&t, 5);
	ok(seen() == 5 && seen_last == 5, "stopped: a put deletes at once");
	is_int(trash_queued(&t), 0, "stopped: nothing queued");
	return tap_done();
}
