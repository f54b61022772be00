#include "config.h"

#include "base/utf8.h"

#include <stdint.h>

size_t
sv_utf8_decode(const void *p, size_t n, uint32_t *cp)
{
	const unsigned char *s = p;
	uint32_t c;
	size_t len, i;

	if (n == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

size_t
sv_utf8_seq(const void *p, size_t n)
{
	uint32_t c;

	return sv_utf8_decode(p, n, &c);
}

void
sv_utf8_put(struct buf *b, uint32_t c)
{
	if (c < 0x80) {
		buf_addc(b, (char)c);
	} else if (c < 0x800) {
		buf_addc(b, (char)(0xc0 | (c >> 6)));
		buf_addc(b, (char)(0x80 | (c & 0x3f)));
	} else if (c < 0x10000) {
		buf_addc(b, (char)(0xe0 | (c >> 12)));
		buf_addc(b, (char)(0x80 | ((c >> 6) & 0x3f)));
		buf_addc(b, (char)(0x80 | (c & 0x3f)));
	} else {
		buf_addc(b, (char)(0xf0 | (c >> 18)));
		buf_addc(b, (char)(0x80 | ((c >> 12) & 0x3f)));
		buf_addc(b, (char)(0x80 | ((c >> 6) & 0x3f)));
		buf_addc(b, (char)(0x80 | (c & 0x3f)));
	}
}

size_t
sv_utf8_count(const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i, k, count = 0;

	for (i = 0; i < n; i += k, count++)
		if ((k = sv_utf8_seq(s + i, n - i)) == 0)
			return (size_t)-1;
	return count;
}

void
sv_utf8_add_latin1(struct buf *b, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < 0x80) {
			buf_addc(b, (char)s[i]);
		} else {
			buf_addc(b, (char)(0xc0 | s[i] >> 6));
			buf_addc(b, (char)(0x80 | (s[i] & 0x3f)));
		}
	}
}
