/*
 * diff.c - comparing two builds, OTP-aware (see diff.h).
 */
#include "config.h"

#include "otp/diff.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/buf.h"
#include "base/str.h"
#include "base/xalloc.h"
#include "otp/appupfile.h"
#include "otp/term.h"

void
sv_build_diff_init(struct sv_build_diff *d)
{
	memset(d, 0, sizeof(*d));
	sv_otp_input_init(&d->oldin);
	sv_otp_input_init(&d->newin);
	sv_otp_options_init(&d->opts);
	d->opts.relup_decides = true;
	sv_otp_upgrade_init(&d->up);
	sv_index_init(&d->old);
	sv_index_init(&d->new);
	sv_plan_init(&d->plan);
}

void
sv_build_diff_release(struct sv_build_diff *d)
{
	sv_plan_release(&d->plan);
	sv_index_release(&d->old);
	sv_index_release(&d->new);
	sv_otp_upgrade_release(&d->up);
	sv_otp_options_release(&d->opts);
	sv_otp_input_release(&d->oldin);
	sv_otp_input_release(&d->newin);
}

/* True if path is dir or lies below it. */
static bool
under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/*
 * True if path belongs to release r (or to no release in particular):
 * not other releases' applications, releases/VSN/ or erts-VSN/, nor
 * what a release run in place writes (relx's log/, mix's tmp/ with its
 * run_erl fifos, a crash dump) or mix's releases/COOKIE (a secret made
 * afresh by each build, which no package carries).
 */
static bool
belongs(const char *path, const struct sv_otp_release *r)
{
	struct buf b;
	bool yes = false;
	size_t i;

	if (strcmp(path, "lib") == 0 || strcmp(path, "releases") == 0)
		return true;
	if (strcmp(path, "tmp") == 0 || under(path, "tmp") ||
	    strcmp(path, "log") == 0 || under(path, "log") ||
	    strcmp(path, "erl_crash.dump") == 0 ||
	    strcmp(path, "releases/COOKIE") == 0)
		return false;
	buf_init(&b);
	if (under(path, "lib")) {
		for (i = 0; i < r->napps && !yes; i++) {
			buf_reset(&b);
			buf_addf(&b, "lib/%s-%s", r->apps[i].name,
			    r->apps[i].vsn);
			yes = under(path, b.s);
		}
	} else if (under(path, "releases")) {
		buf_addf(&b, "releases/%s", r->vsn);
		/* Files directly in releases/ are shared metadata. */
		yes = under(path, b.s) || strchr(path + 9, '/') == NULL;
	} else if (strncmp(path, "erts-", 5) == 0) {
		buf_addf(&b, "erts-%s", r->erts);
		yes = under(path, b.s);
	} else {
		yes = true;
	}
	buf_release(&b);
	return yes;
}

/* sv_index_skip_fn: what belongs to the release (ctx) is looked at. */
static bool
skip_foreign(const char *rel, void *ctx)
{
	return !belongs(rel, ctx);
}

/* Index the root of release r, a directory or a package. */
static int
index_release(struct sv_index *idx, const struct sv_otp_release *r,
    struct sv_err *e)
{
	struct stat st;

	if (stat(r->root, &st) == 0 && S_ISDIR(st.st_mode)) {
		int status = sv_otp_release_self_contained(r, e);

		return status ? status : sv_index_dir_skip(idx, r->root,
		    skip_foreign, (void *)r, e);
	}
	return sv_index_path(idx, r->root, e);
}

/* Drop the entries of idx that belong to other releases of the root, and
 * rename old-release paths to their new-release equivalents (rename
 * pairs: from-prefix, to-prefix). */
