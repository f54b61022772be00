# ci/lib.sh - shared by ci/test.sh, ci/demo.sh and the GitHub Action
# (ci/action.yml): install what is missing with apt-get (Debian 12, or the
# Ubuntu of a GitHub runner), and build smoothver.

# Debian packages needed to build and test smoothver.
SV_BUILD_PKGS="gcc make autoconf automake pkgconf libgit2-dev libarchive-dev
libssl-dev libcjson-dev zlib1g-dev libzstd-dev libcurl4-openssl-dev libexpat1-dev check git"
SV_TEST_PKGS="clang jq mandoc zsh fish bsdutils util-linux python3 python3-jsonschema python3-yaml tar gzip zstd erlang rebar3 elixir diffoscope-minimal ceph-mon ceph-osd radosgw uuid-runtime curl"

# ensure_packages PKG...: install the packages that are not installed yet.
ensure_packages() {
	missing=
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	_sudo=
	if [ "$(id -u)" -ne 0 ]; then
		# A GitHub runner is not root, but has password-less sudo.
		if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
			_sudo="sudo -n"
		else
			echo "ci: missing packages:$missing (run as root, or install them)" >&2
			return 1
		fi
	fi
	echo "ci: installing$missing" >&2
	$_sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
	# shellcheck disable=SC2086
	$_sudo env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends $missing >&2
}

# The validator tests/e2e/t2060-ci-workflows.sh runs on ci/action.yml and
# ci/examples/*.yml, against GitHub's schemas for actions and workflows: an
# npm package (Debian 12 has none that does this), pinned, installed once
# with npm -g. Returns non-zero when it cannot be installed; the test then
# skips the validation and says why.
SV_ACTION_VALIDATOR="@action-validator/cli@0.6.0 @action-validator/core@0.6.0"
ensure_action_validator() {
	command -v action-validator >/dev/null 2>&1 && return 0
	command -v npm >/dev/null 2>&1 || ensure_packages npm || return 1
	echo "ci: installing action-validator (npm: $SV_ACTION_VALIDATOR)" >&2
	# shellcheck disable=SC2086
	npm install -g --no-audit --no-fund --loglevel=error $SV_ACTION_VALIDATOR >&2 &&
		command -v action-validator >/dev/null 2>&1
}

# The Kubernetes manifests' validator (ci/k8s-validate.js): the npm
# package kubernetes-models (validators generated from the Kubernetes
# OpenAPI schemas; 4.x runs on Debian 12's Node.js) and yaml, installed
# into SV_K8S_MODULES, which t2110 reads.
SV_K8S_VALIDATOR="kubernetes-models@4.5.1 yaml@2.9.1"
SV_K8S_MODULES=${SV_K8S_MODULES:-/usr/local/lib/smoothver-k8s/node_modules}
ensure_k8s_validator() {
	[ -d "$SV_K8S_MODULES/kubernetes-models" ] && [ -d "$SV_K8S_MODULES/yaml" ] && return 0
	command -v npm >/dev/null 2>&1 || ensure_packages npm || return 1
	echo "ci: installing the Kubernetes validator (npm: $SV_K8S_VALIDATOR)" >&2
	# shellcheck disable=SC2086
	npm install --prefix "$(dirname "$SV_K8S_MODULES")" --no-audit --no-fund \
		--loglevel=error $SV_K8S_VALIDATOR >&2 &&
		[ -d "$SV_K8S_MODULES/kubernetes-models" ]
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
