/*
 * etf.c - decoding Erlang's external term format.
 *
 * The layouts are those of erts' "External Term Format" documentation;
 * tests/unit/test_etf.c checks them against term_to_binary/1,2 output of
 * a real Erlang/OTP.
 *
 * Tuples, lists and maps are decoded by recursion (depth limited); what
 * is not built (funs' free variables, the parts sv_etf_decode_shallow
 * leaves out) is checked by an iterative walk that only counts the terms
 * still to come, so hostile nesting cannot exhaust the stack. The terms
 * that hold no others are in etf_leaf.c.
 */
#include "config.h"

#include "otp/etf.h"

#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapt/compress.h"
#include "base/buf.h"
#include "base/utf8.h"
#include "base/xalloc.h"
#include "otp/etf_int.h"

int
etf_fail(struct dec *d, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sv_err_set(d->e, SV_INPUT, "%s: bad external term at byte "
	    "%zu%s: %s", d->name, d->pos, d->where, msg);
}

static int
skip_terms(struct dec *d, uint64_t count)
{
	while (count > 0) {
		uint32_t n;
		size_t len, end;
		bool neg;
		double f;
		unsigned tag;
		int rc;

		/* Every term takes at least one byte. */
		if (count > left(d))
			return etf_fail(d, "truncated: %" PRIu64 " more terms "
			    "expected, %zu bytes left", count, left(d));
		count--;
		tag = get8(d);
		switch (tag) {
		case T_SMALL_TUPLE:
			if ((rc = need(d, 1)))
				return rc;
			count += get8(d);
			break;
		case T_LARGE_TUPLE:
		case T_LIST:
		case T_MAP:
			if ((rc = need(d, 4)))
				return rc;
			n = get32(d);
			count += tag == T_LIST ? (uint64_t)n + 1 :
			    tag == T_MAP ? 2 * (uint64_t)n : n;
			break;
		case T_NIL:
			break;
		case T_SMALL_INTEGER:
		case T_INTEGER:
			len = tag == T_SMALL_INTEGER ? 1 : 4;
			if ((rc = need(d, len)))
				return rc;
			d->pos += len;
			break;
		case T_SMALL_BIG:
		case T_LARGE_BIG:
			if ((rc = etf_big_head(d, tag, &len, &neg)))
				return rc;
			d->pos += len;
			break;
		case T_NEW_FLOAT:
			if ((rc = etf_new_float(d, &f)))
				return rc;
			break;
		case T_FLOAT:
			if ((rc = etf_float_ext(d, &f)))
				return rc;
			break;
		case T_STRING:
			if ((rc = need(d, 2)))
				return rc;
			len = get16(d);
			if ((rc = need(d, len)))
				return rc;
			d->pos += len;
			break;
		case T_BINARY:
		case T_BIT_BINARY:
			if ((rc = need(d, tag == T_BINARY ? 4 : 5)))
				return rc;
			len = get32(d);
			if (tag == T_BIT_BINARY) {
				unsigned bits = get8(d);

				if (bits < 1 || bits > 8 || len == 0) {
					d->pos -= 5;
					return etf_fail(d, "bitstring of %zu bytes "
					    "with %u bits in the last", len,
					    bits);
				}
			}
			if ((rc = need(d, len)))
				return rc;
			d->pos += len;
			break;
		case T_ATOM:
		case T_SMALL_ATOM:
		case T_ATOM_UTF8:
		case T_SMALL_ATOM_UTF8:
			if ((rc = etf_atom_body(d, tag, NULL)))
				return rc;
			break;
		case T_NEW_PID:
		case T_PID:
			if ((rc = etf_pid_body(d, tag, NULL)))
				return rc;
			break;
		case T_NEW_PORT:
		case T_PORT:
		case T_V4_PORT:
			if ((rc = etf_port_body(d, tag, NULL)))
				return rc;
			break;
		case T_NEWER_REFERENCE:
		case T_NEW_REFERENCE:
		case T_REFERENCE:
			if ((rc = etf_ref_body(d, tag, NULL)))
				return rc;
			break;
		case T_EXPORT:
			if ((rc = etf_export_body(d, NULL)))
				return rc;
			break;
		case T_NEW_FUN:
		case T_FUN:
			if ((rc = etf_fun_head(d, tag, NULL, &n, &end)))
				return rc;
			count += n;
			break;
		case T_COMPRESSED:
			d->pos--;
			return etf_fail(d, "a compressed term inside a term");
		default:
			d->pos--;
			return etf_fail(d, "unknown tag %u", tag);
		}
	}
	return SV_OK;
}

static int decode(struct dec *d, unsigned depth, struct sv_term **out);

/* The elements of a tuple or map (n terms) into t. */
static int
decode_elements(struct dec *d, unsigned depth, uint64_t n,
    struct sv_term *t)
{
	uint64_t i;
	int rc;

