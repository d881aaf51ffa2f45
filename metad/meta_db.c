/* meta_db.c - buckets and object records in leveldb, for cairn-metad */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <leveldb/c.h>
#include <msgpack.h>

#include "errors.h"
#include "log.h"
#include "metad.h"
#include "proto.h"
#include "stamp.h"
#include "util.h"

#define META_CACHE	(64u << 20)	/* LRU block cache, bytes */
#define META_BLOOM	10		/* bloom filter bits per key */

/*
 * LevelDB's memtable, 4 MiB by default: small objects are stored inline,
 * so that filled every few hundred puts, and the compactions that follow
 * took 40% of metad's CPU under 4 KiB PUTs.  32 MiB cut metad's CPU per
 * put by a fifth (docs/performance.md).  Memory: this, and one more
 * being written out.
 */
#define META_MEMTABLE	(32u << 20)

/*
 * LevelDB's table block, 4 KiB by default: an inline 4 KiB object then
 * fills a block alone, and every flush and compaction pays a block's
 * costs (its checksum, compression attempt, index entry, read) once per
 * object.  32 KiB cut metad's CPU per 4 KiB PUT from 55 to 45 µs, with
 * no change to 4 KiB GETs, cached or not (docs/performance.md).
 */
#define META_BLOCK	(32u << 10)

/* meta_db_fail logs a leveldb error, frees it and maps it to CAIRN_EIO. */
int
meta_db_fail(struct meta_db *db, const char *what, char *err)
{
	log_warnx("%s: %s: %s", db->md_path, what, err);
	leveldb_free(err);
	return CAIRN_EIO;
}

/*
 * meta_db_get reads key into *val (free with leveldb_free), *vlen bytes.
 * Returns 0, CAIRN_ENOENT if there is no such key, or CAIRN_EIO.
 */
int
meta_db_get(struct meta_db *db, const char *key, size_t klen, char **val,
    size_t *vlen)
{
	char *err = NULL;

	*val = leveldb_get(db->md_db, db->md_read, key, klen, vlen, &err);
	if (err != NULL)
		return meta_db_fail(db, "get", err);
	return *val == NULL ? CAIRN_ENOENT : 0;
}

/*
 * A failed write is stamped too: a record that a later open may replay
 * must not look unchanged; a stamp changed in vain only costs a read.
 */
static void
stamp_key(struct meta_db *db, const char *key, size_t klen)
{
	if (db->md_stamps != NULL && klen > 1 && key[0] == META_K_OBJECT)
		stamp_bump(db->md_stamps, key + 1, klen - 1);
}

static void
stamp_put(void *db, const char *key, size_t klen, const char *val,
    size_t vlen)
{
	(void)val;
	(void)vlen;
	stamp_key(db, key, klen);
}

static void
stamp_del(void *db, const char *key, size_t klen)
{
	stamp_key(db, key, klen);
}

void
meta_db_lwrite(struct meta_db *db, leveldb_writebatch_t *b, char **err)
{
	leveldb_write(db->md_db, db->md_wsync, b, err);
	if (db->md_stamps != NULL)
		leveldb_writebatch_iterate(b, db, stamp_put, stamp_del);
}

void
meta_db_lput(struct meta_db *db, const char *key, size_t klen,
    const char *val, size_t vlen, char **err)
{
	leveldb_put(db->md_db, db->md_wsync, key, klen, val, vlen, err);
	stamp_key(db, key, klen);
}

void
meta_db_ldelete(struct meta_db *db, const char *key, size_t klen, char **err)
{
	leveldb_delete(db->md_db, db->md_wsync, key, klen, err);
	stamp_key(db, key, klen);
}

int
meta_db_write(struct meta_db *db, const char *key, size_t klen,
    const char *val, size_t vlen)
{
	char *err = NULL;

	if (db->md_commit.mc_running)
		return meta_commit_write(db, key, klen, val, vlen);
	if (val != NULL)
		meta_db_lput(db, key, klen, val, vlen, &err);
	else
		meta_db_ldelete(db, key, klen, &err);
	if (err != NULL)
		return meta_db_fail(db, val != NULL ? "put" : "delete", err);
	return 0;
}

