/* test_scrub.c - scrubd's pieces without daemons: budget, id set, names */
#include "../../scrubd/scrub_rate.c"
#include "../../scrubd/scrub_ids.c"
#include "../../scrubd/scrub_names.c"

#include "errors.h"
#include "tap.h"

/* A packed payload and its decoded tree. */
struct wire {
	msgpack_sbuffer		 w_sb;
	msgpack_packer		 w_pk;
	msgpack_unpacked	 w_u;
};

static msgpack_packer *
wire_begin(struct wire *w)
{
	msgpack_sbuffer_init(&w->w_sb);
	msgpack_packer_init(&w->w_pk, &w->w_sb, msgpack_sbuffer_write);
	msgpack_unpacked_init(&w->w_u);
	return &w->w_pk;
}

/* wire_decode decodes what was packed; NULL if it is not one object. */
static const msgpack_object *
wire_decode(struct wire *w)
{
	size_t off = 0;

	if (msgpack_unpack_next(&w->w_u, w->w_sb.data, w->w_sb.size, &off) !=
	    MSGPACK_UNPACK_SUCCESS || off != w->w_sb.size)
		return NULL;
	return &w->w_u.data;
}

static void
wire_end(struct wire *w)
{
	msgpack_unpacked_destroy(&w->w_u);
	msgpack_sbuffer_destroy(&w->w_sb);
}

static void
test_scan_msgs(void)
{
	struct msg_scan_req q = { proto_str_c("b"), proto_str_c("p/"),
	    proto_str_c("b"), proto_str_c("p/x"), 100 }, q2;
	struct msg_scan_reply r;
	struct msg_objrec rec;
	msgpack_sbuffer rsb;
	msgpack_packer rpk;
	struct wire w;

	msg_scan_req_pack(wire_begin(&w), &q);
	ok(msg_scan_req_unpack(wire_decode(&w), &q2) == 0 &&
	    proto_str_eq(q2.sc_prefix, "p/") &&
	    proto_str_eq(q2.sc_after_key, "p/x") && q2.sc_max == 100,
	    "msg_scan_req round-trips");
	wire_end(&w);
	q.sc_max = PROTO_SCANMAX + 1;
	msg_scan_req_pack(wire_begin(&w), &q);
	ok(msg_scan_req_unpack(wire_decode(&w), &q2) == CAIRN_EPROTO,
	    "a scan page above PROTO_SCANMAX is refused");
	wire_end(&w);

	memset(&rec, 0, sizeof(rec));
	rec.or_size = 3000000;
	rec.or_k = 2;
	rec.or_m = 2;
	rec.or_block_size = PROTO_STRIPE / 2;
	rec.or_data_id[0] = 0xab;
	rec.or_drives[0] = proto_str_c("d1");
	rec.or_drives[1] = proto_str_c("d2");
	rec.or_drives[2] = proto_str_c("d3");
	rec.or_drives[3] = proto_str_c("d4");
	msgpack_sbuffer_init(&rsb);
	msgpack_packer_init(&rpk, &rsb, msgpack_sbuffer_write);
	msg_objrec_pack(&rpk, &rec);
	msg_scan_reply_pack_begin(wire_begin(&w), true, 2);
	msg_scan_entry_pack(&w.w_pk, proto_str_c("b1"), proto_str_c("k1"),
	    rsb.data, rsb.size);
	msg_scan_entry_pack(&w.w_pk, proto_str_c("b2"), proto_str_c("k2"),
	    rsb.data, rsb.size);
	ok(msg_scan_reply_unpack(wire_decode(&w), &r) == 0 && r.sr_truncated &&
	    r.sr_n == 2 && proto_str_eq(r.sr_entries[1].se_bucket, "b2") &&
	    proto_str_eq(r.sr_entries[1].se_key, "k2") &&
	    r.sr_entries[1].se_rec.or_size == 3000000 &&
	    r.sr_entries[0].se_rec.or_data_id[0] == 0xab &&
	    proto_str_eq(r.sr_entries[0].se_rec.or_drives[3], "d4"),
	    "msg_scan_reply round-trips stored records");
	msg_scan_reply_free(&r);
	wire_end(&w);
	msgpack_sbuffer_destroy(&rsb);
}

