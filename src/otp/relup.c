/*
 * relup.c - systools' relup translation, in C (see relup.h).
 *
 * The steps follow systools_relup (which scripts, in which order) and
 * systools_rc (their translation); the application order follows
 * systools_make (.app files checked, then sorted by dependencies). Every
 * check systools makes on its input is made here, in the same order, so
 * that what it refuses is refused with a message saying where.
 */
#include "config.h"

#include "otp/relup.h"

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

#define APPUP_MAX (16u << 20)
#define APP_MAX (16u << 20)

/* ---- small vectors ---- */

/* Names borrowed from terms. */
struct names {
	const char **v;
	size_t n, alloc;
};

static void
names_push(struct names *ns, const char *s)
{
	xgrow(&ns->v, &ns->alloc, ns->n + 1, sizeof(*ns->v));
	ns->v[ns->n++] = s;
}

static bool
names_has(const struct names *ns, const char *s)
{
	size_t i;

	for (i = 0; i < ns->n; i++)
		if (strcmp(ns->v[i], s) == 0)
			return true;
	return false;
}

/* Remove the first occurrence of s (Erlang's L -- [S]). */
static void
names_del(struct names *ns, const char *s)
{
	size_t i;

	for (i = 0; i < ns->n; i++)
		if (strcmp(ns->v[i], s) == 0) {
			memmove(&ns->v[i], &ns->v[i + 1],
			    (ns->n - i - 1) * sizeof(*ns->v));
			ns->n--;
			return;
		}
}

static void
names_release(struct names *ns)
{
	free(ns->v);
	memset(ns, 0, sizeof(*ns));
}

/* An instruction and the application whose appup it came from. */
struct item {
	struct sv_term *t;       /* owned */
	const char *origin;      /* borrowed, or NULL */
};

struct script {
	struct item *v;
	size_t n, alloc;
};

static void
script_push(struct script *s, struct sv_term *t, const char *origin)
{
	xgrow(&s->v, &s->alloc, s->n + 1, sizeof(*s->v));
	s->v[s->n].t = t;
	s->v[s->n].origin = origin;
	s->n++;
}

static void
script_release(struct script *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		sv_term_free(s->v[i].t);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* Move all of src to the end of dst; src ends empty. */
static void
script_append(struct script *dst, struct script *src)
{
	size_t i;

	for (i = 0; i < src->n; i++)
		script_push(dst, src->v[i].t, src->v[i].origin);
	free(src->v);
	memset(src, 0, sizeof(*src));
}

/* ---- term shapes ---- */

static struct sv_term *
atom(const char *s)
{
	return sv_term_atom(s);
}

static bool
is_tagged(const struct sv_term *t, const char *tag, size_t n)
{
	return t->kind == SV_TERM_TUPLE && t->n == n && t->n > 0 &&
	    sv_term_is_atom(t->v[0], tag);
}

/* A tuple whose first element is an atom: its name, else NULL. */
static const char *
tag_of(const struct sv_term *t)
{
	if (t->kind == SV_TERM_TUPLE && t->n > 0 &&
	    t->v[0]->kind == SV_TERM_ATOM)
		return t->v[0]->s;
	return NULL;
}

/* A proper list (strings count) */
static bool
proper_list(const struct sv_term *t)
{
	return sv_term_is_list(t);
}

/* The elements of a proper list that is not a string (a string is a
 * list of integers: none of our lists of atoms or tuples is one). */
static size_t
list_n(const struct sv_term *t)
{
	return t->kind == SV_TERM_LIST ? t->n : 0;
}

/* A list of atoms (Erlang's a_list_p); "" counts as []. */
static bool
atom_list(const struct sv_term *t)
{
	size_t i;

	if (!proper_list(t))
		return false;
	if (t->kind == SV_TERM_STRING)
		return t->len == 0;
	for (i = 0; i < list_n(t); i++)
		if (t->v[i]->kind != SV_TERM_ATOM)
			return false;
	return true;
}

static char *
flat(const struct sv_term *t)
{
	struct buf b;

	buf_init(&b);
	sv_term_write_flat(&b, t);
	if (b.len > 200) {
		buf_truncate(&b, 200);
		buf_adds(&b, "...");
	}
	return buf_detach(&b);
}

/* ---- the error message context ---- */

struct ctx {
	const struct sv_otp_relup_options *o;
	struct sv_otp_relup *r;
	struct sv_err *e;
	char *otp_root;             /* owned, resolved on first need */
	bool otp_root_tried;
	struct sv_term **owned;     /* .app terms read from the OTP root */
	size_t nowned, owned_alloc;
	char **strs;                /* paths of appup files read */
	size_t nstrs, strs_alloc;
	const char *where;          /* "upgrade from 1.0.0" */
};

static void
warn(struct ctx *c, const char *f, ...) __attribute__((format(printf, 2, 3)));

static void
warn(struct ctx *c, const char *f, ...)
{
	struct buf b;
	va_list ap;

	buf_init(&b);
	va_start(ap, f);
	buf_vaddf(&b, f, ap);
	va_end(ap);
	c->r->warnings = xrealloc(c->r->warnings, (c->r->nwarnings + 1) *
	    sizeof(*c->r->warnings));
	c->r->warnings[c->r->nwarnings++] = buf_detach(&b);
}

/* An error about instruction t (from origin's appup), with the systools
 * reason. */
static int
ierr(struct ctx *c, const struct item *it, const char *why,
    const char *reason)
{
	char *s = flat(it->t);

	if (it->origin != NULL)
		sv_err_set(c->e, SV_INPUT, "%s: %s's appup: %s: %s (systools: %s)",
		    c->where, it->origin, s, why, reason);
	else
		sv_err_set(c->e, SV_INPUT, "%s: %s: %s (systools: %s)", c->where,
		    s, why, reason);
	free(s);
	return SV_INPUT;
}

/* ---- applications as systools_make sees them ---- */

struct rapp {
	const char *name, *vsn, *type;  /* borrowed */
	const char *dir;                /* lib/NAME-VSN, borrowed */
	struct names mods, uses, opts, incls, regs;
};

/* A module and the place of its application in systools' order. */
struct modpos {
	const char *module;             /* borrowed from the rapp */
	size_t pos;                     /* in sorted */
};

struct rset {
	const struct sv_otp_release *rel;
	struct rapp *apps;              /* owned, in .rel order */
	size_t n;
	size_t *sorted;                 /* owned: indices, systools' order */
	struct modpos *bymod;           /* owned: every module, by name then
	                                   pos (for lib_of) */
	size_t nbymod;
};

static void
rset_release(struct rset *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		struct rapp *a = &s->apps[i];

		names_release(&a->mods);
		names_release(&a->uses);
		names_release(&a->opts);
		names_release(&a->incls);
		names_release(&a->regs);
	}
	free(s->apps);
	free(s->sorted);
	free(s->bymod);
	memset(s, 0, sizeof(*s));
}

