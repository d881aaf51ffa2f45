/* s3_delete.c - DeleteObjects: up to 1000 keys in one POST ?delete */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "gatewayd.h"
#include "log.h"

#define DELETE_MAXKEYS	1000
#define DELETE_MAXBODY	(2u << 20)	/* 1000 keys of 1024 bytes, escaped */

/*
 * The parsed request: the keys in order and the Quiet flag.  Key bytes
 * live in one growing buffer, each followed by a NUL.  Owned by the
 * worker running the request.
 */
struct delete_req {
	char	*dr_buf;
	size_t	 dr_len, dr_cap;
	size_t	 dr_off[DELETE_MAXKEYS];	/* where each key starts */
	size_t	 dr_klen[DELETE_MAXKEYS];
	int	 dr_nkeys;
	bool	 dr_quiet;
	/* each key's VersionId, "" if none; "?" if too long to be one */
	char	 dr_vid[DELETE_MAXKEYS][PROTO_VERIDLEN + 1];
	/* parser state */
	int	 dr_depth;
	bool	 dr_in_key, dr_in_quiet, dr_in_object, dr_bad;
	bool	 dr_in_vid;
	size_t	 dr_vid_len;
	char	 dr_quiet_text[8];
	size_t	 dr_quiet_len;
};

static void
dr_append(struct delete_req *d, const char *s, size_t len)
{
	size_t cap;
	char *p;

	if (d->dr_len + len + 1 > d->dr_cap) {
		cap = d->dr_cap ? d->dr_cap * 2 : 4096;
		while (cap < d->dr_len + len + 1)
			cap *= 2;
		if ((p = realloc(d->dr_buf, cap)) == NULL) {
			d->dr_bad = true;
			return;
		}
		d->dr_buf = p;
		d->dr_cap = cap;
	}
	memcpy(d->dr_buf + d->dr_len, s, len);
	d->dr_len += len;
}

/* vid_append adds text to the current Object's VersionId. */
static void
vid_append(struct delete_req *d, const char *s, size_t len)
{
	char *v = d->dr_vid[d->dr_nkeys];

	if (d->dr_vid_len + len > PROTO_VERIDLEN) {
		strcpy(v, "?");
		d->dr_vid_len = PROTO_VERIDLEN + 1;
		return;
	}
	memcpy(v + d->dr_vid_len, s, len);
	d->dr_vid_len += len;
	v[d->dr_vid_len] = '\0';
}

/* on_start and on_end track <Delete><Object><Key>, <VersionId> and
 * <Quiet>. */
static void
on_start(void *arg, const char *name, const char **attrs)
{
	struct delete_req *d = arg;

	(void)attrs;
	d->dr_depth++;
	if (d->dr_depth == 1 && strcmp(name, "Delete") != 0)
		d->dr_bad = true;
	else if (d->dr_depth == 2 && strcmp(name, "Object") == 0) {
		if (d->dr_nkeys == DELETE_MAXKEYS)
			d->dr_bad = true;
		else
			d->dr_in_object = true;
		d->dr_klen[d->dr_nkeys] = (size_t)-1;
	} else if (d->dr_depth == 2 && strcmp(name, "Quiet") == 0)
		d->dr_in_quiet = true;
	else if (d->dr_depth == 3 && d->dr_in_object &&
	    strcmp(name, "Key") == 0) {
		d->dr_in_key = true;
		d->dr_off[d->dr_nkeys] = d->dr_len;
		d->dr_klen[d->dr_nkeys] = 0;
	} else if (d->dr_depth == 3 && d->dr_in_object &&
	    strcmp(name, "VersionId") == 0) {
		d->dr_in_vid = true;
		d->dr_vid_len = 0;
	}
}

