#!/bin/sh
# ci/s3-server.sh start DIR | stop DIR - a real S3 server on loopback for
# the tests: Ceph's RADOS Gateway (Debian's radosgw) over a one-node
# Ceph cluster (a monitor and one in-memory OSD), all of it under DIR.
#
# start DIR   installs ceph-mon, ceph-osd and radosgw if missing (Debian
#             12, as root), starts the monitor, the OSD and the gateway on
#             free loopback ports, creates a user and a bucket, checks that
#             the gateway refuses a losing conditional write (If-None-Match
#             and If-Match), and prints, one per line,
#               export AWS_ENDPOINT_URL=http://127.0.0.1:PORT
#               export AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=...
#               export AWS_REGION=us-east-1 SMOOTHVER_TEST_BUCKET=...
#             for eval. DIR must be new or empty. Every wait has a
#             deadline; on failure the logs' ends go to stderr, everything
#             started is stopped, and the exit status is 1.
# stop DIR    stops what start started there, by the pids it recorded
#             (SIGTERM, then SIGKILL after 10 s); DIR and its logs stay.
#
# The cluster holds its data in memory (memstore): it is for tests, and
# is gone when stopped. Nothing outside DIR is touched: no systemd unit,
# no /etc/ceph, no /var/lib/ceph.
set -eu
SV_TOP=$(cd "$(dirname "$0")/.." && pwd)

usage() {
	echo "usage: ci/s3-server.sh start DIR | stop DIR" >&2
	exit 2
}
[ $# -eq 2 ] || usage
cmd=$1
dir=$2

say() { echo "s3-server: $*" >&2; }

# stop_pids: every pid in $dir/pids, TERM then KILL.
stop_pids() {
	[ -f "$dir/pids" ] || return 0
	for p in $(cat "$dir/pids"); do
		kill "$p" 2>/dev/null || true
	done
	i=0
	for p in $(cat "$dir/pids"); do
		while kill -0 "$p" 2>/dev/null && [ $i -lt 200 ]; do
			sleep 0.05
			i=$((i + 1))
		done
		kill -KILL "$p" 2>/dev/null || true
	done
	rm -f "$dir/pids"
}

case $cmd in
stop)
	[ -d "$dir" ] || { say "no such directory: $dir"; exit 1; }
	stop_pids
	exit 0
	;;
start) ;;
*) usage ;;
esac

. "$SV_TOP/ci/lib.sh"
ensure_packages ceph-mon ceph-osd radosgw python3 uuid-runtime curl >&2

mkdir -p "$dir"
[ -z "$(ls -A "$dir")" ] || { say "'$dir' is not empty"; exit 1; }
dir=$(cd "$dir" && pwd)