static struct rapp *
rset_find(const struct rset *s, const char *name)
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
	if (kv->n != 2 || !atom_list(kv->v[1]))
		return sv_err_set(c->e, SV_INPUT, "%s: {%s, ...} must be a list "
		    "of atoms (systools: bad_param)", path, key);
	for (i = 0; i < list_n(kv->v[1]); i++)
		names_push(out, kv->v[1]->v[i]->s);
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
		    !proper_list(ts.v[0]->v[2])) {
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
		if (names_has(&s->apps[i].incls, name))
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
			names_push(&acc, orig.v[k]);
		for (k = 0; k < orig.n; k++) {
			const char *used = orig.v[k], *dep, *usedtop;

			if (strcmp(used, mytop) == 0) {
				names_del(&acc, mytop);
				continue;
			}
			if ((dep = includer(s, used)) == NULL)
				continue;
			usedtop = top_app(s, dep);
			if (names_has(&acc, usedtop))
				names_del(&acc, used);
			else if (strcmp(usedtop, mytop) != 0) {
				names_del(&acc, used);
				names_push(&acc, usedtop);
			}
		}
		names_release(&a->uses);
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
					if (names_has(&s->apps[t[j]].incls,
					    s->apps[a].name)) {
						size_t p = rel_pos(s, name);

						if (p == 0 || !visited[p - 1])
							names_push(&missing, name);
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
					    !names_has(&s->apps[a].opts, name)))
						names_push(&missing, name);
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
					names_push(&circular,
					    s->apps[found[k]].name);
					newcirc = true;
					continue;
				}
				next[nn++] = found[k];
			}
			if (newcirc)
				names_push(&circular, s->apps[a].name);
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
			if (!names_has(&missing, circular.v[i]))
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
	names_release(&missing);
	names_release(&circular);
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
static int
rset_load(struct ctx *c, struct rset *s, const struct sv_otp_release *rel)
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

			if (k < a->uses.n && names_has(&a->opts, u))
				continue;
			if (rset_find(s, u) == NULL)
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
				if (names_has(&s->apps[j].regs,
				    s->apps[i].regs.v[k]))
					return sv_err_set(c->e, SV_INPUT,
					    "release %s %s: %s and %s both "
					    "register '%s' (systools: "
					    "duplicate_register)", rel->name,
					    rel->vsn, s->apps[i].name,
					    s->apps[j].name, s->apps[i].regs.v[k]);
			for (k = 0; k < s->apps[i].incls.n; k++)
				if (names_has(&s->apps[j].incls,
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

/* ---- appup entries ---- */

/* The instructions of appup (a {Vsn, Up, Down} term) for mode (up or
 * down) from or to base_vsn, or an error naming path. */
static int
appup_entry(struct ctx *c, const struct sv_term *appup, const char *path,
    const struct rapp *top, bool up, const char *base_vsn,
    const struct sv_term **out)
{
	const struct sv_term *list;
	char *vsn = NULL;
	size_t i;

	*out = NULL;
	if (appup->kind != SV_TERM_TUPLE || appup->n != 3)
		return sv_err_set(c->e, SV_INPUT, "%s: expected {\"VSN\", "
		    "[{UpFromVsn, Instructions}], [{DownToVsn, Instructions}]} "
		    "(systools: file_problem)", path);
	if (!sv_term_text(appup->v[0], &vsn) || strcmp(vsn, top->vsn) != 0)
		warn(c, "%s: the appup is for version %s, but %s is %s "
		    "(systools: bad_vsn)", path, vsn ? vsn : "?", top->name,
		    top->vsn);
	free(vsn);
	list = appup->v[up ? 1 : 2];
	if (!proper_list(list))
		return sv_err_set(c->e, SV_INPUT, "%s: the %s list is not a list",
		    path, up ? "upgrade" : "downgrade");
	for (i = 0; i < list_n(list); i++) {
		const struct sv_term *t = list->v[i];

		if (t->kind == SV_TERM_TUPLE && t->n == 2 &&
		    sv_otp_appup_key_matches(t->v[0], base_vsn)) {
			*out = t->v[1];
			return SV_OK;
		}
	}
	sv_err_set(c->e, SV_INPUT, "%s: no %s entry %s %s %s for %s %s "
	    "(systools: no_relup)", path, up ? "upgrade" : "downgrade",
	    up ? "from" : "to", top->name, base_vsn, top->name, top->vsn);
	return sv_err_hint(c->e, "run 'smoothver appup' to write it, or add "
	    "{\"%s\", [...]} to the %s list", base_vsn,
	    up ? "upgrade" : "downgrade");
}

/* ---- translation (systools_rc) ---- */

static const char *const dep_instrs[] = {
	"update", "load_module", "add_module", "delete_module", NULL
};

static bool
is_dep_instr(const struct sv_term *t)
{
	const char *tag = tag_of(t);
	size_t i;

	if (tag == NULL || t->n < 2)
		return false;
	for (i = 0; dep_instrs[i]; i++)
		if (strcmp(tag, dep_instrs[i]) == 0)
			return true;
	return false;
}

static struct sv_term *
copy(const struct sv_term *t)
{
	return sv_term_copy(t);
}

/* Expand the shorthands of one instruction (expand_script). */
static struct sv_term *
expand(const struct sv_term *i)
{
	const char *tag = tag_of(i);

	if (tag == NULL)
		return copy(i);
	if (strcmp(tag, "load_module") == 0) {
		if (i->n == 2)
			return sv_term_tuplev(5, atom("load_module"), copy(i->v[1]),
			    atom("brutal_purge"), atom("brutal_purge"),
			    sv_term_list());
		if (i->n == 3 && proper_list(i->v[2]))
			return sv_term_tuplev(5, atom("load_module"), copy(i->v[1]),
			    atom("brutal_purge"), atom("brutal_purge"),
			    copy(i->v[2]));
	} else if (strcmp(tag, "update") == 0) {
		if (i->n == 2)
			return sv_term_tuplev(6, atom("update"), copy(i->v[1]),
			    atom("soft"), atom("brutal_purge"),
			    atom("brutal_purge"), sv_term_list());
		if (i->n == 3 && sv_term_is_atom(i->v[2], "supervisor"))
			return sv_term_tuplev(8, atom("update"), copy(i->v[1]),
			    atom("static"), atom("default"),
			    sv_term_tuplev(2, atom("advanced"), sv_term_list()),
			    atom("brutal_purge"), atom("brutal_purge"),
			    sv_term_list());
		if (i->n == 3 && (i->v[2]->kind == SV_TERM_TUPLE ||
		    sv_term_is_atom(i->v[2], "soft")))
			return sv_term_tuplev(6, atom("update"), copy(i->v[1]),
			    copy(i->v[2]), atom("brutal_purge"),
			    atom("brutal_purge"), sv_term_list());
		if (i->n == 3 && proper_list(i->v[2]))
			return sv_term_tuplev(6, atom("update"), copy(i->v[1]),
			    atom("soft"), atom("brutal_purge"),
			    atom("brutal_purge"), copy(i->v[2]));
		if (i->n == 4 && (i->v[2]->kind == SV_TERM_TUPLE ||
		    sv_term_is_atom(i->v[2], "soft")) && proper_list(i->v[3]))
			return sv_term_tuplev(6, atom("update"), copy(i->v[1]),
			    copy(i->v[2]), atom("brutal_purge"),
			    atom("brutal_purge"), copy(i->v[3]));
	} else if (strcmp(tag, "add_application") == 0 && i->n == 2) {
		return sv_term_tuplev(3, atom("add_application"), copy(i->v[1]),
		    atom("permanent"));
	}
	return copy(i);
}

/* expand_script: a list instruction is spliced in as it is. */
static int
expand_script(struct ctx *c, const struct sv_term *rus, const char *origin,
    struct script *out)
{
	size_t i, j;

	if (!proper_list(rus))
		return sv_err_set(c->e, SV_INPUT, "%s: %s's appup: the "
		    "instructions must be a list", c->where, origin);
	for (i = 0; i < list_n(rus); i++) {
		const struct sv_term *t = rus->v[i];

		if (t->kind == SV_TERM_LIST) {
			for (j = 0; j < t->n; j++)
				script_push(out, copy(t->v[j]), origin);
		} else if (t->kind == SV_TERM_STRING) {
			/* a list of integers: "" splices to nothing, the
			 * rest is refused by the syntax check */
			if (t->len > 0)
				script_push(out, copy(t), origin);
		} else {
			script_push(out, expand(t), origin);
		}
	}
	return SV_OK;
}

/* split_instrs + split_script: before and after point_of_no_return,
 * load_object_code moved before. s is emptied. */
static int
split_script(struct ctx *c, struct script *s, struct script *before,
    struct script *after)
{
	size_t i, ponr = s->n;
	int status = SV_OK;

	for (i = 0; i < s->n; i++)
		if (sv_term_is_atom(s->v[i].t, "point_of_no_return")) {
			if (ponr != s->n) {
				status = ierr(c, &s->v[i], "a second "
				    "point_of_no_return", "too_many_point_of_no_return");
				goto out;
			}
			ponr = i;
		}
	if (ponr != s->n)
		for (i = 0; i < ponr; i++) {
			const struct sv_term *t = s->v[i].t;

			if (!is_tagged(t, "load_object_code", 2) &&
			    !is_tagged(t, "apply", 2)) {
				status = ierr(c, &s->v[i], "only apply and "
				    "load_object_code may come before "
				    "point_of_no_return",
				    "bad_op_before_point_of_no_return");
				goto out;
			}
		}
	for (i = 0; i < ponr && ponr != s->n; i++) {
		script_push(before, s->v[i].t, s->v[i].origin);
		s->v[i].t = NULL;
	}
	for (i = ponr == s->n ? 0 : ponr + 1; i < s->n; i++)
		if (is_tagged(s->v[i].t, "load_object_code", 2)) {
			script_push(before, s->v[i].t, s->v[i].origin);
			s->v[i].t = NULL;
		}
	for (i = ponr == s->n ? 0 : ponr + 1; i < s->n; i++)
		if (s->v[i].t != NULL) {
			script_push(after, s->v[i].t, s->v[i].origin);
			s->v[i].t = NULL;
		}
	if (ponr != s->n) {
		sv_term_free(s->v[ponr].t);
		s->v[ponr].t = NULL;
	}
out:
	script_release(s);
	return status;
}

/* ---- syntax (check_op) ---- */

static bool
is_timeout(const struct sv_term *t)
{
	return sv_term_is_atom(t, "default") || sv_term_is_atom(t, "infinity") ||
	    (t->kind == SV_TERM_INT && t->i > 0) ||
	    (t->kind == SV_TERM_BIGINT && t->s[0] != '-');
}

static bool
is_purge(const struct sv_term *t)
{
	return sv_term_is_atom(t, "soft_purge") ||
	    sv_term_is_atom(t, "brutal_purge");
}

static bool
is_change(const struct sv_term *t)
{
	return sv_term_is_atom(t, "soft") || is_tagged(t, "advanced", 2);
}

/* A proper list whose elements all pass ok (a string only when empty). */
static bool
all_of(const struct sv_term *t, bool (*ok)(const struct sv_term *))
{
	size_t i;

	if (!proper_list(t))
		return false;
	if (t->kind == SV_TERM_STRING)
		return t->len == 0;
	for (i = 0; i < t->n; i++)
		if (!ok(t->v[i]))
			return false;
	return true;
}

static bool
is_atom(const struct sv_term *t)
{
	return t->kind == SV_TERM_ATOM;
}

static bool
is_suspend_elem(const struct sv_term *t)
{
	if (t->kind == SV_TERM_TUPLE && t->n == 2)
		return is_atom(t->v[0]) && is_timeout(t->v[1]);
	return is_atom(t);
}

static bool
is_code_change_elem(const struct sv_term *t)
{
	return t->kind == SV_TERM_TUPLE && t->n == 2 && is_atom(t->v[0]);
}

static bool
is_start_type(const struct sv_term *t)
{
	static const char *const types[] = {
		"none", "load", "temporary", "transient", "permanent", NULL
	};
	size_t i;

	for (i = 0; types[i]; i++)
		if (sv_term_is_atom(t, types[i]))
			return true;
	return false;
}

/* check_op: NULL when t is a valid instruction, else what is wrong. */
static const char *
check_op(const struct sv_term *t)
{
	const char *tag = tag_of(t);
	static const char *const plain[] = {
		"restart", "reboot", "point_of_no_return",
		"restart_new_emulator", "restart_emulator", NULL
	};
	size_t i, n = t->n;

	if (t->kind == SV_TERM_ATOM) {
		if (strcmp(t->s, "mnesia_backup") == 0)
			return "not_yet_implemented";
		for (i = 0; plain[i]; i++)
			if (strcmp(t->s, plain[i]) == 0)
				return NULL;
		return "bad_instruction";
	}
	if (tag == NULL)
		return "bad_instruction";
	if (strcmp(tag, "update") == 0 && n >= 6 && n <= 8) {
		const struct sv_term *const *v = (const struct sv_term *const *)
		    t->v;
		size_t k = 2;

		if (!is_atom(v[1]))
			return "bad_module";
		if (n == 8 && !sv_term_is_atom(v[k], "static") &&
		    !sv_term_is_atom(v[k], "dynamic"))
			return "bad_mod_type";
		if (n == 8)
			k++;
		if (n >= 7 && !is_timeout(v[k++]))
			return "bad_timeout";
		if (!is_change(v[k++]))
			return "bad_change";
		if (!is_purge(v[k]) || !is_purge(v[k + 1]))
			return "bad_purge_method";
		if (!proper_list(v[k + 2]))
			return "bad_list";
		return all_of(v[k + 2], is_atom) ? NULL : "bad_module";
	}
	if (strcmp(tag, "load_module") == 0 && n == 5) {
		if (!is_atom(t->v[1]))
			return "bad_module";
		if (!is_purge(t->v[2]) || !is_purge(t->v[3]))
			return "bad_purge_method";
		if (!proper_list(t->v[4]))
			return "bad_list";
		return all_of(t->v[4], is_atom) ? NULL : "bad_module";
	}
	if ((strcmp(tag, "add_module") == 0 ||
	    strcmp(tag, "delete_module") == 0) && (n == 2 || n == 3)) {
		if (!is_atom(t->v[1]))
			return "bad_module";
		if (n == 3 && !proper_list(t->v[2]))
			return "bad_list";
		return n == 2 || all_of(t->v[2], is_atom) ? NULL : "bad_module";
	}
	if ((strcmp(tag, "remove_application") == 0 ||
	    strcmp(tag, "restart_application") == 0) && n == 2)
		return is_atom(t->v[1]) ? NULL : "bad_application";
	if (strcmp(tag, "add_application") == 0 && n == 3) {
		if (!is_atom(t->v[1]))
			return "bad_application";
		return is_start_type(t->v[2]) ? NULL : "bad_start_type";
	}
	if (strcmp(tag, "load_object_code") == 0 && n == 2 &&
	    t->v[1]->kind == SV_TERM_TUPLE && t->v[1]->n == 3) {
		const struct sv_term *x = t->v[1];

		if (!is_atom(x->v[0]))
			return "bad_lib";
		if (!proper_list(x->v[1]))
			return "bad_lib_vsn";
		if (!proper_list(x->v[2]))
			return "bad_list";
		return all_of(x->v[2], is_atom) ? NULL : "bad_module";
	}
	if ((strcmp(tag, "load") == 0 || strcmp(tag, "remove") == 0) &&
	    n == 2 && t->v[1]->kind == SV_TERM_TUPLE && t->v[1]->n == 3) {
		const struct sv_term *x = t->v[1];

		if (!is_atom(x->v[0]))
			return "bad_module";
		return is_purge(x->v[1]) && is_purge(x->v[2]) ? NULL :
		    "bad_purge_method";
	}
	if ((strcmp(tag, "purge") == 0 || strcmp(tag, "resume") == 0 ||
	    strcmp(tag, "stop") == 0 || strcmp(tag, "start") == 0) && n == 2) {
		if (!proper_list(t->v[1]))
			return "bad_list";
		return all_of(t->v[1], is_atom) ? NULL : "bad_module";
	}
	if (strcmp(tag, "suspend") == 0 && n == 2) {
		if (!proper_list(t->v[1]))
			return "bad_list";
		return all_of(t->v[1], is_suspend_elem) ? NULL : "bad_module";
	}
	if (strcmp(tag, "code_change") == 0 && (n == 2 || n == 3)) {
		const struct sv_term *mods = t->v[n - 1];

		if (!proper_list(mods))
			return "bad_list";
		if (n == 3 && !sv_term_is_atom(t->v[1], "up") &&
		    !sv_term_is_atom(t->v[1], "down"))
			return "bad_mode";
		return all_of(mods, is_code_change_elem) ? NULL :
		    "bad_code_change";
	}
	if (strcmp(tag, "sync_nodes") == 0 && n == 3) {
		const struct sv_term *x = t->v[2];

		if (x->kind == SV_TERM_TUPLE && x->n == 3) {
			if (!is_atom(x->v[0]))
				return "bad_module";
			if (!is_atom(x->v[1]))
				return "bad_func";
			return proper_list(x->v[2]) ? NULL : "bad_args_list";
		}
		if (!proper_list(x))
			return "bad_list";
		return all_of(x, is_atom) ? NULL : "bad_node";
	}
	if (strcmp(tag, "apply") == 0 && n == 2 &&
	    t->v[1]->kind == SV_TERM_TUPLE && t->v[1]->n == 3) {
		const struct sv_term *x = t->v[1];

		if (!is_atom(x->v[0]))
			return "bad_module";
		if (!is_atom(x->v[1]))
			return "bad_func";
		return proper_list(x->v[2]) ? NULL : "bad_args_list";
	}
	return "bad_instruction";
}

static int
check_syntax(struct ctx *c, const struct script *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		const char *bad = check_op(s->v[i].t);

		if (bad != NULL)
			return ierr(c, &s->v[i], strcmp(bad, "bad_instruction") == 0 ?
			    "not an appup or relup instruction" : "malformed "
			    "instruction", bad);
	}
	return SV_OK;
}

/* normalize_instrs */
static void
normalize(struct script *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		struct sv_term *t = s->v[i].t, *nt = NULL;
		const char *tag = tag_of(t);

		if (tag == NULL)
			continue;
		if (strcmp(tag, "update") == 0 && t->n == 6)
			nt = sv_term_tuplev(8, atom("update"), copy(t->v[1]),
			    atom("dynamic"), atom("default"), copy(t->v[2]),
			    copy(t->v[3]), copy(t->v[4]), copy(t->v[5]));
		else if (strcmp(tag, "update") == 0 && t->n == 7)
			nt = sv_term_tuplev(8, atom("update"), copy(t->v[1]),
			    atom("dynamic"), copy(t->v[2]), copy(t->v[3]),
			    copy(t->v[4]), copy(t->v[5]), copy(t->v[6]));
		else if ((strcmp(tag, "add_module") == 0 ||
		    strcmp(tag, "delete_module") == 0) && t->n == 2)
			nt = sv_term_tuplev(3, atom(tag), copy(t->v[1]),
			    sv_term_list());
		if (nt != NULL) {
			sv_term_free(t);
			s->v[i].t = nt;
		}
	}
}

