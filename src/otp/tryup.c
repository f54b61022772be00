/*
 * tryup.c - a live upgrade tried for real (see tryup.h).
 *
 * The directory (smoothver-try-XXXXXX in $TMPDIR):
 *
 *   root/            the target system: OLD extracted, erts-V (the
 *                    package's, or a link to the installation's),
 *                    releases/RELEASES, NEW copied to releases/UNPACK.tar.gz
 *   tryup.escript    the control node's program
 *   control.log      its standard error
 *   epmd.log         the private epmd's output
 *   node.log         the node's output (booted with erlexec)
 *   boot.log, log/   the output of bin/NAME daemon, run_erl's logs (relx)
 *   pipes/           run_erl's pipes (relx)
 *   mix/             RELEASE_TMP of a mix release: run_erl's pipe and
 *                    log/ (unless its env.sh puts them elsewhere)
 *   probe.log        the probe's output
 *   home/            HOME of the control node (its .erlang.cookie)
 */
#include "config.h"

#include "otp/tryup_int.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/outfile.h"
#include "base/proc.h"
#include "base/xalloc.h"
#include "core/fetch.h"
#include "otp/ctl.h"
#include "otp/input.h"
#include "otp/otpinst.h"
#include "otp/relmodel.h"


const char *
sv_tryup_state_name(enum sv_tryup_state s)
{
	switch (s) {
	case SV_TRYUP_OK:
		return "ok";
	case SV_TRYUP_FAILED:
		return "failed";
	case SV_TRYUP_SKIPPED:
		break;
	}
	return "skipped";
}

void
sv_tryup_init(struct sv_tryup *r)
{
	memset(r, 0, sizeof(*r));
	r->failed = -1;
}

void
sv_tryup_release(struct sv_tryup *r)
{
	size_t i;

	free(r->release);
	free(r->from);
	free(r->to);
	free(r->node);
	free(r->dir);
	for (i = 0; i < r->nsteps; i++)
		free(r->steps[i].detail);
	free(r->releases);
	free(r->node_log);
	free(r->probe_log);
	sv_tryup_init(r);
}

/* ---- the run ---- */

/* ---- steps ---- */

static void
plan(struct run *u)
{
	static const char *const all[] = { "install", "boot", "probe",
	    "unpack", "upgrade", "permanent", "downgrade", "probe-end",
	    "stop", "fresh" };
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if ((strncmp(all[i], "probe", 5) == 0 && u->o->probe == NULL) ||
		    (strcmp(all[i], "downgrade") == 0 && !u->o->downgrade))
			continue;
		u->r->steps[u->r->nsteps].name = all[i];
		u->r->steps[u->r->nsteps].state = SV_TRYUP_SKIPPED;
		u->r->nsteps++;
	}
}

void
tu_step_begin(struct run *u, const char *name)
{
	size_t i;

	for (i = 0; i < u->r->nsteps; i++)
		if (strcmp(u->r->steps[i].name, name) == 0)
			break;
	u->cur = (int)i;
	u->step_t0 = sv_now();
}

/* End the running step; the first failure is the run's. Returns ok. */
void
tu_step_end(struct run *u, bool ok, const char *fmt, ...)
{
	struct sv_tryup_step *s;
	va_list ap;

	if (u->cur < 0 || (size_t)u->cur >= u->r->nsteps)
		return;
	s = &u->r->steps[u->cur];
	free(s->detail);
	va_start(ap, fmt);
	s->detail = xvstrfmt(fmt, ap);
	va_end(ap);
	s->state = ok ? SV_TRYUP_OK : SV_TRYUP_FAILED;
	s->seconds = sv_now() - u->step_t0;
	if (!ok && u->r->failed < 0)
		u->r->failed = u->cur;
	u->cur = -1;
}

