/* backend.c - gatewayd's calls to metad and to the chunkd of every drive */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "crc.h"
#include "errors.h"
#include "gatewayd.h"
#include "log.h"
#include "shard.h"
#include "util.h"

static void backend_trash_delete(void *, const struct trash_item *);

uint32_t
backend_block_size(const struct backend *be)
{
	return (PROTO_STRIPE + (uint32_t)be->be_k - 1) / (uint32_t)be->be_k;
}

/* put_buffer_bytes is the size of a PUT's stripe buffer: k data blocks
 * then m parity blocks. */
static size_t
put_buffer_bytes(const struct backend *be)
{
	return (size_t)(be->be_k + be->be_m) * backend_block_size(be);
}

/*
 * backend_arena_open sets up the shared stripe buffers, if configured,
 * and marks the drives that cannot read them: those not on this host.
 * Without the buffers uploads send copies, so a failure is only logged.
 */
static void
backend_arena_open(struct backend *be, const struct conf *conf)
{
	uint64_t n = conf->c_gw_shared_memory / put_buffer_bytes(be);
	int i;

	for (i = 0; i < be->be_ndrives; i++)
		atomic_store(&be->be_arena_copy[i],
		    strncmp(conf->c_drives[i].cd_listen, "ipc://", 6) != 0);
	if (n == 0)
		return;
	if (arena_create(&be->be_arena, put_buffer_bytes(be),
	    n > UINT32_MAX ? UINT32_MAX : (uint32_t)n) != 0)
		log_warnx("no shared stripe buffers: uploads send copies");
	else
		log_info("%u shared stripe buffers in %s",
		    be->be_arena.ar_nslots, be->be_arena.ar_name);
}

int
backend_open(struct backend *be, const struct conf *conf)
{
	int i, rc;

	memset(be, 0, sizeof(*be));
	be->be_arena.ar_fd = -1;	/* none, for backend_close */
	be->be_conf = conf;
	be->be_ndrives = conf->c_ndrives;
	be->be_m = conf_parity(conf);
	be->be_k = be->be_ndrives - be->be_m;
	if ((rc = ec_init(&be->be_ec, be->be_k, be->be_m)) != 0)
		return rc;
	if ((rc = bcache_init(&be->be_bcache)) != 0 ||
	    (rc = rcache_init(&be->be_rcache, conf->c_metad_listen,
	    conf->c_gw_record_cache)) != 0)
		return rc;
	if ((rc = memcap_init(&be->be_memcap, conf->c_gw_max_memory,
	    conf->c_gw_max_memory_wait_ms)) != 0)
		return rc;
	if ((rc = md5mb_init(&be->be_md5mb)) != 0)
		return rc;
	backend_arena_open(be, conf);
	rc = rpc_client_open(&be->be_metad, conf->c_metad_listen,
	    conf->c_rpc_timeout_ms);
	if (rc == 0)
		rc = rpc_client_batch(be->be_metad, PROTO_BATCH_READ,
		    conf->c_gw_rpc_batch, conf->c_gw_rpc_inflight);
	if (rc == 0)
		rc = rpc_client_batch(be->be_metad, PROTO_BATCH_WRITE,
		    conf->c_gw_rpc_wbatch, conf->c_gw_rpc_winflight);
	/* Small reads share messages to a drive as reads to metad do; only
	 * the event loop's are small (shard_read_send_cb). */
	for (i = 0; rc == 0 && i < be->be_ndrives; i++) {
		rc = rpc_client_open(&be->be_chunk[i],
		    conf->c_drives[i].cd_listen, conf->c_rpc_timeout_ms);
		if (rc == 0)
			rc = rpc_client_batch(be->be_chunk[i],
			    PROTO_BATCH_READ, conf->c_gw_rpc_batch,
			    conf->c_gw_rpc_inflight);
	}
	if (rc == 0)
		rc = rpc_client_open(&be->be_scrubd, conf->c_scrub_listen,
		    SCRUB_HINT_TIMEOUT_MS);
	if (rc == 0)
		rc = trash_start(&be->be_trash,
		    (uint64_t)conf->c_gw_delete_delay_s * 1000, BACKEND_TRASHMAX,
		    backend_trash_delete, be);
	if (rc != 0)
		backend_close(be);
	return rc;
}

void
backend_close(struct backend *be)
{
	int i;

	trash_stop(&be->be_trash);	/* needs the chunkd clients */
	rpc_client_close(be->be_metad);
	be->be_metad = NULL;
	rpc_client_close(be->be_scrubd);
	be->be_scrubd = NULL;
	for (i = 0; i < be->be_ndrives; i++) {
		rpc_client_close(be->be_chunk[i]);
		be->be_chunk[i] = NULL;
	}
	ec_free(&be->be_ec);
	arena_destroy(&be->be_arena);
	if (be->be_md5mb.mm_started)
		md5mb_fini(&be->be_md5mb);
	bcache_free(be->be_bcache);
	be->be_bcache = NULL;
	rcache_free(be->be_rcache);
	be->be_rcache = NULL;
}

