/*
 * index_int.h - what index.c and walk.c share; not for other modules.
 */
#ifndef SV_CORE_INDEX_INT_H
#define SV_CORE_INDEX_INT_H

#include "core/index.h"

/*
 * Walk the directory dir into idx (its root set; sorted by path), each
 * entry lstat'ed and nothing read; skip (may be NULL) leaves entries out
 * and is called from several threads at once. *rootfd_out receives an
 * open descriptor of dir that the caller closes (-1 on failure).
 */
int sv_walk_root(struct sv_index *idx, const char *dir,
    sv_index_skip_fn *skip, void *skip_ctx, int *rootfd_out,
    struct sv_err *e);

#endif
