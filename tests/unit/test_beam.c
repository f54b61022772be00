/*
 * test_beam.c - the beam reader, against what Erlang/OTP itself says
 * about the beams under tests/data/beam (expected.txt, made by expect.sh
 * there), and against damaged and hostile files.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapt/compress.h"
#include "base/buf.h"
#include "base/outfile.h"
#include "otp/beam.h"
#include "otp/term.h"
#include "unit.h"

static char *
data_path(const char *rel)
{
	const char *srcdir = getenv("SV_SRCDIR");
	struct buf p;

	buf_init(&p);
	buf_addf(&p, "%s/tests/data/beam/%s", srcdir != NULL ? srcdir : ".",
	    rel);
	return buf_detach(&p);
}

static void
read_data(const char *rel, struct buf *out)
{
	char *path = data_path(rel);
	struct sv_err e;

	sv_err_init(&e);
	buf_init(out);
	ck_assert_msg(sv_read_file(path, out, 1 << 20, &e) == SV_OK, "%s",
	    e.msg);
	free(path);
}

/* Read len bytes at p (copied to a block of exactly that size, so that
 * ASan sees any read past the end). */
static int
read_copy(struct sv_beam *b, const void *p, size_t len, struct sv_err *e)
{
	void *copy = malloc(len > 0 ? len : 1);
	int rc;

	memcpy(copy, p, len);
	sv_beam_init(b);
	sv_err_init(e);
	rc = sv_beam_read(b, copy, len, "x.beam", e);
	free(copy);
	return rc;
}

static void
read_bad(const void *p, size_t len, const char *want)
{
	struct sv_beam b;
	struct sv_err e;

	ck_assert_int_eq(read_copy(&b, p, len, &e), SV_INPUT);
	ck_assert_ptr_null(b.module);
	ck_assert_ptr_null(b.attributes);
	ck_assert_uint_eq(b.nexports, 0);
	ck_assert_msg(strncmp(e.msg, "x.beam", 6) == 0, "%s", e.msg);
	if (want != NULL)
		ck_assert_msg(strstr(e.msg, want) != NULL, "'%s' not in '%s'",
		    want, e.msg);
}

/* ---- against OTP ---- */

static int
cmp_export(const void *a, const void *b)
{
	const struct sv_beam_export *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	return x->arity < y->arity ? -1 : x->arity > y->arity;
}

/* What expect.sh writes for b, field by field. */
static void
describe(const struct sv_beam *b, struct buf *out)
{
	struct sv_beam_export *ex;
	const struct sv_term *vsn;
	char hex[33];
	size_t i;

	sv_beam_md5_hex(b, hex);
	buf_addf(out, "module %s\nmd5 %s\nexports", b->module, hex);
	ex = malloc((b->nexports + 1) * sizeof(*ex));
	memcpy(ex, b->exports, b->nexports * sizeof(*ex));
	qsort(ex, b->nexports, sizeof(*ex), cmp_export);
	for (i = 0; i < b->nexports; i++)
		buf_addf(out, " %s/%u", ex[i].name, ex[i].arity);
	free(ex);
	buf_adds(out, "\nimports");
	for (i = 0; i < b->nimports; i++)
		buf_addf(out, " %s", b->imports[i]);
	buf_adds(out, "\nbehaviours");
	for (i = 0; i < b->nbehaviours; i++)
		buf_addf(out, " %s", b->behaviours[i]);
	buf_addf(out, "\nloads_nif %s\nvsn ", b->loads_nif ? "yes" : "no");
	vsn = sv_term_keyfind(b->attributes, "vsn");
	ck_assert_ptr_nonnull(vsn);
	ck_assert_uint_eq(vsn->n, 2);
	vsn = vsn->v[1];
	if (vsn->kind == SV_TERM_LIST && vsn->n == 1 &&
	    vsn->v[0]->kind == SV_TERM_BIGINT) {
		buf_addf(out, "int %s\n", vsn->v[0]->s);
	} else if (vsn->kind == SV_TERM_LIST && vsn->n == 1 &&
	    vsn->v[0]->kind == SV_TERM_INT && vsn->v[0]->i > 0x10ffff) {
		buf_addf(out, "int %lld\n", (long long)vsn->v[0]->i);
	} else {
		char *text;

		ck_assert(sv_term_text(vsn, &text));
		buf_addf(out, "string %s\n", text);
		free(text);
	}
}

