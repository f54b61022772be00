/*
 * term_scan.c - the scanner of Erlang term text: erl_scan's tokens
 * (OTP 25), every read bounded by the end pointer (see term_int.h).
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

/* ---- scanner ---- */


int
tt_fail(struct parser *ps, unsigned line, unsigned col, const char *fmt, ...)
{
	struct buf msg;
	va_list ap;

	buf_init(&msg);
	va_start(ap, fmt);
	buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	sv_err_set(ps->e, SV_INPUT, "%s:%u:%u: %s", ps->name, line, col,
	    msg.s);
	buf_release(&msg);
	return SV_INPUT;
}

/* The code point at p (the text is valid UTF-8), its length in *len;
 * -1 at the end. */
static long
cp_at(const struct parser *ps, const char *p, size_t *len)
{
	uint32_t c;

	if (p >= ps->end) {
		*len = 0;
		return -1;
	}
	if ((unsigned char)*p < 0x80) {  /* most of any text */
		*len = 1;
		return (unsigned char)*p;
	}
	*len = sv_utf8_decode((const unsigned char *)p, (size_t)(ps->end - p), &c);
	if (*len == 0) {  /* cannot happen after validation */
		*len = 1;
		return (unsigned char)*p;
	}
	return (long)c;
}

static long
peek(const struct parser *ps)
{
	size_t len;

	return cp_at(ps, ps->p, &len);
}

/* The character after the current one, or -1. */
static long
peek2(const struct parser *ps)
{
	size_t len;

	if (cp_at(ps, ps->p, &len) < 0)
		return -1;
	return cp_at(ps, ps->p + len, &len);
}

/* Consume one character, keeping line and column. */
static void
step(struct parser *ps)
{
	size_t len;

	if (cp_at(ps, ps->p, &len) == '\n') {
		ps->line++;
		ps->col = 1;
	} else {
		ps->col++;
	}
	ps->p += len;
}

static bool
is_space(long c)
{
	return (c >= 0 && c <= ' ') || (c >= 0x80 && c <= 0xa0);
}

static bool
is_digit(long c)
{
	return c >= '0' && c <= '9';
}

/* Lowercase letters (ASCII and Latin-1) start atoms. */
static bool
is_lower(long c)
{
	return (c >= 'a' && c <= 'z') || (c >= 0xdf && c <= 0xff && c != 0xf7);
}

static bool
is_upper(long c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 0xc0 && c <= 0xde && c != 0xd7);
}

static bool
is_name_char(long c)
{
	return is_lower(c) || is_upper(c) || is_digit(c) || c == '_' ||
	    c == '@';
}

/* Characters erl_scan accepts in strings, atoms and comments. */
bool
tt_is_unicode(long c)
{
	return c >= 0 && c <= 0x10ffff && !(c >= 0xd800 && c <= 0xdfff) &&
	    c != 0xfffe && c != 0xffff;
}

static int
digit_value(long c)
{
	if (c >= '0' && c <= '9')
		return (int)(c - '0');
	if (c >= 'a' && c <= 'z')
		return (int)(c - 'a' + 10);
	if (c >= 'A' && c <= 'Z')
		return (int)(c - 'A' + 10);
	return 99;
}

static int
cmp_word(const void *key, const void *w)
{
	return strcmp(key, *(const char *const *)w);
}

bool
tt_is_reserved(const char *s)
{
	/* Sorted, for bsearch; none longer than 7 bytes. */
	static const char *const words[] = {
		"after", "and", "andalso", "band", "begin", "bnot", "bor",
		"bsl", "bsr", "bxor", "case", "catch", "cond", "div", "end",
		"fun", "if", "let", "not", "of", "or", "orelse", "receive",
		"rem", "try", "when", "xor"
	};

	return strnlen(s, 8) <= 7 && bsearch(s, words,
	    sizeof(words) / sizeof(words[0]), sizeof(words[0]), cmp_word);
}

/*
 * Scan the escape after a backslash (ps->p is past the backslash) into
 * *out. The backslash was at line/col. Returns 1 at end of input.
 */
