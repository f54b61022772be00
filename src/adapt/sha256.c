#include "config.h"

#include "adapt/sha256.h"

#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "adapt/lazy.h"
#include "base/outfile.h"

/* The libcrypto functions called here, resolved on first use (see
 * adapt/lazy.h): calls go through C. */
#define FUNCS(X) \
	X(EVP_Digest) \
	X(EVP_DigestFinal_ex) \
	X(EVP_DigestInit_ex) \
	X(EVP_DigestUpdate) \
	X(EVP_MD_CTX_free) \
	X(EVP_MD_CTX_new) \
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

struct sv_sha256 {
	EVP_MD_CTX *ctx;
};

static void
fatal(const char *what)
{
	fprintf(stderr, "smoothver: fatal: OpenSSL SHA-256 %s failed\n", what);
	abort();
}

struct sv_sha256 *
sv_sha256_new(void)
{
	struct sv_sha256 *h;

	sv_lazy_need(&lib);
	h = malloc(sizeof(*h));
	if (h == NULL || (h->ctx = C.EVP_MD_CTX_new()) == NULL)
		fatal("allocation");
	if (C.EVP_DigestInit_ex(h->ctx, C.EVP_sha256(), NULL) != 1)
		fatal("init");
	return h;
}

void
sv_sha256_update(struct sv_sha256 *h, const void *p, size_t n)
{
	if (n > 0 && C.EVP_DigestUpdate(h->ctx, p, n) != 1)
		fatal("update");
}

void
sv_sha256_final(struct sv_sha256 *h, unsigned char out[SV_SHA256_LEN])
{
	unsigned int len = 0;

	if (C.EVP_DigestFinal_ex(h->ctx, out, &len) != 1 ||
	    len != SV_SHA256_LEN)
		fatal("final");
	if (C.EVP_DigestInit_ex(h->ctx, C.EVP_sha256(), NULL) != 1)
		fatal("init");
}

void
sv_sha256_free(struct sv_sha256 *h)
{
	if (h == NULL)
		return;
	C.EVP_MD_CTX_free(h->ctx);
	free(h);
}

void
sv_sha256(const void *p, size_t n, unsigned char out[SV_SHA256_LEN])
{
	unsigned int len = 0;

	sv_lazy_need(&lib);
	if (C.EVP_Digest(p, n, out, &len, C.EVP_sha256(), NULL) != 1 ||
	    len != SV_SHA256_LEN)
		fatal("digest");
}

void
sv_sha256_hex(const unsigned char d[SV_SHA256_LEN], char hex[SV_SHA256_HEX])
{
	static const char digits[] = "0123456789abcdef";
	int i;

	for (i = 0; i < SV_SHA256_LEN; i++) {
		hex[2 * i] = digits[d[i] >> 4];
		hex[2 * i + 1] = digits[d[i] & 15];
	}
	hex[2 * SV_SHA256_LEN] = '\0';
}

bool
sv_sha256_parse_hex(const char *hex, unsigned char d[SV_SHA256_LEN])
{
	int i;

	if (hex == NULL || strlen(hex) != 2 * SV_SHA256_LEN)
		return false;
	for (i = 0; i < 2 * SV_SHA256_LEN; i++) {
		char c = hex[i];
		int v;

		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else
			return false;
		if (i % 2 == 0)
			d[i / 2] = (unsigned char)(v << 4);
		else
			d[i / 2] |= (unsigned char)v;
	}
	return true;
}

struct file_hash {
	struct sv_sha256 *h;
	uint64_t *size;
};

static int
file_hash_add(void *data, const void *p, size_t n, struct sv_err *e)
{
	struct file_hash *fh = data;

	(void)e;
	sv_sha256_update(fh->h, p, n);
	*fh->size += n;
	return SV_OK;
}

int
sv_sha256_file(const char *path, unsigned char d[SV_SHA256_LEN],
    uint64_t *size, struct sv_err *e)
{
	struct file_hash fh = { NULL, size };
	int fd, status;

	*size = 0;
	if (sv_lazy_load(&lib, e) != SV_OK)
		return e->status;
	fh.h = sv_sha256_new();
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		status = sv_err_set(e, SV_INPUT, "cannot open '%s': %s", path,
		    strerror(errno));
	} else {
		status = sv_read_fd(fd, path, file_hash_add, &fh, e);
		close(fd);
	}
	sv_sha256_final(fh.h, d);
	sv_sha256_free(fh.h);
	return status;
}
