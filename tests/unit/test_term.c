#include "config.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/outfile.h"
#include "base/xalloc.h"
#include "otp/term.h"
#include "unit.h"

/* Parse text that must hold exactly one term. */
static struct sv_term *
parse1(const char *text)
{
	struct sv_terms ts;
	struct sv_term *t;
	struct sv_err e;

	sv_err_init(&e);
	sv_terms_init(&ts);
	if (sv_terms_parse(&ts, text, strlen(text), "t", &e) != SV_OK)
		ck_abort_msg("parsing <%s> failed: %s", text, e.msg);
	ck_assert_uint_eq(ts.n, 1);
	t = ts.v[0];
	ts.n = 0;
	sv_terms_release(&ts);
	return t;
}

/* Parse text that must fail; check the message. */
static void
parse_fails_n(const char *text, size_t len, const char *msg)
{
	struct sv_terms ts;
	struct sv_err e;

	sv_err_init(&e);
	sv_terms_init(&ts);
	if (sv_terms_parse(&ts, text, len, "f.config", &e) != SV_INPUT)
		ck_abort_msg("parsing <%s> did not fail", text);
	ck_assert_str_eq(e.msg, msg);
	ck_assert_uint_eq(ts.n, 0);
	sv_terms_release(&ts);
}

static void
parse_fails(const char *text, const char *msg)
{
	parse_fails_n(text, strlen(text), msg);
}

/* The flat text of the single term in text. */
static char *
flat(const char *text)
{
	struct sv_term *t = parse1(text);
	struct buf b;

	buf_init(&b);
	sv_term_write_flat(&b, t);
	sv_term_free(t);
	return buf_detach(&b);
}

#define ck_flat(text, want) do {                 \
		char *got_ = flat(text);         \
		ck_assert_str_eq(got_, want);    \
		free(got_);                      \
	} while (0)

/* Write t pretty and flat, parse both back and compare with t. */
static void
round_trip(const struct sv_term *t)
{
	struct buf b;
	struct sv_term *back;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		buf_init(&b);
		if (pass == 0)
			sv_term_write(&b, t, 0);
		else
			sv_term_write_flat(&b, t);
		buf_adds(&b, ".\n");
		back = parse1(b.s);
		if (!sv_term_equal(t, back))
			ck_abort_msg("round trip changed the term: %s", b.s);
		sv_term_free(back);
		buf_release(&b);
	}
}

static void
round_trip_text(const char *text)
{
	struct sv_term *t = parse1(text);

	round_trip(t);
	sv_term_free(t);
}

START_TEST(atoms)
{
	struct sv_term *t;

	t = parse1("abc.");
	ck_assert_int_eq(t->kind, SV_TERM_ATOM);
	ck_assert_str_eq(t->s, "abc");
	ck_assert_uint_eq(t->line, 1);
	ck_assert_uint_eq(t->col, 1);
	sv_term_free(t);
	t = parse1("  'quoted atom'.");
	ck_assert(sv_term_is_atom(t, "quoted atom"));
	ck_assert_uint_eq(t->col, 3);
	sv_term_free(t);
	t = parse1("'it\\'s\\n\\x{e9}'.");
	ck_assert(sv_term_is_atom(t, "it's\n\xc3\xa9"));
	sv_term_free(t);
	t = parse1("true.");
	ck_assert(sv_term_is_atom(t, "true"));
	sv_term_free(t);
	t = parse1("node@host_1.");
	ck_assert(sv_term_is_atom(t, "node@host_1"));
	sv_term_free(t);
	t = parse1("\xc3\xa9t\xc3\xa9.");  /* Latin-1 letters make bare atoms */
	ck_assert(sv_term_is_atom(t, "\xc3\xa9t\xc3\xa9"));
	sv_term_free(t);
	t = parse1("'end'.");
	ck_assert(sv_term_is_atom(t, "end"));
	sv_term_free(t);
	t = parse1("''.");
	ck_assert(sv_term_is_atom(t, ""));
	sv_term_free(t);
}
END_TEST

START_TEST(atom_length)
{
	char text[300];
	struct sv_term *t;
	struct buf b;
	int i;

	memset(text, 'a', 255);
	strcpy(text + 255, ".");
	t = parse1(text);
	ck_assert_uint_eq(t->len, 255);
	sv_term_free(t);
	memset(text, 'a', 256);
	strcpy(text + 256, ".");
	parse_fails(text, "f.config:1:1: atom too long (256 characters, at "
	    "most 255)");
	text[0] = '\'';
	memset(text + 1, 'b', 256);
	strcpy(text + 257, "'.");
	parse_fails(text, "f.config:1:1: atom too long (256 characters, at "
	    "most 255)");
	/* Characters, not bytes: 255 two-byte characters are fine. */
	buf_init(&b);
	buf_addc(&b, '\'');
	for (i = 0; i < 255; i++)
		buf_adds(&b, "\xc3\xa9");
	buf_adds(&b, "'.");
	t = parse1(b.s);
	ck_assert_uint_eq(t->len, 510);
	buf_release(&b);
	sv_term_free(t);
}
END_TEST

