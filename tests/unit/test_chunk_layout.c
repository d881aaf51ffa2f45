/* test_chunk_layout.c - shard layouts: page-aligned blocks, direct writes,
 * and shards in the packed layout of earlier versions */
#include "../../chunkd/chunk_store.c"

#include <sys/mman.h>
#include <sys/vfs.h>

#define TMPFS_MAGIC_NUM	0x01021994	/* linux/magic.h */

#include "scratch.h"
#include "shard_file.h"
#include "tap.h"

#define BS	(64 * 1024)	/* the smallest block of a version 2 shard */
#define LEN	(2 * BS + 1000)	/* three blocks: two full, 1000 bytes */

static uint8_t *data;		/* LEN + 1 bytes, page-aligned */

static void
make_id(uint8_t id[PROTO_IDLEN], uint8_t first)
{
	memset(id, 0x6b, PROTO_IDLEN);
	id[0] = first;
}

static uint32_t
len_of(uint32_t b)
{
	return b == 2 ? LEN - 2 * BS : BS;
}

/* put sends block b of src (the test data, or it shifted by a byte). */
static int
put(struct chunk_store *cs, const uint8_t *id, uint32_t b, const uint8_t *src)
{
	struct msg_chunk_write w;

	memset(&w, 0, sizeof(w));
	memcpy(w.cw_id, id, PROTO_IDLEN);
	w.cw_shard_idx = 2;
	w.cw_block_size = BS;
	w.cw_block_no = b;
	w.cw_data.ps_ptr = (const char *)src + (size_t)b * BS;
	w.cw_data.ps_len = len_of(b);
	w.cw_crc = crc_32c(w.cw_data.ps_ptr, w.cw_data.ps_len);
	w.cw_last = b == 2;
	w.cw_length = LEN;
	return chunk_store_write(cs, &w);
}

/* put_one writes a shard of one 1000-byte block, of block size BS. */
static int
put_one(struct chunk_store *cs, const uint8_t *id)
{
	struct msg_chunk_write w;

	memset(&w, 0, sizeof(w));
	memcpy(w.cw_id, id, PROTO_IDLEN);
	w.cw_block_size = BS;
	w.cw_data.ps_ptr = (const char *)data;
	w.cw_data.ps_len = 1000;
	w.cw_crc = crc_32c(data, 1000);
	w.cw_last = 1;
	w.cw_length = 1000;
	return chunk_store_write(cs, &w);
}

static void *
room_in(void *buf, size_t len)
{
	return len <= PROTO_STRIPE ? buf : NULL;
}

/* reads_back tells whether every block of id's shard reads as src's. */
static bool
reads_back(struct chunk_store *cs, const uint8_t *id, const uint8_t *src,
    void *buf)
{
	struct msg_chunk_read r;
	struct msg_chunk_data d;
	uint32_t b;

	memcpy(r.cr_id, id, PROTO_IDLEN);
	for (b = 0; b < 3; b++) {
		r.cr_block_no = b;
		if (chunk_store_read(cs, &r, room_in, buf, &d, false) != 0 ||
		    d.cd_data.ps_len != len_of(b) ||
		    memcmp(d.cd_data.ps_ptr, src + (size_t)b * BS,
		    len_of(b)) != 0)
			return false;
	}
	return true;
}

static int
get(struct chunk_store *cs, const uint8_t *id, uint32_t b, void *buf)
{
	struct msg_chunk_read r;
	struct msg_chunk_data d;

	memcpy(r.cr_id, id, PROTO_IDLEN);
	r.cr_block_no = b;
	return chunk_store_read(cs, &r, room_in, buf, &d, false);
}

/* cached counts the pages of [off, off + len) of a file in the page
 * cache, or -1. */
static long
cached(const char *path, off_t off, size_t len)
{
	unsigned char vec[BS / 4096];
	long n = -1;
	size_t i;
	void *p;
	int fd;

	if (len > sizeof(vec) * 4096 || (fd = open(path, O_RDONLY)) == -1)
		return -1;
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, off);
	if (p != MAP_FAILED && mincore(p, len, vec) == 0)
		for (n = 0, i = 0; i < (len + 4095) / 4096; i++)
			n += vec[i] & 1;
	if (p != MAP_FAILED)
		munmap(p, len);
	close(fd);
	return n;
}

/* file_u32 reads the little-endian word at off of a file, or 0. */
static uint32_t
file_u32(const char *path, off_t off)
{
	unsigned char b[4] = { 0 };
	int fd;

	if ((fd = open(path, O_RDONLY)) != -1) {
		if (pread(fd, b, 4, off) != 4)
			memset(b, 0, 4);
		close(fd);
	}
	return le32_get(b);
}

static off_t
file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_size : -1;
}

/*
 * write_shard writes the first two blocks of a shard, reports how many
 * pages of block 0 the temporary file has in the page cache, then
 * commits with the last block.
 */
