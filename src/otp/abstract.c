/*
 * abstract.c - reading Erlang's abstract format (see abstract.h).
 */
#include "config.h"

#include "otp/abstract.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"

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

/* An annotation: a line, {Line, Column}, or a list of {Key, Value}. */
static bool
is_anno(const struct sv_term *t)
{
	size_t i;

	if (t->kind == SV_TERM_INT)
		return true;
	if (t->kind == SV_TERM_TUPLE)
		return t->n == 2 && t->v[0]->kind == SV_TERM_INT &&
		    t->v[1]->kind == SV_TERM_INT;
	if (t->kind != SV_TERM_LIST || t->n == 0)
		return false;
	for (i = 0; i < t->n; i++)
		if (t->v[i]->kind != SV_TERM_TUPLE || t->v[i]->n != 2 ||
		    t->v[i]->v[0]->kind != SV_TERM_ATOM)
			return false;
	return true;
}

/* True if a and b are the same code but for annotations. A binary
 * element's type list ({unit, 8}) is not a node and is compared whole. */
bool
sv_abs_same_code(const struct sv_term *a, const struct sv_term *b)
{
	bool node;
	size_t i;

	if (a == NULL || b == NULL)
		return a == b;
	if (a->kind != b->kind)
		return sv_term_equal(a, b);
	if (a->kind == SV_TERM_TUPLE) {
		if (a->n != b->n)
			return false;
		node = a->n >= 2 && a->v[0]->kind == SV_TERM_ATOM;
		for (i = 0; i < a->n; i++) {
			if (i == 1 && node && is_anno(a->v[1]) &&
			    is_anno(b->v[1]))
				continue;
			if (i == 4 && node && a->n == 5 &&
			    strcmp(a->v[0]->s, "bin_element") == 0) {
				if (!sv_term_equal(a->v[4], b->v[4]))
					return false;
				continue;
			}
			if (!sv_abs_same_code(a->v[i], b->v[i]))
				return false;
		}
		return true;
	}
	if (a->kind == SV_TERM_LIST) {
		if (a->n != b->n || !sv_abs_same_code(a->tail, b->tail))
			return false;
		for (i = 0; i < a->n; i++)
			if (!sv_abs_same_code(a->v[i], b->v[i]))
				return false;
		return true;
	}
	return sv_term_equal(a, b);
}

/* The definition of record name (its field list), or NULL. */
const struct sv_term *
sv_abs_record(const struct sv_term *forms, const char *name)
{
	size_t i;

	for (i = 0; i < forms->n; i++) {
		const struct sv_term *f = forms->v[i], *v;

		if (!sv_abs_is(f, "attribute", 4) || !sv_term_is_atom(f->v[2],
		    "record"))
			continue;
		v = f->v[3];
		if (v->kind == SV_TERM_TUPLE && v->n == 2 &&
		    sv_term_is_atom(v->v[0], name) && sv_term_is_list(v->v[1]))
			return v->v[1];
	}
	return NULL;
}

/* The definition {Name, Type, Vars} of the user type name/arity. */
const struct sv_term *
sv_abs_type(const struct sv_term *forms, const char *name, int64_t arity)
{
	size_t i;

	for (i = 0; i < forms->n; i++) {
		const struct sv_term *f = forms->v[i], *v;

		if (!sv_abs_is(f, "attribute", 4) || (!sv_term_is_atom(f->v[2],
		    "type") && !sv_term_is_atom(f->v[2], "opaque")))
			continue;
		v = f->v[3];
		if (v->kind == SV_TERM_TUPLE && v->n == 3 &&
		    sv_term_is_atom(v->v[0], name) &&
		    sv_term_is_list(v->v[2]) &&
		    (int64_t)v->v[2]->n == arity)
			return v;
	}
	return NULL;
}

/* True if the module exports name/arity (an -export attribute). */
bool
sv_abs_exported(const struct sv_term *forms, const char *name, int64_t arity)
{
	size_t i, j;

	for (i = 0; i < forms->n; i++) {
		const struct sv_term *f = forms->v[i];

		if (!sv_abs_is(f, "attribute", 4) || !sv_term_is_atom(f->v[2],
		    "export") || !sv_term_is_list(f->v[3]))
			continue;
		for (j = 0; j < f->v[3]->n; j++) {
			const struct sv_term *p = f->v[3]->v[j];

			if (p->kind == SV_TERM_TUPLE && p->n == 2 &&
			    sv_term_is_atom(p->v[0], name) &&
			    p->v[1]->kind == SV_TERM_INT && p->v[1]->i == arity)
				return true;
		}
	}
	return false;
}

