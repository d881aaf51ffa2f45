/* test_scrub.c - scrubd's pieces without daemons: budget, id set, names */
#include "../../scrubd/scrub_rate.c"
#include "../../scrubd/scrub_ids.c"
#include "../../scrubd/scrub_names.c"

#include "tap.h"

static void
test_rate(void)
{
	struct scrub_rate r;
	uint64_t t = 1000000, waited = 0, w;
	int i;

	/* 100 tokens/s, burst 200: the first 200 are free. */
	scrub_rate_init(&r, 100, 200, t);
	is_int((long long)scrub_rate_take(&r, 200, t), 0, "burst is free");
	w = scrub_rate_take(&r, 50, t);
	ok(w >= 499000 && w <= 501000, "50 over the burst wait 0.5 s (%llu us)",
	    (unsigned long long)w);
	/* Paying the debt by waiting: no further wait for the same take. */
	t += w;
	is_int((long long)scrub_rate_take(&r, 0, t), 0, "debt paid after waiting");
	/* A long idle time refills to the burst, never beyond. */
	t += 3600ull * 1000000;
	is_int((long long)scrub_rate_take(&r, 200, t), 0, "refilled to burst");
	ok(scrub_rate_take(&r, 1, t) > 0, "but not beyond it");
	/* Steady state: 1000 takes of 1 at the rate need ~10 s of waiting. */
	scrub_rate_init(&r, 100, 1, t);
	for (i = 0; i < 1000; i++) {
		w = scrub_rate_take(&r, 1, t);
		t += w;
		waited += w;
	}
	ok(waited >= 9900000 && waited <= 10100000,
	    "1000 objects at 100/s take 10 s (%llu us)",
	    (unsigned long long)waited);
	/* An item larger than the burst passes, then waits its cost. */
	scrub_rate_init(&r, 1000, 1000, t);
	w = scrub_rate_take(&r, 5000, t);
	ok(w >= 3999000 && w <= 4001000, "a take of 5x the burst waits 4 s");
	/* Time going backwards gives nothing. */
	scrub_rate_init(&r, 10, 10, t);
	(void)scrub_rate_take(&r, 10, t);
	ok(scrub_rate_take(&r, 1, t - 1000000) > 0, "no tokens from the past");
}

static void
test_ids(void)
{
	struct scrub_ids s;
	uint8_t id[PROTO_IDLEN];
	int i, found = 0;

	memset(&s, 0, sizeof(s));
	memset(id, 0, sizeof(id));
	ok(!scrub_ids_has(&s, id), "empty set has nothing");
	for (i = 0; i < 5000; i++) {
		id[0] = (uint8_t)(i * 7);
		id[1] = (uint8_t)(i >> 8);
		id[15] = (uint8_t)i;
		if (scrub_ids_add(&s, id) != 0)
			break;
	}
	is_int((long long)s.si_n, 5000, "5000 ids added");
	scrub_ids_sort(&s);
	for (i = 0; i < 5000; i++) {
		id[0] = (uint8_t)(i * 7);
		id[1] = (uint8_t)(i >> 8);
		id[15] = (uint8_t)i;
		found += scrub_ids_has(&s, id);
	}
	is_int(found, 5000, "every id is found");
	id[1] = 0xff;
	ok(!scrub_ids_has(&s, id), "an id never added is not found");
	scrub_ids_free(&s);
}

static void
test_names(void)
{
	struct scrub_names l;
	char key[32];
	int i;

	memset(&l, 0, sizeof(l));
	scrub_names_add(&l, proto_str_c("b"), proto_str_c("k1"));
	scrub_names_add(&l, proto_str_c("b"), proto_str_c("k1"));
	is_int(l.sn_n, 1, "a name is listed once");
	ok(strcmp(l.sn_names[0], "b/k1") == 0, "as bucket/key");
	scrub_names_del(&l, proto_str_c("b"), proto_str_c("k1"));
	is_int(l.sn_n, 0, "and removed");
	for (i = 0; i < PROTO_SCRUBNAMES + 10; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		scrub_names_add(&l, proto_str_c("b"), proto_str_c(key));
	}
	is_int(l.sn_n, PROTO_SCRUBNAMES, "the list is bounded");
	is_int((long long)l.sn_total, PROTO_SCRUBNAMES + 10,
	    "the total counts every name");
	scrub_names_free(&l);
}

int
main(void)
{
	plan(17);
	test_rate();
	test_ids();
	test_names();
	return tap_done();
}
