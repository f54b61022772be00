#include "config.h"

#include "adapt/git.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <git2.h>

#include "adapt/lazy.h"
#include "base/buf.h"
#include "base/xalloc.h"

/* The libgit2 functions called here, resolved on first use (see
 * adapt/lazy.h): calls go through G. */
#define FUNCS(X) \
	X(git_buf_dispose) \
	X(git_commit_free) \
	X(git_commit_lookup) \
	X(git_commit_time) \
	X(git_commit_time_offset) \
	X(git_commit_tree_id) \
	X(git_config_free) \
	X(git_config_get_string_buf) \
	X(git_config_iterator_free) \
	X(git_config_iterator_new) \
	X(git_config_next) \
	X(git_config_open_ondisk) \
	X(git_error_clear) \
	X(git_error_last) \
	X(git_graph_ahead_behind) \
	X(git_graph_descendant_of) \
	X(git_libgit2_init) \
	X(git_libgit2_shutdown) \
	X(git_object_free) \
	X(git_object_id) \
	X(git_object_lookup) \
	X(git_object_peel) \
	X(git_object_type) \
	X(git_oid_equal) \
	X(git_oid_fromstr) \
	X(git_oid_tostr) \
	X(git_reference_free) \
	X(git_reference_lookup) \
	X(git_reference_name_is_valid) \
	X(git_repository_config_snapshot) \
	X(git_repository_free) \
	X(git_repository_head_unborn) \
	X(git_repository_is_bare) \
	X(git_repository_is_shallow) \
	X(git_repository_open_ext) \
	X(git_repository_set_workdir) \
	X(git_repository_workdir) \
	X(git_revparse_single) \
	X(git_signature_default) \
	X(git_signature_free) \
	X(git_signature_now) \
	X(git_status_list_entrycount) \
	X(git_status_list_free) \
	X(git_status_list_new) \
	X(git_status_options_init) \
	X(git_tag_create) \
	X(git_tag_foreach) \
	X(git_tag_message) \
	X(git_tag_tagger)

static struct {
#define X(f) __typeof__(&f) f;
	FUNCS(X)
#undef X
} G;

static const struct sv_lazy_sym syms[] = {
#define X(f) { #f, (void **)&G.f },
	FUNCS(X)
#undef X
};

static struct sv_lazy_lib lib = SV_LAZY_LIB(SV_SONAME_LIBGIT2, syms);

struct sv_git {
	git_repository *repo;
};

/* Fill e with what libgit2 said about the last failure, after context. */
static int
git_fail(struct sv_err *e, enum sv_status status, const char *context)
{
	const git_error *ge = G.git_error_last();

	return sv_err_set(e, status, "%s: %s", context,
	    ge && ge->message ? ge->message : "unknown libgit2 error");
}

static bool started;

/* Load and start libgit2 on first use. */
static int
start(struct sv_err *e)
{
	if (!started) {
		if (sv_lazy_load(&lib, e) != SV_OK)
			return e->status;
		G.git_libgit2_init();
		started = true;
	}
	return SV_OK;
}

int
sv_git_load(struct sv_err *e)
{
	return start(e);
}

void
sv_git_global_shutdown(void)
{
	if (started)
		G.git_libgit2_shutdown();
	started = false;
}

