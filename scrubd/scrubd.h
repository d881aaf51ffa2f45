/* scrubd.h - cairn-scrubd: bitrot scan, heal, orphan sweep */
#ifndef CAIRN_SCRUBD_H
#define CAIRN_SCRUBD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "proto.h"
#include "rpc.h"
#include "trash.h"

#define SCRUB_NAMEMAX	(PROTO_BUCKETMAX + 1 + PROTO_KEYMAX + 1)
#define SCRUB_QUEUEMAX	256	/* heal requests waiting */
#define SCRUB_PAGE	128	/* records asked of metad per scan page */
#define SCRUB_RECENTMAX	1024	/* heal requests remembered */
#define SCRUB_RECENT_MS	60000	/* an object is healed on read once per */
#define SCRUB_TRASHMAX	65536	/* expired shard sets waiting for deletion */

/* A heal request remembered: the hash of "bucket NUL key", and until when. */
struct scrub_recent {
	uint64_t	rc_hash;
	uint64_t	rc_until_ms;
};

/* scrub_rate.c */

/*
 * A token bucket: sr_rate tokens per second, at most sr_burst saved.
 * A take may overdraw the bucket (a shard larger than the burst still
 * passes); the debt is paid by waiting.  Used by the pass thread only.
 */
struct scrub_rate {
	double		sr_rate;
	double		sr_burst;
	double		sr_tokens;
	uint64_t	sr_last_us;	/* monotonic time of the last refill */
};

/* scrub_rate_init fills a bucket of rate per second, full at now_us. */
void scrub_rate_init(struct scrub_rate *r, double rate, double burst,
    uint64_t now_us);

/*
 * scrub_rate_take takes n tokens at now_us and returns how many
 * microseconds the caller must wait before going on (0: none).
 */
uint64_t scrub_rate_take(struct scrub_rate *r, double n, uint64_t now_us);

/* scrub_ids.c */

/*
 * A set of data ids, filled while a pass walks the records, then sorted
 * once and searched.  16 bytes per object; owned by one pass.
 */
struct scrub_ids {
	uint8_t		(*si_ids)[PROTO_IDLEN];
	size_t		 si_n;
	size_t		 si_cap;
	bool		 si_sorted;
};

/* scrub_ids_add adds id; 0 or CAIRN_ENOMEM. */
int scrub_ids_add(struct scrub_ids *s, const uint8_t *id);

/* scrub_ids_sort sorts the set; scrub_ids_has needs it sorted. */
void scrub_ids_sort(struct scrub_ids *s);

/* scrub_ids_has tells whether id is in the sorted set. */
bool scrub_ids_has(const struct scrub_ids *s, const uint8_t *id);

/* scrub_ids_free releases the set. */
void scrub_ids_free(struct scrub_ids *s);

/* scrub_names.c */

/*
 * A bounded list of object names ("bucket/key"), each malloc'd, with a
 * count of every name ever offered (sn_total may exceed sn_n).
 */
struct scrub_names {
	char		*sn_names[PROTO_SCRUBNAMES];
	uint32_t	 sn_n;
	uint64_t	 sn_total;
};

/* scrub_names_add appends "bucket/key" unless present or full. */
void scrub_names_add(struct scrub_names *l, struct proto_str bucket,
    struct proto_str key);

/* scrub_names_del removes "bucket/key" if present. */
void scrub_names_del(struct scrub_names *l, struct proto_str bucket,
    struct proto_str key);

/* scrub_names_free frees every name. */
void scrub_names_free(struct scrub_names *l);

/* scrub_names_fill points report names at l's strings (not copied). */
void scrub_names_fill(const struct scrub_names *l, struct proto_str *out,
    uint32_t *n);

/* scrub_object.c */

/* What became of one object. */
enum scrub_result {
	SCRUB_HEALTHY,		/* every shard verified */
	SCRUB_HEALED,		/* bad shards rebuilt and verified */
	SCRUB_UNAVAILABLE,	/* a drive did not answer: try later */
	SCRUB_UNRECOVERABLE,	/* fewer than k healthy shards */
	SCRUB_FAILED,		/* healing failed (write error, ...) */
};

