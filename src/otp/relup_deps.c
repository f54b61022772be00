/*
 * relup_deps.c - the modules linked by DepMods grouped into one
 * suspend / load / code_change / resume block per weakly connected
 * component, dependencies first; the whole translation of a script
 * (see relup_int.h).
 */
#include "config.h"

#include "otp/relup_int.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "otp/otpinst.h"

/* ---- the dependency graph ---- */

struct vertex {
	struct item *it;     /* borrowed from the script */
	const char *mod;
	size_t *deps, ndeps; /* indices of vertices M depends on */
	size_t comp;         /* weak component */
	size_t index, low, scc;
	bool on_stack, indexed;
};

struct graph {
	struct vertex *v;
	size_t n;
	size_t *stack, nstack, counter, nscc;
};

static size_t
uf_find(size_t *p, size_t x)
{
	while (p[x] != x) {
		p[x] = p[p[x]];
		x = p[x];
	}
	return x;
}

static void
tarjan(struct graph *g, size_t v)
{
	struct vertex *x = &g->v[v];
	size_t k;

	x->index = x->low = g->counter++;
	x->indexed = x->on_stack = true;
	g->stack[g->nstack++] = v;
	for (k = 0; k < x->ndeps; k++) {
		struct vertex *w = &g->v[x->deps[k]];

		if (!w->indexed) {
			tarjan(g, x->deps[k]);
			if (w->low < x->low)
				x->low = w->low;
		} else if (w->on_stack && w->index < x->low) {
			x->low = w->index;
		}
	}
	if (x->low == x->index) {
		size_t w;

		do {
			w = g->stack[--g->nstack];
			g->v[w].on_stack = false;
			g->v[w].scc = g->nscc;
		} while (w != v);
		g->nscc++;
	}
}

static void
graph_release(struct graph *g)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		free(g->v[i].deps);
	free(g->v);
	free(g->stack);
}

/* The vertices of component comp in systools' order: strong components
 * in a topological order of the condensation (a module before the ones
 * it depends on; among the possible orders, the strong component holding
 * the earliest instruction first), each in instruction order. */
static size_t
component_order(const struct graph *g, size_t comp, size_t *out)
{
	size_t *mem = xcalloc(g->n + 1, sizeof(*mem));   /* members */
	size_t *local = xcalloc(g->nscc + 1, sizeof(*local));
	size_t *sccs = xcalloc(g->n + 1, sizeof(*sccs));  /* local -> scc */
	size_t *indeg, *first;
	bool *done;
	size_t nmem = 0, nl = 0, i, k, n = 0;

	for (i = 0; i < g->nscc; i++)
		local[i] = SIZE_MAX;
	for (i = 0; i < g->n; i++)
		if (g->v[i].comp == comp) {
			mem[nmem++] = i;
			if (local[g->v[i].scc] == SIZE_MAX) {
				local[g->v[i].scc] = nl;
				sccs[nl++] = g->v[i].scc;
			}
		}
	indeg = xcalloc(nl + 1, sizeof(*indeg));
	first = xcalloc(nl + 1, sizeof(*first));
	done = xcalloc(nl + 1, sizeof(*done));
	for (i = 0; i < nl; i++)
		first[i] = SIZE_MAX;
	for (i = 0; i < nmem; i++) {
		const struct vertex *x = &g->v[mem[i]];
		size_t l = local[x->scc];

		if (mem[i] < first[l])
			first[l] = mem[i];
		for (k = 0; k < x->ndeps; k++)
			if (g->v[x->deps[k]].scc != x->scc)
				indeg[local[g->v[x->deps[k]].scc]]++;
	}
	for (;;) {
		size_t best = SIZE_MAX;

		for (i = 0; i < nl; i++)
			if (!done[i] && indeg[i] == 0 &&
			    (best == SIZE_MAX || first[i] < first[best]))
				best = i;
		if (best == SIZE_MAX)
			break;
		done[best] = true;
		for (i = 0; i < nmem; i++) {
			const struct vertex *x = &g->v[mem[i]];

			if (x->scc != sccs[best])
				continue;
			out[n++] = mem[i];
			for (k = 0; k < x->ndeps; k++)
				if (g->v[x->deps[k]].scc != x->scc)
					indeg[local[g->v[x->deps[k]].scc]]--;
		}
	}
	free(mem);
	free(local);
	free(sccs);
	free(indeg);
	free(first);
	free(done);
	return n;
}

/* The application that lists module m (get_lib: the first in systools'
 * order). */