static void
reshape(struct sv_index *idx, const struct sv_otp_release *r,
    char **ren, size_t nren)
{
	size_t i, j, k = 0;

	for (i = 0; i < idx->n; i++) {
		struct sv_entry *ent = &idx->v[i];

		if (!belongs(ent->path, r)) {
			free(ent->path);
			free(ent->target);
			continue;
		}
		for (j = 0; j + 1 < nren; j += 2)
			if (under(ent->path, ren[j])) {
				struct buf b;

				buf_init(&b);
				buf_adds(&b, ren[j + 1]);
				buf_adds(&b, ent->path + strlen(ren[j]));
				free(ent->path);
				ent->path = buf_detach(&b);
				break;
			}
		idx->v[k++] = *ent;
	}
	idx->n = k;
	sv_index_sort(idx);
}

/* lib/APP-VSN/ebin/NAME.appup */
static bool
is_appup_path(const char *path)
{
	const char *p = strchr(path + 4, '/');

	return p != NULL && sv_otp_is_appup_path(p + 1);
}

#define SYS_CONFIG_MAX (16u << 20)

/* Load path as exactly one term; NULL if it cannot be read so. */
static struct sv_term *
load_one(const char *path)
{
	struct sv_terms ts;
	struct sv_term *t = NULL;
	struct sv_err e;

	sv_terms_init(&ts);
	sv_err_init(&e);
	if (sv_terms_load(&ts, path, SYS_CONFIG_MAX, &e) == SV_OK &&
	    ts.n == 1) {
		t = ts.v[0];
		ts.n = 0;
	}
	sv_terms_release(&ts);
	return t;
}

/* The {App, Env} entries of a sys.config term: App's env, or NULL. */
static const struct sv_term *
app_env(const struct sv_term *cfg, const char *app)
{
	size_t i;

	for (i = 0; i < cfg->n; i++) {
		const struct sv_term *t = cfg->v[i];

		if (t->kind == SV_TERM_TUPLE && t->n == 2 &&
		    t->v[0]->kind == SV_TERM_ATOM && strcmp(t->v[0]->s, app) == 0)
			return t->v[1];
	}
	return NULL;
}

/* Names, each once, in the order first added. */
struct names {
	char **v;
	size_t n;
};

/* Add "app" (key NULL) or "app.key". */
static void
names_add(struct names *ns, const char *app, const char *key)
{
	struct buf name;
	size_t i;

	buf_init(&name);
	buf_adds(&name, app);
	if (key != NULL)
		buf_addf(&name, ".%s", key);
	for (i = 0; i < ns->n; i++)
		if (strcmp(ns->v[i], name.s) == 0)
			break;
	if (i < ns->n) {
		buf_release(&name);
		return;
	}
	ns->v = xrealloc(ns->v, (ns->n + 1) * sizeof(*ns->v));
	ns->v[ns->n++] = buf_detach(&name);
}

/* Add the names ("app" or "app.key") that differ between the sys.config
 * terms a and b, as seen from a. */
static void
env_diffs(const struct sv_term *a, const struct sv_term *b,
    struct names *ns)
{
	size_t i, j;

	for (i = 0; i < a->n; i++) {
		const struct sv_term *t = a->v[i], *ea, *eb;

		if (t->kind != SV_TERM_TUPLE || t->n != 2 ||
		    t->v[0]->kind != SV_TERM_ATOM) {
			/* An included config file (a string) or a stray term. */
			for (j = 0; j < b->n; j++)
				if (sv_term_equal(t, b->v[j]))
					break;
			if (j == b->n)
				names_add(ns, "included files", NULL);
			continue;
		}
		ea = t->v[1];
		eb = app_env(b, t->v[0]->s);
		if (ea->kind != SV_TERM_LIST || (eb != NULL &&
		    eb->kind != SV_TERM_LIST) || (ea->n == 0 && eb == NULL)) {
			if (eb == NULL || !sv_term_equal(ea, eb))
				names_add(ns, t->v[0]->s, NULL);
			continue;
		}
		for (j = 0; j < ea->n; j++) {
			const struct sv_term *kv = ea->v[j];
			const struct sv_term *other;

			if (kv->kind != SV_TERM_TUPLE || kv->n != 2 ||
			    kv->v[0]->kind != SV_TERM_ATOM)
				continue;
			other = eb != NULL ? sv_term_keyfind(eb, kv->v[0]->s) :
			    NULL;
			if (other == NULL || !sv_term_equal(kv, other))
				names_add(ns, t->v[0]->s, kv->v[0]->s);
		}
	}
}

