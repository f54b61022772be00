/*
 * Unit tests for the table-driven command-line parser (src/cli/parse.c).
 */
#include "config.h"

#include <string.h>

#include "cli/parse.h"
#include "unit.h"

struct demo_opts {
	const char *message;
	bool dry_run;
	const char *mode;
	struct sv_strlist tag;
};

static const struct sv_option opts[] = {
	{ "message", 'm', "MSG", "message", SV_COMPLETE_NONE, NULL, false,
	  SV_STRING(struct demo_opts, message) },
	{ "dry-run", 'n', NULL, "dry run", SV_COMPLETE_NONE, NULL, false,
	  SV_FLAG(struct demo_opts, dry_run) },
	{ "mode", 0, "MODE", "mode", SV_COMPLETE_CHOICES, "fast slow", false,
	  SV_STRING(struct demo_opts, mode) },
	{ "tag", 't', "TAG", "tag", SV_COMPLETE_NONE, NULL, false,
	  SV_LIST(struct demo_opts, tag) },
	SV_OPT_END
};

static int
run_nothing(struct sv_ctx *ctx, const struct sv_args *a)
{
	return 0;
}

static const struct sv_command cmd = {
	.name = "demo", .summary = "demo", .args = "A [B]",
	.min_args = 1, .max_args = 2, .options = opts,
	.opts_size = sizeof(struct demo_opts), .run = run_nothing,
};

/* Parse a NULL-terminated word list; returns the status, msg in m. */
static int
parse(struct sv_args *a, struct sv_globals *g, struct buf *m, char **words)
{
	int argc = 0;

	while (words[argc])
		argc++;
	memset(g, 0, sizeof(*g));
	buf_reset(m);
	return sv_parse_command(&cmd, argc, words, a, g, m);
}

START_TEST(options_and_positionals_in_any_order)
{
	char *w[] = { "demo", "x", "-m", "hello", "--dry-run", "y", NULL };
	const struct demo_opts *o;
	struct sv_args a;
	struct sv_globals g;
	struct buf m;

	buf_init(&m);
	ck_assert_int_eq(parse(&a, &g, &m, w), SV_OK);
	ck_assert_int_eq(a.argc, 2);
	ck_assert_str_eq(a.argv[0], "x");
	ck_assert_str_eq(a.argv[1], "y");
	o = a.opts;
	ck_assert_str_eq(o->message, "hello");
	ck_assert(o->dry_run);
	ck_assert_ptr_null(o->mode);
	ck_assert_uint_eq(o->tag.n, 0);
	buf_release(&m);
}
END_TEST

START_TEST(value_forms)
{
	char *w1[] = { "demo", "--message=a=b", "-mX", "p", NULL };
	char *w2[] = { "demo", "--mode", "slow", "p", NULL };
	char *w3[] = { "demo", "-t", "a", "p", "--tag=b", "--tag", "c", NULL };
	const struct demo_opts *o;
	struct sv_args a;
	struct sv_globals g;
	struct buf m;

	buf_init(&m);
	ck_assert_int_eq(parse(&a, &g, &m, w1), SV_OK);
	o = a.opts;
	ck_assert_str_eq(o->message, "X"); /* the last one wins */
	ck_assert_int_eq(a.count[0], 2);
	ck_assert_int_eq(parse(&a, &g, &m, w2), SV_OK);
	o = a.opts;
	ck_assert_str_eq(o->mode, "slow");
	ck_assert_ptr_null(o->message);
	ck_assert_int_eq(parse(&a, &g, &m, w3), SV_OK);
	o = a.opts;
	ck_assert_uint_eq(o->tag.n, 3);  /* a repeatable option keeps all */
	ck_assert_str_eq(o->tag.v[0], "a");
	ck_assert_str_eq(o->tag.v[1], "b");
	ck_assert_str_eq(o->tag.v[2], "c");
	buf_release(&m);
}
END_TEST

START_TEST(globals_after_the_command)
{
	char *w[] = { "demo", "p", "--json", "-q", "--color=never", "-C",
	    "/tmp", NULL };
	struct sv_args a;
	struct sv_globals g;
	struct buf m;

	buf_init(&m);
	ck_assert_int_eq(parse(&a, &g, &m, w), SV_OK);
	ck_assert(g.json);
	ck_assert(g.quiet);
	ck_assert_str_eq(g.color, "never");
	ck_assert_str_eq(g.dir, "/tmp");
	ck_assert_int_eq(a.argc, 1);
	buf_release(&m);
}
END_TEST

START_TEST(short_flag_clusters)
{
	char *w[] = { "demo", "-nq", "p", NULL };
	struct sv_args a;
	struct sv_globals g;
	struct buf m;

	buf_init(&m);
	ck_assert_int_eq(parse(&a, &g, &m, w), SV_OK);
	ck_assert(((const struct demo_opts *)a.opts)->dry_run);
	ck_assert(g.quiet);
	buf_release(&m);
}
END_TEST

