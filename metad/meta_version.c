/* meta_version.c - object versions: the latest under "O", older under "V" */
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

/*
 * The latest version of a key, a delete marker included, is its "O"
 * record, so a GET of the latest is one point read whatever the number
 * of versions.  Every older version is a "V" record whose key ends in the
 * bitwise inverse of the version's mtime, big-endian: a key's versions
 * form one range, newest first.  The mtimes of the versions of one key
 * strictly increase (a new latest gets at least the old one's mtime plus
 * 1 ns), so they are unique per key and a version id, which starts with
 * the mtime, leads to its record in one read.
 */

/* What one stored record says about its version. */
struct ver_peek {
	uint64_t	 vp_mtime;
	bool		 vp_marker;
	size_t		 vp_vidlen;	/* 0: the null version */
	char		 vp_vid[PROTO_VERIDLEN];
};

/* ver_peek_rec decodes the version fields of a stored record. */
static int
ver_peek_rec(const char *val, size_t vlen, struct ver_peek *vp)
{
	struct msg_objrec *r;
	msgpack_unpacked u;
	int rc;

	if ((r = malloc(sizeof(*r))) == NULL)
		return CAIRN_ENOMEM;
	msgpack_unpacked_init(&u);
	if ((rc = meta_db_unpack_objrec(&u, val, vlen, r)) == 0) {
		vp->vp_mtime = r->or_mtime_ns;
		vp->vp_marker = r->or_delete_marker;
		vp->vp_vidlen = r->or_version_id.ps_len;
		memcpy(vp->vp_vid, r->or_version_id.ps_ptr, vp->vp_vidlen);
	}
	msgpack_unpacked_destroy(&u);
	free(r);
	return rc;
}

bool
meta_version_is_marker(const char *val, size_t vlen)
{
	struct ver_peek vp;

	/* Only a record with the version fields (14 items) can be one. */
	if (vlen == 0 || (unsigned char)val[0] != 0x9e)
		return false;
	return ver_peek_rec(val, vlen, &vp) == 0 && vp.vp_marker;
}

void
meta_version_id_make(char *out, uint64_t mtime_ns)
{
	uint8_t b[16], rnd[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)(mtime_ns >> (56 - 8 * i));
	util_random(rnd, sizeof(rnd));
	memcpy(b + 8, rnd, sizeof(rnd));
	util_hex(out, b, sizeof(b));
}

int
meta_version_id_parse(struct proto_str id, bool *null, uint64_t *mtime_ns)
{
	uint8_t b[8];
	size_t i;
	int k;

	*null = proto_str_eq(id, "null");
	*mtime_ns = 0;
	if (*null)
		return 0;
	if (id.ps_len != PROTO_VERIDLEN)
		return CAIRN_EINVAL;
	for (i = 0; i < id.ps_len; i++)
		if (strchr("0123456789abcdef", id.ps_ptr[i]) == NULL ||
		    id.ps_ptr[i] == '\0')
			return CAIRN_EINVAL;
	if (util_unhex(b, id.ps_ptr, sizeof(b)) != 0)
		return CAIRN_EINVAL;
	for (k = 0; k < 8; k++)
		*mtime_ns = *mtime_ns << 8 | b[k];
	return 0;
}

size_t
meta_version_prefix(char *buf, struct proto_str bucket, struct proto_str key)
{
	size_t n = meta_db_obj_key(buf, bucket, key);

	buf[0] = META_K_VERSION;
	buf[n] = '\0';
	return n + 1;
}

size_t
meta_version_key(char *buf, struct proto_str bucket, struct proto_str key,
    uint64_t mtime_ns)
{
	size_t n = meta_version_prefix(buf, bucket, key);
	uint64_t inv = ~mtime_ns;
	int i;

	for (i = 0; i < 8; i++)
		buf[n + i] = (char)(inv >> (56 - 8 * i));
	return n + 8;
}

int
meta_version_bucket(struct meta_db *db, struct proto_str bucket,
    uint8_t *state, bool *lock)
{
	char key[1 + PROTO_BUCKETMAX], *val;
	struct msg_bucket b;
	msgpack_unpacked u;
	size_t vlen;
	int rc;

	key[0] = META_K_BUCKET;
	memcpy(key + 1, bucket.ps_ptr, bucket.ps_len);
	rc = meta_db_get(db, key, 1 + bucket.ps_len, &val, &vlen);
	if (rc == CAIRN_ENOENT)
		return CAIRN_ENOBUCKET;
	if (rc != 0)
		return rc;
	msgpack_unpacked_init(&u);
	rc = CAIRN_EINTERNAL;
	if (msgpack_unpack_next(&u, val, vlen, NULL) == MSGPACK_UNPACK_SUCCESS &&
	    msg_bucket_unpack(&u.data, &b) == 0) {
		*state = b.b_versioning;
		if (lock != NULL)
			*lock = b.b_object_lock;
		rc = 0;
	}
	msgpack_unpacked_destroy(&u);
	leveldb_free(val);
	return rc;
}

