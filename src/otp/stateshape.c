/*
 * stateshape.c - whether a changed process module needs code_change,
 * from the abstract code of both builds (see stateshape.h).
 *
 * The abstract format is erl_parse's: every node a tuple {Tag, Anno,
 * ...}, Anno a line, {Line, Column} or a list of annotations. Code is
 * compared with the annotations left out, so that moving a function or
 * editing a comment above it changes nothing.
 */
#include "config.h"

#include "otp/stateshape.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/outfile.h"
#include "base/str.h"
#include "base/xalloc.h"
#include "otp/abstract.h"
#include "otp/beam.h"
#include "otp/term.h"

#define FOLLOW_DEPTH 8   /* local calls followed from init/1, at most */
#define MAX_RESULTS 1024 /* expressions an init/1 may end in, at most */

void
sv_otp_shape_init(struct sv_otp_shape *s)
{
	memset(s, 0, sizeof(*s));
}

void
sv_otp_shape_release(struct sv_otp_shape *s)
{
	free(s->summary);
	sv_strv_free(s->evidence, s->nevidence);
	sv_otp_shape_init(s);
}

const char *
sv_otp_shape_verdict_name(enum sv_otp_shape_verdict v)
{
	static const char *const names[] = { "same", "changed", "unknown" };

	return names[v];
}

static void evidence(struct sv_otp_shape *s, const char *f, ...)
    __attribute__((format(printf, 2, 3)));

static void
evidence(struct sv_otp_shape *s, const char *f, ...)
{
	struct buf b;
	va_list ap;

	buf_init(&b);
	va_start(ap, f);
	buf_vaddf(&b, f, ap);
	va_end(ap);
	s->evidence = xrealloc(s->evidence, (s->nevidence + 1) *
	    sizeof(*s->evidence));
	s->evidence[s->nevidence++] = buf_detach(&b);
}

static void verdict(struct sv_otp_shape *s, enum sv_otp_shape_verdict v,
    const char *f, ...) __attribute__((format(printf, 3, 4)));

/* Settle s: v, with the summary. */
static void
verdict(struct sv_otp_shape *s, enum sv_otp_shape_verdict v, const char *f,
    ...)
{
	struct buf b;
	va_list ap;

	buf_init(&b);
	va_start(ap, f);
	buf_vaddf(&b, f, ap);
	va_end(ap);
	free(s->summary);
	s->summary = buf_detach(&b);
	s->verdict = v;
}

/* ---- the abstract format ---- */

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
static bool
same_code(const struct sv_term *a, const struct sv_term *b)
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
			if (!same_code(a->v[i], b->v[i]))
				return false;
		}
		return true;
	}
	if (a->kind == SV_TERM_LIST) {
		if (a->n != b->n || !same_code(a->tail, b->tail))
			return false;
		for (i = 0; i < a->n; i++)
			if (!same_code(a->v[i], b->v[i]))
				return false;
		return true;
	}
	return sv_term_equal(a, b);
}

/* The definition of record name (its field list), or NULL. */
static const struct sv_term *
record_find(const struct sv_term *forms, const char *name)
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
static const struct sv_term *
type_find(const struct sv_term *forms, const char *name, int64_t arity)
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
static bool
exported(const struct sv_term *forms, const char *name, int64_t arity)
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

/* ---- string sets ---- */

struct strs {
	char **v;
	size_t n;
};

static bool
strs_has(const struct strs *s, const char *x)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i], x) == 0)
			return true;
	return false;
}

/* Add x unless there; true if added. */
static bool
strs_add(struct strs *s, const char *x)
{
	if (strs_has(s, x))
		return false;
	s->v = xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
	s->v[s->n++] = xstrdup(x);
	return true;
}

static void
strs_free(struct strs *s)
{
	sv_strv_free(s->v, s->n);
	s->v = NULL;
	s->n = 0;
}

/* "#a{}, #b{}" of a record set (sorted copy), into b. */
static void
records_text(struct buf *b, const struct strs *s)
{
	char **v = xcalloc(s->n + 1, sizeof(*v));
	size_t i;

	memcpy(v, s->v, s->n * sizeof(*v));
	qsort(v, s->n, sizeof(*v), sv_str_cmp);
	for (i = 0; i < s->n; i++)
		buf_addf(b, "%s#%s{}", i ? ", " : "", v[i]);
	free(v);
}

