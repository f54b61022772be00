/*
 * input.c - opening a release root or a release package (see input.h).
 */
#include "config.h"

#include "otp/input.h"

#include <errno.h>
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
	if ((status = sv_mkdtemp_tracked(&dir, &in->tmpdir, e)))
		return status;
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

int
sv_otp_inputs_open(struct sv_otp_input *const *ins,
    const char *const *paths, const char *const *vsns, size_t n,
    struct sv_err *e)
{
	size_t i;
	int status;

	/* One after the other: loading a release root is a few milliseconds
	 * of small allocations, which a second thread (and its malloc arena)
	 * does not make shorter on two cores. */
	for (i = 0; i < n; i++)
		if ((status = sv_otp_input_open(ins[i], paths[i],
		    vsns ? vsns[i] : NULL, e)))
			return status;
	return SV_OK;
}
