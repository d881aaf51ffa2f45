/* chunkd.h - cairn-chunkd: one drive's shard files, served over nng */
#ifndef CAIRN_CHUNKD_H
#define CAIRN_CHUNKD_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "conf.h"
#include "proto.h"
#include "rpc.h"

/* chunk_store.c */

#define CHUNK_HDRSIZE	64		/* shard file header */
#define CHUNK_CRCSIZE	4		/* CRC32C after each block */
#define CHUNK_MAXLEN	(1ull << 43)	/* largest shard: 8 TiB */
#define CHUNK_UUIDLEN	36		/* drive.id, without newline */
#define CHUNK_SPAREMAX	4096		/* emptied files kept, see chunk_spare.c */
#define CHUNK_SPARENAME	32		/* "spare/" and a decimal number */
#define CHUNK_LOCKS	1024		/* per-id locks, striped; a power of 2 */

/*
 * One drive: a directory holding drive.id, tmp/ (shards being written),
 * shards/00..ff/ (committed shards, fanned out by the first byte of the
 * data id) and spare/ (emptied files for new shards).  Owned by struct
 * chunkd; opened on the main thread before the RPC workers start and
 * closed after they stop.  In between, any number of worker threads call
 * write, read and delete at once: the store keeps no per-shard state
 * (every call opens and closes its file), so the only shared fields are
 * the counters, which are atomic, the list of spares, under its mutex,
 * and the striped locks that keep a call from removing a shard's file
 * while another has it open.  cs_dirfd holds an exclusive flock(2) so
 * that two daemons never serve one directory.
 */
struct chunk_store {
	char			 cs_path[PATH_MAX];
	int			 cs_dirfd;	/* the drive directory */
	char			 cs_drive_id[CHUNK_UUIDLEN + 1];
	atomic_uint_fast64_t	 cs_writes;	/* blocks written */
	atomic_uint_fast64_t	 cs_reads;	/* blocks verified, sent */
	atomic_uint_fast64_t	 cs_deletes;	/* shards deleted */
	atomic_uint_fast64_t	 cs_checksum_errors; /* damage found */
	atomic_uint_fast64_t	 cs_drop_behind;	/* see chunk_store_write */
	atomic_bool		 cs_direct;	/* see block_direct */
	atomic_uint_fast64_t	 cs_direct_writes; /* blocks written so */
	pthread_rwlock_t	*cs_locks;	/* CHUNK_LOCKS, see id_lock */
	pthread_mutex_t		 cs_spare_mu;	/* guards the spare fields */
	uint64_t		*cs_spare;	/* spare/ names, CHUNK_SPAREMAX */
	size_t			 cs_spare_max;	/* kept at most; set at open */
	size_t			 cs_nspare;	/* in cs_spare */
	size_t			 cs_spare_busy;	/* being made */
	uint64_t		 cs_spare_next;	/* the next spare's name */
};

/* A snapshot of a store's counters and its file system's space. */
struct chunk_store_stats {
	uint64_t	css_free_bytes;		/* for non-root users */
	uint64_t	css_total_bytes;
	uint64_t	css_writes;
	uint64_t	css_reads;
	uint64_t	css_deletes;
	uint64_t	css_checksum_errors;
	uint64_t	css_spares;		/* in spare/, see chunk_spare.c */
	uint64_t	css_direct_writes;	/* with O_DIRECT */
};

/*
 * chunk_store_open creates (mode 0750) and locks the drive directory path,
 * its tmp/ and shards/00..ff/, and reads drive.id or writes a new one.
 * Returns 0 or a negative error; logs why.
 */
int chunk_store_open(struct chunk_store *cs, const char *path);

/* chunk_store_close releases the directory and its lock. */
void chunk_store_close(struct chunk_store *cs);

/* chunk_store_drive_id returns the drive's UUID as text. */
const char *chunk_store_drive_id(const struct chunk_store *cs);

/*
 * chunk_store_write stores one block of a shard in its temporary file and,
 * when w->cw_last is set, checks that every block is there and commits the
 * shard.  Writing a block again, before or after the commit, is harmless.
 * Returns 0, CAIRN_EINVAL (bad sizes), CAIRN_ECHECKSUM (cw_crc does not
 * match the data), CAIRN_EIO (a commit with blocks missing), CAIRN_EEXIST
 * (the id is committed with other content) or a file system error.
 */
int chunk_store_write(struct chunk_store *cs, const struct msg_chunk_write *w);

/*
 * chunk_store_read reads block r->cr_block_no of a committed shard into
 * room(arg, len), a buffer of the block's length, and verifies it; d then
 * points into that buffer.  Returns 0, CAIRN_ENOENT, CAIRN_EINVAL (no such
 * block), CAIRN_ECHECKSUM, CAIRN_ENOMEM (room returned NULL) or a file
 * system error.  With nowait it reads only what is in the page cache, and
 * returns CAIRN_ENOWAIT when some of it is not, or when the file system
 * cannot tell: the caller then reads again with nowait false.
 */
