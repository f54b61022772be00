#!/bin/sh
# Elixir mix releases, built for real with Debian's elixir from
# examples/tally_ex and its upgrade patches, then 1.2.0 adding a
# dependency application (a path dependency with its own supervision
# tree). One node, installed with fetch from a store and booted by mix's
# own start script, is upgraded live through all of them and back down,
# with one client connection open from start to end: what a user would
# look at is checked at each step - the client's answers and its
# connection's process, the counter's state, the loaded code and code
# path (consolidated protocols), the supervision tree and the running
# applications. Then try-upgrade on the same packages, diff on a root a
# release has run in (tmp/), the cookie left out of every package.
. "$SV_SRCDIR/tests/e2e/lib.sh"
OTP_DIR=$SV_SRCDIR/tests/otp
. "$OTP_DIR/lib.sh"

if ! otp_have_erl || ! command -v mix >/dev/null 2>&1; then
	echo "1..0 # SKIP erl or mix not installed (Debian: erlang elixir)"
	exit 0
fi

B=$TEST_ROOT/builds
EX=$SV_SRCDIR/examples/tally_ex
CLIENT=$SV_SRCDIR/examples/tally/client.escript
mkdir -p "$B/pk/delta"

# ---- the builds ----

# build VSN: a clean `mix release` (mix recompiles by whole-second mtimes
# and size: an edit in the second of the last build could go unseen),
# the root kept as $B/rVSN.
build() {
	rm -rf _build &&
		MIX_ENV=prod mix release --quiet &&
		cp -R _build/prod/rel/tally_ex "$B/r$1"
}

# 1.2.0: a dependency application, tally_stats (mix new --sup, a
# GenServer counting the commands served), started by the relup; the
# protocol learns `stats`.
v120() {
	(cd "$B" && mix new tally_stats --sup >/dev/null) &&
		cat >"$B/tally_stats/lib/tally_stats/server.ex" <<-'EOF' &&
		defmodule TallyStats.Server do
		  use GenServer
		  def start_link(_), do: GenServer.start_link(__MODULE__, 0, name: __MODULE__)
		  def hit, do: GenServer.cast(__MODULE__, :hit)
		  def hits, do: GenServer.call(__MODULE__, :hits)
		  @impl true
		  def init(n), do: {:ok, n}
		  @impl true
		  def handle_cast(:hit, n), do: {:noreply, n + 1}
		  @impl true
		  def handle_call(:hits, _from, n), do: {:reply, n, n}
		end
		EOF
		sed -i 's/children = \[/children = [TallyStats.Server/' \
			"$B/tally_stats/lib/tally_stats/application.ex" &&
		grep -q "children = \[TallyStats.Server" "$B/tally_stats/lib/tally_stats/application.ex" &&
		sed -i 's/version: "1.1.1"/version: "1.2.0"/; s/deps: \[\]/deps: [{:tally_stats, path: "..\/tally_stats"}]/' mix.exs &&
		grep -q 'path: "../tally_stats"' mix.exs &&
		sed -i 's/      \["quit"\] ->/      ["stats"] ->\n        ["served ", Integer.to_string(TallyStats.Server.hits())]\n\n      ["quit"] ->/; s/  def handle(line) do/  def handle(line) do\n    TallyStats.Server.hit()\n/' \
			lib/tally_ex/proto.ex &&
		grep -q '"stats"' lib/tally_ex/proto.ex
}

(
	set -e
	cp -R "$EX" "$B/tx"
	cd "$B/tx"
	rm -rf _build upgrades
	git init -q && git add -A && git commit -q -m "tally_ex 1.0.0"
	build 1.0.0
	git apply "$EX/upgrades/1.1.0.patch" && git commit -q -a -m 1.1.0
	build 1.1.0
	git apply "$EX/upgrades/1.1.1.patch" && git add -A && git commit -q -m 1.1.1
	build 1.1.1
	v120 && git add -A && git commit -q -m 1.2.0
	build 1.2.0
) >"$B/mix.log" 2>&1 || { cat "$B/mix.log" >&2; echo "Bail out! the mix builds"; exit 1; }

