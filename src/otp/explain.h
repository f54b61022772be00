/*
 * explain.h - the evidence behind each module's level, for --explain.
 *
 * A copy of what an upgrade plan (otp/appup.h) found per changed module:
 * the level, the reason, and, for the modules whose state was compared
 * (otp/stateshape.h), the verdict and every line of evidence. It outlives
 * the plan, so that check can hand it to its command.
 */
#ifndef SV_OTP_EXPLAIN_H
#define SV_OTP_EXPLAIN_H

#include <stddef.h>

#include "core/version.h"
#include "otp/appup.h"

struct sv_otp_explained {
	char *app, *from, *to;   /* owned: the application and its vsns */
	char *module;            /* owned */
	const char *change;      /* "added", "deleted" or "changed" */
	enum sv_level level;
	char *reason;            /* owned */
	const char *verdict;     /* "same", "changed", "unknown", or NULL
	                            when the state was not compared */
	char **evidence;         /* owned */
	size_t nevidence;
};

struct sv_otp_explain {
	struct sv_otp_explained *v; /* owned: in the plan's order */
	size_t n;
	char *relup;             /* owned: the relup that decided, or NULL */
};

void sv_otp_explain_init(struct sv_otp_explain *x);
void sv_otp_explain_release(struct sv_otp_explain *x);

/* Copy the modules of u's upgraded applications into x (empty). */
void sv_otp_explain_take(struct sv_otp_explain *x,
    const struct sv_otp_upgrade *u);

#endif
