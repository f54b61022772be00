#include "config.h"

#include "core/manifest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapt/json.h"
#include "base/buf.h"
#include "base/outfile.h"
#include "base/pool.h"
#include "base/xalloc.h"

/* Every object below is built with its keys added in byte order. */

/* Everything after "content", as an object. */
static struct sv_json *
tail(const struct sv_manifest_info *m)
{
	struct sv_json *doc = sv_json_object(), *pkg = sv_json_object();
	char hex[SV_SHA256_HEX];

	if (m->delta_from) {
		struct sv_json *delta = sv_json_object();

		if (m->delta_base_kind != NULL) {
			struct sv_json *base = sv_json_object();

			sv_json_set_str(base, "kind", m->delta_base_kind);
			sv_sha256_hex(m->delta_base_sha256, hex);
			sv_json_set_str(base, "sha256", hex);
			sv_json_set(delta, "base", base);
		}
		sv_json_set_str(delta, "from", m->delta_from);
		if (m->delta_full_sha256 != NULL) {
			sv_sha256_hex(m->delta_full_sha256, hex);
			sv_json_set_str(delta, "full_sha256", hex);
		}
		sv_json_set_int(delta, "full_size", (int64_t)m->delta_full_size);
		sv_json_set(doc, "delta", delta);
	} else {
		sv_json_set_null(doc, "delta");
	}
	sv_json_set_bytes(doc, "name", m->name);
	if (m->otp) {
		struct sv_json *otp = sv_json_object(), *from = sv_json_array();
		size_t i;

		sv_json_set_bool(otp, "fresh_install_only", m->fresh_only);
		if (m->nrelup_derived > 0) {
			struct sv_json *der = sv_json_object();
			struct sv_json *bases = sv_json_array(), *to = NULL;

			for (i = 0; i < m->nrelup_derived; i++) {
				char dir[8], vsn[128], kind[16], sha[72];
				struct sv_json *b;

				if (sscanf(m->relup_derived[i], "%7s %127s %15s %71s",
				    dir, vsn, kind, sha) != 4)
					continue;
				b = sv_json_object();
				sv_json_set_str(b, "kind", kind);
				sv_json_set_str(b, "sha256", sha);
				sv_json_set_str(b, "version", vsn);
				if (strcmp(dir, "to") == 0) {
					sv_json_free(to);
					to = b;
				} else {
					sv_json_push(bases, b);
				}
			}
			sv_json_set(der, "from", bases);
			if (to != NULL)
				sv_json_set(der, "to", to);
			else
				sv_json_set_null(der, "to");
			sv_json_set(otp, "relup_derived", der);
		}
		for (i = 0; i < m->nrelup_from; i++)
			sv_json_push(from, sv_json_string(m->relup_from[i]));
		sv_json_set(otp, "relup_from", from);
		sv_json_set(doc, "otp", otp);
	}
	sv_json_set_str(pkg, "compression", sv_compression_name(m->compression));
	sv_json_set_int(pkg, "entries", (int64_t)m->pack->index.n);
	sv_json_set_bytes(pkg, "file", m->file);
	sv_sha256_hex(m->pack->sha256, hex);
	sv_json_set_str(pkg, "sha256", hex);
	sv_json_set_int(pkg, "size", (int64_t)m->pack->size);
	sv_sha256_hex(m->pack->tar_sha256, hex);
	sv_json_set_str(pkg, "tar_sha256", hex);
	sv_json_set_int(pkg, "tar_size", (int64_t)m->pack->tar_size);
	sv_json_set(doc, "package", pkg);
	if (m->previous) {
		struct sv_json *prev = sv_json_object();

		sv_json_set_str(prev, "level", m->level);
		sv_json_set_str(prev, "version", m->previous);
		sv_json_set(doc, "previous", prev);
	} else {
		sv_json_set_null(doc, "previous");
	}
	sv_json_set_str(doc, "schema", m->delta_from ? SV_MANIFEST_DELTA :
	    SV_MANIFEST_WHOLE);
	if (m->in_repo) {
		struct sv_json *src = sv_json_object();

		sv_json_set_str(src, "commit", m->commit);
		sv_json_set_bool(src, "dirty", m->dirty);
		sv_json_set_str(src, "tree", m->tree);
		sv_json_set(doc, "source", src);
	} else {
		sv_json_set_null(doc, "source");
	}
	sv_json_set_int(doc, "source_date_epoch", m->source_date_epoch);
	sv_json_set_str(doc, "tool", "smoothver " PACKAGE_VERSION);
	sv_json_set_str(doc, "version", m->version);
	return doc;
}

