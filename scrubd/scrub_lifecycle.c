/* scrub_lifecycle.c - lifecycle expiry: expire versions, abort stale uploads */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "lifecycle.h"
#include "log.h"
#include "scrubd.h"
#include "util.h"

/* The budget may be spent this many seconds ahead (token bucket burst). */
#define LC_BURST_S	2

/* What expire did with a current version. */
enum {
	LC_KEPT,	/* not expired */
	LC_GONE,	/* removed: its record was given up */
	LC_DEMOTED,	/* noncurrent behind a new delete marker */
};

/*
 * The key whose versions are being walked.  lk_newer_ns is the mtime of
 * the version walked last: when the next older one became noncurrent.
 */
struct lc_key {
	bool			 lk_on;
	char			 lk_key[PROTO_KEYMAX];
	size_t			 lk_len;
	bool			 lk_marker;	/* the latest is a delete marker */
	uint64_t		 lk_mmtime;	/* its mtime and version id */
	char			 lk_vid[PROTO_VERIDLEN];
	size_t			 lk_vidlen;
	uint64_t		 lk_newer_ns;
	uint32_t		 lk_nc;		/* noncurrent versions walked */
	uint32_t		 lk_left;	/* of them, still there */
};

/*
 * One lifecycle pass over every bucket that has a configuration.  Owned
 * by the thread that runs it; the counts go to the daemon at the end.
 */
struct lc_pass {
	struct scrubd		*lp_env;
	bool			 lp_throttle;
	uint32_t		 lp_day_s;
	struct scrub_rate	 lp_rate;	/* records and uploads looked at */
	struct scrub_lc_counts	 lp_counts;
	struct lc_key		 lp_key;
	const struct lifecycle	*lp_lc;		/* of the bucket walked */
};

static uint64_t
now_s(void)
{
	return util_now_ns() / 1000000000u;
}

/* lc_throttle waits as long as the objects_per_sec budget asks. */
static void
lc_throttle(struct lc_pass *lp)
{
	if (lp->lp_throttle)
		scrubd_sleep_us(lp->lp_env, scrub_rate_take(&lp->lp_rate, 1,
		    util_mono_ms() * 1000));
}

/* --- shards ------------------------------------------------------------------ */

/*
 * delete_id queues the shards of data id, on the drives of rec's layout,
 * for deletion delete_delay later: a GET that read the record before
 * metad dropped it still finds every stripe, as after a DELETE.
 */
static void
delete_id(struct scrubd *env, const struct msg_objrec *rec, const uint8_t *id)
{
	char name[CONF_NAMEMAX];
	int drives[PROTO_SHARDMAX], i;

	for (i = 0; i < rec->or_k + rec->or_m && i < PROTO_SHARDMAX; i++) {
		snprintf(name, sizeof(name), "%.*s",
		    (int)rec->or_drives[i].ps_len, rec->or_drives[i].ps_ptr);
		drives[i] = conf_drive_find(&env->sd_conf, name);
	}
	trash_put(&env->sd_trash, id, drives, i);
}

/*
 * Shards still queued when scrubd stops are not deleted: the clients are
 * shut by then (a stop waits for no chunkd), and what is left is an orphan
 * for the sweep of a later pass.
 */
void
scrub_lifecycle_delete(void *arg, const struct trash_item *it)
{
	struct scrubd *env = arg;
	struct msg_chunk_ref ref;
	struct rpc_call c;
	int i;

	if (scrubd_stopping(env))
		return;
	memcpy(ref.c_id, it->ti_id, PROTO_IDLEN);
	for (i = 0; i < it->ti_n; i++) {
		if (it->ti_drive[i] < 0)
			continue;
		if (rpc_call_init(&c, env->sd_chunk[it->ti_drive[i]],
		    MSG_CHUNK_DELETE) == 0) {
			msg_chunk_ref_pack(rpc_call_packer(&c), &ref);
			(void)rpc_call_run(&c);	/* else the sweep takes it */
		}
		rpc_call_fini(&c);
	}
}

/*
 * delete_shards queues what a removed record held, as the gateway does
 * after a DELETE: its own shards, or those of its coded parts.
 */
