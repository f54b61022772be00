/*
 * tag - create an annotated release tag on HEAD.
 *
 * With LEVEL the version is the current one bumped at that level; with
 * VERSION it is given; with both, VERSION must be exactly a LEVEL step
 * from the current version. The tag message records the level and the
 * previous version as trailers (Smoothver-Level, Smoothver-Previous).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/msg.h"
#include "cli/output.h"
#include "core/release.h"
#include "core/version.h"

static const struct sv_option options[] = {
	{ "message", 'm', "MSG", "first paragraph of the tag message (default: "
	  "Release VERSION)", SV_COMPLETE_NONE, NULL, false },
	{ "dry-run", 'n', NULL, "show what would be tagged, change nothing",
	  SV_COMPLETE_NONE, NULL, false },
	{ "allow-dirty", 0, NULL, "tag even if tracked files are modified",
	  SV_COMPLETE_NONE, NULL, false },
	SV_OPT_PREFIX,
	SV_OPT_END
};

static void
print_json(const struct sv_tag_plan *p, bool dry_run)
{
	struct sv_json *doc = sv_out_json_doc("tag");
	char *vs = sv_version_str(&p->version);

	sv_json_set_str(doc, "tag", p->tag);
	sv_json_set_str(doc, "version", vs);
	if (p->has_previous) {
		char *ps = sv_version_str(&p->previous);

		sv_json_set_str(doc, "previous", ps);
		sv_json_set_str(doc, "previous_tag", p->previous_tag);
		free(ps);
	} else {
		sv_json_set_null(doc, "previous");
		sv_json_set_null(doc, "previous_tag");
	}
	sv_json_set_str(doc, "level", sv_level_name(p->level));
	sv_json_set_str(doc, "commit", p->commit);
	sv_json_set_str(doc, "message", p->message);
	sv_json_set_bool(doc, "dry_run", dry_run);
	sv_json_set_bool(doc, "created", !dry_run);
	sv_out_json(doc);
	free(vs);
}

static int
run(struct sv_ctx *ctx, const struct sv_args *a)
{
	struct sv_tag_request req = { 0 };
	struct sv_tag_plan plan;
	bool dry_run = sv_flag(a, "dry-run");
	enum sv_level ignored;
	struct sv_err e;
	int status;

	sv_err_init(&e);
	sv_tag_plan_init(&plan);
	if ((status = sv_ctx_prefix(ctx, a, &req.prefix, &e)))
		goto fail;
	if (a->argc == 2) {
		req.level = a->argv[0];
		req.version = a->argv[1];
	} else if (sv_level_parse(a->argv[0], false, &ignored)) {
		req.level = a->argv[0];
	} else {
		req.version = a->argv[0];
	}
	req.message = sv_arg(a, "message");
	req.allow_dirty = sv_flag(a, "allow-dirty");
	if ((status = sv_tag_plan_make(ctx->repo, &req, &plan, &e)))
		goto fail;
	if (!dry_run && (status = sv_tag_plan_apply(ctx->repo, &plan, &e)))
		goto fail;
	if (ctx->json) {
		print_json(&plan, dry_run);
	} else if (!ctx->quiet) {
		char shortid[8];
		const char *lv = sv_level_name(plan.level);

		snprintf(shortid, sizeof(shortid), "%.7s", plan.commit);
		printf("%s", dry_run ? "would tag " : "tagged ");
		printf("%s (", msg_paint(stdout, "1", plan.tag));
		printf("%s", msg_paint(stdout, sv_out_level_color(lv), lv));
		if (plan.has_previous)
			printf(" from %s", plan.previous_tag);
		else
			printf(", first release");
		printf(") at %s\n", shortid);
	}
	sv_tag_plan_release(&plan);
	return SV_OK;
fail:
	sv_tag_plan_release(&plan);
	return sv_out_error(a->cmd, &e);
}

const struct sv_command sv_cmd_tag = {
	.name = "tag",
	.summary = "create an annotated release tag on HEAD",
	.args = "LEVEL|VERSION [VERSION]",
	.min_args = 1,
	.max_args = 2,
	.arg_complete = SV_COMPLETE_CHOICES,
	.arg_choices = "reload relup restart",
	.flags = SV_CMD_REPO,
	.options = options,
	.run = run,
};
