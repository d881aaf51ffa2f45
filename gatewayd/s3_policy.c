/* s3_policy.c - bucket policies: validation, evaluation, cache, ?policy */
#include "config.h"

#include <arpa/inet.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "errors.h"
#include "gatewayd.h"
#include "log.h"
#include "util.h"

#define ARN_S3	"arn:aws:s3:::"

/*
 * The S3 actions a policy may name.  Those gatewayd serves come from
 * s3_authz_action; the others are accepted so that a policy written for
 * AWS validates, and simply never match a request here.
 */
static const char *const known_actions[] = {
	"s3:AbortMultipartUpload", "s3:CreateBucket", "s3:DeleteBucket",
	"s3:DeleteBucketPolicy", "s3:DeleteObject", "s3:DeleteObjectTagging",
	"s3:DeleteObjectVersion", "s3:DeleteObjectVersionTagging",
	"s3:GetBucketAcl", "s3:GetBucketCORS", "s3:GetBucketLocation",
	"s3:GetBucketLogging", "s3:GetBucketNotification",
	"s3:GetBucketObjectLockConfiguration", "s3:GetBucketPolicy",
	"s3:GetBucketPolicyStatus", "s3:GetBucketTagging",
	"s3:GetBucketVersioning", "s3:GetBucketWebsite",
	"s3:GetEncryptionConfiguration", "s3:GetLifecycleConfiguration",
	"s3:GetObject", "s3:GetObjectAcl", "s3:GetObjectAttributes",
	"s3:GetObjectLegalHold", "s3:GetObjectRetention",
	"s3:GetObjectTagging", "s3:GetObjectVersion",
	"s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging",
	"s3:GetReplicationConfiguration", "s3:ListAllMyBuckets",
	"s3:ListBucket", "s3:ListBucketMultipartUploads",
	"s3:ListBucketVersions", "s3:ListMultipartUploadParts",
	"s3:PutBucketAcl", "s3:PutBucketCORS", "s3:PutBucketLogging",
	"s3:PutBucketNotification", "s3:PutBucketObjectLockConfiguration",
	"s3:PutBucketPolicy", "s3:PutBucketTagging", "s3:PutBucketVersioning",
	"s3:PutBucketWebsite", "s3:PutEncryptionConfiguration",
	"s3:PutLifecycleConfiguration", "s3:PutObject", "s3:PutObjectAcl",
	"s3:PutObjectLegalHold", "s3:PutObjectRetention",
	"s3:PutObjectTagging", "s3:PutObjectVersionAcl",
	"s3:PutObjectVersionTagging", "s3:PutReplicationConfiguration",
	"s3:BypassGovernanceRetention", "s3:RestoreObject",
	"s3:ReplicateObject", "s3:ReplicateDelete", NULL
};

/* The condition operators understood, each also with "IfExists". */
static const char *const known_ops[] = {
	"StringEquals", "StringNotEquals", "StringEqualsIgnoreCase",
	"StringNotEqualsIgnoreCase", "StringLike", "StringNotLike",
	"IpAddress", "NotIpAddress", "Bool", "Null", NULL
};

/* --- matching ------------------------------------------------------------------ */

