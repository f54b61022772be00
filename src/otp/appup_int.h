/*
 * appup_int.h - what the parts of the upgrade plan share (private to
 * src/otp/appup*.c; see appup.h for the interface):
 *
 *   appup.c         options, the plan: applications compared, reasons,
 *                   levels, and sv_otp_upgrade_plan
 *   appup_gen.c     the instructions generated for each changed module
 *                   (its kind, the state analysis, supervisor children,
 *                   DepMods, the order of loads)
 *   appup_settle.c  the appup each application gets: hand-written ones
 *                   checked and kept (deciding the level of what they
 *                   name), completed, or generated
 */
#ifndef SV_OTP_APPUP_INT_H
#define SV_OTP_APPUP_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "otp/appup.h"

#define APPUP_MAX (16u << 20)

/* A sorted set of module names (borrowed strings). */
struct names {
	const char **v;
	size_t n, alloc;
};

/* The modules of an upgraded application, found before instructions are
 * made (instructions need the whole upgrade's sets). */
struct pending {
	struct sv_otp_appchange *change; /* set once all are found */
	struct sv_otp_app *old, *new;
	struct names added, deleted, changed;
};

/* appup.c */
bool ap_is_emulator_app(const char *name);
void ap_purge_for(const struct sv_otp_options *o, const char *module,
    struct sv_term **pre, struct sv_term **post);
void ap_add_reason(struct sv_otp_upgrade *u, enum sv_level level,
    const char *subject, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void ap_last_from_instruction(struct sv_otp_upgrade *u);
bool ap_names_has(const struct names *s, const char *name);
/* appup_gen.c */
void ap_generate(struct sv_otp_upgrade *u, struct pending *p,
    const struct names *up_set, const struct names *down_set,
    const struct sv_otp_options *o);
void ap_generated_lists(const struct sv_otp_appchange *a,
    struct sv_term **up, struct sv_term **down);
/* appup_settle.c */
int ap_settle_appup(struct sv_otp_appchange *a, const char *path,
    const struct sv_otp_options *o, struct sv_err *e);
void ap_appup_level(struct sv_otp_upgrade *u, struct sv_otp_appchange *a);

#endif
