/*
 * tag - create an annotated release tag on HEAD.
 *
 * With LEVEL the version is the current one bumped at that level; with
 * VERSION it is given; with both, VERSION must be exactly a LEVEL step
 * from the current version. The tag message records the level and the
 * previous version as trailers (Smoothver-Level, Smoothver-Previous).
 * With --auto, the level is the one the change from the build --from to
 * the new build requires (see diff).
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/msg.h"
#include "base/xalloc.h"
#include "cli/output.h"
#include "core/release.h"
#include "core/version.h"
#include "otp/diff.h"

/* The options, as the table below binds them. */
struct tag_opts {
	const char *message;
	bool dry_run;
	bool allow_dirty;
	bool auto_;
	const char *from;
	bool force;
	const char *prefix;
};

static const struct sv_option options[] = {
	{ "message", 'm', "MSG", "first paragraph of the tag message (default: "
	  "Release VERSION)", SV_COMPLETE_NONE, NULL, false,
	  SV_STRING(struct tag_opts, message) },
	{ "dry-run", 'n', NULL, "show what would be tagged, change nothing",
	  SV_COMPLETE_NONE, NULL, false, SV_FLAG(struct tag_opts, dry_run) },
	{ "allow-dirty", 0, NULL, "tag even if tracked files are modified",
	  SV_COMPLETE_NONE, NULL, false,
	  SV_FLAG(struct tag_opts, allow_dirty) },
	{ "auto", 0, NULL, "bump at the level the change from --from "
	  "requires (the argument is the new build, default: the one release "
	  "under _build/*/rel, where rebar3 and mix put them)",
	  SV_COMPLETE_NONE, NULL, false, SV_FLAG(struct tag_opts, auto_) },
	{ "from", 0, "OLD", "with --auto: the previous build, a directory, "
	  "OTP release root or package", SV_COMPLETE_FILE, NULL, false,
	  SV_STRING(struct tag_opts, from) },
	{ "force", 'f', NULL, "tag HEAD even if it already carries a release "
	  "tag", SV_COMPLETE_NONE, NULL, false,
	  SV_FLAG(struct tag_opts, force) },
	SV_OPT_PREFIX(struct tag_opts),
	SV_OPT_END
};

/* Where rebar3 (any profile: _build/default/rel, _build/prod/rel after
 * `rebar3 as prod release`) and mix (_build/MIX_ENV/rel) put releases:
 * the one directory WORKDIR/_build/PROFILE/rel/NAME there is. */
static int
default_build(struct sv_ctx *ctx, char **out, struct sv_err *e)
{
	const char *wd = sv_git_workdir(ctx->repo);
	struct buf top, found, all;
	struct dirent *pe;
	DIR *pd;
	size_t n = 0;
	int status = SV_OK;

	*out = NULL;
	buf_init(&top);
	buf_init(&found);
	buf_init(&all);
	buf_addf(&top, "%s%s_build", wd ? wd : "./",
	    wd && wd[strlen(wd) - 1] != '/' ? "/" : "");
	if ((pd = opendir(top.s)) != NULL) {
		while ((pe = readdir(pd)) != NULL) {
			struct dirent *de;
			struct buf rel;
			DIR *d;

			if (pe->d_name[0] == '.')
				continue;
			buf_init(&rel);
			buf_addf(&rel, "%s/%s/rel", top.s, pe->d_name);
			if ((d = opendir(rel.s)) != NULL) {
				while ((de = readdir(d)) != NULL) {
					if (de->d_name[0] == '.')
						continue;
					buf_reset(&found);
					buf_addf(&found, "%s/%s", rel.s,
					    de->d_name);
					buf_addf(&all, "%s'%s'", n ? ", " : "",
					    found.s);
					n++;
				}
				closedir(d);
			}
			buf_release(&rel);
		}
		closedir(pd);
	}
	if (n == 0)
		status = sv_err_set(e, SV_USAGE, "--auto needs the new build: "
		    "no release under '%s/*/rel'; name it as the argument",
		    top.s);
	else if (n > 1)
		status = sv_err_set(e, SV_USAGE, "--auto needs the new build: "
		    "there are %zu (%s); name one as the argument", n, all.s);
	else
		*out = buf_detach(&found);
	buf_release(&top);
	buf_release(&found);
	buf_release(&all);
	return status;
}

/* With --auto on an OTP release: the version to tag must be the one the
 * build names (its .rel), or the tag would name another build. */
