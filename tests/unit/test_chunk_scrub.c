/* test_chunk_scrub.c - chunkd's scrubbing calls: verify, list, sweep, repair */
#include "../../chunkd/chunk_store.c"

#include <sys/time.h>

#include "scratch.h"
#include "tap.h"

#define BS	1000		/* block size of the test shards */
#define LEN	2500		/* three blocks: 1000, 1000, 500 */

static uint8_t data[LEN];

static void
make_id(uint8_t id[PROTO_IDLEN], uint8_t first, uint8_t last)
{
	memset(id, 0x5a, PROTO_IDLEN);
	id[0] = first;
	id[PROTO_IDLEN - 1] = last;
}

/* put_shard writes block by block with write (or repair) and commits. */
static int
put_shard(struct chunk_store *cs, const uint8_t *id, bool repair)
{
	struct msg_chunk_write w;
	uint32_t b;
	int rc = 0;

	for (b = 0; b < 3 && rc == 0; b++) {
		memset(&w, 0, sizeof(w));
		memcpy(w.cw_id, id, PROTO_IDLEN);
		w.cw_shard_idx = 1;
		w.cw_block_size = BS;
		w.cw_block_no = b;
		w.cw_data.ps_ptr = (const char *)data + (size_t)b * BS;
		w.cw_data.ps_len = b == 2 ? LEN - 2 * BS : BS;
		w.cw_crc = crc_32c(w.cw_data.ps_ptr, w.cw_data.ps_len);
		w.cw_last = b == 2;
		w.cw_length = LEN;
		rc = repair ? chunk_store_repair(cs, &w) :
		    chunk_store_write(cs, &w);
	}
	return rc;
}

static int
verify(struct chunk_store *cs, const uint8_t *id, struct msg_chunk_verify *v)
{
	struct msg_chunk_ref c;

	memcpy(c.c_id, id, PROTO_IDLEN);
	return chunk_store_verify(cs, &c, v);
}

/* poke inverts one byte of the committed shard, or sets its mtime. */
static int
poke(struct chunk_store *cs, const uint8_t *id, bool tmp, off_t off,
    time_t mtime)
{
	struct shard_paths sp;
	struct timeval tv[2];
	char path[PATH_MAX + 64];

	shard_paths(&sp, id);
	snprintf(path, sizeof(path), "%s/%s", cs->cs_path,
	    tmp ? sp.sp_tmp : sp.sp_final);
	if (mtime != 0) {
		tv[0].tv_sec = tv[1].tv_sec = mtime;
		tv[0].tv_usec = tv[1].tv_usec = 0;
		return utimes(path, tv);
	}
	return scratch_flip(path, off);
}

static void
test_verify(struct chunk_store *cs)
{
	const struct shard_hdr v1 = { .sh_version = SHARD_V1,
	    .sh_block_size = BS };
	struct msg_chunk_verify v;
	uint8_t id[PROTO_IDLEN];

	make_id(id, 0x10, 1);
	is_int(verify(cs, id, &v), 0, "verify of a missing shard answers");
	is_int(v.cv_state, CHUNK_VERIFY_MISSING, "and says missing");
	is_int(put_shard(cs, id, false), 0, "write a shard");
	is_int(verify(cs, id, &v), 0, "verify it");
	ok(v.cv_state == CHUNK_VERIFY_OK && v.cv_shard_idx == 1 &&
	    v.cv_block_size == BS && v.cv_length == LEN && v.cv_nblocks == 3 &&
	    v.cv_bytes_read == LEN + 3 * CHUNK_CRCSIZE,
	    "whole, with its header's fields and bytes read");
	ok(proto_str_eq(v.cv_drive_id, chunk_store_drive_id(cs)),
	    "the reply names the drive");
	poke(cs, id, false, (off_t)block_offset(&v1, 2) + 10, 0);
	verify(cs, id, &v);
	ok(v.cv_state == CHUNK_VERIFY_CORRUPT && v.cv_nbad == 1 &&
	    v.cv_nbad_listed == 1 && v.cv_bad[0] == 2,
	    "a flipped byte in block 2 is found, and named");
	is_int(put_shard(cs, id, false), 0,
	    "a plain write of the same blocks is taken as a resend");
	verify(cs, id, &v);
	is_int(v.cv_state, CHUNK_VERIFY_CORRUPT, "and leaves the damage");
	is_int(put_shard(cs, id, true), 0, "a repair rewrites the shard");
	verify(cs, id, &v);
	is_int(v.cv_state, CHUNK_VERIFY_OK, "which is whole again");
	poke(cs, id, false, 20, 0);
	verify(cs, id, &v);
	ok(v.cv_state == CHUNK_VERIFY_CORRUPT && v.cv_nblocks == 0,
	    "a damaged header makes the whole shard corrupt");
	is_int(put_shard(cs, id, true), 0, "a repair replaces it too");
	verify(cs, id, &v);
	is_int(v.cv_state, CHUNK_VERIFY_OK, "whole again");
}

