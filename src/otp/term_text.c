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

#define MAX_DEPTH 10000         /* nesting of tuples, lists, maps, () */

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

/* ---- parser ---- */

struct sv_term *
tt_new_at(enum sv_term_kind kind, unsigned line, unsigned col)
{
	struct sv_term *t = sv_term_new(kind);

	t->line = line;
	t->col = col;
	return t;
}

void
tt_set_bytes(struct sv_term *t, const char *p, size_t len)
{
	t->s = xmalloc(len + 1);
	if (len > 0)
		memcpy(t->s, p, len);
	t->s[len] = '\0';
	t->len = len;
}

/* The number in the current token (T_CHAR, T_INT, T_BIGINT, T_FLOAT). */
struct sv_term *
tt_number_term(const struct parser *ps, unsigned line, unsigned col)
{
	const struct token *tk = &ps->tok;
	struct sv_term *t;

	switch (tk->kind) {
	case T_FLOAT:
		t = tt_new_at(SV_TERM_FLOAT, line, col);
		t->f = tk->f;
		break;
	case T_BIGINT:
		t = tt_new_at(SV_TERM_BIGINT, line, col);
		tt_set_bytes(t, tk->text.s, tk->text.len);
		break;
	default:
		t = tt_new_at(SV_TERM_INT, line, col);
		t->i = tk->i;
		break;
	}
	return t;
}