static void
on_end(void *arg, const char *name)
{
	struct delete_req *d = arg;

	(void)name;
	if (d->dr_in_vid && d->dr_depth == 3) {
		d->dr_in_vid = false;
		if (d->dr_vid_len == 0)
			strcpy(d->dr_vid[d->dr_nkeys], "?");
	} else if (d->dr_in_key && d->dr_depth == 3) {
		d->dr_in_key = false;
		d->dr_klen[d->dr_nkeys] = d->dr_len - d->dr_off[d->dr_nkeys];
		dr_append(d, "", 1);
	} else if (d->dr_in_object && d->dr_depth == 2) {
		d->dr_in_object = false;
		if (d->dr_klen[d->dr_nkeys] == (size_t)-1)
			d->dr_bad = true;	/* an Object needs a Key */
		d->dr_nkeys++;
	} else if (d->dr_in_quiet && d->dr_depth == 2) {
		d->dr_in_quiet = false;
		d->dr_quiet_text[d->dr_quiet_len] = '\0';
		if (strcmp(d->dr_quiet_text, "true") == 0)
			d->dr_quiet = true;
		else if (strcmp(d->dr_quiet_text, "false") != 0)
			d->dr_bad = true;
	}
	d->dr_depth--;
}

static void
on_text(void *arg, const char *s, int len)
{
	struct delete_req *d = arg;

	if (d->dr_in_key && d->dr_depth == 3)
		dr_append(d, s, (size_t)len);
	else if (d->dr_in_vid && d->dr_depth == 3)
		vid_append(d, s, (size_t)len);
	else if (d->dr_in_quiet && d->dr_depth == 2 &&
	    !xml_text_add(d->dr_quiet_text, sizeof(d->dr_quiet_text),
	    &d->dr_quiet_len, s, len))
		d->dr_bad = true;
}

static const struct xml_sax delete_sax = { on_start, on_end, on_text };

static bool
parse(struct delete_req *d, const char *body, size_t len)
{
	return xml_parse(body, len, &delete_sax, d) == 0 && !d->dr_bad &&
	    d->dr_nkeys > 0;
}

/*
 * read_body reads the whole (bounded) body; S3 wants it checked against a
 * Content-MD5 or an additional checksum.
 */
static enum s3_err
read_body(struct s3_req *r, char **out, size_t *outlen)
{
	struct http_req *hr = r->sr_http;

	if (http_header(hr, "content-md5", NULL) == NULL &&
	    http_header(hr, "x-amz-sdk-checksum-algorithm", NULL) == NULL)
		return S3E_INVALID_REQUEST;
	return s3_body_whole(r, DELETE_MAXBODY, S3E_MALFORMED_XML, out,
	    outlen);
}

/* What one key's delete did, for its result entry. */
struct delete_done {
	const char	*dd_asked;	/* VersionId asked, "" if none */
	char		 dd_vid[PROTO_VERIDLEN + 1];
	bool		 dd_marker;
};

/*
 * delete_check checks one key and whether the request may delete it;
 * returns 0 or the error to report for it.
 */
static int
delete_check(struct s3_req *r, struct proto_str key, const char *asked)
{
	if (key.ps_len == 0 || key.ps_len > PROTO_KEYMAX ||
	    memchr(key.ps_ptr, '\0', key.ps_len) != NULL)
		return CAIRN_EINVAL;
	if (asked[0] != '\0' && !s3_version_valid(asked, strlen(asked)))
		return CAIRN_EINVAL;
	if (s3_authz_key(r, key, asked[0] != '\0' ?
	    "s3:DeleteObjectVersion" : "s3:DeleteObject") != S3E_NONE)
		return CAIRN_EACCES;
	return 0;
}

/* deleted_xml writes a Deleted entry, with the version and marker. */
static void
deleted_xml(struct s3_xml *x, struct proto_str key,
    const struct delete_done *dd)
{
	s3_xml_open(x, "Deleted");
	s3_xml_text(x, "Key", key.ps_ptr, key.ps_len);
	if (dd->dd_asked[0] != '\0')
		s3_xml_str(x, "VersionId", dd->dd_asked);
	if (dd->dd_marker) {
		s3_xml_bool(x, "DeleteMarker", true);
		s3_xml_str(x, "DeleteMarkerVersionId", dd->dd_vid);
	}
	s3_xml_close(x, "Deleted");
}