/* The elements of a proper list of terms (never a non-empty string
 * after check_syntax). */
static size_t
elems(const struct sv_term *t, struct sv_term *const **v)
{
	*v = t->kind == SV_TERM_LIST ? t->v : NULL;
	return t->kind == SV_TERM_LIST ? t->n : 0;
}

/* Erlang's difference/2 on flattened lists of terms. */
static const struct sv_term *
first_missing(struct sv_term **a, size_t na, struct sv_term **b, size_t nb)
{
	size_t i, j;

	for (i = 0; i < na; i++) {
		for (j = 0; j < nb && !sv_term_equal(a[i], b[j]); j++)
			;
		if (j == nb)
			return a[i];
	}
	return NULL;
}

/* Collect the (flattened) elements of every {tag, List} in s; suspend
 * elements {M, Timeout} count as M. */
static void
collect(const struct script *s, const char *tag, struct sv_term ***out,
    size_t *n)
{
	size_t i, j, alloc = 0;

	*out = NULL;
	*n = 0;
	for (i = 0; i < s->n; i++) {
		struct sv_term *const *v;
		size_t k;

		if (!is_tagged(s->v[i].t, tag, 2))
			continue;
		k = elems(s->v[i].t->v[1], &v);
		for (j = 0; j < k; j++) {
			struct sv_term *x = v[j];

			if (strcmp(tag, "suspend") == 0 &&
			    x->kind == SV_TERM_TUPLE && x->n == 2)
				x = x->v[0];
			xgrow(out, &alloc, *n + 1, sizeof(**out));
			(*out)[(*n)++] = x;
		}
	}
}

