/*
 * tryup_dir.c - try-upgrade's run directory: the packages checked, the
 * target system laid out, files, ports and logs (see tryup_int.h).
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

/* ---- small helpers ---- */

char *
tu_path_join(const char *a, const char *b)
{
	struct buf p;

	buf_init(&p);
	buf_addf(&p, "%s/%s", a, b);
	return buf_detach(&p);
}

static bool
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool
tu_is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool
is_exec(const char *path)
{
	return tu_is_file(path) && access(path, X_OK) == 0;
}

/* n random bytes as 2n hex digits. */
char *
tu_random_hex(size_t n)
{
	unsigned char raw[32];
	struct buf b;
	size_t i;

	if (n > sizeof(raw))
		n = sizeof(raw);
	if (getentropy(raw, n) != 0) {
		unsigned long x = (unsigned long)time(NULL) ^
		    ((unsigned long)getpid() << 16) ^ (unsigned long)clock();

		for (i = 0; i < n; i++) {
			x = x * 6364136223846793005UL + 1442695040888963407UL;
			raw[i] = (unsigned char)(x >> 33);
		}
	}
	buf_init(&b);
	for (i = 0; i < n; i++)
		buf_addf(&b, "%02x", raw[i]);
	return buf_detach(&b);
}

/* A TCP port free on 127.0.0.1 now, or 0. */
int
tu_free_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = 0;

	if (fd < 0)
		return 0;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

/* epmd answers on 127.0.0.1:port: a NAMES_REQ (the question `epmd
 * -names` asks) gets its reply, which starts with epmd's port. */
