/*
 * trust.c - signing and checking releases in a store (see trust.h).
 */
#include "config.h"

#include "core/trust.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "adapt/json.h"
#include "adapt/sha256.h"
#include "base/buf.h"
#include "base/outfile.h"
#include "base/xalloc.h"
#include "core/store.h"
#include "core/version.h"

#define SIG_SCHEMA "smoothver.signature/1"
#define LATEST_SCHEMA "smoothver.latest/1"
#define SIG_MAX 4096

void
sv_trust_init(struct sv_trust *t)
{
	memset(t, 0, sizeof(*t));
}

void
sv_trust_release(struct sv_trust *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		sv_key_free(t->keys[i]);
	free(t->keys);
	free(t->ids);
	free(t->state_dir);
	sv_trust_init(t);
}

struct sv_trust *
sv_trust_new(void)
{
	struct sv_trust *t = xmalloc(sizeof(*t));

	sv_trust_init(t);
	return t;
}

void
sv_trust_free(struct sv_trust *t)
{
	if (t == NULL)
		return;
	sv_trust_release(t);
	free(t);
}

int
sv_trust_add(struct sv_trust *t, const char *path, struct sv_err *e)
{
	struct sv_key *k;
	struct buf text;
	int status;

	buf_init(&text);
	if ((status = sv_read_file(path, &text, 1 << 16, e))) {
		buf_release(&text);
		return status;
	}
	k = sv_key_read(text.s ? text.s : "", text.len, path, 0, e);
	buf_release(&text);
	if (k == NULL)
		return e->status;
	t->keys = xrealloc(t->keys, (t->n + 1) * sizeof(*t->keys));
	t->ids = xrealloc(t->ids, (t->n + 1) * sizeof(*t->ids));
	t->keys[t->n] = k;
	sv_key_id(k, t->ids[t->n]);
	t->n++;
	return SV_OK;
}

char *
sv_trust_default_state_dir(void)
{
	const char *env = getenv("SMOOTHVER_STATE_DIR");
	const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	struct buf b;

	buf_init(&b);
	if (env != NULL && *env != '\0')
		buf_adds(&b, env);
	else if (xdg != NULL && *xdg == '/')
		buf_addf(&b, "%s/smoothver", xdg);
	else
		buf_addf(&b, "%s/.local/state/smoothver", home ? home : ".");
	return buf_detach(&b);
}

/* ---- hex ---- */

static void
hex_of(const unsigned char *p, size_t n, struct buf *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf_addf(out, "%02x", p[i]);
}

static int
hex_val(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ?
	    c - 'a' + 10 : -1;
}

static int
from_hex(const char *s, unsigned char *out, size_t n)
{
	size_t i;

	if (s == NULL || strlen(s) != 2 * n)
		return 0;
	for (i = 0; i < n; i++) {
		int a = hex_val(s[2 * i]), b = hex_val(s[2 * i + 1]);

		if (a < 0 || b < 0)
			return 0;
		out[i] = (unsigned char)(a << 4 | b);
	}
	return 1;
}

/* ---- keys in the store ---- */

static char *
sig_key(const char *name, const char *version, const char *from,
    const char *id)
{
	struct buf b;

	buf_init(&b);
	if (from != NULL)
		buf_addf(&b, "sigs/%s/%s/from-%s.%s.sig", name, version, from, id);
	else
		buf_addf(&b, "sigs/%s/%s/%s.sig", name, version, id);
	return buf_detach(&b);
}

static char *
latest_sig_key(const char *name)
{
	struct buf b;

	buf_init(&b);
	buf_addf(&b, "%s-latest.sig", name);
	return buf_detach(&b);
}

static const char *
what_of(const char *name, const char *version, const char *from,
    struct buf *b)
{
	buf_reset(b);
	if (from != NULL)
		buf_addf(b, "the delta of %s@%s from %s", name, version, from);
	else
		buf_addf(b, "%s@%s", name, version);
	return b->s;
}

static void
ids_text(const struct sv_trust *t, struct buf *b)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		buf_addf(b, "%s%s", i ? ", " : "", t->ids[i]);
}

