#!/bin/sh
# smoothver relup against systools:make_relup: every appup fixture of
# tests/otp/ and 200 random but valid (and some invalid) upgrade cases
# give the same relup up to the order systools leaves arbitrary; several
# bases; one root with --from; RESTART steps get reboot scripts; systools'
# refusals are refused with its reason; --write, --output, --json.
. "$SV_SRCDIR/tests/e2e/lib.sh"
OTP_DIR=$SV_SRCDIR/tests/otp
. "$OTP_DIR/lib.sh"
RELUP_ESCRIPT=$OTP_DIR/relup.escript

if ! otp_have_erl; then
	echo "1..0 # SKIP erl, erlc or escript not installed"
	exit 0
fi

B=$TEST_ROOT/builds
mkdir -p "$B"
SCENARIOS="reload state sup modules deps apps deponly multi erts
handwritten handgap"
otp_build base "$B/old" >"$B/log" 2>&1 || { cat "$B/log" >&2; exit 1; }
for s in $SCENARIOS; do
	otp_build "$s" "$B/$s" >"$B/log" 2>&1 || { cat "$B/log" >&2; exit 1; }
done

# systools_relup NEW OUT OLD...: systools' relup term in OUT.
systools_relup() {
	_n=$1 _o=$2
	shift 2
	escript "$RELUP_ESCRIPT" make "$_n" "$_o" "$@"
}

# same A B: the two relup files are equal up to systools' free order.
same() { escript "$RELUP_ESCRIPT" same "$1" "$2"; }

# fresh SCENARIO: a writable copy of the scenario's build with its appups.
fresh() {
	cp -R "$B/$1" new &&
	"$SMOOTHVER" appup "$B/old" new --write ${2:+"$2"} >/dev/null
}

test_expect_success 'every appup fixture: --systools equals systools' '
	for s in reload state sup modules deps apps deponly multi erts \
	    handwritten; do
		rm -rf new && fresh $s &&
		systools_relup new expected "$B/old" &&
		sv 0 relup --systools "$B/old" new -o mine &&
		same expected mine ||
		{ echo "scenario $s" >&2; exit 1; }
	done
'

test_expect_success 'live steps: the default relup equals systools too' '
	for s in reload state sup modules deps apps deponly multi handwritten; do
		rm -rf new && fresh $s &&
		systools_relup new expected "$B/old" &&
		sv 0 relup "$B/old" new -o mine &&
		same expected mine &&
		expect_empty err ||
		{ echo "scenario $s" >&2; exit 1; }
	done
'

test_expect_success 'the default relup needs no appup files' '
	cp -R "$B/state" new &&
	test ! -e new/lib/petal-1.1.0/ebin/petal.appup &&
	sv 0 relup "$B/old" new -o mine &&
	test ! -e new/lib/petal-1.1.0/ebin/petal.appup &&
	"$SMOOTHVER" appup "$B/old" new --write >/dev/null &&
	systools_relup new expected "$B/old" &&
	same expected mine
'

test_expect_success 'random appups: 200 valid ones equal to systools, the rest refused by both' '
	escript "$RELUP_ESCRIPT" gen cases 280 2026 &&
	escript "$RELUP_ESCRIPT" systools cases &&
	for c in cases/case-*; do
		olds=$(sed "s|^|$c/old-|" "$c/bases" | tr "\n" " ")
		# shellcheck disable=SC2086
		if "$SMOOTHVER" -q relup --systools $olds "$c/new" \
		    -o "$c/mine.relup" 2>"$c/mine.error"; then
			rm -f "$c/mine.error"
		fi
	done &&
	escript "$RELUP_ESCRIPT" compare cases >report &&
	cat report &&
	equal=$(sed -n "s/^280 cases: \([0-9]*\) relups term-equal.*/\1/p" report) &&
	test "$equal" -ge 200
'

