/* s3_notification.c - Put/GetBucketNotificationConfiguration, stored only */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "errors.h"
#include "gatewayd.h"

#define NOTIF_BODYMAX	(256 * 1024)
#define NOTIF_IDMAX	255

/* One kind of destination: its element, the element naming it, and the
 * service its ARN must name. */
struct notif_kind {
	const char	*nk_config;
	const char	*nk_target;
	const char	*nk_service;
};

static const struct notif_kind notif_kinds[] = {
	{ "TopicConfiguration", "Topic", "sns" },
	{ "QueueConfiguration", "Queue", "sqs" },
	{ "CloudFunctionConfiguration", "CloudFunction", "lambda" },
	{ NULL, NULL, NULL }
};

/* The event types S3 accepts in a notification configuration. */
static const char *const notif_events[] = {
	"s3:TestEvent",
	"s3:ObjectCreated:*", "s3:ObjectCreated:Put", "s3:ObjectCreated:Post",
	"s3:ObjectCreated:Copy", "s3:ObjectCreated:CompleteMultipartUpload",
	"s3:ObjectRemoved:*", "s3:ObjectRemoved:Delete",
	"s3:ObjectRemoved:DeleteMarkerCreated",
	"s3:ObjectRestore:*", "s3:ObjectRestore:Post",
	"s3:ObjectRestore:Completed", "s3:ObjectRestore:Delete",
	"s3:ReducedRedundancyLostObject",
	"s3:Replication:*", "s3:Replication:OperationFailedReplication",
	"s3:Replication:OperationNotTracked",
	"s3:Replication:OperationMissedThreshold",
	"s3:Replication:OperationReplicatedAfterThreshold",
	"s3:LifecycleExpiration:*", "s3:LifecycleExpiration:Delete",
	"s3:LifecycleExpiration:DeleteMarkerCreated",
	"s3:LifecycleTransition", "s3:IntelligentTiering",
	"s3:ObjectTagging:*", "s3:ObjectTagging:Put",
	"s3:ObjectTagging:Delete", "s3:ObjectAcl:Put",
	NULL
};

static const char *const root_children[] = {
	"TopicConfiguration", "QueueConfiguration",
	"CloudFunctionConfiguration", "EventBridgeConfiguration", NULL
};
static const char *const config_single[] = { "Id", "Filter", NULL };
static const char *const filter_children[] = { "S3Key", NULL };
static const char *const key_children[] = { "FilterRule", NULL };
static const char *const rule_children[] = { "Name", "Value", NULL };

/*
 * arn_ok checks arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE, every part
 * present, for the given service.
 */
static bool
arn_ok(const char *arn, const char *service)
{
	const char *p = arn;
	size_t i, n;

	if (strncmp(p, "arn:", 4) != 0)
		return false;
	p += 4;
	for (i = 0; i < 4; i++) {
		n = strcspn(p, ":");
		if (n == 0 || p[n] != ':' || (i == 1 &&
		    (strlen(service) != n || strncmp(p, service, n) != 0)))
			return false;
		p += n + 1;
	}
	return *p != '\0' && strpbrk(arn, " \t\r\n") == NULL;
}

/* filter_check checks Filter/S3Key/FilterRule: prefix and suffix once. */
static enum s3_err
filter_check(const struct s3_bconf_node *f, const char **msg)
{
	const struct s3_bconf_node *key, *rule, *name;
	int prefix = 0, suffix = 0;

	if (!s3_bconf_only(f, filter_children) ||
	    s3_bconf_count(f, "S3Key") != 1)
		return S3E_MALFORMED_XML;
	key = s3_bconf_child(f, "S3Key");
	if (!s3_bconf_only(key, key_children))
		return S3E_MALFORMED_XML;
	for (rule = key->bn_child; rule != NULL; rule = rule->bn_next) {
		if (!s3_bconf_only(rule, rule_children) ||
		    s3_bconf_count(rule, "Name") != 1 ||
		    s3_bconf_count(rule, "Value") != 1)
			return S3E_MALFORMED_XML;
		name = s3_bconf_child(rule, "Name");
		prefix += strcasecmp(name->bn_text, "prefix") == 0;
		suffix += strcasecmp(name->bn_text, "suffix") == 0;
		*msg = "filter rule name must be either prefix or suffix";
		if (strcasecmp(name->bn_text, "prefix") != 0 &&
		    strcasecmp(name->bn_text, "suffix") != 0)
			return S3E_INVALID_ARGUMENT;
	}
	*msg = prefix > 1 ? "Cannot specify more than one prefix rule in a "
	    "filter." : "Cannot specify more than one suffix rule in a filter.";
	return prefix > 1 || suffix > 1 ? S3E_INVALID_ARGUMENT : S3E_NONE;
}

