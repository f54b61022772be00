/*
 * input.h - an OTP release given on the command line: a release root
 * directory, or a release package (a tarball, extracted to a private
 * temporary directory for as long as it is needed).
 */
#ifndef SV_OTP_INPUT_H
#define SV_OTP_INPUT_H

#include <stdbool.h>

#include "base/err.h"
#include "otp/relmodel.h"

struct sv_otp_input {
	char *tmpdir;                /* owned: the extraction, or NULL */
	struct sv_otp_release rel;   /* the loaded release */
};

/* Make in empty. */
void sv_otp_input_init(struct sv_otp_input *in);

/* Free what in owns and remove its temporary directory. */
void sv_otp_input_release(struct sv_otp_input *in);

/* True if path is a directory or a file that looks like an OTP release
 * (a release root, or a tarball holding releases/). Never fails: what
 * cannot be read is not one. */
bool sv_otp_input_is_release(const char *path);

/*
 * Open path (a release root or package) and load release version vsn
 * (NULL: the one it names). Errors name path.
 */
int sv_otp_input_open(struct sv_otp_input *in, const char *path,
    const char *vsn, struct sv_err *e);

/*
 * Open n inputs: ins[i] from paths[i], version vsns[i] (vsns may be NULL:
 * each the one it names), stopping at the first error. Every ins[i] must
 * be released by the caller all the same.
 */
int sv_otp_inputs_open(struct sv_otp_input *const *ins,
    const char *const *paths, const char *const *vsns, size_t n,
    struct sv_err *e);

#endif
