/* rpc.c - request/reply between daemons over nng, with msgpack envelopes */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>

#include "errors.h"
#include "log.h"
#include "pool.h"
#include "rpc.h"
#include "rpc_int.h"
#include "util.h"

/*
 * The limit counts the SP header as well (REQ adds 4 bytes), so leave
 * room above the largest message we ever build.
 */
#define RPC_RECVMAX	(PROTO_MSGMAX + 4096)

/* How long rpc_client_open waits for a first connection, at most. */
#define RPC_CONNECT_WAIT_MS	500


/*
 * One worker of a server: its own context, an aio to receive with and one
 * to send with.  The worker does not wait for its reply to be sent: it
 * goes back to receiving at once and collects the send's result before
 * its next send (by then long finished), which spares a sleep and a
 * wakeup per request.
 */
struct rpc_worker {
	struct rpc_server	*w_srv;
	pthread_t		 w_thread;
	nng_ctx			 w_ctx;
	nng_aio			*w_aio;
	nng_aio			*w_saio;
	bool			 w_sending;	/* w_saio has a send out */
	bool			 w_ready;	/* ctx and aios open */
	bool			 w_running;	/* the thread was started */
	atomic_bool		 w_done;	/* the thread has ended */
};

static void pair_free(struct rpc_pair *);

/*
 * rpc_msg_write lets msgpack pack straight into an nng message.  nng 1.5.2
 * grows a message body to exactly the size appended, zeroing a new buffer
 * and copying the old one each time, so a reply packed a few bytes at a
 * time (a listing page: thousands of writes) costs quadratic time.  Grow
 * the capacity geometrically instead.  When one write outgrows that (a
 * block, an inline object's bytes), leave RPC_MSG_SLACK after it for the
 * fields that follow, which would otherwise grow the message once more,
 * zeroing twice its size and copying the bytes just written.
 */
#define RPC_MSG_SLACK	512

int
rpc_msg_write(void *data, const char *buf, size_t len)
{
	nng_msg *m = data;
	size_t need = nng_msg_len(m) + len, cap = nng_msg_capacity(m);

	if (need > cap && nng_msg_reserve(m, need > 2 * cap ?
	    need + RPC_MSG_SLACK : 2 * cap) != 0)
		return -1;
	return nng_msg_append(m, buf, len) == 0 ? 0 : -1;
}

void *
rpc_reply_room(msgpack_packer *pk, size_t len)
{
	nng_msg *m = pk->data;
	size_t at = nng_msg_len(m);

	if (nng_msg_capacity(m) < at + len && nng_msg_reserve(m, at + len) != 0)
		return NULL;
	return (char *)nng_msg_body(m) + at;
}

void
rpc_reply_fill(msgpack_packer *pk, size_t n)
{
	nng_msg *m = pk->data;

	/* Within the room reserved: no allocation, nothing copied. */
	(void)nng_msg_realloc(m, nng_msg_len(m) + n);
}

int
rpc_nng_err(int rv)
{
	switch (rv) {
	case 0:			return 0;
	case NNG_ETIMEDOUT:	return CAIRN_ETIMEDOUT;
	case NNG_ENOMEM:	return CAIRN_ENOMEM;
	case NNG_ECANCELED:	return CAIRN_ECANCELED;
	case NNG_EMSGSIZE:	return CAIRN_ETOOBIG;
	default:		return CAIRN_EUNAVAIL;
	}
}

/* --- server --------------------------------------------------------------- */

static void
status_reply(struct rpc_server *srv, msgpack_packer *pk)
{
	struct msg_status st;

	memset(&st, 0, sizeof(st));
	st.st_daemon = proto_str_c(srv->rs_name);
	st.st_version = proto_str_c(PACKAGE_VERSION);
	st.st_pid = (uint64_t)getpid();
	st.st_uptime_s = (util_mono_ms() - srv->rs_started_ms) / 1000;
	if (atomic_load(&srv->rs_nbatches) > 0) {
		msg_status_add(&st, "rpc_batches",
		    atomic_load(&srv->rs_nbatches));
		msg_status_add(&st, "rpc_batched",
		    atomic_load(&srv->rs_nbatched));
	}
	if (srv->rs_status != NULL)
		srv->rs_status(srv->rs_env, &st);
	msg_status_pack(pk, &st);
}