/* The counters of one pass, or of the daemon's lifetime. */
struct scrub_counts {
	uint64_t	sc_objects;		/* records looked at */
	uint64_t	sc_shards_verified;
	uint64_t	sc_bytes_verified;
	uint64_t	sc_shards_bad;		/* missing or corrupt found */
	uint64_t	sc_shards_healed;
	uint64_t	sc_objects_healed;
	uint64_t	sc_unrecoverable;
	uint64_t	sc_unavailable;
	uint64_t	sc_heal_failed;
	uint64_t	sc_orphans_removed;
	uint64_t	sc_tmp_removed;
};

struct scrubd;

/*
 * scrub_object verifies every shard of rec (the record of bucket/key),
 * heals what can be healed, adds to counts and returns what became of the
 * object.  *bytes gets the shard bytes read, for the rate limit.  Safe on
 * any thread; heals of one daemon run one at a time.
 */
enum scrub_result scrub_object(struct scrubd *env, struct proto_str bucket,
    struct proto_str key, const struct msg_objrec *rec,
    struct scrub_counts *counts, uint64_t *bytes);

/* scrub_pass.c */

/*
 * One pass over a scope: the records of one bucket under a prefix, or of
 * every bucket.  Owned by the thread that runs it.  A full pass (every
 * bucket) collects the data ids it met in sp_live so that the sweep can
 * tell orphans; it sweeps only if the walk was complete (sp_complete).
 */
struct scrub_pass {
	char			 sp_bucket[PROTO_BUCKETMAX + 1];
	char			 sp_prefix[PROTO_KEYMAX + 1];
	bool			 sp_throttle;	/* obey the rate limits */
	bool			 sp_full;
	bool			 sp_complete;
	uint64_t		 sp_start_s;	/* wall clock */
	struct scrub_counts	 sp_counts;
	struct scrub_names	 sp_healed;
	struct scrub_names	 sp_unrec;
	struct scrub_ids	 sp_live;
	struct scrub_rate	 sp_bytes_rate;
	struct scrub_rate	 sp_objects_rate;
};

/* scrub_pass_init prepares a pass over bucket/prefix (NULL: everything). */
void scrub_pass_init(struct scrub_pass *p, const struct scrubd *env,
    const char *bucket, const char *prefix, bool throttle);

/*
 * scrub_pass_run walks the scope, scrubbing each object, then, for a
 * complete full pass, sweeps orphans.  Returns 0, or an error if the walk
 * stopped early (metad unreachable) or the daemon is stopping.
 */
int scrub_pass_run(struct scrubd *env, struct scrub_pass *p);

/* scrub_counts_add adds every counter of src to dst. */
void scrub_counts_add(struct scrub_counts *dst, const struct scrub_counts *src);

/* scrub_pass_free releases what the pass holds. */
void scrub_pass_free(struct scrub_pass *p);

/* scrub_walk.c */

/*
 * A function called for each record of a walk; non-zero ends the walk
 * with that value.  e lives until the function returns.
 */
typedef int (*scrub_walk_fn)(struct scrubd *env, void *arg,
    const struct msg_scan_entry *e);

/*
 * scrub_walk calls fn for each record metad has under prefix in bucket
 * (the empty bucket: every bucket), in order, a page at a time: each
 * key's latest record, then its noncurrent versions named key NUL
 * order, newest first.  It stops before the next record once the daemon
 * stops.  Returns 0 once every record was seen, fn's non-zero, the error
 * of a page that could not be read, or CAIRN_ECANCELED at a stop.
 */
int scrub_walk(struct scrubd *env, struct proto_str bucket,
    struct proto_str prefix, scrub_walk_fn fn, void *arg);

/* scrub_sweep.c */

/*
 * scrub_sweep removes, on every drive, the shards whose id is not in the
 * pass's live set and whose mtime is older than the pass's start minus
 * the grace, and the temporary files older than that.  Counts in p.
 */
void scrub_sweep(struct scrubd *env, struct scrub_pass *p);

/* scrub_lifecycle.c */

/* The counters of lifecycle passes. */
struct scrub_lc_counts {
	uint64_t	lc_checked;	/* records looked at */
	uint64_t	lc_expired;	/* current versions removed */
	uint64_t	lc_skipped;	/* due, but overwritten since: kept */
	uint64_t	lc_aborted;	/* multipart uploads aborted */
	uint64_t	lc_errors;	/* metad calls that failed */
	uint64_t	lc_nc_expired;	/* noncurrent versions removed */
	uint64_t	lc_markers;	/* expired delete markers removed */
	uint64_t	lc_locked;	/* due, but kept by object lock */
};

