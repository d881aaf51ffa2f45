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
#define META_K_USER	'N'		/* "N" user name -> msg_user, sealed */
#define META_K_ACCESS	'A'		/* "A" access key -> user name */

/* Bytes of the key that seals user secrets (AES-256). */
#define META_USERKEY_LEN	32
#define META_K_VERSION	'V'		/* "V" bucket NUL key NUL ~mtime -> msg_objrec */

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
	struct stamp_tab	*md_stamps;	/* NULL: gateways keep nothing */
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
	unsigned char		 m_user_key[META_USERKEY_LEN];	/* users.key */
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
 * meta_db_get_in is meta_db_get for a record inside bucket: a missing key
 * is CAIRN_ENOBUCKET if the bucket does not exist either, else missing.
 */
int meta_db_get_in(struct meta_db *db, const char *key, size_t klen,
    struct proto_str bucket, int missing, char **val, size_t *vlen);

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

/* meta_db_write stores val under key, synced, or deletes key if val is
 * NULL; 0 or CAIRN_EIO. */
int meta_db_write(struct meta_db *db, const char *key, size_t klen,
    const char *val, size_t vlen);

/* meta_db_bucket_store packs b and writes it under key; the caller holds
 * md_bucket_lock exclusive. */
int meta_db_bucket_store(struct meta_db *db, const char *key, size_t klen,
    const struct msg_bucket *b);

/*
 * Every write of the database goes through these three: after each, the
 * record stamp (lib/stamp.h) of every "O" key it wrote changes, before
 * the write is answered.  They take leveldb's arguments, and set *err as
 * it does.
 */
void meta_db_lwrite(struct meta_db *db, leveldb_writebatch_t *b, char **err);
void meta_db_lput(struct meta_db *db, const char *key, size_t klen,
    const char *val, size_t vlen, char **err);
void meta_db_ldelete(struct meta_db *db, const char *key, size_t klen,
    char **err);

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

/*
 * meta_commit_batch writes every change of b, atomically, in the next
 * group commit and returns once that is synced.  b stays the caller's.
 */
int meta_commit_batch(struct meta_db *db, const leveldb_writebatch_t *b);

/*
 * meta_commit_now writes b, the changes of n writes, synced from this
 * thread (leveldb joins it with other threads' writes): 0 or CAIRN_EIO.
 */
int meta_commit_now(struct meta_db *db, leveldb_writebatch_t *b, uint64_t n);

/* meta_group.c */

/*
 * meta_group_run takes the version puts and deletes of a batch of writes
 * (rpc.h, rpc_group_handler), commits them with one synced write and
 * answers them; returns how many it took.
 */
int meta_group_run(struct meta_db *db, struct rpc_group_req *reqs, int n);

/* meta_db_key_lock returns the lock stripe of a DB key. */
pthread_mutex_t *meta_db_key_lock(struct meta_db *db, const char *key,
    size_t klen);

/* meta_db_reply_raw appends stored msgpack bytes (or nil if NULL). */
void meta_db_reply_raw(msgpack_packer *reply, const char *val, size_t vlen);

/* meta_db_reply_take is meta_db_reply_raw of a value meta_db_get returned,
 * which it frees; it returns 0, for a handler to return. */
int meta_db_reply_take(msgpack_packer *reply, char *val, size_t vlen);

/* meta_db_check_obj checks a bucket and key before they make a DB key. */
int meta_db_check_obj(struct proto_str bucket, struct proto_str key);

/*
 * meta_db_cond checks a conditional put against the current record (old,
 * NULL if none): 0, CAIRN_EPRECONDITION or CAIRN_ENOKEY.
 */
int meta_db_cond(const struct msg_obj_put *p, const char *old, size_t oldlen);

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

/*
 * What ListObjects and ListObjectVersions pages share: the object key
 * prefix they scan ("O" bucket NUL prefix), and the zone that holds the
 * reply's arrays and copies.
 */
struct meta_list_page {
	msgpack_zone	*lp_zone;
	char		 lp_key[META_KEYLEN];
	size_t		 lp_bucketlen;	/* "O" bucket NUL */
	size_t		 lp_keylen;	/* and the prefix */
};

