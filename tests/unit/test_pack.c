/*
 * Unit tests for packing a selection of a tree (src/core/pack.c): items
 * walked whole, renamed, generated; the directories leading to them;
 * measuring without writing; and the errors.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/outfile.h"
#include "core/pack.h"
#include "unit.h"

static char tmp[256];

static void
put(const char *rel, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void
dir(const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	ck_assert_int_eq(mkdir(path, 0755), 0);
}

/* A small release-like tree: root/{bin/run, lib/a-1/ebin/a.beam,
 * lib/old-0/x, releases/1/r.rel, releases/RELEASES}. */
static void
setup(void)
{
	const char *t = getenv("TMPDIR");

	snprintf(tmp, sizeof(tmp), "%s/sv-test-pack-XXXXXX",
	    t && *t ? t : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	dir("root");
	dir("root/bin");
	dir("root/lib");
	dir("root/lib/a-1");
	dir("root/lib/a-1/ebin");
	dir("root/lib/old-0");
	dir("root/releases");
	dir("root/releases/1");
	put("root/bin/run", "#!/bin/sh\n");
	put("root/lib/a-1/ebin/a.beam", "beam a\n");
	put("root/lib/old-0/x", "old\n");
	put("root/releases/1/r.rel", "{release, ...}.\n");
	put("root/releases/RELEASES", "state\n");
}

static void
teardown(void)
{
	sv_remove_tree(tmp);
}

static const struct sv_pack_item items[] = {
	{ "lib/a-1", "lib/a-1", NULL, 0 },
	{ "releases/1", "releases/1", NULL, 0 },
	{ "releases/r-1.rel", "releases/1/r.rel", NULL, 0 },
	{ "releases/start_erl.data", NULL, "13.1 1\n", 7 },
};

static void
request(struct sv_pack_request *req, struct buf *root, const char *out,
    const struct sv_pack_item *v, size_t n)
{
	memset(req, 0, sizeof(*req));
	buf_init(root);
	buf_addf(root, "%s/root", tmp);
	req->dir = root->s;
	req->output = out;
	req->compression = SV_COMPRESS_GZIP;
	req->items = v;
	req->nitems = n;
}

START_TEST(selection_entries)
{
	static const char *const want[] = {
		"lib", "lib/a-1", "lib/a-1/ebin", "lib/a-1/ebin/a.beam",
		"releases", "releases/1", "releases/1/r.rel",
		"releases/r-1.rel", "releases/start_erl.data",
	};
	struct sv_pack_request req;
	struct sv_pack_result r;
	struct sv_index back;
	struct sv_err e;
	struct buf root, out;
	unsigned char d[SV_SHA256_LEN];
	size_t i;

	sv_err_init(&e);
	buf_init(&out);
	buf_addf(&out, "%s/p.tar.gz", tmp);
	request(&req, &root, out.s, items, 4);
	sv_pack_result_init(&r);
	ck_assert_msg(sv_pack(&req, &r, &e) == SV_OK, "%s", e.msg);
	ck_assert_uint_eq(r.index.n, sizeof(want) / sizeof(*want));
	for (i = 0; i < r.index.n; i++)
		ck_assert_str_eq(r.index.v[i].path, want[i]);
	/* The renamed file is read from its source, generated data hashed. */
	ck_assert_str_eq(r.index.v[7].source, "releases/1/r.rel");
	ck_assert_uint_eq(r.index.v[7].size, 16);
	sv_sha256("13.1 1\n", 7, d);
	ck_assert_mem_eq(r.index.v[8].sha256, d, sizeof(d));
	ck_assert_uint_eq(r.index.v[8].mode, 0644);
	ck_assert_uint_eq(r.index.v[0].mode, 0755);
	/* The archive holds what the index says. */
	sv_index_init(&back);
	ck_assert_msg(sv_index_tarball(&back, out.s, &e) == SV_OK, "%s",
	    e.msg);
	ck_assert_uint_eq(back.n, r.index.n);
	for (i = 0; i < back.n; i++) {
		ck_assert_str_eq(back.v[i].path, r.index.v[i].path);
		ck_assert_mem_eq(back.v[i].sha256, r.index.v[i].sha256,
		    SV_SHA256_LEN);
	}
	sv_index_release(&back);
	sv_pack_result_release(&r);
	buf_release(&root);
	buf_release(&out);
}
END_TEST

START_TEST(measure_only_and_order)
{
	static const struct sv_pack_item reversed[] = {
		{ "releases/start_erl.data", NULL, "13.1 1\n", 7 },
		{ "releases/r-1.rel", "releases/1/r.rel", NULL, 0 },
		{ "releases/1", "releases/1", NULL, 0 },
		{ "lib/a-1", "lib/a-1", NULL, 0 },
	};
	struct sv_pack_request req;
	struct sv_pack_result a, b;
	struct sv_err e;
	struct buf root, out;
	struct stat st;

	sv_err_init(&e);
	buf_init(&out);
	buf_addf(&out, "%s/p.tar.gz", tmp);
	request(&req, &root, out.s, items, 4);
	sv_pack_result_init(&a);
	sv_pack_result_init(&b);
	ck_assert_msg(sv_pack(&req, &a, &e) == SV_OK, "%s", e.msg);
	buf_release(&root);
	request(&req, &root, NULL, reversed, 4);
	ck_assert_msg(sv_pack(&req, &b, &e) == SV_OK, "%s", e.msg);
	ck_assert_uint_eq(a.size, b.size);
	ck_assert_mem_eq(a.sha256, b.sha256, SV_SHA256_LEN);
	ck_assert_mem_eq(a.tar_sha256, b.tar_sha256, SV_SHA256_LEN);
	ck_assert_int_eq(stat(out.s, &st), 0);
	ck_assert_uint_eq((uint64_t)st.st_size, a.size);
	sv_pack_result_release(&a);
	sv_pack_result_release(&b);
	buf_release(&root);
	buf_release(&out);
}
END_TEST

/* Each refused selection: its items and a part of the message. */
static const struct sv_pack_item twice[] = {
	{ "lib/a-1", "lib/a-1", NULL, 0 },
	{ "lib/a-1/ebin/a.beam", NULL, "x", 1 },
};
static const struct sv_pack_item renamed_dir[] = {
	{ "lib/b-1", "lib/a-1", NULL, 0 },
};
static const struct sv_pack_item absent[] = {
	{ "lib/z-1", "lib/z-1", NULL, 0 },
};
static const struct {
	const struct sv_pack_item *v;
	size_t n;
	const char *msg;
} refused[] = {
	{ twice, 2, "'lib/a-1/ebin/a.beam' would be packed twice" },
	{ renamed_dir, 1, "is not a regular file, and cannot be packed as "
	  "'lib/b-1'" },
	{ absent, 1, "lib/z-1': No such file or directory" },
};

START_TEST(refused_selections)
{
	struct sv_pack_request req;
	struct sv_pack_result r;
	struct sv_err e;
	struct buf root, out;

	sv_err_init(&e);
	buf_init(&out);
	buf_addf(&out, "%s/bad.tar.gz", tmp);
	request(&req, &root, out.s, refused[_i].v, refused[_i].n);
	sv_pack_result_init(&r);
	ck_assert_int_eq(sv_pack(&req, &r, &e), SV_INPUT);
	ck_assert_msg(strstr(e.msg, refused[_i].msg) != NULL, "%s", e.msg);
	ck_assert_int_ne(access(out.s, F_OK), 0);
	sv_pack_result_release(&r);
	buf_release(&root);
	buf_release(&out);
}
END_TEST

Suite *
make_suite(void)
{
	Suite *s = suite_create("pack");
	TCase *tc = tcase_create("selection");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, selection_entries);
	tcase_add_test(tc, measure_only_and_order);
	tcase_add_loop_test(tc, refused_selections, 0,
	    sizeof(refused) / sizeof(*refused));
	suite_add_tcase(s, tc);
	return s;
}
