/*
 * digest.h - message digests (MD5, SHA-256) from OpenSSL's libcrypto: the
 * one place that calls its EVP interface. adapt/md5.h and adapt/sha256.h
 * are the typed faces the rest of smoothver uses.
 *
 * libcrypto is not linked but loaded on first use (adapt/lazy.h). Where no
 * error can be returned, a failure to load it, or of OpenSSL itself, is
 * fatal: "smoothver: fatal: ...", abort().
 */
#ifndef SV_ADAPT_DIGEST_H
#define SV_ADAPT_DIGEST_H

#include <stddef.h>

#include "base/err.h"

enum sv_digest_alg { SV_DIGEST_MD5, SV_DIGEST_SHA256 };

struct sv_digest; /* a running hash; opaque */

/* Load libcrypto now: an error (SV_INPUT, naming the library) instead of
 * the fatal failure of the functions below. */
int sv_digest_load(struct sv_err *e);

/* A new running hash of alg; the caller frees it with sv_digest_free. */
struct sv_digest *sv_digest_new(enum sv_digest_alg alg);

/* Hash n more bytes. */
void sv_digest_update(struct sv_digest *h, const void *p, size_t n);

/* The digest (len bytes: the algorithm's size) into out; h starts over. */
void sv_digest_final(struct sv_digest *h, unsigned char *out, size_t len);

/* Free h (NULL: nothing). */
void sv_digest_free(struct sv_digest *h);

/* The digest of n bytes at p in one call. */
void sv_digest(enum sv_digest_alg alg, const void *p, size_t n,
    unsigned char *out, size_t len);

#endif
