#include "config.h"

#include "base/outfile.h"

#include <errno.h>
#include <fcntl.h>
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

	for (i = 0; i < MAX_PENDING; i++)
		if (pending[i] != NULL)
			unlink(pending[i]);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
track(char *path)
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
			pending[i] = path;
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

int
sv_outfile_open(struct sv_outfile *f, const char *dest, struct sv_err *e)
{
	char *copy = xstrdup(dest), *dir, *base;
	struct buf tmp;

	f->fd = -1;
	f->tmp = NULL;
	f->dest = xstrdup(dest);
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

	if (fsync(f->fd) < 0 || close(f->fd) < 0) {
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
	copy = xstrdup(f->dest);
	dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	free(copy);
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

int
sv_write_file(const char *dest, const void *p, size_t n, struct sv_err *e)
{
	struct sv_outfile f;
	int status;

	if ((status = sv_outfile_open(&f, dest, e)))
		return status;
	if ((status = sv_outfile_write(&f, p, n, e))) {
		sv_outfile_abort(&f);
		return status;
	}
	return sv_outfile_commit(&f, e);
}
