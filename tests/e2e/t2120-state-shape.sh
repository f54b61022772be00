#!/bin/sh
# The level of a changed process module comes from its state: the cases
# of tests/otp/shapes/ (gen_server, gen_statem, gen_event and supervisor
# modules, each an old.erl and a new.erl with the verdict, level and
# reason expected) built into one release, shapes 1.0.0 -> 1.1.0, and
# compared; the appups systools accepts; --explain; hand-written appups
# and relups that decide the level; builds without debug info.
. "$SV_SRCDIR/tests/e2e/lib.sh"
. "$SV_SRCDIR/tests/otp/lib.sh"
SHAPES=$SV_SRCDIR/tests/otp/shapes

if ! otp_have_erl; then
	echo "1..0 # SKIP erl, erlc or escript not installed"
	exit 0
fi

# A fixture tree of our own (tests/otp/lib.sh reads OTP_DIR): release
# shapes with one application, shapes, whose modules are the cases' old
# code; scenario "new" has every case's new code, "same" only the new
# code of the cases whose state is the same, "field" only srv_field's.
B=$TEST_ROOT/builds
OTP_DIR=$TEST_ROOT/otp
CASES=$(cd "$SHAPES" && ls)
app_src() { # VSN MODULES...
	_v=$1
	shift
	printf '{application, shapes, [{description, "state shapes"}, {vsn, "%s"},\n {modules, [%s]},\n {registered, []}, {applications, [kernel, stdlib]},\n {env, [{workers, 2}]}]}.\n' \
		"$_v" "$(echo "$@" | sed 's/ /, /g')"
}
stage() { # DIR VSN WHICH: WHICH of old, new, same, field
	mkdir -p "$1/apps/shapes/src" "$1/config" &&
	printf 'name shapes\nvsn %s\nerts installed\napps shapes\n' "$2" >"$1/release" &&
	echo '[].' >"$1/config/sys.config" &&
	app_src "$2" $CASES >"$1/apps/shapes/src/shapes.app.src" &&
	for c in $CASES; do
		v=old
		case $3 in
		new) v=new ;;
		same) grep -q "^verdict same" "$SHAPES/$c/expect" && v=new ;;
		field) [ "$c" = srv_field ] && v=new ;;
		esac
		cp "$SHAPES/$c/$v.erl" "$1/apps/shapes/src/$c.erl" || return 1
	done
}
{
	mkdir -p "$OTP_DIR/scenarios" &&
	cp "$SV_SRCDIR/tests/otp/otp.escript" "$OTP_DIR/" &&
	stage "$OTP_DIR/base" 1.0.0 old &&
	stage "$OTP_DIR/scenarios/new" 1.1.0 new &&
	stage "$OTP_DIR/scenarios/same" 1.0.1 same &&
	stage "$OTP_DIR/scenarios/field" 1.1.0 field &&
	otp_build base "$B/old" && otp_build new "$B/new" &&
	otp_build same "$B/same" && otp_build field "$B/field" &&
	otp_build new "$B/new-nodebug" -W0
} >"$TEST_ROOT/build.log" 2>&1 || { cat "$TEST_ROOT/build.log" >&2; exit 1; }

# mod_json MODULE FIELD: FIELD of MODULE's entry in ./out's explain.
mod_json() {
	jq -r --arg m "$1" ".explain.modules[] | select(.module == \$m) | .$2" out
}

test_expect_success 'every case: the verdict, the level and the reason' '
	sv 1 diff --json --explain "$B/old" "$B/new" &&
	for c in $CASES; do
		want_level=$(sed -n "s/^level //p" "$SHAPES/$c/expect") &&
		want_verdict=$(sed -n "s/^verdict //p" "$SHAPES/$c/expect") &&
		want_reason=$(sed -n "s/^reason //p" "$SHAPES/$c/expect") &&
		got_level=$(mod_json "$c" level) &&
		got_verdict=$(mod_json "$c" verdict) &&
		got_reason=$(mod_json "$c" reason) &&
		{ [ "$got_level" = "$want_level" ] &&
		  [ "$got_verdict" = "$want_verdict" ] &&
		  case $got_reason in *"$want_reason"*) true ;; *) false ;; esac ||
		  { echo "case $c: $got_level/$got_verdict ($got_reason), expected $want_level/$want_verdict ($want_reason)" >&2
		    jq ".explain.modules[] | select(.module == \"$c\")" out >&2; exit 1; }; }
	done &&
	expect_json .required relup &&
	test "$(jq "[.explain.modules[] | select(.evidence | length > 1)] | length" out)" -eq "$(echo $CASES | wc -w)"
