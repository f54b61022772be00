/*
 * buf.h - growable byte buffers, always NUL-terminated.
 *
 * A struct buf lives on the stack or inside another object:
 *
 *	struct buf b;
 *	buf_init(&b);
 *	buf_addf(&b, "%d", 42);
 *	...
 *	buf_release(&b);
 *
 * b.s is never NULL after buf_init (it points to "" until something is
 * added), so it can always be printed.
 */
#ifndef SV_BUF_H
#define SV_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct buf {
	char *s;      /* contents, NUL-terminated; owned by the buffer */
	size_t len;   /* bytes used, not counting the NUL */
	size_t alloc; /* bytes allocated; 0 while s points to the shared "" */
};

/* Make b an empty buffer. */
void buf_init(struct buf *b);

/* Free what b holds and leave it empty (ready for reuse). */
void buf_release(struct buf *b);

/* Empty b but keep its memory. */
void buf_reset(struct buf *b);

/* Hand the contents to the caller (who frees them) and leave b empty. */
char *buf_detach(struct buf *b);

/* Append n bytes, a string, one character, or formatted text. */
void buf_add(struct buf *b, const void *p, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_addf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_vaddf(struct buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* Append v in decimal (what "%llu" and "%lld" print, without printf's
 * cost: for files of many numbers). */
void buf_addu(struct buf *b, uint64_t v);
void buf_addi(struct buf *b, int64_t v);

/* Make sure at least n more bytes fit without reallocating. */
void buf_grow(struct buf *b, size_t n);

/* Cut b down to len bytes (len <= b->len). */
void buf_truncate(struct buf *b, size_t len);

/* A new string formatted as printf would (the caller frees it). */
char *xstrfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvstrfmt(const char *fmt, va_list ap)
	__attribute__((format(printf, 1, 0)));

#endif
