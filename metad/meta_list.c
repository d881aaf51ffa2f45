/* meta_list.c - one ListObjects page: a seek-and-scan over a bucket's keys */
#include "config.h"

#include <sys/types.h>

#include <stdbool.h>
#include <string.h>

#include <leveldb/c.h>
#include <msgpack.h>

#include "errors.h"
#include "log.h"
#include "metad.h"
#include "proto.h"

/*
 * The state of one listing, on the stack of the worker that runs it.
 * ls_page.lp_key holds "O" bucket NUL prefix: every key of the page starts
 * with it.  Keys and prefixes of the reply are copied into its zone, since the
 * iterator's memory changes as it moves; the zone dies with the scan.
 * ls_nseeks and ls_nnexts count iterator moves, for logs and tests.
 */
struct meta_list_scan {
	struct meta_db			*ls_db;
	const struct msg_list_req	*ls_req;
	leveldb_iterator_t		*ls_it;
	struct meta_list_page		 ls_page;
	struct msg_list_reply		 ls_reply;
	struct proto_str		 ls_last;	/* last key or prefix */
	uint32_t			 ls_nseeks;
	uint32_t			 ls_nnexts;
};

int
meta_list_cmp(struct proto_str a, struct proto_str b)
{
	size_t n = a.ps_len < b.ps_len ? a.ps_len : b.ps_len;
	int c = n > 0 ? memcmp(a.ps_ptr, b.ps_ptr, n) : 0;

	if (c != 0)
		return c;
	return a.ps_len < b.ps_len ? -1 : a.ps_len > b.ps_len;
}

/* meta_list_starts tells whether s begins with prefix. */
static bool
meta_list_starts(struct proto_str s, struct proto_str prefix)
{
	return s.ps_len >= prefix.ps_len && (prefix.ps_len == 0 ||
	    memcmp(s.ps_ptr, prefix.ps_ptr, prefix.ps_len) == 0);
}

/* meta_list_find returns the offset of needle in s at or after from, or -1. */
static ssize_t
meta_list_find(struct proto_str s, size_t from, struct proto_str needle)
{
	size_t i;

	if (needle.ps_len == 0 || s.ps_len < needle.ps_len)
		return -1;
	for (i = from; i + needle.ps_len <= s.ps_len; i++)
		if (s.ps_ptr[i] == needle.ps_ptr[0] &&
		    memcmp(s.ps_ptr + i, needle.ps_ptr, needle.ps_len) == 0)
			return (ssize_t)i;
	return -1;
}

/* The common prefix is the prefix, then up to and including the first
 * delimiter after it. */
size_t
meta_list_rollup(struct proto_str prefix, struct proto_str delimiter,
    struct proto_str key)
{
	ssize_t d;

	if (delimiter.ps_len == 0 || key.ps_len < prefix.ps_len)
		return 0;
	d = meta_list_find(key, prefix.ps_len, delimiter);
	return d < 0 ? 0 : (size_t)d + delimiter.ps_len;
}

/* objects_rollup is meta_list_rollup for the request of a ListObjects page. */
static size_t
objects_rollup(const struct msg_list_req *l, struct proto_str key)
{
	return meta_list_rollup(l->l_prefix, l->l_delimiter, key);
}

/*
 * meta_list_successor turns buf into the least string above every string
 * that starts with it: drop trailing 0xff bytes, increment the last byte.
 * buf starts with the "O" tag, so it never runs empty.
 */
static size_t
meta_list_successor(char *buf, size_t len)
{
	while (len > 0 && (unsigned char)buf[len - 1] == 0xff)
		len--;
	if (len > 0)
		buf[len - 1]++;
	return len;
}

/*
 * meta_list_seek moves to the first key of the bucket at or after the
 * object key k, or, with past set, after every key that starts with k.
 */
static void
meta_list_seek(struct meta_list_scan *s, struct proto_str k, bool past)
{
	char buf[META_KEYLEN];
	size_t len;

	memcpy(buf, s->ls_page.lp_key, s->ls_page.lp_bucketlen);
	if (k.ps_len > 0)
		memcpy(buf + s->ls_page.lp_bucketlen, k.ps_ptr, k.ps_len);
	len = s->ls_page.lp_bucketlen + k.ps_len;
	if (past)
		len = meta_list_successor(buf, len);
	leveldb_iter_seek(s->ls_it, buf, len);
	s->ls_nseeks++;
}

/*
 * meta_list_current gives the object key under the iterator, if the
 * iterator is on a key of the bucket that starts with the prefix.
 */
static bool
meta_list_current(struct meta_list_scan *s, struct proto_str *key)
{
	const char *k;
	size_t klen;

	if (!leveldb_iter_valid(s->ls_it))
		return false;
	k = leveldb_iter_key(s->ls_it, &klen);
	if (klen < s->ls_page.lp_keylen || memcmp(k, s->ls_page.lp_key, s->ls_page.lp_keylen) != 0)
		return false;
	key->ps_ptr = k + s->ls_page.lp_bucketlen;
	key->ps_len = klen - s->ls_page.lp_bucketlen;
	return true;
}

