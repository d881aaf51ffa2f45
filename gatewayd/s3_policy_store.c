/* s3_policy_store.c - bucket policies in metad: a short cache and ?policy */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "gatewayd.h"
#include "log.h"
#include "util.h"

int
s3_policy_init(struct gatewayd *env)
{
	env->gw_policies = calloc(1, sizeof(*env->gw_policies));
	if (env->gw_policies == NULL)
		return CAIRN_ENOMEM;
	pthread_mutex_init(&env->gw_policies->pc_lock, NULL);
	return 0;
}

static struct s3_policy_entry *
slot_of(struct s3_policy_cache *pc, struct proto_str bucket)
{
	return &pc->pc_slot[util_hash(bucket.ps_ptr, bucket.ps_len) %
	    POLICY_SLOTS];
}

/* dup copies len bytes (NULL stays NULL); false if out of memory. */
static bool
dup(const char *src, size_t len, char **out)
{
	*out = NULL;
	if (src == NULL)
		return true;
	if ((*out = malloc(len + 1)) == NULL)
		return false;
	memcpy(*out, src, len);
	(*out)[len] = '\0';
	return true;
}

/* cached copies a fresh cached answer for bucket; false if none. */
static bool
cached(struct s3_policy_cache *pc, struct proto_str bucket, char **doc,
    size_t *len, bool *ok)
{
	struct s3_policy_entry *e;
	bool hit;

	pthread_mutex_lock(&pc->pc_lock);
	e = slot_of(pc, bucket);
	hit = proto_str_eq(bucket, e->pe_bucket) &&
	    e->pe_expires_ms > util_mono_ms();
	if (hit) {
		*ok = dup(e->pe_doc, e->pe_len, doc);
		*len = e->pe_len;
	}
	pthread_mutex_unlock(&pc->pc_lock);
	return hit;
}

/* remember stores the answer for bucket (doc NULL: no policy). */
static void
remember(struct s3_policy_cache *pc, struct proto_str bucket, const char *doc,
    size_t len)
{
	struct s3_policy_entry *e;
	char *copy;

	if (!dup(doc, len, &copy))
		return;
	pthread_mutex_lock(&pc->pc_lock);
	e = slot_of(pc, bucket);
	free(e->pe_doc);
	snprintf(e->pe_bucket, sizeof(e->pe_bucket), "%.*s",
	    (int)bucket.ps_len, bucket.ps_ptr);
	e->pe_doc = copy;
	e->pe_len = len;
	e->pe_expires_ms = util_mono_ms() + POLICY_TTL_MS;
	pthread_mutex_unlock(&pc->pc_lock);
}

/* forget drops the cached answer for bucket after this gateway changed it. */
static void
forget(struct s3_policy_cache *pc, struct proto_str bucket)
{
	struct s3_policy_entry *e;

	pthread_mutex_lock(&pc->pc_lock);
	e = slot_of(pc, bucket);
	if (proto_str_eq(bucket, e->pe_bucket))
		e->pe_expires_ms = 0;
	pthread_mutex_unlock(&pc->pc_lock);
}

int
s3_policy_get(struct gatewayd *env, struct proto_str bucket, char **doc,
    size_t *len)
{
	struct msg_bconf bc = { bucket, proto_str_c(BCONF_POLICY), { "", 0 } };
	struct rpc_call c;
	bool ok = true;
	int rc;

	*doc = NULL;
	*len = 0;
	if (cached(env->gw_policies, bucket, doc, len, &ok))
		return ok ? 0 : CAIRN_ENOMEM;
	rc = backend_bconf(&env->gw_backend, &c, MSG_META_BCONF_GET, &bc);
	if (rc == 0 && !dup(bc.bc_value.ps_ptr, bc.bc_value.ps_len, doc))
		rc = CAIRN_ENOMEM;
	rpc_call_fini(&c);
	if (rc == CAIRN_ENOCONF)
		rc = 0;
	if (rc == 0) {
		*len = *doc != NULL ? bc.bc_value.ps_len : 0;
		remember(env->gw_policies, bucket, *doc, *len);
	}
	return rc;
}

/* --- ?policy ----------------------------------------------------------------- */

void
s3_bucket_policy_get(struct s3_req *r)
{
	struct http_hdr_out hdrs[3];
	char *doc;
	size_t len, n;
	int rc;

	if ((rc = s3_policy_get(r->sr_env, r->sr_bucket, &doc, &len)) != 0) {
		s3_fail_rc(r, rc);
		return;
	}
	if (doc == NULL) {
		s3_fail(r, S3E_NO_SUCH_POLICY, NULL);
		return;
	}
	n = s3_common_headers(r, hdrs);
	hdrs[n].ho_name = "content-type";
	hdrs[n++].ho_value = "application/json";
	(void)http_respond(r->sr_http, 200, hdrs, n, doc, len);
	free(doc);
}

/* read_doc reads the policy of a PUT, at most POLICY_MAX + 1 bytes. */
static enum s3_err
read_doc(struct s3_req *r, char *buf, size_t *len)
{
	struct s3_body bd;
	enum s3_err e;
	long n = 0;

	*len = 0;
	if ((e = s3_body_open(r, &bd)) != S3E_NONE)
		return e;
	while (*len <= POLICY_MAX && (n = s3_body_read(&bd, buf + *len,
	    POLICY_MAX + 1 - *len)) > 0)
		*len += (size_t)n;
	if (n < 0)
		e = bd.bd_err;
	else if (*len <= POLICY_MAX)
		e = s3_body_finish(&bd);
	s3_body_close(&bd);
	return e;
}

void
s3_bucket_policy_put(struct s3_req *r)
{
	struct msg_bconf bc = { r->sr_bucket, proto_str_c(BCONF_POLICY),
	    { "", 0 } };
	struct rpc_call c;
	const char *msg = NULL;
	char *doc;
	size_t len;
	enum s3_err e;
	int rc;

	if ((doc = malloc(POLICY_MAX + 1)) == NULL) {
		s3_fail(r, S3E_SLOW_DOWN, NULL);
		return;
	}
	if ((e = read_doc(r, doc, &len)) != S3E_NONE ||
	    (e = s3_policy_validate(doc, len, r->sr_bucket, &msg)) !=
	    S3E_NONE) {
		free(doc);
		s3_fail(r, e, msg);
		return;
	}
	bc.bc_value.ps_ptr = doc;
	bc.bc_value.ps_len = len;
	rc = backend_bconf(&r->sr_env->gw_backend, &c, MSG_META_BCONF_PUT, &bc);
	rpc_call_fini(&c);
	free(doc);
	forget(r->sr_env->gw_policies, r->sr_bucket);
	s3_respond_rc(r, rc, 204);
}

void
s3_bucket_policy_delete(struct s3_req *r)
{
	struct msg_bconf bc = { r->sr_bucket, proto_str_c(BCONF_POLICY),
	    { "", 0 } };
	struct rpc_call c;
	int rc;

	rc = backend_bconf(&r->sr_env->gw_backend, &c, MSG_META_BCONF_DELETE,
	    &bc);
	rpc_call_fini(&c);
	forget(r->sr_env->gw_policies, r->sr_bucket);
	s3_respond_rc(r, rc, 204);
}
