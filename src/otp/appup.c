/*
 * appup.c - planning a hot upgrade between two release models and
 * writing its appups (see appup.h).
 */
#include "config.h"

#include "otp/appup_int.h"

#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/str.h"
#include "base/xalloc.h"
#include "otp/modcmp.h"
#include "otp/relupdecide.h"
#include "otp/supspec.h"

/* The applications that are never upgraded in place. */
bool
ap_is_emulator_app(const char *name)
{
	return strcmp(name, "kernel") == 0 || strcmp(name, "stdlib") == 0 ||
	    strcmp(name, "sasl") == 0 || strcmp(name, "erts") == 0;
}

/* ---- options ---- */

void
sv_otp_options_init(struct sv_otp_options *o)
{
	memset(o, 0, sizeof(*o));
}

void
sv_otp_options_release(struct sv_otp_options *o)
{
	size_t i;

	for (i = 0; i < o->npurge; i++)
		free(o->purge[i].module);
	free(o->purge);
	sv_otp_options_init(o);
}

static bool
purge_word(const char *s, size_t n, bool *soft)
{
	if ((n == 4 && memcmp(s, "soft", 4) == 0) ||
	    (n == 10 && memcmp(s, "soft_purge", 10) == 0))
		*soft = true;
	else if ((n == 6 && memcmp(s, "brutal", 6) == 0) ||
	    (n == 12 && memcmp(s, "brutal_purge", 12) == 0))
		*soft = false;
	else
		return false;
	return true;
}

int
sv_otp_purge_parse(struct sv_otp_options *o, const char *spec,
    struct sv_err *e)
{
	const char *p = spec;

	while (*p != '\0') {
		size_t len = strcspn(p, ";");
		const char *eq = memchr(p, '=', len), *slash, *v;
		struct sv_otp_purge pg = { NULL, false, false };
		size_t vlen;

		if (len == 0) {
			p++;
			continue;
		}
		if (eq == NULL || eq == p)
			goto bad;
		v = eq + 1;
		vlen = (size_t)(p + len - v);
		slash = memchr(v, '/', vlen);
		if (slash == NULL) {
			if (!purge_word(v, vlen, &pg.pre_soft))
				goto bad;
			pg.post_soft = pg.pre_soft;
		} else if (!purge_word(v, (size_t)(slash - v), &pg.pre_soft) ||
		    !purge_word(slash + 1, (size_t)(v + vlen - slash - 1),
		    &pg.post_soft)) {
			goto bad;
		}
		if ((size_t)(eq - p) != 7 || memcmp(p, "default", 7) != 0)
			pg.module = xstrndup(p, (size_t)(eq - p));
		o->purge = xrealloc(o->purge, (o->npurge + 1) *
		    sizeof(*o->purge));
		o->purge[o->npurge++] = pg;
		p += len;
		continue;
bad:
		return sv_err_set(e, SV_USAGE, "bad --purge entry '%.*s' "
		    "(expected NAME=PRE[/POST], NAME a module or default, PRE "
		    "and POST soft or brutal)", (int)len, p);
	}
	return SV_OK;
}

/* The purge methods for module: its own entry (the last wins), else
 * the default entry, else brutal/brutal. */
void
ap_purge_for(const struct sv_otp_options *o, const char *module,
    struct sv_term **pre, struct sv_term **post)
{
	const struct sv_otp_purge *def = NULL, *own = NULL;
	size_t i;

	for (i = 0; i < o->npurge; i++) {
		if (o->purge[i].module == NULL)
			def = &o->purge[i];
		else if (strcmp(o->purge[i].module, module) == 0)
			own = &o->purge[i];
	}
	if (own == NULL)
		own = def;
	*pre = sv_term_atom(own && own->pre_soft ? "soft_purge" :
	    "brutal_purge");
	*post = sv_term_atom(own && own->post_soft ? "soft_purge" :
	    "brutal_purge");
}

/* ---- the plan ---- */

