/*
 * supspec_ex.c - a supervisor's children from Elixir's debug info (see
 * supspec.h; supspec.c reads Erlang's abstract code).
 *
 * Elixir keeps its own AST in the Dbgi chunk (otp/beam.h): a variable is
 * {Name, Meta, Context}, a call Mod.fun(Args) {{'.', Meta, [Mod, fun]},
 * Meta, Args}, a match {'=', Meta, [Left, Right]}, a block {'__block__',
 * Meta, Exprs}, a map {'%{}', Meta, Pairs}, a tuple of other than two
 * elements {'{}', Meta, Elements}; literals (atoms, numbers, binaries,
 * lists, two-tuples) stand for themselves. A module supervisor's init/1
 * ends in Supervisor.init(Children, Opts); a child spec is a module (its
 * child_spec/1's id is the module, unless it says otherwise), {Module,
 * Arg}, a map with an id, or Supervisor.child_spec(Spec, id: Id).
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "otp/beam.h"
#include "otp/supspec_int.h"

/* The value of the atom key in the map m, or NULL. */
static const struct sv_term *
map_get(const struct sv_term *m, const char *key)
{
	size_t i;

	for (i = 0; m != NULL && m->kind == SV_TERM_MAP && i + 1 < m->n;
	    i += 2)
		if (sv_term_is_atom(m->v[i], key))
			return m->v[i + 1];
	return NULL;
}

/* An AST node {Form, Meta, Args} (Meta a list). */
static bool
ex_node(const struct sv_term *t)
{
	return t != NULL && t->kind == SV_TERM_TUPLE && t->n == 3 &&
	    sv_term_is_list(t->v[1]);
}

/* A variable {Name, Meta, Context}. */
static bool
ex_var(const struct sv_term *t)
{
	return ex_node(t) && t->v[0]->kind == SV_TERM_ATOM &&
	    t->v[2]->kind == SV_TERM_ATOM;
}

/* A call mod.fun(...) with nargs arguments (any number: -1). */
static bool
ex_call(const struct sv_term *t, const char *mod, const char *fun, int nargs)
{
	const struct sv_term *dot;

	if (!ex_node(t) || !ex_node(t->v[0]) || !sv_term_is_list(t->v[2]))
		return false;
	dot = t->v[0];
	return sv_term_is_atom(dot->v[0], ".") && sv_term_is_list(dot->v[2]) &&
	    dot->v[2]->n == 2 && sv_term_is_atom(dot->v[2]->v[0], mod) &&
	    sv_term_is_atom(dot->v[2]->v[1], fun) &&
	    (nargs < 0 || t->v[2]->n == (size_t)nargs);
}

/* The expressions of a block body, or NULL when body is one expression
 * (which the caller then takes alone). */
static const struct sv_term *const *
ex_exprs(const struct sv_term *body, size_t *n)
{
	if (ex_node(body) && sv_term_is_atom(body->v[0], "__block__") &&
	    body->v[2]->kind == SV_TERM_LIST && body->v[2]->n > 0) {
		*n = body->v[2]->n;
		return (const struct sv_term *const *)body->v[2]->v;
	}
	*n = 0;
	return NULL;
}

/* What the variable x is bound to among the expressions v (n of them),
 * followed through variables bound to variables; x itself otherwise. */
static const struct sv_term *
ex_resolve(const struct sv_term *x, const struct sv_term *const *v, size_t n)
{
	int depth;
	size_t i;

	for (depth = 0; depth < RESOLVE_DEPTH && ex_var(x); depth++) {
		const struct sv_term *found = NULL;

		for (i = 0; i < n && found == NULL; i++) {
			const struct sv_term *m = v[i];

			/* a = b = expr binds a and b to expr */
			while (found == NULL && ex_node(m) &&
			    sv_term_is_atom(m->v[0], "=") &&
			    m->v[2]->kind == SV_TERM_LIST && m->v[2]->n == 2) {
				const struct sv_term *l = m->v[2]->v[0];

				if (ex_var(l) && sv_term_equal(l->v[0], x->v[0]) &&
				    sv_term_equal(l->v[2], x->v[2]))
					found = m->v[2]->v[1];
				m = m->v[2]->v[1];
			}
		}
		if (found == NULL)
			return x;
		while (ex_node(found) && sv_term_is_atom(found->v[0], "=") &&
		    found->v[2]->kind == SV_TERM_LIST && found->v[2]->n == 2)
			found = found->v[2]->v[1];
		x = found;
	}
	return x;
}

