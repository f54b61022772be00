/*
 * etf.h - decoding Erlang's external term format (term_to_binary/1), as
 * found in the Attr, CInf and Dbgi chunks of beam files.
 */
#ifndef SV_OTP_ETF_H
#define SV_OTP_ETF_H

#include <stddef.h>

#include "base/err.h"
#include "otp/term.h"

/* Limits on untrusted input. Terms nested deeper than SV_ETF_MAX_DEPTH
 * (tuples, lists, maps within each other) and integers of more than
 * SV_ETF_MAX_BIG bytes (about 19700 decimal digits) are refused by
 * sv_etf_decode; a compressed term may inflate to SV_ETF_MAX_INFLATE
 * bytes at most. */
#define SV_ETF_MAX_DEPTH 1000u
#define SV_ETF_MAX_BIG 8192u
#define SV_ETF_MAX_INFLATE (256u << 20)

/*
 * Decode one term from data (len bytes, starting with the version byte
 * 131; a compressed term, tag 80, is inflated with a size limit). The
 * whole input must be consumed. Pids, ports, references and funs become
 * SV_TERM_OTHER, their text "#Pid<Node.Id.Serial.Creation>",
 * "#Port<Node.Id.Creation>", "#Ref<Node.Creation.Id...>", "fun M:F/A"
 * or "#Fun<Module.Index.Uniq>" (a fun's free variables are checked and
 * dropped). Atoms and strings become UTF-8 (latin-1 ones converted); a
 * bitstring whose last byte is full is a binary. On success *out is a new
 * tree owned by the caller. Bad input is SV_INPUT, the message naming
 * name and the byte offset.
 */
int sv_etf_decode(const void *data, size_t len, const char *name,
    struct sv_term **out, struct sv_err *e);

/*
 * As sv_etf_decode, but only the outer levels of the term become a tree:
 * a tuple, list or map enclosed in `levels` or more tuples, lists or maps
 * is checked (as strictly, without recursion, so neither its depth nor
 * its integers' size is limited) and stands in the tree as an
 * SV_TERM_OTHER whose text is "...". For a quick look at large terms
 * such as debug info: with levels 2, {a, {b, [c]}, [d]} becomes
 * {a, {b, ...}, [d]}; with levels 0 the whole term is "..." if it is a
 * tuple, list or map. A string (STRING_EXT) is not a list here: it is
 * always decoded.
 */
int sv_etf_decode_shallow(const void *data, size_t len, unsigned levels,
    const char *name, struct sv_term **out, struct sv_err *e);

#endif
