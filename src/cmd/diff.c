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
#include "cli/output.h"
#include "core/plan.h"

static const struct sv_option options[] = {
	SV_OPT_END
};

static const char change_code[SV_CHANGE_KINDS] = { 'A', 'D', 'M', 'P', 'T' };

static void
print_json(const struct sv_plan *p, const char *old, const char *new)
{
	struct sv_json *doc = sv_out_json_doc("plan");
	struct sv_json *counts = sv_json_object(), *arr = sv_json_array();
	size_t i;

	sv_json_set_bytes(doc, "old", old);
	sv_json_set_bytes(doc, "new", new);
	sv_json_set_str(doc, "required", sv_level_name(p->required));
	if (p->decisive)
		sv_json_set_bytes(doc, "decisive", p->decisive->path);
	else
		sv_json_set_null(doc, "decisive");
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
	sv_out_json(doc);
}

static void
print_human(const struct sv_plan *p)
{
	static const char *const words[SV_CHANGE_KINDS] = {
		"added", "removed", "modified", "mode changed", "type changed"
	};
	static const int order[SV_CHANGE_KINDS] = {
		SV_CHANGE_MODIFIED, SV_CHANGE_ADDED, SV_CHANGE_REMOVED,
		SV_CHANGE_MODE, SV_CHANGE_TYPE
	};
	const char *lv = sv_level_name(p->required);
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
	if (p->decisive) {
		buf_adds(&line, " (");
		sv_quote_path(&line, p->decisive->path);
		buf_addf(&line, ": %s)", p->decisive->reason);
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
	struct sv_index old, new;
	struct sv_rules rules;
	struct sv_plan plan;
	struct sv_err e;
	size_t i;
	int status;

	sv_err_init(&e);
	sv_index_init(&old);
	sv_index_init(&new);
	sv_rules_init(&rules);
	sv_plan_init(&plan);
	for (i = 0; i < ctx->config.rules.n; i++) {
		const struct sv_rule *r = &ctx->config.rules.v[i];

		sv_rules_add(&rules, r->glob, r->level, r->reason, false);
	}
	sv_rules_add_defaults(&rules);
	if ((status = sv_index_path(&old, a->argv[0], &e)) ||
	    (status = sv_index_path(&new, a->argv[1], &e)))
		goto fail;
	sv_plan_diff(&plan, &old, &new);
	if ((status = sv_plan_classify(&plan, &old, &new, NULL, 0, &rules, &e)))
		goto fail;
	if (ctx->json)
		print_json(&plan, a->argv[0], a->argv[1]);
	else if (!ctx->quiet && plan.n > 0)
		print_human(&plan);
	status = plan.n > 0 ? SV_NO : SV_OK;
	goto out;
fail:
	sv_out_error(a->cmd, &e);
out:
	sv_plan_release(&plan);
	sv_rules_release(&rules);
	sv_index_release(&old);
	sv_index_release(&new);
	return status;
}

const struct sv_command sv_cmd_diff = {
	.name = "diff",
	.summary = "compare two builds and name the level the change requires",
	.args = "OLD NEW",
	.min_args = 2,
	.max_args = 2,
	.arg_complete = SV_COMPLETE_FILE,
	.flags = SV_CMD_REPO_OPT,
	.options = options,
	.run = run,
};