int
backend_quorum(const struct backend *be)
{
	return be->be_k == be->be_m ? be->be_k + 1 : be->be_k;
}

/* --- metadata ------------------------------------------------------------------ */

/* meta_name_call runs a request whose payload is one name and whose
 * reply the caller reads from c. */
static int
meta_name_call(struct backend *be, struct rpc_call *c, uint32_t type,
    struct proto_str name)
{
	struct msg_name n = { name };
	int rc;

	if ((rc = rpc_call_init(c, be->be_metad, type)) != 0)
		return rc;
	msg_name_pack(rpc_call_packer(c), &n);
	return rpc_call_run(c);
}

int
backend_bucket_create(struct backend *be, const struct msg_bucket *b)
{
	struct rpc_call c;
	int rc;

	if ((rc = rpc_call_init(&c, be->be_metad,
	    MSG_META_BUCKET_CREATE)) == 0) {
		msg_bucket_pack(rpc_call_packer(&c), b);
		rc = rpc_call_run(&c);
	}
	rpc_call_fini(&c);
	bcache_forget(be->be_bcache, b->b_name);
	return rc;
}

int
backend_bucket_delete(struct backend *be, struct proto_str name)
{
	struct rpc_call c;
	int rc;

	rc = meta_name_call(be, &c, MSG_META_BUCKET_DELETE, name);
	rpc_call_fini(&c);
	bcache_forget(be->be_bcache, name);
	return rc;
}

int
backend_bucket_info(struct backend *be, struct proto_str name,
    struct backend_bucket *bi)
{
	struct msg_bucket b;
	struct rpc_call c;
	uint64_t gen;
	int rc;

	memset(bi, 0, sizeof(*bi));
	if (bcache_get(be->be_bcache, name, bi, &gen))
		return 0;
	if ((rc = meta_name_call(be, &c, MSG_META_BUCKET_GET, name)) == 0)
		rc = msg_bucket_unpack(c.rc_reply.pm_payload, &b);
	if (rc == 0 && (b.b_name.ps_len > PROTO_BUCKETMAX ||
	    b.b_owner.ps_len > PROTO_OWNERMAX))
		rc = CAIRN_EPROTO;
	if (rc == 0) {
		bcache_put(be->be_bcache, &b, gen);
		bi->bb_rec = b;
		memcpy(bi->bb_name, b.b_name.ps_ptr, b.b_name.ps_len);
		memcpy(bi->bb_owner, b.b_owner.ps_ptr, b.b_owner.ps_len);
		bi->bb_rec.b_name = proto_str_c(bi->bb_name);
		bi->bb_rec.b_owner = proto_str_c(bi->bb_owner);
	}
	rpc_call_fini(&c);
	return rc;
}

int
backend_bucket_get(struct backend *be, struct proto_str name,
    struct msg_bucket *b)
{
	struct backend_bucket bi;
	int rc;

	rc = backend_bucket_info(be, name, &bi);
	*b = bi.bb_rec;
	b->b_name = name;
	b->b_owner.ps_len = 0;
	return rc;
}

int
backend_bucket_set(struct backend *be, struct rpc_call *c,
    const struct msg_bucket_set *bs, struct msg_bucket *b)
{
	int rc;

	memset(b, 0, sizeof(*b));
	if ((rc = rpc_call_init(c, be->be_metad, MSG_META_BUCKET_SET)) != 0)
		return rc;
	msg_bucket_set_pack(rpc_call_packer(c), bs);
	rc = rpc_call_run(c);
	/* Forgotten whatever the outcome: metad may have made the change. */
	bcache_forget(be->be_bcache, bs->bs_bucket.b_name);
	if (rc != 0)
		return rc;
	return msg_bucket_unpack(c->rc_reply.pm_payload, b);
}

int
backend_bconf(struct backend *be, struct rpc_call *c, uint32_t type,
    struct msg_bconf *bc)
{
	int rc;

	if ((rc = rpc_call_init(c, be->be_metad, type)) != 0)
		return rc;
	msg_bconf_pack(rpc_call_packer(c), bc);
	if ((rc = rpc_call_run(c)) != 0 || type != MSG_META_BCONF_GET)
		return rc;
	return msg_bconf_unpack(c->rc_reply.pm_payload, bc);
}

int
backend_bucket_list(struct backend *be, struct rpc_call *c,
    struct msg_bucket_list *bl)
{
	int rc;

	if ((rc = rpc_call_init(c, be->be_metad, MSG_META_BUCKET_LIST)) != 0)
		return rc;
	proto_pack_nil(rpc_call_packer(c));
	if ((rc = rpc_call_run(c)) != 0)
		return rc;
	return msg_bucket_list_unpack(c->rc_reply.pm_payload, bl);
}

