#include "config.h"

#include "core/index.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "adapt/archive.h"
#include "adapt/json.h"
#include "base/buf.h"
#include "base/outfile.h"
#include "base/pool.h"
#include "base/quote.h"
#include "base/xalloc.h"
#include "core/cache.h"
#include "core/index_int.h"

#define READ_CHUNK (256 * 1024)
#define CACHE_MAX (256u << 20) /* a larger index cache is not read */

const char *
sv_entry_type_name(enum sv_entry_type t)
{
	switch (t) {
	case SV_ENTRY_FILE:
		return "file";
	case SV_ENTRY_DIR:
		return "dir";
	case SV_ENTRY_SYMLINK:
		return "symlink";
	}
	return "file";
}

void
sv_index_init(struct sv_index *idx)
{
	memset(idx, 0, sizeof(*idx));
}

void
sv_index_release(struct sv_index *idx)
{
	size_t i;

	for (i = 0; i < idx->n; i++) {
		free(idx->v[i].path);
		free(idx->v[i].target);
		free(idx->v[i].source);
		free(idx->v[i].data);
	}
	free(idx->v);
	free(idx->root);
	sv_index_init(idx);
}

bool
sv_symlink_inside(const char *path, const char *target)
{
	const char *p;
	long depth = 0;

	if (target[0] == '/' || target[0] == '\0')
		return false;
	/* The link lives in dirname(path): start at its depth. */
	for (p = path; *p; p++)
		if (*p == '/')
			depth++;
	p = target;
	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (--depth < 0)
				return false;
		} else if (n > 0 && !(n == 1 && p[0] == '.')) {
			depth++;
		}
		p += n;
		while (*p == '/')
			p++;
	}
	return true;
}

struct sv_entry *
sv_index_add(struct sv_index *idx, const char *path, enum sv_entry_type type)
{
	struct sv_entry *ent;

	xgrow(&idx->v, &idx->alloc, idx->n + 1, sizeof(*idx->v));
	ent = &idx->v[idx->n++];
	memset(ent, 0, sizeof(*ent));
	ent->path = xstrdup(path);
	ent->type = type;
	ent->mode = 0755;
	return ent;
}

static int
entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sv_entry *)a)->path,
	    ((const struct sv_entry *)b)->path);
}

void
sv_index_sort(struct sv_index *idx)
{
	if (idx->n > 1)
		qsort(idx->v, idx->n, sizeof(*idx->v), entry_cmp);
}

bool
sv_entry_unchanged(int fd, const struct sv_entry *ent)
{
	struct stat st;

	return fstat(fd, &st) == 0 && (uint64_t)st.st_ino == ent->ino &&
	    (uint64_t)st.st_size == ent->size && SV_TIMESPEC_NS(st.st_mtim) ==
	    ent->mtime_ns;
}

struct sv_json *
sv_entry_to_json(const struct sv_entry *ent, bool with_path)
{
	struct sv_json *o = sv_json_object();
	char mode[8], hex[SV_SHA256_HEX];

	snprintf(mode, sizeof(mode), "%04o", ent->mode);
	sv_json_set_str(o, "mode", mode);
	if (with_path)
		sv_json_set_bytes(o, "path", ent->path);
	if (ent->type == SV_ENTRY_DIR) {
		sv_json_set_null(o, "sha256");
	} else {
		sv_sha256_hex(ent->sha256, hex);
		sv_json_set_str(o, "sha256", hex);
	}
	sv_json_set_int(o, "size", (int64_t)ent->size);
	if (ent->target)
		sv_json_set_bytes(o, "target", ent->target);
	sv_json_set_str(o, "type", sv_entry_type_name(ent->type));
	return o;
}

/* ---- parallel hashing ---- */

/*
 * Test hook: SMOOTHVER_TEST_CHANGE=PATH appends a byte to the file at the
 * relative path PATH right after it was read, as a concurrent writer
 * would, so the tests can prove that such a change is caught. It does
 * nothing unless that variable names the entry being read.
 */
