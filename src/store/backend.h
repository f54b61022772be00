/*
 * backend.h - what a store backend provides (see store.h for the
 * operations' contracts). Private to src/store/.
 *
 * A backend's state begins with a struct sv_store, whose ops and url it
 * sets; store.c's public functions call through ops. Every operation is
 * required.
 */
#ifndef SV_STORE_BACKEND_H
#define SV_STORE_BACKEND_H

#include "store/store.h"

struct sv_store_ops {
	int (*put)(struct sv_store *s, const char *key, const void *p,
	    size_t n, bool *created, struct sv_err *e);
	int (*put_file)(struct sv_store *s, const char *key, const char *src,
	    bool *created, struct sv_err *e);
	int (*stat)(struct sv_store *s, const char *key, bool *found,
	    uint64_t *size, struct sv_err *e);
	int (*get)(struct sv_store *s, const char *key, sv_sink_fn sink,
	    void *data, bool *found, struct sv_err *e);
	int (*cas)(struct sv_store *s, const char *key, const void *expected,
	    size_t expected_n, const void *p, size_t n, bool *swapped,
	    struct buf *current, bool *current_found, struct sv_err *e);
	int (*list)(struct sv_store *s, const char *prefix,
	    int (*fn)(const char *key, void *data, struct sv_err *e),
	    void *data, struct sv_err *e);
	int (*del)(struct sv_store *s, const char *key, struct sv_err *e);
	int (*lock)(struct sv_store *s, struct sv_err *e);
	void (*unlock)(struct sv_store *s);
	int (*clean_tmp)(struct sv_store *s, int64_t min_age,
	    size_t *removed, struct sv_err *e);
	/* Free everything, the lock released. */
	void (*close)(struct sv_store *s);
};

struct sv_store {
	const struct sv_store_ops *ops;
	char *url;                     /* owned by the backend */
	struct sv_trust *trust;        /* owned; NULL: none */
	void (*trust_free)(struct sv_trust *t);
};

/*
 * Test hooks, called by a backend before each step that writes to the
 * store: with SMOOTHVER_TEST_CRASH_AFTER=K the process kills itself with
 * SIGKILL just before its K-th step, as if the machine stopped there (the
 * interruption tests walk K over every step of a publish). With
 * SMOOTHVER_TEST_PAUSE_AFTER=K and SMOOTHVER_TEST_PAUSE_FILE=F it instead
 * creates F and waits for a signal there, so that a test can interrupt it
 * at a known step without guessing with sleep.
 */
void sv_store_test_step(void);

/* The local directory backend (local.c): root is the directory, url how
 * it was given. */
int sv_store_local_open(const char *url, const char *root,
    enum sv_store_mode mode, struct sv_store **out, struct sv_err *e);

/* The S3 backend (s3.c): s3://BUCKET[/PREFIX], or an http(s):// URL
 * read over plain HTTP. */
int sv_store_s3_open(const char *url, enum sv_store_mode mode,
    struct sv_store **out, struct sv_err *e);

#endif
