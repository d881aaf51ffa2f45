/* proto.c - one pack and one unpack function per message payload */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "proto.h"

/* --- unpack helpers: each checks type and bounds ------------------------- */

/* arr returns the n items of an array of exactly n elements, or NULL. */
static const msgpack_object *
arr(const msgpack_object *o, uint32_t n)
{
	if (o == NULL || o->type != MSGPACK_OBJECT_ARRAY ||
	    o->via.array.size != n)
		return NULL;
	return o->via.array.ptr;
}

static int
get_u64(const msgpack_object *o, uint64_t *v)
{
	if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		return CAIRN_EPROTO;
	*v = o->via.u64;
	return 0;
}

static int
get_u32(const msgpack_object *o, uint32_t *v, uint32_t max)
{
	if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER || o->via.u64 > max)
		return CAIRN_EPROTO;
	*v = (uint32_t)o->via.u64;
	return 0;
}

static int
get_u8(const msgpack_object *o, uint8_t *v, uint8_t max)
{
	uint32_t u;

	if (get_u32(o, &u, max) != 0)
		return CAIRN_EPROTO;
	*v = (uint8_t)u;
	return 0;
}

static int
get_i32(const msgpack_object *o, int32_t *v)
{
	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
	    o->via.u64 <= INT32_MAX)
		*v = (int32_t)o->via.u64;
	else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER &&
	    o->via.i64 >= INT32_MIN)
		*v = (int32_t)o->via.i64;
	else
		return CAIRN_EPROTO;
	return 0;
}

static int
get_bool(const msgpack_object *o, bool *v)
{
	if (o->type != MSGPACK_OBJECT_BOOLEAN)
		return CAIRN_EPROTO;
	*v = o->via.boolean;
	return 0;
}

static int
get_str(const msgpack_object *o, struct proto_str *s, size_t max)
{
	if (o->type != MSGPACK_OBJECT_STR || o->via.str.size > max)
		return CAIRN_EPROTO;
	s->ps_ptr = o->via.str.ptr;
	s->ps_len = o->via.str.size;
	return 0;
}

static int
get_bin(const msgpack_object *o, struct proto_str *s, size_t max)
{
	if (o->type != MSGPACK_OBJECT_BIN || o->via.bin.size > max)
		return CAIRN_EPROTO;
	s->ps_ptr = o->via.bin.ptr;
	s->ps_len = o->via.bin.size;
	return 0;
}

/* get_fixed copies a bin of exactly len bytes into out. */
static int
get_fixed(const msgpack_object *o, uint8_t *out, size_t len)
{
	if (o->type != MSGPACK_OBJECT_BIN || o->via.bin.size != len)
		return CAIRN_EPROTO;
	memcpy(out, o->via.bin.ptr, len);
	return 0;
}

/* --- pack helpers ------------------------------------------------------- */

static void
pack_str(msgpack_packer *pk, struct proto_str s)
{
	msgpack_pack_str(pk, s.ps_len);
	msgpack_pack_str_body(pk, s.ps_ptr, s.ps_len);
}

static void
pack_bin(msgpack_packer *pk, const void *p, size_t len)
{
	msgpack_pack_bin(pk, len);
	msgpack_pack_bin_body(pk, p, len);
}

static void
pack_bool(msgpack_packer *pk, bool b)
{
	if (b)
		msgpack_pack_true(pk);
	else
		msgpack_pack_false(pk);
}

/* --- envelope ------------------------------------------------------------- */

void
proto_begin(msgpack_packer *pk, uint32_t type, uint64_t reqid)
{
	msgpack_pack_array(pk, 4);
	msgpack_pack_uint32(pk, PROTO_VERSION);
	msgpack_pack_uint32(pk, type);
	msgpack_pack_uint64(pk, reqid);
}

void
proto_pack_nil(msgpack_packer *pk)
{
	msgpack_pack_nil(pk);
}

int
proto_open(struct proto_msg *m, const void *buf, size_t len)
{
	const msgpack_object *it;
	size_t off = 0;
	uint64_t v;

	memset(m, 0, sizeof(*m));
	msgpack_unpacked_init(&m->pm_unpacked);
	if (msgpack_unpack_next(&m->pm_unpacked, buf, len, &off) !=
	    MSGPACK_UNPACK_SUCCESS || off != len)
		goto bad;
	if ((it = arr(&m->pm_unpacked.data, 4)) == NULL ||
	    get_u64(&it[0], &v) != 0 || v > UINT32_MAX)
		goto bad;
	m->pm_version = (uint32_t)v;
	if (get_u32(&it[1], &m->pm_type, UINT32_MAX) != 0 ||
	    get_u64(&it[2], &m->pm_reqid) != 0)
		goto bad;
	m->pm_payload = &it[3];
	if (m->pm_version != PROTO_VERSION) {
		proto_close(m);
		return CAIRN_EVERSION;
	}
	return 0;
bad:
	proto_close(m);
	return CAIRN_EPROTO;
}

void
proto_close(struct proto_msg *m)
{
	msgpack_unpacked_destroy(&m->pm_unpacked);
	msgpack_unpacked_init(&m->pm_unpacked);
	m->pm_payload = NULL;
}

enum proto_batch
proto_batch_kind(uint32_t type)
{
	switch (type) {
	case MSG_META_BUCKET_GET:
	case MSG_META_BCONF_GET:
	case MSG_META_OBJ_GET:
	case MSG_META_UPLOAD_GET:
	case MSG_META_USER_GET:
	case MSG_META_VER_GET:
	case MSG_CHUNK_READ:
		return PROTO_BATCH_READ;
	case MSG_META_VER_PUT:
	case MSG_META_VER_DELETE:
		return PROTO_BATCH_WRITE;
	default:
		return PROTO_BATCH_NONE;
	}
}

bool
proto_is_nil(const msgpack_object *o)
{
	return o != NULL && o->type == MSGPACK_OBJECT_NIL;
}

#define CASE(x) case x: return #x
const char *
proto_type_name(uint32_t type)
{
	switch (type) {
	CASE(MSG_OK);
	CASE(MSG_ERROR);
	CASE(MSG_CTL_STATUS);
	CASE(MSG_RPC_BATCH);
	CASE(MSG_META_BUCKET_CREATE);
	CASE(MSG_META_BUCKET_DELETE);
	CASE(MSG_META_BUCKET_GET);
	CASE(MSG_META_BUCKET_LIST);
	CASE(MSG_META_BUCKET_SET);
	CASE(MSG_META_BCONF_PUT);
	CASE(MSG_META_BCONF_GET);
	CASE(MSG_META_BCONF_DELETE);
	CASE(MSG_META_OBJ_PUT);
	CASE(MSG_META_OBJ_GET);
	CASE(MSG_META_OBJ_DELETE);
	CASE(MSG_META_OBJ_LIST);
	CASE(MSG_META_OBJ_SET_TAGS);
	CASE(MSG_META_UPLOAD_CREATE);
	CASE(MSG_META_UPLOAD_GET);
	CASE(MSG_META_UPLOAD_PART);
	CASE(MSG_META_UPLOAD_COMPLETE);
	CASE(MSG_META_UPLOAD_ABORT);
	CASE(MSG_META_UPLOAD_PARTS);
	CASE(MSG_META_UPLOAD_LIST);
	CASE(MSG_CHUNK_WRITE);
	CASE(MSG_CHUNK_READ);
	CASE(MSG_CHUNK_DELETE);
	CASE(MSG_META_SCAN);
	CASE(MSG_META_VER_PUT);
	CASE(MSG_META_VER_GET);
	CASE(MSG_META_VER_DELETE);
	CASE(MSG_META_VER_LIST);
	CASE(MSG_META_VER_SET_HDR);
	CASE(MSG_CHUNK_VERIFY);
	CASE(MSG_CHUNK_LIST);
	CASE(MSG_CHUNK_SWEEP);
	CASE(MSG_CHUNK_REPAIR);
	CASE(MSG_SCRUB_HEAL);
	CASE(MSG_SCRUB_PASS);
	CASE(MSG_SCRUB_STATUS);
	CASE(MSG_META_USER_ADD);
	CASE(MSG_META_USER_GET);
	CASE(MSG_META_USER_LIST);
	CASE(MSG_META_USER_REMOVE);
	CASE(MSG_META_USER_STATE);
	CASE(MSG_META_OBJ_SET_HDR);
	CASE(MSG_META_OBJ_EXPIRE);
	CASE(MSG_SCRUB_LIFECYCLE);
	CASE(MSG_META_VER_EXPIRE);
	}
	return "MSG_UNKNOWN";
}
#undef CASE

bool
proto_str_eq(struct proto_str s, const char *cstr)
{
	size_t n = strlen(cstr);

	return s.ps_len == n && (n == 0 || memcmp(s.ps_ptr, cstr, n) == 0);
}

struct proto_str
proto_str_c(const char *cstr)
{
	struct proto_str s = { "", 0 };

	if (cstr != NULL) {
		s.ps_ptr = cstr;
		s.ps_len = strlen(cstr);
	}
	return s;
}

/* --- MSG_ERROR ---------------------------------------------------------- */

void
msg_error_pack(msgpack_packer *pk, const struct msg_error *e)
{
	msgpack_pack_array(pk, 2);
	msgpack_pack_int32(pk, e->e_code);
	pack_str(pk, e->e_message);
}

int
msg_error_unpack(const msgpack_object *o, struct msg_error *e)
{
	const msgpack_object *it = arr(o, 2);

	if (it == NULL || get_i32(&it[0], &e->e_code) != 0 || e->e_code >= 0 ||
	    get_str(&it[1], &e->e_message, 1024) != 0)
		return CAIRN_EPROTO;
	return 0;
}

/* --- MSG_CTL_STATUS reply ---------------------------------------------------- */

void
msg_status_add(struct msg_status *st, const char *name, uint64_t value)
{
	if (st->st_nstats >= PROTO_STATMAX)
		return;
	st->st_stat_name[st->st_nstats] = proto_str_c(name);
	st->st_stat_value[st->st_nstats] = value;
	st->st_nstats++;
}

void
msg_status_pack(msgpack_packer *pk, const struct msg_status *st)
{
	uint32_t i;

	msgpack_pack_array(pk, 5);
	pack_str(pk, st->st_daemon);
	pack_str(pk, st->st_version);
	msgpack_pack_uint64(pk, st->st_pid);
	msgpack_pack_uint64(pk, st->st_uptime_s);
	msgpack_pack_array(pk, st->st_nstats * 2);
	for (i = 0; i < st->st_nstats; i++) {
		pack_str(pk, st->st_stat_name[i]);
		msgpack_pack_uint64(pk, st->st_stat_value[i]);
	}
}

