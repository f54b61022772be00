/*
 * relmodel.c - reading an OTP release root into a model (see relmodel.h).
 */
#include "config.h"

#include "otp/relmodel.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>

#include "base/buf.h"
#include "base/outfile.h"
#include "base/xalloc.h"
#include "core/index.h"
#include "otp/relroot.h"

#define TERM_FILE_MAX (16u << 20) /* .rel and .app files */

void
sv_otp_release_init(struct sv_otp_release *r)
{
	memset(r, 0, sizeof(*r));
}

static void
app_release(struct sv_otp_app *a)
{
	size_t i;

	for (i = 0; i < a->nmods; i++) {
		free(a->mods[i].name);
		free(a->mods[i].path);
		sv_otp_module_forget(&a->mods[i]);
	}
	free(a->mods);
	free(a->name);
	free(a->vsn);
	free(a->type);
	free(a->dir);
	free(a->appup_path);
	sv_term_free(a->resource);
}

void
sv_otp_release_release(struct sv_otp_release *r)
{
	size_t i;

	for (i = 0; i < r->napps; i++)
		app_release(&r->apps[i]);
	free(r->apps);
	for (i = 0; i < r->nprotocols; i++) {
		free(r->protocols[i].name);
		free(r->protocols[i].path);
		sv_otp_module_forget(&r->protocols[i]);
	}
	free(r->protocols);
	free(r->protocols_dir);
	free(r->root);
	free(r->name);
	free(r->vsn);
	free(r->erts);
	free(r->rel_path);
	sv_otp_release_init(r);
}

static bool
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The text of a string term into *out, or an error naming what. */
static int
want_text(const struct sv_term *t, const char *file, const char *what,
    char **out, struct sv_err *e)
{
	if (t != NULL && t->kind != SV_TERM_ATOM && sv_term_text(t, out) &&
	    **out != '\0')
		return SV_OK;
	free(*out);
	*out = NULL;
	if (t == NULL)
		return sv_err_set(e, SV_INPUT, "%s: expected %s", file, what);
	return sv_err_set(e, SV_INPUT, "%s:%u:%u: expected %s (a string), "
	    "found %s", file, t->line, t->col, what, sv_term_kind_name(t->kind));
}

static int
bad_shape(const char *file, const struct sv_term *t, const char *expected,
    struct sv_err *e)
{
	if (t == NULL)
		return sv_err_set(e, SV_INPUT, "%s: expected %s, found nothing",
		    file, expected);
	return sv_err_set(e, SV_INPUT, "%s:%u:%u: expected %s, found %s",
	    file, t->line, t->col, expected, sv_term_kind_name(t->kind));
}

/* Read the only term of the file at path into *out. */
static int
load_one(const char *path, struct sv_term **out, struct sv_err *e)
{
	struct sv_terms ts;
	int status;

	*out = NULL;
	sv_terms_init(&ts);
	if ((status = sv_terms_load(&ts, path, TERM_FILE_MAX, e)))
		goto out;
	if (ts.n != 1) {
		status = sv_err_set(e, SV_INPUT, "%s: expected exactly one term, "
		    "found %zu", path, ts.n);
		goto out;
	}
	*out = ts.v[0];
	ts.v[0] = NULL;
out:
	sv_terms_release(&ts);
	return status;
}

static int
cmp_mod(const void *a, const void *b)
{
	return strcmp(((const struct sv_otp_module *)a)->name,
	    ((const struct sv_otp_module *)b)->name);
}

