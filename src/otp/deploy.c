/*
 * deploy.c - bootstrap a release root from a store, follow its latest
 * pointer on the running node (see deploy.h).
 */
#include "config.h"

#include "otp/deploy.h"

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

#define DEPLOYED_SCHEMA "smoothver.deployed/1"
#define FAILED_SCHEMA "smoothver.deploy-failed/1"
#define STATE_MAX (64 * 1024)
#define PROBE_LOG_KEEP 2000
#define CTL_GRACE 3.0

/* One deploy run. */
struct dep {
	const struct sv_deploy_opts *o;
	char *root;            /* absolute */
	char *dot;             /* root/.smoothver */
	int lock_fd;
	char *name;            /* the release */
	/* follow: */
	char *otp;             /* the installation whose escript runs the
	                          control node */
	struct sv_otp_ctl ctl;
	char *node;            /* the node as the control node reached it */
	char *node_arg;        /* the node as given to the control node */
	char *cookie;          /* owned; NULL: the default */
	char *said;            /* the last idle/skip/restart state told, so
	                          that a loop says it once */
	char *restart_done;    /* the version on-restart succeeded for */
};

static char *
dpath(const struct dep *d, const char *name)
{
	struct buf b;

	buf_init(&b);
	buf_addf(&b, "%s/%s", d->dot, name);
	return buf_detach(&b);
}

static char *
rpath(const struct dep *d, const char *name)
{
	struct buf b;

	buf_init(&b);
	buf_addf(&b, "%s/%s", d->root, name);
	return buf_detach(&b);
}

/* ---- events ---- */