# fail MESSAGE: the attempt failed; its logs' ends go to stderr, what it
# started is stopped, and it ends (a subshell) with status 1.
fail() {
	say "$*"
	for f in "$dir"/log/*; do
		[ -s "$f" ] || continue
		echo "--- $f (end)" >&2
		tail -n 15 "$f" >&2
	done
	stop_pids
	exit 1
}

# attempt: one start, in a subshell, its export lines on stdout.
attempt() (
mkdir "$dir/mon" "$dir/osd" "$dir/log" "$dir/run" "$dir/rgw"

# Two free loopback ports: the monitor's and the gateway's.
ports=$(python3 -c '
import socket
ss = [socket.socket() for _ in range(2)]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))
') || fail "cannot find free ports"
set -- $ports
mon_port=$1 rgw_port=$2

# wait_for SECONDS WHAT CMD...: run CMD until it succeeds.
wait_for() {
	_n=$(($1 * 10))
	_what=$2
	shift 2
	_i=0
	until "$@" >/dev/null 2>&1; do
		_i=$((_i + 1))
		[ $_i -lt $_n ] || fail "$_what: not within $(($_n / 10)) s"
		sleep 0.1
	done
}
# spawn NAME CMD...: run a daemon in the foreground of a background job,
# its pid recorded, its output in log/NAME.out.
spawn() {
	_name=$1
	shift
	"$@" >"$dir/log/$_name.out" 2>&1 </dev/null &
	echo $! >>"$dir/pids"
}

fsid=$(uuidgen)
conf=$dir/ceph.conf
cat >"$conf" <<EOF
[global]
fsid = $fsid
mon host = v1:127.0.0.1:$mon_port
ms bind msgr2 = false
ms bind ipv4 = true
ms bind ipv6 = false
public addr = 127.0.0.1
cluster addr = 127.0.0.1
auth cluster required = none
auth service required = none
auth client required = none
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
osd objectstore = memstore
memstore device bytes = 1073741824
osd data = $dir/osd
mon data = $dir/mon
run dir = $dir/run
log file = $dir/log/\$name.log
admin socket = $dir/run/\$name.asok
pid file = $dir/run/\$name.pid
keyring = $dir/keyring
EOF
ceph() { command ceph -c "$conf" --connect-timeout 10 "$@"; }

ceph-authtool --create-keyring "$dir/keyring" --gen-key -n mon. \
	--cap mon 'allow *' >/dev/null || fail "ceph-authtool failed"
monmaptool --create --addv a "[v1:127.0.0.1:$mon_port]" --fsid "$fsid" \
	"$dir/monmap" >/dev/null || fail "monmaptool failed"
ceph-mon -c "$conf" --mkfs -i a --monmap "$dir/monmap" \
	--keyring "$dir/keyring" >"$dir/log/mon-mkfs.out" 2>&1 ||
	fail "ceph-mon --mkfs failed"
spawn mon ceph-mon -c "$conf" -i a -f
wait_for 30 "the monitor" ceph mon stat

osd_uuid=$(uuidgen)
osd_id=$(ceph osd new "$osd_uuid") || fail "ceph osd new failed"
ceph-osd -c "$conf" -i "$osd_id" --mkfs --osd-uuid "$osd_uuid" \
	>"$dir/log/osd-mkfs.out" 2>&1 || fail "ceph-osd --mkfs failed"
spawn osd ceph-osd -c "$conf" -i "$osd_id" -f
osd_up() { ceph osd stat | grep -q " 1 up"; }
wait_for 60 "the OSD" osd_up

spawn rgw radosgw -c "$conf" -n client.rgw -f \
	--rgw-frontends "beast endpoint=127.0.0.1:$rgw_port" \
	--rgw-data "$dir/rgw"
endpoint=http://127.0.0.1:$rgw_port
wait_for 120 "the gateway" curl -sf -o /dev/null "$endpoint/"

key=sv$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
secret=$(od -An -N20 -tx1 /dev/urandom | tr -d ' \n')
bucket=smoothver-test
radosgw-admin -c "$conf" user create --uid=smoothver \
	--display-name=smoothver --access-key="$key" --secret-key="$secret" \
	>"$dir/log/user.out" 2>&1 || fail "radosgw-admin user create failed"

s3() {
	curl -s -o "$dir/log/last-response" -w '%{http_code}' \
		--aws-sigv4 aws:amz:us-east-1:s3 --user "$key:$secret" \
		-H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$@"
}
[ "$(s3 -X PUT "$endpoint/$bucket")" = 200 ] || fail "cannot create the bucket"
# The server must refuse the losing writer of a conditional write.
[ "$(s3 -X PUT --data-binary a -H 'If-None-Match: *' "$endpoint/$bucket/probe")" = 200 ] &&
	[ "$(s3 -X PUT --data-binary b -H 'If-None-Match: *' "$endpoint/$bucket/probe")" = 412 ] &&
	[ "$(s3 -X PUT --data-binary c -H 'If-Match: "0123"' "$endpoint/$bucket/probe")" = 412 ] ||
	fail "the gateway does not refuse losing conditional writes"
# ... and takes the winning one. (RGW 16 compares If-Match with the bare
# ETag, without the quotes its ETag header has; AWS takes either.)
etag=$(curl -s -D - -o /dev/null --aws-sigv4 aws:amz:us-east-1:s3 \
	--user "$key:$secret" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
	"$endpoint/$bucket/probe" | tr -d '\r"' | sed -n 's/^[Ee][Tt][Aa][Gg]: //p')
[ -n "$etag" ] &&
	[ "$(s3 -X PUT --data-binary d -H "If-Match: $etag" "$endpoint/$bucket/probe")" = 200 ] &&
	[ "$(s3 -X DELETE "$endpoint/$bucket/probe")" = 204 ] ||
	fail "the gateway refuses a conditional write that should win"

echo "export AWS_ENDPOINT_URL=$endpoint"
echo "export AWS_ACCESS_KEY_ID=$key AWS_SECRET_ACCESS_KEY=$secret"
echo "export AWS_REGION=us-east-1 SMOOTHVER_TEST_BUCKET=$bucket"
)

# A cluster that fails to come up (seen once, with another cluster
# starting on the same machine) gets one more try, from scratch, on other
# ports.
trap 'stop_pids; exit 1' HUP INT TERM
if ! out=$(attempt); then
	say "starting again, once"
	stop_pids
	find "$dir" -mindepth 1 -delete
	out=$(attempt) || exit 1
fi
trap - HUP INT TERM
printf '%s\n' "$out"
