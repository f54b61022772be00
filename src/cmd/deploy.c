/*
 * deploy - the node side: bootstrap a release root from a store, or
 * follow the store's latest pointer with the node that runs from it
 * (see otp/deploy.h). One line per event on stdout (with --json one
 * JSON object per line, smoothver.deploy-event/1), flushed as it
 * happens. Exit status 5 when latest needs a restart, 6 when an
 * upgrade failed and was rolled back (with --once).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adapt/json.h"
#include "base/buf.h"
#include "base/outfile.h"
#include "base/xalloc.h"
#include "cli/output.h"
#include "cli/parse.h"
#include "core/fetch.h"
#include "otp/deploy.h"

/* The options, as the table below binds them. */
struct deploy_opts {
	const char *root;
	const char *store;
	struct sv_strlist trust;
	bool follow;
	bool once;
	const char *interval;
	const char *probe;
	const char *on_restart;
	const char *node;
	const char *cookie_file;
	const char *timeout;
	const char *max_size;
};

static const struct sv_option options[] = {
	{ "root", 'r', "DIR", "the release root: bootstrap fills it, follow "
	  "upgrades the node that runs from it (required)", SV_COMPLETE_DIR,
	  NULL, false, SV_STRING(struct deploy_opts, root) },
	SV_OPT_STORE(struct deploy_opts),
	SV_OPT_TRUST(struct deploy_opts),
	{ "follow", 'f', NULL, "follow the store's NAME-latest with the "
	  "running node instead of bootstrapping", SV_COMPLETE_NONE, NULL,
	  false, SV_FLAG(struct deploy_opts, follow) },
	{ "once", 0, NULL, "with --follow: look once, upgrade if latest moved, "
	  "and exit", SV_COMPLETE_NONE, NULL, false,
	  SV_FLAG(struct deploy_opts, once) },
	{ "interval", 0, "TIME", "with --follow: the time between looks, such "
	  "as 30s, 5m or 500ms (default: 30s)", SV_COMPLETE_NONE, NULL,
	  false, SV_STRING(struct deploy_opts, interval) },
	{ "probe", 0, "CMD", "a shell command run after install_release; the "
	  "upgrade is made permanent only if it exits 0, else rolled back",
	  SV_COMPLETE_NONE, NULL, false,
	  SV_STRING(struct deploy_opts, probe) },
	{ "on-restart", 0, "CMD", "a shell command run when latest cannot be "
	  "taken live (instead of exiting with status 5)", SV_COMPLETE_NONE,
	  NULL, false, SV_STRING(struct deploy_opts, on_restart) },
	{ "node", 0, "NODE", "the node, NAME@HOST or a short name (default: "
	  "the release's, from RELEASE_NODE or vm.args)", SV_COMPLETE_NONE,
	  NULL, false, SV_STRING(struct deploy_opts, node) },
	{ "cookie-file", 0, "FILE", "the node's cookie (default: "
	  "RELEASE_COOKIE, vm.args, releases/COOKIE, ~/.erlang.cookie)",
	  SV_COMPLETE_FILE, NULL, false,
	  SV_STRING(struct deploy_opts, cookie_file) },
	{ "timeout", 0, "TIME", "the limit of each call to the node and of "
	  "the probe (default: 60s)", SV_COMPLETE_NONE, NULL, false,
	  SV_STRING(struct deploy_opts, timeout) },
	{ "max-size", 0, "SIZE", "bootstrap: refuse to extract more than SIZE "
	  "bytes (suffixes K, M, G, T; default 16G)", SV_COMPLETE_NONE, NULL,
	  false, SV_STRING(struct deploy_opts, max_size) },
	SV_OPT_END
};

#define DEFAULT_INTERVAL 30.0
#define DEFAULT_TIMEOUT 60.0

struct out {
	struct sv_ctx *ctx;
	bool follow;
};

/* Events a -q run still prints: what needs someone's attention. */
static bool
loud(const char *event)
{
	static const char *const v[] = { "failed", "rolled-back",
	    "restart-needed", "on-restart", "unreachable", "error", "locked",
	    NULL };
	size_t i;

	for (i = 0; v[i] != NULL; i++)
		if (strcmp(v[i], event) == 0)
			return true;
	return false;
}

static void
report(void *data, const struct sv_deploy_event *ev)
{
	struct out *o = data;
	char when[32];
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (o->ctx->json) {
		struct sv_json *j = sv_out_json_doc("deploy-event");
		char *text;

		sv_json_set_str(j, "time", when);
		sv_json_set_str(j, "event", ev->event);
		sv_json_set_bytes(j, "message", ev->message);
		sv_json_set_str(j, "name", ev->name);
		sv_json_set_str(j, "version", ev->version);
		sv_json_set_str(j, "from", ev->from);
		sv_json_set_bytes(j, "node", ev->node);
		sv_json_set_str(j, "level", ev->level);
		sv_json_set_bytes(j, "detail", ev->detail);
		sv_json_set_str(j, "package", ev->package);
		if (ev->bytes >= 0)
			sv_json_set_int(j, "bytes", ev->bytes);
		else
			sv_json_set_null(j, "bytes");
		if (ev->seconds >= 0)
			sv_json_set_num(j, "seconds", ev->seconds);
		else
			sv_json_set_null(j, "seconds");
		if (ev->status >= 0)
			sv_json_set_int(j, "status", ev->status);
		else
			sv_json_set_null(j, "status");
		text = sv_json_print(j);
		fputs(text, stdout);
		fputc('\n', stdout);
		free(text);
		sv_json_free(j);
	} else if (!o->ctx->quiet || loud(ev->event)) {
		if (o->follow)
			printf("%s %s\n", when, ev->message);
		else
			printf("%s\n", ev->message);
	}
	fflush(stdout);
}

