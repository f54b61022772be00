/*
 * tryup_node.c - try-upgrade's processes: epmd, the node (booted by
 * erlexec or the release's start script, stopped), the control node and
 * its calls, supervision trees compared (see tryup_int.h).
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

/* ---- the control node ---- */

/* Why waiting for the control node must stop, besides a signal, or
 * NULL: the node (booted with erlexec) gone, its start script failed. */
static const char *
interrupted(void *ctx, struct buf *why)
{
	struct run *u = ctx;
	char ws[64];

	buf_reset(why);
	/* (Asked to stop, it may end before the answer comes.) */
	if (!u->stopping && u->node.pid > 0 && sv_child_poll(&u->node)) {
		buf_addf(why, "the node exited (%s)",
		    sv_wstatus_text(u->node.wstatus, ws, sizeof(ws)));
		return why->s;
	}
	/* the start script's daemon failing before the node answered */
	if (u->r->node == NULL && u->daemon.pid > 0 &&
	    sv_child_poll(&u->daemon) && !(WIFEXITED(u->daemon.wstatus) &&
	    WEXITSTATUS(u->daemon.wstatus) == 0)) {
		buf_addf(why, "bin/%s daemon failed (%s)", u->r->release,
		    sv_wstatus_text(u->daemon.wstatus, ws, sizeof(ws)));
		return why->s;
	}
	return NULL;
}

int
tu_start_control(struct run *u, struct sv_err *e)
{
	struct buf home, port;
	const char *set[3];
	struct sv_otp_ctl_opts o;
	int status;

	buf_init(&home);
	buf_init(&port);
	buf_addf(&home, "HOME=%s", u->home);
	buf_addf(&port, "ERL_EPMD_PORT=%d", u->epmd_port);
	set[0] = home.s;
	set[1] = port.s;
	set[2] = NULL;
	memset(&o, 0, sizeof(o));
	o.otp = u->otp;
	o.dir = u->tmp;
	o.root = u->root;
	o.node = u->sname;
	o.cookie = u->cookie;
	o.label = "smoothver try-upgrade";
	o.timeout = u->timeout;
	o.env = set;
	o.interrupted = interrupted;
	o.ctx = u;
	status = sv_otp_ctl_start(&u->ctl, &o, e);
	if (status != SV_OK)
		sv_err_hint(e, "try-upgrade needs the escript of an Erlang/OTP "
		    "installation");
	buf_release(&home);
	buf_release(&port);
	return status;
}

/* Run a command for the current step: true if it answered ok (a, kept
 * for the caller, then holds the answer); false, the step ended with
 * the failure, otherwise. */
bool
tu_step_control(struct run *u, struct sv_otp_ctl_answer *a, const char *cmd,
    const char *arg1, const char *arg2)
{
	struct buf why;
	int rc;

	buf_init(&why);
	rc = sv_otp_ctl_call(&u->ctl, a, &why, cmd, arg1, arg2,
	    (const char *)NULL);
	if (rc < 0)
		tu_step_end(u, false, "%s", why.s);
	else if (strcmp(a->f[0], "ok") != 0)
		tu_step_end(u, false, "%s", a->n > 1 ? a->f[1] : "failed");
	buf_release(&why);
	if (rc == 0 && strcmp(a->f[0], "ok") == 0)
		return true;
	sv_otp_ctl_answer_release(a);
	return false;
}

/* which_releases() must be exactly want; into r->releases. */
bool
tu_step_which(struct run *u, const char *want)
{
	struct sv_otp_ctl_answer a;

	if (!tu_step_control(u, &a, "which", want, NULL))
		return false;
	free(u->r->releases);
	u->r->releases = xstrdup(a.n > 1 ? a.f[1] : "");
	sv_otp_ctl_answer_release(&a);
	return true;
}

/* The probe still runs, else the step fails saying so. */
bool
tu_probe_alive(struct run *u)
{
	char ws[64];

	if (u->probe.pid <= 0 || !sv_child_poll(&u->probe))
		return true;
	tu_step_end(u, false, "the probe ended during this step (%s)",
	    sv_wstatus_text(u->probe.wstatus, ws, sizeof(ws)));
	return false;
}