static void
ev_init(struct sv_deploy_event *ev, const struct dep *d, const char *event)
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
static void emit(const struct dep *d, struct sv_deploy_event *ev,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
emit(const struct dep *d, struct sv_deploy_event *ev, const char *fmt, ...)
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
static int
lock_root(struct dep *d, bool *busy, struct sv_err *e)
{
	char *p;
	int status;

	*busy = false;
	if (d->lock_fd >= 0)
		return SV_OK;
	if ((status = make_dot(d, e)))
		return status;
	p = dpath(d, "lock");
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

static void
unlock_root(struct dep *d)
{
	if (d->lock_fd >= 0)
		close(d->lock_fd);
	d->lock_fd = -1;
}

/* A small JSON file of ours: *doc NULL when there is none. */
static int
read_state(struct dep *d, const char *file, const char *schema,
    struct sv_json **doc, struct sv_err *e)
{
	char *p = dpath(d, file);
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

static void
time_now(char out[32])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int
write_state(struct dep *d, const char *file, struct sv_json *doc,
    struct sv_err *e)
{
	char *p = dpath(d, file), *text = sv_json_print(doc);
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

static int
write_deployed(struct dep *d, const char *version, const char *since,
    struct sv_err *e)
{
	struct sv_json *doc = sv_json_object();
	char now[32];
	int status;

	time_now(now);
	sv_json_set_str(doc, "schema", DEPLOYED_SCHEMA);
	sv_json_set_str(doc, "name", d->name);
	sv_json_set_str(doc, "version", version);
	sv_json_set_str(doc, "bootstrapped", since ? since : now);
	sv_json_set_str(doc, "updated", now);
	status = write_state(d, "deployed", doc, e);
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
	char *journal = dpath(d, "bootstrap"), *incoming = dpath(d, "incoming");
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
			p = rpath(d, n);
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
	char **names = NULL, *journal = dpath(d, "bootstrap");
	size_t n = 0, i;
	int status;

	if ((status = list_dir(incoming, &names, &n, e)))
		goto out;
	for (i = 0; i < n; i++)
		sv_json_push(arr, sv_json_string(names[i]));
	sv_json_set(doc, "entries", arr);
	arr = NULL;
	if ((status = write_state(d, "bootstrap", doc, e)))
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

static int
dep_open(struct dep *d, const struct sv_deploy_opts *o, bool create,
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

static void
dep_close(struct dep *d)
{
	sv_otp_ctl_release(&d->ctl);
	unlock_root(d);
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
	if ((status = dep_open(&d, o, true, e)) ||
	    (status = lock_root(&d, &busy, e)) ||
	    (status = read_state(&d, "deployed", DEPLOYED_SCHEMA, &have, e)))
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
		ev_init(&ev, &d, "present");
		ev.version = hvsn;
		emit(&d, &ev, "%s %s is already in %s", hname, hvsn, d.root);
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
	incoming = dpath(&d, "incoming");
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
	    (status = write_deployed(&d, r.m.version, NULL, e)))
		goto out;
	{
		char *journal = dpath(&d, "bootstrap");

		unlink(journal);
		free(journal);
	}
	rmdir(incoming);
	ev_init(&ev, &d, "bootstrapped");
	ev.version = r.m.version;
	ev.bytes = (int64_t)r.m.size;
	ev.seconds = sv_now() - t0;
	ev.package = "whole";
	emit(&d, &ev, "bootstrapped %s %s into %s (%zu entries, each checked%s)",
	    d.name, r.m.version, d.root, r.m.content.n,
	    wrote ? "; releases/RELEASES written" : "");
out:
	sv_fetch_result_release(&r);
	sv_json_free(have);
	free(incoming);
	free(foreign);
	dep_close(&d);
	return status;
}

/* ---- follow: the node ---- */

/* The first line of a file, trimmed; NULL if it cannot be read. */
static char *
first_line(const char *path)
{
	struct buf b;
	struct sv_err e;
	char *nl;

	buf_init(&b);
	sv_err_init(&e);
	if (sv_read_file(path, &b, 4096, &e) != SV_OK || b.s == NULL) {
		buf_release(&b);
		return NULL;
	}
	if ((nl = strpbrk(b.s, "\r\n")) != NULL)
		*nl = '\0';
	while (b.s[0] != '\0' && b.s[strlen(b.s) - 1] == ' ')
		b.s[strlen(b.s) - 1] = '\0';
	if (b.s[0] == '\0') {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

/* The release version the root boots (start_erl.data's second word). */
static char *
boot_version(const struct dep *d)
{
	char *p = rpath(d, "releases/start_erl.data"), *line = first_line(p);
	char *sp, *v = NULL;

	free(p);
	if (line != NULL && (sp = strchr(line, ' ')) != NULL)
		v = xstrdup(sp + 1);
	free(line);
	return v;
}

/* The value after flag in a vm.args ("-sname x", "-setcookie c"). */
static char *
vm_arg(const char *text, const char *flag)
{
	const char *p = text;
	size_t fl = strlen(flag);

	while (p != NULL && *p != '\0') {
		const char *q = p;

		while (*q == ' ' || *q == '\t')
			q++;
		if (strncmp(q, flag, fl) == 0 && (q[fl] == ' ' || q[fl] == '\t')) {
			const char *v = q + fl, *end;

			while (*v == ' ' || *v == '\t')
				v++;
			end = v + strcspn(v, " \t\r\n");
			if (end > v)
				return xstrndup(v, (size_t)(end - v));
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return NULL;
}

/* The node's name and cookie, unless given: RELEASE_NODE/RELEASE_COOKIE
 * (a mix release's, also set for relx's), the running release's
 * vm.args, releases/COOKIE, the release's name (mix's default). */
static void
find_node(struct dep *d, const char *vsn)
{
	const char *env_node = getenv("RELEASE_NODE");
	const char *env_cookie = getenv("RELEASE_COOKIE");
	char *vm = NULL, *sname = NULL, *lname = NULL, *ck = NULL;
	struct buf p, text;
	struct sv_err e;

	buf_init(&p);
	buf_init(&text);
	sv_err_init(&e);
	buf_addf(&p, "%s/releases/%s/vm.args", d->root, vsn ? vsn : "");
	if (vsn != NULL && sv_read_file(p.s, &text, 1 << 20, &e) == SV_OK &&
	    text.s != NULL) {
		vm = text.s;
		sname = vm_arg(vm, "-sname");
		lname = vm_arg(vm, "-name");
		ck = vm_arg(vm, "-setcookie");
	}
	free(d->node_arg);
	if (d->o->node != NULL)
		d->node_arg = xstrdup(d->o->node);
	else if (env_node != NULL && *env_node != '\0')
		d->node_arg = xstrdup(env_node);
	else if (sname != NULL && strchr(sname, '$') == NULL)
		d->node_arg = xstrdup(sname);
	else if (lname != NULL && strchr(lname, '$') == NULL &&
	    strchr(lname, '@') != NULL)
		d->node_arg = xstrdup(lname);
	else
		d->node_arg = xstrdup(d->name);
	free(d->cookie);
	d->cookie = NULL;
	if (d->o->cookie != NULL)
		d->cookie = xstrdup(d->o->cookie);
	else if (env_cookie != NULL && *env_cookie != '\0')
		d->cookie = xstrdup(env_cookie);
	else if (ck != NULL && strchr(ck, '$') == NULL)
		d->cookie = xstrdup(ck);
	else {
		buf_reset(&p);
		buf_addf(&p, "%s/releases/COOKIE", d->root);
		d->cookie = first_line(p.s);
	}
	free(sname);
	free(lname);
	free(ck);
	buf_release(&p);
	buf_release(&text);
}

struct rel {
	char vsn[128];
	char status[16];       /* unpacked, current, permanent, old */
};

/* "VSN:STATUS VSN:STATUS ..." into v (at most max). */
static size_t
parse_rels(const char *text, struct rel *v, size_t max)
{
	size_t n = 0;
	const char *p = text;

	while (*p != '\0' && n < max) {
		size_t len = strcspn(p, " ");
		const char *colon = memchr(p, ':', len);

		if (colon != NULL) {
			size_t vl = (size_t)(colon - p), sl = len - vl - 1;

			if (vl < sizeof(v[n].vsn) && sl < sizeof(v[n].status)) {
				memcpy(v[n].vsn, p, vl);
				v[n].vsn[vl] = '\0';
				memcpy(v[n].status, colon + 1, sl);
				v[n].status[sl] = '\0';
				n++;
			}
		}
		p += len;
		while (*p == ' ')
			p++;
	}
	return n;
}

static const struct rel *
rel_find(const struct rel *v, size_t n, const char *vsn)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].vsn, vsn) == 0)
			return &v[i];
	return NULL;
}

/* The release the node runs: the current one, else the permanent. */
static const struct rel *
rel_running(const struct rel *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].status, "current") == 0)
			return &v[i];
	for (i = 0; i < n; i++)
		if (strcmp(v[i].status, "permanent") == 0)
			return &v[i];
	return NULL;
}

static const struct rel *
rel_permanent(const struct rel *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].status, "permanent") == 0)
			return &v[i];
	return NULL;
}

