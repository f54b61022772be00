/*
 * deploy.c - bootstrap a release root from a store, follow its latest
 * pointer on the running node (see deploy.h).
 */
#include "config.h"

#include "otp/deploy_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "adapt/json.h"
#include "base/buf.h"
#include "base/outfile.h"
#include "base/proc.h"
#include "base/xalloc.h"
#include "core/fetch.h"
#include "core/trust.h"
#include "core/version.h"
#include "otp/ctl.h"
#include "otp/otpinst.h"
#include "otp/target.h"

char *
dp_dpath(const struct dep *d, const char *name)
{
	struct buf b;

	buf_init(&b);
	buf_addf(&b, "%s/%s", d->dot, name);
	return buf_detach(&b);
}

char *
dp_rpath(const struct dep *d, const char *name)
{
	struct buf b;

	buf_init(&b);
	buf_addf(&b, "%s/%s", d->root, name);
	return buf_detach(&b);
}

/* ---- events ---- */

void
dp_ev_init(struct sv_deploy_event *ev, const struct dep *d, const char *event)
{
	memset(ev, 0, sizeof(*ev));
	ev->event = event;
	ev->name = d->name;
	ev->node = d->node;
	ev->bytes = -1;
	ev->seconds = -1;
	ev->status = -1;
}

/* Report ev with its message formatted. */
void
dp_emit(const struct dep *d, struct sv_deploy_event *ev, const char *fmt, ...)
{
	struct buf m;
	va_list ap;

	buf_init(&m);
	va_start(ap, fmt);
	buf_vaddf(&m, fmt, ap);
	va_end(ap);
	ev->message = m.s;
	if (d->o->report != NULL)
		d->o->report(d->o->ctx, ev);
	buf_release(&m);
}

/* Say it unless it is what was said last (a loop says a state once). */
static bool
news(struct dep *d, const char *what)
{
	if (d->said != NULL && strcmp(d->said, what) == 0)
		return false;
	free(d->said);
	d->said = xstrdup(what);
	return true;
}

/* ---- follow: one look ---- */

enum outcome {
	O_IDLE,        /* nothing to do, or done */
	O_UPGRADED,
	O_SKIPPED,     /* a version that failed before */
	O_RESTART,     /* latest needs a restart (said) */
	O_RESTART_ASKED, /* and the on-restart command ran well */
	O_FAILED,      /* rolled back */
	O_UNREACHABLE, /* the node did not answer */
	O_LOCKED,
	O_ERROR        /* e set */
};

static bool
failed_before(struct dep *d, const char *vsn, const unsigned char *digest)
{
	struct sv_json *doc = NULL;
	struct sv_err e;
	char hex[SV_SHA256_HEX];
	const char *v, *m;
	bool yes = false;

	sv_err_init(&e);
	if (dp_read_state(d, "failed", FAILED_SCHEMA, &doc, &e) != SV_OK ||
	    doc == NULL)
		return false;
	sv_sha256_hex(digest, hex);
	v = sv_json_str(sv_json_get(doc, "version"));
	m = sv_json_str(sv_json_get(doc, "manifest"));
	yes = v != NULL && strcmp(v, vsn) == 0 && m != NULL &&
	    strcmp(m, hex) == 0;
	sv_json_free(doc);
	return yes;
}

static void
record_failed(struct dep *d, const char *vsn, const unsigned char *digest,
    const char *why)
{
	struct sv_json *doc = sv_json_object();
	char hex[SV_SHA256_HEX], now[32];
	struct sv_err e;

	sv_err_init(&e);
	sv_sha256_hex(digest, hex);
	dp_time_now(now);
	sv_json_set_str(doc, "schema", FAILED_SCHEMA);
	sv_json_set_str(doc, "name", d->name);
	sv_json_set_str(doc, "version", vsn);
	sv_json_set_str(doc, "manifest", hex);
	sv_json_set_str(doc, "when", now);
	sv_json_set_str(doc, "why", why);
	(void)dp_write_state(d, "failed", doc, &e);
	sv_json_free(doc);
}

/* Why latest cannot be taken live from running, or NULL; level gets
 * the transition's name. */
