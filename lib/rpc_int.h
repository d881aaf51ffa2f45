/* rpc_int.h - what rpc.c (calls, servers) and rpc_batch.c (batches) share */
#ifndef CAIRN_RPC_INT_H
#define CAIRN_RPC_INT_H

#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <msgpack.h>
#include <nng/nng.h>

#include "proto.h"
#include "rpc.h"

/* Idle context and aio pairs a client keeps for the next calls. */
#define RPC_IDLE_MAX	256

/*
 * What one call runs on: a REQ context, an aio to send and one to receive.
 * The send's completion starts the receive and the receive's completion
 * wakes the caller, both on nng's threads, so the caller sleeps once per
 * call instead of once for the send and again for the reply.  (Receiving
 * before the send completes is not an option: nng releases before 1.6
 * mishandle a receive cancelled while its send is still queued.)  The
 * caller waits on a semaphore, not a condition variable: woken, it would
 * first have to take the mutex that the waking thread still holds while
 * it goes on to wake the other calls of a batch, and sleep once more.
 */
struct rpc_pair {
	nng_ctx		 p_ctx;
	nng_aio		*p_saio;
	nng_aio		*p_raio;
	sem_t		 p_done;	/* posted once per call, when done */
	atomic_bool	 p_sent;	/* the request left: nng owns it */
	void		(*p_cb)(void *);	/* rpc_call_send_cb */
	void		*p_cb_arg;
	int		 p_rv;		/* nng's result */
	int		 p_err;		/* a batched call's error */
	nng_msg		*p_rep;		/* a batched call's reply */
};

/*
 * One batch out on the wire: its own context and aios, and the calls it
 * carries, in order.  b_busy is under the client's cl_lock; the rest
 * belongs to whoever set it.
 */
struct rpc_lane;

struct rpc_batch {
	struct rpc_client	*b_cl;
	struct rpc_lane		*b_lane;
	nng_ctx			 b_ctx;
	nng_aio			*b_saio;
	nng_aio			*b_raio;
	bool			 b_busy;
	int			 b_n;
	size_t			 b_bytes;	/* its message's size, at most */
	struct rpc_call		*b_calls[PROTO_BATCHMAX];
};

/*
 * A client: one REQ socket.  cl_npipes follows nng's pipe events so a call
 * can fail at once while the peer is away instead of waiting for its
 * timeout.  Shared by any number of threads; immutable after open except
 * cl_npipes, cl_reqid and the idle pairs under cl_lock.  Opening an nng
 * context and an aio takes socket-wide locks and allocations, so a call
 * that ended well leaves its pair for the next call instead.
 */
struct rpc_client {
	nng_socket	 cl_sock;
	char		 cl_url[PATH_MAX + 16];
	int		 cl_timeout_ms;
	atomic_int	 cl_npipes;
	atomic_ulong	 cl_reqid;
	pthread_mutex_t	 cl_lock;
	int		 cl_nidle;
	struct rpc_pair	*cl_idle[RPC_IDLE_MAX];
	struct rpc_lane {
		int		 l_max;		/* 0: never batched */
		int		 l_ninflight;	/* batches below */
		struct rpc_batch *l_batch[RPC_INFLIGHTMAX];
		struct rpc_call	*l_qhead;	/* calls waiting */
		struct rpc_call	*l_qtail;
		uint64_t	 l_nbatches;
		uint64_t	 l_nbatched;
	}		 cl_lane[2];	/* reads, writes: under cl_lock */
};

/* LANE gives the lane of a kind of batch (enum proto_batch, not NONE). */
#define LANE(cl, kind)	(&(cl)->cl_lane[(kind) - PROTO_BATCH_READ])

/* rpc.c */

/*
 * rpc_msg_write lets msgpack pack straight into an nng message (the data
 * of a msgpack_packer), growing it geometrically.
 */
int rpc_msg_write(void *data, const char *buf, size_t len);

/* rpc_pair_done ends the call on p, whose result fields are set: wakes
 * its waiter, or runs its rpc_call_send_cb callback. */
void rpc_pair_done(struct rpc_pair *p);

/* rpc_nng_err converts nng's error to an enum cairn_err. */
int rpc_nng_err(int rv);

/* rpc_error_reply empties rep and packs MSG_ERROR rc into it with pk. */
void rpc_error_reply(nng_msg *rep, msgpack_packer *pk, uint64_t reqid,
    int rc);

/*
 * rpc_reply_end finishes the reply rep to m whose handler returned rc:
 * a reply over PROTO_MSGMAX, or an error, becomes MSG_ERROR.
 */
void rpc_reply_end(struct rpc_server *srv, const struct proto_msg *m,
    nng_msg *rep, msgpack_packer *pk, int rc);

/*
 * rpc_reply_to decodes one request from buf, runs the handler and packs
 * the whole reply into rep, which it empties first.  kind is the kind of
 * the batch the request came in (PROTO_BATCH_NONE: none), and room what
 * its reply may take (0: PROTO_MSGMAX).  Returns what the handler
 * returned (0 for a reply it did not run).
 */
int rpc_reply_to(struct rpc_server *srv, const void *buf, size_t len,
    nng_msg *rep, enum proto_batch kind, size_t room);

/*
 * A channel for calls, that of a struct rpc_pair or of a struct
 * rpc_batch: rpc_chan_aios allocates its two aios, each with its
 * completion callback and the client's timeout; rpc_chan_close stops and
 * frees them and closes the context.
 */
int rpc_chan_aios(struct rpc_client *cl, nng_aio **saio,
    void (*on_send)(void *), nng_aio **raio, void (*on_recv)(void *),
    void *arg);
void rpc_chan_close(nng_ctx ctx, nng_aio *saio, nng_aio *raio);

/* rpc_batch.c */

/* rpc_batch_run answers a MSG_RPC_BATCH into rep, after pk's MSG_OK. */
void rpc_batch_run(struct rpc_server *srv, const struct proto_msg *m,
    nng_msg *rep, msgpack_packer *pk);

/* rpc_batch_free frees a client's batch; none of its calls may be out. */
void rpc_batch_free(struct rpc_batch *b);

/* rpc_batch_enqueue sends c in a batch of lane l (rpc_call_send). */
void rpc_batch_enqueue(struct rpc_call *c, struct rpc_lane *l);

#endif
