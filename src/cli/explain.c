/*
 * explain.c - printing the evidence behind each module's level.
 */
#include "config.h"

#include "cli/explain.h"

#include <string.h>

#include "base/buf.h"
#include "cli/output.h"

void
sv_out_explain(const struct sv_otp_explain *x, const char *prefix)
{
	struct buf b;
	size_t i, j;

	buf_init(&b);
	for (i = 0; i < x->n; i++) {
		const struct sv_otp_explained *m = &x->v[i];

		if (i == 0 || strcmp(m->app, x->v[i - 1].app) != 0)
			buf_addf(&b, "%sexplain: %s %s -> %s%s%s\n", prefix,
			    m->app, m->from, m->to,
			    x->relup ? ", levels from " : "",
			    x->relup ? x->relup : "");
		buf_addf(&b, "%s  %s: %s (%s): %s\n", prefix, m->module,
		    sv_level_name(m->level), m->change, m->reason);
		for (j = 0; j < m->nevidence; j++)
			buf_addf(&b, "%s      %s\n", prefix, m->evidence[j]);
	}
	if (x->n == 0)
		buf_addf(&b, "%sexplain: no module changed\n", prefix);
	sv_out_write(b.s, b.len);
	buf_release(&b);
}

struct sv_json *
sv_out_explain_json(const struct sv_otp_explain *x)
{
	struct sv_json *o = sv_json_object(), *mods = sv_json_array();
	size_t i, j;

	if (x->relup)
		sv_json_set_bytes(o, "relup", x->relup);
	else
		sv_json_set_null(o, "relup");
	for (i = 0; i < x->n; i++) {
		const struct sv_otp_explained *m = &x->v[i];
		struct sv_json *mo = sv_json_object(), *ev = sv_json_array();

		sv_json_set_str(mo, "app", m->app);
		sv_json_set_str(mo, "from", m->from);
		sv_json_set_str(mo, "to", m->to);
		sv_json_set_str(mo, "module", m->module);
		sv_json_set_str(mo, "change", m->change);
		sv_json_set_str(mo, "level", sv_level_name(m->level));
		sv_json_set_str(mo, "reason", m->reason);
		if (m->verdict)
			sv_json_set_str(mo, "verdict", m->verdict);
		else
			sv_json_set_null(mo, "verdict");
		for (j = 0; j < m->nevidence; j++)
			sv_json_push(ev, sv_json_string(m->evidence[j]));
		sv_json_set(mo, "evidence", ev);
		sv_json_push(mods, mo);
	}
	sv_json_set(o, "modules", mods);
	return o;
}