/* The content entries are rendered in parallel, CHUNK entries to a pool
 * item and ROUND items at a time, then sunk in order: the text in memory
 * at once stays bounded whatever the number of entries. */
#define CHUNK 512
#define ROUND 16

struct render {
	const struct sv_index *idx;
	size_t first;              /* the round's first entry */
	struct buf *out;           /* ROUND buffers */
};

/* sv_pool's run: the k-th chunk of the round, each entry preceded by a
 * comma but the manifest's first. */
static int
render_chunk(void *ctx, void *state, size_t k, struct sv_err *e)
{
	struct render *r = ctx;
	size_t i = r->first + k * CHUNK, end = i + CHUNK;

	(void)state;
	(void)e;
	if (end > r->idx->n)
		end = r->idx->n;
	for (; i < end; i++) {
		struct sv_json *o = sv_entry_to_json(&r->idx->v[i], true);
		char *text = sv_json_print(o);

		sv_json_free(o);
		if (i > 0)
			buf_addc(&r->out[k], ',');
		buf_adds(&r->out[k], text);
		free(text);
	}
	return SV_OK;
}

int
sv_manifest_write(const struct sv_manifest_info *m, sv_sink_fn sink,
    void *data, struct sv_err *e)
{
	const struct sv_index *idx = &m->pack->index;
	struct buf out[ROUND], chunk;
	struct render r = { idx, 0, out };
	struct sv_pool pool;
	struct sv_json *t;
	char *text;
	size_t k;
	int status;

	for (k = 0; k < ROUND; k++)
		buf_init(&out[k]);
	memset(&pool, 0, sizeof(pool));
	pool.ctx = &r;
	pool.run = render_chunk;
	/* "content" sorts first: stream it, then splice in the rest. */
	buf_init(&chunk);
	buf_adds(&chunk, "{\"content\":[");
	status = sink(data, chunk.s, chunk.len, e);
	for (r.first = 0; r.first < idx->n && status == SV_OK;
	    r.first += CHUNK * ROUND) {
		pool.n = (idx->n - r.first + CHUNK - 1) / CHUNK;
		if (pool.n > ROUND)
			pool.n = ROUND;
		if ((status = sv_pool_run(&pool, e)))
			break;
		for (k = 0; k < pool.n; k++) {
			if (status == SV_OK)
				status = sink(data, out[k].s, out[k].len, e);
			buf_reset(&out[k]);
		}
	}
	if (status == SV_OK) {
		t = tail(m);
		text = sv_json_print(t);
		sv_json_free(t);
		buf_reset(&chunk);
		buf_adds(&chunk, "],");
		buf_adds(&chunk, text + 1); /* the tail without its "{" */
		buf_addc(&chunk, '\n');
		free(text);
		status = sink(data, chunk.s, chunk.len, e);
	}
	for (k = 0; k < ROUND; k++)
		buf_release(&out[k]);
	buf_release(&chunk);
	return status;
}

void
sv_manifest_init(struct sv_manifest *m)
{
	memset(m, 0, sizeof(*m));
	sv_index_init(&m->content);
}

void
sv_manifest_release(struct sv_manifest *m)
{
	free(m->name);
	free(m->version);
	free(m->previous);
	free(m->level);
	free(m->file);
	free(m->delta_from);
	free(m->delta_base_kind);
	sv_strv_free(m->relup_from, m->nrelup_from);
	sv_index_release(&m->content);
	sv_manifest_init(m);
}

