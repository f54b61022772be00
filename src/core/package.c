#include "config.h"

#include "core/package.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/outfile.h"
#include "base/str.h"
#include "base/xalloc.h"
#include "core/release.h"
#include "core/store.h"
#include "core/version.h"

#define MAX_KINDS 8

static const struct sv_package_kind *kinds[MAX_KINDS];
static size_t nkinds;

void
sv_package_kind_add(const struct sv_package_kind *k)
{
	size_t i;

	for (i = 0; i < nkinds; i++)
		if (kinds[i] == k)
			return;
	if (nkinds < MAX_KINDS)
		kinds[nkinds++] = k;
}

/* The kind of release dir is the root of, with its name and version;
 * *kind NULL if none. */
static int
kind_of(const char *dir, const struct sv_package_kind **kind, char **name,
    char **vsn, struct sv_err *e)
{
	size_t i;
	bool found;
	int status;

	*kind = NULL;
	for (i = 0; i < nkinds; i++) {
		if ((status = kinds[i]->root(dir, &found, name, vsn, e)))
			return status;
		if (found) {
			*kind = kinds[i];
			break;
		}
	}
	return SV_OK;
}

void
sv_package_init(struct sv_package *p)
{
	memset(p, 0, sizeof(*p));
	sv_pack_result_init(&p->r);
}

void
sv_package_release(struct sv_package *p)
{
	free(p->name);
	free(p->version);
	free(p->previous);
	free(p->output);
	free(p->manifest);
	free(p->kind_vsn);
	free(p->unpack);
	free(p->delta_from);
	if (p->kind != NULL && p->kind_state != NULL)
		p->kind->state_free(p->kind_state);
	sv_pack_result_release(&p->r);
	sv_package_init(p);
}

/* The name of directory dir: its last component, or, when that is "."
 * or ".." (pack ., pack ..), the last component of where it resolves. */
static char *
dir_name(const char *dir)
{
	char *copy = xstrdup(dir), *real, *base;
	size_t n = strlen(copy);
	const char *last;

	while (n > 1 && copy[n - 1] == '/')
		copy[--n] = '\0';
	last = strrchr(copy, '/') ? strrchr(copy, '/') + 1 : copy;
	if ((strcmp(last, ".") == 0 || strcmp(last, "..") == 0) &&
	    (real = realpath(dir, NULL)) != NULL) {
		free(copy);
		copy = real;
		last = strrchr(copy, '/') ? strrchr(copy, '/') + 1 : copy;
	}
	base = xstrdup(last);
	free(copy);
	return base;
}

/* Version and previous release from the repository, when it knows. */
static int
from_repo(struct sv_git *repo, const struct sv_config *config,
    struct sv_package *p, struct sv_err *e)
{
	struct sv_releases list;
	struct sv_current cur;
	const struct sv_release *prev = NULL;
	struct sv_version v;
	int status;

	if (repo == NULL || sv_git_is_shallow(repo))
		return SV_OK;
	sv_releases_init(&list);
	sv_version_init(&v);
	if ((status = sv_releases_load(repo, config->tag_prefix, &list, e)) ||
	    (status = sv_current_find(repo, &list, &cur, e)))
		goto out;
	p->info.in_repo = true;
	memcpy(p->info.commit, cur.head, SV_OID_HEX);
	p->info.dirty = cur.dirty;
	if ((status = sv_git_commit_tree(repo, cur.head, p->info.tree, e)))
		goto out;
	if (p->version == NULL && cur.release && cur.commits_since == 0 &&
	    !cur.dirty)
		p->version = sv_version_str(&cur.release->version);
	if (p->version == NULL)
		goto out;
	if ((status = sv_version_parse(&v, p->version, "", e)) ||
	    (status = sv_release_before(repo, &list, cur.head, &v, &prev, e)))
		goto out;
	if (prev) {
		struct sv_transition t;

		sv_transition_of(&prev->version, &v, &t);
		p->previous = sv_version_str(&prev->version);
		p->level = sv_level_name(t.level);
	}
out:
	sv_version_release(&v);
	sv_releases_release(&list);
	return status;
}

/* Normalise a version given on the command line (SV_USAGE if bad). */
static int
flag_version(const char *s, const char *prefix, char **out, struct sv_err *e)
{
	if (sv_version_normalise(s, prefix, out, e))
		return e->status = SV_USAGE;
	return SV_OK;
}

/* "the OTP release": where a name came from. */
static const char *
kind_from(const struct sv_package_kind *k)
{
	static char text[MAX_KINDS][64];
	size_t i;

	for (i = 0; i < nkinds; i++)
		if (kinds[i] == k) {
			if (text[i][0] == '\0')
				snprintf(text[i], sizeof(text[i]), "the %s release",
				    k->name);
			return text[i];
		}
	return "the release";
}

/* A release root's name and version: its own, or those of the release
 * --version chooses among those it holds. */
static int
from_release_root(const struct sv_config *config,
    const struct sv_package_spec *spec, struct sv_package *p,
    struct sv_err *e)
{
	char *name = NULL, *vsn = NULL, *canon = NULL, *other = NULL;
	const struct sv_package_kind *kind;
	bool found, own_ok;
	int status;

