/*
 * compare - classify the transition between two versions.
 *
 * Prints same, reload, relup, restart or "downgrade LEVEL" and exits 0
 * only when TO can be taken live from FROM (reload or relup). This is what
 * a deployment sidecar asks before it upgrades a running node.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "base/msg.h"
#include "cli/output.h"
#include "core/version.h"

/* The options, as the table below binds them. */
struct compare_opts {
	const char *prefix;
};

static const struct sv_option options[] = {
	SV_OPT_PREFIX(struct compare_opts),
	SV_OPT_END
};

static int
run(struct sv_ctx *ctx, const struct sv_args *a)
{
	const struct compare_opts *opt = a->opts;
	struct sv_version from, to;
	struct sv_transition t;
	const char *prefix, *name;
	struct sv_err e;
	int status;

	sv_err_init(&e);
	sv_version_init(&from);
	sv_version_init(&to);
	/* The configuration (its tag prefix) matters only for versions
	 * that do not parse as they are: a sidecar comparing plain versions
	 * every few seconds never loads libgit2. */
	if (opt->prefix == NULL && (!sv_version_is_plain(a->argv[0]) ||
	    !sv_version_is_plain(a->argv[1])) &&
	    (status = sv_ctx_setup(ctx, SV_CMD_REPO_OPT, &e)))
		goto fail;
	if ((status = sv_ctx_prefix(ctx, opt->prefix, &prefix, &e)))
		goto fail;
	if (sv_version_parse(&from, a->argv[0], prefix, &e) ||
	    sv_version_parse(&to, a->argv[1], prefix, &e)) {
		e.status = status = SV_USAGE;
		goto fail;
	}
	sv_transition_of(&from, &to, &t);
	name = sv_transition_name(t.kind);
	if (ctx->json) {
		struct sv_json *doc = sv_out_json_doc("compare");
		char *fs = sv_version_str(&from), *ts = sv_version_str(&to);

		sv_json_set_str(doc, "from", fs);
		sv_json_set_str(doc, "to", ts);
		sv_json_set_str(doc, "transition", name);
		sv_json_set_str(doc, "level", sv_level_name(t.level));
		sv_json_set_bool(doc, "live", sv_transition_is_live(&t));
		sv_out_json(doc);
		free(fs);
		free(ts);
	} else if (!ctx->quiet) {
		printf("%s", msg_paint(stdout, sv_out_level_color(name), name));
		if (t.kind == SV_T_DOWNGRADE)
			printf(" %s", sv_level_name(t.level));
		putchar('\n');
	}
	status = sv_transition_is_live(&t) ? SV_OK : SV_NO;
	sv_version_release(&from);
	sv_version_release(&to);
	return status;
fail:
	sv_version_release(&from);
	sv_version_release(&to);
	return sv_out_error(a->cmd, &e);
}

const struct sv_command sv_cmd_compare = {
	.name = "compare",
	.summary = "classify the transition between two versions",
	.args = "FROM TO",
	.min_args = 2,
	.max_args = 2,
	.arg_complete = SV_COMPLETE_NONE,
	.flags = SV_CMD_REPO_LAZY,
	.options = options,
	.opts_size = sizeof(struct compare_opts),
	.run = run,
};
