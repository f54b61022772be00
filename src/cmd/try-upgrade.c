/*
 * try-upgrade - the live upgrade from one release package to another,
 * tried for real on a node of its own (see otp/tryup.h): one line per
 * step on stdout, then a verdict; on failure the end of the node's log
 * (and of the probe's output). Exit status 1 when a step failed.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapt/json.h"
#include "base/buf.h"
#include "base/msg.h"
#include "base/xalloc.h"
#include "cli/output.h"
#include "otp/tryup.h"

/* The options, as the table below binds them. */
struct try_upgrade_opts {
	const char *probe;
	bool downgrade;
	const char *timeout;
	const char *erl_args;
	bool keep;
};

static const struct sv_option options[] = {
	{ "probe", 0, "CMD", "a shell command that connects to the service "
	  "and stays connected: it must write a line when ready, still run at "
	  "the end and exit 0 once its standard input closes",
	  SV_COMPLETE_NONE, NULL, false,
	  SV_STRING(struct try_upgrade_opts, probe) },
	{ "downgrade", 0, NULL, "after the upgrade, downgrade to the old "
	  "release again and make it permanent", SV_COMPLETE_NONE, NULL,
	  false, SV_FLAG(struct try_upgrade_opts, downgrade) },
	{ "timeout", 0, "S", "the limit in seconds of each wait: the boot, "
	  "each release_handler call, the probe, the stop (default: 60)",
	  SV_COMPLETE_NONE, NULL, false,
	  SV_STRING(struct try_upgrade_opts, timeout) },
	{ "erl-args", 0, "ARGS", "more arguments for the node's command line, "
	  "split at blanks (e.g. '-petal port 4000')", SV_COMPLETE_NONE, NULL,
	  false, SV_STRING(struct try_upgrade_opts, erl_args) },
	{ "keep", 0, NULL, "keep the temporary directory and print where it "
	  "is", SV_COMPLETE_NONE, NULL, false,
	  SV_FLAG(struct try_upgrade_opts, keep) },
	SV_OPT_END
};

#define DEFAULT_TIMEOUT 60
#define MAX_TIMEOUT 86400
/* Lines of the logs shown in the plain report. */
#define NODE_LINES 40
#define PROBE_LINES 20

/* ---- plain text ---- */

/* The last n lines of s (all of it if it has fewer). */
static const char *
last_lines(const char *s, size_t n)
{
	const char *p = s + strlen(s);

	if (p > s && p[-1] == '\n')
		p--;
	while (p > s) {
		if (p[-1] == '\n' && --n == 0)
			break;
		p--;
	}
	return p;
}

static void
add_log(struct buf *b, const char *title, const char *log, size_t lines)
{
	const char *tail = last_lines(log, lines);

	buf_addf(b, "--- %s%s:\n", title, tail != log ? " (its end)" : "");
	buf_adds(b, tail);
	if (b->len && b->s[b->len - 1] != '\n')
		buf_addc(b, '\n');
}

