/* test_meta_version.c - metad's object versions, markers and listings */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <leveldb/c.h>
#include <msgpack.h>

#include "errors.h"
#include "log.h"
#include "metad.h"
#include "proto.h"
#include "reply.h"
#include "scratch.h"
#include "tap.h"

static char tmpdir[SCRATCH_DIRMAX];
static size_t put_room;		/* vput's room for its reply; 0: all */

static struct proto_str
S(const char *s)
{
	return proto_str_c(s);
}

static void
mkrec(struct msg_objrec *rec, uint64_t size)
{
	memset(rec, 0, sizeof(*rec));
	rec->or_size = size;
	rec->or_mtime_ns = 1000;	/* metad raises it per version */
	rec->or_k = 1;
	rec->or_block_size = PROTO_STRIPE;
	rec->or_drives[0] = S("d1");
	memset(rec->or_data_id, (int)size, PROTO_IDLEN);
}

/* vput puts a record of size into bucket/k; its version id into vid. */
static int
vput(struct meta_db *db, struct reply *r, const char *bucket, uint64_t size,
    char *vid, long long *dropped)
{
	struct msg_obj_put p = { S(bucket), S("k"), { 0 }, 0, { 0 } };
	struct msg_ver_done d;
	int rc;

	mkrec(&p.p_rec, size);
	if ((rc = meta_version_put(db, &p, true, put_room,
	    reply_begin(r))) != 0)
		return rc;
	if (msg_ver_done_unpack(reply_obj(r), &d) != 0)
		return CAIRN_EPROTO;
	memcpy(vid, d.vd_version_id.ps_ptr, d.vd_version_id.ps_len);
	vid[d.vd_version_id.ps_len] = '\0';
	*dropped = d.vd_has_old ? (long long)d.vd_old.or_size : -1;
	return 0;
}

/* vget reads one version; returns its size, -2 for a marker, or error. */
static long long
vget(struct meta_db *db, struct reply *r, const char *bucket, const char *vid)
{
	struct msg_ver_ref ref = { S(bucket), S("k"), S(vid), false };
	struct msg_objrec rec;
	int rc;

	if ((rc = meta_version_get(db, &ref, reply_begin(r))) != 0)
		return rc;
	if (msg_objrec_unpack(reply_obj(r), &rec) != 0)
		return CAIRN_EPROTO;
	return rec.or_delete_marker ? -2 : (long long)rec.or_size;
}

/* vdel deletes; the version id made or removed into vid; the size of
 * the record given up, or -1. */
static long long
vdel(struct meta_db *db, struct reply *r, const char *bucket, const char *want,
    char *vid, bool *marker)
{
	struct msg_ver_ref ref = { S(bucket), S("k"), S(want), false };
	struct msg_ver_done d;
	int rc;

	if ((rc = meta_version_delete(db, &ref, true, 0, reply_begin(r))) != 0)
		return rc;
	if (msg_ver_done_unpack(reply_obj(r), &d) != 0)
		return CAIRN_EPROTO;
	memcpy(vid, d.vd_version_id.ps_ptr, d.vd_version_id.ps_len);
	vid[d.vd_version_id.ps_len] = '\0';
	*marker = d.vd_delete_marker;
	return d.vd_has_old ? (long long)d.vd_old.or_size : -1;
}

static void
bucket(struct meta_db *db, const char *name, uint8_t state)
{
	struct msg_bucket b = { .b_name = S(name), .b_versioning = state };

	if (meta_db_bucket_create(db, &b) != 0)
		diag("cannot create %s", name);
}

/* vlist lists versions of bucket: one line "size/marker,latest;..." */
static int
vlist(struct meta_db *db, struct reply *r, const char *bucket, uint32_t max,
    char *km, char *vm, char *out, size_t outlen, bool *trunc)
{
	struct msg_ver_list_req l = { S(bucket), S(""), S(""), S(km), S(vm),
	    max };
	struct msg_ver_list_reply lr;
	uint32_t i;
	size_t n;
	int rc;

	if ((rc = meta_version_list(db, &l, reply_begin(r))) != 0)
		return rc;
	if (msg_ver_list_reply_unpack(reply_obj(r), &lr) != 0)
		return CAIRN_EPROTO;
	for (i = 0; i < lr.vl_nentries; i++) {
		n = strlen(out);
		snprintf(out + n, outlen - n, "%s%llu%s;",
		    lr.vl_entries[i].ve_delete_marker ? "M" : "",
		    (unsigned long long)lr.vl_entries[i].ve_size,
		    lr.vl_entries[i].ve_latest ? "*" : "");
	}
	*trunc = lr.vl_truncated;
	snprintf(km, PROTO_KEYMAX, "%.*s", (int)lr.vl_next_key.ps_len,
	    lr.vl_next_key.ps_ptr);
	snprintf(vm, PROTO_VERIDLEN + 1, "%.*s",
	    (int)lr.vl_next_version.ps_len, lr.vl_next_version.ps_ptr);
	msg_ver_list_reply_free(&lr);
	return 0;
}

