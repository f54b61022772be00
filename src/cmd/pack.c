/*
 * pack - a deterministic, content-addressed tarball of a build tree.
 *
 * Writes the tarball (its SHA-256 is the release's identity) and, beside
 * it, the manifest: name, version, previous version and level, digests,
 * the content index and where it was built from. The root of an OTP
 * release becomes the package release_handler:unpack_release/1 takes,
 * whole or (--delta-from) only what a node running the older version
 * lacks.
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
#include "otp/package.h"
#include "otp/relpack.h"

/* The options, as the table below binds them. */
struct pack_opts {
	const char *output;
	const char *name;
	const char *version;
	const char *compression;
	const char *manifest;
	const char *delta_from;
	bool tree;
	bool no_relup;
};

static const struct sv_option options[] = {
	{ "output", 'o', "FILE", "write the tarball to FILE (default: "
	  "NAME-VERSION.tar.gz here)", SV_COMPLETE_FILE, NULL, false,
	  SV_STRING(struct pack_opts, output) },
	{ "name", 0, "NAME", "release name (default: an OTP release's own, "
	  "else release.name, else the directory's name)", SV_COMPLETE_NONE,
	  NULL, false, SV_STRING(struct pack_opts, name) },
	{ "version", 0, "VERSION", "release version (default: an OTP "
	  "release's own, else the release tag on HEAD, if clean)",
	  SV_COMPLETE_NONE, NULL, false,
	  SV_STRING(struct pack_opts, version) },
	{ "compression", 0, "KIND", "gzip or zstd (default: from the output "
	  "name, else gzip)", SV_COMPLETE_CHOICES, "gzip zstd", false,
	  SV_STRING(struct pack_opts, compression) },
	{ "manifest", 0, "FILE", "write the manifest to FILE (default: beside "
	  "the tarball, NAME-VERSION.manifest.json)", SV_COMPLETE_FILE, NULL,
	  false, SV_STRING(struct pack_opts, manifest) },
	{ "delta-from", 0, "OLD", "an OTP release: pack only what a node "
	  "running OLD (a release root or package) lacks", SV_COMPLETE_FILE,
	  NULL, false, SV_STRING(struct pack_opts, delta_from) },
	{ "tree", 0, NULL, "pack DIR whole, as a plain tree, even if it is "
	  "the root of an OTP release", SV_COMPLETE_NONE, NULL, false,
	  SV_FLAG(struct pack_opts, tree) },
	{ "no-relup", 0, NULL, "an OTP release that follows another, packed "
	  "without its relup: for fresh installs only (the manifest says "
	  "so)", SV_COMPLETE_NONE, NULL, false,
	  SV_FLAG(struct pack_opts, no_relup) },
	SV_OPT_END
};

/* The delta's size as a fraction of the whole package's, rounded to
 * six decimals. */
/* The delta's size over the full package's, rounded to 6 decimals for
 * --json (the human line rounds the exact quotient itself: rounding
 * twice could print 0.248% for 0.2485024%). */
static double
delta_ratio(const struct sv_package *w)
{
	double x;

	if (w->full_size == 0)
		return 0;
	x = (double)w->r.size / (double)w->full_size;
	return (double)(int64_t)(x * 1e6 + 0.5) / 1e6;
}

static struct sv_json *
strv_json(char *const *v, size_t n)
{
	struct sv_json *a = sv_json_array();
	size_t i;

	for (i = 0; i < n; i++)
		sv_json_push(a, sv_json_string(v[i]));
	return a;
}

