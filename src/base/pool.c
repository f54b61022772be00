/*
 * pool.c - work on a few threads: indexed items, an ordered pipeline
 * (see pool.h).
 */
#include "config.h"

#include "base/pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/outfile.h"
#include "base/xalloc.h"

#define MAX_THREADS 64

int
sv_threads(void)
{
	const char *s = getenv("SMOOTHVER_THREADS");
	long n;

	if (s != NULL && *s != '\0') {
		char *end;

		n = strtol(s, &end, 10);
		if (*end == '\0' && n >= 1 && n <= MAX_THREADS)
			return (int)n;
	}
	n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	return n > MAX_THREADS ? MAX_THREADS : (int)n;
}

struct run {
	const struct sv_pool *p;
	size_t chunk;
	atomic_size_t next;
	atomic_bool stop;
	pthread_mutex_t lock;      /* guards the two below */
	size_t fail_at;            /* the lowest failing item */
	struct sv_err fail;
};

static void *
worker(void *arg)
{
	struct run *r = arg;
	const struct sv_pool *p = r->p;
	void *state = p->state_new ? p->state_new(p->ctx) : NULL;
	struct sv_err e;

	sv_err_init(&e);
	while (!atomic_load(&r->stop)) {
		size_t k = atomic_fetch_add(&r->next, r->chunk), end;

		if (k >= p->n)
			break;
		end = k + r->chunk < p->n ? k + r->chunk : p->n;
		for (; k < end; k++) {
			if (p->run(p->ctx, state, k, &e) == SV_OK)
				continue;
			pthread_mutex_lock(&r->lock);
			if (k < r->fail_at) {
				r->fail_at = k;
				r->fail = e;
			}
			pthread_mutex_unlock(&r->lock);
			atomic_store(&r->stop, true);
			break;
		}
	}
	if (p->state_free)
		p->state_free(state);
	return NULL;
}

