/* s3_authz.c - may this principal do this: ownership, policy, ACLs */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "gatewayd.h"
#include "log.h"
#include "util.h"

/*
 * The IAM action of a request on a subresource, by method.  NULL where
 * the method means nothing there (the handler refuses it).
 */
struct authz_row {
	const char	*ar_sub;
	const char	*ar_get;	/* and HEAD */
	const char	*ar_put;
	const char	*ar_delete;
	const char	*ar_post;
};

static const struct authz_row bucket_rows[] = {
	{ "policy", "s3:GetBucketPolicy", "s3:PutBucketPolicy",
	    "s3:DeleteBucketPolicy", NULL },
	{ "acl", "s3:GetBucketAcl", "s3:PutBucketAcl", NULL, NULL },
	{ "tagging", "s3:GetBucketTagging", "s3:PutBucketTagging",
	    "s3:PutBucketTagging", NULL },
	{ "cors", "s3:GetBucketCORS", "s3:PutBucketCORS", "s3:PutBucketCORS",
	    NULL },
	{ "versioning", "s3:GetBucketVersioning", "s3:PutBucketVersioning",
	    NULL, NULL },
	{ "lifecycle", "s3:GetLifecycleConfiguration",
	    "s3:PutLifecycleConfiguration", "s3:PutLifecycleConfiguration",
	    NULL },
	{ "notification", "s3:GetBucketNotification",
	    "s3:PutBucketNotification", NULL, NULL },
	{ "replication", "s3:GetReplicationConfiguration",
	    "s3:PutReplicationConfiguration", "s3:PutReplicationConfiguration",
	    NULL },
	{ "object-lock", "s3:GetBucketObjectLockConfiguration",
	    "s3:PutBucketObjectLockConfiguration", NULL, NULL },
	{ "encryption", "s3:GetEncryptionConfiguration",
	    "s3:PutEncryptionConfiguration", "s3:PutEncryptionConfiguration",
	    NULL },
	{ "website", "s3:GetBucketWebsite", "s3:PutBucketWebsite",
	    "s3:DeleteBucketWebsite", NULL },
	{ "logging", "s3:GetBucketLogging", "s3:PutBucketLogging", NULL, NULL },
	{ "policyStatus", "s3:GetBucketPolicyStatus", NULL, NULL, NULL },
	{ "versions", "s3:ListBucketVersions", NULL, NULL, NULL },
	{ "uploads", "s3:ListBucketMultipartUploads", NULL, NULL, NULL },
	{ "location", "s3:GetBucketLocation", NULL, NULL, NULL },
	{ "delete", NULL, NULL, NULL, "s3:DeleteObject" },
	{ NULL, "s3:ListBucket", "s3:CreateBucket", "s3:DeleteBucket", NULL },
};

static const struct authz_row object_rows[] = {
	{ "uploadId", "s3:ListMultipartUploadParts", "s3:PutObject",
	    "s3:AbortMultipartUpload", "s3:PutObject" },
	{ "uploads", NULL, NULL, NULL, "s3:PutObject" },
	{ "tagging", "s3:GetObjectTagging", "s3:PutObjectTagging",
	    "s3:DeleteObjectTagging", NULL },
	{ "acl", "s3:GetObjectAcl", "s3:PutObjectAcl", NULL, NULL },
	{ "retention", "s3:GetObjectRetention", "s3:PutObjectRetention", NULL,
	    NULL },
	{ "legal-hold", "s3:GetObjectLegalHold", "s3:PutObjectLegalHold",
	    NULL, NULL },
	{ "attributes", "s3:GetObjectAttributes", NULL, NULL, NULL },
	{ "restore", NULL, NULL, NULL, "s3:RestoreObject" },
	{ NULL, "s3:GetObject", "s3:PutObject", "s3:DeleteObject", NULL },
};

/* An action no policy names: only "*" and "s3:*" match it. */
#define ACTION_OTHER	"s3:Other"

/* The principal's view of one bucket, as the decision needs it. */
struct authz_bucket {
	bool	ab_exists;
	bool	ab_owner;	/* root, or the user that owns it */
	uint8_t	ab_acl;
	char	ab_owner_id[PROTO_OWNERMAX + 1];	/* empty: root */
};

