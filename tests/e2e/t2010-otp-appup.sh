#!/bin/sh
# smoothver appup and diff on real OTP builds: the fixture release petal
# (tests/otp/) built old and new per scenario with erlc and systools.
# Golden appups, systools:make_relup accepting them, the required level,
# the errors that protect an upgrade, hand-written appups, packages, one
# root holding two versions (also built by rebar3), and tag --auto.
. "$SV_SRCDIR/tests/e2e/lib.sh"
OTP_DIR=$SV_SRCDIR/tests/otp
. "$OTP_DIR/lib.sh"
GOLDEN=$OTP_DIR/golden

if ! otp_have_erl; then
	echo "1..0 # SKIP erl, erlc or escript not installed"
	exit 0
fi

# Every build once, shared read-only by the cases (copied where written).
B=$TEST_ROOT/builds
mkdir -p "$B"
SCENARIOS="reload state sup modules deps apps deponly multi erts novsn
handwritten handgap nodebug"
otp_build base "$B/old" >"$B/log" 2>&1 || { cat "$B/log" >&2; exit 1; }
for s in $SCENARIOS; do
	otp_build "$s" "$B/$s" >"$B/log" 2>&1 || { cat "$B/log" >&2; exit 1; }
done
# nodebug's old side is built the same way (no debug info either).
# shellcheck disable=SC2046
otp_build base "$B/old-nodebug" $(otp_erlc_opts nodebug) >"$B/log" 2>&1 ||
	{ cat "$B/log" >&2; exit 1; }

old_of() {
	if [ "$1" = nodebug ]; then echo "$B/old-nodebug"; else echo "$B/old"; fi
}

test_expect_success 'golden appups for every scenario' '
	for s in reload state sup modules deps apps deponly multi erts \
	    handwritten nodebug; do
		sv 0 appup "$(old_of $s)" "$B/$s" &&
		diff -u "$GOLDEN/$s.appup" out ||
		{ echo "scenario $s differs from its golden appup" >&2; exit 1; }
	done
'

test_expect_success 'systools:make_relup accepts every written appup' '
	for s in reload state sup modules deps apps deponly multi erts \
	    handwritten nodebug; do
		cp -R "$B/$s" "new-$s" &&
		sv 0 appup "$(old_of $s)" "new-$s" --write &&
		otp_relup "new-$s" "$(old_of $s)" >relup.log 2>&1 ||
		{ echo "scenario $s:" >&2; cat err relup.log >&2; exit 1; }
	done &&
	test -s new-deps/releases/1.1.0/relup
'