/* A string field that must be there. */
static const char *
need_str(const struct sv_json *o, const char *key, const char *what,
    const char *where, struct sv_err *e)
{
	const char *s = sv_json_str(sv_json_get(o, key));

	if (s == NULL)
		sv_err_set(e, SV_INPUT, "manifest %s: %s%s'%s' is missing or not "
		    "a string", what, where ? where : "", where ? ": " : "", key);
	return s;
}

static bool
need_uint(const struct sv_json *o, const char *key, uint64_t *out,
    const char *what, const char *where, struct sv_err *e)
{
	if (sv_json_uint(sv_json_get(o, key), out))
		return true;
	sv_err_set(e, SV_INPUT, "manifest %s: %s%s'%s' is missing or not a "
	    "whole number", what, where ? where : "", where ? ": " : "", key);
	return false;
}

static bool
need_digest(const struct sv_json *o, const char *key,
    unsigned char d[SV_SHA256_LEN], const char *what, const char *where,
    struct sv_err *e)
{
	if (sv_sha256_parse_hex(sv_json_str(sv_json_get(o, key)), d))
		return true;
	sv_err_set(e, SV_INPUT, "manifest %s: %s%s'%s' is not a SHA-256 in "
	    "lowercase hex", what, where ? where : "", where ? ": " : "", key);
	return false;
}

static int
parse_entry(struct sv_manifest *m, const struct sv_json *o, struct buf *clean,
    const char *what, struct sv_err *e)
{
	const char *path = need_str(o, "path", what, "content entry", e);
	const char *type, *mode;
	struct sv_entry *ent;
	enum sv_entry_type t;

	if (path == NULL)
		return SV_INPUT;
	if (sv_path_clean(path, clean) != SV_PATH_OK || clean->len == 0 ||
	    strcmp(clean->s, path) != 0)
		return sv_err_set(e, SV_INPUT, "manifest %s: invalid entry path "
		    "'%s' (expected a clean relative path)", what, path);
	if ((type = need_str(o, "type", what, path, e)) == NULL ||
	    (mode = need_str(o, "mode", what, path, e)) == NULL)
		return SV_INPUT;
	if (strcmp(type, "file") == 0)
		t = SV_ENTRY_FILE;
	else if (strcmp(type, "dir") == 0)
		t = SV_ENTRY_DIR;
	else if (strcmp(type, "symlink") == 0)
		t = SV_ENTRY_SYMLINK;
	else
		return sv_err_set(e, SV_INPUT, "manifest %s: entry '%s' has type "
		    "'%s' (expected file, dir or symlink)", what, path, type);
	ent = sv_index_add(&m->content, path, t);
	if (!need_uint(o, "size", &ent->size, what, path, e))
		return SV_INPUT;
	if ((t == SV_ENTRY_FILE && strcmp(mode, "0644") != 0 &&
	    strcmp(mode, "0755") != 0) || (t == SV_ENTRY_DIR &&
	    strcmp(mode, "0755") != 0) || (t == SV_ENTRY_SYMLINK &&
	    strcmp(mode, "0777") != 0))
		return sv_err_set(e, SV_INPUT, "manifest %s: entry '%s' has mode "
		    "'%s' (expected 0644 or 0755 for files, 0755 for "
		    "directories, 0777 for symlinks)", what, path, mode);
	ent->mode = (unsigned)strtoul(mode, NULL, 8);
	if (t == SV_ENTRY_DIR) {
		if (!sv_json_is_null(sv_json_get(o, "sha256")) || ent->size != 0)
			return sv_err_set(e, SV_INPUT, "manifest %s: directory "
			    "'%s' has a digest or a size", what, path);
		return SV_OK;
	}
	if (!need_digest(o, "sha256", ent->sha256, what, path, e))
		return SV_INPUT;
	if (t == SV_ENTRY_SYMLINK) {
		const char *target = need_str(o, "target", what, path, e);
		unsigned char d[SV_SHA256_LEN];

		if (target == NULL)
			return SV_INPUT;
		if (!sv_symlink_inside(path, target))
			return sv_err_set(e, SV_INPUT, "manifest %s: symlink '%s' "
			    "-> '%s' leads outside the release", what, path,
			    target);
		sv_sha256(target, strlen(target), d);
		if (strlen(target) != ent->size ||
		    memcmp(d, ent->sha256, SV_SHA256_LEN) != 0)
			return sv_err_set(e, SV_INPUT, "manifest %s: symlink '%s' "
			    "has a size or digest that is not its target's",
			    what, path);
		ent->target = xstrdup(target);
	}
	return SV_OK;
}

