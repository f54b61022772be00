/*
 * help - describe smoothver or one of its commands.
 */
#include "config.h"

#include <stdio.h>

#include "cli/help.h"
#include "cli/output.h"

static const struct sv_option options[] = {
	SV_OPT_END
};

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
