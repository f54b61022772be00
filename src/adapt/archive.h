/*
 * archive.h - reading tar archives (plain, gzip, zstd), over libarchive.
 *
 * This adapter is the only place that includes archive.h for reading.
 * Writing tarballs lives in adapt/tarwrite.h.
 */
#ifndef SV_ADAPT_ARCHIVE_H
#define SV_ADAPT_ARCHIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

enum sv_tar_type {
	SV_TAR_FILE,
	SV_TAR_DIR,
	SV_TAR_SYMLINK,
	SV_TAR_HARDLINK,
	SV_TAR_OTHER /* device, fifo, socket */
};

struct sv_tar_header {
	const char *path;     /* as stored (bytes); valid until the next call */
	enum sv_tar_type type;
	unsigned perm;        /* permission bits */
	uint64_t size;        /* content size for files */
	const char *link;     /* symlink or hard link target, or NULL */
};

struct sv_tar_reader; /* opaque */

/* Open a tar, tar.gz/tgz or tar.zst file for reading. The reader is owned
 * by the caller and closed with sv_tar_close. */
int sv_tar_open(const char *path, struct sv_tar_reader **out,
    struct sv_err *e);

/* Read the next header into h. *eof is set at the end of the archive.
 * Truncated or corrupt archives are SV_INPUT naming the file. */
int sv_tar_next(struct sv_tar_reader *r, struct sv_tar_header *h, bool *eof,
    struct sv_err *e);

/* Read up to n bytes of the current entry's content; *got = 0 at its end. */
int sv_tar_read(struct sv_tar_reader *r, void *buf, size_t n, size_t *got,
    struct sv_err *e);

/* Close r (NULL is allowed). */
void sv_tar_close(struct sv_tar_reader *r);

#endif
