#include "config.h"

#include "core/verify.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/xalloc.h"

const char *
sv_drift_name(enum sv_drift_kind k)
{
	static const char *const names[] = { "added", "missing", "modified",
	    "mode", "type" };

	return names[k];
}

void
sv_verify_result_init(struct sv_verify_result *r)
{
	memset(r, 0, sizeof(*r));
	sv_index_init(&r->actual);
}

void
sv_verify_result_release(struct sv_verify_result *r)
{
	sv_index_release(&r->actual);
	free(r->v);
	sv_verify_result_init(r);
}

static void
add(struct sv_verify_result *r, enum sv_drift_kind k,
    const struct sv_entry *exp, const struct sv_entry *act)
{
	xgrow(&r->v, &r->alloc, r->n + 1, sizeof(*r->v));
	r->v[r->n].kind = k;
	r->v[r->n].expected = exp;
	r->v[r->n].actual = act;
	r->n++;
}

static void
compare(const struct sv_index *want, const struct sv_index *have,
    struct sv_verify_result *r)
{
	size_t i = 0, j = 0;

	while (i < want->n || j < have->n) {
		const struct sv_entry *a = i < want->n ? &want->v[i] : NULL;
		const struct sv_entry *b = j < have->n ? &have->v[j] : NULL;
		int c = a == NULL ? 1 : b == NULL ? -1 : strcmp(a->path, b->path);

		if (c < 0) {
			add(r, SV_DRIFT_MISSING, a, NULL);
			i++;
			continue;
		}
		if (c > 0) {
			add(r, SV_DRIFT_ADDED, NULL, b);
			j++;
			continue;
		}
		if (a->type != b->type)
			add(r, SV_DRIFT_TYPE, a, b);
		else if (a->type != SV_ENTRY_DIR && (a->size != b->size ||
		    memcmp(a->sha256, b->sha256, SV_SHA256_LEN) != 0))
			add(r, SV_DRIFT_MODIFIED, a, b);
		else if (a->mode != b->mode)
			add(r, SV_DRIFT_MODE, a, b);
		i++;
		j++;
	}
}

int
sv_verify(const struct sv_manifest *m, const char *path,
    struct sv_verify_result *r, struct sv_err *e)
{
	struct stat st;
	int status;

	if (stat(path, &st) < 0)
		return sv_err_set(e, SV_INPUT, "cannot read '%s': %s", path,
		    strerror(errno));
	if (S_ISDIR(st.st_mode)) {
		if ((status = sv_index_dir(&r->actual, path, e)))
			return status;
		compare(&m->content, &r->actual, r);
		return r->n ? SV_NO : SV_OK;
	}
	r->is_package = true;
	if ((status = sv_sha256_file(path, r->sha256, &r->size, e)))
		return status;
	r->package_matches = r->size == m->size &&
	    memcmp(r->sha256, m->sha256, SV_SHA256_LEN) == 0;
	if (r->package_matches)
		return SV_OK;
	if ((status = sv_index_tarball(&r->actual, path, e)))
		return status;
	compare(&m->content, &r->actual, r);
	return SV_NO;
}
