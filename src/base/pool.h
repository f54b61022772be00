/*
 * pool.h - running n independent items on a few threads.
 *
 * The items 0..n-1 are handed out in order, chunk at a time, to the
 * calling thread and up to threads-1 others; each thread has a state of
 * its own (a read buffer, a hash context, open directories), made by
 * state_new and freed by state_free. The first failure stops the others
 * from taking more; of the items that failed, the one with the lowest
 * index gives the error, so that the message does not depend on
 * scheduling.
 */
#ifndef SV_BASE_POOL_H
#define SV_BASE_POOL_H

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

#endif