static void
test_chunk_msgs(void)
{
	struct msg_chunk_verify v, v2;
	struct msg_chunk_list_req lq, lq2;
	struct msg_chunk_list l, l2;
	struct msg_chunk_list_entry e[3];
	struct msg_chunk_sweep sw, sw2;
	uint8_t after[PROTO_IDLEN];
	struct wire w;
	int i;

	memset(&v, 0, sizeof(v));
	v.cv_state = CHUNK_VERIFY_CORRUPT;
	v.cv_shard_idx = 3;
	v.cv_block_size = 524288;
	v.cv_length = 1048576 + 5;
	v.cv_nblocks = 3;
	v.cv_nbad = 20;
	v.cv_nbad_listed = 2;
	v.cv_bad[0] = 0;
	v.cv_bad[1] = 2;
	v.cv_bytes_read = 1048576 + 17;
	v.cv_drive_id = proto_str_c("5f0c1e1a-1111-4222-8333-444455556666");
	msg_chunk_verify_pack(wire_begin(&w), &v);
	ok(msg_chunk_verify_unpack(wire_decode(&w), &v2) == 0 &&
	    v2.cv_state == v.cv_state && v2.cv_shard_idx == 3 &&
	    v2.cv_length == v.cv_length && v2.cv_nbad == 20 &&
	    v2.cv_nbad_listed == 2 && v2.cv_bad[1] == 2 &&
	    v2.cv_bytes_read == v.cv_bytes_read &&
	    proto_str_eq(v2.cv_drive_id, "5f0c1e1a-1111-4222-8333-444455556666"),
	    "msg_chunk_verify round-trips");
	wire_end(&w);

	memset(after, 0x7e, sizeof(after));
	lq.cl_tmp = true;
	lq.cl_after.ps_ptr = (const char *)after;
	lq.cl_after.ps_len = PROTO_IDLEN;
	lq.cl_max = PROTO_CLISTMAX;
	msg_chunk_list_req_pack(wire_begin(&w), &lq);
	ok(msg_chunk_list_req_unpack(wire_decode(&w), &lq2) == 0 &&
	    lq2.cl_tmp && lq2.cl_after.ps_len == PROTO_IDLEN &&
	    memcmp(lq2.cl_after.ps_ptr, after, PROTO_IDLEN) == 0 &&
	    lq2.cl_max == PROTO_CLISTMAX, "msg_chunk_list_req round-trips");
	wire_end(&w);
	lq.cl_after.ps_len = 5;
	msg_chunk_list_req_pack(wire_begin(&w), &lq);
	ok(msg_chunk_list_req_unpack(wire_decode(&w), &lq2) == CAIRN_EPROTO,
	    "a list cursor that is not a data id is refused");
	wire_end(&w);

	for (i = 0; i < 3; i++) {
		memset(e[i].ce_id, i + 1, PROTO_IDLEN);
		e[i].ce_mtime_s = 1763800000u + (uint64_t)i;
	}
	l.cls_truncated = true;
	l.cls_n = 3;
	l.cls_entries = e;
	msg_chunk_list_pack(wire_begin(&w), &l);
	ok(msg_chunk_list_unpack(wire_decode(&w), &l2) == 0 &&
	    l2.cls_truncated && l2.cls_n == 3 &&
	    l2.cls_entries[2].ce_id[15] == 3 &&
	    l2.cls_entries[2].ce_mtime_s == 1763800002u,
	    "msg_chunk_list round-trips");
	msg_chunk_list_free(&l2);
	wire_end(&w);

	memset(sw.sw_id, 0xcd, PROTO_IDLEN);
	sw.sw_tmp = false;
	sw.sw_older_than_s = 1763800000u;
	msg_chunk_sweep_pack(wire_begin(&w), &sw);
	ok(msg_chunk_sweep_unpack(wire_decode(&w), &sw2) == 0 &&
	    !sw2.sw_tmp && sw2.sw_id[7] == 0xcd &&
	    sw2.sw_older_than_s == sw.sw_older_than_s,
	    "msg_chunk_sweep round-trips");
	wire_end(&w);
}

static void
test_scrub_msgs(void)
{
	struct msg_scrub_scope s = { proto_str_c("photos"),
	    proto_str_c("2024/") }, s2;
	struct msg_scrub_report rp, rp2;
	struct wire w;

	msg_scrub_scope_pack(wire_begin(&w), &s);
	ok(msg_scrub_scope_unpack(wire_decode(&w), &s2) == 0 &&
	    proto_str_eq(s2.ss_bucket, "photos") &&
	    proto_str_eq(s2.ss_prefix, "2024/"), "msg_scrub_scope round-trips");
	wire_end(&w);

	memset(&rp, 0, sizeof(rp));
	rp.rp_nstats = 2;
	rp.rp_stat_name[0] = proto_str_c("objects_scanned");
	rp.rp_stat_value[0] = 10000;
	rp.rp_stat_name[1] = proto_str_c("unrecoverable");
	rp.rp_stat_value[1] = 1;
	rp.rp_nunrec = 1;
	rp.rp_unrec[0] = proto_str_c("b/lost");
	rp.rp_nhealed = 2;
	rp.rp_healed[0] = proto_str_c("b/a");
	rp.rp_healed[1] = proto_str_c("b/b");
	msg_scrub_report_pack(wire_begin(&w), &rp);
	ok(msg_scrub_report_unpack(wire_decode(&w), &rp2) == 0 &&
	    rp2.rp_nstats == 2 && rp2.rp_stat_value[0] == 10000 &&
	    proto_str_eq(rp2.rp_stat_name[1], "unrecoverable") &&
	    rp2.rp_nunrec == 1 && proto_str_eq(rp2.rp_unrec[0], "b/lost") &&
	    rp2.rp_nhealed == 2 && proto_str_eq(rp2.rp_healed[1], "b/b"),
	    "msg_scrub_report round-trips");
	wire_end(&w);
	ok(strcmp(proto_type_name(MSG_CHUNK_VERIFY), "MSG_CHUNK_VERIFY") == 0 &&
	    strcmp(proto_type_name(MSG_SCRUB_PASS), "MSG_SCRUB_PASS") == 0,
	    "the new message types have names");
}

