/* meta_group.c - the version puts and deletes of a batch, committed together */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <leveldb/c.h>

#include "errors.h"
#include "metad.h"
#include "proto.h"
#include "rpc.h"

/*
 * The commits of a gateway's batch of writes (proto.h, MSG_RPC_BATCH)
 * arrive together on one worker thread.  Run each on a thread of the
 * server's pool, a put wakes a thread that then sleeps through the group
 * commit and wakes again: about four thread switches a put, more CPU than
 * the put itself.  Here the worker prepares the puts and deletes in turn,
 * each under its key's lock, appends their changes to one leveldb batch,
 * writes that synced once, and answers them all.  Nothing is answered,
 * and no key's new state can be read, before the batch is on disk.
 *
 * Locks: a change keeps its key's lock stripe until the batch is written,
 * so nothing reads the key's state before it is durable.  A stripe this
 * thread already holds (one key twice, or two keys on one stripe) first
 * writes what is pending: the later change must see the earlier one.
 * While holding stripes the next one is only tried; if another thread
 * holds it, what is pending is written and every stripe released before
 * waiting, so no two threads ever wait on each other.
 */

/* One put or delete of the group. */
struct group_item {
	struct rpc_group_req	*gi_req;
	struct msg_obj_put	 gi_put;	/* a put's request */
	struct msg_objrec	 gi_rec;	/* what it stores: a copy */
	struct msg_ver_ref	 gi_ref;	/* a delete's request */
	bool			 gi_marker;	/* a delete made or removed one */
	struct meta_vchange	 gi_mv;
};

struct meta_group {
	struct meta_db		*g_db;
	leveldb_writebatch_t	*g_batch;	/* the pending changes */
	pthread_mutex_t		*g_held[PROTO_BATCHMAX];
	int			 g_nheld;
	struct group_item	*g_pending[PROTO_BATCHMAX];
	int			 g_npending;
	int			 g_nwrites;	/* pending with changes */
};

/* group_flush writes what is pending, releases the stripes, answers. */
static void
group_flush(struct meta_group *g)
{
	struct group_item *gi;
	int i, rc = 0;

	if (g->g_nwrites > 0)
		rc = meta_commit_now(g->g_db, g->g_batch,
		    (uint64_t)g->g_nwrites);
	leveldb_writebatch_clear(g->g_batch);
	for (i = g->g_nheld; i > 0; i--)
		pthread_mutex_unlock(g->g_held[i - 1]);
	g->g_nheld = 0;
	for (i = 0; i < g->g_npending; i++) {
		gi = g->g_pending[i];
		gi->gi_req->g_rc = rc != 0 ? rc : meta_version_reply(&gi->gi_mv,
		    gi->gi_marker, true, gi->gi_req->g_req->pm_reply_max,
		    gi->gi_req->g_reply);
		meta_version_fini(&gi->gi_mv);
	}
	g->g_npending = g->g_nwrites = 0;
}

/* group_lock takes a key's stripe without ever waiting while holding one. */
static void
group_lock(struct meta_group *g, pthread_mutex_t *lock)
{
	int i;

	for (i = 0; i < g->g_nheld; i++)
		if (g->g_held[i] == lock) {
			group_flush(g);
			break;
		}
	if (g->g_nheld > 0 && pthread_mutex_trylock(lock) != 0)
		group_flush(g);
	if (g->g_nheld == 0)
		pthread_mutex_lock(lock);
	g->g_held[g->g_nheld++] = lock;
}

/*
 * group_change runs a prepared change of mv under its key's stripe and
 * adds it to the group; change returns 0 or the error for the request.
 */
static void
group_change(struct meta_group *g, struct group_item *gi,
    int (*change)(struct group_item *))
{
	struct meta_vchange *mv = &gi->gi_mv;
	pthread_mutex_t *lock;

	lock = meta_db_key_lock(g->g_db, mv->mv_okey,
	    meta_db_obj_key(mv->mv_okey, mv->mv_bucket, mv->mv_key));
	group_lock(g, lock);
	if ((gi->gi_req->g_rc = change(gi)) != 0) {
		g->g_nheld--;		/* lock is the last one taken */
		pthread_mutex_unlock(lock);
		meta_version_fini(mv);
		return;
	}
	if (mv->mv_deferred) {
		leveldb_writebatch_append(g->g_batch, mv->mv_batch);
		g->g_nwrites++;
	}
	g->g_pending[g->g_npending++] = gi;
}

/* A change runs as it would alone, but meta_version_write only notes
 * its batch (mv_defer), for group_flush to write with the others. */
static int
put_change(struct group_item *gi)
{
	int rc;

	gi->gi_mv.mv_defer = true;
	if ((rc = meta_version_put_prepare(&gi->gi_mv, &gi->gi_put,
	    &gi->gi_rec)) == 0)
		rc = meta_version_write(&gi->gi_mv);
	return rc;
}

static int
delete_change(struct group_item *gi)
{
	gi->gi_mv.mv_defer = true;
	return meta_version_delete_locked(&gi->gi_mv, &gi->gi_ref,
	    &gi->gi_marker);
}

/* group_take adds the request of gi to the group: false if it is neither
 * a put nor a delete, for the pool to run. */
static bool
group_take(struct meta_group *g, struct group_item *gi)
{
	struct rpc_group_req *r = gi->gi_req;
	struct msg_obj_put *p = &gi->gi_put;
	struct msg_ver_ref *ref = &gi->gi_ref;

	if (r->g_req->pm_type == MSG_META_VER_PUT) {
		if (msg_obj_put_unpack(r->g_req->pm_payload, p) != 0)
			r->g_rc = CAIRN_EPROTO;
		else if ((r->g_rc = meta_db_check_obj(p->p_bucket,
		    p->p_key)) == 0) {
			gi->gi_rec = p->p_rec;
			gi->gi_rec.or_delete_marker = false;
			meta_version_init(&gi->gi_mv, g->g_db, p->p_bucket,
			    p->p_key);
			group_change(g, gi, put_change);
		}
		return true;
	}
	if (r->g_req->pm_type == MSG_META_VER_DELETE) {
		if (msg_ver_ref_unpack(r->g_req->pm_payload, ref) != 0)
			r->g_rc = CAIRN_EPROTO;
		else if ((r->g_rc = meta_db_check_obj(ref->vr_bucket,
		    ref->vr_key)) == 0) {
			meta_version_init(&gi->gi_mv, g->g_db, ref->vr_bucket,
			    ref->vr_key);
			group_change(g, gi, delete_change);
		}
		return true;
	}
	return false;
}

int
meta_group_run(struct meta_db *db, struct rpc_group_req *reqs, int n)
{
	struct group_item *items;
	struct meta_group g;
	int i, taken = 0;

	memset(&g, 0, sizeof(g));
	g.g_db = db;
	if ((items = calloc((size_t)n, sizeof(*items))) == NULL)
		return 0;
	if ((g.g_batch = leveldb_writebatch_create()) == NULL) {
		free(items);
		return 0;
	}
	pthread_rwlock_rdlock(&db->md_bucket_lock);
	for (i = 0; i < n; i++) {
		if (reqs[i].g_req == NULL)
			continue;
		items[i].gi_req = &reqs[i];
		if ((reqs[i].g_taken = group_take(&g, &items[i])))
			taken++;
	}
	group_flush(&g);
	pthread_rwlock_unlock(&db->md_bucket_lock);
	leveldb_writebatch_destroy(g.g_batch);
	free(items);
	return taken;
}
