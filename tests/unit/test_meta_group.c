/* test_meta_group.c - a gateway's batch of puts and deletes in one write */
#include "config.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <leveldb/c.h>
#include <msgpack.h>

#include "errors.h"
#include "log.h"
#include "metad.h"
#include "proto.h"
#include "reply.h"
#include "rpc.h"
#include "scratch.h"
#include "tap.h"

#define NKEYS		32	/* keys each thread writes, per group */
#define ROUNDS		40	/* groups each thread writes */

static char tmpdir[SCRATCH_DIRMAX];
static const char data[64];	/* the bytes of every record: sizes < 64 */

/* One request of a group, packed as a gateway sends it. */
struct req {
	msgpack_sbuffer		 q_sb;
	struct proto_msg	 q_msg;
	struct reply		 q_reply;
};

static struct proto_str
S(const char *s)
{
	return proto_str_c(s);
}

/* req_put packs a put of a record of size into bucket/key: inline when
 * size is odd, else erasure coded (only these give shards up: a reply
 * names a record replaced only when it has some). */
static void
req_put(struct req *q, const char *bucket, const char *key, uint64_t size)
{
	struct msg_obj_put *p = calloc(1, sizeof(*p));
	msgpack_packer pk;

	p->p_bucket = S(bucket);
	p->p_key = S(key);
	p->p_rec.or_size = size;
	p->p_rec.or_mtime_ns = 1000;
	p->p_rec.or_inline = size % 2 == 1;
	if (p->p_rec.or_inline) {
		p->p_rec.or_data.ps_ptr = data;
		p->p_rec.or_data.ps_len = size;	/* what inline records carry */
	} else {
		memset(p->p_rec.or_data_id, (int)size, PROTO_IDLEN);
		p->p_rec.or_k = 2;
		p->p_rec.or_m = 2;
		p->p_rec.or_block_size = 1024;
	}
	msgpack_sbuffer_init(&q->q_sb);
	msgpack_packer_init(&pk, &q->q_sb, msgpack_sbuffer_write);
	proto_begin(&pk, MSG_META_VER_PUT, 1);
	msg_obj_put_pack(&pk, p);
	free(p);
	if (proto_open(&q->q_msg, q->q_sb.data, q->q_sb.size) != 0)
		diag("cannot open the packed put");
	reply_init(&q->q_reply);
}

/* req_get packs a read of bucket/key's latest version. */
static void
req_get(struct req *q, const char *bucket, const char *key)
{
	struct msg_ver_ref ref = { S(bucket), S(key), S(""), false };
	msgpack_packer pk;

	msgpack_sbuffer_init(&q->q_sb);
	msgpack_packer_init(&pk, &q->q_sb, msgpack_sbuffer_write);
	proto_begin(&pk, MSG_META_VER_GET, 2);
	msg_ver_ref_pack(&pk, &ref);
	if (proto_open(&q->q_msg, q->q_sb.data, q->q_sb.size) != 0)
		diag("cannot open the packed read");
	reply_init(&q->q_reply);
}

/* req_del packs a delete of bucket/key (vid "": the latest). */
static void
req_del(struct req *q, const char *bucket, const char *key, const char *vid)
{
	struct msg_ver_ref ref = { S(bucket), S(key), S(vid), false };
	msgpack_packer pk;

	msgpack_sbuffer_init(&q->q_sb);
	msgpack_packer_init(&pk, &q->q_sb, msgpack_sbuffer_write);
	proto_begin(&pk, MSG_META_VER_DELETE, 3);
	msg_ver_ref_pack(&pk, &ref);
	if (proto_open(&q->q_msg, q->q_sb.data, q->q_sb.size) != 0)
		diag("cannot open the packed delete");
	reply_init(&q->q_reply);
}

/* run offers the n requests to meta_group_run; returns how many it took. */
static int
run(struct meta_db *db, struct req *q, struct rpc_group_req *g, int n)
{
	int i;

	memset(g, 0, (size_t)n * sizeof(*g));
	for (i = 0; i < n; i++) {
		g[i].g_req = &q[i].q_msg;
		g[i].g_reply = reply_begin(&q[i].q_reply);
	}
	return meta_group_run(db, g, n);
}

static void
req_free(struct req *q, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		proto_close(&q[i].q_msg);
		msgpack_sbuffer_destroy(&q[i].q_sb);
		reply_free(&q[i].q_reply);
	}
}

/* done decodes the reply of a put or delete: the size of the record it
 * gave up, or -1; -3 for a delete marker made or removed. */
