#!/bin/sh
# smoothver try-upgrade: the live upgrade from one release package to
# another, tried for real on a node of its own - petal (tests/otp/, a
# systools target system booted with erlexec) with a probe that stays
# connected throughout, up and back down; an upgrade that fails (no
# relup), one that hangs (--timeout), probes that die or never answer,
# no erl, bad arguments and bad packages, two runs at once, a signal; and
# tally (examples/tally, a rebar3/relx release booted by bin/tally daemon).
# After each run nothing it started may still run and its temporary
# directory must be gone.
. "$SV_SRCDIR/tests/e2e/lib.sh"
OTP_DIR=$SV_SRCDIR/tests/otp
. "$OTP_DIR/lib.sh"

if ! otp_have_erl; then
	echo "1..0 # SKIP erl, erlc or escript not installed"
	exit 0
fi

# The builds, once, shared read-only: petal 1.0.0 and 1.0.1 (petal_util
# changed) with smoothver's relup, full and delta packages; 1.0.1 without
# a relup; 1.0.1 whose relup sleeps for a minute.
B=$TEST_ROOT/builds
OLDPKG=$B/pkg/petal-1.0.0.tar.gz
NEWPKG=$B/pkg/petal-1.0.1.tar.gz
mkdir -p "$B/pkg" "$B/delta" "$B/norelup" "$B/slow"
{
	otp_build base "$B/old" && otp_build reload "$B/new" &&
		"$SMOOTHVER" relup "$B/old" "$B/new" --write &&
		"$SMOOTHVER" pack "$B/old" -o "$OLDPKG" &&
		"$SMOOTHVER" pack "$B/new" -o "$NEWPKG" &&
		"$SMOOTHVER" pack "$B/new" --delta-from "$B/old" \
			-o "$B/delta/petal-1.0.1.tar.gz" &&
		otp_build reload "$B/nr" &&
		"$SMOOTHVER" pack "$B/nr" -o "$B/norelup/petal-1.0.1.tar.gz" &&
		otp_build reload "$B/sl" &&
		echo '{"1.0.1", [{"1.0.0", [{load_module, petal_util}, {apply, {timer, sleep, [60000]}}]}], [{"1.0.0", [{load_module, petal_util}]}]}.' \
			>"$B/sl/lib/petal-1.0.1/ebin/petal.appup" &&
		"$SMOOTHVER" relup "$B/old" "$B/sl" --write &&
		"$SMOOTHVER" pack "$B/sl" -o "$B/slow/petal-1.0.1.tar.gz" &&
		otp_build reload "$B/src" && mkdir -p "$B/srcpkg" &&
		"$SMOOTHVER" relup "$B/old" "$B/src" --write &&
		rm "$B/src/releases/1.0.1/sys.config" &&
		echo '[{petal, [{greeting, "${SV_GREETING:-hello}"}, {n, ${SV_NUM}}]}].' \
			>"$B/src/releases/1.0.1/sys.config.src" &&
		"$SMOOTHVER" pack "$B/src" -o "$B/srcpkg/petal-1.0.1.tar.gz" &&
		otp_build reload "$B/bd" && mkdir -p "$B/baddown" &&
		echo '{"1.0.1", [{"1.0.0", [{load_module, petal_util}]}], [{"1.0.0", [{load_module, petal_util}, {apply, {erlang, error, [down_fails]}}]}]}.' \
			>"$B/bd/lib/petal-1.0.1/ebin/petal.appup" &&
		"$SMOOTHVER" relup "$B/old" "$B/bd" --write &&
		"$SMOOTHVER" pack "$B/bd" -o "$B/baddown/petal-1.0.1.tar.gz" &&
		for s in deps state; do
			otp_build $s "$B/$s" && mkdir -p "$B/pk-$s" &&
			"$SMOOTHVER" relup "$B/old" "$B/$s" --write &&
			"$SMOOTHVER" pack "$B/$s" -o "$B/pk-$s/petal-1.1.0.tar.gz" ||
			exit 1
		done
} >"$B/log" 2>&1 || { cat "$B/log" >&2; exit 1; }

free_port() { escript "$OTP_DIR/otp.escript" free-ports 1; }

