/* bcache.c - bucket records kept for a moment, so a request needs no
 * metad round trip to learn its bucket's owner, ACL and versioning */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "gatewayd.h"
#include "util.h"

/*
 * A direct-mapped table: a slot holds the last bucket hashed to it.  An
 * entry is good for BCACHE_TTL_MS; this gateway drops it at once when it
 * changes or deletes the bucket.  The generation guards against a lookup
 * that started before such a change storing the older record after it:
 * bcache_put stores only if no bucket changed since bcache_gen was read.
 */
struct bcache_ent {
	char		be_name[PROTO_BUCKETMAX + 1];
	char		be_owner[PROTO_OWNERMAX + 1];
	struct msg_bucket be_rec;	/* its strings are not used */
	uint64_t	be_expires_ms;
};

struct bcache {
	pthread_mutex_t		bc_lock;
	uint64_t		bc_gen;
	struct bcache_ent	bc_slot[BCACHE_SLOTS];
};

int
bcache_init(struct bcache **bcp)
{
	struct bcache *bc;

	if ((bc = calloc(1, sizeof(*bc))) == NULL)
		return CAIRN_ENOMEM;
	pthread_mutex_init(&bc->bc_lock, NULL);
	*bcp = bc;
	return 0;
}

void
bcache_free(struct bcache *bc)
{
	if (bc == NULL)
		return;
	pthread_mutex_destroy(&bc->bc_lock);
	free(bc);
}

static struct bcache_ent *
slot_of(struct bcache *bc, struct proto_str name)
{
	return &bc->bc_slot[util_hash(name.ps_ptr, name.ps_len) % BCACHE_SLOTS];
}

static bool
holds(const struct bcache_ent *e, struct proto_str name)
{
	return name.ps_len == strlen(e->be_name) &&
	    memcmp(name.ps_ptr, e->be_name, name.ps_len) == 0;
}

/* fill copies e into bi, pointing bi's strings at its own buffers. */
static void
fill(const struct bcache_ent *e, struct backend_bucket *bi)
{
	memcpy(bi->bb_name, e->be_name, sizeof(bi->bb_name));
	memcpy(bi->bb_owner, e->be_owner, sizeof(bi->bb_owner));
	bi->bb_rec = e->be_rec;
	bi->bb_rec.b_name = proto_str_c(bi->bb_name);
	bi->bb_rec.b_owner = proto_str_c(bi->bb_owner);
}

bool
bcache_get(struct bcache *bc, struct proto_str name, struct backend_bucket *bi,
    uint64_t *gen)
{
	struct bcache_ent *e;
	bool hit;

	pthread_mutex_lock(&bc->bc_lock);
	*gen = bc->bc_gen;
	e = slot_of(bc, name);
	hit = e->be_expires_ms > util_mono_ms() && holds(e, name);
	if (hit)
		fill(e, bi);
	pthread_mutex_unlock(&bc->bc_lock);
	return hit;
}

void
bcache_put(struct bcache *bc, const struct msg_bucket *b, uint64_t gen)
{
	struct bcache_ent *e;

	if (b->b_name.ps_len > PROTO_BUCKETMAX ||
	    b->b_owner.ps_len > PROTO_OWNERMAX)
		return;
	pthread_mutex_lock(&bc->bc_lock);
	if (gen == bc->bc_gen) {
		e = slot_of(bc, b->b_name);
		memcpy(e->be_name, b->b_name.ps_ptr, b->b_name.ps_len);
		e->be_name[b->b_name.ps_len] = '\0';
		memcpy(e->be_owner, b->b_owner.ps_ptr, b->b_owner.ps_len);
		e->be_owner[b->b_owner.ps_len] = '\0';
		e->be_rec = *b;
		e->be_expires_ms = util_mono_ms() + BCACHE_TTL_MS;
	}
	pthread_mutex_unlock(&bc->bc_lock);
}

void
bcache_forget(struct bcache *bc, struct proto_str name)
{
	struct bcache_ent *e;

	pthread_mutex_lock(&bc->bc_lock);
	bc->bc_gen++;
	e = slot_of(bc, name);
	if (holds(e, name))
		e->be_expires_ms = 0;
	pthread_mutex_unlock(&bc->bc_lock);
}
