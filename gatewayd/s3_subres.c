/* s3_subres.c - which handler answers a bucket or object subresource */
#include "config.h"

#include <string.h>

#include "gatewayd.h"

/*
 * A subresource: the query parameter that names it (?tagging, ?cors, ...)
 * and the handler that answers every method on it.  The first row whose
 * parameter the query carries wins, so keep more specific rows first.
 */
struct s3_subres {
	const char	*sub_name;
	void		(*sub_fn)(struct s3_req *r);
};

/* object_tagging adapts s3_tagging to the table. */
static void
object_tagging(struct s3_req *r)
{
	s3_tagging(r, s3_method_is(r, "GET") ? "GET" : s3_method_is(r, "PUT") ?
	    "PUT" : s3_method_is(r, "DELETE") ? "DELETE" : "");
}

static const struct s3_subres bucket_subres[] = {
	{ "policy", s3_policy },
	{ "acl", s3_acl_bucket },
	{ "tagging", s3_bucket_tagging },
	{ "cors", s3_cors },
	{ "notification", s3_notification },
	{ "replication", s3_replication },
	{ "versioning", s3_versioning },
	{ "versions", s3_version_list },
	{ "object-lock", s3_lock_config },
	{ "lifecycle", s3_lifecycle },
	{ NULL, NULL }
};

static const struct s3_subres object_subres[] = {
	{ "tagging", object_tagging },
	{ "acl", s3_acl_object },
	{ "retention", s3_lock_retention },
	{ "legal-hold", s3_lock_legal_hold },
	{ "attributes", s3_attributes },
	{ NULL, NULL }
};

bool
s3_subres_route(struct s3_req *r, bool object)
{
	const struct s3_subres *s = object ? object_subres : bucket_subres;

	for (; s->sub_name != NULL; s++)
		if (s3_query_has(r->sr_http, s->sub_name)) {
			s->sub_fn(r);
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
