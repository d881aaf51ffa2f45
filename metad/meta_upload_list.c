/* meta_upload_list.c - ListParts and ListMultipartUploads pages */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <leveldb/c.h>
#include <msgpack.h>

#include "errors.h"
#include "log.h"
#include "metad.h"
#include "proto.h"

/* --- ListParts ---------------------------------------------------------------- */

/* part_cksum copies the part's checksum header, if any, into e. */
static void
part_cksum(const struct msg_objrec *r, struct msg_part_entry *e)
{
	struct proto_str n, v;

	if (!meta_upload_part_cksum(r, &n, &v) ||
	    n.ps_len >= sizeof(e->pe_cksum_name) ||
	    v.ps_len >= sizeof(e->pe_cksum))
		return;
	memcpy(e->pe_cksum_name, n.ps_ptr, n.ps_len);
	e->pe_cksum_name[n.ps_len] = '\0';
	memcpy(e->pe_cksum, v.ps_ptr, v.ps_len);
	e->pe_cksum[v.ps_len] = '\0';
}

/* part_entry fills e from one stored part record. */
static int
part_entry(const char *k, const char *v, size_t vlen, struct msg_objrec *r,
    struct msg_part_entry *e)
{
	msgpack_unpacked u;
	size_t off = 0;
	int rc = CAIRN_EINTERNAL;

	msgpack_unpacked_init(&u);
	if (msgpack_unpack_next(&u, v, vlen, &off) == MSGPACK_UNPACK_SUCCESS &&
	    msg_objrec_unpack(&u.data, r) == 0) {
		e->pe_number = (uint32_t)(unsigned char)k[0] << 24 |
		    (uint32_t)(unsigned char)k[1] << 16 |
		    (uint32_t)(unsigned char)k[2] << 8 | (unsigned char)k[3];
		e->pe_size = r->or_size;
		e->pe_mtime_ns = r->or_mtime_ns;
		memcpy(e->pe_etag, r->or_etag, 16);
		part_cksum(r, e);
		rc = 0;
	}
	msgpack_unpacked_destroy(&u);
	return rc;
}

/* parts_scan fills pr with the parts after the marker. */
static int
parts_scan(struct meta_db *db, const struct msg_part_list_req *pl,
    struct msg_part_list_reply *pr, struct msg_objrec *r)
{
	char key[META_PARTKEYLEN];
	leveldb_iterator_t *it;
	const char *k, *v;
	size_t klen, vlen;
	uint32_t from = pl->pl_marker < PROTO_PARTMAX ? pl->pl_marker + 1 :
	    PROTO_PARTMAX + 1;
	int rc = 0;

	key[0] = META_K_PART;
	memcpy(key + 1, pl->pl_ref.u_upload_id.ps_ptr, PROTO_UPLOADIDLEN);
	key[1 + PROTO_UPLOADIDLEN] = (char)(from >> 24);
	key[2 + PROTO_UPLOADIDLEN] = (char)(from >> 16);
	key[3 + PROTO_UPLOADIDLEN] = (char)(from >> 8);
	key[4 + PROTO_UPLOADIDLEN] = (char)from;
	it = leveldb_create_iterator(db->md_db, db->md_read);
	for (leveldb_iter_seek(it, key, sizeof(key)); rc == 0 &&
	    leveldb_iter_valid(it); leveldb_iter_next(it)) {
		k = leveldb_iter_key(it, &klen);
		if (klen != sizeof(key) || memcmp(k, key, 1 +
		    PROTO_UPLOADIDLEN) != 0)
			break;
		if (pr->pr_nentries == pl->pl_max) {
			pr->pr_truncated = pl->pl_max > 0;
			break;
		}
		v = leveldb_iter_value(it, &vlen);
		rc = part_entry(k + 1 + PROTO_UPLOADIDLEN, v, vlen, r,
		    &pr->pr_entries[pr->pr_nentries]);
		if (rc == 0)
			pr->pr_next = pr->pr_entries[pr->pr_nentries++].pe_number;
	}
	leveldb_iter_destroy(it);
	return rc;
}

