/* test_meta_upload.c - metad's multipart uploads: parts, complete, abort */
#include "../../metad/meta_db.c"
#include "../../metad/meta_list.c"
#include "../../metad/meta_upload.c"
#include "../../metad/meta_upload_list.c"
#include "../../metad/meta_upload_ck.c"
#include "../../metad/meta_bconf.c"
#include "../../metad/meta_commit.c"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reply.h"
#include "scratch.h"
#include "tap.h"

#define UP1	"0000000000000001aaaaaaaaaaaaaaaa"
#define UP2	"0000000000000002bbbbbbbbbbbbbbbb"
#define UP3	"0000000000000003cccccccccccccccc"

static char tmpdir[SCRATCH_DIRMAX];

static struct msg_upload_ref
ref(const char *key, const char *id)
{
	struct msg_upload_ref u = { proto_str_c("bk"), proto_str_c(key),
	    proto_str_c(id) };

	return u;
}

/* layout gives rec the one-drive layout every coded part here has. */
static void
layout(struct msg_objrec *rec)
{
	rec->or_k = 1;
	rec->or_block_size = PROTO_STRIPE;
	rec->or_drives[0] = proto_str_c("d1");
}

static int
create(struct meta_db *db, const char *key, const char *id)
{
	struct msg_upload_create uc;

	memset(&uc, 0, sizeof(uc));
	uc.uc_ref = ref(key, id);
	layout(&uc.uc_rec);
	uc.uc_rec.or_data_id[0] = 1;
	return meta_upload_create(db, &uc);
}

/* part stores part n of size bytes; its etag and data id are n. */
static int
part(struct meta_db *db, struct reply *r, const char *key, const char *id,
    uint32_t n, uint64_t size)
{
	static const char tiny[] = "tiny";
	struct msg_part_put pp;

	memset(&pp, 0, sizeof(pp));
	pp.pp_ref = ref(key, id);
	pp.pp_number = n;
	pp.pp_rec.or_size = size;
	memset(pp.pp_rec.or_etag, (int)n, 16);
	if (size <= 4) {
		pp.pp_rec.or_inline = true;
		pp.pp_rec.or_data.ps_ptr = tiny;
		pp.pp_rec.or_data.ps_len = size;
	} else {
		layout(&pp.pp_rec);
		memset(pp.pp_rec.or_data_id, (int)n, PROTO_IDLEN);
	}
	return meta_upload_part(db, &pp, reply_begin(r));
}

/* complete lists parts nums (etag = number, or 0xee for a wrong one). */
static int
complete(struct meta_db *db, struct reply *r, const char *key,
    const char *id, const uint32_t *nums, uint32_t n, bool wrong)
{
	uint8_t etags[8][16];
	struct msg_upload_complete cc;
	uint32_t i;

	memset(&cc, 0, sizeof(cc));
	cc.cc_ref = ref(key, id);
	cc.cc_mtime_ns = 42;
	for (i = 0; i < n; i++)
		memset(etags[i], wrong ? 0xee : (int)nums[i], 16);
	cc.cc_nparts = n;
	cc.cc_numbers = nums;
	cc.cc_etags = (const uint8_t (*)[16])etags;
	return meta_upload_complete(db, &cc, reply_begin(r));
}

static int
done(struct reply *r, struct msg_upload_done *ud)
{
	const msgpack_object *o = reply_obj(r);

	return o == NULL ? -1 : msg_upload_done_unpack(o, ud);
}

/* count_tag counts the database keys that start with tag. */
static int
count_tag(struct meta_db *db, char tag)
{
	leveldb_iterator_t *it;
	const char *k;
	size_t klen;
	int n = 0;

	it = leveldb_create_iterator(db->md_db, db->md_read);
	for (leveldb_iter_seek(it, &tag, 1); leveldb_iter_valid(it);
	    leveldb_iter_next(it)) {
		k = leveldb_iter_key(it, &klen);
		if (klen == 0 || k[0] != tag)
			break;
		n++;
	}
	leveldb_iter_destroy(it);
	return n;
}

