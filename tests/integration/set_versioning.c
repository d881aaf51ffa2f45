/* set_versioning.c - test helper: set a bucket's versioning in metad */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "errors.h"
#include "proto.h"
#include "rpc.h"

/*
 * Until gatewayd answers PutBucketVersioning, t_bconf.sh needs a bucket
 * with versioning Enabled to store a replication configuration: this
 * sends the MSG_META_BUCKET_SET that such a handler would.
 * Usage: set_versioning CONFFILE BUCKET enabled|suspended
 */
int
main(int argc, char *argv[])
{
	struct msg_bucket_set bs;
	struct rpc_client *cl;
	struct rpc_call c;
	struct conf conf;
	int rc;

	if (argc != 4 || conf_load(&conf, argv[1]) != 0)
		return 2;
	memset(&bs, 0, sizeof(bs));
	bs.bs_bucket.b_name = proto_str_c(argv[2]);
	bs.bs_bucket.b_versioning = strcmp(argv[3], "enabled") == 0 ?
	    BUCKET_VER_ENABLED : BUCKET_VER_SUSPENDED;
	bs.bs_fields = BUCKET_SET_VERSIONING;
	if (rpc_client_open(&cl, conf.c_metad_listen, 5000) != 0)
		return 1;
	if ((rc = rpc_call_init(&c, cl, MSG_META_BUCKET_SET)) == 0) {
		msg_bucket_set_pack(rpc_call_packer(&c), &bs);
		rc = rpc_call_run(&c);
	}
	rpc_call_fini(&c);
	rpc_client_close(cl);
	if (rc != 0)
		fprintf(stderr, "set_versioning: %s\n", cairn_strerror(rc));
	return rc != 0;
}
