/*
 * proc.c - child processes (see proc.h).
 */
#include "config.h"

#include "base/proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "base/xalloc.h"

extern char **environ;

extern char **environ;

double
sv_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
sv_sleep_ms(int ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

/* ---- signals ---- */

static volatile sig_atomic_t caught;
static const int catch_sigs[] = { SIGINT, SIGTERM, SIGHUP };
#define NCATCH (sizeof(catch_sigs) / sizeof(catch_sigs[0]))
static struct sigaction saved[NCATCH], saved_pipe;
static bool catching;

static void
on_signal(int sig)
{
	caught = sig;
}

void
sv_proc_signals_catch(void)
{
	struct sigaction sa;
	size_t i;

	if (catching)
		return;
	caught = 0;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: sleeps and polls return early. */
	sa.sa_handler = on_signal;
	for (i = 0; i < NCATCH; i++) {
		sigaction(catch_sigs[i], NULL, &saved[i]);
		/* An inherited ignored signal stays ignored (nohup). */
		if (saved[i].sa_handler != SIG_IGN)
			sigaction(catch_sigs[i], &sa, NULL);
	}
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, &saved_pipe);
	catching = true;
}

void
sv_proc_signals_restore(void)
{
	size_t i;

	if (!catching)
		return;
	for (i = 0; i < NCATCH; i++)
		sigaction(catch_sigs[i], &saved[i], NULL);
	sigaction(SIGPIPE, &saved_pipe, NULL);
	catching = false;
}

int
sv_proc_signal_caught(void)
{
	return caught;
}

/* ---- starting ---- */

/* In the child: fd becomes target (fd -1: /dev/null). */
static int
child_fd(int fd, int target)
{
	if (fd < 0) {
		if ((fd = open("/dev/null", O_RDWR)) < 0)
			return -1;
		if (fd == target)
			return 0;
		if (dup2(fd, target) < 0)
			return -1;
		close(fd);
		return 0;
	}
	if (fd == target) {
		int fl = fcntl(fd, F_GETFD);

		return fl < 0 ? -1 : fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC);
	}
	return dup2(fd, target) < 0 ? -1 : 0;
}

