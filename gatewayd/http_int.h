/* http_int.h - what http.c (h2o, workers) and http1.c (HTTP/1.1) share */
#ifndef CAIRN_HTTP_INT_H
#define CAIRN_HTTP_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include <h2o.h>
#include <openssl/ssl.h>

#include "gatewayd.h"
#include "pool.h"

/*
 * One event loop thread: an h2o context (for HTTP/2 connections) and the
 * timeouts of the HTTP/1.1 connections it serves itself.
 */
struct http_loop {
	h2o_context_t			 l_ctx;		/* first: see loop_of */
	h2o_accept_ctx_t		 l_accept;
	h2o_multithread_receiver_t	 l_receiver;
	h2o_socket_t			*l_listener;
	int				 l_fd;		/* listening socket */
	pthread_t			 l_thread;
	struct http			*l_http;
	h2o_timeout_t			 l_idle;	/* waiting for a request */
	h2o_timeout_t			 l_io;		/* a stalled body or write */
	h2o_timeout_t			 l_linger;	/* closing with input left */
};

/*
 * The largest response body a worker hands to the loop thread as a copy
 * and does not wait for (small objects, XML documents).  A connection has
 * at most one such answer in flight.
 */
#define HTTP_DETACH_MAX	(16 * 1024)

/* What a worker asks of its loop thread. */
enum http_act {
	HTTP_ACT_SEND,		/* response head and/or data */
	HTTP_ACT_BODY		/* body bytes into t_rbuf */
};

struct http1_conn;

/*
 * One request in flight.  The loop thread and the worker share it, each
 * holding a reference, and so does an action message while it waits in the
 * loop's queue (the connection may go, and the worker give up, before the
 * loop reads the message); it is freed when all have let go.  t_h2o (an
 * HTTP/2 request from h2o) or t_conn (an HTTP/1.1 connection of http1.c)
 * is NULL once the client went away or the response is complete, and then
 * no new message is posted; both are only dereferenced on the loop thread,
 * or under t_lock to read an h2o body.  t_done/t_result report the outcome
 * of the one action a worker may have posted.
 */
struct http_task {
	struct http_req			 t_req;		/* first: see task_of */
	h2o_multithread_message_t	 t_msg;
	h2o_generator_t			 t_gen;
	struct http_loop		*t_loop;
	h2o_req_t			*t_h2o;
	struct http1_conn		*t_conn;
	bool				 t_h1;		/* served by http1.c */
	pthread_mutex_t			 t_lock;
	pthread_cond_t			 t_cond;
	int				 t_refs;
	bool				 t_done;
	long				 t_result;
	bool				 t_started;	/* loop: response begun */
	bool				 t_begun;	/* worker: status given */
	bool				 t_finished;	/* worker: final posted */
	uint64_t			 t_body_off;
	char				*t_body;	/* a body read whole */
	size_t				 t_body_len;
	/* the posted action */
	enum http_act			 t_act;
	int				 t_status;
	const struct http_hdr_out	*t_hdrs;
	size_t				 t_nhdrs;
	const struct http_hdr_out	*t_xhdrs;	/* hr_extra, as posted */
	size_t				 t_nxhdrs;
	void				*t_answer;	/* a copied answer: detach */
	uint64_t			 t_clen;
	const void			*t_data;
	size_t				 t_len;
	const struct iovec		*t_iov;		/* or these, not final */
	int				 t_niov;
	bool				 t_final;
	bool				 t_abort;
	void				*t_rbuf;	/* HTTP_ACT_BODY */
	size_t				 t_rlen;
	char				 t_lenbuf[24];	/* a made-up length */
	struct pool_job			 t_job;		/* for a worker */
	char				*t_copy;	/* request line, headers */
	bool				 t_fast;	/* the loop serves it */
	bool				 t_fast_wake;	/* t_msg: run hf_end */
};

/*
 * The HTTP layer of one gatewayd: loops, and the workers that run the S3
 * handlers, a pool (lib/pool.h): an idle worker waits on a semaphore of
 * its own and is handed a request directly.
 */
struct http {
	struct sockaddr_storage	 h_sa;
	socklen_t		 h_salen;
	struct gatewayd		*h_env;
	void			(*h_serve)(struct gatewayd *, struct http_req *);
	const struct http_fast	*h_fast;	/* NULL: workers serve all */
	h2o_globalconf_t	 h_conf;
	struct http_loop	*h_loops;
	int			 h_nloops;
	struct pool		*h_workers;
	int			 h_nworkers;
	atomic_int		 h_active;	/* tasks queued or running */
	bool			 h_stopping;
	SSL_CTX			*h_ssl;		/* NULL: plain HTTP */
};

/* http.c */

/* http_task_alloc returns a zeroed task of loop with its id, start time
 * and two references (loop side and worker); NULL without memory. */
struct http_task *http_task_alloc(struct http_loop *loop);

/* http_task_body gives t a copy of its whole body; -1 without memory. */
int http_task_body(struct http_task *t, const void *data, size_t len);

/* http_task_release drops one reference; the last one frees the task. */
void http_task_release(struct http_task *t);

/* http_task_complete wakes the worker waiting for its posted action. */
void http_task_complete(struct http_task *t, long result);

/* http_task_queue hands a prepared task to the worker threads. */
void http_task_queue(struct http *h, struct http_task *t);

/* http_fast_try offers t, an HTTP/1.1 request whose body is whole in
 * memory, to the loop's own path; false: queue it for a worker. */
bool http_fast_try(struct http *h, struct http_task *t);

/* http_fast_early tells whether the loop's path takes t, which asks for
 * 100 Continue, once its body is in: the loop may then ask for it. */
bool http_fast_early(struct http *h, struct http_task *t);

/* http_reason is the reason phrase of an HTTP status. */
const char *http_reason(int status);

/* http1.c */

/* http1_loop_init sets up the loop's HTTP/1.1 timeouts; loop thread. */
void http1_loop_init(struct http_loop *l);

/* http1_accept takes over a new connection of the loop: HTTP/1.1 served
 * here, the HTTP/2 preface handed to h2o.  fd is owned from now on. */
void http1_accept(struct http_loop *l, int fd, const struct sockaddr *sa,
    socklen_t salen);

/* http1_run carries out the action a worker posted on t (loop thread). */
void http1_run(struct http_task *t);

#endif
