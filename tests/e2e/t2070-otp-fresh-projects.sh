#!/bin/sh
# Builds nobody shaped for the tests: a release made by `rebar3 new
# release` (the umbrella template, changed as its user would: a worker
# added to the supervisor, then a reload) and a `mix new --sup` project
# released with `mix release`. What a user would look at: the appup the
# supervisor change gets, the supervision tree a real upgrade leaves
# (try-upgrade), one relup for two bases from the root that built them,
# the warning for stripped beams, check on a restart-level change, tag
# --auto on rebar3's prod output, sys.config compared as terms.
. "$SV_SRCDIR/tests/e2e/lib.sh"
OTP_DIR=$SV_SRCDIR/tests/otp
. "$OTP_DIR/lib.sh"

if ! otp_have_erl || ! command -v rebar3 >/dev/null 2>&1; then
	echo "1..0 # SKIP erl or rebar3 not installed (Debian: erlang rebar3)"
	exit 0
fi

# expect_out_file FILE TEXT: FILE holds exactly TEXT (and a newline).
expect_out_file() {
	[ "$(cat "$1")" = "$2" ] || { echo "$1: '''$(cat "$1")''', expected '''$2'''" >&2; return 1; }
}

B=$TEST_ROOT/builds
mkdir -p "$B/pk"
export REBAR_CACHE_DIR="$HOME/.cache/rebar3" REBAR_OFFLINE=1 QUIET=1

