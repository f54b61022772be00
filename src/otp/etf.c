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
 * still to come, so hostile nesting cannot exhaust the stack.
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

enum {
	T_VERSION = 131,
	T_NEW_FLOAT = 70,
	T_BIT_BINARY = 77,
	T_COMPRESSED = 80,
	T_NEW_PID = 88,
	T_NEW_PORT = 89,
	T_NEWER_REFERENCE = 90,
	T_SMALL_INTEGER = 97,
	T_INTEGER = 98,
	T_FLOAT = 99,
	T_ATOM = 100,
	T_REFERENCE = 101,
	T_PORT = 102,
	T_PID = 103,
	T_SMALL_TUPLE = 104,
	T_LARGE_TUPLE = 105,
	T_NIL = 106,
	T_STRING = 107,
	T_LIST = 108,
	T_BINARY = 109,
	T_SMALL_BIG = 110,
	T_LARGE_BIG = 111,
	T_NEW_FUN = 112,
	T_EXPORT = 113,
	T_NEW_REFERENCE = 114,
	T_SMALL_ATOM = 115,
	T_MAP = 116,
	T_FUN = 117,
	T_ATOM_UTF8 = 118,
	T_SMALL_ATOM_UTF8 = 119,
	T_V4_PORT = 120
};

#define FLOAT_EXT_LEN 31
#define ATOM_MAX_CHARS 255

struct dec {
	const unsigned char *p;
	size_t len, pos;
	const char *name;
	const char *where;  /* "" or " of the inflated term" */
	unsigned levels;    /* containers enclosed in this many are skipped */
	struct sv_err *e;
};