/* Whether the step name ended well. */
static bool
step_ok(const struct run *u, const char *name)
{
	size_t i;

	for (i = 0; i < u->r->nsteps; i++)
		if (strcmp(u->r->steps[i].name, name) == 0)
			return u->r->steps[i].state == SV_TRYUP_OK;
	return false;
}

/* ---- the steps ---- */

/* The vm.args (or vm.args.src) of release vsn in the root get the run's
 * node name and cookie; a relx release without one gets one. */
static int
vm_args_for(struct run *u, const char *vsn, struct sv_err *e)
{
	const char *vmfiles[] = { "vm.args", "vm.args.src" };
	struct buf p;
	bool any = false;
	size_t i;
	int status = SV_OK;

	buf_init(&p);
	for (i = 0; i < 2 && status == SV_OK; i++) {
		buf_reset(&p);
		buf_addf(&p, "%s/releases/%s/%s", u->root, vsn, vmfiles[i]);
		if (!tu_is_file(p.s))
			continue;
		any = true;
		status = tu_rewrite_vm_args(u, p.s, e);
	}
	if (status == SV_OK && u->boot == BOOT_RELX && !any) {
		buf_reset(&p);
		buf_addf(&p, "%s/releases/%s/vm.args", u->root, vsn);
		status = tu_rewrite_vm_args(u, p.s, e);
	}
	buf_release(&p);
	return status;
}

static bool
do_install(struct run *u, const struct sv_otp_release *rel)
{
	struct sv_otp_ctl_answer a;
	struct sv_err e;
	struct buf p;
	bool ok = false;

	sv_err_init(&e);
	buf_init(&p);
	buf_addf(&p, "%s/releases/start_erl.data", u->root);
	if (!tu_is_file(p.s)) {
		struct buf d;

		buf_init(&d);
		buf_addf(&d, "%s %s\n", rel->erts, rel->vsn);
		if (sv_write_file_nosync(p.s, d.s, d.len, &e) != SV_OK) {
			buf_release(&d);
			tu_step_end(u, false, "%s", e.msg);
			goto out;
		}
		buf_release(&d);
	}
	if (vm_args_for(u, rel->vsn, &e) != SV_OK) {
		tu_step_end(u, false, "%s", e.msg);
		goto out;
	}
	if (!tu_step_control(u, &a, "releases", rel->rel_path, NULL))
		goto out;
	sv_otp_ctl_answer_release(&a);
	tu_step_end(u, true, "%s %s, erts %s (%s), booted %s", rel->name,
	    rel->vsn, rel->erts, u->erts_packaged ? "from the package" :
	    "installed", u->boot == BOOT_MIX ? "by its mix start script" :
	    u->boot == BOOT_RELX ? "by its relx start script" : "with erlexec");
	ok = true;
out:
	buf_release(&p);
	return ok;
}

static bool
do_boot(struct run *u)
{
	return tu_boot_node(u, false);
}