int chunk_store_read(struct chunk_store *cs, const struct msg_chunk_read *r,
    void *(*room)(void *, size_t), void *arg, struct msg_chunk_data *d,
    bool nowait);

/*
 * chunk_store_delete removes a shard, committed or not.  Returns 0,
 * CAIRN_ENOENT if neither existed, or a file system error.
 */
int chunk_store_delete(struct chunk_store *cs, const struct msg_chunk_ref *c);

/* chunk_store_stats fills st; the space is 0 if statvfs(2) fails. */
void chunk_store_stats(struct chunk_store *cs, struct chunk_store_stats *st);

/*
 * chunk_store_verify reads every block of the shard of c->c_id and checks
 * its CRC32C and the header, filling v: ok, missing or corrupt (which
 * blocks), with the header's fields.  The pages read are dropped from the
 * page cache afterwards.  Returns 0 (whatever the shard's state) or a file
 * system error.
 */
int chunk_store_verify(struct chunk_store *cs, const struct msg_chunk_ref *c,
    struct msg_chunk_verify *v);

/*
 * chunk_store_list fills l with one page of shard ids and mtimes (of tmp/
 * with r->cl_tmp) in id order.  l->cls_entries is malloc'd: free with
 * msg_chunk_list_free.  Returns 0 or an error.
 */
int chunk_store_list(struct chunk_store *cs,
    const struct msg_chunk_list_req *r, struct msg_chunk_list *l);

/*
 * chunk_store_sweep removes an orphan shard (or temporary file) if its
 * mtime is before s->sw_older_than_s.  Returns 0, CAIRN_ENOENT,
 * CAIRN_EEXIST (written since) or a file system error.
 */
int chunk_store_sweep(struct chunk_store *cs, const struct msg_chunk_sweep *s);

/* chunk_spare.c */

/*
 * chunk_spare_open creates spare/ and unlinks what a previous run left
 * there; chunk_store_open calls it.  Returns 0 or an error.
 */
int chunk_spare_open(struct chunk_store *cs);

/* chunk_spare_close frees the list; the next open unlinks the files. */
void chunk_spare_close(struct chunk_store *cs);

/*
 * chunk_spare_remove takes the file rel out of the store: emptied and
 * kept as a spare while fewer than CHUNK_SPAREMAX are (and if rel is its
 * file's only name), else unlinked.
 * Returns 0, or -1 with errno set as by unlink(2).
 */
int chunk_spare_remove(struct chunk_store *cs, const char *rel);

/*
 * chunk_spare_take renames a spare to rel, which must not exist, and
 * opens it read-write, empty.  Returns the descriptor, or -1 if there is
 * no spare or it could not be used: then the caller creates rel.
 */
int chunk_spare_take(struct chunk_store *cs, const char *rel);

/* chunk_spare_count returns how many spares there are. */
size_t chunk_spare_count(struct chunk_store *cs);

/*
 * chunk_store_repair writes a block of a rebuilt shard: like
 * chunk_store_write, but into a fresh temporary file even when the shard is
 * committed; the last block's commit replaces the old shard by rename.
 */
int chunk_store_repair(struct chunk_store *cs, const struct msg_chunk_write *w);

/* chunk_scrub.c */

/*
 * chunk_scrub_dispatch answers the scrubbing messages (MSG_CHUNK_VERIFY,
 * _LIST, _SWEEP, _REPAIR); CAIRN_EMSGTYPE for any other type.
 */
struct chunkd;
int chunk_scrub_dispatch(struct chunkd *env, const struct proto_msg *req,
    msgpack_packer *reply);

/* chunkd.c */

/*
 * The daemon's env, one per process, living in main().  The main thread
 * fills it before the RPC workers start and then owns ck_conf (a reload
 * only compares a new file against it) and the lifetimes of ck_store and
 * ck_rpc.  Workers reach the env through dispatch() and status() and
 * touch only ck_store, which is safe for concurrent use.
 */
struct chunkd {
	struct conf		 ck_conf;
	const char		*ck_conffile;
	int			 ck_verbose;	/* from -d and -v */
	const char		*ck_drive;	/* NAME, from argv */
	char			 ck_name[CONF_NAMEMAX + 8]; /* chunkd NAME */
	char			 ck_procname[CONF_NAMEMAX + 16];
	struct chunk_store	 ck_store;
	struct rpc_server	 ck_rpc;
	struct arena_maps	 ck_arenas;	/* gateways' shared buffers */
	atomic_ulong		 ck_shared_writes;	/* blocks read there */
};

#endif
