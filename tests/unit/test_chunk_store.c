/* test_chunk_store.c - shard files: write, commit, read, verify, delete */
#include "../../chunkd/chunk_store.c"

#include <pthread.h>
#include <sys/mman.h>
#include <sys/vfs.h>

#define TMPFS_MAGIC_NUM	0x01021994	/* linux/magic.h */

#include "scratch.h"
#include "shard_file.h"
#include "tap.h"

#define BS	1000		/* block size of the test shards */
#define LEN	2500		/* three blocks: 1000, 1000, 500 */

static uint8_t data[LEN];

static void
make_id(uint8_t id[PROTO_IDLEN], uint8_t first)
{
	memset(id, 0x5a, PROTO_IDLEN);
	id[0] = first;
}

/* put sends block b of the test data (or of src, when given). */
static int
put_from(struct chunk_store *cs, const uint8_t *id, uint32_t b,
    const uint8_t *src, int last)
{
	struct msg_chunk_write w;
	size_t len = b == 2 ? LEN - 2 * BS : BS;

	memset(&w, 0, sizeof(w));
	memcpy(w.cw_id, id, PROTO_IDLEN);
	w.cw_shard_idx = 3;
	w.cw_block_size = BS;
	w.cw_block_no = b;
	w.cw_data.ps_ptr = (const char *)src + (size_t)b * BS;
	w.cw_data.ps_len = len;
	w.cw_crc = crc_32c(w.cw_data.ps_ptr, len);
	w.cw_last = last;
	w.cw_length = LEN;
	return chunk_store_write(cs, &w);
}

static int
put(struct chunk_store *cs, const uint8_t *id, uint32_t b, int last)
{
	return put_from(cs, id, b, data, last);
}

/* put_shard writes and commits a whole test shard. */
static int
put_shard(struct chunk_store *cs, const uint8_t *id)
{
	int rc;

	if ((rc = put(cs, id, 0, 0)) != 0 || (rc = put(cs, id, 1, 0)) != 0)
		return rc;
	return put(cs, id, 2, 1);
}

/* room_in is chunk_store_read's room: the test's buffer, PROTO_STRIPE. */
static void *
room_in(void *buf, size_t len)
{
	return len <= PROTO_STRIPE ? buf : NULL;
}

static int
get_how(struct chunk_store *cs, const uint8_t *id, uint32_t b, void *buf,
    struct msg_chunk_data *d, bool nowait)
{
	struct msg_chunk_read r;

	memcpy(r.cr_id, id, PROTO_IDLEN);
	r.cr_block_no = b;
	return chunk_store_read(cs, &r, room_in, buf, d, nowait);
}

static int
get(struct chunk_store *cs, const uint8_t *id, uint32_t b, void *buf,
    struct msg_chunk_data *d)
{
	return get_how(cs, id, b, buf, d, false);
}

/* got_block tells whether d holds block b of the test data. */
static bool
got_block(const struct msg_chunk_data *d, uint32_t b)
{
	size_t len = b == 2 ? LEN - 2 * BS : BS;

	return d->cd_data.ps_len == len &&
	    memcmp(d->cd_data.ps_ptr, data + (size_t)b * BS, len) == 0;
}

static int
del(struct chunk_store *cs, const uint8_t *id)
{
	struct msg_chunk_ref c;

	memcpy(c.c_id, id, PROTO_IDLEN);
	return chunk_store_delete(cs, &c);
}

static int
exists(struct chunk_store *cs, const uint8_t *id, int tmp)
{
	char path[PATH_MAX + 64];

	file_path(path, sizeof(path), cs, id, tmp);
	return access(path, F_OK) == 0;
}

/* flip inverts one byte of a committed shard file. */
static int
flip(struct chunk_store *cs, const uint8_t *id, off_t off)
{
	char path[PATH_MAX + 64];

	file_path(path, sizeof(path), cs, id, 0);
	return scratch_flip(path, off);
}

/* resident counts the pages of a committed shard in the page cache. */
static long
resident(struct chunk_store *cs, const uint8_t *id)
{
	char path[PATH_MAX + 64];
	unsigned char vec[16];
	long n = -1;
	size_t i, pages, len;
	struct stat st;
	void *p;
	int fd;

	file_path(path, sizeof(path), cs, id, 0);
	if ((fd = open(path, O_RDONLY)) == -1 || fstat(fd, &st) == -1)
		goto out;
	len = (size_t)st.st_size;
	pages = (len + 4095) / 4096;
	if (pages > sizeof(vec) || (p = mmap(NULL, len, PROT_READ, MAP_SHARED,
	    fd, 0)) == MAP_FAILED)
		goto out;
	if (mincore(p, len, vec) == 0)
		for (n = 0, i = 0; i < pages; i++)
			n += vec[i] & 1;
	munmap(p, len);
out:
	if (fd != -1)
		close(fd);
	return n;
}