int
meta_version_drop(struct meta_vchange *mv, const char *val, size_t vlen)
{
	if ((mv->mv_drop = malloc(vlen)) == NULL)
		return CAIRN_ENOMEM;
	memcpy(mv->mv_drop, val, vlen);
	mv->mv_droplen = vlen;
	return 0;
}

/* ver_keep copies a record whose shards the caller is to delete. */
static int
ver_keep(struct meta_vchange *mv, const char *val, size_t vlen)
{
	if (mv->mv_drop != NULL) {
		/* One null version at most: a second means a broken DB. */
		log_warnx("%s: two null versions of one key", mv->mv_db->md_path);
		return CAIRN_EINTERNAL;
	}
	return meta_version_drop(mv, val, vlen);
}

/* ver_drop_null removes the noncurrent null version, if there is one. */
static int
ver_drop_null(struct meta_vchange *mv)
{
	char pfx[META_VKEYLEN];
	leveldb_iterator_t *it;
	struct ver_peek vp;
	const char *k, *v;
	size_t plen, klen, vlen;
	int rc = 0;

	plen = meta_version_prefix(pfx, mv->mv_bucket, mv->mv_key);
	it = leveldb_create_iterator(mv->mv_db->md_db, mv->mv_db->md_read);
	for (leveldb_iter_seek(it, pfx, plen); rc == 0 &&
	    leveldb_iter_valid(it); leveldb_iter_next(it)) {
		k = leveldb_iter_key(it, &klen);
		if (klen != plen + 8 || memcmp(k, pfx, plen) != 0)
			break;
		v = leveldb_iter_value(it, &vlen);
		if ((rc = ver_peek_rec(v, vlen, &vp)) != 0 || vp.vp_vidlen > 0)
			continue;
		leveldb_writebatch_delete(mv->mv_batch, k, klen);
		if (!vp.vp_marker)
			rc = ver_keep(mv, v, vlen);
		break;
	}
	leveldb_iter_destroy(it);
	return rc;
}

/*
 * ver_demote deals with the current latest version when a new one comes:
 * it is replaced for good (unversioned bucket, or a null version in a
 * suspended bucket) or becomes noncurrent.
 */
static int
ver_demote(struct meta_vchange *mv)
{
	char vkey[META_VKEYLEN];
	size_t vklen;

	if (mv->mv_cur == NULL)
		return 0;
	if (mv->mv_state == BUCKET_VER_OFF ||
	    (mv->mv_state == BUCKET_VER_SUSPENDED && mv->mv_cur_vidlen == 0))
		return mv->mv_cur_marker ? 0 :
		    ver_keep(mv, mv->mv_cur, mv->mv_curlen);
	vklen = meta_version_key(vkey, mv->mv_bucket, mv->mv_key,
	    mv->mv_cur_mtime);
	leveldb_writebatch_put(mv->mv_batch, vkey, vklen, mv->mv_cur,
	    mv->mv_curlen);
	return 0;
}

int
meta_version_load(struct meta_vchange *mv)
{
	struct ver_peek vp;
	int rc;

	mv->mv_oklen = meta_db_obj_key(mv->mv_okey, mv->mv_bucket, mv->mv_key);
	rc = meta_db_get(mv->mv_db, mv->mv_okey, mv->mv_oklen, &mv->mv_cur,
	    &mv->mv_curlen);
	if (rc == CAIRN_ENOENT) {
		mv->mv_cur = NULL;
		return 0;
	}
	if (rc != 0)
		return rc;
	if ((rc = ver_peek_rec(mv->mv_cur, mv->mv_curlen, &vp)) != 0)
		return rc;
	mv->mv_cur_mtime = vp.vp_mtime;
	mv->mv_cur_marker = vp.vp_marker;
	mv->mv_cur_vidlen = vp.vp_vidlen;
	memcpy(mv->mv_cur_vid, vp.vp_vid, vp.vp_vidlen);
	return 0;
}