int
backend_obj_get(struct backend *be, struct rpc_call *c, struct proto_str bucket,
    struct proto_str key, struct msg_objrec *rec)
{
	struct msg_obj_ref ref = { bucket, key };
	int rc;

	if ((rc = rpc_call_init(c, be->be_metad, MSG_META_OBJ_GET)) != 0)
		return rc;
	msg_obj_ref_pack(rpc_call_packer(c), &ref);
	if ((rc = rpc_call_run(c)) != 0)
		return rc;
	return msg_objrec_unpack(c->rc_reply.pm_payload, rec);
}

/* old_record reads a reply that is either nil or the replaced record. */
static int
old_record(struct rpc_call *c, struct msg_objrec *old, bool *has_old)
{
	*has_old = !proto_is_nil(c->rc_reply.pm_payload);
	if (!*has_old)
		return 0;
	return msg_objrec_unpack(c->rc_reply.pm_payload, old);
}

int
backend_obj_put(struct backend *be, struct rpc_call *c,
    const struct msg_obj_put *p, struct msg_objrec *old, bool *has_old)
{
	int rc;

	*has_old = false;
	if ((rc = rpc_call_init(c, be->be_metad, MSG_META_OBJ_PUT)) != 0)
		return rc;
	msg_obj_put_pack(rpc_call_packer(c), p);
	if ((rc = rpc_call_run(c)) != 0)
		return rc;
	return old_record(c, old, has_old);
}

int
backend_obj_delete(struct backend *be, struct rpc_call *c,
    struct proto_str bucket, struct proto_str key, struct msg_objrec *old,
    bool *has_old)
{
	struct msg_obj_ref ref = { bucket, key };
	int rc;

	*has_old = false;
	if ((rc = rpc_call_init(c, be->be_metad, MSG_META_OBJ_DELETE)) != 0)
		return rc;
	msg_obj_ref_pack(rpc_call_packer(c), &ref);
	if ((rc = rpc_call_run(c)) != 0)
		return rc;
	return old_record(c, old, has_old);
}

int
backend_obj_set_tags(struct backend *be, struct proto_str bucket,
    struct proto_str key, struct proto_str tags)
{
	struct msg_obj_tags t = { bucket, key, tags };
	struct rpc_call c;
	int rc;

	if ((rc = rpc_call_init(&c, be->be_metad,
	    MSG_META_OBJ_SET_TAGS)) == 0) {
		msg_obj_tags_pack(rpc_call_packer(&c), &t);
		rc = rpc_call_run(&c);
	}
	rpc_call_fini(&c);
	return rc;
}

int
backend_obj_list(struct backend *be, struct rpc_call *c,
    const struct msg_list_req *l, struct msg_list_reply *lr)
{
	int rc;

	memset(lr, 0, sizeof(*lr));
	if ((rc = rpc_call_init(c, be->be_metad, MSG_META_OBJ_LIST)) != 0)
		return rc;
	msg_list_req_pack(rpc_call_packer(c), l);
	if ((rc = rpc_call_run(c)) != 0)
		return rc;
	return msg_list_reply_unpack(c->rc_reply.pm_payload, lr);
}

/* --- shards ------------------------------------------------------------------------ */

/* drive_of maps a drive name stored in a record to a configured drive. */
static int
drive_of(struct backend *be, struct proto_str name)
{
	char buf[PROTO_NAMEMAX + 1];

	if (name.ps_len > PROTO_NAMEMAX)
		return -1;
	memcpy(buf, name.ps_ptr, name.ps_len);
	buf[name.ps_len] = '\0';
	return conf_drive_find(be->be_conf, buf);
}

/* delete_shards sends a delete to each listed drive, then waits for all. */
static void
delete_shards(struct backend *be, const uint8_t *id, const int *drives, int n)
{
	struct msg_chunk_ref ref;
	struct rpc_call calls[PROTO_SHARDMAX];
	char hex[2 * PROTO_IDLEN + 1];
	int i, rc;

	memcpy(ref.c_id, id, PROTO_IDLEN);
	for (i = 0; i < n; i++) {
		if (drives[i] < 0 ||
		    rpc_call_init(&calls[i], be->be_chunk[drives[i]],
		    MSG_CHUNK_DELETE) != 0)
			continue;
		msg_chunk_ref_pack(rpc_call_packer(&calls[i]), &ref);
		rpc_call_send(&calls[i]);
	}
	util_hex(hex, id, PROTO_IDLEN);
	for (i = 0; i < n; i++) {
		if (drives[i] < 0)
			continue;
		rc = rpc_call_wait(&calls[i]);
		if (rc != 0 && rc != CAIRN_ENOENT)
			log_warnx("shard %s on %s: delete: %s; left for the "
			    "sweep", hex, be->be_conf->c_drives[drives[i]].cd_name,
			    cairn_strerror(rc));
		rpc_call_fini(&calls[i]);
	}
}

