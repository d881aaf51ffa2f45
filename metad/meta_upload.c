/* meta_upload.c - multipart uploads and their parts, for cairn-metad */
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
 * The locks of one upload operation.  Everything that changes an upload
 * (a part, complete, abort) holds the key lock of its "U" key; complete
 * also holds the lock of the object's "O" key, taken in address order so
 * that two completes never wait for each other crosswise.
 */
struct upload_locks {
	pthread_mutex_t	*ul_first;
	pthread_mutex_t	*ul_second;	/* NULL: one lock only */
};

int
meta_upload_check(const struct msg_upload_ref *u)
{
	size_t i;

	if (meta_db_check_obj(u->u_bucket, u->u_key) != 0)
		return CAIRN_EINVAL;
	if (u->u_upload_id.ps_len != PROTO_UPLOADIDLEN)
		return CAIRN_ENOUPLOAD;
	for (i = 0; i < PROTO_UPLOADIDLEN; i++)
		if (strchr("0123456789abcdef", u->u_upload_id.ps_ptr[i]) ==
		    NULL || u->u_upload_id.ps_ptr[i] == '\0')
			return CAIRN_ENOUPLOAD;
	return 0;
}

size_t
meta_upload_key(char *buf, const struct msg_upload_ref *u)
{
	size_t n = meta_db_obj_key(buf, u->u_bucket, u->u_key);

	buf[0] = META_K_UPLOAD;
	buf[n++] = '\0';
	memcpy(buf + n, u->u_upload_id.ps_ptr, PROTO_UPLOADIDLEN);
	return n + PROTO_UPLOADIDLEN;
}

/* part_key writes "P" id number into buf (META_PARTKEYLEN bytes). */
static void
part_key(char *buf, const char *upload_id, uint32_t number)
{
	buf[0] = META_K_PART;
	memcpy(buf + 1, upload_id, PROTO_UPLOADIDLEN);
	buf[1 + PROTO_UPLOADIDLEN] = (char)(number >> 24);
	buf[2 + PROTO_UPLOADIDLEN] = (char)(number >> 16);
	buf[3 + PROTO_UPLOADIDLEN] = (char)(number >> 8);
	buf[4 + PROTO_UPLOADIDLEN] = (char)number;
}

static void
locks_take(struct upload_locks *l, pthread_mutex_t *a, pthread_mutex_t *b)
{
	if (b == NULL || a == b) {
		l->ul_first = a;
		l->ul_second = NULL;
	} else {
		l->ul_first = a < b ? a : b;
		l->ul_second = a < b ? b : a;
	}
	pthread_mutex_lock(l->ul_first);
	if (l->ul_second != NULL)
		pthread_mutex_lock(l->ul_second);
}

static void
locks_drop(struct upload_locks *l)
{
	if (l->ul_second != NULL)
		pthread_mutex_unlock(l->ul_second);
	pthread_mutex_unlock(l->ul_first);
}

/* upload_exists returns 0, CAIRN_ENOUPLOAD or a DB error. */
static int
upload_exists(struct meta_db *db, const char *ukey, size_t uklen)
{
	char *val;
	size_t vlen;
	int rc;

	rc = meta_db_get(db, ukey, uklen, &val, &vlen);
	if (rc == CAIRN_ENOENT)
		return CAIRN_ENOUPLOAD;
	if (rc == 0)
		leveldb_free(val);
	return rc;
}

/* write_batch writes b synced and destroys it. */
static int
write_batch(struct meta_db *db, leveldb_writebatch_t *b)
{
	char *err = NULL;

	meta_db_lwrite(db, b, &err);
	leveldb_writebatch_destroy(b);
	if (err != NULL)
		return meta_db_fail(db, "write batch", err);
	return 0;
}

