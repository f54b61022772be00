#!/bin/sh
# OTP live upgrades: the fixture release petal (tests/otp/) is built old
# and new, given a relup and a package, booted as a target system and
# upgraded and downgraded live while one TCP connection stays open - one
# step for each live scenario; two consecutive upgrades a -> b -> c and
# back on one node; a -> c directly and b -> c with one relup from both;
# and a RESTART step, where the relup reboots the node through heart and
# the client connects again.
#
# Relups come from `smoothver relup OLD... NEW --write` and packages from
# `smoothver pack ROOT [--delta-from OLD]`; with SV_OTP_APPUPS=expected
# (the harness's self-test, no smoothver needed) relups come from the
# hand-written appups of tests/otp/scenarios/*/expected through
# systools:make_relup, and packages from otp_package (shell tar).
. "$SV_SRCDIR/tests/e2e/lib.sh"
OTP_DIR=$SV_SRCDIR/tests/otp
. "$OTP_DIR/lib.sh"

if ! otp_have_erl; then
	echo "1..0 # SKIP erl, erlc or escript not installed"
	exit 0
fi

OLD=$TEST_ROOT/old
CHAIN=$TEST_ROOT/chain
MAJOR=$TEST_ROOT/major

# relup SCENARIO NEWROOT OLDROOT...: NEWROOT's relup from the OLDROOTs
# (its output in ./relup.out); appup files the scenario ships itself must
# come out unchanged.
relup() {
	_sc=$1 _new=$2
	shift 2
	if [ "${SV_OTP_APPUPS:-}" = expected ]; then
		otp_install_expected "$_sc" "$_new"
		otp_relup "$_new" "$@"
		: >relup.out
	else
		"$SMOOTHVER" relup "$@" "$_new" --write >relup.out
		cat relup.out
	fi
	test -f "$_new/releases/$(vsn_of "$_new")/relup"
	for _f in "$OTP_DIR/scenarios/$_sc"/apps/*/ebin/*.appup; do
		[ -f "$_f" ] || continue
		_a=$(basename "$_f" .appup)
		_lib=$(ls -d "$_new/lib/$_a"-* | sed -n '$p')
		cmp "$_f" "$_lib/ebin/$_a.appup" ||
			{ echo "the shipped $_a.appup was changed" >&2; return 1; }
	done
}

# smoothver's verdict for one base, unless the relup is systools'.
relup_says() {
	[ "${SV_OTP_APPUPS:-}" = expected ] || contains relup.out "$1"
}

vsn_of() { cut -d' ' -f2 "$1/releases/start_erl.data"; }

# package NEWROOT OUTDIR [OLDROOT]: OUTDIR/petal-VSN.tar.gz for
# release_handler, full or (given OLDROOT) a delta for a node running it.
package() {
	if [ "${SV_OTP_APPUPS:-}" = expected ]; then
		otp_package "$@"
	elif [ $# -eq 3 ]; then
		mkdir -p "$2" &&
			"$SMOOTHVER" pack "$1" --delta-from "$3" -o "$2/petal-$(vsn_of "$1").tar.gz"
	else
		mkdir -p "$2" && "$SMOOTHVER" pack "$1" -o "$2/petal-$(vsn_of "$1").tar.gz"
	fi
}

# relup_bases ROOT: the base versions of ROOT's current relup, up and down.
relup_bases() {
	erl -noshell -eval '
		{ok, [{_, Up, Down}]} = file:consult("'"$1/releases/$(vsn_of "$1")/relup"'"),
		io:format("up ~s~ndown ~s~n", [lists:join(" ", lists:sort([V || {V, _, _} <- L]))
			|| L <- [Up, Down]]), halt().'
}

# live SCENARIO: old (base) and new build, relup, delta package, target
# system, live upgrade and downgrade.
live() {
	_old=$OLD
	if [ -f "$OTP_DIR/scenarios/$1/erlc-opts" ]; then
		_old=$PWD/old
		# shellcheck disable=SC2046
		otp_build base "$_old" $(otp_erlc_opts "$1")
	fi
	otp_build "$1" new
	relup "$1" new "$_old"
	relup_says "petal $(vsn_of "$_old") -> $(vsn_of new): live"
	package new pkg "$_old"
	otp_target "$_old" target
	otp_live target "pkg/petal-$(vsn_of new).tar.gz" "$(vsn_of "$_old")" \
		"$(vsn_of new)" "$OTP_DIR/scenarios/$1/expect"
}

test_expect_success 'the base release builds as relx lays it out' '
	otp_build base "$OLD" &&
	grep -qx "[0-9.]* 1\.0\.0" "$OLD/releases/start_erl.data" &&
	for f in releases/1.0.0/petal.rel releases/1.0.0/start.boot releases/1.0.0/sys.config \
		lib/petal-1.0.0/ebin/petal.app lib/petal-1.0.0/ebin/petal_server.beam \
		lib/petal-1.0.0/priv/petal_nif.so lib/stem-1.0.0/ebin/stem.app \
		lib/thorn-1.0.0/ebin/thorn.app; do
		test -f "$OLD/$f" || { echo "no $f" >&2; exit 1; }
	done &&
	ls -d "$OLD"/lib/kernel-* "$OLD"/lib/stdlib-* "$OLD"/lib/sasl-*
'

for sc in $(otp_scenarios_live); do
	test_expect_success "live upgrade and downgrade: $sc" "live $sc"
done

# a = base 1.0.0, b = reload 1.0.1, c = chain 1.1.0 (reload's change and
# then state's): c's relup goes from a and from b.
test_expect_success 'chain: b and c build; the relup of c is from a and b' '
	mkdir -p "$CHAIN" && cd "$CHAIN" &&
	otp_build reload b && otp_build chain c &&
	test "$(vsn_of b)" = 1.0.1 && test "$(vsn_of c)" = 1.1.0 &&
	relup reload b "$OLD" &&
	relup_says "petal 1.0.0 -> 1.0.1: live" &&
	relup chain c "$OLD" b &&
	relup_says "petal 1.0.0 -> 1.1.0: live" &&
	relup_says "petal 1.0.1 -> 1.1.0: live" &&
	relup_bases c >bases &&
	printf "up 1.0.0 1.0.1\ndown 1.0.0 1.0.1\n" | cmp - bases &&
	package b delta "$OLD" && package c delta b &&
	package b full && package c full &&
	if [ "${SV_OTP_APPUPS:-}" != expected ]; then
		jq -e ".delta.from == \"1.0.0\"" delta/petal-1.0.1.manifest.json &&
		jq -e ".delta.from == \"1.0.1\"" delta/petal-1.1.0.manifest.json &&
		jq -e ".delta == null" full/petal-1.1.0.manifest.json
	fi >/dev/null &&
	tar -tzf delta/petal-1.1.0.tar.gz >delta.lst &&
	tar -tzf full/petal-1.1.0.tar.gz >full.lst &&
	for f in releases/1.1.0/relup releases/petal-1.1.0.rel lib/petal-1.1.0/ebin/petal_server.beam; do
		grep -qx "$f" delta.lst && grep -qx "$f" full.lst ||
			{ echo "no $f in a package" >&2; exit 1; }
	done &&
	! grep -q "^lib/stem-1.0.0/" delta.lst && grep -q "^lib/stem-1.0.0/" full.lst
'

test_expect_success 'two consecutive upgrades a -> b -> c and back, delta packages' '
	otp_target "$OLD" target &&
	otp_live_steps target "$OTP_DIR/scenarios/chain/steps.consecutive" \
		"$CHAIN/delta/petal-1.0.1.tar.gz" "$CHAIN/delta/petal-1.1.0.tar.gz"
'

test_expect_success 'the same with full packages' '
	otp_target "$OLD" target &&
	otp_live_steps target "$OTP_DIR/scenarios/chain/steps.consecutive" \
		"$CHAIN/full/petal-1.0.1.tar.gz" "$CHAIN/full/petal-1.1.0.tar.gz"
'

test_expect_success 'a -> c directly by the relup from a and b, full package' '
	otp_target "$OLD" target &&
	otp_live_steps target "$OTP_DIR/scenarios/chain/steps.direct" \
		"$CHAIN/full/petal-1.1.0.tar.gz"
'

test_expect_success 'b -> c with the same package' '
	otp_target "$CHAIN/b" target &&
	otp_live_steps target "$OTP_DIR/scenarios/chain/steps.from-b" \
		"$CHAIN/full/petal-1.1.0.tar.gz"
'

test_expect_success 'RESTART: the relup reboots the node through heart, and back' '
	mkdir -p "$MAJOR" && cd "$MAJOR" &&
	otp_build major new &&
	relup major new "$OLD" &&
	relup_says "petal 1.0.0 -> 2.0.0: reboot (release 1.0.0 -> 2.0.0 is a RESTART step)" &&
	erl -noshell -eval "
		{ok, [{\"2.0.0\", [{\"1.0.0\", _, Up}], [{\"1.0.0\", _, Down}]}]} =
			file:consult(\"new/releases/2.0.0/relup\"),
		[point_of_no_return, restart_emulator] = Up = Down, halt()." &&
	package new pkg &&
	otp_target "$OLD" target &&
	otp_live_steps target "$OTP_DIR/scenarios/major/steps" pkg/petal-2.0.0.tar.gz &&
	test "$(grep -c "^== bin/start: pid [0-9]* boots" target/live/node.log)" -eq 3
'

test_expect_success 'RESTART without heart: release_handler cannot reboot the node' '
	otp_target "$OLD" target &&
	sed "s/^boot 1.0.0 heart\$/boot 1.0.0/" "$OTP_DIR/scenarios/major/steps" >steps &&
	! grep -q "^boot.*heart" steps &&
	if otp_live_steps target steps "$MAJOR/pkg/petal-2.0.0.tar.gz" >live.out 2>&1; then
		cat live.out; exit 1
	fi &&
	contains live.out "install_release(\"2.0.0\") returned" &&
	contains live.out "{heart,set_cmd,1," &&
	test "$(grep -c "^== bin/start: pid [0-9]* boots" target/live/node.log)" -eq 1
'

test_expect_success 'the harness notices an upgrade that changes nothing' '
	otp_build reload new &&
	echo "{\"1.0.1\", [{\"1.0.0\", []}], [{\"1.0.0\", []}]}." \
		>new/lib/petal-1.0.1/ebin/petal.appup &&
	otp_relup new "$OLD" && otp_package new pkg "$OLD" && otp_target "$OLD" target &&
	if otp_live target pkg/petal-1.0.1.tar.gz 1.0.0 1.0.1 \
		"$OTP_DIR/scenarios/reload/expect" >live.out 2>&1; then
		cat live.out; exit 1
	fi &&
	contains live.out "after the upgrade: the answer" &&
	contains live.out "fmt=v1"
'

test_expect_success 'otp_relup passes on systools refusing an appup' '
	otp_build reload new &&
	echo "{\"1.0.1\", [{\"0.9.0\", []}], [{\"0.9.0\", []}]}." \
		>new/lib/petal-1.0.1/ebin/petal.appup &&
	if otp_relup new "$OLD" 2>err; then exit 1; fi &&
	contains err "make_relup" && contains err "1.0.0" &&
	test ! -f new/releases/1.0.1/relup
'

test_expect_success 'classification-only scenarios build (erts, novsn, handgap)' '
	otp_build erts erts &&
	test "$(cat erts/releases/start_erl.data)" = "13.2 2.0.0" &&
	grep -q "{erts,\"13.2\"}" erts/releases/2.0.0/petal.rel &&
	contains erts/lib/petal-1.1.0/priv/petal_nif.so "(v2)" &&
	otp_build novsn novsn &&
	test "$(vsn_of novsn)" = 1.0.1 && test -d novsn/lib/petal-1.0.0 &&
	test ! -e novsn/lib/petal-1.0.1 &&
	otp_build handgap handgap &&
	cmp "$OTP_DIR/scenarios/handgap/apps/petal/ebin/petal.appup" \
		handgap/lib/petal-1.1.0/ebin/petal.appup &&
	otp_relup handgap "$OLD" && test -f handgap/releases/1.1.0/relup
'

test_expect_success 'nodebug beams carry no abstract code' '
	otp_build nodebug nd &&
	erl -noshell -eval "
		{ok, {_, [{debug_info, {debug_info_v1, _, {none, _}}}]}} =
			beam_lib:chunks(\"nd/lib/petal-1.0.1/ebin/petal_util.beam\", [debug_info]),
		{ok, {_, [{debug_info, {debug_info_v1, _, {Abs, _}}}]}} =
			beam_lib:chunks(\"$OLD/lib/petal-1.0.0/ebin/petal_util.beam\", [debug_info]),
		true = Abs =/= none, halt()."
'

test_expect_success 'rebar3 (relx) builds two versions into one root' '
	command -v rebar3 >/dev/null || { echo "# no rebar3"; exit 0; }
	otp_build_rebar3 base r && otp_build_rebar3 reload r &&
	test "$(vsn_of r)" = 1.0.1 &&
	for f in releases/1.0.0/petal.rel releases/1.0.0/start.boot \
		releases/1.0.1/petal.rel releases/1.0.1/start.boot \
		lib/petal-1.0.0/ebin/petal.app lib/petal-1.0.1/ebin/petal.app \
		lib/stem-1.0.0/ebin/stem_fmt.beam; do
		test -f "r/$f" || { echo "no $f" >&2; exit 1; }
	done &&
	test ! -e r/erts-* &&
	otp_build_rebar3 handwritten h &&
	cmp "$OTP_DIR/scenarios/handwritten/apps/petal/ebin/petal.appup" \
		h/lib/petal-1.1.0/ebin/petal.appup
'

test_expect_success 'nothing is left running' '
	ps -eo pid,args >ps.out &&
	if grep -F "$TEST_ROOT" ps.out | grep -v -e "ps -eo" -e grep; then exit 1; fi
'

test_done
