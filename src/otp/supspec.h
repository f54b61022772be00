/*
 * supspec.h - the children a supervisor declares, read from its code.
 *
 * OTP's Appup Cookbook: a supervisor whose init/1 gains a child needs,
 * after {update, Sup, supervisor}, {apply, {supervisor, restart_child,
 * [Sup, Id]}} to start it; one that loses a child needs terminate_child
 * and delete_child before the update (the supervisor keeps the old child
 * otherwise). To write those, the child ids and the name the supervisor
 * is registered under are read from the module's abstract code (the Dbgi
 * chunk a build with debug_info keeps):
 *
 *  - the name: the {local, Name} or {global, Name} of a
 *    supervisor:start_link/3 call in the module with the module itself as
 *    the callback;
 *  - the children: init/1's {ok, {Flags, Children}}, Children a list
 *    (also built with ++, or bound to a variable first) of child specs,
 *    maps with a literal id or six-tuples with a literal first element;
 *    Flags tells simple_one_for_one (whose children are dynamic).
 *
 * Anything else (no abstract code, a child spec from a function call, a
 * computed id, a case in init/1, several clauses that disagree) makes the
 * children unknown, with the reason: an appup then cannot be completed
 * from the code, and the caller says so.
 *
 * Elixir modules keep Elixir's AST instead (when their debug info is
 * kept: mix release strips it unless strip_beams says otherwise). A
 * module supervisor (use Supervisor): the name is the name option of its
 * Supervisor.start_link(__MODULE__, Arg, Opts); the children are what
 * init/1 gives Supervisor.init/2: a list (also bound to a variable, or
 * joined with ++) of modules and {Module, Arg} (whose id is the module,
 * as child_spec/1 defaults it), maps with an id, and
 * Supervisor.child_spec/2 calls. An application whose start/2 ends in
 * Supervisor.start_link(Children, Opts), as mix new --sup writes it,
 * runs a supervisor whose children no appup can change: its children are
 * read the same way (sv_otp_supspec_app_load).
 */
#ifndef SV_OTP_SUPSPEC_H
#define SV_OTP_SUPSPEC_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "otp/term.h"

struct sv_otp_supspec {
	bool known;             /* the children were read */
	char *why;              /* owned: why not, when !known */
	bool simple;            /* simple_one_for_one: dynamic children */
	struct sv_term *ref;    /* owned: the name to reach it by (an atom,
	                           or {global, Name}); NULL if none was
	                           found (refwhy says why) */
	char *refwhy;           /* owned */
	struct sv_term **ids;   /* owned: the child ids, in spec order */
	size_t nids;
};

void sv_otp_supspec_init(struct sv_otp_supspec *s);
void sv_otp_supspec_release(struct sv_otp_supspec *s);

/*
 * Read the supervisor spec of the beam at path into s (initialised).
 * A beam without abstract code is not an error: s->known is false and
 * s->why says so. An unreadable or malformed beam is SV_INPUT.
 */
int sv_otp_supspec_load(struct sv_otp_supspec *s, const char *path,
    struct sv_err *e);

/* The same from a beam's bytes; name is used in messages. */
int sv_otp_supspec_read(struct sv_otp_supspec *s, const void *beam,
    size_t len, const char *name, struct sv_err *e);

/*
 * The children an Elixir application callback module's start/2 gives
 * Supervisor.start_link/2, into s (known false, with why, when it has no
 * such call written out or no Elixir debug info).
 */
int sv_otp_supspec_app_load(struct sv_otp_supspec *s, const char *path,
    struct sv_err *e);
int sv_otp_supspec_app_read(struct sv_otp_supspec *s, const void *beam,
    size_t len, const char *name, struct sv_err *e);

/* True if id is one of s's children. */
bool sv_otp_supspec_has(const struct sv_otp_supspec *s,
    const struct sv_term *id);

#endif