/* A changed sys.config: compared as Erlang terms, so that formatting and
 * comments are no change, and the application env keys that changed
 * named. */
static void
sys_config_change(struct sv_build_diff *d, struct sv_change *c)
{
	struct sv_term *ot = NULL, *nt = NULL;
	struct names ns = { NULL, 0 };
	struct buf b;
	size_t i;

	buf_init(&b);
	if (c->kind == SV_CHANGE_MODIFIED) {
		const char *slash = strchr(c->path + strlen("releases/"), '/');

		if (slash != NULL) {
			buf_addf(&b, "%s/releases/%s%s", d->oldin.rel.root,
			    d->oldin.rel.vsn, slash);
			ot = load_one(b.s);
			buf_reset(&b);
			buf_addf(&b, "%s/%s", d->newin.rel.root, c->path);
			nt = load_one(b.s);
			buf_reset(&b);
		}
	}
	if (ot == NULL || nt == NULL || ot->kind != SV_TERM_LIST ||
	    nt->kind != SV_TERM_LIST) {
		sv_change_classify(c, SV_LEVEL_RELUP, c->kind ==
		    SV_CHANGE_MODIFIED ? "sys.config: applied on install "
		    "(config_change/3); not one Erlang list, compared as "
		    "bytes" : "sys.config: applied on install "
		    "(config_change/3)");
		goto out;
	}
	if (sv_term_equal(ot, nt)) {
		sv_change_classify(c, SV_LEVEL_NONE, "sys.config: the same "
		    "terms (only formatting or comments changed)");
		goto out;
	}
	env_diffs(ot, nt, &ns);   /* changed and removed */
	env_diffs(nt, ot, &ns);   /* added */
	buf_adds(&b, "sys.config: applied on install (config_change/3); "
	    "changed: ");
	for (i = 0; i < ns.n && i < 8; i++)
		buf_addf(&b, "%s%s", i ? ", " : "", ns.v[i]);
	if (ns.n > 8)
		buf_addf(&b, " and %zu more", ns.n - 8);
	if (ns.n == 0)
		buf_adds(&b, "the order of its entries");
	sv_change_classify(c, SV_LEVEL_RELUP, b.s);
out:
	sv_strv_free(ns.v, ns.n);
	sv_term_free(ot);
	sv_term_free(nt);
	buf_release(&b);
}

/* lib/APP-VSN/src/... or lib/APP-VSN/include/...: sources a release may
 * ship (relx's include_src), never loaded by a node. */
static bool
is_source_path(const char *path)
{
	const char *p = strchr(path + 4, '/');

	return p != NULL && (strncmp(p, "/src/", 5) == 0 ||
	    strncmp(p, "/include/", 9) == 0 || strcmp(p, "/src") == 0 ||
	    strcmp(p, "/include") == 0);
}

/* The OTP classifier: gives beams, release metadata, ERTS and start
 * scripts their level; leaves the rest to the rules. */
/* releases/VSN/consolidated/M.beam of release r */
static bool
is_protocol_path(const char *path, const struct sv_otp_release *r)
{
	size_t n = strlen(r->vsn);

	return strncmp(path, "releases/", 9) == 0 &&
	    strncmp(path + 9, r->vsn, n) == 0 &&
	    strncmp(path + 9 + n, "/consolidated/", 14) == 0 &&
	    strchr(path + 9 + n + 14, '/') == NULL &&
	    sv_str_ends_with(path, ".beam");
}

static bool
names_have(char *const *v, size_t n, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strncmp(v[i], name, len) == 0 && v[i][len] == '\0')
			return true;
	return false;
}

