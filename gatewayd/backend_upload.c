/* backend_upload.c - gatewayd's multipart upload calls to metad */
#include "config.h"

#include <string.h>

#include "errors.h"
#include "gatewayd.h"
#include "log.h"
#include "util.h"

/* upload_ref_call runs a request whose payload is an upload reference. */
static int
upload_ref_call(struct backend *be, struct rpc_call *c, uint32_t type,
    const struct msg_upload_ref *u)
{
	int rc;

	if ((rc = rpc_call_init(c, be->be_metad, type)) != 0)
		return rc;
	msg_upload_ref_pack(rpc_call_packer(c), u);
	return rpc_call_run(c);
}

int
backend_upload_create(struct backend *be, const struct msg_upload_create *uc)
{
	struct rpc_call c;
	int rc;

	if ((rc = rpc_call_init(&c, be->be_metad,
	    MSG_META_UPLOAD_CREATE)) == 0) {
		msg_upload_create_pack(rpc_call_packer(&c), uc);
		rc = rpc_call_run(&c);
	}
	rpc_call_fini(&c);
	return rc;
}

int
backend_upload_get(struct backend *be, struct rpc_call *c,
    const struct msg_upload_ref *u, struct msg_objrec *rec)
{
	int rc;

	if ((rc = upload_ref_call(be, c, MSG_META_UPLOAD_GET, u)) != 0)
		return rc;
	return msg_objrec_unpack(c->rc_reply.pm_payload, rec);
}

int
backend_upload_part(struct backend *be, struct rpc_call *c,
    const struct msg_part_put *pp, struct msg_objrec *old, bool *has_old)
{
	int rc;

	*has_old = false;
	if ((rc = rpc_call_init(c, be->be_metad, MSG_META_UPLOAD_PART)) != 0)
		return rc;
	msg_part_put_pack(rpc_call_packer(c), pp);
	if ((rc = rpc_call_run(c)) != 0)
		return rc;
	*has_old = !proto_is_nil(c->rc_reply.pm_payload);
	if (!*has_old)
		return 0;
	return msg_objrec_unpack(c->rc_reply.pm_payload, old);
}

int
backend_upload_complete(struct backend *be, struct rpc_call *c,
    const struct msg_upload_complete *cc, struct msg_upload_done *ud)
{
	int rc;

	if ((rc = rpc_call_init(c, be->be_metad,
	    MSG_META_UPLOAD_COMPLETE)) != 0)
		return rc;
	msg_upload_complete_pack(rpc_call_packer(c), cc);
	if ((rc = rpc_call_run(c)) != 0)
		return rc;
	return msg_upload_done_unpack(c->rc_reply.pm_payload, ud);
}

int
backend_upload_abort(struct backend *be, struct rpc_call *c,
    const struct msg_upload_ref *u, struct msg_upload_done *ud)
{
	int rc;

	if ((rc = upload_ref_call(be, c, MSG_META_UPLOAD_ABORT, u)) != 0)
		return rc;
	return msg_upload_done_unpack(c->rc_reply.pm_payload, ud);
}

int
backend_upload_parts(struct backend *be, struct rpc_call *c,
    const struct msg_part_list_req *pl, struct msg_part_list_reply *pr)
{
	int rc;

	memset(pr, 0, sizeof(*pr));
	if ((rc = rpc_call_init(c, be->be_metad, MSG_META_UPLOAD_PARTS)) != 0)
		return rc;
	msg_part_list_req_pack(rpc_call_packer(c), pl);
	if ((rc = rpc_call_run(c)) != 0)
		return rc;
	return msg_part_list_reply_unpack(c->rc_reply.pm_payload, pr);
}

int
backend_upload_list(struct backend *be, struct rpc_call *c,
    const struct msg_upload_list_req *ul, struct msg_upload_list_reply *ur)
{
	int rc;

	memset(ur, 0, sizeof(*ur));
	if ((rc = rpc_call_init(c, be->be_metad, MSG_META_UPLOAD_LIST)) != 0)
		return rc;
	msg_upload_list_req_pack(rpc_call_packer(c), ul);
	if ((rc = rpc_call_run(c)) != 0)
		return rc;
	return msg_upload_list_reply_unpack(c->rc_reply.pm_payload, ur);
}

void
backend_upload_layout(struct backend *be, struct proto_str bucket,
    struct proto_str key, struct msg_objrec *rec)
{
	int n = be->be_k + be->be_m, rot, i;

	rot = placement_rotation(bucket, key, n);
	rec->or_inline = false;
	rec->or_k = (uint8_t)be->be_k;
	rec->or_m = (uint8_t)be->be_m;
	rec->or_block_size = backend_block_size(be);
	for (i = 0; i < n; i++)
		rec->or_drives[i] = proto_str_c(
		    be->be_conf->c_drives[(rot + i) % n].cd_name);
}

void
backend_upload_drop(struct backend *be, const struct msg_objrec *rec,
    struct proto_str ids)
{
	struct msg_objrec view = *rec;
	size_t off;

	view.or_inline = false;
	view.or_nparts = 0;
	for (off = 0; off + PROTO_IDLEN <= ids.ps_len; off += PROTO_IDLEN) {
		memcpy(view.or_data_id, ids.ps_ptr + off, PROTO_IDLEN);
		backend_shards_delete(be, &view);
	}
}
