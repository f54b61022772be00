#!/bin/sh
# smoothver deploy, the node side, on the example release (examples/tally,
# built with rebar3): a root bootstrapped from a store, a real node booted
# from it by relx's start script, and followers that move it live as the
# store's latest moves - a relup (the counter's state migrates), a reload
# from a delta package, a broken package whose probe fails (rolled back:
# the node serves the old version), a follower killed half-way and
# restarted, a new RESTART number refused. One client connection stays
# open from the bootstrap to the end; each step checks what a user would
# look at: the answers on that connection and its process, the node's
# OS pid, which_releases().
. "$SV_SRCDIR/tests/e2e/lib.sh"
OTP_DIR=$SV_SRCDIR/tests/otp
. "$OTP_DIR/lib.sh"

if ! otp_have_erl || ! command -v rebar3 >/dev/null 2>&1; then
	echo "1..0 # SKIP erl or rebar3 not installed (Debian: erlang rebar3)"
	exit 0
fi

B=$TEST_ROOT/builds
EX=$SV_SRCDIR/examples/tally
CLIENT=$EX/client.escript
STORE=$B/store
export REBAR_CACHE_DIR="$HOME/.cache/rebar3" REBAR_OFFLINE=1 QUIET=1
mkdir -p "$B/pk/delta"

# ---- the builds ----

# setvsn VSN: the release's and the application's version.
setvsn() {
	sed -i "s/{tally, \"[^\"]*\"}/{tally, \"$1\"}/" rebar.config &&
		sed -i "s/{vsn, \"[^\"]*\"}/{vsn, \"$1\"}/" src/tally.app.src &&
		grep -q "{tally, \"$1\"}" rebar.config
}
# build VSN: a clean rebar3 release, the root kept as $B/rVSN.
build() {
	rm -rf _build &&
		rebar3 release &&
		cp -R _build/default/rel/tally "$B/r$1"
}

(
	set -e
	cp -R "$EX" "$B/src"
	cd "$B/src"
	rm -rf _build upgrades
	build 1.0.0
	patch -s -p1 <"$EX/upgrades/1.1.0.patch"
	build 1.1.0
	patch -s -p1 <"$EX/upgrades/1.1.1.patch"
	build 1.1.1
	cp src/tally_proto.erl "$B/proto.good"
	# 1.1.2: `version` crashes the connection (the probe asks it)
	setvsn 1.1.2
	sed -i 's/\["version"\] -> \["tally ", vsn()/["version"] -> erlang:error(broken), ["tally ", vsn()/' src/tally_proto.erl
	grep -q 'erlang:error(broken)' src/tally_proto.erl
	build 1.1.2
	# 1.1.3: from 1.1.1 again, `get` of an unknown name says so
	cp "$B/proto.good" src/tally_proto.erl
	setvsn 1.1.3
	sed -i 's/^add(Name, N) ->/%% 1.1.3\nadd(Name, N) ->/' src/tally_proto.erl
	grep -q '^%% 1.1.3' src/tally_proto.erl
	build 1.1.3
	# 2.0.0: a new RESTART number
	setvsn 2.0.0
	build 2.0.0
) >"$B/build.log" 2>&1 || { cat "$B/build.log" >&2; echo "Bail out! the rebar3 builds"; exit 1; }

# ship OLD NEW [EXPECT]: appups and relup from OLD, the whole package and
# the delta from OLD, both published, the delta first (the whole
# release's publish moves the pointer, expected at EXPECT, default OLD).
ship() {
	"$SMOOTHVER" appup "$B/r$1" "$B/r$2" --write >/dev/null &&
		"$SMOOTHVER" relup "$B/r$1" "$B/r$2" --write >/dev/null &&
		"$SMOOTHVER" pack "$B/r$2" -o "$B/pk/tally-$2.tar.gz" >/dev/null &&
		"$SMOOTHVER" pack "$B/r$2" --delta-from "$B/r$1" \
			-o "$B/pk/delta/tally-$2.tar.gz" >/dev/null &&
		"$SMOOTHVER" publish "$B/pk/delta/tally-$2.tar.gz" --store "$STORE" >/dev/null &&
		"$SMOOTHVER" publish "$B/pk/tally-$2.tar.gz" --store "$STORE" \
			--expect-latest "${3:-$1}" >/dev/null
}

