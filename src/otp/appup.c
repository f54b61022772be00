/*
 * appup.c - planning a hot upgrade between two release models and
 * writing its appups (see appup.h).
 */
#include "config.h"

#include "otp/appup.h"

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

#define APPUP_MAX (16u << 20)

/* The applications that are never upgraded in place. */
static bool
is_emulator_app(const char *name)
{
	return strcmp(name, "kernel") == 0 || strcmp(name, "stdlib") == 0 ||
	    strcmp(name, "sasl") == 0 || strcmp(name, "erts") == 0;
}

static char *
fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));

static char *
fmt(const char *f, ...)
{
	struct buf b;
	va_list ap;

	buf_init(&b);
	va_start(ap, f);
	buf_vaddf(&b, f, ap);
	va_end(ap);
	return buf_detach(&b);
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
static void
purge_for(const struct sv_otp_options *o, const char *module,
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

static void
add_reason(struct sv_otp_upgrade *u, enum sv_level level,
    const char *subject, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
add_reason(struct sv_otp_upgrade *u, enum sv_level level,
    const char *subject, const char *fmt, ...)
{
	struct sv_otp_reason *r;
	struct buf b;
	va_list ap;

	buf_init(&b);
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	u->reasons = xrealloc(u->reasons, (u->nreasons + 1) *
	    sizeof(*u->reasons));
	r = &u->reasons[u->nreasons++];
	r->level = level;
	r->subject = xstrdup(subject);
	r->reason = buf_detach(&b);
	r->instruction = false;
	if (level > u->level)
		u->level = level;
}

void
sv_otp_upgrade_add_reason(struct sv_otp_upgrade *u, enum sv_level level,
    const char *subject, const char *reason)
{
	add_reason(u, level, subject, "%s", reason);
}

/* Mark the reason added last as coming from an appup instruction. */
static void
last_from_instruction(struct sv_otp_upgrade *u)
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

/* A sorted set of module names (borrowed strings). */
struct names {
	const char **v;
	size_t n, alloc;
};

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

static bool
names_has(const struct names *s, const char *name)
{
	return s->n > 0 && bsearch(&name, s->v, s->n, sizeof(*s->v),
	    sv_str_cmp) != NULL;
}

/* The modules of an upgraded application, found before instructions are
 * made (instructions need the whole upgrade's sets). */
struct pending {
	struct sv_otp_appchange *change; /* set once all are found */
	struct sv_otp_app *old, *new;
	struct names added, deleted, changed;
};

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

static bool
exports_code_change(const struct sv_beam *b)
{
	return sv_beam_exports(b, "code_change", 3) ||
	    sv_beam_exports(b, "code_change", 4) ||
	    sv_beam_exports(b, "system_code_change", 4);
}

/* The instruction for a changed module, from its new beam. */
enum kind { K_LOAD, K_SUPERVISOR, K_ADVANCED };

static enum kind kind_of(const struct sv_beam *b, const char *process,
    bool sup, struct buf *why);

static enum kind
module_kind(const struct sv_beam *b, struct buf *why)
{
	const char *process = NULL;
	struct buf procs;
	bool sup = false;
	size_t i;
	enum kind k;

	buf_init(&procs);
	for (i = 0; i < b->nbehaviours; i++) {
		const char *be = b->behaviours[i];

		if (strcmp(be, "supervisor") == 0) {
			sup = true;
		} else if (strcmp(be, "application") != 0) {
			buf_addf(&procs, "%s%s", procs.len ? "+" : "", be);
			process = procs.s;
		}
	}
	k = kind_of(b, process, sup, why);
	buf_release(&procs);
	return k;
}

static enum kind
kind_of(const struct sv_beam *b, const char *process, bool sup,
    struct buf *why)
{
	if ((process != NULL || b->nbehaviours == 0) &&
	    exports_code_change(b)) {
		const char *cc = sv_beam_exports(b, "code_change", 3) ?
		    "code_change/3" : sv_beam_exports(b, "code_change", 4) ?
		    "code_change/4" : "system_code_change/4";

		if (process != NULL) {
			buf_addf(why, "%s with %s", process, cc);
			return K_ADVANCED;
		}
		if (strcmp(cc, "system_code_change/4") == 0) {
			buf_addf(why, "special process with %s", cc);
			return K_ADVANCED;
		}
	}
	if (sup) {
		buf_adds(why, "supervisor");
		return K_SUPERVISOR;
	}
	if (process != NULL)
		buf_addf(why, "%s without code_change", process);
	else
		buf_adds(why, "code changed");
	return K_LOAD;
}

/* The modules of imports that are in set, as an atom list. */
static struct sv_term *
deps_list(const struct sv_beam *b, const struct names *set)
{
	struct sv_term *l = sv_term_list();
	size_t i;

	for (i = 0; i < b->nimports; i++)
		if (names_has(set, b->imports[i]))
			sv_term_push(l, sv_term_atom(b->imports[i]));
	return l;
}

static struct sv_term *
instr2(const char *tag, const char *module)
{
	return sv_term_tuplev(2, sv_term_atom(tag), sv_term_atom(module));
}

static struct sv_otp_modchange *
new_mod(struct sv_otp_appchange *a, const char *module,
    enum sv_otp_mod_change change)
{
	struct sv_otp_modchange *m;

	a->mods = xrealloc(a->mods, (a->nmods + 1) * sizeof(*a->mods));
	m = &a->mods[a->nmods++];
	memset(m, 0, sizeof(*m));
	m->module = xstrdup(module);
	m->change = change;
	return m;
}

/*
 * Order the changed modules of one application so that a module comes
 * after the modules of the same application it calls (callees load
 * first); ties and cycles go by name.
 */
static void
order_changed(struct sv_otp_app *new, const struct names *changed,
    const char **out)
{
	size_t n = changed->n, done = 0, i, j, k;
	bool *placed = xcalloc(n + 1, sizeof(*placed));

	while (done < n) {
		size_t pick = n;

		for (i = 0; i < n && pick == n; i++) {
			const struct sv_otp_module *m;
			bool ready = true;

			if (placed[i])
				continue;
			m = sv_otp_app_module(new, changed->v[i]);
			for (j = 0; ready && j < m->beam->nimports; j++)
				for (k = 0; k < n; k++)
					if (!placed[k] && k != i &&
					    strcmp(changed->v[k],
					    m->beam->imports[j]) == 0) {
						ready = false;
						break;
					}
			if (ready)
				pick = i;
		}
		if (pick == n) /* a cycle: take the first left */
			for (pick = 0; placed[pick]; pick++)
				;
		placed[pick] = true;
		out[done++] = changed->v[pick];
	}
	free(placed);
}

/* Add the warning w (owned by u from now on). */
static void
add_warning(struct sv_otp_upgrade *u, char *w)
{
	u->warnings = xrealloc(u->warnings, (u->nwarnings + 1) *
	    sizeof(*u->warnings));
	u->warnings[u->nwarnings++] = w;
}

/* {apply, {supervisor, F, [Ref, Id]}} */
static struct sv_term *
sup_apply(const char *f, const struct sv_term *ref, const struct sv_term *id)
{
	struct sv_term *args = sv_term_list();

	sv_term_push(args, sv_term_copy(ref));
	sv_term_push(args, sv_term_copy(id));
	return sv_term_tuplev(2, sv_term_atom("apply"), sv_term_tuplev(3,
	    sv_term_atom("supervisor"), sv_term_atom(f), args));
}

/* For each child of ids (n) of the supervisor ref, the calls fs (NULL
 * ended) in turn: the instructions appended to *list (made if NULL). */
static void
sup_calls(struct sv_term **list, const char *const *fs,
    const struct sv_term *ref, struct sv_term *const *ids, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		if (*list == NULL)
			*list = sv_term_list();
		for (j = 0; fs[j] != NULL; j++)
			sv_term_push(*list, sup_apply(fs[j], ref, ids[i]));
	}
}

static const char *const sup_stop[] = { "terminate_child", "delete_child",
    NULL };
static const char *const sup_start[] = { "restart_child", NULL };

/* The ids of a's children that b lacks, into *out (borrowed from a; the
 * array is the caller's to free); their number. */
static size_t
ids_missing(const struct sv_otp_supspec *a, const struct sv_otp_supspec *b,
    struct sv_term ***out)
{
	size_t i, n = 0;

	*out = xcalloc(a->nids + 1, sizeof(**out));
	for (i = 0; i < a->nids; i++)
		if (!sv_otp_supspec_has(b, a->ids[i]))
			(*out)[n++] = a->ids[i];
	return n;
}

/* "a, b" of the ids, into b. */
static void
ids_text(struct buf *b, struct sv_term *const *ids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i)
			buf_adds(b, ", ");
		sv_term_write_flat(b, ids[i]);
	}
}