static void
test_parts(struct meta_db *db, struct reply *r)
{
	struct msg_part_list_req pl;
	struct msg_part_list_reply pr;
	struct msg_upload_ref u = ref("k", UP1);
	const msgpack_object *o;

	is_int(create(db, "k", "not-hex"), CAIRN_EINVAL, "create: bad id");
	is_int(create(db, "k", UP1), 0, "create an upload");
	is_int(meta_upload_get(db, &u, reply_begin(r)), 0, "get it");
	u = ref("other", UP1);
	is_int(meta_upload_get(db, &u, reply_begin(r)), CAIRN_ENOUPLOAD,
	    "its id under another key is no upload");
	is_int(part(db, r, "k", UP2, 1, 10), CAIRN_ENOUPLOAD,
	    "part of a missing upload");
	is_int(part(db, r, "k", UP1, 1, PROTO_PARTMIN), 0, "part 1");
	ok((o = reply_obj(r)) != NULL && o->type == MSGPACK_OBJECT_NIL,
	    "a new part replaces nothing");
	is_int(part(db, r, "k", UP1, 1, PROTO_PARTMIN + 1), 0, "part 1 again");
	ok((o = reply_obj(r)) != NULL && o->type == MSGPACK_OBJECT_ARRAY,
	    "and it returns the part it replaced");
	part(db, r, "k", UP1, 2, PROTO_PARTMIN);
	part(db, r, "k", UP1, 3, 4);
	part(db, r, "k", UP1, 4, PROTO_PARTMIN);
	memset(&pl, 0, sizeof(pl));
	pl.pl_ref = ref("k", UP1);
	pl.pl_max = 3;
	ok(meta_upload_parts(db, &pl, reply_begin(r)) == 0 &&
	    msg_part_list_reply_unpack(reply_obj(r), &pr) == 0 &&
	    pr.pr_nentries == 3 && pr.pr_truncated && pr.pr_next == 3 &&
	    pr.pr_entries[0].pe_size == PROTO_PARTMIN + 1,
	    "list parts: a page of 3, truncated");
	msg_part_list_reply_free(&pr);
	pl.pl_marker = 3;
	ok(meta_upload_parts(db, &pl, reply_begin(r)) == 0 &&
	    msg_part_list_reply_unpack(reply_obj(r), &pr) == 0 &&
	    pr.pr_nentries == 1 && !pr.pr_truncated &&
	    pr.pr_entries[0].pe_number == 4, "list parts: the rest");
	msg_part_list_reply_free(&pr);
}

static void
test_complete(struct meta_db *db, struct reply *r)
{
	static const uint32_t bad_order[] = { 1, 3, 2 }, missing[] = { 1, 5 };
	static const uint32_t small[] = { 1, 3, 4 }, good[] = { 1, 3 };
	struct msg_upload_done ud;
	struct msg_upload_ref u = ref("k", UP1);

	is_int(complete(db, r, "k", UP1, bad_order, 3, false),
	    CAIRN_EPARTORDER, "complete: parts out of order");
	is_int(complete(db, r, "k", UP1, missing, 2, false), CAIRN_EBADPART,
	    "complete: a part never uploaded");
	is_int(complete(db, r, "k", UP1, good, 2, true), CAIRN_EBADPART,
	    "complete: an ETag that differs");
	is_int(complete(db, r, "k", UP1, small, 3, false), CAIRN_EPARTSMALL,
	    "complete: a small part that is not the last");
	is_int(complete(db, r, "k", UP2, good, 2, false), CAIRN_ENOUPLOAD,
	    "complete: a missing upload");
	is_int(complete(db, r, "k", UP1, good, 2, false), 0,
	    "complete with parts 1 and 3");
	ok(done(r, &ud) == 0 && ud.ud_rec.or_nparts == 2 &&
	    ud.ud_rec.or_size == PROTO_PARTMIN + 1 + 4 && !ud.ud_has_old,
	    "the new record lists 2 parts, nothing replaced");
	ok(ud.ud_dropped.ps_len == 2 * PROTO_IDLEN &&
	    ud.ud_dropped.ps_ptr[0] == 2 && ud.ud_dropped.ps_ptr[16] == 4,
	    "the unlisted coded parts 2 and 4 are handed back");
	is_int(meta_upload_get(db, &u, reply_begin(r)), CAIRN_ENOUPLOAD,
	    "the upload is gone");
	is_int(count_tag(db, 'P'), 0, "and so are all its parts");
	create(db, "k", UP2);
	part(db, r, "k", UP2, 1, 4);
	is_int(complete(db, r, "k", UP2, good, 1, false), 0,
	    "complete over the object");
	ok(done(r, &ud) == 0 && ud.ud_has_old && ud.ud_old.or_nparts == 2 &&
	    ud.ud_rec.or_k == 1 && ud.ud_dropped.ps_len == 0,
	    "returns the replaced multipart record");
}

