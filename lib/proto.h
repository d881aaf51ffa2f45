/* proto.h - every message between cairn daemons, declared once */
#ifndef CAIRN_PROTO_H
#define CAIRN_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

/*
 * Every message is one msgpack array [version, type, reqid, payload].
 * A request carries a request type below; its reply carries MSG_OK with the
 * reply payload named next to the request, or MSG_ERROR with struct
 * msg_error.  Payloads are positional msgpack arrays; fields are only ever
 * appended.  Each payload has exactly one pack and one unpack function in
 * proto.c, used by both ends.  Unpack checks types, counts and bounds.
 *
 * Bump PROTO_VERSION whenever anything below changes.
 */
#define PROTO_VERSION	7

#define PROTO_MSGMAX	(4u << 20)	/* largest message accepted, bytes */
#define PROTO_STRIPE	(1u << 20)	/* object data per erasure stripe */
#define PROTO_KEYMAX	1024		/* object key, bytes */
#define PROTO_BUCKETMAX	63		/* bucket name, bytes */
#define PROTO_IDLEN	16		/* data id of a stored object */
#define PROTO_SHARDMAX	16		/* k + m */
#define PROTO_NAMEMAX	32		/* drive name */
#define PROTO_ARENAMAX	47		/* shared stripe buffers' name, bytes */
#define PROTO_HDRMAX	64		/* stored response headers per object */
#define PROTO_HDRLEN	8192		/* one stored header name or value */
#define PROTO_LISTMAX	1000		/* keys in one list page */
#define PROTO_CC_HDRMAX	4		/* header edits of one complete */
#define PROTO_CKSUMLEN	64		/* base64 of a part's checksum */
#define PROTO_STATMAX	24		/* counters in a status reply */
#define PROTO_BATCHMAX	32		/* requests in one MSG_RPC_BATCH */
#define PROTO_PARTMAX	10000		/* parts of a multipart upload */
#define PROTO_PARTMIN	(5u << 20)	/* smallest part but the last, bytes */
#define PROTO_UPLOADIDLEN 32		/* upload id: hex text */
#define PROTO_SCANMAX	256		/* records in one scan page */
#define PROTO_CLISTMAX	1000		/* shard ids in one chunk list page */
#define PROTO_BADMAX	16		/* bad blocks named in a verify reply */
#define PROTO_SCRUBSTATS 32		/* counters in a scrub report */
#define PROTO_SCRUBNAMES 64		/* object names in a scrub report */
#define PROTO_OWNERMAX	64		/* user id of a bucket owner */
#define PROTO_BCONFKIND	32		/* name of a bucket configuration */
#define PROTO_BCONFMAX	(1u << 20)	/* one bucket configuration, bytes */
#define PROTO_USERMAX	64		/* user name, bytes */
#define PROTO_SECRETMAX	128		/* access key id or secret, bytes */
#define PROTO_VERIDLEN	32		/* version id: hex text */
#define PROTO_VERORDER	8		/* order bytes of a noncurrent version */
/* A scan entry's key: the key, or key NUL order bytes for a noncurrent
 * version (see msg_scan_req). */
#define PROTO_SCANKEYMAX (PROTO_KEYMAX + 1 + PROTO_VERORDER)

enum proto_type {
	/* 1-99: replies and control; every daemon */
	MSG_OK = 1,			/* reply; payload named by the request */
	MSG_ERROR = 2,			/* reply; struct msg_error */
	MSG_CTL_STATUS = 10,		/* nil -> struct msg_status */
	MSG_RPC_BATCH = 11,		/* requests -> replies; see below */

	/* 100-199: metad */
	MSG_META_BUCKET_CREATE = 100,	/* msg_bucket -> nil */
	MSG_META_BUCKET_DELETE = 101,	/* msg_name -> nil */
	MSG_META_BUCKET_GET = 102,	/* msg_name -> msg_bucket */
	MSG_META_BUCKET_LIST = 103,	/* nil -> msg_bucket_list */
	MSG_META_BUCKET_SET = 104,	/* msg_bucket_set -> msg_bucket */
	MSG_META_BCONF_PUT = 105,	/* msg_bconf -> nil */
	MSG_META_BCONF_GET = 106,	/* msg_bconf -> msg_bconf */
	MSG_META_BCONF_DELETE = 107,	/* msg_bconf -> nil */
	MSG_META_OBJ_PUT = 110,		/* msg_obj_put -> msg_objrec or nil */
	MSG_META_OBJ_GET = 111,		/* msg_obj_ref -> msg_objrec */
	MSG_META_OBJ_DELETE = 112,	/* msg_obj_ref -> msg_objrec or nil */
	MSG_META_OBJ_LIST = 113,	/* msg_list_req -> msg_list_reply */
	MSG_META_OBJ_SET_TAGS = 114,	/* msg_obj_tags -> nil */
	MSG_META_UPLOAD_CREATE = 120,	/* msg_upload_create -> nil */
	MSG_META_UPLOAD_GET = 121,	/* msg_upload_ref -> msg_objrec */
	MSG_META_UPLOAD_PART = 122,	/* msg_part_put -> msg_objrec or nil */
	MSG_META_UPLOAD_COMPLETE = 123,	/* msg_upload_complete -> msg_upload_done */
	MSG_META_UPLOAD_ABORT = 124,	/* msg_upload_ref -> msg_upload_done */
	MSG_META_UPLOAD_PARTS = 125,	/* msg_part_list_req -> msg_part_list_reply */
	MSG_META_UPLOAD_LIST = 126,	/* msg_upload_list_req -> msg_upload_list_reply */
	MSG_META_SCAN = 140,		/* msg_scan_req -> msg_scan_reply */
	/* 180-199: users and object ACLs (metad) */
	MSG_META_USER_ADD = 180,	/* msg_user -> nil */
	MSG_META_USER_GET = 181,	/* msg_name (access key) -> msg_user */
	MSG_META_USER_LIST = 182,	/* nil -> msg_user_list */
	MSG_META_USER_REMOVE = 183,	/* msg_name (user name) -> nil */
	MSG_META_USER_STATE = 184,	/* msg_user_state -> nil */
	MSG_META_OBJ_SET_HDR = 185,	/* msg_obj_hdr -> nil */
	MSG_META_VER_PUT = 160,		/* msg_obj_put -> msg_ver_done */
	MSG_META_VER_GET = 161,		/* msg_ver_ref -> msg_objrec */
	MSG_META_VER_DELETE = 162,	/* msg_ver_ref -> msg_ver_done */
	MSG_META_VER_LIST = 163,	/* msg_ver_list_req -> msg_ver_list_reply */
	MSG_META_VER_SET_HDR = 164,	/* msg_ver_hdr -> nil */
	/* 141-145: lifecycle (metad's expiry, then scrubd's trigger) */
	MSG_META_OBJ_EXPIRE = 141,	/* msg_obj_expire -> msg_objrec */
	MSG_SCRUB_LIFECYCLE = 142,	/* nil -> msg_scrub_report */
	MSG_META_VER_EXPIRE = 143,	/* msg_ver_expire -> msg_objrec or nil */