static int
check_pairs(struct ctx *c, const struct script *after, const char *a,
    const char *b, const char *a_not_b, const char *b_not_a)
{
	struct sv_term **x, **y;
	const struct sv_term *m;
	size_t nx, ny;
	int status = SV_OK;

	collect(after, a, &x, &nx);
	collect(after, b, &y, &ny);
	if ((m = first_missing(x, nx, y, ny)) != NULL ||
	    (m = first_missing(y, ny, x, nx)) != NULL) {
		char *s = flat(m);
		bool first = first_missing(x, nx, y, ny) != NULL;

		status = sv_err_set(c->e, SV_INPUT, "%s: %s is %s but not %s "
		    "(systools: %s)", c->where, s, first ? a : b,
		    first ? b : a, first ? a_not_b : b_not_a);
		free(s);
	}
	free(x);
	free(y);
	return status;
}

/* check_script: loads have object code; suspend/resume, start/stop pair
 * up. */
static int
check_script(struct ctx *c, const struct script *before,
    const struct script *after)
{
	size_t i, j, k;
	int status;

	for (i = 0; i < after->n; i++) {
		const struct sv_term *t = after->v[i].t;
		bool found = false;

		if (!is_tagged(t, "load", 2) || t->v[1]->kind != SV_TERM_TUPLE ||
		    t->v[1]->n != 3)
			continue;
		for (j = 0; j < before->n && !found; j++) {
			const struct sv_term *b = before->v[j].t;
			struct sv_term *const *v;

			if (!is_tagged(b, "load_object_code", 2))
				continue;
			k = elems(b->v[1]->v[2], &v);
			while (k-- > 0 && !found)
				found = sv_term_equal(v[k], t->v[1]->v[0]);
		}
		if (!found)
			return ierr(c, &after->v[i], "no load_object_code for "
			    "this module before point_of_no_return",
			    "no_object_code");
	}
	if ((status = check_pairs(c, after, "suspend", "resume",
	    "suspended_not_resumed", "resumed_not_suspended")))
		return status;
	return check_pairs(c, after, "stop", "start", "stop_not_start",
	    "start_not_stop");
}

/* {apply, {application, F, Args}} */
static struct sv_term *
app_apply(const char *f, const char *app, const char *type)
{
	struct sv_term *args = sv_term_list();

	sv_term_push(args, atom(app));
	if (type != NULL)
		sv_term_push(args, atom(type));
	return sv_term_tuplev(2, atom("apply"), sv_term_tuplev(3,
	    atom("application"), atom(f), args));
}

static struct sv_term *
mod_list(const struct names *mods)
{
	struct sv_term *l = sv_term_list();
	size_t i;

	for (i = 0; i < mods->n; i++)
		sv_term_push(l, atom(mods->v[i]));
	return l;
}

static void
push_start(struct script *out, const struct rapp *a, const char *type,
    const char *origin)
{
	if (strcmp(type, "none") == 0)
		return;
	if (strcmp(type, "load") == 0)
		script_push(out, app_apply("load", a->name, NULL), origin);
	else
		script_push(out, app_apply("start", a->name, type), origin);
}

static void
push_stop_remove(struct script *out, const struct rapp *a, const char *origin)
{
	size_t i;

	script_push(out, app_apply("stop", a->name, NULL), origin);
	for (i = 0; i < a->mods.n; i++)
		script_push(out, sv_term_tuplev(2, atom("remove"),
		    sv_term_tuplev(3, atom(a->mods.v[i]), atom("brutal_purge"),
		    atom("brutal_purge"))), origin);
	script_push(out, sv_term_tuplev(2, atom("purge"), mod_list(&a->mods)),
	    origin);
}

