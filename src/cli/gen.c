/*
 * gen.c - the hidden commands that write the shell completions and the
 * generated parts of the man pages from the command table.
 *
 *   smoothver __complete bash|zsh|fish   > completions/...
 *   smoothver __man synopsis [COMMAND]   NAME and SYNOPSIS in roff
 *   smoothver __man options [COMMAND]    OPTIONS (and, for smoothver(1),
 *                                        COMMANDS) in roff
 *
 * ci/gen-docs.sh splices their output into the committed files, and
 * tests/e2e/t0900-docs.sh fails when the committed files differ.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "cli/command.h"
#include "cli/help.h"

static const char generated[] =
    "generated from smoothver's command table by ci/gen-docs.sh; do not edit";

static bool
visible(const struct sv_command *c)
{
	return !(c->flags & SV_CMD_HIDDEN);
}

/* ---- roff ---- */

static void
roff_text(struct buf *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '-')
			buf_adds(out, "\\-");
		else if (*s == '\\')
			buf_adds(out, "\\e");
		else
			buf_addc(out, *s);
	}
}

/* A help line as a sentence: capital first letter, final period. */
static void
roff_sentence(struct buf *out, const char *s)
{
	char first[2] = { (char)toupper((unsigned char)s[0]), '\0' };

	roff_text(out, first);
	roff_text(out, s + 1);
	buf_adds(out, ".\n");
}

/* ARGS text: upper-case words in italics, the rest roman. */
static void
roff_args(struct buf *out, const char *s)
{
	while (*s) {
		if (isupper((unsigned char)*s)) {
			size_t n = 0;

			while (isupper((unsigned char)s[n]) || s[n] == '_')
				n++;
			buf_adds(out, "\\fI");
			buf_add(out, s, n);
			buf_adds(out, "\\fR");
			s += n;
		} else {
			char c[2] = { *s, '\0' };

			roff_text(out, c);
			s++;
		}
	}
}

static void
roff_option_label(struct buf *out, const struct sv_option *o)
{
	if (o->short_name)
		buf_addf(out, "\\fB\\-%c\\fR, ", o->short_name);
	buf_adds(out, "\\fB\\-\\-");
	roff_text(out, o->name);
	buf_adds(out, "\\fR");
	if (o->metavar)
		buf_addf(out, " \\fI%s\\fR", o->metavar);
}

static void
roff_synopsis_option(struct buf *out, const struct sv_option *o)
{
	if (o->short_name)
		buf_addf(out, "[\\fB\\-%c\\fR", o->short_name);
	else {
		buf_adds(out, "[\\fB\\-\\-");
		roff_text(out, o->name);
		buf_adds(out, "\\fR");
	}
	if (o->metavar)
		buf_addf(out, " \\fI%s\\fR", o->metavar);
	buf_adds(out, "]\n");
}

static void
roff_options(struct buf *out, const struct sv_option *opts, bool top)
{
	size_t i;

	for (i = 0; opts[i].name; i++) {
		if (opts[i].top_only && !top)
			continue;
		buf_adds(out, ".TP\n");
		roff_option_label(out, &opts[i]);
		buf_addc(out, '\n');
		roff_sentence(out, opts[i].help);
	}
}

static void
begin(struct buf *out, const char *part)
{
	buf_addf(out, ".\\\" begin generated %s: %s\n", part, generated);
}

static void
end(struct buf *out, const char *part)
{
	buf_addf(out, ".\\\" end generated %s\n", part);
}

