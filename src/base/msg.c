#include "config.h"

#include "base/msg.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool color_out, color_err, quiet;

void
msg_set_color(enum sv_color_mode mode)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");
	bool allowed;

	switch (mode) {
	case SV_COLOR_ALWAYS:
		color_out = color_err = true;
		return;
	case SV_COLOR_NEVER:
		color_out = color_err = false;
		return;
	case SV_COLOR_AUTO:
		break;
	}
	allowed = !(nc != NULL && nc[0] != '\0') &&
	    !(term != NULL && strcmp(term, "dumb") == 0);
	color_out = allowed && isatty(STDOUT_FILENO);
	color_err = allowed && isatty(STDERR_FILENO);
}

bool
msg_color(FILE *f)
{
	return f == stderr ? color_err : color_out;
}

const char *
msg_paint(FILE *f, const char *code, const char *s)
{
	static char out[512];

	if (!msg_color(f))
		snprintf(out, sizeof(out), "%s", s);
	else
		snprintf(out, sizeof(out), "\033[%sm%s\033[m", code, s);
	return out;
}

void
msg_set_quiet(bool q)
{
	quiet = q;
}

bool
msg_quiet(void)
{
	return quiet;
}

static void vmsg(const char *kind, const char *code, const char *fmt,
    va_list ap) __attribute__((format(printf, 3, 0)));

static void
vmsg(const char *kind, const char *code, const char *fmt, va_list ap)
{
	fflush(stdout);
	fprintf(stderr, "smoothver: %s: ", msg_paint(stderr, code, kind));
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
msg_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("error", "1;31", fmt, ap);
	va_end(ap);
}

void
msg_warn(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	vmsg("warning", "1;33", fmt, ap);
	va_end(ap);
}

void
msg_hint(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "%s", msg_paint(stderr, "33", "hint: "));
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

int
msg_report(const struct sv_err *e)
{
	msg_error("%s", e->msg[0] ? e->msg : "unknown error");
	if (e->hint[0])
		msg_hint("%s", e->hint);
	return e->status != SV_OK ? (int)e->status : SV_INPUT;
}
