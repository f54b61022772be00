#include "config.h"

#include "adapt/archive.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "adapt/lazy.h"
#include "base/xalloc.h"

/* The libarchive functions called here, resolved on first use (see
 * adapt/lazy.h): calls go through A. */
#define FUNCS(X) \
	X(archive_entry_clear) \
	X(archive_entry_copy_pathname) \
	X(archive_entry_copy_symlink) \
	X(archive_entry_filetype) \
	X(archive_entry_free) \
	X(archive_entry_hardlink) \
	X(archive_entry_mtime) \
	X(archive_entry_mtime_is_set) \
	X(archive_entry_new) \
	X(archive_entry_pathname) \
	X(archive_entry_perm) \
	X(archive_entry_set_filetype) \
	X(archive_entry_set_mtime) \
	X(archive_entry_set_perm) \
	X(archive_entry_set_size) \
	X(archive_entry_size) \
	X(archive_entry_size_is_set) \
	X(archive_entry_symlink) \
	X(archive_error_string) \
	X(archive_read_data) \
	X(archive_read_free) \
	X(archive_read_new) \
	X(archive_read_next_header) \
	X(archive_read_open_filename) \
	X(archive_read_support_filter_gzip) \
	X(archive_read_support_filter_none) \
	X(archive_read_support_filter_zstd) \
	X(archive_read_support_format_tar) \
	X(archive_write_close) \
	X(archive_write_data) \
	X(archive_write_disk_new) \
	X(archive_write_disk_set_options) \
	X(archive_write_finish_entry) \
	X(archive_write_free) \
	X(archive_write_header)

static struct {
#define X(f) __typeof__(&f) f;
	FUNCS(X)
#undef X
} A;

static const struct sv_lazy_sym syms[] = {
#define X(f) { #f, (void **)&A.f },
	FUNCS(X)
#undef X
};

static struct sv_lazy_lib lib = SV_LAZY_LIB(SV_SONAME_LIBARCHIVE, syms);

struct sv_tar_reader {
	struct archive *a;
	char *path;
};

static int
fail(struct sv_tar_reader *r, struct sv_err *e, const char *what)
{
	const char *m = A.archive_error_string(r->a);

	return sv_err_set(e, SV_INPUT, "cannot read archive '%s': %s%s%s",
	    r->path, what, m ? ": " : "", m ? m : "");
}

int
sv_tar_open(const char *path, struct sv_tar_reader **out, struct sv_err *e)
{
	struct sv_tar_reader *r;

	*out = NULL;
	if (sv_lazy_load(&lib, e) != SV_OK)
		return e->status;
	r = xcalloc(1, sizeof(*r));
	r->path = xstrdup(path);
	r->a = A.archive_read_new();
	if (r->a == NULL) {
		free(r->path);
		free(r);
		return sv_err_set(e, SV_INPUT, "cannot read archive '%s': out "
		    "of memory", path);
	}
	A.archive_read_support_filter_gzip(r->a);
	A.archive_read_support_filter_zstd(r->a);
	A.archive_read_support_filter_none(r->a);
	A.archive_read_support_format_tar(r->a);
	if (A.archive_read_open_filename(r->a, path, 64 * 1024) != ARCHIVE_OK) {
		int status = fail(r, e, "not a readable tar archive");

		sv_tar_close(r);
		return status;
	}
	*out = r;
	return SV_OK;
}

int
sv_tar_next(struct sv_tar_reader *r, struct sv_tar_header *h, bool *eof,
    struct sv_err *e)
{
	struct archive_entry *ent;
	int rc = A.archive_read_next_header(r->a, &ent);
	mode_t type;

	*eof = false;
	if (rc == ARCHIVE_EOF) {
		*eof = true;
		return SV_OK;
	}
	if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN)
		return fail(r, e, "corrupt or truncated");
	memset(h, 0, sizeof(*h));
	h->path = A.archive_entry_pathname(ent);
	if (h->path == NULL)
		return fail(r, e, "entry without a name");
	h->perm = (unsigned)A.archive_entry_perm(ent);
	h->mtime = A.archive_entry_mtime_is_set(ent) ?
	    (int64_t)A.archive_entry_mtime(ent) : 0;
	h->size = A.archive_entry_size_is_set(ent) ?
	    (uint64_t)A.archive_entry_size(ent) : 0;
	type = A.archive_entry_filetype(ent);
	if (A.archive_entry_hardlink(ent) != NULL) {
		h->type = SV_TAR_HARDLINK;
		h->link = A.archive_entry_hardlink(ent);
	} else if (type == AE_IFREG) {
		h->type = SV_TAR_FILE;
	} else if (type == AE_IFDIR) {
		h->type = SV_TAR_DIR;
	} else if (type == AE_IFLNK) {
		h->type = SV_TAR_SYMLINK;
		h->link = A.archive_entry_symlink(ent);
		if (h->link == NULL)
			h->link = "";
	} else {
		h->type = SV_TAR_OTHER;
	}
	return SV_OK;
}