/* translate_application_instrs and translate_add_module_instrs. */
static int
translate_apps(struct ctx *c, struct script *after, const struct rset *to,
    const struct rset *from)
{
	struct script out = { NULL, 0, 0 };
	size_t i, k;
	int status = SV_OK;

	for (i = 0; i < after->n; i++) {
		struct item *it = &after->v[i];
		struct sv_term *t = it->t;
		const char *tag = tag_of(t);
		const struct rapp *post, *pre;

		if (tag != NULL && strcmp(tag, "add_application") == 0 &&
		    t->n == 3) {
			if ((post = rset_find(to, t->v[1]->s)) == NULL) {
				status = ierr(c, it, "no such application in "
				    "the release", "no_such_application");
				goto out;
			}
			for (k = 0; k < post->mods.n; k++)
				script_push(&out, sv_term_tuplev(3,
				    atom("add_module"), atom(post->mods.v[k]),
				    sv_term_list()), it->origin);
			push_start(&out, post, t->v[2]->s, it->origin);
		} else if (tag != NULL &&
		    strcmp(tag, "remove_application") == 0 && t->n == 2) {
			if (rset_find(to, t->v[1]->s) != NULL) {
				status = ierr(c, it, "the application is still "
				    "in the release", "removed_application_present");
				goto out;
			}
			if ((pre = rset_find(from, t->v[1]->s)) == NULL) {
				status = ierr(c, it, "no such application in "
				    "the release", "no_such_application");
				goto out;
			}
			push_stop_remove(&out, pre, it->origin);
			script_push(&out, app_apply("unload", pre->name, NULL),
			    it->origin);
		} else if (tag != NULL &&
		    strcmp(tag, "restart_application") == 0 && t->n == 2) {
			if ((pre = rset_find(from, t->v[1]->s)) == NULL ||
			    (post = rset_find(to, t->v[1]->s)) == NULL) {
				status = ierr(c, it, "the application is not in "
				    "both releases", "no_such_application");
				goto out;
			}
			push_stop_remove(&out, pre, it->origin);
			for (k = 0; k < post->mods.n; k++)
				script_push(&out, sv_term_tuplev(3,
				    atom("add_module"), atom(post->mods.v[k]),
				    sv_term_list()), it->origin);
			push_start(&out, post, post->type, it->origin);
		} else {
			script_push(&out, t, it->origin);
			it->t = NULL;
		}
	}
	/* add_module -> load_module */
	for (i = 0; i < out.n; i++) {
		struct sv_term *t = out.v[i].t;

		if (is_tagged(t, "add_module", 3)) {
			struct sv_term *nt = sv_term_tuplev(5,
			    atom("load_module"), copy(t->v[1]),
			    atom("brutal_purge"), atom("brutal_purge"),
			    copy(t->v[2]));

			sv_term_free(t);
			out.v[i].t = nt;
		}
	}
out:
	script_release(after);
	*after = out;
	return status;
}

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
	return sv_term_tuplev(2, copy(u->v[1]), copy(u->v[4]->v[1]));
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
		const char *tag = tag_of(t);

		if (strcmp(tag, "update") == 0) {
			if (sv_term_is_atom(t->v[3], "default"))
				sv_term_push(susp, copy(t->v[1]));
			else
				sv_term_push(susp, sv_term_tuplev(2, copy(t->v[1]),
				    copy(t->v[3])));
			if (is_tagged(t->v[4], "advanced", 2)) {
				sv_term_push(cc_up, mod_extra(t));
				if (sv_term_is_atom(t->v[2], "dynamic"))
					sv_term_push(cc_dyn, mod_extra(t));
				if (sv_term_is_atom(t->v[2], "static"))
					sv_term_push(cc_static, mod_extra(t));
			}
			script_push(&lr, sv_term_tuplev(2, atom("load"),
			    sv_term_tuplev(3, copy(t->v[1]), copy(t->v[5]),
			    copy(t->v[6]))), it->origin);
			grp[ngrp++] = 1;
		} else if (strcmp(tag, "load_module") == 0) {
			script_push(&lr, sv_term_tuplev(2, atom("load"),
			    sv_term_tuplev(3, copy(t->v[1]), copy(t->v[2]),
			    copy(t->v[3]))), it->origin);
			grp[ngrp++] = 1;
		} else if (strcmp(tag, "delete_module") == 0) {
			struct sv_term *one = sv_term_list();

			sv_term_push(one, copy(t->v[1]));
			script_push(&lr, sv_term_tuplev(2, atom("remove"),
			    sv_term_tuplev(3, copy(t->v[1]), atom("brutal_purge"),
			    atom("brutal_purge"))), it->origin);
			script_push(&lr, sv_term_tuplev(2, atom("purge"), one),
			    it->origin);
			grp[ngrp++] = 2;
		}
	}
	/* load_object_code, in dependency order */
	for (i = 0; i < lr.n; i++) {
		const struct sv_term *t = lr.v[i].t;
		const struct rapp *a;
		struct sv_term *one;

		if (!is_tagged(t, "load", 2))
			continue;
		if ((a = lib_of(apps, t->v[1]->v[0]->s)) == NULL) {
			status = ierr(c, &lr.v[i], "no application of the "
			    "release lists this module", "no_such_module");
			goto out;
		}
		one = sv_term_list();
		sv_term_push(one, copy(t->v[1]->v[0]));
		script_push(before, sv_term_tuplev(2, atom("load_object_code"),
		    sv_term_tuplev(3, atom(a->name), sv_term_string(a->vsn),
		    one)), lr.v[i].origin);
	}
	if (susp->n > 0)
		script_push(after, sv_term_tuplev(2, atom("suspend"),
		    copy(susp)), NULL);
	for (i = susp->n; i-- > 0;) {
		const struct sv_term *m = susp->v[i];

		sv_term_push(res, copy(m->kind == SV_TERM_TUPLE ? m->v[0] : m));
	}
	if (up) {
		/* loads reversed, by instruction */
		size_t end = lr.n;

		for (k = ngrp; k-- > 0;) {
			size_t start = end - grp[k];

			for (i = start; i < end; i++) {
				script_push(after, lr.v[i].t, lr.v[i].origin);
				lr.v[i].t = NULL;
			}
			end = start;
		}
		if (cc_up->n > 0)
			script_push(after, sv_term_tuplev(3, atom("code_change"),
			    atom("up"), copy(cc_up)), NULL);
	} else {
		if (cc_dyn->n > 0)
			script_push(after, sv_term_tuplev(3, atom("code_change"),
			    atom("down"), copy(cc_dyn)), NULL);
		for (i = 0; i < lr.n; i++) {
			script_push(after, lr.v[i].t, lr.v[i].origin);
			lr.v[i].t = NULL;
		}
		if (cc_static->n > 0)
			script_push(after, sv_term_tuplev(3, atom("code_change"),
			    atom("down"), copy(cc_static)), NULL);
	}
	if (res->n > 0)
		script_push(after, sv_term_tuplev(2, atom("resume"), copy(res)),
		    NULL);
