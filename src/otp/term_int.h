/*
 * term_int.h - what the parts of the Erlang term text reader and writer
 * share (private to src/otp/term_*.c; see term.h for the interface):
 *
 *   term_text.c   text preparation (encoding), the recursive descent
 *                 parser, sv_terms_parse and sv_terms_load
 *   term_bits.c   the bit syntax: << Segment, ... >>
 *   term_scan.c   the scanner: erl_scan's tokens
 *   term_write.c  the writer: terms as text file:consult/1 reads back
 */
#ifndef SV_OTP_TERM_INT_H
#define SV_OTP_TERM_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "otp/term.h"

#define MAX_ATOM_CHARS 255      /* file:consult refuses longer atoms */
#define MAX_RADIX_DIGITS 10000  /* digits of a Base#digits bigint */
enum tok_kind {
	T_EOF,     /* end of input */
	T_END,     /* '.' followed by whitespace, '%' or end of input */
	T_PUNCT,   /* .punct: "{", "=>", "<<", or any other character */
	T_ATOM,    /* .text */
	T_VAR,     /* .text */
	T_STRING,  /* .text (code points as UTF-8), .nul */
	T_CHAR,    /* .i */
	T_INT,     /* .i */
	T_BIGINT,  /* .text: decimal digits */
	T_FLOAT    /* .f */
};

struct token {
	enum tok_kind kind;
	unsigned line, col;
	const char *src;       /* the token's text in the input */
	size_t srclen;
	char punct[8];
	bool reserved;         /* an unquoted reserved word */
	bool quoted;           /* a quoted atom */
	bool nul;              /* a string holding the code point 0 */
	int64_t i;
	double f;
	struct buf text;
};

struct parser {
	const char *name;
	const char *p, *end;   /* valid UTF-8 */
	unsigned line, col;
	struct token tok;
	struct sv_err *e;
};

/* term_scan.c */
int tt_fail(struct parser *ps, unsigned line, unsigned col,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
bool tt_is_unicode(long c);
bool tt_is_reserved(const char *s);
int tt_next(struct parser *ps);
bool tt_is_punct(const struct parser *ps, const char *s);
const char *tt_describe(const struct parser *ps, char *tmp, size_t n);
int tt_expected(struct parser *ps, const char *what);

/* term_text.c: the parser's pieces the bit syntax uses */
/* A new term of kind at line:col. */
struct sv_term *tt_new_at(enum sv_term_kind kind, unsigned line,
    unsigned col);
/* t's bytes: a copy of p[0..len). */
void tt_set_bytes(struct sv_term *t, const char *p, size_t len);
/* The number in the current token (T_CHAR, T_INT, T_BIGINT, T_FLOAT). */
struct sv_term *tt_number_term(const struct parser *ps, unsigned line,
    unsigned col);
/* Whether the current token is a number. */
bool tt_is_number_token(const struct parser *ps);
/* A signed number: '-' or '+' (the current token) applied to a number. */
int tt_parse_signed(struct parser *ps, struct sv_term **out);
/* The current string token and any adjacent ones, as one string in
 * *text; *nul is set if a NUL code point occurs. */
int tt_take_strings(struct parser *ps, struct buf *text, bool *nul);

/* term_bits.c: a binary, the current token being "<<". */
int tt_parse_binary(struct parser *ps, struct sv_term **out);

#endif
