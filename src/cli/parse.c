#include "config.h"

#include "cli/parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapt/git.h"
#include "base/err.h"
#include "base/msg.h"
#include "base/xalloc.h"
#include "core/rules.h"
#include "core/store.h"
#include "core/trust.h"

int
sv_ctx_setup(struct sv_ctx *ctx, unsigned flags, struct sv_err *e)
{
	int status;

	if (ctx->loaded)
		return SV_OK;
	if (flags & SV_CMD_REPO) {
		if ((status = sv_git_open(".", &ctx->repo, e)))
			return status;
	} else if (flags & SV_CMD_REPO_OPT) {
		struct sv_err ignored;

		/* Outside a repository there is no configuration to read; a
		 * libgit2 that cannot be loaded is said, not taken for that. */
		sv_err_init(&ignored);
		if (sv_git_load(&ignored) != SV_OK)
			msg_warn("%s: the repository's configuration is not read",
			    ignored.msg);
		else if (sv_git_open(".", &ctx->repo, &ignored) != SV_OK)
			ctx->repo = NULL;
	}
	if (flags & (SV_CMD_REPO | SV_CMD_REPO_OPT)) {
		if ((status = sv_config_load(&ctx->config, ctx->repo, e)))
			return status;
		ctx->loaded = true;
		if (ctx->config.warnings.len) {
			char *line = ctx->config.warnings.s, *nl;

			while ((nl = strchr(line, '\n')) != NULL) {
				*nl = '\0';
				msg_warn("%s", line);
				line = nl + 1;
			}
		}
	}
	return SV_OK;
}

int
sv_ctx_prefix(const struct sv_ctx *ctx, const char *given,
    const char **prefix, struct sv_err *e)
{
	if (given == NULL) {
		*prefix = ctx->config.tag_prefix;
		return SV_OK;
	}
	*prefix = given;
	return sv_config_check_prefix(given, "--prefix", e);
}

void
sv_ctx_rules(const struct sv_ctx *ctx, struct sv_rules *rules)
{
	size_t i;

	for (i = 0; i < ctx->config.rules.n; i++) {
		const struct sv_rule *r = &ctx->config.rules.v[i];

		sv_rules_add(rules, r->glob, r->level, r->reason, false);
	}
	sv_rules_add_defaults(rules);
}

int
sv_ctx_store(const struct sv_ctx *ctx, const char *url,
    const struct sv_strlist *trust, int mode, struct sv_store **out,
    struct sv_err *e)
{
	char *def = NULL;
	int status;

	if (url == NULL)
		url = ctx->config.store_url;
	if (url == NULL)
		url = def = sv_store_default_url();
	status = sv_store_open(url, (enum sv_store_mode)mode, out, e);
	free(def);
	if (status == SV_OK && trust != NULL) {
		struct sv_trust *t = sv_trust_new();
		size_t i;

		for (i = 0; i < trust->n && status == SV_OK; i++)
			status = sv_trust_add(t, trust->v[i], e);
		for (i = 0; i < ctx->config.ntrust_keys && status == SV_OK; i++)
			status = sv_trust_add(t, ctx->config.trust_keys[i], e);
		if (status == SV_OK && t->n > 0) {
			t->state_dir = sv_trust_default_state_dir();
			sv_store_set_trust(*out, t, sv_trust_free);
		} else {
			sv_trust_free(t);
		}
		if (status) {
			sv_store_close(*out);
			*out = NULL;
		}
	}
	return status;
}

/* True if word is one of the space-separated words in list. */
static bool
in_choices(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	while (*p) {
		size_t m = strcspn(p, " ");

		if (m == n && strncmp(p, word, n) == 0)
			return true;
		p += m;
		while (*p == ' ')
			p++;
	}
	return false;
}

/*
 * Find the option argv[*i] names in table. Returns its index, -1 if it is
 * not in the table, or -2 on a usage error (msg filled). *val receives its
 * value (advancing *i when the value is the next word); for a short flag
 * cluster ("-qn") only the first is handled and *rest points to the rest.
 */
