#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <string.h>

#include "adapt/lazy.h"
#include "base/err.h"
#include "unit.h"

/* Declared here by hand: the tests include no third-party headers. */
static unsigned long (*version_num)(void);

static void *slot;

START_TEST(missing_library_is_a_clear_error)
{
	static const struct sv_lazy_sym syms[] = {
		{ "anything", &slot },
	};
	static struct sv_lazy_lib lib =
	    SV_LAZY_LIB("libsmoothver-no-such-library.so.0", syms);
	const char *want = "cannot load libsmoothver-no-such-library.so.0: ";
	struct sv_err e;
	char first[sizeof(e.msg)];

	sv_err_init(&e);
	ck_assert_int_eq(sv_lazy_load(&lib, &e), SV_INPUT);
	ck_assert_int_eq(e.status, SV_INPUT);
	ck_assert_msg(strncmp(e.msg, want, strlen(want)) == 0, "got '%s'",
	    e.msg);
	/* The reason follows once, not the name again, and no period. */
	ck_assert_ptr_null(strstr(e.msg + strlen(want),
	    "libsmoothver-no-such-library"));
	ck_assert_uint_gt(strlen(e.msg), strlen(want));
	ck_assert_int_ne(e.msg[strlen(e.msg) - 1], '.');
	ck_assert_ptr_null(slot);
	strcpy(first, e.msg);

	/* A failure is final: the same error again, nothing retried. */
	sv_err_init(&e);
	ck_assert_int_eq(sv_lazy_load(&lib, &e), SV_INPUT);
	ck_assert_str_eq(e.msg, first);
}
END_TEST

START_TEST(missing_symbol_is_a_clear_error)
{
	static void *found, *missing;
	static const struct sv_lazy_sym syms[] = {
		{ "EVP_Digest", &found },
		{ "sv_no_such_symbol", &missing },
	};
	static struct sv_lazy_lib lib = SV_LAZY_LIB(SV_SONAME_LIBCRYPTO,
	    syms);
	const char *want = "cannot load " SV_SONAME_LIBCRYPTO ": ";
	struct sv_err e;

	sv_err_init(&e);
	ck_assert_int_eq(sv_lazy_load(&lib, &e), SV_INPUT);
	ck_assert_msg(strncmp(e.msg, want, strlen(want)) == 0, "got '%s'",
	    e.msg);
	ck_assert_ptr_nonnull(strstr(e.msg, "sv_no_such_symbol"));
}
END_TEST

static const struct sv_lazy_sym crypto_syms[] = {
	{ "OpenSSL_version_num", (void **)&version_num },
};
static struct sv_lazy_lib crypto = SV_LAZY_LIB(SV_SONAME_LIBCRYPTO,
    crypto_syms);

/* arg back if crypto is loaded and its symbol resolved, else NULL. */
static void *
load_crypto(void *arg)
{
	struct sv_err e;

	sv_err_init(&e);
	if (sv_lazy_load(&crypto, &e) != SV_OK || version_num == NULL)
		return NULL;
	return arg;
}

START_TEST(loads_once_from_many_threads)
{
	pthread_t tid[8];
	int token[8];
	void *got[8];
	size_t i;
	struct sv_err e;

	for (i = 0; i < 8; i++)
		ck_assert_int_eq(pthread_create(&tid[i], NULL, load_crypto,
		    &token[i]), 0);
	for (i = 0; i < 8; i++)
		ck_assert_int_eq(pthread_join(tid[i], &got[i]), 0);
	for (i = 0; i < 8; i++)
		ck_assert_ptr_eq(got[i], &token[i]);
	/* OpenSSL 3 or later, as configure required. */
	ck_assert_uint_ge(version_num(), 0x30000000UL);
	sv_err_init(&e);
	ck_assert_int_eq(sv_lazy_load(&crypto, &e), SV_OK);
	ck_assert_int_eq(e.status, SV_OK);
}
END_TEST

START_TEST(need_aborts_on_failure)
{
	static const struct sv_lazy_sym syms[] = {
		{ "anything", &slot },
	};
	static struct sv_lazy_lib lib =
	    SV_LAZY_LIB("libsmoothver-no-such-library.so.0", syms);

	sv_lazy_need(&lib);
}
END_TEST

Suite *
make_suite(void)
{
	Suite *s = suite_create("lazy");
	TCase *tc = tcase_create("lazy");

	tcase_add_test(tc, missing_library_is_a_clear_error);
	tcase_add_test(tc, missing_symbol_is_a_clear_error);
	tcase_add_test(tc, loads_once_from_many_threads);
	tcase_add_test_raise_signal(tc, need_aborts_on_failure, SIGABRT);
	suite_add_tcase(s, tc);
	return s;
}
