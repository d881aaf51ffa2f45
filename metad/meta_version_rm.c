/* meta_version_rm.c - read and delete one version of an object */
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
#include "util.h"

/* A version id as asked: the null version, or the mtime it starts with. */
struct ver_want {
	struct proto_str	 vw_id;
	bool			 vw_null;
	uint64_t		 vw_mtime;
};

/* ver_is tells whether a record's version id (len bytes) is w's. */
static bool
ver_is(const struct ver_want *w, const char *vid, size_t len)
{
	if (w->vw_null)
		return len == 0;
	return len == w->vw_id.ps_len && memcmp(vid, w->vw_id.ps_ptr, len) == 0;
}

/* ver_null_key finds the "V" key of the noncurrent null version. */
static int
ver_null_key(struct meta_db *db, struct proto_str bucket, struct proto_str key,
    char *vkey, size_t *vklen)
{
	char pfx[META_VKEYLEN];
	leveldb_iterator_t *it;
	struct msg_objrec *r;
	msgpack_unpacked u;
	const char *k, *v;
	size_t plen, klen, vlen;
	int rc = CAIRN_ENOVERSION;

	if ((r = malloc(sizeof(*r))) == NULL)
		return CAIRN_ENOMEM;
	plen = meta_version_prefix(pfx, bucket, key);
	it = leveldb_create_iterator(db->md_db, db->md_read);
	for (leveldb_iter_seek(it, pfx, plen); rc == CAIRN_ENOVERSION &&
	    leveldb_iter_valid(it); leveldb_iter_next(it)) {
		k = leveldb_iter_key(it, &klen);
		if (klen != plen + 8 || memcmp(k, pfx, plen) != 0)
			break;
		v = leveldb_iter_value(it, &vlen);
		msgpack_unpacked_init(&u);
		if (meta_db_unpack_objrec(&u, v, vlen, r) == 0 &&
		    r->or_version_id.ps_len == 0) {
			memcpy(vkey, k, klen);
			*vklen = klen;
			rc = 0;
		}
		msgpack_unpacked_destroy(&u);
	}
	leveldb_iter_destroy(it);
	free(r);
	return rc;
}

/*
 * ver_find reads the noncurrent version w of bucket/key: its "V" key into
 * vkey and its record into *val (leveldb_free it).  CAIRN_ENOVERSION if
 * there is none.
 */
static int
ver_find(struct meta_db *db, struct proto_str bucket, struct proto_str key,
    const struct ver_want *w, char *vkey, size_t *vklen, char **val,
    size_t *vlen)
{
	struct msg_objrec *r;
	msgpack_unpacked u;
	int rc;

	if (w->vw_null)
		rc = ver_null_key(db, bucket, key, vkey, vklen);
	else {
		*vklen = meta_version_key(vkey, bucket, key, w->vw_mtime);
		rc = 0;
	}
	if (rc != 0)
		return rc;
	rc = meta_db_get(db, vkey, *vklen, val, vlen);
	if (rc == CAIRN_ENOENT)
		return CAIRN_ENOVERSION;
	if (rc != 0 || w->vw_null)
		return rc;
	if ((r = malloc(sizeof(*r))) == NULL)
		rc = CAIRN_ENOMEM;
	msgpack_unpacked_init(&u);
	if (rc == 0 && (rc = meta_db_unpack_objrec(&u, *val, *vlen, r)) == 0 &&
	    !ver_is(w, r->or_version_id.ps_ptr, r->or_version_id.ps_len))
		rc = CAIRN_ENOVERSION;
	msgpack_unpacked_destroy(&u);
	free(r);
	if (rc != 0)
		leveldb_free(*val);
	return rc;
}

/* ver_want_parse checks a requested version id. */
static int
ver_want_parse(struct ver_want *w, struct proto_str id)
{
	w->vw_id = id;
	return meta_version_id_parse(id, &w->vw_null, &w->vw_mtime);
}

/* ver_promote makes the newest noncurrent version the latest, or, if
 * there is none, leaves the key without a record. */
static void
ver_promote(struct meta_vchange *mv)
{
	char pfx[META_VKEYLEN];
	leveldb_iterator_t *it;
	const char *k, *v;
	size_t plen, klen, vlen;

	plen = meta_version_prefix(pfx, mv->mv_bucket, mv->mv_key);
	it = leveldb_create_iterator(mv->mv_db->md_db, mv->mv_db->md_read);
	leveldb_iter_seek(it, pfx, plen);
	k = leveldb_iter_valid(it) ? leveldb_iter_key(it, &klen) : NULL;
	if (k != NULL && klen == plen + 8 && memcmp(k, pfx, plen) == 0) {
		v = leveldb_iter_value(it, &vlen);
		leveldb_writebatch_put(mv->mv_batch, mv->mv_okey, mv->mv_oklen,
		    v, vlen);
		leveldb_writebatch_delete(mv->mv_batch, k, klen);
	} else
		leveldb_writebatch_delete(mv->mv_batch, mv->mv_okey,
		    mv->mv_oklen);
	leveldb_iter_destroy(it);
}

