#!/bin/sh
# ci/demo.sh [--mix] - smoothver's main job, the whole loop, on the
# example release in examples/tally (a TCP counter service built with
# rebar3), or with --mix on its Elixir twin in examples/tally_ex (built
# with `mix release`).
#
# Installs what it needs (Debian 12, as root) if missing and builds
# smoothver ($SMOOTHVER names a binary to use instead). Then, in a
# temporary directory, a git repository holding tally 1.0.0: build it,
# tag it, publish it to a local store, bootstrap a node's root from there
# (smoothver deploy), start it as a daemon and connect a client that
# stays connected. Apply 1.1.0 (its counter's state migrates), build it,
# and let smoothver say what level the change requires (diff), tag it
# (tag --auto), write the appups and the relup, pack it (whole and delta)
# and publish both. On the node, smoothver deploy --follow sees latest
# move, fetches the delta and upgrades the node live through
# release_handler while the client watches its counts survive and
# migrate. Then 1.1.1, a reload, the same way (for tally_ex, a reload
# that includes a protocol Elixir consolidates again).
#
# Every wait has a timeout and every process the demo starts is stopped
# on the way out. Nothing outside the temporary directory is touched: the
# node has its own epmd port and run_erl pipe directory.
set -eu
SV_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$SV_TOP/ci/lib.sh"
mix=false
case ${1:-} in
--mix) mix=true ;;
'') ;;
*)
	echo "usage: ci/demo.sh [--mix]" >&2
	exit 2
	;;
esac
if $mix; then
	app=tally_ex tool=elixir
else
	app=tally tool=rebar3
fi
# shellcheck disable=SC2086
ensure_packages $SV_BUILD_PKGS erlang $tool
if [ -n "${SMOOTHVER:-}" ]; then
	bin=$SMOOTHVER
else
	build_smoothver "$SV_TOP/_build/demo" >&2
	bin="$SV_TOP/_build/demo/smoothver"
fi
example="$SV_TOP/examples/$app"
client_escript="$SV_TOP/examples/tally/client.escript"

work=$(mktemp -d "${TMPDIR:-/tmp}/smoothver-demo.XXXXXX")
node="$work/node"
clog="$work/client.log"
export LC_ALL=C GIT_CONFIG_NOSYSTEM=1 HOME="$work/home"
export GIT_AUTHOR_NAME=Demo GIT_AUTHOR_EMAIL=demo@example.com
export GIT_COMMITTER_NAME=Demo GIT_COMMITTER_EMAIL=demo@example.com
# rebar3 offline (tally has no dependencies); only errors on the screen.
export REBAR_OFFLINE=1 QUIET=1
# relx's start script: its run_erl pipes, and a bound on its rpcs.
export PIPE_DIR="$work/pipes/" RELX_RPC_TIMEOUT=30
# mix: no hex, no rebar downloads; the release's cookie (a package
# never carries one: the node takes it from its environment).
export MIX_ENV=prod MIX_QUIET=1
if $mix; then
	RELEASE_COOKIE=demo-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
	export RELEASE_COOKIE
fi
mkdir -p "$HOME"

# ---- helpers ---------------------------------------------------------

say() { printf '\n## %s\n' "$*"; }
note() { printf '%s\n' "$*"; }
die() {
	echo "demo: $*" >&2
	exit 1
}
# show PROMPT ARG...: the command line, quoted where the shell needs it.
show() {
	printf '%s' "$1"
	shift
	for a in "$@"; do
		case $a in
		*[!A-Za-z0-9_./:=@,+-]* | '') printf " '%s'" "$a" ;;
		*) printf ' %s' "$a" ;;
		esac
	done
	printf '\n'
}
# run [-s STATUS] CMD...: show and run it in the repository; any exit
# status but STATUS (default 0) ends the demo.
run() {
	want=0
	if [ "$1" = -s ]; then
		want=$2
		shift 2
	fi
	show '$' "$@"
	set +e
	"$@"
	rc=$?
	set -e
	[ $rc -eq 0 ] || printf '(exit %d)\n' $rc
	[ $rc -eq "$want" ] || die "'$1' exited with $rc"
}
# on_node CMD...: the same, on the node (in its release root).
on_node() {
	show 'node$' "$@"
	(cd "$node" && "$@") || die "'$1' failed on the node"
}
smoothver() { "$bin" "$@"; }

# build VSN: rebar3 release (mix release), and keep the release root as
# builds/VSN. Each build starts clean, as in CI: rebar3 and mix recompile
# by modification time, and the demo edits sources within a second of
# the last build.
build() {
	rm -rf _build
	if $mix; then
		run mix release --quiet
		run cp -R _build/prod/rel/tally_ex "builds/$1"
	else
		run rebar3 release
		run cp -R _build/default/rel/tally "builds/$1"
	fi
}
# start_node PORT: start the installed release as a daemon.
start_node() {
	if $mix; then
		show 'node$' env ELIXIR_ERL_OPTIONS="-tally_ex port $1" bin/tally_ex daemon
		(cd "$node" && ELIXIR_ERL_OPTIONS="-tally_ex port $1" timeout 60 bin/tally_ex daemon) ||
			die "bin/tally_ex daemon failed"
	else
		on_node timeout 60 bin/tally daemon -tally port "$1"
	fi
}