# nothing_running [PATTERN...]: no process whose command line names this
# case's directory (the node, epmd, the control node all run from the
# run's directory under ./tmp) or any PATTERN.
nothing_running() {
	ps -eo pid,args | grep -v -e "ps -eo" -e grep >ps.out
	: >left
	for _p in "$PWD/" "$@"; do
		grep -F -e "$_p" ps.out >>left || true
	done
	if [ -s left ]; then
		echo "still running:" >&2
		cat left >&2
		return 1
	fi
}

# try CODE ARGS...: smoothver try-upgrade ARGS with TMPDIR=./tmp, exit
# status CODE; then ./tmp must be empty and nothing left running.
try() {
	_code=$1
	shift
	mkdir -p tmp
	(TMPDIR=$PWD/tmp; export TMPDIR; sv "$_code" try-upgrade "$@") || return 1
	if [ -n "$(ls -A tmp)" ]; then
		echo "left in TMPDIR:" >&2
		ls -la tmp >&2
		return 1
	fi
	nothing_running
}

# step STATE NAME: out has the step's line in that state.
step() {
	grep -q "^  $1 *$2\( \|\$\)" out || { echo "no '$1 $2' line:" >&2; cat out >&2; return 1; }
}

test_expect_success 'a live upgrade, with a probe connected throughout' '
	P=$(free_port) &&
	try 0 "$OLDPKG" "$NEWPKG" --erl-args "-petal port $P" \
		--probe "escript $OTP_DIR/probe.escript $P" &&
	for s in install boot probe unpack upgrade permanent probe-end stop fresh; do
		step ok $s || exit 1
	done &&
	lacks out downgrade && lacks out FAILED && expect_empty err &&
	grep -q "^try-upgrade petal 1.0.0 -> 1.0.1, node sv_try_[0-9]*_[0-9a-f]*@" out &&
	contains out "erts $(cut -d" " -f1 "$B/old/releases/start_erl.data") (installed), booted with erlexec" &&
	contains out "releases 1.0.0:permanent" &&
	contains out "release_handler:unpack_release(\"petal-1.0.1\") -> {ok,\"1.0.1\"}; releases 1.0.0:permanent 1.0.1:unpacked" &&
	contains out "release_handler:install_release(\"1.0.1\") -> {ok,\"1.0.0\",[]}; releases 1.0.0:permanent 1.0.1:current" &&
	contains out "release_handler:make_permanent(\"1.0.1\") -> ok; releases 1.0.0:old 1.0.1:permanent" &&
	contains out "running (pid " && contains out "connected to 127.0.0.1:$P" &&
	grep "probe-end" out | grep -q "answers, the last: petal 1\.0\.1 count=[0-9]* srv=v1 sup=5 thorn=up stem=v1 fmt=v2\$" &&
	grep -q "^  ok *stop .*init:stop(); OS process [0-9]* ended" out &&
	test "$(sed -n "\$p" out)" = "petal 1.0.0 -> 1.0.1: the live upgrade worked"
'

# kept_state SCENARIO: OLDPKG -> the scenario's 1.1.0 and back, with the
# probe connected throughout: petal_server counts the pings it answers,
# so its state was kept (no process restarted, nothing reset) when the
# count in the last answer is the number of answers.
kept_state() {
	P=$(free_port) &&
	try 0 "$OLDPKG" "$B/pk-$1/petal-1.1.0.tar.gz" --downgrade \
		--erl-args "-petal port $P" \
		--probe "escript $OTP_DIR/probe.escript $P" &&
	contains out "release_handler:install_release(\"1.1.0\") -> {ok,\"1.0.0\",[]}" &&
	contains out "the live upgrade worked, and the downgrade" &&
	end=$(grep "probe-end" out) &&
	n=$(echo "$end" | sed -n "s/.*: \([0-9]*\) answers, the last: .*/\1/p") &&
	c=$(echo "$end" | sed -n "s/.* count=\([0-9]*\) .*/\1/p") &&
	{ [ -n "$n" ] && [ "$n" = "$c" ] ||
	  { echo "state lost: $end" >&2; return 1; }; }
}

test_expect_success 'the state kept: load_module when petal_server'"'"'s record is the same (deps)' '
	contains "$B/deps/releases/1.1.0/relup" "{load,{petal_server,brutal_purge,brutal_purge}}" &&
	lacks "$B/deps/releases/1.1.0/relup" suspend &&
	kept_state deps
'