/* ---- following expressions ---- */

struct exprs {
	const struct sv_term **v;
	const struct sv_term **body;   /* the body each was found in */
	size_t n, alloc;
	bool overflow;                 /* more than MAX_RESULTS: not all
	                                  were followed */
};

static void
exprs_push(struct exprs *out, const struct sv_term *x,
    const struct sv_term *body)
{
	if (out->n == out->alloc) {
		out->alloc = out->alloc ? 2 * out->alloc : 8;
		out->v = xrealloc(out->v, out->alloc * sizeof(*out->v));
		out->body = xrealloc(out->body, out->alloc *
		    sizeof(*out->body));
	}
	out->v[out->n] = x;
	out->body[out->n++] = body;
}

static void results(const struct sv_term *forms, const struct sv_term *x,
    const struct sv_term *body, int depth, struct exprs *out);

/* The results of each clause of the list cls (clause bodies). */
static void
clause_results(const struct sv_term *forms, const struct sv_term *cls,
    int depth, struct exprs *out)
{
	size_t i;

	for (i = 0; sv_term_is_list(cls) && i < cls->n; i++) {
		const struct sv_term *cl = cls->v[i];

		if (sv_abs_is(cl, "clause", 5) && sv_term_is_list(cl->v[4]) &&
		    cl->v[4]->n > 0)
			results(forms, cl->v[4]->v[cl->v[4]->n - 1], cl->v[4],
			    depth, out);
		else
			exprs_push(out, cl, NULL);
	}
}

/* The expressions x may evaluate to, x a body's last expression: through
 * variables, case/if/receive/try/begin and local calls (depth left). */
static void
results(const struct sv_term *forms, const struct sv_term *x,
    const struct sv_term *body, int depth, struct exprs *out)
{
	const struct sv_term *f;

	if (out->n >= MAX_RESULTS) {
		out->overflow = true;
		return;
	}
	x = sv_abs_resolve(x, body);
	if (sv_abs_is(x, "match", 4)) {
		results(forms, x->v[3], body, depth, out);
	} else if (sv_abs_is(x, "case", 4)) {
		clause_results(forms, x->v[3], depth, out);
	} else if (sv_abs_is(x, "if", 3) || sv_abs_is(x, "receive", 3)) {
		clause_results(forms, x->v[2], depth, out);
	} else if (sv_abs_is(x, "receive", 5)) {
		clause_results(forms, x->v[2], depth, out);
		if (sv_term_is_list(x->v[4]) && x->v[4]->n > 0)
			results(forms, x->v[4]->v[x->v[4]->n - 1], x->v[4],
			    depth, out);
	} else if (sv_abs_is(x, "block", 3) && sv_term_is_list(x->v[2]) &&
	    x->v[2]->n > 0) {
		results(forms, x->v[2]->v[x->v[2]->n - 1], x->v[2], depth, out);
	} else if (sv_abs_is(x, "try", 6)) {
		if (sv_term_is_list(x->v[3]) && x->v[3]->n > 0)
			clause_results(forms, x->v[3], depth, out);
		else if (sv_term_is_list(x->v[2]) && x->v[2]->n > 0)
			results(forms, x->v[2]->v[x->v[2]->n - 1], x->v[2],
			    depth, out);
		clause_results(forms, x->v[4], depth, out);
	} else if (sv_abs_is(x, "call", 4) && sv_abs_is_atom(x->v[2], NULL) &&
	    sv_term_is_list(x->v[3]) && depth > 0 &&
	    (f = sv_abs_function(forms, x->v[2]->v[2]->s,
	    (int64_t)x->v[3]->n)) != NULL) {
		clause_results(forms, f->v[4], depth - 1, out);
	} else {
		exprs_push(out, x, body);
	}
}

