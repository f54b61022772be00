#include "config.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/pool.h"
#include "base/xalloc.h"
#include "unit.h"

/* ---- sv_pool_run ---- */

struct items {
	atomic_int *seen;
	size_t fail_from;    /* items at or after this one fail */
};

static int
run_item(void *ctx, void *state, size_t i, struct sv_err *e)
{
	struct items *it = ctx;

	(void)state;
	atomic_fetch_add(&it->seen[i], 1);
	if (i >= it->fail_from)
		return sv_err_set(e, SV_INPUT, "item %zu failed", i);
	return SV_OK;
}

START_TEST(pool_runs_every_item_once)
{
	atomic_int seen[1000];
	struct items it = { seen, (size_t)-1 };
	struct sv_pool p = { .n = 1000, .chunk = 7, .threads = 4, .ctx = &it,
	    .run = run_item };
	struct sv_err e;
	size_t i;

	for (i = 0; i < 1000; i++)
		atomic_init(&seen[i], 0);
	sv_err_init(&e);
	ck_assert_int_eq(sv_pool_run(&p, &e), SV_OK);
	for (i = 0; i < 1000; i++)
		ck_assert_int_eq(atomic_load(&seen[i]), 1);
}
END_TEST

START_TEST(pool_reports_the_lowest_failure)
{
	atomic_int seen[500];
	struct items it = { seen, 100 };
	struct sv_pool p = { .n = 500, .chunk = 1, .threads = 3, .ctx = &it,
	    .run = run_item };
	struct sv_err e;
	size_t i;

	for (i = 0; i < 500; i++)
		atomic_init(&seen[i], 0);
	sv_err_init(&e);
	ck_assert_int_eq(sv_pool_run(&p, &e), SV_INPUT);
	ck_assert_str_eq(e.msg, "item 100 failed");
	for (i = 0; i < 100; i++)
		ck_assert_int_eq(atomic_load(&seen[i]), 1);
}
END_TEST

/* ---- sv_pipeline ---- */

struct job {
	unsigned seq;
	unsigned long result;
	unsigned long burn;
	int ran;
	int had_state;
};

static atomic_int states_made, states_freed;

static void *
job_state(void *ctx)
{
	(void)ctx;
	atomic_fetch_add(&states_made, 1);
	return xcalloc(1, 1);
}

static void
job_state_free(void *state)
{
	atomic_fetch_add(&states_freed, 1);
	free(state);
}

/* Uneven work, so that jobs finish out of order. */
static void
run_job(void *ctx, void *state, void *p)
{
	struct job *j = p;
	unsigned long x = j->seq;
	unsigned k, rounds = (j->seq * 7919u) % 20000u;

	(void)ctx;
	for (k = 0; k < rounds; k++)
		x = x * 6364136223846793005ul + 1442695040888963407ul;
	j->burn = x;
	j->result = j->seq * 3ul;
	j->had_state = state != NULL;
	j->ran++;
}

static void
pipeline_in_order(int threads)
{
	static const struct sv_pipeline_ops ops = {
		.state_new = job_state, .state_free = job_state_free,
		.run = run_job
	};
	struct job jobs[5];
	void *ptrs[5];
	struct sv_pipeline *pl;
	unsigned next = 0, taken = 0, i;

	atomic_store(&states_made, 0);
	atomic_store(&states_freed, 0);
	for (i = 0; i < 5; i++)
		ptrs[i] = &jobs[i];
	pl = sv_pipeline_new(&ops, ptrs, 5, threads);
	while (next < 200) {
		struct job *j = sv_pipeline_next(pl);

		if (j == NULL) {
			struct job *old = sv_pipeline_oldest(pl);

			ck_assert_ptr_nonnull(old);
			ck_assert_uint_eq(old->seq, taken);
			ck_assert_uint_eq(old->result, taken * 3ul);
			ck_assert_int_eq(old->ran, 1);
			ck_assert_int_eq(old->had_state, 1);
			taken++;
			sv_pipeline_release(pl);
			continue;
		}
		/* the same job until it is submitted */
		ck_assert_ptr_eq(sv_pipeline_next(pl), j);
		j->seq = next++;
		j->ran = 0;
		sv_pipeline_submit(pl);
	}
	for (;;) {
		struct job *old = sv_pipeline_oldest(pl);

		if (old == NULL)
			break;
		ck_assert_uint_eq(old->seq, taken);
		ck_assert_uint_eq(old->result, taken * 3ul);
		taken++;
		sv_pipeline_release(pl);
	}
	ck_assert_uint_eq(taken, 200);
	sv_pipeline_free(pl);
	ck_assert_int_eq(atomic_load(&states_made),
	    (threads > 0 ? threads : 0) + 1);
	ck_assert_int_eq(atomic_load(&states_freed),
	    atomic_load(&states_made));
}

