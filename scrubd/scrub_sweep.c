/* scrub_sweep.c - remove shards no record refers to, once past the grace */
#include "config.h"

#include <string.h>

#include "errors.h"
#include "log.h"
#include "scrubd.h"
#include "util.h"

/*
 * Why this is safe: the live set holds the data id of every record that
 * existed when the full pass walked past it, and a shard is removed only
 * if its id is not there and it was last written before the pass started
 * minus the grace.  A record the walk missed was written after the pass
 * started; its PUT wrote its shards before that and commits the record
 * right after the last shard, so such a shard is younger than the grace
 * unless that PUT stalled longer than the grace between the two.
 * chunkd checks the mtime again when it removes.
 */

/* sweep_list asks drive d for one page of shard ids (or tmp/ files). */
static int
sweep_list(struct scrubd *env, int d, bool tmp, const uint8_t *after,
    struct rpc_call *c, struct msg_chunk_list *l)
{
	struct msg_chunk_list_req r;
	int rc;

	r.cl_tmp = tmp;
	r.cl_after.ps_ptr = (const char *)after;
	r.cl_after.ps_len = after != NULL ? PROTO_IDLEN : 0;
	r.cl_max = PROTO_CLISTMAX;
	if ((rc = rpc_call_init(c, env->sd_chunk[d], MSG_CHUNK_LIST)) != 0)
		return rc;
	msg_chunk_list_req_pack(rpc_call_packer(c), &r);
	if ((rc = rpc_call_run(c)) != 0)
		return rc;
	return msg_chunk_list_unpack(c->rc_reply.pm_payload, l);
}

/* sweep_one asks drive d to remove one file if still older than cutoff. */
static int
sweep_one(struct scrubd *env, int d, bool tmp, const uint8_t *id,
    uint64_t cutoff)
{
	struct msg_chunk_sweep s;
	struct rpc_call c;
	int rc;

	memcpy(s.sw_id, id, PROTO_IDLEN);
	s.sw_tmp = tmp;
	s.sw_older_than_s = cutoff;
	if ((rc = rpc_call_init(&c, env->sd_chunk[d], MSG_CHUNK_SWEEP)) == 0) {
		msg_chunk_sweep_pack(rpc_call_packer(&c), &s);
		rc = rpc_call_run(&c);
	}
	rpc_call_fini(&c);
	return rc;
}

/* sweep_entry removes one listed file if it is an orphan past the grace. */
static void
sweep_entry(struct scrubd *env, struct scrub_pass *p, int d, bool tmp,
    const struct msg_chunk_list_entry *e, uint64_t cutoff,
    struct scrub_counts *cnt)
{
	char hex[2 * PROTO_IDLEN + 1];
	int rc;

	if (e->ce_mtime_s >= cutoff ||
	    (!tmp && scrub_ids_has(&p->sp_live, e->ce_id)))
		return;
	rc = sweep_one(env, d, tmp, e->ce_id, cutoff);
	if (rc == 0) {
		if (tmp)
			cnt->sc_tmp_removed++;
		else
			cnt->sc_orphans_removed++;
	} else if (rc != CAIRN_ENOENT && rc != CAIRN_EEXIST) {
		util_hex(hex, e->ce_id, PROTO_IDLEN);
		log_warnx("drive %s: sweep of %s: %s",
		    env->sd_conf.c_drives[d].cd_name, hex, cairn_strerror(rc));
	}
}

