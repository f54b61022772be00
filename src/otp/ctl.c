/*
 * ctl.c - the control node's process and its line protocol (see ctl.h).
 */
#include "config.h"

#include "otp/ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/outfile.h"
#include "base/xalloc.h"

/* The program (tryup.escript, compiled in by the build as its lines,
 * NULL-terminated). */
extern const char *const sv_tryup_escript[];

static char *
join(const char *a, const char *b)
{
	struct buf p;

	buf_init(&p);
	buf_addf(&p, "%s/%s", a, b);
	return buf_detach(&p);
}

void
sv_otp_ctl_init(struct sv_otp_ctl *c)
{
	memset(c, 0, sizeof(*c));
	c->in = c->out = -1;
	buf_init(&c->pending);
}

void
sv_otp_ctl_release(struct sv_otp_ctl *c)
{
	sv_otp_ctl_stop(c, 0);
	buf_release(&c->pending);
	free(c->log);
	sv_otp_ctl_init(c);
}

void
sv_otp_ctl_answer_release(struct sv_otp_ctl_answer *a)
{
	free(a->line);
	memset(a, 0, sizeof(*a));
}

int
sv_otp_ctl_start(struct sv_otp_ctl *c, const struct sv_otp_ctl_opts *o,
    struct sv_err *e)
{
	char *script = join(o->dir, "control.escript");
	char *escript = join(o->otp, "bin/escript");
	struct buf text, ms, cookie;
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err;
	const char *set[16];
	char **env = NULL;
	struct sv_spawn s;
	char *argv[8];
	size_t i, n = 0;
	int status;

	buf_init(&text);
	buf_init(&ms);
	buf_init(&cookie);
	sv_otp_ctl_stop(c, 0);
	c->timeout = o->timeout;
	c->interrupted = o->interrupted;
	c->ctx = o->ctx;
	c->finish_on_signal = o->finish_on_signal;
	c->dead = false;
	buf_reset(&c->pending);
	free(c->log);
	c->log = join(o->dir, "control.log");
	if (access(escript, X_OK) != 0) {
		status = sv_err_set(e, SV_INPUT, "no escript in '%s/bin' (the "
		    "Erlang/OTP installation of the erl on PATH)", o->otp);
		goto out;
	}
	for (i = 0; sv_tryup_escript[i] != NULL; i++)
		buf_adds(&text, sv_tryup_escript[i]);
	if ((status = sv_write_file_nosync(script, text.s, text.len, e)))
		goto out;
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0) {
		status = sv_err_set(e, SV_INPUT, "cannot make a pipe: %s",
		    strerror(errno));
		goto out;
	}
	/* The cookie goes through the environment, not the command line,
	 * where any user could read it. */
	if (o->cookie != NULL)
		buf_addf(&cookie, "SMOOTHVER_COOKIE=%s", o->cookie);
	else
		buf_adds(&cookie, "SMOOTHVER_COOKIE=");
	set[n++] = cookie.s;
	for (i = 0; o->env != NULL && o->env[i] != NULL && n < 15; i++)
		set[n++] = o->env[i];
	set[n] = NULL;
	env = sv_env_with(set);
	buf_addf(&ms, "%.0f", o->timeout * 1000);
	argv[0] = escript;
	argv[1] = script;
	argv[2] = (char *)o->root;
	argv[3] = (char *)o->node;
	argv[4] = "-";
	argv[5] = ms.s;
	argv[6] = (char *)(o->label ? o->label : "smoothver");
	argv[7] = NULL;
	memset(&s, 0, sizeof(s));
	s.path = escript;
	s.argv = argv;
	s.envp = env;
	s.dir = o->dir;
	s.in = in[0];
	s.out = out[1];
	s.err = open(c->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	status = sv_child_start(&c->child, &s, e);
	err = s.err;
	if (err >= 0)
		close(err);
	if (status == SV_OK) {
		c->in = in[1];
		c->out = out[0];
		in[1] = out[0] = -1;
	}
out:
	if (in[0] >= 0)
		close(in[0]);
	if (in[1] >= 0)
		close(in[1]);
	if (out[0] >= 0)
		close(out[0]);
	if (out[1] >= 0)
		close(out[1]);
	sv_env_free(env);
	buf_release(&text);
	buf_release(&ms);
	buf_release(&cookie);
	free(script);
	free(escript);
	return status;
}