/* meta_db_empty tells whether the database holds no key at all. */
static bool
meta_db_empty(struct meta_db *db)
{
	leveldb_iterator_t *it;
	bool empty;

	it = leveldb_create_iterator(db->md_db, db->md_read);
	leveldb_iter_seek_to_first(it);
	empty = !leveldb_iter_valid(it);
	leveldb_iter_destroy(it);
	return empty;
}

/*
 * meta_db_check_format accepts a database of META_FORMAT and stamps a new,
 * empty one.  Anything else (another version, or keys without a version)
 * is refused: reading it with this layout could destroy data.
 */
static int
meta_db_check_format(struct meta_db *db)
{
	const char fkey = META_K_FORMAT;
	char *val;
	size_t vlen;
	int rc;

	rc = meta_db_get(db, &fkey, 1, &val, &vlen);
	if (rc == CAIRN_ENOENT) {
		if (meta_db_empty(db))
			return meta_db_write(db, &fkey, 1, META_FORMAT,
			    strlen(META_FORMAT));
		log_warnx("%s: not a cairn metadata database (no format "
		    "version)", db->md_path);
		return CAIRN_EVERSION;
	}
	if (rc != 0)
		return rc;
	if (vlen != strlen(META_FORMAT) || memcmp(val, META_FORMAT, vlen) != 0) {
		log_warnx("%s: database format version %.*s, this cairn-metad "
		    "reads version %s", db->md_path, (int)(vlen < 16 ? vlen : 16),
		    val, META_FORMAT);
		rc = CAIRN_EVERSION;
	}
	leveldb_free(val);
	return rc;
}

/* meta_db_options makes the open, read and write options. */
static void
meta_db_options(struct meta_db *db)
{
	db->md_options = leveldb_options_create();
	db->md_filter = leveldb_filterpolicy_create_bloom(META_BLOOM);
	db->md_cache = leveldb_cache_create_lru(META_CACHE);
	leveldb_options_set_create_if_missing(db->md_options, 1);
	leveldb_options_set_filter_policy(db->md_options, db->md_filter);
	leveldb_options_set_cache(db->md_options, db->md_cache);
	leveldb_options_set_compression(db->md_options,
	    leveldb_snappy_compression);
	leveldb_options_set_write_buffer_size(db->md_options, META_MEMTABLE);
	leveldb_options_set_block_size(db->md_options, META_BLOCK);
	db->md_read = leveldb_readoptions_create();
	db->md_wsync = leveldb_writeoptions_create();
	leveldb_writeoptions_set_sync(db->md_wsync, 1);
}

/* meta_db_locks initializes the bucket lock and the key lock stripes. */
static void
meta_db_locks(struct meta_db *db)
{
	int i;

	if (pthread_rwlock_init(&db->md_bucket_lock, NULL) != 0)
		fatalx("%s: pthread_rwlock_init failed", __func__);
	for (i = 0; i < META_NLOCKS; i++)
		if (pthread_mutex_init(&db->md_key_lock[i], NULL) != 0)
			fatalx("%s: pthread_mutex_init failed", __func__);
}

int
meta_db_open(struct meta_db *db, const char *path)
{
	char *err = NULL;
	int rc;

	memset(db, 0, sizeof(*db));
	if (snprintf(db->md_path, sizeof(db->md_path), "%s", path) >=
	    (int)sizeof(db->md_path))
		return CAIRN_EINVAL;
	meta_db_locks(db);
	meta_db_options(db);
	/* leveldb makes only the last directory; make the parents. */
	if ((rc = util_mkdirs(path, 0700)) != 0) {
		log_warnx("%s: cannot create: %s", path, cairn_strerror(rc));
		meta_db_close(db);
		return rc;
	}
	db->md_db = leveldb_open(db->md_options, path, &err);
	if (db->md_db == NULL) {
		rc = meta_db_fail(db, "open", err);
		meta_db_close(db);
		return rc;
	}
	if ((rc = meta_db_check_format(db)) != 0 ||
	    (rc = meta_commit_start(db)) != 0) {
		meta_db_close(db);
		return rc;
	}
	log_info("%s: opened, format %s", path, META_FORMAT);
	return 0;
}

