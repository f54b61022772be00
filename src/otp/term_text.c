/*
 * term_text.c - Erlang term text: the reader (what file:consult/1
 * accepts for data) and the writer (what it reads back =:=).
 *
 * Reading happens in three steps: the "coding:" comment picks the
 * encoding, the text is checked as UTF-8 (or converted from Latin-1) so
 * that the rest works on valid UTF-8 only, then a scanner hands tokens to
 * a recursive descent parser. Recursion depth is limited, so hostile input
 * cannot exhaust the stack; every read is bounded by the end pointer.
 *
 * The token rules follow erl_scan (OTP 25): whitespace is every character
 * up to ' ' and U+0080..U+00A0; bare atoms and variables may use Latin-1
 * letters; escapes are \b \d \e \f \n \r \s \t \v, \NNN (octal, 1-3
 * digits), \xHH, \x{H...}, \^C (control) and \C for any other C.
 */
#include "config.h"

#include "otp/term.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/outfile.h"
#include "base/utf8.h"
#include "base/xalloc.h"

#define MAX_DEPTH 10000         /* nesting of tuples, lists, maps, () */
#define MAX_ATOM_CHARS 255      /* file:consult refuses longer atoms */
#define MAX_RADIX_DIGITS 10000  /* digits of a Base#digits bigint */
#define MAX_BINARY_BITS ((size_t)1 << 27)  /* 16 MiB per binary */
#define MAX_SEGMENT_BITS 65536  /* Size*Unit of one binary segment */
#define WIDTH 80                /* pretty-printing line width */

/* ---- text preparation ---- */

/* Look for a "coding: NAME" in a comment on the first two lines, as
 * epp:set_encoding/1 does (within the first 512 bytes). Returns true for
 * latin-1. */
static bool
coding_is_latin1(const char *s, size_t len)
{
	const char *p = s, *end = s + (len < 512 ? len : 512);
	int line = 0;
	bool in_comment = false;

	while (p < end && line < 2) {
		const char *q;
		char word[16];
		size_t n = 0;

		if (*p == '\n') {
			line++;
			in_comment = false;
			p++;
			continue;
		}
		if (!in_comment) {
			in_comment = *p++ == '%';
			continue;
		}
		if (end - p < 6 || memcmp(p, "coding", 6) != 0) {
			p++;
			continue;
		}
		q = p + 6;
		while (q < end && *q == ' ')
			q++;
		if (q >= end || (*q != ':' && *q != '=')) {
			p++;
			continue;
		}
		q++;
		while (q < end && *q == ' ')
			q++;
		/* The name: alphanumeric parts joined by '-'. epp decides on
		 * the first two parts: "latin" "1" or "utf" "8". */
		while (q < end && n < sizeof(word) - 1 &&
		    ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
		    (*q >= '0' && *q <= '9') || *q == '-')) {
			char c = *q++;

			word[n++] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
		}
		word[n] = '\0';
		return strncmp(word, "latin-1", 7) == 0 &&
		    (word[7] == '\0' || word[7] == '-');
	}
	return false;
}

/* ---- scanner ---- */

enum tok_kind {
	T_EOF,     /* end of input */
	T_END,     /* '.' followed by whitespace, '%' or end of input */
	T_PUNCT,   /* .punct: "{", "=>", "<<", or any other character */
	T_ATOM,    /* .text */
	T_VAR,     /* .text */
	T_STRING,  /* .text (code points as UTF-8), .nul */
	T_CHAR,    /* .i */
	T_INT,     /* .i */
	T_BIGINT,  /* .text: decimal digits */
	T_FLOAT    /* .f */
};

struct token {
	enum tok_kind kind;
	unsigned line, col;
	const char *src;       /* the token's text in the input */
	size_t srclen;
	char punct[8];
	bool reserved;         /* an unquoted reserved word */
	bool quoted;           /* a quoted atom */
	bool nul;              /* a string holding the code point 0 */
	int64_t i;
	double f;
	struct buf text;
};

struct parser {
	const char *name;
	const char *p, *end;   /* valid UTF-8 */
	unsigned line, col;
	struct token tok;
	struct sv_err *e;
};

