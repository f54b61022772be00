/*
 * diff - what changed between two builds, and the Smoothver level the
 * change requires.
 *
 * OLD and NEW are directories or tarballs. Every added, removed, modified,
 * mode-changed and type-changed entry gets a level and the reason for it;
 * the highest is the required level, the least disruptive bump that may
 * ship the change. Exit status as diff(1): 0 no differences, 1 differences.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "adapt/json.h"
#include "base/msg.h"
#include "base/quote.h"
#include "cli/explain.h"
#include "cli/output.h"
#include "core/plan.h"
#include "otp/diff.h"

/* The options, as the table below binds them. */
struct diff_opts {
	const char *from;
	const char *to;
	bool explain;
};

static const struct sv_option options[] = {
	{ "from", 0, "VSN", "the old OTP release version (default: the one "
	  "OLD names in start_erl.data)", SV_COMPLETE_NONE, NULL, false,
	  SV_STRING(struct diff_opts, from) },
	{ "to", 0, "VSN", "the new OTP release version (default: the one "
	  "NEW names)", SV_COMPLETE_NONE, NULL, false,
	  SV_STRING(struct diff_opts, to) },
	{ "explain", 0, NULL, "print each changed module's level with the "
	  "evidence for it (OTP releases)", SV_COMPLETE_NONE, NULL, false,
	  SV_FLAG(struct diff_opts, explain) },
	SV_OPT_END
};

static struct sv_json *
otp_json(const struct sv_build_diff *d)
{
	const struct sv_otp_upgrade *u = &d->up;
	struct sv_json *o = sv_json_object(), *arr = sv_json_array();
	size_t i;

	sv_json_set_str(o, "release", d->newin.rel.name);
	sv_json_set_str(o, "from", d->oldin.rel.vsn);
	sv_json_set_str(o, "to", d->newin.rel.vsn);
	sv_json_set_str(o, "erts_from", d->oldin.rel.erts);
	sv_json_set_str(o, "erts_to", d->newin.rel.erts);
	sv_json_set_str(o, "level", sv_level_name(u->level));
	for (i = 0; i < u->nreasons; i++) {
		struct sv_json *r = sv_json_object();

		sv_json_set_str(r, "level", sv_level_name(u->reasons[i].level));
		sv_json_set_str(r, "subject", u->reasons[i].subject);
		sv_json_set_str(r, "reason", u->reasons[i].reason);
		sv_json_push(arr, r);
	}
	sv_json_set(o, "reasons", arr);
	arr = sv_json_array();
	for (i = 0; i < u->napps; i++) {
		const struct sv_otp_appchange *a = &u->apps[i];
		struct sv_json *r = sv_json_object();

		sv_json_set_str(r, "name", a->name);
		sv_json_set_str(r, "change", sv_otp_app_change_name(a->change));
		sv_json_set_str(r, "from", a->old_vsn);
		sv_json_set_str(r, "to", a->new_vsn);
		sv_json_set_str(r, "level", sv_level_name(
		    a->change == SV_OTP_APP_UPGRADED ? a->level :
		    SV_LEVEL_RELUP));
		if (a->change == SV_OTP_APP_UPGRADED)
			sv_json_set_str(r, "appup",
			    sv_otp_appup_source_name(a->source));
		else
			sv_json_set_null(r, "appup");
		sv_json_push(arr, r);
	}
	sv_json_set(o, "apps", arr);
	return o;
}

static const char change_code[SV_CHANGE_KINDS] = { 'A', 'D', 'M', 'P', 'T' };

static void
print_json(const struct sv_build_diff *d, const char *old, const char *new,
    const struct sv_otp_explain *x)
{
	const struct sv_plan *p = &d->plan;
	struct sv_json *doc = sv_out_json_doc("plan");
	struct sv_json *counts = sv_json_object(), *arr = sv_json_array();
	size_t i;

	sv_json_set_bytes(doc, "old", old);
	sv_json_set_bytes(doc, "new", new);
	sv_json_set_str(doc, "required", sv_level_name(d->required));
	if (d->subject)
		sv_json_set_bytes(doc, "decisive", d->subject);
	else
		sv_json_set_null(doc, "decisive");
	if (d->reason)
		sv_json_set_str(doc, "reason", d->reason);
	else
		sv_json_set_null(doc, "reason");
	if (d->otp)
		sv_json_set(doc, "otp", otp_json(d));
	else
		sv_json_set_null(doc, "otp");
	for (i = 0; i < SV_CHANGE_KINDS; i++)
		sv_json_set_int(counts, sv_change_name((enum sv_change_kind)i),
		    (int64_t)p->counts[i]);
	sv_json_set(doc, "counts", counts);
	for (i = 0; i < p->n; i++) {
		const struct sv_change *c = &p->v[i];
		struct sv_json *o = sv_json_object();

		sv_json_set_bytes(o, "path", c->path);
		sv_json_set_str(o, "change", sv_change_name(c->kind));
		sv_json_set_str(o, "level", sv_level_name(c->level));
		sv_json_set_str(o, "reason", c->reason);
		if (c->old)
			sv_json_set(o, "old", sv_entry_to_json(c->old, false));
		else
			sv_json_set_null(o, "old");
		if (c->new)
			sv_json_set(o, "new", sv_entry_to_json(c->new, false));
		else
			sv_json_set_null(o, "new");
		sv_json_push(arr, o);
	}
	sv_json_set(doc, "changes", arr);
	if (x != NULL)
		sv_json_set(doc, "explain", sv_out_explain_json(x));
	sv_out_json(doc);
}