static const char *
not_live(const char *running, const struct sv_manifest *m,
    const char **level, struct buf *why)
{
	struct sv_version a, b;
	struct sv_transition t;
	struct sv_err e;
	size_t i;

	sv_version_init(&a);
	sv_version_init(&b);
	sv_err_init(&e);
	*level = NULL;
	if (sv_version_parse(&a, running, "", &e) != SV_OK) {
		buf_addf(why, "the node runs %s, which is not a smoothver "
		    "version", running);
		*level = "restart";
		goto out;
	}
	(void)sv_version_parse(&b, m->version, "", &e);
	sv_transition_of(&a, &b, &t);
	*level = t.kind == SV_T_DOWNGRADE ? "older" :
	    sv_transition_name(t.kind);
	if (t.kind == SV_T_DOWNGRADE)
		buf_addf(why, "%s is older than %s, which the node runs",
		    m->version, running);
	else if (t.kind == SV_T_RESTART)
		buf_addf(why, "%s -> %s changes the RESTART number", running,
		    m->version);
	else if (t.kind == SV_T_SAME)
		buf_addf(why, "%s and %s are the same version", running,
		    m->version);
	else if (!m->otp)
		buf_addf(why, "%s %s is not an OTP release package", m->name,
		    m->version);
	else if (m->fresh_only)
		buf_addf(why, "%s %s was packed for fresh installs only "
		    "(--no-relup)", m->name, m->version);
	else if (m->nrelup_from > 0) {
		for (i = 0; i < m->nrelup_from; i++)
			if (strcmp(m->relup_from[i], running) == 0)
				break;
		if (i == m->nrelup_from)
			buf_addf(why, "the relup of %s %s does not upgrade from %s",
			    m->name, m->version, running);
	}
	if (why->len > 0 && t.kind != SV_T_DOWNGRADE)
		*level = "restart";
out:
	sv_version_release(&a);
	sv_version_release(&b);
	return why->len > 0 ? why->s : NULL;
}

/* The name release_handler unpacks the package by: its releases/X.rel. */
static char *
unpack_name(const struct sv_manifest *m)
{
	size_t i;

	for (i = 0; i < m->content.n; i++) {
		const char *p = m->content.v[i].path;
		size_t len = strlen(p);

		if (strncmp(p, "releases/", 9) == 0 &&
		    strchr(p + 9, '/') == NULL && len > 13 &&
		    strcmp(p + len - 4, ".rel") == 0)
			return xstrndup(p + 9, len - 13);
	}
	return NULL;
}

/* Put the node back on from after a failure at step; remove vsn. */
static void
roll_back(struct dep *d, const char *vsn, const char *from, bool installed,
    bool unpacked, const char *step, const char *why,
    const unsigned char *digest)
{
	struct sv_deploy_event ev;
	struct buf detail;

	buf_init(&detail);
	dp_ev_init(&ev, d, "failed");
	ev.version = vsn;
	ev.from = from;
	ev.detail = why;
	dp_emit(d, &ev, "%s %s failed at %s: %s", d->name, vsn, step, why);
	if (installed) {
		/* What install_release back says matters less than where the
		 * node is after it: which_releases() decides. */
		(void)dp_rh(d, &detail, "install", from, vsn);
		dp_ev_init(&ev, d, "rolled-back");
		ev.version = from;
		ev.from = vsn;
		if (dp_rh(d, &detail, "rels", NULL, NULL)) {
			struct rel rv[32];
			size_t n = dp_parse_rels(detail.s, rv, 32);
			const struct rel *run = dp_rel_running(rv, n);

			if (run != NULL && strcmp(run->vsn, from) == 0) {
				dp_emit(d, &ev, "%s runs %s again", d->name,
				    from);
			} else {
				ev.event = "failed";
				ev.detail = detail.s;
				dp_emit(d, &ev,
				    "%s could not be put back on %s: "
				    "which_releases() shows %s", d->name, from,
				    detail.s);
			}
		} else {
			ev.event = "failed";
			ev.detail = detail.s;
			dp_emit(d, &ev, "%s could not be put back on %s: %s",
			    d->name, from, detail.s);
		}
	}
	if (unpacked) {
		dp_ev_init(&ev, d, "removed");
		ev.version = vsn;
		if (dp_rh(d, &detail, "remove", vsn, NULL)) {
			dp_emit(d, &ev, "removed %s %s from the node", d->name,
			    vsn);
		} else {
			ev.event = "failed";
			ev.detail = detail.s;
			dp_emit(d, &ev, "cannot remove %s %s: %s", d->name, vsn,
			    detail.s);
		}
	}
	/* A version is skipped for what it did, not for a signal that
	 * stopped the follower while it was installed. */
	if (!sv_proc_signal_caught())
		record_failed(d, vsn, digest, why);
	buf_release(&detail);
}