static void
test_abort_list(struct meta_db *db, struct reply *r)
{
	struct msg_upload_list_req ul;
	struct msg_upload_list_reply ur;
	struct msg_upload_done ud;
	struct msg_upload_ref u = ref("k", UP3);

	create(db, "k", UP3);
	part(db, r, "k", UP3, 7, PROTO_PARTMIN);
	part(db, r, "k", UP3, 8, 3);
	ok(meta_upload_abort(db, &u, reply_begin(r)) == 0 &&
	    done(r, &ud) == 0 && ud.ud_dropped.ps_len == PROTO_IDLEN,
	    "abort hands back its parts");
	is_int(meta_upload_abort(db, &u, reply_begin(r)), CAIRN_ENOUPLOAD,
	    "abort again: no such upload");
	create(db, "a/1", UP1);
	create(db, "a/2", UP1);
	create(db, "b", UP1);
	create(db, "b", UP2);
	memset(&ul, 0, sizeof(ul));
	ul.ul_bucket = proto_str_c("bk");
	ul.ul_delimiter = proto_str_c("/");
	ul.ul_max = 1000;
	ok(meta_upload_list(db, &ul, reply_begin(r)) == 0 &&
	    msg_upload_list_reply_unpack(reply_obj(r), &ur) == 0 &&
	    ur.ur_nprefixes == 1 && ur.ur_nentries == 2 &&
	    proto_str_eq(ur.ur_prefixes[0], "a/") &&
	    proto_str_eq(ur.ur_entries[1].ue_upload_id, UP2) &&
	    ur.ur_entries[1].ue_initiated_ns == 2,
	    "list uploads: a/ rolled up, b twice in initiation order");
	msg_upload_list_reply_free(&ur);
	ul.ul_key_marker = proto_str_c("b");
	ul.ul_upload_id_marker = proto_str_c(UP1);
	ok(meta_upload_list(db, &ul, reply_begin(r)) == 0 &&
	    msg_upload_list_reply_unpack(reply_obj(r), &ur) == 0 &&
	    ur.ur_nentries == 1 && ur.ur_nprefixes == 0 &&
	    proto_str_eq(ur.ur_entries[0].ue_upload_id, UP2),
	    "list uploads after key and upload id markers");
	msg_upload_list_reply_free(&ur);
}

static void
test_bucket_delete(struct meta_db *db, struct reply *r)
{
	struct msg_obj_ref o = { proto_str_c("bk"), proto_str_c("k") };

	part(db, r, "b", UP2, 1, PROTO_PARTMIN);
	meta_db_obj_delete(db, &o, reply_begin(r));
	is_int(meta_db_bucket_delete(db, proto_str_c("bk")), 0,
	    "a bucket with uploads in progress is deleted");
	ok(count_tag(db, 'U') == 0 && count_tag(db, 'P') == 0,
	    "its uploads and parts are gone with it");
}

int
main(void)
{
	struct msg_bucket b = { .b_name = proto_str_c("bk"), .b_created_ns = 1 };
	struct meta_db db;
	struct reply r;
	char path[PATH_MAX];

	log_init("test_meta_upload", 0);
	plan(31);
	if (scratch_make(tmpdir, sizeof(tmpdir), "upload") != 0)
		return 1;
	snprintf(path, sizeof(path), "%s/meta", tmpdir);
	reply_init(&r);
	is_int(meta_db_open(&db, path), 0, "open a new database");
	is_int(create(&db, "k", UP1), CAIRN_ENOBUCKET, "create: no bucket");
	meta_db_bucket_create(&db, &b);
	test_parts(&db, &r);
	test_complete(&db, &r);
	test_abort_list(&db, &r);
	test_bucket_delete(&db, &r);
	meta_db_close(&db);
	reply_free(&r);
	scratch_remove(tmpdir);
	return tap_done();
}