static bool
start_epmd(struct run *u, double deadline)
{
	char *epmd = tu_path_join(u->erts_bin, "epmd"), port[16], ws[64];
	char *argv[4];
	struct sv_spawn s;
	struct sv_err e;
	bool ok = false;

	sv_err_init(&e);
	/* A second boot finds epmd still there. */
	if (u->epmd.pid > 0 && !sv_child_poll(&u->epmd)) {
		free(epmd);
		return true;
	}
	snprintf(port, sizeof(port), "%d", u->epmd_port);
	argv[0] = epmd;
	argv[1] = "-port";
	argv[2] = port;
	argv[3] = NULL;
	memset(&s, 0, sizeof(s));
	s.path = epmd;
	s.argv = argv;
	s.dir = u->tmp;
	s.in = -1;
	s.out = s.err = tu_log_fd(u->tmp, "epmd.log");
	if (sv_child_start(&u->epmd, &s, &e) != SV_OK) {
		tu_step_end(u, false, "%s", e.msg);
		goto out;
	}
	while (!tu_epmd_answers(u->epmd_port)) {
		if (sv_child_poll(&u->epmd)) {
			tu_step_end(u, false,
			    "epmd exited (%s) before it listened "
			    "on port %d", sv_wstatus_text(u->epmd.wstatus, ws,
			    sizeof(ws)), u->epmd_port);
			goto out;
		}
		if (sv_proc_signal_caught() || sv_now() >= deadline) {
			tu_step_end(u, false, sv_proc_signal_caught() ?
			    "interrupted" : "epmd did not listen on port %d in "
			    "time", u->epmd_port);
			goto out;
		}
		sv_sleep_ms(20);
	}
	ok = true;
out:
	if (s.out >= 0)
		close(s.out);
	free(epmd);
	return ok;
}

static bool
start_node(struct run *u)
{
	struct buf path, rootdir, bindir, port, crash, pipes, logs, rpc;
	struct buf boot, config, vmargs, opts;
	const char *set[12];
	char **env = NULL, **argv;
	size_t n = 0, i;
	struct sv_spawn s;
	struct sv_err e;
	bool ok = false;

	sv_err_init(&e);
	buf_init(&boot);
	buf_init(&config);
	buf_init(&vmargs);
	buf_init(&path);
	buf_init(&rootdir);
	buf_init(&bindir);
	buf_init(&port);
	buf_init(&crash);
	buf_init(&pipes);
	buf_init(&logs);
	buf_init(&rpc);
	buf_init(&opts);
	argv = xcalloc(u->o->n_erl_args + 20, sizeof(*argv));
	buf_addf(&port, "ERL_EPMD_PORT=%d", u->epmd_port);
	buf_addf(&crash, "ERL_CRASH_DUMP=%s/erl_crash.dump", u->tmp);
	memset(&s, 0, sizeof(s));
	s.in = -1;
	if (u->boot == BOOT_MIX) {
		/* mix's start script: node name, cookie and the version to
		 * boot from its environment; the node's own arguments from
		 * ELIXIR_ERL_OPTIONS (it passes none of its own on). */
		buf_addf(&path, "%s/bin/%s", u->root, u->r->release);
		buf_addf(&rootdir, "RELEASE_NODE=%s", u->sname);
		buf_addf(&bindir, "RELEASE_COOKIE=%s", u->cookie);
		buf_addf(&pipes, "RELEASE_TMP=%s/mix", u->tmp);
		buf_addf(&logs, "RELEASE_VSN=%s", u->boot_vsn);
		buf_adds(&opts, "ELIXIR_ERL_OPTIONS=");
		for (i = 0; i < u->o->n_erl_args; i++)
			buf_addf(&opts, "%s%s", i ? " " : "", u->o->erl_args[i]);
		set[0] = port.s;
		set[1] = crash.s;
		set[2] = rootdir.s;
		set[3] = bindir.s;
		set[4] = "RELEASE_DISTRIBUTION=sname";
		set[5] = pipes.s;
		set[6] = logs.s;
		set[7] = u->o->n_erl_args ? opts.s : NULL;
		set[8] = NULL;
		argv[n++] = path.s;
		argv[n++] = "daemon";
		s.out = s.err = tu_log_fd(u->tmp, "boot.log");
	} else if (u->boot == BOOT_RELX) {
		buf_addf(&path, "%s/bin/%s", u->root, u->r->release);
		buf_addf(&pipes, "PIPE_DIR=%s/pipes/", u->tmp);
		buf_addf(&logs, "RUNNER_LOG_DIR=%s/log", u->tmp);
		buf_addf(&rpc, "RELX_RPC_TIMEOUT=%.0f", u->timeout);
		set[0] = port.s;
		set[1] = crash.s;
		set[2] = pipes.s;
		set[3] = logs.s;
		set[4] = rpc.s;
		set[5] = NULL;
		argv[n++] = path.s;
		argv[n++] = "daemon";
		s.out = s.err = tu_log_fd(u->tmp, "boot.log");
	} else {
		buf_addf(&path, "%s/erlexec", u->erts_bin);
		buf_addf(&rootdir, "ROOTDIR=%s", u->root);
		buf_addf(&bindir, "BINDIR=%s", u->erts_bin);
		set[0] = port.s;
		set[1] = crash.s;
		set[2] = rootdir.s;
		set[3] = bindir.s;
		set[4] = "EMU=beam";
		set[5] = "PROGNAME=erl";
		set[6] = NULL;
		argv[n++] = path.s;
		buf_addf(&boot, "%s/releases/%s/start", u->root, u->boot_vsn);
		argv[n++] = "-boot";
		argv[n++] = boot.s;
		buf_addf(&config, "%s/releases/%s/sys.config", u->root,
		    u->boot_vsn);
		if (tu_is_file(config.s)) {
			buf_truncate(&config, config.len - strlen(".config"));
			argv[n++] = "-config";
			argv[n++] = config.s;
		}
		buf_addf(&vmargs, "%s/releases/%s/vm.args", u->root,
		    u->boot_vsn);
		if (tu_is_file(vmargs.s)) {
			argv[n++] = "-args_file";
			argv[n++] = vmargs.s;
		} else {
			argv[n++] = "-sname";
			argv[n++] = u->sname;
			argv[n++] = "-setcookie";
			argv[n++] = u->cookie;
		}
		argv[n++] = "-noshell";
		argv[n++] = "-noinput";
		argv[n++] = "-start_epmd";
		argv[n++] = "false";
		s.out = s.err = tu_log_fd(u->tmp, "node.log");
	}
	for (i = 0; u->boot != BOOT_MIX && i < u->o->n_erl_args; i++)
		argv[n++] = u->o->erl_args[i];
	argv[n] = NULL;
	env = sv_env_with(set);
	s.path = path.s;
	s.argv = argv;
	s.envp = env;
	s.dir = u->tmp;
	if (sv_child_start(u->boot != BOOT_ERL ? &u->daemon : &u->node, &s,
	    &e) != SV_OK)
		tu_step_end(u, false, "%s", e.msg);
	else
		ok = u->node_started = true;
	if (s.out >= 0)
		close(s.out);
	free(argv);
	buf_release(&boot);
	buf_release(&config);
	buf_release(&vmargs);
	sv_env_free(env);
	buf_release(&path);
	buf_release(&rootdir);
	buf_release(&bindir);
	buf_release(&port);
	buf_release(&crash);
	buf_release(&pipes);
	buf_release(&logs);
	buf_release(&rpc);
	buf_release(&opts);
	return ok;
}