int
msg_status_unpack(const msgpack_object *o, struct msg_status *st)
{
	const msgpack_object *it = arr(o, 5), *s;
	uint32_t i, n;

	if (it == NULL || get_str(&it[0], &st->st_daemon, 64) != 0 ||
	    get_str(&it[1], &st->st_version, 64) != 0 ||
	    get_u64(&it[2], &st->st_pid) != 0 ||
	    get_u64(&it[3], &st->st_uptime_s) != 0 ||
	    it[4].type != MSGPACK_OBJECT_ARRAY)
		return CAIRN_EPROTO;
	n = it[4].via.array.size;
	if (n % 2 != 0 || n / 2 > PROTO_STATMAX)
		return CAIRN_EPROTO;
	s = it[4].via.array.ptr;
	st->st_nstats = n / 2;
	for (i = 0; i < st->st_nstats; i++)
		if (get_str(&s[2 * i], &st->st_stat_name[i], 64) != 0 ||
		    get_u64(&s[2 * i + 1], &st->st_stat_value[i]) != 0)
			return CAIRN_EPROTO;
	return 0;
}

/* --- names and buckets -------------------------------------------------------- */

void
msg_name_pack(msgpack_packer *pk, const struct msg_name *n)
{
	msgpack_pack_array(pk, 1);
	pack_str(pk, n->n_name);
}

int
msg_name_unpack(const msgpack_object *o, struct msg_name *n)
{
	const msgpack_object *it = arr(o, 1);

	if (it == NULL || get_str(&it[0], &n->n_name, PROTO_BUCKETMAX) != 0)
		return CAIRN_EPROTO;
	return 0;
}

void
msg_bucket_pack(msgpack_packer *pk, const struct msg_bucket *b)
{
	msgpack_pack_array(pk, 6);
	pack_str(pk, b->b_name);
	msgpack_pack_uint64(pk, b->b_created_ns);
	pack_str(pk, b->b_owner);
	msgpack_pack_uint8(pk, b->b_versioning);
	pack_bool(pk, b->b_object_lock);
	msgpack_pack_uint8(pk, b->b_acl);
}

/* A bucket stored before PROTO_VERSION 5 has two fields; see proto.h. */
int
msg_bucket_unpack(const msgpack_object *o, struct msg_bucket *b)
{
	const msgpack_object *it;

	memset(b, 0, sizeof(*b));
	if ((it = arr(o, 2)) != NULL)
		return get_str(&it[0], &b->b_name, PROTO_BUCKETMAX) != 0 ||
		    get_u64(&it[1], &b->b_created_ns) != 0 ? CAIRN_EPROTO : 0;
	if ((it = arr(o, 6)) == NULL ||
	    get_str(&it[0], &b->b_name, PROTO_BUCKETMAX) != 0 ||
	    get_u64(&it[1], &b->b_created_ns) != 0 ||
	    get_str(&it[2], &b->b_owner, PROTO_OWNERMAX) != 0 ||
	    get_u8(&it[3], &b->b_versioning, BUCKET_VER_SUSPENDED) != 0 ||
	    get_bool(&it[4], &b->b_object_lock) != 0 ||
	    get_u8(&it[5], &b->b_acl, BUCKET_ACL_AUTHENTICATED_READ) != 0)
		return CAIRN_EPROTO;
	return 0;
}

void
msg_bucket_set_pack(msgpack_packer *pk, const struct msg_bucket_set *bs)
{
	msgpack_pack_array(pk, 2);
	msg_bucket_pack(pk, &bs->bs_bucket);
	msgpack_pack_uint32(pk, bs->bs_fields);
}

int
msg_bucket_set_unpack(const msgpack_object *o, struct msg_bucket_set *bs)
{
	const msgpack_object *it = arr(o, 2);

	if (it == NULL || msg_bucket_unpack(&it[0], &bs->bs_bucket) != 0 ||
	    get_u32(&it[1], &bs->bs_fields, 0xffu) != 0)
		return CAIRN_EPROTO;
	return 0;
}

void
msg_bconf_pack(msgpack_packer *pk, const struct msg_bconf *bc)
{
	msgpack_pack_array(pk, 3);
	pack_str(pk, bc->bc_bucket);
	pack_str(pk, bc->bc_kind);
	pack_bin(pk, bc->bc_value.ps_ptr, bc->bc_value.ps_len);
}

int
msg_bconf_unpack(const msgpack_object *o, struct msg_bconf *bc)
{
	const msgpack_object *it = arr(o, 3);

	if (it == NULL || get_str(&it[0], &bc->bc_bucket, PROTO_BUCKETMAX) != 0 ||
	    get_str(&it[1], &bc->bc_kind, PROTO_BCONFKIND) != 0 ||
	    bc->bc_kind.ps_len == 0 ||
	    get_bin(&it[2], &bc->bc_value, PROTO_BCONFMAX) != 0)
		return CAIRN_EPROTO;
	return 0;
}

void
msg_bucket_list_pack(msgpack_packer *pk, const struct msg_bucket_list *bl)
{
	uint32_t i;

	msgpack_pack_array(pk, 1);
	msgpack_pack_array(pk, bl->bl_count);
	for (i = 0; i < bl->bl_count; i++)
		msg_bucket_pack(pk, &bl->bl_items[i]);
}

int
msg_bucket_list_unpack(const msgpack_object *o, struct msg_bucket_list *bl)
{
	const msgpack_object *it = arr(o, 1);
	uint32_t i, n;

	memset(bl, 0, sizeof(*bl));
	if (it == NULL || it[0].type != MSGPACK_OBJECT_ARRAY)
		return CAIRN_EPROTO;
	n = it[0].via.array.size;
	if (n > 0 && (bl->bl_items = calloc(n, sizeof(*bl->bl_items))) == NULL)
		return CAIRN_ENOMEM;
	bl->bl_count = n;
	for (i = 0; i < n; i++)
		if (msg_bucket_unpack(&it[0].via.array.ptr[i],
		    &bl->bl_items[i]) != 0) {
			msg_bucket_list_free(bl);
			return CAIRN_EPROTO;
		}
	return 0;
}

void
msg_bucket_list_free(struct msg_bucket_list *bl)
{
	free(bl->bl_items);
	bl->bl_items = NULL;
	bl->bl_count = 0;
}

/* --- object records ------------------------------------------------------------- */

/* Multipart parts of a record: at the end of this file. */
static void objparts_pack(msgpack_packer *pk, const struct msg_objrec *r);
static int objparts_unpack(const msgpack_object *o, struct msg_objrec *r);

/* objrec_versioned: the record has the versioning fields 13 and 14. */
static bool
objrec_versioned(const struct msg_objrec *r)
{
	return r->or_version_id.ps_len > 0 || r->or_delete_marker;
}

/* objrec_nfields: 11 (single PUT), 12 (multipart), 14 (versioned; the
 * 12th field is then nil for a single PUT). */
static uint32_t
objrec_nfields(const struct msg_objrec *r)
{
	if (objrec_versioned(r))
		return 14;
	return r->or_nparts > 0 ? 12 : 11;
}

void
msg_objrec_pack(msgpack_packer *pk, const struct msg_objrec *r)
{
	uint32_t i, n = r->or_inline ? 0 : (uint32_t)r->or_k + r->or_m;

	/* A single PUT keeps the 11 fields of version 1, byte for byte. */
	msgpack_pack_array(pk, objrec_nfields(r));
	msgpack_pack_uint64(pk, r->or_size);
	msgpack_pack_uint64(pk, r->or_mtime_ns);
	pack_bin(pk, r->or_etag, sizeof(r->or_etag));
	pack_bool(pk, r->or_inline);
	pack_bin(pk, r->or_data.ps_ptr, r->or_inline ? r->or_data.ps_len : 0);
	pack_bin(pk, r->or_data_id, sizeof(r->or_data_id));
	msgpack_pack_uint8(pk, r->or_k);
	msgpack_pack_uint8(pk, r->or_m);
	msgpack_pack_uint32(pk, r->or_block_size);
	msgpack_pack_array(pk, n);
	for (i = 0; i < n; i++)
		pack_str(pk, r->or_drives[i]);
	msgpack_pack_array(pk, r->or_nhdrs * 2);
	for (i = 0; i < r->or_nhdrs; i++) {
		pack_str(pk, r->or_hdr_name[i]);
		pack_str(pk, r->or_hdr_value[i]);
	}
	if (r->or_nparts > 0)
		objparts_pack(pk, r);
	else if (objrec_versioned(r))
		msgpack_pack_nil(pk);
	if (objrec_versioned(r)) {
		pack_str(pk, r->or_version_id);
		pack_bool(pk, r->or_delete_marker);
	}
}

static int
objrec_layout_unpack(const msgpack_object *it, struct msg_objrec *r,
    bool multipart)
{
	const msgpack_object *d;
	uint32_t i, n;

	if (get_u8(&it[6], &r->or_k, PROTO_SHARDMAX) != 0 ||
	    get_u8(&it[7], &r->or_m, PROTO_SHARDMAX) != 0 ||
	    get_u32(&it[8], &r->or_block_size, PROTO_STRIPE) != 0 ||
	    it[9].type != MSGPACK_OBJECT_ARRAY)
		return CAIRN_EPROTO;
	n = it[9].via.array.size;
	/* A multipart record whose parts are all inline has no layout. */
	if (multipart && r->or_k == 0 && r->or_m == 0 && n == 0)
		return 0;
	if (r->or_inline ? n != 0 :
	    (r->or_k == 0 || n != (uint32_t)r->or_k + r->or_m ||
	    n > PROTO_SHARDMAX || r->or_block_size == 0))
		return CAIRN_EPROTO;
	d = it[9].via.array.ptr;
	for (i = 0; i < n; i++)
		if (get_str(&d[i], &r->or_drives[i], PROTO_NAMEMAX) != 0)
			return CAIRN_EPROTO;
	return 0;
}

static int
objrec_hdrs_unpack(const msgpack_object *o, struct msg_objrec *r)
{
	const msgpack_object *h;
	uint32_t i, n;

	if (o->type != MSGPACK_OBJECT_ARRAY)
		return CAIRN_EPROTO;
	n = o->via.array.size;
	if (n % 2 != 0 || n / 2 > PROTO_HDRMAX)
		return CAIRN_EPROTO;
	h = o->via.array.ptr;
	r->or_nhdrs = n / 2;
	for (i = 0; i < r->or_nhdrs; i++)
		if (get_str(&h[2 * i], &r->or_hdr_name[i], PROTO_HDRLEN) != 0 ||
		    get_str(&h[2 * i + 1], &r->or_hdr_value[i],
		    PROTO_HDRLEN) != 0)
			return CAIRN_EPROTO;
	return 0;
}

/* objrec_version_unpack reads fields 13 and 14: version id, marker. */
static int
objrec_version_unpack(const msgpack_object *it, struct msg_objrec *r)
{
	if (get_str(&it[0], &r->or_version_id, PROTO_VERIDLEN) != 0 ||
	    get_bool(&it[1], &r->or_delete_marker) != 0)
		return CAIRN_EPROTO;
	return 0;
}

