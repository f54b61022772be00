#include "config.h"

#include "core/pack.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "adapt/tarwrite.h"
#include "base/outfile.h"
#include "base/pool.h"
#include "base/xalloc.h"

#define READ_CHUNK (256 * 1024)
/* Read ahead, on the pool's threads: files up to READ_AHEAD_FILE bytes,
 * in batches of at most READ_AHEAD_BATCH bytes and READ_AHEAD_FILES
 * entries, at most READ_AHEAD_JOBS batches at a time (some 10 MiB). A
 * larger file is a batch of its own that the writing thread streams. */
#define READ_AHEAD_FILE (256 * 1024)
#define READ_AHEAD_BATCH (1024 * 1024)
#define READ_AHEAD_FILES 256
#define READ_AHEAD_JOBS 10

void
sv_pack_result_init(struct sv_pack_result *r)
{
	memset(r, 0, sizeof(*r));
	sv_index_init(&r->index);
}

void
sv_pack_result_release(struct sv_pack_result *r)
{
	sv_index_release(&r->index);
	sv_pack_result_init(r);
}

int
sv_source_date_epoch(int64_t *out, struct sv_err *e)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	char *end;
	long long v;

	*out = 0;
	if (s == NULL || *s == '\0')
		return SV_OK;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0' || errno != 0 || v < 0 || v > 077777777777LL)
		return sv_err_set(e, SV_USAGE, "invalid SOURCE_DATE_EPOCH '%s' "
		    "(expected seconds since 1970, at most 8589934591)", s);
	*out = (int64_t)v;
	return SV_OK;
}

/* The compressed side: hash, count, write to the output file. */
struct file_sink {
	struct sv_outfile *out;
	struct sv_sha256 *h;
	uint64_t n;
};

static int
file_sink(void *data, const void *p, size_t n, struct sv_err *e)
{
	struct file_sink *s = data;

	sv_sha256_update(s->h, p, n);
	s->n += n;
	return s->out ? sv_outfile_write(s->out, p, n, e) : SV_OK;
}

/* The tar side: hash, count, compress. */
struct tar_sink {
	struct sv_compressor *c;
	struct sv_sha256 *h;
	uint64_t n;
};

static int
tar_sink(void *data, const void *p, size_t n, struct sv_err *e)
{
	struct tar_sink *s = data;

	sv_sha256_update(s->h, p, n);
	s->n += n;
	return sv_compressor_write(s->c, p, n, e);
}

/* Stream one file into the tar, hashing it into the index as it goes.
 * The file must be what the walk saw: told after reading (the tar is
 * discarded if it was not). */
static int
pack_file(struct sv_tar_writer *w, int rootfd, const char *root,
    struct sv_entry *ent, unsigned char *buf, struct sv_sha256 *h,
    struct sv_err *e)
{
	const char *path = ent->source ? ent->source : ent->path;
	uint64_t left = ent->size;
	int fd, status = SV_OK;

	if (ent->data != NULL) {
		sv_sha256(ent->data, (size_t)ent->size, ent->sha256);
		return sv_tar_writer_data(w, ent->data, (size_t)ent->size, e);
	}
	if (sv_entry_open(rootfd, root, ent, &fd, e))
		return e->status;
	while (left > 0) {
		size_t want = left < READ_CHUNK ? (size_t)left : READ_CHUNK;
		ssize_t k = read(fd, buf, want);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			status = sv_err_set(e, SV_INPUT, "cannot read '%s/%s': %s",
			    root, path, strerror(errno));
			goto out;
		}
		if (k == 0)
			break;
		sv_sha256_update(h, buf, (size_t)k);
		if ((status = sv_tar_writer_data(w, buf, (size_t)k, e)))
			goto out;
		left -= (uint64_t)k;
	}
	sv_test_change_hook(rootfd, path);
	sv_sha256_final(h, ent->sha256);
	if (left != 0 || !sv_entry_unchanged(fd, ent))
		status = sv_err_set(e, SV_INPUT, "'%s/%s' changed while being "
		    "packed", root, path);
out:
	close(fd);
	return status;
}

/* A run of consecutive index entries, their files read (and hashed)
 * ahead by a pipeline job; or one large file, streamed when written. */
struct batch {
	size_t first, end;         /* entries [first, end) */
	bool stream;               /* one file, too large to hold */
	unsigned char *data;       /* the files' bytes, one after another */
	size_t len;
	int status;                /* SV_OK, or why the batch failed */
	struct sv_err err;
};

struct read_ahead {
	struct sv_index *idx;
	int rootfd;
	const char *root;
};

/* Read the file ent into b->data at b->len, hashing it; as pack_file, the
 * file must be what the walk saw, told after reading. */
static int
read_file(const struct read_ahead *ra, struct sv_entry *ent, struct batch *b,
    struct sv_sha256 *h, struct sv_err *e)
{
	const char *path = ent->source ? ent->source : ent->path;
	unsigned char *p = b->data + b->len;
	size_t left = (size_t)ent->size;
	int fd, status = SV_OK;

