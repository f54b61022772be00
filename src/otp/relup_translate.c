/*
 * relup_translate.c - high-level appup instructions expanded and
 * split at point_of_no_return; applications turned into module loads and
 * application:start/stop calls (see relup_int.h).
 */
#include "config.h"

#include "otp/relup_int.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "otp/otpinst.h"

/* ---- translation (systools_rc) ---- */

static const char *const dep_instrs[] = {
	"update", "load_module", "add_module", "delete_module", NULL
};

bool
rl_is_dep_instr(const struct sv_term *t)
{
	const char *tag = rl_tag_of(t);
	size_t i;

	if (tag == NULL || t->n < 2)
		return false;
	for (i = 0; dep_instrs[i]; i++)
		if (strcmp(tag, dep_instrs[i]) == 0)
			return true;
	return false;
}

struct sv_term *
rl_copy(const struct sv_term *t)
{
	return sv_term_copy(t);
}

/* Expand the shorthands of one instruction (expand_script). */
static struct sv_term *
expand(const struct sv_term *i)
{
	const char *tag = rl_tag_of(i);

	if (tag == NULL)
		return rl_copy(i);
	if (strcmp(tag, "load_module") == 0) {
		if (i->n == 2)
			return sv_term_tuplev(5, rl_atom("load_module"),
			    rl_copy(i->v[1]),
			    rl_atom("brutal_purge"), rl_atom("brutal_purge"),
			    sv_term_list());
		if (i->n == 3 && rl_proper_list(i->v[2]))
			return sv_term_tuplev(5, rl_atom("load_module"),
			    rl_copy(i->v[1]),
			    rl_atom("brutal_purge"), rl_atom("brutal_purge"),
			    rl_copy(i->v[2]));
	} else if (strcmp(tag, "update") == 0) {
		if (i->n == 2)
			return sv_term_tuplev(6, rl_atom("update"),
			    rl_copy(i->v[1]),
			    rl_atom("soft"), rl_atom("brutal_purge"),
			    rl_atom("brutal_purge"), sv_term_list());
		if (i->n == 3 && sv_term_is_atom(i->v[2], "supervisor"))
			return sv_term_tuplev(8, rl_atom("update"),
			    rl_copy(i->v[1]),
			    rl_atom("static"), rl_atom("default"),
			    sv_term_tuplev(2, rl_atom("advanced"), sv_term_list()),
			    rl_atom("brutal_purge"), rl_atom("brutal_purge"),
			    sv_term_list());
		if (i->n == 3 && (i->v[2]->kind == SV_TERM_TUPLE ||
		    sv_term_is_atom(i->v[2], "soft")))
			return sv_term_tuplev(6, rl_atom("update"),
			    rl_copy(i->v[1]),
			    rl_copy(i->v[2]), rl_atom("brutal_purge"),
			    rl_atom("brutal_purge"), sv_term_list());
		if (i->n == 3 && rl_proper_list(i->v[2]))
			return sv_term_tuplev(6, rl_atom("update"),
			    rl_copy(i->v[1]),
			    rl_atom("soft"), rl_atom("brutal_purge"),
			    rl_atom("brutal_purge"), rl_copy(i->v[2]));
		if (i->n == 4 && (i->v[2]->kind == SV_TERM_TUPLE ||
		    sv_term_is_atom(i->v[2], "soft")) && rl_proper_list(i->v[3]))
			return sv_term_tuplev(6, rl_atom("update"),
			    rl_copy(i->v[1]),
			    rl_copy(i->v[2]), rl_atom("brutal_purge"),
			    rl_atom("brutal_purge"), rl_copy(i->v[3]));
	} else if (strcmp(tag, "add_application") == 0 && i->n == 2) {
		return sv_term_tuplev(3, rl_atom("add_application"),
		    rl_copy(i->v[1]),
		    rl_atom("permanent"));
	}
	return rl_copy(i);
}

