/*
 * beam.h - reading compiled Erlang modules (.beam files).
 *
 * A beam is an IFF container ("FOR1", size, "BEAM", then chunks), or the
 * same gzip-compressed (releases may ship compressed beams). This reader
 * takes what smoothver needs to plan an upgrade, and nothing needs debug
 * info: the module name, exports, the modules it calls, its behaviours,
 * its -vsn, and the code md5 exactly as beam_lib:md5/1 computes it (MD5
 * of the chunks Atom, AtU8, Code, StrT, ImpT, ExpT, FunT, LitT, Meta, in
 * that order, with the last four bytes of each FunT entry zeroed): a
 * module has changed when that md5 differs, not when its line table or
 * debug info does.
 */
#ifndef SV_OTP_BEAM_H
#define SV_OTP_BEAM_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "otp/term.h"

#define SV_BEAM_MAX (256u << 20) /* larger beams are refused */

struct sv_beam_export {
	char *name;       /* owned */
	unsigned arity;
};

struct sv_beam {
	char *module;               /* owned; atom 1 */
	unsigned char md5[16];      /* beam_lib:md5/1, if has_md5 */
	bool has_md5;               /* false if read with SV_BEAM_NO_MD5 */
	struct sv_beam_export *exports; /* owned, in table order */
	size_t nexports;
	char **imports;             /* owned: the distinct modules called
	                               (ImpT), sorted, the module itself and
	                               erlang excluded */
	size_t nimports;
	char **behaviours;          /* owned: -behaviour and -behavior
	                               attributes, in order, duplicates
	                               removed; Elixir's GenServer,
	                               Supervisor, Application and
	                               GenEvent by their OTP names */
	size_t nbehaviours;
	struct sv_term *attributes; /* owned: the Attr chunk (a list of
	                               {Name, Value}), or NULL if absent */
	bool loads_nif;             /* imports erlang:load_nif/2 */
};

/* Make b empty. */
void sv_beam_init(struct sv_beam *b);

/* Free what b owns and make it empty. */
void sv_beam_release(struct sv_beam *b);

/*
 * Read a beam from memory (len bytes; gzip-compressed allowed). name is
 * used in messages ("NAME: not a beam file: ..."). Malformed input is
 * SV_INPUT. b must be empty.
 */
int sv_beam_read(struct sv_beam *b, const void *data, size_t len,
    const char *name, struct sv_err *e);

#define SV_BEAM_NO_MD5 1u /* skip the md5 (has_md5 stays false): for a
                            module already known to have changed */

/* sv_beam_read with flags (SV_BEAM_NO_MD5 or 0); the structure is
 * checked all the same. */
int sv_beam_read_flags(struct sv_beam *b, const void *data, size_t len,
    const char *name, unsigned flags, struct sv_err *e);

/* Read the beam file at path. */
int sv_beam_load(struct sv_beam *b, const char *path, struct sv_err *e);

struct buf;

/*
 * What a plan needs of a beam (module, exports, imports, behaviours,
 * loads_nif; not the md5 nor the attributes), as NUL-terminated fields
 * appended to out, for a cache; sv_beam_summary_get reads them back into
 * the empty b from *p (advanced past them; the bytes up to end), false if
 * they are not such fields (b is then empty).
 */
void sv_beam_summary_put(const struct sv_beam *b, struct buf *out);
bool sv_beam_summary_get(struct sv_beam *b, const char **p, const char *end);

/*
 * The abstract code of the beam at data (len bytes, gzip allowed), from
 * its Dbgi chunk (or the Abst chunk of older compilers): *debug is the
 * decoded debug info, owned by the caller, and *forms (borrowed from it)
 * the module's forms as erl_parse writes them ({attribute, ...},
 * {function, Anno, Name, Arity, Clauses}, ...). When the beam has none,
 * both are NULL and *why says why: stripped (relx's prod mode, no Dbgi
 * chunk), compiled without debug_info, or debug info of another backend
 * (Elixir's). A malformed beam or chunk is SV_INPUT naming name.
 */
int sv_beam_abstract_code(const void *data, size_t len, const char *name,
    struct sv_term **debug, const struct sv_term **forms, const char **why,
    struct sv_err *e);

/*
 * What Elixir keeps of a module in its Dbgi chunk ({debug_info_v1,
 * elixir_erl, {elixir_v1, Info, Specs}}): *debug is the decoded debug
 * info, owned by the caller, and *info (borrowed from it) the map Info,
 * whose module key names the module and whose definitions key lists
 * {{Name, Arity}, Kind, Meta, Clauses}, each clause {Meta, Args, Guards,
 * Body} in Elixir's expanded AST. A beam without debug info, or not
 * Elixir's, leaves both NULL and says why in *why. A malformed beam or
 * chunk is SV_INPUT naming name.
 */
int sv_beam_elixir_info(const void *data, size_t len, const char *name,
    struct sv_term **debug, const struct sv_term **info, const char **why,
    struct sv_err *e);

/* True if the module exports name/arity. */
bool sv_beam_exports(const struct sv_beam *b, const char *name,
    unsigned arity);

/* True if the module declares the behaviour (either spelling). */
bool sv_beam_has_behaviour(const struct sv_beam *b, const char *behaviour);

/* The md5 as 32 lowercase hex digits into hex (33 bytes with the NUL). */
void sv_beam_md5_hex(const struct sv_beam *b, char hex[33]);

#endif