static void
print_human(const struct sv_tryup *r, const struct sv_tryup_opts *o,
    bool quiet)
{
	struct buf b;
	size_t i, w = 0;

	if (quiet && r->failed < 0)
		return;
	buf_init(&b);
	buf_addf(&b, "try-upgrade %s %s -> %s", r->release, r->from, r->to);
	if (r->node != NULL)
		buf_addf(&b, ", node %s", r->node);
	buf_addc(&b, '\n');
	for (i = 0; i < r->nsteps; i++)
		if (strlen(r->steps[i].name) > w)
			w = strlen(r->steps[i].name);
	for (i = 0; i < r->nsteps; i++) {
		const struct sv_tryup_step *s = &r->steps[i];
		const char *word = s->state == SV_TRYUP_OK ? "ok" :
		    s->state == SV_TRYUP_FAILED ? "FAILED" : "skipped";
		const char *color = s->state == SV_TRYUP_OK ? "32" :
		    s->state == SV_TRYUP_FAILED ? "31" : "2";

		/* The colour escapes go around the padded word. */
		buf_addf(&b, "  %s%*s %-*s", msg_paint(stdout, color, word),
		    (int)(7 - strlen(word)), "", (int)w, s->name);
		if (s->state != SV_TRYUP_SKIPPED)
			buf_addf(&b, " %6.2fs", s->seconds);
		if (s->detail != NULL)
			buf_addf(&b, "  %s", s->detail);
		while (b.len && b.s[b.len - 1] == ' ')
			buf_truncate(&b, b.len - 1);
		buf_addc(&b, '\n');
	}
	if (r->failed >= 0) {
		if (r->node_log != NULL)
			add_log(&b, "the node's log", r->node_log, NODE_LINES);
		else
			buf_adds(&b, "--- the node's log: empty\n");
		if (o->probe != NULL)
			add_log(&b, "the probe's output", r->probe_log ?
			    r->probe_log : "", PROBE_LINES);
	}
	if (r->dir != NULL)
		buf_addf(&b, "kept: %s\n", r->dir);
	buf_addf(&b, "%s %s -> %s: ", r->release, r->from, r->to);
	if (r->failed >= 0) {
		buf_addf(&b, "%s at %s: %s\n", msg_paint(stdout, "31",
		    "failed"), r->steps[r->failed].name,
		    r->steps[r->failed].detail ? r->steps[r->failed].detail : "");
		for (i = (size_t)r->failed + 1; i < r->nsteps; i++)
			if (r->steps[i].state == SV_TRYUP_FAILED)
				buf_addf(&b, "%s %s -> %s: %s at %s too (above)\n",
				    r->release, r->from, r->to, msg_paint(stdout,
				    "31", "failed"), r->steps[i].name);
	} else
		buf_addf(&b, "%s%s\n", msg_paint(stdout, "32",
		    "the live upgrade worked"), o->downgrade ?
		    ", and the downgrade" : "");
	sv_out_write(b.s, b.len);
	buf_release(&b);
}

/* ---- JSON ---- */

static void
set_str_or_null(struct sv_json *o, const char *key, const char *v)
{
	if (v != NULL)
		sv_json_set_bytes(o, key, v);
	else
		sv_json_set_null(o, key);
}

static void
print_json(const struct sv_tryup *r, const struct sv_tryup_opts *o)
{
	struct sv_json *doc = sv_out_json_doc("try-upgrade");
	struct sv_json *steps = sv_json_array(), *rels = sv_json_array();
	size_t i;

	sv_json_set_bool(doc, "ok", r->failed < 0);
	sv_json_set_str(doc, "release", r->release);
	sv_json_set_str(doc, "from", r->from);
	sv_json_set_str(doc, "to", r->to);
	sv_json_set_str(doc, "boot", r->boot);
	set_str_or_null(doc, "node", r->node);
	set_str_or_null(doc, "probe", o->probe);
	sv_json_set_bool(doc, "downgrade", o->downgrade);
	sv_json_set_int(doc, "timeout", o->timeout);
	set_str_or_null(doc, "failed_step", r->failed >= 0 ?
	    r->steps[r->failed].name : NULL);
	set_str_or_null(doc, "error", r->failed >= 0 ?
	    r->steps[r->failed].detail : NULL);
	for (i = 0; i < r->nsteps; i++) {
		const struct sv_tryup_step *s = &r->steps[i];
		struct sv_json *j = sv_json_object();

		sv_json_set_str(j, "name", s->name);
		sv_json_set_str(j, "status", sv_tryup_state_name(s->state));
		if (s->state != SV_TRYUP_SKIPPED)
			sv_json_set_num(j, "seconds",
			    (double)(long long)(s->seconds * 1000 + 0.5) / 1000);
		else
			sv_json_set_null(j, "seconds");
		set_str_or_null(j, "detail", s->detail);
		sv_json_push(steps, j);
	}
	sv_json_set(doc, "steps", steps);
	if (r->releases != NULL) {
		char *copy = xstrdup(r->releases), *tok, *save = NULL;

		for (tok = strtok_r(copy, " ", &save); tok != NULL;
		    tok = strtok_r(NULL, " ", &save)) {
			struct sv_json *j = sv_json_object();
			char *colon = strrchr(tok, ':');

			if (colon == NULL) {
				sv_json_free(j);
				continue;
			}
			*colon = '\0';
			sv_json_set_bytes(j, "version", tok);
			sv_json_set_str(j, "status", colon + 1);
			sv_json_push(rels, j);
		}
		free(copy);
	}
	sv_json_set(doc, "releases", rels);
	set_str_or_null(doc, "node_log", r->node_log);
	set_str_or_null(doc, "probe_log", r->probe_log);
	set_str_or_null(doc, "dir", r->dir);
	sv_out_json(doc);
}