/* Why it cannot answer: its exit and the end of its log. */
static void
gone(struct sv_otp_ctl *c, struct buf *why)
{
	char ws[64], *tail;

	c->dead = true;
	buf_reset(why);
	if (sv_child_wait(&c->child, sv_now() + 1))
		buf_addf(why, "the control node exited (%s)",
		    sv_wstatus_text(c->child.wstatus, ws, sizeof(ws)));
	else
		buf_adds(why, "the control node closed its output");
	if (c->log != NULL && (tail = sv_file_tail(c->log, 600)) != NULL) {
		char *p;

		for (p = tail; *p; p++)
			if (*p == '\n' || *p == '\t')
				*p = ' ';
		buf_addf(why, ": %s", tail);
		free(tail);
	}
}

static const char *
stop_waiting(struct sv_otp_ctl *c, struct buf *why)
{
	buf_reset(why);
	if (sv_proc_signal_caught() && !c->finish_on_signal) {
		buf_addf(why, "interrupted by signal %d",
		    sv_proc_signal_caught());
		return why->s;
	}
	return c->interrupted ? c->interrupted(c->ctx, why) : NULL;
}

int
sv_otp_ctl_call(struct sv_otp_ctl *c, struct sv_otp_ctl_answer *a,
    struct buf *why, ...)
{
	double deadline = sv_now() + 3 * c->timeout + 5;
	struct buf cmd;
	const char *f;
	va_list ap;
	size_t done = 0;

	memset(a, 0, sizeof(*a));
	if (c->dead || c->child.pid <= 0 || c->in < 0) {
		buf_reset(why);
		buf_adds(why, "the control node is not running");
		return -1;
	}
	buf_init(&cmd);
	va_start(ap, why);
	while ((f = va_arg(ap, const char *)) != NULL)
		buf_addf(&cmd, "%s%s", cmd.len ? "\t" : "", f);
	va_end(ap);
	buf_addc(&cmd, '\n');
	while (done < cmd.len) {
		ssize_t k = write(c->in, cmd.s + done, cmd.len - done);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			buf_release(&cmd);
			if (!stop_waiting(c, why))
				gone(c, why);
			c->dead = true;
			return -1;
		}
		done += (size_t)k;
	}
	buf_release(&cmd);
	for (;;) {
		char *nl = memchr(c->pending.s, '\n', c->pending.len);
		char chunk[4096];
		struct pollfd pfd;
		ssize_t k;

		if (nl != NULL) {
			size_t len = (size_t)(nl - c->pending.s);
			char *line = xstrndup(c->pending.s, len), *p;

			memmove(c->pending.s, nl + 1, c->pending.len - len - 1);
			buf_truncate(&c->pending, c->pending.len - len - 1);
			if (strncmp(line, "@sv\t", 4) != 0) {
				free(line);
				continue;
			}
			a->line = line;
			for (p = line + 4; a->n < 8; ) {
				a->f[a->n++] = p;
				if ((p = strchr(p, '\t')) == NULL)
					break;
				*p++ = '\0';
			}
			return 0;
		}
		if (stop_waiting(c, why)) {
			c->dead = true;
			return -1;
		}
		if (sv_now() >= deadline) {
			buf_reset(why);
			buf_addf(why, "the control node did not answer within "
			    "%.0f s", 3 * c->timeout + 5);
			c->dead = true;
			return -1;
		}
		pfd.fd = c->out;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		k = read(c->out, chunk, sizeof(chunk));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			gone(c, why);
			return -1;
		}
		buf_add(&c->pending, chunk, (size_t)k);
	}
}

void
sv_otp_ctl_stop(struct sv_otp_ctl *c, double grace)
{
	if (c->in >= 0)
		close(c->in);
	c->in = -1;
	if (c->child.pid > 0 && !c->child.done &&
	    !sv_child_wait(&c->child, sv_now() + grace))
		sv_child_stop(&c->child, 1);
	if (c->out >= 0)
		close(c->out);
	c->out = -1;
	memset(&c->child, 0, sizeof(c->child));
	c->dead = true;
}
