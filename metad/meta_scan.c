/* meta_scan.c - walk the object records of all buckets, page by page */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include <leveldb/c.h>
#include <msgpack.h>

#include "errors.h"
#include "log.h"
#include "metad.h"
#include "proto.h"

/*
 * cairn-scrubd's sweep removes the shards of data ids it did not meet in a
 * full scan: every record that refers to shards must be returned here.
 * Records of multipart objects carry their parts' data ids; the parts of
 * uploads in progress ("P" keys) are not walked, and the sweep leaves
 * shards alone while any upload is open.  Noncurrent versions ("V" keys)
 * refer to shards too: each key's follow its latest record.
 */

/* A scan page stops after this many bytes of records, well below the
 * largest message. */
#define META_SCAN_BYTES	(1u << 20)

/* One record under the iterator, split into bucket and key. */
struct meta_scan_item {
	struct proto_str	 si_bucket;
	struct proto_str	 si_key;
	const char		*si_val;
	size_t			 si_vlen;
};

/* meta_scan_split reads the iterator's entry; false past the "O" keys. */
static bool
meta_scan_split(leveldb_iterator_t *it, struct meta_scan_item *si)
{
	const char *k, *nul;
	size_t klen;

	if (!leveldb_iter_valid(it))
		return false;
	k = leveldb_iter_key(it, &klen);
	if (klen < 3 || k[0] != META_K_OBJECT ||
	    (nul = memchr(k + 1, '\0', klen - 1)) == NULL)
		return false;
	si->si_bucket.ps_ptr = k + 1;
	si->si_bucket.ps_len = (size_t)(nul - (k + 1));
	si->si_key.ps_ptr = nul + 1;
	si->si_key.ps_len = klen - (size_t)(nul + 1 - k);
	si->si_val = leveldb_iter_value(it, &si->si_vlen);
	return true;
}

static bool
str_eq(struct proto_str a, struct proto_str b)
{
	return a.ps_len == b.ps_len && memcmp(a.ps_ptr, b.ps_ptr, a.ps_len) == 0;
}

static bool
has_prefix(struct proto_str s, struct proto_str p)
{
	return s.ps_len >= p.ps_len && memcmp(s.ps_ptr, p.ps_ptr, p.ps_len) == 0;
}

/*
 * meta_scan_in_scope tells whether si is inside the request's scope.  With
 * a bucket, the keys of the prefix are contiguous, so the first one out of
 * scope ends the scan (*end); across buckets, a prefix only filters.
 */
static bool
meta_scan_in_scope(const struct msg_scan_req *s,
    const struct meta_scan_item *si, bool *end)
{
	*end = false;
	if (s->sc_bucket.ps_len > 0) {
		*end = !str_eq(si->si_bucket, s->sc_bucket) ||
		    !has_prefix(si->si_key, s->sc_prefix);
		return !*end;
	}
	return has_prefix(si->si_key, s->sc_prefix);
}

/* meta_scan_seek places the iterator on the first candidate record. */
static void
meta_scan_seek(leveldb_iterator_t *it, const struct msg_scan_req *s)
{
	char key[META_KEYLEN];
	struct proto_str ak;
	const char *nul;
	size_t klen;

	if (s->sc_after_bucket.ps_len > 0) {
		/* On the cursor's key, if it is still there: see
		 * meta_scan_resume. */
		ak = s->sc_after_key;
		if ((nul = memchr(ak.ps_ptr, '\0', ak.ps_len)) != NULL)
			ak.ps_len = (size_t)(nul - ak.ps_ptr);
		klen = meta_db_obj_key(key, s->sc_after_bucket, ak);
		leveldb_iter_seek(it, key, klen);
	} else if (s->sc_bucket.ps_len > 0) {
		klen = meta_db_obj_key(key, s->sc_bucket, s->sc_prefix);
		leveldb_iter_seek(it, key, klen);
	} else {
		key[0] = META_K_OBJECT;
		leveldb_iter_seek(it, key, 1);
	}
}

/*
 * meta_scan_resume continues inside the cursor's key: the cursor ends
 * with a NUL and order bytes when it is a noncurrent version.  The key's
 * noncurrent versions after it follow.  In a versioned bucket the key's
 * latest record is sent again: a DELETE of a version in between may have
 * made a noncurrent version the latest, out of the range still to walk,
 * and the sweep must see its data.
 */