int
meta_upload_parts(struct meta_db *db, const struct msg_part_list_req *pl,
    msgpack_packer *reply)
{
	struct msg_part_list_reply pr;
	struct msg_objrec *r;
	char ukey[META_UPKEYLEN], *val;
	size_t vlen;
	int rc;

	if ((rc = meta_upload_check(&pl->pl_ref)) != 0)
		return rc;
	rc = meta_db_get(db, ukey, meta_upload_key(ukey, &pl->pl_ref), &val,
	    &vlen);
	if (rc == CAIRN_ENOENT) {
		rc = meta_db_bucket_exists(db, pl->pl_ref.u_bucket);
		return rc == 0 ? CAIRN_ENOUPLOAD : rc;
	}
	if (rc != 0)
		return rc;
	leveldb_free(val);
	memset(&pr, 0, sizeof(pr));
	pr.pr_entries = calloc(pl->pl_max + 1, sizeof(*pr.pr_entries));
	r = malloc(sizeof(*r));
	if (pr.pr_entries == NULL || r == NULL)
		rc = CAIRN_ENOMEM;
	else
		rc = parts_scan(db, pl, &pr, r);
	if (rc == 0)
		msg_part_list_reply_pack(reply, &pr);
	free(pr.pr_entries);
	free(r);
	return rc;
}

/* --- ListMultipartUploads --------------------------------------------------------- */

/*
 * One page of uploads, on the stack of the worker that runs it.  us_pfx
 * holds "U" bucket NUL: every key of the bucket's uploads starts with it.
 * Names of the reply are copied into us_zone (the iterator moves on).
 */
struct upload_scan {
	const struct msg_upload_list_req *us_req;
	leveldb_iterator_t		*us_it;
	msgpack_zone			*us_zone;
	char				 us_pfx[2 + PROTO_BUCKETMAX];
	size_t				 us_pfxlen;
	struct msg_upload_list_reply	 us_reply;
	uint32_t			 us_cap;
};

static bool
starts(const char *s, size_t len, struct proto_str p)
{
	return len >= p.ps_len && (p.ps_len == 0 ||
	    memcmp(s, p.ps_ptr, p.ps_len) == 0);
}

/* rollup returns the length of key's common prefix, or 0. */
static size_t
rollup(const struct msg_upload_list_req *ul, const char *key, size_t len)
{
	return meta_list_rollup(ul->ul_prefix, ul->ul_delimiter,
	    (struct proto_str){ key, len });
}

/*
 * seek moves to "U" bucket NUL key, then NUL id if id is given; with past
 * set, beyond every upload key that starts with that.
 */
static void
seek(struct upload_scan *s, const char *key, size_t klen, const char *id,
    size_t idlen, bool past)
{
	char buf[META_UPKEYLEN];
	size_t len = s->us_pfxlen;

	memcpy(buf, s->us_pfx, len);
	memcpy(buf + len, key, klen);
	len += klen;
	if (id != NULL) {
		buf[len++] = '\0';
		memcpy(buf + len, id, idlen);
		len += idlen;
	}
	if (past) {
		while (len > 0 && (unsigned char)buf[len - 1] == 0xff)
			len--;
		buf[len - 1]++;
	}
	leveldb_iter_seek(s->us_it, buf, len);
}

/* seek_start finds the first upload after the markers. */
static void
seek_start(struct upload_scan *s)
{
	const struct msg_upload_list_req *ul = s->us_req;
	const struct proto_str km = ul->ul_key_marker, p = ul->ul_prefix;
	size_t cp;
	int c;

	c = km.ps_len == 0 ? -1 : memcmp(km.ps_ptr, p.ps_ptr,
	    km.ps_len < p.ps_len ? km.ps_len : p.ps_len);
	if (c < 0 || (c == 0 && km.ps_len < p.ps_len)) {
		seek(s, p.ps_ptr, p.ps_len, NULL, 0, false);
		return;
	}
	if ((cp = rollup(ul, km.ps_ptr, km.ps_len)) > 0 &&
	    starts(km.ps_ptr, km.ps_len, p))
		seek(s, km.ps_ptr, cp, NULL, 0, true);
	else if (ul->ul_upload_id_marker.ps_len > 0)
		seek(s, km.ps_ptr, km.ps_len, ul->ul_upload_id_marker.ps_ptr,
		    ul->ul_upload_id_marker.ps_len, true);
	else	/* past "key" NUL: every upload of the marker's key */
		seek(s, km.ps_ptr, km.ps_len, "", 0, true);
}