static bool
do_probe(struct run *u)
{
	double deadline = sv_now() + u->timeout;
	struct buf node, cookie, root, from, to, port;
	const char *set[7];
	char *argv[4], **env, *log = tu_path_join(u->tmp, "probe.log"), ws[64];
	int in[2];
	struct sv_spawn s;
	struct sv_err e;
	bool ok = false;

	sv_err_init(&e);
	buf_init(&node);
	buf_init(&cookie);
	buf_init(&root);
	buf_init(&from);
	buf_init(&to);
	buf_init(&port);
	buf_addf(&node, "SMOOTHVER_TRY_NODE=%s", u->r->node);
	buf_addf(&cookie, "SMOOTHVER_TRY_COOKIE=%s", u->cookie);
	buf_addf(&root, "SMOOTHVER_TRY_ROOT=%s", u->root);
	buf_addf(&from, "SMOOTHVER_TRY_FROM=%s", u->r->from);
	buf_addf(&to, "SMOOTHVER_TRY_TO=%s", u->r->to);
	buf_addf(&port, "ERL_EPMD_PORT=%d", u->epmd_port);
	set[0] = node.s;
	set[1] = cookie.s;
	set[2] = root.s;
	set[3] = from.s;
	set[4] = to.s;
	set[5] = port.s;
	set[6] = NULL;
	env = sv_env_with(set);
	argv[0] = "/bin/sh";
	argv[1] = "-c";
	argv[2] = (char *)u->o->probe;
	argv[3] = NULL;
	if (pipe2(in, O_CLOEXEC) < 0) {
		tu_step_end(u, false, "cannot make a pipe: %s",
		    strerror(errno));
		goto out;
	}
	memset(&s, 0, sizeof(s));
	s.path = "/bin/sh";
	s.argv = argv;
	s.envp = env;
	s.in = in[0];
	s.out = s.err = tu_log_fd(u->tmp, "probe.log");
	if (sv_child_start(&u->probe, &s, &e) != SV_OK) {
		close(in[1]);
		tu_step_end(u, false, "%s", e.msg);
	} else {
		u->probe_in = in[1];
	}
	close(in[0]);
	if (s.out >= 0)
		close(s.out);
	if (u->probe.pid <= 0)
		goto out;
	/* Ready once it has written a line. */
	for (;;) {
		char *t = sv_file_tail(log, 4096), *nl;

		if (t != NULL && (nl = strchr(t, '\n')) != NULL) {
			*nl = '\0';
			tu_step_end(u, true, "running (pid %ld): %s",
			    (long)u->probe.pid, t);
			free(t);
			ok = true;
			break;
		}
		free(t);
		if (sv_child_poll(&u->probe)) {
			tu_step_end(u, false,
			    "the probe ended (%s) before it wrote "
			    "a line", sv_wstatus_text(u->probe.wstatus, ws,
			    sizeof(ws)));
			break;
		}
		if (sv_proc_signal_caught()) {
			tu_step_end(u, false, "interrupted by signal %d",
			    sv_proc_signal_caught());
			break;
		}
		if (sv_now() >= deadline) {
			tu_step_end(u, false,
			    "the probe wrote no line within %.0f s",
			    u->timeout);
			break;
		}
		sv_sleep_ms(20);
	}
out:
	sv_env_free(env);
	free(log);
	buf_release(&node);
	buf_release(&cookie);
	buf_release(&root);
	buf_release(&from);
	buf_release(&to);
	buf_release(&port);
	return ok;
}

/* A release_handler call, then which_releases() must be want. */
static bool
rh_call(struct run *u, struct buf *detail, const char *cmd, const char *a1,
    const char *a2, const char *want)
{
	struct sv_otp_ctl_answer a;

	if (!tu_step_control(u, &a, cmd, a1, a2))
		return false;
	buf_addf(detail, "%s%s", detail->len ? "; " : "", a.n > 1 ? a.f[1] : "");
	sv_otp_ctl_answer_release(&a);
	return tu_step_which(u, want);
}