void
sv_test_change_hook(int rootfd, const char *path)
{
	static const char *victim;
	static atomic_int looked;
	int fd;

	/* getenv once: this runs for every file */
	if (!atomic_load(&looked)) {
		victim = getenv("SMOOTHVER_TEST_CHANGE");
		atomic_store(&looked, 1);
	}
	if (victim == NULL || strcmp(victim, path) != 0)
		return;
	fd = openat(rootfd, path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t ignored = write(fd, "!", 1);

		(void)ignored; /* if it failed, the test notices */
		close(fd);
	}
}

struct hash_job {
	struct sv_index *idx;
	int rootfd;
	size_t *files;      /* indexes of the file entries */
	size_t nfiles;
};

int
sv_entry_open(int rootfd, const char *root, const struct sv_entry *ent,
    int *fd, struct sv_err *e)
{
	const char *path = ent->source ? ent->source : ent->path;

	*fd = openat(rootfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (*fd < 0)
		return sv_err_set(e, SV_INPUT, "cannot open '%s/%s': %s", root,
		    path, strerror(errno));
	return SV_OK;
}

/*
 * Hash one file: open, read, fstat, close. Whether the file read is the
 * one walked, and unchanged, is told once, after reading: the same inode,
 * size and mtime as the walk saw (a file that grew after the walk was read
 * up to the size it had, then fails that check), so no read is spent on
 * seeing the end of a file that ended where the walk said.
 */
static int
hash_file(struct hash_job *job, struct sv_entry *ent, unsigned char *buf,
    struct sv_sha256 *h, struct sv_err *e)
{
	const char *root = job->idx->root;
	uint64_t total = 0;
	int fd;

	if (sv_entry_open(job->rootfd, root, ent, &fd, e))
		return e->status;
	while (total < ent->size || ent->size == 0) {
		ssize_t n = read(fd, buf, READ_CHUNK);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			sv_err_set(e, SV_INPUT, "cannot read '%s/%s': %s", root,
			    ent->path, strerror(errno));
			close(fd);
			return SV_INPUT;
		}
		if (n == 0)
			break;
		sv_sha256_update(h, buf, (size_t)n);
		total += (uint64_t)n;
	}
	sv_test_change_hook(job->rootfd, ent->path);
	sv_sha256_final(h, ent->sha256);
	if (total != ent->size || !sv_entry_unchanged(fd, ent)) {
		close(fd);
		return sv_err_set(e, SV_INPUT, "'%s/%s' changed while being "
		    "read (size or mtime differ after hashing)", root, ent->path);
	}
	close(fd);
	return SV_OK;
}

/* A hashing thread's read buffer and hash context. */
struct hash_state {
	unsigned char *buf;
	struct sv_sha256 *h;
};

static void *
hash_state_new(void *ctx)
{
	struct hash_state *st = xmalloc(sizeof(*st));

	(void)ctx;
	st->buf = xmalloc(READ_CHUNK);
	st->h = sv_sha256_new();
	return st;
}

static void
hash_state_free(void *state)
{
	struct hash_state *st = state;

	sv_sha256_free(st->h);
	free(st->buf);
	free(st);
}

/* sv_pool's run: hash the k-th file. */
static int
hash_one(void *ctx, void *state, size_t k, struct sv_err *e)
{
	struct hash_job *job = ctx;
	struct hash_state *st = state;

	return hash_file(job, &job->idx->v[job->files[k]], st->buf, st->h, e);
}

/* Hash every file entry whose hashed[] is false. */
static int
hash_all(struct sv_index *idx, int rootfd, const bool *hashed,
    struct sv_err *e)
{
	struct hash_job job;
	struct sv_pool pool;
	size_t k;
	int status;

	memset(&job, 0, sizeof(job));
	job.idx = idx;
	job.rootfd = rootfd;
	job.files = xcalloc(idx->n ? idx->n : 1, sizeof(*job.files));
	for (k = 0; k < idx->n; k++)
		if (idx->v[k].type == SV_ENTRY_FILE && !hashed[k])
			job.files[job.nfiles++] = k;
	memset(&pool, 0, sizeof(pool));
	pool.n = job.nfiles;
	pool.ctx = &job;
	pool.state_new = hash_state_new;
	pool.state_free = hash_state_free;
	pool.run = hash_one;
	status = sv_pool_run(&pool, e);
	free(job.files);
	return status;
}

