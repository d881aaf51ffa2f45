/* test_proto.c - every message round-trips, bad ones are rejected, RPC works */
#include "config.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "errors.h"
#include "proto.h"
#include "rpc.h"
#include "tap.h"
#include "util.h"

#define REQID		0x0123456789abcdefULL
#define TIMEOUT_MS	3000		/* client timeout in the RPC tests */
#define NINFLIGHT	8		/* calls in flight at once */
#define SLEEP_MS	100		/* handler delay for the in-flight calls */
#define NWORKERS	4

/* Any payload, so that one table can drive every message type. */
union payload {
	struct msg_error	 e;
	struct msg_status	 st;
	struct msg_name		 n;
	struct msg_bucket	 b;
	struct msg_bucket_list	 bl;
	struct msg_bucket_set	 bs;
	struct msg_bconf	 bc;
	struct msg_obj_expire	 ox;
	struct msg_ver_expire	 vx;
	struct msg_objrec	 r;
	struct msg_obj_ref	 ref;
	struct msg_obj_tags	 tags;
	struct msg_obj_put	 put;
	struct msg_list_req	 lq;
	struct msg_list_reply	 lr;
	struct msg_chunk_write	 cw;
	struct msg_chunk_read	 cr;
	struct msg_chunk_data	 cd;
	struct msg_chunk_ref	 cref;
	struct msg_upload_ref	 uref;
	struct msg_upload_create uc;
	struct msg_part_put	 pp;
	struct msg_upload_complete cc;
	struct msg_upload_done	 ud;
	struct msg_part_list_req pl;
	struct msg_part_list_reply pr;
	struct msg_upload_list_req ul;
	struct msg_upload_list_reply ur;
};

/*
 * Which member of union payload a codec carries: payload_pack,
 * payload_unpack and payload_free switch on it to call proto.c's functions.
 */
enum payload_kind {
	PL_ERROR, PL_STATUS, PL_NAME, PL_BUCKET, PL_BUCKET_LIST, PL_BUCKET_SET,
	PL_BCONF, PL_OBJ_EXPIRE, PL_VER_EXPIRE, PL_OBJREC, PL_OBJ_REF,
	PL_OBJ_TAGS, PL_OBJ_PUT, PL_LIST_REQ, PL_LIST_REPLY, PL_CHUNK_WRITE,
	PL_CHUNK_READ, PL_CHUNK_DATA, PL_CHUNK_REF, PL_UPLOAD_REF,
	PL_UPLOAD_CREATE, PL_PART_PUT, PL_UPLOAD_COMPLETE, PL_UPLOAD_DONE,
	PL_PART_LIST_REQ, PL_PART_LIST_REPLY, PL_UPLOAD_LIST_REQ,
	PL_UPLOAD_LIST_REPLY,
};

/*
 * One payload type: how to build a sample, pack, unpack, compare and free
 * it, and the envelope type that carries it (MSG_OK for replies).
 */
struct codec {
	const char	*c_name;
	uint32_t	 c_type;
	enum payload_kind c_kind;
	void		(*c_fill)(union payload *);
	bool		(*c_equal)(const union payload *, const union payload *);
};

/* An encoded message: a growing buffer and a packer writing into it. */
struct wire {
	msgpack_sbuffer	 w_sb;
	msgpack_packer	 w_pk;
};

/* --- sample data --------------------------------------------------------- */

static const char *const drive_names[PROTO_SHARDMAX] = {
	"d01", "d02", "d03", "d04", "d05", "d06", "d07", "d08",
	"d09", "d10", "d11", "d12", "d13", "d14", "drive_15",
	"drive-16-with-a-name-of-32-bytes",
};

static const uint8_t small_data[] = "seven bytes of shard data, and more";

static void
fill_bytes(uint8_t *p, size_t len, unsigned seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 31 + (i >> 8));
}

static struct proto_str
bytes_str(const void *p, size_t len)
{
	struct proto_str s = { p, len };

	return s;
}

static void
fill_error(union payload *p)
{
	p->e.e_code = CAIRN_ENOKEY;
	p->e.e_message = proto_str_c("no such key: photos/cat.jpg");
}

static void
fill_status(union payload *p)
{
	memset(&p->st, 0, sizeof(p->st));
	p->st.st_daemon = proto_str_c("chunkd d03");
	p->st.st_version = proto_str_c("1.2.3");
	p->st.st_pid = 4242;
	p->st.st_uptime_s = 86400ULL * 400;
	p->st.st_nstats = 3;
	p->st.st_stat_name[0] = proto_str_c("writes");
	p->st.st_stat_value[0] = 1ULL << 40;
	p->st.st_stat_name[1] = proto_str_c("reads");
	p->st.st_stat_value[1] = 0;
	p->st.st_stat_name[2] = proto_str_c("errors");
	p->st.st_stat_value[2] = UINT64_MAX;
}

static void
fill_name(union payload *p)
{
	p->n.n_name = proto_str_c("my-bucket");
}

static void
fill_bucket(union payload *p)
{
	p->b.b_name = proto_str_c("my-bucket");
	p->b.b_created_ns = 1763800000123456789ULL;
	p->b.b_owner = proto_str_c("AKIDEXAMPLEUSER01");
	p->b.b_versioning = BUCKET_VER_SUSPENDED;
	p->b.b_object_lock = true;
	p->b.b_acl = BUCKET_ACL_AUTHENTICATED_READ;
}

static void
fill_bucket_set(union payload *p)
{
	fill_bucket(p);
	p->bs.bs_fields = BUCKET_SET_VERSIONING | BUCKET_SET_ACL;
}

static void
fill_bconf(union payload *p)
{
	p->bc.bc_bucket = proto_str_c("my-bucket");
	p->bc.bc_kind = proto_str_c(BCONF_LIFECYCLE);
	p->bc.bc_value = proto_str_c("<LifecycleConfiguration/>");
}

static void
fill_obj_expire(union payload *p)
{
	p->ox.x_bucket = proto_str_c("logs");
	p->ox.x_key = proto_str_c("2026/11/22/app.log");
	p->ox.x_mtime_ns = 1763769600123456789ULL;
	fill_bytes(p->ox.x_etag, sizeof(p->ox.x_etag), 7);
}

static void
fill_ver_expire(union payload *p)
{
	p->vx.vx_bucket = proto_str_c("logs");
	p->vx.vx_key = proto_str_c("2026/11/22/app.log");
	p->vx.vx_version_id = proto_str_c("null");
	p->vx.vx_mtime_ns = 1763769600123456789ULL;
	p->vx.vx_what = VX_MARKER;
}

static struct msg_bucket sample_buckets[3];

static void
fill_bucket_list(union payload *p)
{
	sample_buckets[0].b_name = proto_str_c("alpha");
	sample_buckets[0].b_created_ns = 1;
	sample_buckets[1].b_name = proto_str_c("beta.example.com");
	sample_buckets[1].b_created_ns = 1763800000000000000ULL;
	sample_buckets[2].b_name = proto_str_c("gamma-2");
	sample_buckets[2].b_created_ns = UINT64_MAX;
	p->bl.bl_count = 3;
	p->bl.bl_items = sample_buckets;
}

static void
fill_objrec_common(struct msg_objrec *r)
{
	memset(r, 0, sizeof(*r));
	r->or_mtime_ns = 1763800000987654321ULL;
	fill_bytes(r->or_etag, sizeof(r->or_etag), 1);
	fill_bytes(r->or_data_id, sizeof(r->or_data_id), 2);
	r->or_nhdrs = 3;
	r->or_hdr_name[0] = proto_str_c("Content-Type");
	r->or_hdr_value[0] = proto_str_c("image/jpeg");
	r->or_hdr_name[1] = proto_str_c("x-amz-meta-empty");
	r->or_hdr_value[1] = proto_str_c("");
	r->or_hdr_name[2] = proto_str_c("x-amz-meta-camera");
	r->or_hdr_value[2] = proto_str_c("Nikon D850; f/2.8");
}

static void
fill_objrec_inline(union payload *p)
{
	fill_objrec_common(&p->r);
	p->r.or_inline = true;
	p->r.or_size = 11;
	p->r.or_data = proto_str_c("hello world");
}

static void
fill_objrec_ec_rec(struct msg_objrec *r)
{
	int i;

	fill_objrec_common(r);
	r->or_inline = false;
	r->or_size = 5ULL << 30;
	r->or_k = 12;
	r->or_m = 4;
	r->or_block_size = PROTO_STRIPE / 12 + 1;
	for (i = 0; i < PROTO_SHARDMAX; i++)
		r->or_drives[i] = proto_str_c(drive_names[i]);
}

static void
fill_objrec_ec(union payload *p)
{
	fill_objrec_ec_rec(&p->r);
}

static void
fill_obj_ref(union payload *p)
{
	p->ref.r_bucket = proto_str_c("my-bucket");
	p->ref.r_key = proto_str_c("photos/2024/cat.jpg");
}

static void
fill_obj_tags(union payload *p)
{
	p->tags.t_bucket = proto_str_c("my-bucket");
	p->tags.t_key = proto_str_c("photos/2024/cat.jpg");
	p->tags.t_tags = proto_str_c("colour=blue&%C3%A9t%C3%A9=x%20y");
}

static void
fill_obj_put(union payload *p)
{
	p->put.p_bucket = proto_str_c("my-bucket");
	p->put.p_key = proto_str_c("photos/2024/\xc3\xa9t\xc3\xa9.jpg");
	fill_objrec_ec_rec(&p->put.p_rec);
	p->put.p_cond = PUT_COND_ETAG;
	memset(p->put.p_cond_etag, 0xa5, sizeof(p->put.p_cond_etag));
}

static void
fill_list_req(union payload *p)
{
	p->lq.l_bucket = proto_str_c("my-bucket");
	p->lq.l_prefix = proto_str_c("photos/");
	p->lq.l_delimiter = proto_str_c("/");
	p->lq.l_start_after = proto_str_c("");
	p->lq.l_max_keys = PROTO_LISTMAX;
}

static struct msg_list_entry sample_entries[3];
static struct proto_str sample_prefixes[2];

static void
fill_list_reply(union payload *p)
{
	int i;

	for (i = 0; i < 3; i++) {
		sample_entries[i].le_size = (uint64_t)i << 33;
		sample_entries[i].le_mtime_ns = 1763800000000000000ULL + i;
		fill_bytes(sample_entries[i].le_etag, 16, 10 + i);
		sample_entries[i].le_nparts = i == 2 ? 10000 : 0;
	}
	sample_entries[0].le_key = proto_str_c("photos/a.jpg");
	sample_entries[1].le_key = proto_str_c("photos/b.jpg");
	sample_entries[2].le_key = proto_str_c("photos/c.mp4");
	sample_prefixes[0] = proto_str_c("photos/2023/");
	sample_prefixes[1] = proto_str_c("photos/2024/");
	p->lr.lr_truncated = true;
	p->lr.lr_next = proto_str_c("photos/2024/");
	p->lr.lr_nentries = 3;
	p->lr.lr_entries = sample_entries;
	p->lr.lr_nprefixes = 2;
	p->lr.lr_prefixes = sample_prefixes;
}

static void
fill_chunk_write(union payload *p)
{
	fill_bytes(p->cw.cw_id, sizeof(p->cw.cw_id), 3);
	p->cw.cw_shard_idx = PROTO_SHARDMAX - 1;
	p->cw.cw_block_size = PROTO_STRIPE;
	p->cw.cw_block_no = UINT32_MAX;
	p->cw.cw_crc = 0xdeadbeef;
	p->cw.cw_last = true;
	p->cw.cw_length = (5ULL << 30) / 12;
	p->cw.cw_data = bytes_str(small_data, sizeof(small_data));
	p->cw.cw_arena = proto_str_c("");
	p->cw.cw_arena_off = 0;
}

static void
fill_chunk_read(union payload *p)
{
	fill_bytes(p->cr.cr_id, sizeof(p->cr.cr_id), 4);
	p->cr.cr_block_no = 77;
}

static void
fill_chunk_data(union payload *p)
{
	p->cd.cd_crc = UINT32_MAX;
	p->cd.cd_data = bytes_str(small_data, 7);
}

