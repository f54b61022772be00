/*
 * s3.c - a store in an S3 bucket (s3://BUCKET[/PREFIX]), and the same
 * layout read over plain HTTPS (https://HOST/PATH, read-only).
 *
 * Objects are the store's keys under PREFIX/. S3's conditional writes
 * give the store's guarantees without a lock: a create-only put is a
 * PutObject with If-None-Match: * (412 when the key exists), and the
 * pointer's compare-and-swap reads the object and its ETag, then writes
 * with If-Match: ETag (412 when another writer moved it first). An object
 * appears whole or not at all, so a writer killed at any point leaves no
 * partial object.
 *
 * Requests are signed by libcurl (AWS Signature Version 4) with the
 * credentials and region of the environment, the way AWS tools take them:
 * AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
 * AWS_REGION or AWS_DEFAULT_REGION (us-east-1 by default), and
 * AWS_ENDPOINT_URL for an S3-compatible server (then addressed
 * path-style: ENDPOINT/BUCKET/KEY; AWS itself virtual-hosted style:
 * https://BUCKET.s3.REGION.amazonaws.com/KEY). Each body is sent with
 * its SHA-256 (x-amz-content-sha256), which the server checks.
 *
 * A request that fails for a passing reason (no connection, a timeout, a
 * 5xx, 429 SlowDown, 409 ConditionalRequestConflict) is tried again, up
 * to five times, waiting 0.2 s, 0.4 s, 0.8 s... in between; a download
 * is tried again only while nothing of it reached the caller.
 */
#include "config.h"

#include "store/backend.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "adapt/http.h"
#include "adapt/sha256.h"
#include "adapt/xml.h"
#include "base/outfile.h"
#include "base/str.h"
#include "base/xalloc.h"

#define MARKER "smoothver-store"
#define MARKER_TEXT "smoothver-store 1\n"
#define TRIES 5
#define EMPTY_SHA256 \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

struct s3 {
	struct sv_store base;
	char *bucket;          /* NULL for an https store */
	char *prefix;          /* "" or "PREFIX/" */
	char *base_url;        /* requests go to base_url + encoded key */
	char *sigv4;           /* "aws:amz:REGION:s3", or NULL (https) */
	char *userpwd;         /* "KEY:SECRET" */
	char *token;           /* "x-amz-security-token: ...", or NULL */
};

/* ---- requests ---- */

/* key with everything but RFC 3986's unreserved characters and '/'
 * percent-encoded, appended to b. */
static void
add_encoded(struct buf *b, const char *s, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~' || (keep_slash && c == '/')) {
			buf_addc(b, (char)c);
		} else {
			buf_addc(b, '%');
			buf_addc(b, hex[c >> 4]);
			buf_addc(b, hex[c & 15]);
		}
	}
}

/* A request to make, with its retries. */
struct call {
	const char *method;
	const char *key;       /* the store's key, or NULL: the bucket */
	const char *query;     /* already encoded, without '?', or NULL */
	const char *cond;      /* a condition header, or NULL */
	const void *body;      /* a body in memory */
	size_t body_len;
	int body_fd;           /* or from a file (-1: none) */
	uint64_t body_size;
	const char *sha256;    /* the body's, hex; NULL: the empty body's */
	sv_sink_fn sink;       /* a 2xx GET's body */
	void *sink_data;
	size_t max_body;       /* without a sink */
};

struct counted {
	sv_sink_fn sink;
	void *data;
	uint64_t n;
};

static int
count_sink(void *data, const void *p, size_t n, struct sv_err *e)
{
	struct counted *c = data;

	c->n += n;
	return c->sink(c->data, p, n, e);
}

/* The S3 error code and message of an error document, into code and
 * msg. */
struct s3err {
	struct buf *code, *msg;
};

static int
error_field(const char *path, const char *text, void *data)
{
	struct s3err *x = data;

	if (strcmp(path, "Error/Code") == 0)
		buf_adds(x->code, text);
	else if (strcmp(path, "Error/Message") == 0)
		buf_adds(x->msg, text);
	return 0;
}

/* The S3 error code of r's body ("" if none). */
static void
error_code(const struct sv_http_response *r, struct buf *code,
    struct buf *msg)
{
	struct s3err x = { code, msg };
	struct sv_err ignore;

	sv_err_init(&ignore);
	buf_reset(code);
	buf_reset(msg);
	if (r->body.len > 0)
		sv_xml_walk(r->body.s, r->body.len, "error", error_field, &x,
		    &ignore);
}

/* An error naming the store, the request, the HTTP status and S3's
 * code and message. */
