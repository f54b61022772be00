/*
 * package.h - packing a build tree with its manifest (pack, publish).
 *
 * Works out what the package is (name, version, the version it follows
 * and the level of that step, the commit it was built from), then writes
 * the tarball and its manifest, both atomically.
 *
 * The root of a release of a known kind is packed as that kind says:
 * kinds are registered by the layers above (sv_package_kind_add; OTP's,
 * in otp/package.h, packs the package release_handler:unpack_release/1
 * takes, whole or as a delta from an older version). Any other tree, or
 * any tree with tree set, is packed whole as it is.
 */
#ifndef SV_PACKAGE_H
#define SV_PACKAGE_H

#include <stdbool.h>

#include "adapt/git.h"
#include "core/manifest.h"
#include "core/pack.h"
#include "core/settings.h"

struct sv_package_spec {
	const char *dir;          /* the tree */
	const char *name;         /* --name, or NULL */
	const char *version;      /* --version, or NULL */
	const char *compression;  /* "gzip", "zstd" or NULL */
	const char *output;       /* the tarball, or NULL: NAME-VERSION.tar.gz
	                             in out_dir */
	const char *out_dir;      /* where a default output goes, or NULL:
	                             the current directory */
	const char *manifest;     /* or NULL: beside the tarball */
	const char *delta_from;   /* an OTP release root or package: pack
	                             the delta from it, or NULL */
	bool tree;                /* pack the tree whole even if it is the
	                             root of an OTP release */
	bool no_relup;            /* an OTP package for fresh installs only:
	                             no relup needed (the manifest says so) */
};

struct sv_package;

/*
 * A kind of release a tree may be the root of. Its root lends the
 * package a name and a version; it chooses what the package holds.
 */
struct sv_package_kind {
	const char *name;          /* "OTP": in messages */
	bool gzip_only;            /* its packages must be gzip */
	/* Whether dir is the root of such a release: its name and version
	 * (the caller frees them). */
	int (*root)(const char *dir, bool *found, char **name, char **vsn,
	    struct sv_err *e);
	/* The name of another release, version vsn, that the root holds
	 * (the caller frees it); found false if it holds none. */
	int (*named)(const char *dir, const char *vsn, bool *found,
	    char **name, struct sv_err *e);
	/* Check the release and choose what the package holds into req
	 * (what the items point to lives in p->kind_state, made here); for
	 * a delta, also measure the whole package and set p's delta
	 * fields. */
	int (*select)(const struct sv_package_spec *spec, struct sv_package *p,
	    struct sv_pack_request *req, struct sv_err *e);
	/* Add what the manifest says of the release to p->info. */
	void (*manifest)(struct sv_package *p);
	void (*state_free)(void *state);
};

/* Make k known to sv_package_describe (kinds are tried in the order
 * added; at most eight). */
void sv_package_kind_add(const struct sv_package_kind *k);

struct sv_package {
	char *name, *version, *previous;   /* owned; version, previous may be
	                                      NULL */
	const char *level;                 /* static, or NULL */
	const char *name_from;             /* where the name came from */
	char *output, *manifest;           /* owned */
	enum sv_compression compression;
	struct sv_manifest_info info;
	struct sv_pack_result r;
	unsigned char manifest_sha256[SV_SHA256_LEN];
	/* A release of a kind (kind set): the release's own version as its
	 * root spells it, what the kind chose, and the name to unpack it as
	 * (the tarball's name without its suffix). */
	const struct sv_package_kind *kind;
	char *kind_vsn, *unpack;           /* owned */
	void *kind_state;                  /* owned by kind (state_free) */
	char *delta_from;                  /* owned: a delta's base version,
	                                      or NULL */
	uint64_t full_size;                /* a delta: the whole package's
	                                      compressed size, measured */
	unsigned char full_sha256[SV_SHA256_LEN]; /* a delta: the whole
	                                      package's digest */
	const char *base_kind;             /* a delta: "package" or "tree" */
	unsigned char base_sha256[SV_SHA256_LEN]; /* --delta-from's digest */
};

void sv_package_init(struct sv_package *p);
void sv_package_release(struct sv_package *p);

/*
 * Decide name, version, output names and the source fields. The name is
 * --name, else (for an OTP release root) the release's own name, else
 * release.name, else the directory's name; the version is --version, else
 * the release's own, else the release tag on HEAD when the tree is
 * clean. For a release root, --version chooses among the releases it
 * holds; one it does not hold is SV_USAGE (--name may differ: it is the
 * name in stores and file names). A kind may need gzip (SV_USAGE);
 * delta_from needs a release root (SV_USAGE). repo may be NULL.
 */
int sv_package_describe(struct sv_git *repo, const struct sv_config *config,
    const struct sv_package_spec *spec, struct sv_package *p,
    struct sv_err *e);

/* Pack the tree (or the kind's selection) into p->output and write the
 * manifest. For a release, the kind checks everything before anything is
 * written; for a delta, the whole package is packed first without being
 * written, to measure it (p->full_size). */
int sv_package_build(const struct sv_package_spec *spec, struct sv_package *p,
    struct sv_err *e);

/* The manifest name beside a tarball: NAME.manifest.json for
 * NAME.tar.gz, .tgz, .tar.zst or .tar. The caller frees it. */
char *sv_package_manifest_name(const char *tarball);

/* The base name of a tarball without its directory and its suffix
 * (.tar.gz, .tgz, .tar.zst or .tar): what release_handler calls the
 * package. The caller frees it. */
char *sv_package_base_name(const char *tarball);

#endif
