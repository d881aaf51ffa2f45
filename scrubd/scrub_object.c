/* scrub_object.c - verify one object's shards and rebuild the bad ones */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "crc.h"
#include "ec.h"
#include "errors.h"
#include "log.h"
#include "scrubd.h"
#include "shard.h"

/* How one shard fared in its verification. */
enum shard_state { SH_OK, SH_BAD, SH_DOWN };

/*
 * One object being scrubbed: its record and, per shard, the drive that
 * holds it, its state and, while healing, the buffer for its block.
 */
struct scrub_obj {
	struct scrubd		*so_env;
	struct proto_str	 so_bucket;
	struct proto_str	 so_key;
	const struct msg_objrec	*so_rec;
	int			 so_n;
	int			 so_drive[PROTO_SHARDMAX];	/* -1: unknown */
	enum shard_state	 so_state[PROTO_SHARDMAX];
	uint64_t		 so_stripes;
	uint64_t		 so_shard_len;
	unsigned char		*so_buf;	/* n blocks of or_block_size */
};

/* stripe_len returns the object bytes in stripe s. */
static size_t
stripe_len(const struct msg_objrec *rec, uint64_t s)
{
	uint64_t off = s * PROTO_STRIPE;

	if (rec->or_size - off < PROTO_STRIPE)
		return (size_t)(rec->or_size - off);
	return PROTO_STRIPE;
}

/* block_len returns a shard's bytes in stripe s, as gatewayd wrote them. */
static size_t
block_len(const struct msg_objrec *rec, uint64_t s)
{
	size_t bs = (stripe_len(rec, s) + rec->or_k - 1) / rec->or_k;

	return bs == 0 ? 1 : bs;	/* an empty object has one block */
}

static void
obj_init(struct scrub_obj *o, struct scrubd *env, struct proto_str bucket,
    struct proto_str key, const struct msg_objrec *rec)
{
	char name[CONF_NAMEMAX];
	uint64_t s;
	int i;

	memset(o, 0, sizeof(*o));
	o->so_env = env;
	o->so_bucket = bucket;
	o->so_key = key;
	o->so_rec = rec;
	o->so_n = rec->or_k + rec->or_m;
	for (i = 0; i < o->so_n; i++) {
		snprintf(name, sizeof(name), "%.*s",
		    (int)rec->or_drives[i].ps_len, rec->or_drives[i].ps_ptr);
		o->so_drive[i] = conf_drive_find(&env->sd_conf, name);
	}
	o->so_stripes = rec->or_size == 0 ? 1 :
	    (rec->or_size + PROTO_STRIPE - 1) / PROTO_STRIPE;
	for (s = 0; s < o->so_stripes; s++)
		o->so_shard_len += block_len(rec, s);
}

/* verify_send asks shard i's chunkd to verify it. */
static void
verify_send(struct scrub_obj *o, struct rpc_call *c, int i)
{
	struct msg_chunk_ref ref;

	memset(c, 0, sizeof(*c));
	if (o->so_drive[i] < 0) {
		c->rc_err = CAIRN_ENOENT;
		return;
	}
	memcpy(ref.c_id, o->so_rec->or_data_id, PROTO_IDLEN);
	if (rpc_call_init(c, o->so_env->sd_chunk[o->so_drive[i]],
	    MSG_CHUNK_VERIFY) != 0)
		return;
	msg_chunk_ref_pack(rpc_call_packer(c), &ref);
	rpc_call_send(c);
}

/* verify_judge tells whether a verify reply shows shard i whole. */
static bool
verify_judge(const struct scrub_obj *o, int i, const struct msg_chunk_verify *v)
{
	return v->cv_state == CHUNK_VERIFY_OK && v->cv_shard_idx == (uint32_t)i &&
	    v->cv_block_size == o->so_rec->or_block_size &&
	    v->cv_length == o->so_shard_len;
}

/* verify_wait collects shard i's verification into so_state[i]. */
static void
verify_wait(struct scrub_obj *o, struct rpc_call *c, int i,
    struct scrub_counts *cnt, uint64_t *bytes)
{
	struct msg_chunk_verify v;
	int rc;