/* ---- the hash cache ----
 *
 * Hashing a tree that did not change is wasted work, so the digests of a
 * directory's files are remembered in $XDG_CACHE_HOME/smoothver/index/
 * (default ~/.cache/...), one file per directory (named by the SHA-256 of
 * its real path). A file's digest is reused only if its size, mtime,
 * ctime, inode and device are what they were, and its mtime is older than
 * the moment the cache was written (as git does with racily clean index
 * entries: a file changed within the same clock tick would look
 * unchanged). The cache is an optimisation: if it cannot be read or
 * written, everything is hashed. SMOOTHVER_NO_CACHE=1 turns it off.
 *
 * Format: "smoothver-index-cache 1 WRITTEN_NS\n", then per file
 * "HEX SIZE MTIME_NS CTIME_NS INO DEV PATH\0".
 */

struct cache_entry {
	const char *path;    /* into the cache's data */
	unsigned char sha256[SV_SHA256_LEN];
	uint64_t size, ino, dev;
	int64_t mtime_ns, ctime_ns;
};

struct cache {
	struct cache_entry *v;
	size_t n, alloc;
	int64_t written_ns;
	char *file;
	struct buf data;     /* the file as read */
};

static void
cache_release(struct cache *c)
{
	free(c->v);
	free(c->file);
	buf_release(&c->data);
	memset(c, 0, sizeof(*c));
}

static int
cache_cmp(const void *a, const void *b)
{
	return strcmp(((const struct cache_entry *)a)->path,
	    ((const struct cache_entry *)b)->path);
}

static bool
hex_digest(const char *hex, unsigned char out[SV_SHA256_LEN])
{
	int i;

	for (i = 0; i < SV_SHA256_LEN; i++) {
		unsigned v = 0;
		int k;

		for (k = 0; k < 2; k++) {
			char ch = hex[2 * i + k];

			v <<= 4;
			if (ch >= '0' && ch <= '9')
				v |= (unsigned)(ch - '0');
			else if (ch >= 'a' && ch <= 'f')
				v |= (unsigned)(ch - 'a' + 10);
			else
				return false;
		}
		out[i] = (unsigned char)v;
	}
	return true;
}

/* A decimal number of the cache file, then the character stop after it. */
static bool
cache_num(const char **p, const char *end, bool sign, char stop,
    uint64_t *out)
{
	const char *q = *p;
	bool neg = false;
	uint64_t v = 0;

	if (sign && q < end && *q == '-') {
		neg = true;
		q++;
	}
	if (q == end || *q < '0' || *q > '9')
		return false;
	while (q < end && *q >= '0' && *q <= '9') {
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*q++ - '0');
	}
	if (q == end || *q != stop)
		return false;
	*p = q + 1;
	*out = neg ? (uint64_t)0 - v : v;
	return true;
}

/*
 * Load the cache of dir; on any problem c is left empty. The file is read
 * whole and parsed in place (the paths point into it): a warm walk of a
 * large tree reads nothing else, so this is most of its user time.
 */
static void
cache_load(struct cache *c, const char *dir)
{
	static const char magic[] = "smoothver-index-cache 1 ";
	struct sv_err ignored;
	const char *p, *end;
	uint64_t written;
	bool sorted = true;

	memset(c, 0, sizeof(*c));
	buf_init(&c->data);
	if ((c->file = sv_cache_file("index", &dir, 1)) == NULL)
		return;
	sv_err_init(&ignored);
	if (sv_read_file(c->file, &c->data, CACHE_MAX, &ignored) != SV_OK ||
	    c->data.len < sizeof(magic) - 1 ||
	    memcmp(c->data.s, magic, sizeof(magic) - 1) != 0)
		return;
	p = c->data.s + sizeof(magic) - 1;
	end = c->data.s + c->data.len;
	if (!cache_num(&p, end, true, '\n', &written))
		return;
	c->written_ns = (int64_t)written;
	while (p < end) {
		struct cache_entry ce;
		uint64_t mt, ct;
		const char *nul;

		if ((size_t)(end - p) < 65 || !hex_digest(p, ce.sha256) ||
		    p[64] != ' ')
			goto bad;
		p += 65;
		if (!cache_num(&p, end, false, ' ', &ce.size) ||
		    !cache_num(&p, end, true, ' ', &mt) ||
		    !cache_num(&p, end, true, ' ', &ct) ||
		    !cache_num(&p, end, false, ' ', &ce.ino) ||
		    !cache_num(&p, end, false, ' ', &ce.dev) ||
		    (nul = memchr(p, '\0', (size_t)(end - p))) == NULL ||
		    nul == p)
			goto bad;
		ce.mtime_ns = (int64_t)mt;
		ce.ctime_ns = (int64_t)ct;
		ce.path = p;
		p = nul + 1;
		if (c->n > 0 && strcmp(c->v[c->n - 1].path, ce.path) >= 0)
			sorted = false;
		xgrow(&c->v, &c->alloc, c->n + 1, sizeof(*c->v));
		c->v[c->n++] = ce;
	}
	/* Written in index order, so sorted unless written by hand. */
	if (!sorted)
		qsort(c->v, c->n, sizeof(*c->v), cache_cmp);
	return;
bad:
	c->n = 0; /* corrupt: ignore it all */
}