static void
delete_shards(struct scrubd *env, const struct msg_objrec *rec)
{
	struct msg_objpart part;
	uint32_t i;

	if (rec->or_nparts == 0) {
		if (!rec->or_inline)
			delete_id(env, rec, rec->or_data_id);
		return;
	}
	for (i = 0; i < rec->or_nparts; i++) {
		msg_objpart_get(rec, i, &part);
		if (!part.op_inline)
			delete_id(env, rec, part.op_data_id);
	}
}

/* --- current versions ----------------------------------------------------------- */

/* stored_tags finds the tag set a record keeps as "x-amz-tagging". */
static struct proto_str
stored_tags(const struct msg_objrec *rec)
{
	uint32_t i;

	for (i = 0; i < rec->or_nhdrs; i++)
		if (proto_str_eq(rec->or_hdr_name[i], "x-amz-tagging"))
			return rec->or_hdr_value[i];
	return proto_str_c(NULL);
}

/* is_due tells whether an enabled Days or Date rule expires the record. */
static bool
is_due(const struct lc_pass *lp, const struct lifecycle *lc,
    struct proto_str key, const struct msg_objrec *rec)
{
	const struct lifecycle_rule *r;
	struct proto_str tags = stored_tags(rec);
	uint64_t now = now_s();
	int i;

	for (i = 0; i < lc->lc_n; i++) {
		r = &lc->lc_rules[i];
		if (r->lr_enabled && lifecycle_expiry_s(r, rec->or_mtime_ns,
		    lp->lp_day_s) <= now && lifecycle_match(r, key.ps_ptr,
		    key.ps_len, rec->or_size, tags.ps_ptr, tags.ps_len))
			return true;
	}
	return false;
}

/* reply_rec reads a removed record from a reply; false for nil (none). */
static bool
reply_rec(const struct rpc_call *c, struct msg_objrec *old, int *rc)
{
	if (c->rc_reply.pm_payload == NULL ||
	    c->rc_reply.pm_payload->type == MSGPACK_OBJECT_NIL)
		return false;
	*rc = msg_objrec_unpack(c->rc_reply.pm_payload, old);
	return *rc == 0;
}

/*
 * expire expires the current version metad still holds for the key, if
 * it is the version that was found due: removed (its shards deleted) in
 * an unversioned bucket, hidden behind a new delete marker in a versioned
 * one.  Returns LC_DEMOTED if the version became noncurrent.
 */
static int
expire(struct lc_pass *lp, struct proto_str bucket, struct proto_str key,
    const struct msg_objrec *rec)
{
	struct msg_obj_expire x;
	struct msg_objrec *old;
	struct rpc_call c;
	bool gone = false;
	int rc;

	x.x_bucket = bucket;
	x.x_key = key;
	x.x_mtime_ns = rec->or_mtime_ns;
	memcpy(x.x_etag, rec->or_etag, sizeof(x.x_etag));
	if ((old = malloc(sizeof(*old))) == NULL)
		return LC_KEPT;
	if ((rc = rpc_call_init(&c, lp->lp_env->sd_metad,
	    MSG_META_OBJ_EXPIRE)) == 0) {
		msg_obj_expire_pack(rpc_call_packer(&c), &x);
		if ((rc = rpc_call_run(&c)) == 0)
			gone = reply_rec(&c, old, &rc);
	}
	if (rc == 0) {
		if (gone)
			delete_shards(lp->lp_env, old);
		lp->lp_counts.lc_expired++;
		log_info("lifecycle: %.*s/%.*s expired%s", (int)bucket.ps_len,
		    bucket.ps_ptr, (int)key.ps_len, key.ps_ptr,
		    gone ? "" : " behind a delete marker");
	} else if (rc == CAIRN_EPRECONDITION)
		lp->lp_counts.lc_skipped++;
	else if (rc != CAIRN_ENOKEY && rc != CAIRN_ENOBUCKET)
		lp->lp_counts.lc_errors++;
	rpc_call_fini(&c);
	free(old);
	return rc != 0 ? LC_KEPT : gone ? LC_GONE : LC_DEMOTED;
}

/*
 * ver_expire asks metad to remove one version (enum msg_ver_expire_what)
 * if it is still the one found due, and deletes the shards it held.
 */
