#include "config.h"

#include "core/release.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"

void
sv_releases_init(struct sv_releases *list)
{
	list->v = NULL;
	list->n = list->alloc = 0;
}

void
sv_releases_release(struct sv_releases *list)
{
	size_t i;

	for (i = 0; i < list->n; i++) {
		free(list->v[i].tag);
		sv_version_release(&list->v[i].version);
	}
	free(list->v);
	sv_releases_init(list);
}

static int
release_cmp(const void *pa, const void *pb)
{
	const struct sv_release *a = pa, *b = pb;
	int c = sv_version_cmp(&b->version, &a->version);

	return c != 0 ? c : strcmp(a->tag, b->tag);
}

int
sv_releases_load(struct sv_git *g, const char *prefix,
    struct sv_releases *list, struct sv_err *e)
{
	struct sv_git_tag *tags = NULL;
	struct sv_err ignored;
	size_t n = 0, i;
	int status;

	status = sv_git_list_tags(g, prefix, &tags, &n, e);
	if (status != SV_OK)
		return status;
	for (i = 0; i < n; i++) {
		struct sv_version v;
		struct sv_release *r;

		sv_version_init(&v);
		sv_err_init(&ignored);
		/* Only tags that are exactly PREFIX + a version count. */
		if (sv_version_parse(&v, tags[i].name + strlen(prefix), "",
		    &ignored) != SV_OK)
			continue;
		xgrow(&list->v, &list->alloc, list->n + 1, sizeof(*list->v));
		r = &list->v[list->n++];
		r->tag = xstrdup(tags[i].name);
		r->version = v;
		memcpy(r->commit, tags[i].commit, sizeof(r->commit));
		r->time = tags[i].time;
		r->tz_minutes = tags[i].tz_minutes;
		r->annotated = tags[i].annotated;
	}
	sv_git_tags_free(tags, n);
	if (list->n > 1)
		qsort(list->v, list->n, sizeof(*list->v), release_cmp);
	return SV_OK;
}

int
sv_release_require_full_history(struct sv_git *g, struct sv_err *e)
{
	if (!sv_git_is_shallow(g))
		return SV_OK;
	sv_err_set(e, SV_INPUT, "repository is a shallow clone: release tags "
	    "outside the fetched history are invisible, so the version cannot "
	    "be known");
	return sv_err_hint(e, "fetch the whole history and the tags: "
	    "'git fetch --unshallow --tags' (actions/checkout: fetch-depth: 0)");
}

int
sv_current_find(struct sv_git *g, const struct sv_releases *list,
    struct sv_current *cur, struct sv_err *e)
{
	size_t i;
	int status;

	memset(cur, 0, sizeof(*cur));
	if ((status = sv_release_require_full_history(g, e)) ||
	    (status = sv_git_head(g, cur->head, e)) ||
	    (status = sv_git_is_dirty(g, &cur->dirty, e)))
		return status;
	for (i = 0; i < list->n; i++) {
		bool reachable = false;

		status = sv_git_is_ancestor(g, list->v[i].commit, cur->head,
		    &reachable, e);
		if (status != SV_OK)
			return status;
		if (reachable) {
			cur->release = &list->v[i];
			return sv_git_count_commits(g, cur->release->commit,
			    cur->head, &cur->commits_since, e);
		}
	}
	return SV_OK;
}

int
sv_release_before(struct sv_git *g, const struct sv_releases *list,
    const char *head, const struct sv_version *v,
    const struct sv_release **out, struct sv_err *e)
{
	size_t i;

	*out = NULL;
	for (i = 0; i < list->n; i++) {
		bool reachable = false;
		int status;

		if (sv_version_cmp(&list->v[i].version, v) >= 0)
			continue;
		status = sv_git_is_ancestor(g, list->v[i].commit, head,
		    &reachable, e);
		if (status != SV_OK)
			return status;
		if (reachable) {
			*out = &list->v[i];
			return SV_OK;
		}
	}
	return SV_OK;
}

void
sv_tag_plan_init(struct sv_tag_plan *p)
{
	memset(p, 0, sizeof(*p));
	sv_version_init(&p->version);
	sv_version_init(&p->previous);
}

void
sv_tag_plan_release(struct sv_tag_plan *p)
{
	free(p->tag);
	free(p->previous_tag);
	free(p->message);
	sv_version_release(&p->version);
	sv_version_release(&p->previous);
	sv_tag_plan_init(p);
}

static void
compose_message(struct sv_tag_plan *p, const char *first)
{
	struct buf m;
	char *vs = sv_version_str(&p->version);

	buf_init(&m);
	if (first != NULL && *first != '\0') {
		buf_adds(&m, first);
		while (m.len > 0 && m.s[m.len - 1] == '\n')
			buf_truncate(&m, m.len - 1);
	} else {
		buf_addf(&m, "Release %s", vs);
	}
	buf_addf(&m, "\n\nSmoothver-Level: %s\n", sv_level_name(p->level));
	if (p->has_previous) {
		char *ps = sv_version_str(&p->previous);

		buf_addf(&m, "Smoothver-Previous: %s\n", ps);
		free(ps);
	} else {
		buf_adds(&m, "Smoothver-Previous: none\n");
	}
	free(vs);
	p->message = buf_detach(&m);
}

