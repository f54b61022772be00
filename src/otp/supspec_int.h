/*
 * supspec_int.h - what supspec.c (Erlang's abstract code) and
 * supspec_ex.c (Elixir's debug info) share. Not for use outside them.
 */
#ifndef SV_OTP_SUPSPEC_INT_H
#define SV_OTP_SUPSPEC_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "otp/supspec.h"
#include "otp/term.h"

#define RESOLVE_DEPTH 32 /* variables bound to variables, at most */

/* Free the n child ids ids[] and the array. */
void ss_free_ids(struct sv_term **ids, size_t n);

/* One clause's child ids (owned, taken) into s: the first clause's are
 * kept (*seen set), a later clause's freed. False if a later clause's
 * differ from the first's. */
bool ss_take_ids(struct sv_otp_supspec *s, struct sv_term **ids, size_t n,
    bool *seen);

/* Drop the ids s holds (the children are not known after all). */
void ss_forget_ids(struct sv_otp_supspec *s);

/* Read a module supervisor's init/1 (or with app an application's
 * start/2) into s from the beam's Elixir debug info (len bytes, name
 * for messages); erl_why says why there was no Erlang abstract code. A
 * beam without it is no error: s->why says why its children are not
 * known. Fails only on a malformed beam. */
int ss_read_elixir(struct sv_otp_supspec *s, const void *beam, size_t len,
    const char *name, bool app, const char *erl_why, struct sv_err *e);

#endif