	/* 200-299: chunkd */
	MSG_CHUNK_WRITE = 200,		/* msg_chunk_write -> nil */
	MSG_CHUNK_READ = 201,		/* msg_chunk_read -> msg_chunk_data */
	MSG_CHUNK_DELETE = 202,		/* msg_chunk_ref -> nil */
	MSG_CHUNK_VERIFY = 210,		/* msg_chunk_ref -> msg_chunk_verify */
	MSG_CHUNK_LIST = 211,		/* msg_chunk_list_req -> msg_chunk_list */
	MSG_CHUNK_SWEEP = 212,		/* msg_chunk_sweep -> nil */
	MSG_CHUNK_REPAIR = 213,		/* msg_chunk_write -> nil */

	/* 500-599: scrubd */
	MSG_SCRUB_HEAL = 500,		/* msg_obj_ref -> nil */
	MSG_SCRUB_PASS = 501,		/* msg_scrub_scope -> msg_scrub_report */
	MSG_SCRUB_STATUS = 502,		/* nil -> msg_scrub_report */
};

/*
 * A byte string inside a message: not NUL-terminated.  After unpack it
 * points into the received message buffer and lives as long as that
 * buffer; for pack it points at the sender's memory.
 */
struct proto_str {
	const char	*ps_ptr;
	size_t		 ps_len;
};

/* The envelope of a received message; payload points into the buffer. */
struct proto_msg {
	uint32_t		 pm_version;
	uint32_t		 pm_type;
	uint64_t		 pm_reqid;
	const msgpack_object	*pm_payload;
	msgpack_unpacked	 pm_unpacked;	/* owns the decoded tree */
	size_t			 pm_reply_max;	/* 0, or a batched write's
						 * room for its reply */
};

/* MSG_ERROR: a negative enum cairn_err and a text for logs. */
struct msg_error {
	int32_t			 e_code;
	struct proto_str	 e_message;
};

/* MSG_CTL_STATUS reply: who answers and a few named counters. */
struct msg_status {
	struct proto_str	 st_daemon;	/* "metad", "chunkd d1", ... */
	struct proto_str	 st_version;	/* package version */
	uint64_t		 st_pid;
	uint64_t		 st_uptime_s;
	uint32_t		 st_nstats;
	struct proto_str	 st_stat_name[PROTO_STATMAX];
	uint64_t		 st_stat_value[PROTO_STATMAX];
};

/* msg_status_add appends the counter name (a string that outlives st) to
 * st, if room is left. */
void msg_status_add(struct msg_status *st, const char *name, uint64_t value);

/* A name: MSG_META_BUCKET_DELETE and MSG_META_BUCKET_GET requests. */
struct msg_name {
	struct proto_str	 n_name;
};

/* The versioning state of a bucket; once on, never back to off. */
enum msg_versioning {
	BUCKET_VER_OFF = 0,		/* never enabled */
	BUCKET_VER_ENABLED = 1,
	BUCKET_VER_SUSPENDED = 2,
};

/* The canned ACL of a bucket. */
enum msg_canned_acl {
	BUCKET_ACL_PRIVATE = 0,
	BUCKET_ACL_PUBLIC_READ = 1,
	BUCKET_ACL_PUBLIC_READ_WRITE = 2,
	BUCKET_ACL_AUTHENTICATED_READ = 3,
};

/*
 * A bucket: MSG_META_BUCKET_CREATE request, MSG_META_BUCKET_GET reply.
 * The fields after b_created_ns were appended with PROTO_VERSION 5; a
 * record stored before reads as their zero values (owned by the root
 * user, unversioned, no object lock, private).
 */
struct msg_bucket {
	struct proto_str	 b_name;
	uint64_t		 b_created_ns;	/* wall clock, ns since 1970 */
	struct proto_str	 b_owner;	/* user id; empty: root */
	uint8_t			 b_versioning;	/* enum msg_versioning */
	bool			 b_object_lock;	/* enabled at creation */
	uint8_t			 b_acl;		/* enum msg_canned_acl */
};

/* Which fields of a bucket MSG_META_BUCKET_SET changes. */
#define BUCKET_SET_OWNER	0x01u
#define BUCKET_SET_VERSIONING	0x02u
#define BUCKET_SET_OBJECT_LOCK	0x04u
#define BUCKET_SET_ACL		0x08u

/*
 * MSG_META_BUCKET_SET request: change the fields of bs_bucket named by
 * bs_fields, atomically, in the existing bucket bs_bucket.b_name; the
 * reply is the bucket as stored after the change.  Versioning cannot go
 * back to BUCKET_VER_OFF once on (CAIRN_EINVAL).
 */
struct msg_bucket_set {
	struct msg_bucket	 bs_bucket;
	uint32_t		 bs_fields;	/* BUCKET_SET_* */
};

/*
 * A bucket configuration: a document stored whole under a kind name
 * (BCONF_*), as the gateway validated it.  MSG_META_BCONF_PUT stores
 * bc_value; MSG_META_BCONF_GET replies with it (CAIRN_ENOCONF if none);
 * MSG_META_BCONF_DELETE removes it (no error if none).  Requests other
 * than PUT carry an empty value.  A bucket's configurations go with it.
 */
struct msg_bconf {
	struct proto_str	 bc_bucket;
	struct proto_str	 bc_kind;	/* 1..PROTO_BCONFKIND bytes */
	struct proto_str	 bc_value;	/* 0..PROTO_BCONFMAX bytes */
};

#define BCONF_TAGGING		"tagging"	/* Tagging XML */
#define BCONF_CORS		"cors"		/* CORSConfiguration XML */
#define BCONF_LIFECYCLE		"lifecycle"	/* LifecycleConfiguration XML */
#define BCONF_NOTIFICATION	"notification"	/* NotificationConfiguration XML */
#define BCONF_REPLICATION	"replication"	/* ReplicationConfiguration XML */
#define BCONF_POLICY		"policy"	/* bucket policy JSON */
#define BCONF_ACL		"acl"		/* AccessControlPolicy XML */
#define BCONF_OBJECT_LOCK	"object-lock"	/* ObjectLockConfiguration XML */