static void
fill_chunk_ref(union payload *p)
{
	fill_bytes(p->cref.c_id, sizeof(p->cref.c_id), 5);
}

/* --- pack and unpack through the union ----------------------------------- */

static void
payload_pack(msgpack_packer *pk, enum payload_kind kind,
    const union payload *p)
{
	switch (kind) {
	case PL_ERROR:
		msg_error_pack(pk, &p->e);
		break;
	case PL_STATUS:
		msg_status_pack(pk, &p->st);
		break;
	case PL_NAME:
		msg_name_pack(pk, &p->n);
		break;
	case PL_BUCKET:
		msg_bucket_pack(pk, &p->b);
		break;
	case PL_BUCKET_LIST:
		msg_bucket_list_pack(pk, &p->bl);
		break;
	case PL_BUCKET_SET:
		msg_bucket_set_pack(pk, &p->bs);
		break;
	case PL_BCONF:
		msg_bconf_pack(pk, &p->bc);
		break;
	case PL_OBJ_EXPIRE:
		msg_obj_expire_pack(pk, &p->ox);
		break;
	case PL_VER_EXPIRE:
		msg_ver_expire_pack(pk, &p->vx);
		break;
	case PL_OBJREC:
		msg_objrec_pack(pk, &p->r);
		break;
	case PL_OBJ_REF:
		msg_obj_ref_pack(pk, &p->ref);
		break;
	case PL_OBJ_TAGS:
		msg_obj_tags_pack(pk, &p->tags);
		break;
	case PL_OBJ_PUT:
		msg_obj_put_pack(pk, &p->put);
		break;
	case PL_LIST_REQ:
		msg_list_req_pack(pk, &p->lq);
		break;
	case PL_LIST_REPLY:
		msg_list_reply_pack(pk, &p->lr);
		break;
	case PL_CHUNK_WRITE:
		msg_chunk_write_pack(pk, &p->cw);
		break;
	case PL_CHUNK_READ:
		msg_chunk_read_pack(pk, &p->cr);
		break;
	case PL_CHUNK_DATA:
		msg_chunk_data_pack(pk, &p->cd);
		break;
	case PL_CHUNK_REF:
		msg_chunk_ref_pack(pk, &p->cref);
		break;
	case PL_UPLOAD_REF:
		msg_upload_ref_pack(pk, &p->uref);
		break;
	case PL_UPLOAD_CREATE:
		msg_upload_create_pack(pk, &p->uc);
		break;
	case PL_PART_PUT:
		msg_part_put_pack(pk, &p->pp);
		break;
	case PL_UPLOAD_COMPLETE:
		msg_upload_complete_pack(pk, &p->cc);
		break;
	case PL_UPLOAD_DONE:
		msg_upload_done_pack(pk, &p->ud);
		break;
	case PL_PART_LIST_REQ:
		msg_part_list_req_pack(pk, &p->pl);
		break;
	case PL_PART_LIST_REPLY:
		msg_part_list_reply_pack(pk, &p->pr);
		break;
	case PL_UPLOAD_LIST_REQ:
		msg_upload_list_req_pack(pk, &p->ul);
		break;
	case PL_UPLOAD_LIST_REPLY:
		msg_upload_list_reply_pack(pk, &p->ur);
		break;
	}
}

static int
payload_unpack(const msgpack_object *o, enum payload_kind kind,
    union payload *p)
{
	switch (kind) {
	case PL_ERROR:
		return msg_error_unpack(o, &p->e);
	case PL_STATUS:
		return msg_status_unpack(o, &p->st);
	case PL_NAME:
		return msg_name_unpack(o, &p->n);
	case PL_BUCKET:
		return msg_bucket_unpack(o, &p->b);
	case PL_BUCKET_LIST:
		return msg_bucket_list_unpack(o, &p->bl);
	case PL_BUCKET_SET:
		return msg_bucket_set_unpack(o, &p->bs);
	case PL_BCONF:
		return msg_bconf_unpack(o, &p->bc);
	case PL_OBJ_EXPIRE:
		return msg_obj_expire_unpack(o, &p->ox);
	case PL_VER_EXPIRE:
		return msg_ver_expire_unpack(o, &p->vx);
	case PL_OBJREC:
		return msg_objrec_unpack(o, &p->r);
	case PL_OBJ_REF:
		return msg_obj_ref_unpack(o, &p->ref);
	case PL_OBJ_TAGS:
		return msg_obj_tags_unpack(o, &p->tags);
	case PL_OBJ_PUT:
		return msg_obj_put_unpack(o, &p->put);
	case PL_LIST_REQ:
		return msg_list_req_unpack(o, &p->lq);
	case PL_LIST_REPLY:
		return msg_list_reply_unpack(o, &p->lr);
	case PL_CHUNK_WRITE:
		return msg_chunk_write_unpack(o, &p->cw);
	case PL_CHUNK_READ:
		return msg_chunk_read_unpack(o, &p->cr);
	case PL_CHUNK_DATA:
		return msg_chunk_data_unpack(o, &p->cd);
	case PL_CHUNK_REF:
		return msg_chunk_ref_unpack(o, &p->cref);
	case PL_UPLOAD_REF:
		return msg_upload_ref_unpack(o, &p->uref);
	case PL_UPLOAD_CREATE:
		return msg_upload_create_unpack(o, &p->uc);
	case PL_PART_PUT:
		return msg_part_put_unpack(o, &p->pp);
	case PL_UPLOAD_COMPLETE:
		return msg_upload_complete_unpack(o, &p->cc);
	case PL_UPLOAD_DONE:
		return msg_upload_done_unpack(o, &p->ud);
	case PL_PART_LIST_REQ:
		return msg_part_list_req_unpack(o, &p->pl);
	case PL_PART_LIST_REPLY:
		return msg_part_list_reply_unpack(o, &p->pr);
	case PL_UPLOAD_LIST_REQ:
		return msg_upload_list_req_unpack(o, &p->ul);
	case PL_UPLOAD_LIST_REPLY:
		return msg_upload_list_reply_unpack(o, &p->ur);
	}
	return CAIRN_EINVAL;
}

/* payload_free frees what unpacking p allocated: only lists allocate. */
static void
payload_free(enum payload_kind kind, union payload *p)
{
	if (kind == PL_BUCKET_LIST)
		msg_bucket_list_free(&p->bl);
	else if (kind == PL_LIST_REPLY)
		msg_list_reply_free(&p->lr);
	else if (kind == PL_PART_LIST_REPLY)
		msg_part_list_reply_free(&p->pr);
	else if (kind == PL_UPLOAD_LIST_REPLY)
		msg_upload_list_reply_free(&p->ur);
}

/* --- comparisons: every field -------------------------------------------- */

static bool
str_same(struct proto_str a, struct proto_str b)
{
	return a.ps_len == b.ps_len &&
	    (a.ps_len == 0 || memcmp(a.ps_ptr, b.ps_ptr, a.ps_len) == 0);
}

static bool
equal_error(const union payload *a, const union payload *b)
{
	return a->e.e_code == b->e.e_code &&
	    str_same(a->e.e_message, b->e.e_message);
}

static bool
equal_status(const union payload *a, const union payload *b)
{
	const struct msg_status *x = &a->st, *y = &b->st;
	uint32_t i;

	if (!str_same(x->st_daemon, y->st_daemon) ||
	    !str_same(x->st_version, y->st_version) ||
	    x->st_pid != y->st_pid || x->st_uptime_s != y->st_uptime_s ||
	    x->st_nstats != y->st_nstats)
		return false;
	for (i = 0; i < x->st_nstats; i++)
		if (!str_same(x->st_stat_name[i], y->st_stat_name[i]) ||
		    x->st_stat_value[i] != y->st_stat_value[i])
			return false;
	return true;
}

static bool
equal_name(const union payload *a, const union payload *b)
{
	return str_same(a->n.n_name, b->n.n_name);
}

static bool
bucket_same(const struct msg_bucket *x, const struct msg_bucket *y)
{
	return str_same(x->b_name, y->b_name) &&
	    x->b_created_ns == y->b_created_ns &&
	    str_same(x->b_owner, y->b_owner) &&
	    x->b_versioning == y->b_versioning &&
	    x->b_object_lock == y->b_object_lock && x->b_acl == y->b_acl;
}

static bool
equal_bucket_set(const union payload *a, const union payload *b)
{
	return bucket_same(&a->bs.bs_bucket, &b->bs.bs_bucket) &&
	    a->bs.bs_fields == b->bs.bs_fields;
}

static bool
equal_bconf(const union payload *a, const union payload *b)
{
	return str_same(a->bc.bc_bucket, b->bc.bc_bucket) &&
	    str_same(a->bc.bc_kind, b->bc.bc_kind) &&
	    str_same(a->bc.bc_value, b->bc.bc_value);
}

static bool
equal_obj_expire(const union payload *a, const union payload *b)
{
	return str_same(a->ox.x_bucket, b->ox.x_bucket) &&
	    str_same(a->ox.x_key, b->ox.x_key) &&
	    a->ox.x_mtime_ns == b->ox.x_mtime_ns &&
	    memcmp(a->ox.x_etag, b->ox.x_etag, sizeof(a->ox.x_etag)) == 0;
}

static bool
equal_ver_expire(const union payload *a, const union payload *b)
{
	return str_same(a->vx.vx_bucket, b->vx.vx_bucket) &&
	    str_same(a->vx.vx_key, b->vx.vx_key) &&
	    str_same(a->vx.vx_version_id, b->vx.vx_version_id) &&
	    a->vx.vx_mtime_ns == b->vx.vx_mtime_ns &&
	    a->vx.vx_what == b->vx.vx_what;
}

static bool
equal_bucket(const union payload *a, const union payload *b)
{
	return bucket_same(&a->b, &b->b);
}

static bool
equal_bucket_list(const union payload *a, const union payload *b)
{
	uint32_t i;

	if (a->bl.bl_count != b->bl.bl_count)
		return false;
	for (i = 0; i < a->bl.bl_count; i++)
		if (!bucket_same(&a->bl.bl_items[i], &b->bl.bl_items[i]))
			return false;
	return true;
}

static bool
objrec_layout_same(const struct msg_objrec *x, const struct msg_objrec *y)
{
	uint32_t i, n = x->or_inline ? 0 : (uint32_t)x->or_k + x->or_m;

	if (x->or_k != y->or_k || x->or_m != y->or_m ||
	    x->or_block_size != y->or_block_size ||
	    memcmp(x->or_data_id, y->or_data_id, PROTO_IDLEN) != 0)
		return false;
	for (i = 0; i < n; i++)
		if (!str_same(x->or_drives[i], y->or_drives[i]))
			return false;
	return true;
}

static bool
objrec_same(const struct msg_objrec *x, const struct msg_objrec *y)
{
	uint32_t i;

	if (x->or_size != y->or_size || x->or_mtime_ns != y->or_mtime_ns ||
	    memcmp(x->or_etag, y->or_etag, sizeof(x->or_etag)) != 0 ||
	    x->or_inline != y->or_inline || x->or_nhdrs != y->or_nhdrs ||
	    !objrec_layout_same(x, y))
		return false;
	if (x->or_inline && !str_same(x->or_data, y->or_data))
		return false;
	if (!x->or_inline && y->or_data.ps_len != 0)
		return false;
	for (i = 0; i < x->or_nhdrs; i++)
		if (!str_same(x->or_hdr_name[i], y->or_hdr_name[i]) ||
		    !str_same(x->or_hdr_value[i], y->or_hdr_value[i]))
			return false;
	return true;
}

static bool
equal_objrec(const union payload *a, const union payload *b)
{
	return objrec_same(&a->r, &b->r);
}

static bool
equal_obj_ref(const union payload *a, const union payload *b)
{
	return str_same(a->ref.r_bucket, b->ref.r_bucket) &&
	    str_same(a->ref.r_key, b->ref.r_key);
}

