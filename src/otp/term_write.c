/*
 * term_write.c - Erlang terms as text that file:consult/1 reads back
 * equal: quoting, floats that round-trip, strings and binaries in their
 * readable forms, pretty-printed to a line width (see term_int.h).
 */
#include "config.h"

#include "otp/term_int.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/outfile.h"
#include "base/utf8.h"
#include "base/xalloc.h"

#define WIDTH 80                /* pretty-printing line width */

/* ---- writer ---- */

/* Write code point c inside quotes q, escaped as needed. */
static void
put_quoted_char(struct buf *out, uint32_t c, char q)
{
	static const char named[] = "\bb\ff\nn\rr\tt\vv\033e\177d";
	const char *m;

	if (c == (uint32_t)q || c == '\\') {
		buf_addc(out, '\\');
		buf_addc(out, (char)c);
	} else if (c >= ' ' && c < 0x7f) {
		buf_addc(out, (char)c);
	} else if (c != 0 && c < 0x80 && (m = strchr(named, (int)c)) != NULL &&
	    (m - named) % 2 == 0) {
		buf_addc(out, '\\');
		buf_addc(out, m[1]);
	} else if (c < 0x80) {
		buf_addf(out, "\\%03o", (unsigned)c);
	} else if (c <= 0xa0) {
		buf_addf(out, "\\x{%X}", (unsigned)c);
	} else {
		sv_utf8_put(out, c);
	}
}

/* Does "coding", spaces and ':' or '=' start at s? */
static bool
is_coding_word(const unsigned char *s, size_t len)
{
	size_t i = 6;

	if (len < 7 || memcmp(s, "coding", 6) != 0)
		return false;
	while (i < len && s[i] == ' ')
		i++;
	return i < len && (s[i] == ':' || s[i] == '=');
}

/*
 * Write UTF-8 text in quotes q; bytes that are not valid UTF-8 become
 * \xHH (their Latin-1 reading). The c of "coding:" is escaped, lest a
 * string on the first two lines of a file pass for a coding comment.
 */
static void
put_quoted(struct buf *out, const char *s, size_t len, char q)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t c;
	size_t n;

	buf_addc(out, q);
	while (len > 0) {
		n = sv_utf8_decode(p, len, &c);
		if (n == 1 && c == 'c' && is_coding_word(p, len)) {
			buf_adds(out, "\\x63");
		} else if (n == 0) {
			c = *p;
			n = 1;
			buf_addf(out, "\\x%02X", (unsigned)c);
		} else if (c == 0xfffe || c == 0xffff) {
			buf_addf(out, "\\x{%X}", (unsigned)c);
		} else {
			put_quoted_char(out, c, q);
		}
		p += n;
		len -= n;
	}
	buf_addc(out, q);
}

static bool
atom_is_bare(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || !(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	for (i = 1; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '@'))
			return false;
	return !tt_is_reserved(s) && strcmp(s, "maybe") != 0 &&
	    strcmp(s, "else") != 0;
}

static void
put_atom(struct buf *out, const char *s, size_t len)
{
	if (atom_is_bare(s, len))
		buf_add(out, s, len);
	else
		put_quoted(out, s, len, '\'');
}

/* The shortest text that reads back as f, in a form Erlang accepts
 * (digits on both sides of the '.', as 1.0e10). */
static void
put_float(struct buf *out, double f)
{
	char tmp[48], *e;
	int prec;

	if (isnan(f) || isinf(f)) {  /* Erlang has neither */
		buf_adds(out, isnan(f) ? "'nan'" : f < 0 ? "'-inf'" : "'inf'");
		return;
	}
	for (prec = 1; prec < 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, f);
		if (strtod(tmp, NULL) == f)
			break;
	}
	snprintf(tmp, sizeof(tmp), "%.*g", prec, f);
	e = strchr(tmp, 'e');
	if (e != NULL)
		*e = '\0';
	buf_adds(out, tmp);
	if (strchr(tmp, '.') == NULL)
		buf_adds(out, ".0");
	if (e != NULL) {
		const char *x = e + 1;

		buf_addc(out, 'e');
		if (*x == '-')
			buf_addc(out, *x);
		if (*x == '-' || *x == '+')
			x++;
		while (x[0] == '0' && x[1] != '\0')
			x++;
		buf_adds(out, x);
	}
}

