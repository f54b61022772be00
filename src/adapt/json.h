/*
 * json.h - building and reading JSON documents, over cJSON.
 *
 * This adapter is the only place that includes cjson/cJSON.h. A document
 * is a tree of struct sv_json nodes; adding a child to an object or array
 * hands its ownership to the parent, so only the root is freed.
 */
#ifndef SV_ADAPT_JSON_H
#define SV_ADAPT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sv_json; /* opaque */

/* New empty object / array; the caller owns it (or adds it to a parent). */
struct sv_json *sv_json_object(void);
struct sv_json *sv_json_array(void);

/* Set key in object o. A NULL string is written as null. */
void sv_json_set_str(struct sv_json *o, const char *key, const char *val);
void sv_json_set_int(struct sv_json *o, const char *key, int64_t val);
/* A number that need not be whole (not for canonical documents, whose
 * numbers are integers). */
void sv_json_set_num(struct sv_json *o, const char *key, double val);
void sv_json_set_bool(struct sv_json *o, const char *key, bool val);
void sv_json_set_null(struct sv_json *o, const char *key);

/* Set key in o to the byte string s (NUL-terminated). Valid UTF-8 is
 * written as usual; a string that is not valid UTF-8 keeps every byte:
 * each byte that is not part of a valid sequence is written as the escape
 * \udcXX (XX its value), the "surrogateescape" convention, so the bytes
 * can be recovered exactly. s NULL sets null. */
void sv_json_set_bytes(struct sv_json *o, const char *key, const char *s);

/* True if s is valid UTF-8 (no overlongs, surrogates or values past
 * U+10FFFF). */
bool sv_utf8_valid(const char *s);

/* A new string value (UTF-8 text); the caller owns it. */
struct sv_json *sv_json_string(const char *s);

/* Set key in o to child; o takes ownership of child. */
void sv_json_set(struct sv_json *o, const char *key, struct sv_json *child);

/* Append child (owned by a from now on) to array a. */
void sv_json_push(struct sv_json *a, struct sv_json *child);

/* Serialise j on one line, without a trailing newline. The caller frees
 * the result. */
char *sv_json_print(const struct sv_json *j);

/* Free a root node and everything below it (NULL is allowed). */
void sv_json_free(struct sv_json *j);

/*
 * Reading. sv_json_parse reads one JSON document of n bytes (the \udcXX
 * escapes that sv_json_set_bytes writes become their raw bytes again) and
 * gives the caller a root to free with sv_json_free; NULL if the text is
 * not JSON (or has anything but white space after the document).
 * The getters below return NULL (or false) when the node is missing or
 * of another type, so lookups chain without checks in between; strings
 * they return belong to the document.
 */
struct sv_json *sv_json_parse(const char *text, size_t n);

/*
 * sv_json_parse for documents smoothver itself writes canonically
 * (manifests, store records): besides being JSON, the text must be valid
 * UTF-8, no string may hold U+0000 (\u0000), no object may repeat a key,
 * and numbers must be whole (no fraction, no exponent). NULL if any of
 * this fails, with *why (if not NULL) set to a static description of the
 * first problem ("not valid JSON", "a key repeats in an object: 'k'"
 * with the key in keybuf, ...). keybuf (keylen bytes, may be 0) receives
 * the repeated key, cut to fit.
 */
struct sv_json *sv_json_parse_canonical(const char *text, size_t n,
    const char **why, char *keybuf, size_t keylen);
struct sv_json *sv_json_get(const struct sv_json *o, const char *key);
const char *sv_json_str(const struct sv_json *j);
bool sv_json_is_null(const struct sv_json *j);
/* A whole number in [0, 2^53] into *out; false otherwise. */
bool sv_json_uint(const struct sv_json *j, uint64_t *out);
/* True if j is an array. Its elements: for (c = sv_json_first(a); c;
 * c = sv_json_next(c)) (NULL for anything but a non-empty array). */
bool sv_json_is_array(const struct sv_json *j);
/* A boolean node, and its value (false for anything but true). */
bool sv_json_is_bool(const struct sv_json *j);
bool sv_json_bool(const struct sv_json *j);
struct sv_json *sv_json_first(const struct sv_json *a);
struct sv_json *sv_json_next(const struct sv_json *j);

#endif