static bool
equal_obj_tags(const union payload *a, const union payload *b)
{
	return str_same(a->tags.t_bucket, b->tags.t_bucket) &&
	    str_same(a->tags.t_key, b->tags.t_key) &&
	    str_same(a->tags.t_tags, b->tags.t_tags);
}

static bool
equal_obj_put(const union payload *a, const union payload *b)
{
	return str_same(a->put.p_bucket, b->put.p_bucket) &&
	    str_same(a->put.p_key, b->put.p_key) &&
	    objrec_same(&a->put.p_rec, &b->put.p_rec) &&
	    a->put.p_cond == b->put.p_cond &&
	    memcmp(a->put.p_cond_etag, b->put.p_cond_etag,
	    sizeof(a->put.p_cond_etag)) == 0;
}

static bool
equal_list_req(const union payload *a, const union payload *b)
{
	return str_same(a->lq.l_bucket, b->lq.l_bucket) &&
	    str_same(a->lq.l_prefix, b->lq.l_prefix) &&
	    str_same(a->lq.l_delimiter, b->lq.l_delimiter) &&
	    str_same(a->lq.l_start_after, b->lq.l_start_after) &&
	    a->lq.l_max_keys == b->lq.l_max_keys;
}

static bool
entry_same(const struct msg_list_entry *x, const struct msg_list_entry *y)
{
	return str_same(x->le_key, y->le_key) && x->le_size == y->le_size &&
	    x->le_mtime_ns == y->le_mtime_ns &&
	    memcmp(x->le_etag, y->le_etag, sizeof(x->le_etag)) == 0 &&
	    x->le_nparts == y->le_nparts;
}

static bool
equal_list_reply(const union payload *a, const union payload *b)
{
	const struct msg_list_reply *x = &a->lr, *y = &b->lr;
	uint32_t i;

	if (x->lr_truncated != y->lr_truncated ||
	    !str_same(x->lr_next, y->lr_next) ||
	    x->lr_nentries != y->lr_nentries ||
	    x->lr_nprefixes != y->lr_nprefixes)
		return false;
	for (i = 0; i < x->lr_nentries; i++)
		if (!entry_same(&x->lr_entries[i], &y->lr_entries[i]))
			return false;
	for (i = 0; i < x->lr_nprefixes; i++)
		if (!str_same(x->lr_prefixes[i], y->lr_prefixes[i]))
			return false;
	return true;
}

static bool
equal_chunk_write(const union payload *a, const union payload *b)
{
	const struct msg_chunk_write *x = &a->cw, *y = &b->cw;

	return memcmp(x->cw_id, y->cw_id, PROTO_IDLEN) == 0 &&
	    x->cw_shard_idx == y->cw_shard_idx &&
	    x->cw_block_size == y->cw_block_size &&
	    x->cw_block_no == y->cw_block_no && x->cw_crc == y->cw_crc &&
	    x->cw_last == y->cw_last && x->cw_length == y->cw_length &&
	    str_same(x->cw_data, y->cw_data) &&
	    str_same(x->cw_arena, y->cw_arena) &&
	    x->cw_arena_off == y->cw_arena_off;
}

static bool
equal_chunk_read(const union payload *a, const union payload *b)
{
	return memcmp(a->cr.cr_id, b->cr.cr_id, PROTO_IDLEN) == 0 &&
	    a->cr.cr_block_no == b->cr.cr_block_no;
}

static bool
equal_chunk_data(const union payload *a, const union payload *b)
{
	return a->cd.cd_crc == b->cd.cd_crc &&
	    str_same(a->cd.cd_data, b->cd.cd_data);
}

static bool
equal_chunk_ref(const union payload *a, const union payload *b)
{
	return memcmp(a->cref.c_id, b->cref.c_id, PROTO_IDLEN) == 0;
}

/* --- multipart uploads -------------------------------------------------- */

#define SAMPLE_UPLOAD_ID	"187a0b3c5e4d21f09c1d2e3f4a5b6c7d"

static struct msg_objpart sample_parts[3];

/* fill_objrec_mp makes a record of three parts: two coded, one inline. */
static void
fill_objrec_mp(union payload *p)
{
	int i;

	fill_objrec_ec_rec(&p->r);
	memset(p->r.or_data_id, 0, PROTO_IDLEN);
	memset(sample_parts, 0, sizeof(sample_parts));
	for (i = 0; i < 3; i++) {
		sample_parts[i].op_number = i == 2 ? PROTO_PARTMAX : 1 + 2 * i;
		sample_parts[i].op_size = i == 2 ? 11 : PROTO_PARTMIN + i;
		fill_bytes(sample_parts[i].op_etag, 16, 20 + i);
		fill_bytes(sample_parts[i].op_data_id, PROTO_IDLEN, 30 + i);
	}
	sample_parts[2].op_inline = true;
	sample_parts[2].op_data = proto_str_c("hello world");
	/* A part with its checksum: the optional seventh element. */
	sample_parts[1].op_cksum = proto_str_c("2Ag6DQ==");
	p->r.or_size = 2ULL * PROTO_PARTMIN + 1 + 11;
	p->r.or_nparts = 3;
	p->r.or_parts = sample_parts;
}

static void
fill_upload_ref_of(struct msg_upload_ref *u)
{
	u->u_bucket = proto_str_c("my-bucket");
	u->u_key = proto_str_c("videos/2024/holiday.mp4");
	u->u_upload_id = proto_str_c(SAMPLE_UPLOAD_ID);
}

static void
fill_upload_ref(union payload *p)
{
	fill_upload_ref_of(&p->uref);
}

static void
fill_upload_create(union payload *p)
{
	fill_upload_ref_of(&p->uc.uc_ref);
	fill_objrec_ec_rec(&p->uc.uc_rec);
	p->uc.uc_rec.or_size = 0;
}

static void
fill_part_put(union payload *p)
{
	union payload rec;

	fill_objrec_inline(&rec);
	rec.r.or_nhdrs = 0;
	fill_upload_ref_of(&p->pp.pp_ref);
	p->pp.pp_number = PROTO_PARTMAX;
	p->pp.pp_rec = rec.r;
}

static const uint32_t sample_numbers[3] = { 1, 2, PROTO_PARTMAX };
static uint8_t sample_etags[3][16];

static void
fill_upload_complete(union payload *p)
{
	int i;

	memset(&p->cc, 0, sizeof(p->cc));
	fill_upload_ref_of(&p->cc.cc_ref);
	p->cc.cc_mtime_ns = 1763800000123456789ULL;
	fill_bytes(p->cc.cc_etag, 16, 40);
	for (i = 0; i < 3; i++)
		fill_bytes(sample_etags[i], 16, 41 + i);
	p->cc.cc_nparts = 3;
	p->cc.cc_numbers = sample_numbers;
	p->cc.cc_etags = (const uint8_t (*)[16])sample_etags;
}

/* fill_upload_complete_hdrs adds the header edits: one set, one dropped. */
static void
fill_upload_complete_hdrs(union payload *p)
{
	fill_upload_complete(p);
	p->cc.cc_nhdrs = 2;
	p->cc.cc_hdr_name[0] = proto_str_c("x-amz-checksum-crc32");
	p->cc.cc_hdr_value[0] = proto_str_c("2Ag6DQ==-3");
	p->cc.cc_hdr_name[1] = proto_str_c("x-amz-checksum-algorithm");
	p->cc.cc_hdr_value[1] = proto_str_c("");
}

static uint8_t sample_dropped[3 * PROTO_IDLEN];

static void
fill_upload_done(union payload *p)
{
	memset(&p->ud, 0, sizeof(p->ud));
	fill_objrec_ec_rec(&p->ud.ud_rec);
	p->ud.ud_has_old = true;
	fill_objrec_ec_rec(&p->ud.ud_old);
	p->ud.ud_old.or_size = 77;
	fill_bytes(sample_dropped, sizeof(sample_dropped), 50);
	p->ud.ud_dropped = bytes_str(sample_dropped, sizeof(sample_dropped));
}

static void
fill_part_list_req(union payload *p)
{
	fill_upload_ref_of(&p->pl.pl_ref);
	p->pl.pl_marker = 9999;
	p->pl.pl_max = PROTO_LISTMAX;
}

static struct msg_part_entry sample_part_entries[2];

static void
fill_part_list_reply(union payload *p)
{
	int i;

	for (i = 0; i < 2; i++) {
		sample_part_entries[i].pe_number = i ? PROTO_PARTMAX : 1;
		sample_part_entries[i].pe_size = (5ULL << 30) + i;
		sample_part_entries[i].pe_mtime_ns = 1763800000000000000ULL + i;
		fill_bytes(sample_part_entries[i].pe_etag, 16, 60 + i);
	}
	p->pr.pr_truncated = true;
	p->pr.pr_next = PROTO_PARTMAX;
	p->pr.pr_nentries = 2;
	p->pr.pr_entries = sample_part_entries;
}

/* fill_part_list_reply_ck gives the second part a checksum (5 fields). */
static void
fill_part_list_reply_ck(union payload *p)
{
	fill_part_list_reply(p);
	strcpy(sample_part_entries[1].pe_cksum_name, "x-amz-checksum-sha1");
	strcpy(sample_part_entries[1].pe_cksum, "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=");
}

static void
fill_upload_list_req(union payload *p)
{
	p->ul.ul_bucket = proto_str_c("my-bucket");
	p->ul.ul_prefix = proto_str_c("videos/");
	p->ul.ul_delimiter = proto_str_c("/");
	p->ul.ul_key_marker = proto_str_c("videos/a.mp4");
	p->ul.ul_upload_id_marker = proto_str_c(SAMPLE_UPLOAD_ID);
	p->ul.ul_max = PROTO_LISTMAX;
}

static struct msg_upload_entry sample_uploads[2];

static void
fill_upload_list_reply(union payload *p)
{
	sample_uploads[0].ue_key = proto_str_c("videos/a.mp4");
	sample_uploads[0].ue_upload_id = proto_str_c(SAMPLE_UPLOAD_ID);
	sample_uploads[0].ue_initiated_ns = 1763800000000000001ULL;
	sample_uploads[1].ue_key = proto_str_c("videos/b.mp4");
	sample_uploads[1].ue_upload_id = proto_str_c(
	    "187a0b3c5e4d21f0ffffffffffffffff");
	sample_uploads[1].ue_initiated_ns = 1763800000000000002ULL;
	p->ur.ur_truncated = true;
	p->ur.ur_next_key = proto_str_c("videos/b.mp4");
	p->ur.ur_next_upload_id = sample_uploads[1].ue_upload_id;
	p->ur.ur_nentries = 2;
	p->ur.ur_entries = sample_uploads;
	p->ur.ur_nprefixes = 2;
	p->ur.ur_prefixes = sample_prefixes;
	sample_prefixes[0] = proto_str_c("videos/2023/");
	sample_prefixes[1] = proto_str_c("videos/2024/");
}

static bool
objpart_same(const struct msg_objpart *x, const struct msg_objpart *y)
{
	return x->op_number == y->op_number && x->op_size == y->op_size &&
	    memcmp(x->op_etag, y->op_etag, 16) == 0 &&
	    x->op_inline == y->op_inline &&
	    (!x->op_inline || str_same(x->op_data, y->op_data)) &&
	    (x->op_inline || y->op_data.ps_len == 0) &&
	    memcmp(x->op_data_id, y->op_data_id, PROTO_IDLEN) == 0 &&
	    str_same(x->op_cksum, y->op_cksum);
}

static bool
equal_objrec_mp(const union payload *a, const union payload *b)
{
	struct msg_objpart x, y;
	uint32_t i;

	if (!objrec_same(&a->r, &b->r) || a->r.or_nparts != b->r.or_nparts)
		return false;
	for (i = 0; i < a->r.or_nparts; i++) {
		msg_objpart_get(&a->r, i, &x);
		msg_objpart_get(&b->r, i, &y);
		if (!objpart_same(&x, &y))
			return false;
	}
	return true;
}

static bool
upload_ref_same(const struct msg_upload_ref *x, const struct msg_upload_ref *y)
{
	return str_same(x->u_bucket, y->u_bucket) &&
	    str_same(x->u_key, y->u_key) &&
	    str_same(x->u_upload_id, y->u_upload_id);
}

