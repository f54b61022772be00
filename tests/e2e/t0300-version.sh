#!/bin/sh
# version: the current release of a repository.
. "$SV_SRCDIR/tests/e2e/lib.sh"

test_expect_success 'at a release tag, clean' '
	new_repo && git tag -a v1.0.0 -m r &&
	sv 0 version && expect_out 1.0.0 && expect_empty err
'

test_expect_success 'commits since and dirty are reported' '
	new_repo && git tag -a v1.0.0 -m r && commit a && commit b &&
	sv 0 version && expect_out "1.0.0 (2 commits since v1.0.0)" &&
	echo change >>f &&
	sv 0 version && expect_out "1.0.0 (2 commits since v1.0.0, dirty)" &&
	git checkout -q f && git tag -a v1.0.1 -m r && echo x >>f &&
	sv 0 version && expect_out "1.0.1 (dirty)"
'

test_expect_success 'untracked files do not make it dirty (as git describe)' '
	new_repo && git tag -a v1.0.0 -m r && echo new >untracked &&
	sv 0 version && expect_out 1.0.0 &&
	test "$(git describe --dirty)" = v1.0.0
'

test_expect_success 'highest by version, not by date; only reachable tags' '
	new_repo && git tag -a v2.0.0 -m r && commit a && git tag -a v1.9.0 -m r &&
	sv 0 version && expect_out "2.0.0 (1 commit since v2.0.0)" &&
	git checkout -q -b side HEAD~1 && commit s &&
	git checkout -q main && git tag -a v3.0.0 side -m r &&
	sv 0 version && expect_out "2.0.0 (1 commit since v2.0.0)" &&
	git checkout -q side && sv 0 version && expect_out 3.0.0
'

test_expect_success 'lightweight tags and pre-releases count; other tags do not' '
	new_repo && git tag v1.2.0 && commit a && git tag v1.3.0-rc.1 &&
	git tag vendor-drop && git tag v1.2 && git tag latest && git tag v01.9.9 &&
	sv 0 version && expect_out 1.3.0-rc.1
'

test_expect_success 'no release tags: says so, exit 1' '
	new_repo && git tag something &&
	sv 1 version && expect_empty out &&
	contains err "no release tag reachable from HEAD" &&
	sv 1 version --json && expect_json .version null && expect_json .dirty false
'

test_expect_success '--next prints the next version' '
	new_repo && git tag -a v1.4.2 -m r &&
	sv 0 version --next relup && expect_out 1.5.0 &&
	sv 0 version --next=restart && expect_out 2.0.0 &&
	sv 2 version --next major && contains err "invalid value '\''major'\'' for '\''--next'\''"
'

test_expect_success '--json' '
	new_repo && git tag -a v1.4.2 -m r && commit a &&
	tagged=$(git rev-parse v1.4.2^{commit}) && head=$(git rev-parse HEAD) &&
	sv 0 --json version --next reload &&
	expect_json .schema smoothver.version/1 && expect_json .version 1.4.2 &&
	expect_json .tag v1.4.2 && expect_json .commit "$tagged" &&
	expect_json .head "$head" && expect_json .commits_since 1 &&
	expect_json .dirty false && expect_json .next 1.4.3 &&
	expect_json .next_level reload
'

test_expect_success 'shallow clone: refuses to guess, says how to fetch (exit 3)' '
	new_repo origin && git tag -a v1.0.0 -m r && commit a && commit b && cd .. &&
	git clone -q --depth 1 "file://$PWD/origin" shallow && cd shallow &&
	sv 3 version && expect_empty out &&
	contains err "shallow clone" && contains err "fetch-depth: 0" &&
	git fetch -q --unshallow --tags && sv 0 version &&
	expect_out "1.0.0 (2 commits since v1.0.0)"
'

test_expect_success 'not a repository; no commits yet' '
	mkdir plain && cd plain && GIT_CEILING_DIRECTORIES=$PWD/.. && export GIT_CEILING_DIRECTORIES &&
	sv 3 version && contains err "smoothver: error: not a git repository: '\''.'\''" &&
	git init -q ../empty && cd ../empty &&
	sv 3 version && contains err "HEAD does not point to a commit yet"
'

test_expect_success 'GIT_DIR names the repository, as for git' '
	new_repo && git tag v0.2.0 && cd .. && mkdir elsewhere && cd elsewhere &&
	GIT_DIR=../repo/.git sv 0 version && expect_out 0.2.0 &&
	echo dirt >>../repo/f &&
	GIT_DIR=../repo/.git GIT_WORK_TREE=../repo sv 0 version && expect_out "0.2.0 (dirty)"
'

test_expect_success '-C runs in another directory' '
	new_repo && git tag v0.1.0 && cd .. &&
	sv 0 -C repo version && expect_out 0.1.0 &&
	sv 3 -C does-not-exist version &&
	expect_err "smoothver: error: cannot change to directory '\''does-not-exist'\'': No such file or directory"
'

test_done
