/* scrubd.c - cairn-scrubd: main, request dispatch, pass and heal threads */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "errors.h"
#include "log.h"
#include "proto.h"
#include "rpc.h"
#include "scrubd.h"
#include "sdnotify.h"
#include "sig.h"
#include "util.h"

#define SCRUBD_STATUS	"scrubbing"
#define SCRUBD_STATE	"scrubd.state"	/* in data_dir: last pass, drives */
#define SCRUBD_PROBE_S	60		/* drive ids are checked this often */

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: cairn-scrubd [-dnv] [-f file]\n");
	exit(1);
}

static uint64_t
now_s(void)
{
	return util_now_ns() / 1000000000u;
}

void
scrubd_add_counts(struct scrubd *env, const struct scrub_counts *c)
{
	pthread_mutex_lock(&env->sd_lock);
	scrub_counts_add(&env->sd_total, c);
	pthread_mutex_unlock(&env->sd_lock);
}

bool
scrubd_stopping(struct scrubd *env)
{
	bool stop;

	pthread_mutex_lock(&env->sd_lock);
	stop = env->sd_stop;
	pthread_mutex_unlock(&env->sd_lock);
	return stop;
}

void
scrubd_drive_seen(struct scrubd *env, int drive, struct proto_str id)
{
	char *seen;

	if (drive < 0 || id.ps_len == 0 || id.ps_len >= 40)
		return;
	pthread_mutex_lock(&env->sd_lock);
	seen = env->sd_drive_id[drive];
	if (seen[0] != '\0' && !proto_str_eq(id, seen)) {
		log_warnx("drive %s: drive id is now %.*s, was %s: the drive "
		    "was replaced; its shards are rebuilt by healing",
		    env->sd_conf.c_drives[drive].cd_name, (int)id.ps_len,
		    id.ps_ptr, seen);
		env->sd_drives_replaced++;
		env->sd_wake = true;
		pthread_cond_broadcast(&env->sd_cond);
	}
	if (!proto_str_eq(id, seen))
		env->sd_state_dirty = true;
	memcpy(seen, id.ps_ptr, id.ps_len);
	seen[id.ps_len] = '\0';
	pthread_mutex_unlock(&env->sd_lock);
}

/* scrubd_wait_until waits on sd_cond (sd_lock held) until the deadline. */
static void
scrubd_wait_until(struct scrubd *env, const struct timespec *deadline)
{
	int rc;

	rc = pthread_cond_timedwait(&env->sd_cond, &env->sd_lock, deadline);
	if (rc != 0 && rc != ETIMEDOUT && rc != EINTR)
		fatalx("%s: pthread_cond_timedwait: %s", __func__,
		    strerror(rc));
}

static struct timespec
deadline_us(uint64_t us)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)(us / 1000000);
	ts.tv_nsec += (long)(us % 1000000) * 1000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	return ts;
}

void
scrubd_sleep_us(struct scrubd *env, uint64_t us)
{
	struct timespec ts;

	if (us == 0)
		return;
	ts = deadline_us(us);
	pthread_mutex_lock(&env->sd_lock);
	while (!env->sd_stop && util_now_ns() / 1000 <
	    (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000)
		scrubd_wait_until(env, &ts);
	pthread_mutex_unlock(&env->sd_lock);
}

void
scrubd_unrec(struct scrubd *env, struct proto_str bucket,
    struct proto_str key, bool unrec)
{
	pthread_mutex_lock(&env->sd_lock);
	if (unrec)
		scrub_names_add(&env->sd_unrec, bucket, key);
	else
		scrub_names_del(&env->sd_unrec, bucket, key);
	pthread_mutex_unlock(&env->sd_lock);
}

/* --- the state file: last pass end, drive ids ----------------------------- */

static void
state_path(const struct scrubd *env, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", env->sd_conf.c_data_dir, SCRUBD_STATE);
}

/* state_line takes one line of the state file. */
static void
state_line(struct scrubd *env, const char *line)
{
	char name[CONF_NAMEMAX], id[40];
	unsigned long long v;
	int d;

	if (sscanf(line, "last_pass_end=%llu", &v) == 1)
		env->sd_last_pass_end = v;
	else if (sscanf(line, "drive %31s %39s", name, id) == 2 &&
	    (d = conf_drive_find(&env->sd_conf, name)) != -1)
		snprintf(env->sd_drive_id[d], sizeof(env->sd_drive_id[d]),
		    "%s", id);
}

/* state_read loads what the last run knew; nothing if there is no file. */
static void
state_read(struct scrubd *env)
{
	char path[PATH_MAX + 32], line[256];
	FILE *fp;

	state_path(env, path, sizeof(path));
	if ((fp = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), fp) != NULL)
		state_line(env, line);
	fclose(fp);
}

