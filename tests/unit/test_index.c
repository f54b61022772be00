/*
 * Unit tests for the index helpers: symlink containment, path quoting and
 * UTF-8 validation (src/core/index.c, src/base/quote.c, src/adapt/json.c).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "adapt/json.h"
#include "base/buf.h"
#include "base/outfile.h"
#include "base/quote.h"
#include "core/cache.h"
#include "core/index.h"
#include "unit.h"

static const struct {
	const char *path, *target;
	bool inside;
} links[] = {
	{ "a", "b", true },
	{ "a", "./b", true },
	{ "a", "../b", false },
	{ "d/a", "../b", true },
	{ "d/a", "../../b", false },
	{ "d/e/a", "../../b", true },
	{ "d/a", "x/../../b", true },
	{ "d/a", "x/../../../b", false },
	{ "a", "/etc/passwd", false },
	{ "a", "", false },
	{ "d/a", "..", true },
	{ "d/a", "../..", false },
	{ "d/a", "x//y/./z", true },
};

START_TEST(symlink_containment)
{
	ck_assert_msg(sv_symlink_inside(links[_i].path, links[_i].target) ==
	    links[_i].inside, "%s -> %s", links[_i].path, links[_i].target);
}
END_TEST

static const struct {
	const char *in, *out;
} quotes[] = {
	{ "plain/path.beam", "plain/path.beam" },
	{ "with space", "with space" },
	{ "new\nline", "\"new\\nline\"" },
	{ "tab\there", "\"tab\\there\"" },
	{ "q\"uote", "\"q\\\"uote\"" },
	{ "back\\slash", "\"back\\\\slash\"" },
	{ "bad\xff", "\"bad\\377\"" },
	{ "caf\xc3\xa9", "caf\xc3\xa9" },
	{ "caf\xc3\xa9\n", "\"caf\xc3\xa9\\n\"" },
	{ "del\x7f", "\"del\\177\"" },
};

START_TEST(path_quoting)
{
	struct buf b;

	buf_init(&b);
	sv_quote_path(&b, quotes[_i].in);
	ck_assert_str_eq(b.s, quotes[_i].out);
	buf_release(&b);
}
END_TEST

START_TEST(utf8_validation)
{
	ck_assert(sv_utf8_valid("abc"));
	ck_assert(sv_utf8_valid("caf\xc3\xa9"));
	ck_assert(sv_utf8_valid("\xf0\x9f\x98\x80"));
	ck_assert(!sv_utf8_valid("\xff"));
	ck_assert(!sv_utf8_valid("\xc0\xaf"));         /* overlong */
	ck_assert(!sv_utf8_valid("\xed\xa0\x80"));     /* surrogate */
	ck_assert(!sv_utf8_valid("\xf4\x90\x80\x80")); /* past U+10FFFF */
	ck_assert(!sv_utf8_valid("\xc3"));             /* truncated */
}
END_TEST

START_TEST(json_bytes_round_trip_escapes)
{
	struct sv_json *o = sv_json_object();
	char *s;

	sv_json_set_bytes(o, "a", "x\xff\ny\"");
	sv_json_set_bytes(o, "b", "ok");
	s = sv_json_print(o);
	ck_assert_str_eq(s, "{\"a\":\"x\\udcff\\ny\\\"\",\"b\":\"ok\"}");
	free(s);
	sv_json_free(o);
}
END_TEST

