#include "config.h"

#include "adapt/compress.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>
#include <zstd.h>

#include "base/pool.h"
#include "base/xalloc.h"

#define GZ_BLOCK (128 * 1024)
#define GZ_DICT (32 * 1024)
#define GZ_LEVEL 6
#define ZSTD_LEVEL 9
#define ZSTD_WINDOW_LOG 20           /* 1 MiB */
#define ZSTD_JOB_SIZE (2u << 20)
#define ZSTD_MAX_WORKERS 2

/* One block of the gzip stream, compressed on its own with the 32 KiB
 * before it as dictionary (a job of the pipeline). */
struct block {
	bool last;
	unsigned char *in;
	size_t in_len;
	unsigned char dict[GZ_DICT];
	size_t dict_len;
	unsigned char *out;
	size_t out_len, out_cap;
	uLong crc;
	bool failed;
};

struct sv_compressor {
	enum sv_compression kind;
	const char *name;
	sv_sink_fn sink;
	void *sink_data;
	/* gzip */
	struct sv_pipeline *pipe;
	struct block *blocks;
	size_t nblocks;
	struct block *cur;    /* being filled, or NULL */
	unsigned char tail[GZ_DICT]; /* last input bytes, the next dictionary */
	size_t tail_len;
	uLong crc;
	uint64_t total;
	bool header_written;
	/* zstd */
	ZSTD_CCtx *zc;
	unsigned char *zout;
	size_t zout_cap;
};

const char *
sv_compression_name(enum sv_compression kind)
{
	return kind == SV_COMPRESS_ZSTD ? "zstd" : "gzip";
}

const char *
sv_compression_suffix(enum sv_compression kind)
{
	return kind == SV_COMPRESS_ZSTD ? ".tar.zst" : ".tar.gz";
}

/* ---- gzip ---- */

/* Deflate block b with the running thread's stream (reset, not
 * re-created: allocating a deflate state per block costs more than
 * compressing it); a pipeline job. */
static void
deflate_block(void *ctx, void *state, void *job)
{
	z_stream *z = state;
	struct block *b = job;
	int rc;

	(void)ctx;
	b->failed = true;
	if (z == NULL || deflateReset(z) != Z_OK)
		return;
	if (b->dict_len > 0 &&
	    deflateSetDictionary(z, b->dict, (uInt)b->dict_len) != Z_OK)
		return;
	z->next_in = b->in;
	z->avail_in = (uInt)b->in_len;
	z->next_out = b->out;
	z->avail_out = (uInt)b->out_cap;
	rc = deflate(z, b->last ? Z_FINISH : Z_SYNC_FLUSH);
	if ((b->last && rc != Z_STREAM_END) || (!b->last && rc != Z_OK) ||
	    z->avail_in != 0)
		return;
	b->out_len = b->out_cap - z->avail_out;
	b->crc = crc32(0L, b->in, (uInt)b->in_len);
	b->failed = false;
}

/* A raw deflate stream per running thread; NULL if zlib cannot start
 * one (its blocks then fail). */