static struct proto_str
zone_copy(struct upload_scan *s, const char *p, size_t len)
{
	struct proto_str r = { "", 0 };
	char *c;

	if (len > 0 && (c = msgpack_zone_malloc_no_align(s->us_zone, len)) !=
	    NULL) {
		memcpy(c, p, len);
		r.ps_ptr = c;
		r.ps_len = len;
	}
	return r;
}

/* add_item lists one upload key (or its common prefix); false when full. */
static bool
add_item(struct upload_scan *s, const char *k, size_t klen)
{
	struct msg_upload_list_reply *ur = &s->us_reply;
	struct msg_upload_entry *e;
	const char *key = k + s->us_pfxlen, *id = k + klen - PROTO_UPLOADIDLEN;
	size_t keylen = klen - s->us_pfxlen - 1 - PROTO_UPLOADIDLEN, cp;
	char hex[17];

	if (ur->ur_nentries + ur->ur_nprefixes == s->us_cap) {
		ur->ur_truncated = s->us_cap > 0;
		return false;
	}
	if ((cp = rollup(s->us_req, key, keylen)) > 0) {
		ur->ur_prefixes[ur->ur_nprefixes] = zone_copy(s, key, cp);
		ur->ur_next_key = ur->ur_prefixes[ur->ur_nprefixes++];
		ur->ur_next_upload_id = proto_str_c("");
		seek(s, key, cp, NULL, 0, true);
		return true;
	}
	e = &ur->ur_entries[ur->ur_nentries++];
	e->ue_key = zone_copy(s, key, keylen);
	e->ue_upload_id = zone_copy(s, id, PROTO_UPLOADIDLEN);
	memcpy(hex, id, 16);
	hex[16] = '\0';
	e->ue_initiated_ns = strtoull(hex, NULL, 16);
	ur->ur_next_key = e->ue_key;
	ur->ur_next_upload_id = e->ue_upload_id;
	leveldb_iter_next(s->us_it);
	return true;
}

static void
uploads_scan(struct upload_scan *s)
{
	const char *k;
	size_t klen;

	seek_start(s);
	while (leveldb_iter_valid(s->us_it)) {
		k = leveldb_iter_key(s->us_it, &klen);
		if (klen < s->us_pfxlen + 2 + PROTO_UPLOADIDLEN ||
		    memcmp(k, s->us_pfx, s->us_pfxlen) != 0 ||
		    !starts(k + s->us_pfxlen, klen - s->us_pfxlen,
		    s->us_req->ul_prefix))
			break;
		if (!add_item(s, k, klen))
			break;
	}
}

int
meta_upload_list(struct meta_db *db, const struct msg_upload_list_req *ul,
    msgpack_packer *reply)
{
	static const struct proto_str nokey = { "", 0 };
	struct upload_scan s;
	char okey[META_KEYLEN];
	int rc;

	if (meta_db_check_name(ul->ul_bucket, PROTO_BUCKETMAX) != 0)
		return CAIRN_EINVAL;
	if ((rc = meta_db_bucket_exists(db, ul->ul_bucket)) != 0)
		return rc;
	memset(&s, 0, sizeof(s));
	s.us_req = ul;
	s.us_cap = ul->ul_max;
	s.us_pfxlen = meta_db_obj_key(okey, ul->ul_bucket, nokey);
	memcpy(s.us_pfx, okey, s.us_pfxlen);
	s.us_pfx[0] = META_K_UPLOAD;
	s.us_reply.ur_entries = calloc(ul->ul_max + 1,
	    sizeof(*s.us_reply.ur_entries));
	s.us_reply.ur_prefixes = calloc(ul->ul_max + 1,
	    sizeof(*s.us_reply.ur_prefixes));
	s.us_zone = msgpack_zone_new(8192);
	rc = CAIRN_ENOMEM;
	if (s.us_reply.ur_entries != NULL && s.us_reply.ur_prefixes != NULL &&
	    s.us_zone != NULL) {
		s.us_it = leveldb_create_iterator(db->md_db, db->md_read);
		uploads_scan(&s);
		leveldb_iter_destroy(s.us_it);
		msg_upload_list_reply_pack(reply, &s.us_reply);
		rc = 0;
	}
	free(s.us_reply.ur_entries);
	free(s.us_reply.ur_prefixes);
	if (s.us_zone != NULL)
		msgpack_zone_free(s.us_zone);
	return rc;
}