void
rpc_error_reply(nng_msg *rep, msgpack_packer *pk, uint64_t reqid, int rc)
{
	struct msg_error e;

	nng_msg_clear(rep);
	e.e_code = rc;
	e.e_message = proto_str_c(cairn_strerror(rc));
	proto_begin(pk, MSG_ERROR, reqid);
	msg_error_pack(pk, &e);
}

void
rpc_reply_end(struct rpc_server *srv, const struct proto_msg *m, nng_msg *rep,
    msgpack_packer *pk, int rc)
{
	if (rc == 0 && nng_msg_len(rep) > PROTO_MSGMAX)
		rc = CAIRN_ETOOBIG;
	if (rc == CAIRN_EPROTO || rc == CAIRN_EMSGTYPE)
		log_warnx("%s: %s: %s", srv->rs_name,
		    proto_type_name(m->pm_type), cairn_strerror(rc));
	if (rc != 0)
		rpc_error_reply(rep, pk, m->pm_reqid, rc);
}

/*
 * rpc_reply_to decodes one request from buf, runs the handler and packs the
 * whole reply into rep, which it empties first.  kind is the kind of the
 * batch the request came in (PROTO_BATCH_NONE: none), and room what its
 * reply may take (0: PROTO_MSGMAX).
 */
int
rpc_reply_to(struct rpc_server *srv, const void *buf, size_t len, nng_msg *rep,
    enum proto_batch kind, size_t room)
{
	struct proto_msg m;
	msgpack_packer pk;
	int rc;

	nng_msg_clear(rep);
	msgpack_packer_init(&pk, rep, rpc_msg_write);
	rc = proto_open(&m, buf, len);
	if (rc != 0) {
		log_warnx("%s: rejected message: %s", srv->rs_name,
		    cairn_strerror(rc));
		rpc_error_reply(rep, &pk, 0, rc);
		return 0;
	}
	m.pm_reply_max = room;
	proto_begin(&pk, MSG_OK, m.pm_reqid);
	if (m.pm_type == MSG_RPC_BATCH && kind == PROTO_BATCH_NONE) {
		rpc_batch_run(srv, &m, rep, &pk);
		proto_close(&m);
		return 0;
	}
	if (kind != PROTO_BATCH_NONE && proto_batch_kind(m.pm_type) != kind)
		rc = CAIRN_EMSGTYPE;
	else
		rc = srv->rs_handler(srv->rs_env, &m, &pk);
	if (rc == CAIRN_EMSGTYPE && m.pm_type == MSG_CTL_STATUS &&
	    proto_is_nil(m.pm_payload) && kind == PROTO_BATCH_NONE) {
		nng_msg_clear(rep);
		proto_begin(&pk, MSG_OK, m.pm_reqid);
		status_reply(srv, &pk);
		rc = 0;
	}
	rpc_reply_end(srv, &m, rep, &pk, rc);
	proto_close(&m);
	return rc;
}

/* handle answers one message; NULL if out of memory. */
static nng_msg *
handle(struct rpc_server *srv, nng_msg *req)
{
	nng_msg *rep;

	if (nng_msg_alloc(&rep, 0) != 0)
		return NULL;
	rpc_reply_to(srv, nng_msg_body(req), nng_msg_len(req), rep,
	    PROTO_BATCH_NONE, 0);
	return rep;
}