/* ---- records and types ---- */

/* The name of a record field definition. */
const char *
sv_abs_field_name(const struct sv_term *f)
{
	if (sv_abs_is(f, "typed_record_field", 3))
		f = f->v[1];
	if ((sv_abs_is(f, "record_field", 3) ||
	    sv_abs_is(f, "record_field", 4)) &&
	    sv_abs_is_atom(f->v[2], NULL))
		return f->v[2]->v[2]->s;
	return NULL;
}

/* Collect the records and user types named below t: "#name" and
 * "name/arity" items into out. */
void
sv_abs_refs(const struct sv_term *t, struct sv_strset *out)
{
	size_t i;

	if (t == NULL)
		return;
	if (t->kind == SV_TERM_TUPLE && t->n >= 3) {
		struct buf b;

		buf_init(&b);
		if (sv_abs_is(t, "record", 4) && t->v[2]->kind == SV_TERM_ATOM)
			buf_addf(&b, "#%s", t->v[2]->s);
		else if (sv_abs_is(t, "type", 4) &&
		    sv_term_is_atom(t->v[2], "record") &&
		    sv_term_is_list(t->v[3]) && t->v[3]->n > 0 &&
		    sv_abs_is_atom(t->v[3]->v[0], NULL))
			buf_addf(&b, "#%s", t->v[3]->v[0]->v[2]->s);
		else if (sv_abs_is(t, "user_type", 4) && t->v[2]->kind ==
		    SV_TERM_ATOM && sv_term_is_list(t->v[3]))
			buf_addf(&b, "%s/%zu", t->v[2]->s, t->v[3]->n);
		if (b.len > 0)
			sv_strset_add(out, b.s);
		buf_release(&b);
	}
	if (t->kind == SV_TERM_TUPLE || t->kind == SV_TERM_LIST)
		for (i = 0; i < t->n; i++)
			sv_abs_refs(t->v[i], out);
}

/* The definition of item ("#rec" or "type/arity") in forms, or NULL. */
static const struct sv_term *
item_find(const struct sv_term *forms, const char *item)
{
	const char *slash;
	char *name;
	const struct sv_term *d;

	if (item[0] == '#')
		return sv_abs_record(forms, item + 1);
	slash = strrchr(item, '/');
	name = xstrndup(item, (size_t)(slash - item));
	d = sv_abs_type(forms, name, strtol(slash + 1, NULL, 10));
	free(name);
	return d;
}

/* Every item reachable from the items already in set (grown in place). */
static void
items_close(const struct sv_term *forms, struct sv_strset *set)
{
	size_t i;

	for (i = 0; i < set->n; i++) {
		const struct sv_term *d = item_find(forms, set->v[i]);

		if (d != NULL)
			sv_abs_refs(d, set);
	}
}

