/*
 * main.c - global options, command lookup, shared setup, exit status.
 *
 * smoothver [global options] COMMAND [options] [ARGS]
 *
 * The exit status is the command's sv_status (see base/err.h and
 * smoothver(1) EXIT STATUS). Whatever the command returned, a failure to
 * write stdout (a full disk, a closed pipe) turns success into an error.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "adapt/git.h"
#include "base/msg.h"
#include "base/outfile.h"
#include "cli/command.h"
#include "cli/help.h"
#include "cli/output.h"
#include "cli/parse.h"
#include "otp/package.h"

static void
apply_color(const struct sv_globals *g)
{
	enum sv_color_mode mode = SV_COLOR_AUTO;

	if (g->color && strcmp(g->color, "always") == 0)
		mode = SV_COLOR_ALWAYS;
	else if (g->color && strcmp(g->color, "never") == 0)
		mode = SV_COLOR_NEVER;
	msg_set_color(mode);
}

/* Flush stdout and report a failure to write it. */
static int
finish_stdout(int status)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		msg_error("cannot write to standard output: %s",
		    strerror(errno ? errno : EIO));
		return SV_INPUT;
	}
	if (fclose(stdout) != 0) {
		msg_error("cannot write to standard output: %s",
		    strerror(errno));
		return SV_INPUT;
	}
	return status;
}

int
main(int argc, char **argv)
{
	struct sv_globals g = { 0 };
	struct sv_ctx ctx = { 0 };
	struct sv_args args;
	const struct sv_command *cmd;
	struct sv_err e;
	struct buf msg;
	int i = 1, status;

	/* First of all: an interrupt from here on removes what it leaves. */
	sv_signals_init();
	/* The kinds of release a tree may be the root of, for pack and
	 * publish. */
	sv_package_kind_add(&sv_otp_package_kind);
	buf_init(&msg);
	sv_err_init(&e);
	sv_config_init(&ctx.config);
	msg_set_color(SV_COLOR_AUTO);

	while (i < argc) {
		int r = sv_parse_global(argc, argv, &i, true, &g, &msg);

		if (r == SV_USAGE) {
			sv_out_usage_error(NULL, "%s", msg.s);
			status = SV_USAGE;
			goto out;
		}
		if (r == 0) {
			if (argv[i][0] == '-' && argv[i][1] != '\0') {
				sv_out_usage_error(NULL, "unknown option '%s'",
				    argv[i]);
				status = SV_USAGE;
				goto out;
			}
			break;
		}
		i++;
	}
	apply_color(&g);
	msg_set_quiet(g.quiet);
	if (g.version) {
		printf("smoothver %s\n", PACKAGE_VERSION);
		status = finish_stdout(SV_OK);
		goto out;
	}
	if (i >= argc) {
		struct buf help;

		buf_init(&help);
		sv_help_main(&help);
		if (g.help) {
			sv_out_write(help.s, help.len);
			status = finish_stdout(SV_OK);
		} else {
			msg_error("no command given");
			fputs(help.s, stderr);
			status = SV_USAGE;
		}
		buf_release(&help);
		goto out;
	}
	cmd = sv_command_find(argv[i]);
	if (cmd == NULL) {
		sv_out_usage_error(NULL, "unknown command '%s'", argv[i]);
		status = SV_USAGE;
		goto out;
	}
	if (sv_parse_command(cmd, argc - i, argv + i, &args, &g, &msg)) {
		apply_color(&g);
		sv_out_usage_error(cmd, "%s", msg.s);
		status = SV_USAGE;
		goto out;
	}
	apply_color(&g);
	msg_set_quiet(g.quiet);
	if (g.help) {
		struct buf help;

		buf_init(&help);
		sv_help_command(cmd, &help);
		sv_out_write(help.s, help.len);
		buf_release(&help);
		status = finish_stdout(SV_OK);
		goto out;
	}
	if (g.dir && chdir(g.dir) != 0) {
		msg_error("cannot change to directory '%s': %s", g.dir,
		    strerror(errno));
		status = SV_INPUT;
		goto out;
	}
	ctx.json = g.json;
	ctx.quiet = g.quiet;
	status = sv_ctx_setup(&ctx, cmd->flags, &e);
	if (status == SV_OK)
		status = cmd->run(&ctx, &args);
	else
		msg_report(&e);
	sv_git_free(ctx.repo);
	sv_git_global_shutdown();
	status = finish_stdout(status);
out:
	sv_config_release(&ctx.config);
	buf_release(&msg);
	return status;
}
