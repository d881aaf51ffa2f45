/* rpc_batch.c - calls that travel together: MSG_RPC_BATCH (proto.h) */
#include "config.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nng/nng.h>

#include "errors.h"
#include "pool.h"
#include "rpc.h"
#include "rpc_int.h"

/* What a batch's envelope, its array's head and each item's bin head may
 * add. */
#define BATCH_ENVELOPE	32
#define BATCH_ARRAY_HEAD 5
#define BATCH_BIN_HEAD	8

/* --- the server's side --------------------------------------------------- */

/*
 * batch_items checks the payload of a MSG_RPC_BATCH, or with replies of
 * its reply (where nil stands for a read not answered); the number of
 * items, or 0.
 */
static uint32_t
batch_items(const msgpack_object *o, bool replies)
{
	const msgpack_object *it;
	uint32_t i;

	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size == 0 ||
	    o->via.array.size > PROTO_BATCHMAX)
		return 0;
	for (i = 0; i < o->via.array.size; i++) {
		it = &o->via.array.ptr[i];
		if (it->type != MSGPACK_OBJECT_BIN &&
		    !(replies && it->type == MSGPACK_OBJECT_NIL))
			return 0;
	}
	return o->via.array.size;
}

/* batch_head reads a request's envelope: its kind of batch and reqid. */
static enum proto_batch
batch_head(const msgpack_object *bin, uint64_t *reqid)
{
	enum proto_batch kind = PROTO_BATCH_NONE;
	struct proto_msg m;

	*reqid = 0;
	if (proto_open(&m, bin->via.bin.ptr, bin->via.bin.size) == 0) {
		*reqid = m.pm_reqid;
		kind = proto_batch_kind(m.pm_type);
		proto_close(&m);
	}
	return kind;
}

/* Set on the thread answering a batch's reads in turn (rpc_batch_nowait). */
static _Thread_local bool batch_nowait;

bool
rpc_batch_nowait(void)
{
	return batch_nowait;
}

/* One request of a batch run on the server's pool: a write, or a read that
 * would have waited. */
struct rpc_sub {
	struct rpc_server	*s_srv;
	const msgpack_object	*s_bin;
	nng_msg			*s_rep;
	size_t			 s_room;
};

static void
sub_run(void *arg)
{
	struct rpc_sub *s = arg;

	(void)rpc_reply_to(s->s_srv, s->s_bin->via.bin.ptr,
	    s->s_bin->via.bin.size, s->s_rep, PROTO_BATCH_WRITE, s->s_room);
}

static void
sub_read(void *arg)
{
	struct rpc_sub *s = arg;

	(void)rpc_reply_to(s->s_srv, s->s_bin->via.bin.ptr,
	    s->s_bin->via.bin.size, s->s_rep, PROTO_BATCH_READ, 0);
}

/* server_pool returns the pool for a batch's writes, and for its reads that
 * would wait, started at need. */
static struct pool *
server_pool(struct rpc_server *srv)
{
	struct pool *p;

	pthread_mutex_lock(&srv->rs_pool_lock);
	if (srv->rs_pool == NULL)
		srv->rs_pool = pool_new(srv->rs_nworkers);
	p = srv->rs_pool;
	pthread_mutex_unlock(&srv->rs_pool_lock);
	return p;
}

/* The writes of a batch as a group handler sees them. */
struct rpc_group {
	struct rpc_group_req	 g_reqs[PROTO_BATCHMAX];
	struct proto_msg	 g_msgs[PROTO_BATCHMAX];
	msgpack_packer		 g_pks[PROTO_BATCHMAX];
};

/*
 * run_group offers the n writes of a batch to the server's group handler
 * fn on this thread and finishes the replies of those it took; taken[i]
 * says which.  A request that does not open, or is no write, is left for
 * rpc_reply_to to answer.
 */