/*
 * meta_list_start seeks to the first candidate: the prefix, or past
 * start_after.  When start_after lies inside a common prefix, that prefix
 * was listed already (it is how a previous page ended), so start past it.
 */
static void
meta_list_start(struct meta_list_scan *s)
{
	const struct msg_list_req *l = s->ls_req;
	struct proto_str sa = l->l_start_after;
	size_t r;

	if (meta_list_cmp(sa, l->l_prefix) <= 0) {
		meta_list_seek(s, l->l_prefix, false);
		return;
	}
	if (meta_list_starts(sa, l->l_prefix) &&
	    (r = objects_rollup(l, sa)) > 0) {
		sa.ps_len = r;
		meta_list_seek(s, sa, true);
		return;
	}
	meta_list_seek(s, sa, false);
}

/* meta_list_copy copies str into the zone; NULL pointer if out of memory. */
static struct proto_str
meta_list_copy(struct meta_list_scan *s, struct proto_str str)
{
	struct proto_str c = { NULL, str.ps_len };
	char *p;

	if ((p = msgpack_zone_malloc_no_align(s->ls_page.lp_zone, str.ps_len + 1)) ==
	    NULL)
		return c;
	if (str.ps_len > 0)
		memcpy(p, str.ps_ptr, str.ps_len);
	c.ps_ptr = p;
	return c;
}

/* meta_list_add_prefix lists a common prefix and seeks past its keys. */
static int
meta_list_add_prefix(struct meta_list_scan *s, struct proto_str cp)
{
	struct msg_list_reply *lr = &s->ls_reply;
	struct proto_str c = meta_list_copy(s, cp);

	if (c.ps_ptr == NULL)
		return CAIRN_ENOMEM;
	lr->lr_prefixes[lr->lr_nprefixes++] = c;
	s->ls_last = c;
	meta_list_seek(s, c, true);
	return 0;
}

/* meta_list_add_entry lists the key under the iterator and moves on. */
static int
meta_list_add_entry(struct meta_list_scan *s, struct proto_str key)
{
	struct msg_list_reply *lr = &s->ls_reply;
	struct msg_list_entry *e = &lr->lr_entries[lr->lr_nentries];
	struct msg_objrec rec;
	msgpack_unpacked u;
	const char *v;
	size_t vlen;
	int rc = CAIRN_EINTERNAL;

	v = leveldb_iter_value(s->ls_it, &vlen);
	msgpack_unpacked_init(&u);
	if (msgpack_unpack_next(&u, v, vlen, NULL) == MSGPACK_UNPACK_SUCCESS &&
	    msg_objrec_unpack(&u.data, &rec) == 0) {
		memset(e, 0, sizeof(*e));
		e->le_size = rec.or_size;
		e->le_mtime_ns = rec.or_mtime_ns;
		memcpy(e->le_etag, rec.or_etag, sizeof(e->le_etag));
		e->le_nparts = rec.or_nparts;
		rc = 0;
	}
	msgpack_unpacked_destroy(&u);
	if (rc != 0) {
		log_warnx("%s: object record %.*s is damaged", s->ls_db->md_path,
		    (int)(key.ps_len < 128 ? key.ps_len : 128), key.ps_ptr);
		return rc;
	}
	if (rec.or_delete_marker) {	/* the key's latest is deleted */
		leveldb_iter_next(s->ls_it);
		s->ls_nnexts++;
		return 0;
	}
	if ((e->le_key = meta_list_copy(s, key)).ps_ptr == NULL)
		return CAIRN_ENOMEM;
	lr->lr_nentries++;
	s->ls_last = e->le_key;
	leveldb_iter_next(s->ls_it);
	s->ls_nnexts++;
	return 0;
}

/* meta_list_is_marker tells whether the iterator is on a delete marker. */
static bool
meta_list_is_marker(struct meta_list_scan *s)
{
	const char *v;
	size_t vlen;

	v = leveldb_iter_value(s->ls_it, &vlen);
	return meta_version_is_marker(v, vlen);
}

/* meta_list_step lists, skips or rolls up the key under the iterator. */
static int
meta_list_step(struct meta_list_scan *s, struct proto_str key)
{
	struct proto_str cp = key;

	if (meta_list_cmp(key, s->ls_req->l_start_after) <= 0) {
		leveldb_iter_next(s->ls_it);
		s->ls_nnexts++;
		return 0;
	}
	if ((cp.ps_len = objects_rollup(s->ls_req, key)) > 0)
		return meta_list_add_prefix(s, cp);
	return meta_list_add_entry(s, key);
}

