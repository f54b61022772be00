/*
 * explain.c - copying a plan's per-module evidence (see explain.h).
 */
#include "config.h"

#include "otp/explain.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

void
sv_otp_explain_init(struct sv_otp_explain *x)
{
	memset(x, 0, sizeof(*x));
}

void
sv_otp_explain_release(struct sv_otp_explain *x)
{
	size_t i;

	for (i = 0; i < x->n; i++) {
		struct sv_otp_explained *m = &x->v[i];

		free(m->app);
		free(m->from);
		free(m->to);
		free(m->module);
		free(m->reason);
		sv_strv_free(m->evidence, m->nevidence);
	}
	free(x->v);
	free(x->relup);
	sv_otp_explain_init(x);
}

void
sv_otp_explain_take(struct sv_otp_explain *x, const struct sv_otp_upgrade *u)
{
	size_t i, j, k;

	x->relup = u->relup_path ? xstrdup(u->relup_path) : NULL;
	for (i = 0; i < u->napps; i++) {
		const struct sv_otp_appchange *a = &u->apps[i];

		if (a->change != SV_OTP_APP_UPGRADED)
			continue;
		x->v = xrealloc(x->v, (x->n + a->nmods + 1) * sizeof(*x->v));
		for (j = 0; j < a->nmods; j++) {
			const struct sv_otp_modchange *m = &a->mods[j];
			struct sv_otp_explained *d = &x->v[x->n++];

			memset(d, 0, sizeof(*d));
			d->app = xstrdup(a->name);
			d->from = xstrdup(a->old_vsn);
			d->to = xstrdup(a->new_vsn);
			d->module = xstrdup(m->module);
			d->change = sv_otp_mod_change_name(m->change);
			d->level = m->level;
			d->reason = xstrdup(m->reason ? m->reason : "");
			d->verdict = m->analysed ?
			    sv_otp_shape_verdict_name(m->shape) : NULL;
			d->evidence = xcalloc(m->nevidence + 1,
			    sizeof(*d->evidence));
			for (k = 0; k < m->nevidence; k++)
				d->evidence[k] = xstrdup(m->evidence[k]);
			d->nevidence = m->nevidence;
		}
	}
}
