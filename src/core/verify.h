/*
 * verify.h - a package or a tree against its manifest.
 *
 * A package file is checked by digest; a directory (an unpacked or
 * installed release) by indexing it and comparing every entry with the
 * manifest's content: what was added, what is missing, what was modified
 * and whose mode or type changed.
 */
#ifndef SV_VERIFY_H
#define SV_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/manifest.h"

enum sv_drift_kind {
	SV_DRIFT_ADDED,    /* in the tree, not in the manifest */
	SV_DRIFT_MISSING,  /* in the manifest, not in the tree */
	SV_DRIFT_MODIFIED, /* other content (or symlink target) */
	SV_DRIFT_MODE,     /* same content, other mode */
	SV_DRIFT_TYPE      /* a file became a directory, say */
};

/* "added", "missing", "modified", "mode" or "type". */
const char *sv_drift_name(enum sv_drift_kind k);

struct sv_drift {
	enum sv_drift_kind kind;
	const struct sv_entry *expected; /* from the manifest, or NULL */
	const struct sv_entry *actual;   /* from the tree, or NULL */
};

struct sv_verify_result {
	bool is_package;           /* a package file was checked */
	bool package_matches;      /* its digest and size are the manifest's */
	unsigned char sha256[SV_SHA256_LEN];
	uint64_t size;
	struct sv_index actual;    /* what the tree holds (when indexed) */
	struct sv_drift *v;        /* sorted by path; point into actual and
	                              the manifest */
	size_t n, alloc;
};

void sv_verify_result_init(struct sv_verify_result *r);
void sv_verify_result_release(struct sv_verify_result *r);

/*
 * Check path, a package file or a directory, against m. A package whose
 * digest matches has no drift; one whose digest does not is indexed and
 * compared entry by entry (the drift may then be empty: same content,
 * other bytes). Returns SV_OK when everything matches, SV_NO when
 * anything differs (r says what), another status on error.
 */
int sv_verify(const struct sv_manifest *m, const char *path,
    struct sv_verify_result *r, struct sv_err *e);

#endif