/*
 * state_write records the end of the last full pass and the drive ids,
 * through a rename; a lost update costs one early pass or one missed
 * "replaced" message, never data.
 */
static void
state_write(struct scrubd *env)
{
	char path[PATH_MAX + 32], tmp[PATH_MAX + 40];
	FILE *fp;
	int d;

	state_path(env, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	if ((fp = fopen(tmp, "w")) == NULL) {
		log_warn("%s", tmp);
		return;
	}
	pthread_mutex_lock(&env->sd_lock);
	fprintf(fp, "last_pass_end=%" PRIu64 "\n", env->sd_last_pass_end);
	for (d = 0; d < env->sd_ndrives; d++)
		if (env->sd_drive_id[d][0] != '\0')
			fprintf(fp, "drive %s %s\n",
			    env->sd_conf.c_drives[d].cd_name,
			    env->sd_drive_id[d]);
	env->sd_state_dirty = false;
	pthread_mutex_unlock(&env->sd_lock);
	if (fclose(fp) != 0 || rename(tmp, path) != 0)
		log_warn("%s", path);
}

/* state_save writes the state file if a drive id changed since. */
static void
state_save(struct scrubd *env)
{
	bool dirty;

	pthread_mutex_lock(&env->sd_lock);
	dirty = env->sd_state_dirty;
	pthread_mutex_unlock(&env->sd_lock);
	if (dirty)
		state_write(env);
}

/*
 * probe_drives asks each drive to verify a data id that never exists:
 * the answer carries its UUID, so a replaced drive is noticed within a
 * minute even between passes.
 */
static void
probe_drives(struct scrubd *env)
{
	struct msg_chunk_ref ref;
	struct msg_chunk_verify v;
	struct rpc_call c;
	int d;

	memset(&ref, 0, sizeof(ref));
	for (d = 0; d < env->sd_ndrives; d++) {
		if (!rpc_client_connected(env->sd_chunk[d]))
			continue;
		if (rpc_call_init(&c, env->sd_chunk[d], MSG_CHUNK_VERIFY) == 0) {
			msg_chunk_ref_pack(rpc_call_packer(&c), &ref);
			if (rpc_call_run(&c) == 0 &&
			    msg_chunk_verify_unpack(c.rc_reply.pm_payload,
			    &v) == 0)
				scrubd_drive_seen(env, d, v.cv_drive_id);
		}
		rpc_call_fini(&c);
	}
}

/* --- passes ----------------------------------------------------------------- */

/* run_pass runs one pass over bucket/prefix and keeps the books. */
static int
run_pass(struct scrubd *env, struct scrub_pass *p, const char *bucket,
    const char *prefix, bool throttle)
{
	uint64_t end;
	int rc;

	pthread_mutex_lock(&env->sd_lock);
	scrub_pass_init(p, env, bucket, prefix, throttle);
	env->sd_pass_running++;
	env->sd_pass_objects = 0;
	env->sd_last_pass_start = p->sp_start_s;
	pthread_mutex_unlock(&env->sd_lock);
	rc = scrub_pass_run(env, p);
	end = now_s();
	pthread_mutex_lock(&env->sd_lock);
	env->sd_pass_running--;
	if (p->sp_complete)
		env->sd_passes++;
	if (p->sp_complete && p->sp_full)
		env->sd_last_pass_end = end;
	pthread_mutex_unlock(&env->sd_lock);
	if (p->sp_complete && p->sp_full)
		state_write(env);
	else
		state_save(env);
	return rc;
}

/*
 * pass_due waits (sd_lock held) until next or a wake-up, probing the
 * drives every minute meanwhile; false: stop.
 */
static bool
pass_due(struct scrubd *env, uint64_t next)
{
	struct timespec ts;
	uint64_t now;

	while (!env->sd_stop && !env->sd_wake && (now = now_s()) < next) {
		ts = deadline_us((next - now < SCRUBD_PROBE_S ? next - now :
		    SCRUBD_PROBE_S) * 1000000);
		scrubd_wait_until(env, &ts);
		if (env->sd_stop)
			break;
		pthread_mutex_unlock(&env->sd_lock);
		probe_drives(env);
		state_save(env);
		pthread_mutex_lock(&env->sd_lock);
	}
	env->sd_wake = false;
	return !env->sd_stop;
}

/* pass_thread runs a throttled full pass every interval. */
static void *
pass_thread(void *arg)
{
	struct scrubd *env = arg;
	struct scrub_pass p;
	uint64_t next;

	pthread_mutex_lock(&env->sd_lock);
	next = env->sd_last_pass_end + (uint64_t)env->sd_conf.c_scrub_interval_s;
	while (pass_due(env, next)) {
		pthread_mutex_unlock(&env->sd_lock);
		(void)run_pass(env, &p, NULL, NULL, true);
		scrub_pass_free(&p);
		pthread_mutex_lock(&env->sd_lock);
		next = now_s() + (uint64_t)env->sd_conf.c_scrub_interval_s;
	}
	pthread_mutex_unlock(&env->sd_lock);
	return NULL;
}

/* --- heal on read ------------------------------------------------------------ */

/* heal_named looks up bucket/key in metad and scrubs that object. */
static void
heal_named(struct scrubd *env, const char *bucket, const char *key,
    size_t klen)
{
	struct msg_obj_ref ref;
	struct msg_objrec rec;
	struct scrub_counts cnt;
	struct rpc_call c;
	uint64_t bytes;
	int rc;

	ref.r_bucket = proto_str_c(bucket);
	ref.r_key.ps_ptr = key;
	ref.r_key.ps_len = klen;
	if ((rc = rpc_call_init(&c, env->sd_metad, MSG_META_OBJ_GET)) == 0) {
		msg_obj_ref_pack(rpc_call_packer(&c), &ref);
		if ((rc = rpc_call_run(&c)) == 0)
			rc = msg_objrec_unpack(c.rc_reply.pm_payload, &rec);
	}
	if (rc == 0) {
		memset(&cnt, 0, sizeof(cnt));
		(void)scrub_object(env, ref.r_bucket, ref.r_key, &rec, &cnt,
		    &bytes);
		scrubd_add_counts(env, &cnt);
	} else if (rc != CAIRN_ENOKEY && rc != CAIRN_ENOBUCKET)
		log_warnx("heal %s/%.*s: %s", bucket, (int)klen, key,
		    cairn_strerror(rc));
	rpc_call_fini(&c);
}

/* heal_thread takes heal requests off the queue, oldest first. */
static void *
heal_thread(void *arg)
{
	struct scrubd *env = arg;
	struct timespec ts;
	size_t len;
	char *item;

	pthread_mutex_lock(&env->sd_lock);
	while (!env->sd_stop) {
		if (env->sd_nqueue == 0) {
			ts = deadline_us(60 * 1000000);
			scrubd_wait_until(env, &ts);
			continue;
		}
		item = env->sd_queue[0];
		len = env->sd_queue_len[0];
		env->sd_nqueue--;
		memmove(env->sd_queue, env->sd_queue + 1,
		    sizeof(env->sd_queue[0]) * (size_t)env->sd_nqueue);
		memmove(env->sd_queue_len, env->sd_queue_len + 1,
		    sizeof(env->sd_queue_len[0]) * (size_t)env->sd_nqueue);
		pthread_mutex_unlock(&env->sd_lock);
		heal_named(env, item, item + strlen(item) + 1,
		    len - strlen(item) - 1);
		free(item);
		pthread_mutex_lock(&env->sd_lock);
	}
	pthread_mutex_unlock(&env->sd_lock);
	return NULL;
}

/*
 * heal_recent tells whether the object was asked for in the last minute,
 * and notes it.  A degraded object is read again and again, and each read
 * asks for a heal; one heal a minute is enough (sd_lock held).
 */
static bool
heal_recent(struct scrubd *env, const char *item, size_t len)
{
	struct scrub_recent *r;
	uint64_t h = 14695981039346656037ull, now = util_mono_ms();
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)item[i]) * 1099511628211ull;
	r = &env->sd_recent[h % SCRUB_RECENTMAX];
	if (r->rc_hash == h && now < r->rc_until_ms)
		return true;
	r->rc_hash = h;
	r->rc_until_ms = now + SCRUB_RECENT_MS;
	return false;
}