/* The term a literal stands for, or NULL. */
static struct sv_term *
ex_literal(const struct sv_term *x)
{
	struct sv_term *t, *c;
	const struct sv_term *elems;
	size_t i;

	switch (x->kind) {
	case SV_TERM_ATOM: case SV_TERM_INT: case SV_TERM_BIGINT:
	case SV_TERM_FLOAT: case SV_TERM_BINARY: case SV_TERM_STRING:
		return sv_term_copy(x);
	case SV_TERM_LIST:
		if (x->tail != NULL)
			return NULL;
		elems = x;
		t = sv_term_list();
		break;
	case SV_TERM_TUPLE:
		if (x->n == 2) {
			elems = x;
		} else if (ex_node(x) && sv_term_is_atom(x->v[0], "{}") &&
		    x->v[2]->kind == SV_TERM_LIST) {
			elems = x->v[2];
		} else {
			return NULL;
		}
		t = sv_term_tuple();
		break;
	default:
		return NULL;
	}
	for (i = 0; i < elems->n; i++) {
		if ((c = ex_literal(elems->v[i])) == NULL) {
			sv_term_free(t);
			return NULL;
		}
		sv_term_push(t, c);
	}
	return t;
}

/* The value of key in the keyword list (or map pairs) kw, or NULL. */
static const struct sv_term *
ex_kw(const struct sv_term *kw, const char *key)
{
	size_t i;

	for (i = 0; kw != NULL && kw->kind == SV_TERM_LIST && i < kw->n; i++)
		if (kw->v[i]->kind == SV_TERM_TUPLE && kw->v[i]->n == 2 &&
		    sv_term_is_atom(kw->v[i]->v[0], key))
			return kw->v[i]->v[1];
	return NULL;
}

/* The id of the child spec x; NULL with *why if it cannot be told. */
static struct sv_term *
ex_spec_id(const struct sv_term *x, const struct sv_term *const *v,
    size_t n, const char **why)
{
	const struct sv_term *id;
	struct sv_term *t;

	x = ex_resolve(x, v, n);
	if (x->kind == SV_TERM_ATOM)
		return sv_term_copy(x);
	if (x->kind == SV_TERM_TUPLE && x->n == 2) {
		const struct sv_term *m = ex_resolve(x->v[0], v, n);

		if (m->kind == SV_TERM_ATOM)
			return sv_term_copy(m);
		*why = "a child's module is computed, not written out";
		return NULL;
	}
	if (ex_node(x) && sv_term_is_atom(x->v[0], "%{}")) {
		if ((id = ex_kw(x->v[2], "id")) == NULL) {
			*why = "a child spec map has no id";
			return NULL;
		}
		if ((t = ex_literal(ex_resolve(id, v, n))) == NULL)
			*why = "a child's id is computed, not written out";
		return t;
	}
	if (ex_call(x, "Elixir.Supervisor", "child_spec", 2)) {
		const struct sv_term *kw = ex_resolve(x->v[2]->v[1], v, n);

		if (kw->kind != SV_TERM_LIST) {
			*why = "Supervisor.child_spec/2's overrides are computed";
			return NULL;
		}
		if ((id = ex_kw(kw, "id")) == NULL)
			return ex_spec_id(x->v[2]->v[0], v, n, why);
		if ((t = ex_literal(ex_resolve(id, v, n))) == NULL)
			*why = "a child's id is computed, not written out";
		return t;
	}
	if (ex_node(x) && sv_term_is_atom(x->v[0], "{}") &&
	    x->v[2]->kind == SV_TERM_LIST && x->v[2]->n == 6) {
		if ((t = ex_literal(ex_resolve(x->v[2]->v[0], v, n))) == NULL)
			*why = "a child's id is computed, not written out";
		return t;
	}
	*why = "a child spec is not a module, {Module, Arg}, a map or "
	    "Supervisor.child_spec/2 written out (a function builds it)";
	return NULL;
}

