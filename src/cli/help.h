/*
 * help.h - help texts made from the command table.
 */
#ifndef SV_CLI_HELP_H
#define SV_CLI_HELP_H

#include "base/buf.h"
#include "cli/command.h"

/* Append "smoothver CMD [-x VAL] [--flag] ARGS" (no newline). */
void sv_help_synopsis(const struct sv_command *cmd, struct buf *out);

/* Append the full -h text of cmd. */
void sv_help_command(const struct sv_command *cmd, struct buf *out);

/* Append the text of "smoothver -h": usage, commands, global options. */
void sv_help_main(struct buf *out);

/* Append an aligned option list ("  -m, --message MSG   help"); options
 * marked top_only are listed only if with_top_only. */
void sv_help_options(const struct sv_option *opts, bool with_top_only,
    struct buf *out);

/* Append "-m, --message MSG" (or "    --dry-run") for o. */
void sv_help_option_label(const struct sv_option *o, struct buf *out);

#endif