START_TEST(strings)
{
	struct sv_term *t;
	char *s;

	t = parse1("\"esc \\n\\t\\\"\\\\\\e\\d\\s\\v\\b\\f\\r\".");
	ck_assert_int_eq(t->kind, SV_TERM_STRING);
	ck_assert_str_eq(t->s, "esc \n\t\"\\\033\177 \v\b\f\r");
	sv_term_free(t);
	t = parse1("\"\\101\\1012\\7x\\x41\\x{263A}\\x{1F600}\\^a\\^Z\\q\".");
	ck_assert_str_eq(t->s, "AA2\007xA\xe2\x98\xba\xf0\x9f\x98\x80"
	    "\001\032q");
	sv_term_free(t);
	t = parse1("\"ab\" \"cd\"\n % comment\n \"ef\".");
	ck_assert_str_eq(t->s, "abcdef");
	sv_term_free(t);
	t = parse1("\"multi\nline\".");
	ck_assert_str_eq(t->s, "multi\nline");
	sv_term_free(t);
	/* A string with NUL is kept as a list of integers. */
	t = parse1("\"a\\0b\".");
	ck_assert_int_eq(t->kind, SV_TERM_LIST);
	ck_assert_uint_eq(t->n, 3);
	ck_assert_int_eq(t->v[1]->i, 0);
	ck_assert(!sv_term_text(t, &s));
	sv_term_free(t);
	t = parse1("\"\".");
	ck_assert_int_eq(t->kind, SV_TERM_STRING);
	ck_assert_uint_eq(sv_term_list_len(t), 0);
	sv_term_free(t);
}
END_TEST

START_TEST(strings_equal_lists)
{
	struct sv_term *s = parse1("\"h\xc3\xa9\".");
	struct sv_term *l = parse1("[104, 233].");
	struct sv_term *l2 = parse1("[104, 233, 0].");
	struct sv_term *e1 = parse1("\"\".");
	struct sv_term *e2 = parse1("[].");
	struct sv_term *i = parse1("[$h|\"\xc3\xa9\"].");
	char *text;

	ck_assert(sv_term_equal(s, l));
	ck_assert(sv_term_equal(l, s));
	ck_assert(sv_term_equal(s, i));
	ck_assert(!sv_term_equal(s, l2));
	ck_assert(sv_term_equal(e1, e2));
	ck_assert(!sv_term_equal(e1, s));
	ck_assert(sv_term_text(s, &text));
	ck_assert_str_eq(text, "h\xc3\xa9");
	free(text);
	ck_assert(sv_term_text(l, &text));
	ck_assert_str_eq(text, "h\xc3\xa9");
	free(text);
	ck_assert(sv_term_text(e2, &text));
	ck_assert_str_eq(text, "");
	free(text);
	ck_assert(!sv_term_text(l2, &text));
	ck_assert_ptr_null(text);
	ck_assert_uint_eq(sv_term_list_len(s), 2);
	ck_assert(sv_term_is_list(s) && sv_term_is_list(e2));
	sv_term_free(s);
	sv_term_free(l);
	sv_term_free(l2);
	sv_term_free(e1);
	sv_term_free(e2);
	sv_term_free(i);
}
END_TEST

START_TEST(chars)
{
	static const struct { const char *text; int64_t want; } cases[] = {
		{ "$a.", 'a' }, { "$\\n.", '\n' }, { "$\\s.", ' ' },
		{ "$ .", ' ' }, { "$\\\\.", '\\' }, { "$\\x{1F600}.", 0x1f600 },
		{ "$\\^A.", 1 }, { "$'.", '\'' }, { "$\".", '"' },
		{ "$\n.", '\n' }, { "$\xc3\xa9.", 0xe9 }, { "-$a.", -97 },
		{ "$\\101.", 'A' },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sv_term *t = parse1(cases[i].text);

		ck_assert_int_eq(t->kind, SV_TERM_INT);
		ck_assert_int_eq(t->i, cases[i].want);
		sv_term_free(t);
	}
}
END_TEST

