/*
 * check - the pre-merge check: may CANDIDATE go out over the deployed
 * release at the version it claims? (see otp/check.h for the rules)
 *
 * The base is a release root, a release package, or NAME@VERSION /
 * NAME@latest in the store (fetched, every digest checked, into a
 * temporary file). Findings go to stdout, one line each; the exit status
 * is 1 if there is an error among them. Under GitHub Actions
 * (GITHUB_ACTIONS=true) the findings are also annotations, a Markdown
 * report is appended to $GITHUB_STEP_SUMMARY and the step's outputs to
 * $GITHUB_OUTPUT.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "adapt/json.h"
#include "base/buf.h"
#include "base/msg.h"
#include "base/outfile.h"
#include "base/xalloc.h"
#include "cli/explain.h"
#include "cli/output.h"
#include "core/fetch.h"
#include "core/rules.h"
#include "core/store.h"
#include "otp/check.h"

/* The options, as the table below binds them. */
struct check_opts {
	const char *base;
	const char *version;
	bool explain;
	const char *store;
	struct sv_strlist trust;
};

static const struct sv_option options[] = {
	{ "base", 'b', "BASE", "the deployed release: a release root, a "
	  "package, or NAME@VERSION or NAME@latest in the store (required)",
	  SV_COMPLETE_FILE, NULL, false, SV_STRING(struct check_opts, base) },
	{ "version", 0, "VSN", "the candidate's release version (default: "
	  "the one CANDIDATE names in start_erl.data)", SV_COMPLETE_NONE,
	  NULL, false, SV_STRING(struct check_opts, version) },
	{ "explain", 0, NULL, "print each changed module's level with the "
	  "evidence for it", SV_COMPLETE_NONE, NULL, false,
	  SV_FLAG(struct check_opts, explain) },
	SV_OPT_STORE(struct check_opts),
	SV_OPT_TRUST(struct check_opts),
	SV_OPT_END
};

/* GitHub shows at most 10 annotations of each kind per step. */
#define GH_MAX_ANNOTATIONS 10

/* The base as a path: itself, or fetched from the store into tmpdir. */
static int
base_path(struct sv_ctx *ctx, const struct sv_args *a, const char *base,
    char **tmpdir, char **path, struct sv_err *e)
{
	const struct check_opts *opt = a->opts;
	struct sv_fetch_request req;
	struct sv_fetch_result r;
	struct sv_store *s = NULL;
	char *name = NULL, *version = NULL;
	struct stat st;
	struct buf out;
	int status;

	*path = NULL;
	if (stat(base, &st) == 0 || strchr(base, '@') == NULL) {
		*path = xstrdup(base);
		return SV_OK;
	}
	sv_fetch_result_init(&r);
	buf_init(&out);
	if ((status = sv_release_ref_parse(base, &name, &version, e)) ||
	    (status = sv_ctx_store(ctx, opt->store, &opt->trust, SV_STORE_READ, &s, e)) ||
	    (status = sv_tmpdir_make("check", tmpdir, e)))
		goto out;
	buf_addf(&out, "%s/base.tar.gz", *tmpdir);
	memset(&req, 0, sizeof(req));
	req.name = name;
	req.version = version;
	req.output = out.s;
	req.max_size = SV_EXTRACT_MAX_DEFAULT;
	/* Whatever its compression: packages are read by content. */
	if ((status = sv_fetch(s, &req, &r, e)))
		goto out;
	*path = buf_detach(&out);
out:
	sv_store_close(s);
	sv_fetch_result_release(&r);
	buf_release(&out);
	free(name);
	free(version);
	return status;
}

/* ---- plain text and JSON ---- */

