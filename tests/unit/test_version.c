/*
 * Unit tests for the Smoothver version parser, comparator, transition
 * classifier and bumper (src/core/version.c). Data-driven: each table row
 * is one case, and failures name the row's input.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/version.h"
#include "unit.h"

/* ---- valid versions: input, prefix, canonical text ---- */

static const struct {
	const char *in, *prefix, *out;
	unsigned long long p0, p1, p2;
} valid[] = {
	{ "0.0.0", "v", "0.0.0", 0, 0, 0 },
	{ "1.2.3", "v", "1.2.3", 1, 2, 3 },
	{ "v1.2.3", "v", "1.2.3", 1, 2, 3 },
	{ "10.20.30", "v", "10.20.30", 10, 20, 30 },
	{ "1.4.2-rc.1+sha.5114f85", "v", "1.4.2-rc.1+sha.5114f85", 1, 4, 2 },
	{ "v1.4.2-rc.1+sha.5114f85", "v", "1.4.2-rc.1+sha.5114f85", 1, 4, 2 },
	{ "1.0.0-alpha", "", "1.0.0-alpha", 1, 0, 0 },
	{ "1.0.0-alpha.1", "", "1.0.0-alpha.1", 1, 0, 0 },
	{ "1.0.0-0.3.7", "", "1.0.0-0.3.7", 1, 0, 0 },
	{ "1.0.0-x.7.z.92", "", "1.0.0-x.7.z.92", 1, 0, 0 },
	{ "1.0.0-x-y-z.--", "", "1.0.0-x-y-z.--", 1, 0, 0 },
	{ "1.0.0+20130313144700", "", "1.0.0+20130313144700", 1, 0, 0 },
	{ "1.0.0-beta+exp.sha.5114f85", "", "1.0.0-beta+exp.sha.5114f85", 1, 0, 0 },
	{ "1.0.0+21AF26D3----117B344092BD", "", "1.0.0+21AF26D3----117B344092BD", 1, 0, 0 },
	{ "1.0.0+001", "", "1.0.0+001", 1, 0, 0 },
	{ "release-2.0.1", "release-", "2.0.1", 2, 0, 1 },
	{ "2.0.1", "release-", "2.0.1", 2, 0, 1 },
	{ "18446744073709551615.0.0", "", "18446744073709551615.0.0",
	  18446744073709551615ULL, 0, 0 },
	{ "1.2.3-0", "", "1.2.3-0", 1, 2, 3 },
	{ "1.2.3-0a", "", "1.2.3-0a", 1, 2, 3 },
	{ "1.2.3--", "", "1.2.3--", 1, 2, 3 },
};

START_TEST(parse_valid)
{
	struct sv_version v;
	struct sv_err e;
	struct buf b;

	sv_version_init(&v);
	sv_err_init(&e);
	buf_init(&b);
	ck_assert_msg(sv_version_parse(&v, valid[_i].in, valid[_i].prefix, &e)
	    == SV_OK, "'%s' rejected: %s", valid[_i].in, e.msg);
	sv_version_format(&v, &b);
	ck_assert_str_eq(b.s, valid[_i].out);
	ck_assert_uint_eq(v.part[0], valid[_i].p0);
	ck_assert_uint_eq(v.part[1], valid[_i].p1);
	ck_assert_uint_eq(v.part[2], valid[_i].p2);
	buf_release(&b);
	sv_version_release(&v);
}
END_TEST

/* ---- invalid versions: input, exact message ---- */