/* expand_script: a list instruction is spliced in as it is. */
int
rl_expand_script(struct ctx *c, const struct sv_term *rus, const char *origin,
    struct script *out)
{
	size_t i, j;

	if (!rl_proper_list(rus))
		return sv_err_set(c->e, SV_INPUT, "%s: %s's appup: the "
		    "instructions must be a list", c->where, origin);
	for (i = 0; i < rl_list_n(rus); i++) {
		const struct sv_term *t = rus->v[i];

		if (t->kind == SV_TERM_LIST) {
			for (j = 0; j < t->n; j++)
				rl_script_push(out, rl_copy(t->v[j]), origin);
		} else if (t->kind == SV_TERM_STRING) {
			/* a list of integers: "" splices to nothing, the
			 * rest is refused by the syntax check */
			if (t->len > 0)
				rl_script_push(out, rl_copy(t), origin);
		} else {
			rl_script_push(out, expand(t), origin);
		}
	}
	return SV_OK;
}

/* split_instrs + split_script: before and after point_of_no_return,
 * load_object_code moved before. s is emptied. */
int
rl_split_script(struct ctx *c, struct script *s, struct script *before,
    struct script *after)
{
	size_t i, ponr = s->n;
	int status = SV_OK;

	for (i = 0; i < s->n; i++)
		if (sv_term_is_atom(s->v[i].t, "point_of_no_return")) {
			if (ponr != s->n) {
				status = rl_ierr(c, &s->v[i], "a second "
				    "point_of_no_return",
				    "too_many_point_of_no_return");
				goto out;
			}
			ponr = i;
		}
	if (ponr != s->n)
		for (i = 0; i < ponr; i++) {
			const struct sv_term *t = s->v[i].t;

			if (!rl_is_tagged(t, "load_object_code", 2) &&
			    !rl_is_tagged(t, "apply", 2)) {
				status = rl_ierr(c, &s->v[i], "only apply and "
				    "load_object_code may come before "
				    "point_of_no_return",
				    "bad_op_before_point_of_no_return");
				goto out;
			}
		}
	for (i = 0; i < ponr && ponr != s->n; i++) {
		rl_script_push(before, s->v[i].t, s->v[i].origin);
		s->v[i].t = NULL;
	}
	for (i = ponr == s->n ? 0 : ponr + 1; i < s->n; i++)
		if (rl_is_tagged(s->v[i].t, "load_object_code", 2)) {
			rl_script_push(before, s->v[i].t, s->v[i].origin);
			s->v[i].t = NULL;
		}
	for (i = ponr == s->n ? 0 : ponr + 1; i < s->n; i++)
		if (s->v[i].t != NULL) {
			rl_script_push(after, s->v[i].t, s->v[i].origin);
			s->v[i].t = NULL;
		}
	if (ponr != s->n) {
		sv_term_free(s->v[ponr].t);
		s->v[ponr].t = NULL;
	}
out:
	rl_script_release(s);
	return status;
}

/* {apply, {application, F, Args}} */
static struct sv_term *
app_apply(const char *f, const char *app, const char *type)
{
	struct sv_term *args = sv_term_list();

	sv_term_push(args, rl_atom(app));
	if (type != NULL)
		sv_term_push(args, rl_atom(type));
	return sv_term_tuplev(2, rl_atom("apply"), sv_term_tuplev(3,
	    rl_atom("application"), rl_atom(f), args));
}

static struct sv_term *
mod_list(const struct names *mods)
{
	struct sv_term *l = sv_term_list();
	size_t i;

	for (i = 0; i < mods->n; i++)
		sv_term_push(l, rl_atom(mods->v[i]));
	return l;
}

static void
push_start(struct script *out, const struct rapp *a, const char *type,
    const char *origin)
{
	if (strcmp(type, "none") == 0)
		return;
	if (strcmp(type, "load") == 0)
		rl_script_push(out, app_apply("load", a->name, NULL), origin);
	else
		rl_script_push(out, app_apply("start", a->name, type), origin);
}