START_TEST(matches_erl)
{
	struct buf expected, got;
	char *rec, *next;
	size_t n = 0;

	read_data("expected.txt", &expected);
	buf_init(&got);
	rec = strstr(expected.s, "\n\n");
	ck_assert_ptr_nonnull(rec);
	for (rec += 2; rec != NULL && *rec != '\0'; rec = next) {
		char *nl = strchr(rec, '\n'), *path;
		struct sv_beam b;
		struct sv_err e;

		next = strstr(rec, "\n\n");
		if (next != NULL) {
			next[1] = '\0';
			next += 2;
		}
		ck_assert(strncmp(rec, "file ", 5) == 0);
		*nl = '\0';
		path = data_path(rec + 5);
		sv_beam_init(&b);
		sv_err_init(&e);
		ck_assert_msg(sv_beam_load(&b, path, &e) == SV_OK, "%s", e.msg);
		buf_reset(&got);
		describe(&b, &got);
		ck_assert_msg(strcmp(got.s, nl + 1) == 0,
		    "%s:\nsmoothver:\n%s\nerl:\n%s", rec + 5, got.s, nl + 1);
		sv_beam_release(&b);
		ck_assert_ptr_null(b.module);
		free(path);
		n++;
	}
	ck_assert_uint_ge(n, 13);
	buf_release(&got);
	buf_release(&expected);
}
END_TEST

START_TEST(same_code_same_md5)
{
	static const char *const same[] = {
		"calc/v1/calc.beam", "calc/v1_debug/calc.beam",
		"calc/v1_gz/calc.beam", "calc/v1_debug_gz/calc.beam",
		"calc/v2_lines/calc.beam"
	};
	struct sv_beam b;
	struct sv_err e;
	char first[33], hex[33];
	size_t i;

	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		char *path = data_path(same[i]);

		sv_beam_init(&b);
		sv_err_init(&e);
		ck_assert_msg(sv_beam_load(&b, path, &e) == SV_OK, "%s", e.msg);
		sv_beam_md5_hex(&b, i == 0 ? first : hex);
		if (i > 0)
			ck_assert_str_eq(hex, first);
		sv_beam_release(&b);
		free(path);
	}
	{
		char *path = data_path("calc/v3_change/calc.beam");

		sv_beam_init(&b);
		ck_assert_int_eq(sv_beam_load(&b, path, &e), SV_OK);
		sv_beam_md5_hex(&b, hex);
		ck_assert_str_ne(hex, first);
		ck_assert_str_eq(first, "db60ff6265b81296664df88f4ca9c3b6");
		sv_beam_release(&b);
		free(path);
	}
}
END_TEST

START_TEST(queries)
{
	struct sv_beam b;
	struct sv_err e;
	char *path = data_path("multi.beam");

	sv_beam_init(&b);
	sv_err_init(&e);
	ck_assert_int_eq(sv_beam_load(&b, path, &e), SV_OK);
	ck_assert(sv_beam_exports(&b, "handle_call", 3));
	ck_assert(!sv_beam_exports(&b, "handle_call", 2));
	ck_assert(!sv_beam_exports(&b, "nothing", 0));
	ck_assert(sv_beam_has_behaviour(&b, "gen_server"));
	ck_assert(sv_beam_has_behaviour(&b, "supervisor"));
	ck_assert(!sv_beam_has_behaviour(&b, "gen_event"));
	ck_assert_uint_eq(b.nbehaviours, 2);
	ck_assert_ptr_nonnull(sv_term_keyfind(b.attributes, "behavior"));
	sv_beam_release(&b);
	free(path);
	path = data_path("missing.beam");
	ck_assert_int_eq(sv_beam_load(&b, path, &e), SV_INPUT);
	ck_assert_ptr_nonnull(strstr(e.msg, "missing.beam"));
	free(path);
}
END_TEST

