/*
 * target.h - a release root made a target system that release_handler can
 * upgrade in place.
 *
 * release_handler keeps the releases a node knows in releases/RELEASES:
 * [{release, Name, Vsn, ErtsVsn, [{App, AppVsn, LibDir}], Status}]. relx
 * writes one into its roots; mix does not, and a package never carries
 * one (it is the node's state), so a root extracted from a package gets
 * the one release_handler:create_RELEASES/4 would write: its release
 * permanent, each application's directory absolute. A root without
 * releases/start_erl.data (relx leaves it out when it includes no ERTS)
 * also gets one: "ERTS_VSN REL_VSN", what the start scripts boot.
 */
#ifndef SV_OTP_TARGET_H
#define SV_OTP_TARGET_H

#include <stdbool.h>

#include "base/err.h"

/*
 * If dir is an OTP release root without releases/RELEASES, write one for
 * the release releases/start_erl.data names, the application directories
 * under root (the absolute path dir will have: it may be extracted
 * elsewhere and moved into place). *wrote says whether it did. A
 * directory that is no release root is left alone (SV_OK); a root whose
 * release cannot be read is SV_INPUT naming the file.
 */
int sv_otp_target_prepare(const char *dir, const char *root, bool *wrote,
    struct sv_err *e);

#endif
