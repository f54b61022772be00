#include "config.h"

#include "adapt/archive.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <archive.h>
#include <archive_entry.h>

#include "base/xalloc.h"

struct sv_tar_reader {
	struct archive *a;
	char *path;
};

static int
fail(struct sv_tar_reader *r, struct sv_err *e, const char *what)
{
	const char *m = archive_error_string(r->a);

	return sv_err_set(e, SV_INPUT, "cannot read archive '%s': %s%s%s",
	    r->path, what, m ? ": " : "", m ? m : "");
}

int
sv_tar_open(const char *path, struct sv_tar_reader **out, struct sv_err *e)
{
	struct sv_tar_reader *r = xcalloc(1, sizeof(*r));

	*out = NULL;
	r->path = xstrdup(path);
	r->a = archive_read_new();
	if (r->a == NULL) {
		free(r->path);
		free(r);
		return sv_err_set(e, SV_INPUT, "cannot read archive '%s': out "
		    "of memory", path);
	}
	archive_read_support_filter_gzip(r->a);
	archive_read_support_filter_zstd(r->a);
	archive_read_support_filter_none(r->a);
	archive_read_support_format_tar(r->a);
	if (archive_read_open_filename(r->a, path, 64 * 1024) != ARCHIVE_OK) {
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
	int rc = archive_read_next_header(r->a, &ent);
	mode_t type;

	*eof = false;
	if (rc == ARCHIVE_EOF) {
		*eof = true;
		return SV_OK;
	}
	if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN)
		return fail(r, e, "corrupt or truncated");
	memset(h, 0, sizeof(*h));
	h->path = archive_entry_pathname(ent);
	if (h->path == NULL)
		return fail(r, e, "entry without a name");
	h->perm = (unsigned)archive_entry_perm(ent);
	h->size = archive_entry_size_is_set(ent) ?
	    (uint64_t)archive_entry_size(ent) : 0;
	type = archive_entry_filetype(ent);
	if (archive_entry_hardlink(ent) != NULL) {
		h->type = SV_TAR_HARDLINK;
		h->link = archive_entry_hardlink(ent);
	} else if (type == AE_IFREG) {
		h->type = SV_TAR_FILE;
	} else if (type == AE_IFDIR) {
		h->type = SV_TAR_DIR;
	} else if (type == AE_IFLNK) {
		h->type = SV_TAR_SYMLINK;
		h->link = archive_entry_symlink(ent);
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
	la_ssize_t k = archive_read_data(r->a, buf, n);

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
	archive_read_free(r->a);
	free(r->path);
	free(r);
}