static int
ver_expire(struct lc_pass *lp, struct proto_str bucket, struct proto_str key,
    struct proto_str vid, uint64_t mtime_ns, uint8_t what)
{
	struct msg_ver_expire x;
	struct msg_objrec *old;
	struct rpc_call c;
	int rc;

	x.vx_bucket = bucket;
	x.vx_key = key;
	x.vx_version_id = vid.ps_len > 0 ? vid : proto_str_c("null");
	x.vx_mtime_ns = mtime_ns;
	x.vx_what = what;
	if ((old = malloc(sizeof(*old))) == NULL)
		return CAIRN_ENOMEM;
	if ((rc = rpc_call_init(&c, lp->lp_env->sd_metad,
	    MSG_META_VER_EXPIRE)) == 0) {
		msg_ver_expire_pack(rpc_call_packer(&c), &x);
		if ((rc = rpc_call_run(&c)) == 0 && reply_rec(&c, old, &rc))
			delete_shards(lp->lp_env, old);
	}
	if (rc == 0)
		log_info("lifecycle: %.*s/%.*s version %.*s expired",
		    (int)bucket.ps_len, bucket.ps_ptr, (int)key.ps_len,
		    key.ps_ptr, (int)x.vx_version_id.ps_len,
		    x.vx_version_id.ps_ptr);
	else if (rc != CAIRN_EPRECONDITION && rc != CAIRN_ENOVERSION &&
	    rc != CAIRN_ELOCKED && rc != CAIRN_ENOKEY &&
	    rc != CAIRN_ENOBUCKET)
		lp->lp_counts.lc_errors++;
	rpc_call_fini(&c);
	free(old);
	return rc;
}

/* --- the versions of one key ------------------------------------------------ */

/* nc_due tells whether a rule removes noncurrent version rec of key. */
static bool
nc_due(const struct lc_pass *lp, const struct lifecycle *lc,
    struct proto_str key, const struct msg_objrec *rec, uint64_t since_ns,
    uint32_t newer)
{
	const struct lifecycle_rule *r;
	struct proto_str tags = stored_tags(rec);
	uint64_t now = now_s();
	int i;

	for (i = 0; i < lc->lc_n; i++) {
		r = &lc->lc_rules[i];
		if (r->lr_enabled && lifecycle_noncurrent_s(r, since_ns, newer,
		    lp->lp_day_s) <= now && lifecycle_match(r, key.ps_ptr,
		    key.ps_len, rec->or_size, tags.ps_ptr, tags.ps_len))
			return true;
	}
	return false;
}

/* marker_due tells whether a rule removes a lone delete marker of key. */
static bool
marker_due(const struct lc_pass *lp, const struct lifecycle *lc,
    struct proto_str key, uint64_t mtime_ns)
{
	const struct lifecycle_rule *r;
	uint64_t now = now_s();
	int i;

	for (i = 0; i < lc->lc_n; i++) {
		r = &lc->lc_rules[i];
		if (r->lr_enabled && lifecycle_marker_s(r, mtime_ns,
		    lp->lp_day_s) <= now && lifecycle_match(r, key.ps_ptr,
		    key.ps_len, 0, NULL, 0))
			return true;
	}
	return false;
}

/* lk_name is the key being walked. */
static struct proto_str
lk_name(const struct lc_key *lk)
{
	struct proto_str k;

	k.ps_ptr = lk->lk_key;
	k.ps_len = lk->lk_len;
	return k;
}

/*
 * key_end finishes the key being walked: a delete marker that is its
 * only version left goes if a rule says so (metad checks again that it
 * is alone).
 */
static void
key_end(struct lc_pass *lp, struct proto_str bucket, const struct lifecycle *lc)
{
	struct lc_key *lk = &lp->lp_key;
	struct proto_str vid = { lk->lk_vid, lk->lk_vidlen };

	if (lk->lk_on && lk->lk_marker && lk->lk_left == 0 &&
	    marker_due(lp, lc, lk_name(lk), lk->lk_mmtime) &&
	    ver_expire(lp, bucket, lk_name(lk), vid, lk->lk_mmtime,
	    VX_MARKER) == 0)
		lp->lp_counts.lc_markers++;
	lk->lk_on = false;
}