/*
 * A changed supervisor: the children its init/1 gained are started after
 * its update, those it lost stopped and deleted before (the Appup
 * Cookbook's instructions, as m's extras); why gets what was found. What
 * cannot be read from the code is a warning.
 */
static void
sup_children(struct sv_otp_upgrade *u, const char *app,
    struct sv_otp_modchange *m, struct sv_otp_module *om,
    struct sv_otp_module *nm, struct buf *why)
{
	struct sv_otp_supspec os, ns;
	struct sv_term **added = NULL, **removed = NULL;
	size_t nadded, nremoved;
	struct sv_err e;

	sv_otp_supspec_init(&os);
	sv_otp_supspec_init(&ns);
	sv_err_init(&e);
	if (sv_otp_supspec_load(&os, om->path, &e) != SV_OK ||
	    sv_otp_supspec_load(&ns, nm->path, &e) != SV_OK) {
		add_warning(u, fmt("%s: supervisor %s changed, but its "
		    "children cannot be read: %s", app, m->module, e.msg));
		goto out;
	}
	if (!os.known || !ns.known) {
		add_warning(u, fmt("%s: supervisor %s changed, but whether "
		    "init/1 gained or lost children cannot be told, as %s: a "
		    "child it gained would not be started (add {apply, "
		    "{supervisor, restart_child, [Sup, Id]}} after the update "
		    "by hand), nor one it lost stopped", app, m->module,
		    !ns.known ? ns.why : os.why));
		goto out;
	}
	if (os.simple || ns.simple)
		goto out;
	nadded = ids_missing(&ns, &os, &added);
	nremoved = ids_missing(&os, &ns, &removed);
	if (nadded + nremoved == 0)
		goto out;
	if (ns.ref == NULL || os.ref == NULL) {
		struct buf ids;

		buf_init(&ids);
		ids_text(&ids, added, nadded);
		if (nadded && nremoved)
			buf_adds(&ids, "; ");
		ids_text(&ids, removed, nremoved);
		add_warning(u, fmt("%s: supervisor %s %s children (%s), but "
		    "%s: the appup cannot start or stop them", app, m->module,
		    nadded && nremoved ? "gained and lost" : nadded ?
		    "gained" : "lost", ids.s, ns.ref == NULL ? ns.refwhy :
		    os.refwhy));
		buf_release(&ids);
		goto out;
	}
	sup_calls(&m->up_after, sup_start, ns.ref, added, nadded);
	sup_calls(&m->up_before, sup_stop, os.ref, removed, nremoved);
	sup_calls(&m->down_before, sup_stop, ns.ref, added, nadded);
	sup_calls(&m->down_after, sup_start, os.ref, removed, nremoved);
	if (nadded) {
		buf_adds(why, "; child ");
		ids_text(why, added, nadded);
		buf_adds(why, " added (restart_child)");
	}
	if (nremoved) {
		buf_adds(why, "; child ");
		ids_text(why, removed, nremoved);
		buf_adds(why, " removed (terminate_child, delete_child)");
	}
out:
	free(added);
	free(removed);
	sv_otp_supspec_release(&os);
	sv_otp_supspec_release(&ns);
}