/* config_check checks one Topic, Queue or CloudFunction configuration. */
static enum s3_err
config_check(const struct s3_bconf_node *c, const struct notif_kind *k,
    const char **msg)
{
	const char *const allowed[] = { "Id", k->nk_target, "Event", "Filter",
	    "InvocationRole", NULL };
	const struct s3_bconf_node *v, *target;

	if (!s3_bconf_only(c, allowed) ||
	    !s3_bconf_at_most_one(c, config_single) ||
	    s3_bconf_count(c, k->nk_target) != 1 ||
	    s3_bconf_child(c, "Event") == NULL)
		return S3E_MALFORMED_XML;
	v = s3_bconf_child(c, "Id");
	if (v != NULL && v->bn_text_len > NOTIF_IDMAX) {
		*msg = "The Id you have provided is too long";
		return S3E_INVALID_ARGUMENT;
	}
	for (v = c->bn_child; v != NULL; v = v->bn_next) {
		*msg = "The event is not supported for notifications";
		if (s3_bconf_is(v, "Event") && !s3_bconf_word_in(v->bn_text, notif_events))
			return S3E_INVALID_ARGUMENT;
	}
	target = s3_bconf_child(c, k->nk_target);
	*msg = "The ARN is not well formed";
	if (!arn_ok(target->bn_text, k->nk_service))
		return S3E_INVALID_ARGUMENT;
	v = s3_bconf_child(c, "Filter");
	return v != NULL ? filter_check(v, msg) : S3E_NONE;
}

static const struct notif_kind *
kind_of(const struct s3_bconf_node *c)
{
	const struct notif_kind *k;

	for (k = notif_kinds; k->nk_config != NULL; k++)
		if (s3_bconf_is(c, k->nk_config))
			return k;
	return NULL;
}

/* --- overlapping configurations ------------------------------------------------- */

/* events_overlap tells whether two event types name a common event:
 * equal, or one is "s3:Kind:*" and the other of that kind. */
static bool
events_overlap(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (strcmp(a, b) == 0)
		return true;
	if (la > 0 && a[la - 1] == '*' && strncmp(a, b, la - 1) == 0)
		return true;
	return lb > 0 && b[lb - 1] == '*' && strncmp(a, b, lb - 1) == 0;
}

/* filter_value returns the value of a configuration's prefix or suffix
 * rule, "" if it has none. */
static const char *
filter_value(const struct s3_bconf_node *c, const char *name)
{
	const struct s3_bconf_node *f, *r;

	if ((f = s3_bconf_child(c, "Filter")) == NULL ||
	    (f = s3_bconf_child(f, "S3Key")) == NULL)
		return "";
	for (r = f->bn_child; r != NULL; r = r->bn_next)
		if (strcasecmp(s3_bconf_child(r, "Name")->bn_text, name) == 0)
			return s3_bconf_child(r, "Value")->bn_text;
	return "";
}

/* affix_overlap: some key can have both prefixes (or both suffixes). */
static bool
affix_overlap(const char *a, const char *b, bool suffix)
{
	size_t la = strlen(a), lb = strlen(b), n = la < lb ? la : lb;

	if (suffix)
		return strcmp(a + la - n, b + lb - n) == 0;
	return strncmp(a, b, n) == 0;
}

