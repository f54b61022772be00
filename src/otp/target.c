/*
 * target.c - a release root made a target system (see target.h).
 */
#include "config.h"

#include "otp/target.h"

#include <stdlib.h>
#include <sys/stat.h>

#include "base/buf.h"
#include "base/outfile.h"
#include "otp/relmodel.h"
#include "otp/relroot.h"
#include "otp/term.h"

int
sv_otp_target_prepare(const char *dir, const char *root, bool *wrote,
    struct sv_err *e)
{
	struct sv_otp_release rel;
	struct sv_term *libs, *doc = NULL;
	struct buf p, text;
	struct stat st;
	char *name = NULL, *vsn = NULL;
	bool found;
	size_t i;
	int status = SV_OK;

	*wrote = false;
	sv_otp_release_init(&rel);
	buf_init(&p);
	buf_init(&text);
	buf_addf(&p, "%s/releases/RELEASES", dir);
	if (lstat(p.s, &st) == 0 ||
	    (status = sv_otp_release_root(dir, &found, &name, &vsn, e)))
		goto out;
	if (!found)
		goto out;
	if ((status = sv_otp_release_load(&rel, dir, vsn, e)))
		goto out;
	libs = sv_term_list();
	for (i = 0; i < rel.napps; i++) {
		struct buf lib;

		buf_init(&lib);
		buf_addf(&lib, "%s/lib/%s-%s", root, rel.apps[i].name,
		    rel.apps[i].vsn);
		sv_term_push(libs, sv_term_tuplev(3,
		    sv_term_atom(rel.apps[i].name),
		    sv_term_string(rel.apps[i].vsn), sv_term_string(lib.s)));
		buf_release(&lib);
	}
	doc = sv_term_push(sv_term_list(), sv_term_tuplev(6,
	    sv_term_atom("release"), sv_term_string(rel.name),
	    sv_term_string(rel.vsn), sv_term_string(rel.erts), libs,
	    sv_term_atom("permanent")));
	buf_adds(&text, "%% coding: utf-8\n");
	sv_term_write(&text, doc, 0);
	buf_adds(&text, ".\n");
	if ((status = sv_write_file(p.s, text.s, text.len, e)))
		goto out;
	*wrote = true;
	/* The start scripts boot the version start_erl.data names (relx
	 * leaves it out without an ERTS of its own). */
	buf_reset(&p);
	buf_addf(&p, "%s/releases/start_erl.data", dir);
	if (lstat(p.s, &st) != 0) {
		buf_reset(&text);
		buf_addf(&text, "%s %s\n", rel.erts, rel.vsn);
		status = sv_write_file(p.s, text.s, text.len, e);
	}
out:
	sv_term_free(doc);
	sv_otp_release_release(&rel);
	free(name);
	free(vsn);
	buf_release(&p);
	buf_release(&text);
	return status;
}
