#!/bin/sh
# ci/test.sh - build smoothver and run the whole test suite.
#
# Installs the build and test dependencies if they are missing (Debian 12,
# as root; and action-validator, with npm, for t2060), then: autoreconf,
# configure --enable-werror, make, make check, make distcheck (its quick
# tests: Makefile.am's print-quick-tests) with gcc; and
# the same suite again built with clang and AddressSanitizer +
# UndefinedBehaviorSanitizer; then each libFuzzer target for 60 s (make
# fuzz-smoke). Ends with one line
# "N passed, M failed" for everything that ran.
set -eu
SV_TOP=$(cd "$(dirname "$0")/.." && pwd)
export SV_TOP
. "$SV_TOP/ci/lib.sh"
# shellcheck disable=SC2086
ensure_packages $SV_BUILD_PKGS $SV_TEST_PKGS
ensure_action_validator ||
	echo "ci: action-validator could not be installed: t2060 skips the YAML validation" >&2
ensure_k8s_validator ||
	echo "ci: the Kubernetes validator could not be installed: t2110 skips" >&2
export SV_K8S_MODULES

cd "$SV_TOP"
rm -rf _build
status=0
step() {
	echo "== $*"
	"$@" || { status=1; echo "== FAILED: $*"; }
}

autoreconf -fi
mkdir -p _build/gcc _build/sanitize
step sh -c 'cd _build/gcc && ../../configure -q --enable-werror CC=gcc && make -j2'
step sh -c 'cd _build/gcc && make -j2 check'
step sh -c 'cd _build/gcc && make -j2 distcheck TESTS="$(make -s print-quick-tests)" >distcheck.log 2>&1 || { tail -50 distcheck.log; exit 1; }'
step sh -c 'cd _build/sanitize && ../../configure -q --enable-werror --enable-sanitizers CC=clang && make -j2'
step sh -c 'cd _build/sanitize && LSAN_OPTIONS=suppressions=$SV_TOP/tests/lsan.supp ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 make -j2 check'
# The libFuzzer targets, 60 s each (a crash fails the run; tests/fuzz/).
step sh -c 'cd _build/gcc && make fuzz-smoke'

for f in _build/*/tests/*/*.log; do
	case $f in *test-suite.log) continue ;; esac
	trs=${f%.log}.trs
	if grep -q '^:test-result: \(FAIL\|ERROR\|XPASS\)' "$trs" 2>/dev/null; then
		echo "---- $f"
		cat "$f"
	fi
done
passed=$(cat _build/*/tests/*/*.trs 2>/dev/null | grep -c '^:test-result: \(PASS\|XFAIL\)' || true)
failed=$(cat _build/*/tests/*/*.trs 2>/dev/null | grep -c '^:test-result: \(FAIL\|ERROR\|XPASS\)' || true)
skipped=$(cat _build/*/tests/*/*.trs 2>/dev/null | grep -c '^:test-result: SKIP' || true)
[ "$failed" -eq 0 ] || status=1
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
exit $status