static void
meta_scan_resume(struct meta_db *db, leveldb_iterator_t *it,
    leveldb_iterator_t *vit, const struct msg_scan_req *s,
    msgpack_packer *pk, msgpack_sbuffer *sb, uint32_t *n, bool *more)
{
	struct proto_str key = s->sc_after_key;
	const char *nul = memchr(key.ps_ptr, '\0', key.ps_len), *after = NULL;
	struct meta_scan_item si;
	uint8_t state = BUCKET_VER_OFF;

	if (nul != NULL) {
		key.ps_len = (size_t)(nul - key.ps_ptr);
		if (s->sc_after_key.ps_len != key.ps_len + 1 + PROTO_VERORDER)
			return;
		after = nul + 1;
	}
	if (!meta_scan_split(it, &si) || !str_eq(si.si_bucket,
	    s->sc_after_bucket) || !str_eq(si.si_key, key))
		return;
	(void)meta_version_bucket(db, si.si_bucket, &state, NULL);
	/* Not when it alone fills the page: the cursor would not move. */
	if (state != BUCKET_VER_OFF && s->sc_max > 1) {
		msg_scan_entry_pack(pk, si.si_bucket, si.si_key, si.si_val,
		    si.si_vlen);
		(*n)++;
	}
	meta_version_scan(vit, pk, sb, META_SCAN_BYTES, si.si_bucket,
	    si.si_key, after, n, s->sc_max, more);
	if (!*more)
		leveldb_iter_next(it);
}

/* meta_scan_collect packs up to sc_max in-scope entries into sb. */
static uint32_t
meta_scan_collect(struct meta_db *db, leveldb_iterator_t *it,
    leveldb_iterator_t *vit, const struct msg_scan_req *s,
    msgpack_sbuffer *sb, bool *more)
{
	struct meta_scan_item si;
	msgpack_packer pk;
	uint32_t n = 0;
	bool end;

	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	*more = false;
	if (s->sc_after_bucket.ps_len > 0)
		meta_scan_resume(db, it, vit, s, &pk, sb, &n, more);
	for (; !*more && meta_scan_split(it, &si); leveldb_iter_next(it)) {
		if (!meta_scan_in_scope(s, &si, &end)) {
			if (end)
				break;
			continue;
		}
		if (n == s->sc_max || sb->size >= META_SCAN_BYTES) {
			*more = true;
			break;
		}
		msg_scan_entry_pack(&pk, si.si_bucket, si.si_key, si.si_val,
		    si.si_vlen);
		n++;
		meta_version_scan(vit, &pk, sb, META_SCAN_BYTES, si.si_bucket,
		    si.si_key, NULL, &n, s->sc_max, more);
		if (*more)
			break;
	}
	return n;
}

int
meta_scan(struct meta_db *db, const struct msg_scan_req *s,
    msgpack_packer *reply)
{
	const leveldb_snapshot_t *snap;
	leveldb_readoptions_t *ro;
	leveldb_iterator_t *it, *vit;
	msgpack_sbuffer sb;
	uint32_t n;
	bool more;

	if ((s->sc_after_bucket.ps_len > 0 &&
	    meta_db_check_name(s->sc_after_bucket, PROTO_BUCKETMAX) != 0) ||
	    memchr(s->sc_bucket.ps_ptr, '\0', s->sc_bucket.ps_len) != NULL)
		return CAIRN_EINVAL;
	msgpack_sbuffer_init(&sb);
	/* One snapshot for both: a version moving between "O" and "V" is
	 * seen once, never missed. */
	snap = leveldb_create_snapshot(db->md_db);
	ro = leveldb_readoptions_create();
	leveldb_readoptions_set_snapshot(ro, snap);
	it = leveldb_create_iterator(db->md_db, ro);
	vit = leveldb_create_iterator(db->md_db, ro);
	meta_scan_seek(it, s);
	n = meta_scan_collect(db, it, vit, s, &sb, &more);
	leveldb_iter_destroy(vit);
	leveldb_iter_destroy(it);
	leveldb_readoptions_destroy(ro);
	leveldb_release_snapshot(db->md_db, snap);
	msg_scan_reply_pack_begin(reply, more, n);
	if (sb.size > 0)
		reply->callback(reply->data, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
	return 0;
}
