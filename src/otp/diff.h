/*
 * diff.h - comparing two builds: file by file, and, when both are OTP
 * releases, module by module.
 *
 * For two OTP releases the file-level comparison is made on the files
 * that belong to each release (its applications' lib directories, its
 * releases/VSN, its ERTS), with the old application directories renamed
 * to the new versions so that lib/petal-1.0.0/ebin/m.beam and
 * lib/petal-1.1.0/ebin/m.beam are one file that changed. Beams are then
 * classified by the upgrade plan (otp/appup.h): a beam whose code md5 is
 * unchanged is level none; release metadata (.rel, boot scripts, relup)
 * is none; sys.config is relup; vm.args and ERTS are restart; start
 * scripts in bin/ are none. Everything else follows the glob rules.
 * A project rule in .smoothver overrides every one of these levels.
 */
#ifndef SV_OTP_DIFF_H
#define SV_OTP_DIFF_H

#include <stdbool.h>

#include "core/index.h"
#include "core/plan.h"
#include "core/rules.h"
#include "otp/appup.h"
#include "otp/input.h"

struct sv_build_diff {
	bool otp;                      /* both builds are OTP releases */
	struct sv_otp_input oldin, newin;
	struct sv_otp_options opts;
	struct sv_otp_upgrade up;      /* valid when otp */
	struct sv_index old, new;
	struct sv_plan plan;
	enum sv_level required;        /* the plan's and the upgrade's */
	const char *subject, *reason;  /* the decisive finding (borrowed),
	                                  NULL when nothing changed */
	const struct sv_rules *rules;  /* borrowed: those of the last run */
};

void sv_build_diff_init(struct sv_build_diff *d);
void sv_build_diff_release(struct sv_build_diff *d);

/*
 * Compare the builds at old and new (directories or tarballs). from and
 * to choose release versions (OTP only; NULL: the ones the roots name);
 * new may be NULL when from and to pick two versions of the root old.
 * rules classify what no format-specific classifier does (end them with
 * the defaults).
 */
int sv_build_diff_run(struct sv_build_diff *d, const char *old,
    const char *new, const char *from, const char *to,
    const struct sv_rules *rules, struct sv_err *e);

/*
 * True if a project rule (from .smoothver, not a built-in one) matches
 * the file the upgrade plan's reason r is about (a module's beam, an
 * application's directory or .app, ERTS): the rule then gives that file
 * its level, and r does not count.
 */
bool sv_build_diff_overridden(const struct sv_build_diff *d,
    const struct sv_otp_reason *r);

#endif
