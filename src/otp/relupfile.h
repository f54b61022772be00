/*
 * relupfile.h - what `smoothver relup` works on: NEW and the base
 * releases, opened, and the relup file written with its provenance.
 *
 * The bases are the OLD roots or packages given, or the versions named,
 * each found in an OLD or in NEW's root (rebar3 keeps the earlier
 * releases there). The file is the relup's text with, after its coding
 * line, one comment line per base and one for NEW naming the digest of
 * the build each came from ("%% smoothver derived-from VSN KIND SHA256",
 * "%% smoothver derived-to ..."): pack copies them into the manifest,
 * release_handler skips comments.
 */
#ifndef SV_OTP_RELUPFILE_H
#define SV_OTP_RELUPFILE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "base/pool.h"
#include "core/index.h"
#include "otp/input.h"
#include "otp/relup.h"

struct sv_otp_relup_inputs {
	struct sv_otp_input newin;
	const char *newpath;           /* borrowed: NEW as given */
	struct sv_otp_input **v;       /* owned: the OLDs given (the first
	                                  nold), then bases found elsewhere;
	                                  each a heap object of its own */
	size_t n, nold;
	char **paths;                  /* owned: the OLDs as given */
	struct sv_otp_release **bases; /* owned array; borrowed elements */
	size_t nbases;
	struct sv_digest_memo memo;    /* digests learnt while planning
	                                  (point sv_otp_options.memo at it),
	                                  for the provenance */
	struct sv_index *walks;        /* owned, NULL until
	                                  sv_otp_relup_inputs_walk: per
	                                  build the provenance names (the
	                                  bases', then NEW), its walk, or
	                                  root NULL for a package */
	size_t nwalks;
};

void sv_otp_relup_inputs_init(struct sv_otp_relup_inputs *in);
void sv_otp_relup_inputs_release(struct sv_otp_relup_inputs *in);

/*
 * Open NEW (release to, or the one it names) and the nold OLDs, and
 * choose the bases: the versions vsns (nvsns; each found in an OLD
 * opened, else in the first root among the OLDs and NEW that holds it),
 * or, with none, each OLD's own release. A version found nowhere is
 * SV_INPUT naming the places looked at.
 */
int sv_otp_relup_inputs_open(struct sv_otp_relup_inputs *in,
    const char *newpath, const char *to, char *const *olds, size_t nold,
    char *const *vsns, size_t nvsns, struct sv_err *e);

/* Parse "A,B,C" into versions (the caller frees them with
 * sv_strv_free); an empty item is SV_USAGE naming --from. */
int sv_otp_relup_vsns(const char *s, char ***out, size_t *n,
    struct sv_err *e);

/*
 * The builds a relup names on its command line, walked on threads of
 * their own from the start, while the releases are read (one thread's
 * work), and SHA-256 readied for the provenance meanwhile.
 * sv_otp_relup_inputs_walk takes the walks; sv_otp_relup_prewalk_end
 * stops what is still going (cut short: an error in reading the inputs
 * is not kept waiting by a large tree) and frees the rest.
 */
struct sv_otp_relup_prewalk {
	struct sv_task task;
	char **paths;            /* owned: the directories given */
	struct sv_index *walks;  /* owned: per path */
	size_t n;
	atomic_bool stop;
};

/* Start walking newpath and the nold olds that are directories. */
void sv_otp_relup_prewalk_start(struct sv_otp_relup_prewalk *pw,
    const char *newpath, char *const *olds, size_t nold);

/* Stop pw if it still runs, and free it. */
void sv_otp_relup_prewalk_end(struct sv_otp_relup_prewalk *pw);

/*
 * Walk every build the provenance names that is a directory, all at once
 * (taking pw's walk of a path when pw, which may be NULL, has one), so
 * that the plan checks its module cache against what the walks saw
 * (sv_otp_options.walks) instead of looking at each file again, and the
 * provenance hashes what they saw. Errors are those of sv_index_walk.
 */
int sv_otp_relup_inputs_walk(struct sv_otp_relup_inputs *in,
    struct sv_otp_relup_prewalk *pw, struct sv_err *e);

/* The n files (NULL items skipped) this process wrote into the builds
 * since they were walked, taken into the walks they belong to
 * (sv_index_relook); no-op without walks. */
int sv_otp_relup_inputs_wrote(struct sv_otp_relup_inputs *in,
    char *const *paths, size_t n, struct sv_err *e);

/* Write the relup r made from in to dest, with its provenance, whole or
 * not at all. The builds' digests come from their walks when in has
 * them, else from walking them now. */
int sv_otp_relup_write(const struct sv_otp_relup *r,
    struct sv_otp_relup_inputs *in, const char *dest, struct sv_err *e);

#endif
