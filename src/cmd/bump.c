/*
 * bump - print the next version at a level.
 *
 * The part at LEVEL goes up by one, lower parts become 0, pre-release and
 * build metadata are dropped (from a pre-release at or below its own
 * level, its release comes next). Without VERSION, the repository's
 * current version is bumped.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/output.h"
#include "core/release.h"
#include "core/version.h"

/* The options, as the table below binds them. */
struct bump_opts {
	const char *prefix;
};

static const struct sv_option options[] = {
	SV_OPT_PREFIX(struct bump_opts),
	SV_OPT_END
};

/* The repository's current version into v; SV_NO if it has none. */
static int
current(struct sv_ctx *ctx, const char *prefix, struct sv_version *v,
    struct sv_err *e)
{
	struct sv_releases list;
	struct sv_current cur;
	int status;

	if (ctx->repo == NULL) {
		struct sv_git *g = NULL;

		/* Say why there is no repository. */
		status = sv_git_open(".", &g, e);
		sv_git_free(g);
		if (status == SV_OK)
			status = sv_err_set(e, SV_INPUT, "cannot open repository");
		return sv_err_hint(e, "give a VERSION, or run it inside a "
		    "repository with release tags");
	}
	sv_releases_init(&list);
	status = sv_releases_load(ctx->repo, prefix, &list, e);
	if (status == SV_OK)
		status = sv_current_find(ctx->repo, &list, &cur, e);
	if (status == SV_OK && cur.release == NULL)
		status = sv_err_set(e, SV_NO, "no release tag reachable from "
		    "HEAD (tags named '%s<version>')", prefix);
	if (status == SV_OK)
		sv_version_copy(v, &cur.release->version);
	sv_releases_release(&list);
	return status;
}

static int
run(struct sv_ctx *ctx, const struct sv_args *a)
{
	const struct bump_opts *opt = a->opts;
	struct sv_version v, next;
	enum sv_level level;
	const char *prefix;
	bool had_prefix = false;
	struct sv_err e;
	int status;

	sv_err_init(&e);
	sv_version_init(&v);
	sv_version_init(&next);
	/* The repository and its configuration (the tag prefix) matter for
	 * the latest tag, a version that does not parse as it is, and the
	 * tag --json prints; else libgit2 is not loaded. */
	if ((a->argc < 2 || ctx->json || (opt->prefix == NULL &&
	    !sv_version_is_plain(a->argv[1]))) &&
	    (status = sv_ctx_setup(ctx, SV_CMD_REPO_OPT, &e)))
		goto fail;
	if ((status = sv_ctx_prefix(ctx, opt->prefix, &prefix, &e)))
		goto fail;
	if (!sv_level_parse(a->argv[0], false, &level)) {
		status = sv_err_set(&e, SV_USAGE, "invalid level '%s' (expected "
		    "reload, relup or restart)", a->argv[0]);
		goto fail;
	}
	if (a->argc > 1) {
		if (sv_version_parse(&v, a->argv[1], prefix, &e)) {
			e.status = status = SV_USAGE;
			goto fail;
		}
		had_prefix = prefix[0] != '\0' &&
		    strncmp(a->argv[1], prefix, strlen(prefix)) == 0;
	} else if ((status = current(ctx, prefix, &v, &e))) {
		goto fail;
	}
	if ((status = sv_version_bump(&v, level, &next, &e)))
		goto fail;
	if (ctx->json) {
		struct sv_json *doc = sv_out_json_doc("bump");
		char *fs = sv_version_str(&v), *ns = sv_version_str(&next);
		struct buf tag;

		buf_init(&tag);
		buf_addf(&tag, "%s%s", prefix, ns);
		sv_json_set_str(doc, "from", fs);
		sv_json_set_str(doc, "level", sv_level_name(level));
		sv_json_set_str(doc, "version", ns);
		sv_json_set_str(doc, "tag", tag.s);
		sv_out_json(doc);
		buf_release(&tag);
		free(fs);
		free(ns);
	} else if (!ctx->quiet) {
		struct buf out;

		buf_init(&out);
		if (had_prefix)
			buf_adds(&out, prefix);
		sv_version_format(&next, &out);
		printf("%s\n", out.s);
		buf_release(&out);
	}
	sv_version_release(&v);
	sv_version_release(&next);
	return SV_OK;
fail:
	sv_version_release(&v);
	sv_version_release(&next);
	return sv_out_error(a->cmd, &e);
}

const struct sv_command sv_cmd_bump = {
	.name = "bump",
	.summary = "print the next version at a level",
	.args = "LEVEL [VERSION]",
	.min_args = 1,
	.max_args = 2,
	.arg_complete = SV_COMPLETE_CHOICES,
	.arg_choices = "reload relup restart",
	.flags = SV_CMD_REPO_LAZY,
	.options = options,
	.opts_size = sizeof(struct bump_opts),
	.run = run,
};
