/* gatewayd.h - cairn-gatewayd: the S3 HTTP front end */
#ifndef CAIRN_GATEWAYD_H
#define CAIRN_GATEWAYD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <arpa/inet.h>
#include <sys/uio.h>

#include <stdatomic.h>

#include <openssl/types.h>

#include "arena.h"
#include "conf.h"
#include "ec.h"
#include "md5mb.h"
#include "memcap.h"
#include "trash.h"
#include "proto.h"
#include "rpc.h"
#include "stamp.h"
#include "xml.h"

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
	S3E_PRECONDITION_FAILED,
	S3E_COPY_TO_ITSELF,	/* InvalidRequest, with S3's own message */
	S3E_AUTH_QUERY_PARAMS,		/* AuthorizationQueryParametersError */
	S3E_REQUEST_EXPIRED,		/* AccessDenied: a presigned URL */
	S3E_INVALID_CHUNK_SIZE,		/* InvalidChunkSizeError */
	S3E_METADATA_TOO_LARGE,
	S3E_HEADERS_TOO_LARGE,	/* RequestHeaderSectionTooLarge */
	S3E_INVALID_TAG,
	S3E_BAD_REQUEST,
	S3E_NO_SUCH_UPLOAD,
	S3E_INVALID_PART,
	S3E_INVALID_PART_ORDER,
	S3E_ENTITY_TOO_SMALL,
	S3E_INVALID_PART_NUMBER,
	S3E_KEY_DISABLED,	/* InvalidAccessKeyId: a disabled user */
	S3E_BUCKET_TAKEN,	/* BucketAlreadyExists: someone else's */
	S3E_MALFORMED_POLICY,
	S3E_NO_SUCH_POLICY,	/* NoSuchBucketPolicy */
	S3E_MALFORMED_ACL,	/* MalformedACLError */
	S3E_ACCESS_FORBIDDEN,		/* a CORS preflight refused */
	S3E_NO_SUCH_TAG_SET,
	S3E_NO_SUCH_CORS,		/* NoSuchCORSConfiguration */
	S3E_NO_SUCH_REPLICATION,	/* ReplicationConfigurationNotFoundError */
	S3E_NO_SUCH_VERSION,
	S3E_INVALID_VERSION,	/* InvalidArgument: a malformed versionId */
	S3E_INVALID_BUCKET_STATE,
	S3E_NO_LOCK_CONFIG,	/* ObjectLockConfigurationNotFoundError */
	S3E_NO_OBJECT_LOCK,	/* NoSuchObjectLockConfiguration */
	S3E_LOCK_MISSING,	/* InvalidRequest: the bucket has no lock */
	S3E_NO_SUCH_LIFECYCLE,	/* NoSuchLifecycleConfiguration */
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

/* hash.c */

/* The digests, fetched from OpenSSL once (EVP_md5() and the like look
 * theirs up again at every use). */
const EVP_MD *hash_md5(void);
const EVP_MD *hash_sha1(void);
const EVP_MD *hash_sha256(void);

/* hash_hmac_sha256 computes HMAC-SHA256(key, msg) into out (32 bytes);
 * out may be key. */
bool hash_hmac_sha256(unsigned char *out, const void *key, size_t key_len,
    const void *msg, size_t msg_len);

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
	bool	sa_presigned;		/* from the query, not a header */
	long	sa_expires;		/* X-Amz-Expires of a presigned URL */
};

/*
 * sigv4_parse finds the Authorization, x-amz-date (or Date) and
 * x-amz-content-sha256 headers of req and parses them into auth.  Returns
 * S3E_NONE; S3E_ACCESS_DENIED when there is no Authorization header at all
 * (an anonymous request); S3E_AUTH_HEADER_MALFORMED,
 * S3E_MISSING_SECURITY_HEADER (no date), S3E_INVALID_REQUEST (no
 * x-amz-content-sha256) or S3E_INVALID_ARGUMENT (a bad value of it) for
 * bad input.  Without the header, a presigned URL's X-Amz-* query
 * parameters are parsed instead (sa_presigned set; payload
 * UNSIGNED-PAYLOAD unless X-Amz-Content-Sha256 is given), any of them
 * missing or bad giving S3E_AUTH_QUERY_PARAMS; both forms at once give
 * S3E_INVALID_ARGUMENT.
 */
enum s3_err sigv4_parse(const struct sigv4_request *req,
    struct sigv4_auth *auth);

/*
 * sigv4_check recomputes the signature of req with secret and compares it
 * with auth's in constant time.  now is the server's clock: a request
 * dated more than 15 minutes away gets S3E_REQUEST_TIME_TOO_SKEWED.  region
 * is the region the server serves: a scope naming another one gets
 * S3E_AUTH_HEADER_MALFORMED.  A presigned URL is good from its date
 * (within the same 15 minutes) for X-Amz-Expires seconds, and then gets
 * S3E_REQUEST_EXPIRED.  An x-amz-* header left unsigned gets
 * S3E_ACCESS_DENIED; a bad or oversized query S3E_INVALID_URI.  Whenever
 * the canonical request was computed it is written to canon
 * (NUL-terminated, cut to canon_len) so a SignatureDoesNotMatch body can
 * show it, as S3 does.  The secret is wiped from the stack.
 */
enum s3_err sigv4_check(const struct sigv4_request *req,
    const struct sigv4_auth *auth, const char *secret, const char *region,
    time_t now, char *canon, size_t canon_len);

/*
 * The chain of chunk signatures of a STREAMING-AWS4-HMAC-SHA256-PAYLOAD
 * upload: the signing key and the last signature accepted.  Owned by the
 * request; wiped with sigv4_chain_wipe.
 */
struct sigv4_chain {
	unsigned char	sc_key[32];
	char		sc_prev[65];	/* lowercase hex */
	char		sc_head[192];	/* "<amz-date>\n<scope>\n" */
	bool		sc_ready;
};

/* sigv4_chain_init seeds ch with auth's signature and derives the key. */
enum s3_err sigv4_chain_init(struct sigv4_chain *ch,
    const struct sigv4_auth *auth, const char *secret);

/*
 * sigv4_chain_next checks sig (sig_len hex digits as received) against
 * the signature of the next chunk, whose SHA-256 is hash, or with trailer
 * of the trailing headers, whose canonical form hashes to hash.  On a
 * match the chain moves on; else S3E_SIGNATURE_MISMATCH.
 */
enum s3_err sigv4_chain_next(struct sigv4_chain *ch, bool trailer,
    const unsigned char *hash, const char *sig, size_t sig_len);

/* sigv4_chain_wipe erases the key. */
void sigv4_chain_wipe(struct sigv4_chain *ch);

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
 * away; the body is only reachable through http_body_read, and over
 * HTTP/1.1 it is read from the client only as the handler asks for it.
 * hr_body_len is the body's length as announced by Content-Length; a
 * chunked body (Transfer-Encoding: chunked) of up to 1 MiB is read whole
 * first and gets its length (and a Content-Length header); a longer one
 * has HTTP_BODY_UNKNOWN and ends where http_body_read returns 0.  Check
 * it against a bound before allocating by it.  Exactly one worker thread
 * owns a request; it must answer it once, with http_respond or
 * http_stream_start ... http_stream_end.
 */
#define HTTP_BODY_UNKNOWN	UINT64_MAX

struct http_req {
	const char		*hr_method;
	size_t			 hr_method_len;
	const char		*hr_path;	/* raw, percent-encoded */
	size_t			 hr_path_len;
	const char		*hr_query;	/* after '?', raw; may be "" */
	size_t			 hr_query_len;
	const struct http_header *hr_headers;
	size_t			 hr_nheaders;
	uint64_t		 hr_body_len;	/* body length, see below */
	bool			 hr_head;	/* a HEAD request */
	char			 hr_id[HTTP_REQID_LEN + 1];	/* request id */
	uint64_t		 hr_start_ms;
	char			 hr_peer[INET6_ADDRSTRLEN];	/* client IP */
	bool			 hr_tls;	/* came over TLS */
	/* headers every response to this request carries (CORS); set and
	 * owned by the handler layer, and alive until it has answered */
	const struct http_hdr_out *hr_extra;
	size_t			 hr_nextra;
	void			*hr_fast;	/* the handler layer's, below */
};

struct gatewayd;

/*
 * What the event loop can serve itself, without a worker: the hooks of
 * the handler layer.  hf_begin runs on the loop thread for an HTTP/1.1
 * request whose body is whole in memory (http_body_whole); it must not
 * wait, and it rewinds a body it read and leaves.  It returns
 * HTTP_FAST_NO to have a worker serve the request as usual, or
 * HTTP_FAST_SENT once it has sent a call whose completion calls
 * http_fast_wake(hr).  hf_end then
 * runs on the loop thread, and answers (HTTP_FAST_DONE), sends another
 * call whose completion wakes it again (HTTP_FAST_AGAIN), or leaves what
 * is left, which may wait, to hf_resume on a worker (HTTP_FAST_WORKER).
 * On the loop thread answers are whole: http_respond, http_respondv, or
 * http_stream_start of no body; the rest is refused.  hf_early, on the loop thread too,
 * tells whether hf_begin would take a request that asks for 100 Continue
 * once its small body is in: the loop then answers 100 and reads it.
 */