/* sent collects the result of the worker's last send; -1 once closed. */
static int
sent(struct rpc_worker *w)
{
	int rv;

	if (!w->w_sending)
		return 0;
	w->w_sending = false;
	nng_aio_wait(w->w_saio);
	if ((rv = nng_aio_result(w->w_saio)) == 0)
		return 0;
	if (nng_aio_get_msg(w->w_saio) != NULL)
		nng_msg_free(nng_aio_get_msg(w->w_saio));
	nng_aio_set_msg(w->w_saio, NULL);
	return rv == NNG_ECLOSED ? -1 : 0;
}

/*
 * serve_one receives one request and answers it; returns -1 once the
 * server stops.
 */
static int
serve_one(struct rpc_worker *w)
{
	nng_msg *req, *rep;
	int rv;

	if (atomic_load(&w->w_srv->rs_stopping))
		return -1;
	nng_ctx_recv(w->w_ctx, w->w_aio);
	nng_aio_wait(w->w_aio);
	if ((rv = nng_aio_result(w->w_aio)) != 0)
		return (rv == NNG_ECLOSED || rv == NNG_ECANCELED) ? -1 : 0;
	req = nng_aio_get_msg(w->w_aio);
	rep = handle(w->w_srv, req);
	nng_msg_free(req);
	if (sent(w) == -1) {
		if (rep != NULL)
			nng_msg_free(rep);
		return -1;
	}
	if (rep == NULL)
		return 0;
	nng_aio_set_msg(w->w_saio, rep);
	nng_ctx_send(w->w_ctx, w->w_saio);
	w->w_sending = true;
	return 0;
}

static void *
worker_main(void *arg)
{
	struct rpc_worker *w = arg;

	while (serve_one(w) == 0)
		;
	(void)sent(w);
	atomic_store(&w->w_done, true);
	return NULL;
}

static int
start_worker(struct rpc_server *srv, struct rpc_worker *w)
{
	w->w_srv = srv;
	atomic_init(&w->w_done, false);
	if (nng_ctx_open(&w->w_ctx, srv->rs_sock) != 0)
		return CAIRN_ENOMEM;
	w->w_ready = true;
	if (nng_aio_alloc(&w->w_aio, NULL, NULL) != 0 ||
	    nng_aio_alloc(&w->w_saio, NULL, NULL) != 0 ||
	    pthread_create(&w->w_thread, NULL, worker_main, w) != 0)
		return CAIRN_ENOMEM;
	w->w_running = true;
	return 0;
}

/* How long rpc_server_stop lets handlers finish: 1 ms a try. */
#define RPC_STOP_TRIES	30000

/*
 * workers_stop ends the workers while the socket is still open: closing
 * it under a worker that is about to send its reply trips nng 1.5.2 (a
 * panic on a destroyed lock).  A worker sees rs_stopping before it
 * receives again; one that is waiting to receive is cancelled, again and
 * again, since it may have started waiting just after a cancel.  A
 * handler still running after RPC_STOP_TRIES gets the socket closed under
 * it.
 */
static void
workers_stop(struct rpc_server *srv)
{
	struct timespec ts = { 0, 1000 * 1000 };
	struct rpc_worker *w;
	int i, tries, left = 1;

	atomic_store(&srv->rs_stopping, true);
	for (tries = 0; tries < RPC_STOP_TRIES && left > 0; tries++) {
		for (i = left = 0; i < srv->rs_nworkers; i++) {
			w = &srv->rs_workers[i];
			if (w->w_running && !atomic_load(&w->w_done)) {
				nng_aio_cancel(w->w_aio);
				left++;
			}
		}
		if (left > 0)
			nanosleep(&ts, NULL);
	}
	nng_close(srv->rs_sock);
	for (i = 0; i < srv->rs_nworkers; i++) {
		w = &srv->rs_workers[i];
		if (w->w_running)
			pthread_join(w->w_thread, NULL);
		if (w->w_saio != NULL)
			nng_aio_free(w->w_saio);
		if (w->w_aio != NULL)
			nng_aio_free(w->w_aio);
		if (w->w_ready)
			nng_ctx_close(w->w_ctx);
	}
}

