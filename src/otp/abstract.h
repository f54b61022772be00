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

#include "base/str.h"
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

/* ---- comparing two builds' code ---- */

/* True if a and b are the same code but for annotations (lines,
 * columns): moving a function or editing a comment changes nothing. A
 * binary element's type list ({unit, 8}) is compared whole. */
bool sv_abs_same_code(const struct sv_term *a, const struct sv_term *b);

/* The field list of record name's definition in forms, or NULL. */
const struct sv_term *sv_abs_record(const struct sv_term *forms,
    const char *name);

/* The definition {Name, Type, Vars} of the user type name/arity (type
 * or opaque), or NULL. */
const struct sv_term *sv_abs_type(const struct sv_term *forms,
    const char *name, int64_t arity);

/* True if an -export attribute of forms names name/arity. */
bool sv_abs_exported(const struct sv_term *forms, const char *name,
    int64_t arity);

/* The name of a record field definition (typed or not), or NULL. */
const char *sv_abs_field_name(const struct sv_term *f);

/* Add to out the records ("#name") and user types ("name/arity") named
 * below t. */
void sv_abs_refs(const struct sv_term *t, struct sv_strset *out);

/*
 * Compare the definitions of items (records "#name", types
 * "name/arity") in both builds' forms, items grown first by what they
 * name in either. True if all are the same (those defined in neither,
 * builtin or remote, count as the same); else *what (the caller frees
 * it) says the first difference: a field gained or lost, reordered, a
 * default or type changed, a type changed, an item defined in one build
 * only.
 */
bool sv_abs_items_same(const struct sv_term *of, const struct sv_term *nf,
    struct sv_strset *items, char **what);

/* The remote calls found while walking: "m:f/a", and whether a call's
 * module or function is computed. */
struct sv_abs_calls {
	struct sv_strset remote;
	bool dynamic;
};

/*
 * Compare the function name/arity with the local functions it calls,
 * transitively, in both builds (and the records they use): 0 the same; 1
 * changed, 3 in one build only (*what, the caller's to free, says how);
 * 2 in neither. The remote calls of the new build's functions are added
 * to nc.
 */
int sv_abs_closure_same(const struct sv_term *of, const struct sv_term *nf,
    const char *name, int64_t arity, struct sv_abs_calls *nc, char **what);

#endif
