/*
 * err.h - status codes and error messages returned by the core.
 *
 * Core functions never print and never exit. They return an sv_status and,
 * when it is not SV_OK, fill a struct sv_err with a one-line message in
 * smoothver's style: lowercase, no final period, what went wrong first,
 * naming the file or argument involved.
 *
 * The numeric values are the process exit codes documented in
 * smoothver(1) EXIT STATUS; main() returns them unchanged.
 */
#ifndef SV_ERR_H
#define SV_ERR_H

enum sv_status {
	SV_OK = 0,    /* success */
	SV_NO = 1,    /* the answer is "no" (compare, later check/verify/diff) */
	SV_USAGE = 2, /* bad command line */
	SV_INPUT = 3, /* bad input, or the environment prevents an answer */
	SV_MOVED = 4, /* the store moved: its latest pointer was not where
	                 the caller expected (publish) */
	SV_RESTART = 5, /* the release cannot be taken live: the node must
	                   restart with it (deploy) */
	SV_FAILED = 6 /* the live upgrade failed and was rolled back
	                 (deploy) */
};

struct sv_err {
	enum sv_status status;
	char msg[1024];
	char hint[512]; /* optional second line: what to do about it */
};

/* Make e empty (status SV_OK, no message). */
void sv_err_init(struct sv_err *e);

/* Set status and message; returns status so callers can write
 * "return sv_err_set(e, SV_INPUT, "cannot open '%s': %s", ...)". */
int sv_err_set(struct sv_err *e, enum sv_status status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Add a hint line to an error already set; returns the error's status. */
int sv_err_hint(struct sv_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
