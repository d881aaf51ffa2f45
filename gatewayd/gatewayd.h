/* gatewayd.h - cairn-gatewayd: the S3 HTTP front end */
#ifndef CAIRN_GATEWAYD_H
#define CAIRN_GATEWAYD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <stdatomic.h>

#include "conf.h"
#include "ec.h"
#include "proto.h"
#include "rpc.h"

/* s3_error.c */

/*
 * The S3 errors gatewayd answers with.  Each has one row in s3_error.c's
 * table: the AWS code, the HTTP status and a default message.
 */
enum s3_err {
	S3E_NONE = 0,
	S3E_ACCESS_DENIED,
	S3E_AUTH_HEADER_MALFORMED,
	S3E_BAD_DIGEST,
	S3E_BUCKET_EXISTS,		/* BucketAlreadyOwnedByYou */
	S3E_BUCKET_NOT_EMPTY,
	S3E_CONTENT_SHA256_MISMATCH,
	S3E_ENTITY_TOO_LARGE,
	S3E_INCOMPLETE_BODY,
	S3E_INTERNAL,
	S3E_INVALID_ACCESS_KEY,
	S3E_INVALID_ARGUMENT,
	S3E_INVALID_BUCKET_NAME,
	S3E_INVALID_DIGEST,
	S3E_INVALID_RANGE,
	S3E_INVALID_REQUEST,
	S3E_KEY_TOO_LONG,
	S3E_MALFORMED_XML,
	S3E_METHOD_NOT_ALLOWED,
	S3E_MISSING_CONTENT_LENGTH,
	S3E_MISSING_SECURITY_HEADER,
	S3E_NO_SUCH_BUCKET,
	S3E_NO_SUCH_KEY,
	S3E_NOT_IMPLEMENTED,
	S3E_REQUEST_TIME_TOO_SKEWED,
	S3E_SERVICE_UNAVAILABLE,
	S3E_SIGNATURE_MISMATCH,
	S3E_SLOW_DOWN,
	S3E_INVALID_URI,
	S3E__COUNT
};

/* s3_error_code returns the AWS error code, e.g. "NoSuchKey". */
const char *s3_error_code(enum s3_err e);

/* s3_error_status returns the HTTP status AWS uses for e. */
int s3_error_status(enum s3_err e);

/* s3_error_message returns AWS's default message for e. */
const char *s3_error_message(enum s3_err e);

/* s3_error_from maps a negative enum cairn_err to the one S3 error. */
enum s3_err s3_error_from(int cairn_err);

/* sigv4.c */

#define SIGV4_KEYMAX	128

/* One request header as received; not NUL-terminated. */
struct sigv4_header {
	const char	*sh_name;
	size_t		 sh_name_len;
	const char	*sh_value;
	size_t		 sh_value_len;
};

/* What SigV4 needs of a request, as received on the wire. */
struct sigv4_request {
	const char			*sr_method;
	size_t				 sr_method_len;
	const char			*sr_path;	/* percent-encoded, no query */
	size_t				 sr_path_len;
	const char			*sr_query;	/* after '?', may be empty */
	size_t				 sr_query_len;
	const struct sigv4_header	*sr_headers;
	size_t				 sr_nheaders;
};

/* The parsed Authorization header plus the date and payload headers. */
struct sigv4_auth {
	char	sa_access_key[SIGV4_KEYMAX];
	char	sa_date[9];		/* scope date, YYYYMMDD */
	char	sa_region[64];
	char	sa_service[32];
	char	sa_signed_headers[1024];	/* "host;x-amz-date" */
	char	sa_signature[65];	/* lowercase hex */
	char	sa_amz_date[17];	/* YYYYMMDDTHHMMSSZ */
	char	sa_payload_hash[80];	/* x-amz-content-sha256 as sent */
};

/*
 * sigv4_parse finds the Authorization, x-amz-date (or Date) and
 * x-amz-content-sha256 headers of req and parses them into auth.  Returns
 * S3E_NONE; S3E_ACCESS_DENIED when there is no Authorization header at all
 * (an anonymous request); S3E_AUTH_HEADER_MALFORMED,
 * S3E_MISSING_SECURITY_HEADER (no date), S3E_INVALID_REQUEST (no
 * x-amz-content-sha256) or S3E_INVALID_ARGUMENT (a bad value of it) for
 * bad input.
 */
enum s3_err sigv4_parse(const struct sigv4_request *req,
    struct sigv4_auth *auth);

