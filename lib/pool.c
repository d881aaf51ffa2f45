/* pool.c - threads that run a handful of blocking calls side by side */
#include "config.h"

#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "pool.h"

/* The calls of one pool_all: the last to finish posts g_done. */
struct pool_group {
	atomic_int	 g_left;
	sem_t		 g_done;
};

struct pool_thread {
	struct pool		*t_pool;
	pthread_t		 t_thread;
	sem_t			 t_sem;
	struct pool_job		*t_job;		/* handed over; NULL: stop */
	struct pool_thread	*t_next;	/* p_idle */
};

struct pool {
	pthread_mutex_t		 p_lock;
	struct pool_job		*p_head, *p_tail;	/* waiting calls */
	struct pool_thread	*p_idle;	/* idle threads, a stack */
	bool			 p_stop;
	int			 p_nthreads;
	struct pool_thread	*p_threads;
};

/* job_run runs j, then no longer touches it: j_fn may free it. */
static void
job_run(struct pool_job *j)
{
	struct pool_group *g = j->j_group;

	j->j_fn(j->j_arg);
	if (g != NULL && atomic_fetch_sub(&g->g_left, 1) == 1)
		sem_post(&g->g_done);
}

/* job_take takes the oldest waiting call; NULL if none.  Under p_lock. */
static struct pool_job *
job_take(struct pool *p)
{
	struct pool_job *j;

	if ((j = p->p_head) != NULL && (p->p_head = j->j_next) == NULL)
		p->p_tail = NULL;
	return j;
}

void
pool_give(struct pool *p, struct pool_job *j)
{
	struct pool_thread *t;

	pthread_mutex_lock(&p->p_lock);
	if ((t = p->p_idle) != NULL) {
		p->p_idle = t->t_next;
		t->t_job = j;
		pthread_mutex_unlock(&p->p_lock);
		sem_post(&t->t_sem);
		return;
	}
	j->j_next = NULL;
	if (p->p_tail != NULL)
		p->p_tail->j_next = j;
	else
		p->p_head = j;
	p->p_tail = j;
	pthread_mutex_unlock(&p->p_lock);
}

/* thread_next returns the thread's next call, waiting idle if none. */
static struct pool_job *
thread_next(struct pool_thread *t)
{
	struct pool *p = t->t_pool;
	struct pool_job *j;

	pthread_mutex_lock(&p->p_lock);
	if (p->p_stop) {
		pthread_mutex_unlock(&p->p_lock);
		return NULL;
	}
	if ((j = job_take(p)) == NULL) {
		t->t_next = p->p_idle;
		p->p_idle = t;
	}
	pthread_mutex_unlock(&p->p_lock);
	if (j != NULL)
		return j;
	while (sem_wait(&t->t_sem) == -1)
		;	/* EINTR */
	return t->t_job;
}

static void *
thread_main(void *arg)
{
	struct pool_thread *t = arg;
	struct pool_job *j;

	while ((j = thread_next(t)) != NULL)
		job_run(j);
	return NULL;
}

struct pool *
pool_new(int nthreads)
{
	struct pool *p;
	int i;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	pthread_mutex_init(&p->p_lock, NULL);
	if ((p->p_threads = calloc((size_t)nthreads,
	    sizeof(*p->p_threads))) == NULL) {
		free(p);
		return NULL;
	}
	for (i = 0; i < nthreads; i++) {
		p->p_threads[i].t_pool = p;
		if (sem_init(&p->p_threads[i].t_sem, 0, 0) != 0 ||
		    pthread_create(&p->p_threads[i].t_thread, NULL,
		    thread_main, &p->p_threads[i]) != 0)
			break;
		p->p_nthreads++;
	}
	if (p->p_nthreads < nthreads) {
		pool_free(p);
		return NULL;
	}
	return p;
}

void
pool_free(struct pool *p)
{
	struct pool_thread *t;
	int i;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->p_lock);
	p->p_stop = true;
	while ((t = p->p_idle) != NULL) {
		p->p_idle = t->t_next;
		t->t_job = NULL;
		sem_post(&t->t_sem);
	}
	pthread_mutex_unlock(&p->p_lock);
	for (i = 0; i < p->p_nthreads; i++) {
		pthread_join(p->p_threads[i].t_thread, NULL);
		sem_destroy(&p->p_threads[i].t_sem);
	}
	pthread_mutex_destroy(&p->p_lock);
	free(p->p_threads);
	free(p);
}

void
pool_all(struct pool *p, void (*fn)(void *), void *const *args, int n)
{
	struct pool_group g;
	struct pool_job *jobs, *j;
	int i;

	if (n <= 0)
		return;
	/* Without memory for the jobs, run them in turn: slower, but right. */
	if (n == 1 || (jobs = calloc((size_t)n, sizeof(*jobs))) == NULL) {
		for (i = 0; i < n; i++)
			fn(args[i]);
		return;
	}
	atomic_init(&g.g_left, n);
	sem_init(&g.g_done, 0, 0);
	for (i = 0; i < n; i++)
		jobs[i] = (struct pool_job){ fn, args[i], &g, NULL };
	for (i = 1; i < n; i++)
		pool_give(p, &jobs[i]);
	job_run(&jobs[0]);
	/* Help with what still waits (ours or another group's). */
	for (;;) {
		pthread_mutex_lock(&p->p_lock);
		j = atomic_load(&g.g_left) > 0 ? job_take(p) : NULL;
		pthread_mutex_unlock(&p->p_lock);
		if (j == NULL)
			break;
		job_run(j);
	}
	while (sem_wait(&g.g_done) == -1)
		;	/* EINTR */
	sem_destroy(&g.g_done);
	free(jobs);
}
