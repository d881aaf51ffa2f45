/* chunk_scrub.c - chunkd's side of scrubbing: verify, list, sweep, repair */
#include "config.h"

#include <string.h>

#include "chunkd.h"
#include "errors.h"
#include "proto.h"

static int
chunk_scrub_verify(struct chunkd *env, const struct proto_msg *req,
    msgpack_packer *reply)
{
	struct msg_chunk_ref c;
	struct msg_chunk_verify v;
	int rc;

	if ((rc = msg_chunk_ref_unpack(req->pm_payload, &c)) != 0)
		return rc;
	if ((rc = chunk_store_verify(&env->ck_store, &c, &v)) != 0)
		return rc;
	msg_chunk_verify_pack(reply, &v);
	return 0;
}

static int
chunk_scrub_list(struct chunkd *env, const struct proto_msg *req,
    msgpack_packer *reply)
{
	struct msg_chunk_list_req r;
	struct msg_chunk_list l;
	int rc;

	if ((rc = msg_chunk_list_req_unpack(req->pm_payload, &r)) != 0)
		return rc;
	if ((rc = chunk_store_list(&env->ck_store, &r, &l)) != 0)
		return rc;
	msg_chunk_list_pack(reply, &l);
	msg_chunk_list_free(&l);
	return 0;
}

static int
chunk_scrub_sweep(struct chunkd *env, const struct proto_msg *req,
    msgpack_packer *reply)
{
	struct msg_chunk_sweep s;
	int rc;

	if ((rc = msg_chunk_sweep_unpack(req->pm_payload, &s)) != 0)
		return rc;
	if ((rc = chunk_store_sweep(&env->ck_store, &s)) != 0)
		return rc;
	proto_pack_nil(reply);
	return 0;
}

static int
chunk_scrub_repair(struct chunkd *env, const struct proto_msg *req,
    msgpack_packer *reply)
{
	struct msg_chunk_write w;
	int rc;

	if ((rc = msg_chunk_write_unpack(req->pm_payload, &w)) != 0)
		return rc;
	if (w.cw_arena.ps_len > 0)	/* repairs come from scrubd, whole */
		return CAIRN_EPROTO;
	if ((rc = chunk_store_repair(&env->ck_store, &w)) != 0)
		return rc;
	proto_pack_nil(reply);
	return 0;
}

int
chunk_scrub_dispatch(struct chunkd *env, const struct proto_msg *req,
    msgpack_packer *reply)
{
	switch (req->pm_type) {
	case MSG_CHUNK_VERIFY:
		return chunk_scrub_verify(env, req, reply);
	case MSG_CHUNK_LIST:
		return chunk_scrub_list(env, req, reply);
	case MSG_CHUNK_SWEEP:
		return chunk_scrub_sweep(env, req, reply);
	case MSG_CHUNK_REPAIR:
		return chunk_scrub_repair(env, req, reply);
	default:
		return CAIRN_EMSGTYPE;
	}
}
