#!/bin/sh
# The store in an S3 bucket, on a real S3 server (ci/s3-server.sh:
# radosgw over a one-node Ceph cluster): round trip, racing publishers,
# tampering, gc, errors, and the same store read over plain HTTP.
. "$SV_SRCDIR/tests/e2e/lib.sh"

if ! command -v radosgw >/dev/null 2>&1 && [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP radosgw not installed (Debian: ceph-mon ceph-osd radosgw)"
	exit 0
fi
S3DIR=$TEST_ROOT/s3
trap 'sh "$SV_SRCDIR/ci/s3-server.sh" stop "$S3DIR" >/dev/null 2>&1; rm -rf "$TEST_ROOT"' EXIT
env=$(sh "$SV_SRCDIR/ci/s3-server.sh" start "$S3DIR") || { echo "Bail out! ci/s3-server.sh start failed"; exit 1; }
eval "$env"
B=$SMOOTHVER_TEST_BUCKET

# mkapp DIR [WORD]: a small release tree whose content depends on WORD.
mkapp() {
	mkdir -p "$1/bin" "$1/lib/app-1/ebin"
	printf '#!/bin/sh\necho %s\n' "${2:-one}" >"$1/bin/app"
	chmod +x "$1/bin/app"
	printf 'beam %s\n' "${2:-one}" >"$1/lib/app-1/ebin/app.beam"
	ln -s ../../bin/app "$1/lib/app-1/run"
}

# mkotp DIR VSN APPVSN: the smallest OTP release root pack takes (text
# files only: its .rel, .app files, a boot file, and for 1.0.1 a relup
# from 1.0.0), for delta packages.
mkotp() {
	mkdir -p "$1/releases/$2" "$1/lib/app-$3/ebin"
	printf '{release, {"app", "%s"}, {erts, "13.1.5"}, [{kernel, "8.5.3"}, {stdlib, "4.2"}, {sasl, "4.2"}, {app, "%s"}]}.\n' "$2" "$3" >"$1/releases/$2/app.rel"
	printf '{application, app, [{vsn, "%s"}, {modules, []}]}.\n' "$3" >"$1/lib/app-$3/ebin/app.app"
	printf '13.1.5 %s\n' "$2" >"$1/releases/start_erl.data"
	echo boot >"$1/releases/$2/start.boot"
	for _a in kernel-8.5.3 stdlib-4.2 sasl-4.2; do
		mkdir -p "$1/lib/$_a/ebin"
		printf '{application, %s, [{vsn, "%s"}, {modules, []}]}.\n' "${_a%-*}" "${_a#*-}" \
			>"$1/lib/$_a/ebin/${_a%-*}.app"
	done
	[ "$2" = 1.0.0 ] ||
		printf '{"%s", [{"1.0.0", [], []}], [{"1.0.0", [], []}]}.\n' "$2" >"$1/releases/$2/relup"
}

# s3 ARGS...: curl, signed, against the server; prints the HTTP status.
s3() {
	curl -s -o s3.out -w '%{http_code}' --aws-sigv4 "aws:amz:$AWS_REGION:s3" \
		--user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
		-H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$@"
}

# mirror PREFIX DIR: the store under PREFIX in the bucket, copied to DIR,
# for tests/e2e/store-check.py.
mirror() {
	[ "$(s3 "$AWS_ENDPOINT_URL/$B?list-type=2&prefix=$1%2F")" = 200 ] || return 1
	python3 -c '
import sys, xml.etree.ElementTree as ET
ns = "{http://s3.amazonaws.com/doc/2006-03-01/}"
for k in ET.parse("s3.out").getroot().iter(ns + "Key"):
    print(k.text)
' >keys || return 1
	while read -r _key; do
		_rel=${_key#"$1/"}
		mkdir -p "$2/$(dirname "$_rel")"
		[ "$(s3 "$AWS_ENDPOINT_URL/$B/$_key")" = 200 ] || return 1
		mv s3.out "$2/$_rel"
	done <keys
}
check() { mirror "$1" mirror && python3 "$SV_SRCDIR/tests/e2e/store-check.py" mirror; }

test_expect_success 'publish to s3://, fetch, verify and ls from it' '
	mkapp rel &&
	sv 0 publish rel --name app --version 1.0.0 --store "s3://$B/rt" --expect-empty &&
	contains out "published app 1.0.0 to s3://$B/rt" &&
	sv 0 fetch app --store "s3://$B/rt" -o got && diff -r rel got &&
	sv 0 fetch app@1.0.0 --store "s3://$B/rt" -o pkg.tar.gz &&
	sv 0 verify got --release app@latest --store "s3://$B/rt" &&
	sv 0 ls app --store "s3://$B/rt" && contains out "1.0.0" &&
	check rt && test "$(cat mirror/app-latest)" = 1.0.0
'

test_expect_success 'racing publishers from the same base: exactly one wins, the others exit 4' '
	mkapp base && sv 0 publish base --name app --version 1.0.0 --store "s3://$B/race" --expect-empty &&
	for i in 1 2 3 4 5 6; do mkapp "v$i" "w$i"; done &&
	for i in 1 2 3 4 5 6; do
		(rc=0; "$SMOOTHVER" publish "v$i" --name app --version "1.1.$i" \
			--store "s3://$B/race" --expect-latest 1.0.0 >"o$i" 2>"e$i" || rc=$?
		 echo $rc >"rc$i") &
	done; wait &&
	test "$(cat rc1 rc2 rc3 rc4 rc5 rc6 | grep -c "^0$")" = 1 &&
	test "$(cat rc1 rc2 rc3 rc4 rc5 rc6 | grep -c "^4$")" = 5 &&
	cat e1 e2 e3 e4 e5 e6 | grep -q "store moved: latest is 1.1." &&
	check race
'

test_expect_success 'a tampered package is refused by fetch (exit 3), nothing written' '
	mkapp rel && sv 0 publish rel --name app --version 1.0.0 --store "s3://$B/tamper" --expect-empty --json &&
	p=$(json .package.sha256) &&
	[ "$(s3 -X PUT --data-binary junk "$AWS_ENDPOINT_URL/$B/tamper/blobs/sha256/$p")" = 200 ] &&
	sv 3 fetch app --store "s3://$B/tamper" -o got &&
	test ! -e got && contains err "$p"
'

test_expect_success 'gc removes what no kept release needs' '
	for v in 1 2 3; do
		mkapp "r$v" "w$v" &&
		if [ $v = 1 ]; then
			sv 0 publish "r$v" --name app --version "1.0.$v" --store "s3://$B/gc" --expect-empty
		else
			sv 0 publish "r$v" --name app --version "1.0.$v" --store "s3://$B/gc" --expect-latest "1.0.$((v - 1))"
		fi || return 1
	done &&
	sv 0 gc --keep 1 --store "s3://$B/gc" &&
	sv 0 ls app --store "s3://$B/gc" && contains out 1.0.3 && lacks out 1.0.1 &&
	check gc && test "$(ls mirror/blobs/sha256 | wc -l)" = 2
'

test_expect_success 'a publisher killed before any write to S3 leaves the store consistent; publishing again completes it' '
	mkapp base && sv 0 publish base --name app --version 1.0.0 --store "s3://$B/crash" --expect-empty &&
	mkapp v2 two && k=1 && done=no &&
	while [ $k -le 12 ] && [ $done = no ]; do
		rc=0 &&
		SMOOTHVER_TEST_CRASH_AFTER=$k "$SMOOTHVER" publish v2 --name app --version 1.1.0 \
			--store "s3://$B/crash" --expect-latest 1.0.0 >o 2>e || rc=$? &&
		rm -rf mirror && check crash || { echo "inconsistent after a kill at step $k"; exit 1; }
		if [ $rc = 0 ]; then
			done=yes
		else
			test $rc = 137 || { cat e; exit 1; }
			test "$(cat mirror/app-latest)" = 1.0.0 || exit 1
		fi
		k=$((k + 1))
	done &&
	test $done = yes && test $k -gt 3 &&
	sv 0 publish v2 --name app --version 1.1.0 --store "s3://$B/crash" --expect-latest 1.0.0 &&
	rm -rf mirror && check crash && test "$(cat mirror/app-latest)" = 1.1.0
'

test_expect_success 'a large package goes up in parts, killed at any part the store stays whole' '
	export SMOOTHVER_TEST_S3_PART_SIZE=5242880 &&
	mkdir big && head -c 11000000 /dev/urandom >big/data &&
	k=1 && done=no &&
	while [ $k -le 10 ] && [ $done = no ]; do
		rc=0 &&
		SMOOTHVER_TEST_CRASH_AFTER=$k "$SMOOTHVER" publish big --name big --version 1.0.0 \
			--store "s3://$B/big" --expect-empty >o 2>e || rc=$? &&
		if [ $rc = 0 ]; then done=yes; else test $rc = 137 || { cat e; exit 1; }; fi &&
		k=$((k + 1))
	done &&
	test $done = yes && test $k -gt 5 &&
	rm -rf mirror && check big &&
	[ "$(s3 -I "$AWS_ENDPOINT_URL/$B/big/blobs/sha256/$(ls mirror/blobs/sha256 | while read -r h; do
		[ "$(wc -c <"mirror/blobs/sha256/$h")" -gt 10000000 ] && echo "$h"; done)")" = 200 ] &&
	grep -qi "^etag: \"[0-9a-f]*-3\"" s3.out &&
	sv 0 fetch big --store "s3://$B/big" -o got && cmp big/data got/data
'

test_expect_success 'delta packages: published before their release, fetched by --delta-from, kept and removed by gc' '
	mkotp o1 1.0.0 1 && mkotp o2 1.0.1 2 && mkotp o3 1.0.2 3 && mkdir d d3 &&
	"$SMOOTHVER" pack o1 -o app-1.0.0.tar.gz >/dev/null &&
	"$SMOOTHVER" pack o2 -o app-1.0.1.tar.gz >/dev/null &&
	"$SMOOTHVER" pack o2 --delta-from o1 -o d/app-1.0.1.tar.gz >/dev/null &&
	sed -i "s/\"1.0.0\", \[\], \[\]/\"1.0.1\", [], []/g" o3/releases/1.0.2/relup &&
	"$SMOOTHVER" pack o3 -o app-1.0.2.tar.gz >/dev/null &&
	"$SMOOTHVER" pack o3 --delta-from o2 -o d3/app-1.0.2.tar.gz >/dev/null &&
	S="s3://$B/delta" &&
	sv 0 publish app-1.0.0.tar.gz --store "$S" --expect-empty &&
	sv 0 publish d/app-1.0.1.tar.gz --store "$S" &&
	contains out "published the delta of app 1.0.1 from 1.0.0 to $S" &&
	sv 0 gc --store "$S" &&
	sv 0 publish app-1.0.1.tar.gz --store "$S" --expect-latest 1.0.0 &&
	sv 0 --json fetch app --delta-from 1.0.0 --store "$S" -o x.tar.gz &&
	expect_json .delta_from 1.0.0 && expect_json .version 1.0.1 &&
	tar -tzf x.tar.gz >list && lacks list lib/kernel && contains list lib/app-2/ebin/app.app &&
	sv 0 publish d/app-1.0.1.tar.gz --store "$S" &&
	contains out "is already published" &&
	sv 0 publish d3/app-1.0.2.tar.gz --store "$S" &&
	sv 0 publish app-1.0.2.tar.gz --store "$S" --expect-latest 1.0.1 &&
	sv 0 gc --keep 1 --store "$S" &&
	check delta &&
	test ! -e mirror/deltas/app/1.0.1/1.0.0.json &&
	test -f mirror/deltas/app/1.0.2/1.0.1.json &&
	sv 0 --json fetch app --delta-from 1.0.1 --store "$S" -o y.tar.gz &&
	expect_json .delta_from 1.0.1
'

test_expect_success 'the store URL from .smoothver' '
	mkapp rel && git init -q repo && cd repo &&
	printf "[store]\n\turl = s3://%s/conf\n" "$B" >.smoothver &&
	git add .smoothver && git commit -q -m store &&
	sv 0 publish ../rel --name app --version 1.0.0 --expect-empty &&
	sv 0 ls && contains out "app" &&
	sv 0 fetch app -o ../got && diff -r ../rel ../got
'

test_expect_success 'no server: the request is tried five times, then a clear error (exit 3)' '
	port=$(python3 -c "import socket; s = socket.socket(); s.bind((\"127.0.0.1\", 0)); print(s.getsockname()[1])") &&
	AWS_ENDPOINT_URL=http://127.0.0.1:$port sv 3 ls --store "s3://$B/rt" &&
	contains err "GET http://127.0.0.1:$port/$B/rt/smoothver-store" &&
	contains err "failed 5 times"
'

test_expect_success 'bad credentials and missing ones: errors name the store and S3 code' '
	AWS_SECRET_ACCESS_KEY=wrong sv 3 ls --store "s3://$B/rt" &&
	contains err "s3://$B/rt" && contains err "HTTP 403 SignatureDoesNotMatch" &&
	rc=0 && env -u AWS_ACCESS_KEY_ID "$SMOOTHVER" ls --store "s3://$B/rt" >out 2>err || rc=$? &&
	test $rc = 2 &&
	contains err "no credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)" &&
	sv 3 ls --store "s3://$B/nothing-here" &&
	contains err "is not a smoothver store"
'

test_expect_success 'the same store read over plain HTTP: fetch works, writes are refused' '
	mkapp rel && sv 0 publish rel --name pub --version 1.0.0 --store "s3://$B/pub" --expect-empty &&
	mirror pub m &&
	for f in $(cd m && find . -type f | sed "s|^\./||"); do
		[ "$(s3 -X PUT -H "Content-Length: 0" -H "x-amz-acl: public-read" \
			"$AWS_ENDPOINT_URL/$B/pub/$f?acl=")" = 200 ] || return 1
	done &&
	sv 0 fetch pub --store "$AWS_ENDPOINT_URL/$B/pub" -o got && diff -r rel got &&
	sv 2 publish rel --name pub --version 1.0.1 --store "$AWS_ENDPOINT_URL/$B/pub" --expect-latest 1.0.0 &&
	contains err "is read-only"
'

test_done