/* sweep_drive walks one drive's shards (or tmp/) page by page. */
static void
sweep_drive(struct scrubd *env, struct scrub_pass *p, int d, bool tmp,
    uint64_t cutoff, struct scrub_counts *cnt)
{
	uint8_t after[PROTO_IDLEN];
	struct msg_chunk_list l;
	struct rpc_call c;
	bool more = true, first = true;
	uint32_t i;
	int rc;

	while (more && !scrubd_stopping(env)) {
		rc = sweep_list(env, d, tmp, first ? NULL : after, &c, &l);
		if (rc != 0) {
			log_warnx("drive %s: cannot list for the sweep: %s",
			    env->sd_conf.c_drives[d].cd_name,
			    cairn_strerror(rc));
			rpc_call_fini(&c);
			return;
		}
		for (i = 0; i < l.cls_n && !scrubd_stopping(env); i++)
			sweep_entry(env, p, d, tmp, &l.cls_entries[i], cutoff,
			    cnt);
		more = l.cls_truncated && l.cls_n > 0;
		if (l.cls_n > 0)
			memcpy(after, l.cls_entries[l.cls_n - 1].ce_id,
			    PROTO_IDLEN);
		first = false;
		msg_chunk_list_free(&l);
		rpc_call_fini(&c);
	}
}

/* bucket_busy tells whether bucket has a multipart upload under way. */
static bool
bucket_busy(struct scrubd *env, struct proto_str bucket)
{
	struct msg_upload_list_req ul;
	struct msg_upload_list_reply ur;
	struct rpc_call c;
	bool busy = true;

	memset(&ul, 0, sizeof(ul));
	ul.ul_bucket = bucket;
	ul.ul_max = 1;
	if (rpc_call_init(&c, env->sd_metad, MSG_META_UPLOAD_LIST) == 0) {
		msg_upload_list_req_pack(rpc_call_packer(&c), &ul);
		if (rpc_call_run(&c) == 0 &&
		    msg_upload_list_reply_unpack(c.rc_reply.pm_payload,
		    &ur) == 0) {
			busy = ur.ur_nentries > 0 || ur.ur_nprefixes > 0;
			msg_upload_list_reply_free(&ur);
		}
	}
	rpc_call_fini(&c);
	return busy;
}

/*
 * uploads_in_progress tells whether any bucket has a multipart upload
 * under way.  Its parts' shards are named only by part records, which a
 * pass does not walk, so shards are not swept until none is left; in
 * doubt (metad did not answer) neither.
 */
static bool
uploads_in_progress(struct scrubd *env)
{
	struct msg_bucket_list bl;
	struct rpc_call c;
	bool busy = true;
	uint32_t i;

	if (rpc_call_init(&c, env->sd_metad, MSG_META_BUCKET_LIST) == 0) {
		proto_pack_nil(rpc_call_packer(&c));
		if (rpc_call_run(&c) == 0 &&
		    msg_bucket_list_unpack(c.rc_reply.pm_payload, &bl) == 0) {
			for (busy = false, i = 0; !busy && i < bl.bl_count; i++)
				busy = bucket_busy(env, bl.bl_items[i].b_name);
			msg_bucket_list_free(&bl);
		}
	}
	rpc_call_fini(&c);
	return busy;
}

void
scrub_sweep(struct scrubd *env, struct scrub_pass *p)
{
	bool shards;
	struct scrub_counts cnt;
	uint64_t grace, cutoff;
	int d;

	pthread_mutex_lock(&env->sd_lock);
	grace = (uint64_t)env->sd_conf.c_scrub_orphan_grace_s;
	pthread_mutex_unlock(&env->sd_lock);
	if (p->sp_start_s <= grace)
		return;
	cutoff = p->sp_start_s - grace;
	memset(&cnt, 0, sizeof(cnt));
	scrub_ids_sort(&p->sp_live);
	if (!(shards = !uploads_in_progress(env)))
		log_info("orphan sweep: multipart uploads are in progress; "
		    "only temporary files are swept this time");
	for (d = 0; d < env->sd_ndrives; d++) {
		if (shards)
			sweep_drive(env, p, d, false, cutoff, &cnt);
		sweep_drive(env, p, d, true, cutoff, &cnt);
	}
	scrub_counts_add(&p->sp_counts, &cnt);
	scrubd_add_counts(env, &cnt);
}
