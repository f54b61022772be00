#!/bin/sh
# smoothver pack on OTP release roots: the package release_handler takes,
# full and --delta-from OLD. Exact layouts, determinism, a real live
# upgrade and downgrade with each (release_handler on a booted target
# system, tests/otp/), the errors that protect an upgrade, the size ratio,
# the manifest of a delta and publish refusing it.
. "$SV_SRCDIR/tests/e2e/lib.sh"
OTP_DIR=$SV_SRCDIR/tests/otp
. "$OTP_DIR/lib.sh"

if ! otp_have_erl; then
	echo "1..0 # SKIP erl, erlc or escript not installed"
	exit 0
fi

# The builds, once, shared read-only by the cases (copied where changed):
# old = petal 1.0.0; new = 1.0.1 (petal_util changed, petal 1.0.1) with
# smoothver's appups and systools' relup; novsn = 1.0.1 whose petal_util
# changed without a vsn bump.
B=$TEST_ROOT/builds
mkdir -p "$B"
{
	otp_build base "$B/old" && otp_build reload "$B/new" &&
		"$SMOOTHVER" appup "$B/old" "$B/new" --write &&
		otp_relup "$B/new" "$B/old" && otp_build novsn "$B/novsn"
} >"$B/log" 2>&1 || { cat "$B/log" >&2; exit 1; }
ERTS=$(cut -d' ' -f1 "$B/old/releases/start_erl.data")

# names PKG: the package's entries, OTP's own applications shown by their
# directory only, their versions as VSN (they come from the installation).
names() {
	tar -tzf "$1" | grep -Ev '^lib/(kernel|stdlib|sasl)-[^/]+/.' |
		sed -E 's#^lib/(kernel|stdlib|sasl)-[^/]+/#lib/\1-VSN/#'
}

PETAL='lib/petal-1.0.1/
lib/petal-1.0.1/ebin/
lib/petal-1.0.1/ebin/petal.app
lib/petal-1.0.1/ebin/petal.appup
lib/petal-1.0.1/ebin/petal_app.beam
lib/petal-1.0.1/ebin/petal_legacy.beam
lib/petal-1.0.1/ebin/petal_listener.beam
lib/petal-1.0.1/ebin/petal_plugin.beam
lib/petal-1.0.1/ebin/petal_server.beam
lib/petal-1.0.1/ebin/petal_sup.beam
lib/petal-1.0.1/ebin/petal_util.beam
lib/petal-1.0.1/priv/
lib/petal-1.0.1/priv/petal_nif.so'
RELEASES='releases/
releases/1.0.1/
releases/1.0.1/petal.rel
releases/1.0.1/relup
releases/1.0.1/start.boot
releases/1.0.1/start.script
releases/1.0.1/sys.config
releases/petal-1.0.1.rel'

test_expect_success 'full package: exactly the release, releases/NAME-VSN.rel, start_erl.data' '
	sv 0 pack "$B/new" &&
	test -f petal-1.0.1.tar.gz && test -f petal-1.0.1.manifest.json &&
	names petal-1.0.1.tar.gz >got &&
	cat >want <<-EOF &&
	lib/
	lib/kernel-VSN/
	$PETAL
	lib/sasl-VSN/
	lib/stdlib-VSN/
	lib/stem-1.0.0/
	lib/stem-1.0.0/ebin/
	lib/stem-1.0.0/ebin/stem.app
	lib/stem-1.0.0/ebin/stem_fmt.beam
	lib/thorn-1.0.0/
	lib/thorn-1.0.0/ebin/
	lib/thorn-1.0.0/ebin/thorn.app
	lib/thorn-1.0.0/ebin/thorn_app.beam
	lib/thorn-1.0.0/ebin/thorn_keeper.beam
	$RELEASES
	releases/start_erl.data
	EOF
	diff -u want got &&
	tar -xOzf petal-1.0.1.tar.gz releases/petal-1.0.1.rel >rel &&
	cmp rel "$B/new/releases/1.0.1/petal.rel" &&
	test "$(tar -xOzf petal-1.0.1.tar.gz releases/start_erl.data)" = "$ERTS 1.0.1" &&
	for a in kernel stdlib sasl; do
		tar -tzf petal-1.0.1.tar.gz | grep -q "^lib/$a-[0-9.]*/ebin/$a.app\$" ||
			{ echo "no $a.app" >&2; exit 1; }
	done &&
	contains out "  release     petal 1.0.1 (erts $ERTS)" &&
	grep -qx "  apps        6 of 6" out &&
	contains out "  unpack      releases/petal-1.0.1.tar.gz, release_handler:unpack_release(\"petal-1.0.1\")" &&
	lacks out "delta" &&
	jq -e ".schema == \"smoothver.manifest/1\" and .delta == null" petal-1.0.1.manifest.json