static const struct rapp *
lib_of(const struct rset *s, const char *m)
{
	size_t lo = 0, hi = s->nbymod;

	/* The first entry not below m; entries of one module go by pos. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(s->bymod[mid].module, m) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < s->nbymod && strcmp(s->bymod[lo].module, m) == 0)
		return &s->apps[s->sorted[s->bymod[lo].pos]];
	return NULL;
}

static struct sv_term *
mod_extra(const struct sv_term *u)
{
	/* {update, M, Type, Timeout, {advanced, Extra}, Pre, Post, Deps} */
	return sv_term_tuplev(2, rl_copy(u->v[1]), rl_copy(u->v[4]->v[1]));
}

/* translate_dep_to_low for one block (vertices ord[0..n), in dependency
 * order). */
static int
block(struct ctx *c, bool up, const struct graph *g, const size_t *ord,
    size_t n, const struct rset *apps, struct script *before,
    struct script *after)
{
	struct sv_term *susp = sv_term_list(), *res = sv_term_list();
	struct sv_term *cc_up = sv_term_list(), *cc_dyn = sv_term_list();
	struct sv_term *cc_static = sv_term_list();
	struct script lr = { NULL, 0, 0 };
	size_t *grp = xcalloc(2 * n + 1, sizeof(*grp));  /* group sizes */
	size_t i, k, ngrp = 0;
	int status = SV_OK;

	for (i = 0; i < n; i++) {
		const struct item *it = g->v[ord[i]].it;
		const struct sv_term *t = it->t;
		const char *tag = rl_tag_of(t);

		if (strcmp(tag, "update") == 0) {
			if (sv_term_is_atom(t->v[3], "default"))
				sv_term_push(susp, rl_copy(t->v[1]));
			else
				sv_term_push(susp, sv_term_tuplev(2,
				    rl_copy(t->v[1]),
				    rl_copy(t->v[3])));
			if (rl_is_tagged(t->v[4], "advanced", 2)) {
				sv_term_push(cc_up, mod_extra(t));
				if (sv_term_is_atom(t->v[2], "dynamic"))
					sv_term_push(cc_dyn, mod_extra(t));
				if (sv_term_is_atom(t->v[2], "static"))
					sv_term_push(cc_static, mod_extra(t));
			}
			rl_script_push(&lr, sv_term_tuplev(2, rl_atom("load"),
			    sv_term_tuplev(3, rl_copy(t->v[1]), rl_copy(t->v[5]),
			    rl_copy(t->v[6]))), it->origin);
			grp[ngrp++] = 1;
		} else if (strcmp(tag, "load_module") == 0) {
			rl_script_push(&lr, sv_term_tuplev(2, rl_atom("load"),
			    sv_term_tuplev(3, rl_copy(t->v[1]), rl_copy(t->v[2]),
			    rl_copy(t->v[3]))), it->origin);
			grp[ngrp++] = 1;
		} else if (strcmp(tag, "delete_module") == 0) {
			struct sv_term *one = sv_term_list();

			sv_term_push(one, rl_copy(t->v[1]));
			rl_script_push(&lr, sv_term_tuplev(2, rl_atom("remove"),
			    sv_term_tuplev(3, rl_copy(t->v[1]),
			    rl_atom("brutal_purge"),
			    rl_atom("brutal_purge"))), it->origin);
			rl_script_push(&lr, sv_term_tuplev(2, rl_atom("purge"),
			    one),
			    it->origin);
			grp[ngrp++] = 2;
		}
	}
	/* load_object_code, in dependency order */
	for (i = 0; i < lr.n; i++) {
		const struct sv_term *t = lr.v[i].t;
		const struct rapp *a;
		struct sv_term *one;

		if (!rl_is_tagged(t, "load", 2))
			continue;
		if ((a = lib_of(apps, t->v[1]->v[0]->s)) == NULL) {
			status = rl_ierr(c, &lr.v[i], "no application of the "
			    "release lists this module", "no_such_module");
			goto out;
		}
		one = sv_term_list();
		sv_term_push(one, rl_copy(t->v[1]->v[0]));
		rl_script_push(before, sv_term_tuplev(2,
		    rl_atom("load_object_code"),
		    sv_term_tuplev(3, rl_atom(a->name), sv_term_string(a->vsn),
		    one)), lr.v[i].origin);
	}
	if (susp->n > 0)
		rl_script_push(after, sv_term_tuplev(2, rl_atom("suspend"),
		    rl_copy(susp)), NULL);
	for (i = susp->n; i-- > 0;) {
		const struct sv_term *m = susp->v[i];

		sv_term_push(res, rl_copy(m->kind == SV_TERM_TUPLE ? m->v[0] : m));
	}
	if (up) {
		/* loads reversed, by instruction */
		size_t end = lr.n;

		for (k = ngrp; k-- > 0;) {
			size_t start = end - grp[k];

			for (i = start; i < end; i++) {
				rl_script_push(after, lr.v[i].t, lr.v[i].origin);
				lr.v[i].t = NULL;
			}
			end = start;
		}
		if (cc_up->n > 0)
			rl_script_push(after, sv_term_tuplev(3,
			    rl_atom("code_change"),
			    rl_atom("up"), rl_copy(cc_up)), NULL);
	} else {
		if (cc_dyn->n > 0)
			rl_script_push(after, sv_term_tuplev(3,
			    rl_atom("code_change"),
			    rl_atom("down"), rl_copy(cc_dyn)), NULL);
		for (i = 0; i < lr.n; i++) {
			rl_script_push(after, lr.v[i].t, lr.v[i].origin);
			lr.v[i].t = NULL;
		}
		if (cc_static->n > 0)
			rl_script_push(after, sv_term_tuplev(3,
			    rl_atom("code_change"),
			    rl_atom("down"), rl_copy(cc_static)), NULL);
	}
	if (res->n > 0)
		rl_script_push(after, sv_term_tuplev(2, rl_atom("resume"),
		    rl_copy(res)),
		    NULL);
out:
	sv_term_free(susp);
	sv_term_free(res);
	sv_term_free(cc_up);
	sv_term_free(cc_dyn);
	sv_term_free(cc_static);
	rl_script_release(&lr);
	free(grp);
	return status;
}