	if (n > left(d))
		return etf_fail(d, "truncated: %" PRIu64 " elements expected, %zu "
		    "bytes left", n, left(d));
	for (i = 0; i < n; i++) {
		struct sv_term *c;

		if ((rc = decode(d, depth + 1, &c)))
			return rc;
		sv_term_push(t, c);
	}
	return SV_OK;
}

/* A list (LIST_EXT read, its length next). Non-canonical tails that are
 * lists or strings again are joined in, as binary_to_term/1 does. */
static int
decode_list(struct dec *d, unsigned depth, struct sv_term *l)
{
	uint32_t n, i;
	int rc;

	for (;;) {
		unsigned tag;

		if ((rc = need(d, 4)))
			return rc;
		n = get32(d);
		if ((rc = decode_elements(d, depth, n, l)))
			return rc;
		if ((rc = need(d, 1)))
			return rc;
		tag = d->p[d->pos];
		if (tag == T_LIST) {
			d->pos++;
			continue;
		}
		if (tag == T_NIL) {
			d->pos++;
			return SV_OK;
		}
		if (tag == T_STRING) {
			d->pos++;
			if ((rc = need(d, 2)))
				return rc;
			n = get16(d);
			if ((rc = need(d, n)))
				return rc;
			for (i = 0; i < n; i++)
				sv_term_push(l, sv_term_int(get8(d)));
			return SV_OK;
		}
		return decode(d, depth + 1, &l->tail);
	}
}

/* A term that is not a tuple, list or map (tag read). */
static int
decode_leaf(struct dec *d, unsigned tag, struct sv_term **out)
{
	struct sv_term *t;
	struct buf b;
	size_t len, end;
	uint32_t nfree;
	bool neg;
	int rc = SV_OK;

	switch (tag) {
	case T_NIL:
		*out = sv_term_list();
		return SV_OK;
	case T_SMALL_INTEGER:
		if ((rc = need(d, 1)))
			return rc;
		*out = sv_term_int(get8(d));
		return SV_OK;
	case T_INTEGER:
		if ((rc = need(d, 4)))
			return rc;
		*out = sv_term_int((int32_t)get32(d));
		return SV_OK;
	case T_SMALL_BIG:
	case T_LARGE_BIG:
		if ((rc = etf_big_head(d, tag, &len, &neg)))
			return rc;
		if (len > SV_ETF_MAX_BIG)
			return etf_fail(d, "integer of %zu bytes (at most %u)",
			    len, SV_ETF_MAX_BIG);
		*out = etf_big_term(d->p + d->pos, len, neg);
		d->pos += len;
		return SV_OK;
	case T_NEW_FLOAT:
	case T_FLOAT:
		t = sv_term_new(SV_TERM_FLOAT);
		rc = tag == T_FLOAT ? etf_float_ext(d, &t->f) : etf_new_float(d, &t->f);
		if (rc) {
			sv_term_free(t);
			return rc;
		}
		*out = t;
		return SV_OK;
	case T_ATOM:
	case T_SMALL_ATOM:
	case T_ATOM_UTF8:
	case T_SMALL_ATOM_UTF8:
		buf_init(&b);
		if ((rc = etf_atom_body(d, tag, &b))) {
			buf_release(&b);
			return rc;
		}
		t = sv_term_new(SV_TERM_ATOM);
		t->len = b.len;
		t->s = buf_detach(&b);
		*out = t;
		return SV_OK;
	case T_STRING:
		if ((rc = need(d, 2)))
			return rc;
		len = get16(d);
		if ((rc = need(d, len)))
			return rc;
		buf_init(&b);
		sv_utf8_add_latin1(&b, d->p + d->pos, len);
		d->pos += len;
		t = sv_term_new(SV_TERM_STRING);
		t->len = b.len;
		t->s = buf_detach(&b);
		*out = t;
		return SV_OK;
	case T_BINARY:
		if ((rc = need(d, 4)))
			return rc;
		len = get32(d);
		if ((rc = need(d, len)))
			return rc;
		*out = sv_term_binary(d->p + d->pos, len);
		d->pos += len;
		return SV_OK;
	case T_BIT_BINARY: {
		unsigned bits;

		if ((rc = need(d, 5)))
			return rc;
		len = get32(d);
		bits = get8(d);
		if (bits < 1 || bits > 8 || len == 0) {
			d->pos -= 5;
			return etf_fail(d, "bitstring of %zu bytes with %u bits in "
			    "the last", len, bits);
		}
		if ((rc = need(d, len)))
			return rc;
		t = sv_term_binary(d->p + d->pos, len);
		d->pos += len;
		if (bits < 8) {
			/* Only the high bits of the last byte count. */
			t->kind = SV_TERM_BITSTR;
			t->bits = bits;
			t->s[len - 1] = (char)((unsigned char)t->s[len - 1] &
			    (0xff << (8 - bits)));
		}
		*out = t;
		return SV_OK;
	}
	case T_NEW_PID:
	case T_PID:
	case T_NEW_PORT:
	case T_PORT:
	case T_V4_PORT:
	case T_NEWER_REFERENCE:
	case T_NEW_REFERENCE:
	case T_REFERENCE:
	case T_EXPORT:
	case T_NEW_FUN:
	case T_FUN:
		buf_init(&b);
		if (tag == T_NEW_PID || tag == T_PID) {
			rc = etf_pid_body(d, tag, &b);
		} else if (tag == T_NEW_PORT || tag == T_PORT ||
		    tag == T_V4_PORT) {
			rc = etf_port_body(d, tag, &b);
		} else if (tag == T_EXPORT) {
			rc = etf_export_body(d, &b);
		} else if (tag == T_NEW_FUN || tag == T_FUN) {
			rc = etf_fun_head(d, tag, &b, &nfree, &end);
			if (rc == SV_OK)
				rc = skip_terms(d, nfree);
			if (rc == SV_OK && tag == T_NEW_FUN && d->pos != end)
				rc = etf_fail(d, "fun ends at byte %zu, not where "
				    "its size says (%zu)", d->pos, end);
		} else {
			rc = etf_ref_body(d, tag, &b);
		}
		if (rc) {
			buf_release(&b);
			return rc;
		}
		*out = etf_other_term(&b);
		return SV_OK;
	case T_COMPRESSED:
		d->pos--;
		return etf_fail(d, "a compressed term inside a term");
	default:
		d->pos--;
		return etf_fail(d, "unknown tag %u", tag);
	}
}

