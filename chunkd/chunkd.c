/* chunkd.c - cairn-chunkd: serves the shards of one drive over nng */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chunkd.h"
#include "conf.h"
#include "errors.h"
#include "log.h"
#include "proto.h"
#include "rpc.h"
#include "sdnotify.h"
#include "sig.h"
#include "util.h"

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: cairn-chunkd [-dnv] [-f file] drive\n");
	exit(1);
}

static int
chunkd_write(struct chunkd *env, const struct proto_msg *req,
    msgpack_packer *reply)
{
	struct msg_chunk_write w;
	struct arena_map *m = NULL;
	const void *data;
	int rc;

	if ((rc = msg_chunk_write_unpack(req->pm_payload, &w)) != 0)
		return rc;
	if (w.cw_arena.ps_len > 0) {
		if ((rc = arena_maps_get(&env->ck_arenas, w.cw_arena,
		    w.cw_arena_off, w.cw_data.ps_len, &data, &m)) != 0)
			return rc;
		w.cw_data.ps_ptr = data;
	}
	rc = chunk_store_write(&env->ck_store, &w);
	if (m != NULL) {
		arena_maps_put(&env->ck_arenas, m);
		if (rc == 0)
			atomic_fetch_add(&env->ck_shared_writes, 1);
	}
	if (rc != 0)
		return rc;
	proto_pack_nil(reply);
	return 0;
}

/* read_room makes room for a block in the reply, after its header. */
static void *
read_room(void *arg, size_t len)
{
	unsigned char *p = rpc_reply_room(arg, MSG_CHUNK_DATA_HEAD + len);

	return p == NULL ? NULL : p + MSG_CHUNK_DATA_HEAD;
}

/*
 * chunkd_read reads the block straight into the reply: one copy, from the
 * page cache, instead of into a buffer and again into the message.
 */
static int
chunkd_read(struct chunkd *env, const struct proto_msg *req,
    msgpack_packer *reply)
{
	struct msg_chunk_read r;
	struct msg_chunk_data d;
	unsigned char *data;
	int rc;

	if ((rc = msg_chunk_read_unpack(req->pm_payload, &r)) != 0)
		return rc;
	/* In a batch, a read from the disk goes to the pool (rpc_batch_nowait). */
	rc = chunk_store_read(&env->ck_store, &r, read_room, reply, &d,
	    rpc_batch_nowait());
	if (rc != 0)
		return rc;
	data = (unsigned char *)d.cd_data.ps_ptr;
	msg_chunk_data_head(data - MSG_CHUNK_DATA_HEAD, d.cd_crc,
	    (uint32_t)d.cd_data.ps_len);
	rpc_reply_fill(reply, MSG_CHUNK_DATA_HEAD + d.cd_data.ps_len);
	return 0;
}

static int
chunkd_delete(struct chunkd *env, const struct proto_msg *req,
    msgpack_packer *reply)
{
	struct msg_chunk_ref c;
	int rc;

	if ((rc = msg_chunk_ref_unpack(req->pm_payload, &c)) != 0)
		return rc;
	if ((rc = chunk_store_delete(&env->ck_store, &c)) != 0)
		return rc;
	proto_pack_nil(reply);
	return 0;
}

/* dispatch runs on the RPC worker threads, several at once. */
static int
dispatch(void *arg, const struct proto_msg *req, msgpack_packer *reply)
{
	struct chunkd *env = arg;

	switch (req->pm_type) {
	case MSG_CHUNK_WRITE:
		return chunkd_write(env, req, reply);
	case MSG_CHUNK_READ:
		return chunkd_read(env, req, reply);
	case MSG_CHUNK_DELETE:
		return chunkd_delete(env, req, reply);
	default:
		return chunk_scrub_dispatch(env, req, reply);
	}
}

/* status adds the drive's space and counters to MSG_CTL_STATUS. */
static void
status(void *arg, struct msg_status *st)
{
	struct chunkd *env = arg;
	struct chunk_store_stats s;

	chunk_store_stats(&env->ck_store, &s);
	msg_status_add(st, "free_bytes", s.css_free_bytes);
	msg_status_add(st, "total_bytes", s.css_total_bytes);
	msg_status_add(st, "writes", s.css_writes);
	msg_status_add(st, "reads", s.css_reads);
	msg_status_add(st, "deletes", s.css_deletes);
	msg_status_add(st, "checksum_errors", s.css_checksum_errors);
	msg_status_add(st, "spares", s.css_spares);
	msg_status_add(st, "shared_writes", atomic_load(&env->ck_shared_writes));
	msg_status_add(st, "direct_writes", s.css_direct_writes);
}

