/*
 * version - the repository's current release version.
 *
 * The current version is the highest release tag (by version, not by
 * date) on HEAD or one of its ancestors. Also reports how many commits
 * HEAD is past it and whether tracked files are modified. Refuses shallow
 * clones, where tags may be hidden, rather than guess.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "cli/output.h"
#include "core/release.h"
#include "core/version.h"

/* The options, as the table below binds them. */
struct version_opts {
	const char *next;
	const char *prefix;
};

static const struct sv_option options[] = {
	{ "next", 0, "LEVEL", "print the version a release at LEVEL would get",
	  SV_COMPLETE_CHOICES, "reload relup restart", false,
	  SV_STRING(struct version_opts, next) },
	SV_OPT_PREFIX(struct version_opts),
	SV_OPT_END
};

static void
print_json(const struct sv_current *cur, const struct sv_version *next,
    enum sv_level level)
{
	struct sv_json *doc = sv_out_json_doc("version");

	if (cur->release) {
		char *vs = sv_version_str(&cur->release->version);

		sv_json_set_str(doc, "version", vs);
		sv_json_set_str(doc, "tag", cur->release->tag);
		sv_json_set_str(doc, "commit", cur->release->commit);
		free(vs);
	} else {
		sv_json_set_null(doc, "version");
		sv_json_set_null(doc, "tag");
		sv_json_set_null(doc, "commit");
	}
	sv_json_set_str(doc, "head", cur->head);
	if (cur->release)
		sv_json_set_int(doc, "commits_since",
		    (int64_t)cur->commits_since);
	else
		sv_json_set_null(doc, "commits_since");
	sv_json_set_bool(doc, "dirty", cur->dirty);
	if (next) {
		char *ns = sv_version_str(next);

		sv_json_set_str(doc, "next", ns);
		sv_json_set_str(doc, "next_level", sv_level_name(level));
		free(ns);
	}
	sv_out_json(doc);
}

static int
run(struct sv_ctx *ctx, const struct sv_args *a)
{
	const struct version_opts *opt = a->opts;
	const char *next_arg = opt->next, *prefix;
	struct sv_releases list;
	struct sv_current cur;
	struct sv_version next;
	enum sv_level level = SV_LEVEL_NONE;
	struct sv_err e;
	int status;

	sv_err_init(&e);
	sv_releases_init(&list);
	sv_version_init(&next);
	if (next_arg)
		sv_level_parse(next_arg, false, &level); /* table checked it */
	if ((status = sv_ctx_prefix(ctx, opt->prefix, &prefix, &e)) ||
	    (status = sv_releases_load(ctx->repo, prefix, &list, &e)) ||
	    (status = sv_current_find(ctx->repo, &list, &cur, &e)))
		goto fail;
	if (cur.release == NULL) {
		if (ctx->json)
			print_json(&cur, NULL, level);
		sv_err_set(&e, SV_NO, "no release tag reachable from HEAD "
		    "(tags named '%s<version>')", prefix);
		sv_err_hint(&e, "create the first with 'smoothver tag VERSION'");
		goto fail;
	}
	if (next_arg && (status = sv_version_bump(&cur.release->version,
	    level, &next, &e)))
		goto fail;
	if (ctx->json) {
		print_json(&cur, next_arg ? &next : NULL, level);
	} else if (!ctx->quiet) {
		struct buf out;

		buf_init(&out);
		sv_version_format(next_arg ? &next : &cur.release->version, &out);
		if (!next_arg && (cur.commits_since > 0 || cur.dirty)) {
			buf_adds(&out, " (");
			if (cur.commits_since > 0)
				buf_addf(&out, "%zu commit%s since %s",
				    cur.commits_since,
				    cur.commits_since == 1 ? "" : "s",
				    cur.release->tag);
			if (cur.dirty)
				buf_addf(&out, "%sdirty",
				    cur.commits_since > 0 ? ", " : "");
			buf_adds(&out, ")");
		}
		printf("%s\n", out.s);
		buf_release(&out);
	}
	sv_version_release(&next);
	sv_releases_release(&list);
	return SV_OK;
fail:
	sv_version_release(&next);
	sv_releases_release(&list);
	return sv_out_error(a->cmd, &e);
}

const struct sv_command sv_cmd_version = {
	.name = "version",
	.summary = "print the repository's current release version",
	.args = "",
	.min_args = 0,
	.max_args = 0,
	.arg_complete = SV_COMPLETE_NONE,
	.flags = SV_CMD_REPO,
	.options = options,
	.opts_size = sizeof(struct version_opts),
	.run = run,
};
