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
#define PROTO_VERSION	3

#define PROTO_MSGMAX	(4u << 20)	/* largest message accepted, bytes */
#define PROTO_STRIPE	(1u << 20)	/* object data per erasure stripe */
#define PROTO_KEYMAX	1024		/* object key, bytes */
#define PROTO_BUCKETMAX	63		/* bucket name, bytes */
#define PROTO_IDLEN	16		/* data id of a stored object */
#define PROTO_SHARDMAX	16		/* k + m */
#define PROTO_NAMEMAX	32		/* drive name */
#define PROTO_HDRMAX	64		/* stored response headers per object */
#define PROTO_HDRLEN	8192		/* one stored header name or value */
#define PROTO_LISTMAX	1000		/* keys in one list page */
#define PROTO_STATMAX	16		/* counters in a status reply */

enum proto_type {
	/* 1-99: replies and control; every daemon */
	MSG_OK = 1,			/* reply; payload named by the request */
	MSG_ERROR = 2,			/* reply; struct msg_error */
	MSG_CTL_STATUS = 10,		/* nil -> struct msg_status */

	/* 100-199: metad */
	MSG_META_BUCKET_CREATE = 100,	/* msg_bucket -> nil */
	MSG_META_BUCKET_DELETE = 101,	/* msg_name -> nil */
	MSG_META_BUCKET_GET = 102,	/* msg_name -> msg_bucket */
	MSG_META_BUCKET_LIST = 103,	/* nil -> msg_bucket_list */
	MSG_META_OBJ_PUT = 110,		/* msg_obj_put -> msg_objrec or nil */
	MSG_META_OBJ_GET = 111,		/* msg_obj_ref -> msg_objrec */
	MSG_META_OBJ_DELETE = 112,	/* msg_obj_ref -> msg_objrec or nil */
	MSG_META_OBJ_LIST = 113,	/* msg_list_req -> msg_list_reply */
	MSG_META_OBJ_SET_TAGS = 114,	/* msg_obj_tags -> nil */

	/* 200-299: chunkd */
	MSG_CHUNK_WRITE = 200,		/* msg_chunk_write -> nil */
	MSG_CHUNK_READ = 201,		/* msg_chunk_read -> msg_chunk_data */
	MSG_CHUNK_DELETE = 202,		/* msg_chunk_ref -> nil */
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

/* A name: MSG_META_BUCKET_DELETE and MSG_META_BUCKET_GET requests. */
struct msg_name {
	struct proto_str	 n_name;
};

/* A bucket: MSG_META_BUCKET_CREATE request, MSG_META_BUCKET_GET reply. */
struct msg_bucket {
	struct proto_str	 b_name;
	uint64_t		 b_created_ns;	/* wall clock, ns since 1970 */
};

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
 */
struct msg_chunk_write {
	uint8_t			 cw_id[PROTO_IDLEN];
	uint8_t			 cw_shard_idx;
	uint32_t		 cw_block_size;
	uint32_t		 cw_block_no;
	uint32_t		 cw_crc;	/* CRC32C of data */
	bool			 cw_last;
	uint64_t		 cw_length;	/* with cw_last */
	struct proto_str	 cw_data;
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
int msg_chunk_data_unpack(const msgpack_object *o, struct msg_chunk_data *d);
void msg_chunk_ref_pack(msgpack_packer *pk, const struct msg_chunk_ref *c);
int msg_chunk_ref_unpack(const msgpack_object *o, struct msg_chunk_ref *c);

#endif