/* What kind of value expression x builds, in words ("a map"). */
static const char *
kind_words(const struct sv_term *x)
{
	if (sv_abs_is(x, "map", 3) || sv_abs_is(x, "map", 4))
		return "a map";
	if (sv_abs_is(x, "tuple", 3))
		return "a tuple";
	if (sv_abs_is(x, "cons", 4) || sv_abs_is(x, "nil", 2) ||
	    sv_abs_is(x, "string", 3) ||
	    sv_abs_is(x, "lc", 4))
		return "a list";
	if (sv_abs_is(x, "bin", 3))
		return "a binary";
	if (sv_abs_is(x, "atom", 3) || sv_abs_is(x, "integer", 3) ||
	    sv_abs_is(x, "float", 3) ||
	    sv_abs_is(x, "char", 3))
		return "a literal";
	if (sv_abs_is(x, "var", 3))
		return "a variable bound outside (an argument or a pattern)";
	if (sv_abs_is(x, "call", 4) && sv_abs_is(x->v[2], "remote", 4))
		return "the result of another module's function";
	if (sv_abs_is(x, "call", 4))
		return "the result of a call";
	return "an expression smoothver does not follow";
}

/* What the state of one build is. */
struct state_info {
	struct strs records;  /* the records the state is */
	char *other;          /* owned: why it is not only records, or NULL */
	struct buf seen;      /* where the records were seen, for evidence */
};

static void
info_init(struct state_info *si)
{
	memset(si, 0, sizeof(*si));
	buf_init(&si->seen);
}

static void
info_release(struct state_info *si)
{
	strs_free(&si->records);
	free(si->other);
	buf_release(&si->seen);
}

static void info_other(struct state_info *si, const char *f, ...)
    __attribute__((format(printf, 2, 3)));

static void
info_other(struct state_info *si, const char *f, ...)
{
	struct buf b;
	va_list ap;

	if (si->other != NULL)
		return;
	buf_init(&b);
	va_start(ap, f);
	buf_vaddf(&b, f, ap);
	va_end(ap);
	si->other = buf_detach(&b);
}

static void
seen_at(struct state_info *si, const char *where)
{
	if (strstr(si->seen.s ? si->seen.s : "", where) != NULL)
		return;
	buf_addf(&si->seen, "%s%s", si->seen.len ? ", " : "", where);
}

/* A state expression built by where (init/1): a record, else other. */
static void
state_expr(struct state_info *si, const struct sv_term *forms,
    const struct sv_term *x, const struct sv_term *body, const char *where)
{
	struct exprs rs = { 0 };
	size_t i;

	results(forms, x, body, FOLLOW_DEPTH, &rs);
	if (rs.overflow)
		info_other(si, "%s has more paths than smoothver follows",
		    where);
	for (i = 0; i < rs.n; i++) {
		const struct sv_term *r = rs.v[i];

		if (sv_abs_is(r, "record", 4) &&
		    r->v[2]->kind == SV_TERM_ATOM) {
			strs_add(&si->records, r->v[2]->s);
			seen_at(si, where);
		} else if (sv_abs_is(r, "record", 5) && r->v[3]->kind ==
		    SV_TERM_ATOM) {
			strs_add(&si->records, r->v[3]->s);
			seen_at(si, where);
		} else {
			info_other(si, "%s gives a state that is %s", where,
			    kind_words(r));
		}
	}
	free(rs.v);
	free(rs.body);
}

/* A pattern the state argument of where is matched against. */
static void
state_pattern(struct state_info *si, const struct sv_term *p,
    const char *where)
{
	if (sv_abs_is(p, "var", 3))
		return;
	if (sv_abs_is(p, "match", 4)) {
		state_pattern(si, p->v[2], where);
		state_pattern(si, p->v[3], where);
		return;
	}
	if (sv_abs_is(p, "record", 4) && p->v[2]->kind == SV_TERM_ATOM) {
		strs_add(&si->records, p->v[2]->s);
		seen_at(si, where);
		return;
	}
	info_other(si, "%s matches the state as %s", where, kind_words(p));
}

/* The patterns at argument pos (0-based) of every clause of name/arity. */
static void
state_arg(struct state_info *si, const struct sv_term *forms,
    const char *name, int64_t arity, size_t pos)
{
	const struct sv_term *f = sv_abs_function(forms, name, arity);
	struct buf where;
	size_t i;

	if (f == NULL)
		return;
	buf_init(&where);
	buf_addf(&where, "%s/%d", name, (int)arity);
	for (i = 0; i < f->v[4]->n; i++) {
		const struct sv_term *cl = f->v[4]->v[i];

		if (sv_abs_is(cl, "clause", 5) && sv_term_is_list(cl->v[2]) &&
		    cl->v[2]->n > pos)
			state_pattern(si, cl->v[2]->v[pos], where.s);
	}
	buf_release(&where);
}

