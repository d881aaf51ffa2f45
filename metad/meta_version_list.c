/* meta_version_list.c - ListObjectVersions pages and versions in scans */
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

/*
 * The state of one ListObjectVersions page, on the worker's stack.  Two
 * iterators over one snapshot: vs_oit walks the latest records ("O"
 * bucket NUL prefix), vs_vit the noncurrent versions of the key vs_oit is
 * on.  Keys and version ids of the reply are copied into vs_page's zone.
 */
struct ver_scan {
	struct meta_db			*vs_db;
	const struct msg_ver_list_req	*vs_req;
	const leveldb_snapshot_t	*vs_snap;
	leveldb_readoptions_t		*vs_read;
	leveldb_iterator_t		*vs_oit;
	leveldb_iterator_t		*vs_vit;
	struct meta_list_page		 vs_page;
	struct msg_ver_list_reply	 vs_reply;
	bool				 vs_full;	/* page is full */
};

/* ver_rollup: the length of the common prefix key rolls up into, or 0. */
static size_t
ver_rollup(const struct msg_ver_list_req *l, struct proto_str key)
{
	return meta_list_rollup(l->vl_prefix, l->vl_delimiter, key);
}

/* ver_seek moves vs_oit to object key k, or with past, after all keys
 * that start with k. */
static void
ver_seek(struct ver_scan *vs, struct proto_str k, bool past)
{
	char buf[META_KEYLEN];
	size_t len;

	memcpy(buf, vs->vs_page.lp_key, vs->vs_page.lp_bucketlen);
	if (k.ps_len > 0)
		memcpy(buf + vs->vs_page.lp_bucketlen, k.ps_ptr, k.ps_len);
	len = vs->vs_page.lp_bucketlen + k.ps_len;
	if (past) {
		while (len > 0 && (unsigned char)buf[len - 1] == 0xff)
			len--;
		buf[len - 1]++;
	}
	leveldb_iter_seek(vs->vs_oit, buf, len);
}

/* ver_current gives the object key under vs_oit if it is in range. */
static bool
ver_current(struct ver_scan *vs, struct proto_str *key)
{
	const char *k;
	size_t klen;

	if (!leveldb_iter_valid(vs->vs_oit))
		return false;
	k = leveldb_iter_key(vs->vs_oit, &klen);
	if (klen < vs->vs_page.lp_keylen || memcmp(k, vs->vs_page.lp_key, vs->vs_page.lp_keylen) != 0)
		return false;
	key->ps_ptr = k + vs->vs_page.lp_bucketlen;
	key->ps_len = klen - vs->vs_page.lp_bucketlen;
	return true;
}

static struct proto_str
ver_copy(struct ver_scan *vs, const char *p, size_t len)
{
	struct proto_str c = { NULL, len };
	char *d;

	if ((d = msgpack_zone_malloc_no_align(vs->vs_page.lp_zone, len + 1)) == NULL)
		return c;
	memcpy(d, p, len);
	c.ps_ptr = d;
	return c;
}

/* ver_room tells whether one more entry or prefix fits in the page. */
static bool
ver_room(struct ver_scan *vs)
{
	const struct msg_ver_list_reply *r = &vs->vs_reply;

	if (r->vl_nentries + r->vl_nprefixes < vs->vs_req->vl_max)
		return true;
	vs->vs_full = true;
	return false;
}

