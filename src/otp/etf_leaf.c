/*
 * etf_leaf.c - the terms of the external term format that hold no other
 * terms (see etf_int.h): each checked, and described as text where a
 * caller asks for it.
 */
#include "config.h"

#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/utf8.h"
#include "base/xalloc.h"
#include "otp/etf_int.h"

bool
etf_is_atom_tag(unsigned tag)
{
	return tag == T_ATOM || tag == T_SMALL_ATOM || tag == T_ATOM_UTF8 ||
	    tag == T_SMALL_ATOM_UTF8;
}

/* An atom whose tag was just read: checked, and its name appended to out
 * as UTF-8 unless out is NULL. */
int
etf_atom_body(struct dec *d, unsigned tag, struct buf *out)
{
	const unsigned char *s;
	size_t n, chars;
	int rc;

	if (tag == T_ATOM || tag == T_ATOM_UTF8) {
		if ((rc = need(d, 2)))
			return rc;
		n = get16(d);
	} else {
		if ((rc = need(d, 1)))
			return rc;
		n = get8(d);
	}
	if ((rc = need(d, n)))
		return rc;
	s = d->p + d->pos;
	if (tag == T_ATOM || tag == T_SMALL_ATOM)
		chars = n;
	else if ((chars = sv_utf8_count(s, n)) == (size_t)-1)
		return etf_fail(d, "atom is not valid UTF-8");
	if (chars > ATOM_MAX_CHARS)
		return etf_fail(d, "atom of %zu characters (at most %d)", chars,
		    ATOM_MAX_CHARS);
	if (out != NULL) {
		if (tag == T_ATOM || tag == T_SMALL_ATOM)
			sv_utf8_add_latin1(out, s, n);
		else
			buf_add(out, s, n);
	}
	d->pos += n;
	return SV_OK;
}

/* A whole atom term (tag included), as for a node or module name. */
int
etf_atom_term(struct dec *d, struct buf *out)
{
	unsigned tag;
	int rc;

	if ((rc = need(d, 1)))
		return rc;
	tag = get8(d);
	if (!etf_is_atom_tag(tag)) {
		d->pos--;
		return etf_fail(d, "tag %u where an atom must be", tag);
	}
	return etf_atom_body(d, tag, out);
}

/* A small integer term (SMALL_INTEGER_EXT or INTEGER_EXT), as inside
 * funs. */
int
etf_int_term(struct dec *d, int64_t *v)
{
	unsigned tag;
	int rc;

	if ((rc = need(d, 1)))
		return rc;
	tag = get8(d);
	if (tag == T_SMALL_INTEGER) {
		if ((rc = need(d, 1)))
			return rc;
		*v = get8(d);
		return SV_OK;
	}
	if (tag == T_INTEGER) {
		if ((rc = need(d, 4)))
			return rc;
		*v = (int32_t)get32(d);
		return SV_OK;
	}
	d->pos--;
	return etf_fail(d, "tag %u where an integer must be", tag);
}

/* Pid, port and reference bodies (tag read); a description into out
 * unless NULL. */
int
etf_pid_body(struct dec *d, unsigned tag, struct buf *out)
{
	uint32_t id, serial, creation;
	int rc;

	if (out != NULL)
		buf_adds(out, "#Pid<");
	if ((rc = etf_atom_term(d, out)))
		return rc;
	if ((rc = need(d, tag == T_NEW_PID ? 12 : 9)))
		return rc;
	id = get32(d);
	serial = get32(d);
	creation = tag == T_NEW_PID ? get32(d) : get8(d);
	if (out != NULL)
		buf_addf(out, ".%" PRIu32 ".%" PRIu32 ".%" PRIu32 ">", id,
		    serial, creation);
	return SV_OK;
}

int
etf_port_body(struct dec *d, unsigned tag, struct buf *out)
{
	uint64_t id;
	uint32_t creation;
	int rc;

	if (out != NULL)
		buf_adds(out, "#Port<");
	if ((rc = etf_atom_term(d, out)))
		return rc;
	if ((rc = need(d, tag == T_V4_PORT ? 12 : tag == T_NEW_PORT ? 8 : 5)))
		return rc;
	id = tag == T_V4_PORT ? get64(d) : get32(d);
	creation = tag == T_PORT ? get8(d) : get32(d);
	if (out != NULL)
		buf_addf(out, ".%" PRIu64 ".%" PRIu32 ">", id, creation);
	return SV_OK;
}