int
sv_git_open(const char *dir, struct sv_git **out, struct sv_err *e)
{
	const char *gitdir = getenv("GIT_DIR"), *worktree = getenv("GIT_WORK_TREE");
	git_repository *repo = NULL;
	int rc;

	*out = NULL;
	if (start(e) != SV_OK)
		return e->status;
	if (worktree && *worktree && gitdir && *gitdir) {
		/* libgit2 does not implement GIT_WORK_TREE: do what git does. */
		rc = G.git_repository_open_ext(&repo, gitdir,
		    GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
		if (rc == 0 &&
		    G.git_repository_set_workdir(repo, worktree, 0) < 0) {
			G.git_repository_free(repo);
			return git_fail(e, SV_INPUT, "cannot use GIT_WORK_TREE");
		}
	} else {
		/* With a NULL path libgit2 honours GIT_DIR (and, without it,
		 * finds the repository from the current directory as git
		 * does). */
		rc = G.git_repository_open_ext(&repo,
		    strcmp(dir, ".") == 0 ? NULL : dir,
		    GIT_REPOSITORY_OPEN_FROM_ENV, NULL);
	}
	if (rc == GIT_ENOTFOUND) {
		sv_err_set(e, SV_INPUT, "not a git repository: '%s' (or any of "
		    "its parent directories)", dir);
		return sv_err_hint(e, "run it inside a repository or name one "
		    "with -C DIR");
	}
	if (rc < 0)
		return git_fail(e, SV_INPUT, "cannot open repository");
	*out = xmalloc(sizeof(**out));
	(*out)->repo = repo;
	return SV_OK;
}

void
sv_git_free(struct sv_git *g)
{
	if (g == NULL)
		return;
	G.git_repository_free(g->repo);
	free(g);
}

const char *
sv_git_workdir(struct sv_git *g)
{
	return G.git_repository_workdir(g->repo);
}

bool
sv_git_is_shallow(struct sv_git *g)
{
	return G.git_repository_is_shallow(g->repo) == 1;
}

int
sv_git_head(struct sv_git *g, char oid[SV_OID_HEX], struct sv_err *e)
{
	git_object *obj = NULL;
	int rc;

	rc = G.git_revparse_single(&obj, g->repo, "HEAD^{commit}");
	if (rc < 0) {
		if (G.git_repository_head_unborn(g->repo) == 1) {
			sv_err_set(e, SV_INPUT, "HEAD does not point to a commit "
			    "yet (no commits on the current branch)");
			return sv_err_hint(e, "commit something first");
		}
		return git_fail(e, SV_INPUT, "cannot resolve HEAD");
	}
	G.git_oid_tostr(oid, SV_OID_HEX, G.git_object_id(obj));
	G.git_object_free(obj);
	return SV_OK;
}

static int
parse_oid(git_oid *oid, const char *hex, struct sv_err *e)
{
	if (G.git_oid_fromstr(oid, hex) < 0)
		return sv_err_set(e, SV_INPUT, "invalid object id '%s'", hex);
	return SV_OK;
}

int
sv_git_commit_tree(struct sv_git *g, const char *commit,
    char tree[SV_OID_HEX], struct sv_err *e)
{
	git_commit *c = NULL;
	git_oid oid;

	if (parse_oid(&oid, commit, e))
		return e->status;
	if (G.git_commit_lookup(&c, g->repo, &oid) < 0)
		return git_fail(e, SV_INPUT, "cannot read commit");
	G.git_oid_tostr(tree, SV_OID_HEX, G.git_commit_tree_id(c));
	G.git_commit_free(c);
	return SV_OK;
}

struct tag_walk {
	git_repository *repo;
	const char *prefix;
	size_t plen;
	struct sv_git_tag *tags;
	size_t n, alloc;
	struct sv_err *e;
	int status;
};

static int
tag_cb(const char *refname, git_oid *oid, void *data)
{
	struct tag_walk *w = data;
	const char *name = refname + strlen("refs/tags/");
	git_object *obj = NULL, *peeled = NULL;
	struct sv_git_tag *t;

	if (strncmp(name, w->prefix, w->plen) != 0)
		return 0;
	if (G.git_object_lookup(&obj, w->repo, oid, GIT_OBJECT_ANY) < 0)
		goto fail;
	if (G.git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) < 0) {
		/* A tag of a tree or blob is not a release: skip it. */
		G.git_object_free(obj);
		G.git_error_clear();
		return 0;
	}
	xgrow(&w->tags, &w->alloc, w->n + 1, sizeof(*w->tags));
	t = &w->tags[w->n++];
	memset(t, 0, sizeof(*t));
	t->name = xstrdup(name);
	G.git_oid_tostr(t->commit, sizeof(t->commit), G.git_object_id(peeled));
	if (G.git_object_type(obj) == GIT_OBJECT_TAG) {
		const git_tag *tag = (const git_tag *)obj;
		const git_signature *sig = G.git_tag_tagger(tag);
		const char *msg = G.git_tag_message(tag);

		t->annotated = true;
		t->message = xstrdup(msg ? msg : "");
		if (sig != NULL) {
			t->time = sig->when.time;
			t->tz_minutes = sig->when.offset;
		} else {
			const git_commit *c = (const git_commit *)peeled;

			t->time = G.git_commit_time(c);
			t->tz_minutes = G.git_commit_time_offset(c);
		}
	} else {
		const git_commit *c = (const git_commit *)peeled;

		t->time = G.git_commit_time(c);
		t->tz_minutes = G.git_commit_time_offset(c);
	}
	G.git_object_free(peeled);
	G.git_object_free(obj);
	return 0;
fail:
	G.git_object_free(obj);
	w->status = git_fail(w->e, SV_INPUT, "cannot read tag");
	return -1;
}