/*
 * A changed Elixir application callback module whose start/2 gives
 * Supervisor.start_link/2 its children (as mix new --sup writes it):
 * that supervisor runs Elixir's own callback module with the children as
 * its argument, so no appup instruction can change them. Children
 * gained or lost make the module RESTART; a start/2 that cannot be read
 * for want of debug info is a warning.
 */
static void
app_children(struct sv_otp_upgrade *u, const char *app,
    struct sv_otp_modchange *m, struct sv_otp_module *om,
    struct sv_otp_module *nm, struct buf *why)
{
	struct sv_otp_supspec os, ns;
	struct sv_term **added = NULL, **removed = NULL;
	size_t nadded, nremoved;
	struct sv_err e;

	sv_otp_supspec_init(&os);
	sv_otp_supspec_init(&ns);
	sv_err_init(&e);
	if (sv_otp_supspec_app_load(&os, om->path, &e) != SV_OK ||
	    sv_otp_supspec_app_load(&ns, nm->path, &e) != SV_OK) {
		add_warning(u, fmt("%s: application module %s changed, but "
		    "its start/2 cannot be read: %s", app, m->module, e.msg));
		goto out;
	}
	if (!os.known || !ns.known) {
		const char *w = !ns.known ? ns.why : os.why;

		if (strstr(w, "debug info") != NULL)
			add_warning(u, fmt("%s: application module %s changed, "
			    "but whether its start/2 starts other children "
			    "cannot be told, as %s: children added to the list "
			    "it gives Supervisor.start_link/2 would not start "
			    "before a restart", app, m->module, w));
		goto out;
	}
	nadded = ids_missing(&ns, &os, &added);
	nremoved = ids_missing(&os, &ns, &removed);
	if (nadded + nremoved == 0)
		goto out;
	m->level = SV_LEVEL_RESTART;
	buf_adds(why, "; start/2 gives Supervisor.start_link/2 other "
	    "children (");
	if (nadded) {
		ids_text(why, added, nadded);
		buf_adds(why, " added");
	}
	if (nadded && nremoved)
		buf_adds(why, "; ");
	if (nremoved) {
		ids_text(why, removed, nremoved);
		buf_adds(why, " removed");
	}
	buf_adds(why, "): no upgrade instruction reaches that supervisor, "
	    "only a restart applies them (or move them to a module "
	    "supervisor, use Supervisor)");
out:
	free(added);
	free(removed);
	sv_otp_supspec_release(&os);
	sv_otp_supspec_release(&ns);
}