test_expect_success 'the state migrated: code_change when its record gained a field (state)' '
	contains "$B/state/releases/1.1.0/relup" "{code_change,up,[{petal_server,[]}]}" &&
	kept_state state
'

test_expect_success '--downgrade: back to the old release, made permanent again' '
	P=$(free_port) &&
	try 0 "$OLDPKG" "$NEWPKG" --downgrade --erl-args "-petal port $P" \
		--probe "escript $OTP_DIR/probe.escript $P" &&
	step ok downgrade && step ok probe-end &&
	contains out "release_handler:install_release(\"1.0.0\") -> {ok,\"1.0.0\",[]}; release_handler:make_permanent(\"1.0.0\") -> ok; releases 1.0.0:permanent 1.0.1:old" &&
	grep "probe-end" out | grep -q "the last: petal 1\.0\.0 .*fmt=v1\$" &&
	contains out "the live upgrade worked, and the downgrade"
'

test_expect_success '--json: smoothver.try-upgrade/1' '
	try 0 --json "$OLDPKG" "$NEWPKG" --downgrade --timeout 30 &&
	expect_json .schema smoothver.try-upgrade/1 &&
	expect_json .ok true && expect_json .release petal &&
	expect_json .from 1.0.0 && expect_json .to 1.0.1 && expect_json .boot erl &&
	expect_json .downgrade true && expect_json .probe null && expect_json .timeout 30 &&
	expect_json .failed_step null && expect_json .error null &&
	expect_json .node_log null && expect_json .probe_log null && expect_json .dir null &&
	json .node | grep -q "^sv_try_[0-9]*_[0-9a-f]*@" &&
	expect_json "[.steps[].name] | join(\",\")" install,boot,unpack,upgrade,permanent,downgrade,stop,fresh &&
	expect_json "[.steps[].status] | unique | join(\",\")" ok &&
	expect_json "[.steps[] | .seconds >= 0 and (.detail | length) > 0] | all" true &&
	expect_json "[.releases[] | .version + \":\" + .status] | join(\" \")" "1.0.0:permanent 1.0.1:old" &&
	expect_json ".steps[3].detail" "release_handler:install_release(\"1.0.1\") -> {ok,\"1.0.0\",[]}; releases 1.0.0:permanent 1.0.1:current" &&
	test "$(wc -l <out)" -eq 1 && expect_empty err
'

test_expect_success 'a delta package upgrades too; -q prints nothing' '
	try 0 -q "$OLDPKG" "$B/delta/petal-1.0.1.tar.gz" &&
	expect_empty out && expect_empty err
'

test_expect_success 'an upgrade that fails (no relup): the step named, the node'\''s log shown, exit 1' '
	try 1 "$OLDPKG" "$B/norelup/petal-1.0.1.tar.gz" &&
	grep -q "^  FAILED *upgrade .*release_handler:install_release(\"1.0.1\") -> {error,{enoent,\".*/releases/1.0.0/relup\"}}, expected {ok,\"1.0.0\",_}\$" out &&
	step ok unpack && step skipped permanent && step ok stop &&
	contains out "--- the node'\''s log:" &&
	contains out "=ERROR REPORT====" &&
	contains out "smoothver try-upgrade: release_handler:install_release(\"1.0.1\") -> {error,{enoent," &&
	grep -q "^petal 1.0.0 -> 1.0.1: failed at upgrade: release_handler:install_release" out &&
	try 1 --json "$OLDPKG" "$B/norelup/petal-1.0.1.tar.gz" &&
	expect_json .ok false && expect_json .failed_step upgrade &&
	json .error | grep -q "^release_handler:install_release(\"1.0.1\") -> {error,{enoent," &&
	expect_json "[.steps[].status] | join(\",\")" ok,ok,ok,failed,skipped,ok,skipped &&
	json .node_log | grep -q "smoothver try-upgrade: release_handler:unpack_release(\"petal-1.0.1\") -> {ok,\"1.0.1\"}" &&
	expect_json "[.releases[] | .version + \":\" + .status] | join(\" \")" "1.0.0:permanent 1.0.1:unpacked"
'