static int
scan_escape(struct parser *ps, unsigned line, unsigned col, uint32_t *out)
{
	long c = peek(ps);
	uint32_t v = 0;
	int i;

	if (c < 0)
		return 1;
	if (c >= '0' && c <= '7') {
		for (i = 0; i < 3 && peek(ps) >= '0' && peek(ps) <= '7'; i++) {
			v = v * 8 + (uint32_t)(peek(ps) - '0');
			step(ps);
		}
		*out = v;
		return SV_OK;
	}
	if (c == 'x') {
		step(ps);
		if (peek(ps) == '{') {
			bool digits = false, big = false;

			step(ps);
			while (digit_value(peek(ps)) < 16) {
				v = v * 16 + (uint32_t)digit_value(peek(ps));
				if (v > 0x10ffff) {
					big = true;
					v = 0x110000;
				}
				digits = true;
				step(ps);
			}
			if (peek(ps) < 0)
				return 1;
			if (peek(ps) != '}' || !digits || big ||
			    !tt_is_unicode((long)v))
				return tt_fail(ps, line, col,
				    "invalid escape sequence: \\x{ needs "
				    "hexadecimal digits of a Unicode character "
				    "and '}'");
			step(ps);
			*out = v;
			return SV_OK;
		}
		if (peek(ps) < 0 ||
		    (digit_value(peek(ps)) < 16 && peek2(ps) < 0))
			return 1;
		if (digit_value(peek(ps)) >= 16 || digit_value(peek2(ps)) >= 16)
			return tt_fail(ps, line, col, "invalid escape sequence: "
			    "\\x needs two hexadecimal digits or {...}");
		v = (uint32_t)digit_value(peek(ps)) * 16;
		step(ps);
		v += (uint32_t)digit_value(peek(ps));
		step(ps);
		*out = v;
		return SV_OK;
	}
	if (c == '^') {
		step(ps);
		if (peek(ps) < 0)
			return 1;
		*out = (uint32_t)peek(ps) & 31;
		step(ps);
		return SV_OK;
	}
	if (!tt_is_unicode(c))
		return tt_fail(ps, line, col, "invalid escape sequence");
	switch (c) {
	case 'b': v = '\b'; break;
	case 'd': v = 0x7f; break;
	case 'e': v = 0x1b; break;
	case 'f': v = '\f'; break;
	case 'n': v = '\n'; break;
	case 'r': v = '\r'; break;
	case 's': v = ' '; break;
	case 't': v = '\t'; break;
	case 'v': v = '\v'; break;
	default: v = (uint32_t)c; break;
	}
	step(ps);
	*out = v;
	return SV_OK;
}

/* Scan a string or quoted atom; ps->p is at the opening quote q. */
static int
scan_quoted(struct parser *ps, char q)
{
	struct token *t = &ps->tok;
	const char *what = q == '"' ? "string" : "quoted atom";
	size_t chars = 0;

	step(ps);
	for (;;) {
		unsigned line = ps->line, col = ps->col;
		long c = peek(ps);
		uint32_t v;
		int status;

		if (c < 0)
			return tt_fail(ps, t->line, t->col, "unterminated %s",
			    what);
		if (c == q) {
			step(ps);
			break;
		}
		if (c == '\\') {
			step(ps);
			status = scan_escape(ps, line, col, &v);
			if (status == 1)
				return tt_fail(ps, t->line, t->col,
				    "unterminated %s", what);
			if (status != SV_OK)
				return status;
		} else {
			v = (uint32_t)c;
			step(ps);
		}
		if (v == 0)
			t->nul = true;
		sv_utf8_put(&t->text, v);
		chars++;
	}
	if (q == '\'' && chars > MAX_ATOM_CHARS)
		return tt_fail(ps, t->line, t->col, "atom too long (%zu "
		    "characters, at most %d)", chars, MAX_ATOM_CHARS);
	return SV_OK;
}

/* Append the digits of a number in base (with '_' between digits) to
 * t->text; false if there was none. */
static bool
scan_digits(struct parser *ps, int base)
{
	bool any = false;

	for (;;) {
		long c = peek(ps);

		if (digit_value(c) < base) {
			buf_addc(&ps->tok.text, (char)c);
			any = true;
			step(ps);
		} else if (c == '_' && any && digit_value(peek2(ps)) < base) {
			step(ps);
		} else {
			return any;
		}
	}
}

/* Set t->i from decimal or based digits in t->text, or make the token a
 * T_BIGINT holding the value in decimal. */
