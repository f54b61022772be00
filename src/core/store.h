/*
 * store.h (core) - releases in a store: the layout, publish and reading.
 *
 * The layout over the storage operations of store/store.h, documented in
 * smoothver-store(5):
 *
 *   blobs/sha256/<hex>             package files and manifests, by digest
 *   releases/<name>/<version>.json one record per published version
 *   <name>-latest                  the version, then a newline
 *   <name>-<version>.tar.gz        a copy of the package (--compat-names)
 *   deltas/<name>/<version>/<from>.json
 *                                  a delta package's record: the same
 *                                  version for nodes that run <from>
 *
 * Blobs and records are written once and never changed; only the pointer
 * moves, and it moves last, so whatever a reader finds through it is
 * complete.
 */
#ifndef SV_CORE_STORE_H
#define SV_CORE_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/manifest.h"
#include "store/store.h"

/* A published version, as its record says. */
struct sv_record {
	char *name, *version;                 /* owned */
	char *previous, *level;               /* owned; NULL if none */
	char *delta_from;                     /* owned; a delta's record: the
	                                         version it applies to */
	char *file;                           /* package file name; owned */
	enum sv_compression compression;
	unsigned char manifest[SV_SHA256_LEN], package[SV_SHA256_LEN];
	uint64_t manifest_size, size;
	int64_t published;                    /* seconds since the epoch */
};

/* t as RFC 3339 UTC to the second ("2026-11-20T14:02:11Z"), as records
 * and listings show it. */
void sv_time_format(int64_t t, char out[32]);

void sv_record_init(struct sv_record *r);
void sv_record_release(struct sv_record *r);

/* Key names. The caller frees the result. */
char *sv_key_blob(const unsigned char d[SV_SHA256_LEN]);
char *sv_key_record(const char *name, const char *version);
char *sv_key_latest(const char *name);
char *sv_key_compat(const char *name, const char *version,
    enum sv_compression c);
char *sv_key_delta(const char *name, const char *version, const char *from);

/* Check a release name for use in keys: letters, digits, '_', '-' and
 * '.', not starting with '.' or '-'. SV_USAGE naming it otherwise. */
int sv_release_name_check(const char *name, struct sv_err *e);

/* Read name's latest pointer: *version (owned by the caller) is NULL if
 * there is none. A pointer that does not hold a version is SV_INPUT. */
int sv_latest_read(struct sv_store *s, const char *name, char **version,
    struct sv_err *e);

/* Parse pointer text (len bytes): the version and a newline (none, or
 * CR LF, accepted too). True with *version (owned by the caller) set when
 * it holds a canonical version; false otherwise. */
bool sv_pointer_parse(const char *text, size_t len, char **version);

/*
 * Parse record text (len bytes, canonical JSON) into r (initialised by
 * the caller; release it whatever the result): the record of name@version,
 * or with from the delta record from that version. Anything else is
 * SV_INPUT, "invalid release record WHAT" (or delta).
 */
int sv_record_parse(const char *text, size_t len, const char *name,
    const char *version, const char *from, const char *what,
    struct sv_record *r, struct sv_err *e);

/* Read the record of name@version; *found false if there is none. */
int sv_record_read(struct sv_store *s, const char *name, const char *version,
    struct sv_record *r, bool *found, struct sv_err *e);

/* Read the record of the delta package that takes a node from from to
 * name@version; *found false if the store has none. */
int sv_delta_read(struct sv_store *s, const char *name, const char *version,
    const char *from, struct sv_record *r, bool *found, struct sv_err *e);

/* The versions name@version has delta packages from, sorted oldest
 * first. The caller frees each string and the array. */
int sv_deltas_list(struct sv_store *s, const char *name, const char *version,
    char ***froms, size_t *n, struct sv_err *e);

/* The versions of name that have records, sorted from oldest to newest
 * (by version precedence). The caller frees each string and the array. */
int sv_versions_list(struct sv_store *s, const char *name, char ***versions,
    size_t *n, struct sv_err *e);

/* The release names in the store (with at least one record or a
 * pointer), sorted. The caller frees each string and the array. */
int sv_names_list(struct sv_store *s, char ***names, size_t *n,
    struct sv_err *e);

/* What publish expects the pointer to hold before it moves it. */
enum sv_expect {
	SV_EXPECT_PREVIOUS, /* the manifest's previous version, or no
	                       pointer at all if it has none */
	SV_EXPECT_VERSION,  /* a given version */
	SV_EXPECT_EMPTY     /* no pointer */
};

struct sv_publish_request {
	const char *package;       /* the package file */
	const char *manifest;      /* its manifest file */
	enum sv_expect expect;
	const char *expect_version; /* for SV_EXPECT_VERSION */
	bool compat_names;         /* also write NAME-VERSION.tar.gz */
	const char *name;          /* if set, the manifest must say this name */
	const char *version;       /* if set (canonical), and this version;
	                              SV_USAGE otherwise */
};

struct sv_publish_result {
	struct sv_manifest m;
	unsigned char manifest_sha256[SV_SHA256_LEN];
	uint64_t manifest_size;
	char *latest_before;       /* the pointer before; NULL if none */
	bool already;              /* the same content was already published
	                              and latest (a delta: published): nothing
	                              was done */
	bool delta;                /* a delta package was published: its
	                              record written, the pointer left */
	bool record_created, moved;
	size_t uploaded, present;  /* blobs written / already there */
	uint64_t uploaded_bytes;
};

void sv_publish_result_init(struct sv_publish_result *r);
void sv_publish_result_release(struct sv_publish_result *r);

/*
 * Publish a package and its manifest: check the package against the
 * manifest, upload the blobs that are missing, write the version's
 * record, then move the pointer, under the store's lock, only if it holds
 * what req->expect says. A pointer elsewhere is SV_MOVED ("store moved:
 * latest is X") and changes nothing visible. A version already published
 * with other content is SV_INPUT; the same content again succeeds
 * (r->already when the pointer already names it).
 *
 * A delta package (a manifest with delta_from) is published beside its
 * whole release, before it (the whole release's publish moves the
 * pointer, and a node that sees it move must find the delta): its blobs
 * and its delta record are written and the pointer is not touched
 * (req->expect does not apply). The same delta again succeeds with r->already; other
 * content under the same versions is SV_INPUT.
 */
int sv_publish(struct sv_store *s, const struct sv_publish_request *req,
    struct sv_publish_result *r, struct sv_err *e);

/* Split "NAME[@VERSION|@latest]" into *name and *version (NULL for
 * latest); both owned by the caller. The version is normalised. */
int sv_release_ref_parse(const char *ref, char **name, char **version,
    struct sv_err *e);

/* Resolve name@version (version NULL: the latest) to its record. A name
 * or version the store does not have is SV_INPUT saying so. */
int sv_release_resolve(struct sv_store *s, const char *name,
    const char *version, struct sv_record *r, struct sv_err *e);

/* Fetch the manifest of a record into m, checking its digest and that it
 * describes the same release and package as the record: a whole release
 * for a version's record, a delta from r->delta_from for a delta's. */
int sv_record_manifest(struct sv_store *s, const struct sv_record *r,
    struct sv_manifest *m, struct sv_err *e);

/* The default store: $XDG_DATA_HOME/smoothver/store, else
 * ~/.local/share/smoothver/store. The caller frees it. */
char *sv_store_default_url(void);

#endif