static int
cmp_vertex_name(const void *a, const void *b)
{
	const struct vertex *const *x = a, *const *y = b;

	return strcmp((*x)->mod, (*y)->mod);
}

/* translate_dependent_instrs: after (emptied) becomes the translated
 * script; load_object_code instructions are appended to before. */
static int
translate_deps(struct ctx *c, bool up, struct script *before,
    struct script *after, const struct rset *apps)
{
	struct graph g;
	struct vertex **byname = NULL;
	struct script out = { NULL, 0, 0 };
	size_t *parent = NULL, *ord = NULL, *vof = NULL;
	bool *done_comp = NULL;
	size_t i, k, n = 0;
	int status = SV_OK;

	memset(&g, 0, sizeof(g));
	for (i = 0; i < after->n; i++)
		if (rl_is_dep_instr(after->v[i].t))
			n++;
	g.v = xcalloc(n + 1, sizeof(*g.v));
	vof = xcalloc(after->n + 1, sizeof(*vof));
	for (i = 0; i < after->n; i++) {
		vof[i] = SIZE_MAX;
		if (!rl_is_dep_instr(after->v[i].t))
			continue;
		vof[i] = g.n;
		g.v[g.n].it = &after->v[i];
		g.v[g.n].mod = after->v[i].t->v[1]->s;
		g.n++;
	}
	byname = xcalloc(n + 1, sizeof(*byname));
	for (i = 0; i < g.n; i++)
		byname[i] = &g.v[i];
	if (n > 1)
		qsort(byname, n, sizeof(*byname), cmp_vertex_name);
	/* a module twice: systools trips on the second occurrence that
	 * comes first */
	{
		const struct vertex *worst = NULL;

		for (i = 0; i + 1 < n; i = k) {
			const struct vertex *lo = byname[i], *lo2 = NULL;

			for (k = i + 1; k < n && strcmp(byname[k]->mod,
			    byname[i]->mod) == 0; k++) {
				const struct vertex *x = byname[k];

				if (x < lo) {
					lo2 = lo;
					lo = x;
				} else if (lo2 == NULL || x < lo2) {
					lo2 = x;
				}
			}
			if (lo2 != NULL && (worst == NULL || lo2 < worst))
				worst = lo2;
		}
		if (worst != NULL) {
			status = rl_ierr(c, worst->it, "a second instruction for "
			    "the same module", "muldef_module");
			goto out;
		}
	}
	for (i = 0; i < g.n; i++) {
		const struct sv_term *t = g.v[i].it->t;
		struct sv_term *const *d;
		size_t nd = rl_elems(t->v[t->n - 1], &d);

		g.v[i].deps = xcalloc(nd + 1, sizeof(size_t));
		for (k = 0; k < nd; k++) {
			struct vertex key, *kp = &key, **hit;

			key.mod = d[k]->s;
			hit = n ? bsearch(&kp, byname, n, sizeof(*byname),
			    cmp_vertex_name) : NULL;
			if (hit == NULL) {
				char *s = rl_flat(g.v[i].it->t);

				status = sv_err_set(c->e, SV_INPUT, "%s: %s%s%s: "
				    "depends on %s, which this %s does not load "
				    "(systools: undef_module)", c->where,
				    g.v[i].it->origin ? g.v[i].it->origin : "",
				    g.v[i].it->origin ? "'s appup: " : "", s,
				    d[k]->s, up ? "upgrade" : "downgrade");
				free(s);
				goto out;
			}
			g.v[i].deps[g.v[i].ndeps++] = (size_t)(*hit - g.v);
		}
	}
	/* weak components, strong components */
	parent = xcalloc(g.n + 1, sizeof(*parent));
	for (i = 0; i < g.n; i++)
		parent[i] = i;
	for (i = 0; i < g.n; i++)
		for (k = 0; k < g.v[i].ndeps; k++) {
			size_t a = uf_find(parent, i);
			size_t b = uf_find(parent, g.v[i].deps[k]);

			if (a != b)
				parent[a < b ? b : a] = a < b ? a : b;
		}
	for (i = 0; i < g.n; i++)
		g.v[i].comp = uf_find(parent, i);
	g.stack = xcalloc(g.n + 1, sizeof(*g.stack));
	for (i = 0; i < g.n; i++)
		if (!g.v[i].indexed)
			tarjan(&g, i);
	/* the walk */
	ord = xcalloc(g.n + 1, sizeof(*ord));
	done_comp = xcalloc(g.n + 1, sizeof(*done_comp));
	for (i = 0; i < after->n; i++) {
		size_t v = vof[i], m;

		if (v == SIZE_MAX) {
			rl_script_push(&out, after->v[i].t, after->v[i].origin);
			after->v[i].t = NULL;
			continue;
		}
		if (done_comp[g.v[v].comp])
			continue;
		done_comp[g.v[v].comp] = true;
		m = component_order(&g, g.v[v].comp, ord);
		if ((status = block(c, up, &g, ord, m, apps, before, &out)))
			goto out;
	}
out:
	rl_script_release(after);
	*after = out;
	if (status != SV_OK)
		rl_script_release(after);
	graph_release(&g);
	free(byname);
	free(parent);
	free(ord);
	free(vof);
	free(done_comp);
	return status;
}

