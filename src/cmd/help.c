/*
 * help - describe smoothver or one of its commands.
 *
 * With --json, the command table itself (names, usage, options), so that
 * wrappers and editors can follow smoothver without parsing help text.
 */
#include "config.h"

#include <stdio.h>

#include "cli/help.h"
#include "cli/output.h"
#include "adapt/json.h"

static const struct sv_option options[] = {
	SV_OPT_END
};

static struct sv_json *
options_json(const struct sv_option *opts, bool top)
{
	struct sv_json *arr = sv_json_array();
	size_t i;

	for (i = 0; opts[i].name; i++) {
		struct sv_json *o;
		char s[2] = { opts[i].short_name, '\0' };

		if (opts[i].top_only && !top)
			continue;
		o = sv_json_object();
		sv_json_set_str(o, "name", opts[i].name);
		sv_json_set_str(o, "short", opts[i].short_name ? s : NULL);
		sv_json_set_str(o, "value", opts[i].metavar);
		sv_json_set_str(o, "help", opts[i].help);
		sv_json_push(arr, o);
	}
	return arr;
}

static struct sv_json *
command_json(const struct sv_command *c)
{
	struct sv_json *o = sv_json_object();
	struct buf syn;

	buf_init(&syn);
	sv_help_synopsis(c, &syn);
	sv_json_set_str(o, "name", c->name);
	sv_json_set_str(o, "summary", c->summary);
	sv_json_set_str(o, "usage", syn.s);
	sv_json_set_int(o, "min_args", c->min_args);
	if (c->max_args < 0)
		sv_json_set_null(o, "max_args");
	else
		sv_json_set_int(o, "max_args", c->max_args);
	sv_json_set(o, "options", options_json(c->options, false));
	buf_release(&syn);
	return o;
}

/* The command table as JSON: for tools that wrap smoothver. */
static void
print_json(const struct sv_command *only)
{
	struct sv_json *doc = sv_out_json_doc("help");
	struct sv_json *cmds = sv_json_array();
	size_t i;

	for (i = 0; sv_commands[i]; i++) {
		if (sv_commands[i]->flags & SV_CMD_HIDDEN)
			continue;
		if (only == NULL || only == sv_commands[i])
			sv_json_push(cmds, command_json(sv_commands[i]));
	}
	sv_json_set(doc, "commands", cmds);
	sv_json_set(doc, "global_options", options_json(sv_global_options,
	    true));
	sv_out_json(doc);
}

static int
run(struct sv_ctx *ctx, const struct sv_args *a)
{
	const struct sv_command *c = NULL;
	struct buf out;

	if (a->argc == 1) {
		c = sv_command_find(a->argv[0]);
		if (c == NULL || (c->flags & SV_CMD_HIDDEN)) {
			sv_out_usage_error(NULL, "unknown command '%s'",
			    a->argv[0]);
			return SV_USAGE;
		}
	}
	if (ctx->json) {
		print_json(c);
		return SV_OK;
	}
	buf_init(&out);
	if (c)
		sv_help_command(c, &out);
	else
		sv_help_main(&out);
	sv_out_write(out.s, out.len);
	buf_release(&out);
	return SV_OK;
}

const struct sv_command sv_cmd_help = {
	.name = "help",
	.summary = "show help for smoothver or one of its commands",
	.args = "[COMMAND]",
	.min_args = 0,
	.max_args = 1,
	.arg_complete = SV_COMPLETE_COMMAND,
	.flags = 0,
	.options = options,
	.run = run,
};
