#include "config.h"

#include "base/outfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/xalloc.h"

/* Temporary files to remove if a signal ends the process. Only paths set
 * and cleared by this module; the handler calls nothing but unlink. */
#define MAX_PENDING 8
static char *volatile pending[MAX_PENDING];

static void
on_signal(int sig)
{
	int i;

	/* Newest first: files before the directories that hold them. */
	for (i = MAX_PENDING - 1; i >= 0; i--) {
		if (pending[i] != NULL) {
			unlink(pending[i]);
			rmdir(pending[i]);
		}
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
track(const char *path)
{
	static int installed;
	int i;

	if (!installed) {
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
		signal(SIGHUP, on_signal);
		installed = 1;
	}
	for (i = 0; i < MAX_PENDING; i++) {
		if (pending[i] == NULL) {
			pending[i] = (char *)path;
			return;
		}
	}
}

static void
untrack(const char *path)
{
	int i;

	for (i = 0; i < MAX_PENDING; i++)
		if (pending[i] == path)
			pending[i] = NULL;
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
	f->fd = mkstemp(f->tmp);
	if (f->fd < 0) {
		int err = errno;

		free(f->tmp);
		f->tmp = NULL;
		sv_err_set(e, SV_INPUT, "cannot create '%s': %s", dest,
		    strerror(err));
		free(f->dest);
		f->dest = NULL;
		return SV_INPUT;
	}
	fchmod(f->fd, 0644);
	track(f->tmp);
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
sv_read_file(const char *path, struct buf *out, size_t max, struct sv_err *e)
{
	size_t start = out->len, want;
	bool first = true;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC), status = SV_OK;

	if (fd < 0)
		return sv_err_set(e, SV_INPUT, "cannot open '%s': %s", path,
		    strerror(errno));
	/* Read straight into out, sized by fstat (one read for a file that
	 * does not grow meanwhile); the size is only a hint: reading goes
	 * on to the end, whatever that is. */
	want = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 ?
	    (size_t)st.st_size : 8192;
	for (;;) {
		ssize_t k;

		/* Room for one byte more than expected: the read that finds
		 * the end needs no more memory. */
		if (first || out->alloc - out->len - 1 == 0)
			buf_grow(out, (want < max ? want : max) + 1);
		first = false;
		k = read(fd, out->s + out->len, out->alloc - out->len - 1);
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
		want = 65536;
	}
	close(fd);
	if (status != SV_OK)
		buf_truncate(out, start);
	return status;
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
sv_tmpdir_make(const char *tag, char **out, struct sv_err *e)
{
	const char *tmp = getenv("TMPDIR");
	struct buf b;

	*out = NULL;
	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	buf_init(&b);
	buf_addf(&b, "%s/smoothver-%s-XXXXXX", tmp, tag);
	if (mkdtemp(b.s) == NULL) {
		int err = errno;

		buf_release(&b);
		return sv_err_set(e, SV_INPUT, "cannot create a temporary "
		    "directory in '%s': %s", tmp, strerror(err));
	}
	*out = buf_detach(&b);
	sv_outfile_track_path(*out);
	return SV_OK;
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
