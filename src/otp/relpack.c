/*
 * relpack.c - the content of an OTP release package (see relpack.h).
 */
#include "config.h"

#include "otp/relpack.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/buf.h"
#include "base/outfile.h"
#include "base/str.h"
#include "base/xalloc.h"
#include "core/version.h"
#include "otp/term.h"

/* At most this many differing files are named per application. */
#define DIFFS_SHOWN 3

void
sv_otp_pack_init(struct sv_otp_pack *p)
{
	memset(p, 0, sizeof(*p));
	sv_otp_release_init(&p->rel);
	sv_otp_input_init(&p->old);
}

void
sv_otp_pack_release(struct sv_otp_pack *p)
{
	sv_otp_release_release(&p->rel);
	sv_otp_input_release(&p->old);
	free(p->items);
	free(p->full);
	sv_strv_free(p->apps, p->napps);
	sv_strv_free(p->kept, p->nkept);
	sv_strv_free(p->relup_from, p->nrelup_from);
	sv_strv_free(p->relup_derived, p->nrelup_derived);
	sv_strv_free(p->others, p->nothers);
	sv_strv_free(p->strings, p->nstrings);
	sv_otp_pack_init(p);
}

/* A list of items being built. */
struct list {
	struct sv_pack_item **v;
	size_t *n, alloc;
};

/* Keep s (owned by p from now on) and return it. */
static const char *
keep(struct sv_otp_pack *p, char *s)
{
	xgrow(&p->strings, &p->astrings, p->nstrings + 1, sizeof(*p->strings));
	p->strings[p->nstrings++] = s;
	return s;
}