	if (sv_entry_open(ra->rootfd, ra->root, ent, &fd, e))
		return e->status;
	while (left > 0) {
		ssize_t k = read(fd, p, left);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			status = sv_err_set(e, SV_INPUT, "cannot read '%s/%s': %s",
			    ra->root, path, strerror(errno));
			goto out;
		}
		if (k == 0)
			break;
		p += k;
		left -= (size_t)k;
	}
	sv_test_change_hook(ra->rootfd, path);
	if (left != 0 || !sv_entry_unchanged(fd, ent)) {
		status = sv_err_set(e, SV_INPUT, "'%s/%s' changed while being "
		    "packed", ra->root, path);
		goto out;
	}
	sv_sha256_update(h, b->data + b->len, (size_t)ent->size);
	sv_sha256_final(h, ent->sha256);
	b->len += (size_t)ent->size;
out:
	close(fd);
	return status;
}

static void *
read_state_new(void *ctx)
{
	(void)ctx;
	return sv_sha256_new();
}

static void
read_state_free(void *state)
{
	sv_sha256_free(state);
}

/* The pipeline's job: read the batch's files (a streamed one is left to
 * the writing thread). The first failure ends the batch, kept for the
 * writer to report in tree order. */
static void
read_batch(void *ctx, void *state, void *job)
{
	const struct read_ahead *ra = ctx;
	struct batch *b = job;
	size_t i;

	b->len = 0;
	b->status = SV_OK;
	if (b->stream)
		return;
	for (i = b->first; i < b->end; i++) {
		struct sv_entry *ent = &ra->idx->v[i];

		if (ent->type != SV_ENTRY_FILE || ent->data != NULL)
			continue;
		if ((b->status = read_file(ra, ent, b, state, &b->err)))
			return;
	}
}

/* Fill b with the entries from `from` on: as many as fit, or one file
 * too large to hold. Returns the entry after the batch. */
static size_t
plan_batch(const struct sv_index *idx, size_t from, struct batch *b)
{
	size_t i = from, bytes = 0;

	b->first = from;
	b->stream = false;
	for (; i < idx->n && i - from < READ_AHEAD_FILES; i++) {
		const struct sv_entry *ent = &idx->v[i];
		uint64_t size;

		if (ent->type != SV_ENTRY_FILE || ent->data != NULL)
			continue;
		size = ent->size;
		if (size > READ_AHEAD_FILE) {
			if (i == from) {
				b->stream = true;
				i++;
			}
			break;
		}
		if (bytes + size > READ_AHEAD_BATCH)
			break;
		bytes += (size_t)size;
	}
	b->end = i;
	return i;
}

/* Write the entries of b, read ahead, into the tar. */
static int
write_batch(const struct sv_pack_request *req, struct sv_index *idx,
    int rootfd, struct batch *b, struct sv_tar_writer *w, unsigned char *buf,
    struct sv_sha256 *h, struct sv_err *e)
{
	size_t i, at = 0;
	int status;

	if (b->status != SV_OK) {
		*e = b->err;
		return b->status;
	}
	for (i = b->first; i < b->end; i++) {
		struct sv_entry *ent = &idx->v[i];
		struct sv_tar_item it;

		memset(&it, 0, sizeof(it));
		it.path = ent->path;
		it.perm = ent->type == SV_ENTRY_SYMLINK ? 0777 : ent->mode;
		it.mtime = req->mtime;
		it.type = ent->type == SV_ENTRY_DIR ? SV_TAR_DIR :
		    (ent->type == SV_ENTRY_SYMLINK ? SV_TAR_SYMLINK : SV_TAR_FILE);
		it.size = ent->type == SV_ENTRY_FILE ? ent->size : 0;
		it.link = ent->target;
		if ((status = sv_tar_writer_add(w, &it, e)))
			return status;
		if (ent->type != SV_ENTRY_FILE)
			continue;
		if (b->stream || ent->data != NULL) {
			if ((status = pack_file(w, rootfd, req->dir, ent, buf,
			    h, e)))
				return status;
			continue;
		}
		if ((status = sv_tar_writer_data(w, b->data + at,
		    (size_t)ent->size, e)))
			return status;
		at += (size_t)ent->size;
	}
	return SV_OK;
}

/* Index the items of req into idx: walked, renamed or generated, with
 * the directories leading to them; sorted, each path once. */
static int
select_items(const struct sv_pack_request *req, struct sv_index *idx,
    struct sv_err *e)
{
	size_t i;
	int status;