static int
match(const struct sv_option *table, int argc, char **argv, int *i,
    const char **val, const char **rest, struct buf *msg)
{
	const char *arg = argv[*i];
	int k;

	*val = NULL;
	*rest = NULL;
	if (arg[1] == '-') {
		const char *name = arg + 2, *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);

		for (k = 0; table[k].name != NULL; k++) {
			if (strlen(table[k].name) != len ||
			    strncmp(table[k].name, name, len) != 0)
				continue;
			if (table[k].metavar == NULL) {
				if (eq) {
					buf_addf(msg, "option '--%s' takes no "
					    "value", table[k].name);
					return -2;
				}
				return k;
			}
			if (eq) {
				*val = eq + 1;
			} else if (*i + 1 < argc) {
				*val = argv[++*i];
			} else {
				buf_addf(msg, "option '--%s' needs a value (%s)",
				    table[k].name, table[k].metavar);
				return -2;
			}
			return k;
		}
		return -1;
	}
	for (k = 0; table[k].name != NULL; k++) {
		if (table[k].short_name == 0 || table[k].short_name != arg[1])
			continue;
		if (table[k].metavar == NULL) {
			if (arg[2] != '\0')
				*rest = arg + 2;
			return k;
		}
		if (arg[2] != '\0') {
			*val = arg + 2;
		} else if (*i + 1 < argc) {
			*val = argv[++*i];
		} else {
			buf_addf(msg, "option '-%c' needs a value (%s)",
			    table[k].short_name, table[k].metavar);
			return -2;
		}
		return k;
	}
	return -1;
}

static int
check_choice(const struct sv_option *o, const char *val, struct buf *msg)
{
	if (o->choices == NULL || in_choices(o->choices, val))
		return SV_OK;
	buf_addf(msg, "invalid value '%s' for '--%s' (expected one of: %s)",
	    val, o->name, o->choices);
	return SV_USAGE;
}

static void
apply_global(int k, const char *val, struct sv_globals *g)
{
	const char *name = sv_global_options[k].name;

	if (strcmp(name, "json") == 0)
		g->json = true;
	else if (strcmp(name, "quiet") == 0)
		g->quiet = true;
	else if (strcmp(name, "color") == 0)
		g->color = val;
	else if (strcmp(name, "help") == 0)
		g->help = true;
	else if (strcmp(name, "directory") == 0)
		g->dir = val;
	else if (strcmp(name, "version") == 0)
		g->version = true;
}

/* Handle a short-flag cluster's remaining letters ("-qh" after 'q'). */
static int
cluster(const struct sv_option *cmdopts, const char *rest, struct sv_args *a,
    struct sv_globals *g, struct buf *msg)
{
	for (; rest && *rest; rest++) {
		int k;

		for (k = 0; cmdopts && cmdopts[k].name; k++)
			if (cmdopts[k].short_name == *rest &&
			    cmdopts[k].metavar == NULL)
				break;
		if (cmdopts && cmdopts[k].name) {
			a->count[k]++;
			continue;
		}
		for (k = 0; sv_global_options[k].name; k++)
			if (sv_global_options[k].short_name == *rest &&
			    sv_global_options[k].metavar == NULL)
				break;
		if (sv_global_options[k].name == NULL) {
			buf_addf(msg, "unknown option '-%c'", *rest);
			return SV_USAGE;
		}
		apply_global(k, NULL, g);
	}
	return SV_OK;
}

int
sv_parse_global(int argc, char **argv, int *i, bool top,
    struct sv_globals *g, struct buf *msg)
{
	const char *val, *rest;
	int k;

	if (argv[*i][0] != '-' || argv[*i][1] == '\0')
		return 0;
	k = match(sv_global_options, argc, argv, i, &val, &rest, msg);
	if (k == -2)
		return SV_USAGE;
	if (k == -1 || (sv_global_options[k].top_only && !top))
		return 0;
	if (val && check_choice(&sv_global_options[k], val, msg))
		return SV_USAGE;
	apply_global(k, val, g);
	if (rest && cluster(NULL, rest, NULL, g, msg))
		return SV_USAGE;
	return 1;
}

/* Store each option given where the command's table binds it. */
static void
bind_options(struct sv_args *a)
{
	const struct sv_command *cmd = a->cmd;
	unsigned char *base = a->optbuf.bytes;
	int k;

	if (cmd->opts_size > sizeof(a->optbuf)) {
		fprintf(stderr, "smoothver: bug: the options of '%s' take %zu "
		    "bytes, more than %zu\n", cmd->name, cmd->opts_size,
		    sizeof(a->optbuf));
		abort();
	}
	a->opts = base;
	for (k = 0; cmd->options && cmd->options[k].name; k++) {
		const struct sv_option *o = &cmd->options[k];
		struct sv_strlist list;
		const char *last;
		bool given = a->count[k] > 0;

		switch (o->kind) {
		case SV_OPT_FLAG:
			memcpy(base + o->offset, &given, sizeof(given));
			break;
		case SV_OPT_STRING:
			last = given ? a->values[k][a->count[k] - 1] : NULL;
			memcpy(base + o->offset, &last, sizeof(last));
			break;
		case SV_OPT_LIST:
			list.v = a->values[k];
			list.n = (size_t)a->count[k];
			memcpy(base + o->offset, &list, sizeof(list));
			break;
		case SV_OPT_UNBOUND:
			fprintf(stderr, "smoothver: bug: option --%s of '%s' is "
			    "not bound\n", o->name, cmd->name);
			abort();
		}
	}
}

