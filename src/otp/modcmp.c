/*
 * modcmp.c - comparing the modules of two builds, many at once.
 *
 * The cache file ("otp" kind, keyed by the two roots' real paths, in that
 * order) is text: the line "smoothver-otp-modcmp 2\n", then one record per
 * pair of modules compared,
 *
 *	V SIZE MTIME_NS CTIME_NS INO DEV SIZE MTIME_NS CTIME_NS INO DEV PATH_A\0PATH_B\0
 *
 * V is S (the same code) or D (different code), the first five numbers
 * for the a file, the next five for the b file, the paths relative to
 * their roots (absolute when a module lives outside its root). A D
 * record goes on with "LEN\0" and LEN bytes: the two beams' summaries
 * (sv_beam_summary_put), which stand in for the beams themselves. A
 * record that does not parse makes the whole file count as empty.
 */
#include "config.h"

#include "otp/modcmp.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/buf.h"
#include "base/outfile.h"
#include "base/xalloc.h"
#include "core/cache.h"
#include "core/index.h"

#define CACHE_MAGIC "smoothver-otp-modcmp 3\n"
#define CACHE_MAX (64u << 20)

struct stamp {
	uint64_t size, ino, dev;
	int64_t mtime_ns, ctime_ns;
};

struct centry {
	const char *a, *b;   /* into the loaded file */
	struct stamp sa, sb;
	bool same;
	const char *sum;     /* D: the summaries, sum_len bytes */
	size_t sum_len;
};

struct cache {
	char *file;          /* owned; NULL: no cache */
	struct buf data;     /* the file as read */
	struct centry *v;    /* owned, in file order */
	size_t n;
	const struct centry **sorted; /* owned: v by (a, b), made on the
	                                 first lookup that needs it */
};

struct job {
	struct sv_otp_modpair *v;
	size_t n;
	const char *root_a, *root_b;
	const struct centry **ce; /* per pair: its cache entry, or NULL */
	struct stamp *sa, *sb;   /* per pair: the files' status */
	bool *stamped, *hit;     /* per pair */
	atomic_size_t next;
	atomic_bool stop;
	pthread_mutex_t lock;
	size_t fail_at;
	struct sv_err fail;
};

static int64_t
ns(struct timespec ts)
{
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static bool
stamp_of(const char *path, struct stamp *s)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return false;
	s->size = (uint64_t)st.st_size;
	s->ino = (uint64_t)st.st_ino;
	s->dev = (uint64_t)st.st_dev;
	s->mtime_ns = ns(st.st_mtim);
	s->ctime_ns = ns(st.st_ctim);
	return true;
}

static bool
stamp_eq(const struct stamp *x, const struct stamp *y)
{
	return x->size == y->size && x->ino == y->ino && x->dev == y->dev &&
	    x->mtime_ns == y->mtime_ns && x->ctime_ns == y->ctime_ns;
}

/* Changed long enough before start that a later change shows. */
static bool
stamp_settled(const struct stamp *s, int64_t start)
{
	int64_t last = s->mtime_ns > s->ctime_ns ? s->mtime_ns : s->ctime_ns;

	return last < start - SV_OTP_MODCMP_SETTLE_NS;
}

/* path relative to root when it is below it, else path itself. */
static const char *
rel_to(const char *path, const char *root)
{
	size_t n = strlen(root);

	while (n > 1 && root[n - 1] == '/')
		n--;
	if (strncmp(path, root, n) == 0 && path[n] == '/')
		return path + n + 1;
	return path;
}

static int
centry_cmp(const void *x, const void *y)
{
	const struct centry *p = *(const struct centry *const *)x;
	const struct centry *q = *(const struct centry *const *)y;
	int c = strcmp(p->a, q->a);

	return c != 0 ? c : strcmp(p->b, q->b);
}

static bool
parse_stamp(char **p, struct stamp *s)
{
	unsigned long long u[3];
	long long t[2];
	char *end;

	errno = 0;
	u[0] = strtoull(*p, &end, 10);
	if (*end != ' ')
		return false;
	t[0] = strtoll(end + 1, &end, 10);
	if (*end != ' ')
		return false;
	t[1] = strtoll(end + 1, &end, 10);
	if (*end != ' ')
		return false;
	u[1] = strtoull(end + 1, &end, 10);
	if (*end != ' ')
		return false;
	u[2] = strtoull(end + 1, &end, 10);
	if (*end != ' ' || errno != 0)
		return false;
	s->size = u[0];
	s->mtime_ns = t[0];
	s->ctime_ns = t[1];
	s->ino = u[1];
	s->dev = u[2];
	*p = end + 1;
	return true;
}

static void
cache_release(struct cache *c)
{
	free(c->file);
	buf_release(&c->data);
	free(c->v);
	free(c->sorted);
	memset(c, 0, sizeof(*c));
}