/* test_drop_behind: a shard of drop_behind bytes or more leaves the page
 * cache once committed; a smaller one, or any with 0, stays. */
static void
test_drop_behind(struct chunk_store *cs, void *buf)
{
	struct msg_chunk_data d;
	uint8_t id[PROTO_IDLEN];

	struct statfs sf;

	make_id(id, 0xd0);
	atomic_store(&cs->cs_drop_behind, LEN);
	is_int(put_shard(cs, id), 0, "drop_behind: shard committed");
	/* tmpfs has no disk to drop its pages to. */
	if (statfs(cs->cs_path, &sf) == 0 && sf.f_type == TMPFS_MAGIC_NUM)
		ok(1, "# SKIP drive on tmpfs");
	else
		is_int(resident(cs, id), 0, "drop_behind: a shard of "
		    "drop_behind bytes is out of the page cache");
	ok(get(cs, id, 2, buf, &d) == 0 && d.cd_data.ps_len == LEN - 2 * BS &&
	    memcmp(d.cd_data.ps_ptr, data + 2 * BS, d.cd_data.ps_len) == 0,
	    "drop_behind: and reads back from disk");
	make_id(id, 0xd1);
	atomic_store(&cs->cs_drop_behind, LEN + 1);
	is_int(put_shard(cs, id), 0, "drop_behind: smaller shard committed");
	ok(resident(cs, id) > 0, "drop_behind: a smaller shard stays cached");
	make_id(id, 0xd2);
	atomic_store(&cs->cs_drop_behind, 0);
	is_int(put_shard(cs, id), 0, "drop_behind 0: shard committed");
	ok(resident(cs, id) > 0, "drop_behind 0: every shard stays cached");
}

/* drop takes the pages of id's shard out of the page cache. */
static void
drop(struct chunk_store *cs, const uint8_t *id)
{
	char path[PATH_MAX + 64];
	int fd;

	file_path(path, sizeof(path), cs, id, 0);
	if ((fd = open(path, O_RDONLY)) != -1) {
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
		close(fd);
	}
}

/* test_nowait: a read that may not wait reads from the page cache only,
 * and says CAIRN_ENOWAIT for a shard out of it; once read with waits,
 * the shard is in it. */
static void
test_nowait(struct chunk_store *cs, void *buf)
{
	struct msg_chunk_data d;
	uint8_t id[PROTO_IDLEN];
	struct statfs sf;
	int rc, try;

	make_id(id, 0xe0);
	atomic_store(&cs->cs_drop_behind, 0);
	is_int(put_shard(cs, id), 0, "nowait: a shard committed, cached");
	ok(get_how(cs, id, 1, buf, &d, true) == 0 && got_block(&d, 1),
	    "nowait: its block reads from the page cache");
	make_id(id, 0xe1);
	atomic_store(&cs->cs_drop_behind, LEN);
	is_int(put_shard(cs, id), 0, "nowait: a shard committed, dropped");
	if ((statfs(cs->cs_path, &sf) == 0 && sf.f_type == TMPFS_MAGIC_NUM) ||
	    resident(cs, id) != 0)
		ok(1, "# SKIP the shard is still in the page cache");
	else {
		/* RWF_NOWAIT starts the readahead of a page it does not
		 * find, and reads the page if the disk was that quick. */
		rc = get_how(cs, id, 2, buf, &d, true);
		for (try = 1; try < 5 && rc == 0; try++) {
			drop(cs, id);
			rc = get_how(cs, id, 2, buf, &d, true);
		}
		is_int(rc, CAIRN_ENOWAIT, "nowait: its block would wait: "
		    "CAIRN_ENOWAIT (try %d)", try);
	}
	ok(get(cs, id, 2, buf, &d) == 0 && got_block(&d, 2),
	    "nowait: read with waits, it reads");
	ok(get_how(cs, id, 2, buf, &d, true) == 0 && got_block(&d, 2),
	    "nowait: and then from the page cache");
	make_id(id, 0xe2);
	is_int(get_how(cs, id, 0, buf, &d, true), CAIRN_ENOENT,
	    "nowait: a missing shard: CAIRN_ENOENT");
	atomic_store(&cs->cs_drop_behind, 0);
}