int
sv_trust_check_record(const struct sv_trust *t, struct sv_store *s,
    const char *name, const char *version, const char *from,
    const char *text, size_t len, struct sv_err *e)
{
	struct buf what, sig, ids;
	size_t i;
	int status = SV_OK, found_any = 0;

	buf_init(&what);
	buf_init(&sig);
	buf_init(&ids);
	what_of(name, version, from, &what);
	for (i = 0; i < t->n; i++) {
		char *key = sig_key(name, version, from, t->ids[i]);
		unsigned char raw[SV_SIG_LEN];
		struct sv_json *o;
		bool found;

		buf_reset(&sig);
		status = sv_store_get_buf(s, key, &sig, SIG_MAX, &found, e);
		free(key);
		if (status)
			goto out;
		if (!found)
			continue;
		found_any = 1;
		o = sv_json_parse(sig.s ? sig.s : "", sig.len);
		if (o != NULL && sv_json_str(sv_json_get(o, "schema")) != NULL &&
		    strcmp(sv_json_str(sv_json_get(o, "schema")),
		    SIG_SCHEMA) == 0 &&
		    from_hex(sv_json_str(sv_json_get(o, "signature")), raw,
		    SV_SIG_LEN) &&
		    sv_key_verify(t->keys[i], text, len, raw)) {
			sv_json_free(o);
			goto out;
		}
		sv_json_free(o);
		status = sv_err_set(e, SV_INPUT, "store '%s': the signature of %s "
		    "by key %s does not match its record: the store was "
		    "tampered with", sv_store_url(s), what.s, t->ids[i]);
		goto out;
	}
	ids_text(t, &ids);
	(void)found_any;
	status = sv_err_set(e, SV_INPUT, "store '%s': %s is not signed by a "
	    "trusted key", sv_store_url(s), what.s);
	sv_err_hint(e, "trusted keys: %s; the publisher signs with "
	    "smoothver publish --sign KEY", ids.s);
out:
	buf_release(&what);
	buf_release(&sig);
	buf_release(&ids);
	return status;
}

/* The text a latest statement signs: its members but the signature, as
 * canonical JSON. */
static char *
latest_text(const char *name, const char *version, const char *signed_at,
    const char *expires, const char *key)
{
	struct sv_json *o = sv_json_object();
	char *text;

	sv_json_set_str(o, "expires", expires);
	sv_json_set_str(o, "key", key);
	sv_json_set_str(o, "name", name);
	sv_json_set_str(o, "schema", LATEST_SCHEMA);
	sv_json_set_str(o, "signed", signed_at);
	sv_json_set_str(o, "version", version);
	text = sv_json_print(o);
	sv_json_free(o);
	return text;
}

static int
parse_utc(const char *s, int64_t *t)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || (end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm)) == NULL ||
	    *end != '\0')
		return 0;
	*t = (int64_t)timegm(&tm);
	return 1;
}

/* STATE/seen/STORE-ID: the store's id is the start of the SHA-256 of its
 * URL. */
static char *
seen_path(const struct sv_trust *t, struct sv_store *s, const char *name)
{
	unsigned char d[SV_SHA256_LEN];
	char hex[SV_SHA256_HEX], *abs = NULL;
	const char *url = sv_store_url(s);
	struct buf b;

	/* A local store by its absolute path: two stores given as "st" in
	 * two directories are two stores. */
	if (strstr(url, "://") == NULL && (abs = realpath(url, NULL)) != NULL)
		url = abs;
	sv_sha256(url, strlen(url), d);
	free(abs);
	sv_sha256_hex(d, hex);
	buf_init(&b);
	buf_addf(&b, "%s/seen/%.16s/%s", t->state_dir, hex, name);
	return buf_detach(&b);
}

static int
mkdirs(const char *path)
{
	char *p = xstrdup(path), *q;

	for (q = p + 1; *q; q++) {
		if (*q != '/')
			continue;
		*q = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST) {
			free(p);
			return -1;
		}
		*q = '/';
	}
	free(p);
	return 0;
}

