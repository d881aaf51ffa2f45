/* meta_objhdr.c - change one stored header of an object (tags, ACL), for metad */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "log.h"
#include "metad.h"

/* rehdr packs rec with its stored header oh_name set to oh_value. */
static void
rehdr(msgpack_sbuffer *sb, struct msg_objrec *rec, const struct msg_obj_hdr *oh)
{
	uint32_t i, n = 0;

	for (i = 0; i < rec->or_nhdrs; i++) {
		if (rec->or_hdr_name[i].ps_len == oh->oh_name.ps_len &&
		    memcmp(rec->or_hdr_name[i].ps_ptr, oh->oh_name.ps_ptr,
		    oh->oh_name.ps_len) == 0)
			continue;
		rec->or_hdr_name[n] = rec->or_hdr_name[i];
		rec->or_hdr_value[n++] = rec->or_hdr_value[i];
	}
	if (oh->oh_value.ps_len > 0 && n < PROTO_HDRMAX) {
		rec->or_hdr_name[n] = oh->oh_name;
		rec->or_hdr_value[n++] = oh->oh_value;
	}
	rec->or_nhdrs = n;
	meta_db_pack_objrec(sb, rec);
}

/* set_hdr rewrites the record under key; the caller holds its lock. */
static int
set_hdr(struct meta_db *db, const char *key, size_t klen,
    const struct msg_obj_hdr *oh)
{
	struct msg_objrec *rec;
	msgpack_unpacked u;
	msgpack_sbuffer sb;
	char *val;
	size_t vlen;
	int rc;

	if ((rc = meta_db_get(db, key, klen, &val, &vlen)) != 0)
		return rc;
	if ((rec = malloc(sizeof(*rec))) == NULL) {
		leveldb_free(val);
		return CAIRN_ENOMEM;
	}
	msgpack_unpacked_init(&u);
	rc = meta_db_unpack_objrec(&u, val, vlen, rec);
	if (rc == 0 && rec->or_delete_marker)
		rc = CAIRN_ENOENT;	/* a deleted key has no headers */
	if (rc == 0) {
		rehdr(&sb, rec, oh);
		rc = meta_db_write(db, key, klen, sb.data, sb.size);
		msgpack_sbuffer_destroy(&sb);
	}
	msgpack_unpacked_destroy(&u);
	free(rec);
	leveldb_free(val);
	return rc;
}

int
meta_objhdr_set(struct meta_db *db, const struct msg_obj_hdr *oh)
{
	char key[META_KEYLEN];
	pthread_mutex_t *lock;
	size_t klen;
	int rc;

	if ((rc = meta_db_check_obj(oh->oh_bucket, oh->oh_key)) != 0)
		return rc;
	klen = meta_db_obj_key(key, oh->oh_bucket, oh->oh_key);
	lock = meta_db_key_lock(db, key, klen);
	pthread_rwlock_rdlock(&db->md_bucket_lock);
	pthread_mutex_lock(lock);
	rc = set_hdr(db, key, klen, oh);
	pthread_mutex_unlock(lock);
	if (rc == CAIRN_ENOENT) {
		rc = meta_db_bucket_exists(db, oh->oh_bucket);
		rc = rc == 0 ? CAIRN_ENOKEY : rc;
	}
	pthread_rwlock_unlock(&db->md_bucket_lock);
	return rc;
}
