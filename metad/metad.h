/* metad.h - cairn-metad: buckets and object records in one leveldb */
#ifndef CAIRN_METAD_H
#define CAIRN_METAD_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <leveldb/c.h>
#include <msgpack.h>

#include "conf.h"
#include "proto.h"
#include "rpc.h"

/*
 * Group commit (meta_commit.c): one thread writes whatever single-key
 * writes have queued up while its previous synced write ran, as one synced
 * leveldb batch, then wakes their writers.  Each writer still waits for
 * the fsync of its own write: acknowledged means on disk.  Owned by struct
 * meta_db; the queue is guarded by mc_lock.
 */
struct meta_wreq;
struct meta_commit {
	pthread_mutex_t		 mc_lock;
	pthread_cond_t		 mc_work;	/* something queued, or stop */
	struct meta_wreq	*mc_head;
	struct meta_wreq	**mc_tail;
	pthread_t		 mc_thread;
	bool			 mc_stop;
	bool			 mc_running;
	leveldb_writebatch_t	*mc_batch;	/* reused for every batch */
	atomic_uint_fast64_t	 mc_nbatches;	/* synced writes done */
	atomic_uint_fast64_t	 mc_nwrites;	/* keys written by them */
};

/*
 * The database layout; docs/meta-format.md describes it for people.  Bump
 * META_FORMAT when a key or value changes shape: a DB of another version is
 * refused, never reinterpreted.
 */
#define META_FORMAT	"1"
#define META_K_FORMAT	'F'		/* "F" -> META_FORMAT */
#define META_K_BUCKET	'B'		/* "B" bucket -> msg_bucket */
#define META_K_OBJECT	'O'		/* "O" bucket NUL key -> msg_objrec */
#define META_K_UPLOAD	'U'		/* "U" bucket NUL key NUL id -> msg_objrec */
#define META_K_PART	'P'		/* "P" id number(BE32) -> msg_objrec */
#define META_K_BCONF	'C'		/* "C" bucket NUL kind -> document */

/* Longest leveldb key: 'O', bucket, NUL, object key. */
#define META_KEYLEN	(1 + PROTO_BUCKETMAX + 1 + PROTO_KEYMAX)

/* Stripes of key locks; a power of two. */
#define META_NLOCKS	256

/*
 * The open database.  Owned by struct metad, opened on the main thread
 * before the RPC workers start and closed after they stop; in between,
 * every worker thread uses it at once.  leveldb is thread-safe by itself;
 * the locks are for read-modify-write sequences that must look atomic:
 *
 * - md_bucket_lock: object operations hold it shared, bucket create and
 *   delete exclusive, so a bucket cannot vanish between an object put's
 *   bucket check and its write, and a bucket's emptiness check holds.
 * - md_key_lock[hash(bucket, key)]: an object put or delete holds the
 *   stripe of its key while it reads the old record and writes the new,
 *   so the old record it returns is exactly the one it replaced.  Other
 *   keys proceed in parallel, which lets leveldb group their synced
 *   writes into one fsync.
 *
 * Every write that changes state is synced (md_wsync): an acknowledged
 * change survives a crash.
 */
struct meta_db {
	leveldb_t		*md_db;
	leveldb_options_t	*md_options;
	leveldb_filterpolicy_t	*md_filter;
	leveldb_cache_t		*md_cache;
	leveldb_readoptions_t	*md_read;
	leveldb_writeoptions_t	*md_wsync;
	pthread_rwlock_t	 md_bucket_lock;
	pthread_mutex_t		 md_key_lock[META_NLOCKS];
	struct meta_commit	 md_commit;
	char			 md_path[PATH_MAX];
};

/*
 * The daemon.  One per process, on main()'s stack; the RPC workers get it
 * as their env.  The main thread fills m_conf before the workers start
 * and never changes it after: a reload only checks the file and adjusts
 * the log verbosity.  The counters are atomics bumped by the workers and
 * read by status replies.
 */
struct metad {
	struct conf		 m_conf;
	struct meta_db		 m_db;
	struct rpc_server	 m_rpc;
	const char		*m_conffile;	/* -f, or the default */
	int			 m_verbose;	/* from -d and -v */
	atomic_uint_fast64_t	 m_nputs;
	atomic_uint_fast64_t	 m_ngets;
	atomic_uint_fast64_t	 m_ndeletes;
	atomic_uint_fast64_t	 m_nlists;
	atomic_uint_fast64_t	 m_nbucket_ops;
	atomic_uint_fast64_t	 m_nerrors;
};