int
sv_tag_plan_make(struct sv_git *g, const struct sv_tag_request *req,
    struct sv_tag_plan *p, struct sv_err *e)
{
	struct sv_releases list;
	struct sv_current cur;
	enum sv_level level = SV_LEVEL_NONE;
	struct buf name;
	bool exists = false;
	int status;

	sv_releases_init(&list);
	buf_init(&name);
	if (req->level && !sv_level_parse(req->level, false, &level)) {
		status = sv_err_set(e, SV_USAGE, "invalid level '%s' (expected "
		    "reload, relup or restart)", req->level);
		goto out;
	}
	if (req->level == NULL && req->version == NULL) {
		status = sv_err_set(e, SV_USAGE, "nothing to tag: give a LEVEL "
		    "or a VERSION");
		goto out;
	}
	if (req->version && (status = sv_version_parse(&p->version,
	    req->version, req->prefix, e)) != SV_OK) {
		e->status = status = SV_USAGE;
		goto out;
	}
	if ((status = sv_releases_load(g, req->prefix, &list, e)) ||
	    (status = sv_current_find(g, &list, &cur, e)))
		goto out;
	memcpy(p->commit, cur.head, sizeof(p->commit));
	if (cur.dirty && !req->allow_dirty) {
		sv_err_set(e, SV_INPUT, "work tree has uncommitted changes: a "
		    "release tag must name exactly what was built");
		status = sv_err_hint(e, "commit or stash them, or pass "
		    "--allow-dirty");
		goto out;
	}
	if (!req->force) {
		size_t i;

		for (i = 0; i < list.n; i++)
			if (strcmp(list.v[i].commit, cur.head) == 0) {
				sv_err_set(e, SV_INPUT, "HEAD (%.7s) already carries "
				    "the release tag '%s': one commit, one release",
				    cur.head, list.v[i].tag);
				status = sv_err_hint(e, "commit the change first, "
				    "or pass --force to tag this commit again");
				goto out;
			}
	}
	if (cur.release != NULL) {
		p->has_previous = true;
		sv_version_copy(&p->previous, &cur.release->version);
		p->previous_tag = xstrdup(cur.release->tag);
	}
	if (req->version == NULL &&
	    (status = sv_version_bump(&p->previous, level, &p->version, e)))
		goto out;

	if (p->has_previous) {
		sv_transition_of(&p->previous, &p->version, &p->transition);
		if (p->transition.kind == SV_T_SAME ||
		    p->transition.kind == SV_T_DOWNGRADE) {
			char *vs = sv_version_str(&p->version);

			status = sv_err_set(e, SV_INPUT, "version %s is not "
			    "greater than the current version %s (tag '%s')",
			    vs, cur.release->tag + strlen(req->prefix),
			    cur.release->tag);
			free(vs);
			goto out;
		}
		if (req->level && req->version && p->transition.level != level) {
			char *vs = sv_version_str(&p->version);
			char *ps = sv_version_str(&p->previous);

			status = sv_err_set(e, SV_INPUT, "%s -> %s is a %s, not a "
			    "%s", ps, vs, sv_level_name(p->transition.level),
			    sv_level_name(level));
			sv_err_hint(e, "'smoothver bump %s %s' gives the next %s "
			    "version", sv_level_name(level), ps,
			    sv_level_name(level));
			free(vs);
			free(ps);
			goto out;
		}
		p->level = p->transition.level;
	} else {
		p->transition.kind = SV_T_RESTART;
		p->transition.level = SV_LEVEL_RESTART;
		p->level = sv_version_own_level(&p->version);
		if (req->level && req->version && p->level != level) {
			char *vs = sv_version_str(&p->version);

			status = sv_err_set(e, SV_INPUT, "%s is a %s release by "
			    "its number, not a %s (there is no earlier release)",
			    vs, sv_level_name(p->level), sv_level_name(level));
			free(vs);
			goto out;
		}
	}

	buf_adds(&name, req->prefix);
	sv_version_format(&p->version, &name);
	if (!sv_git_tag_name_valid(name.s)) {
		status = sv_err_set(e, SV_INPUT, "'%s' is not a valid tag name",
		    name.s);
		goto out;
	}
	if ((status = sv_git_tag_exists(g, name.s, &exists, e)))
		goto out;
	if (exists) {
		status = sv_err_set(e, SV_INPUT, "tag '%s' already exists",
		    name.s);
		goto out;
	}
	p->tag = buf_detach(&name);
	compose_message(p, req->message);
	status = SV_OK;
out:
	buf_release(&name);
	sv_releases_release(&list);
	return status;
}

int
sv_tag_plan_apply(struct sv_git *g, const struct sv_tag_plan *p,
    struct sv_err *e)
{
	return sv_git_create_tag(g, p->tag, p->commit, p->message, e);
}