/* heal_enqueue queues "bucket NUL key" for the heal thread. */
static int
heal_enqueue(struct scrubd *env, const struct msg_obj_ref *r)
{
	size_t len = r->r_bucket.ps_len + 1 + r->r_key.ps_len;
	char *item;

	if (r->r_bucket.ps_len == 0 || r->r_key.ps_len == 0 ||
	    memchr(r->r_bucket.ps_ptr, '\0', r->r_bucket.ps_len) != NULL)
		return CAIRN_EINVAL;
	if ((item = malloc(len)) == NULL)
		return CAIRN_ENOMEM;
	memcpy(item, r->r_bucket.ps_ptr, r->r_bucket.ps_len);
	item[r->r_bucket.ps_len] = '\0';
	memcpy(item + r->r_bucket.ps_len + 1, r->r_key.ps_ptr, r->r_key.ps_len);
	pthread_mutex_lock(&env->sd_lock);
	env->sd_heal_requests++;
	if (heal_recent(env, item, len)) {
		pthread_mutex_unlock(&env->sd_lock);
		free(item);
		return 0;
	}
	if (env->sd_nqueue == SCRUB_QUEUEMAX) {
		pthread_mutex_unlock(&env->sd_lock);
		free(item);
		log_warnx("heal queue full; the next pass will heal %.*s",
		    (int)r->r_bucket.ps_len, r->r_bucket.ps_ptr);
		return 0;
	}
	env->sd_queue[env->sd_nqueue] = item;
	env->sd_queue_len[env->sd_nqueue++] = len;
	pthread_cond_broadcast(&env->sd_cond);
	pthread_mutex_unlock(&env->sd_lock);
	return 0;
}

