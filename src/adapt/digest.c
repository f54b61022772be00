#include "config.h"

#include "adapt/digest.h"

#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>

#include "adapt/lazy.h"

/* The libcrypto functions called here, resolved on first use (see
 * adapt/lazy.h): calls go through C. */
#define FUNCS(X) \
	X(EVP_Digest) \
	X(EVP_DigestFinal_ex) \
	X(EVP_DigestInit_ex) \
	X(EVP_DigestUpdate) \
	X(EVP_MD_CTX_free) \
	X(EVP_MD_CTX_new) \
	X(EVP_md5) \
	X(EVP_sha256)

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

struct sv_digest {
	EVP_MD_CTX *ctx;
	enum sv_digest_alg alg;
};

static const char *
alg_name(enum sv_digest_alg alg)
{
	return alg == SV_DIGEST_MD5 ? "MD5" : "SHA-256";
}

static void
fatal(enum sv_digest_alg alg, const char *what)
{
	fprintf(stderr, "smoothver: fatal: OpenSSL %s %s failed\n",
	    alg_name(alg), what);
	abort();
}

static const EVP_MD *
md_of(enum sv_digest_alg alg)
{
	return alg == SV_DIGEST_MD5 ? C.EVP_md5() : C.EVP_sha256();
}

int
sv_digest_load(struct sv_err *e)
{
	return sv_lazy_load(&lib, e);
}

struct sv_digest *
sv_digest_new(enum sv_digest_alg alg)
{
	struct sv_digest *h;

	sv_lazy_need(&lib);
	h = malloc(sizeof(*h));
	if (h == NULL || (h->ctx = C.EVP_MD_CTX_new()) == NULL)
		fatal(alg, "allocation");
	h->alg = alg;
	if (C.EVP_DigestInit_ex(h->ctx, md_of(alg), NULL) != 1)
		fatal(alg, "init");
	return h;
}

void
sv_digest_update(struct sv_digest *h, const void *p, size_t n)
{
	if (n > 0 && C.EVP_DigestUpdate(h->ctx, p, n) != 1)
		fatal(h->alg, "update");
}

void
sv_digest_final(struct sv_digest *h, unsigned char *out, size_t len)
{
	unsigned int got = 0;

	if (C.EVP_DigestFinal_ex(h->ctx, out, &got) != 1 || got != len)
		fatal(h->alg, "final");
	if (C.EVP_DigestInit_ex(h->ctx, md_of(h->alg), NULL) != 1)
		fatal(h->alg, "init");
}

void
sv_digest_free(struct sv_digest *h)
{
	if (h == NULL)
		return;
	C.EVP_MD_CTX_free(h->ctx);
	free(h);
}

void
sv_digest(enum sv_digest_alg alg, const void *p, size_t n,
    unsigned char *out, size_t len)
{
	unsigned int got = 0;

	sv_lazy_need(&lib);
	if (C.EVP_Digest(p, n, out, &got, md_of(alg), NULL) != 1 || got != len)
		fatal(alg, "digest");
}
