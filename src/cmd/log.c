/*
 * log - the tagged releases, newest first.
 *
 * Every release tag in the repository, highest version first, with its
 * date and its transition from the release before it (by version).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/msg.h"
#include "cli/output.h"
#include "core/release.h"
#include "core/version.h"

/* The options, as the table below binds them. */
struct log_opts {
	const char *max_count;
	const char *prefix;
};

static const struct sv_option options[] = {
	{ "max-count", 'n', "N", "show at most N releases", SV_COMPLETE_NONE,
	  NULL, false, SV_STRING(struct log_opts, max_count) },
	SV_OPT_PREFIX(struct log_opts),
	SV_OPT_END
};

/* "2026-11-21" and "2026-11-21T10:00:00+01:00" in the tagger's zone. */
static void
format_date(const struct sv_release *r, char *day, size_t nday, char *iso,
    size_t niso)
{
	time_t t = (time_t)(r->time + (int64_t)r->tz_minutes * 60);
	int off = r->tz_minutes < 0 ? -r->tz_minutes : r->tz_minutes;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(day, nday, "%Y-%m-%d", &tm);
	snprintf(iso, niso, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, r->tz_minutes < 0 ? '-' : '+', off / 60,
	    off % 60);
}

static int
parse_count(const char *s, size_t *out, struct sv_err *e)
{
	char *end;
	unsigned long long n;

	if (s == NULL) {
		*out = (size_t)-1;
		return SV_OK;
	}
	n = strtoull(s, &end, 10);
	if (*s == '\0' || *end != '\0' || *s == '-' || *s == '+')
		return sv_err_set(e, SV_USAGE, "invalid value '%s' for "
		    "'--max-count' (expected a whole number)", s);
	*out = (size_t)n;
	return SV_OK;
}

static int
run(struct sv_ctx *ctx, const struct sv_args *a)
{
	const struct log_opts *opt = a->opts;
	struct sv_releases list;
	struct sv_json *doc = NULL, *arr = NULL;
	const char *prefix;
	size_t i, max = 0, width = 0;
	struct sv_err e;
	int status;

	sv_err_init(&e);
	sv_releases_init(&list);
	if ((status = parse_count(opt->max_count, &max, &e)) ||
	    (status = sv_ctx_prefix(ctx, opt->prefix, &prefix, &e)) ||
	    (status = sv_release_require_full_history(ctx->repo, &e)) ||
	    (status = sv_releases_load(ctx->repo, prefix, &list, &e)))
		goto fail;
	if (ctx->json) {
		doc = sv_out_json_doc("log");
		arr = sv_json_array();
	}
	for (i = 0; i < list.n && i < max; i++)
		if (strlen(list.v[i].tag) > width)
			width = strlen(list.v[i].tag);
	for (i = 0; i < list.n && i < max; i++) {
		const struct sv_release *r = &list.v[i];
		const struct sv_release *prev = i + 1 < list.n ? &list.v[i + 1]
		    : NULL;
		struct sv_transition t = { SV_T_RESTART, SV_LEVEL_RESTART };
		const char *tname;
		char day[32], iso[64];

		format_date(r, day, sizeof(day), iso, sizeof(iso));
		if (prev)
			sv_transition_of(&prev->version, &r->version, &t);
		tname = prev ? sv_transition_name(t.kind) : "initial";
		if (ctx->json) {
			struct sv_json *o = sv_json_object();
			char *vs = sv_version_str(&r->version);

			sv_json_set_str(o, "tag", r->tag);
			sv_json_set_str(o, "version", vs);
			sv_json_set_str(o, "commit", r->commit);
			sv_json_set_str(o, "date", iso);
			sv_json_set_int(o, "time", r->time);
			sv_json_set_bool(o, "annotated", r->annotated);
			if (prev) {
				char *ps = sv_version_str(&prev->version);

				sv_json_set_str(o, "previous", ps);
				sv_json_set_str(o, "transition", tname);
				sv_json_set_str(o, "level",
				    sv_level_name(t.level));
				free(ps);
			} else {
				sv_json_set_null(o, "previous");
				sv_json_set_null(o, "transition");
				sv_json_set_null(o, "level");
			}
			sv_json_push(arr, o);
			free(vs);
		} else if (!ctx->quiet) {
			printf("%s", msg_paint(stdout, "1", r->tag));
			printf("%*s  %s  ", (int)(width - strlen(r->tag)), "",
			    day);
			printf("%s", msg_paint(stdout, sv_out_level_color(tname),
			    tname));
			if (prev) {
				char *ps = sv_version_str(&prev->version);

				printf("%*s  from %s", (int)(7 - strlen(tname)),
				    "", ps);
				free(ps);
			}
			putchar('\n');
		}
	}
	if (doc) {
		sv_json_set(doc, "releases", arr);
		sv_out_json(doc);
	}
	sv_releases_release(&list);
	return SV_OK;
fail:
	sv_releases_release(&list);
	return sv_out_error(a->cmd, &e);
}

const struct sv_command sv_cmd_log = {
	.name = "log",
	.summary = "list the tagged releases, newest first, with their transitions",
	.args = "",
	.min_args = 0,
	.max_args = 0,
	.arg_complete = SV_COMPLETE_NONE,
	.flags = SV_CMD_REPO,
	.options = options,
	.opts_size = sizeof(struct log_opts),
	.run = run,
};
