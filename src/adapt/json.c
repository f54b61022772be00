#include "config.h"

#include "adapt/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "base/buf.h"
#include "base/utf8.h"
#include "base/xalloc.h"

/* struct sv_json is never defined: the pointers are cJSON nodes. */
#define J(p) ((cJSON *)(void *)(p))
#define S(p) ((struct sv_json *)(void *)(p))

static cJSON *
must(cJSON *node)
{
	if (node == NULL) {
		fprintf(stderr, "smoothver: fatal: out of memory building JSON\n");
		abort();
	}
	return node;
}

struct sv_json *
sv_json_object(void)
{
	return S(must(cJSON_CreateObject()));
}

struct sv_json *
sv_json_array(void)
{
	return S(must(cJSON_CreateArray()));
}

void
sv_json_set(struct sv_json *o, const char *key, struct sv_json *child)
{
	cJSON_AddItemToObject(J(o), key, J(child));
}

void
sv_json_set_str(struct sv_json *o, const char *key, const char *val)
{
	if (val == NULL)
		sv_json_set_null(o, key);
	else
		sv_json_set(o, key, S(must(cJSON_CreateString(val))));
}

struct sv_json *
sv_json_string(const char *s)
{
	return S(must(cJSON_CreateString(s)));
}

/* Length of the valid UTF-8 sequence at p (NUL-terminated), or 0. */
static size_t
utf8_seq(const unsigned char *p)
{
	return sv_utf8_seq(p, strnlen((const char *)p, 4));
}

bool
sv_utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n = utf8_seq(p);

		if (n == 0)
			return false;
		p += n;
	}
	return true;
}

void
sv_json_set_bytes(struct sv_json *o, const char *key, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	struct buf lit;

	if (s == NULL || sv_utf8_valid(s)) {
		sv_json_set_str(o, key, s);
		return;
	}
	buf_init(&lit);
	buf_addc(&lit, '"');
	while (*p) {
		size_t n = utf8_seq(p);

		if (n == 0) {
			buf_addf(&lit, "\\udc%02x", *p);
			p++;
		} else if (n == 1 && (*p < 0x20 || *p == '"' || *p == '\\')) {
			if (*p == '"' || *p == '\\')
				buf_addf(&lit, "\\%c", *p);
			else if (*p == '\n')
				buf_adds(&lit, "\\n");
			else if (*p == '\t')
				buf_adds(&lit, "\\t");
			else
				buf_addf(&lit, "\\u%04x", *p);
			p++;
		} else {
			buf_add(&lit, p, n);
			p += n;
		}
	}
	buf_addc(&lit, '"');
	sv_json_set(o, key, S(must(cJSON_CreateRaw(lit.s))));
	buf_release(&lit);
}

void
sv_json_set_int(struct sv_json *o, const char *key, int64_t val)
{
	/* cJSON stores numbers as doubles: exact up to 2^53, which covers
	 * every count and time smoothver writes. */
	sv_json_set(o, key, S(must(cJSON_CreateNumber((double)val))));
}

void
sv_json_set_num(struct sv_json *o, const char *key, double val)
{
	sv_json_set(o, key, S(must(cJSON_CreateNumber(val))));
}

void
sv_json_set_bool(struct sv_json *o, const char *key, bool val)
{
	sv_json_set(o, key, S(must(cJSON_CreateBool(val))));
}

void
sv_json_set_null(struct sv_json *o, const char *key)
{
	sv_json_set(o, key, S(must(cJSON_CreateNull())));
}

void
sv_json_push(struct sv_json *a, struct sv_json *child)
{
	cJSON_AddItemToArray(J(a), J(child));
}

char *
sv_json_print(const struct sv_json *j)
{
	char *s = cJSON_PrintUnformatted(J(j)), *copy;

	if (s == NULL) {
		fprintf(stderr, "smoothver: fatal: out of memory printing JSON\n");
		abort();
	}
	copy = xstrdup(s);
	cJSON_free(s);
	return copy;
}

