/*
 * walk.c - a directory tree into an index (core/index.h).
 *
 * Every entry is lstat'ed once: regular files, directories and symlinks
 * that stay inside the tree are recorded, anything else is an error. The
 * top of the tree is read level by level until there are enough
 * directories to share out (FRONTIER_MIN); the subtrees below them are
 * then walked on the pool's threads, each into an index of its own, and
 * the entries joined and sorted. A tree of many small directories is
 * listed in the time of its share of the cores, not of one.
 *
 * A walk can also take in files written into the tree after it
 * (sv_index_relook), as a fresh walk would see them.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "adapt/sha256.h"
#include "base/buf.h"
#include "base/pool.h"
#include "base/xalloc.h"
#include "core/cache.h"
#include "core/index_int.h"

/* Levels are read one at a time until this many directories wait, or
 * FRONTIER_DEPTH levels were read: then the rest goes to the threads. */
#define FRONTIER_MIN 32
#define FRONTIER_DEPTH 4

/* Directories found but not yet walked: their relative paths, owned. */
struct frontier {
	char **rel;
	size_t n, alloc;
};

struct walk {
	struct sv_index *idx;
	const char *root;
	struct sv_err *e;
	sv_index_skip_fn *skip;    /* or NULL */
	void *skip_ctx;
	struct frontier *defer;    /* directories go here, when not NULL,
	                              instead of being walked at once */
};

static const char *
special_kind(mode_t m)
{
	if (S_ISFIFO(m))
		return "a fifo";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	return "not a regular file, directory or symlink";
}

static int walk_dir(struct walk *w, int dfd, struct buf *rel);

char *
sv_symlink_read(int dfd, const char *name, const struct stat *st)
{
	char *target = xmalloc((size_t)st->st_size + 1);
	ssize_t n = readlinkat(dfd, name, target, (size_t)st->st_size + 1);

	if (n < 0 || n > st->st_size) {
		if (n >= 0)
			errno = EAGAIN;
		free(target);
		return NULL;
	}
	target[n] = '\0';
	return target;
}

/* The symlink name of dfd (st its lstat) as ent's target, checked to
 * stay inside the tree. */
static int
walk_symlink(struct walk *w, int dfd, const char *name, const char *rel,
    const struct stat *st, struct sv_entry **entp)
{
	char *target = sv_symlink_read(dfd, name, st);
	struct sv_entry *ent;

	if (target == NULL) {
		sv_err_set(w->e, SV_INPUT, "cannot read symlink '%s/%s': %s",
		    w->root, rel, errno == EAGAIN ? "it changed while read" :
		    strerror(errno));
		return SV_INPUT;
	}
	if (!sv_symlink_inside(rel, target)) {
		sv_err_set(w->e, SV_INPUT, "symlink '%s/%s' -> '%s' leads "
		    "outside the tree", w->root, rel, target);
		free(target);
		return SV_INPUT;
	}
	ent = sv_index_add(w->idx, rel, SV_ENTRY_SYMLINK);
	ent->mode = 0777;
	ent->target = target;
	ent->size = strlen(target);
	sv_sha256(target, (size_t)ent->size, ent->sha256);
	*entp = ent;
	return SV_OK;
}

/* What lstat said of ent, for change checks and caches. */
static void
stat_into(struct sv_entry *ent, const struct stat *st)
{
	ent->dev = (uint64_t)st->st_dev;
	ent->ino = (uint64_t)st->st_ino;
	ent->mtime_ns = SV_TIMESPEC_NS(st->st_mtim);
	ent->ctime_ns = SV_TIMESPEC_NS(st->st_ctim);
}

/* The entry name of the directory dfd, at rel (extended in place and
 * restored). */