static int
check_build_version(const struct sv_build_diff *d,
    const struct sv_tag_plan *plan, struct sv_err *e)
{
	struct sv_version bv;
	struct sv_err ignore;
	char *want;
	int status = SV_OK;

	if (!d->otp)
		return SV_OK;
	sv_version_init(&bv);
	sv_err_init(&ignore);
	want = sv_version_str(&plan->version);
	if (sv_version_parse(&bv, d->newin.rel.vsn, "", &ignore) != SV_OK ||
	    sv_version_cmp(&bv, &plan->version) != 0) {
		sv_err_set(e, SV_INPUT, "tag --auto would tag %s, but the new "
		    "build '%s' is release %s %s", want, d->newin.rel.root,
		    d->newin.rel.name, d->newin.rel.vsn);
		status = sv_err_hint(e, "set the release version to %s (relx's "
		    "release in rebar.config, version in mix.exs), rebuild, and "
		    "tag again", want);
	}
	free(want);
	sv_version_release(&bv);
	return status;
}

/* The level the change from --from to the new build requires. */
static int
auto_level(struct sv_ctx *ctx, const struct sv_args *a,
    struct sv_build_diff *d, struct sv_err *e)
{
	const struct tag_opts *opt = a->opts;
	struct sv_rules rules;
	char *newb = NULL;
	int status;

	if (opt->from == NULL)
		return sv_err_set(e, SV_USAGE, "--auto needs --from OLD, the "
		    "previous build");
	if (a->argc > 1)
		return sv_err_set(e, SV_USAGE, "--auto takes at most one "
		    "argument, the new build");
	if (a->argc == 1)
		newb = xstrdup(a->argv[0]);
	else if ((status = default_build(ctx, &newb, e)))
		return status;
	sv_rules_init(&rules);
	sv_ctx_rules(ctx, &rules);
	status = sv_build_diff_run(d, opt->from, newb, NULL, NULL,
	    &rules, e);
	if (status == SV_OK && d->required == SV_LEVEL_NONE)
		status = sv_err_set(e, SV_NO, "nothing to tag: '%s' and '%s' "
		    "hold the same code", opt->from, newb);
	sv_rules_release(&rules);
	free(newb);
	return status;
}

static void
print_json(const struct sv_tag_plan *p, bool dry_run,
    const struct sv_build_diff *d)
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
	if (d != NULL) {
		sv_json_set_bytes(doc, "decisive", d->subject);
		sv_json_set_str(doc, "reason", d->reason);
	}
	sv_out_json(doc);
	free(vs);
}

static int
run(struct sv_ctx *ctx, const struct sv_args *a)
{
	const struct tag_opts *opt = a->opts;
	struct sv_tag_request req = { 0 };
	struct sv_tag_plan plan;
	struct sv_build_diff d;
	bool dry_run = opt->dry_run, autolv = opt->auto_;
	enum sv_level ignored;
	struct sv_err e;
	int status;

	sv_err_init(&e);
	sv_tag_plan_init(&plan);
	sv_build_diff_init(&d);
	if ((status = sv_ctx_prefix(ctx, opt->prefix, &req.prefix, &e)))
		goto fail;
	if (autolv) {
		if ((status = auto_level(ctx, a, &d, &e)))
			goto fail;
		req.level = sv_level_name(d.required);
	} else if (opt->from != NULL) {
		status = sv_err_set(&e, SV_USAGE, "--from goes with --auto");
		goto fail;
	} else if (a->argc == 0) {
		status = sv_err_set(&e, SV_USAGE, "'tag' needs LEVEL|VERSION "
		    "[VERSION] (or --auto --from OLD [NEW])");
		goto fail;
	} else if (a->argc == 2) {
		req.level = a->argv[0];
		req.version = a->argv[1];
	} else if (sv_level_parse(a->argv[0], false, &ignored)) {
		req.level = a->argv[0];
	} else {
		req.version = a->argv[0];
	}
	req.message = opt->message;
	req.allow_dirty = opt->allow_dirty;
	req.force = opt->force;
	if ((status = sv_tag_plan_make(ctx->repo, &req, &plan, &e)))
		goto fail;
	if (autolv && (status = check_build_version(&d, &plan, &e)))
		goto fail;
	if (!dry_run && (status = sv_tag_plan_apply(ctx->repo, &plan, &e)))
		goto fail;
	if (ctx->json) {
		print_json(&plan, dry_run, autolv ? &d : NULL);
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
		if (autolv && d.subject != NULL)
			printf("required by %s: %s\n", d.subject, d.reason);
	}
	sv_build_diff_release(&d);
	sv_tag_plan_release(&plan);
	return SV_OK;
fail:
	sv_build_diff_release(&d);
	sv_tag_plan_release(&plan);
	return sv_out_error(a->cmd, &e);
}

const struct sv_command sv_cmd_tag = {
	.name = "tag",
	.summary = "create an annotated release tag on HEAD",
	.args = "LEVEL|VERSION [VERSION]",
	.min_args = 0,
	.max_args = 2,
	.arg_complete = SV_COMPLETE_CHOICES,
	.arg_choices = "reload relup restart",
	.flags = SV_CMD_REPO,
	.options = options,
	.opts_size = sizeof(struct tag_opts),
	.run = run,
};
