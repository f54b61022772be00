/*
 * relup_check.c - the syntax systools checks in appup instructions
 * (check_op) and the pairing of suspend/resume and stop/start (see
 * relup_int.h).
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

/* ---- syntax (check_op) ---- */

static bool
is_timeout(const struct sv_term *t)
{
	return sv_term_is_atom(t, "default") || sv_term_is_atom(t, "infinity") ||
	    (t->kind == SV_TERM_INT && t->i > 0) ||
	    (t->kind == SV_TERM_BIGINT && t->s[0] != '-');
}

static bool
is_purge(const struct sv_term *t)
{
	return sv_term_is_atom(t, "soft_purge") ||
	    sv_term_is_atom(t, "brutal_purge");
}

static bool
is_change(const struct sv_term *t)
{
	return sv_term_is_atom(t, "soft") || rl_is_tagged(t, "advanced", 2);
}

/* A proper list whose elements all pass ok (a string only when empty). */
static bool
all_of(const struct sv_term *t, bool (*ok)(const struct sv_term *))
{
	size_t i;

	if (!rl_proper_list(t))
		return false;
	if (t->kind == SV_TERM_STRING)
		return t->len == 0;
	for (i = 0; i < t->n; i++)
		if (!ok(t->v[i]))
			return false;
	return true;
}

static bool
is_atom(const struct sv_term *t)
{
	return t->kind == SV_TERM_ATOM;
}

static bool
is_suspend_elem(const struct sv_term *t)
{
	if (t->kind == SV_TERM_TUPLE && t->n == 2)
		return is_atom(t->v[0]) && is_timeout(t->v[1]);
	return is_atom(t);
}

static bool
is_code_change_elem(const struct sv_term *t)
{
	return t->kind == SV_TERM_TUPLE && t->n == 2 && is_atom(t->v[0]);
}

static bool
is_start_type(const struct sv_term *t)
{
	static const char *const types[] = {
		"none", "load", "temporary", "transient", "permanent", NULL
	};
	size_t i;

	for (i = 0; types[i]; i++)
		if (sv_term_is_atom(t, types[i]))
			return true;
	return false;
}

