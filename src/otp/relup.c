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
#include "otp/appupfile.h"
#include "otp/otpinst.h"

/* ---- small vectors ---- */

void
rl_names_push(struct names *ns, const char *s)
{
	xgrow(&ns->v, &ns->alloc, ns->n + 1, sizeof(*ns->v));
	ns->v[ns->n++] = s;
}

bool
rl_names_has(const struct names *ns, const char *s)
{
	size_t i;

	for (i = 0; i < ns->n; i++)
		if (strcmp(ns->v[i], s) == 0)
			return true;
	return false;
}

/* Remove the first occurrence of s (Erlang's L -- [S]). */
void
rl_names_del(struct names *ns, const char *s)
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

void
rl_names_release(struct names *ns)
{
	free(ns->v);
	memset(ns, 0, sizeof(*ns));
}

void
rl_script_push(struct script *s, struct sv_term *t, const char *origin)
{
	xgrow(&s->v, &s->alloc, s->n + 1, sizeof(*s->v));
	s->v[s->n].t = t;
	s->v[s->n].origin = origin;
	s->n++;
}

void
rl_script_release(struct script *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		sv_term_free(s->v[i].t);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* Move all of src to the end of dst; src ends empty. */
void
rl_script_append(struct script *dst, struct script *src)
{
	size_t i;

	for (i = 0; i < src->n; i++)
		rl_script_push(dst, src->v[i].t, src->v[i].origin);
	free(src->v);
	memset(src, 0, sizeof(*src));
}

/* ---- term shapes ---- */

struct sv_term *
rl_atom(const char *s)
{
	return sv_term_atom(s);
}

bool
rl_is_tagged(const struct sv_term *t, const char *tag, size_t n)
{
	return t->kind == SV_TERM_TUPLE && t->n == n && t->n > 0 &&
	    sv_term_is_atom(t->v[0], tag);
}

/* A tuple whose first element is an atom: its name, else NULL. */
const char *
rl_tag_of(const struct sv_term *t)
{
	if (t->kind == SV_TERM_TUPLE && t->n > 0 &&
	    t->v[0]->kind == SV_TERM_ATOM)
		return t->v[0]->s;
	return NULL;
}

/* A proper list (strings count) */
bool
rl_proper_list(const struct sv_term *t)
{
	return sv_term_is_list(t);
}

/* The elements of a proper list that is not a string (a string is a
 * list of integers: none of our lists of atoms or tuples is one). */
size_t
rl_list_n(const struct sv_term *t)
{
	return t->kind == SV_TERM_LIST ? t->n : 0;
}

/* A list of atoms (Erlang's a_list_p); "" counts as []. */
bool
rl_atom_list(const struct sv_term *t)
{
	size_t i;

	if (!rl_proper_list(t))
		return false;
	if (t->kind == SV_TERM_STRING)
		return t->len == 0;
	for (i = 0; i < rl_list_n(t); i++)
		if (t->v[i]->kind != SV_TERM_ATOM)
			return false;
	return true;
}

char *
rl_flat(const struct sv_term *t)
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

static void
warn(struct ctx *c, const char *f, ...) __attribute__((format(printf, 2, 3)));

static void
warn(struct ctx *c, const char *f, ...)
{
	va_list ap;

	c->r->warnings = xrealloc(c->r->warnings, (c->r->nwarnings + 1) *
	    sizeof(*c->r->warnings));
	va_start(ap, f);
	c->r->warnings[c->r->nwarnings++] = xvstrfmt(f, ap);
	va_end(ap);
}

/* An error about instruction t (from origin's appup), with the systools
 * reason. */
int
rl_ierr(struct ctx *c, const struct item *it, const char *why,
    const char *reason)
{
	char *s = rl_flat(it->t);

	if (it->origin != NULL)
		sv_err_set(c->e, SV_INPUT, "%s: %s's appup: %s: %s (systools: %s)",
		    c->where, it->origin, s, why, reason);
	else
		sv_err_set(c->e, SV_INPUT, "%s: %s: %s (systools: %s)", c->where,
		    s, why, reason);
	free(s);
	return SV_INPUT;
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
	if (!rl_proper_list(list))
		return sv_err_set(c->e, SV_INPUT, "%s: the %s list is not a list",
		    path, up ? "upgrade" : "downgrade");
	for (i = 0; i < rl_list_n(list); i++) {
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
	t = sv_term_tuplev(2, rl_atom("apply"), sv_term_tuplev(3,
	    rl_atom("Elixir.Code"), rl_atom("eval_string"),
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
		    (rl_is_tagged(t, "apply", 2) &&
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
		sv_term_push(l, rl_atom("restart_new_emulator"));
	sv_term_push(l, rl_atom("point_of_no_return"));
	sv_term_push(l, rl_atom("restart_emulator"));
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

	buf_init(&m);
	sv_otp_upgrade_gaps_text(u, NULL, &m);
	sv_err_set(c->e, SV_INPUT, "%s: %s", c->where, m.s);
	sv_err_hint(c->e, SV_OTP_GAPS_HINT);
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
	if ((status = rl_rset_load(c, &bs, base)))
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
			rl_script_push(&scripts[nscripts++],
			    rl_atom("restart_new_emulator"), NULL);
			if (up)
				warn(c, "the ERTS version changes between %s "
				    "(%s) and %s (%s)", toprel->vsn, toprel->erts,
				    base->vsn, base->erts);
		}
		for (i = 0; i < to->n; i++)
			if (rl_rset_find(from, to->apps[i].name) == NULL)
				rl_script_push(&scripts[nscripts++],
				    sv_term_tuplev(3, rl_atom("add_application"),
				    rl_atom(to->apps[i].name),
				    rl_atom(to->apps[i].type)), NULL);
		for (i = 0; i < top->n; i++)
			if (entries[i] != NULL && (status = rl_expand_script(c,
			    entries[i], top->apps[top->sorted[i]].name,
			    &scripts[nscripts++])))
				goto pass_out;
		for (i = 0; i < from->n; i++)
			if (rl_rset_find(to, from->apps[i].name) == NULL)
				rl_script_push(&scripts[nscripts++],
				    sv_term_tuplev(2, rl_atom("remove_application"),
				    rl_atom(from->apps[i].name)), NULL);
		status = rl_translate(c, up, scripts, nscripts, to, from, &result);
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
			const struct rapp *sasl = rl_rset_find(&bs, "sasl");

			if (sasl != NULL && strcmp(sasl->vsn, "2.2") < 0) {
				struct sv_term *nr = sv_term_list();

				for (k = 1; k < result->n; k++)
					if (!sv_term_is_atom(result->v[k],
					    "restart_emulator"))
						sv_term_push(nr,
						    rl_copy(result->v[k]));
				sv_term_push(nr, rl_atom("restart_new_emulator"));
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
			rl_script_release(&scripts[k]);
		free(scripts);
		scripts = NULL;
		if (status)
			goto out;
	}
out:
	if (status == SV_OK && have_plan && c->o->plan != NULL) {
		sv_otp_upgrade_release(c->o->plan);
		*c->o->plan = plan;
		sv_otp_upgrade_init(&plan);
	}
	c->where = NULL;
	free(entries_up);
	free(entries_dn);
	sv_otp_upgrade_release(&plan);
	sv_terms_release(&files);
	rl_rset_release(&bs);
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
	if ((status = rl_rset_load(&c, &ts, top)))
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
	rl_rset_release(&ts);
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