void
sv_otp_upgrade_init(struct sv_otp_upgrade *u)
{
	memset(u, 0, sizeof(*u));
}

static void
modchange_release(struct sv_otp_modchange *m)
{
	free(m->module);
	free(m->reason);
	sv_term_free(m->up);
	sv_term_free(m->down);
	sv_term_free(m->up_before);
	sv_term_free(m->up_after);
	sv_term_free(m->down_before);
	sv_term_free(m->down_after);
	sv_strv_free(m->evidence, m->nevidence);
}

void
sv_otp_modchange_push(const struct sv_otp_modchange *m, bool up,
    struct sv_term *list)
{
	const struct sv_term *parts[3];
	size_t i, j;

	parts[0] = up ? m->up_before : m->down_before;
	parts[1] = up ? m->up : m->down;
	parts[2] = up ? m->up_after : m->down_after;
	for (i = 0; i < 3; i++) {
		if (parts[i] == NULL)
			continue;
		if (i == 1) {
			sv_term_push(list, sv_term_copy(parts[i]));
			continue;
		}
		for (j = 0; j < parts[i]->n; j++)
			sv_term_push(list, sv_term_copy(parts[i]->v[j]));
	}
}

void
sv_otp_upgrade_release(struct sv_otp_upgrade *u)
{
	size_t i, j;

	for (i = 0; i < u->napps; i++) {
		struct sv_otp_appchange *a = &u->apps[i];

		for (j = 0; j < a->nmods; j++)
			modchange_release(&a->mods[j]);
		free(a->mods);
		free(a->name);
		free(a->old_vsn);
		free(a->new_vsn);
		sv_term_free(a->appup);
		free(a->appup_path);
		free(a->stale);
		free(a->reason);
		sv_strv_free(a->gaps_up, a->ngaps_up);
		sv_strv_free(a->gaps_down, a->ngaps_down);
	}
	free(u->apps);
	sv_strv_free(u->state_warnings, u->nstate_warnings);
	free(u->relup_path);
	sv_strv_free(u->relup_gaps, u->nrelup_gaps);
	sv_strv_free(u->protocols_up, u->nprotocols_up);
	sv_strv_free(u->protocols_down, u->nprotocols_down);
	for (i = 0; i < u->nreasons; i++) {
		free(u->reasons[i].subject);
		free(u->reasons[i].reason);
	}
	free(u->reasons);
	for (i = 0; i < u->nunbumped; i++) {
		free(u->unbumped[i].app);
		free(u->unbumped[i].vsn);
		sv_strv_free(u->unbumped[i].modules, u->unbumped[i].nmodules);
		free(u->unbumped[i].beam);
	}
	free(u->unbumped);
	sv_strv_free(u->warnings, u->nwarnings);
	sv_otp_upgrade_init(u);
}

void
ap_add_reason(struct sv_otp_upgrade *u, enum sv_level level,
    const char *subject, const char *fmt, ...)
{
	struct sv_otp_reason *r;
	va_list ap;

	u->reasons = xrealloc(u->reasons, (u->nreasons + 1) *
	    sizeof(*u->reasons));
	r = &u->reasons[u->nreasons++];
	r->level = level;
	r->subject = xstrdup(subject);
	va_start(ap, fmt);
	r->reason = xvstrfmt(fmt, ap);
	va_end(ap);
	r->instruction = false;
	if (level > u->level)
		u->level = level;
}

void
sv_otp_upgrade_add_reason(struct sv_otp_upgrade *u, enum sv_level level,
    const char *subject, const char *reason)
{
	ap_add_reason(u, level, subject, "%s", reason);
}

/* Mark the reason added last as coming from an appup instruction. */
void
ap_last_from_instruction(struct sv_otp_upgrade *u)
{
	u->reasons[u->nreasons - 1].instruction = true;
}