/* gen_statem: true if callback_mode/0 says state_functions. */
static bool
state_functions_mode(const struct sv_term *forms)
{
	const struct sv_term *f = sv_abs_function(forms, "callback_mode", 0);
	struct exprs rs = { 0 };
	bool yes = false;
	size_t i;

	if (f == NULL)
		return false;
	clause_results(forms, f->v[4], FOLLOW_DEPTH, &rs);
	for (i = 0; i < rs.n; i++) {
		const struct sv_term *r = rs.v[i];

		if (sv_abs_is_atom(r, "state_functions"))
			yes = true;
		while (sv_abs_is(r, "cons", 4)) {
			if (sv_abs_is_atom(r->v[2], "state_functions"))
				yes = true;
			r = r->v[3];
		}
	}
	free(rs.v);
	free(rs.body);
	return yes;
}

/* gen_statem's state functions: exported, arity 3, not terminate/3. */
static void
state_functions(const struct sv_term *forms, struct strs *out)
{
	size_t i;

	for (i = 0; i < forms->n; i++) {
		const struct sv_term *f = forms->v[i];

		if (sv_abs_is(f, "function", 5) &&
		    f->v[2]->kind == SV_TERM_ATOM &&
		    f->v[3]->kind == SV_TERM_INT && f->v[3]->i == 3 &&
		    strcmp(f->v[2]->s, "terminate") != 0 &&
		    exported(forms, f->v[2]->s, 3))
			strs_add(out, f->v[2]->s);
	}
}

/* The state of one build of a gen_server, gen_statem or gen_event. */
static void
read_state(struct state_info *si, const struct sv_term *forms,
    const char *behaviour)
{
	static const struct { const char *be, *name; int arity; size_t pos; }
	cbs[] = {
		{ "gen_server", "handle_call", 3, 2 },
		{ "gen_server", "handle_cast", 2, 1 },
		{ "gen_server", "handle_info", 2, 1 },
		{ "gen_server", "handle_continue", 2, 1 },
		{ "gen_server", "terminate", 2, 1 },
		{ "gen_statem", "handle_event", 4, 3 },
		{ "gen_statem", "terminate", 3, 2 },
		{ "gen_event", "handle_event", 2, 1 },
		{ "gen_event", "handle_call", 2, 1 },
		{ "gen_event", "handle_info", 2, 1 },
		{ "gen_event", "terminate", 2, 1 },
	};
	const struct sv_term *init = sv_abs_function(forms, "init", 1);
	bool statem = strcmp(behaviour, "gen_statem") == 0;
	size_t i, k;

	if (init == NULL) {
		info_other(si, "it has no init/1");
		return;
	}
	for (i = 0; i < init->v[4]->n; i++) {
		const struct sv_term *cl = init->v[4]->v[i], *body;
		struct exprs rs = { 0 };

		if (!sv_abs_is(cl, "clause", 5) || !sv_term_is_list(cl->v[4]) ||
		    cl->v[4]->n == 0) {
			info_other(si, "init/1 has a clause smoothver cannot "
			    "read");
			continue;
		}
		body = cl->v[4];
		results(forms, body->v[body->n - 1], body, FOLLOW_DEPTH, &rs);
		if (rs.overflow)
			info_other(si, "init/1 has more paths than smoothver "
			    "follows");
		for (k = 0; k < rs.n; k++) {
			const struct sv_term *r = rs.v[k], *el;

			if (sv_abs_is_atom(r, "ignore"))
				continue;
			if (!sv_abs_is(r, "tuple", 3) ||
			    !sv_term_is_list(r->v[2]) ||
			    r->v[2]->n < 2) {
				info_other(si, "init/1 ends in %s, not {ok, "
				    "...} written out", kind_words(r));
				continue;
			}
			el = r->v[2];
			if (sv_abs_is_atom(el->v[0], "stop") ||
			    sv_abs_is_atom(el->v[0], "error"))
				continue;
			if (!sv_abs_is_atom(el->v[0], "ok") ||
			    (statem && el->n < 3)) {
				info_other(si, "init/1 returns a tuple that is "
				    "not {ok, ...}");
				continue;
			}
			state_expr(si, forms, el->v[statem ? 2 : 1], rs.body[k],
			    "init/1");
		}
		free(rs.v);
		free(rs.body);
	}
	for (i = 0; i < sizeof(cbs) / sizeof(cbs[0]); i++)
		if (strcmp(cbs[i].be, behaviour) == 0)
			state_arg(si, forms, cbs[i].name, cbs[i].arity,
			    cbs[i].pos);
	if (statem && state_functions_mode(forms)) {
		struct strs fs = { 0 };

		state_functions(forms, &fs);
		for (i = 0; i < fs.n; i++)
			state_arg(si, forms, fs.v[i], 3, 2);
		strs_free(&fs);
	}
}