static long long
done(struct req *q, char *vid)
{
	struct msg_ver_done d;

	if (msg_ver_done_unpack(reply_obj(&q->q_reply), &d) != 0)
		return -2;
	if (d.vd_delete_marker)
		return -3;
	if (vid != NULL) {
		memcpy(vid, d.vd_version_id.ps_ptr, d.vd_version_id.ps_len);
		vid[d.vd_version_id.ps_len] = '\0';
	}
	return d.vd_has_old ? (long long)d.vd_old.or_size : -1;
}

/* latest returns the size of bucket/key's latest version, -3 for a
 * delete marker, or an error. */
static long long
latest(struct meta_db *db, const char *bucket, const char *key)
{
	struct msg_ver_ref ref = { S(bucket), S(key), S(""), false };
	struct msg_objrec *rec = calloc(1, sizeof(*rec));
	struct reply r;
	long long size;
	int rc;

	reply_init(&r);
	if ((rc = meta_version_get(db, &ref, reply_begin(&r))) != 0)
		size = rc;
	else if (msg_objrec_unpack(reply_obj(&r), rec) != 0)
		size = CAIRN_EPROTO;
	else
		size = rec->or_delete_marker ? -3 : (long long)rec->or_size;
	reply_free(&r);
	free(rec);
	return size;
}

static void
bucket(struct meta_db *db, const char *name, uint8_t state)
{
	struct msg_bucket b = { .b_name = S(name), .b_versioning = state };

	if (meta_db_bucket_create(db, &b) != 0)
		diag("cannot create %s", name);
}

/* test_unversioned: one key twice in a group, a missing bucket, a read. */
static void
test_unversioned(struct meta_db *db)
{
	struct rpc_group_req g[6];
	struct req q[6];
	uint64_t b0;

	bucket(db, "gu", BUCKET_VER_OFF);
	b0 = atomic_load(&db->md_commit.mc_nbatches);
	req_put(&q[0], "gu", "a", 6);
	req_put(&q[1], "gu", "b", 2);
	req_put(&q[2], "gu", "a", 3);
	req_put(&q[3], "no-such-bucket", "a", 4);
	req_get(&q[4], "gu", "b");
	req_put(&q[5], "gu", "c", 5);
	is_int(run(db, q, g, 6), 5, "the five puts are taken");
	ok(!g[4].g_taken, "the read is left for the pool");
	ok(g[0].g_rc == 0 && g[1].g_rc == 0 && g[2].g_rc == 0 &&
	    g[5].g_rc == 0, "the puts into the bucket succeed");
	is_int(g[3].g_rc, CAIRN_ENOBUCKET, "the put into no bucket fails, "
	    "alone");
	is_int(done(&q[0], NULL), -1, "the first put of a replaces nothing");
	is_int(done(&q[2], NULL), 6, "the second put of a replaces the first");
	is_int(latest(db, "gu", "a"), 3, "a is the second put");
	ok(latest(db, "gu", "b") == 2 && latest(db, "gu", "c") == 5,
	    "b and c are stored");
	/* a twice: what was pending is written before the second put. */
	is_int((int)(atomic_load(&db->md_commit.mc_nbatches) - b0), 2,
	    "two synced writes for the group");
	req_free(q, 6);

	req_put(&q[0], "gu", "c", 4);
	is_int(run(db, q, g, 1), 1, "a put over an inline record is taken");
	ok(g[0].g_rc == 0 && done(&q[0], NULL) == -1 &&
	    latest(db, "gu", "c") == 4, "it replaces the record, and names "
	    "none given up: an inline one has no shards to delete");
	req_free(q, 1);
}

/* test_versioned: one key twice in a group keeps both versions. */
static void
test_versioned(struct meta_db *db)
{
	struct rpc_group_req g[2];
	struct req q[2];
	char v0[PROTO_VERIDLEN + 1], v1[PROTO_VERIDLEN + 1];

	bucket(db, "gv", BUCKET_VER_ENABLED);
	req_put(&q[0], "gv", "k", 10);
	req_put(&q[1], "gv", "k", 11);
	is_int(run(db, q, g, 2), 2, "both puts are taken");
	ok(done(&q[0], v0) == -1 && done(&q[1], v1) == -1,
	    "a versioned put gives up no record");
	ok(strlen(v0) == PROTO_VERIDLEN && strlen(v1) == PROTO_VERIDLEN &&
	    strcmp(v0, v1) != 0, "two version ids: %s %s", v0, v1);
	is_int(latest(db, "gv", "k"), 11, "the later put is the latest");
	req_free(q, 2);
}