/* What differs between two definitions of record name, into b. */
static void
record_diff(struct buf *b, const char *name, const struct sv_term *of,
    const struct sv_term *nf)
{
	struct sv_strset gained = { 0 }, lost = { 0 };
	size_t i, j;
	bool reordered = false;

	for (i = 0; i < nf->n; i++) {
		const char *f = sv_abs_field_name(nf->v[i]);

		for (j = 0; f != NULL && j < of->n; j++)
			if (sv_abs_field_name(of->v[j]) != NULL &&
			    strcmp(sv_abs_field_name(of->v[j]), f) == 0)
				break;
		if (f != NULL && j == of->n)
			sv_strset_add(&gained, f);
	}
	for (i = 0; i < of->n; i++) {
		const char *f = sv_abs_field_name(of->v[i]);

		for (j = 0; f != NULL && j < nf->n; j++)
			if (sv_abs_field_name(nf->v[j]) != NULL &&
			    strcmp(sv_abs_field_name(nf->v[j]), f) == 0)
				break;
		if (f != NULL && j == nf->n)
			sv_strset_add(&lost, f);
	}
	buf_addf(b, "record #%s{}", name);
	if (gained.n > 0) {
		buf_addf(b, " gained field%s ", gained.n > 1 ? "s" : "");
		for (i = 0; i < gained.n; i++)
			buf_addf(b, "%s%s", i ? ", " : "", gained.v[i]);
	}
	if (lost.n > 0) {
		buf_addf(b, "%s lost field%s ", gained.n ? " and" : "",
		    lost.n > 1 ? "s" : "");
		for (i = 0; i < lost.n; i++)
			buf_addf(b, "%s%s", i ? ", " : "", lost.v[i]);
	}
	if (gained.n == 0 && lost.n == 0) {
		for (i = 0; i < of->n && i < nf->n; i++) {
			const char *a = sv_abs_field_name(of->v[i]),
			    *c = sv_abs_field_name(nf->v[i]);

			if (a == NULL || c == NULL || strcmp(a, c) != 0)
				reordered = true;
		}
		if (reordered) {
			buf_adds(b, ": its fields were reordered");
		} else {
			buf_adds(b, ": the default or type of field");
			for (i = 0, j = 0; i < of->n; i++)
				if (!sv_abs_same_code(of->v[i], nf->v[i]))
					buf_addf(b, "%s %s", j++ ? "," : "",
					    sv_abs_field_name(nf->v[i]));
			buf_adds(b, " changed");
		}
	}
	sv_strset_free(&gained);
	sv_strset_free(&lost);
}

/*
 * Compare the items of the state (records, grown by what they name) in
 * both builds. True if all are the same; else *what says the first
 * difference (caller frees).
 */
bool
sv_abs_items_same(const struct sv_term *of, const struct sv_term *nf,
    struct sv_strset *items, char **what)
{
	struct buf b;
	size_t i;

	items_close(of, items);
	items_close(nf, items);
	buf_init(&b);
	for (i = 0; i < items->n; i++) {
		const char *it = items->v[i];
		const struct sv_term *a = item_find(of, it),
		    *c = item_find(nf, it);

		if (a == NULL && c == NULL)
			continue; /* a builtin or remote type */
		if (a == NULL || c == NULL) {
			if (it[0] == '#')
				buf_addf(&b, "record #%s{} is defined only in "
				    "the %s build", it + 1, a ? "old" : "new");
			else
				buf_addf(&b, "type %s is defined only in "
				    "the %s build", it, a ? "old" : "new");
			break;
		}
		if (it[0] == '#' && !sv_abs_same_code(a, c)) {
			record_diff(&b, it + 1, a, c);
			break;
		}
		if (it[0] != '#' && !(sv_abs_same_code(a->v[1], c->v[1]) &&
		    sv_abs_same_code(a->v[2], c->v[2]))) {
			buf_addf(&b, "type %s changed", it);
			break;
		}
	}
	if (b.len == 0) {
		buf_release(&b);
		return true;
	}
	*what = buf_detach(&b);
	return false;
}

/* ---- functions with the local functions they call ---- */

struct fns {
	const struct sv_term **v;
	size_t n, alloc;
};

static bool
fns_has(const struct fns *s, const struct sv_term *f)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->v[i] == f)
			return true;
	return false;
}

static void
fns_add(struct fns *s, const struct sv_term *f)
{
	xgrow(&s->v, &s->alloc, s->n + 1, sizeof(*s->v));
	s->v[s->n++] = f;
}

/* Add the local functions t calls (and funs it names) to s. */
static void
walk_calls(const struct sv_term *forms, const struct sv_term *t,
    struct fns *s, struct sv_abs_calls *c)
{
	const struct sv_term *f;
	size_t i;

