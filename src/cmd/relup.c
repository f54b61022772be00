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

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "adapt/json.h"
#include "base/buf.h"
#include "base/msg.h"
#include "base/outfile.h"
#include "core/index.h"
#include "base/xalloc.h"
#include "cli/output.h"
#include "otp/input.h"
#include "otp/relup.h"

static const struct sv_option options[] = {
	{ "from", 0, "VSN[,VSN...]", "the base release versions, found in "
	  "OLD or NEW (default: each OLD's own)", SV_COMPLETE_NONE, NULL,
	  false },
	{ "to", 0, "VSN", "the release version to upgrade to (default: the "
	  "one NEW names)", SV_COMPLETE_NONE, NULL, false },
	{ "write", 'w', NULL, "write NEW/releases/VSN/relup",
	  SV_COMPLETE_NONE, NULL, false },
	{ "output", 'o', "FILE", "write the relup to FILE instead",
	  SV_COMPLETE_FILE, NULL, false },
	{ "systools", 0, NULL, "translate NEW's appup files as they are, "
	  "exactly as systools:make_relup does (no code comparison, no "
	  "reboot scripts)", SV_COMPLETE_NONE, NULL, false },
	{ "purge", 0, "SPEC", "purge methods for generated appup "
	  "instructions, as for appup", SV_COMPLETE_NONE, NULL, false },
	{ "merge", 0, NULL, "complete hand-written appups that miss changed "
	  "modules instead of failing", SV_COMPLETE_NONE, NULL, false },
	SV_OPT_END
};

/* The opened OLDs and bases: each input is a heap object of its own, so
 * that growing the vector never moves one that a base points into. */
struct inputs {
	struct sv_otp_input **v;  /* owned, and each element */
	size_t n;
};

static struct sv_otp_input *
inputs_add(struct inputs *ins)
{
	struct sv_otp_input *in = xmalloc(sizeof(*in));

	sv_otp_input_init(in);
	ins->v = xrealloc(ins->v, (ins->n + 1) * sizeof(*ins->v));
	ins->v[ins->n++] = in;
	return in;
}

static void
inputs_release(struct inputs *ins)
{
	size_t i;

	for (i = 0; i < ins->n; i++) {
		sv_otp_input_release(ins->v[i]);
		free(ins->v[i]);
	}
	free(ins->v);
}

static bool
has_release(const char *root, const char *vsn)
{
	struct stat st;
	struct buf p;
	bool yes;

	buf_init(&p);
	buf_addf(&p, "%s/releases/%s", root, vsn);
	yes = stat(p.s, &st) == 0 && S_ISDIR(st.st_mode);
	buf_release(&p);
	return yes;
}

static bool
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Open the base release vsn: an opened OLD that is it, else the first
 * root (the OLDs, then NEW) that holds it. */
static int
open_base(struct inputs *ins, size_t nold, char **paths, size_t npaths,
    const char *vsn, struct sv_otp_release **out, struct sv_err *e)
{
	struct buf where;
	size_t i;
	int status;

	for (i = 0; i < nold; i++)
		if (strcmp(ins->v[i]->rel.vsn, vsn) == 0) {
			*out = &ins->v[i]->rel;
			return SV_OK;
		}
	for (i = 0; i < npaths; i++) {
		struct sv_otp_input *in;

		if (!is_dir(paths[i]) || !has_release(paths[i], vsn))
			continue;
		in = inputs_add(ins);
		if ((status = sv_otp_input_open(in, paths[i], vsn, e)))
			return status;
		*out = &in->rel;
		return SV_OK;
	}
	buf_init(&where);
	for (i = 0; i < npaths; i++)
		buf_addf(&where, "%s'%s'", i ? (i + 1 == npaths ? " or " : ", ") :
		    "", paths[i]);
	sv_err_set(e, SV_INPUT, "release %s not found in %s", vsn, where.s);
	buf_release(&where);
	return SV_INPUT;
}

/* The relup's provenance, as comment lines before it in a file (pack
 * copies them into the manifest, release_handler skips comments): what
 * each base came from and NEW, by digest. */
static int
provenance(struct buf *out, const struct inputs *ins, size_t nold,
    char **argv, const struct sv_otp_input *newin, const char *newpath,
    struct sv_otp_release **bases, size_t nbases, struct sv_err *e)
{
	unsigned char d[32];
	char hex[SV_SHA256_HEX];
	const char *kind;
	size_t i, k;
	int status;

	for (i = 0; i < nbases; i++) {
		const char *src = bases[i]->root;

		if (bases[i] == &newin->rel)
			src = newpath;
		for (k = 0; k < ins->n; k++)
			if (&ins->v[k]->rel == bases[i])
				src = k < nold ? argv[k] : ins->v[k]->rel.root;
		if ((status = sv_build_digest(src, &kind, d, e)))
			return status;
		sv_sha256_hex(d, hex);
		buf_addf(out, "%%%% smoothver derived-from %s %s %s\n",
		    bases[i]->vsn, kind, hex);
	}
	if ((status = sv_build_digest(newpath, &kind, d, e)))
		return status;
	sv_sha256_hex(d, hex);
	buf_addf(out, "%%%% smoothver derived-to %s %s %s\n", newin->rel.vsn,
	    kind, hex);
	return SV_OK;
}

static void
print_json(const struct sv_otp_relup *r, const char *name, bool systools,
    const char *written, const char *text)
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
	sv_out_json(doc);
}

