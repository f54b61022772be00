/*
 * otpinst.c - the Erlang/OTP installation of the erl on PATH (see
 * otpinst.h).
 */
#include "config.h"

#include "otp/otpinst.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"

static bool
is_exec(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    access(path, X_OK) == 0;
}

char *
sv_otp_installation(void)
{
	const char *path;
	char *found = NULL;
	struct buf b;

	if ((path = getenv("PATH")) == NULL)
		return NULL;
	buf_init(&b);
	while (*path != '\0') {
		const char *end = strchr(path, ':');
		size_t len = end ? (size_t)(end - path) : strlen(path);
		char *real;

		buf_reset(&b);
		if (len == 0)
			buf_adds(&b, ".");
		else
			buf_add(&b, path, len);
		buf_adds(&b, "/erl");
		if (is_exec(b.s) && (real = realpath(b.s, NULL)) != NULL) {
			char *slash = strrchr(real, '/');

			/* ROOT/bin/erl or ROOT/erts-V/bin/erl */
			if (slash != NULL) {
				*slash = '\0';
				if ((slash = strrchr(real, '/')) != NULL &&
				    strcmp(slash, "/bin") == 0) {
					*slash = '\0';
					if ((slash = strrchr(real, '/')) != NULL &&
					    strncmp(slash, "/erts-", 6) == 0)
						*slash = '\0';
					buf_reset(&b);
					buf_addf(&b, "%s/lib", real);
					if (access(b.s, F_OK) == 0) {
						found = real;
						break;
					}
				}
			}
			free(real);
		}
		if (end == NULL)
			break;
		path = end + 1;
	}
	buf_release(&b);
	return found;
}
