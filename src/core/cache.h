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

/* A struct timespec (a stat's st_mtim, st_ctim) as nanoseconds since the
 * epoch. */
#define SV_TIMESPEC_NS(ts) ((int64_t)(ts).tv_sec * 1000000000 + (ts).tv_nsec)

/*
 * A cached fact about a file (its digest, a module comparison) holds
 * while the file's status (inode, size, mtime, ctime) is unchanged, but
 * only if the file had settled when it was read: a file rewritten within
 * one timestamp tick of its last change looks unchanged (git's racily
 * clean entries).
 *
 * sv_settle_ns: how long after a file's last change a further change is
 * sure to show in its status, for a file on the file system of fd (any
 * descriptor, O_PATH included): SV_SETTLE_LOCAL_NS where the kernel
 * stamps files from its own clock, to the tick (ext2/3/4, xfs, btrfs,
 * f2fs, zfs, tmpfs, overlayfs), and SV_SETTLE_NS anywhere else or when it
 * cannot be told (a network file system stamps with the server's clock;
 * FAT keeps two seconds, HFS+ one). What lets a build written a moment
 * ago count as settled.
 */
#define SV_SETTLE_NS 2000000000LL
#define SV_SETTLE_LOCAL_NS 100000000LL
int64_t sv_settle_ns(int fd);

/* Whether a file last changed at mtime_ns / ctime_ns had settled by
 * start_ns on a file system whose settling time is settle_ns (0:
 * SV_SETTLE_NS). */
bool sv_settled(int64_t mtime_ns, int64_t ctime_ns, int64_t settle_ns,
    int64_t start_ns);

#endif