/* Characters a binary may hold to be written as <<"...">>. */
static bool
is_text_byte(unsigned char c)
{
	return (c >= ' ' && c < 0x7f) || c == '\t' || c == '\n' ||
	    c == '\r' || c == '\v' || c == '\b' || c == '\f' || c == 0x1b;
}

/* How a binary is written: 0 as bytes, 1 as <<"...">>, 2 as
 * <<"..."/utf8>>. */
static int
binary_style(const struct sv_term *t)
{
	const unsigned char *p = (const unsigned char *)t->s;
	size_t len = t->len, n;
	bool ascii = true;
	uint32_t c;

	if (t->kind != SV_TERM_BINARY || len == 0)
		return 0;
	while (len > 0) {
		n = sv_utf8_decode(p, len, &c);
		if (n == 0)
			return 0;
		if (c < 0x80 ? !is_text_byte((unsigned char)c) :
		    c < 0xa0 || c == 0xfffe || c == 0xffff)
			return 0;
		ascii = ascii && c < 0x80;
		p += n;
		len -= n;
	}
	return ascii ? 1 : 2;
}

static void
put_binary(struct buf *out, const struct sv_term *t)
{
	int style = binary_style(t);
	size_t i, whole = t->len;

	buf_adds(out, "<<");
	if (style != 0) {
		put_quoted(out, t->s, t->len, '"');
		if (style == 2)
			buf_adds(out, "/utf8");
		buf_adds(out, ">>");
		return;
	}
	if (t->kind == SV_TERM_BITSTR && t->len > 0)
		whole--;
	for (i = 0; i < whole; i++)
		buf_addf(out, i > 0 ? ",%u" : "%u", (unsigned char)t->s[i]);
	if (whole < t->len) {
		unsigned bits = t->bits >= 1 && t->bits <= 7 ? t->bits : 8;

		buf_addf(out, "%s%u:%u", whole > 0 ? "," : "",
		    (unsigned)((unsigned char)t->s[whole] >> (8 - bits)), bits);
	}
	buf_adds(out, ">>");
}

/* Can a string's text be written as "..."? Not if it is not UTF-8 or
 * holds U+FFFE or U+FFFF, which Erlang strings cannot spell. */
static bool
string_writable(const struct sv_term *t)
{
	const unsigned char *p = (const unsigned char *)t->s;
	size_t len = t->len, n;
	uint32_t c;

	while (len > 0) {
		n = sv_utf8_decode(p, len, &c);
		if (n == 0 || c == 0xfffe || c == 0xffff)
			return false;
		p += n;
		len -= n;
	}
	return true;
}

static void
put_string(struct buf *out, const struct sv_term *t)
{
	const unsigned char *p = (const unsigned char *)t->s;
	size_t len = t->len, n;
	uint32_t c;
	bool first = true;

	if (string_writable(t)) {
		put_quoted(out, t->s, t->len, '"');
		return;
	}
	buf_addc(out, '[');
	while (len > 0) {
		n = sv_utf8_decode(p, len, &c);
		if (n == 0) {
			c = *p;
			n = 1;
		}
		buf_addf(out, first ? "%u" : ",%u", (unsigned)c);
		first = false;
		p += n;
		len -= n;
	}
	buf_addc(out, ']');
}

static void
put_scalar(struct buf *out, const struct sv_term *t)
{
	switch (t->kind) {
	case SV_TERM_INT:
		buf_addf(out, "%" PRId64, t->i);
		break;
	case SV_TERM_BIGINT:
		buf_add(out, t->s, t->len);
		break;
	case SV_TERM_FLOAT:
		put_float(out, t->f);
		break;
	case SV_TERM_ATOM:
	case SV_TERM_OTHER:
		put_atom(out, t->s != NULL ? t->s : "", t->len);
		break;
	case SV_TERM_STRING:
		put_string(out, t);
		break;
	case SV_TERM_BINARY:
	case SV_TERM_BITSTR:
		put_binary(out, t);
		break;
	default:
		break;
	}
}