# ---- helpers for the live node ----

node=$B/node
ports=$(escript "$OTP_DIR/otp.escript" free-ports 2) || { echo "Bail out! no free ports"; exit 1; }
EPMD_PORT=$(echo "$ports" | sed -n 1p)
PORT=$(echo "$ports" | sed -n 2p)
export ERL_EPMD_PORT=$EPMD_PORT RELEASE_COOKIE=t2080-$$ RELEASE_NODE=t2080_$$
epid='' cpid='' npid=''

cleanup() {
	exec 3>&- 2>/dev/null
	_otp_stop "$cpid"
	if [ -d "$node/bin" ]; then
		(cd "$node" && timeout 20 bin/tally_ex stop) >/dev/null 2>&1
		[ -n "$npid" ] || npid=$(pgrep -f -- "-root $node " | head -n 1)
		_otp_stop "$npid"
	fi
	_otp_stop "$epid"
	rm -rf "$TEST_ROOT"
}
trap cleanup EXIT

# rpc EXPR: EXPR (Elixir) evaluated on the node; stdout -> ./out.
rpc() {
	(cd "$node" && timeout 60 bin/tally_ex rpc "$1") >out 2>err || {
		cat out err >&2
		return 1
	}
}
# rh FUNCTION ARG: release_handler:FUNCTION("ARG") on the node, its
# result printed as Erlang prints it into ./out.
rh() {
	rpc ":io.format(\"~p~n\", [:release_handler.$1(~c\"$2\")])"
}

# The client: one connection, its commands through fd 3, its conversation
# in $CLOG ("> cmd", "< answer"), the lines read so far counted in
# $B/seen (each case runs in a subshell of its own).
CLOG=$B/client.log
# client_wait N: until the conversation has N lines (30 s at most). A
# client that has ended may have written them between the count and the
# look at it (the last answer comes just before it ends): the count is
# taken again before that is a failure.
client_wait() {
	_i=0
	while [ "$(wc -l <"$CLOG")" -lt "$1" ]; do
		if ! kill -0 "$cpid" 2>/dev/null; then
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
# ask CMD: send CMD, wait for the answer; it goes to ./answer.
ask() {
	_seen=$(($(cat "$B/seen") + 2))
	printf '%s\n' "$1" >&3
	client_wait "$_seen" || return 1
	echo "$_seen" >"$B/seen"
	sed -n "${_seen}p" "$CLOG" | sed 's/^< //' >answer
}
# expect_answer CMD TEXT: the server answers CMD with exactly TEXT.
expect_answer() {
	ask "$1" || return 1
	[ "$(cat answer)" = "$2" ] || { echo "'$1' -> '$(cat answer)', expected '$2'" >&2; return 1; }
}

# ---- the cases ----

test_expect_success 'pack: full and delta packages of mix releases, releases/COOKIE left out' '
	test -f "$B/r1.0.0/releases/COOKIE" &&
	for v in 1.0.0 1.1.0 1.1.1 1.2.0; do
		case $v in
		1.0.0) ;;
		*) sv 0 relup "$B/r$prev" "$B/r$v" --write ;;
		esac
		sv 0 pack "$B/r$v" -o "$B/pk/tally_ex-$v.tar.gz" --json &&
		expect_json .otp.cookie_left_out true &&
		tar tzf "$B/pk/tally_ex-$v.tar.gz" >list &&
		lacks list releases/COOKIE &&
		contains list "releases/$v/consolidated/Elixir.String.Chars.beam" || return 1
		prev=$v
	done &&
	sv 0 pack "$B/r1.1.1" --delta-from "$B/r1.1.0" -o "$B/pk/delta/tally_ex-1.1.1.tar.gz" &&
	contains out "cookie      left out (releases/COOKIE, a secret): the node takes RELEASE_COOKIE" &&
	tar tzf "$B/pk/delta/tally_ex-1.1.1.tar.gz" >list &&
	lacks list releases/COOKIE && lacks list lib/elixir &&
	contains list lib/tally_ex-1.1.1/ebin/Elixir.TallyEx.Entry.beam