out:
	sv_term_free(susp);
	sv_term_free(res);
	sv_term_free(cc_up);
	sv_term_free(cc_dyn);
	sv_term_free(cc_static);
	script_release(&lr);
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
		if (is_dep_instr(after->v[i].t))
			n++;
	g.v = xcalloc(n + 1, sizeof(*g.v));
	vof = xcalloc(after->n + 1, sizeof(*vof));
	for (i = 0; i < after->n; i++) {
		vof[i] = SIZE_MAX;
		if (!is_dep_instr(after->v[i].t))
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
			status = ierr(c, worst->it, "a second instruction for "
			    "the same module", "muldef_module");
			goto out;
		}
	}
	for (i = 0; i < g.n; i++) {
		const struct sv_term *t = g.v[i].it->t;
		struct sv_term *const *d;
		size_t nd = elems(t->v[t->n - 1], &d);

		g.v[i].deps = xcalloc(nd + 1, sizeof(size_t));
		for (k = 0; k < nd; k++) {
			struct vertex key, *kp = &key, **hit;

			key.mod = d[k]->s;
			hit = n ? bsearch(&kp, byname, n, sizeof(*byname),
			    cmp_vertex_name) : NULL;
			if (hit == NULL) {
				char *s = flat(g.v[i].it->t);

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
			script_push(&out, after->v[i].t, after->v[i].origin);
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
	script_release(after);
	*after = out;
	if (status != SV_OK)
		script_release(after);
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
	size_t na = elems(a, &av), nl = elems(l, &lv), i, j;

	for (i = 0; i < na; i++) {
		for (j = 0; j < nl && !sv_term_equal(av[i], lv[j]); j++)
			;
		if (j == nl)
			sv_term_push(out, copy(av[i]));
	}
	for (j = 0; j < nl; j++)
		sv_term_push(out, copy(lv[j]));
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

		if (!is_tagged(x, "load_object_code", 2)) {
			script_push(&rest, before->v[i].t, before->v[i].origin);
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
			    !is_tagged(y, "load_object_code", 2) ||
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
			    !is_tagged(y, "load_object_code", 2) ||
			    !sv_term_equal(y->v[1]->v[0], lib))
				continue;
			mods = mod_union(y->v[1]->v[2], mods);
			used[j] = true;
		}
		mods = mod_union(x->v[1]->v[2], mods);
		script_push(&out, sv_term_tuplev(2, atom("load_object_code"),
		    sv_term_tuplev(3, copy(lib), copy(vsn), mods)),
		    before->v[i].origin);
		used[i] = true;
	}
	script_append(&out, &rest);
out:
	script_release(&rest);
	script_release(before);
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
static int
translate(struct ctx *c, bool up, struct script *scripts, size_t nscripts,
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

		status = split_script(c, &scripts[i], &sb, &sa);
		script_append(&b, &sb);
		script_append(&a, &sa);
		if (status)
			goto out;
	}
	script_append(&merged, &b);
	script_push(&merged, atom("point_of_no_return"), NULL);
	script_append(&merged, &a);
	if ((status = check_syntax(c, &merged)))
		goto out;
	normalize(&merged);
	if ((status = split_script(c, &merged, &before, &after)) ||
	    (status = check_script(c, &before, &after)) ||
	    (status = translate_apps(c, &after, to, from)) ||
	    (status = translate_deps(c, up, &before, &after, to)) ||
	    (status = merge_objcode(c, &before)))
		goto out;
	/* sort_emulator_restart */
	if (script_has_atom(&after, "restart_new_emulator")) {
		script_drop_atom(&after, "restart_new_emulator");
		if (up) {
			struct script nb = { NULL, 0, 0 };

			script_push(&nb, atom("restart_new_emulator"), NULL);
			script_append(&nb, &before);
			before = nb;
		} else {
			script_push(&after, atom("restart_emulator"), NULL);
		}
	}
	if (script_has_atom(&after, "restart_emulator")) {
		script_drop_atom(&after, "restart_emulator");
		script_push(&after, atom("restart_emulator"), NULL);
	}
	script_push(&before, atom("point_of_no_return"), NULL);
	script_append(&before, &after);
	if ((status = check_syntax(c, &before)))
		goto out;
	*out = sv_term_list();
	for (i = 0; i < before.n; i++) {
		sv_term_push(*out, before.v[i].t);
		before.v[i].t = NULL;
	}
out:
	for (i = 0; i < nscripts; i++)
		script_release(&scripts[i]);
	script_release(&b);
	script_release(&a);
	script_release(&merged);
	script_release(&before);
	script_release(&after);
	return status;
}

/* ---- consolidated protocols ---- */

/* s as the body of an Elixir string literal: \ and " escaped. */
static void
ex_quoted(struct buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			buf_addc(b, '\\');
		buf_addc(b, *s);
	}
}

/*
 * The instruction that reloads Elixir's consolidated protocols mods from
 * release vsn's releases/VSN/consolidated (see compare_protocols in
 * appup.c). That directory is in no application, so no load_object_code
 * reaches it: the instruction evaluates, with Elixir (every mix release
 * has it), the steps that point the code path's consolidated entry at it
 * and load each module from there. A step that fails raises, and
 * release_handler restarts the node into its permanent release, as for
 * any failure after point_of_no_return.
 */
static struct sv_term *
protocols_instr(const char *vsn, char *const *mods, size_t n)
{
	struct sv_term *t;
	struct buf b;
	size_t i;

	buf_init(&b);
	buf_adds(&b, "dir = :filename.join([:code.root_dir(), ~c\"releases\", "
	    "~c\"");
	ex_quoted(&b, vsn);
	buf_adds(&b, "\", ~c\"consolidated\"]); "
	    "true = :code.replace_path(:consolidated, dir); for m <- [");
	for (i = 0; i < n; i++) {
		buf_adds(&b, i ? ", :\"" : ":\"");
		ex_quoted(&b, mods[i]);
		buf_addc(&b, '"');
	}
	buf_adds(&b, "], do: (:code.purge(m); {:module, ^m} = "
	    ":code.load_abs(:filename.join(dir, :erlang.atom_to_list(m))))");
	t = sv_term_tuplev(2, atom("apply"), sv_term_tuplev(3,
	    atom("Elixir.Code"), atom("eval_string"),
	    sv_term_push(sv_term_list(), sv_term_binary(b.s, b.len))));
	buf_release(&b);
	return t;
}

/* Put the protocols instruction into the translated script (a list):
 * after the code loads, before the first application starts (an added
 * application may use the new implementations) or the final
 * restart_emulator. */
static void
insert_protocols(struct sv_term *script, struct sv_term *instr)
{
	size_t at = script->n, i;

	for (i = 0; i < script->n; i++) {
		const struct sv_term *t = script->v[i];

		if (sv_term_is_atom(t, "restart_emulator") ||
		    (is_tagged(t, "apply", 2) &&
		    t->v[1]->kind == SV_TERM_TUPLE && t->v[1]->n == 3 &&
		    sv_term_is_atom(t->v[1]->v[0], "application") &&
		    sv_term_is_atom(t->v[1]->v[1], "start"))) {
			at = i;
			break;
		}
	}
	sv_term_push(script, instr);
	memmove(&script->v[at + 1], &script->v[at],
	    (script->n - 1 - at) * sizeof(*script->v));
	script->v[at] = instr;
}

/* ---- per base release ---- */

/* Whether the step changes ERTS, kernel, stdlib or sasl. */
static bool
core_changes(const struct sv_otp_release *top, const struct sv_otp_release *b)
{
	static const char *const core[] = { "kernel", "stdlib", "sasl", NULL };
	size_t i;

	if (strcmp(top->erts, b->erts) != 0)
		return true;
	for (i = 0; core[i]; i++) {
		const struct sv_otp_app *x = sv_otp_release_app(top, core[i]);
		const struct sv_otp_app *y = sv_otp_release_app(b, core[i]);

		if ((x == NULL) != (y == NULL) ||
		    (x != NULL && strcmp(x->vsn, y->vsn) != 0))
			return true;
	}
	return false;
}

static bool
term_has_atom(const struct sv_term *t, const char *name)
{
	size_t i;

	if (sv_term_is_atom(t, name))
		return true;
	if (t->kind == SV_TERM_TUPLE || t->kind == SV_TERM_LIST)
		for (i = 0; i < t->n; i++)
			if (term_has_atom(t->v[i], name))
				return true;
	return false;
}

/* The list [point_of_no_return, restart_emulator], after
 * restart_new_emulator if new_emulator. */
static struct sv_term *
reboot_script(bool new_emulator)
{
	struct sv_term *l = sv_term_list();

	if (new_emulator)
		sv_term_push(l, atom("restart_new_emulator"));
	sv_term_push(l, atom("point_of_no_return"));
	sv_term_push(l, atom("restart_emulator"));
	return l;
}

/* Where the appup of top application a comes from. */
struct appup_src {
	const struct sv_term *term;   /* borrowed */
	const char *path;             /* for messages */
};