static void
test_roundtrip(struct chunk_store *cs, void *buf)
{
	struct msg_chunk_data d;
	uint8_t id[PROTO_IDLEN];
	uint32_t b;
	int rc;

	make_id(id, 0x11);
	is_int(put(cs, id, 0, 0), 0, "write block 0");
	is_int(put(cs, id, 1, 0), 0, "write block 1");
	ok(exists(cs, id, 1) && !exists(cs, id, 0), "uncommitted shard is "
	    "only a temporary file");
	is_int(get(cs, id, 0, buf, &d), CAIRN_ENOENT, "uncommitted shard "
	    "cannot be read");
	is_int(put(cs, id, 2, 1), 0, "write the short last block and commit");
	ok(!exists(cs, id, 1) && exists(cs, id, 0), "commit renames the "
	    "file into shards/11/");
	for (b = 0; b < 3; b++) {
		rc = get(cs, id, b, buf, &d);
		ok(rc == 0 && d.cd_data.ps_len == (b == 2 ? 500u : BS) &&
		    memcmp(d.cd_data.ps_ptr, data + b * BS,
		    d.cd_data.ps_len) == 0 &&
		    d.cd_crc == crc_32c(d.cd_data.ps_ptr, d.cd_data.ps_len),
		    "block %u reads back as written", b);
	}
	is_int(get(cs, id, 3, buf, &d), CAIRN_EINVAL, "block past the end");
	is_int(put(cs, id, 1, 0), 0, "block resent after commit succeeds");
	ok(!exists(cs, id, 1), "and leaves no temporary file");
	is_int(put(cs, id, 2, 1), 0, "last write resent after commit "
	    "succeeds");
	data[BS + 7] ^= 1;
	is_int(put(cs, id, 1, 0), CAIRN_EEXIST, "other content for a "
	    "committed block is refused");
	data[BS + 7] ^= 1;
	rc = get(cs, id, 1, buf, &d);
	ok(rc == 0 && memcmp(d.cd_data.ps_ptr, data + BS, BS) == 0,
	    "committed data is unchanged");
}

static void
test_corruption(struct chunk_store *cs, void *buf)
{
	struct msg_chunk_data d;
	struct chunk_store_stats st;
	uint8_t id[PROTO_IDLEN];

	make_id(id, 0x22);
	is_int(get(cs, id, 0, buf, &d), CAIRN_ENOENT, "missing shard");
	is_int(put_shard(cs, id), 0, "write a shard to damage");
	ok(flip(cs, id, CHUNK_HDRSIZE + (BS + CHUNK_CRCSIZE) + 10) == 0,
	    "flip a byte of block 1 on disk");
	is_int(get(cs, id, 1, buf, &d), CAIRN_ECHECKSUM, "damaged block "
	    "fails its checksum");
	is_int(get(cs, id, 0, buf, &d), 0, "other blocks still read");
	chunk_store_stats(cs, &st);
	is_int(st.css_checksum_errors, 1, "the error is counted");
	ok(flip(cs, id, 20) == 0, "flip a byte of the header");
	is_int(get(cs, id, 0, buf, &d), CAIRN_ECHECKSUM, "damaged header "
	    "fails its checksum");
	is_int(put(cs, id, 0, 0), CAIRN_ECHECKSUM, "a resend onto a damaged "
	    "shard is refused");
}

static void
test_bad_writes(struct chunk_store *cs)
{
	struct msg_chunk_write w;
	uint8_t id[PROTO_IDLEN];

	make_id(id, 0x33);
	memset(&w, 0, sizeof(w));
	memcpy(w.cw_id, id, PROTO_IDLEN);
	w.cw_block_size = BS;
	w.cw_data.ps_ptr = (const char *)data;
	w.cw_data.ps_len = BS;
	w.cw_crc = crc_32c(data, BS) ^ 1;
	is_int(chunk_store_write(cs, &w), CAIRN_ECHECKSUM, "wrong cw_crc");
	ok(!exists(cs, id, 1), "and nothing is written");
	w.cw_crc ^= 1;
	w.cw_block_size = 0;
	is_int(chunk_store_write(cs, &w), CAIRN_EINVAL, "block size 0");
	w.cw_block_size = BS - 1;
	is_int(chunk_store_write(cs, &w), CAIRN_EINVAL, "block over its size");
	w.cw_block_size = PROTO_STRIPE;
	w.cw_block_no = UINT32_MAX;
	is_int(chunk_store_write(cs, &w), CAIRN_EINVAL, "block beyond the "
	    "largest shard");
	w.cw_block_size = BS;
	w.cw_block_no = 3;
	w.cw_last = 1;
	w.cw_length = LEN;
	is_int(chunk_store_write(cs, &w), CAIRN_EINVAL, "last block past "
	    "the shard length");
	w.cw_block_no = 2;
	is_int(chunk_store_write(cs, &w), CAIRN_EINVAL, "last block of the "
	    "wrong length");
}

