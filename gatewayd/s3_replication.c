/* s3_replication.c - Put/Get/DeleteBucketReplication, stored only */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "gatewayd.h"

#define REPL_BODYMAX	(256 * 1024)
#define REPL_RULESMAX	1000		/* as in S3 */
#define REPL_IDMAX	255

static const char *const root_children[] = { "Role", "Rule", NULL };
static const char *const rule_children[] = {
	"ID", "Priority", "Status", "Filter", "Prefix", "Destination",
	"DeleteMarkerReplication", "SourceSelectionCriteria",
	"ExistingObjectReplication", NULL
};
static const char *const rule_single[] = {
	"ID", "Priority", "Filter", "Prefix", "DeleteMarkerReplication",
	"SourceSelectionCriteria", "ExistingObjectReplication", NULL
};
static const char *const filter_children[] = { "Prefix", "Tag", "And", NULL };
static const char *const and_children[] = { "Prefix", "Tag", NULL };
static const char *const tag_children[] = { "Key", "Value", NULL };
static const char *const status_children[] = { "Status", NULL };
static const char *const dest_children[] = {
	"Bucket", "Account", "StorageClass", "AccessControlTranslation",
	"EncryptionConfiguration", "ReplicationTime", "Metrics", NULL
};
static const char *const dest_single[] = {
	"Account", "StorageClass", "AccessControlTranslation",
	"EncryptionConfiguration", "ReplicationTime", "Metrics", NULL
};
static const char *const storage_classes[] = {
	"STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA",
	"INTELLIGENT_TIERING", "GLACIER", "DEEP_ARCHIVE", "OUTPOSTS",
	"GLACIER_IR", NULL
};

/* status_ok checks <Status>Enabled|Disabled</Status> under n. */
static bool
status_ok(const struct s3_bconf_node *n)
{
	static const char *const words[] = { "Enabled", "Disabled", NULL };

	return s3_bconf_count(n, "Status") == 1 &&
	    s3_bconf_word_in(s3_bconf_child(n, "Status")->bn_text, words);
}

static bool
tag_ok(const struct s3_bconf_node *t)
{
	return !s3_bconf_is(t, "Tag") || (s3_bconf_only(t, tag_children) &&
	    s3_bconf_count(t, "Key") == 1 && s3_bconf_count(t, "Value") == 1);
}

/* filter_ok checks a Filter: nothing, a Prefix, a Tag, or an And. */
static bool
filter_ok(const struct s3_bconf_node *f)
{
	const struct s3_bconf_node *c, *a;

	if (!s3_bconf_only(f, filter_children) ||
	    (f->bn_child != NULL && f->bn_child->bn_next != NULL))
		return false;
	if ((c = f->bn_child) == NULL || !s3_bconf_is(c, "And"))
		return c == NULL || tag_ok(c);
	if (!s3_bconf_only(c, and_children) || s3_bconf_count(c, "Prefix") > 1)
		return false;
	for (a = c->bn_child; a != NULL; a = a->bn_next)
		if (!tag_ok(a))
			return false;
	return true;
}

/* bucket_arn_name returns the bucket of arn:PARTITION:s3:::NAME, or NULL. */
static const char *
bucket_arn_name(const char *arn)
{
	const char *p;
	size_t n;

	if (strncmp(arn, "arn:", 4) != 0)
		return NULL;
	p = arn + 4;
	if ((n = strcspn(p, ":")) == 0 || strncmp(p + n, ":s3:::", 6) != 0)
		return NULL;
	p += n + 6;
	n = strlen(p);
	if (n < 3 || n > 63 || strspn(p, "abcdefghijklmnopqrstuvwxyz"
	    "0123456789.-") != n)
		return NULL;
	return p;
}

/* dest_check checks the Destination of a rule. */
static enum s3_err
dest_check(struct s3_req *r, const struct s3_bconf_node *d, const char **msg)
{
	const struct s3_bconf_node *sc;
	const char *name;

	if (!s3_bconf_only(d, dest_children) ||
	    !s3_bconf_at_most_one(d, dest_single) ||
	    s3_bconf_count(d, "Bucket") != 1)
		return S3E_MALFORMED_XML;
	if ((sc = s3_bconf_child(d, "StorageClass")) != NULL &&
	    !s3_bconf_word_in(sc->bn_text, storage_classes))
		return S3E_MALFORMED_XML;
	*msg = "Invalid bucket ARN.";
	if ((name = bucket_arn_name(s3_bconf_child(d, "Bucket")->bn_text)) ==
	    NULL)
		return S3E_INVALID_ARGUMENT;
	*msg = "Destination bucket cannot be the same as the source bucket.";
	if (strlen(name) == r->sr_bucket.ps_len &&
	    memcmp(name, r->sr_bucket.ps_ptr, r->sr_bucket.ps_len) == 0)
		return S3E_INVALID_REQUEST;
	return S3E_NONE;
}