static int fail(struct dec *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
fail(struct dec *d, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sv_err_set(d->e, SV_INPUT, "%s: bad external term at byte "
	    "%zu%s: %s", d->name, d->pos, d->where, msg);
}

static size_t
left(const struct dec *d)
{
	return d->len - d->pos;
}

static int
need(struct dec *d, size_t n)
{
	if (left(d) < n)
		return fail(d, "truncated: %zu bytes needed, %zu left", n,
		    left(d));
	return SV_OK;
}

static unsigned
get8(struct dec *d)
{
	return d->p[d->pos++];
}

static uint32_t
get16(struct dec *d)
{
	uint32_t v = (uint32_t)d->p[d->pos] << 8 | d->p[d->pos + 1];

	d->pos += 2;
	return v;
}

static uint32_t
get32(struct dec *d)
{
	const unsigned char *s = d->p + d->pos;

	d->pos += 4;
	return (uint32_t)s[0] << 24 | (uint32_t)s[1] << 16 |
	    (uint32_t)s[2] << 8 | s[3];
}

static uint64_t
get64(struct dec *d)
{
	uint64_t hi = get32(d);

	return hi << 32 | get32(d);
}

static bool
is_atom_tag(unsigned tag)
{
	return tag == T_ATOM || tag == T_SMALL_ATOM || tag == T_ATOM_UTF8 ||
	    tag == T_SMALL_ATOM_UTF8;
}

/* An atom whose tag was just read: checked, and its name appended to out
 * as UTF-8 unless out is NULL. */
static int
atom_body(struct dec *d, unsigned tag, struct buf *out)
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
		return fail(d, "atom is not valid UTF-8");
	if (chars > ATOM_MAX_CHARS)
		return fail(d, "atom of %zu characters (at most %d)", chars,
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
static int
atom_term(struct dec *d, struct buf *out)
{
	unsigned tag;
	int rc;

	if ((rc = need(d, 1)))
		return rc;
	tag = get8(d);
	if (!is_atom_tag(tag)) {
		d->pos--;
		return fail(d, "tag %u where an atom must be", tag);
	}
	return atom_body(d, tag, out);
}

/* A small integer term (SMALL_INTEGER_EXT or INTEGER_EXT), as inside
 * funs. */
static int
int_term(struct dec *d, int64_t *v)
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
	return fail(d, "tag %u where an integer must be", tag);
}

/* Pid, port and reference bodies (tag read); a description into out
 * unless NULL. */
static int
pid_body(struct dec *d, unsigned tag, struct buf *out)
{
	uint32_t id, serial, creation;
	int rc;

	if (out != NULL)
		buf_adds(out, "#Pid<");
	if ((rc = atom_term(d, out)))
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

static int
port_body(struct dec *d, unsigned tag, struct buf *out)
{
	uint64_t id;
	uint32_t creation;
	int rc;

	if (out != NULL)
		buf_adds(out, "#Port<");
	if ((rc = atom_term(d, out)))
		return rc;
	if ((rc = need(d, tag == T_V4_PORT ? 12 : tag == T_NEW_PORT ? 8 : 5)))
		return rc;
	id = tag == T_V4_PORT ? get64(d) : get32(d);
	creation = tag == T_PORT ? get8(d) : get32(d);
	if (out != NULL)
		buf_addf(out, ".%" PRIu64 ".%" PRIu32 ">", id, creation);
	return SV_OK;
}

static int
ref_body(struct dec *d, unsigned tag, struct buf *out)
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
	if ((rc = atom_term(d, out)))
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
static int
export_body(struct dec *d, struct buf *out)
{
	int rc;

	if (out != NULL)
		buf_adds(out, "fun ");
	if ((rc = atom_term(d, out)))
		return rc;
	if (out != NULL)
		buf_addc(out, ':');
	if ((rc = atom_term(d, out)))
		return rc;
	if ((rc = need(d, 2)))
		return rc;
	if (get8(d) != T_SMALL_INTEGER) {
		d->pos--;
		return fail(d, "export arity is not a small integer");
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
static int
fun_head(struct dec *d, unsigned tag, struct buf *out, uint32_t *nfree,
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
			return fail(d, "fun size %" PRIu32 " is past the end",
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
			return fail(d, "tag %u where a pid must be", tag);
		}
		if ((rc = pid_body(d, tag, NULL)))
			return rc;
		tag = T_FUN;
	}
	if (out != NULL)
		buf_adds(out, "#Fun<");
	if ((rc = atom_term(d, out)))
		return rc;
	if ((rc = int_term(d, &old_index)) || (rc = int_term(d, &old_uniq)))
		return rc;
	if (tag == T_NEW_FUN) {
		if ((rc = need(d, 1)))
			return rc;
		tag = get8(d);
		if (tag != T_NEW_PID && tag != T_PID) {
			d->pos--;
			return fail(d, "tag %u where a pid must be", tag);
		}
		if ((rc = pid_body(d, tag, NULL)))
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
		return fail(d, "fun with %" PRIu32 " free variables is past "
		    "the end", *nfree);
	return SV_OK;
}

static int
float_ext(struct dec *d, double *f)
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
			return fail(d, "float text is not NUL-padded");
	if (n == 0 || strspn(text, "0123456789+-.eE") != n)
		return fail(d, "float text is not a number");
	*f = strtod(text, &end);
	if (end != text + n || !isfinite(*f))
		return fail(d, "float text is not a finite number");
	d->pos += FLOAT_EXT_LEN;
	return SV_OK;
}

static int
new_float(struct dec *d, double *f)
{
	uint64_t bits;
	int rc;

	if ((rc = need(d, 8)))
		return rc;
	bits = get64(d);
	memcpy(f, &bits, sizeof(*f));
	if (!isfinite(*f)) {
		d->pos -= 8;
		return fail(d, "float is not finite");
	}
	return SV_OK;
}

/* The header of a big integer (tag read): its magnitude's length and
 * sign; the magnitude starts at d->pos. */
static int
big_head(struct dec *d, unsigned tag, size_t *n, bool *neg)
{
	unsigned sign;
	int rc;

	if ((rc = need(d, tag == T_SMALL_BIG ? 2 : 5)))
		return rc;
	*n = tag == T_SMALL_BIG ? get8(d) : get32(d);
	sign = get8(d);
	if (sign > 1) {
		d->pos--;
		return fail(d, "integer sign byte is %u", sign);
	}
	*neg = sign == 1;
	return need(d, *n);
}

/* A big integer's value: an int64 if it fits, else decimal text. mag
 * holds n bytes, least significant first. */
static struct sv_term *
big_term(const unsigned char *mag, size_t n, bool neg)
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

static struct sv_term *
other_term(struct buf *text)
{
	struct sv_term *t = sv_term_new(SV_TERM_OTHER);

	t->len = text->len;
	t->s = buf_detach(text);
	return t;
}

static struct sv_term *
elided(void)
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
			return fail(d, "truncated: %" PRIu64 " more terms "
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
			if ((rc = big_head(d, tag, &len, &neg)))
				return rc;
			d->pos += len;
			break;
		case T_NEW_FLOAT:
			if ((rc = new_float(d, &f)))
				return rc;
			break;
		case T_FLOAT:
			if ((rc = float_ext(d, &f)))
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
					return fail(d, "bitstring of %zu bytes "
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
			if ((rc = atom_body(d, tag, NULL)))
				return rc;
			break;
		case T_NEW_PID:
		case T_PID:
			if ((rc = pid_body(d, tag, NULL)))
				return rc;
			break;
		case T_NEW_PORT:
		case T_PORT:
		case T_V4_PORT:
			if ((rc = port_body(d, tag, NULL)))
				return rc;
			break;
		case T_NEWER_REFERENCE:
		case T_NEW_REFERENCE:
		case T_REFERENCE:
			if ((rc = ref_body(d, tag, NULL)))
				return rc;
			break;
		case T_EXPORT:
			if ((rc = export_body(d, NULL)))
				return rc;
			break;
		case T_NEW_FUN:
		case T_FUN:
			if ((rc = fun_head(d, tag, NULL, &n, &end)))
				return rc;
			count += n;
			break;
		case T_COMPRESSED:
			d->pos--;
			return fail(d, "a compressed term inside a term");
		default:
			d->pos--;
			return fail(d, "unknown tag %u", tag);
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
		return fail(d, "truncated: %" PRIu64 " elements expected, %zu "
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
		if ((rc = big_head(d, tag, &len, &neg)))
			return rc;
		if (len > SV_ETF_MAX_BIG)
			return fail(d, "integer of %zu bytes (at most %u)",
			    len, SV_ETF_MAX_BIG);
		*out = big_term(d->p + d->pos, len, neg);
		d->pos += len;
		return SV_OK;
	case T_NEW_FLOAT:
	case T_FLOAT:
		t = sv_term_new(SV_TERM_FLOAT);
		rc = tag == T_FLOAT ? float_ext(d, &t->f) : new_float(d, &t->f);
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
		if ((rc = atom_body(d, tag, &b))) {
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
			return fail(d, "bitstring of %zu bytes with %u bits in "
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
			rc = pid_body(d, tag, &b);
		} else if (tag == T_NEW_PORT || tag == T_PORT ||
		    tag == T_V4_PORT) {
			rc = port_body(d, tag, &b);
		} else if (tag == T_EXPORT) {
			rc = export_body(d, &b);
		} else if (tag == T_NEW_FUN || tag == T_FUN) {
			rc = fun_head(d, tag, &b, &nfree, &end);
			if (rc == SV_OK)
				rc = skip_terms(d, nfree);
			if (rc == SV_OK && tag == T_NEW_FUN && d->pos != end)
				rc = fail(d, "fun ends at byte %zu, not where "
				    "its size says (%zu)", d->pos, end);
		} else {
			rc = ref_body(d, tag, &b);
		}
		if (rc) {
			buf_release(&b);
			return rc;
		}
		*out = other_term(&b);
		return SV_OK;
	case T_COMPRESSED:
		d->pos--;
		return fail(d, "a compressed term inside a term");
	default:
		d->pos--;
		return fail(d, "unknown tag %u", tag);
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
		*out = elided();
		return SV_OK;
	}
	if (depth >= SV_ETF_MAX_DEPTH) {
		d->pos--;
		return fail(d, "terms nested more than %u deep",
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
		return fail(d, "%zu bytes after the term", left(d));
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
		return fail(&d, "not an external term (no version byte 131)");
	d.pos = 1;
	if (len < 2 || d.p[1] != T_COMPRESSED)
		return decode_all(&d, out);
	d.pos = 2;
	if ((rc = need(&d, 4)))
		return rc;
	size = get32(&d);
	if (size > SV_ETF_MAX_INFLATE)
		return fail(&d, "compressed term of %" PRIu32 " bytes (at "
		    "most %u)", size, SV_ETF_MAX_INFLATE);
	buf_init(&raw);
	rc = sv_inflate(d.p + d.pos, len - d.pos, SV_INFLATE_ZLIB, size,
	    name, &raw, e);
	if (rc == SV_OK && raw.len != size)
		rc = fail(&d, "compressed term inflates to %zu bytes, not "
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