int
sv_child_start(struct sv_child *c, const struct sv_spawn *s, struct sv_err *e)
{
	int errp[2], err = 0;
	pid_t pid;
	ssize_t n;
#ifdef __linux__
	pid_t parent = getpid();
#endif

	c->pid = 0;
	c->done = false;
	c->wstatus = 0;
	if (pipe2(errp, O_CLOEXEC) < 0)
		return sv_err_set(e, SV_INPUT, "cannot run '%s': %s", s->path,
		    strerror(errno));
	if ((pid = fork()) < 0) {
		err = errno;
		close(errp[0]);
		close(errp[1]);
		return sv_err_set(e, SV_INPUT, "cannot run '%s': %s", s->path,
		    strerror(err));
	}
	if (pid == 0) {
		sigset_t none;
		size_t i;

		setpgid(0, 0);
#ifdef __linux__
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
#endif
		for (i = 0; i < NCATCH; i++)
			signal(catch_sigs[i], SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (child_fd(s->in, 0) < 0 || child_fd(s->out, 1) < 0 ||
		    child_fd(s->err, 2) < 0 ||
		    (s->dir != NULL && chdir(s->dir) < 0)) {
			err = errno;
		} else {
			execve(s->path, s->argv, s->envp ? s->envp : environ);
			err = errno;
		}
		n = write(errp[1], &err, sizeof(err));
		(void)n;
		_exit(127);
	}
	/* Both sides set the group, so it is set whichever runs first. */
	setpgid(pid, pid);
	close(errp[1]);
	do
		n = read(errp[0], &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	close(errp[0]);
	if (n == (ssize_t)sizeof(err)) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		return sv_err_set(e, SV_INPUT, "cannot run '%s': %s", s->path,
		    strerror(err));
	}
	c->pid = pid;
	return SV_OK;
}

/* ---- waiting and stopping ---- */

bool
sv_child_poll(struct sv_child *c)
{
	pid_t r;
	int st;

	if (c->pid <= 0)
		return false;
	if (c->done)
		return true;
	do
		r = waitpid(c->pid, &st, WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r == c->pid) {
		c->done = true;
		c->wstatus = st;
	} else if (r < 0 && errno == ECHILD) {
		/* Reaped by sv_proc_stop_descendants: its status is lost. */
		c->done = true;
		c->wstatus = 0;
	}
	return c->done;
}

bool
sv_child_wait(struct sv_child *c, double deadline)
{
	while (!sv_child_poll(c)) {
		if (c->pid <= 0 || caught || sv_now() >= deadline)
			return false;
		sv_sleep_ms(20);
	}
	return true;
}

/* 1 once pid has ended, without reaping it (it stays a zombie, so its
 * pid and process group cannot be reused yet); 0 while it runs; -1 if it
 * is not our child to wait for any more (reaped elsewhere). */
static int
ended_unreaped(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	while (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		if (errno != EINTR)
			return -1;
	return si.si_pid == pid;
}

void
sv_child_stop(struct sv_child *c, double grace)
{
	double deadline = sv_now() + grace;
	int st, ended, i;

	if (c->pid <= 0 || c->done)
		return;
	/* Reaped by sv_proc_stop_descendants: its pid may be another
	 * process's by now, so it gets no signal. */
	if ((ended = ended_unreaped(c->pid)) < 0) {
		c->done = true;
		return;
	}
	if (!ended && kill(-c->pid, SIGTERM) < 0)
		kill(c->pid, SIGTERM);
	while ((ended = ended_unreaped(c->pid)) == 0 && sv_now() < deadline)
		sv_sleep_ms(20);
	if (ended < 0) {
		c->done = true;
		return;
	}
	/* What is left of the group (the leader too, if it lingers). */
	if (kill(-c->pid, SIGKILL) < 0)
		kill(c->pid, SIGKILL);
	while (waitpid(c->pid, &st, 0) < 0) {
		if (errno != EINTR) {
			st = 0;
			break;
		}
	}
	c->done = true;
	c->wstatus = st;
	/* SIGKILL is sent, not awaited: give the rest of the group (up to
	 * 2 s) to be gone, reaping whatever of it is ours. */
	for (i = 0; i < 200; i++) {
		while (waitpid(-c->pid, NULL, WNOHANG) > 0)
			;
		if (kill(-c->pid, 0) < 0 && errno == ESRCH)
			break;
		sv_sleep_ms(10);
	}
}

const char *
sv_wstatus_text(int wstatus, char *buf, size_t size)
{
	if (WIFEXITED(wstatus))
		snprintf(buf, size, "exit status %d", WEXITSTATUS(wstatus));
	else if (WIFSIGNALED(wstatus))
		snprintf(buf, size, "signal %d", WTERMSIG(wstatus));
	else
		snprintf(buf, size, "wait status %d", wstatus);
	return buf;
}

/* ---- descendants ---- */

#ifdef __linux__
/* The parent and state of a process from /proc/PID/stat; false if it is
 * gone. */
static bool
proc_stat(pid_t pid, pid_t *ppid, char *state)
{
	char path[64], line[512], *p;
	FILE *f;
	int pp;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((f = fopen(path, "re")) == NULL)
		return false;
	p = fgets(line, sizeof(line), f);
	fclose(f);
	/* pid (comm) state ppid ...: comm may hold spaces and parentheses. */
	if (p == NULL || (p = strrchr(line, ')')) == NULL ||
	    sscanf(p + 1, " %c %d", state, &pp) != 2)
		return false;
	*ppid = (pid_t)pp;
	return true;
}

struct pp {
	pid_t pid, ppid;
	char state;
};

static bool
has(const pid_t *v, size_t n, pid_t pid)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == pid)
			return true;
	return false;
}