/* ver_remove deletes version w for good; the bucket and key locks held. */
static int
ver_remove(struct meta_vchange *mv, const struct ver_want *w, bool *marker)
{
	char vkey[META_VKEYLEN], *val;
	size_t vklen, vlen;
	int rc;

	memcpy(mv->mv_vid, w->vw_id.ps_ptr, w->vw_id.ps_len);
	mv->mv_vid[w->vw_id.ps_len] = '\0';
	if (mv->mv_cur != NULL && ver_is(w, mv->mv_cur_vid, mv->mv_cur_vidlen)) {
		if ((rc = meta_lock_check(mv->mv_cur, mv->mv_curlen,
		    mv->mv_bypass, util_now_ns())) != 0)
			return rc;
		*marker = mv->mv_cur_marker;
		if (!*marker && (rc = meta_version_drop(mv, mv->mv_cur,
		    mv->mv_curlen)) != 0)
			return rc;
		ver_promote(mv);
		return meta_version_write(mv);
	}
	rc = ver_find(mv->mv_db, mv->mv_bucket, mv->mv_key, w, vkey, &vklen,
	    &val, &vlen);
	if (rc == CAIRN_ENOVERSION)	/* S3 answers 204 all the same */
		return 0;
	if (rc != 0)
		return rc;
	if ((rc = meta_lock_check(val, vlen, mv->mv_bypass,
	    util_now_ns())) != 0) {
		leveldb_free(val);
		return rc;
	}
	*marker = meta_version_is_marker(val, vlen);
	if (!*marker)
		rc = meta_version_drop(mv, val, vlen);
	leveldb_free(val);
	leveldb_writebatch_delete(mv->mv_batch, vkey, vklen);
	return rc == 0 ? meta_version_write(mv) : rc;
}

/* ver_mark deletes without a version id: a delete marker, or, in a
 * bucket never versioned, the record itself. */
static int
ver_mark(struct meta_vchange *mv, bool *marker)
{
	struct msg_objrec *rec;
	int rc;

	if (mv->mv_state == BUCKET_VER_OFF) {
		if (mv->mv_cur == NULL)
			return 0;
		leveldb_writebatch_delete(mv->mv_batch, mv->mv_okey,
		    mv->mv_oklen);
		if ((rc = meta_version_drop(mv, mv->mv_cur, mv->mv_curlen)) != 0)
			return rc;
		return meta_version_write(mv);
	}
	if ((rec = calloc(1, sizeof(*rec))) == NULL)
		return CAIRN_ENOMEM;
	rec->or_inline = true;
	rec->or_delete_marker = true;
	rec->or_mtime_ns = util_now_ns();
	*marker = true;
	if ((rc = meta_version_commit(mv, rec)) == 0)
		rc = meta_version_write(mv);
	free(rec);
	return rc;
}

int
meta_version_delete_locked(struct meta_vchange *mv,
    const struct msg_ver_ref *r, bool *marker)
{
	struct ver_want w;
	int rc;

	if ((rc = meta_version_bucket(mv->mv_db, r->vr_bucket,
	    &mv->mv_state, NULL)) != 0 || (rc = meta_version_load(mv)) != 0)
		return rc;
	mv->mv_bypass = r->vr_bypass;
	if (r->vr_version_id.ps_len == 0)
		return ver_mark(mv, marker);
	if (ver_want_parse(&w, r->vr_version_id) != 0)
		return CAIRN_EINVAL;
	return ver_remove(mv, &w, marker);
}

int
meta_version_delete(struct meta_db *db, const struct msg_ver_ref *r, bool full,
    size_t room, msgpack_packer *reply)
{
	struct meta_vchange mv;
	pthread_mutex_t *lock;
	bool marker = false;
	int rc;

	if ((rc = meta_db_check_obj(r->vr_bucket, r->vr_key)) != 0)
		return rc;
	meta_version_init(&mv, db, r->vr_bucket, r->vr_key);
	pthread_rwlock_rdlock(&db->md_bucket_lock);
	lock = meta_db_key_lock(db, mv.mv_okey,
	    meta_db_obj_key(mv.mv_okey, r->vr_bucket, r->vr_key));
	pthread_mutex_lock(lock);
	rc = meta_version_delete_locked(&mv, r, &marker);
	pthread_mutex_unlock(lock);
	pthread_rwlock_unlock(&db->md_bucket_lock);
	if (rc == 0)
		rc = meta_version_reply(&mv, marker, full, room, reply);
	meta_version_fini(&mv);
	return rc;
}

/* ver_get_latest answers the "O" record, delete markers included. */
static int
ver_get_latest(struct meta_db *db, const struct msg_ver_ref *r, char *okey,
    size_t oklen, msgpack_packer *reply)
{
	char *val;
	size_t vlen;
	int rc;

	if ((rc = meta_db_get_in(db, okey, oklen, r->vr_bucket, CAIRN_ENOKEY,
	    &val, &vlen)) != 0)
		return rc;
	return meta_db_reply_take(reply, val, vlen);
}

