/*
 * appupfile.c - refusing and writing appups (see appupfile.h).
 */
#include "config.h"

#include "otp/appupfile.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "base/buf.h"
#include "base/outfile.h"

#define APPUP_MAX (16u << 20)

const char *
sv_otp_input_shown(const struct sv_otp_input *in, const char *path)
{
	const char *root = in->rel.root;
	size_t n = strlen(root);

	if (strncmp(path, root, n) == 0 && path[n] == '/')
		return path + n + 1;
	return path;
}

int
sv_otp_inputs_same_release(const struct sv_otp_input *old,
    const char *oldpath, const struct sv_otp_input *new,
    const char *newpath, struct sv_err *e)
{
	if (strcmp(old->rel.name, new->rel.name) == 0)
		return SV_OK;
	return sv_err_set(e, SV_INPUT, "'%s' is release %s, but '%s' is "
	    "release %s", oldpath, old->rel.name, newpath, new->rel.name);
}

/* "a, b" of n names, into b. */
static void
names(struct buf *b, char *const *v, size_t n)
{
	size_t j;

	for (j = 0; j < n; j++)
		buf_addf(b, "%s%s", j ? ", " : "", v[j]);
}

void
sv_otp_upgrade_gaps_text(const struct sv_otp_upgrade *u,
    const struct sv_otp_input *newin, struct buf *out)
{
	struct buf m;
	size_t i;

	buf_init(&m);
	for (i = 0; i < u->napps; i++) {
		const struct sv_otp_appchange *a = &u->apps[i];

		if (a->ngaps_up + a->ngaps_down == 0)
			continue;
		buf_addf(&m, "%s%s", m.len ? "; " : "", newin != NULL ?
		    sv_otp_input_shown(newin, a->appup_path) : a->appup_path);
		if (a->ngaps_up > 0) {
			buf_addf(&m, " has no upgrade instruction from %s for ",
			    a->old_vsn);
			names(&m, a->gaps_up, a->ngaps_up);
		}
		if (a->ngaps_down > 0) {
			buf_addf(&m, "%s no downgrade instruction to %s for ",
			    a->ngaps_up ? " and" : " has", a->old_vsn);
			names(&m, a->gaps_down, a->ngaps_down);
		}
	}
	buf_addf(out, "hand-written appup misses changed modules: %s",
	    m.s ? m.s : "");
	buf_release(&m);
}

int
sv_otp_upgrade_gaps_check(const struct sv_otp_upgrade *u,
    const struct sv_otp_input *newin, struct sv_err *e)
{
	struct buf m;

	if (u->ngaps == 0)
		return SV_OK;
	buf_init(&m);
	sv_otp_upgrade_gaps_text(u, newin, &m);
	sv_err_set(e, SV_INPUT, "%s", m.s);
	sv_err_hint(e, SV_OTP_GAPS_HINT);
	buf_release(&m);
	return SV_INPUT;
}

/* Write one appup to dest: a hand-written one kept as it is, byte for
 * byte, else its text. */
static int
write_one(const struct sv_otp_appchange *a, const char *dest,
    struct sv_err *e)
{
	struct buf text;
	int status = SV_OK;

	buf_init(&text);
	if (a->source == SV_OTP_APPUP_KEPT)
		status = sv_read_file(a->appup_path, &text, APPUP_MAX, e);
	else
		sv_otp_appup_text(a, &text);
	if (status == SV_OK)
		status = sv_write_file_nosync(dest, text.s, text.len, e);
	buf_release(&text);
	return status;
}

int
sv_otp_appups_write(const struct sv_otp_upgrade *u, const char *out_dir,
    char **written, struct sv_err *e)
{
	size_t i;
	int status;

	if (out_dir != NULL && mkdir(out_dir, 0777) != 0 && errno != EEXIST)
		return sv_err_set(e, SV_INPUT, "cannot create '%s': %s",
		    out_dir, strerror(errno));
	for (i = 0; i < u->napps; i++) {
		const struct sv_otp_appchange *c = &u->apps[i];
		struct buf dest;

		if (c->change != SV_OTP_APP_UPGRADED ||
		    (out_dir == NULL && c->source == SV_OTP_APPUP_KEPT))
			continue;
		buf_init(&dest);
		if (out_dir != NULL)
			buf_addf(&dest, "%s/%s.appup", out_dir, c->name);
		else
			buf_adds(&dest, c->appup_path);
		status = write_one(c, dest.s, e);
		written[i] = buf_detach(&dest);
		if (status)
			return status;
	}
	return SV_OK;
}

void
sv_otp_appups_written_text(const struct sv_otp_upgrade *u,
    const struct sv_otp_input *newin, char *const *written,
    const char *out_dir, struct buf *out)
{
	size_t i;

	for (i = 0; i < u->napps; i++) {
		const struct sv_otp_appchange *c = &u->apps[i];

		if (c->change != SV_OTP_APP_UPGRADED)
			continue;
		buf_addf(out, "%s %s -> %s: ", c->name, c->old_vsn, c->new_vsn);
		if (written[i] != NULL)
			buf_addf(out, "%s %s\n", out_dir ? "wrote" :
			    sv_otp_appup_source_name(c->source), out_dir ?
			    written[i] : sv_otp_input_shown(newin, written[i]));
		else
			buf_addf(out, "kept %s\n",
			    sv_otp_input_shown(newin, c->appup_path));
	}
}
