/*
 * sha256.h - SHA-256, over OpenSSL's EVP interface.
 *
 * This adapter is the only place that includes openssl/evp.h for hashing.
 * libcrypto is not linked but loaded on first use (adapt/lazy.h); where
 * no error can be returned, a failure to load it is fatal like OpenSSL's
 * own: "smoothver: fatal: cannot load libcrypto.so.N: REASON", abort().
 */
#ifndef SV_ADAPT_SHA256_H
#define SV_ADAPT_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define SV_SHA256_LEN 32
#define SV_SHA256_HEX 65

struct sv_sha256; /* a running hash; opaque */

/* Start a hash. Never NULL (aborts if libcrypto cannot be loaded or
 * cannot allocate). The caller frees it with sv_sha256_free. */
struct sv_sha256 *sv_sha256_new(void);

/* Feed n bytes. */
void sv_sha256_update(struct sv_sha256 *h, const void *p, size_t n);

/* Write the digest into out; the hash starts over afterwards. */
void sv_sha256_final(struct sv_sha256 *h, unsigned char out[SV_SHA256_LEN]);

/* Free h (NULL is allowed). */
void sv_sha256_free(struct sv_sha256 *h);

/* One-shot digest of n bytes at p (aborts if libcrypto cannot be
 * loaded). */
void sv_sha256(const void *p, size_t n, unsigned char out[SV_SHA256_LEN]);

/* Lowercase hex of a digest into hex (65 bytes with the NUL). */
void sv_sha256_hex(const unsigned char d[SV_SHA256_LEN], char hex[SV_SHA256_HEX]);

/* Parse 64 lowercase hex digits into d; false if hex is anything else
 * (NULL included). */
bool sv_sha256_parse_hex(const char *hex, unsigned char d[SV_SHA256_LEN]);

/* Load libcrypto and hash once, so that OpenSSL is ready for the hashing
 * to come (a thread can do it while another works); SV_INPUT naming the
 * library if it cannot be loaded. */
int sv_sha256_ready(struct sv_err *e);

/* SHA-256 and size of the file at path, streamed. Errors name the file,
 * or the library if libcrypto cannot be loaded (SV_INPUT). */
int sv_sha256_file(const char *path, unsigned char d[SV_SHA256_LEN],
    uint64_t *size, struct sv_err *e);

#endif
