/*
 * git.h - the repository operations smoothver needs, over libgit2.
 *
 * This adapter is the only place that includes git2.h. Object ids cross
 * the boundary as 40-character hex strings (NUL-terminated, char[41]).
 * Every function returns an sv_status and fills e on failure.
 *
 * libgit2 is not linked but loaded on first use (adapt/lazy.h). If it
 * cannot be loaded, the functions that start it (sv_git_open,
 * sv_git_tag_exists, sv_git_config_file_foreach) fail with SV_INPUT:
 * "cannot load libgit2.so.N: REASON".
 */
#ifndef SV_ADAPT_GIT_H
#define SV_ADAPT_GIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define SV_OID_HEX 41

struct sv_git; /* an open repository; opaque */

/* Stop libgit2 if anything started it (once per process, at the end).
 * libgit2 is loaded and started on first use (sv_git_open,
 * sv_git_tag_exists, sv_git_config_file_foreach): commands that never
 * touch git do not pay for loading it nor for its initialisation (which
 * loads TLS certificates). */
void sv_git_global_shutdown(void);

/* Load and start libgit2 now, if not yet: SV_INPUT naming the library
 * when it cannot be loaded. */
int sv_git_load(struct sv_err *e);

/* Find and open the repository containing dir, as git does (honouring
 * GIT_DIR and GIT_CEILING_DIRECTORIES). On success *out is owned by the
 * caller and freed with sv_git_free. Not a repository: SV_INPUT. */
int sv_git_open(const char *dir, struct sv_git **out, struct sv_err *e);

/* Close a repository opened by sv_git_open (NULL is allowed). */
void sv_git_free(struct sv_git *g);

/* The work tree's top directory with a trailing '/', or NULL if bare.
 * Owned by g. */
const char *sv_git_workdir(struct sv_git *g);

/* True if the repository is a shallow clone. */
bool sv_git_is_shallow(struct sv_git *g);

/* The tree id of commit (hex in, hex out). */
int sv_git_commit_tree(struct sv_git *g, const char *commit,
    char tree[SV_OID_HEX], struct sv_err *e);

/* Resolve HEAD to a commit id. An unborn branch is SV_INPUT. */
int sv_git_head(struct sv_git *g, char oid[SV_OID_HEX], struct sv_err *e);

struct sv_git_tag {
	char *name;              /* tag name without refs/tags/; owned */
	char commit[SV_OID_HEX]; /* the commit it points to (peeled) */
	int64_t time;            /* tagger time, or the commit's time for a
	                            lightweight tag (seconds since the epoch) */
	int tz_minutes;          /* offset from UTC of that time */
	bool annotated;
	char *message;           /* annotated tag message, or NULL; owned */
};

/* List the tags whose names begin with prefix ("" for all) and that point
 * (after peeling) at a commit. *tags is owned by the caller and freed with
 * sv_git_tags_free. */
int sv_git_list_tags(struct sv_git *g, const char *prefix,
    struct sv_git_tag **tags, size_t *n, struct sv_err *e);

/* Free an array returned by sv_git_list_tags. */
void sv_git_tags_free(struct sv_git_tag *tags, size_t n);

/* *out = true if commit anc is desc or one of its ancestors. */
int sv_git_is_ancestor(struct sv_git *g, const char *anc, const char *desc,
    bool *out, struct sv_err *e);

/* *out = number of commits reachable from to but not from from. */
int sv_git_count_commits(struct sv_git *g, const char *from, const char *to,
    size_t *out, struct sv_err *e);

/* *dirty = true if tracked files differ from HEAD in the index or the
 * work tree (untracked files do not count, as with git describe --dirty). */
int sv_git_is_dirty(struct sv_git *g, bool *dirty, struct sv_err *e);

/* *out = true if refs/tags/name exists. */
int sv_git_tag_exists(struct sv_git *g, const char *name, bool *out,
    struct sv_err *e);

/* True if name is acceptable as a tag name. Loads libgit2 if nothing did
 * yet (without starting it); if it cannot be loaded, prints "smoothver:
 * fatal: cannot load libgit2.so.N: REASON" and aborts. */
bool sv_git_tag_name_valid(const char *name);

/* Create the annotated tag refs/tags/name on commit with message (never
 * overwriting). The tagger is GIT_COMMITTER_NAME/GIT_COMMITTER_EMAIL from
 * the environment, else user.name/user.email from git's configuration. */
int sv_git_create_tag(struct sv_git *g, const char *name, const char *commit,
    const char *message, struct sv_err *e);

/* Look key up in the repository's git configuration (all levels). *out is
 * a new string owned by the caller, or NULL if the key is not set. */
int sv_git_config_get(struct sv_git *g, const char *key, char **out,
    struct sv_err *e);

/* Called once per entry of a configuration file; a non-OK return stops the
 * walk and is passed on. name is lowercase except for subsections. */
typedef int (*sv_git_config_fn)(const char *name, const char *value,
    void *data, struct sv_err *e);

/* Read path as a file in git-config syntax and call fn for every entry in
 * order. A missing file is no error (fn is never called). Syntax errors
 * are SV_INPUT naming the file and line. */
int sv_git_config_file_foreach(const char *path, sv_git_config_fn fn,
    void *data, struct sv_err *e);

#endif