static void
run_group(struct rpc_server *srv, rpc_group_handler fn,
    const msgpack_object *it, uint32_t n, nng_msg **subs, size_t room,
    bool *taken)
{
	struct rpc_group *g;
	uint32_t i;

	memset(taken, 0, n * sizeof(*taken));
	if ((g = calloc(1, sizeof(*g))) == NULL)
		return;
	for (i = 0; i < n; i++) {
		struct proto_msg *m = &g->g_msgs[i];

		if (proto_open(m, it[i].via.bin.ptr, it[i].via.bin.size) != 0)
			continue;
		if (proto_batch_kind(m->pm_type) != PROTO_BATCH_WRITE) {
			proto_close(m);
			continue;
		}
		m->pm_reply_max = room;
		nng_msg_clear(subs[i]);
		msgpack_packer_init(&g->g_pks[i], subs[i], rpc_msg_write);
		proto_begin(&g->g_pks[i], MSG_OK, m->pm_reqid);
		g->g_reqs[i].g_req = m;
		g->g_reqs[i].g_reply = &g->g_pks[i];
	}
	fn(srv->rs_env, g->g_reqs, (int)n);
	for (i = 0; i < n; i++) {
		if (g->g_reqs[i].g_req == NULL)
			continue;
		if ((taken[i] = g->g_reqs[i].g_taken))
			rpc_reply_end(srv, &g->g_msgs[i], subs[i],
			    &g->g_pks[i], g->g_reqs[i].g_rc);
		proto_close(&g->g_msgs[i]);
	}
	free(g);
}

/*
 * run_writes runs the n writes of a batch, each with its share of
 * PROTO_MSGMAX for its reply, into subs[i]: first those the server's
 * group handler takes, then the rest side by side on the pool.  Without a
 * pool they run in turn.
 */
static void
run_writes(struct rpc_server *srv, const msgpack_object *it, uint32_t n,
    nng_msg **subs)
{
	struct rpc_sub s[PROTO_BATCHMAX];
	void *args[PROTO_BATCHMAX];
	bool taken[PROTO_BATCHMAX] = { false };
	rpc_group_handler fn = atomic_load(&srv->rs_group);
	size_t room = PROTO_MSGMAX / n - 64;
	struct pool *p;
	uint32_t i;
	int left = 0;

	if (fn != NULL)
		run_group(srv, fn, it, n, subs, room, taken);
	for (i = 0; i < n; i++) {
		if (taken[i])
			continue;
		s[left] = (struct rpc_sub){ srv, &it[i], subs[i], room };
		args[left] = &s[left];
		left++;
	}
	if (left == 0)
		return;
	if ((p = server_pool(srv)) != NULL)
		pool_all(p, sub_run, args, left);
	else
		for (i = 0; i < (uint32_t)left; i++)
			sub_run(args[i]);
}

/*
 * run_reads answers the n reads of a batch in order on this thread, and
 * then those that would have waited (rpc_batch_nowait) side by side on
 * the pool, so that a read from a disk does not hold up the others, nor
 * keep the disk from working on several.  Once the replies in hand fill
 * a message (total, so far), the rest are not run: ran[i] says which were.
 */
static void
run_reads(struct rpc_server *srv, const msgpack_object *it, uint32_t n,
    nng_msg **subs, size_t total, bool *ran)
{
	struct rpc_sub s[PROTO_BATCHMAX];
	void *args[PROTO_BATCHMAX];
	struct pool *p;
	uint32_t i;
	int later = 0, j;

	batch_nowait = true;
	for (i = 0; i < n; i++) {
		ran[i] = i == 0 || total <= PROTO_MSGMAX;
		if (!ran[i])
			continue;
		if (rpc_reply_to(srv, it[i].via.bin.ptr, it[i].via.bin.size,
		    subs[i], PROTO_BATCH_READ, 0) == CAIRN_ENOWAIT) {
			s[later] = (struct rpc_sub){ srv, &it[i], subs[i], 0 };
			args[later] = &s[later];
			later++;
		} else
			total += nng_msg_len(subs[i]) + BATCH_BIN_HEAD;
	}
	batch_nowait = false;
	if (later == 0)
		return;
	if ((p = server_pool(srv)) != NULL)
		pool_all(p, sub_read, args, later);
	else
		for (j = 0; j < later; j++)
			sub_read(args[j]);
}

/*
 * rpc_batch_run answers each request of a MSG_RPC_BATCH (proto.h), into rep
 * after the MSG_OK envelope that pk has begun.  Reads run in order (those
 * that would wait, side by side after), and a read that was run but whose
 * reply does not fit is simply answered nil, "send it again", like the
 * ones after it; writes run side by side, each within its room.
 */
