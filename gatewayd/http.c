/* http.c - the HTTP layer under the S3 handlers: h2o event loops, workers */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <h2o.h>

#include "errors.h"
#include "gatewayd.h"
#include "http_int.h"
#include "log.h"
#include "util.h"

/*
 * Threads.  Each event loop thread accepts on its own SO_REUSEPORT socket.
 * HTTP/1.1 connections are served by http1.c, which parses request heads
 * itself and streams bodies to the workers; a connection that opens with
 * the HTTP/2 preface is handed to the loop's h2o context, and h2o hands
 * each of its requests over once the whole body has arrived (on_req).
 * Either way the request line and headers are copied into a task queued
 * for the worker threads, which run the S3 handlers and may block on RPC
 * calls.  A worker never touches a socket or h2o: it posts an action
 * (start a response, send some data, read some body) to its loop's
 * receiver and sleeps until the loop thread has carried it out.
 */
/* The handler h2o calls; h2o allocates it with our size. */
struct http_handler {
	h2o_handler_t	 hh_super;
	struct http	*hh_http;
};

static struct http http_state;

static struct http_task *
task_of(struct http_req *hr)
{
	return (struct http_task *)hr;
}

void
http_task_release(struct http_task *t)
{
	int refs;

	pthread_mutex_lock(&t->t_lock);
	refs = --t->t_refs;
	pthread_mutex_unlock(&t->t_lock);
	if (refs > 0)
		return;
	pthread_mutex_destroy(&t->t_lock);
	pthread_cond_destroy(&t->t_cond);
	free(t->t_answer);
	free(t->t_body);
	free(t->t_copy);
	free(t);
}

int
http_task_body(struct http_task *t, const void *data, size_t len)
{
	if ((t->t_body = malloc(len > 0 ? len : 1)) == NULL)
		return -1;
	memcpy(t->t_body, data, len);
	t->t_body_len = len;
	return 0;
}

void
http_task_complete(struct http_task *t, long result)
{
	pthread_mutex_lock(&t->t_lock);
	if (!t->t_done) {
		t->t_done = true;
		t->t_result = result;
		pthread_cond_signal(&t->t_cond);
	}
	pthread_mutex_unlock(&t->t_lock);
}

/* --- the loop thread side ---------------------------------------------------- */

static void fast_end(struct http_task *);

/* on_dispose runs when h2o frees the request: the client left, or done. */
static void
on_dispose(void *p)
{
	struct http_task *t = *(struct http_task **)p;

	pthread_mutex_lock(&t->t_lock);
	t->t_h2o = NULL;
	pthread_mutex_unlock(&t->t_lock);
	http_task_complete(t, -1);
	http_task_release(t);
}

static void
on_proceed(h2o_generator_t *gen, h2o_req_t *req)
{
	struct http_task *t = H2O_STRUCT_FROM_MEMBER(struct http_task, t_gen,
	    gen);

	(void)req;
	http_task_complete(t, 0);
}

static void
on_stop(h2o_generator_t *gen, h2o_req_t *req)
{
	struct http_task *t = H2O_STRUCT_FROM_MEMBER(struct http_task, t_gen,
	    gen);

	(void)req;
	pthread_mutex_lock(&t->t_lock);
	t->t_h2o = NULL;
	pthread_mutex_unlock(&t->t_lock);
	http_task_complete(t, -1);
}

const char *
http_reason(int status)
{
	switch (status) {
	case 200:	return "OK";
	case 204:	return "No Content";
	case 206:	return "Partial Content";
	case 304:	return "Not Modified";
	case 400:	return "Bad Request";
	case 403:	return "Forbidden";
	case 404:	return "Not Found";
	case 405:	return "Method Not Allowed";
	case 408:	return "Request Timeout";
	case 409:	return "Conflict";
	case 411:	return "Length Required";
	case 412:	return "Precondition Failed";
	case 413:	return "Payload Too Large";
	case 416:	return "Requested Range Not Satisfiable";
	case 417:	return "Expectation Failed";
	case 431:	return "Request Header Fields Too Large";
	case 500:	return "Internal Server Error";
	case 501:	return "Not Implemented";
	case 503:	return "Service Unavailable";
	default:	return "Unknown";
	}
}

/* add_extra adds the headers the handler layer wants on every response. */
static void
add_extra(struct http_task *t, h2o_req_t *req)
{
	const struct http_hdr_out *h = t->t_req.hr_extra;
	size_t i;

	for (i = 0; h != NULL && i < t->t_req.hr_nextra; i++) {
		h2o_iovec_t v = h2o_strdup(&req->pool, h[i].ho_value,
		    strlen(h[i].ho_value));

		h2o_add_header_by_str(&req->pool, &req->res.headers,
		    h[i].ho_name, strlen(h[i].ho_name), 1, NULL, v.base, v.len);
	}
}

