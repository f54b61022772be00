/*
 * deploy.h - the node side: a release root bootstrapped from a store, and
 * a running node that follows the store's latest pointer live.
 *
 * A root deploy manages holds, besides the release, a directory
 * .smoothver/ of its own:
 *
 *   .smoothver/lock       flock(2)ed around every change to the root
 *   .smoothver/deployed   the release the root was bootstrapped with, and
 *                         the version its node was last upgraded to (JSON)
 *   .smoothver/failed     a version whose upgrade failed and was rolled
 *                         back: not tried again until latest moves (JSON)
 *   .smoothver/incoming/  a bootstrap's extraction, before it moves in
 *   .smoothver/ctl/       the control node's script and log
 *   .smoothver/probe.log  the last probe's output
 *
 * Bootstrap fetches NAME@VERSION (every digest checked), extracts it
 * beside the root's entries, writes releases/RELEASES for the root's
 * final path, and moves each top-level entry in; the deployed record is
 * written last. A root that holds anything else is refused; a bootstrap
 * killed half-way is undone by the next one.
 *
 * Follow asks the running node what runs (release_handler over Erlang
 * distribution, through the control node of ctl.h), reads NAME-latest,
 * and when it moved to a version that can be taken live: fetches the
 * package (the store's delta from the running version when it has one)
 * into releases/, then unpack_release, install_release, the probe,
 * make_permanent. Any failure after the install puts the previous release
 * back with install_release and removes the new one; a failure before it
 * removes what was unpacked. A new RESTART number, an older version or a
 * package whose relup does not start from the running version is never
 * installed live.
 */
#ifndef SV_OTP_DEPLOY_H
#define SV_OTP_DEPLOY_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "core/store.h"

/* What deploy reports: one event at a time, as it happens. */
struct sv_deploy_event {
	const char *event;     /* bootstrapped, present, running, idle,
	                          latest, skipped, restart-needed, on-restart,
	                          fetched, unpacked, installed, probe,
	                          permanent, upgraded, failed, rolled-back,
	                          removed, resumed, unreachable, locked,
	                          stopped */
	const char *message;   /* one line for people, without the time */
	const char *name;      /* the release, or NULL */
	const char *version;   /* the version the event is about, or NULL */
	const char *from;      /* the version running before, or NULL */
	const char *node;      /* the node, or NULL */
	const char *level;     /* latest, restart-needed: reload, relup,
	                          restart, older; or NULL */
	const char *detail;    /* why, for failed and the like, or NULL */
	const char *package;   /* fetched: "delta" or "whole" */
	int64_t bytes;         /* fetched: the package's size; else -1 */
	double seconds;        /* the step's or the upgrade's time; or -1 */
	int status;            /* on-restart, probe: the command's exit
	                          status; else -1 */
};

struct sv_deploy_opts {
	struct sv_store *store;
	const char *root;          /* the release root */
	const char *name;          /* the release; NULL: the root's own */
	const char *version;       /* bootstrap: the version; NULL: latest */
	uint64_t max_size;         /* bootstrap: extraction limit, bytes */
	/* follow: */
	double interval;           /* seconds between looks at latest */
	bool once;                 /* look once and return */
	double timeout;            /* seconds each node call may take */
	const char *probe;         /* a shell command that must exit 0 after
	                              the install, or NULL */
	const char *on_restart;    /* a shell command run when latest needs a
	                              restart, or NULL */
	const char *node;          /* NAME@HOST or a short name; NULL: from
	                              the release (vm.args, RELEASE_NODE) */
	const char *cookie;        /* NULL: from the release (RELEASE_COOKIE,
	                              vm.args, releases/COOKIE), else the
	                              default cookie */
	void (*report)(void *ctx, const struct sv_deploy_event *ev);
	void *ctx;
};

/*
 * Bootstrap o->root with o->name at o->version (NULL: latest). A root
 * bootstrapped before with the same release is left as it is (the
 * "present" event; SV_OK); one with another release, or with files
 * deploy did not put there, is SV_INPUT; one whose lock another deploy
 * holds is SV_INPUT ("locked"). Store and package errors are fetch's.
 */
int sv_deploy_bootstrap(const struct sv_deploy_opts *o, struct sv_err *e);

/*
 * Follow NAME-latest with the node that runs from o->root: every
 * o->interval seconds, or once. Returns SV_OK when stopped by a signal
 * (SIGINT, SIGTERM, SIGHUP: between steps, never half-way through an
 * upgrade) or, with once, when the node runs latest or was upgraded to
 * it; SV_RESTART when latest cannot be taken live and there is no
 * on-restart command (with one that fails, in once); SV_FAILED, in once,
 * when the upgrade failed and was rolled back (in a loop that version is
 * skipped until latest moves); SV_INPUT for what prevents following (no
 * release in the root, the store unreadable, in once the node
 * unreachable or the lock held).
 */
int sv_deploy_follow(const struct sv_deploy_opts *o, struct sv_err *e);

#endif