static void
print_human(const struct sv_check *c)
{
	struct buf b;
	size_t i;

	buf_init(&b);
	for (i = 0; i < c->n; i++) {
		const struct sv_check_finding *f = &c->v[i];
		const char *word = f->warning ? "warning" : "error";

		buf_addf(&b, "%s: %s\n", msg_paint(stdout, f->warning ?
		    "33" : "31", word), f->message);
	}
	buf_addf(&b, "%s %s -> %s: ", c->release, c->base_version, c->version);
	if (c->nerrors > 0)
		buf_addf(&b, "%zu problem%s", c->nerrors, c->nerrors == 1 ?
		    "" : "s");
	else
		buf_addf(&b, "ok, a %s bump", sv_level_name(c->bump.level));
	for (i = 0; i < c->n && c->v[i].kind != SV_CHECK_UNBUMPED; i++)
		;
	buf_addf(&b, "; the %schange needs %s", i < c->n ? "rest of the " :
	    "", c->required == SV_LEVEL_NONE ? "nothing" :
	    sv_level_name(c->required));
	if (c->relup == SV_CHECK_RELUP_MADE)
		buf_addf(&b, "; relup made (%zu instructions up, %zu down)",
		    c->relup_up, c->relup_down);
	else if (c->relup == SV_CHECK_RELUP_SKIPPED)
		buf_adds(&b, "; no relup (the node restarts)");
	buf_addc(&b, '\n');
	sv_out_write(b.s, b.len);
	buf_release(&b);
}

static void
set_str_or_null(struct sv_json *o, const char *key, const char *v)
{
	if (v != NULL)
		sv_json_set_str(o, key, v);
	else
		sv_json_set_null(o, key);
}

static void
print_json(const struct sv_check *c, bool explain)
{
	struct sv_json *doc = sv_out_json_doc("check");
	struct sv_json *errs = sv_json_array(), *warns = sv_json_array();
	size_t i;

	sv_json_set_bool(doc, "ok", c->nerrors == 0);
	sv_json_set_str(doc, "release", c->release);
	sv_json_set_str(doc, "base_version", c->base_version);
	sv_json_set_str(doc, "version", c->version);
	set_str_or_null(doc, "bump", c->bump_known ?
	    sv_transition_name(c->bump.kind) : NULL);
	sv_json_set_str(doc, "required", sv_level_name(c->required));
	if (c->required_subject != NULL) {
		struct sv_json *by = sv_json_object();

		sv_json_set_str(by, "subject", c->required_subject);
		sv_json_set_str(by, "reason", c->required_reason);
		sv_json_set(doc, "required_by", by);
	} else {
		sv_json_set_null(doc, "required_by");
	}
	sv_json_set_str(doc, "relup", sv_check_relup_name(c->relup));
	if (explain)
		sv_json_set(doc, "explain", sv_out_explain_json(&c->explain));
	for (i = 0; i < c->n; i++) {
		const struct sv_check_finding *f = &c->v[i];
		struct sv_json *o = sv_json_object();

		sv_json_set_str(o, "kind", sv_check_kind_name(f->kind));
		sv_json_set_str(o, "subject", f->subject);
		if (f->file != NULL)
			sv_json_set_bytes(o, "file", f->file);
		else
			sv_json_set_null(o, "file");
		sv_json_set_str(o, "message", f->message);
		sv_json_push(f->warning ? warns : errs, o);
	}
	sv_json_set(doc, "errors", errs);
	sv_json_set(doc, "warnings", warns);
	sv_out_json(doc);
}

/* ---- GitHub Actions ---- */

/* Workflow-command escaping: of the message, and (more) of a property. */
static void
gh_escape(struct buf *b, const char *s, bool property)
{
	for (; *s; s++) {
		if (*s == '%')
			buf_adds(b, "%25");
		else if (*s == '\r')
			buf_adds(b, "%0D");
		else if (*s == '\n')
			buf_adds(b, "%0A");
		else if (property && *s == ':')
			buf_adds(b, "%3A");
		else if (property && *s == ',')
			buf_adds(b, "%2C");
		else
			buf_addc(b, *s);
	}
}