/* Load the cache of the two roots; anything wrong leaves it empty. */
static void
cache_load(struct cache *c, const char *root_a, const char *root_b)
{
	const char *keys[2] = { root_a, root_b };
	struct sv_err ignored;
	size_t alloc = 0;
	char *p, *end;

	memset(c, 0, sizeof(*c));
	buf_init(&c->data);
	if (root_a == NULL || root_b == NULL ||
	    (c->file = sv_cache_file("otp", keys, 2)) == NULL)
		return;
	sv_err_init(&ignored);
	if (sv_read_file(c->file, &c->data, CACHE_MAX, &ignored) != SV_OK ||
	    c->data.len < sizeof(CACHE_MAGIC) - 1 ||
	    memcmp(c->data.s, CACHE_MAGIC, sizeof(CACHE_MAGIC) - 1) != 0)
		return;
	p = c->data.s + sizeof(CACHE_MAGIC) - 1;
	end = c->data.s + c->data.len;
	while (p < end) {
		struct centry ce;
		size_t la, lb;

		/* The buffer is NUL-terminated, so the number parsers stop
		 * at its end; the paths must end inside it. */
		if ((p[0] != 'S' && p[0] != 'D') || p[1] != ' ') {
			c->n = 0;
			return;
		}
		ce.same = p[0] == 'S';
		p += 2;
		if (!parse_stamp(&p, &ce.sa) || !parse_stamp(&p, &ce.sb) ||
		    (la = strnlen(p, (size_t)(end - p))) == (size_t)(end - p) ||
		    (lb = strnlen(p + la + 1, (size_t)(end - p - la - 1))) ==
		    (size_t)(end - p - la - 1)) {
			c->n = 0;
			return;
		}
		ce.a = p;
		ce.b = p + la + 1;
		p += la + lb + 2;
		ce.sum = NULL;
		ce.sum_len = 0;
		if (!ce.same) {
			char *stop = p;
			unsigned long long n = 0;

			if (*p >= '0' && *p <= '9')
				n = strtoull(p, &stop, 10);
			if (stop == p || *stop != '\0' ||
			    n > (unsigned long long)(end - stop - 1)) {
				c->n = 0;
				return;
			}
			ce.sum = stop + 1;
			ce.sum_len = (size_t)n;
			p = stop + 1 + n;
		}
		xgrow(&c->v, &alloc, c->n + 1, sizeof(*c->v));
		c->v[c->n++] = ce;
	}
}

/*
 * The entry for the k-th pair, paths a and b. The cache was written from
 * the same comparison more often than not, so entry k is tried first;
 * otherwise a sorted view is searched.
 */
static const struct centry *
cache_find(struct cache *c, size_t k, const char *a, const char *b)
{
	struct centry key;
	const struct centry *kp = &key, **hit;
	size_t i;

	if (k < c->n && strcmp(c->v[k].a, a) == 0 && strcmp(c->v[k].b, b) == 0)
		return &c->v[k];
	if (c->n == 0)
		return NULL;
	if (c->sorted == NULL) {
		c->sorted = xcalloc(c->n, sizeof(*c->sorted));
		for (i = 0; i < c->n; i++)
			c->sorted[i] = &c->v[i];
		qsort(c->sorted, c->n, sizeof(*c->sorted), centry_cmp);
	}
	key.a = a;
	key.b = b;
	hit = bsearch(&kp, c->sorted, c->n, sizeof(*c->sorted), centry_cmp);
	return hit ? *hit : NULL;
}

/* Record what was found the same, if that differs from what was read. */
static void
cache_save(const struct cache *c, const struct job *job, int64_t start)
{
	struct buf out, sum;
	size_t i, nhit = 0, nnew = 0;
	bool *keep;

	if (c->file == NULL)
		return;
	keep = xcalloc(job->n, sizeof(*keep));
	for (i = 0; i < job->n; i++) {
		if (!job->stamped[i])
			continue;
		if (job->hit[i])
			nhit++;
		else if (stamp_settled(&job->sa[i], start) &&
		    stamp_settled(&job->sb[i], start))
			nnew++;
		else
			continue;
		keep[i] = true;
	}
	if (nnew == 0 && nhit == c->n) {
		free(keep);
		return;
	}
	buf_init(&out);
	buf_init(&sum);
	buf_adds(&out, CACHE_MAGIC);
	for (i = 0; i < job->n; i++) {
		const struct stamp *x = &job->sa[i], *y = &job->sb[i];

		if (!keep[i])
			continue;
		buf_addf(&out, "%c %llu %lld %lld %llu %llu %llu %lld %lld %llu "
		    "%llu ", job->v[i].same ? 'S' : 'D',
		    (unsigned long long)x->size, (long long)x->mtime_ns,
		    (long long)x->ctime_ns, (unsigned long long)x->ino,
		    (unsigned long long)x->dev, (unsigned long long)y->size,
		    (long long)y->mtime_ns, (long long)y->ctime_ns,
		    (unsigned long long)y->ino, (unsigned long long)y->dev);
		buf_adds(&out, rel_to(job->v[i].a->path, job->root_a));
		buf_addc(&out, '\0');
		buf_adds(&out, rel_to(job->v[i].b->path, job->root_b));
		buf_addc(&out, '\0');
		if (!job->v[i].same) {
			buf_reset(&sum);
			sv_beam_summary_put(&job->v[i].a->beam, &sum);
			sv_beam_summary_put(&job->v[i].b->beam, &sum);
			buf_addf(&out, "%zu", sum.len);
			buf_addc(&out, '\0');
			buf_add(&out, sum.s, sum.len);
		}
	}
	sv_cache_write(c->file, out.s, out.len);
	buf_release(&out);
	buf_release(&sum);
	free(keep);
}

