/*
 * modcmp.c - comparing the modules of two builds, many at once.
 *
 * The cache file ("otp" kind, keyed by the two roots' real paths, in that
 * order) starts with the line "smoothver-otp-modcmp 5\n", then holds one
 * record per pair of modules compared, in the machine's byte order (a
 * cache never leaves its machine):
 *
 *	V              1 byte: S (the same code) or D (different code)
 *	STAMP_A        struct stamp of the a file (size, ino, dev, mtime,
 *	STAMP_B          ctime; 5 x 8 bytes), then of the b file
 *	LA, LB, LS     3 x uint32: the lengths that follow
 *	PATH_A\0       LA bytes and a NUL: relative to its root (absolute
 *	PATH_B\0         when a module lives outside its root)
 *	SUMMARIES      LS bytes (D only, else 0): the two beams' summaries
 *	                 (sv_beam_summary_put), which stand in for the beams
 *
 * Binary, because a warm run reads nothing else: parsing text numbers
 * was a tenth of its time. Anything that does not add up makes the whole
 * file count as empty.
 */
#include "config.h"

#include "otp/modcmp.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/outfile.h"
#include "base/pool.h"
#include "base/xalloc.h"
#include "core/cache.h"
#include "core/index.h"

#define CACHE_MAGIC "smoothver-otp-modcmp 5\n"
#define REC_HEAD (1 + 2 * sizeof(struct stamp) + 3 * sizeof(uint32_t))
#define CACHE_MAX (64u << 20)
#define CHUNK 16    /* pairs a worker takes at a time */

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
	int64_t *settle;         /* per pair: the longer settling time of
	                            the two files' file systems */
	bool *stamped, *hit;     /* per pair */
	struct sv_digest_memo *memo; /* borrowed; NULL: no digests wanted */
	unsigned char (*sha_a)[SV_SHA256_LEN], (*sha_b)[SV_SHA256_LEN];
	bool *learnt;            /* per pair: both files read, their SHA-256
	                            in sha_a and sha_b */
	const struct sv_index *walk_a, *walk_b; /* borrowed: the walks of
	                            root_a and root_b, or NULL */
};

/* A directory kept open so that the files in it are looked up by name
 * alone (a path walk per file is most of what a stat costs). */
struct dirfd_cache {
	struct buf dir;
	int fd;          /* -1: none open */
	int64_t settle;  /* sv_settle_ns of fd's file system */
	int64_t last;    /* that of the file dir_of last looked up */
};

/* The directory to look path up in (through dc) and, in *name, the name
 * to look up there: AT_FDCWD and path itself when path has no directory
 * part or the directory cannot be opened. */
