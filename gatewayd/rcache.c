/* rcache.c - object records kept while metad's stamps say they are
 * current, so that a GET or HEAD of a small object needs no metad
 * round trip */
#include "config.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "gatewayd.h"
#include "log.h"
#include "stamp.h"
#include "util.h"

/*
 * A table of metad's replies to reads of objects' latest records
 * (MSG_META_VER_GET without a version), two a hash, each with the stamp
 * (lib/stamp.h) read before the read was sent.  A reply is given again
 * only while its stamp is current: no write of that object was
 * answered since the read was sent, and metad has not restarted.  So a
 * request that comes after any write was acknowledged, by this gateway
 * or any other, never gets the record from before it.
 *
 * A reply found stale is dropped at once.  When the bytes kept reach
 * the bound, a put first empties sets in turn (make_room): the records
 * of keys no longer read would otherwise hold the room for good.
 *
 * The stamps are metad's shared memory table, which only a gateway on
 * metad's host can map; elsewhere nothing is kept.  When metad stops it
 * marks its table closed, and a new metad makes a new one: the gateway
 * maps that one (trying at most once a RCACHE_REMAP_MS) under a new
 * generation, which no entry kept before has.  A table given up stays
 * mapped, as a loop may be reading it; after RCACHE_MAPMAX of them the
 * gateway keeps nothing more.
 */
#define RCACHE_LOCKS	64
#define RCACHE_SWEEP	64	/* sets a put may empty to make room */
#define RCACHE_REMAP_MS	1000
#define RCACHE_MAPMAX	8
/* Slots for four times as many entries of 4 KiB as fit: the fewer
 * names share a set, the fewer evict each other. */
#define RCACHE_SLOTSIZE	1024

struct rc_map {
	struct stamp_tab	*m_tab;
	uint64_t		 m_gen;
};

struct rc_ent {
	char		*e_buf;		/* bucket, NUL, key; then the reply */
	uint32_t	 e_nlen;
	uint32_t	 e_len;
	uint64_t	 e_gen;
	struct stamp	 e_st;
};

struct rcache {
	pthread_mutex_t		 rc_lock[RCACHE_LOCKS];
	struct rc_ent		*rc_ent;
	uint32_t		 rc_nent;	/* a power of two */
	size_t			 rc_max;	/* bytes of entries, about */
	atomic_size_t		 rc_used;
	atomic_uint		 rc_hand;	/* the next set make_room empties */
	pthread_mutex_t		 rc_map_lock;
	struct rc_map *_Atomic	 rc_map;	/* NULL: none mapped */
	struct rc_map		 rc_maps[RCACHE_MAPMAX];
	int			 rc_nmaps;
	uint64_t		 rc_retry_ms;
	bool			 rc_warned;	/* of a table it cannot map */
	char			 rc_url[CONF_URLMAX];
	atomic_ullong		 rc_hits;
	atomic_ullong		 rc_misses;
};

int
rcache_init(struct rcache **rcp, const char *metad_url, size_t max)
{
	struct rcache *rc;
	int i;

	*rcp = NULL;
	if (max == 0 || strncmp(metad_url, "ipc://", 6) != 0)
		return 0;	/* no stamps to check against: keep nothing */
	if ((rc = calloc(1, sizeof(*rc))) == NULL)
		return CAIRN_ENOMEM;
	for (rc->rc_nent = 1024; rc->rc_nent < max / RCACHE_SLOTSIZE &&
	    rc->rc_nent < (1u << 24); rc->rc_nent <<= 1)
		;
	if ((rc->rc_ent = calloc(rc->rc_nent, sizeof(*rc->rc_ent))) == NULL) {
		free(rc);
		return CAIRN_ENOMEM;
	}
	rc->rc_max = max;
	snprintf(rc->rc_url, sizeof(rc->rc_url), "%s", metad_url);
	for (i = 0; i < RCACHE_LOCKS; i++)
		pthread_mutex_init(&rc->rc_lock[i], NULL);
	pthread_mutex_init(&rc->rc_map_lock, NULL);
	*rcp = rc;
	return 0;
}

void
rcache_free(struct rcache *rc)
{
	uint32_t i;
	int j;

	if (rc == NULL)
		return;
	for (i = 0; i < rc->rc_nent; i++)
		free(rc->rc_ent[i].e_buf);
	free(rc->rc_ent);
	for (j = 0; j < rc->rc_nmaps; j++)
		stamp_unmap(rc->rc_maps[j].m_tab);
	for (j = 0; j < RCACHE_LOCKS; j++)
		pthread_mutex_destroy(&rc->rc_lock[j]);
	pthread_mutex_destroy(&rc->rc_map_lock);
	free(rc);
}