'

test_expect_success 'diff and check: the level each version requires, the consolidated protocol a reload' '
	sv 1 diff "$B/r1.0.0" "$B/r1.1.0" &&
	contains out "required: relup" &&
	grep -q "^M relup   lib/tally_ex-1.1.0/ebin/Elixir.TallyEx.Counter.beam  (.*gen_server with code_change/3; its state cannot be read from the code: its debug info" out &&
	sv 1 diff "$B/r1.1.0" "$B/r1.1.1" &&
	contains out "required: reload" &&
	contains out "M reload  releases/1.1.1/consolidated/Elixir.String.Chars.beam  (consolidated protocol Elixir.String.Chars: reloaded by the relup)" &&
	sv 1 diff "$B/r1.1.1" "$B/r1.2.0" &&
	contains out "required: relup" &&
	contains out "application added" &&
	sv 0 check --base "$B/r1.1.0" "$B/r1.1.1" &&
	sv 0 check --base "$B/pk/tally_ex-1.1.1.tar.gz" "$B/pk/tally_ex-1.2.0.tar.gz"
'

test_expect_success 'diff: runtime.exs and env.sh are read at boot only, a restart' '
	cp -R "$B/r1.1.1" rt &&
	printf "import Config\nconfig :tally_ex, limit: 5\n" >rt/releases/1.1.1/runtime.exs &&
	echo "export TALLY_LIMIT=5" >>rt/releases/1.1.1/env.sh &&
	sv 1 diff "$B/r1.1.1" rt &&
	contains out "required: restart" &&
	contains out "A restart releases/1.1.1/runtime.exs  (runtime.exs: a mix release'"'"'s runtime configuration, read at boot only (an upgrade applies sys.config))" &&
	contains out "M restart releases/1.1.1/env.sh  (env.sh: the start script'"'"'s environment, read at boot only)" &&
	sv 1 check --base "$B/r1.1.0" rt &&
	contains out "the change needs restart"
'

test_expect_success 'the relups: the state migrated by code_change, String.Chars reloaded from its release, the app added' '
	grep -F "{code_change,up,[{'"'"'Elixir.TallyEx.Counter'"'"',[]}]}" "$B/r1.1.0/releases/1.1.0/relup" &&
	lacks "$B/r1.1.0/releases/1.1.0/relup" Elixir.Code &&
	contains "$B/r1.1.1/releases/1.1.1/relup" "~c\\\"1.1.1\\\", ~c\\\"consolidated\\\"" &&
	contains "$B/r1.1.1/releases/1.1.1/relup" "~c\\\"1.1.0\\\", ~c\\\"consolidated\\\"" &&
	contains "$B/r1.1.1/releases/1.1.1/relup" "for m <- [:\\\"Elixir.String.Chars\\\"]" &&
	contains "$B/r1.2.0/releases/1.2.0/relup" "{apply,{application,start,[tally_stats,permanent]}}"
'

test_expect_success 'diff ignores what a release run in place writes (tmp/ with its fifo, log/)' '
	cp -R "$B/r1.0.0" old &&
	mkdir -p old/tmp/pipe old/tmp/log old/log &&
	mkfifo old/tmp/pipe/erlang.pipe.1.w &&
	echo boot >old/tmp/log/erlang.log.1 && echo boot >old/log/erlang.log.1 &&
	echo other >old/releases/COOKIE &&
	sv 1 diff old "$B/r1.1.0" &&
	lacks out tmp/ && lacks out log/ && lacks out COOKIE