/* The live upgrade from -> the manifest's version; rels the node's. */
static enum outcome
upgrade(struct dep *d, const char *from, const struct rel *rels, size_t nrels,
    const struct sv_record *rec, struct sv_err *e)
{
	const struct rel *have = dp_rel_find(rels, nrels, rec->version);
	struct sv_fetch_request req;
	struct sv_fetch_result fr;
	struct sv_deploy_event ev;
	struct buf detail, pkg, why;
	const char *vsn = rec->version;
	char *uname = NULL;
	bool unpacked = false, installed = false;
	double t0 = sv_now(), t;
	enum outcome out = O_FAILED;
	int rc;

	sv_fetch_result_init(&fr);
	buf_init(&detail);
	buf_init(&pkg);
	buf_init(&why);
	/* From here on a signal lets each release_handler call finish and
	 * then rolls back: the node is never left half-way. */
	d->ctl.finish_on_signal = true;
	if (have != NULL && strcmp(have->status, "current") == 0) {
		/* A follower stopped between the install and make_permanent:
		 * finish with the probe. */
		installed = unpacked = true;
		dp_ev_init(&ev, d, "resumed");
		ev.version = vsn;
		ev.from = from;
		dp_emit(d, &ev,
		    "%s %s is installed but not permanent: resuming at "
		    "the probe", d->name, vsn);
		goto probe;
	}
	if (have != NULL && strcmp(have->status, "unpacked") == 0) {
		unpacked = true;
		dp_ev_init(&ev, d, "resumed");
		ev.version = vsn;
		ev.from = from;
		dp_emit(d, &ev, "%s %s is unpacked already: resuming at the "
		    "install", d->name, vsn);
		goto install;
	}
	/* fetch into releases/, named as release_handler unpacks it */
	memset(&req, 0, sizeof(req));
	req.name = d->name;
	req.version = vsn;
	req.delta_from = from;
	{
		struct sv_manifest whole;

		sv_manifest_init(&whole);
		if (sv_record_manifest(d->o->store, rec, &whole, e) != SV_OK) {
			sv_manifest_release(&whole);
			out = O_ERROR;
			goto done;
		}
		uname = unpack_name(&whole);
		sv_manifest_release(&whole);
	}
	if (uname == NULL) {
		sv_err_set(e, SV_INPUT, "%s %s is not a release package for "
		    "release_handler: it has no releases/NAME.rel", d->name, vsn);
		out = O_ERROR;
		goto done;
	}
	buf_addf(&pkg, "%s/releases/%s.tar.gz", d->root, uname);
	req.output = pkg.s;
	t = sv_now();
	if (sv_fetch(d->o->store, &req, &fr, e) != SV_OK) {
		out = O_ERROR;
		goto done;
	}
	dp_ev_init(&ev, d, "fetched");
	ev.version = vsn;
	ev.from = from;
	ev.detail = fr.delta_skipped;
	ev.package = fr.delta ? "delta" : "whole";
	ev.bytes = (int64_t)fr.m.size;
	ev.seconds = sv_now() - t;
	if (fr.delta)
		dp_emit(d, &ev, "fetched %s %s, the delta from %s (%ju bytes)",
		    d->name, vsn, from, (uintmax_t)fr.m.size);
	else
		dp_emit(d, &ev, "fetched %s %s (%ju bytes)", d->name, vsn,
		    (uintmax_t)fr.m.size);
	if (sv_proc_signal_caught()) {
		unlink(pkg.s);
		out = O_IDLE;
		goto done;
	}
	t = sv_now();
	if (!dp_rh(d, &detail, "unpack", uname, vsn)) {
		unlink(pkg.s);
		/* unpack_release may have left the release half-unpacked */
		roll_back(d, vsn, from, false, true, "unpack_release",
		    detail.s, rec->manifest);
		goto done;
	}
	unpacked = true;
	unlink(pkg.s);
	dp_ev_init(&ev, d, "unpacked");
	ev.version = vsn;
	ev.seconds = sv_now() - t;
	dp_emit(d, &ev, "unpacked %s %s", d->name, vsn);
	if (sv_proc_signal_caught()) {
		roll_back(d, vsn, from, false, true, "unpack_release",
		    "interrupted by a signal", rec->manifest);
		out = O_IDLE;
		goto done;
	}
install:
	t = sv_now();
	if (!dp_rh(d, &detail, "install", vsn, from)) {
		/* A relup that fails half-way makes release_handler restart
		 * the node with the permanent release: what stays is the
		 * unpacked release. */
		roll_back(d, vsn, from, false, unpacked, "install_release",
		    detail.s, rec->manifest);
		goto done;
	}
	installed = true;
	dp_ev_init(&ev, d, "installed");
	ev.version = vsn;
	ev.from = from;
	ev.seconds = sv_now() - t;
	dp_emit(d, &ev, "installed %s %s live over %s (%.2f s)", d->name, vsn,
	    from, ev.seconds);
probe:
	if (d->o->probe != NULL) {
		t = sv_now();
		buf_reset(&why);
		rc = dp_run_hook(d, d->o->probe, vsn, from, "probe.log", &why);
		dp_ev_init(&ev, d, "probe");
		ev.version = vsn;
		ev.status = rc;
		ev.seconds = sv_now() - t;
		if (rc != 0) {
			struct buf w;

			buf_init(&w);
			buf_addf(&w, "the probe failed (%s)", why.s);
			ev.detail = w.s;
			dp_emit(d, &ev, "probe failed on %s %s: %s", d->name,
			    vsn,
			    why.s);
			roll_back(d, vsn, from, installed, unpacked, "the probe",
			    w.s, rec->manifest);
			buf_release(&w);
			goto done;
		}
		dp_emit(d, &ev, "probe passed on %s %s", d->name, vsn);
	}
	if (sv_proc_signal_caught()) {
		roll_back(d, vsn, from, installed, unpacked, "make_permanent",
		    "interrupted by a signal before make_permanent",
		    rec->manifest);
		out = O_IDLE;
		goto done;
	}
	if (!dp_rh(d, &detail, "permanent", vsn, NULL)) {
		roll_back(d, vsn, from, installed, unpacked, "make_permanent",
		    detail.s, rec->manifest);
		goto done;
	}
	dp_ev_init(&ev, d, "permanent");
	ev.version = vsn;
	dp_emit(d, &ev, "made %s %s permanent", d->name, vsn);
	{
		struct sv_json *doc = NULL;
		struct sv_err e2;

		sv_err_init(&e2);
		(void)dp_read_state(d, "deployed", DEPLOYED_SCHEMA, &doc, &e2);
		(void)dp_write_deployed(d, vsn,
		    doc ? sv_json_str(sv_json_get(doc,
		    "bootstrapped")) : NULL, &e2);
		sv_json_free(doc);
	}
	dp_ev_init(&ev, d, "upgraded");
	ev.version = vsn;
	ev.from = from;
	ev.seconds = sv_now() - t0;
	ev.package = fr.rec.name ? (fr.delta ? "delta" : "whole") : NULL;
	dp_emit(d, &ev, "upgraded %s %s -> %s live in %.2f s", d->name, from,
	    vsn,
	    ev.seconds);
	out = O_UPGRADED;
done:
	d->ctl.finish_on_signal = false;
	sv_fetch_result_release(&fr);
	buf_release(&detail);
	buf_release(&pkg);
	buf_release(&why);
	free(uname);
	return out;
}

