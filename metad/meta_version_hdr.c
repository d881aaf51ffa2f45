/* meta_version_hdr.c - change one stored header of one object version */
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

/* hdr_set replaces header name of rec by value (none if empty). */
static int
hdr_set(struct msg_objrec *rec, struct proto_str name, struct proto_str value)
{
	uint32_t i, n = 0;

	for (i = 0; i < rec->or_nhdrs; i++) {
		if (rec->or_hdr_name[i].ps_len == name.ps_len &&
		    memcmp(rec->or_hdr_name[i].ps_ptr, name.ps_ptr,
		    name.ps_len) == 0)
			continue;
		rec->or_hdr_name[n] = rec->or_hdr_name[i];
		rec->or_hdr_value[n++] = rec->or_hdr_value[i];
	}
	if (value.ps_len > 0) {
		if (n == PROTO_HDRMAX)
			return CAIRN_ETOOBIG;
		rec->or_hdr_name[n] = name;
		rec->or_hdr_value[n++] = value;
	}
	rec->or_nhdrs = n;
	return 0;
}

/* hdr_rewrite stores the record val under key with the header changed. */
static int
hdr_rewrite(struct meta_db *db, const char *key, size_t klen, const char *val,
    size_t vlen, const struct msg_ver_hdr *h)
{
	struct msg_objrec *rec;
	msgpack_unpacked u;
	msgpack_sbuffer sb;
	char *err = NULL;
	uint32_t i;
	int rc;

	if ((rec = malloc(sizeof(*rec))) == NULL)
		return CAIRN_ENOMEM;
	msgpack_unpacked_init(&u);
	if ((rc = meta_db_unpack_objrec(&u, val, vlen, rec)) == 0 &&
	    rec->or_delete_marker)
		rc = CAIRN_EMARKER;
	for (i = 0; rc == 0 && i < h->vh_n; i++)
		rc = hdr_set(rec, h->vh_name[i], h->vh_value[i]);
	if (rc == 0) {
		meta_db_pack_objrec(&sb, rec);
		meta_db_lput(db, key, klen, sb.data, sb.size, &err);
		msgpack_sbuffer_destroy(&sb);
		if (err != NULL)
			rc = meta_db_fail(db, "put", err);
	}
	msgpack_unpacked_destroy(&u);
	free(rec);
	return rc;
}

int
meta_version_set_hdr(struct meta_db *db, const struct msg_ver_hdr *h)
{
	const struct msg_ver_ref *r = &h->vh_ref;
	char key[META_VKEYLEN], *val;
	pthread_mutex_t *lock;
	size_t klen, vlen;
	int rc;

	if ((rc = meta_db_check_obj(r->vr_bucket, r->vr_key)) != 0)
		return rc;
	/* Every change of a key's versions holds the lock of its "O" key. */
	lock = meta_db_key_lock(db, key, meta_db_obj_key(key, r->vr_bucket,
	    r->vr_key));
	pthread_rwlock_rdlock(&db->md_bucket_lock);
	pthread_mutex_lock(lock);
	rc = meta_version_locate(db, r, key, &klen, &val, &vlen);
	if (rc == 0) {
		rc = hdr_rewrite(db, key, klen, val, vlen, h);
		leveldb_free(val);
	}
	pthread_mutex_unlock(lock);
	pthread_rwlock_unlock(&db->md_bucket_lock);
	return rc;
}