void
meta_db_close(struct meta_db *db)
{
	int i;

	meta_commit_stop(db);
	/* The database first: it uses the options, cache and filter. */
	if (db->md_db != NULL)
		leveldb_close(db->md_db);
	leveldb_options_destroy(db->md_options);
	leveldb_cache_destroy(db->md_cache);
	leveldb_filterpolicy_destroy(db->md_filter);
	leveldb_readoptions_destroy(db->md_read);
	leveldb_writeoptions_destroy(db->md_wsync);
	pthread_rwlock_destroy(&db->md_bucket_lock);
	for (i = 0; i < META_NLOCKS; i++)
		pthread_mutex_destroy(&db->md_key_lock[i]);
	memset(db, 0, sizeof(*db));
}

int
meta_db_check_name(struct proto_str s, size_t max)
{
	if (s.ps_len == 0 || s.ps_len > max)
		return CAIRN_EINVAL;
	if (memchr(s.ps_ptr, '\0', s.ps_len) != NULL)
		return CAIRN_EINVAL;
	return 0;
}

/* meta_db_check_obj checks a bucket and key before they make a DB key. */
int
meta_db_check_obj(struct proto_str bucket, struct proto_str key)
{
	if (meta_db_check_name(bucket, PROTO_BUCKETMAX) != 0 ||
	    meta_db_check_name(key, PROTO_KEYMAX) != 0) {
		log_warnx("object %.*s/%.*s: bad bucket or key length or a "
		    "NUL", (int)bucket.ps_len, bucket.ps_ptr,
		    (int)(key.ps_len < 128 ? key.ps_len : 128), key.ps_ptr);
		return CAIRN_EINVAL;
	}
	return 0;
}

/* meta_db_bucket_key writes "B" name into buf; returns its length. */
static size_t
meta_db_bucket_key(char *buf, struct proto_str name)
{
	buf[0] = META_K_BUCKET;
	memcpy(buf + 1, name.ps_ptr, name.ps_len);
	return 1 + name.ps_len;
}

size_t
meta_db_obj_key(char *buf, struct proto_str bucket, struct proto_str key)
{
	buf[0] = META_K_OBJECT;
	memcpy(buf + 1, bucket.ps_ptr, bucket.ps_len);
	buf[1 + bucket.ps_len] = '\0';
	if (key.ps_len > 0)
		memcpy(buf + 2 + bucket.ps_len, key.ps_ptr, key.ps_len);
	return 2 + bucket.ps_len + key.ps_len;
}

/* meta_db_key_lock picks the lock stripe of a DB key (FNV-1a hash). */
pthread_mutex_t *
meta_db_key_lock(struct meta_db *db, const char *key, size_t klen)
{
	return &db->md_key_lock[util_hash(key, klen) & (META_NLOCKS - 1)];
}

/* meta_db_reply_raw appends stored msgpack bytes to reply, or nil. */
void
meta_db_reply_raw(msgpack_packer *reply, const char *val, size_t vlen)
{
	if (val == NULL)
		proto_pack_nil(reply);
	else
		reply->callback(reply->data, val, vlen);
}

int
meta_db_reply_take(msgpack_packer *reply, char *val, size_t vlen)
{
	meta_db_reply_raw(reply, val, vlen);
	leveldb_free(val);
	return 0;
}

