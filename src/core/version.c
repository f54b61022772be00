#include "config.h"

#include "core/version.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

static const char *const part_name[3] = { "RESTART", "RELUP", "RELOAD" };

const char *
sv_level_name(enum sv_level level)
{
	switch (level) {
	case SV_LEVEL_NONE:
		return "none";
	case SV_LEVEL_RELOAD:
		return "reload";
	case SV_LEVEL_RELUP:
		return "relup";
	case SV_LEVEL_RESTART:
		return "restart";
	}
	return "none";
}

bool
sv_level_parse(const char *s, bool allow_none, enum sv_level *out)
{
	if (strcmp(s, "reload") == 0)
		*out = SV_LEVEL_RELOAD;
	else if (strcmp(s, "relup") == 0)
		*out = SV_LEVEL_RELUP;
	else if (strcmp(s, "restart") == 0)
		*out = SV_LEVEL_RESTART;
	else if (allow_none && strcmp(s, "none") == 0)
		*out = SV_LEVEL_NONE;
	else
		return false;
	return true;
}

void
sv_version_init(struct sv_version *v)
{
	v->part[0] = v->part[1] = v->part[2] = 0;
	v->pre = NULL;
	v->build = NULL;
}

void
sv_version_release(struct sv_version *v)
{
	free(v->pre);
	free(v->build);
	sv_version_init(v);
}

void
sv_version_copy(struct sv_version *dst, const struct sv_version *src)
{
	sv_version_release(dst);
	memcpy(dst->part, src->part, sizeof(dst->part));
	dst->pre = src->pre ? xstrdup(src->pre) : NULL;
	dst->build = src->build ? xstrdup(src->build) : NULL;
}

static bool
is_ident_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || c == '-';
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Describe the character at p for an error message. */
static const char *
char_desc(const char *p, char *tmp, size_t n)
{
	unsigned char c = (unsigned char)*p;

	if (c == '\0')
		return "end of input";
	if (c < 0x20 || c >= 0x7f)
		snprintf(tmp, n, "byte 0x%02x", c);
	else
		snprintf(tmp, n, "'%c'", c);
	return tmp;
}

/*
 * Check the dot-separated identifiers in [p, end) (pre-release when
 * numeric_rules is set, else build metadata). col0 is the column of p.
 */
static int
check_idents(const char *in, const char *p, const char *end, bool pre,
    struct sv_err *e)
{
	const char *what = pre ? "pre-release" : "build metadata";
	const char *id = p;

	for (;;) {
		const char *q = id;
		bool numeric = true;

		while (q < end && *q != '.') {
			if (!is_ident_char(*q)) {
				char tmp[16];

				return sv_err_set(e, SV_INPUT,
				    "invalid version '%s': unexpected %s in %s "
				    "at column %d (expected [0-9A-Za-z-] or '.')",
				    in, char_desc(q, tmp, sizeof(tmp)), what,
				    (int)(q - in) + 1);
			}
			if (!is_digit(*q))
				numeric = false;
			q++;
		}
		if (q == id)
			return sv_err_set(e, SV_INPUT,
			    "invalid version '%s': empty %s identifier at column %d",
			    in, what, (int)(id - in) + 1);
		if (pre && numeric && q - id > 1 && *id == '0')
			return sv_err_set(e, SV_INPUT,
			    "invalid version '%s': leading zero in numeric "
			    "pre-release identifier '%.*s' at column %d",
			    in, (int)(q - id), id, (int)(id - in) + 1);
		if (q == end)
			return SV_OK;
		id = q + 1;
	}
}

int
sv_version_parse(struct sv_version *v, const char *s, const char *prefix,
    struct sv_err *e)
{
	const char *p = s, *pre = NULL, *build = NULL, *end;
	size_t plen = prefix ? strlen(prefix) : 0;
	int i;

	sv_version_release(v);
	if (*s == '\0')
		return sv_err_set(e, SV_INPUT,
		    "invalid version '': empty (expected RESTART.RELUP.RELOAD)");
	if (plen > 0 && strncmp(s, prefix, plen) == 0)
		p += plen;