static bool
do_release_step(struct run *u, const char *name)
{
	const char *from = u->r->from, *to = u->r->to;
	struct buf d, w1, w2;
	bool ok = false;

	buf_init(&d);
	buf_init(&w1);
	buf_init(&w2);
	if (strcmp(name, "unpack") == 0) {
		struct buf dest;
		struct sv_err e;
		char *src;

		sv_err_init(&e);
		buf_init(&dest);
		buf_addf(&dest, "%s/releases/%s.tar.gz", u->root, u->unpack);
		src = realpath(u->o->new_pkg, NULL);
		if (tu_copy_file(src ? src : u->o->new_pkg, dest.s,
		    &e) != SV_OK) {
			tu_step_end(u, false, "%s", e.msg);
			free(src);
			buf_release(&dest);
			goto out;
		}
		free(src);
		buf_release(&dest);
		buf_addf(&w1, "%s:unpacked %s:permanent", to, from);
		ok = rh_call(u, &d, "unpack", u->unpack, to, w1.s);
	} else if (strcmp(name, "upgrade") == 0) {
		buf_addf(&w1, "%s:current %s:permanent", to, from);
		ok = rh_call(u, &d, "install", to, from, w1.s);
	} else if (strcmp(name, "permanent") == 0) {
		buf_addf(&w1, "%s:permanent %s:old", to, from);
		ok = rh_call(u, &d, "permanent", to, NULL, w1.s);
	} else {
		/* install_release answers a downgrade with the version gone
		 * back to */
		buf_addf(&w1, "%s:current %s:permanent", from, to);
		buf_addf(&w2, "%s:permanent %s:old", from, to);
		ok = rh_call(u, &d, "install", from, from, w1.s) &&
		    rh_call(u, &d, "permanent", from, NULL, w2.s);
	}
	if (ok && strcmp(name, "permanent") == 0)
		ok = tu_get_tree(u, &u->tree_up);
	if (ok && strcmp(name, "downgrade") == 0) {
		char *tree = NULL;
		struct buf why;

		buf_init(&why);
		if ((ok = tu_get_tree(u, &tree)) && !tu_same_tree(tree,
		    "after the "
		    "downgrade", u->tree_old, "in OLD as booted", &why)) {
			tu_step_end(u, false, "%s; releases %s; %s", d.s,
			    u->r->releases, why.s);
			ok = false;
		}
		free(tree);
		buf_release(&why);
		if (!ok)
			goto out;
	}
	if (ok && (ok = tu_probe_alive(u))) {
		if (strcmp(name, "permanent") == 0)
			u->upgraded = true;
		tu_step_end(u, true, "%s; releases %s", d.s, u->r->releases);
	}
out:
	buf_release(&d);
	buf_release(&w1);
	buf_release(&w2);
	return ok;
}

static bool
do_probe_end(struct run *u)
{
	char ws[64];

	if (sv_child_poll(&u->probe)) {
		tu_step_end(u, false,
		    "the probe had ended before its input closed "
		    "(%s)", sv_wstatus_text(u->probe.wstatus, ws, sizeof(ws)));
		return false;
	}
	close(u->probe_in);
	u->probe_in = -1;
	if (!sv_child_wait(&u->probe, sv_now() + u->timeout)) {
		tu_step_end(u, false, sv_proc_signal_caught() ? "interrupted" :
		    "the probe did not end within %.0f s of its input closing",
		    u->timeout);
		return false;
	}
	if (!WIFEXITED(u->probe.wstatus) || WEXITSTATUS(u->probe.wstatus)) {
		tu_step_end(u, false, "the probe ended with %s when its input "
		    "closed", sv_wstatus_text(u->probe.wstatus, ws, sizeof(ws)));
		return false;
	}
	{
		char *p = tu_path_join(u->tmp, "probe.log"),
		    *t = sv_file_tail(p, 4096);
		const char *last = "";

		if (t != NULL) {
			char *end = t + strlen(t);

			while (end > t && end[-1] == '\n')
				*--end = '\0';
			last = strrchr(t, '\n') ? strrchr(t, '\n') + 1 : t;
		}
		tu_step_end(u, true, "exit status 0 once its input closed%s%s",
		    *last ? ": " : "", last);
		free(t);
		free(p);
	}
	return true;
}

static void
do_stop(struct run *u)
{
	tu_stop_node(u, NULL);
}

/*
 * A fresh boot of NEW in the same root, after the try: the supervision
 * tree the upgrade left must be the one NEW boots into (a child added to
 * a supervisor's spec but never started shows here). The root holds both
 * releases: start_erl.data and RELEASES are made NEW's, and its vm.args
 * gets the run's node name and cookie.
 */