'

test_expect_success 'delta package: the new application and releases/ only' '
	sv 0 pack "$B/new" --delta-from "$B/old" &&
	names petal-1.0.1.tar.gz >got &&
	printf "lib/\n%s\n%s\n" "$PETAL" "$RELEASES" >want &&
	diff -u want got &&
	tar -xOzf petal-1.0.1.tar.gz releases/petal-1.0.1.rel >rel &&
	cmp rel "$B/new/releases/1.0.1/petal.rel" &&
	contains out "  apps        1 of 6: petal-1.0.1" &&
	m=petal-1.0.1.manifest.json &&
	jq -e ".schema == \"smoothver.manifest/2\" and .delta.from == \"1.0.0\" and (.delta.full_size > 0) and .package.entries == $(wc -l <want)" $m
'

test_expect_success 'the unpack name follows the output name' '
	sv 0 pack --json "$B/new" -o shop.tgz &&
	expect_json .otp.unpack shop &&
	tar -tzf shop.tgz | grep -qx releases/shop.rel &&
	lacks out petal-1.0.1.rel &&
	test "$(tar -tzf shop.tgz | grep -c "^releases/[^/]*\.rel\$")" = 1
'

test_expect_success 'the same release gives the same bytes: twice, and from a copy made in another order' '
	mkdir a b c &&
	sv 0 pack "$B/new" -o a/petal-1.0.1.tar.gz && sv 0 pack "$B/new" -o b/petal-1.0.1.tar.gz &&
	cmp a/petal-1.0.1.tar.gz b/petal-1.0.1.tar.gz &&
	(cd "$B/new" && find . -type d | sort -r) | while read -r d; do mkdir -p "copy/$d"; done &&
	(cd "$B/new" && find . -type f | sort -r) | while read -r f; do
		(umask 077 && cp "$B/new/$f" "copy/$f") && touch -d @1700000000 "copy/$f"
	done &&
	chmod -R go+rX copy && find copy -type d -exec touch -d @5 {} + &&
	SMOOTHVER_THREADS=1 sv 0 pack copy -o c/petal-1.0.1.tar.gz &&
	cmp a/petal-1.0.1.tar.gz c/petal-1.0.1.tar.gz &&
	sv 0 pack "$B/new" --delta-from "$B/old" -o a/d.tar.gz &&
	sv 0 pack copy --delta-from "$B/old" -o c/d.tar.gz && cmp a/d.tar.gz c/d.tar.gz &&
	cmp a/d.manifest.json c/d.manifest.json
'

test_expect_success 'the size ratio: printed and in --json, against the full package measured' '
	mkdir full delta &&
	sv 0 pack "$B/new" -o full/petal-1.0.1.tar.gz &&
	sv 0 pack --json "$B/new" --delta-from "$B/old" -o delta/petal-1.0.1.tar.gz &&
	full=$(wc -c <full/petal-1.0.1.tar.gz) && size=$(wc -c <delta/petal-1.0.1.tar.gz) &&
	expect_json .delta.full_size "$full" && expect_json .size "$size" &&
	expect_json .delta.from 1.0.0 &&
	expect_json ".delta.kept | join(\" \")" "$(cd "$B/old/lib" && echo kernel-* stdlib-* sasl-*) stem-1.0.0 thorn-1.0.0" &&
	expect_json ".otp.applications | join(\" \")" petal-1.0.1 &&
	expect_json .otp.erts_included false &&
	awk -v r="$(json .delta.ratio)" -v s="$size" -v f="$full" \
		"BEGIN { d = r - s / f; exit !(d < 0.000001 && d > -0.000001 && r < 0.01) }" &&
	test "$(jq -r .delta.full_size delta/petal-1.0.1.manifest.json)" = "$full" &&
	sv 0 pack "$B/new" --delta-from "$B/old" -o delta/petal-1.0.1.tar.gz &&
	pct=$(awk -v s="$size" -v f="$full" "BEGIN { printf \"%.3g\", 100 * s / f }") &&
	contains out "  delta       from 1.0.0: $pct% of the full package ($full bytes)"