/*
 * ipc_claim takes an exclusive lock on "<socket>.lock" before an ipc://
 * listener starts, so that a second daemon on the same URL is refused
 * without touching the socket.  Connecting to see whether the socket is
 * alive is not an option: nng 1.5.2 stops serving new clients after a peer
 * disconnects during the handshake (nng issue #1518), and nng_listen's own
 * probe of a busy address does exactly that.  With the lock held, any
 * socket file left there belongs to a dead process and is removed.
 * Returns the lock's fd, -1 for other transports, or CAIRN_EEXIST.
 */
static const char *
lock_path(const char *url, char *buf, size_t len)
{
	if (snprintf(buf, len, "%s.lock", url + 6) >= (int)len)
		return NULL;
	return buf;
}

static int
ipc_claim(const char *url)
{
	char lock[PATH_MAX + 8];
	int fd;

	if (strncmp(url, "ipc://", 6) != 0)
		return -1;
	if (lock_path(url, lock, sizeof(lock)) == NULL)
		return CAIRN_EINVAL;
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd == -1)
		return cairn_errno(errno);
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		close(fd);
		return CAIRN_EEXIST;
	}
	(void)unlink(url + 6);
	return fd;
}

int
rpc_server_start(struct rpc_server *srv, const char *name, const char *url,
    int nworkers, rpc_handler handler,
    void (*status)(void *, struct msg_status *), void *env)
{
	int rv, i;

	memset(srv, 0, sizeof(*srv));
	pthread_mutex_init(&srv->rs_pool_lock, NULL);
	srv->rs_name = name;
	snprintf(srv->rs_url, sizeof(srv->rs_url), "%s", url);
	srv->rs_handler = handler;
	srv->rs_status = status;
	srv->rs_env = env;
	srv->rs_started_ms = util_mono_ms();
	if ((rv = nng_rep0_open(&srv->rs_sock)) != 0 ||
	    (rv = nng_socket_set_size(srv->rs_sock, NNG_OPT_RECVMAXSZ,
	    RPC_RECVMAX)) != 0) {
		log_warnx("%s: rep socket: %s", name, nng_strerror(rv));
		return CAIRN_EIO;
	}
	if ((srv->rs_lockfd = ipc_claim(url)) < -1) {
		log_warnx("%s: %s: %s", name, url, srv->rs_lockfd == CAIRN_EEXIST ?
		    "another process is listening there" :
		    cairn_strerror(srv->rs_lockfd));
		rv = srv->rs_lockfd;
		nng_close(srv->rs_sock);
		return rv;
	}
	if ((rv = nng_listen(srv->rs_sock, url, NULL, 0)) != 0) {
		log_warnx("%s: listen %s: %s", name, url, nng_strerror(rv));
		nng_close(srv->rs_sock);
		if (srv->rs_lockfd >= 0)
			close(srv->rs_lockfd);
		return CAIRN_EIO;
	}
	srv->rs_workers = calloc((size_t)nworkers, sizeof(*srv->rs_workers));
	if (srv->rs_workers == NULL) {
		nng_close(srv->rs_sock);
		return CAIRN_ENOMEM;
	}
	for (i = 0; i < nworkers; i++) {
		srv->rs_nworkers = i + 1;
		if (start_worker(srv, &srv->rs_workers[i]) != 0) {
			rpc_server_stop(srv);
			return CAIRN_ENOMEM;
		}
	}
	log_info("%s: listening on %s with %d workers", name, url, nworkers);
	return 0;
}

void
rpc_server_group(struct rpc_server *srv, rpc_group_handler fn)
{
	atomic_store(&srv->rs_group, fn);
}

