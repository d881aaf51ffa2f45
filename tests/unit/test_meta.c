/* test_meta.c - metad's database: buckets, object records and listing */
#include "../../metad/meta_db.c"
#include "../../metad/meta_list.c"
#include "../../metad/meta_upload.c"
#include "../../metad/meta_upload_list.c"
#include "../../metad/meta_upload_ck.c"
#include "../../metad/meta_bconf.c"
#include "../../metad/meta_commit.c"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reply.h"
#include "scratch.h"
#include "tap.h"

static char tmpdir[SCRATCH_DIRMAX];
static char dbpath[PATH_MAX];

static struct proto_str
S(const char *s)
{
	return proto_str_c(s);
}

/* mkrec makes an erasure-coded record whose size tells it apart. */
static struct msg_objrec *
mkrec(struct msg_objrec *rec, uint64_t size)
{
	memset(rec, 0, sizeof(*rec));
	rec->or_size = size;
	rec->or_mtime_ns = 1000 + size;
	memset(rec->or_etag, (int)(size & 0xff), sizeof(rec->or_etag));
	rec->or_k = 1;
	rec->or_block_size = PROTO_STRIPE;
	rec->or_drives[0] = S("d1");
	return rec;
}

static int
put(struct meta_db *db, struct reply *r, const char *bucket, const char *key,
    uint64_t size)
{
	struct msg_obj_put p;

	p.p_bucket = S(bucket);
	p.p_key = S(key);
	mkrec(&p.p_rec, size);
	return meta_db_obj_put(db, &p, reply_begin(r));
}

/* reply_size returns the size in a msg_objrec reply, -1 for nil, -2 bad. */
static long long
reply_size(struct reply *r)
{
	const msgpack_object *o = reply_obj(r);
	struct msg_objrec rec;

	if (o == NULL)
		return -2;
	if (proto_is_nil(o))
		return -1;
	return msg_objrec_unpack(o, &rec) == 0 ? (long long)rec.or_size : -2;
}

static int
obj_op(struct meta_db *db, struct reply *r, const char *bucket,
    const char *key, int (*op)(struct meta_db *, const struct msg_obj_ref *,
    msgpack_packer *))
{
	struct msg_obj_ref ref = { S(bucket), S(key) };

	return op(db, &ref, reply_begin(r));
}

static void
test_buckets(struct meta_db *db, struct reply *r)
{
	struct msg_bucket b = { .b_name = S("zeta"), .b_created_ns = 42 };
	struct msg_bucket_list bl;
	const msgpack_object *o;
	struct msg_bucket got;
	char nul[] = "ab\0c";

	is_int(meta_db_bucket_create(db, &b), 0, "create zeta");
	is_int(meta_db_bucket_create(db, &b), CAIRN_EBUCKETEXISTS,
	    "create zeta again: exists");
	b.b_name = S("alpha");
	b.b_created_ns = 7;
	is_int(meta_db_bucket_create(db, &b), 0, "create alpha");
	b.b_name = S("");
	is_int(meta_db_bucket_create(db, &b), CAIRN_EINVAL, "empty name");
	b.b_name.ps_ptr = nul;
	b.b_name.ps_len = 4;
	is_int(meta_db_bucket_create(db, &b), CAIRN_EINVAL, "name with NUL");
	b.b_name.ps_len = PROTO_BUCKETMAX + 1;
	b.b_name.ps_ptr = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	is_int(meta_db_bucket_create(db, &b), CAIRN_EINVAL, "name too long");

	is_int(meta_db_bucket_get(db, S("alpha"), reply_begin(r)), 0, "get");
	o = reply_obj(r);
	ok(o != NULL && msg_bucket_unpack(o, &got) == 0 &&
	    proto_str_eq(got.b_name, "alpha") && got.b_created_ns == 7,
	    "get returns the stored bucket");
	is_int(meta_db_bucket_get(db, S("nope"), reply_begin(r)),
	    CAIRN_ENOBUCKET, "get missing bucket");

	is_int(meta_db_bucket_list(db, reply_begin(r)), 0, "list buckets");
	o = reply_obj(r);
	ok(o != NULL && msg_bucket_list_unpack(o, &bl) == 0 &&
	    bl.bl_count == 2 && proto_str_eq(bl.bl_items[0].b_name, "alpha") &&
	    proto_str_eq(bl.bl_items[1].b_name, "zeta") &&
	    bl.bl_items[1].b_created_ns == 42, "bucket list in name order");
	if (o != NULL)
		msg_bucket_list_free(&bl);

	is_int(meta_db_bucket_delete(db, S("nope")), CAIRN_ENOBUCKET,
	    "delete missing bucket");
	is_int(meta_db_bucket_delete(db, S("zeta")), 0, "delete zeta");
	is_int(meta_db_bucket_exists(db, S("zeta")), CAIRN_ENOBUCKET,
	    "zeta is gone");
}

