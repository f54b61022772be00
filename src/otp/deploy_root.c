/*
 * deploy_root.c - the root's own files (.smoothver: the lock, the
 * state, the deployed and failed records) and the bootstrap of a root
 * from the store (see deploy_int.h).
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

/* ---- the root's own files ---- */

static int
make_dot(struct dep *d, struct sv_err *e)
{
	if (mkdir(d->dot, 0755) < 0 && errno != EEXIST)
		return sv_err_set(e, SV_INPUT, "cannot create '%s': %s", d->dot,
		    strerror(errno));
	return SV_OK;
}

/* Take the root's lock: *busy when another deploy holds it. */
int
dp_lock_root(struct dep *d, bool *busy, struct sv_err *e)
{
	char *p;
	int status;

	*busy = false;
	if (d->lock_fd >= 0)
		return SV_OK;
	if ((status = make_dot(d, e)))
		return status;
	p = dp_dpath(d, "lock");
	d->lock_fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (d->lock_fd < 0) {
		status = sv_err_set(e, SV_INPUT, "cannot open '%s': %s", p,
		    strerror(errno));
	} else if (flock(d->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK) {
			*busy = true;
			status = sv_err_set(e, SV_INPUT, "another smoothver deploy "
			    "is changing '%s' (it holds '%s')", d->root, p);
		} else {
			status = sv_err_set(e, SV_INPUT, "cannot lock '%s': %s", p,
			    strerror(errno));
		}
		close(d->lock_fd);
		d->lock_fd = -1;
	} else {
		status = SV_OK;
	}
	free(p);
	return status;
}

void
dp_unlock_root(struct dep *d)
{
	if (d->lock_fd >= 0)
		close(d->lock_fd);
	d->lock_fd = -1;
}

/* A small JSON file of ours: *doc NULL when there is none. */
int
dp_read_state(struct dep *d, const char *file, const char *schema,
    struct sv_json **doc, struct sv_err *e)
{
	char *p = dp_dpath(d, file);
	struct buf text;
	const char *sch;
	int status;

	*doc = NULL;
	buf_init(&text);
	if (access(p, F_OK) != 0) {
		status = SV_OK;
		goto out;
	}
	if ((status = sv_read_file(p, &text, STATE_MAX, e)))
		goto out;
	*doc = sv_json_parse(text.s ? text.s : "", text.len);
	sch = sv_json_str(sv_json_get(*doc, "schema"));
	if (*doc == NULL || sch == NULL || strcmp(sch, schema) != 0 ||
	    sv_json_str(sv_json_get(*doc, "name")) == NULL ||
	    sv_json_str(sv_json_get(*doc, "version")) == NULL) {
		sv_json_free(*doc);
		*doc = NULL;
		status = sv_err_set(e, SV_INPUT, "'%s' is not a %s record", p,
		    schema);
		sv_err_hint(e, "it is smoothver deploy's own file: remove it "
		    "only if you know what wrote it");
	}
out:
	buf_release(&text);
	free(p);
	return status;
}

void
dp_time_now(char out[32])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int
dp_write_state(struct dep *d, const char *file, struct sv_json *doc,
    struct sv_err *e)
{
	char *p = dp_dpath(d, file), *text = sv_json_print(doc);
	struct buf b;
	int status;

	buf_init(&b);
	buf_adds(&b, text);
	buf_addc(&b, '\n');
	status = sv_write_file(p, b.s, b.len, e);
	buf_release(&b);
	free(text);
	free(p);
	return status;
}

int
dp_write_deployed(struct dep *d, const char *version, const char *since,
    struct sv_err *e)
{
	struct sv_json *doc = sv_json_object();
	char now[32];
	int status;

	dp_time_now(now);
	sv_json_set_str(doc, "schema", DEPLOYED_SCHEMA);
	sv_json_set_str(doc, "name", d->name);
	sv_json_set_str(doc, "version", version);
	sv_json_set_str(doc, "bootstrapped", since ? since : now);
	sv_json_set_str(doc, "updated", now);
	status = dp_write_state(d, "deployed", doc, e);
	sv_json_free(doc);
	return status;
}

/* ---- bootstrap ---- */