void
rpc_batch_run(struct rpc_server *srv, const struct proto_msg *m, nng_msg *rep,
    msgpack_packer *pk)
{
	uint32_t i, n = batch_items(m->pm_payload, false);
	nng_msg *subs[PROTO_BATCHMAX];
	bool keep[PROTO_BATCHMAX], ran[PROTO_BATCHMAX];
	const msgpack_object *it;
	enum proto_batch kind;
	bool full = false;
	uint64_t reqid;
	size_t total;

	for (i = 0; i < n; i++)
		if (nng_msg_alloc(&subs[i], 0) != 0)
			break;
	if (n == 0 || i < n) {
		while (i > 0)
			nng_msg_free(subs[--i]);
		rpc_error_reply(rep, pk, m->pm_reqid, n == 0 ? CAIRN_EPROTO :
		    CAIRN_ENOMEM);
		return;
	}
	it = m->pm_payload->via.array.ptr;
	total = nng_msg_len(rep) + BATCH_ARRAY_HEAD;
	if ((kind = batch_head(&it[0], &reqid)) == PROTO_BATCH_WRITE)
		run_writes(srv, it, n, subs);
	else	/* a batch of neither kind is answered CAIRN_EMSGTYPE */
		run_reads(srv, it, n, subs, total, ran);
	for (i = 0; i < n; i++) {
		if (kind != PROTO_BATCH_WRITE && (!ran[i] || (i > 0 && total +
		    nng_msg_len(subs[i]) + BATCH_BIN_HEAD > PROTO_MSGMAX)))
			full = true;
		if ((keep[i] = !full))
			total += nng_msg_len(subs[i]) + BATCH_BIN_HEAD;
	}
	/* The whole reply at once (growing, it would be zeroed and copied
	 * again at each doubling); packing grows it itself if this fails. */
	(void)nng_msg_reserve(rep, total);
	msgpack_pack_array(pk, n);
	for (i = 0; i < n; i++) {
		if (!keep[i])
			msgpack_pack_nil(pk);
		else {
			msgpack_pack_bin(pk, nng_msg_len(subs[i]));
			msgpack_pack_bin_body(pk, nng_msg_body(subs[i]),
			    nng_msg_len(subs[i]));
		}
		nng_msg_free(subs[i]);
	}
	atomic_fetch_add(&srv->rs_nbatches, 1);
	atomic_fetch_add(&srv->rs_nbatched, n);
}

/* --- the client's side --------------------------------------------------- */

/* How long rpc_batch_free waits for a batch to go idle: 1 ms a try. */
#define BATCH_IDLE_TRIES	10000

/*
 * rpc_batch_free waits until b is idle first: the nng callback that
 * handed a batch's last call its reply goes on to look for more queued
 * calls, a moment after that call's thread may have gone on to close the
 * client.  b goes idle at once once nothing is queued (rpc_client_close
 * may not be called with calls in flight).
 */
void
rpc_batch_free(struct rpc_batch *b)
{
	struct timespec ts = { 0, 1000 * 1000 };
	bool busy = true;
	int i;

	if (b == NULL)
		return;
	for (i = 0; i < BATCH_IDLE_TRIES && busy; i++) {
		pthread_mutex_lock(&b->b_cl->cl_lock);
		busy = b->b_busy;
		pthread_mutex_unlock(&b->b_cl->cl_lock);
		if (busy)
			nanosleep(&ts, NULL);
	}
	rpc_chan_close(b->b_ctx, b->b_saio, b->b_raio);
	free(b);
}

static void on_batch_sent(void *);
static void on_batch_reply(void *);
static void batch_fail(struct rpc_batch *, int);

static struct rpc_batch *
batch_new(struct rpc_client *cl, struct rpc_lane *lane)
{
	struct rpc_batch *b;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->b_cl = cl;
	b->b_lane = lane;
	if (nng_ctx_open(&b->b_ctx, cl->cl_sock) != 0) {
		free(b);
		return NULL;
	}
	if (rpc_chan_aios(cl, &b->b_saio, on_batch_sent, &b->b_raio,
	    on_batch_reply, b) != 0) {
		rpc_batch_free(b);
		return NULL;
	}
	return b;
}