static void
do_fresh(struct run *u, const struct sv_otp_release *old)
{
	const char *vsn = u->r->to;
	struct sv_otp_ctl_answer a;
	struct sv_err e;
	struct buf p, d, why, rel;
	char *tree = NULL;

	sv_err_init(&e);
	buf_init(&p);
	buf_init(&d);
	buf_init(&why);
	buf_init(&rel);
	tu_step_begin(u, "fresh");
	if (strcmp(u->new_erts, old->erts) != 0) {
		tu_step_end(u, true, "not booted: NEW runs ERTS %s, the "
		    "node was booted with %s", u->new_erts, old->erts);
		goto out;
	}
	buf_addf(&rel, "%s/releases/%s/%s.rel", u->root, vsn, u->r->release);
	/* relx's bin/NAME daemon starts the version it was made for, OLD's
	 * here (even bin/NAME-VSN runs bin/NAME): erlexec boots NEW. mix's
	 * boots the RELEASE_VSN it is given. */
	if (u->boot == BOOT_RELX)
		u->boot = BOOT_ERL;
	buf_addf(&p, "%s/releases/start_erl.data", u->root);
	buf_addf(&d, "%s %s\n", u->new_erts, vsn);
	if (sv_write_file_nosync(p.s, d.s, d.len, &e) != SV_OK ||
	    vm_args_for(u, vsn, &e) != SV_OK) {
		tu_step_end(u, false, "%s", e.msg);
		goto out;
	}
	if (!tu_step_control(u, &a, "releases", rel.s, NULL))
		goto out;
	sv_otp_ctl_answer_release(&a);
	u->boot_vsn = u->r->to;
	u->stopping = false;
	u->node_pid = 0;
	free(u->r->node);
	u->r->node = NULL;
	if (!tu_boot_node(u, true) || !tu_get_tree(u, &tree))
		goto out;
	if (!tu_same_tree(u->tree_up, "after the upgrade", tree, "in a fresh "
	    "boot of NEW", &why)) {
		tu_step_end(u, false, "%s", why.s);
		goto out;
	}
	buf_reset(&d);
	buf_addf(&d, "a fresh boot of %s has the supervision tree the upgrade "
	    "left", vsn);
	tu_stop_node(u, d.s);
out:
	free(tree);
	buf_release(&p);
	buf_release(&d);
	buf_release(&why);
	buf_release(&rel);
}

/* ---- the end ---- */

/* The value of the variable name in the environment of process pid, or
 * NULL. */
static char *
proc_getenv(pid_t pid, const char *name)
{
	struct buf path, env;
	struct sv_err e;
	char *v = NULL;
	size_t n = strlen(name), i;

	if (pid <= 0)
		return NULL;
	buf_init(&path);
	buf_init(&env);
	sv_err_init(&e);
	buf_addf(&path, "/proc/%ld/environ", (long)pid);
	if (sv_read_file(path.s, &env, 1u << 20, &e) == SV_OK)
		for (i = 0; i < env.len; i += strlen(env.s + i) + 1)
			if (strncmp(env.s + i, name, n) == 0 &&
			    env.s[i + n] == '=') {
				v = xstrdup(env.s + i + n + 1);
				break;
			}
	buf_release(&path);
	buf_release(&env);
	return v;
}

/* The newest run_erl log of a mix release: in the RELEASE_TMP the run
 * gave it, else in the one the node ran with (its env.sh may set
 * another), else in the root's tmp/ (mix's default). */
static char *
mix_log(struct run *u)
{
	char *dir, *p;

	dir = tu_path_join(u->tmp, "mix");
	p = tu_run_erl_log(dir);
	free(dir);
	if (p == NULL && (dir = proc_getenv(u->node_pid, "RELEASE_TMP"))) {
		p = tu_run_erl_log(dir);
		free(dir);
	}
	if (p == NULL) {
		dir = tu_path_join(u->root, "tmp");
		p = tu_run_erl_log(dir);
		free(dir);
	}
	return p;
}