enum http_fast_rc { HTTP_FAST_NO, HTTP_FAST_SENT, HTTP_FAST_DONE,
	HTTP_FAST_WORKER, HTTP_FAST_AGAIN };

struct http_fast {
	bool		  (*hf_early)(struct gatewayd *, struct http_req *);
	enum http_fast_rc (*hf_begin)(struct gatewayd *, struct http_req *);
	enum http_fast_rc (*hf_end)(struct gatewayd *, struct http_req *);
	void		  (*hf_resume)(struct gatewayd *, struct http_req *);
};

/* http_start listens on the configured address and starts the event loops
 * and the worker threads that call serve for each request; fast (or
 * NULL) lets the loops serve some requests themselves. */
int http_start(struct gatewayd *env,
    void (*serve)(struct gatewayd *, struct http_req *),
    const struct http_fast *fast);

/* http_fast_wake has the loop thread of hr run hf_end; any thread. */
void http_fast_wake(struct http_req *hr);

/* http_stop stops accepting requests and waits (bounded) for running ones. */
void http_stop(struct gatewayd *env);

/* http_header finds the first header called name (lowercase); NULL if none. */
const char *http_header(const struct http_req *hr, const char *name,
    size_t *len);

/* http_body_whole tells whether the whole request body is in memory, so
 * that http_body_read never waits; http_body_rewind starts such a body
 * over, for a worker to read again. */
bool http_body_whole(const struct http_req *hr);
void http_body_rewind(struct http_req *hr);

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

/* http_respondv is http_respond of a body in n pieces (n <= HTTP_IOVMAX). */
int http_respondv(struct http_req *hr, int status,
    const struct http_hdr_out *hdrs, size_t nhdrs, const struct iovec *iov,
    int n);

/* http_stream_start sends the status and headers of a response whose body
 * of content_length bytes follows in http_stream_write calls. */
int http_stream_start(struct http_req *hr, int status,
    const struct http_hdr_out *hdrs, size_t nhdrs, uint64_t content_length);

/* http_stream_write sends data and returns once the HTTP layer no longer
 * needs it (backpressure); -1 if the client has gone away. */
int http_stream_write(struct http_req *hr, const void *data, size_t len);

/* http_stream_writev is http_stream_write of n pieces (n <= HTTP_IOVMAX)
 * in one write. */
#define HTTP_IOVMAX	16
int http_stream_writev(struct http_req *hr, const struct iovec *iov, int n);

/* http_stream_end finishes a streamed response. */
int http_stream_end(struct http_req *hr);

/* http_stream_abort cuts a streamed response short: the client sees a
 * broken transfer, never a short body passed off as whole. */
void http_stream_abort(struct http_req *hr);

/* http_responded tells whether a response has been started. */
bool http_responded(const struct http_req *hr);

/* bcache.c */

#define BCACHE_TTL_MS	1000	/* another gateway's change shows by then */
#define BCACHE_SLOTS	256

/* A bucket record with its own copies of the strings it points at. */
struct backend_bucket {
	struct msg_bucket	 bb_rec;	/* b_name, b_owner: below */
	char			 bb_name[PROTO_BUCKETMAX + 1];
	char			 bb_owner[PROTO_OWNERMAX + 1];
};

struct bcache;

int bcache_init(struct bcache **bcp);
void bcache_free(struct bcache *bc);

/* bcache_get copies a fresh record of bucket name into bi; false if none.
 * *gen is what a bcache_put of the record read from metad must pass. */
bool bcache_get(struct bcache *bc, struct proto_str name,
    struct backend_bucket *bi, uint64_t *gen);

/* bcache_put keeps b unless a bucket changed since gen was read. */
void bcache_put(struct bcache *bc, const struct msg_bucket *b, uint64_t gen);

/* bcache_forget drops name after this gateway changed or deleted it. */
void bcache_forget(struct bcache *bc, struct proto_str name);

/* rcache.c */

#define RCACHE_ENTRYMAX	(16 * 1024)	/* the largest reply kept */

/* What a record read from metad is kept with: the stamp read before. */
struct rcache_stamp {
	struct stamp	 rs_st;
	uint64_t	 rs_gen;	/* of the table it was read from */
	bool		 rs_ok;		/* false: not to be kept */
};

struct rcache;

/*
 * rcache_init makes a cache of about max bytes of records, or none
 * (*rcp NULL) when max is 0 or metad is not on this host (metad_url not
 * ipc://).  0 or an error.
 */
int rcache_init(struct rcache **rcp, const char *metad_url, size_t max);
void rcache_free(struct rcache *rc);

/*
 * rcache_get gives a copy of metad's reply to a read of the latest
 * record of bucket/key in *rep, if one is kept and still current; else
 * false, with the stamp that a reply read now must be kept with in *st.
 * Any thread, without waiting for metad.
 */
bool rcache_get(struct rcache *rc, struct proto_str bucket,
    struct proto_str key, struct rcache_stamp *st, nng_msg **rep);

/* rcache_put keeps reply, metad's reply of len bytes to a read sent
 * after rcache_get gave st. */
void rcache_put(struct rcache *rc, struct proto_str bucket,
    struct proto_str key, const struct rcache_stamp *st, const void *reply,
    size_t len);

/* rcache_counts reads the hits, the misses and the bytes kept. */
void rcache_counts(struct rcache *rc, uint64_t *hits, uint64_t *misses,
    uint64_t *bytes);

/* backend.c */

#define BACKEND_TRASHMAX	65536	/* shard sets waiting for deletion */

/*
 * The daemons behind the gateway: one RPC client for metad and one per
 * drive, and the erasure code of the set.  Built at start, then shared
 * by every worker thread: read-only, but for the parts with locks of
 * their own (rpc clients, the memory cap, the MD5 engine, the trash,
 * the bucket cache).
 */
struct backend {
	const struct conf	*be_conf;
	struct rpc_client	*be_metad;
	struct rpc_client	*be_chunk[CONF_DRIVEMAX];
	struct rpc_client	*be_scrubd;	/* heal requests */
	int			 be_ndrives;
	int			 be_k, be_m;
	struct ec		 be_ec;
	struct memcap		 be_memcap;	/* [gatewayd] max_memory */
	struct md5mb		 be_md5mb;	/* ETags of large uploads */
	struct trash		 be_trash;	/* [gatewayd] delete_delay */
	struct bcache		*be_bcache;	/* bucket records */
	struct rcache		*be_rcache;	/* object records, or NULL */
	/* [gatewayd] shared_memory: stripe buffers the drives read in
	 * place; be_arena_copy[i] once drive i cannot (or is not local) */
	struct arena		 be_arena;
	atomic_bool		 be_arena_copy[CONF_DRIVEMAX];
	atomic_ulong		 be_arena_blocks;	/* sent in place */
	atomic_ulong		 be_arena_refused;	/* then sent again */
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
	unsigned char	*bp_buf2;	/* the other, with backend_put_double */
	/* a stripe's writes still out (see backend_put_stripe) */
	bool		 bp_inflight;
	bool		 bp_inflight_last;
	uint32_t	 bp_inflight_bs;
	unsigned char	*bp_inflight_buf;
	struct rpc_call	 bp_calls[PROTO_SHARDMAX];
};

/*
 * A GET in progress: reads stripes of one erasure-coded version.  With
 * backend_get_ahead, the reads of the next stripe go out while the caller
 * sends the current one (bg_ahead is that stripe, or BACKEND_NO_STRIPE).
 */
struct backend_get {
	struct backend		*bg_be;
	const struct msg_objrec	*bg_rec;
	int			 bg_drive[PROTO_SHARDMAX];	/* -1: unknown */
	unsigned char		*bg_buf;
	uint32_t		 bg_reconstructed;	/* stripes rebuilt */
	uint64_t		 bg_held;	/* bytes of be_memcap taken */
	uint64_t		 bg_last;	/* read ahead up to this stripe */
	uint64_t		 bg_ahead;
	struct rpc_call		 bg_calls[PROTO_SHARDMAX];
	struct rpc_call		 bg_replies[PROTO_SHARDMAX];
	bool			 bg_taken[PROTO_SHARDMAX];	/* bg_replies[i] */
};

#define BACKEND_NO_STRIPE	UINT64_MAX

/* backend_open dials metad and every drive and builds the erasure code. */
int backend_open(struct backend *be, const struct conf *conf);
void backend_close(struct backend *be);

/* backend_quorum returns how many shards a write needs: k, or k+1 if k=m. */
int backend_quorum(const struct backend *be);

/* backend_block_size is the block of a full stripe: PROTO_STRIPE over k. */
uint32_t backend_block_size(const struct backend *be);

/* Metadata calls.  Results that point into a reply live in the caller's
 * struct rpc_call, which the caller must rpc_call_fini. */
/* backend_bucket_create: a new bucket as b describes it. */
int backend_bucket_create(struct backend *be, const struct msg_bucket *b);
int backend_bucket_delete(struct backend *be, struct proto_str name);
/* backend_bucket_get: the bucket without its owner (b_owner empty). */
int backend_bucket_get(struct backend *be, struct proto_str name,
    struct msg_bucket *b);
