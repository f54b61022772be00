/*
 * modcmp.h - comparing the modules of two builds, many at once.
 *
 * Planning an upgrade compares every module of every application that
 * both releases hold, OTP's own included. Most are byte-identical (an
 * unchanged source compiles to the same bytes), so the work is mostly
 * reading files. sv_otp_modpairs_compare spreads it over every core
 * (sv_threads) and remembers the answers in a cache (see core/cache.h)
 * kept per pair of release roots, so that the next command on the same
 * two builds (relup after appup, a second CI step) only looks at the
 * files' status, and reads only the beams that changed (without hashing
 * them again).
 *
 * A cached answer is trusted only while both files keep the size, mtime,
 * ctime, inode and device they had when they were compared, and it is
 * only recorded for files last changed more than their file system's
 * settling time (sv_settle_ns: a tenth of a second on local file
 * systems, 2 s elsewhere) before the comparison began: a file rewritten
 * within the same timestamp tick would otherwise look unchanged (git's
 * "racily clean" problem).
 */
#ifndef SV_OTP_MODCMP_H
#define SV_OTP_MODCMP_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "core/index.h"
#include "otp/relmodel.h"

struct sv_otp_modpair {
	struct sv_otp_module *a, *b; /* borrowed: a module in one pair only */
	bool same;                   /* out: sv_otp_module_same's answer */
};

/*
 * Set v[i].same for the n pairs, as sv_otp_module_same would, on every
 * core. Modules whose code differs are left loaded (their beams read,
 * without md5 when the cache already knew).
 * root_a and root_b are the release roots the a and b modules live in,
 * naming the cache to use; either NULL: no cache (say, for a temporary
 * extraction). memo (borrowed; NULL: none) learns the SHA-256 of every
 * file read whole here, for build digests that follow (core/index.h).
 * walks (nwalks; borrowed) are trees walked a moment before: a file of
 * one whose root is spelt root_a or root_b is not looked at again, the
 * status its walk saw standing for it.
 * On an error (the one of the lowest pair that failed,
 * naming its file) the .same fields are undefined.
 */
int sv_otp_modpairs_compare(struct sv_otp_modpair *v, size_t n,
    const char *root_a, const char *root_b, struct sv_digest_memo *memo,
    const struct sv_index *walks, size_t nwalks, struct sv_err *e);

#endif
