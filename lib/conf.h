/* conf.h - cairn.conf: one INI file, a section per daemon, CAIRN_* overrides */
#ifndef CAIRN_CONF_H
#define CAIRN_CONF_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#define CONF_DRIVEMAX	16		/* drives in one erasure set */
#define CONF_NAMEMAX	32		/* drive name, [drive NAME] */
#define CONF_URLMAX	(PATH_MAX + 16)	/* nng URL, "ipc://" + path */
#define CONF_KEYMAX	128		/* access key or secret key */

/* One [drive NAME] section: a directory served by one cairn-chunkd. */
struct conf_drive {
	char	cd_name[CONF_NAMEMAX];
	char	cd_path[PATH_MAX];	/* default: data_dir/drives/NAME */
	char	cd_listen[CONF_URLMAX];	/* default: ipc://run_dir/chunkd-NAME.sock */
};

/*
 * The whole configuration, filled by conf_load and then read-only.  Each
 * daemon keeps one in its env; a reload loads a new one and swaps it in.
 * The drives keep the order of their sections: that order is the erasure
 * set's drive order, which placement depends on.
 */
struct conf {
	/* [cluster] */
	char	c_data_dir[PATH_MAX];
	char	c_run_dir[PATH_MAX];
	char	c_region[64];
	char	c_root_access_key[CONF_KEYMAX];
	char	c_root_secret_key[CONF_KEYMAX];
	int	c_parity;		/* m; -1 chooses from the set size */
	uint64_t c_inline_max;		/* objects up to this size live in metad */
	int	c_rpc_timeout_ms;

	/* [metad] */
	char	c_metad_path[PATH_MAX];
	char	c_metad_listen[CONF_URLMAX];
	int	c_metad_workers;

	/* [chunkd] */
	int	c_chunkd_workers;
	uint64_t c_chunkd_drop_behind;	/* shards this large leave the cache */
	int	c_chunkd_direct_write;	/* O_DIRECT for page-aligned blocks */

	/* [gatewayd] */
	char	c_gw_listen[128];	/* host:port */
	char	c_gw_control[CONF_URLMAX];	/* default: ipc://run_dir/gatewayd.sock */
	char	c_gw_domains[512];	/* virtual-host style: "s3.example.com,..." */
	int	c_gw_threads;		/* HTTP event loops */
	int	c_gw_workers;		/* threads running S3 requests */
	int	c_gw_rpc_batch;		/* metad reads per message, at most */
	int	c_gw_rpc_wbatch;	/* metad commits per message, at most */
	int	c_gw_rpc_inflight;	/* messages of reads out at once */
	int	c_gw_rpc_winflight;	/* messages of writes out at once */
	int	c_gw_fast_path;		/* the loop answers inline GETs */
	char	c_gw_tmp_dir[PATH_MAX];	/* where large bodies are staged */
	uint64_t c_gw_max_object;	/* largest single PUT */
	uint64_t c_gw_max_memory;	/* stripe buffers in flight; 0: no cap */
	int	c_gw_max_memory_wait_ms;	/* then 503 SlowDown */
	uint64_t c_gw_shared_memory;	/* stripe buffers chunkd reads; 0: none */
	uint64_t c_gw_record_cache;	/* object records kept; 0: none */
	int	c_gw_delete_delay_s;	/* replaced shards wait this long */
	char	c_gw_tls_cert[PATH_MAX];	/* PEM chain; "": plain HTTP */
	char	c_gw_tls_key[PATH_MAX];		/* PEM private key */
	int	c_gw_tls_http2;		/* 1: ALPN offers h2 as well */

	/* [scrubd] */
	char	c_scrub_listen[CONF_URLMAX];	/* default: ipc://run_dir/scrubd.sock */
	int	c_scrub_workers;
	uint64_t c_scrub_bytes_per_sec;	/* shard bytes verified per second */
	int	c_scrub_objects_per_sec;
	int	c_scrub_interval_s;	/* from the end of a pass to the next */
	int	c_scrub_orphan_grace_s;	/* an unreferenced shard is kept this long */
	int	c_lc_interval_s;	/* between lifecycle passes */
	int	c_lc_day_s;		/* a lifecycle "day" (tests shorten it) */

	int	c_ndrives;
	struct conf_drive c_drives[CONF_DRIVEMAX];
};

/* conf_default_path returns $CAIRN_CONF or SYSCONFDIR/cairn/cairn.conf. */
const char *conf_default_path(void);

/*
 * conf_load fills conf from the defaults, then the file at path (which must
 * exist), then CAIRN_* environment variables, and validates the result.
 * Problems are logged with log_warnx, naming the file, section and key.
 * Returns 0 or CAIRN_ECONF.
 */
int conf_load(struct conf *conf, const char *path);

/* conf_load_string is conf_load on INI text instead of a file (tests). */
int conf_load_string(struct conf *conf, const char *text);

/* conf_drive_find returns the index of the drive named name, or -1. */
int conf_drive_find(const struct conf *conf, const char *name);

/* conf_parity returns m for the erasure set: c_parity or MinIO's table. */
int conf_parity(const struct conf *conf);

/* conf_wipe clears the secrets in conf (explicit_bzero). */
void conf_wipe(struct conf *conf);

/*
 * conf_reload loads path again, on SIGHUP, telling systemd it reloads and
 * then that it is ready with status.  If the file is valid, apply(arg,
 * new) takes what may change while running (and says what does not);
 * otherwise the running configuration stays and a warning says so.
 */
void conf_reload(const char *path, const char *status,
    void (*apply)(void *arg, const struct conf *new), void *arg);

#endif