static void
man_main(const char *part, struct buf *out)
{
	size_t i;

	begin(out, part);
	if (strcmp(part, "synopsis") == 0) {
		buf_adds(out, ".SH NAME\nsmoothver \\- Smoothver versions and "
		    "release tooling for live\\-upgraded services\n"
		    ".SH SYNOPSIS\n.B smoothver\n");
		for (i = 0; sv_global_options[i].name; i++)
			if (!sv_global_options[i].top_only)
				roff_synopsis_option(out, &sv_global_options[i]);
		buf_adds(out, "\\fICOMMAND\\fR [\\fIARGS\\fR]\n.br\n"
		    ".B smoothver\n\\fB\\-\\-version\\fR\n");
	} else {
		buf_adds(out, ".SH OPTIONS\nThese options are accepted before "
		    "the command name and, except \\fB\\-\\-version\\fR, also "
		    "after it.\n");
		roff_options(out, sv_global_options, true);
		buf_adds(out, ".SH COMMANDS\n");
		for (i = 0; sv_commands[i]; i++) {
			if (!visible(sv_commands[i]))
				continue;
			buf_adds(out, ".TP\n");
			if (strcmp(sv_commands[i]->name, "help") == 0)
				buf_adds(out, ".B smoothver help\n");
			else {
				buf_adds(out, ".BR smoothver\\-");
				roff_text(out, sv_commands[i]->name);
				buf_adds(out, " (1)\n");
			}
			roff_sentence(out, sv_commands[i]->summary);
		}
	}
	end(out, part);
}

static void
man_command(const struct sv_command *c, const char *part, struct buf *out)
{
	size_t i;

	begin(out, part);
	if (strcmp(part, "synopsis") == 0) {
		/* Names with a dash (try-upgrade) are escaped too. */
		buf_adds(out, ".SH NAME\nsmoothver\\-");
		roff_text(out, c->name);
		buf_adds(out, " \\- ");
		roff_text(out, c->summary);
		buf_adds(out, "\n.SH SYNOPSIS\n.B smoothver\n"
		    "[\\fIglobal\\-options\\fR]\n.B ");
		roff_text(out, c->name);
		buf_addc(out, '\n');
		for (i = 0; c->options[i].name; i++)
			roff_synopsis_option(out, &c->options[i]);
		if (c->args[0]) {
			roff_args(out, c->args);
			buf_addc(out, '\n');
		}
	} else {
		buf_adds(out, ".SH OPTIONS\n");
		if (c->options[0].name)
			roff_options(out, c->options, false);
		else
			buf_adds(out, "This command has no options of its own.\n");
		buf_adds(out, ".PP\nThe global options are described in\n"
		    ".BR smoothver (1).\n");
	}
	end(out, part);
}

/* ---- shells ---- */

static void
words_of_commands(struct buf *out)
{
	size_t i;
	bool first = true;

	for (i = 0; sv_commands[i]; i++) {
		if (!visible(sv_commands[i]))
			continue;
		buf_addf(out, "%s%s", first ? "" : " ", sv_commands[i]->name);
		first = false;
	}
}

static void
words_of_options(struct buf *out, const struct sv_option *opts, bool top)
{
	size_t i;

	for (i = 0; opts[i].name; i++) {
		if (opts[i].top_only && !top)
			continue;
		if (out->len && out->s[out->len - 1] != '"')
			buf_addc(out, ' ');
		if (opts[i].short_name)
			buf_addf(out, "-%c ", opts[i].short_name);
		buf_addf(out, "--%s", opts[i].name);
	}
}

/* bash: the compgen action for a value of kind c (choices ch). */
static void
bash_action(struct buf *out, enum sv_complete c, const char *ch)
{
	switch (c) {
	case SV_COMPLETE_CHOICES:
		buf_addf(out, "COMPREPLY=( $(compgen -W \"%s\" -- \"$cur\") )", ch);
		break;
	case SV_COMPLETE_FILE:
		buf_adds(out, "COMPREPLY=( $(compgen -f -- \"$cur\") )");
		break;
	case SV_COMPLETE_DIR:
		buf_adds(out, "COMPREPLY=( $(compgen -d -- \"$cur\") )");
		break;
	case SV_COMPLETE_COMMAND:
		buf_adds(out, "COMPREPLY=( $(compgen -W \"");
		words_of_commands(out);
		buf_adds(out, "\" -- \"$cur\") )");
		break;
	case SV_COMPLETE_NONE:
		buf_adds(out, "COMPREPLY=()");
		break;
	}
}

static void
bash_value_cases(struct buf *out, const char *cmd, const struct sv_option *opts)
{
	size_t i;

	for (i = 0; opts[i].name; i++) {
		if (opts[i].metavar == NULL)
			continue;
		buf_adds(out, "\t");
		if (opts[i].short_name)
			buf_addf(out, "%s:-%c|", cmd, opts[i].short_name);
		buf_addf(out, "%s:--%s) ", cmd, opts[i].name);
		bash_action(out, opts[i].complete, opts[i].choices);
		buf_adds(out, "; return ;;\n");
	}
}

