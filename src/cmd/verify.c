/*
 * verify - a package or an unpacked/installed tree against its manifest.
 *
 * The manifest comes from --manifest, from the store (--release), or, for
 * a tarball, from beside it. Exit 0 when everything matches, 1 with the
 * list of differences (drift) otherwise.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "adapt/json.h"
#include "base/msg.h"
#include "base/quote.h"
#include "base/xalloc.h"
#include "cli/output.h"
#include "core/package.h"
#include "core/store.h"
#include "core/verify.h"

/* The options, as the table below binds them. */
struct verify_opts {
	const char *manifest;
	const char *release;
	const char *store;
	struct sv_strlist trust;
};

static const struct sv_option options[] = {
	{ "manifest", 0, "FILE", "the manifest to check against (default for "
	  "a tarball: NAME-VERSION.manifest.json beside it)", SV_COMPLETE_FILE,
	  NULL, false, SV_STRING(struct verify_opts, manifest) },
	{ "release", 0, "NAME@VERSION", "check against the manifest of this "
	  "release in the store", SV_COMPLETE_NONE, NULL, false,
	  SV_STRING(struct verify_opts, release) },
	SV_OPT_STORE(struct verify_opts),
	SV_OPT_TRUST(struct verify_opts),
	SV_OPT_END
};

static void
describe(struct buf *b, const struct sv_drift *d)
{
	const struct sv_entry *x = d->expected, *y = d->actual;

	switch (d->kind) {
	case SV_DRIFT_MODE:
		buf_addf(b, " (%04o -> %04o)", x->mode, y->mode);
		break;
	case SV_DRIFT_TYPE:
		buf_addf(b, " (%s -> %s)", sv_entry_type_name(x->type),
		    sv_entry_type_name(y->type));
		break;
	case SV_DRIFT_MODIFIED:
		if (x->type == SV_ENTRY_SYMLINK) {
			buf_adds(b, " (-> ");
			sv_quote_path(b, x->target);
			buf_adds(b, " became -> ");
			sv_quote_path(b, y->target);
			buf_addc(b, ')');
		} else if (x->size != y->size) {
			buf_addf(b, " (%ju -> %ju bytes)", (uintmax_t)x->size,
			    (uintmax_t)y->size);
		}
		break;
	default:
		break;
	}
}

static void
print_result(struct sv_ctx *ctx, const char *path,
    const struct sv_manifest *m, const struct sv_verify_result *r)
{
	char hex[SV_SHA256_HEX];
	size_t i;

	if (ctx->json) {
		struct sv_json *doc = sv_out_json_doc("verify");
		struct sv_json *arr = sv_json_array();

		sv_json_set_bytes(doc, "path", path);
		sv_json_set_str(doc, "name", m->name);
		sv_json_set_str(doc, "version", m->version);
		sv_json_set_bool(doc, "ok", r->n == 0 &&
		    (!r->is_package || r->package_matches));
		sv_json_set_str(doc, "kind", r->is_package ? "package" : "tree");
		if (r->is_package) {
			sv_sha256_hex(r->sha256, hex);
			sv_json_set_str(doc, "sha256", hex);
			sv_json_set_int(doc, "size", (int64_t)r->size);
			sv_sha256_hex(m->sha256, hex);
			sv_json_set_str(doc, "expected_sha256", hex);
			sv_json_set_int(doc, "expected_size", (int64_t)m->size);
		}
		for (i = 0; i < r->n; i++) {
			const struct sv_drift *d = &r->v[i];
			struct sv_json *o = sv_json_object();

			sv_json_set_bytes(o, "path", d->expected ?
			    d->expected->path : d->actual->path);
			sv_json_set_str(o, "drift", sv_drift_name(d->kind));
			if (d->expected)
				sv_json_set(o, "expected",
				    sv_entry_to_json(d->expected, false));
			else
				sv_json_set_null(o, "expected");
			if (d->actual)
				sv_json_set(o, "actual",
				    sv_entry_to_json(d->actual, false));
			else
				sv_json_set_null(o, "actual");
			sv_json_push(arr, o);
		}
		sv_json_set(doc, "drift", arr);
		sv_out_json(doc);
		return;
	}
	if (ctx->quiet)
		return; /* the exit status says it */
	if (r->n == 0 && (!r->is_package || r->package_matches)) {
		struct buf b;

		buf_init(&b);
		sv_quote_path(&b, path);
		buf_addf(&b, " matches %s %s (%zu entries)\n", m->name,
		    m->version ? m->version : "(no version)", m->content.n);
		sv_out_write(b.s, b.len);
		buf_release(&b);
		return;
	}
	if (r->is_package) {
		struct buf b;

		buf_init(&b);
		sv_quote_path(&b, path);
		sv_sha256_hex(r->sha256, hex);
		buf_addf(&b, " is not the package of %s %s: sha256 %s",
		    m->name, m->version ? m->version : "(no version)", hex);
		sv_sha256_hex(m->sha256, hex);
		buf_addf(&b, ", expected %s%s\n", hex, r->n == 0 ?
		    " (same content, other bytes)" : "");
		sv_out_write(b.s, b.len);
		buf_release(&b);
	}
	for (i = 0; i < r->n; i++) {
		const struct sv_drift *d = &r->v[i];
		struct buf b;

		buf_init(&b);
		buf_addf(&b, "%-9s", sv_drift_name(d->kind));
		sv_quote_path(&b, d->expected ? d->expected->path :
		    d->actual->path);
		describe(&b, d);
		buf_addc(&b, '\n');
		sv_out_write(b.s, b.len);
		buf_release(&b);
	}
}

