/* scrub_walk.c - the walk over metad's records that every pass shares */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "scrubd.h"

/* walk_page asks metad for the page of the scope after the cursor. */
static int
walk_page(struct scrubd *env, struct proto_str bucket,
    struct proto_str prefix, struct proto_str ab, struct proto_str ak,
    struct rpc_call *c, struct msg_scan_reply *r)
{
	struct msg_scan_req s;
	int rc;

	s.sc_bucket = bucket;
	s.sc_prefix = prefix;
	s.sc_after_bucket = ab;
	s.sc_after_key = ak;
	s.sc_max = SCRUB_PAGE;
	if ((rc = rpc_call_init(c, env->sd_metad, MSG_META_SCAN)) != 0)
		return rc;
	msg_scan_req_pack(rpc_call_packer(c), &s);
	if ((rc = rpc_call_run(c)) != 0)
		return rc;
	return msg_scan_reply_unpack(c->rc_reply.pm_payload, r);
}

/* walk_cursor copies the last record of a page into the cursor. */
static void
walk_cursor(const struct msg_scan_reply *r, struct proto_str *cb, char *cbb,
    struct proto_str *ck, char *ckb)
{
	const struct msg_scan_entry *e = &r->sr_entries[r->sr_n - 1];

	memcpy(cbb, e->se_bucket.ps_ptr, e->se_bucket.ps_len);
	memcpy(ckb, e->se_key.ps_ptr, e->se_key.ps_len);
	cb->ps_ptr = cbb;
	cb->ps_len = e->se_bucket.ps_len;
	ck->ps_ptr = ckb;
	ck->ps_len = e->se_key.ps_len;
}

int
scrub_walk(struct scrubd *env, struct proto_str bucket,
    struct proto_str prefix, scrub_walk_fn fn, void *arg)
{
	struct proto_str cb = { "", 0 }, ck = { "", 0 };
	char *cbb, *ckb = NULL;
	struct msg_scan_reply r;
	struct rpc_call c;
	uint32_t i;
	bool more = true;
	int rc = 0;

	if ((cbb = malloc(PROTO_BUCKETMAX + 1)) == NULL ||
	    (ckb = malloc(PROTO_SCANKEYMAX + 1)) == NULL) {
		free(cbb);
		return CAIRN_ENOMEM;
	}
	while (more && rc == 0 && !scrubd_stopping(env)) {
		if ((rc = walk_page(env, bucket, prefix, cb, ck, &c, &r)) != 0) {
			rpc_call_fini(&c);
			break;
		}
		/* A page takes long when throttled: a stop ends it midway. */
		for (i = 0; i < r.sr_n && rc == 0 && !scrubd_stopping(env); i++)
			rc = fn(env, arg, &r.sr_entries[i]);
		more = r.sr_truncated && r.sr_n > 0;
		if (r.sr_n > 0)
			walk_cursor(&r, &cb, cbb, &ck, ckb);
		msg_scan_reply_free(&r);
		rpc_call_fini(&c);
	}
	free(cbb);
	free(ckb);
	/* At a stop, calls fail too: the stop is the reason to give. */
	if (scrubd_stopping(env))
		rc = CAIRN_ECANCELED;
	return rc;
}
