/*
 * manifest.h - the manifest of a pack: schema smoothver.manifest/1 for a
 * whole release, smoothver.manifest/2 for a delta package (the same
 * fields, with "delta" set), so that readers which know only /1 refuse a
 * delta rather than take it for a whole release.
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

#define SV_MANIFEST_WHOLE "smoothver.manifest/1"
#define SV_MANIFEST_DELTA "smoothver.manifest/2"

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
	const char *delta_from;    /* a delta package: the version it
	                              upgrades from; NULL for a whole one */
	uint64_t delta_full_size;  /* a delta: the size of the whole
	                              package of the same release */
	const unsigned char *delta_full_sha256; /* a delta: that whole
	                              package's SHA-256 (the build it was
	                              derived from), or NULL */
	const char *delta_base_kind; /* a delta: "package" or "tree": what
	                              --delta-from named, or NULL */
	const unsigned char *delta_base_sha256; /* its SHA-256 (a package
	                              file's, or a tree's digest) */
	bool otp;                  /* an OTP release package: "otp" is
	                              written */
	bool fresh_only;           /* for fresh installs only (--no-relup) */
	char *const *relup_from;   /* the versions its relup upgrades from */
	size_t nrelup_from;
	char *const *relup_derived; /* what the relup was made from: "from|to
	                              VSN package|tree SHA256" each */
	size_t nrelup_derived;
};

/* Write the manifest text to sink, the content entries rendered on the
 * pool's threads a few thousand at a time and sunk in order (memory stays
 * flat whatever the number of entries; sink runs on the calling thread
 * only). */
int sv_manifest_write(const struct sv_manifest_info *m, sv_sink_fn sink,
    void *data, struct sv_err *e);

/* The largest manifest smoothver reads (a million entries fit). */
#define SV_MANIFEST_MAX ((size_t)512 << 20)

/* A manifest as read back (fetch, verify, publish). */
struct sv_manifest {
	char *name;                /* owned, never NULL once read */
	char *version;             /* owned; NULL if the manifest has none */
	char *previous, *level;    /* owned; NULL if there is no previous */
	char *file;                /* the package's file name; owned */
	enum sv_compression compression;
	unsigned char sha256[SV_SHA256_LEN], tar_sha256[SV_SHA256_LEN];
	uint64_t size, tar_size;
	char *delta_from;          /* owned; a delta package: the version it
	                              upgrades from; NULL for a whole one */
	uint64_t delta_full_size;  /* a delta: the whole package's size */
	bool delta_derived;        /* a delta records what it was derived
	                              from (the members below) */
	unsigned char delta_full_sha256[SV_SHA256_LEN];
	char *delta_base_kind;     /* owned: "package" or "tree" */
	unsigned char delta_base_sha256[SV_SHA256_LEN];
	bool otp;                  /* the manifest has an "otp" object */
	bool fresh_only;           /* otp.fresh_install_only */
	char **relup_from;         /* owned: otp.relup_from */
	size_t nrelup_from;
	struct sv_index content;   /* the entries, sorted, checked */
	unsigned char self[SV_SHA256_LEN]; /* SHA-256 of the manifest text */
};

/* Make m empty. */
void sv_manifest_init(struct sv_manifest *m);

/* Free what m owns and make it empty. */
void sv_manifest_release(struct sv_manifest *m);

/*
 * Read the n bytes of manifest text into m (initialised by the caller).
 * Everything is checked: the schema (/1, or /2 with a delta), every
 * field's type, digests as hex,
 * entry paths clean and relative, symlinks inside, entries sorted without
 * duplicates, and the package's entry count. Anything wrong is SV_INPUT
 * naming what (as "manifest WHAT: ...").
 */
int sv_manifest_parse(struct sv_manifest *m, const char *text, size_t n,
    const char *what, struct sv_err *e);

/* Read and parse the manifest file at path. */
int sv_manifest_load(struct sv_manifest *m, const char *path,
    struct sv_err *e);

#endif
