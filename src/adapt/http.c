/*
 * http.c - HTTP requests through libcurl (see http.h).
 */
#include "config.h"

#include "adapt/http.h"

/* The function-like macros of curl's type checks would swallow the calls
 * through the table below. */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "adapt/lazy.h"
#include "base/xalloc.h"

#define FUNCS(X) \
	X(curl_global_init) \
	X(curl_easy_init) \
	X(curl_easy_setopt) \
	X(curl_easy_perform) \
	X(curl_easy_getinfo) \
	X(curl_easy_cleanup) \
	X(curl_easy_strerror) \
	X(curl_slist_append) \
	X(curl_slist_free_all)

static struct {
#define X(f) __typeof__(&f) f;
	FUNCS(X)
#undef X
} C;

static const struct sv_lazy_sym syms[] = {
#define X(f) { #f, (void **)&C.f },
	FUNCS(X)
#undef X
};

static struct sv_lazy_lib lib = SV_LAZY_LIB(SV_SONAME_LIBCURL, syms);

#define DEFAULT_TIMEOUT 300
#define ERROR_BODY_MAX (64u << 10)

void
sv_http_response_init(struct sv_http_response *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->body);
}

void
sv_http_response_release(struct sv_http_response *r)
{
	buf_release(&r->body);
	free(r->etag);
	free(r->location);
	sv_http_response_init(r);
}

