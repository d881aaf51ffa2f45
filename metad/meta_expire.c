/* meta_expire.c - lifecycle expiry: change a key only if it is unchanged */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <leveldb/c.h>

#include "errors.h"
#include "metad.h"
#include "util.h"

/*
 * same_version tells whether the stored record (vlen bytes at val) is the
 * one expiry decided on: same mtime and ETag.  An overwrite, even with the
 * same bytes, has a new mtime.
 */
static int
same_version(const char *val, size_t vlen, const struct msg_obj_expire *x)
{
	msgpack_unpacked u;
	struct msg_objrec rec;
	int rc;

	msgpack_unpacked_init(&u);
	rc = meta_db_unpack_objrec(&u, val, vlen, &rec);
	if (rc == 0 && (rec.or_mtime_ns != x->x_mtime_ns ||
	    memcmp(rec.or_etag, x->x_etag, sizeof(x->x_etag)) != 0))
		rc = CAIRN_EPRECONDITION;
	msgpack_unpacked_destroy(&u);
	return rc;
}

/*
 * expire_marker hides the latest version of a versioned bucket behind a
 * new delete marker, as a DELETE without a version id does: the version
 * becomes noncurrent (Suspended: a null version is given up, *val).
 */
static int
expire_marker(struct meta_db *db, const struct msg_obj_expire *x,
    uint8_t state, char **val, size_t *vlen)
{
	struct meta_vchange mv;
	struct msg_objrec *rec;
	int rc;

	meta_version_init(&mv, db, x->x_bucket, x->x_key);
	mv.mv_state = state;
	if ((rc = meta_version_load(&mv)) == 0 && mv.mv_cur == NULL)
		rc = CAIRN_ENOKEY;
	else if (rc == 0 && mv.mv_cur_marker)
		rc = CAIRN_EPRECONDITION;
	if (rc == 0)
		rc = same_version(mv.mv_cur, mv.mv_curlen, x);
	if (rc == 0 && (rec = calloc(1, sizeof(*rec))) == NULL)
		rc = CAIRN_ENOMEM;
	if (rc == 0) {
		rec->or_inline = true;
		rec->or_delete_marker = true;
		rec->or_mtime_ns = util_now_ns();
		if ((rc = meta_version_commit(&mv, rec)) == 0)
			rc = meta_version_write(&mv);
		free(rec);
	}
	if (rc == 0 && mv.mv_drop != NULL) {
		*val = mv.mv_drop;
		*vlen = mv.mv_droplen;
		mv.mv_drop = NULL;
	}
	meta_version_fini(&mv);
	return rc;
}

/*
 * expire_locked checks and expires under the key's lock; *val (malloc'd)
 * is the record given up, if any.
 */
static int
expire_locked(struct meta_db *db, const char *key, size_t klen,
    const struct msg_obj_expire *x, char **val, size_t *vlen)
{
	uint8_t state;
	char *old;
	int rc;

	if ((rc = meta_version_bucket(db, x->x_bucket, &state, NULL)) != 0)
		return rc;
	if (state != BUCKET_VER_OFF)
		return expire_marker(db, x, state, val, vlen);
	if ((rc = meta_db_get(db, key, klen, &old, vlen)) == CAIRN_ENOENT)
		return CAIRN_ENOKEY;
	if (rc != 0)
		return rc;
	if ((rc = same_version(old, *vlen, x)) == 0 &&
	    (*val = malloc(*vlen)) == NULL)
		rc = CAIRN_ENOMEM;
	if (rc == 0) {
		memcpy(*val, old, *vlen);
		rc = meta_db_write(db, key, klen, NULL, 0);
	}
	leveldb_free(old);
	return rc;
}

int
meta_expire(struct meta_db *db, const struct msg_obj_expire *x,
    msgpack_packer *reply)
{
	char key[META_KEYLEN], *val = NULL;
	pthread_mutex_t *lock;
	size_t klen, vlen = 0;
	int rc;

	if ((rc = meta_db_check_obj(x->x_bucket, x->x_key)) != 0)
		return rc;
	klen = meta_db_obj_key(key, x->x_bucket, x->x_key);
	lock = meta_db_key_lock(db, key, klen);
	pthread_rwlock_rdlock(&db->md_bucket_lock);
	pthread_mutex_lock(lock);
	rc = expire_locked(db, key, klen, x, &val, &vlen);
	pthread_mutex_unlock(lock);
	pthread_rwlock_unlock(&db->md_bucket_lock);
	if (rc == 0)
		meta_db_reply_raw(reply, val, vlen);
	free(val);
	return rc;
}

/* --- one version: MSG_META_VER_EXPIRE ------------------------------------- */