'

test_expect_success 'a package or a root as OLD; ERTS only when it differs; other versions left out' '
	(cd "$B/old" && tar -czf "$OLDPWD/old.tar.gz" lib releases) && mkdir p q &&
	sv 0 pack "$B/new" --delta-from old.tar.gz -o p/petal-1.0.1.tar.gz &&
	sv 0 pack "$B/new" --delta-from "$B/old" -o q/petal-1.0.1.tar.gz &&
	cmp p/petal-1.0.1.tar.gz q/petal-1.0.1.tar.gz &&
	test -z "$(ls "${TMPDIR:-/tmp}" | grep "^smoothver-otp-" || true)" &&
	cp -R "$B/old" both && cp -R "$B/new/." both/ &&
	mkdir -p both/erts-$ERTS/bin both/erts-0.1/bin both/bin &&
	echo emu >both/erts-$ERTS/bin/beam && echo other >both/erts-0.1/bin/beam &&
	echo state >both/releases/RELEASES &&
	for s in petal petal-1.0.0 petal-1.0.1 nodetool; do echo "$s" >both/bin/$s; done &&
	sv 0 pack --json both -o full.tar.gz && expect_json .otp.erts_included true &&
	tar -tzf full.tar.gz >all &&
	grep -qx "erts-$ERTS/bin/beam" all && lacks all erts-0.1 && lacks all RELEASES &&
	lacks all petal-1.0.0 && lacks all releases/1.0.0 &&
	grep -qx bin/petal all && grep -qx bin/petal-1.0.1 all && grep -qx bin/nodetool all &&
	sv 0 pack --json both --version 1.0.0 -o v1.tar.gz && expect_json .otp.version 1.0.0 &&
	tar -tzf v1.tar.gz >v1 && grep -qx releases/1.0.0/start.boot v1 &&
	grep -qx lib/petal-1.0.0/ebin/petal.app v1 && grep -qx bin/petal-1.0.0 v1 &&
	lacks v1 petal-1.0.1 && lacks v1 releases/1.0.1 &&
	test "$(tar -xOzf v1.tar.gz releases/start_erl.data)" = "$ERTS 1.0.0" &&
	sv 0 pack --json both --delta-from "$B/old" -o d.tar.gz &&
	expect_json .otp.erts_included false && tar -tzf d.tar.gz >d && lacks d erts- && ! grep -q "^bin/" d &&
	cp -R "$B/old" old13 && echo "13.0 1.0.0" >old13/releases/start_erl.data &&
	sed -i "s/{erts,\"$ERTS\"}/{erts,\"13.0\"}/" old13/releases/1.0.0/petal.rel &&
	sv 0 pack --json both --delta-from old13 -o e.tar.gz && expect_json .otp.erts_included true &&
	tar -tzf e.tar.gz | grep -qx "erts-$ERTS/bin/beam"
'

test_expect_success 'a release that follows another needs its relup; --no-relup packs it for fresh installs only' '
	cp -R "$B/old" r && cp -R "$B/new/." r/ && rm r/releases/1.0.1/relup &&
	sv 3 pack r -o x.tar.gz &&
	expect_err "smoothver: error: cannot pack release petal 1.0.1: it follows 1.0.0 but has no relup (releases/1.0.1/relup), so no node could upgrade to it live (install_release fails with enoent)
