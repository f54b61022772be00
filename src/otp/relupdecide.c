/*
 * relupdecide.c - the level of a relup's script (see relupdecide.h).
 */
#include "config.h"

#include "otp/relupdecide.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/outfile.h"
#include "base/str.h"
#include "base/xalloc.h"
#include "otp/term.h"

#define RELUP_MAX (64u << 20)

/* What the script does to one module. */
struct modfate {
	const char *module;   /* borrowed from the script */
	enum sv_level level;
	struct sv_strset tags; /* load, suspend, code_change, ... */
	bool loaded, removed;
};

struct fates {
	struct modfate *v;
	size_t n, alloc;
};

static struct modfate *
fate_of(struct fates *fs, const char *module)
{
	struct modfate *f;
	size_t i;

	for (i = 0; i < fs->n; i++)
		if (strcmp(fs->v[i].module, module) == 0)
			return &fs->v[i];
	xgrow(&fs->v, &fs->alloc, fs->n + 1, sizeof(*fs->v));
	f = &fs->v[fs->n++];
	memset(f, 0, sizeof(*f));
	f->module = module;
	return f;
}

/* Record that instruction tag (at level) names module t (an atom, or
 * {Mod, Extra} / {Mod, Timeout}). */
static void
names_module(struct fates *fs, const struct sv_term *t, const char *tag,
    enum sv_level level, bool load, bool remove)
{
	struct modfate *f;

	if (t->kind == SV_TERM_TUPLE && t->n >= 1)
		t = t->v[0];
	if (t->kind != SV_TERM_ATOM)
		return;
	f = fate_of(fs, t->s);
	if (level > f->level)
		f->level = level;
	sv_strset_add(&f->tags, tag);
	f->loaded |= load;
	f->removed |= remove;
}

static void
names_modules(struct fates *fs, const struct sv_term *list, const char *tag,
    enum sv_level level)
{
	size_t i;

	for (i = 0; sv_term_is_list(list) && i < list->n; i++)
		names_module(fs, list->v[i], tag, level, false, false);
}

/* The level of one low-level instruction; its tag into *tag. */
static enum sv_level
low_level(const struct sv_term *t, const char **tag)
{
	static const char *const reload[] = { "load_object_code", "load",
	    "remove", "purge", NULL };
	size_t i;

	*tag = t->kind == SV_TERM_ATOM ? t->s : (t->kind == SV_TERM_TUPLE &&
	    t->n > 0 && t->v[0]->kind == SV_TERM_ATOM) ? t->v[0]->s : "?";
	if (strcmp(*tag, "restart_new_emulator") == 0 ||
	    strcmp(*tag, "restart_emulator") == 0)
		return SV_LEVEL_RESTART;
	if (strcmp(*tag, "point_of_no_return") == 0)
		return SV_LEVEL_NONE;
	for (i = 0; reload[i]; i++)
		if (strcmp(*tag, reload[i]) == 0)
			return SV_LEVEL_RELOAD;
	return SV_LEVEL_RELUP;
}

/* The script of the relup term t for an upgrade from vsn, or NULL. */
static const struct sv_term *
script_from(const struct sv_term *t, const char *vsn)
{
	size_t i;

	for (i = 0; i < t->v[1]->n; i++) {
		const struct sv_term *s = t->v[1]->v[i];
		char *from = NULL;
		bool yes;

		if (s->kind != SV_TERM_TUPLE || s->n != 3 ||
		    !sv_term_is_list(s->v[2]) || !sv_term_text(s->v[0], &from))
			continue;
		yes = strcmp(from, vsn) == 0;
		free(from);
		if (yes)
			return s->v[2];
	}
	return NULL;
}

/* Drop the reasons that came from appup instructions; recompute the
 * level. */
static void
drop_instruction_reasons(struct sv_otp_upgrade *u)
{
	size_t i, k = 0;

	u->level = SV_LEVEL_NONE;
	for (i = 0; i < u->nreasons; i++) {
		struct sv_otp_reason *r = &u->reasons[i];

		if (r->instruction) {
			free(r->subject);
			free(r->reason);
			continue;
		}
		if (r->level > u->level)
			u->level = r->level;
		u->reasons[k++] = *r;
	}
	u->nreasons = k;
}