static void
test_unversioned(struct meta_db *db, struct reply *r)
{
	char vid[64];
	long long drop;
	bool marker;

	bucket(db, "off", BUCKET_VER_OFF);
	is_int(vput(db, r, "off", 10, vid, &drop), 0, "off: put");
	ok(vid[0] == '\0' && drop == -1, "off: no version id, nothing given up");
	is_int(vput(db, r, "off", 11, vid, &drop), 0, "off: put again");
	is_int(drop, 10, "off: the replaced record is given up");
	is_int(vget(db, r, "off", "null"), 11, "off: versionId null reads it");
	is_int(vdel(db, r, "off", "", vid, &marker), 11,
	    "off: delete gives the record up");
	ok(!marker && vid[0] == '\0', "off: no marker");
	is_int(vget(db, r, "off", ""), CAIRN_ENOKEY, "off: gone");
}

static void
test_enabled(struct meta_db *db, struct reply *r)
{
	char v[5][64], vid[64], mk[64], out[256] = "", km[PROTO_KEYMAX] = "",
	    vm[64] = "";
	struct msg_obj_ref ref = { S("on"), S("k") };
	long long drop;
	bool marker, trunc;
	int i;

	bucket(db, "on", BUCKET_VER_ENABLED);
	for (i = 0; i < 5; i++)
		if (vput(db, r, "on", 100 + i, v[i], &drop) != 0 || drop != -1)
			break;
	is_int(i, 5, "on: five puts keep every version");
	ok(strlen(v[0]) == PROTO_VERIDLEN && strcmp(v[0], v[4]) != 0,
	    "on: version ids of %d digits, all different", PROTO_VERIDLEN);
	is_int(vget(db, r, "on", v[1]), 101, "on: read an old version");
	is_int(vget(db, r, "on", ""), 104, "on: read the latest");
	is_int(vget(db, r, "on", "0123456789abcdef0123456789abcdef"),
	    CAIRN_ENOVERSION, "on: unknown version");
	is_int(vget(db, r, "on", "xyz"), CAIRN_EINVAL, "on: malformed version");
	vlist(db, r, "on", 1000, km, vm, out, sizeof(out), &trunc);
	ok(strcmp(out, "104*;103;102;101;100;") == 0 && !trunc,
	    "on: listed newest first (%s)", out);
	out[0] = km[0] = vm[0] = '\0';
	do {
		vlist(db, r, "on", 2, km, vm, out, sizeof(out), &trunc);
	} while (trunc);
	ok(strcmp(out, "104*;103;102;101;100;") == 0,
	    "on: listed in pages of 2 (%s)", out);

	ok(vdel(db, r, "on", "", mk, &marker) == -1 && marker &&
	    strlen(mk) == PROTO_VERIDLEN, "on: delete adds a marker");
	is_int(vget(db, r, "on", ""), -2, "on: the latest is the marker");
	is_int(meta_db_obj_get(db, &ref, reply_begin(r)), CAIRN_ENOKEY,
	    "on: a plain get sees no object");
	is_int(vdel(db, r, "on", v[2], vid, &marker), 102,
	    "on: delete of a version gives it up");
	is_int(vget(db, r, "on", v[2]), CAIRN_ENOVERSION, "on: it is gone");
	ok(vdel(db, r, "on", mk, vid, &marker) == -1 && marker,
	    "on: delete the marker by id");
	is_int(vget(db, r, "on", ""), 104, "on: the previous latest is back");
	is_int(vdel(db, r, "on", v[4], vid, &marker), 104,
	    "on: delete the latest by id");
	is_int(vget(db, r, "on", ""), 103, "on: the next newest is latest");
	out[0] = km[0] = vm[0] = '\0';
	vlist(db, r, "on", 1000, km, vm, out, sizeof(out), &trunc);
	ok(strcmp(out, "103*;101;100;") == 0, "on: list after (%s)", out);
}

