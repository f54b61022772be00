/*
 * relup_apps.c - the applications of a release as systools_make sees
 * them: .app files checked, sorted by their dependencies (see
 * relup_int.h).
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

/* ---- applications as systools_make sees them ---- */

void
rl_rset_release(struct rset *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		struct rapp *a = &s->apps[i];

		rl_names_release(&a->mods);
		rl_names_release(&a->uses);
		rl_names_release(&a->opts);
		rl_names_release(&a->incls);
		rl_names_release(&a->regs);
	}
	free(s->apps);
	free(s->sorted);
	free(s->bymod);
	memset(s, 0, sizeof(*s));
}

struct rapp *
rl_rset_find(const struct rset *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->apps[i].name, name) == 0)
			return &s->apps[i];
	return NULL;
}

/* The OTP installation of the erl on PATH, looked up once. */
static const char *
otp_root(struct ctx *c)
{
	if (!c->otp_root_tried) {
		c->otp_root_tried = true;
		c->otp_root = sv_otp_installation();
	}
	return c->otp_root;
}

/* Names from the property key of an .app (a list of atoms, [] when
 * absent). */
static int
app_names(struct ctx *c, const struct sv_term *props, const char *key,
    struct names *out, const char *path)
{
	const struct sv_term *kv = sv_term_keyfind(props, key);
	size_t i;

	if (kv == NULL)
		return SV_OK;
	if (kv->n != 2 || !rl_atom_list(kv->v[1]))
		return sv_err_set(c->e, SV_INPUT, "%s: {%s, ...} must be a list "
		    "of atoms (systools: bad_param)", path, key);
	for (i = 0; i < rl_list_n(kv->v[1]); i++)
		rl_names_push(out, kv->v[1]->v[i]->s);
	return SV_OK;
}

/* Fill a from the release model's application (its .app, or the one in
 * the OTP installation when the root leaves the application out). */
static int
rapp_load(struct ctx *c, struct rapp *a, const struct sv_otp_app *m)
{
	const struct sv_term *res = m->resource, *props;
	struct buf path;
	int status = SV_OK;

	buf_init(&path);
	a->name = m->name;
	a->vsn = m->vsn;
	a->type = m->type ? m->type : "permanent";
	a->dir = m->dir;
	if (res != NULL) {
		buf_addf(&path, "%s/ebin/%s.app", m->dir, m->name);
	} else {
		const char *root = otp_root(c);
		struct sv_terms ts;
		char *vsn = NULL;
		const struct sv_term *kv;

		if (root == NULL) {
			status = sv_err_set(c->e, SV_INPUT, "%s: application "
			    "%s-%s is not in the release root, and there is no "
			    "OTP installation to read its .app from (erl is not "
			    "on PATH)", c->where, m->name, m->vsn);
			goto out;
		}
		buf_addf(&path, "%s/lib/%s-%s/ebin/%s.app", root, m->name, m->vsn,
		    m->name);
		sv_terms_init(&ts);
		if (access(path.s, F_OK) != 0) {
			status = sv_err_set(c->e, SV_INPUT, "%s: application "
			    "%s-%s is neither in the release root nor in the OTP "
			    "installation at %s (systools: error_reading, "
			    "not_found)", c->where, m->name, m->vsn, root);
			goto out;
		}
		if ((status = sv_terms_load(&ts, path.s, APP_MAX, c->e)))
			goto out;
		if (ts.n < 1 || ts.v[0]->kind != SV_TERM_TUPLE ||
		    ts.v[0]->n != 3 ||
		    !sv_term_is_atom(ts.v[0]->v[0], "application") ||
		    !sv_term_is_atom(ts.v[0]->v[1], m->name) ||
		    !rl_proper_list(ts.v[0]->v[2])) {
			sv_terms_release(&ts);
			status = sv_err_set(c->e, SV_INPUT, "%s: expected "
			    "{application, %s, [...]}", path.s, m->name);
			goto out;
		}
		kv = sv_term_keyfind(ts.v[0]->v[2], "vsn");
		if (kv == NULL || kv->n != 2 || !sv_term_text(kv->v[1], &vsn) ||
		    strcmp(vsn, m->vsn) != 0) {
			free(vsn);
			sv_terms_release(&ts);
			status = sv_err_set(c->e, SV_INPUT, "%s: not version %s of "
			    "%s (systools: no_valid_version)", path.s, m->vsn,
			    m->name);
			goto out;
		}
		free(vsn);
		xgrow(&c->owned, &c->owned_alloc, c->nowned + 1,
		    sizeof(*c->owned));
		c->owned[c->nowned++] = ts.v[0];
		ts.v[0] = NULL;
		sv_terms_release(&ts);
		res = c->owned[c->nowned - 1];
	}
	props = res->v[2];
	if ((status = app_names(c, props, "modules", &a->mods, path.s)) ||
	    (status = app_names(c, props, "applications", &a->uses, path.s)) ||
	    (status = app_names(c, props, "optional_applications", &a->opts,
	    path.s)) ||
	    (status = app_names(c, props, "included_applications", &a->incls,
	    path.s)) ||
	    (status = app_names(c, props, "registered", &a->regs, path.s)))
		goto out;
out:
	buf_release(&path);
	return status;
}