/* backend_bucket_info: the whole bucket, from the cache or metad. */
int backend_bucket_info(struct backend *be, struct proto_str name,
    struct backend_bucket *bi);
/* backend_bucket_set: change fields of a bucket; b is the result. */
int backend_bucket_set(struct backend *be, struct rpc_call *c,
    const struct msg_bucket_set *bs, struct msg_bucket *b);
/*
 * backend_bconf runs MSG_META_BCONF_PUT, _GET or _DELETE (type) with bc;
 * for _GET, bc->bc_value then points into c's reply.  CAIRN_ENOCONF when
 * a GET finds none.
 */
int backend_bconf(struct backend *be, struct rpc_call *c, uint32_t type,
    struct msg_bconf *bc);
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

/* backend_obj_set_tags replaces the tag set of bucket/key (empty: none). */
int backend_obj_set_tags(struct backend *be, struct proto_str bucket,
    struct proto_str key, struct proto_str tags);

/*
 * backend_shards_delete removes every shard of rec (best effort, logged)
 * once [gatewayd] delete_delay has passed, so that a GET that read rec
 * just before it was replaced still finds its shards.
 */
void backend_shards_delete(struct backend *be, const struct msg_objrec *rec);

/* backend_put_begin places a new object and allocates one stripe buffer. */
int backend_put_begin(struct backend *be, struct backend_put *bp,
    struct proto_str bucket, struct proto_str key);

/* backend_put_buffer is where the caller puts up to PROTO_STRIPE bytes. */
unsigned char *backend_put_buffer(struct backend_put *bp);

/*
 * backend_put_double gives bp a second stripe buffer, if the memory cap
 * allows it at once: backend_put_buffer then alternates between the two,
 * so that the previous stripe stays readable while the next is filled.
 * Returns 0, or CAIRN_ENOMEM (bp goes on with one buffer).
 */
int backend_put_double(struct backend_put *bp);

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
/* backend_get_ahead lets bg read the stripe after the one asked for, up
 * to stripe last, while the caller sends; false if memory is short. */
bool backend_get_ahead(struct backend_get *bg, uint64_t last);
/*
 * backend_get_stripe_iov is backend_get_stripe without the copy: iov (up
 * to PROTO_SHARDMAX entries) points into the replies of the data shards,
 * or at the buffer if the stripe had to be rebuilt; valid until the next
 * call or backend_get_free.
 */
int backend_get_stripe_iov(struct backend_get *bg, uint64_t stripe,
    struct iovec *iov, int *niov, size_t *len);
int backend_get_stripe(struct backend_get *bg, uint64_t stripe,
    const unsigned char **out, size_t *len);
void backend_get_free(struct backend_get *bg);

/*
 * A one-stripe object's data shards read with callbacks instead of waits,
 * for the event loop: backend_read_send sends the reads and runs done(arg)
 * on another thread once all are answered; 0, or an error when they were
 * not sent (a data shard's drive unknown or down, memory short; done is
 * not run).  backend_read_take then gives the object's bytes in iov
 * (up to PROTO_SHARDMAX pieces, in the replies, valid until
 * backend_read_free), or an error if any shard failed: what can rebuild
 * it from parity is backend_get's, and may wait.
 */
struct backend_read {
	struct backend		*br_be;
	const struct msg_objrec	*br_rec;
	atomic_int		 br_left;	/* reads not yet answered */
	void			(*br_done)(void *);
	void			*br_arg;
	uint64_t		 br_held;	/* bytes of be_memcap taken */
	struct rpc_call		 br_calls[PROTO_SHARDMAX];
};

int backend_read_send(struct backend *be, struct backend_read *br,
    const struct msg_objrec *rec, void (*done)(void *), void *arg);
int backend_read_take(struct backend_read *br, struct iovec *iov, int *niov);
void backend_read_free(struct backend_read *br);

/* backend_upload.c */

/*
 * Multipart uploads in metad.  Results that point into a reply live in
 * the caller's struct rpc_call, which the caller must rpc_call_fini.
 */
int backend_upload_create(struct backend *be,
    const struct msg_upload_create *uc);
int backend_upload_get(struct backend *be, struct rpc_call *c,
    const struct msg_upload_ref *u, struct msg_objrec *rec);
int backend_upload_part(struct backend *be, struct rpc_call *c,
    const struct msg_part_put *pp, struct msg_objrec *old, bool *has_old);
int backend_upload_complete(struct backend *be, struct rpc_call *c,
    const struct msg_upload_complete *cc, struct msg_upload_done *ud);
int backend_upload_abort(struct backend *be, struct rpc_call *c,
    const struct msg_upload_ref *u, struct msg_upload_done *ud);
int backend_upload_parts(struct backend *be, struct rpc_call *c,
    const struct msg_part_list_req *pl, struct msg_part_list_reply *pr);
int backend_upload_list(struct backend *be, struct rpc_call *c,
    const struct msg_upload_list_req *ul, struct msg_upload_list_reply *ur);

/* backend_upload_layout fills rec's erasure fields with the layout a PUT
 * of bucket/key gets from backend_put_begin (no data id). */
void backend_upload_layout(struct backend *be, struct proto_str bucket,
    struct proto_str key, struct msg_objrec *rec);

/* backend_upload_drop removes the shards of each data id in ids (n * 16
 * bytes), written in rec's layout; best effort, logged. */
void backend_upload_drop(struct backend *be, const struct msg_objrec *rec,
    struct proto_str ids);
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
	atomic_ullong		 gw_fast_answered;	/* see s3_fast.c */
	atomic_ullong		 gw_fast_resumed;
	struct users		*gw_users;	/* access key cache */
	struct s3_policy_cache	*gw_policies;	/* bucket policy cache */
};

/* users.c */

struct s3_req;
struct s3_xml;

/* Who sent a request, as authentication found: enum s3_who_kind. */
enum s3_who_kind {
	S3_WHO_ANON = 0,	/* no signature at all */
	S3_WHO_ROOT = 1,	/* the root key of cairn.conf */
	S3_WHO_USER = 2,	/* a user kept by metad */
};

/* The principal of a request: kind, name ("root" for root) and canonical
 * id (64 hex digits); empty strings for an anonymous request. */
struct s3_who {
	int	w_kind;
	char	w_name[PROTO_USERMAX + 1];
	char	w_id[PROTO_OWNERMAX + 1];
};

#define USERS_TTL_MS	2000	/* a removed or disabled user stops by then */
#define USERS_SLOTS	256

/* One cached answer of metad about an access key (found or not). */
struct users_entry {
	char		ue_ak[SIGV4_KEYMAX];
	bool		ue_found;
	bool		ue_disabled;
	char		ue_name[PROTO_USERMAX + 1];
	char		ue_id[PROTO_OWNERMAX + 1];
	char		ue_secret[PROTO_SECRETMAX + 1];
	uint64_t	ue_expires_ms;	/* util_mono_ms() */
};

/*
 * The access key cache: a direct-mapped table, each slot valid for
 * USERS_TTL_MS.  Made by users_init before the HTTP layer starts; every
 * worker thread reads and fills it under us_lock.
 */
struct users {
	pthread_mutex_t		us_lock;
	struct users_entry	us_slot[USERS_SLOTS];
};

/* users_init allocates env->gw_users; 0 or CAIRN_ENOMEM. */
int users_init(struct gatewayd *env);

/*
 * users_secret finds who owns access key ak (root, or a user of metad
 * through the cache) and copies its secret into secret (len bytes; the
 * caller wipes it).  S3E_INVALID_ACCESS_KEY for an unknown key,
 * S3E_KEY_DISABLED for a disabled user.
 */
enum s3_err users_secret(struct gatewayd *env, const char *ak,
    struct s3_who *who, char *secret, size_t len);

/* users_root_id writes root's canonical id (65 bytes with the NUL). */
void users_root_id(const struct gatewayd *env, char *out);

/* s3_policy.c */

#define POLICY_MAX	20480	/* bytes of a bucket policy, as S3 */
#define POLICY_TTL_MS	1000	/* another gateway's change shows by then */
#define POLICY_SLOTS	64

/* What a policy says of a request. */
enum s3_policy_effect {
	POLICY_NONE = 0,	/* no statement applies */
	POLICY_ALLOW,
	POLICY_DENY,		/* an explicit Deny: wins over everything */
};

/*
 * A request as the policy evaluator sees it.  Strings are NUL-terminated;
 * NULL means the condition key is absent from the request.
 */
struct s3_policy_ctx {
	const struct s3_who	*pc_who;
	const char		*pc_action;	/* "s3:GetObject" */
	const char		*pc_resource;	/* "arn:aws:s3:::b/k" */
	const char		*pc_ip;		/* aws:SourceIp */
	bool			 pc_tls;	/* aws:SecureTransport */
	const char		*pc_prefix;	/* s3:prefix */
	const char		*pc_delimiter;	/* s3:delimiter */
	const char		*pc_max_keys;	/* s3:max-keys */
	const char		*pc_acl;	/* s3:x-amz-acl */
	const char		*pc_referer;	/* aws:Referer */
	const char		*pc_user_agent;	/* aws:UserAgent */
};