/* MSG_META_BUCKET_LIST reply: every bucket, in name order. */
struct msg_bucket_list {
	uint32_t		 bl_count;
	struct msg_bucket	*bl_items;	/* unpack: malloc'd, see _free */
};

/*
 * Where and how an object version is stored: the value metad keeps per key.
 * Either inline (or_inline: the bytes are in or_data) or erasure coded:
 * or_k data and or_m parity shards, shard i on drive or_drives[i], each a
 * file named by or_data_id, cut into blocks of or_block_size bytes (one
 * block per 1 MiB stripe).  or_hdrs holds response headers to replay on
 * GET (Content-Type, x-amz-meta-*, ...), as name/value pairs.
 */
struct msg_objrec {
	uint64_t		 or_size;
	uint64_t		 or_mtime_ns;
	uint8_t			 or_etag[16];	/* MD5 of the data */
	bool			 or_inline;
	struct proto_str	 or_data;	/* inline bytes */
	uint8_t			 or_data_id[PROTO_IDLEN];
	uint8_t			 or_k, or_m;
	uint32_t		 or_block_size;
	struct proto_str	 or_drives[PROTO_SHARDMAX];	/* k+m names */
	uint32_t		 or_nhdrs;
	struct proto_str	 or_hdr_name[PROTO_HDRMAX];
	struct proto_str	 or_hdr_value[PROTO_HDRMAX];
	/* Appended with PROTO_VERSION 2: a multipart object (see below). */
	uint32_t		 or_nparts;	/* 0: a single PUT */
	const struct msg_objpart *or_parts;	/* pack: the parts */
	const msgpack_object	*or_parts_raw;	/* unpack: into the buffer */
	/*
	 * Appended with versioning: the version id (PROTO_VERIDLEN hex
	 * digits; empty: the "null" version) and whether this version is a
	 * delete marker (no data, size 0).  A record without them, as
	 * stored before, reads as the null version and no marker.
	 */
	struct proto_str	 or_version_id;
	bool			 or_delete_marker;
};

/*
 * One part of a completed multipart object.  The object's record has
 * or_nparts > 0, or_inline false and no data id of its own; each part is
 * stored like an object of its own, inline (op_data) or erasure coded
 * under op_data_id with the layout (k, m, block size, drives) of the
 * object's record, shared by all its coded parts.  Parts are listed in
 * ascending part number and their sizes add up to or_size.  A record
 * without coded parts has k = m = 0 and no drives.  Read part i of an
 * unpacked record with msg_objpart_get.
 */
struct msg_objpart {
	uint32_t		 op_number;	/* 1..PROTO_PARTMAX */
	uint64_t		 op_size;
	uint8_t			 op_etag[16];	/* MD5 of the part */
	bool			 op_inline;
	struct proto_str	 op_data;	/* inline bytes */
	uint8_t			 op_data_id[PROTO_IDLEN];
	struct proto_str	 op_cksum;	/* base64 of its checksum, or empty */
};

/* MSG_META_OBJ_GET and MSG_META_OBJ_DELETE request. */
struct msg_obj_ref {
	struct proto_str	 r_bucket;
	struct proto_str	 r_key;
};

/* The condition of a conditional PUT, checked by metad atomically. */
enum msg_put_cond {
	PUT_COND_NONE = 0,
	PUT_COND_ABSENT = 1,		/* If-None-Match: "*" */
	PUT_COND_ETAG = 2,		/* If-Match: the current ETag */
};

/*
 * MSG_META_OBJ_PUT request: make rec the current version of bucket/key,
 * if p_cond holds for the current one (CAIRN_EPRECONDITION if not;
 * CAIRN_ENOKEY for PUT_COND_ETAG on a missing key).
 */
struct msg_obj_put {
	struct proto_str	 p_bucket;
	struct proto_str	 p_key;
	struct msg_objrec	 p_rec;
	uint8_t			 p_cond;	/* enum msg_put_cond */
	uint8_t			 p_cond_etag[16];
};

/*
 * MSG_META_OBJ_SET_TAGS request: replace the tag set of the current
 * version of bucket/key, kept as its stored header "x-amz-tagging" in
 * URL query form ("k1=v1&k2=v2"); empty tags remove it.  Nothing else of
 * the record changes.
 */
struct msg_obj_tags {
	struct proto_str	 t_bucket;
	struct proto_str	 t_key;
	struct proto_str	 t_tags;
};

/*
 * MSG_META_OBJ_LIST request: keys of bucket that start with prefix and sort
 * after start_after, at most max_keys entries plus common prefixes.  With a
 * delimiter, keys that have it after the prefix roll up into one common
 * prefix each.
 */
struct msg_list_req {
	struct proto_str	 l_bucket;
	struct proto_str	 l_prefix;
	struct proto_str	 l_delimiter;
	struct proto_str	 l_start_after;
	uint32_t		 l_max_keys;	/* 0..PROTO_LISTMAX */
};

/* One key in a list page. */
struct msg_list_entry {
	struct proto_str	 le_key;
	uint64_t		 le_size;
	uint64_t		 le_mtime_ns;
	uint8_t			 le_etag[16];
	uint32_t		 le_nparts;	/* 0 for a single PUT */
};

/*
 * MSG_META_OBJ_LIST reply.  Entries and prefixes are each in key order;
 * together they count at most max_keys.  When truncated, next is the key or
 * common prefix to continue after.
 */
struct msg_list_reply {
	bool			 lr_truncated;
	struct proto_str	 lr_next;
	uint32_t		 lr_nentries;
	struct msg_list_entry	*lr_entries;	/* unpack: malloc'd */
	uint32_t		 lr_nprefixes;
	struct proto_str	*lr_prefixes;	/* unpack: malloc'd */
};

/*
 * MSG_CHUNK_WRITE: write block block_no of shard shard_idx of data id id.
 * Blocks are block_size bytes except the last.  Writes go to a temporary
 * file at a fixed offset, so a repeated write is harmless.  With last set,
 * chunkd records length (the shard's total bytes), syncs the file and
 * renames it into place: the shard then exists whole or not at all.
 *
 * A gateway on the same host may send, instead of the data, where it
 * lies in its shared stripe buffers (lib/arena.h): cw_arena names them,
 * and the block is the cw_data.ps_len bytes at cw_arena_off.  The
 * gateway leaves them untouched until the answer.  A chunkd that cannot
 * map them answers CAIRN_ENOARENA, and the gateway sends the data.
 * Packed as an array of 8 with the data last, or of 10 with, in place of
 * the data, its length, then the arena's name and the offset.
 */
