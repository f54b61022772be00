#include "config.h"

#include "core/rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

void
sv_rules_init(struct sv_rules *r)
{
	r->v = NULL;
	r->n = r->alloc = 0;
}

void
sv_rules_release(struct sv_rules *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->v[i].glob);
		free(r->v[i].reason);
	}
	free(r->v);
	sv_rules_init(r);
}

void
sv_rules_add(struct sv_rules *r, const char *glob, enum sv_level level,
    const char *reason, bool builtin)
{
	struct sv_rule *rule;

	xgrow(&r->v, &r->alloc, r->n + 1, sizeof(*r->v));
	rule = &r->v[r->n++];
	rule->glob = xstrdup(glob);
	rule->level = level;
	rule->builtin = builtin;
	rule->level_set = true;
	if (reason != NULL && *reason != '\0') {
		rule->reason = xstrdup(reason);
	} else {
		size_t n = strlen(glob) + 8;

		rule->reason = xmalloc(n);
		snprintf(rule->reason, n, "rule %s", glob);
	}
}

void
sv_rules_add_defaults(struct sv_rules *r)
{
	static const char *const native[] = {
		"*.so", "*.so.*", "*.dll", "*.dylib", NULL
	};
	static const char *const docs[] = {
		"**/doc/**", "**/docs/**", "*.md", "*.markdown", "*.rst",
		"README", "README.*", "LICENSE", "LICENSE.*", "LICENCE",
		"COPYING", "COPYING.*", "CHANGELOG", "CHANGELOG.*", "NOTICE",
		"AUTHORS", NULL
	};
	size_t i;

	for (i = 0; native[i]; i++)
		sv_rules_add(r, native[i], SV_LEVEL_RESTART, "native code",
		    true);
	for (i = 0; docs[i]; i++)
		sv_rules_add(r, docs[i], SV_LEVEL_NONE, "documentation", true);
	sv_rules_add(r, "**", SV_LEVEL_RESTART, "no rule matches", true);
}

/* Match one component's worth of pattern [p, pend) against [s, send). */
static bool
match_component(const char *p, const char *pend, const char *s,
    const char *send)
{
	while (p < pend) {
		if (*p == '*') {
			while (p < pend && *p == '*')
				p++;
			if (p == pend)
				return true;
			for (; s <= send; s++)
				if (match_component(p, pend, s, send))
					return true;
			return false;
		}
		if (s == send)
			return false;
		if (*p == '?') {
			p++;
			s++;
			continue;
		}
		if (*p == '[') {
			const char *q = p + 1;
			bool neg = false, hit = false;

			if (q < pend && (*q == '!' || *q == '^')) {
				neg = true;
				q++;
			}
			/* a ']' right after '[' is literal */
			do {
				if (q + 2 < pend && q[1] == '-' && q[2] != ']') {
					if ((unsigned char)*s >= (unsigned char)q[0] &&
					    (unsigned char)*s <= (unsigned char)q[2])
						hit = true;
					q += 3;
				} else {
					if (*s == *q)
						hit = true;
					q++;
				}
			} while (q < pend && *q != ']');
			if (q >= pend) {
				/* no closing ']': a literal '[' */
				if (*s != '[')
					return false;
				p++;
				s++;
				continue;
			}
			if (hit == neg)
				return false;
			p = q + 1;
			s++;
			continue;
		}
		if (*p == '\\' && p + 1 < pend)
			p++;
		if (*p != *s)
			return false;
		p++;
		s++;
	}
	return s == send;
}

/* Match pattern components against path components from here on. */
static bool
match_path(const char *p, const char *s)
{
	for (;;) {
		const char *pend = p + strcspn(p, "/");
		const char *send = s + strcspn(s, "/");

		if (pend - p == 2 && p[0] == '*' && p[1] == '*') {
			const char *rest = *pend ? pend + 1 : pend;

			if (*rest == '\0')
				return true; /* trailing ** matches the rest */
			for (;;) {
				if (match_path(rest, s))
					return true;
				s += strcspn(s, "/");
				if (*s == '\0')
					return false;
				s++;
			}
		}
		if (!match_component(p, pend, s, send))
			return false;
		if (*pend == '\0' || *send == '\0')
			return *pend == '\0' && *send == '\0';
		p = pend + 1;
		s = send + 1;
	}
}

bool
sv_glob_match(const char *glob, const char *path)
{
	if (strchr(glob, '/') == NULL && strcmp(glob, "**") != 0) {
		const char *base = strrchr(path, '/');

		base = base ? base + 1 : path;
		return match_component(glob, glob + strlen(glob), base,
		    base + strlen(base));
	}
	return match_path(glob, path);
}

bool
sv_rules_have_project(const struct sv_rules *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (!r->v[i].builtin)
			return true;
	return false;
}

const struct sv_rule *
sv_rules_match(const struct sv_rules *r, const char *path)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (sv_glob_match(r->v[i].glob, path))
			return &r->v[i];
	return NULL;
}