/* One cached policy document (or the knowledge that there is none). */
struct s3_policy_entry {
	char		 pe_bucket[PROTO_BUCKETMAX + 1];
	char		*pe_doc;	/* NULL: no policy */
	size_t		 pe_len;
	uint64_t	 pe_expires_ms;
};

/* The policy cache: direct-mapped by bucket name, shared by every worker
 * thread under pc_lock; made by s3_policy_init. */
struct s3_policy_cache {
	pthread_mutex_t		pc_lock;
	struct s3_policy_entry	pc_slot[POLICY_SLOTS];
};

/*
 * s3_policy_validate checks a bucket policy for bucket: JSON, the fields
 * S3 requires, known actions and operators, resources of this bucket.
 * S3E_MALFORMED_POLICY with S3's message in *msg.
 */
enum s3_err s3_policy_validate(const char *doc, size_t len,
    struct proto_str bucket, const char **msg);

/* s3_policy_eval tells what the policy doc (validated before it was
 * stored) says of the request ctx. */
enum s3_policy_effect s3_policy_eval(const char *doc, size_t len,
    const struct s3_policy_ctx *ctx);

/* s3_policy_store.c */

/* s3_policy_init allocates env->gw_policies; 0 or CAIRN_ENOMEM. */
int s3_policy_init(struct gatewayd *env);

/*
 * s3_policy_get returns bucket's policy in *doc (malloc'd, the caller
 * frees it; NULL if none), from the cache or metad.  0 or an error.
 */
int s3_policy_get(struct gatewayd *env, struct proto_str bucket, char **doc,
    size_t *len);

/* Get/Put/DeleteBucketPolicy (?policy). */
void s3_bucket_policy_get(struct s3_req *r);
void s3_bucket_policy_put(struct s3_req *r);
void s3_bucket_policy_delete(struct s3_req *r);

/* s3_authz.c */

/*
 * s3_authz decides whether r's principal may do what r asks, before
 * routing: root and a bucket's owner may, others where the bucket policy
 * or an ACL allows; an explicit Deny wins (but root may always manage
 * the policy).  Returns S3E_NONE or the error to answer.
 */
enum s3_err s3_authz(struct s3_req *r);

/*
 * s3_authz_key decides action on one key of r's bucket, for requests
 * that name many keys (DeleteObjects): S3E_NONE or S3E_ACCESS_DENIED.
 */
enum s3_err s3_authz_key(struct s3_req *r, struct proto_str key,
    const char *action);

/* s3_authz_owns tells whether r's principal owns b (root owns all). */
bool s3_authz_owns(const struct s3_req *r, const struct msg_bucket *b);

/* s3_authz_action returns the IAM action name of r ("s3:GetObject"). */
const char *s3_authz_action(const struct s3_req *r);

/* s3_acl.c */

/*
 * s3_acl_parse maps an x-amz-acl value to enum msg_canned_acl: S3E_NONE,
 * S3E_INVALID_ARGUMENT for an unknown one, S3E_NOT_IMPLEMENTED for one
 * cairn cannot express.  Absent (NULL) is private.
 */
enum s3_err s3_acl_parse(const char *v, size_t len, uint8_t *acl);

/* s3_acl_bucket_new sets the owner (the request's user) and the canned
 * ACL (x-amz-acl) of a bucket that CreateBucket makes. */
enum s3_err s3_acl_bucket_new(struct s3_req *r, struct msg_bucket *b);

/* s3_acl_name returns the x-amz-acl name of a canned ACL. */
const char *s3_acl_name(uint8_t acl);

/*
 * s3_acl_from_request replaces the ACL stored with rec (a stored header
 * x-amz-acl, never sent back) by the request's x-amz-acl; private is
 * stored as no header.  x-amz-grant-* headers get S3E_NOT_IMPLEMENTED.
 */
enum s3_err s3_acl_from_request(struct s3_req *r, struct msg_objrec *rec);

/* s3_acl_of_object returns the canned ACL stored with rec. */
uint8_t s3_acl_of_object(const struct msg_objrec *rec);

/*
 * s3_acl_allows tells whether canned ACL acl grants who the action, on a
 * bucket (object false: list, write objects) or an object (read it).
 */
bool s3_acl_allows(uint8_t acl, const struct s3_who *who, const char *action,
    bool object);

/* Get/PutBucketAcl and Get/PutObjectAcl (?acl). */
void s3_acl_bucket_get(struct s3_req *r);
void s3_acl_bucket_put(struct s3_req *r);
void s3_acl_object_get(struct s3_req *r);
void s3_acl_object_put(struct s3_req *r);

/* s3_xml_raw appends s as it is: markup the other functions cannot make. */
void s3_xml_raw(struct s3_xml *x, const char *s);

/*
 * s3_xml_parse reads a request's XML document with xml_parse: S3E_NONE
 * if it is well formed, S3E_MALFORMED_XML, or S3E_SLOW_DOWN out of
 * memory.
 */
enum s3_err s3_xml_parse(const char *s, size_t len, const struct xml_sax *sax,
    void *arg);

/* s3.c */

/* The parsed S3 request a handler works on. */
struct s3_req {
	struct gatewayd		*sr_env;
	struct http_req		*sr_http;
	struct proto_str	 sr_bucket;	/* empty: the service */
	struct proto_str	 sr_key;	/* decoded; empty: the bucket */
	char			*sr_keybuf;	/* owns the decoded key */
	char			 sr_payload_hash[80];	/* as signed */
	struct sigv4_chain	 sr_chain;	/* of a signed aws-chunked body */
	char			 sr_owner_id[65];	/* canonical user id */
	struct rcache_stamp	 sr_stamp;	/* of a record being read */
	char			*sr_tagbuf;	/* x-amz-tagging as stored */
	uint8_t			 sr_put_cond;	/* enum msg_put_cond */
	uint8_t			 sr_put_cond_etag[16];
	char			 sr_resource[PROTO_KEYMAX * 3 + 80];
	struct s3_who		 sr_who;	/* who sent it */
	char			 sr_owner_name[PROTO_USERMAX + 1];
	struct s3_cors_hdrs	*sr_cors;	/* CORS headers, if any */
	/* Versioning headers of the answer (s3_common_headers adds them). */
	char			 sr_version_id[PROTO_VERIDLEN + 1];
	bool			 sr_delete_marker;
	char			 sr_marker_date[40];	/* Last-Modified */
};

/* s3_serve is the HTTP layer's entry: authenticate, route, answer. */
void s3_serve(struct gatewayd *env, struct http_req *hr);

/*
 * s3_fast_admit runs what s3_serve runs before it routes, for a request
 * the event loop may serve: true if r is a GET, HEAD, PUT or DELETE of an
 * object (without CORS, subresources, a copy source or anything else
 * s3_serve would route elsewhere), authenticated and authorized; false
 * leaves r unanswered, to go to a worker.
 */
bool s3_fast_admit(struct s3_req *r);

/* s3_fast.c: the http_fast hooks (see http_start). */
extern const struct http_fast s3_fast;

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

/* s3_respond_rc answers status with no body if rc is 0, else as s3_fail_rc. */
void s3_respond_rc(struct s3_req *r, int rc, int status);

/* s3_respond_xml answers 200 with an XML body; s3_respond_empty with
 * status and no body.  Both add the request id headers. */
void s3_respond_xml(struct s3_req *r, const char *xml, size_t len);

struct s3_xml;

/* s3_respond_doc answers 200 with the document x (SlowDown if building it
 * ran out of memory) and frees x. */
void s3_respond_doc(struct s3_req *r, struct s3_xml *x);
void s3_respond_empty(struct s3_req *r, int status,
    const struct http_hdr_out *hdrs, size_t nhdrs);

/* s3_common_headers fills the request id headers into hdrs (2 entries,
 * and up to 3 more of s3_version_headers). */
size_t s3_common_headers(struct s3_req *r, struct http_hdr_out *hdrs);

/* s3_time_iso formats ns since 1970 as 2006-01-02T15:04:05.000Z;
 * s3_time_http as an HTTP date. */
void s3_time_iso(uint64_t ns, char *buf, size_t len);
void s3_time_http(uint64_t ns, char *buf, size_t len);

/* s3_subres.c */

/*
 * s3_subres_route answers the request if its query names a bucket
 * (object false) or object subresource that has a handler; returns
 * whether it did.
 */
bool s3_subres_route(struct s3_req *r, bool object);

/* s3_method_is tells whether the request's method is m. */
bool s3_method_is(const struct s3_req *r, const char *m);

/* s3_bconf.c */

/*
 * One element of a parsed bucket configuration document: its name, its
 * character data (NUL-terminated; entities decoded) and its children in
 * document order.  A tree is owned by whoever parsed it and freed with
 * s3_bconf_free.
 */
struct s3_bconf_node {
	char			*bn_name;
	char			*bn_text;
	size_t			 bn_text_len;
	struct s3_bconf_node	*bn_child;	/* first child */
	struct s3_bconf_node	*bn_last;	/* last child */
	struct s3_bconf_node	*bn_next;	/* next sibling */
	struct s3_bconf_node	*bn_parent;
};