int
meta_version_commit(struct meta_vchange *mv, struct msg_objrec *rec)
{
	msgpack_sbuffer sb;
	int rc;

	if (mv->mv_cur != NULL && rec->or_mtime_ns <= mv->mv_cur_mtime)
		rec->or_mtime_ns = mv->mv_cur_mtime + 1;
	memset(&rec->or_version_id, 0, sizeof(rec->or_version_id));
	if (mv->mv_state == BUCKET_VER_ENABLED) {
		meta_version_id_make(mv->mv_vid, rec->or_mtime_ns);
		rec->or_version_id.ps_ptr = mv->mv_vid;
		rec->or_version_id.ps_len = PROTO_VERIDLEN;
	} else if (mv->mv_state == BUCKET_VER_SUSPENDED)
		memcpy(mv->mv_vid, "null", 5);
	if ((rc = ver_demote(mv)) != 0)
		return rc;
	if (mv->mv_state == BUCKET_VER_SUSPENDED &&
	    (rc = ver_drop_null(mv)) != 0)
		return rc;
	meta_db_pack_objrec(&sb, rec);
	if (sb.size > PROTO_MSGMAX - 4096)
		rc = CAIRN_ETOOBIG;
	else
		leveldb_writebatch_put(mv->mv_batch, mv->mv_okey, mv->mv_oklen,
		    sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
	return rc;
}

void
meta_version_init(struct meta_vchange *mv, struct meta_db *db,
    struct proto_str bucket, struct proto_str key)
{
	memset(mv, 0, sizeof(*mv));
	mv->mv_db = db;
	mv->mv_bucket = bucket;
	mv->mv_key = key;
	mv->mv_batch = leveldb_writebatch_create();
}

void
meta_version_fini(struct meta_vchange *mv)
{
	if (mv->mv_batch != NULL)
		leveldb_writebatch_destroy(mv->mv_batch);
	if (mv->mv_cur != NULL)
		leveldb_free(mv->mv_cur);
	free(mv->mv_drop);
	memset(mv, 0, sizeof(*mv));
}

int
meta_version_write(struct meta_vchange *mv)
{
	char *err = NULL;

	if (mv->mv_defer) {
		mv->mv_deferred = true;
		return 0;
	}
	if (mv->mv_db->md_commit.mc_running)
		return meta_commit_batch(mv->mv_db, mv->mv_batch);
	meta_db_lwrite(mv->mv_db, mv->mv_batch, &err);
	if (err != NULL)
		return meta_db_fail(mv->mv_db, "write batch", err);
	return 0;
}

/* Room for the rest of a msg_ver_done beside the record given up. */
#define VER_DONE_SLACK	128

int
meta_version_reply(struct meta_vchange *mv, bool marker, bool full,
    size_t room, msgpack_packer *reply)
{
	struct msg_ver_done *d;
	msgpack_unpacked u;
	int rc = 0;

	if (!full) {
		meta_db_reply_raw(reply, mv->mv_drop, mv->mv_droplen);
		return 0;
	}
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return CAIRN_ENOMEM;
	msgpack_unpacked_init(&u);
	d->vd_version_id = proto_str_c(mv->mv_vid);
	d->vd_delete_marker = marker;
	d->vd_has_old = mv->mv_drop != NULL;
	if (d->vd_has_old && room != 0 &&
	    mv->mv_droplen + VER_DONE_SLACK > room) {
		/* Its shards become orphans, for scrubd's sweep. */
		log_info("the record %.*s replaced is left out of a batched "
		    "reply (%zu bytes)", (int)mv->mv_key.ps_len,
		    mv->mv_key.ps_ptr, mv->mv_droplen);
		d->vd_has_old = false;
	}
	if (d->vd_has_old)
		rc = meta_db_unpack_objrec(&u, mv->mv_drop, mv->mv_droplen,
		    &d->vd_old);
	/* An inline record has no shards: its bytes would only be copied. */
	if (rc == 0 && d->vd_has_old && d->vd_old.or_inline)
		d->vd_has_old = false;
	if (rc == 0)
		msg_ver_done_pack(reply, d);
	msgpack_unpacked_destroy(&u);
	free(d);
	return rc;
}

int
meta_version_put_prepare(struct meta_vchange *mv, const struct msg_obj_put *p,
    struct msg_objrec *rec)
{
	int rc;

	if ((rc = meta_version_bucket(mv->mv_db, p->p_bucket,
	    &mv->mv_state, &mv->mv_lock)) != 0 ||
	    (rc = meta_version_load(mv)) != 0)
		return rc;
	if (mv->mv_lock && (rc = meta_lock_default(mv->mv_db, p->p_bucket,
	    rec, mv->mv_lock_mode, mv->mv_lock_until)) != 0)
		return rc;
	/* A delete marker is no object to a conditional write. */
	if (mv->mv_cur_marker)
		rc = meta_db_cond(p, NULL, 0);
	else
		rc = meta_db_cond(p, mv->mv_cur, mv->mv_curlen);
	if (rc == 0)
		rc = meta_version_commit(mv, rec);
	return rc;
}

int
meta_version_put(struct meta_db *db, const struct msg_obj_put *p, bool full,
    size_t room, msgpack_packer *reply)
{
	struct meta_vchange mv;
	struct msg_objrec *rec;
	pthread_mutex_t *lock;
	int rc;

	if ((rc = meta_db_check_obj(p->p_bucket, p->p_key)) != 0)
		return rc;
	if ((rec = malloc(sizeof(*rec))) == NULL)
		return CAIRN_ENOMEM;
	*rec = p->p_rec;
	rec->or_delete_marker = false;
	meta_version_init(&mv, db, p->p_bucket, p->p_key);
	pthread_rwlock_rdlock(&db->md_bucket_lock);
	lock = meta_db_key_lock(db, mv.mv_okey,
	    meta_db_obj_key(mv.mv_okey, p->p_bucket, p->p_key));
	pthread_mutex_lock(lock);
	if ((rc = meta_version_put_prepare(&mv, p, rec)) == 0)
		rc = meta_version_write(&mv);
	pthread_mutex_unlock(lock);
	pthread_rwlock_unlock(&db->md_bucket_lock);
	if (rc == 0)
		rc = meta_version_reply(&mv, false, full, room, reply);
	meta_version_fini(&mv);
	free(rec);
	return rc;
}