/* The OTP behaviour whose state the analysis compares: the first of
 * gen_server, gen_statem and gen_event the module declares; NULL if
 * none. */
static const char *
state_behaviour(const struct sv_beam *b)
{
	static const char *const known[] = { "gen_server", "gen_statem",
	    "gen_event", NULL };
	size_t i, j;

	for (i = 0; i < b->nbehaviours; i++)
		for (j = 0; known[j]; j++)
			if (strcmp(b->behaviours[i], known[j]) == 0)
				return known[j];
	return NULL;
}

/*
 * A changed process module (k K_ADVANCED) or supervisor: compare the
 * state both builds keep (otp/stateshape.h). Unchanged, it is loaded
 * (K_LOAD); otherwise k stays. The verdict is added to why and its
 * evidence kept in m.
 */
static enum kind
analyse_state(struct sv_otp_modchange *m, const struct sv_otp_module *om,
    const struct sv_otp_module *nm, enum kind k, const struct names *up_set,
    struct buf *why)
{
	const char *be = k == K_SUPERVISOR ? "supervisor" :
	    state_behaviour(nm->beam);
	struct sv_otp_shape sh;
	struct sv_err e;

	if (be == NULL)
		return k; /* a special process, or a behaviour of its own */
	sv_otp_shape_init(&sh);
	sv_err_init(&e);
	if (sv_otp_shape_compare(&sh, om->path, nm->path, be, up_set->v,
	    up_set->n, &e) != SV_OK) {
		sv_otp_shape_release(&sh);
		sv_otp_shape_init(&sh);
		sh.verdict = SV_OTP_SHAPE_UNKNOWN;
		sh.summary = fmt("its code cannot be read: %s", e.msg);
	}
	m->analysed = true;
	m->shape = sh.verdict;
	m->evidence = sh.evidence;
	m->nevidence = sh.nevidence;
	sh.evidence = NULL;
	sh.nevidence = 0;
	buf_addf(why, "; %s", sh.summary);
	if (sh.verdict == SV_OTP_SHAPE_SAME)
		k = K_LOAD;
	sv_otp_shape_release(&sh);
	return k;
}

/* Build the generated instructions of an upgraded application. */
static void
generate(struct sv_otp_upgrade *u, struct pending *p,
    const struct names *up_set, const struct names *down_set,
    const struct sv_otp_options *o)
{
	struct sv_otp_appchange *a = p->change;
	const char **order = xcalloc(p->changed.n + 1, sizeof(*order));
	struct buf why;
	size_t i;

	buf_init(&why);
	for (i = 0; i < p->added.n; i++) {
		struct sv_otp_modchange *m = new_mod(a, p->added.v[i],
		    SV_OTP_MOD_ADDED);

		m->up = instr2("add_module", m->module);
		m->down = instr2("delete_module", m->module);
		m->level = SV_LEVEL_RELOAD;
		m->reason = xstrdup("added");
	}
	order_changed(p->new, &p->changed, order);
	for (i = 0; i < p->changed.n; i++) {
		struct sv_otp_module *nm = sv_otp_app_module(p->new, order[i]);
		struct sv_otp_module *om = sv_otp_app_module(p->old, order[i]);
		struct sv_otp_modchange *m = new_mod(a, order[i],
		    SV_OTP_MOD_CHANGED);
		struct sv_term *pre, *post;
		enum kind k;

		buf_reset(&why);
		k = module_kind(nm->beam, &why);
		if (k != K_LOAD)
			k = analyse_state(m, om, nm, k, up_set, &why);
		if (k == K_SUPERVISOR) {
			m->up = sv_term_tuplev(3, sv_term_atom("update"),
			    sv_term_atom(m->module), sv_term_atom("supervisor"));
			m->down = sv_term_copy(m->up);
			m->level = SV_LEVEL_RELUP;
			sup_children(u, p->new->name, m, om, nm, &why);
		} else {
			const char *tag = k == K_ADVANCED ? "update" :
			    "load_module";
			struct sv_term *t;

			purge_for(o, m->module, &pre, &post);
			t = sv_term_tuplev(2, sv_term_atom(tag),
			    sv_term_atom(m->module));
			if (k == K_ADVANCED)
				sv_term_push(t, sv_term_tuplev(2,
				    sv_term_atom("advanced"), sv_term_list()));
			sv_term_push(t, pre);
			sv_term_push(t, post);
			m->down = sv_term_copy(t);
			sv_term_push(t, deps_list(nm->beam, up_set));
			sv_term_push(m->down, deps_list(om->beam, down_set));
			m->up = t;
			m->level = k == K_ADVANCED ? SV_LEVEL_RELUP :
			    SV_LEVEL_RELOAD;
			if (sv_beam_has_behaviour(nm->beam, "application"))
				app_children(u, p->new->name, m, om, nm, &why);
		}
		if (m->level == SV_LEVEL_RESTART)
			m->floor = SV_LEVEL_RESTART; /* app_children */
		if (nm->beam->loads_nif || om->beam->loads_nif) {
			m->level = m->floor = SV_LEVEL_RESTART;
			buf_adds(&why, "; loads a NIF library, which cannot be "
			    "reloaded in place");
		}
		m->reason = xstrdup(why.s);
	}
	for (i = 0; i < p->deleted.n; i++) {
		struct sv_otp_modchange *m = new_mod(a, p->deleted.v[i],
		    SV_OTP_MOD_DELETED);

		m->up = instr2("delete_module", m->module);
		m->down = instr2("add_module", m->module);
		m->level = SV_LEVEL_RELOAD;
		m->reason = xstrdup("deleted");
	}
	free(order);
	buf_release(&why);
}

