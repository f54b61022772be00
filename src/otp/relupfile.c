/*
 * relupfile.c - the inputs of a relup and its file (see relupfile.h).
 */
#include "config.h"

#include "otp/relupfile.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/buf.h"
#include "base/pool.h"
#include "base/outfile.h"
#include "base/xalloc.h"
#include "adapt/sha256.h"
#include "core/index.h"

void
sv_otp_relup_inputs_init(struct sv_otp_relup_inputs *in)
{
	memset(in, 0, sizeof(*in));
	sv_otp_input_init(&in->newin);
	sv_digest_memo_init(&in->memo);
}

void
sv_otp_relup_inputs_release(struct sv_otp_relup_inputs *in)
{
	size_t i;

	for (i = 0; i < in->n; i++) {
		sv_otp_input_release(in->v[i]);
		free(in->v[i]);
	}
	free(in->v);
	sv_strv_free(in->paths, in->nold);
	free(in->bases);
	sv_otp_input_release(&in->newin);
	sv_digest_memo_release(&in->memo);
	for (i = 0; i < in->nwalks; i++)
		sv_index_release(&in->walks[i]);
	free(in->walks);
	sv_otp_relup_inputs_init(in);
}

/* A new input, a heap object of its own: growing the vector never moves
 * one that a base points into. */
static struct sv_otp_input *
add_input(struct sv_otp_relup_inputs *in)
{
	struct sv_otp_input *i = xmalloc(sizeof(*i));

	sv_otp_input_init(i);
	in->v = xrealloc(in->v, (in->n + 1) * sizeof(*in->v));
	in->v[in->n++] = i;
	return i;
}

static bool
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool
has_release(const char *root, const char *vsn)
{
	struct buf p;
	bool yes;

	buf_init(&p);
	buf_addf(&p, "%s/releases/%s", root, vsn);
	yes = is_dir(p.s);
	buf_release(&p);
	return yes;
}

/* The base release vsn: an opened OLD that is it, else the first root
 * (the OLDs, then NEW) that holds it. */
static int
open_base(struct sv_otp_relup_inputs *in, const char *vsn,
    struct sv_otp_release **out, struct sv_err *e)
{
	const char **roots = xcalloc(in->nold + 2, sizeof(*roots));
	size_t i, nroots = 0;
	struct buf where;
	int status = SV_OK;

	for (i = 0; i < in->nold; i++)
		if (strcmp(in->v[i]->rel.vsn, vsn) == 0) {
			*out = &in->v[i]->rel;
			goto out;
		}
	for (i = 0; i < in->nold; i++)
		roots[nroots++] = in->paths[i];
	roots[nroots++] = in->newpath;
	for (i = 0; i < nroots; i++) {
		struct sv_otp_input *base;

		if (!is_dir(roots[i]) || !has_release(roots[i], vsn))
			continue;
		base = add_input(in);
		if ((status = sv_otp_input_open(base, roots[i], vsn, e)) == SV_OK)
			*out = &base->rel;
		goto out;
	}
	buf_init(&where);
	for (i = 0; i < nroots; i++)
		buf_addf(&where, "%s'%s'", i ? (i + 1 == nroots ? " or " : ", ") :
		    "", roots[i]);
	status = sv_err_set(e, SV_INPUT, "release %s not found in %s", vsn,
	    where.s);
	buf_release(&where);
out:
	free(roots);
	return status;
}

int
sv_otp_relup_inputs_open(struct sv_otp_relup_inputs *in,
    const char *newpath, const char *to, char *const *olds, size_t nold,
    char *const *vsns, size_t nvsns, struct sv_err *e)
{
	/* NEW and every OLD, loaded together. */
	struct sv_otp_input **all = xcalloc(nold + 1, sizeof(*all));
	const char **paths = xcalloc(nold + 1, sizeof(*paths));
	const char **want = xcalloc(nold + 1, sizeof(*want));
	size_t i;
	int status;

	in->newpath = newpath;
	in->nold = nold;
	in->paths = xcalloc(nold + 1, sizeof(*in->paths));
	for (i = 0; i < nold; i++) {
		in->paths[i] = xstrdup(olds[i]);
		all[i + 1] = add_input(in);
		paths[i + 1] = olds[i];
	}
	all[0] = &in->newin;
	paths[0] = newpath;
	want[0] = to;
	status = sv_otp_inputs_open(all, paths, want, nold + 1, e);
	free(all);
	free(paths);
	free(want);
	if (status)
		return status;
	in->bases = xcalloc(nold + nvsns + 1, sizeof(*in->bases));
	if (nvsns == 0) {
		for (i = 0; i < nold; i++)
			in->bases[in->nbases++] = &in->v[i]->rel;
		return SV_OK;
	}
	for (i = 0; i < nvsns; i++)
		if ((status = open_base(in, vsns[i], &in->bases[in->nbases++],
		    e)))
			return status;
	return SV_OK;
}

