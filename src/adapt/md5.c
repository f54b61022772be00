#include "config.h"

#include "adapt/md5.h"

#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>

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
	struct sv_md5 *h = malloc(sizeof(*h));

	if (h == NULL || (h->ctx = EVP_MD_CTX_new()) == NULL)
		fatal("allocation");
	if (EVP_DigestInit_ex(h->ctx, EVP_md5(), NULL) != 1)
		fatal("init");
	return h;
}

void
sv_md5_update(struct sv_md5 *h, const void *p, size_t n)
{
	if (n > 0 && EVP_DigestUpdate(h->ctx, p, n) != 1)
		fatal("update");
}

void
sv_md5_final(struct sv_md5 *h, unsigned char out[SV_MD5_LEN])
{
	unsigned int len = 0;

	if (EVP_DigestFinal_ex(h->ctx, out, &len) != 1 || len != SV_MD5_LEN)
		fatal("final");
	if (EVP_DigestInit_ex(h->ctx, EVP_md5(), NULL) != 1)
		fatal("init");
}

void
sv_md5_free(struct sv_md5 *h)
{
	if (h == NULL)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

void
sv_md5(const void *p, size_t n, unsigned char out[SV_MD5_LEN])
{
	unsigned int len = 0;

	if (EVP_Digest(p, n, out, &len, EVP_md5(), NULL) != 1 ||
	    len != SV_MD5_LEN)
		fatal("digest");
}