static int
write_shard(struct chunk_store *cs, const uint8_t *id, const uint8_t *src,
    long *pages)
{
	char path[PATH_MAX + 64];
	int rc;

	file_path(path, sizeof(path), cs, id, 1);
	if ((rc = put(cs, id, 0, src)) != 0 || (rc = put(cs, id, 1, src)) != 0)
		return rc;
	*pages = cached(path, SHARD_PAGE, BS);
	return put(cs, id, 2, src);
}

/* test_layout: a shard of 64 KiB blocks has version 2 and its blocks on
 * page boundaries, each CRC in the page after its block. */
static void
test_layout(struct chunk_store *cs, void *buf)
{
	char path[PATH_MAX + 64];
	uint8_t id[PROTO_IDLEN];
	off_t off1 = SHARD_PAGE + BS + SHARD_PAGE;
	long pages;

	make_id(id, 0x20);
	is_int(write_shard(cs, id, data, &pages), 0, "v2: shard committed");
	file_path(path, sizeof(path), cs, id, 0);
	is_int(file_u32(path, 8), SHARD_V2, "v2: the header says version 2");
	is_int(file_size(path), 2 * (SHARD_PAGE + BS) + SHARD_PAGE + 1000 + 4,
	    "v2: the file ends right after the last block's CRC");
	is_int(file_u32(path, off1 + BS), crc_32c(data + BS, BS),
	    "v2: block 1 starts on a page, its CRC right after it");
	is_int(file_u32(path, 2 * off1 - SHARD_PAGE + 1000),
	    crc_32c(data + 2 * BS, 1000), "v2: and so does the last block");
	ok(reads_back(cs, id, data, buf), "v2: every block reads back");
	ok(shard_version(BS - SHARD_PAGE, 3) == SHARD_V1 &&
	    shard_version(BS + 1, 3) == SHARD_V1 &&
	    shard_version(PROTO_STRIPE, 2) == SHARD_V2 &&
	    shard_version(PROTO_STRIPE, 1) == SHARD_V1,
	    "v2: only blocks of whole pages, 64 KiB or more, two or more");
	make_id(id, 0x21);
	file_path(path, sizeof(path), cs, id, 0);
	ok(put_one(cs, id) == 0 && file_u32(path, 8) == SHARD_V1 &&
	    file_size(path) == CHUNK_HDRSIZE + 1000 + CHUNK_CRCSIZE,
	    "v1: a shard of one block stays packed");
}

/* test_direct: full blocks from page-aligned memory go to the drive with
 * no copy in the page cache; with direct_write 0, or from memory that is
 * not aligned, they go through it; all read back alike. */
static void
test_direct(struct chunk_store *cs, void *buf)
{
	uint8_t id[PROTO_IDLEN];
	struct statfs sf;
	long pages = -2;
	bool tmpfs;

	tmpfs = statfs(cs->cs_path, &sf) == 0 && sf.f_type == TMPFS_MAGIC_NUM;
	make_id(id, 0x30);
	atomic_store(&cs->cs_direct, true);
	is_int(write_shard(cs, id, data, &pages), 0, "direct: committed");
	if (tmpfs)
		ok(1, "# SKIP drive on tmpfs");
	else
		is_int(pages, 0, "direct: block 0 never entered the page cache");
	ok(reads_back(cs, id, data, buf), "direct: the shard reads back");
	ok(atomic_load(&cs->cs_direct), "direct: still on");

	make_id(id, 0x31);
	atomic_store(&cs->cs_direct, false);
	is_int(write_shard(cs, id, data, &pages), 0, "direct off: committed");
	is_int(pages, BS / 4096, "direct off: block 0 went through the cache");
	ok(reads_back(cs, id, data, buf), "direct off: the shard reads back");

	make_id(id, 0x32);
	atomic_store(&cs->cs_direct, true);
	is_int(write_shard(cs, id, data + 1, &pages), 0,
	    "unaligned memory: committed");
	is_int(pages, BS / 4096, "unaligned memory: through the cache");
	ok(reads_back(cs, id, data + 1, buf),
	    "unaligned memory: the shard reads back");
}