	if ((status = kind_of(spec->dir, &kind, &name, &vsn, e)) ||
	    kind == NULL)
		return status;
	own_ok = flag_version(vsn, config->tag_prefix, &canon, e) == SV_OK;
	sv_err_init(e);
	if (p->version && !(own_ok && strcmp(p->version, canon) == 0)) {
		/* Another release of the root (rebar3 keeps the older ones). */
		if ((status = kind->named(spec->dir, p->version, &found,
		    &other, e)))
			goto out;
		if (!found) {
			status = sv_err_set(e, SV_USAGE, "--version %s, but '%s' "
			    "holds no release %s (it is version %s of the %s "
			    "release %s)", p->version, spec->dir, p->version, vsn,
			    kind->name, name);
			goto out;
		}
		free(name);
		free(vsn);
		name = other;
		vsn = xstrdup(p->version);
	} else if (!own_ok) {
		status = sv_err_set(e, SV_INPUT, "%s release '%s' in '%s' has "
		    "version '%s', which is not a smoothver version "
		    "(RESTART.RELUP.RELOAD)", kind->name, name, spec->dir, vsn);
		goto out;
	}
	if (p->name == NULL) {
		p->name = name;
		name = NULL;
		p->name_from = kind_from(kind);
	}
	if (p->version == NULL) {
		p->version = canon;
		canon = NULL;
	}
	p->kind = kind;
	p->kind_vsn = vsn;
	vsn = NULL;
out:
	free(name);
	free(vsn);
	free(canon);
	return status;
}

/* --tree packs any directory whole, whatever it holds (an OTP
 * installation has several .rel files): a release root found there only
 * lends the name and version not given, and nothing it holds is an
 * error. */
static void
tree_defaults(const struct sv_config *config,
    const struct sv_package_spec *spec, struct sv_package *p)
{
	char *name = NULL, *vsn = NULL;
	const struct sv_package_kind *kind;
	struct sv_err e;

	if (p->name != NULL && p->version != NULL)
		return;
	sv_err_init(&e);
	if (kind_of(spec->dir, &kind, &name, &vsn, &e) == SV_OK &&
	    kind != NULL) {
		if (p->name == NULL) {
			p->name = name;
			name = NULL;
			p->name_from = kind_from(kind);
		}
		if (p->version == NULL && flag_version(vsn, config->tag_prefix,
		    &p->version, &e) != SV_OK)
			p->version = NULL;
	}
	free(name);
	free(vsn);
}

char *
sv_package_base_name(const char *tarball)
{
	static const char *const sfx[] = { ".tar.gz", ".tgz", ".tar.zst",
	    ".tar", NULL };
	const char *slash = strrchr(tarball, '/');
	const char *base = slash ? slash + 1 : tarball;
	size_t i, len = strlen(base);

	for (i = 0; sfx[i]; i++)
		if (sv_str_ends_with(base, sfx[i])) {
			len -= strlen(sfx[i]);
			break;
		}
	return xstrndup(base, len);
}

char *
sv_package_manifest_name(const char *tarball)
{
	static const char *const sfx[] = { ".tar.gz", ".tgz", ".tar.zst",
	    ".tar", NULL };
	struct buf b;
	size_t i, len = strlen(tarball);

	for (i = 0; sfx[i]; i++)
		if (sv_str_ends_with(tarball, sfx[i])) {
			len -= strlen(sfx[i]);
			break;
		}
	buf_init(&b);
	buf_add(&b, tarball, len);
	buf_adds(&b, ".manifest.json");
	return buf_detach(&b);
}

int
sv_package_describe(struct sv_git *repo, const struct sv_config *config,
    const struct sv_package_spec *spec, struct sv_package *p,
    struct sv_err *e)
{
	const char *out = spec->output, *comp = spec->compression;
	struct stat st;
	int status;

