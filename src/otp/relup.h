/*
 * relup.h - the release upgrade file (releases/VSN/relup) that
 * release_handler executes, made from the .appup files of the new release
 * the way systools:make_relup/4 makes it.
 *
 * For each base release B (a release a node may run before upgrading to
 * the top release, or go back to), the up script collects the appup entry
 * for B's vsn of every application whose vsn differs, in the order of the
 * top release's applications sorted by their dependencies; adds
 * add_application for applications only in the top release (before) and
 * remove_application for applications only in B (after);
 * restart_new_emulator first when the ERTS versions differ; and then
 * translates the high-level instructions into low-level ones: shorthands
 * expanded, each script split at point_of_no_return, applications into
 * module loads and application:start/stop calls, and the modules linked
 * by DepMods grouped into one suspend / load / code_change / resume block
 * per weakly connected component, dependencies loaded first. The down
 * script is the same from the appups' down entries, translated for a
 * downgrade. The result is term-equal to systools' on the same input,
 * except where systools leaves the order arbitrary: within one block, the
 * order of modules that do not depend on each other (systools follows its
 * digraph's internal order; here the earlier instruction comes first).
 *
 * RESTART transitions. A node cannot take a RESTART step live, but
 * release_handler can still carry it: a script ending in restart_emulator
 * makes it reboot the node into the target release (through heart), so one
 * package format serves every level. Unless told to translate only
 * (systools), a base whose step from the top release is RESTART - by the
 * release versions (a RESTART bump, or going back over one), or by the
 * level the code change requires (otp/appup.h) - gets a reboot script:
 *
 *   up    [restart_new_emulator, point_of_no_return, restart_emulator]
 *         when ERTS, kernel, stdlib or sasl change, else
 *         [point_of_no_return, restart_emulator]
 *   down  [point_of_no_return, restart_emulator]
 *
 * except when an appup entry used for that base says restart_emulator
 * itself: then the translation is kept, which already ends in a reboot.
 */
#ifndef SV_OTP_RELUP_H
#define SV_OTP_RELUP_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "core/version.h"
#include "otp/appup.h"
#include "otp/relmodel.h"
#include "otp/term.h"

enum sv_otp_relup_kind {
	SV_OTP_RELUP_TRANSLATED,   /* the appups, translated */
	SV_OTP_RELUP_REBOOT        /* a reboot into the other release */
};

/* What the relup does for one base release. */
struct sv_otp_relup_step {
	char *vsn;                 /* owned: the base release version */
	enum sv_otp_relup_kind kind;
	enum sv_level level;       /* required by the change, NONE when not
	                              computed (systools mode) */
	char *reason;              /* owned: why a reboot, or NULL */
	size_t nup, ndown;         /* low-level instructions each way */
	char **apps;               /* owned: applications whose appup entry
	                              was used (vsn changed) */
	size_t napps;
};

struct sv_otp_relup {
	char *vsn;                 /* owned: the top release version */
	struct sv_term *term;      /* owned: {Vsn, [{B, "", Up}], [{B, "",
	                              Down}]}, bases in reverse order as
	                              systools writes them */
	struct sv_otp_relup_step *steps; /* owned, in the order bases were
	                                    given */
	size_t nsteps;
	char **warnings;           /* owned: what systools would warn about
	                              (one line each) */
	size_t nwarnings;
};

struct sv_otp_relup_options {
	bool systools;             /* translate the appup files in the top
	                              release exactly as systools does: no
	                              code comparison, no reboot scripts */
	const struct sv_otp_options *appup; /* for the upgrade plan when not
	                                       systools; NULL: defaults */
	struct sv_otp_upgrade *plan;  /* when not NULL (and not systools):
	                                 receives the upgrade plan of the
	                                 last base, whose appups the relup
	                                 holds (the caller's, initialised;
	                                 it may then write them) */
};

void sv_otp_relup_init(struct sv_otp_relup *r);
void sv_otp_relup_release(struct sv_otp_relup *r);

/*
 * Make the relup of top from the bases (at least one; the top release's
 * name must be theirs, and no version may repeat). Without o->systools
 * each base is compared with top as `smoothver appup` does, and the
 * appups that command would write are used (hand-written ones that cover
 * the change are kept; coverage gaps and code changed without a vsn bump
 * are errors); with it, the .appup files in top's ebin directories are
 * read as they are. The .app of an application the release root leaves
 * out (relx does so for OTP's own without ERTS) is read from the OTP
 * installation of the erl on PATH, as systools reads it from its code
 * path. What systools refuses is SV_INPUT with a message
 * naming the base, the application or instruction and the systools error
 * (no_relup, undef_module, muldef_module, conflicting_versions, ...).
 */
int sv_otp_relup_make(struct sv_otp_relup *r, struct sv_otp_release *top,
    struct sv_otp_release *const *bases, size_t nbases,
    const struct sv_otp_relup_options *o, struct sv_err *e);

/* The relup file's text: "%% coding: utf-8", the term, ".\n". */
void sv_otp_relup_text(const struct sv_otp_relup *r, struct buf *out);

/* "translated" or "reboot". */
const char *sv_otp_relup_kind_name(enum sv_otp_relup_kind k);

#endif