/* Read lib/NAME-VSN/ebin/NAME.app into a and list its modules. */
static int
load_app(struct sv_otp_app *a, struct sv_err *e)
{
	struct buf path;
	const struct sv_term *t, *props, *kv;
	char *vsn = NULL;
	size_t alloc = 0, i;
	int status = SV_OK;

	buf_init(&path);
	buf_addf(&path, "%s/ebin/%s.app", a->dir, a->name);
	if ((status = load_one(path.s, &a->resource, e)))
		goto out;
	t = a->resource;
	if (t->kind != SV_TERM_TUPLE || t->n != 3 ||
	    !sv_term_is_atom(t->v[0], "application")) {
		status = bad_shape(path.s, t, "{application, NAME, [...]}", e);
		goto out;
	}
	if (!sv_term_is_atom(t->v[1], a->name)) {
		status = sv_err_set(e, SV_INPUT, "%s:%u:%u: expected application "
		    "'%s', as the file is named", path.s, t->v[1]->line,
		    t->v[1]->col, a->name);
		goto out;
	}
	props = t->v[2];
	if (!sv_term_is_list(props) || props->kind != SV_TERM_LIST) {
		status = bad_shape(path.s, props, "a list of properties", e);
		goto out;
	}
	if ((kv = sv_term_keyfind(props, "vsn")) == NULL || kv->n != 2) {
		status = sv_err_set(e, SV_INPUT, "%s: no {vsn, \"...\"} property",
		    path.s);
		goto out;
	}
	if ((status = want_text(kv->v[1], path.s, "the application's vsn",
	    &vsn, e)))
		goto out;
	if (strcmp(vsn, a->vsn) != 0) {
		status = sv_err_set(e, SV_INPUT, "%s: vsn is \"%s\", but the "
		    "release says %s %s", path.s, vsn, a->name, a->vsn);
		goto out;
	}
	if ((kv = sv_term_keyfind(props, "modules")) == NULL || kv->n != 2 ||
	    !sv_term_is_list(kv->v[1])) {
		status = sv_err_set(e, SV_INPUT, "%s: no {modules, [...]} "
		    "property", path.s);
		goto out;
	}
	if (kv->v[1]->kind == SV_TERM_LIST) {
		const struct sv_term *mods = kv->v[1];

		for (i = 0; i < mods->n; i++) {
			const struct sv_term *m = mods->v[i];
			struct sv_otp_module *mod;

			if (m->kind != SV_TERM_ATOM || m->len == 0 ||
			    strchr(m->s, '/') != NULL) {
				status = bad_shape(path.s, m, "a module name "
				    "(an atom)", e);
				goto out;
			}
			xgrow(&a->mods, &alloc, a->nmods + 1, sizeof(*a->mods));
			mod = &a->mods[a->nmods++];
			memset(mod, 0, sizeof(*mod));
			mod->name = xstrdup(m->s);
			mod->path = xmalloc(strlen(a->dir) + m->len + 12);
			sprintf(mod->path, "%s/ebin/%s.beam", a->dir, m->s);
		}
	}
	if (a->nmods > 0)
		qsort(a->mods, a->nmods, sizeof(*a->mods), cmp_mod);
	for (i = 1; i < a->nmods; i++)
		if (strcmp(a->mods[i - 1].name, a->mods[i].name) == 0) {
			status = sv_err_set(e, SV_INPUT, "%s/ebin/%s.app: module "
			    "'%s' is listed twice", a->dir, a->name,
			    a->mods[i].name);
			goto out;
		}
	buf_reset(&path);
	buf_addf(&path, "%s/ebin/%s.appup", a->dir, a->name);
	a->appup_path = buf_detach(&path);
out:
	free(vsn);
	buf_release(&path);
	return status;
}

/* One {App, Vsn [, Type] [, IncApps]} entry of a .rel. */
static int
rel_app(struct sv_otp_release *r, const struct sv_term *t, struct sv_err *e)
{
	struct sv_otp_app *a;
	struct buf dir;
	size_t i;
	int status;

	if (t->kind != SV_TERM_TUPLE || t->n < 2 || t->n > 4 ||
	    t->v[0]->kind != SV_TERM_ATOM)
		return bad_shape(r->rel_path, t, "{APP, \"VSN\"} or {APP, "
		    "\"VSN\", TYPE}", e);
	for (i = 0; i < r->napps; i++)
		if (strcmp(r->apps[i].name, t->v[0]->s) == 0)
			return sv_err_set(e, SV_INPUT, "%s:%u:%u: application "
			    "'%s' is listed twice", r->rel_path, t->line, t->col,
			    t->v[0]->s);
	r->apps = xrealloc(r->apps, (r->napps + 1) * sizeof(*r->apps));
	a = &r->apps[r->napps++];
	memset(a, 0, sizeof(*a));
	a->name = xstrdup(t->v[0]->s);
	if ((status = want_text(t->v[1], r->rel_path, "an application version",
	    &a->vsn, e)))
		return status;
	if (t->n >= 3 && t->v[2]->kind == SV_TERM_ATOM) {
		static const char *const types[] = {
			"permanent", "transient", "temporary", "load", "none",
			NULL
		};

		for (i = 0; types[i] && strcmp(types[i], t->v[2]->s) != 0; i++)
			;
		if (types[i] == NULL)
			return sv_err_set(e, SV_INPUT, "%s:%u:%u: unknown start "
			    "type '%s' (expected permanent, transient, "
			    "temporary, load or none)", r->rel_path,
			    t->v[2]->line, t->v[2]->col, t->v[2]->s);
		a->type = xstrdup(t->v[2]->s);
	} else if (t->n == 4 || (t->n == 3 && !sv_term_is_list(t->v[2]))) {
		return bad_shape(r->rel_path, t->v[2], "a start type or a "
		    "list of included applications", e);
	}
	buf_init(&dir);
	buf_addf(&dir, "%s/lib/%s-%s", r->root, a->name, a->vsn);
	a->dir = buf_detach(&dir);
	a->present = is_dir(a->dir);
	return a->present ? load_app(a, e) : SV_OK;
}