int
meta_db_bucket_exists(struct meta_db *db, struct proto_str name)
{
	char key[1 + PROTO_BUCKETMAX], *val;
	size_t vlen;
	int rc;

	rc = meta_db_get(db, key, meta_db_bucket_key(key, name), &val, &vlen);
	if (rc == CAIRN_ENOENT)
		return CAIRN_ENOBUCKET;
	if (rc == 0)
		leveldb_free(val);
	return rc;
}

int
meta_db_get_in(struct meta_db *db, const char *key, size_t klen,
    struct proto_str bucket, int missing, char **val, size_t *vlen)
{
	int rc;

	/* The common case is a hit: look at the bucket only now. */
	rc = meta_db_get(db, key, klen, val, vlen);
	if (rc == CAIRN_ENOENT && (rc = meta_db_bucket_exists(db, bucket)) == 0)
		rc = missing;
	return rc;
}

int
meta_db_bucket_store(struct meta_db *db, const char *key, size_t klen,
    const struct msg_bucket *b)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	int rc;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msg_bucket_pack(&pk, b);
	rc = meta_db_write(db, key, klen, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
	return rc;
}

int
meta_db_bucket_create(struct meta_db *db, const struct msg_bucket *b)
{
	char key[1 + PROTO_BUCKETMAX];
	size_t klen;
	int rc;

	if (meta_db_check_name(b->b_name, PROTO_BUCKETMAX) != 0)
		return CAIRN_EINVAL;
	klen = meta_db_bucket_key(key, b->b_name);
	pthread_rwlock_wrlock(&db->md_bucket_lock);
	rc = meta_db_bucket_exists(db, b->b_name);
	if (rc == 0)
		rc = CAIRN_EBUCKETEXISTS;
	else if (rc == CAIRN_ENOBUCKET)
		rc = meta_db_bucket_store(db, key, klen, b);
	pthread_rwlock_unlock(&db->md_bucket_lock);
	if (rc == 0)
		log_info("bucket %.*s: created", (int)b->b_name.ps_len,
		    b->b_name.ps_ptr);
	return rc;
}

/* meta_db_bucket_empty tells whether no object key of bucket exists. */
static bool
meta_db_bucket_empty(struct meta_db *db, struct proto_str bucket)
{
	static const struct proto_str nokey = { "", 0 };
	char pfx[META_KEYLEN];
	leveldb_iterator_t *it;
	const char *k;
	size_t plen, klen;
	bool empty = true;

	plen = meta_db_obj_key(pfx, bucket, nokey);
	it = leveldb_create_iterator(db->md_db, db->md_read);
	leveldb_iter_seek(it, pfx, plen);
	if (leveldb_iter_valid(it)) {
		k = leveldb_iter_key(it, &klen);
		empty = klen < plen || memcmp(k, pfx, plen) != 0;
	}
	leveldb_iter_destroy(it);
	return empty;
}

int
meta_db_bucket_delete(struct meta_db *db, struct proto_str name)
{
	char key[1 + PROTO_BUCKETMAX];
	size_t klen;
	int rc;

	if (meta_db_check_name(name, PROTO_BUCKETMAX) != 0)
		return CAIRN_EINVAL;
	klen = meta_db_bucket_key(key, name);
	pthread_rwlock_wrlock(&db->md_bucket_lock);
	rc = meta_db_bucket_exists(db, name);
	if (rc == 0 && !meta_db_bucket_empty(db, name))
		rc = CAIRN_EBUCKETNOTEMPTY;
	if (rc == 0)	/* its multipart uploads go with it, as in S3 */
		rc = meta_upload_bucket_delete(db, key, klen, name);
	pthread_rwlock_unlock(&db->md_bucket_lock);
	if (rc == 0)
		log_info("bucket %.*s: deleted", (int)name.ps_len, name.ps_ptr);
	return rc;
}