/* The appup of a: from the plan (not systools mode), else the file. */
static int
get_appup(struct ctx *c, const struct rapp *a,
    const struct sv_otp_upgrade *plan, struct sv_terms *files,
    struct appup_src *src)
{
	struct buf path;
	size_t i, before;
	int status = SV_OK;

	src->term = NULL;
	src->path = NULL;
	if (plan != NULL)
		for (i = 0; i < plan->napps; i++)
			if (plan->apps[i].change == SV_OTP_APP_UPGRADED &&
			    strcmp(plan->apps[i].name, a->name) == 0 &&
			    plan->apps[i].appup != NULL) {
				src->term = plan->apps[i].appup;
				src->path = plan->apps[i].appup_path;
				return SV_OK;
			}
	buf_init(&path);
	buf_addf(&path, "%s/ebin/%s.appup", a->dir, a->name);
	if (access(path.s, F_OK) != 0) {
		status = sv_err_set(c->e, SV_INPUT, "%s: %s changes from one "
		    "version to another, but there is no '%s' (systools: "
		    "file_problem)", c->where, a->name, path.s);
		sv_err_hint(c->e, "run 'smoothver appup --write' first");
		goto out;
	}
	before = files->n;
	if ((status = sv_terms_load(files, path.s, APPUP_MAX, c->e)))
		goto out;
	if (files->n == before) {
		status = sv_err_set(c->e, SV_INPUT, "%s: no term in it "
		    "(systools: file_problem)", path.s);
		goto out;
	}
	/* only the first term counts, as systools reads it */
	src->term = files->v[before];
	xgrow(&c->strs, &c->strs_alloc, c->nstrs + 1, sizeof(*c->strs));
	c->strs[c->nstrs++] = buf_detach(&path);
	src->path = c->strs[c->nstrs - 1];
out:
	buf_release(&path);
	return status;
}

/* The release version step from base to top is RESTART. */
static bool
version_restart(const char *from, const char *to)
{
	struct sv_version a, b;
	struct sv_transition t;
	struct sv_err e;
	bool yes = false;

	sv_version_init(&a);
	sv_version_init(&b);
	sv_err_init(&e);
	if (sv_version_parse(&a, from, NULL, &e) == SV_OK &&
	    sv_version_parse(&b, to, NULL, &e) == SV_OK) {
		sv_transition_of(&a, &b, &t);
		yes = t.level == SV_LEVEL_RESTART;
	}
	sv_version_release(&a);
	sv_version_release(&b);
	return yes;
}

/* The error for hand-written appups that miss changed modules. */
static int
gaps_error(struct ctx *c, const struct sv_otp_upgrade *u)
{
	struct buf m;
	size_t i, j;

	buf_init(&m);
	for (i = 0; i < u->napps; i++) {
		const struct sv_otp_appchange *a = &u->apps[i];

		if (a->ngaps_up + a->ngaps_down == 0)
			continue;
		buf_addf(&m, "%s%s misses ", m.len ? "; " : "", a->appup_path);
		for (j = 0; j < a->ngaps_up + a->ngaps_down; j++)
			buf_addf(&m, "%s%s", j ? ", " : "", j < a->ngaps_up ?
			    a->gaps_up[j] : a->gaps_down[j - a->ngaps_up]);
	}
	sv_err_set(c->e, SV_INPUT, "%s: hand-written appup misses changed "
	    "modules: %s", c->where, m.s ? m.s : "");
	sv_err_hint(c->e, "add instructions for them, or run 'smoothver appup "
	    "--merge --write' to add the generated ones");
	buf_release(&m);
	return SV_INPUT;
}

/* One base: its up and down entries. */
static int
one_base(struct ctx *c, const struct rset *top, struct sv_otp_release *toprel,
    struct sv_otp_release *base, struct sv_otp_relup_step *step,
    struct sv_term **up_out, struct sv_term **down_out)
{
	struct rset bs;
	struct sv_otp_upgrade plan;
	struct sv_terms files;
	struct script *scripts = NULL;
	const struct sv_term **entries_up = NULL, **entries_dn = NULL;
	size_t nscripts = 0, i, k, napp = 0;
	bool have_plan = false, says_restart = false, reboot = false;
	int status = SV_OK, pass;
	struct buf where;

	memset(&bs, 0, sizeof(bs));
	sv_otp_upgrade_init(&plan);
	sv_terms_init(&files);
	buf_init(&where);
	step->vsn = xstrdup(base->vsn);
	step->level = SV_LEVEL_NONE;
	buf_addf(&where, "upgrade from %s", base->vsn);
	c->where = where.s;
	if ((status = rset_load(c, &bs, base)))
		goto out;
	if (!c->o->systools) {
		struct sv_otp_options defaults;
		const struct sv_otp_options *ao = c->o->appup;

		sv_otp_options_init(&defaults);
		status = sv_otp_upgrade_plan(&plan, base, toprel,
		    ao ? ao : &defaults, c->e);
		sv_otp_options_release(&defaults);
		have_plan = true;
		if (status)
			goto out;
		{
			size_t w;

			for (w = 0; w < plan.nwarnings; w++)
				warn(c, "upgrade from %s: %s", base->vsn,
				    plan.warnings[w]);
		}
		if (plan.ngaps > 0) {
			status = gaps_error(c, &plan);
			goto out;
		}
		step->level = plan.level;
		if (plan.level == SV_LEVEL_RESTART && plan.nreasons > 0) {
			step->reason = xmalloc(strlen(plan.reasons[0].subject) +
			    strlen(plan.reasons[0].reason) + 3);
			sprintf(step->reason, "%s: %s", plan.reasons[0].subject,
			    plan.reasons[0].reason);
		}
		if (version_restart(base->vsn, toprel->vsn)) {
			if (step->reason == NULL) {
				step->reason = xmalloc(strlen(base->vsn) +
				    strlen(toprel->vsn) + 64);
				sprintf(step->reason, "release %s -> %s is a "
				    "RESTART step", base->vsn, toprel->vsn);
			}
			reboot = true;
		}
		if (plan.level == SV_LEVEL_RESTART)
			reboot = true;
	}
	/* the appup entries, both ways, in the sorted order */
	entries_up = xcalloc(top->n + 1, sizeof(*entries_up));
	entries_dn = xcalloc(top->n + 1, sizeof(*entries_dn));
	for (i = 0; i < top->n; i++) {
		const struct rapp *a = &top->apps[top->sorted[i]];
		const struct sv_otp_app *b = sv_otp_release_app(base, a->name);
		struct appup_src src;

		if (b == NULL || strcmp(b->vsn, a->vsn) == 0)
			continue;
		if ((status = get_appup(c, a, have_plan ? &plan : NULL, &files,
		    &src)))
			goto out;
		if ((status = appup_entry(c, src.term, src.path, a, true,
		    b->vsn, &entries_up[i])))
			goto out;
		buf_reset(&where);
		buf_addf(&where, "downgrade to %s", base->vsn);
		c->where = where.s;
		status = appup_entry(c, src.term, src.path, a, false, b->vsn,
		    &entries_dn[i]);
		buf_reset(&where);
		buf_addf(&where, "upgrade from %s", base->vsn);
		c->where = where.s;
		if (status)
			goto out;
		if (term_has_atom(entries_up[i], "restart_emulator") ||
		    term_has_atom(entries_dn[i], "restart_emulator"))
			says_restart = true;
		step->apps = xrealloc(step->apps, (napp + 1) *
		    sizeof(*step->apps));
		step->apps[napp++] = xstrdup(a->name);
		step->napps = napp;
	}
	if (reboot && !says_restart) {
		bool core = core_changes(toprel, base);

		step->kind = SV_OTP_RELUP_REBOOT;
		*up_out = reboot_script(core);
		*down_out = reboot_script(false);
		step->nup = (*up_out)->n;
		step->ndown = (*down_out)->n;
		goto out;
	}
	step->kind = SV_OTP_RELUP_TRANSLATED;
	for (pass = 0; pass < 2; pass++) {
		bool up = pass == 0;
		const struct rset *from = up ? &bs : top, *to = up ? top : &bs;
		const struct sv_term **entries = up ? entries_up : entries_dn;
		struct sv_term *result = NULL;

		buf_reset(&where);
		buf_addf(&where, "%s %s", up ? "upgrade from" : "downgrade to",
		    base->vsn);
		c->where = where.s;
		scripts = xcalloc(top->n + bs.n + 2, sizeof(*scripts));
		nscripts = 0;
		/* restart_new_emulator, added apps, appups, removed apps */
		if (strcmp(toprel->erts, base->erts) != 0) {
			script_push(&scripts[nscripts++],
			    atom("restart_new_emulator"), NULL);
			if (up)
				warn(c, "the ERTS version changes between %s "
				    "(%s) and %s (%s)", toprel->vsn, toprel->erts,
				    base->vsn, base->erts);
		}
		for (i = 0; i < to->n; i++)
			if (rset_find(from, to->apps[i].name) == NULL)
				script_push(&scripts[nscripts++],
				    sv_term_tuplev(3, atom("add_application"),
				    atom(to->apps[i].name),
				    atom(to->apps[i].type)), NULL);
		for (i = 0; i < top->n; i++)
			if (entries[i] != NULL && (status = expand_script(c,
			    entries[i], top->apps[top->sorted[i]].name,
			    &scripts[nscripts++])))
				goto pass_out;
		for (i = 0; i < from->n; i++)
			if (rset_find(to, from->apps[i].name) == NULL)
				script_push(&scripts[nscripts++],
				    sv_term_tuplev(2, atom("remove_application"),
				    atom(from->apps[i].name)), NULL);
		status = translate(c, up, scripts, nscripts, to, from, &result);
		if (status)
			goto pass_out;
		if (have_plan && up && plan.nprotocols_up > 0)
			insert_protocols(result, protocols_instr(toprel->vsn,
			    plan.protocols_up, plan.nprotocols_up));
		else if (have_plan && !up && plan.nprotocols_down > 0)
			insert_protocols(result, protocols_instr(base->vsn,
			    plan.protocols_down, plan.nprotocols_down));
		/* fix_r15_sasl_upgrade */
		if (up && result->n > 0 &&
		    sv_term_is_atom(result->v[0], "restart_new_emulator")) {
			const struct rapp *sasl = rset_find(&bs, "sasl");

			if (sasl != NULL && strcmp(sasl->vsn, "2.2") < 0) {
				struct sv_term *nr = sv_term_list();

				for (k = 1; k < result->n; k++)
					if (!sv_term_is_atom(result->v[k],
					    "restart_emulator"))
						sv_term_push(nr, copy(result->v[k]));
				sv_term_push(nr, atom("restart_new_emulator"));
				sv_term_free(result);
				result = nr;
				warn(c, "upgrade from sasl %s (before OTP R15): "
				    "new code should be compiled with the old "
				    "emulator (systools: pre_R15_emulator_upgrade)",
				    sasl->vsn);
			}
		}
		if (up) {
			*up_out = result;
			step->nup = result->n;
		} else {
			*down_out = result;
			step->ndown = result->n;
		}
pass_out:
		for (k = 0; k < nscripts; k++)
			script_release(&scripts[k]);
		free(scripts);
		scripts = NULL;
		if (status)
			goto out;
	}
out:
	c->where = NULL;
	free(entries_up);
	free(entries_dn);
	sv_otp_upgrade_release(&plan);
	sv_terms_release(&files);
	rset_release(&bs);
	buf_release(&where);
	return status;
}