'

test_expect_success 'the appups: load_module where the state is the same, update elsewhere; systools accepts them' '
	cp -R "$B/new" new &&
	sv 0 appup --json "$B/old" new --write &&
	contains err "warning: shapes: supervisor sup_clauses changed, but whether init/1 gained or lost children cannot be told, as init/1'"'"'s clauses declare different children" &&
	for c in $CASES; do
		up=$(jq -r --arg m "$c" ".apps[0].modules[] | select(.module == \$m) | .up" out) &&
		case $(sed -n "s/^level //p" "$SHAPES/$c/expect"):$up in
		reload:"{load_module,$c,"*) ;;
		relup:"{update,$c,{advanced,[]},"* | relup:"{update,$c,supervisor}") ;;
		*) echo "case $c: $up" >&2; exit 1 ;;
		esac
	done &&
	otp_relup new "$B/old" >relup.log 2>&1 || { cat relup.log >&2; exit 1; }
'

test_expect_success '--explain: the evidence under each module, in text and as appup comments' '
	sv 1 diff --explain "$B/old" "$B/new" &&
	contains out "explain: shapes 1.0.0 -> 1.1.0" &&
	contains out "  srv_field: relup (changed): gen_server with code_change/3; record #state{} gained field seen" &&
	contains out "      abstract code: read from both builds'"'"' debug info" &&
	contains out "      state: record #state{} (init/1, handle_call/3)" &&
	contains out "      record #state{} gained field seen" &&
	contains out "  srv_body: reload (changed): gen_server with code_change/3; state record #state{} unchanged, code_change/3 unchanged" &&
	contains out "      #state{}: the same definition in both builds" &&
	contains out "      code_change/3: the same code in both builds" &&
	contains out "      state functions: the old build'"'"'s 2 all still there" &&
	contains out "      init/1 (with the local functions it calls): the same code in both builds" &&
	sv 0 appup --explain "$B/old" "$B/new" &&
	contains out "%%   srv_body: reload (changed):" &&
	sed -n "/^%%/!p" out >appup.term &&
	erl -noshell -eval "{ok, [_]} = file:consult(\"appup.term\"), halt()." &&
	sv 0 check --base "$B/old" "$B/new" --explain --json &&
	test "$(jq ".explain.modules | length" out)" -eq "$(echo $CASES | wc -w)" &&
	sv 0 check --base "$B/old" "$B/new" --explain &&
	contains out "  srv_map: relup (changed): gen_server with code_change/3; its state cannot be compared: init/1 gives a state that is a map"
'

test_expect_success 'check: only same-state changes ship as a reload bump' '
	sv 0 check --base "$B/old" "$B/same" &&
	contains out "shapes 1.0.0 -> 1.0.1: ok, a reload bump; the change needs reload; relup made"
'

