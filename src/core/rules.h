/*
 * rules.h - glob rules that give a changed path its Smoothver level.
 *
 * Rules are tried in order and the first match wins: the project's own
 * rules first, from .smoothver,
 *
 *	[rule "*.so"]
 *		level = restart
 *		reason = our NIFs
 *
 * then the built-in defaults (native code is restart, documentation is
 * none), and last a catch-all that makes any unmatched change a restart,
 * so that an unknown change is never under-classified.
 *
 * Globs: "*" matches within one path component, "?" one character,
 * "[...]" a class, and a "**" component any number of components (also
 * none). A glob without "/" is matched against the last component only,
 * at any depth ("*.so").
 */
#ifndef SV_RULES_H
#define SV_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "core/version.h"

struct sv_rule {
	char *glob;          /* owned */
	enum sv_level level;
	char *reason;        /* owned; never NULL */
	bool builtin;
	bool level_set;      /* false while a .smoothver section has given no
	                        level yet (an error once the file is read) */
};

struct sv_rules {
	struct sv_rule *v;
	size_t n, alloc;
};

/* Make r empty. */
void sv_rules_init(struct sv_rules *r);

/* Free what r owns. */
void sv_rules_release(struct sv_rules *r);

/* Append a rule (the strings are copied). reason may be NULL. */
void sv_rules_add(struct sv_rules *r, const char *glob, enum sv_level level,
    const char *reason, bool builtin);

/* Append the built-in defaults and the final catch-all. */
void sv_rules_add_defaults(struct sv_rules *r);

/* The first rule matching path (the catch-all guarantees one once the
 * defaults are in). */
const struct sv_rule *sv_rules_match(const struct sv_rules *r,
    const char *path);

/* True if r holds a project rule (one not built in). */
bool sv_rules_have_project(const struct sv_rules *r);

/* True if glob matches path (see above). */
bool sv_glob_match(const char *glob, const char *path);

#endif
