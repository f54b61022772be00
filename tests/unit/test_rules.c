/*
 * Unit tests for glob rules and the plan (src/core/rules.c, plan.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "core/plan.h"
#include "unit.h"

static const struct {
	const char *glob, *path;
	bool match;
} globs[] = {
	{ "*.so", "a.so", true },
	{ "*.so", "lib/x/priv/a.so", true },
	{ "*.so", "lib/x/priv/a.so.1", false },
	{ "*.so.*", "lib/a.so.1", true },
	{ "lib/*/priv/*.so", "lib/x-1.0/priv/nif.so", true },
	{ "lib/*/priv/*.so", "lib/x/y/priv/nif.so", false },
	{ "lib/**/*.so", "lib/x/y/priv/nif.so", true },
	{ "lib/**/*.so", "lib/nif.so", true },
	{ "**/doc/**", "doc/index.html", true },
	{ "**/doc/**", "lib/app/doc/a/b.html", true },
	{ "**/doc/**", "lib/app/docs/a.html", false },
	{ "doc/**", "doc", false },
	{ "doc/**", "doc/x", true },
	{ "**", "anything/at/all", true },
	{ "**", "x", true },
	{ "a?c", "abc", true },
	{ "a?c", "a/c", false },
	{ "[ab]*", "beam", true },
	{ "[!ab]*", "beam", false },
	{ "[a-c]x", "bx", true },
	{ "[a-c]x", "dx", false },
	{ "x[", "x[", true },
	{ "README*", "lib/app/README.md", true },
	{ "releases/*/sys.config", "releases/1.0.0/sys.config", true },
	{ "releases/*/sys.config", "releases/sys.config", false },
	{ "*", "", true },
	{ "\\*", "*", true },
	{ "\\*", "a", false },
};

START_TEST(glob_table)
{
	ck_assert_msg(sv_glob_match(globs[_i].glob, globs[_i].path) ==
	    globs[_i].match, "'%s' vs '%s'", globs[_i].glob, globs[_i].path);
}
END_TEST

START_TEST(first_match_wins_and_defaults_end_in_restart)
{
	struct sv_rules r;
	const struct sv_rule *m;

	sv_rules_init(&r);
	sv_rules_add(&r, "priv/*.so", SV_LEVEL_RELOAD, "hot-loadable", false);
	sv_rules_add_defaults(&r);
	m = sv_rules_match(&r, "priv/x.so");
	ck_assert_str_eq(m->reason, "hot-loadable");
	m = sv_rules_match(&r, "other/x.so");
	ck_assert_int_eq(m->level, SV_LEVEL_RESTART);
	ck_assert_str_eq(m->reason, "native code");
	m = sv_rules_match(&r, "lib/app/doc/overview.edoc");
	ck_assert_int_eq(m->level, SV_LEVEL_NONE);
	m = sv_rules_match(&r, "bin/unknown");
	ck_assert_int_eq(m->level, SV_LEVEL_RESTART);
	ck_assert_str_eq(m->reason, "no rule matches");
	sv_rules_add(&r, "x", SV_LEVEL_RELUP, NULL, false);
	ck_assert_str_eq(r.v[r.n - 1].reason, "rule x");
	sv_rules_release(&r);
}
END_TEST

static void
put(struct sv_index *idx, const char *path, enum sv_entry_type t,
    unsigned mode, unsigned char fill)
{
	struct sv_entry *ent;

	xgrow(&idx->v, &idx->alloc, idx->n + 1, sizeof(*idx->v));
	ent = &idx->v[idx->n++];
	memset(ent, 0, sizeof(*ent));
	ent->path = xstrdup(path);
	ent->type = t;
	ent->mode = mode;
	memset(ent->sha256, fill, sizeof(ent->sha256));
}