/* The generated up and down instruction lists of a. */
static void
generated_lists(const struct sv_otp_appchange *a, struct sv_term **up,
    struct sv_term **down)
{
	size_t i;

	*up = sv_term_list();
	*down = sv_term_list();
	for (i = 0; i < a->nmods; i++)
		sv_otp_modchange_push(&a->mods[i], true, *up);
	for (i = a->nmods; i-- > 0;)
		sv_otp_modchange_push(&a->mods[i], false, *down);
}

bool
sv_otp_appup_key_matches(const struct sv_term *key, const char *vsn)
{
	char *text = NULL;
	bool yes = false;

	if (key->kind == SV_TERM_BINARY) {
		regex_t re;
		regmatch_t m;

		if (memchr(key->s, '\0', key->len) != NULL ||
		    regcomp(&re, key->s, REG_EXTENDED) != 0)
			return false;
		yes = regexec(&re, vsn, 1, &m, 0) == 0 && m.rm_so == 0 &&
		    (size_t)m.rm_eo == strlen(vsn);
		regfree(&re);
		return yes;
	}
	if (sv_term_text(key, &text))
		yes = strcmp(text, vsn) == 0;
	free(text);
	return yes;
}

/* The {Vsn, Instructions} entry of list whose Vsn selects vsn. */
static struct sv_term *
entry_for(struct sv_term *list, const char *vsn)
{
	size_t i;

	for (i = 0; list->kind == SV_TERM_LIST && i < list->n; i++) {
		struct sv_term *t = list->v[i];

		if (t->kind == SV_TERM_TUPLE && t->n == 2 &&
		    sv_otp_appup_key_matches(t->v[0], vsn))
			return t;
	}
	return NULL;
}

/* True if instrs (an instruction list) has an instruction for module of
 * application app, or one that restarts it all. */
static bool
covers(const struct sv_term *instrs, const char *app, const char *module)
{
	static const char *const tags[] = {
		"load_module", "update", "add_module", "delete_module", NULL
	};
	size_t i, k;

	for (i = 0; instrs->kind == SV_TERM_LIST && i < instrs->n; i++) {
		const struct sv_term *t = instrs->v[i];

		if (sv_term_is_atom(t, "restart_new_emulator") ||
		    sv_term_is_atom(t, "restart_emulator"))
			return true;
		if (t->kind != SV_TERM_TUPLE || t->n < 2)
			continue;
		if (sv_term_is_atom(t->v[0], "restart_application") &&
		    sv_term_is_atom(t->v[1], app))
			return true;
		for (k = 0; tags[k]; k++)
			if (sv_term_is_atom(t->v[0], tags[k]) &&
			    sv_term_is_atom(t->v[1], module))
				return true;
	}
	return false;
}

/* The level an instruction requires, and a word on why. */
static enum sv_level
instr_level(const struct sv_term *t, const char **what)
{
	const char *tag = t->kind == SV_TERM_ATOM ? t->s :
	    (t->kind == SV_TERM_TUPLE && t->n > 0 &&
	    t->v[0]->kind == SV_TERM_ATOM) ? t->v[0]->s : "?";

	*what = tag;
	if (strcmp(tag, "restart_new_emulator") == 0 ||
	    strcmp(tag, "restart_emulator") == 0)
		return SV_LEVEL_RESTART;
	if (strcmp(tag, "load_module") == 0 || strcmp(tag, "add_module") == 0 ||
	    strcmp(tag, "delete_module") == 0)
		return SV_LEVEL_RELOAD;
	return SV_LEVEL_RELUP;
}

/* Collect the modules of a whose instructions list instrs misses. */
static size_t
find_gaps(const struct sv_otp_appchange *a, const struct sv_term *instrs,
    char ***out)
{
	size_t i, n = 0;

	*out = NULL;
	for (i = 0; i < a->nmods; i++)
		if (!covers(instrs, a->name, a->mods[i].module)) {
			*out = xrealloc(*out, (n + 1) * sizeof(**out));
			(*out)[n++] = xstrdup(a->mods[i].module);
		}
	return n;
}

