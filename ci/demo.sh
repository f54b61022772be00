#!/bin/sh
# ci/demo.sh - smoothver's main job on a local example.
#
# Installs what it needs (Debian 12, as root) if missing, builds smoothver,
# then takes a throw-away git repository through several releases: the
# first tag, a reload, a relup, a pre-release and a restart, showing what a
# user sees at each step. Nothing outside a temporary directory is touched.
set -eu
SV_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$SV_TOP/ci/lib.sh"
# shellcheck disable=SC2086
ensure_packages $SV_BUILD_PKGS
build_smoothver "$SV_TOP/_build/demo" >&2

bin="$SV_TOP/_build/demo/smoothver"
work=$(mktemp -d "${TMPDIR:-/tmp}/smoothver-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT
export LC_ALL=C GIT_CONFIG_NOSYSTEM=1 HOME="$work/home"
export GIT_AUTHOR_NAME=Demo GIT_AUTHOR_EMAIL=demo@example.com
export GIT_COMMITTER_NAME=Demo GIT_COMMITTER_EMAIL=demo@example.com
mkdir -p "$HOME"

say() { printf '\n# %s\n' "$*"; }
run() {
	printf '$'
	for a in "$@"; do
		case $a in
		*[!A-Za-z0-9_./:=@,+-]* | '') printf " '%s'" "$a" ;;
		*) printf ' %s' "$a" ;;
		esac
	done
	printf '\n'
	set +e
	"$@"
	rc=$?
	set -e
	[ $rc -eq 0 ] || printf '(exit %d)\n' $rc
}
smoothver() { "$bin" "$@"; }
change() {
	printf '%s\n' "$2" >>"$1"
	git add "$1"
	git commit -q -m "$3"
}

cd "$work"
git init -q -b main shop
cd shop
printf '[release]\n\tname = shop\n[tag]\n\tprefix = v\n' >.smoothver
change src.erl "-module(shop)." "shop: first version"

say "A new project: no release yet."
run smoothver version
say "The first release."
run smoothver tag 1.0.0 -m "First release of the shop"

change src.erl "%% fix a typo in a log line" "fix a log line"
say "A bug fix that only reloads modules: a RELOAD release."
run smoothver version
run smoothver tag reload

change src.erl "-record(state, {cart, coupon})." "carts get coupons (state migrates)"
say "The state record changed: processes must migrate state, a RELUP release."
run smoothver tag relup --dry-run
run smoothver tag relup -m "Coupons in carts"

change src.erl "%% new NIF for pricing" "pricing NIF"
say "A NIF changed: the node must restart. First a release candidate."
run smoothver tag 2.0.0-rc.1
change src.erl "%% fix in the NIF" "fix NIF"
run smoothver tag 2.0.0

say "The release history, and what a deploy sidecar asks before upgrading."
run smoothver log
run smoothver compare 1.0.1 1.1.0
run smoothver compare 1.1.0 2.0.0
run smoothver compare 2.0.0 1.1.0
run smoothver --json compare 1.0.0 1.0.1

say "What git itself sees."
run git describe
run git tag -n1 -l
run git tag -l --format='%(refname:short): %(trailers:key=Smoothver-Level,valueonly,separator=)' v1.1.0

say "Mistakes are refused with a reason."
run smoothver tag 1.0.5
change src.erl "%% wip" "wip"
echo "%% uncommitted" >>src.erl
run smoothver tag reload
run smoothver compare 1.2 1.3.0