static int
http_error(struct s3 *s, const struct call *c,
    const struct sv_http_response *r, struct sv_err *e)
{
	struct buf code, msg;
	int status;

	buf_init(&code);
	buf_init(&msg);
	error_code(r, &code, &msg);
	status = sv_err_set(e, SV_INPUT, "store '%s': %s %s: HTTP %ld%s%s%s%s%s",
	    s->base.url, c->method, c->key ? c->key : "(the bucket)",
	    r->status, code.len ? " " : "", code.s, msg.len ? " (" : "",
	    msg.s, msg.len ? ")" : "");
	buf_release(&code);
	buf_release(&msg);
	return status;
}

static bool
passing(const struct sv_http_response *r)
{
	struct buf code, msg;
	bool yes;

	if (r->status == 0 || r->status >= 500 || r->status == 429)
		return true;
	if (r->status != 409)
		return false;
	buf_init(&code);
	buf_init(&msg);
	error_code(r, &code, &msg);
	yes = strcmp(code.s, "ConditionalRequestConflict") == 0 ||
	    strcmp(code.s, "OperationAborted") == 0;
	buf_release(&code);
	buf_release(&msg);
	return yes;
}

/* Make the call, trying again while it fails for a passing reason; r
 * gets the last answer. A transport failure after the last try is
 * SV_INPUT; any HTTP status is the caller's to judge. */
static int
call(struct s3 *s, const struct call *c, struct sv_http_response *r,
    struct sv_err *e)
{
	struct sv_http_request q;
	struct buf url, sha, cond;
	struct counted cs;
	const char *headers[5];
	off_t start = 0;
	size_t nh = 0;
	int attempt, status = SV_OK;

	buf_init(&url);
	buf_init(&sha);
	buf_init(&cond);
	buf_adds(&url, s->base_url);
	if (c->key != NULL) {
		add_encoded(&url, s->prefix, true);
		add_encoded(&url, c->key, true);
	}
	if (c->query != NULL)
		buf_addf(&url, "?%s", c->query);
	buf_addf(&sha, "x-amz-content-sha256: %s", c->sha256 ? c->sha256 :
	    EMPTY_SHA256);
	if (s->sigv4 != NULL)
		headers[nh++] = sha.s;
	if (s->token != NULL)
		headers[nh++] = s->token;
	if (c->cond != NULL)
		headers[nh++] = c->cond;
	headers[nh] = NULL;
	memset(&q, 0, sizeof(q));
	q.method = c->method;
	q.url = url.s;
	q.headers = headers;
	q.aws_sigv4 = s->sigv4;
	q.userpwd = s->userpwd;
	q.has_body = c->body != NULL || c->body_fd >= 0;
	q.body = c->body;
	q.body_len = c->body_len;
	q.body_fd = c->body_fd;
	q.body_size = c->body_size;
	q.max_body = c->max_body;
	cs.sink = c->sink;
	cs.data = c->sink_data;
	cs.n = 0;
	if (c->sink != NULL) {
		q.sink = count_sink;
		q.sink_data = &cs;
	}
	if (c->body_fd >= 0)
		start = lseek(c->body_fd, 0, SEEK_CUR);
	if (strcmp(c->method, "GET") != 0 && strcmp(c->method, "HEAD") != 0)
		sv_store_test_step();
	for (attempt = 1;; attempt++) {
		struct timespec ts;

		if (c->body_fd >= 0 && lseek(c->body_fd, start, SEEK_SET) < 0) {
			status = sv_err_set(e, SV_INPUT, "cannot rewind the "
			    "upload of '%s': %s", c->key, strerror(errno));
			break;
		}
		status = sv_http_do(&q, r, e);
		if (cs.n > 0 || attempt == TRIES ||
		    (status != SV_OK && r->status != 0) ||
		    (status == SV_OK && !passing(r)))
			break;
		ts.tv_sec = 0;
		ts.tv_nsec = 200000000L << (attempt - 1);
		while (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		nanosleep(&ts, NULL);
	}
	if (status != SV_OK && r->status == 0)
		sv_err_hint(e, "store '%s': the request failed %d times",
		    s->base.url, TRIES);
	buf_release(&url);
	buf_release(&sha);
	buf_release(&cond);
	return status;
}

static void
call_init(struct call *c, const char *method, const char *key)
{
	memset(c, 0, sizeof(*c));
	c->method = method;
	c->key = key;
	c->body_fd = -1;
}

static bool
key_ok(const char *key)
{
	const char *p = key;

	if (*key == '\0' || *key == '/')
		return false;
	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		p += n;
		if (*p == '/')
			p++;
	}
	return key[strlen(key) - 1] != '/';
}

static int
bad_key(struct s3 *s, const char *key, struct sv_err *e)
{
	return sv_err_set(e, SV_INPUT, "store '%s': invalid key '%s'",
	    s->base.url, key);
}

static int
read_only(struct s3 *s, const char *what, struct sv_err *e)
{
	sv_err_set(e, SV_USAGE, "store '%s' is read-only: cannot %s",
	    s->base.url, what);
	return sv_err_hint(e, "an https:// store is read over plain HTTP; "
	    "publish to its s3:// URL");
}

