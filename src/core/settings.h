/*
 * settings.h - project configuration.
 *
 * Settings come from, lowest to highest precedence:
 *   1. .smoothver at the top of the work tree (git-config syntax),
 *   2. git configuration: smoothver.<key> (e.g. smoothver.tag.prefix),
 *   3. the environment: SMOOTHVER_<KEY> (e.g. SMOOTHVER_TAG_PREFIX),
 *   4. command-line flags (applied by the commands themselves).
 * The keys are listed in smoothver(1) FILES and ENVIRONMENT.
 */
#ifndef SV_SETTINGS_H
#define SV_SETTINGS_H

#include "adapt/git.h"
#include "base/buf.h"
#include "base/err.h"
#include "core/rules.h"

struct sv_config {
	char *release_name; /* release.name, or NULL; owned */
	char *tag_prefix;   /* tag.prefix, default "v"; owned, never NULL */
	char *store_url;    /* store.url, or NULL; owned (a relative path
	                       from .smoothver is made absolute) */
	char **trust_keys;  /* trust.key (repeatable) in .smoothver, then
	                       SMOOTHVER_TRUST (paths joined by ':'): public
	                       key files; owned (relative paths from
	                       .smoothver made absolute) */
	size_t ntrust_keys;
	struct sv_rules rules; /* [rule "GLOB"] sections of .smoothver, in
	                          order (without the built-in defaults) */
	struct buf warnings; /* one line per warning (unknown keys, ...) */
};

/* Set the defaults. */
void sv_config_init(struct sv_config *c);

/* Free what c owns. */
void sv_config_release(struct sv_config *c);

/* Read every layer. g may be NULL (outside a repository): then only the
 * environment is read. Bad values are SV_INPUT naming where they came
 * from; unknown keys in .smoothver are added to c->warnings. */
int sv_config_load(struct sv_config *c, struct sv_git *g, struct sv_err *e);

/* Check that prefix can start a tag name; source names where it came
 * from, for the message. */
int sv_config_check_prefix(const char *prefix, const char *source,
    struct sv_err *e);

#endif