int
meta_upload_create(struct meta_db *db, const struct msg_upload_create *uc)
{
	char key[META_UPKEYLEN];
	msgpack_sbuffer sb;
	char *err = NULL;
	size_t klen;
	int rc;

	if ((rc = meta_upload_check(&uc->uc_ref)) != 0)
		return rc == CAIRN_ENOUPLOAD ? CAIRN_EINVAL : rc;
	klen = meta_upload_key(key, &uc->uc_ref);
	meta_db_pack_objrec(&sb, &uc->uc_rec);
	pthread_rwlock_rdlock(&db->md_bucket_lock);
	rc = meta_db_bucket_exists(db, uc->uc_ref.u_bucket);
	if (rc == 0) {
		meta_db_lput(db, key, klen, sb.data, sb.size, &err);
		if (err != NULL)
			rc = meta_db_fail(db, "put", err);
	}
	pthread_rwlock_unlock(&db->md_bucket_lock);
	msgpack_sbuffer_destroy(&sb);
	return rc;
}

int
meta_upload_get(struct meta_db *db, const struct msg_upload_ref *u,
    msgpack_packer *reply)
{
	char key[META_UPKEYLEN], *val;
	size_t vlen;
	int rc;

	if ((rc = meta_upload_check(u)) != 0)
		return rc;
	if ((rc = meta_db_get_in(db, key, meta_upload_key(key, u), u->u_bucket,
	    CAIRN_ENOUPLOAD, &val, &vlen)) != 0)
		return rc;
	return meta_db_reply_take(reply, val, vlen);
}

/* part_swap stores the part under the upload's lock; *old gets the
 * record it replaced (NULL if none). */
static int
part_swap(struct meta_db *db, const struct msg_part_put *pp,
    const msgpack_sbuffer *sb, char **old, size_t *oldlen)
{
	char ukey[META_UPKEYLEN], pkey[META_PARTKEYLEN], *err = NULL;
	struct upload_locks l;
	size_t uklen = meta_upload_key(ukey, &pp->pp_ref);
	int rc;

	*old = NULL;
	part_key(pkey, pp->pp_ref.u_upload_id.ps_ptr, pp->pp_number);
	locks_take(&l, meta_db_key_lock(db, ukey, uklen), NULL);
	if ((rc = upload_exists(db, ukey, uklen)) == 0)
		rc = meta_db_get(db, pkey, sizeof(pkey), old, oldlen);
	if (rc == CAIRN_ENOENT)
		rc = 0;
	if (rc == 0) {
		meta_db_lput(db, pkey, sizeof(pkey), sb->data, sb->size,
		    &err);
		if (err != NULL)
			rc = meta_db_fail(db, "put", err);
	}
	locks_drop(&l);
	return rc;
}

int
meta_upload_part(struct meta_db *db, const struct msg_part_put *pp,
    msgpack_packer *reply)
{
	msgpack_sbuffer sb;
	char *old = NULL;
	size_t oldlen = 0;
	int rc;

	if ((rc = meta_upload_check(&pp->pp_ref)) != 0)
		return rc;
	meta_db_pack_objrec(&sb, &pp->pp_rec);
	pthread_rwlock_rdlock(&db->md_bucket_lock);
	rc = meta_db_bucket_exists(db, pp->pp_ref.u_bucket);
	if (rc == 0)
		rc = part_swap(db, pp, &sb, &old, &oldlen);
	pthread_rwlock_unlock(&db->md_bucket_lock);
	msgpack_sbuffer_destroy(&sb);
	if (rc == 0)
		meta_db_reply_raw(reply, old, oldlen);
	if (old != NULL)
		leveldb_free(old);
	return rc;
}

/*
 * The work of one complete or abort, on the worker's stack.  cs_vals
 * keeps the stored values the parts point into until the reply is packed;
 * cs_dropped collects the data ids of coded parts no record keeps.
 */
