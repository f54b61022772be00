/*
 * gc.h - removing what no kept release needs from a store.
 *
 * Kept: every version, or with a keep count the newest N versions of each
 * release and always the one its latest pointer names, with their delta
 * packages. Removed: the records (and compatibility copies, and delta
 * records) of the others, delta records of versions without a record
 * that are older than an hour, then every blob that
 * no kept record references (packages and manifests of removed versions,
 * uploads of publishes that failed), and temporary files older than an
 * hour. It all runs under the store's lock, records before blobs, so an
 * interrupted gc leaves no record naming a missing blob.
 */
#ifndef SV_GC_H
#define SV_GC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct sv_gc_request {
	bool keep_set;     /* keep only the newest keep versions */
	size_t keep;
	bool dry_run;      /* say what would go, remove nothing */
};

enum sv_gc_kind { SV_GC_RECORD, SV_GC_COPY, SV_GC_BLOB };

struct sv_gc_item {
	enum sv_gc_kind kind;
	char *key;         /* owned */
	char *release;     /* NAME@VERSION for records and copies; owned */
	uint64_t size;
};

struct sv_gc_result {
	struct sv_gc_item *v;  /* in the order of removal */
	size_t n, alloc;
	size_t kept_versions, kept_blobs, tmp_removed;
	uint64_t bytes;        /* removed (or that would be) */
};

void sv_gc_result_init(struct sv_gc_result *r);
void sv_gc_result_release(struct sv_gc_result *r);

/* Collect the garbage of store s. A damaged store (a pointer without a
 * record, a record that cannot be read) is SV_INPUT and nothing is
 * removed. */
int sv_gc(struct sv_store *s, const struct sv_gc_request *req,
    struct sv_gc_result *r, struct sv_err *e);

#endif
