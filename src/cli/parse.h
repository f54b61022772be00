/*
 * parse.h - command-line parsing driven by the command table.
 */
#ifndef SV_CLI_PARSE_H
#define SV_CLI_PARSE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "cli/command.h"

/* Global settings collected wherever they appear on the command line. */
struct sv_globals {
	const char *dir;    /* -C DIR (the last one) */
	bool json, quiet;
	const char *color;  /* --color=WHEN, or NULL */
	bool help;          /* -h/--help */
	bool version;       /* --version (before the command only) */
};

/*
 * Parse argv (argv[0] is the command name) for cmd into a (positional
 * arguments are pointers into argv, reordered: argv is modified). Global
 * options found among them go to g. On a usage error returns SV_USAGE and
 * fills msg with one line (no "smoothver: error: " prefix). Argument counts
 * are checked unless g->help ends up set.
 */
int sv_parse_command(const struct sv_command *cmd, int argc, char **argv,
    struct sv_args *a, struct sv_globals *g, struct buf *msg);

/*
 * Parse one global option at argv[*i]; top says whether this is before the
 * command name (where top_only options such as --version count). Returns
 * 1 if it was one (and advances *i past its value), 0 if argv[*i] is not a
 * global option, or SV_USAGE with msg filled.
 */
int sv_parse_global(int argc, char **argv, int *i, bool top,
    struct sv_globals *g, struct buf *msg);

/*
 * An option's value as a byte count: "123", "64K", "16G" (K, M, G, T:
 * binary multiples), positive. SV_USAGE naming --opt otherwise.
 */
int sv_parse_size(const char *opt, const char *s, uint64_t *out,
    struct sv_err *e);

/*
 * An option's value as a time in seconds: a number with the unit ms, s
 * (the default), m, h or d ("500ms", "30s", "30d"), at least min and at
 * most ten years. SV_USAGE naming --opt otherwise.
 */
int sv_parse_duration(const char *opt, const char *s, double min,
    double *out, struct sv_err *e);

#endif
