/* test_proto_user.c - round trips of the user and object header messages */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "errors.h"
#include "proto.h"
#include "tap.h"

/* A packed payload and its decoded tree; the tree points into sb. */
struct packed {
	msgpack_sbuffer		sb;
	msgpack_packer		pk;
	msgpack_unpacked	u;
};

static void
packed_begin(struct packed *p)
{
	msgpack_sbuffer_init(&p->sb);
	msgpack_packer_init(&p->pk, &p->sb, msgpack_sbuffer_write);
	msgpack_unpacked_init(&p->u);
}

static const msgpack_object *
packed_tree(struct packed *p)
{
	if (msgpack_unpack_next(&p->u, p->sb.data, p->sb.size, NULL) !=
	    MSGPACK_UNPACK_SUCCESS)
		return NULL;
	return &p->u.data;
}

static void
packed_end(struct packed *p)
{
	msgpack_unpacked_destroy(&p->u);
	msgpack_sbuffer_destroy(&p->sb);
}

static bool
str_same(struct proto_str a, struct proto_str b)
{
	return a.ps_len == b.ps_len && (a.ps_len == 0 ||
	    memcmp(a.ps_ptr, b.ps_ptr, a.ps_len) == 0);
}

static bool
user_same(const struct msg_user *a, const struct msg_user *b)
{
	return str_same(a->u_name, b->u_name) && str_same(a->u_id, b->u_id) &&
	    str_same(a->u_access_key, b->u_access_key) &&
	    str_same(a->u_secret, b->u_secret) &&
	    a->u_disabled == b->u_disabled &&
	    a->u_created_ns == b->u_created_ns;
}

static const struct msg_user alice = {
	{ "alice", 5 }, { "0123456789abcdef", 16 }, { "AKALICE", 7 },
	{ "s\0cret", 6 }, true, 1795328911885564057ull
};

static void
test_user(void)
{
	struct msg_user got, bad = alice;
	struct packed p;

	packed_begin(&p);
	msg_user_pack(&p.pk, &alice);
	ok(msg_user_unpack(packed_tree(&p), &got) == 0 &&
	    user_same(&alice, &got), "msg_user round-trips, binary secret too");
	packed_end(&p);
	bad.u_name.ps_len = 0;
	packed_begin(&p);
	msg_user_pack(&p.pk, &bad);
	ok(msg_user_unpack(packed_tree(&p), &got) == CAIRN_EPROTO,
	    "an empty user name is refused");
	packed_end(&p);
	bad = alice;
	bad.u_secret.ps_len = PROTO_SECRETMAX + 1;
	bad.u_secret.ps_ptr = calloc(1, PROTO_SECRETMAX + 1);
	packed_begin(&p);
	msg_user_pack(&p.pk, &bad);
	ok(msg_user_unpack(packed_tree(&p), &got) == CAIRN_EPROTO,
	    "a secret over PROTO_SECRETMAX is refused");
	packed_end(&p);
	free((void *)bad.u_secret.ps_ptr);
}

static void
test_user_list(void)
{
	struct msg_user items[2] = { alice, alice };
	struct msg_user_list ul = { 2, items }, got;
	struct packed p;

	items[1].u_name = proto_str_c("bob");
	packed_begin(&p);
	msg_user_list_pack(&p.pk, &ul);
	ok(msg_user_list_unpack(packed_tree(&p), &got) == 0 &&
	    got.ul_count == 2 && user_same(&got.ul_items[0], &items[0]) &&
	    user_same(&got.ul_items[1], &items[1]),
	    "msg_user_list round-trips");
	msg_user_list_free(&got);
	packed_end(&p);
	packed_begin(&p);
	msgpack_pack_array(&p.pk, 1);
	msgpack_pack_array(&p.pk, 1);
	msgpack_pack_nil(&p.pk);
	ok(msg_user_list_unpack(packed_tree(&p), &got) == CAIRN_EPROTO &&
	    got.ul_items == NULL, "a list with a bad item is refused, freed");
	packed_end(&p);
}

static void
test_state_and_hdr(void)
{
	struct msg_user_state us = { { "bob", 3 }, true }, gus;
	struct msg_obj_hdr oh = { { "b", 1 }, { "k/ey", 4 },
	    { "x-amz-acl", 9 }, { "public-read", 11 } }, goh;
	struct packed p;

	packed_begin(&p);
	msg_user_state_pack(&p.pk, &us);
	ok(msg_user_state_unpack(packed_tree(&p), &gus) == 0 &&
	    str_same(gus.us_name, us.us_name) && gus.us_disabled,
	    "msg_user_state round-trips");
	packed_end(&p);
	packed_begin(&p);
	msg_obj_hdr_pack(&p.pk, &oh);
	ok(msg_obj_hdr_unpack(packed_tree(&p), &goh) == 0 &&
	    str_same(goh.oh_bucket, oh.oh_bucket) &&
	    str_same(goh.oh_key, oh.oh_key) &&
	    str_same(goh.oh_name, oh.oh_name) &&
	    str_same(goh.oh_value, oh.oh_value), "msg_obj_hdr round-trips");
	packed_end(&p);
	oh.oh_name.ps_len = 0;
	packed_begin(&p);
	msg_obj_hdr_pack(&p.pk, &oh);
	ok(msg_obj_hdr_unpack(packed_tree(&p), &goh) == CAIRN_EPROTO,
	    "an empty header name is refused");
	packed_end(&p);
	ok(strcmp(proto_type_name(MSG_META_USER_GET), "MSG_META_USER_GET") ==
	    0 && strcmp(proto_type_name(MSG_META_OBJ_SET_HDR),
	    "MSG_META_OBJ_SET_HDR") == 0, "the new types have names");
}

int
main(void)
{
	plan(9);
	test_user();
	test_user_list();
	test_state_and_hdr();
	return tap_done();
}