/* Connect to the node (starting the control node if it is not running):
 * its releases into rels. why says what failed. */
static bool
connect_node(struct dep *d, struct buf *rels, struct buf *why)
{
	struct sv_otp_ctl_answer a;
	struct sv_err e;

	buf_reset(why);
	if (!d->ctl.dead && d->ctl.child.pid > 0 && d->node != NULL) {
		if (sv_otp_ctl_call(&d->ctl, &a, why, "rels",
		    (const char *)NULL) == 0 && strcmp(a.f[0], "ok") == 0) {
			buf_reset(rels);
			buf_adds(rels, a.n > 1 ? a.f[1] : "");
			sv_otp_ctl_answer_release(&a);
			return true;
		}
		sv_otp_ctl_answer_release(&a);
		sv_otp_ctl_stop(&d->ctl, 1);
	}
	{
		char *v = boot_version(d);
		char *dir = dpath(d, "ctl");
		struct sv_otp_ctl_opts o;
		int rc;

		find_node(d, v);
		free(v);
		sv_err_init(&e);
		if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
			buf_addf(why, "cannot create '%s': %s", dir,
			    strerror(errno));
			free(dir);
			return false;
		}
		memset(&o, 0, sizeof(o));
		o.otp = d->otp;
		o.dir = dir;
		o.root = d->root;
		o.node = d->node_arg;
		o.cookie = d->cookie;
		o.label = "smoothver deploy";
		o.timeout = d->o->timeout;
		rc = sv_otp_ctl_start(&d->ctl, &o, &e);
		free(dir);
		if (rc != SV_OK) {
			buf_adds(why, e.msg);
			return false;
		}
	}
	if (sv_otp_ctl_call(&d->ctl, &a, why, "connect", (const char *)NULL)
	    < 0) {
		sv_otp_ctl_stop(&d->ctl, 1);
		return false;
	}
	if (strcmp(a.f[0], "ok") != 0) {
		buf_reset(why);
		buf_adds(why, a.n > 1 ? a.f[1] : "failed");
		sv_otp_ctl_answer_release(&a);
		sv_otp_ctl_stop(&d->ctl, 1);
		return false;
	}
	free(d->node);
	d->node = xstrdup(a.n > 1 ? a.f[1] : d->node_arg);
	buf_reset(rels);
	buf_adds(rels, a.n > 3 ? a.f[3] : "");
	sv_otp_ctl_answer_release(&a);
	return true;
}

