/* chunk_store.c - one drive's shard files: CRC32C'd blocks, atomic commit */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1		/* sync_file_range(2) */
#endif
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/uio.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chunkd.h"
#include "crc.h"
#include "errors.h"
#include "log.h"
#include "util.h"

/* The file format is described in docs/shard-format.md. */
#define SHARD_MAGIC	"CAIRNSH1"
#define SHARD_V1	1		/* blocks packed after the header */
#define SHARD_V2	2		/* blocks on page boundaries */
#define SHARD_HDRCRC	60		/* CRC of header bytes 0..59 */
#define SHARD_PAGE	4096		/* a version 2 shard's alignment */
#define SHARD_V2MIN	(64 * 1024)	/* smallest version 2 block */

/* A shard header, decoded. */
struct shard_hdr {
	uint32_t	sh_version;
	uint32_t	sh_shard_idx;
	uint32_t	sh_block_size;
	uint32_t	sh_block_count;
	uint64_t	sh_length;	/* shard data bytes, without CRCs */
};

/* The names of one data id's files, relative to the drive directory. */
struct shard_paths {
	char	sp_hex[2 * PROTO_IDLEN + 1];
	char	sp_tmp[sizeof("tmp/") + 2 * PROTO_IDLEN];
	char	sp_dir[sizeof("shards/xx")];
	char	sp_final[sizeof("shards/xx/") + 2 * PROTO_IDLEN];
};

static void
le32_put(unsigned char *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = (v >> 24) & 0xff;
}

