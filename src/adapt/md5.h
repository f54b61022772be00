/*
 * md5.h - MD5, over OpenSSL's EVP interface.
 *
 * MD5 is no protection against anyone; smoothver uses it only where
 * Erlang/OTP does (beam_lib:md5/1, the module md5 the code server
 * reports), so that the digests compare equal to OTP's own.
 *
 * This adapter is the only place that includes openssl/evp.h for MD5.
 * libcrypto is not linked but loaded on first use (adapt/lazy.h); a
 * failure to load it is fatal: "smoothver: fatal: cannot load
 * libcrypto.so.N: REASON", abort().
 */
#ifndef SV_ADAPT_MD5_H
#define SV_ADAPT_MD5_H

#include <stddef.h>

#define SV_MD5_LEN 16

struct sv_md5; /* a running hash; opaque */

/* Start a hash. Never NULL (aborts if libcrypto cannot be loaded, cannot
 * allocate or has no MD5). The caller frees it with sv_md5_free. */
struct sv_md5 *sv_md5_new(void);

/* Feed n bytes. */
void sv_md5_update(struct sv_md5 *h, const void *p, size_t n);

/* Write the digest into out; the hash starts over afterwards. */
void sv_md5_final(struct sv_md5 *h, unsigned char out[SV_MD5_LEN]);

/* Free h (NULL is allowed). */
void sv_md5_free(struct sv_md5 *h);

/* One-shot digest of n bytes at p (aborts as sv_md5_new does). */
void sv_md5(const void *p, size_t n, unsigned char out[SV_MD5_LEN]);

#endif