/* The consolidated protocols of a mix release, if it has them: every
 * MODULE.beam of releases/VSN/consolidated. */
static int
load_protocols(struct sv_otp_release *r, struct sv_err *e)
{
	struct dirent *de;
	size_t alloc = 0;
	char *dir;
	DIR *d;

	dir = xmalloc(strlen(r->root) + strlen(r->vsn) + 32);
	sprintf(dir, "%s/releases/%s/consolidated", r->root, r->vsn);
	if (!is_dir(dir)) {
		free(dir);
		return SV_OK;
	}
	r->protocols_dir = dir;
	if ((d = opendir(dir)) == NULL)
		return sv_err_set(e, SV_INPUT, "cannot open '%s': %s", dir,
		    strerror(errno));
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		struct sv_otp_module *m;

		if (len <= 5 || de->d_name[0] == '.' ||
		    strcmp(de->d_name + len - 5, ".beam") != 0)
			continue;
		xgrow(&r->protocols, &alloc, r->nprotocols + 1,
		    sizeof(*r->protocols));
		m = &r->protocols[r->nprotocols++];
		memset(m, 0, sizeof(*m));
		m->name = xstrndup(de->d_name, len - 5);
		m->path = xmalloc(strlen(dir) + len + 2);
		sprintf(m->path, "%s/%s", dir, de->d_name);
	}
	closedir(d);
	if (r->nprotocols > 0)
		qsort(r->protocols, r->nprotocols, sizeof(*r->protocols),
		    cmp_mod);
	return SV_OK;
}

/* The NAME of the only NAME.rel in dir, or an error. */
static int
find_rel(const char *dir, const char *vsn, char **name, struct sv_err *e)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int status = SV_OK;

	*name = NULL;
	if (d == NULL)
		return sv_err_set(e, SV_INPUT, "release %s not found: cannot "
		    "open '%s': %s", vsn, dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (len <= 4 || de->d_name[0] == '.' ||
		    strcmp(de->d_name + len - 4, ".rel") != 0)
			continue;
		if (*name != NULL) {
			status = sv_err_set(e, SV_INPUT, "'%s' has several .rel "
			    "files (%s.rel, %s): cannot tell which release "
			    "this is", dir, *name, de->d_name);
			break;
		}
		*name = xstrndup(de->d_name, len - 4);
	}
	closedir(d);
	if (status == SV_OK && *name == NULL)
		status = sv_err_set(e, SV_INPUT, "release %s not found: '%s' "
		    "has no .rel file", vsn, dir);
	if (status != SV_OK) {
		free(*name);
		*name = NULL;
	}
	return status;
}