/* ---- the command ---- */

/* ARGS split at blanks into o. */
static void
split_args(const char *s, struct sv_tryup_opts *o)
{
	size_t alloc = 0;

	while (s != NULL && *s) {
		size_t n;

		s += strspn(s, " \t\n");
		if ((n = strcspn(s, " \t\n")) == 0)
			break;
		xgrow(&o->erl_args, &alloc, o->n_erl_args + 1,
		    sizeof(*o->erl_args));
		o->erl_args[o->n_erl_args++] = xstrndup(s, n);
		s += n;
	}
}

static int
run(struct sv_ctx *ctx, const struct sv_args *a)
{
	const struct try_upgrade_opts *opt = a->opts;
	const char *timeout = opt->timeout, *probe = opt->probe;
	struct sv_tryup_opts o;
	struct sv_tryup r;
	struct sv_err e;
	int status;

	sv_err_init(&e);
	sv_tryup_init(&r);
	memset(&o, 0, sizeof(o));
	o.old_pkg = a->argv[0];
	o.new_pkg = a->argv[1];
	o.downgrade = opt->downgrade;
	o.keep = opt->keep;
	o.timeout = DEFAULT_TIMEOUT;
	if (timeout != NULL) {
		char *end;
		unsigned long v = strtoul(timeout, &end, 10);

		if (*timeout < '0' || *timeout > '9' || *end != '\0' ||
		    v < 1 || v > MAX_TIMEOUT) {
			status = sv_err_set(&e, SV_USAGE, "invalid --timeout "
			    "'%s' (expected whole seconds from 1 to %d)", timeout,
			    MAX_TIMEOUT);
			goto fail;
		}
		o.timeout = (unsigned)v;
	}
	if (probe != NULL && probe[strspn(probe, " \t\n")] == '\0') {
		status = sv_err_set(&e, SV_USAGE, "--probe needs a command");
		goto fail;
	}
	o.probe = probe;
	split_args(opt->erl_args, &o);
	if ((status = sv_tryup_run(&r, &o, &e)))
		goto fail;
	if (ctx->json)
		print_json(&r, &o);
	else
		print_human(&r, &o, ctx->quiet);
	status = r.failed >= 0 ? SV_NO : SV_OK;
	goto out;
fail:
	sv_out_error(a->cmd, &e);
out:
	sv_strv_free(o.erl_args, o.n_erl_args);
	/* Everything is stopped and removed: now the signal may end us. */
	if (r.signal) {
		fflush(stdout);
		signal(r.signal, SIG_DFL);
		raise(r.signal);
	}
	sv_tryup_release(&r);
	return status;
}

const struct sv_command sv_cmd_try_upgrade = {
	.name = "try-upgrade",
	.summary = "try a live upgrade between two release packages on a "
	    "node of its own",
	.args = "OLD_PKG NEW_PKG",
	.min_args = 2,
	.max_args = 2,
	.arg_complete = SV_COMPLETE_FILE,
	.flags = 0,
	.options = options,
	.opts_size = sizeof(struct try_upgrade_opts),
	.run = run,
};