int
msg_objrec_unpack(const msgpack_object *o, struct msg_objrec *r)
{
	const msgpack_object *it = arr(o, 11);
	bool multipart = false;

	memset(r, 0, sizeof(*r));
	if (it == NULL && (it = arr(o, 12)) != NULL)
		multipart = true;
	if (it == NULL && (it = arr(o, 14)) != NULL) {
		multipart = it[11].type != MSGPACK_OBJECT_NIL;
		if (objrec_version_unpack(&it[12], r) != 0)
			return CAIRN_EPROTO;
	}
	if (it == NULL || get_u64(&it[0], &r->or_size) != 0 ||
	    get_u64(&it[1], &r->or_mtime_ns) != 0 ||
	    get_fixed(&it[2], r->or_etag, sizeof(r->or_etag)) != 0 ||
	    get_bool(&it[3], &r->or_inline) != 0 ||
	    get_bin(&it[4], &r->or_data, PROTO_MSGMAX) != 0 ||
	    get_fixed(&it[5], r->or_data_id, sizeof(r->or_data_id)) != 0)
		return CAIRN_EPROTO;
	if (r->or_inline && r->or_data.ps_len != r->or_size)
		return CAIRN_EPROTO;
	if (objrec_layout_unpack(it, r, multipart) != 0 ||
	    objrec_hdrs_unpack(&it[10], r) != 0)
		return CAIRN_EPROTO;
	if (multipart && (r->or_inline || objparts_unpack(&it[11], r) != 0))
		return CAIRN_EPROTO;
	return 0;
}

/* --- object requests ------------------------------------------------------------ */

void
msg_obj_ref_pack(msgpack_packer *pk, const struct msg_obj_ref *r)
{
	msgpack_pack_array(pk, 2);
	pack_str(pk, r->r_bucket);
	pack_str(pk, r->r_key);
}

int
msg_obj_ref_unpack(const msgpack_object *o, struct msg_obj_ref *r)
{
	const msgpack_object *it = arr(o, 2);

	if (it == NULL || get_str(&it[0], &r->r_bucket, PROTO_BUCKETMAX) != 0 ||
	    get_str(&it[1], &r->r_key, PROTO_KEYMAX) != 0)
		return CAIRN_EPROTO;
	return 0;
}

void
msg_obj_put_pack(msgpack_packer *pk, const struct msg_obj_put *p)
{
	msgpack_pack_array(pk, 5);
	pack_str(pk, p->p_bucket);
	pack_str(pk, p->p_key);
	msg_objrec_pack(pk, &p->p_rec);
	msgpack_pack_uint8(pk, p->p_cond);
	pack_bin(pk, p->p_cond_etag, sizeof(p->p_cond_etag));
}

int
msg_obj_put_unpack(const msgpack_object *o, struct msg_obj_put *p)
{
	const msgpack_object *it = arr(o, 5);

	if (it == NULL || get_str(&it[0], &p->p_bucket, PROTO_BUCKETMAX) != 0 ||
	    get_str(&it[1], &p->p_key, PROTO_KEYMAX) != 0 ||
	    msg_objrec_unpack(&it[2], &p->p_rec) != 0 ||
	    get_u8(&it[3], &p->p_cond, PUT_COND_ETAG) != 0 ||
	    get_fixed(&it[4], p->p_cond_etag, sizeof(p->p_cond_etag)) != 0)
		return CAIRN_EPROTO;
	return 0;
}

void
msg_obj_tags_pack(msgpack_packer *pk, const struct msg_obj_tags *t)
{
	msgpack_pack_array(pk, 3);
	pack_str(pk, t->t_bucket);
	pack_str(pk, t->t_key);
	pack_str(pk, t->t_tags);
}

int
msg_obj_tags_unpack(const msgpack_object *o, struct msg_obj_tags *t)
{
	const msgpack_object *it = arr(o, 3);

	if (it == NULL || get_str(&it[0], &t->t_bucket, PROTO_BUCKETMAX) != 0 ||
	    get_str(&it[1], &t->t_key, PROTO_KEYMAX) != 0 ||
	    get_str(&it[2], &t->t_tags, PROTO_HDRLEN) != 0)
		return CAIRN_EPROTO;
	return 0;
}

/* --- listing ------------------------------------------------------------------- */

void
msg_list_req_pack(msgpack_packer *pk, const struct msg_list_req *l)
{
	msgpack_pack_array(pk, 5);
	pack_str(pk, l->l_bucket);
	pack_str(pk, l->l_prefix);
	pack_str(pk, l->l_delimiter);
	pack_str(pk, l->l_start_after);
	msgpack_pack_uint32(pk, l->l_max_keys);
}

int
msg_list_req_unpack(const msgpack_object *o, struct msg_list_req *l)
{
	const msgpack_object *it = arr(o, 5);

	if (it == NULL || get_str(&it[0], &l->l_bucket, PROTO_BUCKETMAX) != 0 ||
	    get_str(&it[1], &l->l_prefix, PROTO_KEYMAX) != 0 ||
	    get_str(&it[2], &l->l_delimiter, PROTO_KEYMAX) != 0 ||
	    get_str(&it[3], &l->l_start_after, PROTO_KEYMAX) != 0 ||
	    get_u32(&it[4], &l->l_max_keys, PROTO_LISTMAX) != 0)
		return CAIRN_EPROTO;
	return 0;
}

static void
list_entry_pack(msgpack_packer *pk, const struct msg_list_entry *e)
{
	msgpack_pack_array(pk, 5);
	pack_str(pk, e->le_key);
	msgpack_pack_uint64(pk, e->le_size);
	msgpack_pack_uint64(pk, e->le_mtime_ns);
	pack_bin(pk, e->le_etag, sizeof(e->le_etag));
	msgpack_pack_uint32(pk, e->le_nparts);
}

static int
list_entry_unpack(const msgpack_object *o, struct msg_list_entry *e)
{
	const msgpack_object *it = arr(o, 5);

	if (it == NULL || get_str(&it[0], &e->le_key, PROTO_KEYMAX) != 0 ||
	    get_u64(&it[1], &e->le_size) != 0 ||
	    get_u64(&it[2], &e->le_mtime_ns) != 0 ||
	    get_fixed(&it[3], e->le_etag, sizeof(e->le_etag)) != 0 ||
	    get_u32(&it[4], &e->le_nparts, 10000) != 0)
		return CAIRN_EPROTO;
	return 0;
}

void
msg_list_reply_pack(msgpack_packer *pk, const struct msg_list_reply *lr)
{
	uint32_t i;

	msgpack_pack_array(pk, 4);
	pack_bool(pk, lr->lr_truncated);
	pack_str(pk, lr->lr_next);
	msgpack_pack_array(pk, lr->lr_nentries);
	for (i = 0; i < lr->lr_nentries; i++)
		list_entry_pack(pk, &lr->lr_entries[i]);
	msgpack_pack_array(pk, lr->lr_nprefixes);
	for (i = 0; i < lr->lr_nprefixes; i++)
		pack_str(pk, lr->lr_prefixes[i]);
}

static int
list_items_unpack(const msgpack_object *ents, const msgpack_object *pfx,
    struct msg_list_reply *lr)
{
	uint32_t i;

	lr->lr_nentries = ents->via.array.size;
	lr->lr_nprefixes = pfx->via.array.size;
	if (lr->lr_nentries + lr->lr_nprefixes > PROTO_LISTMAX)
		return CAIRN_EPROTO;
	lr->lr_entries = calloc(lr->lr_nentries + 1, sizeof(*lr->lr_entries));
	lr->lr_prefixes = calloc(lr->lr_nprefixes + 1,
	    sizeof(*lr->lr_prefixes));
	if (lr->lr_entries == NULL || lr->lr_prefixes == NULL)
		return CAIRN_ENOMEM;
	for (i = 0; i < lr->lr_nentries; i++)
		if (list_entry_unpack(&ents->via.array.ptr[i],
		    &lr->lr_entries[i]) != 0)
			return CAIRN_EPROTO;
	for (i = 0; i < lr->lr_nprefixes; i++)
		if (get_str(&pfx->via.array.ptr[i], &lr->lr_prefixes[i],
		    PROTO_KEYMAX) != 0)
			return CAIRN_EPROTO;
	return 0;
}

int
msg_list_reply_unpack(const msgpack_object *o, struct msg_list_reply *lr)
{
	const msgpack_object *it = arr(o, 4);
	int rc;

	memset(lr, 0, sizeof(*lr));
	if (it == NULL || get_bool(&it[0], &lr->lr_truncated) != 0 ||
	    get_str(&it[1], &lr->lr_next, PROTO_KEYMAX) != 0 ||
	    it[2].type != MSGPACK_OBJECT_ARRAY ||
	    it[3].type != MSGPACK_OBJECT_ARRAY)
		return CAIRN_EPROTO;
	if ((rc = list_items_unpack(&it[2], &it[3], lr)) != 0)
		msg_list_reply_free(lr);
	return rc;
}

void
msg_list_reply_free(struct msg_list_reply *lr)
{
	free(lr->lr_entries);
	free(lr->lr_prefixes);
	lr->lr_entries = NULL;
	lr->lr_prefixes = NULL;
	lr->lr_nentries = lr->lr_nprefixes = 0;
}

/* --- chunkd -------------------------------------------------------------------- */

void
msg_chunk_write_pack(msgpack_packer *pk, const struct msg_chunk_write *w)
{
	msgpack_pack_array(pk, w->cw_arena.ps_len > 0 ? 10 : 8);
	pack_bin(pk, w->cw_id, sizeof(w->cw_id));
	msgpack_pack_uint8(pk, w->cw_shard_idx);
	msgpack_pack_uint32(pk, w->cw_block_size);
	msgpack_pack_uint32(pk, w->cw_block_no);
	msgpack_pack_uint32(pk, w->cw_crc);
	pack_bool(pk, w->cw_last);
	msgpack_pack_uint64(pk, w->cw_length);
	if (w->cw_arena.ps_len == 0) {
		pack_bin(pk, w->cw_data.ps_ptr, w->cw_data.ps_len);
		return;
	}
	msgpack_pack_uint64(pk, w->cw_data.ps_len);
	pack_str(pk, w->cw_arena);
	msgpack_pack_uint64(pk, w->cw_arena_off);
}

/* chunk_write_arena unpacks the end of a write whose data is in an arena. */
static int
chunk_write_arena(const msgpack_object *it, struct msg_chunk_write *w)
{
	uint32_t len;

	if (get_u32(&it[7], &len, PROTO_STRIPE) != 0 ||
	    get_str(&it[8], &w->cw_arena, PROTO_ARENAMAX) != 0 ||
	    w->cw_arena.ps_len == 0 || get_u64(&it[9], &w->cw_arena_off) != 0)
		return CAIRN_EPROTO;
	w->cw_data.ps_ptr = NULL;
	w->cw_data.ps_len = len;
	return 0;
}