/* A file as GitHub wants it: relative to the workspace, if inside. */
static const char *
gh_file(const char *file, struct buf *scratch)
{
	const char *ws = getenv("GITHUB_WORKSPACE");
	char *real;
	size_t n;

	if (file == NULL)
		return NULL;
	if (file[0] != '/')
		return file;
	if (ws == NULL || *ws == '\0' || (real = realpath(ws, NULL)) == NULL)
		return NULL;
	n = strlen(real);
	buf_reset(scratch);
	if (strncmp(file, real, n) == 0 && file[n] == '/')
		buf_adds(scratch, file + n + 1);
	free(real);
	return scratch->len > 0 ? scratch->s : NULL;
}

static void
gh_annotations(const struct sv_check *c, struct buf *out)
{
	struct buf scratch;
	size_t i, shown[2] = { 0, 0 }, total[2];

	buf_init(&scratch);
	total[0] = c->nerrors;
	total[1] = c->nwarnings;
	for (i = 0; i < c->n; i++) {
		const struct sv_check_finding *f = &c->v[i];
		int w = f->warning;
		const char *file;

		bool rest = shown[w] == GH_MAX_ANNOTATIONS - 1 &&
		    total[w] > GH_MAX_ANNOTATIONS;

		if (shown[w] == GH_MAX_ANNOTATIONS)
			continue;
		shown[w]++;
		buf_addf(out, "::%s ", w ? "warning" : "error");
		if (rest) {
			/* The last one stands for the rest. */
			buf_addf(out, "title=smoothver check::%zu more %s: see "
			    "the job summary\n", total[w] - shown[w] + 1,
			    w ? "warnings" : "errors");
			continue;
		}
		if ((file = gh_file(f->file, &scratch)) != NULL) {
			buf_adds(out, "file=");
			gh_escape(out, file, true);
			buf_adds(out, ",");
		}
		buf_adds(out, "title=smoothver check::");
		gh_escape(out, f->message, false);
		buf_addc(out, '\n');
	}
	buf_release(&scratch);
}

/* Markdown table cells: no pipes or newlines. */
static void
md_cell(struct buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			buf_adds(b, "\\|");
		else if (*s == '\n' || *s == '\r')
			buf_addc(b, ' ');
		else if (*s == '`')
			buf_addc(b, '\'');
		else
			buf_addc(b, *s);
	}
}

static void
gh_summary(const struct sv_check *c, struct buf *out)
{
	size_t i;

	buf_addf(out, "### smoothver check: %s %s → %s: %s\n\n", c->release,
	    c->base_version, c->version, c->nerrors ? "❌ failed" : "✅ ok");
	buf_addf(out, "| | |\n|---|---|\n| bump | %s |\n| required | %s |\n",
	    c->bump_known ? sv_transition_name(c->bump.kind) : "unknown",
	    sv_level_name(c->required));
	if (c->required_subject != NULL) {
		buf_adds(out, "| required by | ");
		md_cell(out, c->required_subject);
		buf_adds(out, ": ");
		md_cell(out, c->required_reason);
		buf_adds(out, " |\n");
	}
	buf_addf(out, "| relup | %s |\n\n", sv_check_relup_name(c->relup));
	if (c->n == 0)
		return;
	buf_adds(out, "| | kind | subject | message |\n|---|---|---|---|\n");
	for (i = 0; i < c->n; i++) {
		const struct sv_check_finding *f = &c->v[i];

		buf_addf(out, "| %s | %s | ", f->warning ? "warning" : "error",
		    sv_check_kind_name(f->kind));
		md_cell(out, f->subject);
		buf_adds(out, " | ");
		md_cell(out, f->message);
		buf_adds(out, " |\n");
	}
	buf_addc(out, '\n');
}

