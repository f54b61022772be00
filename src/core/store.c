#include "config.h"

#include "core/store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "adapt/json.h"
#include "base/outfile.h"
#include "base/str.h"
#include "base/xalloc.h"
#include "core/trust.h"
#include "core/version.h"

#define RECORD_SCHEMA "smoothver.release/1"
#define DELTA_SCHEMA "smoothver.delta/1"
#define RECORD_MAX (64 * 1024)
#define POINTER_MAX 4096

void
sv_record_init(struct sv_record *r)
{
	memset(r, 0, sizeof(*r));
}

void
sv_record_release(struct sv_record *r)
{
	free(r->name);
	free(r->version);
	free(r->previous);
	free(r->level);
	free(r->delta_from);
	free(r->file);
	sv_record_init(r);
}

char *
sv_key_blob(const unsigned char d[SV_SHA256_LEN])
{
	char hex[SV_SHA256_HEX];
	struct buf b;

	sv_sha256_hex(d, hex);
	buf_init(&b);
	buf_addf(&b, "blobs/sha256/%s", hex);
	return buf_detach(&b);
}

char *
sv_key_record(const char *name, const char *version)
{
	struct buf b;

	buf_init(&b);
	buf_addf(&b, "releases/%s/%s.json", name, version);
	return buf_detach(&b);
}

char *
sv_key_delta(const char *name, const char *version, const char *from)
{
	struct buf b;

	buf_init(&b);
	buf_addf(&b, "deltas/%s/%s/%s.json", name, version, from);
	return buf_detach(&b);
}

char *
sv_key_latest(const char *name)
{
	struct buf b;

	buf_init(&b);
	buf_addf(&b, "%s-latest", name);
	return buf_detach(&b);
}

char *
sv_key_compat(const char *name, const char *version, enum sv_compression c)
{
	struct buf b;

	buf_init(&b);
	buf_addf(&b, "%s-%s%s", name, version, sv_compression_suffix(c));
	return buf_detach(&b);
}

int
sv_release_name_check(const char *name, struct sv_err *e)
{
	const char *p;

	if (*name == '\0' || *name == '.' || *name == '-')
		goto bad;
	for (p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' ||
		    *p == '.'))
			goto bad;
	return SV_OK;
bad:
	return sv_err_set(e, SV_USAGE, "invalid release name '%s' (expected "
	    "letters, digits, '_', '-' and '.', not starting with '.' or '-')",
	    name);
}

bool
sv_pointer_parse(const char *text, size_t len, char **version)
{
	/* The seed's pointers: the version and a newline (tolerate none, or
	 * a CR before it). */
	if (len > 0 && text[len - 1] == '\n')
		len--;
	if (len > 0 && text[len - 1] == '\r')
		len--;
	if (len == 0 || memchr(text, '\0', len) != NULL)
		return false;
	*version = xstrndup(text, len);
	if (!sv_version_is_canonical(*version)) {
		free(*version);
		*version = NULL;
		return false;
	}
	return true;
}

int
sv_latest_read(struct sv_store *s, const char *name, char **version,
    struct sv_err *e)
{
	char *key = sv_key_latest(name);
	struct buf text;
	bool found;
	int status;

	*version = NULL;
	buf_init(&text);
	if ((status = sv_store_get_buf(s, key, &text, POINTER_MAX, &found, e)) ||
	    !found)
		goto out;
	if (!sv_pointer_parse(text.s ? text.s : "", text.len, version)) {
		status = sv_err_set(e, SV_INPUT, "store '%s': '%s' does not hold "
		    "a version (expected VERSION and a newline)", sv_store_url(s),
		    key);
		goto out;
	}
out:
	free(key);
	buf_release(&text);
	return status;
}

void
sv_time_format(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static bool
parse_time(const char *s, int64_t *t)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || (end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm)) == NULL ||
	    *end != '\0')
		return false;
	*t = (int64_t)timegm(&tm);
	return true;
}