void
sv_json_free(struct sv_json *j)
{
	cJSON_Delete(J(j));
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Inside strings, turn each \udcXX (XX at least 80) back into its byte:
 * cJSON refuses lone surrogates, and these stand for raw bytes. */
static char *
unescape_bytes(const char *text, size_t n)
{
	char *out = xmalloc(n + 1), *o = out;
	size_t i = 0;
	bool in_str = false;

	while (i < n) {
		char c = text[i];

		if (!in_str) {
			if (c == '"')
				in_str = true;
			*o++ = c;
			i++;
			continue;
		}
		if (c == '"') {
			in_str = false;
			*o++ = c;
			i++;
		} else if (c == '\\' && i + 5 < n && text[i + 1] == 'u' &&
		    (text[i + 2] == 'd' || text[i + 2] == 'D') &&
		    (text[i + 3] == 'c' || text[i + 3] == 'C') &&
		    hexval(text[i + 4]) >= 8 && hexval(text[i + 5]) >= 0) {
			*o++ = (char)(hexval(text[i + 4]) * 16 +
			    hexval(text[i + 5]));
			i += 6;
		} else if (c == '\\' && i + 1 < n) {
			*o++ = c;
			*o++ = text[i + 1];
			i += 2;
		} else {
			*o++ = c;
			i++;
		}
	}
	*o = '\0';
	return out;
}

struct sv_json *
sv_json_parse(const char *text, size_t n)
{
	char *copy;
	const char *end = NULL;
	cJSON *root;

	if (memchr(text, '\0', n) != NULL)
		return NULL;
	copy = unescape_bytes(text, n);
	root = cJSON_ParseWithOpts(copy, &end, 1);
	free(copy);
	return S(root);
}

/* The text-level rules of sv_json_parse_canonical: UTF-8, no \u0000, whole
 * numbers. NULL if they hold, else what is wrong. */
static const char *
canonical_text(const char *text, size_t n)
{
	size_t i = 0;
	bool in_str = false;

	while (i < n) {
		unsigned char c = (unsigned char)text[i];
		size_t len = c < 0x80 ? 1 : sv_utf8_seq(text + i, n - i);

		if (len == 0)
			return "not valid UTF-8";
		if (in_str) {
			if (c == '"') {
				in_str = false;
			} else if (c == '\\' && i + 1 < n) {
				if (text[i + 1] == 'u' && i + 5 < n &&
				    text[i + 2] == '0' && text[i + 3] == '0' &&
				    text[i + 4] == '0' && text[i + 5] == '0')
					return "a string holds U+0000 (\\u0000)";
				len = 2;
			}
		} else if (c == '"') {
			in_str = true;
		} else if (c == '-' || (c >= '0' && c <= '9')) {
			size_t j = i + 1;

			while (j < n && ((text[j] >= '0' && text[j] <= '9') ||
			    text[j] == '.' || text[j] == 'e' || text[j] == 'E' ||
			    text[j] == '+' || text[j] == '-')) {
				if (text[j] == '.' || text[j] == 'e' ||
				    text[j] == 'E')
					return "a number is not whole (a fraction "
					    "or an exponent)";
				j++;
			}
			len = j - i;
		}
		i += len;
	}
	return NULL;
}

/* The first key that repeats in an object of the tree at node, or NULL. */
static const char *
repeated_key(const cJSON *node)
{
	const cJSON *c, *d;
	bool object = cJSON_IsObject(node);

	for (c = node->child; c != NULL; c = c->next) {
		const char *k;

		if (object)
			for (d = c->next; d != NULL; d = d->next)
				if (strcmp(c->string, d->string) == 0)
					return c->string;
		if ((c->child != NULL) && (k = repeated_key(c)) != NULL)
			return k;
	}
	return NULL;
}

struct sv_json *
sv_json_parse_canonical(const char *text, size_t n, const char **why,
    char *keybuf, size_t keylen)
{
	struct sv_json *doc;
	const char *bad, *k;

	if (keylen > 0)
		keybuf[0] = '\0';
	if (memchr(text, '\0', n) != NULL) {
		if (why)
			*why = "a NUL byte in the text";
		return NULL;
	}
	if ((bad = canonical_text(text, n)) != NULL) {
		if (why)
			*why = bad;
		return NULL;
	}
	if ((doc = sv_json_parse(text, n)) == NULL) {
		if (why)
			*why = "not valid JSON";
		return NULL;
	}
	if ((k = repeated_key(J(doc))) != NULL) {
		if (keylen > 0)
			snprintf(keybuf, keylen, "%s", k);
		if (why)
			*why = "a key repeats in an object";
		sv_json_free(doc);
		return NULL;
	}
	return doc;
}

struct sv_json *
sv_json_get(const struct sv_json *o, const char *key)
{
	if (o == NULL || !cJSON_IsObject(J(o)))
		return NULL;
	return S(cJSON_GetObjectItemCaseSensitive(J(o), key));
}

const char *
sv_json_str(const struct sv_json *j)
{
	if (j == NULL || !cJSON_IsString(J(j)))
		return NULL;
	return J(j)->valuestring;
}

bool
sv_json_is_bool(const struct sv_json *j)
{
	return j != NULL && cJSON_IsBool(J(j));
}

bool
sv_json_bool(const struct sv_json *j)
{
	return j != NULL && cJSON_IsTrue(J(j));
}

bool
sv_json_is_null(const struct sv_json *j)
{
	return j != NULL && cJSON_IsNull(J(j));
}

bool
sv_json_uint(const struct sv_json *j, uint64_t *out)
{
	double d;

	if (j == NULL || !cJSON_IsNumber(J(j)))
		return false;
	d = J(j)->valuedouble;
	if (!(d >= 0 && d <= 9007199254740992.0) || (double)(uint64_t)d != d)
		return false;
	*out = (uint64_t)d;
	return true;
}

bool
sv_json_is_array(const struct sv_json *j)
{
	return j != NULL && cJSON_IsArray(J(j));
}

struct sv_json *
sv_json_first(const struct sv_json *a)
{
	if (a == NULL || !cJSON_IsArray(J(a)))
		return NULL;
	return S(J(a)->child);
}

struct sv_json *
sv_json_next(const struct sv_json *j)
{
	return j == NULL ? NULL : S(J(j)->next);
}