	rc = rpc_call_wait(c);
	if (rc == 0)
		rc = msg_chunk_verify_unpack(c->rc_reply.pm_payload, &v);
	if (rc != 0) {
		o->so_state[i] = o->so_drive[i] < 0 ? SH_BAD : SH_DOWN;
		if (o->so_drive[i] >= 0)
			log_debug("shard %d of %.*s/%.*s: %s", i,
			    (int)o->so_bucket.ps_len, o->so_bucket.ps_ptr,
			    (int)o->so_key.ps_len, o->so_key.ps_ptr,
			    cairn_strerror(rc));
	} else {
		scrubd_drive_seen(o->so_env, o->so_drive[i], v.cv_drive_id);
		o->so_state[i] = verify_judge(o, i, &v) ? SH_OK : SH_BAD;
		cnt->sc_shards_verified++;
		cnt->sc_bytes_verified += v.cv_bytes_read;
		*bytes += v.cv_bytes_read;
	}
	rpc_call_fini(c);
}

/* verify_all verifies the shards in mask (all when NULL) in parallel. */
static void
verify_all(struct scrub_obj *o, const bool *mask, struct scrub_counts *cnt,
    uint64_t *bytes)
{
	struct rpc_call calls[PROTO_SHARDMAX];
	int i;

	for (i = 0; i < o->so_n; i++)
		if (mask == NULL || mask[i])
			verify_send(o, &calls[i], i);
	for (i = 0; i < o->so_n; i++)
		if (mask == NULL || mask[i])
			verify_wait(o, &calls[i], i, cnt, bytes);
}

/* read_send asks shard i's chunkd for block s. */
static void
read_send(struct scrub_obj *o, struct rpc_call *c, int i, uint64_t s)
{
	shard_read_send(c, o->so_env->sd_chunk[o->so_drive[i]],
	    o->so_rec->or_data_id, (uint32_t)s);
}

/* read_wait copies a verified block into shard i's buffer. */
static bool
read_wait(struct scrub_obj *o, struct rpc_call *c, int i, size_t bs)
{
	return shard_read_wait(c, o->so_buf + (size_t)i *
	    o->so_rec->or_block_size, bs) == 0;
}

/*
 * read_stripe reads block s of k healthy shards.  A shard that fails now
 * is marked bad and another is tried, until k are read or none is left.
 */
static int
read_stripe(struct scrub_obj *o, uint64_t s, size_t bs, bool *present)
{
	struct rpc_call calls[PROTO_SHARDMAX];
	bool asked[PROTO_SHARDMAX], sent[PROTO_SHARDMAX];
	int i, got = 0, need, nsent;

	memset(present, 0, sizeof(bool) * PROTO_SHARDMAX);
	memset(asked, 0, sizeof(asked));
	while (got < o->so_rec->or_k) {
		need = o->so_rec->or_k - got;
		nsent = 0;
		for (i = 0; i < o->so_n; i++) {
			sent[i] = need > nsent && o->so_state[i] == SH_OK &&
			    !asked[i];
			if (sent[i]) {
				asked[i] = true;
				read_send(o, &calls[i], i, s);
				nsent++;
			}
		}
		if (nsent == 0)
			return CAIRN_EQUORUM;
		for (i = 0; i < o->so_n; i++) {
			if (!sent[i])
				continue;
			present[i] = read_wait(o, &calls[i], i, bs);
			if (present[i])
				got++;
			else
				o->so_state[i] = SH_BAD;
		}
	}
	return 0;
}

/* write_send sends block s of rebuilt shard i to its drive. */
static void
write_send(struct scrub_obj *o, struct rpc_call *c, int i, uint64_t s,
    size_t bs)
{
	struct msg_chunk_write w;

	memset(&w, 0, sizeof(w));
	memcpy(w.cw_id, o->so_rec->or_data_id, PROTO_IDLEN);
	w.cw_shard_idx = (uint8_t)i;
	w.cw_block_size = o->so_rec->or_block_size;
	w.cw_block_no = (uint32_t)s;
	w.cw_data.ps_ptr = (const char *)o->so_buf +
	    (size_t)i * o->so_rec->or_block_size;
	w.cw_data.ps_len = bs;
	w.cw_crc = crc_32c(w.cw_data.ps_ptr, bs);
	w.cw_last = s + 1 == o->so_stripes;
	w.cw_length = o->so_shard_len;
	if (rpc_call_init(c, o->so_env->sd_chunk[o->so_drive[i]],
	    MSG_CHUNK_REPAIR) != 0)
		return;
	msg_chunk_write_pack(rpc_call_packer(c), &w);
	rpc_call_send(c);
}

