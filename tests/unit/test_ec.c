/* test_ec.c - erasure coding: encode, lose every combination, rebuild */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "../../lib/ec.c"

struct layout {
	int	k;
	int	m;
};

static const struct layout layouts[] = {
	{ 1, 0 }, { 2, 1 }, { 2, 2 }, { 3, 2 }, { 4, 2 }, { 8, 4 },
};

static const size_t lengths[] = { 1, 1000, 4096, 524288 };

#define NLAYOUTS	(sizeof(layouts) / sizeof(layouts[0]))
#define NLENGTHS	(sizeof(lengths) / sizeof(lengths[0]))

/* One stripe: the working shards and a pristine copy of each. */
struct stripe {
	int		 n;
	size_t		 len;
	unsigned char	*shard[16];
	unsigned char	*orig[16];
};

static void
stripe_fill(struct stripe *s, const struct ec *ec, size_t len)
{
	size_t	j;
	int	i;

	s->n = ec->ec_k + ec->ec_m;
	s->len = len;
	for (i = 0; i < s->n; i++) {
		s->shard[i] = malloc(len);
		s->orig[i] = malloc(len);
		if (s->shard[i] == NULL || s->orig[i] == NULL)
			abort();
	}
	for (i = 0; i < ec->ec_k; i++)
		for (j = 0; j < len; j++)
			s->shard[i][j] = (unsigned char)random();
	ec_encode(ec, len, s->shard, &s->shard[ec->ec_k]);
	for (i = 0; i < s->n; i++)
		memcpy(s->orig[i], s->shard[i], len);
}

static void
stripe_free(struct stripe *s)
{
	int	i;

	for (i = 0; i < s->n; i++) {
		free(s->shard[i]);
		free(s->orig[i]);
	}
}

/*
 * try_loss wipes the shards whose bits are set in mask, rebuilds and
 * checks every shard against its original.  Returns the rebuild's code,
 * or 1 when it succeeded but a shard came back wrong.
 */
static int
try_loss(const struct ec *ec, struct stripe *s, unsigned mask)
{
	bool	present[16];
	int	i, rc;

	for (i = 0; i < s->n; i++) {
		present[i] = !(mask & (1u << i));
		if (!present[i])
			memset(s->shard[i], 0xa5, s->len);
	}
	rc = ec_reconstruct(ec, s->len, s->shard, present);
	for (i = 0; i < s->n; i++) {
		if (memcmp(s->shard[i], s->orig[i], s->len) == 0)
			continue;
		if (rc == 0)
			rc = 1;
		memcpy(s->shard[i], s->orig[i], s->len);
	}
	return rc;
}

/* check_layout tries every loss of up to m shards, then of m+1. */
static void
check_layout(const struct ec *ec, size_t len)
{
	struct stripe	s;
	unsigned	mask;
	int		bad = 0, tried = 0, quorum_bad = 0, quorum_tried = 0;
	int		lost;

	stripe_fill(&s, ec, len);
	for (mask = 0; mask < (1u << s.n); mask++) {
		lost = __builtin_popcount(mask);
		if (lost <= ec->ec_m) {
			tried++;
			if (try_loss(ec, &s, mask) != 0)
				bad++;
		} else if (lost == ec->ec_m + 1) {
			quorum_tried++;
			if (try_loss(ec, &s, mask) != CAIRN_EQUORUM)
				quorum_bad++;
		}
	}
	ok(bad == 0, "%d+%d len %zu: %d loss patterns rebuilt exactly",
	    ec->ec_k, ec->ec_m, len, tried);
	ok(quorum_tried > 0 && quorum_bad == 0,
	    "%d+%d len %zu: %d patterns of %d lost give CAIRN_EQUORUM",
	    ec->ec_k, ec->ec_m, len, quorum_tried, ec->ec_m + 1);
	stripe_free(&s);
}

/* Rebuilt parity must equal encoded parity, whatever the stale blocks held. */
static void
check_encode_matches_rebuild(void)
{
	struct ec	ec;
	struct stripe	s;
	bool		present[6] = { true, true, true, true, false, false };
	int		rc;

	ec_init(&ec, 4, 2);
	stripe_fill(&s, &ec, 4096);
	memset(s.shard[4], 0, 4096);
	memset(s.shard[5], 0xff, 4096);
	rc = ec_reconstruct(&ec, 4096, s.shard, present);
	ok(rc == 0 && memcmp(s.shard[4], s.orig[4], 4096) == 0 &&
	    memcmp(s.shard[5], s.orig[5], 4096) == 0,
	    "4+2: rebuilt parity equals encoded parity");
	stripe_free(&s);
	ec_free(&ec);
}

static void
check_init_bounds(void)
{
	struct ec	ec;

	is_int(ec_init(&ec, 0, 2), CAIRN_EINVAL, "ec_init rejects k = 0");
	is_int(ec_init(&ec, 2, -1), CAIRN_EINVAL, "ec_init rejects m < 0");
	is_int(ec_init(&ec, 12, 5), CAIRN_EINVAL, "ec_init rejects k+m > 16");
	is_int(ec_init(&ec, 12, 4), 0, "ec_init accepts 12+4");
	ec_free(&ec);
	ec_free(&ec);
	ok(ec.ec_matrix == NULL && ec.ec_tables == NULL,
	    "ec_free clears and may be called twice");
}

int
main(void)
{
	struct ec	ec;
	size_t		i, j;

	plan((int)(NLAYOUTS + NLAYOUTS * NLENGTHS * 2) + 1 + 5);
	srandom(1);
	for (i = 0; i < NLAYOUTS; i++) {
		is_int(ec_init(&ec, layouts[i].k, layouts[i].m), 0,
		    "ec_init %d+%d", layouts[i].k, layouts[i].m);
		for (j = 0; j < NLENGTHS; j++)
			check_layout(&ec, lengths[j]);
		ec_free(&ec);
	}
	check_encode_matches_rebuild();
	check_init_bounds();
	return tap_done();
}