static bool
equal_upload_ref(const union payload *a, const union payload *b)
{
	return upload_ref_same(&a->uref, &b->uref);
}

static bool
equal_upload_create(const union payload *a, const union payload *b)
{
	return upload_ref_same(&a->uc.uc_ref, &b->uc.uc_ref) &&
	    objrec_same(&a->uc.uc_rec, &b->uc.uc_rec);
}

static bool
equal_part_put(const union payload *a, const union payload *b)
{
	return upload_ref_same(&a->pp.pp_ref, &b->pp.pp_ref) &&
	    a->pp.pp_number == b->pp.pp_number &&
	    objrec_same(&a->pp.pp_rec, &b->pp.pp_rec);
}

static bool
equal_upload_complete(const union payload *a, const union payload *b)
{
	uint32_t i, na, nb;
	uint8_t ea[16], eb[16];

	if (!upload_ref_same(&a->cc.cc_ref, &b->cc.cc_ref) ||
	    a->cc.cc_mtime_ns != b->cc.cc_mtime_ns ||
	    memcmp(a->cc.cc_etag, b->cc.cc_etag, 16) != 0 ||
	    a->cc.cc_nparts != b->cc.cc_nparts)
		return false;
	for (i = 0; i < a->cc.cc_nparts; i++) {
		msg_upload_complete_get(&a->cc, i, &na, ea);
		msg_upload_complete_get(&b->cc, i, &nb, eb);
		if (na != nb || memcmp(ea, eb, 16) != 0)
			return false;
	}
	if (a->cc.cc_nhdrs != b->cc.cc_nhdrs)
		return false;
	for (i = 0; i < a->cc.cc_nhdrs; i++)
		if (!str_same(a->cc.cc_hdr_name[i], b->cc.cc_hdr_name[i]) ||
		    !str_same(a->cc.cc_hdr_value[i], b->cc.cc_hdr_value[i]))
			return false;
	return true;
}

static bool
equal_upload_done(const union payload *a, const union payload *b)
{
	return objrec_same(&a->ud.ud_rec, &b->ud.ud_rec) &&
	    a->ud.ud_has_old == b->ud.ud_has_old &&
	    (!a->ud.ud_has_old || objrec_same(&a->ud.ud_old, &b->ud.ud_old)) &&
	    str_same(a->ud.ud_dropped, b->ud.ud_dropped);
}

static bool
equal_part_list_req(const union payload *a, const union payload *b)
{
	return upload_ref_same(&a->pl.pl_ref, &b->pl.pl_ref) &&
	    a->pl.pl_marker == b->pl.pl_marker && a->pl.pl_max == b->pl.pl_max;
}

static bool
equal_part_list_reply(const union payload *a, const union payload *b)
{
	const struct msg_part_list_reply *x = &a->pr, *y = &b->pr;
	uint32_t i;

	if (x->pr_truncated != y->pr_truncated || x->pr_next != y->pr_next ||
	    x->pr_nentries != y->pr_nentries)
		return false;
	for (i = 0; i < x->pr_nentries; i++)
		if (x->pr_entries[i].pe_number != y->pr_entries[i].pe_number ||
		    x->pr_entries[i].pe_size != y->pr_entries[i].pe_size ||
		    x->pr_entries[i].pe_mtime_ns !=
		    y->pr_entries[i].pe_mtime_ns ||
		    memcmp(x->pr_entries[i].pe_etag, y->pr_entries[i].pe_etag,
		    16) != 0 ||
		    strcmp(x->pr_entries[i].pe_cksum_name,
		    y->pr_entries[i].pe_cksum_name) != 0 ||
		    strcmp(x->pr_entries[i].pe_cksum, y->pr_entries[i].pe_cksum))
			return false;
	return true;
}

static bool
equal_upload_list_req(const union payload *a, const union payload *b)
{
	return str_same(a->ul.ul_bucket, b->ul.ul_bucket) &&
	    str_same(a->ul.ul_prefix, b->ul.ul_prefix) &&
	    str_same(a->ul.ul_delimiter, b->ul.ul_delimiter) &&
	    str_same(a->ul.ul_key_marker, b->ul.ul_key_marker) &&
	    str_same(a->ul.ul_upload_id_marker, b->ul.ul_upload_id_marker) &&
	    a->ul.ul_max == b->ul.ul_max;
}

static bool
equal_upload_list_reply(const union payload *a, const union payload *b)
{
	const struct msg_upload_list_reply *x = &a->ur, *y = &b->ur;
	uint32_t i;

	if (x->ur_truncated != y->ur_truncated ||
	    !str_same(x->ur_next_key, y->ur_next_key) ||
	    !str_same(x->ur_next_upload_id, y->ur_next_upload_id) ||
	    x->ur_nentries != y->ur_nentries ||
	    x->ur_nprefixes != y->ur_nprefixes)
		return false;
	for (i = 0; i < x->ur_nentries; i++)
		if (!str_same(x->ur_entries[i].ue_key, y->ur_entries[i].ue_key) ||
		    !str_same(x->ur_entries[i].ue_upload_id,
		    y->ur_entries[i].ue_upload_id) ||
		    x->ur_entries[i].ue_initiated_ns !=
		    y->ur_entries[i].ue_initiated_ns)
			return false;
	for (i = 0; i < x->ur_nprefixes; i++)
		if (!str_same(x->ur_prefixes[i], y->ur_prefixes[i]))
			return false;
	return true;
}

/* --- the table ----------------------------------------------------------- */

static const struct codec codec_error = { "msg_error", MSG_ERROR, PL_ERROR,
    fill_error, equal_error };
static const struct codec codec_status = { "msg_status", MSG_OK, PL_STATUS,
    fill_status, equal_status };
static const struct codec codec_name = { "msg_name", MSG_META_BUCKET_GET,
    PL_NAME, fill_name, equal_name };
static const struct codec codec_bucket = { "msg_bucket",
    MSG_META_BUCKET_CREATE, PL_BUCKET, fill_bucket, equal_bucket };
static const struct codec codec_bucket_set = { "msg_bucket_set",
    MSG_META_BUCKET_SET, PL_BUCKET_SET, fill_bucket_set, equal_bucket_set };
static const struct codec codec_bconf = { "msg_bconf", MSG_META_BCONF_PUT,
    PL_BCONF, fill_bconf, equal_bconf };
static const struct codec codec_obj_expire = { "msg_obj_expire",
    MSG_META_OBJ_EXPIRE, PL_OBJ_EXPIRE, fill_obj_expire, equal_obj_expire };
static const struct codec codec_ver_expire = { "msg_ver_expire",
    MSG_META_VER_EXPIRE, PL_VER_EXPIRE, fill_ver_expire, equal_ver_expire };
static const struct codec codec_bucket_list = { "msg_bucket_list", MSG_OK,
    PL_BUCKET_LIST, fill_bucket_list, equal_bucket_list };
static const struct codec codec_objrec_inline = { "msg_objrec inline", MSG_OK,
    PL_OBJREC, fill_objrec_inline, equal_objrec };
static const struct codec codec_objrec_ec = { "msg_objrec erasure-coded",
    MSG_OK, PL_OBJREC, fill_objrec_ec, equal_objrec };
static const struct codec codec_obj_ref = { "msg_obj_ref", MSG_META_OBJ_GET,
    PL_OBJ_REF, fill_obj_ref, equal_obj_ref };
static const struct codec codec_obj_tags = { "msg_obj_tags",
    MSG_META_OBJ_SET_TAGS, PL_OBJ_TAGS, fill_obj_tags, equal_obj_tags };
static const struct codec codec_obj_put = { "msg_obj_put", MSG_META_OBJ_PUT,
    PL_OBJ_PUT, fill_obj_put, equal_obj_put };
static const struct codec codec_list_req = { "msg_list_req", MSG_META_OBJ_LIST,
    PL_LIST_REQ, fill_list_req, equal_list_req };
static const struct codec codec_list_reply = { "msg_list_reply", MSG_OK,
    PL_LIST_REPLY, fill_list_reply, equal_list_reply };
static const struct codec codec_chunk_write = { "msg_chunk_write",
    MSG_CHUNK_WRITE, PL_CHUNK_WRITE, fill_chunk_write, equal_chunk_write };
static const struct codec codec_chunk_read = { "msg_chunk_read",
    MSG_CHUNK_READ, PL_CHUNK_READ, fill_chunk_read, equal_chunk_read };
static const struct codec codec_chunk_data = { "msg_chunk_data", MSG_OK,
    PL_CHUNK_DATA, fill_chunk_data, equal_chunk_data };
static const struct codec codec_chunk_ref = { "msg_chunk_ref",
    MSG_CHUNK_DELETE, PL_CHUNK_REF, fill_chunk_ref, equal_chunk_ref };

static const struct codec codec_upload_ref = { "msg_upload_ref",
    MSG_META_UPLOAD_ABORT, PL_UPLOAD_REF, fill_upload_ref, equal_upload_ref };
static const struct codec codec_upload_create = { "msg_upload_create",
    MSG_META_UPLOAD_CREATE, PL_UPLOAD_CREATE, fill_upload_create,
    equal_upload_create };
static const struct codec codec_part_put = { "msg_part_put",
    MSG_META_UPLOAD_PART, PL_PART_PUT, fill_part_put, equal_part_put };
static const struct codec codec_upload_complete = { "msg_upload_complete",
    MSG_META_UPLOAD_COMPLETE, PL_UPLOAD_COMPLETE, fill_upload_complete,
    equal_upload_complete };
static const struct codec codec_upload_done = { "msg_upload_done", MSG_OK,
    PL_UPLOAD_DONE, fill_upload_done, equal_upload_done };
static const struct codec codec_part_list_req = { "msg_part_list_req",
    MSG_META_UPLOAD_PARTS, PL_PART_LIST_REQ, fill_part_list_req,
    equal_part_list_req };
static const struct codec codec_part_list_reply = { "msg_part_list_reply",
    MSG_OK, PL_PART_LIST_REPLY, fill_part_list_reply, equal_part_list_reply };
static const struct codec codec_upload_list_req = { "msg_upload_list_req",
    MSG_META_UPLOAD_LIST, PL_UPLOAD_LIST_REQ, fill_upload_list_req,
    equal_upload_list_req };
static const struct codec codec_upload_list_reply = { "msg_upload_list_reply",
    MSG_OK, PL_UPLOAD_LIST_REPLY, fill_upload_list_reply,
    equal_upload_list_reply };
/* Not in codecs[]: its first 11 fields are a single PUT's record by
 * design, so the "field too few" mutation does not apply. */
static const struct codec codec_objrec_mp = { "msg_objrec multipart", MSG_OK,
    PL_OBJREC, fill_objrec_mp, equal_objrec_mp };
/* Nor are these: without their last, optional element they are the
 * forms in codecs[]. */
static const struct codec codec_upload_complete_hdrs = {
    "msg_upload_complete with header edits", MSG_META_UPLOAD_COMPLETE,
    PL_UPLOAD_COMPLETE, fill_upload_complete_hdrs, equal_upload_complete };
static const struct codec codec_part_list_reply_ck = {
    "msg_part_list_reply with a checksum", MSG_OK, PL_PART_LIST_REPLY,
    fill_part_list_reply_ck, equal_part_list_reply };

static const struct codec *const codecs[] = {
	&codec_error, &codec_status, &codec_name, &codec_bucket,
	&codec_bucket_list, &codec_objrec_inline, &codec_objrec_ec,
	&codec_obj_ref, &codec_obj_put, &codec_list_req, &codec_list_reply,
	&codec_chunk_write, &codec_chunk_read, &codec_chunk_data,
	&codec_chunk_ref, &codec_obj_tags, &codec_upload_ref, &codec_upload_create,
	&codec_part_put, &codec_upload_complete, &codec_upload_done,
	&codec_part_list_req, &codec_part_list_reply, &codec_upload_list_req,
	&codec_upload_list_reply, &codec_bucket_set, &codec_bconf,
	&codec_obj_expire,
	&codec_ver_expire,
};
#define NCODECS		(sizeof(codecs) / sizeof(codecs[0]))
#define CODEC_CHECKS	7	/* ok() calls per codec in check_codec */