int
sv_git_list_tags(struct sv_git *g, const char *prefix,
    struct sv_git_tag **tags, size_t *n, struct sv_err *e)
{
	struct tag_walk w = { g->repo, prefix, strlen(prefix), NULL, 0, 0, e,
	    SV_OK };
	int rc;

	rc = G.git_tag_foreach(g->repo, tag_cb, &w);
	if (rc < 0) {
		if (w.status == SV_OK)
			git_fail(e, SV_INPUT, "cannot list tags");
		sv_git_tags_free(w.tags, w.n);
		*tags = NULL;
		*n = 0;
		return e->status;
	}
	*tags = w.tags;
	*n = w.n;
	return SV_OK;
}

void
sv_git_tags_free(struct sv_git_tag *tags, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(tags[i].name);
		free(tags[i].message);
	}
	free(tags);
}

int
sv_git_is_ancestor(struct sv_git *g, const char *anc, const char *desc,
    bool *out, struct sv_err *e)
{
	git_oid a, d;
	int rc;

	if (parse_oid(&a, anc, e) || parse_oid(&d, desc, e))
		return e->status;
	if (G.git_oid_equal(&a, &d)) {
		*out = true;
		return SV_OK;
	}
	rc = G.git_graph_descendant_of(g->repo, &d, &a);
	if (rc < 0)
		return git_fail(e, SV_INPUT, "cannot walk history");
	*out = rc == 1;
	return SV_OK;
}

int
sv_git_count_commits(struct sv_git *g, const char *from, const char *to,
    size_t *out, struct sv_err *e)
{
	git_oid f, t;
	size_t ahead = 0, behind = 0;

	if (parse_oid(&f, from, e) || parse_oid(&t, to, e))
		return e->status;
	if (G.git_graph_ahead_behind(&ahead, &behind, g->repo, &t, &f) < 0)
		return git_fail(e, SV_INPUT, "cannot count commits");
	*out = ahead;
	return SV_OK;
}

int
sv_git_is_dirty(struct sv_git *g, bool *dirty, struct sv_err *e)
{
	git_status_options opts;
	git_status_list *list = NULL;

	if (G.git_repository_is_bare(g->repo)) {
		*dirty = false;
		return SV_OK;
	}
	G.git_status_options_init(&opts, GIT_STATUS_OPTIONS_VERSION);
	opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	opts.flags = GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
	if (G.git_status_list_new(&list, g->repo, &opts) < 0)
		return git_fail(e, SV_INPUT, "cannot read work tree status");
	*dirty = G.git_status_list_entrycount(list) > 0;
	G.git_status_list_free(list);
	return SV_OK;
}

int
sv_git_tag_exists(struct sv_git *g, const char *name, bool *out,
    struct sv_err *e)
{
	git_reference *ref = NULL;
	struct buf full;
	int rc;

	if (start(e) != SV_OK)
		return e->status;
	buf_init(&full);
	buf_addf(&full, "refs/tags/%s", name);
	rc = G.git_reference_lookup(&ref, g->repo, full.s);
	buf_release(&full);
	if (rc == GIT_ENOTFOUND) {
		G.git_error_clear();
		*out = false;
		return SV_OK;
	}
	if (rc < 0)
		return git_fail(e, SV_INPUT, "cannot look up tag");
	G.git_reference_free(ref);
	*out = true;
	return SV_OK;
}

bool
sv_git_tag_name_valid(const char *name)
{
	struct buf full;
	int valid = 0;

	sv_lazy_need(&lib);
	buf_init(&full);
	buf_addf(&full, "refs/tags/%s", name);
	if (G.git_reference_name_is_valid(&valid, full.s) < 0)
		valid = 0;
	buf_release(&full);
	return valid == 1;
}

