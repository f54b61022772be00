/*
 * ls - the releases in a store, or the versions of one.
 *
 * Without NAME: each release with its latest version and how many
 * versions it has. With NAME: each version, newest first, with the level
 * of its step from the version before, its package digest and size and
 * when it was published; "*" marks the latest.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapt/json.h"
#include "base/quote.h"
#include "base/xalloc.h"
#include "cli/output.h"
#include "core/store.h"

/* The options, as the table below binds them. */
struct ls_opts {
	const char *store;
};

static const struct sv_option options[] = {
	SV_OPT_STORE(struct ls_opts),
	SV_OPT_END
};

static int
list_versions(struct sv_ctx *ctx, struct sv_store *s, const char *name,
    struct sv_err *e)
{
	struct sv_json *doc = NULL, *arr = NULL;
	char **versions = NULL, *latest = NULL;
	size_t n = 0, i;
	int status;

	if ((status = sv_latest_read(s, name, &latest, e)) ||
	    (status = sv_versions_list(s, name, &versions, &n, e)))
		goto out;
	if (n == 0 && latest == NULL) {
		status = sv_err_set(e, SV_INPUT, "store '%s' has no release '%s'",
		    sv_store_url(s), name);
		goto out;
	}
	if (ctx->json) {
		doc = sv_out_json_doc("ls");
		arr = sv_json_array();
		sv_json_set_str(doc, "name", name);
		sv_json_set_str(doc, "latest", latest);
	}
	for (i = n; i-- > 0; ) {
		struct sv_record r;
		char hex[SV_SHA256_HEX], date[32];
		bool found, is_latest = latest && strcmp(latest,
		    versions[i]) == 0;

		sv_record_init(&r);
		if ((status = sv_record_read(s, name, versions[i], &r, &found,
		    e))) {
			sv_record_release(&r);
			goto out;
		}
		if (!found) {
			sv_record_release(&r);
			continue;
		}
		sv_sha256_hex(r.package, hex);
		sv_time_format(r.published, date);
		if (ctx->json) {
			struct sv_json *o = sv_json_object();

			sv_json_set_str(o, "version", r.version);
			sv_json_set_bool(o, "latest", is_latest);
			sv_json_set_str(o, "previous", r.previous);
			sv_json_set_str(o, "level", r.level);
			sv_json_set_str(o, "sha256", hex);
			sv_json_set_int(o, "size", (int64_t)r.size);
			sv_json_set_str(o, "file", r.file);
			sv_json_set_str(o, "published", date);
			sv_json_push(arr, o);
		} else {
			struct buf b;

			buf_init(&b);
			buf_addf(&b, "%c %-12s %-8s %.12s %12ju  %s\n",
			    is_latest ? '*' : ' ', r.version,
			    r.level ? r.level : "-", hex, (uintmax_t)r.size, date);
			sv_out_write(b.s, b.len);
			buf_release(&b);
		}
		sv_record_release(&r);
	}
	if (ctx->json) {
		sv_json_set(doc, "versions", arr);
		arr = NULL;
		sv_out_json(doc);
		doc = NULL;
	}
out:
	sv_json_free(arr);
	sv_json_free(doc);
	sv_strv_free(versions, n);
	free(latest);
	return status;
}

static int
list_names(struct sv_ctx *ctx, struct sv_store *s, struct sv_err *e)
{
	struct sv_json *doc = NULL, *arr = NULL;
	char **names = NULL;
	size_t n = 0, i;
	int status;

	if ((status = sv_names_list(s, &names, &n, e)))
		return status;
	if (ctx->json) {
		doc = sv_out_json_doc("ls");
		arr = sv_json_array();
		sv_json_set_bytes(doc, "store", sv_store_url(s));
	}
	for (i = 0; i < n && status == SV_OK; i++) {
		char **versions = NULL, *latest = NULL;
		size_t nv = 0;

		if ((status = sv_latest_read(s, names[i], &latest, e)) == SV_OK &&
		    (status = sv_versions_list(s, names[i], &versions, &nv,
		    e)) == SV_OK) {
			if (ctx->json) {
				struct sv_json *o = sv_json_object();

				sv_json_set_str(o, "name", names[i]);
				sv_json_set_str(o, "latest", latest);
				sv_json_set_int(o, "versions", (int64_t)nv);
				sv_json_push(arr, o);
			} else {
				struct buf b;

				buf_init(&b);
				buf_addf(&b, "%-24s %-12s %zu version%s\n", names[i],
				    latest ? latest : "-", nv, nv == 1 ? "" : "s");
				sv_out_write(b.s, b.len);
				buf_release(&b);
			}
		}
		sv_strv_free(versions, nv);
		free(latest);
	}
	if (status == SV_OK && ctx->json) {
		sv_json_set(doc, "releases", arr);
		arr = NULL;
		sv_out_json(doc);
		doc = NULL;
	}
	sv_json_free(arr);
	sv_json_free(doc);
	sv_strv_free(names, n);
	return status;
}

static int
run(struct sv_ctx *ctx, const struct sv_args *a)
{
	const struct ls_opts *opt = a->opts;
	struct sv_store *s = NULL;
	struct sv_err e;
	int status;

	sv_err_init(&e);
	if (a->argc > 0 && (status = sv_release_name_check(a->argv[0], &e)))
		goto fail;
	if ((status = sv_ctx_store(ctx, opt->store, NULL, SV_STORE_READ, &s, &e)))
		goto fail;
	if (ctx->quiet && !ctx->json) {
		/* Only whether the store (and the release) exist. */
		char **v = NULL;
		size_t n = 0, i;

		if (a->argc > 0 && (status = sv_versions_list(s, a->argv[0], &v,
		    &n, &e)) == SV_OK && n == 0)
			status = sv_err_set(&e, SV_INPUT, "store '%s' has no "
			    "release '%s'", sv_store_url(s), a->argv[0]);
		for (i = 0; i < n; i++)
			free(v[i]);
		free(v);
		if (status)
			goto fail;
		goto out;
	}
	status = a->argc > 0 ? list_versions(ctx, s, a->argv[0], &e) :
	    list_names(ctx, s, &e);
	if (status)
		goto fail;
	goto out;
fail:
	sv_out_error(a->cmd, &e);
out:
	sv_store_close(s);
	return status;
}

const struct sv_command sv_cmd_ls = {
	.name = "ls",
	.summary = "list the releases in a store, or the versions of one",
	.args = "[NAME]",
	.min_args = 0,
	.max_args = 1,
	.arg_complete = SV_COMPLETE_NONE,
	.flags = SV_CMD_REPO_OPT,
	.options = options,
	.opts_size = sizeof(struct ls_opts),
	.run = run,
};
