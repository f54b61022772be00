/*
 * local.c - a store in a local directory.
 *
 * Objects are files under the root, named by their keys. Writes go to a
 * temporary file in ROOT/tmp, are fsynced, and then appear in one step:
 * link(2) for create-only puts (it fails if the name exists, so two
 * writers cannot both create a key) and rename(2) for the pointer's
 * compare-and-swap, which runs under flock(2) on ROOT/lock. The kernel
 * drops a flock when its holder dies, so a killed publisher never leaves
 * the store locked; it may leave a file in ROOT/tmp, which readers never
 * look at and gc removes.
 */
#include "config.h"

#include "store/backend.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/outfile.h"
#include "base/str.h"
#include "base/xalloc.h"

#define MARKER "smoothver-store"
#define MARKER_TEXT "smoothver-store 1\n"
#define CHUNK (64 * 1024)

struct local {
	struct sv_store base;  /* first: a struct sv_store * points here */
	char *root;
	int lockfd;    /* >= 0 while the lock is held */
};

/* Every write step (each write, fsync, link, rename, unlink and mkdir in
 * the store) passes the test hooks of sv_store_test_step. */
#define step() sv_store_test_step()

static char *
path_of(const struct local *s, const char *key)
{
	struct buf b;

	buf_init(&b);
	buf_addf(&b, "%s/%s", s->root, key);
	return buf_detach(&b);
}

static bool
key_ok(const char *key)
{
	const char *p = key;

	if (*key == '\0' || *key == '/')
		return false;
	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 0 || p[0] == '.')
			return false;
		p += n;
		if (*p == '/')
			p++;
	}
	return true;
}

static int
bad_key(const struct local *s, const char *key, struct sv_err *e)
{
	return sv_err_set(e, SV_INPUT, "store '%s': invalid key '%s'", s->base.url,
	    key);
}

static int
sync_dir_of(const char *path, struct sv_err *e)
{
	char *copy = xstrdup(path), *slash = strrchr(copy, '/');
	int status;

	if (slash != NULL)
		*slash = '\0';
	step();
	status = sv_fsync_dir(slash ? copy : ".", e);
	free(copy);
	return status;
}

/* mkdir -p for the directory that will hold path (under the root). */
static int
make_parents(const struct local *s, const char *path, struct sv_err *e)
{
	char *copy = xstrdup(path);
	size_t i, start = strlen(s->root) + 1;
	int status = SV_OK;

	for (i = start; copy[i]; i++) {
		if (copy[i] != '/')
			continue;
		copy[i] = '\0';
		if (access(copy, F_OK) != 0) {
			step();
			if (mkdir(copy, 0755) < 0 && errno != EEXIST) {
				status = sv_err_set(e, SV_INPUT, "cannot create "
				    "directory '%s': %s", copy, strerror(errno));
				break;
			}
			if ((status = sync_dir_of(copy, e)))
				break;
		}
		copy[i] = '/';
	}
	free(copy);
	return status;
}

static int
write_all(int fd, const void *p, size_t n, const char *name, struct sv_err *e)
{
	const char *q = p;

	while (n > 0) {
		size_t want = n < CHUNK ? n : CHUNK;
		ssize_t k;

		step();
		k = write(fd, q, want);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return sv_err_set(e, SV_INPUT, "cannot write '%s': %s",
			    name, strerror(errno));
		q += k;
		n -= (size_t)k;
	}
	return SV_OK;
}

/* A new temporary file in ROOT/tmp; *tmp is owned by the caller. */
static int
tmp_open(struct local *s, char **tmp, int *fd, struct sv_err *e)
{
	char *t = path_of(s, "tmp/put-XXXXXX");
	sigset_t mask;
	int status;

	if ((status = make_parents(s, t, e))) {
		free(t);
		return status;
	}
	step();
	/* Tracked (removed if a signal ends the process) with no signal
	 * between its creation and that. */
	sv_signals_hold(&mask);
	*fd = mkstemp(t);
	if (*fd < 0) {
		int err = errno;

		sv_signals_resume(&mask);
		status = sv_err_set(e, SV_INPUT, "cannot create a temporary file "
		    "in store '%s': %s", s->base.url, strerror(err));
		free(t);
		return status;
	}
	sv_outfile_track_path(t);
	sv_signals_resume(&mask);
	fchmod(*fd, 0644);
	*tmp = t;
	return SV_OK;
}

/* Stop tracking a temporary name and free it. */
static void
tmp_forget(char *tmp)
{
	if (tmp == NULL)
		return;
	sv_outfile_untrack_path(tmp);
	free(tmp);
}

static int
tmp_finish(int fd, const char *tmp, struct sv_err *e)
{
	step();
	if (fsync(fd) < 0 || close(fd) < 0)
		return sv_err_set(e, SV_INPUT, "cannot write '%s': %s", tmp,
		    strerror(errno));
	return SV_OK;
}