/* --- encoding and decoding ----------------------------------------------- */

static void
wire_begin(struct wire *w, uint32_t type)
{
	msgpack_sbuffer_init(&w->w_sb);
	msgpack_packer_init(&w->w_pk, &w->w_sb, msgpack_sbuffer_write);
	proto_begin(&w->w_pk, type, REQID);
}

static void
wire_end(struct wire *w)
{
	msgpack_sbuffer_destroy(&w->w_sb);
}

static void
wire_payload(struct wire *w, const struct codec *c, const union payload *p)
{
	wire_begin(w, c->c_type);
	payload_pack(&w->w_pk, c->c_kind, p);
}

/*
 * try_buf opens buf as c's message and unpacks the payload; returns the
 * first error or 0.  The buffer is copied to memory of exactly len bytes so
 * that valgrind sees any read past the end.
 */
static int
try_buf(const struct codec *c, const void *buf, size_t len)
{
	union payload out;
	struct proto_msg m;
	void *copy;
	int rc;

	if ((copy = malloc(len > 0 ? len : 1)) == NULL)
		abort();
	if (len > 0)
		memcpy(copy, buf, len);
	if ((rc = proto_open(&m, copy, len)) == 0) {
		memset(&out, 0x5a, sizeof(out));
		rc = payload_unpack(m.pm_payload, c->c_kind, &out);
		if (rc == 0)
			payload_free(c->c_kind, &out);
		proto_close(&m);
	}
	free(copy);
	return rc;
}

/* try_wire is try_buf on an encoded message, which it then frees. */
static int
try_wire(const struct codec *c, struct wire *w)
{
	int rc = try_buf(c, w->w_sb.data, w->w_sb.size);

	wire_end(w);
	return rc;
}

/* try_payload packs p as c's payload and unpacks it again. */
static int
try_payload(const struct codec *c, const union payload *p)
{
	struct wire w;

	wire_payload(&w, c, p);
	return try_wire(c, &w);
}

/* --- one codec: round trip, truncation, trailing bytes ------------------- */

static void
check_roundtrip(const struct codec *c)
{
	union payload in, out;
	struct proto_msg m;
	struct wire w;
	int rc, opened;

	c->c_fill(&in);
	wire_payload(&w, c, &in);
	rc = opened = proto_open(&m, w.w_sb.data, w.w_sb.size);
	ok(rc == 0 && m.pm_version == PROTO_VERSION && m.pm_type == c->c_type &&
	    m.pm_reqid == REQID, "%s: envelope opens (%zu bytes)", c->c_name,
	    w.w_sb.size);
	memset(&out, 0x5a, sizeof(out));
	if (rc == 0)
		rc = payload_unpack(m.pm_payload, c->c_kind, &out);
	ok(rc == 0 && c->c_equal(&in, &out), "%s: every field round-trips",
	    c->c_name);
	if (rc == 0)
		payload_free(c->c_kind, &out);
	if (opened == 0)
		proto_close(&m);
	wire_end(&w);
}

static void
check_truncated(const struct codec *c)
{
	union payload in;
	struct wire w;
	size_t len, accepted = 0;

	c->c_fill(&in);
	wire_payload(&w, c, &in);
	for (len = 0; len < w.w_sb.size; len++)
		if (try_buf(c, w.w_sb.data, len) == 0) {
			diag("%s: prefix of %zu bytes accepted", c->c_name, len);
			accepted++;
		}
	ok(accepted == 0, "%s: all %zu shorter prefixes are rejected",
	    c->c_name, w.w_sb.size);
	wire_end(&w);
}

static void
check_trailing(const struct codec *c)
{
	union payload in;
	struct wire w;

	c->c_fill(&in);
	wire_payload(&w, c, &in);
	msgpack_pack_nil(&w.w_pk);
	is_int(try_wire(c, &w), CAIRN_EPROTO, "%s: a trailing byte is rejected",
	    c->c_name);
}

/* --- one codec: mutated messages ----------------------------------------- */

enum mut_kind {
	MUT_TYPE,	/* the node gets a value of another type */
	MUT_EXTRA,	/* an array node gets one more element */
	MUT_SHORT,	/* an array node loses its last element */
};

static const char *const mut_what[] = {
	"fields of the wrong type", "arrays with a field too many",
	"records with a field too few",
};

#define MAXNODES	256

/* The nodes of a decoded payload in pre-order, with their depth. */
struct tree {
	const msgpack_object	*t_node[MAXNODES];
	int			 t_depth[MAXNODES];
	int			 t_n;
};

static void
tree_collect(struct tree *t, const msgpack_object *o, int depth)
{
	uint32_t i;

	if (t->t_n == MAXNODES)
		abort();
	t->t_node[t->t_n] = o;
	t->t_depth[t->t_n++] = depth;
	if (o->type != MSGPACK_OBJECT_ARRAY)
		return;
	for (i = 0; i < o->via.array.size; i++)
		tree_collect(t, &o->via.array.ptr[i], depth + 1);
}

/*
 * is_record tells a record (a payload or a nested struct, whose length is
 * fixed) from a list (variable length): a list's elements all have one
 * type, a record's mix types.  The payload itself is always a record.
 */
static bool
is_record(const msgpack_object *o, int depth)
{
	uint32_t i;

	if (depth == 0)
		return true;
	for (i = 1; i < o->via.array.size; i++)
		if (o->via.array.ptr[i].type != o->via.array.ptr[0].type)
			return true;
	return false;
}

static bool
mutable_node(const msgpack_object *o, int depth, enum mut_kind kind)
{
	switch (kind) {
	case MUT_TYPE:
		return true;
	case MUT_EXTRA:
		return o->type == MSGPACK_OBJECT_ARRAY;
	case MUT_SHORT:
		return o->type == MSGPACK_OBJECT_ARRAY &&
		    o->via.array.size > 0 && is_record(o, depth);
	}
	return false;
}

struct mutation {
	enum mut_kind	 mu_kind;
	int		 mu_target;	/* pre-order index of the node to change */
	int		 mu_seen;
};

static void
pack_wrong_type(msgpack_packer *pk, const msgpack_object *o)
{
	if (o->type == MSGPACK_OBJECT_STR) {
		msgpack_pack_uint8(pk, 7);
	} else {
		msgpack_pack_str(pk, 1);
		msgpack_pack_str_body(pk, "x", 1);
	}
}

/* pack_mutated packs o again, with the one change mu describes. */
static void
pack_mutated(msgpack_packer *pk, const msgpack_object *o,
    struct mutation *mu)
{
	bool hit = mu->mu_seen++ == mu->mu_target;
	uint32_t i, n;

	if (hit && mu->mu_kind == MUT_TYPE) {
		pack_wrong_type(pk, o);
		return;
	}
	if (o->type != MSGPACK_OBJECT_ARRAY) {
		msgpack_pack_object(pk, *o);
		return;
	}
	n = o->via.array.size;
	if (hit && mu->mu_kind == MUT_SHORT)
		n--;
	msgpack_pack_array(pk, hit && mu->mu_kind == MUT_EXTRA ? n + 1 : n);
	for (i = 0; i < n; i++)
		pack_mutated(pk, &o->via.array.ptr[i], mu);
	if (hit && mu->mu_kind == MUT_EXTRA)
		msgpack_pack_nil(pk);
}

/* try_mutation packs payload with one change and unpacks it; 0 = accepted. */
static int
try_mutation(const struct codec *c, const msgpack_object *payload,
    enum mut_kind kind, int target)
{
	struct mutation mu = { kind, target, 0 };
	struct wire w;

	wire_begin(&w, c->c_type);
	pack_mutated(&w.w_pk, payload, &mu);
	return try_wire(c, &w);
}

static void
check_mutations(const struct codec *c, enum mut_kind kind)
{
	union payload in;
	struct proto_msg m;
	struct tree t;
	struct wire w;
	int i, tried = 0, accepted = 0;

	c->c_fill(&in);
	wire_payload(&w, c, &in);
	t.t_n = 0;
	if (proto_open(&m, w.w_sb.data, w.w_sb.size) == 0) {
		tree_collect(&t, m.pm_payload, 0);
		for (i = 0; i < t.t_n; i++) {
			if (!mutable_node(t.t_node[i], t.t_depth[i], kind))
				continue;
			tried++;
			if (try_mutation(c, m.pm_payload, kind, i) == 0) {
				diag("%s: node %d accepted", c->c_name, i);
				accepted++;
			}
		}
		proto_close(&m);
	}
	ok(tried > 0 && accepted == 0, "%s: %d %s are rejected", c->c_name,
	    tried, mut_what[kind]);
	wire_end(&w);
}

static void
check_codec(const struct codec *c)
{
	check_roundtrip(c);
	check_truncated(c);
	check_trailing(c);
	check_mutations(c, MUT_TYPE);
	check_mutations(c, MUT_EXTRA);
	check_mutations(c, MUT_SHORT);
}

/* --- names and the envelope ---------------------------------------------- */

#define TYPE_NAME(t)	{ t, #t }
static const struct {
	uint32_t	 tn_type;
	const char	*tn_name;
} type_names[] = {
	TYPE_NAME(MSG_OK), TYPE_NAME(MSG_ERROR), TYPE_NAME(MSG_CTL_STATUS),
	TYPE_NAME(MSG_META_BUCKET_CREATE), TYPE_NAME(MSG_META_BUCKET_DELETE),
	TYPE_NAME(MSG_META_BUCKET_GET), TYPE_NAME(MSG_META_BUCKET_LIST),
	TYPE_NAME(MSG_META_OBJ_PUT), TYPE_NAME(MSG_META_OBJ_GET),
	TYPE_NAME(MSG_META_OBJ_DELETE), TYPE_NAME(MSG_META_OBJ_LIST),
	TYPE_NAME(MSG_CHUNK_WRITE), TYPE_NAME(MSG_CHUNK_READ),
	TYPE_NAME(MSG_CHUNK_DELETE), TYPE_NAME(MSG_META_UPLOAD_CREATE),
	TYPE_NAME(MSG_META_UPLOAD_GET), TYPE_NAME(MSG_META_UPLOAD_PART),
	TYPE_NAME(MSG_META_UPLOAD_COMPLETE), TYPE_NAME(MSG_META_UPLOAD_ABORT),
	TYPE_NAME(MSG_META_UPLOAD_PARTS), TYPE_NAME(MSG_META_UPLOAD_LIST),
};
#undef TYPE_NAME