/* ver_cur_is tells whether the stored latest record is version w. */
static bool
ver_cur_is(const char *val, size_t vlen, const struct ver_want *w)
{
	struct msg_objrec *r;
	msgpack_unpacked u;
	bool is = false;

	if ((r = malloc(sizeof(*r))) == NULL)
		return false;
	msgpack_unpacked_init(&u);
	if (meta_db_unpack_objrec(&u, val, vlen, r) == 0)
		is = ver_is(w, r->or_version_id.ps_ptr, r->or_version_id.ps_len);
	msgpack_unpacked_destroy(&u);
	free(r);
	return is;
}

int
meta_version_locate(struct meta_db *db, const struct msg_ver_ref *r,
    char *key, size_t *klen, char **val, size_t *vlen)
{
	struct ver_want w;
	int rc;

	*klen = meta_db_obj_key(key, r->vr_bucket, r->vr_key);
	if (r->vr_version_id.ps_len > 0 &&
	    ver_want_parse(&w, r->vr_version_id) != 0)
		return CAIRN_EINVAL;
	rc = meta_db_get(db, key, *klen, val, vlen);
	if (rc == 0 && (r->vr_version_id.ps_len == 0 ||
	    ver_cur_is(*val, *vlen, &w)))
		return 0;
	if (rc == 0)
		leveldb_free(*val);
	else if (rc != CAIRN_ENOENT)
		return rc;
	if (r->vr_version_id.ps_len == 0)
		rc = CAIRN_ENOKEY;
	else
		rc = ver_find(db, r->vr_bucket, r->vr_key, &w, key, klen, val,
		    vlen);
	if ((rc == CAIRN_ENOKEY || rc == CAIRN_ENOVERSION) &&
	    meta_db_bucket_exists(db, r->vr_bucket) == CAIRN_ENOBUCKET)
		return CAIRN_ENOBUCKET;
	return rc;
}

int
meta_version_get(struct meta_db *db, const struct msg_ver_ref *r,
    msgpack_packer *reply)
{
	char okey[META_KEYLEN], vkey[META_VKEYLEN], *val;
	struct ver_want w;
	size_t oklen, vklen, vlen;
	int rc;

	if ((rc = meta_db_check_obj(r->vr_bucket, r->vr_key)) != 0)
		return rc;
	oklen = meta_db_obj_key(okey, r->vr_bucket, r->vr_key);
	if (r->vr_version_id.ps_len == 0)
		return ver_get_latest(db, r, okey, oklen, reply);
	if (ver_want_parse(&w, r->vr_version_id) != 0)
		return CAIRN_EINVAL;
	rc = meta_db_get(db, okey, oklen, &val, &vlen);
	if (rc == 0 && ver_cur_is(val, vlen, &w)) {
		return meta_db_reply_take(reply, val, vlen);
	}
	if (rc == 0)
		leveldb_free(val);
	else if (rc != CAIRN_ENOENT)
		return rc;
	rc = ver_find(db, r->vr_bucket, r->vr_key, &w, vkey, &vklen, &val,
	    &vlen);
	if (rc == CAIRN_ENOVERSION && meta_db_bucket_exists(db,
	    r->vr_bucket) == CAIRN_ENOBUCKET)
		return CAIRN_ENOBUCKET;
	if (rc != 0)
		return rc;
	return meta_db_reply_take(reply, val, vlen);
}

int
meta_version_dispatch(struct meta_db *db, const struct proto_msg *req,
    msgpack_packer *reply)
{
	struct msg_obj_put p;
	struct msg_ver_ref r;
	struct msg_ver_list_req l;
	struct msg_ver_hdr h;
	int rc;

	switch (req->pm_type) {
	case MSG_META_VER_PUT:
		if (msg_obj_put_unpack(req->pm_payload, &p) != 0)
			return CAIRN_EPROTO;
		return meta_version_put(db, &p, true, req->pm_reply_max,
		    reply);
	case MSG_META_VER_GET:
	case MSG_META_VER_DELETE:
		if (msg_ver_ref_unpack(req->pm_payload, &r) != 0)
			return CAIRN_EPROTO;
		if (req->pm_type == MSG_META_VER_GET)
			return meta_version_get(db, &r, reply);
		return meta_version_delete(db, &r, true,
			    req->pm_reply_max, reply);
	case MSG_META_VER_LIST:
		if (msg_ver_list_req_unpack(req->pm_payload, &l) != 0)
			return CAIRN_EPROTO;
		return meta_version_list(db, &l, reply);
	case MSG_META_VER_SET_HDR:
		if (msg_ver_hdr_unpack(req->pm_payload, &h) != 0)
			return CAIRN_EPROTO;
		if ((rc = meta_version_set_hdr(db, &h)) == 0)
			proto_pack_nil(reply);
		return rc;
	default:
		return CAIRN_EMSGTYPE;
	}
}
