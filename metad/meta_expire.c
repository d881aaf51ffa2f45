/* meta_expire.c - lifecycle expiry: delete a record only if it is unchanged */
#include "config.h"

#include <string.h>

#include "errors.h"
#include "metad.h"

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

/* expire_locked checks and deletes under the key's lock; *val is the old. */
static int
expire_locked(struct meta_db *db, const char *key, size_t klen,
    const struct msg_obj_expire *x, char **val, size_t *vlen)
{
	int rc;

	if ((rc = meta_db_get(db, key, klen, val, vlen)) == CAIRN_ENOENT)
		return CAIRN_ENOKEY;
	if (rc == 0 && (rc = same_version(*val, *vlen, x)) == 0)
		rc = meta_db_write(db, key, klen, NULL, 0);
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
	if (val != NULL)
		leveldb_free(val);
	return rc;
}
