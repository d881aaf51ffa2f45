/* pool.h - threads that run a handful of blocking calls side by side */
#ifndef CAIRN_POOL_H
#define CAIRN_POOL_H

/*
 * A pool of threads for work that blocks (a synced write, a call to
 * another daemon) and must run side by side rather than in turn.  Idle
 * threads wait on their own semaphores, in a stack, and a new call is
 * handed straight to the one on top: woken, it need not take the pool's
 * lock again, and while load is light the same few threads do the work.
 * Calls wait in order when every thread is busy.
 */
struct pool;
struct pool_group;

/*
 * One call, in the caller's memory until it has run: j_fn(j_arg).  The
 * pool uses the other fields.
 */
struct pool_job {
	void			(*j_fn)(void *);
	void			*j_arg;
	struct pool_group	*j_group;
	struct pool_job		*j_next;
};

/* pool_new starts nthreads threads; NULL if it cannot. */
struct pool *pool_new(int nthreads);

/* pool_free stops and joins the threads; no pool_all may be running. */
void pool_free(struct pool *p);

/*
 * pool_give hands j to the pool and returns: j->j_fn(j->j_arg) runs on a
 * pool thread, which touches j no more once j_fn has been called, so
 * j_fn may free it.
 */
void pool_give(struct pool *p, struct pool_job *j);

/*
 * pool_all runs fn(args[i]) for i < n side by side: it hands all but the
 * first to the pool, runs the first itself and then any still waiting for
 * a thread, and returns once every one has returned.
 */
void pool_all(struct pool *p, void (*fn)(void *), void *const *args, int n);

#endif