static void
gen_bash(struct buf *out)
{
	struct buf w;
	size_t i, k;

	buf_init(&w);
	buf_addf(out, "# bash completion for smoothver\n# %s\n\n", generated);
	buf_adds(out, "_smoothver()\n{\n"
	    "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev= cmd= i w\n"
	    "\t(( COMP_CWORD > 0 )) && prev=${COMP_WORDS[COMP_CWORD-1]}\n"
	    "\tfor (( i = 1; i < COMP_CWORD; i++ )); do\n"
	    "\t\tw=${COMP_WORDS[i]}\n\t\tcase $w in\n\t\t");
	for (k = 0, i = 0; sv_global_options[i].name; i++) {
		const struct sv_option *o = &sv_global_options[i];

		if (o->metavar == NULL)
			continue;
		if (o->short_name)
			buf_addf(out, "%s-%c", k++ ? "|" : "", o->short_name);
		buf_addf(out, "%s--%s", k++ ? "|" : "", o->name);
	}
	buf_adds(out, ") (( i++ )) ;;\n\t\t-*) ;;\n\t\t*) cmd=$w; break ;;\n"
	    "\t\tesac\n\tdone\n\tcase ${cmd:-_}:$prev in\n");
	bash_value_cases(out, "*", sv_global_options);
	for (i = 0; sv_commands[i]; i++)
		if (visible(sv_commands[i]))
			bash_value_cases(out, sv_commands[i]->name,
			    sv_commands[i]->options);
	buf_adds(out, "\tesac\n\tif [[ -z $cmd ]]; then\n\t\tif [[ $cur == -* ]]; "
	    "then\n\t\t\tCOMPREPLY=( $(compgen -W \"");
	words_of_options(&w, sv_global_options, true);
	buf_adds(out, w.s);
	buf_adds(out, "\" -- \"$cur\") )\n\t\telse\n\t\t\t");
	bash_action(out, SV_COMPLETE_COMMAND, NULL);
	buf_adds(out, "\n\t\tfi\n\t\treturn\n\tfi\n\tcase $cmd in\n");
	for (i = 0; sv_commands[i]; i++) {
		const struct sv_command *c = sv_commands[i];

		if (!visible(c))
			continue;
		buf_reset(&w);
		words_of_options(&w, c->options, false);
		words_of_options(&w, sv_global_options, false);
		buf_addf(out, "\t%s)\n\t\tif [[ $cur == -* ]]; then\n\t\t\t"
		    "COMPREPLY=( $(compgen -W \"%s\" -- \"$cur\") )\n\t\telse\n"
		    "\t\t\t", c->name, w.s);
		bash_action(out, c->arg_complete, c->arg_choices);
		buf_adds(out, "\n\t\tfi\n\t\t;;\n");
	}
	buf_adds(out, "\tesac\n}\ncomplete -F _smoothver smoothver\n");
	buf_release(&w);
}

/* zsh: text inside [...] or after ':' must not contain []: */
static void
zsh_text(struct buf *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '[' || *s == ']' || *s == ':' || *s == '\\')
			buf_addc(out, '\\');
		if (*s == '\'')
			buf_adds(out, "'\\''");
		else
			buf_addc(out, *s);
	}
}

static void
zsh_action(struct buf *out, enum sv_complete c, const char *ch)
{
	switch (c) {
	case SV_COMPLETE_CHOICES:
		buf_addf(out, "(%s)", ch);
		break;
	case SV_COMPLETE_FILE:
		buf_adds(out, "_files");
		break;
	case SV_COMPLETE_DIR:
		buf_adds(out, "_files -/");
		break;
	case SV_COMPLETE_COMMAND:
		buf_adds(out, "(");
		words_of_commands(out);
		buf_adds(out, ")");
		break;
	case SV_COMPLETE_NONE:
		buf_adds(out, " ");
		break;
	}
}

/* One _arguments spec per line; cont adds the line continuation that an
 * argument list (as opposed to an array literal) needs. */
