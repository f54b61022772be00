#!/bin/sh
# smoothver check, the pre-merge check, on real OTP builds of the fixture
# release petal (tests/otp/): every way a candidate can fail, the warning
# for a bump higher than needed, JSON, the base from the store, and what
# it leaves for GitHub Actions (annotations, step summary, outputs).
. "$SV_SRCDIR/tests/e2e/lib.sh"
OTP_DIR=$SV_SRCDIR/tests/otp
. "$OTP_DIR/lib.sh"

if ! otp_have_erl; then
	echo "1..0 # SKIP erl, erlc or escript not installed"
	exit 0
fi

B=$TEST_ROOT/builds
mkdir -p "$B"
for s in base state reload novsn erts apps handwritten handgap; do
	otp_build "$s" "$B/$s" >"$B/log" 2>&1 || { cat "$B/log" >&2; exit 1; }
done

# revsn SRC DST VSN: a copy of build SRC whose release version is VSN.
revsn() { otp_revsn "$@"; }

test_expect_success 'a bump at the required level passes, with the relup made' '
	sv 0 check --base "$B/base" "$B/state" &&
	expect_out "petal 1.0.0 -> 1.1.0: ok, a relup bump; the change needs relup; relup made (6 instructions up, 6 down)" &&
	expect_empty err &&
	sv 0 check --base "$B/base" "$B/reload" &&
	contains out "petal 1.0.0 -> 1.0.1: ok, a reload bump; the change needs reload; relup made" &&
	sv 0 -q check --base "$B/base" "$B/reload" && expect_empty out
'

test_expect_success 'an application new in the candidate is handled' '
	sv 0 check --base "$B/base" "$B/apps" &&
	contains out "ok, a relup bump; the change needs relup; relup made"
'

test_expect_success 'the candidate as a package' '
	mkdir pk && sv 0 pack -q -o pk/petal-1.1.0.tar.gz "$B/state" &&
	sv 0 check --base "$B/base" pk/petal-1.1.0.tar.gz &&
	contains out "petal 1.0.0 -> 1.1.0: ok, a relup bump"
'

test_expect_success 'a RESTART bump needs no relup' '
	sv 0 check --base "$B/base" "$B/erts" &&
	expect_out "petal 1.0.0 -> 2.0.0: ok, a restart bump; the change needs restart; no relup (the node restarts)"
'

test_expect_success 'code changed without an application vsn bump fails' '
	sv 1 check --base "$B/base" "$B/novsn" &&
	contains out "error: code changed without an application vsn bump: petal 1.0.0 (petal_util); bump the vsn in petal.app.src" &&
	contains out "1 problem; the rest of the change needs nothing" &&
	lacks out warning
'

test_expect_success 'a release version not greater than the base'"'"'s fails' '
	sv 1 check --base "$B/base" "$B/base" &&
	contains out "error: the release version 1.0.0 is not greater than the base'"'"'s 1.0.0" &&
	revsn "$B/base" down 0.9.0 &&
	sv 1 check --base "$B/base" down &&
	contains out "the release version 0.9.0 is not greater" &&
	revsn "$B/state" weird 1.1 &&
	sv 1 check --base "$B/base" weird &&
	contains out "the candidate release version '"'"'1.1'"'"' is not a Smoothver version"
'

test_expect_success 'a bump below the required level fails, one line per reason' '
	revsn "$B/state" low 1.0.1 &&
	sv 1 check --base "$B/base" low &&
	contains out "error: needs relup: petal_server: gen_server with code_change/3; record #state{} gained field label (petal 1.0.0 -> 1.1.0), but 1.0.0 -> 1.0.1 is a reload bump" &&
	contains out "petal 1.0.0 -> 1.0.1: 1 problem; the change needs relup"
'