struct msg_chunk_write {
	uint8_t			 cw_id[PROTO_IDLEN];
	uint8_t			 cw_shard_idx;
	uint32_t		 cw_block_size;
	uint32_t		 cw_block_no;
	uint32_t		 cw_crc;	/* CRC32C of data */
	bool			 cw_last;
	uint64_t		 cw_length;	/* with cw_last */
	struct proto_str	 cw_data;	/* with cw_arena: ps_ptr NULL */
	struct proto_str	 cw_arena;	/* empty: the data is here */
	uint64_t		 cw_arena_off;
};

/* MSG_CHUNK_READ request: one block of a committed shard. */
struct msg_chunk_read {
	uint8_t			 cr_id[PROTO_IDLEN];
	uint32_t		 cr_block_no;
};

/* MSG_CHUNK_READ reply: the block, verified by chunkd against its CRC. */
struct msg_chunk_data {
	uint32_t		 cd_crc;
	struct proto_str	 cd_data;
};

/* MSG_CHUNK_DELETE request. */
struct msg_chunk_ref {
	uint8_t			 c_id[PROTO_IDLEN];
};

/*
 * An upload: MSG_META_UPLOAD_GET and MSG_META_UPLOAD_ABORT request.  The
 * upload id is only valid together with the bucket and key it was made
 * for.
 */
struct msg_upload_ref {
	struct proto_str	 u_bucket;
	struct proto_str	 u_key;
	struct proto_str	 u_upload_id;	/* PROTO_UPLOADIDLEN hex */
};

/*
 * MSG_META_UPLOAD_CREATE request.  uc_rec is the template of the object
 * to be: or_mtime_ns is the initiation time, or_hdrs the headers to
 * replay on GET, and the erasure layout (k, m, block size, drives) is the
 * one every coded part is written with; size 0, no data.
 */
struct msg_upload_create {
	struct msg_upload_ref	 uc_ref;
	struct msg_objrec	 uc_rec;
};

/*
 * MSG_META_UPLOAD_PART request: make pp_rec (a record with at most one
 * header, the part's x-amz-checksum-<alg>: size, mtime, MD5, inline data
 * or data id and layout) part pp_number of the upload.  The reply is the
 * part record it replaced, or nil.
 */
struct msg_part_put {
	struct msg_upload_ref	 pp_ref;
	uint32_t		 pp_number;	/* 1..PROTO_PARTMAX */
	struct msg_objrec	 pp_rec;
};

/*
 * MSG_META_UPLOAD_COMPLETE request: the parts as the client listed them
 * (number and ETag each).  Pack reads cc_numbers and cc_etags; unpack
 * checks the list and leaves cc_raw pointing into the message; read item
 * i with msg_upload_complete_get.  The header edits (the object's
 * checksum) are a fifth element, left out when there are none.
 */
struct msg_upload_complete {
	struct msg_upload_ref	 cc_ref;
	uint64_t		 cc_mtime_ns;
	uint8_t			 cc_etag[16];	/* MD5 of the listed MD5s */
	uint32_t		 cc_nparts;	/* 1..PROTO_PARTMAX */
	const uint32_t		*cc_numbers;	/* pack */
	const uint8_t		(*cc_etags)[16];	/* pack */
	const msgpack_object	*cc_raw;	/* unpack */
	/* Header edits of the new record: replace the template's header
	 * of the same name, or drop it if the value is empty. */
	uint32_t		 cc_nhdrs;	/* 0..PROTO_CC_HDRMAX */
	struct proto_str	 cc_hdr_name[PROTO_CC_HDRMAX];
	struct proto_str	 cc_hdr_value[PROTO_CC_HDRMAX];
};

/*
 * Reply of MSG_META_UPLOAD_COMPLETE (ud_rec: the new object record;
 * ud_old: the record it replaced, if any) and MSG_META_UPLOAD_ABORT
 * (ud_rec: the upload's template).  ud_dropped holds the 16-byte data ids,
 * one after the other, of the coded parts that no record refers to any
 * more; their shards, in ud_rec's layout, are the caller's to delete.
 */
struct msg_upload_done {
	struct msg_objrec	 ud_rec;
	bool			 ud_has_old;
	struct msg_objrec	 ud_old;
	struct proto_str	 ud_dropped;	/* n * PROTO_IDLEN bytes */
};

/* MSG_META_UPLOAD_PARTS request: parts numbered above marker. */
struct msg_part_list_req {
	struct msg_upload_ref	 pl_ref;
	uint32_t		 pl_marker;	/* 0: from the first */
	uint32_t		 pl_max;	/* 0..PROTO_LISTMAX */
};

/* One part in a ListParts page, with its checksum header if it has one. */
struct msg_part_entry {
	uint32_t		 pe_number;
	uint64_t		 pe_size;
	uint64_t		 pe_mtime_ns;
	uint8_t			 pe_etag[16];
	/* The part's stored checksum: header name and value, or "". */
	char			 pe_cksum_name[32];
	char			 pe_cksum[48];
};

/* MSG_META_UPLOAD_PARTS reply; next is the last number of the page. */
struct msg_part_list_reply {
	bool			 pr_truncated;
	uint32_t		 pr_next;
	uint32_t		 pr_nentries;
	struct msg_part_entry	*pr_entries;	/* unpack: malloc'd */
};

/*
 * MSG_META_UPLOAD_LIST request: uploads of bucket whose key starts with
 * prefix and comes after (key_marker, upload_id_marker), in key then
 * upload id order (upload ids sort by initiation time), with common
 * prefixes as in msg_list_req.
 */
struct msg_upload_list_req {
	struct proto_str	 ul_bucket;
	struct proto_str	 ul_prefix;
	struct proto_str	 ul_delimiter;
	struct proto_str	 ul_key_marker;
	struct proto_str	 ul_upload_id_marker;
	uint32_t		 ul_max;	/* 0..PROTO_LISTMAX */
};

/* One upload in a ListMultipartUploads page. */
struct msg_upload_entry {
	struct proto_str	 ue_key;
	struct proto_str	 ue_upload_id;
	uint64_t		 ue_initiated_ns;
};

/*
 * MSG_META_UPLOAD_LIST reply.  When truncated, next_key and
 * next_upload_id continue the listing (next_upload_id empty after a
 * common prefix).
 */
