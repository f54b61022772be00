/*
 * str.h - small string helpers used across the layers.
 */
#ifndef SV_BASE_STR_H
#define SV_BASE_STR_H

#include <stdbool.h>

/* True if s ends with suffix (s itself may be the suffix). */
bool sv_str_ends_with(const char *s, const char *suffix);

/* A qsort comparator for an array of strings (char * or const char *),
 * in strcmp order. */
int sv_str_cmp(const void *a, const void *b);

#endif