static void
print_human(const struct sv_otp_relup *r, const char *name,
    const char *written)
{
	struct buf b;
	size_t i, j;

	buf_init(&b);
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

/* Split a comma-separated list (empty items refused). */
static int
split_list(const char *s, char ***out, size_t *n, struct sv_err *e)
{
	const char *p = s;

	*out = NULL;
	*n = 0;
	for (;;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == 0) {
			sv_strv_free(*out, *n);
			*out = NULL;
			*n = 0;
			return sv_err_set(e, SV_USAGE, "invalid --from '%s': "
			    "expected versions separated by commas", s);
		}
		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		(*out)[(*n)++] = xstrndup(p, len);
		if (end == NULL)
			return SV_OK;
		p = end + 1;
	}
}

static int
run(struct sv_ctx *ctx, const struct sv_args *a)
{
	struct inputs ins = { NULL, 0 };
	struct sv_otp_input newin;
	struct sv_otp_options opts;
	struct sv_otp_relup_options ro;
	struct sv_otp_relup r;
	struct sv_otp_release **bases = NULL;
	const char *from = sv_arg(a, "from"), *to = sv_arg(a, "to");
	const char *output = sv_arg(a, "output");
	const char *newpath = a->argv[a->argc - 1];
	bool do_write = sv_flag(a, "write");
	char **vsns = NULL, *dest = NULL;
	size_t nvsns = 0, nold = (size_t)a->argc - 1, nbases = 0, i;
	struct buf text;
	struct sv_err e;
	int status;

	sv_err_init(&e);
	buf_init(&text);
	sv_otp_input_init(&newin);
	sv_otp_options_init(&opts);
	sv_otp_relup_init(&r);
	memset(&ro, 0, sizeof(ro));
	opts.merge = sv_flag(a, "merge");
	ro.systools = sv_flag(a, "systools");
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
	if (ro.systools && (sv_arg(a, "purge") || opts.merge)) {
		status = sv_err_set(&e, SV_USAGE, "--purge and --merge shape "
		    "generated appups; --systools reads the appup files as "
		    "they are");
		goto fail;
	}
	if (sv_arg(a, "purge") != NULL &&
	    (status = sv_otp_purge_parse(&opts, sv_arg(a, "purge"), &e)))
		goto fail;
	if (from != NULL && (status = split_list(from, &vsns, &nvsns, &e)))
		goto fail;
	{
		/* NEW and every OLD, loaded together. */
		struct sv_otp_input **all = xcalloc(nold + 1, sizeof(*all));
		const char **paths = xcalloc(nold + 1, sizeof(*paths));
		const char **want = xcalloc(nold + 1, sizeof(*want));

		for (i = 0; i < nold; i++)
			inputs_add(&ins);
		all[0] = &newin;
		paths[0] = newpath;
		want[0] = to;
		for (i = 0; i < nold; i++) {
			all[i + 1] = ins.v[i];
			paths[i + 1] = a->argv[i];
		}
		status = sv_otp_inputs_open(all, paths, want, nold + 1, &e);
		free(all);
		free(paths);
		free(want);
		if (status)
			goto fail;
	}
	if (do_write && newin.tmpdir != NULL) {
		status = sv_err_set(&e, SV_USAGE, "--write needs NEW to be a "
		    "release root, not a package ('%s'); use --output FILE",
		    newpath);
		goto fail;
	}
	bases = xcalloc(nold + nvsns + 1, sizeof(*bases));
	if (nvsns == 0) {
		for (i = 0; i < nold; i++)
			bases[nbases++] = &ins.v[i]->rel;
	} else {
		for (i = 0; i < nvsns; i++)
			if ((status = open_base(&ins, nold, a->argv, (size_t)a->argc,
			    vsns[i], &bases[nbases++], &e)))
				goto fail;
	}
	if ((status = sv_otp_relup_make(&r, &newin.rel, bases, nbases, &ro,
	    &e)))
		goto fail;
	for (i = 0; i < r.nwarnings; i++)
		msg_warn("%s", r.warnings[i]);
	sv_otp_relup_text(&r, &text);
	if (do_write) {
		dest = xmalloc(strlen(newin.rel.root) + strlen(r.vsn) + 32);
		sprintf(dest, "%s/releases/%s/relup", newin.rel.root, r.vsn);
	} else if (output != NULL) {
		dest = xstrdup(output);
	}
	if (dest != NULL) {
		struct buf file;

		const char *body = text.s;

		buf_init(&file);
		/* The encoding comment stays on the first line. */
		if (strncmp(body, "%% coding", 9) == 0 && strchr(body, '\n')) {
			buf_add(&file, body, (size_t)(strchr(body, '\n') + 1 - body));
			body = strchr(body, '\n') + 1;
		}
		if ((status = provenance(&file, &ins, nold, a->argv, &newin,
		    newpath, bases, nbases, &e)) == SV_OK) {
			buf_adds(&file, body);
			status = sv_write_file_nosync(dest, file.s, file.len, &e);
		}
		buf_release(&file);
		if (status)
			goto fail;
	}
	if (ctx->json)
		print_json(&r, newin.rel.name, ro.systools, dest, text.s);
	else if (dest == NULL)
		sv_out_write(text.s, text.len);
	else if (!ctx->quiet)
		print_human(&r, newin.rel.name, dest);
	status = SV_OK;
	goto out;
fail:
	sv_out_error(a->cmd, &e);
out:
	free(dest);
	free(bases);
	sv_strv_free(vsns, nvsns);
	sv_otp_relup_release(&r);
	sv_otp_options_release(&opts);
	inputs_release(&ins);
	sv_otp_input_release(&newin);
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
	.run = run,
};