	for (i = 0; i < 3; i++) {
		const char *start = p;
		uint64_t n = 0;

		if (*p == '-' || *p == '+')
			return sv_err_set(e, SV_INPUT,
			    "invalid version '%s': sign '%c' not allowed at "
			    "column %d", s, *p, (int)(p - s) + 1);
		if (!is_digit(*p)) {
			char tmp[16];

			if (i > 0 && (*p == '\0' || *p == '-' || *p == '+'))
				goto missing;
			return sv_err_set(e, SV_INPUT,
			    "invalid version '%s': expected a digit for the %s "
			    "part at column %d, found %s", s, part_name[i],
			    (int)(p - s) + 1, char_desc(p, tmp, sizeof(tmp)));
		}
		while (is_digit(*p)) {
			unsigned d = (unsigned)(*p - '0');

			if (n > (UINT64_MAX - d) / 10)
				return sv_err_set(e, SV_INPUT,
				    "invalid version '%s': %s part too large at "
				    "column %d (maximum %llu)", s, part_name[i],
				    (int)(start - s) + 1,
				    (unsigned long long)UINT64_MAX);
			n = n * 10 + d;
			p++;
		}
		if (p - start > 1 && *start == '0')
			return sv_err_set(e, SV_INPUT,
			    "invalid version '%s': leading zero in %s part at "
			    "column %d", s, part_name[i], (int)(start - s) + 1);
		v->part[i] = n;
		if (i < 2) {
			if (*p != '.') {
				if (*p == '\0' || *p == '-' || *p == '+') {
					i++; /* the next part is missing */
					goto missing;
				}
				goto unexpected;
			}
			p++;
		}
	}

	if (*p == '.')
		return sv_err_set(e, SV_INPUT,
		    "invalid version '%s': extra part at column %d "
		    "(expected RESTART.RELUP.RELOAD)", s, (int)(p - s) + 2);
	if (*p == '-') {
		pre = ++p;
		while (*p != '\0' && *p != '+')
			p++;
		if (check_idents(s, pre, p, true, e) != SV_OK)
			goto fail;
		v->pre = xstrndup(pre, (size_t)(p - pre));
	}
	if (*p == '+') {
		build = ++p;
		end = p + strlen(p);
		if (check_idents(s, build, end, false, e) != SV_OK)
			goto fail;
		v->build = xstrdup(build);
		p = end;
	}
	if (*p != '\0')
		goto unexpected;
	return SV_OK;

missing:
	sv_version_release(v);
	return sv_err_set(e, SV_INPUT,
	    "invalid version '%s': missing %s part at column %d "
	    "(expected RESTART.RELUP.RELOAD)", s, part_name[i],
	    (int)(p - s) + 1 + (*p == '.'));
unexpected: {
	char tmp[16];

	sv_version_release(v);
	return sv_err_set(e, SV_INPUT,
	    "invalid version '%s': unexpected %s at column %d", s,
	    char_desc(p, tmp, sizeof(tmp)), (int)(p - s) + 1);
}
fail:
	sv_version_release(v);
	return e->status;
}

void
sv_version_format(const struct sv_version *v, struct buf *out)
{
	buf_addf(out, "%llu.%llu.%llu", (unsigned long long)v->part[0],
	    (unsigned long long)v->part[1], (unsigned long long)v->part[2]);
	if (v->pre)
		buf_addf(out, "-%s", v->pre);
	if (v->build)
		buf_addf(out, "+%s", v->build);
}

char *
sv_version_str(const struct sv_version *v)
{
	struct buf b;

	buf_init(&b);
	sv_version_format(v, &b);
	return buf_detach(&b);
}

/* Compare one identifier each of a and b (lengths na, nb). */
static int
ident_cmp(const char *a, size_t na, const char *b, size_t nb)
{
	bool da = true, db = true;
	size_t i;
	int c;

	for (i = 0; i < na; i++)
		da = da && is_digit(a[i]);
	for (i = 0; i < nb; i++)
		db = db && is_digit(b[i]);
	if (da && db) {
		/* No leading zeros, so the longer number is the larger. */
		if (na != nb)
			return na < nb ? -1 : 1;
		return memcmp(a, b, na);
	}
	if (da != db)
		return da ? -1 : 1;
	c = memcmp(a, b, na < nb ? na : nb);
	if (c != 0)
		return c;
	return na == nb ? 0 : (na < nb ? -1 : 1);
}

static int
pre_cmp(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b ? 0 : (a == NULL ? 1 : -1);
	for (;;) {
		size_t na = strcspn(a, "."), nb = strcspn(b, ".");
		int c = ident_cmp(a, na, b, nb);

		if (c != 0)
			return c;
		a += na;
		b += nb;
		if (*a == '\0' || *b == '\0')
			return *a == *b ? 0 : (*a == '\0' ? -1 : 1);
		a++;
		b++;
	}
}

static int
core_cmp(const struct sv_version *a, const struct sv_version *b, int *at)
{
	int i;

	for (i = 0; i < 3; i++) {
		if (a->part[i] != b->part[i]) {
			if (at)
				*at = i;
			return a->part[i] < b->part[i] ? -1 : 1;
		}
	}
	return 0;
}

