/*
 * utf8.h - checking UTF-8 and converting latin-1 to it, for text that
 * arrives with a length (it may hold NUL bytes).
 */
#ifndef SV_UTF8_H
#define SV_UTF8_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

/* The length (1..4) of the valid UTF-8 sequence at s, where n > 0 bytes
 * are left, or 0 if there is none: overlong forms, surrogates, values
 * past U+10FFFF and sequences cut short by n are invalid. */
size_t sv_utf8_seq(const void *s, size_t n);

/* As sv_utf8_seq, and set *cp to the code point when valid. */
size_t sv_utf8_decode(const void *s, size_t n, uint32_t *cp);

/* Append the UTF-8 encoding of the code point c (at most U+10FFFF). */
void sv_utf8_put(struct buf *b, uint32_t c);

/* The number of code points in the n bytes at s, or (size_t)-1 if they
 * are not valid UTF-8. */
size_t sv_utf8_count(const void *s, size_t n);

/* Append the n latin-1 bytes at p to b as UTF-8. */
void sv_utf8_add_latin1(struct buf *b, const void *p, size_t n);

#endif
