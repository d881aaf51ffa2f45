/* http1.c - HTTP/1.1 on h2o's event loop: request heads, streamed bodies */
#include "config.h"

#include <ctype.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <h2o.h>
#include <h2o/http2.h>

#include "gatewayd.h"
#include "http_int.h"
#include "log.h"

/*
 * picohttpparser as bundled in and exported by libh2o-evloop 0.13 (h2o
 * 2.2.5), which does not install its header.  The decoder's fields are
 * those of that version, in its order; the padding leaves room for the
 * counters later versions append.
 */
struct phr_header {
	const char	*name;
	size_t		 name_len;
	const char	*value;
	size_t		 value_len;
};

struct phr_chunked_decoder {
	size_t		 bytes_left_in_chunk;
	char		 consume_trailer;
	char		 _hex_count;
	char		 _state;
	uint64_t	 _pad[4];
};

int	phr_parse_request(const char *, size_t, const char **, size_t *,
	    const char **, size_t *, int *, struct phr_header *, size_t *,
	    size_t);
ssize_t	phr_decode_chunked(struct phr_chunked_decoder *, char *, size_t *);

#define HTTP1_HEAD_MAX		(64 * 1024)	/* request line and headers */
#define HTTP1_HEADERS_MAX	256
#define HTTP1_PREREAD_MAX	(1024 * 1024)	/* chunked body read whole */
#define HTTP1_PREBODY_MAX	(64 * 1024)	/* body handed over whole */
#define HTTP1_PIPELINE_MAX	(64 * 1024)	/* read ahead while serving */
#define HTTP1_DRAIN_MAX		(256 * 1024)	/* unread body skipped */
#define HTTP1_RCVBUF		(2 * 1024 * 1024)	/* socket receive buffer */
#define HTTP1_IDLE_BUF		(64 * 1024)	/* input kept between requests */
#define HTTP1_IDLE_MS		10000	/* for a request head */
#define HTTP1_IO_MS		60000	/* a body or response stalled */
#define HTTP1_LINGER_MS		2000	/* reading after the last response */

static const char http1_preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/* Where a connection stands. */
enum http1_state {
	C_HEAD,		/* waiting for a request head */
	C_PREREAD,	/* reading a chunked body before queueing it */
	C_PREBODY,	/* reading a small body before queueing it */
	C_REQ,		/* a worker serves the request */
	C_DRAIN,	/* skipping the rest of an unread body */
	C_LINGER	/* closing: reading what the client still sends */
};

/*
 * One HTTP/1.1 connection, owned by its loop thread.  One request at a
 * time: while a worker serves it the socket is read only when the worker
 * waits for body bytes, so pipelined requests wait in the input buffer.
 */
struct http1_conn {
	h2o_socket_t		*c_sock;
	struct http_loop	*c_loop;
	int			 c_fd;
	enum http1_state	 c_state;
	struct timeval		 c_connected;
	h2o_timeout_entry_t	 c_rtimer;	/* idle, body, linger */
	h2o_timeout_entry_t	 c_wtimer;	/* a write in flight */
	char			 c_peer[INET6_ADDRSTRLEN];
	bool			 c_first;	/* may still be HTTP/2 */
	bool			 c_reading;
	struct http_task	*c_task;
	/* the body of the current request */
	bool			 c_chunked;
	struct phr_chunked_decoder c_dec;
	bool			 c_dec_done;	/* last chunk decoded */
	size_t			 c_ready;	/* decoded bytes, input front */
	uint64_t		 c_left;	/* Content-Length still to come */
	bool			 c_expect;	/* 100-continue not yet sent */
	bool			 c_want;	/* a worker waits for body */
	size_t			 c_got;
	/* the response */
	bool			 c_keep;	/* the client allows keep-alive */
	bool			 c_close;	/* close after the response */
	bool			 c_head_sent;
	bool			 c_writing;
	bool			 c_sending;	/* the write is the worker's */
	bool			 c_pending;	/* a send waits for the write */
	bool			 c_last;	/* the write ends the response */
	uint64_t		 c_sent;	/* body bytes sent */
	char			*c_out;		/* the head being written */
};

/* A parsed request head; pointers into the input buffer. */
struct http1_head {
	const char		*h_method;
	size_t			 h_method_len;
	const char		*h_path;
	size_t			 h_path_len;
	int			 h_minor;
	size_t			 h_len;
	size_t			 h_nhdrs;
	struct phr_header	 h_hdrs[HTTP1_HEADERS_MAX];
};

static void	on_read(h2o_socket_t *, const char *);
static void	head_parse(struct http1_conn *);
static void	request_done(struct http1_conn *);

/* --- small helpers ---------------------------------------------------------- */