int
msg_chunk_write_unpack(const msgpack_object *o, struct msg_chunk_write *w)
{
	const msgpack_object *it = arr(o, 8);

	memset(&w->cw_arena, 0, sizeof(w->cw_arena));
	w->cw_arena_off = 0;
	if (it == NULL && (it = arr(o, 10)) == NULL)
		return CAIRN_EPROTO;
	if (get_fixed(&it[0], w->cw_id, sizeof(w->cw_id)) != 0 ||
	    get_u8(&it[1], &w->cw_shard_idx, PROTO_SHARDMAX - 1) != 0 ||
	    get_u32(&it[2], &w->cw_block_size, PROTO_STRIPE) != 0 ||
	    get_u32(&it[3], &w->cw_block_no, UINT32_MAX) != 0 ||
	    get_u32(&it[4], &w->cw_crc, UINT32_MAX) != 0 ||
	    get_bool(&it[5], &w->cw_last) != 0 ||
	    get_u64(&it[6], &w->cw_length) != 0)
		return CAIRN_EPROTO;
	if (o->via.array.size == 10)
		return chunk_write_arena(it, w);
	return get_bin(&it[7], &w->cw_data, PROTO_STRIPE);
}

void
msg_chunk_read_pack(msgpack_packer *pk, const struct msg_chunk_read *r)
{
	msgpack_pack_array(pk, 2);
	pack_bin(pk, r->cr_id, sizeof(r->cr_id));
	msgpack_pack_uint32(pk, r->cr_block_no);
}

int
msg_chunk_read_unpack(const msgpack_object *o, struct msg_chunk_read *r)
{
	const msgpack_object *it = arr(o, 2);

	if (it == NULL || get_fixed(&it[0], r->cr_id, sizeof(r->cr_id)) != 0 ||
	    get_u32(&it[1], &r->cr_block_no, UINT32_MAX) != 0)
		return CAIRN_EPROTO;
	return 0;
}

void
msg_chunk_data_pack(msgpack_packer *pk, const struct msg_chunk_data *d)
{
	msgpack_pack_array(pk, 2);
	msgpack_pack_uint32(pk, d->cd_crc);
	pack_bin(pk, d->cd_data.ps_ptr, d->cd_data.ps_len);
}

static void
be32_put(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/*
 * The same array as msg_chunk_data_pack, in fixed sizes so that it can be
 * written before the length is known: a uint 32 and a bin 32 header,
 * which msgpack allows for any value.
 */
void
msg_chunk_data_head(unsigned char out[MSG_CHUNK_DATA_HEAD], uint32_t crc,
    uint32_t len)
{
	out[0] = 0x92;		/* fixarray of 2 */
	out[1] = 0xce;		/* uint 32 */
	be32_put(out + 2, crc);
	out[6] = 0xc6;		/* bin 32 */
	be32_put(out + 7, len);
}

int
msg_chunk_data_unpack(const msgpack_object *o, struct msg_chunk_data *d)
{
	const msgpack_object *it = arr(o, 2);

	if (it == NULL || get_u32(&it[0], &d->cd_crc, UINT32_MAX) != 0 ||
	    get_bin(&it[1], &d->cd_data, PROTO_STRIPE) != 0)
		return CAIRN_EPROTO;
	return 0;
}

void
msg_chunk_ref_pack(msgpack_packer *pk, const struct msg_chunk_ref *c)
{
	msgpack_pack_array(pk, 1);
	pack_bin(pk, c->c_id, sizeof(c->c_id));
}

int
msg_chunk_ref_unpack(const msgpack_object *o, struct msg_chunk_ref *c)
{
	const msgpack_object *it = arr(o, 1);

	if (it == NULL || get_fixed(&it[0], c->c_id, sizeof(c->c_id)) != 0)
		return CAIRN_EPROTO;
	return 0;
}

/* --- multipart uploads ---------------------------------------------------------- */

/*
 * arr_or_more is arr for a list that may have grown: n items, or n + 1
 * (*more tells) for those appended later, which old records lack.
 */
static const msgpack_object *
arr_or_more(const msgpack_object *o, uint32_t n, bool *more)
{
	*more = o != NULL && o->type == MSGPACK_OBJECT_ARRAY &&
	    o->via.array.size == n + 1;
	return arr(o, *more ? n + 1 : n);
}

/* A part inside a record: [number, size, etag, inline, data, data id],
 * then its checksum if it has one. */
static void
objpart_pack(msgpack_packer *pk, const struct msg_objpart *p)
{
	msgpack_pack_array(pk, p->op_cksum.ps_len > 0 ? 7 : 6);
	msgpack_pack_uint32(pk, p->op_number);
	msgpack_pack_uint64(pk, p->op_size);
	pack_bin(pk, p->op_etag, sizeof(p->op_etag));
	pack_bool(pk, p->op_inline);
	pack_bin(pk, p->op_data.ps_ptr, p->op_inline ? p->op_data.ps_len : 0);
	pack_bin(pk, p->op_data_id, sizeof(p->op_data_id));
	if (p->op_cksum.ps_len > 0)
		pack_str(pk, p->op_cksum);
}

static int
objpart_unpack(const msgpack_object *o, struct msg_objpart *p)
{
	bool more;
	const msgpack_object *it = arr_or_more(o, 6, &more);

	memset(p, 0, sizeof(*p));
	if (it == NULL || get_u32(&it[0], &p->op_number, PROTO_PARTMAX) != 0 ||
	    p->op_number == 0 || get_u64(&it[1], &p->op_size) != 0 ||
	    get_fixed(&it[2], p->op_etag, sizeof(p->op_etag)) != 0 ||
	    get_bool(&it[3], &p->op_inline) != 0 ||
	    get_bin(&it[4], &p->op_data, PROTO_MSGMAX) != 0 ||
	    get_fixed(&it[5], p->op_data_id, sizeof(p->op_data_id)) != 0 ||
	    (more && get_str(&it[6], &p->op_cksum, PROTO_CKSUMLEN) != 0))
		return CAIRN_EPROTO;
	if (p->op_inline ? p->op_data.ps_len != p->op_size :
	    p->op_data.ps_len != 0)
		return CAIRN_EPROTO;
	return 0;
}

static void
objparts_pack(msgpack_packer *pk, const struct msg_objrec *r)
{
	uint32_t i;

	if (r->or_parts == NULL && r->or_parts_raw != NULL) {
		msgpack_pack_object(pk, *r->or_parts_raw);
		return;
	}
	msgpack_pack_array(pk, r->or_nparts);
	for (i = 0; i < r->or_nparts; i++)
		objpart_pack(pk, &r->or_parts[i]);
}

/* objparts_unpack checks every part: ascending numbers, sizes adding up
 * to the object's, a layout for coded parts. */
static int
objparts_unpack(const msgpack_object *o, struct msg_objrec *r)
{
	struct msg_objpart p;
	uint64_t total = 0;
	uint32_t i, last = 0;

	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size == 0 ||
	    o->via.array.size > PROTO_PARTMAX)
		return CAIRN_EPROTO;
	for (i = 0; i < o->via.array.size; i++) {
		if (objpart_unpack(&o->via.array.ptr[i], &p) != 0 ||
		    p.op_number <= last || (!p.op_inline && r->or_k == 0) ||
		    p.op_size > UINT64_MAX - total)
			return CAIRN_EPROTO;
		last = p.op_number;
		total += p.op_size;
	}
	if (total != r->or_size)
		return CAIRN_EPROTO;
	r->or_nparts = o->via.array.size;
	r->or_parts_raw = o;
	return 0;
}

void
msg_objpart_get(const struct msg_objrec *r, uint32_t i, struct msg_objpart *p)
{
	if (r->or_parts != NULL)
		*p = r->or_parts[i];
	else	/* checked whole by msg_objrec_unpack */
		(void)objpart_unpack(&r->or_parts_raw->via.array.ptr[i], p);
}

void
msg_upload_ref_pack(msgpack_packer *pk, const struct msg_upload_ref *u)
{
	msgpack_pack_array(pk, 3);
	pack_str(pk, u->u_bucket);
	pack_str(pk, u->u_key);
	pack_str(pk, u->u_upload_id);
}

int
msg_upload_ref_unpack(const msgpack_object *o, struct msg_upload_ref *u)
{
	const msgpack_object *it = arr(o, 3);

	if (it == NULL || get_str(&it[0], &u->u_bucket, PROTO_BUCKETMAX) != 0 ||
	    get_str(&it[1], &u->u_key, PROTO_KEYMAX) != 0 ||
	    get_str(&it[2], &u->u_upload_id, PROTO_UPLOADIDLEN) != 0)
		return CAIRN_EPROTO;
	return 0;
}

void
msg_upload_create_pack(msgpack_packer *pk, const struct msg_upload_create *uc)
{
	msgpack_pack_array(pk, 2);
	msg_upload_ref_pack(pk, &uc->uc_ref);
	msg_objrec_pack(pk, &uc->uc_rec);
}

int
msg_upload_create_unpack(const msgpack_object *o, struct msg_upload_create *uc)
{
	const msgpack_object *it = arr(o, 2);

	if (it == NULL || msg_upload_ref_unpack(&it[0], &uc->uc_ref) != 0 ||
	    msg_objrec_unpack(&it[1], &uc->uc_rec) != 0)
		return CAIRN_EPROTO;
	return 0;
}

void
msg_part_put_pack(msgpack_packer *pk, const struct msg_part_put *pp)
{
	msgpack_pack_array(pk, 3);
	msg_upload_ref_pack(pk, &pp->pp_ref);
	msgpack_pack_uint32(pk, pp->pp_number);
	msg_objrec_pack(pk, &pp->pp_rec);
}

int
msg_part_put_unpack(const msgpack_object *o, struct msg_part_put *pp)
{
	const msgpack_object *it = arr(o, 3);

	if (it == NULL || msg_upload_ref_unpack(&it[0], &pp->pp_ref) != 0 ||
	    get_u32(&it[1], &pp->pp_number, PROTO_PARTMAX) != 0 ||
	    pp->pp_number == 0 || msg_objrec_unpack(&it[2], &pp->pp_rec) != 0 ||
	    pp->pp_rec.or_nparts != 0)
		return CAIRN_EPROTO;
	return 0;
}