/* Move the finished temporary file to key: link (create-only) or rename
 * (replace). The temporary name is gone afterwards either way. */
static int
tmp_place(struct local *s, char *tmp, const char *key, bool replace,
    bool *created, struct sv_err *e)
{
	char *dest = path_of(s, key);
	int status = SV_OK;

	if ((status = make_parents(s, dest, e)))
		goto out;
	step();
	if (replace) {
		if (rename(tmp, dest) < 0)
			status = sv_err_set(e, SV_INPUT, "cannot create '%s': %s",
			    dest, strerror(errno));
		else
			*created = true;
	} else if (link(tmp, dest) < 0) {
		if (errno == EEXIST)
			*created = false;
		else
			status = sv_err_set(e, SV_INPUT, "cannot create '%s': %s",
			    dest, strerror(errno));
	} else {
		*created = true;
	}
	if (status == SV_OK && *created)
		status = sync_dir_of(dest, e);
out:
	if (!(replace && *created)) {
		step();
		unlink(tmp);
	}
	free(dest);
	return status;
}

static int
check_marker(struct local *s, const char *url, struct sv_err *e)
{
	char *m = path_of(s, MARKER);
	struct buf text;
	int status = SV_OK;

	buf_init(&text);
	if ((status = sv_read_file(m, &text, 4096, e)) == SV_OK &&
	    (text.len != strlen(MARKER_TEXT) ||
	    memcmp(text.s, MARKER_TEXT, text.len) != 0))
		status = sv_err_set(e, SV_INPUT, "store '%s' has a format this "
		    "smoothver does not know (its '%s' file does not say "
		    "'smoothver-store 1')", url, MARKER);
	buf_release(&text);
	free(m);
	return status;
}

static int
mkdir_p(const char *path, struct sv_err *e)
{
	char *copy = xstrdup(path);
	size_t i;
	int status = SV_OK;

	for (i = 1; ; i++) {
		char c = copy[i];

		if (c != '/' && c != '\0')
			continue;
		copy[i] = '\0';
		if (mkdir(copy, 0755) < 0 && errno != EEXIST) {
			status = sv_err_set(e, SV_INPUT, "cannot create store "
			    "directory '%s': %s", copy, strerror(errno));
			break;
		}
		copy[i] = c;
		if (c == '\0')
			break;
	}
	free(copy);
	return status;
}

static const struct sv_store_ops local_ops;
static void local_close(struct sv_store *base);
static void local_unlock(struct sv_store *base);

int
sv_store_local_open(const char *url, const char *root,
    enum sv_store_mode mode, struct sv_store **out, struct sv_err *e)
{
	struct local *s = xcalloc(1, sizeof(*s));
	struct stat st;
	char *m;
	int status = SV_OK;
	size_t n;

	s->base.ops = &local_ops;
	s->base.url = xstrdup(url);
	s->root = xstrdup(root);
	s->lockfd = -1;
	n = strlen(s->root);
	while (n > 1 && s->root[n - 1] == '/')
		s->root[--n] = '\0';
	m = path_of(s, MARKER);
	if (stat(m, &st) == 0) {
		status = check_marker(s, url, e);
	} else if (stat(s->root, &st) == 0 && !S_ISDIR(st.st_mode)) {
		status = sv_err_set(e, SV_INPUT, "store '%s' is not a directory",
		    url);
	} else if (mode == SV_STORE_READ) {
		if (stat(s->root, &st) != 0) {
			status = sv_err_set(e, SV_INPUT, "store '%s' does not "
			    "exist", url);
			sv_err_hint(e, "the first publish creates it; to read "
			    "another, give --store DIR|s3://BUCKET/PREFIX or "
			    "set store.url (SMOOTHVER_STORE)");
		} else
			status = sv_err_set(e, SV_INPUT, "'%s' is not a smoothver "
			    "store (it has no '%s' file)", url, MARKER);
	} else if (stat(s->root, &st) == 0 && !sv_dir_is_empty(s->root)) {
		status = sv_err_set(e, SV_INPUT, "'%s' is not a smoothver store "
		    "(it has no '%s' file) and is not empty", url, MARKER);
		sv_err_hint(e, "give an empty or new directory to start a store");
	} else if ((status = mkdir_p(s->root, e)) == SV_OK) {
		struct sv_err ignore;

		sv_err_init(&ignore);
		status = sv_write_file(m, MARKER_TEXT, strlen(MARKER_TEXT), e);
		sync_dir_of(s->root, &ignore);
	}
	free(m);
	if (status != SV_OK) {
		local_close(&s->base);
		return status;
	}
	*out = &s->base;
	return SV_OK;
}

