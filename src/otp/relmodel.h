/*
 * relmodel.h - an OTP release as smoothver reads it from a release root.
 *
 * A release root is what rebar3/relx, mix release or systools lay out:
 * lib/APP-VSN/ebin/{APP.app,*.beam}, releases/VSN/NAME.rel and
 * releases/start_erl.data. One root may hold several versions (rebar3
 * leaves the previous one in place when it builds the next); the version
 * is then chosen explicitly.
 *
 * The model holds the release (name, version, ERTS version), its
 * applications in .rel order, and each application's modules as its .app
 * lists them. Beams are read lazily (sv_otp_module_beam), because most of
 * a release does not change between two builds.
 */
#ifndef SV_OTP_RELMODEL_H
#define SV_OTP_RELMODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "otp/beam.h"
#include "otp/term.h"

struct sv_otp_module {
	char *name;          /* owned */
	char *path;          /* owned: the beam file */
	bool loaded;         /* beam has been read */
	struct sv_beam *beam;/* owned: the beam once loaded, else NULL (most
	                        modules are never read: 100 bytes each for
	                        thousands of them is a warm run's page
	                        faults) */
};

struct sv_otp_app {
	char *name, *vsn;        /* owned */
	char *type;              /* owned: the .rel start type, NULL if none
	                            given (permanent) */
	char *dir;               /* owned: ROOT/lib/NAME-VSN */
	bool present;            /* dir exists (relx may leave OTP's own
	                            applications out of lib/) */
	struct sv_term *resource;/* owned: the {application, ...} term of
	                            ebin/NAME.app, NULL if not present */
	struct sv_otp_module *mods; /* owned, sorted by name */
	size_t nmods;
	char *appup_path;        /* owned: ebin/NAME.appup */
};

struct sv_otp_release {
	char *root;              /* owned: as given */
	bool transient;          /* root is a temporary extraction (nothing
	                            about it is worth caching) */
	char *name, *vsn, *erts; /* owned */
	char *rel_path;          /* owned: releases/VSN/NAME.rel */
	struct sv_otp_app *apps; /* owned, in .rel order */
	size_t napps;
	char *protocols_dir;     /* owned: releases/VSN/consolidated, where
	                            a mix release keeps Elixir's consolidated
	                            protocols (its boot script puts it first
	                            in the code path), or NULL without one */
	struct sv_otp_module *protocols; /* owned: its beams, by name */
	size_t nprotocols;
};

/* Make r empty. */
void sv_otp_release_init(struct sv_otp_release *r);

/* Free what r owns and make it empty. */
void sv_otp_release_release(struct sv_otp_release *r);

/*
 * Read the release in the root directory root: version vsn, or (vsn NULL)
 * the one releases/start_erl.data names (or the only one there is).
 * Parses the .rel and the .app of every application present; a .rel or
 * .app that is not what OTP expects is SV_INPUT naming the file and what
 * was expected. A root without releases/ is SV_INPUT ("not an OTP release
 * root").
 */
int sv_otp_release_load(struct sv_otp_release *r, const char *root,
    const char *vsn, struct sv_err *e);

/*
 * Fail (SV_INPUT, with a hint) if an application directory of r, a
 * release root read by sv_otp_release_load, is a symlink that leads out
 * of the root, as in a release rebar3 assembles in dev mode: what is
 * walked, digested or packed must be the root's own. SV_OK otherwise (a
 * package extracted to a temporary root included).
 */
int sv_otp_release_self_contained(const struct sv_otp_release *r,
    struct sv_err *e);

/* The application called name, or NULL. */
struct sv_otp_app *sv_otp_release_app(const struct sv_otp_release *r,
    const char *name);

/* The module called name in app, or NULL. */
struct sv_otp_module *sv_otp_app_module(const struct sv_otp_app *a,
    const char *name);

/* Free m's beam, if read, and mark it unread. */
void sv_otp_module_forget(struct sv_otp_module *m);

/* Take b (allocated with malloc, read) as m's beam, unread before. */
void sv_otp_module_take(struct sv_otp_module *m, struct sv_beam *b);

/* Read m's beam if not yet read (errors name the file). */
int sv_otp_module_beam(struct sv_otp_module *m, struct sv_err *e);

/* The same with sv_beam_read_flags' flags: SV_BEAM_NO_MD5 reads it
 * without its md5 (for a module known to have changed); without it, a
 * beam read so is read again, with. */
int sv_otp_module_beam_flags(struct sv_otp_module *m, unsigned flags,
    struct sv_err *e);

/*
 * Set *same if the two modules' beam files hold the same code: the files
 * are byte-equal, or their code md5s (beam_lib:md5/1) are. Reads the
 * beams only when the bytes differ.
 */
int sv_otp_module_same(struct sv_otp_module *a, struct sv_otp_module *b,
    bool *same, struct sv_err *e);

struct buf;

/* sv_otp_module_same for modules whose beam files the caller read: x and
 * y (borrowed) hold their bytes, unless a or b is loaded already (its x
 * or y is then not looked at). */
int sv_otp_module_same_bytes(struct sv_otp_module *a, const struct buf *x,
    struct sv_otp_module *b, const struct buf *y, bool *same,
    struct sv_err *e);

/*
 * Compare the directories of two builds of one application version (a
 * and b, same name and vsn) by content: the same entries, types, modes
 * and file digests (SHA-256). A beam of a module the .app files list
 * whose bytes differ but whose code md5 is the same counts as the same
 * (only its debug info or line table changed). *diffs gets the paths
 * that differ, relative to the application's directory, sorted, each
 * followed by " added", " removed" or " changed" ("ebin/m.beam
 * changed"); *ndiffs their number (0: the same). The caller frees them with sv_strv_free.
 * Upgrade instructions (ebin/\*.appup) are metadata, not content: an
 * appup written into one build and not the other is no difference.
 */
/* True if path, relative to an application's directory, is its upgrade
 * instructions (ebin/NAME.appup): metadata that says how to reach the
 * vsn, not part of what runs. */
bool sv_otp_is_appup_path(const char *path);

int sv_otp_app_compare(struct sv_otp_app *a, struct sv_otp_app *b,
    char ***diffs, size_t *ndiffs, struct sv_err *e);

#endif
