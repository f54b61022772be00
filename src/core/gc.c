#include "config.h"

#include "core/gc.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/str.h"
#include "base/xalloc.h"
#include "core/store.h"
#include "core/version.h"

#define TMP_AGE 3600

void
sv_gc_result_init(struct sv_gc_result *r)
{
	memset(r, 0, sizeof(*r));
}

void
sv_gc_result_release(struct sv_gc_result *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->v[i].key);
		free(r->v[i].release);
	}
	free(r->v);
	sv_gc_result_init(r);
}

struct strset {
	char **v;
	size_t n, alloc;
};

static void
set_add(struct strset *s, char *str)
{
	xgrow(&s->v, &s->alloc, s->n + 1, sizeof(*s->v));
	s->v[s->n++] = str;
}

static bool
set_has(const struct strset *s, const char *str)
{
	return s->n && bsearch(&str, s->v, s->n, sizeof(*s->v), sv_str_cmp);
}

static void
set_free(struct strset *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

static void
item(struct sv_gc_result *r, enum sv_gc_kind kind, char *key, char *release,
    uint64_t size)
{
	xgrow(&r->v, &r->alloc, r->n + 1, sizeof(*r->v));
	r->v[r->n].kind = kind;
	r->v[r->n].key = key;
	r->v[r->n].release = release;
	r->v[r->n].size = size;
	r->n++;
	r->bytes += size;
}

static char *
release_str(const char *name, const char *version)
{
	struct buf b;

	buf_init(&b);
	buf_addf(&b, "%s@%s", name, version);
	return buf_detach(&b);
}

/* The delta packages of name@version: kept, their blobs go to keep;
 * not, their records to r. */
static int
plan_deltas(struct sv_store *s, const char *name, const char *version,
    bool kept, struct strset *keep, struct sv_gc_result *r,
    struct sv_err *e)
{
	char **froms = NULL;
	size_t n = 0, i;
	int status;

	if ((status = sv_deltas_list(s, name, version, &froms, &n, e)))
		return status;
	for (i = 0; i < n && status == SV_OK; i++) {
		struct sv_record rec;
		uint64_t size = 0;
		bool found;

		sv_record_init(&rec);
		if ((status = sv_delta_read(s, name, version, froms[i], &rec,
		    &found, e)) == SV_OK && found && kept) {
			set_add(keep, sv_key_blob(rec.manifest));
			set_add(keep, sv_key_blob(rec.package));
		} else if (status == SV_OK && found) {
			char *key = sv_key_delta(name, version, froms[i]);
			struct buf what;

			if ((status = sv_store_stat(s, key, &found, &size, e))) {
				free(key);
			} else {
				buf_init(&what);
				buf_addf(&what, "%s@%s (delta from %s)", name,
				    version, froms[i]);
				item(r, SV_GC_RECORD, key, buf_detach(&what), size);
			}
		}
		sv_record_release(&rec);
	}
	sv_strv_free(froms, n);
	return status;
}

/* The signatures of a version that goes (sigs/NAME/VERSION/...). */
struct sigs_walk {
	struct sv_store *s;
	struct sv_gc_result *r;
	const char *release;
};

static int
sig_key(const char *key, void *data, struct sv_err *e)
{
	struct sigs_walk *w = data;
	uint64_t size = 0;
	bool found;
	int status;

	if (key[strlen(key) - 1] == '/')
		return SV_OK;
	if ((status = sv_store_stat(w->s, key, &found, &size, e)) || !found)
		return status;
	item(w->r, SV_GC_RECORD, xstrdup(key), xstrdup(w->release), size);
	return SV_OK;
}

static int
plan_sigs(struct sv_store *s, const char *name, const char *version,
    struct sv_gc_result *r, struct sv_err *e)
{
	struct buf prefix, what;
	struct sigs_walk w;
	int status;

	buf_init(&prefix);
	buf_init(&what);
	buf_addf(&prefix, "sigs/%s/%s/", name, version);
	buf_addf(&what, "%s@%s (signature)", name, version);
	w.s = s;
	w.r = r;
	w.release = what.s;
	status = sv_store_list(s, prefix.s, sig_key, &w, e);
	buf_release(&prefix);
	buf_release(&what);
	return status;
}

/* Decide about every version of name: referenced blobs go to keep, the
 * records and copies of the others to r. */
static int
plan_release(struct sv_store *s, const struct sv_gc_request *req,
    const char *name, struct strset *keep, struct strset *copies,
    struct sv_gc_result *r, struct sv_err *e)
{
	char **versions = NULL, *latest = NULL;
	size_t n = 0, i;
	bool latest_seen = false;
	int status;

	if ((status = sv_latest_read(s, name, &latest, e)) ||
	    (status = sv_versions_list(s, name, &versions, &n, e)))
		goto out;
	for (i = 0; i < n; i++) {
		struct sv_record rec;
		bool found, kept = !req->keep_set || i + req->keep >= n ||
		    (latest && strcmp(latest, versions[i]) == 0);
		uint64_t size = 0;

		if (latest && strcmp(latest, versions[i]) == 0)
			latest_seen = true;
		sv_record_init(&rec);
		if ((status = sv_record_read(s, name, versions[i], &rec, &found,
		    e)) == SV_OK && !found)
			status = sv_err_set(e, SV_INPUT, "store '%s': the record of "
			    "%s@%s disappeared", sv_store_url(s), name, versions[i]);
		if (status == SV_OK)
			set_add(copies, sv_key_compat(name, versions[i],
			    rec.compression));
		if (status == SV_OK && kept) {
			r->kept_versions++;
			set_add(keep, sv_key_blob(rec.manifest));
			set_add(keep, sv_key_blob(rec.package));
		} else if (status == SV_OK) {
			char *key = sv_key_record(name, versions[i]);

			if ((status = sv_store_stat(s, key, &found, &size, e)) ==
			    SV_OK)
				item(r, SV_GC_RECORD, key, release_str(name,
				    versions[i]), size);
			else
				free(key);
			key = sv_key_compat(name, versions[i], rec.compression);
			if (status == SV_OK && (status = sv_store_stat(s, key,
			    &found, &size, e)) == SV_OK && found)
				item(r, SV_GC_COPY, key, release_str(name,
				    versions[i]), size);
			else
				free(key);
		}
		sv_record_release(&rec);
		if (status == SV_OK)
			status = plan_deltas(s, name, versions[i], kept, keep, r,
			    e);
		if (status == SV_OK && !kept)
			status = plan_sigs(s, name, versions[i], r, e);
		if (status)
			goto out;
	}
	if (latest && !latest_seen)
		status = sv_err_set(e, SV_INPUT, "store '%s': %s-latest names %s, "
		    "which has no record: the store is damaged", sv_store_url(s),
		    name, latest);
out:
	sv_strv_free(versions, n);
	free(latest);
	return status;
}

/* Copies at the top whose version has no record (a publish killed
 * between writing the copy and the record): "NAME-VERSION.tar.gz" for a
 * known NAME, a valid VERSION, and no record behind it. */
struct orphans {
	char **names;
	size_t n;
	const struct strset *copies;
	struct sv_store *s;
	struct sv_gc_result *r;
};

static int
orphan_key(const char *key, void *data, struct sv_err *e)
{
	static const char *const sfx[] = { ".tar.gz", ".tar.zst", NULL };
	struct orphans *o = data;
	size_t i, j, len = strlen(key);
	uint64_t size = 0;
	bool found;
	int status;

	if (key[len - 1] == '/' || set_has(o->copies, key))
		return SV_OK;
	for (j = 0; sfx[j]; j++) {
		size_t sl = strlen(sfx[j]);

		if (len <= sl || strcmp(key + len - sl, sfx[j]) != 0)
			continue;
		for (i = 0; i < o->n; i++) {
			size_t nl = strlen(o->names[i]);
			char *ver;

			if (len <= nl + 1 + sl || strncmp(key, o->names[i], nl) != 0 ||
			    key[nl] != '-')
				continue;
			ver = xstrndup(key + nl + 1, len - nl - 1 - sl);
			if (sv_version_is_canonical(ver) &&
			    (status = sv_store_stat(o->s, key, &found, &size,
			    e)) == SV_OK && found) {
				item(o->r, SV_GC_COPY, xstrdup(key),
				    release_str(o->names[i], ver), size);
				free(ver);
				return SV_OK;
			}
			free(ver);
		}
	}
	return SV_OK;
}

/* Delta records of versions without a record: a delta is published
 * before its whole release, so one younger than TMP_AGE may be waiting
 * for it; an older one was left by a publish that never finished. */
struct orphan_deltas {
	struct sv_store *s;
	struct strset *keep;
	struct sv_gc_result *r;
	int64_t now;
};

static int
orphan_delta(const char *key, void *data, struct sv_err *e)
{
	struct orphan_deltas *o = data;
	const char *p = key + strlen("deltas/"), *v, *f;
	char *name = NULL, *vsn = NULL, *from = NULL;
	struct sv_record rec;
	uint64_t size = 0;
	bool found;
	int status = SV_OK;
	size_t len = strlen(key);

	sv_record_init(&rec);
	if (len < 5 || strcmp(key + len - 5, ".json") != 0 ||
	    (v = strchr(p, '/')) == NULL || (f = strchr(v + 1, '/')) == NULL ||
	    strchr(f + 1, '/') != NULL)
		goto out;
	name = xstrndup(p, (size_t)(v - p));
	vsn = xstrndup(v + 1, (size_t)(f - v - 1));
	from = xstrndup(f + 1, strlen(f + 1) - 5);
	if ((status = sv_record_read(o->s, name, vsn, &rec, &found, e)) ||
	    found)
		goto out;
	sv_record_release(&rec);
	if (sv_delta_read(o->s, name, vsn, from, &rec, &found, e) == SV_OK &&
	    found && rec.published > o->now - TMP_AGE) {
		set_add(o->keep, sv_key_blob(rec.manifest));
		set_add(o->keep, sv_key_blob(rec.package));
		goto out;
	}
	sv_err_init(e);
	if ((status = sv_store_stat(o->s, key, &found, &size, e)) == SV_OK &&
	    found) {
		struct buf what;

		buf_init(&what);
		buf_addf(&what, "%s@%s (delta from %s, no whole release)", name,
		    vsn, from);
		item(o->r, SV_GC_RECORD, xstrdup(key), buf_detach(&what), size);
	}
out:
	sv_record_release(&rec);
	free(name);
	free(vsn);
	free(from);
	return status;
}

/* The store lists one level at a time (a directory's key ends in '/'):
 * deltas/NAME/, then deltas/NAME/VERSION/, then the records. */
static int
delta_dir(const char *key, void *data, struct sv_err *e)
{
	struct orphan_deltas *o = data;
	size_t len = strlen(key), depth = 0;
	const char *p;

	if (len == 0 || key[len - 1] != '/')
		return orphan_delta(key, data, e);
	for (p = key; *p; p++)
		depth += *p == '/';
	if (depth > 3)
		return SV_OK;
	return sv_store_list(o->s, key, delta_dir, data, e);
}

struct blobs {
	struct sv_store *s;
	const struct strset *keep;
	struct sv_gc_result *r;
};

static int
blob_key(const char *key, void *data, struct sv_err *e)
{
	struct blobs *b = data;
	uint64_t size = 0;
	bool found;
	int status;

	if (key[strlen(key) - 1] == '/')
		return SV_OK;
	if (set_has(b->keep, key)) {
		b->r->kept_blobs++;
		return SV_OK;
	}
	if ((status = sv_store_stat(b->s, key, &found, &size, e)))
		return status;
	item(b->r, SV_GC_BLOB, xstrdup(key), NULL, size);
	return SV_OK;
}

int
sv_gc(struct sv_store *s, const struct sv_gc_request *req,
    struct sv_gc_result *r, struct sv_err *e)
{
	struct strset keep = { NULL, 0, 0 }, copies = { NULL, 0, 0 };
	struct blobs b = { s, &keep, r };
	struct orphans o = { NULL, 0, &copies, s, r };
	char **names = NULL;
	size_t n = 0, i;
	int status;

	if ((status = sv_store_lock(s, e)) ||
	    (status = sv_names_list(s, &names, &n, e)))
		goto out;
	for (i = 0; i < n && status == SV_OK; i++)
		status = plan_release(s, req, names[i], &keep, &copies, r, e);
	if (status == SV_OK) {
		struct orphan_deltas od = { s, &keep, r, (int64_t)time(NULL) };

		status = sv_store_list(s, "deltas/", delta_dir, &od, e);
	}
	if (status)
		goto out;
	if (keep.n > 1)
		qsort(keep.v, keep.n, sizeof(*keep.v), sv_str_cmp);
	if (copies.n > 1)
		qsort(copies.v, copies.n, sizeof(*copies.v), sv_str_cmp);
	o.names = names;
	o.n = n;
	if ((status = sv_store_list(s, "", orphan_key, &o, e)))
		goto out;
	if ((status = sv_store_list(s, "blobs/sha256/", blob_key, &b, e)))
		goto out;
	if (req->dry_run)
		goto out;
	/* Records first (the items are in that order), blobs last. */
	for (i = 0; i < r->n && status == SV_OK; i++)
		status = sv_store_delete(s, r->v[i].key, e);
	if (status == SV_OK)
		status = sv_store_clean_tmp(s, TMP_AGE, &r->tmp_removed, e);
out:
	sv_store_unlock(s);
	sv_strv_free(names, n);
	set_free(&keep);
	set_free(&copies);
	return status;
}