START_TEST(double_dash_ends_options)
{
	char *w[] = { "demo", "--", "-m", "--json", NULL };
	struct sv_args a;
	struct sv_globals g;
	struct buf m;

	buf_init(&m);
	ck_assert_int_eq(parse(&a, &g, &m, w), SV_OK);
	ck_assert_int_eq(a.argc, 2);
	ck_assert_str_eq(a.argv[0], "-m");
	ck_assert(!g.json);
	buf_release(&m);
}
END_TEST

static struct {
	char *w[6];
	const char *msg;
} bad[] = {
	{ { "demo", "--nope", "p", NULL }, "unknown option '--nope' for 'demo'" },
	{ { "demo", "-z", "p", NULL }, "unknown option '-z' for 'demo'" },
	{ { "demo", "p", "-m", NULL }, "option '-m' needs a value (MSG)" },
	{ { "demo", "p", "--message", NULL },
	  "option '--message' needs a value (MSG)" },
	{ { "demo", "p", "--dry-run=yes", NULL },
	  "option '--dry-run' takes no value" },
	{ { "demo", "p", "--mode=medium", NULL },
	  "invalid value 'medium' for '--mode' (expected one of: fast slow)" },
	{ { "demo", "p", "--color=sometimes", NULL },
	  "invalid value 'sometimes' for '--color' (expected one of: auto "
	  "always never)" },
	{ { "demo", NULL }, "'demo' needs A [B]" },
	{ { "demo", "a", "b", "c", NULL },
	  "unexpected argument 'c' for 'demo' (usage: demo A [B])" },
	{ { "demo", "p", "--version", NULL },
	  "unknown option '--version' for 'demo'" },
};

START_TEST(usage_errors)
{
	struct sv_args a;
	struct sv_globals g;
	struct buf m;

	buf_init(&m);
	ck_assert_int_eq(parse(&a, &g, &m, bad[_i].w), SV_USAGE);
	ck_assert_str_eq(m.s, bad[_i].msg);
	buf_release(&m);
}
END_TEST

START_TEST(help_skips_argument_count)
{
	char *w[] = { "demo", "-h", NULL };
	struct sv_args a;
	struct sv_globals g;
	struct buf m;

	buf_init(&m);
	ck_assert_int_eq(parse(&a, &g, &m, w), SV_OK);
	ck_assert(g.help);
	buf_release(&m);
}
END_TEST

START_TEST(every_command_is_well_formed)
{
	size_t i, j, k;

	for (i = 0; sv_commands[i]; i++) {
		const struct sv_command *c = sv_commands[i];

		ck_assert_ptr_nonnull(c->summary);
		ck_assert_ptr_nonnull(c->args);
		ck_assert_ptr_nonnull(c->run);
		ck_assert_msg(c->max_args < 0 || c->max_args >= c->min_args,
		    "%s: argument bounds", c->name);
		ck_assert_ptr_eq(sv_command_find(c->name), c);
		for (j = 0; c->options[j].name; j++) {
			const struct sv_option *o = &c->options[j];

			ck_assert_msg(j < SV_MAX_OPTIONS, "%s: too many options",
			    c->name);
			ck_assert_msg(o->help && o->help[0] >= 'a' &&
			    o->help[0] <= 'z', "%s --%s: help must start "
			    "lowercase", c->name, o->name);
			ck_assert_msg(o->help[strlen(o->help) - 1] != '.',
			    "%s --%s: help ends with a period", c->name, o->name);
			ck_assert_msg(o->complete != SV_COMPLETE_CHOICES ||
			    o->choices, "%s --%s: choices", c->name, o->name);
			/* bound to a member of its own inside the struct */
			ck_assert_msg(o->kind != SV_OPT_UNBOUND, "%s --%s: not "
			    "bound (SV_FLAG, SV_STRING or SV_LIST)", c->name,
			    o->name);
			ck_assert_msg((o->kind == SV_OPT_FLAG) ==
			    (o->metavar == NULL), "%s --%s: a flag binds a "
			    "bool, an option with a value a string", c->name,
			    o->name);
			ck_assert_msg(o->offset < c->opts_size, "%s --%s: "
			    "outside the options struct", c->name, o->name);
			for (k = 0; k < j; k++)
				ck_assert_msg(c->options[k].offset != o->offset,
				    "%s --%s and --%s: bound to one member",
				    c->name, c->options[k].name, o->name);
		}
		ck_assert_msg(c->opts_size <= SV_OPTS_MAX, "%s: options struct "
		    "too large", c->name);
	}
	ck_assert_ptr_null(sv_command_find("no-such-command"));
}
END_TEST

#define N(t) ((int)(sizeof(t) / sizeof((t)[0])))

Suite *
make_suite(void)
{
	Suite *s = suite_create("parse");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, options_and_positionals_in_any_order);
	tcase_add_test(tc, value_forms);
	tcase_add_test(tc, globals_after_the_command);
	tcase_add_test(tc, short_flag_clusters);
	tcase_add_test(tc, double_dash_ends_options);
	tcase_add_loop_test(tc, usage_errors, 0, N(bad));
	tcase_add_test(tc, help_skips_argument_count);
	tcase_add_test(tc, every_command_is_well_formed);
	suite_add_tcase(s, tc);
	return s;
}
