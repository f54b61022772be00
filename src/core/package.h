/*
 * package.h - packing a build tree with its manifest (pack, publish).
 *
 * Works out what the package is (name, version, the version it follows
 * and the level of that step, the commit it was built from), then writes
 * the tarball and its manifest, both atomically.
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
};

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
};

void sv_package_init(struct sv_package *p);
void sv_package_release(struct sv_package *p);

/*
 * Decide name, version, output names and the source fields. The name is
 * --name, else (for an OTP release root) the release's own name, else
 * release.name, else the directory's name; the version is --version, else
 * the OTP release's own, else the release tag on HEAD when the tree is
 * clean. A --version that disagrees with an OTP release root's own is
 * SV_USAGE (--name may differ: it is the name in stores and file names).
 * repo may be NULL.
 */
int sv_package_describe(struct sv_git *repo, const struct sv_config *config,
    const struct sv_package_spec *spec, struct sv_package *p,
    struct sv_err *e);

/* Pack p->info's tree into p->output and write the manifest. */
int sv_package_build(const struct sv_package_spec *spec, struct sv_package *p,
    struct sv_err *e);

/* The manifest name beside a tarball: NAME.manifest.json for
 * NAME.tar.gz, .tgz, .tar.zst or .tar. The caller frees it. */
char *sv_package_manifest_name(const char *tarball);

#endif