int
sv_pool_run(const struct sv_pool *p, struct sv_err *e)
{
	pthread_t tid[MAX_THREADS];
	struct run r;
	size_t chunks;
	int threads = p->threads > 0 ? p->threads : sv_threads();
	int started = 0, i;

	if (p->n == 0)
		return SV_OK;
	r.p = p;
	r.chunk = p->chunk ? p->chunk : 1;
	atomic_init(&r.next, 0);
	atomic_init(&r.stop, false);
	pthread_mutex_init(&r.lock, NULL);
	r.fail_at = (size_t)-1;
	sv_err_init(&r.fail);
	chunks = (p->n + r.chunk - 1) / r.chunk;
	if (threads > MAX_THREADS)
		threads = MAX_THREADS;
	if ((size_t)threads > chunks)
		threads = (int)chunks;
	for (i = 1; i < threads; i++)
		if (sv_thread_create(&tid[started], worker, &r) == 0)
			started++;
	worker(&r);
	for (i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	pthread_mutex_destroy(&r.lock);
	if (r.fail_at != (size_t)-1) {
		*e = r.fail;
		return e->status;
	}
	return SV_OK;
}

/* ---- the ordered pipeline ---- */

enum job_state { JOB_FREE, JOB_FILLED, JOB_BUSY, JOB_DONE };

struct sv_pipeline {
	struct sv_pipeline_ops ops;
	void **jobs;
	enum job_state *state;       /* per job, under lock */
	size_t n;
	pthread_mutex_t lock;
	pthread_cond_t work;         /* a job was submitted, or quit */
	pthread_cond_t done;         /* a job has run */
	pthread_t tid[MAX_THREADS];
	int nthreads;
	bool quit;
	uint64_t next_fill;          /* jobs submitted */
	uint64_t next_take;          /* jobs taken to run */
	uint64_t next_release;       /* jobs released */
	void *own;                   /* the caller's state, when it runs jobs */
};

/* Take the next submitted job to run, if there is one; under lock. */
static void *
take_job(struct sv_pipeline *pl)
{
	size_t k;

	if (pl->next_take == pl->next_fill)
		return NULL;
	k = (size_t)(pl->next_take % pl->n);
	pl->state[k] = JOB_BUSY;
	pl->next_take++;
	return pl->jobs[k];
}

/* Run job (taken as index k) outside the lock, then mark it done; called
 * and returns with the lock held. */
static void
run_job(struct sv_pipeline *pl, void *state, size_t k)
{
	pthread_mutex_unlock(&pl->lock);
	pl->ops.run(pl->ops.ctx, state, pl->jobs[k]);
	pthread_mutex_lock(&pl->lock);
	pl->state[k] = JOB_DONE;
	pthread_cond_broadcast(&pl->done);
}

static void *
pipeline_worker(void *arg)
{
	struct sv_pipeline *pl = arg;
	void *state = pl->ops.state_new ? pl->ops.state_new(pl->ops.ctx) :
	    NULL;

	pthread_mutex_lock(&pl->lock);
	for (;;) {
		size_t k;

		while (!pl->quit && pl->next_take == pl->next_fill)
			pthread_cond_wait(&pl->work, &pl->lock);
		if (pl->quit)
			break;
		k = (size_t)(pl->next_take % pl->n);
		take_job(pl);
		run_job(pl, state, k);
	}
	pthread_mutex_unlock(&pl->lock);
	if (pl->ops.state_free)
		pl->ops.state_free(state);
	return NULL;
}

struct sv_pipeline *
sv_pipeline_new(const struct sv_pipeline_ops *ops, void *const *jobs,
    size_t njobs, int threads)
{
	struct sv_pipeline *pl = xcalloc(1, sizeof(*pl));
	size_t i;

	pl->ops = *ops;
	pl->n = njobs;
	pl->jobs = xcalloc(njobs, sizeof(*pl->jobs));
	for (i = 0; i < njobs; i++)
		pl->jobs[i] = jobs[i];
	pl->state = xcalloc(njobs, sizeof(*pl->state));
	pthread_mutex_init(&pl->lock, NULL);
	pthread_cond_init(&pl->work, NULL);
	pthread_cond_init(&pl->done, NULL);
	pl->own = ops->state_new ? ops->state_new(ops->ctx) : NULL;
	if (threads > MAX_THREADS)
		threads = MAX_THREADS;
	for (i = 0; i < (size_t)(threads > 0 ? threads : 0); i++)
		if (sv_thread_create(&pl->tid[pl->nthreads], pipeline_worker,
		    pl) == 0)
			pl->nthreads++;
	if (threads > 0 && pl->nthreads == 0) {
		fprintf(stderr, "smoothver: fatal: cannot start a thread\n");
		abort();
	}
	return pl;
}

void *
sv_pipeline_next(struct sv_pipeline *pl)
{
	/* fewer than n jobs between the oldest unreleased and the next:
	 * the next one was released (or never used) */
	if (pl->next_fill - pl->next_release >= pl->n)
		return NULL;
	return pl->jobs[pl->next_fill % pl->n];
}

void
sv_pipeline_submit(struct sv_pipeline *pl)
{
	pthread_mutex_lock(&pl->lock);
	pl->state[pl->next_fill % pl->n] = JOB_FILLED;
	pl->next_fill++;
	pthread_cond_signal(&pl->work);
	pthread_mutex_unlock(&pl->lock);
}

void *
sv_pipeline_oldest(struct sv_pipeline *pl)
{
	size_t k = (size_t)(pl->next_release % pl->n);

	if (pl->next_release == pl->next_fill)
		return NULL;
	pthread_mutex_lock(&pl->lock);
	while (pl->state[k] != JOB_DONE) {
		size_t t = (size_t)(pl->next_take % pl->n);

		if (take_job(pl) != NULL) {
			run_job(pl, pl->own, t);
			continue;
		}
		pthread_cond_wait(&pl->done, &pl->lock);
	}
	pthread_mutex_unlock(&pl->lock);
	return pl->jobs[k];
}

void
sv_pipeline_release(struct sv_pipeline *pl)
{
	pthread_mutex_lock(&pl->lock);
	pl->state[pl->next_release % pl->n] = JOB_FREE;
	pl->next_release++;
	pthread_mutex_unlock(&pl->lock);
}

void
sv_pipeline_free(struct sv_pipeline *pl)
{
	int i;

	if (pl == NULL)
		return;
	pthread_mutex_lock(&pl->lock);
	pl->quit = true;
	pthread_cond_broadcast(&pl->work);
	pthread_mutex_unlock(&pl->lock);
	for (i = 0; i < pl->nthreads; i++)
		pthread_join(pl->tid[i], NULL);
	if (pl->ops.state_free)
		pl->ops.state_free(pl->own);
	pthread_cond_destroy(&pl->work);
	pthread_cond_destroy(&pl->done);
	pthread_mutex_destroy(&pl->lock);
	free(pl->state);
	free(pl->jobs);
	free(pl);
}

/* ---- one job on a thread of its own ---- */

struct sv_task_thread {
	pthread_t tid;
};

static void *
task_main(void *arg)
{
	struct sv_task *t = arg;

	t->status = t->run(t->ctx, &t->err);
	return NULL;
}

void
sv_task_start(struct sv_task *t)
{
	t->status = SV_OK;
	sv_err_init(&t->err);
	t->t = xmalloc(sizeof(*t->t));
	if (sv_thread_create(&t->t->tid, task_main, t) != 0) {
		free(t->t);
		t->t = NULL;
		task_main(t);
	}
}

int
sv_task_wait(struct sv_task *t, struct sv_err *e)
{
	if (t->t != NULL) {
		pthread_join(t->t->tid, NULL);
		free(t->t);
		t->t = NULL;
	}
	if (t->status != SV_OK)
		*e = t->err;
	return t->status;
}
