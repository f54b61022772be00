#!/bin/sh
# Signed releases: keygen, publish --sign, and readers that trust keys
# (fetch, verify, check, deploy --trust, trust.key, SMOOTHVER_TRUST):
# unsigned records, other keys, tampering, a rollback to an older signed
# latest and an expired (frozen) latest are refused; key rotation; gc.
. "$SV_SRCDIR/tests/e2e/lib.sh"

export SMOOTHVER_STATE_DIR="$TEST_ROOT/state"
check() { python3 "$SV_SRCDIR/tests/e2e/store-check.py" "$1"; }
# mkapp DIR WORD: a small tree whose content depends on WORD.
mkapp() {
	mkdir -p "$1/bin" && printf '#!/bin/sh\necho %s\n' "$2" >"$1/bin/app" &&
		chmod +x "$1/bin/app"
}
K=$TEST_ROOT/keys
mkdir -p "$K"

test_expect_success 'keygen: a private key (0600) and its public key, never replaced' '
	sv 0 keygen -o "$K/release" &&
	contains out "wrote $K/release (private, 0600) and $K/release.pub" &&
	contains out "(ed25519)" &&
	test "$(stat -c %a "$K/release")" = 600 &&
	test "$(stat -c %a "$K/release.pub")" = 644 &&
	grep -q "BEGIN PRIVATE KEY" "$K/release" && grep -q "BEGIN PUBLIC KEY" "$K/release.pub" &&
	sv 3 keygen -o "$K/release" &&
	contains err "smoothver: error: '"'"'$K/release'"'"' exists: keygen never replaces a key" &&
	sv 0 --json keygen -o "$K/other" &&
	expect_json .algorithm ed25519 && json .key_id | grep -Eq "^[0-9a-f]{16}$" &&
	sv 2 keygen &&
	if command -v openssl >/dev/null 2>&1; then
		openssl pkey -in "$K/release" -noout && openssl pkey -pubin -in "$K/release.pub" -noout
	fi
'

test_expect_success 'publish --sign signs the record and latest; fetch --trust takes it' '
	mkapp a one &&
	sv 0 --json publish a --name app --version 1.0.0 --store st --expect-empty --sign "$K/release" &&
	expect_json .signed.latest true && json .signed.expires | grep -q "^20" &&
	id=$(json .signed.key) &&
	test -f "st/sigs/app/1.0.0/$id.sig" && test -f st/app-latest.sig &&
	test "$(cat st/app-latest)" = 1.0.0 &&
	sv 0 fetch app --store st --trust "$K/release.pub" -o got.tar.gz &&
	sv 0 verify got.tar.gz --release app@1.0.0 --store st --trust "$K/release.pub" &&
	check st
'

test_expect_success 'unsigned records, other keys and tampered records are refused (exit 3)' '
	mkapp a one && mkapp b two &&
	"$SMOOTHVER" publish a --name app --version 1.0.0 --store st --expect-empty --sign "$K/release" >/dev/null &&
	"$SMOOTHVER" publish b --name app --version 1.0.1 --store st --expect-latest 1.0.0 >/dev/null &&
	sv 3 fetch app@1.0.1 --store st --trust "$K/release.pub" -o x.tar.gz &&
	contains err "smoothver: error: store '"'"'st'"'"': app@1.0.1 is not signed by a trusted key" &&
	test ! -e x.tar.gz &&
	sv 0 --json fetch app --store st --trust "$K/release.pub" -o y.tar.gz &&
	expect_json .version 1.0.0 &&
	sv 3 fetch app --store st --trust "$K/other.pub" -o x.tar.gz &&
	contains err "the latest of app is signed by key" && contains err "which is not trusted" &&
	sed -i "s/\"published\":\"20/\"published\":\"19/" st/releases/app/1.0.0.json &&
	sv 3 fetch app@1.0.0 --store st --trust "$K/release.pub" -o x.tar.gz &&
	contains err "does not match its record: the store was tampered with" &&
	sv 0 fetch app@1.0.0 --store st -o z.tar.gz
'

test_expect_success 'a rollback to an older signed latest is refused; the state says what was seen' '
	mkapp a one && mkapp b two &&
	"$SMOOTHVER" publish a --name app --version 1.0.0 --store st --expect-empty --sign "$K/release" >/dev/null &&
	cp st/app-latest.sig old.sig &&
	"$SMOOTHVER" publish b --name app --version 1.0.1 --store st --expect-latest 1.0.0 --sign "$K/release" >/dev/null &&
	sv 0 fetch app --store st --trust "$K/release.pub" -o new.tar.gz &&
	cp old.sig st/app-latest.sig && printf "1.0.0\n" >st/app-latest &&
	sv 3 fetch app --store st --trust "$K/release.pub" -o x.tar.gz &&
	contains err "the signed latest of app is 1.0.0, older than 1.0.1, which this machine saw there before: a rollback is refused" &&
	test ! -e x.tar.gz &&
	SMOOTHVER_STATE_DIR="$PWD/elsewhere" sv 0 fetch app --store st --trust "$K/release.pub" -o x.tar.gz