void
rpc_server_stop(struct rpc_server *srv)
{
	char lock[PATH_MAX + 8];

	if (srv->rs_workers == NULL)
		return;
	workers_stop(srv);
	free(srv->rs_workers);
	srv->rs_workers = NULL;
	pool_free(srv->rs_pool);	/* it ran calls for the workers */
	srv->rs_pool = NULL;
	if (srv->rs_lockfd >= 0) {
		/* Unlink while still holding the lock: no one else owns it. */
		if (strncmp(srv->rs_url, "ipc://", 6) == 0)
			(void)unlink(lock_path(srv->rs_url, lock, sizeof(lock)));
		close(srv->rs_lockfd);
	}
	srv->rs_lockfd = -1;
}

/* --- client ------------------------------------------------------------------ */

static void
on_pipe(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct rpc_client *cl = arg;

	(void)p;
	if (ev == NNG_PIPE_EV_ADD_POST)
		atomic_fetch_add(&cl->cl_npipes, 1);
	else if (ev == NNG_PIPE_EV_REM_POST)
		atomic_fetch_sub(&cl->cl_npipes, 1);
}

static int
client_socket(struct rpc_client *cl)
{
	nng_socket s;

	if (nng_req0_open(&s) != 0)
		return CAIRN_ENOMEM;
	cl->cl_sock = s;
	/* nng would silently resend unanswered requests: we never want that. */
	if (nng_socket_set_ms(s, NNG_OPT_REQ_RESENDTIME,
	    NNG_DURATION_INFINITE) != 0 ||
	    nng_socket_set_size(s, NNG_OPT_RECVMAXSZ, RPC_RECVMAX) != 0 ||
	    nng_socket_set_ms(s, NNG_OPT_RECONNMINT, 50) != 0 ||
	    nng_socket_set_ms(s, NNG_OPT_RECONNMAXT, 1000) != 0 ||
	    nng_pipe_notify(s, NNG_PIPE_EV_ADD_POST, on_pipe, cl) != 0 ||
	    nng_pipe_notify(s, NNG_PIPE_EV_REM_POST, on_pipe, cl) != 0)
		return CAIRN_EIO;
	return 0;
}

static void
wait_connected(struct rpc_client *cl, int ms)
{
	struct timespec ts = { 0, 1000 * 1000 };
	uint64_t deadline = util_mono_ms() + (uint64_t)ms;

	while (!rpc_client_connected(cl) && util_mono_ms() < deadline)
		nanosleep(&ts, NULL);
}

int
rpc_client_open(struct rpc_client **clp, const char *url, int timeout_ms)
{
	struct rpc_client *cl;
	int rc;

	if ((cl = calloc(1, sizeof(*cl))) == NULL)
		return CAIRN_ENOMEM;
	snprintf(cl->cl_url, sizeof(cl->cl_url), "%s", url);
	cl->cl_timeout_ms = timeout_ms;
	atomic_init(&cl->cl_npipes, 0);
	util_random(&cl->cl_reqid, sizeof(unsigned long));
	if (pthread_mutex_init(&cl->cl_lock, NULL) != 0) {
		free(cl);
		return CAIRN_ENOMEM;
	}
	if ((rc = client_socket(cl)) != 0) {
		nng_close(cl->cl_sock);
		pthread_mutex_destroy(&cl->cl_lock);
		free(cl);
		return rc;
	}
	/*
	 * Dial in the background (a blocking dial would hang on a frozen
	 * peer), then give a live peer a moment to complete the handshake.
	 */
	if (nng_dial(cl->cl_sock, url, NULL, NNG_FLAG_NONBLOCK) != 0) {
		log_warnx("dial %s: invalid address", url);
		nng_close(cl->cl_sock);
		pthread_mutex_destroy(&cl->cl_lock);
		free(cl);
		return CAIRN_EINVAL;
	}
	wait_connected(cl, timeout_ms < RPC_CONNECT_WAIT_MS ? timeout_ms :
	    RPC_CONNECT_WAIT_MS);
	*clp = cl;
	return 0;
}

