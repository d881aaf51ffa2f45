/* s3_attributes.c - GetObjectAttributes: ETag, checksum, parts, size */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "errors.h"
#include "gatewayd.h"

/* The attributes x-amz-object-attributes may name, as bits. */
#define ATTR_ETAG	0x01
#define ATTR_CHECKSUM	0x02
#define ATTR_PARTS	0x04
#define ATTR_CLASS	0x08
#define ATTR_SIZE	0x10

static const struct attr_name {
	const char	*an_name;
	unsigned	 an_bit;
} attr_names[] = {
	{ "ETag", ATTR_ETAG },
	{ "Checksum", ATTR_CHECKSUM },
	{ "ObjectParts", ATTR_PARTS },
	{ "StorageClass", ATTR_CLASS },
	{ "ObjectSize", ATTR_SIZE },
};
#define ATTR_NNAMES	(sizeof(attr_names) / sizeof(attr_names[0]))

/* What one request asks for; the strings of the checksum are copies. */
struct attr_req {
	unsigned	 ar_want;
	uint32_t	 ar_marker;	/* x-amz-part-number-marker */
	uint32_t	 ar_max;	/* x-amz-max-parts */
	char		 ar_ck_name[40];	/* x-amz-checksum-<alg>; "" */
	char		 ar_ck_value[80];
	char		 ar_ck_type[16];
};

/* attr_word takes one name of the list; false if S3 knows no such. */
static bool
attr_word(struct attr_req *a, const char *w, size_t len)
{
	size_t i;

	while (len > 0 && (*w == ' ' || *w == '\t')) {
		w++;
		len--;
	}
	while (len > 0 && (w[len - 1] == ' ' || w[len - 1] == '\t'))
		len--;
	for (i = 0; i < ATTR_NNAMES; i++)
		if (strlen(attr_names[i].an_name) == len &&
		    strncmp(attr_names[i].an_name, w, len) == 0) {
			a->ar_want |= attr_names[i].an_bit;
			return true;
		}
	return false;
}

/* attr_header reads an optional unsigned header into *v (at most max). */
static bool
attr_header(struct http_req *hr, const char *name, uint32_t max, uint32_t *v)
{
	char buf[16], *end;
	const char *s;
	unsigned long n;
	size_t len;

	if ((s = http_header(hr, name, &len)) == NULL)
		return true;
	if (len == 0 || len >= sizeof(buf) || s[0] == '-')
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	n = strtoul(buf, &end, 10);
	if (*end != '\0')
		return false;
	*v = n > max ? max : (uint32_t)n;
	return true;
}

static enum s3_err
attr_parse(struct s3_req *r, struct attr_req *a, const char **why)
{
	const char *v, *comma;
	size_t len, n;

	memset(a, 0, sizeof(*a));
	a->ar_max = PROTO_LISTMAX;
	v = http_header(r->sr_http, "x-amz-object-attributes", &len);
	*why = "The x-amz-object-attributes header specifying the attributes "
	    "to be retrieved is either missing or empty";
	if (v == NULL || len == 0)
		return S3E_INVALID_ARGUMENT;
	*why = "Invalid attribute name specified.";
	for (; len > 0; v += n + (n < len), len -= n + (n < len)) {
		comma = memchr(v, ',', len);
		n = comma != NULL ? (size_t)(comma - v) : len;
		if (!attr_word(a, v, n))
			return S3E_INVALID_ARGUMENT;
	}
	*why = NULL;
	if (!attr_header(r->sr_http, "x-amz-max-parts", PROTO_LISTMAX,
	    &a->ar_max) || !attr_header(r->sr_http,
	    "x-amz-part-number-marker", PROTO_PARTMAX, &a->ar_marker))
		return S3E_INVALID_ARGUMENT;
	return S3E_NONE;
}

/* attr_copy copies a stored string into buf, NUL-terminated, if it fits. */
static bool
attr_copy(char *buf, size_t size, struct proto_str s)
{
	if (s.ps_len >= size)
		return false;
	memcpy(buf, s.ps_ptr, s.ps_len);
	buf[s.ps_len] = '\0';
	return true;
}

/* attr_checksum finds the object's checksum and its type in rec. */
static void
attr_checksum(struct attr_req *a, const struct msg_objrec *rec)
{
	char name[40];
	uint32_t i;

	snprintf(a->ar_ck_type, sizeof(a->ar_ck_type), "FULL_OBJECT");
	for (i = 0; i < rec->or_nhdrs; i++) {
		if (proto_str_eq(rec->or_hdr_name[i], "x-amz-checksum-type"))
			(void)attr_copy(a->ar_ck_type, sizeof(a->ar_ck_type),
			    rec->or_hdr_value[i]);
		else if (attr_copy(name, sizeof(name), rec->or_hdr_name[i]) &&
		    s3_checksum_is_value(name) &&
		    attr_copy(a->ar_ck_value, sizeof(a->ar_ck_value),
		    rec->or_hdr_value[i]))
			memcpy(a->ar_ck_name, name, sizeof(name));
	}
}