/* ---- the operations ---- */

/* A create-only put of the call's body: *created, or false if the key
 * exists. */
static int
put_call(struct s3 *s, struct call *c, bool *created, struct sv_err *e)
{
	struct sv_http_response r;
	int status;

	*created = false;
	c->cond = "If-None-Match: *";
	sv_http_response_init(&r);
	if ((status = call(s, c, &r, e)) == SV_OK) {
		if (r.status == 200)
			*created = true;
		else if (r.status != 412)
			status = http_error(s, c, &r, e);
	}
	sv_http_response_release(&r);
	return status;
}

static int
s3_put(struct sv_store *base, const char *key, const void *p, size_t n,
    bool *created, struct sv_err *e)
{
	struct s3 *s = (struct s3 *)base;
	unsigned char d[SV_SHA256_LEN];
	char hex[SV_SHA256_HEX];
	struct call c;

	*created = false;
	if (s->sigv4 == NULL)
		return read_only(s, "write", e);
	if (!key_ok(key))
		return bad_key(s, key, e);
	sv_sha256(p, n, d);
	sv_sha256_hex(d, hex);
	call_init(&c, "PUT", key);
	c.body = n > 0 ? p : "";
	c.body_len = n;
	c.sha256 = hex;
	return put_call(s, &c, created, e);
}

static int
hash_chunk(void *data, const void *p, size_t n, struct sv_err *e)
{
	(void)e;
	sv_sha256_update(data, p, n);
	return SV_OK;
}

/* ---- multipart ---- */

static int
s3_stat(struct sv_store *base, const char *key, bool *found,
    uint64_t *size, struct sv_err *e);


/* Files above this go up in parts of this size (S3 takes parts of 5 MiB
 * to 5 GiB, 10000 of them). SMOOTHVER_TEST_S3_PART_SIZE (bytes, at least
 * 5 MiB) makes it smaller for the tests. */
#define PART_SIZE (64ull << 20)
#define PART_MIN (5ull << 20)

static uint64_t
part_size(void)
{
	const char *v = getenv("SMOOTHVER_TEST_S3_PART_SIZE");
	unsigned long long n;

	if (v != NULL && (n = strtoull(v, NULL, 10)) >= PART_MIN)
		return n;
	return PART_SIZE;
}

struct upload_id {
	char *id;
};

static int
upload_id_field(const char *path, const char *text, void *data)
{
	struct upload_id *u = data;

	if (strcmp(path, "InitiateMultipartUploadResult/UploadId") == 0) {
		free(u->id);
		u->id = xstrdup(text);
	}
	return 0;
}

/* The SHA-256 (hex) of n bytes of fd from offset off. */
static int
hash_range(int fd, const char *src, uint64_t off, uint64_t n,
    char hex[SV_SHA256_HEX], struct sv_err *e)
{
	unsigned char d[SV_SHA256_LEN], chunk[65536];
	struct sv_sha256 *h = sv_sha256_new();
	int status = SV_OK;

	while (n > 0) {
		ssize_t k = pread(fd, chunk, n < sizeof(chunk) ? (size_t)n :
		    sizeof(chunk), (off_t)off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			status = sv_err_set(e, SV_INPUT, "cannot read '%s': %s",
			    src, k < 0 ? strerror(errno) : "it got shorter");
			break;
		}
		sv_sha256_update(h, chunk, (size_t)k);
		off += (uint64_t)k;
		n -= (uint64_t)k;
	}
	sv_sha256_final(h, d);
	sv_sha256_free(h);
	sv_sha256_hex(d, hex);
	return status;
}

/* Abandon an upload (best effort: gc's business otherwise). */
static void
abort_upload(struct s3 *s, const char *key, const char *id)
{
	struct sv_http_response r;
	struct sv_err ignore;
	struct buf q;
	struct call c;

	sv_err_init(&ignore);
	buf_init(&q);
	buf_adds(&q, "uploadId=");
	add_encoded(&q, id, false);
	call_init(&c, "DELETE", key);
	c.query = q.s;
	sv_http_response_init(&r);
	call(s, &c, &r, &ignore);
	sv_http_response_release(&r);
	buf_release(&q);
}

/*
 * A create-only put of a large file in parts: the key is checked first
 * (a blob already there is left alone), then CreateMultipartUpload, each
 * part with its own SHA-256, and CompleteMultipartUpload with
 * If-None-Match: * (a racing writer's object, which under a content
 * address is the same, wins). A failure abandons the upload.
 */
