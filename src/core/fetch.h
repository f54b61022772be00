/*
 * fetch.h - getting a release out of a store, checked and atomic.
 *
 * Every byte is checked against a digest before anything is placed: the
 * record names the manifest by digest, the manifest names the package by
 * digest, and each extracted entry is checked against the manifest. The
 * result appears at the destination in one rename, or not at all.
 */
#ifndef SV_FETCH_H
#define SV_FETCH_H

#include <stdbool.h>
#include <stdint.h>

#include "core/manifest.h"
#include "core/store.h"

/* Default limit on the bytes an extraction writes. */
#define SV_EXTRACT_MAX_DEFAULT ((uint64_t)16 << 30)

struct sv_fetch_request {
	const char *name;
	const char *version;   /* NULL: the latest */
	const char *output;    /* a package file name (.tar.gz, .tgz,
	                          .tar.zst) or a directory to create */
	uint64_t max_size;     /* extraction limit, bytes */
	const char *delta_from; /* a package file output, or NULL: the
	                          delta package from this version when the
	                          store has one, else the whole package */
	/* For a directory output, or NULL: called on the extracted tree
	 * before it takes its place, dir where it is now, final the
	 * absolute path it will have, m the package's manifest; an error
	 * leaves nothing. */
	int (*prepare)(const char *dir, const char *final,
	    const struct sv_manifest *m, void *ctx, struct sv_err *e);
	void *prepare_ctx;
	const char *final;     /* the absolute path the tree will have in
	                          the end, given to prepare; NULL: the
	                          output's (deploy extracts beside the root
	                          it moves the entries into) */
};

struct sv_fetch_result {
	struct sv_record rec;
	struct sv_manifest m;
	bool extracted;        /* output is a directory */
	bool delta;            /* the delta package was fetched (rec is its
	                          record, m its manifest) */
	char *delta_skipped;   /* owned, or NULL: why the store's delta was
	                          not taken (it was not made from the
	                          published whole package) */
};

void sv_fetch_result_init(struct sv_fetch_result *r);
void sv_fetch_result_release(struct sv_fetch_result *r);

/* True if path names a package file rather than a directory. */
bool sv_fetch_is_file(const char *path);

/*
 * Fetch req->name at req->version into req->output. A file output gets
 * the package; a directory output (new, or an existing empty directory)
 * gets the release extracted. A digest that does not match, an entry the
 * manifest does not list, and anything sv_extract refuses are SV_INPUT,
 * and leave nothing at the output.
 */
int sv_fetch(struct sv_store *s, const struct sv_fetch_request *req,
    struct sv_fetch_result *r, struct sv_err *e);

/*
 * Extract the package file at file (called package in messages; checked
 * against m) into dir, an
 * existing empty directory, refusing: absolute paths, "..", hard links,
 * devices, fifos and sockets, symlinks leading out, entries under a
 * symlink, duplicate entries, entries the manifest does not list or lists
 * otherwise (type, mode, size, digest, target), entries it lists that the
 * package lacks, and more than max_size bytes in all. On error dir holds
 * whatever was written so far: the caller removes it.
 */
int sv_extract(const char *file, const char *package,
    const struct sv_manifest *m, const char *dir, uint64_t max_size,
    struct sv_err *e);

/*
 * Extract the tar archive at file (any compression sv_index_tarball
 * reads) into dir, an existing empty directory, with the same refusals
 * as sv_extract; the archive's own index stands in for a manifest, so
 * entries are still checked against what was indexed (a file that
 * changes under us is an error). Directories implied by paths need not
 * be in the archive. On error the caller removes dir.
 */
int sv_extract_tarball(const char *file, const char *dir, uint64_t max,
    struct sv_err *e);

#endif