START_TEST(integers)
{
	static const struct { const char *text; int64_t want; } cases[] = {
		{ "123.", 123 }, { "-5.", -5 }, { "+7.", 7 }, { "- 5.", -5 },
		{ "16#ff.", 255 }, { "16#FF_FF.", 65535 }, { "2#1010.", 10 },
		{ "36#zz.", 1295 }, { "1_000.", 1000 }, { "007.", 7 },
		{ "9223372036854775807.", INT64_MAX },
		{ "-9223372036854775808.", INT64_MIN },
		{ "-16#8000000000000000.", INT64_MIN },
		{ "-(5).", -5 }, { "(((7))).", 7 },
	};
	static const struct { const char *text, *want; } big[] = {
		{ "9223372036854775808.", "9223372036854775808" },
		{ "-123456789012345678901234567890.",
		    "-123456789012345678901234567890" },
		{ "000123456789012345678901234567890.",
		    "123456789012345678901234567890" },
		{ "16#FFFFFFFFFFFFFFFFFFFF.", "1208925819614629174706175" },
		{ "-36#ZZZZZZZZZZZZZZZZ.", "-7958661109946400884391935" },
		{ "2#1" "00000000000000000000000000000000"
		    "00000000000000000000000000000000.",
		    "18446744073709551616" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sv_term *t = parse1(cases[i].text);

		ck_assert_int_eq(t->kind, SV_TERM_INT);
		ck_assert_int_eq(t->i, cases[i].want);
		sv_term_free(t);
	}
	for (i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
		struct sv_term *t = parse1(big[i].text);

		ck_assert_int_eq(t->kind, SV_TERM_BIGINT);
		ck_assert_str_eq(t->s, big[i].want);
		round_trip(t);
		sv_term_free(t);
	}
}
END_TEST

START_TEST(floats)
{
	static const struct { const char *text; double want; } cases[] = {
		{ "1.5.", 1.5 }, { "1.0e10.", 1e10 }, { "-2.5E-3.", -2.5e-3 },
		{ "3.0e+5.", 3e5 }, { "1_0.5_5.", 10.55 }, { "+0.25.", 0.25 },
		{ "1.0e-400.", 0.0 },
	};
	struct sv_term *t;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t = parse1(cases[i].text);
		ck_assert_int_eq(t->kind, SV_TERM_FLOAT);
		ck_assert(t->f == cases[i].want);
		sv_term_free(t);
	}
	/* "1." is the integer 1 and then the end of the term. */
	t = parse1("1.");
	ck_assert_int_eq(t->kind, SV_TERM_INT);
	sv_term_free(t);
	t = parse1("-0.0.");
	ck_assert(t->f == 0 && signbit(t->f));
	sv_term_free(t);
}
END_TEST

START_TEST(containers)
{
	struct sv_term *t;

	t = parse1("{}.");
	ck_assert_int_eq(t->kind, SV_TERM_TUPLE);
	ck_assert_uint_eq(t->n, 0);
	sv_term_free(t);
	t = parse1("{a, [], \"s\"}.");
	ck_assert_uint_eq(t->n, 3);
	ck_assert_int_eq(t->v[1]->kind, SV_TERM_LIST);
	ck_assert_uint_eq(t->v[1]->col, 5);
	sv_term_free(t);
	t = parse1("[a|b].");
	ck_assert_uint_eq(t->n, 1);
	ck_assert(sv_term_is_atom(t->tail, "b"));
	ck_assert(!sv_term_is_list(t));
	sv_term_free(t);
	t = parse1("[a,b|c].");
	ck_assert_uint_eq(t->n, 2);
	ck_assert(sv_term_is_atom(t->tail, "c"));
	sv_term_free(t);
	/* Tails that are lists are flattened, as Erlang does. */
	t = parse1("[a|[b|[c|[]]]].");
	ck_assert_uint_eq(t->n, 3);
	ck_assert_ptr_null(t->tail);
	sv_term_free(t);
	t = parse1("[a|[b|c]].");
	ck_assert_uint_eq(t->n, 2);
	ck_assert(sv_term_is_atom(t->tail, "c"));
	sv_term_free(t);
	t = parse1("[a|\"bc\"].");
	ck_assert_uint_eq(t->n, 3);
	ck_assert_int_eq(t->v[2]->i, 'c');
	sv_term_free(t);
	t = parse1("#{a => 1, \"b\" => [2], {c} => #{d => e}}.");
	ck_assert_int_eq(t->kind, SV_TERM_MAP);
	ck_assert_uint_eq(t->n, 6);
	ck_assert_int_eq(t->v[5]->kind, SV_TERM_MAP);
	sv_term_free(t);
	/* A later equal key replaces the value ("" equals []). */
	t = parse1("#{k => 1, [] => 2, k => 3, \"\" => 4}.");
	ck_assert_uint_eq(t->n, 4);
	ck_assert_int_eq(t->v[1]->i, 3);
	ck_assert_int_eq(t->v[3]->i, 4);
	sv_term_free(t);
	t = parse1("# {}.");
	ck_assert_int_eq(t->kind, SV_TERM_MAP);
	sv_term_free(t);
}
END_TEST

START_TEST(many_map_keys)
{
	struct buf b;
	struct sv_term *t;
	int i;

	buf_init(&b);
	buf_adds(&b, "#{");
	for (i = 0; i < 5000; i++)
		buf_addf(&b, "%sk%d => %d", i > 0 ? "," : "", i % 1000, i);
	buf_adds(&b, "}.");
	t = parse1(b.s);
	ck_assert_uint_eq(t->n, 2000);
	ck_assert_str_eq(t->v[0]->s, "k0");
	ck_assert_int_eq(t->v[1]->i, 4000);
	sv_term_free(t);
	buf_release(&b);
}
END_TEST

