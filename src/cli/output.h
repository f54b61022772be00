/*
 * output.h - what commands use to print.
 */
#ifndef SV_CLI_OUTPUT_H
#define SV_CLI_OUTPUT_H

#include "adapt/json.h"
#include "cli/command.h"

/* Write n bytes to stdout (errors are caught by main's final check). */
void sv_out_write(const char *s, size_t n);

/* Print doc on one line to stdout and free it. */
void sv_out_json(struct sv_json *doc);

/* A new JSON object with "schema": "smoothver.<name>/1". */
struct sv_json *sv_out_json_doc(const char *name);

/* Report a usage error of cmd: the message, then where to find help. */
void sv_out_usage_error(const struct sv_command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Print the core's error e; a SV_USAGE error also says where help is.
 * Returns e's status. */
int sv_out_error(const struct sv_command *cmd, const struct sv_err *e);

/* Colour for a level or transition name on stdout (green reload, yellow
 * relup, red restart and downgrade). */
const char *sv_out_level_color(const char *name);

#endif