static const struct {
	const char *in, *msg;
} invalid[] = {
	{ "", "invalid version '': empty (expected RESTART.RELUP.RELOAD)" },
	{ "1", "invalid version '1': missing RELUP part at column 2 "
	  "(expected RESTART.RELUP.RELOAD)" },
	{ "1.2", "invalid version '1.2': missing RELOAD part at column 4 "
	  "(expected RESTART.RELUP.RELOAD)" },
	{ "1.2.", "invalid version '1.2.': missing RELOAD part at column 5 "
	  "(expected RESTART.RELUP.RELOAD)" },
	{ "1.2-rc.1", "invalid version '1.2-rc.1': missing RELOAD part at "
	  "column 4 (expected RESTART.RELUP.RELOAD)" },
	{ "1.2.3.4", "invalid version '1.2.3.4': extra part at column 7 "
	  "(expected RESTART.RELUP.RELOAD)" },
	{ "01.2.3", "invalid version '01.2.3': leading zero in RESTART part "
	  "at column 1" },
	{ "1.02.3", "invalid version '1.02.3': leading zero in RELUP part at "
	  "column 3" },
	{ "1.2.03", "invalid version '1.2.03': leading zero in RELOAD part at "
	  "column 5" },
	{ "v01.2.3", "invalid version 'v01.2.3': leading zero in RESTART part "
	  "at column 2" },
	{ "-1.2.3", "invalid version '-1.2.3': sign '-' not allowed at "
	  "column 1" },
	{ "+1.2.3", "invalid version '+1.2.3': sign '+' not allowed at "
	  "column 1" },
	{ "1.-2.3", "invalid version '1.-2.3': sign '-' not allowed at "
	  "column 3" },
	{ "18446744073709551616.0.0", "invalid version "
	  "'18446744073709551616.0.0': RESTART part too large at column 1 "
	  "(maximum 18446744073709551615)" },
	{ "1.99999999999999999999.0", "invalid version "
	  "'1.99999999999999999999.0': RELUP part too large at column 3 "
	  "(maximum 18446744073709551615)" },
	{ "1.2.3-", "invalid version '1.2.3-': empty pre-release identifier "
	  "at column 7" },
	{ "1.2.3-rc..1", "invalid version '1.2.3-rc..1': empty pre-release "
	  "identifier at column 10" },
	{ "1.2.3-rc.", "invalid version '1.2.3-rc.': empty pre-release "
	  "identifier at column 10" },
	{ "1.2.3+", "invalid version '1.2.3+': empty build metadata "
	  "identifier at column 7" },
	{ "1.2.3+a..b", "invalid version '1.2.3+a..b': empty build metadata "
	  "identifier at column 9" },
	{ "1.2.3-01", "invalid version '1.2.3-01': leading zero in numeric "
	  "pre-release identifier '01' at column 7" },
	{ "1.2.3-rc.01", "invalid version '1.2.3-rc.01': leading zero in "
	  "numeric pre-release identifier '01' at column 10" },
	{ "1.2.3-rc_1", "invalid version '1.2.3-rc_1': unexpected '_' in "
	  "pre-release at column 9 (expected [0-9A-Za-z-] or '.')" },
	{ "1.2.3+b@1", "invalid version '1.2.3+b@1': unexpected '@' in build "
	  "metadata at column 8 (expected [0-9A-Za-z-] or '.')" },
	{ "1.2.3+a+b", "invalid version '1.2.3+a+b': unexpected '+' in build "
	  "metadata at column 8 (expected [0-9A-Za-z-] or '.')" },
	{ "x.2.3", "invalid version 'x.2.3': expected a digit for the RESTART "
	  "part at column 1, found 'x'" },
	{ "1.x.3", "invalid version '1.x.3': expected a digit for the RELUP "
	  "part at column 3, found 'x'" },
	{ "1.2.3 ", "invalid version '1.2.3 ': unexpected ' ' at column 6" },
	{ " 1.2.3", "invalid version ' 1.2.3': expected a digit for the "
	  "RESTART part at column 1, found ' '" },
	{ "1.2.3x", "invalid version '1.2.3x': unexpected 'x' at column 6" },
	{ "1,2,3", "invalid version '1,2,3': unexpected ',' at column 2" },
	{ "vv1.2.3", "invalid version 'vv1.2.3': expected a digit for the "
	  "RESTART part at column 2, found 'v'" },
	{ "1.2.3-\xc3\xa9", "invalid version '1.2.3-\xc3\xa9': unexpected "
	  "byte 0xc3 in pre-release at column 7 (expected [0-9A-Za-z-] or '.')" },
	{ "V1.2.3", "invalid version 'V1.2.3': expected a digit for the "
	  "RESTART part at column 1, found 'V'" },
};

