/*
 * fetch - get a release out of a store, every digest checked.
 *
 * -o PATH ending in .tar.gz, .tgz or .tar.zst receives the package file;
 * any other PATH is a new or empty directory that receives the release,
 * extracted with every entry checked against the manifest. Either way
 * the result appears whole or not at all.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapt/json.h"
#include "base/msg.h"
#include "base/quote.h"
#include "base/xalloc.h"
#include "cli/output.h"
#include "cli/parse.h"
#include "core/fetch.h"
#include "core/version.h"
#include "otp/target.h"

/* The options, as the table below binds them. */
struct fetch_opts {
	const char *output;
	const char *store;
	struct sv_strlist trust;
	const char *delta_from;
	const char *max_size;
};

static const struct sv_option options[] = {
	{ "output", 'o', "PATH", "a package file (.tar.gz, .tgz, .tar.zst) or "
	  "a directory to extract into (default: NAME-VERSION.tar.gz here)",
	  SV_COMPLETE_FILE, NULL, false,
	  SV_STRING(struct fetch_opts, output) },
	SV_OPT_STORE(struct fetch_opts),
	SV_OPT_TRUST(struct fetch_opts),
	{ "delta-from", 0, "VERSION", "the delta package from VERSION, when "
	  "the store has one (else the whole package), into a package file",
	  SV_COMPLETE_NONE, NULL, false,
	  SV_STRING(struct fetch_opts, delta_from) },
	{ "max-size", 0, "SIZE", "refuse to extract more than SIZE bytes "
	  "(suffixes K, M, G, T; default 16G)", SV_COMPLETE_NONE, NULL,
	  false, SV_STRING(struct fetch_opts, max_size) },
	SV_OPT_END
};

/* An OTP release extracted gets the releases/RELEASES release_handler
 * needs to upgrade it in place (see otp/target.h); any other tree is
 * left as it is. */
static int
prepare_release(const char *dir, const char *final,
    const struct sv_manifest *m, void *ctx, struct sv_err *e)
{
	bool *wrote = ctx;

	if (!m->otp)
		return SV_OK;
	return sv_otp_target_prepare(dir, final, wrote, e);
}

static void
print_result(struct sv_ctx *ctx, const char *output,
    const struct sv_fetch_result *r, bool wrote)
{
	const struct sv_manifest *m = &r->m;
	char hex[SV_SHA256_HEX], mhex[SV_SHA256_HEX];

	sv_sha256_hex(m->sha256, hex);
	sv_sha256_hex(r->rec.manifest, mhex);
	if (ctx->json) {
		struct sv_json *doc = sv_out_json_doc("fetch");

		sv_json_set_str(doc, "name", m->name);
		sv_json_set_str(doc, "version", m->version);
		sv_json_set_bytes(doc, "output", output);
		sv_json_set_str(doc, "kind", r->extracted ? "tree" : "package");
		sv_json_set_str(doc, "sha256", hex);
		sv_json_set_int(doc, "size", (int64_t)m->size);
		sv_json_set_int(doc, "entries", (int64_t)m->content.n);
		sv_json_set_str(doc, "manifest_sha256", mhex);
		sv_json_set_bool(doc, "releases_written", wrote);
		sv_json_set_str(doc, "delta_from", r->delta ? m->delta_from :
		    NULL);
		sv_out_json(doc);
	} else if (!ctx->quiet) {
		struct buf b;

		buf_init(&b);
		buf_addf(&b, "fetched %s %s", m->name, m->version);
		if (r->delta)
			buf_addf(&b, " (the delta from %s)", m->delta_from);
		buf_adds(&b, " into ");
		sv_quote_path(&b, output);
		if (r->extracted)
			buf_addf(&b, " (%zu entries, each checked%s)\n",
			    m->content.n, wrote ? "; releases/RELEASES "
			    "written for release_handler" : "");
		else
			buf_addf(&b, " (%ju bytes, sha256 %s)\n",
			    (uintmax_t)m->size, hex);
		sv_out_write(b.s, b.len);
		buf_release(&b);
	}
}

static int
run(struct sv_ctx *ctx, const struct sv_args *a)
{
	const struct fetch_opts *opt = a->opts;
	struct sv_fetch_request req;
	struct sv_fetch_result r;
	struct sv_store *s = NULL;
	char *name = NULL, *version = NULL, *output = NULL, *from = NULL;
	bool wrote = false;
	struct sv_err e;
	int status;

	sv_err_init(&e);
	sv_fetch_result_init(&r);
	memset(&req, 0, sizeof(req));
	req.max_size = SV_EXTRACT_MAX_DEFAULT;
	if ((status = sv_release_ref_parse(a->argv[0], &name, &version, &e)) ||
	    (opt->max_size && (status = sv_parse_size("max-size",
	    opt->max_size, &req.max_size, &e))) ||
	    (opt->delta_from && (status = sv_version_normalise(
	    opt->delta_from, "v", &from, &e))) ||
	    (status = sv_ctx_store(ctx, opt->store, &opt->trust, SV_STORE_READ, &s, &e)))
		goto fail;
	req.delta_from = from;
	req.name = name;
	req.version = version;
	if (opt->output == NULL) {
		/* The default output needs the version: resolve it first. */
		struct sv_record rec;
		struct buf b;

		sv_record_init(&rec);
		if ((status = sv_release_resolve(s, name, version, &rec, &e))) {
			sv_record_release(&rec);
			goto fail;
		}
		buf_init(&b);
		buf_addf(&b, "%s-%s%s", name, rec.version,
		    sv_compression_suffix(rec.compression));
		output = buf_detach(&b);
		free(version);
		version = xstrdup(rec.version);
		req.version = version;
		sv_record_release(&rec);
	} else {
		output = xstrdup(opt->output);
	}
	req.output = output;
	req.prepare = prepare_release;
	req.prepare_ctx = &wrote;
	if ((status = sv_fetch(s, &req, &r, &e)))
		goto fail;
	if (r.delta_skipped != NULL)
		msg_warn("%s", r.delta_skipped);
	print_result(ctx, output, &r, wrote);
	goto out;
fail:
	sv_out_error(a->cmd, &e);
out:
	sv_store_close(s);
	sv_fetch_result_release(&r);
	free(name);
	free(version);
	free(output);
	free(from);
	return status;
}

const struct sv_command sv_cmd_fetch = {
	.name = "fetch",
	.summary = "get a release out of a store, checked against its digests",
	.args = "NAME[@VERSION|@latest]",
	.min_args = 1,
	.max_args = 1,
	.arg_complete = SV_COMPLETE_NONE,
	.flags = SV_CMD_REPO_OPT,
	.options = options,
	.opts_size = sizeof(struct fetch_opts),
	.run = run,
};
