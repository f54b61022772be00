/*
 * sign.h - Ed25519 keys and signatures from OpenSSL's libcrypto (loaded on
 * first use, adapt/lazy.h): the one place that calls its key interface.
 *
 * Keys are the files OpenSSL itself reads and writes: a private key is a
 * PKCS#8 PEM file ("-----BEGIN PRIVATE KEY-----"), a public key a
 * SubjectPublicKeyInfo PEM file ("-----BEGIN PUBLIC KEY-----"), so
 * `openssl genpkey -algorithm ed25519` makes keys smoothver takes, and
 * `openssl pkey` reads smoothver's. A key's id is the first 16 hex digits
 * of the SHA-256 of its raw 32-byte public key.
 */
#ifndef SV_ADAPT_SIGN_H
#define SV_ADAPT_SIGN_H

#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"

#define SV_KEY_ID_LEN 16   /* hex digits */
#define SV_SIG_LEN 64      /* bytes of an Ed25519 signature */

struct sv_key;  /* a private or public key; opaque */

/* A new Ed25519 key pair; NULL with e set (SV_INPUT) on failure. Free it
 * with sv_key_free. */
struct sv_key *sv_key_generate(struct sv_err *e);

/* The private key as PKCS#8 PEM, and the public key as PEM, appended to
 * out. SV_INPUT on failure (a public key has no private PEM). */
int sv_key_private_pem(const struct sv_key *k, struct buf *out,
    struct sv_err *e);
int sv_key_public_pem(const struct sv_key *k, struct buf *out,
    struct sv_err *e);

/* Read a private (want_private) or public key from PEM text; name names
 * it in messages. A key of another algorithm, or not a key, is SV_INPUT
 * saying so. A private key's file also serves as a public key. */
struct sv_key *sv_key_read(const char *pem, size_t len, const char *name,
    int want_private, struct sv_err *e);

/* The key's id (SV_KEY_ID_LEN hex digits and a NUL). */
void sv_key_id(const struct sv_key *k, char id[SV_KEY_ID_LEN + 1]);

/* Sign n bytes with a private key: sig gets SV_SIG_LEN bytes. */
int sv_key_sign(const struct sv_key *k, const void *msg, size_t n,
    unsigned char sig[SV_SIG_LEN], struct sv_err *e);

/* Whether sig is k's signature of the n bytes. */
int sv_key_verify(const struct sv_key *k, const void *msg, size_t n,
    const unsigned char sig[SV_SIG_LEN]);

void sv_key_free(struct sv_key *k);

#endif