struct complete_state {
	struct meta_db			*cs_db;
	const struct msg_upload_complete *cs_req;
	const struct msg_upload_ref	*cs_ref;
	char				 cs_ukey[META_UPKEYLEN];
	size_t				 cs_uklen;
	char				*cs_uval;	/* the template */
	size_t				 cs_uvlen;
	msgpack_unpacked		 cs_uunp;
	struct msg_objrec		 cs_rec;	/* template, then new */
	struct msg_objpart		*cs_parts;
	char				**cs_vals;
	uint8_t				*cs_listed;	/* by part number */
	msgpack_sbuffer			 cs_dropped;
	leveldb_writebatch_t		*cs_batch;
};

static void
state_init(struct complete_state *cs, struct meta_db *db,
    const struct msg_upload_ref *ref)
{
	memset(cs, 0, sizeof(*cs));
	cs->cs_db = db;
	cs->cs_ref = ref;
	cs->cs_uklen = meta_upload_key(cs->cs_ukey, ref);
	msgpack_unpacked_init(&cs->cs_uunp);
	msgpack_sbuffer_init(&cs->cs_dropped);
	cs->cs_batch = leveldb_writebatch_create();
}

static void
state_free(struct complete_state *cs)
{
	uint32_t i;

	if (cs->cs_vals != NULL)
		for (i = 0; i < cs->cs_req->cc_nparts; i++)
			if (cs->cs_vals[i] != NULL)
				leveldb_free(cs->cs_vals[i]);
	free(cs->cs_vals);
	free(cs->cs_parts);
	free(cs->cs_listed);
	if (cs->cs_uval != NULL)
		leveldb_free(cs->cs_uval);
	msgpack_unpacked_destroy(&cs->cs_uunp);
	msgpack_sbuffer_destroy(&cs->cs_dropped);
	if (cs->cs_batch != NULL)
		leveldb_writebatch_destroy(cs->cs_batch);
}

/* load_upload reads the upload's template into cs_rec. */
static int
load_upload(struct complete_state *cs)
{
	int rc;

	rc = meta_db_get(cs->cs_db, cs->cs_ukey, cs->cs_uklen, &cs->cs_uval,
	    &cs->cs_uvlen);
	if (rc == CAIRN_ENOENT)
		return CAIRN_ENOUPLOAD;
	if (rc != 0)
		return rc;
	return meta_db_unpack_objrec(&cs->cs_uunp, cs->cs_uval, cs->cs_uvlen,
	    &cs->cs_rec);
}

/* same_layout tells whether a coded part was written as the template
 * says, so that the object's one layout describes it. */
static bool
same_layout(const struct msg_objrec *t, const struct msg_objrec *p)
{
	int i;

	if (p->or_k != t->or_k || p->or_m != t->or_m ||
	    p->or_block_size != t->or_block_size)
		return false;
	for (i = 0; i < t->or_k + t->or_m; i++)
		if (p->or_drives[i].ps_len != t->or_drives[i].ps_len ||
		    memcmp(p->or_drives[i].ps_ptr, t->or_drives[i].ps_ptr,
		    t->or_drives[i].ps_len) != 0)
			return false;
	return true;
}

