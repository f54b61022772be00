#include "config.h"

#include "core/cache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#ifdef __linux__
#include <sys/vfs.h>
#endif
#include <time.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/outfile.h"
#include "base/xalloc.h"

bool
sv_cache_enabled(void)
{
	const char *off = getenv("SMOOTHVER_NO_CACHE");

	return off == NULL || *off == '\0' || strcmp(off, "0") == 0;
}

/* 64-bit FNV-1a of p from the offset basis h. */
static uint64_t
fnv1a(uint64_t h, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

char *
sv_cache_file(const char *kind, const char *const *keys, size_t nkeys)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	struct buf key, b;
	uint64_t h1, h2;
	char hex[33];
	size_t i;

	if (!sv_cache_enabled())
		return NULL;
	buf_init(&key);
	for (i = 0; i < nkeys; i++) {
		char *real = realpath(keys[i], NULL);

		if (real == NULL) {
			buf_release(&key);
			return NULL;
		}
		/* One key is the bytes of its path, as before there were
		 * several; more are separated by NULs. */
		if (i > 0)
			buf_addc(&key, '\0');
		buf_adds(&key, real);
		free(real);
	}
	/* Two halves from two offset bases: the standard one, and the hash
	 * of the key's length from it. */
	h1 = fnv1a(0xcbf29ce484222325ULL, key.s, key.len);
	h2 = fnv1a(fnv1a(0xcbf29ce484222325ULL, (const char *)&key.len,
	    sizeof(key.len)), key.s, key.len);
	snprintf(hex, sizeof(hex), "%016llx%016llx", (unsigned long long)h1,
	    (unsigned long long)h2);
	buf_release(&key);
	buf_init(&b);
	if (xdg != NULL && xdg[0] == '/')
		buf_addf(&b, "%s/smoothver/%s/%s", xdg, kind, hex);
	else if (home != NULL && home[0] == '/')
		buf_addf(&b, "%s/.cache/smoothver/%s/%s", home, kind, hex);
	else
		return NULL;
	return buf_detach(&b);
}

void
sv_cache_write(const char *file, const void *p, size_t n)
{
	struct sv_err ignored;
	struct buf dir;
	char *slash;

	buf_init(&dir);
	buf_adds(&dir, file);
	for (slash = strchr(dir.s + 1, '/'); slash;
	    slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(dir.s, 0700);
		*slash = '/';
	}
	buf_release(&dir);
	sv_err_init(&ignored);
	sv_write_file_nosync(file, p, n, &ignored);
}

int64_t
sv_cache_now_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	return SV_TIMESPEC_NS(now);
}

int64_t
sv_settle_ns(int fd)
{
#ifdef __linux__
	struct statfs fs;

	if (fstatfs(fd, &fs) < 0)
		return SV_SETTLE_NS;
	switch ((unsigned long)fs.f_type) {
	case 0xEF53UL:      /* ext2, ext3, ext4 */
	case 0x58465342UL:  /* xfs */
	case 0x9123683EUL:  /* btrfs */
	case 0xF2F52010UL:  /* f2fs */
	case 0x2FC12FC1UL:  /* zfs */
	case 0x01021994UL:  /* tmpfs */
	case 0x794C7630UL:  /* overlayfs */
		return SV_SETTLE_LOCAL_NS;
	default:
		return SV_SETTLE_NS;
	}
#else
	(void)fd;
	return SV_SETTLE_NS;
#endif
}

bool
sv_settled(int64_t mtime_ns, int64_t ctime_ns, int64_t settle_ns,
    int64_t start_ns)
{
	int64_t last = mtime_ns > ctime_ns ? mtime_ns : ctime_ns;

	return last < start_ns - (settle_ns > 0 ? settle_ns : SV_SETTLE_NS);
}