/* ver_add lists one version (its stored record val) of key. */
static int
ver_add(struct ver_scan *vs, struct proto_str key, const char *val,
    size_t vlen, bool latest)
{
	struct msg_ver_list_reply *r = &vs->vs_reply;
	struct msg_ver_entry *e = &r->vl_entries[r->vl_nentries];
	struct msg_objrec *rec;
	msgpack_unpacked u;
	int rc;

	if ((rec = malloc(sizeof(*rec))) == NULL)
		return CAIRN_ENOMEM;
	msgpack_unpacked_init(&u);
	if ((rc = meta_db_unpack_objrec(&u, val, vlen, rec)) == 0) {
		memset(e, 0, sizeof(*e));
		e->ve_key = key;
		e->ve_version_id = rec->or_version_id.ps_len == 0 ?
		    proto_str_c("null") : ver_copy(vs, rec->or_version_id.ps_ptr,
		    rec->or_version_id.ps_len);
		e->ve_latest = latest;
		e->ve_delete_marker = rec->or_delete_marker;
		e->ve_size = rec->or_size;
		e->ve_mtime_ns = rec->or_mtime_ns;
		memcpy(e->ve_etag, rec->or_etag, sizeof(e->ve_etag));
		e->ve_nparts = rec->or_nparts;
		if (e->ve_version_id.ps_ptr == NULL)
			rc = CAIRN_ENOMEM;
	}
	msgpack_unpacked_destroy(&u);
	free(rec);
	if (rc != 0)
		return rc;
	r->vl_nentries++;
	r->vl_next_key = key;
	r->vl_next_version = e->ve_version_id;
	return 0;
}

/*
 * ver_noncurrent lists the noncurrent versions of key, from the one
 * after the "V" key after (alen bytes; 0: from the newest).
 */
static int
ver_noncurrent(struct ver_scan *vs, struct proto_str key, const char *after,
    size_t alen)
{
	char pfx[META_VKEYLEN];
	const char *k, *v;
	size_t plen, klen, vlen;
	int rc = 0;

	plen = meta_version_prefix(pfx, vs->vs_req->vl_bucket, key);
	if (alen > 0) {
		leveldb_iter_seek(vs->vs_vit, after, alen);
		if (leveldb_iter_valid(vs->vs_vit) &&
		    (k = leveldb_iter_key(vs->vs_vit, &klen), klen == alen) &&
		    memcmp(k, after, alen) == 0)
			leveldb_iter_next(vs->vs_vit);
	} else
		leveldb_iter_seek(vs->vs_vit, pfx, plen);
	for (; rc == 0 && leveldb_iter_valid(vs->vs_vit);
	    leveldb_iter_next(vs->vs_vit)) {
		k = leveldb_iter_key(vs->vs_vit, &klen);
		if (klen != plen + 8 || memcmp(k, pfx, plen) != 0)
			break;
		if (!ver_room(vs))
			break;
		v = leveldb_iter_value(vs->vs_vit, &vlen);
		rc = ver_add(vs, key, v, vlen, false);
	}
	return rc;
}

/* ver_key lists every version of the key under vs_oit, newest first. */
static int
ver_key(struct ver_scan *vs, struct proto_str k)
{
	struct proto_str key;
	const char *v;
	size_t vlen;
	int rc;

	if (!ver_room(vs))
		return 0;
	if ((key = ver_copy(vs, k.ps_ptr, k.ps_len)).ps_ptr == NULL)
		return CAIRN_ENOMEM;
	v = leveldb_iter_value(vs->vs_oit, &vlen);
	if ((rc = ver_add(vs, key, v, vlen, true)) != 0)
		return rc;
	return ver_noncurrent(vs, key, NULL, 0);
}

/* ver_marker_key finds the "V" key after which the page goes on, when
 * the version marker names a noncurrent version of key; 0 if none. */
static size_t
ver_marker_key(struct ver_scan *vs, struct proto_str key, char *vkey)
{
	struct proto_str vm = vs->vs_req->vl_version_marker;
	uint64_t mtime;
	bool null;

	if (meta_version_id_parse(vm, &null, &mtime) != 0 || null)
		return 0;
	return meta_version_key(vkey, vs->vs_req->vl_bucket, key, mtime);
}