struct msg_upload_list_reply {
	bool			 ur_truncated;
	struct proto_str	 ur_next_key;
	struct proto_str	 ur_next_upload_id;
	uint32_t		 ur_nentries;
	struct msg_upload_entry	*ur_entries;	/* unpack: malloc'd */
	uint32_t		 ur_nprefixes;
	struct proto_str	*ur_prefixes;	/* unpack: malloc'd */
};

/*
 * MSG_META_SCAN request: the object records of every bucket (or of
 * bucket alone, if not empty) whose key starts with prefix, in (bucket,
 * key) order, after the cursor (after_bucket, after_key; both empty to
 * start), at most max of them.  Each key's noncurrent versions follow its
 * current record, newest first, as entries whose key is the object key,
 * a NUL and PROTO_VERORDER order bytes; such an entry is a cursor too.
 */
struct msg_scan_req {
	struct proto_str	 sc_bucket;
	struct proto_str	 sc_prefix;
	struct proto_str	 sc_after_bucket;
	struct proto_str	 sc_after_key;
	uint32_t		 sc_max;	/* 1..PROTO_SCANMAX */
};

/* One record of a scan page. */
struct msg_scan_entry {
	struct proto_str	 se_bucket;
	struct proto_str	 se_key;
	struct msg_objrec	 se_rec;
};

/*
 * MSG_META_SCAN reply: records in order; metad may return fewer than asked
 * (it bounds the reply's bytes).  When truncated, the last entry is the
 * cursor of the next page.
 */
struct msg_scan_reply {
	bool			 sr_truncated;
	uint32_t		 sr_n;
	struct msg_scan_entry	*sr_entries;	/* unpack: malloc'd */
};

/* The state of one shard, as MSG_CHUNK_VERIFY found it. */
enum chunk_verify_state {
	CHUNK_VERIFY_OK = 0,
	CHUNK_VERIFY_MISSING = 1,	/* no committed shard of this id */
	CHUNK_VERIFY_CORRUPT = 2,	/* header or some blocks damaged */
};

/*
 * MSG_CHUNK_VERIFY reply: chunkd read every block of the shard and checked
 * its CRC32C; no data crosses the socket.  With a damaged header, nothing
 * else is known (nblocks 0).  bad[] names the first nbad_listed damaged
 * blocks of nbad.
 */
struct msg_chunk_verify {
	uint8_t			 cv_state;	/* enum chunk_verify_state */
	uint32_t		 cv_shard_idx;
	uint32_t		 cv_block_size;
	uint64_t		 cv_length;
	uint32_t		 cv_nblocks;
	uint32_t		 cv_nbad;
	uint32_t		 cv_nbad_listed;
	uint32_t		 cv_bad[PROTO_BADMAX];
	uint64_t		 cv_bytes_read;
	struct proto_str	 cv_drive_id;	/* the drive's UUID */
};

/*
 * MSG_CHUNK_LIST request: committed shards (or, with tmp, the files in
 * tmp/) in id order after the id after (empty: from the start), at most max.
 */
struct msg_chunk_list_req {
	bool			 cl_tmp;
	struct proto_str	 cl_after;	/* empty or PROTO_IDLEN bytes */
	uint32_t		 cl_max;	/* 1..PROTO_CLISTMAX */
};

/*
 * MSG_META_OBJ_EXPIRE request: remove the current record of bucket/key,
 * but only if it is still the one lifecycle expiry decided on (same
 * mtime and ETag), checked and removed atomically under the key's lock.
 * The reply is the removed record (its shards are the caller's to
 * delete); CAIRN_EPRECONDITION if the key was overwritten since,
 * CAIRN_ENOKEY if it is gone.
 */
struct msg_obj_expire {
	struct proto_str	 x_bucket;
	struct proto_str	 x_key;
	uint64_t		 x_mtime_ns;
	uint8_t			 x_etag[16];
};

/*
 * MSG_META_VER_EXPIRE: lifecycle expiry of one version of a key, checked
 * and removed atomically under the key's lock.  VX_NONCURRENT removes the
 * noncurrent version vx_version_id ("null" for the null version) if its
 * mtime is still vx_mtime_ns; CAIRN_EPRECONDITION if it is the latest
 * again, CAIRN_ELOCKED under retention or legal hold.  VX_MARKER removes
 * the latest record if it is still the delete marker of that mtime and
 * the key has no other version; CAIRN_EPRECONDITION otherwise.  The reply
 * is the removed record (its shards are the caller's to delete), or nil
 * for a delete marker; CAIRN_ENOVERSION if it is gone.
 */
enum msg_ver_expire_what {
	VX_NONCURRENT = 0,
	VX_MARKER = 1,
};
struct msg_ver_expire {
	struct proto_str	 vx_bucket;
	struct proto_str	 vx_key;
	struct proto_str	 vx_version_id;
	uint64_t		 vx_mtime_ns;
	uint8_t			 vx_what;	/* enum msg_ver_expire_what */
};

/* One file of a chunk list page. */
struct msg_chunk_list_entry {
	uint8_t			 ce_id[PROTO_IDLEN];
	uint64_t		 ce_mtime_s;	/* seconds since 1970 */
};

/* MSG_CHUNK_LIST reply; truncated: ask again after the last id. */
struct msg_chunk_list {
	bool			 cls_truncated;
	uint32_t		 cls_n;
	struct msg_chunk_list_entry *cls_entries; /* unpack: malloc'd */
};

/*
 * MSG_CHUNK_SWEEP request: remove the committed shard (or, with tmp, the
 * temporary file) of id, but only if its mtime is still before
 * older_than_s: a file written since is kept (CAIRN_EEXIST).
 */
struct msg_chunk_sweep {
	uint8_t			 sw_id[PROTO_IDLEN];
	bool			 sw_tmp;
	uint64_t		 sw_older_than_s;
};

/* MSG_SCRUB_PASS request: heal now every object of bucket under prefix. */
struct msg_scrub_scope {
	struct proto_str	 ss_bucket;	/* empty: every bucket */
	struct proto_str	 ss_prefix;
};

/*
 * MSG_SCRUB_PASS and MSG_SCRUB_STATUS reply: named counters, then the
 * objects ("bucket/key") found unrecoverable and those healed, each list
 * bounded (the counters tell the full numbers).
 */
struct msg_scrub_report {
	uint32_t		 rp_nstats;
	struct proto_str	 rp_stat_name[PROTO_SCRUBSTATS];
	uint64_t		 rp_stat_value[PROTO_SCRUBSTATS];
	uint32_t		 rp_nunrec;
	struct proto_str	 rp_unrec[PROTO_SCRUBNAMES];
	uint32_t		 rp_nhealed;
	struct proto_str	 rp_healed[PROTO_SCRUBNAMES];
};