/* Append the ids of the children list x to *ids; false with *why. */
static bool
ex_children(const struct sv_term *x, const struct sv_term *const *v,
    size_t n, struct sv_term ***ids, size_t *nids, const char **why)
{
	size_t i;

	x = ex_resolve(x, v, n);
	if (x->kind == SV_TERM_LIST && x->tail == NULL) {
		for (i = 0; i < x->n; i++) {
			struct sv_term *id = ex_spec_id(x->v[i], v, n, why);

			if (id == NULL)
				return false;
			*ids = xrealloc(*ids, (*nids + 1) * sizeof(**ids));
			(*ids)[(*nids)++] = id;
		}
		return true;
	}
	if (ex_call(x, "erlang", "++", 2))
		return ex_children(x->v[2]->v[0], v, n, ids, nids, why) &&
		    ex_children(x->v[2]->v[1], v, n, ids, nids, why);
	*why = "the children list is not written out (it is computed)";
	return false;
}

/* The definition name/arity among defs, or NULL. */
static const struct sv_term *
ex_def(const struct sv_term *defs, const char *name, int64_t arity)
{
	size_t i;

	for (i = 0; defs != NULL && i < defs->n; i++) {
		const struct sv_term *d = defs->v[i], *na;

		if (d->kind != SV_TERM_TUPLE || d->n != 4)
			continue;
		na = d->v[0];
		if (na->kind == SV_TERM_TUPLE && na->n == 2 &&
		    sv_term_is_atom(na->v[0], name) &&
		    na->v[1]->kind == SV_TERM_INT && na->v[1]->i == arity &&
		    sv_term_is_list(d->v[3]))
			return d;
	}
	return NULL;
}

/*
 * The children the clauses of definition name/arity pass to
 * mod.fun(Children, ...) as their last expression (a clause may end in
 * :ignore instead) into s.
 */
static void
ex_read_children(struct sv_otp_supspec *s, const struct sv_term *defs,
    const char *name, int64_t arity, const char *mod, const char *fun)
{
	const struct sv_term *d = ex_def(defs, name, arity);
	const char *why = NULL;
	bool seen = false;
	size_t i;

	if (d == NULL) {
		s->why = xstrfmt("it has no %s/%d", name, (int)arity);
		return;
	}
	for (i = 0; i < d->v[3]->n; i++) {
		const struct sv_term *cl = d->v[3]->v[i], *const *v, *last;
		struct sv_term **ids = NULL;
		size_t n, nids = 0;

		if (cl->kind != SV_TERM_TUPLE || cl->n != 4) {
			why = "a clause smoothver cannot read";
			goto unknown;
		}
		v = ex_exprs(cl->v[3], &n);
		if (v == NULL) {
			v = (const struct sv_term *const *)&cl->v[3];
			n = 1;
		}
		last = ex_resolve(v[n - 1], v, n);
		if (sv_term_is_atom(last, "ignore"))
			continue;
		if (!ex_call(last, mod, fun, -1) || last->v[2]->n < 1) {
			why = "it does not end in the call written out (a case, "
			    "or another function, decides it)";
			goto unknown;
		}
		if (!ex_children(last->v[2]->v[0], v, n, &ids, &nids, &why)) {
			ss_free_ids(ids, nids);
			goto unknown;
		}
		if (!ss_take_ids(s, ids, nids, &seen)) {
			why = "its clauses declare different children";
			goto unknown;
		}
	}
	s->known = true;
	return;
unknown:
	ss_forget_ids(s);
	s->why = xstrfmt("%s/%d: %s", name, (int)arity, why);
}

/* The name a supervisor is registered under, from the name option of a
 * Supervisor.start_link call (with self as the callback module in args
 * position first, or NULL: the children list first) below t. */