static int
put_multipart(struct s3 *s, const char *key, const char *src, int fd,
    uint64_t size, bool *created, struct sv_err *e)
{
	struct sv_http_response r;
	struct upload_id u = { NULL };
	struct buf q, doc;
	uint64_t psize = part_size(), off;
	unsigned part;
	bool found;
	struct call c;
	int status;

	*created = false;
	if ((status = s3_stat(&s->base, key, &found, NULL, e)) || found)
		return status;
	buf_init(&q);
	buf_init(&doc);
	sv_http_response_init(&r);
	call_init(&c, "POST", key);
	c.query = "uploads=";
	c.body = "";
	if ((status = call(s, &c, &r, e)))
		goto out;
	if (r.status != 200) {
		status = http_error(s, &c, &r, e);
		goto out;
	}
	if ((status = sv_xml_walk(r.body.s, r.body.len, "the upload's answer",
	    upload_id_field, &u, e)))
		goto out;
	if (u.id == NULL) {
		status = sv_err_set(e, SV_INPUT, "store '%s': POST %s?uploads: "
		    "no UploadId in the answer", s->base.url, key);
		goto out;
	}
	buf_adds(&doc, "<CompleteMultipartUpload>");
	for (part = 1, off = 0; off < size; part++, off += psize) {
		uint64_t n = size - off < psize ? size - off : psize;
		char hex[SV_SHA256_HEX];

		if ((status = hash_range(fd, src, off, n, hex, e)))
			goto out;
		if (lseek(fd, (off_t)off, SEEK_SET) < 0) {
			status = sv_err_set(e, SV_INPUT, "cannot seek in '%s': %s",
			    src, strerror(errno));
			goto out;
		}
		buf_reset(&q);
		buf_addf(&q, "partNumber=%u&uploadId=", part);
		add_encoded(&q, u.id, false);
		call_init(&c, "PUT", key);
		c.query = q.s;
		c.body_fd = fd;
		c.body_size = n;
		c.sha256 = hex;
		if ((status = call(s, &c, &r, e)))
			goto out;
		if (r.status != 200 || r.etag == NULL) {
			status = http_error(s, &c, &r, e);
			goto out;
		}
		buf_addf(&doc, "<Part><PartNumber>%u</PartNumber><ETag>\"%s\""
		    "</ETag></Part>", part, r.etag);
	}
	buf_adds(&doc, "</CompleteMultipartUpload>");
	{
		unsigned char d[SV_SHA256_LEN];
		char hex[SV_SHA256_HEX];
		struct buf code, msg;

		sv_sha256(doc.s, doc.len, d);
		sv_sha256_hex(d, hex);
		buf_reset(&q);
		buf_adds(&q, "uploadId=");
		add_encoded(&q, u.id, false);
		call_init(&c, "POST", key);
		c.query = q.s;
		c.body = doc.s;
		c.body_len = doc.len;
		c.sha256 = hex;
		c.cond = "If-None-Match: *";
		if ((status = call(s, &c, &r, e)))
			goto out;
		/* S3 may answer 200 and put an error in the body. */
		buf_init(&code);
		buf_init(&msg);
		error_code(&r, &code, &msg);
		if (r.status == 200 && code.len == 0)
			*created = true;
		else if (r.status != 412)
			status = http_error(s, &c, &r, e);
		buf_release(&code);
		buf_release(&msg);
	}
out:
	if (u.id != NULL && !*created)
		abort_upload(s, key, u.id);
	free(u.id);
	sv_http_response_release(&r);
	buf_release(&q);
	buf_release(&doc);
	return status;
}

static int
s3_put_file(struct sv_store *base, const char *key, const char *src,
    bool *created, struct sv_err *e)
{
	struct s3 *s = (struct s3 *)base;
	unsigned char d[SV_SHA256_LEN];
	char hex[SV_SHA256_HEX];
	struct sv_sha256 *h;
	struct stat st;
	struct call c;
	int fd, status;

	*created = false;
	if (s->sigv4 == NULL)
		return read_only(s, "write", e);
	if (!key_ok(key))
		return bad_key(s, key, e);
	if ((fd = open(src, O_RDONLY | O_CLOEXEC)) < 0)
		return sv_err_set(e, SV_INPUT, "cannot open '%s': %s", src,
		    strerror(errno));
	if (fstat(fd, &st) < 0) {
		status = sv_err_set(e, SV_INPUT, "cannot stat '%s': %s", src,
		    strerror(errno));
		close(fd);
		return status;
	}
	if ((uint64_t)st.st_size > part_size()) {
		status = put_multipart(s, key, src, fd, (uint64_t)st.st_size,
		    created, e);
		close(fd);
		return status;
	}
	/* The digest first: S3 checks the body against it. */
	h = sv_sha256_new();
	status = sv_read_fd(fd, src, hash_chunk, h, e);
	sv_sha256_final(h, d);
	sv_sha256_free(h);
	if (status == SV_OK && lseek(fd, 0, SEEK_SET) < 0)
		status = sv_err_set(e, SV_INPUT, "cannot rewind '%s': %s", src,
		    strerror(errno));
	if (status == SV_OK) {
		sv_sha256_hex(d, hex);
		call_init(&c, "PUT", key);
		c.body_fd = fd;
		c.body_size = (uint64_t)st.st_size;
		c.sha256 = hex;
		status = put_call(s, &c, created, e);
	}
	close(fd);
	return status;
}

