/* pool.h - threads that run a handful of blocking calls side by side */
#ifndef CAIRN_POOL_H
#define CAIRN_POOL_H

/*
 * A pool of threads for work that blocks (a synced write) and must run
 * side by side rather than in turn.  pool_all hands all but the first of
 * its calls to the pool, runs the first itself and then any still waiting
 * for a thread, and returns once every one has returned.  Idle threads
 * wait on their own semaphores and are handed a call directly, as the
 * gateway's workers are (docs/http.md).
 */
struct pool;

/* pool_new starts nthreads threads; NULL if it cannot. */
struct pool *pool_new(int nthreads);

/* pool_free stops and joins the threads; no pool_all may be running. */
void pool_free(struct pool *p);

/* pool_all runs fn(args[i]) for i < n, at once, and waits for them all. */
void pool_all(struct pool *p, void (*fn)(void *), void *const *args, int n);

#endif
