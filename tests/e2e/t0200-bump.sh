#!/bin/sh
# bump: next versions from an argument or from the repository.
. "$SV_SRCDIR/tests/e2e/lib.sh"

test_expect_success 'each level bumps its part and zeroes the lower ones' '
	sv 0 bump reload 1.2.3 && expect_out 1.2.4 &&
	sv 0 bump relup 1.2.3 && expect_out 1.3.0 &&
	sv 0 bump restart 1.2.3 && expect_out 2.0.0 &&
	sv 0 bump relup 1.2.3-rc.1+b7 && expect_out 1.3.0
'

test_expect_success 'the prefix given is kept' '
	sv 0 bump relup v1.2.3 && expect_out v1.3.0 &&
	sv 0 bump --prefix rel- reload rel-1.2.3 && expect_out rel-1.2.4
'

test_expect_success 'a pre-release at or below its own level becomes its release' '
	sv 0 bump reload 1.3.0-rc.2 && expect_out 1.3.0 &&
	sv 0 bump relup 1.3.0-rc.2 && expect_out 1.3.0 &&
	sv 0 bump restart 1.3.0-rc.2 && expect_out 2.0.0
'

test_expect_success '--json' '
	sv 0 --json bump relup v1.2.3 &&
	expect_out "{\"schema\":\"smoothver.bump/1\",\"from\":\"1.2.3\",\"level\":\"relup\",\"version\":\"1.3.0\",\"tag\":\"v1.3.0\"}"
'

test_expect_success 'without VERSION the current release is bumped' '
	new_repo && git tag -a v1.4.2 -m "Release 1.4.2" && commit more &&
	sv 0 bump relup && expect_out 1.5.0 &&
	sv 0 bump reload --json && expect_json .from 1.4.2 && expect_json .tag v1.4.3
'

test_expect_success 'without VERSION and without release tags: exit 1' '
	new_repo &&
	sv 1 bump reload && expect_empty out &&
	contains err "no release tag reachable from HEAD"
'

test_expect_success 'without VERSION outside a repository: exit 3' '
	mkdir x && cd x && GIT_CEILING_DIRECTORIES=$PWD/.. && export GIT_CEILING_DIRECTORIES &&
	sv 3 bump reload && contains err "not a git repository" &&
	contains err "give a VERSION"
'

test_expect_success 'bad level and bad version are usage errors' '
	sv 2 bump major 1.2.3 &&
	expect_err "smoothver: error: invalid level '\''major'\'' (expected reload, relup or restart)
hint: see '\''smoothver bump -h'\''" &&
	sv 2 bump reload 1.2 && contains err "missing RELOAD part" &&
	sv 2 bump && contains err "'\''bump'\'' needs LEVEL [VERSION]"
'

test_expect_success 'overflow is refused' '
	sv 3 bump reload 1.2.18446744073709551615 &&
	expect_err "smoothver: error: cannot bump RELOAD part of '\''1.2.18446744073709551615'\'': it would overflow"
'

test_done