static void *
deflate_new(void *ctx)
{
	z_stream *z = xcalloc(1, sizeof(*z));

	(void)ctx;
	if (deflateInit2(z, GZ_LEVEL, Z_DEFLATED, -15, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK) {
		free(z);
		return NULL;
	}
	return z;
}

static void
deflate_free(void *state)
{
	if (state == NULL)
		return;
	deflateEnd(state);
	free(state);
}

static int
sink(struct sv_compressor *c, const void *p, size_t n, struct sv_err *e)
{
	return c->sink(c->sink_data, p, n, e);
}

/* Write the oldest block once it is compressed (the pipeline has this
 * thread compress waiting blocks meanwhile). */
static int
write_oldest(struct sv_compressor *c, struct sv_err *e)
{
	struct block *b = sv_pipeline_oldest(c->pipe);
	int status;

	if (b->failed)
		return sv_err_set(e, SV_INPUT, "cannot compress '%s': zlib "
		    "deflate failed", c->name);
	if (!c->header_written) {
		static const unsigned char hdr[10] = {
			0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3
		};

		if ((status = sink(c, hdr, sizeof(hdr), e)))
			return status;
		c->header_written = true;
	}
	if ((status = sink(c, b->out, b->out_len, e)))
		return status;
	c->crc = crc32_combine(c->crc, b->crc, (z_off_t)b->in_len);
	c->total += b->in_len;
	sv_pipeline_release(c->pipe);
	return SV_OK;
}

/* c->cur: the block being filled, writing older blocks until one is
 * free. */
static int
fill_block(struct sv_compressor *c, struct sv_err *e)
{
	int status;

	while (c->cur == NULL) {
		c->cur = sv_pipeline_next(c->pipe);
		if (c->cur != NULL) {
			c->cur->in_len = 0;
			c->cur->last = false;
		} else if ((status = write_oldest(c, e))) {
			return status;
		}
	}
	return SV_OK;
}

/* Hand c->cur over with the 32 KiB before it as its dictionary. */
static void
submit(struct sv_compressor *c, bool last)
{
	struct block *b = c->cur;

	b->last = last;
	memcpy(b->dict, c->tail, c->tail_len);
	b->dict_len = c->tail_len;
	if (b->in_len >= GZ_DICT) {
		memcpy(c->tail, b->in + b->in_len - GZ_DICT, GZ_DICT);
		c->tail_len = GZ_DICT;
	} else if (b->in_len > 0) {
		size_t keep = c->tail_len + b->in_len > GZ_DICT ?
		    GZ_DICT - b->in_len : c->tail_len;

		memmove(c->tail, c->tail + c->tail_len - keep, keep);
		memcpy(c->tail + keep, b->in, b->in_len);
		c->tail_len = keep + b->in_len;
	}
	c->cur = NULL;
	sv_pipeline_submit(c->pipe);
}

static int
gz_write(struct sv_compressor *c, const unsigned char *p, size_t n,
    struct sv_err *e)
{
	while (n > 0) {
		size_t room;
		int status;

		if ((status = fill_block(c, e)))
			return status;
		room = GZ_BLOCK - c->cur->in_len;
		if (room > n)
			room = n;
		memcpy(c->cur->in + c->cur->in_len, p, room);
		c->cur->in_len += room;
		p += room;
		n -= room;
		if (c->cur->in_len == GZ_BLOCK)
			submit(c, false);
	}
	return SV_OK;
}

static int
gz_finish(struct sv_compressor *c, struct sv_err *e)
{
	unsigned char trailer[8];
	int status, i;

	if ((status = fill_block(c, e)))
		return status;
	submit(c, true);
	while (sv_pipeline_oldest(c->pipe) != NULL)
		if ((status = write_oldest(c, e)))
			return status;
	for (i = 0; i < 4; i++) {
		trailer[i] = (unsigned char)(c->crc >> (8 * i));
		trailer[4 + i] = (unsigned char)(c->total >> (8 * i));
	}
	return sink(c, trailer, sizeof(trailer), e);
}

/* ---- zstd ---- */

static int
zstd_fail(const struct sv_compressor *c, size_t rc, struct sv_err *e)
{
	return sv_err_set(e, SV_INPUT, "cannot compress '%s': zstd: %s",
	    c->name, ZSTD_getErrorName(rc));
}

static int
zstd_run(struct sv_compressor *c, const void *p, size_t n,
    ZSTD_EndDirective mode, struct sv_err *e)
{
	ZSTD_inBuffer in = { p, n, 0 };

	for (;;) {
		ZSTD_outBuffer out = { c->zout, c->zout_cap, 0 };
		size_t rc = ZSTD_compressStream2(c->zc, &out, &in, mode);
		int status;

		if (ZSTD_isError(rc))
			return zstd_fail(c, rc, e);
		if (out.pos > 0 && (status = sink(c, c->zout, out.pos, e)))
			return status;
		if (mode == ZSTD_e_end ? rc == 0 : in.pos == in.size)
			return SV_OK;
	}
}

/* ---- common ---- */

struct sv_compressor *
sv_compressor_new(enum sv_compression kind, int threads, const char *name,
    sv_sink_fn fn, void *data)
{
	static const struct sv_pipeline_ops gz_ops = {
		.state_new = deflate_new, .state_free = deflate_free,
		.run = deflate_block
	};
	struct sv_compressor *c = xcalloc(1, sizeof(*c));
	void **jobs;
	size_t i;

	c->kind = kind;
	c->name = name;
	c->sink = fn;
	c->sink_data = data;
	if (threads < 1)
		threads = 1;
	if (kind == SV_COMPRESS_ZSTD) {
		c->zc = ZSTD_createCCtx();
		if (c->zc == NULL) {
			fprintf(stderr, "smoothver: fatal: out of memory (zstd)\n");
			abort();
		}
		ZSTD_CCtx_setParameter(c->zc, ZSTD_c_compressionLevel, ZSTD_LEVEL);
		ZSTD_CCtx_setParameter(c->zc, ZSTD_c_checksumFlag, 1);
		/* Level 9's own window (8 MiB) and jobs (four windows each,
		 * in and out, per worker) took 130 MiB on two cores; a 1 MiB
		 * window, 2 MiB jobs and at most two workers (some 18 MiB
		 * each) keep a pack under 64 MiB on any machine, for 1.4 %
		 * in size. All are fixed, so the bytes do not depend on the
		 * number of threads. */
		ZSTD_CCtx_setParameter(c->zc, ZSTD_c_nbWorkers,
		    threads < ZSTD_MAX_WORKERS ? threads : ZSTD_MAX_WORKERS);
		ZSTD_CCtx_setParameter(c->zc, ZSTD_c_windowLog, ZSTD_WINDOW_LOG);
		ZSTD_CCtx_setParameter(c->zc, ZSTD_c_jobSize, ZSTD_JOB_SIZE);
		c->zout_cap = ZSTD_CStreamOutSize();
		c->zout = xmalloc(c->zout_cap);
		return c;
	}
	/* As many workers as cores, and this thread helps when it waits
	 * for a block: on an idle machine it mostly reads and hashes; on
	 * a busy one the scheduler shares the cores per runnable thread,
	 * and with a worker fewer a pack on two cores got one core's worth
	 * where tar | pigz -p 2, with four threads, got more
	 * (bench/README.md). */
	c->crc = crc32(0L, Z_NULL, 0);
	c->nblocks = (size_t)threads * 2 + 2;
	c->blocks = xcalloc(c->nblocks, sizeof(*c->blocks));
	jobs = xcalloc(c->nblocks, sizeof(*jobs));
	for (i = 0; i < c->nblocks; i++) {
		c->blocks[i].in = xmalloc(GZ_BLOCK);
		c->blocks[i].out_cap = deflateBound(NULL, GZ_BLOCK) + 64;
		c->blocks[i].out = xmalloc(c->blocks[i].out_cap);
		jobs[i] = &c->blocks[i];
	}
	c->pipe = sv_pipeline_new(&gz_ops, jobs, c->nblocks, threads);
	free(jobs);
	return c;
}

int
sv_compressor_write(struct sv_compressor *c, const void *p, size_t n,
    struct sv_err *e)
{
	if (c->kind == SV_COMPRESS_ZSTD)
		return zstd_run(c, p, n, ZSTD_e_continue, e);
	return gz_write(c, p, n, e);
}

int
sv_compressor_finish(struct sv_compressor *c, struct sv_err *e)
{
	if (c->kind == SV_COMPRESS_ZSTD)
		return zstd_run(c, NULL, 0, ZSTD_e_end, e);
	return gz_finish(c, e);
}

void
sv_compressor_free(struct sv_compressor *c)
{
	size_t i;

	if (c == NULL)
		return;
	if (c->kind == SV_COMPRESS_ZSTD) {
		ZSTD_freeCCtx(c->zc);
		free(c->zout);
		free(c);
		return;
	}
	sv_pipeline_free(c->pipe);
	for (i = 0; i < c->nblocks; i++) {
		free(c->blocks[i].in);
		free(c->blocks[i].out);
	}
	free(c->blocks);
	free(c);
}

/* ---- inflating in memory ---- */

#define INFLATE_STEP (64 * 1024)

int
sv_inflate(const void *p, size_t n, enum sv_inflate_format fmt,
    size_t max_out, const char *name, struct buf *out, struct sv_err *e)
{
	const char *what = fmt == SV_INFLATE_GZIP ? "gzip" : "zlib";
	const unsigned char *in = p;
	size_t start = out->len, in_left = n;
	z_stream z;
	int rc = Z_OK;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, fmt == SV_INFLATE_GZIP ? 16 + MAX_WBITS :
	    MAX_WBITS) != Z_OK)
		return sv_err_set(e, SV_INPUT, "%s: cannot inflate: zlib "
		    "cannot start", name);
	z.next_in = (Bytef *)(uintptr_t)in;
	while (rc != Z_STREAM_END) {
		size_t room, got, left = max_out - (out->len - start);
		uInt step_in = 0;

		if (z.avail_in == 0 && in_left > 0) {
			step_in = in_left > UINT32_MAX / 2 ? UINT32_MAX / 2 :
			    (uInt)in_left;
			z.avail_in = step_in;
			in_left -= step_in;
		}
		/* Room for at most one byte beyond max_out, to detect it. */
		room = left >= INFLATE_STEP ? INFLATE_STEP : left + 1;
		buf_grow(out, room);
		z.next_out = (Bytef *)out->s + out->len;
		z.avail_out = (uInt)room;
		rc = inflate(&z, Z_NO_FLUSH);
		got = room - z.avail_out;
		out->len += got;
		out->s[out->len] = '\0';
		if (out->len - start > max_out) {
			inflateEnd(&z);
			return sv_err_set(e, SV_INPUT, "%s: inflates to more "
			    "than %zu bytes (refused as a %s bomb)", name,
			    max_out, what);
		}
		if (rc == Z_STREAM_END)
			break;
		if (rc == Z_BUF_ERROR && z.avail_in == 0 && in_left == 0) {
			inflateEnd(&z);
			return sv_err_set(e, SV_INPUT, "%s: %s data is "
			    "truncated", name, what);
		}
		if (rc != Z_OK && rc != Z_BUF_ERROR) {
			const char *msg = z.msg != NULL ? z.msg : "bad data";

			inflateEnd(&z);
			return sv_err_set(e, SV_INPUT, "%s: corrupt %s "
			    "data: %s", name, what, msg);
		}
		if (rc == Z_OK && got == 0 && z.avail_in == 0 && in_left == 0) {
			inflateEnd(&z);
			return sv_err_set(e, SV_INPUT, "%s: %s data is "
			    "truncated", name, what);
		}
	}
	if (z.avail_in > 0 || in_left > 0) {
		inflateEnd(&z);
		return sv_err_set(e, SV_INPUT, "%s: %zu bytes after the end of "
		    "the %s data", name,
		    (size_t)z.avail_in + in_left, what);
	}
	inflateEnd(&z);
	return SV_OK;
}