static void
print_human(const struct sv_build_diff *d)
{
	const struct sv_plan *p = &d->plan;
	static const char *const words[SV_CHANGE_KINDS] = {
		"added", "removed", "modified", "mode changed", "type changed"
	};
	static const int order[SV_CHANGE_KINDS] = {
		SV_CHANGE_MODIFIED, SV_CHANGE_ADDED, SV_CHANGE_REMOVED,
		SV_CHANGE_MODE, SV_CHANGE_TYPE
	};
	const char *lv = sv_level_name(d->required);
	struct buf line;
	bool first = true;
	size_t i;

	buf_init(&line);
	buf_adds(&line, "required: ");
	buf_adds(&line, msg_paint(stdout, sv_out_level_color(lv), lv));
	buf_adds(&line, " \xe2\x80\x94 ");
	for (i = 0; i < SV_CHANGE_KINDS; i++) {
		size_t n = p->counts[order[i]];

		if (n == 0)
			continue;
		buf_addf(&line, "%s%zu %s", first ? "" : ", ", n,
		    words[order[i]]);
		first = false;
	}
	if (first)
		buf_adds(&line, "no file changed");
	if (d->subject) {
		buf_adds(&line, " (");
		sv_quote_path(&line, d->subject);
		buf_addf(&line, ": %s)", d->reason);
	}
	buf_addc(&line, '\n');
	sv_out_write(line.s, line.len);
	for (i = 0; i < p->n; i++) {
		const struct sv_change *c = &p->v[i];
		const char *cl = sv_level_name(c->level);

		buf_reset(&line);
		buf_addf(&line, "%c ", change_code[c->kind]);
		buf_adds(&line, msg_paint(stdout, sv_out_level_color(cl), cl));
		buf_addf(&line, "%*s ", (int)(7 - strlen(cl)), "");
		sv_quote_path(&line, c->path);
		buf_addf(&line, "  (%s)\n", c->reason);
		sv_out_write(line.s, line.len);
	}
	buf_release(&line);
}

static int
run(struct sv_ctx *ctx, const struct sv_args *a)
{
	const struct diff_opts *opt = a->opts;
	struct sv_build_diff d;
	struct sv_otp_explain x;
	struct sv_rules rules;
	struct sv_err e;
	const char *from = opt->from, *to = opt->to;
	int status;

	sv_err_init(&e);
	sv_rules_init(&rules);
	sv_build_diff_init(&d);
	sv_otp_explain_init(&x);
	sv_ctx_rules(ctx, &rules);
	if (a->argc == 1 && (from == NULL || to == NULL)) {
		status = sv_err_set(&e, SV_USAGE, "'diff' needs OLD NEW (or "
		    "one OTP release root with --from and --to)");
		goto fail;
	}
	if ((status = sv_build_diff_run(&d, a->argv[0], a->argc == 2 ?
	    a->argv[1] : NULL, from, to, &rules, &e)))
		goto fail;
	if (opt->explain && d.otp)
		sv_otp_explain_take(&x, &d.up);
	if (ctx->json)
		print_json(&d, a->argv[0], a->argc == 2 ? a->argv[1] :
		    a->argv[0], opt->explain && d.otp ? &x : NULL);
	else if (!ctx->quiet && (d.plan.n > 0 || d.required > SV_LEVEL_NONE))
		print_human(&d);
	if (!ctx->json && opt->explain && d.otp)
		sv_out_explain(&x, "");
	status = d.plan.n > 0 || (d.otp && d.up.nreasons > 0) ? SV_NO : SV_OK;
	goto out;
fail:
	sv_out_error(a->cmd, &e);
out:
	sv_otp_explain_release(&x);
	sv_build_diff_release(&d);
	sv_rules_release(&rules);
	return status;
}

const struct sv_command sv_cmd_diff = {
	.name = "diff",
	.summary = "compare two builds and name the level the change requires",
	.args = "OLD [NEW]",
	.min_args = 1,
	.max_args = 2,
	.arg_complete = SV_COMPLETE_FILE,
	.flags = SV_CMD_REPO_OPT,
	.options = options,
	.opts_size = sizeof(struct diff_opts),
	.run = run,
};
