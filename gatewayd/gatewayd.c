/* gatewayd.c - cairn-gatewayd: main, control socket and signals */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errors.h"
#include "gatewayd.h"
#include "log.h"
#include "sdnotify.h"
#include "sig.h"
#include "util.h"

#define GATEWAYD_CTL_WORKERS	2

static struct gatewayd gatewayd_env;

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: cairn-gatewayd [-dnv] [-f file]\n");
	exit(1);
}

/* on_status adds the gateway's counters to the control status reply. */
static void
on_status(void *arg, struct msg_status *st)
{
	struct gatewayd *env = arg;
	static const char *const names[] = {
		"requests", "errors", "bytes_in", "bytes_out", "drives_up",
		"mem_used", "mem_peak", "mem_refused", "trash_queued",
		"metad_batches", "metad_batched", "loop_answered",
		"loop_resumed", "md5_passes", "md5_lanes", "shared_blocks",
		"shared_refused", "record_hits", "record_misses", "record_bytes"
	};
	struct memcap *mc = &env->gw_backend.be_memcap;
	struct md5mb *mm = &env->gw_backend.be_md5mb;
	uint64_t values[20];
	int i, up = 0;

	for (i = 0; i < env->gw_backend.be_ndrives; i++)
		up += rpc_client_connected(env->gw_backend.be_chunk[i]);
	values[0] = atomic_load(&env->gw_requests);
	values[1] = atomic_load(&env->gw_errors);
	values[2] = atomic_load(&env->gw_bytes_in);
	values[3] = atomic_load(&env->gw_bytes_out);
	values[4] = (uint64_t)up;
	pthread_mutex_lock(&mc->mc_lock);
	values[5] = mc->mc_used;
	values[6] = mc->mc_peak;
	values[7] = mc->mc_refused;
	pthread_mutex_unlock(&mc->mc_lock);
	values[8] = trash_queued(&env->gw_backend.be_trash);
	rpc_client_batches(env->gw_backend.be_metad, &values[9], &values[10]);
	values[11] = atomic_load(&env->gw_fast_answered);
	values[12] = atomic_load(&env->gw_fast_resumed);
	pthread_mutex_lock(&mm->mm_lock);
	values[13] = mm->mm_passes;
	values[14] = mm->mm_lanes_used;
	pthread_mutex_unlock(&mm->mm_lock);
	values[15] = atomic_load(&env->gw_backend.be_arena_blocks);
	values[16] = atomic_load(&env->gw_backend.be_arena_refused);
	rcache_counts(env->gw_backend.be_rcache, &values[17], &values[18],
	    &values[19]);
	for (i = 0; i < 20; i++)
		msg_status_add(st, names[i], values[i]);
}

/* dispatch: the control socket answers only the shared messages. */
static int
dispatch(void *env, const struct proto_msg *req, msgpack_packer *reply)
{
	(void)env;
	(void)req;
	(void)reply;
	return CAIRN_EMSGTYPE;
}

/*
 * apply takes delete_delay from a reloaded configuration; the gateway
 * reads the rest (listen address, drives, credentials) once, at start.
 */
static void
apply(void *arg, const struct conf *nc)
{
	struct gatewayd *env = arg;

	trash_set_delay(&env->gw_backend.be_trash,
	    (uint64_t)nc->c_gw_delete_delay_s * 1000);
	log_info("delete_delay now %d s", nc->c_gw_delete_delay_s);
	log_info("listen address, drives and credentials change only on "
	    "restart");
}

int
main(int argc, char *argv[])
{
	struct gatewayd *env = &gatewayd_env;
	const char *conffile = conf_default_path();
	int ch, debug = 0, verbose = 0, noaction = 0, rc;

	while ((ch = getopt(argc, argv, "df:nv")) != -1) {
		switch (ch) {
		case 'd':	debug = 1; break;
		case 'f':	conffile = optarg; break;
		case 'n':	noaction = 1; break;
		case 'v':	verbose = 1; break;
		default:	usage();
		}
	}
	if (optind != argc)
		usage();
	verbose = debug ? 2 : verbose;
	log_init("cairn-gatewayd", verbose);
	sig_block();
	if (conf_load(&env->gw_conf, conffile) != 0)
		exit(1);
	if (env->gw_conf.c_root_access_key[0] == '\0' ||
	    env->gw_conf.c_root_secret_key[0] == '\0')
		fatalx("%s: [cluster] root_access_key and root_secret_key "
		    "must be set", conffile);
	if (noaction) {
		fprintf(stderr, "configuration OK\n");
		exit(0);
	}
	if ((rc = util_mkdirs(env->gw_conf.c_run_dir, 0700)) != 0)
		fatalx("%s: %s", env->gw_conf.c_run_dir, cairn_strerror(rc));
	if ((rc = backend_open(&env->gw_backend, &env->gw_conf)) != 0)
		fatalx("backend: %s", cairn_strerror(rc));
	if (users_init(env) != 0 || s3_policy_init(env) != 0)
		fatalx("out of memory");
	log_info("erasure set: %d drives, %d data + %d parity, write quorum "
	    "%d", env->gw_backend.be_ndrives, env->gw_backend.be_k,
	    env->gw_backend.be_m, backend_quorum(&env->gw_backend));
	if (rpc_server_start(&env->gw_ctl, "gatewayd", env->gw_conf.c_gw_control,
	    GATEWAYD_CTL_WORKERS, dispatch, on_status, env) != 0)
		fatalx("control socket %s", env->gw_conf.c_gw_control);
	if ((rc = http_start(env, s3_serve, &s3_fast)) != 0)
		fatalx("cannot serve S3 on %s: %s", env->gw_conf.c_gw_listen,
		    cairn_strerror(rc));
	sdnotify_ready("serving S3");
	while (sig_wait() == SIG_RELOAD)
		conf_reload(conffile, "serving S3", apply, env);
	sdnotify_stopping();
	log_info("stopping: waiting for requests in flight");
	http_stop(env);
	rpc_server_stop(&env->gw_ctl);
	arena_unlink(&env->gw_backend.be_arena);
	conf_wipe(&env->gw_conf);
	log_info("exiting");
	/* Event loop and worker threads end with the process. */
	_exit(0);
}