/* version_of names the action on one version (?versionId) as AWS does. */
static const char *
version_of(const struct s3_req *r, const char *a)
{
	if (r->sr_key.ps_len == 0 || !s3_query_has(r->sr_http, "versionId"))
		return a;
	if (strcmp(a, "s3:GetObject") == 0)
		return "s3:GetObjectVersion";
	if (strcmp(a, "s3:DeleteObject") == 0)
		return "s3:DeleteObjectVersion";
	return a;
}

const char *
s3_authz_action(const struct s3_req *r)
{
	const struct authz_row *row;
	const char *a;

	if (r->sr_bucket.ps_len == 0)
		return "s3:ListAllMyBuckets";
	row = r->sr_key.ps_len == 0 ? bucket_rows : object_rows;
	while (row->ar_sub != NULL && !s3_query_has(r->sr_http, row->ar_sub))
		row++;
	if (s3_method_is(r, "GET") || s3_method_is(r, "HEAD"))
		a = row->ar_get;
	else if (s3_method_is(r, "PUT"))
		a = row->ar_put;
	else if (s3_method_is(r, "DELETE"))
		a = row->ar_delete;
	else
		a = s3_method_is(r, "POST") ? row->ar_post : NULL;
	return a != NULL ? version_of(r, a) : ACTION_OTHER;
}

/* header_copy copies a request header into buf; NULL if absent. */
static const char *
header_copy(const struct s3_req *r, const char *name, char *buf, size_t len)
{
	const char *v;
	size_t n;

	if ((v = http_header(r->sr_http, name, &n)) == NULL)
		return NULL;
	snprintf(buf, len, "%.*s", (int)n, v);
	return buf;
}

/* The strings a policy context points at, owned by the caller's stack. */
struct authz_strs {
	char	as_resource[PROTO_KEYMAX + PROTO_BUCKETMAX + 32];
	char	as_prefix[PROTO_KEYMAX + 1];
	char	as_delimiter[64];
	char	as_max_keys[16];
	char	as_acl[32];
	char	as_referer[512];
	char	as_agent[512];
};

static void
ctx_fill(const struct s3_req *r, struct proto_str bucket, struct proto_str key,
    const char *action, struct authz_strs *s, struct s3_policy_ctx *c)
{
	const struct http_req *hr = r->sr_http;

	memset(c, 0, sizeof(*c));
	snprintf(s->as_resource, sizeof(s->as_resource), "arn:aws:s3:::%.*s%s%.*s",
	    (int)bucket.ps_len, bucket.ps_ptr, key.ps_len > 0 ? "/" : "",
	    (int)key.ps_len, key.ps_ptr);
	c->pc_who = &r->sr_who;
	c->pc_action = action;
	c->pc_resource = s->as_resource;
	c->pc_ip = hr->hr_peer;
	c->pc_tls = hr->hr_tls;
	if (s3_query_get(hr, "prefix", s->as_prefix, sizeof(s->as_prefix)) >= 0)
		c->pc_prefix = s->as_prefix;
	if (s3_query_get(hr, "delimiter", s->as_delimiter,
	    sizeof(s->as_delimiter)) >= 0)
		c->pc_delimiter = s->as_delimiter;
	if (s3_query_get(hr, "max-keys", s->as_max_keys,
	    sizeof(s->as_max_keys)) >= 0)
		c->pc_max_keys = s->as_max_keys;
	c->pc_acl = header_copy(r, "x-amz-acl", s->as_acl, sizeof(s->as_acl));
	c->pc_referer = header_copy(r, "referer", s->as_referer,
	    sizeof(s->as_referer));
	c->pc_user_agent = header_copy(r, "user-agent", s->as_agent,
	    sizeof(s->as_agent));
}

/* bucket_load reads what the decision needs of a bucket. */
static int
bucket_load(struct s3_req *r, struct proto_str name, struct authz_bucket *ab)
{
	struct backend_bucket bi;
	int rc;

	memset(ab, 0, sizeof(*ab));
	rc = backend_bucket_info(&r->sr_env->gw_backend, name, &bi);
	if (rc == 0) {
		ab->ab_exists = true;
		ab->ab_acl = bi.bb_rec.b_acl;
		snprintf(ab->ab_owner_id, sizeof(ab->ab_owner_id), "%s",
		    bi.bb_owner);
		ab->ab_owner = r->sr_who.w_kind == S3_WHO_ROOT ||
		    (r->sr_who.w_kind == S3_WHO_USER &&
		    strcmp(ab->ab_owner_id, r->sr_who.w_id) == 0);
	}
	return rc == CAIRN_ENOBUCKET ? 0 : rc;
}