static void
check_type_names(void)
{
	size_t i, wrong = 0;

	for (i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (strcmp(proto_type_name(type_names[i].tn_type),
		    type_names[i].tn_name) != 0) {
			diag("%u is named %s", type_names[i].tn_type,
			    proto_type_name(type_names[i].tn_type));
			wrong++;
		}
	ok(wrong == 0, "proto_type_name knows all %zu types", i);
	ok(strcmp(proto_type_name(0), "MSG_UNKNOWN") == 0 &&
	    strcmp(proto_type_name(99999), "MSG_UNKNOWN") == 0,
	    "proto_type_name of an unknown type");
}

static void
check_strings(void)
{
	struct proto_str s = proto_str_c(NULL);

	ok(s.ps_len == 0 && s.ps_ptr != NULL, "proto_str_c(NULL) is empty");
	ok(proto_str_eq(s, "") && !proto_str_eq(s, "a"),
	    "proto_str_eq on the empty string");
	s = proto_str_c("abc");
	ok(proto_str_eq(s, "abc") && !proto_str_eq(s, "ab") &&
	    !proto_str_eq(s, "abd") && !proto_str_eq(s, "abcd"),
	    "proto_str_eq compares length and bytes");
}

/* envelope_raw packs [version, type, reqid, nil] with the given fields. */
static int
envelope_try(uint64_t version, bool type_as_str, int64_t reqid, int extra)
{
	struct proto_msg m;
	struct wire w;
	int rc, i;

	msgpack_sbuffer_init(&w.w_sb);
	msgpack_packer_init(&w.w_pk, &w.w_sb, msgpack_sbuffer_write);
	msgpack_pack_array(&w.w_pk, 4 + extra);
	msgpack_pack_uint64(&w.w_pk, version);
	if (type_as_str) {
		msgpack_pack_str(&w.w_pk, 2);
		msgpack_pack_str_body(&w.w_pk, "10", 2);
	} else {
		msgpack_pack_uint32(&w.w_pk, MSG_CTL_STATUS);
	}
	msgpack_pack_int64(&w.w_pk, reqid);
	for (i = 0; i < 1 + extra; i++)
		msgpack_pack_nil(&w.w_pk);
	rc = proto_open(&m, w.w_sb.data, w.w_sb.size);
	if (rc == 0) {
		if (!proto_is_nil(m.pm_payload))
			rc = 1;
		proto_close(&m);
	}
	wire_end(&w);
	return rc;
}

static int
open_bytes(const char *bytes, size_t len)
{
	struct proto_msg m;
	int rc;

	if ((rc = proto_open(&m, bytes, len)) == 0)
		proto_close(&m);
	return rc;
}

static void
check_envelope(void)
{
	is_int(envelope_try(PROTO_VERSION, false, 1, 0), 0,
	    "a nil payload opens and proto_is_nil sees it");
	ok(!proto_is_nil(NULL), "proto_is_nil(NULL) is false");
	is_int(envelope_try(PROTO_VERSION + 1, false, 1, 0), CAIRN_EVERSION,
	    "another version is CAIRN_EVERSION");
	is_int(envelope_try(0, false, 1, 0), CAIRN_EVERSION,
	    "version 0 is CAIRN_EVERSION");
	is_int(envelope_try((uint64_t)UINT32_MAX + 1, false, 1, 0),
	    CAIRN_EPROTO, "a version over 32 bits is malformed");
	is_int(envelope_try(PROTO_VERSION, true, 1, 0), CAIRN_EPROTO,
	    "a type that is a string is rejected");
	is_int(envelope_try(PROTO_VERSION, false, -1, 0), CAIRN_EPROTO,
	    "a negative request id is rejected");
	is_int(envelope_try(PROTO_VERSION, false, 1, 1), CAIRN_EPROTO,
	    "an envelope of 5 elements is rejected");
	is_int(envelope_try(PROTO_VERSION, false, 1, -1), CAIRN_EPROTO,
	    "an envelope of 3 elements is rejected");
	is_int(open_bytes("", 0), CAIRN_EPROTO, "an empty buffer is rejected");
	is_int(open_bytes("\x01", 1), CAIRN_EPROTO,
	    "a bare integer is rejected");
	is_int(open_bytes("\xc1", 1), CAIRN_EPROTO,
	    "a byte msgpack never uses is rejected");
	is_int(open_bytes("\xdd\xff\xff\xff\xff", 5), CAIRN_EPROTO,
	    "an array header claiming 2^32-1 elements is rejected");
}

/* --- bounds -------------------------------------------------------------- */

static char *bigbuf;		/* PROTO_STRIPE + 1 bytes of 'k' */

static struct proto_str
big_str(size_t len)
{
	return bytes_str(bigbuf, len);
}

static void
check_string_bounds(void)
{
	union payload p;

	fill_name(&p);
	p.n.n_name = big_str(PROTO_BUCKETMAX);
	is_int(try_payload(&codec_name, &p), 0, "bucket name of "
	    "PROTO_BUCKETMAX bytes is accepted");
	p.n.n_name = big_str(PROTO_BUCKETMAX + 1);
	is_int(try_payload(&codec_name, &p), CAIRN_EPROTO, "msg_name: bucket "
	    "name of PROTO_BUCKETMAX+1 bytes is rejected");
	fill_bucket(&p);
	p.b.b_name = big_str(PROTO_BUCKETMAX + 1);
	is_int(try_payload(&codec_bucket, &p), CAIRN_EPROTO, "msg_bucket: "
	    "name of PROTO_BUCKETMAX+1 bytes is rejected");
	fill_obj_ref(&p);
	p.ref.r_key = big_str(PROTO_KEYMAX);
	is_int(try_payload(&codec_obj_ref, &p), 0,
	    "msg_obj_ref: key of PROTO_KEYMAX bytes is accepted");
	p.ref.r_key = big_str(PROTO_KEYMAX + 1);
	is_int(try_payload(&codec_obj_ref, &p), CAIRN_EPROTO,
	    "msg_obj_ref: key of PROTO_KEYMAX+1 bytes is rejected");
	fill_obj_ref(&p);
	p.ref.r_bucket = big_str(PROTO_BUCKETMAX + 1);
	is_int(try_payload(&codec_obj_ref, &p), CAIRN_EPROTO,
	    "msg_obj_ref: bucket of PROTO_BUCKETMAX+1 bytes is rejected");
	fill_obj_put(&p);
	p.put.p_key = big_str(PROTO_KEYMAX + 1);
	is_int(try_payload(&codec_obj_put, &p), CAIRN_EPROTO,
	    "msg_obj_put: key of PROTO_KEYMAX+1 bytes is rejected");
	fill_error(&p);
	p.e.e_message = big_str(1025);
	is_int(try_payload(&codec_error, &p), CAIRN_EPROTO,
	    "msg_error: a message of 1025 bytes is rejected");
}

static void
check_list_req_bounds(void)
{
	union payload p;

	fill_list_req(&p);
	p.lq.l_prefix = big_str(PROTO_KEYMAX + 1);
	is_int(try_payload(&codec_list_req, &p), CAIRN_EPROTO,
	    "msg_list_req: prefix of PROTO_KEYMAX+1 bytes is rejected");
	fill_list_req(&p);
	p.lq.l_start_after = big_str(PROTO_KEYMAX + 1);
	is_int(try_payload(&codec_list_req, &p), CAIRN_EPROTO,
	    "msg_list_req: start_after of PROTO_KEYMAX+1 bytes is rejected");
	fill_list_req(&p);
	p.lq.l_max_keys = PROTO_LISTMAX + 1;
	is_int(try_payload(&codec_list_req, &p), CAIRN_EPROTO,
	    "msg_list_req: max_keys of PROTO_LISTMAX+1 is rejected");
}

/* A head written in fixed sizes, then the data, is a msg_chunk_data. */
static void
check_chunk_data_head(uint32_t crc, const char *data)
{
	unsigned char buf[MSG_CHUNK_DATA_HEAD + 16];
	size_t len = strlen(data);
	struct msg_chunk_data d;
	msgpack_unpacked u;

	msg_chunk_data_head(buf, crc, (uint32_t)len);
	memcpy(buf + MSG_CHUNK_DATA_HEAD, data, len);
	msgpack_unpacked_init(&u);
	ok(msgpack_unpack_next(&u, (const char *)buf, MSG_CHUNK_DATA_HEAD +
	    len, NULL) == MSGPACK_UNPACK_SUCCESS &&
	    msg_chunk_data_unpack(&u.data, &d) == 0 && d.cd_crc == crc &&
	    d.cd_data.ps_len == len &&
	    memcmp(d.cd_data.ps_ptr, data, len) == 0,
	    "msg_chunk_data_head and %zu bytes unpack as a msg_chunk_data",
	    len);
	msgpack_unpacked_destroy(&u);
}

/* A write whose block lies in a gateway's shared stripe buffers says where. */
static void
check_chunk_arena(void)
{
	union payload in, out;
	struct proto_msg m;
	struct wire w;
	int rc, opened;

	fill_chunk_write(&in);
	in.cw.cw_arena = proto_str_c("/cairn-42-00ff");
	in.cw.cw_arena_off = (3ULL << 32) + 5;
	in.cw.cw_data.ps_len = PROTO_STRIPE;
	wire_payload(&w, &codec_chunk_write, &in);
	memset(&out, 0x5a, sizeof(out));
	if ((rc = opened = proto_open(&m, w.w_sb.data, w.w_sb.size)) == 0)
		rc = payload_unpack(m.pm_payload, PL_CHUNK_WRITE, &out);
	ok(rc == 0 && out.cw.cw_data.ps_ptr == NULL &&
	    out.cw.cw_data.ps_len == PROTO_STRIPE &&
	    str_same(out.cw.cw_arena, in.cw.cw_arena) &&
	    out.cw.cw_arena_off == in.cw.cw_arena_off &&
	    out.cw.cw_crc == in.cw.cw_crc && out.cw.cw_last &&
	    out.cw.cw_length == in.cw.cw_length,
	    "msg_chunk_write in shared buffers: name, offset and length "
	    "round-trip, and no data");
	if (opened == 0)
		proto_close(&m);
	wire_end(&w);
	in.cw.cw_data.ps_len = PROTO_STRIPE + 1;
	is_int(try_payload(&codec_chunk_write, &in), CAIRN_EPROTO,
	    "msg_chunk_write in shared buffers: PROTO_STRIPE+1 bytes rejected");
	in.cw.cw_data.ps_len = 1;
	in.cw.cw_arena = big_str(PROTO_ARENAMAX + 1);
	is_int(try_payload(&codec_chunk_write, &in), CAIRN_EPROTO,
	    "msg_chunk_write: a name of shared buffers over PROTO_ARENAMAX "
	    "is rejected");
	fill_chunk_write(&in);
	wire_payload(&w, &codec_chunk_write, &in);
	memset(&out, 0x5a, sizeof(out));
	if ((rc = opened = proto_open(&m, w.w_sb.data, w.w_sb.size)) == 0)
		rc = payload_unpack(m.pm_payload, PL_CHUNK_WRITE, &out);
	ok(rc == 0 && out.cw.cw_arena.ps_len == 0 &&
	    out.cw.cw_arena_off == 0,
	    "msg_chunk_write with its data unpacks with no shared buffers");
	if (opened == 0)
		proto_close(&m);
	wire_end(&w);
}

static void
check_chunk_bounds(void)
{
	union payload p;

	fill_chunk_write(&p);
	p.cw.cw_data = big_str(PROTO_STRIPE);
	is_int(try_payload(&codec_chunk_write, &p), 0,
	    "msg_chunk_write with PROTO_STRIPE bytes of data packs and unpacks");
	p.cw.cw_data = big_str(PROTO_STRIPE + 1);
	is_int(try_payload(&codec_chunk_write, &p), CAIRN_EPROTO,
	    "msg_chunk_write: data of PROTO_STRIPE+1 bytes is rejected");
	fill_chunk_write(&p);
	p.cw.cw_shard_idx = PROTO_SHARDMAX;
	is_int(try_payload(&codec_chunk_write, &p), CAIRN_EPROTO,
	    "msg_chunk_write: shard index PROTO_SHARDMAX is rejected");
	fill_chunk_write(&p);
	p.cw.cw_block_size = PROTO_STRIPE + 1;
	is_int(try_payload(&codec_chunk_write, &p), CAIRN_EPROTO,
	    "msg_chunk_write: block size over PROTO_STRIPE is rejected");
	fill_chunk_data(&p);
	p.cd.cd_data = big_str(PROTO_STRIPE);
	is_int(try_payload(&codec_chunk_data, &p), 0,
	    "msg_chunk_data: data of PROTO_STRIPE bytes is accepted");
	p.cd.cd_data = big_str(PROTO_STRIPE + 1);
	is_int(try_payload(&codec_chunk_data, &p), CAIRN_EPROTO,
	    "msg_chunk_data: data of PROTO_STRIPE+1 bytes is rejected");
	check_chunk_data_head(0x01020304, "hello");
	check_chunk_data_head(7, "");
}

static void
check_error_codes(void)
{
	union payload p;

	fill_error(&p);
	p.e.e_code = -(int32_t)EIO;
	is_int(try_payload(&codec_error, &p), 0,
	    "msg_error: an errno code is accepted");
	p.e.e_code = INT32_MIN;
	is_int(try_payload(&codec_error, &p), 0,
	    "msg_error: INT32_MIN is accepted");
	p.e.e_code = 5;
	is_int(try_payload(&codec_error, &p), CAIRN_EPROTO,
	    "msg_error: a positive code is rejected");
	p.e.e_code = 0;
	is_int(try_payload(&codec_error, &p), CAIRN_EPROTO,
	    "msg_error: code 0 is rejected");
}

static void
pack_cstr(msgpack_packer *pk, const char *s)
{
	msgpack_pack_str(pk, strlen(s));
	msgpack_pack_str_body(pk, s, strlen(s));
}

static void
pack_bytes(msgpack_packer *pk, const void *p, size_t len)
{
	msgpack_pack_bin(pk, len);
	msgpack_pack_bin_body(pk, p, len);
}

/*
 * pack_objrec_raw packs an erasure-coded record with any counts, including
 * more drives or headers than struct msg_objrec can hold.
 */
static void
pack_objrec_raw(msgpack_packer *pk, uint32_t ndrives, uint8_t k, uint8_t m,
    uint32_t nhdrs)
{
	uint8_t zero[PROTO_IDLEN] = { 0 };
	uint32_t i;

	msgpack_pack_array(pk, 11);
	msgpack_pack_uint64(pk, 1000);
	msgpack_pack_uint64(pk, 1);
	pack_bytes(pk, zero, 16);
	msgpack_pack_false(pk);
	pack_bytes(pk, zero, 0);
	pack_bytes(pk, zero, PROTO_IDLEN);
	msgpack_pack_uint8(pk, k);
	msgpack_pack_uint8(pk, m);
	msgpack_pack_uint32(pk, 4096);
	msgpack_pack_array(pk, ndrives);
	for (i = 0; i < ndrives; i++)
		pack_cstr(pk, "d");
	msgpack_pack_array(pk, 2 * nhdrs);
	for (i = 0; i < 2 * nhdrs; i++)
		pack_cstr(pk, "h");
}

static int
try_objrec_raw(uint32_t ndrives, uint8_t k, uint8_t m, uint32_t nhdrs)
{
	struct wire w;

	wire_begin(&w, MSG_OK);
	pack_objrec_raw(&w.w_pk, ndrives, k, m, nhdrs);
	return try_wire(&codec_objrec_ec, &w);
}

static void
check_objrec_counts(void)
{
	is_int(try_objrec_raw(16, 12, 4, PROTO_HDRMAX), 0,
	    "msg_objrec: 16 drives and PROTO_HDRMAX headers are accepted");
	is_int(try_objrec_raw(17, 9, 8, 0), CAIRN_EPROTO,
	    "msg_objrec: 17 drives are rejected");
	is_int(try_objrec_raw(16, 12, 4, PROTO_HDRMAX + 1), CAIRN_EPROTO,
	    "msg_objrec: PROTO_HDRMAX+1 headers are rejected");
	is_int(try_objrec_raw(5, 4, 2, 0), CAIRN_EPROTO,
	    "msg_objrec: fewer drives than k+m are rejected");
	is_int(try_objrec_raw(0, 0, 0, 0), CAIRN_EPROTO,
	    "msg_objrec: erasure coded with k = 0 is rejected");
	is_int(try_objrec_raw(4, 2, 17, 0), CAIRN_EPROTO,
	    "msg_objrec: m over PROTO_SHARDMAX is rejected");
}

/* A bucket stored before PROTO_VERSION 5 has only a name and a time. */
static void
check_bucket_legacy(void)
{
	struct msg_bucket b;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	msgpack_unpacked u;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 2);
	msgpack_pack_str(&pk, 3);
	msgpack_pack_str_body(&pk, "old", 3);
	msgpack_pack_uint64(&pk, 42);
	msgpack_unpacked_init(&u);
	memset(&b, 0x5a, sizeof(b));
	ok(msgpack_unpack_next(&u, sb.data, sb.size, NULL) ==
	    MSGPACK_UNPACK_SUCCESS && msg_bucket_unpack(&u.data, &b) == 0 &&
	    proto_str_eq(b.b_name, "old") && b.b_created_ns == 42 &&
	    b.b_owner.ps_len == 0 && b.b_versioning == BUCKET_VER_OFF &&
	    !b.b_object_lock && b.b_acl == BUCKET_ACL_PRIVATE,
	    "msg_bucket: a two-field record reads with default settings");
	msgpack_unpacked_destroy(&u);
	msgpack_sbuffer_destroy(&sb);
}

