/*
 * otpinst.h - the Erlang/OTP installation smoothver runs with: the one
 * the erl on PATH belongs to.
 */
#ifndef SV_OTP_OTPINST_H
#define SV_OTP_OTPINST_H

/*
 * The root directory of the installation of the first executable erl on
 * PATH (ROOT/bin/erl or ROOT/erts-V/bin/erl, symlinks resolved, ROOT
 * holding lib/), or NULL if there is none. The caller frees it.
 */
char *sv_otp_installation(void);

#endif