int
sv_otp_release_load(struct sv_otp_release *r, const char *root,
    const char *vsn, struct sv_err *e)
{
	struct sv_term *rel = NULL;
	struct buf path;
	char *name = NULL, *found_vsn = NULL, *rn = NULL, *rv = NULL;
	const struct sv_term *apps;
	bool found;
	size_t i;
	int status;

	buf_init(&path);
	r->root = xstrdup(root);
	buf_addf(&path, "%s/releases", root);
	if (!is_dir(path.s)) {
		status = sv_err_set(e, SV_INPUT, "'%s' is not an OTP release "
		    "root: it has no releases/ directory", root);
		goto out;
	}
	if (vsn == NULL) {
		if ((status = sv_otp_release_root(root, &found, &name,
		    &found_vsn, e)))
			goto out;
		if (!found) {
			status = sv_err_set(e, SV_INPUT, "'%s' is not an OTP "
			    "release root: no releases/VSN/NAME.rel", root);
			goto out;
		}
		vsn = found_vsn;
	} else {
		buf_addf(&path, "/%s", vsn);
		if ((status = find_rel(path.s, vsn, &name, e)))
			goto out;
	}
	buf_reset(&path);
	buf_addf(&path, "%s/releases/%s/%s.rel", root, vsn, name);
	r->rel_path = buf_detach(&path);
	if ((status = load_one(r->rel_path, &rel, e)))
		goto out;
	if (rel->kind != SV_TERM_TUPLE || rel->n != 4 ||
	    !sv_term_is_atom(rel->v[0], "release") ||
	    rel->v[1]->kind != SV_TERM_TUPLE || rel->v[1]->n != 2 ||
	    rel->v[2]->kind != SV_TERM_TUPLE || rel->v[2]->n != 2 ||
	    !sv_term_is_atom(rel->v[2]->v[0], "erts") ||
	    !sv_term_is_list(rel->v[3])) {
		status = bad_shape(r->rel_path, rel, "{release, {\"NAME\", "
		    "\"VSN\"}, {erts, \"VSN\"}, [APPS]}", e);
		goto out;
	}
	if ((status = want_text(rel->v[1]->v[0], r->rel_path, "the release "
	    "name", &rn, e)) ||
	    (status = want_text(rel->v[1]->v[1], r->rel_path, "the release "
	    "version", &rv, e)) ||
	    (status = want_text(rel->v[2]->v[1], r->rel_path, "the ERTS "
	    "version", &r->erts, e)))
		goto out;
	if (strcmp(rn, name) != 0 || strcmp(rv, vsn) != 0) {
		status = sv_err_set(e, SV_INPUT, "%s says release \"%s\" "
		    "version \"%s\", but lies at releases/%s/%s.rel",
		    r->rel_path, rn, rv, vsn, name);
		goto out;
	}
	r->name = rn;
	r->vsn = rv;
	rn = rv = NULL;
	apps = rel->v[3];
	for (i = 0; apps->kind == SV_TERM_LIST && i < apps->n; i++)
		if ((status = rel_app(r, apps->v[i], e)))
			goto out;
	status = load_protocols(r, e);
out:
	sv_term_free(rel);
	free(name);
	free(found_vsn);
	free(rn);
	free(rv);
	buf_release(&path);
	return status;
}

int
sv_otp_release_self_contained(const struct sv_otp_release *r,
    struct sv_err *e)
{
	struct buf rel;
	size_t i;
	int status = SV_OK;

	buf_init(&rel);
	for (i = 0; i < r->napps && status == SV_OK; i++) {
		const struct sv_otp_app *a = &r->apps[i];
		struct stat st;
		char *target;

		if (lstat(a->dir, &st) != 0 || !S_ISLNK(st.st_mode))
			continue;
		buf_reset(&rel);
		buf_addf(&rel, "lib/%s-%s", a->name, a->vsn);
		target = sv_symlink_read(AT_FDCWD, a->dir, &st);
		if (target == NULL || sv_symlink_inside(rel.s, target)) {
			free(target);
			continue;
		}
		status = sv_err_set(e, SV_INPUT, "'%s' is a symlink to '%s', "
		    "outside the release root: release %s %s links to its "
		    "applications instead of holding them, as rebar3's dev "
		    "mode assembles a release", a->dir, target, r->name,
		    r->vsn);
		sv_err_hint(e, "build the release with `rebar3 as prod "
		    "release`, or {mode, prod} in relx's options, which "
		    "copies the applications in: what is compared, packed and "
		    "upgraded is what the root holds");
		free(target);
	}
	buf_release(&rel);
	return status;
}

struct sv_otp_app *
sv_otp_release_app(const struct sv_otp_release *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->napps; i++)
		if (strcmp(r->apps[i].name, name) == 0)
			return &r->apps[i];
	return NULL;
}

