# ci/lib.sh - shared by ci/test.sh and ci/demo.sh: install what is
# missing with apt-get (Debian 12), and build smoothver.

# Debian packages needed to build and test smoothver.
SV_BUILD_PKGS="gcc make autoconf automake pkgconf libgit2-dev libarchive-dev
libssl-dev libcjson-dev zlib1g-dev libzstd-dev check git"
SV_TEST_PKGS="clang jq mandoc zsh fish bsdutils util-linux python3 python3-jsonschema tar gzip zstd erlang rebar3 diffoscope-minimal"

# ensure_packages PKG...: install the packages that are not installed yet.
ensure_packages() {
	missing=
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "ci: missing packages:$missing (run as root, or install them)" >&2
		return 1
	fi
	echo "ci: installing$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >&2
}

# build_smoothver DIR [CONFIGURE-ARGS...]: configure and build in DIR (a
# build directory below the source tree) and leave the binary there.
build_smoothver() {
	_dir=$1
	shift
	[ -x "$SV_TOP/configure" ] || (cd "$SV_TOP" && autoreconf -fi)
	mkdir -p "$_dir"
	(cd "$_dir" && "$SV_TOP/configure" -q "$@" && make -j"$(nproc)" >/dev/null)
}