static void
test_rate(void)
{
	struct scrub_rate r;
	uint64_t t = 1000000, waited = 0, w;
	int i;

	/* 100 tokens/s, burst 200: the first 200 are free. */
	scrub_rate_init(&r, 100, 200, t);
	is_int((long long)scrub_rate_take(&r, 200, t), 0, "burst is free");
	w = scrub_rate_take(&r, 50, t);
	ok(w >= 499000 && w <= 501000, "50 over the burst wait 0.5 s (%llu us)",
	    (unsigned long long)w);
	/* Paying the debt by waiting: no further wait for the same take. */
	t += w;
	is_int((long long)scrub_rate_take(&r, 0, t), 0, "debt paid after waiting");
	/* A long idle time refills to the burst, never beyond. */
	t += 3600ull * 1000000;
	is_int((long long)scrub_rate_take(&r, 200, t), 0, "refilled to burst");
	ok(scrub_rate_take(&r, 1, t) > 0, "but not beyond it");
	/* Steady state: 1000 takes of 1 at the rate need ~10 s of waiting. */
	scrub_rate_init(&r, 100, 1, t);
	for (i = 0; i < 1000; i++) {
		w = scrub_rate_take(&r, 1, t);
		t += w;
		waited += w;
	}
	ok(waited >= 9900000 && waited <= 10100000,
	    "1000 objects at 100/s take 10 s (%llu us)",
	    (unsigned long long)waited);
	/* An item larger than the burst passes, then waits its cost. */
	scrub_rate_init(&r, 1000, 1000, t);
	w = scrub_rate_take(&r, 5000, t);
	ok(w >= 3999000 && w <= 4001000, "a take of 5x the burst waits 4 s");
	/* Time going backwards gives nothing. */
	scrub_rate_init(&r, 10, 10, t);
	(void)scrub_rate_take(&r, 10, t);
	ok(scrub_rate_take(&r, 1, t - 1000000) > 0, "no tokens from the past");
}

static void
test_ids(void)
{
	struct scrub_ids s;
	uint8_t id[PROTO_IDLEN];
	int i, found = 0;

	memset(&s, 0, sizeof(s));
	memset(id, 0, sizeof(id));
	ok(!scrub_ids_has(&s, id), "empty set has nothing");
	for (i = 0; i < 5000; i++) {
		id[0] = (uint8_t)(i * 7);
		id[1] = (uint8_t)(i >> 8);
		id[15] = (uint8_t)i;
		if (scrub_ids_add(&s, id) != 0)
			break;
	}
	is_int((long long)s.si_n, 5000, "5000 ids added");
	scrub_ids_sort(&s);
	for (i = 0; i < 5000; i++) {
		id[0] = (uint8_t)(i * 7);
		id[1] = (uint8_t)(i >> 8);
		id[15] = (uint8_t)i;
		found += scrub_ids_has(&s, id);
	}
	is_int(found, 5000, "every id is found");
	id[1] = 0xff;
	ok(!scrub_ids_has(&s, id), "an id never added is not found");
	scrub_ids_free(&s);
}

static void
test_names(void)
{
	struct scrub_names l;
	char key[32];
	int i;

	memset(&l, 0, sizeof(l));
	scrub_names_add(&l, proto_str_c("b"), proto_str_c("k1"));
	scrub_names_add(&l, proto_str_c("b"), proto_str_c("k1"));
	is_int(l.sn_n, 1, "a name is listed once");
	ok(strcmp(l.sn_names[0], "b/k1") == 0, "as bucket/key");
	scrub_names_del(&l, proto_str_c("b"), proto_str_c("k1"));
	is_int(l.sn_n, 0, "and removed");
	for (i = 0; i < PROTO_SCRUBNAMES + 10; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		scrub_names_add(&l, proto_str_c("b"), proto_str_c(key));
	}
	is_int(l.sn_n, PROTO_SCRUBNAMES, "the list is bounded");
	is_int((long long)l.sn_total, PROTO_SCRUBNAMES + 10,
	    "the total counts every name");
	scrub_names_free(&l);
}

int
main(void)
{
	plan(28);
	test_rate();
	test_ids();
	test_names();
	test_scan_msgs();
	test_chunk_msgs();
	test_scrub_msgs();
	return tap_done();
}
