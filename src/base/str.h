/*
 * str.h - small string helpers used across the layers.
 */
#ifndef SV_BASE_STR_H
#define SV_BASE_STR_H

#include <stdbool.h>
#include <stddef.h>

/* True if s ends with suffix (s itself may be the suffix). */
bool sv_str_ends_with(const char *s, const char *suffix);

/* A qsort comparator for an array of strings (char * or const char *),
 * in strcmp order. */
int sv_str_cmp(const void *a, const void *b);

/* A set of strings, in the order added (few: looked up by scanning). */
struct sv_strset {
	char **v;                /* owned */
	size_t n;
};

/* True if s holds x. */
bool sv_strset_has(const struct sv_strset *s, const char *x);

/* Add a copy of x unless s holds it; true if added. */
bool sv_strset_add(struct sv_strset *s, const char *x);

/* Free what s holds and make it empty. */
void sv_strset_free(struct sv_strset *s);

/* The strings of s in order, sep between them: a new string (the caller
 * frees it). */
char *sv_strset_join(const struct sv_strset *s, const char *sep);

#endif
