/*
 * timeit.c - the best wall time of a few commands run in turn, without a
 * shell in the measurement (bench/run.sh builds it with cc).
 *
 *	timeit N PRE CMD [CMD...]
 *
 * N times: run PRE with sh -c (not timed; "" for none), then run each CMD
 * in turn (split at spaces, no shell), stopping at the first that fails,
 * and time those. Prints the best time in milliseconds with one decimal.
 * Exits 1 if a CMD fails (naming it on stderr), 2 on bad usage.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

static int
run(char *const argv[])
{
	pid_t pid = fork();
	int st, fd;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if ((fd = open("/dev/null", O_WRONLY)) >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* Split a copy of cmd at spaces into a NULL-terminated vector. */
static char **
split(const char *cmd)
{
	char *s = strdup(cmd), *tok, **v;
	size_t n = 0;

	v = calloc(strlen(cmd) / 2 + 2, sizeof(*v));
	if (s == NULL || v == NULL)
		exit(2);
	for (tok = strtok(s, " "); tok; tok = strtok(NULL, " "))
		v[n++] = tok;
	v[n] = NULL;
	return v;
}

int
main(int argc, char **argv)
{
	long n, best = -1, i;
	char ***cmds;
	int k;

	if (argc < 4 || (n = strtol(argv[1], NULL, 10)) < 1) {
		fprintf(stderr, "usage: timeit N PRE CMD [CMD...]\n");
		return 2;
	}
	if ((cmds = calloc((size_t)argc, sizeof(*cmds))) == NULL)
		return 2;
	for (k = 3; k < argc; k++)
		cmds[k] = split(argv[k]);
	for (i = 0; i < n; i++) {
		struct timespec t0, t1;
		long us;

		if (argv[2][0] != '\0') {
			char *pre[] = { "sh", "-c", argv[2], NULL };

			run(pre);
		}
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (k = 3; k < argc; k++)
			if (run(cmds[k]) != 0) {
				fprintf(stderr, "timeit: failed: %s\n", argv[k]);
				return 1;
			}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		us = (t1.tv_sec - t0.tv_sec) * 1000000 +
		    (t1.tv_nsec - t0.tv_nsec) / 1000;
		if (best < 0 || us < best)
			best = us;
	}
	printf("%.1f\n", best / 1000.0);
	return 0;
}
