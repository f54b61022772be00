/*
 * pool.h - work on a few threads, in three shapes.
 *
 * sv_pool_run: n independent items known in advance. The items 0..n-1 are handed out in order, chunk at a time, to the
 * calling thread and up to threads-1 others; each thread has a state of
 * its own (a read buffer, a hash context, open directories), made by
 * state_new and freed by state_free. The first failure stops the others
 * from taking more; of the items that failed, the one with the lowest
 * index gives the error, so that the message does not depend on
 * scheduling.
 */
#ifndef SV_BASE_POOL_H
#define SV_BASE_POOL_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

/* Number of worker threads to use: SMOOTHVER_THREADS if set (1..64),
 * else the number of online CPUs (at most 64). */
int sv_threads(void);

struct sv_pool {
	size_t n;                /* items */
	size_t chunk;            /* items a thread takes at a time (0: 1) */
	int threads;             /* at most (0: sv_threads()); never more
	                            than there are chunks */
	void *ctx;               /* given to every call */
	void *(*state_new)(void *ctx);    /* NULL: no state */
	void (*state_free)(void *state);
	/* Do item i; SV_OK, or a status with e set. */
	int (*run)(void *ctx, void *state, size_t i, struct sv_err *e);
};

/* Run every item of p; SV_OK, or the failure of the lowest failing item
 * (its error into e). */
int sv_pool_run(const struct sv_pool *p, struct sv_err *e);

/*
 * sv_pipeline: a stream of jobs whose results must be taken in the order
 * they were given (blocks of a compressed stream). The caller owns the
 * jobs, a ring of `njobs` objects it allocated; it fills the next free
 * one (sv_pipeline_next), hands it over (sv_pipeline_submit), and takes
 * results oldest first (sv_pipeline_oldest, then sv_pipeline_release).
 * Workers, one per thread asked for, run submitted jobs; a caller waiting
 * for the oldest result runs queued jobs itself meanwhile, so it is never
 * idle while there is work, and a job never waits for a thread the
 * machine has no core for. A job cannot fail as far as the pipeline is
 * concerned: run records any failure in the job, for the caller to see
 * when it takes the result.
 *
 * Only one thread (the caller) may call the functions below.
 */
struct sv_pipeline_ops {
	void *ctx;                        /* given to every call */
	void *(*state_new)(void *ctx);    /* per running thread; NULL: none */
	void (*state_free)(void *state);
	void (*run)(void *ctx, void *state, void *job);
};

struct sv_pipeline;

/* A pipeline over the caller's jobs[0..njobs-1] (njobs >= 2; the array
 * is copied, the jobs stay the caller's) with `threads` workers (< 1:
 * none, the caller runs every job). Aborts if no thread can be started
 * when some were asked for. Free with sv_pipeline_free. */
struct sv_pipeline *sv_pipeline_new(const struct sv_pipeline_ops *ops,
    void *const *jobs, size_t njobs, int threads);

/* The job to fill next, or NULL while every job holds a result not yet
 * released (take the oldest first). The same job until it is
 * submitted. */
void *sv_pipeline_next(struct sv_pipeline *pl);

/* Hand the job sv_pipeline_next returned to the workers. */
void sv_pipeline_submit(struct sv_pipeline *pl);

/* The oldest submitted job once it has run (running queued jobs while
 * waiting), or NULL if every submitted job has been released. It stays
 * the caller's until sv_pipeline_release. */
void *sv_pipeline_oldest(struct sv_pipeline *pl);

/* The oldest job's result is taken: it can be filled again. */
void sv_pipeline_release(struct sv_pipeline *pl);

/* Stop the workers (jobs submitted and not yet run are dropped) and free
 * the pipeline; not the jobs. NULL is accepted. */
void sv_pipeline_free(struct sv_pipeline *pl);

/*
 * sv_task: one job on a thread of its own while the caller does other
 * work (walking two trees while a release's files are read). Start it
 * with sv_task_start; sv_task_wait waits for it to end and gives its
 * status and error. Every task started is waited for by the thread that
 * started it (a later wait gives the same answer at once); until then
 * the task object must stay put.
 */
struct sv_task {
	int (*run)(void *ctx, struct sv_err *e); /* SV_OK, or e set */
	void *ctx;
	/* private */
	struct sv_task_thread *t;
	int status;
	struct sv_err err;
};

/* Start t->run(t->ctx, ...) on a new thread (run and ctx set by the
 * caller); if no thread can be started, it runs here and now. */
void sv_task_start(struct sv_task *t);

/* Wait for t to end: its status, its error into e when not SV_OK. */
int sv_task_wait(struct sv_task *t, struct sv_err *e);

#endif
