/*
 * relup_int.h - what the parts of the relup translation share (private
 * to src/otp/relup*.c; see relup.h for the interface):
 *
 *   relup.c            vectors, term shapes, errors, appup entries,
 *                      consolidated protocols, one script per base, and
 *                      sv_otp_relup_make
 *   relup_apps.c       the applications as systools_make sees them (.app
 *                      files checked, sorted by their dependencies)
 *   relup_translate.c  high-level instructions expanded and split at
 *                      point_of_no_return; applications into loads and
 *                      application:start/stop calls
 *   relup_check.c      the syntax systools checks (check_op) and the
 *                      pairing of suspend/resume, stop/start
 *   relup_deps.c       the modules linked by DepMods, grouped and ordered
 *                      into suspend/load/code_change/resume blocks
 */
#ifndef SV_OTP_RELUP_INT_H
#define SV_OTP_RELUP_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "otp/relup.h"
#include "otp/term.h"

#define APPUP_MAX (16u << 20)
#define APP_MAX (16u << 20)

/* Names borrowed from terms. */
struct names {
	const char **v;
	size_t n, alloc;
};

/* An instruction and the application whose appup it came from. */
struct item {
	struct sv_term *t;       /* owned */
	const char *origin;      /* borrowed, or NULL */
};

struct script {
	struct item *v;
	size_t n, alloc;
};

struct ctx {
	const struct sv_otp_relup_options *o;
	struct sv_otp_relup *r;
	struct sv_err *e;
	char *otp_root;             /* owned, resolved on first need */
	bool otp_root_tried;
	struct sv_term **owned;     /* .app terms read from the OTP root */
	size_t nowned, owned_alloc;
	char **strs;                /* paths of appup files read */
	size_t nstrs, strs_alloc;
	const char *where;          /* "upgrade from 1.0.0" */
};

struct rapp {
	const char *name, *vsn, *type;  /* borrowed */
	const char *dir;                /* lib/NAME-VSN, borrowed */
	struct names mods, uses, opts, incls, regs;
};

/* A module and the place of its application in systools' order. */
struct modpos {
	const char *module;             /* borrowed from the rapp */
	size_t pos;                     /* in sorted */
};

struct rset {
	const struct sv_otp_release *rel;
	struct rapp *apps;              /* owned, in .rel order */
	size_t n;
	size_t *sorted;                 /* owned: indices, systools' order */
	struct modpos *bymod;           /* owned: every module, by name then
	                                   pos (for lib_of) */
	size_t nbymod;
};

/* relup.c */
void rl_names_push(struct names *ns, const char *s);
bool rl_names_has(const struct names *ns, const char *s);
void rl_names_del(struct names *ns, const char *s);
void rl_names_release(struct names *ns);
void rl_script_push(struct script *s, struct sv_term *t, const char *origin);
void rl_script_release(struct script *s);
void rl_script_append(struct script *dst, struct script *src);
struct sv_term *rl_atom(const char *s);
bool rl_is_tagged(const struct sv_term *t, const char *tag, size_t n);
const char *rl_tag_of(const struct sv_term *t);
bool rl_proper_list(const struct sv_term *t);
size_t rl_list_n(const struct sv_term *t);
bool rl_atom_list(const struct sv_term *t);
char *rl_flat(const struct sv_term *t);
int rl_ierr(struct ctx *c, const struct item *it, const char *why,
    const char *reason);
/* relup_apps.c */
void rl_rset_release(struct rset *s);
struct rapp *rl_rset_find(const struct rset *s, const char *name);
int rl_rset_load(struct ctx *c, struct rset *s,
    const struct sv_otp_release *rel);
/* relup_check.c */
int rl_check_syntax(struct ctx *c, const struct script *s);
void rl_normalize(struct script *s);
size_t rl_elems(const struct sv_term *t, struct sv_term *const **v);
int rl_check_script(struct ctx *c, const struct script *before,
    const struct script *after);
/* relup_translate.c */
bool rl_is_dep_instr(const struct sv_term *t);
struct sv_term *rl_copy(const struct sv_term *t);
int rl_expand_script(struct ctx *c, const struct sv_term *rus,
    const char *origin, struct script *out);
int rl_split_script(struct ctx *c, struct script *s, struct script *before,
    struct script *after);
int rl_translate_apps(struct ctx *c, struct script *after,
    const struct rset *to, const struct rset *from);
/* relup_deps.c */
int rl_translate(struct ctx *c, bool up, struct script *scripts,
    size_t nscripts, const struct rset *to, const struct rset *from,
    struct sv_term **out);

#endif