/* meta_list_run fills s->ls_reply with one page. */
static int
meta_list_run(struct meta_list_scan *s)
{
	struct msg_list_reply *lr = &s->ls_reply;
	uint32_t max = s->ls_req->l_max_keys;
	struct proto_str key;
	char *err = NULL;
	int rc = 0;

	if (max == 0)
		return 0;
	meta_list_start(s);
	while (rc == 0 && lr->lr_nentries + lr->lr_nprefixes < max &&
	    meta_list_current(s, &key))
		rc = meta_list_step(s, key);
	if (rc != 0)
		return rc;
	/* Anything left under the prefix but delete markers is a new entry
	 * or prefix. */
	while (meta_list_current(s, &key) && objects_rollup(s->ls_req,
	    key) == 0 && meta_list_is_marker(s)) {
		leveldb_iter_next(s->ls_it);
		s->ls_nnexts++;
	}
	if (meta_list_current(s, &key)) {
		lr->lr_truncated = true;
		lr->lr_next = s->ls_last;
	}
	leveldb_iter_get_error(s->ls_it, &err);
	if (err != NULL) {
		log_warnx("%s: list: %s", s->ls_db->md_path, err);
		leveldb_free(err);
		return CAIRN_EIO;
	}
	return 0;
}

int
meta_list_args(struct proto_str bucket, uint32_t max,
    const struct proto_str *const *names, size_t n)
{
	size_t i;

	if (meta_db_check_name(bucket, PROTO_BUCKETMAX) != 0 ||
	    max > PROTO_LISTMAX)
		return CAIRN_EINVAL;
	for (i = 0; i < n; i++)
		if (names[i]->ps_len > 0 &&
		    meta_db_check_name(*names[i], PROTO_KEYMAX) != 0)
			return CAIRN_EINVAL;
	return 0;
}

int
meta_list_page_init(struct meta_list_page *p, struct proto_str bucket,
    struct proto_str prefix, size_t n, void **a, size_t asz, void **b,
    size_t bsz)
{
	static const struct proto_str nokey = { "", 0 };

	memset(p, 0, sizeof(*p));
	p->lp_bucketlen = meta_db_obj_key(p->lp_key, bucket, nokey);
	if (prefix.ps_len > 0)
		memcpy(p->lp_key + p->lp_bucketlen, prefix.ps_ptr,
		    prefix.ps_len);
	p->lp_keylen = p->lp_bucketlen + prefix.ps_len;
	n = n > 0 ? n : 1;
	if ((p->lp_zone = msgpack_zone_new(16384)) == NULL)
		return CAIRN_ENOMEM;
	*a = msgpack_zone_malloc(p->lp_zone, n * asz);
	*b = msgpack_zone_malloc(p->lp_zone, n * bsz);
	return *a == NULL || *b == NULL ? CAIRN_ENOMEM : 0;
}

void
meta_list_page_free(struct meta_list_page *p)
{
	if (p->lp_zone != NULL)
		msgpack_zone_free(p->lp_zone);
	p->lp_zone = NULL;
}

/* meta_list_init prepares s for l; meta_list_free undoes it. */
static int
meta_list_init(struct meta_list_scan *s, struct meta_db *db,
    const struct msg_list_req *l)
{
	struct msg_list_reply *lr = &s->ls_reply;
	void *a, *b;
	int rc;

	memset(s, 0, sizeof(*s));
	s->ls_db = db;
	s->ls_req = l;
	rc = meta_list_page_init(&s->ls_page, l->l_bucket, l->l_prefix,
	    l->l_max_keys, &a, sizeof(*lr->lr_entries), &b,
	    sizeof(*lr->lr_prefixes));
	lr->lr_entries = a;
	lr->lr_prefixes = b;
	if (rc != 0)
		return rc;
	s->ls_it = leveldb_create_iterator(db->md_db, db->md_read);
	return 0;
}

static void
meta_list_free(struct meta_list_scan *s)
{
	if (s->ls_it != NULL)
		leveldb_iter_destroy(s->ls_it);
	meta_list_page_free(&s->ls_page);
	memset(s, 0, sizeof(*s));
}

int
meta_list_objects(struct meta_db *db, const struct msg_list_req *l,
    msgpack_packer *reply)
{
	struct meta_list_scan s;
	int rc;

	if ((rc = meta_list_args(l->l_bucket, l->l_max_keys,
	    (const struct proto_str *const[]){ &l->l_prefix, &l->l_delimiter,
	    &l->l_start_after }, 3)) != 0) {
		log_warnx("list %.*s: bad bucket, prefix, delimiter, "
		    "start_after or max_keys", (int)l->l_bucket.ps_len,
		    l->l_bucket.ps_ptr);
		return rc;
	}
	if ((rc = meta_db_bucket_exists(db, l->l_bucket)) != 0)
		return rc;
	if ((rc = meta_list_init(&s, db, l)) == 0)
		rc = meta_list_run(&s);
	if (rc == 0) {
		msg_list_reply_pack(reply, &s.ls_reply);
		log_debug("list %.*s: %u entries, %u prefixes, %u seeks, "
		    "%u steps", (int)l->l_bucket.ps_len, l->l_bucket.ps_ptr,
		    s.ls_reply.lr_nentries, s.ls_reply.lr_nprefixes,
		    s.ls_nseeks, s.ls_nnexts);
	}
	meta_list_free(&s);
	return rc;
}
