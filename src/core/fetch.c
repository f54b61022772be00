#include "config.h"

#include "core/fetch.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fcntl.h>

#include "adapt/archive.h"
#include "base/outfile.h"
#include "base/quote.h"
#include "base/str.h"
#include "base/xalloc.h"

#define CHUNK (256 * 1024)

void
sv_fetch_result_init(struct sv_fetch_result *r)
{
	memset(r, 0, sizeof(*r));
	sv_record_init(&r->rec);
	sv_manifest_init(&r->m);
}

void
sv_fetch_result_release(struct sv_fetch_result *r)
{
	sv_record_release(&r->rec);
	sv_manifest_release(&r->m);
	free(r->delta_skipped);
	sv_fetch_result_init(r);
}

bool
sv_fetch_is_file(const char *path)
{
	return sv_str_ends_with(path, ".tar.gz") || sv_str_ends_with(path, ".tgz") ||
	    sv_str_ends_with(path, ".tar.zst");
}

/* The manifest's entry for path, or NULL. */
static const struct sv_entry *
find(const struct sv_manifest *m, const char *path, size_t *at)
{
	size_t lo = 0, hi = m->content.n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(m->content.v[mid].path, path);

		if (c == 0) {
			*at = mid;
			return &m->content.v[mid];
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static bool
is_symlink(const struct sv_manifest *m, const char *path)
{
	size_t at;
	const struct sv_entry *ent = find(m, path, &at);

	return ent != NULL && ent->type == SV_ENTRY_SYMLINK;
}

/* The first proper prefix of path that the manifest says is a symlink. */
static char *
symlink_above(const struct sv_manifest *m, const char *path)
{
	const char *p;

	for (p = strchr(path, '/'); p; p = strchr(p + 1, '/')) {
		char *prefix = xstrndup(path, (size_t)(p - path));

		if (is_symlink(m, prefix))
			return prefix;
		free(prefix);
	}
	return NULL;
}

/* A symlink's target, followed component by component from the link's
 * directory: the first symlink it passes through, or NULL. */
static char *
target_through(const struct sv_manifest *m, const char *path,
    const char *target)
{
	struct buf cur;
	const char *slash = strrchr(path, '/'), *p = target;
	char *hit = NULL;

	buf_init(&cur);
	if (slash)
		buf_add(&cur, path, (size_t)(slash - path));
	while (*p && hit == NULL) {
		size_t n = strcspn(p, "/");
		const char *next = p + n;

		while (*next == '/')
			next++;
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			char *s = strrchr(cur.s ? cur.s : "", '/');

			buf_truncate(&cur, s ? (size_t)(s - cur.s) : 0);
		} else if (n > 0 && !(n == 1 && p[0] == '.')) {
			if (cur.len)
				buf_addc(&cur, '/');
			buf_add(&cur, p, n);
			if (*next && is_symlink(m, cur.s))
				hit = xstrdup(cur.s);
		}
		p = next;
	}
	buf_release(&cur);
	return hit;
}

static enum sv_tar_type
tar_type(enum sv_entry_type t)
{
	return t == SV_ENTRY_FILE ? SV_TAR_FILE : t == SV_ENTRY_DIR ?
	    SV_TAR_DIR : SV_TAR_SYMLINK;
}

static int check_entry(const char *pkg, const struct sv_manifest *m,
    const struct sv_tar_header *raw, const struct sv_tar_header *h,
    const char *path, bool *seen, uint64_t *total, uint64_t max,
    const struct sv_entry **out, struct sv_err *e);

/* Check one header against the rules and the manifest. */
static int
check_header(const char *pkg, const struct sv_manifest *m,
    const struct sv_tar_header *raw, const char *path, bool *seen,
    uint64_t *total, uint64_t max, const struct sv_entry **out,
    struct sv_err *e)
{
	struct sv_tar_header q = *raw, *h = &q;
	char *qpath = sv_quote_dup(raw->path);
	char *qlink = raw->link ? sv_quote_dup(raw->link) : NULL;
	int status;

	/* Names in messages are quoted: they come from the archive. */
	q.path = qpath;
	q.link = qlink;
	status = check_entry(pkg, m, raw, h, path, seen, total, max, out, e);
	free(qpath);
	free(qlink);
	return status;
}

/* check_header's work; h has the names quoted for messages, raw as they
 * are. */
static int
check_entry(const char *pkg, const struct sv_manifest *m,
    const struct sv_tar_header *raw, const struct sv_tar_header *h,
    const char *path, bool *seen, uint64_t *total, uint64_t max,
    const struct sv_entry **out, struct sv_err *e)
{
	const struct sv_entry *ent;
	char *above;
	size_t at;

	switch (h->type) {
	case SV_TAR_HARDLINK:
		return sv_err_set(e, SV_INPUT, "package '%s' has a hard link "
		    "'%s' -> '%s': refused", pkg, h->path, h->link ? h->link :
		    "");
	case SV_TAR_OTHER:
		return sv_err_set(e, SV_INPUT, "package '%s' has an entry '%s' "
		    "that is not a file, directory or symlink (a device, fifo, "
		    "socket or broken hard link): refused", pkg, h->path);
	case SV_TAR_SYMLINK:
		if (!sv_symlink_inside(path, raw->link))
			return sv_err_set(e, SV_INPUT, "package '%s' has a symlink "
			    "'%s' -> '%s' leading outside it: refused", pkg,
			    h->path, h->link);
		break;
	default:
		break;
	}
	if ((above = symlink_above(m, path)) != NULL) {
		char *q = sv_quote_dup(above);

		sv_err_set(e, SV_INPUT, "package '%s' has an entry '%s' under the "
		    "symlink '%s': refused", pkg, h->path, q);
		free(q);
		free(above);
		return SV_INPUT;
	}
	ent = find(m, path, &at);
	if (ent == NULL)
		return sv_err_set(e, SV_INPUT, "package '%s' has an entry '%s' "
		    "that its manifest does not list: refused", pkg, h->path);
	if (seen[at])
		return sv_err_set(e, SV_INPUT, "package '%s' has the entry '%s' "
		    "twice: refused", pkg, h->path);
	seen[at] = true;
	if (tar_type(ent->type) != h->type)
		return sv_err_set(e, SV_INPUT, "package '%s': '%s' is not a %s as "
		    "its manifest says", pkg, h->path,
		    sv_entry_type_name(ent->type));
	if (h->type == SV_TAR_SYMLINK) {
		if (strcmp(raw->link, ent->target) != 0)
			return sv_err_set(e, SV_INPUT, "package '%s': symlink '%s' "
			    "-> '%s' differs from its manifest", pkg, h->path,
			    h->link);
		if ((above = target_through(m, path, raw->link)) != NULL) {
			char *q = sv_quote_dup(above);

			sv_err_set(e, SV_INPUT, "package '%s' has a symlink '%s' -> "
			    "'%s' that goes through the symlink '%s': refused",
			    pkg, h->path, h->link, q);
			free(q);
			free(above);
			return SV_INPUT;
		}
	}
	if (h->type == SV_TAR_FILE) {
		if (h->size != ent->size)
			return sv_err_set(e, SV_INPUT, "package '%s': '%s' has %ju "
			    "bytes, its manifest says %ju", pkg, h->path,
			    (uintmax_t)h->size, (uintmax_t)ent->size);
		if (((h->perm & 0111) ? 0755u : 0644u) != ent->mode)
			return sv_err_set(e, SV_INPUT, "package '%s': '%s' has mode "
			    "%04o, its manifest says %04o", pkg, h->path, h->perm,
			    ent->mode);
		if (h->size > max || *total > max - h->size)
			return sv_err_set(e, SV_INPUT, "package '%s': extracting "
			    "'%s' (%ju bytes) would pass the limit of %ju bytes",
			    pkg, h->path, (uintmax_t)h->size, (uintmax_t)max);
		*total += h->size;
	}
	*out = ent;
	return SV_OK;
}

/* An interrupting signal is waiting (they are blocked while extracting). */
static bool
interrupted(void)
{
	sigset_t pending;

	return sigpending(&pending) == 0 && (sigismember(&pending, SIGINT) ||
	    sigismember(&pending, SIGTERM) || sigismember(&pending, SIGHUP));
}

static int
extract(const char *file, const char *package, const struct sv_manifest *m,
    const char *dir, uint64_t max, bool dirs_optional, struct sv_err *e)
{
	struct sv_tar_reader *r = NULL;
	struct sv_disk_writer *w = NULL;
	struct sv_sha256 *h = NULL;
	unsigned char *chunk = xmalloc(CHUNK), d[SV_SHA256_LEN];
	bool *seen = xcalloc(m->content.n + 1, sizeof(*seen));
	char *q = NULL;
	struct buf path;
	uint64_t total = 0;
	size_t i;
	int status;

	buf_init(&path);
	if ((status = sv_tar_open(file, &r, e)) ||
	    (status = sv_disk_open(dir, &w, e)))
		goto out;
	for (;;) {
		struct sv_tar_header hd;
		const struct sv_entry *ent = NULL;
		bool eof;

		if (interrupted()) {
			status = sv_err_set(e, SV_INPUT, "interrupted");
			goto out;
		}
		if ((status = sv_tar_next(r, &hd, &eof, e)))
			goto out;
		if (eof)
			break;
		switch (sv_path_clean(hd.path, &path)) {
		case SV_PATH_ABSOLUTE:
			q = sv_quote_dup(hd.path);
			status = sv_err_set(e, SV_INPUT, "package '%s' has an "
			    "absolute path '%s': refused", package, q);
			goto out;
		case SV_PATH_DOTDOT:
			q = sv_quote_dup(hd.path);
			status = sv_err_set(e, SV_INPUT, "package '%s' has a path "
			    "with '..': '%s': refused", package, q);
			goto out;
		default:
			break;
		}
		if (path.len == 0 && hd.type == SV_TAR_DIR)
			continue;
		if (path.len == 0) {
			status = sv_err_set(e, SV_INPUT, "package '%s' has an entry "
			    "without a name: refused", package);
			goto out;
		}
		if ((status = check_header(package, m, &hd, path.s, seen, &total,
		    max, &ent, e)) ||
		    (status = sv_disk_entry(w, path.s, hd.type, ent->mode,
		    hd.size, hd.link, hd.mtime, e)))
			goto out;
		if (hd.type == SV_TAR_FILE) {
			uint64_t got_total = 0;

			h = sv_sha256_new();
			for (;;) {
				size_t got;

				if ((status = sv_tar_read(r, chunk, CHUNK, &got, e)))
					goto out;
				if (got == 0)
					break;
				got_total += got;
				sv_sha256_update(h, chunk, got);
				if ((status = sv_disk_write(w, path.s, chunk, got, e)))
					goto out;
			}
			sv_sha256_final(h, d);
			sv_sha256_free(h);
			h = NULL;
			if (got_total != ent->size ||
			    memcmp(d, ent->sha256, SV_SHA256_LEN) != 0) {
				q = sv_quote_dup(hd.path);
				status = sv_err_set(e, SV_INPUT, "package '%s': the "
				    "content of '%s' does not match its manifest",
				    package, q);
				goto out;
			}
		}
		if ((status = sv_disk_finish_entry(w, path.s, e)))
			goto out;
	}
	for (i = 0; i < m->content.n; i++) {
		if (!seen[i] && !(dirs_optional &&
		    m->content.v[i].type == SV_ENTRY_DIR)) {
			q = sv_quote_dup(m->content.v[i].path);
			status = sv_err_set(e, SV_INPUT, "package '%s' lacks '%s', "
			    "which its manifest lists", package, q);
			goto out;
		}
	}
	status = sv_disk_close(w, e);
out:
	free(q);
	if (h)
		sv_sha256_free(h);
	sv_disk_free(w);
	sv_tar_close(r);
	buf_release(&path);
	free(chunk);
	free(seen);
	return status;
}

int
sv_extract(const char *file, const char *package,
    const struct sv_manifest *m, const char *dir, uint64_t max,
    struct sv_err *e)
{
	return extract(file, package, m, dir, max, false, e);
}

int
sv_extract_tarball(const char *file, const char *dir, uint64_t max,
    struct sv_err *e)
{
	struct sv_manifest m;
	int status;

	sv_manifest_init(&m);
	if ((status = sv_index_tarball(&m.content, file, e)) == SV_OK)
		status = extract(file, file, &m, dir, max, true, e);
	sv_manifest_release(&m);
	return status;
}

/* The package goes to an output file and through a hash. */
struct copy {
	struct sv_outfile *out;
	struct sv_sha256 *h;
	uint64_t size, limit;
	const char *key;
};

static int
copy_sink(void *data, const void *p, size_t n, struct sv_err *e)
{
	struct copy *c = data;

	c->size += n;
	if (c->size > c->limit)
		return sv_err_set(e, SV_INPUT, "package '%s' is larger than its "
		    "manifest says (%ju bytes)", c->key, (uintmax_t)c->limit);
	sv_sha256_update(c->h, p, n);
	return sv_outfile_write(c->out, p, n, e);
}

/* Download the package blob into out (open) and check it. */
static int
download(struct sv_store *s, const struct sv_manifest *m,
    struct sv_outfile *out, struct sv_err *e)
{
	char *key = sv_key_blob(m->sha256);
	struct copy c = { out, sv_sha256_new(), 0, m->size, key };
	unsigned char d[SV_SHA256_LEN];
	bool found;
	int status = sv_store_get(s, key, copy_sink, &c, &found, e);

	sv_sha256_final(c.h, d);
	sv_sha256_free(c.h);
	if (status == SV_OK && !found)
		status = sv_err_set(e, SV_INPUT, "store '%s': the package of "
		    "%s@%s ('%s') is missing", sv_store_url(s), m->name,
		    m->version, key);
	else if (status == SV_OK && (c.size != m->size ||
	    memcmp(d, m->sha256, SV_SHA256_LEN) != 0))
		status = sv_err_set(e, SV_INPUT, "store '%s': the package of "
		    "%s@%s ('%s') does not match its digest", sv_store_url(s),
		    m->name, m->version, key);
	free(key);
	return status;
}

/* dir's parent and base name, for temporary names beside it. */
static void
split(const char *path, struct buf *parent, struct buf *base)
{
	char *copy = xstrdup(path), *slash;
	size_t n = strlen(copy);

	while (n > 1 && copy[n - 1] == '/')
		copy[--n] = '\0';
	slash = strrchr(copy, '/');
	if (slash == NULL) {
		buf_adds(parent, ".");
		buf_adds(base, copy);
	} else {
		buf_add(parent, copy, slash == copy ? 1 : (size_t)(slash - copy));
		buf_adds(base, slash + 1);
	}
	free(copy);
}

static int
fetch_dir(struct sv_store *s, const struct sv_fetch_request *req,
    struct sv_fetch_result *r, struct sv_err *e)
{
	struct buf parent, base, tmpdir, pkgname, what;
	struct sv_outfile pkg;
	struct stat st;
	sigset_t old;
	char *abs = NULL;
	bool have_pkg = false, have_dir = false;
	int status;

	buf_init(&parent);
	buf_init(&base);
	buf_init(&tmpdir);
	buf_init(&pkgname);
	buf_init(&what);
	split(req->output, &parent, &base);
	if (stat(req->output, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			status = sv_err_set(e, SV_USAGE, "'%s' exists and is not a "
			    "directory", req->output);
			goto out;
		}
		if (!sv_dir_is_empty(req->output)) {
			status = sv_err_set(e, SV_USAGE, "'%s' exists and is not "
			    "empty", req->output);
			sv_err_hint(e, "fetch into a new or empty directory");
			goto out;
		}
	}
	/* Absolute names: extraction changes the working directory. */
	abs = realpath(parent.s, NULL);
	if (abs == NULL) {
		status = sv_err_set(e, SV_INPUT, "cannot use '%s': %s", parent.s,
		    strerror(errno));
		goto out;
	}
	buf_addf(&pkgname, "%s/.%s.package", abs, base.s);
	if ((status = sv_outfile_open(&pkg, pkgname.s, e)))
		goto out;
	have_pkg = true;
	if ((status = download(s, &r->m, &pkg, e)))
		goto out;
	buf_addf(&tmpdir, "%s/.%s.tmp-XXXXXX", abs, base.s);
	/* Signals wait until the temporary directory is gone or in place. */
	sv_signals_hold(&old);
	if (mkdtemp(tmpdir.s) == NULL) {
		status = sv_err_set(e, SV_INPUT, "cannot create a directory in "
		    "'%s': %s", parent.s, strerror(errno));
		goto unblock;
	}
	have_dir = true;
	chmod(tmpdir.s, 0755);
	buf_addf(&what, "%s@%s", r->m.name, r->m.version);
	if ((status = sv_extract(pkg.tmp, what.s, &r->m, tmpdir.s,
	    req->max_size, e)))
		goto unblock;
	if (req->prepare != NULL) {
		struct buf final;

		buf_init(&final);
		if (req->final != NULL)
			buf_adds(&final, req->final);
		else
			buf_addf(&final, "%s/%s", abs, base.s);
		status = req->prepare(tmpdir.s, final.s, &r->m,
		    req->prepare_ctx, e);
		buf_release(&final);
		if (status)
			goto unblock;
	}
	{
		int fd = open(tmpdir.s, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd >= 0) {
			syncfs(fd);
			close(fd);
		}
	}
	if (rename(tmpdir.s, req->output) < 0) {
		status = sv_err_set(e, SV_INPUT, "cannot create '%s': %s",
		    req->output, strerror(errno));
		goto unblock;
	}
	have_dir = false;
	status = sv_fsync_dir(parent.s, e);
	r->extracted = true;
unblock:
	if (have_dir)
		sv_remove_tree(tmpdir.s);
	have_dir = false;
	sv_outfile_abort(&pkg);
	have_pkg = false;
	sv_signals_resume(&old);
out:
	if (have_pkg)
		sv_outfile_abort(&pkg);
	free(abs);
	buf_release(&parent);
	buf_release(&base);
	buf_release(&tmpdir);
	buf_release(&pkgname);
	buf_release(&what);
	return status;
}

int
sv_fetch(struct sv_store *s, const struct sv_fetch_request *req,
    struct sv_fetch_result *r, struct sv_err *e)
{
	struct sv_outfile out;
	int status;

	if (req->delta_from != NULL && !sv_fetch_is_file(req->output))
		return sv_err_set(e, SV_USAGE, "a delta package is fetched into "
		    "a package file, and '%s' names a directory", req->output);
	if ((status = sv_release_resolve(s, req->name, req->version, &r->rec,
	    e)))
		return status;
	if (req->delta_from != NULL &&
	    strcmp(req->delta_from, r->rec.version) != 0) {
		struct sv_record d;
		bool found;

		sv_record_init(&d);
		if ((status = sv_delta_read(s, req->name, r->rec.version,
		    req->delta_from, &d, &found, e))) {
			sv_record_release(&d);
			return status;
		}
		if (found) {
			struct sv_manifest dm;
			unsigned char whole[SV_SHA256_LEN];

			/* The delta must have been made from the build that was
			 * published whole (its manifest names that package's
			 * digest, for the same file name); else the whole
			 * package is the safe choice. */
			sv_manifest_init(&dm);
			memcpy(whole, r->rec.package, SV_SHA256_LEN);
			status = sv_record_manifest(s, &d, &dm, e);
			if (status == SV_OK && dm.delta_derived &&
			    strcmp(dm.file, r->rec.file) == 0 &&
			    memcmp(dm.delta_full_sha256, whole, SV_SHA256_LEN) != 0) {
				char a[SV_SHA256_HEX], b[SV_SHA256_HEX];
				struct buf why;

				sv_sha256_hex(dm.delta_full_sha256, a);
				sv_sha256_hex(whole, b);
				buf_init(&why);
				buf_addf(&why, "the delta of %s %s from %s was made from "
				    "another build (whole package %.12s, the store's "
				    "%.12s): the whole package was fetched instead",
				    req->name, r->rec.version, req->delta_from, a, b);
				r->delta_skipped = buf_detach(&why);
				sv_record_release(&d);
			} else if (status == SV_OK) {
				sv_record_release(&r->rec);
				r->rec = d;
				r->delta = true;
			} else {
				sv_record_release(&d);
			}
			sv_manifest_release(&dm);
			if (status)
				return status;
		}
	}
	if ((status = sv_record_manifest(s, &r->rec, &r->m, e)))
		return status;
	if (!sv_fetch_is_file(req->output))
		return fetch_dir(s, req, r, e);
	if ((r->m.compression == SV_COMPRESS_ZSTD) !=
	    sv_str_ends_with(req->output, ".tar.zst")) {
		sv_err_set(e, SV_USAGE, "%s@%s is a %s package: '%s' names the "
		    "other kind", r->m.name, r->m.version,
		    sv_compression_name(r->m.compression), req->output);
		return sv_err_hint(e, "name the output *%s",
		    sv_compression_suffix(r->m.compression));
	}
	if ((status = sv_outfile_open(&out, req->output, e)))
		return status;
	if ((status = download(s, &r->m, &out, e))) {
		sv_outfile_abort(&out);
		return status;
	}
	return sv_outfile_commit(&out, e);
}