static void
collect_logs(struct run *u)
{
	struct buf b;
	char *p, *t;

	buf_init(&b);
	if (u->boot != BOOT_ERL) {
		p = tu_path_join(u->tmp, "boot.log");
		if ((t = sv_file_tail(p, LOG_KEEP / 4)) != NULL) {
			buf_addf(&b, "== bin/%s daemon:\n%s", u->r->release, t);
			if (b.s[b.len - 1] != '\n')
				buf_addc(&b, '\n');
			free(t);
		}
		free(p);
		p = u->boot == BOOT_MIX ? mix_log(u) : tu_run_erl_log(u->tmp);
		if (p != NULL && (t = sv_file_tail(p, LOG_KEEP)) != NULL) {
			buf_addf(&b, "== %s:\n%s", p, t);
			free(t);
		}
		free(p);
	} else {
		p = tu_path_join(u->tmp, "node.log");
		if ((t = sv_file_tail(p, LOG_KEEP)) != NULL) {
			buf_adds(&b, t);
			free(t);
		}
		free(p);
	}
	p = tu_path_join(u->tmp, "erl_crash.dump");
	/* Its slogan says why the node crashed. */
	if ((t = sv_file_part(p, 0, 4096)) != NULL) {
		char *sl = strstr(t, "\nSlogan: ");

		if (sl != NULL) {
			sl[strcspn(sl + 1, "\n") + 1] = '\0';
			if (b.len && b.s[b.len - 1] != '\n')
				buf_addc(&b, '\n');
			buf_addf(&b, "== erl_crash.dump: %s\n", sl + 1);
		}
		free(t);
	}
	free(p);
	u->r->node_log = b.len ? buf_detach(&b) : NULL;
	buf_release(&b);
	if (u->o->probe != NULL) {
		p = tu_path_join(u->tmp, "probe.log");
		u->r->probe_log = sv_file_tail(p, PROBE_LOG_KEEP);
		free(p);
	}
}

/* Stop everything still running, the node last but epmd. */
static void
stop_all(struct run *u)
{
	sv_otp_ctl_stop(&u->ctl, HELPER_GRACE);
	if (u->probe_in >= 0)
		close(u->probe_in);
	u->probe_in = -1;
	sv_child_stop(&u->probe, HELPER_GRACE);
	sv_child_stop(&u->daemon, 1);
	sv_child_stop(&u->node, NODE_GRACE);
	/* What daemonized (run_erl and the node under it, heart), what the
	 * children above left, and epmd (reaped there: the last call finds
	 * it so and sends nothing). */
	sv_proc_stop_descendants(u->boot != BOOT_ERL ? NODE_GRACE :
	    HELPER_GRACE);
	sv_child_stop(&u->epmd, 1);
}

static void
run_steps(struct run *u, const struct sv_otp_release *rel)
{
	static const char *const release_steps[] = { "unpack", "upgrade",
	    "permanent", "downgrade" };
	size_t i;

	tu_step_begin(u, "install");
	/* The step counts the extraction too. */
	u->step_t0 = u->install_t0;
	if (!do_install(u, rel))
		return;
	tu_step_begin(u, "boot");
	if (!do_boot(u))
		return;
	if (u->o->probe != NULL) {
		tu_step_begin(u, "probe");
		if (!do_probe(u))
			return;
	}
	for (i = 0; i < 4; i++) {
		if (i == 3 && !u->o->downgrade)
			break;
		tu_step_begin(u, release_steps[i]);
		if (!do_release_step(u, release_steps[i]))
			return;
	}
	if (u->o->probe != NULL) {
		tu_step_begin(u, "probe-end");
		if (!do_probe_end(u))
			return;
	}
}

int
sv_tryup_run(struct sv_tryup *r, const struct sv_tryup_opts *o,
    struct sv_err *e)
{
	struct sv_otp_release rel;
	struct run u;
	double t0;
	bool logged = false;  /* the logs collected before the fresh boot */
	char *id;
	int status;

