/*
 * archive.h - reading tar archives (plain, gzip, zstd) and extracting them
 * safely, over libarchive.
 *
 * This adapter is the only place that includes archive.h for reading and
 * for extraction.
 * Writing tarballs lives in adapt/tarwrite.h.
 *
 * libarchive is not linked but loaded on first use (adapt/lazy.h):
 * sv_tar_open and sv_disk_open fail with SV_INPUT, "cannot load
 * libarchive.so.N: REASON", if it cannot be.
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
	int64_t mtime;        /* seconds since the epoch */
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

/*
 * Writing entries to disk, with libarchive's secure extraction: paths
 * with "..", absolute paths and paths through symlinks are refused, no
 * existing file is overwritten, permissions and mtimes are set as given,
 * owners are not. The caller checks entries first (core/extract.c); this
 * is the second line of defence.
 *
 * sv_disk_open enters root (an existing directory) as the working
 * directory until sv_disk_free returns to the one before: open every
 * file that is named by a relative path before, and use no other relative
 * paths in between. The writer is owned by the caller.
 */
struct sv_disk_writer; /* opaque */

int sv_disk_open(const char *root, struct sv_disk_writer **out,
    struct sv_err *e);

/* Start an entry (type file, dir or symlink; link for symlinks). */
int sv_disk_entry(struct sv_disk_writer *w, const char *path,
    enum sv_tar_type type, unsigned perm, uint64_t size, const char *link,
    int64_t mtime, struct sv_err *e);

/* Write the next n bytes of the current file entry (path for messages). */
int sv_disk_write(struct sv_disk_writer *w, const char *path, const void *p,
    size_t n, struct sv_err *e);

/* End the current entry. */
int sv_disk_finish_entry(struct sv_disk_writer *w, const char *path,
    struct sv_err *e);

/* Finish: set the directories' modes and times. */
int sv_disk_close(struct sv_disk_writer *w, struct sv_err *e);

/* Free w (NULL is allowed) and return to the previous directory. */
void sv_disk_free(struct sv_disk_writer *w);

#endif