START_TEST(plan_kinds_and_required_level)
{
	struct sv_index a, b;
	struct sv_rules r;
	struct sv_plan p;
	struct sv_err e;

	sv_index_init(&a);
	sv_index_init(&b);
	sv_rules_init(&r);
	sv_plan_init(&p);
	sv_err_init(&e);
	/* both sorted by path */
	put(&a, "doc", SV_ENTRY_DIR, 0755, 0);
	put(&a, "doc/a.md", SV_ENTRY_FILE, 0644, 1);
	put(&a, "gone.txt", SV_ENTRY_FILE, 0644, 2);
	put(&a, "link", SV_ENTRY_FILE, 0644, 3);
	put(&a, "run", SV_ENTRY_FILE, 0644, 4);
	put(&a, "same", SV_ENTRY_FILE, 0644, 5);
	put(&b, "doc", SV_ENTRY_DIR, 0755, 0);
	put(&b, "doc/a.md", SV_ENTRY_FILE, 0644, 9);
	put(&b, "link", SV_ENTRY_SYMLINK, 0777, 3);
	put(&b, "new.so", SV_ENTRY_FILE, 0755, 6);
	put(&b, "run", SV_ENTRY_FILE, 0755, 4);
	put(&b, "same", SV_ENTRY_FILE, 0644, 5);
	sv_plan_diff(&p, &a, &b);
	ck_assert_uint_eq(p.n, 5);
	ck_assert_str_eq(p.v[0].path, "doc/a.md");
	ck_assert_int_eq(p.v[0].kind, SV_CHANGE_MODIFIED);
	ck_assert_int_eq(p.v[1].kind, SV_CHANGE_REMOVED);
	ck_assert_int_eq(p.v[2].kind, SV_CHANGE_TYPE);
	ck_assert_int_eq(p.v[3].kind, SV_CHANGE_ADDED);
	ck_assert_int_eq(p.v[4].kind, SV_CHANGE_MODE);
	sv_rules_add(&r, "gone.txt", SV_LEVEL_RELOAD, NULL, false);
	sv_rules_add(&r, "link", SV_LEVEL_RELUP, NULL, false);
	sv_rules_add(&r, "run", SV_LEVEL_RELUP, NULL, false);
	sv_rules_add_defaults(&r);
	ck_assert_int_eq(sv_plan_classify(&p, &a, &b, NULL, 0, &r, &e), SV_OK);
	ck_assert_int_eq(p.v[0].level, SV_LEVEL_NONE);
	ck_assert_int_eq(p.v[1].level, SV_LEVEL_RELOAD);
	ck_assert_int_eq(p.v[3].level, SV_LEVEL_RESTART);
	ck_assert_int_eq(p.required, SV_LEVEL_RESTART);
	ck_assert_str_eq(p.decisive->path, "new.so");
	sv_plan_release(&p);
	sv_rules_release(&r);
	sv_index_release(&a);
	sv_index_release(&b);
}
END_TEST

static int
fake_classify(void *self, struct sv_plan *p, const struct sv_index *o,
    const struct sv_index *n, struct sv_err *e)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (strcmp(p->v[i].path, self) == 0)
			sv_change_classify(&p->v[i], SV_LEVEL_RELOAD, "beam changed");
	return SV_OK;
}

START_TEST(classifiers_run_before_rules)
{
	struct sv_index a, b;
	struct sv_rules r;
	struct sv_plan p;
	struct sv_err e;
	struct sv_classifier c = { "fake", fake_classify, (void *)"m.beam" };

	sv_index_init(&a);
	sv_index_init(&b);
	sv_rules_init(&r);
	sv_plan_init(&p);
	sv_err_init(&e);
	put(&a, "m.beam", SV_ENTRY_FILE, 0644, 1);
	put(&b, "m.beam", SV_ENTRY_FILE, 0644, 2);
	sv_rules_add_defaults(&r);
	sv_plan_diff(&p, &a, &b);
	ck_assert_int_eq(sv_plan_classify(&p, &a, &b, &c, 1, &r, &e), SV_OK);
	ck_assert_int_eq(p.required, SV_LEVEL_RELOAD);
	ck_assert_str_eq(p.v[0].reason, "beam changed");
	sv_plan_release(&p);
	sv_rules_release(&r);
	sv_index_release(&a);
	sv_index_release(&b);
}
END_TEST

#define N(t) ((int)(sizeof(t) / sizeof((t)[0])))

Suite *
make_suite(void)
{
	Suite *s = suite_create("rules");
	TCase *tc = tcase_create("rules");

	tcase_add_loop_test(tc, glob_table, 0, N(globs));
	tcase_add_test(tc, first_match_wins_and_defaults_end_in_restart);
	tcase_add_test(tc, plan_kinds_and_required_level);
	tcase_add_test(tc, classifiers_run_before_rules);
	suite_add_tcase(s, tc);
	return s;
}