int
sv_trust_latest(const struct sv_trust *t, struct sv_store *s,
    const char *name, char **version, struct sv_err *e)
{
	char *key = latest_sig_key(name), *signed_text = NULL, *seen = NULL;
	const char *v, *at, *exp, *id, *sighex;
	unsigned char raw[SV_SIG_LEN];
	struct sv_json *o = NULL;
	struct buf text, old;
	int64_t expires, now = (int64_t)time(NULL);
	size_t i;
	bool found;
	int status;

	*version = NULL;
	buf_init(&text);
	buf_init(&old);
	if ((status = sv_store_get_buf(s, key, &text, SIG_MAX, &found, e)))
		goto out;
	if (!found) {
		status = sv_err_set(e, SV_INPUT, "store '%s': the latest of %s is "
		    "not signed ('%s' is missing)", sv_store_url(s), name, key);
		sv_err_hint(e, "the publisher signs with smoothver publish "
		    "--sign KEY");
		goto out;
	}
	o = sv_json_parse(text.s ? text.s : "", text.len);
	v = sv_json_str(sv_json_get(o, "version"));
	at = sv_json_str(sv_json_get(o, "signed"));
	exp = sv_json_str(sv_json_get(o, "expires"));
	id = sv_json_str(sv_json_get(o, "key"));
	sighex = sv_json_str(sv_json_get(o, "signature"));
	if (o == NULL || v == NULL || at == NULL || exp == NULL || id == NULL ||
	    sv_json_str(sv_json_get(o, "name")) == NULL ||
	    strcmp(sv_json_str(sv_json_get(o, "name")), name) != 0 ||
	    !sv_version_is_canonical(v) || !parse_utc(exp, &expires) ||
	    !from_hex(sighex, raw, SV_SIG_LEN)) {
		status = sv_err_set(e, SV_INPUT, "store '%s': '%s' is not the "
		    "signed latest of %s", sv_store_url(s), key, name);
		goto out;
	}
	for (i = 0; i < t->n; i++)
		if (strcmp(t->ids[i], id) == 0)
			break;
	if (i == t->n) {
		struct buf ids;

		buf_init(&ids);
		ids_text(t, &ids);
		status = sv_err_set(e, SV_INPUT, "store '%s': the latest of %s is "
		    "signed by key %s, which is not trusted", sv_store_url(s),
		    name, id);
		sv_err_hint(e, "trusted keys: %s", ids.s);
		buf_release(&ids);
		goto out;
	}
	signed_text = latest_text(name, v, at, exp, id);
	if (!sv_key_verify(t->keys[i], signed_text, strlen(signed_text), raw)) {
		status = sv_err_set(e, SV_INPUT, "store '%s': the signature of the "
		    "latest of %s does not match it: the store was tampered "
		    "with", sv_store_url(s), name);
		goto out;
	}
	if (now >= expires) {
		status = sv_err_set(e, SV_INPUT, "store '%s': the signed latest of "
		    "%s (%s) expired at %s: the store is frozen", sv_store_url(s),
		    name, v, exp);
		sv_err_hint(e, "the publisher re-signs it with smoothver publish "
		    "--sign KEY");
		goto out;
	}
	seen = seen_path(t, s, name);
	if (access(seen, F_OK) == 0) {
		struct sv_version sv_old, sv_new;
		struct sv_err ignore;
		char *nl;

		if ((status = sv_read_file(seen, &old, 4096, e)))
			goto out;
		if (old.s != NULL && (nl = strchr(old.s, '\n')) != NULL)
			*nl = '\0';
		sv_version_init(&sv_old);
		sv_version_init(&sv_new);
		if (old.s != NULL &&
		    sv_version_parse(&sv_old, old.s, "", &ignore) == SV_OK &&
		    sv_version_parse(&sv_new, v, "", &ignore) == SV_OK &&
		    sv_version_cmp(&sv_new, &sv_old) < 0)
			status = sv_err_set(e, SV_INPUT, "store '%s': the signed "
			    "latest of %s is %s, older than %s, which this machine "
			    "saw there before: a rollback is refused",
			    sv_store_url(s), name, v, old.s);
		sv_version_release(&sv_old);
		sv_version_release(&sv_new);
		if (status) {
			sv_err_hint(e, "remove '%s' only if the release was rolled "
			    "back on purpose", seen);
			goto out;
		}
		if (old.s != NULL && strcmp(old.s, v) == 0)
			goto done;
	}
	{
		struct buf line;

		buf_init(&line);
		buf_addf(&line, "%s\n", v);
		if (mkdirs(seen) < 0)
			status = sv_err_set(e, SV_INPUT, "cannot create the state "
			    "directory of '%s': %s", seen, strerror(errno));
		else
			status = sv_write_file(seen, line.s, line.len, e);
		buf_release(&line);
		if (status)
			goto out;
	}
done:
	*version = xstrdup(v);
out:
	sv_json_free(o);
	free(signed_text);
	free(seen);
	free(key);
	buf_release(&text);
	buf_release(&old);
	return status;
}