/* proto_begin packs the envelope's first three fields; payload follows. */
void proto_begin(msgpack_packer *pk, uint32_t type, uint64_t reqid);

/* proto_pack_nil packs an empty payload. */
void proto_pack_nil(msgpack_packer *pk);

/*
 * proto_open decodes the envelope in buf (len bytes) into m.  The buffer
 * must outlive m.  Rejects a wrong array shape, trailing bytes and, with
 * CAIRN_EVERSION, another version.  On success call proto_close(m).
 */
int proto_open(struct proto_msg *m, const void *buf, size_t len);

/* proto_close frees what proto_open decoded. */
void proto_close(struct proto_msg *m);

/*
 * MSG_RPC_BATCH carries several requests in one message, so that requests
 * from many threads cost one trip through nng instead of one each (see
 * rpc_batch.c).  Its payload is an array of 1 to PROTO_BATCHMAX bins,
 * each a whole request message, envelope included; the MSG_OK reply is an
 * array of as many items, each the whole reply to the request at the same
 * index as a bin, or nil for a read sent again (below).
 * The requests of a batch are all of one kind, as proto_batch_kind says;
 * one of another kind, or of none, is answered CAIRN_EMSGTYPE.  A batch
 * holds as many requests as fit in PROTO_MSGMAX (one at least, which may
 * take the batch a few bytes over it).
 *
 * - Reads (PROTO_BATCH_READ) only read, never wait for a write and answer
 *   at most one record or block: metad's reads of records, and chunkd's
 *   reads of small objects' blocks (a large block goes alone,
 *   rpc_call_alone).  The server runs them in order on one thread; one
 *   that would wait for a disk (chunkd's, when the block is not in the
 *   page cache: rpc_batch_nowait) runs after, on the server's pool, side
 *   by side with the others that would.  A read whose reply would take the batch's reply over PROTO_MSGMAX has
 *   nil in its place instead, as do the ones after it, and is sent
 *   again; the first of a batch is always answered.
 * - Writes (PROTO_BATCH_WRITE) wait for their synced commit, so the
 *   server runs them side by side, and their commits share a flush.  A
 *   write cannot be sent again, so each is given a share of PROTO_MSGMAX
 *   for its reply (pm_reply_max): one whose reply would not fit leaves
 *   out the record it replaced, whose shards are then left to the orphan
 *   sweep of scrubd instead of deleted by the gateway.
 */
enum proto_batch {
	PROTO_BATCH_NONE = 0,
	PROTO_BATCH_READ = 1,
	PROTO_BATCH_WRITE = 2,
};
enum proto_batch proto_batch_kind(uint32_t type);

/* proto_is_nil tells whether a payload is msgpack nil. */
bool proto_is_nil(const msgpack_object *o);

/* proto_type_name returns "MSG_CHUNK_WRITE" etc. for logs. */
const char *proto_type_name(uint32_t type);

/* proto_str_eq compares a proto_str with a C string. */
bool proto_str_eq(struct proto_str s, const char *cstr);

/* proto_str_c makes a proto_str from a C string (NULL gives empty). */
struct proto_str proto_str_c(const char *cstr);

/*
 * One pack and one unpack per payload.  Pack cannot fail (msgpack buffers
 * report allocation failure through the packer's writer).  Unpack returns 0
 * or CAIRN_EPROTO; strings in the result point into o's buffer.
 */
void msg_error_pack(msgpack_packer *pk, const struct msg_error *e);
int msg_error_unpack(const msgpack_object *o, struct msg_error *e);
void msg_status_pack(msgpack_packer *pk, const struct msg_status *st);
int msg_status_unpack(const msgpack_object *o, struct msg_status *st);
void msg_name_pack(msgpack_packer *pk, const struct msg_name *n);
int msg_name_unpack(const msgpack_object *o, struct msg_name *n);
void msg_bucket_pack(msgpack_packer *pk, const struct msg_bucket *b);
int msg_bucket_unpack(const msgpack_object *o, struct msg_bucket *b);
void msg_bucket_set_pack(msgpack_packer *pk, const struct msg_bucket_set *bs);
int msg_bucket_set_unpack(const msgpack_object *o, struct msg_bucket_set *bs);
void msg_bconf_pack(msgpack_packer *pk, const struct msg_bconf *bc);
int msg_bconf_unpack(const msgpack_object *o, struct msg_bconf *bc);
void msg_bucket_list_pack(msgpack_packer *pk, const struct msg_bucket_list *bl);
int msg_bucket_list_unpack(const msgpack_object *o, struct msg_bucket_list *bl);
void msg_bucket_list_free(struct msg_bucket_list *bl);
void msg_objrec_pack(msgpack_packer *pk, const struct msg_objrec *r);
int msg_objrec_unpack(const msgpack_object *o, struct msg_objrec *r);
void msg_obj_ref_pack(msgpack_packer *pk, const struct msg_obj_ref *r);
int msg_obj_ref_unpack(const msgpack_object *o, struct msg_obj_ref *r);
void msg_obj_put_pack(msgpack_packer *pk, const struct msg_obj_put *p);
int msg_obj_put_unpack(const msgpack_object *o, struct msg_obj_put *p);
void msg_obj_tags_pack(msgpack_packer *pk, const struct msg_obj_tags *t);
int msg_obj_tags_unpack(const msgpack_object *o, struct msg_obj_tags *t);
void msg_list_req_pack(msgpack_packer *pk, const struct msg_list_req *l);
int msg_list_req_unpack(const msgpack_object *o, struct msg_list_req *l);
void msg_list_reply_pack(msgpack_packer *pk, const struct msg_list_reply *lr);
int msg_list_reply_unpack(const msgpack_object *o, struct msg_list_reply *lr);
void msg_list_reply_free(struct msg_list_reply *lr);
void msg_chunk_write_pack(msgpack_packer *pk, const struct msg_chunk_write *w);
int msg_chunk_write_unpack(const msgpack_object *o, struct msg_chunk_write *w);
void msg_chunk_read_pack(msgpack_packer *pk, const struct msg_chunk_read *r);
int msg_chunk_read_unpack(const msgpack_object *o, struct msg_chunk_read *r);
void msg_chunk_data_pack(msgpack_packer *pk, const struct msg_chunk_data *d);
/*
 * msg_chunk_data_head writes the MSG_CHUNK_DATA_HEAD bytes that, followed
 * by len bytes of data, are a packed msg_chunk_data: for a reply whose
 * data is read in place.
 */