static uint32_t
le32_get(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static void
le64_put(unsigned char *p, uint64_t v)
{
	le32_put(p, (uint32_t)v);
	le32_put(p + 4, (uint32_t)(v >> 32));
}

static uint64_t
le64_get(const unsigned char *p)
{
	return (uint64_t)le32_get(p) | (uint64_t)le32_get(p + 4) << 32;
}

static void
shard_paths(struct shard_paths *sp, const uint8_t id[PROTO_IDLEN])
{
	util_hex(sp->sp_hex, id, PROTO_IDLEN);
	snprintf(sp->sp_tmp, sizeof(sp->sp_tmp), "tmp/%s", sp->sp_hex);
	snprintf(sp->sp_dir, sizeof(sp->sp_dir), "shards/%.2s", sp->sp_hex);
	snprintf(sp->sp_final, sizeof(sp->sp_final), "shards/%.2s/%s",
	    sp->sp_hex, sp->sp_hex);
}

/*
 * shard_version picks a new shard's layout from its block size and
 * count.  Blocks of whole pages, 64 KiB or more, start on page
 * boundaries, each with its CRC in a page of its own after it: chunkd
 * can then write them with O_DIRECT straight from the gateway's shared
 * buffer, without copying them into the page cache.  The page costs at
 * most 1/16 of the block.  Smaller blocks stay packed, and so does a
 * shard of one block: its block is the last, which goes through the page
 * cache anyway, and the page would be pure cost to a small object.
 */
static uint32_t
shard_version(uint32_t block_size, uint64_t nblocks)
{
	return nblocks >= 2 && block_size >= SHARD_V2MIN &&
	    block_size % SHARD_PAGE == 0 ? SHARD_V2 : SHARD_V1;
}

/* Block b starts here: blocks are laid out as if all were full. */
static uint64_t
block_offset(const struct shard_hdr *h, uint64_t b)
{
	if (h->sh_version == SHARD_V2)
		return SHARD_PAGE + b * ((uint64_t)h->sh_block_size +
		    SHARD_PAGE);
	return CHUNK_HDRSIZE + b * ((uint64_t)h->sh_block_size +
	    CHUNK_CRCSIZE);
}

static uint64_t
block_count(uint64_t length, uint32_t block_size)
{
	return (length + block_size - 1) / block_size;
}

/* The data bytes of block b: block_size, except for the last block. */
static uint32_t
block_len(const struct shard_hdr *h, uint32_t b)
{
	if (b + 1 < h->sh_block_count)
		return h->sh_block_size;
	return (uint32_t)(h->sh_length - (uint64_t)b * h->sh_block_size);
}

/* The exact size of a complete shard file. */
static uint64_t
shard_file_size(const struct shard_hdr *h)
{
	uint32_t last = h->sh_block_count - 1;

	return block_offset(h, last) + block_len(h, last) + CHUNK_CRCSIZE;
}

/* layout_ok tells whether a length and block size make a valid shard. */
static int
layout_ok(uint64_t length, uint32_t block_size)
{
	return block_size >= 1 && block_size <= PROTO_STRIPE &&
	    length >= 1 && length <= CHUNK_MAXLEN &&
	    block_count(length, block_size) <= UINT32_MAX;
}

static void
hdr_encode(unsigned char buf[CHUNK_HDRSIZE], const struct shard_hdr *h)
{
	memset(buf, 0, CHUNK_HDRSIZE);
	memcpy(buf, SHARD_MAGIC, 8);
	le32_put(buf + 8, h->sh_version);
	le32_put(buf + 12, h->sh_shard_idx);
	le32_put(buf + 16, h->sh_block_size);
	le32_put(buf + 20, h->sh_block_count);
	le64_put(buf + 24, h->sh_length);
	le32_put(buf + SHARD_HDRCRC, crc_32c(buf, SHARD_HDRCRC));
}

/* hdr_decode returns NULL, or why buf is not a valid shard header. */
static const char *
hdr_decode(const unsigned char buf[CHUNK_HDRSIZE], struct shard_hdr *h)
{
	if (memcmp(buf, SHARD_MAGIC, 8) != 0)
		return "bad magic";
	if (crc_32c(buf, SHARD_HDRCRC) != le32_get(buf + SHARD_HDRCRC))
		return "header checksum mismatch";
	h->sh_version = le32_get(buf + 8);
	if (h->sh_version != SHARD_V1 && h->sh_version != SHARD_V2)
		return "unknown format version";
	h->sh_shard_idx = le32_get(buf + 12);
	h->sh_block_size = le32_get(buf + 16);
	h->sh_block_count = le32_get(buf + 20);
	h->sh_length = le64_get(buf + 24);
	if (!layout_ok(h->sh_length, h->sh_block_size) ||
	    block_count(h->sh_length, h->sh_block_size) != h->sh_block_count ||
	    (h->sh_version == SHARD_V2 &&
	    shard_version(h->sh_block_size, h->sh_block_count) != SHARD_V2))
		return "impossible layout in header";
	return NULL;
}

/* store_err logs a failed system call on rel and returns its error. */
static int
store_err(struct chunk_store *cs, const char *rel, const char *what)
{
	int e = errno;

	log_warn("%s/%s: %s", cs->cs_path, rel, what);
	return cairn_errno(e);
}

/*
 * id_lock locks the stripe of locks that id falls in: shared to read a
 * shard's files, exclusive to write or remove them.  A removed shard's
 * file becomes another shard's (chunk_spare.c), so no call may still
 * have it open from before the remove: the remove waits for them.
 */
static pthread_rwlock_t *
id_lock(struct chunk_store *cs, const uint8_t id[PROTO_IDLEN], bool excl)
{
	pthread_rwlock_t *l;
	uint32_t h = 2166136261u;	/* FNV-1a */
	int i;

	for (i = 0; i < PROTO_IDLEN; i++)
		h = (h ^ id[i]) * 16777619u;
	l = &cs->cs_locks[h & (CHUNK_LOCKS - 1)];
	if (excl)
		pthread_rwlock_wrlock(l);
	else
		pthread_rwlock_rdlock(l);
	return l;
}

/* corrupt logs and counts damaged stored data. */
static int
corrupt(struct chunk_store *cs, const char *rel, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
corrupt(struct chunk_store *cs, const char *rel, const char *fmt, ...)
{
	char why[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	log_warnx("%s/%s: %s", cs->cs_path, rel, why);
	atomic_fetch_add_explicit(&cs->cs_checksum_errors, 1,
	    memory_order_relaxed);
	return CAIRN_ECHECKSUM;
}

static int
pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
	const unsigned char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = pwrite(fd, p, len, (off_t)off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

/* pread_all returns the bytes read, short only at end of file, or -1. */
static ssize_t
pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	unsigned char *p = buf;
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pread(fd, p + done, len - done, (off_t)(off + done));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

static int
fsync_dir(struct chunk_store *cs, const char *rel)
{
	int fd, rc = 0;

	fd = openat(cs->cs_dirfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return store_err(cs, rel, "open");
	if (fsync(fd) == -1)
		rc = store_err(cs, rel, "fsync");
	close(fd);
	return rc;
}

/*
 * cached_read reads all of iov at off from the page cache only: true if it
 * could, false if some of it would have to come from the disk (or the file
 * is shorter, or the file system cannot tell), for a read made again with
 * waits allowed to find out.
 */
static bool
cached_read(int fd, const struct iovec *iov, int n, uint64_t off)
{
	size_t want = 0;
	int i;

	for (i = 0; i < n; i++)
		want += iov[i].iov_len;
	return preadv2(fd, iov, n, (off_t)off, RWF_NOWAIT) == (ssize_t)want;
}

/*
 * shard_open opens a committed shard and checks its header.  Returns 0
 * with *fdp open, CAIRN_ENOENT (not logged), CAIRN_ECHECKSUM or an error;
 * with nowait, CAIRN_ENOWAIT if the header is not in the page cache.
 */
static int
shard_open(struct chunk_store *cs, const struct shard_paths *sp,
    struct shard_hdr *h, int *fdp, bool nowait)
{
	unsigned char buf[CHUNK_HDRSIZE];
	struct iovec iov = { buf, sizeof(buf) };
	const char *why;
	ssize_t n;
	int fd;

	if ((fd = openat(cs->cs_dirfd, sp->sp_final, O_RDONLY | O_CLOEXEC)) ==
	    -1)
		return errno == ENOENT ? CAIRN_ENOENT :
		    store_err(cs, sp->sp_final, "open");
	if (nowait && !cached_read(fd, &iov, 1, 0)) {
		close(fd);
		return CAIRN_ENOWAIT;
	}
	if (nowait)
		n = (ssize_t)sizeof(buf);
	else if ((n = pread_all(fd, buf, sizeof(buf), 0)) == -1) {
		close(fd);
		return store_err(cs, sp->sp_final, "read");
	}
	why = n < (ssize_t)sizeof(buf) ? "truncated header" :
	    hdr_decode(buf, h);
	if (why != NULL) {
		close(fd);
		return corrupt(cs, sp->sp_final, "%s", why);
	}
	*fdp = fd;
	return 0;
}

/* block_get reads block b and its CRC into buf and verifies them; with
 * nowait, only from the page cache (else CAIRN_ENOWAIT). */
static int
block_get(struct chunk_store *cs, int fd, const struct shard_paths *sp,
    const struct shard_hdr *h, uint32_t b, void *buf, struct msg_chunk_data *d,
    bool nowait)
{
	unsigned char crc[CHUNK_CRCSIZE];
	struct iovec iov[2];
	uint32_t len;
	ssize_t n;

	if (b >= h->sh_block_count) {
		log_warnx("%s/%s: read of block %u, shard has %u",
		    cs->cs_path, sp->sp_final, b, h->sh_block_count);
		return CAIRN_EINVAL;
	}
	len = block_len(h, b);
	iov[0].iov_base = buf;
	iov[0].iov_len = len;
	iov[1].iov_base = crc;
	iov[1].iov_len = sizeof(crc);
	if (nowait && !cached_read(fd, iov, 2, block_offset(h, b)))
		return CAIRN_ENOWAIT;
	n = nowait ? (ssize_t)(len + sizeof(crc)) :
	    preadv(fd, iov, 2, (off_t)block_offset(h, b));
	if (n == -1)
		return store_err(cs, sp->sp_final, "read");
	if ((size_t)n != len + sizeof(crc))
		return corrupt(cs, sp->sp_final, "block %u truncated", b);
	if (crc_32c(buf, len) != le32_get(crc))
		return corrupt(cs, sp->sp_final, "block %u fails its checksum",
		    b);
	d->cd_crc = le32_get(crc);
	d->cd_data.ps_ptr = buf;
	d->cd_data.ps_len = len;
	return 0;
}

int
chunk_store_read(struct chunk_store *cs, const struct msg_chunk_read *r,
    void *(*room)(void *, size_t), void *arg, struct msg_chunk_data *d,
    bool nowait)
{
	pthread_rwlock_t *l;
	struct shard_paths sp;
	struct shard_hdr h;
	void *buf = NULL;
	int fd, rc;

	shard_paths(&sp, r->cr_id);
	l = id_lock(cs, r->cr_id, false);
	if ((rc = shard_open(cs, &sp, &h, &fd, nowait)) != 0)
		goto out;
	/* A block number past the end is block_get's to report. */
	if (r->cr_block_no < h.sh_block_count &&
	    (buf = room(arg, block_len(&h, r->cr_block_no))) == NULL)
		rc = CAIRN_ENOMEM;
	else
		rc = block_get(cs, fd, &sp, &h, r->cr_block_no, buf, d,
		    nowait);
	close(fd);
out:
	pthread_rwlock_unlock(l);
	if (rc == 0)
		atomic_fetch_add_explicit(&cs->cs_reads, 1,
		    memory_order_relaxed);
	return rc;
}

/* bad_write logs a write request that breaks the rules; CAIRN_EINVAL. */
static int
bad_write(const struct shard_paths *sp, const struct msg_chunk_write *w,
    const char *why)
{
	log_warnx("shard %s block %u: %s (block size %u, %zu bytes, "
	    "length %llu)", sp->sp_hex, w->cw_block_no, why, w->cw_block_size,
	    w->cw_data.ps_len, (unsigned long long)w->cw_length);
	return CAIRN_EINVAL;
}

/*
 * write_hdr fills h with the shard a write belongs to.  The block count
 * and length mean something only for the last block, whose write carries
 * the length, and only once write_check has passed it; a block before the
 * last says the shard has at least two.
 */
static void
write_hdr(const struct msg_chunk_write *w, struct shard_hdr *h)
{
	h->sh_shard_idx = w->cw_shard_idx;
	h->sh_block_size = w->cw_block_size;
	h->sh_length = w->cw_length;
	h->sh_block_count = (uint32_t)block_count(w->cw_length,
	    w->cw_block_size);
	h->sh_version = shard_version(w->cw_block_size,
	    w->cw_last ? h->sh_block_count : 2);
}

/* write_check validates a write request before anything touches disk. */
static int
write_check(const struct shard_paths *sp, const struct msg_chunk_write *w)
{
	struct shard_hdr h;
	size_t len = w->cw_data.ps_len;

	if (w->cw_block_size < 1 || w->cw_block_size > PROTO_STRIPE)
		return bad_write(sp, w, "bad block size");
	if (len < 1 || len > w->cw_block_size)
		return bad_write(sp, w, "bad block length");
	if ((uint64_t)w->cw_block_no * w->cw_block_size >= CHUNK_MAXLEN)
		return bad_write(sp, w, "block beyond the largest shard");
	if (crc_32c(w->cw_data.ps_ptr, len) != w->cw_crc) {
		log_warnx("shard %s block %u: data does not match its CRC",
		    sp->sp_hex, w->cw_block_no);
		return CAIRN_ECHECKSUM;
	}
	if (!w->cw_last)
		return 0;
	if (!layout_ok(w->cw_length, w->cw_block_size))
		return bad_write(sp, w, "bad shard length");
	write_hdr(w, &h);
	if (w->cw_block_no >= h.sh_block_count ||
	    block_len(&h, w->cw_block_no) != len)
		return bad_write(sp, w, "block does not fit the shard length");
	return 0;
}

/* same_block tells whether the committed shard h, open as fd, holds w. */
static int
same_block(int fd, const struct shard_hdr *h, const struct msg_chunk_write *w)
{
	unsigned char crc[CHUNK_CRCSIZE];
	uint32_t b = w->cw_block_no;
	uint64_t off;

	if (h->sh_shard_idx != w->cw_shard_idx ||
	    h->sh_block_size != w->cw_block_size ||
	    b >= h->sh_block_count || block_len(h, b) != w->cw_data.ps_len ||
	    (w->cw_last && h->sh_length != w->cw_length))
		return 0;
	off = block_offset(h, b) + w->cw_data.ps_len;
	return pread_all(fd, crc, sizeof(crc), off) == (ssize_t)sizeof(crc) &&
	    le32_get(crc) == w->cw_crc;
}

/*
 * committed_match handles a write whose temporary file is gone: if the
 * shard is committed and holds this very block (and length, for the last
 * write), the write was a resend and succeeds.  Returns 0, CAIRN_ENOENT
 * (not committed), CAIRN_EEXIST (committed with other content) or an error.
 */
static int
committed_match(struct chunk_store *cs, const struct shard_paths *sp,
    const struct msg_chunk_write *w)
{
	struct shard_hdr h;
	int fd, rc;

	if ((rc = shard_open(cs, sp, &h, &fd, false)) != 0)
		return rc;
	rc = same_block(fd, &h, w) ? 0 : CAIRN_EEXIST;
	close(fd);
	if (rc != 0)
		log_warnx("%s/%s: block %u: already committed with other "
		    "content", cs->cs_path, sp->sp_final, w->cw_block_no);
	return rc;
}

/*
 * block_present tells whether block b was written: its CRC is there.  A
 * never-written block reads as zeros, so a zero CRC is checked against the
 * data: no run of 1 to PROTO_STRIPE zero bytes has CRC32C 0.
 */
static int
block_present(struct chunk_store *cs, int fd, const struct shard_paths *sp,
    const struct shard_hdr *h, uint32_t b)
{
	unsigned char crc[CHUNK_CRCSIZE], *data;
	uint64_t off = block_offset(h, b);
	uint32_t len = block_len(h, b);
	int present;

	if (pread_all(fd, crc, sizeof(crc), off + len) != (ssize_t)sizeof(crc))
		return store_err(cs, sp->sp_tmp, "read");
	if (le32_get(crc) != 0)
		return 0;
	if ((data = malloc(len)) == NULL)
		return CAIRN_ENOMEM;
	present = pread_all(fd, data, len, off) == (ssize_t)len &&
	    crc_32c(data, len) == 0;
	free(data);
	if (present)
		return 0;
	log_warnx("%s/%s: commit: block %u of %u missing", cs->cs_path,
	    sp->sp_tmp, b, h->sh_block_count);
	return CAIRN_EIO;
}

/* commit_complete checks that the temporary file holds every block. */
static int
commit_complete(struct chunk_store *cs, int fd, const struct shard_paths *sp,
    const struct shard_hdr *h)
{
	struct stat st;
	uint32_t b;
	int rc;

	if (fstat(fd, &st) == -1)
		return store_err(cs, sp->sp_tmp, "fstat");
	if ((uint64_t)st.st_size != shard_file_size(h)) {
		log_warnx("%s/%s: commit: %lld bytes, want %llu: blocks "
		    "missing", cs->cs_path, sp->sp_tmp, (long long)st.st_size,
		    (unsigned long long)shard_file_size(h));
		return CAIRN_EIO;
	}
	for (b = 0; b < h->sh_block_count; b++)
		if ((rc = block_present(cs, fd, sp, h, b)) != 0)
			return rc;
	return 0;
}

/*
 * drop_behind takes a large shard, now on disk, out of the page cache.
 * Its pages would otherwise stay until memory runs short, and every new
 * shard would be written into pages the kernel has not handed out in a
 * while.  On a virtual machine whose host takes back the guest's free
 * memory, first touching such a page costs as much as writing it
 * several times over: writing 64 MiB objects spent 38% of all CPU
 * copying into the page cache.  Dropped pages are the next ones handed
 * out.  Small shards stay cached: they are the ones read back soon.
 */
static void
drop_behind(struct chunk_store *cs, int fd, uint64_t length)
{
	uint64_t min = atomic_load_explicit(&cs->cs_drop_behind,
	    memory_order_relaxed);

	if (min > 0 && length >= min)
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
}

/*
 * commit makes the temporary file the shard: header, fdatasync, rename,
 * fsync of the fan-out directory.  Until the rename the shard does not
 * exist; after the directory fsync it survives a crash.
 */
static int
commit(struct chunk_store *cs, int fd, const struct shard_paths *sp,
    const struct msg_chunk_write *w)
{
	unsigned char buf[CHUNK_HDRSIZE];
	struct shard_hdr h;
	int rc;

	write_hdr(w, &h);
	if ((rc = commit_complete(cs, fd, sp, &h)) != 0)
		return rc;
	hdr_encode(buf, &h);
	if (pwrite_all(fd, buf, sizeof(buf), 0) == -1)
		return store_err(cs, sp->sp_tmp, "write");
	if (fdatasync(fd) == -1)
		return store_err(cs, sp->sp_tmp, "fdatasync");
	drop_behind(cs, fd, h.sh_length);
	if (renameat(cs->cs_dirfd, sp->sp_tmp, cs->cs_dirfd, sp->sp_final) ==
	    -1) {
		/* A concurrent resend of this write may have committed it. */
		if (errno == ENOENT)
			return committed_match(cs, sp, w);
		return store_err(cs, sp->sp_final, "rename");
	}
	if ((rc = fsync_dir(cs, sp->sp_dir)) != 0)
		return rc;
	log_debug("%s/%s: committed, %u blocks, %llu bytes", cs->cs_path,
	    sp->sp_final, h.sh_block_count, (unsigned long long)h.sh_length);
	return 0;
}

/*
 * tmp_open opens the shard's temporary file, creating it unless the shard
 * is already committed: then the write is a resend and is answered from
 * the committed shard (*fdp stays -1), so that it leaves no stray file.
 */
static int
tmp_open(struct chunk_store *cs, const struct shard_paths *sp,
    const struct msg_chunk_write *w, int *fdp)
{
	int rc;

	*fdp = openat(cs->cs_dirfd, sp->sp_tmp, O_RDWR | O_CLOEXEC);
	if (*fdp != -1)
		return 0;
	if (errno != ENOENT)
		return store_err(cs, sp->sp_tmp, "open");
	if ((rc = committed_match(cs, sp, w)) != CAIRN_ENOENT)
		return rc;
	if ((*fdp = chunk_spare_take(cs, sp->sp_tmp)) != -1)
		return 0;
	*fdp = openat(cs->cs_dirfd, sp->sp_tmp, O_RDWR | O_CREAT | O_CLOEXEC,
	    0640);
	if (*fdp == -1)
		return store_err(cs, sp->sp_tmp, "create");
	return 0;
}

/* block_write writes data then crc at off, in one call unless short. */
static int
block_write(int fd, const void *data, size_t len, const unsigned char *crc,
    uint64_t off)
{
	struct iovec iov[2] = {
		{ (void *)data, len }, { (void *)crc, CHUNK_CRCSIZE }
	};
	ssize_t n;
	size_t done, c;

	if ((n = pwritev(fd, iov, 2, (off_t)off)) == -1 && errno != EINTR)
		return -1;
	done = n > 0 ? (size_t)n : 0;
	if (done == len + CHUNK_CRCSIZE)
		return 0;
	if (done < len && pwrite_all(fd, (const char *)data + done,
	    len - done, off + done) == -1)
		return -1;
	c = done > len ? done - len : 0;
	return pwrite_all(fd, crc + c, CHUNK_CRCSIZE - c, off + len + c) ==
	    -1 ? -1 : 0;
}

/*
 * block_direct writes a whole block of a version 2 shard, and the page
 * that holds its CRC, with O_DIRECT: from the gateway's shared buffer to
 * the drive, with no copy into the page cache and no writeback left for
 * the commit's fdatasync.  The CRC page's zeros after the CRC are the
 * block's padding.  0, or -1 if the block must go through the page cache
 * (errno EINVAL: the file system does not do direct I/O).
 */
static int
block_direct(int fd, const void *data, size_t len, uint32_t crc,
    uint64_t off)
{
	_Alignas(SHARD_PAGE) unsigned char page[SHARD_PAGE];
	struct iovec iov[2] = { { (void *)data, len }, { page, SHARD_PAGE } };
	ssize_t n;
	int fl;

	memset(page, 0, sizeof(page));
	le32_put(page, crc);
	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_DIRECT) == -1)
		return -1;
	do
		n = pwritev(fd, iov, 2, (off_t)off);
	while (n == -1 && errno == EINTR);
	if (n == (ssize_t)(len + SHARD_PAGE))
		return 0;
	/* A short write (the drive filling up) is redone, and reported, by
	 * the buffered write. */
	if (n != -1)
		errno = EAGAIN;
	(void)fcntl(fd, F_SETFL, fl);
	return -1;
}

/*
 * direct_ok tells whether block b of shard h can be written directly:
 * a full block of a version 2 shard, from page-aligned memory (the
 * gateway's shared buffers are; a copy in a message is not), and not the
 * last, which the commit syncs anyway.
 */
static bool
direct_ok(struct chunk_store *cs, const struct shard_hdr *h,
    const struct msg_chunk_write *w)
{
	return h->sh_version == SHARD_V2 && !w->cw_last &&
	    w->cw_data.ps_len == h->sh_block_size &&
	    (uintptr_t)w->cw_data.ps_ptr % SHARD_PAGE == 0 &&
	    atomic_load_explicit(&cs->cs_direct, memory_order_relaxed);
}

/* direct_refused turns direct writes off for a file system without them. */
static void
direct_refused(struct chunk_store *cs)
{
	if (errno == EINVAL && atomic_exchange(&cs->cs_direct, false))
		log_warnx("%s: the file system refuses O_DIRECT; blocks are "
		    "written through the page cache", cs->cs_path);
}

/*
 * block_put writes a block and its CRC at the block's fixed offset,
 * directly when it can.  A block written through the page cache that is
 * not the last starts its writeback at once, so the fdatasync of the
 * last block does not find the whole shard dirty.
 */
static int
block_put(struct chunk_store *cs, int fd, const struct shard_paths *sp,
    const struct msg_chunk_write *w)
{
	unsigned char crc[CHUNK_CRCSIZE];
	struct shard_hdr h;
	uint64_t off;
	size_t len = w->cw_data.ps_len;

	write_hdr(w, &h);
	off = block_offset(&h, w->cw_block_no);
	if (direct_ok(cs, &h, w)) {
		if (block_direct(fd, w->cw_data.ps_ptr, len, w->cw_crc,
		    off) == 0) {
			atomic_fetch_add_explicit(&cs->cs_direct_writes, 1,
			    memory_order_relaxed);
			return 0;
		}
		direct_refused(cs);
	}
	le32_put(crc, w->cw_crc);
	if (block_write(fd, w->cw_data.ps_ptr, len, crc, off) == -1)
		return store_err(cs, sp->sp_tmp, "write");
	if (!w->cw_last)
		(void)sync_file_range(fd, (off_t)off,
		    (off_t)(len + CHUNK_CRCSIZE), SYNC_FILE_RANGE_WRITE);
	return 0;
}

int
chunk_store_write(struct chunk_store *cs, const struct msg_chunk_write *w)
{
	pthread_rwlock_t *l;
	struct shard_paths sp;
	int fd, rc;

	shard_paths(&sp, w->cw_id);
	if ((rc = write_check(&sp, w)) != 0)
		return rc;
	l = id_lock(cs, w->cw_id, true);
	if ((rc = tmp_open(cs, &sp, w, &fd)) != 0 || fd == -1)
		goto out;
	rc = block_put(cs, fd, &sp, w);
	if (rc == 0 && w->cw_last)
		rc = commit(cs, fd, &sp, w);
	close(fd);
out:
	pthread_rwlock_unlock(l);
	if (rc == 0)
		atomic_fetch_add_explicit(&cs->cs_writes, 1,
		    memory_order_relaxed);
	return rc;
}

/*
 * chunk_store_delete removes without a directory fsync: a delete undone by
 * a crash leaves an orphan shard, which the scrubber sweeps.
 */
int
chunk_store_delete(struct chunk_store *cs, const struct msg_chunk_ref *c)
{
	pthread_rwlock_t *l;
	struct shard_paths sp;
	int found = 0, rc = 0;

	shard_paths(&sp, c->c_id);
	l = id_lock(cs, c->c_id, true);
	if (chunk_spare_remove(cs, sp.sp_final) == 0)
		found = 1;
	else if (errno != ENOENT)
		rc = store_err(cs, sp.sp_final, "remove");
	if (rc == 0 && chunk_spare_remove(cs, sp.sp_tmp) == 0)
		found = 1;
	else if (rc == 0 && errno != ENOENT)
		rc = store_err(cs, sp.sp_tmp, "remove");
	pthread_rwlock_unlock(l);
	if (rc == 0 && !found)
		rc = CAIRN_ENOENT;
	if (rc == 0)
		atomic_fetch_add_explicit(&cs->cs_deletes, 1,
		    memory_order_relaxed);
	return rc;
}

void
chunk_store_stats(struct chunk_store *cs, struct chunk_store_stats *st)
{
	struct statvfs vfs;

	memset(st, 0, sizeof(*st));
	if (fstatvfs(cs->cs_dirfd, &vfs) == 0) {
		st->css_free_bytes = (uint64_t)vfs.f_bavail * vfs.f_frsize;
		st->css_total_bytes = (uint64_t)vfs.f_blocks * vfs.f_frsize;
	}
	st->css_writes = atomic_load_explicit(&cs->cs_writes,
	    memory_order_relaxed);
	st->css_reads = atomic_load_explicit(&cs->cs_reads,
	    memory_order_relaxed);
	st->css_deletes = atomic_load_explicit(&cs->cs_deletes,
	    memory_order_relaxed);
	st->css_checksum_errors = atomic_load_explicit(&cs->cs_checksum_errors,
	    memory_order_relaxed);
	st->css_spares = chunk_spare_count(cs);
	st->css_direct_writes = atomic_load_explicit(&cs->cs_direct_writes,
	    memory_order_relaxed);
}

const char *
chunk_store_drive_id(const struct chunk_store *cs)
{
	return cs->cs_drive_id;
}

static int
uuid_valid(const char *s)
{
	int i;

	for (i = 0; i < CHUNK_UUIDLEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	}
	return s[CHUNK_UUIDLEN] == '\0' || s[CHUNK_UUIDLEN] == '\n';
}

/* drive_id_read reads drive.id; CAIRN_ENOENT if there is none yet. */
static int
drive_id_read(struct chunk_store *cs)
{
	char buf[CHUNK_UUIDLEN + 2];
	ssize_t n;
	int fd;

	if ((fd = openat(cs->cs_dirfd, "drive.id", O_RDONLY | O_CLOEXEC)) ==
	    -1)
		return errno == ENOENT ? CAIRN_ENOENT :
		    store_err(cs, "drive.id", "open");
	n = pread_all(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	if (n == -1)
		return store_err(cs, "drive.id", "read");
	buf[n] = '\0';
	if (n < CHUNK_UUIDLEN || !uuid_valid(buf)) {
		log_warnx("%s/drive.id: not a UUID; refusing to replace it",
		    cs->cs_path);
		return CAIRN_EINVAL;
	}
	memcpy(cs->cs_drive_id, buf, CHUNK_UUIDLEN);
	cs->cs_drive_id[CHUNK_UUIDLEN] = '\0';
	return 0;
}

/* uuid_new makes a random (version 4) UUID in text. */
static void
uuid_new(char out[CHUNK_UUIDLEN + 1])
{
	uint8_t u[16];
	char hex[33];

	util_random(u, sizeof(u));
	u[6] = (u[6] & 0x0f) | 0x40;
	u[8] = (u[8] & 0x3f) | 0x80;
	util_hex(hex, u, sizeof(u));
	snprintf(out, CHUNK_UUIDLEN + 1, "%.8s-%.4s-%.4s-%.4s-%.12s", hex,
	    hex + 8, hex + 12, hex + 16, hex + 20);
}

/*
 * drive_id_create writes a new drive.id through a temporary file and a
 * rename, so that a crash never leaves an empty or partial one.
 */
static int
drive_id_create(struct chunk_store *cs)
{
	char line[CHUNK_UUIDLEN + 2];
	int fd;

	uuid_new(cs->cs_drive_id);
	snprintf(line, sizeof(line), "%s\n", cs->cs_drive_id);
	fd = openat(cs->cs_dirfd, "drive.id.new",
	    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd == -1)
		return store_err(cs, "drive.id.new", "create");
	if (pwrite_all(fd, line, strlen(line), 0) == -1 || fsync(fd) == -1) {
		close(fd);
		return store_err(cs, "drive.id.new", "write");
	}
	close(fd);
	if (renameat(cs->cs_dirfd, "drive.id.new", cs->cs_dirfd, "drive.id") ==
	    -1)
		return store_err(cs, "drive.id", "rename");
	if (fsync(cs->cs_dirfd) == -1)
		return store_err(cs, ".", "fsync");
	log_info("%s: new drive id %s", cs->cs_path, cs->cs_drive_id);
	return 0;
}

static int
make_dir(struct chunk_store *cs, const char *rel)
{
	if (mkdirat(cs->cs_dirfd, rel, 0750) == -1 && errno != EEXIST)
		return store_err(cs, rel, "mkdir");
	return 0;
}

/* make_dirs creates tmp/ and all fan-out directories up front. */
static int
make_dirs(struct chunk_store *cs)
{
	char rel[sizeof("shards/xx")];
	int i, rc;

	if ((rc = make_dir(cs, "tmp")) != 0 ||
	    (rc = make_dir(cs, "shards")) != 0)
		return rc;
	for (i = 0; i < 256; i++) {
		snprintf(rel, sizeof(rel), "shards/%02x", i);
		if ((rc = make_dir(cs, rel)) != 0)
			return rc;
	}
	return 0;
}

/* store_lock takes the drive for this process alone. */
static int
store_lock(struct chunk_store *cs)
{
	if (flock(cs->cs_dirfd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	if (errno == EWOULDBLOCK) {
		log_warnx("%s: in use by another process", cs->cs_path);
		return CAIRN_EEXIST;
	}
	return store_err(cs, ".", "flock");
}

static int
locks_init(struct chunk_store *cs)
{
	int i;

	if ((cs->cs_locks = calloc(CHUNK_LOCKS, sizeof(*cs->cs_locks))) ==
	    NULL)
		return CAIRN_ENOMEM;
	for (i = 0; i < CHUNK_LOCKS; i++)
		pthread_rwlock_init(&cs->cs_locks[i], NULL);
	return 0;
}

int
chunk_store_open(struct chunk_store *cs, const char *path)
{
	int rc;

	memset(cs, 0, sizeof(*cs));
	cs->cs_dirfd = -1;
	if (strlen(path) >= sizeof(cs->cs_path))
		return CAIRN_EINVAL;
	strcpy(cs->cs_path, path);
	if ((rc = util_mkdirs(path, 0750)) != 0) {
		log_warnx("%s: cannot create: %s", path, cairn_strerror(rc));
		return rc;
	}
	cs->cs_dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cs->cs_dirfd == -1)
		return store_err(cs, ".", "open");
	if ((rc = locks_init(cs)) == 0 && (rc = store_lock(cs)) == 0 &&
	    (rc = make_dirs(cs)) == 0 &&
	    (rc = chunk_spare_open(cs)) == 0 &&
	    (rc = drive_id_read(cs)) == CAIRN_ENOENT)
		rc = drive_id_create(cs);
	if (rc != 0)
		chunk_store_close(cs);
	return rc;
}

void
chunk_store_close(struct chunk_store *cs)
{
	int i;

	chunk_spare_close(cs);
	if (cs->cs_dirfd != -1)
		close(cs->cs_dirfd);
	cs->cs_dirfd = -1;
	if (cs->cs_locks != NULL) {
		for (i = 0; i < CHUNK_LOCKS; i++)
			pthread_rwlock_destroy(&cs->cs_locks[i]);
		free(cs->cs_locks);
		cs->cs_locks = NULL;
	}
}

/* --- scrubbing: verify, list, sweep, repair ------------------------------- */

/* verify_note records damaged block b in v. */
static void
verify_note(struct msg_chunk_verify *v, uint32_t b)
{
	v->cv_state = CHUNK_VERIFY_CORRUPT;
	if (v->cv_nbad_listed < PROTO_BADMAX)
		v->cv_bad[v->cv_nbad_listed++] = b;
	v->cv_nbad++;
}

/* verify_blocks reads and checks every block of the open shard. */
static int
verify_blocks(struct chunk_store *cs, int fd, const struct shard_paths *sp,
    const struct shard_hdr *h, struct msg_chunk_verify *v)
{
	struct msg_chunk_data d;
	struct stat st;
	void *buf;
	uint32_t b;
	int rc = 0;

	if ((buf = malloc(h->sh_block_size)) == NULL)
		return CAIRN_ENOMEM;
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	for (b = 0; b < h->sh_block_count && rc == 0; b++) {
		rc = block_get(cs, fd, sp, h, b, buf, &d, false);
		v->cv_bytes_read += block_len(h, b) + CHUNK_CRCSIZE;
		if (rc == CAIRN_ECHECKSUM) {
			verify_note(v, b);
			rc = 0;
		}
	}
	free(buf);
	if (rc == 0 && fstat(fd, &st) == 0 &&
	    (uint64_t)st.st_size != shard_file_size(h) &&
	    v->cv_state == CHUNK_VERIFY_OK) {
		(void)corrupt(cs, sp->sp_final, "%lld bytes, want %llu",
		    (long long)st.st_size,
		    (unsigned long long)shard_file_size(h));
		v->cv_state = CHUNK_VERIFY_CORRUPT;
	}
	/* A scan must not push the clients' hot data out of the cache. */
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	return rc;
}

int
chunk_store_verify(struct chunk_store *cs, const struct msg_chunk_ref *c,
    struct msg_chunk_verify *v)
{
	pthread_rwlock_t *l;
	struct shard_paths sp;
	struct shard_hdr h;
	int fd, rc;

	memset(v, 0, sizeof(*v));
	v->cv_drive_id = proto_str_c(cs->cs_drive_id);
	shard_paths(&sp, c->c_id);
	l = id_lock(cs, c->c_id, false);
	rc = shard_open(cs, &sp, &h, &fd, false);
	if (rc == CAIRN_ENOENT || rc == CAIRN_ECHECKSUM) {
		v->cv_state = rc == CAIRN_ENOENT ? CHUNK_VERIFY_MISSING :
		    CHUNK_VERIFY_CORRUPT;
		rc = 0;
	} else if (rc == 0) {
		v->cv_shard_idx = h.sh_shard_idx;
		v->cv_block_size = h.sh_block_size;
		v->cv_length = h.sh_length;
		v->cv_nblocks = h.sh_block_count;
		rc = verify_blocks(cs, fd, &sp, &h, v);
		close(fd);
	}
	pthread_rwlock_unlock(l);
	return rc;
}

static int
list_cmp(const void *a, const void *b)
{
	return memcmp(((const struct msg_chunk_list_entry *)a)->ce_id,
	    ((const struct msg_chunk_list_entry *)b)->ce_id, PROTO_IDLEN);
}

/*
 * list_dir reads the shard files of directory rel whose id sorts after
 * after (NULL: all) into a sorted, malloc'd array.
 */
static int
list_dir(struct chunk_store *cs, const char *rel, const uint8_t *after,
    struct msg_chunk_list_entry **out, size_t *nout)
{
	struct msg_chunk_list_entry *v = NULL, *nv, e;
	struct dirent *de;
	struct stat st;
	size_t n = 0, cap = 0;
	DIR *dir;
	int fd;

	*out = NULL;
	*nout = 0;
	if ((fd = openat(cs->cs_dirfd, rel, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1 || (dir = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return store_err(cs, rel, "open");
	}
	while ((de = readdir(dir)) != NULL) {
		if (strlen(de->d_name) != 2 * PROTO_IDLEN ||
		    util_unhex(e.ce_id, de->d_name, PROTO_IDLEN) != 0 ||
		    (after != NULL && memcmp(e.ce_id, after, PROTO_IDLEN) <= 0) ||
		    fstatat(dirfd(dir), de->d_name, &st, 0) == -1)
			continue;
		e.ce_mtime_s = (uint64_t)st.st_mtime;
		if (n == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL) {
				closedir(dir);
				free(v);
				return CAIRN_ENOMEM;
			}
			v = nv;
		}
		v[n++] = e;
	}
	closedir(dir);
	if (n > 0)
		qsort(v, n, sizeof(*v), list_cmp);
	*out = v;
	*nout = n;
	return 0;
}

/* list_take appends up to what fits of one directory's entries to l. */
static void
list_take(struct msg_chunk_list *l, uint32_t max,
    const struct msg_chunk_list_entry *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (l->cls_n == max) {
			l->cls_truncated = true;
			return;
		}
		l->cls_entries[l->cls_n++] = v[i];
	}
}

int
chunk_store_list(struct chunk_store *cs, const struct msg_chunk_list_req *r,
    struct msg_chunk_list *l)
{
	struct msg_chunk_list_entry *v;
	const uint8_t *after = NULL;
	char rel[sizeof("shards/xx")];
	size_t n;
	int d, rc;

	memset(l, 0, sizeof(*l));
	if ((l->cls_entries = calloc(r->cl_max, sizeof(*l->cls_entries))) ==
	    NULL)
		return CAIRN_ENOMEM;
	if (r->cl_after.ps_len == PROTO_IDLEN)
		after = (const uint8_t *)r->cl_after.ps_ptr;
	for (d = after != NULL ? after[0] : 0; d < 256 && !l->cls_truncated;
	    d++) {
		if (r->cl_tmp)
			snprintf(rel, sizeof(rel), "tmp");
		else
			snprintf(rel, sizeof(rel), "shards/%02x", d & 0xff);
		if ((rc = list_dir(cs, rel, after, &v, &n)) != 0) {
			msg_chunk_list_free(l);
			return rc;
		}
		list_take(l, r->cl_max, v, n);
		free(v);
		if (r->cl_tmp)
			break;
	}
	return 0;
}

/* sweep_locked removes rel if its mtime is before older_than_s. */
static int
sweep_locked(struct chunk_store *cs, const char *rel, uint64_t older_than_s)
{
	struct stat st;

	if (fstatat(cs->cs_dirfd, rel, &st, 0) == -1)
		return errno == ENOENT ? CAIRN_ENOENT : store_err(cs, rel,
		    "stat");
	if ((uint64_t)st.st_mtime >= older_than_s)
		return CAIRN_EEXIST;
	if (chunk_spare_remove(cs, rel) == -1)
		return errno == ENOENT ? CAIRN_ENOENT : store_err(cs, rel,
		    "remove");
	return 0;
}

int
chunk_store_sweep(struct chunk_store *cs, const struct msg_chunk_sweep *s)
{
	pthread_rwlock_t *l;
	struct shard_paths sp;
	const char *rel;
	int rc;

	shard_paths(&sp, s->sw_id);
	rel = s->sw_tmp ? sp.sp_tmp : sp.sp_final;
	l = id_lock(cs, s->sw_id, true);
	rc = sweep_locked(cs, rel, s->sw_older_than_s);
	pthread_rwlock_unlock(l);
	if (rc == 0) {
		log_info("%s/%s: swept as an orphan", cs->cs_path, rel);
		atomic_fetch_add_explicit(&cs->cs_deletes, 1,
		    memory_order_relaxed);
	}
	return rc;
}

/*
 * chunk_store_repair is chunk_store_write for a shard being rebuilt: it
 * always writes to the temporary file, even when a (damaged) shard is
 * committed, and the commit's rename replaces that shard atomically.
 */
int
chunk_store_repair(struct chunk_store *cs, const struct msg_chunk_write *w)
{
	pthread_rwlock_t *l;
	struct shard_paths sp;
	int fd, rc;

	shard_paths(&sp, w->cw_id);
	if ((rc = write_check(&sp, w)) != 0)
		return rc;
	l = id_lock(cs, w->cw_id, true);
	fd = openat(cs->cs_dirfd, sp.sp_tmp, O_RDWR | O_CREAT | O_CLOEXEC,
	    0640);
	if (fd == -1)
		rc = store_err(cs, sp.sp_tmp, "create");
	else {
		rc = block_put(cs, fd, &sp, w);
		if (rc == 0 && w->cw_last)
			rc = commit(cs, fd, &sp, w);
		close(fd);
	}
	pthread_rwlock_unlock(l);
	if (rc == 0)
		atomic_fetch_add_explicit(&cs->cs_writes, 1,
		    memory_order_relaxed);
	return rc;
}