static void
local_close(struct sv_store *base)
{
	struct local *s = (struct local *)base;

	local_unlock(base);
	free(s->base.url);
	free(s->root);
	free(s);
}

static int
local_put(struct sv_store *base, const char *key, const void *p, size_t n,
    bool *created, struct sv_err *e)
{
	struct local *s = (struct local *)base;
	char *tmp = NULL;
	int fd, status;

	*created = false;
	if (!key_ok(key))
		return bad_key(s, key, e);
	if ((status = tmp_open(s, &tmp, &fd, e)))
		return status;
	if ((status = write_all(fd, p, n, tmp, e)) ||
	    (status = tmp_finish(fd, tmp, e))) {
		if (status != SV_OK)
			close(fd);
		unlink(tmp);
		tmp_forget(tmp);
		return status;
	}
	status = tmp_place(s, tmp, key, false, created, e);
	tmp_forget(tmp);
	return status;
}

struct copy_to {
	int fd;
	const char *tmp;
};

static int
copy_chunk(void *data, const void *p, size_t n, struct sv_err *e)
{
	struct copy_to *c = data;

	return write_all(c->fd, p, n, c->tmp, e);
}

static int
local_put_file(struct sv_store *base, const char *key, const char *src,
    bool *created, struct sv_err *e)
{
	struct local *s = (struct local *)base;
	struct copy_to to;
	char *tmp = NULL;
	int in, fd, status;

	*created = false;
	if (!key_ok(key))
		return bad_key(s, key, e);
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return sv_err_set(e, SV_INPUT, "cannot open '%s': %s", src,
		    strerror(errno));
	if ((status = tmp_open(s, &tmp, &fd, e))) {
		close(in);
		return status;
	}
	to.fd = fd;
	to.tmp = tmp;
	status = sv_read_fd(in, src, copy_chunk, &to, e);
	close(in);
	if (status == SV_OK && (status = tmp_finish(fd, tmp, e)) == SV_OK) {
		status = tmp_place(s, tmp, key, false, created, e);
	} else {
		if (status != SV_OK)
			close(fd);
		unlink(tmp);
	}
	tmp_forget(tmp);
	return status;
}

static int
local_stat(struct sv_store *base, const char *key, bool *found,
    uint64_t *size, struct sv_err *e)
{
	struct local *s = (struct local *)base;
	char *path;
	struct stat st;
	int status = SV_OK;

	*found = false;
	if (!key_ok(key))
		return bad_key(s, key, e);
	path = path_of(s, key);
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
		*found = true;
		if (size)
			*size = (uint64_t)st.st_size;
	} else if (errno != ENOENT && errno != ENOTDIR) {
		status = sv_err_set(e, SV_INPUT, "cannot read '%s': %s", path,
		    strerror(errno));
	}
	free(path);
	return status;
}

static int
local_get(struct sv_store *base, const char *key, sv_sink_fn sink,
    void *data, bool *found, struct sv_err *e)
{
	struct local *s = (struct local *)base;
	char *path;
	int fd, status = SV_OK;

	*found = false;
	if (!key_ok(key))
		return bad_key(s, key, e);
	path = path_of(s, key);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			status = sv_err_set(e, SV_INPUT, "cannot open '%s': %s",
			    path, strerror(errno));
		free(path);
		return status;
	}
	*found = true;
	status = sv_read_fd(fd, path, sink, data, e);
	close(fd);
	free(path);
	return status;
}

static int
lock_fd(struct local *s, int *fd, struct sv_err *e)
{
	char *path = path_of(s, "lock");

	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (*fd < 0) {
		int status = sv_err_set(e, SV_INPUT, "cannot open '%s': %s", path,
		    strerror(errno));

		free(path);
		return status;
	}
	while (flock(*fd, LOCK_EX) < 0) {
		if (errno == EINTR)
			continue;
		sv_err_set(e, SV_INPUT, "cannot lock '%s': %s", path,
		    strerror(errno));
		close(*fd);
		*fd = -1;
		free(path);
		return SV_INPUT;
	}
	free(path);
	return SV_OK;
}

static int
local_lock(struct sv_store *base, struct sv_err *e)
{
	struct local *s = (struct local *)base;
	if (s->lockfd >= 0)
		return SV_OK;
	return lock_fd(s, &s->lockfd, e);
}

static void
local_unlock(struct sv_store *base)
{
	struct local *s = (struct local *)base;
	if (s->lockfd >= 0) {
		close(s->lockfd); /* drops the flock */
		s->lockfd = -1;
	}
}

static int
local_cas(struct sv_store *base, const char *key, const void *expected,
    size_t expected_n, const void *p, size_t n, bool *swapped,
    struct buf *current, bool *current_found, struct sv_err *e)
{
	struct local *s = (struct local *)base;
	bool own_lock = s->lockfd < 0, found, created = false;
	char *tmp = NULL;
	int fd, status;