static void
put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* A fresh directory for a test, sv-test-TAG-XXXXXX in $TMPDIR, into dir. */
static void
test_dir(char dir[4096], const char *tag)
{
	const char *t = getenv("TMPDIR");

	snprintf(dir, 4096, "%s/sv-test-%s-XXXXXX", t && *t ? t : "/tmp", tag);
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

/* dir/rel into out (4400 bytes); with text, a file holding it. */
static char *
put_under(char out[4400], const char *dir, const char *rel, const char *text)
{
	snprintf(out, 4400, "%s/%s", dir, rel);
	if (text != NULL)
		put_file(out, text);
	return out;
}

static void
memo_entry(struct sv_digest_memo_entry *m, const char *path,
    const char *claimed)
{
	struct stat st;

	memset(m, 0, sizeof(*m));
	ck_assert_int_eq(stat(path, &st), 0);
	m->dev = (uint64_t)st.st_dev;
	m->ino = (uint64_t)st.st_ino;
	m->size = (uint64_t)st.st_size;
	m->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 +
	    st.st_mtim.tv_nsec;
	m->ctime_ns = (int64_t)st.st_ctim.tv_sec * 1000000000 +
	    st.st_ctim.tv_nsec;
	sv_sha256(claimed, strlen(claimed), m->sha256);
}

/* A memo's digest stands in for reading a file only while the file's
 * status is what it was, and only for a file that had settled. */
START_TEST(digest_memo_trusts_only_unchanged_settled_files)
{
	char dir[4096], a[4200], b[4200];
	unsigned char want[SV_SHA256_LEN];
	struct sv_digest_memo memo, memo2;
	struct sv_digest_memo_entry m;
	struct sv_index idx;
	struct sv_err e;

	setenv("SMOOTHVER_NO_CACHE", "1", 1);
	test_dir(dir, "memo");
	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", dir);
	put_file(a, "real a\n");
	put_file(b, "real b\n");
	sv_err_init(&e);

	/* just written: not settled, the memo ignores it */
	sv_digest_memo_init(&memo);
	memo_entry(&m, a, "claimed a\n");
	sv_digest_memo_add(&memo, &m);
	ck_assert_uint_eq(memo.n, 0);
	sv_digest_memo_release(&memo);

	/* settled (the memo made as if 10 s later): taken for a, which is
	 * then not read; b, unknown, is read */
	sv_digest_memo_init(&memo);
	memo.start_ns += 10000000000LL;
	memo_entry(&m, a, "claimed a\n");
	sv_digest_memo_add(&memo, &m);
	ck_assert_uint_eq(memo.n, 1);
	sv_index_init(&idx);
	ck_assert_int_eq(sv_index_dir_memo(&idx, dir, NULL, NULL, &memo, &e),
	    SV_OK);
	ck_assert_uint_eq(idx.n, 2);
	sv_sha256("claimed a\n", 10, want);
	ck_assert_mem_eq(idx.v[0].sha256, want, SV_SHA256_LEN);
	sv_sha256("real b\n", 7, want);
	ck_assert_mem_eq(idx.v[1].sha256, want, SV_SHA256_LEN);
	sv_index_release(&idx);

	/* changed a second before the memo began: settled where the file
	 * system stamps to the tick, not where it could be two seconds */
	sv_digest_memo_init(&memo2);
	memo2.start_ns += 1000000000LL;
	memo_entry(&m, b, "claimed b\n");
	sv_digest_memo_add(&memo2, &m);
	ck_assert_uint_eq(memo2.n, 0);
	m.settle_ns = SV_SETTLE_LOCAL_NS;
	sv_digest_memo_add(&memo2, &m);
	ck_assert_uint_eq(memo2.n, 1);
	sv_digest_memo_release(&memo2);
	{
		int fd = open(dir, O_RDONLY | O_DIRECTORY);
		int64_t settle;

		ck_assert_int_ge(fd, 0);
		settle = sv_settle_ns(fd);
		ck_assert(settle == SV_SETTLE_NS ||
		    settle == SV_SETTLE_LOCAL_NS);
		close(fd);
		ck_assert_int_eq(sv_settle_ns(-1), SV_SETTLE_NS);
	}

	/* a changed since (another size): read again */
	put_file(a, "real a, longer\n");
	sv_index_init(&idx);
	ck_assert_int_eq(sv_index_dir_memo(&idx, dir, NULL, NULL, &memo, &e),
	    SV_OK);
	sv_sha256("real a, longer\n", 15, want);
	ck_assert_mem_eq(idx.v[0].sha256, want, SV_SHA256_LEN);
	sv_index_release(&idx);
	sv_digest_memo_release(&memo);
	sv_remove_tree(dir);
	unsetenv("SMOOTHVER_NO_CACHE");
}
END_TEST


/* The paths of a walk of dir, one per line, with SMOOTHVER_THREADS set
 * to threads; the walk must succeed. */
static char *
walk_listing(const char *dir, const char *threads)
{
	struct sv_index idx;
	struct sv_err e;
	struct buf b;
	size_t i;

	setenv("SMOOTHVER_THREADS", threads, 1);
	sv_err_init(&e);
	sv_index_init(&idx);
	ck_assert_msg(sv_index_walk(&idx, dir, &e) == SV_OK, "%s", e.msg);
	buf_init(&b);
	for (i = 0; i < idx.n; i++) {
		if (i > 0)
			ck_assert_msg(strcmp(idx.v[i - 1].path, idx.v[i].path) < 0,
			    "%s before %s", idx.v[i - 1].path, idx.v[i].path);
		buf_addf(&b, "%c %s\n", idx.v[i].type == SV_ENTRY_DIR ? 'd' :
		    idx.v[i].type == SV_ENTRY_FILE ? 'f' : 'l', idx.v[i].path);
	}
	sv_index_release(&idx);
	unsetenv("SMOOTHVER_THREADS");
	return buf_detach(&b);
}

static void
put_dir(const char *path)
{
	ck_assert_msg(mkdir(path, 0755) == 0, "mkdir %s", path);
}

/* A tree wide enough to be shared out (40 directories a level down)
 * lists the same, in path order, on one thread and on several; names
 * that sort between a directory and its contents ("d05.txt" between
 * "d05" and "d05/f") stay in place, and a special file deep in one
 * subtree fails the walk, named. */
START_TEST(walk_shares_subtrees_in_path_order)
{
	const char *t;
	char dir[4096], p[4400], *one, *many;
	struct sv_index idx;
	struct sv_err e;
	int i;

	test_dir(dir, "walk");
	snprintf(p, sizeof(p), "%s/top", dir);
	put_dir(p);
	for (i = 0; i < 40; i++) {
		snprintf(p, sizeof(p), "%s/top/d%02d", dir, i);
		put_dir(p);
		snprintf(p, sizeof(p), "%s/top/d%02d/f", dir, i);
		put_file(p, "f\n");
		snprintf(p, sizeof(p), "%s/top/d%02d/s", dir, i);
		put_dir(p);
		snprintf(p, sizeof(p), "%s/top/d%02d/s/g", dir, i);
		put_file(p, "g\n");
		snprintf(p, sizeof(p), "%s/top/d%02d/s/l", dir, i);
		ck_assert_int_eq(symlink("../f", p), 0);
	}
	snprintf(p, sizeof(p), "%s/top/d05.txt", dir);
	put_file(p, "between\n");
	snprintf(p, sizeof(p), "%s/top/d05-x", dir);
	put_file(p, "between\n");
	snprintf(p, sizeof(p), "%s/top/d07/s/t", dir);
	put_dir(p);
	snprintf(p, sizeof(p), "%s/top/d07/s/t/deep", dir);
	put_file(p, "deep\n");
	snprintf(p, sizeof(p), "%s/z", dir);
	put_file(p, "z\n");

	one = walk_listing(dir, "1");
	many = walk_listing(dir, "4");
	ck_assert_str_eq(one, many);
	ck_assert_ptr_nonnull(strstr(one, "l top/d04/s/l\nd top/d05\n"
	    "f top/d05-x\nf top/d05.txt\nf top/d05/f\nd top/d05/s\n"
	    "f top/d05/s/g\nl top/d05/s/l\nd top/d06\n"));
	ck_assert_ptr_nonnull(strstr(one, "l top/d07/s/l\nd top/d07/s/t\n"
	    "f top/d07/s/t/deep\nd top/d08\n"));
	/* top, 40 x (dir, f, s, s/g, s/l), 2 between, t, t/deep, z */
	for (i = 0, t = one; (t = strchr(t, '\n')) != NULL; t++)
		i++;
	ck_assert_int_eq(i, 1 + 40 * 5 + 2 + 2 + 1);
	free(one);
	free(many);

	snprintf(p, sizeof(p), "%s/top/d33/s/p", dir);
	ck_assert_int_eq(mkfifo(p, 0644), 0);
	setenv("SMOOTHVER_THREADS", "4", 1);
	sv_err_init(&e);
	sv_index_init(&idx);
	ck_assert_int_eq(sv_index_walk(&idx, dir, &e), SV_INPUT);
	ck_assert_ptr_nonnull(strstr(e.msg, "/top/d33/s/p' is a fifo"));
	sv_index_release(&idx);
	unsetenv("SMOOTHVER_THREADS");
	sv_remove_tree(dir);
}
END_TEST

/* Every entry of x as a fresh walk gives it in y: paths, types, modes,
 * sizes, targets, and the status the walk saw (of a directory: its
 * identity; its mtime moves as files are written into it). */
static void
same_walk(const struct sv_index *x, const struct sv_index *y)
{
	size_t i;

	ck_assert_uint_eq(x->n, y->n);
	for (i = 0; i < x->n; i++) {
		const struct sv_entry *a = &x->v[i], *b = &y->v[i];

		ck_assert_str_eq(a->path, b->path);
		ck_assert_int_eq(a->type, b->type);
		ck_assert_uint_eq(a->mode, b->mode);
		ck_assert_uint_eq(a->size, b->size);
		ck_assert_uint_eq(a->ino, b->ino);
		ck_assert_uint_eq(a->dev, b->dev);
		if (a->type != SV_ENTRY_DIR) {
			ck_assert_int_eq(a->mtime_ns, b->mtime_ns);
			ck_assert_int_eq(a->ctime_ns, b->ctime_ns);
		}
		ck_assert_str_eq(a->target ? a->target : "",
		    b->target ? b->target : "");
	}
}

/* Files written after a walk, taken in by sv_index_relook, leave the walk
 * as a fresh one would be: a new file, a file replaced (another inode), a
 * file written through another spelling of its directory ("./", "//"),
 * one named twice; not a file below a symlinked directory (a walk does
 * not follow it), outside the tree, or written and removed again. The
 * digests after hashing are those of sv_index_dir. */
START_TEST(relook_takes_written_files_as_a_fresh_walk)
{
	char dir[4096], p[4400], q[4400], r[4400], s[4400], out[4400],
	    gone[4400], *paths[8];
	struct sv_index walked, fresh, full;
	unsigned char d1[32], d2[32];
	struct sv_err e;

	test_dir(dir, "relook");
	put_dir(put_under(p, dir, "tree", NULL));
	put_dir(put_under(p, dir, "tree/lib", NULL));
	put_under(p, dir, "tree/lib/a.beam", "a\n");
	put_under(p, dir, "tree/lib/old.appup", "old\n");
	ck_assert_int_eq(symlink("lib", put_under(p, dir, "tree/linked",
	    NULL)), 0);

	sv_err_init(&e);
	sv_index_init(&walked);
	ck_assert_int_eq(sv_index_walk(&walked, put_under(p, dir, "tree",
	    NULL), &e), SV_OK);

	/* new, replaced, another spelling, named twice, outside, gone,
	 * under the symlink, and a NULL item */
	paths[0] = put_under(q, dir, "tree/lib/new.appup", "new\n");
	put_under(r, dir, "tree/lib/old.appup.tmp", "replaced, longer\n");
	paths[1] = put_under(s, dir, "tree/lib/old.appup", NULL);
	ck_assert_int_eq(rename(r, s), 0);
	paths[2] = put_under(r, dir, "tree/./lib//third", "third\n");
	paths[3] = q;
	paths[4] = put_under(out, dir, "outside", "outside\n");
	paths[5] = put_under(gone, dir, "tree/lib/gone", "gone\n");
	ck_assert_int_eq(unlink(gone), 0);
	paths[6] = put_under(p, dir, "tree/linked/under.appup",
	    "under the link\n");
	paths[7] = NULL;
	ck_assert_int_eq(sv_index_relook(&walked, paths, 8, &e), SV_OK);

	sv_index_init(&fresh);
	put_under(p, dir, "tree", NULL);
	ck_assert_int_eq(sv_index_walk(&fresh, p, &e), SV_OK);
	same_walk(&walked, &fresh);
	ck_assert_ptr_nonnull(sv_index_find(&walked, "lib/new.appup"));
	ck_assert_ptr_nonnull(sv_index_find(&walked, "lib/third"));
	ck_assert_ptr_null(sv_index_find(&walked, "linked/under.appup"));
	ck_assert_ptr_null(sv_index_find(&walked, "lib/gone"));

	setenv("SMOOTHVER_NO_CACHE", "1", 1);
	ck_assert_int_eq(sv_index_hash_walked(&walked, NULL, &e), SV_OK);
	sv_index_digest(&walked, d1);
	sv_index_init(&full);
	ck_assert_int_eq(sv_index_dir(&full, p, &e), SV_OK);
	sv_index_digest(&full, d2);
	ck_assert_mem_eq(d1, d2, 32);
	unsetenv("SMOOTHVER_NO_CACHE");

	sv_index_release(&walked);
	sv_index_release(&fresh);
	sv_index_release(&full);
	sv_remove_tree(dir);
}
END_TEST

#define N(t) ((int)(sizeof(t) / sizeof((t)[0])))

Suite *
make_suite(void)
{
	Suite *s = suite_create("index");
	TCase *tc = tcase_create("index");

	tcase_add_loop_test(tc, symlink_containment, 0, N(links));
	tcase_add_loop_test(tc, path_quoting, 0, N(quotes));
	tcase_add_test(tc, utf8_validation);
	tcase_add_test(tc, json_bytes_round_trip_escapes);
	tcase_add_test(tc, digest_memo_trusts_only_unchanged_settled_files);
	tcase_add_test(tc, walk_shares_subtrees_in_path_order);
	tcase_add_test(tc, relook_takes_written_files_as_a_fresh_walk);
	suite_add_tcase(s, tc);
	return s;
}