/*
 * sigv4_check recomputes the signature of req with secret and compares it
 * with auth's in constant time.  now is the server's clock: a request
 * dated more than 15 minutes away gets S3E_REQUEST_TIME_TOO_SKEWED.  region
 * is the region the server serves: a scope naming another one gets
 * S3E_AUTH_HEADER_MALFORMED; an x-amz-* header left unsigned gets
 * S3E_ACCESS_DENIED; a bad or oversized query S3E_INVALID_URI.  Whenever
 * the canonical request was computed it is written to canon
 * (NUL-terminated, cut to canon_len) so a SignatureDoesNotMatch body can
 * show it, as S3 does.  The secret is wiped from the stack.
 */
enum s3_err sigv4_check(const struct sigv4_request *req,
    const struct sigv4_auth *auth, const char *secret, const char *region,
    time_t now, char *canon, size_t canon_len);

/* http.c */

/* A request header, copied out of the HTTP layer; the name is lowercase. */
struct http_header {
	const char	*hh_name;
	size_t		 hh_name_len;
	const char	*hh_value;
	size_t		 hh_value_len;
};

/* A response header: NUL-terminated name and value, copied when sent. */
struct http_hdr_out {
	const char	*ho_name;
	const char	*ho_value;
};

#define HTTP_REQID_LEN	16

/*
 * One HTTP request as the S3 handlers see it.  The HTTP layer copies the
 * request line and headers in before a worker thread runs the handler, so
 * these fields stay valid for the whole request even if the client goes
 * away; the body is only reachable through http_body_read.  Exactly one
 * worker thread owns a request; it must answer it once, with http_respond
 * or http_stream_start ... http_stream_end.
 */
struct http_req {
	const char		*hr_method;
	size_t			 hr_method_len;
	const char		*hr_path;	/* raw, percent-encoded */
	size_t			 hr_path_len;
	const char		*hr_query;	/* after '?', raw; may be "" */
	size_t			 hr_query_len;
	const struct http_header *hr_headers;
	size_t			 hr_nheaders;
	uint64_t		 hr_body_len;	/* bytes of body received */
	bool			 hr_head;	/* a HEAD request */
	char			 hr_id[HTTP_REQID_LEN + 1];	/* request id */
	uint64_t		 hr_start_ms;
};

struct gatewayd;

/* http_start listens on the configured address and starts the event loops
 * and the worker threads that call serve for each request. */
int http_start(struct gatewayd *env,
    void (*serve)(struct gatewayd *, struct http_req *));

/* http_stop stops accepting requests and waits (bounded) for running ones. */
void http_stop(struct gatewayd *env);

/* http_header finds the first header called name (lowercase); NULL if none. */
const char *http_header(const struct http_req *hr, const char *name,
    size_t *len);

/*
 * http_body_read copies up to len bytes of the request body into buf.
 * Returns the count, 0 at the end, or -1 if the client has gone away.
 */
long http_body_read(struct http_req *hr, void *buf, size_t len);

/*
 * http_respond sends a whole response: status, headers and body (copied).
 * Returns 0, or -1 if the client has gone away.
 */
int http_respond(struct http_req *hr, int status,
    const struct http_hdr_out *hdrs, size_t nhdrs, const void *body,
    size_t len);

/* http_stream_start sends the status and headers of a response whose body
 * of content_length bytes follows in http_stream_write calls. */
int http_stream_start(struct http_req *hr, int status,
    const struct http_hdr_out *hdrs, size_t nhdrs, uint64_t content_length);

/* http_stream_write sends data and returns once the HTTP layer no longer
 * needs it (backpressure); -1 if the client has gone away. */
int http_stream_write(struct http_req *hr, const void *data, size_t len);

/* http_stream_end finishes a streamed response. */
int http_stream_end(struct http_req *hr);

/* http_stream_abort cuts a streamed response short: the client sees a
 * broken transfer, never a short body passed off as whole. */
void http_stream_abort(struct http_req *hr);

/* http_responded tells whether a response has been started. */
bool http_responded(const struct http_req *hr);

/* backend.c */

/*
 * The daemons behind the gateway: one RPC client for metad and one per
 * drive, and the erasure code of the set.  Built at start, then shared
 * read-only by every worker thread (rpc clients are thread-safe).
 */
struct backend {
	const struct conf	*be_conf;
	struct rpc_client	*be_metad;
	struct rpc_client	*be_chunk[CONF_DRIVEMAX];
	struct rpc_client	*be_scrubd;	/* heal requests */
	int			 be_ndrives;
	int			 be_k, be_m;
	struct ec		 be_ec;
};

