/*
 * quote.h - paths in human-readable output.
 */
#ifndef SV_QUOTE_H
#define SV_QUOTE_H

#include "base/buf.h"

/* Append path to out as git shows paths: unchanged if it holds only
 * printable characters, else in double quotes with C escapes (\n, \t,
 * \", \\, and \ooo octal for control bytes and bytes that are not UTF-8),
 * so that one entry is always one line. */
void sv_quote_path(struct buf *out, const char *path);

/* sv_quote_path's form of path as a new string, for messages (the
 * caller frees it): a name from an archive never carries control bytes
 * to the terminal. */
char *sv_quote_dup(const char *path);

#endif