/* The root's release name: given, or the deployed record's. */
static int
root_name(struct dep *d, struct sv_err *e)
{
	struct sv_json *doc = NULL;
	int status;

	if ((status = dp_read_state(d, "deployed", DEPLOYED_SCHEMA, &doc, e)))
		return status;
	if (doc == NULL && d->name == NULL) {
		status = sv_err_set(e, SV_INPUT, "'%s' was not bootstrapped by "
		    "smoothver deploy: which release does it run?", d->root);
		return sv_err_hint(e, "give its name: smoothver deploy NAME "
		    "--follow --root %s", d->o->root);
	}
	if (doc != NULL && d->name != NULL &&
	    strcmp(d->name, sv_json_str(sv_json_get(doc, "name"))) != 0) {
		status = sv_err_set(e, SV_INPUT, "'%s' holds release %s, not %s",
		    d->root, sv_json_str(sv_json_get(doc, "name")), d->name);
	} else if (d->name == NULL) {
		d->name = xstrdup(sv_json_str(sv_json_get(doc, "name")));
	}
	sv_json_free(doc);
	return status;
}

static enum outcome
look(struct dep *d, struct sv_err *e)
{
	struct sv_record rec;
	struct sv_manifest m;
	struct sv_deploy_event ev;
	struct buf rels, why, said;
	struct rel rv[32];
	const struct rel *run;
	const char *level;
	char *latest = NULL, *from = NULL;
	size_t n;
	bool busy;
	enum outcome out = O_ERROR;

	sv_record_init(&rec);
	sv_manifest_init(&m);
	buf_init(&rels);
	buf_init(&why);
	buf_init(&said);
	if (sv_release_resolve(d->o->store, d->name, NULL, &rec, e) != SV_OK ||
	    sv_record_manifest(d->o->store, &rec, &m, e) != SV_OK)
		goto out;
	latest = xstrdup(rec.version);
	if (!dp_connect_node(d, &rels, &why)) {
		dp_ev_init(&ev, d, "unreachable");
		ev.detail = why.s;
		ev.node = d->node_arg;
		dp_emit(d, &ev, "the node %s does not answer: %s", d->node_arg,
		    why.s);
		free(d->said);
		d->said = NULL;
		out = O_UNREACHABLE;
		goto out;
	}
	n = dp_parse_rels(rels.s ? rels.s : "", rv, 32);
	if ((run = dp_rel_running(rv, n)) == NULL) {
		sv_err_set(e, SV_INPUT, "the node %s runs no release "
		    "release_handler knows (which_releases() shows '%s')",
		    d->node, rels.s ? rels.s : "");
		goto out;
	}
	from = xstrdup(run->vsn);
	if (strcmp(from, latest) == 0) {
		const struct rel *perm = dp_rel_permanent(rv, n);

		if (perm != NULL && strcmp(perm->vsn, from) != 0) {
			/* installed, not permanent: an earlier follower's */
			free(from);
			from = xstrdup(perm->vsn);
		} else {
			buf_addf(&said, "idle %s", latest);
			if (news(d, said.s)) {
				dp_ev_init(&ev, d, "idle");
				ev.version = latest;
				dp_emit(d, &ev, "%s runs %s, the latest",
				    d->node, latest);
			}
			out = O_IDLE;
			goto out;
		}
	}
	if (not_live(from, &m, &level, &why) != NULL) {
		buf_addf(&said, "restart %s %s", from, latest);
		if (d->restart_done != NULL &&
		    strcmp(d->restart_done, latest) == 0) {
			out = O_RESTART_ASKED;
			goto out;
		}
		if (news(d, said.s) || d->o->on_restart != NULL) {
			dp_ev_init(&ev, d, "restart-needed");
			ev.version = latest;
			ev.from = from;
			ev.level = level;
			ev.detail = why.s;
			dp_emit(d, &ev, "%s %s cannot be taken live: %s",
			    d->name,
			    latest, why.s);
		}
		if (d->o->on_restart != NULL) {
			struct buf w;
			int rc;

			buf_init(&w);
			rc = dp_run_hook(d, d->o->on_restart, latest, from,
			    "on-restart.log", &w);
			dp_ev_init(&ev, d, "on-restart");
			ev.version = latest;
			ev.from = from;
			ev.status = rc;
			ev.detail = w.len ? w.s : NULL;
			if (rc == 0) {
				dp_emit(d, &ev,
				    "ran the on-restart command for %s %s",
				    d->name, latest);
				free(d->restart_done);
				d->restart_done = xstrdup(latest);
				out = O_RESTART_ASKED;
			} else {
				dp_emit(d, &ev,
				    "the on-restart command failed for %s "
				    "%s: %s", d->name, latest, w.s);
				out = O_RESTART;
			}
			buf_release(&w);
		} else {
			out = O_RESTART;
		}
		goto out;
	}
	if (failed_before(d, latest, rec.manifest)) {
		buf_addf(&said, "skip %s", latest);
		if (news(d, said.s)) {
			dp_ev_init(&ev, d, "skipped");
			ev.version = latest;
			ev.from = from;
			dp_emit(d, &ev,
			    "%s %s failed before and was rolled back: "
			    "waiting for another latest", d->name, latest);
		}
		out = O_SKIPPED;
		goto out;
	}
	if (dp_lock_root(d, &busy, e) != SV_OK) {
		if (busy) {
			dp_ev_init(&ev, d, "locked");
			ev.detail = e->msg;
			dp_emit(d, &ev, "%s", e->msg);
			sv_err_init(e);
			out = O_LOCKED;
		}
		goto out;
	}
	free(d->said);
	d->said = NULL;
	dp_ev_init(&ev, d, "latest");
	ev.version = latest;
	ev.from = from;
	ev.level = level;
	dp_emit(d, &ev, "latest is %s %s: a %s from %s", d->name, latest, level,
	    from);
	out = upgrade(d, from, rv, n, &rec, e);
	dp_unlock_root(d);
out:
	sv_record_release(&rec);
	sv_manifest_release(&m);
	buf_release(&rels);
	buf_release(&why);
	buf_release(&said);
	free(latest);
	free(from);
	return out;
}