static void
attr_checksum_xml(struct s3_xml *x, const struct attr_req *a)
{
	if (a->ar_ck_name[0] == '\0')
		return;
	s3_xml_open(x, "Checksum");
	s3_mpck_part_xml(x, a->ar_ck_name, a->ar_ck_value);
	s3_xml_str(x, "ChecksumType", a->ar_ck_type);
	s3_xml_close(x, "Checksum");
}

/* attr_part_xml adds one part, with its checksum if the object has one. */
static void
attr_part_xml(struct s3_xml *x, const struct attr_req *a,
    const struct msg_objpart *p)
{
	char v[PROTO_CKSUMLEN + 1];

	s3_xml_open(x, "Part");
	s3_xml_u64(x, "PartNumber", p->op_number);
	s3_xml_u64(x, "Size", p->op_size);
	if (a->ar_ck_name[0] != '\0' && attr_copy(v, sizeof(v), p->op_cksum))
		s3_mpck_part_xml(x, a->ar_ck_name, v);
	s3_xml_close(x, "Part");
}

/* attr_parts_xml adds the page of a multipart object's parts asked for. */
static void
attr_parts_xml(struct s3_xml *x, const struct attr_req *a,
    const struct msg_objrec *rec)
{
	struct msg_objpart p;
	uint32_t i, n = 0, next = 0;
	bool more = false;

	if (rec->or_nparts == 0)
		return;
	s3_xml_open(x, "ObjectParts");
	s3_xml_u64(x, "PartsCount", rec->or_nparts);
	s3_xml_u64(x, "PartNumberMarker", a->ar_marker);
	for (i = 0; i < rec->or_nparts; i++) {
		msg_objpart_get(rec, i, &p);
		if (p.op_number <= a->ar_marker)
			continue;
		if (n == a->ar_max) {
			more = true;
			break;
		}
		attr_part_xml(x, a, &p);
		next = p.op_number;
		n++;
	}
	s3_xml_u64(x, "NextPartNumberMarker", next);
	s3_xml_u64(x, "MaxParts", a->ar_max);
	s3_xml_bool(x, "IsTruncated", more);
	s3_xml_close(x, "ObjectParts");
}

static void
attr_xml(struct s3_xml *x, const struct attr_req *a,
    const struct msg_objrec *rec)
{
	char etag[48];

	s3_xml_init(x);
	s3_xml_open_ns(x, "GetObjectAttributesResponse");
	if (a->ar_want & ATTR_ETAG) {
		/* Unquoted, unlike the ETag header. */
		s3_object_etag(rec, etag);
		etag[strlen(etag) - 1] = '\0';
		s3_xml_str(x, "ETag", etag + 1);
	}
	if (a->ar_want & ATTR_CHECKSUM)
		attr_checksum_xml(x, a);
	if (a->ar_want & ATTR_PARTS)
		attr_parts_xml(x, a, rec);
	if (a->ar_want & ATTR_CLASS)
		s3_xml_str(x, "StorageClass", "STANDARD");
	if (a->ar_want & ATTR_SIZE)
		s3_xml_u64(x, "ObjectSize", rec->or_size);
	s3_xml_close(x, "GetObjectAttributesResponse");
}

/* attr_respond answers with the document and the object's date. */
static void
attr_respond(struct s3_req *r, struct s3_xml *x, uint64_t mtime_ns)
{
	struct http_hdr_out h[4];
	char date[40];
	size_t n = s3_common_headers(r, h);

	if (x->x_err) {
		s3_fail(r, S3E_SLOW_DOWN, NULL);
		s3_xml_free(x);
		return;
	}
	s3_time_http(mtime_ns, date, sizeof(date));
	h[n++] = (struct http_hdr_out){ "content-type", "application/xml" };
	h[n++] = (struct http_hdr_out){ "last-modified", date };
	atomic_fetch_add(&r->sr_env->gw_bytes_out, x->x_len);
	(void)http_respond(r->sr_http, 200, h, n, x->x_buf, x->x_len);
	s3_xml_free(x);
}

void
s3_attributes(struct s3_req *r)
{
	struct msg_objrec *rec;
	struct attr_req a;
	struct rpc_call c;
	struct s3_xml x;
	const char *why;
	enum s3_err e;
	int rc;

	if ((e = attr_parse(r, &a, &why)) != S3E_NONE) {
		s3_fail(r, e, why);
		return;
	}
	if ((rec = malloc(sizeof(*rec))) == NULL) {
		s3_fail(r, S3E_SLOW_DOWN, NULL);
		return;
	}
	rc = backend_obj_get(&r->sr_env->gw_backend, &c, r->sr_bucket,
	    r->sr_key, rec);
	if (rc != 0) {
		s3_fail_rc(r, rc);
	} else {
		attr_checksum(&a, rec);
		attr_xml(&x, &a, rec);
		attr_respond(r, &x, rec->or_mtime_ns);
	}
	rpc_call_fini(&c);
	free(rec);
}
