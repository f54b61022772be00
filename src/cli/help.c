#include "config.h"

#include "cli/help.h"

#include <string.h>

void
sv_help_option_label(const struct sv_option *o, struct buf *out)
{
	if (o->short_name)
		buf_addf(out, "-%c, ", o->short_name);
	else
		buf_adds(out, "    ");
	buf_addf(out, "--%s", o->name);
	if (o->metavar)
		buf_addf(out, " %s", o->metavar);
}

void
sv_help_options(const struct sv_option *opts, bool with_top_only,
    struct buf *out)
{
	size_t width = 0, i;
	struct buf label;

	buf_init(&label);
	for (i = 0; opts[i].name; i++) {
		if (opts[i].top_only && !with_top_only)
			continue;
		buf_reset(&label);
		sv_help_option_label(&opts[i], &label);
		if (label.len > width)
			width = label.len;
	}
	for (i = 0; opts[i].name; i++) {
		if (opts[i].top_only && !with_top_only)
			continue;
		buf_reset(&label);
		sv_help_option_label(&opts[i], &label);
		buf_addf(out, "  %-*s  %s\n", (int)width, label.s, opts[i].help);
	}
	buf_release(&label);
}

void
sv_help_synopsis(const struct sv_command *cmd, struct buf *out)
{
	size_t i;

	buf_addf(out, "smoothver %s", cmd->name);
	for (i = 0; cmd->options[i].name; i++) {
		const struct sv_option *o = &cmd->options[i];

		if (o->short_name)
			buf_addf(out, " [-%c", o->short_name);
		else
			buf_addf(out, " [--%s", o->name);
		if (o->metavar)
			buf_addf(out, " %s", o->metavar);
		buf_addc(out, ']');
	}
	if (cmd->args[0])
		buf_addf(out, " %s", cmd->args);
}

void
sv_help_command(const struct sv_command *cmd, struct buf *out)
{
	buf_adds(out, "usage: ");
	sv_help_synopsis(cmd, out);
	buf_addf(out, "\n\n%s\n", cmd->summary);
	if (cmd->options[0].name) {
		buf_adds(out, "\noptions:\n");
		sv_help_options(cmd->options, false, out);
	}
	buf_adds(out, "\nglobal options:\n");
	sv_help_options(sv_global_options, false, out);
	buf_addf(out, "\nsee 'man smoothver-%s' for details\n", cmd->name);
}

void
sv_help_main(struct buf *out)
{
	size_t width = 0, i;

	buf_adds(out, "usage: smoothver [options] COMMAND [ARGS]\n"
	    "       smoothver --version\n\n"
	    "Smoothver versions (RESTART.RELUP.RELOAD) and release tooling for "
	    "live-upgraded services\n\ncommands:\n");
	for (i = 0; sv_commands[i]; i++)
		if (!(sv_commands[i]->flags & SV_CMD_HIDDEN) &&
		    strlen(sv_commands[i]->name) > width)
			width = strlen(sv_commands[i]->name);
	for (i = 0; sv_commands[i]; i++)
		if (!(sv_commands[i]->flags & SV_CMD_HIDDEN))
			buf_addf(out, "  %-*s  %s\n", (int)width,
			    sv_commands[i]->name, sv_commands[i]->summary);
	buf_adds(out, "\noptions:\n");
	sv_help_options(sv_global_options, true, out);
	buf_adds(out, "\n'smoothver help COMMAND' or 'smoothver COMMAND -h' describes a "
	    "command; man smoothver(1), smoothver(7)\n");
}
