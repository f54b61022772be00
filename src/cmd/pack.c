/*
 * pack - a deterministic, content-addressed tarball of a build tree.
 *
 * Writes the tarball (its SHA-256 is the release's identity) and, beside
 * it, the manifest: name, version, previous version and level, digests,
 * the content index and where it was built from.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapt/json.h"
#include "base/outfile.h"
#include "base/quote.h"
#include "base/xalloc.h"
#include "cli/output.h"
#include "core/manifest.h"
#include "core/pack.h"
#include "core/release.h"

static const struct sv_option options[] = {
	{ "output", 'o', "FILE", "write the tarball to FILE (default: "
	  "NAME-VERSION.tar.gz here)", SV_COMPLETE_FILE, NULL, false },
	{ "name", 0, "NAME", "release name (default: release.name, else the "
	  "directory's name)", SV_COMPLETE_NONE, NULL, false },
	{ "version", 0, "VERSION", "release version (default: the release "
	  "tag on HEAD, if clean)", SV_COMPLETE_NONE, NULL, false },
	{ "compression", 0, "KIND", "gzip or zstd (default: from the output "
	  "name, else gzip)", SV_COMPLETE_CHOICES, "gzip zstd", false },
	{ "manifest", 0, "FILE", "write the manifest to FILE (default: beside "
	  "the tarball, NAME-VERSION.manifest.json)", SV_COMPLETE_FILE, NULL,
	  false },
	SV_OPT_END
};

struct what {
	char *name, *version, *output, *manifest, *previous;
	const char *level;
	enum sv_compression compression;
	struct sv_manifest_info info;
};

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int
check_name(const char *name, struct sv_err *e)
{
	const char *p;

	if (*name == '\0' || *name == '.' || *name == '-')
		goto bad;
	for (p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' ||
		    *p == '.'))
			goto bad;
	return SV_OK;
bad:
	return sv_err_set(e, SV_USAGE, "invalid release name '%s' (expected "
	    "letters, digits, '_', '-' and '.', not starting with '.' or '-')",
	    name);
}

static char *
dir_name(const char *dir)
{
	char *copy = xstrdup(dir), *slash;
	size_t n = strlen(copy);

	while (n > 1 && copy[n - 1] == '/')
		copy[--n] = '\0';
	slash = strrchr(copy, '/');
	if (slash != NULL) {
		char *base = xstrdup(slash + 1);

		free(copy);
		return base;
	}
	return copy;
}

/* Version and previous release from the repository, when it knows. */
static int
from_repo(struct sv_ctx *ctx, struct what *w, struct sv_err *e)
{
	struct sv_releases list;
	struct sv_current cur;
	const struct sv_release *prev = NULL;
	struct sv_version v;
	int status;

	if (ctx->repo == NULL || sv_git_is_shallow(ctx->repo))
		return SV_OK;
	sv_releases_init(&list);
	sv_version_init(&v);
	if ((status = sv_releases_load(ctx->repo, ctx->config.tag_prefix,
	    &list, e)) || (status = sv_current_find(ctx->repo, &list, &cur, e)))
		goto out;
	w->info.in_repo = true;
	memcpy(w->info.commit, cur.head, SV_OID_HEX);
	w->info.dirty = cur.dirty;
	if ((status = sv_git_commit_tree(ctx->repo, cur.head, w->info.tree, e)))
		goto out;
	if (w->version == NULL && cur.release && cur.commits_since == 0 &&
	    !cur.dirty)
		w->version = sv_version_str(&cur.release->version);
	if (w->version == NULL)
		goto out;
	if ((status = sv_version_parse(&v, w->version, "", e)) ||
	    (status = sv_release_before(ctx->repo, &list, cur.head, &v, &prev,
	    e)))
		goto out;
	if (prev) {
		struct sv_transition t;

		sv_transition_of(&prev->version, &v, &t);
		w->previous = sv_version_str(&prev->version);
		w->level = sv_level_name(t.level);
	}
out:
	sv_version_release(&v);
	sv_releases_release(&list);
	return status;
}