test_expect_success 'a node that fails to boot: the boot step fails, its log says why' '
	cp -R "$B/old" broken &&
	echo "[{petal, [{port, notaport}]}]." >broken/releases/1.0.0/sys.config &&
	"$SMOOTHVER" pack broken -o broken-1.0.0.tar.gz >/dev/null &&
	try 1 broken-1.0.0.tar.gz "$NEWPKG" &&
	step FAILED boot && step skipped unpack && step FAILED stop &&
	contains out "--- the node'\''s log" &&
	contains out "{failed_to_start_child,petal_listener,badarg}" &&
	contains out "== erl_crash.dump: Slogan: Kernel pid terminated (application_controller)" &&
	grep -q "^petal 1.0.0 -> 1.0.1: failed at boot: " out
'

test_expect_success 'a relup that hangs: the step times out, the node is stopped' '
	start=$(date +%s) &&
	try 1 "$OLDPKG" "$B/slow/petal-1.0.1.tar.gz" --timeout 8 &&
	test $(($(date +%s) - start)) -lt 45 &&
	grep -q "^  FAILED *upgrade .*release_handler:install_release(\"1.0.1\") did not return within 8 s\$" out &&
	contains out "smoothver try-upgrade: release_handler:install_release(\"1.0.1\") ..." &&
	grep -q "^  ok *stop" out
'

test_expect_success 'a downgrade that fails past the point of no return: the node restarts in place, is stopped all the same, NEW booted afresh' '
	try 1 "$OLDPKG" "$B/baddown/petal-1.0.1.tar.gz" --downgrade --timeout 30 &&
	step ok permanent &&
	grep -q "^  FAILED *downgrade *[0-9.]*s  release_handler:install_release(\"1.0.0\") -> {error, {.EXIT., {down_fails" out &&
	grep -q "^  ok *stop .*init:stop(), again once the node had restarted in place; OS process [0-9]* ended\$" out &&
	grep -q "^  ok *fresh .*a fresh boot of 1.0.1 has the supervision tree the upgrade left" out &&
	grep -q "^petal 1.0.0 -> 1.0.1: failed at downgrade: " out &&
	contains out "smoothver try-upgrade: init:stop()"
'