	idx->root = xstrdup(req->dir);
	idx->is_dir = true;
	for (i = 0; i < req->nitems; i++) {
		const struct sv_pack_item *it = &req->items[i];
		size_t first = idx->n;
		struct sv_entry *ent;

		if (it->from == NULL) {
			ent = sv_index_add(idx, it->path, SV_ENTRY_FILE);
			ent->mode = 0644;
			ent->size = it->len;
			ent->data = xmalloc(it->len + 1);
			memcpy(ent->data, it->data, it->len);
			continue;
		}
		if ((status = sv_index_walk_sub(idx, req->dir, it->from, e)))
			return status;
		if (strcmp(it->from, it->path) == 0)
			continue;
		ent = &idx->v[first];
		if (idx->n != first + 1 || ent->type != SV_ENTRY_FILE)
			return sv_err_set(e, SV_INPUT, "'%s/%s' is not a regular "
			    "file, and cannot be packed as '%s'", req->dir,
			    it->from, it->path);
		ent->source = ent->path;
		ent->path = xstrdup(it->path);
	}
	sv_index_add_implied_dirs(idx);
	for (i = 1; i < idx->n; i++)
		if (strcmp(idx->v[i - 1].path, idx->v[i].path) == 0)
			return sv_err_set(e, SV_INPUT, "'%s' would be packed "
			    "twice", idx->v[i].path);
	return SV_OK;
}

int
sv_pack(const struct sv_pack_request *req, struct sv_pack_result *r,
    struct sv_err *e)
{
	struct sv_outfile out = { -1, NULL, NULL, false };
	struct file_sink fs = { &out, NULL, 0 };
	struct tar_sink ts = { NULL, NULL, 0 };
	struct sv_tar_writer *w = NULL;
	struct sv_sha256 *h = sv_sha256_new();
	unsigned char *buf = xmalloc(READ_CHUNK);
	struct read_ahead ra = { NULL, -1, NULL };
	const struct sv_pipeline_ops read_ops = {
		.ctx = &ra, .state_new = read_state_new,
		.state_free = read_state_free, .run = read_batch
	};
	struct batch batches[READ_AHEAD_JOBS];
	void *jobs[READ_AHEAD_JOBS];
	struct sv_pipeline *pl = NULL;
	int rootfd = -1, status;
	bool ascii = true; /* all names ASCII: plain ustar headers suffice */
	size_t i, next = 0;

	memset(batches, 0, sizeof(batches));

	fs.h = sv_sha256_new();
	ts.h = sv_sha256_new();
	if (req->items != NULL)
		status = select_items(req, &r->index, e);
	else
		status = sv_index_walk(&r->index, req->dir, e);
	if (status != SV_OK)
		goto fail;
	rootfd = open(req->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		status = sv_err_set(e, SV_INPUT, "cannot open directory '%s': %s",
		    req->dir, strerror(errno));
		goto fail;
	}
	if (req->output == NULL)
		fs.out = NULL;
	else if ((status = sv_outfile_open(&out, req->output, e)))
		goto fail;
	ts.c = sv_compressor_new(req->compression, sv_threads(),
	    req->output ? req->output : "the measured package", file_sink, &fs);
	for (i = 0; i < r->index.n && ascii; i++)
		ascii = sv_tar_ascii(r->index.v[i].path) &&
		    sv_tar_ascii(r->index.v[i].target);
	if ((status = sv_tar_writer_new(&w, !ascii, tar_sink, &ts, e)))
		goto fail;
	ra.idx = &r->index;
	ra.rootfd = rootfd;
	ra.root = req->dir;
	for (i = 0; i < READ_AHEAD_JOBS; i++) {
		batches[i].data = xmalloc(READ_AHEAD_BATCH);
		sv_err_init(&batches[i].err);
		jobs[i] = &batches[i];
	}
	pl = sv_pipeline_new(&read_ops, jobs, READ_AHEAD_JOBS, sv_threads());
	for (;;) {
		struct batch *b;

		while (next < r->index.n && (b = sv_pipeline_next(pl)) != NULL) {
			next = plan_batch(&r->index, next, b);
			sv_pipeline_submit(pl);
		}
		if ((b = sv_pipeline_oldest(pl)) == NULL)
			break;
		if ((status = write_batch(req, &r->index, rootfd, b, w, buf, h,
		    e)))
			goto fail;
		sv_pipeline_release(pl);
	}
	if ((status = sv_tar_writer_close(w, e)) ||
	    (status = sv_compressor_finish(ts.c, e)))
		goto fail;
	sv_sha256_final(ts.h, r->tar_sha256);
	sv_sha256_final(fs.h, r->sha256);
	r->tar_size = ts.n;
	r->size = fs.n;
	if (req->output != NULL && (status = sv_outfile_commit(&out, e)))
		goto fail;
	goto out;
fail:
	sv_outfile_abort(&out);
out:
	/* the readers stop before their batches go */
	sv_pipeline_free(pl);
	for (i = 0; i < READ_AHEAD_JOBS; i++)
		free(batches[i].data);
	sv_tar_writer_free(w);
	sv_compressor_free(ts.c);
	if (rootfd >= 0)
		close(rootfd);
	sv_sha256_free(h);
	sv_sha256_free(fs.h);
	sv_sha256_free(ts.h);
	free(buf);
	return status;
}