static int
decide(struct sv_ctx *ctx, const struct sv_args *a, struct what *w,
    struct sv_err *e)
{
	const char *out = sv_arg(a, "output"), *comp = sv_arg(a, "compression");
	const char *ver = sv_arg(a, "version");
	int status;

	if (ver) {
		struct sv_version v;

		sv_version_init(&v);
		if (sv_version_parse(&v, ver, ctx->config.tag_prefix, e)) {
			e->status = SV_USAGE;
			return SV_USAGE;
		}
		w->version = sv_version_str(&v);
		sv_version_release(&v);
	}
	if (sv_arg(a, "name"))
		w->name = xstrdup(sv_arg(a, "name"));
	else if (ctx->config.release_name)
		w->name = xstrdup(ctx->config.release_name);
	else
		w->name = dir_name(a->argv[0]);
	if ((status = check_name(w->name, e)))
		return status;
	if ((status = from_repo(ctx, w, e)))
		return status;
	w->compression = SV_COMPRESS_GZIP;
	if (comp)
		w->compression = strcmp(comp, "zstd") == 0 ? SV_COMPRESS_ZSTD :
		    SV_COMPRESS_GZIP;
	else if (out && ends_with(out, ".zst"))
		w->compression = SV_COMPRESS_ZSTD;
	if (out && comp && ((w->compression == SV_COMPRESS_ZSTD &&
	    (ends_with(out, ".gz") || ends_with(out, ".tgz"))) ||
	    (w->compression == SV_COMPRESS_GZIP && ends_with(out, ".zst"))))
		return sv_err_set(e, SV_USAGE, "output '%s' does not look like "
		    "%s compression", out, comp);
	if (out) {
		w->output = xstrdup(out);
	} else if (w->version) {
		struct buf b;

		buf_init(&b);
		buf_addf(&b, "%s-%s%s", w->name, w->version,
		    sv_compression_suffix(w->compression));
		w->output = buf_detach(&b);
	} else {
		sv_err_set(e, SV_USAGE, "cannot name the package: no version");
		return sv_err_hint(e, "give --version VERSION or -o FILE (or "
		    "tag HEAD and run it in the repository)");
	}
	if (sv_arg(a, "manifest")) {
		w->manifest = xstrdup(sv_arg(a, "manifest"));
	} else {
		static const char *const sfx[] = { ".tar.gz", ".tgz", ".tar.zst",
		    ".tar", NULL };
		struct buf b;
		size_t i, len = strlen(w->output);

		for (i = 0; sfx[i]; i++)
			if (ends_with(w->output, sfx[i])) {
				len -= strlen(sfx[i]);
				break;
			}
		buf_init(&b);
		buf_add(&b, w->output, len);
		buf_adds(&b, ".manifest.json");
		w->manifest = buf_detach(&b);
	}
	return SV_OK;
}