/* bucket_set runs MSG_META_BUCKET_SET through metad's dispatch. */
static int
bucket_set(struct meta_db *db, struct msg_bucket_set *bs,
    struct reply *r)
{
	struct proto_msg m;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	int rc;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	proto_begin(&pk, MSG_META_BUCKET_SET, 1);
	msg_bucket_set_pack(&pk, bs);
	if ((rc = proto_open(&m, sb.data, sb.size)) == 0) {
		rc = meta_bconf_dispatch(db, &m, reply_begin(r));
		proto_close(&m);
	}
	msgpack_sbuffer_destroy(&sb);
	return rc;
}

static void
test_suspended(struct meta_db *db, struct reply *r)
{
	char v[64], vid[64], out[256] = "", km[PROTO_KEYMAX] = "", vm[64] = "";
	struct msg_bucket_set bs;
	long long drop;
	bool marker, trunc;

	bucket(db, "sus", BUCKET_VER_OFF);
	vput(db, r, "sus", 1, vid, &drop);	/* the null version */
	memset(&bs, 0, sizeof(bs));
	bs.bs_bucket.b_name = S("sus");
	bs.bs_bucket.b_versioning = BUCKET_VER_ENABLED;
	bs.bs_fields = BUCKET_SET_VERSIONING;
	is_int(bucket_set(db, &bs, r), 0, "sus: enable");
	vput(db, r, "sus", 2, v, &drop);
	is_int(drop, -1, "sus: the null version is kept as noncurrent");
	bs.bs_bucket.b_versioning = BUCKET_VER_SUSPENDED;
	is_int(bucket_set(db, &bs, r), 0, "sus: suspend");
	vput(db, r, "sus", 3, vid, &drop);
	ok(strcmp(vid, "null") == 0 && drop == 1,
	    "sus: a put makes the null version, giving up the old one");
	vput(db, r, "sus", 4, vid, &drop);
	is_int(drop, 3, "sus: a second put replaces the null version");
	is_int(vget(db, r, "sus", v), 2, "sus: the enabled version is kept");
	ok(vdel(db, r, "sus", "", vid, &marker) == 4 && marker &&
	    strcmp(vid, "null") == 0, "sus: delete makes a null marker");
	vlist(db, r, "sus", 1000, km, vm, out, sizeof(out), &trunc);
	ok(strcmp(out, "M0*;2;") == 0, "sus: list (%s)", out);
}

/* scan_all walks every scan page of max entries; counts the entries. */
static int
scan_all(struct meta_db *db, struct reply *r, uint32_t max)
{
	struct msg_scan_req s;
	struct msg_scan_reply sr;
	char ab[PROTO_BUCKETMAX + 1] = "", ak[PROTO_SCANKEYMAX] = "";
	size_t abl = 0, akl = 0;
	int n = 0;

	do {
		memset(&s, 0, sizeof(s));
		s.sc_bucket = S("");
		s.sc_prefix = S("");
		s.sc_after_bucket.ps_ptr = ab;
		s.sc_after_bucket.ps_len = abl;
		s.sc_after_key.ps_ptr = ak;
		s.sc_after_key.ps_len = akl;
		s.sc_max = max;
		if (meta_scan(db, &s, reply_begin(r)) != 0 ||
		    msg_scan_reply_unpack(reply_obj(r), &sr) != 0)
			return -1;
		n += (int)sr.sr_n;
		if (sr.sr_n > 0) {
			abl = sr.sr_entries[sr.sr_n - 1].se_bucket.ps_len;
			akl = sr.sr_entries[sr.sr_n - 1].se_key.ps_len;
			memcpy(ab, sr.sr_entries[sr.sr_n - 1].se_bucket.ps_ptr,
			    abl);
			memcpy(ak, sr.sr_entries[sr.sr_n - 1].se_key.ps_ptr, akl);
		}
		msg_scan_reply_free(&sr);
	} while (sr.sr_truncated);
	return n;
}

static void
test_scan(struct meta_db *db, struct reply *r)
{
	int all = scan_all(db, r, PROTO_SCANMAX);

	/* off: none; on: 103, 101, 100; sus: a marker and 2. */
	is_int(all, 5, "scan: every version of every key, markers included");
	ok(scan_all(db, r, 1) >= all,
	    "scan in pages of 1 still meets every version");
}

