/*
 * trust.h - signed releases: what a publisher signs and what a reader
 * that trusts keys accepts (smoothver-store(5), SIGNATURES).
 *
 * A publisher with a private key signs, in the store:
 *
 *   sigs/NAME/VERSION/KEYID.sig          the exact bytes of the version's
 *                                        record (which names the manifest
 *                                        by digest, which names every file)
 *   sigs/NAME/VERSION/from-FROM.KEYID.sig  a delta record's bytes
 *   NAME-latest.sig                      the latest statement: name,
 *                                        version, time signed and expiry
 *
 * each a line of canonical JSON with the key's id and the signature in
 * hex. The plain NAME-latest pointer stays as it was, for readers that
 * know no signatures.
 *
 * A reader with trusted public keys (--trust, trust.key) accepts a record
 * only with a valid signature by one of them, and takes latest from the
 * signed statement only: signed by a trusted key, not expired (a frozen
 * store, whose publisher stopped re-signing, is refused), and not older
 * than the highest version of that release this machine has seen in that
 * store (a rollback to an old, validly signed latest is refused). The
 * highest versions seen are kept under the state directory:
 * STATE/seen/STORE-ID/NAME.
 */
#ifndef SV_CORE_TRUST_H
#define SV_CORE_TRUST_H

#include <stddef.h>
#include <stdint.h>

#include "adapt/sign.h"
#include "base/err.h"
#include "store/store.h"

struct sv_trust {
	struct sv_key **keys;               /* owned */
	char (*ids)[SV_KEY_ID_LEN + 1];     /* owned: keys[i]'s id */
	size_t n;
	char *state_dir;                    /* owned: where the highest
	                                       versions seen are kept */
};

void sv_trust_init(struct sv_trust *t);
void sv_trust_release(struct sv_trust *t);

/* A heap sv_trust (sv_trust_new) freed: what sv_store_set_trust takes. */
struct sv_trust *sv_trust_new(void);
void sv_trust_free(struct sv_trust *t);

/* Add the public key (or a private key's public half) in the file at
 * path. A file that is not an Ed25519 key is SV_INPUT naming it. */
int sv_trust_add(struct sv_trust *t, const char *path, struct sv_err *e);

/* The state directory: SMOOTHVER_STATE_DIR, else
 * $XDG_STATE_HOME/smoothver, else ~/.local/state/smoothver. The caller
 * frees it. */
char *sv_trust_default_state_dir(void);

/* Check the record of name@version (from: of the delta from it, or NULL),
 * whose bytes are text, against its signatures in s. */
int sv_trust_check_record(const struct sv_trust *t, struct sv_store *s,
    const char *name, const char *version, const char *from,
    const char *text, size_t len, struct sv_err *e);

/* The version the signed latest of name names, checked (signature,
 * expiry, rollback) and remembered as seen; *version owned by the
 * caller. No signed latest is SV_INPUT. */
int sv_trust_latest(const struct sv_trust *t, struct sv_store *s,
    const char *name, char **version, struct sv_err *e);

/* Sign the record of name@version (from: a delta's) whose bytes are text,
 * with the private key k; an existing signature by k is left. */
int sv_trust_sign_record(const struct sv_key *k, struct sv_store *s,
    const char *name, const char *version, const char *from,
    const char *text, size_t len, struct sv_err *e);

/* Sign "latest of name is version" with k, valid for expires seconds
 * from now; replaces the statement in s. */
int sv_trust_sign_latest(const struct sv_key *k, struct sv_store *s,
    const char *name, const char *version, int64_t expires,
    struct sv_err *e);

#endif
