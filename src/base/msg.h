/*
 * msg.h - messages to the user and terminal colour.
 *
 * Only the command layer (src/main.c, src/cli, src/cmd) prints. Errors and
 * warnings go to stderr as "smoothver: error: ..." / "smoothver: warning:
 * ...", hints as "hint: ...". stdout carries output only.
 */
#ifndef SV_MSG_H
#define SV_MSG_H

#include <stdbool.h>
#include <stdio.h>

#include "base/err.h"

enum sv_color_mode { SV_COLOR_AUTO, SV_COLOR_ALWAYS, SV_COLOR_NEVER };

/* Decide once whether stdout and stderr get colour. AUTO means: only on a
 * terminal, and never when NO_COLOR is set to a non-empty value or TERM is
 * "dumb". */
void msg_set_color(enum sv_color_mode mode);

/* True if colour escapes may be written to f (stdout or stderr). */
bool msg_color(FILE *f);

/* Wrap s in the colour named by code ("32" green, "33" yellow, "31" red,
 * "1" bold) when colour is on for f; returns a static buffer, valid until
 * the next call. */
const char *msg_paint(FILE *f, const char *code, const char *s);

/* With quiet set, warnings and notes are dropped; errors never are. */
void msg_set_quiet(bool quiet);
bool msg_quiet(void);

/* Print an error / warning / note (note: only when not quiet) to stderr. */
void msg_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print an error returned by the core (message and hint); returns its
 * status for use as the exit code. */
int msg_report(const struct sv_err *e);

#endif