/* load_part reads listed part i, checks it and fills cs_parts[i]. */
static int
load_part(struct complete_state *cs, uint32_t i, struct msg_objrec *pr)
{
	struct msg_objpart *p = &cs->cs_parts[i];
	msgpack_unpacked u;
	char key[META_PARTKEYLEN];
	uint8_t etag[16];
	size_t vlen;
	int rc;

	msg_upload_complete_get(cs->cs_req, i, &p->op_number, etag);
	part_key(key, cs->cs_ref->u_upload_id.ps_ptr, p->op_number);
	rc = meta_db_get(cs->cs_db, key, sizeof(key), &cs->cs_vals[i], &vlen);
	if (rc != 0)
		return rc == CAIRN_ENOENT ? CAIRN_EBADPART : rc;
	msgpack_unpacked_init(&u);
	rc = meta_db_unpack_objrec(&u, cs->cs_vals[i], vlen, pr);
	if (rc == 0 && memcmp(pr->or_etag, etag, 16) != 0)
		rc = CAIRN_EBADPART;
	if (rc == 0 && !pr->or_inline && !same_layout(&cs->cs_rec, pr)) {
		log_warnx("upload %.32s: part %u has another layout",
		    cs->cs_ref->u_upload_id.ps_ptr, p->op_number);
		rc = CAIRN_EBADPART;
	}
	if (rc == 0) {
		p->op_size = pr->or_size;
		memcpy(p->op_etag, pr->or_etag, 16);
		p->op_inline = pr->or_inline;
		p->op_data = pr->or_data;	/* points into cs_vals[i] */
		memcpy(p->op_data_id, pr->or_data_id, PROTO_IDLEN);
		(void)meta_upload_part_cksum(pr, NULL, &p->op_cksum);
	}
	msgpack_unpacked_destroy(&u);
	return rc;
}

/* check_order refuses a list that is not strictly ascending. */
static int
check_order(const struct msg_upload_complete *cc)
{
	uint32_t i, n, last = 0;
	uint8_t etag[16];

	for (i = 0; i < cc->cc_nparts; i++) {
		msg_upload_complete_get(cc, i, &n, etag);
		if (n <= last)
			return CAIRN_EPARTORDER;
		last = n;
	}
	return 0;
}

/* load_parts reads every listed part and makes the object's record. */
static int
load_parts(struct complete_state *cs)
{
	const struct msg_upload_complete *cc = cs->cs_req;
	struct msg_objrec *pr;
	uint64_t total = 0;
	uint32_t i;
	int rc = 0;

	cs->cs_parts = calloc(cc->cc_nparts, sizeof(*cs->cs_parts));
	cs->cs_vals = calloc(cc->cc_nparts, sizeof(*cs->cs_vals));
	cs->cs_listed = calloc(PROTO_PARTMAX + 1, 1);
	if ((pr = malloc(sizeof(*pr))) == NULL || cs->cs_parts == NULL ||
	    cs->cs_vals == NULL || cs->cs_listed == NULL) {
		free(pr);
		return CAIRN_ENOMEM;
	}
	for (i = 0; rc == 0 && i < cc->cc_nparts; i++) {
		if ((rc = load_part(cs, i, pr)) != 0)
			break;
		total += cs->cs_parts[i].op_size;
		cs->cs_listed[cs->cs_parts[i].op_number] = 1;
	}
	free(pr);
	if (rc != 0)
		return rc;
	/* Only once every part is known: a missing one is InvalidPart. */
	for (i = 0; i + 1 < cc->cc_nparts; i++)
		if (cs->cs_parts[i].op_size < PROTO_PARTMIN)
			return CAIRN_EPARTSMALL;
	cs->cs_rec.or_size = total;
	cs->cs_rec.or_mtime_ns = cc->cc_mtime_ns;
	memcpy(cs->cs_rec.or_etag, cc->cc_etag, 16);
	cs->cs_rec.or_inline = false;
	memset(cs->cs_rec.or_data_id, 0, PROTO_IDLEN);
	cs->cs_rec.or_nparts = cc->cc_nparts;
	cs->cs_rec.or_parts = cs->cs_parts;
	cs->cs_rec.or_parts_raw = NULL;
	return 0;
}

/*
 * drop_parts walks every stored part of the upload, deletes its key in
 * the batch and, unless the new record keeps it (cs_listed), remembers
 * the data id of a coded one.
 */
