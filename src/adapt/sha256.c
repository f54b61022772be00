#include "config.h"

#include "adapt/sha256.h"

#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "adapt/digest.h"
#include "base/outfile.h"

/* struct sv_sha256 is never defined: an sv_sha256 pointer is an
 * sv_digest (adapt/digest.h). */

struct sv_sha256 *
sv_sha256_new(void)
{
	return (struct sv_sha256 *)sv_digest_new(SV_DIGEST_SHA256);
}

void
sv_sha256_update(struct sv_sha256 *h, const void *p, size_t n)
{
	sv_digest_update((struct sv_digest *)h, p, n);
}

void
sv_sha256_final(struct sv_sha256 *h, unsigned char out[SV_SHA256_LEN])
{
	sv_digest_final((struct sv_digest *)h, out, SV_SHA256_LEN);
}

void
sv_sha256_free(struct sv_sha256 *h)
{
	sv_digest_free((struct sv_digest *)h);
}

void
sv_sha256(const void *p, size_t n, unsigned char out[SV_SHA256_LEN])
{
	sv_digest(SV_DIGEST_SHA256, p, n, out, SV_SHA256_LEN);
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
sv_sha256_ready(struct sv_err *e)
{
	unsigned char d[SV_SHA256_LEN];

	if (sv_digest_load(e) != SV_OK)
		return e->status;
	sv_sha256("", 0, d);
	return SV_OK;
}

int
sv_sha256_file(const char *path, unsigned char d[SV_SHA256_LEN],
    uint64_t *size, struct sv_err *e)
{
	struct file_hash fh = { NULL, size };
	int fd, status;

	*size = 0;
	if (sv_digest_load(e) != SV_OK)
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
