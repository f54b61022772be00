/*
 * Unit tests for the index helpers: symlink containment, path quoting and
 * UTF-8 validation (src/core/index.c, src/base/quote.c, src/adapt/json.c).
 */
#include "config.h"

#include <string.h>

#include "adapt/json.h"
#include "base/quote.h"
#include "core/index.h"
#include "unit.h"

static const struct {
	const char *path, *target;
	bool inside;
} links[] = {
	{ "a", "b", true },
	{ "a", "./b", true },
	{ "a", "../b", false },
	{ "d/a", "../b", true },
	{ "d/a", "../../b", false },
	{ "d/e/a", "../../b", true },
	{ "d/a", "x/../../b", true },
	{ "d/a", "x/../../../b", false },
	{ "a", "/etc/passwd", false },
	{ "a", "", false },
	{ "d/a", "..", true },
	{ "d/a", "../..", false },
	{ "d/a", "x//y/./z", true },
};

START_TEST(symlink_containment)
{
	ck_assert_msg(sv_symlink_inside(links[_i].path, links[_i].target) ==
	    links[_i].inside, "%s -> %s", links[_i].path, links[_i].target);
}
END_TEST

static const struct {
	const char *in, *out;
} quotes[] = {
	{ "plain/path.beam", "plain/path.beam" },
	{ "with space", "with space" },
	{ "new\nline", "\"new\\nline\"" },
	{ "tab\there", "\"tab\\there\"" },
	{ "q\"uote", "\"q\\\"uote\"" },
	{ "back\\slash", "\"back\\\\slash\"" },
	{ "bad\xff", "\"bad\\377\"" },
	{ "caf\xc3\xa9", "caf\xc3\xa9" },
	{ "caf\xc3\xa9\n", "\"caf\xc3\xa9\\n\"" },
	{ "del\x7f", "\"del\\177\"" },
};

START_TEST(path_quoting)
{
	struct buf b;

	buf_init(&b);
	sv_quote_path(&b, quotes[_i].in);
	ck_assert_str_eq(b.s, quotes[_i].out);
	buf_release(&b);
}
END_TEST

START_TEST(utf8_validation)
{
	ck_assert(sv_utf8_valid("abc"));
	ck_assert(sv_utf8_valid("caf\xc3\xa9"));
	ck_assert(sv_utf8_valid("\xf0\x9f\x98\x80"));
	ck_assert(!sv_utf8_valid("\xff"));
	ck_assert(!sv_utf8_valid("\xc0\xaf"));         /* overlong */
	ck_assert(!sv_utf8_valid("\xed\xa0\x80"));     /* surrogate */
	ck_assert(!sv_utf8_valid("\xf4\x90\x80\x80")); /* past U+10FFFF */
	ck_assert(!sv_utf8_valid("\xc3"));             /* truncated */
}
END_TEST

START_TEST(json_bytes_round_trip_escapes)
{
	struct sv_json *o = sv_json_object();
	char *s;

	sv_json_set_bytes(o, "a", "x\xff\ny\"");
	sv_json_set_bytes(o, "b", "ok");
	s = sv_json_print(o);
	ck_assert_str_eq(s, "{\"a\":\"x\\udcff\\ny\\\"\",\"b\":\"ok\"}");
	free(s);
	sv_json_free(o);
}
END_TEST

#define N(t) ((int)(sizeof(t) / sizeof((t)[0])))

Suite *
make_suite(void)
{
	Suite *s = suite_create("index");
	TCase *tc = tcase_create("index");

	tcase_add_loop_test(tc, symlink_containment, 0, N(links));
	tcase_add_loop_test(tc, path_quoting, 0, N(quotes));
	tcase_add_test(tc, utf8_validation);
	tcase_add_test(tc, json_bytes_round_trip_escapes);
	suite_add_tcase(s, tc);
	return s;
}