/* backend_trash_delete deletes a shard set whose delay is over. */
static void
backend_trash_delete(void *arg, const struct trash_item *it)
{
	int drives[PROTO_SHARDMAX], i;

	for (i = 0; i < it->ti_n; i++)
		drives[i] = it->ti_drive[i];
	delete_shards(arg, it->ti_id, drives, it->ti_n);
}

/* backend_parts_delete removes the shards of every coded part. */
static void
backend_parts_delete(struct backend *be, const struct msg_objrec *rec)
{
	struct msg_objrec view = *rec;
	struct msg_objpart p;
	uint32_t i;

	view.or_nparts = 0;
	for (i = 0; i < rec->or_nparts; i++) {
		msg_objpart_get(rec, i, &p);
		if (p.op_inline)
			continue;
		memcpy(view.or_data_id, p.op_data_id, PROTO_IDLEN);
		backend_shards_delete(be, &view);
	}
}

void
backend_shards_delete(struct backend *be, const struct msg_objrec *rec)
{
	int drives[PROTO_SHARDMAX], i, n;

	if (rec->or_inline)
		return;
	if (rec->or_nparts > 0) {
		backend_parts_delete(be, rec);
		return;
	}
	n = rec->or_k + rec->or_m;
	for (i = 0; i < n; i++)
		drives[i] = drive_of(be, rec->or_drives[i]);
	trash_put(&be->be_trash, rec->or_data_id, drives, n);
}

/* --- PUT ---------------------------------------------------------------------------- */

/* put_buffer_new takes a stripe buffer from the shared ones if it can. */
static unsigned char *
put_buffer_new(struct backend *be)
{
	unsigned char *p;

	if ((p = arena_take(&be->be_arena)) != NULL)
		return p;
	return malloc(put_buffer_bytes(be));
}

static void
put_buffer_free(struct backend *be, unsigned char *p)
{
	if (arena_holds(&be->be_arena, p))
		arena_give(&be->be_arena, p);
	else
		free(p);
}

int
backend_put_begin(struct backend *be, struct backend_put *bp,
    struct proto_str bucket, struct proto_str key)
{
	int n = be->be_k + be->be_m, rot, i;

	memset(bp, 0, sizeof(*bp));
	bp->bp_be = be;
	util_random(bp->bp_id, sizeof(bp->bp_id));
	rot = placement_rotation(bucket, key, n);
	for (i = 0; i < n; i++)
		bp->bp_drive[i] = (rot + i) % n;
	bp->bp_block_size = backend_block_size(be);
	/* The buffer, and the copies in a stripe's messages still out. */
	if (memcap_take(&be->be_memcap, 2 * (uint64_t)put_buffer_bytes(be))
	    != 0)
		return CAIRN_ENOMEM;
	if ((bp->bp_buf = put_buffer_new(be)) == NULL) {
		memcap_give(&be->be_memcap, 2 * (uint64_t)put_buffer_bytes(be));
		return CAIRN_ENOMEM;
	}
	return 0;
}

unsigned char *
backend_put_buffer(struct backend_put *bp)
{
	return bp->bp_buf;
}

int
backend_put_double(struct backend_put *bp)
{
	struct backend *be = bp->bp_be;

	if (memcap_try(&be->be_memcap, put_buffer_bytes(be)) != 0)
		return CAIRN_ENOMEM;
	if ((bp->bp_buf2 = put_buffer_new(be)) == NULL) {
		memcap_give(&be->be_memcap, put_buffer_bytes(be));
		return CAIRN_ENOMEM;
	}
	return 0;
}

static int
live_shards(const struct backend_put *bp)
{
	int i, n = bp->bp_be->be_k + bp->bp_be->be_m, live = 0;

	for (i = 0; i < n; i++)
		live += !bp->bp_failed[i];
	return live;
}

/* encode pads the stripe to k blocks of bs bytes and computes parity. */
static void
encode(struct backend_put *bp, size_t len, size_t bs,
    unsigned char **blocks)
{
	struct backend *be = bp->bp_be;
	int i, k = be->be_k, n = be->be_k + be->be_m;

	memset(bp->bp_buf + len, 0, (size_t)k * bs - len);
	for (i = 0; i < n; i++)
		blocks[i] = bp->bp_buf + (size_t)i * bs;
	if (be->be_m > 0)
		ec_encode(&be->be_ec, bs, blocks, blocks + k);
}

/*
 * send_block sends block i of the stripe in flight, or in place: its
 * drive then reads it from the shared buffer, which stays untouched until
 * put_collect (see backend_put_stripe).
 */