/* The record's text: canonical JSON (keys in byte order), one line. */
static char *
record_text(const struct sv_record *r)
{
	struct sv_json *o = sv_json_object();
	char hex[SV_SHA256_HEX], when[32], *text;
	struct buf b;

	sv_json_set_str(o, "compression", sv_compression_name(r->compression));
	sv_json_set_str(o, "delta_from", r->delta_from);
	sv_json_set_str(o, "file", r->file);
	sv_json_set_str(o, "level", r->level);
	sv_sha256_hex(r->manifest, hex);
	sv_json_set_str(o, "manifest", hex);
	sv_json_set_int(o, "manifest_size", (int64_t)r->manifest_size);
	sv_json_set_str(o, "name", r->name);
	sv_sha256_hex(r->package, hex);
	sv_json_set_str(o, "package", hex);
	sv_json_set_str(o, "previous", r->previous);
	sv_time_format(r->published, when);
	sv_json_set_str(o, "published", when);
	sv_json_set_str(o, "schema", r->delta_from ? DELTA_SCHEMA :
	    RECORD_SCHEMA);
	sv_json_set_int(o, "size", (int64_t)r->size);
	sv_json_set_str(o, "version", r->version);
	text = sv_json_print(o);
	sv_json_free(o);
	buf_init(&b);
	buf_adds(&b, text);
	buf_addc(&b, '\n');
	free(text);
	return buf_detach(&b);
}

static char *
opt_str(const struct sv_json *o, const char *key)
{
	const char *s = sv_json_str(sv_json_get(o, key));

	return s ? xstrdup(s) : NULL;
}

int
sv_record_parse(const char *text, size_t len, const char *name,
    const char *version, const char *from, const char *what,
    struct sv_record *r, struct sv_err *e)
{
	struct sv_json *o = sv_json_parse_canonical(text, len, NULL, NULL, 0);
	const char *schema = sv_json_str(sv_json_get(o, "schema"));
	const char *comp = sv_json_str(sv_json_get(o, "compression"));
	int status = SV_OK;

	r->name = opt_str(o, "name");
	r->version = opt_str(o, "version");
	r->previous = opt_str(o, "previous");
	r->level = opt_str(o, "level");
	r->delta_from = opt_str(o, "delta_from");
	r->file = opt_str(o, "file");
	if (o == NULL || schema == NULL ||
	    strcmp(schema, from ? DELTA_SCHEMA : RECORD_SCHEMA) != 0 ||
	    r->name == NULL || strcmp(r->name, name) != 0 ||
	    r->version == NULL || strcmp(r->version, version) != 0 ||
	    (from ? r->delta_from == NULL || strcmp(r->delta_from, from) != 0 :
	    r->delta_from != NULL) ||
	    r->file == NULL || comp == NULL ||
	    (strcmp(comp, "gzip") != 0 && strcmp(comp, "zstd") != 0) ||
	    !sv_sha256_parse_hex(sv_json_str(sv_json_get(o, "manifest")),
	    r->manifest) ||
	    !sv_sha256_parse_hex(sv_json_str(sv_json_get(o, "package")),
	    r->package) ||
	    !sv_json_uint(sv_json_get(o, "manifest_size"), &r->manifest_size) ||
	    !sv_json_uint(sv_json_get(o, "size"), &r->size) ||
	    !parse_time(sv_json_str(sv_json_get(o, "published")),
	    &r->published))
		status = sv_err_set(e, SV_INPUT, "invalid %s record %s",
		    from ? "delta" : "release", what);
	else
		r->compression = strcmp(comp, "zstd") == 0 ? SV_COMPRESS_ZSTD :
		    SV_COMPRESS_GZIP;
	sv_json_free(o);
	return status;
}

/* Read the record at key: a version's (from NULL) or a delta's. */
static int
record_read(struct sv_store *s, const char *key, const char *name,
    const char *version, const char *from, struct sv_record *r, bool *found,
    struct sv_err *e)
{
	struct buf text, what;
	int status;

	buf_init(&text);
	buf_init(&what);
	if ((status = sv_store_get_buf(s, key, &text, RECORD_MAX, found, e)) ||
	    !*found)
		goto out;
	buf_addf(&what, "'%s' in store '%s'", key, sv_store_url(s));
	status = sv_record_parse(text.s ? text.s : "", text.len, name, version,
	    from, what.s, r, e);
	/* A reader that trusts keys takes no record without a signature by
	 * one of them over its exact bytes. */
	if (status == SV_OK && sv_store_trust(s) != NULL)
		status = sv_trust_check_record(sv_store_trust(s), s, name,
		    version, from, text.s ? text.s : "", text.len, e);
out:
	buf_release(&text);
	buf_release(&what);
	return status;
}

