/* metad.c - cairn-metad: main, request dispatch and status counters */
#include "config.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <msgpack.h>

#include "conf.h"
#include "errors.h"
#include "log.h"
#include "metad.h"
#include "proto.h"
#include "rpc.h"
#include "sdnotify.h"
#include "sig.h"
#include "stamp.h"
#include "util.h"

#define METAD_STATUS	"serving metadata"

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: cairn-metad [-dnv] [-f file]\n");
	exit(1);
}

/* metad_nil answers a request whose reply has no payload. */
static int
metad_nil(int rc, msgpack_packer *reply)
{
	if (rc == 0)
		proto_pack_nil(reply);
	return rc;
}

static int
metad_bucket_create(struct metad *env, const struct proto_msg *req,
    msgpack_packer *reply)
{
	struct msg_bucket b;

	if (msg_bucket_unpack(req->pm_payload, &b) != 0)
		return CAIRN_EPROTO;
	atomic_fetch_add(&env->m_nbucket_ops, 1);
	return metad_nil(meta_db_bucket_create(&env->m_db, &b), reply);
}

static int
metad_bucket_delete(struct metad *env, const struct proto_msg *req,
    msgpack_packer *reply)
{
	struct msg_name n;

	if (msg_name_unpack(req->pm_payload, &n) != 0)
		return CAIRN_EPROTO;
	atomic_fetch_add(&env->m_nbucket_ops, 1);
	return metad_nil(meta_db_bucket_delete(&env->m_db, n.n_name), reply);
}

static int
metad_bucket_get(struct metad *env, const struct proto_msg *req,
    msgpack_packer *reply)
{
	struct msg_name n;

	if (msg_name_unpack(req->pm_payload, &n) != 0)
		return CAIRN_EPROTO;
	atomic_fetch_add(&env->m_nbucket_ops, 1);
	return meta_db_bucket_get(&env->m_db, n.n_name, reply);
}

static int
metad_bucket_list(struct metad *env, const struct proto_msg *req,
    msgpack_packer *reply)
{
	if (!proto_is_nil(req->pm_payload))
		return CAIRN_EPROTO;
	atomic_fetch_add(&env->m_nbucket_ops, 1);
	return meta_db_bucket_list(&env->m_db, reply);
}

static int
metad_obj_put(struct metad *env, const struct proto_msg *req,
    msgpack_packer *reply)
{
	struct msg_obj_put p;

	if (msg_obj_put_unpack(req->pm_payload, &p) != 0)
		return CAIRN_EPROTO;
	atomic_fetch_add(&env->m_nputs, 1);
	return meta_db_obj_put(&env->m_db, &p, reply);
}

static int
metad_obj_get(struct metad *env, const struct proto_msg *req,
    msgpack_packer *reply)
{
	struct msg_obj_ref r;

	if (msg_obj_ref_unpack(req->pm_payload, &r) != 0)
		return CAIRN_EPROTO;
	atomic_fetch_add(&env->m_ngets, 1);
	return meta_db_obj_get(&env->m_db, &r, reply);
}

static int
metad_obj_delete(struct metad *env, const struct proto_msg *req,
    msgpack_packer *reply)
{
	struct msg_obj_ref r;

	if (msg_obj_ref_unpack(req->pm_payload, &r) != 0)
		return CAIRN_EPROTO;
	atomic_fetch_add(&env->m_ndeletes, 1);
	return meta_db_obj_delete(&env->m_db, &r, reply);
}

static int
metad_obj_set_tags(struct metad *env, const struct proto_msg *req,
    msgpack_packer *reply)
{
	struct msg_obj_tags t;
	int rc;

	if (msg_obj_tags_unpack(req->pm_payload, &t) != 0)
		return CAIRN_EPROTO;
	atomic_fetch_add(&env->m_nputs, 1);
	if ((rc = meta_db_obj_set_tags(&env->m_db, &t)) == 0)
		proto_pack_nil(reply);
	return rc;
}

static int
metad_obj_list(struct metad *env, const struct proto_msg *req,
    msgpack_packer *reply)
{
	struct msg_list_req l;

	if (msg_list_req_unpack(req->pm_payload, &l) != 0)
		return CAIRN_EPROTO;
	atomic_fetch_add(&env->m_nlists, 1);
	return meta_list_objects(&env->m_db, &l, reply);
}

static int
metad_obj_expire(struct metad *env, const struct proto_msg *req,
    msgpack_packer *reply)
{
	struct msg_obj_expire x;

	if (msg_obj_expire_unpack(req->pm_payload, &x) != 0)
		return CAIRN_EPROTO;
	atomic_fetch_add(&env->m_ndeletes, 1);
	return meta_expire(&env->m_db, &x, reply);
}