	/* What is packed first: no name or version is worth finding for a
	 * directory that is not there. */
	if (stat(spec->dir, &st) != 0)
		return sv_err_set(e, SV_INPUT, "cannot open directory '%s': %s",
		    spec->dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return sv_err_set(e, SV_INPUT, "cannot open directory '%s': %s",
		    spec->dir, strerror(ENOTDIR));
	if (spec->version &&
	    (status = flag_version(spec->version, config->tag_prefix,
	    &p->version, e)))
		return status;
	if (spec->name) {
		p->name = xstrdup(spec->name);
		p->name_from = "--name";
	}
	if (spec->tree)
		tree_defaults(config, spec, p);
	else if ((status = from_release_root(config, spec, p, e)))
		return status;
	if (p->name == NULL && config->release_name) {
		p->name = xstrdup(config->release_name);
		p->name_from = "release.name";
	} else if (p->name == NULL) {
		p->name = dir_name(spec->dir);
		p->name_from = "the directory's name";
	}
	if ((status = sv_release_name_check(p->name, e)))
		return status;
	if ((status = from_repo(repo, config, p, e)))
		return status;
	if (spec->no_relup && (p->kind == NULL || spec->delta_from)) {
		sv_err_set(e, SV_USAGE, "--no-relup marks an OTP release package "
		    "for fresh installs only; '%s' is %s", spec->dir,
		    spec->delta_from ? "packed as a delta (--delta-from), which "
		    "only an upgrade can use" : spec->tree ? "packed as a tree "
		    "(--tree)" : "not the root of one");
		return e->status;
	}
	if (spec->delta_from && p->kind == NULL) {
		sv_err_set(e, SV_USAGE, "--delta-from packs OTP releases, and "
		    "'%s' is %s", spec->dir, spec->tree ? "packed as a tree "
		    "(--tree)" : "not the root of one");
		return e->status;
	}
	p->compression = SV_COMPRESS_GZIP;
	if (comp)
		p->compression = strcmp(comp, "zstd") == 0 ? SV_COMPRESS_ZSTD :
		    SV_COMPRESS_GZIP;
	else if (out && sv_str_ends_with(out, ".zst"))
		p->compression = SV_COMPRESS_ZSTD;
	if (out && comp && ((p->compression == SV_COMPRESS_ZSTD &&
	    (sv_str_ends_with(out, ".gz") || sv_str_ends_with(out, ".tgz"))) ||
	    (p->compression == SV_COMPRESS_GZIP && sv_str_ends_with(out, ".zst"))))
		return sv_err_set(e, SV_USAGE, "output '%s' does not look like "
		    "%s compression", out, comp);
	if (out) {
		p->output = xstrdup(out);
	} else if (p->version) {
		struct buf b;

		buf_init(&b);
		if (spec->out_dir)
			buf_addf(&b, "%s/", spec->out_dir);
		buf_addf(&b, "%s-%s%s", p->name, p->version,
		    sv_compression_suffix(p->compression));
		p->output = buf_detach(&b);
	} else {
		sv_err_set(e, SV_USAGE, "cannot name the package: no version");
		return sv_err_hint(e, "give --version VERSION or -o FILE (or "
		    "tag HEAD and run it in the repository)");
	}
	if (p->kind && p->kind->gzip_only &&
	    p->compression != SV_COMPRESS_GZIP) {
		sv_err_set(e, SV_USAGE, "an %s release package must be gzip: "
		    "release_handler reads no zstd", p->kind->name);
		return sv_err_hint(e, "drop --compression zstd (or the .zst "
		    "name), or give --tree to pack the root as a plain tree");
	}
	if (p->kind) {
		p->unpack = sv_package_base_name(p->output);
		if (*p->unpack == '\0' || strcmp(p->unpack, ".") == 0 ||
		    strcmp(p->unpack, "..") == 0)
			return sv_err_set(e, SV_USAGE, "cannot name the %s "
			    "package after '%s'", p->kind->name, p->output);
	}
	p->manifest = spec->manifest ? xstrdup(spec->manifest) :
	    sv_package_manifest_name(p->output);
	return SV_OK;
}

/* The manifest goes to its file and through a hash. */
struct manifest_sink {
	struct sv_outfile *out;
	struct sv_sha256 *h;
};

static int
manifest_sink(void *data, const void *ptr, size_t n, struct sv_err *e)
{
	struct manifest_sink *ms = data;

	sv_sha256_update(ms->h, ptr, n);
	return sv_outfile_write(ms->out, ptr, n, e);
}

static int
write_manifest(struct sv_package *p, struct sv_err *e)
{
	struct sv_outfile out;
	struct manifest_sink ms = { &out, NULL };
	int status;

	if ((status = sv_outfile_open(&out, p->manifest, e)))
		return status;
	ms.h = sv_sha256_new();
	status = sv_manifest_write(&p->info, manifest_sink, &ms, e);
	sv_sha256_final(ms.h, p->manifest_sha256);
	sv_sha256_free(ms.h);
	if (status != SV_OK) {
		sv_outfile_abort(&out);
		return status;
	}
	return sv_outfile_commit(&out, e);
}

int
sv_package_build(const struct sv_package_spec *spec, struct sv_package *p,
    struct sv_err *e)
{
	struct sv_pack_request req;
	const char *file;
	int status;

	memset(&req, 0, sizeof(req));
	req.dir = spec->dir;
	req.output = p->output;
	req.compression = p->compression;
	if ((status = sv_source_date_epoch(&req.mtime, e)) ||
	    (p->kind && (status = p->kind->select(spec, p, &req, e))) ||
	    (status = sv_pack(&req, &p->r, e)))
		return status;
	file = strrchr(p->output, '/');
	p->info.name = p->name;
	p->info.version = p->version;
	p->info.previous = p->previous;
	p->info.level = p->level;
	p->info.file = file ? file + 1 : p->output;
	p->info.compression = p->compression;
	p->info.pack = &p->r;
	p->info.source_date_epoch = req.mtime;
	p->info.delta_from = p->delta_from;
	p->info.delta_full_size = p->full_size;
	if (p->delta_from != NULL) {
		p->info.delta_full_sha256 = p->full_sha256;
		p->info.delta_base_kind = p->base_kind;
		p->info.delta_base_sha256 = p->base_sha256;
	}
	if (p->kind)
		p->kind->manifest(p);
	return write_manifest(p, e);
}
