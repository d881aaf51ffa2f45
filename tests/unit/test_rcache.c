/* test_rcache.c - metad's record stamps (lib/stamp.c) and the records a
 * gateway keeps while they are current (gatewayd/rcache.c) */
#include <sys/stat.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "../../gatewayd/rcache.c"

static char url[128];

static struct proto_str
s(const char *p)
{
	return proto_str_c(p);
}

/* shm_path prints where the table of url lives in /dev/shm. */
static void
shm_path(char *buf, size_t len)
{
	char name[STAMP_NAMEMAX];

	stamp_name(name, url);
	snprintf(buf, len, "/dev/shm%s", name);
}

static void
test_stamps(void)
{
	struct stamp_tab *w, *r;
	struct stamp a, b;
	struct stat st;
	char path[64], name[16];
	uint32_t slot;

	is_int(stamp_open(&r, url), CAIRN_ENOENT, "no table before metad");
	ok(stamp_create(&w, url) == 0, "metad creates the table");
	shm_path(path, sizeof(path));
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600,
	    "readable by the daemons' user only");
	ok(stamp_open(&r, url) == 0, "a gateway maps it");
	slot = stamp_slot(util_hash(name, name_of(name, s("b"), s("k"))));
	is_int(slot, util_hash("b\0k", 3) & (STAMP_SLOTS - 1),
	    "the gateway's slot is metad's of bucket NUL key");
	ok(stamp_read(r, slot, &a) && (a.s_epoch & 1) == 0,
	    "an open table reads");
	ok(stamp_same(r, &a), "a stamp is current until a write");
	stamp_bump(w, "b\0k", 3);
	ok(!stamp_same(r, &a), "a write of the object changes it");
	stamp_read(r, slot, &a);
	stamp_bump(w, "b\0other", 7);
	ok(stamp_same(r, &a) ||
	    stamp_slot(util_hash("b\0other", 7)) == slot,
	    "a write of another object leaves it");
	stamp_unmap(w);
	/* metad dies and a new one opens the table left behind. */
	ok(stamp_create(&w, url) == 0, "a new metad reopens the table");
	ok(stamp_read(r, slot, &b) && b.s_epoch > a.s_epoch &&
	    !stamp_same(r, &a), "with a new epoch: nothing kept is current");
	stamp_close(w);
	ok(!stamp_read(r, slot, &b), "a closed table reads as closed");
	ok(stat(path, &st) != 0, "and its name is gone");
	stamp_unmap(r);
}

/* reply makes a stand-in for metad's reply: len bytes of c. */
static const char *
reply(char *buf, int c, size_t len)
{
	memset(buf, c, len);
	return buf;
}

static bool
got(struct rcache *rc, const char *key, int c, size_t len,
    struct rcache_stamp *st)
{
	nng_msg *m;
	bool same;

	if (!rcache_get(rc, s("b"), s(key), st, &m))
		return false;
	same = nng_msg_len(m) == len &&
	    ((const unsigned char *)nng_msg_body(m))[len - 1] == c;
	nng_msg_free(m);
	return same;
}

static void
test_cache(void)
{
	static char buf[RCACHE_ENTRYMAX + 1];
	struct rcache_stamp st, st2;
	struct stamp_tab *w;
	struct rcache *rc;
	uint64_t hits, misses, bytes;

	ok(rcache_init(&rc, "tcp://127.0.0.1:1", 1 << 20) == 0 && rc == NULL,
	    "no cache when metad is on another host");
	ok(rcache_init(&rc, url, 0) == 0 && rc == NULL,
	    "none when record_cache is 0");
	ok(rcache_init(&rc, url, 1 << 20) == 0 && rc != NULL, "a cache");
	ok(!got(rc, "k", 'a', 100, &st) && !st.rs_ok,
	    "nothing kept, nor to be kept, before metad's table exists");
	ok(stamp_create(&w, url) == 0, "metad starts");
	rc->rc_retry_ms = 0;	/* no second's wait in a test */
	ok(!got(rc, "k", 'a', 100, &st) && st.rs_ok, "a miss, with a stamp");
	rcache_put(rc, s("b"), s("k"), &st, reply(buf, 'a', 100), 100);
	ok(got(rc, "k", 'a', 100, &st2), "the reply kept is given back");
	ok(!got(rc, "k2", 'a', 100, &st2), "only for its own key");
	stamp_bump(w, "b\0k", 3);
	ok(!got(rc, "k", 'a', 100, &st), "a write of the object: a miss");
	rcache_counts(rc, &hits, &misses, &bytes);
	is_int((long long)bytes, 0, "and the record it replaced is dropped");
	/* A read sent before a write, answered after it. */
	stamp_bump(w, "b\0k", 3);
	rcache_put(rc, s("b"), s("k"), &st, reply(buf, 'b', 100), 100);
	ok(!got(rc, "k", 'b', 100, &st), "a reply older than a write is "
	    "never given");
	rcache_put(rc, s("b"), s("k"), &st, reply(buf, 'c', 200), 200);
	ok(got(rc, "k", 'c', 200, &st2), "a newer one replaces it");
	rcache_put(rc, s("b"), s("big"), &st, buf, RCACHE_ENTRYMAX + 1);
	ok(!got(rc, "big", 'c', RCACHE_ENTRYMAX + 1, &st2),
	    "a reply over RCACHE_ENTRYMAX is not kept");
	/* metad restarts: a new table, a new generation. */
	stamp_close(w);
	ok(!got(rc, "k", 'c', 200, &st) && !st.rs_ok,
	    "nothing while metad's table is closed");
	ok(stamp_create(&w, url) == 0, "metad starts again");
	rc->rc_retry_ms = 0;
	ok(!got(rc, "k", 'c', 200, &st) && st.rs_ok && st.rs_gen == 2,
	    "the new table is mapped; what was kept before is not current");
	rcache_put(rc, s("b"), s("k"), &st, reply(buf, 'd', 300), 300);
	ok(got(rc, "k", 'd', 300, &st2), "kept again after the restart");
	rcache_counts(rc, &hits, &misses, &bytes);
	ok(hits == 3 && misses == 6 && bytes > 300,
	    "hits %llu, misses %llu, bytes %llu", (unsigned long long)hits,
	    (unsigned long long)misses, (unsigned long long)bytes);
	stamp_close(w);
	rcache_free(rc);
}

