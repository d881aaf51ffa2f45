/* scrub_pass.c - one pass: scrub each record of the walk, then sweep */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "log.h"
#include "scrubd.h"
#include "util.h"

/* The budget may be spent this many seconds ahead (token bucket burst). */
#define SCRUB_BURST_S	2

/* How long a pass waits at its start for drives being redialled. */
#define SCRUB_DIAL_MS	3000

void
scrub_pass_init(struct scrub_pass *p, const struct scrubd *env,
    const char *bucket, const char *prefix, bool throttle)
{
	uint64_t now = util_mono_ms() * 1000;

	memset(p, 0, sizeof(*p));
	snprintf(p->sp_bucket, sizeof(p->sp_bucket), "%s",
	    bucket != NULL ? bucket : "");
	snprintf(p->sp_prefix, sizeof(p->sp_prefix), "%s",
	    prefix != NULL ? prefix : "");
	p->sp_full = p->sp_bucket[0] == '\0' && p->sp_prefix[0] == '\0';
	p->sp_throttle = throttle;
	p->sp_start_s = util_now_ns() / 1000000000u;
	scrub_rate_init(&p->sp_bytes_rate,
	    (double)env->sd_conf.c_scrub_bytes_per_sec,
	    (double)env->sd_conf.c_scrub_bytes_per_sec * SCRUB_BURST_S, now);
	scrub_rate_init(&p->sp_objects_rate,
	    (double)env->sd_conf.c_scrub_objects_per_sec,
	    (double)env->sd_conf.c_scrub_objects_per_sec * SCRUB_BURST_S, now);
}

void
scrub_counts_add(struct scrub_counts *dst, const struct scrub_counts *src)
{
	dst->sc_objects += src->sc_objects;
	dst->sc_shards_verified += src->sc_shards_verified;
	dst->sc_bytes_verified += src->sc_bytes_verified;
	dst->sc_shards_bad += src->sc_shards_bad;
	dst->sc_shards_healed += src->sc_shards_healed;
	dst->sc_objects_healed += src->sc_objects_healed;
	dst->sc_unrecoverable += src->sc_unrecoverable;
	dst->sc_unavailable += src->sc_unavailable;
	dst->sc_heal_failed += src->sc_heal_failed;
	dst->sc_orphans_removed += src->sc_orphans_removed;
	dst->sc_tmp_removed += src->sc_tmp_removed;
}

void
scrub_pass_free(struct scrub_pass *p)
{
	scrub_names_free(&p->sp_healed);
	scrub_names_free(&p->sp_unrec);
	scrub_ids_free(&p->sp_live);
}

/* pass_throttle waits as long as the two budgets ask. */
static void
pass_throttle(struct scrubd *env, struct scrub_pass *p, uint64_t bytes)
{
	uint64_t now = util_mono_ms() * 1000, a, b;

	if (!p->sp_throttle)
		return;
	a = scrub_rate_take(&p->sp_objects_rate, 1, now);
	b = scrub_rate_take(&p->sp_bytes_rate, (double)bytes, now);
	scrubd_sleep_us(env, a > b ? a : b);
}

/*
 * live_ids notes the data ids of rec's shards for the sweep: its own, or
 * those of its erasure-coded parts.
 */
static int
live_ids(struct scrub_pass *p, const struct msg_objrec *rec)
{
	struct msg_objpart part;
	uint32_t i;

	if (rec->or_nparts == 0)
		return rec->or_inline ? 0 : scrub_ids_add(&p->sp_live,
		    rec->or_data_id);
	for (i = 0; i < rec->or_nparts; i++) {
		msg_objpart_get(rec, i, &part);
		if (!part.op_inline &&
		    scrub_ids_add(&p->sp_live, part.op_data_id) != 0)
			return CAIRN_ENOMEM;
	}
	return 0;
}

/* pass_entry scrubs one record of the walk (a scrub_walk_fn). */
static int
pass_entry(struct scrubd *env, void *arg, const struct msg_scan_entry *e)
{
	struct scrub_pass *p = arg;
	struct scrub_counts c;
	enum scrub_result res;
	struct proto_str key = e->se_key;
	const char *nul;
	uint64_t bytes;

	if (p->sp_full && live_ids(p, &e->se_rec) != 0)
		return CAIRN_ENOMEM;
	/* A noncurrent version's entry is named by its key alone. */
	if ((nul = memchr(key.ps_ptr, '\0', key.ps_len)) != NULL)
		key.ps_len = (size_t)(nul - key.ps_ptr);
	memset(&c, 0, sizeof(c));
	res = scrub_object(env, e->se_bucket, key, &e->se_rec, &c, &bytes);
	if (res == SCRUB_HEALED)
		scrub_names_add(&p->sp_healed, e->se_bucket, key);
	else if (res == SCRUB_UNRECOVERABLE || res == SCRUB_FAILED)
		scrub_names_add(&p->sp_unrec, e->se_bucket, key);
	scrubd_add_counts(env, &c);
	pthread_mutex_lock(&env->sd_lock);
	env->sd_pass_objects++;
	pthread_mutex_unlock(&env->sd_lock);
	scrub_counts_add(&p->sp_counts, &c);
	pass_throttle(env, p, bytes);
	return 0;
}

/*
 * pass_dial gives drives that just came back a moment to be redialled
 * (the clients retry every second at most), so that a pass started right
 * after a restart does not find them down.
 */
static void
pass_dial(struct scrubd *env)
{
	uint64_t deadline = util_mono_ms() + SCRUB_DIAL_MS;
	int d;

	for (d = 0; d < env->sd_ndrives; d++)
		while (!rpc_client_connected(env->sd_chunk[d]) &&
		    util_mono_ms() < deadline && !scrubd_stopping(env))
			scrubd_sleep_us(env, 10000);
}

int
scrub_pass_run(struct scrubd *env, struct scrub_pass *p)
{
	int rc;

	pass_dial(env);
	log_info("pass over %s%s%s: started%s", p->sp_full ? "every bucket" :
	    p->sp_bucket, p->sp_prefix[0] != '\0' ? " under " : "",
	    p->sp_prefix, p->sp_throttle ? "" : " (unthrottled)");
	rc = scrub_walk(env, proto_str_c(p->sp_bucket),
	    proto_str_c(p->sp_prefix), pass_entry, p);
	p->sp_complete = rc == 0;
	if (rc != 0)
		log_warnx("pass stopped early: %s", cairn_strerror(rc));
	if (p->sp_complete && p->sp_full)
		scrub_sweep(env, p);
	log_info("pass done: %llu objects, %llu shards verified (%llu "
	    "bytes), %llu healed, %llu unrecoverable, %llu orphans swept",
	    (unsigned long long)p->sp_counts.sc_objects,
	    (unsigned long long)p->sp_counts.sc_shards_verified,
	    (unsigned long long)p->sp_counts.sc_bytes_verified,
	    (unsigned long long)p->sp_counts.sc_objects_healed,
	    (unsigned long long)p->sp_counts.sc_unrecoverable,
	    (unsigned long long)(p->sp_counts.sc_orphans_removed +
	    p->sp_counts.sc_tmp_removed));
	return rc;
}