test_expect_success 'sys.config.src (relx): rendered from the node'"'"'s environment before install_release, which would take a missing sys.config for an empty one' '
	mkdir tmp &&
	(TMPDIR=$PWD/tmp SV_NUM=3 SV_GREETING=bonjour; export TMPDIR SV_NUM SV_GREETING
	 sv 0 try-upgrade --keep "$OLDPKG" "$B/srcpkg/petal-1.0.1.tar.gz") &&
	grep -q "^  ok *upgrade .*releases/1.0.1/sys.config rendered from sys.config.src with the node'"'"'s environment; release_handler:install_release(\"1.0.1\") -> {ok,\"1.0.0\",\[\]}" out &&
	dir=$(sed -n "s/^kept: //p" out) && test -d "$dir" &&
	test "$(cat "$dir/root/releases/1.0.1/sys.config")" = "[{petal, [{greeting, \"bonjour\"}, {n, 3}]}]." &&
	rm -rf "$dir" &&
	(SV_NUM=4; export SV_NUM; try 0 "$OLDPKG" "$B/srcpkg/petal-1.0.1.tar.gz") &&
	try 1 "$OLDPKG" "$B/srcpkg/petal-1.0.1.tar.gz" &&
	grep -q "^  FAILED *upgrade .*releases/1.0.1/sys.config.src with the node'"'"'s environment is not a sys.config (one Erlang list): line 1: syntax error before: .}. (a variable the node'"'"'s environment lacks?); nothing installed\$" out &&
	step ok stop
'

test_expect_success 'a probe that dies fails the run, its output shown' '
	try 1 "$OLDPKG" "$NEWPKG" --probe "echo probe ready; exit 4" &&
	grep -q "^  FAILED .*the probe ended.*(exit status 4)" out &&
	contains out "--- the probe'\''s output:" && contains out "probe ready" &&
	try 1 --json "$OLDPKG" "$NEWPKG" --probe "echo probe ready; exit 4" &&
	expect_json .probe_log "probe ready"
'

test_expect_success 'a probe must exit 0 once its input closes' '
	try 1 "$OLDPKG" "$NEWPKG" --probe "echo ready; cat >/dev/null; echo bye; exit 3" &&
	step ok permanent &&
	grep -q "^  FAILED *probe-end .*the probe ended with exit status 3 when its input closed" out &&
	contains out bye && step ok stop
'

test_expect_success 'a probe that never writes a line: the probe step times out, it is killed' '
	try 1 "$OLDPKG" "$NEWPKG" --timeout 6 \
		--probe "while :; do sleep 1; done # silent probe $$" &&
	grep -q "^  FAILED *probe .*the probe wrote no line within 6 s" out &&
	step skipped unpack && step ok stop &&
	nothing_running "silent probe $$"
'

test_expect_success 'no erl on PATH: exit 3, a clear message, nothing left' '
	mkdir tmp &&
	(PATH=/nonexistent TMPDIR=$PWD/tmp; export PATH TMPDIR
	 "$SMOOTHVER" try-upgrade "$OLDPKG" "$NEWPKG" >out 2>err; echo $? >rc) &&
	test "$(cat rc)" = 3 && expect_empty out &&
	expect_err "smoothver: error: cannot run try-upgrade: erl is not on PATH
hint: the upgrade runs on Erlang/OTP: install it (Debian: apt install erlang) or put its bin directory on PATH" &&
	test -z "$(ls -A tmp)"
'

test_expect_success 'usage errors: exit 2' '
	sv 2 try-upgrade "$OLDPKG" && contains err "needs OLD_PKG NEW_PKG" &&
	sv 2 try-upgrade a b --timeout 0 &&
	expect_err "smoothver: error: invalid --timeout '\''0'\'' (expected whole seconds from 1 to 86400)
hint: see '\''smoothver try-upgrade -h'\''" &&
	sv 2 try-upgrade a b --timeout 1.5 && contains err "invalid --timeout" &&
	sv 2 try-upgrade a b --probe " " && contains err "--probe needs a command" &&
	sv 2 try-upgrade a b --bogus && contains err "unknown option" &&
	sv 2 try-upgrade a b c && expect_empty out
'

test_expect_success 'bad input: exit 3, nothing left' '
	try 3 "$B/old" "$NEWPKG" &&
	expect_err "smoothver: error: '\''$B/old'\'' is not a release package: try-upgrade takes the packages release_handler unpacks
hint: make them with '\''smoothver pack RELEASE_ROOT'\''" &&
	try 3 "$OLDPKG" nope.tar.gz && contains err "cannot open '\''nope.tar.gz'\''" &&
	try 3 "$NEWPKG" "$NEWPKG" &&
	contains err "hold the same version of petal, 1.0.1" &&
	try 3 "$B/delta/petal-1.0.1.tar.gz" "$OLDPKG" &&
	contains err "'\''$B/delta/petal-1.0.1.tar.gz'\'' lacks lib/kernel-" &&
	contains err "it is not a whole release (a delta package?)" &&
	echo junk >junk.tar.gz && try 3 "$OLDPKG" junk.tar.gz &&
	contains err "junk.tar.gz" &&
	cp -R "$B/old" other && mv other/releases/1.0.0/petal.rel other/releases/1.0.0/other.rel &&
	sed -i "s/{\"petal\",/{\"other\",/" other/releases/1.0.0/other.rel &&
	"$SMOOTHVER" pack other -o other-1.0.0.tar.gz >/dev/null &&
	try 3 other-1.0.0.tar.gz "$NEWPKG" &&
	contains err "holds release other, but '\''$NEWPKG'\'' holds petal" &&
	expect_empty out
'

test_expect_success 'two runs at once: nodes, cookies and epmd ports of their own' '
	mkdir t1 t2
	(TMPDIR=$PWD/t1 "$SMOOTHVER" try-upgrade --json "$OLDPKG" "$NEWPKG" >o1 2>e1; echo $? >r1) &
	(TMPDIR=$PWD/t2 "$SMOOTHVER" try-upgrade --json "$OLDPKG" "$NEWPKG" >o2 2>e2; echo $? >r2) &
	wait
	test "$(cat r1) $(cat r2)" = "0 0" || { cat o1 e1 o2 e2; exit 1; }
	test "$(jq -r .node o1)" != "$(jq -r .node o2)" &&
	test -z "$(ls -A t1)$(ls -A t2)" && nothing_running
'

test_expect_success '--keep: the directory is left, its path printed; nothing runs' '
	mkdir tmp &&
	(TMPDIR=$PWD/tmp; export TMPDIR; sv 0 try-upgrade --keep "$OLDPKG" "$NEWPKG") &&
	dir=$(sed -n "s/^kept: //p" out) && test -d "$dir" &&
	case $dir in "$PWD/tmp/smoothver-try-"*) ;; *) exit 1 ;; esac &&
	test "$(cat "$dir/root/releases/start_erl.data")" = "$(cut -d" " -f1 "$B/old/releases/start_erl.data") 1.0.1" &&
	contains "$dir/node.log" "smoothver try-upgrade: release_handler:make_permanent(\"1.0.1\") -> ok" &&
	nothing_running && rm -rf "$dir"