/* Add a reason from the script (it replaces the appups' instructions). */
static void
script_reason(struct sv_otp_upgrade *u, enum sv_level level,
    const char *subject, const struct buf *text)
{
	sv_otp_upgrade_add_reason(u, level, subject, text->s);
	u->reasons[u->nreasons - 1].instruction = true;
}

/* The instruction smoothver's relups use to reload Elixir's consolidated
 * protocols ({apply, {'Elixir.Code', eval_string, [Code]}}, the code
 * replacing the path of :consolidated): a reload the plan already
 * counts (the protocols reason), not an apply. */
static bool
is_protocols_reload(const struct sv_term *in)
{
	const struct sv_term *mfa, *args;

	if (in->kind != SV_TERM_TUPLE || in->n != 2 ||
	    !sv_term_is_atom(in->v[0], "apply"))
		return false;
	mfa = in->v[1];
	if (mfa->kind != SV_TERM_TUPLE || mfa->n != 3 ||
	    !sv_term_is_atom(mfa->v[0], "Elixir.Code") ||
	    !sv_term_is_atom(mfa->v[1], "eval_string"))
		return false;
	args = mfa->v[2];
	return sv_term_is_list(args) && args->n == 1 &&
	    args->v[0]->kind == SV_TERM_BINARY &&
	    strstr(args->v[0]->s, ":code.replace_path(:consolidated,") != NULL;
}

/* What the script does, module by module, into fs; true if it restarts
 * the emulator. A restart is a reason of its own. */
static bool
read_script(struct sv_otp_upgrade *u, const struct sv_term *script,
    const char *where, struct fates *fs)
{
	bool restarts = false;
	size_t i, j;

	for (i = 0; i < script->n; i++) {
		const struct sv_term *in = script->v[i], *arg;
		const char *tag;
		enum sv_level lv = low_level(in, &tag);

		if (is_protocols_reload(in))
			continue;
		if (lv == SV_LEVEL_RESTART) {
			struct buf r;

			restarts = true;
			buf_init(&r);
			buf_addf(&r, "%s in the relup %s", tag, where);
			script_reason(u, lv, u->new->name, &r);
			buf_release(&r);
			continue;
		}
		if (in->kind != SV_TERM_TUPLE || in->n < 2)
			continue;
		arg = in->v[1];
		if (strcmp(tag, "load_object_code") == 0 &&
		    arg->kind == SV_TERM_TUPLE && arg->n == 3) {
			for (j = 0; sv_term_is_list(arg->v[2]) &&
			    j < arg->v[2]->n; j++)
				names_module(fs, arg->v[2]->v[j], tag, lv,
				    true, false);
		} else if ((strcmp(tag, "load") == 0 ||
		    strcmp(tag, "remove") == 0) && arg->kind == SV_TERM_TUPLE &&
		    arg->n == 3) {
			names_module(fs, arg, tag, lv, tag[0] == 'l',
			    tag[0] == 'r');
		} else if (strcmp(tag, "code_change") == 0 && in->n == 3) {
			names_modules(fs, in->v[2], tag, lv);
		} else if (strcmp(tag, "apply") == 0 &&
		    arg->kind == SV_TERM_TUPLE && arg->n == 3 &&
		    arg->v[0]->kind == SV_TERM_ATOM) {
			names_module(fs, arg->v[0], tag, lv, false, false);
		} else if (sv_term_is_list(arg)) {
			names_modules(fs, arg, tag, lv);
		}
	}
	return restarts;
}

static void
state_warning(struct sv_otp_upgrade *u, const struct sv_otp_appchange *a,
    const struct sv_otp_modchange *m, const char *where)
{
	struct buf w;

	buf_init(&w);
	buf_addf(&w, "%s: the relup %s loads %s without suspend and "
	    "code_change, but its state changed (%s): its processes keep the "
	    "state the old code built", a->name, where, m->module, m->reason);
	u->state_warnings = xrealloc(u->state_warnings,
	    (u->nstate_warnings + 1) * sizeof(*u->state_warnings));
	u->state_warnings[u->nstate_warnings++] = buf_detach(&w);
}

