/*
 * compress.h - streaming compression for packs: gzip (zlib, deflated in
 * parallel) and zstd (libzstd's own workers).
 *
 * This adapter is the only place that includes zlib.h and zstd.h.
 *
 * gzip: the input is cut into fixed 128 KiB blocks; each block is deflated
 * on a worker thread with the 32 KiB before it as dictionary and ends on a
 * byte boundary (a sync flush), the last one with the final bit, so the
 * blocks join into one deflate stream inside ONE gzip member (the only
 * kind OTP's erl_tar reads). The header has no name and mtime 0. The
 * bytes written depend only on the input and the level, never on the
 * number of threads.
 *
 * zstd: one frame, written with at least one libzstd worker (its output
 * is the same for any worker count >= 1).
 *
 * Reading: sv_inflate inflates a zlib or gzip stream held in memory, for
 * compressed beams and compressed Erlang terms.
 */
#ifndef SV_ADAPT_COMPRESS_H
#define SV_ADAPT_COMPRESS_H

#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"

enum sv_compression { SV_COMPRESS_GZIP, SV_COMPRESS_ZSTD };

/* Where compressed bytes go; returns SV_OK or fills e. */
typedef int (*sv_sink_fn)(void *data, const void *p, size_t n,
    struct sv_err *e);

struct sv_compressor; /* opaque */

/* A compressor writing to sink; threads >= 1; name (borrowed, must
 * outlive c) is what error messages call the output. Owned by the caller,
 * freed with sv_compressor_free. */
struct sv_compressor *sv_compressor_new(enum sv_compression kind,
    int threads, const char *name, sv_sink_fn sink, void *sink_data);

/* Compress n more bytes. */
int sv_compressor_write(struct sv_compressor *c, const void *p, size_t n,
    struct sv_err *e);

/* Flush everything and write the trailer. */
int sv_compressor_finish(struct sv_compressor *c, struct sv_err *e);

/* Stop the workers and free c (NULL is allowed), finished or not. */
void sv_compressor_free(struct sv_compressor *c);

/* "gzip" or "zstd"; file name suffix ".tar.gz" or ".tar.zst". */
const char *sv_compression_name(enum sv_compression kind);
const char *sv_compression_suffix(enum sv_compression kind);

/* ---- inflating in memory ---- */

enum sv_inflate_format {
	SV_INFLATE_ZLIB, /* RFC 1950 (zlib header and Adler-32) */
	SV_INFLATE_GZIP  /* RFC 1952, one member */
};

/*
 * Inflate the n bytes at p, which must be exactly one complete stream of
 * format fmt, and append the result to out. Input that is truncated,
 * corrupt or followed by anything is refused, and so is output beyond
 * max_out bytes (a zip bomb): SV_INPUT with a message that starts with
 * name (the data's origin, borrowed), "NAME: corrupt gzip data: ...".
 * On an error out holds an unspecified part
 * of the output; the caller still owns and releases it.
 */
int sv_inflate(const void *p, size_t n, enum sv_inflate_format fmt,
    size_t max_out, const char *name, struct buf *out, struct sv_err *e);

#endif