# Every way a change can need a restart, each shipped as a relup bump and
# as a reload bump: the check must fail and name the restart.
test_expect_success 'a restart-level change under a relup or reload bump always fails' '
	# a NIF library in priv/ (a file change, no module), ERTS kept
	revsn "$B/erts" nif 1.1.0 &&
	erts=$(cut -d" " -f1 "$B/base/releases/start_erl.data") &&
	sed "s/13\.2/$erts/" nif/releases/1.1.0/petal.rel >nif/rel.tmp &&
	mv nif/rel.tmp nif/releases/1.1.0/petal.rel &&
	echo "$erts 1.1.0" >nif/releases/start_erl.data &&
	sv 1 check --base "$B/base" nif &&
	contains out "error: needs restart: lib/petal-1.1.0/priv/petal_nif.so: native code, but 1.0.0 -> 1.1.0 is a relup bump" &&
	contains out "1 problem; the change needs restart" &&
	sv 1 check --base "$B/base" nif --json &&
	expect_json .ok false && expect_json .required restart &&
	expect_json .bump relup &&
	# a new ERTS, as a relup and as a reload bump
	revsn "$B/erts" e1 1.1.0 &&
	sv 1 check --base "$B/base" e1 &&
	contains out "error: needs restart: erts: ERTS $erts -> 13.2: a new emulator, but 1.0.0 -> 1.1.0 is a relup bump" &&
	revsn "$B/erts" e2 1.0.1 &&
	sv 1 check --base "$B/base" e2 &&
	contains out "but 1.0.0 -> 1.0.1 is a reload bump" &&
	# vm.args, read at boot only
	revsn "$B/reload" vm 1.1.0 &&
	echo "+A 4" >vm/releases/1.1.0/vm.args &&
	sv 1 check --base "$B/base" vm &&
	contains out "error: needs restart: releases/1.1.0/vm.args: vm.args: read at boot only, but 1.0.0 -> 1.1.0 is a relup bump"
'

test_expect_success 'a bump above the required level passes with a warning' '
	revsn "$B/state" high 2.0.0 &&
	sv 0 check --base "$B/base" high &&
	contains out "warning: 1.0.0 -> 2.0.0 is a restart bump, but the change needs relup (update petal_server: gen_server with code_change/3; record #state{} gained field label)" &&
	contains out "ok, a restart bump"
'

test_expect_success 'a hand-written appup that misses changes fails' '
	sv 1 check --base "$B/base" "$B/handgap" &&
	contains out "error: the hand-written appup of petal 1.1.0 does not cover changed modules: petal_server (upgrade); petal_server (downgrade)"
'

test_expect_success 'a relup that cannot be made fails with systools'"'"' reason' '
	cp -R "$B/handwritten" ghost &&
	sed "s/{load_module, petal_util}/{load_module, petal_util, [ghost]}/" \
		ghost/lib/petal-1.1.0/ebin/petal.appup >appup &&
	cp appup ghost/lib/petal-1.1.0/ebin/petal.appup &&
	sv 1 check --base "$B/base" ghost &&
	contains out "error: the relup from 1.0.0 cannot be made:" &&
	contains out "depends on ghost, which this upgrade does not load (systools: undef_module)"
'

test_expect_success '--json: smoothver.check/1' '
	revsn "$B/state" low 1.0.1 &&
	sv 1 --json check --base "$B/base" low &&
	expect_json .schema smoothver.check/1 &&
	expect_json .ok false &&
	expect_json .release petal &&
	expect_json .base_version 1.0.0 &&
	expect_json .version 1.0.1 &&
	expect_json .bump reload &&
	expect_json .required relup &&
	expect_json .required_by.subject lib/petal-1.1.0/ebin/petal_server.beam &&
	expect_json .relup "not tried" &&
	expect_json ".errors | length" 1 &&
	expect_json ".errors[0].kind" level &&
	expect_json ".errors[0].subject" petal_server &&
	expect_json ".errors[0].file" low/lib/petal-1.1.0/ebin/petal_server.beam &&
	expect_json ".warnings | length" 0 &&
	sv 0 --json check --base "$B/base" "$B/state" &&
	expect_json .ok true && expect_json .relup made &&
	expect_json .required_by.reason "update petal_server: gen_server with code_change/3; record #state{} gained field label"