static int
tagger(git_repository *repo, git_signature **sig, struct sv_err *e)
{
	const char *name = getenv("GIT_COMMITTER_NAME");
	const char *email = getenv("GIT_COMMITTER_EMAIL");

	if (name && *name && email && *email) {
		if (G.git_signature_now(sig, name, email) < 0)
			return git_fail(e, SV_INPUT, "invalid tagger identity");
		return SV_OK;
	}
	if (G.git_signature_default(sig, repo) < 0) {
		sv_err_set(e, SV_INPUT, "cannot create tag: no tagger identity "
		    "(user.name and user.email are not set)");
		return sv_err_hint(e, "git config --global user.name 'Your Name' "
		    "&& git config --global user.email you@example.com");
	}
	return SV_OK;
}

int
sv_git_create_tag(struct sv_git *g, const char *name, const char *commit,
    const char *message, struct sv_err *e)
{
	git_signature *sig = NULL;
	git_object *target = NULL;
	git_oid oid, tag_oid;
	int rc;

	if (parse_oid(&oid, commit, e))
		return e->status;
	if (tagger(g->repo, &sig, e) != SV_OK)
		return e->status;
	if (G.git_object_lookup(&target, g->repo, &oid,
	    GIT_OBJECT_COMMIT) < 0) {
		G.git_signature_free(sig);
		return git_fail(e, SV_INPUT, "cannot find commit to tag");
	}
	rc = G.git_tag_create(&tag_oid, g->repo, name, target, sig, message, 0);
	G.git_object_free(target);
	G.git_signature_free(sig);
	if (rc == GIT_EEXISTS) {
		G.git_error_clear();
		return sv_err_set(e, SV_INPUT, "tag '%s' already exists", name);
	}
	if (rc < 0)
		return git_fail(e, SV_INPUT, "cannot create tag");
	return SV_OK;
}

int
sv_git_config_get(struct sv_git *g, const char *key, char **out,
    struct sv_err *e)
{
	git_config *cfg = NULL;
	git_buf val = { NULL, 0, 0 };
	int rc;

	*out = NULL;
	if (G.git_repository_config_snapshot(&cfg, g->repo) < 0)
		return git_fail(e, SV_INPUT, "cannot read git configuration");
	rc = G.git_config_get_string_buf(&val, cfg, key);
	if (rc == 0)
		*out = xstrdup(val.ptr);
	G.git_buf_dispose(&val);
	G.git_config_free(cfg);
	if (rc == GIT_ENOTFOUND) {
		G.git_error_clear();
		return SV_OK;
	}
	if (rc < 0)
		return git_fail(e, SV_INPUT, "cannot read git configuration");
	return SV_OK;
}

int
sv_git_config_file_foreach(const char *path, sv_git_config_fn fn,
    void *data, struct sv_err *e)
{
	git_config *cfg = NULL;
	git_config_iterator *it = NULL;
	git_config_entry *entry;
	struct stat st;
	int rc, status = SV_OK;

	if (start(e) != SV_OK)
		return e->status;

	if (stat(path, &st) < 0) {
		if (errno == ENOENT)
			return SV_OK;
		return sv_err_set(e, SV_INPUT, "cannot read '%s': %s", path,
		    strerror(errno));
	}
	if (!S_ISREG(st.st_mode))
		return sv_err_set(e, SV_INPUT, "cannot read '%s': not a regular "
		    "file", path);
	if (G.git_config_open_ondisk(&cfg, path) < 0) {
		const git_error *ge = G.git_error_last();
		const char *m = ge && ge->message ? ge->message : "unreadable";
		const char *skip = "failed to parse config file: ";

		if (strncmp(m, skip, strlen(skip)) == 0)
			m += strlen(skip);
		return sv_err_set(e, SV_INPUT, "invalid configuration file "
		    "'%s': %s", path, m);
	}
	if (G.git_config_iterator_new(&it, cfg) < 0) {
		G.git_config_free(cfg);
		return git_fail(e, SV_INPUT, "cannot read configuration file");
	}
	while ((rc = G.git_config_next(&entry, it)) == 0) {
		status = fn(entry->name, entry->value ? entry->value : "", data, e);
		if (status != SV_OK)
			break;
	}
	if (status == SV_OK && rc != GIT_ITEROVER)
		status = git_fail(e, SV_INPUT, "cannot read configuration file");
	G.git_error_clear();
	G.git_config_iterator_free(it);
	G.git_config_free(cfg);
	return status;
}