int
sv_otp_relup_vsns(const char *s, char ***out, size_t *n, struct sv_err *e)
{
	const char *p = s;

	*out = NULL;
	*n = 0;
	for (;;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == 0) {
			sv_strv_free(*out, *n);
			*out = NULL;
			*n = 0;
			return sv_err_set(e, SV_USAGE, "invalid --from '%s': "
			    "expected versions separated by commas", s);
		}
		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		(*out)[(*n)++] = xstrndup(p, len);
		if (end == NULL)
			return SV_OK;
		p = end + 1;
	}
}

/* The builds the provenance names, the caller's array of in->nbases + 1
 * (strings borrowed from in): each base's (as given, when an OLD is it,
 * else its root), then NEW as given. */
static const char **
build_paths(const struct sv_otp_relup_inputs *in)
{
	const char **paths = xcalloc(in->nbases + 1, sizeof(*paths));
	size_t i, k;

	for (i = 0; i < in->nbases; i++) {
		const struct sv_otp_release *b = in->bases[i];

		paths[i] = b->root;
		if (b == &in->newin.rel)
			paths[i] = in->newpath;
		for (k = 0; k < in->n; k++)
			if (&in->v[k]->rel == b)
				paths[i] = k < in->nold ? in->paths[k] :
				    b->root;
	}
	paths[in->nbases] = in->newpath;
	return paths;
}

/* ---- walking the builds ---- */

/* sv_index_walk_skip's filter for a prewalk: everything, once stopped. */
static bool
prewalk_stopped(const char *rel, void *ctx)
{
	struct sv_otp_relup_prewalk *pw = ctx;

	(void)rel;
	return atomic_load_explicit(&pw->stop, memory_order_relaxed);
}

/* sv_pool's run for a prewalk: walk the i-th path. */
static int
prewalk_one(void *ctx, void *state, size_t i, struct sv_err *e)
{
	struct sv_otp_relup_prewalk *pw = ctx;

	(void)state;
	return sv_index_walk_skip(&pw->walks[i], pw->paths[i],
	    prewalk_stopped, pw, e);
}

/* sv_task's run: walk every path, and ready SHA-256 (its failure is
 * met again, and told, where the provenance hashes). */
static int
prewalk_run(void *ctx, struct sv_err *e)
{
	struct sv_otp_relup_prewalk *pw = ctx;
	struct sv_pool pool;
	struct sv_err ignored;

	sv_err_init(&ignored);
	sv_sha256_ready(&ignored);
	memset(&pool, 0, sizeof(pool));
	pool.n = pw->n;
	pool.ctx = pw;
	pool.run = prewalk_one;
	return sv_pool_run(&pool, e);
}

void
sv_otp_relup_prewalk_start(struct sv_otp_relup_prewalk *pw,
    const char *newpath, char *const *olds, size_t nold)
{
	size_t i;

	memset(pw, 0, sizeof(*pw));
	atomic_init(&pw->stop, false);
	pw->paths = xcalloc(nold + 1, sizeof(*pw->paths));
	pw->walks = xcalloc(nold + 1, sizeof(*pw->walks));
	for (i = 0; i <= nold; i++) {
		const char *p = i < nold ? olds[i] : newpath;

		if (is_dir(p)) {
			sv_index_init(&pw->walks[pw->n]);
			pw->paths[pw->n++] = xstrdup(p);
		}
	}
	pw->task.run = prewalk_run;
	pw->task.ctx = pw;
	sv_task_start(&pw->task);
}

/* Wait for pw to end (again: the same answer); false if it failed (its
 * walks are then of no use). */
static bool
prewalk_wait(struct sv_otp_relup_prewalk *pw)
{
	struct sv_err ignored;

	sv_err_init(&ignored);
	return sv_task_wait(&pw->task, &ignored) == SV_OK;
}

void
sv_otp_relup_prewalk_end(struct sv_otp_relup_prewalk *pw)
{
	size_t i;

	if (pw->paths == NULL)
		return;
	atomic_store_explicit(&pw->stop, true, memory_order_relaxed);
	prewalk_wait(pw);
	for (i = 0; i < pw->n; i++)
		sv_index_release(&pw->walks[i]);
	sv_strv_free(pw->paths, pw->n);
	free(pw->walks);
	memset(pw, 0, sizeof(*pw));
}

/* Move pw's walk of path into *out, if it has one not taken already. */
static void
prewalk_take(struct sv_otp_relup_prewalk *pw, const char *path,
    struct sv_index *out)
{
	size_t i;

	for (i = 0; pw != NULL && i < pw->n; i++)
		if (pw->walks[i].root != NULL && strcmp(pw->paths[i], path) == 0) {
			*out = pw->walks[i];
			sv_index_init(&pw->walks[i]);
			return;
		}
}

/* sv_pool's run for the walks: walk the i-th build, if a directory the
 * prewalk did not (a walk taken from it has its root set). */
struct walking {
	struct sv_otp_relup_inputs *in;
	const char **paths;
};

