/*
 * __beam - what smoothver reads from beam files: one line per file,
 *
 *	MODULE MD5 behaviours=A,B imports=M,N exports=F/A,...
 *
 * where MD5 is the code md5 as beam_lib:md5/1 computes it. Hidden, like
 * the other internal commands in src/cli: it exists so that the tests can
 * check smoothver against beam_lib.
 */
#include "config.h"

#include <stdio.h>

#include "base/buf.h"
#include "cli/output.h"
#include "otp/beam.h"

static const struct sv_option options[] = {
	SV_OPT_END
};

static int
run(struct sv_ctx *ctx, const struct sv_args *a)
{
	struct buf line;
	struct sv_err e;
	int i, status = SV_OK;

	(void)ctx;
	sv_err_init(&e);
	buf_init(&line);
	for (i = 0; i < a->argc; i++) {
		struct sv_beam b;
		char hex[33];
		size_t j;

		sv_beam_init(&b);
		if ((status = sv_beam_load(&b, a->argv[i], &e))) {
			sv_beam_release(&b);
			break;
		}
		sv_beam_md5_hex(&b, hex);
		buf_reset(&line);
		buf_addf(&line, "%s %s behaviours=", b.module, hex);
		for (j = 0; j < b.nbehaviours; j++)
			buf_addf(&line, "%s%s", j ? "," : "", b.behaviours[j]);
		buf_adds(&line, " imports=");
		for (j = 0; j < b.nimports; j++)
			buf_addf(&line, "%s%s", j ? "," : "", b.imports[j]);
		buf_adds(&line, " exports=");
		for (j = 0; j < b.nexports; j++)
			buf_addf(&line, "%s%s/%u", j ? "," : "",
			    b.exports[j].name, b.exports[j].arity);
		buf_addc(&line, '\n');
		sv_out_write(line.s, line.len);
		sv_beam_release(&b);
	}
	buf_release(&line);
	if (status)
		sv_out_error(a->cmd, &e);
	return status;
}

const struct sv_command sv_cmd_beam = {
	.name = "__beam",
	.summary = "print what smoothver reads from beam files",
	.args = "BEAM...",
	.min_args = 1,
	.max_args = -1,
	.arg_complete = SV_COMPLETE_FILE,
	.flags = SV_CMD_HIDDEN,
	.options = options,
	.run = run,
};