/* check_op: NULL when t is a valid instruction, else what is wrong. */
static const char *
check_op(const struct sv_term *t)
{
	const char *tag = rl_tag_of(t);
	static const char *const plain[] = {
		"restart", "reboot", "point_of_no_return",
		"restart_new_emulator", "restart_emulator", NULL
	};
	size_t i, n = t->n;

	if (t->kind == SV_TERM_ATOM) {
		if (strcmp(t->s, "mnesia_backup") == 0)
			return "not_yet_implemented";
		for (i = 0; plain[i]; i++)
			if (strcmp(t->s, plain[i]) == 0)
				return NULL;
		return "bad_instruction";
	}
	if (tag == NULL)
		return "bad_instruction";
	if (strcmp(tag, "update") == 0 && n >= 6 && n <= 8) {
		const struct sv_term *const *v = (const struct sv_term *const *)
		    t->v;
		size_t k = 2;

		if (!is_atom(v[1]))
			return "bad_module";
		if (n == 8 && !sv_term_is_atom(v[k], "static") &&
		    !sv_term_is_atom(v[k], "dynamic"))
			return "bad_mod_type";
		if (n == 8)
			k++;
		if (n >= 7 && !is_timeout(v[k++]))
			return "bad_timeout";
		if (!is_change(v[k++]))
			return "bad_change";
		if (!is_purge(v[k]) || !is_purge(v[k + 1]))
			return "bad_purge_method";
		if (!rl_proper_list(v[k + 2]))
			return "bad_list";
		return all_of(v[k + 2], is_atom) ? NULL : "bad_module";
	}
	if (strcmp(tag, "load_module") == 0 && n == 5) {
		if (!is_atom(t->v[1]))
			return "bad_module";
		if (!is_purge(t->v[2]) || !is_purge(t->v[3]))
			return "bad_purge_method";
		if (!rl_proper_list(t->v[4]))
			return "bad_list";
		return all_of(t->v[4], is_atom) ? NULL : "bad_module";
	}
	if ((strcmp(tag, "add_module") == 0 ||
	    strcmp(tag, "delete_module") == 0) && (n == 2 || n == 3)) {
		if (!is_atom(t->v[1]))
			return "bad_module";
		if (n == 3 && !rl_proper_list(t->v[2]))
			return "bad_list";
		return n == 2 || all_of(t->v[2], is_atom) ? NULL : "bad_module";
	}
	if ((strcmp(tag, "remove_application") == 0 ||
	    strcmp(tag, "restart_application") == 0) && n == 2)
		return is_atom(t->v[1]) ? NULL : "bad_application";
	if (strcmp(tag, "add_application") == 0 && n == 3) {
		if (!is_atom(t->v[1]))
			return "bad_application";
		return is_start_type(t->v[2]) ? NULL : "bad_start_type";
	}
	if (strcmp(tag, "load_object_code") == 0 && n == 2 &&
	    t->v[1]->kind == SV_TERM_TUPLE && t->v[1]->n == 3) {
		const struct sv_term *x = t->v[1];

		if (!is_atom(x->v[0]))
			return "bad_lib";
		if (!rl_proper_list(x->v[1]))
			return "bad_lib_vsn";
		if (!rl_proper_list(x->v[2]))
			return "bad_list";
		return all_of(x->v[2], is_atom) ? NULL : "bad_module";
	}
	if ((strcmp(tag, "load") == 0 || strcmp(tag, "remove") == 0) &&
	    n == 2 && t->v[1]->kind == SV_TERM_TUPLE && t->v[1]->n == 3) {
		const struct sv_term *x = t->v[1];

		if (!is_atom(x->v[0]))
			return "bad_module";
		return is_purge(x->v[1]) && is_purge(x->v[2]) ? NULL :
		    "bad_purge_method";
	}
	if ((strcmp(tag, "purge") == 0 || strcmp(tag, "resume") == 0 ||
	    strcmp(tag, "stop") == 0 || strcmp(tag, "start") == 0) && n == 2) {
		if (!rl_proper_list(t->v[1]))
			return "bad_list";
		return all_of(t->v[1], is_atom) ? NULL : "bad_module";
	}
	if (strcmp(tag, "suspend") == 0 && n == 2) {
		if (!rl_proper_list(t->v[1]))
			return "bad_list";
		return all_of(t->v[1], is_suspend_elem) ? NULL : "bad_module";
	}
	if (strcmp(tag, "code_change") == 0 && (n == 2 || n == 3)) {
		const struct sv_term *mods = t->v[n - 1];

		if (!rl_proper_list(mods))
			return "bad_list";
		if (n == 3 && !sv_term_is_atom(t->v[1], "up") &&
		    !sv_term_is_atom(t->v[1], "down"))
			return "bad_mode";
		return all_of(mods, is_code_change_elem) ? NULL :
		    "bad_code_change";
	}
	if (strcmp(tag, "sync_nodes") == 0 && n == 3) {
		const struct sv_term *x = t->v[2];

		if (x->kind == SV_TERM_TUPLE && x->n == 3) {
			if (!is_atom(x->v[0]))
				return "bad_module";
			if (!is_atom(x->v[1]))
				return "bad_func";
			return rl_proper_list(x->v[2]) ? NULL : "bad_args_list";
		}
		if (!rl_proper_list(x))
			return "bad_list";
		return all_of(x, is_atom) ? NULL : "bad_node";
	}
	if (strcmp(tag, "apply") == 0 && n == 2 &&
	    t->v[1]->kind == SV_TERM_TUPLE && t->v[1]->n == 3) {
		const struct sv_term *x = t->v[1];

		if (!is_atom(x->v[0]))
			return "bad_module";
		if (!is_atom(x->v[1]))
			return "bad_func";
		return rl_proper_list(x->v[2]) ? NULL : "bad_args_list";
	}
	return "bad_instruction";
}

int
rl_check_syntax(struct ctx *c, const struct script *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		const char *bad = check_op(s->v[i].t);

		if (bad != NULL)
			return rl_ierr(c, &s->v[i], strcmp(bad,
			    "bad_instruction") == 0 ?
			    "not an appup or relup instruction" : "malformed "
			    "instruction", bad);
	}
	return SV_OK;
}