static int
walk_one(void *ctx, void *state, size_t i, struct sv_err *e)
{
	struct walking *w = ctx;

	(void)state;
	if (w->in->walks[i].root != NULL || !is_dir(w->paths[i]))
		return SV_OK;
	return sv_index_walk(&w->in->walks[i], w->paths[i], e);
}

int
sv_otp_relup_inputs_walk(struct sv_otp_relup_inputs *in,
    struct sv_otp_relup_prewalk *pw, struct sv_err *e)
{
	struct walking w;
	struct sv_pool pool;
	size_t i, n = in->nbases + 1;
	int status;

	/* What is walked must be the roots' own (a symlink out of one
	 * fails the walk: this says why). */
	for (i = 0; i < n; i++)
		if ((status = sv_otp_release_self_contained(i < in->nbases ?
		    in->bases[i] : &in->newin.rel, e)))
			return status;
	if (pw != NULL && pw->paths != NULL && !prewalk_wait(pw))
		pw = NULL;
	in->walks = xcalloc(n, sizeof(*in->walks));
	in->nwalks = n;
	w.in = in;
	w.paths = build_paths(in);
	for (i = 0; i < n; i++) {
		sv_index_init(&in->walks[i]);
		prewalk_take(pw, w.paths[i], &in->walks[i]);
	}
	memset(&pool, 0, sizeof(pool));
	pool.n = n;
	pool.ctx = &w;
	pool.run = walk_one;
	status = sv_pool_run(&pool, e);
	free(w.paths);
	return status;
}

int
sv_otp_relup_inputs_wrote(struct sv_otp_relup_inputs *in,
    char *const *paths, size_t n, struct sv_err *e)
{
	size_t i;
	int status = SV_OK;

	for (i = 0; i < in->nwalks && status == SV_OK; i++)
		if (in->walks[i].root != NULL)
			status = sv_index_relook(&in->walks[i], paths, n, e);
	return status;
}

/* The builds whose digests the provenance names, digested in parallel
 * (two trees walk in the time of one). */
struct digests {
	struct sv_otp_relup_inputs *in;
	const char **paths;    /* the bases' builds, then NEW */
	const char **kinds;
	unsigned char (*d)[32];
};

/* sv_pool's run: digest the i-th build, from its walk when there is one. */
static int
digest_one(void *ctx, void *state, size_t i, struct sv_err *e)
{
	struct digests *g = ctx;
	struct sv_index *walk = i < g->in->nwalks ? &g->in->walks[i] : NULL;
	int status;

	(void)state;
	if (walk == NULL || walk->root == NULL)
		return sv_build_digest_memo(g->paths[i], &g->in->memo,
		    &g->kinds[i], g->d[i], e);
	g->kinds[i] = "tree";
	if ((status = sv_index_hash_walked(walk, &g->in->memo, e)) == SV_OK)
		sv_index_digest(walk, g->d[i]);
	return status;
}

/* The relup's provenance, as comment lines: what each base came from and
 * NEW, by digest. */
static int
provenance(struct buf *out, struct sv_otp_relup_inputs *in,
    struct sv_err *e)
{
	struct digests g;
	struct sv_pool pool;
	char hex[SV_SHA256_HEX];
	size_t i, n = in->nbases + 1;
	int status;

	g.in = in;
	g.paths = build_paths(in);
	g.kinds = xcalloc(n, sizeof(*g.kinds));
	g.d = xcalloc(n, sizeof(*g.d));
	/* shared by the threads from here: read only */
	sv_digest_memo_sort(&in->memo);
	memset(&pool, 0, sizeof(pool));
	pool.n = n;
	pool.ctx = &g;
	pool.run = digest_one;
	if ((status = sv_pool_run(&pool, e)) == SV_OK)
		for (i = 0; i < n; i++) {
			sv_sha256_hex(g.d[i], hex);
			if (i < in->nbases)
				buf_addf(out, "%%%% smoothver derived-from %s %s "
				    "%s\n", in->bases[i]->vsn, g.kinds[i], hex);
			else
				buf_addf(out, "%%%% smoothver derived-to %s %s "
				    "%s\n", in->newin.rel.vsn, g.kinds[i], hex);
		}
	free(g.paths);
	free(g.kinds);
	free(g.d);
	return status;
}

int
sv_otp_relup_write(const struct sv_otp_relup *r,
    struct sv_otp_relup_inputs *in, const char *dest, struct sv_err *e)
{
	struct buf text, file;
	const char *body;
	int status;

	buf_init(&text);
	buf_init(&file);
	sv_otp_relup_text(r, &text);
	body = text.s;
	/* The encoding comment stays on the first line. */
	if (strncmp(body, "%% coding", 9) == 0 && strchr(body, '\n')) {
		buf_add(&file, body, (size_t)(strchr(body, '\n') + 1 - body));
		body = strchr(body, '\n') + 1;
	}
	if ((status = provenance(&file, in, e)) == SV_OK) {
		buf_adds(&file, body);
		status = sv_write_file_nosync(dest, file.s, file.len, e);
	}
	buf_release(&file);
	buf_release(&text);
	return status;
}