static struct sv_otp_appchange *
new_appchange(struct sv_otp_upgrade *u, const char *name,
    enum sv_otp_app_change change, const char *old_vsn, const char *new_vsn)
{
	struct sv_otp_appchange *a;

	u->apps = xrealloc(u->apps, (u->napps + 1) * sizeof(*u->apps));
	a = &u->apps[u->napps++];
	memset(a, 0, sizeof(*a));
	a->name = xstrdup(name);
	a->change = change;
	a->old_vsn = old_vsn ? xstrdup(old_vsn) : NULL;
	a->new_vsn = new_vsn ? xstrdup(new_vsn) : NULL;
	return a;
}

static void
names_add(struct names *s, const char *name)
{
	xgrow(&s->v, &s->alloc, s->n + 1, sizeof(*s->v));
	s->v[s->n++] = name;
}

static void
names_sort(struct names *s)
{
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), sv_str_cmp);
}

bool
ap_names_has(const struct names *s, const char *name)
{
	return s->n > 0 && bsearch(&name, s->v, s->n, sizeof(*s->v),
	    sv_str_cmp) != NULL;
}

/* The module pairs of the applications both releases hold, in the new
 * release's order, each application's by module name. */
static void
collect_pairs(const struct sv_otp_release *old,
    const struct sv_otp_release *new, struct sv_otp_modpair **v, size_t *n)
{
	size_t alloc = 0, k;

	*v = NULL;
	*n = 0;
	for (k = 0; k < new->napps; k++) {
		struct sv_otp_app *na = &new->apps[k];
		struct sv_otp_app *oa = sv_otp_release_app(old, na->name);
		size_t i = 0, j = 0;

		if (oa == NULL || !oa->present || !na->present)
			continue;
		while (i < oa->nmods && j < na->nmods) {
			int c = strcmp(oa->mods[i].name, na->mods[j].name);

			if (c == 0) {
				xgrow(v, &alloc, *n + 1, sizeof(**v));
				(*v)[*n].a = &oa->mods[i];
				(*v)[*n].b = &na->mods[j];
				(*v)[*n].same = false;
				(*n)++;
			}
			i += c <= 0;
			j += c >= 0;
		}
	}
}

/* Sort the modules of two versions of an application into added, deleted
 * and changed, the compared pairs taken from *pairs (advanced past
 * them). */
static void
compare_app(struct sv_otp_app *old, struct sv_otp_app *new,
    const struct sv_otp_modpair **pairs, struct names *added,
    struct names *deleted, struct names *changed)
{
	size_t i = 0, j = 0;

	while (i < old->nmods || j < new->nmods) {
		int c = i == old->nmods ? 1 : j == new->nmods ? -1 :
		    strcmp(old->mods[i].name, new->mods[j].name);

		if (c < 0) {
			names_add(deleted, old->mods[i++].name);
		} else if (c > 0) {
			names_add(added, new->mods[j++].name);
		} else {
			if (!(*pairs)->same)
				names_add(changed, new->mods[j].name);
			(*pairs)++;
			i++;
			j++;
		}
	}
}

/* Differences in an application's resource file that a relup applies:
 * env (config_change/3) and the callback module. */
static void
resource_changes(struct sv_otp_upgrade *u, const struct sv_otp_app *old,
    const struct sv_otp_app *new)
{
	static const char *const keys[] = { "env", "mod", NULL };
	size_t i;

	if (old->resource == NULL || new->resource == NULL)
		return;
	for (i = 0; keys[i]; i++) {
		const struct sv_term *a = sv_term_keyfind(old->resource->v[2],
		    keys[i]), *b = sv_term_keyfind(new->resource->v[2], keys[i]);

		if (!sv_term_equal(a, b))
			ap_add_reason(u, SV_LEVEL_RELUP, new->name, "the "
			    "application's %s changed in %s.app (%s -> %s)",
			    keys[i], new->name, old->vsn, new->vsn);
	}
}

