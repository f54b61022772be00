/*
 * appup_gen.c - the instructions generated for each changed module: its
 * kind (plain, process, supervisor), the state analysis that may make a
 * process module a load_module, supervisor and Elixir application
 * children, DepMods, the order of loads (see appup_int.h).
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
		if (ap_names_has(set, b->imports[i]))
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
		add_warning(u, xstrfmt("%s: supervisor %s changed, but its "
		    "children cannot be read: %s", app, m->module, e.msg));
		goto out;
	}
	if (!os.known || !ns.known) {
		add_warning(u, xstrfmt("%s: supervisor %s changed, but whether "
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
		add_warning(u, xstrfmt("%s: supervisor %s %s children (%s), but "
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
		add_warning(u, xstrfmt("%s: application module %s changed, but "
		    "its start/2 cannot be read: %s", app, m->module, e.msg));
		goto out;
	}
	if (!os.known || !ns.known) {
		const char *w = !ns.known ? ns.why : os.why;

		if (strstr(w, "debug info") != NULL)
			add_warning(u,
			    xstrfmt("%s: application module %s changed, "
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
		sh.summary = xstrfmt("its code cannot be read: %s", e.msg);
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
void
ap_generate(struct sv_otp_upgrade *u, struct pending *p,
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

			ap_purge_for(o, m->module, &pre, &post);
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
void
ap_generated_lists(const struct sv_otp_appchange *a, struct sv_term **up,
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
