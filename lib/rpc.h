/* rpc.h - request/reply between daemons over nng, with msgpack envelopes */
#ifndef CAIRN_RPC_H
#define CAIRN_RPC_H

#include <stdbool.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <msgpack.h>
#include <nng/nng.h>

#include "proto.h"

/*
 * A daemon's request handler.  It runs on one of the server's worker
 * threads and may block (fsync, leveldb).  It reads req (payload points
 * into the request, valid until it returns) and packs its reply payload
 * into reply, after the envelope the server has already begun with MSG_OK.
 * It returns 0, or a negative enum cairn_err: the server then throws away
 * what was packed and answers MSG_ERROR with that code.  Returning
 * CAIRN_EMSGTYPE lets the shared code answer control messages.
 */
typedef int (*rpc_handler)(void *env, const struct proto_msg *req,
    msgpack_packer *reply);

/*
 * One write of a MSG_RPC_BATCH offered to a group handler.  g_req is NULL
 * for a request the server could not open (it answers that one itself).
 * A handler that takes a request packs its reply payload into g_reply, as
 * an rpc_handler would, sets g_rc, and sets g_taken; it leaves the others
 * alone.
 */
struct rpc_group_req {
	const struct proto_msg	*g_req;
	msgpack_packer		*g_reply;
	int			 g_rc;
	bool			 g_taken;
};

/*
 * A group handler runs the n writes of one batch on the worker thread that
 * received it, so a daemon can commit them together without a thread per
 * write (rpc_server_group).  What it does not take runs as usual, each on a
 * thread of the server's pool.
 */
typedef void (*rpc_group_handler)(void *env, struct rpc_group_req *reqs,
    int n);

/*
 * The server: one REP socket listening on a URL, and rs_nworkers threads,
 * each with its own nng context, receiving, dispatching and replying in a
 * loop.  Owned by the daemon's env; started by rpc_server_start on the main
 * thread and stopped by rpc_server_stop, which joins every worker.
 */
struct rpc_worker;

struct rpc_server {
	nng_socket	 rs_sock;
	int		 rs_nworkers;
	struct rpc_worker *rs_workers;	/* rs_nworkers of them */
	atomic_bool	 rs_stopping;
	rpc_handler	 rs_handler;
	void		*rs_env;
	const char	*rs_name;	/* "metad": for the status reply */
	int		 rs_lockfd;	/* ipc:// only: "<socket>.lock", held */
	char		 rs_url[PATH_MAX + 16];
	uint64_t	 rs_started_ms;
	void		(*rs_status)(void *env, struct msg_status *st);
	atomic_ulong	 rs_nbatches;	/* MSG_RPC_BATCH messages answered */
	atomic_ulong	 rs_nbatched;	/* requests they carried */
	pthread_mutex_t	 rs_pool_lock;
	struct pool	*rs_pool;	/* runs batched writes; at need */
	_Atomic(rpc_group_handler) rs_group;	/* NULL: none */
};

/*
 * rpc_server_start listens on url.  For ipc:// it holds a lock on
 * "<socket>.lock" while it runs: a second server on the same URL is
 * refused with CAIRN_EEXIST, and a socket file left by a dead one is
 * replaced and starts nworkers threads calling handler
 * with env.  status, if not NULL, adds counters to MSG_CTL_STATUS replies.
 * Returns 0 or a negative error; logs why.
 */
int rpc_server_start(struct rpc_server *srv, const char *name, const char *url,
    int nworkers, rpc_handler handler, void (*status)(void *, struct msg_status *),
    void *env);

/*
 * rpc_server_stop lets the handlers in progress finish and send their
 * replies (for 30 s at most), then closes the socket and joins the
 * workers.
 */
void rpc_server_stop(struct rpc_server *srv);

/* rpc_server_group offers the writes of each batch to fn (NULL: none). */
void rpc_server_group(struct rpc_server *srv, rpc_group_handler fn);

/*
 * rpc_batch_nowait tells a handler that it is answering one of the reads
 * of a batch in turn, on the thread that answers them all: a read that
 * would have to wait (for a disk) should return CAIRN_ENOWAIT instead,
 * having packed nothing.  It is then run again, with waits allowed, on
 * the server's pool, side by side with the batch's other such reads.
 */
bool rpc_batch_nowait(void);

/*
 * rpc_reply_room gives a handler len bytes of room at the end of the reply
 * it is packing in pk, so that it can read data straight into the reply;
 * NULL if out of memory.  rpc_reply_fill then adds the first n bytes of
 * the room to the reply.  Nothing may be packed in between.
 */
void *rpc_reply_room(msgpack_packer *pk, size_t len);
void rpc_reply_fill(msgpack_packer *pk, size_t n);

/*
 * A client: one REQ socket dialled to one daemon, redialling in the
 * background while the daemon is away.  Many calls may be in flight at once,
 * from any threads; each uses its own context.  Requests are never resent
 * by nng: a call whose peer goes away fails with CAIRN_EUNAVAIL.
 */
struct rpc_client;

/* rpc_client_open dials url; it succeeds even if the peer is down now. */
int rpc_client_open(struct rpc_client **clp, const char *url, int timeout_ms);