/* "a, b and 3 more" into b (at most 8 names). */
static void
list_names(struct buf *b, const char *const *v, size_t n)
{
	size_t i;

	for (i = 0; i < n && i < 8; i++)
		buf_addf(b, "%s%s", i ? ", " : "", v[i]);
	if (n > 8)
		buf_addf(b, " and %zu more", n - 8);
}

/* Record an application whose modules (n, sorted) changed without a vsn
 * bump. */
static void
keep_unbumped(struct sv_otp_upgrade *u, const struct sv_otp_app *na,
    const char *const *mods, size_t n)
{
	struct sv_otp_unbumped *b;
	const struct sv_otp_module *m;
	size_t i;

	u->unbumped = xrealloc(u->unbumped, (u->nunbumped + 1) *
	    sizeof(*u->unbumped));
	b = &u->unbumped[u->nunbumped++];
	b->app = xstrdup(na->name);
	b->vsn = xstrdup(na->vsn);
	b->modules = xcalloc(n + 1, sizeof(*b->modules));
	for (i = 0; i < n; i++)
		b->modules[i] = xstrdup(mods[i]);
	b->nmodules = n;
	m = n > 0 ? sv_otp_app_module(na, mods[0]) : NULL;
	if (m != NULL) {
		b->beam = xstrdup(m->path);
	} else {
		struct buf p;

		buf_init(&p);
		buf_addf(&p, "%s/ebin/%s.app", na->dir, na->name);
		b->beam = buf_detach(&p);
	}
}

static int
cmp_reason(const void *a, const void *b)
{
	const struct sv_otp_reason *x = a, *y = b;

	if (x->level != y->level)
		return x->level > y->level ? -1 : 1;
	return x < y ? -1 : x > y;
}

/*
 * Elixir's consolidated protocols (mix releases keep them in
 * releases/VSN/consolidated, outside every application): a protocol
 * consolidated again (an implementation added or removed) is reloaded
 * from the other release's directory by the relup, each way. A release
 * consolidating its protocols where the other does not boots with
 * another code path: a restart.
 */
static int
compare_protocols(struct sv_otp_upgrade *u, struct sv_otp_release *old,
    struct sv_otp_release *new, struct sv_err *e)
{
	size_t i = 0, j = 0;
	struct buf names;
	bool same;
	int status;

	if (old->protocols_dir == NULL && new->protocols_dir == NULL)
		return SV_OK;
	if (old->protocols_dir == NULL || new->protocols_dir == NULL) {
		ap_add_reason(u, SV_LEVEL_RESTART, "protocols", "only %s %s has "
		    "consolidated protocols (releases/%s/consolidated): the "
		    "code path is set at boot", new->name,
		    old->protocols_dir ? old->vsn : new->vsn,
		    old->protocols_dir ? old->vsn : new->vsn);
		return SV_OK;
	}
	while (i < old->nprotocols || j < new->nprotocols) {
		struct sv_otp_module *a = i < old->nprotocols ?
		    &old->protocols[i] : NULL;
		struct sv_otp_module *b = j < new->nprotocols ?
		    &new->protocols[j] : NULL;
		int c = a == NULL ? 1 : b == NULL ? -1 : strcmp(a->name, b->name);

		if (c < 0) {
			sv_strv_push(&u->protocols_down, &u->nprotocols_down,
			    a->name);
			i++;
		} else if (c > 0) {
			sv_strv_push(&u->protocols_up, &u->nprotocols_up, b->name);
			j++;
		} else {
			if ((status = sv_otp_module_same(a, b, &same, e)))
				return status;
			if (!same) {
				sv_strv_push(&u->protocols_up, &u->nprotocols_up,
				    b->name);
				sv_strv_push(&u->protocols_down,
				    &u->nprotocols_down, a->name);
			}
			sv_otp_module_forget(a);
			sv_otp_module_forget(b);
			i++;
			j++;
		}
	}
	if (u->nprotocols_up == 0 && u->nprotocols_down == 0)
		return SV_OK;
	buf_init(&names);
	for (i = 0; i < u->nprotocols_up; i++)
		buf_addf(&names, "%s%s", i ? ", " : "", u->protocols_up[i]);
	for (i = 0; i < u->nprotocols_down; i++) {
		for (j = 0; j < u->nprotocols_up; j++)
			if (strcmp(u->protocols_up[j], u->protocols_down[i]) == 0)
				break;
		if (j == u->nprotocols_up)
			buf_addf(&names, "%s%s", names.len ? ", " : "",
			    u->protocols_down[i]);
	}
	ap_add_reason(u, SV_LEVEL_RELOAD, "protocols", "consolidated protocols "
	    "changed: %s (reloaded from releases/VSN/consolidated)", names.s);
	buf_release(&names);
	return SV_OK;
}