/*
 * chunkd_apply takes what a reload may change: drop_behind, direct_write
 * and the log level.  The drive's path and listen URL and the number of
 * workers are fixed while running: say so if they changed, and keep the
 * running values.
 */
static void
chunkd_apply(void *arg, const struct conf *nc)
{
	struct chunkd *env = arg;
	const struct conf *oc = &env->ck_conf;
	const struct conf_drive *od, *nd;
	int i;

	od = &oc->c_drives[conf_drive_find(oc, env->ck_drive)];
	if ((i = conf_drive_find(nc, env->ck_drive)) == -1) {
		log_warnx("%s: no [drive %s] any more; still serving it",
		    env->ck_conffile, env->ck_drive);
		return;
	}
	nd = &nc->c_drives[i];
	if (strcmp(od->cd_path, nd->cd_path) != 0 ||
	    strcmp(od->cd_listen, nd->cd_listen) != 0 ||
	    oc->c_chunkd_workers != nc->c_chunkd_workers)
		log_warnx("%s: [drive %s] path and listen and [chunkd] "
		    "workers change only on restart", env->ck_conffile,
		    env->ck_drive);
	atomic_store(&env->ck_store.cs_drop_behind, nc->c_chunkd_drop_behind);
	atomic_store(&env->ck_store.cs_direct, nc->c_chunkd_direct_write != 0);
	log_setverbose(env->ck_verbose);
}

/* chunkd_start opens the drive and starts serving requests. */
static void
chunkd_start(struct chunkd *env, const struct conf_drive *d)
{
	struct conf *c = &env->ck_conf;
	int rc;

	if ((rc = util_mkdirs(c->c_run_dir, 0700)) != 0)
		fatalx("%s: %s", c->c_run_dir, cairn_strerror(rc));
	if ((rc = arena_maps_init(&env->ck_arenas)) != 0)
		fatalx("%s", cairn_strerror(rc));
	if ((rc = chunk_store_open(&env->ck_store, d->cd_path)) != 0)
		fatalx("drive %s: cannot open %s: %s", d->cd_name, d->cd_path,
		    cairn_strerror(rc));
	log_info("drive %s: %s, drive id %s", d->cd_name, d->cd_path,
	    chunk_store_drive_id(&env->ck_store));
	atomic_store(&env->ck_store.cs_drop_behind, c->c_chunkd_drop_behind);
	atomic_store(&env->ck_store.cs_direct, c->c_chunkd_direct_write != 0);
	rc = rpc_server_start(&env->ck_rpc, env->ck_name, d->cd_listen,
	    c->c_chunkd_workers, dispatch, status, env);
	if (rc != 0)
		fatalx("%s: cannot listen: %s", d->cd_listen,
		    cairn_strerror(rc));
}

int
main(int argc, char *argv[])
{
	struct chunkd env;
	int ch, checkonly = 0, i;

	memset(&env, 0, sizeof(env));
	env.ck_conffile = conf_default_path();
	while ((ch = getopt(argc, argv, "df:nv")) != -1) {
		switch (ch) {
		case 'd':
			env.ck_verbose = 2;
			break;
		case 'f':
			env.ck_conffile = optarg;
			break;
		case 'n':
			checkonly = 1;
			break;
		case 'v':
			if (env.ck_verbose < 1)
				env.ck_verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1 || strlen(argv[optind]) >= CONF_NAMEMAX)
		usage();
	env.ck_drive = argv[optind];
	snprintf(env.ck_name, sizeof(env.ck_name), "chunkd %s", env.ck_drive);
	snprintf(env.ck_procname, sizeof(env.ck_procname), "cairn-chunkd@%s",
	    env.ck_drive);

	log_init(env.ck_procname, env.ck_verbose);
	sig_block();
	if (conf_load(&env.ck_conf, env.ck_conffile) != 0)
		exit(1);
	conf_wipe(&env.ck_conf);	/* chunkd has no use for secrets */
	if ((i = conf_drive_find(&env.ck_conf, env.ck_drive)) == -1) {
		log_warnx("%s: no [drive %s] section", env.ck_conffile,
		    env.ck_drive);
		exit(1);
	}
	if (checkonly) {
		fprintf(stderr, "configuration OK\n");
		exit(0);
	}

	chunkd_start(&env, &env.ck_conf.c_drives[i]);
	sdnotify_ready(env.ck_name);
	while (sig_wait() != SIG_STOP)
		conf_reload(env.ck_conffile, env.ck_name, chunkd_apply, &env);

	sdnotify_stopping();
	rpc_server_stop(&env.ck_rpc);
	chunk_store_close(&env.ck_store);
	arena_maps_fini(&env.ck_arenas);
	log_info("exiting");
	return 0;
}
