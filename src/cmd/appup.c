/*
 * appup - generate the .appup files for an upgrade between two builds of
 * an OTP release.
 *
 * OLD and NEW are release roots or release packages; or one root holding
 * both versions, with --from and --to. Prints the appups, or writes them
 * into NEW (--write) or a directory (--out). Hand-written appups in NEW
 * are kept and checked to cover every changed module.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/msg.h"
#include "base/outfile.h"
#include "base/xalloc.h"
#include "cli/explain.h"
#include "cli/output.h"
#include "otp/appup.h"
#include "otp/appupfile.h"
#include "otp/input.h"

/* The options, as the table below binds them. */
struct appup_opts {
	const char *from;
	const char *to;
	bool write;
	const char *out;
	const char *purge;
	bool merge;
	bool explain;
};

static const struct sv_option options[] = {
	{ "from", 0, "VSN", "the old release version (default: the one OLD "
	  "names in start_erl.data)", SV_COMPLETE_NONE, NULL, false,
	  SV_STRING(struct appup_opts, from) },
	{ "to", 0, "VSN", "the new release version (default: the one NEW "
	  "names)", SV_COMPLETE_NONE, NULL, false,
	  SV_STRING(struct appup_opts, to) },
	{ "write", 'w', NULL, "write each appup into NEW's "
	  "lib/APP-VSN/ebin", SV_COMPLETE_NONE, NULL, false,
	  SV_FLAG(struct appup_opts, write) },
	{ "out", 'o', "DIR", "write the appups into DIR instead",
	  SV_COMPLETE_DIR, NULL, false, SV_STRING(struct appup_opts, out) },
	{ "purge", 0, "SPEC", "purge methods, e.g. "
	  "\"default=soft;mod_a=soft/brutal\" (default: brutal)",
	  SV_COMPLETE_NONE, NULL, false, SV_STRING(struct appup_opts, purge) },
	{ "merge", 0, NULL, "complete hand-written appups that miss changed "
	  "modules instead of failing", SV_COMPLETE_NONE, NULL, false,
	  SV_FLAG(struct appup_opts, merge) },
	{ "explain", 0, NULL, "also print each changed module's level with "
	  "the evidence for it (as Erlang comments)", SV_COMPLETE_NONE, NULL,
	  false, SV_FLAG(struct appup_opts, explain) },
	SV_OPT_END
};

static struct sv_json *
strv_json(char **v, size_t n)
{
	struct sv_json *a = sv_json_array();
	size_t i;

	for (i = 0; i < n; i++)
		sv_json_push(a, sv_json_string(v[i]));
	return a;
}

/* The instructions of m one way, each written flat, ", " between. */
static void
instrs_text(struct buf *text, const struct sv_otp_modchange *m, bool up)
{
	struct sv_term *l = sv_term_list();
	size_t i;

	sv_otp_modchange_push(m, up, l);
	buf_reset(text);
	for (i = 0; i < l->n; i++) {
		if (i)
			buf_adds(text, ", ");
		sv_term_write_flat(text, l->v[i]);
	}
	sv_term_free(l);
}

static void
print_json(const struct sv_otp_upgrade *u, const struct sv_otp_input *newin,
    const char *const *written, const char *out_dir,
    const struct sv_otp_explain *x)
{
	struct sv_json *doc = sv_out_json_doc("appup");
	struct sv_json *apps = sv_json_array(), *reasons = sv_json_array();
	struct buf text;
	size_t i, j;

	buf_init(&text);
	sv_json_set_str(doc, "release", u->new->name);
	sv_json_set_str(doc, "from", u->old->vsn);
	sv_json_set_str(doc, "to", u->new->vsn);
	sv_json_set_str(doc, "level", sv_level_name(u->level));
	for (i = 0; i < u->nreasons; i++) {
		struct sv_json *r = sv_json_object();

		sv_json_set_str(r, "level", sv_level_name(u->reasons[i].level));
		sv_json_set_str(r, "subject", u->reasons[i].subject);
		sv_json_set_str(r, "reason", u->reasons[i].reason);
		sv_json_push(reasons, r);
	}
	sv_json_set(doc, "reasons", reasons);
	for (i = 0; i < u->napps; i++) {
		const struct sv_otp_appchange *a = &u->apps[i];
		struct sv_json *o = sv_json_object(), *mods = sv_json_array();

		sv_json_set_str(o, "name", a->name);
		sv_json_set_str(o, "change", sv_otp_app_change_name(a->change));
		sv_json_set_str(o, "from", a->old_vsn);
		sv_json_set_str(o, "to", a->new_vsn);
		if (a->change != SV_OTP_APP_UPGRADED) {
			sv_json_set_str(o, "level", "relup");
			sv_json_push(apps, o);
			sv_json_free(mods);
			continue;
		}
		sv_json_set_str(o, "level", sv_level_name(a->level));
		sv_json_set_str(o, "source", sv_otp_appup_source_name(a->source));
		sv_json_set_bytes(o, "path", sv_otp_input_shown(newin, a->appup_path));
		if (written[i] != NULL)
			sv_json_set_bytes(o, "written", written[i]);
		else
			sv_json_set_null(o, "written");
		sv_json_set_str(o, "stale", a->stale);
		for (j = 0; j < a->nmods; j++) {
			const struct sv_otp_modchange *m = &a->mods[j];
			struct sv_json *mo = sv_json_object();

			sv_json_set_str(mo, "module", m->module);
			sv_json_set_str(mo, "change",
			    sv_otp_mod_change_name(m->change));
			sv_json_set_str(mo, "level", sv_level_name(m->level));
			sv_json_set_str(mo, "reason", m->reason);
			instrs_text(&text, m, true);
			sv_json_set_str(mo, "up", text.s);
			instrs_text(&text, m, false);
			sv_json_set_str(mo, "down", text.s);
			sv_json_push(mods, mo);
		}
		sv_json_set(o, "modules", mods);
		sv_json_set(o, "gaps_up", strv_json(a->gaps_up, a->ngaps_up));
		sv_json_set(o, "gaps_down", strv_json(a->gaps_down,
		    a->ngaps_down));
		buf_reset(&text);
		sv_otp_appup_text(a, &text);
		sv_json_set_str(o, "appup", text.s);
		sv_json_push(apps, o);
	}
	sv_json_set(doc, "apps", apps);
	if (out_dir != NULL)
		sv_json_set_bytes(doc, "out", out_dir);
	else
		sv_json_set_null(doc, "out");
	if (x != NULL)
		sv_json_set(doc, "explain", sv_out_explain_json(x));
	sv_out_json(doc);
	buf_release(&text);
}