static bool
is_container(const struct sv_term *t)
{
	return t->kind == SV_TERM_TUPLE || t->kind == SV_TERM_LIST ||
	    t->kind == SV_TERM_MAP;
}

static void
put_flat(struct buf *out, const struct sv_term *t)
{
	size_t i;

	if (!is_container(t)) {
		put_scalar(out, t);
		return;
	}
	buf_adds(out, t->kind == SV_TERM_TUPLE ? "{" :
	    t->kind == SV_TERM_LIST ? "[" : "#{");
	for (i = 0; i < t->n; i++) {
		if (i > 0)
			buf_adds(out, t->kind == SV_TERM_MAP && i % 2 == 1 ?
			    " => " : ",");
		put_flat(out, t->v[i]);
	}
	if (t->kind == SV_TERM_LIST && t->tail != NULL) {
		buf_addc(out, '|');
		put_flat(out, t->tail);
	}
	buf_addc(out, t->kind == SV_TERM_LIST ? ']' : '}');
}

/*
 * What is left of budget after writing t flat, or -1 if it does not fit.
 * Stops early, so it costs O(budget) however large t is.
 */
static long
flat_room(const struct sv_term *t, long budget)
{
	struct buf tmp;
	size_t i;

	if (budget < 0)
		return -1;
	if (!is_container(t)) {
		long left;

		if ((long)t->len > budget)
			return -1;
		buf_init(&tmp);
		put_scalar(&tmp, t);
		left = budget - (long)tmp.len;
		buf_release(&tmp);
		return left < 0 ? -1 : left;
	}
	budget -= t->kind == SV_TERM_MAP ? 3 : 2;
	for (i = 0; i < t->n && budget >= 0; i++) {
		if (i > 0)
			budget -= t->kind == SV_TERM_MAP && i % 2 == 1 ? 4 : 1;
		budget = flat_room(t->v[i], budget);
	}
	if (t->kind == SV_TERM_LIST && t->tail != NULL && budget >= 0)
		budget = flat_room(t->tail, budget - 1);
	return budget;
}

struct writer {
	struct buf *out;
	size_t start;  /* where our output began in out */
	int indent;    /* the column at start */
};

/* The current column (0-based). */
static int
column(const struct writer *w)
{
	size_t i = w->out->len;

	while (i > w->start && w->out->s[i - 1] != '\n')
		i--;
	if (i > w->start)
		return (int)(w->out->len - i);
	return w->indent + (int)(w->out->len - w->start);
}

static void
newline(struct writer *w, int col)
{
	buf_addc(w->out, '\n');
	while (col-- > 0)
		buf_addc(w->out, ' ');
}

static void
put_pretty(struct writer *w, const struct sv_term *t, int col)
{
	const char *open;
	int inner;
	size_t i;

	if (!is_container(t) || flat_room(t, WIDTH - col) >= 0) {
		put_flat(w->out, t);
		return;
	}
	open = t->kind == SV_TERM_TUPLE ? "{" :
	    t->kind == SV_TERM_LIST ? "[" : "#{";
	buf_adds(w->out, open);
	inner = col + (int)strlen(open);
	for (i = 0; i < t->n; i++) {
		if (t->kind == SV_TERM_MAP) {
			if (i % 2 == 1) {
				buf_adds(w->out, " => ");
				put_pretty(w, t->v[i], column(w));
				continue;
			}
			if (i > 0) {
				buf_addc(w->out, ',');
				newline(w, inner);
			}
		} else if (i > 0) {
			buf_addc(w->out, ',');
			newline(w, inner);
		}
		put_pretty(w, t->v[i], inner);
	}
	if (t->kind == SV_TERM_LIST && t->tail != NULL) {
		buf_addc(w->out, '|');
		put_pretty(w, t->tail, column(w));
	}
	buf_addc(w->out, t->kind == SV_TERM_LIST ? ']' : '}');
}

void
sv_term_write(struct buf *out, const struct sv_term *t, int indent)
{
	struct writer w = { out, out->len, indent };

	put_pretty(&w, t, indent);
}

void
sv_term_write_flat(struct buf *out, const struct sv_term *t)
{
	put_flat(out, t);
}
