#!/bin/sh
# OTP live upgrades: the fixture release petal (tests/otp/) is built old
# and new, given appups, a relup and a package, booted as a target system
# and upgraded and downgraded live while one TCP connection stays open.
#
# Appups come from `smoothver appup OLD NEW --write`, or with
# SV_OTP_APPUPS=expected from the hand-written tests/otp/scenarios/*/expected
# (the harness's self-test).
. "$SV_SRCDIR/tests/e2e/lib.sh"
OTP_DIR=$SV_SRCDIR/tests/otp
. "$OTP_DIR/lib.sh"

if ! otp_have_erl; then
	echo "1..0 # SKIP erl, erlc or escript not installed"
	exit 0
fi

OLD=$TEST_ROOT/old

# appups SCENARIO OLDROOT NEWROOT: the appups for NEWROOT; files the
# scenario ships itself must come out unchanged.
appups() {
	if [ "${SV_OTP_APPUPS:-}" = expected ]; then
		otp_install_expected "$1" "$3"
	else
		"$SMOOTHVER" appup "$2" "$3" --write
	fi
	for _f in "$OTP_DIR/scenarios/$1"/apps/*/ebin/*.appup; do
		[ -f "$_f" ] || continue
		_a=$(basename "$_f" .appup)
		_lib=$(ls -d "$3/lib/$_a"-* | sed -n '$p')
		cmp "$_f" "$_lib/ebin/$_a.appup" ||
			{ echo "the shipped $_a.appup was changed" >&2; return 1; }
	done
}

vsn_of() { cut -d' ' -f2 "$1/releases/start_erl.data"; }

# live SCENARIO: old (base) and new build, appups, relup, delta package,
# target system, live upgrade and downgrade.
live() {
	_old=$OLD
	if [ -f "$OTP_DIR/scenarios/$1/erlc-opts" ]; then
		_old=$PWD/old
		# shellcheck disable=SC2046
		otp_build base "$_old" $(otp_erlc_opts "$1")
	fi
	otp_build "$1" new
	appups "$1" "$_old" new
	otp_relup new "$_old"
	test -f "new/releases/$(vsn_of new)/relup"
	otp_package new pkg "$_old"
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