/* A release_handler call through the control node: true when it gave
 * what was expected; detail holds its text or why not. */
static bool
rh(struct dep *d, struct buf *detail, const char *cmd, const char *a1,
    const char *a2)
{
	struct sv_otp_ctl_answer a;
	bool ok;

	buf_reset(detail);
	if (sv_otp_ctl_call(&d->ctl, &a, detail, cmd, a1, a2,
	    (const char *)NULL) < 0)
		return false;
	ok = strcmp(a.f[0], "ok") == 0;
	buf_adds(detail, a.n > 1 ? a.f[1] : "");
	sv_otp_ctl_answer_release(&a);
	return ok;
}

/* Run a shell command with the deploy's variables; its exit status, or
 * -1 (why) when it could not run or did not end within the timeout. */
static int
run_hook(struct dep *d, const char *cmd, const char *vsn, const char *from,
    const char *logname, struct buf *why)
{
	char *log = dpath(d, logname);
	struct buf v1, v2, v3, v4, v5;
	const char *set[6];
	char **env;
	char *argv[4];
	struct sv_spawn s;
	struct sv_child c;
	struct sv_err e;
	int rc = -1;

	buf_init(&v1);
	buf_init(&v2);
	buf_init(&v3);
	buf_init(&v4);
	buf_init(&v5);
	buf_addf(&v1, "SMOOTHVER_RELEASE=%s", d->name);
	buf_addf(&v2, "SMOOTHVER_VERSION=%s", vsn);
	buf_addf(&v3, "SMOOTHVER_FROM=%s", from ? from : "");
	buf_addf(&v4, "SMOOTHVER_ROOT=%s", d->root);
	buf_addf(&v5, "SMOOTHVER_NODE=%s", d->node ? d->node : "");
	set[0] = v1.s;
	set[1] = v2.s;
	set[2] = v3.s;
	set[3] = v4.s;
	set[4] = v5.s;
	set[5] = NULL;
	env = sv_env_with(set);
	argv[0] = "/bin/sh";
	argv[1] = "-c";
	argv[2] = (char *)cmd;
	argv[3] = NULL;
	memset(&s, 0, sizeof(s));
	memset(&c, 0, sizeof(c));
	s.path = "/bin/sh";
	s.argv = argv;
	s.envp = env;
	s.dir = d->root;
	s.in = -1;
	s.out = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	s.err = s.out >= 0 ? dup(s.out) : -1;
	sv_err_init(&e);
	if (sv_child_start(&c, &s, &e) != SV_OK) {
		buf_adds(why, e.msg);
	} else if (!sv_child_wait(&c, sv_now() + d->o->timeout)) {
		sv_child_stop(&c, 2);
		if (sv_proc_signal_caught())
			buf_addf(why, "interrupted by signal %d",
			    sv_proc_signal_caught());
		else
			buf_addf(why, "it did not end within %.0f s",
			    d->o->timeout);
	} else if (WIFEXITED(c.wstatus)) {
		rc = WEXITSTATUS(c.wstatus);
	} else {
		char ws[64];

		buf_addf(why, "it ended with %s",
		    sv_wstatus_text(c.wstatus, ws, sizeof(ws)));
	}
	if (s.out >= 0)
		close(s.out);
	if (s.err >= 0)
		close(s.err);
	if (rc > 0) {
		char *t = sv_file_tail(log, PROBE_LOG_KEEP), *p;

		buf_addf(why, "exit status %d", rc);
		if (t != NULL) {
			for (p = t; *p; p++)
				if (*p == '\n' || *p == '\t')
					*p = ' ';
			buf_addf(why, ": %s", t);
			free(t);
		}
	}
	sv_env_free(env);
	buf_release(&v1);
	buf_release(&v2);
	buf_release(&v3);
	buf_release(&v4);
	buf_release(&v5);
	free(log);
	return rc;
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
	if (read_state(d, "failed", FAILED_SCHEMA, &doc, &e) != SV_OK ||
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
	time_now(now);
	sv_json_set_str(doc, "schema", FAILED_SCHEMA);
	sv_json_set_str(doc, "name", d->name);
	sv_json_set_str(doc, "version", vsn);
	sv_json_set_str(doc, "manifest", hex);
	sv_json_set_str(doc, "when", now);
	sv_json_set_str(doc, "why", why);
	(void)write_state(d, "failed", doc, &e);
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
	ev_init(&ev, d, "failed");
	ev.version = vsn;
	ev.from = from;
	ev.detail = why;
	emit(d, &ev, "%s %s failed at %s: %s", d->name, vsn, step, why);
	if (installed) {
		/* What install_release back says matters less than where the
		 * node is after it: which_releases() decides. */
		(void)rh(d, &detail, "install", from, vsn);
		ev_init(&ev, d, "rolled-back");
		ev.version = from;
		ev.from = vsn;
		if (rh(d, &detail, "rels", NULL, NULL)) {
			struct rel rv[32];
			size_t n = parse_rels(detail.s, rv, 32);
			const struct rel *run = rel_running(rv, n);

			if (run != NULL && strcmp(run->vsn, from) == 0) {
				emit(d, &ev, "%s runs %s again", d->name, from);
			} else {
				ev.event = "failed";
				ev.detail = detail.s;
				emit(d, &ev, "%s could not be put back on %s: "
				    "which_releases() shows %s", d->name, from,
				    detail.s);
			}
		} else {
			ev.event = "failed";
			ev.detail = detail.s;
			emit(d, &ev, "%s could not be put back on %s: %s",
			    d->name, from, detail.s);
		}
	}
	if (unpacked) {
		ev_init(&ev, d, "removed");
		ev.version = vsn;
		if (rh(d, &detail, "remove", vsn, NULL)) {
			emit(d, &ev, "removed %s %s from the node", d->name, vsn);
		} else {
			ev.event = "failed";
			ev.detail = detail.s;
			emit(d, &ev, "cannot remove %s %s: %s", d->name, vsn,
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
	const struct rel *have = rel_find(rels, nrels, rec->version);
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
		ev_init(&ev, d, "resumed");
		ev.version = vsn;
		ev.from = from;
		emit(d, &ev, "%s %s is installed but not permanent: resuming at "
		    "the probe", d->name, vsn);
		goto probe;
	}
	if (have != NULL && strcmp(have->status, "unpacked") == 0) {
		unpacked = true;
		ev_init(&ev, d, "resumed");
		ev.version = vsn;
		ev.from = from;
		emit(d, &ev, "%s %s is unpacked already: resuming at the "
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
	ev_init(&ev, d, "fetched");
	ev.version = vsn;
	ev.from = from;
	ev.detail = fr.delta_skipped;
	ev.package = fr.delta ? "delta" : "whole";
	ev.bytes = (int64_t)fr.m.size;
	ev.seconds = sv_now() - t;
	if (fr.delta)
		emit(d, &ev, "fetched %s %s, the delta from %s (%ju bytes)",
		    d->name, vsn, from, (uintmax_t)fr.m.size);
	else
		emit(d, &ev, "fetched %s %s (%ju bytes)", d->name, vsn,
		    (uintmax_t)fr.m.size);
	if (sv_proc_signal_caught()) {
		unlink(pkg.s);
		out = O_IDLE;
		goto done;
	}
	t = sv_now();
	if (!rh(d, &detail, "unpack", uname, vsn)) {
		unlink(pkg.s);
		/* unpack_release may have left the release half-unpacked */
		roll_back(d, vsn, from, false, true, "unpack_release",
		    detail.s, rec->manifest);
		goto done;
	}
	unpacked = true;
	unlink(pkg.s);
	ev_init(&ev, d, "unpacked");
	ev.version = vsn;
	ev.seconds = sv_now() - t;
	emit(d, &ev, "unpacked %s %s", d->name, vsn);
	if (sv_proc_signal_caught()) {
		roll_back(d, vsn, from, false, true, "unpack_release",
		    "interrupted by a signal", rec->manifest);
		out = O_IDLE;
		goto done;
	}
install:
	t = sv_now();
	if (!rh(d, &detail, "install", vsn, from)) {
		/* A relup that fails half-way makes release_handler restart
		 * the node with the permanent release: what stays is the
		 * unpacked release. */
		roll_back(d, vsn, from, false, unpacked, "install_release",
		    detail.s, rec->manifest);
		goto done;
	}
	installed = true;
	ev_init(&ev, d, "installed");
	ev.version = vsn;
	ev.from = from;
	ev.seconds = sv_now() - t;
	emit(d, &ev, "installed %s %s live over %s (%.2f s)", d->name, vsn,
	    from, ev.seconds);
probe:
	if (d->o->probe != NULL) {
		t = sv_now();
		buf_reset(&why);
		rc = run_hook(d, d->o->probe, vsn, from, "probe.log", &why);
		ev_init(&ev, d, "probe");
		ev.version = vsn;
		ev.status = rc;
		ev.seconds = sv_now() - t;
		if (rc != 0) {
			struct buf w;

			buf_init(&w);
			buf_addf(&w, "the probe failed (%s)", why.s);
			ev.detail = w.s;
			emit(d, &ev, "probe failed on %s %s: %s", d->name, vsn,
			    why.s);
			roll_back(d, vsn, from, installed, unpacked, "the probe",
			    w.s, rec->manifest);
			buf_release(&w);
			goto done;
		}
		emit(d, &ev, "probe passed on %s %s", d->name, vsn);
	}
	if (sv_proc_signal_caught()) {
		roll_back(d, vsn, from, installed, unpacked, "make_permanent",
		    "interrupted by a signal before make_permanent",
		    rec->manifest);
		out = O_IDLE;
		goto done;
	}
	if (!rh(d, &detail, "permanent", vsn, NULL)) {
		roll_back(d, vsn, from, installed, unpacked, "make_permanent",
		    detail.s, rec->manifest);
		goto done;
	}
	ev_init(&ev, d, "permanent");
	ev.version = vsn;
	emit(d, &ev, "made %s %s permanent", d->name, vsn);
	{
		struct sv_json *doc = NULL;
		struct sv_err e2;

		sv_err_init(&e2);
		(void)read_state(d, "deployed", DEPLOYED_SCHEMA, &doc, &e2);
		(void)write_deployed(d, vsn, doc ? sv_json_str(sv_json_get(doc,
		    "bootstrapped")) : NULL, &e2);
		sv_json_free(doc);
	}
	ev_init(&ev, d, "upgraded");
	ev.version = vsn;
	ev.from = from;
	ev.seconds = sv_now() - t0;
	ev.package = fr.rec.name ? (fr.delta ? "delta" : "whole") : NULL;
	emit(d, &ev, "upgraded %s %s -> %s live in %.2f s", d->name, from, vsn,
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

	if ((status = read_state(d, "deployed", DEPLOYED_SCHEMA, &doc, e)))
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
	if (!connect_node(d, &rels, &why)) {
		ev_init(&ev, d, "unreachable");
		ev.detail = why.s;
		ev.node = d->node_arg;
		emit(d, &ev, "the node %s does not answer: %s", d->node_arg,
		    why.s);
		free(d->said);
		d->said = NULL;
		out = O_UNREACHABLE;
		goto out;
	}
	n = parse_rels(rels.s ? rels.s : "", rv, 32);
	if ((run = rel_running(rv, n)) == NULL) {
		sv_err_set(e, SV_INPUT, "the node %s runs no release "
		    "release_handler knows (which_releases() shows '%s')",
		    d->node, rels.s ? rels.s : "");
		goto out;
	}
	from = xstrdup(run->vsn);
	if (strcmp(from, latest) == 0) {
		const struct rel *perm = rel_permanent(rv, n);

		if (perm != NULL && strcmp(perm->vsn, from) != 0) {
			/* installed, not permanent: an earlier follower's */
			free(from);
			from = xstrdup(perm->vsn);
		} else {
			buf_addf(&said, "idle %s", latest);
			if (news(d, said.s)) {
				ev_init(&ev, d, "idle");
				ev.version = latest;
				emit(d, &ev, "%s runs %s, the latest", d->node, latest);
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
			ev_init(&ev, d, "restart-needed");
			ev.version = latest;
			ev.from = from;
			ev.level = level;
			ev.detail = why.s;
			emit(d, &ev, "%s %s cannot be taken live: %s", d->name,
			    latest, why.s);
		}
		if (d->o->on_restart != NULL) {
			struct buf w;
			int rc;

			buf_init(&w);
			rc = run_hook(d, d->o->on_restart, latest, from,
			    "on-restart.log", &w);
			ev_init(&ev, d, "on-restart");
			ev.version = latest;
			ev.from = from;
			ev.status = rc;
			ev.detail = w.len ? w.s : NULL;
			if (rc == 0) {
				emit(d, &ev, "ran the on-restart command for %s %s",
				    d->name, latest);
				free(d->restart_done);
				d->restart_done = xstrdup(latest);
				out = O_RESTART_ASKED;
			} else {
				emit(d, &ev, "the on-restart command failed for %s "
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
			ev_init(&ev, d, "skipped");
			ev.version = latest;
			ev.from = from;
			emit(d, &ev, "%s %s failed before and was rolled back: "
			    "waiting for another latest", d->name, latest);
		}
		out = O_SKIPPED;
		goto out;
	}
	if (lock_root(d, &busy, e) != SV_OK) {
		if (busy) {
			ev_init(&ev, d, "locked");
			ev.detail = e->msg;
			emit(d, &ev, "%s", e->msg);
			sv_err_init(e);
			out = O_LOCKED;
		}
		goto out;
	}
	free(d->said);
	d->said = NULL;
	ev_init(&ev, d, "latest");
	ev.version = latest;
	ev.from = from;
	ev.level = level;
	emit(d, &ev, "latest is %s %s: a %s from %s", d->name, latest, level,
	    from);
	out = upgrade(d, from, rv, n, &rec, e);
	unlock_root(d);
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

	if ((status = dep_open(&d, o, false, e)) ||
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
			ev_init(&ev, &d, "error");
			ev.detail = e->msg;
			emit(&d, &ev, "%s", e->msg);
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
	ev_init(&ev, &d, "stopped");
	ev.status = sv_proc_signal_caught();
	emit(&d, &ev, "stopped by signal %d", sv_proc_signal_caught());
	status = SV_OK;
restore:
	sv_otp_ctl_stop(&d.ctl, CTL_GRACE);
	sv_proc_signals_restore();
out:
	dep_close(&d);
	return status;
}