static int
s3_stat(struct sv_store *base, const char *key, bool *found,
    uint64_t *size, struct sv_err *e)
{
	struct s3 *s = (struct s3 *)base;
	struct sv_http_response r;
	struct call c;
	int status;

	*found = false;
	if (!key_ok(key))
		return bad_key(s, key, e);
	call_init(&c, "HEAD", key);
	sv_http_response_init(&r);
	if ((status = call(s, &c, &r, e)) == SV_OK) {
		if (r.status == 200) {
			*found = true;
			if (size)
				*size = r.length;
		} else if (r.status != 404) {
			status = http_error(s, &c, &r, e);
		}
	}
	sv_http_response_release(&r);
	return status;
}

/* GET key: to sink, or (sink NULL) into r's body; *found. */
static int
get_call(struct s3 *s, const char *key, sv_sink_fn sink, void *data,
    struct sv_http_response *r, bool *found, struct sv_err *e)
{
	struct call c;
	int status;

	*found = false;
	if (!key_ok(key))
		return bad_key(s, key, e);
	call_init(&c, "GET", key);
	c.sink = sink;
	c.sink_data = data;
	c.max_body = 1u << 20;
	if ((status = call(s, &c, r, e)) == SV_OK) {
		if (r->status == 200)
			*found = true;
		else if (r->status != 404)
			status = http_error(s, &c, r, e);
	}
	return status;
}

static int
s3_get(struct sv_store *base, const char *key, sv_sink_fn sink, void *data,
    bool *found, struct sv_err *e)
{
	struct s3 *s = (struct s3 *)base;
	struct sv_http_response r;
	int status;

	sv_http_response_init(&r);
	status = get_call(s, key, sink, data, &r, found, e);
	sv_http_response_release(&r);
	return status;
}

/*
 * Compare and swap: read the key and its ETag; if it holds what is
 * expected (or is absent, with expected NULL), write with If-Match: ETag
 * (If-None-Match: *). A 412 means another writer came first: the key is
 * read again for the caller - unless it now holds exactly what this call
 * wrote (an earlier try of this very write that succeeded before its
 * answer was lost), which counts as swapped.
 */
static int
s3_cas(struct sv_store *base, const char *key, const void *expected,
    size_t expected_n, const void *p, size_t n, bool *swapped,
    struct buf *current, bool *current_found, struct sv_err *e)
{
	struct s3 *s = (struct s3 *)base;
	struct sv_http_response r;
	unsigned char d[SV_SHA256_LEN];
	char hex[SV_SHA256_HEX];
	struct buf cond;
	struct call c;
	bool found;
	int status;

	*swapped = false;
	*current_found = false;
	if (s->sigv4 == NULL)
		return read_only(s, "write", e);
	buf_init(&cond);
	sv_http_response_init(&r);
	if ((status = get_call(s, key, NULL, NULL, &r, &found, e)))
		goto out;
	buf_reset(current);
	if (found)
		buf_add(current, r.body.s, r.body.len);
	*current_found = found;
	if (expected == NULL ? found : (!found || current->len != expected_n ||
	    memcmp(current->s, expected, expected_n) != 0))
		goto out;
	if (found && r.etag == NULL) {
		status = sv_err_set(e, SV_INPUT, "store '%s': GET %s: no ETag "
		    "in the answer", s->base.url, key);
		goto out;
	}
	/* S3 takes the ETag quoted or not; RGW only bare. */
	if (found)
		buf_addf(&cond, "If-Match: %s", r.etag);
	else
		buf_adds(&cond, "If-None-Match: *");
	sv_sha256(p, n, d);
	sv_sha256_hex(d, hex);
	call_init(&c, "PUT", key);
	c.body = n > 0 ? p : "";
	c.body_len = n;
	c.sha256 = hex;
	c.cond = cond.s;
	if ((status = call(s, &c, &r, e)))
		goto out;
	if (r.status == 200) {
		*swapped = true;
		goto out;
	}
	if (r.status != 412) {
		status = http_error(s, &c, &r, e);
		goto out;
	}
	if ((status = get_call(s, key, NULL, NULL, &r, &found, e)))
		goto out;
	buf_reset(current);
	if (found)
		buf_add(current, r.body.s, r.body.len);
	*current_found = found;
	if (found && current->len == n && memcmp(current->s, p, n) == 0)
		*swapped = true;
out:
	sv_http_response_release(&r);
	buf_release(&cond);
	return status;
}

/* GET the bucket with query (encoded) and walk the XML answer with fn;
 * what names the document in messages. */
static int
get_xml(struct s3 *s, const char *query, const char *what,
    int (*fn)(const char *path, const char *text, void *data), void *data,
    struct sv_err *e)
{
	struct sv_http_response r;
	struct call c;
	int status;