int
sv_trust_sign_record(const struct sv_key *k, struct sv_store *s,
    const char *name, const char *version, const char *from,
    const char *text, size_t len, struct sv_err *e)
{
	char id[SV_KEY_ID_LEN + 1], *key, *doc_text;
	unsigned char raw[SV_SIG_LEN];
	struct sv_json *o;
	struct buf b, hex;
	bool created;
	int status;

	sv_key_id(k, id);
	if ((status = sv_key_sign(k, text, len, raw, e)))
		return status;
	buf_init(&hex);
	hex_of(raw, SV_SIG_LEN, &hex);
	o = sv_json_object();
	sv_json_set_str(o, "delta_from", from);
	sv_json_set_str(o, "key", id);
	sv_json_set_str(o, "name", name);
	sv_json_set_str(o, "schema", SIG_SCHEMA);
	sv_json_set_str(o, "signature", hex.s);
	sv_json_set_str(o, "version", version);
	doc_text = sv_json_print(o);
	buf_init(&b);
	buf_addf(&b, "%s\n", doc_text);
	key = sig_key(name, version, from, id);
	/* Ed25519 is deterministic: a signature already there by this key
	 * is this one. */
	status = sv_store_put(s, key, b.s, b.len, &created, e);
	free(key);
	free(doc_text);
	sv_json_free(o);
	buf_release(&b);
	buf_release(&hex);
	return status;
}

int
sv_trust_sign_latest(const struct sv_key *k, struct sv_store *s,
    const char *name, const char *version, int64_t expires,
    struct sv_err *e)
{
	char id[SV_KEY_ID_LEN + 1], at[32], until[32], *text, *key;
	unsigned char raw[SV_SIG_LEN];
	struct buf hex, doc, cur, now_text;
	struct sv_json *o;
	bool swapped = false, found, now_found;
	int64_t now = (int64_t)time(NULL);
	int status, tries;

	sv_key_id(k, id);
	sv_time_format(now, at);
	sv_time_format(now + expires, until);
	text = latest_text(name, version, at, until, id);
	if ((status = sv_key_sign(k, text, strlen(text), raw, e))) {
		free(text);
		return status;
	}
	free(text);
	buf_init(&hex);
	hex_of(raw, SV_SIG_LEN, &hex);
	o = sv_json_object();
	sv_json_set_str(o, "expires", until);
	sv_json_set_str(o, "key", id);
	sv_json_set_str(o, "name", name);
	sv_json_set_str(o, "schema", LATEST_SCHEMA);
	sv_json_set_str(o, "signature", hex.s);
	sv_json_set_str(o, "signed", at);
	sv_json_set_str(o, "version", version);
	text = sv_json_print(o);
	sv_json_free(o);
	buf_init(&doc);
	buf_addf(&doc, "%s\n", text);
	free(text);
	buf_init(&cur);
	buf_init(&now_text);
	key = latest_sig_key(name);
	/* Replace whatever is there: read it, swap it if unchanged. */
	for (tries = 0; tries < 5; tries++) {
		buf_reset(&cur);
		if ((status = sv_store_get_buf(s, key, &cur, SIG_MAX, &found, e)))
			break;
		if ((status = sv_store_cas(s, key, found ? cur.s : NULL,
		    found ? cur.len : 0, doc.s, doc.len, &swapped, &now_text,
		    &now_found, e)) || swapped)
			break;
	}
	if (status == SV_OK && !swapped)
		status = sv_err_set(e, SV_INPUT, "store '%s': '%s' keeps changing "
		    "under us", sv_store_url(s), key);
	free(key);
	buf_release(&hex);
	buf_release(&doc);
	buf_release(&cur);
	buf_release(&now_text);
	return status;
}
