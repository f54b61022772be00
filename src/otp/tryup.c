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

#include "otp/tryup.h"

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


/* How much of a log a report keeps (its end), and how long stopping a
 * helper (the control node, the probe, epmd) may take. */
#define LOG_KEEP (32u << 10)
#define PROBE_LOG_KEEP (16u << 10)
#define HELPER_GRACE 3.0
/* ... and a node still running at the end (SIGTERM: init:stop()). */
#define NODE_GRACE 10.0

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

/* How the node boots: erlexec with the release's boot file, or the
 * release's own start script (`bin/NAME daemon`), relx's or mix's. */
enum boot { BOOT_ERL, BOOT_RELX, BOOT_MIX };

struct run {
	const struct sv_tryup_opts *o;
	struct sv_tryup *r;
	double timeout;            /* seconds, each step */
	char *otp;                 /* the installation */
	char *tmp, *root, *home;
	char *erts_bin;            /* the erts the node boots with */
	bool erts_packaged;
	enum boot boot;            /* how the node boots */
	char *unpack;              /* NEW's unpack name */
	char *sname, *cookie;
	int epmd_port;
	struct sv_child epmd, node, daemon, probe;
	struct sv_otp_ctl ctl;     /* the control node */
	int probe_in;              /* the probe's stdin */
	pid_t node_pid;            /* the node's OS pid, once it answered */
	bool node_started;
	bool stopping;             /* init:stop() asked for */
	int cur;                   /* the step running, or -1 */
	double step_t0;
	double install_t0;
	const char *boot_vsn;      /* the release the node boots */
	char *new_erts;            /* the ERTS NEW names */
	char *tree_old;            /* supervision trees: OLD at boot, */
	char *tree_up;             /* after the upgrade */
	bool upgraded;             /* the upgrade was made permanent */
};

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

static void
step_begin(struct run *u, const char *name)
{
	size_t i;

	for (i = 0; i < u->r->nsteps; i++)
		if (strcmp(u->r->steps[i].name, name) == 0)
			break;
	u->cur = (int)i;
	u->step_t0 = sv_now();
}