int
etf_ref_body(struct dec *d, unsigned tag, struct buf *out)
{
	uint32_t n = 1, creation, i;
	int rc;

	if (tag != T_REFERENCE) {
		if ((rc = need(d, 2)))
			return rc;
		n = get16(d);
	}
	if (out != NULL)
		buf_adds(out, "#Ref<");
	if ((rc = etf_atom_term(d, out)))
		return rc;
	if (tag == T_REFERENCE) {
		/* ID then Creation, the other way round. */
		if ((rc = need(d, 5)))
			return rc;
		i = get32(d);
		creation = get8(d);
		if (out != NULL)
			buf_addf(out, ".%" PRIu32 ".%" PRIu32 ">", creation, i);
		return SV_OK;
	}
	if ((rc = need(d, (tag == T_NEWER_REFERENCE ? 4 : 1) + 4 * (size_t)n)))
		return rc;
	creation = tag == T_NEWER_REFERENCE ? get32(d) : get8(d);
	if (out != NULL)
		buf_addf(out, ".%" PRIu32, creation);
	for (i = 0; i < n; i++) {
		uint32_t id = get32(d);

		if (out != NULL)
			buf_addf(out, ".%" PRIu32, id);
	}
	if (out != NULL)
		buf_addc(out, '>');
	return SV_OK;
}

/* EXPORT_EXT (tag read): Module, Function (atoms), Arity (small
 * integer). */
int
etf_export_body(struct dec *d, struct buf *out)
{
	int rc;

	if (out != NULL)
		buf_adds(out, "fun ");
	if ((rc = etf_atom_term(d, out)))
		return rc;
	if (out != NULL)
		buf_addc(out, ':');
	if ((rc = etf_atom_term(d, out)))
		return rc;
	if ((rc = need(d, 2)))
		return rc;
	if (get8(d) != T_SMALL_INTEGER) {
		d->pos--;
		return etf_fail(d, "export arity is not a small integer");
	}
	if (out != NULL)
		buf_addf(out, "/%u", get8(d));
	else
		d->pos++;
	return SV_OK;
}

/*
 * The head of a fun (tag read): everything but its free variables, whose
 * number goes to *nfree. For NEW_FUN_EXT *end is where its Size says the
 * fun ends (the caller checks it after the free variables); for FUN_EXT
 * it is 0.
 */
int
etf_fun_head(struct dec *d, unsigned tag, struct buf *out, uint32_t *nfree,
    size_t *end)
{
	unsigned char uniq[16];
	uint32_t index = 0;
	int64_t old_index, old_uniq;
	size_t i;
	int rc;

	*end = 0;
	if (tag == T_NEW_FUN) {
		uint32_t size;

		/* Size Arity Uniq[16] Index NumFree */
		if ((rc = need(d, 4 + 1 + 16 + 4 + 4)))
			return rc;
		size = get32(d);
		if (size < 4 || size - 4 > left(d))
			return etf_fail(d, "fun size %" PRIu32 " is past the end",
			    size);
		*end = d->pos - 4 + size;
		d->pos++; /* arity */
		memcpy(uniq, d->p + d->pos, sizeof(uniq));
		d->pos += sizeof(uniq);
		index = get32(d);
		*nfree = get32(d);
	} else {
		if ((rc = need(d, 4)))
			return rc;
		*nfree = get32(d);
		/* Pid first. */
		if ((rc = need(d, 1)))
			return rc;
		tag = get8(d);
		if (tag != T_NEW_PID && tag != T_PID) {
			d->pos--;
			return etf_fail(d, "tag %u where a pid must be", tag);
		}
		if ((rc = etf_pid_body(d, tag, NULL)))
			return rc;
		tag = T_FUN;
	}
	if (out != NULL)
		buf_adds(out, "#Fun<");
	if ((rc = etf_atom_term(d, out)))
		return rc;
	if ((rc = etf_int_term(d, &old_index)) || (rc = etf_int_term(d, &old_uniq)))
		return rc;
	if (tag == T_NEW_FUN) {
		if ((rc = need(d, 1)))
			return rc;
		tag = get8(d);
		if (tag != T_NEW_PID && tag != T_PID) {
			d->pos--;
			return etf_fail(d, "tag %u where a pid must be", tag);
		}
		if ((rc = etf_pid_body(d, tag, NULL)))
			return rc;
		if (out != NULL) {
			buf_addf(out, ".%" PRIu32 ".", index);
			for (i = 0; i < sizeof(uniq); i++)
				buf_addf(out, "%02x", uniq[i]);
			buf_addc(out, '>');
		}
	} else if (out != NULL) {
		buf_addf(out, ".%" PRId64 ".%" PRId64 ">", old_index,
		    old_uniq);
	}
	if (*nfree > left(d))
		return etf_fail(d, "fun with %" PRIu32 " free variables is past "
		    "the end", *nfree);
	return SV_OK;
}