/* key_start begins a key with its latest record e. */
static void
key_start(struct lc_pass *lp, const struct lifecycle *lc,
    const struct msg_scan_entry *e)
{
	struct lc_key *lk = &lp->lp_key;
	const struct msg_objrec *rec = &e->se_rec;

	memcpy(lk->lk_key, e->se_key.ps_ptr, e->se_key.ps_len);
	lk->lk_len = e->se_key.ps_len;
	lk->lk_on = true;
	lk->lk_marker = rec->or_delete_marker;
	lk->lk_newer_ns = rec->or_mtime_ns;
	lk->lk_nc = lk->lk_left = 0;
	if (lk->lk_marker) {
		/* Kept for key_end: its id and mtime name it. */
		lk->lk_mmtime = rec->or_mtime_ns;
		memcpy(lk->lk_vid, rec->or_version_id.ps_ptr,
		    rec->or_version_id.ps_len);
		lk->lk_vidlen = rec->or_version_id.ps_len;
	} else if (is_due(lp, lc, e->se_key, rec) &&
	    expire(lp, e->se_bucket, e->se_key, rec) == LC_DEMOTED)
		lk->lk_nc = lk->lk_left = 1;	/* noncurrent from now on */
}

/*
 * noncurrent looks at noncurrent version e (newest first): it became
 * noncurrent when the next newer version was made.
 */
static void
noncurrent(struct lc_pass *lp, const struct lifecycle *lc,
    const struct msg_scan_entry *e)
{
	struct lc_key *lk = &lp->lp_key;
	uint64_t since = lk->lk_newer_ns;
	uint32_t newer = lk->lk_nc++;
	int rc;

	lk->lk_newer_ns = e->se_rec.or_mtime_ns;
	if (!nc_due(lp, lc, lk_name(lk), &e->se_rec, since, newer)) {
		lk->lk_left++;
		return;
	}
	rc = ver_expire(lp, e->se_bucket, lk_name(lk),
	    e->se_rec.or_version_id, e->se_rec.or_mtime_ns, VX_NONCURRENT);
	if (rc == 0)
		lp->lp_counts.lc_nc_expired++;
	else if (rc != CAIRN_ENOVERSION)
		lk->lk_left++;
	if (rc == CAIRN_ELOCKED)
		lp->lp_counts.lc_locked++;
}

/*
 * lc_entry looks at one scan entry.  A key's latest record comes first,
 * then its noncurrent versions, newest first, named key NUL order; a page
 * that starts inside a key sends the latest record again, skipped here.
 */
static void
lc_entry(struct lc_pass *lp, const struct lifecycle *lc,
    const struct msg_scan_entry *e)
{
	struct lc_key *lk = &lp->lp_key;
	const char *nul = memchr(e->se_key.ps_ptr, '\0', e->se_key.ps_len);
	size_t klen = nul != NULL ? (size_t)(nul - e->se_key.ps_ptr) :
	    e->se_key.ps_len;
	bool same = lk->lk_on && klen == lk->lk_len &&
	    memcmp(e->se_key.ps_ptr, lk->lk_key, klen) == 0;

	if (nul == NULL && !same) {
		key_end(lp, e->se_bucket, lc);
		lp->lp_counts.lc_checked++;
		key_start(lp, lc, e);
	} else if (nul != NULL && same &&
	    e->se_rec.or_mtime_ns < lk->lk_newer_ns) {
		lp->lp_counts.lc_checked++;
		noncurrent(lp, lc, e);
	}
}

/* expire_entry looks at one record of the walk (a scrub_walk_fn). */
static int
expire_entry(struct scrubd *env, void *arg, const struct msg_scan_entry *e)
{
	struct lc_pass *lp = arg;

	(void)env;
	lc_entry(lp, lp->lp_lc, e);
	lc_throttle(lp);
	return 0;
}

/* walks tells whether a rule needs the records walked. */
static bool
walks(const struct lifecycle_rule *r)
{
	return r->lr_enabled && (r->lr_exp_days > 0 || r->lr_has_date ||
	    r->lr_exp_marker || r->lr_nc_days > 0);
}

/* common_prefix returns the length of the prefix every walking rule has. */
static size_t
common_prefix(const struct lifecycle *lc, const char **prefix)
{
	const struct lifecycle_rule *r;
	size_t n = SIZE_MAX, j;
	int i;

	*prefix = "";
	for (i = 0; i < lc->lc_n; i++) {
		r = &lc->lc_rules[i];
		if (!walks(r))
			continue;
		if (n == SIZE_MAX) {
			*prefix = r->lr_prefix;
			n = strlen(r->lr_prefix);
		}
		for (j = 0; j < n && r->lr_prefix[j] == (*prefix)[j]; j++)
			continue;
		n = j;
	}
	return n;
}

