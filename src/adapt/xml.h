/*
 * xml.h - reading small XML documents (S3's answers) with expat. The one
 * place that includes expat.h.
 */
#ifndef SV_ADAPT_XML_H
#define SV_ADAPT_XML_H

#include <stddef.h>

#include "base/err.h"

/*
 * Parse the len bytes at doc and call fn for every element that holds
 * text only, with its path from the root ("ListBucketResult/Contents/Key",
 * namespaces left out) and its text (entities decoded, NUL-terminated).
 * fn's non-zero return stops the walk and is returned. A document that
 * is not well-formed XML is SV_INPUT, what naming it.
 */
int sv_xml_walk(const char *doc, size_t len, const char *what,
    int (*fn)(const char *path, const char *text, void *data), void *data,
    struct sv_err *e);

#endif