/* heal_stripe rebuilds stripe s of every shard in fix and writes it. */
static int
heal_stripe(struct scrub_obj *o, const struct ec *ec, uint64_t s,
    const bool *fix)
{
	struct rpc_call calls[PROTO_SHARDMAX];
	unsigned char *blocks[PROTO_SHARDMAX];
	bool present[PROTO_SHARDMAX];
	size_t bs = block_len(o->so_rec, s);
	int i, rc;

	if ((rc = read_stripe(o, s, bs, present)) != 0)
		return rc;
	for (i = 0; i < o->so_n; i++)
		blocks[i] = o->so_buf + (size_t)i * o->so_rec->or_block_size;
	if ((rc = ec_reconstruct(ec, bs, blocks, present)) != 0)
		return rc;
	for (i = 0; i < o->so_n; i++)
		if (fix[i])
			write_send(o, &calls[i], i, s, bs);
	for (i = 0; i < o->so_n; i++)
		if (fix[i]) {
			if (rc == 0)
				rc = rpc_call_wait(&calls[i]);
			else
				(void)rpc_call_wait(&calls[i]);
			rpc_call_fini(&calls[i]);
		}
	return rc;
}

/* heal rebuilds the shards in fix, stripe by stripe. */
static int
heal(struct scrub_obj *o, const bool *fix)
{
	struct ec ec;
	uint64_t s;
	int rc;

	if ((rc = ec_init(&ec, o->so_rec->or_k, o->so_rec->or_m)) != 0)
		return rc;
	o->so_buf = malloc((size_t)o->so_n * o->so_rec->or_block_size);
	if (o->so_buf == NULL)
		rc = CAIRN_ENOMEM;
	for (s = 0; rc == 0 && s < o->so_stripes; s++)
		rc = heal_stripe(o, &ec, s, fix);
	free(o->so_buf);
	o->so_buf = NULL;
	ec_free(&ec);
	return rc;
}

static void
obj_log(const struct scrub_obj *o, const char *what, int nbad)
{
	log_warnx("%.*s/%.*s: %s (%d of %d shards bad, %d needed)",
	    (int)o->so_bucket.ps_len, o->so_bucket.ps_ptr,
	    (int)o->so_key.ps_len, o->so_key.ps_ptr, what, nbad, o->so_n,
	    o->so_rec->or_k);
}

/* count_ok counts the shards of mask that verified whole. */
static int
count_ok(const struct scrub_obj *o, const bool *mask)
{
	int i, n = 0;

	for (i = 0; i < o->so_n; i++)
		n += mask[i] && o->so_state[i] == SH_OK;
	return n;
}

/*
 * heal_locked rebuilds the bad shards in want, under the heal lock.  They
 * are verified once more first: another heal (a pass and a read-triggered
 * heal meeting on one object) may have fixed them meanwhile.
 */
static int
heal_locked(struct scrub_obj *o, const bool *want, bool *fix,
    struct scrub_counts *cnt, uint64_t *bytes)
{
	int i, nfix = 0, rc = 0;

	pthread_mutex_lock(&o->so_env->sd_heal_lock);
	verify_all(o, want, cnt, bytes);
	for (i = 0; i < o->so_n; i++) {
		fix[i] = want[i] && o->so_state[i] == SH_BAD;
		nfix += fix[i];
	}
	if (nfix > 0)
		rc = heal(o, fix);
	pthread_mutex_unlock(&o->so_env->sd_heal_lock);
	if (rc == 0 && nfix > 0)
		verify_all(o, fix, cnt, bytes);
	return rc;
}

/* heal_and_check heals the bad shards it can reach and verifies them. */
static enum scrub_result
heal_and_check(struct scrub_obj *o, int nbad, struct scrub_counts *cnt,
    uint64_t *bytes)
{
	bool want[PROTO_SHARDMAX], fix[PROTO_SHARDMAX];
	int i, rc, nrebuilt;

	for (i = 0; i < o->so_n; i++)
		want[i] = o->so_state[i] == SH_BAD && o->so_drive[i] >= 0;
	if ((rc = heal_locked(o, want, fix, cnt, bytes)) != 0) {
		obj_log(o, cairn_strerror(rc), nbad);
		cnt->sc_heal_failed++;
		return rc == CAIRN_EQUORUM ? SCRUB_UNRECOVERABLE : SCRUB_FAILED;
	}
	nrebuilt = count_ok(o, fix);
	cnt->sc_shards_healed += (uint64_t)nrebuilt;
	if (count_ok(o, want) < nbad) {
		obj_log(o, "rebuilt shards fail verification", nbad);
		cnt->sc_heal_failed++;
		return SCRUB_FAILED;
	}
	if (nrebuilt > 0) {
		cnt->sc_objects_healed++;
		obj_log(o, "healed", nbad);
	}
	return SCRUB_HEALED;
}