/* Copy cached digests into entries that are unchanged; returns how many
 * files still need hashing. */
static size_t
cache_apply(const struct cache *c, struct sv_index *idx, bool *hashed)
{
	size_t i, todo = 0;

	for (i = 0; i < idx->n; i++) {
		struct sv_entry *ent = &idx->v[i];
		const struct cache_entry *ce;
		struct cache_entry key;

		hashed[i] = true;
		if (ent->type != SV_ENTRY_FILE)
			continue;
		key.path = ent->path;
		ce = c->n ? bsearch(&key, c->v, c->n, sizeof(*c->v), cache_cmp) :
		    NULL;
		if (ce != NULL && ce->size == ent->size &&
		    ce->mtime_ns == ent->mtime_ns &&
		    ce->ctime_ns == ent->ctime_ns && ce->ino == ent->ino &&
		    ce->dev == ent->dev && ent->mtime_ns < c->written_ns) {
			memcpy(ent->sha256, ce->sha256, SV_SHA256_LEN);
			continue;
		}
		hashed[i] = false;
		todo++;
	}
	return todo;
}

/* Write the cache for idx (best effort). */
static void
cache_save(const struct cache *c, const struct sv_index *idx)
{
	struct buf out;
	size_t i;

	if (c->file == NULL)
		return;
	buf_init(&out);
	buf_addf(&out, "smoothver-index-cache 1 %lld\n",
	    (long long)sv_cache_now_ns());
	for (i = 0; i < idx->n; i++) {
		const struct sv_entry *ent = &idx->v[i];
		char hex[SV_SHA256_HEX];

		if (ent->type != SV_ENTRY_FILE)
			continue;
		/* "%s %llu %lld %lld %llu %llu %s\0" without printf: a
		 * first run writes a line per file */
		sv_sha256_hex(ent->sha256, hex);
		buf_add(&out, hex, SV_SHA256_HEX - 1);
		buf_addc(&out, ' ');
		buf_addu(&out, ent->size);
		buf_addc(&out, ' ');
		buf_addi(&out, ent->mtime_ns);
		buf_addc(&out, ' ');
		buf_addi(&out, ent->ctime_ns);
		buf_addc(&out, ' ');
		buf_addu(&out, ent->ino);
		buf_addc(&out, ' ');
		buf_addu(&out, ent->dev);
		buf_addc(&out, ' ');
		buf_add(&out, ent->path, strlen(ent->path) + 1);
	}
	sv_cache_write(c->file, out.s, out.len);
	buf_release(&out);
}

int
sv_index_dir(struct sv_index *idx, const char *dir, struct sv_err *e)
{
	return sv_index_dir_skip(idx, dir, NULL, NULL, e);
}

int
sv_index_dir_skip(struct sv_index *idx, const char *dir,
    sv_index_skip_fn *skip, void *ctx, struct sv_err *e)
{
	return sv_index_dir_memo(idx, dir, skip, ctx, NULL, e);
}

/* ---- digests learnt elsewhere in the process ---- */