int
sv_http_load(struct sv_err *e)
{
	static int inited;
	int status;

	if ((status = sv_lazy_load(&lib, e)) != SV_OK)
		return status;
	if (!inited) {
		if (C.curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return sv_err_set(e, SV_INPUT, "cannot initialise "
			    "libcurl");
		inited = 1;
	}
	return SV_OK;
}

struct xfer {
	const struct sv_http_request *q;
	struct sv_http_response *r;
	uint64_t sent;              /* of the body */
	int sink_status;            /* the sink's error, if it failed */
	struct sv_err *sink_err;
};

static long
status_of(CURL *h)
{
	long code = 0;

	C.curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	return code;
}

static size_t
on_body(char *p, size_t size, size_t n, void *data)
{
	struct xfer *x = data;
	size_t len = size * n;

	if (x->q->sink != NULL && x->r->status >= 200 && x->r->status < 300) {
		x->sink_status = x->q->sink(x->q->sink_data, p, len,
		    x->sink_err);
		return x->sink_status == SV_OK ? len : 0;
	}
	{
		size_t max = x->q->sink != NULL || x->q->max_body == 0 ?
		    ERROR_BODY_MAX : x->q->max_body;
		size_t keep = x->r->body.len < max ? max - x->r->body.len : 0;

		buf_add(&x->r->body, p, len < keep ? len : keep);
	}
	return len;
}

static size_t
on_read(char *p, size_t size, size_t n, void *data)
{
	struct xfer *x = data;
	size_t want = size * n;

	if (x->q->body != NULL) {
		size_t left = x->q->body_len - (size_t)x->sent;

		if (want > left)
			want = left;
		memcpy(p, (const char *)x->q->body + x->sent, want);
		x->sent += want;
		return want;
	}
	if (want > x->q->body_size - x->sent)
		want = (size_t)(x->q->body_size - x->sent);
	if (want == 0)
		return 0;
	for (;;) {
		ssize_t k = read(x->q->body_fd, p, want);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return CURL_READFUNC_ABORT;
		x->sent += (size_t)k;
		return (size_t)k;
	}
}

/* Header lines: the status line sets the status; ETag, Content-Length
 * and Location are kept. */
static size_t
on_header(char *p, size_t size, size_t n, void *data)
{
	struct xfer *x = data;
	size_t len = size * n, k;
	char *line = xstrndup(p, len), *v;

	while ((k = strlen(line)) > 0 && (line[k - 1] == '\n' ||
	    line[k - 1] == '\r'))
		line[k - 1] = '\0';
	if (strncmp(line, "HTTP/", 5) == 0) {
		/* a new response (after a 100 Continue, say) */
		v = strchr(line, ' ');
		x->r->status = v ? strtol(v + 1, NULL, 10) : 0;
		free(x->r->etag);
		x->r->etag = NULL;
		x->r->has_length = false;
	} else if ((v = strchr(line, ':')) != NULL) {
		*v++ = '\0';
		while (*v == ' ' || *v == '\t')
			v++;
		if (strcasecmp(line, "etag") == 0) {
			size_t m = strlen(v);

			if (m >= 2 && v[0] == '"' && v[m - 1] == '"') {
				v[m - 1] = '\0';
				v++;
			}
			free(x->r->etag);
			x->r->etag = xstrdup(v);
		} else if (strcasecmp(line, "content-length") == 0) {
			x->r->length = strtoull(v, NULL, 10);
			x->r->has_length = true;
		} else if (strcasecmp(line, "location") == 0) {
			free(x->r->location);
			x->r->location = xstrdup(v);
		}
	}
	free(line);
	return len;
}

int
sv_http_do(const struct sv_http_request *q, struct sv_http_response *r,
    struct sv_err *e)
{
	struct curl_slist *hl = NULL;
	char errbuf[CURL_ERROR_SIZE];
	struct xfer x;
	CURLcode rc;
	CURL *h;
	size_t i;
	int status;

	if ((status = sv_http_load(e)) != SV_OK)
		return status;
	buf_reset(&r->body);
	r->status = 0;
	memset(&x, 0, sizeof(x));
	x.q = q;
	x.r = r;
	x.sink_err = e;
	if ((h = C.curl_easy_init()) == NULL)
		return sv_err_set(e, SV_INPUT, "%s %s: cannot make a libcurl "
		    "handle", q->method, q->url);
	errbuf[0] = '\0';
	for (i = 0; q->headers != NULL && q->headers[i] != NULL; i++)
		hl = C.curl_slist_append(hl, q->headers[i]);
	/* (A "Header:" line removing one of libcurl's own headers would
	 * be signed as an empty header by libcurl 7.88's SigV4: none.) */
	C.curl_easy_setopt(h, CURLOPT_URL, q->url);
	C.curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	C.curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	C.curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
	C.curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	C.curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
	C.curl_easy_setopt(h, CURLOPT_TIMEOUT, q->timeout_s > 0 ?
	    q->timeout_s : (long)DEFAULT_TIMEOUT);
	C.curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	C.curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	C.curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
	C.curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	C.curl_easy_setopt(h, CURLOPT_HEADERDATA, &x);
	if (q->aws_sigv4 != NULL) {
		C.curl_easy_setopt(h, CURLOPT_AWS_SIGV4, q->aws_sigv4);
		C.curl_easy_setopt(h, CURLOPT_USERPWD, q->userpwd);
	}
	if (strcmp(q->method, "HEAD") == 0) {
		C.curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else if (q->has_body) {
		C.curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
		C.curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
		C.curl_easy_setopt(h, CURLOPT_READDATA, &x);
		C.curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE,
		    (curl_off_t)(q->body != NULL ? q->body_len :
		    q->body_size));
		if (strcmp(q->method, "PUT") != 0)
			C.curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, q->method);
	} else if (strcmp(q->method, "GET") != 0) {
		C.curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, q->method);
	}
	rc = C.curl_easy_perform(h);
	if (r->status == 0)
		r->status = status_of(h);
	if (x.sink_status != SV_OK) {
		status = x.sink_status;
	} else if (rc != CURLE_OK) {
		status = sv_err_set(e, SV_INPUT, "%s %s: %s", q->method, q->url,
		    errbuf[0] ? errbuf : C.curl_easy_strerror(rc));
		r->status = 0;
	}
	C.curl_easy_cleanup(h);
	C.curl_slist_free_all(hl);
	return status;
}