/* --- requests ------------------------------------------------------------------ */

static void
report_stat(struct msg_scrub_report *rp, const char *name, uint64_t v)
{
	if (rp->rp_nstats >= PROTO_SCRUBSTATS)
		return;
	rp->rp_stat_name[rp->rp_nstats] = proto_str_c(name);
	rp->rp_stat_value[rp->rp_nstats++] = v;
}

/* report_counts puts the counters of c into rp. */
static void
report_counts(struct msg_scrub_report *rp, const struct scrub_counts *c)
{
	report_stat(rp, "objects_scanned", c->sc_objects);
	report_stat(rp, "shards_verified", c->sc_shards_verified);
	report_stat(rp, "bytes_verified", c->sc_bytes_verified);
	report_stat(rp, "shards_bad", c->sc_shards_bad);
	report_stat(rp, "shards_healed", c->sc_shards_healed);
	report_stat(rp, "objects_healed", c->sc_objects_healed);
	report_stat(rp, "unrecoverable", c->sc_unrecoverable);
	report_stat(rp, "unavailable", c->sc_unavailable);
	report_stat(rp, "heal_failed", c->sc_heal_failed);
	report_stat(rp, "orphans_removed", c->sc_orphans_removed);
	report_stat(rp, "tmp_removed", c->sc_tmp_removed);
}