/* meta_db.c */

/*
 * meta_db_open opens (creating if needed) the database at path, writes the
 * format version into a new one and refuses one of another version with
 * CAIRN_EVERSION.  Returns 0 or a negative error; logs why.
 */
int meta_db_open(struct meta_db *db, const char *path);

/* meta_db_close closes the database and frees what meta_db_open made. */
void meta_db_close(struct meta_db *db);

/* meta_db_bucket_create stores b; CAIRN_EBUCKETEXISTS if present. */
int meta_db_bucket_create(struct meta_db *db, const struct msg_bucket *b);

/* meta_db_bucket_delete removes an empty bucket. */
int meta_db_bucket_delete(struct meta_db *db, struct proto_str name);

/* meta_db_bucket_get packs the bucket's msg_bucket into reply. */
int meta_db_bucket_get(struct meta_db *db, struct proto_str name,
    msgpack_packer *reply);

/* meta_db_bucket_list packs a msg_bucket_list of every bucket. */
int meta_db_bucket_list(struct meta_db *db, msgpack_packer *reply);

/* meta_db_bucket_exists returns 0 or CAIRN_ENOBUCKET (or a DB error). */
int meta_db_bucket_exists(struct meta_db *db, struct proto_str name);

/*
 * meta_db_obj_put makes p->p_rec the current record of the key and packs
 * the record it replaced (msg_objrec), or nil, into reply.
 */
/* meta_db_pack_objrec packs r into sb; the caller destroys sb. */
void meta_db_pack_objrec(msgpack_sbuffer *sb, const struct msg_objrec *r);

/*
 * meta_db_unpack_objrec decodes a stored record (vlen bytes at val) into
 * r, whose strings point into u and val; CAIRN_EINTERNAL if it is not a
 * whole record.  The caller inits and destroys u.
 */
int meta_db_unpack_objrec(msgpack_unpacked *u, const char *val, size_t vlen,
    struct msg_objrec *r);

/*
 * meta_db_obj_set_tags replaces the tag set of a current version, under
 * the key's lock; CAIRN_ENOKEY or CAIRN_ENOBUCKET if there is none.
 */
int meta_db_obj_set_tags(struct meta_db *db, const struct msg_obj_tags *t);
int meta_db_obj_put(struct meta_db *db, const struct msg_obj_put *p,
    msgpack_packer *reply);

/* meta_db_obj_get packs the key's msg_objrec into reply. */
int meta_db_obj_get(struct meta_db *db, const struct msg_obj_ref *r,
    msgpack_packer *reply);

/* meta_db_obj_delete removes the key and packs its record, or nil. */
int meta_db_obj_delete(struct meta_db *db, const struct msg_obj_ref *r,
    msgpack_packer *reply);

/* meta_db_check_name returns 0 if s is 1..max bytes without NUL. */
int meta_db_check_name(struct proto_str s, size_t max);

/*
 * meta_db_obj_key writes the leveldb key of bucket/key (or, with an empty
 * key, the prefix of every key of the bucket) into buf of META_KEYLEN
 * bytes and returns its length.  The caller checked the lengths.
 */
size_t meta_db_obj_key(char *buf, struct proto_str bucket,
    struct proto_str key);

/* meta_db_get reads key into *val (leveldb_free it); 0, CAIRN_ENOENT or
 * CAIRN_EIO. */
int meta_db_get(struct meta_db *db, const char *key, size_t klen, char **val,
    size_t *vlen);

/* meta_db_fail logs a leveldb error, frees it and returns CAIRN_EIO. */
int meta_db_fail(struct meta_db *db, const char *what, char *err);

/* meta_commit.c */

/* meta_commit_start starts the group commit thread of an open db. */
int meta_commit_start(struct meta_db *db);

/* meta_commit_stop writes what is queued and joins the thread. */
void meta_commit_stop(struct meta_db *db);

/*
 * meta_commit_write stores val (vlen bytes) under key, or deletes key if
 * val is NULL, in the next group commit, and returns once that is synced:
 * 0 or CAIRN_EIO.  key and val stay the caller's.
 */
int meta_commit_write(struct meta_db *db, const char *key, size_t klen,
    const char *val, size_t vlen);

/* meta_db_key_lock returns the lock stripe of a DB key. */
pthread_mutex_t *meta_db_key_lock(struct meta_db *db, const char *key,
    size_t klen);