/* What the applications of both releases hold, compared. */
struct comparison {
	struct pending *pend;         /* the upgraded applications */
	size_t npend;
	struct names up_set, down_set; /* modules loaded each way */
	struct buf unbumped;          /* "app vsn (mods)" changed unbumped */
};

static void
comparison_release(struct comparison *c)
{
	size_t i;

	for (i = 0; i < c->npend; i++) {
		free(c->pend[i].added.v);
		free(c->pend[i].deleted.v);
		free(c->pend[i].changed.v);
	}
	free(c->pend);
	free(c->up_set.v);
	free(c->down_set.v);
	buf_release(&c->unbumped);
}

/* An application whose modules changed while its vsn did not: noted in
 * c->unbumped (and recorded in u with keep_unbumped). */
static void
note_unbumped(struct sv_otp_upgrade *u, struct comparison *c,
    const struct sv_otp_app *na, const struct names *added,
    const struct names *deleted, const struct names *changed,
    const struct sv_otp_options *o)
{
	const char **all = xcalloc(added->n + deleted->n + changed->n + 1,
	    sizeof(*all));
	size_t j, k = 0;

	for (j = 0; j < changed->n; j++)
		all[k++] = changed->v[j];
	for (j = 0; j < added->n; j++)
		all[k++] = added->v[j];
	for (j = 0; j < deleted->n; j++)
		all[k++] = deleted->v[j];
	qsort(all, k, sizeof(*all), sv_str_cmp);
	if (o->keep_unbumped)
		keep_unbumped(u, na, all, k);
	buf_addf(&c->unbumped, "%s%s %s (", c->unbumped.len ? "; " : "",
	    na->name, na->vsn);
	list_names(&c->unbumped, all, k);
	buf_addc(&c->unbumped, ')');
	free(all);
}

/*
 * Compare the applications both releases hold, module by module (the
 * pairs compared at once beforehand): the upgraded ones into c->pend,
 * their modules into the sets loaded each way; emulator applications
 * whose directory a root leaves out are RESTART reasons.
 */