static void
timer_set(struct http1_conn *c, h2o_timeout_entry_t *e, h2o_timeout_t *to)
{
	if (h2o_timeout_is_linked(e))
		h2o_timeout_unlink(e);
	if (to != NULL)
		h2o_timeout_link(c->c_loop->l_ctx.loop, to, e);
}

static void
conn_read(struct http1_conn *c, bool on)
{
	if (on && !c->c_reading)
		h2o_socket_read_start(c->c_sock, on_read);
	else if (!on && c->c_reading)
		h2o_socket_read_stop(c->c_sock);
	c->c_reading = on;
}

static bool
name_is(const struct phr_header *h, const char *name)
{
	return h->name_len == strlen(name) &&
	    strncasecmp(h->name, name, h->name_len) == 0;
}

/* value_is compares a header value with s, ignoring case and blanks. */
static bool
value_is(const struct phr_header *h, const char *s)
{
	const char *v = h->value;
	size_t n = h->value_len;

	while (n > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	return n == strlen(s) && strncasecmp(v, s, n) == 0;
}

/* has_token finds token in a comma-separated header value. */
static bool
has_token(const struct phr_header *h, const char *token)
{
	struct phr_header part = *h;
	const char *end = h->value + h->value_len, *comma;

	while (part.value < end) {
		comma = memchr(part.value, ',', (size_t)(end - part.value));
		part.value_len = (size_t)((comma ? comma : end) - part.value);
		if (value_is(&part, token))
			return true;
		part.value += part.value_len + 1;
	}
	return false;
}

static bool
parse_length(const struct phr_header *h, uint64_t *len)
{
	uint64_t v = 0;
	size_t i;

	if (h->value_len == 0 || h->value_len > 19)
		return false;
	for (i = 0; i < h->value_len; i++) {
		if (h->value[i] < '0' || h->value[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(h->value[i] - '0');
	}
	*len = v;
	return true;
}

/* --- the body ------------------------------------------------------------------ */

/* decode_new decodes the chunked bytes that arrived; -1 if malformed. */
static int
decode_new(struct http1_conn *c)
{
	h2o_buffer_t *in = c->c_sock->input;
	size_t sz;
	ssize_t r;

	if (!c->c_chunked || c->c_dec_done || in->size <= c->c_ready)
		return 0;
	sz = in->size - c->c_ready;
	if ((r = phr_decode_chunked(&c->c_dec, in->bytes + c->c_ready,
	    &sz)) == -1)
		return -1;
	/* What follows the last chunk is the next request: keep it. */
	in->size = c->c_ready + sz + (r >= 0 ? (size_t)r : 0);
	c->c_ready += sz;
	if (r >= 0)
		c->c_dec_done = true;
	return 0;
}

/* body_avail is how many body bytes are at the front of the input. */
static size_t
body_avail(struct http1_conn *c)
{
	size_t n = c->c_sock->input->size;

	if (c->c_chunked)
		return c->c_ready;
	return n < c->c_left ? n : (size_t)c->c_left;
}

static void
body_take(struct http1_conn *c, size_t n)
{
	h2o_buffer_consume(&c->c_sock->input, n);
	if (c->c_chunked)
		c->c_ready -= n;
	else
		c->c_left -= n;
}

static bool
body_ended(const struct http1_conn *c)
{
	return c->c_chunked ? c->c_dec_done && c->c_ready == 0 :
	    c->c_left == 0;
}

/* --- closing ------------------------------------------------------------------- */

/* conn_detach lets go of the request: its worker sees the client gone. */
static void
conn_detach(struct http1_conn *c, long result)
{
	struct http_task *t = c->c_task;

	if (t == NULL)
		return;
	c->c_task = NULL;
	c->c_want = false;
	c->c_pending = false;
	pthread_mutex_lock(&t->t_lock);
	t->t_conn = NULL;
	pthread_mutex_unlock(&t->t_lock);
	http_task_complete(t, result);
	http_task_release(t);
}

static void task_drop(struct http1_conn *);

static void
conn_close(struct http1_conn *c)
{
	/* A body still being read whole: no worker has the request yet. */
	if (c->c_task != NULL && (c->c_state == C_PREREAD ||
	    c->c_state == C_PREBODY))
		task_drop(c);
	else
		conn_detach(c, -1);
	timer_set(c, &c->c_rtimer, NULL);
	timer_set(c, &c->c_wtimer, NULL);
	h2o_socket_close(c->c_sock);
	free(c->c_out);
	free(c);
}

static void
on_timeout(h2o_timeout_entry_t *e)
{
	conn_close(H2O_STRUCT_FROM_MEMBER(struct http1_conn, c_rtimer, e));
}

static void
on_wtimeout(h2o_timeout_entry_t *e)
{
	conn_close(H2O_STRUCT_FROM_MEMBER(struct http1_conn, c_wtimer, e));
}

/*
 * linger_start closes our side and reads what the client still sends for
 * a moment: closing with unread input would reset the connection and
 * could destroy the response before the client has read it.
 */
static void
linger_start(struct http1_conn *c)
{
	(void)shutdown(c->c_fd, SHUT_WR);
	c->c_state = C_LINGER;
	h2o_buffer_consume(&c->c_sock->input, c->c_sock->input->size);
	conn_read(c, true);
	timer_set(c, &c->c_rtimer, &c->c_loop->l_linger);
}

static void
on_written(h2o_socket_t *sock, const char *err)
{
	struct http1_conn *c = sock->data;
	bool sending = c->c_sending;

	c->c_writing = false;
	c->c_sending = false;
	free(c->c_out);
	c->c_out = NULL;
	timer_set(c, &c->c_wtimer, NULL);
	if (err != NULL) {
		conn_close(c);
		return;
	}
	if (c->c_state == C_LINGER) {
		linger_start(c);
		return;
	}
	if (c->c_pending) {
		c->c_pending = false;
		http1_run(c->c_task);
	} else if (sending && c->c_last) {
		c->c_last = false;
		request_done(c);
	} else if (sending) {
		http_task_complete(c->c_task, 0);
	}
}

/*
 * conn_fail answers a request that never reaches a worker with S3's error
 * e (or, with S3E_NONE, a bare status), and closes the connection.
 */
static void
conn_fail(struct http1_conn *c, enum s3_err e, int status)
{
	size_t len = 512;
	char body[320] = "";

	conn_read(c, false);
	timer_set(c, &c->c_rtimer, NULL);
	if (c->c_writing || (c->c_out = malloc(len)) == NULL) {
		conn_close(c);
		return;
	}
	if (e != S3E_NONE) {
		status = s3_error_status(e);
		snprintf(body, sizeof(body), "<?xml version=\"1.0\" "
		    "encoding=\"UTF-8\"?>\n<Error><Code>%s</Code><Message>%s"
		    "</Message></Error>", s3_error_code(e),
		    s3_error_message(e));
	}
	snprintf(c->c_out, len, "HTTP/1.1 %d %s\r\nContent-Length: %zu\r\n"
	    "%sConnection: close\r\n\r\n%s", status, http_reason(status),
	    strlen(body), body[0] ? "Content-Type: application/xml\r\n" : "",
	    body);
	c->c_state = C_LINGER;
	c->c_writing = true;
	timer_set(c, &c->c_wtimer, &c->c_loop->l_io);
	h2o_socket_write(c->c_sock, &(h2o_iovec_t){ c->c_out,
	    strlen(c->c_out) }, 1, on_written);
}

/* task_drop frees the request of a connection before a worker saw it. */
static void
task_drop(struct http1_conn *c)
{
	struct http_task *t = c->c_task;

	c->c_task = NULL;
	t->t_conn = NULL;
	http_task_release(t);
	http_task_release(t);
}

/* --- the next request ---------------------------------------------------------- */

/* input_shrink returns a big, empty input buffer: idle is cheap. */
static void
input_shrink(struct http1_conn *c)
{
	h2o_buffer_t **in = &c->c_sock->input;

	if ((*in)->size != 0 || (*in)->capacity <= HTTP1_IDLE_BUF)
		return;
	h2o_buffer_dispose(in);
	h2o_buffer_init(in, &h2o_socket_buffer_prototype);
}

static void
next_request(struct http1_conn *c)
{
	input_shrink(c);
	c->c_state = C_HEAD;
	c->c_chunked = c->c_dec_done = c->c_expect = c->c_want = false;
	c->c_head_sent = c->c_close = false;
	c->c_ready = 0;
	c->c_left = c->c_sent = 0;
	conn_read(c, true);
	timer_set(c, &c->c_rtimer, &c->c_loop->l_idle);
	if (c->c_sock->input->size > 0)
		head_parse(c);
}

static void
drain(struct http1_conn *c)
{
	if (decode_new(c) == -1) {
		conn_close(c);
		return;
	}
	body_take(c, body_avail(c));
	if (body_ended(c)) {
		next_request(c);
		return;
	}
	conn_read(c, true);
	timer_set(c, &c->c_rtimer, &c->c_loop->l_io);
}

/* request_done follows a complete response: next request, or close. */
static void
request_done(struct http1_conn *c)
{
	conn_detach(c, 0);
	if (c->c_close) {
		linger_start(c);
	} else if (!body_ended(c)) {
		c->c_state = C_DRAIN;
		drain(c);
	} else {
		next_request(c);
	}
}

/* --- the response ---------------------------------------------------------------- */

/* close_decide: keep the connection only if the request's body ends. */
static bool
close_decide(const struct http1_conn *c)
{
	if (!c->c_keep || c->c_loop->l_http->h_stopping)
		return true;
	/*
	 * Told to wait for 100 Continue, the client may or may not send the
	 * body, and some clients (botocore) misread the next response on a
	 * connection where a final status came instead of 100.
	 */
	if (c->c_expect)
		return true;
	if (body_ended(c))
		return false;
	if (c->c_chunked)
		return true;
	return c->c_left > HTTP1_DRAIN_MAX;
}

/* out_ok: the layer sets these itself, and nothing may split a line. */
static bool
out_ok(const struct http_hdr_out *h)
{
	if (strcasecmp(h->ho_name, "content-length") == 0 ||
	    strcasecmp(h->ho_name, "connection") == 0 ||
	    strcasecmp(h->ho_name, "transfer-encoding") == 0)
		return false;
	return strpbrk(h->ho_name, "\r\n:") == NULL &&
	    strpbrk(h->ho_value, "\r\n") == NULL;
}

/* head_need counts the bytes n header lines of h take. */
static size_t
head_need(const struct http_hdr_out *h, size_t n)
{
	size_t i, need = 0;

	for (i = 0; h != NULL && i < n; i++)
		need += strlen(h[i].ho_name) + strlen(h[i].ho_value) + 4;
	return need;
}

/* head_put appends len bytes of s at *off; head_need counted them. */
static void
head_put(struct http1_conn *c, size_t *off, const char *s, size_t len)
{
	memcpy(c->c_out + *off, s, len);
	*off += len;
}

/* head_lines appends the n header lines of h at *off: by hand, as
 * snprintf's format parsing was a tenth of what a small GET cost the
 * loop thread. */
static void
head_lines(struct http1_conn *c, size_t *off, const struct http_hdr_out *h,
    size_t n)
{
	size_t i;

	for (i = 0; h != NULL && i < n; i++) {
		if (!out_ok(&h[i]))
			continue;
		head_put(c, off, h[i].ho_name, strlen(h[i].ho_name));
		head_put(c, off, ": ", 2);
		head_put(c, off, h[i].ho_value, strlen(h[i].ho_value));
		head_put(c, off, "\r\n", 2);
	}
}

/* head_date gives the Date header's value, formatted once a second. */
static const char *
head_date(void)
{
	static _Thread_local time_t last = -1;
	static _Thread_local char date[64];
	time_t now = time(NULL);
	struct tm tm;

	if (now != last) {
		gmtime_r(&now, &tm);
		strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		last = now;
	}
	return date;
}

/* head_build writes the response head: the handler's headers, then the
 * ones the handler layer wants on every response (hr_extra). */
static int
head_build(struct http1_conn *c, const struct http_task *t)
{
	size_t need = 256, off;
	int st = t->t_status;

	c->c_close = close_decide(c);
	need += head_need(t->t_hdrs, t->t_nhdrs) +
	    head_need(t->t_xhdrs, t->t_nxhdrs);
	if ((c->c_out = malloc(need)) == NULL)
		return -1;
	off = (size_t)snprintf(c->c_out, need, "HTTP/1.1 %d %s\r\n"
	    "Date: %s\r\nServer: cairn\r\n", st, http_reason(st),
	    head_date());
	if (st != 204 && st != 304)
		off += (size_t)snprintf(c->c_out + off, need - off,
		    "Content-Length: %" PRIu64 "\r\n", t->t_clen);
	if (c->c_close)
		head_put(c, &off, "Connection: close\r\n", 19);
	head_lines(c, &off, t->t_hdrs, t->t_nhdrs);
	head_lines(c, &off, t->t_xhdrs, t->t_nxhdrs);
	head_put(c, &off, "\r\n", 3);	/* and the NUL */
	return 0;
}

/* send_run writes what the worker posted: the head with the first data. */
static void
send_run(struct http1_conn *c, struct http_task *t)
{
	h2o_iovec_t iov[1 + HTTP_IOVMAX];
	size_t n = 0;
	int i;

	if (c->c_writing) {
		c->c_pending = true;
		return;
	}
	if (t->t_abort) {
		conn_detach(c, 0);
		conn_close(c);
		return;
	}
	if (!c->c_head_sent) {
		if (head_build(c, t) == -1) {
			conn_close(c);
			return;
		}
		iov[n++] = h2o_iovec_init(c->c_out, strlen(c->c_out));
		c->c_head_sent = true;
	}
	if (t->t_len > 0 && !t->t_req.hr_head) {
		for (i = 0; i < t->t_niov; i++)
			iov[n++] = h2o_iovec_init(t->t_iov[i].iov_base,
			    t->t_iov[i].iov_len);
		if (t->t_niov == 0)
			iov[n++] = h2o_iovec_init(t->t_data, t->t_len);
		c->c_sent += t->t_len;
	}
	c->c_last = t->t_final;
	/* A body shorter than announced would desynchronize the client. */
	if (c->c_last && !t->t_req.hr_head && t->t_status != 204 &&
	    t->t_status != 304 && c->c_sent != t->t_clen)
		c->c_close = true;
	if (n == 0) {
		if (c->c_last)
			request_done(c);
		else
			http_task_complete(t, 0);
		return;
	}
	c->c_writing = c->c_sending = true;
	timer_set(c, &c->c_wtimer, &c->c_loop->l_io);
	h2o_socket_write(c->c_sock, iov, n, on_written);
}

static void
write_continue(struct http1_conn *c)
{
	static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";

	c->c_writing = true;
	h2o_socket_write(c->c_sock, &(h2o_iovec_t){ (char *)cont,
	    sizeof(cont) - 1 }, 1, on_written);
}

/* body_feed copies body bytes into the waiting worker's buffer. */
static void
body_feed(struct http1_conn *c)
{
	struct http_task *t = c->c_task;
	size_t n;

	if (t == NULL || !c->c_want)
		return;
	if (decode_new(c) == -1) {
		conn_close(c);
		return;
	}
	n = body_avail(c);
	if (n > t->t_rlen - c->c_got)
		n = t->t_rlen - c->c_got;
	if (n > 0) {
		memcpy((char *)t->t_rbuf + c->c_got, c->c_sock->input->bytes,
		    n);
		body_take(c, n);
		c->c_got += n;
	}
	if (c->c_got < t->t_rlen && !body_ended(c)) {
		conn_read(c, true);
		timer_set(c, &c->c_rtimer, &c->c_loop->l_io);
		return;
	}
	c->c_want = false;
	conn_read(c, false);
	timer_set(c, &c->c_rtimer, NULL);
	http_task_complete(t, (long)c->c_got);
}

/* body_start: a worker wants body bytes; only now may the client send. */
static void
body_start(struct http1_conn *c, struct http_task *t)
{
	/* Even an empty body is asked for with 100 Continue, as S3 does. */
	if (c->c_expect && !c->c_head_sent && !c->c_writing) {
		c->c_expect = false;
		write_continue(c);
	}
	if (body_ended(c)) {
		http_task_complete(t, 0);
		return;
	}
	c->c_want = true;
	c->c_got = 0;
	body_feed(c);
}

void
http1_run(struct http_task *t)
{
	struct http1_conn *c = t->t_conn;

	if (c == NULL) {
		http_task_complete(t, -1);
		return;
	}
	if (t->t_act == HTTP_ACT_BODY)
		body_start(c, t);
	else
		send_run(c, t);
}

/* --- the request ------------------------------------------------------------------ */

/*
 * body_setup reads the framing headers.  Returns S3E_NONE, or the error to
 * fail with; S3E__COUNT stands for 417, an expectation we cannot meet.
 */
static enum s3_err
body_setup(struct http1_conn *c, const struct http1_head *hd)
{
	const struct phr_header *h;
	bool have_len = false, expect = false;
	size_t i;

	c->c_keep = hd->h_minor >= 1;
	for (i = 0; i < hd->h_nhdrs; i++) {
		h = &hd->h_hdrs[i];
		if (name_is(h, "content-length")) {
			if (have_len || !parse_length(h, &c->c_left))
				return S3E_BAD_REQUEST;
			have_len = true;
		} else if (name_is(h, "transfer-encoding")) {
			if (c->c_chunked)
				return S3E_BAD_REQUEST;
			if (!value_is(h, "chunked"))
				return S3E_NOT_IMPLEMENTED;
			c->c_chunked = true;
		} else if (name_is(h, "connection") && has_token(h, "close")) {
			c->c_keep = false;
		} else if (name_is(h, "expect")) {
			if (!value_is(h, "100-continue"))
				return S3E__COUNT;
			expect = true;
		}
	}
	/* Both framings at once is how requests are smuggled. */
	if (c->c_chunked && (have_len || hd->h_minor == 0))
		return S3E_BAD_REQUEST;
	c->c_expect = expect && hd->h_minor >= 1;
	if (c->c_chunked)
		memset(&c->c_dec, 0, sizeof(c->c_dec));
	c->c_dec.consume_trailer = 1;
	return S3E_NONE;
}

/* copy_head copies the request line and headers into the task. */
static int
copy_head(struct http_task *t, const struct http1_head *hd)
{
	struct http_header *hh;
	const struct phr_header *host = NULL;
	size_t i, j, need, n = 1;
	const char *q;
	char *p;

	need = hd->h_method_len + hd->h_path_len + 8 +
	    (hd->h_nhdrs + 2) * sizeof(*hh);
	for (i = 0; i < hd->h_nhdrs; i++)
		need += hd->h_hdrs[i].name_len + hd->h_hdrs[i].value_len + 2;
	if ((t->t_copy = malloc(need)) == NULL)
		return -1;
	hh = (struct http_header *)t->t_copy;
	p = t->t_copy + (hd->h_nhdrs + 2) * sizeof(*hh);
	t->t_req.hr_headers = hh;
	t->t_req.hr_method = p;
	t->t_req.hr_method_len = hd->h_method_len;
	memcpy(p, hd->h_method, hd->h_method_len);
	p += hd->h_method_len;
	*p++ = '\0';
	t->t_req.hr_path = p;
	memcpy(p, hd->h_path, hd->h_path_len);
	p[hd->h_path_len] = '\0';
	if ((q = memchr(p, '?', hd->h_path_len)) != NULL) {
		t->t_req.hr_path_len = (size_t)(q - p);
		p[q - p] = '\0';
		t->t_req.hr_query = q + 1;
		t->t_req.hr_query_len = hd->h_path_len - (size_t)(q - p) - 1;
	} else {
		t->t_req.hr_path_len = hd->h_path_len;
		t->t_req.hr_query = p + hd->h_path_len;
		t->t_req.hr_query_len = 0;
	}
	p += hd->h_path_len + 1;
	/* Host comes first, as the h2o path puts its authority there. */
	hh[0].hh_name = "host";
	hh[0].hh_name_len = 4;
	hh[0].hh_value = "";
	hh[0].hh_value_len = 0;
	for (i = 0; i < hd->h_nhdrs; i++) {
		const struct phr_header *h = &hd->h_hdrs[i];
		struct http_header *o = &hh[n];

		if (host == NULL && name_is(h, "host")) {
			host = h;
			o = &hh[0];
		} else {
			n++;
			o->hh_name = p;
			o->hh_name_len = h->name_len;
			for (j = 0; j < h->name_len; j++)
				*p++ = (char)tolower((unsigned char)h->name[j]);
			*p++ = '\0';
		}
		o->hh_value = p;
		o->hh_value_len = h->value_len;
		memcpy(p, h->value, h->value_len);
		p += h->value_len;
		*p++ = '\0';
	}
	t->t_req.hr_nheaders = n;
	t->t_req.hr_head = hd->h_method_len == 4 &&
	    memcmp(hd->h_method, "HEAD", 4) == 0;
	return 0;
}

/*
 * set_length gives a chunked body read whole its length, and the
 * Content-Length header the handlers check for, as h2o used to do.
 */
static void
set_length(struct http_task *t, uint64_t len)
{
	struct http_header *hh = (struct http_header *)t->t_copy;
	size_t n = t->t_req.hr_nheaders;

	t->t_req.hr_body_len = len;
	hh[n].hh_name = "content-length";
	hh[n].hh_name_len = 14;
	hh[n].hh_value = t->t_lenbuf;
	hh[n].hh_value_len = (size_t)snprintf(t->t_lenbuf,
	    sizeof(t->t_lenbuf), "%" PRIu64, len);
	t->t_req.hr_nheaders++;
}

static void
dispatch(struct http1_conn *c)
{
	struct http_task *t = c->c_task;

	c->c_state = C_REQ;
	/*
	 * Stopping and starting to read around every request cost two
	 * epoll_ctl calls, 5% of the CPU of a 4 KiB GET.  A request whose
	 * body is all in keeps reading: what comes is the next request,
	 * buffered (up to HTTP1_PIPELINE_MAX) until this one is answered.
	 */
	conn_read(c, body_ended(c));
	timer_set(c, &c->c_rtimer, NULL);
	if (http_body_whole(&t->t_req) && http_fast_try(c->c_loop->l_http, t))
		return;
	http_task_queue(c->c_loop->l_http, t);
}

/*
 * hand_over copies the whole body, len bytes at the front of the input,
 * into the task and queues it: the worker then reads the body without
 * asking this thread for it, which spares two thread switches per read.
 */
static void
hand_over(struct http1_conn *c, size_t len)
{
	if (http_task_body(c->c_task, c->c_sock->input->bytes, len) == -1) {
		task_drop(c);
		conn_fail(c, S3E_SLOW_DOWN, 0);
		return;
	}
	body_take(c, len);
	dispatch(c);
}

/* prebody reads a small body whole (the client did not ask for 100
 * Continue, so it sends the body anyway) before the handler runs. */
static void
prebody(struct http1_conn *c)
{
	if (c->c_sock->input->size < c->c_left) {
		conn_read(c, true);
		timer_set(c, &c->c_rtimer, &c->c_loop->l_io);
		return;
	}
	hand_over(c, (size_t)c->c_left);
}

/*
 * preread reads a chunked body before the handler runs: one that fits in
 * HTTP1_PREREAD_MAX gets its length like any other, a longer one streams
 * with hr_body_len HTTP_BODY_UNKNOWN.
 */
static void
preread(struct http1_conn *c)
{
	if (decode_new(c) == -1) {
		task_drop(c);
		conn_fail(c, S3E_BAD_REQUEST, 0);
		return;
	}
	if (c->c_dec_done && c->c_ready <= HTTP1_PREBODY_MAX) {
		set_length(c->c_task, c->c_ready);
		hand_over(c, c->c_ready);
	} else if (c->c_dec_done && c->c_ready <= HTTP1_PREREAD_MAX) {
		set_length(c->c_task, c->c_ready);
		dispatch(c);
	} else if (c->c_dec_done || c->c_ready > HTTP1_PREREAD_MAX) {
		c->c_task->t_req.hr_body_len = HTTP_BODY_UNKNOWN;
		dispatch(c);
	} else {
		conn_read(c, true);
		timer_set(c, &c->c_rtimer, &c->c_loop->l_io);
	}
}

static void
request_start(struct http1_conn *c, const struct http1_head *hd)
{
	struct http_task *t;
	enum s3_err e;

	conn_read(c, false);
	timer_set(c, &c->c_rtimer, NULL);
	if ((e = body_setup(c, hd)) == S3E__COUNT) {
		conn_fail(c, S3E_NONE, 417);
		return;
	} else if (e != S3E_NONE) {
		conn_fail(c, e, 0);
		return;
	}
	if (c->c_loop->l_http->h_stopping ||
	    (t = http_task_alloc(c->c_loop)) == NULL) {
		conn_fail(c, S3E_SERVICE_UNAVAILABLE, 0);
		return;
	}
	c->c_task = t;
	t->t_h1 = true;
	t->t_conn = c;
	snprintf(t->t_req.hr_peer, sizeof(t->t_req.hr_peer), "%s", c->c_peer);
	t->t_req.hr_tls = c->c_sock->ssl != NULL;
	if (copy_head(t, hd) == -1) {
		task_drop(c);
		conn_fail(c, S3E_SLOW_DOWN, 0);
		return;
	}
	t->t_req.hr_body_len = c->c_chunked ? 0 : c->c_left;
	h2o_buffer_consume(&c->c_sock->input, hd->h_len);
	/* 100 Continue is answered here only for a request the loop's path
	 * has authenticated and will take: a worker answers it otherwise,
	 * once it has checked the request itself. */
	if (!c->c_chunked && c->c_left > 0 && c->c_left <= HTTP1_PREBODY_MAX &&
	    (!c->c_expect || http_fast_early(c->c_loop->l_http, t))) {
		if (c->c_expect) {
			c->c_expect = false;
			write_continue(c);
		}
		c->c_state = C_PREBODY;
		prebody(c);
		return;
	}
	if (!c->c_chunked) {
		dispatch(c);
		return;
	}
	/* Reading a chunked body first means answering 100 first. */
	c->c_state = C_PREREAD;
	if (c->c_expect) {
		c->c_expect = false;
		write_continue(c);
	}
	preread(c);
}

/* h2_check hands a connection that opens with the HTTP/2 preface to h2o:
 * 1 if it did, 0 if this is not HTTP/2, -1 if it cannot tell yet. */
static int
h2_check(struct http1_conn *c)
{
	h2o_buffer_t *in = c->c_sock->input;
	size_t n = sizeof(http1_preface) - 1;
	h2o_socket_t *sock = c->c_sock;
	h2o_accept_ctx_t *ctx = &c->c_loop->l_accept;
	struct timeval at = c->c_connected;

	if (memcmp(in->bytes, http1_preface, in->size < n ? in->size : n))
		return 0;
	if (in->size < n)
		return -1;
	timer_set(c, &c->c_rtimer, NULL);
	free(c);
	h2o_http2_accept(ctx, sock, at);
	return 1;
}

/* path_origin turns an absolute-form target (http://host/p) into /p. */
static void
path_origin(struct http1_head *hd)
{
	const char *p = hd->h_path, *end = p + hd->h_path_len, *slash;

	if (hd->h_path_len < 8 || p[0] == '/' ||
	    (strncasecmp(p, "http://", 7) != 0 &&
	    strncasecmp(p, "https://", 8) != 0))
		return;
	p = (const char *)memchr(p, ':', hd->h_path_len) + 3;
	if ((slash = memchr(p, '/', (size_t)(end - p))) == NULL)
		slash = end;
	hd->h_path = slash;
	hd->h_path_len = (size_t)(end - slash);
	if (hd->h_path_len == 0) {
		hd->h_path = "/";
		hd->h_path_len = 1;
	}
}

static void
head_parse(struct http1_conn *c)
{
	h2o_buffer_t *in = c->c_sock->input;
	struct http1_head hd;
	int r;

	if (in->size == 0)
		return;
	if (c->c_first && (r = h2_check(c)) != 0)
		return;
	hd.h_nhdrs = HTTP1_HEADERS_MAX;
	r = phr_parse_request(in->bytes, in->size, &hd.h_method,
	    &hd.h_method_len, &hd.h_path, &hd.h_path_len, &hd.h_minor,
	    hd.h_hdrs, &hd.h_nhdrs, 0);
	if (r == -2 && in->size < HTTP1_HEAD_MAX)
		return;
	if (r < 0 || r > HTTP1_HEAD_MAX) {
		conn_fail(c, r == -1 ? S3E_BAD_REQUEST : S3E_HEADERS_TOO_LARGE,
		    0);
		return;
	}
	c->c_first = false;
	hd.h_len = (size_t)r;
	path_origin(&hd);
	request_start(c, &hd);
}

static void
on_read(h2o_socket_t *sock, const char *err)
{
	struct http1_conn *c = sock->data;

	/* The client may close its side and wait for the answer. */
	if (err != NULL && c->c_state == C_REQ && !c->c_want) {
		conn_read(c, false);
		return;
	}
	if (err != NULL) {
		conn_close(c);
		return;
	}
	if (c->c_state == C_REQ && !c->c_want &&
	    c->c_sock->input->size > HTTP1_PIPELINE_MAX)
		conn_read(c, false);
	switch (c->c_state) {
	case C_HEAD:
		head_parse(c);
		break;
	case C_PREREAD:
		preread(c);
		break;
	case C_PREBODY:
		prebody(c);
		break;
	case C_REQ:
		body_feed(c);
		break;
	case C_DRAIN:
		drain(c);
		break;
	case C_LINGER:
		h2o_buffer_consume(&sock->input, sock->input->size);
		break;
	}
}

/* --- connections -------------------------------------------------------------------- */

static void
peer_text(const struct sockaddr *sa, char *out)
{
	const void *a = NULL;

	if (sa->sa_family == AF_INET)
		a = &((const struct sockaddr_in *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
	if (a == NULL || inet_ntop(sa->sa_family, a, out,
	    INET6_ADDRSTRLEN) == NULL)
		out[0] = '\0';
}

/*
 * on_handshake takes a TLS connection once its handshake is done: to h2o
 * if the client chose HTTP/2 by ALPN, else to our HTTP/1.1.  A failed
 * handshake is closed here, as h2o leaves that to us.
 */
static void
on_handshake(h2o_socket_t *sock, const char *err)
{
	struct http1_conn *c = sock->data;
	h2o_accept_ctx_t *ctx = &c->c_loop->l_accept;
	h2o_iovec_t proto;
	struct timeval at;

	if (err != NULL) {
		log_debug("%s: TLS handshake: %s", c->c_peer, err);
		conn_close(c);
		return;
	}
	proto = h2o_socket_ssl_get_selected_protocol(sock);
	if (h2o_memis(proto.base, proto.len, H2O_STRLIT("h2"))) {
		at = c->c_connected;
		timer_set(c, &c->c_rtimer, NULL);
		free(c);
		h2o_http2_accept(ctx, sock, at);
		return;
	}
	next_request(c);
}

void
http1_accept(struct http_loop *l, int fd, const struct sockaddr *sa,
    socklen_t salen)
{
	struct http1_conn *c;
	int on = 1, rcvbuf = HTTP1_RCVBUF;

	(void)salen;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	/* h2o reads all the kernel holds: autotuned, that is up to 32 MiB. */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	c->c_loop = l;
	c->c_fd = fd;
	c->c_first = true;
	c->c_rtimer.cb = on_timeout;
	c->c_wtimer.cb = on_wtimeout;
	gettimeofday(&c->c_connected, NULL);
	peer_text(sa, c->c_peer);
	c->c_sock = h2o_evloop_socket_create(l->l_ctx.loop, fd, 0);
	c->c_sock->data = c;
	if (l->l_http->h_ssl == NULL) {
		next_request(c);
		return;
	}
	/* A client that never finishes the handshake is closed as idle. */
	timer_set(c, &c->c_rtimer, &l->l_idle);
	h2o_socket_ssl_handshake(c->c_sock, l->l_http->h_ssl, NULL,
	    on_handshake);
}

void
http1_loop_init(struct http_loop *l)
{
	h2o_timeout_init(l->l_ctx.loop, &l->l_idle, HTTP1_IDLE_MS);
	h2o_timeout_init(l->l_ctx.loop, &l->l_io, HTTP1_IO_MS);
	h2o_timeout_init(l->l_ctx.loop, &l->l_linger, HTTP1_LINGER_MS);
}