/* rule_shape checks what the schema alone says of a Rule. */
static bool
rule_shape(const struct s3_bconf_node *rule)
{
	const struct s3_bconf_node *v;

	if (!s3_bconf_is(rule, "Rule") || !s3_bconf_only(rule, rule_children) ||
	    !s3_bconf_at_most_one(rule, rule_single) || !status_ok(rule) ||
	    s3_bconf_count(rule, "Destination") != 1)
		return false;
	if ((v = s3_bconf_child(rule, "Priority")) != NULL &&
	    (v->bn_text_len == 0 || v->bn_text_len > 9 ||
	    strspn(v->bn_text, "0123456789") != v->bn_text_len))
		return false;
	if ((v = s3_bconf_child(rule, "Filter")) != NULL && !filter_ok(v))
		return false;
	if ((v = s3_bconf_child(rule, "DeleteMarkerReplication")) != NULL &&
	    (!s3_bconf_only(v, status_children) || !status_ok(v)))
		return false;
	if ((v = s3_bconf_child(rule, "ExistingObjectReplication")) != NULL &&
	    (!s3_bconf_only(v, status_children) || !status_ok(v)))
		return false;
	return true;
}

static enum s3_err
rule_check(struct s3_req *r, const struct s3_bconf_node *rule,
    const char **msg)
{
	const struct s3_bconf_node *id = s3_bconf_child(rule, "ID");
	bool v2 = s3_bconf_child(rule, "Filter") != NULL;

	if (!rule_shape(rule) || (v2 && s3_bconf_child(rule, "Prefix")))
		return S3E_MALFORMED_XML;
	*msg = "The ID is too long";
	if (id != NULL && id->bn_text_len > REPL_IDMAX)
		return S3E_INVALID_ARGUMENT;
	*msg = "DeleteMarkerReplication must be specified for this version of "
	    "Cross Region Replication configuration schema.";
	if (v2 && s3_bconf_child(rule, "DeleteMarkerReplication") == NULL)
		return S3E_INVALID_REQUEST;
	return dest_check(r, s3_bconf_child(rule, "Destination"), msg);
}

/* priorities_unique tells whether no two rules share a Priority. */
static bool
priorities_unique(const struct s3_bconf_node *root)
{
	const struct s3_bconf_node *a, *b, *pa, *pb;

	for (a = root->bn_child; a != NULL; a = a->bn_next)
		for (b = a->bn_next; s3_bconf_is(a, "Rule") && b != NULL; b = b->bn_next) {
			pa = s3_bconf_child(a, "Priority");
			pb = s3_bconf_child(b, "Priority");
			if (s3_bconf_is(b, "Rule") && pa != NULL &&
			    pb != NULL && atoi(pa->bn_text) ==
			    atoi(pb->bn_text))
				return false;
		}
	return true;
}

/* repl_check validates a ReplicationConfiguration as S3 does. */
static enum s3_err
repl_check(struct s3_req *r, const struct s3_bconf_node *root,
    const char **msg)
{
	const struct s3_bconf_node *rule;
	int n = s3_bconf_count(root, "Rule");
	enum s3_err e;

	if (!s3_bconf_is(root, "ReplicationConfiguration") ||
	    !s3_bconf_only(root, root_children) ||
	    s3_bconf_count(root, "Role") != 1 || n < 1 || n > REPL_RULESMAX)
		return S3E_MALFORMED_XML;
	for (rule = root->bn_child; rule != NULL; rule = rule->bn_next)
		if (s3_bconf_is(rule, "Rule") &&
		    (e = rule_check(r, rule, msg)) != S3E_NONE)
			return e;
	*msg = "Found duplicate priority in the rules; each rule must have a "
	    "unique priority.";
	return priorities_unique(root) ? S3E_NONE : S3E_INVALID_REQUEST;
}

/* versioning_enabled reads the bucket: 0 and *on, or an error. */
static int
versioning_enabled(struct s3_req *r, bool *on)
{
	struct msg_bucket b;
	int rc;

	rc = backend_bucket_get(&r->sr_env->gw_backend, r->sr_bucket, &b);
	*on = rc == 0 && b.b_versioning == BUCKET_VER_ENABLED;
	return rc;
}

/* check_replication checks the document, then that the bucket keeps
 * versions, as S3 does. */
static enum s3_err
check_replication(struct s3_req *r, const struct s3_bconf_node *root,
    char *msg, size_t len)
{
	const char *m = "";
	enum s3_err e;
	bool on;
	int rc;

	e = repl_check(r, root, &m);
	snprintf(msg, len, "%s", m);
	if (e != S3E_NONE)
		return e;
	if ((rc = versioning_enabled(r, &on)) != 0) {
		msg[0] = '\0';
		return s3_error_from(rc);
	}
	snprintf(msg, len, "Versioning must be 'Enabled' on the bucket to "
	    "apply a replication configuration");
	return on ? S3E_NONE : S3E_INVALID_REQUEST;
}

/* fill_replication gives each rule without an ID one, as S3 does. */
static bool
fill_replication(struct s3_bconf_node *root)
{
	struct s3_bconf_node *rule;

	for (rule = root->bn_child; rule != NULL; rule = rule->bn_next)
		if (s3_bconf_is(rule, "Rule") && !s3_bconf_fill_id(rule, "ID"))
			return false;
	return true;
}

const struct s3_bconf_ops s3_replication_ops = {
	BCONF_REPLICATION, REPL_BODYMAX, 200, S3E_NO_SUCH_REPLICATION,
	check_replication, NULL, NULL, true, fill_replication
};