/* ver_resume continues inside the key marker's versions. */
static int
ver_resume(struct ver_scan *vs, struct proto_str k)
{
	struct proto_str vm = vs->vs_req->vl_version_marker, key;
	char vkey[META_VKEYLEN];
	struct msg_objrec *rec;
	msgpack_unpacked u;
	const char *v;
	size_t vlen, vklen;
	bool latest = false;

	if ((key = ver_copy(vs, k.ps_ptr, k.ps_len)).ps_ptr == NULL ||
	    (rec = malloc(sizeof(*rec))) == NULL)
		return CAIRN_ENOMEM;
	v = leveldb_iter_value(vs->vs_oit, &vlen);
	msgpack_unpacked_init(&u);
	if (meta_db_unpack_objrec(&u, v, vlen, rec) == 0)
		latest = rec->or_version_id.ps_len == 0 ?
		    proto_str_eq(vm, "null") :
		    (vm.ps_len == rec->or_version_id.ps_len && memcmp(vm.ps_ptr,
		    rec->or_version_id.ps_ptr, vm.ps_len) == 0);
	msgpack_unpacked_destroy(&u);
	free(rec);
	if (latest)
		return ver_noncurrent(vs, key, NULL, 0);
	if ((vklen = ver_marker_key(vs, key, vkey)) == 0)
		return 0;	/* a null marker not latest: skip the key */
	return ver_noncurrent(vs, key, vkey, vklen);
}

/* ver_start seeks to the first key of the page and lists the rest of
 * the key marker's versions. */
static int
ver_start(struct ver_scan *vs)
{
	const struct msg_ver_list_req *l = vs->vs_req;
	struct proto_str km = l->vl_key_marker, key;
	size_t r;

	if (km.ps_len == 0 || meta_list_cmp(km, l->vl_prefix) < 0) {
		ver_seek(vs, l->vl_prefix, false);
		return 0;
	}
	if ((r = ver_rollup(l, km)) > 0 && km.ps_len >= l->vl_prefix.ps_len &&
	    memcmp(km.ps_ptr, l->vl_prefix.ps_ptr, l->vl_prefix.ps_len) == 0) {
		km.ps_len = r;
		ver_seek(vs, km, true);
		return 0;
	}
	ver_seek(vs, km, false);
	if (!ver_current(vs, &key) || meta_list_cmp(key, km) != 0)
		return 0;
	if (l->vl_version_marker.ps_len > 0) {
		int rc = ver_resume(vs, key);

		if (rc != 0)
			return rc;
	}
	leveldb_iter_next(vs->vs_oit);
	return 0;
}

/* ver_run fills the page. */
static int
ver_run(struct ver_scan *vs)
{
	struct msg_ver_list_reply *r = &vs->vs_reply;
	struct proto_str key, cp;
	int rc;

	if (vs->vs_req->vl_max == 0)
		return 0;
	if ((rc = ver_start(vs)) != 0)
		return rc;
	while (rc == 0 && !vs->vs_full && ver_current(vs, &key)) {
		if ((cp.ps_len = ver_rollup(vs->vs_req, key)) > 0) {
			if (!ver_room(vs))
				break;
			cp = ver_copy(vs, key.ps_ptr, cp.ps_len);
			if (cp.ps_ptr == NULL)
				return CAIRN_ENOMEM;
			r->vl_prefixes[r->vl_nprefixes++] = cp;
			r->vl_next_key = cp;
			r->vl_next_version = proto_str_c("");
			ver_seek(vs, cp, true);
			continue;
		}
		if ((rc = ver_key(vs, key)) == 0 && !vs->vs_full)
			leveldb_iter_next(vs->vs_oit);
	}
	r->vl_truncated = vs->vs_full;
	if (!r->vl_truncated) {
		r->vl_next_key = proto_str_c("");
		r->vl_next_version = proto_str_c("");
	}
	return rc;
}