void
rpc_client_close(struct rpc_client *cl)
{
	int i;

	if (cl == NULL)
		return;
	for (i = 0; i < cl->cl_nidle; i++)
		pair_free(cl->cl_idle[i]);
	for (i = 0; i < cl->cl_lane[0].l_ninflight; i++)
		rpc_batch_free(cl->cl_lane[0].l_batch[i]);
	for (i = 0; i < cl->cl_lane[1].l_ninflight; i++)
		rpc_batch_free(cl->cl_lane[1].l_batch[i]);
	nng_close(cl->cl_sock);
	pthread_mutex_destroy(&cl->cl_lock);
	free(cl);
}

/*
 * Closing the socket aborts the aio of every open context (NNG_ECLOSED);
 * the contexts and aios themselves are freed by rpc_call_fini and
 * rpc_client_close as usual, and closing a closed socket is harmless.
 */
void
rpc_client_shutdown(struct rpc_client *cl)
{
	if (cl != NULL)
		nng_close(cl->cl_sock);
}

bool
rpc_client_connected(struct rpc_client *cl)
{
	return atomic_load(&cl->cl_npipes) > 0;
}

const char *
rpc_client_url(struct rpc_client *cl)
{
	return cl->cl_url;
}

/*
 * A channel for calls, that of a struct rpc_pair or of a struct
 * rpc_batch: a context, an aio to send with and one to receive with, each
 * with its completion callback and the client's timeout.
 */
int
rpc_chan_aios(struct rpc_client *cl, nng_aio **saio, void (*on_send)(void *),
    nng_aio **raio, void (*on_recv)(void *), void *arg)
{
	if (nng_aio_alloc(saio, on_send, arg) != 0 ||
	    nng_aio_alloc(raio, on_recv, arg) != 0)
		return CAIRN_ENOMEM;
	nng_aio_set_timeout(*saio, cl->cl_timeout_ms);
	nng_aio_set_timeout(*raio, cl->cl_timeout_ms);
	return 0;
}

/* rpc_chan_close stops the send first: its callback may start the receive. */
void
rpc_chan_close(nng_ctx ctx, nng_aio *saio, nng_aio *raio)
{
	if (saio != NULL)
		nng_aio_stop(saio);
	if (raio != NULL)
		nng_aio_stop(raio);
	if (saio != NULL)
		nng_aio_free(saio);
	if (raio != NULL)
		nng_aio_free(raio);
	nng_ctx_close(ctx);
}

/* --- calls ------------------------------------------------------------------- */

void
rpc_pair_done(struct rpc_pair *p)
{
	void (*cb)(void *) = p->p_cb;
	void *arg = p->p_cb_arg;

	/* Once posted, p may be waited for and reused: read it before. */
	sem_post(&p->p_done);
	if (cb != NULL)
		cb(arg);
}

static void
pair_finish(struct rpc_pair *p, int rv)
{
	p->p_rv = rv;
	rpc_pair_done(p);
}

/* on_sent runs on an nng thread once the request is out (or failed). */
static void
on_sent(void *arg)
{
	struct rpc_pair *p = arg;
	int rv;

	if ((rv = nng_aio_result(p->p_saio)) != 0) {
		pair_finish(p, rv);
		return;
	}
	atomic_store(&p->p_sent, true);
	nng_ctx_recv(p->p_ctx, p->p_raio);
}

static void
on_reply(void *arg)
{
	struct rpc_pair *p = arg;

	pair_finish(p, nng_aio_result(p->p_raio));
}

static void
pair_free(struct rpc_pair *p)
{
	if (p == NULL)
		return;
	rpc_chan_close(p->p_ctx, p->p_saio, p->p_raio);
	sem_destroy(&p->p_done);
	free(p);
}

