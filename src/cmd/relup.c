/*
 * relup - make the relup of an OTP release: the script release_handler
 * runs to upgrade a node from each base release (and to go back).
 *
 * NEW is the release root to upgrade to (or a package); the bases are the
 * OLD roots or packages, or the versions --from names, found in the OLDs
 * or in NEW's root (rebar3 keeps earlier releases there). Prints the relup
 * or writes it to NEW/releases/VSN/relup (--write) or a file (--output).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "adapt/json.h"
#include "base/buf.h"
#include "base/msg.h"
#include "base/xalloc.h"
#include "cli/output.h"
#include "otp/appupfile.h"
#include "otp/relup.h"
#include "otp/relupfile.h"

/* The options, as the table below binds them. */
struct relup_opts {
	const char *from;
	const char *to;
	bool write;
	const char *output;
	bool systools;
	const char *purge;
	bool merge;
	bool appups;
};

static const struct sv_option options[] = {
	{ "from", 0, "VSN[,VSN...]", "the base release versions, found in "
	  "OLD or NEW (default: each OLD's own)", SV_COMPLETE_NONE, NULL,
	  false, SV_STRING(struct relup_opts, from) },
	{ "to", 0, "VSN", "the release version to upgrade to (default: the "
	  "one NEW names)", SV_COMPLETE_NONE, NULL, false,
	  SV_STRING(struct relup_opts, to) },
	{ "write", 'w', NULL, "write NEW/releases/VSN/relup",
	  SV_COMPLETE_NONE, NULL, false, SV_FLAG(struct relup_opts, write) },
	{ "output", 'o', "FILE", "write the relup to FILE instead",
	  SV_COMPLETE_FILE, NULL, false,
	  SV_STRING(struct relup_opts, output) },
	{ "systools", 0, NULL, "translate NEW's appup files as they are, "
	  "exactly as systools:make_relup does (no code comparison, no "
	  "reboot scripts)", SV_COMPLETE_NONE, NULL, false,
	  SV_FLAG(struct relup_opts, systools) },
	{ "purge", 0, "SPEC", "purge methods for generated appup "
	  "instructions, as for appup", SV_COMPLETE_NONE, NULL, false,
	  SV_STRING(struct relup_opts, purge) },
	{ "merge", 0, NULL, "complete hand-written appups that miss changed "
	  "modules instead of failing", SV_COMPLETE_NONE, NULL, false,
	  SV_FLAG(struct relup_opts, merge) },
	{ "appups", 0, NULL, "also write the appup files the relup holds "
	  "into NEW, as appup --write does (one base, with --write)",
	  SV_COMPLETE_NONE, NULL, false, SV_FLAG(struct relup_opts, appups) },
	SV_OPT_END
};

/* The appups written with --appups, as appup --json names them. */
static struct sv_json *
appups_json(const struct sv_otp_upgrade *u, const struct sv_otp_input *newin,
    char *const *written)
{
	struct sv_json *v = sv_json_array();
	size_t i;

	for (i = 0; i < u->napps; i++) {
		const struct sv_otp_appchange *c = &u->apps[i];
		struct sv_json *o;

		if (c->change != SV_OTP_APP_UPGRADED)
			continue;
		o = sv_json_object();
		sv_json_set_str(o, "name", c->name);
		sv_json_set_str(o, "from", c->old_vsn);
		sv_json_set_str(o, "to", c->new_vsn);
		sv_json_set_str(o, "source", sv_otp_appup_source_name(c->source));
		sv_json_set_bytes(o, "path", sv_otp_input_shown(newin,
		    c->appup_path));
		if (written[i] != NULL)
			sv_json_set_bytes(o, "written", written[i]);
		else
			sv_json_set_null(o, "written");
		sv_json_push(v, o);
	}
	return v;
}