/* meta_list_args rejects a page request: a bad bucket, max above
 * PROTO_LISTMAX, or one of the n names (prefix, delimiter, marker) bad. */
int meta_list_args(struct proto_str bucket, uint32_t max,
    const struct proto_str *const *names, size_t n);

/* meta_list_page_init fills p for bucket and prefix and gives two zone
 * arrays of max(n, 1) entries of asz and bsz bytes; 0 or CAIRN_ENOMEM.
 * meta_list_page_free frees the zone, whatever init returned. */
int meta_list_page_init(struct meta_list_page *p, struct proto_str bucket,
    struct proto_str prefix, size_t n, void **a, size_t asz, void **b,
    size_t bsz);
void meta_list_page_free(struct meta_list_page *p);

/* meta_list_cmp compares two byte strings as leveldb does. */
int meta_list_cmp(struct proto_str a, struct proto_str b);

/* meta_list_rollup returns the length of the common prefix key rolls up
 * into under prefix and delimiter, or 0 if key is listed by itself. */
size_t meta_list_rollup(struct proto_str prefix, struct proto_str delimiter,
    struct proto_str key);

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

/* meta_upload_ck.c */

/*
 * meta_upload_part_cksum finds the x-amz-checksum-<alg> header of a part
 * record: true and its name (if name is not NULL) and value, pointing
 * into r's buffer.
 */
bool meta_upload_part_cksum(const struct msg_objrec *r,
    struct proto_str *name, struct proto_str *value);

/*
 * meta_upload_hdr_edits applies the header edits of a complete to the new
 * record r (pointing into cc's message); CAIRN_ETOOBIG if r has no room.
 */
int meta_upload_hdr_edits(struct msg_objrec *r,
    const struct msg_upload_complete *cc);

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

/* meta_user.c */

/*
 * meta_user_key_load reads the key that seals user secrets from
 * dir/users.key, or creates the file (mode 0600, random key) if there is
 * none.  A file others may read is refused.  0 or a negative error.
 */
int meta_user_key_load(const char *dir, unsigned char *key);

/*
 * meta_user_dispatch unpacks and runs one MSG_META_USER_* request; key
 * seals and opens the secrets.  A secret leaves metad only in the reply
 * of MSG_META_USER_GET.
 */
int meta_user_dispatch(struct meta_db *db, const unsigned char *key,
    const struct proto_msg *req, msgpack_packer *reply);

/* meta_objhdr.c */

/* meta_objhdr_set sets or removes one stored header of an object
 * (MSG_META_OBJ_SET_HDR), under the key's lock. */
int meta_objhdr_set(struct meta_db *db, const struct msg_obj_hdr *oh);
/* meta_version.c */

/* Longest "V" key: 'V', bucket, NUL, key, NUL, 8 order bytes. */
#define META_VKEYLEN	(META_KEYLEN + 1 + PROTO_VERORDER)

/*
 * One change of the versions of a key, made by a put, a delete or a
 * completed upload while holding md_bucket_lock shared and the key's lock.
 * meta_version_load reads the current latest record (mv_cur); the change
 * collects its writes in mv_batch, written at once by meta_version_write.
 * mv_drop is the record no key refers to any more after the change: the
 * caller replies with it, and the gateway deletes its shards.
 */
struct meta_vchange {
	struct meta_db		*mv_db;
	struct proto_str	 mv_bucket;
	struct proto_str	 mv_key;
	uint8_t			 mv_state;	/* the bucket's versioning */
	leveldb_writebatch_t	*mv_batch;
	char			 mv_okey[META_KEYLEN];
	size_t			 mv_oklen;
	char			*mv_cur;	/* leveldb_free; NULL: none */
	size_t			 mv_curlen;
	uint64_t		 mv_cur_mtime;
	bool			 mv_cur_marker;
	size_t			 mv_cur_vidlen;	/* 0: the null version */
	char			 mv_cur_vid[PROTO_VERIDLEN];
	char			*mv_drop;	/* malloc'd; NULL: none */
	size_t			 mv_droplen;
	char			 mv_vid[PROTO_VERIDLEN + 1];	/* made or removed */
	bool			 mv_lock;	/* the bucket has object lock */
	bool			 mv_bypass;	/* of governance retention */
	bool			 mv_defer;	/* meta_version_write only notes */
	bool			 mv_deferred;	/* mv_batch is to be written */
	char			 mv_lock_mode[16];	/* default retention */
	char			 mv_lock_until[40];
};