/* A consolidated protocol's beam: reloaded if the plan says so. */
static void
protocol_change(struct sv_build_diff *d, struct sv_change *c,
    const char *base)
{
	const struct sv_otp_upgrade *u = &d->up;
	size_t len = strlen(base) - 5;
	struct buf b;

	if (!names_have(u->protocols_up, u->nprotocols_up, base, len) &&
	    !names_have(u->protocols_down, u->nprotocols_down, base, len)) {
		sv_change_classify(c, SV_LEVEL_NONE, "same code (beam_lib:md5 "
		    "is equal)");
		return;
	}
	buf_init(&b);
	buf_addf(&b, "consolidated protocol %.*s: reloaded by the relup",
	    (int)len, base);
	sv_change_classify(c, SV_LEVEL_RELOAD, b.s);
	buf_release(&b);
}

static int
classify(void *self, struct sv_plan *p, const struct sv_index *old,
    const struct sv_index *new, struct sv_err *e)
{
	struct sv_build_diff *d = self;
	const struct sv_otp_release *nr = &d->newin.rel;
	struct buf b;
	size_t i, j, k;

	(void)old;
	(void)new;
	(void)e;
	buf_init(&b);
	for (i = 0; i < p->n; i++) {
		struct sv_change *c = &p->v[i];
		const char *path = c->path, *base = strrchr(path, '/');

		base = base ? base + 1 : path;
		if (strncmp(path, "erts-", 5) == 0) {
			sv_change_classify(c, SV_LEVEL_RESTART, "ERTS: the "
			    "emulator itself");
			continue;
		}
		if (under(path, "bin")) {
			sv_change_classify(c, SV_LEVEL_NONE, "start script: not "
			    "used by a running node");
			continue;
		}
		if (under(path, "releases")) {
			if (is_protocol_path(path, nr))
				protocol_change(d, c, base);
			else if (strcmp(base, "sys.config") == 0)
				sys_config_change(d, c);
			else if (strcmp(base, "sys.config.src") == 0)
				sv_change_classify(c, SV_LEVEL_RELUP, "sys.config: "
				    "applied on install (config_change/3)");
			else if (strcmp(base, "vm.args") == 0 ||
			    strcmp(base, "vm.args.src") == 0)
				sv_change_classify(c, SV_LEVEL_RESTART, "vm.args: "
				    "read at boot only");
			else if (strcmp(base, "runtime.exs") == 0)
				sv_change_classify(c, SV_LEVEL_RESTART,
				    "runtime.exs: a mix release's runtime "
				    "configuration, read at boot only (an upgrade "
				    "applies sys.config)");
			else if (strcmp(base, "env.sh") == 0 ||
			    strcmp(base, "env.bat") == 0) {
				buf_reset(&b);
				buf_addf(&b, "%s: the start script's environment, "
				    "read at boot only", base);
				sv_change_classify(c, SV_LEVEL_RESTART, b.s);
			} else
				sv_change_classify(c, SV_LEVEL_NONE, "release "
				    "metadata");
			continue;
		}
		if (!under(path, "lib"))
			continue;
		if (is_appup_path(path)) {
			sv_change_classify(c, SV_LEVEL_NONE, "upgrade "
			    "instructions: metadata, not code");
			continue;
		}
		if (is_source_path(path)) {
			sv_change_classify(c, SV_LEVEL_NONE, "source code: the "
			    "node loads the beams, not this");
			continue;
		}
		/* lib/APP-VSN/...: find the application. */
		for (j = 0; j < d->up.napps; j++) {
			const struct sv_otp_appchange *a = &d->up.apps[j];
			const char *vsn = a->new_vsn ? a->new_vsn : a->old_vsn;
			const char *rest;

			buf_reset(&b);
			buf_addf(&b, "lib/%s-%s", a->name, vsn);
			if (!under(path, b.s))
				continue;
			rest = path + b.len;
			if (a->change != SV_OTP_APP_UPGRADED) {
				sv_change_classify(c, SV_LEVEL_RELUP,
				    a->change == SV_OTP_APP_ADDED ?
				    "application added" :
				    "application removed");
				break;
			}
			if (strncmp(rest, "/ebin/", 6) != 0 ||
			    strchr(rest + 6, '/') != NULL)
				break;
			rest += 6;
			if (sv_str_ends_with(rest, ".beam")) {
				for (k = 0; k < a->nmods; k++)
					if (strncmp(a->mods[k].module, rest,
					    strlen(rest) - 5) == 0 &&
					    a->mods[k].module[strlen(rest) - 5]
					    == '\0')
						break;
				if (k < a->nmods) {
					buf_reset(&b);
					if (!a->mods[k].decided)
						buf_addf(&b, "%s ",
						    a->mods[k].up->v[0]->s);
					buf_addf(&b, "%s: %s", a->mods[k].module,
					    a->mods[k].reason);
					sv_change_classify(c, a->mods[k].level,
					    b.s);
				} else {
					sv_change_classify(c, SV_LEVEL_NONE,
					    "same code (beam_lib:md5 is equal)");
				}
			} else if (sv_str_ends_with(rest, ".app")) {
				sv_change_classify(c, SV_LEVEL_NONE, "application "
				    "resource file (checked with the "
				    "application)");
			}
			break;
		}
		if (!c->classified && j == d->up.napps) {
			/* An application whose vsn did not change. */
			for (j = 0; j < nr->napps; j++) {
				buf_reset(&b);
				buf_addf(&b, "lib/%s-%s/ebin", nr->apps[j].name,
				    nr->apps[j].vsn);
				if (under(path, b.s) && sv_str_ends_with(base, ".beam"))
					sv_change_classify(c, SV_LEVEL_NONE,
					    "same code (beam_lib:md5 is equal)");
			}
		}
	}
	buf_release(&b);
	return SV_OK;
}

