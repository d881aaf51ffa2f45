/* meta_commit.c - group commit: one synced leveldb write for many writers */
#include "config.h"

#include <errno.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "log.h"
#include "metad.h"

/*
 * One queued write.  It lives on the writer's stack: the writer waits on
 * wr_done until the committer has set wr_rc, so the key and value it
 * points to stay valid while the committer copies them into the batch.
 */
struct meta_wreq {
	const char		*wr_key;
	size_t			 wr_klen;
	const char		*wr_val;	/* NULL: delete */
	size_t			 wr_vlen;
	const leveldb_writebatch_t *wr_batch;	/* instead of one key */
	int			 wr_rc;
	sem_t			 wr_done;
	struct meta_wreq	*wr_next;
};

/* commit_take waits for queued writes and takes them all; NULL: stopped. */
static struct meta_wreq *
commit_take(struct meta_commit *mc)
{
	struct meta_wreq *list;

	pthread_mutex_lock(&mc->mc_lock);
	while (mc->mc_head == NULL && !mc->mc_stop)
		pthread_cond_wait(&mc->mc_work, &mc->mc_lock);
	list = mc->mc_head;
	mc->mc_head = NULL;
	mc->mc_tail = &mc->mc_head;
	pthread_mutex_unlock(&mc->mc_lock);
	return list;
}

/* commit_batch writes a list as one synced batch and wakes its writers. */
static void
commit_batch(struct meta_db *db, struct meta_wreq *list)
{
	struct meta_commit *mc = &db->md_commit;
	struct meta_wreq *w, *next;
	char *err = NULL;
	uint64_t n = 0;
	int rc = 0;

	leveldb_writebatch_clear(mc->mc_batch);
	for (w = list; w != NULL; w = w->wr_next, n++) {
		if (w->wr_batch != NULL)
			leveldb_writebatch_append(mc->mc_batch, w->wr_batch);
		else if (w->wr_val != NULL)
			leveldb_writebatch_put(mc->mc_batch, w->wr_key,
			    w->wr_klen, w->wr_val, w->wr_vlen);
		else
			leveldb_writebatch_delete(mc->mc_batch, w->wr_key,
			    w->wr_klen);
	}
	meta_db_lwrite(db, mc->mc_batch, &err);
	if (err != NULL)
		rc = meta_db_fail(db, "batch write", err);
	atomic_fetch_add(&mc->mc_nbatches, 1);
	atomic_fetch_add(&mc->mc_nwrites, n);
	for (w = list; w != NULL; w = next) {
		next = w->wr_next;	/* w is gone once posted */
		w->wr_rc = rc;
		sem_post(&w->wr_done);
	}
}

static void *
commit_main(void *arg)
{
	struct meta_db *db = arg;
	struct meta_wreq *list;

	while ((list = commit_take(&db->md_commit)) != NULL)
		commit_batch(db, list);
	return NULL;
}

int
meta_commit_start(struct meta_db *db)
{
	struct meta_commit *mc = &db->md_commit;

	mc->mc_head = NULL;
	mc->mc_tail = &mc->mc_head;
	mc->mc_stop = false;
	if ((mc->mc_batch = leveldb_writebatch_create()) == NULL)
		return CAIRN_ENOMEM;
	if (pthread_mutex_init(&mc->mc_lock, NULL) != 0 ||
	    pthread_cond_init(&mc->mc_work, NULL) != 0 ||
	    pthread_create(&mc->mc_thread, NULL, commit_main, db) != 0) {
		leveldb_writebatch_destroy(mc->mc_batch);
		mc->mc_batch = NULL;
		return CAIRN_ENOMEM;
	}
	mc->mc_running = true;
	return 0;
}

void
meta_commit_stop(struct meta_db *db)
{
	struct meta_commit *mc = &db->md_commit;

	if (!mc->mc_running)
		return;
	pthread_mutex_lock(&mc->mc_lock);
	mc->mc_stop = true;
	pthread_cond_signal(&mc->mc_work);
	pthread_mutex_unlock(&mc->mc_lock);
	pthread_join(mc->mc_thread, NULL);
	pthread_cond_destroy(&mc->mc_work);
	pthread_mutex_destroy(&mc->mc_lock);
	leveldb_writebatch_destroy(mc->mc_batch);
	mc->mc_batch = NULL;
	mc->mc_running = false;
}

int
meta_commit_now(struct meta_db *db, leveldb_writebatch_t *b, uint64_t n)
{
	struct meta_commit *mc = &db->md_commit;
	char *err = NULL;

	meta_db_lwrite(db, b, &err);
	if (err != NULL)
		return meta_db_fail(db, "batch write", err);
	atomic_fetch_add(&mc->mc_nbatches, 1);
	atomic_fetch_add(&mc->mc_nwrites, n);
	return 0;
}

/* commit_wait queues w, wakes the committer and waits for the sync. */
static int
commit_wait(struct meta_commit *mc, struct meta_wreq *w)
{
	if (sem_init(&w->wr_done, 0, 0) != 0)
		return CAIRN_ENOMEM;
	pthread_mutex_lock(&mc->mc_lock);
	*mc->mc_tail = w;
	mc->mc_tail = &w->wr_next;
	pthread_cond_signal(&mc->mc_work);
	pthread_mutex_unlock(&mc->mc_lock);
	while (sem_wait(&w->wr_done) != 0 && errno == EINTR)
		;
	sem_destroy(&w->wr_done);
	return w->wr_rc;
}

int
meta_commit_write(struct meta_db *db, const char *key, size_t klen,
    const char *val, size_t vlen)
{
	struct meta_wreq w;

	memset(&w, 0, sizeof(w));
	w.wr_key = key;
	w.wr_klen = klen;
	w.wr_val = val;
	w.wr_vlen = vlen;
	return commit_wait(&db->md_commit, &w);
}

int
meta_commit_batch(struct meta_db *db, const leveldb_writebatch_t *b)
{
	struct meta_wreq w;

	memset(&w, 0, sizeof(w));
	w.wr_batch = b;
	return commit_wait(&db->md_commit, &w);
}