static int
make_integer(struct parser *ps, int base)
{
	struct token *t = &ps->tok;
	uint64_t v = 0;
	uint32_t *limb = NULL;
	size_t nlimb = 0, alloc = 0, i, j;
	const char *d = t->text.s;
	bool over = false;
	struct buf dec;

	for (i = 0; i < t->text.len; i++) {
		unsigned dv = (unsigned)digit_value(d[i]);

		if (v > (UINT64_C(0x7fffffffffffffff) - dv) / (unsigned)base) {
			over = true;
			break;
		}
		v = v * (unsigned)base + dv;
	}
	if (!over) {
		t->kind = T_INT;
		t->i = (int64_t)v;
		return SV_OK;
	}
	t->kind = T_BIGINT;
	if (base == 10) {
		/* Already decimal: drop leading zeros. */
		for (i = 0; i + 1 < t->text.len && d[i] == '0'; i++)
			;
		if (i > 0) {
			memmove(t->text.s, d + i, t->text.len - i);
			buf_truncate(&t->text, t->text.len - i);
		}
		return SV_OK;
	}
	if (t->text.len > MAX_RADIX_DIGITS)
		return tt_fail(ps, t->line, t->col,
		    "integer too large (more than "
		    "%d digits in base %d)", MAX_RADIX_DIGITS, base);
	/* Convert to base 10^9 limbs, least significant first. */
	for (i = 0; i < t->text.len; i++) {
		uint64_t carry = (uint64_t)digit_value(d[i]);

		for (j = 0; j < nlimb; j++) {
			uint64_t x = (uint64_t)limb[j] * (unsigned)base + carry;

			limb[j] = (uint32_t)(x % 1000000000u);
			carry = x / 1000000000u;
		}
		while (carry > 0) {
			xgrow(&limb, &alloc, nlimb + 1, sizeof(*limb));
			limb[nlimb++] = (uint32_t)(carry % 1000000000u);
			carry /= 1000000000u;
		}
	}
	buf_init(&dec);
	buf_addf(&dec, "%" PRIu32, limb[nlimb - 1]);
	for (j = nlimb - 1; j-- > 0;)
		buf_addf(&dec, "%09" PRIu32, limb[j]);
	free(limb);
	buf_reset(&t->text);
	buf_add(&t->text, dec.s, dec.len);
	buf_release(&dec);
	return SV_OK;
}

/* Scan a number; ps->p is at its first digit. */
static int
scan_number(struct parser *ps)
{
	struct token *t = &ps->tok;
	long base;

	scan_digits(ps, 10);
	if (peek(ps) == '#') {
		base = t->text.len <= 9 ? strtol(t->text.s, NULL, 10) : 0;
		if (base < 2 || base > 36)
			return tt_fail(ps, t->line, t->col,
			    "invalid integer base "
			    "%s (must be 2..36)", t->text.s);
		step(ps);
		buf_reset(&t->text);
		if (!scan_digits(ps, (int)base))
			return tt_fail(ps, t->line, t->col, "invalid integer: no "
			    "base %ld digits after '#'", base);
		return make_integer(ps, (int)base);
	}
	if (peek(ps) != '.' || !is_digit(peek2(ps)))
		return make_integer(ps, 10);
	buf_addc(&t->text, '.');
	step(ps);
	scan_digits(ps, 10);
	if (peek(ps) == 'e' || peek(ps) == 'E') {
		buf_addc(&t->text, 'e');
		step(ps);
		if (peek(ps) == '+' || peek(ps) == '-') {
			buf_addc(&t->text, (char)peek(ps));
			step(ps);
		}
		if (!scan_digits(ps, 10))
			return tt_fail(ps, t->line, t->col, "invalid float: no "
			    "digits in the exponent");
	}
	t->kind = T_FLOAT;
	t->f = strtod(t->text.s, NULL);
	if (isinf(t->f))
		return tt_fail(ps, t->line, t->col, "float out of range");
	return SV_OK;
}

