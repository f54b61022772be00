/*
 * term_bits.c - the bit syntax of Erlang term text: <<"abc", 1:4, 255,
 * 3.5/float>> and the like, collected bit by bit into a binary or
 * bitstring term as file:consult/1 builds it (see term_int.h).
 */
#include "config.h"

#include "otp/term_int.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"
#include "base/xalloc.h"

#define MAX_BINARY_BITS ((size_t)1 << 27)  /* 16 MiB per binary */
#define MAX_SEGMENT_BITS 65536  /* Size*Unit of one binary segment */

/* Bits being collected for a binary. */
struct bits {
	struct buf b;
	size_t n;
};

static void
put_bit(struct bits *bs, int bit)
{
	if (bs->n % 8 == 0)
		buf_addc(&bs->b, 0);
	if (bit)
		bs->b.s[bs->n / 8] |= (char)(0x80 >> (bs->n % 8));
	bs->n++;
}

/* Bit i (0 = least significant) of v in two's complement. */
static int
bit_of(int64_t v, size_t i)
{
	if (i >= 63)
		return v < 0;
	return (int)(((uint64_t)v >> i) & 1);
}

struct segment {
	size_t size;     /* in units; 0 with !has_size */
	bool has_size, little, utf8;
	unsigned unit;
};

/* Add one integer value as the segment says. */
static int
put_value(struct parser *ps, struct bits *bs, const struct segment *sg,
    int64_t v, unsigned line, unsigned col)
{
	size_t nbits, i, k;

	if (sg->utf8) {
		struct buf u;

		if (!tt_is_unicode((long)v) && !(v >= 0xfffe && v <= 0xffff))
			return tt_fail(ps, line, col, "invalid Unicode character "
			    "%" PRId64 " in a utf8 segment", v);
		buf_init(&u);
		sv_utf8_put(&u, (uint32_t)v);
		for (i = 0; i < u.len; i++)
			for (k = 8; k-- > 0;)
				put_bit(bs, ((unsigned char)u.s[i] >> k) & 1);
		buf_release(&u);
		return SV_OK;
	}
	nbits = (sg->has_size ? sg->size : 8) * sg->unit;
	if (bs->n + nbits > MAX_BINARY_BITS)
		return tt_fail(ps, line, col, "binary too large (over %zu bytes)",
		    MAX_BINARY_BITS / 8);
	if (!sg->little) {
		for (i = nbits; i-- > 0;)
			put_bit(bs, bit_of(v, i));
		return SV_OK;
	}
	for (k = 0; k < nbits / 8; k++)
		for (i = 8; i-- > 0;)
			put_bit(bs, bit_of(v, 8 * k + i));
	return SV_OK;
}

/* The "/type-type" list of a binary segment (current token is '/'). */
static int
parse_types(struct parser *ps, struct segment *sg)
{
	int status;

	do {
		char tmp[128];
		const char *name;

		if ((status = tt_next(ps)) != SV_OK)
			return status;
		if (ps->tok.kind != T_ATOM)
			return tt_expected(ps, "a binary segment type");
		name = ps->tok.text.s;
		if (strcmp(name, "unit") == 0) {
			if ((status = tt_next(ps)) != SV_OK)
				return status;
			if (!tt_is_punct(ps, ":"))
				return tt_expected(ps, "':' after unit");
			if ((status = tt_next(ps)) != SV_OK)
				return status;
			if (ps->tok.kind != T_INT || ps->tok.i < 1 ||
			    ps->tok.i > 256)
				return tt_expected(ps, "a unit of 1..256");
			sg->unit = (unsigned)ps->tok.i;
		} else if (strcmp(name, "utf8") == 0) {
			sg->utf8 = true;
		} else if (strcmp(name, "little") == 0) {
			sg->little = true;
		} else if (strcmp(name, "big") == 0) {
			sg->little = false;
		} else if (strcmp(name, "integer") != 0 &&
		    strcmp(name, "signed") != 0 &&
		    strcmp(name, "unsigned") != 0) {
			return tt_fail(ps, ps->tok.line, ps->tok.col,
			    "unsupported binary segment type %s (only "
			    "integer, signed, unsigned, big, little, unit:N "
			    "and utf8)", tt_describe(ps, tmp, sizeof(tmp)));
		}
		if ((status = tt_next(ps)) != SV_OK)
			return status;
	} while (tt_is_punct(ps, "-"));
	return SV_OK;
}