void
sv_otp_relup_init(struct sv_otp_relup *r)
{
	memset(r, 0, sizeof(*r));
}

void
sv_otp_relup_release(struct sv_otp_relup *r)
{
	size_t i;

	free(r->vsn);
	sv_term_free(r->term);
	for (i = 0; i < r->nsteps; i++) {
		free(r->steps[i].vsn);
		free(r->steps[i].reason);
		sv_strv_free(r->steps[i].apps, r->steps[i].napps);
	}
	free(r->steps);
	sv_strv_free(r->warnings, r->nwarnings);
	memset(r, 0, sizeof(*r));
}

int
sv_otp_relup_make(struct sv_otp_relup *r, struct sv_otp_release *top,
    struct sv_otp_release *const *bases, size_t nbases,
    const struct sv_otp_relup_options *o, struct sv_err *e)
{
	static const struct sv_otp_relup_options none;
	struct ctx c;
	struct rset ts;
	struct sv_term *ups = sv_term_list(), *downs = sv_term_list();
	size_t i, j;
	int status = SV_OK;

	memset(&c, 0, sizeof(c));
	memset(&ts, 0, sizeof(ts));
	c.o = o ? o : &none;
	c.r = r;
	c.e = e;
	r->vsn = xstrdup(top->vsn);
	if (nbases == 0) {
		status = sv_err_set(e, SV_USAGE, "a relup needs at least one "
		    "release to upgrade from");
		goto out;
	}
	for (i = 0; i < nbases; i++) {
		if (strcmp(bases[i]->name, top->name) != 0) {
			status = sv_err_set(e, SV_INPUT, "cannot make a relup "
			    "from release %s %s to release %s %s: not the same "
			    "release", bases[i]->name, bases[i]->vsn, top->name,
			    top->vsn);
			goto out;
		}
		if (strcmp(bases[i]->vsn, top->vsn) == 0) {
			status = sv_err_set(e, SV_INPUT, "cannot make a relup "
			    "from %s %s to itself", top->name, top->vsn);
			goto out;
		}
		for (j = 0; j < i; j++)
			if (strcmp(bases[j]->vsn, bases[i]->vsn) == 0) {
				status = sv_err_set(e, SV_USAGE, "release %s is "
				    "given twice", bases[i]->vsn);
				goto out;
			}
	}
	c.where = "top release";
	if ((status = rset_load(&c, &ts, top)))
		goto out;
	r->steps = xcalloc(nbases, sizeof(*r->steps));
	for (i = 0; i < nbases; i++) {
		struct sv_term *up = NULL, *down = NULL;

		r->nsteps = i + 1;
		if ((status = one_base(&c, &ts, top, bases[i], &r->steps[i], &up,
		    &down))) {
			sv_term_free(up);
			sv_term_free(down);
			goto out;
		}
		/* each entry is prepended: the last base comes first */
		sv_term_push(ups, sv_term_tuplev(3, sv_term_string(bases[i]->vsn),
		    sv_term_list(), up));
		sv_term_push(downs, sv_term_tuplev(3,
		    sv_term_string(bases[i]->vsn), sv_term_list(), down));
	}
	for (i = 0; i < ups->n / 2; i++) {
		struct sv_term *x = ups->v[i];

		ups->v[i] = ups->v[ups->n - 1 - i];
		ups->v[ups->n - 1 - i] = x;
		x = downs->v[i];
		downs->v[i] = downs->v[downs->n - 1 - i];
		downs->v[downs->n - 1 - i] = x;
	}
	r->term = sv_term_tuplev(3, sv_term_string(top->vsn), ups, downs);
	ups = downs = NULL;
out:
	sv_term_free(ups);
	sv_term_free(downs);
	rset_release(&ts);
	for (i = 0; i < c.nowned; i++)
		sv_term_free(c.owned[i]);
	free(c.owned);
	sv_strv_free(c.strs, c.nstrs);
	free(c.otp_root);
	return status;
}

void
sv_otp_relup_text(const struct sv_otp_relup *r, struct buf *out)
{
	buf_adds(out, "%% coding: utf-8\n");
	sv_term_write(out, r->term, 0);
	buf_adds(out, ".\n");
}

const char *
sv_otp_relup_kind_name(enum sv_otp_relup_kind k)
{
	return k == SV_OTP_RELUP_REBOOT ? "reboot" : "translated";
}
