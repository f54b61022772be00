/*
 * outfile.h - output files that appear whole or not at all.
 *
 * Data goes to a hidden temporary file beside the destination
 * (".NAME.tmp-XXXXXX"); commit fsyncs it, renames it over the destination
 * and fsyncs the directory (nosync: only renames). Until then the destination is untouched;
 * abort (or a SIGINT/SIGTERM) removes the temporary file.
 */
#ifndef SV_OUTFILE_H
#define SV_OUTFILE_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "base/err.h"

struct sv_outfile {
	int fd;
	char *tmp;   /* owned */
	char *dest;  /* owned */
	bool nosync; /* false after open; set it to commit without fsync */
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

/*
 * Signals that end the process (SIGINT, SIGTERM, SIGHUP): sv_signals_init,
 * called first thing by main, installs the handler that removes the
 * tracked temporary paths and then dies of the signal, except for a
 * signal the process inherited as ignored, which stays ignored (nohup).
 * sv_signals_hold blocks the three in the calling thread (the old mask in
 * *old) until sv_signals_resume: hold them across creating a temporary
 * file and tracking it, and across creating a thread (which inherits the
 * mask), so that only the main thread ever runs the handler.
 */
void sv_signals_init(void);
void sv_signals_hold(sigset_t *old);
void sv_signals_resume(const sigset_t *old);

/* pthread_create with the ending signals blocked in the new thread: the
 * worker threads never run the handler. Returns pthread_create's. */
int sv_thread_create(pthread_t *t, void *(*fn)(void *), void *arg);

/* Create the directory templ names (ending in XXXXXX, consumed) and track
 * it, with no signal in between: *out is its name (the caller frees it),
 * removed if a signal ends the process until untracked. Errors name the
 * parent directory. */
struct buf;
int sv_mkdtemp_tracked(struct buf *templ, char **out, struct sv_err *e);

/* Also remove path (a file, or an empty directory) if a signal ends the
 * process, until untracked. The string must stay valid until then; the
 * newest tracked paths go first, so track a directory before its files. */
void sv_outfile_track_path(const char *path);
void sv_outfile_untrack_path(const char *path);

/* Read the open file fd to its end in chunks, passing each to fn (which
 * returns SV_OK to go on). Read errors name the file as name. fd stays
 * open. */
int sv_read_fd(int fd, const char *name,
    int (*fn)(void *data, const void *p, size_t n, struct sv_err *e),
    void *data, struct sv_err *e);

struct buf;

/* Read the whole file at path into out (appended), refusing files larger
 * than max bytes. Errors name the file. */
int sv_read_file(const char *path, struct buf *out, size_t max,
    struct sv_err *e);

struct stat;

/* sv_read_file, and what fstat said of the file when it was opened in
 * *st (zeroed if fstat failed). */
int sv_read_file_stat(const char *path, struct buf *out, size_t max,
    struct stat *st, struct sv_err *e);

/* sv_read_file_stat of the file name opened relative to the directory
 * dirfd (AT_FDCWD: the working directory), which messages call path. */
int sv_read_file_at(int dirfd, const char *name, const char *path,
    struct buf *out, size_t max, struct stat *st, struct sv_err *e);

/* Create a private directory $TMPDIR/smoothver-TAG-XXXXXX (TMPDIR
 * default /tmp) into *out (the caller frees it), removed if a signal ends
 * the process until sv_tmpdir_remove. */
int sv_tmpdir_make(const char *tag, char **out, struct sv_err *e);

/* Remove a directory made by sv_tmpdir_make, everything in it, and free
 * the string (NULL: nothing). */
void sv_tmpdir_remove(char *dir);

/* Remove path and, if it is a directory, everything below it, without
 * following symlinks. Best effort: errors are ignored. */
void sv_remove_tree(const char *path);

/* True if path is a directory with no entries (false if it cannot be
 * read). */
bool sv_dir_is_empty(const char *path);

/* fsync the directory at path (errors ignored where directories cannot be
 * synced). */
int sv_fsync_dir(const char *path, struct sv_err *e);

/* Write a whole file atomically. */
int sv_write_file(const char *dest, const void *p, size_t n,
    struct sv_err *e);

/* The same without fsync, for what can be made again (build products
 * such as appups and relups, caches): other processes still see the old
 * file or the whole new one, but a crash of the machine may lose it. */
int sv_write_file_nosync(const char *dest, const void *p, size_t n,
    struct sv_err *e);

/* Up to max bytes of a file from offset (negative: from its end), NUL
 * bytes made '?'; NULL if it is missing or has none there. The caller
 * frees it. */
char *sv_file_part(const char *path, off_t offset, size_t max);

/* The last max bytes of a file, from a line start when one is near;
 * NULL as sv_file_part. */
char *sv_file_tail(const char *path, size_t max);

#endif