static int
compare_apps(struct sv_otp_upgrade *u, struct sv_otp_release *old,
    struct sv_otp_release *new, const struct sv_otp_modpair *pairs,
    const struct sv_otp_options *o, struct comparison *c, struct sv_err *e)
{
	const struct sv_otp_modpair *next_pair = pairs;
	size_t i, j;

	for (i = 0; i < new->napps; i++) {
		struct sv_otp_app *na = &new->apps[i];
		struct sv_otp_app *oa = sv_otp_release_app(old, na->name);
		struct names added = { 0 }, deleted = { 0 }, changed = { 0 };
		struct pending *p;

		if (oa == NULL)
			continue;
		if (!oa->present || !na->present) {
			if (strcmp(oa->vsn, na->vsn) != 0 &&
			    !ap_is_emulator_app(na->name))
				return sv_err_set(e, SV_INPUT, "cannot compare "
				    "%s %s -> %s: '%s' is missing", na->name,
				    oa->vsn, na->vsn, oa->present ? na->dir :
				    oa->dir);
			if (strcmp(oa->vsn, na->vsn) != 0)
				ap_add_reason(u, SV_LEVEL_RESTART, na->name,
				    "%s %s -> %s is part of the emulator",
				    na->name, oa->vsn, na->vsn);
			continue;
		}
		compare_app(oa, na, &next_pair, &added, &deleted, &changed);
		if (strcmp(oa->vsn, na->vsn) == 0) {
			if (added.n + deleted.n + changed.n > 0)
				note_unbumped(u, c, na, &added, &deleted,
				    &changed, o);
			free(added.v);
			free(deleted.v);
			free(changed.v);
			continue;
		}
		c->pend = xrealloc(c->pend, (c->npend + 1) * sizeof(*c->pend));
		p = &c->pend[c->npend++];
		p->old = oa;
		p->new = na;
		p->added = added;
		p->deleted = deleted;
		p->changed = changed;
		p->change = NULL;
		for (j = 0; j < added.n; j++)
			names_add(&c->up_set, added.v[j]);
		for (j = 0; j < changed.n; j++) {
			names_add(&c->up_set, changed.v[j]);
			names_add(&c->down_set, changed.v[j]);
		}
		for (j = 0; j < deleted.n; j++)
			names_add(&c->down_set, deleted.v[j]);
	}
	return SV_OK;
}

/* Modules of added applications load on the way up; those of removed
 * ones on the way down. */
static void
add_app_modules(const struct sv_otp_release *old,
    const struct sv_otp_release *new, struct comparison *c)
{
	size_t i, j;

	for (i = 0; i < new->napps; i++)
		if (sv_otp_release_app(old, new->apps[i].name) == NULL)
			for (j = 0; j < new->apps[i].nmods; j++)
				names_add(&c->up_set, new->apps[i].mods[j].name);
	for (i = 0; i < old->napps; i++)
		if (sv_otp_release_app(new, old->apps[i].name) == NULL)
			for (j = 0; j < old->apps[i].nmods; j++)
				names_add(&c->down_set,
				    old->apps[i].mods[j].name);
	names_sort(&c->up_set);
	names_sort(&c->down_set);
}

/* Each upgraded application: its instructions, its appup settled, its
 * level. */
static int
plan_upgraded(struct sv_otp_upgrade *u, struct comparison *c,
    const struct sv_otp_options *o, struct sv_err *e)
{
	size_t i;
	int status;

	for (i = 0; i < c->npend; i++) {
		struct pending *p = &c->pend[i];

		p->change = new_appchange(u, p->new->name, SV_OTP_APP_UPGRADED,
		    p->old->vsn, p->new->vsn);
		ap_generate(u, p, &c->up_set, &c->down_set, o);
		if ((status = ap_settle_appup(p->change, p->new->appup_path, o,
		    e)))
			return status;
		u->ngaps += p->change->ngaps_up + p->change->ngaps_down;
		if (ap_is_emulator_app(p->new->name))
			ap_add_reason(u, SV_LEVEL_RESTART, p->new->name,
			    "%s %s -> "
			    "%s is part of the emulator", p->new->name,
			    p->old->vsn, p->new->vsn);
		ap_appup_level(u, p->change);
		resource_changes(u, p->old, p->new);
	}
	return SV_OK;
}

/* Applications only one release holds: add_application and
 * remove_application, RELUP. */
static void
plan_added_removed(struct sv_otp_upgrade *u, const struct sv_otp_release *old,
    const struct sv_otp_release *new)
{
	size_t i;

	for (i = 0; i < new->napps; i++)
		if (sv_otp_release_app(old, new->apps[i].name) == NULL) {
			new_appchange(u, new->apps[i].name, SV_OTP_APP_ADDED,
			    NULL, new->apps[i].vsn);
			ap_add_reason(u, SV_LEVEL_RELUP, new->apps[i].name,
			    "application %s %s added (add_application)",
			    new->apps[i].name, new->apps[i].vsn);
		}
	for (i = 0; i < old->napps; i++)
		if (sv_otp_release_app(new, old->apps[i].name) == NULL) {
			new_appchange(u, old->apps[i].name, SV_OTP_APP_REMOVED,
			    old->apps[i].vsn, NULL);
			ap_add_reason(u, SV_LEVEL_RELUP, old->apps[i].name,
			    "application %s %s removed (remove_application)",
			    old->apps[i].name, old->apps[i].vsn);
		}
}

