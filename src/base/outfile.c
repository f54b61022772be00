#include "config.h"

#include "base/outfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/xalloc.h"

/* Temporary files to remove if a signal ends the process. Only paths set
 * and cleared by this module; the handler calls nothing but unlink, rmdir
 * and what re-raises the signal. */
#define MAX_PENDING 32
static char *volatile pending[MAX_PENDING];
static const int ending_sigs[] = { SIGINT, SIGTERM, SIGHUP };
#define NENDING (sizeof(ending_sigs) / sizeof(ending_sigs[0]))
static bool signals_installed;

static void
on_signal(int sig)
{
	struct sigaction dfl;
	sigset_t one;
	int i;

	/* Newest first: files before the directories that hold them. */
	for (i = MAX_PENDING - 1; i >= 0; i--) {
		if (pending[i] != NULL) {
			unlink(pending[i]);
			rmdir(pending[i]);
		}
	}
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(sig, &dfl, NULL);
	sigemptyset(&one);
	sigaddset(&one, sig);
	/* sigprocmask, not pthread_sigmask: async-signal-safe, and only the
	 * main thread runs this (workers block these signals). */
	sigprocmask(SIG_UNBLOCK, &one, NULL);
	raise(sig);
}

void
sv_signals_init(void)
{
	struct sigaction sa, old;
	size_t i;

	if (signals_installed)
		return;
	signals_installed = true;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	/* One handler at a time: another ending signal waits. */
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < NENDING; i++)
		sigaddset(&sa.sa_mask, ending_sigs[i]);
	for (i = 0; i < NENDING; i++) {
		/* An ignored signal stays ignored (nohup, a parent's choice). */
		if (sigaction(ending_sigs[i], NULL, &old) == 0 &&
		    old.sa_handler == SIG_IGN)
			continue;
		sigaction(ending_sigs[i], &sa, NULL);
	}
}

void
sv_signals_hold(sigset_t *old)
{
	sigset_t block;
	size_t i;

	sigemptyset(&block);
	for (i = 0; i < NENDING; i++)
		sigaddset(&block, ending_sigs[i]);
	pthread_sigmask(SIG_BLOCK, &block, old);
}

void
sv_signals_resume(const sigset_t *old)
{
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

int
sv_thread_create(pthread_t *t, void *(*fn)(void *), void *arg)
{
	sigset_t old;
	int rc;

	sv_signals_hold(&old);
	rc = pthread_create(t, NULL, fn, arg);
	sv_signals_resume(&old);
	return rc;
}

static void
track(const char *path)
{
	sigset_t old;
	int i;

	sv_signals_init();
	sv_signals_hold(&old);
	for (i = 0; i < MAX_PENDING; i++) {
		if (pending[i] == NULL) {
			pending[i] = (char *)path;
			break;
		}
	}
	sv_signals_resume(&old);
}

static void
untrack(const char *path)
{
	sigset_t old;
	int i;

	sv_signals_hold(&old);
	for (i = 0; i < MAX_PENDING; i++)
		if (pending[i] == path)
			pending[i] = NULL;
	sv_signals_resume(&old);
}

void
sv_outfile_track_path(const char *path)
{
	track(path);
}

void
sv_outfile_untrack_path(const char *path)
{
	untrack(path);
}

int
sv_outfile_open(struct sv_outfile *f, const char *dest, struct sv_err *e)
{
	char *copy = xstrdup(dest), *dir, *base;
	struct buf tmp;
	sigset_t mask;

	f->fd = -1;
	f->tmp = NULL;
	f->dest = xstrdup(dest);
	f->nosync = false;
	dir = dirname(copy);
	buf_init(&tmp);
	buf_addf(&tmp, "%s/", dir);
	free(copy);
	copy = xstrdup(dest);
	base = basename(copy);
	buf_addf(&tmp, ".%s.tmp-XXXXXX", base);
	free(copy);
	f->tmp = buf_detach(&tmp);
	/* No signal between creating the file and tracking it. */
	sv_signals_hold(&mask);
	f->fd = mkstemp(f->tmp);
	if (f->fd < 0) {
		int err = errno;

		sv_signals_resume(&mask);
		free(f->tmp);
		f->tmp = NULL;
		sv_err_set(e, SV_INPUT, "cannot create '%s': %s", dest,
		    strerror(err));
		free(f->dest);
		f->dest = NULL;
		return SV_INPUT;
	}
	track(f->tmp);
	sv_signals_resume(&mask);
	fchmod(f->fd, 0644);
	return SV_OK;
}

int
sv_outfile_write(struct sv_outfile *f, const void *p, size_t n,
    struct sv_err *e)
{
	const char *q = p;

	while (n > 0) {
		ssize_t k = write(f->fd, q, n);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return sv_err_set(e, SV_INPUT, "cannot write '%s': %s",
			    f->dest, strerror(errno));
		}
		q += k;
		n -= (size_t)k;
	}
	return SV_OK;
}