int
sv_build_diff_run(struct sv_build_diff *d, const char *old,
    const char *new, const char *from, const char *to,
    const struct sv_rules *rules, struct sv_err *e)
{
	struct sv_classifier cls = { "otp", classify, d };
	char **ren = NULL;
	size_t nren = 0, i;
	int status;

	if (new == NULL)
		new = old;
	d->rules = rules;
	d->otp = from != NULL || to != NULL || (sv_otp_input_is_release(old) &&
	    sv_otp_input_is_release(new));
	if (!d->otp) {
		if ((status = sv_index_path(&d->old, old, e)) ||
		    (status = sv_index_path(&d->new, new, e)))
			return status;
		sv_plan_diff(&d->plan, &d->old, &d->new);
		status = sv_plan_classify(&d->plan, &d->old, &d->new, NULL, 0,
		    rules, e);
		goto done;
	}
	if ((status = sv_otp_input_open(&d->oldin, old, from, e)) ||
	    (status = sv_otp_input_open(&d->newin, new, to, e)))
		return status;
	if ((status = sv_otp_inputs_same_release(&d->oldin, old, &d->newin,
	    new, e)) ||
	    (status = sv_otp_upgrade_plan(&d->up, &d->oldin.rel,
	    &d->newin.rel, &d->opts, e)))
		return status;
	if ((status = index_release(&d->old, &d->oldin.rel, e)) ||
	    (status = index_release(&d->new, &d->newin.rel, e)))
		return status;
	/* Old paths take the new versions' names. */
	for (i = 0; i < d->newin.rel.napps; i++) {
		const struct sv_otp_app *na = &d->newin.rel.apps[i];
		const struct sv_otp_app *oa = sv_otp_release_app(&d->oldin.rel,
		    na->name);
		struct buf b;

		if (oa == NULL || strcmp(oa->vsn, na->vsn) == 0)
			continue;
		ren = xrealloc(ren, (nren + 2) * sizeof(*ren));
		buf_init(&b);
		buf_addf(&b, "lib/%s-%s", oa->name, oa->vsn);
		ren[nren++] = buf_detach(&b);
		buf_addf(&b, "lib/%s-%s", na->name, na->vsn);
		ren[nren++] = buf_detach(&b);
	}
	if (strcmp(d->oldin.rel.vsn, d->newin.rel.vsn) != 0) {
		struct buf b;

		ren = xrealloc(ren, (nren + 2) * sizeof(*ren));
		buf_init(&b);
		buf_addf(&b, "releases/%s", d->oldin.rel.vsn);
		ren[nren++] = buf_detach(&b);
		buf_addf(&b, "releases/%s", d->newin.rel.vsn);
		ren[nren++] = buf_detach(&b);
	}
	reshape(&d->old, &d->oldin.rel, ren, nren);
	reshape(&d->new, &d->newin.rel, NULL, 0);
	sv_strv_free(ren, nren);
	sv_plan_diff(&d->plan, &d->old, &d->new);
	if ((status = sv_plan_classify(&d->plan, &d->old, &d->new, &cls, 1,
	    rules, e)))
		return status;
done:
	d->required = d->plan.required;
	if (d->plan.decisive != NULL && d->plan.n > 0) {
		d->subject = d->plan.decisive->path;
		d->reason = d->plan.decisive->reason;
	}
	/* The upgrade plan's reasons, most disruptive first, less those a
	 * project rule overrides. */
	for (i = 0; d->otp && i < d->up.nreasons; i++) {
		const struct sv_otp_reason *r = &d->up.reasons[i];

		if (sv_build_diff_overridden(d, r))
			continue;
		if (r->level > d->required || (r->level == d->required &&
		    (d->subject == NULL || d->required == SV_LEVEL_NONE))) {
			d->required = r->level;
			d->subject = r->subject;
			d->reason = r->reason;
		}
		break;
	}
	return status;
}

