/*
 * release.h - releases as tags in a git repository.
 *
 * A release is a tag named PREFIX + VERSION (PREFIX from tag.prefix,
 * default "v") whose VERSION is a valid Smoothver version. Other tags are
 * ignored. Release tags made by smoothver are annotated and carry the
 * trailers "Smoothver-Level: LEVEL" and "Smoothver-Previous: VERSION".
 */
#ifndef SV_RELEASE_H
#define SV_RELEASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "adapt/git.h"
#include "core/version.h"

struct sv_release {
	char *tag;                 /* tag name; owned */
	struct sv_version version;
	char commit[SV_OID_HEX];
	int64_t time;              /* tagger time (commit time if lightweight) */
	int tz_minutes;
	bool annotated;
};

struct sv_releases {
	struct sv_release *v; /* sorted by version, highest first */
	size_t n, alloc;
};

/* Make list empty. */
void sv_releases_init(struct sv_releases *list);

/* Free everything list holds. */
void sv_releases_release(struct sv_releases *list);

/* Read every release tag with prefix into list (initialised by the
 * caller), highest version first; equal versions (differing only in build
 * metadata) are ordered by tag name. */
int sv_releases_load(struct sv_git *g, const char *prefix,
    struct sv_releases *list, struct sv_err *e);

/* Fail with SV_INPUT and a hint on how to fetch the history if the
 * repository is shallow: its tags cannot be trusted to be complete. */
int sv_release_require_full_history(struct sv_git *g, struct sv_err *e);

struct sv_current {
	const struct sv_release *release; /* in the list; NULL if none */
	char head[SV_OID_HEX];
	size_t commits_since; /* commits on HEAD since the release */
	bool dirty;           /* tracked files modified */
};

/* Find the repository's current release: the highest release whose commit
 * is HEAD or an ancestor of it. cur->release is NULL if there is none
 * (not an error). Refuses shallow clones. */
int sv_current_find(struct sv_git *g, const struct sv_releases *list,
    struct sv_current *cur, struct sv_err *e);

/* The highest release in list that is lower than v and on HEAD or an
 * ancestor of it; *out is NULL if there is none. */
int sv_release_before(struct sv_git *g, const struct sv_releases *list,
    const char *head, const struct sv_version *v,
    const struct sv_release **out, struct sv_err *e);

struct sv_tag_request {
	const char *prefix;
	const char *level;    /* "reload", "relup", "restart", or NULL */
	const char *version;  /* explicit version, or NULL */
	const char *message;  /* first paragraph of the tag message, or NULL */
	bool allow_dirty;
	bool force;           /* tag a commit that already carries a release
	                         tag */
};

struct sv_tag_plan {
	char *tag;                    /* name of the tag to create; owned */
	struct sv_version version;    /* the new version */
	bool has_previous;
	struct sv_version previous;   /* the current version, if any */
	char *previous_tag;           /* its tag, or NULL; owned */
	struct sv_transition transition; /* previous -> version */
	enum sv_level level;          /* recorded in the tag */
	char commit[SV_OID_HEX];      /* HEAD */
	char *message;                /* full tag message; owned */
};

/* Make p empty. */
void sv_tag_plan_init(struct sv_tag_plan *p);

/* Free what p owns. */
void sv_tag_plan_release(struct sv_tag_plan *p);

/*
 * Work out the tag for req without touching the repository. Refuses (with
 * SV_INPUT) a dirty work tree unless allow_dirty, a HEAD that already
 * carries a release tag unless force, a shallow clone, a tag that exists, a version not greater than the current one, and a version
 * whose transition from the current one is not the level asked for. A bad
 * level or version string is SV_USAGE.
 */
int sv_tag_plan_make(struct sv_git *g, const struct sv_tag_request *req,
    struct sv_tag_plan *p, struct sv_err *e);

/* Create the annotated tag planned in p. */
int sv_tag_plan_apply(struct sv_git *g, const struct sv_tag_plan *p,
    struct sv_err *e);

#endif