/* ver_init prepares a page; ver_free undoes it. */
static int
ver_init(struct ver_scan *vs, struct meta_db *db,
    const struct msg_ver_list_req *l)
{
	struct msg_ver_list_reply *r = &vs->vs_reply;
	void *a, *b;
	int rc;

	memset(vs, 0, sizeof(*vs));
	vs->vs_db = db;
	vs->vs_req = l;
	rc = meta_list_page_init(&vs->vs_page, l->vl_bucket, l->vl_prefix,
	    l->vl_max, &a, sizeof(*r->vl_entries), &b,
	    sizeof(*r->vl_prefixes));
	r->vl_entries = a;
	r->vl_prefixes = b;
	if (rc != 0)
		return rc;
	vs->vs_snap = leveldb_create_snapshot(db->md_db);
	vs->vs_read = leveldb_readoptions_create();
	leveldb_readoptions_set_snapshot(vs->vs_read, vs->vs_snap);
	vs->vs_oit = leveldb_create_iterator(db->md_db, vs->vs_read);
	vs->vs_vit = leveldb_create_iterator(db->md_db, vs->vs_read);
	return 0;
}

static void
ver_free(struct ver_scan *vs)
{
	if (vs->vs_oit != NULL)
		leveldb_iter_destroy(vs->vs_oit);
	if (vs->vs_vit != NULL)
		leveldb_iter_destroy(vs->vs_vit);
	if (vs->vs_read != NULL)
		leveldb_readoptions_destroy(vs->vs_read);
	if (vs->vs_snap != NULL)
		leveldb_release_snapshot(vs->vs_db->md_db, vs->vs_snap);
	meta_list_page_free(&vs->vs_page);
	memset(vs, 0, sizeof(*vs));
}

int
meta_version_list(struct meta_db *db, const struct msg_ver_list_req *l,
    msgpack_packer *reply)
{
	struct ver_scan vs;
	int rc;

	if ((rc = meta_list_args(l->vl_bucket, l->vl_max,
	    (const struct proto_str *const[]){ &l->vl_prefix, &l->vl_delimiter,
	    &l->vl_key_marker }, 3)) != 0)
		return rc;
	if ((rc = meta_db_bucket_exists(db, l->vl_bucket)) != 0)
		return rc;
	if ((rc = ver_init(&vs, db, l)) == 0)
		rc = ver_run(&vs);
	if (rc == 0)
		msg_ver_list_reply_pack(reply, &vs.vs_reply);
	ver_free(&vs);
	return rc;
}

void
meta_version_scan(leveldb_iterator_t *it, msgpack_packer *pk,
    const msgpack_sbuffer *sb, size_t maxbytes, struct proto_str bucket,
    struct proto_str key, const char *after, uint32_t *n, uint32_t max,
    bool *more)
{
	char pfx[META_VKEYLEN];
	struct proto_str ek;
	const char *k, *v;
	size_t plen, klen, vlen;

	plen = meta_version_prefix(pfx, bucket, key);
	if (after != NULL) {
		memcpy(pfx + plen, after, 8);
		leveldb_iter_seek(it, pfx, plen + 8);
		if (leveldb_iter_valid(it) &&
		    (k = leveldb_iter_key(it, &klen), klen == plen + 8) &&
		    memcmp(k, pfx, plen + 8) == 0)
			leveldb_iter_next(it);
	} else
		leveldb_iter_seek(it, pfx, plen);
	for (; leveldb_iter_valid(it); leveldb_iter_next(it)) {
		k = leveldb_iter_key(it, &klen);
		if (klen != plen + 8 || memcmp(k, pfx, plen) != 0)
			break;
		if (*n == max || sb->size >= maxbytes) {
			*more = true;
			break;
		}
		/* The entry's key: the object key, NUL, the order bytes. */
		ek.ps_ptr = k + 2 + bucket.ps_len;
		ek.ps_len = klen - 2 - bucket.ps_len;
		v = leveldb_iter_value(it, &vlen);
		msg_scan_entry_pack(pk, bucket, ek, v, vlen);
		(*n)++;
	}
}