/* pair_new opens a pair on cl; *rc says why not (a shut client: EUNAVAIL). */
static struct rpc_pair *
pair_new(struct rpc_client *cl, int *rc)
{
	struct rpc_pair *p;
	int rv;

	*rc = CAIRN_ENOMEM;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	if (sem_init(&p->p_done, 0, 0) != 0) {
		free(p);
		return NULL;
	}
	if ((rv = nng_ctx_open(&p->p_ctx, cl->cl_sock)) != 0) {
		sem_destroy(&p->p_done);
		free(p);
		*rc = rpc_nng_err(rv);
		return NULL;
	}
	if (rpc_chan_aios(cl, &p->p_saio, on_sent, &p->p_raio, on_reply,
	    p) != 0) {
		pair_free(p);
		return NULL;
	}
	return p;
}

/* pair_get gives the call an idle pair, or a new one. */
static int
pair_get(struct rpc_call *c, struct rpc_client *cl)
{
	int rc;

	pthread_mutex_lock(&cl->cl_lock);
	if (cl->cl_nidle > 0) {
		c->rc_pair = cl->cl_idle[--cl->cl_nidle];
		pthread_mutex_unlock(&cl->cl_lock);
		return 0;
	}
	pthread_mutex_unlock(&cl->cl_lock);
	if ((c->rc_pair = pair_new(cl, &rc)) == NULL)
		return rc;
	return 0;
}

/*
 * pair_put keeps the call's pair for another call if the call got its
 * reply: nothing of it is pending in nng any more.  A call that failed or
 * was never waited for may still have a request out, so its pair is
 * closed.
 */
static void
pair_put(struct rpc_call *c)
{
	struct rpc_client *cl = c->rc_client;

	if (c->rc_rep != NULL) {
		pthread_mutex_lock(&cl->cl_lock);
		if (cl->cl_nidle < RPC_IDLE_MAX) {
			cl->cl_idle[cl->cl_nidle++] = c->rc_pair;
			pthread_mutex_unlock(&cl->cl_lock);
			return;
		}
		pthread_mutex_unlock(&cl->cl_lock);
	}
	pair_free(c->rc_pair);
}

int
rpc_call_init(struct rpc_call *c, struct rpc_client *cl, uint32_t type)
{
	int rc;

	memset(c, 0, sizeof(*c));
	c->rc_client = cl;
	c->rc_type = type;
	msgpack_unpacked_init(&c->rc_reply.pm_unpacked);
	if ((rc = pair_get(c, cl)) != 0)
		return c->rc_err = rc;
	if (nng_msg_alloc(&c->rc_req, 0) != 0)
		return c->rc_err = CAIRN_ENOMEM;
	msgpack_packer_init(&c->rc_pk, c->rc_req, rpc_msg_write);
	proto_begin(&c->rc_pk, type, atomic_fetch_add(&cl->cl_reqid, 1));
	return 0;
}

void
rpc_call_answered(struct rpc_call *c, nng_msg *rep)
{
	memset(c, 0, sizeof(*c));
	msgpack_unpacked_init(&c->rc_reply.pm_unpacked);
	c->rc_rep = rep;
}

void
rpc_call_alone(struct rpc_call *c)
{
	c->rc_alone = true;
}

msgpack_packer *
rpc_call_packer(struct rpc_call *c)
{
	return &c->rc_pk;
}

/* Set on a thread between rpc_nowait_begin and _end. */
static _Thread_local bool rpc_nowait;
static _Thread_local bool rpc_refused;

void
rpc_nowait_begin(void)
{
	rpc_nowait = true;
	rpc_refused = false;
}

bool
rpc_nowait_end(void)
{
	rpc_nowait = false;
	return !rpc_refused;
}