/* Append the generated instructions for the modules in gaps. */
static void
fill_gaps(const struct sv_otp_appchange *a, struct sv_term *instrs,
    char **gaps, size_t ngaps, bool up)
{
	size_t i, j, k;

	for (k = 0; k < a->nmods; k++) {
		const struct sv_otp_modchange *m = &a->mods[up ? k :
		    a->nmods - 1 - k];

		for (j = 0, i = ngaps; j < ngaps; j++)
			if (strcmp(gaps[j], m->module) == 0)
				i = j;
		if (i < ngaps)
			sv_otp_modchange_push(m, up, instrs);
	}
}

/* A fresh appup {NewVsn, [{OldVsn, Up}], [{OldVsn, Down}]}. */
static struct sv_term *
fresh_appup(const struct sv_otp_appchange *a, struct sv_term *up,
    struct sv_term *down)
{
	return sv_term_tuplev(3, sv_term_string(a->new_vsn),
	    sv_term_push(sv_term_list(), sv_term_tuplev(2,
	    sv_term_string(a->old_vsn), up)),
	    sv_term_push(sv_term_list(), sv_term_tuplev(2,
	    sv_term_string(a->old_vsn), down)));
}

/*
 * Settle a's appup: a hand-written one in the new ebin wins when it has
 * an entry for the old vsn (its coverage is checked, or completed with
 * merge); one for this vsn without such an entry gets the generated
 * entry added; a stale one (another vsn) is replaced.
 */
static int
settle_appup(struct sv_otp_appchange *a, const char *path,
    const struct sv_otp_options *o, struct sv_err *e)
{
	struct sv_terms ts;
	struct sv_term *t, *up, *down, *upe, *downe;
	char *vsn = NULL;
	int status = SV_OK;

	sv_terms_init(&ts);
	generated_lists(a, &up, &down);
	a->appup_path = xstrdup(path);
	a->source = SV_OTP_APPUP_GENERATED;
	if (is_emulator_app(a->name)) {
		sv_term_free(up);
		sv_term_free(down);
		up = sv_term_push(sv_term_list(),
		    sv_term_atom("restart_new_emulator"));
		down = sv_term_push(sv_term_list(),
		    sv_term_atom("restart_new_emulator"));
	}
	if (access(path, F_OK) != 0) {
		if (errno != ENOENT) {
			status = sv_err_set(e, SV_INPUT, "cannot read '%s': %s",
			    path, strerror(errno));
			goto out;
		}
		goto fresh;
	}
	if ((status = sv_terms_load(&ts, path, APPUP_MAX, e)))
		goto out;
	if (ts.n != 1 || (t = ts.v[0])->kind != SV_TERM_TUPLE || t->n != 3 ||
	    !sv_term_is_list(t->v[1]) || !sv_term_is_list(t->v[2]) ||
	    !sv_term_text(t->v[0], &vsn)) {
		status = sv_err_set(e, SV_INPUT, "%s: expected one term "
		    "{\"VSN\", [{FROM, UP}], [{TO, DOWN}]}", path);
		goto out;
	}
	if (strcmp(vsn, a->new_vsn) != 0) {
		a->stale = vsn;
		vsn = NULL;
		goto fresh;
	}
	upe = t->v[1]->kind == SV_TERM_LIST ? entry_for(t->v[1], a->old_vsn) :
	    NULL;
	downe = t->v[2]->kind == SV_TERM_LIST ?
	    entry_for(t->v[2], a->old_vsn) : NULL;
	if (upe == NULL && downe == NULL) {
		/* An appup for this version without our transition: add it. */
		if (t->v[1]->kind != SV_TERM_LIST) {
			sv_term_free(t->v[1]);
			t->v[1] = sv_term_list();
		}
		if (t->v[2]->kind != SV_TERM_LIST) {
			sv_term_free(t->v[2]);
			t->v[2] = sv_term_list();
		}
		sv_term_push(t->v[1], sv_term_tuplev(2,
		    sv_term_string(a->old_vsn), up));
		sv_term_push(t->v[2], sv_term_tuplev(2,
		    sv_term_string(a->old_vsn), down));
		up = down = NULL;
		a->source = SV_OTP_APPUP_EXTENDED;
		goto keep;
	}
	a->source = SV_OTP_APPUP_KEPT;
	if (upe != NULL && sv_term_is_list(upe->v[1]))
		a->ngaps_up = find_gaps(a, upe->v[1], &a->gaps_up);
	else
		a->ngaps_up = find_gaps(a, &(struct sv_term){ .kind =
		    SV_TERM_LIST }, &a->gaps_up);
	if (downe != NULL && sv_term_is_list(downe->v[1]))
		a->ngaps_down = find_gaps(a, downe->v[1], &a->gaps_down);
	else
		a->ngaps_down = find_gaps(a, &(struct sv_term){ .kind =
		    SV_TERM_LIST }, &a->gaps_down);
	if (o->merge && (a->ngaps_up > 0 || a->ngaps_down > 0 ||
	    upe == NULL || downe == NULL)) {
		struct sv_term *lists[2] = { t->v[1], t->v[2] };
		struct sv_term *ents[2] = { upe, downe };
		int d;

		for (d = 0; d < 2; d++) {
			struct sv_term *instrs;

			if (ents[d] == NULL) {
				ents[d] = sv_term_tuplev(2,
				    sv_term_string(a->old_vsn), sv_term_list());
				sv_term_push(lists[d], ents[d]);
			}
			instrs = ents[d]->v[1];
			if (instrs->kind == SV_TERM_STRING) { /* "" */
				sv_term_free(instrs);
				instrs = ents[d]->v[1] = sv_term_list();
			}
			if (d == 0)
				fill_gaps(a, instrs, a->gaps_up, a->ngaps_up,
				    true);
			else
				fill_gaps(a, instrs, a->gaps_down,
				    a->ngaps_down, false);
		}
		sv_strv_free(a->gaps_up, a->ngaps_up);
		sv_strv_free(a->gaps_down, a->ngaps_down);
		a->gaps_up = a->gaps_down = NULL;
		a->ngaps_up = a->ngaps_down = 0;
		a->source = SV_OTP_APPUP_MERGED;
	}
keep:
	a->appup = t;
	ts.v[0] = NULL;
	goto out;
fresh:
	a->appup = fresh_appup(a, up, down);
	up = down = NULL;
out:
	sv_term_free(up);
	sv_term_free(down);
	free(vsn);
	sv_terms_release(&ts);
	return status;
}