static int
walk_entry(struct walk *w, int dfd, const char *name, struct buf *rel)
{
	size_t keep = rel->len;
	struct sv_entry *ent;
	struct stat st;
	int status = SV_OK;

	if (rel->len)
		buf_addc(rel, '/');
	buf_adds(rel, name);
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		status = sv_err_set(w->e, SV_INPUT, "cannot stat '%s/%s': %s",
		    w->root, rel->s, strerror(errno));
		goto out;
	}
	if (S_ISREG(st.st_mode)) {
		if (st.st_nlink > 1) {
			status = sv_err_set(w->e, SV_INPUT, "'%s/%s' is a hard "
			    "link (%ju links): a release holds only files, "
			    "directories and symlinks", w->root, rel->s,
			    (uintmax_t)st.st_nlink);
			goto out;
		}
		ent = sv_index_add(w->idx, rel->s, SV_ENTRY_FILE);
		ent->mode = (st.st_mode & 0111) ? 0755 : 0644;
		ent->size = (uint64_t)st.st_size;
	} else if (S_ISDIR(st.st_mode)) {
		int sub;

		if (w->defer != NULL) {
			struct frontier *f = w->defer;

			xgrow(&f->rel, &f->alloc, f->n + 1, sizeof(*f->rel));
			f->rel[f->n++] = xstrdup(rel->s);
			stat_into(sv_index_add(w->idx, rel->s, SV_ENTRY_DIR),
			    &st);
			goto out;
		}
		sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (sub < 0) {
			status = sv_err_set(w->e, SV_INPUT, "cannot open "
			    "directory '%s/%s': %s", w->root, rel->s,
			    strerror(errno));
			goto out;
		}
		/* set now: walking below may move the entries */
		stat_into(sv_index_add(w->idx, rel->s, SV_ENTRY_DIR), &st);
		status = walk_dir(w, sub, rel); /* closes sub */
		goto out;
	} else if (S_ISLNK(st.st_mode)) {
		if ((status = walk_symlink(w, dfd, name, rel->s, &st, &ent)))
			goto out;
	} else {
		status = sv_err_set(w->e, SV_INPUT, "'%s/%s' is %s: a release "
		    "holds only files, directories and symlinks", w->root,
		    rel->s, special_kind(st.st_mode));
		goto out;
	}
	stat_into(ent, &st);
out:
	buf_truncate(rel, keep);
	return status;
}