/* One upgraded module: the level the script gives it, or a gap. */
static void
decide_module(struct sv_otp_upgrade *u, const struct sv_otp_appchange *a,
    struct sv_otp_modchange *m, struct fates *fs, bool restarts,
    const char *where)
{
	struct modfate *f = NULL;
	struct buf r;
	char *tags;
	size_t k;

	for (k = 0; k < fs->n && f == NULL; k++)
		if (strcmp(fs->v[k].module, m->module) == 0)
			f = &fs->v[k];
	buf_init(&r);
	if (!restarts && (f == NULL || (m->change == SV_OTP_MOD_DELETED ?
	    !f->removed : !f->loaded))) {
		sv_strv_push(&u->relup_gaps, &u->nrelup_gaps, m->module);
		buf_addf(&r, "%s, missing from the relup %s (%s %s -> %s)",
		    m->reason, where, a->name, a->old_vsn, a->new_vsn);
		script_reason(u, m->level, m->module, &r);
		goto out;
	}
	if (f == NULL) /* covered by the restart */
		goto out;
	if (f->level < m->floor)
		f->level = m->floor;
	if (f->level == SV_LEVEL_RELOAD && m->analysed &&
	    m->shape == SV_OTP_SHAPE_CHANGED)
		state_warning(u, a, m, where);
	tags = sv_strset_join(&f->tags, ", ");
	if (f->level == m->level)
		buf_addf(&r, "%s in the relup %s (%s)", tags, where, m->reason);
	else
		buf_addf(&r, "%s in the relup %s, where the appups say %s (%s)",
		    tags, where, sv_level_name(m->level), m->reason);
	free(tags);
	free(m->reason);
	m->reason = buf_detach(&r);
	m->level = f->level;
	m->decided = true;
	f->module = ""; /* reported */
	buf_addf(&r, "%s (%s %s -> %s)", m->reason, a->name, a->old_vsn,
	    a->new_vsn);
	script_reason(u, m->level, m->module, &r);
out:
	buf_release(&r);
}

int
sv_otp_upgrade_use_relup(struct sv_otp_upgrade *u, struct sv_err *e)
{
	struct sv_terms ts;
	struct buf path, text, why;
	struct fates fs = { 0 };
	const struct sv_term *t, *script;
	bool restarts;
	size_t i, j;
	int status = SV_OK;

	sv_terms_init(&ts);
	buf_init(&path);
	buf_init(&text);
	buf_init(&why);
	buf_addf(&path, "%s/releases/%s/relup", u->new->root, u->new->vsn);
	if (access(path.s, F_OK) != 0) {
		if (errno != ENOENT)
			status = sv_err_set(e, SV_INPUT, "cannot read '%s': %s",
			    path.s, strerror(errno));
		goto out;
	}
	if ((status = sv_read_file(path.s, &text, RELUP_MAX, e)) ||
	    (status = sv_terms_parse(&ts, text.s, text.len, path.s, e)))
		goto out;
	if (ts.n != 1 || (t = ts.v[0])->kind != SV_TERM_TUPLE || t->n != 3 ||
	    !sv_term_is_list(t->v[1]) || !sv_term_is_list(t->v[2])) {
		status = sv_err_set(e, SV_INPUT, "%s: expected one term {Vsn, "
		    "[{UpFromVsn, Descr, Instructions}], [{DownToVsn, Descr, "
		    "Instructions}]}", path.s);
		goto out;
	}
	if ((script = script_from(t, u->old->vsn)) == NULL)
		goto out;
	buf_addf(&why, "releases/%s/relup", u->new->vsn);
	drop_instruction_reasons(u);
	restarts = read_script(u, script, why.s, &fs);
	for (i = 0; i < u->napps; i++)
		for (j = 0; j < u->apps[i].nmods; j++)
			decide_module(u, &u->apps[i], &u->apps[i].mods[j], &fs,
			    restarts, why.s);
	/* Modules the script names that did not change. */
	for (i = 0; i < fs.n; i++) {
		struct buf r;
		char *tags;

		if (fs.v[i].module[0] == '\0' || fs.v[i].level == SV_LEVEL_NONE)
			continue;
		tags = sv_strset_join(&fs.v[i].tags, ", ");
		buf_init(&r);
		buf_addf(&r, "%s in the relup %s", tags, why.s);
		script_reason(u, fs.v[i].level, fs.v[i].module, &r);
		buf_release(&r);
		free(tags);
	}
	u->relup_path = buf_detach(&path);
out:
	for (i = 0; i < fs.n; i++)
		sv_strset_free(&fs.v[i].tags);
	free(fs.v);
	sv_terms_release(&ts);
	buf_release(&path);
	buf_release(&text);
	buf_release(&why);
	return status;
}
