/*
 * keygen - make an Ed25519 key pair for signing releases: FILE, the
 * private key (PKCS#8 PEM, mode 0600), and FILE.pub, the public key that
 * nodes trust. Existing files are never replaced.
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
#include "adapt/sign.h"
#include "base/buf.h"
#include "base/outfile.h"
#include "base/quote.h"
#include "cli/output.h"

/* The options, as the table below binds them. */
struct keygen_opts {
	const char *output;
};

static const struct sv_option options[] = {
	{ "output", 'o', "FILE", "the private key file to write; the public "
	  "key goes to FILE.pub (required)", SV_COMPLETE_FILE, NULL, false,
	  SV_STRING(struct keygen_opts, output) },
	SV_OPT_END
};

/* Write text as a new file at dest with mode, refusing one that exists:
 * a temporary file, then link(2), which fails when dest exists. */
static int
write_new(const char *dest, const struct buf *text, mode_t mode,
    struct sv_err *e)
{
	struct sv_outfile f;
	int status;

	if ((status = sv_outfile_open(&f, dest, e)))
		return status;
	if (fchmod(f.fd, mode) < 0) {
		status = sv_err_set(e, SV_INPUT, "cannot set the mode of '%s': "
		    "%s", f.tmp, strerror(errno));
	} else if ((status = sv_outfile_write(&f, text->s, text->len, e)) ==
	    SV_OK && fsync(f.fd) < 0) {
		status = sv_err_set(e, SV_INPUT, "cannot write '%s': %s", dest,
		    strerror(errno));
	} else if (status == SV_OK && link(f.tmp, dest) < 0) {
		status = sv_err_set(e, SV_INPUT, "cannot create '%s': %s", dest,
		    strerror(errno));
	}
	sv_outfile_abort(&f);
	return status;
}

static int
run(struct sv_ctx *ctx, const struct sv_args *a)
{
	const struct keygen_opts *opt = a->opts;
	const char *out = opt->output;
	struct buf priv, pub, pubname;
	struct sv_key *k = NULL;
	char id[SV_KEY_ID_LEN + 1];
	struct sv_err e;
	int status;

	sv_err_init(&e);
	buf_init(&priv);
	buf_init(&pub);
	buf_init(&pubname);
	if (out == NULL || *out == '\0') {
		status = sv_err_set(&e, SV_USAGE, "keygen needs -o FILE, the "
		    "private key file to write");
		goto fail;
	}
	buf_addf(&pubname, "%s.pub", out);
	if (access(out, F_OK) == 0 || access(pubname.s, F_OK) == 0) {
		status = sv_err_set(&e, SV_INPUT, "'%s' exists: keygen never "
		    "replaces a key", access(out, F_OK) == 0 ? out : pubname.s);
		sv_err_hint(&e, "remove it first, or choose another name");
		goto fail;
	}
	if ((k = sv_key_generate(&e)) == NULL) {
		status = e.status;
		goto fail;
	}
	sv_key_id(k, id);
	if ((status = sv_key_private_pem(k, &priv, &e)) ||
	    (status = sv_key_public_pem(k, &pub, &e)) ||
	    (status = write_new(out, &priv, 0600, &e)))
		goto fail;
	if ((status = write_new(pubname.s, &pub, 0644, &e))) {
		unlink(out);
		goto fail;
	}
	if (ctx->json) {
		struct sv_json *doc = sv_out_json_doc("keygen");

		sv_json_set_bytes(doc, "private", out);
		sv_json_set_bytes(doc, "public", pubname.s);
		sv_json_set_str(doc, "key_id", id);
		sv_json_set_str(doc, "algorithm", "ed25519");
		sv_out_json(doc);
	} else if (!ctx->quiet) {
		struct buf b;

		buf_init(&b);
		buf_adds(&b, "wrote ");
		sv_quote_path(&b, out);
		buf_adds(&b, " (private, 0600) and ");
		sv_quote_path(&b, pubname.s);
		buf_addf(&b, "\nkey id %s (ed25519)\n", id);
		sv_out_write(b.s, b.len);
		buf_release(&b);
	}
	goto done;
fail:
	sv_out_error(a->cmd, &e);
done:
	sv_key_free(k);
	/* The private key's text is wiped before it is freed. */
	if (priv.s != NULL)
		memset(priv.s, 0, priv.len);
	buf_release(&priv);
	buf_release(&pub);
	buf_release(&pubname);
	return status;
}

const struct sv_command sv_cmd_keygen = {
	.name = "keygen",
	.summary = "make an Ed25519 key pair for signing releases",
	.args = "",
	.min_args = 0,
	.max_args = 0,
	.arg_complete = SV_COMPLETE_NONE,
	.flags = 0,
	.options = options,
	.opts_size = sizeof(struct keygen_opts),
	.run = run,
};