/* ---- damage ---- */

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* The offset of chunk id's header in the beam at p, or 0. */
static size_t
chunk_at(const unsigned char *p, size_t len, const char *id)
{
	size_t pos = 12;

	while (pos + 8 <= len) {
		size_t size = be32(p + pos + 4);

		if (memcmp(p + pos, id, 4) == 0)
			return pos;
		pos += 8 + (size + 3) / 4 * 4;
	}
	return 0;
}

START_TEST(every_truncation_fails)
{
	static const char *const files[] = {
		"srv.beam", "calc/v1_gz/calc.beam"
	};
	size_t f, k;

	for (f = 0; f < 2; f++) {
		struct buf data;

		read_data(files[f], &data);
		for (k = 0; k < data.len; k++)
			read_bad(data.s, k, NULL);
		buf_release(&data);
	}
}
END_TEST

START_TEST(every_cut_with_a_consistent_header)
{
	struct buf data;
	unsigned char *copy;
	size_t k;

	/* Cut, then make the header agree: chunk boundaries may leave a
	 * valid beam; anything else must fail cleanly. */
	read_data("funs.beam", &data);
	for (k = 12; k < data.len; k++) {
		struct sv_beam b;
		struct sv_err e;
		int rc;

		copy = malloc(k);
		memcpy(copy, data.s, k);
		put32(copy + 4, (uint32_t)(k - 8));
		rc = read_copy(&b, copy, k, &e);
		ck_assert(rc == SV_OK || rc == SV_INPUT);
		if (rc == SV_OK)
			ck_assert_str_eq(b.module, "funs");
		sv_beam_release(&b);
		free(copy);
	}
	buf_release(&data);
}
END_TEST

START_TEST(bad_chunks)
{
	struct buf data;
	unsigned char *p;
	size_t at;

	read_data("srv.beam", &data);
	p = (unsigned char *)data.s;
	/* Sizes past the end. */
	at = chunk_at(p, data.len, "Code");
	ck_assert_uint_gt(at, 0);
	put32(p + at + 4, 0xffffffffu);
	read_bad(p, data.len, "claims");
	put32(p + at + 4, (uint32_t)(data.len - at - 8 + 1));
	read_bad(p, data.len, "claims");
	buf_release(&data);

	/* Form sizes that disagree with the file. */
	read_data("srv.beam", &data);
	p = (unsigned char *)data.s;
	put32(p + 4, (uint32_t)data.len);
	read_bad(p, data.len, "not a beam file");
	put32(p + 4, (uint32_t)data.len - 12);
	read_bad(p, data.len, "after its end");
	put32(p + 4, 3);
	read_bad(p, data.len, "not a beam file");
	buf_release(&data);

	/* A table whose count disagrees with its size. */
	read_data("srv.beam", &data);
	p = (unsigned char *)data.s;
	at = chunk_at(p, data.len, "ImpT");
	put32(p + at + 8, be32(p + at + 8) + 1);
	read_bad(p, data.len, "'ImpT' chunk");
	buf_release(&data);

	/* An import naming an atom past the table. */
	read_data("srv.beam", &data);
	p = (unsigned char *)data.s;
	at = chunk_at(p, data.len, "ImpT");
	put32(p + at + 12, 9999);
	read_bad(p, data.len, "'ImpT' entry 1");
	buf_release(&data);

	/* Two ExpT chunks. */
	read_data("srv.beam", &data);
	p = (unsigned char *)data.s;
	at = chunk_at(p, data.len, "LocT");
	ck_assert_uint_gt(at, 0);
	memcpy(p + at, "ExpT", 4);
	read_bad(p, data.len, "second 'ExpT'");
	buf_release(&data);

	/* No Code chunk. */
	read_data("srv.beam", &data);
	p = (unsigned char *)data.s;
	at = chunk_at(p, data.len, "Code");
	memcpy(p + at, "Cxde", 4);
	read_bad(p, data.len, "'Code'");
	buf_release(&data);

	/* No atom table. */
	read_data("srv.beam", &data);
	p = (unsigned char *)data.s;
	at = chunk_at(p, data.len, "AtU8");
	memcpy(p + at, "AtXX", 4);
	read_bad(p, data.len, "atom table");
	buf_release(&data);

	/* A bad Attr term (a bad Dbgi is no concern: debug info is not
	 * read). */
	read_data("srv.beam", &data);
	p = (unsigned char *)data.s;
	at = chunk_at(p, data.len, "Attr");
	p[at + 8] = 130;
	read_bad(p, data.len, "'Attr' chunk");
	buf_release(&data);
}
END_TEST