static void
test_list_sweep(struct chunk_store *cs)
{
	struct msg_chunk_list_req r;
	struct msg_chunk_list l;
	struct msg_chunk_sweep s;
	uint8_t id[PROTO_IDLEN], after[PROTO_IDLEN];
	int i, total = 0, pages = 0;
	bool sorted = true;
	time_t now = time(NULL);

	for (i = 0; i < 7; i++) {
		make_id(id, (uint8_t)(0x30 + 0x20 * i), (uint8_t)i);
		put_shard(cs, id, false);
	}
	memset(&r, 0, sizeof(r));
	r.cl_max = 3;
	do {
		if (chunk_store_list(cs, &r, &l) != 0)
			break;
		for (i = 0; i < (int)l.cls_n; i++) {
			if ((total > 0 || i > 0) && memcmp(l.cls_entries[i].ce_id,
			    i > 0 ? l.cls_entries[i - 1].ce_id : after,
			    PROTO_IDLEN) <= 0)
				sorted = false;
			total++;
		}
		pages++;
		if (l.cls_n > 0)
			memcpy(after, l.cls_entries[l.cls_n - 1].ce_id,
			    PROTO_IDLEN);
		r.cl_after.ps_ptr = (const char *)after;
		r.cl_after.ps_len = PROTO_IDLEN;
		i = l.cls_truncated;
		msg_chunk_list_free(&l);
	} while (i && pages < 10);
	is_int(total, 8, "pages of 3 list all 8 shards");
	ok(sorted, "in id order, without repeats");

	make_id(id, 0x30, 0);
	memcpy(s.sw_id, id, PROTO_IDLEN);
	s.sw_tmp = false;
	s.sw_older_than_s = (uint64_t)now - 3600;
	is_int(chunk_store_sweep(cs, &s), CAIRN_EEXIST,
	    "a sweep spares a shard written since the cutoff");
	is_int(poke(cs, id, false, 0, now - 7200), 0, "age it two hours");
	is_int(chunk_store_sweep(cs, &s), 0, "then the sweep removes it");
	is_int(chunk_store_sweep(cs, &s), CAIRN_ENOENT, "once");
}

int
main(void)
{
	struct chunk_store cs;
	char dir[SCRATCH_DIRMAX], path[PATH_MAX];
	size_t i;

	plan(20);
	log_init("test_chunk_scrub", 0);
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + i / 251);
	if (scratch_make(dir, sizeof(dir), "chunk-scrub") != 0)
		return 1;
	snprintf(path, sizeof(path), "%s/drive", dir);
	if (chunk_store_open(&cs, path) != 0) {
		diag("cannot open %s", path);
		return 1;
	}
	test_verify(&cs);
	test_list_sweep(&cs);
	chunk_store_close(&cs);
	scratch_remove(dir);
	return tap_done();
}