/* meta_version_init starts a change of bucket/key (names must outlive it). */
void meta_version_init(struct meta_vchange *mv, struct meta_db *db,
    struct proto_str bucket, struct proto_str key);

/* meta_version_fini frees what the change holds. */
void meta_version_fini(struct meta_vchange *mv);

/* meta_version_load reads the key's latest record into mv. */
int meta_version_load(struct meta_vchange *mv);

/* meta_version_drop copies vlen bytes of a record the change removes into
 * mv_drop, for the reply; 0 or CAIRN_ENOMEM. */
int meta_version_drop(struct meta_vchange *mv, const char *val, size_t vlen);

/*
 * meta_version_commit adds to mv_batch the writes that make rec the latest
 * version under the bucket's versioning (mv_state): rec's mtime is raised
 * above the current one's and its version id set (pointing into mv); the
 * current record is kept as noncurrent or given up in mv_drop.
 */
int meta_version_commit(struct meta_vchange *mv, struct msg_objrec *rec);

/*
 * meta_version_put_prepare checks p against the key's latest version and
 * collects in mv_batch what makes rec (p's record, a copy the change may
 * alter) the latest: a put but for meta_version_write.  Under
 * md_bucket_lock shared and the key's lock.
 */
int meta_version_put_prepare(struct meta_vchange *mv,
    const struct msg_obj_put *p, struct msg_objrec *rec);

/* meta_version_write writes mv_batch, synced; with mv_defer it only sets
 * mv_deferred, for the caller to write mv_batch with others. */
int meta_version_write(struct meta_vchange *mv);

/* meta_version_bucket reads the versioning state of a bucket and, if
 * lock is not NULL, whether it has object lock; ENOBUCKET. */
int meta_version_bucket(struct meta_db *db, struct proto_str bucket,
    uint8_t *state, bool *lock);

/*
 * meta_version_put makes p's record the latest version and packs the
 * record given up (or nil), or with full a msg_ver_done.  room, if not
 * 0, is what the reply may take (a write in a batch, proto.h): a
 * msg_ver_done that would not fit leaves out the record given up.
 */
int meta_version_put(struct meta_db *db, const struct msg_obj_put *p,
    bool full, size_t room, msgpack_packer *reply);

/*
 * meta_version_delete_locked runs the delete r on mv (meta_version_init'd
 * for its key) under md_bucket_lock shared and the key's lock; marker
 * tells whether it made or removed a delete marker.
 */
int meta_version_delete_locked(struct meta_vchange *mv,
    const struct msg_ver_ref *r, bool *marker);

/*
 * meta_version_reply packs what the change mv did, as meta_version_put
 * and meta_version_delete answer; marker: it made a delete marker.
 */
int meta_version_reply(struct meta_vchange *mv, bool marker, bool full,
    size_t room, msgpack_packer *reply);

/* meta_version_is_marker tells whether stored record bytes are a marker. */
bool meta_version_is_marker(const char *val, size_t vlen);

/* meta_version_id_make writes the PROTO_VERIDLEN digits and a NUL of a
 * new version id of the given mtime into out. */
void meta_version_id_make(char *out, uint64_t mtime_ns);

/* meta_version_id_parse checks a version id ("null" or PROTO_VERIDLEN hex
 * digits) and reads its mtime; CAIRN_EINVAL if malformed. */
int meta_version_id_parse(struct proto_str id, bool *null, uint64_t *mtime_ns);

/* meta_version_prefix writes "V" bucket NUL key NUL; returns its length. */
size_t meta_version_prefix(char *buf, struct proto_str bucket,
    struct proto_str key);

/* meta_version_key writes the "V" key of the version of that mtime. */
size_t meta_version_key(char *buf, struct proto_str bucket,
    struct proto_str key, uint64_t mtime_ns);