static void
push_stop_remove(struct script *out, const struct rapp *a, const char *origin)
{
	size_t i;

	rl_script_push(out, app_apply("stop", a->name, NULL), origin);
	for (i = 0; i < a->mods.n; i++)
		rl_script_push(out, sv_term_tuplev(2, rl_atom("remove"),
		    sv_term_tuplev(3, rl_atom(a->mods.v[i]),
		    rl_atom("brutal_purge"),
		    rl_atom("brutal_purge"))), origin);
	rl_script_push(out, sv_term_tuplev(2, rl_atom("purge"), mod_list(&a->mods)),
	    origin);
}

/* translate_application_instrs and translate_add_module_instrs. */
int
rl_translate_apps(struct ctx *c, struct script *after, const struct rset *to,
    const struct rset *from)
{
	struct script out = { NULL, 0, 0 };
	size_t i, k;
	int status = SV_OK;

	for (i = 0; i < after->n; i++) {
		struct item *it = &after->v[i];
		struct sv_term *t = it->t;
		const char *tag = rl_tag_of(t);
		const struct rapp *post, *pre;

		if (tag != NULL && strcmp(tag, "add_application") == 0 &&
		    t->n == 3) {
			if ((post = rl_rset_find(to, t->v[1]->s)) == NULL) {
				status = rl_ierr(c, it, "no such application in "
				    "the release", "no_such_application");
				goto out;
			}
			for (k = 0; k < post->mods.n; k++)
				rl_script_push(&out, sv_term_tuplev(3,
				    rl_atom("add_module"), rl_atom(post->mods.v[k]),
				    sv_term_list()), it->origin);
			push_start(&out, post, t->v[2]->s, it->origin);
		} else if (tag != NULL &&
		    strcmp(tag, "remove_application") == 0 && t->n == 2) {
			if (rl_rset_find(to, t->v[1]->s) != NULL) {
				status = rl_ierr(c, it, "the application is still "
				    "in the release",
				    "removed_application_present");
				goto out;
			}
			if ((pre = rl_rset_find(from, t->v[1]->s)) == NULL) {
				status = rl_ierr(c, it, "no such application in "
				    "the release", "no_such_application");
				goto out;
			}
			push_stop_remove(&out, pre, it->origin);
			rl_script_push(&out, app_apply("unload", pre->name, NULL),
			    it->origin);
		} else if (tag != NULL &&
		    strcmp(tag, "restart_application") == 0 && t->n == 2) {
			if ((pre = rl_rset_find(from, t->v[1]->s)) == NULL ||
			    (post = rl_rset_find(to, t->v[1]->s)) == NULL) {
				status = rl_ierr(c, it, "the application is not in "
				    "both releases", "no_such_application");
				goto out;
			}
			push_stop_remove(&out, pre, it->origin);
			for (k = 0; k < post->mods.n; k++)
				rl_script_push(&out, sv_term_tuplev(3,
				    rl_atom("add_module"), rl_atom(post->mods.v[k]),
				    sv_term_list()), it->origin);
			push_start(&out, post, post->type, it->origin);
		} else {
			rl_script_push(&out, t, it->origin);
			it->t = NULL;
		}
	}
	/* add_module -> load_module */
	for (i = 0; i < out.n; i++) {
		struct sv_term *t = out.v[i].t;

		if (rl_is_tagged(t, "add_module", 3)) {
			struct sv_term *nt = sv_term_tuplev(5,
			    rl_atom("load_module"), rl_copy(t->v[1]),
			    rl_atom("brutal_purge"), rl_atom("brutal_purge"),
			    rl_copy(t->v[2]));

			sv_term_free(t);
			out.v[i].t = nt;
		}
	}
out:
	rl_script_release(after);
	*after = out;
	return status;
}