static void step_end(struct run *u, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* End the running step; the first failure is the run's. Returns ok. */
static void
step_end(struct run *u, bool ok, const char *fmt, ...)
{
	struct sv_tryup_step *s;
	struct buf b;
	va_list ap;

	if (u->cur < 0 || (size_t)u->cur >= u->r->nsteps)
		return;
	s = &u->r->steps[u->cur];
	buf_init(&b);
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	free(s->detail);
	s->detail = buf_detach(&b);
	s->state = ok ? SV_TRYUP_OK : SV_TRYUP_FAILED;
	s->seconds = sv_now() - u->step_t0;
	if (!ok && u->r->failed < 0)
		u->r->failed = u->cur;
	u->cur = -1;
}

/* ---- small helpers ---- */

static char *
path_join(const char *a, const char *b)
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

static bool
is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool
is_exec(const char *path)
{
	return is_file(path) && access(path, X_OK) == 0;
}

/* n random bytes as 2n hex digits. */
static char *
random_hex(size_t n)
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
static int
free_port(void)
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
static bool
epmd_answers(int port)
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
static int
log_fd(const char *dir, const char *name)
{
	char *p = path_join(dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

	free(p);
	return fd;
}

/* The newest log/erlang.log.N of run_erl, or NULL. */
static char *
run_erl_log(const char *dir)
{
	char *logdir = path_join(dir, "log"), *best = NULL;
	struct timespec bt = { 0, 0 };
	struct dirent *de;
	DIR *d;

	if ((d = opendir(logdir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			struct stat st;
			char *p;

			if (strncmp(de->d_name, "erlang.log.", 11) != 0)
				continue;
			p = path_join(logdir, de->d_name);
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

static int
copy_file(const char *from, const char *to, struct sv_err *e)
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
	char *rd = path_join(dir, "releases");
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
			p = path_join(rd, de->d_name);
			if (is_file(p) && n++ == 0)
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
static int
read_new(struct run *u, struct sv_err *e)
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
static int
read_old(struct run *u, struct sv_otp_release *rel, struct sv_err *e)
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

static int
prepare_erts(struct run *u, const struct sv_otp_release *rel,
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
static int
rewrite_vm_args(struct run *u, const char *path, struct sv_err *e)
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
static enum boot
script_kind(const char *path)
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

static const char *
boot_name(enum boot k)
{
	return k == BOOT_MIX ? "mix" : k == BOOT_RELX ? "relx" : "erl";
}

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

static int
start_control(struct run *u, struct sv_err *e)
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
static bool
step_control(struct run *u, struct sv_otp_ctl_answer *a, const char *cmd,
    const char *arg1, const char *arg2)
{
	struct buf why;
	int rc;

	buf_init(&why);
	rc = sv_otp_ctl_call(&u->ctl, a, &why, cmd, arg1, arg2,
	    (const char *)NULL);
	if (rc < 0)
		step_end(u, false, "%s", why.s);
	else if (strcmp(a->f[0], "ok") != 0)
		step_end(u, false, "%s", a->n > 1 ? a->f[1] : "failed");
	buf_release(&why);
	if (rc == 0 && strcmp(a->f[0], "ok") == 0)
		return true;
	sv_otp_ctl_answer_release(a);
	return false;
}

/* which_releases() must be exactly want; into r->releases. */
static bool
step_which(struct run *u, const char *want)
{
	struct sv_otp_ctl_answer a;

	if (!step_control(u, &a, "which", want, NULL))
		return false;
	free(u->r->releases);
	u->r->releases = xstrdup(a.n > 1 ? a.f[1] : "");
	sv_otp_ctl_answer_release(&a);
	return true;
}

/* The probe still runs, else the step fails saying so. */
static bool
probe_alive(struct run *u)
{
	char ws[64];

	if (u->probe.pid <= 0 || !sv_child_poll(&u->probe))
		return true;
	step_end(u, false, "the probe ended during this step (%s)",
	    sv_wstatus_text(u->probe.wstatus, ws, sizeof(ws)));
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
		if (!is_file(p.s))
			continue;
		any = true;
		status = rewrite_vm_args(u, p.s, e);
	}
	if (status == SV_OK && u->boot == BOOT_RELX && !any) {
		buf_reset(&p);
		buf_addf(&p, "%s/releases/%s/vm.args", u->root, vsn);
		status = rewrite_vm_args(u, p.s, e);
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
	if (!is_file(p.s)) {
		struct buf d;

		buf_init(&d);
		buf_addf(&d, "%s %s\n", rel->erts, rel->vsn);
		if (sv_write_file_nosync(p.s, d.s, d.len, &e) != SV_OK) {
			buf_release(&d);
			step_end(u, false, "%s", e.msg);
			goto out;
		}
		buf_release(&d);
	}
	if (vm_args_for(u, rel->vsn, &e) != SV_OK) {
		step_end(u, false, "%s", e.msg);
		goto out;
	}
	if (!step_control(u, &a, "releases", rel->rel_path, NULL))
		goto out;
	sv_otp_ctl_answer_release(&a);
	step_end(u, true, "%s %s, erts %s (%s), booted %s", rel->name,
	    rel->vsn, rel->erts, u->erts_packaged ? "from the package" :
	    "installed", u->boot == BOOT_MIX ? "by its mix start script" :
	    u->boot == BOOT_RELX ? "by its relx start script" : "with erlexec");
	ok = true;
out:
	buf_release(&p);
	return ok;
}

static bool
start_epmd(struct run *u, double deadline)
{
	char *epmd = path_join(u->erts_bin, "epmd"), port[16], ws[64];
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
	s.out = s.err = log_fd(u->tmp, "epmd.log");
	if (sv_child_start(&u->epmd, &s, &e) != SV_OK) {
		step_end(u, false, "%s", e.msg);
		goto out;
	}
	while (!epmd_answers(u->epmd_port)) {
		if (sv_child_poll(&u->epmd)) {
			step_end(u, false, "epmd exited (%s) before it listened "
			    "on port %d", sv_wstatus_text(u->epmd.wstatus, ws,
			    sizeof(ws)), u->epmd_port);
			goto out;
		}
		if (sv_proc_signal_caught() || sv_now() >= deadline) {
			step_end(u, false, sv_proc_signal_caught() ?
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
		s.out = s.err = log_fd(u->tmp, "boot.log");
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
		s.out = s.err = log_fd(u->tmp, "boot.log");
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
		if (is_file(config.s)) {
			buf_truncate(&config, config.len - strlen(".config"));
			argv[n++] = "-config";
			argv[n++] = config.s;
		}
		buf_addf(&vmargs, "%s/releases/%s/vm.args", u->root,
		    u->boot_vsn);
		if (is_file(vmargs.s)) {
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
		s.out = s.err = log_fd(u->tmp, "node.log");
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
		step_end(u, false, "%s", e.msg);
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
static bool
get_tree(struct run *u, char **out)
{
	struct sv_otp_ctl_answer a;

	if (!step_control(u, &a, "tree", NULL, NULL))
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
static bool
same_tree(const char *got, const char *got_name, const char *want,
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
static bool
boot_node(struct run *u, bool fresh)
{
	double deadline = sv_now() + u->timeout;
	struct sv_otp_ctl_answer a;
	char ws[64], *want;
	struct buf w;
	bool ok;

	if (!start_epmd(u, deadline) || !start_node(u))
		return false;
	if (!step_control(u, &a, "connect", NULL, NULL))
		return false;
	u->r->node = xstrdup(a.n > 1 ? a.f[1] : "");
	u->node_pid = a.n > 2 ? (pid_t)strtol(a.f[2], NULL, 10) : 0;
	sv_otp_ctl_answer_release(&a);
	/* The start script's daemon returns once run_erl runs (mix) or
	 * the node answers it too (relx). */
	if (u->boot != BOOT_ERL) {
		if (!sv_child_wait(&u->daemon, deadline + 5)) {
			step_end(u, false, "bin/%s daemon did not return within "
			    "%.0f s", u->r->release, u->timeout);
			return false;
		}
		if (!WIFEXITED(u->daemon.wstatus) ||
		    WEXITSTATUS(u->daemon.wstatus) != 0) {
			step_end(u, false, "bin/%s daemon failed (%s)",
			    u->r->release, sv_wstatus_text(u->daemon.wstatus,
			    ws, sizeof(ws)));
			return false;
		}
	}
	buf_init(&w);
	buf_addf(&w, "%s:permanent", u->boot_vsn);
	want = buf_detach(&w);
	ok = step_which(u, want);
	free(want);
	if (!ok)
		return false;
	if (fresh)
		return true;
	if (u->tree_old == NULL && !get_tree(u, &u->tree_old))
		return false;
	step_end(u, true, "node %s up, OS pid %ld; releases %s", u->r->node,
	    (long)u->node_pid, u->r->releases);
	return true;
}

static bool
do_boot(struct run *u)
{
	return boot_node(u, false);
}

static bool
do_probe(struct run *u)
{
	double deadline = sv_now() + u->timeout;
	struct buf node, cookie, root, from, to, port;
	const char *set[7];
	char *argv[4], **env, *log = path_join(u->tmp, "probe.log"), ws[64];
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
		step_end(u, false, "cannot make a pipe: %s", strerror(errno));
		goto out;
	}
	memset(&s, 0, sizeof(s));
	s.path = "/bin/sh";
	s.argv = argv;
	s.envp = env;
	s.in = in[0];
	s.out = s.err = log_fd(u->tmp, "probe.log");
	if (sv_child_start(&u->probe, &s, &e) != SV_OK) {
		close(in[1]);
		step_end(u, false, "%s", e.msg);
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
			step_end(u, true, "running (pid %ld): %s",
			    (long)u->probe.pid, t);
			free(t);
			ok = true;
			break;
		}
		free(t);
		if (sv_child_poll(&u->probe)) {
			step_end(u, false, "the probe ended (%s) before it wrote "
			    "a line", sv_wstatus_text(u->probe.wstatus, ws,
			    sizeof(ws)));
			break;
		}
		if (sv_proc_signal_caught()) {
			step_end(u, false, "interrupted by signal %d",
			    sv_proc_signal_caught());
			break;
		}
		if (sv_now() >= deadline) {
			step_end(u, false, "the probe wrote no line within %.0f s",
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

	if (!step_control(u, &a, cmd, a1, a2))
		return false;
	buf_addf(detail, "%s%s", detail->len ? "; " : "", a.n > 1 ? a.f[1] : "");
	sv_otp_ctl_answer_release(&a);
	return step_which(u, want);
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
		if (copy_file(src ? src : u->o->new_pkg, dest.s, &e) != SV_OK) {
			step_end(u, false, "%s", e.msg);
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
		ok = get_tree(u, &u->tree_up);
	if (ok && strcmp(name, "downgrade") == 0) {
		char *tree = NULL;
		struct buf why;

		buf_init(&why);
		if ((ok = get_tree(u, &tree)) && !same_tree(tree, "after the "
		    "downgrade", u->tree_old, "in OLD as booted", &why)) {
			step_end(u, false, "%s; releases %s; %s", d.s,
			    u->r->releases, why.s);
			ok = false;
		}
		free(tree);
		buf_release(&why);
		if (!ok)
			goto out;
	}
	if (ok && (ok = probe_alive(u))) {
		if (strcmp(name, "permanent") == 0)
			u->upgraded = true;
		step_end(u, true, "%s; releases %s", d.s, u->r->releases);
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
		step_end(u, false, "the probe had ended before its input closed "
		    "(%s)", sv_wstatus_text(u->probe.wstatus, ws, sizeof(ws)));
		return false;
	}
	close(u->probe_in);
	u->probe_in = -1;
	if (!sv_child_wait(&u->probe, sv_now() + u->timeout)) {
		step_end(u, false, sv_proc_signal_caught() ? "interrupted" :
		    "the probe did not end within %.0f s of its input closing",
		    u->timeout);
		return false;
	}
	if (!WIFEXITED(u->probe.wstatus) || WEXITSTATUS(u->probe.wstatus)) {
		step_end(u, false, "the probe ended with %s when its input "
		    "closed", sv_wstatus_text(u->probe.wstatus, ws, sizeof(ws)));
		return false;
	}
	{
		char *p = path_join(u->tmp, "probe.log"), *t = sv_file_tail(p, 4096);
		const char *last = "";

		if (t != NULL) {
			char *end = t + strlen(t);

			while (end > t && end[-1] == '\n')
				*--end = '\0';
			last = strrchr(t, '\n') ? strrchr(t, '\n') + 1 : t;
		}
		step_end(u, true, "exit status 0 once its input closed%s%s",
		    *last ? ": " : "", last);
		free(t);
		free(p);
	}
	return true;
}

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
static void
stop_node(struct run *u, const char *done)
{
	double deadline;
	struct sv_otp_ctl_answer a;

	char ws[64];

	if (!u->node_started)
		return;
	if (done == NULL)
		step_begin(u, "stop");
	/* A node booted with erlexec that failed may be ending by itself. */
	if (u->node.pid > 0 && sv_child_wait(&u->node, sv_now() +
	    (u->r->node == NULL ? 2 : 0))) {
		step_end(u, false, "the node had exited by itself (%s)",
		    sv_wstatus_text(u->node.wstatus, ws, sizeof(ws)));
		return;
	}
	if (u->r->node == NULL || u->ctl.dead) {
		step_end(u, false, "the node could not be asked to stop (%s): "
		    "it was killed", u->r->node == NULL ? "it never answered" :
		    "the control node was gone");
		return;
	}
	u->stopping = true;
	if (!step_control(u, &a, "stop", NULL, NULL))
		return;
	sv_otp_ctl_answer_release(&a);
	deadline = sv_now() + u->timeout;
	while (!node_gone(u)) {
		if (sv_proc_signal_caught() || sv_now() >= deadline) {
			step_end(u, false, "the node's OS process %ld did not end "
			    "within %.0f s of init:stop()", (long)u->node_pid,
			    u->timeout);
			return;
		}
		sv_sleep_ms(20);
	}
	step_end(u, true, "%s%sinit:stop(); OS process %ld ended",
	    done ? done : "", done ? "; " : "", (long)u->node_pid);
}

static void
do_stop(struct run *u)
{
	stop_node(u, NULL);
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
	step_begin(u, "fresh");
	if (strcmp(u->new_erts, old->erts) != 0) {
		step_end(u, true, "not booted: NEW runs ERTS %s, the node was "
		    "booted with %s", u->new_erts, old->erts);
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
		step_end(u, false, "%s", e.msg);
		goto out;
	}
	if (!step_control(u, &a, "releases", rel.s, NULL))
		goto out;
	sv_otp_ctl_answer_release(&a);
	u->boot_vsn = u->r->to;
	u->stopping = false;
	u->node_pid = 0;
	free(u->r->node);
	u->r->node = NULL;
	if (!boot_node(u, true) || !get_tree(u, &tree))
		goto out;
	if (!same_tree(u->tree_up, "after the upgrade", tree, "in a fresh "
	    "boot of NEW", &why)) {
		step_end(u, false, "%s", why.s);
		goto out;
	}
	buf_reset(&d);
	buf_addf(&d, "a fresh boot of %s has the supervision tree the upgrade "
	    "left", vsn);
	stop_node(u, d.s);
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

	dir = path_join(u->tmp, "mix");
	p = run_erl_log(dir);
	free(dir);
	if (p == NULL && (dir = proc_getenv(u->node_pid, "RELEASE_TMP"))) {
		p = run_erl_log(dir);
		free(dir);
	}
	if (p == NULL) {
		dir = path_join(u->root, "tmp");
		p = run_erl_log(dir);
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
		p = path_join(u->tmp, "boot.log");
		if ((t = sv_file_tail(p, LOG_KEEP / 4)) != NULL) {
			buf_addf(&b, "== bin/%s daemon:\n%s", u->r->release, t);
			if (b.s[b.len - 1] != '\n')
				buf_addc(&b, '\n');
			free(t);
		}
		free(p);
		p = u->boot == BOOT_MIX ? mix_log(u) : run_erl_log(u->tmp);
		if (p != NULL && (t = sv_file_tail(p, LOG_KEEP)) != NULL) {
			buf_addf(&b, "== %s:\n%s", p, t);
			free(t);
		}
		free(p);
	} else {
		p = path_join(u->tmp, "node.log");
		if ((t = sv_file_tail(p, LOG_KEEP)) != NULL) {
			buf_adds(&b, t);
			free(t);
		}
		free(p);
	}
	p = path_join(u->tmp, "erl_crash.dump");
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
		p = path_join(u->tmp, "probe.log");
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

	step_begin(u, "install");
	/* The step counts the extraction too. */
	u->step_t0 = u->install_t0;
	if (!do_install(u, rel))
		return;
	step_begin(u, "boot");
	if (!do_boot(u))
		return;
	if (u->o->probe != NULL) {
		step_begin(u, "probe");
		if (!do_probe(u))
			return;
	}
	for (i = 0; i < 4; i++) {
		if (i == 3 && !u->o->downgrade)
			break;
		step_begin(u, release_steps[i]);
		if (!do_release_step(u, release_steps[i]))
			return;
	}
	if (u->o->probe != NULL) {
		step_begin(u, "probe-end");
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
	if ((status = read_new(&u, e)) ||
	    (status = sv_tmpdir_make("try", &u.tmp, e)))
		goto out;
	u.root = path_join(u.tmp, "root");
	u.home = path_join(u.tmp, "home");
	if (mkdir(u.root, 0755) < 0 || mkdir(u.home, 0700) < 0) {
		status = sv_err_set(e, SV_INPUT, "cannot create '%s': %s",
		    u.root, strerror(errno));
		goto out;
	}
	t0 = sv_now();
	if ((status = read_old(&u, &rel, e)) ||
	    (status = prepare_erts(&u, &rel, e)))
		goto out;
	{
		struct buf p;

		buf_init(&p);
		buf_addf(&p, "%s/bin/%s", u.root, rel.name);
		u.boot = script_kind(p.s);
		buf_release(&p);
	}
	r->boot = boot_name(u.boot);
	id = random_hex(4);
	{
		struct buf b;

		buf_init(&b);
		buf_addf(&b, "sv_try_%ld_%s", (long)getpid(), id);
		u.sname = buf_detach(&b);
	}
	free(id);
	u.cookie = random_hex(16);
	if ((u.epmd_port = free_port()) == 0) {
		status = sv_err_set(e, SV_INPUT, "cannot find a free TCP port "
		    "for epmd on 127.0.0.1");
		goto out;
	}
	sv_proc_signals_catch();
	sv_proc_adopt_orphans();
	if ((status = start_control(&u, e)) != SV_OK) {
		sv_proc_signals_restore();
		goto out;
	}
	u.install_t0 = t0;
	u.boot_vsn = r->from;
	run_steps(&u, &rel);
	do_stop(&u);
	if (r->failed < 0 && u.upgraded && !sv_proc_signal_caught()) {
		/* The report's releases are the try's, not the fresh boot's. */
		char *rels = r->releases ? xstrdup(r->releases) : NULL;

		do_fresh(&u, &rel);
		free(r->releases);
		r->releases = rels;
	}
	stop_all(&u);
	if (r->failed >= 0)
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
