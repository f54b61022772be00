/*
 * pool.c - running items on a few threads (see pool.h).
 */
#include "config.h"

#include "base/pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/outfile.h"

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
