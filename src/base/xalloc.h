/*
 * xalloc.h - allocation that never returns NULL.
 *
 * Running out of memory is the one condition smoothver does not try to
 * recover from: these wrappers print a message and abort instead, so the
 * rest of the code never carries NULL checks for allocation.
 */
#ifndef SV_XALLOC_H
#define SV_XALLOC_H

#include <stddef.h>

/* Allocate n bytes (n may be 0). The caller owns the result and frees it. */
void *xmalloc(size_t n);

/* Allocate n zeroed objects of size sz; aborts on overflow of n * sz. */
void *xcalloc(size_t n, size_t sz);

/* Resize p to n bytes. The caller owns the result; p is no longer valid. */
void *xrealloc(void *p, size_t n);

/* Duplicate a NUL-terminated string. The caller owns the copy. */
char *xstrdup(const char *s);

/* Duplicate the first n bytes of s into a NUL-terminated string. */
char *xstrndup(const char *s, size_t n);

/* Grow *arr (holding *alloc elements of size sz) so that it can hold at
 * least need elements. Growth is geometric. */
void xgrow(void *arr, size_t *alloc, size_t need, size_t sz);

/* Free the n strings of v, then v (NULL with n 0 is allowed). */
void sv_strv_free(char **v, size_t n);

/* Append a copy of s to the string vector *v of *n strings. */
void sv_strv_push(char ***v, size_t *n, const char *s);

#endif
