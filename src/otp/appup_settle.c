/*
 * appup_settle.c - the appup each upgraded application gets: a
 * hand-written one checked for coverage and kept (its instructions
 * deciding the level of the modules they name), completed with --merge,
 * given the entry it lacks, or a generated one (see appup_int.h).
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
int
ap_settle_appup(struct sv_otp_appchange *a, const char *path,
    const struct sv_otp_options *o, struct sv_err *e)
{
	struct sv_terms ts;
	struct sv_term *t, *up, *down, *upe, *downe;
	char *vsn = NULL;
	int status = SV_OK;

	sv_terms_init(&ts);
	ap_generated_lists(a, &up, &down);
	a->appup_path = xstrdup(path);
	a->source = SV_OTP_APPUP_GENERATED;
	if (ap_is_emulator_app(a->name)) {
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
			r = xstrfmt("%s in the hand-written appup (%s)", tag[j],
			    m->reason);
		else
			r = xstrfmt("%s in the hand-written appup, where smoothver "
			    "would write %s (%s)", tag[j], gen, m->reason);
		if (l == SV_LEVEL_RELOAD && m->analysed &&
		    m->shape == SV_OTP_SHAPE_CHANGED) {
			u->state_warnings = xrealloc(u->state_warnings,
			    (u->nstate_warnings + 1) *
			    sizeof(*u->state_warnings));
			u->state_warnings[u->nstate_warnings++] = xstrfmt("%s: the "
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
void
ap_appup_level(struct sv_otp_upgrade *u, struct sv_otp_appchange *a)
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
				    xstrfmt("%s %s (%s)", what, mc->module,
				    mc->reason);
			else if (mod != NULL)
				a->reason = xstrfmt("%s %s in %s", what, mod,
				    where);
			else
				a->reason = xstrfmt("%s in %s", what, where);
		}
		if (mc != NULL)
			ap_add_reason(u, lv, mod, "%s (%s %s -> %s)", mc->reason,
			    a->name, a->old_vsn, a->new_vsn);
		else if (mod != NULL)
			ap_add_reason(u, lv, mod, "%s in %s (%s %s -> %s)", what,
			    where, a->name, a->old_vsn, a->new_vsn);
		else
			ap_add_reason(u, lv, a->name, "%s in %s (%s -> %s)",
			    what, where, a->old_vsn, a->new_vsn);
		ap_last_from_instruction(u);
	}
	/* Modules a hand-written appup misses still change. */
	for (i = 0; i < a->ngaps_up; i++) {
		size_t j;

		for (j = 0; j < a->nmods; j++) {
			const struct sv_otp_modchange *m = &a->mods[j];

			if (strcmp(m->module, a->gaps_up[i]) != 0)
				continue;
			ap_add_reason(u, m->level, m->module,
			    "%s, missing from the "
			    "hand-written appup (%s %s -> %s)", m->reason,
			    a->name, a->old_vsn, a->new_vsn);
			ap_last_from_instruction(u);
			if (m->level > a->level) {
				a->level = m->level;
				free(a->reason);
				a->reason = xstrfmt("%s (missing from the appup)",
				    m->reason);
			}
		}
	}
}