/* bucket_exists asks metad whether the bucket a heal names exists. */
static int
bucket_exists(struct scrubd *env, struct proto_str bucket)
{
	struct msg_name n;
	struct rpc_call c;
	int rc;

	n.n_name = bucket;
	if ((rc = rpc_call_init(&c, env->sd_metad, MSG_META_BUCKET_GET)) == 0) {
		msg_name_pack(rpc_call_packer(&c), &n);
		rc = rpc_call_run(&c);
	}
	rpc_call_fini(&c);
	return rc;
}

static int
scrubd_pass_req(struct scrubd *env, const struct proto_msg *req,
    msgpack_packer *reply)
{
	char bucket[PROTO_BUCKETMAX + 1], prefix[PROTO_KEYMAX + 1];
	struct msg_scrub_scope s;
	struct msg_scrub_report rp;
	struct scrub_pass p;
	int rc;

	if (msg_scrub_scope_unpack(req->pm_payload, &s) != 0)
		return CAIRN_EPROTO;
	if (memchr(s.ss_bucket.ps_ptr, '\0', s.ss_bucket.ps_len) != NULL ||
	    memchr(s.ss_prefix.ps_ptr, '\0', s.ss_prefix.ps_len) != NULL ||
	    (s.ss_bucket.ps_len == 0 && s.ss_prefix.ps_len > 0))
		return CAIRN_EINVAL;
	if (s.ss_bucket.ps_len > 0 && (rc = bucket_exists(env, s.ss_bucket)) != 0)
		return rc;
	snprintf(bucket, sizeof(bucket), "%.*s", (int)s.ss_bucket.ps_len,
	    s.ss_bucket.ps_ptr);
	snprintf(prefix, sizeof(prefix), "%.*s", (int)s.ss_prefix.ps_len,
	    s.ss_prefix.ps_ptr);
	rc = run_pass(env, &p, bucket, prefix, false);
	if (rc == 0) {
		memset(&rp, 0, sizeof(rp));
		report_counts(&rp, &p.sp_counts);
		scrub_names_fill(&p.sp_unrec, rp.rp_unrec, &rp.rp_nunrec);
		scrub_names_fill(&p.sp_healed, rp.rp_healed, &rp.rp_nhealed);
		msg_scrub_report_pack(reply, &rp);
	}
	scrub_pass_free(&p);
	return rc;
}

/* report_lifecycle puts the lifecycle counters of c into rp. */
static void
report_lifecycle(struct msg_scrub_report *rp, const struct scrub_lc_counts *c)
{
	report_stat(rp, "objects_expired", c->lc_expired);
	report_stat(rp, "expiry_kept", c->lc_skipped);
	report_stat(rp, "uploads_aborted", c->lc_aborted);
	report_stat(rp, "lifecycle_errors", c->lc_errors);
	report_stat(rp, "noncurrent_expired", c->lc_nc_expired);
	report_stat(rp, "markers_expired", c->lc_markers);
	report_stat(rp, "expiry_locked", c->lc_locked);
}