bool
tu_epmd_answers(int port)
{
	static const unsigned char names_req[3] = { 0, 1, 'n' };
	unsigned char reply[4];
	struct sockaddr_in a;
	struct timeval tv = { 1, 0 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok;

	if (fd < 0)
		return false;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((unsigned short)port);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    write(fd, names_req, sizeof(names_req)) == sizeof(names_req) &&
	    recv(fd, reply, sizeof(reply), MSG_WAITALL) == sizeof(reply) &&
	    ((unsigned)reply[2] << 8 | reply[3]) == (unsigned)port;
	close(fd);
	return ok;
}

/* A file to write a child's output to (appended), or -1. */
int
tu_log_fd(const char *dir, const char *name)
{
	char *p = tu_path_join(dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

	free(p);
	return fd;
}

/* The newest log/erlang.log.N of run_erl, or NULL. */
char *
tu_run_erl_log(const char *dir)
{
	char *logdir = tu_path_join(dir, "log"), *best = NULL;
	struct timespec bt = { 0, 0 };
	struct dirent *de;
	DIR *d;

	if ((d = opendir(logdir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			struct stat st;
			char *p;

			if (strncmp(de->d_name, "erlang.log.", 11) != 0)
				continue;
			p = tu_path_join(logdir, de->d_name);
			if (stat(p, &st) == 0 && (best == NULL ||
			    st.st_mtim.tv_sec > bt.tv_sec ||
			    (st.st_mtim.tv_sec == bt.tv_sec &&
			    st.st_mtim.tv_nsec > bt.tv_nsec))) {
				free(best);
				best = p;
				bt = st.st_mtim;
			} else {
				free(p);
			}
		}
		closedir(d);
	}
	free(logdir);
	return best;
}

int
tu_copy_file(const char *from, const char *to, struct sv_err *e)
{
	int in = open(from, O_RDONLY | O_CLOEXEC), out, err = 0;
	char chunk[65536];
	ssize_t n;

	if (in < 0)
		return sv_err_set(e, SV_INPUT, "cannot open '%s': %s", from,
		    strerror(errno));
	if ((out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0644)) < 0) {
		err = errno;
		close(in);
		return sv_err_set(e, SV_INPUT, "cannot create '%s': %s", to,
		    strerror(err));
	}
	while ((n = read(in, chunk, sizeof(chunk))) != 0) {
		ssize_t done = 0, k;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = errno;
			break;
		}
		while (done < n) {
			if ((k = write(out, chunk + done, (size_t)(n - done))) < 0) {
				if (errno == EINTR)
					continue;
				err = errno;
				break;
			}
			done += k;
		}
		if (err)
			break;
	}
	close(in);
	if (close(out) < 0 && err == 0)
		err = errno;
	if (err)
		return sv_err_set(e, SV_INPUT, "cannot copy '%s' to '%s': %s",
		    from, to, strerror(err));
	return SV_OK;
}

/* ---- checking the packages ---- */

/* A message about the extraction in tmp as one about the package. */
static void
name_package(struct sv_err *e, const char *tmp, const char *pkg)
{
	char *at = strstr(e->msg, tmp);
	struct buf m;

	if (at == NULL)
		return;
	buf_init(&m);
	buf_add(&m, e->msg, (size_t)(at - e->msg));
	buf_addf(&m, "%s:", pkg);
	buf_adds(&m, at + strlen(tmp));
	snprintf(e->msg, sizeof(e->msg), "%s", m.s);
	buf_release(&m);
}

static bool
has_sasl(const struct sv_otp_release *rel)
{
	return sv_otp_release_app(rel, "sasl") != NULL;
}

/* The one releases/UNPACK.rel of an extracted package. */
static int
unpack_name(const char *dir, const char *pkg, char **out, struct sv_err *e)
{
	char *rd = tu_path_join(dir, "releases");
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	*out = NULL;
	if ((d = opendir(rd)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			size_t len = strlen(de->d_name);
			char *p;

			if (len <= 4 || strcmp(de->d_name + len - 4, ".rel") != 0)
				continue;
			p = tu_path_join(rd, de->d_name);
			if (tu_is_file(p) && n++ == 0)
				*out = xstrndup(de->d_name, len - 4);
			free(p);
		}
		closedir(d);
	}
	free(rd);
	if (n == 1)
		return SV_OK;
	free(*out);
	*out = NULL;
	if (n == 0)
		return sv_err_set(e, SV_INPUT, "'%s' is not a release package "
		    "for release_handler: it has no releases/NAME.rel", pkg);
	return sv_err_set(e, SV_INPUT, "'%s' has %zu releases/*.rel files: "
	    "release_handler:unpack_release/1 takes a package of one", pkg, n);
}

/* A name or version that goes into a command line and a tab-separated
 * control command as it is. */
static bool
plain_word(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

static int
check_file(const char *pkg, struct sv_err *e)
{
	struct stat st;

	if (stat(pkg, &st) != 0)
		return sv_err_set(e, SV_INPUT, "cannot open '%s': %s", pkg,
		    strerror(errno));
	if (!S_ISREG(st.st_mode)) {
		sv_err_set(e, SV_INPUT, "'%s' is not a release package: "
		    "try-upgrade takes the packages release_handler unpacks",
		    pkg);
		return sv_err_hint(e, "make them with 'smoothver pack "
		    "RELEASE_ROOT'");
	}
	return SV_OK;
}

/* NEW: its release, version and unpack name. */
int
tu_read_new(struct run *u, struct sv_err *e)
{
	struct sv_otp_input in;
	int status;

	sv_otp_input_init(&in);
	if ((status = check_file(u->o->new_pkg, e)) ||
	    (status = sv_otp_input_open(&in, u->o->new_pkg, NULL, e)) ||
	    (status = unpack_name(in.tmpdir, u->o->new_pkg, &u->unpack, e)))
		goto out;
	if (!has_sasl(&in.rel)) {
		status = sv_err_set(e, SV_INPUT, "release %s %s of '%s' does not "
		    "include sasl: release_handler could not run it", in.rel.name,
		    in.rel.vsn, u->o->new_pkg);
		goto out;
	}
	if (!plain_word(u->unpack) || !plain_word(in.rel.vsn)) {
		status = sv_err_set(e, SV_INPUT, "'%s': the release version or "
		    "unpack name holds blanks or control characters",
		    u->o->new_pkg);
		goto out;
	}
	u->r->to = xstrdup(in.rel.vsn);
	u->r->release = xstrdup(in.rel.name);
	u->new_erts = xstrdup(in.rel.erts);
out:
	sv_otp_input_release(&in);
	return status;
}

/* OLD, extracted into root: the whole release, the same one as NEW, at
 * another version. */
int
tu_read_old(struct run *u, struct sv_otp_release *rel, struct sv_err *e)
{
	const char *pkg = u->o->old_pkg;
	int status;
	size_t i;

	if ((status = check_file(pkg, e)))
		return status;
	if ((status = sv_extract_tarball(pkg, u->root, SV_EXTRACT_MAX_DEFAULT,
	    e)) || (status = sv_otp_release_load(rel, u->root, NULL, e))) {
		name_package(e, u->root, pkg);
		return status;
	}
	if (!has_sasl(rel))
		return sv_err_set(e, SV_INPUT, "release %s %s of '%s' does not "
		    "include sasl: release_handler could not upgrade it",
		    rel->name, rel->vsn, pkg);
	for (i = 0; i < rel->napps; i++) {
		if (!rel->apps[i].present) {
			sv_err_set(e, SV_INPUT, "'%s' lacks lib/%s-%s: it is not "
			    "a whole release (a delta package?)", pkg,
			    rel->apps[i].name, rel->apps[i].vsn);
			return sv_err_hint(e, "the old release is installed from "
			    "its package alone: give its full package "
			    "(smoothver pack without --delta-from)");
		}
	}
	if (strcmp(rel->name, u->r->release) != 0)
		return sv_err_set(e, SV_INPUT, "'%s' holds release %s, but '%s' "
		    "holds %s", pkg, rel->name, u->o->new_pkg, u->r->release);
	if (strcmp(rel->vsn, u->r->to) == 0)
		return sv_err_set(e, SV_INPUT, "'%s' and '%s' hold the same "
		    "version of %s, %s", pkg, u->o->new_pkg, rel->name, rel->vsn);
	if (!plain_word(rel->vsn) || !plain_word(rel->erts))
		return sv_err_set(e, SV_INPUT, "'%s': the release or ERTS "
		    "version holds blanks or control characters", pkg);
	u->r->from = xstrdup(rel->vsn);
	return SV_OK;
}

/* ---- preparing the target system ---- */

/* The erts-V directory of the installation to boot with: the release's
 * version if installed, else the only one there is. */
static char *
installed_erts(const char *otp, const char *want)
{
	struct buf p;
	char *found = NULL;
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	buf_init(&p);
	buf_addf(&p, "%s/erts-%s", otp, want);
	if (is_dir(p.s)) {
		buf_release(&p);
		return xstrdup(want);
	}
	buf_release(&p);
	if ((d = opendir(otp)) == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, "erts-", 5) == 0 && n++ == 0)
			found = xstrdup(de->d_name + 5);
	closedir(d);
	if (n != 1) {
		free(found);
		return NULL;
	}
	return found;
}

int
tu_prepare_erts(struct run *u, const struct sv_otp_release *rel,
    struct sv_err *e)
{
	struct buf p, link;
	char *v;
	int status = SV_OK;

	buf_init(&p);
	buf_init(&link);
	buf_addf(&p, "%s/erts-%s/bin/erlexec", u->root, rel->erts);
	u->erts_packaged = is_exec(p.s);
	if (u->erts_packaged) {
		buf_truncate(&p, p.len - strlen("/erlexec"));
		u->erts_bin = buf_detach(&p);
		goto out;
	}
	if ((v = installed_erts(u->otp, rel->erts)) == NULL) {
		status = sv_err_set(e, SV_INPUT, "'%s' has no erts-%s, and the "
		    "Erlang/OTP installation '%s' has no single erts to boot "
		    "it with", u->o->old_pkg, rel->erts, u->otp);
		goto out;
	}
	buf_reset(&p);
	buf_addf(&p, "%s/erts-%s", u->root, v);
	buf_addf(&link, "%s/erts-%s", u->otp, v);
	free(v);
	if (!is_dir(p.s) && symlink(link.s, p.s) < 0) {
		status = sv_err_set(e, SV_INPUT, "cannot link '%s' to '%s': %s",
		    p.s, link.s, strerror(errno));
		goto out;
	}
	buf_adds(&p, "/bin");
	u->erts_bin = buf_detach(&p);
out:
	buf_release(&p);
	buf_release(&link);
	return status;
}

/* vm.args with the run's node name and cookie instead of the release's
 * (added if it has none). A mix release takes them from its environment
 * (RELEASE_NODE, RELEASE_COOKIE): its vm.args loses any it sets, which
 * would win over the start script's, and gets none. */
int
tu_rewrite_vm_args(struct run *u, const char *path, struct sv_err *e)
{
	bool add = u->boot != BOOT_MIX;
	struct buf in, out;
	bool name = false, cookie = false;
	const char *line, *end;
	int status;

	buf_init(&in);
	buf_init(&out);
	if ((status = sv_read_file(path, &in, 1u << 20, e)))
		goto done;
	for (line = in.s; *line; line = end) {
		const char *w = line;
		size_t len;

		end = strchr(line, '\n');
		end = end ? end + 1 : line + strlen(line);
		while (w < end && (*w == ' ' || *w == '\t'))
			w++;
		len = strcspn(w, " \t\n");
		if ((len == 5 && strncmp(w, "-name", 5) == 0) ||
		    (len == 6 && strncmp(w, "-sname", 6) == 0)) {
			if (!name && add)
				buf_addf(&out, "-sname %s\n", u->sname);
			name = true;
			continue;
		}
		if (len == 10 && strncmp(w, "-setcookie", 10) == 0) {
			if (!cookie && add)
				buf_addf(&out, "-setcookie %s\n", u->cookie);
			cookie = true;
			continue;
		}
		buf_add(&out, line, (size_t)(end - line));
		if (end[-1] != '\n')
			buf_addc(&out, '\n');
	}
	if (!name && add)
		buf_addf(&out, "-sname %s\n", u->sname);
	if (!cookie && add)
		buf_addf(&out, "-setcookie %s\n", u->cookie);
	status = sv_write_file_nosync(path, out.s, out.len, e);
done:
	buf_release(&in);
	buf_release(&out);
	return status;
}

/* How bin/NAME boots the node: a start script that has `daemon` is
 * mix's when it reads RELEASE_COOKIE, relx's otherwise. */
enum boot
tu_script_kind(const char *path)
{
	struct buf b;
	struct sv_err e;
	enum boot k = BOOT_ERL;

	if (!is_exec(path))
		return BOOT_ERL;
	buf_init(&b);
	sv_err_init(&e);
	if (sv_read_file(path, &b, 4u << 20, &e) == SV_OK &&
	    strstr(b.s, "daemon)") != NULL)
		k = strstr(b.s, "RELEASE_COOKIE") != NULL ? BOOT_MIX : BOOT_RELX;
	buf_release(&b);
	return k;
}

const char *
tu_boot_name(enum boot k)
{
	return k == BOOT_MIX ? "mix" : k == BOOT_RELX ? "relx" : "erl";
}