/* normalize_instrs */
void
rl_normalize(struct script *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		struct sv_term *t = s->v[i].t, *nt = NULL;
		const char *tag = rl_tag_of(t);

		if (tag == NULL)
			continue;
		if (strcmp(tag, "update") == 0 && t->n == 6)
			nt = sv_term_tuplev(8, rl_atom("update"), rl_copy(t->v[1]),
			    rl_atom("dynamic"), rl_atom("default"),
			    rl_copy(t->v[2]),
			    rl_copy(t->v[3]), rl_copy(t->v[4]), rl_copy(t->v[5]));
		else if (strcmp(tag, "update") == 0 && t->n == 7)
			nt = sv_term_tuplev(8, rl_atom("update"), rl_copy(t->v[1]),
			    rl_atom("dynamic"), rl_copy(t->v[2]), rl_copy(t->v[3]),
			    rl_copy(t->v[4]), rl_copy(t->v[5]), rl_copy(t->v[6]));
		else if ((strcmp(tag, "add_module") == 0 ||
		    strcmp(tag, "delete_module") == 0) && t->n == 2)
			nt = sv_term_tuplev(3, rl_atom(tag), rl_copy(t->v[1]),
			    sv_term_list());
		if (nt != NULL) {
			sv_term_free(t);
			s->v[i].t = nt;
		}
	}
}

/* The elements of a proper list of terms (never a non-empty string
 * after check_syntax). */
size_t
rl_elems(const struct sv_term *t, struct sv_term *const **v)
{
	*v = t->kind == SV_TERM_LIST ? t->v : NULL;
	return t->kind == SV_TERM_LIST ? t->n : 0;
}

/* Erlang's difference/2 on flattened lists of terms. */
static const struct sv_term *
first_missing(struct sv_term **a, size_t na, struct sv_term **b, size_t nb)
{
	size_t i, j;

	for (i = 0; i < na; i++) {
		for (j = 0; j < nb && !sv_term_equal(a[i], b[j]); j++)
			;
		if (j == nb)
			return a[i];
	}
	return NULL;
}

/* Collect the (flattened) elements of every {tag, List} in s; suspend
 * elements {M, Timeout} count as M. */
static void
collect(const struct script *s, const char *tag, struct sv_term ***out,
    size_t *n)
{
	size_t i, j, alloc = 0;

	*out = NULL;
	*n = 0;
	for (i = 0; i < s->n; i++) {
		struct sv_term *const *v;
		size_t k;

		if (!rl_is_tagged(s->v[i].t, tag, 2))
			continue;
		k = rl_elems(s->v[i].t->v[1], &v);
		for (j = 0; j < k; j++) {
			struct sv_term *x = v[j];

			if (strcmp(tag, "suspend") == 0 &&
			    x->kind == SV_TERM_TUPLE && x->n == 2)
				x = x->v[0];
			xgrow(out, &alloc, *n + 1, sizeof(**out));
			(*out)[(*n)++] = x;
		}
	}
}

static int
check_pairs(struct ctx *c, const struct script *after, const char *a,
    const char *b, const char *a_not_b, const char *b_not_a)
{
	struct sv_term **x, **y;
	const struct sv_term *m;
	size_t nx, ny;
	int status = SV_OK;

	collect(after, a, &x, &nx);
	collect(after, b, &y, &ny);
	if ((m = first_missing(x, nx, y, ny)) != NULL ||
	    (m = first_missing(y, ny, x, nx)) != NULL) {
		char *s = rl_flat(m);
		bool first = first_missing(x, nx, y, ny) != NULL;

		status = sv_err_set(c->e, SV_INPUT, "%s: %s is %s but not %s "
		    "(systools: %s)", c->where, s, first ? a : b,
		    first ? b : a, first ? a_not_b : b_not_a);
		free(s);
	}
	free(x);
	free(y);
	return status;
}

/* check_script: loads have object code; suspend/resume, start/stop pair
 * up. */
int
rl_check_script(struct ctx *c, const struct script *before,
    const struct script *after)
{
	size_t i, j, k;
	int status;

	for (i = 0; i < after->n; i++) {
		const struct sv_term *t = after->v[i].t;
		bool found = false;

		if (!rl_is_tagged(t, "load", 2) || t->v[1]->kind != SV_TERM_TUPLE ||
		    t->v[1]->n != 3)
			continue;
		for (j = 0; j < before->n && !found; j++) {
			const struct sv_term *b = before->v[j].t;
			struct sv_term *const *v;

			if (!rl_is_tagged(b, "load_object_code", 2))
				continue;
			k = rl_elems(b->v[1]->v[2], &v);
			while (k-- > 0 && !found)
				found = sv_term_equal(v[k], t->v[1]->v[0]);
		}
		if (!found)
			return rl_ierr(c, &after->v[i], "no load_object_code for "
			    "this module before point_of_no_return",
			    "no_object_code");
	}
	if ((status = check_pairs(c, after, "suspend", "resume",
	    "suspended_not_resumed", "resumed_not_suspended")))
		return status;
	return check_pairs(c, after, "stop", "start", "stop_not_start",
	    "start_not_stop");
}
