/*
 * stateshape.h - does a changed process module need code_change? Decided
 * from the code: the state its processes keep, compared between the old
 * and the new build.
 *
 * An upgrade that only loads new code (load_module) leaves every process
 * its state as it is; update with code_change suspends the processes and
 * migrates it. The second is only needed when the state the old code
 * built is not what the new code expects, or when the author changed the
 * migration. From the abstract code of both builds (the Dbgi chunk a
 * build keeps with debug_info, the Abst chunk of older compilers):
 *
 *  - gen_server, gen_statem, gen_event: the state is what init/1 returns
 *    ({ok, State, ...}; gen_statem's {ok, StateName, Data, ...}: Data),
 *    followed through variables, case/if/receive/try/begin and local
 *    calls, and what the callbacks match the state argument against
 *    (handle_call/3, handle_cast/2, handle_info/2, handle_continue/2,
 *    terminate/2; gen_statem's handle_event/4 and state functions;
 *    gen_event's handle_event/2, handle_call/2, handle_info/2). It is
 *    comparable when each of those is a record (created, updated or
 *    matched) or passes the state through unseen; then the definitions
 *    of those records, and of the records and types their fields name,
 *    are compared field by field (names, order, defaults, types). The
 *    migration is code_change/3 (gen_statem: /4) with the local functions
 *    it calls. gen_statem also keeps its state name: its callback_mode/0
 *    and, with state_functions, the state functions (exported, arity 3)
 *    must all still be there.
 *  - supervisor: what code_change re-reads is init/1, with the local
 *    functions it calls: the same code, calling no module this upgrade
 *    changes and reading no run-time configuration (application env, os
 *    env, persistent_term), gives the same child specs.
 *
 * Same shape and same migration: SV_OTP_SHAPE_SAME, load_module does.
 * Anything else is CHANGED (with what changed) or UNKNOWN (with why it
 * cannot be told: no debug info, Elixir's debug info, a state that is a
 * map or a tuple, a state init/1 gets from elsewhere), and the caller
 * keeps the update. Every step is recorded as a line of evidence.
 */
#ifndef SV_OTP_STATESHAPE_H
#define SV_OTP_STATESHAPE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

enum sv_otp_shape_verdict {
	SV_OTP_SHAPE_SAME,      /* load_module keeps the state valid */
	SV_OTP_SHAPE_CHANGED,   /* the state or its migration changed */
	SV_OTP_SHAPE_UNKNOWN    /* cannot be told from the code */
};

struct sv_otp_shape {
	enum sv_otp_shape_verdict verdict;
	char *summary;          /* owned: one phrase, e.g. "state record
	                           #state{} unchanged, code_change/3
	                           unchanged" or "record #state{} gained
	                           field label" */
	char **evidence;        /* owned: one line each, in the order the
	                           analysis went */
	size_t nevidence;
};

void sv_otp_shape_init(struct sv_otp_shape *s);
void sv_otp_shape_release(struct sv_otp_shape *s);

/*
 * Compare the module at old_path with the one at new_path, both built
 * from the same module (beam files). behaviour is the OTP behaviour the
 * new one implements: "gen_server", "gen_statem", "gen_event" or
 * "supervisor" (any other is UNKNOWN). changing (n, sorted, may be NULL)
 * are the modules the upgrade loads: a supervisor whose init/1 calls one
 * of them is not SAME. s must be initialised and empty. An unreadable or
 * malformed beam is SV_INPUT; a beam without abstract code is not an
 * error (UNKNOWN).
 */
int sv_otp_shape_compare(struct sv_otp_shape *s, const char *old_path,
    const char *new_path, const char *behaviour, const char *const *changing,
    size_t nchanging, struct sv_err *e);

/* "same", "changed", "unknown". */
const char *sv_otp_shape_verdict_name(enum sv_otp_shape_verdict v);

#endif