/* ---- records and types ---- */

/* The name of a record field definition. */
static const char *
field_name(const struct sv_term *f)
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
static void
refs_below(const struct sv_term *t, struct strs *out)
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
			strs_add(out, b.s);
		buf_release(&b);
	}
	if (t->kind == SV_TERM_TUPLE || t->kind == SV_TERM_LIST)
		for (i = 0; i < t->n; i++)
			refs_below(t->v[i], out);
}

/* The definition of item ("#rec" or "type/arity") in forms, or NULL. */
static const struct sv_term *
item_find(const struct sv_term *forms, const char *item)
{
	const char *slash;
	char *name;
	const struct sv_term *d;

	if (item[0] == '#')
		return record_find(forms, item + 1);
	slash = strrchr(item, '/');
	name = xstrndup(item, (size_t)(slash - item));
	d = type_find(forms, name, strtol(slash + 1, NULL, 10));
	free(name);
	return d;
}

/* Every item reachable from the items already in set (grown in place). */
static void
items_close(const struct sv_term *forms, struct strs *set)
{
	size_t i;

	for (i = 0; i < set->n; i++) {
		const struct sv_term *d = item_find(forms, set->v[i]);

		if (d != NULL)
			refs_below(d, set);
	}
}

/* What differs between two definitions of record name, into b. */
static void
record_diff(struct buf *b, const char *name, const struct sv_term *of,
    const struct sv_term *nf)
{
	struct strs gained = { 0 }, lost = { 0 };
	size_t i, j;
	bool reordered = false;

	for (i = 0; i < nf->n; i++) {
		const char *f = field_name(nf->v[i]);

		for (j = 0; f != NULL && j < of->n; j++)
			if (field_name(of->v[j]) != NULL &&
			    strcmp(field_name(of->v[j]), f) == 0)
				break;
		if (f != NULL && j == of->n)
			strs_add(&gained, f);
	}
	for (i = 0; i < of->n; i++) {
		const char *f = field_name(of->v[i]);

		for (j = 0; f != NULL && j < nf->n; j++)
			if (field_name(nf->v[j]) != NULL &&
			    strcmp(field_name(nf->v[j]), f) == 0)
				break;
		if (f != NULL && j == nf->n)
			strs_add(&lost, f);
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
			const char *a = field_name(of->v[i]),
			    *c = field_name(nf->v[i]);

			if (a == NULL || c == NULL || strcmp(a, c) != 0)
				reordered = true;
		}
		if (reordered) {
			buf_adds(b, ": its fields were reordered");
		} else {
			buf_adds(b, ": the default or type of field");
			for (i = 0, j = 0; i < of->n; i++)
				if (!same_code(of->v[i], nf->v[i]))
					buf_addf(b, "%s %s", j++ ? "," : "",
					    field_name(nf->v[i]));
			buf_adds(b, " changed");
		}
	}
	strs_free(&gained);
	strs_free(&lost);
}

/*
 * Compare the items of the state (records, grown by what they name) in
 * both builds. True if all are the same; else *what says the first
 * difference (caller frees).
 */
