/*
 * package.h - the OTP release as a kind of package (core/package.h).
 *
 * The root of an OTP release (otp/relroot.h) lends a package its name and
 * version; the package is what release_handler:unpack_release/1 takes,
 * chosen and checked by otp/relpack.h, whole or as a delta from an older
 * version, and the manifest records its relup's sources. p->kind_state is
 * the struct sv_otp_pack of that choice.
 */
#ifndef SV_OTP_PACKAGE_H
#define SV_OTP_PACKAGE_H

#include "core/package.h"

extern const struct sv_package_kind sv_otp_package_kind;

#endif