test_expect_success 'written appups read back with file:consult equal to the golden ones' '
	cp -R "$B/state" new && sv 0 appup "$B/old" new --write &&
	expect_out "petal 1.0.0 -> 1.1.0: generated lib/petal-1.1.0/ebin/petal.appup" &&
	erl -noshell -eval "
		{ok, A} = file:consult(\"new/lib/petal-1.1.0/ebin/petal.appup\"),
		{ok, B} = file:consult(\"$GOLDEN/state.appup\"),
		{ok, [{_, [{_, [U]}], [{_, [D]}]}]} = {ok, A},
		U = {update, petal_server, {advanced, []}, brutal_purge,
		    brutal_purge, []},
		D = U,
		halt(case A =:= B of true -> 0; false -> 1 end)." &&
	sv 0 appup "$B/old" new --write &&
	expect_out "petal 1.0.0 -> 1.1.0: kept lib/petal-1.1.0/ebin/petal.appup"
'

test_expect_success 'the code md5 is beam_lib:md5/1 for every built beam' '
	find "$B/old" "$B/deps" "$B/nodebug" -name "*.beam" | sort >beams &&
	"$SMOOTHVER" __beam $(cat beams) | cut -d" " -f1,2 >ours &&
	erl -noshell -eval "
		{ok, Bin} = file:read_file(\"beams\"),
		Fs = string:lexemes(binary_to_list(Bin), \"\n\"),
		[begin {ok, {M, Md5}} = beam_lib:md5(F),
		       io:format(\"~s ~s~n\", [M, [io_lib:format(\"~2.16.0b\", [X])
		           || <<X>> <= Md5]]) end || F <- Fs],
		halt()." >theirs &&
	test -s ours && diff -u theirs ours
'

test_expect_success 'modules: callee added first, deleted module last, both directions' '
	sv 0 appup --json "$B/old" "$B/modules" &&
	expect_json ".apps[0].modules | map(.module) | join(\",\")" \
		"petal_extra,petal_util,petal_legacy" &&
	expect_json ".apps[0].modules[1].up" \
		"{load_module,petal_util,brutal_purge,brutal_purge,[petal_extra]}" &&
	expect_json ".apps[0].modules[1].down" \
		"{load_module,petal_util,brutal_purge,brutal_purge,[petal_legacy]}" &&
	expect_json ".level" reload
'

test_expect_success 'deps: DepMods cross applications, callee app first' '
	sv 0 appup --json "$B/old" "$B/deps" &&
	expect_json "[.apps[].name] | join(\",\")" "stem,petal" &&
	expect_json ".apps[1].modules[0].up" \
		"{load_module,petal_server,brutal_purge,brutal_purge,[stem_fmt]}"
'

test_expect_success 'apps: added and removed applications, never a removed module as dep' '
	sv 0 appup --json "$B/old" "$B/apps" &&
	expect_json "[.apps[] | .name + \":\" + .change] | join(\",\")" \
		"petal:upgraded,leaf:added,thorn:removed" &&
	lacks out thorn_keeper &&
	sv 0 appup "$B/old" "$B/apps" &&
	contains out "%% leaf 1.0.0 added: the relup starts it (add_application)" &&
	contains out "%% thorn 1.0.0 removed: the relup stops it (remove_application)"
'

test_expect_success 'diff: the required level of every scenario, with its reason' '
	for pair in reload:reload state:relup sup:relup modules:reload \
	    deps:reload apps:relup deponly:reload multi:reload erts:restart \
	    handwritten:relup nodebug:reload; do
		s=${pair%%:*} want=${pair#*:}
		sv 1 diff --json "$(old_of $s)" "$B/$s" &&
		got=$(jq -r .required out) &&
		{ [ "$got" = "$want" ] ||
		  { echo "scenario $s: $got, expected $want" >&2; exit 1; }; }
	done &&
	sv 1 diff "$B/old" "$B/state" &&
	contains out "required: relup" &&
	contains out "M relup   lib/petal-1.1.0/ebin/petal_server.beam  (update petal_server: gen_server with code_change/3; record #state{} gained field label)" &&
	sv 1 diff "$B/old" "$B/deps" &&
	contains out "M reload  lib/petal-1.1.0/ebin/petal_server.beam  (load_module petal_server: gen_server with code_change/3; state record #state{} unchanged, code_change/3 unchanged)" &&
	contains out "M none    lib/petal-1.1.0/ebin/petal_util.beam  (same code (beam_lib:md5 is equal))" &&
	sv 1 diff --json "$B/old" "$B/erts" &&
	expect_json ".otp.erts_to" 13.2 &&
	expect_json "[.otp.reasons[] | select(.subject == \"erts\") | .level] | join(\",\")" restart
'

test_expect_success 'diff: identical builds, and rebuilt beams with the same code, are none' '
	sv 0 diff "$B/old" "$B/old" && expect_empty out &&
	otp_build base rebuilt >/dev/null 2>&1 &&
	! cmp -s "$B/old/lib/petal-1.0.0/ebin/petal_app.beam" \
		rebuilt/lib/petal-1.0.0/ebin/petal_app.beam &&
	sv 1 diff --json "$B/old" rebuilt &&
	expect_json .required none
'

test_expect_success 'code changed without a vsn bump is an error naming the modules' '
	sv 3 appup "$B/old" "$B/novsn" &&
	expect_empty out &&
	contains err "smoothver: error: code changed without an application vsn bump: petal 1.0.0 (petal_util)" &&
	sv 3 diff "$B/old" "$B/novsn" &&
	contains err "petal 1.0.0 (petal_util)"
'

test_expect_success 'hand-written appup: kept as is, its coverage checked, --merge fills gaps' '
	cp -R "$B/handwritten" hw && cp hw/lib/petal-1.1.0/ebin/petal.appup before &&
	sv 0 appup "$B/old" hw --write &&
	expect_out "petal 1.0.0 -> 1.1.0: kept lib/petal-1.1.0/ebin/petal.appup" &&
	cmp before hw/lib/petal-1.1.0/ebin/petal.appup &&
	cp -R "$B/handgap" gap && cp gap/lib/petal-1.1.0/ebin/petal.appup gbefore &&
	sv 3 appup "$B/old" gap --write &&
	contains err "lib/petal-1.1.0/ebin/petal.appup has no upgrade instruction from 1.0.0 for petal_server and no downgrade instruction to 1.0.0 for petal_server" &&
	contains err "hint: add instructions for them, or run with --merge" &&
	cmp gbefore gap/lib/petal-1.1.0/ebin/petal.appup &&
	sv 0 appup "$B/old" gap --write --merge &&
	expect_out "petal 1.0.0 -> 1.1.0: merged lib/petal-1.1.0/ebin/petal.appup" &&
	sv 0 appup --json "$B/old" gap &&
	expect_json ".apps[0].source" kept &&
	otp_relup gap "$B/old" >relup.log 2>&1
'

test_expect_success 'an appup smoothver generated for another build is named so, with how to generate it again' '
	cp -R "$B/handgap" ours &&
	a=ours/lib/petal-1.1.0/ebin/petal.appup &&
	{ echo "%% petal.appup: generated by smoothver for 1.0.0 -> 1.1.0"; cat "$B/handgap/lib/petal-1.1.0/ebin/petal.appup"; } >"$a" &&
	cp "$a" before &&
	sv 3 appup "$B/old" ours --write &&
	contains err "smoothver: error: an appup smoothver generated misses changed modules: lib/petal-1.1.0/ebin/petal.appup (generated by smoothver for another build: remove it to generate it again) has no upgrade instruction from 1.0.0 for petal_server" &&
	cmp before "$a" &&
	sv 1 check --base "$B/old" ours &&
	contains out "the appup smoothver generated for petal 1.1.0 does not cover changed modules: petal_server (upgrade); petal_server (downgrade) (the build changed since it was generated: remove it to generate it again)" &&
	rm "$a" && sv 0 appup "$B/old" ours --write &&
	expect_out "petal 1.0.0 -> 1.1.0: generated lib/petal-1.1.0/ebin/petal.appup" &&
	sv 1 diff "$B/old" ours &&
	contains out "in the appup smoothver generated" &&
	! contains out "hand-written"
'

test_expect_success 'a stale appup is replaced; one for this vsn gets the entry added' '
	cp -R "$B/state" st &&
	printf "{\"0.9.0\",[{\"0.8.0\",[]}],[{\"0.8.0\",[]}]}.\n" \
		>st/lib/petal-1.1.0/ebin/petal.appup &&
	sv 0 appup --json "$B/old" st &&
	expect_json ".apps[0].stale" 0.9.0 &&
	expect_json ".apps[0].source" generated &&
	printf "{\"1.1.0\",[{\"0.9.0\",[]}],[{\"0.9.0\",[]}]}.\n" \
		>st/lib/petal-1.1.0/ebin/petal.appup &&
	sv 0 appup "$B/old" st --write &&
	expect_out "petal 1.0.0 -> 1.1.0: extended lib/petal-1.1.0/ebin/petal.appup" &&
	contains st/lib/petal-1.1.0/ebin/petal.appup "\"0.9.0\"" &&
	contains st/lib/petal-1.1.0/ebin/petal.appup "{\"1.0.0\"," &&
	otp_relup st "$B/old" >relup.log 2>&1
'

test_expect_success '--purge sets purge methods per module; a bad spec is a usage error' '
	sv 0 appup --json "$B/old" "$B/modules" --purge "default=soft;petal_util=soft/brutal" &&
	expect_json ".apps[0].modules[1].up" \
		"{load_module,petal_util,soft_purge,brutal_purge,[petal_extra]}" &&
	sv 0 appup --json "$B/old" "$B/state" --purge "default=soft" &&
	expect_json ".apps[0].modules[0].up" \
		"{update,petal_server,{advanced,[]},soft_purge,soft_purge,[]}" &&
	sv 2 appup "$B/old" "$B/state" --purge "default=gentle" &&
	contains err "bad --purge entry '"'"'default=gentle'"'"'"
'

test_expect_success '--out writes the appups elsewhere, NEW untouched' '
	cp -R "$B/deps" d &&
	sv 0 appup "$B/old" d --out appups &&
	expect_out "stem 1.0.0 -> 1.1.0: wrote appups/stem.appup
petal 1.0.0 -> 1.1.0: wrote appups/petal.appup" &&
	test ! -e d/lib/petal-1.1.0/ebin/petal.appup &&
	sed 1d appups/petal.appup >a && sed 1,5d "$GOLDEN/deps.appup" >b &&
	cmp a b &&
	sv 2 appup "$B/old" d --out x --write &&
	contains err "--write and --out exclude each other"
'

test_expect_success 'release packages work as OLD and NEW' '
	(cd "$B/old" && tar czf "$OLDPWD/old.tar.gz" lib releases) &&
	(cd "$B/state" && tar czf "$OLDPWD/new.tar.gz" lib releases) &&
	sv 0 appup old.tar.gz new.tar.gz &&
	diff -u "$GOLDEN/state.appup" out &&
	sv 1 diff --json old.tar.gz "$B/state" &&
	expect_json .required relup &&
	sv 2 appup "$B/old" new.tar.gz --write &&
	contains err "use --out DIR" &&
	test -z "$(ls "${TMPDIR:-/tmp}" | grep "^smoothver-otp-" || true)"
'

test_expect_success 'one root holding both versions: --from and --to' '
	otp_build base both >/dev/null 2>&1 && otp_build state both >/dev/null 2>&1 &&
	test -d both/lib/petal-1.0.0 && test -d both/lib/petal-1.1.0 &&
	sv 0 appup both --from 1.0.0 --to 1.1.0 &&
	diff -u "$GOLDEN/state.appup" out &&
	sv 1 diff --json both --from 1.0.0 --to 1.1.0 &&
	expect_json .required relup &&
	sv 2 appup both &&
	contains err "needs OLD NEW (or one OTP release root with --from and --to)" &&
	sv 3 appup both --from 1.0.0 --to 9.9.9 &&
	contains err "release 9.9.9 not found"
'

test_expect_success 'rebar3: two versions built in turn into one relx root' '
	command -v rebar3 >/dev/null || exit 0
	otp_build_rebar3 base rel >r.log 2>&1 &&
	otp_build_rebar3 reload rel >>r.log 2>&1 ||
	{ cat r.log >&2; exit 1; }
	sv 0 appup rel --from 1.0.0 --to 1.0.1 &&
	diff -u "$GOLDEN/reload.appup" out &&
	sv 1 diff --json rel --from 1.0.0 --to 1.0.1 &&
	expect_json .required reload
'

test_expect_success 'malformed release files: file, line, column and what was expected' '
	cp -R "$B/state" bad &&
	printf "{release, {\"petal\", \"1.1.0\"}, {erts, \"13.1.5\"}\n  [{kernel, \"8.5.3\"}]}.\n" \
		>bad/releases/1.1.0/petal.rel &&
	sv 3 appup "$B/old" bad &&
	contains err "bad/releases/1.1.0/petal.rel:2:3: expected" &&
	cp -R "$B/state" bad2 &&
	printf "{application, petal, [{vsn, \"1.1.0\"}, {modules, [petal_app, 42]}]}.\n" \
		>bad2/lib/petal-1.1.0/ebin/petal.app &&
	sv 3 appup "$B/old" bad2 &&
	contains err "petal.app:1:" && contains err "expected a module name" &&
	cp -R "$B/state" bad3 &&
	printf "not a beam" >bad3/lib/petal-1.1.0/ebin/petal_server.beam &&
	sv 3 appup "$B/old" bad3 &&
	contains err "petal_server.beam" &&
	sv 3 appup "$B/old" nowhere &&
	contains err "cannot open '"'"'nowhere'"'"'" &&
	mkdir plain && sv 3 appup "$B/old" plain &&
	contains err "not an OTP release root"
'

test_expect_success 'comparisons are remembered per pair of builds; what changed since is seen' '
	mkdir h && HOME=$PWD/h && export HOME &&
	cp -R "$B/old" o && cp -R "$B/novsn" n &&
	cp o/lib/petal-1.0.0/ebin/petal_util.beam n/lib/petal-1.0.0/ebin/ &&
	cp -R "$B/old" so && cp -R "$B/state" sn &&
	sleep 3 &&
	sv 0 appup o n && mv out first &&
	sv 0 appup so sn && diff -u "$GOLDEN/state.appup" out &&
	ls "$HOME/.cache/smoothver/otp" >files && test "$(wc -l <files)" = 2 &&
	sv 0 appup o n && diff -u first out &&
	sv 0 appup so sn && diff -u "$GOLDEN/state.appup" out &&
	cp "$B/novsn/lib/petal-1.0.0/ebin/petal_util.beam" n/lib/petal-1.0.0/ebin/ &&
	sv 3 appup o n &&
	contains err "code changed without an application vsn bump: petal 1.0.0 (petal_util)" &&
	cp o/lib/petal-1.0.0/ebin/petal_util.beam n/lib/petal-1.0.0/ebin/ &&
	sv 0 appup o n && diff -u first out &&
	cp "$B/old/lib/petal-1.0.0/ebin/petal_server.beam" \
		sn/lib/petal-1.1.0/ebin/petal_server.beam &&
	sv 0 appup so sn && ! contains out petal_server &&
	for f in "$HOME"/.cache/smoothver/otp/*; do printf garbage >"$f"; done &&
	sv 0 appup o n && diff -u first out &&
	mkdir h2 && HOME=$PWD/h2 SMOOTHVER_NO_CACHE=1 sv 0 appup o n &&
	diff -u first out && test ! -e h2/.cache/smoothver/otp
'

test_expect_success 'an appup in one build only is metadata: diff, tag --auto, pack --delta-from' '
	cp -R "$B/old" o && cp -R "$B/reload" n &&
	echo "{\"1.0.0\", [], []}." >o/lib/stem-1.0.0/ebin/stem.appup &&
	sv 1 diff "$B/old" o &&
	contains out "required: none" &&
	contains out "A none    lib/stem-1.0.0/ebin/stem.appup  (upgrade instructions: metadata, not code)" &&
	sv 1 diff o "$B/old" && contains out "required: none" &&
	sv 1 diff o n &&
	contains out "required: reload" && lacks out restart &&
	echo "+K true" >n/releases/1.0.1/vm.args &&
	sv 1 diff o n &&
	contains out "required: restart — " &&
	contains out "(releases/1.0.1/vm.args: vm.args: read at boot only)" &&
	rm n/releases/1.0.1/vm.args &&
	( new_repo repo && "$SMOOTHVER" tag 1.0.0 >/dev/null && commit c &&
	  "$SMOOTHVER" tag -n --json --auto --from ../o ../n >../out ) &&
	expect_json .version 1.0.1 && expect_json .level reload &&
	"$SMOOTHVER" relup o n --write >/dev/null &&
	sv 0 pack -q n --delta-from o -o d.tar.gz &&
	tar -tzf d.tar.gz >list && lacks list stem
'

test_expect_success 'sys.config: compared as terms, the env keys that changed named' '
	cp -R "$B/old" o && cp -R "$B/old" n &&
	printf "[{petal, [{port, 0}, {greeting, \"hi\"}]}, {kernel, []}].\n" \
		>o/releases/1.0.0/sys.config &&
	printf "%%%% reformatted, a comment added\n[ {petal,\n  [ {port,0},\n    {greeting,\"hi\"} ] },\n  {kernel,[]} ].\n" \
		>n/releases/1.0.0/sys.config &&
	sv 1 diff o n &&
	expect_out "required: none — 1 modified (releases/1.0.0/sys.config: sys.config: the same terms (only formatting or comments changed))
M none    releases/1.0.0/sys.config  (sys.config: the same terms (only formatting or comments changed))" &&
	printf "[{petal, [{port, 1}, {limit, 3}]}, {kernel, []}, {sasl, [{sasl_error_logger, false}]}].\n" \
		>n/releases/1.0.0/sys.config &&
	sv 1 diff o n &&
	contains out "required: relup — 1 modified (releases/1.0.0/sys.config: sys.config: applied on install (config_change/3); changed: petal.port, petal.greeting, petal.limit, sasl.sasl_error_logger)" &&
	echo "[{petal, [" >n/releases/1.0.0/sys.config &&
	sv 1 diff o n &&
	contains out "not one Erlang list, compared as bytes"
'

test_expect_success 'project rules override every built-in level, sys.config and modules included' '
	cp -R "$B/old" o && cp -R "$B/reload" n &&
	echo "[{petal, [{vsn_label, \"1.0.1\"}]}]." >n/releases/1.0.1/sys.config &&
	new_repo proj &&
	sv 1 diff "$TEST_ROOT/t$test_count/o" "$TEST_ROOT/t$test_count/n" &&
	contains out "required: relup" &&
	printf "[rule \"releases/*/sys.config\"]\n\tlevel = reload\n\treason = our sys.config carries the version\n" >.smoothver &&
	sv 1 diff ../o ../n &&
	contains out "required: reload" &&
	contains out "M reload  releases/1.0.1/sys.config  (our sys.config carries the version)" &&
	cp -R "$B/state" ../s &&
	sv 1 diff ../o ../s && contains out "required: relup" &&
	printf "[rule \"lib/petal-*/ebin/petal_server.beam\"]\n\tlevel = reload\n\treason = state kept as is\n" >>.smoothver &&
	sv 1 diff ../o ../s &&
	contains out "required: reload" &&
	contains out "petal_server.beam  (state kept as is)" &&
	cp -R "$B/erts" ../e &&
	printf "[rule \"erts-*\"]\n\tlevel = none\n[rule \"**/*.so\"]\n\tlevel = relup\n\treason = our NIF upgrades itself\n" >>.smoothver &&
	sv 1 diff ../o ../e &&
	contains out "required: relup"
'

test_expect_success 'tag --auto --from tags the next version at the required level' '
	new_repo repo &&
	"$SMOOTHVER" tag 1.0.0 >/dev/null &&
	commit "change" &&
	sv 0 tag --auto --from "$B/old" "$B/state" &&
	contains out "tagged v1.1.0 (relup from v1.0.0)" &&
	contains out "required by lib/petal-1.1.0/ebin/petal_server.beam: update petal_server" &&
	git tag -l "v1.1.0" | grep -q . &&
	commit "again" &&
	sv 1 tag --auto --from "$B/old" "$B/old" &&
	contains err "nothing to tag" &&
	sv 2 tag --auto &&
	contains err "--auto needs --from OLD" &&
	mkdir -p _build/default/rel && otp_revsn "$B/reload" _build/default/rel/petal 1.1.1 &&
	sv 0 tag -n --json --auto --from "$B/old" &&
	expect_json .version 1.1.1 && expect_json .level reload
'

test_expect_success 'tag: one release per commit (--force), the version the build names, rebar3 as prod and mix outputs' '
	new_repo repo &&
	"$SMOOTHVER" tag 1.0.0 >/dev/null &&
	sv 3 tag reload &&
	expect_err "smoothver: error: HEAD ($(git rev-parse --short=7 HEAD)) already carries the release tag '"'"'v1.0.0'"'"': one commit, one release
hint: commit the change first, or pass --force to tag this commit again" &&
	sv 0 tag --force reload && contains out "tagged v1.0.1" &&
	commit change &&
	mkdir -p _build/prod/rel && cp -R "$B/reload" _build/prod/rel/petal &&
	sv 3 tag --auto --from "$B/old" &&
	contains err "tag --auto would tag 1.0.2, but the new build '"'"'$PWD/_build/prod/rel/petal'"'"' is release petal 1.0.1" &&
	contains err "hint: set the release version to 1.0.2" &&
	test "$(git tag -l | wc -l)" -eq 2 &&
	rm -rf _build/prod/rel/petal && otp_revsn "$B/reload" _build/prod/rel/petal 1.0.2 &&
	sv 0 tag --auto --from "$B/old" &&
	contains out "tagged v1.0.2 (reload from v1.0.1)" &&
	commit again &&
	mkdir -p _build/dev/rel && otp_revsn "$B/state" _build/dev/rel/petal 1.1.0 &&
	sv 2 tag --auto --from "$B/old" &&
	contains err "there are 2 (" && contains err "_build/dev/rel/petal" &&
	contains err "_build/prod/rel/petal" &&
	rm -rf _build/prod &&
	sv 0 tag -n --auto --from "$B/old" && contains out "would tag v1.1.0 (relup"
'

test_done