'

test_expect_success 'publish and fetch: the root gets releases/RELEASES, no cookie' '
	sv 0 publish "$B/pk/tally_ex-1.0.0.tar.gz" --store "$B/store" &&
	sv 0 publish "$B/pk/tally_ex-1.1.0.tar.gz" --store "$B/store" --expect-latest 1.0.0 &&
	sv 0 publish "$B/pk/tally_ex-1.1.1.tar.gz" --store "$B/store" --expect-latest 1.1.0 &&
	sv 0 publish "$B/pk/tally_ex-1.2.0.tar.gz" --store "$B/store" --expect-latest 1.1.1 &&
	sv 0 fetch tally_ex@1.0.0 --store "$B/store" -o "$node" --json &&
	expect_json .releases_written true &&
	test ! -e "$node/releases/COOKIE" &&
	tr -d " \n" <"$node/releases/RELEASES" >releases &&
	contains releases "{tally_ex,\"1.0.0\",\"$node/lib/tally_ex-1.0.0\"}" &&
	contains releases "{elixir,\"1.14.0\",\"$node/lib/elixir-1.14.0\"}" &&
	contains releases "permanent}]."
'

# The node: 1.0.0 from the store, booted by mix's start script with the
# cookie from the environment; the client connects and stays.
"$(echo "$node"/erts-*/bin/epmd)" -port "$EPMD_PORT" >"$B/epmd.log" 2>&1 </dev/null &
epid=$!
(cd "$node" && ELIXIR_ERL_OPTIONS="-tally_ex port $PORT" timeout 60 bin/tally_ex daemon) >"$B/daemon.log" 2>&1 ||
	{ cat "$B/daemon.log"; echo "Bail out! bin/tally_ex daemon"; exit 1; }
# The daemon returns at once: wait (60 s at most) for the node to answer.
i=0
until npid=$(cd "$node" && timeout 30 bin/tally_ex pid 2>/dev/null); do
	i=$((i + 1))
	[ $i -lt 600 ] || { cat "$node"/tmp/log/erlang.log.* 2>/dev/null; echo "Bail out! the node does not answer"; exit 1; }
	sleep 0.1
done
mkfifo "$B/client.in"
escript "$CLIENT" 127.0.0.1 "$PORT" <"$B/client.in" >"$CLOG" 2>&1 &
cpid=$!
exec 3>"$B/client.in"
client_wait 2 || { cat "$node"/tmp/log/erlang.log.* 2>/dev/null; echo "Bail out! no connection"; exit 1; }
echo 2 >"$B/seen"

test_expect_success 'the node: 1.0.0 serves the client, RELEASES as fetch wrote it' '
	sed -n 2p "$CLOG" | grep -q "^< tally_ex 1.0.0 ready" &&
	expect_answer "add apples 2" "apples = 2" &&
	expect_answer "add pears" "pears = 1" &&
	ask version && sed "s/.*connection //" answer >"$B/conn" &&
	rpc ":io.format(\"~p~n\", [:release_handler.which_releases()])" &&
	contains out "\"1.0.0\"" && contains out permanent
'

test_expect_success 'relup 1.1.0 live: the counter state migrated by code_change/3, the same connection' '
	(cd "$B" && "$SMOOTHVER" fetch tally_ex@1.1.0 --store store -o "$node/releases/tally_ex-1.1.0.tar.gz" >/dev/null) &&
	rh unpack_release tally_ex-1.1.0 && expect_out "{ok,\"1.1.0\"}" &&
	rh install_release 1.1.0 && expect_out "{ok,\"1.0.0\",[]}" &&
	rh make_permanent 1.1.0 && expect_out ok &&
	rpc "IO.inspect(:sys.get_state(TallyEx.Counter))" &&
	expect_out "%{counts: %{\"apples\" => 2, \"pears\" => 1}, total: 3}" &&
	ask version && test "$(sed "s/.*connection //" answer)" = "$(cat "$B/conn")" &&
	contains answer "tally_ex 1.1.0" &&
	expect_answer list "apples=2 pears=1 (total 3)" &&
	expect_answer top "apples = 2" &&
	test "$(cd "$node" && bin/tally_ex pid)" = "$npid"