static int
metad_ver_expire(struct metad *env, const struct proto_msg *req,
    msgpack_packer *reply)
{
	struct msg_ver_expire x;

	if (msg_ver_expire_unpack(req->pm_payload, &x) != 0)
		return CAIRN_EPROTO;
	atomic_fetch_add(&env->m_ndeletes, 1);
	return meta_ver_expire(&env->m_db, &x, reply);
}

static int
metad_scan(struct metad *env, const struct proto_msg *req,
    msgpack_packer *reply)
{
	struct msg_scan_req s;

	if (msg_scan_req_unpack(req->pm_payload, &s) != 0)
		return CAIRN_EPROTO;
	return meta_scan(&env->m_db, &s, reply);
}

static int
metad_obj_set_hdr(struct metad *env, const struct proto_msg *req,
    msgpack_packer *reply)
{
	struct msg_obj_hdr oh;

	if (msg_obj_hdr_unpack(req->pm_payload, &oh) != 0)
		return CAIRN_EPROTO;
	atomic_fetch_add(&env->m_nputs, 1);
	return metad_nil(meta_objhdr_set(&env->m_db, &oh), reply);
}

/* metad_count_version counts the version requests S3 PUT, GET and DELETE use. */
static void
metad_count_version(struct metad *env, uint32_t type)
{
	if (type == MSG_META_VER_PUT)
		atomic_fetch_add(&env->m_nputs, 1);
	else if (type == MSG_META_VER_GET)
		atomic_fetch_add(&env->m_ngets, 1);
	else if (type == MSG_META_VER_DELETE)
		atomic_fetch_add(&env->m_ndeletes, 1);
}

/*
 * dispatch runs one request on an RPC worker thread.  A payload that does
 * not unpack gets CAIRN_EPROTO, which rpc.c logs with the message type.
 */
static int
dispatch(void *arg, const struct proto_msg *req, msgpack_packer *reply)
{
	struct metad *env = arg;

	switch (req->pm_type) {
	case MSG_META_BUCKET_CREATE:
		return metad_bucket_create(env, req, reply);
	case MSG_META_BUCKET_DELETE:
		return metad_bucket_delete(env, req, reply);
	case MSG_META_BUCKET_GET:
		return metad_bucket_get(env, req, reply);
	case MSG_META_BUCKET_LIST:
		return metad_bucket_list(env, req, reply);
	case MSG_META_BUCKET_SET:
	case MSG_META_BCONF_PUT:
	case MSG_META_BCONF_GET:
	case MSG_META_BCONF_DELETE:
		atomic_fetch_add(&env->m_nbucket_ops, 1);
		return meta_bconf_dispatch(&env->m_db, req, reply);
	case MSG_META_OBJ_PUT:
		return metad_obj_put(env, req, reply);
	case MSG_META_OBJ_GET:
		return metad_obj_get(env, req, reply);
	case MSG_META_OBJ_DELETE:
		return metad_obj_delete(env, req, reply);
	case MSG_META_OBJ_LIST:
		return metad_obj_list(env, req, reply);
	case MSG_META_OBJ_SET_TAGS:
		return metad_obj_set_tags(env, req, reply);
	case MSG_META_UPLOAD_CREATE:
	case MSG_META_UPLOAD_GET:
	case MSG_META_UPLOAD_PART:
	case MSG_META_UPLOAD_COMPLETE:
	case MSG_META_UPLOAD_ABORT:
	case MSG_META_UPLOAD_PARTS:
	case MSG_META_UPLOAD_LIST:
		return meta_upload_dispatch(&env->m_db, req, reply);
	case MSG_META_VER_PUT:
	case MSG_META_VER_GET:
	case MSG_META_VER_DELETE:
	case MSG_META_VER_LIST:
	case MSG_META_VER_SET_HDR:
		metad_count_version(env, req->pm_type);
		return meta_version_dispatch(&env->m_db, req, reply);
	case MSG_META_SCAN:
		return metad_scan(env, req, reply);
	case MSG_META_USER_ADD:
	case MSG_META_USER_GET:
	case MSG_META_USER_LIST:
	case MSG_META_USER_REMOVE:
	case MSG_META_USER_STATE:
		return meta_user_dispatch(&env->m_db, env->m_user_key, req,
		    reply);
	case MSG_META_OBJ_SET_HDR:
		return metad_obj_set_hdr(env, req, reply);
	case MSG_META_OBJ_EXPIRE:
		return metad_obj_expire(env, req, reply);
	case MSG_META_VER_EXPIRE:
		return metad_ver_expire(env, req, reply);
	default:
		return CAIRN_EMSGTYPE;
	}
}

