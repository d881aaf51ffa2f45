/* s3_subres.c - which handler answers a bucket or object subresource */
#include "config.h"

#include <string.h>

#include "gatewayd.h"

/*
 * A subresource: the query parameter that names it (?tagging, ?cors, ...)
 * and its handler for each method, NULL where S3 has no such request
 * (MethodNotAllowed); or, for a configuration stored as a document, the
 * ops s3_bconf_serve answers it with.  The first row whose parameter the
 * query carries wins, so keep more specific rows first.
 */
struct s3_subres {
	const char			*sub_name;
	void				(*sub_get)(struct s3_req *r);
	void				(*sub_put)(struct s3_req *r);
	void				(*sub_delete)(struct s3_req *r);
	const struct s3_bconf_ops	*sub_bconf;
};

static const struct s3_subres bucket_subres[] = {
	{ "policy", s3_bucket_policy_get, s3_bucket_policy_put,
	    s3_bucket_policy_delete, NULL },
	{ "acl", s3_acl_bucket_get, s3_acl_bucket_put, NULL, NULL },
	{ "tagging", NULL, NULL, NULL, &s3_bucket_tagging_ops },
	{ "cors", NULL, NULL, NULL, &s3_cors_ops },
	{ "notification", NULL, NULL, NULL, &s3_notification_ops },
	{ "replication", NULL, NULL, NULL, &s3_replication_ops },
	{ "versioning", s3_versioning_get, s3_versioning_put, NULL, NULL },
	{ "versions", s3_version_list, NULL, NULL, NULL },
	{ "object-lock", s3_lock_config_get, s3_lock_config_put, NULL, NULL },
	{ "lifecycle", s3_lifecycle_get, s3_lifecycle_put,
	    s3_lifecycle_delete, NULL },
	{ NULL, NULL, NULL, NULL, NULL }
};

static const struct s3_subres object_subres[] = {
	{ "tagging", s3_tagging_get, s3_tagging_put, s3_tagging_delete, NULL },
	{ "acl", s3_acl_object_get, s3_acl_object_put, NULL, NULL },
	{ "retention", s3_lock_retention_get, s3_lock_retention_put, NULL,
	    NULL },
	{ "legal-hold", s3_lock_hold_get, s3_lock_hold_put, NULL, NULL },
	{ "attributes", s3_attributes, NULL, NULL, NULL },
	{ NULL, NULL, NULL, NULL, NULL }
};

/* subres_serve runs the handler of the request's method on s. */
static void
subres_serve(struct s3_req *r, const struct s3_subres *s)
{
	void (*fn)(struct s3_req *) = NULL;

	if (s->sub_bconf != NULL) {
		s3_bconf_serve(r, s->sub_bconf);
		return;
	}
	if (s3_method_is(r, "GET"))
		fn = s->sub_get;
	else if (s3_method_is(r, "PUT"))
		fn = s->sub_put;
	else if (s3_method_is(r, "DELETE"))
		fn = s->sub_delete;
	if (fn != NULL)
		fn(r);
	else
		s3_fail(r, S3E_METHOD_NOT_ALLOWED, NULL);
}

bool
s3_subres_route(struct s3_req *r, bool object)
{
	const struct s3_subres *s = object ? object_subres : bucket_subres;

	for (; s->sub_name != NULL; s++)
		if (s3_query_has(r->sr_http, s->sub_name)) {
			subres_serve(r, s);
			return true;
		}
	return false;
}

bool
s3_method_is(const struct s3_req *r, const char *m)
{
	size_t n = strlen(m);

	return r->sr_http->hr_method_len == n &&
	    memcmp(r->sr_http->hr_method, m, n) == 0;
}
