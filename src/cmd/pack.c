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
#include "core/package.h"

static const struct sv_option options[] = {
	{ "output", 'o', "FILE", "write the tarball to FILE (default: "
	  "NAME-VERSION.tar.gz here)", SV_COMPLETE_FILE, NULL, false },
	{ "name", 0, "NAME", "release name (default: an OTP release's own, "
	  "else release.name, else the directory's name)", SV_COMPLETE_NONE,
	  NULL, false },
	{ "version", 0, "VERSION", "release version (default: an OTP "
	  "release's own, else the release tag on HEAD, if clean)",
	  SV_COMPLETE_NONE, NULL, false },
	{ "compression", 0, "KIND", "gzip or zstd (default: from the output "
	  "name, else gzip)", SV_COMPLETE_CHOICES, "gzip zstd", false },
	{ "manifest", 0, "FILE", "write the manifest to FILE (default: beside "
	  "the tarball, NAME-VERSION.manifest.json)", SV_COMPLETE_FILE, NULL,
	  false },
	SV_OPT_END
};

static void
print_result(struct sv_ctx *ctx, const struct sv_package *w)
{
	const struct sv_pack_result *r = &w->r;
	char hex[SV_SHA256_HEX], tarhex[SV_SHA256_HEX];
	char manifest_hex[SV_SHA256_HEX];

	sv_sha256_hex(w->manifest_sha256, manifest_hex);
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

static int
run(struct sv_ctx *ctx, const struct sv_args *a)
{
	struct sv_package_spec spec;
	struct sv_package p;
	struct sv_err e;
	int status;

	sv_err_init(&e);
	sv_package_init(&p);
	memset(&spec, 0, sizeof(spec));
	spec.dir = a->argv[0];
	spec.name = sv_arg(a, "name");
	spec.version = sv_arg(a, "version");
	spec.compression = sv_arg(a, "compression");
	spec.output = sv_arg(a, "output");
	spec.manifest = sv_arg(a, "manifest");
	if ((status = sv_package_describe(ctx->repo, &ctx->config, &spec, &p,
	    &e)) || (status = sv_package_build(&spec, &p, &e)))
		sv_out_error(a->cmd, &e);
	else
		print_result(ctx, &p);
	sv_package_release(&p);
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
