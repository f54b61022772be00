#include "config.h"

#include "core/plan.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

const char *
sv_change_name(enum sv_change_kind kind)
{
	static const char *const names[] = {
		"added", "removed", "modified", "mode", "type"
	};

	return kind < SV_CHANGE_KINDS ? names[kind] : "modified";
}

void
sv_plan_init(struct sv_plan *p)
{
	memset(p, 0, sizeof(*p));
}

void
sv_plan_release(struct sv_plan *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->v[i].reason);
	free(p->v);
	sv_plan_init(p);
}

static void
add(struct sv_plan *p, enum sv_change_kind kind, const struct sv_entry *o,
    const struct sv_entry *n)
{
	struct sv_change *c;

	xgrow(&p->v, &p->alloc, p->n + 1, sizeof(*p->v));
	c = &p->v[p->n++];
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->old = o;
	c->new = n;
	c->path = n ? n->path : o->path;
	p->counts[kind]++;
}

void
sv_plan_diff(struct sv_plan *p, const struct sv_index *old,
    const struct sv_index *new)
{
	size_t i = 0, j = 0;

	while (i < old->n || j < new->n) {
		const struct sv_entry *o = i < old->n ? &old->v[i] : NULL;
		const struct sv_entry *n = j < new->n ? &new->v[j] : NULL;
		int c = o == NULL ? 1 : (n == NULL ? -1 : strcmp(o->path, n->path));

		if (c < 0) {
			add(p, SV_CHANGE_REMOVED, o, NULL);
			i++;
		} else if (c > 0) {
			add(p, SV_CHANGE_ADDED, NULL, n);
			j++;
		} else {
			if (o->type != n->type)
				add(p, SV_CHANGE_TYPE, o, n);
			else if (o->type != SV_ENTRY_DIR &&
			    memcmp(o->sha256, n->sha256, SV_SHA256_LEN) != 0)
				add(p, SV_CHANGE_MODIFIED, o, n);
			else if (o->mode != n->mode)
				add(p, SV_CHANGE_MODE, o, n);
			i++;
			j++;
		}
	}
}

void
sv_change_classify(struct sv_change *c, enum sv_level level,
    const char *reason)
{
	free(c->reason);
	c->reason = xstrdup(reason);
	c->level = level;
	c->classified = true;
}

int
sv_plan_classify(struct sv_plan *p, const struct sv_index *old,
    const struct sv_index *new, const struct sv_classifier *cls, size_t ncls,
    const struct sv_rules *rules, struct sv_err *e)
{
	size_t i;
	int status;

	for (i = 0; i < ncls; i++)
		if ((status = cls[i].run(cls[i].self, p, old, new, e)))
			return status;
	p->required = SV_LEVEL_NONE;
	p->decisive = NULL;
	for (i = 0; i < p->n; i++) {
		struct sv_change *c = &p->v[i];

		if (c->classified) {
			const struct sv_rule *r = sv_rules_match(rules,
			    c->path);

			if (r != NULL && !r->builtin)
				sv_change_classify(c, r->level, r->reason);
		} else {
			const struct sv_entry *ent = c->new ? c->new : c->old;

			if (c->kind != SV_CHANGE_TYPE && ent->type == SV_ENTRY_DIR) {
				sv_change_classify(c, SV_LEVEL_NONE, "directory");
			} else {
				const struct sv_rule *r = sv_rules_match(rules,
				    c->path);

				if (r != NULL)
					sv_change_classify(c, r->level, r->reason);
				else
					sv_change_classify(c, SV_LEVEL_RESTART,
					    "no rule matches");
			}
		}
		if (p->decisive == NULL || c->level > p->required) {
			p->required = c->level;
			p->decisive = c;
		}
	}
	return SV_OK;
}