void
sv_digest_memo_init(struct sv_digest_memo *memo)
{
	memset(memo, 0, sizeof(*memo));
	memo->start_ns = sv_cache_now_ns();
}

void
sv_digest_memo_release(struct sv_digest_memo *memo)
{
	free(memo->v);
	memset(memo, 0, sizeof(*memo));
}

void
sv_digest_memo_add(struct sv_digest_memo *memo,
    const struct sv_digest_memo_entry *ent)
{
	if (!sv_settled(ent->mtime_ns, ent->ctime_ns, ent->settle_ns,
	    memo->start_ns))
		return;
	xgrow(&memo->v, &memo->alloc, memo->n + 1, sizeof(*memo->v));
	memo->v[memo->n++] = *ent;
	memo->sorted = false;
}

static int
memo_cmp(const void *a, const void *b)
{
	const struct sv_digest_memo_entry *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return 0;
}

void
sv_digest_memo_sort(struct sv_digest_memo *memo)
{
	if (memo->sorted)
		return;
	if (memo->n > 1)
		qsort(memo->v, memo->n, sizeof(*memo->v), memo_cmp);
	memo->sorted = true;
}

/* Take the digests memo knows for the entries still to hash (hashed[]
 * false), marking them hashed; returns how many it knew. */
static size_t
memo_apply(struct sv_digest_memo *memo, struct sv_index *idx, bool *hashed)
{
	size_t i, known = 0;

	if (memo == NULL || memo->n == 0)
		return 0;
	sv_digest_memo_sort(memo);
	for (i = 0; i < idx->n; i++) {
		struct sv_entry *ent = &idx->v[i];
		struct sv_digest_memo_entry key;
		const struct sv_digest_memo_entry *m;

		if (hashed[i] || ent->type != SV_ENTRY_FILE)
			continue;
		key.dev = ent->dev;
		key.ino = ent->ino;
		m = bsearch(&key, memo->v, memo->n, sizeof(*memo->v), memo_cmp);
		if (m == NULL || m->size != ent->size ||
		    m->mtime_ns != ent->mtime_ns || m->ctime_ns != ent->ctime_ns)
			continue;
		memcpy(ent->sha256, m->sha256, SV_SHA256_LEN);
		hashed[i] = true;
		known++;
	}
	return known;
}

/* Give every file of the walked idx its digest: from the hash cache,
 * from memo, or read through rootfd; then remember them in the cache. */
static int
index_hash(struct sv_index *idx, int rootfd, struct sv_digest_memo *memo,
    struct sv_err *e)
{
	struct cache c;
	bool *hashed;
	size_t todo, known;
	int status = SV_OK;

	cache_load(&c, idx->root);
	hashed = xcalloc(idx->n ? idx->n : 1, sizeof(*hashed));
	todo = cache_apply(&c, idx, hashed);
	known = todo > 0 ? memo_apply(memo, idx, hashed) : 0;
	todo -= known;
	if (todo > 0)
		status = hash_all(idx, rootfd, hashed, e);
	if (status == SV_OK && todo + known > 0)
		cache_save(&c, idx);
	free(hashed);
	cache_release(&c);
	return status;
}

int
sv_index_dir_memo(struct sv_index *idx, const char *dir,
    sv_index_skip_fn *skip, void *ctx, struct sv_digest_memo *memo,
    struct sv_err *e)
{
	int rootfd, status;

	if ((status = sv_walk_root(idx, dir, skip, ctx, &rootfd, e)))
		return status;
	status = index_hash(idx, rootfd, memo, e);
	close(rootfd);
	return status;
}

