#include "config.h"

#include "base/buf.h"
#include "base/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char buf_empty[1];

void
buf_init(struct buf *b)
{
	b->s = buf_empty;
	b->len = 0;
	b->alloc = 0;
}

void
buf_release(struct buf *b)
{
	if (b->alloc)
		free(b->s);
	buf_init(b);
}

void
buf_reset(struct buf *b)
{
	buf_truncate(b, 0);
}

char *
buf_detach(struct buf *b)
{
	char *s = b->alloc ? b->s : xstrdup("");

	buf_init(b);
	return s;
}

void
buf_grow(struct buf *b, size_t n)
{
	size_t need = b->len + n + 1;

	if (need <= b->alloc)
		return;
	if (b->alloc == 0) {
		b->s = NULL;
	}
	xgrow(&b->s, &b->alloc, need, 1);
	if (b->len == 0)
		b->s[0] = '\0';
}

void
buf_add(struct buf *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	buf_grow(b, n);
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_addc(struct buf *b, char c)
{
	if (b->len + 2 > b->alloc)
		buf_grow(b, 1);
	b->s[b->len++] = c;
	b->s[b->len] = '\0';
}

void
buf_addu(struct buf *b, uint64_t v)
{
	char d[20];
	size_t n = 0;

	do {
		d[sizeof(d) - ++n] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	buf_add(b, d + sizeof(d) - n, n);
}

void
buf_addi(struct buf *b, int64_t v)
{
	if (v < 0) {
		buf_addc(b, '-');
		buf_addu(b, (uint64_t)0 - (uint64_t)v);
	} else {
		buf_addu(b, (uint64_t)v);
	}
}

void
buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n <= 0)
		return;
	buf_grow(b, (size_t)n);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void
buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(b, fmt, ap);
	va_end(ap);
}

char *
xvstrfmt(const char *fmt, va_list ap)
{
	struct buf b;

	buf_init(&b);
	buf_vaddf(&b, fmt, ap);
	return buf_detach(&b);
}

char *
xstrfmt(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvstrfmt(fmt, ap);
	va_end(ap);
	return s;
}

void
buf_truncate(struct buf *b, size_t len)
{
	if (len > b->len || b->alloc == 0)
		return;
	b->len = len;
	b->s[len] = '\0';
}
