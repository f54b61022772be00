/*
 * ctl.h - the control node: a hidden Erlang node that makes
 * release_handler calls on a running node for try-upgrade and deploy.
 *
 * src/otp/tryup.escript, compiled in, runs under the escript of an
 * Erlang/OTP installation; it takes one command a line on its standard
 * input and answers each on its standard output (the protocol is at the
 * top of the script). This module starts it, sends commands and reads
 * answers, with a deadline, and stops it.
 */
#ifndef SV_OTP_CTL_H
#define SV_OTP_CTL_H

#include <stdbool.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/proc.h"

struct sv_otp_ctl_opts {
	const char *otp;       /* the installation: its bin/escript runs it */
	const char *dir;       /* a directory for the script and its log */
	const char *root;      /* the release root the node runs from */
	const char *node;      /* a short name (the host is ours), or a whole
	                          NAME@HOST */
	const char *cookie;    /* the cookie, or NULL: the control node's
	                          default (~/.erlang.cookie) */
	const char *label;     /* how it signs what it logs on the node, such
	                          as "smoothver deploy" */
	double timeout;        /* seconds the script waits for the node in
	                          each command */
	const char *const *env; /* "KEY=VALUE" set in its environment, NULL
	                          terminated, or NULL */
	bool finish_on_signal; /* a caught signal does not stop waiting for
	                          an answer (deploy lets a release_handler
	                          call finish, then rolls back) */
	/* Called while an answer is awaited: a reason to stop waiting (in
	 * why, returned), or NULL. May be NULL. */
	const char *(*interrupted)(void *ctx, struct buf *why);
	void *ctx;
};

struct sv_otp_ctl {
	struct sv_child child;
	int in, out;           /* its standard input, output */
	struct buf pending;    /* output not yet read as answers */
	bool dead;             /* it cannot answer any more */
	double timeout;
	char *log;             /* owned: the file its standard error goes to */
	const char *(*interrupted)(void *ctx, struct buf *why);
	void *ctx;
	bool finish_on_signal;  /* as in the options; the caller may change
	                           it between calls */
};

/* An answer: f[0] is "ok" or "fail", then its fields. */
struct sv_otp_ctl_answer {
	char *line;            /* owned */
	char *f[8];            /* into line */
	size_t n;
};

void sv_otp_ctl_init(struct sv_otp_ctl *c);

/* Stop it (no grace) and free what c holds. */
void sv_otp_ctl_release(struct sv_otp_ctl *c);

/* Free an answer (and make it empty). */
void sv_otp_ctl_answer_release(struct sv_otp_ctl_answer *a);

/* Write the script into o->dir and start it. SV_INPUT when the
 * installation has no escript or a process cannot be started. */
int sv_otp_ctl_start(struct sv_otp_ctl *c, const struct sv_otp_ctl_opts *o,
    struct sv_err *e);

/*
 * Send a command, its fields the NULL-terminated arguments, and read its
 * answer. Returns 0 with a->f[0] "ok" or "fail", or -1 with why set when
 * no answer came (a signal, the interrupted callback, the control node
 * gone or silent past its deadline); it answers nothing more after that.
 */
int sv_otp_ctl_call(struct sv_otp_ctl *c, struct sv_otp_ctl_answer *a,
    struct buf *why, ...);

/* End it: its input closed, grace seconds for it to exit, then killed.
 * Safe on one never started; c can be started again. */
void sv_otp_ctl_stop(struct sv_otp_ctl *c, double grace);

#endif