int
sv_index_hash_walked(struct sv_index *idx, struct sv_digest_memo *memo,
    struct sv_err *e)
{
	int rootfd = open(idx->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int status;

	if (rootfd < 0)
		return sv_err_set(e, SV_INPUT, "cannot open directory '%s': %s",
		    idx->root, strerror(errno));
	status = index_hash(idx, rootfd, memo, e);
	close(rootfd);
	return status;
}

const struct sv_entry *
sv_index_find(const struct sv_index *idx, const char *path)
{
	struct sv_entry key;

	if (idx->n == 0)
		return NULL;
	key.path = (char *)path;
	return bsearch(&key, idx->v, idx->n, sizeof(*idx->v), entry_cmp);
}

/* ---- tarballs ---- */

/* Normalise a stored path into out: drop "." and empty components and a
 * leading "./"; refuse absolute paths and "..". Returns false (with e set)
 * for a bad path; out is empty for the archive root itself. */
enum sv_path_check
sv_path_clean(const char *in, struct buf *out)
{
	const char *p = in;

	buf_reset(out);
	if (*in == '/')
		return SV_PATH_ABSOLUTE;
	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.')
			return SV_PATH_DOTDOT;
		if (n > 0 && !(n == 1 && p[0] == '.')) {
			if (out->len)
				buf_addc(out, '/');
			buf_add(out, p, n);
		}
		p += n;
		while (*p == '/')
			p++;
	}
	return SV_PATH_OK;
}

static bool
normalise(const char *tar, const char *in, struct buf *out, struct sv_err *e)
{
	enum sv_path_check c = sv_path_clean(in, out);
	char *q;

	if (c == SV_PATH_OK)
		return true;
	q = sv_quote_dup(in);
	if (c == SV_PATH_ABSOLUTE)
		sv_err_set(e, SV_INPUT, "archive '%s' has an absolute path "
		    "'%s'", tar, q);
	else
		sv_err_set(e, SV_INPUT, "archive '%s' has a path with "
		    "'..': '%s'", tar, q);
	free(q);
	return false;
}

/* Whether path is among the first n (sorted) entries. */
static bool
find_sorted(const struct sv_index *idx, size_t n, const char *path)
{
	struct sv_index head = *idx;

	head.n = n;
	return sv_index_find(&head, path) != NULL;
}

/* The first n entries are sorted; new ones are appended, then everything
 * is sorted once. */
void
sv_index_add_implied_dirs(struct sv_index *idx)
{
	size_t n = idx->n, i, j;
	struct buf dir;

	sv_index_sort(idx);
	buf_init(&dir);
	for (i = 0; i < n; i++) {
		char *slash;

		buf_reset(&dir);
		buf_adds(&dir, idx->v[i].path);
		while ((slash = strrchr(dir.s, '/')) != NULL) {
			bool known;

			buf_truncate(&dir, (size_t)(slash - dir.s));
			known = find_sorted(idx, n, dir.s);
			for (j = n; !known && j < idx->n; j++)
				known = strcmp(idx->v[j].path, dir.s) == 0;
			if (known)
				break;
			sv_index_add(idx, dir.s, SV_ENTRY_DIR);
		}
	}
	buf_release(&dir);
	sv_index_sort(idx);
}