/*
 * expire_bucket walks the records under the rules' common prefix and
 * applies the rules to each key's versions.  A walk that fails stops;
 * the next pass goes on.
 */
static void
expire_bucket(struct lc_pass *lp, struct proto_str bucket,
    const struct lifecycle *lc)
{
	struct proto_str prefix;
	int rc;

	prefix.ps_len = common_prefix(lc, &prefix.ps_ptr);
	if (prefix.ps_len == SIZE_MAX)
		return;
	lp->lp_key.lk_on = false;
	lp->lp_lc = lc;
	rc = scrub_walk(lp->lp_env, bucket, prefix, expire_entry, lp);
	if (rc != 0 && rc != CAIRN_ECANCELED)
		lp->lp_counts.lc_errors++;
	key_end(lp, bucket, lc);
}

/* --- incomplete multipart uploads --------------------------------------------- */

/* abort_upload aborts one upload and deletes its parts' shards. */
static void
abort_upload(struct lc_pass *lp, struct proto_str bucket,
    const struct msg_upload_entry *e)
{
	struct msg_upload_ref u;
	struct msg_upload_done *ud;
	struct rpc_call c;
	size_t off;
	int rc;

	u.u_bucket = bucket;
	u.u_key = e->ue_key;
	u.u_upload_id = e->ue_upload_id;
	if ((ud = malloc(sizeof(*ud))) == NULL)
		return;
	if ((rc = rpc_call_init(&c, lp->lp_env->sd_metad,
	    MSG_META_UPLOAD_ABORT)) == 0) {
		msg_upload_ref_pack(rpc_call_packer(&c), &u);
		if ((rc = rpc_call_run(&c)) == 0)
			rc = msg_upload_done_unpack(c.rc_reply.pm_payload, ud);
	}
	if (rc == 0) {
		for (off = 0; off + PROTO_IDLEN <= ud->ud_dropped.ps_len;
		    off += PROTO_IDLEN)
			delete_id(lp->lp_env, &ud->ud_rec,
			    (const uint8_t *)ud->ud_dropped.ps_ptr + off);
		lp->lp_counts.lc_aborted++;
		log_info("lifecycle: upload %.*s of %.*s/%.*s aborted",
		    (int)u.u_upload_id.ps_len, u.u_upload_id.ps_ptr,
		    (int)bucket.ps_len, bucket.ps_ptr, (int)u.u_key.ps_len,
		    u.u_key.ps_ptr);
	} else if (rc != CAIRN_ENOUPLOAD && rc != CAIRN_ENOBUCKET)
		lp->lp_counts.lc_errors++;
	rpc_call_fini(&c);
	free(ud);
}

/* The place of an upload listing: the last key and upload id seen. */
struct lc_cursor {
	char	cu_key[PROTO_KEYMAX];
	size_t	cu_key_len;
	char	cu_id[PROTO_UPLOADIDLEN];
	size_t	cu_id_len;
};

/* upload_page asks metad for the uploads of bucket under prefix. */
static int
upload_page(struct scrubd *env, struct rpc_call *c, struct proto_str bucket,
    const char *prefix, const struct lc_cursor *cu,
    struct msg_upload_list_reply *r)
{
	struct msg_upload_list_req ul;
	int rc;

	memset(&ul, 0, sizeof(ul));
	ul.ul_bucket = bucket;
	ul.ul_prefix = proto_str_c(prefix);
	ul.ul_key_marker.ps_ptr = cu->cu_key;
	ul.ul_key_marker.ps_len = cu->cu_key_len;
	ul.ul_upload_id_marker.ps_ptr = cu->cu_id;
	ul.ul_upload_id_marker.ps_len = cu->cu_id_len;
	ul.ul_max = PROTO_LISTMAX;
	if ((rc = rpc_call_init(c, env->sd_metad, MSG_META_UPLOAD_LIST)) != 0)
		return rc;
	msg_upload_list_req_pack(rpc_call_packer(c), &ul);
	if ((rc = rpc_call_run(c)) != 0)
		return rc;
	return msg_upload_list_reply_unpack(c->rc_reply.pm_payload, r);
}