	call_init(&c, "GET", NULL);
	c.query = query;
	c.max_body = 16u << 20;
	sv_http_response_init(&r);
	if ((status = call(s, &c, &r, e)) == SV_OK) {
		if (r.status != 200)
			status = http_error(s, &c, &r, e);
		else
			status = sv_xml_walk(r.body.s, r.body.len, what, fn,
			    data, e);
	}
	sv_http_response_release(&r);
	return status;
}

/* ---- listing ---- */

struct listing {
	struct s3 *s;
	const char *prefix;    /* the store's prefix + the caller's */
	char **names;
	size_t n, alloc;
	bool truncated;
	char *token;
};

static void
listing_add(struct listing *l, const char *full, bool dir)
{
	const char *rel = full + strlen(l->s->prefix);
	struct buf b;

	if (strncmp(full, l->s->prefix, strlen(l->s->prefix)) != 0)
		return;
	/* The marker is the store's, not a key. */
	if (strcmp(rel, MARKER) == 0)
		return;
	buf_init(&b);
	buf_adds(&b, rel);
	if (dir && (b.len == 0 || b.s[b.len - 1] != '/'))
		buf_addc(&b, '/');
	xgrow(&l->names, &l->alloc, l->n + 1, sizeof(*l->names));
	l->names[l->n++] = buf_detach(&b);
}

static int
list_field(const char *path, const char *text, void *data)
{
	struct listing *l = data;

	if (strcmp(path, "ListBucketResult/Contents/Key") == 0)
		listing_add(l, text, false);
	else if (strcmp(path, "ListBucketResult/CommonPrefixes/Prefix") == 0)
		listing_add(l, text, true);
	else if (strcmp(path, "ListBucketResult/IsTruncated") == 0)
		l->truncated = strcmp(text, "true") == 0;
	else if (strcmp(path, "ListBucketResult/NextContinuationToken") == 0) {
		free(l->token);
		l->token = xstrdup(text);
	}
	return 0;
}

static int
s3_list(struct sv_store *base, const char *prefix,
    int (*fn)(const char *key, void *data, struct sv_err *e), void *data,
    struct sv_err *e)
{
	struct s3 *s = (struct s3 *)base;
	struct listing l;
	struct buf full, query;
	size_t i;
	int status = SV_OK;

	if (s->bucket == NULL) {
		sv_err_set(e, SV_USAGE, "store '%s' cannot be listed: plain "
		    "HTTP has no listing", s->base.url);
		return sv_err_hint(e, "list its s3:// URL instead");
	}
	memset(&l, 0, sizeof(l));
	l.s = s;
	buf_init(&full);
	buf_init(&query);
	buf_addf(&full, "%s%s", s->prefix, prefix);
	do {
		/* In the order SigV4 signs them (libcurl does not sort). */
		buf_reset(&query);
		if (l.token != NULL) {
			buf_adds(&query, "continuation-token=");
			add_encoded(&query, l.token, false);
			buf_addc(&query, '&');
		}
		buf_adds(&query, "delimiter=%2F&list-type=2&prefix=");
		add_encoded(&query, full.s, false);
		free(l.token);
		l.token = NULL;
		l.truncated = false;
		status = get_xml(s, query.s, "the bucket listing", list_field,
		    &l, e);
	} while (status == SV_OK && l.truncated && l.token != NULL);
	if (l.n > 1)
		qsort(l.names, l.n, sizeof(*l.names), sv_str_cmp);
	for (i = 0; i < l.n && status == SV_OK; i++)
		status = fn(l.names[i], data, e);
	sv_strv_free(l.names, l.n);
	free(l.token);
	buf_release(&full);
	buf_release(&query);
	return status;
}

static int
s3_delete(struct sv_store *base, const char *key, struct sv_err *e)
{
	struct s3 *s = (struct s3 *)base;
	struct sv_http_response r;
	struct call c;
	int status;

	if (s->sigv4 == NULL)
		return read_only(s, "delete", e);
	if (!key_ok(key))
		return bad_key(s, key, e);
	call_init(&c, "DELETE", key);
	sv_http_response_init(&r);
	if ((status = call(s, &c, &r, e)) == SV_OK && r.status != 204 &&
	    r.status != 200 && r.status != 404)
		status = http_error(s, &c, &r, e);
	sv_http_response_release(&r);
	return status;
}

/* Conditional writes make each step safe on their own. */
static int
s3_lock(struct sv_store *base, struct sv_err *e)
{
	(void)base;
	(void)e;
	return SV_OK;
}

static void
s3_unlock(struct sv_store *base)
{
	(void)base;
}

/* The multipart uploads under the store's prefix: key, id, start. */
struct uploads {
	char **keys, **ids;
	int64_t *started;
	size_t n, alloc;
	char *key, *id;     /* of the Upload element being read */
	int64_t t;
	bool truncated;
	char *next_key, *next_id;
};