'

test_expect_success 'the base from the store: NAME@latest and NAME@VERSION' '
	sv 0 pack -q -o base.tar.gz "$B/base" &&
	sv 0 publish -q --store st --expect-empty base.tar.gz &&
	sv 0 check --base petal@latest --store st "$B/state" &&
	contains out "petal 1.0.0 -> 1.1.0: ok, a relup bump" &&
	sv 0 check --base petal@1.0.0 --store st "$B/state" &&
	sv 3 check --base petal@9.9.9 --store st "$B/state" &&
	contains err "9.9.9" &&
	sv 0 check --base base.tar.gz "$B/state" &&
	test -z "$(ls "${TMPDIR:-/tmp}" | grep "^smoothver-check-" || true)"
'

test_expect_success 'GitHub Actions: annotations, step summary, outputs' '
	revsn "$B/state" low 1.0.1 &&
	: >summary && : >outputs &&
	GITHUB_ACTIONS=true GITHUB_STEP_SUMMARY=$PWD/summary \
	GITHUB_OUTPUT=$PWD/outputs GITHUB_WORKSPACE=$PWD \
		sv 1 check --base "$B/base" low &&
	contains out "::error file=low/lib/petal-1.1.0/ebin/petal_server.beam,title=smoothver check::needs relup: petal_server: gen_server with code_change/3; record #state{} gained field label (petal 1.0.0 -> 1.1.0), but 1.0.0 -> 1.0.1 is a reload bump" &&
	printf "ok=false\nrequired-level=relup\nversion=1.0.1\nbase-version=1.0.0\n" >want &&
	cmp want outputs &&
	contains summary "### smoothver check: petal 1.0.0 → 1.0.1: ❌ failed" &&
	contains summary "| error | level | petal_server | needs relup: petal_server:" &&
	: >outputs &&
	GITHUB_ACTIONS=true GITHUB_STEP_SUMMARY=$PWD/summary \
	GITHUB_OUTPUT=$PWD/outputs sv 0 --json check --base "$B/base" "$B/state" &&
	expect_json .ok true && lacks out "::" &&
	contains outputs "ok=true" && contains outputs "required-level=relup"
'

test_expect_success 'GitHub Actions: at most 10 annotations, the rest summarised, escaped' '
	cp -R "$B/state" many && mkdir many/extra &&
	for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo $i >many/extra/f$i.conf; done &&
	echo x >"many/extra/a,b:c%d.conf" &&
	GITHUB_ACTIONS=true GITHUB_WORKSPACE=$PWD sv 1 check --base "$B/base" many &&
	grep "^::error " out >ann &&
	test "$(wc -l <ann)" = 10 &&
	contains ann "::error file=many/extra/a%2Cb%3Ac%25d.conf,title=smoothver check::needs restart: extra/a,b:c%25d.conf: no rule matches" &&
	tail -n 1 ann >last &&
	contains last "::error title=smoothver check::4 more errors: see the job summary" &&
	contains out "petal 1.0.0 -> 1.1.0: 13 problems"
'

test_expect_success 'bad input: clear errors and usage' '
	sv 2 check "$B/state" &&
	contains err "'"'"'check'"'"' needs --base BASE" &&
	sv 3 check --base nowhere "$B/state" &&
	contains err "nowhere" &&
	mkdir plain && echo x >plain/f &&
	sv 3 check --base plain plain &&
	contains err "not both OTP release roots or packages" &&
	sv 2 check --base "$B/base" &&
	sv 3 check --base "$B/base" --version 7.7.7 "$B/state" &&
	contains err "7.7.7"
'

test_done