/* abort_page aborts the uploads of a page that are due; moves the cursor. */
static void
abort_page(struct lc_pass *lp, struct proto_str bucket,
    const struct lifecycle_rule *rule, const struct msg_upload_list_reply *r,
    struct lc_cursor *cu)
{
	const struct msg_upload_entry *e;
	uint32_t i;

	for (i = 0; i < r->ur_nentries && !scrubd_stopping(lp->lp_env); i++) {
		e = &r->ur_entries[i];
		if (lifecycle_due_s(e->ue_initiated_ns, rule->lr_abort_days,
		    lp->lp_day_s) <= now_s())
			abort_upload(lp, bucket, e);
		lc_throttle(lp);
	}
	if (r->ur_nentries > 0) {
		e = &r->ur_entries[r->ur_nentries - 1];
		memcpy(cu->cu_key, e->ue_key.ps_ptr, e->ue_key.ps_len);
		cu->cu_key_len = e->ue_key.ps_len;
		memcpy(cu->cu_id, e->ue_upload_id.ps_ptr,
		    e->ue_upload_id.ps_len);
		cu->cu_id_len = e->ue_upload_id.ps_len;
	}
}

/* abort_rule aborts the uploads under the rule's prefix that are due. */
static void
abort_rule(struct lc_pass *lp, struct proto_str bucket,
    const struct lifecycle_rule *rule)
{
	struct msg_upload_list_reply r;
	struct lc_cursor *cu;
	struct rpc_call c;
	bool more = true;

	if ((cu = calloc(1, sizeof(*cu))) == NULL)
		return;
	while (more && !scrubd_stopping(lp->lp_env)) {
		if (upload_page(lp->lp_env, &c, bucket, rule->lr_prefix, cu,
		    &r) != 0) {
			lp->lp_counts.lc_errors++;
			rpc_call_fini(&c);
			break;
		}
		abort_page(lp, bucket, rule, &r, cu);
		more = r.ur_truncated && r.ur_nentries > 0;
		msg_upload_list_reply_free(&r);
		rpc_call_fini(&c);
	}
	free(cu);
}

/* --- buckets -------------------------------------------------------------------- */

/* bucket_lifecycle reads and parses a bucket's configuration, if any. */
static int
bucket_lifecycle(struct scrubd *env, struct proto_str bucket,
    struct lifecycle *lc)
{
	char msg[LIFECYCLE_MSGMAX];
	struct msg_bconf bc;
	struct rpc_call c;
	int rc;

	bc.bc_bucket = bucket;
	bc.bc_kind = proto_str_c(BCONF_LIFECYCLE);
	bc.bc_value = proto_str_c(NULL);
	if ((rc = rpc_call_init(&c, env->sd_metad, MSG_META_BCONF_GET)) == 0) {
		msg_bconf_pack(rpc_call_packer(&c), &bc);
		if ((rc = rpc_call_run(&c)) == 0)
			rc = msg_bconf_unpack(c.rc_reply.pm_payload, &bc);
	}
	if (rc == 0 && lifecycle_parse(bc.bc_value.ps_ptr, bc.bc_value.ps_len,
	    lc, msg, sizeof(msg)) != LIFECYCLE_OK) {
		log_warnx("lifecycle: bucket %.*s: stored configuration "
		    "refused: %s", (int)bucket.ps_len, bucket.ps_ptr, msg);
		rc = CAIRN_EINTERNAL;
	}
	rpc_call_fini(&c);
	return rc;
}

/* run_bucket applies a bucket's configuration. */
static void
run_bucket(struct lc_pass *lp, const struct msg_bucket *b)
{
	struct lifecycle lc;
	int i, rc;

	if ((rc = bucket_lifecycle(lp->lp_env, b->b_name, &lc)) != 0) {
		if (rc != CAIRN_ENOCONF && rc != CAIRN_ENOBUCKET)
			lp->lp_counts.lc_errors++;
		return;
	}
	expire_bucket(lp, b->b_name, &lc);
	for (i = 0; i < lc.lc_n; i++)
		if (lc.lc_rules[i].lr_enabled && lc.lc_rules[i].lr_abort_days)
			abort_rule(lp, b->b_name, &lc.lc_rules[i]);
	lifecycle_free(&lc);
}

