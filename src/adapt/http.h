/*
 * http.h - HTTP requests through libcurl, which is loaded on first use
 * (adapt/lazy.h). The one place that includes curl/curl.h.
 *
 * A request is one call: the method, the URL, headers, an optional body
 * (bytes, or a file streamed from a descriptor), and AWS Signature
 * Version 4 signing done by libcurl itself (CURLOPT_AWS_SIGV4) when
 * asked. The response body of a 2xx answer streams to the caller's sink;
 * any other answer's body is kept (the first 64 KiB), as S3 puts its
 * error document there. Redirects are not followed. Retrying is the
 * caller's business: sv_http_do makes one attempt.
 */
#ifndef SV_ADAPT_HTTP_H
#define SV_ADAPT_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "adapt/compress.h" /* sv_sink_fn */
#include "base/buf.h"
#include "base/err.h"

struct sv_http_request {
	const char *method;          /* "GET", "HEAD", "PUT", "POST", "DELETE" */
	const char *url;
	const char *const *headers;  /* "Name: value" each, NULL-terminated;
	                                or NULL */
	const char *aws_sigv4;       /* libcurl's provider string, e.g.
	                                "aws:amz:us-east-1:s3", or NULL */
	const char *userpwd;         /* "ACCESS_KEY:SECRET_KEY" with
	                                aws_sigv4 */
	bool has_body;               /* send a body (PUT, POST) */
	const void *body;            /* its bytes, or NULL: from body_fd */
	size_t body_len;
	int body_fd;                 /* with body NULL: body_size bytes read
	                                from here, from its current offset
	                                (no more, even if it has more) */
	uint64_t body_size;
	sv_sink_fn sink;             /* a 2xx response body, or NULL: kept
	                                in the response (at most max_body) */
	void *sink_data;
	size_t max_body;             /* without a sink: the most kept */
	long timeout_s;              /* the whole request; 0: 300 s */
};

struct sv_http_response {
	long status;                 /* the HTTP status, 0 if none came */
	struct buf body;             /* without a sink, or not 2xx */
	char *etag;                  /* owned: the ETag header without its
	                                quotes, or NULL */
	uint64_t length;             /* Content-Length, if has_length */
	bool has_length;
	char *location;              /* owned: a Location header, or NULL */
};

void sv_http_response_init(struct sv_http_response *r);
void sv_http_response_release(struct sv_http_response *r);

/* Load libcurl now (SV_INPUT naming it if it cannot be). */
int sv_http_load(struct sv_err *e);

/*
 * Make the request q; r (initialised) gets the answer, whatever its
 * status. A transport failure (no connection, a timeout, TLS) is SV_INPUT
 * naming the method and URL and libcurl's reason, with r->status 0; an
 * error the sink returns is returned as it is.
 */
int sv_http_do(const struct sv_http_request *q, struct sv_http_response *r,
    struct sv_err *e);

#endif