static void
print_json(const struct sv_otp_relup *r, const char *name, bool systools,
    const char *written, const char *text, struct sv_json *appups)
{
	struct sv_json *doc = sv_out_json_doc("relup");
	struct sv_json *bases = sv_json_array(), *warnings = sv_json_array();
	size_t i, j;

	sv_json_set_str(doc, "release", name);
	sv_json_set_str(doc, "to", r->vsn);
	for (i = 0; i < r->nsteps; i++) {
		const struct sv_otp_relup_step *s = &r->steps[i];
		struct sv_json *o = sv_json_object(), *apps = sv_json_array();

		sv_json_set_str(o, "from", s->vsn);
		sv_json_set_str(o, "kind", sv_otp_relup_kind_name(s->kind));
		if (systools)
			sv_json_set_null(o, "level");
		else
			sv_json_set_str(o, "level", sv_level_name(s->level));
		if (s->reason)
			sv_json_set_str(o, "reason", s->reason);
		else
			sv_json_set_null(o, "reason");
		for (j = 0; j < s->napps; j++)
			sv_json_push(apps, sv_json_string(s->apps[j]));
		sv_json_set(o, "apps", apps);
		sv_json_set_int(o, "up", (int64_t)s->nup);
		sv_json_set_int(o, "down", (int64_t)s->ndown);
		sv_json_push(bases, o);
	}
	sv_json_set(doc, "bases", bases);
	for (i = 0; i < r->nwarnings; i++)
		sv_json_push(warnings, sv_json_string(r->warnings[i]));
	sv_json_set(doc, "warnings", warnings);
	if (written)
		sv_json_set_bytes(doc, "file", written);
	else
		sv_json_set_null(doc, "file");
	if (written == NULL)
		sv_json_set_str(doc, "text", text);
	if (appups != NULL)
		sv_json_set(doc, "appups", appups);
	else
		sv_json_set_null(doc, "appups");
	sv_out_json(doc);
}

static void
print_human(const struct sv_otp_relup *r, const char *name,
    const char *written, const char *appups)
{
	struct buf b;
	size_t i, j;

	buf_init(&b);
	buf_adds(&b, appups);
	for (i = 0; i < r->nsteps; i++) {
		const struct sv_otp_relup_step *s = &r->steps[i];

		buf_addf(&b, "%s %s -> %s: ", name, s->vsn, r->vsn);
		if (s->kind == SV_OTP_RELUP_REBOOT) {
			buf_addf(&b, "reboot (%s)", s->reason ? s->reason :
			    "restart");
		} else {
			buf_adds(&b, "live");
			if (s->level != SV_LEVEL_NONE)
				buf_addf(&b, " (%s)", sv_level_name(s->level));
			if (s->napps > 0) {
				buf_adds(&b, ", appups of ");
				for (j = 0; j < s->napps; j++)
					buf_addf(&b, "%s%s", j ? ", " : "",
					    s->apps[j]);
			}
		}
		buf_addf(&b, "; %zu instructions up, %zu down\n", s->nup,
		    s->ndown);
	}
	buf_adds(&b, "wrote ");
	buf_adds(&b, written);
	buf_addc(&b, '\n');
	sv_out_write(b.s, b.len);
	buf_release(&b);
}

