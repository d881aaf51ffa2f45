/* reply.c - a handler's reply buffer for the unit tests that call metad */
#include <msgpack.h>

#include "reply.h"

void
reply_init(struct reply *r)
{
	msgpack_sbuffer_init(&r->rp_sb);
	msgpack_unpacked_init(&r->rp_u);
}

msgpack_packer *
reply_begin(struct reply *r)
{
	msgpack_sbuffer_clear(&r->rp_sb);
	msgpack_packer_init(&r->rp_pk, &r->rp_sb, msgpack_sbuffer_write);
	return &r->rp_pk;
}

const msgpack_object *
reply_obj(struct reply *r)
{
	size_t off = 0;

	if (msgpack_unpack_next(&r->rp_u, r->rp_sb.data, r->rp_sb.size,
	    &off) != MSGPACK_UNPACK_SUCCESS || off != r->rp_sb.size)
		return NULL;
	return &r->rp_u.data;
}

void
reply_free(struct reply *r)
{
	msgpack_unpacked_destroy(&r->rp_u);
	msgpack_sbuffer_destroy(&r->rp_sb);
}