static void
test_bound(void)
{
	static char buf[4096];
	struct rcache_stamp st;
	struct stamp_tab *w;
	struct rcache *rc;
	uint64_t hits, misses, bytes;
	char key[16];
	int i;

	ok(stamp_create(&w, url) == 0 &&
	    rcache_init(&rc, url, 64 * 1024) == 0, "a cache of 64 KiB");
	for (i = 0; i < 64; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		rcache_get(rc, s("b"), s(key), &st, &(nng_msg *){ NULL });
		rcache_put(rc, s("b"), s(key), &st, reply(buf, 'x', 4096),
		    4096);
	}
	rcache_counts(rc, &hits, &misses, &bytes);
	ok(bytes <= 64 * 1024 && bytes >= 32 * 1024,
	    "64 replies of 4 KiB keep it within its bound (%llu bytes)",
	    (unsigned long long)bytes);
	rcache_free(rc);
	stamp_close(w);
}

/* keep_many gets and puts n keys PREFIX0.. of 4 KiB; how many it then
 * finds kept. */
static int
keep_many(struct rcache *rc, const char *prefix, int n)
{
	static char buf[4096];
	struct rcache_stamp st;
	nng_msg *m;
	char key[32];
	int i, kept = 0;

	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "%s%d", prefix, i);
		if (rcache_get(rc, s("b"), s(key), &st, &m))
			nng_msg_free(m);
		rcache_put(rc, s("b"), s(key), &st, reply(buf, 'x', 4096),
		    4096);
	}
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "%s%d", prefix, i);
		kept += got(rc, key, 'x', 4096, &st);
	}
	return kept;
}

static void
test_room(void)
{
	struct stamp_tab *w;
	struct rcache *rc;
	uint64_t hits, misses, bytes;
	int n;

	ok(stamp_create(&w, url) == 0 &&
	    rcache_init(&rc, url, 2 << 20) == 0, "a cache of 2 MiB");
	n = keep_many(rc, "old", 480);
	ok(n > 400, "it keeps most of 480 records of 4 KiB (%d)", n);
	n = keep_many(rc, "new", 480);
	rcache_counts(rc, &hits, &misses, &bytes);
	ok(n > 240 && bytes <= (2 << 20) + 4 * RCACHE_ENTRYMAX,
	    "records of keys no longer read make room for new ones (%d "
	    "kept, %llu bytes)", n, (unsigned long long)bytes);
	rcache_free(rc);
	stamp_close(w);
}

/* set_index is the set of the name b NUL key in a table of 1024. */
static uint32_t
set_index(const char *key)
{
	char name[64];
	int n = snprintf(name, sizeof(name), "b%c%s", 0, key);

	return util_hash(name, (size_t)n) & 1023 & ~1u;
}

static void
test_sets(void)
{
	static char buf[64];
	char keys[3][16];
	struct rcache_stamp st;
	struct stamp_tab *w;
	struct rcache *rc;
	int i, n = 0;

	/* Three names of one set of two entries. */
	for (i = 0; n < 3 && i < 100000; i++) {
		snprintf(keys[n], sizeof(keys[n]), "s%d", i);
		if (n == 0 || set_index(keys[n]) == set_index(keys[0]))
			n++;
	}
	ok(n == 3 && stamp_create(&w, url) == 0 &&
	    rcache_init(&rc, url, 1 << 20) == 0 && rc->rc_nent == 1024,
	    "three names that share a set");
	for (i = 0; i < 3; i++) {
		ok(!got(rc, keys[i], 'a' + i, 10, &st), "%s: a miss", keys[i]);
		rcache_put(rc, s("b"), s(keys[i]), &st,
		    reply(buf, 'a' + i, 10), 10);
		if (i == 1)
			ok(got(rc, keys[0], 'a', 10, &st) &&
			    got(rc, keys[1], 'b', 10, &st),
			    "two are kept side by side");
	}
	ok(got(rc, keys[2], 'c', 10, &st) && got(rc, keys[1], 'b', 10, &st) &&
	    !got(rc, keys[0], 'a', 10, &st),
	    "a third evicts the one kept longest");
	rcache_free(rc);
	stamp_close(w);
}

int
main(void)
{
	plan(42);
	snprintf(url, sizeof(url), "ipc:///test-rcache-%ld.sock",
	    (long)getpid());
	test_stamps();
	test_cache();
	test_bound();
	test_sets();
	test_room();
	return tap_done();
}
