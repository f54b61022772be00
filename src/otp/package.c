/*
 * package.c - the OTP release as a kind of package (see package.h).
 */
#include "config.h"

#include "otp/package.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "core/index.h"
#include "core/version.h"
#include "otp/relpack.h"
#include "otp/relroot.h"

static void
state_free(void *state)
{
	sv_otp_pack_release(state);
	free(state);
}

/* What the package holds (checked, nothing written yet); for a delta,
 * the whole package is measured first. */
static int
select_items(const struct sv_package_spec *spec, struct sv_package *p,
    struct sv_pack_request *req, struct sv_err *e)
{
	struct sv_otp_pack *plan;
	int status;

	if (p->kind_state == NULL) {
		p->kind_state = xmalloc(sizeof(*plan));
		sv_otp_pack_init(p->kind_state);
	}
	plan = p->kind_state;
	plan->fresh_only = spec->no_relup;
	if ((status = sv_otp_pack_plan(plan, spec->dir, p->kind_vsn, p->unpack,
	    spec->delta_from, e)))
		return status;
	if (plan->delta) {
		struct sv_pack_request full = *req;
		struct sv_pack_result fr;
		const char *from = plan->old.rel.vsn;

		full.output = NULL;
		full.items = plan->full;
		full.nitems = plan->nfull;
		sv_pack_result_init(&fr);
		status = sv_pack(&full, &fr, e);
		p->full_size = fr.size;
		memcpy(p->full_sha256, fr.sha256, SV_SHA256_LEN);
		sv_pack_result_release(&fr);
		if (status != SV_OK || (status = sv_build_digest(spec->delta_from,
		    &p->base_kind, p->base_sha256, e)) != SV_OK)
			return status;
		if (sv_version_normalise(from, "", &p->delta_from, e) != SV_OK) {
			sv_err_init(e);
			p->delta_from = xstrdup(from);
		}
	}
	req->items = plan->items;
	req->nitems = plan->nitems;
	return SV_OK;
}

static void
manifest(struct sv_package *p)
{
	const struct sv_otp_pack *plan = p->kind_state;

	p->info.otp = true;
	p->info.fresh_only = plan->fresh_only;
	p->info.relup_from = plan->relup_from;
	p->info.nrelup_from = plan->nrelup_from;
	p->info.relup_derived = plan->relup_derived;
	p->info.nrelup_derived = plan->nrelup_derived;
}

const struct sv_package_kind sv_otp_package_kind = {
	.name = "OTP",
	.gzip_only = true,
	.root = sv_otp_release_root,
	.named = sv_otp_release_named,
	.select = select_items,
	.manifest = manifest,
	.state_free = state_free,
};