/* scrubd_lifecycle_req runs a lifecycle pass now, unthrottled. */
static int
scrubd_lifecycle_req(struct scrubd *env, const struct proto_msg *req,
    msgpack_packer *reply)
{
	struct scrub_lc_counts c;
	struct msg_scrub_report rp;

	if (!proto_is_nil(req->pm_payload))
		return CAIRN_EPROTO;
	scrub_lifecycle_run(env, false, &c);
	memset(&rp, 0, sizeof(rp));
	report_stat(&rp, "objects_checked", c.lc_checked);
	report_lifecycle(&rp, &c);
	msg_scrub_report_pack(reply, &rp);
	return 0;
}

/* report_daemon fills rp with the daemon's counters (sd_lock held). */
static void
report_daemon(struct scrubd *env, struct msg_scrub_report *rp)
{
	memset(rp, 0, sizeof(*rp));
	report_counts(rp, &env->sd_total);
	report_stat(rp, "unrecoverable_now", env->sd_unrec.sn_total);
	report_stat(rp, "passes", env->sd_passes);
	report_stat(rp, "pass_running", env->sd_pass_running);
	report_stat(rp, "pass_objects", env->sd_pass_objects);
	report_stat(rp, "last_pass_start", env->sd_last_pass_start);
	report_stat(rp, "last_pass_end", env->sd_last_pass_end);
	report_stat(rp, "drives_replaced", env->sd_drives_replaced);
	report_stat(rp, "heal_requests", env->sd_heal_requests);
	report_stat(rp, "heal_queue", (uint64_t)env->sd_nqueue);
	report_stat(rp, "bytes_per_sec", env->sd_conf.c_scrub_bytes_per_sec);
	report_stat(rp, "objects_per_sec",
	    (uint64_t)env->sd_conf.c_scrub_objects_per_sec);
	report_lifecycle(rp, &env->sd_lc_total);
	report_stat(rp, "lifecycle_passes", env->sd_lc_passes);
	report_stat(rp, "last_lifecycle_end", env->sd_lc_last_end);
	scrub_names_fill(&env->sd_unrec, rp->rp_unrec, &rp->rp_nunrec);
}

static int
scrubd_status_req(struct scrubd *env, const struct proto_msg *req,
    msgpack_packer *reply)
{
	struct msg_scrub_report rp;

	if (!proto_is_nil(req->pm_payload))
		return CAIRN_EPROTO;
	pthread_mutex_lock(&env->sd_lock);
	report_daemon(env, &rp);
	/* The names are packed while the lock keeps them alive. */
	msg_scrub_report_pack(reply, &rp);
	pthread_mutex_unlock(&env->sd_lock);
	return 0;
}

static int
scrubd_heal_req(struct scrubd *env, const struct proto_msg *req,
    msgpack_packer *reply)
{
	struct msg_obj_ref r;
	int rc;

	if (msg_obj_ref_unpack(req->pm_payload, &r) != 0)
		return CAIRN_EPROTO;
	if ((rc = heal_enqueue(env, &r)) != 0)
		return rc;
	proto_pack_nil(reply);
	return 0;
}

/* dispatch runs on the RPC worker threads, several at once. */
static int
dispatch(void *arg, const struct proto_msg *req, msgpack_packer *reply)
{
	struct scrubd *env = arg;

	switch (req->pm_type) {
	case MSG_SCRUB_HEAL:
		return scrubd_heal_req(env, req, reply);
	case MSG_SCRUB_PASS:
		return scrubd_pass_req(env, req, reply);
	case MSG_SCRUB_STATUS:
		return scrubd_status_req(env, req, reply);
	case MSG_SCRUB_LIFECYCLE:
		return scrubd_lifecycle_req(env, req, reply);
	default:
		return CAIRN_EMSGTYPE;
	}
}

/* The counters of the report that cairn status shows too. */
static const char *const status_names[] = {
	"objects_scanned", "shards_verified", "bytes_verified",
	"shards_healed", "objects_healed", "unrecoverable_now",
	"orphans_removed", "tmp_removed", "passes", "pass_running",
	"pass_objects", "last_pass_end", "drives_replaced", "heal_requests",
	"objects_expired", "uploads_aborted",
};