/* The module an appup instruction names ({Tag, Mod, ...}), or NULL. */
static const char *
instr_module(const struct sv_term *t)
{
	return t->kind == SV_TERM_TUPLE && t->n >= 2 &&
	    t->v[1]->kind == SV_TERM_ATOM ? t->v[1]->s : NULL;
}

static struct sv_otp_modchange *
find_mod(struct sv_otp_appchange *a, const char *module)
{
	size_t j;

	for (j = 0; module != NULL && j < a->nmods; j++)
		if (strcmp(a->mods[j].module, module) == 0)
			return &a->mods[j];
	return NULL;
}

/*
 * A hand-written appup decides: each module it names takes the level of
 * the instructions naming it (never below its floor), and the reason
 * says so, with what smoothver would have generated when that differs.
 * Reloading a module whose state changed is a state warning.
 */
static void
hand_levels(struct sv_otp_upgrade *u, struct sv_otp_appchange *a,
    const struct sv_term *instrs)
{
	enum sv_level *lv = xcalloc(a->nmods + 1, sizeof(*lv));
	const char **tag = xcalloc(a->nmods + 1, sizeof(*tag));
	size_t i, j;

	for (i = 0; i < instrs->n; i++) {
		const char *what;
		enum sv_level l = instr_level(instrs->v[i], &what);
		const char *mod = instr_module(instrs->v[i]);

		for (j = 0; mod != NULL && j < a->nmods; j++)
			if (strcmp(a->mods[j].module, mod) == 0 &&
			    (tag[j] == NULL || l > lv[j])) {
				lv[j] = l;
				tag[j] = what;
			}
	}
	for (j = 0; j < a->nmods; j++) {
		struct sv_otp_modchange *m = &a->mods[j];
		enum sv_level l = lv[j] > m->floor ? lv[j] : m->floor;
		const char *gen = m->up->kind == SV_TERM_TUPLE ?
		    m->up->v[0]->s : "?";
		char *r;

		if (tag[j] == NULL)
			continue;
		if (l == m->level && strcmp(gen, tag[j]) == 0)
			r = fmt("%s in the hand-written appup (%s)", tag[j],
			    m->reason);
		else
			r = fmt("%s in the hand-written appup, where smoothver "
			    "would write %s (%s)", tag[j], gen, m->reason);
		if (l == SV_LEVEL_RELOAD && m->analysed &&
		    m->shape == SV_OTP_SHAPE_CHANGED) {
			u->state_warnings = xrealloc(u->state_warnings,
			    (u->nstate_warnings + 1) *
			    sizeof(*u->state_warnings));
			u->state_warnings[u->nstate_warnings++] = fmt("%s: the "
			    "hand-written appup reloads %s (%s) but its state "
			    "changed (%s): its processes keep the state the old "
			    "code built", a->name, m->module, tag[j],
			    m->reason);
		}
		free(m->reason);
		m->reason = r;
		m->level = l;
		m->decided = true;
	}
	free(lv);
	free(tag);
}

