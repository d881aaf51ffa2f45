/* test_rpc.c - calls that travel together in MSG_RPC_BATCH (lib/rpc.c) */
#include "config.h"

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nng/nng.h>

#include "errors.h"
#include "proto.h"
#include "rpc.h"
#include "scratch.h"
#include "tap.h"
#include "util.h"

#define TIMEOUT_MS	5000
#define NWORKERS	4
#define NTHREADS	8
#define NCALLS		300	/* per thread */
#define BATCH		8
#define BIGREPLY	(3u << 20)	/* two do not fit in one batch reply */

/*
 * The server's handler:
 *   MSG_META_OBJ_GET, MSG_META_OBJ_PUT: echo the payload;
 *   MSG_META_USER_GET: echo, once the gate opens;
 *   MSG_META_BUCKET_GET: a bin of as many bytes as the payload asks;
 *   MSG_META_VER_GET: CAIRN_ENOKEY;
 *   MSG_META_VER_PUT (a write): 0 waits for the gate; n waits until n
 *     are inside at once, then echoes; CAIRN_ETIMEDOUT if they never are;
 *   MSG_META_VER_DELETE (a write): the room it was given for its reply;
 *   MSG_META_UPLOAD_GET (a read that would wait): refused where a batch
 *     may not wait (counted in refused); elsewhere as MSG_META_VER_PUT n.
 */
static atomic_int refused;

struct gate {
	pthread_mutex_t	 g_lock;
	pthread_cond_t	 g_cond;
	int		 g_entered;
	bool		 g_open;
	int		 g_met;		/* calls of n inside at once */
};

static struct gate gate = {
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, false, 0
};

static void
gate_pass(void)
{
	pthread_mutex_lock(&gate.g_lock);
	gate.g_entered++;
	pthread_cond_broadcast(&gate.g_cond);
	while (!gate.g_open)
		pthread_cond_wait(&gate.g_cond, &gate.g_lock);
	pthread_mutex_unlock(&gate.g_lock);
}

static void
gate_set(bool open)
{
	pthread_mutex_lock(&gate.g_lock);
	gate.g_open = open;
	gate.g_entered = 0;
	pthread_cond_broadcast(&gate.g_cond);
	pthread_mutex_unlock(&gate.g_lock);
}

/* count_reach waits, holding the gate's lock, until *count reaches n. */
static int
count_reach(const int *count, int n)
{
	struct timespec ts;
	int rc = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += TIMEOUT_MS / 1000;
	while (*count < n && rc == 0)
		rc = pthread_cond_timedwait(&gate.g_cond, &gate.g_lock, &ts);
	return *count >= n ? 0 : -1;
}

/* gate_wait waits until n handlers wait at the gate; 0, or -1 if never. */
static int
gate_wait(int n)
{
	int rc;

	pthread_mutex_lock(&gate.g_lock);
	rc = count_reach(&gate.g_entered, n);
	pthread_mutex_unlock(&gate.g_lock);
	return rc;
}

/* meet_wait waits until n calls are inside together; 0 or -1. */
static int
meet_wait(int n)
{
	int rc;

	pthread_mutex_lock(&gate.g_lock);
	gate.g_met++;
	pthread_cond_broadcast(&gate.g_cond);
	rc = count_reach(&gate.g_met, n);
	pthread_mutex_unlock(&gate.g_lock);
	return rc;
}

static void
big_fill(uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 7 + len);
}