static int
drop_parts(struct complete_state *cs)
{
	char pfx[META_PARTKEYLEN];
	leveldb_iterator_t *it;
	struct msg_objrec *pr;
	msgpack_unpacked u;
	const char *k, *v;
	size_t klen, vlen;
	uint32_t n;
	int rc = 0;

	if ((pr = malloc(sizeof(*pr))) == NULL)
		return CAIRN_ENOMEM;
	part_key(pfx, cs->cs_ref->u_upload_id.ps_ptr, 0);
	it = leveldb_create_iterator(cs->cs_db->md_db, cs->cs_db->md_read);
	for (leveldb_iter_seek(it, pfx, sizeof(pfx)); rc == 0 &&
	    leveldb_iter_valid(it); leveldb_iter_next(it)) {
		k = leveldb_iter_key(it, &klen);
		if (klen != META_PARTKEYLEN ||
		    memcmp(k, pfx, 1 + PROTO_UPLOADIDLEN) != 0)
			break;
		leveldb_writebatch_delete(cs->cs_batch, k, klen);
		n = (uint32_t)(unsigned char)k[klen - 4] << 24 |
		    (uint32_t)(unsigned char)k[klen - 3] << 16 |
		    (uint32_t)(unsigned char)k[klen - 2] << 8 |
		    (unsigned char)k[klen - 1];
		if (cs->cs_listed != NULL && n <= PROTO_PARTMAX &&
		    cs->cs_listed[n])
			continue;
		v = leveldb_iter_value(it, &vlen);
		msgpack_unpacked_init(&u);
		if ((rc = meta_db_unpack_objrec(&u, v, vlen, pr)) == 0 &&
		    !pr->or_inline)
			msgpack_sbuffer_write(&cs->cs_dropped,
			    (const char *)pr->or_data_id, PROTO_IDLEN);
		msgpack_unpacked_destroy(&u);
	}
	leveldb_iter_destroy(it);
	free(pr);
	return rc;
}

/* reply_done packs the msg_upload_done of cs, with the old record. */
static int
reply_done(struct complete_state *cs, const char *old, size_t oldlen,
    msgpack_packer *reply)
{
	struct msg_upload_done *ud;
	msgpack_unpacked u;
	int rc = 0;

	if ((ud = calloc(1, sizeof(*ud))) == NULL)
		return CAIRN_ENOMEM;
	msgpack_unpacked_init(&u);
	ud->ud_rec = cs->cs_rec;
	ud->ud_has_old = old != NULL;
	if (old != NULL)
		rc = meta_db_unpack_objrec(&u, old, oldlen, &ud->ud_old);
	ud->ud_dropped.ps_ptr = cs->cs_dropped.data;
	ud->ud_dropped.ps_len = cs->cs_dropped.size;
	if (rc == 0)
		msg_upload_done_pack(reply, ud);
	msgpack_unpacked_destroy(&u);
	free(ud);
	return rc;
}

/*
 * commit_object writes the new record as the latest version, the
 * removals, and replies; the upload's batch becomes the version change's.
 */
static int
commit_object(struct complete_state *cs, msgpack_packer *reply)
{
	const struct msg_upload_ref *ref = cs->cs_ref;
	struct meta_vchange mv;
	int rc;

	meta_version_init(&mv, cs->cs_db, ref->u_bucket, ref->u_key);
	leveldb_writebatch_destroy(mv.mv_batch);
	mv.mv_batch = cs->cs_batch;
	cs->cs_batch = NULL;
	leveldb_writebatch_delete(mv.mv_batch, cs->cs_ukey, cs->cs_uklen);
	if ((rc = meta_version_bucket(cs->cs_db, ref->u_bucket,
	    &mv.mv_state, &mv.mv_lock)) == 0 &&
	    (rc = meta_version_load(&mv)) == 0 && (!mv.mv_lock ||
	    (rc = meta_lock_default(cs->cs_db, ref->u_bucket, &cs->cs_rec,
	    mv.mv_lock_mode, mv.mv_lock_until)) == 0) &&
	    (rc = meta_version_commit(&mv, &cs->cs_rec)) == 0)
		rc = meta_version_write(&mv);
	if (rc == 0)
		rc = reply_done(cs, mv.mv_drop, mv.mv_droplen, reply);
	meta_version_fini(&mv);
	return rc;
}