/*
 * A PUT in progress: one object's shards, written stripe by stripe.  Owned
 * by the worker running the request.  bp_failed marks shards dropped after
 * a failed write; once fewer than the write quorum remain the PUT fails.
 */
struct backend_put {
	struct backend	*bp_be;
	uint8_t		 bp_id[PROTO_IDLEN];
	int		 bp_drive[PROTO_SHARDMAX];	/* shard -> drive */
	bool		 bp_failed[PROTO_SHARDMAX];
	bool		 bp_sent[PROTO_SHARDMAX];	/* anything written */
	uint32_t	 bp_block_size;
	uint32_t	 bp_block_no;
	uint64_t	 bp_shard_len;
	unsigned char	*bp_buf;	/* k data blocks then m parity blocks */
};

/* A GET in progress: reads stripes of one erasure-coded version. */
struct backend_get {
	struct backend		*bg_be;
	const struct msg_objrec	*bg_rec;
	int			 bg_drive[PROTO_SHARDMAX];	/* -1: unknown */
	unsigned char		*bg_buf;
	uint32_t		 bg_reconstructed;	/* stripes rebuilt */
};

/* backend_open dials metad and every drive and builds the erasure code. */
int backend_open(struct backend *be, const struct conf *conf);
void backend_close(struct backend *be);

/* backend_quorum returns how many shards a write needs: k, or k+1 if k=m. */
int backend_quorum(const struct backend *be);

/* Metadata calls.  Results that point into a reply live in the caller's
 * struct rpc_call, which the caller must rpc_call_fini. */
int backend_bucket_create(struct backend *be, struct proto_str name);
int backend_bucket_delete(struct backend *be, struct proto_str name);
int backend_bucket_get(struct backend *be, struct proto_str name,
    struct msg_bucket *b);
int backend_bucket_list(struct backend *be, struct rpc_call *c,
    struct msg_bucket_list *bl);
int backend_obj_get(struct backend *be, struct rpc_call *c,
    struct proto_str bucket, struct proto_str key, struct msg_objrec *rec);
int backend_obj_put(struct backend *be, struct rpc_call *c,
    const struct msg_obj_put *p, struct msg_objrec *old, bool *has_old);
int backend_obj_delete(struct backend *be, struct rpc_call *c,
    struct proto_str bucket, struct proto_str key, struct msg_objrec *old,
    bool *has_old);
int backend_obj_list(struct backend *be, struct rpc_call *c,
    const struct msg_list_req *l, struct msg_list_reply *lr);

/* backend_shards_delete removes every shard of rec (best effort, logged). */
void backend_shards_delete(struct backend *be, const struct msg_objrec *rec);

/* backend_put_begin places a new object and allocates one stripe buffer. */
int backend_put_begin(struct backend *be, struct backend_put *bp,
    struct proto_str bucket, struct proto_str key);

/* backend_put_buffer is where the caller puts up to PROTO_STRIPE bytes. */
unsigned char *backend_put_buffer(struct backend_put *bp);

/* backend_put_stripe encodes the len bytes in the buffer and writes every
 * shard's block; with last, the shards are committed.  0 or an error. */
int backend_put_stripe(struct backend_put *bp, size_t len, bool last);

/* backend_put_layout fills rec's erasure fields; drive names from conf. */
void backend_put_layout(struct backend_put *bp, struct msg_objrec *rec);

/* backend_put_abort deletes whatever the PUT wrote; backend_put_free. */
void backend_put_abort(struct backend_put *bp);
void backend_put_free(struct backend_put *bp);

/* backend_get_begin prepares reading rec; backend_get_stripe returns the
 * stripe's bytes (rebuilt from parity if needed) in *out. */
int backend_get_begin(struct backend *be, struct backend_get *bg,
    const struct msg_objrec *rec);
int backend_get_stripe(struct backend_get *bg, uint64_t stripe,
    const unsigned char **out, size_t *len);
void backend_get_free(struct backend_get *bg);

/* scrub_hint.c */

#define SCRUB_HINT_TIMEOUT_MS	1000	/* scrubd answers once queued */

/*
 * scrub_hint_heal asks cairn-scrubd to heal bucket/key now: a read found
 * a shard missing or damaged.  Bounded by the RPC timeout; a scrubd that
 * is down only costs a log line (its next pass heals the object).
 */
void scrub_hint_heal(struct backend *be, struct proto_str bucket,
    struct proto_str key);

/* placement.c */

/* placement_rotation returns where shard 0 of bucket/key goes in a set of
 * n drives; shard i goes to (rotation + i) mod n. */