static void
send_block(struct backend_put *bp, struct rpc_call *c, int i, bool in_place)
{
	struct backend *be = bp->bp_be;
	size_t bs = bp->bp_inflight_bs;
	unsigned char *block = bp->bp_inflight_buf + (size_t)i * bs;
	struct msg_chunk_write w;

	memset(&w, 0, sizeof(w));
	memcpy(w.cw_id, bp->bp_id, PROTO_IDLEN);
	w.cw_shard_idx = (uint8_t)i;
	w.cw_block_size = bp->bp_block_size;
	w.cw_block_no = bp->bp_block_no;
	w.cw_crc = crc_32c(block, bs);
	w.cw_last = bp->bp_inflight_last;
	w.cw_length = bp->bp_shard_len + bs;
	w.cw_data.ps_ptr = (const char *)block;
	w.cw_data.ps_len = bs;
	if (in_place) {
		w.cw_arena = proto_str_c(be->be_arena.ar_name);
		w.cw_arena_off = arena_offset(&be->be_arena, block);
		atomic_fetch_add(&be->be_arena_blocks, 1);
	}
	if (rpc_call_init(c, be->be_chunk[bp->bp_drive[i]],
	    MSG_CHUNK_WRITE) != 0)
		return;
	msg_chunk_write_pack(rpc_call_packer(c), &w);
	rpc_call_send(c);
	bp->bp_sent[i] = true;
}

/*
 * in_place tells whether shard i's block of the stripe in flight goes in
 * place: from a shared buffer, to a drive that can read it, when the
 * caller fills the other buffer meanwhile or waits (the last stripe).
 */
static bool
in_place(const struct backend_put *bp, int i)
{
	struct backend *be = bp->bp_be;

	return arena_holds(&be->be_arena, bp->bp_inflight_buf) &&
	    (bp->bp_buf2 != NULL || bp->bp_inflight_last) &&
	    !atomic_load(&be->be_arena_copy[bp->bp_drive[i]]);
}

/*
 * collect_one waits for the write of shard i.  A drive that cannot map
 * the shared buffers gets the block again as a copy, and copies from
 * then on.
 */
static int
collect_one(struct backend_put *bp, int i)
{
	struct backend *be = bp->bp_be;
	int rc;

	rc = rpc_call_wait(&bp->bp_calls[i]);
	rpc_call_fini(&bp->bp_calls[i]);
	if (rc != CAIRN_ENOARENA)
		return rc;
	log_warnx("drive %s: cannot read the shared stripe buffers; "
	    "sending it copies", be->be_conf->c_drives[bp->bp_drive[i]].cd_name);
	atomic_store(&be->be_arena_copy[bp->bp_drive[i]], true);
	atomic_fetch_add(&be->be_arena_refused, 1);
	send_block(bp, &bp->bp_calls[i], i, false);
	rc = rpc_call_wait(&bp->bp_calls[i]);
	rpc_call_fini(&bp->bp_calls[i]);
	return rc;
}

/* put_collect waits for the writes of the stripe still out, if any, and
 * marks the shards that failed. */
static void
put_collect(struct backend_put *bp)
{
	struct backend *be = bp->bp_be;
	int i, n = be->be_k + be->be_m, rc;

	if (!bp->bp_inflight)
		return;
	bp->bp_inflight = false;
	for (i = 0; i < n; i++) {
		if (bp->bp_failed[i])
			continue;
		if ((rc = collect_one(bp, i)) != 0) {
			log_warnx("drive %s: shard write: %s",
			    be->be_conf->c_drives[bp->bp_drive[i]].cd_name,
			    cairn_strerror(rc));
			bp->bp_failed[i] = true;
		}
	}
	bp->bp_block_no++;
	bp->bp_shard_len += bp->bp_inflight_bs;
}

/*
 * backend_put_stripe encodes the stripe in the buffer and sends its blocks.
 * It returns before the drives answer, except for the last stripe: the
 * caller reads the next stripe from the client while the drives write
 * this one.  The answers are collected before the next stripe is sent,
 * as a drive takes a shard's blocks in order.  With one buffer the
 * messages hold copies, so the caller may refill it at once.  With two,
 * the next stripe goes into the other, so this one stays as it is until
 * its answers are in: a drive on this host reads it in place when it is
 * a shared buffer.
 */
int
backend_put_stripe(struct backend_put *bp, size_t len, bool last)
{
	struct backend *be = bp->bp_be;
	unsigned char *blocks[PROTO_SHARDMAX];
	int i, n = be->be_k + be->be_m;
	size_t bs = (len + (size_t)be->be_k - 1) / (size_t)be->be_k;

	if (bs == 0)
		bs = 1;		/* an empty object still gets one block */
	put_collect(bp);
	if (live_shards(bp) < backend_quorum(be))
		return CAIRN_EQUORUM;
	encode(bp, len, bs, blocks);
	memset(bp->bp_calls, 0, sizeof(bp->bp_calls));
	bp->bp_inflight = true;
	bp->bp_inflight_last = last;
	bp->bp_inflight_bs = (uint32_t)bs;
	bp->bp_inflight_buf = bp->bp_buf;
	for (i = 0; i < n; i++)
		if (!bp->bp_failed[i])
			send_block(bp, &bp->bp_calls[i], i, in_place(bp, i));
	if (bp->bp_buf2 != NULL) {
		blocks[0] = bp->bp_buf;
		bp->bp_buf = bp->bp_buf2;
		bp->bp_buf2 = blocks[0];
	}
	if (last)
		put_collect(bp);
	return live_shards(bp) >= backend_quorum(be) ? 0 : CAIRN_EQUORUM;
}