int
sv_parse_command(const struct sv_command *cmd, int argc, char **argv,
    struct sv_args *a, struct sv_globals *g, struct buf *msg)
{
	bool dashdash = false;
	int i, npos = 0;

	memset(a, 0, sizeof(*a));
	a->cmd = cmd;
	a->argv = argv + 1;
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i], *val, *rest;
		int k;

		if (dashdash || arg[0] != '-' || arg[1] == '\0') {
			argv[1 + npos++] = argv[i];
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			dashdash = true;
			continue;
		}
		k = match(cmd->options, argc, argv, &i, &val, &rest, msg);
		if (k == -2)
			return SV_USAGE;
		if (k >= 0) {
			if (val && check_choice(&cmd->options[k], val, msg))
				return SV_USAGE;
			if (val && a->count[k] >= SV_MAX_REPEAT) {
				buf_addf(msg, "--%s given more than %d times",
				    cmd->options[k].name, SV_MAX_REPEAT);
				return SV_USAGE;
			}
			if (val)
				a->values[k][a->count[k]] = val;
			a->count[k]++;
			if (rest && cluster(cmd->options, rest, a, g, msg))
				return SV_USAGE;
			continue;
		}
		k = sv_parse_global(argc, argv, &i, false, g, msg);
		if (k == SV_USAGE)
			return SV_USAGE;
		if (k == 1)
			continue;
		buf_addf(msg, "unknown option '%s' for '%s'", arg, cmd->name);
		return SV_USAGE;
	}
	a->argc = npos;
	bind_options(a);
	if (g->help)
		return SV_OK;
	if (npos < cmd->min_args) {
		if (npos == 0)
			buf_addf(msg, "'%s' needs %s", cmd->name, cmd->args);
		else
			buf_addf(msg, "'%s' needs %s (got %d argument%s)",
			    cmd->name, cmd->args, npos, npos == 1 ? "" : "s");
		return SV_USAGE;
	}
	if (cmd->max_args >= 0 && npos > cmd->max_args) {
		buf_addf(msg, "unexpected argument '%s' for '%s' (usage: "
		    "%s%s%s)", a->argv[cmd->max_args], cmd->name, cmd->name,
		    cmd->args[0] ? " " : "", cmd->args);
		return SV_USAGE;
	}
	return SV_OK;
}

int
sv_parse_size(const char *opt, const char *s, uint64_t *out,
    struct sv_err *e)
{
	char *end;
	unsigned long long v;
	int shift = 0;

	if (*s < '0' || *s > '9')
		goto bad;
	v = strtoull(s, &end, 10);
	switch (*end) {
	case 'K': case 'k': shift = 10; end++; break;
	case 'M': case 'm': shift = 20; end++; break;
	case 'G': case 'g': shift = 30; end++; break;
	case 'T': case 't': shift = 40; end++; break;
	default: break;
	}
	if (*end != '\0' || v == 0 || v > (UINT64_MAX >> shift))
		goto bad;
	*out = (uint64_t)v << shift;
	return SV_OK;
bad:
	return sv_err_set(e, SV_USAGE, "invalid size '%s' for --%s (expected a "
	    "positive number, optionally with K, M, G or T)", s, opt);
}

int
sv_parse_duration(const char *opt, const char *s, double min, double *out,
    struct sv_err *e)
{
	char *end;
	double v, unit = 1;

	if (*s < '0' || *s > '9')
		goto bad;
	v = strtod(s, &end);
	if (strcmp(end, "ms") == 0)
		unit = 0.001;
	else if (strcmp(end, "s") == 0 || *end == '\0')
		unit = 1;
	else if (strcmp(end, "m") == 0)
		unit = 60;
	else if (strcmp(end, "h") == 0)
		unit = 3600;
	else if (strcmp(end, "d") == 0)
		unit = 86400;
	else
		goto bad;
	v *= unit;
	if (v < min || v > 3660 * 86400.0)
		goto bad;
	*out = v;
	return SV_OK;
bad:
	return sv_err_set(e, SV_USAGE, "invalid --%s '%s' (expected a time "
	    "such as 30s, 5m, 12h or 30d, at least %gs)", opt, s, min);
}