hint: make it first: smoothver relup --from 1.0.0 ROOT --write; or pack with --no-relup for a package meant for fresh installs only" &&
	test ! -e x.tar.gz && test ! -e x.manifest.json &&
	sv 3 pack r --delta-from "$B/old" -o x.tar.gz &&
	contains err "it follows 1.0.0 but has no relup" && contains err "smoothver relup OLD NEW --write" &&
	sv 2 pack r --delta-from "$B/old" --no-relup -o x.tar.gz &&
	contains err "which only an upgrade can use" &&
	sv 2 pack "$B/old" --tree --no-relup -o x.tar.gz &&
	sv 0 pack --json r --no-relup -o fresh.tar.gz &&
	expect_json .otp.fresh_install_only true && expect_json ".otp.relup_from | length" 0 &&
	test "$(jq -c .otp fresh.manifest.json)" = "{\"fresh_install_only\":true,\"relup_from\":[]}" &&
	sv 0 pack --version 1.0.0 r -o first.tar.gz &&
	test "$(jq -c .otp first.manifest.json)" = "{\"fresh_install_only\":false,\"relup_from\":[]}" &&
	sv 0 pack "$B/new" -o up.tar.gz && contains out "relup       from 1.0.0" &&
	test "$(jq -c .otp.relup_from up.manifest.json)" = "[\"1.0.0\"]" &&
	"$SMOOTHVER" relup -q r --from 1.0.0 --write &&
	sv 0 pack r -o r.tar.gz && tar -tzf r.tar.gz | grep -qx releases/1.0.1/relup &&
	printf "{\"1.0.1\", [{\"0.9.0\", [], []}], [{\"0.9.0\", [], []}]}.\n" >r/releases/1.0.1/relup &&
	sv 3 pack r --delta-from "$B/old" -o y.tar.gz &&
	contains err "its relup (releases/1.0.1/relup) does not upgrade from 1.0.0, the version --delta-from names" &&
	echo "not a relup" >r/releases/1.0.1/relup &&
	sv 3 pack r -o y.tar.gz && contains err "releases/1.0.1/relup" &&
	sv 0 publish fresh.tar.gz --store st --expect-empty &&
	sv 0 fetch petal --store st -o got.tar.gz && cmp got.tar.gz fresh.tar.gz
'

# live PKG: a target system of old, upgraded to 1.0.1 with PKG and
# downgraded again by release_handler, one TCP connection open throughout.
live() {
	otp_target "$B/old" target &&
		otp_live target "$1" 1.0.0 1.0.1 "$OTP_DIR/scenarios/reload/expect"
}

test_expect_success 'release_handler installs the full package live, up and down' '
	mkdir full && sv 0 pack "$B/new" -o full/petal-1.0.1.tar.gz &&
	live full/petal-1.0.1.tar.gz
'

test_expect_success 'release_handler installs the delta package live, up and down' '
	mkdir delta && sv 0 pack "$B/new" --delta-from "$B/old" -o delta/petal-1.0.1.tar.gz &&
	live delta/petal-1.0.1.tar.gz &&
	test -d target/lib/petal-1.0.1 && test -d target/lib/stem-1.0.0
'

test_expect_success 'delta: an application changed without a vsn bump is refused, naming it' '
	sv 3 pack "$B/novsn" --delta-from "$B/old" -o x.tar.gz &&
	expect_err "smoothver: error: application content changed without a vsn bump: petal 1.0.0 (ebin/petal_util.beam changed) differs from '\''$B/old'\''
hint: bump the vsn in the application'\''s .app.src: release_handler unpacks with keep_old_files, so a node that has this vsn would keep its old files" &&
	test "$(ls -A | tr "\n" " ")" = "err expected out "
'

test_expect_success 'delta: a beam rebuilt with the same code is the same' '
	cp -R "$B/new" n && erlc -o n/lib/stem-1.0.0/ebin \
		"$OTP_DIR/base/apps/stem/src/stem_fmt.erl" &&
	! cmp -s n/lib/stem-1.0.0/ebin/stem_fmt.beam "$B/old/lib/stem-1.0.0/ebin/stem_fmt.beam" &&
	sv 0 pack --json n --delta-from "$B/old" -o d.tar.gz &&
	expect_json ".otp.applications | join(\" \")" petal-1.0.1 &&
	echo extra >n/lib/stem-1.0.0/priv.txt && chmod +x n/lib/thorn-1.0.0/ebin/thorn.app &&
	sv 3 pack n --delta-from "$B/old" -o e.tar.gz &&
	contains err "without a vsn bump: stem 1.0.0 (priv.txt added), thorn 1.0.0 (ebin/thorn.app changed) differ from" &&
	test ! -e e.tar.gz
'

test_expect_success 'delta: OLD of another release, the same version, or missing' '
	cp -R "$B/old" other && mv other/releases/1.0.0/petal.rel other/releases/1.0.0/other.rel &&
	sed -i "s/{\"petal\",/{\"other\",/" other/releases/1.0.0/other.rel &&
	sv 3 pack "$B/new" --delta-from other -o x.tar.gz &&
	expect_err "smoothver: error: --delta-from '\''other'\'' holds release other 1.0.0, not petal
