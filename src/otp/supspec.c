/*
 * supspec.c - a supervisor's children from its abstract code (see
 * supspec.h). The abstract format is erl_parse's: {function, A, Name,
 * Arity, Clauses}, {clause, A, Patterns, Guards, Body}, {match, A, P, E},
 * {var, A, Name}, {tuple, A, Es}, {cons, A, H, T}, {nil, A}, {map, A,
 * Assocs}, {map_field_assoc, A, K, V}, {call, A, F, Args}, {op, A, Op, L,
 * R}, {atom, A, V}, {integer, A, V}, {string, A, S}, ...
 */
#include "config.h"

#include "otp/supspec.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/outfile.h"
#include "base/xalloc.h"
#include "otp/abstract.h"
#include "otp/beam.h"
#include "otp/supspec_int.h"

void
sv_otp_supspec_init(struct sv_otp_supspec *s)
{
	memset(s, 0, sizeof(*s));
}

void
sv_otp_supspec_release(struct sv_otp_supspec *s)
{
	size_t i;

	free(s->why);
	free(s->refwhy);
	sv_term_free(s->ref);
	for (i = 0; i < s->nids; i++)
		sv_term_free(s->ids[i]);
	free(s->ids);
	sv_otp_supspec_init(s);
}

/* The Erlang term a literal expression stands for; NULL if it is not
 * one. */
static struct sv_term *
literal(const struct sv_term *x)
{
	struct sv_term *t, *c;
	size_t i;

	if (sv_abs_is(x, "atom", 3) || sv_abs_is(x, "integer", 3) ||
	    sv_abs_is(x, "char", 3) ||
	    sv_abs_is(x, "float", 3) || sv_abs_is(x, "string", 3))
		return sv_term_copy(x->v[2]);
	if (sv_abs_is(x, "nil", 2))
		return sv_term_list();
	if (sv_abs_is(x, "tuple", 3) && sv_term_is_list(x->v[2])) {
		t = sv_term_tuple();
		for (i = 0; i < x->v[2]->n; i++) {
			if ((c = literal(x->v[2]->v[i])) == NULL) {
				sv_term_free(t);
				return NULL;
			}
			sv_term_push(t, c);
		}
		return t;
	}
	if (sv_abs_is(x, "cons", 4)) {
		t = sv_term_list();
		while (sv_abs_is(x, "cons", 4)) {
			if ((c = literal(x->v[2])) == NULL) {
				sv_term_free(t);
				return NULL;
			}
			sv_term_push(t, c);
			x = x->v[3];
		}
		if (!sv_abs_is(x, "nil", 2)) {
			sv_term_free(t);
			return NULL;
		}
		return t;
	}
	return NULL;
}

/* The id of the child spec expression x; NULL with *why if it cannot be
 * told. */
static struct sv_term *
spec_id(const struct sv_term *x, const struct sv_term *body,
    const char **why)
{
	struct sv_term *id;
	size_t i;

	x = sv_abs_resolve(x, body);
	if (sv_abs_is(x, "map", 3) && sv_term_is_list(x->v[2])) {
		for (i = 0; i < x->v[2]->n; i++) {
			const struct sv_term *a = x->v[2]->v[i];

			if (!sv_abs_is(a, "map_field_assoc", 4) ||
			    !sv_abs_is_atom(a->v[2], "id"))
				continue;
			id = literal(sv_abs_resolve(a->v[3], body));
			if (id == NULL)
				*why = "a child's id is computed, not "
				    "written out";
			return id;
		}
		*why = "a child spec map has no id";
		return NULL;
	}
	if (sv_abs_is(x, "tuple", 3) && sv_term_is_list(x->v[2]) &&
	    x->v[2]->n == 6) {
		if ((id = literal(sv_abs_resolve(x->v[2]->v[0], body))) == NULL)
			*why = "a child's id is computed, not written out";
		return id;
	}
	*why = "a child spec is not a map or tuple written in init/1 (a "
	    "function builds it)";
	return NULL;
}

/* Append the ids of the child list expression x to *ids; false with
 * *why if it cannot be told. */
static bool
children(const struct sv_term *x, const struct sv_term *body,
    struct sv_term ***ids, size_t *n, const char **why)
{
	x = sv_abs_resolve(x, body);
	while (sv_abs_is(x, "cons", 4)) {
		struct sv_term *id = spec_id(x->v[2], body, why);

		if (id == NULL)
			return false;
		*ids = xrealloc(*ids, (*n + 1) * sizeof(**ids));
		(*ids)[(*n)++] = id;
		x = sv_abs_resolve(x->v[3], body);
	}
	if (sv_abs_is(x, "nil", 2))
		return true;
	if (sv_abs_is(x, "op", 5) && sv_term_is_atom(x->v[2], "++"))
		return children(x->v[3], body, ids, n, why) &&
		    children(x->v[4], body, ids, n, why);
	*why = "init/1's child list is not written out (it is computed)";
	return false;
}

