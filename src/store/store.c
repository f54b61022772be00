/*
 * store.c - the store operations, whatever the backend (see store.h):
 * the URL picks a backend, every call goes through its operations.
 */
#include "config.h"

#include "store/backend.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void
sv_store_test_step(void)
{
	static long left = -2, pause_left = -2;

	if (left == -2) {
		const char *v = getenv("SMOOTHVER_TEST_CRASH_AFTER");
		const char *p = getenv("SMOOTHVER_TEST_PAUSE_AFTER");

		left = v ? atol(v) : -1;
		pause_left = p && getenv("SMOOTHVER_TEST_PAUSE_FILE") ?
		    atol(p) : -1;
	}
	if (pause_left > 0 && --pause_left == 0) {
		int fd = open(getenv("SMOOTHVER_TEST_PAUSE_FILE"),
		    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (fd >= 0)
			close(fd);
		for (;;)
			pause();
	}
	if (left < 0)
		return;
	if (--left <= 0)
		raise(SIGKILL);
}

int
sv_store_open(const char *url, enum sv_store_mode mode,
    struct sv_store **out, struct sv_err *e)
{
	const char *sep = strstr(url, "://");

	*out = NULL;
	if (*url == '\0')
		return sv_err_set(e, SV_USAGE, "empty store URL");
	if (strncmp(url, "file://", 7) == 0) {
		if (url[7] != '/')
			return sv_err_set(e, SV_USAGE, "invalid store URL '%s' "
			    "(expected file:///ABSOLUTE/PATH)", url);
		return sv_store_local_open(url, url + 7, mode, out, e);
	}
	if (strncmp(url, "s3://", 5) == 0 || strncmp(url, "https://", 8) == 0 ||
	    strncmp(url, "http://", 7) == 0)
		return sv_store_s3_open(url, mode, out, e);
	if (sep != NULL && sep > url && memchr(url, '/', (size_t)(sep - url)) ==
	    NULL) {
		sv_err_set(e, SV_USAGE, "store URL '%s': scheme '%.*s' is not "
		    "supported", url, (int)(sep - url), url);
		return sv_err_hint(e, "give a directory, a file:///PATH, "
		    "s3://BUCKET[/PREFIX] or https://HOST/PATH URL");
	}
	return sv_store_local_open(url, url, mode, out, e);
}

void
sv_store_close(struct sv_store *s)
{
	if (s == NULL)
		return;
	if (s->trust != NULL && s->trust_free != NULL)
		s->trust_free(s->trust);
	s->ops->close(s);
}

void
sv_store_set_trust(struct sv_store *s, struct sv_trust *t,
    void (*free_fn)(struct sv_trust *t))
{
	if (s->trust != NULL && s->trust_free != NULL)
		s->trust_free(s->trust);
	s->trust = t;
	s->trust_free = free_fn;
}

struct sv_trust *
sv_store_trust(const struct sv_store *s)
{
	return s->trust;
}

const char *
sv_store_url(const struct sv_store *s)
{
	return s->url;
}

int
sv_store_put(struct sv_store *s, const char *key, const void *p, size_t n,
    bool *created, struct sv_err *e)
{
	return s->ops->put(s, key, p, n, created, e);
}

int
sv_store_put_file(struct sv_store *s, const char *key, const char *src,
    bool *created, struct sv_err *e)
{
	return s->ops->put_file(s, key, src, created, e);
}

int
sv_store_stat(struct sv_store *s, const char *key, bool *found,
    uint64_t *size, struct sv_err *e)
{
	return s->ops->stat(s, key, found, size, e);
}

int
sv_store_get(struct sv_store *s, const char *key, sv_sink_fn sink,
    void *data, bool *found, struct sv_err *e)
{
	return s->ops->get(s, key, sink, data, found, e);
}

struct limited {
	struct buf *out;
	size_t max;
	const char *key;
	const char *url;
};

static int
limited_sink(void *data, const void *p, size_t n, struct sv_err *e)
{
	struct limited *l = data;

	if (l->out->len + n > l->max)
		return sv_err_set(e, SV_INPUT, "store '%s': '%s' is larger than "
		    "%zu bytes", l->url, l->key, l->max);
	buf_add(l->out, p, n);
	return SV_OK;
}

int
sv_store_get_buf(struct sv_store *s, const char *key, struct buf *out,
    size_t max, bool *found, struct sv_err *e)
{
	struct limited l = { out, out->len + max, key, s->url };

	return sv_store_get(s, key, limited_sink, &l, found, e);
}

int
sv_store_cas(struct sv_store *s, const char *key, const void *expected,
    size_t expected_n, const void *p, size_t n, bool *swapped,
    struct buf *current, bool *current_found, struct sv_err *e)
{
	return s->ops->cas(s, key, expected, expected_n, p, n, swapped,
	    current, current_found, e);
}

int
sv_store_list(struct sv_store *s, const char *prefix,
    int (*fn)(const char *key, void *data, struct sv_err *e), void *data,
    struct sv_err *e)
{
	return s->ops->list(s, prefix, fn, data, e);
}

int
sv_store_delete(struct sv_store *s, const char *key, struct sv_err *e)
{
	return s->ops->del(s, key, e);
}

int
sv_store_lock(struct sv_store *s, struct sv_err *e)
{
	return s->ops->lock(s, e);
}

void
sv_store_unlock(struct sv_store *s)
{
	s->ops->unlock(s);
}

int
sv_store_clean_tmp(struct sv_store *s, int64_t min_age, size_t *removed,
    struct sv_err *e)
{
	return s->ops->clean_tmp(s, min_age, removed, e);
}
