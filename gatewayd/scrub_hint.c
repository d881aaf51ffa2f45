/* scrub_hint.c - tell cairn-scrubd about an object a read found damaged */
#include "config.h"

#include "errors.h"
#include "gatewayd.h"
#include "log.h"

void
scrub_hint_heal(struct backend *be, struct proto_str bucket,
    struct proto_str key)
{
	struct msg_obj_ref r;
	struct rpc_call c;
	int rc;

	if (be->be_scrubd == NULL)
		return;
	r.r_bucket = bucket;
	r.r_key = key;
	if ((rc = rpc_call_init(&c, be->be_scrubd, MSG_SCRUB_HEAL)) == 0) {
		msg_obj_ref_pack(rpc_call_packer(&c), &r);
		rc = rpc_call_run(&c);
	}
	rpc_call_fini(&c);
	if (rc != 0)
		log_warnx("%.*s/%.*s: cannot ask scrubd to heal it: %s",
		    (int)bucket.ps_len, bucket.ps_ptr,
		    (int)(key.ps_len < 256 ? key.ps_len : 256), key.ps_ptr,
		    cairn_strerror(rc));
}