static void
check_objrec_fields(void)
{
	union payload p;

	fill_objrec_inline(&p);
	p.r.or_size = 10;
	is_int(try_payload(&codec_objrec_inline, &p), CAIRN_EPROTO,
	    "msg_objrec: inline data shorter than the size is rejected");
	p.r.or_size = 12;
	is_int(try_payload(&codec_objrec_inline, &p), CAIRN_EPROTO,
	    "msg_objrec: inline data longer than the size is rejected");
	fill_objrec_ec(&p);
	p.r.or_block_size = 0;
	is_int(try_payload(&codec_objrec_ec, &p), CAIRN_EPROTO,
	    "msg_objrec: erasure coded with block size 0 is rejected");
	fill_objrec_ec(&p);
	p.r.or_drives[3] = big_str(PROTO_NAMEMAX + 1);
	is_int(try_payload(&codec_objrec_ec, &p), CAIRN_EPROTO,
	    "msg_objrec: a drive name of PROTO_NAMEMAX+1 bytes is rejected");
	fill_objrec_ec(&p);
	p.r.or_hdr_value[1] = big_str(PROTO_HDRLEN);
	is_int(try_payload(&codec_objrec_ec, &p), 0,
	    "msg_objrec: a header value of PROTO_HDRLEN bytes is accepted");
	p.r.or_hdr_value[1] = big_str(PROTO_HDRLEN + 1);
	is_int(try_payload(&codec_objrec_ec, &p), CAIRN_EPROTO,
	    "msg_objrec: a header value of PROTO_HDRLEN+1 bytes is rejected");
}

/* try_mp packs a multipart record changed by change and unpacks it. */
static int
try_mp(void (*change)(union payload *))
{
	union payload p;

	fill_objrec_mp(&p);
	change(&p);
	return try_payload(&codec_objrec_mp, &p);
}

static void
mp_out_of_order(union payload *p)
{
	sample_parts[1].op_number = 1;
}

static void
mp_size_off(union payload *p)
{
	p->r.or_size++;
}

static void
mp_no_layout(union payload *p)
{
	p->r.or_k = p->r.or_m = 0;
}

static void
mp_all_inline(union payload *p)
{
	p->r.or_k = p->r.or_m = 0;
	p->r.or_nparts = 1;
	p->r.or_parts = &sample_parts[2];
	p->r.or_size = sample_parts[2].op_size;
}

static void
mp_inline_rec(union payload *p)
{
	p->r.or_inline = true;
}

/* check_optional: a message with its optional last elements. */
static void
check_optional(const struct codec *c)
{
	check_roundtrip(c);
	check_truncated(c);
	check_trailing(c);
	check_mutations(c, MUT_TYPE);
	check_mutations(c, MUT_EXTRA);
}

/* check_multipart_objrec: the record with parts, and what it refuses. */
static void
check_multipart_objrec(void)
{
	union payload p;
	struct wire w;
	struct proto_msg m;

	check_roundtrip(&codec_objrec_mp);
	check_truncated(&codec_objrec_mp);
	check_trailing(&codec_objrec_mp);
	check_mutations(&codec_objrec_mp, MUT_TYPE);
	check_mutations(&codec_objrec_mp, MUT_EXTRA);
	check_optional(&codec_upload_complete_hdrs);
	check_optional(&codec_part_list_reply_ck);
	is_int(try_mp(mp_out_of_order), CAIRN_EPROTO,
	    "msg_objrec: parts out of order are rejected");
	is_int(try_mp(mp_size_off), CAIRN_EPROTO,
	    "msg_objrec: parts that do not add up to the size are rejected");
	is_int(try_mp(mp_no_layout), CAIRN_EPROTO,
	    "msg_objrec: a coded part without a layout is rejected");
	is_int(try_mp(mp_all_inline), 0,
	    "msg_objrec: inline parts need no layout");
	is_int(try_mp(mp_inline_rec), CAIRN_EPROTO,
	    "msg_objrec: an inline record with parts is rejected");
	fill_objrec_ec(&p);
	wire_payload(&w, &codec_objrec_ec, &p);
	ok(proto_open(&m, w.w_sb.data, w.w_sb.size) == 0 &&
	    m.pm_payload->via.array.size == 11,
	    "msg_objrec: a single PUT's record keeps its 11 fields");
	proto_close(&m);
	wire_end(&w);
}

static int
try_status_raw(uint32_t nstats)
{
	struct wire w;
	uint32_t i;

	wire_begin(&w, MSG_OK);
	msgpack_pack_array(&w.w_pk, 5);
	pack_cstr(&w.w_pk, "metad");
	pack_cstr(&w.w_pk, "1.0");
	msgpack_pack_uint64(&w.w_pk, 1);
	msgpack_pack_uint64(&w.w_pk, 2);
	msgpack_pack_array(&w.w_pk, 2 * nstats);
	for (i = 0; i < nstats; i++) {
		pack_cstr(&w.w_pk, "n");
		msgpack_pack_uint64(&w.w_pk, i);
	}
	return try_wire(&codec_status, &w);
}

/* try_list_reply packs a reply with nent entries and npfx prefixes. */
static int
try_list_reply(uint32_t nent, uint32_t npfx)
{
	struct msg_list_entry *ents;
	struct proto_str *pfx;
	union payload p;
	uint32_t i;
	int rc;

	if ((ents = calloc(nent, sizeof(*ents))) == NULL ||
	    (pfx = calloc(npfx, sizeof(*pfx))) == NULL)
		abort();
	for (i = 0; i < nent; i++)
		ents[i].le_key = proto_str_c("k");
	for (i = 0; i < npfx; i++)
		pfx[i] = proto_str_c("p/");
	memset(&p, 0, sizeof(p));
	p.lr.lr_entries = ents;
	p.lr.lr_nentries = nent;
	p.lr.lr_prefixes = pfx;
	p.lr.lr_nprefixes = npfx;
	rc = try_payload(&codec_list_reply, &p);
	free(ents);
	free(pfx);
	return rc;
}

static void
check_list_counts(void)
{
	is_int(try_status_raw(PROTO_STATMAX), 0,
	    "msg_status: PROTO_STATMAX counters are accepted");
	is_int(try_status_raw(PROTO_STATMAX + 1), CAIRN_EPROTO,
	    "msg_status: PROTO_STATMAX+1 counters are rejected");
	is_int(try_list_reply(PROTO_LISTMAX - 400, 400), 0,
	    "msg_list_reply: PROTO_LISTMAX entries and prefixes are accepted");
	is_int(try_list_reply(PROTO_LISTMAX - 400, 401), CAIRN_EPROTO,
	    "msg_list_reply: PROTO_LISTMAX+1 prefixes and entries are rejected");
	is_int(try_list_reply(PROTO_LISTMAX + 1, 0), CAIRN_EPROTO,
	    "msg_list_reply: PROTO_LISTMAX+1 entries are rejected");
	is_int(try_list_reply(0, 0), 0,
	    "msg_list_reply: an empty page is accepted");
}

/* --- RPC over nng ipc ---------------------------------------------------- */

/* The test server's state: a call counter its status callback reports. */
struct echo_env {
	atomic_int	 ee_calls;
};

/* echo_write echoes a chunk write's data; block_no is ms to sleep first. */
static int
echo_write(const struct proto_msg *req, msgpack_packer *reply)
{
	struct msg_chunk_write w;
	struct msg_chunk_data d;

	if (msg_chunk_write_unpack(req->pm_payload, &w) != 0)
		return CAIRN_EPROTO;
	if (w.cw_block_no > 0)
		usleep(w.cw_block_no * 1000);
	d.cd_crc = w.cw_crc;
	d.cd_data = w.cw_data;
	msg_chunk_data_pack(reply, &d);
	return 0;
}

static int
echo_dispatch(void *arg, const struct proto_msg *req, msgpack_packer *reply)
{
	struct echo_env *env = arg;

	atomic_fetch_add(&env->ee_calls, 1);
	switch (req->pm_type) {
	case MSG_CHUNK_WRITE:
		return echo_write(req, reply);
	case MSG_CHUNK_READ:
		/* Something packed before an error must not reach the client. */
		msgpack_pack_nil(reply);
		return CAIRN_ECHECKSUM;
	default:
		return CAIRN_EMSGTYPE;
	}
}