/* The names in dir but "." and "..", sorted. */
static int
list_dir(const char *dir, char ***out, size_t *n, struct sv_err *e)
{
	struct dirent *de;
	size_t alloc = 0;
	DIR *dh;

	*out = NULL;
	*n = 0;
	if ((dh = opendir(dir)) == NULL)
		return sv_err_set(e, SV_INPUT, "cannot read '%s': %s", dir,
		    strerror(errno));
	while ((de = readdir(dh)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		xgrow(out, &alloc, *n + 1, sizeof(**out));
		(*out)[(*n)++] = xstrdup(de->d_name);
	}
	closedir(dh);
	return SV_OK;
}

/* Undo a bootstrap killed while it moved entries in: its journal names
 * them. */
static int
undo_bootstrap(struct dep *d, struct sv_err *e)
{
	char *journal = dp_dpath(d, "bootstrap"), *incoming = dp_dpath(d,
	    "incoming");
	struct sv_json *doc = NULL, *it;
	struct buf text;
	int status = SV_OK;

	buf_init(&text);
	if (access(journal, F_OK) == 0) {
		if ((status = sv_read_file(journal, &text, STATE_MAX, e)))
			goto out;
		doc = sv_json_parse(text.s ? text.s : "", text.len);
		if (!sv_json_is_array(sv_json_get(doc, "entries"))) {
			status = sv_err_set(e, SV_INPUT, "'%s' is not a bootstrap "
			    "journal", journal);
			goto out;
		}
		for (it = sv_json_first(sv_json_get(doc, "entries")); it;
		    it = sv_json_next(it)) {
			const char *n = sv_json_str(it);
			char *p;

			if (n == NULL || strchr(n, '/') || strcmp(n, ".") == 0 ||
			    strcmp(n, "..") == 0 || strcmp(n, ".smoothver") == 0)
				continue;
			p = dp_rpath(d, n);
			sv_remove_tree(p);
			free(p);
		}
		unlink(journal);
	}
	sv_remove_tree(incoming);
out:
	sv_json_free(doc);
	buf_release(&text);
	free(journal);
	free(incoming);
	return status;
}

static int
prepare_root(const char *dir, const char *final, const struct sv_manifest *m,
    void *ctx, struct sv_err *e)
{
	bool *wrote = ctx;

	if (!m->otp)
		return SV_OK;
	return sv_otp_target_prepare(dir, final, wrote, e);
}

/* Move incoming's entries into the root, under a journal that lets the
 * next bootstrap undo a half-done move. */
static int
move_in(struct dep *d, const char *incoming, struct sv_err *e)
{
	struct sv_json *doc = sv_json_object(), *arr = sv_json_array();
	char **names = NULL, *journal = dp_dpath(d, "bootstrap");
	size_t n = 0, i;
	int status;

	if ((status = list_dir(incoming, &names, &n, e)))
		goto out;
	for (i = 0; i < n; i++)
		sv_json_push(arr, sv_json_string(names[i]));
	sv_json_set(doc, "entries", arr);
	arr = NULL;
	if ((status = dp_write_state(d, "bootstrap", doc, e)))
		goto out;
	for (i = 0; i < n && status == SV_OK; i++) {
		struct buf from, to;

		buf_init(&from);
		buf_init(&to);
		buf_addf(&from, "%s/%s", incoming, names[i]);
		buf_addf(&to, "%s/%s", d->root, names[i]);
		if (rename(from.s, to.s) < 0)
			status = sv_err_set(e, SV_INPUT, "cannot move '%s' to "
			    "'%s': %s", from.s, to.s, strerror(errno));
		buf_release(&from);
		buf_release(&to);
	}
	if (status == SV_OK)
		status = sv_fsync_dir(d->root, e);
out:
	sv_json_free(arr);
	sv_json_free(doc);
	sv_strv_free(names, n);
	free(journal);
	return status;
}

int
dp_dep_open(struct dep *d, const struct sv_deploy_opts *o, bool create,
    struct sv_err *e)
{
	char *abs;

	memset(d, 0, sizeof(*d));
	d->o = o;
	d->lock_fd = -1;
	sv_otp_ctl_init(&d->ctl);
	if (create && mkdir(o->root, 0755) < 0 && errno != EEXIST)
		return sv_err_set(e, SV_INPUT, "cannot create '%s': %s", o->root,
		    strerror(errno));
	if ((abs = realpath(o->root, NULL)) == NULL)
		return sv_err_set(e, SV_INPUT, "cannot use '%s': %s", o->root,
		    strerror(errno));
	d->root = abs;
	{
		struct buf b;

		buf_init(&b);
		buf_addf(&b, "%s/.smoothver", abs);
		d->dot = buf_detach(&b);
	}
	if (o->name != NULL)
		d->name = xstrdup(o->name);
	/* A node keeps what it saw of the store (the highest signed latest)
	 * in its root, which lives as long as the node's release does. */
	if (sv_store_trust(o->store) != NULL &&
	    getenv("SMOOTHVER_STATE_DIR") == NULL) {
		struct sv_trust *t = sv_store_trust(o->store);

		free(t->state_dir);
		t->state_dir = xstrdup(d->dot);
	}
	return SV_OK;
}

void
dp_dep_close(struct dep *d)
{
	sv_otp_ctl_release(&d->ctl);
	dp_unlock_root(d);
	free(d->root);
	free(d->dot);
	free(d->name);
	free(d->otp);
	free(d->node);
	free(d->node_arg);
	free(d->cookie);
	free(d->said);
	free(d->restart_done);
}

/* Is the root empty but for ours (and a file system's lost+found)? */
static int
root_foreign(struct dep *d, char **what, struct sv_err *e)
{
	char **names = NULL;
	size_t n = 0, i;
	int status;

	*what = NULL;
	if ((status = list_dir(d->root, &names, &n, e)))
		return status;
	for (i = 0; i < n && *what == NULL; i++)
		if (strcmp(names[i], ".smoothver") != 0 &&
		    strcmp(names[i], "lost+found") != 0)
			*what = xstrdup(names[i]);
	sv_strv_free(names, n);
	return SV_OK;
}

int
sv_deploy_bootstrap(const struct sv_deploy_opts *o, struct sv_err *e)
{
	struct sv_fetch_request req;
	struct sv_fetch_result r;
	struct sv_json *have = NULL;
	struct sv_deploy_event ev;
	struct dep d;
	char *incoming = NULL, *foreign = NULL;
	bool busy, wrote = false;
	double t0 = sv_now();
	int status;

	sv_fetch_result_init(&r);
	if ((status = dp_dep_open(&d, o, true, e)) ||
	    (status = dp_lock_root(&d, &busy, e)) ||
	    (status = dp_read_state(&d, "deployed", DEPLOYED_SCHEMA, &have, e)))
		goto out;
	if (have != NULL) {
		const char *hname = sv_json_str(sv_json_get(have, "name"));
		const char *hvsn = sv_json_str(sv_json_get(have, "version"));

		if (strcmp(hname, d.name) != 0) {
			status = sv_err_set(e, SV_INPUT, "'%s' holds release %s, "
			    "not %s", d.root, hname, d.name);
			sv_err_hint(e, "bootstrap %s into another root", d.name);
			goto out;
		}
		if (o->version != NULL && strcmp(o->version, hvsn) != 0) {
			status = sv_err_set(e, SV_INPUT, "'%s' holds %s %s, not %s",
			    d.root, hname, hvsn, o->version);
			sv_err_hint(e, "a bootstrapped root moves with smoothver "
			    "deploy --follow; bootstrap %s@%s into an empty root",
			    d.name, o->version);
			goto out;
		}
		dp_ev_init(&ev, &d, "present");
		ev.version = hvsn;
		dp_emit(&d, &ev, "%s %s is already in %s", hname, hvsn, d.root);
		goto out;
	}
	if ((status = undo_bootstrap(&d, e)) ||
	    (status = root_foreign(&d, &foreign, e)))
		goto out;
	if (foreign != NULL) {
		status = sv_err_set(e, SV_INPUT, "'%s' is not empty and was not "
		    "bootstrapped by smoothver deploy (it holds '%s')", d.root,
		    foreign);
		sv_err_hint(e, "bootstrap into a new or empty directory");
		goto out;
	}
	incoming = dp_dpath(&d, "incoming");
	memset(&req, 0, sizeof(req));
	req.name = d.name;
	req.version = o->version;
	req.output = incoming;
	req.max_size = o->max_size;
	req.prepare = prepare_root;
	req.prepare_ctx = &wrote;
	req.final = d.root;
	if ((status = sv_fetch(o->store, &req, &r, e)) ||
	    (status = move_in(&d, incoming, e)) ||
	    (status = dp_write_deployed(&d, r.m.version, NULL, e)))
		goto out;
	{
		char *journal = dp_dpath(&d, "bootstrap");

		unlink(journal);
		free(journal);
	}
	rmdir(incoming);
	dp_ev_init(&ev, &d, "bootstrapped");
	ev.version = r.m.version;
	ev.bytes = (int64_t)r.m.size;
	ev.seconds = sv_now() - t0;
	ev.package = "whole";
	dp_emit(&d, &ev,
	    "bootstrapped %s %s into %s (%zu entries, each checked%s)",
	    d.name, r.m.version, d.root, r.m.content.n,
	    wrote ? "; releases/RELEASES written" : "");
out:
	sv_fetch_result_release(&r);
	sv_json_free(have);
	free(incoming);
	free(foreign);
	dp_dep_close(&d);
	return status;
}
