/*
 * outfile.h - output files that appear whole or not at all.
 *
 * Data goes to a hidden temporary file beside the destination
 * (".NAME.tmp-XXXXXX"); commit fsyncs it, renames it over the destination
 * and fsyncs the directory. Until then the destination is untouched;
 * abort (or a SIGINT/SIGTERM) removes the temporary file.
 */
#ifndef SV_OUTFILE_H
#define SV_OUTFILE_H

#include <stddef.h>

#include "base/err.h"

struct sv_outfile {
	int fd;
	char *tmp;   /* owned */
	char *dest;  /* owned */
};

/* Create the temporary file for dest. */
int sv_outfile_open(struct sv_outfile *f, const char *dest, struct sv_err *e);

/* Write n bytes (all of them, or an error naming dest). */
int sv_outfile_write(struct sv_outfile *f, const void *p, size_t n,
    struct sv_err *e);

/* fsync, rename onto dest, fsync the directory; f is released. */
int sv_outfile_commit(struct sv_outfile *f, struct sv_err *e);

/* Remove the temporary file and release f (safe after commit too). */
void sv_outfile_abort(struct sv_outfile *f);

/* Write a whole file atomically. */
int sv_write_file(const char *dest, const void *p, size_t n,
    struct sv_err *e);

#endif