/* "2026-12-03T13:40:02.123Z" as seconds since 1970, or -1. */
static int64_t
iso_time(const char *s)
{
	struct tm tm;
	int y, mo, d, h, mi, sec;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi,
	    &sec) != 6)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	return (int64_t)timegm(&tm);
}

static void
uploads_flush(struct uploads *u)
{
	if (u->key != NULL && u->id != NULL) {
		size_t alloc = u->alloc;

		xgrow(&u->keys, &alloc, u->n + 1, sizeof(*u->keys));
		alloc = u->alloc;
		xgrow(&u->ids, &alloc, u->n + 1, sizeof(*u->ids));
		xgrow(&u->started, &u->alloc, u->n + 1, sizeof(*u->started));
		u->keys[u->n] = u->key;
		u->ids[u->n] = u->id;
		u->started[u->n] = u->t;
		u->n++;
		u->key = u->id = NULL;
	}
	free(u->key);
	free(u->id);
	u->key = u->id = NULL;
	u->t = -1;
}

static int
uploads_field(const char *path, const char *text, void *data)
{
	struct uploads *u = data;
	const char *p = "ListMultipartUploadsResult/";

	if (strncmp(path, p, strlen(p)) != 0)
		return 0;
	path += strlen(p);
	if (strcmp(path, "Upload/Key") == 0) {
		if (u->key != NULL)
			uploads_flush(u);
		u->key = xstrdup(text);
	} else if (strcmp(path, "Upload/UploadId") == 0) {
		free(u->id);
		u->id = xstrdup(text);
	} else if (strcmp(path, "Upload/Initiated") == 0) {
		u->t = iso_time(text);
	} else if (strcmp(path, "IsTruncated") == 0) {
		u->truncated = strcmp(text, "true") == 0;
	} else if (strcmp(path, "NextKeyMarker") == 0) {
		free(u->next_key);
		u->next_key = xstrdup(text);
	} else if (strcmp(path, "NextUploadIdMarker") == 0) {
		free(u->next_id);
		u->next_id = xstrdup(text);
	}
	return 0;
}

/*
 * Nothing is written under a temporary name; what a publisher killed in
 * the middle of a multipart upload leaves is the upload: those under the
 * store's prefix started more than min_age seconds ago are aborted.
 */
static int
s3_clean_tmp(struct sv_store *base, int64_t min_age, size_t *removed,
    struct sv_err *e)
{
	struct s3 *s = (struct s3 *)base;
	struct uploads u;
	struct buf q;
	int64_t now = (int64_t)time(NULL);
	size_t i;
	int status = SV_OK;

	*removed = 0;
	if (s->sigv4 == NULL)
		return SV_OK;
	memset(&u, 0, sizeof(u));
	u.t = -1;
	buf_init(&q);
	do {
		/* in the order SigV4 signs them */
		buf_reset(&q);
		if (u.next_key != NULL) {
			buf_adds(&q, "key-marker=");
			add_encoded(&q, u.next_key, false);
			buf_addc(&q, '&');
		}
		buf_adds(&q, "prefix=");
		add_encoded(&q, s->prefix, false);
		if (u.next_id != NULL) {
			buf_adds(&q, "&upload-id-marker=");
			add_encoded(&q, u.next_id, false);
		}
		buf_adds(&q, "&uploads=");
		free(u.next_key);
		free(u.next_id);
		u.next_key = u.next_id = NULL;
		u.truncated = false;
		status = get_xml(s, q.s, "the upload listing", uploads_field,
		    &u, e);
		uploads_flush(&u);
	} while (status == SV_OK && u.truncated && u.next_key != NULL);
	for (i = 0; i < u.n && status == SV_OK; i++) {
		const char *key = u.keys[i] + strlen(s->prefix);

		if (strncmp(u.keys[i], s->prefix, strlen(s->prefix)) != 0 ||
		    u.started[i] < 0 || now - u.started[i] < min_age)
			continue;
		abort_upload(s, key, u.ids[i]);
		(*removed)++;
	}
	sv_strv_free(u.keys, u.n);
	sv_strv_free(u.ids, u.n);
	free(u.started);
	free(u.next_key);
	free(u.next_id);
	buf_release(&q);
	return status;
}

static void
s3_close(struct sv_store *base)
{
	struct s3 *s = (struct s3 *)base;

	free(s->base.url);
	free(s->bucket);
	free(s->prefix);
	free(s->base_url);
	free(s->sigv4);
	free(s->userpwd);
	free(s->token);
	free(s);
}

static const struct sv_store_ops s3_ops = {
	.put = s3_put,
	.put_file = s3_put_file,
	.stat = s3_stat,
	.get = s3_get,
	.cas = s3_cas,
	.list = s3_list,
	.del = s3_delete,
	.lock = s3_lock,
	.unlock = s3_unlock,
	.clean_tmp = s3_clean_tmp,
	.close = s3_close,
};