/* The .rel position of name (1-based), or 0 when not in the release. */
static size_t
rel_pos(const struct rset *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->apps[i].name, name) == 0)
			return i + 1;
	return 0;
}

/* Sort names by .rel position, names not in the release last (stable),
 * as sort_used_and_incl_appls does for lists of two or more. */
static void
sort_by_rel(const struct rset *s, struct names *ns)
{
	size_t i, j;

	if (ns->n < 2)
		return;
	for (i = 1; i < ns->n; i++) {
		const char *x = ns->v[i];
		size_t px = rel_pos(s, x);

		for (j = i; j > 0; j--) {
			size_t py = rel_pos(s, ns->v[j - 1]);

			/* numbers sort before the atom 'optional' */
			if (px == 0 || (py != 0 && py <= px))
				break;
			ns->v[j] = ns->v[j - 1];
		}
		ns->v[j] = x;
	}
}

/* The application that includes name (directly), or NULL. */
static const char *
includer(const struct rset *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (rl_names_has(&s->apps[i].incls, name))
			return s->apps[i].name;
	return NULL;
}

static const char *
top_app(const struct rset *s, const char *name)
{
	const char *up;
	size_t guard = 0;

	while ((up = includer(s, name)) != NULL && guard++ <= s->n)
		name = up;
	return name;
}

/* systools_make:add_top_apps_to_uses: a used application that another
 * includes is replaced by its top application. */
static void
top_apps_to_uses(struct rset *s)
{
	size_t i, k;

	for (i = 0; i < s->n; i++) {
		struct rapp *a = &s->apps[i];
		const char *mytop = top_app(s, a->name);
		struct names orig = a->uses;
		struct names acc = { NULL, 0, 0 };

		for (k = 0; k < orig.n; k++)
			rl_names_push(&acc, orig.v[k]);
		for (k = 0; k < orig.n; k++) {
			const char *used = orig.v[k], *dep, *usedtop;

			if (strcmp(used, mytop) == 0) {
				rl_names_del(&acc, mytop);
				continue;
			}
			if ((dep = includer(s, used)) == NULL)
				continue;
			usedtop = top_app(s, dep);
			if (rl_names_has(&acc, usedtop))
				rl_names_del(&acc, used);
			else if (strcmp(usedtop, mytop) != 0) {
				rl_names_del(&acc, used);
				rl_names_push(&acc, usedtop);
			}
		}
		rl_names_release(&a->uses);
		a->uses = acc;
	}
}

/* systools_make:sort_appls: applications after the ones they use or
 * include, otherwise in .rel order. */
static int
cmp_modpos(const void *x, const void *y)
{
	const struct modpos *p = x, *q = y;
	int c = strcmp(p->module, q->module);

	if (c != 0)
		return c;
	return p->pos < q->pos ? -1 : p->pos > q->pos;
}

/* Fill s->bymod once the order is known. */
static void
index_modules(struct rset *s)
{
	size_t i, k, n = 0;

	for (i = 0; i < s->n; i++)
		n += s->apps[i].mods.n;
	s->bymod = xcalloc(n + 1, sizeof(*s->bymod));
	for (i = 0; i < s->n; i++) {
		const struct rapp *a = &s->apps[s->sorted[i]];

		for (k = 0; k < a->mods.n; k++) {
			s->bymod[s->nbymod].module = a->mods.v[k];
			s->bymod[s->nbymod++].pos = i;
		}
	}
	if (s->nbymod > 1)
		qsort(s->bymod, s->nbymod, sizeof(*s->bymod), cmp_modpos);
}

