/*
 * publish - put a release into a store and move its latest pointer.
 *
 * A directory is packed first (as by pack); a tarball is published with
 * the manifest pack wrote beside it. Blobs the store already has are not
 * uploaded again; the pointer moves last, and only from where it was
 * expected to be (exit 4 otherwise).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "adapt/json.h"
#include "base/outfile.h"
#include "base/quote.h"
#include "base/xalloc.h"
#include "cli/output.h"
#include "core/package.h"
#include "core/store.h"
#include "core/trust.h"
#include "adapt/sign.h"
#include "cli/parse.h"
#include "core/version.h"

/* The options, as the table below binds them. */
struct publish_opts {
	const char *store;
	const char *expect_latest;
	bool expect_empty;
	bool compat_names;
	const char *manifest;
	const char *name;
	const char *version;
	const char *compression;
	bool tree;
	const char *sign;
	const char *expires;
};

static const struct sv_option options[] = {
	SV_OPT_STORE(struct publish_opts),
	{ "expect-latest", 0, "VERSION", "move the pointer only if it names "
	  "VERSION (default: the version the release follows)",
	  SV_COMPLETE_NONE, NULL, false,
	  SV_STRING(struct publish_opts, expect_latest) },
	{ "expect-empty", 0, NULL, "move the pointer only if there is none "
	  "yet (a first release)", SV_COMPLETE_NONE, NULL, false,
	  SV_FLAG(struct publish_opts, expect_empty) },
	{ "compat-names", 0, NULL, "also store the package as "
	  "NAME-VERSION.tar.gz beside NAME-latest", SV_COMPLETE_NONE, NULL,
	  false, SV_FLAG(struct publish_opts, compat_names) },
	{ "manifest", 0, "FILE", "the tarball's manifest (default: "
	  "NAME-VERSION.manifest.json beside it)", SV_COMPLETE_FILE, NULL,
	  false, SV_STRING(struct publish_opts, manifest) },
	{ "name", 0, "NAME", "release name, for a directory (default: an OTP "
	  "release's own, else release.name, else the directory's name)",
	  SV_COMPLETE_NONE, NULL, false,
	  SV_STRING(struct publish_opts, name) },
	{ "version", 0, "VERSION", "release version, for a directory "
	  "(default: an OTP release's own, else the release tag on HEAD)",
	  SV_COMPLETE_NONE, NULL, false,
	  SV_STRING(struct publish_opts, version) },
	{ "compression", 0, "KIND", "gzip or zstd, for a directory (default: "
	  "gzip)", SV_COMPLETE_CHOICES, "gzip zstd", false,
	  SV_STRING(struct publish_opts, compression) },
	{ "tree", 0, NULL, "pack a directory whole, as a plain tree, even if "
	  "it is the root of an OTP release", SV_COMPLETE_NONE, NULL, false,
	  SV_FLAG(struct publish_opts, tree) },
	{ "sign", 0, "KEY", "sign the release's record and the latest pointer "
	  "with this private key (smoothver keygen)", SV_COMPLETE_FILE, NULL,
	  false, SV_STRING(struct publish_opts, sign) },
	{ "expires", 0, "TIME", "with --sign: how long the signed latest stays "
	  "valid, such as 30d (default: 30d); re-sign before it expires",
	  SV_COMPLETE_NONE, NULL, false,
	  SV_STRING(struct publish_opts, expires) },
	SV_OPT_END
};

/* A temporary directory for packing, removed at the end. */
struct scratch {
	char *dir;
	const char *files[2]; /* tracked for signals; owned elsewhere */
};