/* policy_effect evaluates bucket's policy, if any, for the request. */
static enum s3_policy_effect
policy_effect(struct s3_req *r, struct proto_str bucket, struct proto_str key,
    const char *action)
{
	enum s3_policy_effect eff = POLICY_NONE;
	struct s3_policy_ctx ctx;
	struct authz_strs *s;
	char *doc;
	size_t len;
	int rc;

	rc = s3_policy_get(r->sr_env, bucket, &doc, &len);
	if (rc == CAIRN_ENOBUCKET)	/* just deleted: the handler says so */
		return POLICY_NONE;
	if (rc != 0) {
		/* Failing closed: a policy that cannot be read may deny. */
		if (rc != CAIRN_ENOWAIT)	/* the loop asks a worker */
			log_warnx("%s: bucket policy: %s", r->sr_http->hr_id,
			    cairn_strerror(rc));
		return POLICY_DENY;
	}
	if (doc == NULL)
		return POLICY_NONE;
	if ((s = malloc(sizeof(*s))) != NULL) {
		ctx_fill(r, bucket, key, action, s, &ctx);
		eff = s3_policy_eval(doc, len, &ctx);
		free(s);
	} else
		eff = POLICY_DENY;
	free(doc);
	return eff;
}

/* object_acl_allows tells whether the object's own ACL grants action. */
static bool
object_acl_allows(struct s3_req *r, struct proto_str bucket,
    struct proto_str key, const char *action)
{
	struct msg_objrec *rec;
	struct rpc_call c;
	bool ok = false;

	if (key.ps_len == 0 || (strcmp(action, "s3:GetObject") != 0 &&
	    strcmp(action, "s3:GetObjectVersion") != 0) ||
	    (rec = malloc(sizeof(*rec))) == NULL)
		return false;
	if (backend_obj_get(&r->sr_env->gw_backend, &c, bucket, key, rec) == 0)
		ok = s3_acl_allows(s3_acl_of_object(rec), &r->sr_who, action,
		    true);
	rpc_call_fini(&c);
	free(rec);
	return ok;
}

static bool
is_policy_action(const char *action)
{
	return strcmp(action, "s3:GetBucketPolicy") == 0 ||
	    strcmp(action, "s3:PutBucketPolicy") == 0 ||
	    strcmp(action, "s3:DeleteBucketPolicy") == 0;
}

/* decide runs the evaluation for action on bucket/key: explicit deny,
 * then ownership, policy allow and ACLs, else deny. */
static enum s3_err
decide(struct s3_req *r, struct proto_str bucket, struct proto_str key,
    const char *action, const struct authz_bucket *ab)
{
	enum s3_policy_effect eff;

	eff = policy_effect(r, bucket, key, action);
	if (eff == POLICY_DENY)
		return r->sr_who.w_kind == S3_WHO_ROOT &&
		    is_policy_action(action) ? S3E_NONE : S3E_ACCESS_DENIED;
	if (ab->ab_owner || eff == POLICY_ALLOW ||
	    s3_acl_allows(ab->ab_acl, &r->sr_who, action, false) ||
	    object_acl_allows(r, bucket, key, action))
		return S3E_NONE;
	return S3E_ACCESS_DENIED;
}

/* set_owner shows the bucket's owner in listings and ACLs of r. */
static void
set_owner(struct s3_req *r, const struct authz_bucket *ab)
{
	if (ab->ab_owner_id[0] == '\0') {
		users_root_id(r->sr_env, r->sr_owner_id);
		snprintf(r->sr_owner_name, sizeof(r->sr_owner_name), "root");
		return;
	}
	snprintf(r->sr_owner_id, sizeof(r->sr_owner_id), "%s", ab->ab_owner_id);
	snprintf(r->sr_owner_name, sizeof(r->sr_owner_name), "%s",
	    strcmp(ab->ab_owner_id, r->sr_who.w_id) == 0 ? r->sr_who.w_name :
	    ab->ab_owner_id);
}