static int
run(struct sv_ctx *ctx, const struct sv_args *a)
{
	const struct appup_opts *opt = a->opts;
	struct sv_otp_input oldin, newin;
	struct sv_otp_options opts;
	struct sv_otp_upgrade u;
	struct sv_otp_explain x;
	const char *from = opt->from, *to = opt->to;
	const char *out_dir = opt->out;
	const char *newpath = a->argc == 2 ? a->argv[1] : a->argv[0];
	bool do_write = opt->write;
	char **written = NULL;
	struct buf line;
	struct sv_err e;
	size_t i;
	int status;

	sv_err_init(&e);
	buf_init(&line);
	sv_otp_input_init(&oldin);
	sv_otp_input_init(&newin);
	sv_otp_options_init(&opts);
	sv_otp_upgrade_init(&u);
	sv_otp_explain_init(&x);
	opts.merge = opt->merge;
	if (a->argc == 1 && (from == NULL || to == NULL)) {
		status = sv_err_set(&e, SV_USAGE, "'appup' needs OLD NEW (or "
		    "one OTP release root with --from and --to)");
		goto fail;
	}
	if (do_write && out_dir != NULL) {
		status = sv_err_set(&e, SV_USAGE, "--write and --out exclude "
		    "each other");
		goto fail;
	}
	if (opt->purge != NULL &&
	    (status = sv_otp_purge_parse(&opts, opt->purge, &e)))
		goto fail;
	{
		struct sv_otp_input *const ins[2] = { &oldin, &newin };
		const char *const paths[2] = { a->argv[0], newpath };
		const char *const vsns[2] = { from, to };

		if ((status = sv_otp_inputs_open(ins, paths, vsns, 2, &e)))
			goto fail;
	}
	if (do_write && newin.tmpdir != NULL) {
		status = sv_err_set(&e, SV_USAGE, "--write needs NEW to be a "
		    "release root, not a package ('%s'); use --out DIR",
		    newpath);
		goto fail;
	}
	if ((status = sv_otp_inputs_same_release(&oldin, a->argv[0], &newin,
	    newpath, &e)) ||
	    (status = sv_otp_upgrade_plan(&u, &oldin.rel, &newin.rel, &opts,
	    &e)) ||
	    (status = sv_otp_upgrade_gaps_check(&u, &newin, &e)))
		goto fail;
	for (i = 0; i < u.nwarnings; i++)
		msg_warn("%s", u.warnings[i]);
	written = xcalloc(u.napps + 1, sizeof(*written));
	if ((do_write || out_dir != NULL) &&
	    (status = sv_otp_appups_write(&u, out_dir, written, &e)))
		goto fail;
	if (opt->explain)
		sv_otp_explain_take(&x, &u);
	if (ctx->json) {
		print_json(&u, &newin, (const char *const *)written, out_dir,
		    opt->explain ? &x : NULL);
	} else if (!ctx->quiet && (do_write || out_dir != NULL)) {
		sv_otp_appups_written_text(&u, &newin, written, out_dir, &line);
		sv_out_write(line.s, line.len);
	} else if (!ctx->quiet) {
		for (i = 0; i < u.napps; i++) {
			const struct sv_otp_appchange *c = &u.apps[i];

			buf_reset(&line);
			if (c->change == SV_OTP_APP_ADDED)
				buf_addf(&line, "%%%% %s %s added: the relup "
				    "starts it (add_application)\n", c->name,
				    c->new_vsn);
			else if (c->change == SV_OTP_APP_REMOVED)
				buf_addf(&line, "%%%% %s %s removed: the relup "
				    "stops it (remove_application)\n", c->name,
				    c->old_vsn);
			else
				sv_otp_appup_text(c, &line);
			sv_out_write(line.s, line.len);
		}
	}
	if (!ctx->json && opt->explain)
		sv_out_explain(&x, "%% ");
	status = SV_OK;
	goto out;
fail:
	sv_out_error(a->cmd, &e);
out:
	if (written != NULL)
		sv_strv_free(written, u.napps);
	sv_otp_explain_release(&x);
	sv_otp_upgrade_release(&u);
	sv_otp_options_release(&opts);
	sv_otp_input_release(&oldin);
	sv_otp_input_release(&newin);
	buf_release(&line);
	return status;
}

const struct sv_command sv_cmd_appup = {
	.name = "appup",
	.summary = "generate the .appup files for an OTP release upgrade",
	.args = "OLD [NEW]",
	.min_args = 1,
	.max_args = 2,
	.arg_complete = SV_COMPLETE_FILE,
	.options = options,
	.opts_size = sizeof(struct appup_opts),
	.run = run,
};