/* Every entry of the directory dfd (closed here), at rel. */
static int
walk_dir(struct walk *w, int dfd, struct buf *rel)
{
	DIR *d = fdopendir(dfd);
	struct dirent *de;
	int status = SV_OK;

	if (d == NULL) {
		close(dfd);
		return sv_err_set(w->e, SV_INPUT, "cannot read directory "
		    "'%s/%s': %s", w->root, rel->s, strerror(errno));
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (de == NULL) {
			if (errno != 0)
				status = sv_err_set(w->e, SV_INPUT, "cannot read "
				    "directory '%s/%s': %s", w->root, rel->s,
				    strerror(errno));
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (w->skip != NULL) {
			size_t keep = rel->len;
			bool skip;

			if (rel->len)
				buf_addc(rel, '/');
			buf_adds(rel, de->d_name);
			skip = w->skip(rel->s, w->skip_ctx);
			buf_truncate(rel, keep);
			if (skip)
				continue;
		}
		if ((status = walk_entry(w, dirfd(d), de->d_name, rel)))
			break;
	}
	closedir(d);
	return status;
}

/* Open the directory rel below rootfd ("" is rootfd itself) a component
 * at a time, following no symlink: -1 with errno set on failure. */
static int
open_below(int rootfd, const char *rel)
{
	int fd = dup(rootfd);

	while (fd >= 0 && *rel != '\0') {
		size_t n = strcspn(rel, "/");
		char *name = xstrndup(rel, n);
		int sub = openat(fd, name, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC);
		int saved = errno;

		free(name);
		close(fd);
		errno = saved;
		fd = sub;
		rel += n;
		if (*rel == '/')
			rel++;
	}
	return fd;
}

/* Walk the directory rel (below w's root, open as rootfd) into w. */
static int
walk_at(struct walk *w, int rootfd, const char *rel)
{
	struct buf path;
	int fd = open_below(rootfd, rel), status;

	if (fd < 0)
		return sv_err_set(w->e, SV_INPUT, "cannot open directory "
		    "'%s%s%s': %s", w->root, *rel ? "/" : "", rel,
		    strerror(errno));
	buf_init(&path);
	buf_adds(&path, rel);
	status = walk_dir(w, fd, &path); /* closes fd */
	buf_release(&path);
	return status;
}

/* The subtrees left in the frontier, one pool item each. */
struct subtrees {
	const struct walk *w;      /* root, skip */
	int rootfd;
	const struct frontier *f;
	struct sv_index *idx;      /* one per subtree */
};

/* sv_pool's run: walk the i-th subtree into an index of its own. */
static int
walk_subtree(void *ctx, void *state, size_t i, struct sv_err *e)
{
	struct subtrees *s = ctx;
	struct walk w = { &s->idx[i], s->w->root, e, s->w->skip,
		s->w->skip_ctx, NULL };

	(void)state;
	return walk_at(&w, s->rootfd, s->f->rel[i]);
}

static void
frontier_release(struct frontier *f)
{
	sv_strv_free(f->rel, f->n);
	memset(f, 0, sizeof(*f));
}

/* Walk the subtrees of f on the pool's threads, appending their entries
 * to w->idx. */
static int
walk_parallel(struct walk *w, int rootfd, const struct frontier *f)
{
	struct subtrees s = { w, rootfd, f, NULL };
	struct sv_pool pool;
	size_t i, total = w->idx->n;
	int status;

	s.idx = xcalloc(f->n, sizeof(*s.idx));
	memset(&pool, 0, sizeof(pool));
	pool.n = f->n;
	pool.ctx = &s;
	pool.run = walk_subtree;
	status = sv_pool_run(&pool, w->e);
	for (i = 0; i < f->n; i++)
		total += s.idx[i].n;
	if (status == SV_OK && total > w->idx->n) {
		xgrow(&w->idx->v, &w->idx->alloc, total, sizeof(*w->idx->v));
		for (i = 0; i < f->n; i++) {
			/* the entries move: only the vector is freed below */
			memcpy(w->idx->v + w->idx->n, s.idx[i].v,
			    s.idx[i].n * sizeof(*s.idx[i].v));
			w->idx->n += s.idx[i].n;
			s.idx[i].n = 0;
		}
	}
	for (i = 0; i < f->n; i++)
		sv_index_release(&s.idx[i]);
	free(s.idx);
	return status;
}

int
sv_walk_root(struct sv_index *idx, const char *dir, sv_index_skip_fn *skip,
    void *skip_ctx, int *rootfd_out, struct sv_err *e)
{
	struct walk w = { idx, dir, e, skip, skip_ctx, NULL };
	struct frontier cur, next;
	int depth, rootfd, status = SV_OK;
	size_t i;

	*rootfd_out = -1;
	idx->root = xstrdup(dir);
	idx->is_dir = true;
	rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return sv_err_set(e, SV_INPUT, "cannot open directory '%s': %s",
		    dir, strerror(errno));
	memset(&cur, 0, sizeof(cur));
	memset(&next, 0, sizeof(next));
	xgrow(&cur.rel, &cur.alloc, 1, sizeof(*cur.rel));
	cur.rel[cur.n++] = xstrdup("");
	/* the top, a level at a time, until there is enough to share */
	for (depth = 0; status == SV_OK && cur.n > 0 &&
	    cur.n < FRONTIER_MIN && depth < FRONTIER_DEPTH; depth++) {
		w.defer = &next;
		for (i = 0; i < cur.n && status == SV_OK; i++)
			status = walk_at(&w, rootfd, cur.rel[i]);
		frontier_release(&cur);
		cur = next;
		memset(&next, 0, sizeof(next));
	}
	w.defer = NULL;
	if (status == SV_OK && cur.n > 0)
		status = walk_parallel(&w, rootfd, &cur);
	frontier_release(&cur);
	if (status != SV_OK) {
		close(rootfd);
		return status;
	}
	sv_index_sort(idx);
	*rootfd_out = rootfd;
	return SV_OK;
}

int
sv_index_walk_skip(struct sv_index *idx, const char *dir,
    sv_index_skip_fn *skip, void *ctx, struct sv_err *e)
{
	int rootfd, status = sv_walk_root(idx, dir, skip, ctx, &rootfd, e);

	if (rootfd >= 0)
		close(rootfd);
	return status;
}

int
sv_index_walk(struct sv_index *idx, const char *dir, struct sv_err *e)
{
	return sv_index_walk_skip(idx, dir, NULL, NULL, e);
}

int
sv_index_walk_sub(struct sv_index *idx, const char *dir, const char *sub,
    struct sv_err *e)
{
	struct walk w = { idx, dir, e, NULL, NULL, NULL };
	const char *slash = strrchr(sub, '/');
	struct buf rel;
	int fd, status;

	buf_init(&rel);
	buf_adds(&rel, dir);
	if (slash != NULL) {
		buf_addc(&rel, '/');
		buf_add(&rel, sub, (size_t)(slash - sub));
	}
	fd = open(rel.s, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		status = sv_err_set(e, SV_INPUT, "cannot open directory '%s': %s",
		    rel.s, strerror(errno));
		buf_release(&rel);
		return status;
	}
	buf_reset(&rel);
	if (slash != NULL)
		buf_add(&rel, sub, (size_t)(slash - sub));
	status = walk_entry(&w, fd, slash ? slash + 1 : sub, &rel);
	close(fd);
	buf_release(&rel);
	return status;
}

/* Where the file at path (as the process names it) is in idx's tree,
 * whose root has the status *root: its directory's path there joined
 * with its name, found by the directory's identity (device and inode),
 * whatever the spelling of path; NULL if a walk of the tree would not
 * reach it. The caller frees it. */
static char *
tree_path(const struct sv_index *idx, const struct stat *root,
    const char *path)
{
	const char *slash = strrchr(path, '/'), *name;
	struct stat st;
	struct buf b;
	size_t i;
	int rc;

	buf_init(&b);
	if (slash == NULL) {
		name = path;
		rc = stat(".", &st);
	} else {
		name = slash + 1;
		buf_add(&b, path, slash == path ? 1 : (size_t)(slash - path));
		rc = stat(b.s, &st);
		buf_reset(&b);
	}
	if (rc != 0 || *name == '\0' || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		goto none;
	if (st.st_dev == root->st_dev && st.st_ino == root->st_ino) {
		buf_adds(&b, name);
		return buf_detach(&b);
	}
	for (i = 0; i < idx->n; i++) {
		const struct sv_entry *d = &idx->v[i];

		if (d->type == SV_ENTRY_DIR && d->ino == (uint64_t)st.st_ino &&
		    d->dev == (uint64_t)st.st_dev) {
			buf_addf(&b, "%s/%s", d->path, name);
			return buf_detach(&b);
		}
	}
none:
	buf_release(&b);
	return NULL;
}

int
sv_index_relook(struct sv_index *idx, char *const *paths, size_t n,
    struct sv_err *e)
{
	char **rel = xcalloc(n ? n : 1, sizeof(*rel));
	bool *drop = xcalloc(idx->n ? idx->n : 1, sizeof(*drop));
	struct stat root, st;
	struct buf full;
	size_t i, j;
	int status = SV_OK;

	buf_init(&full);
	if (stat(idx->root, &root) != 0) {
		status = sv_err_set(e, SV_INPUT, "cannot open directory '%s': "
		    "%s", idx->root, strerror(errno));
		goto out;
	}
	for (i = 0; i < n; i++) {
		const struct sv_entry *ent;

		if (paths[i] != NULL &&
		    (rel[i] = tree_path(idx, &root, paths[i])) != NULL &&
		    (ent = sv_index_find(idx, rel[i])) != NULL)
			drop[ent - idx->v] = true;
	}
	for (i = j = 0; i < idx->n; i++) {
		if (drop[i]) {
			free(idx->v[i].path);
			free(idx->v[i].target);
			free(idx->v[i].source);
			free(idx->v[i].data);
			continue;
		}
		idx->v[j++] = idx->v[i];
	}
	idx->n = j;
	for (i = 0; i < n && status == SV_OK; i++) {
		size_t k;

		if (rel[i] == NULL)
			continue;
		/* named twice: looked at once */
		for (k = 0; k < i && (rel[k] == NULL ||
		    strcmp(rel[k], rel[i]) != 0); k++)
			;
		if (k < i)
			continue;
		/* gone since: a fresh walk would not see it either */
		buf_reset(&full);
		buf_addf(&full, "%s/%s", idx->root, rel[i]);
		if (lstat(full.s, &st) != 0 && errno == ENOENT)
			continue;
		status = sv_index_walk_sub(idx, idx->root, rel[i], e);
	}
	sv_index_sort(idx);
out:
	sv_strv_free(rel, n);
	free(drop);
	buf_release(&full);
	return status;
}