/* The path, relative to the new root, of what an upgrade reason is
 * about (see sv_build_diff_overridden). */
static void
reason_path(const struct sv_build_diff *d, const char *subject,
    struct buf *out)
{
	const struct sv_otp_release *nr = &d->newin.rel, *or = &d->oldin.rel;
	const struct sv_otp_app *a;
	size_t i;

	if (strcmp(subject, "erts") == 0) {
		buf_addf(out, "erts-%s", nr->erts);
		return;
	}
	for (i = 0; i < nr->napps; i++)
		if (sv_otp_app_module(&nr->apps[i], subject) != NULL) {
			buf_addf(out, "lib/%s-%s/ebin/%s.beam", nr->apps[i].name,
			    nr->apps[i].vsn, subject);
			return;
		}
	for (i = 0; i < or->napps; i++)
		if (sv_otp_app_module(&or->apps[i], subject) != NULL) {
			a = sv_otp_release_app(nr, or->apps[i].name);
			if (a == NULL)
				a = &or->apps[i];
			buf_addf(out, "lib/%s-%s/ebin/%s.beam", a->name, a->vsn,
			    subject);
			return;
		}
	if ((a = sv_otp_release_app(nr, subject)) == NULL)
		a = sv_otp_release_app(or, subject);
	if (a != NULL)
		buf_addf(out, "lib/%s-%s", a->name, a->vsn);
	else
		buf_adds(out, subject);
}

bool
sv_build_diff_overridden(const struct sv_build_diff *d,
    const struct sv_otp_reason *r)
{
	const struct sv_rule *rule;
	struct buf path;

	if (d->rules == NULL || r->subject == NULL ||
	    !sv_rules_have_project(d->rules))
		return false;
	buf_init(&path);
	reason_path(d, r->subject, &path);
	rule = sv_rules_match(d->rules, path.s);
	buf_release(&path);
	return rule != NULL && !rule->builtin;
}