/* rpc_client_close closes the socket; no call may be in flight. */
void rpc_client_close(struct rpc_client *cl);

/*
 * rpc_client_shutdown fails every call in flight on cl at once, and every
 * later one, instead of letting them wait for a reply until the timeout:
 * threads blocked in rpc_call_wait return.  For a daemon that stops while
 * its peers may be stopping too.  cl must still be closed once no thread
 * uses it.
 */
void rpc_client_shutdown(struct rpc_client *cl);

/*
 * rpc_client_batch lets calls on cl of one kind of batch (proto.h: reads
 * or writes) travel together: a call goes out at once while fewer than
 * inflight batches of its kind are out, and otherwise waits for one to
 * come back and leaves with up to max - 1 others that queued meanwhile,
 * as one MSG_RPC_BATCH.  Under load, many calls then share one trip
 * through nng's threads and the peer's (each costs several thread
 * switches); alone, a call leaves as soon as it is sent.  Call it once a
 * kind, before any call; max is at most PROTO_BATCHMAX and inflight at
 * most RPC_INFLIGHTMAX; max 1 or less leaves batching off.
 */
#define RPC_INFLIGHTMAX	8
int rpc_client_batch(struct rpc_client *cl, enum proto_batch kind, int max,
    int inflight);

/* rpc_client_batches says how many batches and calls in them cl sent. */
void rpc_client_batches(struct rpc_client *cl, uint64_t *batches,
    uint64_t *calls);

/* rpc_client_connected tells whether a connection to the peer is up. */
bool rpc_client_connected(struct rpc_client *cl);

/* rpc_client_url returns the URL the client dials. */
const char *rpc_client_url(struct rpc_client *cl);

/*
 * One call.  Use: rpc_call_init, pack the payload into rpc_call_packer(c),
 * then either rpc_call_run (send and wait), or rpc_call_send now and
 * rpc_call_wait later, so that calls to several daemons overlap.  After a
 * successful wait, c->rc_reply.pm_payload holds the MSG_OK payload.  Always
 * finish with rpc_call_fini, which frees the reply.  A struct rpc_call
 * belongs to one thread at a time.
 */
struct rpc_pair;

struct rpc_call {
	struct rpc_client	*rc_client;
	struct rpc_pair		*rc_pair;	/* context and aios */
	struct rpc_call		*rc_next;	/* waiting for a batch */
	nng_msg			*rc_req;	/* owned until sent */
	nng_msg			*rc_rep;	/* owned once received */
	msgpack_packer		 rc_pk;
	struct proto_msg	 rc_reply;
	bool			 rc_open;	/* rc_reply needs proto_close */
	bool			 rc_alone;	/* never batched */
	int			 rc_err;	/* result of send, then of wait */
	uint32_t		 rc_type;
};

/* rpc_call_init starts a request of type on cl; 0 or a negative error. */
int rpc_call_init(struct rpc_call *c, struct rpc_client *cl, uint32_t type);

/* rpc_call_packer returns the packer for the request payload. */
msgpack_packer *rpc_call_packer(struct rpc_call *c);

/*
 * rpc_call_alone has c sent on its own even where its type travels in
 * batches (rpc_client_batch): for a read whose large reply would fill a
 * batch's message by itself, and only be sent again.
 */
void rpc_call_alone(struct rpc_call *c);

/*
 * rpc_call_answered makes c, not started, a call already answered with
 * rep (a reply kept from an earlier call), which c then owns: its
 * rpc_call_wait opens rep, and rpc_call_fini frees it.
 */
void rpc_call_answered(struct rpc_call *c, nng_msg *rep);

/* rpc_call_send starts sending; the result comes from rpc_call_wait. */
void rpc_call_send(struct rpc_call *c);

/*
 * rpc_call_send_cb sends like rpc_call_send, and once the reply (or the
 * error) is in, calls done(arg) on one of nng's threads instead of waking
 * a waiter; a call that cannot be sent calls it at once, on the caller's
 * thread.  rpc_call_wait then returns without waiting.  done must not
 * block.
 */
void rpc_call_send_cb(struct rpc_call *c, void (*done)(void *), void *arg);

/*
 * A thread that may not wait (an event loop) marks it with
 * rpc_nowait_begin: until rpc_nowait_end, every call it sends fails with
 * CAIRN_ENOWAIT, but for those sent with rpc_call_send_cb.  Code that
 * answers from a cache and calls a daemon only on a miss can so be run
 * as it is; rpc_nowait_end tells whether any call was refused, that is,
 * whether what it computed may be kept.
 */
void rpc_nowait_begin(void);
bool rpc_nowait_end(void);

/*
 * rpc_call_wait waits for the reply of a sent call.  Returns 0 (payload in
 * c->rc_reply), the peer's MSG_ERROR code, or a transport error:
 * CAIRN_EUNAVAIL, CAIRN_ETIMEDOUT, CAIRN_EPROTO.
 */
int rpc_call_wait(struct rpc_call *c);

/* rpc_call_run is rpc_call_send then rpc_call_wait. */
int rpc_call_run(struct rpc_call *c);

/* rpc_call_fini frees everything the call holds; safe after any step. */
void rpc_call_fini(struct rpc_call *c);

#endif