void
backend_put_layout(struct backend_put *bp, struct msg_objrec *rec)
{
	struct backend *be = bp->bp_be;
	int i;

	rec->or_inline = false;
	memcpy(rec->or_data_id, bp->bp_id, PROTO_IDLEN);
	rec->or_k = (uint8_t)be->be_k;
	rec->or_m = (uint8_t)be->be_m;
	rec->or_block_size = bp->bp_block_size;
	for (i = 0; i < be->be_k + be->be_m; i++)
		rec->or_drives[i] = proto_str_c(
		    be->be_conf->c_drives[bp->bp_drive[i]].cd_name);
}

void
backend_put_abort(struct backend_put *bp)
{
	int drives[PROTO_SHARDMAX], i, n = bp->bp_be->be_k + bp->bp_be->be_m;

	put_collect(bp);
	for (i = 0; i < n; i++)
		drives[i] = bp->bp_sent[i] ? bp->bp_drive[i] : -1;
	delete_shards(bp->bp_be, bp->bp_id, drives, n);
}

void
backend_put_free(struct backend_put *bp)
{
	struct backend *be = bp->bp_be;

	put_collect(bp);
	if (bp->bp_buf != NULL)
		memcap_give(&be->be_memcap, 2 * (uint64_t)put_buffer_bytes(be));
	if (bp->bp_buf2 != NULL)
		memcap_give(&be->be_memcap, put_buffer_bytes(be));
	put_buffer_free(be, bp->bp_buf);
	put_buffer_free(be, bp->bp_buf2);
	bp->bp_buf = bp->bp_buf2 = NULL;
}

/* --- GET ------------------------------------------------------------------------------ */

int
backend_get_begin(struct backend *be, struct backend_get *bg,
    const struct msg_objrec *rec)
{
	int i, n = rec->or_k + rec->or_m;

	memset(bg, 0, sizeof(*bg));
	bg->bg_be = be;
	bg->bg_rec = rec;
	bg->bg_ahead = BACKEND_NO_STRIPE;
	if (rec->or_k == 0 || n > PROTO_SHARDMAX)
		return CAIRN_EPROTO;
	for (i = 0; i < n; i++)
		bg->bg_drive[i] = drive_of(be, rec->or_drives[i]);
	if (memcap_take(&be->be_memcap, (uint64_t)n * rec->or_block_size) != 0)
		return CAIRN_ENOMEM;
	if ((bg->bg_buf = malloc((size_t)n * rec->or_block_size)) == NULL) {
		memcap_give(&be->be_memcap, (uint64_t)n * rec->or_block_size);
		return CAIRN_ENOMEM;
	}
	bg->bg_held = (uint64_t)n * rec->or_block_size;
	return 0;
}

static void
read_send(struct backend_get *bg, struct rpc_call *c, int shard,
    uint64_t stripe)
{
	memset(c, 0, sizeof(*c));
	if (bg->bg_drive[shard] < 0) {
		c->rc_err = CAIRN_ENOENT;
		return;
	}
	shard_read_send(c, bg->bg_be->be_chunk[bg->bg_drive[shard]],
	    bg->bg_rec->or_data_id, (uint32_t)stripe);
}

/* read_wait takes one block reply, checks it and copies it into place. */
static bool
read_wait(struct backend_get *bg, struct rpc_call *c, int shard, size_t bs)
{
	bool known = c->rc_client != NULL;
	int rc;

	rc = shard_read_wait(c, bg->bg_buf + (size_t)shard * bs, bs);
	if (rc != 0 && (known || rc != CAIRN_ENOENT))
		log_warnx("shard %d of a stripe: %s", shard,
		    cairn_strerror(rc));
	return rc == 0;
}

bool
backend_get_ahead(struct backend_get *bg, uint64_t last)
{
	uint64_t more = (uint64_t)bg->bg_rec->or_k * bg->bg_rec->or_block_size;

	if (bg->bg_last == 0 && last > 0) {
		/* The replies wait in nng's messages: count them too. */
		if (memcap_try(&bg->bg_be->be_memcap, more) != 0)
			return false;
		bg->bg_held += more;
	}
	bg->bg_last = last;
	return true;
}

