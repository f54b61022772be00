#include "config.h"

#include "adapt/md5.h"

#include "adapt/digest.h"

/* struct sv_md5 is never defined: an sv_md5 pointer is an sv_digest. */

struct sv_md5 *
sv_md5_new(void)
{
	return (struct sv_md5 *)sv_digest_new(SV_DIGEST_MD5);
}

void
sv_md5_update(struct sv_md5 *h, const void *p, size_t n)
{
	sv_digest_update((struct sv_digest *)h, p, n);
}

void
sv_md5_final(struct sv_md5 *h, unsigned char out[SV_MD5_LEN])
{
	sv_digest_final((struct sv_digest *)h, out, SV_MD5_LEN);
}

void
sv_md5_free(struct sv_md5 *h)
{
	sv_digest_free((struct sv_digest *)h);
}

void
sv_md5(const void *p, size_t n, unsigned char out[SV_MD5_LEN])
{
	sv_digest(SV_DIGEST_MD5, p, n, out, SV_MD5_LEN);
}