/* ---- opening ---- */

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

/* The marker: present, or (mode CREATE) written into an empty place. */
static int
check_marker(struct s3 *s, enum sv_store_mode mode, struct sv_err *e)
{
	struct buf text;
	bool found = false, created;
	int status;

	buf_init(&text);
	status = sv_store_get_buf(&s->base, MARKER, &text, 4096, &found, e);
	if (status == SV_OK && found) {
		if (strncmp(text.s, "smoothver-store ", 16) != 0)
			status = sv_err_set(e, SV_INPUT, "store '%s': '%s' is "
			    "not a smoothver store marker", s->base.url, MARKER);
		goto out;
	}
	if (status != SV_OK)
		goto out;
	if (mode == SV_STORE_READ || s->bucket == NULL) {
		status = sv_err_set(e, SV_INPUT, "'%s' is not a smoothver store "
		    "(it has no '%s' object)", s->base.url, MARKER);
		goto out;
	}
	status = s3_put(&s->base, MARKER, MARKER_TEXT, strlen(MARKER_TEXT),
	    &created, e);
out:
	buf_release(&text);
	return status;
}

int
sv_store_s3_open(const char *url, enum sv_store_mode mode,
    struct sv_store **out, struct sv_err *e)
{
	struct s3 *s = xcalloc(1, sizeof(*s));
	const char *rest, *slash, *key, *secret, *token, *region, *endpoint;
	struct buf b;
	int status;

	*out = NULL;
	buf_init(&b);
	s->base.ops = &s3_ops;
	s->base.url = xstrdup(url);
	if (strncmp(url, "s3://", 5) == 0) {
		rest = url + 5;
		slash = strchr(rest, '/');
		s->bucket = slash ? xstrndup(rest, (size_t)(slash - rest)) :
		    xstrdup(rest);
		if (*s->bucket == '\0') {
			status = sv_err_set(e, SV_USAGE, "invalid store URL '%s' "
			    "(expected s3://BUCKET[/PREFIX])", url);
			goto fail;
		}
		rest = slash ? slash + 1 : "";
	} else {
		/* https://HOST/PATH or http://...: read-only */
		rest = "";
		buf_adds(&b, url);
		while (b.len > 0 && b.s[b.len - 1] == '/')
			buf_truncate(&b, b.len - 1);
		buf_addc(&b, '/');
		s->base_url = buf_detach(&b);
	}
	buf_adds(&b, rest);
	while (b.len > 0 && b.s[b.len - 1] == '/')
		buf_truncate(&b, b.len - 1);
	if (b.len > 0)
		buf_addc(&b, '/');
	s->prefix = buf_detach(&b);
	if (s->bucket != NULL) {
		key = env("AWS_ACCESS_KEY_ID");
		secret = env("AWS_SECRET_ACCESS_KEY");
		token = env("AWS_SESSION_TOKEN");
		region = env("AWS_REGION");
		if (region == NULL)
			region = env("AWS_DEFAULT_REGION");
		if (region == NULL)
			region = "us-east-1";
		endpoint = env("AWS_ENDPOINT_URL");
		if (key == NULL || secret == NULL) {
			status = sv_err_set(e, SV_USAGE, "store '%s': no "
			    "credentials (AWS_ACCESS_KEY_ID and "
			    "AWS_SECRET_ACCESS_KEY)", url);
			sv_err_hint(e, "set them, as for the AWS CLI (in GitHub "
			    "Actions, aws-actions/configure-aws-credentials "
			    "does)");
			goto fail;
		}
		buf_addf(&b, "aws:amz:%s:s3", region);
		s->sigv4 = buf_detach(&b);
		buf_addf(&b, "%s:%s", key, secret);
		s->userpwd = buf_detach(&b);
		if (token != NULL) {
			buf_addf(&b, "x-amz-security-token: %s", token);
			s->token = buf_detach(&b);
		}
		if (endpoint != NULL) {
			buf_adds(&b, endpoint);
			while (b.len > 0 && b.s[b.len - 1] == '/')
				buf_truncate(&b, b.len - 1);
			buf_addc(&b, '/');
			add_encoded(&b, s->bucket, false);
			buf_addc(&b, '/');
		} else {
			buf_addf(&b, "https://%s.s3.%s.amazonaws.com/",
			    s->bucket, region);
		}
		s->base_url = buf_detach(&b);
	}
	if (s->bucket == NULL && mode == SV_STORE_CREATE) {
		status = read_only(s, "publish to it", e);
		goto fail;
	}
	if ((status = sv_http_load(e)) || (status = check_marker(s, mode, e)))
		goto fail;
	*out = &s->base;
	return SV_OK;
fail:
	buf_release(&b);
	s3_close(&s->base);
	return status;
}
