/*
 * relupdecide.h - a relup in the new build decides the level.
 *
 * release_handler runs the script of NEW's releases/VSN/relup for the
 * version the node runs, whatever the appups say. When NEW holds a relup
 * (hand-written, or made earlier by systools or smoothver) with a script
 * from OLD's version, the level is that of its low-level instructions:
 *
 *   restart_new_emulator, restart_emulator        RESTART
 *   suspend, code_change, resume, stop, start,
 *   apply, sync_nodes, any other                  RELUP
 *   load_object_code, load, remove, purge         RELOAD
 *   point_of_no_return                            none
 *
 * each module taking the level of the instructions naming it (never below
 * what no instruction changes: a NIF library, an Elixir application's
 * children). A changed module the script neither loads nor removes is a
 * gap (unless the script restarts the emulator): it keeps the level the
 * plan gave it, and is listed.
 */
#ifndef SV_OTP_RELUPDECIDE_H
#define SV_OTP_RELUPDECIDE_H

#include "base/err.h"
#include "otp/appup.h"

/*
 * Look for u->new's relup and its script from u->old's version; when
 * found, replace u's instruction reasons by the script's, set each
 * upgraded module's level and reason from it, and fill u->relup_path
 * and u->relup_gaps. No relup, or none from that version, leaves u as it
 * is. A relup that cannot be read as one term
 * {Vsn, Ups, Downs} is SV_INPUT naming it.
 */
int sv_otp_upgrade_use_relup(struct sv_otp_upgrade *u, struct sv_err *e);

#endif