/* The OTP members of --json: null for a plain tree. */
static void
otp_json(struct sv_json *doc, const struct sv_package *w)
{
	const struct sv_otp_pack *plan = w->kind_state;
	struct sv_json *otp, *delta;

	if (w->kind != &sv_otp_package_kind) {
		sv_json_set_null(doc, "otp");
		sv_json_set_null(doc, "delta");
		return;
	}
	otp = sv_json_object();
	sv_json_set_str(otp, "release", plan->rel.name);
	sv_json_set_str(otp, "version", plan->rel.vsn);
	sv_json_set_str(otp, "erts", plan->rel.erts);
	sv_json_set_bool(otp, "erts_included", plan->erts);
	sv_json_set_bytes(otp, "unpack", w->unpack);
	sv_json_set(otp, "applications", strv_json(plan->apps, plan->napps));
	sv_json_set(otp, "relup_from", strv_json(plan->relup_from,
	    plan->nrelup_from));
	sv_json_set_bool(otp, "fresh_install_only", plan->fresh_only);
	sv_json_set_bool(otp, "cookie_left_out", plan->cookie_left_out);
	sv_json_set(doc, "otp", otp);
	if (!plan->delta) {
		sv_json_set_null(doc, "delta");
		return;
	}
	delta = sv_json_object();
	sv_json_set_str(delta, "from", w->delta_from);
	sv_json_set(delta, "kept", strv_json(plan->kept, plan->nkept));
	sv_json_set_int(delta, "full_size", (int64_t)w->full_size);
	sv_json_set_num(delta, "ratio", delta_ratio(w));
	sv_json_set(doc, "delta", delta);
}

/* The OTP lines of the human output. */
static void
otp_lines(struct buf *b, const struct sv_package *w)
{
	const struct sv_otp_pack *plan = w->kind_state;
	size_t i, total = plan->napps + plan->nkept;

	buf_addf(b, "  release     %s %s (erts %s%s)\n", plan->rel.name,
	    plan->rel.vsn, plan->rel.erts, plan->erts ? ", included" : "");
	buf_addf(b, "  apps        %zu of %zu", plan->napps, total);
	for (i = 0; plan->delta && i < plan->napps; i++)
		buf_addf(b, "%s%s", i ? ", " : ": ", plan->apps[i]);
	buf_addc(b, '\n');
	if (plan->delta)
		buf_addf(b, "  delta       from %s: %.3g%% of the full package "
		    "(%ju bytes)\n", w->delta_from, w->full_size ? 100.0 *
		    (double)w->r.size / (double)w->full_size : 0.0,
		    (uintmax_t)w->full_size);
	if (plan->fresh_only)
		buf_adds(b, "  relup       none: for fresh installs only\n");
	else if (plan->nrelup_from > 0)
		for (i = 0; i < plan->nrelup_from; i++)
			buf_addf(b, "%s%s%s", i ? ", " : "  relup       from ",
			    plan->relup_from[i], i + 1 == plan->nrelup_from ?
			    "\n" : "");
	else
		buf_adds(b, "  relup       none: a first release\n");
	if (plan->cookie_left_out)
		buf_adds(b, "  cookie      left out (releases/COOKIE, a secret): "
		    "the node takes RELEASE_COOKIE\n");
	buf_adds(b, "  unpack      releases/");
	sv_quote_path(b, w->unpack);
	buf_adds(b, ".tar.gz, release_handler:unpack_release(\"");
	sv_quote_path(b, w->unpack);
	buf_adds(b, "\")\n");
}

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
		otp_json(doc, w);
		sv_out_json(doc);
	} else if (!ctx->quiet) {
		struct buf b;

		buf_init(&b);
		sv_quote_path(&b, w->output);
		buf_addf(&b, "\n  sha256      %s\n  tar sha256  %s\n"
		    "  size        %ju bytes (tar %ju)\n  entries     %zu\n",
		    hex, tarhex, (uintmax_t)r->size, (uintmax_t)r->tar_size,
		    r->index.n);
		if (w->kind == &sv_otp_package_kind)
			otp_lines(&b, w);
		buf_adds(&b, "  manifest    ");
		sv_quote_path(&b, w->manifest);
		buf_addc(&b, '\n');
		sv_out_write(b.s, b.len);
		buf_release(&b);
	}
}

static int
run(struct sv_ctx *ctx, const struct sv_args *a)
{
	const struct pack_opts *opt = a->opts;
	struct sv_package_spec spec;
	struct sv_package p;
	struct sv_err e;
	int status;

	sv_err_init(&e);
	sv_package_init(&p);
	memset(&spec, 0, sizeof(spec));
	spec.dir = a->argv[0];
	spec.name = opt->name;
	spec.version = opt->version;
	spec.compression = opt->compression;
	spec.output = opt->output;
	spec.manifest = opt->manifest;
	spec.delta_from = opt->delta_from;
	spec.tree = opt->tree;
	spec.no_relup = opt->no_relup;
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
	.opts_size = sizeof(struct pack_opts),
	.run = run,
};