/* ahead_send sends the reads of the data shards of stripe s. */
static void
ahead_send(struct backend_get *bg, uint64_t s)
{
	int i;

	for (i = 0; i < bg->bg_rec->or_k; i++)
		read_send(bg, &bg->bg_calls[i], i, s);
	bg->bg_ahead = s;
}

/* ahead_drop waits for reads ahead that nobody wants, and drops them. */
static void
ahead_drop(struct backend_get *bg)
{
	int i;

	if (bg->bg_ahead == BACKEND_NO_STRIPE)
		return;
	for (i = 0; i < bg->bg_rec->or_k; i++) {
		(void)rpc_call_wait(&bg->bg_calls[i]);
		rpc_call_fini(&bg->bg_calls[i]);
	}
	bg->bg_ahead = BACKEND_NO_STRIPE;
}

/* read_shards reads shards [from, to) of a stripe in parallel. */
static int
read_shards(struct backend_get *bg, uint64_t stripe, size_t bs, int from,
    int to, bool *present)
{
	struct rpc_call calls[PROTO_SHARDMAX];
	int i, got = 0;

	for (i = from; i < to; i++)
		read_send(bg, &calls[i], i, stripe);
	for (i = from; i < to; i++) {
		present[i] = read_wait(bg, &calls[i], i, bs);
		got += present[i];
	}
	return got;
}

/* release lets go of the replies the last stripe's iovecs point into. */
static void
release(struct backend_get *bg)
{
	int i;

	for (i = 0; i < bg->bg_rec->or_k; i++)
		if (bg->bg_taken[i])
			rpc_call_fini(&bg->bg_replies[i]);
	memset(bg->bg_taken, 0, sizeof(bg->bg_taken));
}

/*
 * take_data waits for the data shards of stripe, read ahead or read now,
 * and keeps the good replies (bg_taken) with data[i] pointing into them.
 * Returns how many came.
 */
static int
take_data(struct backend_get *bg, uint64_t stripe, size_t bs,
    const void **data)
{
	int i, got = 0, rc;

	if (bg->bg_ahead != stripe) {
		ahead_drop(bg);
		for (i = 0; i < bg->bg_rec->or_k; i++)
			read_send(bg, &bg->bg_calls[i], i, stripe);
	}
	bg->bg_ahead = BACKEND_NO_STRIPE;
	for (i = 0; i < bg->bg_rec->or_k; i++) {
		bool known = bg->bg_calls[i].rc_client != NULL;

		rc = shard_read_take(&bg->bg_calls[i], &data[i], bs);
		if (rc != 0 && (known || rc != CAIRN_ENOENT))
			log_warnx("shard %d of a stripe: %s", i,
			    cairn_strerror(rc));
		/* Held apart: the next stripe's reads reuse bg_calls. */
		if (rc == 0)
			bg->bg_replies[i] = bg->bg_calls[i];
		bg->bg_taken[i] = rc == 0;
		got += rc == 0;
	}
	return got;
}

/* degraded rebuilds a stripe missing data shards into the buffer. */
static int
degraded(struct backend_get *bg, uint64_t stripe, size_t bs,
    const void **data)
{
	const struct msg_objrec *rec = bg->bg_rec;
	unsigned char *blocks[PROTO_SHARDMAX];
	bool present[PROTO_SHARDMAX];
	int i, k = rec->or_k, n = rec->or_k + rec->or_m, got = 0;

	for (i = 0; i < k; i++) {
		present[i] = bg->bg_taken[i];
		if (present[i])
			memcpy(bg->bg_buf + (size_t)i * bs, data[i], bs);
		got += present[i];
	}
	release(bg);
	/* Only now pay for parity: healthy reads need no decoding. */
	got += read_shards(bg, stripe, bs, k, n, present);
	for (i = 0; i < n; i++)
		blocks[i] = bg->bg_buf + (size_t)i * bs;
	if (got < k || ec_reconstruct(&bg->bg_be->be_ec, bs, blocks,
	    present) != 0)
		return CAIRN_EQUORUM;
	bg->bg_reconstructed++;
	return 0;
}

int
backend_get_stripe_iov(struct backend_get *bg, uint64_t stripe,
    struct iovec *iov, int *niov, size_t *len)
{
	const struct msg_objrec *rec = bg->bg_rec;
	const void *data[PROTO_SHARDMAX];
	int i, k = rec->or_k, rc;
	uint64_t off = stripe * PROTO_STRIPE;
	size_t bs, left;