'

test_expect_success 'a signal stops everything and removes the directory' '
	mkdir tmp
	# (not in an and-list: $! must be smoothver itself)
	(TMPDIR=$PWD/tmp exec "$SMOOTHVER" try-upgrade "$OLDPKG" "$NEWPKG" \
		--probe "echo ready; exec sleep 60" >out 2>err) &
	pid=$! i=0 &&
	until ls tmp/smoothver-try-*/probe.log >/dev/null 2>&1; do
		test $i -lt 300 || { kill $pid; exit 1; }
		sleep 0.1; i=$((i + 1))
	done &&
	sleep 0.5 && kill -TERM $pid && { wait $pid; rc=$?; } &&
	test $rc -eq 143 &&
	contains err "try-upgrade interrupted by signal 15; everything it started was stopped" &&
	test -z "$(ls -A tmp)" && nothing_running
'

test_expect_success 'a relx release boots through bin/NAME daemon (rebar3, tally)' '
	command -v rebar3 >/dev/null || { echo "# no rebar3"; exit 0; }
	cp -R "$SV_SRCDIR/examples/tally" tally && rm -rf tally/_build && mkdir builds pkgs &&
	export REBAR_OFFLINE=1 QUIET=1 REBAR_CACHE_DIR=$HOME/rebar-cache \
		REBAR_GLOBAL_CONFIG_DIR=$HOME/.config/rebar3 &&
	(cd tally && rebar3 release >../rebar3.log 2>&1 && cp -R _build/default/rel/tally ../builds/1.0.0 &&
	 patch -s -p1 <upgrades/1.1.0.patch && rm -rf _build && rebar3 release >>../rebar3.log 2>&1 &&
	 cp -R _build/default/rel/tally ../builds/1.1.0) || { cat rebar3.log; exit 1; }
	test -x builds/1.0.0/bin/tally &&
	"$SMOOTHVER" relup builds/1.0.0 builds/1.1.0 --write >/dev/null &&
	"$SMOOTHVER" pack builds/1.0.0 -o pkgs/tally-1.0.0.tar.gz >/dev/null &&
	"$SMOOTHVER" pack builds/1.1.0 -o pkgs/tally-1.1.0.tar.gz >/dev/null &&
	mkdir tmp && P=$(free_port) &&
	(TMPDIR=$PWD/tmp; export TMPDIR; sv 0 try-upgrade --json --keep --downgrade \
		pkgs/tally-1.0.0.tar.gz pkgs/tally-1.1.0.tar.gz --erl-args "-tally port $P" \
		--probe "escript $SV_SRCDIR/examples/tally/client.escript 127.0.0.1 $P") &&
	expect_json .boot relx && expect_json .ok true &&
	expect_json "[.steps[].status] | unique | join(\",\")" ok &&
	expect_json ".steps[0].detail | endswith(\"(from the package), booted by its relx start script\")" true &&
	expect_json "[.releases[] | .version + \":\" + .status] | join(\" \")" "1.0.0:permanent 1.1.0:old" &&
	json ".steps[] | select(.name == \"probe\") | .detail" | grep -q "connected to 127.0.0.1:$P" &&
	dir=$(json .dir) && node=$(json .node) &&
	grep -qx -e "-sname ${node%@*}" "$dir/root/releases/1.0.0/vm.args" &&
	! grep -q tally_demo "$dir/root/releases/1.0.0/vm.args" &&
	contains "$dir/log/erlang.log.1" "smoothver try-upgrade: release_handler:install_release(\"1.1.0\") -> {ok,\"1.0.0\",[]}" &&
	contains "$dir/probe.log" "< tally 1.0.0 ready" &&
	nothing_running "$node" && rm -rf "$dir"
'

test_expect_success 'nothing is left running' '
	ps -eo pid,args >ps.out &&
	if grep -F "$TEST_ROOT" ps.out | grep -v -e "ps -eo" -e grep; then exit 1; fi
'

test_done