/*
 * One configuration subresource (?tagging, ?cors, ...): how its document
 * is stored, checked and answered.  GET answers the stored document (or
 * bo_missing), PUT parses, checks and stores (or removes, if bo_empty says
 * it means none), DELETE removes it if bo_delete, else MethodNotAllowed.
 */
struct s3_bconf_ops {
	const char	*bo_kind;	/* BCONF_* */
	size_t		 bo_max;	/* largest document accepted, bytes */
	int		 bo_put_status;	/* 200, or 204 as for tagging */
	enum s3_err	 bo_missing;	/* a GET of none */
	/* checks a document as S3 does; msg (len bytes) may say why not */
	enum s3_err	(*bo_check)(struct s3_req *r,
			    const struct s3_bconf_node *root, char *msg,
			    size_t len);
	/* tells whether a valid document means "none" (NULL: never) */
	bool		(*bo_empty)(const struct s3_bconf_node *root);
	/* answers a GET itself (NULL: the stored document or bo_missing) */
	void		(*bo_get)(struct s3_req *r);
	bool		 bo_delete;
	/* completes a checked document before it is stored, as S3 fills in
	 * what the client left out (NULL: nothing); false: out of memory */
	bool		(*bo_fill)(struct s3_bconf_node *root);
};

/* s3_bconf_parse reads the request body (at most max bytes, else
 * MalformedXML), checks it against its Content-MD5 (if sent) and the
 * signed SHA-256 (BadDigest, XAmzContentSHA256Mismatch), and parses it
 * into *root, which the caller frees with s3_bconf_free (NULL on error).
 * A DOCTYPE is refused. */
enum s3_err s3_bconf_parse(struct s3_req *r, size_t max,
    struct s3_bconf_node **root);

/* s3_bconf_parse_text parses len bytes of s into *root, as above. */
enum s3_err s3_bconf_parse_text(const char *s, size_t len,
    struct s3_bconf_node **root);

/* s3_bconf_prepend adds an element name with text as the first child of
 * parent; NULL out of memory. */
struct s3_bconf_node *s3_bconf_prepend(struct s3_bconf_node *parent,
    const char *name, const char *text);

/* s3_bconf_fill_id gives n a first child name (an Id) if it has none, as
 * S3 does: the base64 of a random UUID's text.  False out of memory. */
bool s3_bconf_fill_id(struct s3_bconf_node *n, const char *name);

/* s3_bconf_free frees n, its children and its later siblings. */
void s3_bconf_free(struct s3_bconf_node *n);

/* s3_bconf_is tells whether n (may be NULL) is an element called name. */
bool s3_bconf_is(const struct s3_bconf_node *n, const char *name);

/* s3_bconf_child returns n's first child called name, or NULL. */
struct s3_bconf_node *s3_bconf_child(const struct s3_bconf_node *n,
    const char *name);

/* s3_bconf_count counts n's children called name. */
int s3_bconf_count(const struct s3_bconf_node *n, const char *name);

/* s3_bconf_only tells whether every child of n has one of the names
 * (a NULL-terminated list). */
bool s3_bconf_only(const struct s3_bconf_node *n, const char *const *names);

/* s3_bconf_word_in tells whether s is one of the words (NULL-terminated). */
bool s3_bconf_word_in(const char *s, const char *const *words);

/* s3_bconf_at_most_one tells whether none of the names comes twice. */
bool s3_bconf_at_most_one(const struct s3_bconf_node *n,
    const char *const *names);

/* s3_bconf_store stores root in its canonical form (S3 namespace on the
 * root, the text of leaves only) as the request bucket's configuration
 * kind (BCONF_*), and answers status or the error. */
void s3_bconf_store(struct s3_req *r, const char *kind,
    const struct s3_bconf_node *root, int status);

/* s3_bconf_fetch gets the stored configuration kind into doc, which
 * points into c's reply (the caller must rpc_call_fini c); 0,
 * CAIRN_ENOCONF if there is none, or another error. */
int s3_bconf_fetch(struct s3_req *r, struct rpc_call *c, const char *kind,
    struct proto_str *doc);

/* s3_bconf_answer answers the stored configuration kind, or missing. */
void s3_bconf_answer(struct s3_req *r, const char *kind, enum s3_err missing);

/* s3_bconf_load gets and parses the stored configuration kind into *root
 * (the caller's, to s3_bconf_free); 0, CAIRN_ENOCONF or an error. */
int s3_bconf_load(struct s3_req *r, const char *kind,
    struct s3_bconf_node **root);

/* s3_bconf_remove deletes the configuration kind and answers status. */
void s3_bconf_remove(struct s3_req *r, const char *kind, int status);

/* s3_bconf_write stores len bytes of doc as the configuration kind (doc
 * NULL: deletes it) and answers status or the error. */
void s3_bconf_write(struct s3_req *r, const char *kind, const char *doc,
    size_t len, int status);

/* s3_bconf_serve answers the request's method on the subresource ops. */
void s3_bconf_serve(struct s3_req *r, const struct s3_bconf_ops *ops);

/* s3_bucket_tagging.c */

/* Put/Get/DeleteBucketTagging (?tagging), served by s3_bconf_serve. */
extern const struct s3_bconf_ops s3_bucket_tagging_ops;

/* s3_cors.c */

/* Put/Get/DeleteBucketCors (?cors), served by s3_bconf_serve. */
extern const struct s3_bconf_ops s3_cors_ops;

/* s3_cors_preflight answers an OPTIONS request, unauthenticated, from the
 * bucket's CORS rules. */
void s3_cors_preflight(struct s3_req *r);

/* s3_cors_actual looks, if the request carries Origin, for the first CORS
 * rule that allows it and makes every response carry that rule's headers
 * (r->sr_cors, freed by s3_cors_free). */
void s3_cors_actual(struct s3_req *r);

/* s3_cors_free drops what s3_cors_actual set up; safe if it did nothing. */
void s3_cors_free(struct s3_req *r);

/* s3_notification.c */

/* Put/GetBucketNotificationConfiguration, served by s3_bconf_serve. */
extern const struct s3_bconf_ops s3_notification_ops;

/* s3_replication.c */

/* Put/Get/DeleteBucketReplication (?replication), served by
 * s3_bconf_serve. */
extern const struct s3_bconf_ops s3_replication_ops;

/* s3_bucket.c */

/* s3_bucket_of reads the record of the request's bucket into b; false if
 * it failed and answered with the error. */
bool s3_bucket_of(struct s3_req *r, struct msg_bucket *b);
void s3_bucket_list_all(struct s3_req *r);
void s3_bucket_create(struct s3_req *r);
void s3_bucket_head(struct s3_req *r);
void s3_bucket_delete(struct s3_req *r);
void s3_bucket_location(struct s3_req *r);

/* s3_cond.c */

enum s3_cond {
	S3_COND_OK,		/* serve the object */
	S3_COND_NOT_MODIFIED,	/* answer 304 */
	S3_COND_FAILED,		/* answer 412 PreconditionFailed */
};

/* s3_cond_check evaluates If-Match, If-Unmodified-Since, If-None-Match
 * and If-Modified-Since, each name after prefix ("" for GET, or
 * "x-amz-copy-source-"), against etag (quoted) and mtime, in S3's order. */
enum s3_cond s3_cond_check(struct s3_req *r, const char *prefix,
    const char *etag, uint64_t mtime_ns);

/* s3_cond_overrides applies the response-* query parameters to the
 * headers h[0..n) (room for max); values are decoded into buf, which must
 * outlive the response.  Returns the new count. */
size_t s3_cond_overrides(struct s3_req *r, struct http_hdr_out *h, size_t n,
    size_t max, char *buf, size_t buflen);

/* s3_cond_has_overrides tells whether the query carries response-*. */
bool s3_cond_has_overrides(const struct s3_req *r);

/* s3_delete.c */

/* s3_objects_delete answers DeleteObjects (POST /bucket?delete). */
void s3_objects_delete(struct s3_req *r);

/* s3_lifecycle.c */

/*
 * Put/Get/DeleteBucketLifecycleConfiguration (?lifecycle): the document is
 * checked with lib/lifecycle.c and stored as sent (BCONF_LIFECYCLE).
 */
void s3_lifecycle_get(struct s3_req *r);
void s3_lifecycle_put(struct s3_req *r);
void s3_lifecycle_delete(struct s3_req *r);

/* s3_tagging.c */

/* Get/Put/DeleteObjectTagging (?tagging). */
void s3_tagging_get(struct s3_req *r);
void s3_tagging_put(struct s3_req *r);
void s3_tagging_delete(struct s3_req *r);

/* s3_tagging_check checks one tag's key and value (UTF-8, lengths, no
 * NUL) against S3's rules: S3E_NONE or S3E_INVALID_TAG. */
enum s3_err s3_tagging_check(const char *k, size_t klen, const char *v,
    size_t vlen);

/* s3_tagging_count returns how many tags rec carries. */
int s3_tagging_count(const struct msg_objrec *rec);

/* s3_tagging_from_request checks x-amz-tagging and, if present, adds its
 * canonical form to rec's stored headers (kept in r->sr_tagbuf). */