static void
ex_find_ref(struct sv_otp_supspec *s, const struct sv_term *t,
    const char *self, const struct sv_term *const *v, size_t n, int *found)
{
	size_t i;

	if (t == NULL)
		return;
	if (ex_call(t, "Elixir.Supervisor", "start_link", -1)) {
		const struct sv_term *args = t->v[2], *opts, *name;
		struct sv_term *ref;

		if (self != NULL && (args->n < 1 ||
		    !sv_term_is_atom(args->v[0], self)))
			return;
		opts = args->n == (self != NULL ? 3u : 2u) ?
		    ex_resolve(args->v[args->n - 1], v, n) : NULL;
		name = opts != NULL ? ex_kw(opts, "name") : NULL;
		if (name == NULL) {
			if (*found == 0) {
				free(s->refwhy);
				s->refwhy = xstrdup("it is started without a "
				    "name option, so no instruction can reach "
				    "it");
			}
			return;
		}
		if ((ref = ex_literal(ex_resolve(name, v, n))) == NULL) {
			free(s->refwhy);
			s->refwhy = xstrdup("it is registered under a name "
			    "computed at run time");
			*found = -1;
			return;
		}
		if (*found == 0) {
			s->ref = ref;
			*found = 1;
		} else if (*found == 1 && !sv_term_equal(s->ref, ref)) {
			sv_term_free(s->ref);
			sv_term_free(ref);
			s->ref = NULL;
			free(s->refwhy);
			s->refwhy = xstrdup("it is started under several names");
			*found = -1;
		} else {
			sv_term_free(ref);
		}
		return;
	}
	if (t->kind == SV_TERM_TUPLE || t->kind == SV_TERM_LIST)
		for (i = 0; i < t->n; i++)
			ex_find_ref(s, t->v[i], self, v, n, found);
}

/* ex_find_ref over each clause of each definition (variables resolved
 * within the clause). */
static void
ex_find_ref_defs(struct sv_otp_supspec *s, const struct sv_term *defs,
    const char *self)
{
	int found = 0;
	size_t i, j, n;

	for (i = 0; defs != NULL && i < defs->n; i++) {
		const struct sv_term *d = defs->v[i];

		if (d->kind != SV_TERM_TUPLE || d->n != 4 ||
		    !sv_term_is_list(d->v[3]))
			continue;
		for (j = 0; j < d->v[3]->n; j++) {
			const struct sv_term *cl = d->v[3]->v[j];
			const struct sv_term *const *v;

			if (cl->kind != SV_TERM_TUPLE || cl->n != 4)
				continue;
			if ((v = ex_exprs(cl->v[3], &n)) == NULL) {
				v = (const struct sv_term *const *)&cl->v[3];
				n = 1;
			}
			ex_find_ref(s, cl->v[3], self, v, n, &found);
		}
	}
	if (s->ref == NULL && s->refwhy == NULL)
		s->refwhy = xstrdup("no Supervisor.start_link/3 call in the "
		    "module names it");
}

/*
 * The supervisor spec of an Elixir module (a module supervisor's init/1,
 * or with app an application's start/2) into s, from its Elixir debug
 * info; erl_why says why there was no Erlang abstract code.
 */
int
ss_read_elixir(struct sv_otp_supspec *s, const void *beam, size_t len,
    const char *name, bool app, const char *erl_why, struct sv_err *e)
{
	struct sv_term *debug = NULL;
	const struct sv_term *info, *defs, *self;
	const char *why;
	int status;

	if ((status = sv_beam_elixir_info(beam, len, name, &debug, &info,
	    &why, e)))
		return status;
	if (info == NULL) {
		/* Elixir's modules are Elixir.Name: mix release strips
		 * their debug info unless told to keep it. */
		const char *base = strrchr(name, '/');

		base = base != NULL ? base + 1 : name;
		if (strncmp(base, "Elixir.", 7) == 0)
			s->why = xstrfmt("%s; keep it (strip_beams: [keep: "
			    "[\"Dbgi\"]] in the mix release's options) to "
			    "let smoothver read %s", why, app ? "start/2" :
			    "init/1");
		else
			s->why = xstrfmt("%s; keep it ({debug_info, keep} in "
			    "relx, debug_info in erl_opts) to let smoothver "
			    "read init/1", erl_why);
		return SV_OK;
	}
	defs = map_get(info, "definitions");
	self = map_get(info, "module");
	if (defs == NULL || !sv_term_is_list(defs) || self == NULL ||
	    self->kind != SV_TERM_ATOM) {
		s->why = xstrdup("its Elixir debug info has no definitions");
		goto out;
	}
	if (app) {
		ex_read_children(s, defs, "start", 2, "Elixir.Supervisor",
		    "start_link");
		ex_find_ref_defs(s, defs, NULL);
	} else {
		ex_read_children(s, defs, "init", 1, "Elixir.Supervisor",
		    "init");
		ex_find_ref_defs(s, defs, self->s);
	}
out:
	sv_term_free(debug);
	return SV_OK;
}
