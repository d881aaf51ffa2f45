/* s3_version_list.c - ListObjectVersions: GET ?versions on a bucket */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "gatewayd.h"

/* The request's parameters, decoded; owned by the request. */
struct vlist_params {
	char	vp_prefix[PROTO_KEYMAX + 1];
	char	vp_delim[PROTO_KEYMAX + 1];
	char	vp_key_marker[PROTO_KEYMAX + 1];
	char	vp_version_marker[PROTO_VERIDLEN + 1];
	long	vp_max_keys;
	bool	vp_urlenc;
};

/* vl_parse checks the parameters; *msg gets S3's text for some errors. */
static enum s3_err
vl_parse(struct s3_req *r, struct vlist_params *vp, const char **msg)
{
	const struct http_req *hr = r->sr_http;
	char enc[8], vm[PROTO_VERIDLEN + 2];
	enum s3_err e;

	*msg = NULL;
	if (!s3_list_param(hr, "prefix", vp->vp_prefix, sizeof(vp->vp_prefix)) ||
	    !s3_list_param(hr, "delimiter", vp->vp_delim, sizeof(vp->vp_delim)) ||
	    !s3_list_param(hr, "key-marker", vp->vp_key_marker,
	    sizeof(vp->vp_key_marker)) ||
	    !s3_list_param(hr, "encoding-type", enc, sizeof(enc)))
		return S3E_INVALID_ARGUMENT;
	if (!s3_list_param(hr, "version-id-marker", vm, sizeof(vm)) ||
	    (vm[0] != '\0' && !s3_version_valid(vm, strlen(vm))))
		return S3E_INVALID_VERSION;
	if (vm[0] != '\0' && vp->vp_key_marker[0] == '\0') {
		*msg = "A version-id marker cannot be specified without a key "
		    "marker.";
		return S3E_INVALID_ARGUMENT;
	}
	strcpy(vp->vp_version_marker, vm);
	if ((e = s3_list_max_keys(hr, &vp->vp_max_keys)) != S3E_NONE)
		return e;
	if (enc[0] != '\0' && strcmp(enc, "url") != 0) {
		*msg = "Invalid Encoding Method specified in Request";
		return S3E_INVALID_ARGUMENT;
	}
	vp->vp_urlenc = enc[0] != '\0';
	return S3E_NONE;
}

static void
vl_owner(struct s3_req *r, struct s3_xml *x)
{
	s3_xml_open(x, "Owner");
	s3_xml_str(x, "ID", r->sr_owner_id);
	s3_xml_str(x, "DisplayName", "root");
	s3_xml_close(x, "Owner");
}

/* vl_entry writes one Version or DeleteMarker element. */
static void
vl_entry(struct s3_req *r, struct s3_xml *x, const struct msg_ver_entry *e)
{
	const char *tag = e->ve_delete_marker ? "DeleteMarker" : "Version";
	char date[40], etag[48];

	s3_xml_open(x, tag);
	s3_xml_key(x, "Key", e->ve_key);
	s3_xml_text(x, "VersionId", e->ve_version_id.ps_ptr,
	    e->ve_version_id.ps_len);
	s3_xml_bool(x, "IsLatest", e->ve_latest);
	s3_time_iso(e->ve_mtime_ns, date, sizeof(date));
	s3_xml_str(x, "LastModified", date);
	if (!e->ve_delete_marker) {
		s3_multipart_etag(etag, e->ve_etag, e->ve_nparts);
		s3_xml_str(x, "ETag", etag);
		s3_xml_u64(x, "Size", e->ve_size);
		s3_xml_str(x, "StorageClass", "STANDARD");
	}
	vl_owner(r, x);
	s3_xml_close(x, tag);
}

/* vl_head writes the fields before the entries, in S3's order. */
static void
vl_head(struct s3_req *r, struct s3_xml *x, const struct vlist_params *vp,
    const struct msg_ver_list_reply *lr)
{
	s3_xml_text(x, "Name", r->sr_bucket.ps_ptr, r->sr_bucket.ps_len);
	s3_xml_key(x, "Prefix", proto_str_c(vp->vp_prefix));
	s3_xml_key(x, "KeyMarker", proto_str_c(vp->vp_key_marker));
	s3_xml_str(x, "VersionIdMarker", vp->vp_version_marker);
	if (lr->vl_truncated) {
		s3_xml_key(x, "NextKeyMarker", lr->vl_next_key);
		s3_xml_text(x, "NextVersionIdMarker",
		    lr->vl_next_version.ps_ptr, lr->vl_next_version.ps_len);
	}
	s3_xml_u64(x, "MaxKeys", (uint64_t)vp->vp_max_keys);
	if (vp->vp_delim[0] != '\0')
		s3_xml_key(x, "Delimiter", proto_str_c(vp->vp_delim));
	s3_xml_bool(x, "IsTruncated", lr->vl_truncated);
	if (vp->vp_urlenc)
		s3_xml_str(x, "EncodingType", "url");
}

static void
vl_result(struct s3_req *r, struct s3_xml *x, const struct vlist_params *vp,
    const struct msg_ver_list_reply *lr)
{
	uint32_t i;

	x->x_urlenc = vp->vp_urlenc;
	s3_xml_open_ns(x, "ListVersionsResult");
	vl_head(r, x, vp, lr);
	for (i = 0; i < lr->vl_nentries; i++)
		vl_entry(r, x, &lr->vl_entries[i]);
	for (i = 0; i < lr->vl_nprefixes; i++) {
		s3_xml_open(x, "CommonPrefixes");
		s3_xml_key(x, "Prefix", lr->vl_prefixes[i]);
		s3_xml_close(x, "CommonPrefixes");
	}
	s3_xml_close(x, "ListVersionsResult");
}

/* vl_run asks metad for the page and answers it. */
static void
vl_run(struct s3_req *r, const struct vlist_params *vp)
{
	struct msg_ver_list_req l;
	struct msg_ver_list_reply lr;
	struct rpc_call c;
	struct s3_xml x;
	int rc;

	l.vl_bucket = r->sr_bucket;
	l.vl_prefix = proto_str_c(vp->vp_prefix);
	l.vl_delimiter = proto_str_c(vp->vp_delim);
	l.vl_key_marker = proto_str_c(vp->vp_key_marker);
	l.vl_version_marker = proto_str_c(vp->vp_version_marker);
	l.vl_max = (uint32_t)vp->vp_max_keys;
	rc = backend_ver_list(&r->sr_env->gw_backend, &c, &l, &lr);
	if (rc != 0)
		s3_fail_rc(r, rc);
	else {
		s3_xml_init(&x);
		vl_result(r, &x, vp, &lr);
		s3_respond_doc(r, &x);
	}
	msg_ver_list_reply_free(&lr);
	rpc_call_fini(&c);
}

void
s3_version_list(struct s3_req *r)
{
	struct vlist_params *vp;
	const char *msg;
	enum s3_err e;

	if ((vp = calloc(1, sizeof(*vp))) == NULL) {
		s3_fail(r, S3E_SLOW_DOWN, NULL);
		return;
	}
	if ((e = vl_parse(r, vp, &msg)) != S3E_NONE)
		s3_fail(r, e, msg);
	else
		vl_run(r, vp);
	free(vp);
}