int
sv_otp_upgrade_plan(struct sv_otp_upgrade *u, struct sv_otp_release *old,
    struct sv_otp_release *new, const struct sv_otp_options *o,
    struct sv_err *e)
{
	struct comparison c;
	struct sv_otp_modpair *pairs;
	size_t npairs;
	int status;

	memset(&c, 0, sizeof(c));
	buf_init(&c.unbumped);
	/* Every module both releases hold is compared first, all at once. */
	collect_pairs(old, new, &pairs, &npairs);
	if ((status = sv_otp_modpairs_compare(pairs, npairs,
	    old->transient ? NULL : old->root,
	    new->transient ? NULL : new->root, o->memo, o->walks, o->nwalks,
	    e)))
		goto out;
	u->old = old;
	u->new = new;
	u->level = SV_LEVEL_NONE;
	if (strcmp(old->erts, new->erts) != 0)
		ap_add_reason(u, SV_LEVEL_RESTART, "erts", "ERTS %s -> %s: a new "
		    "emulator", old->erts, new->erts);
	if ((status = compare_apps(u, old, new, pairs, o, &c, e)))
		goto out;
	if (c.unbumped.len > 0 && !o->keep_unbumped) {
		status = sv_err_set(e, SV_INPUT, "code changed without an "
		    "application vsn bump: %s", c.unbumped.s);
		sv_err_hint(e, "bump the vsn in the application's .app.src: "
		    "release_handler keeps the files of an installed vsn, so "
		    "the new code would never load");
		goto out;
	}
	add_app_modules(old, new, &c);
	if ((status = plan_upgraded(u, &c, o, e)))
		goto out;
	plan_added_removed(u, old, new);
	if ((status = compare_protocols(u, old, new, e)) ||
	    (o->relup_decides && (status = sv_otp_upgrade_use_relup(u, e))))
		goto out;
	if (u->nreasons > 1)
		qsort(u->reasons, u->nreasons, sizeof(*u->reasons), cmp_reason);
out:
	free(pairs);
	comparison_release(&c);
	return status;
}

void
sv_otp_appup_text(const struct sv_otp_appchange *a, struct buf *out)
{
	buf_addf(out, "%%%% %s.appup: %s by smoothver for %s -> %s\n",
	    a->name, a->source == SV_OTP_APPUP_KEPT ? "hand-written, checked" :
	    a->source == SV_OTP_APPUP_GENERATED ? "generated" :
	    a->source == SV_OTP_APPUP_MERGED ? "hand-written, completed" :
	    "hand-written, entry added", a->old_vsn, a->new_vsn);
	sv_term_write(out, a->appup, 0);
	buf_adds(out, ".\n");
}

const char *
sv_otp_appup_noun(const struct sv_otp_appchange *a)
{
	if (a->source == SV_OTP_APPUP_GENERATED)
		return "the appup";
	return a->by_smoothver ? "the appup smoothver generated" :
	    "the hand-written appup";
}

const char *
sv_otp_appup_source_name(enum sv_otp_appup_source s)
{
	static const char *const names[] = {
		"generated", "kept", "merged", "extended"
	};

	return names[s];
}

const char *
sv_otp_app_change_name(enum sv_otp_app_change c)
{
	static const char *const names[] = { "upgraded", "added", "removed" };

	return names[c];
}

const char *
sv_otp_mod_change_name(enum sv_otp_mod_change c)
{
	static const char *const names[] = { "added", "deleted", "changed" };

	return names[c];
}