/* Erlang's union/2 on module lists: the elements of a not in l, then l. */
static struct sv_term *
mod_union(const struct sv_term *a, struct sv_term *l)
{
	struct sv_term *out = sv_term_list();
	struct sv_term *const *av, *const *lv;
	size_t na = rl_elems(a, &av), nl = rl_elems(l, &lv), i, j;

	for (i = 0; i < na; i++) {
		for (j = 0; j < nl && !sv_term_equal(av[i], lv[j]); j++)
			;
		if (j == nl)
			sv_term_push(out, rl_copy(av[i]));
	}
	for (j = 0; j < nl; j++)
		sv_term_push(out, rl_copy(lv[j]));
	sv_term_free(l);
	return out;
}

/* merge_load_object_code: one per application version, first. */
static int
merge_objcode(struct ctx *c, struct script *before)
{
	struct script out = { NULL, 0, 0 }, rest = { NULL, 0, 0 };
	bool *used = xcalloc(before->n + 1, sizeof(*used));
	size_t i, j;
	int status = SV_OK;

	for (i = 0; i < before->n; i++) {
		const struct sv_term *x = before->v[i].t, *lib, *vsn;
		struct sv_term *mods;

		if (!rl_is_tagged(x, "load_object_code", 2)) {
			rl_script_push(&rest, before->v[i].t, before->v[i].origin);
			before->v[i].t = NULL;
			used[i] = true;
			continue;
		}
		if (used[i])
			continue;
		lib = x->v[1]->v[0];
		vsn = x->v[1]->v[1];
		/* conflicting versions: systools names the last one */
		for (j = before->n; j-- > i + 1;) {
			const struct sv_term *y = before->v[j].t;

			if (y == NULL || used[j] ||
			    !rl_is_tagged(y, "load_object_code", 2) ||
			    !sv_term_equal(y->v[1]->v[0], lib) ||
			    sv_term_equal(y->v[1]->v[1], vsn))
				continue;
			{
				char *v1 = NULL, *v2 = NULL;

				sv_term_text(vsn, &v1);
				sv_term_text(y->v[1]->v[1], &v2);
				status = sv_err_set(c->e, SV_INPUT, "%s: code of "
				    "%s is loaded from versions %s and %s "
				    "(systools: conflicting_versions)", c->where,
				    lib->s, v1 ? v1 : "?", v2 ? v2 : "?");
				free(v1);
				free(v2);
				goto out;
			}
		}
		mods = sv_term_list();
		for (j = before->n; j-- > i + 1;) {
			const struct sv_term *y = before->v[j].t;

			if (y == NULL || used[j] ||
			    !rl_is_tagged(y, "load_object_code", 2) ||
			    !sv_term_equal(y->v[1]->v[0], lib))
				continue;
			mods = mod_union(y->v[1]->v[2], mods);
			used[j] = true;
		}
		mods = mod_union(x->v[1]->v[2], mods);
		rl_script_push(&out, sv_term_tuplev(2, rl_atom("load_object_code"),
		    sv_term_tuplev(3, rl_copy(lib), rl_copy(vsn), mods)),
		    before->v[i].origin);
		used[i] = true;
	}
	rl_script_append(&out, &rest);
out:
	rl_script_release(&rest);
	rl_script_release(before);
	*before = out;
	free(used);
	return status;
}

