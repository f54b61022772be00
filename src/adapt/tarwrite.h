/*
 * tarwrite.h - writing tar streams, over libarchive.
 *
 * Entries are written exactly as given: the caller decides order, modes
 * and times. The format is POSIX pax "restricted": plain ustar headers,
 * with a per-file pax extended header only when ustar cannot hold an entry
 * (long or non-ASCII names, large sizes); never a global header, and no
 * owner names, so no record has an empty value.
 *
 * libarchive is loaded on first use (adapt/lazy.h): sv_tar_writer_new
 * fails with SV_INPUT, "cannot load libarchive.so.N: REASON", if it
 * cannot be.
 */
#ifndef SV_ADAPT_TARWRITE_H
#define SV_ADAPT_TARWRITE_H

#include <stdbool.h>
#include <stdint.h>

#include "adapt/archive.h"
#include "adapt/compress.h"
#include "base/err.h"

struct sv_tar_item {
	const char *path;
	enum sv_tar_type type;  /* SV_TAR_FILE, SV_TAR_DIR or SV_TAR_SYMLINK */
	unsigned perm;
	uint64_t size;          /* files only */
	const char *link;       /* symlinks only */
	int64_t mtime;
};

struct sv_tar_writer; /* opaque */

/* True if s (NULL allowed) holds only ASCII bytes. */
bool sv_tar_ascii(const char *s);

/* A writer sending the tar stream to sink. Owned by the caller. Names
 * must be ASCII unless binary_names is set: then every entry gets a pax
 * record hdrcharset=BINARY and names are stored as their raw bytes, never
 * converted through the locale (libarchive cannot otherwise store names
 * the locale cannot represent). */
int sv_tar_writer_new(struct sv_tar_writer **out, bool binary_names,
    sv_sink_fn sink, void *sink_data, struct sv_err *e);

/* Write an entry's header (uid/gid 0, no owner names). */
int sv_tar_writer_add(struct sv_tar_writer *w, const struct sv_tar_item *it,
    struct sv_err *e);

/* Write n bytes of the current file's content. */
int sv_tar_writer_data(struct sv_tar_writer *w, const void *p, size_t n,
    struct sv_err *e);

/* Write the end-of-archive blocks. */
int sv_tar_writer_close(struct sv_tar_writer *w, struct sv_err *e);

/* Free w (NULL is allowed). */
void sv_tar_writer_free(struct sv_tar_writer *w);

#endif
