/*
 * input.c - opening a release root or a release package (see input.h).
 */
#include "config.h"

#include "otp/input.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/buf.h"
#include "base/outfile.h"
#include "base/xalloc.h"
#include "core/fetch.h"
#include "core/index.h"

void
sv_otp_input_init(struct sv_otp_input *in)
{
	in->tmpdir = NULL;
	sv_otp_release_init(&in->rel);
}

void
sv_otp_input_release(struct sv_otp_input *in)
{
	sv_otp_release_release(&in->rel);
	if (in->tmpdir != NULL) {
		sv_remove_tree(in->tmpdir);
		sv_outfile_untrack_path(in->tmpdir);
		free(in->tmpdir);
	}
	in->tmpdir = NULL;
}

bool
sv_otp_input_is_release(const char *path)
{
	struct stat st;
	struct sv_index idx;
	struct sv_err e;
	struct buf rel;
	bool yes = false;
	size_t i;

	if (stat(path, &st) != 0)
		return false;
	buf_init(&rel);
	if (S_ISDIR(st.st_mode)) {
		buf_addf(&rel, "%s/releases", path);
		yes = stat(rel.s, &st) == 0 && S_ISDIR(st.st_mode);
		buf_release(&rel);
		return yes;
	}
	sv_err_init(&e);
	sv_index_init(&idx);
	if (S_ISREG(st.st_mode) && sv_index_tarball(&idx, path, &e) == SV_OK)
		for (i = 0; i < idx.n && !yes; i++) {
			const char *p = idx.v[i].path;
			size_t len = strlen(p);

			yes = strncmp(p, "releases/", 9) == 0 && len > 4 &&
			    strcmp(p + len - 4, ".rel") == 0;
		}
	sv_index_release(&idx);
	buf_release(&rel);
	return yes;
}

int
sv_otp_input_open(struct sv_otp_input *in, const char *path,
    const char *vsn, struct sv_err *e)
{
	const char *tmp = getenv("TMPDIR");
	struct stat st;
	struct buf dir;
	int status;

	if (stat(path, &st) != 0)
		return sv_err_set(e, SV_INPUT, "cannot open '%s': %s", path,
		    strerror(errno));
	if (S_ISDIR(st.st_mode))
		return sv_otp_release_load(&in->rel, path, vsn, e);
	buf_init(&dir);
	buf_addf(&dir, "%s/smoothver-otp-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(dir.s) == NULL) {
		status = sv_err_set(e, SV_INPUT, "cannot create a temporary "
		    "directory in '%s': %s", tmp && *tmp ? tmp : "/tmp",
		    strerror(errno));
		buf_release(&dir);
		return status;
	}
	in->tmpdir = buf_detach(&dir);
	sv_outfile_track_path(in->tmpdir);
	if ((status = sv_extract_tarball(path, in->tmpdir,
	    SV_EXTRACT_MAX_DEFAULT, e)))
		return status;
	status = sv_otp_release_load(&in->rel, in->tmpdir, vsn, e);
	in->rel.transient = true;
	if (status != SV_OK) {
		/* Name the package, not the temporary directory. */
		char *at = strstr(e->msg, in->tmpdir);

		if (at != NULL) {
			struct buf m;

			buf_init(&m);
			buf_add(&m, e->msg, (size_t)(at - e->msg));
			buf_addf(&m, "%s:", path);
			buf_adds(&m, at + strlen(in->tmpdir));
			snprintf(e->msg, sizeof(e->msg), "%s", m.s);
			buf_release(&m);
		}
	}
	return status;
}

struct open_job {
	struct sv_otp_input *const *ins;
	const char *const *paths, *const *vsns;
	size_t n;
	bool *is_dir;
	int *status;
	struct sv_err *errs;
	atomic_size_t next;
};

static void *
open_worker(void *arg)
{
	struct open_job *job = arg;
	size_t k;

	while ((k = atomic_fetch_add(&job->next, 1)) < job->n)
		if (job->is_dir[k])
			job->status[k] = sv_otp_release_load(&job->ins[k]->rel,
			    job->paths[k], job->vsns ? job->vsns[k] : NULL,
			    &job->errs[k]);
	return NULL;
}

int
sv_otp_inputs_open(struct sv_otp_input *const *ins,
    const char *const *paths, const char *const *vsns, size_t n,
    struct sv_err *e)
{
	struct open_job job;
	pthread_t tid;
	bool started = false;
	size_t i, ndirs = 0;
	int status = SV_OK;

	if (n == 0)
		return SV_OK;
	job.ins = ins;
	job.paths = paths;
	job.vsns = vsns;
	job.n = n;
	job.is_dir = xcalloc(n, sizeof(*job.is_dir));
	job.status = xcalloc(n, sizeof(*job.status));
	job.errs = xcalloc(n, sizeof(*job.errs));
	atomic_init(&job.next, 0);
	for (i = 0; i < n; i++) {
		struct stat st;

		sv_err_init(&job.errs[i]);
		job.is_dir[i] = stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode);
		ndirs += job.is_dir[i];
	}
	/* Directories on two threads (the tracking of temporary
	 * directories is not thread-safe, so packages stay here). */
	if (ndirs > 1 && sv_threads() > 1)
		started = pthread_create(&tid, NULL, open_worker, &job) == 0;
	open_worker(&job);
	if (started)
		pthread_join(tid, NULL);
	for (i = 0; i < n && status == SV_OK; i++) {
		if (job.is_dir[i]) {
			if ((status = job.status[i]) != SV_OK)
				*e = job.errs[i];
		} else {
			status = sv_otp_input_open(ins[i], paths[i],
			    vsns ? vsns[i] : NULL, e);
		}
	}
	free(job.is_dir);
	free(job.status);
	free(job.errs);
	return status;
}
