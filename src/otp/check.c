/*
 * check.c - the pre-merge check (see check.h).
 */
#include "config.h"

#include "otp/check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "otp/diff.h"
#include "otp/relup.h"

const char *
sv_check_kind_name(enum sv_check_kind k)
{
	static const char *const names[] = {
		"unbumped", "version", "level", "coverage", "relup", "higher",
		"children", "state"
	};

	return names[k];
}

const char *
sv_check_relup_name(enum sv_check_relup r)
{
	static const char *const names[] = {
		"not tried", "skipped", "made", "failed"
	};

	return names[r];
}

void
sv_check_init(struct sv_check *c)
{
	memset(c, 0, sizeof(*c));
}

void
sv_check_release(struct sv_check *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		free(c->v[i].subject);
		free(c->v[i].file);
		free(c->v[i].message);
	}
	free(c->v);
	free(c->release);
	free(c->base_version);
	free(c->version);
	free(c->required_subject);
	free(c->required_reason);
	sv_otp_explain_release(&c->explain);
	sv_check_init(c);
}

static void add(struct sv_check *c, enum sv_check_kind kind,
    const char *subject, const char *file, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void
add(struct sv_check *c, enum sv_check_kind kind, const char *subject,
    const char *file, const char *fmt, ...)
{
	struct sv_check_finding *f;
	va_list ap;

	c->v = xrealloc(c->v, (c->n + 1) * sizeof(*c->v));
	f = &c->v[c->n++];
	f->kind = kind;
	f->warning = kind == SV_CHECK_HIGHER || kind == SV_CHECK_CHILDREN ||
	    kind == SV_CHECK_STATE;
	f->subject = xstrdup(subject);
	f->file = file ? xstrdup(file) : NULL;
	va_start(ap, fmt);
	f->message = xvstrfmt(fmt, ap);
	va_end(ap);
	if (f->warning)
		c->nwarnings++;
	else
		c->nerrors++;
}

/* The beam of module m in the candidate's upgraded or added
 * applications, or NULL. */
static const char *
beam_of(const struct sv_build_diff *d, const char *m)
{
	const struct sv_otp_release *r = &d->newin.rel;
	size_t i;

	for (i = 0; i < r->napps; i++) {
		const struct sv_otp_module *mod = sv_otp_app_module(&r->apps[i],
		    m);

		if (mod != NULL && r->apps[i].present)
			return mod->path;
	}
	return NULL;
}

/* Parse a .rel version as Smoothver; a finding if it is not one. */
static bool
parse_vsn(struct sv_check *c, struct sv_version *v, const char *s,
    const char *whose)
{
	struct sv_err e;

	sv_err_init(&e);
	if (sv_version_parse(v, s, "", &e) == SV_OK)
		return true;
	add(c, SV_CHECK_VERSION, "version", NULL, "the %s release version "
	    "'%s' is not a Smoothver version (RESTART.RELUP.RELOAD): %s",
	    whose, s, e.msg);
	return false;
}

/* Does a plan change at path belong to what the upgrade plan explains
 * (applications and ERTS), rather than to the file rules? */
static bool
explained_by_upgrade(const char *path)
{
	return strncmp(path, "lib/", 4) == 0 || strncmp(path, "erts-", 5) == 0;
}

/* One finding per reason the change needs more than the bump gives. */
static void
level_findings(struct sv_check *c, const struct sv_build_diff *d)
{
	const char *bump = sv_level_name(c->bump.level);
	enum sv_level explained = SV_LEVEL_NONE;
	size_t i, found = 0;

	for (i = 0; i < d->up.nreasons; i++) {
		const struct sv_otp_reason *r = &d->up.reasons[i];

		if (sv_build_diff_overridden(d, r))
			continue;
		if (r->level > explained)
			explained = r->level;
		if (r->level <= c->bump.level)
			continue;
		add(c, SV_CHECK_LEVEL, r->subject, beam_of(d, r->subject),
		    "needs %s: %s: %s, but %s -> %s is a %s bump",
		    sv_level_name(r->level), r->subject, r->reason,
		    c->base_version, c->version, bump);
		found++;
	}
	for (i = 0; i < d->plan.n; i++) {
		const struct sv_change *ch = &d->plan.v[i];
		struct buf file;

		/* A file of an application or of ERTS is left to the upgrade
		 * plan's reasons only when they reach its level (a NIF
		 * library in priv/ is a file change the plan may not name). */
		if (ch->level <= c->bump.level ||
		    (explained_by_upgrade(ch->path) && ch->level <= explained))
			continue;
		buf_init(&file);
		buf_addf(&file, "%s/%s", d->newin.rel.root, ch->path);
		add(c, SV_CHECK_LEVEL, ch->path, ch->new ? file.s : NULL,
		    "needs %s: %s: %s, but %s -> %s is a %s bump",
		    sv_level_name(ch->level), ch->path, ch->reason ?
		    ch->reason : sv_change_name(ch->kind), c->base_version,
		    c->version, bump);
		buf_release(&file);
		found++;
	}
	/* A bump below the required level always fails, with a reason. */
	if (found == 0)
		add(c, SV_CHECK_LEVEL, c->required_subject ?
		    c->required_subject : c->release, NULL,
		    "needs %s: %s: %s, but %s -> %s is a %s bump",
		    sv_level_name(c->required), c->required_subject ?
		    c->required_subject : c->release, c->required_reason &&
		    *c->required_reason ? c->required_reason : "the change",
		    c->base_version, c->version, bump);
}

/* Hand-written appups that miss changed modules. */
static void
coverage_findings(struct sv_check *c, const struct sv_build_diff *d)
{
	size_t i, j;

	for (i = 0; i < d->up.napps; i++) {
		const struct sv_otp_appchange *a = &d->up.apps[i];
		struct buf b;

		if (a->ngaps_up + a->ngaps_down == 0)
			continue;
		buf_init(&b);
		for (j = 0; j < a->ngaps_up; j++)
			buf_addf(&b, "%s%s", j ? ", " : "", a->gaps_up[j]);
		if (a->ngaps_up > 0)
			buf_adds(&b, " (upgrade)");
		for (j = 0; j < a->ngaps_down; j++)
			buf_addf(&b, "%s%s", j ? ", " : a->ngaps_up ? "; " : "",
			    a->gaps_down[j]);
		if (a->ngaps_down > 0)
			buf_adds(&b, " (downgrade)");
		add(c, SV_CHECK_COVERAGE, a->name, a->appup_path, "%s %s %s "
		    "%s does not cover changed modules: %s%s",
		    sv_otp_appup_noun(a), a->by_smoothver ? "for" : "of",
		    a->name, a->new_vsn, b.s,
		    a->by_smoothver ? " (the build changed since it was "
		    "generated: remove it to generate it again)" : "");
		buf_release(&b);
	}
	if (d->up.nrelup_gaps > 0) {
		struct buf b;

		buf_init(&b);
		for (j = 0; j < d->up.nrelup_gaps; j++)
			buf_addf(&b, "%s%s", j ? ", " : "", d->up.relup_gaps[j]);
		add(c, SV_CHECK_COVERAGE, c->release, d->up.relup_path, "the "
		    "relup of %s %s neither loads nor removes changed modules "
		    "from %s: %s", c->release, c->version, c->base_version,
		    b.s);
		buf_release(&b);
	}
}

static void
relup_finding(struct sv_check *c, struct sv_build_diff *d)
{
	struct sv_otp_release *bases[1] = { &d->oldin.rel };
	struct sv_otp_relup_options ro;
	struct sv_otp_relup r;
	struct sv_err e;

	memset(&ro, 0, sizeof(ro));
	ro.appup = &d->opts;
	sv_otp_relup_init(&r);
	sv_err_init(&e);
	if (sv_otp_relup_make(&r, &d->newin.rel, bases, 1, &ro, &e) == SV_OK) {
		c->relup = SV_CHECK_RELUP_MADE;
		c->relup_up = r.nsteps > 0 ? r.steps[0].nup : 0;
		c->relup_down = r.nsteps > 0 ? r.steps[0].ndown : 0;
	} else {
		c->relup = SV_CHECK_RELUP_FAILED;
		add(c, SV_CHECK_RELUP, c->release, d->newin.rel.rel_path,
		    "the relup from %s cannot be made: %s", c->base_version,
		    e.msg);
	}
	sv_otp_relup_release(&r);
}

/* Warnings after the errors, each in the order found (which is the
 * order of check.h's list). */
static void
warnings_last(struct sv_check *c)
{
	struct sv_check_finding *v = xcalloc(c->n + 1, sizeof(*v));
	size_t i, k = 0;

	for (i = 0; i < c->n; i++)
		if (!c->v[i].warning)
			v[k++] = c->v[i];
	for (i = 0; i < c->n; i++)
		if (c->v[i].warning)
			v[k++] = c->v[i];
	free(c->v);
	c->v = v;
}

int
sv_check_run(struct sv_check *c, const char *base, const char *candidate,
    const char *vsn, const struct sv_rules *rules, struct sv_err *e)
{
	struct sv_build_diff d;
	struct sv_version bv, cv;
	bool bok, cok;
	size_t i;
	int status;

	sv_build_diff_init(&d);
	sv_version_init(&bv);
	sv_version_init(&cv);
	d.opts.keep_unbumped = true;
	if ((status = sv_build_diff_run(&d, base, candidate, NULL, vsn, rules,
	    e)))
		goto out;
	if (!d.otp) {
		status = sv_err_set(e, SV_INPUT, "'%s' and '%s' are not both "
		    "OTP release roots or packages: check compares releases",
		    base, candidate);
		goto out;
	}
	c->release = xstrdup(d.newin.rel.name);
	c->base_version = xstrdup(d.oldin.rel.vsn);
	c->version = xstrdup(d.newin.rel.vsn);
	c->required = d.required;
	sv_otp_explain_take(&c->explain, &d.up);
	if (d.subject != NULL && d.required > SV_LEVEL_NONE) {
		c->required_subject = xstrdup(d.subject);
		c->required_reason = xstrdup(d.reason ? d.reason : "");
	}
	for (i = 0; i < d.up.nunbumped; i++) {
		const struct sv_otp_unbumped *u = &d.up.unbumped[i];
		struct buf mods;
		size_t j;

		buf_init(&mods);
		for (j = 0; j < u->nmodules; j++)
			buf_addf(&mods, "%s%s", j ? ", " : "", u->modules[j]);
		add(c, SV_CHECK_UNBUMPED, u->app, u->beam, "code changed "
		    "without an application vsn bump: %s %s (%s); bump the vsn "
		    "in %s.app.src", u->app, u->vsn, mods.s, u->app);
		buf_release(&mods);
	}
	bok = parse_vsn(c, &bv, c->base_version, "base");
	cok = parse_vsn(c, &cv, c->version, "candidate");
	if (bok && cok) {
		sv_transition_of(&bv, &cv, &c->bump);
		c->bump_known = true;
		if (c->bump.kind == SV_T_SAME || c->bump.kind == SV_T_DOWNGRADE)
			add(c, SV_CHECK_VERSION, "version", d.newin.rel.rel_path,
			    "the release version %s is not greater than the "
			    "base's %s", c->version, c->base_version);
		else
			c->versions_ok = true;
	}
	if (c->versions_ok) {
		if (c->bump.level < c->required)
			level_findings(c, &d);
		else if (c->bump.level > c->required && d.up.nunbumped == 0)
			add(c, SV_CHECK_HIGHER, "version", NULL, "%s -> %s is a "
			    "%s bump, but the change needs %s%s%s%s", c->base_version,
			    c->version, sv_level_name(c->bump.level),
			    c->required == SV_LEVEL_NONE ? "nothing" :
			    sv_level_name(c->required),
			    c->required_subject ? " (" : "",
			    c->required_subject ? c->required_reason : "",
			    c->required_subject ? ")" : "");
		if (c->bump.level == SV_LEVEL_RESTART) {
			c->relup = SV_CHECK_RELUP_SKIPPED;
		} else {
			for (i = 0; i < d.up.nwarnings; i++)
				add(c, SV_CHECK_CHILDREN, c->release, NULL, "%s",
				    d.up.warnings[i]);
			for (i = 0; i < d.up.nstate_warnings; i++)
				add(c, SV_CHECK_STATE, c->release, NULL, "%s",
				    d.up.state_warnings[i]);
			coverage_findings(c, &d);
			/* The relup is worth making only from code that may
			 * ship at this level. */
			if (c->nerrors == 0)
				relup_finding(c, &d);
		}
	}
	warnings_last(c);
out:
	sv_version_release(&bv);
	sv_version_release(&cv);
	sv_build_diff_release(&d);
	return status;
}