#define MSG_CHUNK_DATA_HEAD	11
void msg_chunk_data_head(unsigned char out[MSG_CHUNK_DATA_HEAD],
    uint32_t crc, uint32_t len);
int msg_chunk_data_unpack(const msgpack_object *o, struct msg_chunk_data *d);
void msg_chunk_ref_pack(msgpack_packer *pk, const struct msg_chunk_ref *c);
int msg_chunk_ref_unpack(const msgpack_object *o, struct msg_chunk_ref *c);
void msg_scan_req_pack(msgpack_packer *pk, const struct msg_scan_req *s);
int msg_scan_req_unpack(const msgpack_object *o, struct msg_scan_req *s);
/*
 * A scan reply is packed in two steps, so that metad can send its stored
 * records without decoding them: msg_scan_reply_pack_begin with the count,
 * then msg_scan_entry_pack per record, raw_rec being a packed msg_objrec.
 */
void msg_scan_entry_pack(msgpack_packer *pk, struct proto_str bucket,
    struct proto_str key, const char *raw_rec, size_t raw_len);
void msg_scan_reply_pack_begin(msgpack_packer *pk, bool truncated,
    uint32_t n);
int msg_scan_reply_unpack(const msgpack_object *o, struct msg_scan_reply *r);
void msg_scan_reply_free(struct msg_scan_reply *r);
void msg_chunk_verify_pack(msgpack_packer *pk,
    const struct msg_chunk_verify *v);
int msg_chunk_verify_unpack(const msgpack_object *o,
    struct msg_chunk_verify *v);
void msg_chunk_list_req_pack(msgpack_packer *pk,
    const struct msg_chunk_list_req *l);
int msg_chunk_list_req_unpack(const msgpack_object *o,
    struct msg_chunk_list_req *l);
void msg_chunk_list_pack(msgpack_packer *pk, const struct msg_chunk_list *l);
int msg_chunk_list_unpack(const msgpack_object *o, struct msg_chunk_list *l);
void msg_chunk_list_free(struct msg_chunk_list *l);
void msg_chunk_sweep_pack(msgpack_packer *pk, const struct msg_chunk_sweep *s);
int msg_chunk_sweep_unpack(const msgpack_object *o, struct msg_chunk_sweep *s);
void msg_obj_expire_pack(msgpack_packer *pk, const struct msg_obj_expire *x);
int msg_obj_expire_unpack(const msgpack_object *o, struct msg_obj_expire *x);
void msg_ver_expire_pack(msgpack_packer *pk, const struct msg_ver_expire *x);
int msg_ver_expire_unpack(const msgpack_object *o, struct msg_ver_expire *x);
void msg_scrub_scope_pack(msgpack_packer *pk, const struct msg_scrub_scope *s);
int msg_scrub_scope_unpack(const msgpack_object *o, struct msg_scrub_scope *s);
void msg_scrub_report_pack(msgpack_packer *pk,
    const struct msg_scrub_report *r);
int msg_scrub_report_unpack(const msgpack_object *o,
    struct msg_scrub_report *r);

/* msg_objpart_get fills p with part i of r (packed or unpacked record). */
void msg_objpart_get(const struct msg_objrec *r, uint32_t i,
    struct msg_objpart *p);
void msg_upload_ref_pack(msgpack_packer *pk, const struct msg_upload_ref *u);
int msg_upload_ref_unpack(const msgpack_object *o, struct msg_upload_ref *u);
void msg_upload_create_pack(msgpack_packer *pk,
    const struct msg_upload_create *uc);
int msg_upload_create_unpack(const msgpack_object *o,
    struct msg_upload_create *uc);
void msg_part_put_pack(msgpack_packer *pk, const struct msg_part_put *pp);
int msg_part_put_unpack(const msgpack_object *o, struct msg_part_put *pp);
void msg_upload_complete_pack(msgpack_packer *pk,
    const struct msg_upload_complete *cc);
int msg_upload_complete_unpack(const msgpack_object *o,
    struct msg_upload_complete *cc);
/* msg_upload_complete_get reads item i of an unpacked request. */
void msg_upload_complete_get(const struct msg_upload_complete *cc,
    uint32_t i, uint32_t *number, uint8_t *etag);
void msg_upload_done_pack(msgpack_packer *pk, const struct msg_upload_done *ud);
int msg_upload_done_unpack(const msgpack_object *o, struct msg_upload_done *ud);
void msg_part_list_req_pack(msgpack_packer *pk,
    const struct msg_part_list_req *pl);
int msg_part_list_req_unpack(const msgpack_object *o,
    struct msg_part_list_req *pl);
void msg_part_list_reply_pack(msgpack_packer *pk,
    const struct msg_part_list_reply *pr);
int msg_part_list_reply_unpack(const msgpack_object *o,
    struct msg_part_list_reply *pr);
void msg_part_list_reply_free(struct msg_part_list_reply *pr);
void msg_upload_list_req_pack(msgpack_packer *pk,
    const struct msg_upload_list_req *ul);
int msg_upload_list_req_unpack(const msgpack_object *o,
    struct msg_upload_list_req *ul);
void msg_upload_list_reply_pack(msgpack_packer *pk,
    const struct msg_upload_list_reply *ur);
int msg_upload_list_reply_unpack(const msgpack_object *o,
    struct msg_upload_list_reply *ur);
void msg_upload_list_reply_free(struct msg_upload_list_reply *ur);

/*
 * A user (a principal other than the root of cairn.conf).  MSG_META_USER_ADD
 * request; MSG_META_USER_GET reply, found by access key, with the secret
 * in clear (the gateway needs it to check signatures; the socket is
 * reachable only by cairn's own account).  u_id is the canonical id, 64
 * hex digits, that owns the user's buckets.  In a msg_user_list the
 * secret is always empty.
 */
struct msg_user {
	struct proto_str	 u_name;	/* 1..PROTO_USERMAX bytes */
	struct proto_str	 u_id;		/* PROTO_OWNERMAX hex digits */
	struct proto_str	 u_access_key;	/* 1..PROTO_SECRETMAX bytes */
	struct proto_str	 u_secret;	/* 0..PROTO_SECRETMAX bytes */
	bool			 u_disabled;
	uint64_t		 u_created_ns;
};