static const char *keepf(struct sv_otp_pack *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static const char *
keepf(struct sv_otp_pack *p, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvstrfmt(fmt, ap);
	va_end(ap);
	return keep(p, s);
}

static void
add(struct list *l, const char *path, const char *from, const char *data,
    size_t len)
{
	struct sv_pack_item *it;

	xgrow(l->v, &l->alloc, *l->n + 1, sizeof(**l->v));
	it = &(*l->v)[(*l->n)++];
	it->path = path;
	it->from = from;
	it->data = data;
	it->len = len;
}

/* An entry taken as it is, to both lists (or only the full one). */
static void
add_both(struct list *full, struct list *pkg, const char *path)
{
	add(full, path, path, NULL, 0);
	if (pkg != NULL)
		add(pkg, path, path, NULL, 0);
}

static void
add_name(char ***v, size_t *n, const char *name, const char *vsn)
{
	struct buf b;

	buf_init(&b);
	buf_addf(&b, "%s-%s", name, vsn);
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = buf_detach(&b);
}

static int
stat_kind(const char *root, const char *rel, mode_t *mode)
{
	struct buf path;
	struct stat st;
	int rc;

	buf_init(&path);
	buf_addf(&path, "%s/%s", root, rel);
	rc = lstat(path.s, &st);
	buf_release(&path);
	*mode = rc == 0 ? st.st_mode : 0;
	return rc;
}

/* releases/VSN/start.boot must be a file: install_release boots from it. */
static int
check_boot(const struct sv_otp_release *r, struct sv_err *e)
{
	struct buf path;
	struct stat st;
	bool found;
	int status = SV_OK;

	buf_init(&path);
	buf_addf(&path, "%s/releases/%s/start.boot", r->root, r->vsn);
	found = stat(path.s, &st) == 0;
	if (!found || !S_ISREG(st.st_mode)) {
		status = sv_err_set(e, SV_INPUT, "cannot pack release %s %s: "
		    "'%s' is %s", r->name, r->vsn, path.s, found ?
		    "not a regular file" : "missing");
		sv_err_hint(e, "release_handler:install_release/1 boots the "
		    "release from it: build the release with its boot script "
		    "(relx and systools:make_script write it)");
	}
	buf_release(&path);
	return status;
}

/* bin/, less the NAME-V scripts of the other releases in the root. */
static int
add_bin(struct sv_otp_pack *p, struct list *full, struct sv_err *e)
{
	const struct sv_otp_release *r = &p->rel;
	size_t nlen = strlen(r->name);
	struct buf dir;
	struct dirent *de;
	mode_t mode;
	DIR *d;

	if (stat_kind(r->root, "bin", &mode) != 0 || !S_ISDIR(mode))
		return SV_OK;
	buf_init(&dir);
	buf_addf(&dir, "%s/bin", r->root);
	d = opendir(dir.s);
	if (d == NULL) {
		int status = sv_err_set(e, SV_INPUT, "cannot open directory "
		    "'%s': %s", dir.s, strerror(errno));

		buf_release(&dir);
		return status;
	}
	while ((de = readdir(d)) != NULL) {
		const char *n = de->d_name, *v = n + nlen + 1;

		if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
			continue;
		if (strncmp(n, r->name, nlen) == 0 && n[nlen] == '-' &&
		    strcmp(v, r->vsn) != 0 && strchr(v, '/') == NULL &&
		    strcmp(v, ".") != 0 && strcmp(v, "..") != 0 && *v != '\0') {
			struct buf other;

			buf_init(&other);
			buf_addf(&other, "releases/%s", v);
			if (stat_kind(r->root, other.s, &mode) == 0 &&
			    S_ISDIR(mode)) {
				buf_release(&other);
				continue; /* another release's start script */
			}
			buf_release(&other);
		}
		add_both(full, NULL, keepf(p, "bin/%s", n));
	}
	closedir(d);
	buf_release(&dir);
	return SV_OK;
}

/* The base of a delta: the same release, another version. */
static int
open_old(struct sv_otp_pack *p, const char *from, struct sv_err *e)
{
	const struct sv_otp_release *o = &p->old.rel, *r = &p->rel;
	int status;

	if ((status = sv_otp_input_open(&p->old, from, NULL, e)) ||
	    (status = sv_otp_release_self_contained(o, e)))
		return status;
	if (strcmp(o->name, r->name) != 0) {
		sv_err_set(e, SV_INPUT, "--delta-from '%s' holds release %s %s, "
		    "not %s", from, o->name, o->vsn, r->name);
		return sv_err_hint(e, "a delta package upgrades a node that "
		    "runs another version of the same release");
	}
	if (strcmp(o->vsn, r->vsn) == 0)
		return sv_err_set(e, SV_INPUT, "--delta-from '%s' holds %s %s, "
		    "the version being packed", from, o->name, o->vsn);
	return SV_OK;
}

/* An application of the .rel that lib/ lacks. */
static void
missing(struct buf *b, const struct sv_otp_app *a)
{
	buf_addf(b, "%s'%s'", b->len ? ", " : "", a->dir);
}

/*
 * For a delta: is application a (same vsn in OLD as oa) left out? Its
 * content must be OLD's; a difference goes to unbumped.
 */
static int
compare_kept(struct sv_otp_app *a, struct sv_otp_app *oa,
    struct buf *unbumped, struct sv_err *e)
{
	char **diffs = NULL;
	size_t ndiffs = 0, i;
	int status;

	if (!a->present || !oa->present)
		return SV_OK; /* the node has it: OLD ran it */
	if ((status = sv_otp_app_compare(oa, a, &diffs, &ndiffs, e)))
		return status;
	if (ndiffs > 0) {
		buf_addf(unbumped, "%s%s %s (", unbumped->len ? ", " : "",
		    a->name, a->vsn);
		for (i = 0; i < ndiffs && i < DIFFS_SHOWN; i++)
			buf_addf(unbumped, "%s%s", i ? ", " : "", diffs[i]);
		if (ndiffs > DIFFS_SHOWN)
			buf_addf(unbumped, ", %zu more", ndiffs - DIFFS_SHOWN);
		buf_addc(unbumped, ')');
	}
	sv_strv_free(diffs, ndiffs);
	return SV_OK;
}

/* True if a is a version (Smoothver/SemVer syntax) lower than *b. */
static bool
lower(const char *a, const struct sv_version *b)
{
	struct sv_version va;
	struct sv_err e;
	bool yes;

	sv_version_init(&va);
	sv_err_init(&e);
	yes = sv_version_parse(&va, a, "", &e) == SV_OK &&
	    sv_version_cmp(&va, b) < 0;
	sv_version_release(&va);
	return yes;
}

/* The earlier versions of release r that its root holds: the
 * directories releases/V/ with a NAME.rel in them, V lower than r's. */
static void
other_versions(struct sv_otp_pack *p)
{
	const struct sv_otp_release *r = &p->rel;
	struct sv_version own;
	struct buf dir, rel;
	struct dirent *de;
	struct stat st;
	struct sv_err e;
	DIR *d;

	sv_version_init(&own);
	sv_err_init(&e);
	buf_init(&dir);
	buf_init(&rel);
	buf_addf(&dir, "%s/releases", r->root);
	/* A release whose own version is not one: nothing is known lower. */
	if (sv_version_parse(&own, r->vsn, "", &e) == SV_OK &&
	    (d = opendir(dir.s)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.' || !lower(de->d_name, &own))
				continue;
			buf_reset(&rel);
			buf_addf(&rel, "%s/%s/%s.rel", dir.s, de->d_name, r->name);
			if (stat(rel.s, &st) != 0 || !S_ISREG(st.st_mode))
				continue;
			p->others = xrealloc(p->others, (p->nothers + 1) *
			    sizeof(*p->others));
			p->others[p->nothers++] = xstrdup(de->d_name);
		}
		closedir(d);
	}
	if (p->nothers > 1)
		qsort(p->others, p->nothers, sizeof(*p->others), sv_str_cmp);
	sv_version_release(&own);
	buf_release(&dir);
	buf_release(&rel);
}

/* The relup's provenance comments (see relpack.h): lines
 * "%% smoothver derived-from VSN KIND SHA256" and "... derived-to ...". */
static void
read_derived(struct sv_otp_pack *p, const char *path)
{
	char *text = sv_file_part(path, 0, 8192), *line, *save = NULL;

	for (line = text ? strtok_r(text, "\n", &save) : NULL; line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char dir[16], vsn[128], kind[16], hex[72];
		struct buf b;

		if (strncmp(line, "%% smoothver derived-", 21) != 0 ||
		    sscanf(line + 21, "%15s %127s %15s %71s", dir, vsn, kind,
		    hex) != 4 || (strcmp(dir, "from") != 0 &&
		    strcmp(dir, "to") != 0) || (strcmp(kind, "package") != 0 &&
		    strcmp(kind, "tree") != 0) || strlen(hex) != 64)
			continue;
		buf_init(&b);
		buf_addf(&b, "%s %s %s %s", dir, vsn, kind, hex);
		p->relup_derived = xrealloc(p->relup_derived,
		    (p->nrelup_derived + 1) * sizeof(*p->relup_derived));
		p->relup_derived[p->nrelup_derived++] = buf_detach(&b);
	}
	free(text);
}

/* Read releases/VSN/relup, if there is one: the versions it upgrades
 * from. A relup that is not one is SV_INPUT naming it. */
static int
read_relup(struct sv_otp_pack *p, struct sv_err *e)
{
	const struct sv_otp_release *r = &p->rel;
	struct sv_terms ts;
	struct stat st;
	struct buf path;
	const struct sv_term *t, *up;
	size_t i;
	int status = SV_OK;

	buf_init(&path);
	sv_terms_init(&ts);
	buf_addf(&path, "%s/releases/%s/relup", r->root, r->vsn);
	if (stat(path.s, &st) != 0)
		goto out;
	p->has_relup = true;
	if ((status = sv_terms_load(&ts, path.s, 64u << 20, e)))
		goto out;
	read_derived(p, path.s);
	t = ts.n == 1 ? ts.v[0] : NULL;
	up = t && t->kind == SV_TERM_TUPLE && t->n == 3 ? t->v[1] : NULL;
	if (up == NULL || up->kind != SV_TERM_LIST) {
		status = sv_err_set(e, SV_INPUT, "'%s' is not a relup: expected "
		    "{Vsn, [{UpFromVsn, Descr, Instructions}], [...]}", path.s);
		goto out;
	}
	for (i = 0; i < up->n; i++) {
		const struct sv_term *s = up->v[i];
		char *v = NULL;

		if (s->kind != SV_TERM_TUPLE || s->n != 3 ||
		    !sv_term_text(s->v[0], &v)) {
			free(v);
			status = sv_err_set(e, SV_INPUT, "'%s': upgrade step %zu "
			    "is not {UpFromVsn, Descr, Instructions}", path.s,
			    i + 1);
			goto out;
		}
		p->relup_from = xrealloc(p->relup_from, (p->nrelup_from + 1) *
		    sizeof(*p->relup_from));
		p->relup_from[p->nrelup_from++] = v;
	}
out:
	sv_terms_release(&ts);
	buf_release(&path);
	return status;
}

static bool
relup_covers(const struct sv_otp_pack *p, const char *vsn)
{
	size_t i;

	for (i = 0; i < p->nrelup_from; i++)
		if (strcmp(p->relup_from[i], vsn) == 0)
			return true;
	return false;
}

/* A package of a release that follows another must carry the relup that
 * reaches it (unless it is for fresh installs only). */
static int
check_relup(struct sv_otp_pack *p, struct sv_err *e)
{
	const struct sv_otp_release *r = &p->rel;
	const char *from = p->delta ? p->old.rel.vsn : NULL;
	struct buf list;
	size_t i;

	if (p->fresh_only)
		return SV_OK;
	if (from != NULL && relup_covers(p, from))
		return SV_OK;
	if (from == NULL && (p->nothers == 0 || p->has_relup))
		return SV_OK;
	buf_init(&list);
	if (from != NULL) {
		buf_adds(&list, from);
	} else {
		for (i = 0; i < p->nothers; i++)
			buf_addf(&list, "%s%s", i ? "," : "", p->others[i]);
	}
	if (!p->has_relup)
		sv_err_set(e, SV_INPUT, "cannot pack release %s %s: it follows "
		    "%s but has no relup (releases/%s/relup), so no node could "
		    "upgrade to it live (install_release fails with enoent)",
		    r->name, r->vsn, list.s, r->vsn);
	else
		sv_err_set(e, SV_INPUT, "cannot pack release %s %s: its relup "
		    "(releases/%s/relup) does not upgrade from %s, the version "
		    "--delta-from names", r->name, r->vsn, r->vsn, from);
	sv_err_hint(e, "make it first: smoothver relup %s%s%s %s --write; or "
	    "pack with --no-relup for a package meant for fresh installs "
	    "only", from ? "OLD" : "", from ? "" : "--from ", from ? "" :
	    list.s, from ? "NEW" : "ROOT");
	buf_release(&list);
	return SV_INPUT;
}

int
sv_otp_pack_plan(struct sv_otp_pack *p, const char *root, const char *vsn,
    const char *unpack, const char *delta_from, struct sv_err *e)
{
	struct sv_otp_release *r = &p->rel;
	struct list full = { &p->full, &p->nfull, 0 };
	struct list pkg = { &p->items, &p->nitems, 0 };
	struct list *delta;
	struct buf absent, unbumped, erts;
	const char *relfile, *unpack_rel, *start_erl;
	size_t i, nunbumped = 0;
	mode_t mode;
	int status;

	buf_init(&absent);
	buf_init(&unbumped);
	buf_init(&erts);
	if ((status = sv_otp_release_load(r, root, vsn, e)) ||
	    (status = sv_otp_release_self_contained(r, e)) ||
	    (status = check_boot(r, e)))
		goto out;
	p->delta = delta_from != NULL;
	p->cookie_left_out = stat_kind(root, "releases/COOKIE", &mode) ==
	    0;
	if (p->delta && (status = open_old(p, delta_from, e)))
		goto out;
	delta = p->delta ? &pkg : NULL;

	/* releases/: the version's directory and the .rel to unpack. */
	add_both(&full, delta, keepf(p, "releases/%s", r->vsn));
	relfile = keepf(p, "releases/%s/%s.rel", r->vsn, r->name);
	unpack_rel = keepf(p, "releases/%s.rel", unpack);
	add(&full, unpack_rel, relfile, NULL, 0);
	if (delta)
		add(delta, unpack_rel, relfile, NULL, 0);
	start_erl = keepf(p, "%s %s\n", r->erts, r->vsn);
	add(&full, "releases/start_erl.data", NULL, start_erl,
	    strlen(start_erl));
	if ((status = add_bin(p, &full, e)))
		goto out;

	/* ERTS: the full package has it when the root does; a delta only
	 * when the node runs another one. */
	buf_addf(&erts, "erts-%s", r->erts);
	if (stat_kind(root, erts.s, &mode) == 0 && S_ISDIR(mode)) {
		const char *path = keep(p, buf_detach(&erts));

		p->erts = !p->delta || strcmp(p->old.rel.erts, r->erts) != 0;
		add_both(&full, p->erts ? delta : NULL, path);
	}

	/* lib/: every application, or for a delta the new and changed. */
	for (i = 0; i < r->napps; i++) {
		struct sv_otp_app *a = &r->apps[i];
		struct sv_otp_app *oa = p->delta ?
		    sv_otp_release_app(&p->old.rel, a->name) : NULL;
		const char *dir = keepf(p, "lib/%s-%s", a->name, a->vsn);

		if (a->present)
			add(&full, dir, dir, NULL, 0);
		if (oa != NULL && strcmp(oa->vsn, a->vsn) == 0) {
			size_t before = unbumped.len;

			if ((status = compare_kept(a, oa, &unbumped, e)))
				goto out;
			nunbumped += unbumped.len > before;
			add_name(&p->kept, &p->nkept, a->name, a->vsn);
			continue;
		}
		if (!a->present) {
			missing(&absent, a);
			continue;
		}
		if (delta)
			add(delta, dir, dir, NULL, 0);
		add_name(&p->apps, &p->napps, a->name, a->vsn);
	}
	if (absent.len > 0) {
		status = sv_err_set(e, SV_INPUT, "cannot pack release %s %s: "
		    "%s missing", r->name, r->vsn, absent.s);
		sv_err_hint(e, "release_handler:install_release/1 needs every "
		    "application's lib/APP-VSN/ebin on the node: build the "
		    "release with all of them (relx leaves OTP's own out "
		    "without {system_libs, true}), or pack --delta-from a "
		    "release that has them");
		goto out;
	}
	if (unbumped.len > 0) {
		status = sv_err_set(e, SV_INPUT, "application content changed "
		    "without a vsn bump: %s differ%s from '%s'", unbumped.s,
		    nunbumped == 1 ? "s" : "", delta_from);
		sv_err_hint(e, "bump the vsn in the application's .app.src: "
		    "release_handler unpacks with keep_old_files, so a node "
		    "that has this vsn would keep its old files");
		goto out;
	}
	other_versions(p);
	if ((status = read_relup(p, e)) || (status = check_relup(p, e)))
		goto out;
	if (!p->delta) {
		/* The full list is the package. */
		p->items = p->full;
		p->nitems = p->nfull;
		p->full = NULL;
		p->nfull = 0;
	}
out:
	buf_release(&absent);
	buf_release(&unbumped);
	buf_release(&erts);
	return status;
}