/* The live (not zombie) descendants of this process, into *out (n). */
static size_t
descendants(pid_t **out)
{
	struct pp *all = NULL;
	size_t n = 0, alloc = 0, nout = 0, oalloc = 0, i;
	pid_t me = getpid(), *v = NULL;
	struct dirent *de;
	bool grew;
	DIR *d;

	*out = NULL;
	if ((d = opendir("/proc")) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		struct pp x;

		if (*end != '\0' || pid <= 0 || pid == me)
			continue;
		x.pid = (pid_t)pid;
		if (!proc_stat(x.pid, &x.ppid, &x.state))
			continue;
		xgrow(&all, &alloc, n + 1, sizeof(*all));
		all[n++] = x;
	}
	closedir(d);
	/* The closure of "parent is me or one of mine". */
	xgrow(&v, &oalloc, 1, sizeof(*v));
	v[nout++] = me;
	do {
		grew = false;
		for (i = 0; i < n; i++) {
			if (!has(v, nout, all[i].ppid) || has(v, nout, all[i].pid))
				continue;
			xgrow(&v, &oalloc, nout + 1, sizeof(*v));
			v[nout++] = all[i].pid;
			grew = true;
		}
	} while (grew);
	/* Drop me and the zombies (the reaping ends those). */
	for (i = 1, n = nout, nout = 0; i < n; i++) {
		pid_t pp;
		char st;

		if (proc_stat(v[i], &pp, &st) && st != 'Z')
			v[nout++] = v[i];
	}
	free(all);
	if (nout == 0) {
		free(v);
		return 0;
	}
	*out = v;
	return nout;
}
#endif

/* Reap every child that has ended. */
static void
reap_all(void)
{
	int st;

	while (waitpid(-1, &st, WNOHANG) > 0)
		;
}

bool
sv_pid_gone(pid_t pid)
{
#ifdef __linux__
	pid_t pp;
	char st;
#endif

	if (pid <= 0)
		return true;
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return true;
#ifdef __linux__
	return !proc_stat(pid, &pp, &st) || st == 'Z';
#else
	return false;
#endif
}

void
sv_proc_adopt_orphans(void)
{
#if defined(__linux__) && defined(PR_SET_CHILD_SUBREAPER)
	prctl(PR_SET_CHILD_SUBREAPER, 1);
#endif
}

void
sv_proc_stop_descendants(double grace)
{
#ifdef __linux__
	int round;

	/* TERM and grace seconds first; then KILL, for what is left and
	 * for what appeared meanwhile (a heart booting a node again). */
	for (round = 0; round < 4; round++) {
		double deadline = sv_now() + (round == 0 ? grace : 2.0);
		pid_t *v;
		size_t n, i;

		reap_all();
		if ((n = descendants(&v)) == 0)
			break;
		for (i = 0; i < n; i++)
			kill(v[i], round == 0 ? SIGTERM : SIGKILL);
		free(v);
		while (sv_now() < deadline) {
			reap_all();
			if ((n = descendants(&v)) == 0)
				break;
			free(v);
			sv_sleep_ms(50);
		}
		if (n == 0)
			break;
	}
	reap_all();
#else
	(void)grace;
#endif
}

char **
sv_env_with(const char *const *set)
{
	size_t n = 0, alloc = 0, i, k;
	char **v = NULL;

	for (i = 0; environ[i] != NULL; i++) {
		bool replaced = false;

		for (k = 0; set[k] != NULL && !replaced; k++) {
			size_t kl = strcspn(set[k], "=");

			replaced = strncmp(environ[i], set[k], kl) == 0 &&
			    environ[i][kl] == '=';
		}
		if (replaced)
			continue;
		xgrow(&v, &alloc, n + 1, sizeof(*v));
		v[n++] = xstrdup(environ[i]);
	}
	for (k = 0; set[k] != NULL; k++) {
		xgrow(&v, &alloc, n + 1, sizeof(*v));
		v[n++] = xstrdup(set[k]);
	}
	xgrow(&v, &alloc, n + 1, sizeof(*v));
	v[n] = NULL;
	return v;
}

void
sv_env_free(char **v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}