/*
 * copy_source_authz checks that the principal may read the source of a
 * CopyObject or UploadPartCopy ("bucket/key", URL-encoded, maybe with
 * "?versionId=").  A source that does not exist is left to the handler.
 */
static enum s3_err
copy_source_authz(struct s3_req *r)
{
	struct proto_str b, k;
	struct authz_bucket ab;
	const char *v, *q, *slash;
	char *dec;
	size_t len;
	long n;
	enum s3_err e = S3E_NONE;

	if ((v = http_header(r->sr_http, "x-amz-copy-source", &len)) == NULL)
		return S3E_NONE;
	if ((q = memchr(v, '?', len)) != NULL)
		len = (size_t)(q - v);
	if (len > 0 && v[0] == '/') {
		v++;
		len--;
	}
	if ((dec = malloc(len + 1)) == NULL)
		return S3E_SLOW_DOWN;
	if ((n = util_pct_decode(v, len, dec, len + 1, false)) > 0 &&
	    (slash = memchr(dec, '/', (size_t)n)) != NULL &&
	    slash - dec <= PROTO_BUCKETMAX) {
		b = (struct proto_str){ dec, (size_t)(slash - dec) };
		k = (struct proto_str){ slash + 1, (size_t)n - b.ps_len - 1 };
		if (bucket_load(r, b, &ab) != 0)
			e = S3E_SERVICE_UNAVAILABLE;
		else if (ab.ab_exists)
			e = decide(r, b, k, "s3:GetObject", &ab);
	}
	free(dec);
	return e;
}

enum s3_err
s3_authz_key(struct s3_req *r, struct proto_str key, const char *action)
{
	struct authz_bucket ab;

	if (bucket_load(r, r->sr_bucket, &ab) != 0)
		return S3E_ACCESS_DENIED;
	if (!ab.ab_exists)	/* the delete itself says NoSuchBucket */
		return S3E_NONE;
	return decide(r, r->sr_bucket, key, action, &ab);
}

/* many_keys tells whether r names its keys in the body (DeleteObjects):
 * those are decided one by one, with s3_authz_key. */
static bool
many_keys(const struct s3_req *r)
{
	return r->sr_key.ps_len == 0 && s3_method_is(r, "POST") &&
	    s3_query_has(r->sr_http, "delete");
}

bool
s3_authz_owns(const struct s3_req *r, const struct msg_bucket *b)
{
	if (r->sr_who.w_kind == S3_WHO_ROOT)
		return true;
	return r->sr_who.w_kind == S3_WHO_USER &&
	    proto_str_eq(b->b_owner, r->sr_who.w_id);
}

enum s3_err
s3_authz(struct s3_req *r)
{
	const char *action = s3_authz_action(r);
	struct authz_bucket ab;
	enum s3_err e;
	int rc;

	snprintf(r->sr_owner_id, sizeof(r->sr_owner_id), "%s", r->sr_who.w_id);
	snprintf(r->sr_owner_name, sizeof(r->sr_owner_name), "%s",
	    r->sr_who.w_name);
	if (r->sr_bucket.ps_len == 0)
		return r->sr_who.w_kind == S3_WHO_ANON ? S3E_ACCESS_DENIED :
		    S3E_NONE;
	if ((rc = bucket_load(r, r->sr_bucket, &ab)) != 0)
		return s3_error_from(rc);
	/* A missing bucket has no policy or ACL that could let anonymous
	 * requests in; others learn NoSuchBucket from the handler. */
	if (!ab.ab_exists)
		return r->sr_who.w_kind == S3_WHO_ANON ? S3E_ACCESS_DENIED :
		    S3E_NONE;
	set_owner(r, &ab);
	if (strcmp(action, "s3:CreateBucket") == 0)
		return ab.ab_owner ? S3E_NONE : S3E_BUCKET_TAKEN;
	if (many_keys(r))
		return S3E_NONE;
	if ((e = decide(r, r->sr_bucket, r->sr_key, action, &ab)) != S3E_NONE)
		return e;
	return s3_method_is(r, "PUT") && r->sr_key.ps_len > 0 ?
	    copy_source_authz(r) : S3E_NONE;
}
