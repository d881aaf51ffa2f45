/* test_bcache.c - the gateway's short-lived cache of bucket records */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tap.h"
#include "../../gatewayd/bcache.c"

static struct msg_bucket
bucket(const char *name, const char *owner, uint8_t versioning)
{
	struct msg_bucket b;

	memset(&b, 0, sizeof(b));
	b.b_name = proto_str_c(name);
	b.b_owner = proto_str_c(owner);
	b.b_versioning = versioning;
	b.b_acl = 3;
	return b;
}

static void
test_hit_and_copy(struct bcache *bc)
{
	struct msg_bucket b = bucket("photos", "b0b0", BUCKET_VER_ENABLED);
	struct backend_bucket bi;
	char owner[8] = "b0b0";
	uint64_t gen;

	ok(!bcache_get(bc, proto_str_c("photos"), &bi, &gen),
	    "an empty cache has nothing");
	b.b_owner = proto_str_c(owner);
	bcache_put(bc, &b, gen);
	owner[0] = 'X';		/* the cache must hold its own copy */
	ok(bcache_get(bc, proto_str_c("photos"), &bi, &gen),
	    "a record put is found");
	ok(strcmp(bi.bb_owner, "b0b0") == 0 &&
	    bi.bb_rec.b_owner.ps_ptr == bi.bb_owner &&
	    proto_str_eq(bi.bb_rec.b_name, "photos"),
	    "its strings are copies inside the result");
	ok(bi.bb_rec.b_versioning == BUCKET_VER_ENABLED &&
	    bi.bb_rec.b_acl == 3, "its flags come back");
	ok(!bcache_get(bc, proto_str_c("photo"), &bi, &gen) &&
	    !bcache_get(bc, proto_str_c("photoss"), &bi, &gen),
	    "a name that only shares a prefix misses");
}

static void
test_forget(struct bcache *bc)
{
	struct msg_bucket b = bucket("logs", "", 0);
	struct backend_bucket bi;
	uint64_t gen, stale;

	(void)bcache_get(bc, proto_str_c("logs"), &bi, &gen);
	bcache_put(bc, &b, gen);
	ok(bcache_get(bc, proto_str_c("logs"), &bi, &gen), "logs is cached");
	bcache_forget(bc, proto_str_c("logs"));
	ok(!bcache_get(bc, proto_str_c("logs"), &bi, &gen),
	    "forget drops it");
	/* A lookup that began before a change must not store what it read. */
	(void)bcache_get(bc, proto_str_c("logs"), &bi, &stale);
	bcache_forget(bc, proto_str_c("other"));
	bcache_put(bc, &b, stale);
	ok(!bcache_get(bc, proto_str_c("logs"), &bi, &gen),
	    "a record read before any change is not kept");
	bcache_put(bc, &b, gen);
	ok(bcache_get(bc, proto_str_c("logs"), &bi, &gen),
	    "one read after it is");
}

static void
test_ttl(struct bcache *bc)
{
	struct msg_bucket b = bucket("tmp", "", 0);
	struct timespec ts = { 0, (BCACHE_TTL_MS + 100) * 1000000L };
	struct backend_bucket bi;
	uint64_t gen;

	(void)bcache_get(bc, proto_str_c("tmp"), &bi, &gen);
	bcache_put(bc, &b, gen);
	ok(bcache_get(bc, proto_str_c("tmp"), &bi, &gen), "tmp is cached");
	while (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	nanosleep(&ts, NULL);
	ok(!bcache_get(bc, proto_str_c("tmp"), &bi, &gen),
	    "it expires after BCACHE_TTL_MS");
}

static void
test_too_long(struct bcache *bc)
{
	char name[PROTO_BUCKETMAX + 2];
	struct msg_bucket b;
	struct backend_bucket bi;
	uint64_t gen;

	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	b = bucket(name, "", 0);
	(void)bcache_get(bc, proto_str_c(name), &bi, &gen);
	bcache_put(bc, &b, gen);
	ok(!bcache_get(bc, proto_str_c(name), &bi, &gen),
	    "a name longer than a bucket name is never kept");
}

int
main(void)
{
	struct bcache *bc;

	plan(12);
	if (bcache_init(&bc) != 0)
		return 1;
	test_hit_and_copy(bc);
	test_forget(bc);
	test_ttl(bc);
	test_too_long(bc);
	bcache_free(bc);
	return tap_done();
}