int
sv_tar_read(struct sv_tar_reader *r, void *buf, size_t n, size_t *got,
    struct sv_err *e)
{
	la_ssize_t k = A.archive_read_data(r->a, buf, n);

	if (k < 0) {
		*got = 0;
		return fail(r, e, "corrupt or truncated");
	}
	*got = (size_t)k;
	return SV_OK;
}

void
sv_tar_close(struct sv_tar_reader *r)
{
	if (r == NULL)
		return;
	A.archive_read_free(r->a);
	free(r->path);
	free(r);
}

struct sv_disk_writer {
	struct archive *a;
	struct archive_entry *ent;
	char *root;
	int cwd;       /* to return to */
};

static int
disk_fail(struct sv_disk_writer *w, struct sv_err *e, const char *path)
{
	const char *m = A.archive_error_string(w->a);

	return sv_err_set(e, SV_INPUT, "cannot extract '%s' into '%s': %s",
	    path, w->root, m ? m : "unknown error");
}

int
sv_disk_open(const char *root, struct sv_disk_writer **out, struct sv_err *e)
{
	struct sv_disk_writer *w;
	int rootfd, cwd;

	*out = NULL;
	if (sv_lazy_load(&lib, e) != SV_OK)
		return e->status;
	cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cwd < 0)
		return sv_err_set(e, SV_INPUT, "cannot open the current "
		    "directory: %s", strerror(errno));
	rootfd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (rootfd < 0 || fchdir(rootfd) < 0) {
		int err = errno;

		if (rootfd >= 0)
			close(rootfd);
		close(cwd);
		return sv_err_set(e, SV_INPUT, "cannot enter '%s': %s", root,
		    strerror(err));
	}
	close(rootfd);
	w = xcalloc(1, sizeof(*w));
	w->cwd = cwd;
	w->root = xstrdup(root);
	w->a = A.archive_write_disk_new();
	w->ent = A.archive_entry_new();
	if (w->a == NULL || w->ent == NULL) {
		sv_disk_free(w);
		return sv_err_set(e, SV_INPUT, "cannot extract into '%s': out of "
		    "memory", root);
	}
	A.archive_write_disk_set_options(w->a, ARCHIVE_EXTRACT_TIME |
	    ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
	    ARCHIVE_EXTRACT_SECURE_NODOTDOT |
	    ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS |
	    ARCHIVE_EXTRACT_NO_OVERWRITE);
	*out = w;
	return SV_OK;
}

int
sv_disk_entry(struct sv_disk_writer *w, const char *path,
    enum sv_tar_type type, unsigned perm, uint64_t size, const char *link,
    int64_t mtime, struct sv_err *e)
{
	int rc;

	A.archive_entry_clear(w->ent);
	A.archive_entry_copy_pathname(w->ent, path);
	A.archive_entry_set_perm(w->ent, (mode_t)perm);
	A.archive_entry_set_mtime(w->ent, (time_t)mtime, 0);
	switch (type) {
	case SV_TAR_FILE:
		A.archive_entry_set_filetype(w->ent, AE_IFREG);
		A.archive_entry_set_size(w->ent, (la_int64_t)size);
		break;
	case SV_TAR_DIR:
		A.archive_entry_set_filetype(w->ent, AE_IFDIR);
		break;
	case SV_TAR_SYMLINK:
		A.archive_entry_set_filetype(w->ent, AE_IFLNK);
		A.archive_entry_copy_symlink(w->ent, link);
		break;
	default:
		return sv_err_set(e, SV_INPUT, "cannot extract '%s': only files, "
		    "directories and symlinks are extracted", path);
	}
	rc = A.archive_write_header(w->a, w->ent);
	if (rc != ARCHIVE_OK)
		return disk_fail(w, e, path);
	return SV_OK;
}

int
sv_disk_write(struct sv_disk_writer *w, const char *path, const void *p,
    size_t n, struct sv_err *e)
{
	const char *q = p;

	while (n > 0) {
		la_ssize_t k = A.archive_write_data(w->a, q, n);

		if (k <= 0)
			return disk_fail(w, e, path);
		q += k;
		n -= (size_t)k;
	}
	return SV_OK;
}

int
sv_disk_finish_entry(struct sv_disk_writer *w, const char *path,
    struct sv_err *e)
{
	if (A.archive_write_finish_entry(w->a) != ARCHIVE_OK)
		return disk_fail(w, e, path);
	return SV_OK;
}

int
sv_disk_close(struct sv_disk_writer *w, struct sv_err *e)
{
	if (A.archive_write_close(w->a) != ARCHIVE_OK)
		return disk_fail(w, e, ".");
	return SV_OK;
}

void
sv_disk_free(struct sv_disk_writer *w)
{
	if (w == NULL)
		return;
	if (w->a)
		A.archive_write_free(w->a);
	if (w->ent)
		A.archive_entry_free(w->ent);
	if (fchdir(w->cwd) < 0) {
		/* The directory we came from is gone: nothing relative is
		 * used after extraction, so this is only worth noting. */
	}
	close(w->cwd);
	free(w->root);
	free(w);
}