/* status adds the main counters to MSG_CTL_STATUS. */
static void
status(void *arg, struct msg_status *st)
{
	struct scrubd *env = arg;
	struct msg_scrub_report rp;
	uint32_t i;
	size_t j;

	pthread_mutex_lock(&env->sd_lock);
	report_daemon(env, &rp);
	pthread_mutex_unlock(&env->sd_lock);
	/* Counter names are static strings: they outlive the lock. */
	for (i = 0; i < rp.rp_nstats; i++)
		for (j = 0; j < sizeof(status_names) / sizeof(status_names[0]);
		    j++)
			if (proto_str_eq(rp.rp_stat_name[i], status_names[j]))
				msg_status_add(st, status_names[j],
				    rp.rp_stat_value[i]);
}

/* --- start, reload, stop ----------------------------------------------------- */

/* scrubd_apply takes the new rate limits, interval, grace and
 * delete_delay on SIGHUP. */
static void
scrubd_apply(void *arg, const struct conf *nc)
{
	struct scrubd *env = arg;

	pthread_mutex_lock(&env->sd_lock);
	env->sd_conf.c_scrub_bytes_per_sec = nc->c_scrub_bytes_per_sec;
	env->sd_conf.c_scrub_objects_per_sec = nc->c_scrub_objects_per_sec;
	env->sd_conf.c_scrub_interval_s = nc->c_scrub_interval_s;
	env->sd_conf.c_scrub_orphan_grace_s = nc->c_scrub_orphan_grace_s;
	env->sd_conf.c_lc_interval_s = nc->c_lc_interval_s;
	env->sd_conf.c_lc_day_s = nc->c_lc_day_s;
	env->sd_conf.c_gw_delete_delay_s = nc->c_gw_delete_delay_s;
	pthread_cond_broadcast(&env->sd_cond);
	pthread_mutex_unlock(&env->sd_lock);
	trash_set_delay(&env->sd_trash,
	    (uint64_t)nc->c_gw_delete_delay_s * 1000);
	log_info("delete_delay now %d s", nc->c_gw_delete_delay_s);
	log_setverbose(env->sd_verbose);
}

/* scrubd_start dials the other daemons and starts serving and scanning. */
static void
scrubd_start(struct scrubd *env)
{
	struct conf *c = &env->sd_conf;
	int i, rc;

	if (pthread_mutex_init(&env->sd_lock, NULL) != 0 ||
	    pthread_mutex_init(&env->sd_heal_lock, NULL) != 0 ||
	    pthread_mutex_init(&env->sd_lc_lock, NULL) != 0 ||
	    pthread_cond_init(&env->sd_cond, NULL) != 0)
		fatalx("%s: cannot make locks", __func__);
	if ((rc = util_mkdirs(c->c_run_dir, 0700)) != 0)
		fatalx("%s: %s", c->c_run_dir, cairn_strerror(rc));
	if ((rc = rpc_client_open(&env->sd_metad, c->c_metad_listen,
	    c->c_rpc_timeout_ms)) != 0)
		fatalx("%s: %s", c->c_metad_listen, cairn_strerror(rc));
	for (i = 0; i < c->c_ndrives; i++)
		if ((rc = rpc_client_open(&env->sd_chunk[i],
		    c->c_drives[i].cd_listen, c->c_rpc_timeout_ms)) != 0)
			fatalx("%s: %s", c->c_drives[i].cd_listen,
			    cairn_strerror(rc));
	env->sd_ndrives = c->c_ndrives;
	/* Expired shards wait as long as the gateway's replaced ones. */
	if ((rc = trash_start(&env->sd_trash,
	    (uint64_t)c->c_gw_delete_delay_s * 1000, SCRUB_TRASHMAX,
	    scrub_lifecycle_delete, env)) != 0)
		fatalx("%s: trash: %s", __func__, cairn_strerror(rc));
	state_read(env);
	env->sd_started_s = now_s();
	rc = rpc_server_start(&env->sd_rpc, "scrubd", c->c_scrub_listen,
	    c->c_scrub_workers, dispatch, status, env);
	if (rc != 0)
		fatalx("%s: cannot listen: %s", c->c_scrub_listen,
		    cairn_strerror(rc));
	if (pthread_create(&env->sd_pass_thread, NULL, pass_thread, env) != 0 ||
	    pthread_create(&env->sd_heal_thread, NULL, heal_thread, env) != 0 ||
	    pthread_create(&env->sd_lc_thread, NULL, scrub_lifecycle_thread,
	    env) != 0)
		fatalx("%s: cannot start threads", __func__);
	log_info("scanning %d drives at most %" PRIu64 " bytes/s and %d "
	    "objects/s, a pass every %d s, orphan grace %d s", c->c_ndrives,
	    c->c_scrub_bytes_per_sec, c->c_scrub_objects_per_sec,
	    c->c_scrub_interval_s, c->c_scrub_orphan_grace_s);
	log_info("lifecycle: a pass every %d s, a day is %d s, expired "
	    "shards deleted %d s later", c->c_lc_interval_s, c->c_lc_day_s,
	    c->c_gw_delete_delay_s);
}