/* group takes the version puts and deletes of a batch: meta_group.c. */
static void
group(void *arg, struct rpc_group_req *reqs, int n)
{
	struct metad *env = arg;
	int i;

	if (meta_group_run(&env->m_db, reqs, n) == 0)
		return;
	for (i = 0; i < n; i++)
		if (reqs[i].g_taken)
			metad_count_version(env, reqs[i].g_req->pm_type);
}

/*
 * status adds metad's counters to MSG_CTL_STATUS.  Buckets and objects are
 * not counted: that would take a scan.  Operations since start are cheap.
 */
static void
status(void *arg, struct msg_status *st)
{
	struct metad *env = arg;

	msg_status_add(st, "puts", atomic_load(&env->m_nputs));
	msg_status_add(st, "gets", atomic_load(&env->m_ngets));
	msg_status_add(st, "deletes", atomic_load(&env->m_ndeletes));
	msg_status_add(st, "lists", atomic_load(&env->m_nlists));
	msg_status_add(st, "bucket_ops", atomic_load(&env->m_nbucket_ops));
	msg_status_add(st, "db_bytes", meta_db_size(&env->m_db));
	msg_status_add(st, "commit_batches",
	    atomic_load(&env->m_db.md_commit.mc_nbatches));
	msg_status_add(st, "commit_writes",
	    atomic_load(&env->m_db.md_commit.mc_nwrites));
}

/*
 * metad_apply takes what a reload may change.  The database path, the
 * listen URL and the number of workers are fixed while running: say so if
 * they changed, and keep the running values.
 */
static void
metad_apply(void *arg, const struct conf *nc)
{
	struct metad *env = arg;
	const struct conf *oc = &env->m_conf;

	if (strcmp(oc->c_metad_path, nc->c_metad_path) != 0 ||
	    strcmp(oc->c_metad_listen, nc->c_metad_listen) != 0 ||
	    oc->c_metad_workers != nc->c_metad_workers)
		log_warnx("%s: [metad] path, listen and workers change only "
		    "on restart", env->m_conffile);
	log_setverbose(env->m_verbose);
}

/* metad_start opens the database and starts serving requests. */
static void
metad_start(struct metad *env)
{
	struct conf *c = &env->m_conf;
	int rc;

	if ((rc = util_mkdirs(c->c_run_dir, 0700)) != 0)
		fatalx("%s: %s", c->c_run_dir, cairn_strerror(rc));
	if ((rc = meta_db_open(&env->m_db, c->c_metad_path)) != 0)
		fatalx("%s: cannot open the metadata database: %s",
		    c->c_metad_path, cairn_strerror(rc));
	/* Gateways on this host check the records they keep against these. */
	if (strncmp(c->c_metad_listen, "ipc://", 6) == 0 &&
	    stamp_create(&env->m_db.md_stamps, c->c_metad_listen) != 0)
		log_warnx("no record stamps: gateways will keep no records");
	if ((rc = meta_user_key_load(c->c_metad_path, env->m_user_key)) != 0)
		fatalx("%s/users.key: %s", c->c_metad_path, cairn_strerror(rc));
	rc = rpc_server_start(&env->m_rpc, "metad", c->c_metad_listen,
	    c->c_metad_workers, dispatch, status, env);
	if (rc != 0)
		fatalx("%s: cannot listen: %s", c->c_metad_listen,
		    cairn_strerror(rc));
	rpc_server_group(&env->m_rpc, group);
}

int
main(int argc, char *argv[])
{
	struct metad env;
	int ch, checkonly = 0;

	memset(&env, 0, sizeof(env));
	env.m_conffile = conf_default_path();
	while ((ch = getopt(argc, argv, "df:nv")) != -1) {
		switch (ch) {
		case 'd':
			env.m_verbose = 2;
			break;
		case 'f':
			env.m_conffile = optarg;
			break;
		case 'n':
			checkonly = 1;
			break;
		case 'v':
			if (env.m_verbose < 1)
				env.m_verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	log_init("cairn-metad", env.m_verbose);
	sig_block();
	if (conf_load(&env.m_conf, env.m_conffile) != 0)
		exit(1);
	if (checkonly) {
		fprintf(stderr, "configuration OK\n");
		conf_wipe(&env.m_conf);
		exit(0);
	}

	metad_start(&env);
	sdnotify_ready(METAD_STATUS);
	while (sig_wait() != SIG_STOP)
		conf_reload(env.m_conffile, METAD_STATUS, metad_apply, &env);

	sdnotify_stopping();
	rpc_server_stop(&env.m_rpc);
	stamp_close(env.m_db.md_stamps);
	env.m_db.md_stamps = NULL;
	meta_db_close(&env.m_db);
	explicit_bzero(env.m_user_key, sizeof(env.m_user_key));
	conf_wipe(&env.m_conf);
	log_info("exiting");
	return 0;
}