'

test_expect_success 'reload 1.1.1 live from a delta package: new modules, String.Chars consolidated anew' '
	cp "$B/pk/delta/tally_ex-1.1.1.tar.gz" "$node/releases/" &&
	rh unpack_release tally_ex-1.1.1 && expect_out "{ok,\"1.1.1\"}" &&
	rh install_release 1.1.1 && expect_out "{ok,\"1.1.0\",[]}" &&
	rh make_permanent 1.1.1 && expect_out ok &&
	expect_answer "add apples" "apples = 3" &&
	expect_answer list "apples=3 pears=1 (total 4)" &&
	rpc "IO.puts(String.Chars.impl_for(%TallyEx.Entry{}))" &&
	expect_out Elixir.String.Chars.TallyEx.Entry &&
	rpc "IO.puts(Enum.find(:code.get_path(), &(:string.find(&1, ~c\"consolidated\") != :nomatch)))" &&
	contains out /releases/1.1.1/consolidated &&
	ask version && test "$(sed "s/.*connection //" answer)" = "$(cat "$B/conn")"
'

test_expect_success 'relup 1.2.0 live: the added dependency application started, its tree up' '
	(cd "$B" && "$SMOOTHVER" fetch tally_ex@1.2.0 --store store -o "$node/releases/tally_ex-1.2.0.tar.gz" >/dev/null) &&
	rh unpack_release tally_ex-1.2.0 && expect_out "{ok,\"1.2.0\"}" &&
	rh install_release 1.2.0 && expect_out "{ok,\"1.1.1\",[]}" &&
	rh make_permanent 1.2.0 && expect_out ok &&
	rpc "IO.inspect(for {a, _, v} <- Application.started_applications(), a == :tally_stats, do: to_string(v))" &&
	expect_out "[\"0.1.0\"]" &&
	rpc "IO.inspect(for {id, p, _, _} <- Supervisor.which_children(TallyStats.Supervisor), is_pid(p), do: id)" &&
	expect_out "[TallyStats.Server]" &&
	expect_answer "add pears" "pears = 2" &&
	expect_answer stats "served 2" &&
	ask version && test "$(sed "s/.*connection //" answer)" = "$(cat "$B/conn")" &&
	contains answer "tally_ex 1.2.0"
'

test_expect_success 'down to 1.1.1: tally_stats stopped and gone, the counts kept' '
	rh install_release 1.1.1 && expect_out "{ok,\"1.1.1\",[]}" &&
	rh make_permanent 1.1.1 && expect_out ok &&
	rpc "IO.inspect(Enum.any?(Application.started_applications(), &(elem(&1, 0) == :tally_stats)))" &&
	expect_out false &&
	rpc "IO.inspect(Process.whereis(TallyStats.Server))" && expect_out nil &&
	expect_answer list "apples=3 pears=2 (total 5)" &&
	expect_answer stats "error: unknown command: stats"
'

test_expect_success 'down to 1.1.0: the code path back on its consolidated protocols, TallyEx.Entry unloaded' '
	rh install_release 1.1.0 && expect_out "{ok,\"1.1.0\",[]}" &&
	rh make_permanent 1.1.0 && expect_out ok &&
	rpc "IO.puts(Enum.find(:code.get_path(), &(:string.find(&1, ~c\"consolidated\") != :nomatch)))" &&
	contains out /releases/1.1.0/consolidated &&
	rpc "IO.inspect(:code.is_loaded(TallyEx.Entry))" && expect_out false &&
	rpc "IO.inspect(String.Chars.impl_for(%{__struct__: TallyEx.Entry}))" && expect_out nil &&
	expect_answer list "apples=3 pears=2 (total 5)"
