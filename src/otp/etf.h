/*
 * etf.h - decoding Erlang's external term format (term_to_binary/1), as
 * found in the Attr, CInf and Dbgi chunks of beam files.
 */
#ifndef SV_OTP_ETF_H
#define SV_OTP_ETF_H

#include <stddef.h>

#include "base/err.h"
#include "otp/term.h"

/*
 * Decode one term from data (len bytes, starting with the version byte
 * 131; a compressed term, tag 80, is inflated with a size limit). The
 * whole input must be consumed. Pids, ports, references and funs become
 * SV_TERM_OTHER. On success *out is a new tree owned by the caller. Bad
 * input is SV_INPUT, the message naming name and the byte offset.
 */
int sv_etf_decode(const void *data, size_t len, const char *name,
    struct sv_term **out, struct sv_err *e);

#endif