START_TEST(not_beams)
{
	read_bad("", 0, "not a beam file");
	read_bad("hello, world\n", 13, "not a beam file");
	read_bad("FOR1\0\0\0\4BEAX", 12, "not a beam file");
	read_bad("\x7f" "ELF\2\1\1\0\0\0\0\0\0\0\0\0", 16, "not a beam file");
	read_bad("\x1f\x8b", 2, "truncated");
	read_bad("\x1f\x8b\x08\0\0\0\0\0\0\x03garbage", 17, NULL);
	/* A beam with no chunks at all. */
	read_bad("FOR1\0\0\0\4BEAM", 12, "atom table");
}
END_TEST

START_TEST(funt_old_uniq_is_not_hashed)
{
	struct buf data;
	struct sv_beam b;
	struct sv_err e;
	unsigned char *p;
	char orig[33], hex[33];
	size_t at;

	read_data("funs.beam", &data);
	p = (unsigned char *)data.s;
	ck_assert_int_eq(read_copy(&b, p, data.len, &e), SV_OK);
	sv_beam_md5_hex(&b, orig);
	sv_beam_release(&b);
	at = chunk_at(p, data.len, "FunT");
	ck_assert_uint_gt(at, 0);
	ck_assert_uint_eq(be32(p + at + 8), 2);
	/* The old uniq of both entries (OTP 25 writes it non-zero). */
	ck_assert_uint_ne(be32(p + at + 12 + 20), 0);
	put32(p + at + 12 + 20, 0x12345678);
	put32(p + at + 12 + 24 + 20, 0);
	ck_assert_int_eq(read_copy(&b, p, data.len, &e), SV_OK);
	sv_beam_md5_hex(&b, hex);
	ck_assert_str_eq(hex, orig);
	sv_beam_release(&b);
	/* The rest of an entry is. */
	p[at + 12 + 24 + 19] ^= 1;
	ck_assert_int_eq(read_copy(&b, p, data.len, &e), SV_OK);
	sv_beam_md5_hex(&b, hex);
	ck_assert_str_ne(hex, orig);
	sv_beam_release(&b);
	/* And so is the Code chunk. */
	p[at + 12 + 24 + 19] ^= 1;
	at = chunk_at(p, data.len, "Code");
	p[at + 8 + 20] ^= 1;
	ck_assert_int_eq(read_copy(&b, p, data.len, &e), SV_OK);
	sv_beam_md5_hex(&b, hex);
	ck_assert_str_ne(hex, orig);
	sv_beam_release(&b);
	buf_release(&data);
}
END_TEST

/* ---- synthetic beams ---- */

static void
add_chunk(struct buf *b, const char *id, const void *p, size_t n)
{
	unsigned char size[4];

	put32(size, (uint32_t)n);
	buf_add(b, id, 4);
	buf_add(b, size, 4);
	buf_add(b, p, n);
	while (b->len % 4 != 0)
		buf_addc(b, '\0');
}

static void
add_u32(struct buf *b, uint32_t v)
{
	unsigned char x[4];

	put32(x, v);
	buf_add(b, x, 4);
}