static int
sort_apps(struct ctx *c, struct rset *s)
{
	size_t *list = xcalloc(s->n + 1, sizeof(*list)), nlist = s->n;
	size_t *found = xcalloc(s->n + 1, sizeof(*found));
	size_t *next = xcalloc(2 * s->n + 2, sizeof(*next));
	bool *visited = xcalloc(s->n + 1, sizeof(*visited));
	struct names missing = { NULL, 0, 0 }, circular = { NULL, 0, 0 };
	size_t i, nout = 0, rounds = 0;
	int status = SV_OK;

	s->sorted = xcalloc(s->n + 1, sizeof(*s->sorted));
	for (i = 0; i < s->n; i++)
		list[i] = i;
	while (nlist > 0) {
		size_t a = list[0], nfound = 0, nt, k, pass;
		size_t *t = list + 1;

		if (++rounds > 4 * s->n * s->n + 16)
			break;
		nt = nlist - 1;
		/* find_all over reverse(uses), then reverse(includes) */
		for (pass = 0; pass < 2; pass++) {
			const struct names *want = pass == 0 ? &s->apps[a].uses :
			    &s->apps[a].incls;
			size_t start = nfound;

			for (k = want->n; k-- > 0;) {
				const char *name = want->v[k];
				size_t j;

				for (j = 0; j < nt; j++)
					if (strcmp(s->apps[t[j]].name, name) == 0)
						break;
				if (j < nt) {
					if (rl_names_has(&s->apps[t[j]].incls,
					    s->apps[a].name)) {
						size_t p = rel_pos(s, name);

						if (p == 0 || !visited[p - 1])
							rl_names_push(&missing,
							    name);
						continue;
					}
					/* Found = [App | Found] */
					memmove(&found[start + 1], &found[start],
					    (nfound - start) * sizeof(*found));
					found[start] = t[j];
					nfound++;
					memmove(&t[j], &t[j + 1],
					    (nt - j - 1) * sizeof(*t));
					nt--;
				} else {
					size_t p = rel_pos(s, name);

					if ((p == 0 || !visited[p - 1]) &&
					    (pass == 1 ||
					    !rl_names_has(&s->apps[a].opts, name)))
						rl_names_push(&missing, name);
				}
			}
		}
		if (nfound == 0) {
			s->sorted[nout++] = a;
			visited[a] = true;
			memmove(list, t, nt * sizeof(*list));
			nlist = nt;
			continue;
		}
		/* L ++ [A | T2], without the ones already visited */
		{
			size_t nn = 0;
			bool newcirc = false;

			for (k = 0; k < nfound; k++) {
				if (visited[found[k]]) {
					rl_names_push(&circular,
					    s->apps[found[k]].name);
					newcirc = true;
					continue;
				}
				next[nn++] = found[k];
			}
			if (newcirc)
				rl_names_push(&circular, s->apps[a].name);
			next[nn++] = a;
			for (k = 0; k < nt; k++)
				next[nn++] = t[k];
			memcpy(list, next, nn * sizeof(*list));
			nlist = nn;
			visited[a] = true;
		}
	}
	if (circular.n > 0 || nlist > 0) {
		struct buf b;

		buf_init(&b);
		for (i = 0; i < circular.n; i++)
			if (!rl_names_has(&missing, circular.v[i]))
				buf_addf(&b, "%s%s", b.len ? ", " : "",
				    circular.v[i]);
		status = sv_err_set(c->e, SV_INPUT, "release %s %s: circular "
		    "dependencies between applications %s (systools: "
		    "circular_dependencies)", s->rel->name, s->rel->vsn,
		    b.len ? b.s : "?");
		buf_release(&b);
	} else if (missing.n > 0) {
		status = sv_err_set(c->e, SV_INPUT, "release %s %s: applications "
		    "used but not in the release: %s (systools: "
		    "undefined_applications)", s->rel->name, s->rel->vsn,
		    missing.v[0]);
	}
	rl_names_release(&missing);
	rl_names_release(&circular);
	free(list);
	free(found);
	free(next);
	free(visited);
	return status;
}

struct modref_key {
	const char *mod;
	size_t app;
};

static int
cmp_modref(const void *a, const void *b)
{
	const struct modref_key *x = a, *y = b;
	int c = strcmp(x->mod, y->mod);

	if (c != 0)
		return c;
	return x->app < y->app ? -1 : x->app > y->app;
}

/* Read and check the applications of rel as systools_make:get_release
 * does, and sort them. */
