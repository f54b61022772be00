/*
 * tryup.h - a live upgrade tried for real (smoothver try-upgrade).
 *
 * In a private temporary directory: the old release package installed as
 * a target system, its node booted with a private epmd, a probe started
 * (a command that stays connected to the service), the new package
 * unpacked, installed and made permanent by release_handler, each step
 * checked with which_releases(); optionally the downgrade back to the old
 * release, made permanent again; then the probe must end well and the
 * node stop. Every process started is stopped, on every path.
 *
 * The node boots through the release's own relx start script
 * (bin/NAME daemon) when the package has one, else with erlexec from the
 * installed target, the way a systools target system starts (-boot
 * releases/VSN/start -config releases/VSN/sys). Its node name and cookie
 * are made for the run (vm.args, when there is one, is rewritten to
 * them). The release_handler calls are made by a hidden control node,
 * tryup.escript (compiled in), run with the escript of the Erlang/OTP
 * installation on PATH.
 */
#ifndef SV_OTP_TRYUP_H
#define SV_OTP_TRYUP_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

enum sv_tryup_state {
	SV_TRYUP_SKIPPED,   /* not reached (an earlier step failed) */
	SV_TRYUP_OK,
	SV_TRYUP_FAILED
};

/* "skipped", "ok", "failed". */
const char *sv_tryup_state_name(enum sv_tryup_state s);

struct sv_tryup_step {
	const char *name;          /* install, boot, probe, unpack, upgrade,
	                              permanent, downgrade, probe-end, stop */
	enum sv_tryup_state state;
	double seconds;
	char *detail;              /* owned: one line, or NULL */
};

#define SV_TRYUP_MAX_STEPS 10

struct sv_tryup_opts {
	const char *old_pkg, *new_pkg;
	const char *probe;         /* a shell command, or NULL */
	char **erl_args;           /* extra node arguments (n_erl_args) */
	size_t n_erl_args;
	bool downgrade;
	bool keep;                 /* keep the directory */
	unsigned timeout;          /* seconds each step may take */
};

struct sv_tryup {
	char *release, *from, *to; /* owned */
	const char *boot;          /* "relx" or "erl" */
	char *node;                /* owned: NAME@HOST once it answered */
	char *dir;                 /* owned: the directory, when kept */
	struct sv_tryup_step steps[SV_TRYUP_MAX_STEPS];
	size_t nsteps;
	int failed;                /* index of the first failed step, or -1 */
	char *releases;            /* owned: the last which_releases() seen,
	                              "VSN:STATUS ...", or NULL */
	char *node_log;            /* owned, on failure: the end of the
	                              node's log (and its start script's) */
	char *probe_log;           /* owned, on failure with a probe: the
	                              end of its output */
	int signal;                /* a signal that ended the run, or 0 */
};

void sv_tryup_init(struct sv_tryup *r);
void sv_tryup_release(struct sv_tryup *r);

/*
 * Run the whole try. A step that fails is not an error: the result is
 * SV_OK with r->failed set (and the steps after it skipped, but stop,
 * and fresh once the upgrade was made permanent and the node stopped).
 * Errors are what prevents the try: SV_INPUT for no erl on PATH, a
 * package that cannot be read or is not a release package (or not a whole
 * release, for OLD), packages of different releases or of one version, a
 * release without sasl, a temporary directory that cannot be made; and a
 * signal (SIGINT, SIGTERM, SIGHUP) caught during the run, in r->signal,
 * after everything was stopped and removed.
 */
int sv_tryup_run(struct sv_tryup *r, const struct sv_tryup_opts *o,
    struct sv_err *e);

#endif