int
rpc_client_batch(struct rpc_client *cl, enum proto_batch kind, int max,
    int inflight)
{
	struct rpc_lane *l;

	if (kind != PROTO_BATCH_READ && kind != PROTO_BATCH_WRITE)
		return CAIRN_EINVAL;
	if (max <= 1)
		return 0;
	if (inflight < 1 || inflight > RPC_INFLIGHTMAX)
		return CAIRN_EINVAL;
	l = LANE(cl, kind);
	for (; l->l_ninflight < inflight; l->l_ninflight++)
		if ((l->l_batch[l->l_ninflight] = batch_new(cl, l)) == NULL)
			return CAIRN_ENOMEM;
	l->l_max = max < PROTO_BATCHMAX ? max : PROTO_BATCHMAX;
	return 0;
}

void
rpc_client_batches(struct rpc_client *cl, uint64_t *batches, uint64_t *calls)
{
	pthread_mutex_lock(&cl->cl_lock);
	*batches = cl->cl_lane[0].l_nbatches + cl->cl_lane[1].l_nbatches;
	*calls = cl->cl_lane[0].l_nbatched + cl->cl_lane[1].l_nbatched;
	pthread_mutex_unlock(&cl->cl_lock);
}

/*
 * batch_fill moves queued calls into the idle batch b, as many as fit in
 * one message (the first always does: a call alone is at most
 * PROTO_MSGMAX, and the peer accepts a little more); under cl_lock.
 */
static void
batch_fill(struct rpc_batch *b)
{
	struct rpc_lane *l = b->b_lane;
	size_t bytes = BATCH_ENVELOPE, len;

	b->b_busy = true;
	for (b->b_n = 0; b->b_n < l->l_max && l->l_qhead != NULL; b->b_n++) {
		len = nng_msg_len(l->l_qhead->rc_req) + BATCH_BIN_HEAD;
		if (b->b_n > 0 && bytes + len > PROTO_MSGMAX)
			break;
		bytes += len;
		b->b_calls[b->b_n] = l->l_qhead;
		if ((l->l_qhead = l->l_qhead->rc_next) == NULL)
			l->l_qtail = NULL;
	}
	b->b_bytes = bytes;
	l->l_nbatches++;
	l->l_nbatched += (uint64_t)b->b_n;
}

/* call_done hands a batched call its reply or error, and wakes it. */
static void
call_done(struct rpc_call *c, nng_msg *rep, int err)
{
	struct rpc_pair *p = c->rc_pair;

	p->p_rep = rep;
	p->p_err = err;
	rpc_pair_done(p);
}

/*
 * batch_send sends the calls of b as one MSG_RPC_BATCH.  The calls keep their
 * own request messages: the batch carries copies.
 */
static void
batch_send(struct rpc_batch *b)
{
	struct rpc_client *cl = b->b_cl;
	msgpack_packer pk;
	nng_msg *m = NULL;
	int i;

	/* Its whole size at once: no growth, each a copy of what it holds. */
	if (nng_msg_alloc(&m, 0) != 0 || nng_msg_reserve(m, b->b_bytes) != 0) {
		if (m != NULL)
			nng_msg_free(m);
		batch_fail(b, NNG_ENOMEM);
		return;
	}
	msgpack_packer_init(&pk, m, rpc_msg_write);
	proto_begin(&pk, MSG_RPC_BATCH, atomic_fetch_add(&cl->cl_reqid, 1));
	msgpack_pack_array(&pk, (size_t)b->b_n);
	for (i = 0; i < b->b_n; i++) {
		nng_msg *req = b->b_calls[i]->rc_req;

		msgpack_pack_bin(&pk, nng_msg_len(req));
		msgpack_pack_bin_body(&pk, nng_msg_body(req), nng_msg_len(req));
	}
	nng_aio_set_msg(b->b_saio, m);
	nng_ctx_send(b->b_ctx, b->b_saio);
}

/*
 * batch_split gives each call of b its reply from the batch's reply rep.
 * A call answered nil (a read that did not fit) is kept in b (compacted
 * to the front) to be sent again; returns how many were kept.
 */
