/* backend_version.c - gatewayd's calls to metad for object versions */
#include "config.h"

#include <string.h>

#include "errors.h"
#include "gatewayd.h"

int
backend_ver_put(struct backend *be, struct rpc_call *c,
    const struct msg_obj_put *p, struct msg_ver_done *d)
{
	int rc;

	if ((rc = rpc_call_init(c, be->be_metad, MSG_META_VER_PUT)) != 0) {
		memset(d, 0, sizeof(*d));
		return rc;
	}
	msg_obj_put_pack(rpc_call_packer(c), p);
	rpc_call_send(c);
	return backend_ver_put_recv(c, d);
}

void
backend_ver_put_send(struct backend *be, struct rpc_call *c,
    const struct msg_obj_put *p, void (*done)(void *), void *arg)
{
	if (rpc_call_init(c, be->be_metad, MSG_META_VER_PUT) == 0)
		msg_obj_put_pack(rpc_call_packer(c), p);
	rpc_call_send_cb(c, done, arg);
}

int
backend_ver_put_recv(struct rpc_call *c, struct msg_ver_done *d)
{
	int rc;

	memset(d, 0, sizeof(*d));
	if ((rc = rpc_call_wait(c)) != 0)
		return rc;
	return msg_ver_done_unpack(c->rc_reply.pm_payload, d);
}

int
backend_ver_get(struct backend *be, struct rpc_call *c,
    const struct msg_ver_ref *ref, struct msg_objrec *rec)
{
	int rc;

	if ((rc = rpc_call_init(c, be->be_metad, MSG_META_VER_GET)) != 0)
		return rc;
	msg_ver_ref_pack(rpc_call_packer(c), ref);
	rpc_call_send(c);
	return backend_ver_get_recv(c, rec);
}

void
backend_ver_get_send(struct backend *be, struct rpc_call *c,
    const struct msg_ver_ref *ref, void (*done)(void *), void *arg)
{
	if (rpc_call_init(c, be->be_metad, MSG_META_VER_GET) == 0)
		msg_ver_ref_pack(rpc_call_packer(c), ref);
	if (done != NULL)
		rpc_call_send_cb(c, done, arg);
	else
		rpc_call_send(c);
}

int
backend_ver_get_recv(struct rpc_call *c, struct msg_objrec *rec)
{
	int rc;

	if ((rc = rpc_call_wait(c)) != 0)
		return rc;
	return msg_objrec_unpack(c->rc_reply.pm_payload, rec);
}

void
backend_ver_delete_send(struct backend *be, struct rpc_call *c,
    const struct msg_ver_ref *ref, void (*done)(void *), void *arg)
{
	if (rpc_call_init(c, be->be_metad, MSG_META_VER_DELETE) == 0)
		msg_ver_ref_pack(rpc_call_packer(c), ref);
	if (done != NULL)
		rpc_call_send_cb(c, done, arg);
	else
		rpc_call_send(c);
}

int
backend_ver_delete_recv(struct rpc_call *c, struct msg_ver_done *d)
{
	int rc;

	memset(d, 0, sizeof(*d));
	if ((rc = rpc_call_wait(c)) != 0)
		return rc;
	return msg_ver_done_unpack(c->rc_reply.pm_payload, d);
}

int
backend_ver_list(struct backend *be, struct rpc_call *c,
    const struct msg_ver_list_req *l, struct msg_ver_list_reply *lr)
{
	int rc;

	memset(lr, 0, sizeof(*lr));
	if ((rc = rpc_call_init(c, be->be_metad, MSG_META_VER_LIST)) != 0)
		return rc;
	msg_ver_list_req_pack(rpc_call_packer(c), l);
	if ((rc = rpc_call_run(c)) != 0)
		return rc;
	return msg_ver_list_reply_unpack(c->rc_reply.pm_payload, lr);
}

int
backend_ver_set_hdr(struct backend *be, const struct msg_ver_hdr *h)
{
	struct rpc_call c;
	int rc;

	if ((rc = rpc_call_init(&c, be->be_metad, MSG_META_VER_SET_HDR)) == 0) {
		msg_ver_hdr_pack(rpc_call_packer(&c), h);
		rc = rpc_call_run(&c);
	}
	rpc_call_fini(&c);
	return rc;
}