int placement_rotation(struct proto_str bucket, struct proto_str key, int n);

/* gatewayd.c */

/*
 * The daemon: its configuration, the backend, the control socket and
 * counters.  One per process, set up by main() before the HTTP layer
 * starts; afterwards only the atomic counters change.
 */
struct gatewayd {
	struct conf		 gw_conf;
	struct backend		 gw_backend;
	struct rpc_server	 gw_ctl;
	atomic_ullong		 gw_requests;
	atomic_ullong		 gw_errors;
	atomic_ullong		 gw_bytes_in;
	atomic_ullong		 gw_bytes_out;
};

/* s3.c */

/* The parsed S3 request a handler works on. */
struct s3_req {
	struct gatewayd		*sr_env;
	struct http_req		*sr_http;
	struct proto_str	 sr_bucket;	/* empty: the service */
	struct proto_str	 sr_key;	/* decoded; empty: the bucket */
	char			*sr_keybuf;	/* owns the decoded key */
	char			 sr_payload_hash[80];	/* as signed */
	char			 sr_owner_id[65];	/* canonical user id */
	char			 sr_resource[PROTO_KEYMAX * 3 + 80];
};

/* s3_serve is the HTTP layer's entry: authenticate, route, answer. */
void s3_serve(struct gatewayd *env, struct http_req *hr);

/* s3_query_get finds a query parameter, percent-decoded into buf (NUL
 * terminated); returns its length, or -1 if absent or too long. */
long s3_query_get(const struct http_req *hr, const char *name, char *buf,
    size_t buflen);

/* s3_query_has tells whether the query names the parameter at all. */
bool s3_query_has(const struct http_req *hr, const char *name);

/* s3_fail answers with S3's error XML for e (message: default if NULL). */
void s3_fail(struct s3_req *r, enum s3_err e, const char *message);

/* s3_fail_rc answers with the S3 error for a negative enum cairn_err. */
void s3_fail_rc(struct s3_req *r, int rc);

/* s3_respond_xml answers 200 with an XML body; s3_respond_empty with
 * status and no body.  Both add the request id headers. */
void s3_respond_xml(struct s3_req *r, const char *xml, size_t len);
void s3_respond_empty(struct s3_req *r, int status,
    const struct http_hdr_out *hdrs, size_t nhdrs);

/* s3_common_headers fills the request id headers into hdrs (2 entries). */
size_t s3_common_headers(struct s3_req *r, struct http_hdr_out *hdrs);

/* s3_time_iso formats ns since 1970 as 2006-01-02T15:04:05.000Z;
 * s3_time_http as an HTTP date. */
void s3_time_iso(uint64_t ns, char *buf, size_t len);
void s3_time_http(uint64_t ns, char *buf, size_t len);

/* s3_bucket.c */
void s3_bucket_list_all(struct s3_req *r);
void s3_bucket_create(struct s3_req *r);
void s3_bucket_head(struct s3_req *r);
void s3_bucket_delete(struct s3_req *r);
void s3_bucket_location(struct s3_req *r);

/* s3_list.c */
void s3_list_objects(struct s3_req *r, int version);

/* s3_object.c */
void s3_object_put(struct s3_req *r);
void s3_object_get(struct s3_req *r);
void s3_object_delete(struct s3_req *r);

/* s3_xml.c */

/* A growing XML document; x_err is set once an allocation failed. */
struct s3_xml {
	char	*x_buf;
	size_t	 x_len;
	size_t	 x_cap;
	bool	 x_err;
	bool	 x_urlenc;	/* encoding-type=url for keys */
};

void s3_xml_init(struct s3_xml *x);	/* starts with the XML declaration */
void s3_xml_free(struct s3_xml *x);
void s3_xml_open(struct s3_xml *x, const char *tag);
void s3_xml_open_ns(struct s3_xml *x, const char *tag);	/* S3 namespace */
void s3_xml_close(struct s3_xml *x, const char *tag);
/* s3_xml_escape writes text with the five XML entities replaced. */
void s3_xml_escape(struct s3_xml *x, const char *s, size_t len);
void s3_xml_text(struct s3_xml *x, const char *tag, const char *s, size_t len);
void s3_xml_str(struct s3_xml *x, const char *tag, const char *s);
void s3_xml_u64(struct s3_xml *x, const char *tag, uint64_t v);
void s3_xml_bool(struct s3_xml *x, const char *tag, bool v);

/* s3_xml_key writes a key element, URL-encoded if x_urlenc. */
void s3_xml_key(struct s3_xml *x, const char *tag, struct proto_str key);

#endif