/*
 * remap maps metad's current table when none is, or the one mapped is
 * closed; at most once a RCACHE_REMAP_MS, and never making a loop wait
 * for another thread doing it.
 */
static void
remap(struct rcache *rc)
{
	struct stamp_tab *t;
	struct stamp st;
	uint64_t now = util_mono_ms();
	int rv;

	if (pthread_mutex_trylock(&rc->rc_map_lock) != 0)
		return;
	if (now >= rc->rc_retry_ms && rc->rc_nmaps < RCACHE_MAPMAX) {
		rc->rc_retry_ms = now + RCACHE_REMAP_MS;
		/* Not one closed but not yet removed: it would stay so. */
		if ((rv = stamp_open(&t, rc->rc_url)) == 0 &&
		    !stamp_read(t, 0, &st)) {
			stamp_unmap(t);
		} else if (rv != 0 && rv != CAIRN_ENOENT && !rc->rc_warned) {
			/* Another user's table, say: nothing will be kept. */
			rc->rc_warned = true;
			log_warnx("%s: cannot map metad's record stamps: %s; "
			    "records are not kept", rc->rc_url,
			    cairn_strerror(rv));
		} else if (t != NULL) {
			rc->rc_maps[rc->rc_nmaps].m_tab = t;
			rc->rc_maps[rc->rc_nmaps].m_gen = (uint64_t)rc->rc_nmaps + 1;
			atomic_store(&rc->rc_map, &rc->rc_maps[rc->rc_nmaps]);
			if (++rc->rc_nmaps == RCACHE_MAPMAX)
				log_warnx("metad restarted %d times: records "
				    "are no longer kept", RCACHE_MAPMAX);
		}
	}
	pthread_mutex_unlock(&rc->rc_map_lock);
}

/* stamp_now reads the current stamp of slot into st; false if none. */
static bool
stamp_now(struct rcache *rc, uint32_t slot, struct rcache_stamp *st)
{
	struct rc_map *m = atomic_load(&rc->rc_map);

	if (m == NULL || !stamp_read(m->m_tab, slot, &st->rs_st)) {
		remap(rc);
		if ((m = atomic_load(&rc->rc_map)) == NULL ||
		    !stamp_read(m->m_tab, slot, &st->rs_st))
			return false;
	}
	st->rs_gen = m->m_gen;
	return true;
}

/* name_of writes bucket, NUL, key into buf; their length. */
static uint32_t
name_of(char *buf, struct proto_str bucket, struct proto_str key)
{
	memcpy(buf, bucket.ps_ptr, bucket.ps_len);
	buf[bucket.ps_len] = '\0';
	memcpy(buf + bucket.ps_len + 1, key.ps_ptr, key.ps_len);
	return (uint32_t)(bucket.ps_len + 1 + key.ps_len);
}

static bool
holds(const struct rc_ent *e, const char *name, uint32_t nlen)
{
	return e->e_buf != NULL && e->e_nlen == nlen &&
	    memcmp(e->e_buf, name, nlen) == 0;
}

/*
 * set_of returns the two entries a name of hash h may be in, and locks
 * them.  Two a name: a name evicts another only when a third shares
 * their slots.
 */
static struct rc_ent *
set_of(struct rcache *rc, uint32_t h)
{
	uint32_t i = h & (rc->rc_nent - 1) & ~1u;

	pthread_mutex_lock(&rc->rc_lock[(i >> 1) % RCACHE_LOCKS]);
	return &rc->rc_ent[i];
}

static void
set_unlock(struct rcache *rc, struct rc_ent *set)
{
	uint32_t i = (uint32_t)(set - rc->rc_ent);

	pthread_mutex_unlock(&rc->rc_lock[(i >> 1) % RCACHE_LOCKS]);
}

/* drop frees what e holds; under its set's lock. */
static void
drop(struct rcache *rc, struct rc_ent *e)
{
	if (e->e_buf == NULL)
		return;
	atomic_fetch_sub(&rc->rc_used, e->e_nlen + e->e_len);
	free(e->e_buf);
	e->e_buf = NULL;
}

/*
 * make_room empties sets in turn, up to RCACHE_SWEEP of them, until
 * size more bytes fit: the records of keys no longer asked for, which
 * nothing else would evict, make way for new ones.
 */