int
rl_rset_load(struct ctx *c, struct rset *s, const struct sv_otp_release *rel)
{
	const char *kernel = NULL, *stdlib = NULL;
	bool sasl = false;
	size_t i, j, k;
	int status = SV_OK;

	s->rel = rel;
	s->apps = xcalloc(rel->napps + 1, sizeof(*s->apps));
	for (i = 0; i < rel->napps; i++) {
		const struct sv_otp_app *m = &rel->apps[i];
		const char *type = m->type ? m->type : "permanent";

		if (strcmp(m->name, "kernel") == 0 && kernel == NULL)
			kernel = type;
		else if (strcmp(m->name, "stdlib") == 0 && stdlib == NULL)
			stdlib = type;
		else if (strcmp(m->name, "sasl") == 0)
			sasl = true;
	}
	if (kernel == NULL || stdlib == NULL)
		return sv_err_set(c->e, SV_INPUT, "%s: %s has no %s application "
		    "(systools: missing_mandatory_app)", c->where, rel->rel_path,
		    kernel == NULL ? "kernel" : "stdlib");
	if (strcmp(kernel, "permanent") != 0 || strcmp(stdlib, "permanent") != 0)
		return sv_err_set(c->e, SV_INPUT, "%s: %s starts %s as %s; it "
		    "must be permanent (systools: mandatory_app)", c->where,
		    rel->rel_path, strcmp(kernel, "permanent") ? "kernel" :
		    "stdlib", strcmp(kernel, "permanent") ? kernel : stdlib);
	if (!sasl)
		return sv_err_set(c->e, SV_INPUT, "release %s %s has no sasl "
		    "application: release_handler cannot upgrade it (systools: "
		    "missing_sasl)", rel->name, rel->vsn);
	for (i = 0; i < rel->napps; i++) {
		s->n = i + 1;
		if ((status = rapp_load(c, &s->apps[i], &rel->apps[i])))
			return status;
	}
	/* undefined_applications */
	for (i = 0; i < s->n; i++) {
		const struct rapp *a = &s->apps[i];

		for (k = 0; k < a->uses.n + a->incls.n; k++) {
			const char *u = k < a->uses.n ? a->uses.v[k] :
			    a->incls.v[k - a->uses.n];

			if (k < a->uses.n && rl_names_has(&a->opts, u))
				continue;
			if (rl_rset_find(s, u) == NULL)
				return sv_err_set(c->e, SV_INPUT, "release %s %s: "
				    "%s needs application %s, which is not in "
				    "the release (systools: "
				    "undefined_applications)", rel->name,
				    rel->vsn, a->name, u);
		}
	}
	/* duplicate registered names, duplicate includes */
	for (i = 0; i < s->n; i++)
		for (j = i + 1; j < s->n; j++) {
			for (k = 0; k < s->apps[i].regs.n; k++)
				if (rl_names_has(&s->apps[j].regs,
				    s->apps[i].regs.v[k]))
					return sv_err_set(c->e, SV_INPUT,
					    "release %s %s: %s and %s both "
					    "register '%s' (systools: "
					    "duplicate_register)", rel->name,
					    rel->vsn, s->apps[i].name,
					    s->apps[j].name, s->apps[i].regs.v[k]);
			for (k = 0; k < s->apps[i].incls.n; k++)
				if (rl_names_has(&s->apps[j].incls,
				    s->apps[i].incls.v[k]))
					return sv_err_set(c->e, SV_INPUT,
					    "release %s %s: %s and %s both "
					    "include '%s' (systools: "
					    "duplicate_include)", rel->name,
					    rel->vsn, s->apps[i].name,
					    s->apps[j].name, s->apps[i].incls.v[k]);
		}
	top_apps_to_uses(s);
	for (i = 0; i < s->n; i++) {
		sort_by_rel(s, &s->apps[i].incls);
		sort_by_rel(s, &s->apps[i].uses);
	}
	/* duplicate modules: sorted, neighbours compared */
	{
		struct modref_key *all;
		size_t n = 0;
		int dup = SV_OK;

		for (i = 0; i < s->n; i++)
			n += s->apps[i].mods.n;
		all = xcalloc(n + 1, sizeof(*all));
		n = 0;
		for (i = 0; i < s->n; i++)
			for (k = 0; k < s->apps[i].mods.n; k++) {
				all[n].mod = s->apps[i].mods.v[k];
				all[n++].app = i;
			}
		if (n > 1)
			qsort(all, n, sizeof(*all), cmp_modref);
		for (k = 1; k < n && dup == SV_OK; k++)
			if (strcmp(all[k - 1].mod, all[k].mod) == 0) {
				size_t x = all[k - 1].app, y = all[k].app;

				dup = sv_err_set(c->e, SV_INPUT, "release %s %s: "
				    "module '%s' is in %s and %s (systools: "
				    "duplicate_modules)", rel->name, rel->vsn,
				    all[k].mod, s->apps[x < y ? x : y].name,
				    s->apps[x < y ? y : x].name);
			}
		free(all);
		if (dup != SV_OK)
			return dup;
	}
	if ((status = sort_apps(c, s)) == SV_OK)
		index_modules(s);
	return status;
}