test_expect_success 'a hand-written appup decides: update makes it relup, load_module a reload (with a state warning)' '
	cp -R "$B/same" same &&
	echo "{\"1.0.1\", [{\"1.0.0\", [{update, srv_body, {advanced, []}}, {load_module, srv_helper}, {load_module, srv_case}, {load_module, statem_same}, {load_module, evt_same}, {load_module, sup_same}]}], [{\"1.0.0\", [{update, srv_body, {advanced, []}}, {load_module, srv_helper}, {load_module, srv_case}, {load_module, statem_same}, {load_module, evt_same}, {load_module, sup_same}]}]}." \
		>same/lib/shapes-1.0.1/ebin/shapes.appup &&
	sv 1 check --base "$B/old" same &&
	contains out "error: needs relup: srv_body: update in the hand-written appup, where smoothver would write load_module (gen_server with code_change/3; state record #state{} unchanged, code_change/3 unchanged)" &&
	otp_revsn "$B/field" field 1.0.1 &&
	echo "{\"1.1.0\", [{\"1.0.0\", [{load_module, srv_field}]}], [{\"1.0.0\", [{load_module, srv_field}]}]}." \
		>field/lib/shapes-1.1.0/ebin/shapes.appup &&
	sv 0 check --base "$B/old" field &&
	contains out "ok, a reload bump; the change needs reload" &&
	contains out "warning: shapes: the hand-written appup reloads srv_field (load_module) but its state changed (gen_server with code_change/3; record #state{} gained field seen): its processes keep the state the old code built" &&
	sv 0 --json check --base "$B/old" field &&
	expect_json "[.warnings[].kind] | join(\",\")" state &&
	sv 1 diff "$B/old" field &&
	contains out "M reload  lib/shapes-1.1.0/ebin/srv_field.beam  (srv_field: load_module in the hand-written appup, where smoothver would write update"
'

test_expect_success 'a hand-written relup decides; a module it does not load is a coverage error' '
	otp_revsn "$B/field" rl 1.0.1 &&
	printf "%s\n" "{\"1.0.1\"," \
		" [{\"1.0.0\", [], [{load_object_code, {shapes, \"1.1.0\", [srv_field]}}, point_of_no_return, {load, {srv_field, brutal_purge, brutal_purge}}]}]," \
		" [{\"1.0.0\", [], [{load_object_code, {shapes, \"1.0.0\", [srv_field]}}, point_of_no_return, {load, {srv_field, brutal_purge, brutal_purge}}]}]}." \
		>rl/releases/1.0.1/relup &&
	sv 1 diff --json --explain "$B/old" rl &&
	expect_json .required reload &&
	expect_json ".explain.relup | endswith(\"rl/releases/1.0.1/relup\")" true &&
	expect_json ".otp.reasons[0].reason" "load_object_code, load in the relup releases/1.0.1/relup, where the appups say relup (gen_server with code_change/3; record #state{} gained field seen) (shapes 1.0.0 -> 1.1.0)" &&
	sv 0 check --base "$B/old" rl &&
	contains out "warning: shapes: the relup releases/1.0.1/relup loads srv_field without suspend and code_change, but its state changed" &&
	otp_revsn "$B/same" rs 1.0.2 &&
	printf "%s\n" "{\"1.0.2\"," \
		" [{\"1.0.0\", [], [{load_object_code, {shapes, \"1.0.1\", [srv_body]}}, point_of_no_return, {load, {srv_body, brutal_purge, brutal_purge}}]}]," \
		" [{\"1.0.0\", [], []}]}." >rs/releases/1.0.2/relup &&
	sv 1 check --base "$B/old" rs &&
	contains out "error: the relup of shapes 1.0.2 neither loads nor removes changed modules from 1.0.0: " &&
	contains out "srv_helper" && lacks out "srv_body," &&
	cp -R "$B/new" restart &&
	printf "%s\n" "{\"1.1.0\", [{\"1.0.0\", [], [restart_new_emulator]}], [{\"1.0.0\", [], [restart_new_emulator]}]}." \
		>restart/releases/1.1.0/relup &&
	sv 1 diff --json "$B/old" restart &&
	expect_json .required restart &&
	expect_json ".otp.reasons[0].reason" "restart_new_emulator in the relup releases/1.1.0/relup"
'

test_expect_success 'without debug info the state cannot be told: update kept, the reason says why' '
	sv 1 diff --json --explain "$B/old" "$B/new-nodebug" &&
	expect_json "[.explain.modules[] | select(.verdict != null) | .verdict] | unique | join(\",\")" unknown &&
	mod_json srv_body level >lv && test "$(cat lv)" = relup &&
	mod_json srv_body reason >why &&
	contains why "gen_server with code_change/3; its state cannot be read from the code: "
'

test_done