hint: a delta package upgrades a node that runs another version of the same release" &&
	sv 3 pack "$B/new" --delta-from "$B/new" -o x.tar.gz &&
	contains err "holds petal 1.0.1, the version being packed" &&
	sv 3 pack "$B/new" --delta-from nope -o x.tar.gz &&
	expect_err "smoothver: error: cannot open '\''nope'\'': No such file or directory" &&
	mkdir plain && sv 3 pack "$B/new" --delta-from plain -o x.tar.gz &&
	contains err "'\''plain'\'' is not an OTP release root" &&
	echo junk >junk.tar.gz && sv 3 pack "$B/new" --delta-from junk.tar.gz -o x.tar.gz &&
	test ! -e x.tar.gz && test ! -e x.manifest.json
'

test_expect_success 'no start.boot, or an application missing: exit 3, nothing written' '
	cp -R "$B/new" n && rm n/releases/1.0.1/start.boot &&
	sv 3 pack n -o x.tar.gz &&
	expect_err "smoothver: error: cannot pack release petal 1.0.1: '\''n/releases/1.0.1/start.boot'\'' is missing
hint: release_handler:install_release/1 boots the release from it: build the release with its boot script (relx and systools:make_script write it)" &&
	sv 3 pack n --delta-from "$B/old" -o x.tar.gz && contains err start.boot &&
	cp -R "$B/new" m && rm -r m/lib/stem-1.0.0 m/lib/petal-1.0.1 &&
	sv 3 pack m -o x.tar.gz &&
	contains err "cannot pack release petal 1.0.1: '\''m/lib/stem-1.0.0'\'', '\''m/lib/petal-1.0.1'\'' missing" &&
	contains err "hint: release_handler:install_release/1 needs every application" &&
	sv 3 pack m --delta-from "$B/old" -o x.tar.gz &&
	contains err "'\''m/lib/petal-1.0.1'\'' missing" && lacks err stem-1.0.0 &&
	test "$(ls -A | tr "\n" " ")" = "err expected m n out "
'

test_expect_success 'a delta whose base has the application but lib/ lacks it' '
	cp -R "$B/new" m && rm -r m/lib/stem-1.0.0 &&
	sv 0 pack --json m --delta-from "$B/old" -o d.tar.gz &&
	expect_json ".otp.applications | join(\" \")" petal-1.0.1 &&
	contains d.manifest.json "\"from\":\"1.0.0\""
'

test_expect_success 'usage: zstd, --delta-from without an OTP root, a version the root lacks' '
	sv 2 pack "$B/new" --compression zstd && contains err "must be gzip" &&
	sv 2 pack "$B/new" -o x.tar.zst && contains err "must be gzip" &&
	sv 2 pack --tree "$B/new" --delta-from "$B/old" -o x.tar.gz &&
	contains err "packed as a tree (--tree)" &&
	mkdir t && echo x >t/f && sv 2 pack t --version 1.0.0 --delta-from "$B/old" &&
	contains err "'\''t'\'' is not the root of one" &&
	sv 2 pack "$B/new" --version 2.0.0 &&
	contains err "--version 2.0.0, but" &&
	sv 0 pack --tree --json "$B/new" -o whole.tar.zst && expect_json .otp null &&
	test "$(json .entries)" = "$(cd "$B/new" && find . -mindepth 1 | wc -l)" &&
	test "$(ls -A | tr "\n" " ")" = "err out t whole.manifest.json whole.tar.zst "
'

test_expect_success 'publish puts the delta beside the release, never as a version or latest' '
	mkdir full delta &&
	sv 0 pack "$B/new" -o full/petal-1.0.1.tar.gz &&
	sv 0 pack "$B/new" --delta-from "$B/old" -o delta/petal-1.0.1.tar.gz &&
	sv 0 publish delta/petal-1.0.1.tar.gz --store st --expect-empty &&
	contains out "published the delta of petal 1.0.1 from 1.0.0" &&
	test ! -e st/petal-latest && test ! -e st/releases/petal &&
	test -f st/deltas/petal/1.0.1/1.0.0.json &&
	sv 0 publish full/petal-1.0.1.tar.gz --store st --expect-empty &&
	test "$(cat st/petal-latest)" = 1.0.1 &&
	sv 0 fetch petal --store st -o got &&
	test -f got/releases/petal-1.0.1.rel &&
	contains out "releases/RELEASES written for release_handler" &&
	contains got/releases/RELEASES "{petal,\"1.0.1\",\"$PWD/got/lib/petal-1.0.1\"}" &&
	sv 0 publish "$B/old" --store st2 --expect-empty --json &&
	expect_json .version 1.0.0 &&
	test -n "$(find st2/blobs -type f -size +1000k)"