static void
start_response(struct http_task *t, h2o_req_t *req)
{
	size_t i;

	req->res.status = t->t_status;
	req->res.reason = http_reason(t->t_status);
	req->res.content_length = t->t_clen;
	for (i = 0; i < t->t_nhdrs; i++) {
		const char *n = t->t_hdrs[i].ho_name, *v = t->t_hdrs[i].ho_value;
		h2o_iovec_t vv = h2o_strdup(&req->pool, v, strlen(v));

		h2o_add_header_by_str(&req->pool, &req->res.headers, n,
		    strlen(n), 1, NULL, vv.base, vv.len);
	}
	add_extra(t, req);
	t->t_gen.proceed = on_proceed;
	t->t_gen.stop = on_stop;
	h2o_start_response(req, &t->t_gen);
	t->t_started = true;
}

/* run_action carries out, on the loop thread, what a worker posted. */
static void
run_action(struct http_task *t)
{
	h2o_req_t *req = t->t_h2o;
	h2o_iovec_t iov;

	if (req == NULL) {
		http_task_complete(t, -1);
		return;
	}
	/*
	 * A final or failed send may dispose of the request before h2o_send
	 * returns; the message's reference keeps t valid, but the worker must
	 * be woken with success, so complete first.
	 */
	if (t->t_abort) {
		if (!t->t_started)
			start_response(t, req);
		http_task_complete(t, 0);
		h2o_send(req, NULL, 0, H2O_SEND_STATE_ERROR);
		return;
	}
	if (!t->t_started)
		start_response(t, req);
	if (t->t_final) {
		/* Nothing calls proceed after the final send: copy the data. */
		iov = h2o_strdup(&req->pool, t->t_data, t->t_len);
		http_task_complete(t, 0);
		h2o_send(req, &iov, iov.len > 0 ? 1 : 0, H2O_SEND_STATE_FINAL);
		return;
	}
	iov = h2o_iovec_init(t->t_data, t->t_len);
	h2o_send(req, &iov, 1, H2O_SEND_STATE_IN_PROGRESS);
}

static void
on_message(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
	(void)receiver;
	while (!h2o_linklist_is_empty(messages)) {
		h2o_multithread_message_t *m = H2O_STRUCT_FROM_MEMBER(
		    h2o_multithread_message_t, link, messages->next);
		struct http_task *t = H2O_STRUCT_FROM_MEMBER(struct http_task,
		    t_msg, m);

		h2o_linklist_unlink(&m->link);
		if (t->t_fast_wake)
			fast_end(t);
		else if (t->t_h1)
			http1_run(t);
		else
			run_action(t);
		http_task_release(t);	/* the message's reference */
	}
}

/* copy_request copies what the handlers need out of h2o's request. */
static int
copy_request(struct http_task *t, h2o_req_t *req)
{
	struct http_header *hh;
	size_t i, n = req->headers.size, need;
	char *p;

	need = req->method.len + req->path.len + req->authority.len + 40 +
	    (n + 2) * sizeof(*hh);
	for (i = 0; i < n; i++)
		need += req->headers.entries[i].name->len +
		    req->headers.entries[i].value.len + 2;
	if ((t->t_copy = malloc(need)) == NULL)
		return -1;
	hh = (struct http_header *)t->t_copy;
	p = t->t_copy + (n + 2) * sizeof(*hh);
	t->t_req.hr_headers = hh;
	t->t_req.hr_method = p;
	t->t_req.hr_method_len = req->method.len;
	memcpy(p, req->method.base, req->method.len);
	p += req->method.len;
	*p++ = '\0';
	t->t_req.hr_path = p;
	memcpy(p, req->path.base, req->path.len);
	if (req->query_at != SIZE_MAX) {
		t->t_req.hr_path_len = req->query_at;
		p[req->query_at] = '\0';
		t->t_req.hr_query = p + req->query_at + 1;
		t->t_req.hr_query_len = req->path.len - req->query_at - 1;
	} else {
		t->t_req.hr_path_len = req->path.len;
		t->t_req.hr_query = p + req->path.len;
		t->t_req.hr_query_len = 0;
	}
	p += req->path.len;
	*p++ = '\0';
	/* h2o keeps Host as the authority, not as a header: SigV4 signs it. */
	hh[0].hh_name = "host";
	hh[0].hh_name_len = 4;
	hh[0].hh_value = p;
	hh[0].hh_value_len = req->authority.len;
	memcpy(p, req->authority.base, req->authority.len);
	p += req->authority.len;
	*p++ = '\0';
	for (i = 0; i < n; i++) {
		const h2o_header_t *h = &req->headers.entries[i];
		size_t j;

		hh[i + 1].hh_name = p;
		hh[i + 1].hh_name_len = h->name->len;
		for (j = 0; j < h->name->len; j++)
			*p++ = (char)tolower((unsigned char)h->name->base[j]);
		*p++ = '\0';
		hh[i + 1].hh_value = p;
		hh[i + 1].hh_value_len = h->value.len;
		memcpy(p, h->value.base, h->value.len);
		p += h->value.len;
		*p++ = '\0';
	}
	t->t_req.hr_nheaders = n + 1;
	/* h2o consumes Content-Length too; SigV4 may sign it. */
	if (req->entity.base != NULL) {
		hh[n + 1].hh_name = "content-length";
		hh[n + 1].hh_name_len = 14;
		hh[n + 1].hh_value = p;
		hh[n + 1].hh_value_len = (size_t)sprintf(p, "%zu",
		    req->entity.len);
		t->t_req.hr_nheaders++;
	}
	return 0;
}

