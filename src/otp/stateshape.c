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
	va_list ap;

	s->evidence = xrealloc(s->evidence, (s->nevidence + 1) *
	    sizeof(*s->evidence));
	va_start(ap, f);
	s->evidence[s->nevidence++] = xvstrfmt(f, ap);
	va_end(ap);
}

static void verdict(struct sv_otp_shape *s, enum sv_otp_shape_verdict v,
    const char *f, ...) __attribute__((format(printf, 3, 4)));

/* Settle s: v, with the summary. */
static void
verdict(struct sv_otp_shape *s, enum sv_otp_shape_verdict v, const char *f,
    ...)
{
	va_list ap;

	free(s->summary);
	va_start(ap, f);
	s->summary = xvstrfmt(f, ap);
	va_end(ap);
	s->verdict = v;
}

/* "#a{}, #b{}" of a record set (sorted copy), into b. */
static void
records_text(struct buf *b, const struct sv_strset *s)
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
	struct sv_strset records;  /* the records the state is */
	char *other;          /* owned: why it is not only records, or NULL */
	struct sv_strset seen; /* where the records were seen, for evidence */
};

static void
info_init(struct state_info *si)
{
	memset(si, 0, sizeof(*si));
}

static void
info_release(struct state_info *si)
{
	sv_strset_free(&si->records);
	free(si->other);
	sv_strset_free(&si->seen);
}

static void info_other(struct state_info *si, const char *f, ...)
    __attribute__((format(printf, 2, 3)));

static void
info_other(struct state_info *si, const char *f, ...)
{
	va_list ap;

	if (si->other != NULL)
		return;
	va_start(ap, f);
	si->other = xvstrfmt(f, ap);
	va_end(ap);
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
			sv_strset_add(&si->records, r->v[2]->s);
			sv_strset_add(&si->seen, where);
		} else if (sv_abs_is(r, "record", 5) && r->v[3]->kind ==
		    SV_TERM_ATOM) {
			sv_strset_add(&si->records, r->v[3]->s);
			sv_strset_add(&si->seen, where);
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
		sv_strset_add(&si->records, p->v[2]->s);
		sv_strset_add(&si->seen, where);
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
state_functions(const struct sv_term *forms, struct sv_strset *out)
{
	size_t i;

	for (i = 0; i < forms->n; i++) {
		const struct sv_term *f = forms->v[i];

		if (sv_abs_is(f, "function", 5) &&
		    f->v[2]->kind == SV_TERM_ATOM &&
		    f->v[3]->kind == SV_TERM_INT && f->v[3]->i == 3 &&
		    strcmp(f->v[2]->s, "terminate") != 0 &&
		    sv_abs_exported(forms, f->v[2]->s, 3))
			sv_strset_add(out, f->v[2]->s);
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
		struct sv_strset fs = { 0 };

		state_functions(forms, &fs);
		for (i = 0; i < fs.n; i++)
			state_arg(si, forms, fs.v[i], 3, 2);
		sv_strset_free(&fs);
	}
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
	struct sv_strset items = { 0 };
	struct buf b;
	char *what = NULL, *seen;
	bool same = false;
	size_t i;

	buf_init(&b);
	records_text(&b, &ns->records);
	seen = sv_strset_join(&ns->seen, ", ");
	evidence(s, "state: %s %s (%s)", ns->records.n > 1 ? "records" :
	    "record", b.s, seen);
	free(seen);
	for (i = 0; i < os->records.n; i++)
		if (!sv_strset_has(&ns->records, os->records.v[i]))
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
		sv_strset_add(&items, b.s);
	}
	if (!sv_abs_items_same(of, nf, &items, &what)) {
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
	sv_strset_free(&items);
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
	struct sv_strset ofs = { 0 }, nfs = { 0 };
	struct sv_abs_calls c = { 0 };
	bool osf = state_functions_mode(of), nsf = state_functions_mode(nf);
	bool same = false;
	char *what = NULL;
	size_t i;
	int r;

	r = sv_abs_closure_same(of, nf, "callback_mode", 0, &c, &what);
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
		if (!sv_strset_has(&nfs, ofs.v[i])) {
			evidence(s, "state function %s/3: only in the old "
			    "build", ofs.v[i]);
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
	sv_strset_free(&c.remote);
	sv_strset_free(&ofs);
	sv_strset_free(&nfs);
	return same;
}

/* The process kinds: the state, the state names, the migration. */
static void
compare_process(struct sv_otp_shape *s, const struct sv_term *of,
    const struct sv_term *nf, const char *behaviour)
{
	struct state_info os, ns;
	struct sv_abs_calls c = { 0 };
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
	r = sv_abs_closure_same(of, nf, "code_change", statem ? 4 : 3, &c,
	    &what);
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
	sv_strset_free(&c.remote);
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
	struct sv_abs_calls nc = { 0 };
	char *what = NULL;
	size_t i, j;
	int r;

	r = sv_abs_closure_same(of, nf, "init", 1, &nc, &what);
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
	sv_strset_free(&nc.remote);
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