/*
 * scrub_lifecycle_run runs one lifecycle pass over every bucket that has
 * a configuration (throttled by objects_per_sec if throttle), adds its
 * counts to the daemon's and copies them to counts.  Passes run one at a
 * time (sd_lc_lock).
 */
void scrub_lifecycle_run(struct scrubd *env, bool throttle,
    struct scrub_lc_counts *counts);

/* scrub_lifecycle_thread runs a throttled pass every lifecycle_interval. */
void *scrub_lifecycle_thread(void *arg);

/*
 * scrub_lifecycle_delete deletes the shards of an expired version or an
 * aborted upload's part once delete_delay is over: the deleter of
 * sd_trash, called on its thread.
 */
void scrub_lifecycle_delete(void *arg, const struct trash_item *it);

/* scrubd.c */

/*
 * The daemon, one per process, on main()'s stack.  The main thread fills
 * sd_conf, the clients and what scrubd.state holds before any thread
 * starts and never changes sd_conf after (a reload changes only the rate limits, the interval and the
 * grace, under sd_lock).  sd_lock guards the heal queue, the drive ids,
 * sd_unrec, sd_total and the wake/stop flags; sd_heal_lock lets one heal
 * run at a time.  Threads: the RPC workers, the pass thread (periodic,
 * throttled passes), the heal thread (heal-on-read requests), the
 * lifecycle thread and sd_trash's, which deletes what lifecycle passes
 * (on the lifecycle thread or an RPC worker) expired.
 */
struct scrubd {
	struct conf		 sd_conf;
	const char		*sd_conffile;
	int			 sd_verbose;
	struct rpc_server	 sd_rpc;
	struct rpc_client	*sd_metad;
	struct rpc_client	*sd_chunk[CONF_DRIVEMAX];
	int			 sd_ndrives;

	pthread_mutex_t		 sd_lock;
	pthread_cond_t		 sd_cond;
	pthread_mutex_t		 sd_heal_lock;
	pthread_t		 sd_pass_thread;
	pthread_t		 sd_heal_thread;
	pthread_t		 sd_lc_thread;
	pthread_mutex_t		 sd_lc_lock;	/* one lifecycle pass at a time */
	bool			 sd_stop;
	bool			 sd_wake;	/* start a pass now */
	bool			 sd_state_dirty;	/* drive ids to save */
	char			 sd_drive_id[CONF_DRIVEMAX][40];
	char			*sd_queue[SCRUB_QUEUEMAX];	/* bucket NUL key */
	size_t			 sd_queue_len[SCRUB_QUEUEMAX];
	struct scrub_recent	 sd_recent[SCRUB_RECENTMAX];
	int			 sd_nqueue;
	struct scrub_counts	 sd_total;
	struct scrub_names	 sd_unrec;	/* unrecoverable now */
	uint64_t		 sd_passes;
	uint64_t		 sd_pass_running;	/* 1 while a pass runs */
	uint64_t		 sd_pass_objects;	/* of the running pass */
	uint64_t		 sd_last_pass_start;	/* wall clock, s */
	uint64_t		 sd_last_pass_end;
	uint64_t		 sd_drives_replaced;
	uint64_t		 sd_heal_requests;
	uint64_t		 sd_started_s;
	struct scrub_lc_counts	 sd_lc_total;
	uint64_t		 sd_lc_passes;
	uint64_t		 sd_lc_last_end;	/* wall clock, s */
	struct trash		 sd_trash;	/* [gatewayd] delete_delay */
};

/* scrubd_add_counts adds c to the daemon's totals. */
void scrubd_add_counts(struct scrubd *env, const struct scrub_counts *c);

/* scrubd_stopping tells whether the daemon is shutting down. */
bool scrubd_stopping(struct scrubd *env);

/*
 * scrubd_drive_seen records the drive id a chunkd reported; a change means
 * the drive was replaced: logged, counted, and a pass is started.
 */
void scrubd_drive_seen(struct scrubd *env, int drive, struct proto_str id);

/* scrubd_sleep_us waits us microseconds or until the daemon stops. */
void scrubd_sleep_us(struct scrubd *env, uint64_t us);

/* scrubd_unrec marks bucket/key unrecoverable now (or no longer). */
void scrubd_unrec(struct scrubd *env, struct proto_str bucket,
    struct proto_str key, bool unrec);

#endif
