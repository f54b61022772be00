/*
 * pack.h - deterministic, content-addressed tarballs of a build tree.
 *
 * The same content always gives the same bytes: entries sorted by path
 * bytes, every mtime set to one epoch (SOURCE_DATE_EPOCH, default 0),
 * uid/gid 0 without owner names, modes normalised as in the index, no hard
 * links, pax headers only per file and only when ustar cannot hold an
 * entry, and compression whose output does not depend on the machine's
 * thread count (adapt/compress.h). Umask, mtimes, creation order, owners,
 * locale, time zone and host name do not show in the result.
 */
#ifndef SV_PACK_H
#define SV_PACK_H

#include <stdint.h>

#include "adapt/compress.h"
#include "core/index.h"

/*
 * One part of a selection (see sv_pack_request): the entry 'from' of the
 * tree, walked whole if it is a directory, stored at 'path'; or, with
 * from NULL, a generated regular file (mode 0644) holding the len bytes
 * at data. An entry stored under another name (from and path differ)
 * must be a regular file.
 */
struct sv_pack_item {
	const char *path;   /* in the archive: clean and relative */
	const char *from;   /* in the tree, relative to dir; or NULL */
	const char *data;   /* the content of a generated file */
	size_t len;
};

struct sv_pack_request {
	const char *dir;
	const char *output;           /* the tarball to write; NULL: write
	                                 nothing, only measure (r gets the
	                                 sizes and digests all the same) */
	enum sv_compression compression;
	int64_t mtime;                /* the epoch every entry gets */
	/* What to pack: NULL (and 0) for the whole of dir, else these items,
	 * with the directories leading to them added (mode 0755). The same
	 * path twice is an error. The order of the items does not matter:
	 * entries are sorted as always. */
	const struct sv_pack_item *items;
	size_t nitems;
};

struct sv_pack_result {
	unsigned char sha256[SV_SHA256_LEN];     /* of the compressed file */
	unsigned char tar_sha256[SV_SHA256_LEN]; /* of the uncompressed tar */
	uint64_t size, tar_size;
	struct sv_index index;                    /* what was packed */
};

/* Make r empty. */
void sv_pack_result_init(struct sv_pack_result *r);

/* Free what r owns. */
void sv_pack_result_release(struct sv_pack_result *r);

/*
 * Walk req->dir (or the items selected from it) and write the tarball
 * atomically: to a temporary file beside req->output, fsynced and
 * renamed, so an interrupted pack leaves nothing at the destination.
 * Each file is read once, hashed as it is streamed (r->index gets the
 * digests, and the source or data of selected entries); a file whose
 * size, mtime or inode differ from what the walk saw, before or after, is
 * an error naming it. r must be empty (sv_pack_result_init).
 */
int sv_pack(const struct sv_pack_request *req, struct sv_pack_result *r,
    struct sv_err *e);

/* The epoch for entries: SOURCE_DATE_EPOCH if set (a whole number of
 * seconds, else SV_USAGE), else 0. */
int sv_source_date_epoch(int64_t *out, struct sv_err *e);

#endif
