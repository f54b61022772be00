/*
 * abstract.h - reading Erlang's abstract format (erl_parse's forms, as a
 * beam's debug info keeps them: otp/beam.h sv_beam_abstract_code).
 *
 * Every node is a tuple {Tag, Anno, ...}: {function, A, Name, Arity,
 * Clauses}, {clause, A, Patterns, Guards, Body}, {match, A, P, E}, {var,
 * A, Name}, {atom, A, Value}, {call, A, F, Args}, ... These helpers look
 * at nodes without copying them; none allocates.
 */
#ifndef SV_OTP_ABSTRACT_H
#define SV_OTP_ABSTRACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "otp/term.h"

/* True if t is a tuple {tag, ...} of n elements (n 0: of any size). */
bool sv_abs_is(const struct sv_term *t, const char *tag, size_t n);

/* True if t is {atom, A, Name} with Name name (any atom if name NULL). */
bool sv_abs_is_atom(const struct sv_term *t, const char *name);

/*
 * What the variable expression x is bound to in body (a clause body:
 * Erlang binds once), followed through variables bound to variables and
 * chains of matches (A = B = Expr); x itself when it is not a variable or
 * not bound there. Borrowed from body or x.
 */
const struct sv_term *sv_abs_resolve(const struct sv_term *x,
    const struct sv_term *body);

/* The function form name/arity among forms (its clauses a list), or
 * NULL. Borrowed from forms. */
const struct sv_term *sv_abs_function(const struct sv_term *forms,
    const char *name, int64_t arity);

#endif
