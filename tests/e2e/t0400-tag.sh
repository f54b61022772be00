#!/bin/sh
# tag: annotated release tags through libgit2, checked by git itself.
. "$SV_SRCDIR/tests/e2e/lib.sh"

test_expect_success 'first release from a VERSION' '
	new_repo && head=$(git rev-parse --short=7 HEAD) &&
	sv 0 tag 1.0.0 && expect_out "tagged v1.0.0 (restart, first release) at $head" &&
	test "$(git cat-file -t v1.0.0)" = tag &&
	test "$(git rev-parse v1.0.0^{commit})" = "$(git rev-parse HEAD)" &&
	git cat-file -p v1.0.0 >obj && contains obj "tagger Test Tagger <tagger@example.com>" &&
	git tag -l --format="%(contents)" v1.0.0 >msg &&
	printf "Release 1.0.0\n\nSmoothver-Level: restart\nSmoothver-Previous: none\n\n" >want &&
	cmp msg want
'

test_expect_success 'LEVEL bumps the current version; git describe and git tag -n agree' '
	new_repo && sv 0 tag 1.0.0 && commit a &&
	sv 0 tag reload && contains out "tagged v1.0.1 (reload from v1.0.0)" &&
	commit b && sv 0 tag relup -m "Faster sessions" &&
	test "$(git describe)" = v1.1.0 &&
	git tag -n1 -l "v1.1.0" >n && contains n "Faster sessions" &&
	git tag -l --format="%(contents)" v1.1.0 >msg &&
	printf "Faster sessions\n\nSmoothver-Level: relup\nSmoothver-Previous: 1.0.1\n\n" >want &&
	cmp msg want &&
	git tag -l --format="%(trailers:key=Smoothver-Level,valueonly)" v1.1.0 >lv &&
	contains lv relup &&
	sv 0 version && expect_out 1.1.0
'

test_expect_success 'LEVEL without any release starts from 0.0.0' '
	new_repo && sv 0 tag relup && contains out "tagged v0.1.0 (relup, first release)"
'

test_expect_success 'LEVEL and VERSION together must agree' '
	new_repo && sv 0 tag 1.2.4 && commit a &&
	sv 3 tag reload 1.3.0 && expect_empty out &&
	expect_err "smoothver: error: 1.2.4 -> 1.3.0 is a relup, not a reload
hint: '\''smoothver bump reload 1.2.4'\'' gives the next reload version" &&
	sv 0 tag relup 1.3.0 && contains out "tagged v1.3.0 (relup from v1.2.4)"
'

test_expect_success 'LEVEL and VERSION on the first release: the number decides' '
	new_repo && sv 3 tag reload 1.0.0 &&
	expect_err "smoothver: error: 1.0.0 is a restart release by its number, not a reload (there is no earlier release)" &&
	sv 0 tag reload 0.0.1 && contains out "tagged v0.0.1 (reload, first release)"
'

test_expect_success 'refuses a dirty work tree unless --allow-dirty' '
	new_repo && sv 0 tag 1.0.0 && commit a && echo dirt >>f &&
	sv 3 tag reload && expect_empty out &&
	contains err "work tree has uncommitted changes" && contains err "--allow-dirty" &&
	test -z "$(git tag -l v1.0.1)" &&
	sv 0 tag reload --allow-dirty && contains out "tagged v1.0.1"
'

test_expect_success 'refuses an existing tag' '
	new_repo && sv 0 tag 1.0.0 && commit a &&
	git checkout -q -b side && commit s && git tag v2.0.0-rc.1 && git checkout -q main &&
	sv 3 tag 1.0.0 && expect_err "smoothver: error: version 1.0.0 is not greater than the current version 1.0.0 (tag '\''v1.0.0'\'')" &&
	sv 3 tag 2.0.0-rc.1 && expect_err "smoothver: error: tag '\''v2.0.0-rc.1'\'' already exists"
'

test_expect_success 'refuses a version not greater than the current one' '
	new_repo && sv 0 tag 1.2.0 && commit a &&
	sv 3 tag 1.1.9 && contains err "version 1.1.9 is not greater than the current version 1.2.0" &&
	sv 3 tag 1.2.0-rc.1 && contains err "not greater" &&
	sv 3 tag 1.2.0+build.2 && contains err "not greater" &&
	test "$(git tag -l | wc -l)" -eq 1
'

test_expect_success '--dry-run computes everything and changes nothing' '
	new_repo && sv 0 tag 1.0.0 && commit a &&
	sv 0 tag --dry-run relup && contains out "would tag v1.1.0 (relup from v1.0.0)" &&
	test -z "$(git tag -l v1.1.0)" &&
	sv 0 tag -n reload --json && expect_json .dry_run true && expect_json .created false &&
	test -z "$(git tag -l v1.0.1)"
'

test_expect_success '--json' '
	new_repo && sv 0 tag 1.0.0 && commit a &&
	sv 0 --json tag relup -m hi &&
	expect_json .schema smoothver.tag/1 && expect_json .tag v1.1.0 &&
	expect_json .version 1.1.0 && expect_json .previous 1.0.0 &&
	expect_json .previous_tag v1.0.0 && expect_json .level relup &&
	expect_json .commit "$(git rev-parse HEAD)" && expect_json .created true &&
	expect_json .message "hi

Smoothver-Level: relup
Smoothver-Previous: 1.0.0"
'

test_expect_success 'the prefix from --prefix' '
	new_repo && sv 0 tag --prefix rel- 1.0.0 && commit a &&
	sv 0 tag --prefix rel- reload && contains out "tagged rel-1.0.1" &&
	git rev-parse -q --verify refs/tags/rel-1.0.1 >/dev/null &&
	sv 3 tag --prefix "bad prefix" 2.0.0 && contains err "invalid tag prefix '\''bad prefix'\''" &&
	sv 3 tag --prefix "a..b" 2.0.0 && contains err "invalid tag prefix '\''a..b'\'' from --prefix"
'

test_expect_success 'no tagger identity is a clear error' '
	new_repo && unset GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL &&
	git config --global --unset user.name && git config --global --unset user.email &&
	sv 3 tag 1.0.0 && contains err "no tagger identity" && contains err "user.email"
'

test_expect_success 'shallow clone is refused' '
	new_repo origin && sv 0 tag 1.0.0 && commit a && cd .. &&
	git clone -q --depth 1 "file://$PWD/origin" shallow && cd shallow &&
	sv 3 tag reload && contains err "shallow clone" && test -z "$(git tag -l)"
'

test_expect_success 'bad arguments' '
	new_repo &&
	sv 2 tag && contains err "'\''tag'\'' needs LEVEL|VERSION [VERSION]" &&
	sv 2 tag 1.0 && contains err "invalid version '\''1.0'\''" &&
	sv 2 tag major 1.0.0 && contains err "invalid level '\''major'\''" &&
	sv 2 tag 1.0.0 2.0.0 && contains err "invalid level '\''1.0.0'\''" &&
	sv 2 tag 1.0.0 --nope && contains err "unknown option '\''--nope'\'' for '\''tag'\''"
'

test_done