struct sv_otp_module *
sv_otp_app_module(const struct sv_otp_app *a, const char *name)
{
	size_t lo = 0, hi = a->nmods;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(a->mods[mid].name, name);

		if (c == 0)
			return &a->mods[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Read m's beam from data (the file's bytes) unless already read (with
 * an md5 unless flags say SV_BEAM_NO_MD5). */
static int
module_beam_from(struct sv_otp_module *m, const struct buf *data,
    unsigned flags, struct sv_err *e)
{
	int status;

	struct sv_beam *b;

	if (m->loaded)
		return SV_OK;
	b = xmalloc(sizeof(*b));
	sv_beam_init(b);
	if ((status = sv_beam_read_flags(b, data->s, data->len, m->path,
	    flags, e))) {
		free(b);
		return status;
	}
	if (strcmp(b->module, m->name) != 0) {
		status = sv_err_set(e, SV_INPUT, "'%s' holds module '%s', not "
		    "'%s'", m->path, b->module, m->name);
		sv_beam_release(b);
		free(b);
		return status;
	}
	sv_otp_module_take(m, b);
	return SV_OK;
}

void
sv_otp_module_forget(struct sv_otp_module *m)
{
	if (m->beam != NULL) {
		sv_beam_release(m->beam);
		free(m->beam);
	}
	m->beam = NULL;
	m->loaded = false;
}

void
sv_otp_module_take(struct sv_otp_module *m, struct sv_beam *b)
{
	sv_otp_module_forget(m);
	m->beam = b;
	m->loaded = true;
}

/* Forget a beam read without its md5, so that it is read again with. */
static void
want_md5(struct sv_otp_module *m)
{
	if (m->loaded && !m->beam->has_md5)
		sv_otp_module_forget(m);
}

int
sv_otp_module_beam(struct sv_otp_module *m, struct sv_err *e)
{
	return sv_otp_module_beam_flags(m, 0, e);
}

int
sv_otp_module_beam_flags(struct sv_otp_module *m, unsigned flags,
    struct sv_err *e)
{
	struct buf data;
	int status;

	if (!(flags & SV_BEAM_NO_MD5))
		want_md5(m);
	if (m->loaded)
		return SV_OK;
	buf_init(&data);
	if ((status = sv_read_file(m->path, &data, SV_BEAM_MAX, e)) == SV_OK)
		status = module_beam_from(m, &data, flags, e);
	buf_release(&data);
	return status;
}

int
sv_otp_module_same(struct sv_otp_module *a, struct sv_otp_module *b,
    bool *same, struct sv_err *e)
{
	struct buf x, y;
	int status = SV_OK;

	*same = false;
	buf_init(&x);
	buf_init(&y);
	if (strcmp(a->path, b->path) == 0) {
		*same = true;
		goto out;
	}
	want_md5(a);
	want_md5(b);
	/* Each file is read once: compared as bytes, then, if they differ,
	 * read as beams from the same bytes. */
	if ((!a->loaded &&
	    (status = sv_read_file(a->path, &x, SV_BEAM_MAX, e))) ||
	    (!b->loaded &&
	    (status = sv_read_file(b->path, &y, SV_BEAM_MAX, e))))
		goto out;
	status = sv_otp_module_same_bytes(a, &x, b, &y, same, e);
out:
	buf_release(&x);
	buf_release(&y);
	return status;
}

int
sv_otp_module_same_bytes(struct sv_otp_module *a, const struct buf *x,
    struct sv_otp_module *b, const struct buf *y, bool *same,
    struct sv_err *e)
{
	int status;

	want_md5(a);
	want_md5(b);
	*same = false;
	if (!a->loaded && !b->loaded && x->len == y->len &&
	    memcmp(x->s, y->s, x->len) == 0) {
		*same = true;
		return SV_OK;
	}
	if ((status = module_beam_from(a, x, 0, e)) ||
	    (status = module_beam_from(b, y, 0, e)))
		return status;
	*same = memcmp(a->beam->md5, b->beam->md5, sizeof(a->beam->md5)) == 0;
	return SV_OK;
}

static void
diff_add(char ***v, size_t *n, size_t *alloc, const char *path,
    const char *what)
{
	struct buf b;

	buf_init(&b);
	buf_addf(&b, "%s %s", path, what);
	xgrow(v, alloc, *n + 1, sizeof(**v));
	(*v)[(*n)++] = buf_detach(&b);
}

/* The module a beam path inside an application directory names, if it is
 * ebin/M.beam and the .app lists M. */
static struct sv_otp_module *
listed_beam(const struct sv_otp_app *a, const char *path)
{
	size_t n = strlen(path);
	struct sv_otp_module *m;
	char *name;

	if (strncmp(path, "ebin/", 5) != 0 || n <= 10 ||
	    strcmp(path + n - 5, ".beam") != 0 || strchr(path + 5, '/'))
		return NULL;
	name = xstrndup(path + 5, n - 10);
	m = sv_otp_app_module(a, name);
	free(name);
	return m;
}

/* Are the file entries x (below a) and y (below b) the same content? */
static int
same_file(struct sv_otp_app *a, const struct sv_entry *x,
    struct sv_otp_app *b, const struct sv_entry *y, bool *same,
    struct sv_err *e)
{
	unsigned char dx[SV_SHA256_LEN], dy[SV_SHA256_LEN];
	struct sv_otp_module *ma, *mb;
	struct buf px, py;
	uint64_t sx, sy;
	int status;

	*same = false;
	buf_init(&px);
	buf_init(&py);
	buf_addf(&px, "%s/%s", a->dir, x->path);
	buf_addf(&py, "%s/%s", b->dir, y->path);
	if (x->size == y->size) {
		if ((status = sv_sha256_file(px.s, dx, &sx, e)) ||
		    (status = sv_sha256_file(py.s, dy, &sy, e)))
			goto out;
		if (sx == sy && memcmp(dx, dy, sizeof(dx)) == 0) {
			*same = true;
			goto out;
		}
	}
	ma = listed_beam(a, x->path);
	mb = listed_beam(b, y->path);
	status = ma && mb ? sv_otp_module_same(ma, mb, same, e) : SV_OK;
out:
	buf_release(&px);
	buf_release(&py);
	return status;
}

bool
sv_otp_is_appup_path(const char *path)
{
	size_t n = strlen(path);

	return strncmp(path, "ebin/", 5) == 0 && strchr(path + 5, '/') == NULL &&
	    n > 11 && strcmp(path + n - 6, ".appup") == 0;
}

int
sv_otp_app_compare(struct sv_otp_app *a, struct sv_otp_app *b,
    char ***diffs, size_t *ndiffs, struct sv_err *e)
{
	struct sv_index ia, ib;
	size_t i = 0, j = 0, alloc = 0;
	int status;

	*diffs = NULL;
	*ndiffs = 0;
	sv_index_init(&ia);
	sv_index_init(&ib);
	if ((status = sv_index_walk(&ia, a->dir, e)) ||
	    (status = sv_index_walk(&ib, b->dir, e)))
		goto out;
	while (i < ia.n || j < ib.n) {
		const struct sv_entry *x = i < ia.n ? &ia.v[i] : NULL;
		const struct sv_entry *y = j < ib.n ? &ib.v[j] : NULL;
		int c = x == NULL ? 1 : y == NULL ? -1 : strcmp(x->path, y->path);
		bool same;

		if (c <= 0 && sv_otp_is_appup_path(x->path) && (c < 0 ||
		    y->type == x->type)) {
			i++;
			j += c == 0;
			continue;
		}
		if (c > 0 && sv_otp_is_appup_path(y->path)) {
			j++;
			continue;
		}
		if (c < 0) {
			diff_add(diffs, ndiffs, &alloc, x->path, "removed");
			i++;
			continue;
		}
		if (c > 0) {
			diff_add(diffs, ndiffs, &alloc, y->path, "added");
			j++;
			continue;
		}
		i++;
		j++;
		if (x->type != y->type || x->mode != y->mode) {
			same = false;
		} else if (x->type == SV_ENTRY_DIR) {
			same = true;
		} else if (x->type == SV_ENTRY_SYMLINK) {
			same = strcmp(x->target, y->target) == 0;
		} else if ((status = same_file(a, x, b, y, &same, e))) {
			goto out;
		}
		if (!same)
			diff_add(diffs, ndiffs, &alloc, x->path, "changed");
	}
out:
	if (status != SV_OK) {
		sv_strv_free(*diffs, *ndiffs);
		*diffs = NULL;
		*ndiffs = 0;
	}
	sv_index_release(&ia);
	sv_index_release(&ib);
	return status;
}