/* judge decides from the verification what to do with the object. */
static enum scrub_result
judge(struct scrub_obj *o, struct scrub_counts *cnt, uint64_t *bytes)
{
	int i, nok = 0, nbad = 0;

	for (i = 0; i < o->so_n; i++) {
		nok += o->so_state[i] == SH_OK;
		nbad += o->so_state[i] == SH_BAD;
	}
	cnt->sc_shards_bad += (uint64_t)nbad;
	if (nbad == 0 && nok == o->so_n)
		return SCRUB_HEALTHY;
	if (nok < o->so_rec->or_k && nok + (o->so_n - nok - nbad) >=
	    o->so_rec->or_k) {
		cnt->sc_unavailable++;
		return SCRUB_UNAVAILABLE;	/* a drive is down, not lost */
	}
	if (nok < o->so_rec->or_k) {
		obj_log(o, "UNRECOVERABLE", nbad);
		return SCRUB_UNRECOVERABLE;
	}
	if (nbad == 0) {
		cnt->sc_unavailable++;
		return SCRUB_UNAVAILABLE;
	}
	/* Heal what is reachable now; a drive that is down waits. */
	if (nok + nbad < o->so_n)
		cnt->sc_unavailable++;
	return heal_and_check(o, nbad, cnt, bytes);
}

/* scrub_shards verifies, and heals if needed, one set of shards. */
static enum scrub_result
scrub_shards(struct scrubd *env, struct proto_str bucket,
    struct proto_str key, const struct msg_objrec *rec,
    struct scrub_counts *cnt, uint64_t *bytes)
{
	struct scrub_obj o;

	if (rec->or_inline)
		return SCRUB_HEALTHY;
	obj_init(&o, env, bucket, key, rec);
	verify_all(&o, NULL, cnt, bytes);
	return judge(&o, cnt, bytes);
}

/* rank orders results from best to worst, for an object of many parts. */
static int
rank(enum scrub_result r)
{
	switch (r) {
	case SCRUB_HEALTHY:	return 0;
	case SCRUB_HEALED:	return 1;
	case SCRUB_UNAVAILABLE:	return 2;
	case SCRUB_FAILED:	return 3;
	default:		return 4;
	}
}

/*
 * scrub_parts scrubs each erasure-coded part of a multipart record as a
 * record of its own: the object's layout with the part's data id.
 */
static enum scrub_result
scrub_parts(struct scrubd *env, struct proto_str bucket,
    struct proto_str key, const struct msg_objrec *rec,
    struct scrub_counts *cnt, uint64_t *bytes)
{
	enum scrub_result res = SCRUB_HEALTHY, r;
	struct msg_objrec *view;
	struct msg_objpart p;
	uint64_t b;
	uint32_t i;

	if ((view = malloc(sizeof(*view))) == NULL)
		return SCRUB_FAILED;
	for (i = 0; i < rec->or_nparts; i++) {
		msg_objpart_get(rec, i, &p);
		if (p.op_inline)
			continue;
		*view = *rec;
		view->or_nparts = 0;
		view->or_inline = false;
		view->or_size = p.op_size;
		memcpy(view->or_data_id, p.op_data_id, PROTO_IDLEN);
		b = 0;
		r = scrub_shards(env, bucket, key, view, cnt, &b);
		*bytes += b;
		if (rank(r) > rank(res))
			res = r;
	}
	free(view);
	return res;
}

enum scrub_result
scrub_object(struct scrubd *env, struct proto_str bucket,
    struct proto_str key, const struct msg_objrec *rec,
    struct scrub_counts *cnt, uint64_t *bytes)
{
	enum scrub_result res;

	*bytes = 0;
	cnt->sc_objects++;
	if (rec->or_nparts > 0)
		res = scrub_parts(env, bucket, key, rec, cnt, bytes);
	else
		res = scrub_shards(env, bucket, key, rec, cnt, bytes);
	if (res == SCRUB_UNRECOVERABLE)
		cnt->sc_unrecoverable++;
	if (res != SCRUB_UNAVAILABLE)
		scrubd_unrec(env, bucket, key, res == SCRUB_UNRECOVERABLE);
	return res;
}
