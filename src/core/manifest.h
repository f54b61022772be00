/*
 * manifest.h - the manifest of a pack (schema smoothver.manifest/1).
 *
 * Canonical JSON: keys in byte order at every level, integers only, one
 * line with a final newline, so the manifest's own SHA-256 is reproducible.
 * The format is documented in smoothver-manifest(5).
 */
#ifndef SV_MANIFEST_H
#define SV_MANIFEST_H

#include <stdbool.h>
#include <stdint.h>

#include "adapt/git.h"
#include "core/pack.h"

struct sv_manifest_info {
	const char *name;
	const char *version;       /* NULL if unknown */
	const char *previous;      /* NULL if unknown */
	const char *level;         /* transition from previous, or NULL */
	const char *file;          /* the tarball's file name (no directory) */
	enum sv_compression compression;
	const struct sv_pack_result *pack;
	bool in_repo;              /* the source fields below are known */
	char commit[SV_OID_HEX], tree[SV_OID_HEX];
	bool dirty;
	int64_t source_date_epoch;
};

/* Write the manifest text to sink, one content entry at a time (memory
 * stays flat whatever the number of entries). */
int sv_manifest_write(const struct sv_manifest_info *m, sv_sink_fn sink,
    void *data, struct sv_err *e);

#endif