int
etf_float_ext(struct dec *d, double *f)
{
	char text[FLOAT_EXT_LEN + 1], *end;
	size_t n, i;
	int rc;

	if ((rc = need(d, FLOAT_EXT_LEN)))
		return rc;
	memcpy(text, d->p + d->pos, FLOAT_EXT_LEN);
	text[FLOAT_EXT_LEN] = '\0';
	n = strlen(text);
	for (i = n; i < FLOAT_EXT_LEN; i++)
		if (text[i] != '\0')
			return etf_fail(d, "float text is not NUL-padded");
	if (n == 0 || strspn(text, "0123456789+-.eE") != n)
		return etf_fail(d, "float text is not a number");
	*f = strtod(text, &end);
	if (end != text + n || !isfinite(*f))
		return etf_fail(d, "float text is not a finite number");
	d->pos += FLOAT_EXT_LEN;
	return SV_OK;
}

int
etf_new_float(struct dec *d, double *f)
{
	uint64_t bits;
	int rc;

	if ((rc = need(d, 8)))
		return rc;
	bits = get64(d);
	memcpy(f, &bits, sizeof(*f));
	if (!isfinite(*f)) {
		d->pos -= 8;
		return etf_fail(d, "float is not finite");
	}
	return SV_OK;
}

/* The header of a big integer (tag read): its magnitude's length and
 * sign; the magnitude starts at d->pos. */
int
etf_big_head(struct dec *d, unsigned tag, size_t *n, bool *neg)
{
	unsigned sign;
	int rc;

	if ((rc = need(d, tag == T_SMALL_BIG ? 2 : 5)))
		return rc;
	*n = tag == T_SMALL_BIG ? get8(d) : get32(d);
	sign = get8(d);
	if (sign > 1) {
		d->pos--;
		return etf_fail(d, "integer sign byte is %u", sign);
	}
	*neg = sign == 1;
	return need(d, *n);
}

/* A big integer's value: an int64 if it fits, else decimal text. mag
 * holds n bytes, least significant first. */
struct sv_term *
etf_big_term(const unsigned char *mag, size_t n, bool neg)
{
	struct sv_term *t;
	uint32_t *limb;
	size_t nl, i, k;
	struct buf digits;

	while (n > 0 && mag[n - 1] == 0)
		n--;
	if (n <= 8) {
		uint64_t u = 0;

		for (i = n; i-- > 0;)
			u = u << 8 | mag[i];
		if (u <= (uint64_t)INT64_MAX)
			return sv_term_int(neg ? -(int64_t)u : (int64_t)u);
		if (neg && u == (uint64_t)INT64_MAX + 1)
			return sv_term_int(INT64_MIN);
	}
	nl = (n + 3) / 4;
	limb = xcalloc(nl, sizeof(*limb));
	for (i = 0; i < n; i++)
		limb[i / 4] |= (uint32_t)mag[i] << (8 * (i % 4));
	/* Divide by 10^9 until nothing is left; digits come out least
	 * significant first. */
	buf_init(&digits);
	while (nl > 0) {
		uint64_t rem = 0;

		for (i = nl; i-- > 0;) {
			uint64_t cur = rem << 32 | limb[i];

			limb[i] = (uint32_t)(cur / 1000000000u);
			rem = cur % 1000000000u;
		}
		while (nl > 0 && limb[nl - 1] == 0)
			nl--;
		for (k = 0; k < 9 && (nl > 0 || rem > 0); k++) {
			buf_addc(&digits, (char)('0' + rem % 10));
			rem /= 10;
		}
	}
	free(limb);
	t = sv_term_new(SV_TERM_BIGINT);
	t->s = xmalloc(digits.len + 2);
	k = 0;
	if (neg)
		t->s[k++] = '-';
	for (i = digits.len; i-- > 0;)
		t->s[k++] = digits.s[i];
	t->s[k] = '\0';
	t->len = k;
	buf_release(&digits);
	return t;
}

struct sv_term *
etf_other_term(struct buf *text)
{
	struct sv_term *t = sv_term_new(SV_TERM_OTHER);

	t->len = text->len;
	t->s = buf_detach(text);
	return t;
}

struct sv_term *
etf_elided(void)
{
	struct sv_term *t = sv_term_new(SV_TERM_OTHER);

	t->s = xstrdup("...");
	t->len = 3;
	return t;
}

/*
 * Check and pass over count terms without building them. Iterative:
 * count is the number of terms still to come, tuples, lists, maps and
 * funs add their elements to it.
 */
