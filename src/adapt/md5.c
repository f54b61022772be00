#include "config.h"

#include "adapt/md5.h"

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
	X(EVP_md5)

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

struct sv_md5 {
	EVP_MD_CTX *ctx;
};

static void
fatal(const char *what)
{
	fprintf(stderr, "smoothver: fatal: OpenSSL MD5 %s failed\n", what);
	abort();
}

struct sv_md5 *
sv_md5_new(void)
{
	struct sv_md5 *h;

	sv_lazy_need(&lib);
	h = malloc(sizeof(*h));
	if (h == NULL || (h->ctx = C.EVP_MD_CTX_new()) == NULL)
		fatal("allocation");
	if (C.EVP_DigestInit_ex(h->ctx, C.EVP_md5(), NULL) != 1)
		fatal("init");
	return h;
}

void
sv_md5_update(struct sv_md5 *h, const void *p, size_t n)
{
	if (n > 0 && C.EVP_DigestUpdate(h->ctx, p, n) != 1)
		fatal("update");
}

void
sv_md5_final(struct sv_md5 *h, unsigned char out[SV_MD5_LEN])
{
	unsigned int len = 0;

	if (C.EVP_DigestFinal_ex(h->ctx, out, &len) != 1 || len != SV_MD5_LEN)
		fatal("final");
	if (C.EVP_DigestInit_ex(h->ctx, C.EVP_md5(), NULL) != 1)
		fatal("init");
}

void
sv_md5_free(struct sv_md5 *h)
{
	if (h == NULL)
		return;
	C.EVP_MD_CTX_free(h->ctx);
	free(h);
}

void
sv_md5(const void *p, size_t n, unsigned char out[SV_MD5_LEN])
{
	unsigned int len = 0;

	sv_lazy_need(&lib);
	if (C.EVP_Digest(p, n, out, &len, C.EVP_md5(), NULL) != 1 ||
	    len != SV_MD5_LEN)
		fatal("digest");
}
