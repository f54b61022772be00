/*
 * etf_int.h - what the two halves of the external term decoder share:
 * etf.c (terms and their nesting, the public entry points) and
 * etf_leaf.c (atoms, integers, floats, pids, ports, references, exports
 * and fun heads). Not for use outside them.
 */
#ifndef SV_OTP_ETF_INT_H
#define SV_OTP_ETF_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "otp/term.h"

enum {
	T_VERSION = 131,
	T_NEW_FLOAT = 70,
	T_BIT_BINARY = 77,
	T_COMPRESSED = 80,
	T_NEW_PID = 88,
	T_NEW_PORT = 89,
	T_NEWER_REFERENCE = 90,
	T_SMALL_INTEGER = 97,
	T_INTEGER = 98,
	T_FLOAT = 99,
	T_ATOM = 100,
	T_REFERENCE = 101,
	T_PORT = 102,
	T_PID = 103,
	T_SMALL_TUPLE = 104,
	T_LARGE_TUPLE = 105,
	T_NIL = 106,
	T_STRING = 107,
	T_LIST = 108,
	T_BINARY = 109,
	T_SMALL_BIG = 110,
	T_LARGE_BIG = 111,
	T_NEW_FUN = 112,
	T_EXPORT = 113,
	T_NEW_REFERENCE = 114,
	T_SMALL_ATOM = 115,
	T_MAP = 116,
	T_FUN = 117,
	T_ATOM_UTF8 = 118,
	T_SMALL_ATOM_UTF8 = 119,
	T_V4_PORT = 120
};

#define FLOAT_EXT_LEN 31
#define ATOM_MAX_CHARS 255

struct dec {
	const unsigned char *p;
	size_t len, pos;
	const char *name;
	const char *where;  /* "" or " of the inflated term" */
	unsigned levels;    /* containers enclosed in this many are skipped */
	struct sv_err *e;
};

/* Fail at the current position: "NAME: bad external term at byte N: MSG"
 * into d->e; returns SV_INPUT. */
int etf_fail(struct dec *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Bytes left; whether n are (else the error); reading big-endian
 * integers that need() has checked are there. */
static inline size_t
left(const struct dec *d)
{
	return d->len - d->pos;
}

static inline int
need(struct dec *d, size_t n)
{
	if (left(d) < n)
		return etf_fail(d, "truncated: %zu bytes needed, %zu left", n,
		    left(d));
	return SV_OK;
}

static inline unsigned
get8(struct dec *d)
{
	return d->p[d->pos++];
}

static inline uint32_t
get16(struct dec *d)
{
	uint32_t v = (uint32_t)d->p[d->pos] << 8 | d->p[d->pos + 1];

	d->pos += 2;
	return v;
}

static inline uint32_t
get32(struct dec *d)
{
	const unsigned char *s = d->p + d->pos;

	d->pos += 4;
	return (uint32_t)s[0] << 24 | (uint32_t)s[1] << 16 |
	    (uint32_t)s[2] << 8 | s[3];
}

static inline uint64_t
get64(struct dec *d)
{
	uint64_t hi = get32(d);

	return hi << 32 | get32(d);
}

/* Whether tag is one of the four atom tags. */
bool etf_is_atom_tag(unsigned tag);

/* An atom whose tag was just read: checked, and its name appended to out
 * as UTF-8 unless out is NULL. */
int etf_atom_body(struct dec *d, unsigned tag, struct buf *out);

/* A whole atom term (tag included), as for a node or module name. */
int etf_atom_term(struct dec *d, struct buf *out);

/* A small integer term (SMALL_INTEGER_EXT or INTEGER_EXT), as inside
 * funs. */
int etf_int_term(struct dec *d, int64_t *v);

/* Pid, port and reference bodies (tag read); a description into out
 * unless NULL. */
int etf_pid_body(struct dec *d, unsigned tag, struct buf *out);

/* The same for a port and a reference. */
int etf_port_body(struct dec *d, unsigned tag, struct buf *out);
int etf_ref_body(struct dec *d, unsigned tag, struct buf *out);

/* EXPORT_EXT (tag read): Module, Function (atoms), Arity (small
 * integer). */
int etf_export_body(struct dec *d, struct buf *out);

/*
 * The head of a fun (tag read): everything but its free variables, whose
 * number goes to *nfree. For NEW_FUN_EXT *end is where its Size says the
 * fun ends (the caller checks it after the free variables); for FUN_EXT
 * it is 0.
 */
int etf_fun_head(struct dec *d, unsigned tag, struct buf *out, uint32_t *nfree,
    size_t *end);

/* FLOAT_EXT (tag read; 31 bytes of text) and NEW_FLOAT_EXT (8 bytes,
 * IEEE 754): a finite double into *f. */
int etf_float_ext(struct dec *d, double *f);
int etf_new_float(struct dec *d, double *f);

/* The header of a big integer (tag read): its magnitude's length and
 * sign; the magnitude starts at d->pos. */
int etf_big_head(struct dec *d, unsigned tag, size_t *n, bool *neg);

/* A big integer's value: an int64 if it fits, else decimal text. mag
 * holds n bytes, least significant first. */
struct sv_term *etf_big_term(const unsigned char *mag, size_t n, bool neg);

/* A term kept as its description (a pid, a fun...): takes text over. */
struct sv_term *etf_other_term(struct buf *text);

/* What sv_etf_decode_shallow puts for a term it leaves out: "...". */
struct sv_term *etf_elided(void);

#endif
