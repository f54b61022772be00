#include "config.h"

#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>

void
sv_err_init(struct sv_err *e)
{
	e->status = SV_OK;
	e->msg[0] = '\0';
	e->hint[0] = '\0';
}

int
sv_err_set(struct sv_err *e, enum sv_status status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	e->hint[0] = '\0';
	e->status = status;
	return status;
}

int
sv_err_hint(struct sv_err *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->hint, sizeof(e->hint), fmt, ap);
	va_end(ap);
	return e->status;
}