/* run_pass applies every bucket's configuration once. */
static void
run_pass(struct lc_pass *lp)
{
	struct msg_bucket_list bl;
	struct rpc_call c;
	uint32_t i;
	int rc;

	if ((rc = rpc_call_init(&c, lp->lp_env->sd_metad,
	    MSG_META_BUCKET_LIST)) == 0) {
		proto_pack_nil(rpc_call_packer(&c));
		if ((rc = rpc_call_run(&c)) == 0)
			rc = msg_bucket_list_unpack(c.rc_reply.pm_payload, &bl);
	}
	if (rc != 0) {
		log_warnx("lifecycle: bucket list: %s", cairn_strerror(rc));
		lp->lp_counts.lc_errors++;
		rpc_call_fini(&c);
		return;
	}
	for (i = 0; i < bl.bl_count && !scrubd_stopping(lp->lp_env); i++)
		run_bucket(lp, &bl.bl_items[i]);
	msg_bucket_list_free(&bl);
	rpc_call_fini(&c);
}

void
scrub_lifecycle_run(struct scrubd *env, bool throttle,
    struct scrub_lc_counts *counts)
{
	struct lc_pass lp;
	double rate;

	memset(&lp, 0, sizeof(lp));
	lp.lp_env = env;
	lp.lp_throttle = throttle;
	pthread_mutex_lock(&env->sd_lock);
	lp.lp_day_s = (uint32_t)env->sd_conf.c_lc_day_s;
	rate = (double)env->sd_conf.c_scrub_objects_per_sec;
	pthread_mutex_unlock(&env->sd_lock);
	scrub_rate_init(&lp.lp_rate, rate, rate * LC_BURST_S,
	    util_mono_ms() * 1000);
	pthread_mutex_lock(&env->sd_lc_lock);
	run_pass(&lp);
	pthread_mutex_unlock(&env->sd_lc_lock);
	log_info("lifecycle pass done: %" PRIu64 " objects checked, %" PRIu64
	    " expired, %" PRIu64 " kept (changed since), %" PRIu64 " uploads "
	    "aborted, %" PRIu64 " errors, %" PRIu64 " noncurrent versions "
	    "expired, %" PRIu64 " delete markers expired, %" PRIu64 " kept "
	    "by object lock", lp.lp_counts.lc_checked,
	    lp.lp_counts.lc_expired, lp.lp_counts.lc_skipped,
	    lp.lp_counts.lc_aborted, lp.lp_counts.lc_errors,
	    lp.lp_counts.lc_nc_expired, lp.lp_counts.lc_markers,
	    lp.lp_counts.lc_locked);
	pthread_mutex_lock(&env->sd_lock);
	env->sd_lc_total.lc_checked += lp.lp_counts.lc_checked;
	env->sd_lc_total.lc_expired += lp.lp_counts.lc_expired;
	env->sd_lc_total.lc_skipped += lp.lp_counts.lc_skipped;
	env->sd_lc_total.lc_aborted += lp.lp_counts.lc_aborted;
	env->sd_lc_total.lc_errors += lp.lp_counts.lc_errors;
	env->sd_lc_total.lc_nc_expired += lp.lp_counts.lc_nc_expired;
	env->sd_lc_total.lc_markers += lp.lp_counts.lc_markers;
	env->sd_lc_total.lc_locked += lp.lp_counts.lc_locked;
	env->sd_lc_passes++;
	env->sd_lc_last_end = now_s();
	pthread_mutex_unlock(&env->sd_lock);
	*counts = lp.lp_counts;
}

void *
scrub_lifecycle_thread(void *arg)
{
	struct scrubd *env = arg;
	struct scrub_lc_counts counts;
	uint64_t wait;

	for (;;) {
		pthread_mutex_lock(&env->sd_lock);
		wait = (uint64_t)env->sd_conf.c_lc_interval_s * 1000000;
		pthread_mutex_unlock(&env->sd_lock);
		scrubd_sleep_us(env, wait);
		if (scrubd_stopping(env))
			break;
		scrub_lifecycle_run(env, true, &counts);
	}
	return NULL;
}
