/*
 * sign.c - Ed25519 through OpenSSL's EVP_PKEY interface (see sign.h).
 */
#include "config.h"

#include "adapt/sign.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "adapt/lazy.h"
#include "adapt/sha256.h"
#include "base/xalloc.h"

/* The libcrypto functions called here, resolved on first use (see
 * adapt/lazy.h): calls go through C. */
#define FUNCS(X) \
	X(BIO_ctrl) \
	X(BIO_free) \
	X(BIO_new) \
	X(BIO_new_mem_buf) \
	X(BIO_s_mem) \
	X(EVP_DigestSign) \
	X(EVP_DigestSignInit) \
	X(EVP_DigestVerify) \
	X(EVP_DigestVerifyInit) \
	X(EVP_MD_CTX_free) \
	X(EVP_MD_CTX_new) \
	X(EVP_PKEY_CTX_free) \
	X(EVP_PKEY_CTX_new_id) \
	X(EVP_PKEY_free) \
	X(EVP_PKEY_get_id) \
	X(EVP_PKEY_get_raw_private_key) \
	X(EVP_PKEY_get_raw_public_key) \
	X(EVP_PKEY_keygen) \
	X(EVP_PKEY_keygen_init) \
	X(PEM_read_bio_PUBKEY) \
	X(PEM_read_bio_PrivateKey) \
	X(PEM_write_bio_PUBKEY) \
	X(PEM_write_bio_PrivateKey)

static struct {
#define X(f) __typeof__(&f) f;
	FUNCS(X)
#undef X
} C;

static const struct sv_lazy_sym syms[] = {
#define X(f) { #f, (void **)&C.f },
	FUNCS(X)
#undef X
};

static struct sv_lazy_lib lib = SV_LAZY_LIB(SV_SONAME_LIBCRYPTO, syms);

struct sv_key {
	EVP_PKEY *pkey;
	int has_private;
};

struct sv_key *
sv_key_generate(struct sv_err *e)
{
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	struct sv_key *k = NULL;

	if (sv_lazy_load(&lib, e) != SV_OK)
		return NULL;
	if ((ctx = C.EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL)) == NULL ||
	    C.EVP_PKEY_keygen_init(ctx) != 1 ||
	    C.EVP_PKEY_keygen(ctx, &pkey) != 1) {
		sv_err_set(e, SV_INPUT, "OpenSSL cannot make an Ed25519 key");
		goto out;
	}
	k = xmalloc(sizeof(*k));
	k->pkey = pkey;
	k->has_private = 1;
	pkey = NULL;
out:
	if (ctx != NULL)
		C.EVP_PKEY_CTX_free(ctx);
	if (pkey != NULL)
		C.EVP_PKEY_free(pkey);
	return k;
}

/* Append what a memory BIO holds to out. */
static void
bio_take(BIO *bio, struct buf *out)
{
	char *p = NULL;
	long n = C.BIO_ctrl(bio, BIO_CTRL_INFO, 0, (char *)&p);

	if (n > 0 && p != NULL)
		buf_add(out, p, (size_t)n);
}

int
sv_key_private_pem(const struct sv_key *k, struct buf *out,
    struct sv_err *e)
{
	BIO *bio;
	int ok;

	if (!k->has_private)
		return sv_err_set(e, SV_INPUT, "a public key has no private part");
	if ((bio = C.BIO_new(C.BIO_s_mem())) == NULL)
		return sv_err_set(e, SV_INPUT, "OpenSSL: out of memory");
	ok = C.PEM_write_bio_PrivateKey(bio, k->pkey, NULL, NULL, 0, NULL,
	    NULL) == 1;
	if (ok)
		bio_take(bio, out);
	C.BIO_free(bio);
	return ok ? SV_OK : sv_err_set(e, SV_INPUT, "OpenSSL cannot write the "
	    "private key");
}

int
sv_key_public_pem(const struct sv_key *k, struct buf *out,
    struct sv_err *e)
{
	BIO *bio;
	int ok;