/*
 * scrubd_stop ends the threads, the server and the clients.  The stop
 * flag wakes every sleep and ends every walk before its next record; the
 * clients are shut first so that a call in flight, say to a chunkd that
 * stops with us and will never answer, fails now instead of holding its
 * thread, and with it the join, for rpc_timeout_ms.
 */
static void
scrubd_stop(struct scrubd *env)
{
	int i;

	pthread_mutex_lock(&env->sd_lock);
	env->sd_stop = true;
	pthread_cond_broadcast(&env->sd_cond);
	pthread_mutex_unlock(&env->sd_lock);
	for (i = 0; i < env->sd_ndrives; i++)
		rpc_client_shutdown(env->sd_chunk[i]);
	rpc_client_shutdown(env->sd_metad);
	pthread_join(env->sd_pass_thread, NULL);
	pthread_join(env->sd_heal_thread, NULL);
	pthread_join(env->sd_lc_thread, NULL);
	rpc_server_stop(&env->sd_rpc);
	trash_stop(&env->sd_trash);	/* after every lifecycle pass */
	for (i = 0; i < env->sd_ndrives; i++)
		rpc_client_close(env->sd_chunk[i]);
	rpc_client_close(env->sd_metad);
	for (i = 0; i < env->sd_nqueue; i++)
		free(env->sd_queue[i]);
	scrub_names_free(&env->sd_unrec);
}

int
main(int argc, char *argv[])
{
	static struct scrubd env;
	int ch, checkonly = 0;

	env.sd_conffile = conf_default_path();
	while ((ch = getopt(argc, argv, "df:nv")) != -1) {
		switch (ch) {
		case 'd':
			env.sd_verbose = 2;
			break;
		case 'f':
			env.sd_conffile = optarg;
			break;
		case 'n':
			checkonly = 1;
			break;
		case 'v':
			if (env.sd_verbose < 1)
				env.sd_verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (argc != optind)
		usage();

	log_init("cairn-scrubd", env.sd_verbose);
	sig_block();
	if (conf_load(&env.sd_conf, env.sd_conffile) != 0)
		exit(1);
	conf_wipe(&env.sd_conf);	/* scrubd has no use for secrets */
	if (checkonly) {
		fprintf(stderr, "configuration OK\n");
		exit(0);
	}

	scrubd_start(&env);
	sdnotify_ready(SCRUBD_STATUS);
	while (sig_wait() != SIG_STOP)
		conf_reload(env.sd_conffile, SCRUBD_STATUS, scrubd_apply, &env);

	sdnotify_stopping();
	scrubd_stop(&env);
	log_info("exiting");
	return 0;
}
