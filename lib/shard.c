/* shard.c - reading one verified block of a shard from its chunkd */
#include "config.h"

#include <string.h>

#include "crc.h"
#include "errors.h"
#include "proto.h"
#include "shard.h"

/* read_init makes c the read of block block_no of id; 0 or its error. */
static int
read_init(struct rpc_call *c, struct rpc_client *cl, const uint8_t *id,
    uint32_t block_no)
{
	struct msg_chunk_read r;
	int rc;

	memcpy(r.cr_id, id, PROTO_IDLEN);
	r.cr_block_no = block_no;
	if ((rc = rpc_call_init(c, cl, MSG_CHUNK_READ)) == 0)
		msg_chunk_read_pack(rpc_call_packer(c), &r);
	return rc;
}

void
shard_read_send(struct rpc_call *c, struct rpc_client *cl, const uint8_t *id,
    uint32_t block_no)
{
	if (read_init(c, cl, id, block_no) != 0)
		return;
	rpc_call_alone(c);
	rpc_call_send(c);
}

void
shard_read_send_cb(struct rpc_call *c, struct rpc_client *cl,
    const uint8_t *id, uint32_t block_no, void (*done)(void *), void *arg)
{
	/* A call that did not start is not sent, and calls back at once. */
	(void)read_init(c, cl, id, block_no);
	rpc_call_send_cb(c, done, arg);
}

int
shard_read_take(struct rpc_call *c, const void **data, size_t bs)
{
	struct msg_chunk_data d;
	int rc;

	/* chunkd verified the block; check again what crossed the socket. */
	rc = rpc_call_wait(c);
	if (rc == 0)
		rc = msg_chunk_data_unpack(c->rc_reply.pm_payload, &d);
	if (rc == 0 && (d.cd_data.ps_len != bs ||
	    crc_32c(d.cd_data.ps_ptr, bs) != d.cd_crc))
		rc = CAIRN_ECHECKSUM;
	if (rc != 0) {
		rpc_call_fini(c);
		return rc;
	}
	*data = d.cd_data.ps_ptr;
	return 0;
}

int
shard_read_wait(struct rpc_call *c, void *dst, size_t bs)
{
	const void *data;
	int rc;

	if ((rc = shard_read_take(c, &data, bs)) != 0)
		return rc;
	memcpy(dst, data, bs);
	rpc_call_fini(c);
	return 0;
}