enum s3_err s3_tagging_from_request(struct s3_req *r, struct msg_objrec *rec);

/* s3_list.c */
void s3_list_objects(struct s3_req *r, int version);

/* s3_list_param reads an optional query parameter, decoded, into buf
 * ("" if absent); false if present but too long. */
bool s3_list_param(const struct http_req *hr, const char *name, char *buf,
    size_t len);

/* s3_list_max_keys reads max-keys (default and ceiling PROTO_LISTMAX);
 * S3E_INVALID_ARGUMENT if it is not a number of 0 or more. */
enum s3_err s3_list_max_keys(const struct http_req *hr, long *out);

/* s3_object.c */
void s3_object_put(struct s3_req *r);
void s3_object_get(struct s3_req *r);
void s3_object_delete(struct s3_req *r);

/*
 * s3_object_get after its record is read, in steps, so that the event
 * loop can take the ones that do not wait: _plan checks the conditional
 * headers and the range and makes the response headers (NULL: answered);
 * _whole tells whether _send answers at once (HEAD, empty or inline
 * objects) rather than reading and streaming shards; _free frees the
 * plan, after _send.
 */
struct s3_get;
struct s3_get *s3_object_get_plan(struct s3_req *r,
    const struct msg_objrec *rec);
bool s3_object_get_whole(const struct s3_req *r,
    const struct msg_objrec *rec);
void s3_object_get_send(struct s3_req *r, const struct msg_objrec *rec,
    const struct s3_get *g);
/* s3_object_get_respondv answers a GET of an object of one stripe whose
 * bytes are in iov (backend_read_take), on the loop too. */
void s3_object_get_respondv(struct s3_req *r, const struct s3_get *g,
    const struct iovec *iov, int niov);
void s3_object_get_free(struct s3_get *g);

/*
 * s3_object_put of an object small enough to be stored inline, in steps
 * that do not wait, for the event loop: _prepare reads the body, which
 * must be in memory already, and checks everything the request says
 * (NULL: not done, nothing answered); _send sends the record to metad,
 * and done(arg) runs once metad has answered; _recv then answers, or
 * returns false if the version replaced has shards to delete, which may
 * wait: _finish does that and answers.  _free frees p, after the call.
 */
struct s3_put;
struct s3_put *s3_object_put_prepare(struct s3_req *r);
void s3_object_put_send(struct s3_req *r, struct s3_put *p,
    struct rpc_call *c, void (*done)(void *), void *arg);
bool s3_object_put_recv(struct s3_req *r, struct s3_put *p,
    struct rpc_call *c);
void s3_object_put_finish(struct s3_req *r, struct s3_put *p);
void s3_object_put_free(struct s3_put *p);

/* s3_object_commit makes rec the current version of the request's key and
 * deletes the shards of the version it replaces; 0 or an error. */
int s3_object_commit(struct s3_req *r, const struct msg_objrec *rec);

/* s3_object_commit_unknown tells whether a failed commit may still have
 * been recorded (metad did not answer): its shards must then stay. */
bool s3_object_commit_unknown(int rc);

/* s3_object_etag writes rec's ETag, quoted, into buf (48 bytes). */
void s3_object_etag(const struct msg_objrec *rec, char *buf);

/* s3_copy.c */

/* s3_object_copy answers CopyObject (PUT with x-amz-copy-source). */
void s3_object_copy(struct s3_req *r);

/*
 * s3_copy_part fills rec (size, mtime, ETag, data) with the bytes of an
 * UploadPartCopy: x-amz-copy-source, its x-amz-copy-source-range and
 * conditions.  The data is inline in *buf (the caller frees it, whatever
 * the result) or new shards of rec's layout, which the caller must record
 * or delete.  On error nothing is left behind.
 */
enum s3_err s3_copy_part(struct s3_req *r, struct msg_objrec *rec,
    unsigned char **buf);

/* s3_copy_part_result answers an UploadPartCopy with its CopyPartResult. */
void s3_copy_part_result(struct s3_req *r, const struct msg_objrec *rec);
/* s3_chunked.c */

/*
 * The decoder of one aws-chunked body: "<hex size>[;chunk-signature=
 * <sig>]\r\n<data>\r\n" chunks, a last one of size 0, then trailing
 * headers if announced, then "\r\n".  It pulls input from ck_src into
 * ck_in, so memory stays bounded whatever the chunk sizes, and checks
 * each chunk's signature (signed forms) before it hands out the chunk's
 * last byte.  Owned by the worker running the request.
 */
struct s3_chunked {
	long			(*ck_src)(void *, void *, size_t);
	void			*ck_arg;
	struct sigv4_chain	*ck_chain;	/* NULL: unsigned chunks */
	void			*ck_md;		/* EVP_MD_CTX of the chunk */
	bool			 ck_trailer;	/* trailing headers follow */
	int			 ck_state;
	enum s3_err		 ck_err;	/* once ck_state is failed */
	uint64_t		 ck_left_total;	/* decoded bytes still due */
	uint64_t		 ck_chunk_left;	/* of the current chunk */
	bool			 ck_small;	/* last chunk < 8 KiB */
	bool			 ck_eof;
	bool			 ck_cr;		/* a '\r' ended the input */
	bool			 ck_tr_signed;
	char			 ck_sig[65];	/* the current chunk's */
	char			 ck_line[256];
	size_t			 ck_line_len;
	size_t			 ck_acc;	/* bytes of a partial line */
	char			 ck_tr_name[64];	/* the trailing header */
	char			 ck_tr_value[128];
	unsigned char		 ck_in[16384];
	size_t			 ck_in_off;
	size_t			 ck_in_len;
};

/*
 * s3_chunked_init prepares ck to decode what src (called with arg; it
 * returns bytes read, 0 at the end, -1 on error) delivers: size decoded
 * bytes (x-amz-decoded-content-length), signed along chain unless it is
 * NULL, with trailing headers if trailer.  0, or -1 out of memory.
 */
int s3_chunked_init(struct s3_chunked *ck,
    long (*src)(void *, void *, size_t), void *arg, struct sigv4_chain *chain,
    bool trailer, uint64_t size);

/*
 * s3_chunked_read decodes up to len bytes of data into buf: returns the
 * count, 0 once the body has ended cleanly (trailer read and verified),
 * -1 with the S3 error in ck_err (IncompleteBody for broken framing,
 * SignatureDoesNotMatch, InvalidChunkSizeError).
 */
long s3_chunked_read(struct s3_chunked *ck, void *buf, size_t len);

/* s3_chunked_finish reads on to the body's end, which must hold no data. */
enum s3_err s3_chunked_finish(struct s3_chunked *ck);

/* s3_chunked_trailer returns the value of the trailing header name. */
const char *s3_chunked_trailer(const struct s3_chunked *ck, const char *name,
    size_t *len);

/* s3_chunked_free releases the hash context; ck itself is the caller's. */
void s3_chunked_free(struct s3_chunked *ck);

/* s3_chunked_strip_encoding drops "aws-chunked" from a Content-Encoding. */
void s3_chunked_strip_encoding(const char **v, size_t *len);

/*
 * The body of an upload as its handler reads it: as sent, or decoded from
 * aws-chunked.  bd_size is the object's size.  Owned by the worker.
 */
struct s3_body {
	struct http_req		*bd_http;
	struct s3_chunked	*bd_chunked;	/* NULL: the body as sent */
	uint64_t		 bd_size;
	enum s3_err		 bd_err;	/* after a failed read */
};

struct s3_req;

/* s3_body_open chooses the reader for r's x-amz-content-sha256. */
enum s3_err s3_body_open(struct s3_req *r, struct s3_body *bd);

/* s3_body_read reads up to len bytes: count, 0 at the end, -1 (bd_err). */
long s3_body_read(struct s3_body *bd, void *buf, size_t len);

/* s3_body_finish checks the end of the body after bd_size bytes. */
enum s3_err s3_body_finish(struct s3_body *bd);

/* s3_body_trailer_ok tells whether the body may carry a trailer. */
bool s3_body_trailer_ok(const struct s3_body *bd);

/* s3_body_trailer returns a trailing header of the body, or NULL. */
const char *s3_body_trailer(const struct s3_body *bd, const char *name,
    size_t *len);

/* s3_body_close frees the decoder, if any; safe after a failed open. */
void s3_body_close(struct s3_body *bd);

/*
 * s3_body_whole reads a whole small request body (a document of at most
 * max bytes, else too_big) into a new NUL-terminated buffer *out of *len
 * bytes, which the caller frees, decoding aws-chunked.  It checks the
 * body against its Content-MD5, if sent, and the SHA-256 the request
 * signed, if any: InvalidDigest, BadDigest, XAmzContentSHA256Mismatch.
 */
enum s3_err s3_body_whole(struct s3_req *r, size_t max, enum s3_err too_big,
    char **out, size_t *len);

/* s3_checksum.c */

/*
 * The additional checksum of one upload (x-amz-checksum-crc32, -crc32c,
 * -crc64nvme, -sha1 or -sha256): the algorithm the request chose, the
 * value it promised (in a header, or in the trailer of an aws-chunked
 * body) and the digest of the bytes received.  Owned by the request.
 */