void
msg_upload_complete_pack(msgpack_packer *pk,
    const struct msg_upload_complete *cc)
{
	uint32_t i;

	msgpack_pack_array(pk, cc->cc_nhdrs > 0 ? 5 : 4);
	msg_upload_ref_pack(pk, &cc->cc_ref);
	msgpack_pack_uint64(pk, cc->cc_mtime_ns);
	pack_bin(pk, cc->cc_etag, sizeof(cc->cc_etag));
	msgpack_pack_array(pk, cc->cc_nparts);
	for (i = 0; i < cc->cc_nparts; i++) {
		msgpack_pack_array(pk, 2);
		msgpack_pack_uint32(pk, cc->cc_numbers[i]);
		pack_bin(pk, cc->cc_etags[i], 16);
	}
	if (cc->cc_nhdrs == 0)
		return;
	msgpack_pack_array(pk, 2 * cc->cc_nhdrs);
	for (i = 0; i < cc->cc_nhdrs; i++) {
		pack_str(pk, cc->cc_hdr_name[i]);
		pack_str(pk, cc->cc_hdr_value[i]);
	}
}

/* upload_complete_hdrs_unpack reads the header edits: name, value... */
static int
upload_complete_hdrs_unpack(const msgpack_object *o,
    struct msg_upload_complete *cc)
{
	uint32_t i;

	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size % 2 != 0 ||
	    o->via.array.size > 2 * PROTO_CC_HDRMAX)
		return CAIRN_EPROTO;
	cc->cc_nhdrs = o->via.array.size / 2;
	for (i = 0; i < cc->cc_nhdrs; i++)
		if (get_str(&o->via.array.ptr[2 * i], &cc->cc_hdr_name[i],
		    PROTO_HDRLEN) != 0 || cc->cc_hdr_name[i].ps_len == 0 ||
		    get_str(&o->via.array.ptr[2 * i + 1],
		    &cc->cc_hdr_value[i], PROTO_HDRLEN) != 0)
			return CAIRN_EPROTO;
	return 0;
}

int
msg_upload_complete_unpack(const msgpack_object *o,
    struct msg_upload_complete *cc)
{
	const msgpack_object *it, *item, *l;
	uint8_t etag[16];
	uint32_t i, n;
	bool more;

	memset(cc, 0, sizeof(*cc));
	it = arr_or_more(o, 4, &more);
	if (it == NULL || msg_upload_ref_unpack(&it[0], &cc->cc_ref) != 0 ||
	    get_u64(&it[1], &cc->cc_mtime_ns) != 0 ||
	    get_fixed(&it[2], cc->cc_etag, sizeof(cc->cc_etag)) != 0 ||
	    it[3].type != MSGPACK_OBJECT_ARRAY ||
	    it[3].via.array.size == 0 || it[3].via.array.size > PROTO_PARTMAX)
		return CAIRN_EPROTO;
	l = &it[3];
	for (i = 0; i < l->via.array.size; i++)
		if ((item = arr(&l->via.array.ptr[i], 2)) == NULL ||
		    get_u32(&item[0], &n, PROTO_PARTMAX) != 0 || n == 0 ||
		    get_fixed(&item[1], etag, sizeof(etag)) != 0)
			return CAIRN_EPROTO;
	if (more && upload_complete_hdrs_unpack(&it[4], cc) != 0)
		return CAIRN_EPROTO;
	cc->cc_nparts = l->via.array.size;
	cc->cc_raw = l;
	return 0;
}

void
msg_upload_complete_get(const struct msg_upload_complete *cc, uint32_t i,
    uint32_t *number, uint8_t *etag)
{
	const msgpack_object *item;

	if (cc->cc_raw == NULL) {
		*number = cc->cc_numbers[i];
		memcpy(etag, cc->cc_etags[i], 16);
		return;
	}
	item = cc->cc_raw->via.array.ptr[i].via.array.ptr;
	*number = (uint32_t)item[0].via.u64;
	memcpy(etag, item[1].via.bin.ptr, 16);
}

void
msg_upload_done_pack(msgpack_packer *pk, const struct msg_upload_done *ud)
{
	msgpack_pack_array(pk, 3);
	msg_objrec_pack(pk, &ud->ud_rec);
	if (ud->ud_has_old)
		msg_objrec_pack(pk, &ud->ud_old);
	else
		msgpack_pack_nil(pk);
	pack_bin(pk, ud->ud_dropped.ps_ptr, ud->ud_dropped.ps_len);
}

int
msg_upload_done_unpack(const msgpack_object *o, struct msg_upload_done *ud)
{
	const msgpack_object *it = arr(o, 3);

	memset(ud, 0, sizeof(*ud));
	if (it == NULL || msg_objrec_unpack(&it[0], &ud->ud_rec) != 0)
		return CAIRN_EPROTO;
	ud->ud_has_old = !proto_is_nil(&it[1]);
	if (ud->ud_has_old && msg_objrec_unpack(&it[1], &ud->ud_old) != 0)
		return CAIRN_EPROTO;
	if (get_bin(&it[2], &ud->ud_dropped, PROTO_PARTMAX * PROTO_IDLEN) != 0 ||
	    ud->ud_dropped.ps_len % PROTO_IDLEN != 0)
		return CAIRN_EPROTO;
	return 0;
}

void
msg_part_list_req_pack(msgpack_packer *pk, const struct msg_part_list_req *pl)
{
	msgpack_pack_array(pk, 3);
	msg_upload_ref_pack(pk, &pl->pl_ref);
	msgpack_pack_uint32(pk, pl->pl_marker);
	msgpack_pack_uint32(pk, pl->pl_max);
}

int
msg_part_list_req_unpack(const msgpack_object *o, struct msg_part_list_req *pl)
{
	const msgpack_object *it = arr(o, 3);

	if (it == NULL || msg_upload_ref_unpack(&it[0], &pl->pl_ref) != 0 ||
	    get_u32(&it[1], &pl->pl_marker, UINT32_MAX) != 0 ||
	    get_u32(&it[2], &pl->pl_max, PROTO_LISTMAX) != 0)
		return CAIRN_EPROTO;
	return 0;
}

void
msg_part_list_reply_pack(msgpack_packer *pk,
    const struct msg_part_list_reply *pr)
{
	const struct msg_part_entry *e;
	uint32_t i;

	msgpack_pack_array(pk, 3);
	pack_bool(pk, pr->pr_truncated);
	msgpack_pack_uint32(pk, pr->pr_next);
	msgpack_pack_array(pk, pr->pr_nentries);
	for (i = 0; i < pr->pr_nentries; i++) {
		e = &pr->pr_entries[i];
		msgpack_pack_array(pk, e->pe_cksum[0] != '\0' ? 5 : 4);
		msgpack_pack_uint32(pk, e->pe_number);
		msgpack_pack_uint64(pk, e->pe_size);
		msgpack_pack_uint64(pk, e->pe_mtime_ns);
		pack_bin(pk, e->pe_etag, sizeof(e->pe_etag));
		if (e->pe_cksum[0] == '\0')
			continue;
		msgpack_pack_array(pk, 2);
		pack_str(pk, proto_str_c(e->pe_cksum_name));
		pack_str(pk, proto_str_c(e->pe_cksum));
	}
}

static int
part_entry_unpack(const msgpack_object *o, struct msg_part_entry *e)
{
	const msgpack_object *it, *ck;
	struct proto_str n, v;
	bool more;

	it = arr_or_more(o, 4, &more);
	if (it == NULL || get_u32(&it[0], &e->pe_number, PROTO_PARTMAX) != 0 ||
	    get_u64(&it[1], &e->pe_size) != 0 ||
	    get_u64(&it[2], &e->pe_mtime_ns) != 0 ||
	    get_fixed(&it[3], e->pe_etag, sizeof(e->pe_etag)) != 0)
		return CAIRN_EPROTO;
	if (!more)
		return 0;
	/* The stored checksum: [header name, base64 value]. */
	if ((ck = arr(&it[4], 2)) == NULL ||
	    get_str(&ck[0], &n, sizeof(e->pe_cksum_name) - 1) != 0 ||
	    get_str(&ck[1], &v, sizeof(e->pe_cksum) - 1) != 0)
		return CAIRN_EPROTO;
	memcpy(e->pe_cksum_name, n.ps_ptr, n.ps_len);
	memcpy(e->pe_cksum, v.ps_ptr, v.ps_len);
	return 0;
}

int
msg_part_list_reply_unpack(const msgpack_object *o,
    struct msg_part_list_reply *pr)
{
	const msgpack_object *it = arr(o, 3);
	uint32_t i;

	memset(pr, 0, sizeof(*pr));
	if (it == NULL || get_bool(&it[0], &pr->pr_truncated) != 0 ||
	    get_u32(&it[1], &pr->pr_next, PROTO_PARTMAX) != 0 ||
	    it[2].type != MSGPACK_OBJECT_ARRAY ||
	    it[2].via.array.size > PROTO_LISTMAX)
		return CAIRN_EPROTO;
	pr->pr_nentries = it[2].via.array.size;
	if ((pr->pr_entries = calloc(pr->pr_nentries + 1,
	    sizeof(*pr->pr_entries))) == NULL)
		return CAIRN_ENOMEM;
	for (i = 0; i < pr->pr_nentries; i++)
		if (part_entry_unpack(&it[2].via.array.ptr[i],
		    &pr->pr_entries[i]) != 0) {
			msg_part_list_reply_free(pr);
			return CAIRN_EPROTO;
		}
	return 0;
}

void
msg_part_list_reply_free(struct msg_part_list_reply *pr)
{
	free(pr->pr_entries);
	pr->pr_entries = NULL;
	pr->pr_nentries = 0;
}

void
msg_upload_list_req_pack(msgpack_packer *pk,
    const struct msg_upload_list_req *ul)
{
	msgpack_pack_array(pk, 6);
	pack_str(pk, ul->ul_bucket);
	pack_str(pk, ul->ul_prefix);
	pack_str(pk, ul->ul_delimiter);
	pack_str(pk, ul->ul_key_marker);
	pack_str(pk, ul->ul_upload_id_marker);
	msgpack_pack_uint32(pk, ul->ul_max);
}

int
msg_upload_list_req_unpack(const msgpack_object *o,
    struct msg_upload_list_req *ul)
{
	const msgpack_object *it = arr(o, 6);

	if (it == NULL || get_str(&it[0], &ul->ul_bucket, PROTO_BUCKETMAX) != 0 ||
	    get_str(&it[1], &ul->ul_prefix, PROTO_KEYMAX) != 0 ||
	    get_str(&it[2], &ul->ul_delimiter, PROTO_KEYMAX) != 0 ||
	    get_str(&it[3], &ul->ul_key_marker, PROTO_KEYMAX) != 0 ||
	    get_str(&it[4], &ul->ul_upload_id_marker,
	    PROTO_UPLOADIDLEN) != 0 ||
	    get_u32(&it[5], &ul->ul_max, PROTO_LISTMAX) != 0)
		return CAIRN_EPROTO;
	return 0;
}