/* Append to a file GitHub gave us (these are append-only by design). */
static int
gh_append(const char *var, const struct buf *b, struct sv_err *e)
{
	const char *path = getenv(var);
	size_t done = 0;
	int fd;

	if (path == NULL || *path == '\0')
		return SV_OK;
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0644)) < 0)
		return sv_err_set(e, SV_INPUT, "cannot open '%s' ($%s): %s",
		    path, var, strerror(errno));
	while (done < b->len) {
		ssize_t k = write(fd, b->s + done, b->len - done);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			int err = errno;

			close(fd);
			return sv_err_set(e, SV_INPUT, "cannot write '%s' ($%s): "
			    "%s", path, var, strerror(err));
		}
		done += (size_t)k;
	}
	if (close(fd) < 0)
		return sv_err_set(e, SV_INPUT, "cannot write '%s' ($%s): %s",
		    path, var, strerror(errno));
	return SV_OK;
}

/* A name=value line of $GITHUB_OUTPUT (values here never hold a
 * newline: versions and level names). */
static void
gh_output(struct buf *b, const char *name, const char *value)
{
	buf_addf(b, "%s=", name);
	for (; *value; value++)
		buf_addc(b, *value == '\n' || *value == '\r' ? ' ' : *value);
	buf_addc(b, '\n');
}

static int
github(const struct sv_check *c, bool json, struct sv_err *e)
{
	struct buf ann, sum, outs;
	int status;

	buf_init(&ann);
	buf_init(&sum);
	buf_init(&outs);
	/* With --json, stdout is the document alone. */
	if (!json) {
		gh_annotations(c, &ann);
		sv_out_write(ann.s, ann.len);
	}
	gh_summary(c, &sum);
	gh_output(&outs, "ok", c->nerrors == 0 ? "true" : "false");
	gh_output(&outs, "required-level", sv_level_name(c->required));
	gh_output(&outs, "version", c->version);
	gh_output(&outs, "base-version", c->base_version);
	if ((status = gh_append("GITHUB_STEP_SUMMARY", &sum, e)) == SV_OK)
		status = gh_append("GITHUB_OUTPUT", &outs, e);
	buf_release(&ann);
	buf_release(&sum);
	buf_release(&outs);
	return status;
}

static int
run(struct sv_ctx *ctx, const struct sv_args *a)
{
	const struct check_opts *opt = a->opts;
	const char *base = opt->base, *gha = getenv("GITHUB_ACTIONS");
	char *tmpdir = NULL, *bpath = NULL;
	struct sv_rules rules;
	struct sv_check c;
	struct sv_err e;
	int status;

	sv_err_init(&e);
	sv_rules_init(&rules);
	sv_check_init(&c);
	if (base == NULL) {
		status = sv_err_set(&e, SV_USAGE, "'check' needs --base BASE, "
		    "the deployed release");
		goto fail;
	}
	sv_ctx_rules(ctx, &rules);
	if ((status = base_path(ctx, a, base, &tmpdir, &bpath, &e)) ||
	    (status = sv_check_run(&c, bpath, a->argv[0],
	    opt->version, &rules, &e)))
		goto fail;
	if (ctx->json)
		print_json(&c, opt->explain);
	else if (!ctx->quiet || c.n > 0)
		print_human(&c);
	if (!ctx->json && opt->explain)
		sv_out_explain(&c.explain, "");
	if (gha != NULL && strcmp(gha, "true") == 0 &&
	    (status = github(&c, ctx->json, &e)))
		goto fail;
	status = c.nerrors > 0 ? SV_NO : SV_OK;
	goto out;
fail:
	sv_out_error(a->cmd, &e);
out:
	sv_tmpdir_remove(tmpdir);
	free(bpath);
	sv_check_release(&c);
	sv_rules_release(&rules);
	return status;
}

const struct sv_command sv_cmd_check = {
	.name = "check",
	.summary = "check that a build may go out over the deployed release",
	.args = "CANDIDATE",
	.min_args = 1,
	.max_args = 1,
	.arg_complete = SV_COMPLETE_DIR,
	.flags = SV_CMD_REPO_OPT,
	.options = options,
	.opts_size = sizeof(struct check_opts),
	.run = run,
};
