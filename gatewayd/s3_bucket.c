/* s3_bucket.c - bucket operations: create, head, delete, list, location */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "errors.h"
#include "gatewayd.h"
#include "util.h"

/*
 * bucket_name_ok applies S3's naming rules: 3 to 63 characters of
 * lowercase letters, digits, '.' and '-', starting and ending with a
 * letter or digit, no "..", and not shaped like an IPv4 address.
 */
static bool
bucket_name_ok(struct proto_str b)
{
	size_t i;
	int dots = 0, digits_only = 1;

	if (b.ps_len < 3 || b.ps_len > PROTO_BUCKETMAX ||
	    !isalnum((unsigned char)b.ps_ptr[0]) ||
	    !isalnum((unsigned char)b.ps_ptr[b.ps_len - 1]))
		return false;
	for (i = 0; i < b.ps_len; i++) {
		char c = b.ps_ptr[i];

		if (!(islower((unsigned char)c) || isdigit((unsigned char)c) ||
		    c == '.' || c == '-'))
			return false;
		if (c == '.' && (b.ps_ptr[i + 1] == '.' || b.ps_ptr[i - 1] == '-'
		    || b.ps_ptr[i + 1] == '-'))
			return false;
		dots += c == '.';
		digits_only &= isdigit((unsigned char)c) || c == '.';
	}
	return !(dots == 3 && digits_only);
}

void
s3_bucket_create(struct s3_req *r)
{
	struct msg_bucket b = { .b_name = r->sr_bucket };
	struct http_hdr_out hdr;
	char loc[PROTO_BUCKETMAX + 2];
	enum s3_err e;
	int rc;

	if (!bucket_name_ok(r->sr_bucket)) {
		s3_fail(r, S3E_INVALID_BUCKET_NAME, NULL);
		return;
	}
	if ((e = s3_acl_bucket_new(r, &b)) != S3E_NONE) {
		s3_fail(r, e, NULL);
		return;
	}
	b.b_created_ns = util_now_ns();
	s3_lock_bucket_create(r, &b);
	if ((rc = backend_bucket_create(&r->sr_env->gw_backend, &b)) != 0) {
		s3_fail_rc(r, rc);
		return;
	}
	snprintf(loc, sizeof(loc), "/%.*s", (int)r->sr_bucket.ps_len,
	    r->sr_bucket.ps_ptr);
	hdr.ho_name = "location";
	hdr.ho_value = loc;
	s3_respond_empty(r, 200, &hdr, 1);
}

bool
s3_bucket_of(struct s3_req *r, struct msg_bucket *b)
{
	int rc;

	if ((rc = backend_bucket_get(&r->sr_env->gw_backend, r->sr_bucket,
	    b)) == 0)
		return true;
	s3_fail_rc(r, rc);
	return false;
}

void
s3_bucket_head(struct s3_req *r)
{
	struct http_hdr_out hdr;
	struct msg_bucket b;

	if (!s3_bucket_of(r, &b))
		return;
	hdr.ho_name = "x-amz-bucket-region";
	hdr.ho_value = r->sr_env->gw_conf.c_region;
	s3_respond_empty(r, 200, &hdr, 1);
}

void
s3_bucket_delete(struct s3_req *r)
{
	int rc;

	s3_multipart_bucket_drop(r);
	if ((rc = backend_bucket_delete(&r->sr_env->gw_backend,
	    r->sr_bucket)) != 0) {
		s3_fail_rc(r, rc);
		return;
	}
	s3_respond_empty(r, 204, NULL, 0);
}

void
s3_bucket_location(struct s3_req *r)
{
	const char *region = r->sr_env->gw_conf.c_region;
	struct msg_bucket b;
	struct s3_xml x;

	if (!s3_bucket_of(r, &b))
		return;
	/* S3 answers an empty constraint for its original region. */
	if (strcmp(region, "us-east-1") == 0)
		region = "";
	s3_xml_init(&x);
	s3_xml_open_ns(&x, "LocationConstraint");
	s3_xml_escape(&x, region, strlen(region));
	s3_xml_close(&x, "LocationConstraint");
	s3_respond_doc(r, &x);
}

static void
owner_xml(struct s3_req *r, struct s3_xml *x)
{
	s3_xml_open(x, "Owner");
	s3_xml_str(x, "ID", r->sr_owner_id);
	s3_xml_str(x, "DisplayName", r->sr_owner_name);
	s3_xml_close(x, "Owner");
}

void
s3_bucket_list_all(struct s3_req *r)
{
	struct msg_bucket_list bl;
	struct rpc_call c;
	struct s3_xml x;
	char date[40];
	uint32_t i;
	int rc;

	if ((rc = backend_bucket_list(&r->sr_env->gw_backend, &c, &bl)) != 0) {
		rpc_call_fini(&c);
		s3_fail_rc(r, rc);
		return;
	}
	s3_xml_init(&x);
	s3_xml_open_ns(&x, "ListAllMyBucketsResult");
	owner_xml(r, &x);
	s3_xml_open(&x, "Buckets");
	for (i = 0; i < bl.bl_count; i++) {
		if (!s3_authz_owns(r, &bl.bl_items[i]))
			continue;
		s3_xml_open(&x, "Bucket");
		s3_xml_text(&x, "Name", bl.bl_items[i].b_name.ps_ptr,
		    bl.bl_items[i].b_name.ps_len);
		s3_time_iso(bl.bl_items[i].b_created_ns, date, sizeof(date));
		s3_xml_str(&x, "CreationDate", date);
		s3_xml_close(&x, "Bucket");
	}
	s3_xml_close(&x, "Buckets");
	s3_xml_close(&x, "ListAllMyBucketsResult");
	msg_bucket_list_free(&bl);
	rpc_call_fini(&c);
	s3_respond_doc(r, &x);
}
