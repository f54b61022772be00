#include "config.h"

#include "adapt/tarwrite.h"

#include <errno.h>
#include <stdlib.h>

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
	X(archive_entry_free) \
	X(archive_entry_new) \
	X(archive_entry_set_filetype) \
	X(archive_entry_set_gid) \
	X(archive_entry_set_mtime) \
	X(archive_entry_set_perm) \
	X(archive_entry_set_size) \
	X(archive_entry_set_uid) \
	X(archive_error_string) \
	X(archive_set_error) \
	X(archive_write_add_filter_none) \
	X(archive_write_close) \
	X(archive_write_data) \
	X(archive_write_free) \
	X(archive_write_header) \
	X(archive_write_new) \
	X(archive_write_open2) \
	X(archive_write_set_format_option) \
	X(archive_write_set_format_pax_restricted)

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

struct sv_tar_writer {
	struct archive *a;
	struct archive_entry *ent;
	sv_sink_fn sink;
	void *sink_data;
	struct sv_err sink_err; /* what the sink said, if it failed */
	bool sink_failed;
	bool binary;
};

static la_ssize_t
write_cb(struct archive *a, void *data, const void *p, size_t n)
{
	struct sv_tar_writer *w = data;

	if (w->sink(w->sink_data, p, n, &w->sink_err) != SV_OK) {
		w->sink_failed = true;
		A.archive_set_error(a, EIO, "%s", w->sink_err.msg);
		return -1;
	}
	return (la_ssize_t)n;
}

static int
fail(struct sv_tar_writer *w, struct sv_err *e, const char *what)
{
	if (w->sink_failed) {
		*e = w->sink_err;
		return e->status;
	}
	return sv_err_set(e, SV_INPUT, "cannot write tar %s: %s", what,
	    A.archive_error_string(w->a) ? A.archive_error_string(w->a) :
	    "unknown error");
}

int
sv_tar_writer_new(struct sv_tar_writer **out, bool binary_names,
    sv_sink_fn sink, void *sink_data, struct sv_err *e)
{
	struct sv_tar_writer *w;

	*out = NULL;
	if (sv_lazy_load(&lib, e) != SV_OK)
		return e->status;
	w = xcalloc(1, sizeof(*w));
	w->sink = sink;
	w->sink_data = sink_data;
	w->binary = binary_names;
	sv_err_init(&w->sink_err);
	w->a = A.archive_write_new();
	w->ent = A.archive_entry_new();
	if (w->a == NULL || w->ent == NULL) {
		sv_tar_writer_free(w);
		return sv_err_set(e, SV_INPUT, "cannot write tar: out of memory");
	}
	if (A.archive_write_set_format_pax_restricted(w->a) != ARCHIVE_OK ||
	    (binary_names && A.archive_write_set_format_option(w->a, "pax",
	    "hdrcharset", "BINARY") != ARCHIVE_OK) ||
	    A.archive_write_add_filter_none(w->a) != ARCHIVE_OK ||
	    A.archive_write_open2(w->a, w, NULL, write_cb, NULL, NULL) !=
	    ARCHIVE_OK) {
		int status = fail(w, e, "stream");

		sv_tar_writer_free(w);
		return status;
	}
	*out = w;
	return SV_OK;
}

bool
sv_tar_ascii(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

int
sv_tar_writer_add(struct sv_tar_writer *w, const struct sv_tar_item *it,
    struct sv_err *e)
{
	if (!w->binary && !(sv_tar_ascii(it->path) && sv_tar_ascii(it->link)))
		return sv_err_set(e, SV_INPUT, "cannot write tar header: name "
		    "'%s' is not ASCII (the writer was not told)", it->path);
	A.archive_entry_clear(w->ent);
	A.archive_entry_copy_pathname(w->ent, it->path);
	switch (it->type) {
	case SV_TAR_DIR:
		A.archive_entry_set_filetype(w->ent, AE_IFDIR);
		A.archive_entry_set_size(w->ent, 0);
		break;
	case SV_TAR_SYMLINK:
		A.archive_entry_set_filetype(w->ent, AE_IFLNK);
		A.archive_entry_copy_symlink(w->ent, it->link);
		A.archive_entry_set_size(w->ent, 0);
		break;
	default:
		A.archive_entry_set_filetype(w->ent, AE_IFREG);
		A.archive_entry_set_size(w->ent, (la_int64_t)it->size);
		break;
	}
	A.archive_entry_set_perm(w->ent, (mode_t)it->perm);
	A.archive_entry_set_mtime(w->ent, (time_t)it->mtime, 0);
	A.archive_entry_set_uid(w->ent, 0);
	A.archive_entry_set_gid(w->ent, 0);
	if (A.archive_write_header(w->a, w->ent) != ARCHIVE_OK)
		return fail(w, e, "header");
	return SV_OK;
}

int
sv_tar_writer_data(struct sv_tar_writer *w, const void *p, size_t n,
    struct sv_err *e)
{
	while (n > 0) {
		la_ssize_t k = A.archive_write_data(w->a, p, n);

		if (k <= 0)
			return fail(w, e, "data");
		p = (const char *)p + k;
		n -= (size_t)k;
	}
	return SV_OK;
}

int
sv_tar_writer_close(struct sv_tar_writer *w, struct sv_err *e)
{
	if (A.archive_write_close(w->a) != ARCHIVE_OK)
		return fail(w, e, "end");
	return SV_OK;
}

void
sv_tar_writer_free(struct sv_tar_writer *w)
{
	if (w == NULL)
		return;
	if (w->ent)
		A.archive_entry_free(w->ent);
	if (w->a)
		A.archive_write_free(w->a);
	free(w);
}