static int
run(struct sv_ctx *ctx, const struct sv_args *a)
{
	const struct relup_opts *opt = a->opts;
	struct sv_otp_relup_inputs in;
	struct sv_otp_relup_prewalk pw;
	struct sv_otp_options opts;
	struct sv_otp_relup_options ro;
	struct sv_otp_relup r;
	struct sv_otp_upgrade plan;
	const char *from = opt->from, *to = opt->to;
	const char *output = opt->output;
	const char *newpath = a->argv[a->argc - 1];
	bool do_write = opt->write, appups = opt->appups;
	char **vsns = NULL, *dest = NULL, **written = NULL;
	size_t nvsns = 0, i;
	struct buf text, lines;
	struct sv_err e;
	int status;

	sv_err_init(&e);
	buf_init(&text);
	buf_init(&lines);
	sv_otp_upgrade_init(&plan);
	sv_otp_relup_inputs_init(&in);
	sv_otp_options_init(&opts);
	sv_otp_relup_init(&r);
	memset(&ro, 0, sizeof(ro));
	memset(&pw, 0, sizeof(pw));
	opts.merge = opt->merge;
	ro.systools = opt->systools;
	ro.appup = &opts;
	if (a->argc == 1 && from == NULL) {
		status = sv_err_set(&e, SV_USAGE, "'relup' needs OLD... NEW (or "
		    "one OTP release root with --from)");
		goto fail;
	}
	if (do_write && output != NULL) {
		status = sv_err_set(&e, SV_USAGE, "--write and --output exclude "
		    "each other");
		goto fail;
	}
	if (ro.systools && (opt->purge || opts.merge)) {
		status = sv_err_set(&e, SV_USAGE, "--purge and --merge shape "
		    "generated appups; --systools reads the appup files as "
		    "they are");
		goto fail;
	}
	if (appups && (!do_write || ro.systools)) {
		status = sv_err_set(&e, SV_USAGE, "--appups writes the appups "
		    "it generates into NEW: it needs --write%s", ro.systools ?
		    ", and --systools generates none" : "");
		goto fail;
	}
	/* The builds are walked for the provenance while the releases are
	 * read. */
	if (do_write || output != NULL)
		sv_otp_relup_prewalk_start(&pw, newpath, a->argv,
		    (size_t)a->argc - 1);
	if ((opt->purge != NULL &&
	    (status = sv_otp_purge_parse(&opts, opt->purge, &e))) ||
	    (from != NULL &&
	    (status = sv_otp_relup_vsns(from, &vsns, &nvsns, &e))) ||
	    (status = sv_otp_relup_inputs_open(&in, newpath, to, a->argv,
	    (size_t)a->argc - 1, vsns, nvsns, &e)))
		goto fail;
	if (do_write && in.newin.tmpdir != NULL) {
		status = sv_err_set(&e, SV_USAGE, "--write needs NEW to be a "
		    "release root, not a package ('%s'); use --output FILE",
		    newpath);
		goto fail;
	}
	if (appups && in.nbases != 1) {
		status = sv_err_set(&e, SV_USAGE, "--appups needs exactly one "
		    "base release, not %zu: an appup written into NEW holds "
		    "the upgrade from one", in.nbases);
		goto fail;
	}
	if (appups)
		ro.plan = &plan;
	/* The provenance digests both builds: each is walked once, the
	 * plan trusting its module cache on what the walks saw, and the
	 * beams the plan reads are hashed as they are read, not read
	 * again. */
	if (do_write || output != NULL) {
		opts.memo = &in.memo;
		if ((status = sv_otp_relup_inputs_walk(&in, &pw, &e)))
			goto fail;
		opts.walks = in.walks;
		opts.nwalks = in.nwalks;
	}
	if ((status = sv_otp_relup_make(&r, &in.newin.rel, in.bases,
	    in.nbases, &ro, &e)))
		goto fail;
	for (i = 0; i < r.nwarnings; i++)
		msg_warn("%s", r.warnings[i]);
	/* The appups first: NEW's digest in the relup's provenance is of
	 * NEW with them, as after appup --write. */
	if (appups) {
		written = xcalloc(plan.napps + 1, sizeof(*written));
		if ((status = sv_otp_appups_write(&plan, NULL, written, &e)) ||
		    (status = sv_otp_relup_inputs_wrote(&in, written,
		    plan.napps, &e)))
			goto fail;
		sv_otp_appups_written_text(&plan, &in.newin, written, NULL,
		    &lines);
	}
	if (do_write) {
		buf_addf(&text, "%s/releases/%s/relup", in.newin.rel.root, r.vsn);
		dest = buf_detach(&text);
	} else if (output != NULL) {
		dest = xstrdup(output);
	}
	if (dest != NULL && (status = sv_otp_relup_write(&r, &in, dest, &e)))
		goto fail;
	/* the text again only for what prints it */
	if (ctx->json || dest == NULL)
		sv_otp_relup_text(&r, &text);
	if (ctx->json)
		print_json(&r, in.newin.rel.name, ro.systools, dest, text.s,
		    appups ? appups_json(&plan, &in.newin, written) : NULL);
	else if (dest == NULL)
		sv_out_write(text.s, text.len);
	else if (!ctx->quiet)
		print_human(&r, in.newin.rel.name, dest,
		    lines.s ? lines.s : "");
	status = SV_OK;
	goto out;
fail:
	sv_out_error(a->cmd, &e);
out:
	sv_otp_relup_prewalk_end(&pw);
	if (written != NULL)
		sv_strv_free(written, plan.napps);
	sv_otp_upgrade_release(&plan);
	buf_release(&lines);
	free(dest);
	sv_strv_free(vsns, nvsns);
	sv_otp_relup_release(&r);
	sv_otp_options_release(&opts);
	sv_otp_relup_inputs_release(&in);
	buf_release(&text);
	return status;
}

const struct sv_command sv_cmd_relup = {
	.name = "relup",
	.summary = "make the relup that upgrades a running OTP release",
	.args = "[OLD...] NEW",
	.min_args = 1,
	.max_args = -1,
	.arg_complete = SV_COMPLETE_FILE,
	.options = options,
	.opts_size = sizeof(struct relup_opts),
	.run = run,
};