/* task_peer records the client's address, for policy conditions. */
static void
task_peer(struct http_task *t, h2o_req_t *req)
{
	struct sockaddr_storage ss;
	socklen_t len;
	const void *a = NULL;

	t->t_req.hr_tls = req->scheme == &H2O_URL_SCHEME_HTTPS;
	len = req->conn->callbacks->get_peername(req->conn, (void *)&ss);
	if (len > 0 && ss.ss_family == AF_INET)
		a = &((struct sockaddr_in *)&ss)->sin_addr;
	else if (len > 0 && ss.ss_family == AF_INET6)
		a = &((struct sockaddr_in6 *)&ss)->sin6_addr;
	if (a == NULL || inet_ntop(ss.ss_family, a, t->t_req.hr_peer,
	    sizeof(t->t_req.hr_peer)) == NULL)
		t->t_req.hr_peer[0] = '\0';
}

/*
 * request_id makes a request's id: unique, as AWS's are, though not
 * secret.  One getrandom(2) a request was a system call on every GET;
 * instead each thread draws a random seed once and numbers its requests,
 * and splitmix64's finalizer, a bijection, spreads the numbers over all
 * 64 bits.
 */
static uint64_t
request_id(void)
{
	static _Thread_local uint64_t next;
	uint64_t z;

	if (next == 0)
		util_random(&next, sizeof(next));
	z = (next += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

struct http_task *
http_task_alloc(struct http_loop *loop)
{
	struct http_task *t;
	uint64_t id = request_id();

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	pthread_mutex_init(&t->t_lock, NULL);
	pthread_cond_init(&t->t_cond, NULL);
	t->t_loop = loop;
	t->t_refs = 2;
	util_hex(t->t_req.hr_id, &id, sizeof(id));
	for (char *c = t->t_req.hr_id; *c != '\0'; c++)
		*c = (char)toupper((unsigned char)*c);
	t->t_req.hr_start_ms = util_mono_ms();
	return t;
}

static struct http_task *
task_new(struct http_loop *loop, h2o_req_t *req)
{
	struct http_task *t;

	if ((t = http_task_alloc(loop)) == NULL)
		return NULL;
	if (copy_request(t, req) == -1) {
		t->t_refs = 1;
		http_task_release(t);
		return NULL;
	}
	t->t_h2o = req;
	t->t_req.hr_body_len = req->entity.base != NULL ? req->entity.len : 0;
	t->t_req.hr_head = h2o_memis(req->method.base, req->method.len,
	    H2O_STRLIT("HEAD"));
	task_peer(t, req);
	return t;
}

/* task_end ends what the handler left unanswered, and lets go of t. */
static void
task_end(struct http_task *t)
{
	struct http *h = t->t_loop->l_http;

	if (!t->t_finished) {
		if (t->t_begun)
			http_stream_abort(&t->t_req);
		else
			(void)http_respond(&t->t_req, 500, NULL, 0, NULL, 0);
	}
	http_task_release(t);
	atomic_fetch_sub(&h->h_active, 1);	/* http_stop polls it */
}

/* task_run runs on a worker: the S3 handler, then the end of the task. */
static void
task_run(void *arg)
{
	struct http_task *t = arg;
	struct http *h = t->t_loop->l_http;

	h->h_serve(h->h_env, &t->t_req);
	task_end(t);
}

/* fast_resume_run runs on a worker what the loop's path left to one. */
static void
fast_resume_run(void *arg)
{
	struct http_task *t = arg;
	struct http *h = t->t_loop->l_http;

	h->h_fast->hf_resume(h->h_env, &t->t_req);
	task_end(t);
}

bool
http_fast_try(struct http *h, struct http_task *t)
{
	if (h->h_fast == NULL)
		return false;
	atomic_fetch_add(&h->h_active, 1);
	t->t_fast = true;
	if (h->h_fast->hf_begin(h->h_env, &t->t_req) == HTTP_FAST_SENT)
		return true;
	t->t_fast = false;
	atomic_fetch_sub(&h->h_active, 1);
	return false;
}

bool
http_fast_early(struct http *h, struct http_task *t)
{
	return h->h_fast != NULL && h->h_fast->hf_early(h->h_env, &t->t_req);
}

void
http_fast_wake(struct http_req *hr)
{
	struct http_task *t = task_of(hr);

	pthread_mutex_lock(&t->t_lock);
	t->t_refs++;		/* a queued message keeps the task alive */
	t->t_fast_wake = true;
	pthread_mutex_unlock(&t->t_lock);
	h2o_multithread_send_message(&t->t_loop->l_receiver, &t->t_msg);
}

/*
 * fast_end runs hf_end on the loop thread once the call of hf_begin is
 * answered.  An answer it gives is detached (post_final) and written here
 * as a worker's would be; what it leaves goes to a worker, with the
 * handler's reference.
 */
static void
fast_end(struct http_task *t)
{
	struct http *h = t->t_loop->l_http;
	enum http_fast_rc rc;

	t->t_fast_wake = false;
	rc = h->h_fast->hf_end(h->h_env, &t->t_req);
	if (rc == HTTP_FAST_AGAIN)	/* the next call wakes it again */
		return;
	if (rc == HTTP_FAST_WORKER) {
		t->t_fast = false;
		t->t_job = (struct pool_job){ fast_resume_run, t, NULL, NULL };
		pool_give(h->h_workers, &t->t_job);
		return;
	}
	if (!t->t_finished)
		(void)http_respond(&t->t_req, 500, NULL, 0, NULL, 0);
	t->t_fast = false;
	if (t->t_h1)
		http1_run(t);
	http_task_release(t);	/* the handler's reference */
	atomic_fetch_sub(&h->h_active, 1);
}

void
http_task_queue(struct http *h, struct http_task *t)
{
	atomic_fetch_add(&h->h_active, 1);
	t->t_job = (struct pool_job){ task_run, t, NULL, NULL };
	pool_give(h->h_workers, &t->t_job);
}

static int
on_req(h2o_handler_t *self, h2o_req_t *req)
{
	struct http_handler *hd = (struct http_handler *)self;
	struct http_loop *loop = (struct http_loop *)req->conn->ctx;
	struct http_task *t, **slot;

	if (hd->hh_http->h_stopping || (t = task_new(loop, req)) == NULL) {
		h2o_send_error_503(req, "Service Unavailable",
		    "the server is shutting down or out of memory", 0);
		return 0;
	}
	slot = h2o_mem_alloc_shared(&req->pool, sizeof(*slot), on_dispose);
	*slot = t;
	http_task_queue(hd->hh_http, t);
	return 0;
}

/* on_accept takes the new connections of a loop's listening socket. */
static void
on_accept(h2o_socket_t *listener, const char *err)
{
	struct http_loop *loop = listener->data;
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, i;

	if (err != NULL)
		return;
	for (i = 0; i < 16; i++) {
		len = sizeof(ss);
		if ((fd = accept(loop->l_fd, (struct sockaddr *)&ss,
		    &len)) == -1)
			return;
		if (fcntl(fd, F_SETFL, O_NONBLOCK) == -1 ||
		    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1) {
			close(fd);
			continue;
		}
		http1_accept(loop, fd, (struct sockaddr *)&ss, len);
	}
}

/* --- the worker side ------------------------------------------------------------ */

/* post hands the prepared action to the loop thread and waits for it. */
static long
post(struct http_task *t)
{
	long rc;

	/* The loop thread cannot wait for itself; nothing it runs asks. */
	if (t->t_fast) {
		if (!t->t_abort)
			log_warnx("%s: a wait on the event loop refused",
			    t->t_req.hr_id);
		t->t_abort = true;
		return -1;
	}
	pthread_mutex_lock(&t->t_lock);
	if (t->t_h2o == NULL && t->t_conn == NULL) {
		pthread_mutex_unlock(&t->t_lock);
		return -1;
	}
	t->t_done = false;
	t->t_refs++;		/* a queued message keeps the task alive */
	pthread_mutex_unlock(&t->t_lock);
	h2o_multithread_send_message(&t->t_loop->l_receiver, &t->t_msg);
	pthread_mutex_lock(&t->t_lock);
	while (!t->t_done)
		pthread_cond_wait(&t->t_cond, &t->t_lock);
	rc = t->t_result;
	pthread_mutex_unlock(&t->t_lock);
	return rc;
}

/*
 * post_nowait hands a final answer that lives in the task (t_answer) to
 * the loop thread and returns at once: the worker is free for the next
 * request while the loop writes this one.
 */
static long
post_nowait(struct http_task *t)
{
	pthread_mutex_lock(&t->t_lock);
	if (t->t_conn == NULL) {
		pthread_mutex_unlock(&t->t_lock);
		return -1;
	}
	t->t_refs++;		/* a queued message keeps the task alive */
	pthread_mutex_unlock(&t->t_lock);
	h2o_multithread_send_message(&t->t_loop->l_receiver, &t->t_msg);
	return 0;
}

/* copy_hdrs copies n headers of src to dst, their strings at *p. */
static void
copy_hdrs(struct http_hdr_out *dst, const struct http_hdr_out *src, size_t n,
    char **p)
{
	size_t i, len;

	for (i = 0; i < n; i++) {
		len = strlen(src[i].ho_name) + 1;
		dst[i].ho_name = memcpy(*p, src[i].ho_name, len);
		*p += len;
		len = strlen(src[i].ho_value) + 1;
		dst[i].ho_value = memcpy(*p, src[i].ho_value, len);
		*p += len;
	}
}

/* gather copies the n pieces of iov to p, one after the other. */
static char *
gather(char *p, const struct iovec *iov, int n)
{
	size_t off = 0;
	int i;

	for (i = 0; i < n; i++) {
		memcpy(p + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	return p;
}

/*
 * detach copies the posted final action of an HTTP/1.1 request (headers,
 * the layer's extra headers, body) into t_answer, so that nothing the loop
 * thread reads belongs to the worker any more.  False for a body above
 * HTTP_DETACH_MAX, for HTTP/2, or without memory: then the worker waits.
 */
static bool
detach(struct http_task *t)
{
	size_t i, n = t->t_nhdrs + t->t_nxhdrs, need;
	struct http_hdr_out *h;
	char *p;

	if (!t->t_h1 || t->t_abort || (t->t_len > HTTP_DETACH_MAX &&
	    !t->t_fast))
		return false;
	need = n * sizeof(*h) + t->t_len;
	for (i = 0; i < t->t_nhdrs; i++)
		need += strlen(t->t_hdrs[i].ho_name) +
		    strlen(t->t_hdrs[i].ho_value) + 2;
	for (i = 0; i < t->t_nxhdrs; i++)
		need += strlen(t->t_xhdrs[i].ho_name) +
		    strlen(t->t_xhdrs[i].ho_value) + 2;
	if ((h = malloc(need > 0 ? need : 1)) == NULL)
		return false;
	p = (char *)(h + n);
	copy_hdrs(h, t->t_hdrs, t->t_nhdrs, &p);
	copy_hdrs(h + t->t_nhdrs, t->t_xhdrs, t->t_nxhdrs, &p);
	if (t->t_niov > 0)
		t->t_data = gather(p, t->t_iov, t->t_niov);
	else if (t->t_len > 0)
		t->t_data = memcpy(p, t->t_data, t->t_len);
	t->t_iov = NULL;
	t->t_niov = 0;
	t->t_hdrs = h;
	t->t_nhdrs = n;
	t->t_xhdrs = NULL;
	t->t_nxhdrs = 0;
	t->t_answer = h;
	return true;
}

/* post_final posts the last action of a response, waiting only when it
 * could not be detached from the worker's memory. */
static long
post_final(struct http_task *t)
{
	t->t_finished = true;
	if (t->t_fast) {	/* fast_end writes it */
		if (detach(t))
			return 0;
		t->t_abort = true;
		return -1;
	}
	if (detach(t))
		return post_nowait(t);
	return post(t);
}

const char *
http_header(const struct http_req *hr, const char *name, size_t *len)
{
	size_t i, n = strlen(name);

	for (i = 0; i < hr->hr_nheaders; i++) {
		const struct http_header *h = &hr->hr_headers[i];

		if (h->hh_name_len == n && memcmp(h->hh_name, name, n) == 0) {
			if (len != NULL)
				*len = h->hh_value_len;
			return h->hh_value;
		}
	}
	return NULL;
}

/* body_h2o copies from the body h2o received whole. */
static long
body_h2o(struct http_task *t, void *buf, size_t len)
{
	struct http_req *hr = &t->t_req;
	size_t n;
	long rc;

	pthread_mutex_lock(&t->t_lock);
	if (t->t_h2o == NULL) {
		rc = -1;
	} else {
		n = hr->hr_body_len - t->t_body_off;
		n = n < len ? n : len;
		if (n > 0)
			memcpy(buf, t->t_h2o->entity.base + t->t_body_off, n);
		t->t_body_off += n;
		rc = (long)n;
	}
	pthread_mutex_unlock(&t->t_lock);
	return rc;
}

/* body_mem copies from a body the loop thread handed over whole. */
static long
body_mem(struct http_task *t, void *buf, size_t len)
{
	size_t n = t->t_body_len - t->t_body_off;

	n = n < len ? n : len;
	memcpy(buf, t->t_body + t->t_body_off, n);
	t->t_body_off += n;
	return (long)n;
}

/*
 * body_h1 has the loop thread read the body from the socket straight into
 * buf: it reads only while a worker waits here, so a slow backend slows
 * the client down.  It fills buf unless the body ends first.
 */
static long
body_h1(struct http_task *t, void *buf, size_t len)
{
	size_t got = 0;
	long n;

	while (got < len) {
		t->t_act = HTTP_ACT_BODY;
		t->t_rbuf = (char *)buf + got;
		t->t_rlen = len - got;
		if ((n = post(t)) < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (long)got;
}

bool
http_body_whole(const struct http_req *hr)
{
	const struct http_task *t = (const struct http_task *)hr;

	return t->t_body != NULL || hr->hr_body_len == 0;
}

void
http_body_rewind(struct http_req *hr)
{
	struct http_task *t = task_of(hr);

	if (t->t_body == NULL)
		return;
	atomic_fetch_sub(&http_state.h_env->gw_bytes_in, t->t_body_off);
	t->t_body_off = 0;
}

long
http_body_read(struct http_req *hr, void *buf, size_t len)
{
	struct http_task *t = task_of(hr);
	long n;

	if (len > LONG_MAX)
		len = LONG_MAX;
	if (len == 0)
		return 0;
	if (t->t_body != NULL)
		n = body_mem(t, buf, len);
	else
		n = t->t_h1 ? body_h1(t, buf, len) : body_h2o(t, buf, len);
	if (n > 0)
		atomic_fetch_add(&http_state.h_env->gw_bytes_in, (uint64_t)n);
	return n;
}

static void
set_action(struct http_task *t, const void *data, size_t len, bool final)
{
	t->t_act = HTTP_ACT_SEND;
	t->t_data = data;
	t->t_len = len;
	t->t_final = final;
	t->t_abort = false;
	t->t_iov = NULL;
	t->t_niov = 0;
	t->t_xhdrs = t->t_req.hr_extra;
	t->t_nxhdrs = t->t_req.hr_nextra;
}

/* begin records the response head of t; false if one was begun already. */
static bool
begin(struct http_task *t, int status, const struct http_hdr_out *hdrs,
    size_t nhdrs, uint64_t content_length)
{
	if (t->t_begun)
		return false;
	t->t_begun = true;
	t->t_status = status;
	t->t_hdrs = hdrs;
	t->t_nhdrs = nhdrs;
	t->t_clen = content_length;
	return true;
}

int
http_respond(struct http_req *hr, int status, const struct http_hdr_out *hdrs,
    size_t nhdrs, const void *body, size_t len)
{
	struct http_task *t = task_of(hr);

	if (!begin(t, status, hdrs, nhdrs, len))
		return -1;
	set_action(t, body, len, true);
	return post_final(t) < 0 ? -1 : 0;
}

int
http_respondv(struct http_req *hr, int status, const struct http_hdr_out *hdrs,
    size_t nhdrs, const struct iovec *iov, int n)
{
	struct http_task *t = task_of(hr);
	size_t len = 0;
	int i;

	for (i = 0; i < n; i++)
		len += iov[i].iov_len;
	/* HTTP/2 goes through h2o, a piece at a time. */
	if (!t->t_h1 || n > HTTP_IOVMAX) {
		if (http_stream_start(hr, status, hdrs, nhdrs, len) != 0)
			return -1;
		if (len == 0)		/* answered whole by the start */
			return 0;
		if (http_stream_writev(hr, iov, n) != 0)
			return -1;
		return http_stream_end(hr);
	}
	if (!begin(t, status, hdrs, nhdrs, len))
		return -1;
	set_action(t, NULL, len, true);
	t->t_iov = iov;
	t->t_niov = n;
	return post_final(t) < 0 ? -1 : 0;
}

int
http_stream_start(struct http_req *hr, int status,
    const struct http_hdr_out *hdrs, size_t nhdrs, uint64_t content_length)
{
	struct http_task *t = task_of(hr);

	if (!begin(t, status, hdrs, nhdrs, content_length))
		return -1;
	if (hr->hr_head || content_length == 0) {
		set_action(t, "", 0, true);
		return post_final(t);
	}
	/* The status and headers go out with the first data. */
	return 0;
}

int
http_stream_write(struct http_req *hr, const void *data, size_t len)
{
	struct http_task *t = task_of(hr);

	if (t->t_finished || len == 0)
		return t->t_finished ? -1 : 0;
	set_action(t, data, len, false);
	return post(t);
}

int
http_stream_writev(struct http_req *hr, const struct iovec *iov, int n)
{
	struct http_task *t = task_of(hr);
	size_t len = 0;
	int i;

	if (t->t_finished)
		return -1;
	/* HTTP/2 goes through h2o, a piece at a time. */
	if (!t->t_h1 || n > HTTP_IOVMAX) {
		for (i = 0; i < n; i++)
			if (http_stream_write(hr, iov[i].iov_base,
			    iov[i].iov_len) != 0)
				return -1;
		return 0;
	}
	for (i = 0; i < n; i++)
		len += iov[i].iov_len;
	if (len == 0)
		return 0;
	set_action(t, NULL, len, false);
	t->t_iov = iov;
	t->t_niov = n;
	return post(t);
}

int
http_stream_end(struct http_req *hr)
{
	struct http_task *t = task_of(hr);

	if (t->t_finished)
		return 0;
	set_action(t, "", 0, true);
	return post_final(t);
}

void
http_stream_abort(struct http_req *hr)
{
	struct http_task *t = task_of(hr);

	if (t->t_finished)
		return;
	t->t_act = HTTP_ACT_SEND;
	t->t_abort = true;
	t->t_finished = true;
	(void)post(t);
}

bool
http_responded(const struct http_req *hr)
{
	return ((const struct http_task *)hr)->t_begun;
}

/* --- setup ----------------------------------------------------------------------- */

static int
resolve(struct http *h, const char *listen)
{
	char host[128], *port;
	struct addrinfo hints, *res;
	int rc;

	snprintf(host, sizeof(host), "%s", listen);
	if ((port = strrchr(host, ':')) == NULL)
		return -1;
	*port++ = '\0';
	if (host[0] == '[' && port[-2] == ']') {
		port[-2] = '\0';
		memmove(host, host + 1, strlen(host));
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &res)) != 0) {
		log_warnx("listen %s: %s", listen, gai_strerror(rc));
		return -1;
	}
	memcpy(&h->h_sa, res->ai_addr, res->ai_addrlen);
	h->h_salen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static int
listen_socket(struct http *h)
{
	int fd, on = 1;

	fd = socket(h->h_sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) == -1 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) == -1 ||
	    bind(fd, (struct sockaddr *)&h->h_sa, h->h_salen) == -1 ||
	    listen(fd, 1024) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * loop_main sets up and runs one event loop.  Everything h2o does for a
 * loop happens on its own thread: h2o keeps per-thread buffer recyclers,
 * and a socket created on one thread and served on another returns its
 * buffers to the wrong one.
 */
static void *
loop_main(void *arg)
{
	struct http_loop *l = arg;
	struct http *h = l->l_http;

	h2o_context_init(&l->l_ctx, h2o_evloop_create(), &h->h_conf);
	l->l_accept.ctx = &l->l_ctx;
	l->l_accept.hosts = h->h_conf.hosts;
	h2o_multithread_register_receiver(l->l_ctx.queue, &l->l_receiver,
	    on_message);
	l->l_listener = h2o_evloop_socket_create(l->l_ctx.loop, l->l_fd,
	    H2O_SOCKET_FLAG_DONT_READ);
	l->l_listener->data = l;
	http1_loop_init(l);
	h2o_socket_read_start(l->l_listener, on_accept);
	for (;;)
		h2o_evloop_run(l->l_ctx.loop, INT32_MAX);
	return NULL;
}

static void
http_configure(struct http *h, const struct conf *conf)
{
	h2o_hostconf_t *host;
	h2o_pathconf_t *path;
	struct http_handler *hd;

	h2o_config_init(&h->h_conf);
	h->h_conf.server_name = h2o_iovec_init(H2O_STRLIT("cairn"));
	h->h_conf.max_request_entity_size = conf->c_gw_max_object;
	host = h2o_config_register_host(&h->h_conf,
	    h2o_iovec_init(H2O_STRLIT("default")), 65535);
	path = h2o_config_register_path(host, "/", 0);
	hd = (struct http_handler *)h2o_create_handler(path, sizeof(*hd));
	hd->hh_super.on_req = on_req;
	hd->hh_http = h;
	/* Large bodies are staged in a file: keep it on the data volume. */
	if (strlen(conf->c_gw_tmp_dir) + 16 <
	    sizeof(h2o_socket_buffer_mmap_settings.fn_template)) {
		strcpy(h2o_socket_buffer_mmap_settings.fn_template,
		    conf->c_gw_tmp_dir);
		strcat(h2o_socket_buffer_mmap_settings.fn_template,
		    "/h2o.b.XXXXXX");
	}
}

/*
 * What ALPN offers.  HTTP/1.1 alone by default: h2o 2.2.5 reads an HTTP/2
 * request body whole before the handler runs (up to 32 MiB in memory,
 * then in a file), outside max_memory, where our HTTP/1.1 streams it.
 * Clients that would choose h2 over TLS by themselves (Go's) then speak
 * HTTP/1.1.  With tls_http2 h2 is offered first.  A client that names
 * neither gets no protocol from ALPN and is served HTTP/1.1.
 */
static const h2o_iovec_t tls_alpn_h1[] = {
	{ H2O_STRLIT("http/1.1") },
	{ NULL, 0 }
};
static const h2o_iovec_t tls_alpn_h2[] = {
	{ H2O_STRLIT("h2") },
	{ H2O_STRLIT("http/1.1") },
	{ NULL, 0 }
};

/*
 * tls_init makes the TLS context of the S3 endpoint from tls_cert (the
 * certificate, then any chain) and tls_key: TLS 1.2 and later only.
 */
static int
tls_init(struct http *h, const struct conf *conf)
{
	SSL_CTX *ctx;

	if (conf->c_gw_tls_cert[0] == '\0')
		return 0;
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		return CAIRN_ENOMEM;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	if (SSL_CTX_use_certificate_chain_file(ctx, conf->c_gw_tls_cert) != 1) {
		log_warnx("%s: cannot load the certificate (PEM)",
		    conf->c_gw_tls_cert);
		SSL_CTX_free(ctx);
		return CAIRN_ECONF;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, conf->c_gw_tls_key,
	    SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
		log_warnx("%s: cannot load the private key of %s (PEM)",
		    conf->c_gw_tls_key, conf->c_gw_tls_cert);
		SSL_CTX_free(ctx);
		return CAIRN_ECONF;
	}
	h2o_ssl_register_alpn_protocols(ctx, conf->c_gw_tls_http2 ?
	    tls_alpn_h2 : tls_alpn_h1);
	h->h_ssl = ctx;
	return 0;
}

static int
start_threads(struct http *h, int nloops, int nworkers)
{
	int i;

	h->h_loops = calloc((size_t)nloops, sizeof(*h->h_loops));
	if (h->h_loops == NULL)
		return -1;
	for (i = 0; i < nloops; i++) {
		h->h_loops[i].l_http = h;
		if ((h->h_loops[i].l_fd = listen_socket(h)) == -1)
			return -1;
		h->h_nloops++;
	}
	if ((h->h_workers = pool_new(nworkers)) == NULL)
		return -1;
	h->h_nworkers = nworkers;
	for (i = 0; i < nloops; i++)
		if (pthread_create(&h->h_loops[i].l_thread, NULL, loop_main,
		    &h->h_loops[i]) != 0)
			return -1;
	return 0;
}

int
http_start(struct gatewayd *env,
    void (*serve)(struct gatewayd *, struct http_req *),
    const struct http_fast *fast)
{
	struct http *h = &http_state;
	const struct conf *conf = &env->gw_conf;
	int rc;

	h->h_env = env;
	h->h_serve = serve;
	h->h_fast = fast;
	atomic_init(&h->h_active, 0);
	if ((rc = util_mkdirs(conf->c_gw_tmp_dir, 0700)) != 0) {
		log_warnx("%s: %s", conf->c_gw_tmp_dir, cairn_strerror(rc));
		return rc;
	}
	if (resolve(h, conf->c_gw_listen) == -1)
		return CAIRN_EINVAL;
	http_configure(h, conf);
	if ((rc = tls_init(h, conf)) != 0)
		return rc;
	if (start_threads(h, conf->c_gw_threads, conf->c_gw_workers) == -1) {
		log_warn("listen %s", conf->c_gw_listen);
		return CAIRN_EIO;
	}
	log_info("S3 endpoint on %s://%s (%d loops, %d workers)",
	    h->h_ssl != NULL ? "https" : "http", conf->c_gw_listen,
	    h->h_nloops, h->h_nworkers);
	return 0;
}

void
http_stop(struct gatewayd *env)
{
	struct http *h = &http_state;
	uint64_t deadline = util_mono_ms() + 10000;
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	(void)env;
	h->h_stopping = true;
	while (atomic_load(&h->h_active) > 0 && util_mono_ms() <= deadline)
		nanosleep(&ts, NULL);
}