static void
make_room(struct rcache *rc, size_t size)
{
	struct rc_ent *set;
	int n;

	for (n = 0; n < RCACHE_SWEEP &&
	    atomic_load(&rc->rc_used) + size > rc->rc_max; n++) {
		set = set_of(rc, atomic_fetch_add(&rc->rc_hand, 2));
		drop(rc, &set[0]);
		drop(rc, &set[1]);
		set_unlock(rc, set);
	}
}

bool
rcache_get(struct rcache *rc, struct proto_str bucket, struct proto_str key,
    struct rcache_stamp *st, nng_msg **rep)
{
	char name[PROTO_BUCKETMAX + 1 + PROTO_KEYMAX];
	struct rc_ent *set, *e;
	uint32_t nlen, h;
	bool hit = false;

	st->rs_ok = false;
	*rep = NULL;
	if (rc == NULL || bucket.ps_len > PROTO_BUCKETMAX ||
	    key.ps_len > PROTO_KEYMAX)
		return false;
	/* One hash of the name finds both its stamp and its set. */
	nlen = name_of(name, bucket, key);
	h = util_hash(name, nlen);
	if (!stamp_now(rc, stamp_slot(h), st))
		return false;
	st->rs_ok = true;
	set = set_of(rc, h);
	e = holds(&set[0], name, nlen) ? &set[0] : &set[1];
	if (holds(e, name, nlen) && (e->e_gen != st->rs_gen ||
	    e->e_st.s_epoch != st->rs_st.s_epoch ||
	    e->e_st.s_count != st->rs_st.s_count))
		drop(rc, e);	/* stamps only grow: never current again */
	else if (holds(e, name, nlen) &&
	    nng_msg_alloc(rep, e->e_len) == 0) {
		memcpy(nng_msg_body(*rep), e->e_buf + nlen, e->e_len);
		hit = true;
	}
	set_unlock(rc, set);
	atomic_fetch_add(hit ? &rc->rc_hits : &rc->rc_misses, 1);
	return hit;
}

/*
 * slot_for picks the entry of set that name goes to: its own, else the
 * first, whose name moves to the second, whose name is dropped.  So the
 * first holds the name kept last.
 */
static struct rc_ent *
slot_for(struct rcache *rc, struct rc_ent *set, const char *name,
    uint32_t nlen)
{
	if (holds(&set[0], name, nlen))
		return &set[0];
	if (holds(&set[1], name, nlen))
		return &set[1];
	drop(rc, &set[1]);
	set[1] = set[0];
	set[0].e_buf = NULL;
	return &set[0];
}

void
rcache_put(struct rcache *rc, struct proto_str bucket, struct proto_str key,
    const struct rcache_stamp *st, const void *reply, size_t len)
{
	char name[PROTO_BUCKETMAX + 1 + PROTO_KEYMAX];
	struct rc_ent *set, *e;
	char *buf;
	uint32_t nlen;
	size_t size, old;

	if (rc == NULL || !st->rs_ok || len > RCACHE_ENTRYMAX)
		return;
	nlen = name_of(name, bucket, key);
	size = nlen + len;
	if ((buf = malloc(size)) == NULL)
		return;
	memcpy(buf, name, nlen);
	memcpy(buf + nlen, reply, len);
	make_room(rc, size);
	set = set_of(rc, util_hash(name, nlen));
	e = slot_for(rc, set, name, nlen);
	/*
	 * Threads putting under other locks at once may each pass this
	 * test: the bound is over by a few RCACHE_ENTRYMAX at most.
	 */
	old = e->e_buf != NULL ? e->e_nlen + e->e_len : 0;
	if (atomic_load(&rc->rc_used) - old + size > rc->rc_max) {
		set_unlock(rc, set);
		free(buf);
		return;
	}
	drop(rc, e);
	e->e_buf = buf;
	e->e_nlen = nlen;
	e->e_len = (uint32_t)len;
	e->e_gen = st->rs_gen;
	e->e_st = st->rs_st;
	atomic_fetch_add(&rc->rc_used, size);
	set_unlock(rc, set);
}

void
rcache_counts(struct rcache *rc, uint64_t *hits, uint64_t *misses,
    uint64_t *bytes)
{
	*hits = *misses = *bytes = 0;
	if (rc == NULL)
		return;
	*hits = atomic_load(&rc->rc_hits);
	*misses = atomic_load(&rc->rc_misses);
	*bytes = atomic_load(&rc->rc_used);
}