static int
handler(void *env, const struct proto_msg *req, msgpack_packer *reply)
{
	uint8_t *big;
	uint64_t n;

	(void)env;
	switch (req->pm_type) {
	case MSG_META_USER_GET:
		gate_pass();
		/* FALLTHROUGH */
	case MSG_META_OBJ_GET:
	case MSG_META_OBJ_PUT:
		msgpack_pack_object(reply, *req->pm_payload);
		return 0;
	case MSG_META_BUCKET_GET:
		if (req->pm_payload->type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
		    (n = req->pm_payload->via.u64) > PROTO_MSGMAX)
			return CAIRN_EPROTO;
		if ((big = malloc(n + 1)) == NULL)
			return CAIRN_ENOMEM;
		big_fill(big, n);
		msgpack_pack_bin(reply, n);
		msgpack_pack_bin_body(reply, big, n);
		free(big);
		return 0;
	case MSG_META_VER_GET:
		return CAIRN_ENOKEY;
	case MSG_META_UPLOAD_GET:	/* a read that would wait (for a disk) */
		if (req->pm_payload->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
			return CAIRN_EPROTO;
		if (rpc_batch_nowait()) {
			atomic_fetch_add(&refused, 1);
			return CAIRN_ENOWAIT;
		}
		if (meet_wait((int)req->pm_payload->via.u64) != 0)
			return CAIRN_ETIMEDOUT;
		msgpack_pack_object(reply, *req->pm_payload);
		return 0;
	case MSG_META_VER_PUT:
		if (req->pm_payload->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
			return CAIRN_EPROTO;
		if (req->pm_payload->via.u64 == 0)
			gate_pass();
		else if (meet_wait((int)req->pm_payload->via.u64) != 0)
			return CAIRN_ETIMEDOUT;
		msgpack_pack_object(reply, *req->pm_payload);
		return 0;
	case MSG_META_VER_DELETE:
		msgpack_pack_uint64(reply, req->pm_reply_max);
		return 0;
	default:
		return CAIRN_EMSGTYPE;
	}
}

/* --- calls --------------------------------------------------------------- */

/* start_bin starts a call of type whose payload is the bin data. */
static void
start_bin(struct rpc_call *c, struct rpc_client *cl, uint32_t type,
    const void *data, size_t len)
{
	if (rpc_call_init(c, cl, type) == 0) {
		msgpack_pack_bin(rpc_call_packer(c), len);
		msgpack_pack_bin_body(rpc_call_packer(c), data, len);
	}
	rpc_call_send(c);
}

/* echoed tells whether a finished call got the bin data back. */
static bool
echoed(struct rpc_call *c, const void *data, size_t len)
{
	const msgpack_object *o;

	if (rpc_call_wait(c) != 0)
		return false;
	o = c->rc_reply.pm_payload;
	return o->type == MSGPACK_OBJECT_BIN && o->via.bin.size == len &&
	    memcmp(o->via.bin.ptr, data, len) == 0;
}

struct worker {
	struct rpc_client	*w_cl;
	int			 w_id;
	int			 w_bad;
};

/* hammer makes NCALLS echo calls of its own bytes and counts bad replies. */
static void *
hammer(void *arg)
{
	struct worker *w = arg;
	struct rpc_call c;
	uint8_t data[2048];
	size_t len;
	int i;

	for (i = 0; i < NCALLS; i++) {
		len = (size_t)(i * 37 + w->w_id * 101) % sizeof(data);
		memset(data, w->w_id, len);
		if (len >= sizeof(int))
			memcpy(data, &i, sizeof(i));
		start_bin(&c, w->w_cl, MSG_META_OBJ_GET, data, len);
		if (!echoed(&c, data, len))
			w->w_bad++;
		rpc_call_fini(&c);
	}
	return NULL;
}

static void
check_concurrent(struct rpc_client *cl)
{
	struct worker w[NTHREADS];
	pthread_t t[NTHREADS];
	uint64_t batches, calls;
	int i, bad = 0;

	for (i = 0; i < NTHREADS; i++) {
		w[i] = (struct worker){ cl, i + 1, 0 };
		if (pthread_create(&t[i], NULL, hammer, &w[i]) != 0)
			abort();
	}
	for (i = 0; i < NTHREADS; i++) {
		pthread_join(t[i], NULL);
		bad += w[i].w_bad;
	}
	is_int(bad, 0, "%d threads x %d calls: each gets its own reply",
	    NTHREADS, NCALLS);
	rpc_client_batches(cl, &batches, &calls);
	is_int((long long)calls, NTHREADS * NCALLS,
	    "every call of a batchable type went in a batch");
	ok(batches >= 1 && batches <= calls, "in %llu batches",
	    (unsigned long long)batches);
}

/* block sends two calls that wait at the server's gate: both batches out. */
static void
block(struct rpc_client *cl, struct rpc_call held[2])
{
	gate_set(false);
	start_bin(&held[0], cl, MSG_META_USER_GET, "h0", 2);
	start_bin(&held[1], cl, MSG_META_USER_GET, "h1", 2);
	if (gate_wait(2) != 0)
		diag("the held calls did not reach the server");
}

/* held_end takes the replies of the two calls block sent: how many did
 * not come back as sent. */
static int
held_end(struct rpc_call held[2])
{
	int i, bad = 0;

	for (i = 0; i < 2; i++) {
		bad += !echoed(&held[i], i ? "h1" : "h0", 2);
		rpc_call_fini(&held[i]);
	}
	return bad;
}

/* What a client has sent in batches: messages and the calls in them. */
struct sent {
	unsigned long long	 st_batches;
	unsigned long long	 st_calls;
};

/* sent_since returns what cl has sent since from (NULL: ever). */
static struct sent
sent_since(struct rpc_client *cl, const struct sent *from)
{
	struct sent s;
	uint64_t b, n;

	rpc_client_batches(cl, &b, &n);
	s.st_batches = b - (from != NULL ? from->st_batches : 0);
	s.st_calls = n - (from != NULL ? from->st_calls : 0);
	return s;
}

static void
check_combined(struct rpc_client *cl, struct rpc_server *srv)
{
	struct rpc_call held[2], c[5];
	struct sent s0, d;
	uint64_t sb0;
	char data[5][8];
	int i, bad = 0;

	s0 = sent_since(cl, NULL);
	sb0 = atomic_load(&srv->rs_nbatches);
	block(cl, held);
	for (i = 0; i < 5; i++) {
		snprintf(data[i], sizeof(data[i]), "q%d", i);
		start_bin(&c[i], cl, MSG_META_OBJ_GET, data[i],
		    strlen(data[i]));
	}
	gate_set(true);
	for (i = 0; i < 5; i++) {
		bad += !echoed(&c[i], data[i], strlen(data[i]));
		rpc_call_fini(&c[i]);
	}
	bad += held_end(held);
	is_int(bad, 0, "calls queued behind two busy batches are answered");
	d = sent_since(cl, &s0);
	ok(d.st_batches == 3 && d.st_calls == 7,
	    "the five queued calls left together (%llu batches, %llu calls)",
	    d.st_batches, d.st_calls);
	is_int((long long)(atomic_load(&srv->rs_nbatches) - sb0), 3,
	    "the server answered three batches");
}

/* check_alone: a call marked alone leaves on its own, even behind a
 * busy batch, and a batch does not count it. */
static void
check_alone(struct rpc_client *cl)
{
	struct rpc_call held[2], c;
	struct sent s0, d;
	int bad = 0;

	s0 = sent_since(cl, NULL);
	block(cl, held);
	if (rpc_call_init(&c, cl, MSG_META_OBJ_GET) == 0) {
		msgpack_pack_bin(rpc_call_packer(&c), 5);
		msgpack_pack_bin_body(rpc_call_packer(&c), "alone", 5);
	}
	rpc_call_alone(&c);
	rpc_call_send(&c);
	gate_set(true);
	bad += !echoed(&c, "alone", 5);
	rpc_call_fini(&c);
	bad += held_end(held);
	is_int(bad, 0, "a call sent alone is answered");
	d = sent_since(cl, &s0);
	ok(d.st_batches == 2 && d.st_calls == 2,
	    "only the two held calls went in batches (%llu batches, %llu "
	    "calls)", d.st_batches, d.st_calls);
}

/* check_one: with one batch out at most, calls queue behind it. */
static void
check_one(struct rpc_client *cl)
{
	struct rpc_call held, c[3];
	uint64_t batches, calls;
	int i, bad = 0;

	gate_set(false);
	start_bin(&held, cl, MSG_META_USER_GET, "h", 1);
	if (gate_wait(1) != 0)
		diag("the held call did not reach the server");
	for (i = 0; i < 3; i++)
		start_bin(&c[i], cl, MSG_META_OBJ_GET, "c", 1);
	gate_set(true);
	for (i = 0; i < 3; i++) {
		bad += !echoed(&c[i], "c", 1);
		rpc_call_fini(&c[i]);
	}
	bad += !echoed(&held, "h", 1);
	rpc_call_fini(&held);
	rpc_client_batches(cl, &batches, &calls);
	ok(bad == 0 && batches == 2 && calls == 4,
	    "with one batch out, three calls wait and leave together "
	    "(%llu batches, %llu calls)", (unsigned long long)batches,
	    (unsigned long long)calls);
}

/* write_start sends a MSG_META_VER_PUT that waits for n inside at once. */
static void
write_start(struct rpc_call *c, struct rpc_client *cl, uint32_t type,
    uint64_t n)
{
	if (rpc_call_init(c, cl, type) == 0)
		msgpack_pack_uint64(rpc_call_packer(c), n);
	rpc_call_send(c);
}

/* write_result waits for c: its reply's number, or -1. */
static long long
write_result(struct rpc_call *c)
{
	long long v = -1;

	if (rpc_call_wait(c) == 0 &&
	    c->rc_reply.pm_payload->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
		v = (long long)c->rc_reply.pm_payload->via.u64;
	rpc_call_fini(c);
	return v;
}

/* write_hold sends a write that waits at the closed gate, and waits. */
static void
write_hold(struct rpc_call *held, struct rpc_client *cl)
{
	gate_set(false);
	write_start(held, cl, MSG_META_VER_PUT, 0);
	if (gate_wait(1) != 0)
		diag("the held write did not reach the server");
}

/*
 * check_waiting_reads: reads of a batch that would wait leave its thread
 * for the server's pool, where they run side by side (each waits for the
 * other to be inside), and are answered in their places.
 */
static void
check_waiting_reads(struct rpc_client *cl)
{
	struct rpc_call held[2], c[4];
	struct sent s0, d;
	int bad = 0;

	pthread_mutex_lock(&gate.g_lock);
	gate.g_met = 0;
	pthread_mutex_unlock(&gate.g_lock);
	atomic_store(&refused, 0);
	s0 = sent_since(cl, NULL);
	block(cl, held);
	start_bin(&c[0], cl, MSG_META_OBJ_GET, "r0", 2);
	write_start(&c[1], cl, MSG_META_UPLOAD_GET, 2);
	write_start(&c[2], cl, MSG_META_UPLOAD_GET, 2);
	start_bin(&c[3], cl, MSG_META_OBJ_GET, "r3", 2);
	gate_set(true);
	bad += !echoed(&c[0], "r0", 2);
	rpc_call_fini(&c[0]);
	bad += write_result(&c[1]) != 2;
	bad += write_result(&c[2]) != 2;
	bad += !echoed(&c[3], "r3", 2);
	rpc_call_fini(&c[3]);
	bad += held_end(held);
	is_int(bad, 0, "two reads that would wait ran side by side, each "
	    "answered in its place");
	d = sent_since(cl, &s0);
	ok(d.st_batches == 3 && d.st_calls == 6 && atomic_load(&refused) == 2,
	    "in one batch, each refused once on its thread (%llu batches, "
	    "%llu calls, %d refused)", d.st_batches, d.st_calls,
	    atomic_load(&refused));
}

/*
 * check_writes: with one batch of writes out (a write held at the gate),
 * the writes queued behind it leave together and run side by side, and
 * each gets its share of the reply's room; a write alone gets all of it.
 */
static void
check_writes(struct rpc_client *cl)
{
	struct rpc_call held, c[4];
	long long got[4];
	int i, met = 0, room = 0;

	write_hold(&held, cl);
	for (i = 0; i < 3; i++)
		write_start(&c[i], cl, MSG_META_VER_PUT, 3);
	gate_set(true);
	for (i = 0; i < 3; i++)
		met += write_result(&c[i]) == 3;
	is_int(write_result(&held), 0, "a write held out of a batch returns");
	is_int(met, 3, "three writes queued together ran side by side");
	write_hold(&held, cl);
	for (i = 0; i < 4; i++)
		write_start(&c[i], cl, MSG_META_VER_DELETE, 0);
	gate_set(true);
	(void)write_result(&held);
	for (i = 0; i < 4; i++)
		room += (got[i] = write_result(&c[i])) ==
		    PROTO_MSGMAX / 4 - 64;
	ok(room == 4, "four writes in a batch each have a quarter of the "
	    "room (%lld)", got[0]);
	write_start(&c[0], cl, MSG_META_VER_DELETE, 0);
	is_int(write_result(&c[0]), PROTO_MSGMAX - 64,
	    "a write alone has all of it");
}

/* big_ok tells whether a finished call got n bytes of big_fill back. */
static bool
big_ok(struct rpc_call *c, size_t n)
{
	const msgpack_object *o;
	uint8_t *want;
	bool same;

	if (rpc_call_wait(c) != 0)
		return false;
	o = c->rc_reply.pm_payload;
	if (o->type != MSGPACK_OBJECT_BIN || o->via.bin.size != n ||
	    (want = malloc(n)) == NULL)
		return false;
	big_fill(want, n);
	same = memcmp(o->via.bin.ptr, want, n) == 0;
	free(want);
	return same;
}

static void
check_overflow(struct rpc_client *cl)
{
	struct rpc_call held[2], c[3];
	struct sent s0, d;
	int i, bad = 0;

	s0 = sent_since(cl, NULL);
	block(cl, held);
	for (i = 0; i < 3; i++) {
		if (rpc_call_init(&c[i], cl, MSG_META_BUCKET_GET) == 0)
			msgpack_pack_uint32(rpc_call_packer(&c[i]),
			    BIGREPLY + (unsigned)i);
		rpc_call_send(&c[i]);
	}
	gate_set(true);
	for (i = 0; i < 3; i++) {
		bad += !big_ok(&c[i], BIGREPLY + (unsigned)i);
		rpc_call_fini(&c[i]);
	}
	for (i = 0; i < 2; i++) {
		(void)rpc_call_wait(&held[i]);
		rpc_call_fini(&held[i]);
	}
	is_int(bad, 0, "three 3 MiB replies queued together all arrive whole");
	d = sent_since(cl, &s0);
	ok(d.st_batches == 5 && d.st_calls == 8,
	    "the ones that did not fit were sent again (%llu batches, %llu "
	    "calls)", d.st_batches, d.st_calls);
}

/*
 * check_big_requests: requests queued together that would make a message
 * over PROTO_MSGMAX leave in several (the peer would drop the connection
 * on a larger one).
 */
static void
check_big_requests(struct rpc_client *cl)
{
	struct rpc_call held[2], c[3];
	struct sent s0, d;
	size_t len = 3u << 19;	/* 1.5 MiB: two fit in a message, not three */
	uint8_t *data;
	int i, bad = 0;

	if ((data = malloc(len)) == NULL)
		abort();
	s0 = sent_since(cl, NULL);
	block(cl, held);
	for (i = 0; i < 3; i++) {
		memset(data, 'a' + i, len);
		start_bin(&c[i], cl, MSG_META_OBJ_GET, data, len);
	}
	gate_set(true);
	for (i = 0; i < 3; i++) {
		memset(data, 'a' + i, len);
		bad += !echoed(&c[i], data, len);
		rpc_call_fini(&c[i]);
	}
	for (i = 0; i < 2; i++) {
		(void)rpc_call_wait(&held[i]);
		rpc_call_fini(&held[i]);
	}
	d = sent_since(cl, &s0);
	ok(bad == 0 && d.st_batches == 4 && d.st_calls == 5,
	    "three 1.5 MiB requests queued together leave in two messages "
	    "(%llu batches, %llu calls)", d.st_batches, d.st_calls);
	free(data);
}

static void
check_errors(struct rpc_client *cl)
{
	struct rpc_call c;

	start_bin(&c, cl, MSG_META_VER_GET, "v", 1);
	is_int(rpc_call_wait(&c), CAIRN_ENOKEY,
	    "a handler's error in a batch comes back to its call");
	rpc_call_fini(&c);
	start_bin(&c, cl, MSG_META_OBJ_PUT, "p", 1);
	ok(echoed(&c, "p", 1), "a type that may not be batched goes alone");
	rpc_call_fini(&c);
}

/* --- batches built by hand ----------------------------------------------- */

/* pack_request packs a whole request message of type into buf. */
static size_t
pack_request(msgpack_sbuffer *sb, uint32_t type)
{
	msgpack_packer pk;

	msgpack_sbuffer_clear(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	proto_begin(&pk, type, 77);
	msgpack_pack_bin(&pk, 1);
	msgpack_pack_bin_body(&pk, "x", 1);
	return sb->size;
}

/*
 * raw_batch sends a MSG_RPC_BATCH by hand with the requests of types
 * (none: an empty batch) and returns the call's result; *sub gets the
 * error code of the reply at index at inside, or 0.
 */
static int
raw_batch(struct rpc_client *cl, const uint32_t *types, int n, int at,
    int *sub)
{
	msgpack_sbuffer sb;
	struct proto_msg m;
	struct msg_error e;
	const msgpack_object *o;
	struct rpc_call c;
	int i, rc;

	*sub = 0;
	msgpack_sbuffer_init(&sb);
	if ((rc = rpc_call_init(&c, cl, MSG_RPC_BATCH)) == 0) {
		msgpack_pack_array(rpc_call_packer(&c), (size_t)n);
		for (i = 0; i < n; i++) {
			pack_request(&sb, types[i]);
			msgpack_pack_bin(rpc_call_packer(&c), sb.size);
			msgpack_pack_bin_body(rpc_call_packer(&c), sb.data,
			    sb.size);
		}
		rc = rpc_call_run(&c);
	}
	o = rc == 0 ? c.rc_reply.pm_payload : NULL;
	if (o != NULL && o->type == MSGPACK_OBJECT_ARRAY &&
	    o->via.array.size == (uint32_t)n && at < n &&
	    proto_open(&m, o->via.array.ptr[at].via.bin.ptr,
	    o->via.array.ptr[at].via.bin.size) == 0) {
		if (m.pm_type == MSG_ERROR &&
		    msg_error_unpack(m.pm_payload, &e) == 0)
			*sub = e.e_code;
		proto_close(&m);
	}
	rpc_call_fini(&c);
	msgpack_sbuffer_destroy(&sb);
	return rc;
}

static void
check_raw(struct rpc_client *plain)
{
	uint32_t put[] = { MSG_META_OBJ_PUT }, nested[] = { MSG_RPC_BATCH };
	uint32_t mixed[] = { MSG_META_VER_DELETE, MSG_META_VER_GET };
	uint32_t get[] = { MSG_META_OBJ_GET, MSG_META_VER_GET };
	int sub, rc;

	rc = raw_batch(plain, put, 1, 0, &sub);
	ok(rc == 0 && sub == CAIRN_EMSGTYPE,
	    "a request that may block is refused inside a batch");
	rc = raw_batch(plain, nested, 1, 0, &sub);
	ok(rc == 0 && sub == CAIRN_EMSGTYPE,
	    "a batch inside a batch is refused");
	rc = raw_batch(plain, get, 2, 0, &sub);
	ok(rc == 0 && sub == 0, "a batch sent by hand is answered");
	rc = raw_batch(plain, mixed, 2, 1, &sub);
	ok(rc == 0 && sub == CAIRN_EMSGTYPE,
	    "a read in a batch of writes is refused");
	is_int(raw_batch(plain, get, 0, 0, &sub), CAIRN_EPROTO,
	    "an empty batch is malformed");
}

/* check_shutdown: calls out and queued fail at once when the client shuts. */
static void
check_shutdown(struct rpc_client *cl)
{
	struct rpc_call held[2], c[3];
	uint64_t start;
	int i, failed = 0;

	block(cl, held);
	for (i = 0; i < 3; i++)
		start_bin(&c[i], cl, MSG_META_OBJ_GET, "s", 1);
	start = util_mono_ms();
	rpc_client_shutdown(cl);
	for (i = 0; i < 3; i++) {
		failed += rpc_call_wait(&c[i]) != 0;
		rpc_call_fini(&c[i]);
	}
	for (i = 0; i < 2; i++) {
		failed += rpc_call_wait(&held[i]) != 0;
		rpc_call_fini(&held[i]);
	}
	ok(failed == 5 && util_mono_ms() - start < TIMEOUT_MS,
	    "shutting the client fails queued and sent calls at once "
	    "(%d of 5 in %llu ms)", failed,
	    (unsigned long long)(util_mono_ms() - start));
	gate_set(true);
}

int
main(void)
{
	char dir[SCRATCH_DIRMAX], url[PATH_MAX + 16];
	struct rpc_client *cl = NULL, *plain = NULL, *one = NULL;
	struct rpc_server srv;

	plan(31);
	if (scratch_make(dir, sizeof(dir), "rpc") != 0)
		return 1;
	snprintf(url, sizeof(url), "ipc://%s/rpc.sock", dir);
	is_int(rpc_server_start(&srv, "test-rpc", url, NWORKERS, handler,
	    NULL, NULL), 0, "the server starts");
	if (rpc_client_open(&cl, url, TIMEOUT_MS) != 0 ||
	    rpc_client_open(&plain, url, TIMEOUT_MS) != 0 ||
	    rpc_client_open(&one, url, TIMEOUT_MS) != 0)
		abort();
	is_int(rpc_client_batch(cl, PROTO_BATCH_READ, BATCH, 2), 0,
	    "batching is on for the client, two batches out at most");
	is_int(rpc_client_batch(one, PROTO_BATCH_READ, BATCH,
	    RPC_INFLIGHTMAX + 1), CAIRN_EINVAL,
	    "more batches out than RPC_INFLIGHTMAX is refused");
	is_int(rpc_client_batch(one, PROTO_BATCH_READ, BATCH, 1) |
	    rpc_client_batch(one, PROTO_BATCH_WRITE, BATCH, 1), 0,
	    "a second client has one batch of each kind out at most");
	check_concurrent(cl);
	check_combined(cl, &srv);
	check_alone(cl);
	check_one(one);
	check_writes(one);
	check_waiting_reads(cl);
	check_overflow(cl);
	check_big_requests(cl);
	check_errors(cl);
	check_raw(plain);
	check_shutdown(cl);
	rpc_client_close(cl);
	rpc_client_close(plain);
	rpc_client_close(one);
	rpc_server_stop(&srv);
	ok(scratch_remove(dir) == 0, "the scratch directory is removed");
	nng_fini();
	return tap_done();
}