static void
test_missing_block(struct chunk_store *cs, void *buf)
{
	struct msg_chunk_data d;
	uint8_t id[PROTO_IDLEN];

	make_id(id, 0x44);
	is_int(put(cs, id, 0, 1), CAIRN_EIO, "commit with the file too short");
	is_int(put(cs, id, 2, 1), CAIRN_EIO, "commit with block 1 missing");
	ok(!exists(cs, id, 0), "and nothing is committed");
	is_int(put(cs, id, 1, 0), 0, "write the missing block");
	is_int(put(cs, id, 2, 1), 0, "the commit now succeeds");
	is_int(get(cs, id, 1, buf, &d), 0, "and the block reads");
	is_int(del(cs, id), 0, "delete a committed shard");
	is_int(get(cs, id, 0, buf, &d), CAIRN_ENOENT, "deleted shard is gone");
	is_int(del(cs, id), CAIRN_ENOENT, "delete it again");
	is_int(put(cs, id, 0, 0), 0, "start another shard");
	is_int(del(cs, id), 0, "delete an uncommitted shard");
	ok(!exists(cs, id, 1), "its temporary file is gone");
}

/* A block whose CRC32C is 0 must not be taken for a missing one. */
static void
test_zero_crc(struct chunk_store *cs, void *buf)
{
	static const uint8_t zero_crc[4] = { 0xab, 0x9b, 0xe0, 0x9b };
	struct msg_chunk_write w;
	struct msg_chunk_data d;
	uint8_t id[PROTO_IDLEN];

	make_id(id, 0x55);
	is_int(crc_32c(zero_crc, 4), 0, "these 4 bytes have CRC32C 0");
	memset(&w, 0, sizeof(w));
	memcpy(w.cw_id, id, PROTO_IDLEN);
	w.cw_block_size = 4;
	w.cw_block_no = 0;
	w.cw_data.ps_ptr = (const char *)zero_crc;
	w.cw_data.ps_len = 4;
	w.cw_length = 5;
	is_int(chunk_store_write(cs, &w), 0, "write it as block 0");
	w.cw_block_no = 1;
	w.cw_data.ps_len = 1;
	w.cw_crc = crc_32c(zero_crc, 1);
	w.cw_last = 1;
	is_int(chunk_store_write(cs, &w), 0, "and commit");
	is_int(get(cs, id, 0, buf, &d), 0, "the block reads");
}