	if (t == NULL || (t->kind != SV_TERM_TUPLE && t->kind != SV_TERM_LIST))
		return;
	if (sv_abs_is(t, "call", 4) && sv_term_is_list(t->v[3])) {
		if (sv_abs_is_atom(t->v[2], NULL)) {
			f = sv_abs_function(forms, t->v[2]->v[2]->s,
			    (int64_t)t->v[3]->n);
			if (f != NULL && !fns_has(s, f))
				fns_add(s, f);
		} else if (sv_abs_is(t->v[2], "remote", 4) &&
		    sv_abs_is_atom(t->v[2]->v[2], NULL) &&
		    sv_abs_is_atom(t->v[2]->v[3], NULL)) {
			struct buf b;

			buf_init(&b);
			buf_addf(&b, "%s:%s/%zu", t->v[2]->v[2]->v[2]->s,
			    t->v[2]->v[3]->v[2]->s, t->v[3]->n);
			sv_strset_add(&c->remote, b.s);
			buf_release(&b);
		} else {
			c->dynamic = true;
		}
	}
	if (sv_abs_is(t, "fun", 3) && t->v[2]->kind == SV_TERM_TUPLE &&
	    t->v[2]->n == 3 && sv_term_is_atom(t->v[2]->v[0], "function") &&
	    t->v[2]->v[1]->kind == SV_TERM_ATOM &&
	    t->v[2]->v[2]->kind == SV_TERM_INT) {
		f = sv_abs_function(forms, t->v[2]->v[1]->s, t->v[2]->v[2]->i);
		if (f != NULL && !fns_has(s, f))
			fns_add(s, f);
	}
	for (i = 0; i < t->n; i++)
		walk_calls(forms, t->v[i], s, c);
}

/* root and the local functions it calls, transitively, into s. */
static void
closure(const struct sv_term *forms, const struct sv_term *root,
    struct fns *s, struct sv_abs_calls *c)
{
	size_t i;

	fns_add(s, root);
	for (i = 0; i < s->n; i++)
		walk_calls(forms, s->v[i]->v[4], s, c);
}

/* "name/arity" of a function form, into b. */
static void
fn_text(struct buf *b, const struct sv_term *f)
{
	buf_addf(b, "%s/%lld", f->v[2]->s, (long long)f->v[3]->i);
}

/* The function of s named as f is (same name and arity), or NULL. */
static const struct sv_term *
fns_match(const struct fns *s, const struct sv_term *f)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (sv_term_equal(s->v[i]->v[2], f->v[2]) &&
		    sv_term_equal(s->v[i]->v[3], f->v[3]))
			return s->v[i];
	return NULL;
}

/*
 * Compare name/arity with the local functions it calls in both builds,
 * and the records those use. 0: the same; 1: changed (*what says how); 2:
 * in neither build; 3: only in one (*what says which).
 */
int
sv_abs_closure_same(const struct sv_term *of, const struct sv_term *nf,
    const char *name, int64_t arity, struct sv_abs_calls *nc, char **what)
{
	const struct sv_term *a = sv_abs_function(of, name, arity),
	    *b = sv_abs_function(nf, name, arity);
	struct fns os = { 0 }, ns = { 0 };
	struct sv_abs_calls oc = { 0 };
	struct sv_strset recs = { 0 };
	struct buf w;
	size_t i;
	int r = 0;

	*what = NULL;
	if (a == NULL && b == NULL)
		return 2;
	buf_init(&w);
	if (a == NULL || b == NULL) {
		buf_addf(&w, "%s/%d %s", name, (int)arity, a == NULL ?
		    "added" : "removed");
		r = 3;
		goto out;
	}
	closure(of, a, &os, &oc);
	closure(nf, b, &ns, nc);
	for (i = 0; i < ns.n && r == 0; i++) {
		const struct sv_term *o = fns_match(&os, ns.v[i]);

		if (o == NULL || !sv_abs_same_code(o->v[4], ns.v[i]->v[4])) {
			fn_text(&w, ns.v[i]);
			if (i > 0) {
				buf_adds(&w, " (called by ");
				fn_text(&w, b);
				buf_adds(&w, ")");
			}
			buf_adds(&w, o == NULL ? " is new" : " changed");
			r = 1;
		}
	}
	for (i = 0; i < os.n && r == 0; i++)
		if (fns_match(&ns, os.v[i]) == NULL) {
			fn_text(&w, b);
			buf_adds(&w, " no longer calls ");
			fn_text(&w, os.v[i]);
			r = 1;
		}
	if (r == 0) {
		char *rw = NULL;

		for (i = 0; i < ns.n; i++)
			sv_abs_refs(ns.v[i]->v[4], &recs);
		if (!sv_abs_items_same(of, nf, &recs, &rw)) {
			buf_addf(&w, "%s, which %s/%d uses", rw, name,
			    (int)arity);
			free(rw);
			r = 1;
		}
	}
out:
	if (w.len > 0)
		*what = buf_detach(&w);
	buf_release(&w);
	free(os.v);
	free(ns.v);
	sv_strset_free(&oc.remote);
	sv_strset_free(&recs);
	return r;
}