START_TEST(parse_invalid)
{
	struct sv_version v;
	struct sv_err e;

	sv_version_init(&v);
	sv_err_init(&e);
	ck_assert_msg(sv_version_parse(&v, invalid[_i].in, "v", &e) == SV_INPUT,
	    "'%s' accepted", invalid[_i].in);
	ck_assert_str_eq(e.msg, invalid[_i].msg);
	ck_assert_ptr_null(v.pre);
	ck_assert_ptr_null(v.build);
	sv_version_release(&v);
}
END_TEST

/* ---- precedence: each row lower than the next (SemVer 2.0 §11) ---- */

static const char *const ascending[] = {
	"0.0.0", "0.0.1", "0.1.0",
	"1.0.0-0", "1.0.0-1", "1.0.0-2", "1.0.0-10",
	"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
	"1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0",
	"1.0.1", "1.1.0", "1.9.0", "1.10.0", "2.0.0", "2.1.0", "2.1.1",
	"10.0.0", "18446744073709551615.0.0",
};

static void
parse_ok(struct sv_version *v, const char *s)
{
	struct sv_err e;

	sv_err_init(&e);
	ck_assert_msg(sv_version_parse(v, s, "v", &e) == SV_OK, "%s: %s", s,
	    e.msg);
}

START_TEST(precedence_ascending)
{
	size_t n = sizeof(ascending) / sizeof(ascending[0]), j;
	struct sv_version a, b;

	sv_version_init(&a);
	sv_version_init(&b);
	parse_ok(&a, ascending[_i]);
	for (j = 0; j < n; j++) {
		int want = (size_t)_i < j ? -1 : ((size_t)_i > j ? 1 : 0);

		parse_ok(&b, ascending[j]);
		ck_assert_msg(sv_version_cmp(&a, &b) == want,
		    "cmp(%s, %s) != %d", ascending[_i], ascending[j], want);
	}
	sv_version_release(&a);
	sv_version_release(&b);
}
END_TEST

START_TEST(build_metadata_is_ignored)
{
	struct sv_version a, b;

	sv_version_init(&a);
	sv_version_init(&b);
	parse_ok(&a, "1.2.3+a");
	parse_ok(&b, "1.2.3+b.2");
	ck_assert_int_eq(sv_version_cmp(&a, &b), 0);
	parse_ok(&a, "1.2.3-rc.1+x");
	parse_ok(&b, "1.2.3-rc.1");
	ck_assert_int_eq(sv_version_cmp(&a, &b), 0);
	sv_version_release(&a);
	sv_version_release(&b);
}
END_TEST

/* ---- transitions: from, to, kind, level ---- */