/* The node's supervision trees (tryup.escript's tree), into *out. */
bool
tu_get_tree(struct run *u, char **out)
{
	struct sv_otp_ctl_answer a;

	if (!tu_step_control(u, &a, "tree", NULL, NULL))
		return false;
	*out = xstrdup(a.n > 1 ? a.f[1] : "");
	sv_otp_ctl_answer_release(&a);
	return true;
}

/* Split a tree (entries joined by " ; ") into its entries. */
static char **
tree_entries(const char *tree, size_t *n)
{
	char **v = NULL;
	const char *p = tree, *q;

	*n = 0;
	while (*p != '\0') {
		q = strstr(p, " ; ");
		v = xrealloc(v, (*n + 1) * sizeof(*v));
		v[(*n)++] = q ? xstrndup(p, (size_t)(q - p)) : xstrdup(p);
		if (q == NULL)
			break;
		p = q + 3;
	}
	return v;
}

static bool
has_entry(char **v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

/* Compare the trees got and want (named in the message): true if they
 * are the same; else *why gets both, entry by entry. */
bool
tu_same_tree(const char *got, const char *got_name, const char *want,
    const char *want_name, struct buf *why)
{
	char **g, **w;
	size_t ng, nw, i;

	if (strcmp(got, want) == 0)
		return true;
	g = tree_entries(got, &ng);
	w = tree_entries(want, &nw);
	buf_addf(why, "the supervision tree %s differs from the one %s:",
	    got_name, want_name);
	for (i = 0; i < ng; i++)
		if (!has_entry(w, nw, g[i]))
			buf_addf(why, "\n    only %s: %s", got_name, g[i]);
	for (i = 0; i < nw; i++)
		if (!has_entry(g, ng, w[i]))
			buf_addf(why, "\n    only %s: %s", want_name, w[i]);
	buf_addf(why, "\n  %s:", got_name);
	for (i = 0; i < ng; i++)
		buf_addf(why, "\n    %s", g[i]);
	buf_addf(why, "\n  %s:", want_name);
	for (i = 0; i < nw; i++)
		buf_addf(why, "\n    %s", w[i]);
	sv_strv_free(g, ng);
	sv_strv_free(w, nw);
	return false;
}

/* Boot the node (u->boot_vsn); with fresh, as part of the step running,
 * which it does not end on success. */
bool
tu_boot_node(struct run *u, bool fresh)
{
	double deadline = sv_now() + u->timeout;
	struct sv_otp_ctl_answer a;
	char ws[64], *want;
	struct buf w;
	bool ok;

	if (!start_epmd(u, deadline) || !start_node(u))
		return false;
	if (!tu_step_control(u, &a, "connect", NULL, NULL))
		return false;
	u->r->node = xstrdup(a.n > 1 ? a.f[1] : "");
	u->node_pid = a.n > 2 ? (pid_t)strtol(a.f[2], NULL, 10) : 0;
	sv_otp_ctl_answer_release(&a);
	/* The start script's daemon returns once run_erl runs (mix) or
	 * the node answers it too (relx). */
	if (u->boot != BOOT_ERL) {
		if (!sv_child_wait(&u->daemon, deadline + 5)) {
			tu_step_end(u, false,
			    "bin/%s daemon did not return within "
			    "%.0f s", u->r->release, u->timeout);
			return false;
		}
		if (!WIFEXITED(u->daemon.wstatus) ||
		    WEXITSTATUS(u->daemon.wstatus) != 0) {
			tu_step_end(u, false, "bin/%s daemon failed (%s)",
			    u->r->release, sv_wstatus_text(u->daemon.wstatus,
			    ws, sizeof(ws)));
			return false;
		}
	}
	buf_init(&w);
	buf_addf(&w, "%s:permanent", u->boot_vsn);
	want = buf_detach(&w);
	ok = tu_step_which(u, want);
	free(want);
	if (!ok)
		return false;
	if (fresh)
		return true;
	if (u->tree_old == NULL && !tu_get_tree(u, &u->tree_old))
		return false;
	tu_step_end(u, true, "node %s up, OS pid %ld; releases %s", u->r->node,
	    (long)u->node_pid, u->r->releases);
	return true;
}

/* Seconds the node's OS process may live on after init:stop() answered
 * before it is asked again. */
#define STOP_ASK_AGAIN 2.0

/* The node gone: its process (ours, or the OS pid it told) ended. */
static bool
node_gone(struct run *u)
{
	if (u->node.pid > 0)
		return sv_child_poll(&u->node);
	return u->node_pid <= 0 || sv_pid_gone(u->node_pid);
}

/* Stop the node: the step "stop", or with done (a detail for the end of
 * the step running), as its end. */
void
tu_stop_node(struct run *u, const char *done)
{
	double deadline, ask;
	struct sv_otp_ctl_answer a;
	unsigned again = 0;
	char ws[64];

	if (!u->node_started)
		return;
	if (done == NULL)
		tu_step_begin(u, "stop");
	/* A node booted with erlexec that failed may be ending by itself. */
	if (u->node.pid > 0 && sv_child_wait(&u->node, sv_now() +
	    (u->r->node == NULL ? 2 : 0))) {
		tu_step_end(u, false, "the node had exited by itself (%s)",
		    sv_wstatus_text(u->node.wstatus, ws, sizeof(ws)));
		return;
	}
	if (u->r->node == NULL || u->ctl.dead) {
		tu_step_end(u, false,
		    "the node could not be asked to stop (%s): "
		    "it was killed", u->r->node == NULL ? "it never answered" :
		    "the control node was gone");
		return;
	}
	u->stopping = true;
	if (!tu_step_control(u, &a, "stop", NULL, NULL))
		return;
	sv_otp_ctl_answer_release(&a);
	deadline = sv_now() + u->timeout;
	ask = sv_now() + STOP_ASK_AGAIN;
	while (!node_gone(u)) {
		if (sv_proc_signal_caught() || sv_now() >= deadline) {
			tu_step_end(u, false,
			    "the node's OS process %ld did not end "
			    "within %.0f s of init:stop()", (long)u->node_pid,
			    u->timeout);
			return;
		}
		/* Its distribution went down but the process lives on: the
		 * node restarts in place (init:restart(), as release_handler
		 * does after an install that failed past its point of no
		 * return) and forgot the stop; ask again. */
		if (sv_now() >= ask) {
			struct buf why;

			buf_init(&why);
			if (sv_otp_ctl_call(&u->ctl, &a, &why, "stop",
			    (const char *)NULL) == 0) {
				/* up again, not still stopping: it restarted */
				if (strcmp(a.f[0], "ok") == 0 && a.n > 1 &&
				    strcmp(a.f[1], "running") == 0)
					again++;
				sv_otp_ctl_answer_release(&a);
			}
			buf_release(&why);
			ask = sv_now() + STOP_ASK_AGAIN;
			continue;
		}
		sv_sleep_ms(20);
	}
	tu_step_end(u, true, "%s%sinit:stop()%s; OS process %ld ended",
	    done ? done : "", done ? "; " : "", again ? ", again once the "
	    "node had restarted in place" : "", (long)u->node_pid);
}