static void
result_entry(struct s3_xml *x, struct proto_str key, int rc, bool quiet,
    const struct delete_done *dd)
{
	enum s3_err e;

	if (rc == 0) {
		if (!quiet)
			deleted_xml(x, key, dd);
		return;
	}
	e = rc == CAIRN_EINVAL ? S3E_INVALID_ARGUMENT : s3_error_from(rc);
	s3_xml_open(x, "Error");
	s3_xml_text(x, "Key", key.ps_ptr, key.ps_len);
	if (dd->dd_asked[0] != '\0')
		s3_xml_str(x, "VersionId", dd->dd_asked);
	s3_xml_str(x, "Code", s3_error_code(e));
	s3_xml_str(x, "Message", s3_error_message(e));
	s3_xml_close(x, "Error");
}

/*
 * Deletes out at once.  One at a time, each waited for its own synced
 * write in metad: 1000 keys took a second and more.  Out together they
 * share batches to metad and its synced writes.
 */
#define DELETE_WINDOW	64

/* One key of a window of deletes. */
struct delete_one {
	struct proto_str	 do_key;
	struct rpc_call		 do_call;
	int			 do_rc;		/* of the check, then the delete */
	struct delete_done	 do_done;
	struct msg_ver_done	 do_ver;
};

/* run_window deletes keys first to first + n - 1 and reports each. */
static void
run_window(struct s3_req *r, const struct delete_req *d, int first, int n,
    struct delete_one *w, struct s3_xml *x)
{
	struct delete_one *o;
	int i;

	for (i = 0; i < n; i++) {
		o = &w[i];
		o->do_key.ps_ptr = d->dr_buf + d->dr_off[first + i];
		o->do_key.ps_len = d->dr_klen[first + i];
		o->do_done.dd_asked = d->dr_vid[first + i];
		o->do_rc = delete_check(r, o->do_key, o->do_done.dd_asked);
		if (o->do_rc == 0)
			s3_version_delete_send(r, &o->do_call, o->do_key,
			    proto_str_c(o->do_done.dd_asked), NULL, NULL);
	}
	for (i = 0; i < n; i++) {
		o = &w[i];
		if (o->do_rc == 0) {
			o->do_rc = s3_version_delete_recv(&o->do_call,
			    &o->do_ver, o->do_done.dd_vid,
			    &o->do_done.dd_marker);
			if (o->do_rc == 0)
				s3_version_delete_drop(r, &o->do_ver);
			rpc_call_fini(&o->do_call);
		}
		if (o->do_rc == CAIRN_ENOBUCKET || o->do_rc == CAIRN_EUNAVAIL)
			log_warnx("%s: %s: delete of one key: %s",
			    r->sr_http->hr_id, r->sr_resource,
			    cairn_strerror(o->do_rc));
		result_entry(x, o->do_key, o->do_rc, d->dr_quiet, &o->do_done);
	}
}

/* run deletes every key; a missing bucket fails the whole request. */
static void
run(struct s3_req *r, struct delete_req *d)
{
	struct delete_one *w;
	struct msg_bucket b;
	struct s3_xml x;
	int i, n;

	if (!s3_bucket_of(r, &b))
		return;
	if ((w = calloc(DELETE_WINDOW, sizeof(*w))) == NULL) {
		s3_fail(r, S3E_SLOW_DOWN, NULL);
		return;
	}
	s3_xml_init(&x);
	s3_xml_open_ns(&x, "DeleteResult");
	for (i = 0; i < d->dr_nkeys; i += n) {
		n = d->dr_nkeys - i < DELETE_WINDOW ? d->dr_nkeys - i :
		    DELETE_WINDOW;
		memset(w, 0, (size_t)n * sizeof(*w));
		run_window(r, d, i, n, w, &x);
	}
	s3_xml_close(&x, "DeleteResult");
	s3_respond_doc(r, &x);
	free(w);
}

void
s3_objects_delete(struct s3_req *r)
{
	struct delete_req *d;
	enum s3_err e;
	size_t len;
	char *body;

	if ((e = read_body(r, &body, &len)) != S3E_NONE) {
		s3_fail(r, e, e != S3E_INVALID_REQUEST ? NULL : "Missing "
		    "required header for this request: Content-Md5");
		return;
	}
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		free(body);
		s3_fail(r, S3E_SLOW_DOWN, NULL);
		return;
	}
	if (!parse(d, body, len))
		s3_fail(r, S3E_MALFORMED_XML, NULL);
	else
		run(r, d);
	free(d->dr_buf);
	free(d);
	free(body);
}