int
sv_record_read(struct sv_store *s, const char *name, const char *version,
    struct sv_record *r, bool *found, struct sv_err *e)
{
	char *key = sv_key_record(name, version);
	int status = record_read(s, key, name, version, NULL, r, found, e);

	free(key);
	return status;
}

int
sv_delta_read(struct sv_store *s, const char *name, const char *version,
    const char *from, struct sv_record *r, bool *found, struct sv_err *e)
{
	char *key = sv_key_delta(name, version, from);
	int status = record_read(s, key, name, version, from, r, found, e);

	free(key);
	return status;
}

struct collect {
	char **v;
	size_t n, alloc;
	const char *suffix; /* keep keys ending in this, without it */
	const char *prefix; /* strip this */
};

static int
collect_key(const char *key, void *data, struct sv_err *e)
{
	struct collect *c = data;
	size_t len = strlen(key), plen = strlen(c->prefix),
	    slen = strlen(c->suffix);

	(void)e;
	if (len < plen + slen + 1 || strncmp(key, c->prefix, plen) != 0 ||
	    strcmp(key + len - slen, c->suffix) != 0)
		return SV_OK;
	xgrow(&c->v, &c->alloc, c->n + 1, sizeof(*c->v));
	c->v[c->n++] = xstrndup(key + plen, len - plen - slen);
	return SV_OK;
}

static int
version_order(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	struct sv_version vx, vy;
	struct sv_err ignore;
	int okx, oky, c;

	sv_version_init(&vx);
	sv_version_init(&vy);
	okx = sv_version_parse(&vx, x, "", &ignore) == SV_OK;
	oky = sv_version_parse(&vy, y, "", &ignore) == SV_OK;
	if (okx && oky)
		c = sv_version_cmp(&vx, &vy);
	else
		c = okx != oky ? (okx ? 1 : -1) : 0;
	sv_version_release(&vx);
	sv_version_release(&vy);
	return c != 0 ? c : strcmp(x, y);
}

/* The versions named by the keys VERSION.json right under prefix,
 * oldest first. */
static int
list_versions(struct sv_store *s, const struct buf *prefix, char ***out,
    size_t *n, struct sv_err *e)
{
	struct collect c = { NULL, 0, 0, ".json", prefix->s };
	int status = sv_store_list(s, prefix->s, collect_key, &c, e);

	if (c.n > 1)
		qsort(c.v, c.n, sizeof(*c.v), version_order);
	*out = c.v;
	*n = c.n;
	return status;
}

int
sv_versions_list(struct sv_store *s, const char *name, char ***versions,
    size_t *n, struct sv_err *e)
{
	struct buf prefix;
	int status;

	buf_init(&prefix);
	buf_addf(&prefix, "releases/%s/", name);
	status = list_versions(s, &prefix, versions, n, e);
	buf_release(&prefix);
	return status;
}

int
sv_deltas_list(struct sv_store *s, const char *name, const char *version,
    char ***froms, size_t *n, struct sv_err *e)
{
	struct buf prefix;
	int status;

	buf_init(&prefix);
	buf_addf(&prefix, "deltas/%s/%s/", name, version);
	status = list_versions(s, &prefix, froms, n, e);
	buf_release(&prefix);
	return status;
}

int
sv_names_list(struct sv_store *s, char ***names, size_t *n,
    struct sv_err *e)
{
	struct collect c = { NULL, 0, 0, "/", "releases/" };
	struct collect p = { NULL, 0, 0, "-latest", "" };
	size_t i, j, k;
	int status;

	*names = NULL;
	*n = 0;
	if ((status = sv_store_list(s, "releases/", collect_key, &c, e)) ||
	    (status = sv_store_list(s, "", collect_key, &p, e)))
		goto fail;
	for (i = 0; i < p.n; i++) {
		xgrow(&c.v, &c.alloc, c.n + 1, sizeof(*c.v));
		c.v[c.n++] = p.v[i];
	}
	free(p.v);
	p.v = NULL;
	p.n = 0;
	if (c.n > 1)
		qsort(c.v, c.n, sizeof(*c.v), sv_str_cmp);
	for (i = 0, k = 0; i < c.n; i = j) {
		for (j = i + 1; j < c.n && strcmp(c.v[j], c.v[i]) == 0; j++)
			free(c.v[j]);
		c.v[k++] = c.v[i];
	}
	c.n = k;
	*names = c.v;
	*n = c.n;
	return SV_OK;
fail:
	for (i = 0; i < c.n; i++)
		free(c.v[i]);
	for (i = 0; i < p.n; i++)
		free(p.v[i]);
	free(c.v);
	free(p.v);
	return status;
}