static int
batch_split(struct rpc_batch *b, nng_msg *rep)
{
	const msgpack_object *it;
	struct proto_msg m;
	struct msg_error e;
	nng_msg *sub;
	int i, err, kept = 0;

	err = proto_open(&m, nng_msg_body(rep), nng_msg_len(rep));
	if (err == 0 && m.pm_type == MSG_ERROR)
		err = msg_error_unpack(m.pm_payload, &e) == 0 ? e.e_code :
		    CAIRN_EPROTO;
	else if (err == 0 && (m.pm_type != MSG_OK ||
	    batch_items(m.pm_payload, true) != (uint32_t)b->b_n))
		err = CAIRN_EPROTO;
	for (i = 0; i < b->b_n; i++) {
		if (err != 0) {
			call_done(b->b_calls[i], NULL, err);
			continue;
		}
		it = &m.pm_payload->via.array.ptr[i];
		if (it->type == MSGPACK_OBJECT_NIL) {
			b->b_calls[kept++] = b->b_calls[i];
			continue;
		}
		if (nng_msg_alloc(&sub, it->via.bin.size) != 0) {
			call_done(b->b_calls[i], NULL, CAIRN_ENOMEM);
			continue;
		}
		memcpy(nng_msg_body(sub), it->via.bin.ptr, it->via.bin.size);
		call_done(b->b_calls[i], sub, 0);
	}
	proto_close(&m);
	return kept;
}

/*
 * batch_next runs on nng's thread when b has come back: the calls left
 * to send again go first, then b takes what queued meanwhile, or goes
 * idle.
 */
static void
batch_next(struct rpc_batch *b, int kept)
{
	struct rpc_client *cl = b->b_cl;
	struct rpc_lane *l = b->b_lane;
	int i;

	pthread_mutex_lock(&cl->cl_lock);
	for (i = kept - 1; i >= 0; i--) {
		b->b_calls[i]->rc_next = l->l_qhead;
		l->l_qhead = b->b_calls[i];
		if (l->l_qtail == NULL)
			l->l_qtail = b->b_calls[i];
	}
	if (l->l_qhead == NULL) {
		b->b_busy = false;
		pthread_mutex_unlock(&cl->cl_lock);
		return;
	}
	batch_fill(b);
	pthread_mutex_unlock(&cl->cl_lock);
	batch_send(b);
}

/* batch_fail fails every call of b with nng's rv. */
static void
batch_fail(struct rpc_batch *b, int rv)
{
	int i;

	for (i = 0; i < b->b_n; i++)
		call_done(b->b_calls[i], NULL, rpc_nng_err(rv));
	batch_next(b, 0);
}

static void
on_batch_sent(void *arg)
{
	struct rpc_batch *b = arg;
	int rv;

	if ((rv = nng_aio_result(b->b_saio)) != 0) {
		if (nng_aio_get_msg(b->b_saio) != NULL)
			nng_msg_free(nng_aio_get_msg(b->b_saio));
		nng_aio_set_msg(b->b_saio, NULL);
		batch_fail(b, rv);
		return;
	}
	nng_ctx_recv(b->b_ctx, b->b_raio);
}

static void
on_batch_reply(void *arg)
{
	struct rpc_batch *b = arg;
	nng_msg *rep;
	int rv, kept;

	if ((rv = nng_aio_result(b->b_raio)) != 0) {
		batch_fail(b, rv);
		return;
	}
	rep = nng_aio_get_msg(b->b_raio);
	kept = batch_split(b, rep);
	nng_msg_free(rep);
	batch_next(b, kept);
}

/*
 * rpc_batch_enqueue queues c in lane l, and sends a batch of the lane at once
 * if one is idle.
 */
void
rpc_batch_enqueue(struct rpc_call *c, struct rpc_lane *l)
{
	struct rpc_client *cl = c->rc_client;
	struct rpc_batch *b = NULL;
	int i;

	c->rc_next = NULL;
	pthread_mutex_lock(&cl->cl_lock);
	if (l->l_qtail != NULL)
		l->l_qtail->rc_next = c;
	else
		l->l_qhead = c;
	l->l_qtail = c;
	for (i = 0; i < l->l_ninflight && b == NULL; i++)
		if (!l->l_batch[i]->b_busy)
			b = l->l_batch[i];
	if (b != NULL)
		batch_fill(b);
	pthread_mutex_unlock(&cl->cl_lock);
	if (b != NULL)
		batch_send(b);
}
