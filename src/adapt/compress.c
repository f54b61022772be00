#include "config.h"

#include "adapt/compress.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>
#include <zstd.h>

#include "base/outfile.h"
#include "base/xalloc.h"

#define GZ_BLOCK (128 * 1024)
#define GZ_DICT (32 * 1024)
#define GZ_LEVEL 6
#define ZSTD_LEVEL 9
#define ZSTD_WINDOW_LOG 20           /* 1 MiB */
#define ZSTD_JOB_SIZE (2u << 20)
#define ZSTD_MAX_WORKERS 2

enum slot_state { SLOT_FREE, SLOT_FILLED, SLOT_BUSY, SLOT_DONE };

struct slot {
	enum slot_state state;
	uint64_t seq;
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
	pthread_mutex_t lock;
	pthread_cond_t work, done;
	pthread_t *tid;
	int nthreads;
	bool quit;
	struct slot *slots;
	size_t nslots;
	uint64_t next_fill;   /* seq of the block being filled */
	uint64_t next_take;   /* seq a worker takes next */
	uint64_t next_write;  /* seq written next */
	unsigned char tail[GZ_DICT]; /* last input bytes, the next dictionary */
	size_t tail_len;
	uLong crc;
	uint64_t total;
	bool header_written;
	z_stream helper;      /* the producer's own, when it helps */
	bool helper_ok;
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

/* Deflate one block with the worker's stream z (reset, not re-created:
 * allocating a deflate state per block costs more than compressing it). */
static void
deflate_slot(z_stream *z, struct slot *s)
{
	int rc;

	s->failed = true;
	if (deflateReset(z) != Z_OK)
		return;
	if (s->dict_len > 0 &&
	    deflateSetDictionary(z, s->dict, (uInt)s->dict_len) != Z_OK)
		return;
	z->next_in = s->in;
	z->avail_in = (uInt)s->in_len;
	z->next_out = s->out;
	z->avail_out = (uInt)s->out_cap;
	rc = deflate(z, s->last ? Z_FINISH : Z_SYNC_FLUSH);
	if ((s->last && rc != Z_STREAM_END) || (!s->last && rc != Z_OK) ||
	    z->avail_in != 0)
		return;
	s->out_len = s->out_cap - z->avail_out;
	s->crc = crc32(0L, s->in, (uInt)s->in_len);
	s->failed = false;
}

static void *
gz_worker(void *arg)
{
	struct sv_compressor *c = arg;
	z_stream z;
	bool ok;

	memset(&z, 0, sizeof(z));
	ok = deflateInit2(&z, GZ_LEVEL, Z_DEFLATED, -15, 8,
	    Z_DEFAULT_STRATEGY) == Z_OK;
	pthread_mutex_lock(&c->lock);
	for (;;) {
		struct slot *s = &c->slots[c->next_take % c->nslots];

		while (!c->quit && !(s->state == SLOT_FILLED &&
		    s->seq == c->next_take)) {
			pthread_cond_wait(&c->work, &c->lock);
			s = &c->slots[c->next_take % c->nslots];
		}
		if (c->quit)
			break;
		s->state = SLOT_BUSY;
		c->next_take++;
		pthread_mutex_unlock(&c->lock);
		if (ok)
			deflate_slot(&z, s);
		else
			s->failed = true;
		pthread_mutex_lock(&c->lock);
		s->state = SLOT_DONE;
		pthread_cond_broadcast(&c->done);
		pthread_cond_broadcast(&c->work);
	}
	pthread_mutex_unlock(&c->lock);
	if (ok)
		deflateEnd(&z);
	return NULL;
}

static int
sink(struct sv_compressor *c, const void *p, size_t n, struct sv_err *e)
{
	return c->sink(c->sink_data, p, n, e);
}

/* Write the oldest block once it is compressed. While it is not, the
 * producer compresses waiting blocks itself rather than sit idle. There
 * are as many workers as cores besides: on an idle machine the producer
 * mostly reads and hashes, or waits; on a busy one the scheduler shares
 * the cores per runnable thread, and with one worker fewer (as before)
 * a pack on two cores got one core's worth where tar | pigz -p 2, with
 * four threads, got more (bench/README.md). */
static int
write_oldest(struct sv_compressor *c, struct sv_err *e)
{
	struct slot *s = &c->slots[c->next_write % c->nslots];
	int status;

	pthread_mutex_lock(&c->lock);
	while (!(s->state == SLOT_DONE && s->seq == c->next_write)) {
		struct slot *t = &c->slots[c->next_take % c->nslots];

		if (c->helper_ok && t->state == SLOT_FILLED &&
		    t->seq == c->next_take) {
			t->state = SLOT_BUSY;
			c->next_take++;
			pthread_mutex_unlock(&c->lock);
			deflate_slot(&c->helper, t);
			pthread_mutex_lock(&c->lock);
			t->state = SLOT_DONE;
			pthread_cond_broadcast(&c->done);
			continue;
		}
		pthread_cond_wait(&c->done, &c->lock);
	}
	pthread_mutex_unlock(&c->lock);
	if (s->failed)
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
	if ((status = sink(c, s->out, s->out_len, e)))
		return status;
	c->crc = crc32_combine(c->crc, s->crc, (z_off_t)s->in_len);
	c->total += s->in_len;
	pthread_mutex_lock(&c->lock);
	s->state = SLOT_FREE;
	c->next_write++;
	pthread_mutex_unlock(&c->lock);
	return SV_OK;
}

/* The slot being filled, waiting for (and writing) older blocks first. */
static int
fill_slot(struct sv_compressor *c, struct slot **out, struct sv_err *e)
{
	struct slot *s = &c->slots[c->next_fill % c->nslots];
	int status;

	for (;;) {
		bool is_free;

		pthread_mutex_lock(&c->lock);
		is_free = s->state == SLOT_FREE;
		pthread_mutex_unlock(&c->lock);
		if (is_free)
			break;
		/* it still holds an older block: write blocks until it is out */
		if ((status = write_oldest(c, e)))
			return status;
	}
	if (s->seq != c->next_fill) {
		s->seq = c->next_fill;
		s->in_len = 0;
		s->last = false;
	}
	*out = s;
	return SV_OK;
}

static void
submit(struct sv_compressor *c, struct slot *s, bool last)
{
	s->last = last;
	memcpy(s->dict, c->tail, c->tail_len);
	s->dict_len = c->tail_len;
	if (s->in_len >= GZ_DICT) {
		memcpy(c->tail, s->in + s->in_len - GZ_DICT, GZ_DICT);
		c->tail_len = GZ_DICT;
	} else if (s->in_len > 0) {
		size_t keep = c->tail_len + s->in_len > GZ_DICT ?
		    GZ_DICT - s->in_len : c->tail_len;

		memmove(c->tail, c->tail + c->tail_len - keep, keep);
		memcpy(c->tail + keep, s->in, s->in_len);
		c->tail_len = keep + s->in_len;
	}
	pthread_mutex_lock(&c->lock);
	s->state = SLOT_FILLED;
	c->next_fill++;
	pthread_cond_broadcast(&c->work);
	pthread_mutex_unlock(&c->lock);
}

static int
gz_write(struct sv_compressor *c, const unsigned char *p, size_t n,
    struct sv_err *e)
{
	while (n > 0) {
		struct slot *s;
		size_t room;
		int status;

		if ((status = fill_slot(c, &s, e)))
			return status;
		room = GZ_BLOCK - s->in_len;
		if (room > n)
			room = n;
		memcpy(s->in + s->in_len, p, room);
		s->in_len += room;
		p += room;
		n -= room;
		if (s->in_len == GZ_BLOCK)
			submit(c, s, false);
	}
	return SV_OK;
}

static int
gz_finish(struct sv_compressor *c, struct sv_err *e)
{
	unsigned char trailer[8];
	struct slot *s;
	int status, i;

	if ((status = fill_slot(c, &s, e)))
		return status;
	submit(c, s, true);
	while (c->next_write < c->next_fill)
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
	struct sv_compressor *c = xcalloc(1, sizeof(*c));
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
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->work, NULL);
	pthread_cond_init(&c->done, NULL);
	c->crc = crc32(0L, Z_NULL, 0);
	c->nslots = (size_t)threads * 2 + 2;
	c->slots = xcalloc(c->nslots, sizeof(*c->slots));
	for (i = 0; i < c->nslots; i++) {
		c->slots[i].in = xmalloc(GZ_BLOCK);
		c->slots[i].out_cap = deflateBound(NULL, GZ_BLOCK) + 64;
		c->slots[i].out = xmalloc(c->slots[i].out_cap);
		c->slots[i].seq = UINT64_MAX;
	}
	c->helper_ok = deflateInit2(&c->helper, GZ_LEVEL, Z_DEFLATED, -15, 8,
	    Z_DEFAULT_STRATEGY) == Z_OK;
	c->tid = xcalloc((size_t)threads, sizeof(*c->tid));
	for (i = 0; i < (size_t)threads; i++)
		if (sv_thread_create(&c->tid[c->nthreads], gz_worker, c) == 0)
			c->nthreads++;
	if (c->nthreads == 0) {
		fprintf(stderr, "smoothver: fatal: cannot start a thread\n");
		abort();
	}
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
	pthread_mutex_lock(&c->lock);
	c->quit = true;
	pthread_cond_broadcast(&c->work);
	pthread_mutex_unlock(&c->lock);
	for (i = 0; i < (size_t)c->nthreads; i++)
		pthread_join(c->tid[i], NULL);
	for (i = 0; i < c->nslots; i++) {
		free(c->slots[i].in);
		free(c->slots[i].out);
	}
	free(c->slots);
	free(c->tid);
	if (c->helper_ok)
		deflateEnd(&c->helper);
	pthread_cond_destroy(&c->work);
	pthread_cond_destroy(&c->done);
	pthread_mutex_destroy(&c->lock);
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