/* The first line of the cookie file. */
static int
read_cookie(const char *path, char **out, struct sv_err *e)
{
	struct buf b;
	size_t n;
	int status;

	buf_init(&b);
	if ((status = sv_read_file(path, &b, 4096, e)))
		goto out;
	n = b.s ? strcspn(b.s, "\r\n") : 0;
	if (n == 0) {
		status = sv_err_set(e, SV_INPUT, "cookie file '%s' is empty",
		    path);
		goto out;
	}
	*out = xstrndup(b.s, n);
out:
	buf_release(&b);
	return status;
}

static bool
blank(const char *s)
{
	return s[strspn(s, " \t\n")] == '\0';
}

static int
run(struct sv_ctx *ctx, const struct sv_args *a)
{
	const struct deploy_opts *opt = a->opts;
	struct sv_deploy_opts o;
	struct sv_store *s = NULL;
	struct out out;
	struct sv_err e;
	char *name = NULL, *version = NULL, *cookie = NULL;
	bool follow = opt->follow;
	const struct {
		const char *name;
		bool given;
	} follow_only[] = {
		{ "once", opt->once }, { "interval", opt->interval != NULL },
		{ "probe", opt->probe != NULL },
		{ "on-restart", opt->on_restart != NULL },
		{ "node", opt->node != NULL },
		{ "cookie-file", opt->cookie_file != NULL },
		{ "timeout", opt->timeout != NULL },
	};
	size_t i;
	int status;

	sv_err_init(&e);
	memset(&o, 0, sizeof(o));
	o.interval = DEFAULT_INTERVAL;
	o.timeout = DEFAULT_TIMEOUT;
	o.max_size = SV_EXTRACT_MAX_DEFAULT;
	if ((o.root = opt->root) == NULL || *o.root == '\0') {
		status = sv_err_set(&e, SV_USAGE, "deploy needs --root DIR, the "
		    "release root");
		goto fail;
	}
	if (!follow && a->argc == 0) {
		status = sv_err_set(&e, SV_USAGE, "bootstrap needs the release: "
		    "smoothver deploy NAME[@VERSION] --root DIR");
		sv_err_hint(&e, "give --follow to follow a root's node");
		goto fail;
	}
	for (i = 0; !follow && i < sizeof(follow_only) /
	    sizeof(follow_only[0]); i++)
		if (follow_only[i].given) {
			status = sv_err_set(&e, SV_USAGE, "--%s applies to "
			    "--follow", follow_only[i].name);
			goto fail;
		}
	if (follow && opt->max_size) {
		status = sv_err_set(&e, SV_USAGE, "--max-size applies to a "
		    "bootstrap, not to --follow");
		goto fail;
	}
	if (a->argc > 0 && (status = sv_release_ref_parse(a->argv[0], &name,
	    &version, &e)))
		goto fail;
	if (follow && version != NULL) {
		status = sv_err_set(&e, SV_USAGE, "--follow follows the latest "
		    "version: give NAME without @%s", version);
		goto fail;
	}
	if ((opt->interval && (status = sv_parse_duration("interval",
	    opt->interval, 0.01, &o.interval, &e))) ||
	    (opt->timeout && (status = sv_parse_duration("timeout",
	    opt->timeout, 1, &o.timeout, &e))) ||
	    (opt->max_size && (status = sv_parse_size("max-size",
	    opt->max_size, &o.max_size, &e))) ||
	    (opt->cookie_file && (status = read_cookie(
	    opt->cookie_file, &cookie, &e))))
		goto fail;
	if ((o.probe = opt->probe) != NULL && blank(o.probe)) {
		status = sv_err_set(&e, SV_USAGE, "--probe needs a command");
		goto fail;
	}
	if ((o.on_restart = opt->on_restart) != NULL &&
	    blank(o.on_restart)) {
		status = sv_err_set(&e, SV_USAGE, "--on-restart needs a command");
		goto fail;
	}
	o.node = opt->node;
	o.cookie = cookie;
	o.once = opt->once;
	o.name = name;
	o.version = version;
	if ((status = sv_ctx_store(ctx, opt->store, &opt->trust, SV_STORE_READ, &s, &e)))
		goto fail;
	o.store = s;
	out.ctx = ctx;
	out.follow = follow;
	o.report = report;
	o.ctx = &out;
	status = follow ? sv_deploy_follow(&o, &e) : sv_deploy_bootstrap(&o,
	    &e);
	if (status)
		goto fail;
	goto done;
fail:
	sv_out_error(a->cmd, &e);
done:
	sv_store_close(s);
	free(name);
	free(version);
	free(cookie);
	return status;
}

const struct sv_command sv_cmd_deploy = {
	.name = "deploy",
	.summary = "bootstrap a release root from a store, or follow the "
	    "store's latest with the running node, live",
	.args = "[NAME[@VERSION]]",
	.min_args = 0,
	.max_args = 1,
	.arg_complete = SV_COMPLETE_NONE,
	.flags = SV_CMD_REPO_OPT,
	.options = options,
	.opts_size = sizeof(struct deploy_opts),
	.run = run,
};