/* configs_overlap tells whether one event can reach both configurations. */
static bool
configs_overlap(const struct s3_bconf_node *a, const struct s3_bconf_node *b)
{
	const struct s3_bconf_node *ea, *eb;
	bool events = false;

	for (ea = a->bn_child; ea != NULL && !events; ea = ea->bn_next)
		for (eb = b->bn_child; eb != NULL && !events; eb = eb->bn_next)
			events = s3_bconf_is(ea, "Event") &&
			    s3_bconf_is(eb, "Event") &&
			    events_overlap(ea->bn_text, eb->bn_text);
	return events && affix_overlap(filter_value(a, "prefix"),
	    filter_value(b, "prefix"), false) &&
	    affix_overlap(filter_value(a, "suffix"), filter_value(b, "suffix"),
	    true);
}

/* any_overlap checks every pair of (checked) configurations. */
static bool
any_overlap(const struct s3_bconf_node *root)
{
	const struct s3_bconf_node *a, *b;

	for (a = root->bn_child; a != NULL; a = a->bn_next)
		for (b = a->bn_next; b != NULL && kind_of(a) != NULL;
		    b = b->bn_next)
			if (kind_of(b) != NULL && configs_overlap(a, b))
				return true;
	return false;
}

/* notif_check validates a NotificationConfiguration as S3 does. */
static enum s3_err
notif_check(const struct s3_bconf_node *root, const char **msg)
{
	const struct s3_bconf_node *c;
	const struct notif_kind *k;
	enum s3_err e;

	if (!s3_bconf_is(root, "NotificationConfiguration") ||
	    !s3_bconf_only(root, root_children) ||
	    s3_bconf_count(root, "EventBridgeConfiguration") > 1)
		return S3E_MALFORMED_XML;
	for (c = root->bn_child; c != NULL; c = c->bn_next) {
		if ((k = kind_of(c)) == NULL) {
			if (c->bn_child != NULL)	/* EventBridge: empty */
				return S3E_MALFORMED_XML;
		} else if ((e = config_check(c, k, msg)) != S3E_NONE)
			return e;
	}
	*msg = "Configurations overlap. Configurations on the same bucket "
	    "cannot share a common event type.";
	return any_overlap(root) ? S3E_INVALID_ARGUMENT : S3E_NONE;
}

/* get_notification answers the stored configuration, or an empty one. */
static void
get_notification(struct s3_req *r)
{
	struct proto_str doc;
	struct rpc_call c;
	struct s3_xml x;
	int rc;

	rc = s3_bconf_fetch(r, &c, BCONF_NOTIFICATION, &doc);
	if (rc == 0)
		s3_respond_xml(r, doc.ps_ptr, doc.ps_len);
	else if (rc != CAIRN_ENOCONF)
		s3_fail_rc(r, rc);
	else {
		s3_xml_init(&x);
		s3_xml_open_ns(&x, "NotificationConfiguration");
		s3_xml_close(&x, "NotificationConfiguration");
		s3_respond_doc(r, &x);
	}
	rpc_call_fini(&c);
}

static enum s3_err
check_notification(struct s3_req *r, const struct s3_bconf_node *root,
    char *msg, size_t len)
{
	const char *m = "";
	enum s3_err e;

	(void)r;
	e = notif_check(root, &m);
	snprintf(msg, len, "%s", m);
	return e;
}

/* empty_notification: an empty configuration removes it, as in S3. */
static bool
empty_notification(const struct s3_bconf_node *root)
{
	return root->bn_child == NULL;
}

/* fill_notification gives each configuration without an Id one. */
static bool
fill_notification(struct s3_bconf_node *root)
{
	struct s3_bconf_node *c;

	for (c = root->bn_child; c != NULL; c = c->bn_next)
		if (kind_of(c) != NULL && !s3_bconf_fill_id(c, "Id"))
			return false;
	return true;
}

const struct s3_bconf_ops s3_notification_ops = {
	BCONF_NOTIFICATION, NOTIF_BODYMAX, 200, S3E_NONE, check_notification,
	empty_notification, get_notification, false, fill_notification
};
