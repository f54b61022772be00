/*
 * index.h - the content index of a build tree.
 *
 * An index lists every entry of a directory or a tarball: regular files,
 * directories and symbolic links, by relative path ('/'-separated, as raw
 * bytes: newlines and non-UTF-8 names are kept exactly), sorted by path
 * bytes. Files carry their size and SHA-256; symlinks their target (and
 * the SHA-256 of the target text); modes are normalised (0755 if any
 * execute bit is set, else 0644; directories 0755). Hard links, devices,
 * fifos and sockets are refused: a release has no use for them.
 *
 * diff, pack and verify all build on this one index.
 */
#ifndef SV_INDEX_H
#define SV_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "adapt/sha256.h"
#include "base/err.h"

enum sv_entry_type {
	SV_ENTRY_FILE,
	SV_ENTRY_DIR,
	SV_ENTRY_SYMLINK
};

struct sv_entry {
	char *path;        /* relative path; owned */
	enum sv_entry_type type;
	unsigned mode;     /* 0755 or 0644 */
	uint64_t size;     /* file size; symlink target length; 0 for dirs */
	unsigned char sha256[SV_SHA256_LEN]; /* content or target; 0 for dirs */
	char *target;      /* symlink target, or NULL; owned */
	/* For entries read from a directory: what lstat said when the walk
	 * saw it (used to detect changes and by the hash cache). */
	uint64_t dev, ino;
	int64_t mtime_ns, ctime_ns;
};

struct sv_index {
	struct sv_entry *v; /* sorted by path bytes */
	size_t n, alloc;
	char *root;         /* the directory or tarball indexed; owned */
	bool is_dir;
};

/* Append an entry (path copied; mode 0755, everything else zero) and
 * return it; the index is unsorted until sv_index_sort. */
struct sv_entry *sv_index_add(struct sv_index *idx, const char *path,
    enum sv_entry_type type);

/* Sort the entries by path bytes. */
void sv_index_sort(struct sv_index *idx);

enum sv_path_check { SV_PATH_OK, SV_PATH_ABSOLUTE, SV_PATH_DOTDOT };

/* Clean an archive path into out: "." components and repeated or final
 * slashes dropped ("" for the root itself). Absolute paths and ".."
 * components are refused (out is then undefined). */
struct buf;
enum sv_path_check sv_path_clean(const char *in, struct buf *out);

/* "file", "dir" or "symlink". */
const char *sv_entry_type_name(enum sv_entry_type t);

/* Make idx empty. */
void sv_index_init(struct sv_index *idx);

/* Free everything idx owns and make it empty. */
void sv_index_release(struct sv_index *idx);

/*
 * Index the directory dir (followed if it is itself a symlink) into idx
 * (initialised by the caller). Files are hashed in parallel on every core
 * (SMOOTHVER_THREADS overrides the count), streaming, never whole in
 * memory. A file whose size or mtime differ after hashing is an error
 * naming it; so are unreadable entries, hard links, special files and
 * symlinks that are absolute or lead outside dir.
 */
int sv_index_dir(struct sv_index *idx, const char *dir, struct sv_err *e);

/* Walk dir like sv_index_dir but hash nothing: file digests stay zero
 * (pack hashes while it streams the files). */
int sv_index_walk(struct sv_index *idx, const char *dir, struct sv_err *e);

/*
 * Index a tar archive (.tar, .tar.gz, .tgz, .tar.zst; the compression is
 * detected from the content). Entries with absolute paths or "..",
 * symlinks leading outside the archive, hard links, special files and
 * duplicate paths are errors naming the entry. Directories implied by
 * paths but missing from the archive are added.
 */
int sv_index_tarball(struct sv_index *idx, const char *path, struct sv_err *e);

/* A directory is indexed with sv_index_dir, anything else as a tarball. */
int sv_index_path(struct sv_index *idx, const char *path, struct sv_err *e);

/* True if the open file fd is still what the walk saw for ent: same
 * inode, size and mtime. */
bool sv_entry_unchanged(int fd, const struct sv_entry *ent);

/* Open the file entry ent below rootfd (root names it in messages) and
 * check it is still what the walk saw; "changed while being <doing>"
 * otherwise. The caller closes *fd. */
int sv_entry_open(int rootfd, const char *root, const struct sv_entry *ent,
    const char *doing, int *fd, struct sv_err *e);

/* Number of worker threads to use: SMOOTHVER_THREADS if set (1..64),
 * else the number of online CPUs (at most 64). */
int sv_threads(void);

struct sv_json;

/* An entry as a JSON object, keys in byte order (the manifest's canonical
 * form): mode ("0644"), path (only if with_path), sha256 (hex, null for
 * directories), size, target (symlinks only), type. The caller owns it. */
struct sv_json *sv_entry_to_json(const struct sv_entry *ent, bool with_path);

/* Test hook (see index.c): with SMOOTHVER_TEST_CHANGE=path, append a
 * byte to that file as if another process wrote it. */
void sv_test_change_hook(int rootfd, const char *path);

/* True if the symlink at path with this target stays inside the tree
 * (relative, and never climbing above the root). */
bool sv_symlink_inside(const char *path, const char *target);

#endif
