/*
 * table.c - the list of commands and the global options.
 */
#include "config.h"

#include <string.h>

#include "cli/command.h"

extern const struct sv_command sv_cmd_compare;
extern const struct sv_command sv_cmd_bump;
extern const struct sv_command sv_cmd_version;
extern const struct sv_command sv_cmd_tag;
extern const struct sv_command sv_cmd_log;
extern const struct sv_command sv_cmd_index;
extern const struct sv_command sv_cmd_diff;
extern const struct sv_command sv_cmd_appup;
extern const struct sv_command sv_cmd_relup;
extern const struct sv_command sv_cmd_check;
extern const struct sv_command sv_cmd_pack;
extern const struct sv_command sv_cmd_try_upgrade;
extern const struct sv_command sv_cmd_publish;
extern const struct sv_command sv_cmd_fetch;
extern const struct sv_command sv_cmd_verify;
extern const struct sv_command sv_cmd_ls;
extern const struct sv_command sv_cmd_gc;
extern const struct sv_command sv_cmd_deploy;
extern const struct sv_command sv_cmd_keygen;
extern const struct sv_command sv_cmd_help;
extern const struct sv_command sv_cmd_gen_completion;
extern const struct sv_command sv_cmd_gen_man;
extern const struct sv_command sv_cmd_beam;

const struct sv_command *const sv_commands[] = {
	&sv_cmd_compare,
	&sv_cmd_bump,
	&sv_cmd_version,
	&sv_cmd_tag,
	&sv_cmd_log,
	&sv_cmd_index,
	&sv_cmd_diff,
	&sv_cmd_appup,
	&sv_cmd_relup,
	&sv_cmd_check,
	&sv_cmd_pack,
	&sv_cmd_try_upgrade,
	&sv_cmd_publish,
	&sv_cmd_fetch,
	&sv_cmd_verify,
	&sv_cmd_ls,
	&sv_cmd_gc,
	&sv_cmd_deploy,
	&sv_cmd_keygen,
	&sv_cmd_help,
	&sv_cmd_gen_completion,
	&sv_cmd_gen_man,
	&sv_cmd_beam,
	NULL
};

/* Handled by main (struct sv_globals): bound to no command's struct. */
const struct sv_option sv_global_options[] = {
	{ "directory", 'C', "DIR", "run as if started in DIR",
	  SV_COMPLETE_DIR, NULL, false, SV_OPT_UNBOUND, 0 },
	{ "json", 0, NULL, "print machine-readable JSON on stdout",
	  SV_COMPLETE_NONE, NULL, false, SV_OPT_UNBOUND, 0 },
	{ "quiet", 'q', NULL, "print nothing on success; only the exit status "
	  "answers", SV_COMPLETE_NONE, NULL, false, SV_OPT_UNBOUND, 0 },
	{ "color", 0, "WHEN", "colour output: auto, always or never",
	  SV_COMPLETE_CHOICES, "auto always never", false,
	  SV_OPT_UNBOUND, 0 },
	{ "help", 'h', NULL, "show help and exit", SV_COMPLETE_NONE, NULL,
	  false, SV_OPT_UNBOUND, 0 },
	{ "version", 0, NULL, "print smoothver's version and exit",
	  SV_COMPLETE_NONE, NULL, true, SV_OPT_UNBOUND, 0 },
	SV_OPT_END
};

const struct sv_command *
sv_command_find(const char *name)
{
	size_t i;

	for (i = 0; sv_commands[i]; i++)
		if (strcmp(sv_commands[i]->name, name) == 0)
			return sv_commands[i];
	return NULL;
}