	memset(&u, 0, sizeof(u));
	u.o = o;
	u.r = r;
	u.timeout = o->timeout;
	u.probe_in = -1;
	sv_otp_ctl_init(&u.ctl);
	u.cur = -1;
	sv_otp_release_init(&rel);
	plan(&u);
	if ((u.otp = sv_otp_installation()) == NULL) {
		sv_err_set(e, SV_INPUT, "cannot run try-upgrade: erl is not on "
		    "PATH");
		status = sv_err_hint(e, "the upgrade runs on Erlang/OTP: install "
		    "it (Debian: apt install erlang) or put its bin directory on "
		    "PATH");
		goto out;
	}
	if ((status = tu_read_new(&u, e)) ||
	    (status = sv_tmpdir_make("try", &u.tmp, e)))
		goto out;
	u.root = tu_path_join(u.tmp, "root");
	u.home = tu_path_join(u.tmp, "home");
	if (mkdir(u.root, 0755) < 0 || mkdir(u.home, 0700) < 0) {
		status = sv_err_set(e, SV_INPUT, "cannot create '%s': %s",
		    u.root, strerror(errno));
		goto out;
	}
	t0 = sv_now();
	if ((status = tu_read_old(&u, &rel, e)) ||
	    (status = tu_prepare_erts(&u, &rel, e)))
		goto out;
	{
		struct buf p;

		buf_init(&p);
		buf_addf(&p, "%s/bin/%s", u.root, rel.name);
		u.boot = tu_script_kind(p.s);
		buf_release(&p);
	}
	r->boot = tu_boot_name(u.boot);
	id = tu_random_hex(4);
	{
		struct buf b;

		buf_init(&b);
		buf_addf(&b, "sv_try_%ld_%s", (long)getpid(), id);
		u.sname = buf_detach(&b);
	}
	free(id);
	u.cookie = tu_random_hex(16);
	if ((u.epmd_port = tu_free_port()) == 0) {
		status = sv_err_set(e, SV_INPUT, "cannot find a free TCP port "
		    "for epmd on 127.0.0.1");
		goto out;
	}
	sv_proc_signals_catch();
	sv_proc_adopt_orphans();
	if ((status = tu_start_control(&u, e)) != SV_OK) {
		sv_proc_signals_restore();
		goto out;
	}
	u.install_t0 = t0;
	u.boot_vsn = r->from;
	run_steps(&u, &rel);
	do_stop(&u);
	/* The fresh boot also after a failed downgrade or probe's end: what
	 * the upgrade left is known, and a child it never started shows
	 * there, not in the downgrade. */
	if (u.upgraded && step_ok(&u, "stop") && !sv_proc_signal_caught()) {
		/* The report's releases are the try's, not the fresh boot's,
		 * and so is the log of a step that failed before it. */
		char *rels = r->releases ? xstrdup(r->releases) : NULL;

		if ((logged = r->failed >= 0))
			collect_logs(&u);
		do_fresh(&u, &rel);
		free(r->releases);
		r->releases = rels;
	}
	stop_all(&u);
	if (r->failed >= 0 && !logged)
		collect_logs(&u);
	r->signal = sv_proc_signal_caught();
	sv_proc_signals_restore();
	if (r->signal) {
		status = sv_err_set(e, SV_INPUT, "try-upgrade interrupted by "
		    "signal %d; everything it started was stopped", r->signal);
		goto out;
	}
	status = SV_OK;
out:
	stop_all(&u);
	if (u.tmp != NULL && o->keep && status == SV_OK) {
		r->dir = xstrdup(u.tmp);
		sv_outfile_untrack_path(u.tmp);
		free(u.tmp);
	} else {
		sv_tmpdir_remove(u.tmp);
	}
	sv_otp_release_release(&rel);
	sv_otp_ctl_release(&u.ctl);
	free(u.otp);
	free(u.root);
	free(u.home);
	free(u.erts_bin);
	free(u.unpack);
	free(u.sname);
	free(u.cookie);
	free(u.tree_old);
	free(u.tree_up);
	free(u.new_erts);
	return status;
}