/* test_damage: a v2 shard's damage and missing blocks are found as in v1. */
static void
test_damage(struct chunk_store *cs, void *buf)
{
	char path[PATH_MAX + 64];
	struct msg_chunk_verify v;
	struct msg_chunk_ref c;
	uint8_t id[PROTO_IDLEN];
	long pages;

	make_id(id, 0x40);
	is_int(write_shard(cs, id, data, &pages), 0, "damage: committed");
	file_path(path, sizeof(path), cs, id, 0);
	ok(scratch_flip(path, 2 * SHARD_PAGE + BS + 77) == 0, "damage: flip a "
	    "byte of block 1");
	is_int(get(cs, id, 1, buf), CAIRN_ECHECKSUM,
	    "damage: block 1 fails its checksum");
	is_int(get(cs, id, 0, buf), 0, "damage: block 0 still reads");
	memcpy(c.c_id, id, PROTO_IDLEN);
	ok(chunk_store_verify(cs, &c, &v) == 0 &&
	    v.cv_state == CHUNK_VERIFY_CORRUPT && v.cv_nbad == 1 &&
	    v.cv_bad[0] == 1 && v.cv_nblocks == 3,
	    "damage: verify names block 1");

	make_id(id, 0x41);
	ok(put(cs, id, 0, data) == 0 && put(cs, id, 2, data) == CAIRN_EIO,
	    "damage: a commit without block 1 fails");
	is_int(put(cs, id, 1, data), 0, "damage: block 1 sent");
	is_int(put(cs, id, 2, data), 0, "damage: the commit then succeeds");
	ok(reads_back(cs, id, data, buf), "damage: and the shard reads back");
}

/*
 * put_file writes a committed shard the way an earlier chunkd did, or
 * with a made-up header: the given version and block size, blocks
 * packed (version 1) or on pages (version 2).
 */
static int
put_file(struct chunk_store *cs, const uint8_t *id, uint32_t version,
    uint32_t bs)
{
	unsigned char hdr[CHUNK_HDRSIZE], crc[CHUNK_CRCSIZE];
	struct shard_hdr h = { .sh_version = version, .sh_shard_idx = 2,
	    .sh_block_size = bs, .sh_length = LEN };
	char path[PATH_MAX + 64];
	uint32_t b, n;
	int fd, rc = 0;

	h.sh_block_count = (uint32_t)block_count(LEN, bs);
	file_path(path, sizeof(path), cs, id, 0);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0640)) == -1)
		return -1;
	hdr_encode(hdr, &h);
	rc |= pwrite_all(fd, hdr, sizeof(hdr), 0);
	for (b = 0; b < h.sh_block_count; b++) {
		n = block_len(&h, b);
		le32_put(crc, crc_32c(data + (size_t)b * bs, n));
		rc |= pwrite_all(fd, data + (size_t)b * bs, n,
		    block_offset(&h, b));
		rc |= pwrite_all(fd, crc, sizeof(crc), block_offset(&h, b) + n);
	}
	close(fd);
	return rc;
}

/* test_v1: shards of 64 KiB blocks written before version 2 still read;
 * a version 2 header on blocks that are not whole pages is damage. */
static void
test_v1(struct chunk_store *cs, void *buf)
{
	struct msg_chunk_verify v;
	struct msg_chunk_ref c;
	uint8_t id[PROTO_IDLEN];

	make_id(id, 0x50);
	is_int(put_file(cs, id, SHARD_V1, BS), 0, "v1: a packed shard of "
	    "64 KiB blocks, as written before");
	ok(reads_back(cs, id, data, buf), "v1: it reads back");
	memcpy(c.c_id, id, PROTO_IDLEN);
	ok(chunk_store_verify(cs, &c, &v) == 0 &&
	    v.cv_state == CHUNK_VERIFY_OK, "v1: and verifies whole");
	is_int(put(cs, id, 1, data), 0, "v1: a resend of its block 1 matches");

	make_id(id, 0x51);
	is_int(put_file(cs, id, SHARD_V2, BS + 1), 0, "v2 header, blocks of "
	    "64 KiB and a byte");
	is_int(get(cs, id, 0, buf), CAIRN_ECHECKSUM,
	    "is an impossible layout: a checksum error");
	make_id(id, 0x52);
	is_int(put_file(cs, id, 3, BS), 0, "a version 3 header");
	is_int(get(cs, id, 0, buf), CAIRN_ECHECKSUM, "is not read either");
}

int
main(void)
{
	struct chunk_store cs;
	char dir[SCRATCH_DIRMAX], path[PATH_MAX];
	void *buf;
	size_t i;

	plan(37);
	log_init("test_chunk_layout", 0);
	if (posix_memalign((void **)&data, SHARD_PAGE, LEN + 1) != 0 ||
	    (buf = malloc(PROTO_STRIPE)) == NULL ||
	    scratch_make(dir, sizeof(dir), "chunk-layout") != 0)
		return 1;
	for (i = 0; i < LEN + 1; i++)
		data[i] = (uint8_t)(i * 13 + i / 509);
	snprintf(path, sizeof(path), "%s/drive", dir);
	is_int(chunk_store_open(&cs, path), 0, "open a new drive");
	atomic_store(&cs.cs_direct, true);

	test_layout(&cs, buf);
	test_direct(&cs, buf);
	test_damage(&cs, buf);
	test_v1(&cs, buf);

	chunk_store_close(&cs);
	free(buf);
	free(data);
	ok(scratch_remove(dir) == 0, "remove the test directory");
	return tap_done();
}