'

test_expect_success 'down to 1.0.0: code_change drops the total, the same connection throughout' '
	rh install_release 1.0.0 && expect_out "{ok,\"1.0.0\",[]}" &&
	rh make_permanent 1.0.0 && expect_out ok &&
	rpc "IO.inspect(:sys.get_state(TallyEx.Counter))" &&
	expect_out "%{counts: %{\"apples\" => 3, \"pears\" => 2}}" &&
	expect_answer list "apples=3 pears=2" &&
	ask version && test "$(sed "s/.*connection //" answer)" = "$(cat "$B/conn")" &&
	contains answer "tally_ex 1.0.0" &&
	test "$(cd "$node" && bin/tally_ex pid)" = "$npid"
'

test_expect_success 'try-upgrade on mix packages: booted by mix start script, cookie from the run, up and down' '
	export TMPDIR="$TEST_ROOT/tmp" &&
	sv 0 try-upgrade "$B/pk/tally_ex-1.0.0.tar.gz" "$B/pk/tally_ex-1.1.0.tar.gz" --downgrade --json \
		--erl-args "-tally_ex port 0" &&
	expect_json .ok true && expect_json .boot mix &&
	expect_json ".steps[0].detail | endswith(\"booted by its mix start script\")" true &&
	expect_json "[.steps[].name] | join(\" \")" "install boot unpack upgrade permanent downgrade stop fresh" &&
	sv 0 try-upgrade "$B/pk/tally_ex-1.1.1.tar.gz" "$B/pk/tally_ex-1.2.0.tar.gz" --erl-args "-tally_ex port 0" &&
	contains out "tally_ex 1.1.1 -> 1.2.0: the live upgrade worked"
'

test_expect_success 'try-upgrade: a mix node that cannot boot, its log found under RELEASE_TMP and shown' '
	export TMPDIR="$TEST_ROOT/tmp" &&
	sv 1 try-upgrade "$B/pk/tally_ex-1.0.0.tar.gz" "$B/pk/tally_ex-1.1.0.tar.gz" --erl-args "-tally_ex port nonsense" &&
	contains out "FAILED  boot" &&
	contains out "/mix/log/erlang.log." &&
	contains out "TallyEx.Listener"
'

# ---- supervisors ----

# The 1.1.1 project again, its beams' debug info kept (mix release strips
# it by default), with a module supervisor (use Supervisor) under the
# application's: 2.0.0; 2.1.0 adds a child to the module supervisor;
# 2.2.0 one to the list the application gives Supervisor.start_link/2.
(
	set -e
	cp -R "$B/tx" "$B/sx"
	cd "$B/sx"
	git checkout -q HEAD~1
	grep -q 'version: "1.1.1"' mix.exs
	rm -rf _build
	sed -i 's/applications: \[sasl: :permanent\]/applications: [sasl: :permanent],\n          strip_beams: [keep: ["Dbgi"]]/; s/version: "1.1.1"/version: "2.0.0"/' mix.exs
	grep -q 'keep: \["Dbgi"\]' mix.exs
	cat >lib/tally_ex/workers.ex <<-'EOF'
	defmodule TallyEx.Workers do
	  use Supervisor
	  def start_link(arg), do: Supervisor.start_link(__MODULE__, arg, name: __MODULE__)
	  @impl true
	  def init(_arg) do
	    children = [TallyEx.W1]
	    Supervisor.init(children, strategy: :one_for_one)
	  end
	end
	defmodule TallyEx.W1 do
	  use Agent
	  def start_link(_), do: Agent.start_link(fn -> 1 end, name: __MODULE__)
	end
	defmodule TallyEx.W2 do
	  use Agent
	  def start_link(_), do: Agent.start_link(fn -> 2 end, name: __MODULE__)
	end
	EOF
	sed -i 's/children = \[TallyEx.Counter, TallyEx.Listener\]/children = [TallyEx.Counter, TallyEx.Listener, TallyEx.Workers]/' lib/tally_ex/application.ex
	grep -q "TallyEx.Workers\]" lib/tally_ex/application.ex
	build 2.0.0
	sed -i 's/version: "2.0.0"/version: "2.1.0"/; ' mix.exs
	sed -i 's/children = \[TallyEx.W1\]/children = [TallyEx.W1, {TallyEx.W2, []}]/' lib/tally_ex/workers.ex
	build 2.1.0
	sed -i 's/version: "2.1.0"/version: "2.2.0"/; ' mix.exs
	sed -i 's/TallyEx.Workers\]/TallyEx.Workers, {Agent, fn -> 3 end}]/' lib/tally_ex/application.ex
	build 2.2.0
	# The default (stripped) build of the same change to the application.
	cd "$B/tx"
	git checkout -q HEAD~3
	sed -i 's/version: "1.0.0"/version: "1.0.1"/' mix.exs
	sed -i 's/TallyEx.Listener\]/TallyEx.Listener, {Agent, fn -> 3 end}]/' lib/tally_ex/application.ex
	build 1.0.1
) >"$B/sx.log" 2>&1 || { cat "$B/sx.log" >&2; echo "Bail out! the supervisor builds"; exit 1; }

