/*
 * plan.h - what changed between two builds, and how disruptive it is.
 *
 * sv_plan_diff compares two content indexes entry by entry. The changes
 * are then classified: format-specific classifiers run first (the OTP
 * classifier reads beams and appups), each setting the level and reason of
 * the changes it understands; the ordered glob rules (core/rules.h)
 * classify whatever is left. The plan's required level is the highest
 * level of any change.
 */
#ifndef SV_PLAN_H
#define SV_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "core/index.h"
#include "core/rules.h"
#include "core/version.h"

enum sv_change_kind {
	SV_CHANGE_ADDED,
	SV_CHANGE_REMOVED,
	SV_CHANGE_MODIFIED,     /* content (or symlink target) differs */
	SV_CHANGE_MODE,         /* same content, mode differs */
	SV_CHANGE_TYPE,         /* e.g. a file became a symlink */
	SV_CHANGE_KINDS
};

struct sv_change {
	const char *path;          /* borrowed from old or new index */
	enum sv_change_kind kind;
	const struct sv_entry *old; /* NULL when added */
	const struct sv_entry *new; /* NULL when removed */
	enum sv_level level;
	char *reason;              /* owned; NULL until classified */
	bool classified;
};

struct sv_plan {
	struct sv_change *v;       /* in path order */
	size_t n, alloc;
	size_t counts[SV_CHANGE_KINDS];
	enum sv_level required;
	const struct sv_change *decisive; /* first change at the required level */
};

/* A format-specific classifier: classify the changes it understands (set
 * level and reason with sv_change_classify) and leave the others. */
struct sv_classifier {
	const char *name;
	int (*run)(void *self, struct sv_plan *plan, const struct sv_index *old,
	    const struct sv_index *new, struct sv_err *e);
	void *self;
};

/* "added", "removed", "modified", "mode", "type". */
const char *sv_change_name(enum sv_change_kind kind);

/* Make p empty. */
void sv_plan_init(struct sv_plan *p);

/* Free what p owns (the indexes stay the caller's). */
void sv_plan_release(struct sv_plan *p);

/* Fill p (initialised) with the changes from old to new. p borrows from
 * both indexes, which must outlive it. */
void sv_plan_diff(struct sv_plan *p, const struct sv_index *old,
    const struct sv_index *new);

/* Set a change's level and reason (copied). */
void sv_change_classify(struct sv_change *c, enum sv_level level,
    const char *reason);

/* Run the classifiers in order, then apply rules to what is left
 * (directories that were added or removed are level none), and compute
 * the required level. A project rule (not built in) that matches a path
 * wins over a classifier too: the project has the last word on every
 * level. rules should end with the defaults. */
int sv_plan_classify(struct sv_plan *p, const struct sv_index *old,
    const struct sv_index *new, const struct sv_classifier *cls, size_t ncls,
    const struct sv_rules *rules, struct sv_err *e);

#endif