static void
test_objects(struct meta_db *db, struct reply *r)
{
	struct msg_bucket b = { .b_name = S("ab"), .b_created_ns = 1 };
	char longkey[PROTO_KEYMAX + 2], nulkey[] = "k\0x";
	struct msg_obj_ref ref;

	is_int(put(db, r, "nope", "k", 1), CAIRN_ENOBUCKET,
	    "put into a missing bucket");
	is_int(put(db, r, "alpha", "k1", 1), 0, "put k1");
	is_int(reply_size(r), -1, "first put replaces nothing");
	is_int(obj_op(db, r, "alpha", "k1", meta_db_obj_get), 0, "get k1");
	is_int(reply_size(r), 1, "get returns the record");
	is_int(put(db, r, "alpha", "k1", 2), 0, "overwrite k1");
	is_int(reply_size(r), 1, "overwrite returns the replaced record");
	is_int(obj_op(db, r, "alpha", "k1", meta_db_obj_get), 0, "get k1");
	is_int(reply_size(r), 2, "get returns the new record");
	is_int(obj_op(db, r, "alpha", "k2", meta_db_obj_get), CAIRN_ENOKEY,
	    "get missing key");
	is_int(obj_op(db, r, "nope", "k1", meta_db_obj_get), CAIRN_ENOBUCKET,
	    "get in a missing bucket");
	is_int(meta_db_bucket_delete(db, S("alpha")), CAIRN_EBUCKETNOTEMPTY,
	    "delete a bucket with objects");

	memset(longkey, 'k', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = '\0';
	is_int(put(db, r, "alpha", longkey, 1), CAIRN_EINVAL, "key too long");
	ref.r_bucket = S("alpha");
	ref.r_key.ps_ptr = nulkey;
	ref.r_key.ps_len = 3;
	is_int(meta_db_obj_get(db, &ref, reply_begin(r)), CAIRN_EINVAL,
	    "key with NUL");
	longkey[PROTO_KEYMAX] = '\0';
	is_int(put(db, r, "alpha", longkey, 5), 0, "key of PROTO_KEYMAX");

	is_int(obj_op(db, r, "alpha", "k1", meta_db_obj_delete), 0,
	    "delete k1");
	is_int(reply_size(r), 2, "delete returns the removed record");
	is_int(obj_op(db, r, "alpha", "k1", meta_db_obj_delete), 0,
	    "delete k1 again");
	is_int(reply_size(r), -1, "deleting a missing key gives nil");
	is_int(obj_op(db, r, "nope", "k1", meta_db_obj_delete),
	    CAIRN_ENOBUCKET, "delete in a missing bucket");
	is_int(obj_op(db, r, "alpha", longkey, meta_db_obj_delete), 0,
	    "delete the long key");

	/* "a" is a prefix of "ab": the NUL after the name keeps them apart. */
	b.b_name = S("a");
	meta_db_bucket_create(db, &b);
	b.b_name = S("ab");
	meta_db_bucket_create(db, &b);
	put(db, r, "ab", "x", 1);
	is_int(meta_db_bucket_delete(db, S("a")), 0,
	    "bucket a is empty though ab is not");
	is_int(meta_db_bucket_delete(db, S("ab")), CAIRN_EBUCKETNOTEMPTY,
	    "bucket ab is not empty");
	obj_op(db, r, "ab", "x", meta_db_obj_delete);
	is_int(meta_db_bucket_delete(db, S("ab")), 0, "ab deleted when empty");
}

/* --- concurrent puts of one key ------------------------------------------- */

#define RACE_THREADS	8
#define RACE_PUTS	40

struct race {
	struct meta_db	*ra_db;
	int		 ra_id;
	int		 ra_errors;
	long long	 ra_old[RACE_PUTS];
};

static void *
race_run(void *arg)
{
	struct race *ra = arg;
	struct reply r;
	int i;

	reply_init(&r);
	for (i = 0; i < RACE_PUTS; i++) {
		if (put(ra->ra_db, &r, "alpha", "race",
		    (uint64_t)(ra->ra_id * 1000 + i + 1)) != 0)
			ra->ra_errors++;
		ra->ra_old[i] = reply_size(&r);
	}
	reply_free(&r);
	return NULL;
}

/*
 * Every put returns the record it replaced: over all puts of one key, each
 * value but the last must come back exactly once, and nil exactly once.
 */
static void
test_race(struct meta_db *db, struct reply *r)
{
	static struct race ra[RACE_THREADS];
	static int seen[RACE_THREADS * 1000 + 1];
	pthread_t th[RACE_THREADS];
	int i, j, errors = 0, nils = 0, twice = 0, once = 0;
	long long v;

	for (i = 0; i < RACE_THREADS; i++) {
		ra[i].ra_db = db;
		ra[i].ra_id = i;
		pthread_create(&th[i], NULL, race_run, &ra[i]);
	}
	for (i = 0; i < RACE_THREADS; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < RACE_THREADS; i++) {
		errors += ra[i].ra_errors;
		for (j = 0; j < RACE_PUTS; j++) {
			v = ra[i].ra_old[j];
			if (v == -1)
				nils++;
			else if (v > 0 && v <= RACE_THREADS * 1000 &&
			    seen[v]++ > 0)
				twice++;
		}
	}
	for (i = 0; i <= RACE_THREADS * 1000; i++)
		once += seen[i] == 1;
	ok(errors == 0 && nils == 1 && twice == 0 &&
	    once == RACE_THREADS * RACE_PUTS - 1,
	    "concurrent puts: every replaced record returned once "
	    "(errors %d nils %d twice %d once %d)", errors, nils, twice, once);
	obj_op(db, r, "alpha", "race", meta_db_obj_delete);
}

/* --- listing ------------------------------------------------------------------ */

#define BIG	400

static const char *list_keys[] = {
	"a", "a/b", "a/c/d", "b", "photos/", "photos/2020/x.jpg",
	"photos/2021/y.jpg", "photos/readme", "z+%20 space", "plus+key",
	"100%", "with space", "\xc3\xa9/\xc3\xbc", "\xe6\x97\xa5\xe6\x9c\xac/"
	"\xe8\xaa\x9e", "x\xff\xff/1", "x\xff" "a", "y", "//double",
	"photos//empty",
};
#define NLIST	(sizeof(list_keys) / sizeof(list_keys[0]))

/* The bucket's keys in byte order, as the reference listing sees them. */
static char *all_keys[NLIST + BIG];
static size_t nall;

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
list_fill(struct meta_db *db, struct reply *r)
{
	struct msg_bucket b = { .b_name = S("list"), .b_created_ns = 1 };
	char key[32];
	size_t i;
	int errors = 0;

	meta_db_bucket_create(db, &b);
	for (i = 0; i < NLIST; i++) {
		errors += put(db, r, "list", list_keys[i], i + 1) != 0;
		all_keys[nall++] = strdup(list_keys[i]);
	}
	for (i = 0; i < BIG; i++) {
		snprintf(key, sizeof(key), "big/%04zu", i);
		errors += put(db, r, "list", key, 100 + i) != 0;
		all_keys[nall++] = strdup(key);
	}
	/* strcmp orders like memcmp: as unsigned char, as leveldb does. */
	qsort(all_keys, nall, sizeof(all_keys[0]), cmpstr);
	is_int(errors, 0, "filled bucket list with %zu keys", nall);
}

/*
 * ref_list is the reference: the whole listing (every page at once) as
 * strings, entries and common prefixes merged in key order.
 */
static size_t
ref_list(const char *prefix, const char *delim, char **out)
{
	size_t i, n = 0, plen = strlen(prefix), dlen = strlen(delim);
	const char *d;
	char *cp;

	for (i = 0; i < nall; i++) {
		if (strncmp(all_keys[i], prefix, plen) != 0)
			continue;
		d = dlen > 0 ? strstr(all_keys[i] + plen, delim) : NULL;
		if (d == NULL) {
			out[n++] = strdup(all_keys[i]);
			continue;
		}
		cp = strndup(all_keys[i], d - all_keys[i] + dlen);
		if (n > 0 && strcmp(out[n - 1], cp) == 0)
			free(cp);
		else
			out[n++] = cp;
	}
	return n;
}

/* A page of the listing under test, decoded. */
struct page {
	struct msg_list_reply	pg_lr;
	int			pg_rc;
	int			pg_ok;
};

static void
list_page(struct meta_db *db, struct reply *r, struct msg_list_req *l,
    struct page *pg)
{
	const msgpack_object *o;

	memset(pg, 0, sizeof(*pg));
	pg->pg_rc = meta_list_objects(db, l, reply_begin(r));
	if (pg->pg_rc != 0)
		return;
	o = reply_obj(r);
	pg->pg_ok = o != NULL && msg_list_reply_unpack(o, &pg->pg_lr) == 0;
}

static char *
pstr(struct proto_str s)
{
	return s.ps_len > 0 ? strndup(s.ps_ptr, s.ps_len) : strdup("");
}

/* page_merge appends the page's entries and prefixes in key order. */
static size_t
page_merge(struct page *pg, char **out, size_t n)
{
	struct msg_list_reply *lr = &pg->pg_lr;
	uint32_t e = 0, p = 0;

	while (e < lr->lr_nentries || p < lr->lr_nprefixes) {
		if (p == lr->lr_nprefixes || (e < lr->lr_nentries &&
		    meta_list_cmp(lr->lr_entries[e].le_key,
		    lr->lr_prefixes[p]) < 0))
			out[n++] = pstr(lr->lr_entries[e++].le_key);
		else
			out[n++] = pstr(lr->lr_prefixes[p++]);
	}
	return n;
}

/*
 * list_walk lists everything in pages of max keys, each page starting after
 * the previous one's next, and compares the concatenation with the
 * reference.  Returns whether every page was well formed and all matched.
 */
static int
list_walk(struct meta_db *db, struct reply *r, const char *prefix,
    const char *delim, uint32_t max)
{
	static char *got[NLIST + BIG + 8], *want[NLIST + BIG + 8];
	struct msg_list_req l = { S("list"), S(prefix), S(delim), S(""), max };
	char *next = NULL;
	size_t ngot = 0, nwant, before, i, pages = 0;
	struct page pg;
	int good = 1;

	nwant = ref_list(prefix, delim, want);
	do {
		list_page(db, r, &l, &pg);
		if (pg.pg_rc != 0 || !pg.pg_ok || pages++ > nall) {
			good = 0;
			break;
		}
		before = ngot;
		ngot = page_merge(&pg, got, ngot);
		if (pg.pg_lr.lr_truncated && (ngot - before != max ||
		    !proto_str_eq(pg.pg_lr.lr_next, got[ngot - 1])))
			good = 0;
		free(next);
		next = pstr(pg.pg_lr.lr_next);
		l.l_start_after = S(next);
		msg_list_reply_free(&pg.pg_lr);
	} while (good && ngot <= nwant && pg.pg_lr.lr_truncated);
	good = good && ngot == nwant;
	for (i = 0; good && i < nwant; i++)
		good = strcmp(got[i], want[i]) == 0;
	for (i = 0; i < ngot; i++)
		free(got[i]);
	for (i = 0; i < nwant; i++)
		free(want[i]);
	free(next);
	return good;
}

/* page_has tells whether the page lists s as an entry (or prefix). */
static int
page_has(struct page *pg, const char *s, int prefix)
{
	struct msg_list_reply *lr = &pg->pg_lr;
	uint32_t i;

	if (prefix) {
		for (i = 0; i < lr->lr_nprefixes; i++)
			if (proto_str_eq(lr->lr_prefixes[i], s))
				return 1;
		return 0;
	}
	for (i = 0; i < lr->lr_nentries; i++)
		if (proto_str_eq(lr->lr_entries[i].le_key, s))
			return 1;
	return 0;
}

static void
test_list_basic(struct meta_db *db, struct reply *r)
{
	struct msg_list_req l = { S("list"), S("photos/"), S(""), S(""), 1000 };
	struct page pg;

	list_page(db, r, &l, &pg);
	ok(pg.pg_ok && pg.pg_lr.lr_nentries == 5 &&
	    pg.pg_lr.lr_nprefixes == 0 && !pg.pg_lr.lr_truncated &&
	    page_has(&pg, "photos/", 0) && page_has(&pg, "photos//empty", 0),
	    "prefix photos/ lists its 5 keys");
	msg_list_reply_free(&pg.pg_lr);

	l.l_delimiter = S("/");
	list_page(db, r, &l, &pg);
	ok(pg.pg_ok && pg.pg_lr.lr_nentries == 2 &&
	    page_has(&pg, "photos/", 0) && page_has(&pg, "photos/readme", 0) &&
	    pg.pg_lr.lr_nprefixes == 3 && page_has(&pg, "photos/2020/", 1) &&
	    page_has(&pg, "photos/2021/", 1) && page_has(&pg, "photos//", 1),
	    "prefix photos/ with delimiter /: 2 keys, 3 common prefixes");
	msg_list_reply_free(&pg.pg_lr);

	l.l_prefix = S("a");
	l.l_delimiter = S("");
	list_page(db, r, &l, &pg);
	ok(pg.pg_ok && pg.pg_lr.lr_nentries == 3 && page_has(&pg, "a", 0) &&
	    page_has(&pg, "a/b", 0) && page_has(&pg, "a/c/d", 0),
	    "a and a/b are both listed");
	if (pg.pg_ok && pg.pg_lr.lr_nentries > 0)
		ok(pg.pg_lr.lr_entries[0].le_size == 1 &&
		    pg.pg_lr.lr_entries[0].le_mtime_ns == 1001 &&
		    pg.pg_lr.lr_entries[0].le_etag[0] == 1 &&
		    pg.pg_lr.lr_entries[0].le_nparts == 0,
		    "entries carry size, mtime and etag");
	else
		ok(0, "entries carry size, mtime and etag");
	msg_list_reply_free(&pg.pg_lr);

	l.l_prefix = S("\xe6\x97\xa5\xe6\x9c\xac/");
	list_page(db, r, &l, &pg);
	ok(pg.pg_ok && pg.pg_lr.lr_nentries == 1 &&
	    page_has(&pg, "\xe6\x97\xa5\xe6\x9c\xac/\xe8\xaa\x9e", 0),
	    "unicode prefix");
	msg_list_reply_free(&pg.pg_lr);

	l.l_prefix = S("");
	l.l_start_after = S("plus");
	l.l_max_keys = 1;
	list_page(db, r, &l, &pg);
	ok(pg.pg_ok && pg.pg_lr.lr_nentries == 1 &&
	    page_has(&pg, "plus+key", 0) && pg.pg_lr.lr_truncated &&
	    proto_str_eq(pg.pg_lr.lr_next, "plus+key"),
	    "keys with + and %% and space: one page of one key");
	msg_list_reply_free(&pg.pg_lr);
}

static void
test_list_delimiter(struct meta_db *db, struct reply *r)
{
	struct msg_list_req l = { S("list"), S(""), S("/"), S(""), 1000 };
	struct meta_list_scan s;
	struct page pg;
	int rc;

	list_page(db, r, &l, &pg);
	ok(pg.pg_ok && page_has(&pg, "big/", 1) && page_has(&pg, "a/", 1) &&
	    page_has(&pg, "a", 0) && page_has(&pg, "100%", 0) &&
	    !page_has(&pg, "a/b", 0) && pg.pg_lr.lr_nentries == 8 &&
	    pg.pg_lr.lr_nprefixes == 7, "delimiter / rolls up "
	    "(%u entries, %u prefixes)", pg.pg_lr.lr_nentries,
	    pg.pg_lr.lr_nprefixes);
	msg_list_reply_free(&pg.pg_lr);

	rc = meta_list_init(&s, db, &l);
	if (rc == 0)
		rc = meta_list_run(&s);
	ok(rc == 0 && s.ls_nseeks == 1 + s.ls_reply.lr_nprefixes &&
	    s.ls_nnexts == s.ls_reply.lr_nentries,
	    "one seek per common prefix (%u seeks, %u steps, %d keys)",
	    s.ls_nseeks, s.ls_nnexts, (int)nall);
	meta_list_free(&s);

	l.l_start_after = S("big/0100");
	list_page(db, r, &l, &pg);
	ok(pg.pg_ok && !page_has(&pg, "big/", 1) &&
	    page_has(&pg, "photos/", 1) && !page_has(&pg, "b", 0) &&
	    page_has(&pg, "plus+key", 0),
	    "start_after inside a common prefix starts past it");
	msg_list_reply_free(&pg.pg_lr);

	l.l_start_after = S("big/");
	list_page(db, r, &l, &pg);
	ok(pg.pg_ok && !page_has(&pg, "big/", 1) && page_has(&pg, "photos/", 1),
	    "start_after a common prefix starts past it");
	msg_list_reply_free(&pg.pg_lr);

	l.l_delimiter = S("\xff");
	l.l_start_after = S("");
	l.l_prefix = S("x");
	list_page(db, r, &l, &pg);
	ok(pg.pg_ok && pg.pg_lr.lr_nprefixes == 1 &&
	    page_has(&pg, "x\xff", 1) && pg.pg_lr.lr_nentries == 0,
	    "a common prefix ending in 0xff is skipped whole");
	msg_list_reply_free(&pg.pg_lr);
}

static void
test_list_pages(struct meta_db *db, struct reply *r)
{
	static const char *delims[] = { "", "/", "0", "/2", "\xff" };
	static const char *prefixes[] = { "", "photos/", "big/", "a", "q" };
	static const uint32_t maxes[] = { 1, 2, 3, 7, 50, 1000 };
	size_t d, p, m;
	int bad = 0, n = 0;

	for (d = 0; d < sizeof(delims) / sizeof(delims[0]); d++)
		for (p = 0; p < sizeof(prefixes) / sizeof(prefixes[0]); p++)
			for (m = 0; m < sizeof(maxes) / sizeof(maxes[0]); m++) {
				n++;
				if (list_walk(db, r, prefixes[p], delims[d],
				    maxes[m]))
					continue;
				bad++;
				diag("walk prefix '%s' delimiter '%s' max %u "
				    "differs", prefixes[p], delims[d],
				    maxes[m]);
			}
	is_int(bad, 0, "%d paged walks list every key exactly once", n);
}

static void
test_list_limits(struct meta_db *db, struct reply *r)
{
	struct msg_list_req l = { S("list"), S(""), S(""), S(""), 0 };
	struct page pg;

	list_page(db, r, &l, &pg);
	ok(pg.pg_ok && pg.pg_lr.lr_nentries == 0 &&
	    pg.pg_lr.lr_nprefixes == 0 && !pg.pg_lr.lr_truncated,
	    "max_keys 0 gives an empty, untruncated page");
	msg_list_reply_free(&pg.pg_lr);
	l.l_max_keys = PROTO_LISTMAX + 1;
	is_int(meta_list_objects(db, &l, reply_begin(r)), CAIRN_EINVAL,
	    "max_keys above PROTO_LISTMAX");
	l.l_max_keys = 10;
	l.l_bucket = S("nope");
	is_int(meta_list_objects(db, &l, reply_begin(r)), CAIRN_ENOBUCKET,
	    "list a missing bucket");
	l.l_bucket = S("alpha");
	list_page(db, r, &l, &pg);
	ok(pg.pg_ok && pg.pg_lr.lr_nentries == 0 && !pg.pg_lr.lr_truncated,
	    "list an empty bucket");
	msg_list_reply_free(&pg.pg_lr);
}

/* Many buckets: the list grows past its first allocation, still in order. */
static void
test_many_buckets(struct meta_db *db, struct reply *r)
{
	struct msg_bucket b = { .b_name = S(""), .b_created_ns = 3 };
	struct msg_bucket_list bl;
	const msgpack_object *o;
	char name[16];
	int i, errors = 0, sorted = 1;

	for (i = 99; i >= 0; i--) {
		snprintf(name, sizeof(name), "many%03d", i);
		b.b_name = S(name);
		errors += meta_db_bucket_create(db, &b) != 0;
	}
	is_int(meta_db_bucket_list(db, reply_begin(r)), 0, "list 102 buckets");
	o = reply_obj(r);
	if (o == NULL || msg_bucket_list_unpack(o, &bl) != 0) {
		ok(0, "bucket list unpacks");
		return;
	}
	for (i = 1; i < (int)bl.bl_count; i++)
		sorted &= meta_list_cmp(bl.bl_items[i - 1].b_name,
		    bl.bl_items[i].b_name) < 0;
	ok(errors == 0 && bl.bl_count == 102 && sorted &&
	    proto_str_eq(bl.bl_items[101].b_name, "many099"),
	    "102 buckets listed in name order (%u)", bl.bl_count);
	msg_bucket_list_free(&bl);
}

/* --- the format version -------------------------------------------------- */

static void
raw_put(const char *path, const char *key, const char *val)
{
	leveldb_options_t *o = leveldb_options_create();
	leveldb_writeoptions_t *w = leveldb_writeoptions_create();
	leveldb_t *ldb;
	char *err = NULL;

	leveldb_options_set_create_if_missing(o, 1);
	ldb = leveldb_open(o, path, &err);
	if (ldb != NULL) {
		leveldb_put(ldb, w, key, strlen(key), val, strlen(val), &err);
		leveldb_close(ldb);
	}
	if (err != NULL)
		diag("%s: %s", path, err);
	leveldb_free(err);
	leveldb_writeoptions_destroy(w);
	leveldb_options_destroy(o);
}

static void
test_format(struct reply *r)
{
	struct meta_db db;
	char path[PATH_MAX];

	is_int(meta_db_open(&db, dbpath), 0, "reopen the database");
	is_int(meta_db_bucket_exists(&db, S("alpha")), 0,
	    "buckets survive a reopen");
	meta_db_close(&db);

	raw_put(dbpath, "F", "2");
	is_int(meta_db_open(&db, dbpath), CAIRN_EVERSION,
	    "format version 2 is refused");
	raw_put(dbpath, "F", "1");
	is_int(meta_db_open(&db, dbpath), 0, "format version 1 opens");
	meta_db_close(&db);

	snprintf(path, sizeof(path), "%s/noversion", tmpdir);
	raw_put(path, "Bfoo", "x");
	is_int(meta_db_open(&db, path), CAIRN_EVERSION,
	    "keys without a format version are refused");
	(void)r;
}

/* bconf_call packs bc as a request of type and runs it through dispatch. */
static int
bconf_call(struct meta_db *db, struct reply *r, uint32_t type,
    const char *bucket, const char *kind, const char *value)
{
	struct msg_bconf bc = { S(bucket), S(kind), S(value) };
	msgpack_sbuffer sb;
	msgpack_packer pk;
	struct proto_msg m;
	int rc;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	proto_begin(&pk, type, 1);
	msg_bconf_pack(&pk, &bc);
	if ((rc = proto_open(&m, sb.data, sb.size)) == 0) {
		rc = meta_bconf_dispatch(db, &m, reply_begin(r));
		proto_close(&m);
	}
	msgpack_sbuffer_destroy(&sb);
	return rc;
}

/* bconf_is tells whether a GET of kind answers exactly value. */
static bool
bconf_is(struct meta_db *db, struct reply *r, const char *kind,
    const char *value)
{
	const msgpack_object *o;
	struct msg_bconf bc;

	return bconf_call(db, r, MSG_META_BCONF_GET, "conf", kind, "") == 0 &&
	    (o = reply_obj(r)) != NULL && msg_bconf_unpack(o, &bc) == 0 &&
	    proto_str_eq(bc.bc_value, value);
}

/* bucket_set_call changes the versioning of bucket "conf". */
static int
bucket_set_call(struct meta_db *db, struct reply *r, uint8_t ver)
{
	struct msg_bucket_set bs = { { .b_name = S("conf"),
	    .b_versioning = ver }, BUCKET_SET_VERSIONING };

	return bucket_set(db, &bs, reply_begin(r));
}

static void
test_bconf(struct meta_db *db, struct reply *r)
{
	struct msg_bucket b = { .b_name = S("conf"), .b_created_ns = 7,
	    .b_owner = S("alice"), .b_acl = BUCKET_ACL_PUBLIC_READ };
	const msgpack_object *o;
	struct msg_bucket got;

	is_int(meta_db_bucket_create(db, &b), 0, "create bucket conf");
	is_int(bconf_call(db, r, MSG_META_BCONF_GET, "conf", "cors", ""),
	    CAIRN_ENOCONF, "no configuration yet");
	is_int(bconf_call(db, r, MSG_META_BCONF_PUT, "nope", "cors", "x"),
	    CAIRN_ENOBUCKET, "configuration of a missing bucket");
	is_int(bconf_call(db, r, MSG_META_BCONF_PUT, "conf", "cors", "<a/>"),
	    0, "store a configuration");
	is_int(bconf_call(db, r, MSG_META_BCONF_PUT, "conf", "policy", "{}"),
	    0, "store a second kind");
	ok(bconf_is(db, r, "cors", "<a/>") && bconf_is(db, r, "policy", "{}"),
	    "each kind reads back as stored");
	is_int(bconf_call(db, r, MSG_META_BCONF_DELETE, "conf", "cors", ""),
	    0, "delete a configuration");
	is_int(bconf_call(db, r, MSG_META_BCONF_GET, "conf", "cors", ""),
	    CAIRN_ENOCONF, "the deleted configuration is gone");
	is_int(bucket_set_call(db, r, BUCKET_VER_ENABLED), 0,
	    "enable versioning");
	ok((o = reply_obj(r)) != NULL && msg_bucket_unpack(o, &got) == 0 &&
	    got.b_versioning == BUCKET_VER_ENABLED &&
	    proto_str_eq(got.b_owner, "alice") &&
	    got.b_acl == BUCKET_ACL_PUBLIC_READ && got.b_created_ns == 7,
	    "the set changes only the named field");
	is_int(bucket_set_call(db, r, BUCKET_VER_OFF), CAIRN_EINVAL,
	    "versioning never goes back to off");
	is_int(meta_db_bucket_delete(db, S("conf")), 0, "delete the bucket");
	meta_db_bucket_create(db, &b);
	is_int(bconf_call(db, r, MSG_META_BCONF_GET, "conf", "policy", ""),
	    CAIRN_ENOCONF, "a new bucket of that name has no configuration");
}

int
main(void)
{
	struct meta_db db;
	struct reply r;
	size_t i;

	log_init("test_meta", 0);
	plan(65 + 13);
	if (scratch_make(tmpdir, sizeof(tmpdir), "meta") != 0)
		return 1;
	snprintf(dbpath, sizeof(dbpath), "%s/sub/meta", tmpdir);
	reply_init(&r);

	is_int(meta_db_open(&db, dbpath), 0, "open a new database");
	test_buckets(&db, &r);
	test_objects(&db, &r);
	test_race(&db, &r);
	list_fill(&db, &r);
	test_list_basic(&db, &r);
	test_list_delimiter(&db, &r);
	test_list_pages(&db, &r);
	test_list_limits(&db, &r);
	test_many_buckets(&db, &r);
	test_bconf(&db, &r);
	ok(meta_db_size(&db) < (1ull << 30), "approximate size answers");
	meta_db_close(&db);
	test_format(&r);

	reply_free(&r);
	for (i = 0; i < nall; i++)
		free(all_keys[i]);
	scratch_remove(tmpdir);
	return tap_done();
}