START_TEST(pipeline_without_workers)
{
	pipeline_in_order(0);
}
END_TEST

START_TEST(pipeline_results_in_submission_order)
{
	pipeline_in_order(1);
	pipeline_in_order(4);
}
END_TEST

START_TEST(pipeline_full_ring_gives_no_job)
{
	static const struct sv_pipeline_ops ops = { .run = run_job };
	struct job jobs[2] = { { 0 }, { 0 } };
	void *ptrs[2] = { &jobs[0], &jobs[1] };
	struct sv_pipeline *pl = sv_pipeline_new(&ops, ptrs, 2, 2);

	ck_assert_ptr_null(sv_pipeline_oldest(pl));
	jobs[0].seq = 0;
	ck_assert_ptr_eq(sv_pipeline_next(pl), &jobs[0]);
	sv_pipeline_submit(pl);
	ck_assert_ptr_eq(sv_pipeline_next(pl), &jobs[1]);
	sv_pipeline_submit(pl);
	ck_assert_ptr_null(sv_pipeline_next(pl));
	ck_assert_ptr_eq(sv_pipeline_oldest(pl), &jobs[0]);
	sv_pipeline_release(pl);
	ck_assert_ptr_eq(sv_pipeline_next(pl), &jobs[0]);
	/* freed with a job submitted and perhaps not run */
	sv_pipeline_free(pl);
}
END_TEST

/* A task that waits until the caller has done its part: it can only end
 * if it runs on a thread of its own while the caller goes on. */
struct handshake {
	atomic_int caller_done;
	atomic_int task_ran;
	bool fail;
};

static int
handshake_run(void *ctx, struct sv_err *e)
{
	struct handshake *h = ctx;

	while (!atomic_load(&h->caller_done))
		;
	atomic_store(&h->task_ran, 1);
	if (h->fail)
		return sv_err_set(e, SV_INPUT, "cannot walk 'x': no such file");
	return SV_OK;
}

START_TEST(task_runs_beside_the_caller)
{
	struct handshake h, g;
	struct sv_task t, u;
	struct sv_err e;

	memset(&h, 0, sizeof(h));
	memset(&g, 0, sizeof(g));
	g.fail = true;
	t.run = handshake_run;
	t.ctx = &h;
	u.run = handshake_run;
	u.ctx = &g;
	sv_task_start(&t);
	sv_task_start(&u);
	ck_assert_int_eq(atomic_load(&h.task_ran), 0);
	atomic_store(&h.caller_done, 1);
	atomic_store(&g.caller_done, 1);
	sv_err_init(&e);
	ck_assert_int_eq(sv_task_wait(&t, &e), SV_OK);
	ck_assert_int_eq(atomic_load(&h.task_ran), 1);
	ck_assert_int_eq(e.status, SV_OK);
	ck_assert_int_eq(sv_task_wait(&u, &e), SV_INPUT);
	ck_assert_str_eq(e.msg, "cannot walk 'x': no such file");
}
END_TEST

Suite *
make_suite(void)
{
	Suite *s = suite_create("pool");
	TCase *tc = tcase_create("pool");

	tcase_add_test(tc, pool_runs_every_item_once);
	tcase_add_test(tc, pool_reports_the_lowest_failure);
	tcase_add_test(tc, pipeline_without_workers);
	tcase_add_test(tc, pipeline_results_in_submission_order);
	tcase_add_test(tc, pipeline_full_ring_gives_no_job);
	tcase_add_test(tc, task_runs_beside_the_caller);
	suite_add_tcase(s, tc);
	return s;
}