void
msg_upload_list_reply_pack(msgpack_packer *pk,
    const struct msg_upload_list_reply *ur)
{
	const struct msg_upload_entry *e;
	uint32_t i;

	msgpack_pack_array(pk, 5);
	pack_bool(pk, ur->ur_truncated);
	pack_str(pk, ur->ur_next_key);
	pack_str(pk, ur->ur_next_upload_id);
	msgpack_pack_array(pk, ur->ur_nentries);
	for (i = 0; i < ur->ur_nentries; i++) {
		e = &ur->ur_entries[i];
		msgpack_pack_array(pk, 3);
		pack_str(pk, e->ue_key);
		pack_str(pk, e->ue_upload_id);
		msgpack_pack_uint64(pk, e->ue_initiated_ns);
	}
	msgpack_pack_array(pk, ur->ur_nprefixes);
	for (i = 0; i < ur->ur_nprefixes; i++)
		pack_str(pk, ur->ur_prefixes[i]);
}

static int
upload_entry_unpack(const msgpack_object *o, struct msg_upload_entry *e)
{
	const msgpack_object *it = arr(o, 3);

	if (it == NULL || get_str(&it[0], &e->ue_key, PROTO_KEYMAX) != 0 ||
	    get_str(&it[1], &e->ue_upload_id, PROTO_UPLOADIDLEN) != 0 ||
	    get_u64(&it[2], &e->ue_initiated_ns) != 0)
		return CAIRN_EPROTO;
	return 0;
}

static int
upload_items_unpack(const msgpack_object *ents, const msgpack_object *pfx,
    struct msg_upload_list_reply *ur)
{
	uint32_t i;

	ur->ur_nentries = ents->via.array.size;
	ur->ur_nprefixes = pfx->via.array.size;
	if (ur->ur_nentries + ur->ur_nprefixes > PROTO_LISTMAX)
		return CAIRN_EPROTO;
	ur->ur_entries = calloc(ur->ur_nentries + 1, sizeof(*ur->ur_entries));
	ur->ur_prefixes = calloc(ur->ur_nprefixes + 1,
	    sizeof(*ur->ur_prefixes));
	if (ur->ur_entries == NULL || ur->ur_prefixes == NULL)
		return CAIRN_ENOMEM;
	for (i = 0; i < ur->ur_nentries; i++)
		if (upload_entry_unpack(&ents->via.array.ptr[i],
		    &ur->ur_entries[i]) != 0)
			return CAIRN_EPROTO;
	for (i = 0; i < ur->ur_nprefixes; i++)
		if (get_str(&pfx->via.array.ptr[i], &ur->ur_prefixes[i],
		    PROTO_KEYMAX) != 0)
			return CAIRN_EPROTO;
	return 0;
}

int
msg_upload_list_reply_unpack(const msgpack_object *o,
    struct msg_upload_list_reply *ur)
{
	const msgpack_object *it = arr(o, 5);
	int rc;

	memset(ur, 0, sizeof(*ur));
	if (it == NULL || get_bool(&it[0], &ur->ur_truncated) != 0 ||
	    get_str(&it[1], &ur->ur_next_key, PROTO_KEYMAX) != 0 ||
	    get_str(&it[2], &ur->ur_next_upload_id, PROTO_UPLOADIDLEN) != 0 ||
	    it[3].type != MSGPACK_OBJECT_ARRAY ||
	    it[4].type != MSGPACK_OBJECT_ARRAY)
		return CAIRN_EPROTO;
	if ((rc = upload_items_unpack(&it[3], &it[4], ur)) != 0)
		msg_upload_list_reply_free(ur);
	return rc;
}

void
msg_upload_list_reply_free(struct msg_upload_list_reply *ur)
{
	free(ur->ur_entries);
	free(ur->ur_prefixes);
	ur->ur_entries = NULL;
	ur->ur_prefixes = NULL;
	ur->ur_nentries = ur->ur_nprefixes = 0;
}

/* --- scrubbing: metad scan ----------------------------------------------------- */

void
msg_scan_req_pack(msgpack_packer *pk, const struct msg_scan_req *s)
{
	msgpack_pack_array(pk, 5);
	pack_str(pk, s->sc_bucket);
	pack_str(pk, s->sc_prefix);
	pack_str(pk, s->sc_after_bucket);
	pack_str(pk, s->sc_after_key);
	msgpack_pack_uint32(pk, s->sc_max);
}

int
msg_scan_req_unpack(const msgpack_object *o, struct msg_scan_req *s)
{
	const msgpack_object *it = arr(o, 5);

	if (it == NULL || get_str(&it[0], &s->sc_bucket, PROTO_BUCKETMAX) != 0 ||
	    get_str(&it[1], &s->sc_prefix, PROTO_KEYMAX) != 0 ||
	    get_str(&it[2], &s->sc_after_bucket, PROTO_BUCKETMAX) != 0 ||
	    get_str(&it[3], &s->sc_after_key, PROTO_SCANKEYMAX) != 0 ||
	    get_u32(&it[4], &s->sc_max, PROTO_SCANMAX) != 0 || s->sc_max == 0)
		return CAIRN_EPROTO;
	return 0;
}

/*
 * msg_scan_entry_pack packs one entry of a scan reply: the record comes
 * as the msgpack bytes of a msg_objrec, as metad stores it.
 */
void
msg_scan_entry_pack(msgpack_packer *pk, struct proto_str bucket,
    struct proto_str key, const char *raw_rec, size_t raw_len)
{
	msgpack_pack_array(pk, 3);
	pack_str(pk, bucket);
	pack_str(pk, key);
	pk->callback(pk->data, raw_rec, raw_len);
}

/* msg_scan_reply_pack_begin packs the head; n entries must follow. */
void
msg_scan_reply_pack_begin(msgpack_packer *pk, bool truncated, uint32_t n)
{
	msgpack_pack_array(pk, 2);
	pack_bool(pk, truncated);
	msgpack_pack_array(pk, n);
}

static int
scan_entry_unpack(const msgpack_object *o, struct msg_scan_entry *e)
{
	const msgpack_object *it = arr(o, 3);

	if (it == NULL || get_str(&it[0], &e->se_bucket, PROTO_BUCKETMAX) != 0 ||
	    get_str(&it[1], &e->se_key, PROTO_SCANKEYMAX) != 0 ||
	    msg_objrec_unpack(&it[2], &e->se_rec) != 0)
		return CAIRN_EPROTO;
	return 0;
}

int
msg_scan_reply_unpack(const msgpack_object *o, struct msg_scan_reply *r)
{
	const msgpack_object *it = arr(o, 2);
	uint32_t i;

	memset(r, 0, sizeof(*r));
	if (it == NULL || get_bool(&it[0], &r->sr_truncated) != 0 ||
	    it[1].type != MSGPACK_OBJECT_ARRAY ||
	    it[1].via.array.size > PROTO_SCANMAX)
		return CAIRN_EPROTO;
	r->sr_n = it[1].via.array.size;
	if ((r->sr_entries = calloc(r->sr_n + 1, sizeof(*r->sr_entries))) ==
	    NULL)
		return CAIRN_ENOMEM;
	for (i = 0; i < r->sr_n; i++)
		if (scan_entry_unpack(&it[1].via.array.ptr[i],
		    &r->sr_entries[i]) != 0) {
			msg_scan_reply_free(r);
			return CAIRN_EPROTO;
		}
	return 0;
}

void
msg_scan_reply_free(struct msg_scan_reply *r)
{
	free(r->sr_entries);
	r->sr_entries = NULL;
	r->sr_n = 0;
}

/* --- scrubbing: chunkd ------------------------------------------------------- */

void
msg_chunk_verify_pack(msgpack_packer *pk, const struct msg_chunk_verify *v)
{
	uint32_t i;

	msgpack_pack_array(pk, 9);
	msgpack_pack_uint8(pk, v->cv_state);
	msgpack_pack_uint32(pk, v->cv_shard_idx);
	msgpack_pack_uint32(pk, v->cv_block_size);
	msgpack_pack_uint64(pk, v->cv_length);
	msgpack_pack_uint32(pk, v->cv_nblocks);
	msgpack_pack_uint32(pk, v->cv_nbad);
	msgpack_pack_array(pk, v->cv_nbad_listed);
	for (i = 0; i < v->cv_nbad_listed; i++)
		msgpack_pack_uint32(pk, v->cv_bad[i]);
	msgpack_pack_uint64(pk, v->cv_bytes_read);
	pack_str(pk, v->cv_drive_id);
}

int
msg_chunk_verify_unpack(const msgpack_object *o, struct msg_chunk_verify *v)
{
	const msgpack_object *it = arr(o, 9);
	uint32_t i;

	memset(v, 0, sizeof(*v));
	if (it == NULL || get_u8(&it[0], &v->cv_state, CHUNK_VERIFY_CORRUPT) != 0 ||
	    get_u32(&it[1], &v->cv_shard_idx, UINT32_MAX) != 0 ||
	    get_u32(&it[2], &v->cv_block_size, PROTO_STRIPE) != 0 ||
	    get_u64(&it[3], &v->cv_length) != 0 ||
	    get_u32(&it[4], &v->cv_nblocks, UINT32_MAX) != 0 ||
	    get_u32(&it[5], &v->cv_nbad, UINT32_MAX) != 0 ||
	    it[6].type != MSGPACK_OBJECT_ARRAY ||
	    it[6].via.array.size > PROTO_BADMAX ||
	    get_u64(&it[7], &v->cv_bytes_read) != 0 ||
	    get_str(&it[8], &v->cv_drive_id, 64) != 0)
		return CAIRN_EPROTO;
	v->cv_nbad_listed = it[6].via.array.size;
	for (i = 0; i < v->cv_nbad_listed; i++)
		if (get_u32(&it[6].via.array.ptr[i], &v->cv_bad[i],
		    UINT32_MAX) != 0)
			return CAIRN_EPROTO;
	return 0;
}

void
msg_chunk_list_req_pack(msgpack_packer *pk, const struct msg_chunk_list_req *l)
{
	msgpack_pack_array(pk, 3);
	pack_bool(pk, l->cl_tmp);
	pack_bin(pk, l->cl_after.ps_ptr, l->cl_after.ps_len);
	msgpack_pack_uint32(pk, l->cl_max);
}

int
msg_chunk_list_req_unpack(const msgpack_object *o,
    struct msg_chunk_list_req *l)
{
	const msgpack_object *it = arr(o, 3);

	if (it == NULL || get_bool(&it[0], &l->cl_tmp) != 0 ||
	    get_bin(&it[1], &l->cl_after, PROTO_IDLEN) != 0 ||
	    (l->cl_after.ps_len != 0 && l->cl_after.ps_len != PROTO_IDLEN) ||
	    get_u32(&it[2], &l->cl_max, PROTO_CLISTMAX) != 0 || l->cl_max == 0)
		return CAIRN_EPROTO;
	return 0;
}

