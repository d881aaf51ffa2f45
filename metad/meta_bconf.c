/* meta_bconf.c - bucket settings and bucket configurations, for cairn-metad */
#include "config.h"

#include <string.h>

#include "errors.h"
#include "log.h"
#include "metad.h"

/* Longest configuration key: 'C', bucket, NUL, kind. */
#define BCONF_KEYLEN	(1 + PROTO_BUCKETMAX + 1 + PROTO_BCONFKIND)

/* bconf_key writes "C" bucket NUL kind (or the bucket's prefix). */
static size_t
bconf_key(char *buf, struct proto_str bucket, struct proto_str kind)
{
	buf[0] = META_K_BCONF;
	memcpy(buf + 1, bucket.ps_ptr, bucket.ps_len);
	buf[1 + bucket.ps_len] = '\0';
	if (kind.ps_len > 0)
		memcpy(buf + 2 + bucket.ps_len, kind.ps_ptr, kind.ps_len);
	return 2 + bucket.ps_len + kind.ps_len;
}

/* bconf_check checks the names of a configuration request. */
static int
bconf_check(const struct msg_bconf *bc)
{
	if (meta_db_check_name(bc->bc_bucket, PROTO_BUCKETMAX) != 0 ||
	    meta_db_check_name(bc->bc_kind, PROTO_BCONFKIND) != 0)
		return CAIRN_EINVAL;
	return 0;
}

/*
 * bconf_put stores or deletes one configuration.  The bucket lock is held
 * shared so that the bucket cannot be deleted between the check and the
 * write, which would leave a configuration without its bucket.
 */
static int
bconf_put(struct meta_db *db, const struct msg_bconf *bc, bool del)
{
	char key[BCONF_KEYLEN];
	size_t klen;
	int rc;

	if ((rc = bconf_check(bc)) != 0)
		return rc;
	klen = bconf_key(key, bc->bc_bucket, bc->bc_kind);
	pthread_rwlock_rdlock(&db->md_bucket_lock);
	if ((rc = meta_db_bucket_exists(db, bc->bc_bucket)) == 0)
		rc = meta_db_write(db, key, klen, del ? NULL :
		    (bc->bc_value.ps_len > 0 ? bc->bc_value.ps_ptr : ""),
		    bc->bc_value.ps_len);
	pthread_rwlock_unlock(&db->md_bucket_lock);
	return rc;
}

/* bconf_get packs the stored configuration as a msg_bconf. */
static int
bconf_get(struct meta_db *db, const struct msg_bconf *bc,
    msgpack_packer *reply)
{
	char key[BCONF_KEYLEN], *val;
	struct msg_bconf out = *bc;
	size_t vlen;
	int rc;

	if ((rc = bconf_check(bc)) != 0)
		return rc;
	if ((rc = meta_db_bucket_exists(db, bc->bc_bucket)) != 0)
		return rc;
	rc = meta_db_get(db, key, bconf_key(key, bc->bc_bucket, bc->bc_kind),
	    &val, &vlen);
	if (rc == CAIRN_ENOENT)
		return CAIRN_ENOCONF;
	if (rc != 0)
		return rc;
	out.bc_value.ps_ptr = val;
	out.bc_value.ps_len = vlen;
	msg_bconf_pack(reply, &out);
	leveldb_free(val);
	return 0;
}

void
meta_bconf_drop(struct meta_db *db, leveldb_writebatch_t *b,
    struct proto_str bucket)
{
	static const struct proto_str nokind = { "", 0 };
	char pfx[BCONF_KEYLEN];
	leveldb_iterator_t *it;
	const char *k;
	size_t plen, klen;

	plen = bconf_key(pfx, bucket, nokind);
	it = leveldb_create_iterator(db->md_db, db->md_read);
	for (leveldb_iter_seek(it, pfx, plen); leveldb_iter_valid(it);
	    leveldb_iter_next(it)) {
		k = leveldb_iter_key(it, &klen);
		if (klen < plen || memcmp(k, pfx, plen) != 0)
			break;
		leveldb_writebatch_delete(b, k, klen);
	}
	leveldb_iter_destroy(it);
}

/* bucket_apply copies the fields named by bs into cur; EINVAL if a change
 * is not allowed. */
static int
bucket_apply(struct msg_bucket *cur, const struct msg_bucket_set *bs)
{
	const struct msg_bucket *nb = &bs->bs_bucket;

	if (bs->bs_fields & BUCKET_SET_VERSIONING) {
		if (nb->b_versioning == BUCKET_VER_OFF &&
		    cur->b_versioning != BUCKET_VER_OFF)
			return CAIRN_EINVAL;
		cur->b_versioning = nb->b_versioning;
	}
	if (bs->bs_fields & BUCKET_SET_OWNER)
		cur->b_owner = nb->b_owner;
	if (bs->bs_fields & BUCKET_SET_OBJECT_LOCK)
		cur->b_object_lock = nb->b_object_lock;
	if (bs->bs_fields & BUCKET_SET_ACL)
		cur->b_acl = nb->b_acl;
	return 0;
}

/*
 * bucket_set reads the bucket, changes the named fields and writes it
 * back, all under the exclusive bucket lock, and packs the result.
 */
static int
bucket_set(struct meta_db *db, const struct msg_bucket_set *bs,
    msgpack_packer *reply)
{
	struct proto_str name = bs->bs_bucket.b_name;
	char key[1 + PROTO_BUCKETMAX], *val = NULL;
	struct msg_bucket cur;
	msgpack_unpacked u;
	size_t vlen;
	int rc;

	if (meta_db_check_name(name, PROTO_BUCKETMAX) != 0)
		return CAIRN_EINVAL;
	key[0] = META_K_BUCKET;
	memcpy(key + 1, name.ps_ptr, name.ps_len);
	msgpack_unpacked_init(&u);
	pthread_rwlock_wrlock(&db->md_bucket_lock);
	rc = meta_db_get(db, key, 1 + name.ps_len, &val, &vlen);
	if (rc == CAIRN_ENOENT)
		rc = CAIRN_ENOBUCKET;
	else if (rc == 0 && (msgpack_unpack_next(&u, val, vlen, NULL) !=
	    MSGPACK_UNPACK_SUCCESS || msg_bucket_unpack(&u.data, &cur) != 0))
		rc = CAIRN_EINTERNAL;
	if (rc == 0 && (rc = bucket_apply(&cur, bs)) == 0 &&
	    (rc = meta_db_bucket_store(db, key, 1 + name.ps_len, &cur)) == 0)
		msg_bucket_pack(reply, &cur);
	pthread_rwlock_unlock(&db->md_bucket_lock);
	msgpack_unpacked_destroy(&u);
	if (val != NULL)
		leveldb_free(val);
	return rc;
}

int
meta_bconf_dispatch(struct meta_db *db, const struct proto_msg *req,
    msgpack_packer *reply)
{
	struct msg_bucket_set bs;
	struct msg_bconf bc;
	int rc;

	if (req->pm_type == MSG_META_BUCKET_SET)
		return msg_bucket_set_unpack(req->pm_payload, &bs) != 0 ?
		    CAIRN_EPROTO : bucket_set(db, &bs, reply);
	if (msg_bconf_unpack(req->pm_payload, &bc) != 0)
		return CAIRN_EPROTO;
	if (req->pm_type == MSG_META_BCONF_GET)
		return bconf_get(db, &bc, reply);
	rc = bconf_put(db, &bc, req->pm_type == MSG_META_BCONF_DELETE);
	if (rc == 0)
		proto_pack_nil(reply);
	return rc;
}