	if ((bio = C.BIO_new(C.BIO_s_mem())) == NULL)
		return sv_err_set(e, SV_INPUT, "OpenSSL: out of memory");
	ok = C.PEM_write_bio_PUBKEY(bio, k->pkey) == 1;
	if (ok)
		bio_take(bio, out);
	C.BIO_free(bio);
	return ok ? SV_OK : sv_err_set(e, SV_INPUT, "OpenSSL cannot write the "
	    "public key");
}

struct sv_key *
sv_key_read(const char *pem, size_t len, const char *name, int want_private,
    struct sv_err *e)
{
	EVP_PKEY *pkey = NULL;
	struct sv_key *k;
	BIO *bio;
	int priv = 0;

	if (sv_lazy_load(&lib, e) != SV_OK)
		return NULL;
	if (len > 1 << 20 ||
	    (bio = C.BIO_new_mem_buf(pem, (int)len)) == NULL) {
		sv_err_set(e, SV_INPUT, "'%s' is not a key file", name);
		return NULL;
	}
	if (memmem(pem, len, "PRIVATE KEY-----", 16) != NULL) {
		pkey = C.PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
		priv = pkey != NULL;
	} else if (!want_private) {
		pkey = C.PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	}
	C.BIO_free(bio);
	if (pkey == NULL) {
		sv_err_set(e, SV_INPUT, "'%s' is not a%s key file (expected "
		    "PEM, as smoothver keygen or openssl genpkey -algorithm "
		    "ed25519 write it)", name, want_private ? " private" : "");
		return NULL;
	}
	if (C.EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519) {
		C.EVP_PKEY_free(pkey);
		sv_err_set(e, SV_INPUT, "'%s' is not an Ed25519 key", name);
		return NULL;
	}
	k = xmalloc(sizeof(*k));
	k->pkey = pkey;
	k->has_private = priv;
	return k;
}

void
sv_key_id(const struct sv_key *k, char id[SV_KEY_ID_LEN + 1])
{
	unsigned char raw[32], d[SV_SHA256_LEN];
	char hex[SV_SHA256_HEX];
	size_t n = sizeof(raw);

	memset(raw, 0, sizeof(raw));
	(void)C.EVP_PKEY_get_raw_public_key(k->pkey, raw, &n);
	sv_sha256(raw, n, d);
	sv_sha256_hex(d, hex);
	memcpy(id, hex, SV_KEY_ID_LEN);
	id[SV_KEY_ID_LEN] = '\0';
}

int
sv_key_sign(const struct sv_key *k, const void *msg, size_t n,
    unsigned char sig[SV_SIG_LEN], struct sv_err *e)
{
	EVP_MD_CTX *ctx;
	size_t len = SV_SIG_LEN;
	int ok;

	if (!k->has_private)
		return sv_err_set(e, SV_INPUT, "signing needs a private key");
	if ((ctx = C.EVP_MD_CTX_new()) == NULL)
		return sv_err_set(e, SV_INPUT, "OpenSSL: out of memory");
	ok = C.EVP_DigestSignInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
	    C.EVP_DigestSign(ctx, sig, &len, msg, n) == 1 &&
	    len == SV_SIG_LEN;
	C.EVP_MD_CTX_free(ctx);
	return ok ? SV_OK : sv_err_set(e, SV_INPUT, "OpenSSL cannot sign");
}

int
sv_key_verify(const struct sv_key *k, const void *msg, size_t n,
    const unsigned char sig[SV_SIG_LEN])
{
	EVP_MD_CTX *ctx = C.EVP_MD_CTX_new();
	int ok;

	if (ctx == NULL)
		return 0;
	ok = C.EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
	    C.EVP_DigestVerify(ctx, sig, SV_SIG_LEN, msg, n) == 1;
	C.EVP_MD_CTX_free(ctx);
	return ok;
}

void
sv_key_free(struct sv_key *k)
{
	if (k == NULL)
		return;
	C.EVP_PKEY_free(k->pkey);
	free(k);
}