struct s3_checksum {
	const struct cksum_alg	*ck_alg;	/* NULL: none asked for */
	bool			 ck_trailer;	/* value in the trailer */
	bool			 ck_trailer_ok;	/* the body may have one */
	bool			 ck_have_want;
	unsigned char		 ck_want[32];
	uint32_t		 ck_crc32;
	uint64_t		 ck_crc64;
	void			*ck_md;		/* EVP_MD_CTX: SHA-1, SHA-256 */
	char			 ck_name[32];	/* "x-amz-checksum-crc32" */
	char			 ck_value[48];	/* base64 of the digest */
	char			 ck_msg[128];	/* why a request was refused */
};

/*
 * s3_checksum_init reads the checksum headers of hr: x-amz-checksum-*,
 * x-amz-trailer (only if trailer_ok: an aws-chunked body with a trailer)
 * and x-amz-sdk-checksum-algorithm.  S3E_INVALID_REQUEST (reason in
 * ck_msg) for a bad value or two algorithms.  Always s3_checksum_free.
 */
enum s3_err s3_checksum_init(struct s3_checksum *ck, const struct http_req *hr,
    bool trailer_ok);

/* s3_checksum_update adds len body bytes to the digest. */
void s3_checksum_update(struct s3_checksum *ck, const void *p, size_t len);

/*
 * s3_checksum_final finishes the digest into ck_name and ck_value and
 * compares it with the value promised, from a header or from trailer
 * (len bytes, as received).  S3E_BAD_DIGEST on a mismatch.
 */
enum s3_err s3_checksum_final(struct s3_checksum *ck, const char *trailer,
    size_t len);

/* s3_checksum_trailer_name names the trailing header to expect, or NULL. */
const char *s3_checksum_trailer_name(const struct s3_checksum *ck);

/* s3_checksum_is_header tells whether a stored header is a checksum. */
bool s3_checksum_is_header(const char *name, size_t len);

/* s3_checksum_crc64nvme continues a CRC-64/NVME (start with 0). */
uint64_t s3_checksum_crc64nvme(uint64_t crc, const void *buf, size_t len);

/* s3_checksum_free releases the digest context (safe after a failed init). */
void s3_checksum_free(struct s3_checksum *ck);

/*
 * s3_checksum_start starts ck on the algorithm named as the SDKs do
 * ("CRC32", ..., "SHA256"), without a request and with no value to
 * check; S3E_INVALID_REQUEST for another name.  Always s3_checksum_free.
 */
enum s3_err s3_checksum_start(struct s3_checksum *ck, const char *sdk,
    size_t len);

/* s3_checksum_sdk and s3_checksum_alg name ck's algorithm ("CRC32",
 * "crc32"); NULL if it has none.  Static strings. */
const char *s3_checksum_sdk(const struct s3_checksum *ck);
const char *s3_checksum_alg(const struct s3_checksum *ck);

/* s3_checksum_len is the length of ck's digest in bytes (0: none). */
size_t s3_checksum_len(const struct s3_checksum *ck);

/* s3_checksum_is_value tells whether a header name is that of a checksum
 * value, x-amz-checksum-<alg> (not -type, -mode or -algorithm). */
bool s3_checksum_is_value(const char *name);

/* s3_checksum_is_crc tells whether ck's algorithm is one of the CRCs. */
bool s3_checksum_is_crc(const struct s3_checksum *ck);

/* s3_checksum_decode decodes the canonical base64 of one digest of ck's
 * algorithm into out (s3_checksum_len bytes); false if it is not one. */
bool s3_checksum_decode(const struct s3_checksum *ck, const char *v,
    size_t len, unsigned char *out);

/*
 * s3_checksum_combine makes acc (the big-endian CRC of some bytes) the
 * CRC of those bytes followed by len more whose CRC is part: the CRC of
 * a whole object from its parts'.  False if ck's algorithm is no CRC.
 */
bool s3_checksum_combine(const struct s3_checksum *ck, unsigned char *acc,
    const unsigned char *part, uint64_t len);
/* s3_object_collect_headers copies the request headers an object keeps
 * (Content-Type, x-amz-meta-*, ...) into rec, pointing into hr. */
enum s3_err s3_object_collect_headers(struct http_req *hr,
    struct msg_objrec *rec);

/* s3_object_receive reads the request body into rec as a PUT does, without
 * committing it: inline (rec->or_data is *buf; the caller frees *buf,
 * whatever the result) or
 * as new shards (rec's layout), which the caller owns and must delete if
 * it does not commit them.  On error nothing is left behind. */
enum s3_err s3_object_receive(struct s3_req *r, struct msg_objrec *rec,
    unsigned char **buf);

/* s3_object_receive_ck is s3_object_receive that also copies the body's
 * checksum (name, value, and why it was refused) into *ck. */
enum s3_err s3_object_receive_ck(struct s3_req *r, struct msg_objrec *rec,
    unsigned char **buf, struct s3_checksum *ck);

/* s3_attributes.c */

/* s3_attributes answers GetObjectAttributes (GET ?attributes): the ETag,
 * checksum, parts, storage class and size x-amz-object-attributes names. */
void s3_attributes(struct s3_req *r);

/* s3_mpck.c */

/*
 * The checksum of one multipart upload: the algorithm and type that
 * CreateMultipartUpload chose (x-amz-checksum-algorithm, -type), kept as
 * headers of the upload's template, and once complete the whole
 * object's.  Owned by the request; always s3_mpck_free.
 */
struct s3_mpck {
	struct s3_checksum	 mk_ck;		/* ck_alg NULL: none */
	bool			 mk_full;	/* else COMPOSITE */
	char			 mk_name[32];	/* x-amz-checksum-<alg> */
	char			 mk_value[64];	/* "-N" if COMPOSITE */
	char			 mk_msg[192];	/* why refused */
};

/* One part as CompleteMultipartUpload lists it: its Checksum<ALG>. */
struct s3_mpck_part {
	char	mp_alg[12];		/* "CRC32", ...; "" if none */
	char	mp_value[PROTO_CKSUMLEN + 1];
};

/* The parts a complete lists, in ascending part number. */
struct s3_mpck_listed {
	const struct msg_upload_ref	*ml_ref;
	uint32_t			 ml_count;
	const uint32_t			*ml_numbers;
	const struct s3_mpck_part	*ml_parts;
};

/*
 * s3_mpck_create reads the checksum headers of a CreateMultipartUpload
 * into m and adds them to the template t (static strings).
 * S3E_INVALID_REQUEST (reason in mk_msg) for a bad or unusable pair.
 */
enum s3_err s3_mpck_create(struct s3_req *r, struct msg_objrec *t,
    struct s3_mpck *m);

/* s3_mpck_load reads the upload's checksum from its template t. */
void s3_mpck_load(struct s3_mpck *m, const struct msg_objrec *t);

/* s3_mpck_has tells whether the upload has a checksum algorithm. */
bool s3_mpck_has(const struct s3_mpck *m);

/*
 * s3_mpck_part_check refuses an UploadPart whose checksum headers are
 * bad or, in an upload with an algorithm, name none or another one
 * (reason in mk_msg).  In an upload without one, any is checked and kept
 * with the part, as the SDKs that send CRC32 by default expect.
 */
enum s3_err s3_mpck_part_check(struct s3_req *r, struct s3_mpck *m);

/*
 * s3_mpck_complete checks the checksums listed in l against the stored
 * ones (InvalidPart; InvalidRequest if a COMPOSITE one lacks one),
 * computes the object's into mk_value, checks it against the request's
 * x-amz-checksum-<alg> (BadDigest) and sets cc's header edits, which
 * point into m.  Nothing to do for an upload without a checksum.
 */
enum s3_err s3_mpck_complete(struct s3_req *r, struct s3_mpck *m,
    const struct s3_mpck_listed *l, struct msg_upload_complete *cc);

/* s3_mpck_xml adds the object's Checksum<ALG> and ChecksumType, if any. */
void s3_mpck_xml(struct s3_xml *x, const struct s3_mpck *m);

/* s3_mpck_upload_xml adds ChecksumAlgorithm and ChecksumType, if any. */
void s3_mpck_upload_xml(struct s3_xml *x, const struct s3_mpck *m);

/* s3_mpck_part_xml adds a part's Checksum<ALG> from its stored header
 * name ("x-amz-checksum-crc32") and value; nothing if value is "". */
void s3_mpck_part_xml(struct s3_xml *x, const char *name, const char *value);

/* s3_mpck_respond_create answers CreateMultipartUpload with the document
 * x and the upload's checksum headers; frees x. */
void s3_mpck_respond_create(struct s3_req *r, const struct s3_mpck *m,
    struct s3_xml *x);

/*
 * s3_mpck_copy_headers drops a COMPOSITE checksum from the headers a copy
 * takes from its source: it describes parts the copy does not have.  A
 * FULL_OBJECT one, of the same bytes, stays.
 */
void s3_mpck_copy_headers(struct msg_objrec *rec);

/* s3_mpck_free releases m's digest context. */
void s3_mpck_free(struct s3_mpck *m);