void
msg_chunk_list_pack(msgpack_packer *pk, const struct msg_chunk_list *l)
{
	uint32_t i;

	msgpack_pack_array(pk, 2);
	pack_bool(pk, l->cls_truncated);
	msgpack_pack_array(pk, l->cls_n * 2);
	for (i = 0; i < l->cls_n; i++) {
		pack_bin(pk, l->cls_entries[i].ce_id, PROTO_IDLEN);
		msgpack_pack_uint64(pk, l->cls_entries[i].ce_mtime_s);
	}
}

int
msg_chunk_list_unpack(const msgpack_object *o, struct msg_chunk_list *l)
{
	const msgpack_object *it = arr(o, 2), *e;
	uint32_t i, n;

	memset(l, 0, sizeof(*l));
	if (it == NULL || get_bool(&it[0], &l->cls_truncated) != 0 ||
	    it[1].type != MSGPACK_OBJECT_ARRAY)
		return CAIRN_EPROTO;
	n = it[1].via.array.size;
	if (n % 2 != 0 || n / 2 > PROTO_CLISTMAX)
		return CAIRN_EPROTO;
	l->cls_n = n / 2;
	if ((l->cls_entries = calloc(l->cls_n + 1, sizeof(*l->cls_entries))) ==
	    NULL)
		return CAIRN_ENOMEM;
	e = it[1].via.array.ptr;
	for (i = 0; i < l->cls_n; i++)
		if (get_fixed(&e[2 * i], l->cls_entries[i].ce_id,
		    PROTO_IDLEN) != 0 ||
		    get_u64(&e[2 * i + 1], &l->cls_entries[i].ce_mtime_s) != 0) {
			msg_chunk_list_free(l);
			return CAIRN_EPROTO;
		}
	return 0;
}

void
msg_chunk_list_free(struct msg_chunk_list *l)
{
	free(l->cls_entries);
	l->cls_entries = NULL;
	l->cls_n = 0;
}

void
msg_chunk_sweep_pack(msgpack_packer *pk, const struct msg_chunk_sweep *s)
{
	msgpack_pack_array(pk, 3);
	pack_bin(pk, s->sw_id, sizeof(s->sw_id));
	pack_bool(pk, s->sw_tmp);
	msgpack_pack_uint64(pk, s->sw_older_than_s);
}

int
msg_chunk_sweep_unpack(const msgpack_object *o, struct msg_chunk_sweep *s)
{
	const msgpack_object *it = arr(o, 3);

	if (it == NULL || get_fixed(&it[0], s->sw_id, sizeof(s->sw_id)) != 0 ||
	    get_bool(&it[1], &s->sw_tmp) != 0 ||
	    get_u64(&it[2], &s->sw_older_than_s) != 0)
		return CAIRN_EPROTO;
	return 0;
}

/* --- scrubbing: scrubd ------------------------------------------------------- */

void
msg_scrub_scope_pack(msgpack_packer *pk, const struct msg_scrub_scope *s)
{
	msgpack_pack_array(pk, 2);
	pack_str(pk, s->ss_bucket);
	pack_str(pk, s->ss_prefix);
}

int
msg_scrub_scope_unpack(const msgpack_object *o, struct msg_scrub_scope *s)
{
	const msgpack_object *it = arr(o, 2);

	if (it == NULL || get_str(&it[0], &s->ss_bucket, PROTO_BUCKETMAX) != 0 ||
	    get_str(&it[1], &s->ss_prefix, PROTO_KEYMAX) != 0)
		return CAIRN_EPROTO;
	return 0;
}

static void
pack_names(msgpack_packer *pk, const struct proto_str *names, uint32_t n)
{
	uint32_t i;

	msgpack_pack_array(pk, n);
	for (i = 0; i < n; i++)
		pack_str(pk, names[i]);
}

static int
unpack_names(const msgpack_object *o, struct proto_str *names, uint32_t *n)
{
	uint32_t i;

	if (o->type != MSGPACK_OBJECT_ARRAY ||
	    o->via.array.size > PROTO_SCRUBNAMES)
		return CAIRN_EPROTO;
	*n = o->via.array.size;
	for (i = 0; i < *n; i++)
		if (get_str(&o->via.array.ptr[i], &names[i],
		    PROTO_BUCKETMAX + 1 + PROTO_KEYMAX) != 0)
			return CAIRN_EPROTO;
	return 0;
}

void
msg_scrub_report_pack(msgpack_packer *pk, const struct msg_scrub_report *r)
{
	uint32_t i;

	msgpack_pack_array(pk, 3);
	msgpack_pack_array(pk, r->rp_nstats * 2);
	for (i = 0; i < r->rp_nstats; i++) {
		pack_str(pk, r->rp_stat_name[i]);
		msgpack_pack_uint64(pk, r->rp_stat_value[i]);
	}
	pack_names(pk, r->rp_unrec, r->rp_nunrec);
	pack_names(pk, r->rp_healed, r->rp_nhealed);
}

int
msg_scrub_report_unpack(const msgpack_object *o, struct msg_scrub_report *r)
{
	const msgpack_object *it = arr(o, 3), *s;
	uint32_t i, n;

	memset(r, 0, sizeof(*r));
	if (it == NULL || it[0].type != MSGPACK_OBJECT_ARRAY)
		return CAIRN_EPROTO;
	n = it[0].via.array.size;
	if (n % 2 != 0 || n / 2 > PROTO_SCRUBSTATS)
		return CAIRN_EPROTO;
	s = it[0].via.array.ptr;
	r->rp_nstats = n / 2;
	for (i = 0; i < r->rp_nstats; i++)
		if (get_str(&s[2 * i], &r->rp_stat_name[i], 64) != 0 ||
		    get_u64(&s[2 * i + 1], &r->rp_stat_value[i]) != 0)
			return CAIRN_EPROTO;
	if (unpack_names(&it[1], r->rp_unrec, &r->rp_nunrec) != 0 ||
	    unpack_names(&it[2], r->rp_healed, &r->rp_nhealed) != 0)
		return CAIRN_EPROTO;
	return 0;
}

void
msg_user_pack(msgpack_packer *pk, const struct msg_user *u)
{
	msgpack_pack_array(pk, 6);
	pack_str(pk, u->u_name);
	pack_str(pk, u->u_id);
	pack_str(pk, u->u_access_key);
	pack_bin(pk, u->u_secret.ps_ptr, u->u_secret.ps_len);
	pack_bool(pk, u->u_disabled);
	msgpack_pack_uint64(pk, u->u_created_ns);
}

int
msg_user_unpack(const msgpack_object *o, struct msg_user *u)
{
	const msgpack_object *it = arr(o, 6);

	memset(u, 0, sizeof(*u));
	if (it == NULL || get_str(&it[0], &u->u_name, PROTO_USERMAX) != 0 ||
	    u->u_name.ps_len == 0 ||
	    get_str(&it[1], &u->u_id, PROTO_OWNERMAX) != 0 ||
	    get_str(&it[2], &u->u_access_key, PROTO_SECRETMAX) != 0 ||
	    u->u_access_key.ps_len == 0 ||
	    get_bin(&it[3], &u->u_secret, PROTO_SECRETMAX) != 0 ||
	    get_bool(&it[4], &u->u_disabled) != 0 ||
	    get_u64(&it[5], &u->u_created_ns) != 0)
		return CAIRN_EPROTO;
	return 0;
}

void
msg_user_list_pack(msgpack_packer *pk, const struct msg_user_list *ul)
{
	uint32_t i;

	msgpack_pack_array(pk, 1);
	msgpack_pack_array(pk, ul->ul_count);
	for (i = 0; i < ul->ul_count; i++)
		msg_user_pack(pk, &ul->ul_items[i]);
}

int
msg_user_list_unpack(const msgpack_object *o, struct msg_user_list *ul)
{
	const msgpack_object *it = arr(o, 1);
	uint32_t i, n;

	memset(ul, 0, sizeof(*ul));
	if (it == NULL || it[0].type != MSGPACK_OBJECT_ARRAY)
		return CAIRN_EPROTO;
	n = it[0].via.array.size;
	if (n > 0 && (ul->ul_items = calloc(n, sizeof(*ul->ul_items))) == NULL)
		return CAIRN_ENOMEM;
	ul->ul_count = n;
	for (i = 0; i < n; i++)
		if (msg_user_unpack(&it[0].via.array.ptr[i],
		    &ul->ul_items[i]) != 0) {
			msg_user_list_free(ul);
			return CAIRN_EPROTO;
		}
	return 0;
}

void
msg_user_list_free(struct msg_user_list *ul)
{
	free(ul->ul_items);
	ul->ul_items = NULL;
	ul->ul_count = 0;
}

void
msg_user_state_pack(msgpack_packer *pk, const struct msg_user_state *us)
{
	msgpack_pack_array(pk, 2);
	pack_str(pk, us->us_name);
	pack_bool(pk, us->us_disabled);
}

int
msg_user_state_unpack(const msgpack_object *o, struct msg_user_state *us)
{
	const msgpack_object *it = arr(o, 2);

	if (it == NULL || get_str(&it[0], &us->us_name, PROTO_USERMAX) != 0 ||
	    us->us_name.ps_len == 0 || get_bool(&it[1], &us->us_disabled) != 0)
		return CAIRN_EPROTO;
	return 0;
}

void
msg_obj_hdr_pack(msgpack_packer *pk, const struct msg_obj_hdr *oh)
{
	msgpack_pack_array(pk, 4);
	pack_str(pk, oh->oh_bucket);
	pack_str(pk, oh->oh_key);
	pack_str(pk, oh->oh_name);
	pack_str(pk, oh->oh_value);
}

int
msg_obj_hdr_unpack(const msgpack_object *o, struct msg_obj_hdr *oh)
{
	const msgpack_object *it = arr(o, 4);

	if (it == NULL || get_str(&it[0], &oh->oh_bucket, PROTO_BUCKETMAX) != 0 ||
	    get_str(&it[1], &oh->oh_key, PROTO_KEYMAX) != 0 ||
	    get_str(&it[2], &oh->oh_name, 64) != 0 || oh->oh_name.ps_len == 0 ||
	    get_str(&it[3], &oh->oh_value, PROTO_HDRLEN) != 0)
		return CAIRN_EPROTO;
	return 0;
}
/* --- versioning ------------------------------------------------------------- */

void
msg_ver_ref_pack(msgpack_packer *pk, const struct msg_ver_ref *r)
{
	msgpack_pack_array(pk, 4);
	pack_str(pk, r->vr_bucket);
	pack_str(pk, r->vr_key);
	pack_str(pk, r->vr_version_id);
	pack_bool(pk, r->vr_bypass);
}