/* wild matches s against pat, where '*' is any run and '?' one byte. */
static bool
wild(const char *pat, const char *s, bool icase)
{
	const char *star = NULL, *back = NULL;

	while (*s != '\0') {
		if (*pat == '*') {
			star = pat++;
			back = s;
		} else if (*pat == '?' || *pat == *s || (icase &&
		    tolower((unsigned char)*pat) == tolower((unsigned char)*s))) {
			pat++;
			s++;
		} else if (star != NULL) {
			pat = star + 1;
			s = ++back;
		} else
			return false;
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

/* scalar tells whether v is a string, or a boolean or number that AWS
 * takes as its text (a condition value such as false or 10). */
static bool
scalar(json_object *v)
{
	return json_object_is_type(v, json_type_string) ||
	    json_object_is_type(v, json_type_boolean) ||
	    json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_double);
}

/* any_string calls fn on v, a scalar or an array of them, until it
 * returns true; false if v holds anything else. */
static bool
any_string(json_object *v, bool (*fn)(const char *, const void *),
    const void *arg)
{
	size_t i, n;

	if (scalar(v))
		return fn(json_object_get_string(v), arg);
	if (!json_object_is_type(v, json_type_array))
		return false;
	n = json_object_array_length(v);
	for (i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(v, i);

		if (scalar(e) && fn(json_object_get_string(e), arg))
			return true;
	}
	return false;
}

/* principal_is tells whether p names the request's principal. */
static bool
principal_is(const char *p, const void *arg)
{
	const struct s3_who *who = arg;
	const char *slash;
	size_t n = strlen(p);

	if (strcmp(p, "*") == 0)
		return true;
	if (who->w_kind == S3_WHO_ANON)
		return false;
	if (strcmp(p, who->w_id) == 0)
		return true;
	if (who->w_kind == S3_WHO_ROOT)
		return strcmp(p, "root") == 0 ||
		    (strncmp(p, "arn:aws:iam::", 13) == 0 && n > 5 &&
		    strcmp(p + n - 5, ":root") == 0);
	if (strcmp(p, who->w_name) == 0)
		return true;
	slash = strrchr(p, '/');
	return strncmp(p, "arn:aws:iam::", 13) == 0 && slash != NULL &&
	    strstr(p, ":user/") != NULL && strcmp(slash + 1, who->w_name) == 0;
}

/* principal_match applies Principal (or, negated, NotPrincipal). */
static bool
principal_match(json_object *p, const struct s3_who *who)
{
	json_object *v;

	if (json_object_is_type(p, json_type_string))
		return principal_is(json_object_get_string(p), who);
	if (!json_object_is_type(p, json_type_object))
		return false;
	if (json_object_object_get_ex(p, "AWS", &v) &&
	    any_string(v, principal_is, who))
		return true;
	return json_object_object_get_ex(p, "CanonicalUser", &v) &&
	    any_string(v, principal_is, who);
}

static bool
action_is(const char *pat, const void *action)
{
	return wild(pat, action, true);
}

static bool
resource_is(const char *pat, const void *resource)
{
	return wild(pat, resource, false);
}

/* --- conditions ---------------------------------------------------------------- */

/* cond_value returns the request's value of a condition key, or NULL. */
static const char *
cond_value(const struct s3_policy_ctx *c, const char *key)
{
	static const char *const types[] = { "Anonymous", "Account", "User" };

	if (strcasecmp(key, "aws:SourceIp") == 0)
		return c->pc_ip;
	if (strcasecmp(key, "aws:SecureTransport") == 0)
		return c->pc_tls ? "true" : "false";
	if (strcasecmp(key, "aws:PrincipalType") == 0)
		return types[c->pc_who->w_kind];
	if (strcasecmp(key, "aws:username") == 0)
		return c->pc_who->w_kind == S3_WHO_USER ? c->pc_who->w_name :
		    NULL;
	if (strcasecmp(key, "aws:userid") == 0)
		return c->pc_who->w_kind != S3_WHO_ANON ? c->pc_who->w_id : NULL;
	if (strcasecmp(key, "s3:prefix") == 0)
		return c->pc_prefix;
	if (strcasecmp(key, "s3:delimiter") == 0)
		return c->pc_delimiter;
	if (strcasecmp(key, "s3:max-keys") == 0)
		return c->pc_max_keys;
	if (strcasecmp(key, "s3:x-amz-acl") == 0)
		return c->pc_acl;
	if (strcasecmp(key, "aws:Referer") == 0)
		return c->pc_referer;
	if (strcasecmp(key, "aws:UserAgent") == 0)
		return c->pc_user_agent;
	return NULL;
}

/* cidr_match tells whether address ip is inside cidr ("10.0.0.0/8"). */
static bool
cidr_match(const char *cidr, const char *ip)
{
	unsigned char net[16], addr[16];
	char buf[64], *slash;
	int af, bits, i;

	snprintf(buf, sizeof(buf), "%s", cidr);
	af = strchr(buf, ':') != NULL ? AF_INET6 : AF_INET;
	/* An IPv4 client of a dual-stack socket shows as ::ffff:a.b.c.d. */
	if (af == AF_INET && strncasecmp(ip, "::ffff:", 7) == 0 &&
	    strchr(ip, '.') != NULL)
		ip += 7;
	bits = af == AF_INET ? 32 : 128;
	if ((slash = strchr(buf, '/')) != NULL) {
		*slash = '\0';
		bits = atoi(slash + 1);
	}
	if (inet_pton(af, buf, net) != 1 || inet_pton(af, ip, addr) != 1 ||
	    bits < 0 || bits > (af == AF_INET ? 32 : 128))
		return false;
	for (i = 0; bits >= 8; i++, bits -= 8)
		if (net[i] != addr[i])
			return false;
	return bits == 0 ||
	    ((net[i] ^ addr[i]) & (0xff << (8 - bits)) & 0xff) == 0;
}

/* The negated operators and the test each negates. */
static const char *const negated[][2] = {
	{ "StringNotEquals", "StringEquals" },
	{ "StringNotEqualsIgnoreCase", "StringEqualsIgnoreCase" },
	{ "StringNotLike", "StringLike" },
	{ "NotIpAddress", "IpAddress" },
	{ NULL, NULL }
};

/* One condition test: an operator's base name and the request's value. */
struct cond_test {
	const char	*ct_op;		/* without "Not" and "IfExists" */
	const char	*ct_value;
};

static bool
cond_one(const char *want, const void *arg)
{
	const struct cond_test *t = arg;

	if (strcmp(t->ct_op, "StringEquals") == 0)
		return strcmp(want, t->ct_value) == 0;
	if (strcmp(t->ct_op, "StringEqualsIgnoreCase") == 0)
		return strcasecmp(want, t->ct_value) == 0;
	if (strcmp(t->ct_op, "StringLike") == 0)
		return wild(want, t->ct_value, false);
	if (strcmp(t->ct_op, "IpAddress") == 0)
		return cidr_match(want, t->ct_value);
	if (strcmp(t->ct_op, "Bool") == 0)
		return strcasecmp(want, t->ct_value) == 0;
	return false;
}

/*
 * cond_op_match applies one operator block {"key": values, ...}: every
 * key must hold.  A negated operator holds when no value matches, and for
 * an absent key; IfExists makes an absent key hold too.
 */
static bool
cond_op_match(const char *op, json_object *keys, const struct s3_policy_ctx *c)
{
	char base[64];
	struct cond_test t = { base, NULL };
	bool neg = false, ifexists = false, hit;
	size_t i, n;

	snprintf(base, sizeof(base), "%s", op);
	if ((n = strlen(base)) > 8 && strcmp(base + n - 8, "IfExists") == 0) {
		ifexists = true;
		base[n - 8] = '\0';
	}
	for (i = 0; negated[i][0] != NULL; i++)
		if (strcmp(base, negated[i][0]) == 0) {
			neg = true;
			snprintf(base, sizeof(base), "%s", negated[i][1]);
		}
	json_object_object_foreach(keys, key, vals) {
		t.ct_value = cond_value(c, key);
		if (strcmp(base, "Null") == 0) {
			hit = any_string(vals, cond_one, &(struct cond_test){
			    "Bool", t.ct_value == NULL ? "true" : "false" });
		} else if (t.ct_value == NULL)
			hit = neg || ifexists;
		else
			hit = any_string(vals, cond_one, &t) != neg;
		if (!hit)
			return false;
	}
	return true;
}

static bool
cond_match(json_object *cond, const struct s3_policy_ctx *c)
{
	if (cond == NULL)
		return true;
	json_object_object_foreach(cond, op, keys)
		if (!cond_op_match(op, keys, c))
			return false;
	return true;
}

/* --- evaluation ----------------------------------------------------------------- */

/* either_match applies a field or its Not- form, whichever is present. */
static bool
either_match(json_object *st, const char *field, const char *notfield,
    bool (*fn)(const char *, const void *), const void *arg)
{
	json_object *v;

	if (json_object_object_get_ex(st, field, &v))
		return any_string(v, fn, arg);
	if (json_object_object_get_ex(st, notfield, &v))
		return !any_string(v, fn, arg);
	return false;
}

static enum s3_policy_effect
stmt_eval(json_object *st, const struct s3_policy_ctx *c)
{
	json_object *v, *cond = NULL;
	bool who;

	if (json_object_object_get_ex(st, "Principal", &v))
		who = principal_match(v, c->pc_who);
	else if (json_object_object_get_ex(st, "NotPrincipal", &v))
		who = !principal_match(v, c->pc_who);
	else
		who = false;
	(void)json_object_object_get_ex(st, "Condition", &cond);
	if (!who || !either_match(st, "Action", "NotAction", action_is,
	    c->pc_action) || !either_match(st, "Resource", "NotResource",
	    resource_is, c->pc_resource) || !cond_match(cond, c))
		return POLICY_NONE;
	if (!json_object_object_get_ex(st, "Effect", &v))
		return POLICY_NONE;
	return strcmp(json_object_get_string(v), "Deny") == 0 ? POLICY_DENY :
	    POLICY_ALLOW;
}

/* parse parses a whole JSON document; NULL if it is not one. */
static json_object *
parse(const char *doc, size_t len)
{
	struct json_tokener *tok;
	json_object *o;

	if (len == 0 || len > POLICY_MAX || (tok = json_tokener_new()) == NULL)
		return NULL;
	o = json_tokener_parse_ex(tok, doc, (int)len);
	if (o != NULL && (json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) < len)) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

/* statement_at returns statement i of the policy (one or a list). */
static json_object *
statement_at(json_object *stmts, size_t i)
{
	if (json_object_is_type(stmts, json_type_array))
		return json_object_array_get_idx(stmts, i);
	return i == 0 ? stmts : NULL;
}

static size_t
statement_count(json_object *stmts)
{
	return json_object_is_type(stmts, json_type_array) ?
	    json_object_array_length(stmts) : 1;
}

enum s3_policy_effect
s3_policy_eval(const char *doc, size_t len, const struct s3_policy_ctx *ctx)
{
	enum s3_policy_effect res = POLICY_NONE, e;
	json_object *root, *stmts;
	size_t i, n;

	if ((root = parse(doc, len)) == NULL)
		return POLICY_NONE;
	if (json_object_object_get_ex(root, "Statement", &stmts)) {
		n = statement_count(stmts);
		for (i = 0; i < n && res != POLICY_DENY; i++)
			if ((e = stmt_eval(statement_at(stmts, i), ctx)) !=
			    POLICY_NONE)
				res = e;
	}
	json_object_put(root);
	return res;
}

/* --- validation ---------------------------------------------------------------- */

static bool
action_known(const char *pat, const void *arg)
{
	size_t i;

	(void)arg;
	if (strcmp(pat, "*") == 0)
		return true;
	if (strncasecmp(pat, "s3:", 3) != 0)
		return false;
	for (i = 0; known_actions[i] != NULL; i++)
		if (wild(pat, known_actions[i], true))
			return true;
	return false;
}

/* resource_ok tells whether pat can name the bucket or its objects. */
static bool
resource_ok(const char *pat, const void *bucket)
{
	char b[PROTO_BUCKETMAX + 1];
	const char *slash;
	size_t n;

	if (strcmp(pat, "*") == 0)
		return true;
	if (strncmp(pat, ARN_S3, strlen(ARN_S3)) != 0)
		return false;
	pat += strlen(ARN_S3);
	slash = strchr(pat, '/');
	n = slash != NULL ? (size_t)(slash - pat) : strlen(pat);
	if (n == 0 || n > PROTO_BUCKETMAX)
		return false;
	memcpy(b, pat, n);
	b[n] = '\0';
	return wild(b, bucket, false);
}

/* all_strings tells whether v is a string or a non-empty list of them,
 * each passing fn. */
static bool
all_strings(json_object *v, bool (*fn)(const char *, const void *),
    const void *arg)
{
	size_t i, n;

	if (json_object_is_type(v, json_type_string))
		return fn(json_object_get_string(v), arg);
	if (!json_object_is_type(v, json_type_array) ||
	    (n = json_object_array_length(v)) == 0)
		return false;
	for (i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(v, i);

		if (!json_object_is_type(e, json_type_string) ||
		    !fn(json_object_get_string(e), arg))
			return false;
	}
	return true;
}

static bool
op_known(const char *op)
{
	char base[64];
	size_t i, n;

	snprintf(base, sizeof(base), "%s", op);
	if ((n = strlen(base)) > 8 && strcmp(base + n - 8, "IfExists") == 0)
		base[n - 8] = '\0';
	for (i = 0; known_ops[i] != NULL; i++)
		if (strcmp(base, known_ops[i]) == 0)
			return true;
	return false;
}

static const char *
check_condition(json_object *cond)
{
	if (!json_object_is_type(cond, json_type_object))
		return "Policy has an invalid condition";
	json_object_object_foreach(cond, op, keys) {
		if (!op_known(op))
			return "Policy has an invalid condition operator";
		if (!json_object_is_type(keys, json_type_object))
			return "Policy has an invalid condition";
	}
	return NULL;
}

/* field_of finds field or notfield; NULL if neither (or both). */
static json_object *
field_of(json_object *st, const char *field, const char *notfield)
{
	json_object *a = NULL, *b = NULL;

	(void)json_object_object_get_ex(st, field, &a);
	(void)json_object_object_get_ex(st, notfield, &b);
	return (a == NULL) == (b == NULL) ? NULL : a != NULL ? a : b;
}

static bool
principal_ok(json_object *p)
{
	json_object *v;

	if (json_object_is_type(p, json_type_string))
		return strcmp(json_object_get_string(p), "*") == 0;
	if (!json_object_is_type(p, json_type_object))
		return false;
	json_object_object_foreach(p, kind, val) {
		(void)val;
		if (strcmp(kind, "AWS") != 0 && strcmp(kind, "CanonicalUser") != 0)
			return false;
	}
	return (json_object_object_get_ex(p, "AWS", &v) ||
	    json_object_object_get_ex(p, "CanonicalUser", &v)) &&
	    json_object_object_length(p) > 0;
}

/* check_statement returns S3's message for what is wrong with st. */
static const char *
check_statement(json_object *st, const char *bucket)
{
	json_object *v, *p;

	if (!json_object_is_type(st, json_type_object))
		return "Policy has an invalid statement";
	if (!json_object_object_get_ex(st, "Effect", &v))
		return "Missing required field Effect";
	if (!json_object_is_type(v, json_type_string) ||
	    (strcmp(json_object_get_string(v), "Allow") != 0 &&
	    strcmp(json_object_get_string(v), "Deny") != 0))
		return "Invalid effect";
	if ((p = field_of(st, "Principal", "NotPrincipal")) == NULL)
		return "Missing required field Principal";
	if (!principal_ok(p))
		return "Invalid principal in policy";
	if ((v = field_of(st, "Action", "NotAction")) == NULL)
		return "Missing required field Action";
	if (!all_strings(v, action_known, NULL))
		return "Policy has invalid action";
	if ((v = field_of(st, "Resource", "NotResource")) == NULL)
		return "Missing required field Resource";
	if (!all_strings(v, resource_ok, bucket))
		return "Policy has invalid resource";
	if (json_object_object_get_ex(st, "Condition", &v))
		return check_condition(v);
	return NULL;
}

/* check_doc returns S3's message for what is wrong with the policy. */
static const char *
check_doc(json_object *root, const char *bucket)
{
	json_object *v, *stmts;
	const char *msg;
	size_t i, n;

	if (!json_object_is_type(root, json_type_object))
		return s3_error_message(S3E_MALFORMED_POLICY);
	if (json_object_object_get_ex(root, "Version", &v) &&
	    (!json_object_is_type(v, json_type_string) ||
	    (strcmp(json_object_get_string(v), "2012-10-17") != 0 &&
	    strcmp(json_object_get_string(v), "2008-10-17") != 0)))
		return "The policy must contain a valid version string";
	if (!json_object_object_get_ex(root, "Statement", &stmts))
		return "Missing required field Statement";
	if ((n = statement_count(stmts)) == 0)
		return "Could not parse the policy: Statement is empty!";
	for (i = 0; i < n; i++)
		if ((msg = check_statement(statement_at(stmts, i), bucket)) !=
		    NULL)
			return msg;
	return NULL;
}

enum s3_err
s3_policy_validate(const char *doc, size_t len, struct proto_str bucket,
    const char **msg)
{
	char b[PROTO_BUCKETMAX + 1];
	json_object *root;

	snprintf(b, sizeof(b), "%.*s", (int)bucket.ps_len, bucket.ps_ptr);
	if (len > POLICY_MAX) {
		*msg = "Policies cannot exceed 20 KB";
		return S3E_MALFORMED_POLICY;
	}
	if (len == 0 || doc[0] != '{' || (root = parse(doc, len)) == NULL) {
		*msg = s3_error_message(S3E_MALFORMED_POLICY);
		return S3E_MALFORMED_POLICY;
	}
	*msg = check_doc(root, b);
	json_object_put(root);
	return *msg == NULL ? S3E_NONE : S3E_MALFORMED_POLICY;
}
