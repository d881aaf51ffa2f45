/* placement.c - which drive of the erasure set holds which shard */
#include "config.h"

#include <stdint.h>

#include "gatewayd.h"

/*
 * FNV-1a over "bucket/key", mixed with a fixed seed.  The rotation spreads
 * parity over every drive of the set instead of pinning it to the last
 * ones.  The record stores the drive names it used, so changing this
 * function later only moves new objects.
 */
#define PLACEMENT_SEED	0x9e3779b97f4a7c15ULL

static uint64_t
fnv1a(uint64_t h, const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

int
placement_rotation(struct proto_str bucket, struct proto_str key, int n)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ PLACEMENT_SEED;

	h = fnv1a(h, bucket.ps_ptr, bucket.ps_len);
	h = fnv1a(h, "/", 1);
	h = fnv1a(h, key.ps_ptr, key.ps_len);
	h ^= h >> 33;		/* fold the high bits into the low ones */
	return (int)(h % (uint64_t)n);
}