static int
decode(struct dec *d, unsigned depth, struct sv_term **out)
{
	struct sv_term *t;
	uint64_t n;
	unsigned tag;
	int rc;

	*out = NULL;
	if ((rc = need(d, 1)))
		return rc;
	tag = get8(d);
	if (tag != T_SMALL_TUPLE && tag != T_LARGE_TUPLE && tag != T_LIST &&
	    tag != T_MAP)
		return decode_leaf(d, tag, out);
	if (depth >= d->levels) {
		d->pos--;
		if ((rc = skip_terms(d, 1)))
			return rc;
		*out = etf_elided();
		return SV_OK;
	}
	if (depth >= SV_ETF_MAX_DEPTH) {
		d->pos--;
		return etf_fail(d, "terms nested more than %u deep",
		    SV_ETF_MAX_DEPTH);
	}
	if (tag == T_LIST) {
		t = sv_term_list();
		rc = decode_list(d, depth, t);
		if (rc == SV_OK && t->n == 0 && t->tail != NULL) {
			/* [|T] is T. */
			struct sv_term *tail = t->tail;

			t->tail = NULL;
			sv_term_free(t);
			t = tail;
		}
	} else {
		t = tag == T_MAP ? sv_term_new(SV_TERM_MAP) : sv_term_tuple();
		if ((rc = need(d, tag == T_SMALL_TUPLE ? 1 : 4)) == SV_OK) {
			n = tag == T_SMALL_TUPLE ? get8(d) : get32(d);
			if (tag == T_MAP)
				n *= 2;
			rc = decode_elements(d, depth, n, t);
		}
	}
	if (rc) {
		sv_term_free(t);
		return rc;
	}
	*out = t;
	return SV_OK;
}

static int
decode_all(struct dec *d, struct sv_term **out)
{
	int rc;

	if ((rc = decode(d, 0, out)))
		return rc;
	if (d->pos != d->len) {
		sv_term_free(*out);
		*out = NULL;
		return etf_fail(d, "%zu bytes after the term", left(d));
	}
	return SV_OK;
}

int
sv_etf_decode_shallow(const void *data, size_t len, unsigned levels,
    const char *name, struct sv_term **out, struct sv_err *e)
{
	struct dec d = { data, len, 0, name, "", levels, e };
	struct dec in = d;
	struct buf raw;
	uint32_t size;
	int rc;

	*out = NULL;
	if (len == 0 || d.p[0] != T_VERSION)
		return etf_fail(&d, "not an external term (no version byte 131)");
	d.pos = 1;
	if (len < 2 || d.p[1] != T_COMPRESSED)
		return decode_all(&d, out);
	d.pos = 2;
	if ((rc = need(&d, 4)))
		return rc;
	size = get32(&d);
	if (size > SV_ETF_MAX_INFLATE)
		return etf_fail(&d, "compressed term of %" PRIu32 " bytes (at "
		    "most %u)", size, SV_ETF_MAX_INFLATE);
	buf_init(&raw);
	rc = sv_inflate(d.p + d.pos, len - d.pos, SV_INFLATE_ZLIB, size,
	    name, &raw, e);
	if (rc == SV_OK && raw.len != size)
		rc = etf_fail(&d, "compressed term inflates to %zu bytes, not "
		    "%" PRIu32, raw.len, size);
	if (rc == SV_OK) {
		in.p = (const unsigned char *)raw.s;
		in.len = raw.len;
		in.where = " of the inflated term";
		rc = decode_all(&in, out);
	}
	buf_release(&raw);
	return rc;
}

int
sv_etf_decode(const void *data, size_t len, const char *name,
    struct sv_term **out, struct sv_err *e)
{
	return sv_etf_decode_shallow(data, len, UINT_MAX, name, out, e);
}