/* complete_locked runs complete under the bucket and key locks. */
static int
complete_locked(struct complete_state *cs, msgpack_packer *reply)
{
	int rc;

	if ((rc = meta_db_bucket_exists(cs->cs_db, cs->cs_ref->u_bucket)) != 0 ||
	    (rc = load_upload(cs)) != 0 || (rc = load_parts(cs)) != 0 ||
	    (rc = meta_upload_hdr_edits(&cs->cs_rec, cs->cs_req)) != 0 ||
	    (rc = drop_parts(cs)) != 0)
		return rc;
	return commit_object(cs, reply);
}

int
meta_upload_complete(struct meta_db *db, const struct msg_upload_complete *cc,
    msgpack_packer *reply)
{
	struct complete_state cs;
	struct upload_locks l;
	char okey[META_KEYLEN];
	size_t oklen;
	int rc;

	if ((rc = meta_upload_check(&cc->cc_ref)) != 0 ||
	    (rc = check_order(cc)) != 0)
		return rc;
	state_init(&cs, db, &cc->cc_ref);
	cs.cs_req = cc;
	oklen = meta_db_obj_key(okey, cc->cc_ref.u_bucket, cc->cc_ref.u_key);
	pthread_rwlock_rdlock(&db->md_bucket_lock);
	locks_take(&l, meta_db_key_lock(db, cs.cs_ukey, cs.cs_uklen),
	    meta_db_key_lock(db, okey, oklen));
	rc = complete_locked(&cs, reply);
	locks_drop(&l);
	pthread_rwlock_unlock(&db->md_bucket_lock);
	state_free(&cs);
	if (rc == 0)
		log_debug("upload %.32s: completed with %u parts",
		    cc->cc_ref.u_upload_id.ps_ptr, cc->cc_nparts);
	return rc;
}

int
meta_upload_abort(struct meta_db *db, const struct msg_upload_ref *u,
    msgpack_packer *reply)
{
	struct complete_state cs;
	struct upload_locks l;
	int rc;

	if ((rc = meta_upload_check(u)) != 0)
		return rc;
	state_init(&cs, db, u);
	pthread_rwlock_rdlock(&db->md_bucket_lock);
	locks_take(&l, meta_db_key_lock(db, cs.cs_ukey, cs.cs_uklen), NULL);
	if ((rc = meta_db_bucket_exists(db, u->u_bucket)) == 0 &&
	    (rc = load_upload(&cs)) == 0 && (rc = drop_parts(&cs)) == 0) {
		leveldb_writebatch_delete(cs.cs_batch, cs.cs_ukey, cs.cs_uklen);
		rc = write_batch(db, cs.cs_batch);
		cs.cs_batch = NULL;
	}
	if (rc == 0)
		rc = reply_done(&cs, NULL, 0, reply);
	locks_drop(&l);
	pthread_rwlock_unlock(&db->md_bucket_lock);
	state_free(&cs);
	return rc;
}

/* bucket_drop_parts adds the deletion of every part of an upload. */
static void
bucket_drop_parts(struct meta_db *db, leveldb_writebatch_t *b,
    const char *upload_id)
{
	char pfx[META_PARTKEYLEN];
	leveldb_iterator_t *it;
	const char *k;
	size_t klen;

	part_key(pfx, upload_id, 0);
	it = leveldb_create_iterator(db->md_db, db->md_read);
	for (leveldb_iter_seek(it, pfx, sizeof(pfx)); leveldb_iter_valid(it);
	    leveldb_iter_next(it)) {
		k = leveldb_iter_key(it, &klen);
		if (klen != META_PARTKEYLEN ||
		    memcmp(k, pfx, 1 + PROTO_UPLOADIDLEN) != 0)
			break;
		leveldb_writebatch_delete(b, k, klen);
	}
	leveldb_iter_destroy(it);
}