static int
dir_of(struct dirfd_cache *dc, const char *path, const char **name)
{
	const char *slash = strrchr(path, '/');
	size_t len;

	*name = path;
	dc->last = SV_SETTLE_NS;
	if (slash == NULL || slash == path)
		return AT_FDCWD;
	len = (size_t)(slash - path);
	if (dc->fd < 0 || dc->dir.len != len ||
	    memcmp(dc->dir.s, path, len) != 0) {
		if (dc->fd >= 0)
			close(dc->fd);
		buf_reset(&dc->dir);
		buf_add(&dc->dir, path, len);
		dc->fd = open(dc->dir.s, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (dc->fd < 0) {
			buf_reset(&dc->dir);
			return AT_FDCWD;
		}
		dc->settle = sv_settle_ns(dc->fd);
	}
	dc->last = dc->settle;
	*name = slash + 1;
	return dc->fd;
}

static void
stamp_from(struct stamp *s, const struct stat *st)
{
	s->size = (uint64_t)st->st_size;
	s->ino = (uint64_t)st->st_ino;
	s->dev = (uint64_t)st->st_dev;
	s->mtime_ns = SV_TIMESPEC_NS(st->st_mtim);
	s->ctime_ns = SV_TIMESPEC_NS(st->st_ctim);
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

/* The status of the file at path below root, as the walk of root saw it
 * (walk may be NULL): false if the walk did not see a regular file
 * there. */
static bool
stamp_walked(const struct sv_index *walk, const char *root, const char *path,
    struct stamp *s)
{
	const char *rel = rel_to(path, root);
	const struct sv_entry *ent;

	if (walk == NULL || rel == path ||
	    (ent = sv_index_find(walk, rel)) == NULL ||
	    ent->type != SV_ENTRY_FILE)
		return false;
	s->size = ent->size;
	s->ino = ent->ino;
	s->dev = ent->dev;
	s->mtime_ns = ent->mtime_ns;
	s->ctime_ns = ent->ctime_ns;
	return true;
}

/* The status of the file at path: what the walk of its root saw (see
 * stamp_walked), else a stat now through the cached directory, which
 * tells the file system's settling time either way. */
static bool
stamp_look(struct dirfd_cache *dc, const struct sv_index *walk,
    const char *root, const char *path, struct stamp *s)
{
	const char *name;
	int dfd = dir_of(dc, path, &name);
	struct stat st;

	if (stamp_walked(walk, root, path, s))
		return true;
	if (fstatat(dfd, name, &st, 0) < 0)
		return false;
	stamp_from(s, &st);
	return true;
}

/* Read the file at path into out (through the cached directory), with
 * its status as it was opened in *s. */
static int
read_at(struct dirfd_cache *dc, const char *path, struct buf *out,
    struct stamp *s, struct sv_err *e)
{
	const char *name;
	int dfd = dir_of(dc, path, &name), status;
	struct stat st;

	if ((status = sv_read_file_at(dfd, name, path, out, SV_BEAM_MAX, &st,
	    e)) == SV_OK)
		stamp_from(s, &st);
	return status;
}

static bool
stamp_eq(const struct stamp *x, const struct stamp *y)
{
	return x->size == y->size && x->ino == y->ino && x->dev == y->dev &&
	    x->mtime_ns == y->mtime_ns && x->ctime_ns == y->ctime_ns;
}

/* Changed long enough before start that a later change shows. */
static bool
stamp_settled(const struct stamp *s, int64_t start, int64_t settle)
{
	return sv_settled(s->mtime_ns, s->ctime_ns, settle, start);
}

/* The pair k's settling time, from the lookups of its two files. */
static void
note_settle(struct job *job, size_t k, const struct dirfd_cache *da,
    const struct dirfd_cache *db)
{
	job->settle[k] = da->last > db->last ? da->last : db->last;
}

static int
centry_cmp(const void *x, const void *y)
{
	const struct centry *p = *(const struct centry *const *)x;
	const struct centry *q = *(const struct centry *const *)y;
	int c = strcmp(p->a, q->a);

	return c != 0 ? c : strcmp(p->b, q->b);
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
		uint32_t len[3];

		if ((size_t)(end - p) < REC_HEAD || (*p != 'S' && *p != 'D'))
			goto bad;
		ce.same = *p == 'S';
		memcpy(&ce.sa, p + 1, sizeof(ce.sa));
		memcpy(&ce.sb, p + 1 + sizeof(ce.sa), sizeof(ce.sb));
		memcpy(len, p + 1 + 2 * sizeof(ce.sa), sizeof(len));
		p += REC_HEAD;
		if ((uint64_t)len[0] + len[1] + len[2] + 2 > (uint64_t)(end - p) ||
		    p[len[0]] != '\0' || p[len[0] + 1 + len[1]] != '\0' ||
		    (ce.same && len[2] != 0))
			goto bad;
		ce.a = p;
		ce.b = p + len[0] + 1;
		ce.sum = ce.b + len[1] + 1;
		ce.sum_len = len[2];
		p = (char *)ce.sum + ce.sum_len;
		xgrow(&c->v, &alloc, c->n + 1, sizeof(*c->v));
		c->v[c->n++] = ce;
	}
	return;
bad:
	c->n = 0;
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

/* Append the record of pair i (sum: scratch space). */
static void
put_record(struct buf *out, struct buf *sum, const struct job *job, size_t i)
{
	const struct sv_otp_modpair *p = &job->v[i];
	const char *a = rel_to(p->a->path, job->root_a);
	const char *b = rel_to(p->b->path, job->root_b);
	uint32_t len[3];

	buf_reset(sum);
	if (!p->same) {
		sv_beam_summary_put(p->a->beam, sum);
		sv_beam_summary_put(p->b->beam, sum);
	}
	len[0] = (uint32_t)strlen(a);
	len[1] = (uint32_t)strlen(b);
	len[2] = (uint32_t)sum->len;
	buf_addc(out, p->same ? 'S' : 'D');
	buf_add(out, &job->sa[i], sizeof(job->sa[i]));
	buf_add(out, &job->sb[i], sizeof(job->sb[i]));
	buf_add(out, len, sizeof(len));
	buf_add(out, a, len[0] + 1);
	buf_add(out, b, len[1] + 1);
	buf_add(out, sum->s, sum->len);
}

/* Record what was compared, if that differs from what was read. */
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
		else if (stamp_settled(&job->sa[i], start, job->settle[i]) &&
		    stamp_settled(&job->sb[i], start, job->settle[i]))
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
	for (i = 0; i < job->n; i++)
		if (keep[i])
			put_record(&out, &sum, job, i);
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
	struct sv_beam *a, *b;

	if (p->a->loaded || p->b->loaded)
		return false;
	a = xmalloc(sizeof(*a));
	b = xmalloc(sizeof(*b));
	sv_beam_init(a);
	sv_beam_init(b);
	if (!sv_beam_summary_get(a, &q, end) ||
	    !sv_beam_summary_get(b, &q, end) || q != end ||
	    strcmp(a->module, p->a->name) != 0 ||
	    strcmp(b->module, p->b->name) != 0) {
		sv_beam_release(a);
		sv_beam_release(b);
		free(a);
		free(b);
		return false;
	}
	sv_otp_module_take(p->a, a);
	sv_otp_module_take(p->b, b);
	return true;
}

/* Compare the k-th pair, which the cache does not know and neither of
 * whose beams is read: each file is read once, through the thread's
 * directories, its status taken as it is opened, and hashed when the
 * caller wants the digests (an identical pair once). */
static int
compare_fresh(struct job *job, size_t k, struct dirfd_cache *da,
    struct dirfd_cache *db, struct sv_err *e)
{
	struct sv_otp_modpair *p = &job->v[k];
	struct buf x, y;
	int status;

	buf_init(&x);
	buf_init(&y);
	if ((status = read_at(da, p->a->path, &x, &job->sa[k], e)) ||
	    (status = read_at(db, p->b->path, &y, &job->sb[k], e)))
		goto out;
	job->stamped[k] = true;
	note_settle(job, k, da, db);
	if (job->memo != NULL) {
		sv_sha256(x.s, x.len, job->sha_a[k]);
		if (x.len == y.len && memcmp(x.s, y.s, x.len) == 0)
			memcpy(job->sha_b[k], job->sha_a[k], SV_SHA256_LEN);
		else
			sv_sha256(y.s, y.len, job->sha_b[k]);
		job->learnt[k] = true;
	}
	status = sv_otp_module_same_bytes(p->a, &x, p->b, &y, &p->same, e);
out:
	buf_release(&x);
	buf_release(&y);
	return status;
}

static int
compare_one(struct job *job, size_t k, struct dirfd_cache *da,
    struct dirfd_cache *db, struct sv_err *e)
{
	struct sv_otp_modpair *p = &job->v[k];
	const struct centry *ce = job->ce[k];

	if (ce == NULL && !p->a->loaded && !p->b->loaded &&
	    strcmp(p->a->path, p->b->path) != 0)
		return compare_fresh(job, k, da, db, e);
	job->stamped[k] = stamp_look(da, job->walk_a, job->root_a,
	    p->a->path, &job->sa[k]) && stamp_look(db, job->walk_b,
	    job->root_b, p->b->path, &job->sb[k]);
	note_settle(job, k, da, db);
	if (job->stamped[k] && ce != NULL &&
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


/* Remember that the file stamped st has the digest sha. */
static void
memo_add(struct sv_digest_memo *memo, const struct stamp *st,
    int64_t settle, const unsigned char sha[SV_SHA256_LEN])
{
	struct sv_digest_memo_entry m;

	m.dev = st->dev;
	m.ino = st->ino;
	m.size = st->size;
	m.mtime_ns = st->mtime_ns;
	m.ctime_ns = st->ctime_ns;
	m.settle_ns = settle;
	memcpy(m.sha256, sha, SV_SHA256_LEN);
	sv_digest_memo_add(memo, &m);
}

/* Offer the digests of the files read to the memo. */
static void
memo_learn(const struct job *job)
{
	size_t k;

	for (k = 0; k < job->n; k++) {
		if (!job->learnt[k])
			continue;
		memo_add(job->memo, &job->sa[k], job->settle[k], job->sha_a[k]);
		memo_add(job->memo, &job->sb[k], job->settle[k], job->sha_b[k]);
	}
}

/* A comparing thread's open directories. */
struct dirs {
	struct dirfd_cache a, b;
};

static void *
dirs_new(void *ctx)
{
	struct dirs *d = xmalloc(sizeof(*d));

	(void)ctx;
	buf_init(&d->a.dir);
	buf_init(&d->b.dir);
	d->a.fd = d->b.fd = -1;
	d->a.settle = d->b.settle = d->a.last = d->b.last = SV_SETTLE_NS;
	return d;
}

static void
dirs_free(void *state)
{
	struct dirs *d = state;

	if (d->a.fd >= 0)
		close(d->a.fd);
	if (d->b.fd >= 0)
		close(d->b.fd);
	buf_release(&d->a.dir);
	buf_release(&d->b.dir);
	free(d);
}

/* sv_pool's run: compare the k-th pair. */
static int
compare_k(void *ctx, void *state, size_t k, struct sv_err *e)
{
	struct dirs *d = state;

	return compare_one(ctx, k, &d->a, &d->b, e);
}

/* The walk among walks (nwalks) whose root is spelt root, or NULL. */
static const struct sv_index *
walk_of(const struct sv_index *walks, size_t nwalks, const char *root)
{
	size_t i;

	for (i = 0; root != NULL && i < nwalks; i++)
		if (walks[i].root != NULL && strcmp(walks[i].root, root) == 0)
			return &walks[i];
	return NULL;
}

int
sv_otp_modpairs_compare(struct sv_otp_modpair *v, size_t n,
    const char *root_a, const char *root_b, struct sv_digest_memo *memo,
    const struct sv_index *walks, size_t nwalks, struct sv_err *e)
{
	struct cache c;
	struct job job;
	struct sv_pool pool;
	int64_t start = sv_cache_now_ns();
	size_t k, misses = 0;
	int status;

	if (n == 0)
		return SV_OK;
	cache_load(&c, root_a, root_b);
	memset(&job, 0, sizeof(job));
	job.v = v;
	job.n = n;
	job.root_a = root_a ? root_a : "";
	job.root_b = root_b ? root_b : "";
	job.walk_a = walk_of(walks, nwalks, root_a);
	job.walk_b = walk_of(walks, nwalks, root_b);
	job.ce = xcalloc(n, sizeof(*job.ce));
	if (c.n > 0)
		for (k = 0; k < n; k++)
			job.ce[k] = cache_find(&c, k,
			    rel_to(v[k].a->path, job.root_a),
			    rel_to(v[k].b->path, job.root_b));
	job.sa = xcalloc(n, sizeof(*job.sa));
	job.sb = xcalloc(n, sizeof(*job.sb));
	job.settle = xcalloc(n, sizeof(*job.settle));
	job.stamped = xcalloc(n, sizeof(*job.stamped));
	job.hit = xcalloc(n, sizeof(*job.hit));
	if ((job.memo = memo) != NULL) {
		job.sha_a = xcalloc(n, sizeof(*job.sha_a));
		job.sha_b = xcalloc(n, sizeof(*job.sha_b));
		job.learnt = xcalloc(n, sizeof(*job.learnt));
	}
	memset(&pool, 0, sizeof(pool));
	pool.n = n;
	/* Pairs are taken a few at a time: neighbours share directories. */
	pool.chunk = CHUNK;
	pool.ctx = &job;
	pool.state_new = dirs_new;
	pool.state_free = dirs_free;
	pool.run = compare_k;
	/* Threads pay for reading beams, not for looking at files the cache
	 * knows: on two cores a second thread (and its malloc arena) costs
	 * more than a few thousand stats save. A thread is worth starting
	 * for a few dozen files, not fewer. */
	for (k = 0; k < n; k++)
		misses += job.ce[k] == NULL;
	pool.threads = sv_threads();
	if (misses < 64)
		pool.threads = 1;
	else if ((size_t)pool.threads > misses / 32 + 1)
		pool.threads = (int)(misses / 32 + 1);
	if ((status = sv_pool_run(&pool, e)) == SV_OK) {
		cache_save(&c, &job, start);
		if (memo != NULL)
			memo_learn(&job);
	}
	free(job.sha_a);
	free(job.sha_b);
	free(job.learnt);
	free(job.ce);
	free(job.sa);
	free(job.sb);
	free(job.settle);
	free(job.stamped);
	free(job.hit);
	cache_release(&c);
	return status;
}
