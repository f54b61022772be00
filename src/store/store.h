/*
 * store.h - where releases live: the storage operations.
 *
 * A store holds objects under keys that look like relative paths
 * ("blobs/sha256/<hex>", "releases/app/1.2.0.json", "app-latest"); the
 * layout on top of them is core/store's business and is documented in
 * smoothver-store(5). Every backend offers the same few operations, which
 * are what S3 (with conditional writes) can do as well:
 *
 *   put    create an object only if the key is absent (If-None-Match: *)
 *   get    read an object
 *   cas    replace an object only if it still holds what the caller saw
 *          (If-Match), or create it only if it is still absent
 *   list   the keys under a prefix
 *   delete remove an object
 *
 * plus a store-wide lock that publish and gc hold around their
 * read-check-write steps (a no-op where the backend's conditional writes
 * already make each step safe).
 *
 * Objects appear whole or not at all: a reader never sees a partial
 * object, whatever happens to the writer.
 *
 * Backends: a local directory ("path" or "file:///abs/path"). URL schemes
 * smoothver does not know are refused with an error naming them.
 */
#ifndef SV_STORE_H
#define SV_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "adapt/compress.h" /* sv_sink_fn */
#include "base/buf.h"
#include "base/err.h"

struct sv_store; /* opaque */

/* What is done when the store does not exist yet. */
enum sv_store_mode {
	SV_STORE_READ,   /* it must exist */
	SV_STORE_CREATE  /* create it (an absent or empty directory) */
};

/*
 * Open the store at url. A store that does not exist is SV_INPUT (for
 * SV_STORE_READ) or created (SV_STORE_CREATE); a directory that is
 * neither empty nor a store is refused either way. The caller owns *out
 * and closes it with sv_store_close.
 */
int sv_store_open(const char *url, enum sv_store_mode mode,
    struct sv_store **out, struct sv_err *e);

/* Close s (NULL is allowed); releases the lock if it is held. */
void sv_store_close(struct sv_store *s);

/* The store's location as given (for messages). */
const char *sv_store_url(const struct sv_store *s);

struct sv_trust; /* core/trust.h */

/* The keys the reader of s trusts (core/store.c checks every record and
 * takes latest from its signed statement when set), or NULL. The store
 * owns t: sv_store_close calls free_fn(t). */
void sv_store_set_trust(struct sv_store *s, struct sv_trust *t,
    void (*free_fn)(struct sv_trust *t));
struct sv_trust *sv_store_trust(const struct sv_store *s);

/* Create key with the content of the local file src. *created is false
 * if the key already existed (its content is left alone). */
int sv_store_put_file(struct sv_store *s, const char *key, const char *src,
    bool *created, struct sv_err *e);

/* Create key with the n bytes at p; as sv_store_put_file. */
int sv_store_put(struct sv_store *s, const char *key, const void *p,
    size_t n, bool *created, struct sv_err *e);

/* Whether key exists, and its size. */
int sv_store_stat(struct sv_store *s, const char *key, bool *found,
    uint64_t *size, struct sv_err *e);

/* Stream key's content to sink. *found is false (and sink never called)
 * if there is no such key. */
int sv_store_get(struct sv_store *s, const char *key, sv_sink_fn sink,
    void *data, bool *found, struct sv_err *e);

/* Read a small object (at most max bytes) into out (appended). */
int sv_store_get_buf(struct sv_store *s, const char *key, struct buf *out,
    size_t max, bool *found, struct sv_err *e);

/*
 * Compare and swap: set key to the n bytes at p if it still holds exactly
 * the expected_n bytes at expected, or, with expected NULL, if it is
 * still absent. *swapped tells which; when it is false, current receives
 * what the key holds now and *current_found whether it exists.
 */
int sv_store_cas(struct sv_store *s, const char *key, const void *expected,
    size_t expected_n, const void *p, size_t n, bool *swapped,
    struct buf *current, bool *current_found, struct sv_err *e);

/* Call fn for each key directly under the "directory" prefix (which ends
 * in '/', or is "" for the top), in byte order; subdirectories are
 * passed with a final '/'. Temporary and bookkeeping files are left out.
 * A prefix that does not exist lists nothing. */
int sv_store_list(struct sv_store *s, const char *prefix,
    int (*fn)(const char *key, void *data, struct sv_err *e), void *data,
    struct sv_err *e);

/* Remove key (absent is not an error). */
int sv_store_delete(struct sv_store *s, const char *key, struct sv_err *e);

/* Take the store-wide lock, waiting for other holders; released by
 * sv_store_unlock or when the process ends, however it ends. */
int sv_store_lock(struct sv_store *s, struct sv_err *e);
void sv_store_unlock(struct sv_store *s);

/* Remove temporary files that writers left behind (a writer killed in the
 * middle) and that are older than min_age seconds; *removed counts them. */
int sv_store_clean_tmp(struct sv_store *s, int64_t min_age, size_t *removed,
    struct sv_err *e);

#endif