/* One segment of a binary: Value[:Size][/Types]. */
static int
parse_segment(struct parser *ps, struct bits *bs)
{
	struct segment sg = { 0, false, false, false, 1 };
	unsigned line = ps->tok.line, col = ps->tok.col;
	struct sv_term *num = NULL;
	struct buf text;
	bool nul, string = false;
	int status;

	buf_init(&text);
	if (ps->tok.kind == T_STRING) {
		string = true;
		if ((status = tt_take_strings(ps, &text, &nul)) != SV_OK)
			goto out;
	} else if (tt_is_punct(ps, "-") || tt_is_punct(ps, "+")) {
		if ((status = tt_parse_signed(ps, &num)) != SV_OK)
			goto out;
	} else if (tt_is_number_token(ps)) {
		num = tt_number_term(ps, line, col);
		if ((status = tt_next(ps)) != SV_OK)
			goto out;
	} else {
		status = tt_expected(ps, "an integer or a string in the binary");
		goto out;
	}
	if (num != NULL && num->kind != SV_TERM_INT) {
		status = tt_fail(ps, line, col, "unsupported binary segment: "
		    "only integers that fit in 64 bits and strings");
		goto out;
	}
	if (tt_is_punct(ps, ":")) {
		if ((status = tt_next(ps)) != SV_OK)
			goto out;
		if (ps->tok.kind != T_INT) {
			status = tt_expected(ps, "a segment size");
			goto out;
		}
		sg.has_size = true;
		sg.size = (size_t)(ps->tok.i > MAX_SEGMENT_BITS ?
		    MAX_SEGMENT_BITS + 1 : ps->tok.i);
		if ((status = tt_next(ps)) != SV_OK)
			goto out;
	}
	if (tt_is_punct(ps, "/") && (status = parse_types(ps, &sg)) != SV_OK)
		goto out;
	if (sg.utf8 && sg.has_size) {
		status = tt_fail(ps, line, col, "a utf8 segment cannot have a "
		    "size");
		goto out;
	}
	if (!sg.utf8 && (sg.has_size ? sg.size : 8) * sg.unit >
	    MAX_SEGMENT_BITS) {
		status = tt_fail(ps, line, col, "unsupported binary segment size "
		    "(over %d bits)", MAX_SEGMENT_BITS);
		goto out;
	}
	if (sg.little && (sg.has_size ? sg.size : 8) * sg.unit % 8 != 0) {
		status = tt_fail(ps, line, col, "unsupported binary segment: "
		    "little-endian with a size that is not whole bytes");
		goto out;
	}
	if (string) {
		const unsigned char *p = (const unsigned char *)text.s;
		size_t len = text.len, n;
		uint32_t c;

		while (len > 0 && (n = sv_utf8_decode(p, len, &c)) > 0) {
			if ((status = put_value(ps, bs, &sg, c, line, col)) !=
			    SV_OK)
				goto out;
			p += n;
			len -= n;
		}
	} else {
		status = put_value(ps, bs, &sg, num->i, line, col);
	}
out:
	sv_term_free(num);
	buf_release(&text);
	return status;
}

/* A binary; the current token is "<<". */
int
tt_parse_binary(struct parser *ps, struct sv_term **out)
{
	struct sv_term *t = tt_new_at(SV_TERM_BINARY, ps->tok.line, ps->tok.col);
	struct bits bs;
	int status;

	buf_init(&bs.b);
	bs.n = 0;
	if ((status = tt_next(ps)) != SV_OK)
		goto out;
	if (tt_is_punct(ps, ">>")) {
		status = tt_next(ps);
		goto out;
	}
	for (;;) {
		if ((status = parse_segment(ps, &bs)) != SV_OK)
			goto out;
		if (tt_is_punct(ps, ">>")) {
			status = tt_next(ps);
			break;
		}
		if (!tt_is_punct(ps, ",")) {
			status = tt_expected(ps, "',' or '>>'");
			goto out;
		}
		if ((status = tt_next(ps)) != SV_OK)
			goto out;
	}
out:
	if (status != SV_OK) {
		buf_release(&bs.b);
		sv_term_free(t);
		return status;
	}
	tt_set_bytes(t, bs.b.s, bs.b.len);
	if (bs.n % 8 != 0) {
		t->kind = SV_TERM_BITSTR;
		t->bits = (unsigned)(bs.n % 8);
	}
	buf_release(&bs.b);
	*out = t;
	return SV_OK;
}