START_TEST(binaries)
{
	static const struct { const char *text; const char *bytes;
	    size_t len; } cases[] = {
		{ "<<>>.", "", 0 },
		{ "<<\"text\">>.", "text", 4 },
		{ "<<1,2,3>>.", "\1\2\3", 3 },
		{ "<<\"a\", 0, \"b\">>.", "a\0b", 3 },
		{ "<<\"a\" \"b\">>.", "ab", 2 },
		{ "<<1:16>>.", "\0\1", 2 },
		{ "<<-1>>.", "\377", 1 },
		{ "<<256>>.", "\0", 1 },
		{ "<<$a, -$a>>.", "a\237", 2 },
		{ "<<\"\xc3\xa9\">>.", "\351", 1 },
		{ "<<\"\xc3\xa9\"/utf8>>.", "\xc3\xa9", 2 },
		{ "<<1000:16/little>>.", "\350\3", 2 },
		{ "<<1000:16/big-unsigned-integer>>.", "\3\350", 2 },
		{ "<<\"ab\":16>>.", "\0a\0b", 4 },
		{ "<<1:2/unit:8>>.", "\0\1", 2 },
		{ "<<16#1F600/utf8>>.", "\xf0\x9f\x98\x80", 4 },
		{ "<<7:4, 1:4>>.", "\x71", 1 },
		{ "<<1:104>>.", "\0\0\0\0\0\0\0\0\0\0\0\0\1", 13 },
		{ "<<-1:72/signed>>.", "\377\377\377\377\377\377\377\377\377",
		    9 },
	};
	struct sv_term *t;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t = parse1(cases[i].text);
		ck_assert_int_eq(t->kind, SV_TERM_BINARY);
		ck_assert_uint_eq(t->len, cases[i].len);
		ck_assert_mem_eq(t->s, cases[i].bytes, cases[i].len);
		round_trip(t);
		sv_term_free(t);
	}
	t = parse1("<<7:4, 1:4, 5:3>>.");
	ck_assert_int_eq(t->kind, SV_TERM_BITSTR);
	ck_assert_uint_eq(t->len, 2);
	ck_assert_uint_eq(t->bits, 3);
	ck_assert_mem_eq(t->s, "\x71\xa0", 2);
	round_trip(t);
	sv_term_free(t);
	t = parse1("<<1:3>>.");
	ck_assert_int_eq(t->kind, SV_TERM_BITSTR);
	ck_assert_uint_eq(t->bits, 3);
	sv_term_free(t);
}
END_TEST

START_TEST(layout)
{
	struct sv_term *t;

	/* Comments, any whitespace, several terms, end rules. */
	struct sv_terms ts;
	struct sv_err e;
	const char *text = "%% header\n{a,\t1}.% c\n\n  b .\r\n[c].";

	sv_err_init(&e);
	sv_terms_init(&ts);
	ck_assert_int_eq(sv_terms_parse(&ts, text, strlen(text), "x", &e),
	    SV_OK);
	ck_assert_uint_eq(ts.n, 3);
	ck_assert_uint_eq(ts.v[0]->line, 2);
	ck_assert_uint_eq(ts.v[0]->v[1]->col, 5);
	ck_assert_uint_eq(ts.v[1]->line, 4);
	ck_assert_uint_eq(ts.v[1]->col, 3);
	ck_assert_uint_eq(ts.v[2]->line, 5);
	/* Parsing appends. */
	ck_assert_int_eq(sv_terms_parse(&ts, "z.", 2, "y", &e), SV_OK);
	ck_assert_uint_eq(ts.n, 4);
	/* A failed parse leaves what was there. */
	ck_assert_int_eq(sv_terms_parse(&ts, "p. q", 4, "y", &e), SV_INPUT);
	ck_assert_uint_eq(ts.n, 4);
	sv_terms_release(&ts);
	ck_assert_uint_eq(ts.n, 0);
	ck_assert_int_eq(sv_terms_parse(&ts, "", 0, "y", &e), SV_OK);
	ck_assert_int_eq(sv_terms_parse(&ts, " %only\n", 8, "y", &e), SV_OK);
	ck_assert_uint_eq(ts.n, 0);
	sv_terms_release(&ts);
	/* U+00A0 is whitespace; columns count characters. */
	t = parse1("\xc2\xa0\xc3\xa9.");
	ck_assert_uint_eq(t->col, 2);
	sv_term_free(t);
	t = parse1("{'\xc3\xa9', x}.");
	ck_assert_uint_eq(t->v[1]->col, 7);
	sv_term_free(t);
}
END_TEST

START_TEST(encoding)
{
	const char latin1[] = "%% coding: latin-1\n{\"caf\xe9\", '\xe9t\xe9', "
	    "<<\"\xe9\">>, $\xe9}.";
	const char second[] = "#!/bin/sh\n%% -*- coding: latin-1 -*-\n'\xe9'.";
	const char utf8[] = "%% coding: utf-8\n\"caf\xc3\xa9\".";
	const char third[] = "\n\n%% coding: latin-1\n'\xe9'.";
	struct sv_terms ts;
	struct sv_err e;

	sv_err_init(&e);
	sv_terms_init(&ts);
	ck_assert_int_eq(sv_terms_parse(&ts, latin1, sizeof(latin1) - 1, "l",
	    &e), SV_OK);
	ck_assert_str_eq(ts.v[0]->v[0]->s, "caf\xc3\xa9");
	ck_assert_str_eq(ts.v[0]->v[1]->s, "\xc3\xa9t\xc3\xa9");
	ck_assert_uint_eq(ts.v[0]->v[2]->len, 1);
	ck_assert_int_eq((unsigned char)ts.v[0]->v[2]->s[0], 0xe9);
	ck_assert_int_eq(ts.v[0]->v[3]->i, 0xe9);
	ck_assert_int_eq(sv_terms_parse(&ts, second, sizeof(second) - 1, "l",
	    &e), SV_INPUT);  /* '#' is no term, but the coding applied */
	ck_assert_str_eq(e.msg, "l:1:2: expected '{' after '#', found '!'");
	ck_assert_int_eq(sv_terms_parse(&ts, second + 10, sizeof(second) - 11,
	    "l", &e), SV_OK);
	ck_assert_str_eq(ts.v[1]->s, "\xc3\xa9");
	ck_assert_int_eq(sv_terms_parse(&ts, utf8, sizeof(utf8) - 1, "u", &e),
	    SV_OK);
	ck_assert_str_eq(ts.v[2]->s, "caf\xc3\xa9");
	sv_terms_release(&ts);
	/* Only the first two lines count. */
	parse_fails_n(third, sizeof(third) - 1,
	    "f.config:4:2: invalid UTF-8 (byte 0xe9)");
	parse_fails("ok.\n\"a\xc3\".", "f.config:2:3: invalid UTF-8 (byte "
	    "0xc3)");
	parse_fails("'\xed\xa0\x80'.", "f.config:1:2: invalid UTF-8 (byte "
	    "0xed)");  /* a surrogate */
	parse_fails("\xc0\xaf.", "f.config:1:1: invalid UTF-8 (byte 0xc0)");
	parse_fails("\"\xef\xbf\xbe\".", "f.config:1:2: invalid character "
	    "U+FFFE");
	parse_fails("\xef\xbb\xbfok.", "f.config:1:1: expected a term, found "
	    "'\xef\xbb\xbf'");
}
END_TEST