/* Read the next token into ps->tok. */
int
tt_next(struct parser *ps)
{
	struct token *t = &ps->tok;
	long c;
	int status = SV_OK;

	for (;;) {
		c = peek(ps);
		if (is_space(c)) {
			step(ps);
		} else if (c == '%') {
			while (peek(ps) >= 0 && peek(ps) != '\n')
				step(ps);
		} else {
			break;
		}
	}
	buf_reset(&t->text);
	t->line = ps->line;
	t->col = ps->col;
	t->src = ps->p;
	t->reserved = t->quoted = t->nul = false;
	t->punct[0] = '\0';
	t->i = 0;
	t->f = 0;
	if (c < 0) {
		t->kind = T_EOF;
	} else if (is_digit(c)) {
		status = scan_number(ps);
	} else if (is_lower(c) || is_upper(c) || c == '_') {
		size_t chars = 0;

		t->kind = is_lower(c) ? T_ATOM : T_VAR;
		while (is_name_char(c = peek(ps))) {
			if (c < 0x80)
				buf_addc(&t->text, (char)c);
			else
				sv_utf8_put(&t->text, (uint32_t)c);
			chars++;
			step(ps);
		}
		if (chars > MAX_ATOM_CHARS)
			return tt_fail(ps, t->line, t->col, "%s too long (%zu "
			    "characters, at most %d)", t->kind == T_ATOM ?
			    "atom" : "variable name", chars, MAX_ATOM_CHARS);
		t->reserved = t->kind == T_ATOM && tt_is_reserved(t->text.s);
	} else if (c == '"' || c == '\'') {
		t->kind = c == '"' ? T_STRING : T_ATOM;
		t->quoted = c == '\'';
		status = scan_quoted(ps, (char)c);
	} else if (c == '$') {
		uint32_t v;

		t->kind = T_CHAR;
		step(ps);
		c = peek(ps);
		if (c < 0)
			return tt_fail(ps, t->line, t->col,
			    "expected a character "
			    "after '$', found end of input");
		step(ps);
		if (c == '\\') {
			status = scan_escape(ps, t->line, t->col, &v);
			if (status == 1)
				return tt_fail(ps, t->line, t->col, "expected a "
				    "character after '$\\', found end of "
				    "input");
			if (status != SV_OK)
				return status;
			c = (long)v;
		}
		t->i = c;
	} else if (c == '.' && (peek2(ps) < 0 || is_space(peek2(ps)) ||
	    peek2(ps) == '%')) {
		t->kind = T_END;
		step(ps);
	} else {
		static const char *const two[] = { "=>", ":=", "<<", ">>" };
		size_t i;

		t->kind = T_PUNCT;
		for (i = 0; i < sizeof(two) / sizeof(two[0]); i++) {
			if (c == two[i][0] && peek2(ps) == two[i][1]) {
				memcpy(t->punct, two[i], 3);
				step(ps);
				break;
			}
		}
		if (t->punct[0] == '\0') {
			struct buf one;

			buf_init(&one);
			sv_utf8_put(&one, (uint32_t)c);
			memcpy(t->punct, one.s, one.len + 1);
			buf_release(&one);
		}
		step(ps);
	}
	t->srclen = (size_t)(ps->p - t->src);
	return status;
}

bool
tt_is_punct(const struct parser *ps, const char *s)
{
	return ps->tok.kind == T_PUNCT && strcmp(ps->tok.punct, s) == 0;
}

/* Describe the current token for "found ..." in messages. */
const char *
tt_describe(const struct parser *ps, char *tmp, size_t n)
{
	const struct token *t = &ps->tok;
	size_t len = t->srclen;
	const char *ell = "";

	if (len > 40) {
		len = 40;
		while (len > 0 && (t->src[len] & 0xc0) == 0x80)
			len--;
		ell = "...";
	}
	switch (t->kind) {
	case T_EOF:
		return "end of input";
	case T_END:
		return "'.'";
	case T_VAR:
		snprintf(tmp, n, "variable %.*s%s", (int)len, t->src, ell);
		break;
	case T_STRING:
		snprintf(tmp, n, "string %.*s%s", (int)len, t->src, ell);
		break;
	case T_ATOM:
		if (t->quoted)
			snprintf(tmp, n, "%.*s%s", (int)len, t->src, ell);
		else
			snprintf(tmp, n, "%s'%.*s%s'", t->reserved ?
			    "reserved word " : "", (int)len, t->src, ell);
		break;
	case T_PUNCT:
		if ((unsigned char)t->punct[0] == 0x7f)
			return "character U+007F";
		snprintf(tmp, n, "'%s'", t->punct);
		break;
	default:
		snprintf(tmp, n, "'%.*s%s'", (int)len, t->src, ell);
		break;
	}
	return tmp;
}

int
tt_expected(struct parser *ps, const char *what)
{
	char tmp[128];

	return tt_fail(ps, ps->tok.line, ps->tok.col, "expected %s, found %s",
	    what, tt_describe(ps, tmp, sizeof(tmp)));
}
