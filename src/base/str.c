/*
 * str.c - small string helpers (see str.h).
 */
#include "config.h"

#include "base/str.h"

#include <string.h>

bool
sv_str_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

int
sv_str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}