/* vx_peek reads the mtime, version id and marker flag of a record. */
static int
vx_peek(const char *val, size_t vlen, const struct msg_ver_expire *x,
    bool *marker)
{
	struct msg_objrec *r;
	msgpack_unpacked u;
	struct proto_str want = x->vx_version_id;
	int rc;

	if (proto_str_eq(want, "null"))
		want.ps_len = 0;
	if ((r = malloc(sizeof(*r))) == NULL)
		return CAIRN_ENOMEM;
	msgpack_unpacked_init(&u);
	if ((rc = meta_db_unpack_objrec(&u, val, vlen, r)) == 0 &&
	    (r->or_mtime_ns != x->vx_mtime_ns ||
	    r->or_version_id.ps_len != want.ps_len ||
	    memcmp(r->or_version_id.ps_ptr, want.ps_ptr, want.ps_len) != 0))
		rc = CAIRN_ENOVERSION;
	else if (rc == 0)
		*marker = r->or_delete_marker;
	msgpack_unpacked_destroy(&u);
	free(r);
	return rc;
}

/* vx_has_noncurrent tells whether the key has any "V" record. */
static bool
vx_has_noncurrent(struct meta_vchange *mv)
{
	char pfx[META_VKEYLEN];
	leveldb_iterator_t *it;
	const char *k;
	size_t plen, klen;
	bool has;

	plen = meta_version_prefix(pfx, mv->mv_bucket, mv->mv_key);
	it = leveldb_create_iterator(mv->mv_db->md_db, mv->mv_db->md_read);
	leveldb_iter_seek(it, pfx, plen);
	has = leveldb_iter_valid(it) && (k = leveldb_iter_key(it, &klen),
	    klen == plen + 8 && memcmp(k, pfx, plen) == 0);
	leveldb_iter_destroy(it);
	return has;
}

/* vx_marker removes a delete marker that is the key's only version. */
static int
vx_marker(struct meta_vchange *mv, const struct msg_ver_expire *x)
{
	bool marker = false;
	int rc;

	if (mv->mv_cur == NULL)
		return CAIRN_ENOVERSION;
	if ((rc = vx_peek(mv->mv_cur, mv->mv_curlen, x, &marker)) != 0)
		return rc == CAIRN_ENOVERSION ? CAIRN_EPRECONDITION : rc;
	if (!marker || vx_has_noncurrent(mv))
		return CAIRN_EPRECONDITION;
	leveldb_writebatch_delete(mv->mv_batch, mv->mv_okey, mv->mv_oklen);
	return meta_version_write(mv);
}

/* vx_noncurrent removes the noncurrent version x names, unless locked. */
static int
vx_noncurrent(struct meta_vchange *mv, const struct msg_ver_expire *x)
{
	char vkey[META_VKEYLEN], *val;
	size_t vklen, vlen;
	bool marker = false;
	int rc;

	if (mv->mv_cur != NULL && vx_peek(mv->mv_cur, mv->mv_curlen, x,
	    &marker) == 0)
		return CAIRN_EPRECONDITION;	/* the latest again */
	vklen = meta_version_key(vkey, x->vx_bucket, x->vx_key,
	    x->vx_mtime_ns);
	if ((rc = meta_db_get(mv->mv_db, vkey, vklen, &val, &vlen)) != 0)
		return rc == CAIRN_ENOENT ? CAIRN_ENOVERSION : rc;
	if ((rc = vx_peek(val, vlen, x, &marker)) == 0)
		rc = meta_lock_check(val, vlen, false, util_now_ns());
	if (rc == 0 && !marker && (mv->mv_drop = malloc(vlen)) == NULL)
		rc = CAIRN_ENOMEM;
	if (rc == 0 && !marker) {
		memcpy(mv->mv_drop, val, vlen);
		mv->mv_droplen = vlen;
	}
	leveldb_free(val);
	if (rc != 0)
		return rc;
	leveldb_writebatch_delete(mv->mv_batch, vkey, vklen);
	return meta_version_write(mv);
}

/* vx_locked runs a version expiry under the bucket and key locks. */
static int
vx_locked(struct meta_vchange *mv, const struct msg_ver_expire *x)
{
	int rc;

	if ((rc = meta_version_bucket(mv->mv_db, x->vx_bucket,
	    &mv->mv_state, NULL)) != 0 || (rc = meta_version_load(mv)) != 0)
		return rc;
	if (x->vx_what == VX_MARKER)
		return vx_marker(mv, x);
	return vx_noncurrent(mv, x);
}

int
meta_ver_expire(struct meta_db *db, const struct msg_ver_expire *x,
    msgpack_packer *reply)
{
	struct meta_vchange mv;
	pthread_mutex_t *lock;
	int rc;

	if ((rc = meta_db_check_obj(x->vx_bucket, x->vx_key)) != 0)
		return rc;
	meta_version_init(&mv, db, x->vx_bucket, x->vx_key);
	pthread_rwlock_rdlock(&db->md_bucket_lock);
	lock = meta_db_key_lock(db, mv.mv_okey,
	    meta_db_obj_key(mv.mv_okey, x->vx_bucket, x->vx_key));
	pthread_mutex_lock(lock);
	rc = vx_locked(&mv, x);
	pthread_mutex_unlock(lock);
	pthread_rwlock_unlock(&db->md_bucket_lock);
	if (rc == 0)
		meta_db_reply_raw(reply, mv.mv_drop, mv.mv_droplen);
	meta_version_fini(&mv);
	return rc;
}