# The client runs in the background, reading its commands from a fifo
# (fd 3 here) and writing the conversation to $clog.
cpid='' npid='' epid='' seen=0
client_start() {
	mkfifo "$work/client.in"
	printf '$ escript client.escript 127.0.0.1 %s &\n' "$1"
	escript "$client_escript" 127.0.0.1 "$1" <"$work/client.in" >"$clog" 2>&1 &
	cpid=$!
	exec 3>"$work/client.in"
	client_wait 2 # "connected ...", then the server's greeting
}
# client_wait N: until the conversation has N lines (10 s at most). A
# client that ends right after its last answer ("bye") may have written
# it between the count and the look at the client: count again first.
client_wait() {
	i=0
	while [ "$(wc -l <"$clog")" -lt "$1" ]; do
		if ! kill -0 "$cpid" 2>/dev/null; then
			[ "$(wc -l <"$clog")" -lt "$1" ] || break
			cat "$clog" >&2
			die "the client has gone"
		fi
		[ $i -lt 100 ] || { cat "$clog" >&2; die "no answer within 10 s"; }
		sleep 0.1
		i=$((i + 1))
	done
	sed -n "$((seen + 1)),\$p" "$clog" | sed 's/^/    client | /'
	seen=$(wc -l <"$clog")
}
# client CMD...: send each command, show it and the server's answer.
client() {
	for c in "$@"; do
		printf '%s\n' "$c" >&3
		client_wait $((seen + 2))
	done
}