void
sv_publish_result_init(struct sv_publish_result *r)
{
	memset(r, 0, sizeof(*r));
	sv_manifest_init(&r->m);
}

void
sv_publish_result_release(struct sv_publish_result *r)
{
	sv_manifest_release(&r->m);
	free(r->latest_before);
	sv_publish_result_init(r);
}

static bool
same(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

static int
moved(struct sv_err *e, const char *name, const char *cur,
    const char *expected)
{
	if (cur == NULL)
		sv_err_set(e, SV_MOVED, "store moved: %s has no latest version "
		    "(expected %s)", name, expected);
	else
		sv_err_set(e, SV_MOVED, "store moved: latest is %s (expected %s)",
		    cur, expected ? expected : "none: a first release");
	if (cur != NULL)
		return sv_err_hint(e, "build on %s, or give --expect-latest %s to "
		    "replace it", cur, cur);
	return sv_err_hint(e, "give --expect-empty to publish the first "
	    "release");
}

/* SHA-256 and size of a local file. */
struct hash_sink {
	struct sv_sha256 *h;
	uint64_t size;
};

static int
hash_sink(void *data, const void *p, size_t n, struct sv_err *e)
{
	struct hash_sink *hs = data;

	(void)e;
	sv_sha256_update(hs->h, p, n);
	hs->size += n;
	return SV_OK;
}

/* Is the object at key exactly d (size n)? */
static int
object_is(struct sv_store *s, const char *key,
    const unsigned char d[SV_SHA256_LEN], uint64_t n, bool *is,
    struct sv_err *e)
{
	struct hash_sink hs = { sv_sha256_new(), 0 };
	unsigned char got[SV_SHA256_LEN];
	bool found;
	int status = sv_store_get(s, key, hash_sink, &hs, &found, e);

	sv_sha256_final(hs.h, got);
	sv_sha256_free(hs.h);
	*is = status == SV_OK && found && hs.size == n &&
	    memcmp(got, d, SV_SHA256_LEN) == 0;
	return status;
}

/* Put a blob unless it is there (checking the size of one that is). */
static int
put_blob(struct sv_store *s, const unsigned char d[SV_SHA256_LEN],
    uint64_t size, const char *file, const void *mem,
    struct sv_publish_result *r, struct sv_err *e)
{
	char *key = sv_key_blob(d);
	uint64_t have = 0;
	bool found, created = false;
	int status;

	if ((status = sv_store_stat(s, key, &found, &have, e)))
		goto out;
	if (found && have != size) {
		status = sv_err_set(e, SV_INPUT, "store '%s': blob '%s' has %ju "
		    "bytes, not %ju: the store is damaged", sv_store_url(s), key,
		    (uintmax_t)have, (uintmax_t)size);
		goto out;
	}
	if (!found) {
		status = file ? sv_store_put_file(s, key, file, &created, e) :
		    sv_store_put(s, key, mem, (size_t)size, &created, e);
		if (status)
			goto out;
	}
	if (created) {
		r->uploaded++;
		r->uploaded_bytes += size;
	} else {
		r->present++;
	}
out:
	free(key);
	return status;
}

static int
put_compat(struct sv_store *s, const struct sv_publish_request *req,
    struct sv_publish_result *r, struct sv_err *e)
{
	const struct sv_manifest *m = &r->m;
	char *key = sv_key_compat(m->name, m->version, m->compression);
	bool created, is;
	int status;

	if ((status = sv_store_put_file(s, key, req->package, &created, e)))
		goto out;
	if (!created) {
		if ((status = object_is(s, key, m->sha256, m->size, &is, e)))
			goto out;
		if (!is)
			status = sv_err_set(e, SV_INPUT, "store '%s': '%s' exists "
			    "with other content", sv_store_url(s), key);
	}
out:
	free(key);
	return status;
}

/* The record publish writes for r->m. */
static void
record_of(const struct sv_publish_result *r, struct sv_record *rec)
{
	const struct sv_manifest *m = &r->m;

	rec->name = m->name;
	rec->version = m->version;
	rec->previous = m->previous;
	rec->level = m->level;
	rec->file = m->file;
	rec->compression = m->compression;
	memcpy(rec->manifest, r->manifest_sha256, SV_SHA256_LEN);
	memcpy(rec->package, m->sha256, SV_SHA256_LEN);
	rec->manifest_size = r->manifest_size;
	rec->size = m->size;
	rec->published = (int64_t)time(NULL);
}

/* Does the store already have this version, and with this content? */
static int
check_record(struct sv_store *s, const struct sv_publish_result *r,
    bool *exists, bool *differs, struct sv_err *e)
{
	struct sv_record have;
	char hex[SV_SHA256_HEX], hexhave[SV_SHA256_HEX];
	int status;

	sv_record_init(&have);
	*differs = false;
	status = sv_record_read(s, r->m.name, r->m.version, &have, exists, e);
	if (status == SV_OK && *exists &&
	    memcmp(have.manifest, r->manifest_sha256, SV_SHA256_LEN) != 0) {
		sv_sha256_hex(r->manifest_sha256, hex);
		sv_sha256_hex(have.manifest, hexhave);
		status = sv_err_set(e, SV_INPUT, "%s %s is already published with "
		    "other content (manifest %.12s, this one %.12s)", r->m.name,
		    r->m.version, hexhave, hex);
		sv_err_hint(e, "versions are immutable: publish a new version");
		*differs = true;
	}
	sv_record_release(&have);
	return status;
}

/* Under the lock: the pointer still as expected, the record, the move. */
static int
commit(struct sv_store *s, const struct sv_publish_request *req,
    const char *expected, struct sv_publish_result *r, const char *mtext,
    struct sv_err *e)
{
	const struct sv_manifest *m = &r->m;
	char *cur = NULL, *rkey = NULL, *rtext = NULL, *pkey = NULL;
	struct buf exp_text, new_text, now;
	struct sv_record rec;
	bool exists, differs, created, swapped, now_found;
	int status;

	buf_init(&exp_text);
	buf_init(&new_text);
	buf_init(&now);
	if ((status = sv_store_lock(s, e)) ||
	    (status = sv_latest_read(s, m->name, &cur, e)))
		goto out;
	if (same(cur, m->version)) {
		/* Someone else published this version: with this content,
		 * fine; with other content, the store moved under us. */
		status = check_record(s, r, &exists, &differs, e);
		if (differs && !same(cur, expected))
			status = moved(e, m->name, cur, expected);
		else if (status == SV_OK && exists)
			r->already = true;
		else if (status == SV_OK)
			status = sv_err_set(e, SV_INPUT, "store '%s': %s-latest "
			    "names %s, which has no record: the store is damaged",
			    sv_store_url(s), m->name, m->version);
		goto out;
	}
	if (!same(cur, expected)) {
		status = moved(e, m->name, cur, expected);
		goto out;
	}
	if ((status = check_record(s, r, &exists, &differs, e)))
		goto out;
	/* The copy after the checks: a publish that fails them leaves
	 * nothing but unreferenced blobs. */
	if (req->compat_names && (status = put_compat(s, req, r, e)))
		goto out;
	if (!exists) {
		/* gc may have removed blobs uploaded before the lock was
		 * taken: they must be there before the record names them. */
		struct sv_publish_result again;

		sv_publish_result_init(&again);
		status = put_blob(s, m->sha256, m->size, req->package, NULL,
		    &again, e);
		if (status == SV_OK)
			status = put_blob(s, r->manifest_sha256, r->manifest_size,
			    NULL, mtext, &again, e);
		sv_publish_result_release(&again);
		if (status)
			goto out;
		sv_record_init(&rec);
		record_of(r, &rec);
		rtext = record_text(&rec);
		rkey = sv_key_record(m->name, m->version);
		if ((status = sv_store_put(s, rkey, rtext, strlen(rtext),
		    &created, e)))
			goto out;
		r->record_created = created;
	}
	pkey = sv_key_latest(m->name);
	if (expected)
		buf_addf(&exp_text, "%s\n", expected);
	buf_addf(&new_text, "%s\n", m->version);
	if ((status = sv_store_cas(s, pkey, expected ? exp_text.s : NULL,
	    exp_text.len, new_text.s, new_text.len, &swapped, &now, &now_found,
	    e)))
		goto out;
	if (!swapped) {
		/* Not under a lock-less backend's race: say what is there. */
		free(cur);
		cur = NULL;
		if (now_found && now.len > 0)
			cur = xstrndup(now.s, now.len - (now.s[now.len - 1] == '\n'));
		status = moved(e, m->name, cur, expected);
		goto out;
	}
	r->moved = true;
out:
	sv_store_unlock(s);
	free(cur);
	free(rkey);
	free(rtext);
	free(pkey);
	buf_release(&exp_text);
	buf_release(&new_text);
	buf_release(&now);
	return status;
}

/*
 * A delta beside its whole release: it works only on nodes that run its
 * base, so it never becomes a version's record, let alone latest. It is
 * published before the whole release (whose publish moves the pointer),
 * so that a node that sees the pointer move finds it. The record is
 * written create-only; the same record again is fine.
 */
static int
publish_delta(struct sv_store *s, const struct sv_publish_request *req,
    struct sv_publish_result *r, const char *mtext, struct sv_err *e)
{
	const struct sv_manifest *m = &r->m;
	struct sv_record have, rec;
	char *key = NULL, *text = NULL, hex[SV_SHA256_HEX],
	    hexhave[SV_SHA256_HEX];
	bool found, created;
	int status;

	sv_record_init(&have);
	if ((status = sv_latest_read(s, m->name, &r->latest_before, e)))
		goto out;
	if ((status = sv_delta_read(s, m->name, m->version, m->delta_from,
	    &have, &found, e)))
		goto out;
	if (found) {
		if (memcmp(have.manifest, r->manifest_sha256, SV_SHA256_LEN) !=
		    0) {
			sv_sha256_hex(r->manifest_sha256, hex);
			sv_sha256_hex(have.manifest, hexhave);
			status = sv_err_set(e, SV_INPUT, "the delta of %s %s from "
			    "%s is already published with other content (manifest "
			    "%.12s, this one %.12s)", m->name, m->version,
			    m->delta_from, hexhave, hex);
		} else {
			r->already = true;
			r->delta = true;
		}
		goto out;
	}
	if ((status = put_blob(s, m->sha256, m->size, req->package, NULL, r,
	    e)) || (status = put_blob(s, r->manifest_sha256, r->manifest_size,
	    NULL, mtext, r, e)))
		goto out;
	sv_record_init(&rec);
	record_of(r, &rec);
	rec.delta_from = m->delta_from;
	text = record_text(&rec);
	key = sv_key_delta(m->name, m->version, m->delta_from);
	if ((status = sv_store_put(s, key, text, strlen(text), &created, e)))
		goto out;
	if (!created) {
		/* A racer wrote it between our read and our put. */
		sv_record_release(&have);
		if ((status = sv_delta_read(s, m->name, m->version,
		    m->delta_from, &have, &found, e)))
			goto out;
		if (!found || memcmp(have.manifest, r->manifest_sha256,
		    SV_SHA256_LEN) != 0) {
			status = sv_err_set(e, SV_INPUT, "the delta of %s %s from "
			    "%s was published meanwhile with other content",
			    m->name, m->version, m->delta_from);
			goto out;
		}
		r->already = true;
	}
	r->record_created = created;
	r->delta = true;
out:
	sv_record_release(&have);
	free(key);
	free(text);
	return status;
}

int
sv_publish(struct sv_store *s, const struct sv_publish_request *req,
    struct sv_publish_result *r, struct sv_err *e)
{
	struct sv_manifest *m = &r->m;
	struct buf mtext, what;
	unsigned char d[SV_SHA256_LEN];
	uint64_t size;
	const char *expected = NULL;
	char hex[SV_SHA256_HEX], mhex[SV_SHA256_HEX];
	bool exists, differs;
	int status;

	buf_init(&mtext);
	buf_init(&what);
	buf_addf(&what, "'%s'", req->manifest);
	if ((status = sv_read_file(req->manifest, &mtext, SV_MANIFEST_MAX, e)) ||
	    (status = sv_manifest_parse(m, mtext.s ? mtext.s : "", mtext.len,
	    what.s, e)))
		goto out;
	memcpy(r->manifest_sha256, m->self, SV_SHA256_LEN);
	r->manifest_size = mtext.len;
	if (req->name && strcmp(req->name, m->name) != 0) {
		status = sv_err_set(e, SV_USAGE, "--name %s, but the manifest says "
		    "%s", req->name, m->name);
		goto out;
	}
	if (req->version && (m->version == NULL ||
	    strcmp(req->version, m->version) != 0)) {
		status = sv_err_set(e, SV_USAGE, "--version %s, but the manifest "
		    "says %s", req->version, m->version ? m->version : "none");
		goto out;
	}
	if (m->version == NULL) {
		status = sv_err_set(e, SV_INPUT, "manifest '%s' has no version: "
		    "a published release needs one", req->manifest);
		sv_err_hint(e, "pack it with --version VERSION");
		goto out;
	}
	if ((status = sv_release_name_check(m->name, e))) {
		e->status = status = SV_INPUT;
		goto out;
	}
	if (!sv_version_is_canonical(m->version)) {
		status = sv_err_set(e, SV_INPUT, "manifest '%s': version '%s' is "
		    "not a canonical smoothver version", req->manifest,
		    m->version);
		goto out;
	}
	if ((status = sv_sha256_file(req->package, d, &size, e)))
		goto out;
	if (size != m->size || memcmp(d, m->sha256, SV_SHA256_LEN) != 0) {
		sv_sha256_hex(d, hex);
		sv_sha256_hex(m->sha256, mhex);
		status = sv_err_set(e, SV_INPUT, "package '%s' does not match its "
		    "manifest '%s': sha256 %s (%ju bytes), manifest says %s "
		    "(%ju bytes)", req->package, req->manifest, hex,
		    (uintmax_t)size, mhex, (uintmax_t)m->size);
		goto out;
	}
	if (m->delta_from != NULL) {
		status = publish_delta(s, req, r, mtext.s, e);
		goto out;
	}
	switch (req->expect) {
	case SV_EXPECT_PREVIOUS:
		expected = m->previous;
		break;
	case SV_EXPECT_VERSION:
		expected = req->expect_version;
		break;
	case SV_EXPECT_EMPTY:
		expected = NULL;
		break;
	}
	if ((status = sv_latest_read(s, m->name, &r->latest_before, e)))
		goto out;
	/* Cheap checks before any upload; commit() checks again under the
	 * lock. */
	if (same(r->latest_before, m->version)) {
		if ((status = check_record(s, r, &exists, &differs, e))) {
			if (differs && !same(r->latest_before, expected))
				status = moved(e, m->name, r->latest_before,
				    expected);
			goto out;
		}
		if (exists && (!req->compat_names ||
		    (status = put_compat(s, req, r, e)) == SV_OK))
			r->already = true;
		if (exists)
			goto out;
	} else if (!same(r->latest_before, expected)) {
		status = moved(e, m->name, r->latest_before, expected);
		goto out;
	} else if ((status = check_record(s, r, &exists, &differs, e))) {
		if (!differs)
			goto out;
		/* Another content's record while latest is still where we
		 * expect: a racer may be between its record and its pointer
		 * move. commit() decides under the lock. */
		sv_err_init(e);
		status = SV_OK;
	}
	if ((status = put_blob(s, m->sha256, m->size, req->package, NULL, r,
	    e)) || (status = put_blob(s, r->manifest_sha256, r->manifest_size,
	    NULL, mtext.s, r, e)))
		goto out;
	status = commit(s, req, expected, r, mtext.s, e);
out:
	buf_release(&mtext);
	buf_release(&what);
	return status;
}

int
sv_release_ref_parse(const char *ref, char **name, char **version,
    struct sv_err *e)
{
	const char *at = strrchr(ref, '@');
	char *n = at ? xstrndup(ref, (size_t)(at - ref)) : xstrdup(ref);
	int status;

	*name = *version = NULL;
	if ((status = sv_release_name_check(n, e))) {
		free(n);
		return status;
	}
	if (at != NULL && strcmp(at + 1, "latest") != 0 &&
	    sv_version_normalise(at + 1, "v", version, e)) {
		free(n);
		return e->status = SV_USAGE;
	}
	*name = n;
	return SV_OK;
}

int
sv_release_resolve(struct sv_store *s, const char *name, const char *version,
    struct sv_record *r, struct sv_err *e)
{
	char *latest = NULL;
	bool found;
	int status;

	if (version == NULL) {
		/* With trusted keys, latest is the signed statement's. */
		if ((status = sv_store_trust(s) != NULL ?
		    sv_trust_latest(sv_store_trust(s), s, name, &latest, e) :
		    sv_latest_read(s, name, &latest, e)))
			return status;
		if (latest == NULL)
			return sv_err_set(e, SV_INPUT, "store '%s' has no release "
			    "'%s'", sv_store_url(s), name);
		version = latest;
	}
	status = sv_record_read(s, name, version, r, &found, e);
	if (status == SV_OK && !found) {
		if (latest)
			status = sv_err_set(e, SV_INPUT, "store '%s': %s-latest "
			    "names %s, which has no record: the store is damaged",
			    sv_store_url(s), name, version);
		else
			status = sv_err_set(e, SV_INPUT, "store '%s' has no "
			    "release %s@%s", sv_store_url(s), name, version);
	}
	free(latest);
	return status;
}

int
sv_record_manifest(struct sv_store *s, const struct sv_record *r,
    struct sv_manifest *m, struct sv_err *e)
{
	char *key = sv_key_blob(r->manifest);
	unsigned char d[SV_SHA256_LEN];
	struct buf text, what;
	bool found;
	int status;

	buf_init(&text);
	buf_init(&what);
	buf_addf(&what, "of %s@%s", r->name, r->version);
	/* The record says how large the manifest is: nothing larger is read
	 * (the limited read stops at that size), let alone parsed. */
	if (r->manifest_size > SV_MANIFEST_MAX) {
		status = sv_err_set(e, SV_INPUT, "store '%s': the record of "
		    "%s@%s gives its manifest %ju bytes, more than the %zu "
		    "a manifest may have", sv_store_url(s), r->name, r->version,
		    (uintmax_t)r->manifest_size, SV_MANIFEST_MAX);
		goto out;
	}
	if ((status = sv_store_get_buf(s, key, &text,
	    (size_t)r->manifest_size, &found, e)))
		goto out;
	if (!found) {
		status = sv_err_set(e, SV_INPUT, "store '%s': the manifest of "
		    "%s@%s ('%s') is missing", sv_store_url(s), r->name,
		    r->version, key);
		goto out;
	}
	sv_sha256(text.s ? text.s : "", text.len, d);
	if (memcmp(d, r->manifest, SV_SHA256_LEN) != 0 ||
	    text.len != r->manifest_size) {
		status = sv_err_set(e, SV_INPUT, "store '%s': the manifest of "
		    "%s@%s ('%s') does not match its digest", sv_store_url(s),
		    r->name, r->version, key);
		goto out;
	}
	if ((status = sv_manifest_parse(m, text.s ? text.s : "", text.len,
	    what.s, e)))
		goto out;
	if (strcmp(m->name, r->name) != 0 || m->version == NULL ||
	    strcmp(m->version, r->version) != 0 ||
	    memcmp(m->sha256, r->package, SV_SHA256_LEN) != 0 ||
	    m->size != r->size)
		status = sv_err_set(e, SV_INPUT, "store '%s': the manifest of "
		    "%s@%s describes another release or package",
		    sv_store_url(s), r->name, r->version);
	else if (r->delta_from != NULL && (m->delta_from == NULL ||
	    strcmp(m->delta_from, r->delta_from) != 0))
		status = sv_err_set(e, SV_INPUT, "store '%s': the manifest of "
		    "the delta of %s@%s from %s is not that delta",
		    sv_store_url(s), r->name, r->version, r->delta_from);
	else if (r->delta_from == NULL && m->delta_from != NULL)
		status = sv_err_set(e, SV_INPUT, "store '%s': %s@%s is a delta "
		    "package (from %s), not a whole release", sv_store_url(s),
		    r->name, r->version, m->delta_from);
out:
	buf_release(&text);
	buf_release(&what);
	free(key);
	return status;
}

char *
sv_store_default_url(void)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	struct buf b;

	buf_init(&b);
	if (xdg != NULL && *xdg == '/')
		buf_addf(&b, "%s/smoothver/store", xdg);
	else
		buf_addf(&b, "%s/.local/share/smoothver/store",
		    home && *home ? home : ".");
	return buf_detach(&b);
}
