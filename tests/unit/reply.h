/* reply.h - a handler's reply buffer for the unit tests that call metad */
#ifndef CAIRN_TEST_REPLY_H
#define CAIRN_TEST_REPLY_H

#include <msgpack.h>

/*
 * A reply buffer: what a handler packs, and its decoded tree.  One test
 * thread owns it; the tree stays valid until the next reply_begin.
 */
struct reply {
	msgpack_sbuffer		rp_sb;
	msgpack_packer		rp_pk;
	msgpack_unpacked	rp_u;
};

/* reply_init makes r empty; reply_free releases it. */
void reply_init(struct reply *r);

/* reply_begin empties r and returns the packer a handler writes to. */
msgpack_packer *reply_begin(struct reply *r);

/* reply_obj decodes the packed reply: exactly one object, or NULL. */
const msgpack_object *reply_obj(struct reply *r);

/* reply_free releases what r holds; r may be given to reply_init again. */
void reply_free(struct reply *r);

#endif