/* The chunks every beam needs but the atoms: ImpT calls lists:f/1 (atoms
 * 4 and 2), erlang:load_nif/2 (5, 6) and itself (1, 2); ExpT exports
 * atom 3 with arity 0. */
static void
add_tables(struct buf *b)
{
	struct buf t;

	add_chunk(b, "Code", "\0\0\0\x10", 4);
	add_chunk(b, "StrT", "", 0);
	buf_init(&t);
	add_u32(&t, 3);
	add_u32(&t, 4), add_u32(&t, 2), add_u32(&t, 1);
	add_u32(&t, 5), add_u32(&t, 6), add_u32(&t, 2);
	add_u32(&t, 1), add_u32(&t, 2), add_u32(&t, 0);
	add_chunk(b, "ImpT", t.s, t.len);
	buf_reset(&t);
	add_u32(&t, 1);
	add_u32(&t, 3), add_u32(&t, 0), add_u32(&t, 2);
	add_chunk(b, "ExpT", t.s, t.len);
	buf_release(&t);
}

static void
finish_form(struct buf *b)
{
	put32((unsigned char *)b->s + 4, (uint32_t)(b->len - 8));
}

START_TEST(compact_atom_lengths)
{
	/* OTP 26+: a negative atom count, lengths in the compact term
	 * format. Atom 3 is 100 characters, 200 bytes (two-byte form). */
	struct buf beam, atoms, name;
	struct sv_beam b;
	struct sv_err e;
	int i;

	buf_init(&name);
	for (i = 0; i < 100; i++)
		buf_adds(&name, "\xc3\xa9");
	buf_init(&atoms);
	add_u32(&atoms, (uint32_t)-6);
	buf_addc(&atoms, 3 << 4);
	buf_adds(&atoms, "syn");
	buf_addc(&atoms, 1 << 4);
	buf_adds(&atoms, "f");
	buf_addc(&atoms, (char)(((200 >> 3) & 0xe0) | 0x08));
	buf_addc(&atoms, (char)(200 & 0xff));
	buf_add(&atoms, name.s, name.len);
	buf_addc(&atoms, 5 << 4);
	buf_adds(&atoms, "lists");
	buf_addc(&atoms, 6 << 4);
	buf_adds(&atoms, "erlang");
	buf_addc(&atoms, (char)(8 << 4));
	buf_adds(&atoms, "load_nif");
	buf_init(&beam);
	buf_add(&beam, "FOR1\0\0\0\0BEAM", 12);
	add_chunk(&beam, "AtU8", atoms.s, atoms.len);
	add_tables(&beam);
	finish_form(&beam);
	ck_assert_int_eq(read_copy(&b, beam.s, beam.len, &e), SV_OK);
	ck_assert_str_eq(b.module, "syn");
	ck_assert_uint_eq(b.nexports, 1);
	ck_assert_str_eq(b.exports[0].name, name.s);
	ck_assert_uint_eq(b.nimports, 1);
	ck_assert_str_eq(b.imports[0], "lists");
	ck_assert(b.loads_nif);
	ck_assert_ptr_null(b.attributes);
	sv_beam_release(&b);
	/* A length that runs past the chunk. */
	beam.s[12 + 8 + 4 + 4 + 2] = (char)(((2000 >> 3) & 0xe0) | 0x08);
	read_bad(beam.s, beam.len, "'AtU8' chunk");
	buf_release(&beam);
	buf_release(&atoms);
	buf_release(&name);
}
END_TEST