static int
load_manifest(struct sv_ctx *ctx, const struct sv_args *a, const char *path,
    struct sv_manifest *m, struct sv_err *e)
{
	const struct verify_opts *opt = a->opts;
	const char *file = opt->manifest, *rel = opt->release;
	struct stat st;
	int status;

	if (file && rel)
		return sv_err_set(e, SV_USAGE, "--manifest and --release cannot "
		    "go together");
	if (rel) {
		struct sv_store *s = NULL;
		struct sv_record rec;
		char *name = NULL, *version = NULL;

		sv_record_init(&rec);
		if ((status = sv_release_ref_parse(rel, &name, &version, e)) ==
		    SV_OK && (status = sv_ctx_store(ctx, opt->store, &opt->trust, SV_STORE_READ, &s,
		    e)) == SV_OK && (status = sv_release_resolve(s, name,
		    version, &rec, e)) == SV_OK)
			status = sv_record_manifest(s, &rec, m, e);
		sv_record_release(&rec);
		sv_store_close(s);
		free(name);
		free(version);
		return status;
	}
	if (file)
		return sv_manifest_load(m, file, e);
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		sv_err_set(e, SV_USAGE, "no manifest to check '%s' against", path);
		return sv_err_hint(e, "give --manifest FILE or --release "
		    "NAME@VERSION");
	}
	{
		char *beside = sv_package_manifest_name(path);

		status = sv_manifest_load(m, beside, e);
		free(beside);
	}
	return status;
}

static int
run(struct sv_ctx *ctx, const struct sv_args *a)
{
	struct sv_manifest m;
	struct sv_verify_result r;
	struct sv_err e;
	int status;

	sv_err_init(&e);
	sv_manifest_init(&m);
	sv_verify_result_init(&r);
	if ((status = load_manifest(ctx, a, a->argv[0], &m, &e)))
		goto fail;
	status = sv_verify(&m, a->argv[0], &r, &e);
	if (status != SV_OK && status != SV_NO)
		goto fail;
	print_result(ctx, a->argv[0], &m, &r);
	goto out;
fail:
	sv_out_error(a->cmd, &e);
out:
	sv_verify_result_release(&r);
	sv_manifest_release(&m);
	return status;
}

const struct sv_command sv_cmd_verify = {
	.name = "verify",
	.summary = "check a package or an installed tree against its manifest",
	.args = "TARBALL|DIR",
	.min_args = 1,
	.max_args = 1,
	.arg_complete = SV_COMPLETE_FILE,
	.flags = SV_CMD_REPO_OPT,
	.options = options,
	.opts_size = sizeof(struct verify_opts),
	.run = run,
};