static char *
opt_dup(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

int
sv_manifest_parse(struct sv_manifest *m, const char *text, size_t n,
    const char *what, struct sv_err *e)
{
	struct sv_json *doc, *pkg, *prev, *c;
	const char *s, *comp, *why = NULL;
	char key[64];
	struct buf clean;
	uint64_t entries;
	size_t i;
	int status = SV_INPUT;

	buf_init(&clean);
	sv_sha256(text, n, m->self);
	doc = sv_json_parse_canonical(text, n, &why, key, sizeof(key));
	if (doc == NULL) {
		sv_err_set(e, SV_INPUT, "manifest %s: %s%s%s%s", what, why,
		    key[0] ? " ('" : "", key, key[0] ? "')" : "");
		sv_err_hint(e, "a manifest is canonical JSON as smoothver pack "
		    "writes it: UTF-8, whole numbers, no U+0000, no repeated "
		    "key");
		goto out;
	}
	s = sv_json_str(sv_json_get(doc, "schema"));
	if (s == NULL || (strcmp(s, SV_MANIFEST_WHOLE) != 0 &&
	    strcmp(s, SV_MANIFEST_DELTA) != 0)) {
		sv_err_set(e, SV_INPUT, "manifest %s: schema is '%s' (expected "
		    "'%s' or '%s')", what, s ? s : "(none)", SV_MANIFEST_WHOLE,
		    SV_MANIFEST_DELTA);
		goto out;
	}
	c = sv_json_get(doc, "delta");
	if (strcmp(s, SV_MANIFEST_DELTA) == 0) {
		const char *from = need_str(c, "from", what, "delta", e);

		if (from == NULL || !need_uint(c, "full_size",
		    &m->delta_full_size, what, "delta", e))
			goto out;
		m->delta_from = xstrdup(from);
		/* What it was derived from: optional (older manifests). */
		if (sv_json_get(c, "full_sha256") != NULL) {
			const struct sv_json *base = sv_json_get(c, "base");
			const char *kind = sv_json_str(sv_json_get(base, "kind"));

			if (!sv_sha256_parse_hex(sv_json_str(sv_json_get(c,
			    "full_sha256")), m->delta_full_sha256) ||
			    kind == NULL || (strcmp(kind, "package") != 0 &&
			    strcmp(kind, "tree") != 0) ||
			    !sv_sha256_parse_hex(sv_json_str(sv_json_get(base,
			    "sha256")), m->delta_base_sha256)) {
				sv_err_set(e, SV_INPUT, "manifest %s: delta.full_sha256 "
				    "and delta.base (kind package or tree, sha256) "
				    "must be digests", what);
				goto out;
			}
			m->delta_base_kind = xstrdup(kind);
			m->delta_derived = true;
		}
	} else if (c != NULL && !sv_json_is_null(c)) {
		sv_err_set(e, SV_INPUT, "manifest %s: a delta package must "
		    "have schema '%s'", what, SV_MANIFEST_DELTA);
		goto out;
	}
	if ((s = need_str(doc, "name", what, NULL, e)) == NULL)
		goto out;
	m->name = xstrdup(s);
	c = sv_json_get(doc, "otp");
	if (c != NULL && !sv_json_is_null(c)) {
		const struct sv_json *fo = sv_json_get(c, "fresh_install_only");
		struct sv_json *from = sv_json_get(c, "relup_from"), *v;

		if (!sv_json_is_bool(fo) || !sv_json_is_array(from)) {
			sv_err_set(e, SV_INPUT, "manifest %s: 'otp' needs "
			    "fresh_install_only (a boolean) and relup_from (an "
			    "array of versions)", what);
			goto out;
		}
		m->otp = true;
		m->fresh_only = sv_json_bool(fo);
		for (v = sv_json_first(from); v; v = sv_json_next(v)) {
			if (sv_json_str(v) == NULL) {
				sv_err_set(e, SV_INPUT, "manifest %s: "
				    "otp.relup_from holds a non-string", what);
				goto out;
			}
			m->relup_from = xrealloc(m->relup_from,
			    (m->nrelup_from + 1) * sizeof(*m->relup_from));
			m->relup_from[m->nrelup_from++] = xstrdup(sv_json_str(v));
		}
	}
	c = sv_json_get(doc, "version");
	if (!sv_json_is_null(c) && (s = need_str(doc, "version", what, NULL,
	    e)) == NULL)
		goto out;
	m->version = opt_dup(sv_json_str(c));
	prev = sv_json_get(doc, "previous");
	if (prev != NULL && !sv_json_is_null(prev)) {
		const char *pv = need_str(prev, "version", what, "previous", e);
		const char *pl = need_str(prev, "level", what, "previous", e);

		if (pv == NULL || pl == NULL)
			goto out;
		m->previous = xstrdup(pv);
		m->level = xstrdup(pl);
	}
	pkg = sv_json_get(doc, "package");
	if ((comp = need_str(pkg, "compression", what, "package", e)) == NULL ||
	    (s = need_str(pkg, "file", what, "package", e)) == NULL ||
	    !need_digest(pkg, "sha256", m->sha256, what, "package", e) ||
	    !need_digest(pkg, "tar_sha256", m->tar_sha256, what, "package", e) ||
	    !need_uint(pkg, "size", &m->size, what, "package", e) ||
	    !need_uint(pkg, "tar_size", &m->tar_size, what, "package", e) ||
	    !need_uint(pkg, "entries", &entries, what, "package", e))
		goto out;
	m->file = xstrdup(s);
	if (strcmp(comp, "gzip") == 0)
		m->compression = SV_COMPRESS_GZIP;
	else if (strcmp(comp, "zstd") == 0)
		m->compression = SV_COMPRESS_ZSTD;
	else {
		sv_err_set(e, SV_INPUT, "manifest %s: package compression '%s' "
		    "(expected gzip or zstd)", what, comp);
		goto out;
	}
	c = sv_json_get(doc, "content");
	if (!sv_json_is_array(c)) {
		sv_err_set(e, SV_INPUT, "manifest %s: 'content' is missing or "
		    "not an array", what);
		goto out;
	}
	for (c = sv_json_first(c); c; c = sv_json_next(c))
		if (parse_entry(m, c, &clean, what, e))
			goto out;
	for (i = 1; i < m->content.n; i++) {
		if (strcmp(m->content.v[i - 1].path, m->content.v[i].path) >= 0) {
			sv_err_set(e, SV_INPUT, "manifest %s: entries are not "
			    "sorted or repeat a path ('%s')", what,
			    m->content.v[i].path);
			goto out;
		}
	}
	if (entries != m->content.n) {
		sv_err_set(e, SV_INPUT, "manifest %s: package has %ju entries "
		    "but content lists %zu", what, (uintmax_t)entries,
		    m->content.n);
		goto out;
	}
	status = SV_OK;
out:
	sv_json_free(doc);
	buf_release(&clean);
	return status;
}

int
sv_manifest_load(struct sv_manifest *m, const char *path, struct sv_err *e)
{
	struct buf text;
	struct buf what;
	int status;

	buf_init(&text);
	buf_init(&what);
	buf_addf(&what, "'%s'", path);
	if ((status = sv_read_file(path, &text, SV_MANIFEST_MAX, e)) == SV_OK)
		status = sv_manifest_parse(m, text.s ? text.s : "", text.len,
		    what.s, e);
	buf_release(&text);
	buf_release(&what);
	return status;
}
