#include "config.h"

#include "base/quote.h"

#include <stdbool.h>
#include <string.h>

/* Length of a valid multi-byte UTF-8 sequence at p, else 0. */
static size_t
utf8_multi(const unsigned char *p)
{
	size_t n, i;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

static bool
needs_quotes(const unsigned char *p)
{
	while (*p) {
		if (*p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\')
			return true;
		if (*p >= 0x80) {
			size_t n = utf8_multi(p);

			if (n == 0)
				return true;
			p += n;
			continue;
		}
		p++;
	}
	return false;
}

void
sv_quote_path(struct buf *out, const char *path)
{
	const unsigned char *p = (const unsigned char *)path;

	if (!needs_quotes(p)) {
		buf_adds(out, path);
		return;
	}
	buf_addc(out, '"');
	while (*p) {
		size_t n;

		switch (*p) {
		case '\n':
			buf_adds(out, "\\n");
			break;
		case '\t':
			buf_adds(out, "\\t");
			break;
		case '"':
			buf_adds(out, "\\\"");
			break;
		case '\\':
			buf_adds(out, "\\\\");
			break;
		default:
			if (*p >= 0x80 && (n = utf8_multi(p)) > 0) {
				buf_add(out, p, n);
				p += n;
				continue;
			}
			if (*p < 0x20 || *p >= 0x7f)
				buf_addf(out, "\\%03o", *p);
			else
				buf_addc(out, (char)*p);
		}
		p++;
	}
	buf_addc(out, '"');
}

char *
sv_quote_dup(const char *path)
{
	struct buf b;

	buf_init(&b);
	sv_quote_path(&b, path ? path : "");
	return buf_detach(&b);
}
