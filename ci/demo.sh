#!/bin/sh
# ci/demo.sh - smoothver's main job on a local example.
#
# Installs what it needs (Debian 12, as root) if missing, builds smoothver,
# then takes a throw-away git repository through several releases: the
# first tag, a reload, a relup, a pre-release and a restart; packs and
# publishes each release to a local store, fetches the latest back and
# verifies it; then builds two versions of a real OTP release (the test
# fixture petal, with erlc and systools) and generates its appups, relup
# and required level, showing what a user sees at each step. Nothing
# outside a temporary directory is touched.
set -eu
SV_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$SV_TOP/ci/lib.sh"
# shellcheck disable=SC2086
ensure_packages $SV_BUILD_PKGS erlang
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

say "Ship the releases: pack each tagged build and publish it to a store."
store="$work/store"
build() {
	rm -rf "$work/build"
	mkdir -p "$work/build/bin" "$work/build/lib/shop/ebin"
	printf '#!/bin/sh\nexec erl -noshell -s shop\n' >"$work/build/bin/shop"
	chmod +x "$work/build/bin/shop"
	cp src.erl "$work/build/lib/shop/ebin/shop.beam"
	printf 'the shop\n' >"$work/build/lib/shop/README"
}
git checkout -q v1.0.0 && build
run smoothver publish "$work/build" --store "$store" --expect-empty --compat-names
for v in v1.0.1 v1.1.0; do
	git checkout -q "$v" && build
	run smoothver publish "$work/build" --store "$store" --compat-names
done
say "2.0.0 follows 2.0.0-rc.1, which never shipped: the store is not where it expects."
git checkout -q v2.0.0 && build
run smoothver publish "$work/build" --store "$store" --compat-names
run smoothver publish "$work/build" --store "$store" --compat-names --expect-latest 1.1.0
say "Publishing the same content again changes nothing."
run smoothver -q publish "$work/build" --store "$store" --compat-names --expect-latest 1.1.0
git checkout -q main

say "What is in the store, and what a shell sidecar polls."
run smoothver ls --store "$store"
run smoothver ls shop --store "$store"
run cat "$store/shop-latest"
run ls "$store"

say "Fetch the latest release back, every digest checked, and verify the tree."
run smoothver fetch shop --store "$store" -o "$work/deployed"
run smoothver verify "$work/deployed" --release shop@2.0.0 --store "$store"
run smoothver fetch shop@1.1.0 --store "$store" -o "$work/shop-1.1.0.tar.gz"
run smoothver verify "$work/shop-1.1.0.tar.gz" --release shop@1.1.0 --store "$store"
say "Someone edits the installed tree: verify shows the drift."
echo "%% hot patch" >>"$work/deployed/lib/shop/ebin/shop.beam"
chmod -x "$work/deployed/bin/shop"
run smoothver verify "$work/deployed" --release shop@2.0.0 --store "$store"
say "Keep the two newest versions; gc says what would go."
run smoothver gc --store "$store" --keep 2 --dry-run

say "Mistakes are refused with a reason."
run smoothver tag 1.0.5
change src.erl "%% wip" "wip"
echo "%% uncommitted" >>src.erl
run smoothver tag reload
run smoothver compare 1.2 1.3.0

say "An OTP release, built twice: petal 1.0.0, then 1.1.0 whose gen_server calls a new function of another application."
OTP_DIR="$SV_TOP/tests/otp"
. "$OTP_DIR/lib.sh"
otp_build base "$work/petal-old" >/dev/null
otp_build deps "$work/petal-new" >/dev/null
cd "$work"
say "What the change requires, module by module (only the code MD5 counts)."
run smoothver diff petal-old petal-new
say "The appups: stem_fmt (another application) loads before the gen_server that calls it."
run smoothver appup petal-old petal-new
run smoothver appup petal-old petal-new --write
say "systools:make_relup accepts them; release_handler can run the upgrade."
make_relup() { otp_relup "$1" "$2" && ls "$1/releases/1.1.0"; }
run make_relup petal-new petal-old
say "Code changed without an application vsn bump is refused."
otp_build novsn "$work/petal-novsn" >/dev/null
run smoothver appup petal-old petal-novsn