static bool
script_has_atom(const struct script *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (sv_term_is_atom(s->v[i].t, name))
			return true;
	return false;
}

static void
script_drop_atom(struct script *s, const char *name)
{
	size_t i, k = 0;

	for (i = 0; i < s->n; i++) {
		if (sv_term_is_atom(s->v[i].t, name)) {
			sv_term_free(s->v[i].t);
			continue;
		}
		s->v[k++] = s->v[i];
	}
	s->n = k;
}

/* translate_scripts(Mode, Scripts, ToApps, FromApps): scripts are the
 * per-application instruction lists (emptied); *out gets the low-level
 * script as a list term. */
int
rl_translate(struct ctx *c, bool up, struct script *scripts, size_t nscripts,
    const struct rset *to, const struct rset *from, struct sv_term **out)
{
	struct script b = { NULL, 0, 0 }, a = { NULL, 0, 0 };
	struct script merged = { NULL, 0, 0 };
	struct script before = { NULL, 0, 0 }, after = { NULL, 0, 0 };
	size_t i;
	int status = SV_OK;

	*out = NULL;
	for (i = 0; i < nscripts; i++) {
		struct script sb = { NULL, 0, 0 }, sa = { NULL, 0, 0 };

		status = rl_split_script(c, &scripts[i], &sb, &sa);
		rl_script_append(&b, &sb);
		rl_script_append(&a, &sa);
		if (status)
			goto out;
	}
	rl_script_append(&merged, &b);
	rl_script_push(&merged, rl_atom("point_of_no_return"), NULL);
	rl_script_append(&merged, &a);
	if ((status = rl_check_syntax(c, &merged)))
		goto out;
	rl_normalize(&merged);
	if ((status = rl_split_script(c, &merged, &before, &after)) ||
	    (status = rl_check_script(c, &before, &after)) ||
	    (status = rl_translate_apps(c, &after, to, from)) ||
	    (status = translate_deps(c, up, &before, &after, to)) ||
	    (status = merge_objcode(c, &before)))
		goto out;
	/* sort_emulator_restart */
	if (script_has_atom(&after, "restart_new_emulator")) {
		script_drop_atom(&after, "restart_new_emulator");
		if (up) {
			struct script nb = { NULL, 0, 0 };

			rl_script_push(&nb, rl_atom("restart_new_emulator"), NULL);
			rl_script_append(&nb, &before);
			before = nb;
		} else {
			rl_script_push(&after, rl_atom("restart_emulator"), NULL);
		}
	}
	if (script_has_atom(&after, "restart_emulator")) {
		script_drop_atom(&after, "restart_emulator");
		rl_script_push(&after, rl_atom("restart_emulator"), NULL);
	}
	rl_script_push(&before, rl_atom("point_of_no_return"), NULL);
	rl_script_append(&before, &after);
	if ((status = rl_check_syntax(c, &before)))
		goto out;
	*out = sv_term_list();
	for (i = 0; i < before.n; i++) {
		sv_term_push(*out, before.v[i].t);
		before.v[i].t = NULL;
	}
out:
	for (i = 0; i < nscripts; i++)
		rl_script_release(&scripts[i]);
	rl_script_release(&b);
	rl_script_release(&a);
	rl_script_release(&merged);
	rl_script_release(&before);
	rl_script_release(&after);
	return status;
}