	release(bg);
	if (off >= rec->or_size && !(off == 0 && rec->or_size == 0))
		return CAIRN_EINVAL;
	*len = rec->or_size - off < PROTO_STRIPE ? rec->or_size - off :
	    PROTO_STRIPE;
	bs = (*len + (size_t)k - 1) / (size_t)k;
	bs = bs == 0 ? 1 : bs;
	if (take_data(bg, stripe, bs, data) < k) {
		if ((rc = degraded(bg, stripe, bs, data)) != 0)
			return rc;
		iov[0].iov_base = bg->bg_buf;
		iov[0].iov_len = *len;
		*niov = 1;
	} else {
		/* The stripe is its data blocks in order, then padding. */
		for (i = 0, left = *len; i < k && left > 0; i++) {
			iov[i].iov_base = (void *)data[i];
			iov[i].iov_len = left < bs ? left : bs;
			left -= iov[i].iov_len;
		}
		*niov = i > 0 ? i : 1;
		if (i == 0)
			iov[0].iov_len = 0;
	}
	if (stripe < bg->bg_last)
		ahead_send(bg, stripe + 1);
	return 0;
}

int
backend_get_stripe(struct backend_get *bg, uint64_t stripe,
    const unsigned char **out, size_t *len)
{
	struct iovec iov[PROTO_SHARDMAX];
	size_t off = 0;
	int i, n, rc;

	if ((rc = backend_get_stripe_iov(bg, stripe, iov, &n, len)) != 0)
		return rc;
	if (iov[0].iov_base != bg->bg_buf)
		for (i = 0; i < n; i++) {
			memcpy(bg->bg_buf + off, iov[i].iov_base,
			    iov[i].iov_len);
			off += iov[i].iov_len;
		}
	release(bg);
	*out = bg->bg_buf;
	return 0;
}

void
backend_get_free(struct backend_get *bg)
{
	if (bg->bg_rec != NULL)
		release(bg);
	ahead_drop(bg);
	if (bg->bg_held > 0)
		memcap_give(&bg->bg_be->be_memcap, bg->bg_held);
	bg->bg_held = 0;
	free(bg->bg_buf);
	bg->bg_buf = NULL;
}

/* --- GET on the event loop ---------------------------------------------------------- */

/* stripe_block is the block size of the shards of a one-stripe object. */
static size_t
stripe_block(const struct msg_objrec *rec)
{
	size_t bs = ((size_t)rec->or_size + rec->or_k - 1) / rec->or_k;

	return bs == 0 ? 1 : bs;
}

static void
read_answered(void *arg)
{
	struct backend_read *br = arg;

	if (atomic_fetch_sub(&br->br_left, 1) == 1)
		br->br_done(br->br_arg);
}

int
backend_read_send(struct backend *be, struct backend_read *br,
    const struct msg_objrec *rec, void (*done)(void *), void *arg)
{
	int i, drive[PROTO_SHARDMAX], k = rec->or_k;

	memset(br, 0, sizeof(*br));
	if (k == 0 || k + rec->or_m > PROTO_SHARDMAX ||
	    rec->or_size > PROTO_STRIPE)
		return CAIRN_EINVAL;
	for (i = 0; i < k; i++)
		if ((drive[i] = drive_of(be, rec->or_drives[i])) < 0 ||
		    !rpc_client_connected(be->be_chunk[drive[i]]))
			return CAIRN_EUNAVAIL;
	/* The replies are held, in nng's messages, until the answer is made
	 * from them. */
	br->br_held = (uint64_t)k * stripe_block(rec);
	if (memcap_try(&be->be_memcap, br->br_held) != 0) {
		br->br_held = 0;
		return CAIRN_ENOMEM;
	}
	br->br_be = be;
	br->br_rec = rec;
	br->br_done = done;
	br->br_arg = arg;
	atomic_init(&br->br_left, k);
	for (i = 0; i < k; i++)
		shard_read_send_cb(&br->br_calls[i], be->be_chunk[drive[i]],
		    rec->or_data_id, 0, read_answered, br);
	return 0;
}

int
backend_read_take(struct backend_read *br, struct iovec *iov, int *niov)
{
	const struct msg_objrec *rec = br->br_rec;
	size_t bs = stripe_block(rec), left = (size_t)rec->or_size;
	const void *data;
	int i, rc, first = 0;

	*niov = 0;
	/* Each reply is taken, whatever came before: none is left unread. */
	for (i = 0; i < rec->or_k; i++) {
		if ((rc = shard_read_take(&br->br_calls[i], &data, bs)) != 0) {
			first = first != 0 ? first : rc;
			continue;
		}
		if (left == 0)
			continue;
		/* The stripe is its data blocks in order, then padding. */
		iov[*niov].iov_base = (void *)data;
		iov[(*niov)++].iov_len = left < bs ? left : bs;
		left -= left < bs ? left : bs;
	}
	return first;
}

void
backend_read_free(struct backend_read *br)
{
	int i;

	if (br->br_rec == NULL)
		return;
	/* A call shard_read_take failed is finished already: this does
	 * nothing to it. */
	for (i = 0; i < br->br_rec->or_k; i++)
		rpc_call_fini(&br->br_calls[i]);
	memcap_give(&br->br_be->be_memcap, br->br_held);
	br->br_rec = NULL;
}