int
sv_outfile_commit(struct sv_outfile *f, struct sv_err *e)
{
	char *copy;
	int dfd, status = SV_OK;

	if ((!f->nosync && fsync(f->fd) < 0) || close(f->fd) < 0) {
		f->fd = -1;
		status = sv_err_set(e, SV_INPUT, "cannot write '%s': %s",
		    f->dest, strerror(errno));
		sv_outfile_abort(f);
		return status;
	}
	f->fd = -1;
	if (rename(f->tmp, f->dest) < 0) {
		status = sv_err_set(e, SV_INPUT, "cannot create '%s': %s",
		    f->dest, strerror(errno));
		sv_outfile_abort(f);
		return status;
	}
	if (!f->nosync) {
		copy = xstrdup(f->dest);
		dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
		free(copy);
	}
	untrack(f->tmp);
	free(f->tmp);
	free(f->dest);
	f->tmp = f->dest = NULL;
	return status;
}

void
sv_outfile_abort(struct sv_outfile *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	if (f->tmp != NULL) {
		unlink(f->tmp);
		untrack(f->tmp);
	}
	free(f->tmp);
	free(f->dest);
	f->tmp = f->dest = NULL;
}

static int
write_whole(const char *dest, const void *p, size_t n, bool nosync,
    struct sv_err *e)
{
	struct sv_outfile f;
	int status;

	if ((status = sv_outfile_open(&f, dest, e)))
		return status;
	f.nosync = nosync;
	if ((status = sv_outfile_write(&f, p, n, e))) {
		sv_outfile_abort(&f);
		return status;
	}
	return sv_outfile_commit(&f, e);
}

int
sv_write_file(const char *dest, const void *p, size_t n, struct sv_err *e)
{
	return write_whole(dest, p, n, false, e);
}

int
sv_write_file_nosync(const char *dest, const void *p, size_t n,
    struct sv_err *e)
{
	return write_whole(dest, p, n, true, e);
}

int
sv_read_fd(int fd, const char *name,
    int (*fn)(void *data, const void *p, size_t n, struct sv_err *e),
    void *data, struct sv_err *e)
{
	static const size_t chunk = 256 * 1024;
	char *buf = xmalloc(chunk);
	int status = SV_OK;

	for (;;) {
		ssize_t k = read(fd, buf, chunk);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			status = sv_err_set(e, SV_INPUT, "cannot read '%s': %s",
			    name, strerror(errno));
			break;
		}
		if (k == 0 || (status = fn(data, buf, (size_t)k, e)))
			break;
	}
	free(buf);
	return status;
}

int
sv_read_file_at(int dirfd, const char *name, const char *path,
    struct buf *out, size_t max, struct stat *st, struct sv_err *e)
{
	size_t start = out->len, want;
	bool first = true, regular;
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC), status = SV_OK;

	if (fd < 0)
		return sv_err_set(e, SV_INPUT, "cannot open '%s': %s", path,
		    strerror(errno));
	/* Read straight into out, sized by fstat: one read for a regular
	 * file that ends where fstat said (a read that returns less than it
	 * asked of a regular file has met the end: no second read is spent
	 * on seeing it). The size is otherwise only a hint: reading goes on
	 * to the end, whatever that is. */
	if (fstat(fd, st) != 0)
		memset(st, 0, sizeof(*st));
	regular = S_ISREG(st->st_mode);
	want = regular && st->st_size > 0 ? (size_t)st->st_size : 8192;
	for (;;) {
		size_t ask;
		ssize_t k;

		/* Room for one byte more than expected: the read that finds
		 * the end needs no more memory. */
		if (first || out->alloc - out->len - 1 == 0)
			buf_grow(out, (want < max ? want : max) + 1);
		first = false;
		ask = out->alloc - out->len - 1;
		k = read(fd, out->s + out->len, ask);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			status = sv_err_set(e, SV_INPUT, "cannot read '%s': %s",
			    path, strerror(errno));
			break;
		}
		if (k == 0)
			break;
		out->len += (size_t)k;
		out->s[out->len] = '\0';
		if (out->len - start > max) {
			status = sv_err_set(e, SV_INPUT, "cannot read '%s': "
			    "larger than %zu bytes", path, max);
			break;
		}
		if (regular && (size_t)k < ask &&
		    out->len - start == (size_t)st->st_size)
			break;
		want = 65536;
	}
	close(fd);
	if (status != SV_OK)
		buf_truncate(out, start);
	return status;
}

