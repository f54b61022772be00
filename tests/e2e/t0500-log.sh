#!/bin/sh
# log: the release history with transitions.
. "$SV_SRCDIR/tests/e2e/lib.sh"

mkhistory() {
	new_repo
	GIT_COMMITTER_DATE="2026-01-02T10:00:00+0000" git tag -a v1.0.0 -m r
	commit a
	"$SMOOTHVER" tag reload >/dev/null
	commit b
	"$SMOOTHVER" tag relup >/dev/null
	commit c
	"$SMOOTHVER" tag 2.0.0-rc.1 >/dev/null
	commit d
	"$SMOOTHVER" tag 2.0.0 >/dev/null
}

test_expect_success 'newest first, each with its transition' '
	mkhistory && today=$(date -u +%Y-%m-%d) &&
	sv 0 log && cat >want <<-EOT &&
	v2.0.0       $today  restart  from 2.0.0-rc.1
	v2.0.0-rc.1  $today  restart  from 1.1.0
	v1.1.0       $today  relup    from 1.0.1
	v1.0.1       $today  reload   from 1.0.0
	v1.0.0       2026-01-02  initial
	EOT
	cmp want out
'

test_expect_success '-n limits; -q silences' '
	mkhistory && sv 0 log -n 2 && test "$(wc -l <out)" -eq 2 &&
	sv 0 log -q && expect_empty out &&
	sv 2 log -n two && contains err "invalid value '\''two'\'' for '\''--max-count'\''"
'

test_expect_success '--json' '
	mkhistory && sv 0 log --json &&
	expect_json .schema smoothver.log/1 && expect_json ".releases | length" 5 &&
	expect_json ".releases[0].tag" v2.0.0 &&
	expect_json ".releases[2].transition" relup &&
	expect_json ".releases[2].previous" 1.0.1 &&
	expect_json ".releases[4].date" 2026-01-02T10:00:00+00:00 &&
	expect_json ".releases[4].time" 1767348000 &&
	expect_json ".releases[4].transition" null &&
	expect_json ".releases[0].annotated" true
'

test_expect_success 'empty repository history: nothing, exit 0' '
	new_repo && sv 0 log && expect_empty out &&
	sv 0 log --json && expect_out "{\"schema\":\"smoothver.log/1\",\"releases\":[]}"
'

test_expect_success 'shallow clone is refused' '
	new_repo origin && git tag v1.0.0 && commit a && cd .. &&
	git clone -q --depth 1 "file://$PWD/origin" s && cd s &&
	sv 3 log && contains err "shallow clone"
'

test_done
