/*
 * deploy_node.c - the running node as deploy --follow reaches it: its
 * name and cookie, the control node's calls, release_handler, the
 * probe and on-restart hooks (see deploy_int.h).
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
	char *p = dp_rpath(d, "releases/start_erl.data"), *line = first_line(p);
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

/* "VSN:STATUS VSN:STATUS ..." into v (at most max). */
size_t
dp_parse_rels(const char *text, struct rel *v, size_t max)
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

const struct rel *
dp_rel_find(const struct rel *v, size_t n, const char *vsn)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].vsn, vsn) == 0)
			return &v[i];
	return NULL;
}

/* The release the node runs: the current one, else the permanent. */
const struct rel *
dp_rel_running(const struct rel *v, size_t n)
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

const struct rel *
dp_rel_permanent(const struct rel *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].status, "permanent") == 0)
			return &v[i];
	return NULL;
}

/* Connect to the node (starting the control node if it is not running):
 * its releases into rels. why says what failed. */
bool
dp_connect_node(struct dep *d, struct buf *rels, struct buf *why)
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
		char *dir = dp_dpath(d, "ctl");
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
bool
dp_rh(struct dep *d, struct buf *detail, const char *cmd, const char *a1,
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
int
dp_run_hook(struct dep *d, const char *cmd, const char *vsn, const char *from,
    const char *logname, struct buf *why)
{
	char *log = dp_dpath(d, logname);
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