int
meta_db_bucket_get(struct meta_db *db, struct proto_str name,
    msgpack_packer *reply)
{
	char key[1 + PROTO_BUCKETMAX], *val;
	size_t vlen;
	int rc;

	if (meta_db_check_name(name, PROTO_BUCKETMAX) != 0)
		return CAIRN_EINVAL;
	rc = meta_db_get(db, key, meta_db_bucket_key(key, name), &val, &vlen);
	if (rc == CAIRN_ENOENT)
		return CAIRN_ENOBUCKET;
	if (rc != 0)
		return rc;
	return meta_db_reply_take(reply, val, vlen);
}

/*
 * meta_db_bucket_item fills b from one "B" entry: the name from the key,
 * the rest from the stored msg_bucket; names are copied into zone (the
 * iterator's memory moves on).
 */
static int
meta_db_bucket_item(struct meta_db *db, leveldb_iterator_t *it,
    msgpack_zone *zone, struct msg_bucket *b)
{
	struct msg_bucket stored;
	msgpack_unpacked u;
	const char *k, *v;
	size_t klen, vlen;
	char *name;
	int rc = CAIRN_EINTERNAL;

	k = leveldb_iter_key(it, &klen);
	v = leveldb_iter_value(it, &vlen);
	if (klen < 2 || klen > 1 + PROTO_BUCKETMAX ||
	    (name = msgpack_zone_malloc_no_align(zone, klen - 1)) == NULL)
		goto out;
	memcpy(name, k + 1, klen - 1);
	b->b_name.ps_ptr = name;
	b->b_name.ps_len = klen - 1;
	msgpack_unpacked_init(&u);
	if (msgpack_unpack_next(&u, v, vlen, NULL) == MSGPACK_UNPACK_SUCCESS &&
	    msg_bucket_unpack(&u.data, &stored) == 0 &&
	    (stored.b_owner.ps_len == 0 || (name = msgpack_zone_malloc_no_align(
	    zone, stored.b_owner.ps_len)) != NULL)) {
		stored.b_name = b->b_name;
		if (stored.b_owner.ps_len > 0) {
			memcpy(name, stored.b_owner.ps_ptr,
			    stored.b_owner.ps_len);
			stored.b_owner.ps_ptr = name;
		}
		*b = stored;
		rc = 0;
	}
	msgpack_unpacked_destroy(&u);
out:
	if (rc != 0)
		log_warnx("%s: bucket record %.*s is damaged", db->md_path,
		    (int)(klen < 64 ? klen : 64), k);
	return rc;
}

/* meta_db_bucket_grow makes room for one more bucket in bl. */
static int
meta_db_bucket_grow(struct msg_bucket_list *bl, uint32_t *cap)
{
	struct msg_bucket *items;
	uint32_t ncap;

	if (bl->bl_count < *cap)
		return 0;
	ncap = *cap == 0 ? 64 : *cap * 2;
	items = reallocarray(bl->bl_items, ncap, sizeof(*items));
	if (items == NULL)
		return CAIRN_ENOMEM;
	bl->bl_items = items;
	*cap = ncap;
	return 0;
}

int
meta_db_bucket_list(struct meta_db *db, msgpack_packer *reply)
{
	const char pfx = META_K_BUCKET;
	struct msg_bucket_list bl = { 0, NULL };
	leveldb_iterator_t *it;
	msgpack_zone *zone;
	const char *k;
	size_t klen;
	uint32_t cap = 0;
	int rc = 0;

	if ((zone = msgpack_zone_new(8192)) == NULL)
		return CAIRN_ENOMEM;
	it = leveldb_create_iterator(db->md_db, db->md_read);
	for (leveldb_iter_seek(it, &pfx, 1); rc == 0 && leveldb_iter_valid(it);
	    leveldb_iter_next(it)) {
		k = leveldb_iter_key(it, &klen);
		if (klen < 1 || k[0] != pfx)
			break;
		if ((rc = meta_db_bucket_grow(&bl, &cap)) == 0)
			rc = meta_db_bucket_item(db, it, zone,
			    &bl.bl_items[bl.bl_count++]);
	}
	leveldb_iter_destroy(it);
	if (rc == 0)
		msg_bucket_list_pack(reply, &bl);
	free(bl.bl_items);
	msgpack_zone_free(zone);
	return rc;
}