static void
print_result(struct sv_ctx *ctx, const struct what *w,
    const struct sv_pack_result *r, const char *manifest_hex)
{
	char hex[SV_SHA256_HEX], tarhex[SV_SHA256_HEX];

	sv_sha256_hex(r->sha256, hex);
	sv_sha256_hex(r->tar_sha256, tarhex);
	if (ctx->json) {
		struct sv_json *doc = sv_out_json_doc("pack");

		sv_json_set_bytes(doc, "file", w->output);
		sv_json_set_bytes(doc, "name", w->name);
		sv_json_set_str(doc, "version", w->version);
		sv_json_set_str(doc, "compression",
		    sv_compression_name(w->compression));
		sv_json_set_str(doc, "sha256", hex);
		sv_json_set_int(doc, "size", (int64_t)r->size);
		sv_json_set_str(doc, "tar_sha256", tarhex);
		sv_json_set_int(doc, "tar_size", (int64_t)r->tar_size);
		sv_json_set_int(doc, "entries", (int64_t)r->index.n);
		sv_json_set_bytes(doc, "manifest", w->manifest);
		sv_json_set_str(doc, "manifest_sha256", manifest_hex);
		sv_out_json(doc);
	} else if (!ctx->quiet) {
		struct buf b;

		buf_init(&b);
		sv_quote_path(&b, w->output);
		buf_addf(&b, "\n  sha256      %s\n  tar sha256  %s\n"
		    "  size        %ju bytes (tar %ju)\n  entries     %zu\n"
		    "  manifest    ", hex, tarhex, (uintmax_t)r->size,
		    (uintmax_t)r->tar_size, r->index.n);
		sv_quote_path(&b, w->manifest);
		buf_addc(&b, '\n');
		sv_out_write(b.s, b.len);
		buf_release(&b);
	}
}

/* The manifest goes to its file and through a hash. */
struct manifest_sink {
	struct sv_outfile *out;
	struct sv_sha256 *h;
};

static int
manifest_sink(void *data, const void *p, size_t n, struct sv_err *e)
{
	struct manifest_sink *ms = data;

	sv_sha256_update(ms->h, p, n);
	return sv_outfile_write(ms->out, p, n, e);
}

static int
write_manifest(const struct what *w, unsigned char md[SV_SHA256_LEN],
    struct sv_err *e)
{
	struct sv_outfile out;
	struct manifest_sink ms = { &out, NULL };
	int status;

	if ((status = sv_outfile_open(&out, w->manifest, e)))
		return status;
	ms.h = sv_sha256_new();
	status = sv_manifest_write(&w->info, manifest_sink, &ms, e);
	sv_sha256_final(ms.h, md);
	sv_sha256_free(ms.h);
	if (status != SV_OK) {
		sv_outfile_abort(&out);
		return status;
	}
	return sv_outfile_commit(&out, e);
}

static int
run(struct sv_ctx *ctx, const struct sv_args *a)
{
	struct what w;
	struct sv_pack_request req;
	struct sv_pack_result r;
	unsigned char md[SV_SHA256_LEN];
	char mhex[SV_SHA256_HEX], *file;
	struct sv_err e;
	int status;

	sv_err_init(&e);
	memset(&w, 0, sizeof(w));
	sv_pack_result_init(&r);
	if ((status = decide(ctx, a, &w, &e)))
		goto fail;
	memset(&req, 0, sizeof(req));
	req.dir = a->argv[0];
	req.output = w.output;
	req.compression = w.compression;
	if ((status = sv_source_date_epoch(&req.mtime, &e)) ||
	    (status = sv_pack(&req, &r, &e)))
		goto fail;
	file = strrchr(w.output, '/');
	w.info.name = w.name;
	w.info.version = w.version;
	w.info.previous = w.previous;
	w.info.level = w.level;
	w.info.file = file ? file + 1 : w.output;
	w.info.compression = w.compression;
	w.info.pack = &r;
	w.info.source_date_epoch = req.mtime;
	if ((status = write_manifest(&w, md, &e)))
		goto fail;
	sv_sha256_hex(md, mhex);
	print_result(ctx, &w, &r, mhex);
	goto out;
fail:
	sv_out_error(a->cmd, &e);
out:
	free(w.name);
	free(w.version);
	free(w.output);
	free(w.manifest);
	free(w.previous);
	sv_pack_result_release(&r);
	return status;
}

const struct sv_command sv_cmd_pack = {
	.name = "pack",
	.summary = "write a deterministic, content-addressed tarball and its "
	    "manifest",
	.args = "DIR",
	.min_args = 1,
	.max_args = 1,
	.arg_complete = SV_COMPLETE_DIR,
	.flags = SV_CMD_REPO_OPT,
	.options = options,
	.run = run,
};