static int
fail(struct parser *ps, unsigned line, unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
fail(struct parser *ps, unsigned line, unsigned col, const char *fmt, ...)
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
static bool
is_unicode(long c)
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

static bool
is_reserved(const char *s)
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
			    !is_unicode((long)v))
				return fail(ps, line, col,
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
			return fail(ps, line, col, "invalid escape sequence: "
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
	if (!is_unicode(c))
		return fail(ps, line, col, "invalid escape sequence");
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
			return fail(ps, t->line, t->col, "unterminated %s",
			    what);
		if (c == q) {
			step(ps);
			break;
		}
		if (c == '\\') {
			step(ps);
			status = scan_escape(ps, line, col, &v);
			if (status == 1)
				return fail(ps, t->line, t->col,
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
		return fail(ps, t->line, t->col, "atom too long (%zu "
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
		return fail(ps, t->line, t->col, "integer too large (more than "
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
			return fail(ps, t->line, t->col, "invalid integer base "
			    "%s (must be 2..36)", t->text.s);
		step(ps);
		buf_reset(&t->text);
		if (!scan_digits(ps, (int)base))
			return fail(ps, t->line, t->col, "invalid integer: no "
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
			return fail(ps, t->line, t->col, "invalid float: no "
			    "digits in the exponent");
	}
	t->kind = T_FLOAT;
	t->f = strtod(t->text.s, NULL);
	if (isinf(t->f))
		return fail(ps, t->line, t->col, "float out of range");
	return SV_OK;
}

/* Read the next token into ps->tok. */
static int
next(struct parser *ps)
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
			return fail(ps, t->line, t->col, "%s too long (%zu "
			    "characters, at most %d)", t->kind == T_ATOM ?
			    "atom" : "variable name", chars, MAX_ATOM_CHARS);
		t->reserved = t->kind == T_ATOM && is_reserved(t->text.s);
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
			return fail(ps, t->line, t->col, "expected a character "
			    "after '$', found end of input");
		step(ps);
		if (c == '\\') {
			status = scan_escape(ps, t->line, t->col, &v);
			if (status == 1)
				return fail(ps, t->line, t->col, "expected a "
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

static bool
is_punct(const struct parser *ps, const char *s)
{
	return ps->tok.kind == T_PUNCT && strcmp(ps->tok.punct, s) == 0;
}

/* Describe the current token for "found ..." in messages. */
static const char *
describe(const struct parser *ps, char *tmp, size_t n)
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

static int
expected(struct parser *ps, const char *what)
{
	char tmp[128];

	return fail(ps, ps->tok.line, ps->tok.col, "expected %s, found %s",
	    what, describe(ps, tmp, sizeof(tmp)));
}

/* ---- parser ---- */

static struct sv_term *
new_at(enum sv_term_kind kind, unsigned line, unsigned col)
{
	struct sv_term *t = sv_term_new(kind);

	t->line = line;
	t->col = col;
	return t;
}

static void
set_bytes(struct sv_term *t, const char *p, size_t len)
{
	t->s = xmalloc(len + 1);
	if (len > 0)
		memcpy(t->s, p, len);
	t->s[len] = '\0';
	t->len = len;
}

/* The number in the current token (T_CHAR, T_INT, T_BIGINT, T_FLOAT). */
static struct sv_term *
number_term(const struct parser *ps, unsigned line, unsigned col)
{
	const struct token *tk = &ps->tok;
	struct sv_term *t;

	switch (tk->kind) {
	case T_FLOAT:
		t = new_at(SV_TERM_FLOAT, line, col);
		t->f = tk->f;
		break;
	case T_BIGINT:
		t = new_at(SV_TERM_BIGINT, line, col);
		set_bytes(t, tk->text.s, tk->text.len);
		break;
	default:
		t = new_at(SV_TERM_INT, line, col);
		t->i = tk->i;
		break;
	}
	return t;
}

static bool
is_number_token(const struct parser *ps)
{
	enum tok_kind k = ps->tok.kind;

	return k == T_CHAR || k == T_INT || k == T_BIGINT || k == T_FLOAT;
}

static void
negate(struct sv_term *t)
{
	if (t->kind == SV_TERM_INT) {
		t->i = -t->i;
	} else if (t->kind == SV_TERM_FLOAT) {
		t->f = -t->f;
	} else if (strcmp(t->s, "9223372036854775808") == 0) {
		free(t->s);
		t->s = NULL;
		t->len = 0;
		t->kind = SV_TERM_INT;
		t->i = INT64_MIN;
	} else {
		char *s = xmalloc(t->len + 2);

		s[0] = '-';
		memcpy(s + 1, t->s, t->len + 1);
		free(t->s);
		t->s = s;
		t->len++;
	}
}

/*
 * A signed number: '-' or '+' (the current token) applied to a number,
 * which may sit in parentheses as in -(5), never to another operator.
 */
static int
parse_signed(struct parser *ps, struct sv_term **out)
{
	unsigned line = ps->tok.line, col = ps->tok.col, parens = 0;
	bool minus = is_punct(ps, "-");
	struct sv_term *t;
	int status;

	if ((status = next(ps)) != SV_OK)
		return status;
	while (is_punct(ps, "(")) {
		if (++parens > MAX_DEPTH)
			return fail(ps, ps->tok.line, ps->tok.col, "terms "
			    "nested deeper than %d levels", MAX_DEPTH);
		if ((status = next(ps)) != SV_OK)
			return status;
	}
	if (!is_number_token(ps))
		return expected(ps, minus ? "a number after '-'" :
		    "a number after '+'");
	t = number_term(ps, line, col);
	if (minus)
		negate(t);
	status = next(ps);
	for (; status == SV_OK && parens > 0; parens--) {
		if (!is_punct(ps, ")"))
			status = expected(ps, "')'");
		else
			status = next(ps);
	}
	if (status != SV_OK) {
		sv_term_free(t);
		return status;
	}
	*out = t;
	return SV_OK;
}

/* The current string token and any adjacent ones, as one string in
 * *text; *nul is set if a NUL code point occurs. */
static int
take_strings(struct parser *ps, struct buf *text, bool *nul)
{
	int status;

	*nul = false;
	do {
		buf_add(text, ps->tok.text.s, ps->tok.text.len);
		*nul = *nul || ps->tok.nul;
		if ((status = next(ps)) != SV_OK)
			return status;
	} while (ps->tok.kind == T_STRING);
	return SV_OK;
}

/* Push the code points of UTF-8 text onto list as integers. */
static void
push_code_points(struct sv_term *list, const char *s, size_t len,
    unsigned line, unsigned col)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t c;
	size_t n;

	while (len > 0 && (n = sv_utf8_decode(p, len, &c)) > 0) {
		struct sv_term *i = new_at(SV_TERM_INT, line, col);

		i->i = c;
		sv_term_push(list, i);
		p += n;
		len -= n;
	}
}

/* A string literal: SV_TERM_STRING, or a list of integers when it holds
 * NUL (a string's text is NUL-terminated UTF-8). */
static struct sv_term *
string_term(const struct buf *text, bool nul, unsigned line, unsigned col)
{
	struct sv_term *t;

	if (nul) {
		t = new_at(SV_TERM_LIST, line, col);
		push_code_points(t, text->s, text->len, line, col);
	} else {
		t = new_at(SV_TERM_STRING, line, col);
		set_bytes(t, text->s, text->len);
	}
	return t;
}

/* Make tail the tail of list, flattening it as Erlang does: [a|[b]] is
 * [a,b] and [a|"bc"] is [a,98,99]. */
static void
set_tail(struct sv_term *list, struct sv_term *tail)
{
	size_t i;

	if (tail->kind == SV_TERM_LIST) {
		for (i = 0; i < tail->n; i++)
			sv_term_push(list, tail->v[i]);
		tail->n = 0;
		list->tail = tail->tail;
		tail->tail = NULL;
		sv_term_free(tail);
	} else if (tail->kind == SV_TERM_STRING) {
		push_code_points(list, tail->s, tail->len, tail->line,
		    tail->col);
		sv_term_free(tail);
	} else {
		list->tail = tail;
	}
}

/* ---- map keys: later pairs replace earlier ones with an equal key ---- */

static uint64_t
mix(uint64_t h, uint64_t v)
{
	h ^= v + UINT64_C(0x9e3779b97f4a7c15) + (h << 6) + (h >> 2);
	return h;
}

static uint64_t hash_term(const struct sv_term *t);

static uint64_t
hash_bytes(uint64_t h, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * UINT64_C(0x100000001b3);
	return h;
}

/* A hash that agrees with sv_term_equal: a string hashes as the list of
 * its code points. */
static uint64_t
hash_term(const struct sv_term *t)
{
	uint64_t h = (uint64_t)t->kind;
	size_t i;

	switch (t->kind) {
	case SV_TERM_INT:
		return mix(h, (uint64_t)t->i);
	case SV_TERM_FLOAT: {
		double f = t->f == 0 ? 0 : t->f;
		uint64_t bits;

		memcpy(&bits, &f, sizeof(bits));
		return mix(h, bits);
	}
	case SV_TERM_STRING: {
		const unsigned char *p = (const unsigned char *)t->s;
		size_t len = t->len, n;
		uint32_t c;

		h = (uint64_t)SV_TERM_LIST;
		while (len > 0 && (n = sv_utf8_decode(p, len, &c)) > 0) {
			h = mix(h, mix((uint64_t)SV_TERM_INT, c));
			p += n;
			len -= n;
		}
		return mix(h, 0);
	}
	case SV_TERM_TUPLE:
	case SV_TERM_LIST:
	case SV_TERM_MAP:
		for (i = 0; i < t->n; i++)
			h = mix(h, hash_term(t->v[i]));
		return mix(h, t->tail != NULL ? hash_term(t->tail) : 0);
	default:
		return mix(hash_bytes(h, t->s, t->len), t->bits);
	}
}

struct keyset {
	size_t *slot;   /* pair index + 1, 0 for empty */
	uint64_t *hash; /* of the key, by pair index */
	size_t mask, halloc;
};

/* Add key and value to map, replacing the value of an equal key. */
static void
map_put(struct sv_term *map, struct keyset *ks, struct sv_term *key,
    struct sv_term *val)
{
	size_t npairs = map->n / 2, i;
	uint64_t h = hash_term(key);

	if (2 * (npairs + 1) > ks->mask) {  /* rebuild at load <= 1/2 */
		size_t size = ks->mask == 0 ? 16 : 2 * (ks->mask + 1);

		free(ks->slot);
		ks->slot = xcalloc(size, sizeof(*ks->slot));
		ks->mask = size - 1;
		for (i = 0; i < npairs; i++) {
			size_t j = ks->hash[i] & ks->mask;

			while (ks->slot[j] != 0)
				j = (j + 1) & ks->mask;
			ks->slot[j] = i + 1;
		}
	}
	for (i = h & ks->mask; ks->slot[i] != 0; i = (i + 1) & ks->mask) {
		size_t k = ks->slot[i] - 1;

		if (ks->hash[k] == h && sv_term_equal(map->v[2 * k], key)) {
			sv_term_free(key);
			sv_term_free(map->v[2 * k + 1]);
			map->v[2 * k + 1] = val;
			return;
		}
	}
	ks->slot[i] = npairs + 1;
	xgrow(&ks->hash, &ks->halloc, npairs + 1, sizeof(*ks->hash));
	ks->hash[npairs] = h;
	sv_term_push(map, key);
	sv_term_push(map, val);
}

static int parse_term(struct parser *ps, int depth, struct sv_term **out);

/* A tuple, list or map; the current token is its opening bracket. */
static int
parse_container(struct parser *ps, int depth, struct sv_term **out)
{
	bool tuple = is_punct(ps, "{"), map = is_punct(ps, "#");
	const char *close = tuple || map ? "}" : "]";
	struct keyset ks = { NULL, NULL, 0, 0 };
	struct sv_term *t, *c = NULL, *v = NULL;
	int status;

	t = new_at(tuple ? SV_TERM_TUPLE : map ? SV_TERM_MAP : SV_TERM_LIST,
	    ps->tok.line, ps->tok.col);
	if ((status = next(ps)) != SV_OK)
		goto out;
	if (map) {
		if (!is_punct(ps, "{")) {
			status = expected(ps, "'{' after '#'");
			goto out;
		}
		if ((status = next(ps)) != SV_OK)
			goto out;
	}
	if (is_punct(ps, close)) {
		status = next(ps);
		goto out;
	}
	for (;;) {
		if ((status = parse_term(ps, depth + 1, &c)) != SV_OK)
			goto out;
		if (map) {
			if (!is_punct(ps, "=>")) {
				status = expected(ps, "'=>'");
				goto out;
			}
			if ((status = next(ps)) != SV_OK ||
			    (status = parse_term(ps, depth + 1, &v)) != SV_OK)
				goto out;
			map_put(t, &ks, c, v);
			v = NULL;
		} else {
			sv_term_push(t, c);
		}
		c = NULL;
		if (is_punct(ps, ",")) {
			if ((status = next(ps)) != SV_OK)
				goto out;
			continue;
		}
		if (is_punct(ps, close)) {
			status = next(ps);
			goto out;
		}
		if (!tuple && !map && is_punct(ps, "|"))
			break;
		status = expected(ps, tuple || map ? "',' or '}'" :
		    "',', '|' or ']'");
		goto out;
	}
	/* The tail of an improper list. */
	if ((status = next(ps)) != SV_OK ||
	    (status = parse_term(ps, depth + 1, &c)) != SV_OK)
		goto out;
	set_tail(t, c);
	c = NULL;
	if (!is_punct(ps, "]"))
		status = expected(ps, "']'");
	else
		status = next(ps);
out:
	free(ks.slot);
	free(ks.hash);
	sv_term_free(c);
	sv_term_free(v);
	if (status != SV_OK) {
		sv_term_free(t);
		return status;
	}
	*out = t;
	return SV_OK;
}

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

		if (!is_unicode((long)v) && !(v >= 0xfffe && v <= 0xffff))
			return fail(ps, line, col, "invalid Unicode character "
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
		return fail(ps, line, col, "binary too large (over %zu bytes)",
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

		if ((status = next(ps)) != SV_OK)
			return status;
		if (ps->tok.kind != T_ATOM)
			return expected(ps, "a binary segment type");
		name = ps->tok.text.s;
		if (strcmp(name, "unit") == 0) {
			if ((status = next(ps)) != SV_OK)
				return status;
			if (!is_punct(ps, ":"))
				return expected(ps, "':' after unit");
			if ((status = next(ps)) != SV_OK)
				return status;
			if (ps->tok.kind != T_INT || ps->tok.i < 1 ||
			    ps->tok.i > 256)
				return expected(ps, "a unit of 1..256");
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
			return fail(ps, ps->tok.line, ps->tok.col,
			    "unsupported binary segment type %s (only "
			    "integer, signed, unsigned, big, little, unit:N "
			    "and utf8)", describe(ps, tmp, sizeof(tmp)));
		}
		if ((status = next(ps)) != SV_OK)
			return status;
	} while (is_punct(ps, "-"));
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
		if ((status = take_strings(ps, &text, &nul)) != SV_OK)
			goto out;
	} else if (is_punct(ps, "-") || is_punct(ps, "+")) {
		if ((status = parse_signed(ps, &num)) != SV_OK)
			goto out;
	} else if (is_number_token(ps)) {
		num = number_term(ps, line, col);
		if ((status = next(ps)) != SV_OK)
			goto out;
	} else {
		status = expected(ps, "an integer or a string in the binary");
		goto out;
	}
	if (num != NULL && num->kind != SV_TERM_INT) {
		status = fail(ps, line, col, "unsupported binary segment: "
		    "only integers that fit in 64 bits and strings");
		goto out;
	}
	if (is_punct(ps, ":")) {
		if ((status = next(ps)) != SV_OK)
			goto out;
		if (ps->tok.kind != T_INT) {
			status = expected(ps, "a segment size");
			goto out;
		}
		sg.has_size = true;
		sg.size = (size_t)(ps->tok.i > MAX_SEGMENT_BITS ?
		    MAX_SEGMENT_BITS + 1 : ps->tok.i);
		if ((status = next(ps)) != SV_OK)
			goto out;
	}
	if (is_punct(ps, "/") && (status = parse_types(ps, &sg)) != SV_OK)
		goto out;
	if (sg.utf8 && sg.has_size) {
		status = fail(ps, line, col, "a utf8 segment cannot have a "
		    "size");
		goto out;
	}
	if (!sg.utf8 && (sg.has_size ? sg.size : 8) * sg.unit >
	    MAX_SEGMENT_BITS) {
		status = fail(ps, line, col, "unsupported binary segment size "
		    "(over %d bits)", MAX_SEGMENT_BITS);
		goto out;
	}
	if (sg.little && (sg.has_size ? sg.size : 8) * sg.unit % 8 != 0) {
		status = fail(ps, line, col, "unsupported binary segment: "
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
static int
parse_binary(struct parser *ps, struct sv_term **out)
{
	struct sv_term *t = new_at(SV_TERM_BINARY, ps->tok.line, ps->tok.col);
	struct bits bs;
	int status;

	buf_init(&bs.b);
	bs.n = 0;
	if ((status = next(ps)) != SV_OK)
		goto out;
	if (is_punct(ps, ">>")) {
		status = next(ps);
		goto out;
	}
	for (;;) {
		if ((status = parse_segment(ps, &bs)) != SV_OK)
			goto out;
		if (is_punct(ps, ">>")) {
			status = next(ps);
			break;
		}
		if (!is_punct(ps, ",")) {
			status = expected(ps, "',' or '>>'");
			goto out;
		}
		if ((status = next(ps)) != SV_OK)
			goto out;
	}
out:
	if (status != SV_OK) {
		buf_release(&bs.b);
		sv_term_free(t);
		return status;
	}
	set_bytes(t, bs.b.s, bs.b.len);
	if (bs.n % 8 != 0) {
		t->kind = SV_TERM_BITSTR;
		t->bits = (unsigned)(bs.n % 8);
	}
	buf_release(&bs.b);
	*out = t;
	return SV_OK;
}

/* One term, starting at the current token. */
static int
parse_term(struct parser *ps, int depth, struct sv_term **out)
{
	struct token *tk = &ps->tok;
	unsigned line = tk->line, col = tk->col;
	struct sv_term *t;
	struct buf text;
	bool nul;
	int status;

	*out = NULL;
	if (depth > MAX_DEPTH)
		return fail(ps, line, col, "terms nested deeper than %d levels",
		    MAX_DEPTH);
	switch (tk->kind) {
	case T_ATOM:
		if (tk->reserved && strcmp(tk->text.s, "fun") == 0)
			return fail(ps, line, col, "unsupported term: funs");
		if (tk->reserved)
			return expected(ps, "a term");
		t = new_at(SV_TERM_ATOM, line, col);
		set_bytes(t, tk->text.s, tk->text.len);
		break;
	case T_STRING:
		buf_init(&text);
		status = take_strings(ps, &text, &nul);
		if (status == SV_OK)
			*out = string_term(&text, nul, line, col);
		buf_release(&text);
		return status;
	case T_CHAR:
	case T_INT:
	case T_BIGINT:
	case T_FLOAT:
		t = number_term(ps, line, col);
		break;
	case T_PUNCT:
		if (is_punct(ps, "{") || is_punct(ps, "[") || is_punct(ps, "#"))
			return parse_container(ps, depth, out);
		if (is_punct(ps, "<<"))
			return parse_binary(ps, out);
		if (is_punct(ps, "-") || is_punct(ps, "+"))
			return parse_signed(ps, out);
		if (is_punct(ps, "(")) {
			if ((status = next(ps)) != SV_OK ||
			    (status = parse_term(ps, depth + 1, &t)) != SV_OK)
				return status;
			if (!is_punct(ps, ")"))
				status = expected(ps, "')'");
			else
				status = next(ps);
			if (status != SV_OK) {
				sv_term_free(t);
				return status;
			}
			*out = t;
			return SV_OK;
		}
		/* fall through */
	default:
		return expected(ps, "a term");
	}
	if ((status = next(ps)) != SV_OK) {
		sv_term_free(t);
		return status;
	}
	*out = t;
	return SV_OK;
}

/*
 * Make text valid UTF-8 in out: convert Latin-1, or check UTF-8 (and
 * that there are no characters erl_scan refuses).
 */
static int
prepare(const char *text, size_t len, const char *name, struct buf *out,
    struct sv_err *e)
{
	const unsigned char *p = (const unsigned char *)text;
	unsigned line = 1, col = 1;
	size_t i = 0, n;
	uint32_t c;

	if (coding_is_latin1(text, len)) {
		buf_grow(out, len + len / 8);
		for (i = 0; i < len; i++)
			sv_utf8_put(out, p[i]);
		return SV_OK;
	}
	while (i < len) {
		n = sv_utf8_decode(p + i, len - i, &c);
		if (n == 0) {
			sv_err_set(e, SV_INPUT, "%s:%u:%u: invalid UTF-8 (byte "
			    "0x%02x)", name, line, col, p[i]);
			return sv_err_hint(e, "a Latin-1 file needs "
			    "\"%%%% coding: latin-1\" on its first line");
		}
		if (c == 0xfffe || c == 0xffff)
			return sv_err_set(e, SV_INPUT, "%s:%u:%u: invalid "
			    "character U+%04" PRIX32, name, line, col, c);
		if (c == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
		i += n;
	}
	buf_add(out, text, len);
	return SV_OK;
}

void
sv_terms_init(struct sv_terms *ts)
{
	ts->v = NULL;
	ts->n = ts->alloc = 0;
}

void
sv_terms_release(struct sv_terms *ts)
{
	size_t i;

	for (i = 0; i < ts->n; i++)
		sv_term_free(ts->v[i]);
	free(ts->v);
	sv_terms_init(ts);
}

int
sv_terms_parse(struct sv_terms *ts, const char *text, size_t len,
    const char *name, struct sv_err *e)
{
	struct parser ps;
	struct sv_term *t = NULL;
	struct buf utf8;
	size_t n0 = ts->n;
	int status;

	buf_init(&utf8);
	memset(&ps, 0, sizeof(ps));
	buf_init(&ps.tok.text);
	if ((status = prepare(text, len, name, &utf8, e)) != SV_OK)
		goto out;
	ps.name = name;
	ps.p = utf8.s;
	ps.end = utf8.s + utf8.len;
	ps.line = ps.col = 1;
	ps.e = e;
	if ((status = next(&ps)) != SV_OK)
		goto out;
	while (ps.tok.kind != T_EOF) {
		if ((status = parse_term(&ps, 0, &t)) != SV_OK)
			goto out;
		if (is_punct(&ps, ".")) {
			status = fail(&ps, ps.tok.line, ps.tok.col, "'.' must "
			    "be followed by whitespace or end of input");
			goto out;
		}
		if (ps.tok.kind != T_END) {
			status = expected(&ps, "'.'");
			goto out;
		}
		xgrow(&ts->v, &ts->alloc, ts->n + 1, sizeof(*ts->v));
		ts->v[ts->n++] = t;
		t = NULL;
		if ((status = next(&ps)) != SV_OK)
			goto out;
	}
out:
	sv_term_free(t);
	if (status != SV_OK) {
		while (ts->n > n0)
			sv_term_free(ts->v[--ts->n]);
	}
	buf_release(&ps.tok.text);
	buf_release(&utf8);
	return status;
}

int
sv_terms_load(struct sv_terms *ts, const char *path, size_t max,
    struct sv_err *e)
{
	struct buf b;
	int status;

	buf_init(&b);
	status = sv_read_file(path, &b, max, e);
	if (status == SV_OK)
		status = sv_terms_parse(ts, b.s, b.len, path, e);
	buf_release(&b);
	return status;
}

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
	return !is_reserved(s) && strcmp(s, "maybe") != 0 &&
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
