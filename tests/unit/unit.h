/*
 * unit.h - shared main() for the check unit tests.
 *
 * Each test file defines make_suite(); TAP output comes from check itself
 * when CK_TAP_LOG_FILE_NAME is set (make check sets it to "-").
 */
#ifndef SV_UNIT_H
#define SV_UNIT_H

#include <check.h>
#include <stdlib.h>

Suite *make_suite(void);

int
main(void)
{
	SRunner *sr = srunner_create(make_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