static const struct {
	const char *from, *to;
	enum sv_transition_kind kind;
	enum sv_level level;
} transitions[] = {
	{ "1.2.3", "1.2.3", SV_T_SAME, SV_LEVEL_NONE },
	{ "1.2.3+a", "1.2.3+b", SV_T_SAME, SV_LEVEL_NONE },
	{ "v1.2.3", "1.2.3", SV_T_SAME, SV_LEVEL_NONE },
	{ "1.2.3", "1.2.4", SV_T_RELOAD, SV_LEVEL_RELOAD },
	{ "1.2.3", "1.2.10", SV_T_RELOAD, SV_LEVEL_RELOAD },
	{ "1.2.3", "1.3.0", SV_T_RELUP, SV_LEVEL_RELUP },
	{ "1.2.3", "1.3.7", SV_T_RELUP, SV_LEVEL_RELUP },
	{ "1.2.3", "2.0.0", SV_T_RESTART, SV_LEVEL_RESTART },
	{ "1.2.3", "2.5.1", SV_T_RESTART, SV_LEVEL_RESTART },
	{ "1.2.4", "1.2.3", SV_T_DOWNGRADE, SV_LEVEL_RELOAD },
	{ "1.3.0", "1.2.3", SV_T_DOWNGRADE, SV_LEVEL_RELUP },
	{ "2.0.0", "1.9.9", SV_T_DOWNGRADE, SV_LEVEL_RESTART },
	/* pre-release to pre-release of the same version: its own level */
	{ "1.2.3-rc.1", "1.2.3-rc.2", SV_T_RELOAD, SV_LEVEL_RELOAD },
	{ "1.3.0-rc.1", "1.3.0-rc.2", SV_T_RELUP, SV_LEVEL_RELUP },
	{ "2.0.0-rc.1", "2.0.0-rc.2", SV_T_RESTART, SV_LEVEL_RESTART },
	{ "0.0.0-a", "0.0.0-b", SV_T_RESTART, SV_LEVEL_RESTART },
	/* pre-release to its release */
	{ "1.2.3-rc.1", "1.2.3", SV_T_RELOAD, SV_LEVEL_RELOAD },
	{ "1.3.0-rc.2", "1.3.0", SV_T_RELUP, SV_LEVEL_RELUP },
	{ "2.0.0-beta", "2.0.0", SV_T_RESTART, SV_LEVEL_RESTART },
	/* release to its own pre-release is a downgrade */
	{ "1.3.0", "1.3.0-rc.1", SV_T_DOWNGRADE, SV_LEVEL_RELUP },
	{ "1.3.0-rc.2", "1.3.0-rc.1", SV_T_DOWNGRADE, SV_LEVEL_RELUP },
	/* from a pre-release, its release is crossed on the way */
	{ "1.3.0-rc.1", "1.3.1", SV_T_RELUP, SV_LEVEL_RELUP },
	{ "2.0.0-rc.1", "2.0.5", SV_T_RESTART, SV_LEVEL_RESTART },
	{ "1.2.3-rc.1", "1.2.4", SV_T_RELOAD, SV_LEVEL_RELOAD },
	{ "1.2.9-rc.1", "1.3.0", SV_T_RELUP, SV_LEVEL_RELUP },
	/* to a pre-release of a later version: the parts decide */
	{ "1.2.3", "1.2.4-rc.1", SV_T_RELOAD, SV_LEVEL_RELOAD },
	{ "1.2.3", "1.3.0-rc.1", SV_T_RELUP, SV_LEVEL_RELUP },
	{ "1.2.3", "2.0.0-rc.1", SV_T_RESTART, SV_LEVEL_RESTART },
	{ "1.3.1", "1.3.0-rc.1", SV_T_DOWNGRADE, SV_LEVEL_RELUP },
};

START_TEST(transition_table)
{
	struct sv_version a, b;
	struct sv_transition t;

	sv_version_init(&a);
	sv_version_init(&b);
	parse_ok(&a, transitions[_i].from);
	parse_ok(&b, transitions[_i].to);
	sv_transition_of(&a, &b, &t);
	ck_assert_msg(t.kind == transitions[_i].kind &&
	    t.level == transitions[_i].level, "%s -> %s: got %s/%s",
	    transitions[_i].from, transitions[_i].to,
	    sv_transition_name(t.kind), sv_level_name(t.level));
	ck_assert(sv_transition_is_live(&t) == (t.kind == SV_T_RELOAD ||
	    t.kind == SV_T_RELUP));
	sv_version_release(&a);
	sv_version_release(&b);
}
END_TEST

/* ---- bump: version, level, result (NULL: overflow error) ---- */

