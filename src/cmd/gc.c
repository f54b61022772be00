/*
 * gc - remove what no kept release needs from a store.
 *
 * Without --keep, only garbage goes: blobs no record references (from
 * publishes that failed or lost a race) and stale temporary files. With
 * --keep N, the versions of each release older than its newest N go too,
 * except the one its latest pointer names.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapt/json.h"
#include "base/quote.h"
#include "cli/output.h"
#include "core/gc.h"
#include "core/store.h"

/* The options, as the table below binds them. */
struct gc_opts {
	const char *keep;
	bool dry_run;
	const char *store;
};

static const struct sv_option options[] = {
	{ "keep", 0, "N", "keep only the newest N versions of each release "
	  "(and always its latest)", SV_COMPLETE_NONE, NULL, false,
	  SV_STRING(struct gc_opts, keep) },
	{ "dry-run", 'n', NULL, "say what would be removed, remove nothing",
	  SV_COMPLETE_NONE, NULL, false, SV_FLAG(struct gc_opts, dry_run) },
	SV_OPT_STORE(struct gc_opts),
	SV_OPT_END
};

static const char *
kind_name(enum sv_gc_kind k)
{
	return k == SV_GC_RECORD ? "version" : k == SV_GC_COPY ? "copy" :
	    "blob";
}

static void
print_result(struct sv_ctx *ctx, struct sv_store *s, bool dry,
    const struct sv_gc_result *r)
{
	size_t i, versions = 0, blobs = 0;

	for (i = 0; i < r->n; i++) {
		if (r->v[i].kind == SV_GC_RECORD)
			versions++;
		else if (r->v[i].kind == SV_GC_BLOB)
			blobs++;
	}
	if (ctx->json) {
		struct sv_json *doc = sv_out_json_doc("gc");
		struct sv_json *arr = sv_json_array();

		sv_json_set_bytes(doc, "store", sv_store_url(s));
		sv_json_set_bool(doc, "dry_run", dry);
		for (i = 0; i < r->n; i++) {
			struct sv_json *o = sv_json_object();

			sv_json_set_str(o, "kind", kind_name(r->v[i].kind));
			sv_json_set_str(o, "key", r->v[i].key);
			sv_json_set_str(o, "release", r->v[i].release);
			sv_json_set_int(o, "size", (int64_t)r->v[i].size);
			sv_json_push(arr, o);
		}
		sv_json_set(doc, "removed", arr);
		sv_json_set_int(doc, "bytes", (int64_t)r->bytes);
		sv_json_set_int(doc, "kept_versions", (int64_t)r->kept_versions);
		sv_json_set_int(doc, "kept_blobs", (int64_t)r->kept_blobs);
		sv_json_set_int(doc, "tmp_removed", (int64_t)r->tmp_removed);
		sv_out_json(doc);
		return;
	}
	if (ctx->quiet)
		return;
	for (i = 0; i < r->n; i++) {
		struct buf b;

		buf_init(&b);
		buf_addf(&b, "%s %-7s %s\n", dry ? "would remove" : "removed",
		    kind_name(r->v[i].kind), r->v[i].release ? r->v[i].release :
		    r->v[i].key);
		sv_out_write(b.s, b.len);
		buf_release(&b);
	}
	{
		struct buf b;

		buf_init(&b);
		buf_addf(&b, "%s %zu version%s and %zu blob%s (%ju bytes); kept "
		    "%zu version%s\n", dry ? "would remove" : "removed", versions,
		    versions == 1 ? "" : "s", blobs, blobs == 1 ? "" : "s",
		    (uintmax_t)r->bytes, r->kept_versions,
		    r->kept_versions == 1 ? "" : "s");
		sv_out_write(b.s, b.len);
		buf_release(&b);
	}
}

static int
run(struct sv_ctx *ctx, const struct sv_args *a)
{
	const struct gc_opts *opt = a->opts;
	struct sv_gc_request req;
	struct sv_gc_result r;
	struct sv_store *s = NULL;
	const char *keep = opt->keep;
	struct sv_err e;
	int status;

	sv_err_init(&e);
	sv_gc_result_init(&r);
	memset(&req, 0, sizeof(req));
	req.dry_run = opt->dry_run;
	if (keep) {
		char *end;
		unsigned long v = strtoul(keep, &end, 10);

		if (*keep < '0' || *keep > '9' || *end != '\0' || v < 1 ||
		    v > 1000000) {
			status = sv_err_set(&e, SV_USAGE, "invalid count '%s' for "
			    "--keep (expected a whole number from 1)", keep);
			goto fail;
		}
		req.keep_set = true;
		req.keep = v;
	}
	if ((status = sv_ctx_store(ctx, opt->store, NULL, SV_STORE_READ, &s, &e)) ||
	    (status = sv_gc(s, &req, &r, &e)))
		goto fail;
	print_result(ctx, s, req.dry_run, &r);
	goto out;
fail:
	sv_out_error(a->cmd, &e);
out:
	sv_store_close(s);
	sv_gc_result_release(&r);
	return status;
}

const struct sv_command sv_cmd_gc = {
	.name = "gc",
	.summary = "remove from a store what no kept release needs",
	.args = "",
	.min_args = 0,
	.max_args = 0,
	.arg_complete = SV_COMPLETE_NONE,
	.flags = SV_CMD_REPO_OPT,
	.options = options,
	.opts_size = sizeof(struct gc_opts),
	.run = run,
};