bool
tt_is_number_token(const struct parser *ps)
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
int
tt_parse_signed(struct parser *ps, struct sv_term **out)
{
	unsigned line = ps->tok.line, col = ps->tok.col, parens = 0;
	bool minus = tt_is_punct(ps, "-");
	struct sv_term *t;
	int status;

	if ((status = tt_next(ps)) != SV_OK)
		return status;
	while (tt_is_punct(ps, "(")) {
		if (++parens > MAX_DEPTH)
			return tt_fail(ps, ps->tok.line, ps->tok.col, "terms "
			    "nested deeper than %d levels", MAX_DEPTH);
		if ((status = tt_next(ps)) != SV_OK)
			return status;
	}
	if (!tt_is_number_token(ps))
		return tt_expected(ps, minus ? "a number after '-'" :
		    "a number after '+'");
	t = tt_number_term(ps, line, col);
	if (minus)
		negate(t);
	status = tt_next(ps);
	for (; status == SV_OK && parens > 0; parens--) {
		if (!tt_is_punct(ps, ")"))
			status = tt_expected(ps, "')'");
		else
			status = tt_next(ps);
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
int
tt_take_strings(struct parser *ps, struct buf *text, bool *nul)
{
	int status;

	*nul = false;
	do {
		buf_add(text, ps->tok.text.s, ps->tok.text.len);
		*nul = *nul || ps->tok.nul;
		if ((status = tt_next(ps)) != SV_OK)
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
		struct sv_term *i = tt_new_at(SV_TERM_INT, line, col);

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
		t = tt_new_at(SV_TERM_LIST, line, col);
		push_code_points(t, text->s, text->len, line, col);
	} else {
		t = tt_new_at(SV_TERM_STRING, line, col);
		tt_set_bytes(t, text->s, text->len);
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
	bool tuple = tt_is_punct(ps, "{"), map = tt_is_punct(ps, "#");
	const char *close = tuple || map ? "}" : "]";
	struct keyset ks = { NULL, NULL, 0, 0 };
	struct sv_term *t, *c = NULL, *v = NULL;
	int status;

	t = tt_new_at(tuple ? SV_TERM_TUPLE : map ? SV_TERM_MAP : SV_TERM_LIST,
	    ps->tok.line, ps->tok.col);
	if ((status = tt_next(ps)) != SV_OK)
		goto out;
	if (map) {
		if (!tt_is_punct(ps, "{")) {
			status = tt_expected(ps, "'{' after '#'");
			goto out;
		}
		if ((status = tt_next(ps)) != SV_OK)
			goto out;
	}
	if (tt_is_punct(ps, close)) {
		status = tt_next(ps);
		goto out;
	}
	for (;;) {
		if ((status = parse_term(ps, depth + 1, &c)) != SV_OK)
			goto out;
		if (map) {
			if (!tt_is_punct(ps, "=>")) {
				status = tt_expected(ps, "'=>'");
				goto out;
			}
			if ((status = tt_next(ps)) != SV_OK ||
			    (status = parse_term(ps, depth + 1, &v)) != SV_OK)
				goto out;
			map_put(t, &ks, c, v);
			v = NULL;
		} else {
			sv_term_push(t, c);
		}
		c = NULL;
		if (tt_is_punct(ps, ",")) {
			if ((status = tt_next(ps)) != SV_OK)
				goto out;
			continue;
		}
		if (tt_is_punct(ps, close)) {
			status = tt_next(ps);
			goto out;
		}
		if (!tuple && !map && tt_is_punct(ps, "|"))
			break;
		status = tt_expected(ps, tuple || map ? "',' or '}'" :
		    "',', '|' or ']'");
		goto out;
	}
	/* The tail of an improper list. */
	if ((status = tt_next(ps)) != SV_OK ||
	    (status = parse_term(ps, depth + 1, &c)) != SV_OK)
		goto out;
	set_tail(t, c);
	c = NULL;
	if (!tt_is_punct(ps, "]"))
		status = tt_expected(ps, "']'");
	else
		status = tt_next(ps);
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
		return tt_fail(ps, line, col,
		    "terms nested deeper than %d levels",
		    MAX_DEPTH);
	switch (tk->kind) {
	case T_ATOM:
		if (tk->reserved && strcmp(tk->text.s, "fun") == 0)
			return tt_fail(ps, line, col, "unsupported term: funs");
		if (tk->reserved)
			return tt_expected(ps, "a term");
		t = tt_new_at(SV_TERM_ATOM, line, col);
		tt_set_bytes(t, tk->text.s, tk->text.len);
		break;
	case T_STRING:
		buf_init(&text);
		status = tt_take_strings(ps, &text, &nul);
		if (status == SV_OK)
			*out = string_term(&text, nul, line, col);
		buf_release(&text);
		return status;
	case T_CHAR:
	case T_INT:
	case T_BIGINT:
	case T_FLOAT:
		t = tt_number_term(ps, line, col);
		break;
	case T_PUNCT:
		if (tt_is_punct(ps, "{") || tt_is_punct(ps, "[") ||
		    tt_is_punct(ps, "#"))
			return parse_container(ps, depth, out);
		if (tt_is_punct(ps, "<<"))
			return tt_parse_binary(ps, out);
		if (tt_is_punct(ps, "-") || tt_is_punct(ps, "+"))
			return tt_parse_signed(ps, out);
		if (tt_is_punct(ps, "(")) {
			if ((status = tt_next(ps)) != SV_OK ||
			    (status = parse_term(ps, depth + 1, &t)) != SV_OK)
				return status;
			if (!tt_is_punct(ps, ")"))
				status = tt_expected(ps, "')'");
			else
				status = tt_next(ps);
			if (status != SV_OK) {
				sv_term_free(t);
				return status;
			}
			*out = t;
			return SV_OK;
		}
		/* fall through */
	default:
		return tt_expected(ps, "a term");
	}
	if ((status = tt_next(ps)) != SV_OK) {
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
	if ((status = tt_next(&ps)) != SV_OK)
		goto out;
	while (ps.tok.kind != T_EOF) {
		if ((status = parse_term(&ps, 0, &t)) != SV_OK)
			goto out;
		if (tt_is_punct(&ps, ".")) {
			status = tt_fail(&ps, ps.tok.line, ps.tok.col, "'.' must "
			    "be followed by whitespace or end of input");
			goto out;
		}
		if (ps.tok.kind != T_END) {
			status = tt_expected(&ps, "'.'");
			goto out;
		}
		xgrow(&ts->v, &ts->alloc, ts->n + 1, sizeof(*ts->v));
		ts->v[ts->n++] = t;
		t = NULL;
		if ((status = tt_next(&ps)) != SV_OK)
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