# stop_pid PID: TERM, up to 5 s, then KILL.
stop_pid() {
	kill "$1" 2>/dev/null || return 0
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL "$1" 2>/dev/null || true
}
cleanup() {
	rc=$?
	set +e
	exec 3>&-
	[ -z "$cpid" ] || stop_pid "$cpid"
	if [ -d "$node/bin" ]; then
		[ -n "$npid" ] || npid=$(pgrep -f -- "-root $node " 2>/dev/null | head -n 1)
		(cd "$node" && timeout 20 "bin/$app" stop) >/dev/null 2>&1
		[ -z "$npid" ] || stop_pid "$npid"
	fi
	[ -z "$epid" ] || stop_pid "$epid"
	for d in "$node/log" "$node/tmp/log"; do
		if [ $rc -ne 0 ] && [ -d "$d" ]; then
			echo "--- the node's log (tail):" >&2
			tail -n 30 "$d"/erlang.log.* >&2
		fi
	done
	rm -rf "$work"
	exit $rc
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM PIPE

# ---- the loop ----------------------------------------------------------

cd "$work"
if $mix; then
	say "tally_ex, the example mix release: a TCP counter service (examples/tally_ex)"
	note "A GenServer holds the counts, a listener hands each connection to a"
	note "process of its own; TallyEx.Proto turns command lines into answers."
else
	say "tally, the example release: a TCP counter service (examples/tally)"
	note "A gen_server holds the counts, a listener hands each connection to a"
	note "process of its own; tally_proto turns command lines into answers."
fi
mkdir "$app" store
cp -R "$example/." "$app/"
rm -rf "$app/upgrades" "$app/_build"
cd "$app"
printf '[release]\n\tname = %s\n[tag]\n\tprefix = v\n' "$app" >.smoothver
printf '_build/\nbuilds/\npkgs/\n' >.gitignore
mkdir -p builds pkgs/delta
git init -q -b main
git add -A
git commit -q -m "$app 1.0.0"
run git ls-files

say "Build 1.0.0, tag it, publish it to the store (../store)."
build 1.0.0
run smoothver tag 1.0.0 -m "$app 1.0.0"
run smoothver pack builds/1.0.0 -o "pkgs/$app-1.0.0.tar.gz"
run smoothver publish "pkgs/$app-1.0.0.tar.gz" --store ../store

say "Install 1.0.0 on a node (../node) from the store, start it, connect a client."
ports=$(escript "$SV_TOP/tests/otp/otp.escript" free-ports 2) || die "no free ports"
eport=$(echo "$ports" | sed -n 1p)
port=$(echo "$ports" | sed -n 2p)
note "(epmd on port $eport of its own, so the node meets no other Erlang node here)"
export ERL_EPMD_PORT="$eport"
run smoothver deploy "$app@1.0.0" --store ../store --root ../node
note "(deploy bootstrapped the root: every digest checked, releases/RELEASES written"
note "for release_handler, ready for bin/$app daemon or foreground.)"
$mix && note "(The package holds no cookie: the node takes RELEASE_COOKIE from its environment.)"
epmd=$(echo "$node"/erts-*/bin/epmd)
"$epmd" -port "$eport" >"$work/epmd.log" 2>&1 </dev/null &
epid=$!
start_node "$port"
npid=''
i=0
while [ $i -lt 300 ]; do
	npid=$(cd "$node" && timeout 30 "bin/$app" pid 2>/dev/null) && break
	i=$((i + 1))
	sleep 0.1
done
[ -n "$npid" ] || die "the node does not answer"
client_start "$port"
client "add apples" "add apples 2" "add pears" "list" "version"

say "Version 1.1.0: the counter keeps a running total, so its state must migrate."
run git apply "$example/upgrades/1.1.0.patch"
run git diff --stat
git commit -q -a -m "$app 1.1.0: a running total (the counter's state migrates), top"
build 1.1.0

say "What does the change require? smoothver compares the builds module by module."
run -s 1 smoothver diff builds/1.0.0 builds/1.1.0
note "(diff exits 1 when the builds differ, as diff(1) does.)"
run smoothver tag --auto --from builds/1.0.0 builds/1.1.0
test "$(git describe --exact-match)" = v1.1.0 ||
	die "the tag does not match the release's vsn (1.1.0)"

say "The pre-merge check CI runs: may 1.1.0 go out over what runs now?"
run smoothver check --base "$app@latest" --store ../store builds/1.1.0

say "The appups and the relup, with no Erlang running."
run smoothver appup builds/1.0.0 builds/1.1.0
run smoothver relup builds/1.0.0 builds/1.1.0 --write --appups
run cat builds/1.1.0/releases/1.1.0/relup

say "Pack 1.1.0, in full and as a delta from 1.0.0; publish both."
note "(The delta first, beside the whole package, for nodes that run 1.0.0; then"
note "the whole package, whose publish moves latest.)"
run smoothver pack builds/1.1.0 -o "pkgs/$app-1.1.0.tar.gz"
run smoothver pack builds/1.1.0 --delta-from builds/1.0.0 -o "pkgs/delta/$app-1.1.0.tar.gz"
run smoothver publish "pkgs/delta/$app-1.1.0.tar.gz" --store ../store
run smoothver publish "pkgs/$app-1.1.0.tar.gz" --store ../store

say "On the node: smoothver deploy --follow sees latest move and upgrades live."
note "(A sidecar runs it without --once: it looks every --interval. It asks the node"
note "what runs, fetches the delta, and has release_handler unpack, install and make"
note "it permanent; a failure puts the old release back.)"
on_node smoothver deploy --follow --once --root . --store ../store
note "The same connection, the same process; the counts kept, the total computed"
note "by code_change/3 from them, and the new command:"
client "version" "list" "top" "add pears 5" "list"

if $mix; then
	say "Version 1.1.1: list shows each count through a String.Chars implementation."
	run git apply "$example/upgrades/1.1.1.patch"
	git commit -q -a -m "$app 1.1.1: list through String.Chars for TallyEx.Entry"
else
	say "Version 1.1.1: only the protocol module changes."
	run git apply "$example/upgrades/1.1.1.patch"
	git commit -q -a -m "$app 1.1.1: add says what it added"
fi
build 1.1.1

say "1.1.1 needs no more than a reload; the same steps ship it."
$mix && note "(Elixir consolidated String.Chars again at build time: the relup reloads it too.)"
run -s 1 smoothver diff builds/1.1.0 builds/1.1.1
run smoothver tag --auto --from builds/1.1.0 builds/1.1.1
test "$(git describe --exact-match)" = v1.1.1 ||
	die "the tag does not match the release's vsn (1.1.1)"
run smoothver relup builds/1.1.0 builds/1.1.1 --write --appups
run smoothver pack builds/1.1.1 -o "pkgs/$app-1.1.1.tar.gz"
run smoothver pack builds/1.1.1 --delta-from builds/1.1.0 -o "pkgs/delta/$app-1.1.1.tar.gz"
run smoothver publish "pkgs/delta/$app-1.1.1.tar.gz" --store ../store
run smoothver publish "pkgs/$app-1.1.1.tar.gz" --store ../store

say "The node follows again: the delta from 1.1.0 is all it fetches."
on_node smoothver deploy --follow --once --root . --store ../store
client "add apples" "version" "list"

say "The releases, as git and the store see them."
run smoothver log
run smoothver ls "$app" --store ../store
if $mix; then
	show 'node$' bin/tally_ex rpc ':io.format("~p~n", [:release_handler.which_releases()])'
	(cd "$node" && timeout 30 bin/tally_ex rpc ':io.format("~p~n", [:release_handler.which_releases()])') ||
		die "rpc failed"
else
	on_node timeout 30 bin/tally versions
fi

say "Done: the client quits, the node stops."
client quit
on_node timeout 30 "bin/$app" stop
npid=''