static void
call_send(struct rpc_call *c, void (*done)(void *), void *arg)
{
	enum proto_batch kind;

	if (c->rc_err != 0)
		return;
	if (rpc_nowait && done == NULL) {
		rpc_refused = true;
		c->rc_err = CAIRN_ENOWAIT;
		return;
	}
	if (!rpc_client_connected(c->rc_client)) {
		c->rc_err = CAIRN_EUNAVAIL;
		return;
	}
	/* The peer would drop the connection, and every call on it. */
	if (nng_msg_len(c->rc_req) > PROTO_MSGMAX) {
		log_warnx("%s: %s of %zu bytes is too large", c->rc_client->cl_url,
		    proto_type_name(c->rc_type), nng_msg_len(c->rc_req));
		c->rc_err = CAIRN_ETOOBIG;
		return;
	}
	atomic_store(&c->rc_pair->p_sent, false);
	c->rc_pair->p_rv = c->rc_pair->p_err = 0;
	c->rc_pair->p_cb = done;
	c->rc_pair->p_cb_arg = arg;
	kind = proto_batch_kind(c->rc_type);
	if (kind != PROTO_BATCH_NONE && !c->rc_alone &&
	    LANE(c->rc_client, kind)->l_max > 1) {
		rpc_batch_enqueue(c, LANE(c->rc_client, kind));
		return;
	}
	nng_aio_set_msg(c->rc_pair->p_saio, c->rc_req);
	nng_ctx_send(c->rc_pair->p_ctx, c->rc_pair->p_saio);
}

void
rpc_call_send(struct rpc_call *c)
{
	call_send(c, NULL, NULL);
}

void
rpc_call_send_cb(struct rpc_call *c, void (*done)(void *), void *arg)
{
	call_send(c, done, arg);
	if (c->rc_err != 0)	/* not sent: nothing will call back */
		done(arg);
}

/* open_reply decodes the reply envelope: MSG_OK, or MSG_ERROR's code. */
static int
open_reply(struct rpc_call *c)
{
	struct msg_error e;
	int rc;

	rc = proto_open(&c->rc_reply, nng_msg_body(c->rc_rep),
	    nng_msg_len(c->rc_rep));
	if (rc != 0)
		return rc;
	c->rc_open = true;
	if (c->rc_reply.pm_type == MSG_OK)
		return 0;
	if (c->rc_reply.pm_type == MSG_ERROR &&
	    msg_error_unpack(c->rc_reply.pm_payload, &e) == 0)
		return e.e_code;
	return CAIRN_EPROTO;
}

int
rpc_call_wait(struct rpc_call *c)
{
	struct rpc_pair *p = c->rc_pair;

	if (c->rc_err != 0)
		return c->rc_err;
	if (p == NULL)		/* rpc_call_answered */
		return c->rc_err = c->rc_rep != NULL ? open_reply(c) :
		    CAIRN_EINVAL;
	while (sem_wait(&p->p_done) != 0 && errno == EINTR)
		;
	if (atomic_load(&p->p_sent))
		c->rc_req = NULL;	/* nng owns it once sent */
	if (p->p_err != 0)
		return c->rc_err = p->p_err;
	if (p->p_rv != 0)
		return c->rc_err = rpc_nng_err(p->p_rv);
	if (p->p_rep != NULL) {
		c->rc_rep = p->p_rep;
		p->p_rep = NULL;
	} else
		c->rc_rep = nng_aio_get_msg(p->p_raio);
	return c->rc_err = open_reply(c);
}

int
rpc_call_run(struct rpc_call *c)
{
	rpc_call_send(c);
	return rpc_call_wait(c);
}

void
rpc_call_fini(struct rpc_call *c)
{
	if (c->rc_open)
		proto_close(&c->rc_reply);
	else
		msgpack_unpacked_destroy(&c->rc_reply.pm_unpacked);
	c->rc_open = false;
	if (c->rc_pair != NULL)
		pair_put(c);
	if (c->rc_rep != NULL)
		nng_msg_free(c->rc_rep);
	if (c->rc_req != NULL)
		nng_msg_free(c->rc_req);
	c->rc_rep = c->rc_req = NULL;
	c->rc_pair = NULL;
}
