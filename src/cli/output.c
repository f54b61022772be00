#include "config.h"

#include "cli/output.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/msg.h"

void
sv_out_write(const char *s, size_t n)
{
	fwrite(s, 1, n, stdout);
}

struct sv_json *
sv_out_json_doc(const char *name)
{
	struct sv_json *doc = sv_json_object();
	struct buf schema;

	buf_init(&schema);
	buf_addf(&schema, "smoothver.%s/1", name);
	sv_json_set_str(doc, "schema", schema.s);
	buf_release(&schema);
	return doc;
}

void
sv_out_json(struct sv_json *doc)
{
	char *s = sv_json_print(doc);

	fputs(s, stdout);
	fputc('\n', stdout);
	free(s);
	sv_json_free(doc);
}

void
sv_out_usage_error(const struct sv_command *cmd, const char *fmt, ...)
{
	struct buf m;
	va_list ap;

	buf_init(&m);
	va_start(ap, fmt);
	buf_vaddf(&m, fmt, ap);
	va_end(ap);
	msg_error("%s", m.s);
	if (cmd)
		msg_hint("see 'smoothver %s -h'", cmd->name);
	else
		msg_hint("see 'smoothver -h'");
	buf_release(&m);
}

int
sv_out_error(const struct sv_command *cmd, const struct sv_err *e)
{
	int status = msg_report(e);

	if (status == SV_USAGE && e->hint[0] == '\0')
		msg_hint("see 'smoothver %s -h'", cmd->name);
	return status;
}

const char *
sv_out_level_color(const char *name)
{
	if (strcmp(name, "reload") == 0)
		return "32";
	if (strcmp(name, "relup") == 0)
		return "33";
	if (strcmp(name, "restart") == 0 || strcmp(name, "downgrade") == 0)
		return "31";
	return "1";
}
