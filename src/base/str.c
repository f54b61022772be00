/*
 * str.c - small string helpers (see str.h).
 */
#include "config.h"

#include "base/str.h"

#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"

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

bool
sv_strset_has(const struct sv_strset *s, const char *x)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i], x) == 0)
			return true;
	return false;
}

bool
sv_strset_add(struct sv_strset *s, const char *x)
{
	if (sv_strset_has(s, x))
		return false;
	s->v = xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
	s->v[s->n++] = xstrdup(x);
	return true;
}

void
sv_strset_free(struct sv_strset *s)
{
	sv_strv_free(s->v, s->n);
	s->v = NULL;
	s->n = 0;
}

char *
sv_strset_join(const struct sv_strset *s, const char *sep)
{
	struct buf b;
	size_t i;

	buf_init(&b);
	for (i = 0; i < s->n; i++)
		buf_addf(&b, "%s%s", i ? sep : "", s->v[i]);
	return buf_detach(&b);
}