int
msg_ver_ref_unpack(const msgpack_object *o, struct msg_ver_ref *r)
{
	const msgpack_object *it = arr(o, 4);

	if (it == NULL || get_str(&it[0], &r->vr_bucket, PROTO_BUCKETMAX) != 0 ||
	    get_str(&it[1], &r->vr_key, PROTO_KEYMAX) != 0 ||
	    get_str(&it[2], &r->vr_version_id, PROTO_VERIDLEN) != 0 ||
	    get_bool(&it[3], &r->vr_bypass) != 0)
		return CAIRN_EPROTO;
	return 0;
}

void
msg_ver_done_pack(msgpack_packer *pk, const struct msg_ver_done *d)
{
	msgpack_pack_array(pk, 3);
	pack_str(pk, d->vd_version_id);
	pack_bool(pk, d->vd_delete_marker);
	if (d->vd_has_old)
		msg_objrec_pack(pk, &d->vd_old);
	else
		msgpack_pack_nil(pk);
}

int
msg_ver_done_unpack(const msgpack_object *o, struct msg_ver_done *d)
{
	const msgpack_object *it = arr(o, 3);

	memset(d, 0, sizeof(*d));
	if (it == NULL || get_str(&it[0], &d->vd_version_id,
	    PROTO_VERIDLEN) != 0 || get_bool(&it[1], &d->vd_delete_marker) != 0)
		return CAIRN_EPROTO;
	d->vd_has_old = it[2].type != MSGPACK_OBJECT_NIL;
	if (d->vd_has_old && msg_objrec_unpack(&it[2], &d->vd_old) != 0)
		return CAIRN_EPROTO;
	return 0;
}

void
msg_ver_list_req_pack(msgpack_packer *pk, const struct msg_ver_list_req *l)
{
	msgpack_pack_array(pk, 6);
	pack_str(pk, l->vl_bucket);
	pack_str(pk, l->vl_prefix);
	pack_str(pk, l->vl_delimiter);
	pack_str(pk, l->vl_key_marker);
	pack_str(pk, l->vl_version_marker);
	msgpack_pack_uint32(pk, l->vl_max);
}

int
msg_ver_list_req_unpack(const msgpack_object *o, struct msg_ver_list_req *l)
{
	const msgpack_object *it = arr(o, 6);

	if (it == NULL || get_str(&it[0], &l->vl_bucket, PROTO_BUCKETMAX) != 0 ||
	    get_str(&it[1], &l->vl_prefix, PROTO_KEYMAX) != 0 ||
	    get_str(&it[2], &l->vl_delimiter, PROTO_KEYMAX) != 0 ||
	    get_str(&it[3], &l->vl_key_marker, PROTO_KEYMAX) != 0 ||
	    get_str(&it[4], &l->vl_version_marker, PROTO_VERIDLEN) != 0 ||
	    get_u32(&it[5], &l->vl_max, PROTO_LISTMAX) != 0)
		return CAIRN_EPROTO;
	return 0;
}

static void
ver_entry_pack(msgpack_packer *pk, const struct msg_ver_entry *e)
{
	msgpack_pack_array(pk, 8);
	pack_str(pk, e->ve_key);
	pack_str(pk, e->ve_version_id);
	pack_bool(pk, e->ve_latest);
	pack_bool(pk, e->ve_delete_marker);
	msgpack_pack_uint64(pk, e->ve_size);
	msgpack_pack_uint64(pk, e->ve_mtime_ns);
	pack_bin(pk, e->ve_etag, sizeof(e->ve_etag));
	msgpack_pack_uint32(pk, e->ve_nparts);
}

static int
ver_entry_unpack(const msgpack_object *o, struct msg_ver_entry *e)
{
	const msgpack_object *it = arr(o, 8);

	if (it == NULL || get_str(&it[0], &e->ve_key, PROTO_KEYMAX) != 0 ||
	    get_str(&it[1], &e->ve_version_id, PROTO_VERIDLEN) != 0 ||
	    get_bool(&it[2], &e->ve_latest) != 0 ||
	    get_bool(&it[3], &e->ve_delete_marker) != 0 ||
	    get_u64(&it[4], &e->ve_size) != 0 ||
	    get_u64(&it[5], &e->ve_mtime_ns) != 0 ||
	    get_fixed(&it[6], e->ve_etag, sizeof(e->ve_etag)) != 0 ||
	    get_u32(&it[7], &e->ve_nparts, PROTO_PARTMAX) != 0)
		return CAIRN_EPROTO;
	return 0;
}

void
msg_ver_list_reply_pack(msgpack_packer *pk, const struct msg_ver_list_reply *r)
{
	uint32_t i;

	msgpack_pack_array(pk, 5);
	pack_bool(pk, r->vl_truncated);
	pack_str(pk, r->vl_next_key);
	pack_str(pk, r->vl_next_version);
	msgpack_pack_array(pk, r->vl_nentries);
	for (i = 0; i < r->vl_nentries; i++)
		ver_entry_pack(pk, &r->vl_entries[i]);
	msgpack_pack_array(pk, r->vl_nprefixes);
	for (i = 0; i < r->vl_nprefixes; i++)
		pack_str(pk, r->vl_prefixes[i]);
}

static int
ver_items_unpack(const msgpack_object *ents, const msgpack_object *pfx,
    struct msg_ver_list_reply *r)
{
	uint32_t i;

	r->vl_nentries = ents->via.array.size;
	r->vl_nprefixes = pfx->via.array.size;
	if (r->vl_nentries + r->vl_nprefixes > PROTO_LISTMAX)
		return CAIRN_EPROTO;
	r->vl_entries = calloc(r->vl_nentries + 1, sizeof(*r->vl_entries));
	r->vl_prefixes = calloc(r->vl_nprefixes + 1, sizeof(*r->vl_prefixes));
	if (r->vl_entries == NULL || r->vl_prefixes == NULL)
		return CAIRN_ENOMEM;
	for (i = 0; i < r->vl_nentries; i++)
		if (ver_entry_unpack(&ents->via.array.ptr[i],
		    &r->vl_entries[i]) != 0)
			return CAIRN_EPROTO;
	for (i = 0; i < r->vl_nprefixes; i++)
		if (get_str(&pfx->via.array.ptr[i], &r->vl_prefixes[i],
		    PROTO_KEYMAX) != 0)
			return CAIRN_EPROTO;
	return 0;
}

int
msg_ver_list_reply_unpack(const msgpack_object *o,
    struct msg_ver_list_reply *r)
{
	const msgpack_object *it = arr(o, 5);
	int rc;

	memset(r, 0, sizeof(*r));
	if (it == NULL || get_bool(&it[0], &r->vl_truncated) != 0 ||
	    get_str(&it[1], &r->vl_next_key, PROTO_KEYMAX) != 0 ||
	    get_str(&it[2], &r->vl_next_version, PROTO_VERIDLEN) != 0 ||
	    it[3].type != MSGPACK_OBJECT_ARRAY ||
	    it[4].type != MSGPACK_OBJECT_ARRAY)
		return CAIRN_EPROTO;
	if ((rc = ver_items_unpack(&it[3], &it[4], r)) != 0)
		msg_ver_list_reply_free(r);
	return rc;
}

void
msg_ver_list_reply_free(struct msg_ver_list_reply *r)
{
	free(r->vl_entries);
	free(r->vl_prefixes);
	r->vl_entries = NULL;
	r->vl_prefixes = NULL;
	r->vl_nentries = r->vl_nprefixes = 0;
}

void
msg_ver_hdr_pack(msgpack_packer *pk, const struct msg_ver_hdr *h)
{
	uint32_t i;

	msgpack_pack_array(pk, 2);
	msg_ver_ref_pack(pk, &h->vh_ref);
	msgpack_pack_array(pk, 2 * h->vh_n);
	for (i = 0; i < h->vh_n; i++) {
		pack_str(pk, h->vh_name[i]);
		pack_str(pk, h->vh_value[i]);
	}
}

int
msg_ver_hdr_unpack(const msgpack_object *o, struct msg_ver_hdr *h)
{
	const msgpack_object *it = arr(o, 2), *p;
	uint32_t i;

	if (it == NULL || msg_ver_ref_unpack(&it[0], &h->vh_ref) != 0 ||
	    it[1].type != MSGPACK_OBJECT_ARRAY || it[1].via.array.size == 0 ||
	    it[1].via.array.size % 2 != 0 ||
	    it[1].via.array.size > 2 * PROTO_VERHDRS)
		return CAIRN_EPROTO;
	h->vh_n = it[1].via.array.size / 2;
	p = it[1].via.array.ptr;
	for (i = 0; i < h->vh_n; i++)
		if (get_str(&p[2 * i], &h->vh_name[i], PROTO_HDRLEN) != 0 ||
		    h->vh_name[i].ps_len == 0 ||
		    get_str(&p[2 * i + 1], &h->vh_value[i], PROTO_HDRLEN) != 0)
			return CAIRN_EPROTO;
	return 0;
}

void
msg_obj_expire_pack(msgpack_packer *pk, const struct msg_obj_expire *x)
{
	msgpack_pack_array(pk, 4);
	pack_str(pk, x->x_bucket);
	pack_str(pk, x->x_key);
	msgpack_pack_uint64(pk, x->x_mtime_ns);
	pack_bin(pk, x->x_etag, sizeof(x->x_etag));
}

int
msg_obj_expire_unpack(const msgpack_object *o, struct msg_obj_expire *x)
{
	const msgpack_object *it = arr(o, 4);

	if (it == NULL || get_str(&it[0], &x->x_bucket, PROTO_BUCKETMAX) != 0 ||
	    get_str(&it[1], &x->x_key, PROTO_KEYMAX) != 0 ||
	    get_u64(&it[2], &x->x_mtime_ns) != 0 ||
	    get_fixed(&it[3], x->x_etag, sizeof(x->x_etag)) != 0)
		return CAIRN_EPROTO;
	return 0;
}

void
msg_ver_expire_pack(msgpack_packer *pk, const struct msg_ver_expire *x)
{
	msgpack_pack_array(pk, 5);
	pack_str(pk, x->vx_bucket);
	pack_str(pk, x->vx_key);
	pack_str(pk, x->vx_version_id);
	msgpack_pack_uint64(pk, x->vx_mtime_ns);
	msgpack_pack_uint8(pk, x->vx_what);
}

int
msg_ver_expire_unpack(const msgpack_object *o, struct msg_ver_expire *x)
{
	const msgpack_object *it = arr(o, 5);

	if (it == NULL || get_str(&it[0], &x->vx_bucket, PROTO_BUCKETMAX) != 0 ||
	    get_str(&it[1], &x->vx_key, PROTO_KEYMAX) != 0 ||
	    get_str(&it[2], &x->vx_version_id, PROTO_VERIDLEN) != 0 ||
	    get_u64(&it[3], &x->vx_mtime_ns) != 0 ||
	    get_u8(&it[4], &x->vx_what, VX_MARKER) != 0)
		return CAIRN_EPROTO;
	return 0;
}