static void
zsh_specs(struct buf *out, const struct sv_option *opts, bool top, bool cont)
{
	size_t i;

	for (i = 0; opts[i].name; i++) {
		const struct sv_option *o = &opts[i];

		if (o->top_only && !top)
			continue;
		buf_adds(out, "\t\t'");
		if (o->short_name)
			buf_addf(out, "(-%c --%s)'{-%c,--%s}'", o->short_name,
			    o->name, o->short_name, o->name);
		else
			buf_addf(out, "--%s", o->name);
		buf_adds(out, "[");
		zsh_text(out, o->help);
		buf_adds(out, "]");
		if (o->metavar) {
			buf_addf(out, ":%s:", o->metavar);
			zsh_action(out, o->complete, o->choices);
		}
		buf_adds(out, cont ? "' \\\n" : "'\n");
	}
}

static void
gen_zsh(struct buf *out)
{
	size_t i;

	buf_addf(out, "#compdef smoothver\n# zsh completion for smoothver\n"
	    "# %s\n\n_smoothver() {\n\tlocal curcontext=$curcontext state "
	    "line ret=1\n\tlocal -a globals commands\n\tglobals=(\n", generated);
	zsh_specs(out, sv_global_options, false, false);
	buf_adds(out, "\t)\n\tcommands=(\n");
	for (i = 0; sv_commands[i]; i++) {
		if (!visible(sv_commands[i]))
			continue;
		buf_addf(out, "\t\t'%s:", sv_commands[i]->name);
		zsh_text(out, sv_commands[i]->summary);
		buf_adds(out, "'\n");
	}
	buf_adds(out, "\t)\n\t_arguments -C $globals \\\n"
	    "\t\t'--version[print smoothver'\\''s version and exit]' \\\n"
	    "\t\t'1:command:->command' '*::argument:->argument' && ret=0\n"
	    "\tcase $state in\n\tcommand)\n"
	    "\t\t_describe -t commands 'smoothver command' commands && ret=0\n"
	    "\t\t;;\n\targument)\n\t\tcase $words[1] in\n");
	for (i = 0; sv_commands[i]; i++) {
		const struct sv_command *c = sv_commands[i];

		if (!visible(c))
			continue;
		buf_addf(out, "\t\t%s)\n\t\t\t_arguments $globals \\\n", c->name);
		zsh_specs(out, c->options, false, true);
		if (c->max_args != 0) {
			buf_adds(out, "\t\t'*:argument:");
			zsh_action(out, c->arg_complete, c->arg_choices);
			buf_adds(out, "' \\\n");
		}
		buf_adds(out, "\t\t&& ret=0\n\t\t\t;;\n");
	}
	buf_adds(out, "\t\tesac\n\t\t;;\n\tesac\n\treturn ret\n}\n\n"
	    "_smoothver \"$@\"\n");
}

static void
fish_quote(struct buf *out, const char *s)
{
	buf_addc(out, '\'');
	for (; *s; s++) {
		if (*s == '\'' || *s == '\\')
			buf_addc(out, '\\');
		buf_addc(out, *s);
	}
	buf_addc(out, '\'');
}

static void
fish_options(struct buf *out, const char *cond, const struct sv_option *opts,
    bool top)
{
	size_t i;

	for (i = 0; opts[i].name; i++) {
		const struct sv_option *o = &opts[i];

		if (o->top_only && !top)
			continue;
		buf_adds(out, "complete -c smoothver");
		if (cond)
			buf_addf(out, " -n '%s'", cond);
		if (o->short_name)
			buf_addf(out, " -s %c", o->short_name);
		buf_addf(out, " -l %s", o->name);
		if (o->metavar) {
			switch (o->complete) {
			case SV_COMPLETE_CHOICES:
				buf_addf(out, " -x -a '%s'", o->choices);
				break;
			case SV_COMPLETE_DIR:
				buf_adds(out, " -x -a '(__fish_complete_directories)'");
				break;
			case SV_COMPLETE_FILE:
				buf_adds(out, " -r -F");
				break;
			default:
				buf_adds(out, " -x");
				break;
			}
		}
		buf_adds(out, " -d ");
		fish_quote(out, o->help);
		buf_addc(out, '\n');
	}
}