'

test_expect_success 'an expired latest is refused (a frozen store); re-signing thaws it' '
	mkapp a one &&
	"$SMOOTHVER" publish a --name app --version 1.0.0 --store st --expect-empty --sign "$K/release" --expires 1s >/dev/null &&
	_i=0 &&
	while "$SMOOTHVER" fetch app --store st --trust "$K/release.pub" -o x.tar.gz 2>err; do
		[ $_i -lt 100 ] || { echo "never expired" >&2; exit 1; }
		rm -f x.tar.gz; sleep 0.1; _i=$((_i + 1))
	done &&
	contains err "the signed latest of app (1.0.0) expired at" &&
	contains err "the store is frozen" &&
	sv 0 publish a --name app --version 1.0.0 --store st --sign "$K/release" &&
	contains out "is already published and latest" && contains out "signed    by key" &&
	sv 0 fetch app --store st --trust "$K/release.pub" -o x.tar.gz &&
	sv 2 publish a --name app --version 1.0.0 --store st --expires 1d &&
	contains err "--expires applies to --sign"
'

test_expect_success 'key rotation: the new key signs the same release, nodes trust both, then the new one' '
	mkapp a one &&
	"$SMOOTHVER" publish a --name app --version 1.0.0 --store st --expect-empty --sign "$K/release" >/dev/null &&
	"$SMOOTHVER" keygen -o new >/dev/null &&
	sv 0 publish a --name app --version 1.0.0 --store st --sign new &&
	sv 0 fetch app --store st --trust "$K/release.pub" --trust new.pub -o x.tar.gz &&
	rm x.tar.gz && sv 0 fetch app --store st --trust new.pub -o x.tar.gz &&
	sv 0 fetch app@1.0.0 --store st --trust "$K/release.pub" -o y.tar.gz
'

test_expect_success 'trust.key in .smoothver and SMOOTHVER_TRUST; check and deploy --trust' '
	mkapp a one && mkapp b two &&
	"$SMOOTHVER" publish a --name app --version 1.0.0 --store "$PWD/st" --expect-empty --sign "$K/release" >/dev/null &&
	"$SMOOTHVER" publish b --name app --version 1.0.1 --store "$PWD/st" --expect-latest 1.0.0 >/dev/null &&
	new_repo repo && printf "[trust]\n\tkey = %s\n" "$K/other.pub" >.smoothver &&
	sv 3 fetch app --store ../st -o x.tar.gz &&
	contains err "which is not trusted" &&
	cd .. &&
	SMOOTHVER_TRUST="$K/release.pub" sv 0 fetch app --store st -o x.tar.gz &&
	SMOOTHVER_TRUST="$K/other.pub:$K/release.pub" sv 0 fetch app --store st -o y.tar.gz &&
	(unset SMOOTHVER_STATE_DIR; sv 0 deploy app --store st --root node --trust "$K/release.pub") &&
	contains out "bootstrapped app 1.0.0 into" &&
	test "$(cat node/.smoothver/seen/*/app)" = 1.0.0 &&
	sv 3 deploy app@1.0.1 --store st --root node2 --trust "$K/release.pub" &&
	contains err "app@1.0.1 is not signed by a trusted key" && test ! -e node2/bin &&
	sv 3 check --base app@1.0.1 --store st --trust "$K/release.pub" a &&
	contains err "app@1.0.1 is not signed by a trusted key" &&
	sv 3 fetch app --store st --trust nokey.pub -o z.tar.gz &&
	contains err "nokey.pub" &&
	echo junk >bad.pub && sv 3 fetch app --store st --trust bad.pub -o z.tar.gz &&
	contains err "'"'"'bad.pub'"'"' is not a key file"
'

test_expect_success 'gc removes the signatures of the versions it removes' '
	for v in 1 2 3; do
		mkapp "r$v" "w$v" &&
		if [ $v = 1 ]; then
			"$SMOOTHVER" publish "r$v" --name app --version "1.0.$v" --store st --expect-empty --sign "$K/release" >/dev/null
		else
			"$SMOOTHVER" publish "r$v" --name app --version "1.0.$v" --store st --expect-latest "1.0.$((v - 1))" --sign "$K/release" >/dev/null
		fi || exit 1
	done &&
	sv 0 gc --keep 1 --store st &&
	test ! -e st/sigs/app/1.0.1 -o -z "$(ls st/sigs/app/1.0.1)" &&
	test -n "$(ls st/sigs/app/1.0.3)" &&
	check st &&
	sv 0 fetch app --store st --trust "$K/release.pub" -o x.tar.gz
'

test_done