void
meta_db_pack_objrec(msgpack_sbuffer *sb, const struct msg_objrec *r)
{
	msgpack_packer pk;

	msgpack_sbuffer_init(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msg_objrec_pack(&pk, r);
}

int
meta_db_unpack_objrec(msgpack_unpacked *u, const char *val, size_t vlen,
    struct msg_objrec *r)
{
	size_t off = 0;

	if (msgpack_unpack_next(u, val, vlen, &off) != MSGPACK_UNPACK_SUCCESS ||
	    off != vlen || msg_objrec_unpack(&u->data, r) != 0)
		return CAIRN_EINTERNAL;
	return 0;
}

/*
 * meta_db_cond checks a conditional put against the current record (old,
 * NULL if none): 0, CAIRN_EPRECONDITION, or CAIRN_ENOKEY for If-Match on
 * a missing key, as S3 answers.
 */
int
meta_db_cond(const struct msg_obj_put *p, const char *old, size_t oldlen)
{
	msgpack_unpacked u;
	struct msg_objrec cur;
	int rc;

	switch (p->p_cond) {
	case PUT_COND_ABSENT:
		return old == NULL ? 0 : CAIRN_EPRECONDITION;
	case PUT_COND_ETAG:
		if (old == NULL)
			return CAIRN_ENOKEY;
		break;
	default:
		return 0;
	}
	msgpack_unpacked_init(&u);
	rc = meta_db_unpack_objrec(&u, old, oldlen, &cur);
	if (rc == 0 && memcmp(cur.or_etag, p->p_cond_etag, 16) != 0)
		rc = CAIRN_EPRECONDITION;
	msgpack_unpacked_destroy(&u);
	return rc;
}

int
meta_db_obj_put(struct meta_db *db, const struct msg_obj_put *p,
    msgpack_packer *reply)
{
	/* The bucket's versioning decides what becomes of the old record. */
	return meta_version_put(db, p, false, 0, reply);
}

int
meta_db_obj_get(struct meta_db *db, const struct msg_obj_ref *r,
    msgpack_packer *reply)
{
	char key[META_KEYLEN], *val;
	size_t vlen;
	int rc;

	if ((rc = meta_db_check_obj(r->r_bucket, r->r_key)) != 0)
		return rc;
	if ((rc = meta_db_get_in(db, key, meta_db_obj_key(key, r->r_bucket,
	    r->r_key), r->r_bucket, CAIRN_ENOKEY, &val, &vlen)) != 0)
		return rc;
	if (meta_version_is_marker(val, vlen)) {
		leveldb_free(val);
		return CAIRN_ENOKEY;	/* the latest version is deleted */
	}
	return meta_db_reply_take(reply, val, vlen);
}

int
meta_db_obj_delete(struct meta_db *db, const struct msg_obj_ref *r,
    msgpack_packer *reply)
{
	struct msg_ver_ref vr = { r->r_bucket, r->r_key, { "", 0 }, false };

	/* A delete marker in a versioned bucket, else the record goes. */
	return meta_version_delete(db, &vr, false, 0, reply);
}

/* Tags live in the record as its stored header "x-amz-tagging". */
int
meta_db_obj_set_tags(struct meta_db *db, const struct msg_obj_tags *t)
{
	struct msg_obj_hdr oh = { t->t_bucket, t->t_key,
	    proto_str_c("x-amz-tagging"), t->t_tags };

	return meta_objhdr_set(db, &oh);
}

uint64_t
meta_db_size(struct meta_db *db)
{
	const char *start = "", *limit = "\xff";
	size_t slen = 0, llen = 1;
	uint64_t size = 0;

	leveldb_approximate_sizes(db->md_db, 1, &start, &slen, &limit, &llen,
	    &size);
	return size;
}