static int
scratch_make(struct scratch *s, struct sv_err *e)
{
	const char *tmp = getenv("TMPDIR");
	struct buf b;

	buf_init(&b);
	buf_addf(&b, "%s/smoothver-publish-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	return sv_mkdtemp_tracked(&b, &s->dir, e);
}

static void
scratch_remove(struct scratch *s)
{
	if (s->dir == NULL)
		return;
	if (s->files[0])
		sv_outfile_untrack_path(s->files[0]);
	if (s->files[1])
		sv_outfile_untrack_path(s->files[1]);
	sv_remove_tree(s->dir);
	sv_outfile_untrack_path(s->dir);
	free(s->dir);
	s->dir = NULL;
}

/* What --sign signed. */
struct signed_info {
	bool record, latest;
	char key[SV_KEY_ID_LEN + 1];
	char expires[32];
};

static void
print_result(struct sv_ctx *ctx, struct sv_store *s,
    const struct sv_publish_result *r, const struct signed_info *si)
{
	const struct sv_manifest *m = &r->m;
	char hex[SV_SHA256_HEX], mhex[SV_SHA256_HEX];
	const char *latest = r->moved || (r->already && !r->delta) ?
	    m->version : r->latest_before;

	sv_sha256_hex(m->sha256, hex);
	sv_sha256_hex(r->manifest_sha256, mhex);
	if (ctx->json) {
		struct sv_json *doc = sv_out_json_doc("publish");
		struct sv_json *pkg = sv_json_object(), *man = sv_json_object();

		sv_json_set_str(doc, "name", m->name);
		sv_json_set_str(doc, "version", m->version);
		sv_json_set_bytes(doc, "store", sv_store_url(s));
		sv_json_set_str(doc, "latest_before", r->latest_before);
		sv_json_set_str(doc, "latest", latest);
		sv_json_set_bool(doc, "already", r->already);
		sv_json_set_bool(doc, "record_created", r->record_created);
		sv_json_set_bool(doc, "moved", r->moved);
		sv_json_set_str(doc, "delta_from", m->delta_from);
		sv_json_set_bytes(pkg, "file", m->file);
		sv_json_set_str(pkg, "sha256", hex);
		sv_json_set_int(pkg, "size", (int64_t)m->size);
		sv_json_set(doc, "package", pkg);
		sv_json_set_str(man, "sha256", mhex);
		sv_json_set_int(man, "size", (int64_t)r->manifest_size);
		sv_json_set(doc, "manifest", man);
		sv_json_set_int(doc, "uploaded", (int64_t)r->uploaded);
		sv_json_set_int(doc, "uploaded_bytes", (int64_t)r->uploaded_bytes);
		sv_json_set_int(doc, "present", (int64_t)r->present);
		if (si->record) {
			struct sv_json *sig = sv_json_object();

			sv_json_set_str(sig, "key", si->key);
			sv_json_set_bool(sig, "latest", si->latest);
			sv_json_set_str(sig, "expires", si->latest ? si->expires :
			    NULL);
			sv_json_set(doc, "signed", sig);
		} else {
			sv_json_set_null(doc, "signed");
		}
		sv_out_json(doc);
	} else if (!ctx->quiet) {
		struct buf b;

		buf_init(&b);
		if (r->delta && r->already) {
			buf_addf(&b, "the delta of %s %s from %s is already "
			    "published in ", m->name, m->version, m->delta_from);
			sv_quote_path(&b, sv_store_url(s));
			buf_adds(&b, "\n");
		} else if (r->delta) {
			buf_addf(&b, "published the delta of %s %s from %s to ",
			    m->name, m->version, m->delta_from);
			sv_quote_path(&b, sv_store_url(s));
			buf_addf(&b, "\n  latest    %s (unchanged)\n  package   %s "
			    "(%ju bytes)\n  manifest  %s\n  uploaded  %zu blobs "
			    "(%ju bytes), %zu already there\n",
			    r->latest_before ? r->latest_before : "(none)", hex,
			    (uintmax_t)m->size, mhex, r->uploaded,
			    (uintmax_t)r->uploaded_bytes, r->present);
		} else if (r->already) {
			buf_addf(&b, "%s %s is already published and latest in ",
			    m->name, m->version);
			sv_quote_path(&b, sv_store_url(s));
			buf_adds(&b, "\n");
		} else {
			buf_addf(&b, "published %s %s to ", m->name, m->version);
			sv_quote_path(&b, sv_store_url(s));
			buf_addf(&b, "\n  latest    %s -> %s\n  package   %s "
			    "(%ju bytes)\n  manifest  %s\n  uploaded  %zu blobs "
			    "(%ju bytes), %zu already there\n",
			    r->latest_before ? r->latest_before : "(none)",
			    m->version, hex, (uintmax_t)m->size, mhex, r->uploaded,
			    (uintmax_t)r->uploaded_bytes, r->present);
		}
		if (si->record)
			buf_addf(&b, "  signed    by key %s: the record%s%s%s\n",
			    si->key, si->latest ? ", and latest until " : "",
			    si->latest ? si->expires : "", "");
		sv_out_write(b.s, b.len);
		buf_release(&b);
	}
}

/* Sign what this publish put in the store: the version's record (or the
 * delta's), and the latest statement when the pointer names it. */
static int
sign_published(struct sv_store *s, const struct sv_key *k, double expires,
    const struct sv_publish_result *r, struct signed_info *si,
    struct sv_err *e)
{
	const struct sv_manifest *m = &r->m;
	struct buf text;
	char *key = m->delta_from ? sv_key_delta(m->name, m->version,
	    m->delta_from) : sv_key_record(m->name, m->version);
	bool found;
	int status;

	buf_init(&text);
	sv_key_id(k, si->key);
	if ((status = sv_store_get_buf(s, key, &text, 1 << 16, &found, e)))
		goto out;
	if (!found) {
		status = sv_err_set(e, SV_INPUT, "store '%s': '%s' vanished before "
		    "it could be signed", sv_store_url(s), key);
		goto out;
	}
	if ((status = sv_trust_sign_record(k, s, m->name, m->version,
	    m->delta_from, text.s, text.len, e)))
		goto out;
	si->record = true;
	if (m->delta_from == NULL && (r->moved || r->already)) {
		if ((status = sv_trust_sign_latest(k, s, m->name, m->version,
		    (int64_t)expires, e)))
			goto out;
		si->latest = true;
		sv_time_format((int64_t)time(NULL) + (int64_t)expires,
		    si->expires);
	}
out:
	buf_release(&text);
	free(key);
	return status;
}

/* A tarball: its manifest, and the options that must agree with it. */
static int
tarball_manifest(const struct sv_args *a, const char *tarball, char **out,
    struct sv_err *e)
{
	const struct publish_opts *opt = a->opts;
	const char *given = opt->manifest;
	char *path = given ? xstrdup(given) : sv_package_manifest_name(tarball);

	if (opt->compression || opt->tree)
		sv_err_set(e, SV_USAGE, "--%s applies to a directory, and '%s' "
		    "is a file", opt->compression ? "compression" :
		    "tree", tarball);
	else if (access(path, F_OK) != 0)
		sv_err_set(e, SV_INPUT, "cannot publish '%s' without its manifest: "
		    "'%s' does not exist", tarball, path);
	if (e->status != SV_OK) {
		free(path);
		if (e->status == SV_INPUT)
			sv_err_hint(e, "make the tarball with 'smoothver pack' "
			    "(which writes the manifest beside it), or give "
			    "--manifest FILE");
		return e->status;
	}
	*out = path;
	return SV_OK;
}

static int
run(struct sv_ctx *ctx, const struct sv_args *a)
{
	const struct publish_opts *opt = a->opts;
	const char *src = a->argc > 0 ? a->argv[0] : ".";
	struct sv_publish_request req;
	struct sv_publish_result r;
	struct sv_package p;
	struct sv_store *s = NULL;
	struct scratch tmp = { NULL, { NULL, NULL } };
	char *manifest = NULL, *version = NULL, *expect = NULL;
	struct sv_key *signer = NULL;
	struct signed_info si;
	double expires = 30 * 86400.0;
	struct stat st;
	struct sv_err e;
	int status;

	sv_err_init(&e);
	sv_publish_result_init(&r);
	sv_package_init(&p);
	memset(&req, 0, sizeof(req));
	memset(&si, 0, sizeof(si));
	req.compat_names = opt->compat_names;
	if (opt->expires && !opt->sign) {
		status = sv_err_set(&e, SV_USAGE, "--expires applies to --sign");
		goto fail;
	}
	if (opt->expires && (status = sv_parse_duration("expires",
	    opt->expires, 1, &expires, &e)))
		goto fail;
	/* The key is read before anything is published: a key that cannot
	 * sign stops the publish, not half of it. */
	if (opt->sign) {
		struct buf pem;

		buf_init(&pem);
		if ((status = sv_read_file(opt->sign, &pem, 1 << 16,
		    &e)) == SV_OK &&
		    (signer = sv_key_read(pem.s ? pem.s : "", pem.len,
		    opt->sign, 1, &e)) == NULL)
			status = e.status;
		if (pem.s != NULL)
			memset(pem.s, 0, pem.len);
		buf_release(&pem);
		if (status)
			goto fail;
	}
	if (opt->expect_latest && opt->expect_empty) {
		status = sv_err_set(&e, SV_USAGE, "--expect-latest and "
		    "--expect-empty cannot go together");
		goto fail;
	}
	if (opt->expect_empty) {
		req.expect = SV_EXPECT_EMPTY;
	} else if (opt->expect_latest) {
		if (sv_version_normalise(opt->expect_latest,
		    ctx->config.tag_prefix, &expect, &e)) {
			status = e.status = SV_USAGE;
			goto fail;
		}
		req.expect = SV_EXPECT_VERSION;
		req.expect_version = expect;
	}
	if (stat(src, &st) < 0) {
		status = sv_err_set(&e, SV_INPUT, "cannot publish '%s': %s", src,
		    strerror(errno));
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		struct sv_package_spec spec;

		if (opt->manifest) {
			status = sv_err_set(&e, SV_USAGE, "--manifest applies to a "
			    "tarball, and '%s' is a directory", src);
			goto fail;
		}
		memset(&spec, 0, sizeof(spec));
		spec.dir = src;
		spec.name = opt->name;
		spec.version = opt->version;
		spec.compression = opt->compression;
		spec.tree = opt->tree;
		if ((status = scratch_make(&tmp, &e)))
			goto fail;
		spec.out_dir = tmp.dir;
		if ((status = sv_package_describe(ctx->repo, &ctx->config, &spec,
		    &p, &e)))
			goto fail;
		if (p.version == NULL) {
			status = sv_err_set(&e, SV_USAGE, "cannot publish '%s': no "
			    "version", src);
			sv_err_hint(&e, "give --version VERSION, or tag HEAD and "
			    "run it in the repository");
			goto fail;
		}
		/* Tracked before they exist: a signal between writing the
		 * tarball and the manifest must remove both. */
		tmp.files[0] = p.output;
		tmp.files[1] = p.manifest;
		sv_outfile_track_path(p.output);
		sv_outfile_track_path(p.manifest);
		if ((status = sv_package_build(&spec, &p, &e)))
			goto fail;
		req.package = p.output;
		req.manifest = p.manifest;
	} else {
		if ((status = tarball_manifest(a, src, &manifest, &e)))
			goto fail;
		if (opt->version && (status = sv_version_normalise(
		    opt->version, ctx->config.tag_prefix, &version,
		    &e))) {
			status = e.status = SV_USAGE;
			goto fail;
		}
		req.package = src;
		req.manifest = manifest;
		req.name = opt->name;
		req.version = version;
	}
	if ((status = sv_ctx_store(ctx, opt->store, NULL, SV_STORE_CREATE, &s, &e)))
		goto fail;
	if ((status = sv_publish(s, &req, &r, &e)))
		goto fail;
	if (signer != NULL && (status = sign_published(s, signer, expires, &r,
	    &si, &e)))
		goto fail;
	print_result(ctx, s, &r, &si);
	goto out;
fail:
	sv_out_error(a->cmd, &e);
out:
	scratch_remove(&tmp);
	sv_store_close(s);
	sv_publish_result_release(&r);
	sv_package_release(&p);
	sv_key_free(signer);
	free(manifest);
	free(version);
	free(expect);
	return status;
}

const struct sv_command sv_cmd_publish = {
	.name = "publish",
	.summary = "put a release into a store and move its latest pointer",
	.args = "[TARBALL|DIR]",
	.min_args = 0,
	.max_args = 1,
	.arg_complete = SV_COMPLETE_FILE,
	.flags = SV_CMD_REPO_OPT,
	.options = options,
	.opts_size = sizeof(struct publish_opts),
	.run = run,
};
