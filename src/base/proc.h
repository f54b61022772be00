/*
 * proc.h - child processes: started in process groups of their own,
 * waited for with deadlines, and stopped, with everything they spawned.
 *
 * Times are seconds on the monotonic clock (sv_now). Nothing here prints.
 *
 * On Linux the calling process becomes a child subreaper
 * (sv_proc_adopt_orphans): a program that daemonizes (run_erl, epmd
 * -daemon) stays below it instead of going to init, so that
 * sv_proc_stop_descendants finds and ends it; and every child started by
 * sv_child_start gets SIGKILL if the calling process dies first. Elsewhere
 * only the process groups of the children started are stopped.
 */
#ifndef SV_PROC_H
#define SV_PROC_H

#include <stdbool.h>
#include <sys/types.h>

#include "base/err.h"

struct sv_child {
	pid_t pid;      /* 0: none was started */
	bool done;      /* it ended and was reaped */
	int wstatus;    /* its wait status, once done */
};

struct sv_spawn {
	const char *path;          /* the program: a path, not looked up */
	char *const *argv;         /* NULL-terminated */
	char *const *envp;         /* the whole environment, or NULL: ours */
	const char *dir;           /* working directory, or NULL: ours */
	int in, out, err;          /* descriptors for 0, 1, 2; -1: /dev/null */
};

/* Seconds on the monotonic clock. */
double sv_now(void);

/* Sleep ms milliseconds (less if a signal arrives). */
void sv_sleep_ms(int ms);

/* Start s as c, leader of a new process group. A program that cannot be
 * run (exec fails) is SV_INPUT "cannot run 'PATH': REASON". */
int sv_child_start(struct sv_child *c, const struct sv_spawn *s,
    struct sv_err *e);

/* Reap c if it has ended; true if it has (now or before). False for a
 * child never started. */
bool sv_child_poll(struct sv_child *c);

/* Wait until c ends or the deadline passes (or a signal is caught, see
 * below); true if it ended. */
bool sv_child_wait(struct sv_child *c, double deadline);

/* End c's process group: SIGTERM, up to grace seconds, then SIGKILL;
 * c is reaped, and the rest of the group given up to 2 s to be gone (what
 * of it is ours, reaped). Nothing for a child that is done or never
 * started. */
void sv_child_stop(struct sv_child *c, double grace);

/* "exit status N" or "signal N (NAME)" for a wait status, in buf. */
const char *sv_wstatus_text(int wstatus, char *buf, size_t size);

/* True if the process pid is gone or a zombie (it has ended). */
bool sv_pid_gone(pid_t pid);

/* Become a child subreaper (Linux; elsewhere nothing). */
void sv_proc_adopt_orphans(void);

/* End every descendant of this process (Linux; elsewhere nothing):
 * SIGTERM to each, up to grace seconds, then SIGKILL, and reap them;
 * again for those that appeared meanwhile, a few rounds at most. */
void sv_proc_stop_descendants(double grace);

/* While caught: SIGINT, SIGTERM and SIGHUP set a flag instead of ending
 * the process (the waits above return early), SIGPIPE is ignored. Restore
 * puts the previous dispositions back. */
void sv_proc_signals_catch(void);
void sv_proc_signals_restore(void);

/* The signal caught since sv_proc_signals_catch, or 0. */
int sv_proc_signal_caught(void);

/* An environment for a child: ours, with each "KEY=VALUE" of set
 * (NULL-terminated) replacing KEY; free it with sv_env_free. */
char **sv_env_with(const char *const *set);
void sv_env_free(char **env);

#endif