static void
echo_status(void *arg, struct msg_status *st)
{
	struct echo_env *env = arg;

	st->st_stat_name[st->st_nstats] = proto_str_c("calls");
	st->st_stat_value[st->st_nstats++] =
	    (uint64_t)atomic_load(&env->ee_calls);
}

static void
write_fill(struct msg_chunk_write *w, const void *data, size_t len,
    uint32_t sleep_ms)
{
	memset(w, 0, sizeof(*w));
	fill_bytes(w->cw_id, sizeof(w->cw_id), 9);
	w->cw_block_size = PROTO_STRIPE;
	w->cw_block_no = sleep_ms;
	w->cw_crc = (uint32_t)len ^ 0x5a5a5a5a;
	w->cw_data = bytes_str(data, len);
}

/* reply_echoes checks that a finished call's reply carries w's data back. */
static int
reply_echoes(const struct rpc_call *c, const struct msg_chunk_write *w)
{
	struct msg_chunk_data d;

	if (msg_chunk_data_unpack(c->rc_reply.pm_payload, &d) != 0 ||
	    d.cd_crc != w->cw_crc || !str_same(d.cd_data, w->cw_data))
		return 1;
	return 0;
}

/* call_echo sends len bytes of data and returns 0 if they come back. */
static int
call_echo(struct rpc_client *cl, const void *data, size_t len)
{
	struct msg_chunk_write w;
	struct rpc_call c;
	int rc;

	write_fill(&w, data, len, 0);
	if ((rc = rpc_call_init(&c, cl, MSG_CHUNK_WRITE)) == 0) {
		msg_chunk_write_pack(rpc_call_packer(&c), &w);
		rc = rpc_call_run(&c);
	}
	if (rc == 0)
		rc = reply_echoes(&c, &w);
	rpc_call_fini(&c);
	return rc;
}

/* call_nil sends a nil payload of type (or no payload at all). */
static int
call_nil(struct rpc_client *cl, uint32_t type, bool payload)
{
	struct rpc_call c;
	int rc;

	if ((rc = rpc_call_init(&c, cl, type)) == 0) {
		if (payload)
			proto_pack_nil(rpc_call_packer(&c));
		rc = rpc_call_run(&c);
	}
	rpc_call_fini(&c);
	return rc;
}

static void
check_rpc_status(struct rpc_client *cl)
{
	struct msg_status st;
	struct rpc_call c;
	int rc;

	memset(&st, 0, sizeof(st));
	if ((rc = rpc_call_init(&c, cl, MSG_CTL_STATUS)) == 0) {
		proto_pack_nil(rpc_call_packer(&c));
		rc = rpc_call_run(&c);
	}
	is_int(rc, 0, "MSG_CTL_STATUS is answered by the library");
	if (rc == 0)
		rc = msg_status_unpack(c.rc_reply.pm_payload, &st);
	ok(rc == 0 && proto_str_eq(st.st_daemon, "test-rpc") &&
	    proto_str_eq(st.st_version, PACKAGE_VERSION) &&
	    st.st_pid == (uint64_t)getpid() && st.st_uptime_s < 3600,
	    "status names the daemon, version and pid");
	ok(rc == 0 && st.st_nstats == 1 &&
	    proto_str_eq(st.st_stat_name[0], "calls") &&
	    st.st_stat_value[0] > 0,
	    "status carries the daemon's counters");
	rpc_call_fini(&c);
}

static void
check_rpc_errors(struct rpc_client *cl)
{
	union payload p;
	struct rpc_call c;
	int rc;

	fill_chunk_read(&p);
	if ((rc = rpc_call_init(&c, cl, MSG_CHUNK_READ)) == 0) {
		msg_chunk_read_pack(rpc_call_packer(&c), &p.cr);
		rc = rpc_call_run(&c);
	}
	rpc_call_fini(&c);
	is_int(rc, CAIRN_ECHECKSUM, "a handler's error code comes back");
	is_int(call_nil(cl, 4242, true), CAIRN_EMSGTYPE,
	    "an unhandled type comes back as CAIRN_EMSGTYPE");
	is_int(call_nil(cl, MSG_CHUNK_WRITE, true), CAIRN_EPROTO,
	    "a payload the handler cannot unpack is CAIRN_EPROTO");
	is_int(call_nil(cl, MSG_CHUNK_WRITE, false), CAIRN_EPROTO,
	    "a request without payload is CAIRN_EPROTO");
}

/* check_rpc_inflight sends NINFLIGHT slow calls, then waits for each. */
static void
check_rpc_inflight(struct rpc_client *cl)
{
	struct msg_chunk_write w[NINFLIGHT];
	struct rpc_call c[NINFLIGHT];
	uint8_t data[NINFLIGHT][100];
	uint64_t start;
	int i, bad = 0;

	start = util_mono_ms();
	for (i = 0; i < NINFLIGHT; i++) {
		fill_bytes(data[i], sizeof(data[i]), 100 + i);
		write_fill(&w[i], data[i], 10 + i * 10, SLEEP_MS);
		if (rpc_call_init(&c[i], cl, MSG_CHUNK_WRITE) == 0)
			msg_chunk_write_pack(rpc_call_packer(&c[i]), &w[i]);
		rpc_call_send(&c[i]);
	}
	for (i = 0; i < NINFLIGHT; i++) {
		if (rpc_call_wait(&c[i]) != 0 || reply_echoes(&c[i], &w[i]))
			bad++;
		rpc_call_fini(&c[i]);
	}
	is_int(bad, 0, "%d calls in flight each get their own reply",
	    NINFLIGHT);
	ok(util_mono_ms() - start < (uint64_t)NINFLIGHT * SLEEP_MS * 3 / 4,
	    "the calls were served in parallel (%llu ms for %d x %d ms)",
	    (unsigned long long)(util_mono_ms() - start), NINFLIGHT, SLEEP_MS);
}

static void
wait_connected(struct rpc_client *cl)
{
	uint64_t start = util_mono_ms();

	while (!rpc_client_connected(cl) && util_mono_ms() - start < TIMEOUT_MS)
		usleep(10 * 1000);
}

static void
check_rpc_oversize(struct rpc_client *cl, const void *data)
{
	uint64_t start, took;
	int rc;

	start = util_mono_ms();
	rc = call_echo(cl, data, PROTO_MSGMAX + 8192);
	took = util_mono_ms() - start;
	ok(rc != 0 && rc != 1 && took < TIMEOUT_MS,
	    "a message over PROTO_MSGMAX fails within the timeout "
	    "(%s after %llu ms)", cairn_strerror(rc), (unsigned long long)took);
	wait_connected(cl);
	is_int(call_echo(cl, data, 10), 0,
	    "the client reconnects and works after that");
}

/* check_rpc_unreachable calls a URL where nothing listens. */
static void
check_rpc_unreachable(const char *dir)
{
	struct rpc_client *cl = NULL;
	char url[PATH_MAX + 16];
	uint64_t start;
	int rc;

	snprintf(url, sizeof(url), "ipc://%s/nobody.sock", dir);
	is_int(rpc_client_open(&cl, url, TIMEOUT_MS), 0,
	    "a client opens while its peer is down");
	ok(cl != NULL && !rpc_client_connected(cl) &&
	    strcmp(rpc_client_url(cl), url) == 0,
	    "it knows its URL and is not connected");
	start = util_mono_ms();
	rc = call_echo(cl, "x", 1);
	is_int(rc, CAIRN_EUNAVAIL, "a call to it is CAIRN_EUNAVAIL");
	ok(util_mono_ms() - start < 500, "and fails fast (%llu ms)",
	    (unsigned long long)(util_mono_ms() - start));
	rpc_client_close(cl);
	cl = NULL;
	is_int(rpc_client_open(&cl, "bogus://nowhere", TIMEOUT_MS), CAIRN_EINVAL,
	    "a bad URL is CAIRN_EINVAL");
}

/* leave_stale_socket binds a socket at path and closes it, like a crash. */
static int
leave_stale_socket(const char *path)
{
	struct sockaddr_un sun;
	int fd, rc;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return -1;
	memcpy(sun.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return -1;
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	close(fd);
	return rc;
}

static void
check_rpc_calls(struct rpc_client *cl, const char *dir)
{
	uint8_t *big;

	if ((big = malloc(PROTO_MSGMAX + 8192)) == NULL)
		abort();
	fill_bytes(big, PROTO_MSGMAX + 8192, 7);
	ok(rpc_client_connected(cl), "the client is connected on return");
	is_int(call_echo(cl, big, 1000), 0, "a chunk write is echoed");
	is_int(call_echo(cl, big, PROTO_STRIPE), 0,
	    "a full PROTO_STRIPE of data goes through and back");
	is_int(call_echo(cl, big, 0), 0, "empty data goes through");
	check_rpc_errors(cl);
	check_rpc_status(cl);
	check_rpc_inflight(cl);
	check_rpc_oversize(cl, big);
	check_rpc_unreachable(dir);
	free(big);
}

/*
 * check_rpc_second_server starts a second server on the URL of a running
 * one: it must be refused, and the first one must go on accepting clients.
 */
static void
check_rpc_second_server(const char *url, struct echo_env *env)
{
	struct rpc_server srv2;
	struct rpc_client *cl = NULL;

	ok(rpc_server_start(&srv2, "test-rpc2", url, 1, echo_dispatch, NULL,
	    env) != 0, "a second server on a live socket is refused");
	if (rpc_client_open(&cl, url, TIMEOUT_MS) != 0)
		cl = NULL;
	is_int(cl != NULL ? call_echo(cl, "abc", 3) : -1, 0,
	    "the first server still serves new clients after that");
	rpc_client_close(cl);
}

static void
check_rpc(void)
{
	char dir[] = "/tmp/cairn-test-proto.XXXXXX", url[PATH_MAX + 16];
	char path[PATH_MAX];
	struct rpc_server srv;
	struct rpc_client *cl = NULL;
	struct echo_env env;

	atomic_init(&env.ee_calls, 0);
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/rpc.sock", dir);
	snprintf(url, sizeof(url), "ipc://%s", path);
	ok(leave_stale_socket(path) == 0 && access(path, F_OK) == 0,
	    "a stale socket file is left behind");
	is_int(rpc_server_start(&srv, "test-rpc", url, NWORKERS, echo_dispatch,
	    echo_status, &env), 0, "the server starts over a stale socket");
is_int(rpc_client_open(&cl, url, TIMEOUT_MS), 0, "the client opens");
	if (cl != NULL)
		check_rpc_calls(cl, dir);
	check_rpc_second_server(url, &env);
	rpc_server_stop(&srv);
	rpc_client_close(cl);
	unlink(path);
	ok(rmdir(dir) == 0, "the temp dir is removed");
}

/* --- main ---------------------------------------------------------------- */

#define NFIXED	(2 + 3 + 13 + 8 + 3 + 6 + 4 + 6 + 6 + 6 + 12 + 1 + 2 * 6 + 2 + 4)
#define NRPC	(4 + 4 + 4 + 3 + 2 + 2 + 5 + 2)

int
main(void)
{
	size_t i;

	if ((bigbuf = malloc(PROTO_STRIPE + 1)) == NULL)
		abort();
	memset(bigbuf, 'k', PROTO_STRIPE + 1);
	plan((int)(NCODECS * CODEC_CHECKS) + NFIXED + NRPC);
	for (i = 0; i < NCODECS; i++)
		check_codec(codecs[i]);
	check_type_names();
	check_strings();
	check_envelope();
	check_string_bounds();
	check_list_req_bounds();
	check_chunk_bounds();
	check_chunk_arena();
	check_error_codes();
	check_objrec_counts();
	check_objrec_fields();
	check_bucket_legacy();
	check_multipart_objrec();
	check_list_counts();
	check_rpc();
	free(bigbuf);
	nng_fini();	/* joins nng's own threads: no leak for valgrind */
	return tap_done();
}
