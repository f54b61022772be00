/*
 * appupfile.h - what `smoothver appup` does with a plan (otp/appup.h):
 * the errors it refuses on, and where the appups go.
 */
#ifndef SV_OTP_APPUPFILE_H
#define SV_OTP_APPUPFILE_H

#include "base/buf.h"
#include "base/err.h"
#include "otp/appup.h"
#include "otp/input.h"

/* The path shown for a file of the release root in: relative to the
 * root when under it, else path itself. Borrowed from path. */
const char *sv_otp_input_shown(const struct sv_otp_input *in,
    const char *path);

/* SV_INPUT if old and new (opened from the paths given) are not the same
 * release, naming both. */
int sv_otp_inputs_same_release(const struct sv_otp_input *old,
    const char *oldpath, const struct sv_otp_input *new,
    const char *newpath, struct sv_err *e);

/* The hint that goes with a coverage gap (appup and relup both take
 * --merge). */
#define SV_OTP_GAPS_HINT "add instructions for them, or run with --merge " \
	"to add the generated ones"

/* Append to out "hand-written appup misses changed modules: " and, per
 * appup with gaps, its path (relative to newin's root; as u has it when
 * newin is NULL) and the modules it misses each way. */
void sv_otp_upgrade_gaps_text(const struct sv_otp_upgrade *u,
    const struct sv_otp_input *newin, struct buf *out);

/* When u has coverage gaps, SV_INPUT naming each hand-written appup
 * (relative to newin's root) and the modules it misses each way, with
 * the hint to --merge; SV_OK otherwise. */
int sv_otp_upgrade_gaps_check(const struct sv_otp_upgrade *u,
    const struct sv_otp_input *newin, struct sv_err *e);

/*
 * Write the appup of each upgraded application of u: into out_dir as
 * APP.appup (made if missing), or, with out_dir NULL, where it belongs in
 * the new release root (a hand-written appup kept as it is stays
 * untouched there). written (u->napps entries, the caller's) gets the
 * path written per application, or NULL; the caller frees them with
 * sv_strv_free. Each file is whole or not at all.
 */
int sv_otp_appups_write(const struct sv_otp_upgrade *u, const char *out_dir,
    char **written, struct sv_err *e);

/* Append to out what sv_otp_appups_write did, one line per upgraded
 * application: "APP OLD -> NEW: SOURCE PATH" (generated, merged or
 * extended, with the path relative to newin's root), "... wrote FILE"
 * into out_dir, or "... kept PATH" for a hand-written appup left as it
 * is. */
void sv_otp_appups_written_text(const struct sv_otp_upgrade *u,
    const struct sv_otp_input *newin, char *const *written,
    const char *out_dir, struct buf *out);

#endif
