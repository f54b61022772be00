/*
 * cache.h - where smoothver keeps what it may forget.
 *
 * Results that are expensive to recompute and cheap to validate (file
 * digests, module comparisons) are kept under $XDG_CACHE_HOME/smoothver/
 * (default ~/.cache/smoothver/), in one directory per kind, one file per
 * subject, named by a 128-bit hash of the subject's key (FNV-1a: a name
 * needs no cryptography, and hashing it must not cost a library load; two
 * subjects that collide only share a file whose entries fail
 * validation). A cache is only an
 * optimisation: whoever uses it validates every entry against the files
 * it describes, and treats a cache that cannot be read or written as
 * empty. SMOOTHVER_NO_CACHE=1 turns every cache off.
 */
#ifndef SV_CACHE_H
#define SV_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* False if SMOOTHVER_NO_CACHE is set to anything but "" or "0". */
bool sv_cache_enabled(void);

/*
 * The cache file of kind ("index", "otp") for the subject named by the
 * nkeys strings keys (directories, resolved with realpath; their order
 * matters), or NULL if the cache is off, a key cannot be resolved or
 * there is no place for it (neither XDG_CACHE_HOME nor HOME absolute).
 * The caller frees it.
 */
char *sv_cache_file(const char *kind, const char *const *keys, size_t nkeys);

/*
 * Replace the cache file file with the n bytes p (the directories on the
 * way are created, mode 0700). Best effort, without fsync: a failure
 * only means the next run recomputes.
 */
void sv_cache_write(const char *file, const void *p, size_t n);

/* The current time as nanoseconds since the epoch (CLOCK_REALTIME). */
int64_t sv_cache_now_ns(void);

#endif