/* s3_multipart.c */

/* s3_multipart_route runs the request if it is a multipart one (a query
 * with uploads or uploadId) and tells whether it did. */
bool s3_multipart_route(struct s3_req *r);
void s3_multipart_list_uploads(struct s3_req *r);

/*
 * s3_multipart_bucket_drop aborts the uploads of a bucket that holds no
 * object, before DeleteBucket, so that their parts' shards are deleted.
 * Best effort: metad drops any upload left when it deletes the bucket.
 */
void s3_multipart_bucket_drop(struct s3_req *r);

/* s3_multipart_etag writes "hex" or, for nparts > 0, "hex-N" with the
 * quotes into buf (at least 48 bytes). */
void s3_multipart_etag(char *buf, const uint8_t *etag, uint32_t nparts);

/*
 * s3_multipart_stream answers a GET of bytes first..last of a multipart
 * object with status and headers h, reading part after part, a stripe
 * at a time.
 */
void s3_multipart_stream(struct s3_req *r, const struct msg_objrec *rec,
    uint64_t first, uint64_t last, int status, const struct http_hdr_out *h,
    size_t n);

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

/* backend_version.c */

/* backend_ver_put makes p's record the latest version; d tells which
 * version id it got and the record given up (in c's reply). */
int backend_ver_put(struct backend *be, struct rpc_call *c,
    const struct msg_obj_put *p, struct msg_ver_done *d);

/* backend_ver_put_send and backend_ver_put_recv are backend_ver_put in
 * two steps, as backend_ver_get_send and backend_ver_get_recv are. */
void backend_ver_put_send(struct backend *be, struct rpc_call *c,
    const struct msg_obj_put *p, void (*done)(void *), void *arg);
int backend_ver_put_recv(struct rpc_call *c, struct msg_ver_done *d);

/* backend_ver_get reads one version (empty id: the latest), delete
 * markers included; rec points into c's reply. */
int backend_ver_get(struct backend *be, struct rpc_call *c,
    const struct msg_ver_ref *ref, struct msg_objrec *rec);

/* backend_ver_get_send sends the read of backend_ver_get and returns;
 * done(arg) runs on an nng thread once its reply is in, and
 * backend_ver_get_recv then decodes it without waiting. */
void backend_ver_get_send(struct backend *be, struct rpc_call *c,
    const struct msg_ver_ref *ref, void (*done)(void *), void *arg);
int backend_ver_get_recv(struct rpc_call *c, struct msg_objrec *rec);

/* backend_ver_delete_send sends a delete as S3 does it (see
 * msg_ver_ref), with done(arg) called once it is answered as
 * backend_ver_get_send does, unless done is NULL; backend_ver_delete_recv
 * waits for it, and d tells what it did (pointing into c's reply).  Many
 * deletes can be out at once. */
void backend_ver_delete_send(struct backend *be, struct rpc_call *c,
    const struct msg_ver_ref *ref, void (*done)(void *), void *arg);
int backend_ver_delete_recv(struct rpc_call *c, struct msg_ver_done *d);

/* backend_ver_set_hdr sets one stored header of one version. */
int backend_ver_set_hdr(struct backend *be, const struct msg_ver_hdr *h);

/* backend_ver_list runs one ListObjectVersions page; free lr after. */
int backend_ver_list(struct backend *be, struct rpc_call *c,
    const struct msg_ver_list_req *l, struct msg_ver_list_reply *lr);

/* s3_version.c */

/* s3_version_valid tells whether s (len bytes) is a version id we make
 * ("null" or PROTO_VERIDLEN lowercase hex digits). */
bool s3_version_valid(const char *s, size_t len);

/*
 * s3_version_query reads the request's ?versionId into buf
 * (PROTO_VERIDLEN + 1 bytes; empty if absent): S3E_INVALID_VERSION if
 * malformed.
 */
enum s3_err s3_version_query(struct s3_req *r, char *buf);

/* s3_version_note makes the answer carry the version id (if any). */
void s3_version_note(struct s3_req *r, struct proto_str version_id);

/*
 * s3_version_get reads the version the request names (?versionId, else
 * the latest) into rec, in c.  A delete marker, an unknown version or
 * another error is answered here (false); true: rec is an object.
 */
bool s3_version_get(struct s3_req *r, struct rpc_call *c,
    struct msg_objrec *rec);

/*
 * s3_version_get in two halves that do not wait: _send sends the read
 * (false: ?versionId is malformed, nothing sent or answered) and done(arg)
 * runs on an nng thread once the reply is in; _recv then answers like
 * s3_version_get.  vid (PROTO_VERIDLEN + 1 bytes) lives from one to the
 * other.
 */
bool s3_version_get_send(struct s3_req *r, struct rpc_call *c, char *vid,
    void (*done)(void *), void *arg);
bool s3_version_get_recv(struct s3_req *r, struct rpc_call *c,
    const char *vid, struct msg_objrec *rec);

/*
 * s3_version_delete deletes key (version_id empty: as a DELETE without
 * versionId), deletes the shards no record refers to any more, and
 * copies the version id made or removed into vid (PROTO_VERIDLEN + 1
 * bytes) and whether it is a delete marker.
 */
int s3_version_delete(struct s3_req *r, struct proto_str key,
    struct proto_str version_id, char *vid, bool *marker);

/*
 * s3_version_delete in steps, with the call c: _send returns once the
 * delete is sent (done(arg), if not NULL, runs once it is answered);
 * _recv waits for it, fills vid and marker, and d with what it did
 * (pointing into c's reply: rpc_call_fini after); _drop then deletes the
 * shards of the record given up, which may wait, if _drops says it has
 * any.
 */
void s3_version_delete_send(struct s3_req *r, struct rpc_call *c,
    struct proto_str key, struct proto_str version_id,
    void (*done)(void *), void *arg);
int s3_version_delete_recv(struct rpc_call *c, struct msg_ver_done *d,
    char *vid, bool *marker);
bool s3_version_delete_drops(const struct msg_ver_done *d);
void s3_version_delete_drop(struct s3_req *r, const struct msg_ver_done *d);

/* s3_version_headers adds x-amz-version-id, x-amz-delete-marker and a
 * marker's Last-Modified, as noted on r; returns how many (up to 3). */
size_t s3_version_headers(struct s3_req *r, struct http_hdr_out *hdrs);

/*
 * s3_version_set_hdr sets the stored header name (value empty: removes
 * it) of the version the request names (?versionId, else the latest).
 * CAIRN_EINVAL for a malformed versionId.
 */
int s3_version_set_hdr(struct s3_req *r, const char *name, const char *value);

/* Get/PutBucketVersioning (?versioning). */
void s3_versioning_get(struct s3_req *r);
void s3_versioning_put(struct s3_req *r);

/* s3_version_list answers GET ?versions (ListObjectVersions). */
void s3_version_list(struct s3_req *r);

/* s3_lock_xml.c */

#define S3_LOCK_BODYMAX	4096	/* an object lock document */
#define S3_LOCK_LEAVES	8	/* leaf elements of one */

/*
 * An object lock document as its leaf elements: each one's path from the
 * root ("Retention/Mode") and text.  Owned by the request reading it.
 */
struct s3_lock_doc {
	int	 ld_n;
	char	 ld_name[S3_LOCK_LEAVES][128];
	char	 ld_value[S3_LOCK_LEAVES][64];
	/* parser state */
	char	 ld_path[128];
	size_t	 ld_plen;
	char	 ld_text[64];
	size_t	 ld_textlen;
	bool	 ld_bad;
};

/* s3_lock_doc_parse reads body into d; false if it is no such document. */
bool s3_lock_doc_parse(struct s3_lock_doc *d, const char *body, size_t len);

/* s3_lock_doc_get returns the text at path, or NULL. */
const char *s3_lock_doc_get(const struct s3_lock_doc *d, const char *path);

/* s3_lock_read_body reads and parses the request's (bounded) body. */
enum s3_err s3_lock_read_body(struct s3_req *r, struct s3_lock_doc *d);

/* s3_lock.c */

/* s3_lock_bypass tells whether x-amz-bypass-governance-retention: true. */
bool s3_lock_bypass(struct s3_req *r);

/* s3_lock_bucket_create turns object lock (and versioning) on in b if
 * the CreateBucket request asks for it. */
void s3_lock_bucket_create(struct s3_req *r, struct msg_bucket *b);

/*
 * s3_lock_from_request checks the x-amz-object-lock-* headers of a PUT
 * and adds them to rec's stored headers (pointing at the request).
 */
enum s3_err s3_lock_from_request(struct s3_req *r, struct msg_objrec *rec);

/* Get/PutObjectLockConfiguration (?object-lock on a bucket). */
void s3_lock_config_get(struct s3_req *r);
void s3_lock_config_put(struct s3_req *r);

/* Get/PutObjectRetention and Get/PutObjectLegalHold (?retention and
 * ?legal-hold on an object version). */
void s3_lock_retention_get(struct s3_req *r);
void s3_lock_retention_put(struct s3_req *r);
void s3_lock_hold_get(struct s3_req *r);
void s3_lock_hold_put(struct s3_req *r);

#endif
