#!/bin/sh
# compare: transitions, exit codes, --json, bad input.
. "$SV_SRCDIR/tests/e2e/lib.sh"

test_expect_success 'reload and relup are live upgrades (exit 0)' '
	sv 0 compare 1.2.3 1.2.4 && expect_out reload &&
	sv 0 compare 1.2.3 1.3.0 && expect_out relup &&
	expect_empty err
'

test_expect_success 'same, restart and downgrade are not (exit 1)' '
	sv 1 compare 1.2.3 1.2.3 && expect_out same &&
	sv 1 compare 1.2.3 2.0.0 && expect_out restart &&
	sv 1 compare 1.3.0 1.2.9 && expect_out "downgrade relup" &&
	sv 1 compare 2.0.0 1.0.0 && expect_out "downgrade restart" &&
	expect_empty err
'

test_expect_success 'the tag prefix is optional on either side' '
	sv 0 compare v1.2.3 1.2.4 && expect_out reload &&
	sv 0 compare 1.2.3 v1.3.0 && expect_out relup &&
	sv 0 compare --prefix release- release-1.0.0 1.0.1 && expect_out reload
'

test_expect_success 'pre-releases never understate the disruption' '
	sv 0 compare 1.3.0-rc.1 1.3.0-rc.2 && expect_out relup &&
	sv 0 compare 1.3.0-rc.2 1.3.0 && expect_out relup &&
	sv 0 compare 1.2.3-rc.1 1.2.3 && expect_out reload &&
	sv 1 compare 2.0.0-rc.1 2.0.0 && expect_out restart &&
	sv 0 compare 1.3.0-rc.1 1.3.1 && expect_out relup &&
	sv 1 compare 1.3.0 1.3.0-rc.1 && expect_out "downgrade relup" &&
	sv 1 compare 1.2.3+a 1.2.3+b && expect_out same
'

test_expect_success '--json carries schema, transition, level and live' '
	sv 0 --json compare 1.2.3 v1.3.0 &&
	expect_out "{\"schema\":\"smoothver.compare/1\",\"from\":\"1.2.3\",\"to\":\"1.3.0\",\"transition\":\"relup\",\"level\":\"relup\",\"live\":true}" &&
	sv 1 compare 2.0.0 1.0.0 --json &&
	expect_json .transition downgrade && expect_json .level restart &&
	expect_json .live false &&
	sv 1 compare 1.0.0 1.0.0 --json && expect_json .level none
'

test_expect_success '-q prints nothing; the exit status answers' '
	sv 0 -q compare 1.0.0 1.0.1 && expect_empty out &&
	sv 1 compare -q 1.0.0 2.0.0 && expect_empty out && expect_empty err
'

test_expect_success 'a bad version is a usage error (exit 2) saying where' '
	sv 2 compare 1.2 1.2.3 && expect_empty out &&
	expect_err "smoothver: error: invalid version '\''1.2'\'': missing RELOAD part at column 4 (expected RESTART.RELUP.RELOAD)
hint: see '\''smoothver compare -h'\''" &&
	sv 2 compare 1.2.3 01.2.3 && contains err "leading zero in RESTART part at column 1" &&
	sv 2 compare 1.2.3 1.2.3-rc..1 && contains err "empty pre-release identifier at column 10" &&
	sv 2 compare 1.2.3 99999999999999999999.0.0 && contains err "RESTART part too large" &&
	sv 2 compare -- -1.2.3 1.2.3 && contains err "sign '\''-'\'' not allowed at column 1"
'

test_expect_success 'wrong argument counts are usage errors' '
	sv 2 compare 1.2.3 && expect_err "smoothver: error: '\''compare'\'' needs FROM TO (got 1 argument)
hint: see '\''smoothver compare -h'\''" &&
	sv 2 compare 1.0.0 1.0.1 1.0.2 && contains err "unexpected argument '\''1.0.2'\''" &&
	expect_empty out
'

test_expect_success 'works outside any repository' '
	mkdir -p nowhere && cd nowhere &&
	GIT_CEILING_DIRECTORIES=$PWD/.. && export GIT_CEILING_DIRECTORIES &&
	sv 0 compare 1.0.0 1.0.1 && expect_out reload
'

# loads_libgit2 CMD...: smoothver CMD loaded libgit2 (the dynamic
# loader's own account, LD_DEBUG=files, of the libraries it opened).
loads_libgit2() {
	LD_DEBUG=files "$SMOOTHVER" "$@" >/dev/null 2>ld.log || true
	grep -q "file=libgit2" ld.log
}

test_expect_success 'plain versions never load libgit2, in a repository or not; a prefix to strip reads its configuration' '
	! loads_libgit2 compare 1.2.3 1.3.0 &&
	! loads_libgit2 bump relup 1.2.3 &&
	new_repo r &&
	printf "[tag]\n\tprefix = rel-\n" >.smoothver &&
	! loads_libgit2 compare 1.2.3 1.3.0 &&
	loads_libgit2 compare rel-1.2.3 rel-1.3.0 &&
	sv 0 compare rel-1.2.3 rel-1.3.0 && expect_out relup &&
	loads_libgit2 bump --json relup 1.2.3 &&
	sv 0 --json bump relup 1.2.3 && expect_json .tag rel-1.3.0
'

test_done