static bool
items_same(const struct sv_term *of, const struct sv_term *nf,
    struct strs *items, char **what)
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
		if (it[0] == '#' && !same_code(a, c)) {
			record_diff(&b, it + 1, a, c);
			break;
		}
		if (it[0] != '#' && !(same_code(a->v[1], c->v[1]) &&
		    same_code(a->v[2], c->v[2]))) {
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

/* The remote calls found while walking: "m:f/a", and whether a call's
 * module or function is computed. */
struct calls {
	struct strs remote;
	bool dynamic;
};

/* Add the local functions t calls (and funs it names) to s. */
static void
walk_calls(const struct sv_term *forms, const struct sv_term *t,
    struct fns *s, struct calls *c)
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
			strs_add(&c->remote, b.s);
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
    struct fns *s, struct calls *c)
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
static int
closure_same(const struct sv_term *of, const struct sv_term *nf,
    const char *name, int64_t arity, struct calls *nc, char **what)
{
	const struct sv_term *a = sv_abs_function(of, name, arity),
	    *b = sv_abs_function(nf, name, arity);
	struct fns os = { 0 }, ns = { 0 };
	struct calls oc = { 0 };
	struct strs recs = { 0 };
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

		if (o == NULL || !same_code(o->v[4], ns.v[i]->v[4])) {
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
			refs_below(ns.v[i]->v[4], &recs);
		if (!items_same(of, nf, &recs, &rw)) {
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
	strs_free(&oc.remote);
	strs_free(&recs);
	return r;
}

/* ---- the two kinds ---- */

struct beam_code {
	struct buf data;
	struct sv_term *debug;        /* owned */
	const struct sv_term *forms;  /* borrowed from debug; NULL if none */
	const char *why;
};

static int
code_load(struct beam_code *c, const char *path, struct sv_err *e)
{
	int status;

	buf_init(&c->data);
	c->debug = NULL;
	c->forms = NULL;
	c->why = NULL;
	if ((status = sv_read_file(path, &c->data, SV_BEAM_MAX, e)))
		return status;
	return sv_beam_abstract_code(c->data.s, c->data.len, path, &c->debug,
	    &c->forms, &c->why, e);
}

static void
code_release(struct beam_code *c)
{
	sv_term_free(c->debug);
	buf_release(&c->data);
}

/* Whether both builds' states could be read as records; if not, the
 * verdict is UNKNOWN. */
static bool
states_readable(struct sv_otp_shape *s, const struct state_info *os,
    const struct state_info *ns)
{
	if (os->other != NULL || ns->other != NULL) {
		const char *why = ns->other ? ns->other : os->other;

		evidence(s, "state: %s (%s build)", why, ns->other ? "new" :
		    "old");
		verdict(s, SV_OTP_SHAPE_UNKNOWN, "its state cannot be "
		    "compared: %s", why);
		return false;
	}
	if (ns->records.n == 0 || os->records.n == 0) {
		evidence(s, "state: no record found in init/1 or the "
		    "callbacks (%s build)", ns->records.n ? "old" : "new");
		verdict(s, SV_OTP_SHAPE_UNKNOWN, "its state cannot be "
		    "compared: no state record found");
		return false;
	}
	return true;
}

/* Whether the state is the same records, defined the same way (with the
 * records and types they name); if not, the verdict is CHANGED. */
static bool
same_records(struct sv_otp_shape *s, const struct sv_term *of,
    const struct sv_term *nf, const struct state_info *os,
    const struct state_info *ns)
{
	struct strs items = { 0 };
	struct buf b;
	char *what = NULL;
	bool same = false;
	size_t i;

	buf_init(&b);
	records_text(&b, &ns->records);
	evidence(s, "state: %s %s (%s)", ns->records.n > 1 ? "records" :
	    "record", b.s, ns->seen.s);
	for (i = 0; i < os->records.n; i++)
		if (!strs_has(&ns->records, os->records.v[i]))
			break;
	if (i < os->records.n || os->records.n != ns->records.n) {
		buf_reset(&b);
		records_text(&b, &os->records);
		buf_adds(&b, " -> ");
		records_text(&b, &ns->records);
		evidence(s, "state records: %s", b.s);
		verdict(s, SV_OTP_SHAPE_CHANGED, "its state is another record "
		    "(%s)", b.s);
		goto out;
	}
	for (i = 0; i < ns->records.n; i++) {
		buf_reset(&b);
		buf_addf(&b, "#%s", ns->records.v[i]);
		strs_add(&items, b.s);
	}
	if (!items_same(of, nf, &items, &what)) {
		evidence(s, "%s", what);
		verdict(s, SV_OTP_SHAPE_CHANGED, "%s", what);
		goto out;
	}
	buf_reset(&b);
	for (i = 0; i < items.n; i++)
		buf_addf(&b, "%s%s%s", i ? ", " : "", items.v[i],
		    items.v[i][0] == '#' ? "{}" : "");
	evidence(s, "%s: the same definition in both builds", b.s);
	same = true;
out:
	free(what);
	strs_free(&items);
	buf_release(&b);
	return same;
}

/* gen_statem: whether the callback mode is the same and, with state
 * functions, every state of the old build is still there; if not, the
 * verdict is CHANGED. */
static bool
same_state_names(struct sv_otp_shape *s, const struct sv_term *of,
    const struct sv_term *nf)
{
	struct strs ofs = { 0 }, nfs = { 0 };
	struct calls c = { 0 };
	bool osf = state_functions_mode(of), nsf = state_functions_mode(nf);
	bool same = false;
	char *what = NULL;
	size_t i;
	int r;

	r = closure_same(of, nf, "callback_mode", 0, &c, &what);
	if (r == 1 || r == 3 || osf != nsf) {
		evidence(s, "callback_mode/0: changed");
		verdict(s, SV_OTP_SHAPE_CHANGED, "callback_mode/0 changed");
		goto out;
	}
	if (!nsf) {
		evidence(s, "callback mode: handle_event_function, unchanged");
		same = true;
		goto out;
	}
	state_functions(of, &ofs);
	state_functions(nf, &nfs);
	for (i = 0; i < ofs.n; i++)
		if (!strs_has(&nfs, ofs.v[i])) {
			evidence(s, "state function %s/3: only in the old build",
			    ofs.v[i]);
			verdict(s, SV_OTP_SHAPE_CHANGED, "state %s is gone "
			    "(%s/3): a process in it would crash", ofs.v[i],
			    ofs.v[i]);
			goto out;
		}
	evidence(s, "state functions: the old build's %zu all still there",
	    ofs.n);
	same = true;
out:
	free(what);
	strs_free(&c.remote);
	strs_free(&ofs);
	strs_free(&nfs);
	return same;
}

/* The process kinds: the state, the state names, the migration. */
static void
compare_process(struct sv_otp_shape *s, const struct sv_term *of,
    const struct sv_term *nf, const char *behaviour)
{
	struct state_info os, ns;
	struct calls c = { 0 };
	struct buf b;
	bool statem = strcmp(behaviour, "gen_statem") == 0;
	const char *cc = statem ? "code_change/4" : "code_change/3";
	char *what = NULL;
	int r;

	info_init(&os);
	info_init(&ns);
	buf_init(&b);
	read_state(&os, of, behaviour);
	read_state(&ns, nf, behaviour);
	if (!states_readable(s, &os, &ns) ||
	    !same_records(s, of, nf, &os, &ns) ||
	    (statem && !same_state_names(s, of, nf)))
		goto out;
	r = closure_same(of, nf, "code_change", statem ? 4 : 3, &c, &what);
	if (r == 1 || r == 3) {
		evidence(s, "%s", what);
		verdict(s, SV_OTP_SHAPE_CHANGED, "%s, which migrates the state",
		    what);
		goto out;
	}
	evidence(s, "%s: %s", cc, r == 2 ? "in neither build" :
	    "the same code in both builds");
	records_text(&b, &ns.records);
	verdict(s, SV_OTP_SHAPE_SAME, "state %s %s unchanged, %s %s",
	    ns.records.n > 1 ? "records" : "record", b.s, cc,
	    r == 2 ? "absent" : "unchanged");
out:
	free(what);
	strs_free(&c.remote);
	info_release(&os);
	info_release(&ns);
	buf_release(&b);
}

/* Remote calls whose result is configuration read at run time. */
static bool
reads_config(const char *call)
{
	static const char *const prefixes[] = {
		"application:get_env/", "application:get_all_env/",
		"application:get_key/", "application:get_all_key/",
		"os:getenv/", "persistent_term:get/", "ets:", "file:",
		"init:get_argument/", NULL
	};
	size_t i;

	for (i = 0; prefixes[i]; i++)
		if (strncmp(call, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

/* A supervisor: init/1, what it calls and reads. */
static void
compare_supervisor(struct sv_otp_shape *s, const struct sv_term *of,
    const struct sv_term *nf, const char *const *changing, size_t nchanging)
{
	struct calls nc = { 0 };
	char *what = NULL;
	size_t i, j;
	int r;

	r = closure_same(of, nf, "init", 1, &nc, &what);
	if (r == 2) {
		evidence(s, "init/1: in neither build");
		verdict(s, SV_OTP_SHAPE_UNKNOWN, "it has no init/1");
		goto out;
	}
	if (r != 0) {
		evidence(s, "%s", what);
		verdict(s, SV_OTP_SHAPE_CHANGED, "%s", what);
		goto out;
	}
	evidence(s, "init/1 (with the local functions it calls): the same "
	    "code in both builds");
	if (nc.dynamic) {
		evidence(s, "init/1 calls a function it computes");
		verdict(s, SV_OTP_SHAPE_UNKNOWN, "init/1 calls a function it "
		    "computes: its child specs may differ");
		goto out;
	}
	for (i = 0; i < nc.remote.n; i++) {
		const char *call = nc.remote.v[i];
		size_t mlen = (size_t)(strchr(call, ':') - call);

		if (reads_config(call)) {
			evidence(s, "init/1 calls %s", call);
			verdict(s, SV_OTP_SHAPE_UNKNOWN, "init/1 reads "
			    "configuration at run time (%s): code_change would "
			    "read it again", call);
			goto out;
		}
		for (j = 0; j < nchanging; j++)
			if (strncmp(changing[j], call, mlen) == 0 &&
			    changing[j][mlen] == '\0') {
				evidence(s, "init/1 calls %s, whose module "
				    "this upgrade changes", call);
				verdict(s, SV_OTP_SHAPE_UNKNOWN, "init/1 calls "
				    "%s, whose module this upgrade changes",
				    call);
				goto out;
			}
	}
	if (nc.remote.n > 0)
		evidence(s, "init/1 calls only modules this upgrade leaves as "
		    "they are (%zu call%s)", nc.remote.n, nc.remote.n > 1 ?
		    "s" : "");
	verdict(s, SV_OTP_SHAPE_SAME, "init/1 unchanged: the same child "
	    "specs");
out:
	free(what);
	strs_free(&nc.remote);
}

int
sv_otp_shape_compare(struct sv_otp_shape *s, const char *old_path,
    const char *new_path, const char *behaviour, const char *const *changing,
    size_t nchanging, struct sv_err *e)
{
	struct beam_code oc, nc;
	int status;

	memset(&oc, 0, sizeof(oc));
	memset(&nc, 0, sizeof(nc));
	buf_init(&oc.data);
	buf_init(&nc.data);
	if ((status = code_load(&oc, old_path, e)) ||
	    (status = code_load(&nc, new_path, e)))
		goto out;
	if (oc.forms == NULL || nc.forms == NULL) {
		const char *why = nc.forms == NULL ? nc.why : oc.why;

		evidence(s, "abstract code: none in the %s build (%s)",
		    nc.forms == NULL ? "new" : "old", why);
		verdict(s, SV_OTP_SHAPE_UNKNOWN, "its state cannot be read "
		    "from the code: %s", why);
		goto out;
	}
	evidence(s, "abstract code: read from both builds' debug info");
	if (strcmp(behaviour, "supervisor") == 0)
		compare_supervisor(s, oc.forms, nc.forms, changing, nchanging);
	else if (strcmp(behaviour, "gen_server") == 0 ||
	    strcmp(behaviour, "gen_statem") == 0 ||
	    strcmp(behaviour, "gen_event") == 0)
		compare_process(s, oc.forms, nc.forms, behaviour);
	else
		verdict(s, SV_OTP_SHAPE_UNKNOWN, "the state of a %s process is "
		    "not analysed", behaviour);
out:
	code_release(&oc);
	code_release(&nc);
	return status;
}
