/*
 * test_etf.c - the external term format decoder, against bytes that a
 * real Erlang/OTP wrote (tests/data/etf/cases.txt, made by gen.sh there)
 * and against hostile input.
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapt/compress.h"
#include "base/buf.h"
#include "base/outfile.h"
#include "otp/etf.h"
#include "otp/term.h"
#include "unit.h"

/* ---- the samples ---- */

struct sample {
	char *name;
	unsigned char *bytes;
	size_t len;
	char *decimal; /* or NULL */
};

static struct sample *samples;
static size_t nsamples;

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static void
load_samples(void)
{
	const char *srcdir = getenv("SV_SRCDIR");
	struct buf path, text;
	struct sv_err e;
	char *line, *save = NULL;

	if (samples != NULL)
		return;
	buf_init(&path);
	buf_init(&text);
	sv_err_init(&e);
	buf_addf(&path, "%s/tests/data/etf/cases.txt",
	    srcdir != NULL ? srcdir : ".");
	ck_assert_msg(sv_read_file(path.s, &text, 1 << 20, &e) == SV_OK,
	    "%s", e.msg);
	for (line = strtok_r(text.s, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char *name = strtok(line, " "), *hex = strtok(NULL, " ");
		char *dec = strtok(NULL, " ");
		struct sample *s;
		size_t i, n;

		ck_assert_ptr_nonnull(hex);
		samples = realloc(samples, (nsamples + 1) * sizeof(*samples));
		s = &samples[nsamples++];
		n = strlen(hex) / 2;
		s->name = strdup(name);
		s->bytes = malloc(n + 1);
		s->len = n;
		for (i = 0; i < n; i++)
			s->bytes[i] = (unsigned char)(hexval(hex[2 * i]) << 4 |
			    hexval(hex[2 * i + 1]));
		s->decimal = dec != NULL ? strdup(dec) : NULL;
	}
	buf_release(&path);
	buf_release(&text);
}

static const struct sample *
sample(const char *name)
{
	size_t i;

	load_samples();
	for (i = 0; i < nsamples; i++)
		if (strcmp(samples[i].name, name) == 0)
			return &samples[i];
	ck_abort_msg("no sample %s", name);
	return NULL;
}

static struct sv_term *
decode_ok(const void *p, size_t len)
{
	struct sv_term *t = NULL;
	struct sv_err e;

	sv_err_init(&e);
	ck_assert_msg(sv_etf_decode(p, len, "t", &t, &e) == SV_OK, "%s",
	    e.msg);
	ck_assert_ptr_nonnull(t);
	return t;
}

static struct sv_term *
decode_sample(const char *name)
{
	const struct sample *s = sample(name);

	return decode_ok(s->bytes, s->len);
}

/* Decoding fails with SV_INPUT and a message holding want. */
static void
decode_bad(const void *p, size_t len, const char *want)
{
	struct sv_term *t = (struct sv_term *)&t;
	struct sv_err e;

	sv_err_init(&e);
	ck_assert_int_eq(sv_etf_decode(p, len, "t.bin", &t, &e), SV_INPUT);
	ck_assert_ptr_null(t);
	ck_assert_msg(strstr(e.msg, "t.bin") != NULL, "%s", e.msg);
	if (want != NULL)
		ck_assert_msg(strstr(e.msg, want) != NULL, "'%s' not in '%s'",
		    want, e.msg);
}

/* Check that sample name decodes to want (freed). */
static void
expect(const char *name, struct sv_term *want)
{
	struct sv_term *got = decode_sample(name);

	ck_assert_msg(sv_term_equal(got, want), "sample %s", name);
	sv_term_free(got);
	sv_term_free(want);
}

static struct sv_term *
list(size_t n, ...)
{
	struct sv_term *l = sv_term_list();
	va_list ap;
	size_t i;

	va_start(ap, n);
	for (i = 0; i < n; i++)
		sv_term_push(l, va_arg(ap, struct sv_term *));
	va_end(ap);
	return l;
}

static struct sv_term *
with_tail(struct sv_term *l, struct sv_term *tail)
{
	l->tail = tail;
	return l;
}

static struct sv_term *
bigint(const char *digits)
{
	struct sv_term *t = sv_term_new(SV_TERM_BIGINT);

	t->s = strdup(digits);
	t->len = strlen(digits);
	return t;
}

static struct sv_term *
flt(double f)
{
	struct sv_term *t = sv_term_new(SV_TERM_FLOAT);

	t->f = f;
	return t;
}

static const struct sv_term *
other_text(struct sv_term *t)
{
	ck_assert_int_eq(t->kind, SV_TERM_OTHER);
	return t;
}

/* ---- what OTP wrote ---- */

START_TEST(integers)
{
	struct sv_term *t;

	expect("small_int", sv_term_int(42));
	expect("int_neg", sv_term_int(-5));
	expect("int32_max", sv_term_int(2147483647));
	expect("int64_max", sv_term_int(INT64_MAX));
	expect("int64_min", sv_term_int(INT64_MIN));
	expect("big_pos", bigint("18446744073709551616"));
	expect("big_neg", bigint("-123456789012345678901234567890"));
	ck_assert_str_eq(sample("big_neg")->decimal,
	    "-123456789012345678901234567890");
	/* 1 bsl 2100 + 12345 (a LARGE_BIG) in erl's own digits. */
	t = decode_sample("big_large");
	ck_assert_int_eq(t->kind, SV_TERM_BIGINT);
	ck_assert_str_eq(t->s, sample("big_large")->decimal);
	ck_assert_uint_eq(t->len, strlen(t->s));
	sv_term_free(t);
	/* A magnitude with high zero bytes is still small. */
	t = decode_ok("\x83\x6e\x03\x00\x01\x00\x00", 7);
	ck_assert_int_eq(t->kind, SV_TERM_INT);
	ck_assert_int_eq(t->i, 1);
	sv_term_free(t);
	/* Negative zero is zero. */
	t = decode_ok("\x83\x6e\x01\x01\x00", 5);
	ck_assert_int_eq(t->kind, SV_TERM_INT);
	ck_assert_int_eq(t->i, 0);
	sv_term_free(t);
}
END_TEST

START_TEST(floats)
{
	expect("float_new", flt(1.5));
	expect("float_old", flt(-2.5e-300));
}
END_TEST

START_TEST(atoms)
{
	struct sv_term *t;
	size_t i;

	expect("atom_latin1", sv_term_atom("h\xc3\xa4"));
	expect("atom_latin1_as_utf8", sv_term_atom("h\xc3\xa4"));
	expect("atom_utf8", sv_term_atom("\xcf\xa8" "b"));
	expect("atom_empty", sv_term_atom(""));
	t = decode_sample("atom_long_utf8");
	ck_assert_int_eq(t->kind, SV_TERM_ATOM);
	ck_assert_uint_eq(t->len, 510);
	for (i = 0; i < 510; i += 2)
		ck_assert(memcmp(t->s + i, "\xcf\xa8", 2) == 0);
	sv_term_free(t);
}
END_TEST

START_TEST(strings_and_lists)
{
	struct sv_term *t;

	t = decode_sample("string");
	ck_assert_int_eq(t->kind, SV_TERM_STRING);
	ck_assert_str_eq(t->s, "abc");
	sv_term_free(t);
	t = decode_sample("string_latin1");
	ck_assert_int_eq(t->kind, SV_TERM_STRING);
	ck_assert_str_eq(t->s, "\xc3\xa4" "b");
	sv_term_free(t);
	/* A list of integers that are not all bytes stays a list. */
	t = decode_sample("list_unicode");
	ck_assert_int_eq(t->kind, SV_TERM_LIST);
	sv_term_free(t);
	expect("list_unicode", list(2, sv_term_int(1000), sv_term_int(98)));
	expect("list_unicode", sv_term_string("\xcf\xa8" "b"));
	expect("nil", sv_term_list());
	expect("improper", with_tail(list(1, sv_term_int(1)), sv_term_int(2)));
	expect("improper_atoms", with_tail(list(2, sv_term_atom("a"),
	    sv_term_atom("b")), sv_term_atom("c")));
	expect("nested", list(2,
	    list(1, list(1, list(1, sv_term_atom("x")))),
	    sv_term_tuplev(1, list(1, sv_term_tuple()))));
	/* Tails that are lists or strings again are joined, as
	 * binary_to_term/1 does; [|T] is T. */
	t = decode_ok("\x83\x6c\0\0\0\x01\x61\x01\x6c\0\0\0\x01\x61\x02\x6a",
	    16);
	ck_assert_int_eq(t->kind, SV_TERM_LIST);
	ck_assert_uint_eq(t->n, 2);
	ck_assert_ptr_null(t->tail);
	sv_term_free(t);
	t = decode_ok("\x83\x6c\0\0\0\x01\x61\x01\x6b\0\x01\x02", 12);
	ck_assert_uint_eq(t->n, 2);
	ck_assert_int_eq(t->v[1]->i, 2);
	ck_assert_ptr_null(t->tail);
	sv_term_free(t);
	t = decode_ok("\x83\x6c\0\0\0\0\x61\x07", 8);
	ck_assert_int_eq(t->kind, SV_TERM_INT);
	ck_assert_int_eq(t->i, 7);
	sv_term_free(t);
}
END_TEST

START_TEST(tuples_maps_binaries)
{
	struct sv_term *t, *want;
	int i;

	expect("tuple", sv_term_tuplev(3, sv_term_atom("a"), sv_term_int(1),
	    sv_term_string("x")));
	expect("tuple_empty", sv_term_tuple());
	want = sv_term_tuple();
	for (i = 1; i <= 300; i++)
		sv_term_push(want, sv_term_int(i));
	expect("tuple_large", want);
	t = decode_sample("map");
	ck_assert_int_eq(t->kind, SV_TERM_MAP);
	ck_assert_uint_eq(t->n, 4);
	sv_term_free(t);
	want = sv_term_new(SV_TERM_MAP);
	sv_term_push(want, sv_term_atom("a"));
	sv_term_push(want, sv_term_int(1));
	sv_term_push(want, sv_term_binary("k", 1));
	sv_term_push(want, list(1, sv_term_int(2)));
	expect("map", want);
	expect("map_empty", sv_term_new(SV_TERM_MAP));
	expect("binary", sv_term_binary("\1\2\3", 3));
	expect("binary_empty", sv_term_binary("", 0));
	t = decode_sample("bitstring");
	ck_assert_int_eq(t->kind, SV_TERM_BITSTR);
	ck_assert_uint_eq(t->len, 2);
	ck_assert_uint_eq(t->bits, 3);
	ck_assert_int_eq((unsigned char)t->s[0], 1);
	ck_assert_int_eq((unsigned char)t->s[1], 0x40);
	sv_term_free(t);
	/* Unused bits do not count; a full last byte is a binary. */
	t = decode_ok("\x83\x4d\0\0\0\x01\x03\x5f", 8);
	ck_assert_int_eq((unsigned char)t->s[0], 0x40);
	sv_term_free(t);
	t = decode_ok("\x83\x4d\0\0\0\x01\x08\x5f", 8);
	ck_assert_int_eq(t->kind, SV_TERM_BINARY);
	sv_term_free(t);
}
END_TEST

static void
expect_other(const char *name, const char *text, bool prefix)
{
	struct sv_term *t = decode_sample(name);

	other_text(t);
	if (prefix)
		ck_assert_msg(strncmp(t->s, text, strlen(text)) == 0,
		    "%s: %s", name, t->s);
	else
		ck_assert_str_eq(t->s, text);
	ck_assert_uint_eq(t->len, strlen(t->s));
	sv_term_free(t);
}

START_TEST(pids_ports_refs_funs)
{
	expect_other("pid", "#Pid<nonode@nohost.42.7.0>", false);
	expect_other("old_pid", "#Pid<nonode@nohost.42.7.0>", false);
	expect_other("port", "#Port<nonode@nohost.7.0>", false);
	expect_other("old_port", "#Port<nonode@nohost.7.0>", false);
	expect_other("v4_port", "#Port<nonode@nohost.7.0>", false);
	expect_other("ref", "#Ref<nonode@nohost.0.3.2.1>", false);
	expect_other("old_new_ref", "#Ref<nonode@nohost.0.3.2.1>", false);
	expect_other("old_ref", "#Ref<nonode@nohost.0.9>", false);
	expect_other("export_fun", "fun lists:map/2", false);
	expect_other("local_fun", "#Fun<erl_eval.", true);
}
END_TEST

START_TEST(compressed)
{
	struct sv_term *want = sv_term_list(), *t;
	int i;

	for (i = 0; i < 100; i++)
		sv_term_push(want, sv_term_atom("a"));
	expect("compressed", want);
	t = decode_sample("compressed_tuple");
	ck_assert_int_eq(t->kind, SV_TERM_TUPLE);
	ck_assert(sv_term_is_atom(t->v[0], "attrs"));
	ck_assert_uint_eq(sv_term_list_len(t->v[1]), 50);
	ck_assert_str_eq(t->v[1]->v[49]->s, "xyz");
	sv_term_free(t);
}
END_TEST

/* ---- hostile input ---- */

START_TEST(every_truncation_fails)
{
	size_t i, k;

	load_samples();
	for (i = 0; i < nsamples; i++) {
		const struct sample *s = &samples[i];

		for (k = 0; k < s->len; k++) {
			unsigned char *copy = malloc(k + 1);

			/* A copy of exactly k bytes, so ASan sees any
			 * read past the end. */
			memcpy(copy, s->bytes, k);
			decode_bad(copy, k, NULL);
			free(copy);
		}
	}
}
END_TEST

START_TEST(trailing_bytes_fail)
{
	size_t i;

	load_samples();
	for (i = 0; i < nsamples; i++) {
		const struct sample *s = &samples[i];
		unsigned char *copy = malloc(s->len + 1);

		memcpy(copy, s->bytes, s->len);
		copy[s->len] = 106;
		/* "after the term", or after the zlib data */
		decode_bad(copy, s->len + 1, "after the");
		free(copy);
	}
}
END_TEST

START_TEST(bad_input)
{
	decode_bad("", 0, "version byte 131");
	decode_bad("\x84\x6a", 2, "version byte 131");
	decode_bad("\x83\x52\x01", 3, "unknown tag 82");   /* ATOM_CACHE_REF */
	decode_bad("\x83\xc8", 2, "unknown tag 200");
	decode_bad("\x83\x77\x02\xc3\x28", 5, "UTF-8");    /* bad UTF-8 */
	decode_bad("\x83\x77\x02\xc0\x80", 5, "UTF-8");    /* overlong NUL */
	decode_bad("\x83\x46\x7f\xf8\0\0\0\0\0\0", 10, "finite"); /* NaN */
	decode_bad("\x83\x46\x7f\xf0\0\0\0\0\0\0", 10, "finite"); /* inf */
	decode_bad("\x83\x63" "1.5xyz", 8, NULL);
	decode_bad("\x83\x4d\0\0\0\x01\x00\x5f", 8, "bits");
	decode_bad("\x83\x4d\0\0\0\x01\x09\x5f", 8, "bits");
	decode_bad("\x83\x4d\0\0\0\0\x03", 7, "bits");
	decode_bad("\x83\x6e\x01\x02\x05", 5, "sign");
	decode_bad("\x83\x68\x01\x50\0\0\0\x01\0", 9, "compressed term inside");
	/* A tuple claiming more elements than there are bytes. */
	decode_bad("\x83\x69\xff\xff\xff\xff\x6a", 7, "truncated");
	decode_bad("\x83\x74\x7f\xff\xff\xff\x6a", 7, "truncated");
	decode_bad("\x83\x6c\xff\xff\xff\xff\x6a", 7, "truncated");
	/* An export whose module is not an atom. */
	decode_bad("\x83\x71\x61\x01", 4, "atom");
	/* An atom of more than 255 characters. */
	{
		unsigned char a[4 + 256];

		memcpy(a, "\x83\x64\x01\x00", 4);
		memset(a + 4, 'a', 256);
		decode_bad(a, sizeof(a), "255");
	}
	/* Integers beyond SV_ETF_MAX_BIG bytes. */
	{
		size_t n = SV_ETF_MAX_BIG + 1;
		unsigned char *b = malloc(7 + n);

		b[0] = 131;
		b[1] = 111;
		b[2] = (unsigned char)(n >> 24);
		b[3] = (unsigned char)(n >> 16);
		b[4] = (unsigned char)(n >> 8);
		b[5] = (unsigned char)n;
		b[6] = 0;
		memset(b + 7, 0xff, n);
		decode_bad(b, 7 + n, "integer of");
		free(b);
	}
}
END_TEST

START_TEST(compressed_limits)
{
	const struct sample *s = sample("compressed");
	unsigned char *copy = malloc(s->len);

	/* The header says fewer bytes than the data inflates to: refused
	 * as a bomb, not inflated on. */
	memcpy(copy, s->bytes, s->len);
	copy[2] = 0;
	copy[3] = 0;
	copy[4] = 0;
	copy[5] = 100;
	decode_bad(copy, s->len, "bomb");
	/* More bytes than it inflates to. */
	copy[4] = 0x01;
	copy[5] = 0x97;
	decode_bad(copy, s->len, "inflates to 406 bytes");
	/* Beyond the limit: refused before inflating. */
	copy[2] = 0x7f;
	decode_bad(copy, s->len, "at most");
	/* Corrupt data. */
	memcpy(copy, s->bytes, s->len);
	copy[10] ^= 0x55;
	decode_bad(copy, s->len, NULL);
	free(copy);
}
END_TEST

/* n tuples of one element nested in each other, around []. */
static unsigned char *
nested_tuples(size_t n, size_t *len)
{
	unsigned char *p = malloc(2 * n + 2);
	size_t i;

	p[0] = 131;
	for (i = 0; i < n; i++) {
		p[1 + 2 * i] = 104;
		p[2 + 2 * i] = 1;
	}
	p[1 + 2 * n] = 106;
	*len = 2 * n + 2;
	return p;
}

START_TEST(depth_limit)
{
	struct sv_term *t;
	struct sv_err e;
	unsigned char *p;
	size_t len;

	p = nested_tuples(SV_ETF_MAX_DEPTH, &len);
	t = decode_ok(p, len);
	sv_term_free(t);
	free(p);
	p = nested_tuples(SV_ETF_MAX_DEPTH + 1, &len);
	decode_bad(p, len, "nested");
	free(p);
	/* The shallow decoder walks any depth without recursion. */
	p = nested_tuples(200000, &len);
	sv_err_init(&e);
	ck_assert_int_eq(sv_etf_decode_shallow(p, len, 1, "t", &t, &e), SV_OK);
	ck_assert_int_eq(t->kind, SV_TERM_TUPLE);
	ck_assert_int_eq(t->v[0]->kind, SV_TERM_OTHER);
	ck_assert_str_eq(t->v[0]->s, "...");
	sv_term_free(t);
	p[len - 1] = 200;
	ck_assert_int_eq(sv_etf_decode_shallow(p, len, 1, "t", &t, &e),
	    SV_INPUT);
	ck_assert_ptr_null(t);
	free(p);
}
END_TEST

START_TEST(shallow)
{
	/* {a, {b, [c]}, [d]} becomes {a, {b, ...}, [d]} */
	static const unsigned char p[] = {
		131, 104, 3, 100, 0, 1, 'a', 104, 2, 100, 0, 1, 'b',
		108, 0, 0, 0, 1, 100, 0, 1, 'c', 106,
		108, 0, 0, 0, 1, 100, 0, 1, 'd', 106
	};
	struct sv_term *t;
	struct sv_err e;

	sv_err_init(&e);
	ck_assert_int_eq(sv_etf_decode_shallow(p, sizeof(p), 2, "t", &t, &e),
	    SV_OK);
	ck_assert_uint_eq(t->n, 3);
	ck_assert(sv_term_is_atom(t->v[0], "a"));
	ck_assert_int_eq(t->v[1]->kind, SV_TERM_TUPLE);
	ck_assert(sv_term_is_atom(t->v[1]->v[0], "b"));
	ck_assert_str_eq(t->v[1]->v[1]->s, "...");
	ck_assert_int_eq(t->v[2]->kind, SV_TERM_LIST);
	ck_assert(sv_term_is_atom(t->v[2]->v[0], "d"));
	sv_term_free(t);
	ck_assert_int_eq(sv_etf_decode_shallow(p, sizeof(p), 0, "t", &t, &e),
	    SV_OK);
	ck_assert_int_eq(t->kind, SV_TERM_OTHER);
	sv_term_free(t);
	/* Checked even when skipped: a bad atom deep down. */
	{
		unsigned char q[sizeof(p)];

		/* [d] becomes [<invalid UTF-8 atom>]. */
		memcpy(q, p, sizeof(p));
		q[sizeof(p) - 5] = 119;
		q[sizeof(p) - 4] = 1;
		q[sizeof(p) - 3] = 0xff;
		q[sizeof(p) - 2] = 106;
		ck_assert_int_eq(sv_etf_decode_shallow(q, sizeof(q) - 1, 1,
		    "t", &t, &e), SV_INPUT);
		ck_assert_msg(strstr(e.msg, "UTF-8") != NULL, "%s", e.msg);
	}
}
END_TEST

START_TEST(inflate_adapter)
{
	const struct sample *s = sample("compressed");
	struct buf out;
	struct sv_err e;

	buf_init(&out);
	sv_err_init(&e);
	ck_assert_int_eq(sv_inflate(s->bytes + 6, s->len - 6, SV_INFLATE_ZLIB,
	    406, "x", &out, &e), SV_OK);
	ck_assert_uint_eq(out.len, 406);
	buf_reset(&out);
	ck_assert_int_eq(sv_inflate(s->bytes + 6, s->len - 6, SV_INFLATE_ZLIB,
	    405, "x", &out, &e), SV_INPUT);
	ck_assert_msg(strstr(e.msg, "bomb") != NULL, "%s", e.msg);
	buf_reset(&out);
	ck_assert_int_eq(sv_inflate(s->bytes + 6, s->len - 7, SV_INFLATE_ZLIB,
	    1000, "x", &out, &e), SV_INPUT);
	ck_assert_msg(strstr(e.msg, "truncated") != NULL, "%s", e.msg);
	buf_reset(&out);
	ck_assert_int_eq(sv_inflate(s->bytes + 6, s->len - 6, SV_INFLATE_GZIP,
	    1000, "x", &out, &e), SV_INPUT);
	ck_assert_msg(strstr(e.msg, "corrupt") != NULL, "%s", e.msg);
	buf_release(&out);
}
END_TEST

Suite *
make_suite(void)
{
	Suite *s = suite_create("etf");
	TCase *tc = tcase_create("etf");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, integers);
	tcase_add_test(tc, floats);
	tcase_add_test(tc, atoms);
	tcase_add_test(tc, strings_and_lists);
	tcase_add_test(tc, tuples_maps_binaries);
	tcase_add_test(tc, pids_ports_refs_funs);
	tcase_add_test(tc, compressed);
	tcase_add_test(tc, every_truncation_fails);
	tcase_add_test(tc, trailing_bytes_fail);
	tcase_add_test(tc, bad_input);
	tcase_add_test(tc, compressed_limits);
	tcase_add_test(tc, depth_limit);
	tcase_add_test(tc, shallow);
	tcase_add_test(tc, inflate_adapter);
	suite_add_tcase(s, tc);
	return s;
}