int
meta_upload_bucket_delete(struct meta_db *db, const char *bkey, size_t bklen,
    struct proto_str bucket)
{
	static const struct proto_str nokey = { "", 0 };
	char pfx[META_KEYLEN], id[PROTO_UPLOADIDLEN];
	leveldb_writebatch_t *b = leveldb_writebatch_create();
	leveldb_iterator_t *it;
	const char *k;
	size_t plen, klen;

	plen = meta_db_obj_key(pfx, bucket, nokey);
	pfx[0] = META_K_UPLOAD;
	leveldb_writebatch_delete(b, bkey, bklen);
	it = leveldb_create_iterator(db->md_db, db->md_read);
	for (leveldb_iter_seek(it, pfx, plen); leveldb_iter_valid(it);
	    leveldb_iter_next(it)) {
		k = leveldb_iter_key(it, &klen);
		if (klen < plen + 1 + PROTO_UPLOADIDLEN ||
		    memcmp(k, pfx, plen) != 0)
			break;
		memcpy(id, k + klen - PROTO_UPLOADIDLEN, PROTO_UPLOADIDLEN);
		leveldb_writebatch_delete(b, k, klen);
		bucket_drop_parts(db, b, id);
	}
	leveldb_iter_destroy(it);
	meta_bconf_drop(db, b, bucket);
	return write_batch(db, b);
}

/* upload_nil answers a request whose reply has no payload. */
static int
upload_nil(int rc, msgpack_packer *reply)
{
	if (rc == 0)
		proto_pack_nil(reply);
	return rc;
}

/* upload_request runs the requests whose payload is an upload reference. */
static int
upload_request(struct meta_db *db, const struct proto_msg *req,
    msgpack_packer *reply)
{
	struct msg_upload_ref u;

	if (msg_upload_ref_unpack(req->pm_payload, &u) != 0)
		return CAIRN_EPROTO;
	if (req->pm_type == MSG_META_UPLOAD_GET)
		return meta_upload_get(db, &u, reply);
	return meta_upload_abort(db, &u, reply);
}

int
meta_upload_dispatch(struct meta_db *db, const struct proto_msg *req,
    msgpack_packer *reply)
{
	union {
		struct msg_upload_create	uc;
		struct msg_part_put		pp;
		struct msg_upload_complete	cc;
		struct msg_part_list_req	pl;
		struct msg_upload_list_req	ul;
	} *m;
	int rc = CAIRN_EPROTO;

	if (req->pm_type == MSG_META_UPLOAD_GET ||
	    req->pm_type == MSG_META_UPLOAD_ABORT)
		return upload_request(db, req, reply);
	if ((m = malloc(sizeof(*m))) == NULL)	/* records are large */
		return CAIRN_ENOMEM;
	switch (req->pm_type) {
	case MSG_META_UPLOAD_CREATE:
		if (msg_upload_create_unpack(req->pm_payload, &m->uc) == 0)
			rc = upload_nil(meta_upload_create(db, &m->uc), reply);
		break;
	case MSG_META_UPLOAD_PART:
		if (msg_part_put_unpack(req->pm_payload, &m->pp) == 0)
			rc = meta_upload_part(db, &m->pp, reply);
		break;
	case MSG_META_UPLOAD_COMPLETE:
		if (msg_upload_complete_unpack(req->pm_payload, &m->cc) == 0)
			rc = meta_upload_complete(db, &m->cc, reply);
		break;
	case MSG_META_UPLOAD_PARTS:
		if (msg_part_list_req_unpack(req->pm_payload, &m->pl) == 0)
			rc = meta_upload_parts(db, &m->pl, reply);
		break;
	case MSG_META_UPLOAD_LIST:
		if (msg_upload_list_req_unpack(req->pm_payload, &m->ul) == 0)
			rc = meta_upload_list(db, &m->ul, reply);
		break;
	default:
		rc = CAIRN_EMSGTYPE;
	}
	free(m);
	return rc;
}