/* Whether the supervisor flags expression x says simple_one_for_one. */
static bool
flags_simple(const struct sv_term *x, const struct sv_term *body)
{
	size_t i;

	x = sv_abs_resolve(x, body);
	if (sv_abs_is(x, "map", 3) && sv_term_is_list(x->v[2])) {
		for (i = 0; i < x->v[2]->n; i++) {
			const struct sv_term *a = x->v[2]->v[i];

			if (sv_abs_is(a, "map_field_assoc", 4) &&
			    sv_abs_is_atom(a->v[2], "strategy"))
				return sv_abs_is_atom(
				    sv_abs_resolve(a->v[3], body),
				    "simple_one_for_one");
		}
		return false;
	}
	if (sv_abs_is(x, "tuple", 3) && sv_term_is_list(x->v[2]) &&
	    x->v[2]->n == 3)
		return sv_abs_is_atom(sv_abs_resolve(x->v[2]->v[0], body),
		    "simple_one_for_one");
	return false;
}

void
ss_free_ids(struct sv_term **ids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		sv_term_free(ids[i]);
	free(ids);
}

/* Whether a[0..na) and b[0..nb) are the same ids in the same order. */
static bool
same_ids(struct sv_term **a, size_t na, struct sv_term **b, size_t nb)
{
	size_t i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (!sv_term_equal(a[i], b[i]))
			return false;
	return true;
}

bool
ss_take_ids(struct sv_otp_supspec *s, struct sv_term **ids, size_t n,
    bool *seen)
{
	bool same;

	if (!*seen) {
		s->ids = ids;
		s->nids = n;
		*seen = true;
		return true;
	}
	same = same_ids(ids, n, s->ids, s->nids);
	ss_free_ids(ids, n);
	return same;
}

void
ss_forget_ids(struct sv_otp_supspec *s)
{
	ss_free_ids(s->ids, s->nids);
	s->ids = NULL;
	s->nids = 0;
	s->simple = false;
}

/* The children of init/1's clauses into s. */
static void
read_init(struct sv_otp_supspec *s, const struct sv_term *forms)
{
	const struct sv_term *fn = NULL;
	const char *why = NULL;
	bool seen = false;
	size_t i;

	for (i = 0; i < forms->n && fn == NULL; i++)
		if (sv_abs_is(forms->v[i], "function", 5) &&
		    sv_term_is_atom(forms->v[i]->v[2], "init") &&
		    forms->v[i]->v[3]->kind == SV_TERM_INT &&
		    forms->v[i]->v[3]->i == 1)
			fn = forms->v[i];
	if (fn == NULL || !sv_term_is_list(fn->v[4])) {
		s->why = xstrdup("it has no init/1");
		return;
	}
	for (i = 0; i < fn->v[4]->n; i++) {
		const struct sv_term *cl = fn->v[4]->v[i], *body, *r, *in;
		struct sv_term **ids = NULL;
		size_t n = 0;
		bool simple, first;

		if (!sv_abs_is(cl, "clause", 5) || !sv_term_is_list(cl->v[4]) ||
		    cl->v[4]->n == 0) {
			why = "init/1 has a clause smoothver cannot read";
			goto unknown;
		}
		body = cl->v[4];
		r = sv_abs_resolve(body->v[body->n - 1], body);
		if (sv_abs_is_atom(r, "ignore"))
			continue;
		if (!sv_abs_is(r, "tuple", 3) || !sv_term_is_list(r->v[2]) ||
		    r->v[2]->n != 2 || !sv_abs_is_atom(r->v[2]->v[0], "ok") ||
		    !sv_abs_is((in = sv_abs_resolve(r->v[2]->v[1], body)),
		    "tuple", 3) ||
		    !sv_term_is_list(in->v[2]) || in->v[2]->n != 2) {
			why = "init/1 does not end in {ok, {Flags, Children}} "
			    "written out (a case, or a call, decides it)";
			goto unknown;
		}
		simple = flags_simple(in->v[2]->v[0], body);
		if (!children(in->v[2]->v[1], body, &ids, &n, &why)) {
			ss_free_ids(ids, n);
			goto unknown;
		}
		first = !seen;
		if (!ss_take_ids(s, ids, n, &seen) ||
		    (!first && simple != s->simple)) {
			why = "init/1's clauses declare different children";
			goto unknown;
		}
		s->simple = simple;
	}
	s->known = true;
	return;
unknown:
	ss_forget_ids(s);
	s->why = xstrdup(why);
}

