#include "config.h"

#include <stdint.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/xalloc.h"
#include "unit.h"

START_TEST(empty_buffer_is_printable)
{
	struct buf b;

	buf_init(&b);
	ck_assert_str_eq(b.s, "");
	ck_assert_uint_eq(b.len, 0);
	buf_release(&b);
	ck_assert_str_eq(b.s, "");
}
END_TEST

START_TEST(append_and_format)
{
	struct buf b;
	int i;

	buf_init(&b);
	buf_adds(&b, "a");
	buf_addc(&b, 'b');
	buf_addf(&b, "%d-%s", 42, "x");
	ck_assert_str_eq(b.s, "ab42-x");
	for (i = 0; i < 1000; i++)
		buf_addc(&b, 'z');
	ck_assert_uint_eq(b.len, 1006);
	buf_truncate(&b, 2);
	ck_assert_str_eq(b.s, "ab");
	buf_reset(&b);
	ck_assert_str_eq(b.s, "");
	buf_release(&b);
}
END_TEST

START_TEST(decimal_numbers_as_printf)
{
	static const int64_t v[] = { 0, 1, -1, 9, 10, -10, 1234567890123LL,
	    INT64_MAX, INT64_MIN };
	struct buf b, want;
	size_t i;

	buf_init(&b);
	buf_init(&want);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		buf_reset(&b);
		buf_reset(&want);
		buf_addi(&b, v[i]);
		buf_addf(&want, "%lld", (long long)v[i]);
		ck_assert_str_eq(b.s, want.s);
	}
	buf_reset(&b);
	buf_addu(&b, UINT64_MAX);
	ck_assert_str_eq(b.s, "18446744073709551615");
	buf_release(&b);
	buf_release(&want);
}
END_TEST

START_TEST(detach_hands_over)
{
	struct buf b;
	char *s;

	buf_init(&b);
	s = buf_detach(&b);
	ck_assert_str_eq(s, "");
	free(s);
	buf_adds(&b, "kept");
	s = buf_detach(&b);
	ck_assert_str_eq(s, "kept");
	ck_assert_str_eq(b.s, "");
	free(s);
}
END_TEST

START_TEST(errors_carry_status_and_hint)
{
	struct sv_err e;

	sv_err_init(&e);
	ck_assert_int_eq(e.status, SV_OK);
	ck_assert_int_eq(sv_err_set(&e, SV_INPUT, "cannot open '%s'", "x"),
	    SV_INPUT);
	ck_assert_str_eq(e.msg, "cannot open 'x'");
	ck_assert_str_eq(e.hint, "");
	ck_assert_int_eq(sv_err_hint(&e, "try %d", 1), SV_INPUT);
	ck_assert_str_eq(e.hint, "try 1");
}
END_TEST

START_TEST(xgrow_grows)
{
	int *v = NULL;
	size_t alloc = 0;

	xgrow(&v, &alloc, 3, sizeof(*v));
	ck_assert_uint_ge(alloc, 3);
	v[2] = 7;
	xgrow(&v, &alloc, 100, sizeof(*v));
	ck_assert_uint_ge(alloc, 100);
	ck_assert_int_eq(v[2], 7);
	free(v);
}
END_TEST

Suite *
make_suite(void)
{
	Suite *s = suite_create("buf");
	TCase *tc = tcase_create("buf");

	tcase_add_test(tc, empty_buffer_is_printable);
	tcase_add_test(tc, append_and_format);
	tcase_add_test(tc, decimal_numbers_as_printf);
	tcase_add_test(tc, detach_hands_over);
	tcase_add_test(tc, errors_carry_status_and_hint);
	tcase_add_test(tc, xgrow_grows);
	suite_add_tcase(s, tc);
	return s;
}