/* The level of the settled appup's up entry, with its first reason. */
static void
appup_level(struct sv_otp_upgrade *u, struct sv_otp_appchange *a)
{
	struct sv_term *ent = entry_for(a->appup->v[1], a->old_vsn);
	bool hand = a->source == SV_OTP_APPUP_KEPT ||
	    a->source == SV_OTP_APPUP_MERGED;
	const char *where = a->source == SV_OTP_APPUP_GENERATED ?
	    "the appup" : "the hand-written appup";
	size_t i;

	a->level = SV_LEVEL_NONE;
	if (hand && ent != NULL && ent->v[1]->kind == SV_TERM_LIST)
		hand_levels(u, a, ent->v[1]);
	for (i = 0; ent != NULL && ent->v[1]->kind == SV_TERM_LIST &&
	    i < ent->v[1]->n; i++) {
		const struct sv_term *t = ent->v[1]->v[i];
		const char *what;
		enum sv_level lv = instr_level(t, &what);
		const char *mod = instr_module(t);
		const struct sv_otp_modchange *mc = find_mod(a, mod);

		if (mc != NULL && mc->level > lv)
			lv = mc->level;
		if (lv > a->level) {
			a->level = lv;
			free(a->reason);
			if (mc != NULL)
				a->reason = hand ? xstrdup(mc->reason) :
				    fmt("%s %s (%s)", what, mc->module,
				    mc->reason);
			else if (mod != NULL)
				a->reason = fmt("%s %s in %s", what, mod, where);
			else
				a->reason = fmt("%s in %s", what, where);
		}
		if (mc != NULL)
			add_reason(u, lv, mod, "%s (%s %s -> %s)", mc->reason,
			    a->name, a->old_vsn, a->new_vsn);
		else if (mod != NULL)
			add_reason(u, lv, mod, "%s in %s (%s %s -> %s)", what,
			    where, a->name, a->old_vsn, a->new_vsn);
		else
			add_reason(u, lv, a->name, "%s in %s (%s -> %s)",
			    what, where, a->old_vsn, a->new_vsn);
		last_from_instruction(u);
	}
	/* Modules a hand-written appup misses still change. */
	for (i = 0; i < a->ngaps_up; i++) {
		size_t j;

		for (j = 0; j < a->nmods; j++) {
			const struct sv_otp_modchange *m = &a->mods[j];

			if (strcmp(m->module, a->gaps_up[i]) != 0)
				continue;
			add_reason(u, m->level, m->module, "%s, missing from the "
			    "hand-written appup (%s %s -> %s)", m->reason,
			    a->name, a->old_vsn, a->new_vsn);
			last_from_instruction(u);
			if (m->level > a->level) {
				a->level = m->level;
				free(a->reason);
				a->reason = fmt("%s (missing from the appup)",
				    m->reason);
			}
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
			add_reason(u, SV_LEVEL_RELUP, new->name, "the "
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
		add_reason(u, SV_LEVEL_RESTART, "protocols", "only %s %s has "
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
	add_reason(u, SV_LEVEL_RELOAD, "protocols", "consolidated protocols "
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
			    !is_emulator_app(na->name))
				return sv_err_set(e, SV_INPUT, "cannot compare "
				    "%s %s -> %s: '%s' is missing", na->name,
				    oa->vsn, na->vsn, oa->present ? na->dir :
				    oa->dir);
			if (strcmp(oa->vsn, na->vsn) != 0)
				add_reason(u, SV_LEVEL_RESTART, na->name,
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
		generate(u, p, &c->up_set, &c->down_set, o);
		if ((status = settle_appup(p->change, p->new->appup_path, o, e)))
			return status;
		u->ngaps += p->change->ngaps_up + p->change->ngaps_down;
		if (is_emulator_app(p->new->name))
			add_reason(u, SV_LEVEL_RESTART, p->new->name, "%s %s -> "
			    "%s is part of the emulator", p->new->name,
			    p->old->vsn, p->new->vsn);
		appup_level(u, p->change);
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
			add_reason(u, SV_LEVEL_RELUP, new->apps[i].name,
			    "application %s %s added (add_application)",
			    new->apps[i].name, new->apps[i].vsn);
		}
	for (i = 0; i < old->napps; i++)
		if (sv_otp_release_app(new, old->apps[i].name) == NULL) {
			new_appchange(u, old->apps[i].name, SV_OTP_APP_REMOVED,
			    old->apps[i].vsn, NULL);
			add_reason(u, SV_LEVEL_RELUP, old->apps[i].name,
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
	    new->transient ? NULL : new->root, e)))
		goto out;
	u->old = old;
	u->new = new;
	u->level = SV_LEVEL_NONE;
	if (strcmp(old->erts, new->erts) != 0)
		add_reason(u, SV_LEVEL_RESTART, "erts", "ERTS %s -> %s: a new "
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