/* spare_files counts the files in the drive's spare/. */
static size_t
spare_files(struct chunk_store *cs)
{
	char path[PATH_MAX + 16];
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/spare", cs->cs_path);
	if ((d = opendir(path)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/* inode returns a shard file's inode number, or 0. */
static ino_t
inode(struct chunk_store *cs, const uint8_t *id, int tmp)
{
	char path[PATH_MAX + 64];
	struct stat st;

	file_path(path, sizeof(path), cs, id, tmp);
	return stat(path, &st) == 0 ? st.st_ino : 0;
}

/*
 * A file with another name (a crash can leave a shard's file named in
 * tmp/ as well) is neither emptied nor kept as a spare.
 */
static void
test_spare_links(struct chunk_store *cs)
{
	char path[PATH_MAX + 64], other[PATH_MAX + 64];
	uint8_t id[PROTO_IDLEN];
	struct stat st;
	size_t n;

	make_id(id, 0xc6);
	is_int(put_shard(cs, id), 0, "links: write a shard");
	file_path(path, sizeof(path), cs, id, 0);
	snprintf(other, sizeof(other), "%s/tmp/other-name", cs->cs_path);
	is_int(link(path, other), 0, "give its file a second name");
	n = chunk_spare_count(cs);
	is_int(del(cs, id), 0, "delete the shard");
	ok(chunk_spare_count(cs) == n && stat(other, &st) == 0 &&
	    st.st_size == (off_t)(CHUNK_HDRSIZE + LEN + 3 * CHUNK_CRCSIZE),
	    "the file is not emptied, and not made a spare");
	unlink(other);
}

/* A deleted shard's file, emptied, becomes the next new shard's file. */
static void
test_spares(struct chunk_store *cs, void *buf)
{
	struct msg_chunk_data d;
	char path[PATH_MAX + 64];
	uint8_t a[PROTO_IDLEN], b[PROTO_IDLEN];
	struct chunk_store_stats stats;
	struct stat st;
	size_t n0;
	ino_t ino;

	make_id(a, 0xc0);
	make_id(b, 0xc1);
	is_int(put_shard(cs, a), 0, "spares: write a shard");
	ino = inode(cs, a, 0);
	n0 = chunk_spare_count(cs);
	is_int(del(cs, a), 0, "delete it");
	chunk_store_stats(cs, &stats);
	ok(chunk_spare_count(cs) == n0 + 1 && spare_files(cs) == n0 + 1 &&
	    stats.css_spares == n0 + 1, "its file is kept as a spare, and "
	    "counted");
	snprintf(path, sizeof(path), "%s/spare/%llu", cs->cs_path,
	    (unsigned long long)cs->cs_spare[cs->cs_nspare - 1]);
	ok(stat(path, &st) == 0 && st.st_ino == ino && st.st_size == 0 &&
	    st.st_blocks == 0, "emptied, its blocks freed");
	is_int(get(cs, a, 0, buf, &d), CAIRN_ENOENT, "the shard is gone");
	is_int(put_shard(cs, b), 0, "write another shard");
	ok(chunk_spare_count(cs) == n0 && inode(cs, b, 0) == ino,
	    "it is written in the spare's file");
	ok(get(cs, b, 2, buf, &d) == 0 && memcmp(d.cd_data.ps_ptr,
	    data + 2 * BS, LEN - 2 * BS) == 0, "and reads back whole");

	/* Past the limit, a deleted shard's file is unlinked. */
	cs->cs_spare_max = n0 + 1;
	is_int(put_shard(cs, a), 0, "write the first shard again");
	is_int(del(cs, a), 0, "delete it: a spare");
	is_int(del(cs, b), 0, "delete the other: over the limit");
	ok(chunk_spare_count(cs) == n0 + 1 && spare_files(cs) == n0 + 1,
	    "no more spares are kept than the limit");
	cs->cs_spare_max = CHUNK_SPAREMAX;
	test_spare_links(cs);
}

/* A spare never replaces a temporary file a resent write has made. */
static void
test_spare_race(struct chunk_store *cs)
{
	struct shard_paths sp;
	uint8_t id[PROTO_IDLEN], x[PROTO_IDLEN], y[PROTO_IDLEN];
	size_t n;

	/* Two spares: the first block below takes one. */
	make_id(x, 0xc4);
	make_id(y, 0xc5);
	ok(put_shard(cs, x) == 0 && put_shard(cs, y) == 0 && del(cs, x) == 0 &&
	    del(cs, y) == 0, "two shards written, then deleted");
	make_id(id, 0xc2);
	shard_paths(&sp, id);
	is_int(put(cs, id, 0, 0), 0, "a shard's first block is written");
	n = chunk_spare_count(cs);
	ok(n > 0, "a spare is left");
	is_int(chunk_spare_take(cs, sp.sp_tmp), -1, "taking a spare for an "
	    "existing temporary file fails");
	ok(chunk_spare_count(cs) == n, "the spare is kept");
	is_int(put(cs, id, 1, 0), 0, "the shard's next block is written");
	is_int(put(cs, id, 2, 1), 0, "its last block commits it: block 0 was "
	    "not lost");
}

struct deleter {
	struct chunk_store	*d_cs;
	const uint8_t		*d_id;
	atomic_int		 d_done;
	int			 d_rc;
};

static void *
delete_one(void *arg)
{
	struct deleter *d = arg;

	d->d_rc = del(d->d_cs, d->d_id);
	atomic_store(&d->d_done, 1);
	return NULL;
}

/*
 * A delete waits for the reads of its id in progress: the file it
 * removes may at once become another shard's.
 */
static void
test_delete_waits(struct chunk_store *cs, void *buf)
{
	struct msg_chunk_data d;
	struct deleter dl;
	pthread_rwlock_t *l;
	uint8_t id[PROTO_IDLEN];
	pthread_t th;

	make_id(id, 0xc3);
	is_int(put_shard(cs, id), 0, "write a shard to read");
	dl.d_cs = cs;
	dl.d_id = id;
	dl.d_rc = -1;
	atomic_init(&dl.d_done, 0);
	l = id_lock(cs, id, false);
	if (pthread_create(&th, NULL, delete_one, &dl) != 0) {
		pthread_rwlock_unlock(l);
		ok(0, "pthread_create");
		return;
	}
	usleep(200 * 1000);
	ok(!atomic_load(&dl.d_done) && exists(cs, id, 0),
	    "a delete waits while a read holds the shard's lock");
	pthread_rwlock_unlock(l);
	pthread_join(th, NULL);
	ok(dl.d_rc == 0 && get(cs, id, 0, buf, &d) == CAIRN_ENOENT,
	    "then it deletes the shard");
}

static void
test_reopen(struct chunk_store *cs)
{
	struct chunk_store other;
	char id[CHUNK_UUIDLEN + 1], path[PATH_MAX];
	size_t spares = chunk_spare_count(cs);

	strcpy(id, chunk_store_drive_id(cs));
	strcpy(path, cs->cs_path);
	is_int(chunk_store_open(&other, path), CAIRN_EEXIST,
	    "a second open of a drive in use fails");
	chunk_store_close(cs);
	is_int(chunk_store_open(cs, path), 0, "reopen the drive");
	ok(strcmp(chunk_store_drive_id(cs), id) == 0, "drive.id is kept");
	ok(spares > 0 && chunk_spare_count(cs) == 0 && spare_files(cs) == 0,
	    "the spares a previous run left are unlinked");
}

/* Shards committed by many workers at once must each come back whole. */
#define NCOMMITS	16

struct committer {
	struct chunk_store	*c_cs;
	uint8_t			 c_id[PROTO_IDLEN];
	int			 c_rc;
};

static void *
commit_one(void *arg)
{
	struct committer *c = arg;

	c->c_rc = put_shard(c->c_cs, c->c_id);
	return NULL;
}

static void
test_concurrent_commits(struct chunk_store *cs, void *buf)
{
	struct committer c[NCOMMITS];
	pthread_t th[NCOMMITS];
	struct msg_chunk_data d;
	int i, started = 0, good = 0;

	for (i = 0; i < NCOMMITS; i++) {
		c[i].c_cs = cs;
		make_id(c[i].c_id, (uint8_t)(0x90 + i));
		c[i].c_rc = -1;
		if (pthread_create(&th[i], NULL, commit_one, &c[i]) == 0)
			started++;
		else
			break;
	}
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < started; i++)
		good += c[i].c_rc == 0 && get(cs, c[i].c_id, 2, buf, &d) == 0 &&
		    memcmp(d.cd_data.ps_ptr, data + 2 * BS, LEN - 2 * BS) ==
		    0 && exists(cs, c[i].c_id, 0) && !exists(cs, c[i].c_id, 1);
	is_int(good, NCOMMITS, "%d shards committed at once all read back",
	    NCOMMITS);
}

int
main(void)
{
	struct chunk_store cs;
	struct chunk_store_stats st;
	char dir[SCRATCH_DIRMAX], path[PATH_MAX];
	void *buf;
	size_t i;

	plan(97);
	log_init("test_chunk_store", 0);
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + i / 251);
	if (scratch_make(dir, sizeof(dir), "chunk-store") != 0 ||
	    (buf = malloc(PROTO_STRIPE)) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/drive", dir);
	is_int(chunk_store_open(&cs, path), 0, "open a new drive");
	ok(strlen(chunk_store_drive_id(&cs)) == CHUNK_UUIDLEN &&
	    uuid_valid(chunk_store_drive_id(&cs)), "drive.id is a UUID");
	ok(access(strcat(path, "/shards/ff"), F_OK) == 0, "fan-out "
	    "directories exist");

	test_roundtrip(&cs, buf);
	test_corruption(&cs, buf);
	test_bad_writes(&cs);
	test_missing_block(&cs, buf);
	test_zero_crc(&cs, buf);
	test_concurrent_commits(&cs, buf);
	test_drop_behind(&cs, buf);
	test_nowait(&cs, buf);
	test_spares(&cs, buf);
	test_spare_race(&cs);
	test_delete_waits(&cs, buf);
	test_reopen(&cs);

	chunk_store_stats(&cs, &st);
	ok(st.css_total_bytes > 0 && st.css_free_bytes <= st.css_total_bytes,
	    "space is reported");
	chunk_store_close(&cs);
	free(buf);
	ok(scratch_remove(dir) == 0, "remove the test directory");
	return tap_done();
}