test_expect_success 'use Supervisor (debug info kept): a child added is started by the appup, try-upgrade agrees' '
	export TMPDIR="$TEST_ROOT/tmp" &&
	sv 0 appup "$B/r2.0.0" "$B/r2.1.0" &&
	contains out "{update,'"'"'Elixir.TallyEx.Workers'"'"',supervisor}" &&
	contains out "{supervisor,restart_child,['"'"'Elixir.TallyEx.Workers'"'"','"'"'Elixir.TallyEx.W2'"'"']}" &&
	contains out "{supervisor,terminate_child,['"'"'Elixir.TallyEx.Workers'"'"','"'"'Elixir.TallyEx.W2'"'"']}" &&
	expect_empty err &&
	sv 0 relup "$B/r2.0.0" "$B/r2.1.0" --write && mkdir p &&
	sv 0 pack "$B/r2.0.0" -o p/tally_ex-2.0.0.tar.gz &&
	sv 0 pack "$B/r2.1.0" -o p/tally_ex-2.1.0.tar.gz &&
	sv 0 try-upgrade p/tally_ex-2.0.0.tar.gz p/tally_ex-2.1.0.tar.gz --downgrade --erl-args "-tally_ex port 0" &&
	contains out "a fresh boot of 2.1.0 has the supervision tree the upgrade left"
'

test_expect_success 'a child added to the application s Supervisor.start_link/2: only a restart starts it' '
	sv 1 diff "$B/r2.1.0" "$B/r2.2.0" &&
	contains out "required: restart" &&
	contains out "start/2 gives Supervisor.start_link/2 other children ('"'"'Elixir.Agent'"'"' added)" &&
	sv 1 check --base "$B/r2.1.0" "$B/r2.2.0" &&
	contains out "needs restart"
'

test_expect_success 'the same change in a default (stripped) build: a warning says what cannot be told' '
	sv 0 appup "$B/r1.0.0" "$B/r1.0.1" &&
	contains err "application module Elixir.TallyEx.Application changed, but whether its start/2 starts other children cannot be told" &&
	contains err "strip_beams: [keep: [\"Dbgi\"]]" &&
	sv 0 check --base "$B/r1.0.0" "$B/r1.0.1" &&
	contains out "warning"
'

test_expect_success 'try-upgrade left nothing running, nothing in TMPDIR' '
	! pgrep -f "$TEST_ROOT/tmp" >/dev/null &&
	test -z "$(ls "$TEST_ROOT/tmp")"
'

test_done
