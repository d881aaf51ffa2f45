/* s3_fast.c - GET, HEAD, small PUTs and DELETEs answered on the event loop */
#include "config.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "gatewayd.h"
#include "log.h"
#include "util.h"

/*
 * A worker serving a GET sleeps while metad looks the record up, and is
 * woken by nng's thread, and hands its answer to the event loop: three
 * thread switches, each a wakeup of a vCPU on a virtual machine, for a
 * request whose own work is a few microseconds.  Here the loop thread
 * that parsed the request authenticates it and sends the record read;
 * when the reply is in, the same loop answers a HEAD, or a GET of an
 * empty or inline object, and no worker is woken.  A GET of an object
 * in shards of one stripe, up to FAST_CODED_MAX, goes on the same way:
 * the loop sends the reads of its data shards, and answers once all are
 * in.  Larger objects are read and streamed by a worker, which takes
 * over with the record, and so is one whose shards did not all come
 * back whole: rebuilding from parity may wait.
 *
 * A PUT of an object small enough to be stored inline whose body came
 * whole with its head goes the same way: the loop checks the body's
 * digests and sends the record to metad, and answers once metad has
 * committed it.  Only a version replaced that had shards leaves a worker
 * to delete them (that may wait) and answer.  A client that asks for 100
 * Continue first gets it from the loop once the request is admitted.
 * A DELETE of an object is sent to metad in the same way, and answered
 * by the loop unless the record it gave up has shards to delete.
 *
 * Authentication and authorization answer from caches almost always; a
 * miss would make the loop wait for metad.  They run with rpc_nowait:
 * a call they would make is refused instead, and the request goes to a
 * worker, which runs everything again and may wait.  So does any request
 * whose checks fail: the error is a worker's to answer.  A body read
 * here is rewound for it.
 */
/*
 * The largest object in shards the loop reads itself: its answer is
 * copied whole (http_respondv), which for larger ones costs more than a
 * worker's thread switches.
 */
#define FAST_CODED_MAX	(256 * 1024)

struct s3_fast_req {
	struct s3_req		 f_r;
	struct rpc_call		 f_call;
	union {
		struct msg_objrec	 u_rec;		/* a GET's record */
		struct msg_ver_done	 u_done;	/* what a DELETE did */
	}			 f_u;
	struct s3_get		*f_get;
	struct backend_read	*f_read;	/* a GET's shards, in flight */
	struct s3_put		*f_put;		/* a PUT's */
	bool			 f_del;		/* a DELETE */
	char			 f_vid[PROTO_VERIDLEN + 1];
};

static void
fast_free(struct http_req *hr)
{
	struct s3_fast_req *f = hr->hr_fast;

	hr->hr_fast = NULL;
	if (f->f_read != NULL)
		backend_read_free(f->f_read);
	free(f->f_read);
	s3_object_get_free(f->f_get);
	s3_object_put_free(f->f_put);
	rpc_call_fini(&f->f_call);
	sigv4_chain_wipe(&f->f_r.sr_chain);
	free(f->f_r.sr_keybuf);
	free(f->f_r.sr_tagbuf);
	free(f);
}

static void
fast_done(void *arg)
{
	http_fast_wake(arg);
}

