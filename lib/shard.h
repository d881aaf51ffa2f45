/* shard.h - reading one verified block of a shard from its chunkd */
#ifndef CAIRN_SHARD_H
#define CAIRN_SHARD_H

#include <stddef.h>
#include <stdint.h>

#include "rpc.h"

/*
 * shard_read_send starts reading block block_no of the shard of data id
 * id from the chunkd behind cl; c is initialised here and must be given
 * to shard_read_wait, whatever happens.  The read travels alone: a block
 * of a large object would fill a batch's message by itself.
 */
void shard_read_send(struct rpc_call *c, struct rpc_client *cl,
    const uint8_t *id, uint32_t block_no);

/*
 * shard_read_send_cb is shard_read_send that runs done(arg) on another
 * thread once the reply is in (or at once, if nothing could be sent);
 * shard_read_take then does not wait.  For blocks of small objects only:
 * where cl batches reads, the read shares a message with others.
 */
void shard_read_send_cb(struct rpc_call *c, struct rpc_client *cl,
    const uint8_t *id, uint32_t block_no, void (*done)(void *), void *arg);

/*
 * shard_read_wait waits for the block and, if it is exactly bs bytes whose
 * CRC32C matches, copies it to dst.  Returns 0, CAIRN_ECHECKSUM for a
 * damaged or short block, or the call's error.  Finishes c.
 */
int shard_read_wait(struct rpc_call *c, void *dst, size_t bs);

/*
 * shard_read_take is shard_read_wait without the copy: on success *data
 * points at the block inside c's reply, valid until the caller's
 * rpc_call_fini(c); on failure c is already finished.
 */
int shard_read_take(struct rpc_call *c, const void **data, size_t bs);

#endif
