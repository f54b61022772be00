#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/err.h"
#include "base/proc.h"
#include "unit.h"

/* Run /bin/sh -c script as c, its output into a pipe (returned). */
static int
sh(struct sv_child *c, const char *script, char *const *envp)
{
	char *argv[] = { "/bin/sh", "-c", (char *)script, NULL };
	struct sv_spawn s;
	struct sv_err e;
	int p[2];

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	memset(&s, 0, sizeof(s));
	s.path = "/bin/sh";
	s.argv = argv;
	s.envp = envp;
	s.dir = "/";
	s.in = -1;
	s.out = p[1];
	s.err = -1;
	sv_err_init(&e);
	ck_assert_int_eq(sv_child_start(c, &s, &e), SV_OK);
	close(p[1]);
	return p[0];
}

/* The first line the child writes (or all, if it writes no newline). */
static void
read_line(int fd, char *buf, size_t size)
{
	size_t n = 0;
	ssize_t k;

	while (n + 1 < size && (k = read(fd, buf + n, 1)) > 0 &&
	    buf[n++] != '\n')
		;
	buf[n] = '\0';
	close(fd);
}

START_TEST(exit_status_output_env_dir)
{
	char *envp[] = { "X=one", NULL };
	struct sv_child c;
	char out[256], ws[64];
	int fd = sh(&c, "echo \"$X $(pwd) $(ps -o pgid= -p $$ | tr -d ' ') $$\"; "
	    "exit 3", envp);

	read_line(fd, out, sizeof(out));
	ck_assert(sv_child_wait(&c, sv_now() + 10));
	ck_assert(c.done);
	ck_assert(WIFEXITED(c.wstatus) && WEXITSTATUS(c.wstatus) == 3);
	ck_assert_str_eq(sv_wstatus_text(c.wstatus, ws, sizeof(ws)),
	    "exit status 3");
	ck_assert_msg(strncmp(out, "one / ", 6) == 0, "got '%s'", out);
	{
		long pgid = 0, pid = 0;

		/* a process group of its own */
		ck_assert_int_eq(sscanf(out + 6, "%ld %ld", &pgid, &pid), 2);
		ck_assert_int_eq(pgid, pid);
		ck_assert_int_eq(pid, c.pid);
	}
	ck_assert(sv_child_poll(&c));
}
END_TEST

START_TEST(cannot_run)
{
	char *argv[] = { "/nonexistent/prog", NULL };
	struct sv_spawn s;
	struct sv_child c;
	struct sv_err e;

	memset(&s, 0, sizeof(s));
	s.path = argv[0];
	s.argv = argv;
	s.in = s.out = s.err = -1;
	sv_err_init(&e);
	ck_assert_int_eq(sv_child_start(&c, &s, &e), SV_INPUT);
	ck_assert_str_eq(e.msg, "cannot run '/nonexistent/prog': No such file "
	    "or directory");
	ck_assert_int_eq(c.pid, 0);
	ck_assert(!sv_child_poll(&c));
}
END_TEST

START_TEST(stop_ends_the_group)
{
	struct sv_child c;
	char out[64];
	long kid;
	double t0 = sv_now();
	int fd = sh(&c, "sleep 30 >/dev/null & echo $!; wait", NULL);

	read_line(fd, out, sizeof(out));
	kid = strtol(out, NULL, 10);
	ck_assert(kid > 0);
	ck_assert(!sv_child_wait(&c, sv_now() + 0.2));
	ck_assert(!sv_pid_gone((pid_t)kid));
	sv_child_stop(&c, 5);
	ck_assert(c.done);
	ck_assert(WIFSIGNALED(c.wstatus));
	ck_assert(sv_now() - t0 < 10);
	/* the sleep in its group too */
	ck_assert(sv_pid_gone((pid_t)kid));
	sv_child_stop(&c, 5);
}
END_TEST

#ifdef __linux__
START_TEST(orphans_are_found_and_stopped)
{
	struct sv_child c;
	char out[64];
	long orphan;
	int fd;

	sv_proc_adopt_orphans();
	/* A daemon: a subshell starts it and ends, leaving it orphaned. */
	fd = sh(&c, "(sleep 30 </dev/null >/dev/null 2>&1 & echo $!); exit 0",
	    NULL);
	read_line(fd, out, sizeof(out));
	orphan = strtol(out, NULL, 10);
	ck_assert(sv_child_wait(&c, sv_now() + 10));
	ck_assert(orphan > 0);
	ck_assert(!sv_pid_gone((pid_t)orphan));
	ck_assert_int_eq(getpgid((pid_t)orphan), c.pid);
	sv_proc_stop_descendants(5);
	/* ended and reaped here */
	ck_assert_int_eq(kill((pid_t)orphan, 0), -1);
	ck_assert_int_eq(errno, ESRCH);
}
END_TEST
#endif

START_TEST(signals_are_caught_then_restored)
{
	struct sigaction before, after;
	struct sv_child c;
	int fd;

	sigaction(SIGTERM, NULL, &before);
	sv_proc_signals_catch();
	ck_assert_int_eq(sv_proc_signal_caught(), 0);
	raise(SIGTERM);
	raise(SIGPIPE);
	ck_assert_int_eq(sv_proc_signal_caught(), SIGTERM);
	/* a wait returns early */
	fd = sh(&c, "sleep 30", NULL);
	close(fd);
	ck_assert(!sv_child_wait(&c, sv_now() + 20));
	sv_child_stop(&c, 5);
	sv_proc_signals_restore();
	sigaction(SIGTERM, NULL, &after);
	ck_assert(after.sa_handler == before.sa_handler);
}
END_TEST

Suite *
make_suite(void)
{
	Suite *s = suite_create("proc");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, exit_status_output_env_dir);
	tcase_add_test(tc, cannot_run);
	tcase_add_test(tc, stop_ends_the_group);
#ifdef __linux__
	tcase_add_test(tc, orphans_are_found_and_stopped);
#endif
	tcase_add_test(tc, signals_are_caught_then_restored);
	suite_add_tcase(s, tc);
	return s;
}
