#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "adapt/json.h"
#include "base/buf.h"
#include "base/outfile.h"
#include "base/xalloc.h"
#include "core/manifest.h"
#include "core/store.h"
#include "store/store.h"
#include "unit.h"

static char root[64];

static void
setup(void)
{
	strcpy(root, "/tmp/sv-unit-store-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
}

static void
teardown(void)
{
	sv_remove_tree(root);
}

static struct sv_store *
open_store(const char *sub, enum sv_store_mode mode, int want)
{
	struct sv_store *s = NULL;
	struct sv_err e;
	struct buf p;

	sv_err_init(&e);
	buf_init(&p);
	buf_addf(&p, "%s/%s", root, sub);
	ck_assert_int_eq(sv_store_open(p.s, mode, &s, &e), want);
	buf_release(&p);
	return s;
}

START_TEST(open_creates_only_when_asked)
{
	struct sv_store *s;
	struct sv_err e;
	struct buf p;

	ck_assert_ptr_null(open_store("st", SV_STORE_READ, SV_INPUT));
	s = open_store("st", SV_STORE_CREATE, SV_OK);
	sv_store_close(s);
	s = open_store("st", SV_STORE_READ, SV_OK);
	sv_store_close(s);
	/* A directory with something in it but no marker is not a store. */
	sv_err_init(&e);
	buf_init(&p);
	buf_addf(&p, "%s/other", root);
	ck_assert_int_eq(mkdir(p.s, 0755), 0);
	buf_adds(&p, "/file");
	ck_assert_int_eq(sv_write_file(p.s, "x", 1, &e), SV_OK);
	buf_release(&p);
	ck_assert_ptr_null(open_store("other", SV_STORE_CREATE, SV_INPUT));
	ck_assert_ptr_null(open_store("other", SV_STORE_READ, SV_INPUT));
	ck_assert_int_eq(sv_store_open("s3://b/k", SV_STORE_READ, &s, &e),
	    SV_USAGE);
	ck_assert_ptr_null(s);
}
END_TEST

START_TEST(put_is_create_only)
{
	struct sv_store *s = open_store("st", SV_STORE_CREATE, SV_OK);
	struct sv_err e;
	struct buf got;
	bool created, found;
	uint64_t size;

	sv_err_init(&e);
	buf_init(&got);
	ck_assert_int_eq(sv_store_put(s, "a/b/c", "one", 3, &created, &e),
	    SV_OK);
	ck_assert(created);
	ck_assert_int_eq(sv_store_put(s, "a/b/c", "other", 5, &created, &e),
	    SV_OK);
	ck_assert(!created);
	ck_assert_int_eq(sv_store_get_buf(s, "a/b/c", &got, 100, &found, &e),
	    SV_OK);
	ck_assert(found);
	ck_assert_str_eq(got.s, "one");
	ck_assert_int_eq(sv_store_stat(s, "a/b/c", &found, &size, &e), SV_OK);
	ck_assert(found);
	ck_assert_uint_eq(size, 3);
	buf_reset(&got);
	ck_assert_int_eq(sv_store_get_buf(s, "a/b/c", &got, 2, &found, &e),
	    SV_INPUT);
	buf_reset(&got);
	ck_assert_int_eq(sv_store_get_buf(s, "a/nope", &got, 2, &found, &e),
	    SV_OK);
	ck_assert(!found);
	ck_assert_int_eq(sv_store_put(s, "../x", "x", 1, &created, &e),
	    SV_INPUT);
	ck_assert_int_eq(sv_store_put(s, "a/.hidden", "x", 1, &created, &e),
	    SV_INPUT);
	ck_assert_int_eq(sv_store_put(s, "/abs", "x", 1, &created, &e),
	    SV_INPUT);
	ck_assert_int_eq(sv_store_delete(s, "a/b/c", &e), SV_OK);
	ck_assert_int_eq(sv_store_delete(s, "a/b/c", &e), SV_OK);
	ck_assert_int_eq(sv_store_stat(s, "a/b/c", &found, &size, &e), SV_OK);
	ck_assert(!found);
	buf_release(&got);
	sv_store_close(s);
}
END_TEST

START_TEST(cas_compares_before_it_swaps)
{
	struct sv_store *s = open_store("st", SV_STORE_CREATE, SV_OK);
	struct sv_err e;
	struct buf cur;
	bool swapped, found;

	sv_err_init(&e);
	buf_init(&cur);
	ck_assert_int_eq(sv_store_cas(s, "p", NULL, 0, "1\n", 2, &swapped,
	    &cur, &found, &e), SV_OK);
	ck_assert(swapped);
	ck_assert_int_eq(sv_store_cas(s, "p", NULL, 0, "2\n", 2, &swapped,
	    &cur, &found, &e), SV_OK);
	ck_assert(!swapped);
	ck_assert(found);
	ck_assert_str_eq(cur.s, "1\n");
	ck_assert_int_eq(sv_store_cas(s, "p", "0\n", 2, "2\n", 2, &swapped,
	    &cur, &found, &e), SV_OK);
	ck_assert(!swapped);
	ck_assert_int_eq(sv_store_cas(s, "p", "1\n", 2, "2\n", 2, &swapped,
	    &cur, &found, &e), SV_OK);
	ck_assert(swapped);
	ck_assert_int_eq(sv_store_cas(s, "q", "1\n", 2, "2\n", 2, &swapped,
	    &cur, &found, &e), SV_OK);
	ck_assert(!swapped);
	ck_assert(!found);
	/* Under the store lock, too (the lock is not taken twice). */
	ck_assert_int_eq(sv_store_lock(s, &e), SV_OK);
	ck_assert_int_eq(sv_store_cas(s, "p", "2\n", 2, "3\n", 2, &swapped,
	    &cur, &found, &e), SV_OK);
	ck_assert(swapped);
	sv_store_unlock(s);
	buf_release(&cur);
	sv_store_close(s);
}
END_TEST

static int
collect(const char *key, void *data, struct sv_err *e)
{
	(void)e;
	buf_addf(data, "%s,", key);
	return SV_OK;
}

START_TEST(list_sorts_and_hides_bookkeeping)
{
	struct sv_store *s = open_store("st", SV_STORE_CREATE, SV_OK);
	struct sv_err e;
	struct buf keys;
	bool created;

	sv_err_init(&e);
	buf_init(&keys);
	ck_assert_int_eq(sv_store_put(s, "b-latest", "x", 1, &created, &e), 0);
	ck_assert_int_eq(sv_store_put(s, "a/2", "x", 1, &created, &e), 0);
	ck_assert_int_eq(sv_store_put(s, "a/1", "x", 1, &created, &e), 0);
	ck_assert_int_eq(sv_store_lock(s, &e), SV_OK);
	sv_store_unlock(s);
	ck_assert_int_eq(sv_store_list(s, "", collect, &keys, &e), SV_OK);
	ck_assert_str_eq(keys.s, "a/,b-latest,");
	buf_reset(&keys);
	ck_assert_int_eq(sv_store_list(s, "a/", collect, &keys, &e), SV_OK);
	ck_assert_str_eq(keys.s, "a/1,a/2,");
	buf_reset(&keys);
	ck_assert_int_eq(sv_store_list(s, "none/", collect, &keys, &e), SV_OK);
	ck_assert_str_eq(keys.s, "");
	buf_release(&keys);
	sv_store_close(s);
}
END_TEST

/* A manifest with one file, one directory and one symlink. */
static const char manifest[] =
    "{\"content\":[{\"mode\":\"0755\",\"path\":\"d\",\"sha256\":null,"
    "\"size\":0,\"type\":\"dir\"},{\"mode\":\"0644\",\"path\":\"d/\\udcff\","
    "\"sha256\":\"ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb\","
    "\"size\":1,\"type\":\"file\"},{\"mode\":\"0777\",\"path\":\"l\","
    "\"sha256\":\"18ac3e7343f016890c510e93f935261169d9e3f565436429830faf0934f4f8e4\","
    "\"size\":1,\"target\":\"d\",\"type\":\"symlink\"}],\"name\":\"app\","
    "\"package\":{\"compression\":\"gzip\",\"entries\":3,\"file\":\"a.tgz\","
    "\"sha256\":\"%s\",\"size\":10,\"tar_sha256\":\"%s\",\"tar_size\":20},"
    "\"previous\":{\"level\":\"relup\",\"version\":\"1.0.0\"},"
    "\"schema\":\"smoothver.manifest/1\",\"source\":null,"
    "\"source_date_epoch\":0,\"tool\":\"t\",\"version\":\"1.1.0\"}\n";

static const char zeros[] =
    "0000000000000000000000000000000000000000000000000000000000000000";

START_TEST(manifest_reads_back)
{
	struct sv_manifest m;
	struct sv_err e;
	char text[2048];

	sv_err_init(&e);
	sv_manifest_init(&m);
	snprintf(text, sizeof(text), manifest, zeros, zeros);
	ck_assert_int_eq(sv_manifest_parse(&m, text, strlen(text), "t", &e),
	    SV_OK);
	ck_assert_str_eq(m.name, "app");
	ck_assert_str_eq(m.version, "1.1.0");
	ck_assert_str_eq(m.previous, "1.0.0");
	ck_assert_str_eq(m.level, "relup");
	ck_assert_uint_eq(m.content.n, 3);
	ck_assert_str_eq(m.content.v[1].path, "d/\xff");
	ck_assert_str_eq(m.content.v[2].target, "d");
	ck_assert_uint_eq(m.size, 10);
	sv_manifest_release(&m);
}
END_TEST

/* The test manifest with its first from replaced by to, into b (made
 * here; the caller releases it). */
static void
manifest_with(struct buf *b, const char *from, const char *to)
{
	char text[2048];
	const char *at;

	snprintf(text, sizeof(text), manifest, zeros, zeros);
	at = strstr(text, from);
	ck_assert_ptr_nonnull(at);
	buf_init(b);
	buf_add(b, text, (size_t)(at - text));
	buf_adds(b, to);
	buf_adds(b, at + strlen(from));
}

static const char *const bad_manifests[][2] = {
	{ "\"schema\":\"smoothver.manifest/1\"", "\"schema\":\"x\"" },
	{ "\"path\":\"l\"", "\"path\":\"../l\"" },
	{ "\"target\":\"d\"", "\"target\":\"/d\"" },
	{ "\"entries\":3", "\"entries\":2" },
	{ "\"mode\":\"0644\"", "\"mode\":\"0600\"" },
	{ "\"type\":\"file\"", "\"type\":\"fifo\"" },
	{ "\"size\":10", "\"size\":-1" },
	{ "\"path\":\"d\"", "\"path\":\"z\"" },
	{ "\"compression\":\"gzip\"", "\"compression\":\"lz4\"" },
};

START_TEST(manifest_refuses_what_is_wrong)
{
	struct sv_manifest m;
	struct sv_err e;
	struct buf b;

	sv_err_init(&e);
	sv_manifest_init(&m);
	manifest_with(&b, bad_manifests[_i][0], bad_manifests[_i][1]);
	ck_assert_int_eq(sv_manifest_parse(&m, b.s, b.len, "t", &e), SV_INPUT);
	ck_assert(strncmp(e.msg, "manifest t: ", 12) == 0);
	buf_release(&b);
	sv_manifest_release(&m);
}
END_TEST

/* Canonical JSON on the way in: each replacement and the words of the
 * error it must give. */
static const char *const noncanonical[][3] = {
	{ "\"tool\":\"t\"", "\"tool\":\"t\\u0000x\"", "holds U+0000" },
	{ "\"name\":\"app\",", "\"name\":\"app\",\"name\":\"evil\",",
	  "a key repeats in an object ('name')" },
	{ "\"size\":1,\"target\"", "\"size\":1,\"size\":2,\"target\"",
	  "a key repeats in an object ('size')" },
	{ "\"size\":10", "\"size\":10.0", "a number is not whole" },
	{ "\"size\":10", "\"size\":1e1", "a number is not whole" },
	{ "\"size\":10", "\"size\":10E0", "a number is not whole" },
	{ "\"tool\":\"t\"", "\"tool\":\"\xff\"", "not valid UTF-8" },
	{ "\"tool\":\"t\"", "\"tool\":\"\xc0\xaf\"", "not valid UTF-8" },
	{ "\"tool\":\"t\"", "\"tool\":\"t\",}", "not valid JSON" },
};

START_TEST(manifest_is_canonical_json)
{
	struct sv_manifest m;
	struct sv_err e;
	struct buf b;

	sv_err_init(&e);
	sv_manifest_init(&m);
	manifest_with(&b, noncanonical[_i][0], noncanonical[_i][1]);
	ck_assert_int_eq(sv_manifest_parse(&m, b.s, b.len, "t", &e), SV_INPUT);
	ck_assert_msg(strstr(e.msg, noncanonical[_i][2]) != NULL,
	    "case %d: '%s' lacks '%s'", _i, e.msg, noncanonical[_i][2]);
	buf_release(&b);
	sv_manifest_release(&m);
}
END_TEST

/* A delta record, FROM and the schema filled in. */
static const char delta_record[] =
    "{\"compression\":\"gzip\",\"delta_from\":\"%s\","
    "\"file\":\"app-1.1.0.tar.gz\",\"level\":\"relup\","
    "\"manifest\":\"%s\",\"manifest_size\":100,\"name\":\"app\","
    "\"package\":\"%s\",\"previous\":\"1.0.0\","
    "\"published\":\"2026-12-03T10:00:00Z\",\"schema\":\"%s\","
    "\"size\":10,\"version\":\"1.1.0\"}\n";

static void
put_delta(struct sv_store *s, const char *key, const char *from,
    const char *schema)
{
	char text[1024];
	struct sv_err e;
	bool created;

	sv_err_init(&e);
	snprintf(text, sizeof(text), delta_record, from, zeros, zeros, schema);
	ck_assert_int_eq(sv_store_put(s, key, text, strlen(text), &created, &e),
	    SV_OK);
}

START_TEST(delta_records_read_and_list)
{
	struct sv_store *s = open_store("st", SV_STORE_CREATE, SV_OK);
	struct sv_record r;
	struct sv_err e;
	char **froms = NULL;
	size_t n = 0;
	bool found;

	sv_err_init(&e);
	sv_record_init(&r);
	put_delta(s, "deltas/app/1.1.0/1.0.0.json", "1.0.0",
	    "smoothver.delta/1");
	put_delta(s, "deltas/app/1.1.0/0.9.0.json", "0.9.0",
	    "smoothver.delta/1");
	/* a record that names another base than its place */
	put_delta(s, "deltas/app/1.1.0/0.8.0.json", "1.0.0",
	    "smoothver.delta/1");
	/* a version's schema in a delta's place */
	put_delta(s, "deltas/app/1.1.0/0.7.0.json", "0.7.0",
	    "smoothver.release/1");
	ck_assert_int_eq(sv_delta_read(s, "app", "1.1.0", "1.0.0", &r, &found,
	    &e), SV_OK);
	ck_assert(found);
	ck_assert_str_eq(r.delta_from, "1.0.0");
	ck_assert_str_eq(r.version, "1.1.0");
	ck_assert_uint_eq(r.size, 10);
	sv_record_release(&r);
	ck_assert_int_eq(sv_delta_read(s, "app", "1.1.0", "0.5.0", &r, &found,
	    &e), SV_OK);
	ck_assert(!found);
	ck_assert_int_eq(sv_delta_read(s, "app", "1.1.0", "0.8.0", &r, &found,
	    &e), SV_INPUT);
	ck_assert(strstr(e.msg, "invalid delta record") != NULL);
	sv_record_release(&r);
	ck_assert_int_eq(sv_delta_read(s, "app", "1.1.0", "0.7.0", &r, &found,
	    &e), SV_INPUT);
	sv_record_release(&r);
	/* a delta record is never read as a version's */
	ck_assert_int_eq(sv_record_read(s, "app", "1.1.0", &r, &found, &e),
	    SV_OK);
	ck_assert(!found);
	ck_assert_int_eq(sv_deltas_list(s, "app", "1.1.0", &froms, &n, &e),
	    SV_OK);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(froms[0], "0.7.0");
	ck_assert_str_eq(froms[3], "1.0.0");
	sv_strv_free(froms, n);
	sv_store_close(s);
}
END_TEST

#define N(t) ((int)(sizeof(t) / sizeof((t)[0])))

Suite *
make_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("store");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, open_creates_only_when_asked);
	tcase_add_test(tc, put_is_create_only);
	tcase_add_test(tc, cas_compares_before_it_swaps);
	tcase_add_test(tc, list_sorts_and_hides_bookkeeping);
	tcase_add_test(tc, manifest_reads_back);
	tcase_add_test(tc, delta_records_read_and_list);
	tcase_add_loop_test(tc, manifest_refuses_what_is_wrong, 0,
	    N(bad_manifests));
	tcase_add_loop_test(tc, manifest_is_canonical_json, 0,
	    N(noncanonical));
	suite_add_tcase(s, tc);
	return s;
}
