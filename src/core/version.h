/*
 * version.h - Smoothver versions: RESTART.RELUP.RELOAD[-PRE][+BUILD].
 *
 * The syntax is SemVer 2.0's, with an optional tag prefix (default "v")
 * in front. Precedence is SemVer 2.0's (build metadata ignored,
 * pre-releases before their release). What each part means, and how a
 * transition between two versions is classified, is in smoothver(7).
 */
#ifndef SV_VERSION_H
#define SV_VERSION_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

/* How disruptive a change (or a deploy) is, in increasing order. */
enum sv_level {
	SV_LEVEL_NONE = 0,    /* nothing to do */
	SV_LEVEL_RELOAD = 1,  /* reload modules, nothing else */
	SV_LEVEL_RELUP = 2,   /* suspend processes, migrate state */
	SV_LEVEL_RESTART = 3  /* reboot the node */
};

/* "none", "reload", "relup" or "restart". Static string. */
const char *sv_level_name(enum sv_level level);

/* Parse "reload", "relup" or "restart" (and "none" if allow_none) into
 * *out; returns false for anything else. */
bool sv_level_parse(const char *s, bool allow_none, enum sv_level *out);

struct sv_version {
	uint64_t part[3]; /* RESTART, RELUP, RELOAD */
	char *pre;        /* pre-release identifiers ("rc.1"), or NULL; owned */
	char *build;      /* build metadata ("sha.5114f85"), or NULL; owned */
};

/* Make v the version 0.0.0. */
void sv_version_init(struct sv_version *v);

/* Free what v owns and make it 0.0.0 again. */
void sv_version_release(struct sv_version *v);

/* Copy src into dst (dst must be initialised; its contents are released). */
void sv_version_copy(struct sv_version *dst, const struct sv_version *src);

/*
 * Parse s into v (initialised by the caller). If prefix is non-empty and
 * s begins with it, it is skipped. On error returns SV_INPUT and fills e
 * with what is wrong and at which column; v is then left as 0.0.0.
 */
int sv_version_parse(struct sv_version *v, const char *s, const char *prefix,
    struct sv_err *e);

/* Append the canonical text of v (no prefix) to out. */
void sv_version_format(const struct sv_version *v, struct buf *out);

/* The canonical text of v as a new string owned by the caller. */
char *sv_version_str(const struct sv_version *v);

/* True if s is a version as it is, without a prefix. */
bool sv_version_is_plain(const char *s);

/* Parse s (prefix as for sv_version_parse) and set *out to its canonical
 * text, a new string owned by the caller. Errors as sv_version_parse. */
int sv_version_normalise(const char *s, const char *prefix, char **out,
    struct sv_err *e);

/* True if s is a version in canonical text, without a prefix. */
bool sv_version_is_canonical(const char *s);

/* SemVer 2.0 precedence: <0, 0 or >0 as a is lower than, equal to or
 * higher than b. Build metadata does not take part. */
int sv_version_cmp(const struct sv_version *a, const struct sv_version *b);

/* The level a version claims for itself against its predecessor, read off
 * its number: X.Y.Z with Z > 0 is reload, X.Y.0 with Y > 0 is relup,
 * anything else (X.0.0, 0.0.0) is restart. Pre-release and build ignored. */
enum sv_level sv_version_own_level(const struct sv_version *v);

enum sv_transition_kind {
	SV_T_SAME,      /* equal precedence */
	SV_T_RELOAD,    /* live: reload modules */
	SV_T_RELUP,     /* live: relup with state migration */
	SV_T_RESTART,   /* not live: reboot */
	SV_T_DOWNGRADE  /* TO is lower than FROM */
};

struct sv_transition {
	enum sv_transition_kind kind;
	/* The disruption: for upgrades the level matching kind, for a
	 * downgrade the level of the reverse upgrade, for same NONE. */
	enum sv_level level;
};

/* "same", "reload", "relup", "restart" or "downgrade". Static string. */
const char *sv_transition_name(enum sv_transition_kind kind);

/* True for the transitions a running node can take live (reload, relup). */
bool sv_transition_is_live(const struct sv_transition *t);

/*
 * Classify the transition from -> to. For an upgrade the level is the
 * highest part that differs; when FROM is a pre-release the level is at
 * least FROM's own level (its release is crossed on the way). A downgrade
 * carries the level of the opposite upgrade.
 */
void sv_transition_of(const struct sv_version *from, const struct sv_version *to,
    struct sv_transition *t);

/*
 * The next version at level (RELOAD, RELUP or RESTART) after v, into out
 * (initialised by the caller): the part at that level plus one, lower
 * parts 0, no pre-release or build. From a pre-release whose own level is
 * at least level, the result is its release (1.3.0-rc.1 -> 1.3.0).
 * Returns SV_INPUT with a message if the part would overflow.
 */
int sv_version_bump(const struct sv_version *v, enum sv_level level,
    struct sv_version *out, struct sv_err *e);

#endif