'

test_expect_success 'a delta records what it was derived from; one made from another build is not taken' '
	mkdir full other delta delta2 &&
	sv 0 pack "$B/old" -o old.tar.gz &&
	sv 0 pack "$B/new" -o full/petal-1.0.1.tar.gz --json && whole=$(json .sha256) &&
	sv 0 pack "$B/new" --delta-from old.tar.gz -o delta/petal-1.0.1.tar.gz &&
	jq -e ".delta.full_sha256 == \"$whole\" and .delta.base.kind == \"package\" and .delta.base.sha256 == \"$(sha256sum old.tar.gz | cut -c1-64)\"" delta/petal-1.0.1.manifest.json &&
	sv 0 pack "$B/new" --delta-from "$B/old" -o delta2/petal-1.0.1.tar.gz &&
	jq -e ".delta.base.kind == \"tree\" and .delta.full_sha256 == \"$whole\"" delta2/petal-1.0.1.manifest.json &&
	"$SMOOTHVER" publish old.tar.gz --store st --expect-empty >/dev/null &&
	"$SMOOTHVER" publish delta/petal-1.0.1.tar.gz --store st >/dev/null &&
	SOURCE_DATE_EPOCH=5 "$SMOOTHVER" pack "$B/new" -o other/petal-1.0.1.tar.gz >/dev/null &&
	"$SMOOTHVER" publish other/petal-1.0.1.tar.gz --store st --expect-latest 1.0.0 >/dev/null &&
	sv 0 --json fetch petal --delta-from 1.0.0 --store st -o x.tar.gz &&
	expect_json .delta_from null &&
	contains err "smoothver: warning: the delta of petal 1.0.1 from 1.0.0 was made from another build" &&
	cmp x.tar.gz other/petal-1.0.1.tar.gz &&
	cp -R "$B/new" n2 && sv 0 relup old.tar.gz n2 --write &&
	sed -n 2p n2/releases/1.0.1/relup | grep -q "^%% smoothver derived-from 1.0.0 package $(sha256sum old.tar.gz | cut -c1-64)$" &&
	mkdir n2pk && sv 0 pack n2 -o n2pk/petal-1.0.1.tar.gz &&
	jq -e ".otp.relup_derived.from[0].version == \"1.0.0\" and .otp.relup_derived.from[0].kind == \"package\" and .otp.relup_derived.to.version == \"1.0.1\" and .otp.relup_derived.to.kind == \"tree\"" n2pk/petal-1.0.1.manifest.json
'

test_expect_success 'fetch refuses a record that leads to a delta' '
	mkdir delta && sv 0 pack "$B/new" --delta-from "$B/old" -o delta/petal-1.0.1.tar.gz &&
	sv 0 publish "$B/old" --store st --expect-empty &&
	p=delta/petal-1.0.1.tar.gz m=delta/petal-1.0.1.manifest.json &&
	ps=$(sha256sum <$p | cut -c1-64) && ms=$(sha256sum <$m | cut -c1-64) &&
	cp $p st/blobs/sha256/$ps && cp $m st/blobs/sha256/$ms &&
	jq -c ".version = \"1.0.1\" | .file = \"petal-1.0.1.tar.gz\" | .package = \"$ps\" | .size = $(wc -c <$p) | .manifest = \"$ms\" | .manifest_size = $(wc -c <$m)" \
		st/releases/petal/1.0.0.json >st/releases/petal/1.0.1.json &&
	sv 3 fetch petal@1.0.1 --store st -o got &&
	contains err "petal@1.0.1 is a delta package (from 1.0.0), not a whole release" &&
	test ! -e got
'

test_expect_success 'nothing is left running' '
	ps -eo pid,args >ps.out &&
	if grep -F "$TEST_ROOT" ps.out | grep -v -e "ps -eo" -e grep; then exit 1; fi
'

test_done
