/*
 * relroot.h - recognising an OTP release root (what rebar3/relx or
 * systools produce: bin, erts-VSN, lib and releases).
 *
 * A release root knows its own name and version: releases/start_erl.data
 * holds "ERTS_VSN REL_VSN", and releases/REL_VSN/NAME.rel says
 * {release, {"NAME", "REL_VSN"}, ...}.
 */
#ifndef SV_OTP_RELROOT_H
#define SV_OTP_RELROOT_H

#include <stdbool.h>

#include "base/err.h"

/*
 * If dir is an OTP release root, set *found and fill *name and *version
 * (owned by the caller). A directory without releases/ or without any
 * .rel file below it is not a root (*found false, SV_OK). A root that
 * contradicts itself (start_erl.data naming a version without a .rel, a
 * .rel whose name or version disagree with its place, several releases
 * and no start_erl.data to choose) is SV_INPUT naming the file.
 */
int sv_otp_release_root(const char *dir, bool *found, char **name,
    char **version, struct sv_err *e);

/*
 * If the root dir holds release version vsn (releases/VSN/NAME.rel, alone
 * there, agreeing with its place), set *found and fill *name (owned by
 * the caller). No such directory or no .rel in it: *found false, SV_OK.
 * Several .rel files, or one that disagrees, are SV_INPUT naming it.
 */
int sv_otp_release_named(const char *dir, const char *vsn, bool *found,
    char **name, struct sv_err *e);

#endif
