/*
 * check.h - the pre-merge check: may the candidate build go out over the
 * base (the deployed release) at the version it claims?
 *
 * The two builds are compared as `smoothver diff` compares them, and the
 * check fails, with one finding per problem, when:
 *
 *  - code changed in an application whose vsn did not (release_handler
 *    would keep the old files);
 *  - the candidate's release version is not greater than the base's, or
 *    either is not a Smoothver version;
 *  - the bump (the transition from the base's version to the
 *    candidate's) is below the level the change requires: one finding per
 *    reason above it;
 *  - for a RELOAD or RELUP bump: a hand-written appup misses changed
 *    modules, a relup in the candidate (which then decides the level)
 *    neither loads nor removes one, or the relup cannot be made (relup's
 *    and systools' errors).
 *
 * A bump above the required level is a warning. A RESTART bump needs no
 * relup (the node reboots), so none is made.
 */
#ifndef SV_OTP_CHECK_H
#define SV_OTP_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "core/rules.h"
#include "core/version.h"
#include "otp/explain.h"

enum sv_check_kind {
	SV_CHECK_UNBUMPED,   /* code changed, application vsn did not */
	SV_CHECK_VERSION,    /* the release version is not a greater
	                        Smoothver version */
	SV_CHECK_LEVEL,      /* the bump is below the required level */
	SV_CHECK_COVERAGE,   /* a hand-written appup misses changes */
	SV_CHECK_RELUP,      /* the relup cannot be made */
	SV_CHECK_HIGHER,     /* (warning) the bump is above what is needed */
	SV_CHECK_CHILDREN,   /* (warning) a changed supervisor whose
	                        children the appup cannot start or stop */
	SV_CHECK_STATE       /* (warning) a hand-written appup reloads a
	                        module whose state changed */
};

/* "unbumped", "version", "level", "coverage", "relup", "higher",
 * "children" or "state". */
const char *sv_check_kind_name(enum sv_check_kind k);

struct sv_check_finding {
	enum sv_check_kind kind;
	bool warning;
	char *subject;       /* owned: the application, module, file or
	                        "version" it is about */
	char *file;          /* owned: the file it points at, a path under
	                        the candidate root as given, or NULL */
	char *message;       /* owned: one line, lowercase, no period */
};

enum sv_check_relup {
	SV_CHECK_RELUP_NOT_TRIED,  /* the versions or the code forbid it */
	SV_CHECK_RELUP_SKIPPED,    /* a RESTART bump: the node reboots */
	SV_CHECK_RELUP_MADE,
	SV_CHECK_RELUP_FAILED
};

/* "not tried", "skipped", "made", "failed". */
const char *sv_check_relup_name(enum sv_check_relup r);

struct sv_check {
	char *release;                  /* owned */
	char *base_version, *version;   /* owned: the .rel versions */
	bool versions_ok;               /* both parse, candidate greater */
	struct sv_transition bump;      /* base -> candidate, when both
	                                   parse */
	bool bump_known;
	enum sv_level required;         /* what the change needs */
	char *required_subject;         /* owned: the decisive finding, or */
	char *required_reason;          /* NULL when nothing changed */
	enum sv_check_relup relup;
	size_t relup_up, relup_down;    /* instructions, when made */
	struct sv_check_finding *v;     /* owned: errors first, in the
	                                   order of the list above, then
	                                   warnings */
	size_t n, nerrors, nwarnings;
	struct sv_otp_explain explain;  /* each changed module's level and
	                                   evidence */
};

void sv_check_init(struct sv_check *c);
void sv_check_release(struct sv_check *c);

/*
 * Check the candidate build (a release root or package; its release
 * version vsn, or NULL: the one it names) against the base (a release
 * root or package, its own version). rules classify files no OTP rule
 * covers, as for diff. Findings are not errors: the result is SV_OK with
 * c->nerrors set; SV_INPUT is for builds that cannot be compared
 * (unreadable, not OTP releases, different releases).
 */
int sv_check_run(struct sv_check *c, const char *base, const char *candidate,
    const char *vsn, const struct sv_rules *rules, struct sv_err *e);

#endif