int
sv_index_tarball(struct sv_index *idx, const char *path, struct sv_err *e)
{
	struct sv_tar_reader *r = NULL;
	struct sv_sha256 *h = sv_sha256_new();
	unsigned char *buf = xmalloc(READ_CHUNK);
	struct buf norm;
	char *qp = NULL, *ql = NULL;  /* names quoted for messages */
	int status;
	size_t i;

	buf_init(&norm);
	idx->root = xstrdup(path);
	idx->is_dir = false;
	if ((status = sv_tar_open(path, &r, e)))
		goto out;
	for (;;) {
		struct sv_tar_header hd;
		struct sv_entry *ent;
		bool eof;

		if ((status = sv_tar_next(r, &hd, &eof, e)))
			goto out;
		if (eof)
			break;
		if (!normalise(path, hd.path, &norm, e)) {
			status = SV_INPUT;
			goto out;
		}
		if (norm.len == 0 && hd.type == SV_TAR_DIR)
			continue; /* "./" itself */
		free(qp);
		free(ql);
		qp = sv_quote_dup(hd.path);
		ql = sv_quote_dup(hd.link);
		switch (hd.type) {
		case SV_TAR_HARDLINK:
			status = sv_err_set(e, SV_INPUT, "archive '%s' has a hard "
			    "link '%s' -> '%s': a release holds only files, "
			    "directories and symlinks", path, qp, ql);
			goto out;
		case SV_TAR_OTHER:
			status = sv_err_set(e, SV_INPUT, "archive '%s' has a "
			    "special file '%s' (device, fifo or socket)", path,
			    qp);
			goto out;
		case SV_TAR_SYMLINK:
			if (!sv_symlink_inside(norm.s, hd.link)) {
				status = sv_err_set(e, SV_INPUT, "archive '%s' has "
				    "a symlink '%s' -> '%s' leading outside it",
				    path, qp, ql);
				goto out;
			}
			ent = sv_index_add(idx, norm.s, SV_ENTRY_SYMLINK);
			ent->mode = 0777;
			ent->target = xstrdup(hd.link);
			ent->size = strlen(hd.link);
			sv_sha256(hd.link, ent->size, ent->sha256);
			break;
		case SV_TAR_DIR:
			sv_index_add(idx, norm.s, SV_ENTRY_DIR);
			break;
		case SV_TAR_FILE: {
			uint64_t total = 0;

			ent = sv_index_add(idx, norm.s, SV_ENTRY_FILE);
			ent->mode = (hd.perm & 0111) ? 0755 : 0644;
			for (;;) {
				size_t got;

				if ((status = sv_tar_read(r, buf, READ_CHUNK, &got,
				    e)))
					goto out;
				if (got == 0)
					break;
				sv_sha256_update(h, buf, got);
				total += got;
			}
			sv_sha256_final(h, ent->sha256);
			ent->size = total;
			break;
		}
		}
	}
	sv_index_sort(idx);
	for (i = 1; i < idx->n; i++) {
		if (strcmp(idx->v[i - 1].path, idx->v[i].path) == 0) {
			free(qp);
			qp = sv_quote_dup(idx->v[i].path);
			status = sv_err_set(e, SV_INPUT, "archive '%s' has the "
			    "entry '%s' twice", path, qp);
			goto out;
		}
	}
	sv_index_add_implied_dirs(idx);
	status = SV_OK;
out:
	free(qp);
	free(ql);
	buf_release(&norm);
	sv_tar_close(r);
	sv_sha256_free(h);
	free(buf);
	return status;
}

int
sv_index_path(struct sv_index *idx, const char *path, struct sv_err *e)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return sv_err_set(e, SV_INPUT, "cannot open '%s': %s", path,
		    strerror(errno));
	if (S_ISDIR(st.st_mode))
		return sv_index_dir(idx, path, e);
	return sv_index_tarball(idx, path, e);
}

void
sv_index_digest(const struct sv_index *idx, unsigned char out[32])
{
	struct sv_sha256 *h = sv_sha256_new();
	char hex[SV_SHA256_HEX];
	struct buf line;
	size_t i;

	buf_init(&line);
	for (i = 0; i < idx->n; i++) {
		const struct sv_entry *ent = &idx->v[i];

		buf_reset(&line);
		if (ent->type == SV_ENTRY_DIR)
			snprintf(hex, sizeof(hex), "-");
		else
			sv_sha256_hex(ent->sha256, hex);
		buf_addf(&line, "%s %04o %ju %s %s", ent->type == SV_ENTRY_DIR ?
		    "d" : ent->type == SV_ENTRY_SYMLINK ? "l" : "f", ent->mode,
		    (uintmax_t)ent->size, hex, ent->path);
		if (ent->type == SV_ENTRY_SYMLINK && ent->target != NULL)
			buf_addf(&line, " -> %s", ent->target);
		buf_addc(&line, '\n');
		sv_sha256_update(h, line.s, line.len);
	}
	sv_sha256_final(h, out);
	sv_sha256_free(h);
	buf_release(&line);
}

int
sv_build_digest(const char *path, const char **kind, unsigned char out[32],
    struct sv_err *e)
{
	return sv_build_digest_memo(path, NULL, kind, out, e);
}

int
sv_build_digest_memo(const char *path, struct sv_digest_memo *memo,
    const char **kind, unsigned char out[32], struct sv_err *e)
{
	struct sv_index idx;
	struct stat st;
	uint64_t size;
	int status;

	if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
		*kind = "package";
		return sv_sha256_file(path, out, &size, e);
	}
	*kind = "tree";
	sv_index_init(&idx);
	if ((status = sv_index_dir_memo(&idx, path, NULL, NULL, memo,
	    e)) == SV_OK)
		sv_index_digest(&idx, out);
	sv_index_release(&idx);
	return status;
}