/* Calls supervisor:start_link(Name, Self, Args) below t: the name, into
 * s->ref (or s->refwhy). */
static void
find_ref(struct sv_otp_supspec *s, const struct sv_term *t, const char *self,
    int *found)
{
	size_t i;

	if (t == NULL)
		return;
	if (sv_abs_is(t, "call", 4) && sv_abs_is(t->v[2], "remote", 4) &&
	    sv_abs_is_atom(t->v[2]->v[2], "supervisor") &&
	    sv_abs_is_atom(t->v[2]->v[3], "start_link") &&
	    sv_term_is_list(t->v[3])) {
		const struct sv_term *args = t->v[3];
		struct sv_term *name = NULL;

		if (args->n == 2 && sv_abs_is_atom(args->v[0], self)) {
			if (*found == 0) {
				free(s->refwhy);
				s->refwhy = xstrdup("it is started without a "
				    "name (supervisor:start_link/2), so no "
				    "instruction can reach it");
			}
			return;
		}
		if (args->n != 3 || !sv_abs_is_atom(args->v[1], self))
			return;
		if ((name = literal(args->v[0])) == NULL ||
		    name->kind != SV_TERM_TUPLE || name->n < 2) {
			sv_term_free(name);
			free(s->refwhy);
			s->refwhy = xstrdup("it is registered under a name "
			    "computed at run time");
			*found = -1;
			return;
		}
		if (sv_term_is_atom(name->v[0], "local") && name->n == 2) {
			struct sv_term *atom = sv_term_copy(name->v[1]);

			sv_term_free(name);
			name = atom;
		}
		if (*found == 0) {
			s->ref = name;
			*found = 1;
		} else if (*found == 1 && !sv_term_equal(s->ref, name)) {
			sv_term_free(s->ref);
			sv_term_free(name);
			s->ref = NULL;
			free(s->refwhy);
			s->refwhy = xstrdup("it is started under several names");
			*found = -1;
		} else {
			sv_term_free(name);
		}
		return;
	}
	if (t->kind == SV_TERM_TUPLE || t->kind == SV_TERM_LIST)
		for (i = 0; i < t->n; i++)
			find_ref(s, t->v[i], self, found);
}

int
sv_otp_supspec_app_read(struct sv_otp_supspec *s, const void *beam,
    size_t len, const char *name, struct sv_err *e)
{
	return ss_read_elixir(s, beam, len, name, true, "it is not an Elixir "
	    "module", e);
}

int
sv_otp_supspec_app_load(struct sv_otp_supspec *s, const char *path,
    struct sv_err *e)
{
	struct buf data;
	int status;

	buf_init(&data);
	if ((status = sv_read_file(path, &data, SV_BEAM_MAX, e)) == SV_OK)
		status = sv_otp_supspec_app_read(s, data.s, data.len, path, e);
	buf_release(&data);
	return status;
}

int
sv_otp_supspec_read(struct sv_otp_supspec *s, const void *beam, size_t len,
    const char *name, struct sv_err *e)
{
	struct sv_term *debug = NULL;
	const struct sv_term *forms;
	const char *why, *self = NULL;
	int status, found = 0;
	size_t i;

	if ((status = sv_beam_abstract_code(beam, len, name, &debug, &forms,
	    &why, e)))
		return status;
	if (forms == NULL)
		return ss_read_elixir(s, beam, len, name, false, why, e);
	for (i = 0; i < forms->n && self == NULL; i++)
		if (sv_abs_is(forms->v[i], "attribute", 4) &&
		    sv_term_is_atom(forms->v[i]->v[2], "module") &&
		    forms->v[i]->v[3]->kind == SV_TERM_ATOM)
			self = forms->v[i]->v[3]->s;
	read_init(s, forms);
	if (self != NULL)
		find_ref(s, forms, self, &found);
	if (s->ref == NULL && s->refwhy == NULL)
		s->refwhy = xstrdup("no supervisor:start_link/3 call in the "
		    "module names it");
	sv_term_free(debug);
	return SV_OK;
}

int
sv_otp_supspec_load(struct sv_otp_supspec *s, const char *path,
    struct sv_err *e)
{
	struct buf data;
	int status;

	buf_init(&data);
	if ((status = sv_read_file(path, &data, SV_BEAM_MAX, e)) == SV_OK)
		status = sv_otp_supspec_read(s, data.s, data.len, path, e);
	buf_release(&data);
	return status;
}

bool
sv_otp_supspec_has(const struct sv_otp_supspec *s, const struct sv_term *id)
{
	size_t i;

	for (i = 0; i < s->nids; i++)
		if (sv_term_equal(s->ids[i], id))
			return true;
	return false;
}