# v2 DIR: myrel 0.2.0, a gen_server worker under the template's
# supervisor (a map child spec, as the template's comments suggest).
v2() {
	cat >"$1/apps/myrel/src/myrel_worker.erl" <<-'EOF'
	-module(myrel_worker).
	-behaviour(gen_server).
	-export([start_link/0, get/0]).
	-export([init/1, handle_call/3, handle_cast/2]).
	-record(state, {n = 0}).
	start_link() -> gen_server:start_link({local, ?MODULE}, ?MODULE, [], []).
	get() -> gen_server:call(?MODULE, get).
	init([]) -> {ok, #state{}}.
	handle_call(get, _From, S = #state{n = N}) -> {reply, N, S#state{n = N + 1}}.
	handle_cast(_, S) -> {noreply, S}.
	EOF
	sed -i 's/ChildSpecs = \[\]/ChildSpecs = [#{id => myrel_worker, start => {myrel_worker, start_link, []}}]/' \
		"$1/apps/myrel/src/myrel_sup.erl" &&
	sed -i 's/{vsn, "0.1.0"}/{vsn, "0.2.0"}/' "$1/apps/myrel/src/myrel.app.src" &&
	sed -i 's/{myrel, "0.1.0"}/{myrel, "0.2.0"}/' "$1/rebar.config"
}

# v3 DIR: myrel 0.2.1, the worker's handle_cast changed (a reload).
v3() {
	sed -i 's/^handle_cast(_, S) -> {noreply, S}\./handle_cast(reset, S) -> {noreply, S#state{n = 0}};\nhandle_cast(_, S) -> {noreply, S}./' \
		"$1/apps/myrel/src/myrel_worker.erl" &&
	sed -i 's/"0.2.0"/"0.2.1"/' "$1/apps/myrel/src/myrel.app.src" "$1/rebar.config"
}

# rebar3 and mix decide what to recompile by mtimes in whole seconds
# (mix also by size): an edit made in the second of the last build, of
# the same size, is not seen. So the edited application is compiled
# afresh each time (its lib/ removed, or `mix compile --force`).

# The umbrella, in the default profile made a self-contained release
# (relx's dev mode links lib/ into _build, so no two versions could be
# told apart), and the same project built `rebar3 as prod release`.
(
	set -e
	cd "$B"
	rebar3 new release myrel
	cd myrel
	sed -i 's/{mode, dev},/{dev_mode, false}, {include_erts, true},/' rebar.config
	grep -q "dev_mode, false" rebar.config
	git init -q && git add -A && git commit -q -m "myrel 0.1.0"
	"$SMOOTHVER" -q tag 0.1.0
	rebar3 release && rebar3 as prod release
	"$SMOOTHVER" pack -q _build/default/rel/myrel -o "$B/pk/myrel-0.1.0.tar.gz"
	v2 . && git add -A && git commit -q -m "myrel 0.2.0: a worker"
	rm -rf _build/default/lib/myrel _build/prod/lib/myrel
	rebar3 release && rebar3 as prod release
	cp -R _build/default/rel/myrel "$B/r020"
	v3 . && git add -A && git commit -q -m "myrel 0.2.1: reset"
	rm -rf _build/default/lib/myrel
	rebar3 release
) >"$B/rebar3.log" 2>&1 || { cat "$B/rebar3.log" >&2; echo "Bail out! the rebar3 project"; exit 1; }
R=$B/myrel/_build/default/rel/myrel
P=$B/myrel/_build/prod/rel/myrel

test_expect_success 'a release in rebar3'"'"'s dev mode: what walks or packs it says why it cannot, printing a relup can' '
	cp -R "$B/myrel" proj &&
	sed -i "s/{dev_mode, false}/{dev_mode, true}/" proj/rebar.config &&
	(cd proj && rm -rf _build/default/rel && rebar3 release) >dev.log 2>&1 ||
		{ cat dev.log; exit 1; }
	D=$PWD/proj/_build/default/rel/myrel &&
	test -L "$D/lib/myrel-0.2.1" &&
	for c in "diff $P $D" "check --base $P $D" "relup $P $D --write" "pack $D -o dev.tar.gz"; do
		sv 3 $c &&
		contains err "smoothver: error: '"'"'$D/lib/" &&
		contains err "is a symlink to" &&
		contains err "outside the release root: release myrel 0.2.1 links to its applications instead of holding them, as rebar3'"'"'s dev mode assembles a release" &&
		contains err "hint: build the release with \`rebar3 as prod release\`" || exit 1
	done &&
	test ! -e dev.tar.gz && test ! -e "$D/releases/0.2.1/relup" &&
	sv 0 relup "$P" "$D" &&
	contains out "{\"0.2.1\","
'

test_expect_success 'relup --from A,B: one relup for two bases of the root that built them' '
	cp -R "$R" r &&
	sv 0 relup r --from 0.1.0,0.2.0 --write &&
	contains out "myrel 0.2.0 -> 0.2.1: live (reload)" &&
	contains out "myrel 0.1.0 -> 0.2.1: live (relup)" &&
	erl -noshell -eval "{ok, [{\"0.2.1\", [{\"0.2.0\", _, _}, {\"0.1.0\", _, _}], [_, _]}]} =
		file:consult(\"r/releases/0.2.1/relup\"), halt()." &&
	sv 3 relup r --from 0.1.0,0.0.9 && contains err "release 0.0.9 not found"
'

test_expect_success 'a worker added to the supervisor: started after the update, stopped before the downgrade' '
	sv 0 appup "$R" --from 0.1.0 --to 0.2.0 &&
	expect_empty err &&
	tr -d " \n" <out >flat &&
	contains flat "[{add_module,myrel_worker},{update,myrel_sup,supervisor},{apply,{supervisor,restart_child,[myrel_sup,myrel_worker]}}]" &&
	contains flat "[{apply,{supervisor,terminate_child,[myrel_sup,myrel_worker]}},{apply,{supervisor,delete_child,[myrel_sup,myrel_worker]}},{update,myrel_sup,supervisor},{delete_module,myrel_worker}]" &&
	sv 0 --json appup "$R" --from 0.1.0 --to 0.2.0 &&
	json ".apps[0].modules[] | select(.module == \"myrel_sup\") | .reason" >reason &&
	contains reason "supervisor; init/1 changed; child myrel_worker added (restart_child)" &&
	json ".apps[0].modules[] | select(.module == \"myrel_sup\") | .up" >up &&
	expect_out_file up "{update,myrel_sup,supervisor}, {apply,{supervisor,restart_child,[myrel_sup,myrel_worker]}}"
'

test_expect_success 'try-upgrade: the worker runs after the upgrade, as in a fresh boot of 0.2.0; the downgrade leaves 0.1.0 tree' '
	cp -R "$B/r020" new &&
	"$SMOOTHVER" relup -q new --from 0.1.0 --write &&
	sv 0 pack -q new -o "$B/pk/myrel-0.2.0.tar.gz" &&
	sv 0 try-upgrade "$B/pk/myrel-0.1.0.tar.gz" "$B/pk/myrel-0.2.0.tar.gz" --downgrade &&
	contains out "ok      fresh" &&
	contains out "a fresh boot of 0.2.0 has the supervision tree the upgrade left" &&
	contains out "the live upgrade worked, and the downgrade"
'

test_expect_success 'try-upgrade fails an appup that never starts the new child, showing both trees (with --downgrade too)' '
	cp -R "$B/r020" bug &&
	printf "{\"0.2.0\",\n [{\"0.1.0\",[{add_module,myrel_worker},{update,myrel_sup,supervisor}]}],\n [{\"0.1.0\",[{update,myrel_sup,supervisor},{delete_module,myrel_worker}]}]}.\n" \
		>bug/lib/myrel-0.2.0/ebin/myrel.appup &&
	"$SMOOTHVER" relup -q bug --from 0.1.0 --write &&
	mkdir p && sv 0 pack -q bug -o p/myrel-0.2.0.tar.gz &&
	sv 1 try-upgrade "$B/pk/myrel-0.1.0.tar.gz" p/myrel-0.2.0.tar.gz &&
	contains out "FAILED  fresh" &&
	contains out "only after the upgrade: myrel/myrel_worker worker stopped [myrel_worker]" &&
	contains out "only in a fresh boot of NEW: myrel/myrel_worker worker running [myrel_worker]" &&
	sv 1 --json try-upgrade "$B/pk/myrel-0.1.0.tar.gz" p/myrel-0.2.0.tar.gz --downgrade &&
	expect_json .failed_step downgrade &&
	json .error >e && contains e "the supervision tree after the downgrade differs from the one in OLD as booted" &&
	contains e "only after the downgrade: myrel/myrel_worker worker stopped" &&
	json ".steps[] | select(.name == \"fresh\") | .status" >st &&
	expect_out_file st failed &&
	json ".steps[] | select(.name == \"fresh\") | .detail" >fd &&
	contains fd "only in a fresh boot of NEW: myrel/myrel_worker worker running [myrel_worker]" &&
	json .node_log >log && contains log "release_handler:install_release(\"0.1.0\")" &&
	sv 1 try-upgrade "$B/pk/myrel-0.1.0.tar.gz" p/myrel-0.2.0.tar.gz --downgrade &&
	contains out "FAILED  downgrade" && contains out "FAILED  fresh" &&
	contains out "myrel 0.1.0 -> 0.2.0: failed at fresh too (above)"
'

test_expect_success 'rebar3 as prod strips debug info: a warning says the children cannot be read, check warns' '
	sv 0 appup "$P" --from 0.1.0 --to 0.2.0 &&
	contains err "warning: myrel: supervisor myrel_sup changed, but whether init/1 gained or lost children cannot be told, as its debug info was stripped (no Dbgi chunk)" &&
	lacks out restart_child &&
	sv 0 check --base "$B/pk/myrel-0.1.0.tar.gz" "$P" &&
	contains out "warning: myrel: supervisor myrel_sup changed" &&
	sv 0 --json check --base "$B/pk/myrel-0.1.0.tar.gz" "$P" &&
	expect_json ".warnings[0].kind" children
'

test_expect_success 'tag --auto looks in rebar3 as prod output too, and refuses a version the build does not name' '
	cd "$B/myrel" && test -z "$(git status --porcelain)" &&
	sv 2 tag -n --auto --from "$B/pk/myrel-0.1.0.tar.gz" &&
	contains err "there are 2 (" && contains err "_build/prod/rel/myrel" &&
	sv 3 tag -n --auto --from "$B/pk/myrel-0.1.0.tar.gz" "$R" &&
	contains err "tag --auto would tag 0.2.0, but the new build '"'"'$R'"'"' is release myrel 0.2.1" &&
	sv 0 tag -n --auto --from "$B/pk/myrel-0.1.0.tar.gz" "$P" &&
	contains out "would tag v0.2.0 (relup from v0.1.0)"
'

test_expect_success 'a NIF added in priv/ under a reload bump fails check; the template sys.config as terms' '
	cp -R "$R" nif && mkdir -p nif/lib/myrel-0.2.1/priv && echo elf >nif/lib/myrel-0.2.1/priv/myrel_nif.so &&
	sv 1 check --base "$B/r020" nif &&
	contains out "error: needs restart: lib/myrel-0.2.1/priv/myrel_nif.so: native code, but 0.2.0 -> 0.2.1 is a reload bump" &&
	cp -R "$R" cfg && cfg=cfg/releases/0.2.1/sys.config &&
	{ echo "%% reformatted by hand"; tr -s " \n" " " <"$cfg"; echo; } >c.tmp && mv c.tmp "$cfg" &&
	sv 1 diff "$R" cfg && contains out "required: none" &&
	contains out "sys.config: the same terms" &&
	echo "[{myrel, [{limit, 3}]}]." >"$cfg" &&
	sv 1 diff "$R" cfg &&
	contains out "changed: myrel.limit"
'

# ---- the worker's state decides (a copy of the project, on from 0.2.1) ----

# v4 DIR: myrel 0.3.0, the worker's state record gains a field, with the
# code_change/3 that migrates it both ways.
v4() {
	sed -i 's/^-record(state, {n = 0})\./-record(state, {n = 0, resets = 0})./;
		s/^-export(\[init\/1, handle_call\/3, handle_cast\/2\])\./-export([init\/1, handle_call\/3, handle_cast\/2, code_change\/3])./;
		s/^handle_cast(reset, S) -> {noreply, S#state{n = 0}};/handle_cast(reset, S = #state{resets = R}) -> {noreply, S#state{n = 0, resets = R + 1}};/' \
		"$1/apps/myrel/src/myrel_worker.erl" &&
	cat >>"$1/apps/myrel/src/myrel_worker.erl" <<-'EOF'
	code_change({down, _}, #state{n = N}, _Extra) -> {ok, {state, N}};
	code_change(_Old, {state, N}, _Extra) -> {ok, #state{n = N}}.
	EOF
	sed -i 's/"0.2.1"/"0.3.0"/' "$1/apps/myrel/src/myrel.app.src" "$1/rebar.config"
}

# v5 DIR: myrel 0.3.1, a handle_call clause added; the record and
# code_change/3 as they were.
v5() {
	sed -i 's/^handle_call(get, _From, S = #state{n = N}) -> {reply, N, S#state{n = N + 1}}\./handle_call(resets, _From, S = #state{resets = R}) -> {reply, R, S};\nhandle_call(get, _From, S = #state{n = N}) -> {reply, N, S#state{n = N + 1}}./' \
		"$1/apps/myrel/src/myrel_worker.erl" &&
	sed -i 's/"0.3.0"/"0.3.1"/' "$1/apps/myrel/src/myrel.app.src" "$1/rebar.config"
}

(
	set -e
	cd "$B"
	cp -R myrel myrel3
	cd myrel3
	"$SMOOTHVER" pack -q --no-relup _build/default/rel/myrel -o "$B/pk/myrel-0.2.1.tar.gz"
	v4 .
	grep -q "resets = 0" apps/myrel/src/myrel_worker.erl
	rm -rf _build/default/lib/myrel
	rebar3 release
	"$SMOOTHVER" relup -q _build/default/rel/myrel --from 0.2.1 --write
	"$SMOOTHVER" pack -q _build/default/rel/myrel -o "$B/pk/myrel-0.3.0.tar.gz"
	v5 .
	grep -q "handle_call(resets" apps/myrel/src/myrel_worker.erl
	rm -rf _build/default/lib/myrel
	rebar3 release
	"$SMOOTHVER" relup -q _build/default/rel/myrel --from 0.3.0 --write
	"$SMOOTHVER" pack -q _build/default/rel/myrel -o "$B/pk/myrel-0.3.1.tar.gz"
) >"$B/rebar3-v3.log" 2>&1 || { cat "$B/rebar3-v3.log" >&2; echo "Bail out! the rebar3 project, 0.3"; exit 1; }
R3=$B/myrel3/_build/default/rel/myrel

test_expect_success 'the worker'"'"'s state decides: a record field is a relup, a handle_call clause a reload' '
	sv 1 diff --explain "$R3" --from 0.2.1 --to 0.3.0 &&
	contains out "required: relup" &&
	contains out "explain: myrel 0.2.1 -> 0.3.0, levels from $R3/releases/0.3.0/relup" &&
	contains out "  myrel_worker: relup (changed): load_object_code, suspend, load, code_change, resume in the relup releases/0.3.0/relup (gen_server with code_change/3; record #state{} gained field resets)" &&
	contains out "      record #state{} gained field resets" &&
	contains out "      state: record #state{} (init/1, handle_call/3, handle_cast/2)" &&
	sv 1 diff --explain "$R3" --from 0.3.0 --to 0.3.1 &&
	contains out "required: reload" &&
	contains out "M reload  lib/myrel-0.3.1/ebin/myrel_worker.beam  (myrel_worker: load_object_code, load in the relup releases/0.3.1/relup (gen_server with code_change/3; state record #state{} unchanged, code_change/3 unchanged))" &&
	contains out "      #state{}: the same definition in both builds" &&
	contains out "      code_change/3: the same code in both builds" &&
	sv 0 appup "$R3" --from 0.3.0 --to 0.3.1 &&
	tr -d " \n" <out >flat &&
	contains flat "[{\"0.3.0\",[{load_module,myrel_worker,brutal_purge,brutal_purge,[]}]}]"
'

# worker_kept LOG: the probe'"'"'s last line in LOG says the counter in the
# worker'"'"'s state went on through the upgrade in one process.
worker_kept() {
	grep "probe-end" "$1" | grep -q "answers, the last: [0-9]*, one myrel_worker process throughout" ||
		{ grep probe "$1" >&2; return 1; }
}

test_expect_success 'try-upgrade, a client calling the worker throughout: code_change keeps the count (0.2.1 -> 0.3.0 and back)' '
	sv 0 try-upgrade "$B/pk/myrel-0.2.1.tar.gz" "$B/pk/myrel-0.3.0.tar.gz" --downgrade \
		--probe "escript $SV_SRCDIR/tests/otp/callprobe.escript myrel_worker myrel_worker get" &&
	contains out "the live upgrade worked, and the downgrade" &&
	worker_kept out
'

test_expect_success 'try-upgrade, a client calling the worker throughout: load_module keeps the count (0.3.0 -> 0.3.1)' '
	sv 0 try-upgrade "$B/pk/myrel-0.3.0.tar.gz" "$B/pk/myrel-0.3.1.tar.gz" \
		--probe "escript $SV_SRCDIR/tests/otp/callprobe.escript myrel_worker myrel_worker get" &&
	contains out "the live upgrade worked" &&
	worker_kept out
'

# ---- mix ----

if ! command -v mix >/dev/null 2>&1; then
	test_skip 'mix: relup --from A,B on a mix release root' 'mix not installed (Debian: elixir)'
	test_done
fi

(
	set -e
	cd "$B"
	mix new mixy --sup
	cd mixy
	MIX_ENV=prod mix release
	sed -i 's/version: "0.1.0"/version: "0.1.1"/' mix.exs
	printf 'defmodule Mixy.Util do\n  def hello, do: :world\nend\n' >lib/mixy/util.ex
	MIX_ENV=prod mix compile --force
	MIX_ENV=prod mix release --overwrite
	sed -i 's/version: "0.1.1"/version: "0.1.2"/' mix.exs
	printf 'defmodule Mixy.Util do\n  def hello, do: :there\nend\n' >lib/mixy/util.ex
	MIX_ENV=prod mix compile --force
	MIX_ENV=prod mix release --overwrite
) >"$B/mix.log" 2>&1 || { cat "$B/mix.log" >&2; echo "Bail out! the mix project"; exit 1; }
M=$B/mixy/_build/prod/rel/mixy

test_expect_success 'mix: relup --from A,B on a mix release root' '
	cp -R "$M" m &&
	sv 0 relup m --from 0.1.0,0.1.1 --write &&
	contains out "mixy 0.1.1 -> 0.1.2: live (reload)" &&
	contains out "mixy 0.1.0 -> 0.1.2: live" &&
	test -s m/releases/0.1.2/relup
'

test_done