/* meta_db_reply_raw appends stored msgpack bytes (or nil if NULL). */
void meta_db_reply_raw(msgpack_packer *reply, const char *val, size_t vlen);

/* meta_db_check_obj checks a bucket and key before they make a DB key. */
int meta_db_check_obj(struct proto_str bucket, struct proto_str key);

/* meta_db_size returns leveldb's estimate of the bytes on disk. */
uint64_t meta_db_size(struct meta_db *db);

/* meta_list.c */

/*
 * meta_list_objects packs the msg_list_reply of one ListObjects page: the
 * keys and common prefixes described in lib/proto.h and docs/meta-format.md.
 * Each common prefix costs one seek, whatever the number of keys under it.
 */
int meta_list_objects(struct meta_db *db, const struct msg_list_req *l,
    msgpack_packer *reply);

/* meta_upload.c */

/* Longest upload key: 'U', bucket, NUL, key, NUL, upload id. */
#define META_UPKEYLEN	(META_KEYLEN + 1 + PROTO_UPLOADIDLEN)
/* A part key: 'P', upload id, part number big-endian. */
#define META_PARTKEYLEN	(1 + PROTO_UPLOADIDLEN + 4)

/* meta_upload_create stores a new upload's template; ENOBUCKET. */
int meta_upload_create(struct meta_db *db, const struct msg_upload_create *uc);

/* meta_upload_get packs the upload's template record; ENOUPLOAD. */
int meta_upload_get(struct meta_db *db, const struct msg_upload_ref *u,
    msgpack_packer *reply);

/* meta_upload_part stores a part and packs the one it replaced, or nil. */
int meta_upload_part(struct meta_db *db, const struct msg_part_put *pp,
    msgpack_packer *reply);

/*
 * meta_upload_complete checks the listed parts, makes the object's record
 * from them and, in one write batch, stores it and removes the upload and
 * all its parts.  Packs a msg_upload_done.  ENOUPLOAD, EBADPART,
 * EPARTORDER, EPARTSMALL.
 */
int meta_upload_complete(struct meta_db *db,
    const struct msg_upload_complete *cc, msgpack_packer *reply);

/* meta_upload_abort removes the upload and its parts (msg_upload_done). */
int meta_upload_abort(struct meta_db *db, const struct msg_upload_ref *u,
    msgpack_packer *reply);

/*
 * meta_upload_bucket_delete deletes the bucket key bkey and every upload
 * and part and configuration of the bucket in one write batch.
 * md_bucket_lock is held exclusive.  The parts' shards are left to the
 * sweep.
 */
int meta_upload_bucket_delete(struct meta_db *db, const char *bkey,
    size_t bklen, struct proto_str bucket);

/* meta_bconf.c */

/*
 * meta_bconf_dispatch unpacks and runs MSG_META_BUCKET_SET and the
 * MSG_META_BCONF_* requests.
 */
int meta_bconf_dispatch(struct meta_db *db, const struct proto_msg *req,
    msgpack_packer *reply);

/* meta_bconf_drop adds the deletion of every configuration of bucket to b. */
void meta_bconf_drop(struct meta_db *db, leveldb_writebatch_t *b,
    struct proto_str bucket);

/* meta_upload_dispatch unpacks and runs one MSG_META_UPLOAD_* request. */
int meta_upload_dispatch(struct meta_db *db, const struct proto_msg *req,
    msgpack_packer *reply);

/* meta_upload_key writes the "U" key of an upload; returns its length. */
size_t meta_upload_key(char *buf, const struct msg_upload_ref *u);

/* meta_upload_check checks an upload reference's names and id. */
int meta_upload_check(const struct msg_upload_ref *u);

/* meta_upload_list.c */

/* meta_upload_parts packs one ListParts page (msg_part_list_reply). */
int meta_upload_parts(struct meta_db *db, const struct msg_part_list_req *pl,
    msgpack_packer *reply);

/* meta_upload_list packs one ListMultipartUploads page. */
int meta_upload_list(struct meta_db *db, const struct msg_upload_list_req *ul,
    msgpack_packer *reply);

/* meta_scan.c */

/*
 * meta_scan packs the msg_scan_reply of one MSG_META_SCAN page: the object
 * records in scope after the cursor, in (bucket, key) order, as stored.
 * Each page is one seek and a bounded walk; the reply stays below 1 MiB
 * of records.
 */
int meta_scan(struct meta_db *db, const struct msg_scan_req *s,
    msgpack_packer *reply);

#endif