START_TEST(latin1_atoms)
{
	struct buf beam, atoms;
	struct sv_beam b;
	struct sv_err e;

	buf_init(&atoms);
	add_u32(&atoms, 6);
	buf_add(&atoms, "\x03s\xe4n", 4);
	buf_add(&atoms, "\x01" "f", 2);
	buf_add(&atoms, "\x01\xff", 2);
	buf_add(&atoms, "\x05lists", 6);
	buf_add(&atoms, "\x06" "erlang", 7);
	buf_add(&atoms, "\x08load_nif", 9);
	buf_init(&beam);
	buf_add(&beam, "FOR1\0\0\0\0BEAM", 12);
	add_chunk(&beam, "Atom", atoms.s, atoms.len);
	add_tables(&beam);
	finish_form(&beam);
	ck_assert_int_eq(read_copy(&b, beam.s, beam.len, &e), SV_OK);
	ck_assert_str_eq(b.module, "s\xc3\xa4n");
	ck_assert_str_eq(b.exports[0].name, "\xc3\xbf");
	sv_beam_release(&b);
	/* The same bytes as AtU8 are not UTF-8. */
	memcpy(beam.s + 12, "AtU8", 4);
	read_bad(beam.s, beam.len, "UTF-8");
	/* More atoms counted than there are. */
	memcpy(beam.s + 12, "Atom", 4);
	put32((unsigned char *)beam.s + 20, 7);
	read_bad(beam.s, beam.len, "truncated at atom 7");
	put32((unsigned char *)beam.s + 20, 5);
	read_bad(beam.s, beam.len, "after the last atom");
	put32((unsigned char *)beam.s + 20, 0);
	read_bad(beam.s, beam.len, "0 atoms");
	buf_release(&beam);
	buf_release(&atoms);
}
END_TEST

static int
to_buf(void *data, const void *p, size_t n, struct sv_err *e)
{
	(void)e;
	buf_add(data, p, n);
	return SV_OK;
}

START_TEST(gzip_bomb_refused)
{
	struct sv_compressor *c;
	struct buf gz;
	struct sv_err e;
	char *zeros = calloc(1, 1 << 20);
	size_t done;

	/* A gzip member of just over SV_BEAM_MAX zero bytes: a few hundred
	 * KiB that must not be inflated past the limit. */
	buf_init(&gz);
	sv_err_init(&e);
	c = sv_compressor_new(SV_COMPRESS_GZIP, 2, "bomb", to_buf, &gz);
	for (done = 0; done <= SV_BEAM_MAX; done += 1 << 20)
		ck_assert_int_eq(sv_compressor_write(c, zeros, 1 << 20, &e),
		    SV_OK);
	ck_assert_int_eq(sv_compressor_finish(c, &e), SV_OK);
	sv_compressor_free(c);
	free(zeros);
	ck_assert_uint_lt(gz.len, 2u << 20);
	read_bad(gz.s, gz.len, "bomb");
	buf_release(&gz);
}
END_TEST

START_TEST(gzip_damage)
{
	struct buf data;
	unsigned char *p;

	read_data("calc/v1_gz/calc.beam", &data);
	/* Trailing garbage after the member. */
	buf_adds(&data, "x");
	read_bad(data.s, data.len, "after the end");
	buf_truncate(&data, data.len - 1);
	/* A flipped bit in the deflate data or the CRC. */
	p = (unsigned char *)data.s;
	p[data.len / 2] ^= 0x10;
	read_bad(data.s, data.len, NULL);
	p[data.len / 2] ^= 0x10;
	p[data.len - 6] ^= 0x01;
	read_bad(data.s, data.len, "corrupt");
	buf_release(&data);
}
END_TEST

Suite *
make_suite(void)
{
	Suite *s = suite_create("beam");
	TCase *tc = tcase_create("beam");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, matches_erl);
	tcase_add_test(tc, same_code_same_md5);
	tcase_add_test(tc, queries);
	tcase_add_test(tc, every_truncation_fails);
	tcase_add_test(tc, every_cut_with_a_consistent_header);
	tcase_add_test(tc, bad_chunks);
	tcase_add_test(tc, not_beams);
	tcase_add_test(tc, funt_old_uniq_is_not_hashed);
	tcase_add_test(tc, compact_atom_lengths);
	tcase_add_test(tc, latin1_atoms);
	tcase_add_test(tc, gzip_bomb_refused);
	tcase_add_test(tc, gzip_damage);
	suite_add_tcase(s, tc);
	return s;
}