	*swapped = false;
	*current_found = false;
	if (!key_ok(key))
		return bad_key(s, key, e);
	if (own_lock && (status = local_lock(base, e)))
		return status;
	buf_reset(current);
	if ((status = sv_store_get_buf(base, key, current, 1 << 20, &found,
	    e)))
		goto out;
	*current_found = found;
	if (expected == NULL ? found : (!found || current->len != expected_n ||
	    memcmp(current->s, expected, expected_n) != 0))
		goto out;
	if ((status = tmp_open(s, &tmp, &fd, e)))
		goto out;
	if ((status = write_all(fd, p, n, tmp, e)) ||
	    (status = tmp_finish(fd, tmp, e))) {
		if (status != SV_OK)
			close(fd);
		unlink(tmp);
		goto out;
	}
	if ((status = tmp_place(s, tmp, key, true, &created, e)) == SV_OK)
		*swapped = true;
out:
	tmp_forget(tmp);
	if (own_lock)
		local_unlock(base);
	return status;
}

static int
local_list(struct sv_store *base, const char *prefix,
    int (*fn)(const char *key, void *data, struct sv_err *e), void *data,
    struct sv_err *e)
{
	struct local *s = (struct local *)base;
	char *dir, **names = NULL;
	size_t n = 0, alloc = 0, i;
	bool top = *prefix == '\0';
	struct dirent *de;
	DIR *d;
	int status = SV_OK;

	if (!top) {
		char *k = xstrndup(prefix, strlen(prefix) - 1);
		bool ok = prefix[strlen(prefix) - 1] == '/' && key_ok(k);

		free(k);
		if (!ok)
			return bad_key(s, prefix, e);
	}
	dir = top ? xstrdup(s->root) : path_of(s, prefix);
	d = opendir(dir);
	if (d == NULL) {
		if (errno != ENOENT)
			status = sv_err_set(e, SV_INPUT, "cannot read '%s': %s",
			    dir, strerror(errno));
		free(dir);
		return status;
	}
	while ((de = readdir(d)) != NULL) {
		struct buf key;
		struct stat st;
		char *full;

		if (de->d_name[0] == '.')
			continue;
		if (top && (strcmp(de->d_name, "tmp") == 0 ||
		    strcmp(de->d_name, "lock") == 0 ||
		    strcmp(de->d_name, MARKER) == 0))
			continue;
		buf_init(&key);
		buf_addf(&key, "%s%s", prefix, de->d_name);
		full = path_of(s, key.s);
		if (lstat(full, &st) == 0 && S_ISDIR(st.st_mode))
			buf_addc(&key, '/');
		else if (lstat(full, &st) != 0 || !S_ISREG(st.st_mode)) {
			free(full);
			buf_release(&key);
			continue;
		}
		free(full);
		xgrow(&names, &alloc, n + 1, sizeof(*names));
		names[n++] = buf_detach(&key);
	}
	closedir(d);
	free(dir);
	if (n > 1)
		qsort(names, n, sizeof(*names), sv_str_cmp);
	for (i = 0; i < n && status == SV_OK; i++)
		status = fn(names[i], data, e);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return status;
}

static int
local_delete(struct sv_store *base, const char *key, struct sv_err *e)
{
	struct local *s = (struct local *)base;
	char *path;
	int status = SV_OK;

	if (!key_ok(key))
		return bad_key(s, key, e);
	path = path_of(s, key);
	step();
	if (unlink(path) < 0) {
		if (errno != ENOENT)
			status = sv_err_set(e, SV_INPUT, "cannot remove '%s': %s",
			    path, strerror(errno));
	} else {
		status = sync_dir_of(path, e);
	}
	free(path);
	return status;
}

static int
local_clean_tmp(struct sv_store *base, int64_t min_age, size_t *removed,
    struct sv_err *e)
{
	struct local *s = (struct local *)base;
	char *dir = path_of(s, "tmp");
	time_t now = time(NULL);
	struct dirent *de;
	DIR *d = opendir(dir);

	(void)e;
	*removed = 0;
	if (d == NULL) {
		free(dir);
		return SV_OK;
	}
	while ((de = readdir(d)) != NULL) {
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode) && (int64_t)(now - st.st_mtime) >= min_age &&
		    unlinkat(dirfd(d), de->d_name, 0) == 0)
			(*removed)++;
	}
	closedir(d);
	free(dir);
	return SV_OK;
}

static const struct sv_store_ops local_ops = {
	.put = local_put,
	.put_file = local_put_file,
	.stat = local_stat,
	.get = local_get,
	.cas = local_cas,
	.list = local_list,
	.del = local_delete,
	.lock = local_lock,
	.unlock = local_unlock,
	.clean_tmp = local_clean_tmp,
	.close = local_close,
};