/* Take the pair's beams from the summaries of a D entry; false if they do
 * not read back (the beams are then read). */
static bool
summaries(struct sv_otp_modpair *p, const struct centry *ce)
{
	const char *q = ce->sum, *end = ce->sum + ce->sum_len;

	if (p->a->loaded || p->b->loaded)
		return false;
	if (!sv_beam_summary_get(&p->a->beam, &q, end))
		return false;
	if (!sv_beam_summary_get(&p->b->beam, &q, end) || q != end ||
	    strcmp(p->a->beam.module, p->a->name) != 0 ||
	    strcmp(p->b->beam.module, p->b->name) != 0) {
		sv_beam_release(&p->a->beam);
		sv_beam_release(&p->b->beam);
		return false;
	}
	p->a->loaded = p->b->loaded = true;
	return true;
}

static int
compare_one(struct job *job, size_t k, struct sv_err *e)
{
	struct sv_otp_modpair *p = &job->v[k];
	const struct centry *ce;

	job->stamped[k] = stamp_of(p->a->path, &job->sa[k]) &&
	    stamp_of(p->b->path, &job->sb[k]);
	if (job->stamped[k] && (ce = job->ce[k]) != NULL &&
	    !p->a->loaded && !p->b->loaded &&
	    stamp_eq(&ce->sa, &job->sa[k]) && stamp_eq(&ce->sb, &job->sb[k])) {
		int status;

		p->same = ce->same;
		job->hit[k] = true;
		if (p->same || summaries(p, ce))
			return SV_OK;
		/* The plan reads what changed: read it now, in parallel. */
		if ((status = sv_otp_module_beam_flags(p->a, SV_BEAM_NO_MD5, e)))
			return status;
		return sv_otp_module_beam_flags(p->b, SV_BEAM_NO_MD5, e);
	}
	return sv_otp_module_same(p->a, p->b, &p->same, e);
}

static void *
worker(void *arg)
{
	struct job *job = arg;
	struct sv_err e;

	sv_err_init(&e);
	while (!atomic_load(&job->stop)) {
		size_t k = atomic_fetch_add(&job->next, 1);

		if (k >= job->n)
			break;
		if (compare_one(job, k, &e) != SV_OK) {
			pthread_mutex_lock(&job->lock);
			if (k < job->fail_at) {
				job->fail_at = k;
				job->fail = e;
			}
			pthread_mutex_unlock(&job->lock);
			atomic_store(&job->stop, true);
		}
	}
	return NULL;
}

int
sv_otp_modpairs_compare(struct sv_otp_modpair *v, size_t n,
    const char *root_a, const char *root_b, struct sv_err *e)
{
	struct cache c;
	struct job job;
	pthread_t tid[64];
	int nthreads = sv_threads(), started = 0, i;
	int64_t start = sv_cache_now_ns();
	size_t k;

	if (n == 0)
		return SV_OK;
	cache_load(&c, root_a, root_b);
	memset(&job, 0, sizeof(job));
	job.v = v;
	job.n = n;
	job.root_a = root_a ? root_a : "";
	job.root_b = root_b ? root_b : "";
	job.ce = xcalloc(n, sizeof(*job.ce));
	if (c.n > 0)
		for (k = 0; k < n; k++)
			job.ce[k] = cache_find(&c, k,
			    rel_to(v[k].a->path, job.root_a),
			    rel_to(v[k].b->path, job.root_b));
	job.sa = xcalloc(n, sizeof(*job.sa));
	job.sb = xcalloc(n, sizeof(*job.sb));
	job.stamped = xcalloc(n, sizeof(*job.stamped));
	job.hit = xcalloc(n, sizeof(*job.hit));
	atomic_init(&job.next, 0);
	atomic_init(&job.stop, false);
	pthread_mutex_init(&job.lock, NULL);
	job.fail_at = (size_t)-1;
	sv_err_init(&job.fail);
	/* A thread is worth starting for a few dozen files, not fewer. */
	if ((size_t)nthreads > n / 32 + 1)
		nthreads = (int)(n / 32 + 1);
	for (i = 1; i < nthreads; i++)
		if (pthread_create(&tid[started], NULL, worker, &job) == 0)
			started++;
	worker(&job);
	for (i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	pthread_mutex_destroy(&job.lock);
	if (job.fail_at == (size_t)-1)
		cache_save(&c, &job, start);
	else
		*e = job.fail;
	free(job.ce);
	free(job.sa);
	free(job.sb);
	free(job.stamped);
	free(job.hit);
	cache_release(&c);
	return job.fail_at == (size_t)-1 ? SV_OK : e->status;
}