/* MSG_META_USER_LIST reply: every user, in name order, without secrets. */
struct msg_user_list {
	uint32_t		 ul_count;
	struct msg_user		*ul_items;	/* unpack: malloc'd, see _free */
};

/* MSG_META_USER_STATE request: disable or enable the user us_name. */
struct msg_user_state {
	struct proto_str	 us_name;
	bool			 us_disabled;
};

/*
 * MSG_META_OBJ_SET_HDR request: set the stored header oh_name of the
 * current version of oh_bucket/oh_key to oh_value, or remove it when the
 * value is empty; the rest of the record is unchanged.  CAIRN_ENOKEY or
 * CAIRN_ENOBUCKET if there is no such object.
 */
struct msg_obj_hdr {
	struct proto_str	 oh_bucket;
	struct proto_str	 oh_key;
	struct proto_str	 oh_name;	/* 1..64 bytes */
	struct proto_str	 oh_value;	/* 0..PROTO_HDRLEN bytes */
};

void msg_user_pack(msgpack_packer *pk, const struct msg_user *u);
int msg_user_unpack(const msgpack_object *o, struct msg_user *u);
void msg_user_list_pack(msgpack_packer *pk, const struct msg_user_list *ul);
int msg_user_list_unpack(const msgpack_object *o, struct msg_user_list *ul);
void msg_user_list_free(struct msg_user_list *ul);
void msg_user_state_pack(msgpack_packer *pk, const struct msg_user_state *us);
int msg_user_state_unpack(const msgpack_object *o, struct msg_user_state *us);
void msg_obj_hdr_pack(msgpack_packer *pk, const struct msg_obj_hdr *oh);
int msg_obj_hdr_unpack(const msgpack_object *o, struct msg_obj_hdr *oh);
/* --- versioning (160-179) ------------------------------------------------ */

/*
 * A version of an object: MSG_META_VER_GET and MSG_META_VER_DELETE
 * request.  vr_version_id is empty for the latest version (GET) or for a
 * DELETE without a versionId, "null" for the null version, else
 * PROTO_VERIDLEN hex digits.  MSG_META_VER_GET answers the record, delete
 * markers included (or_delete_marker), CAIRN_ENOVERSION for an unknown
 * version and CAIRN_ENOKEY when there is no version at all.
 */
struct msg_ver_ref {
	struct proto_str	 vr_bucket;
	struct proto_str	 vr_key;
	struct proto_str	 vr_version_id;
	/* DELETE: x-amz-bypass-governance-retention (object lock) */
	bool			 vr_bypass;
};

/*
 * MSG_META_VER_PUT and MSG_META_VER_DELETE reply.  vd_version_id names
 * the version made (a PUT, or a DELETE that made a delete marker) or
 * removed (a DELETE with a version id); "null" for the null version,
 * empty in a bucket that was never versioned.  vd_delete_marker: that
 * version is a delete marker.  vd_old is the record no key refers to any
 * more: its shards are the caller's to delete.  vd_has_old is false when
 * there is none, or when it was inline (no shards to delete).
 */
struct msg_ver_done {
	struct proto_str	 vd_version_id;
	bool			 vd_delete_marker;
	bool			 vd_has_old;
	struct msg_objrec	 vd_old;
};

/*
 * MSG_META_VER_LIST request: the versions of the keys of bucket that
 * start with prefix, keys ascending and each key's versions newest
 * first, after the position (key_marker, version_marker): with only a
 * key marker, after every version of that key; with both, after that
 * version.  Common prefixes as in msg_list_req.
 */
struct msg_ver_list_req {
	struct proto_str	 vl_bucket;
	struct proto_str	 vl_prefix;
	struct proto_str	 vl_delimiter;
	struct proto_str	 vl_key_marker;
	struct proto_str	 vl_version_marker;
	uint32_t		 vl_max;	/* 0..PROTO_LISTMAX */
};

/* One version in a ListObjectVersions page. */
struct msg_ver_entry {
	struct proto_str	 ve_key;
	struct proto_str	 ve_version_id;	/* "null" for the null version */
	bool			 ve_latest;
	bool			 ve_delete_marker;
	uint64_t		 ve_size;
	uint64_t		 ve_mtime_ns;
	uint8_t			 ve_etag[16];
	uint32_t		 ve_nparts;
};

/*
 * MSG_META_VER_LIST reply; when truncated, next_key and next_version
 * continue (next_version empty after a common prefix).
 */
struct msg_ver_list_reply {
	bool			 vl_truncated;
	struct proto_str	 vl_next_key;
	struct proto_str	 vl_next_version;
	uint32_t		 vl_nentries;
	struct msg_ver_entry	*vl_entries;	/* unpack: malloc'd */
	uint32_t		 vl_nprefixes;
	struct proto_str	*vl_prefixes;	/* unpack: malloc'd */
};

/*
 * MSG_META_VER_SET_HDR request: set stored response headers of one
 * version (vh_ref; empty version id: the latest), each name to its
 * value, or remove it if the value is empty, all at once; nothing else
 * of the record changes.  Tags are the header "x-amz-tagging".
 * CAIRN_EMARKER for a delete marker.
 */
#define PROTO_VERHDRS	4
struct msg_ver_hdr {
	struct msg_ver_ref	 vh_ref;
	uint32_t		 vh_n;		/* 1..PROTO_VERHDRS */
	struct proto_str	 vh_name[PROTO_VERHDRS];	/* 1..HDRLEN */
	struct proto_str	 vh_value[PROTO_VERHDRS];	/* 0..HDRLEN */
};

void msg_ver_ref_pack(msgpack_packer *pk, const struct msg_ver_ref *r);
int msg_ver_ref_unpack(const msgpack_object *o, struct msg_ver_ref *r);
void msg_ver_done_pack(msgpack_packer *pk, const struct msg_ver_done *d);
int msg_ver_done_unpack(const msgpack_object *o, struct msg_ver_done *d);
void msg_ver_list_req_pack(msgpack_packer *pk,
    const struct msg_ver_list_req *l);
int msg_ver_list_req_unpack(const msgpack_object *o,
    struct msg_ver_list_req *l);
void msg_ver_list_reply_pack(msgpack_packer *pk,
    const struct msg_ver_list_reply *r);
int msg_ver_list_reply_unpack(const msgpack_object *o,
    struct msg_ver_list_reply *r);
void msg_ver_list_reply_free(struct msg_ver_list_reply *r);
void msg_ver_hdr_pack(msgpack_packer *pk, const struct msg_ver_hdr *h);
int msg_ver_hdr_unpack(const msgpack_object *o, struct msg_ver_hdr *h);

#endif