int
sv_read_file_stat(const char *path, struct buf *out, size_t max,
    struct stat *st, struct sv_err *e)
{
	return sv_read_file_at(AT_FDCWD, path, path, out, max, st, e);
}

int
sv_read_file(const char *path, struct buf *out, size_t max, struct sv_err *e)
{
	struct stat st;

	return sv_read_file_at(AT_FDCWD, path, path, out, max, &st, e);
}

static int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

void
sv_remove_tree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		unlink(path);
		return;
	}
	/* Directories without write or search permission cannot be emptied:
	 * nothing smoothver creates is like that. */
	nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

bool
sv_dir_is_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	bool empty = true;

	if (d == NULL)
		return false;
	while (empty && (de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			empty = false;
	closedir(d);
	return empty;
}

int
sv_fsync_dir(const char *path, struct sv_err *e)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return sv_err_set(e, SV_INPUT, "cannot open '%s': %s", path,
		    strerror(errno));
	if (fsync(fd) < 0 && errno != EINVAL && errno != EROFS) {
		int err = errno;

		close(fd);
		return sv_err_set(e, SV_INPUT, "cannot sync '%s': %s", path,
		    strerror(err));
	}
	close(fd);
	return SV_OK;
}

int
sv_mkdtemp_tracked(struct buf *templ, char **out, struct sv_err *e)
{
	sigset_t mask;
	char *slash;
	int err;

	*out = NULL;
	sv_signals_hold(&mask);
	if (mkdtemp(templ->s) != NULL) {
		*out = buf_detach(templ);
		track(*out);
		sv_signals_resume(&mask);
		return SV_OK;
	}
	err = errno;
	sv_signals_resume(&mask);
	if ((slash = strrchr(templ->s, '/')) != NULL)
		*slash = '\0';
	sv_err_set(e, SV_INPUT, "cannot create a temporary directory in "
	    "'%s': %s", slash ? templ->s : ".", strerror(err));
	buf_release(templ);
	return SV_INPUT;
}

int
sv_tmpdir_make(const char *tag, char **out, struct sv_err *e)
{
	const char *tmp = getenv("TMPDIR");
	struct buf b;

	*out = NULL;
	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	buf_init(&b);
	buf_addf(&b, "%s/smoothver-%s-XXXXXX", tmp, tag);
	return sv_mkdtemp_tracked(&b, out, e);
}

void
sv_tmpdir_remove(char *dir)
{
	if (dir == NULL)
		return;
	sv_remove_tree(dir);
	sv_outfile_untrack_path(dir);
	free(dir);
}

/* Up to max bytes of a file from offset (negative: from its end), NUL
 * bytes made '?'; NULL if it is missing or has none there. */
char *
sv_file_part(const char *path, off_t offset, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *out;
	size_t n = 0, i;
	ssize_t k;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || st.st_size == 0) {
		close(fd);
		return NULL;
	}
	if (offset < 0)
		offset = st.st_size > (off_t)max ? st.st_size - (off_t)max : 0;
	out = xmalloc(max + 1);
	if (lseek(fd, offset, SEEK_SET) == offset)
		while (n < max && ((k = read(fd, out + n, max - n)) > 0 ||
		    (k < 0 && errno == EINTR)))
			if (k > 0)
				n += (size_t)k;
	close(fd);
	for (i = 0; i < n; i++)
		if (out[i] == '\0')
			out[i] = '?';
	out[n] = '\0';
	if (n == 0) {
		free(out);
		return NULL;
	}
	return out;
}

char *
sv_file_tail(const char *path, size_t max)
{
	char *t = sv_file_part(path, -1, max), *nl;

	if (t != NULL && strlen(t) == max && (nl = strchr(t, '\n')) != NULL &&
	    nl - t < 200)
		memmove(t, nl + 1, strlen(nl + 1) + 1);
	return t;
}