/* test_deletes: deletes among puts, of keys put in the same group. */
static void
test_deletes(struct meta_db *db)
{
	struct rpc_group_req g[4];
	struct req q[4];
	uint64_t b0;

	bucket(db, "gd", BUCKET_VER_OFF);
	bucket(db, "gdv", BUCKET_VER_ENABLED);
	req_put(&q[0], "gd", "a", 12);
	req_del(&q[1], "gd", "a", "");
	req_put(&q[2], "gdv", "k", 8);
	req_del(&q[3], "gdv", "k", "");
	is_int(run(db, q, g, 4), 4, "two puts and two deletes are taken");
	ok(g[0].g_rc == 0 && g[1].g_rc == 0 && g[2].g_rc == 0 &&
	    g[3].g_rc == 0, "all four succeed");
	is_int(done(&q[1], NULL), 12, "the delete gives up the record put "
	    "before it in the group");
	is_int(latest(db, "gd", "a"), CAIRN_ENOKEY, "the key is gone");
	is_int(done(&q[3], NULL), -3, "the versioned delete makes a marker");
	is_int(latest(db, "gdv", "k"), -3, "the marker is the latest");
	req_free(q, 4);

	b0 = atomic_load(&db->md_commit.mc_nbatches);
	req_del(&q[0], "gd", "never", "");
	req_del(&q[1], "gd", "a", "");
	is_int(run(db, q, g, 2), 2, "deletes of missing keys are taken");
	ok(g[0].g_rc == 0 && g[1].g_rc == 0 && done(&q[0], NULL) == -1,
	    "and answered as deleted, giving up nothing");
	is_int((int)(atomic_load(&db->md_commit.mc_nbatches) - b0), 0,
	    "with no write");
	req_free(q, 2);
}

/* One thread writing groups of NKEYS keys, in one order or the other. */
struct writer {
	struct meta_db	*w_db;
	bool		 w_reverse;
	int		 w_failed;
};

static void *
writer_main(void *arg)
{
	struct writer *w = arg;
	struct rpc_group_req g[NKEYS];
	struct req *q = calloc(NKEYS, sizeof(*q));
	char key[16];
	int round, i, k;

	for (round = 0; round < ROUNDS; round++) {
		for (i = 0; i < NKEYS; i++) {
			k = w->w_reverse ? NKEYS - 1 - i : i;
			snprintf(key, sizeof(key), "key%02d", k);
			req_put(&q[i], "gt", key, (uint64_t)(round + 1));
		}
		if (run(w->w_db, q, g, NKEYS) != NKEYS)
			w->w_failed++;
		for (i = 0; i < NKEYS; i++)
			if (g[i].g_rc != 0)
				w->w_failed++;
		req_free(q, NKEYS);
	}
	free(q);
	return NULL;
}

/* test_threads: two threads taking the same key locks in opposite orders
 * finish (a deadlock would hang: main's alarm ends the test). */
static void
test_threads(struct meta_db *db)
{
	struct writer w[2] = { { db, false, 0 }, { db, true, 0 } };
	pthread_t t[2];
	char key[16];
	int i, bad = 0;

	bucket(db, "gt", BUCKET_VER_OFF);
	for (i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, writer_main, &w[i]);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	ok(w[0].w_failed == 0 && w[1].w_failed == 0, "%d groups of %d puts "
	    "from two threads in opposite key orders all succeed",
	    2 * ROUNDS, NKEYS);
	for (i = 0; i < NKEYS; i++) {
		snprintf(key, sizeof(key), "key%02d", i);
		if (latest(db, "gt", key) != ROUNDS)
			bad++;
	}
	is_int(bad, 0, "every key holds a put of the last round");
}

int
main(void)
{
	struct meta_db db;
	char path[PATH_MAX];

	log_init("test_meta_group", 0);
	plan(11 + 4 + 9 + 2);
	alarm(120);	/* a lock taken twice, or two threads waiting */
	if (scratch_make(tmpdir, sizeof(tmpdir), "metagroup") != 0)
		return 1;
	snprintf(path, sizeof(path), "%s/meta", tmpdir);
	if (meta_db_open(&db, path) != 0)
		return 1;
	test_unversioned(&db);
	test_versioned(&db);
	test_deletes(&db);
	test_threads(&db);
	meta_db_close(&db);
	scratch_remove(tmpdir);
	return tap_done();
}