/* fast_new gives hr the loop's state; NULL: the loop's path is off. */
static struct s3_fast_req *
fast_new(struct gatewayd *env, struct http_req *hr)
{
	struct s3_fast_req *f;

	if (!env->gw_conf.c_gw_fast_path ||
	    (f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->f_r.sr_env = env;
	f->f_r.sr_http = hr;
	hr->hr_fast = f;
	return f;
}

/* fast_check runs, without waiting, what comes before a request's call
 * to metad; false leaves the request to a worker. */
static bool
fast_check(struct s3_fast_req *f)
{
	bool ok;

	rpc_nowait_begin();
	ok = s3_fast_admit(&f->f_r);
	if (ok && s3_method_is(&f->f_r, "PUT"))
		ok = http_body_whole(f->f_r.sr_http) &&
		    (f->f_put = s3_object_put_prepare(&f->f_r)) != NULL;
	else if (ok && (f->f_del = s3_method_is(&f->f_r, "DELETE")))
		ok = s3_version_query(&f->f_r, f->f_vid) == S3E_NONE;
	return rpc_nowait_end() && ok;
}

static enum http_fast_rc
fast_begin(struct gatewayd *env, struct http_req *hr)
{
	struct s3_fast_req *f;
	bool ok;

	if ((f = fast_new(env, hr)) == NULL)
		return HTTP_FAST_NO;
	ok = fast_check(f);
	if (ok && f->f_put != NULL)
		s3_object_put_send(&f->f_r, f->f_put, &f->f_call, fast_done,
		    hr);
	else if (ok && f->f_del)
		s3_version_delete_send(&f->f_r, &f->f_call, f->f_r.sr_key,
		    proto_str_c(f->f_vid), fast_done, hr);
	else if (!ok || !s3_version_get_send(&f->f_r, &f->f_call, f->f_vid,
	    fast_done, hr)) {
		http_body_rewind(hr);
		fast_free(hr);
		return HTTP_FAST_NO;
	}
	atomic_fetch_add(&env->gw_requests, 1);
	return HTTP_FAST_SENT;
}

/*
 * fast_early admits a small PUT that asks for 100 Continue before its
 * body is asked for (most SDKs ask before every PUT), so that the loop
 * may answer 100, read the body and take the request.  hf_begin checks
 * it again then, with the body.
 */
static bool
fast_early(struct gatewayd *env, struct http_req *hr)
{
	struct s3_fast_req *f;
	bool ok;

	if (hr->hr_body_len > env->gw_conf.c_inline_max ||
	    (f = fast_new(env, hr)) == NULL)
		return false;
	rpc_nowait_begin();
	ok = s3_method_is(&f->f_r, "PUT") && s3_fast_admit(&f->f_r);
	ok = rpc_nowait_end() && ok;
	fast_free(hr);
	return ok;
}

static void
fast_log(struct s3_fast_req *f, const char *how)
{
	struct http_req *hr = f->f_r.sr_http;

	log_debug("%s: %.*s %s -> done %s in %llu ms", hr->hr_id,
	    (int)hr->hr_method_len, hr->hr_method, f->f_r.sr_resource, how,
	    (unsigned long long)(util_mono_ms() - hr->hr_start_ms));
}

/* fast_deleted answers a DELETE, or false to have a worker delete the
 * shards of the record it gave up first. */
static bool
fast_deleted(struct s3_fast_req *f)
{
	struct s3_req *r = &f->f_r;
	int rc;

	rc = s3_version_delete_recv(&f->f_call, &f->f_u.u_done, r->sr_version_id,
	    &r->sr_delete_marker);
	if (rc == 0 && s3_version_delete_drops(&f->f_u.u_done))
		return false;
	s3_respond_rc(r, rc, 204);
	return true;
}

/* fast_read sends the reads of a small coded object's data shards
 * (HTTP_FAST_AGAIN), or leaves the object to a worker. */
static enum http_fast_rc
fast_read(struct s3_fast_req *f)
{
	const struct msg_objrec *rec = &f->f_u.u_rec;
	struct http_req *hr = f->f_r.sr_http;

	if (rec->or_nparts > 0 || rec->or_size > FAST_CODED_MAX ||
	    (f->f_read = malloc(sizeof(*f->f_read))) == NULL)
		return HTTP_FAST_WORKER;
	if (backend_read_send(&f->f_r.sr_env->gw_backend, f->f_read, rec,
	    fast_done, hr) != 0) {
		free(f->f_read);
		f->f_read = NULL;
		return HTTP_FAST_WORKER;
	}
	return HTTP_FAST_AGAIN;
}

/* fast_read_end answers from the shards read, or has a worker read them
 * again, and rebuild what did not come back whole. */
static enum http_fast_rc
fast_read_end(struct s3_fast_req *f)
{
	struct iovec iov[PROTO_SHARDMAX];
	int niov;

	if (backend_read_take(f->f_read, iov, &niov) != 0) {
		backend_read_free(f->f_read);
		free(f->f_read);
		f->f_read = NULL;
		return HTTP_FAST_WORKER;
	}
	s3_object_get_respondv(&f->f_r, f->f_get, iov, niov);
	return HTTP_FAST_DONE;
}

/* fast_got answers on the loop, reads on (HTTP_FAST_AGAIN), or leaves
 * the request to a worker. */
static enum http_fast_rc
fast_got(struct s3_fast_req *f)
{
	if (f->f_put != NULL)
		return s3_object_put_recv(&f->f_r, f->f_put, &f->f_call) ?
		    HTTP_FAST_DONE : HTTP_FAST_WORKER;
	if (f->f_del)
		return fast_deleted(f) ? HTTP_FAST_DONE : HTTP_FAST_WORKER;
	if (s3_version_get_recv(&f->f_r, &f->f_call, f->f_vid, &f->f_u.u_rec) &&
	    (f->f_get = s3_object_get_plan(&f->f_r, &f->f_u.u_rec)) != NULL) {
		if (!s3_object_get_whole(&f->f_r, &f->f_u.u_rec))
			return fast_read(f);
		s3_object_get_send(&f->f_r, &f->f_u.u_rec, f->f_get);
	}
	return HTTP_FAST_DONE;
}

static enum http_fast_rc
fast_end(struct gatewayd *env, struct http_req *hr)
{
	struct s3_fast_req *f = hr->hr_fast;
	enum http_fast_rc rc;

	rc = f->f_read != NULL ? fast_read_end(f) : fast_got(f);
	if (rc == HTTP_FAST_AGAIN)
		return rc;
	if (rc == HTTP_FAST_WORKER) {
		atomic_fetch_add(&env->gw_fast_resumed, 1);
		return HTTP_FAST_WORKER;
	}
	atomic_fetch_add(&env->gw_fast_answered, 1);
	fast_log(f, "on the loop");
	fast_free(hr);
	return HTTP_FAST_DONE;
}

static void
fast_resume(struct gatewayd *env, struct http_req *hr)
{
	struct s3_fast_req *f = hr->hr_fast;

	(void)env;
	if (f->f_put != NULL)
		s3_object_put_finish(&f->f_r, f->f_put);
	else if (f->f_del) {
		s3_version_delete_drop(&f->f_r, &f->f_u.u_done);
		s3_respond_rc(&f->f_r, 0, 204);
	} else
		s3_object_get_send(&f->f_r, &f->f_u.u_rec, f->f_get);
	fast_log(f, "by a worker");
	fast_free(hr);
}

const struct http_fast s3_fast = { fast_early, fast_begin, fast_end,
	fast_resume };
