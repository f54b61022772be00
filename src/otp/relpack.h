/*
 * relpack.h - what the package of an OTP release holds: the tarball that
 * release_handler:unpack_release/1 takes (see smoothver-pack(1)).
 *
 * The full package of release NAME VSN (ERTS E) of a root, unpacked as
 * UNPACK (the tarball's name without .tar.gz):
 *
 *   bin/...                  the root's bin/, less the NAME-V start
 *                            scripts of other releases the root holds
 *   erts-E/                  when the root has it
 *   lib/APP-AVSN/            every application of the .rel
 *   releases/VSN/            the release's directory, whole
 *   releases/UNPACK.rel      a copy of releases/VSN/NAME.rel, the file
 *                            unpack_release("UNPACK") reads first
 *   releases/start_erl.data  "E VSN", generated (for a first install)
 *
 * and nothing else: never releases/RELEASES (the node's own state),
 * other versions' releases/V/, lib/ directories the .rel does not name,
 * other erts-*, or anything else in the root (logs, overlays).
 *
 * A delta package from OLD (a root or package of another version of the
 * same release) holds releases/VSN/, releases/UNPACK.rel, lib/APP-AVSN/
 * for the applications OLD does not have at the same vsn, and erts-E/
 * only when OLD runs another ERTS. release_handler extracts with
 * keep_old_files, so an application that OLD has at the same vsn must
 * have the same content: the node would keep OLD's files.
 */
#ifndef SV_OTP_RELPACK_H
#define SV_OTP_RELPACK_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "core/pack.h"
#include "otp/input.h"
#include "otp/relmodel.h"

struct sv_otp_pack {
	struct sv_otp_release rel;   /* the release packed */
	struct sv_otp_input old;     /* the base of a delta (when delta) */
	bool delta;
	bool erts;                   /* erts-E/ is packed */
	struct sv_pack_item *items;  /* owned: what the package holds */
	size_t nitems;
	struct sv_pack_item *full;   /* owned: for a delta, what the full
	                                package would hold (the size ratio);
	                                NULL otherwise */
	size_t nfull;
	char **apps;                 /* owned: "APP-AVSN" of the applications
	                                packed, in .rel order */
	size_t napps;
	char **kept;                 /* owned: for a delta, the applications
	                                left out because OLD has them */
	size_t nkept;
	bool fresh_only;             /* in, set before planning: the package
	                                is meant for fresh installs only, a
	                                missing relup is no error */
	bool has_relup;              /* releases/VSN/relup is packed */
	bool cookie_left_out;        /* the root has releases/COOKIE (mix
	                                writes the node's cookie there), a
	                                secret no package carries */
	char **relup_from;           /* owned: the versions its relup
	                                upgrades from, in its order */
	size_t nrelup_from;
	char **relup_derived;        /* owned: what its relup was made from,
	                                as `smoothver relup` wrote it in the
	                                relup's comments: "from|to VSN KIND
	                                SHA256" (KIND package or tree) */
	size_t nrelup_derived;
	char **others;               /* owned: the earlier versions of the
	                                release the root holds, sorted */
	size_t nothers;
	/* private: the strings the items point to */
	char **strings;
	size_t nstrings, astrings;
};

/* Make p empty. */
void sv_otp_pack_init(struct sv_otp_pack *p);

/* Free what p owns (removing OLD's temporary extraction) and make it
 * empty. */
void sv_otp_pack_release(struct sv_otp_pack *p);

/*
 * Work out the package of release vsn (NULL: the root's own) of the root
 * directory root, unpacked as unpack; with delta_from (a release root or
 * package, its own version), the delta from it. Writes nothing. Errors
 * are SV_INPUT naming the file: a release that cannot be read, no
 * releases/VSN/start.boot, an application of the .rel missing from lib/
 * (for a delta: and not in OLD at the same vsn), OLD unreadable, another
 * release or the same version, an application in both at the same vsn
 * with other content (code changed without a vsn bump), and, unless
 * p->fresh_only, a release that follows another without the relup to
 * reach it: a delta whose releases/VSN/relup does not upgrade from OLD's
 * version, or a root that holds earlier versions of the release and no
 * releases/VSN/relup at all (release_handler:install_release/1 would
 * fail with enoent on every node).
 */
int sv_otp_pack_plan(struct sv_otp_pack *p, const char *root,
    const char *vsn, const char *unpack, const char *delta_from,
    struct sv_err *e);

#endif
