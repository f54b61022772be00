/*
 * abstract.c - reading Erlang's abstract format (see abstract.h).
 */
#include "config.h"

#include "otp/abstract.h"

#define RESOLVE_DEPTH 32 /* variables bound to variables, at most */

bool
sv_abs_is(const struct sv_term *t, const char *tag, size_t n)
{
	return t != NULL && t->kind == SV_TERM_TUPLE && t->n >= 1 &&
	    (n == 0 || t->n == n) && sv_term_is_atom(t->v[0], tag);
}

bool
sv_abs_is_atom(const struct sv_term *t, const char *name)
{
	return sv_abs_is(t, "atom", 3) && t->v[2]->kind == SV_TERM_ATOM &&
	    (name == NULL || sv_term_is_atom(t->v[2], name));
}

const struct sv_term *
sv_abs_resolve(const struct sv_term *x, const struct sv_term *body)
{
	int depth;
	size_t i;

	for (depth = 0; depth < RESOLVE_DEPTH && sv_abs_is(x, "var", 3);
	    depth++) {
		const struct sv_term *found = NULL;

		for (i = 0; body != NULL && i < body->n && found == NULL; i++) {
			const struct sv_term *m = body->v[i];

			/* A = B = Expr binds A and B to Expr. */
			while (sv_abs_is(m, "match", 4) && found == NULL) {
				if (sv_abs_is(m->v[2], "var", 3) &&
				    sv_term_equal(m->v[2]->v[2], x->v[2]))
					found = m->v[3];
				m = m->v[3];
			}
		}
		if (found == NULL)
			return x;
		while (sv_abs_is(found, "match", 4))
			found = found->v[3];
		x = found;
	}
	return x;
}

const struct sv_term *
sv_abs_function(const struct sv_term *forms, const char *name,
    int64_t arity)
{
	size_t i;

	for (i = 0; forms != NULL && i < forms->n; i++) {
		const struct sv_term *f = forms->v[i];

		if (sv_abs_is(f, "function", 5) &&
		    sv_term_is_atom(f->v[2], name) &&
		    f->v[3]->kind == SV_TERM_INT && f->v[3]->i == arity &&
		    sv_term_is_list(f->v[4]))
			return f;
	}
	return NULL;
}
