/*
 * term.c - the Erlang term tree: construction, comparison, accessors.
 * The text reader and writer are in term_text.c.
 */
#include "config.h"

#include "otp/term.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"
#include "base/xalloc.h"

struct sv_term *
sv_term_new(enum sv_term_kind kind)
{
	struct sv_term *t = xcalloc(1, sizeof(*t));

	t->kind = kind;
	return t;
}

struct sv_term *
sv_term_int(int64_t i)
{
	struct sv_term *t = sv_term_new(SV_TERM_INT);

	t->i = i;
	return t;
}

static struct sv_term *
with_bytes(enum sv_term_kind kind, const void *p, size_t len)
{
	struct sv_term *t = sv_term_new(kind);

	t->s = xmalloc(len + 1);
	if (len > 0)
		memcpy(t->s, p, len);
	t->s[len] = '\0';
	t->len = len;
	return t;
}

struct sv_term *
sv_term_atom(const char *name)
{
	return with_bytes(SV_TERM_ATOM, name, strlen(name));
}

struct sv_term *
sv_term_string(const char *utf8)
{
	return with_bytes(SV_TERM_STRING, utf8, strlen(utf8));
}

struct sv_term *
sv_term_binary(const void *p, size_t len)
{
	return with_bytes(SV_TERM_BINARY, p, len);
}

struct sv_term *
sv_term_tuple(void)
{
	return sv_term_new(SV_TERM_TUPLE);
}

struct sv_term *
sv_term_list(void)
{
	return sv_term_new(SV_TERM_LIST);
}

struct sv_term *
sv_term_push(struct sv_term *parent, struct sv_term *child)
{
	xgrow(&parent->v, &parent->alloc, parent->n + 1, sizeof(*parent->v));
	parent->v[parent->n++] = child;
	return parent;
}

struct sv_term *
sv_term_tuplev(size_t n, ...)
{
	struct sv_term *t = sv_term_tuple();
	va_list ap;
	size_t i;

	va_start(ap, n);
	for (i = 0; i < n; i++)
		sv_term_push(t, va_arg(ap, struct sv_term *));
	va_end(ap);
	return t;
}

struct sv_term *
sv_term_copy(const struct sv_term *t)
{
	struct sv_term *c;
	size_t i;

	if (t == NULL)
		return NULL;
	c = sv_term_new(t->kind);
	c->i = t->i;
	c->f = t->f;
	c->bits = t->bits;
	c->line = t->line;
	c->col = t->col;
	if (t->s != NULL) {
		c->s = xmalloc(t->len + 1);
		memcpy(c->s, t->s, t->len + 1);
		c->len = t->len;
	}
	for (i = 0; i < t->n; i++)
		sv_term_push(c, sv_term_copy(t->v[i]));
	c->tail = sv_term_copy(t->tail);
	return c;
}

void
sv_term_free(struct sv_term *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++)
		sv_term_free(t->v[i]);
	free(t->v);
	sv_term_free(t->tail);
	free(t->s);
	free(t);
}

/* Decode one UTF-8 code point at *p (n bytes left), advancing; -1 if
 * invalid. */
static long
utf8_next(const unsigned char **p, size_t *n)
{
	uint32_t c;
	size_t len = sv_utf8_decode(*p, *n, &c);

	if (len == 0)
		return -1;
	*p += len;
	*n -= len;
	return (long)c;
}

size_t
sv_term_list_len(const struct sv_term *t)
{
	if (t->kind == SV_TERM_STRING) {
		const unsigned char *p = (const unsigned char *)t->s;
		size_t n = t->len, count = 0;

		while (n > 0 && utf8_next(&p, &n) >= 0)
			count++;
		return count;
	}
	return t->kind == SV_TERM_LIST ? t->n : 0;
}

/* Compare a string with a list: equal if the list is proper and holds
 * exactly the string's code points. */
static bool
string_equals_list(const struct sv_term *s, const struct sv_term *l)
{
	const unsigned char *p = (const unsigned char *)s->s;
	size_t n = s->len, i;

	if (l->tail != NULL)
		return false;
	for (i = 0; i < l->n; i++) {
		long c = utf8_next(&p, &n);

		if (c < 0 || l->v[i]->kind != SV_TERM_INT || l->v[i]->i != c)
			return false;
	}
	return n == 0;
}

bool
sv_term_equal(const struct sv_term *a, const struct sv_term *b)
{
	size_t i;

	if (a == NULL || b == NULL)
		return a == b;
	if (a->kind == SV_TERM_STRING && b->kind == SV_TERM_LIST)
		return string_equals_list(a, b);
	if (a->kind == SV_TERM_LIST && b->kind == SV_TERM_STRING)
		return string_equals_list(b, a);
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case SV_TERM_INT:
		return a->i == b->i;
	case SV_TERM_FLOAT:
		return a->f == b->f;
	case SV_TERM_BITSTR:
		if (a->bits != b->bits)
			return false;
		/* fall through */
	case SV_TERM_BIGINT:
	case SV_TERM_ATOM:
	case SV_TERM_STRING:
	case SV_TERM_BINARY:
	case SV_TERM_OTHER:
		return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
	case SV_TERM_TUPLE:
	case SV_TERM_LIST:
	case SV_TERM_MAP:
		if (a->n != b->n || !sv_term_equal(a->tail, b->tail))
			return false;
		for (i = 0; i < a->n; i++)
			if (!sv_term_equal(a->v[i], b->v[i]))
				return false;
		return true;
	}
	return false;
}

bool
sv_term_is_atom(const struct sv_term *t, const char *name)
{
	return t != NULL && t->kind == SV_TERM_ATOM && strcmp(t->s, name) == 0;
}

bool
sv_term_is_list(const struct sv_term *t)
{
	return t != NULL && (t->kind == SV_TERM_STRING ||
	    (t->kind == SV_TERM_LIST && t->tail == NULL));
}

bool
sv_term_text(const struct sv_term *t, char **out)
{
	struct buf b;
	size_t i;

	*out = NULL;
	if (t == NULL)
		return false;
	if (t->kind == SV_TERM_STRING) {
		*out = xstrdup(t->s);
		return true;
	}
	if (t->kind != SV_TERM_LIST || t->tail != NULL)
		return false;
	buf_init(&b);
	for (i = 0; i < t->n; i++) {
		const struct sv_term *c = t->v[i];

		if (c->kind != SV_TERM_INT || c->i < 1 || c->i > 0x10ffff ||
		    (c->i >= 0xd800 && c->i <= 0xdfff)) {
			buf_release(&b);
			return false;
		}
		sv_utf8_put(&b, (uint32_t)c->i);
	}
	*out = buf_detach(&b);
	return true;
}

const struct sv_term *
sv_term_keyfind(const struct sv_term *list, const char *key)
{
	size_t i;

	if (list == NULL || list->kind != SV_TERM_LIST)
		return NULL;
	for (i = 0; i < list->n; i++) {
		const struct sv_term *c = list->v[i];

		if (c->kind == SV_TERM_TUPLE && c->n >= 1 &&
		    sv_term_is_atom(c->v[0], key))
			return c;
	}
	return NULL;
}

const char *
sv_term_kind_name(enum sv_term_kind kind)
{
	static const char *const names[] = {
		"integer", "integer", "float", "atom", "string", "binary",
		"bitstring", "tuple", "list", "map", "term"
	};

	return (size_t)kind < sizeof(names) / sizeof(names[0]) ?
	    names[kind] : "term";
}