int
sv_version_cmp(const struct sv_version *a, const struct sv_version *b)
{
	int c = core_cmp(a, b, NULL);

	if (c != 0)
		return c;
	c = pre_cmp(a->pre, b->pre);
	return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

enum sv_level
sv_version_own_level(const struct sv_version *v)
{
	if (v->part[2] > 0)
		return SV_LEVEL_RELOAD;
	if (v->part[1] > 0)
		return SV_LEVEL_RELUP;
	return SV_LEVEL_RESTART;
}

const char *
sv_transition_name(enum sv_transition_kind kind)
{
	switch (kind) {
	case SV_T_SAME:
		return "same";
	case SV_T_RELOAD:
		return "reload";
	case SV_T_RELUP:
		return "relup";
	case SV_T_RESTART:
		return "restart";
	case SV_T_DOWNGRADE:
		return "downgrade";
	}
	return "same";
}

bool
sv_transition_is_live(const struct sv_transition *t)
{
	return t->kind == SV_T_RELOAD || t->kind == SV_T_RELUP;
}

/* The level of an upgrade from -> to, where from < to. */
static enum sv_level
upgrade_level(const struct sv_version *from, const struct sv_version *to)
{
	enum sv_level level = SV_LEVEL_NONE;
	int at;

	if (core_cmp(from, to, &at) != 0)
		level = (enum sv_level)(SV_LEVEL_RESTART - at);
	if (from->pre != NULL) {
		enum sv_level own = sv_version_own_level(from);

		if (own > level)
			level = own;
	}
	return level;
}

void
sv_transition_of(const struct sv_version *from, const struct sv_version *to,
    struct sv_transition *t)
{
	int c = sv_version_cmp(from, to);

	if (c == 0) {
		t->kind = SV_T_SAME;
		t->level = SV_LEVEL_NONE;
	} else if (c > 0) {
		t->kind = SV_T_DOWNGRADE;
		t->level = upgrade_level(to, from);
	} else {
		t->level = upgrade_level(from, to);
		switch (t->level) {
		case SV_LEVEL_RELOAD:
			t->kind = SV_T_RELOAD;
			break;
		case SV_LEVEL_RELUP:
			t->kind = SV_T_RELUP;
			break;
		case SV_LEVEL_NONE: /* cannot happen: from < to */
		case SV_LEVEL_RESTART:
			t->kind = SV_T_RESTART;
			t->level = SV_LEVEL_RESTART;
			break;
		}
	}
}

int
sv_version_bump(const struct sv_version *v, enum sv_level level,
    struct sv_version *out, struct sv_err *e)
{
	int i = SV_LEVEL_RESTART - (int)level, j;

	sv_version_release(out);
	if (level == SV_LEVEL_NONE)
		return sv_err_set(e, SV_USAGE,
		    "cannot bump at level none (expected reload, relup or restart)");
	memcpy(out->part, v->part, sizeof(out->part));
	if (v->pre != NULL && sv_version_own_level(v) >= level)
		return SV_OK;
	if (v->part[i] == UINT64_MAX) {
		struct buf b;

		buf_init(&b);
		sv_version_format(v, &b);
		sv_err_set(e, SV_INPUT, "cannot bump %s part of '%s': it would "
		    "overflow", part_name[i], b.s);
		buf_release(&b);
		return SV_INPUT;
	}
	out->part[i]++;
	for (j = i + 1; j < 3; j++)
		out->part[j] = 0;
	return SV_OK;
}

int
sv_version_normalise(const char *s, const char *prefix, char **out,
    struct sv_err *e)
{
	struct sv_version v;
	int status;

	*out = NULL;
	sv_version_init(&v);
	if ((status = sv_version_parse(&v, s, prefix, e)) == SV_OK)
		*out = sv_version_str(&v);
	sv_version_release(&v);
	return status;
}

bool
sv_version_is_canonical(const char *s)
{
	struct sv_err ignore;
	char *canon = NULL;
	bool ok;

	sv_err_init(&ignore);
	ok = sv_version_normalise(s, "", &canon, &ignore) == SV_OK &&
	    strcmp(canon, s) == 0;
	free(canon);
	return ok;
}

bool
sv_version_is_plain(const char *s)
{
	struct sv_version v;
	struct sv_err e;
	bool ok;

	sv_version_init(&v);
	sv_err_init(&e);
	ok = sv_version_parse(&v, s, NULL, &e) == SV_OK;
	sv_version_release(&v);
	return ok;
}