static const struct {
	const char *in;
	enum sv_level level;
	const char *out;
} bumps[] = {
	{ "1.2.3", SV_LEVEL_RELOAD, "1.2.4" },
	{ "1.2.3", SV_LEVEL_RELUP, "1.3.0" },
	{ "1.2.3", SV_LEVEL_RESTART, "2.0.0" },
	{ "0.0.0", SV_LEVEL_RELOAD, "0.0.1" },
	{ "1.2.3+build.7", SV_LEVEL_RELOAD, "1.2.4" },
	{ "1.2.3-rc.1", SV_LEVEL_RELOAD, "1.2.3" },
	{ "1.2.3-rc.1", SV_LEVEL_RELUP, "1.3.0" },
	{ "1.3.0-rc.1", SV_LEVEL_RELOAD, "1.3.0" },
	{ "1.3.0-rc.1", SV_LEVEL_RELUP, "1.3.0" },
	{ "1.3.0-rc.1", SV_LEVEL_RESTART, "2.0.0" },
	{ "2.0.0-rc.1+b", SV_LEVEL_RESTART, "2.0.0" },
	{ "1.2.18446744073709551615", SV_LEVEL_RELUP, "1.3.0" },
	{ "1.2.18446744073709551615", SV_LEVEL_RELOAD, NULL },
	{ "18446744073709551615.0.0", SV_LEVEL_RESTART, NULL },
};

START_TEST(bump_table)
{
	struct sv_version a, b;
	struct sv_err e;
	struct buf s;
	int rc;

	sv_version_init(&a);
	sv_version_init(&b);
	sv_err_init(&e);
	buf_init(&s);
	parse_ok(&a, bumps[_i].in);
	rc = sv_version_bump(&a, bumps[_i].level, &b, &e);
	if (bumps[_i].out == NULL) {
		ck_assert_int_eq(rc, SV_INPUT);
		ck_assert_msg(strstr(e.msg, "would overflow") != NULL, "%s",
		    e.msg);
	} else {
		ck_assert_int_eq(rc, SV_OK);
		sv_version_format(&b, &s);
		ck_assert_str_eq(s.s, bumps[_i].out);
		/* the bumped version is always greater */
		ck_assert_int_lt(sv_version_cmp(&a, &b), 0);
	}
	buf_release(&s);
	sv_version_release(&a);
	sv_version_release(&b);
}
END_TEST

START_TEST(levels_round_trip)
{
	enum sv_level l;

	ck_assert(sv_level_parse("reload", false, &l) && l == SV_LEVEL_RELOAD);
	ck_assert(sv_level_parse("relup", false, &l) && l == SV_LEVEL_RELUP);
	ck_assert(sv_level_parse("restart", false, &l) && l == SV_LEVEL_RESTART);
	ck_assert(!sv_level_parse("none", false, &l));
	ck_assert(sv_level_parse("none", true, &l) && l == SV_LEVEL_NONE);
	ck_assert(!sv_level_parse("RELOAD", true, &l));
	ck_assert(!sv_level_parse("major", true, &l));
	ck_assert_str_eq(sv_level_name(SV_LEVEL_RELUP), "relup");
}
END_TEST

START_TEST(copy_is_deep)
{
	struct sv_version a, b;

	sv_version_init(&a);
	sv_version_init(&b);
	parse_ok(&a, "1.2.3-rc.1+x");
	sv_version_copy(&b, &a);
	sv_version_release(&a);
	ck_assert_str_eq(b.pre, "rc.1");
	ck_assert_str_eq(b.build, "x");
	sv_version_release(&b);
}
END_TEST

#define N(t) ((int)(sizeof(t) / sizeof((t)[0])))

Suite *
make_suite(void)
{
	Suite *s = suite_create("version");
	TCase *tc = tcase_create("version");

	tcase_add_loop_test(tc, parse_valid, 0, N(valid));
	tcase_add_loop_test(tc, parse_invalid, 0, N(invalid));
	tcase_add_loop_test(tc, precedence_ascending, 0, N(ascending));
	tcase_add_test(tc, build_metadata_is_ignored);
	tcase_add_loop_test(tc, transition_table, 0, N(transitions));
	tcase_add_loop_test(tc, bump_table, 0, N(bumps));
	tcase_add_test(tc, levels_round_trip);
	tcase_add_test(tc, copy_is_deep);
	suite_add_tcase(s, tc);
	return s;
}