test_expect_success 'several bases: a node two versions behind upgrades too' '
	cp -R "$B/reload" b && cp -R "$B/state" c &&
	sv 0 relup "$B/old" b c --write &&
	contains out "petal 1.0.0 -> 1.1.0: live (relup)" &&
	contains out "petal 1.0.1 -> 1.1.0: live (relup)" &&
	contains out "wrote c/releases/1.1.0/relup" &&
	mkdir sys &&
	"$SMOOTHVER" appup "$B/old" c --out sys/1.0.0 >/dev/null &&
	"$SMOOTHVER" appup b c --out sys/1.0.1 >/dev/null &&
	cp -R "$B/state" c2 &&
	erl -noshell -eval "
		{ok, [{_, [{\"1.0.0\", U0}], [{\"1.0.0\", D0}]}]} = file:consult(\"sys/1.0.0/petal.appup\"),
		{ok, [{V, [{\"1.0.1\", U1}], [{\"1.0.1\", D1}]}]} = file:consult(\"sys/1.0.1/petal.appup\"),
		ok = file:write_file(\"c2/lib/petal-1.1.0/ebin/petal.appup\",
			io_lib:format(\"~p.~n\", [{V, [{\"1.0.0\", U0}, {\"1.0.1\", U1}],
			                          [{\"1.0.0\", D0}, {\"1.0.1\", D1}]}])),
		halt()." &&
	systools_relup c2 expected "$B/old" b &&
	same expected c/releases/1.1.0/relup &&
	erl -noshell -eval "
		{ok, [{\"1.1.0\", [{\"1.0.1\", _, _}, {\"1.0.0\", _, _}],
		       [{\"1.0.1\", _, _}, {\"1.0.0\", _, _}]}]} =
			file:consult(\"c/releases/1.1.0/relup\"), halt()."
'

test_expect_success 'one root holding both versions: --from' '
	otp_build base r >log 2>&1 && otp_build reload r >log 2>&1 &&
	sv 0 relup r --from 1.0.0 --write &&
	contains out "wrote r/releases/1.0.1/relup" &&
	"$SMOOTHVER" appup r --from 1.0.0 --to 1.0.1 --write >/dev/null &&
	cp -R r r2 && rm r2/releases/1.0.1/relup &&
	mkdir o && cp -R r/lib o/ && mkdir -p o/releases &&
	cp -R r/releases/1.0.0 o/releases/ &&
	echo "$(cut -d" " -f1 r/releases/start_erl.data) 1.0.0" >o/releases/start_erl.data &&
	systools_relup r2 expected o &&
	same expected r/releases/1.0.1/relup &&
	sv 3 relup r --from 0.9.0 &&
	contains err "release 0.9.0 not found in"
'

test_expect_success 'OTP applications left out of the root come from the installation' '
	cp -R "$B/old" o && cp -R "$B/reload" new &&
	rm -rf o/lib/kernel-* o/lib/stdlib-* o/lib/sasl-* \
		new/lib/kernel-* new/lib/stdlib-* new/lib/sasl-* &&
	"$SMOOTHVER" appup o new --write >/dev/null &&
	systools_relup new expected o &&
	sv 0 relup --systools o new -o mine &&
	same expected mine &&
	sv 0 relup o new -o mine2 &&
	same expected mine2 &&
	if PATH=/nonexistent "$SMOOTHVER" relup --systools o new -o none 2>err; then
		exit 1
	fi &&
	contains err "kernel-" && contains err "erl is not on PATH" &&
	test ! -e none
'

test_expect_success 'a package as a base' '
	otp_package "$B/old" pkg &&
	cp -R "$B/reload" new &&
	sv 0 relup pkg/petal-1.0.0.tar.gz new --json &&
	expect_json .schema smoothver.relup/1 &&
	expect_json ".bases[0].from" 1.0.0 &&
	expect_json ".bases[0].kind" translated &&
	expect_json ".bases[0].level" reload &&
	expect_json ".file" null &&
	json .text >relup.txt &&
	contains relup.txt "{load_object_code,{petal,\"1.0.1\",[petal_util]}}"
'

test_expect_success 'RESTART: a new ERTS gets a reboot script' '
	cp -R "$B/erts" new &&
	sv 0 relup "$B/old" new --write --json &&
	expect_json ".bases[0].kind" reboot &&
	expect_json ".bases[0].level" restart &&
	expect_json ".bases[0].up" 3 &&
	expect_json ".bases[0].down" 2 &&
	expect_json ".file" new/releases/2.0.0/relup &&
	erl -noshell -eval "
		{ok, [{\"2.0.0\",
		       [{\"1.0.0\", [], [restart_new_emulator, point_of_no_return, restart_emulator]}],
		       [{\"1.0.0\", [], [point_of_no_return, restart_emulator]}]}]} =
			file:consult(\"new/releases/2.0.0/relup\"), halt()."
'

test_expect_success 'RESTART: a major release bump reboots without a new emulator' '
	cp -R "$B/reload" new &&
	sed -i "s/{\"petal\",\"1\.0\.1\"}/{\"petal\",\"2.0.0\"}/" new/releases/1.0.1/petal.rel &&
	mv new/releases/1.0.1 new/releases/2.0.0 &&
	sed -i "s/ 1\.0\.1/ 2.0.0/" new/releases/start_erl.data &&
	sv 0 relup "$B/old" new &&
	contains out "[point_of_no_return,restart_emulator]" &&
	lacks out restart_new_emulator &&
	sv 0 relup "$B/old" new -o f &&
	contains out "reboot (release 1.0.0 -> 2.0.0 is a RESTART step)"
'

test_expect_success 'an appup that says restart_emulator keeps its translation' '
	cp -R "$B/reload" new &&
	echo "{\"1.0.1\", [{\"1.0.0\", [{load_module, petal_util}, restart_emulator]}],
	       [{\"1.0.0\", [{load_module, petal_util}, restart_emulator]}]}." \
		>new/lib/petal-1.0.1/ebin/petal.appup &&
	systools_relup new expected "$B/old" &&
	sv 0 relup "$B/old" new -o mine --json &&
	expect_json ".bases[0].kind" translated &&
	expect_json ".bases[0].level" restart &&
	same expected mine
'

test_expect_success 'systools refusals: no entry, undefined DepMods, muldef' '
	cp -R "$B/reload" new &&
	echo "{\"1.0.1\", [{\"0.9.0\", []}], [{\"0.9.0\", []}]}." \
		>new/lib/petal-1.0.1/ebin/petal.appup &&
	sv 3 relup --systools "$B/old" new --write &&
	contains err "no upgrade entry from petal 1.0.0" &&
	contains err "(systools: no_relup)" &&
	test ! -e new/releases/1.0.1/relup &&
	echo "{\"1.0.1\", [{\"1.0.0\", [{load_module, petal_util, [petal_gone]}]}],
	       [{\"1.0.0\", []}]}." >new/lib/petal-1.0.1/ebin/petal.appup &&
	sv 3 relup --systools "$B/old" new &&
	contains err "upgrade from 1.0.0: petal" &&
	contains err "depends on petal_gone" &&
	contains err "(systools: undef_module)" &&
	echo "{\"1.0.1\", [{\"1.0.0\", [{load_module, petal_util}, {update, petal_util}]}],
	       [{\"1.0.0\", []}]}." >new/lib/petal-1.0.1/ebin/petal.appup &&
	sv 3 relup --systools "$B/old" new &&
	contains err "(systools: muldef_module)" &&
	rm new/lib/petal-1.0.1/ebin/petal.appup &&
	sv 3 relup --systools "$B/old" new &&
	contains err "petal.appup" && contains err "appup --write"
'

test_expect_success 'the default mode keeps the checks of appup' '
	cp -R "$B/handgap" new &&
	sv 3 relup "$B/old" new &&
	contains err "hand-written appup misses changed modules: " &&
	grep -q "^smoothver: error: upgrade from 1.0.0: hand-written appup misses changed modules: new/lib/petal-[0-9.]*/ebin/petal.appup has no \(up\|down\)grade instruction \(from\|to\) [0-9.]* for " err &&
	contains err "hint: add instructions for them, or run with --merge to add the generated ones" &&
	sv 0 relup "$B/old" new --merge -o mine
'

test_expect_success '--appups: appup --write and relup --write in one pass' '
	cp -R "$B/state" one &&
	cp -R "$B/state" two &&
	cp -R "$B/state" three &&
	sv 0 relup "$B/old" one --write --appups &&
	test "$(wc -l <out)" -eq 3 &&
	test "$(sed -n 1p out)" = "petal 1.0.0 -> 1.1.0: generated lib/petal-1.1.0/ebin/petal.appup" &&
	sed -n 2p out | grep -q "^petal 1.0.0 -> 1.1.0: live (relup), appups of petal; " &&
	test "$(sed -n 3p out)" = "wrote one/releases/1.1.0/relup" &&
	"$SMOOTHVER" appup "$B/old" two --write >/dev/null &&
	"$SMOOTHVER" relup "$B/old" two --write >/dev/null &&
	cmp one/lib/petal-1.1.0/ebin/petal.appup \
	    two/lib/petal-1.1.0/ebin/petal.appup &&
	cmp one/releases/1.1.0/relup two/releases/1.1.0/relup &&
	grep -q "^%% smoothver derived-to 1.1.0 tree " one/releases/1.1.0/relup &&
	sv 0 --json relup "$B/old" three --write --appups &&
	expect_json ".appups | length" 1 &&
	expect_json ".appups[0].name" petal &&
	expect_json ".appups[0].source" generated &&
	expect_json ".appups[0].written" three/lib/petal-1.1.0/ebin/petal.appup &&
	cmp one/lib/petal-1.1.0/ebin/petal.appup \
	    three/lib/petal-1.1.0/ebin/petal.appup &&
	sv 0 --json relup "$B/old" three -o x &&
	expect_json ".appups" null
'

# The one pass walks both builds before it plans and takes the appups it
# writes into its walk of NEW: the provenance must still be that of NEW
# walked afresh after them, as the two commands in turn record it, when
# an appup already there is rewritten (--merge) too, and when a stale
# relup and a module written a moment ago are in the tree.
test_expect_success '--appups: the provenance is that of NEW after its appups, as in two passes' '
	cp -R "$B/handgap" one &&
	cp -R "$B/handgap" two &&
	echo stale >one/releases/1.1.0/relup &&
	echo stale >two/releases/1.1.0/relup &&
	sv 0 relup "$B/old" one --write --appups --merge &&
	contains out "petal 1.0.0 -> 1.1.0: merged lib/petal-1.1.0/ebin/petal.appup" &&
	"$SMOOTHVER" appup "$B/old" two --write --merge >/dev/null &&
	"$SMOOTHVER" relup "$B/old" two --write >/dev/null &&
	cmp one/lib/petal-1.1.0/ebin/petal.appup two/lib/petal-1.1.0/ebin/petal.appup &&
	cmp one/releases/1.1.0/relup two/releases/1.1.0/relup &&
	# again without caches: the digests all read afresh
	echo stale >two/releases/1.1.0/relup &&
	rm -rf "$HOME/.cache/smoothver" &&
	"$SMOOTHVER" relup "$B/old" two --write >/dev/null &&
	cmp one/releases/1.1.0/relup two/releases/1.1.0/relup &&
	mkdir tree && sv 0 pack one --delta-from "$B/old" -o tree/petal-1.1.0.tar.gz &&
	grep -q "^%% smoothver derived-from 1.0.0 tree $(jq -r .delta.base.sha256 tree/petal-1.1.0.manifest.json)$" one/releases/1.1.0/relup
'

test_expect_success 'a build holding a hard link is refused before anything is written' '
	cp -R "$B/state" new &&
	ln new/releases/1.1.0/start.boot new/linked.boot &&
	sv 3 relup "$B/old" new --write --appups &&
	contains err "new/linked.boot'"'"' is a hard link" &&
	test ! -e new/lib/petal-1.1.0/ebin/petal.appup &&
	test ! -e new/releases/1.1.0/relup &&
	rm new/linked.boot &&
	sv 0 relup "$B/old" new --write --appups
'

test_expect_success 'usage errors' '
	sv 2 relup "$B/reload" &&
	contains err "needs OLD... NEW" &&
	sv 2 relup "$B/old" "$B/reload" --write -o x &&
	sv 2 relup "$B/old" "$B/reload" --systools --merge &&
	sv 2 relup "$B/old" "$B/reload" --from 1.0.0,,1.0.1 &&
	sv 2 relup "$B/old" "$B/old" "$B/reload" &&
	contains err "given twice" &&
	otp_package "$B/reload" pkg &&
	sv 2 relup "$B/old" pkg/petal-1.0.1.tar.gz --write &&
	sv 3 relup "$B/reload" "$B/reload" &&
	contains err "to itself" &&
	sv 3 relup /nonexistent "$B/reload" &&
	cp -R "$B/state" new &&
	sv 2 relup "$B/old" new --appups &&
	contains err "needs --write" &&
	sv 2 relup "$B/old" new -o x --appups &&
	sv 2 relup "$B/old" new --write --appups --systools &&
	contains err "--systools generates none" &&
	sv 2 relup "$B/old" "$B/reload" new --write --appups &&
	contains err "exactly one base release, not 2" &&
	test ! -e new/releases/1.1.0/relup &&
	test ! -e new/lib/petal-1.1.0/ebin/petal.appup
'

test_done