START_TEST(errors)
{
	static const struct { const char *text, *msg; } cases[] = {
		{ "{release,\n {\"petal\", \"1\"},\n {erts, \"13\"} foo}.",
		    "f.config:3:15: expected ',' or '}', found 'foo'" },
		{ "{a, b", "f.config:1:6: expected ',' or '}', found end of "
		    "input" },
		{ "[a b]", "f.config:1:4: expected ',', '|' or ']', found "
		    "'b'" },
		{ "[a|b,c].", "f.config:1:5: expected ']', found ','" },
		{ "[a|].", "f.config:1:4: expected a term, found ']'" },
		{ "{a,}.", "f.config:1:4: expected a term, found '}'" },
		{ "#{a := 1}.", "f.config:1:5: expected '=>', found ':='" },
		{ "#{a}.", "f.config:1:4: expected '=>', found '}'" },
		{ "#rec{}.", "f.config:1:2: expected '{' after '#', found "
		    "'rec'" },
		{ "a", "f.config:1:2: expected '.', found end of input" },
		{ "a b.", "f.config:1:3: expected '.', found 'b'" },
		{ "a, b.", "f.config:1:2: expected '.', found ','" },
		{ "a.b.", "f.config:1:2: '.' must be followed by whitespace or "
		    "end of input" },
		{ "Var.", "f.config:1:1: expected a term, found variable Var" },
		{ "{ok, _}.", "f.config:1:6: expected a term, found variable "
		    "_" },
		{ "end.", "f.config:1:1: expected a term, found reserved word "
		    "'end'" },
		{ "fun lists:map/2.", "f.config:1:1: unsupported term: funs" },
		{ "\"abc.\n", "f.config:1:1: unterminated string" },
		{ "x. 'abc", "f.config:1:4: unterminated quoted atom" },
		{ "\"a\\", "f.config:1:1: unterminated string" },
		{ "\"a\\xg1\".", "f.config:1:3: invalid escape sequence: \\x "
		    "needs two hexadecimal digits or {...}" },
		{ "\"ab\\x{110000}\".", "f.config:1:4: invalid escape "
		    "sequence: \\x{ needs hexadecimal digits of a Unicode "
		    "character and '}'" },
		{ "\"\\x{}\".", "f.config:1:2: invalid escape sequence: \\x{ "
		    "needs hexadecimal digits of a Unicode character and '}'" },
		{ "\"\\x{D800}\".", "f.config:1:2: invalid escape sequence: "
		    "\\x{ needs hexadecimal digits of a Unicode character and "
		    "'}'" },
		{ "$", "f.config:1:1: expected a character after '$', found "
		    "end of input" },
		{ "1e10.", "f.config:1:2: expected '.', found 'e10'" },
		{ "1.0e.", "f.config:1:1: invalid float: no digits in the "
		    "exponent" },
		{ "1.0e400.", "f.config:1:1: float out of range" },
		{ "37#1.", "f.config:1:1: invalid integer base 37 (must be "
		    "2..36)" },
		{ "16#.", "f.config:1:1: invalid integer: no base 16 digits "
		    "after '#'" },
		{ "2#102.", "f.config:1:5: expected '.', found '2'" },
		{ "1__0.", "f.config:1:2: expected '.', found variable __0" },
		{ "- -1.", "f.config:1:3: expected a number after '-', found "
		    "'-'" },
		{ "-(-1).", "f.config:1:3: expected a number after '-', found "
		    "'-'" },
		{ "-a.", "f.config:1:2: expected a number after '-', found "
		    "'a'" },
		{ "-(1.", "f.config:1:4: expected ')', found '.'" },
		{ "(a,b).", "f.config:1:3: expected ')', found ','" },
		{ "1 + 2.", "f.config:1:3: expected '.', found '+'" },
		{ "<0.1.0>.", "f.config:1:1: expected a term, found '<'" },
		{ "~.", "f.config:1:1: expected a term, found '~'" },
		{ "\x7f.", "f.config:1:1: expected a term, found character "
		    "U+007F" },
		{ "{\"a very long string that goes on and on and on\" x}.",
		    "f.config:1:50: expected ',' or '}', found 'x'" },
		{ "x y\"a very long string that goes on and on and on\".",
		    "f.config:1:3: expected '.', found 'y'" },
		{ "x \"a very long string that goes on and on and on\".",
		    "f.config:1:3: expected '.', found string \"a very long "
		    "string that goes on and on ..." },
		{ "<<a>>.", "f.config:1:3: expected an integer or a string in "
		    "the binary, found 'a'" },
		{ "<<1 2>>.", "f.config:1:5: expected ',' or '>>', found '2'" },
		{ "<<1.5/float>>.", "f.config:1:3: unsupported binary "
		    "segment: only integers that fit in 64 bits and strings" },
		{ "<<1:8/native>>.", "f.config:1:7: unsupported binary segment "
		    "type 'native' (only integer, signed, unsigned, big, "
		    "little, unit:N and utf8)" },
		{ "<<\"a\"/binary>>.", "f.config:1:7: unsupported binary "
		    "segment type 'binary' (only integer, signed, unsigned, "
		    "big, little, unit:N and utf8)" },
		{ "<<1:4/little>>.", "f.config:1:3: unsupported binary "
		    "segment: little-endian with a size that is not whole "
		    "bytes" },
		{ "<<1:65537>>.", "f.config:1:3: unsupported binary segment "
		    "size (over 65536 bits)" },
		{ "<<\"a\"/utf8:8>>.", "f.config:1:11: expected ',' or '>>', "
		    "found ':'" },
		{ "<<1:X>>.", "f.config:1:5: expected a segment size, found "
		    "variable X" },
		{ "<<1/unit:0>>.", "f.config:1:10: expected a unit of 1..256, "
		    "found '0'" },
		{ "<<16#D800/utf8>>.", "f.config:1:3: invalid Unicode "
		    "character 55296 in a utf8 segment" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		parse_fails(cases[i].text, cases[i].msg);
}
END_TEST

START_TEST(limits)
{
	struct buf b;
	struct sv_term *t;
	int i;

	/* 10000 levels are fine, deeper is refused (not a crash). */
	buf_init(&b);
	for (i = 0; i < 10000; i++)
		buf_addc(&b, i % 3 == 0 ? '[' : i % 3 == 1 ? '{' : '(');
	buf_adds(&b, "x");
	for (i = 10000; i-- > 0;)
		buf_addc(&b, i % 3 == 0 ? ']' : i % 3 == 1 ? '}' : ')');
	buf_adds(&b, ".");
	t = parse1(b.s);
	round_trip(t);
	sv_term_free(t);
	buf_reset(&b);
	for (i = 0; i < 20000; i++)
		buf_addc(&b, '[');
	parse_fails(b.s, "f.config:1:10002: terms nested deeper than 10000 "
	    "levels");
	buf_reset(&b);
	for (i = 0; i < 20000; i++)
		buf_addc(&b, '-');
	parse_fails(b.s, "f.config:1:2: expected a number after '-', found "
	    "'-'");
	buf_reset(&b);
	buf_addc(&b, '-');
	for (i = 0; i < 20000; i++)
		buf_addc(&b, '(');
	parse_fails(b.s, "f.config:1:10002: terms nested deeper than 10000 "
	    "levels");
	/* Long radix integers are refused, long decimal ones are kept. */
	buf_reset(&b);
	buf_adds(&b, "2#");
	for (i = 0; i < 10001; i++)
		buf_addc(&b, '1');
	buf_adds(&b, ".");
	parse_fails(b.s, "f.config:1:1: integer too large (more than 10000 "
	    "digits in base 2)");
	buf_reset(&b);
	for (i = 0; i < 20000; i++)
		buf_addc(&b, '9');
	buf_adds(&b, ".");
	t = parse1(b.s);
	ck_assert_int_eq(t->kind, SV_TERM_BIGINT);
	ck_assert_uint_eq(t->len, 20000);
	sv_term_free(t);
	/* A binary stops at 16 MiB. */
	buf_reset(&b);
	buf_adds(&b, "<<");
	for (i = 0; i < 2100; i++)
		buf_adds(&b, "0:65536,");
	buf_adds(&b, "0>>.");
	parse_fails(b.s, "f.config:1:16387: binary too large (over 16777216 "
	    "bytes)");
	buf_release(&b);
}
END_TEST

START_TEST(write_flat)
{
	ck_flat("abc.", "abc");
	ck_flat("'Abc'.", "'Abc'");
	ck_flat("'a b'.", "'a b'");
	ck_flat("'end'.", "'end'");
	ck_flat("'maybe'.", "'maybe'");
	ck_flat("'else'.", "'else'");
	ck_flat("a@B_9.", "a@B_9");
	ck_flat("''.", "''");
	ck_flat("'it\\'s'.", "'it\\'s'");
	ck_flat("'\xc3\xa9t\xc3\xa9'.", "'\xc3\xa9t\xc3\xa9'");
	ck_flat("'a\\nb\\\\'.", "'a\\nb\\\\'");
	ck_flat("\"q\\\"b\\\\\\n\\t\\r\\e\\d\\^a\\x{85}\xc3\xa9\".",
	    "\"q\\\"b\\\\\\n\\t\\r\\e\\d\\001\\x{85}\xc3\xa9\"");
	ck_flat("\"\".", "\"\"");
	ck_flat("\"%% coding: latin-1, coding\".",
	    "\"%% \\x63oding: latin-1, coding\"");
	ck_flat("\"a\\0b\".", "[97,0,98]");
	ck_flat("[104,105].", "[104,105]");
	ck_flat("-9223372036854775808.", "-9223372036854775808");
	ck_flat("-123456789012345678901234567890.",
	    "-123456789012345678901234567890");
	ck_flat("1.5.", "1.5");
	ck_flat("1.0e10.", "1.0e10");
	ck_flat("1.0e22.", "1.0e22");
	ck_flat("123456.0.", "123456.0");
	ck_flat("-2.5E-3.", "-0.0025");
	ck_flat("1.0e-7.", "1.0e-7");
	ck_flat("0.1.", "0.1");
	ck_flat("-0.0.", "-0.0");
	ck_flat("1.7976931348623157e308.", "1.7976931348623157e308");
	ck_flat("4.9406564584124654e-324.", "5.0e-324");
	ck_flat("<<\"text\\n\">>.", "<<\"text\\n\">>");
	ck_flat("<<\"caf\xc3\xa9\"/utf8>>.", "<<\"caf\xc3\xa9\"/utf8>>");
	ck_flat("<<1,2,3>>.", "<<1,2,3>>");
	ck_flat("<<\"a\",0>>.", "<<97,0>>");
	ck_flat("<<\"\xc3\xa9\">>.", "<<233>>");
	ck_flat("<<>>.", "<<>>");
	ck_flat("<<7:4, 1:4, 5:3>>.", "<<113,5:3>>");
	ck_flat("<<1:3>>.", "<<1:3>>");
	ck_flat("{a, [b, c | d], #{k => v, 1 => 2}, {}, []}.",
	    "{a,[b,c|d],#{k => v,1 => 2},{},[]}");
	ck_flat("[-1, -1.5].", "[-1,-1.5]");
}
END_TEST

START_TEST(write_pretty)
{
	const char *appup =
	    "{\"1.0.1\", [{\"1.0.0\", [{load_module, petal_util, "
	    "brutal_purge, brutal_purge, []}, {update, petal_server, "
	    "{advanced, []}, brutal_purge, brutal_purge, []}]}], "
	    "[{\"1.0.0\", [x]}]}.";
	const char *want =
	    "{\"1.0.1\",\n"
	    " [{\"1.0.0\",\n"
	    "   [{load_module,petal_util,brutal_purge,brutal_purge,[]},\n"
	    "    {update,petal_server,{advanced,[]},brutal_purge,"
	    "brutal_purge,[]}]}],\n"
	    " [{\"1.0.0\",[x]}]}";
	const char *map = "#{alpha => [one, two, three, four, five, six], "
	    "beta => {the_quick_brown_fox, jumps_over, the_lazy_dog}}.";
	const char *want_map =
	    "#{alpha => [one,two,three,four,five,six],\n"
	    "  beta => {the_quick_brown_fox,jumps_over,the_lazy_dog}}";
	const char *tail = "[aaaaaaaaaaaaaaaaaaaaaaaaa, "
	    "bbbbbbbbbbbbbbbbbbbbbbbbbbb, ccccccccccccccccccccccccc | "
	    "ddddddddd].";
	const char *want_tail =
	    "[aaaaaaaaaaaaaaaaaaaaaaaaa,\n"
	    " bbbbbbbbbbbbbbbbbbbbbbbbbbb,\n"
	    " ccccccccccccccccccccccccc|ddddddddd]";
	struct sv_term *t;
	struct buf b, want_indent;

	buf_init(&b);
	t = parse1(appup);
	sv_term_write(&b, t, 0);
	ck_assert_str_eq(b.s, want);
	round_trip(t);
	sv_term_free(t);
	buf_reset(&b);
	t = parse1(map);
	sv_term_write(&b, t, 0);
	ck_assert_str_eq(b.s, want_map);
	sv_term_free(t);
	buf_reset(&b);
	t = parse1(tail);
	sv_term_write(&b, t, 0);
	ck_assert_str_eq(b.s, want_tail);
	sv_term_free(t);
	/* Short terms stay flat; indent is the current column. */
	buf_reset(&b);
	t = parse1("{a, \"b\", [c]}.");
	sv_term_write(&b, t, 0);
	ck_assert_str_eq(b.s, "{a,\"b\",[c]}");
	buf_reset(&b);
	buf_adds(&b, "xx");
	sv_term_write(&b, t, 76);
	buf_init(&want_indent);
	buf_addf(&want_indent, "xx{a,\n%77s\"b\",\n%77s[c]}", "", "");
	ck_assert_str_eq(b.s, want_indent.s);
	buf_release(&want_indent);
	sv_term_free(t);
	buf_release(&b);
}
END_TEST

START_TEST(write_built)
{
	struct sv_term *t = sv_term_tuplev(4, sv_term_atom("a b"),
	    sv_term_string("caf\xc3\xa9"), sv_term_binary("\0\1", 2),
	    sv_term_int(-3));
	struct sv_term *f = sv_term_new(SV_TERM_FLOAT);
	struct sv_term *o = sv_term_new(SV_TERM_OTHER);
	struct buf b;

	f->f = NAN;
	o->s = xstrdup("#Port<0.1>");
	o->len = strlen(o->s);
	sv_term_push(sv_term_push(t, f), o);
	buf_init(&b);
	sv_term_write_flat(&b, t);
	ck_assert_str_eq(b.s, "{'a b',\"caf\xc3\xa9\",<<0,1>>,-3,'nan',"
	    "'#Port<0.1>'}");
	buf_release(&b);
	sv_term_free(t);
}
END_TEST

START_TEST(corpus)
{
	const char *src = getenv("SV_SRCDIR");
	struct buf dir, path, out;
	struct dirent *de;
	struct sv_terms ts, back;
	struct sv_err e;
	int files = 0;
	size_t i;
	DIR *d;

	buf_init(&dir);
	buf_addf(&dir, "%s/tests/data/terms", src != NULL ? src : ".");
	d = opendir(dir.s);
	ck_assert_msg(d != NULL, "cannot open %s", dir.s);
	buf_init(&path);
	buf_init(&out);
	sv_err_init(&e);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		buf_reset(&path);
		buf_addf(&path, "%s/%s", dir.s, de->d_name);
		sv_terms_init(&ts);
		sv_terms_init(&back);
		if (sv_terms_load(&ts, path.s, 1 << 20, &e) != SV_OK)
			ck_abort_msg("%s", e.msg);
		ck_assert_uint_gt(ts.n, 0);
		buf_reset(&out);
		for (i = 0; i < ts.n; i++) {
			sv_term_write(&out, ts.v[i], 0);
			buf_adds(&out, ".\n");
		}
		if (sv_terms_parse(&back, out.s, out.len, path.s, &e) != SV_OK)
			ck_abort_msg("%s", e.msg);
		ck_assert_uint_eq(back.n, ts.n);
		for (i = 0; i < ts.n; i++)
			if (!sv_term_equal(ts.v[i], back.v[i]))
				ck_abort_msg("%s: term %zu changed", path.s, i);
		sv_terms_release(&ts);
		sv_terms_release(&back);
		files++;
	}
	closedir(d);
	ck_assert_int_ge(files, 8);
	/* Loading: missing files and the size limit. */
	sv_terms_init(&ts);
	buf_reset(&path);
	buf_addf(&path, "%s/petal.rel", dir.s);
	ck_assert_int_eq(sv_terms_load(&ts, path.s, 10, &e), SV_INPUT);
	ck_assert_int_eq(sv_terms_load(&ts, "/nonexistent/x.rel", 100, &e),
	    SV_INPUT);
	ck_assert(strstr(e.msg, "/nonexistent/x.rel") != NULL);
	ck_assert_uint_eq(ts.n, 0);
	buf_release(&out);
	buf_release(&path);
	buf_release(&dir);
}
END_TEST

START_TEST(round_trips)
{
	static const char *const cases[] = {
		"{a, 'B', \"s\\x{1F600}\", <<\"bin\">>, [1, 2 | 3], 1.0e-300}.",
		"#{<<\"k\">> => [#{}], {t} => \"\", 'x y' => -0.0}.",
		"[\"\\^a\\e\\d\\x{FFFD}\", '\\x{7f}', <<255, 0, 10>>].",
		("{<<1:1>>, <<\"\\n\\t\">>, 36#ZZZZZZZZZZZZZZZZZZZZ, "
		    "0.30000000000000004}."),
	};
	size_t i;

	struct buf b;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		round_trip_text(cases[i]);
	/* Deep and wide: pretty layout keeps breaking lines. */
	buf_init(&b);
	for (i = 0; i < 200; i++)
		buf_adds(&b, "[a_fairly_long_atom_name,{");
	buf_adds(&b, "x");
	for (i = 0; i < 200; i++)
		buf_adds(&b, "}]");
	buf_adds(&b, ".");
	round_trip_text(b.s);
	buf_release(&b);
}
END_TEST

Suite *
make_suite(void)
{
	Suite *s = suite_create("term");
	TCase *tc = tcase_create("term");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, atoms);
	tcase_add_test(tc, atom_length);
	tcase_add_test(tc, strings);
	tcase_add_test(tc, strings_equal_lists);
	tcase_add_test(tc, chars);
	tcase_add_test(tc, integers);
	tcase_add_test(tc, floats);
	tcase_add_test(tc, containers);
	tcase_add_test(tc, many_map_keys);
	tcase_add_test(tc, binaries);
	tcase_add_test(tc, layout);
	tcase_add_test(tc, encoding);
	tcase_add_test(tc, errors);
	tcase_add_test(tc, limits);
	tcase_add_test(tc, write_flat);
	tcase_add_test(tc, write_pretty);
	tcase_add_test(tc, write_built);
	tcase_add_test(tc, corpus);
	tcase_add_test(tc, round_trips);
	suite_add_tcase(s, tc);
	return s;
}