int
sv_deploy_follow(const struct sv_deploy_opts *o, struct sv_err *e)
{
	struct sv_deploy_event ev;
	struct dep d;
	int status;

	if ((status = dp_dep_open(&d, o, false, e)) ||
	    (status = root_name(&d, e)))
		goto out;
	if ((d.otp = sv_otp_installation()) == NULL) {
		status = sv_err_set(e, SV_INPUT, "cannot follow: no erl on PATH "
		    "(deploy talks to the node through an Erlang/OTP "
		    "installation's escript)");
		goto out;
	}
	sv_proc_signals_catch();
	for (;;) {
		enum outcome r;
		double until;

		sv_err_init(e);
		r = look(&d, e);
		if (sv_proc_signal_caught())
			break;
		if (r == O_ERROR && (o->once || e->status != SV_INPUT)) {
			status = e->status ? (int)e->status : SV_INPUT;
			goto restore;
		}
		if (r == O_ERROR) {
			/* The store or the node may come back: say it, go on. */
			dp_ev_init(&ev, &d, "error");
			ev.detail = e->msg;
			dp_emit(&d, &ev, "%s", e->msg);
		}
		if (r == O_RESTART && (o->on_restart == NULL || o->once)) {
			sv_err_set(e, SV_RESTART, "%s cannot be upgraded live: the "
			    "node must restart with the latest release", d.name);
			status = SV_RESTART;
			goto restore;
		}
		if (o->once) {
			if (r == O_FAILED) {
				status = sv_err_set(e, SV_FAILED, "the upgrade of %s "
				    "failed and was rolled back", d.name);
			} else if (r == O_UNREACHABLE) {
				status = sv_err_set(e, SV_INPUT, "the node %s does not "
				    "answer", d.node_arg);
			} else if (r == O_LOCKED) {
				status = sv_err_set(e, SV_INPUT, "another smoothver "
				    "deploy is changing '%s'", d.root);
			} else if (r == O_SKIPPED) {
				status = sv_err_set(e, SV_FAILED, "the latest of %s "
				    "failed before and was rolled back", d.name);
			}
			goto restore;
		}
		until = sv_now() + o->interval;
		while (sv_now() < until && !sv_proc_signal_caught())
			sv_sleep_ms(until - sv_now() > 0.2 ? 200 :
			    (int)((until - sv_now()) * 1000) + 1);
		if (sv_proc_signal_caught())
			break;
	}
	dp_ev_init(&ev, &d, "stopped");
	ev.status = sv_proc_signal_caught();
	dp_emit(&d, &ev, "stopped by signal %d", sv_proc_signal_caught());
	status = SV_OK;
restore:
	sv_otp_ctl_stop(&d.ctl, CTL_GRACE);
	sv_proc_signals_restore();
out:
	dp_dep_close(&d);
	return status;
}
