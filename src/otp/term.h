/*
 * term.h - Erlang terms: a tree, a reader and writer for Erlang's term
 * text (what file:consult/1 reads: .rel, .app, .appup, relup, sys.config)
 * and accessors for the shapes those files use.
 *
 * Terms come from two sources: the text parser below and the external
 * term format decoder (otp/etf.h) used on beam chunks. Both build the
 * same tree.
 *
 * Strings. Erlang has no string type: "ab" is the list [97,98]. The tree
 * keeps a string literal as SV_TERM_STRING (its code points as UTF-8) so
 * that it is written back as a string; sv_term_equal treats a string and
 * the list of the same code points as equal, and "" as equal to [].
 *
 * Ownership: every sv_term is a heap object (sv_term_new and the
 * constructors); a tuple, list or map owns its elements; sv_term_free
 * frees a whole tree.
 */
#ifndef SV_OTP_TERM_H
#define SV_OTP_TERM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

enum sv_term_kind {
	SV_TERM_INT,     /* .i; fits in int64 */
	SV_TERM_BIGINT,  /* .s: decimal digits with an optional leading '-' */
	SV_TERM_FLOAT,   /* .f */
	SV_TERM_ATOM,    /* .s: the name, UTF-8 */
	SV_TERM_STRING,  /* .s: the code points, UTF-8 (a list of integers) */
	SV_TERM_BINARY,  /* .s, .len: the bytes (may hold NULs) */
	SV_TERM_BITSTR,  /* .s, .len, .bits: a bitstring whose last byte has
	                    .bits (1..7) significant bits */
	SV_TERM_TUPLE,   /* .v, .n */
	SV_TERM_LIST,    /* .v, .n, .tail (NULL for a proper list) */
	SV_TERM_MAP,     /* .v, .n: n/2 pairs, key then value */
	SV_TERM_OTHER    /* pid, port, reference, fun from the external
	                    format: .s describes it; never written as text */
};

struct sv_term {
	enum sv_term_kind kind;
	int64_t i;
	double f;
	char *s;               /* NUL-terminated also for binaries */
	size_t len;            /* bytes in s */
	unsigned bits;
	struct sv_term **v;
	size_t n, alloc;
	struct sv_term *tail;  /* improper list tail */
	unsigned line, col;    /* where the text parser found it (1-based),
	                          0 when decoded from the external format */
};

/* ---- construction (all return new heap terms; never NULL) ---- */

struct sv_term *sv_term_new(enum sv_term_kind kind);
struct sv_term *sv_term_int(int64_t i);
struct sv_term *sv_term_atom(const char *name);
/* A string from UTF-8 text. */
struct sv_term *sv_term_string(const char *utf8);
struct sv_term *sv_term_binary(const void *p, size_t len);
/* An empty tuple or proper list; fill it with sv_term_push. */
struct sv_term *sv_term_tuple(void);
struct sv_term *sv_term_list(void);
/* Append child (ownership passes to parent, a tuple, list or map) and
 * return parent, so calls nest. */
struct sv_term *sv_term_push(struct sv_term *parent, struct sv_term *child);
/* A tuple of n children built from the arguments (ownership passes). */
struct sv_term *sv_term_tuplev(size_t n, ...);
/* A deep copy. */
struct sv_term *sv_term_copy(const struct sv_term *t);
/* Free t and everything below it (NULL is allowed). */
void sv_term_free(struct sv_term *t);

/* ---- inspection ---- */

/* Structural equality as Erlang's =:= (strings equal the lists of their
 * code points; 1 and 1.0 differ). */
bool sv_term_equal(const struct sv_term *a, const struct sv_term *b);
/* True if t is the atom name. */
bool sv_term_is_atom(const struct sv_term *t, const char *name);
/* True if t is a proper list (a string or "" counts). */
bool sv_term_is_list(const struct sv_term *t);
/* The text of a string, or of a proper list of code points (valid
 * Unicode), as new UTF-8 in *out; false (and *out NULL) otherwise. */
bool sv_term_text(const struct sv_term *t, char **out);
/* The element count of a proper list (0 for "" and []); a string counts
 * its code points. */
size_t sv_term_list_len(const struct sv_term *t);
/* For a tuple {Key, ...} list (proplist): the first tuple whose first
 * element is the atom key, or NULL. */
const struct sv_term *sv_term_keyfind(const struct sv_term *list,
    const char *key);
/* A short name of the kind for messages: "atom", "tuple", ... */
const char *sv_term_kind_name(enum sv_term_kind kind);

/* ---- text ---- */

/* A sequence of terms read from text, as file:consult/1 reads a file. */
struct sv_terms {
	struct sv_term **v;  /* owned */
	size_t n, alloc;
};

void sv_terms_init(struct sv_terms *ts);
void sv_terms_release(struct sv_terms *ts);

/*
 * Parse text (len bytes) as file:consult/1 does: zero or more terms, each
 * ended by '.' and whitespace or end of input; % comments; a
 * "%% coding: latin-1" (or utf-8) line within the first two lines sets the
 * encoding (UTF-8 by default). Accepts atoms (bare and quoted), strings
 * (adjacent strings concatenate), binaries <<"..">> and <<1,2,"x">>,
 * integers (with Base#digits, $c and escapes, _ separators), floats,
 * tuples, lists (also improper), maps #{K => V}, and unary minus on
 * numbers. name is used in messages, which read
 * "NAME:LINE:COL: expected X, found Y". Appends to ts; on error ts is
 * left as it was.
 *
 * Each term records its line and column (1-based, in characters). A string
 * literal holding the code point 0 becomes a list of integers. Binary
 * segments may be integers or strings with a size and the types integer,
 * signed, unsigned, big, little, unit:N and utf8; other segments (float,
 * binary, utf16, native, expressions) and fun M:F/A are refused as
 * unsupported. Limits: nesting 10000 deep, atoms 255 characters, 10000
 * digits in a Base#digits integer, 16 MiB per binary.
 */
int sv_terms_parse(struct sv_terms *ts, const char *text, size_t len,
    const char *name, struct sv_err *e);

/* Read the file at path (at most max bytes) and parse it. */
int sv_terms_load(struct sv_terms *ts, const char *path, size_t max,
    struct sv_err *e);

/*
 * Write t as Erlang text that file:consult/1 reads back equal to t:
 * atoms quoted when they must be, strings with escapes, binaries as
 * <<"..">> when printable else <<1,2,...>>, floats so they read back
 * exactly. Long tuples and lists break over lines, indented like
 * io:format's ~p (indent is the current column). No final '.'.
 * SV_TERM_OTHER must not occur (it is written as an atom naming it).
 *
 * The text is UTF-8 (the default encoding of file:consult/1): printable
 * non-ASCII characters are written as they are, and binaries of UTF-8
 * text as <<"..."/utf8>>. A float that is not finite (Erlang has none) is
 * written as the atom 'nan', 'inf' or '-inf'.
 */
void sv_term_write(struct buf *out, const struct sv_term *t, int indent);

/* Write t on one line (no breaks). */
void sv_term_write_flat(struct buf *out, const struct sv_term *t);

#endif