static void
gen_fish(struct buf *out)
{
	struct buf cond;
	size_t i;

	buf_init(&cond);
	buf_addf(out, "# fish completion for smoothver\n# %s\n\n"
	    "complete -c smoothver -f\n", generated);
	fish_options(out, NULL, sv_global_options, false);
	fish_options(out, "__fish_use_subcommand", sv_global_options, true);
	for (i = 0; sv_commands[i]; i++) {
		const struct sv_command *c = sv_commands[i];

		if (!visible(c))
			continue;
		buf_addf(out, "complete -c smoothver -n __fish_use_subcommand "
		    "-a %s -d ", c->name);
		fish_quote(out, c->summary);
		buf_addc(out, '\n');
	}
	for (i = 0; sv_commands[i]; i++) {
		const struct sv_command *c = sv_commands[i];

		if (!visible(c))
			continue;
		buf_reset(&cond);
		buf_addf(&cond, "__fish_seen_subcommand_from %s", c->name);
		fish_options(out, cond.s, c->options, false);
		switch (c->arg_complete) {
		case SV_COMPLETE_CHOICES:
			buf_addf(out, "complete -c smoothver -n '%s' -a '%s'\n",
			    cond.s, c->arg_choices);
			break;
		case SV_COMPLETE_COMMAND:
			buf_addf(out, "complete -c smoothver -n '%s' -a '",
			    cond.s);
			words_of_commands(out);
			buf_adds(out, "'\n");
			break;
		case SV_COMPLETE_FILE:
		case SV_COMPLETE_DIR:
			buf_addf(out, "complete -c smoothver -n '%s' -F\n",
			    cond.s);
			break;
		case SV_COMPLETE_NONE:
			break;
		}
	}
	buf_release(&cond);
}

/* ---- the hidden commands ---- */

#include "cli/output.h"

static int
run_complete(struct sv_ctx *ctx, const struct sv_args *a)
{
	const char *shell = a->argv[0];
	struct buf out;

	buf_init(&out);
	if (strcmp(shell, "bash") == 0)
		gen_bash(&out);
	else if (strcmp(shell, "zsh") == 0)
		gen_zsh(&out);
	else if (strcmp(shell, "fish") == 0)
		gen_fish(&out);
	else {
		buf_release(&out);
		sv_out_usage_error(a->cmd, "unknown shell '%s' (expected bash, "
		    "zsh or fish)", shell);
		return SV_USAGE;
	}
	sv_out_write(out.s, out.len);
	buf_release(&out);
	return SV_OK;
}

static int
run_man(struct sv_ctx *ctx, const struct sv_args *a)
{
	const struct sv_command *c = NULL;
	struct buf out;

	const char *part = a->argv[0];

	if (strcmp(part, "synopsis") != 0 && strcmp(part, "options") != 0) {
		sv_out_usage_error(a->cmd, "unknown part '%s' (expected "
		    "synopsis or options)", part);
		return SV_USAGE;
	}
	if (a->argc == 2) {
		c = sv_command_find(a->argv[1]);
		if (c == NULL || !visible(c)) {
			sv_out_usage_error(a->cmd, "unknown command '%s'",
			    a->argv[1]);
			return SV_USAGE;
		}
	}
	buf_init(&out);
	if (c)
		man_command(c, part, &out);
	else
		man_main(part, &out);
	sv_out_write(out.s, out.len);
	buf_release(&out);
	return SV_OK;
}

static const struct sv_option no_options[] = { SV_OPT_END };

const struct sv_command sv_cmd_gen_completion = {
	.name = "__complete",
	.summary = "print the completion script for a shell",
	.args = "SHELL",
	.min_args = 1,
	.max_args = 1,
	.arg_complete = SV_COMPLETE_CHOICES,
	.arg_choices = "bash zsh fish",
	.flags = SV_CMD_HIDDEN,
	.options = no_options,
	.run = run_complete,
};

const struct sv_command sv_cmd_gen_man = {
	.name = "__man",
	.summary = "print the generated sections of a man page",
	.args = "synopsis|options [COMMAND]",
	.min_args = 1,
	.max_args = 2,
	.arg_complete = SV_COMPLETE_COMMAND,
	.flags = SV_CMD_HIDDEN,
	.options = no_options,
	.run = run_man,
};