/* meta_version_rm.c */

/*
 * meta_version_delete deletes bucket/key as S3 does: without a version id
 * a delete marker (versioned bucket) or the record; with one, that
 * version for good, the next newest becoming the latest.  Packs the
 * record given up (or nil), or with full a msg_ver_done, in room as
 * meta_version_put does.
 */
int meta_version_delete(struct meta_db *db, const struct msg_ver_ref *r,
    bool full, size_t room, msgpack_packer *reply);

/* meta_version_get packs the record of one version (markers included). */
int meta_version_get(struct meta_db *db, const struct msg_ver_ref *r,
    msgpack_packer *reply);

/*
 * meta_version_locate finds the version r names (the latest if its id is
 * empty, markers included): its DB key into key (META_VKEYLEN bytes) and
 * its record into *val (leveldb_free it).  ENOKEY, ENOVERSION, EINVAL
 * (a malformed id), ENOBUCKET.
 */
int meta_version_locate(struct meta_db *db, const struct msg_ver_ref *r,
    char *key, size_t *klen, char **val, size_t *vlen);

/* meta_version_dispatch unpacks and runs one MSG_META_VER_* request. */
int meta_version_dispatch(struct meta_db *db, const struct proto_msg *req,
    msgpack_packer *reply);

/* meta_version_hdr.c */

/*
 * meta_version_set_hdr sets (or with an empty value removes) one stored
 * header of one version, under the key's lock; CAIRN_EMARKER for a
 * delete marker, else as meta_version_locate.
 */
int meta_version_set_hdr(struct meta_db *db, const struct msg_ver_hdr *h);

/* meta_lock.c */

/* The stored headers of a version's retention and legal hold. */
#define META_LOCK_MODE	"x-amz-object-lock-mode"
#define META_LOCK_UNTIL	"x-amz-object-lock-retain-until-date"
#define META_LOCK_HOLD	"x-amz-object-lock-legal-hold"
#define META_LOCK_DATELEN 40


/*
 * meta_lock_check tells whether the stored record may be deleted now:
 * 0, or CAIRN_ELOCKED under a legal hold, a COMPLIANCE retention, or a
 * GOVERNANCE retention without bypass.
 */
int meta_lock_check(const char *val, size_t vlen, bool bypass,
    uint64_t now_ns);

/*
 * meta_lock_default gives rec, if it has no retention of its own, the
 * bucket's default retention: headers pointing to mode and until
 * (META_LOCK_DATELEN bytes), which must outlive rec.
 */
int meta_lock_default(struct meta_db *db, struct proto_str bucket,
    struct msg_objrec *rec, char *mode, char *until);

/* meta_version_list.c */

/* meta_version_list packs one ListObjectVersions page. */
int meta_version_list(struct meta_db *db, const struct msg_ver_list_req *l,
    msgpack_packer *reply);

/*
 * meta_version_scan packs as scan entries the noncurrent versions of
 * bucket/key after the order bytes after (NULL: all), using the
 * iterator it, while *n < max and sb stays under maxbytes; *more if it
 * stopped early.
 */
void meta_version_scan(leveldb_iterator_t *it, msgpack_packer *pk,
    const msgpack_sbuffer *sb, size_t maxbytes, struct proto_str bucket,
    struct proto_str key, const char *after, uint32_t *n, uint32_t max,
    bool *more);

/* meta_expire.c */

/*
 * meta_expire removes the current record of x's key if its mtime and
 * ETag are still x's, atomically under the key's lock, and packs the
 * removed record into reply.  CAIRN_EPRECONDITION if it changed,
 * CAIRN_ENOKEY if there is none.
 */
int meta_expire(struct meta_db *db, const struct msg_obj_expire *x,
    msgpack_packer *reply);

/*
 * meta_ver_expire removes one version for lifecycle expiry if it is still
 * what x says (see MSG_META_VER_EXPIRE), under the key's lock, and packs
 * the removed record, or nil for a delete marker, into reply.
 */
int meta_ver_expire(struct meta_db *db, const struct msg_ver_expire *x,
    msgpack_packer *reply);

#endif