# ---- the live node ----

node=$B/node
ports=$(escript "$OTP_DIR/otp.escript" free-ports 2) || { echo "Bail out! no free ports"; exit 1; }
EPMD_PORT=$(echo "$ports" | sed -n 1p)
PORT=$(echo "$ports" | sed -n 2p)
export ERL_EPMD_PORT=$EPMD_PORT PIPE_DIR="$B/pipes/" RELX_RPC_TIMEOUT=30
mkdir -p "$B/pipes"
epid='' cpid=''

cleanup() {
	exec 3>&- 2>/dev/null
	for f in "$B"/follower.*.pid "$B"/probe.pid; do
		[ -f "$f" ] && _otp_stop "$(cat "$f")"
	done
	_otp_stop "$cpid"
	if [ -d "$node/bin" ]; then
		(cd "$node" && timeout 20 bin/tally stop) >/dev/null 2>&1
		_otp_stop "$(cat "$B/node.pid" 2>/dev/null)"
	fi
	if [ -d "$B/ln/bin" ]; then
		(cd "$B/ln" && timeout 20 bin/tally stop) >/dev/null 2>&1
		_otp_stop "$(cat "$B/ln.pid" 2>/dev/null)"
	fi
	_otp_stop "$epid"
	rm -rf "$TEST_ROOT"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# eval EXPR: an Erlang expression on the node (relx's eval); -> ./out
node_eval() {
	(cd "$node" && timeout 60 bin/tally eval "$1") >out 2>err || {
		cat out err >&2
		return 1
	}
}
# rels: which_releases() as "VSN:STATUS ..." sorted -> ./out
rels() {
	node_eval 'lists:flatten(lists:join(" ", [[V, ":", atom_to_list(S)] || {_, V, _, S} <- lists:sort(release_handler:which_releases())])).' &&
		sed -i 's/^"//; s/"$//' out
}

CLOG=$B/client.log
# client_wait N: until the conversation has N lines (30 s at most). A
# client that has ended may have written them between the count and the
# look at it (the last answer, "bye", comes just before it ends): the
# count is taken again before that is a failure.
client_wait() {
	_i=0
	while [ "$(wc -l <"$CLOG")" -lt "$1" ]; do
		if ! kill -0 "$(cat "$B/client.pid")" 2>/dev/null; then
			[ "$(wc -l <"$CLOG")" -lt "$1" ] || break
			cat "$CLOG" >&2
			echo "the client has gone" >&2
			return 1
		fi
		[ $_i -lt 600 ] || { cat "$CLOG" >&2; echo "no answer in 30 s" >&2; return 1; }
		sleep 0.05
		_i=$((_i + 1))
	done
}
# ask CMD: send CMD on the one connection, its answer -> ./answer.
ask() {
	_seen=$(($(cat "$B/seen") + 2))
	printf '%s\n' "$1" >&3 &&
		client_wait "$_seen" &&
		echo "$_seen" >"$B/seen" &&
		sed -n "${_seen}p" "$CLOG" | sed 's/^< //' >answer
}
expect_answer() {
	ask "$1" || return 1
	[ "$(cat answer)" = "$2" ] || { echo "'$1' -> '$(cat answer)', expected '$2'" >&2; return 1; }
}
# same_connection: `version` names the connection's process seen first.
same_connection() {
	ask version &&
		sed 's/.*connection //' answer >conn &&
		cmp -s conn "$B/conn" || { echo "the connection changed: $(cat conn) vs $(cat "$B/conn")" >&2; return 1; }
}
same_os_pid() {
	node_eval 'os:getpid().' &&
		[ "$(tr -d '"' <out)" = "$(cat "$B/ospid")" ] || { echo "the node restarted: OS pid $(cat out), was $(cat "$B/ospid")" >&2; return 1; }
}

# wait_for FILE TEXT [SECONDS]: until FILE contains TEXT (default 60 s).
wait_for() {
	_i=0 _n=$((${3:-60} * 20))
	until grep -qF -- "$2" "$1" 2>/dev/null; do
		[ $_i -lt $_n ] || { echo "no '$2' in $1 within ${3:-60} s:" >&2; cat "$1" >&2; return 1; }
		sleep 0.05
		_i=$((_i + 1))
	done
}
# follow_bg TAG ARGS...: a follower in the background, its events (JSON
# lines) in $B/follower.TAG.out, its pid in $B/follower.TAG.pid.
follow_bg() {
	_t=$1
	shift
	"$SMOOTHVER" --json deploy --follow --root "$node" --store "$STORE" "$@" \
		>"$B/follower.$_t.out" 2>"$B/follower.$_t.err" &
	echo $! >"$B/follower.$_t.pid"
}
# stop_follower TAG: SIGTERM; it must say stopped and exit 0.
stop_follower() {
	_p=$(cat "$B/follower.$1.pid")
	kill -TERM "$_p" &&
		wait_for "$B/follower.$1.out" '"event":"stopped"' 30 &&
		_i=0 &&
		while kill -0 "$_p" 2>/dev/null; do
			[ $_i -lt 400 ] || { echo "the follower did not exit" >&2; return 1; }
			sleep 0.05
			_i=$((_i + 1))
		done &&
		rm -f "$B/follower.$1.pid"
}
# event TAG JQ: the follower's events that JQ selects must exist and all
# give true (JQ a jq filter over one event).
event() {
	jq -e -s "[.[] | select($2)] | length > 0 and all" "$B/follower.$1.out" >/dev/null ||
		{ echo "no event ($2) in:" >&2; cat "$B/follower.$1.out" >&2; return 1; }
}
# no_followers: a case that failed may have left one running.
no_followers() {
	for _f in "$B"/follower.*.pid; do
		[ -f "$_f" ] && _otp_stop "$(cat "$_f")" && rm -f "$_f"
	done
	return 0
}
# events TAG: the event names a follower printed, one per line.
events() {
	jq -r .event "$B/follower.$1.out"
}

# ---- the cases ----

test_expect_success 'bootstrap: an empty root gets the release, every digest checked, ready to boot' '
	"$SMOOTHVER" publish "$B/r1.0.0" --store "$STORE" >/dev/null &&
	sv 0 deploy tally --store "$STORE" --root "$node" &&
	contains out "bootstrapped tally 1.0.0 into $node (" &&
	contains out " entries, each checked; releases/RELEASES written)" &&
	test -x "$node/bin/tally" &&
	tr -d " \n" <"$node/releases/RELEASES" | grep -q "{release,\"tally\",\"1.0.0\"," &&
	contains "$node/releases/RELEASES" "\"$node/lib/tally-1.0.0\"" &&
	test -f "$node/releases/start_erl.data" &&
	jq -e ".name == \"tally\" and .version == \"1.0.0\"" "$node/.smoothver/deployed" &&
	test ! -e "$node/.smoothver/incoming" && test ! -e "$node/.smoothver/bootstrap"
'

test_expect_success 'bootstrap is idempotent, and refuses a root that holds anything else' '
	sv 0 deploy tally --store "$STORE" --root "$node" &&
	expect_out "tally 1.0.0 is already in $node" &&
	sv 0 --json deploy tally@1.0.0 --store "$STORE" --root "$node" &&
	expect_json .event present && expect_json .version 1.0.0 &&
	sv 3 deploy tally@1.1.0 --store "$STORE" --root "$node" &&
	contains err "smoothver: error: '"'"'$node'"'"' holds tally 1.0.0, not 1.1.0" &&
	sv 3 deploy other --store "$STORE" --root "$node" &&
	contains err "holds release tally, not other" &&
	mkdir busy && echo x >busy/notes &&
	sv 3 deploy tally --store "$STORE" --root busy &&
	contains err "is not empty and was not bootstrapped by smoothver deploy (it holds '"'"'notes'"'"')" &&
	test ! -e busy/.smoothver/deployed &&
	sv 3 deploy nosuch --store "$STORE" --root fresh &&
	contains err "has no release '"'"'nosuch'"'"'" &&
	test ! -e fresh/.smoothver/deployed && test ! -e fresh/bin
'

test_expect_success 'bootstrap undoes one killed while it moved entries in' '
	"$SMOOTHVER" deploy tally --store "$STORE" --root half >/dev/null &&
	rm half/.smoothver/deployed &&
	printf "{\"entries\":[\"bin\",\"lib\",\"releases\",\"erts-x\"]}\n" >half/.smoothver/bootstrap &&
	rm -rf half/erts-* &&
	sv 0 deploy tally --store "$STORE" --root half &&
	contains out "bootstrapped tally 1.0.0" &&
	test -x half/bin/tally && test ! -e half/.smoothver/bootstrap
'

test_expect_success 'the node boots from the bootstrapped root (relx'"'"'s bin/tally daemon)' '
	"$(echo "$node"/erts-*/bin/epmd)" -port "$EPMD_PORT" >"$B/epmd.log" 2>&1 </dev/null &
	echo $! >"$B/epmd.pid" &&
	(cd "$node" && timeout 60 bin/tally daemon -tally port "$PORT") &&
	_i=0 && until (cd "$node" && timeout 10 bin/tally pid) >"$B/node.pid" 2>/dev/null; do
		[ $_i -lt 300 ] || { echo "the node does not answer" >&2; exit 1; }
		sleep 0.1; _i=$((_i + 1))
	done &&
	cp "$B/node.pid" "$B/ospid"
'
epid=$(cat "$B/epmd.pid" 2>/dev/null)

# The client: one connection for the whole file, its commands through fd
# 3 (open here, so that it stays open across the cases), its
# conversation in $CLOG ("> cmd", "< answer").
mkfifo "$B/client.in"
escript "$CLIENT" 127.0.0.1 "$PORT" <"$B/client.in" >"$CLOG" 2>&1 &
cpid=$!
echo "$cpid" >"$B/client.pid"
exec 3>"$B/client.in"
echo 0 >"$B/seen"

test_expect_success 'a client connects and counts' '
	client_wait 2 && echo 2 >"$B/seen" &&
	expect_answer "add apples 2" "apples = 2" &&
	expect_answer "add pears" "pears = 1" &&
	ask version && contains answer "tally 1.0.0, connection " &&
	sed "s/.*connection //" answer >"$B/conn"
'

test_expect_success 'follow --once: the node runs latest, nothing to do' '
	sv 0 deploy --follow --once --root "$node" --store "$STORE" &&
	contains out " tally@" && contains out "runs 1.0.0, the latest" &&
	rels && expect_out "1.0.0:permanent"
'

test_expect_success 'a follower upgrades the node live as latest moves: a relup (state migrated), then a reload from a delta' '
	follow_bg a --interval 200ms &&
	wait_for "$B/follower.a.out" "\"event\":\"idle\"" &&
	ship 1.0.0 1.1.0 &&
	wait_for "$B/follower.a.out" "\"event\":\"upgraded\"" &&
	event a ".event == \"fetched\" and .package == \"delta\" and .version == \"1.1.0\" and .from == \"1.0.0\"" &&
	event a ".event == \"latest\" and .level == \"relup\"" &&
	same_connection &&
	expect_answer list "apples=2 pears=1 (total 3)" &&
	expect_answer top "top: apples = 2" &&
	same_os_pid &&
	rels && expect_out "1.0.0:old 1.1.0:permanent" &&
	jq -e ".version == \"1.1.0\"" "$node/.smoothver/deployed" &&
	test ! -e "$node/releases/tally-1.1.0.tar.gz" &&
	ship 1.1.0 1.1.1 &&
	wait_for "$B/follower.a.out" "upgraded tally 1.1.0 -> 1.1.1" &&
	same_connection &&
	expect_answer "add apples" "apples = 3 (+1)" &&
	same_os_pid &&
	rels && expect_out "1.0.0:old 1.1.0:old 1.1.1:permanent" &&
	stop_follower a &&
	events a >ev &&
	test "$(grep -c "^upgraded$" ev)" = 2 &&
	tail -n 1 ev | grep -qx stopped &&
	expect_empty "$B/follower.a.err"
'

test_expect_success 'every event line is a smoothver.deploy-event/1 document' '
	py=$(sv_schema_python) || { echo "# (no python3-jsonschema: skipped)"; exit 0; }
	$py - "$SV_SRCDIR/man/schemas/smoothver.deploy-event-1.json" "$B/follower.a.out" <<-EOF
	import json, sys, jsonschema
	schema = json.load(open(sys.argv[1]))
	n = 0
	for line in open(sys.argv[2]):
	    jsonschema.validate(json.loads(line), schema)
	    n += 1
	assert n >= 12, n
	EOF
'

test_expect_success 'a broken package: the probe fails, the node is put back on the old release and serves it' '
	no_followers &&
	ship 1.1.1 1.1.2 &&
	cat >probe.sh <<-EOF &&
	#!/bin/sh
	# the new version answers version on a connection of its own
	echo "probing \$SMOOTHVER_RELEASE \$SMOOTHVER_VERSION from \$SMOOTHVER_FROM on \$SMOOTHVER_NODE"
	printf "version\\nquit\\n" | timeout 20 escript "$CLIENT" 127.0.0.1 $PORT | grep "tally \$SMOOTHVER_VERSION, connection"
	EOF
	chmod +x probe.sh &&
	sv 6 deploy --follow --once --root "$node" --store "$STORE" --probe "$PWD/probe.sh" &&
	contains out "installed tally 1.1.2 live over 1.1.1" &&
	contains out "probe failed on tally 1.1.2: exit status 1: probing tally 1.1.2 from 1.1.1 on tally@" &&
	contains out "tally runs 1.1.1 again" &&
	contains out "removed tally 1.1.2 from the node" &&
	contains err "smoothver: error: the upgrade of tally failed and was rolled back" &&
	rels && expect_out "1.0.0:old 1.1.0:old 1.1.1:permanent" &&
	test ! -d "$node/lib/tally-1.1.2" &&
	same_connection &&
	expect_answer "add apples" "apples = 4 (+1)" &&
	same_os_pid &&
	sv 6 deploy --follow --once --root "$node" --store "$STORE" --probe "$PWD/probe.sh" &&
	contains out "tally 1.1.2 failed before and was rolled back: waiting for another latest" &&
	jq -e ".version == \"1.1.2\"" "$node/.smoothver/failed" &&
	rels && expect_out "1.0.0:old 1.1.0:old 1.1.1:permanent"
'

test_expect_success 'SIGTERM stops a follower cleanly in the middle of an upgrade: the node is put back, nothing recorded as failed' '
	no_followers &&
	ship 1.1.1 1.1.3 1.1.2 &&
	cat >slow-probe.sh <<-EOF &&
	#!/bin/sh
	echo \$\$ >"$B/probe.pid"
	while [ ! -e "$B/probe.go" ]; do sleep 0.05; done
	EOF
	chmod +x slow-probe.sh && cp slow-probe.sh "$B/slow-probe.sh" &&
	follow_bg t --interval 200ms --probe "$B/slow-probe.sh" &&
	wait_for "$B/follower.t.out" "\"event\":\"installed\"" &&
	_i=0 && until [ -s "$B/probe.pid" ]; do [ $_i -lt 600 ] || exit 1; sleep 0.05; _i=$((_i + 1)); done &&
	rm -f "$B/probe.pid" &&
	stop_follower t &&
	event t ".event == \"probe\" and (.detail | test(\"interrupted by signal 15\"))" &&
	event t ".event == \"rolled-back\" and .version == \"1.1.1\"" &&
	event t ".event == \"removed\" and .version == \"1.1.3\"" &&
	test "$(events t | tail -n 1)" = stopped &&
	rels && expect_out "1.0.0:old 1.1.0:old 1.1.1:permanent" &&
	! jq -e ".version == \"1.1.3\"" "$node/.smoothver/failed" &&
	same_connection && same_os_pid
'

test_expect_success 'a follower killed between install and make_permanent: the lock holds off another, the next one finishes' '
	no_followers &&
	follow_bg k --interval 200ms --probe "$B/slow-probe.sh" &&
	wait_for "$B/follower.k.out" "\"event\":\"installed\"" &&
	_i=0 && until [ -s "$B/probe.pid" ]; do [ $_i -lt 600 ] || exit 1; sleep 0.05; _i=$((_i + 1)); done &&
	sv 3 deploy --follow --once --root "$node" --store "$STORE" &&
	contains out "another smoothver deploy is changing '"'"'$node'"'"'" &&
	contains err "smoothver: error: another smoothver deploy is changing" &&
	kill -KILL "$(cat "$B/follower.k.pid")" && rm -f "$B/follower.k.pid" &&
	kill "$(cat "$B/probe.pid")" && rm -f "$B/probe.pid" &&
	rels && expect_out "1.0.0:old 1.1.0:old 1.1.1:permanent 1.1.3:current" &&
	touch "$B/probe.go" &&
	sv 0 deploy --follow --once --root "$node" --store "$STORE" --probe "$B/slow-probe.sh" &&
	contains out "tally 1.1.3 is installed but not permanent: resuming at the probe" &&
	contains out "made tally 1.1.3 permanent" &&
	rels && expect_out "1.0.0:old 1.1.0:old 1.1.1:old 1.1.3:permanent" &&
	same_connection && same_os_pid &&
	expect_answer "add pears" "pears = 2 (+1)"
'

test_expect_success 'a new RESTART number is never taken live: status 5, or the on-restart command' '
	no_followers &&
	ship 1.1.3 2.0.0 &&
	sv 5 deploy --follow --once --root "$node" --store "$STORE" &&
	contains out "tally 2.0.0 cannot be taken live: 1.1.3 -> 2.0.0 changes the RESTART number" &&
	contains err "smoothver: error: tally cannot be upgraded live: the node must restart with the latest release" &&
	sv 0 deploy --follow --once --root "$node" --store "$STORE" \
		--on-restart "echo \$SMOOTHVER_FROM \$SMOOTHVER_VERSION >$PWD/restart-asked" &&
	contains out "ran the on-restart command for tally 2.0.0" &&
	test "$(cat restart-asked)" = "1.1.3 2.0.0" &&
	sv 5 deploy --follow --once --root "$node" --store "$STORE" --on-restart false &&
	contains out "the on-restart command failed for tally 2.0.0: exit status 1" &&
	sv 5 deploy --follow --root "$node" --store "$STORE" --interval 100ms &&
	rels && expect_out "1.0.0:old 1.1.0:old 1.1.1:old 1.1.3:permanent" &&
	same_connection && same_os_pid
'

test_expect_success 'usage and environment errors' '
	sv 2 deploy tally --store "$STORE" &&
	contains err "smoothver: error: deploy needs --root DIR" &&
	sv 2 deploy --root x --store "$STORE" &&
	contains err "bootstrap needs the release" &&
	sv 2 deploy tally --root x --once --store "$STORE" &&
	contains err "--once applies to --follow" &&
	sv 2 deploy --follow --root "$node" --interval soon --store "$STORE" &&
	contains err "invalid --interval '"'"'soon'"'"'" &&
	sv 2 deploy tally@1.0.0 --follow --root "$node" --store "$STORE" &&
	contains err "give NAME without @1.0.0" &&
	mkdir empty &&
	sv 3 deploy --follow --once --root empty --store "$STORE" &&
	contains err "'"'"'$PWD/empty'"'"' was not bootstrapped by smoothver deploy" &&
	sv 3 deploy --follow --once --root "$node" --store "$STORE" --node nobody --timeout 2s &&
	contains out "the node nobody does not answer" &&
	contains err "the node nobody does not answer"
'

test_expect_success 'the store keeps deltas beside whole releases: fetch --delta-from, publish before the release, gc' '
	sv 0 fetch tally@1.1.1 --delta-from 1.1.0 --store "$STORE" -o d.tar.gz --json &&
	expect_json .delta_from 1.1.0 &&
	sv 0 fetch tally@1.1.1 --delta-from 1.0.0 --store "$STORE" -o w.tar.gz --json &&
	expect_json .delta_from null &&
	test "$(stat -c %s d.tar.gz)" -lt "$(stat -c %s w.tar.gz)" &&
	sv 0 publish "$B/pk/delta/tally-1.1.1.tar.gz" --store "$STORE" &&
	expect_out "the delta of tally 1.1.1 from 1.1.0 is already published in $STORE" &&
	sv 0 publish "$B/pk/delta/tally-1.1.1.tar.gz" --store fresh-store --json &&
	expect_json .delta_from 1.1.0 && expect_json .latest null &&
	test ! -e fresh-store/tally-latest &&
	sv 0 gc --store fresh-store &&
	test -f fresh-store/deltas/tally/1.1.1/1.1.0.json &&
	test "$(ls fresh-store/blobs/sha256 | wc -l)" = 2 &&
	sv 0 publish "$B/pk/delta/tally-1.1.2.tar.gz" --store fresh-store &&
	contains out "published the delta of tally 1.1.2 from 1.1.1" &&
	test -f "$STORE/deltas/tally/1.1.1/1.1.0.json" &&
	sv 0 gc --keep 2 --store "$STORE" &&
	test ! -e "$STORE/deltas/tally/1.1.1/1.1.0.json" &&
	test -f "$STORE/deltas/tally/2.0.0/1.1.3.json" &&
	sv 0 fetch tally@2.0.0 --delta-from 1.1.3 --store "$STORE" -o d2.tar.gz --json &&
	expect_json .delta_from 1.1.3
'

test_expect_success 'a node with a long name (-name NAME@127.0.0.1, as in a pod): the follower reaches it' '
	ln=$B/ln &&
	sv 0 deploy tally --store "$STORE" --root "$ln" &&
	v=$(jq -r .version "$ln/.smoothver/deployed") &&
	sed -i "s/^-sname .*/-name tally_ln@127.0.0.1/" "$ln/releases/$v/vm.args" &&
	grep -qx -- "-name tally_ln@127.0.0.1" "$ln/releases/$v/vm.args" &&
	lport=$(escript "$OTP_DIR/otp.escript" free-ports 1) &&
	(cd "$ln" && timeout 60 bin/tally daemon -tally port "$lport") &&
	: "deploy waits for the node to answer (up to its --timeout)" &&
	sv 0 deploy --follow --once --root "$ln" --store "$STORE" &&
	contains out " tally_ln@127.0.0.1 runs $v, the latest" &&
	(cd "$ln" && timeout 10 bin/tally pid) >"$B/ln.pid" &&
	(cd "$ln" && timeout 30 bin/tally stop) >/dev/null &&
	_otp_stop "$(cat "$B/ln.pid")" && rm -r "$ln"
'

test_expect_success 'the client saw one connection from start to end, and the node never restarted' '
	same_connection && same_os_pid &&
	expect_answer quit bye
'

test_done
