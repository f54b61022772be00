#include "config.h"

#include "otp/relroot.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/outfile.h"
#include "base/xalloc.h"
#include "otp/term.h"

static bool
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The names of the entries of dir ending in suffix (suffix removed) that
 * are directories (want_dir) or not. */
static size_t
names(const char *dir, const char *suffix, bool want_dir, char ***out)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0, alloc = 0, slen = strlen(suffix);

	*out = NULL;
	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		struct buf full;
		bool dir_here;

		if (de->d_name[0] == '.' || len <= slen ||
		    strcmp(de->d_name + len - slen, suffix) != 0)
			continue;
		buf_init(&full);
		buf_addf(&full, "%s/%s", dir, de->d_name);
		dir_here = is_dir(full.s);
		buf_release(&full);
		if (dir_here != want_dir)
			continue;
		xgrow(out, &alloc, n + 1, sizeof(**out));
		(*out)[n++] = xstrndup(de->d_name, len - slen);
	}
	closedir(d);
	return n;
}

/* The name and version of a .rel term {release, {Name, Vsn}, ...}. */
static bool
rel_strings(const struct sv_terms *ts, char **a, char **b)
{
	const struct sv_term *t = ts->n == 1 ? ts->v[0] : NULL;

	*a = *b = NULL;
	if (t == NULL || t->kind != SV_TERM_TUPLE || t->n != 4 ||
	    !sv_term_is_atom(t->v[0], "release") ||
	    t->v[1]->kind != SV_TERM_TUPLE || t->v[1]->n != 2 ||
	    !sv_term_text(t->v[1]->v[0], a) || !sv_term_text(t->v[1]->v[1], b)) {
		free(*a);
		free(*b);
		*a = *b = NULL;
		return false;
	}
	return true;
}

/* releases/VSN holds exactly one NAME.rel that agrees with it. */
static int
read_rel(const char *dir, const char *vsn, bool *found, char **name,
    struct sv_err *e)
{
	struct buf reldir, rel;
	struct sv_terms ts;
	char **rels = NULL, *rn = NULL, *rv = NULL;
	size_t n;
	int status = SV_OK;

	buf_init(&reldir);
	buf_init(&rel);
	sv_terms_init(&ts);
	buf_addf(&reldir, "%s/releases/%s", dir, vsn);
	n = names(reldir.s, ".rel", false, &rels);
	if (n == 0) {
		*found = false;
		goto out;
	}
	if (n > 1) {
		status = sv_err_set(e, SV_INPUT, "'%s' has several .rel files "
		    "(%s.rel, %s.rel): cannot tell which release this is",
		    reldir.s, rels[0], rels[1]);
		goto out;
	}
	buf_addf(&rel, "%s/%s.rel", reldir.s, rels[0]);
	if ((status = sv_terms_load(&ts, rel.s, 16u << 20, e)))
		goto out;
	if (!rel_strings(&ts, &rn, &rv)) {
		status = sv_err_set(e, SV_INPUT, "'%s' is not a release file "
		    "(expected {release, {\"NAME\", \"VSN\"}, ...})", rel.s);
		goto out;
	}
	if (strcmp(rn, rels[0]) != 0 || strcmp(rv, vsn) != 0) {
		status = sv_err_set(e, SV_INPUT, "'%s' says release \"%s\" "
		    "version \"%s\", but lies at releases/%s/%s.rel", rel.s, rn,
		    rv, vsn, rels[0]);
		goto out;
	}
	*found = true;
	*name = rn;
	rn = NULL;
out:
	free(rn);
	free(rv);
	sv_strv_free(rels, n);
	buf_release(&reldir);
	buf_release(&rel);
	sv_terms_release(&ts);
	return status;
}

int
sv_otp_release_named(const char *dir, const char *vsn, bool *found,
    char **name, struct sv_err *e)
{
	*found = false;
	*name = NULL;
	if (strchr(vsn, '/') != NULL || strcmp(vsn, ".") == 0 ||
	    strcmp(vsn, "..") == 0 || *vsn == '\0')
		return SV_OK;
	return read_rel(dir, vsn, found, name, e);
}

int
sv_otp_release_root(const char *dir, bool *found, char **name,
    char **version, struct sv_err *e)
{
	struct buf rels, data;
	char **vsns = NULL;
	size_t n = 0, i;
	int status = SV_OK;

	*found = false;
	*name = *version = NULL;
	buf_init(&rels);
	buf_init(&data);
	buf_addf(&rels, "%s/releases", dir);
	if (!is_dir(rels.s))
		goto out;
	buf_addf(&data, "%s/start_erl.data", rels.s);
	if (access(data.s, F_OK) == 0) {
		struct buf text;
		char erts[256], vsn[256];

		buf_init(&text);
		status = sv_read_file(data.s, &text, 4096, e);
		if (status == SV_OK && (text.s == NULL ||
		    sscanf(text.s, "%255s %255s", erts, vsn) != 2))
			status = sv_err_set(e, SV_INPUT, "'%s' does not hold "
			    "\"ERTS_VSN REL_VSN\"", data.s);
		buf_release(&text);
		if (status)
			goto out;
		if ((status = read_rel(dir, vsn, found, name, e)))
			goto out;
		if (!*found) {
			status = sv_err_set(e, SV_INPUT, "'%s' names release "
			    "version %s, but '%s/%s' has no .rel file", data.s, vsn,
			    rels.s, vsn);
			goto out;
		}
		*version = xstrdup(vsn);
		goto out;
	}
	n = names(rels.s, "", true, &vsns);
	for (i = 0; i < n; i++) {
		bool here = false;
		char *nm = NULL;

		if ((status = read_rel(dir, vsns[i], &here, &nm, e)))
			goto out;
		if (!here)
			continue;
		if (*found) {
			status = sv_err_set(e, SV_INPUT, "'%s' holds several "
			    "releases (%s, %s) and no start_erl.data to choose",
			    rels.s, *version, vsns[i]);
			free(nm);
			goto out;
		}
		*found = true;
		*name = nm;
		*version = xstrdup(vsns[i]);
	}
out:
	if (status != SV_OK) {
		free(*name);
		free(*version);
		*name = *version = NULL;
		*found = false;
	}
	sv_strv_free(vsns, n);
	buf_release(&rels);
	buf_release(&data);
	return status;
}
