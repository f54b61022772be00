#!/bin/sh
# bin/start of a petal target system: otp_target (tests/otp/lib.sh)
# installs it as TARGET/bin/start, otp_live runs it to boot the node, and
# release_handler names it to heart (its start_prg, ROOT/bin/start) to boot
# the node again after a relup that ends in restart_emulator:
#
#   bin/start [DATAFILE]
#
# boots the release DATAFILE names ("ERTS-VSN REL-VSN", the format of
# releases/start_erl.data, which is the default) with the target's own
# erts, in the foreground (exec: the pid that runs this script becomes the
# node's). The node's name, cookie, ports and heart come from
# TARGET/live/start.env, written by otp_live. Every incarnation appends its
# pid to TARGET/live/node.pids first, so that otp_live can stop it; when
# TARGET/live/stop exists (otp_live is shutting down) nothing is booted.
root=$(cd "$(dirname "$0")/.." && pwd) || exit 1
live=$root/live
echo $$ >>"$live/node.pids" || exit 1
[ ! -e "$live/stop" ] || exit 0
die() {
	echo "== bin/start: $*" >>"$live/node.log"
	exit 1
}
# shellcheck disable=SC1091
. "$live/start.env" || die "cannot read $live/start.env"
data=${1:-$root/releases/start_erl.data}
# release_handler writes the file without a final newline
read -r erts vsn <"$data" || [ -n "${vsn:-}" ] || die "cannot read $data"
bin=$root/erts-$erts/bin
if [ ! -x "$bin/erlexec" ] || [ ! -f "$root/releases/$vsn/start.boot" ]; then
	die "no erts-$erts or release $vsn in $root"
fi
echo "== bin/start: pid $$ boots $vsn (erts $erts, $data)" >>"$live/node.log"
cd "$live" || exit 1
ERL_EPMD_PORT=$SV_LIVE_EPMD_PORT ROOTDIR=$root BINDIR=$bin EMU=beam PROGNAME=erl \
	ERL_CRASH_DUMP=$live/erl_crash.dump
export ERL_EPMD_PORT ROOTDIR BINDIR EMU PROGNAME ERL_CRASH_DUMP
# shellcheck disable=SC2086
exec "$bin/erlexec" -boot "$root/releases/$vsn/start" \
	-config "$root/releases/$vsn/sys" -sname "$SV_LIVE_NODE" \
	-setcookie "$SV_LIVE_COOKIE" -noshell -noinput -start_epmd false \
	$SV_LIVE_HEART -petal port "$SV_LIVE_PORT" \
	</dev/null >>"$live/node.log" 2>&1