/* lput puts a record with the given lock headers; its version id. */
static int
lput(struct meta_db *db, struct reply *r, const char *mode,
    const char *until, const char *hold, char *vid)
{
	struct msg_obj_put p = { S("lk"), S("k"), { 0 }, 0, { 0 } };
	struct msg_ver_done d;
	int rc;

	mkrec(&p.p_rec, 7);
	if (mode != NULL) {
		p.p_rec.or_hdr_name[p.p_rec.or_nhdrs] = S(META_LOCK_MODE);
		p.p_rec.or_hdr_value[p.p_rec.or_nhdrs++] = S(mode);
		p.p_rec.or_hdr_name[p.p_rec.or_nhdrs] = S(META_LOCK_UNTIL);
		p.p_rec.or_hdr_value[p.p_rec.or_nhdrs++] = S(until);
	}
	if (hold != NULL) {
		p.p_rec.or_hdr_name[p.p_rec.or_nhdrs] = S(META_LOCK_HOLD);
		p.p_rec.or_hdr_value[p.p_rec.or_nhdrs++] = S(hold);
	}
	if ((rc = meta_version_put(db, &p, true, 0, reply_begin(r))) != 0)
		return rc;
	if (msg_ver_done_unpack(reply_obj(r), &d) != 0)
		return CAIRN_EPROTO;
	snprintf(vid, PROTO_VERIDLEN + 1, "%.*s", (int)d.vd_version_id.ps_len,
	    d.vd_version_id.ps_ptr);
	return 0;
}

/* ldel deletes version vid of lk/k, with or without the bypass. */
static int
ldel(struct meta_db *db, struct reply *r, const char *vid, bool bypass)
{
	struct msg_ver_ref ref = { S("lk"), S("k"), S(vid), bypass };

	return meta_version_delete(db, &ref, true, 0, reply_begin(r));
}

static void
test_lock(struct meta_db *db, struct reply *r)
{
	struct msg_bucket b = { .b_name = S("lk"), .b_object_lock = true,
	    .b_versioning = BUCKET_VER_ENABLED };
	char v[4][PROTO_VERIDLEN + 1];

	meta_db_bucket_create(db, &b);
	lput(db, r, "GOVERNANCE", "2999-01-01T00:00:00Z", NULL, v[0]);
	lput(db, r, "COMPLIANCE", "2999-01-01T00:00:00Z", NULL, v[1]);
	lput(db, r, "COMPLIANCE", "2001-01-01T00:00:00Z", "ON", v[2]);
	lput(db, r, "COMPLIANCE", "2001-01-01T00:00:00Z", NULL, v[3]);
	is_int(ldel(db, r, v[0], false), CAIRN_ELOCKED,
	    "lock: GOVERNANCE keeps a version");
	is_int(ldel(db, r, v[0], true), 0, "lock: but not with the bypass");
	is_int(ldel(db, r, v[1], true), CAIRN_ELOCKED,
	    "lock: COMPLIANCE keeps it even with the bypass");
	is_int(ldel(db, r, v[2], true), CAIRN_ELOCKED,
	    "lock: so does a legal hold");
	is_int(ldel(db, r, v[3], false), 0, "lock: a past date keeps nothing");
	is_int(ldel(db, r, "", false), 0, "lock: a delete marker may be added");
}

/*
 * test_room: a put in a batch whose reply has no room for the record it
 * replaced leaves that record out (its shards go to the orphan sweep).
 */
static void
test_room(struct meta_db *db, struct reply *r)
{
	char vid[PROTO_VERIDLEN + 1];
	long long dropped = 0;

	bucket(db, "room", BUCKET_VER_OFF);
	(void)vput(db, r, "room", 10, vid, &dropped);
	put_room = 64;
	ok(vput(db, r, "room", 11, vid, &dropped) == 0 && dropped == -1,
	    "without room in its reply, an overwrite leaves out the old record");
	put_room = 4096;
	ok(vput(db, r, "room", 12, vid, &dropped) == 0 && dropped == 11,
	    "with room, the old record is in the reply");
	put_room = 0;
}

int
main(void)
{
	struct meta_db db;
	struct reply r;
	char path[PATH_MAX];

	log_init("test_meta_version", 0);
	plan(8 + 18 + 8 + 2 + 6 + 2);
	if (scratch_make(tmpdir, sizeof(tmpdir), "metaver") != 0)
		return 1;
	snprintf(path, sizeof(path), "%s/meta", tmpdir);
	reply_init(&r);
	if (meta_db_open(&db, path) != 0)
		return 1;
	test_unversioned(&db, &r);
	test_enabled(&db, &r);
	test_suspended(&db, &r);
	test_scan(&db, &r);
	test_lock(&db, &r);
	test_room(&db, &r);
	meta_db_close(&db);
	reply_free(&r);
	scratch_remove(tmpdir);
	return tap_done();
}
