# lib.sh - shared helpers for smoothver's end-to-end tests.
#
# A test file sources this, calls test_expect_success 'title' 'body' for
# each case, and ends with test_done. Output is TAP. Each body runs with
# `set -e` in a subshell, in a fresh directory of its own under a
# temporary root that is removed at the end, with a sealed environment:
# C locale, UTC, a private HOME and git configuration, no system config.
#
# Helpers for bodies:
#   sv CODE ARGS...     run smoothver; stdout -> ./out, stderr -> ./err;
#                       fail unless the exit status is CODE
#   expect_out TEXT     ./out must be exactly TEXT (plus a final newline)
#   expect_err TEXT     ./err must be exactly TEXT (plus a final newline)
#   expect_empty FILE   FILE must be empty
#   contains FILE TEXT  FILE must contain TEXT (fixed string)
#   lacks FILE TEXT     FILE must not contain TEXT
#   json FILTER         run jq -r FILTER on ./out
#   expect_json FILTER VALUE   jq -r FILTER on ./out must print VALUE
#   new_repo [DIR]      a git repository with one commit, cd'd into
#   commit MSG          commit a change to file 'f'
#   sv_schema_python    print a python3 that can import jsonschema, or fail
#
# Every document a `sv ... --json ...` call prints is kept, and test_done
# adds a last case that checks them all against their JSON Schemas
# (man/schemas/, see t0950-json-schemas.sh), when python3-jsonschema is
# installed.
#
# SV_TEST_TRACE=1 traces every body (set -x) into the failure report.

set -u

: "${SMOOTHVER:?SMOOTHVER must name the binary under test}"
: "${SV_SRCDIR:?SV_SRCDIR must name the source tree}"

unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_CEILING_DIRECTORIES \
	NO_COLOR GITHUB_ACTIONS GITHUB_OUTPUT GITHUB_STEP_SUMMARY \
	SOURCE_DATE_EPOCH
for v in $(env | sed -n 's/^\(SMOOTHVER_[A-Z_]*\)=.*/\1/p'); do
	unset "$v"
done
export LC_ALL=C TZ=UTC TERM=dumb
TEST_ROOT=$(mktemp -d "${TMPDIR:-/tmp}/smoothver-test.XXXXXX")
trap 'rm -rf "$TEST_ROOT"' EXIT
mkdir "$TEST_ROOT/json" "$TEST_ROOT/tmp"
# Scratch files of a process killed with SIGKILL (which no one can clean
# up after) stay in the test's directory, not in the machine's /tmp.
export TMPDIR="$TEST_ROOT/tmp"
export HOME="$TEST_ROOT/home"
mkdir -p "$HOME"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL="$HOME/.gitconfig"
export GIT_AUTHOR_NAME='Test Author' GIT_AUTHOR_EMAIL='author@example.com'
export GIT_COMMITTER_NAME='Test Tagger' GIT_COMMITTER_EMAIL='tagger@example.com'
git config --global init.defaultBranch main
git config --global user.name 'Test User'
git config --global user.email 'user@example.com'
git config --global advice.detachedHead false

test_count=0
test_failed=0

sv() {
	_want=$1
	shift
	set +e
	"$SMOOTHVER" "$@" >out 2>err
	_got=$?
	set -e
	if [ "$_got" != "$_want" ]; then
		echo "smoothver $*: exit $_got, expected $_want" >&2
		echo "--- stdout:" >&2; cat out >&2
		echo "--- stderr:" >&2; cat err >&2
		return 1
	fi
	# A --json document, for test_done to check against its schema.
	case " $* " in
	*" --json "*)
		if grep -q '^{' out; then
			_j=$(mktemp "$TEST_ROOT/json/t$test_count.XXXXXX")
			cp out "$_j" && printf '%s\n' "$*" >"$_j.cmd"
		fi
		;;
	esac
}

sv_schema_python() {
	for _p in python3 /usr/bin/python3; do
		if command -v "$_p" >/dev/null 2>&1 &&
			"$_p" -c 'import jsonschema' >/dev/null 2>&1; then
			command -v "$_p"
			return 0
		fi
	done
	return 1
}

_expect_file() {
	printf '%s\n' "$2" >expected
	if ! cmp -s expected "$1"; then
		echo "$1 differs from what was expected:" >&2
		diff -u expected "$1" >&2 || true
		return 1
	fi
}

expect_out() { _expect_file out "$1"; }
expect_err() { _expect_file err "$1"; }

expect_empty() {
	if [ -s "$1" ]; then
		echo "$1 should be empty but has:" >&2
		cat "$1" >&2
		return 1
	fi
}

contains() {
	if ! grep -qF -- "$2" "$1"; then
		echo "$1 does not contain '$2'; it has:" >&2
		cat "$1" >&2
		return 1
	fi
}

lacks() {
	if grep -qF -- "$2" "$1"; then
		echo "$1 should not contain '$2'; it has:" >&2
		cat "$1" >&2
		return 1
	fi
}

json() { jq -r "$1" out; }

expect_json() {
	_v=$(jq -r "$1" out) || { echo "not JSON:" >&2; cat out >&2; return 1; }
	if [ "$_v" != "$2" ]; then
		echo "jq '$1' gave '$_v', expected '$2'; out:" >&2
		cat out >&2
		return 1
	fi
}

new_repo() {
	_d=${1:-repo}
	git init -q "$_d"
	cd "$_d"
	echo 0 >f
	git add f
	git commit -q -m initial
}

commit() {
	echo "$1" >>f
	git add f
	git commit -q -m "$1"
}

test_expect_success() {
	test_count=$((test_count + 1))
	_dir="$TEST_ROOT/t$test_count"
	mkdir -p "$_dir"
	# Not inside an if: set -e is ignored in a tested context.
	(cd "$_dir" || exit 1; set -e; [ -z "${SV_TEST_TRACE:-}" ] || set -x; eval "$2") >"$TEST_ROOT/log" 2>&1
	if [ $? -eq 0 ]; then
		echo "ok $test_count - $1"
	else
		test_failed=$((test_failed + 1))
		echo "not ok $test_count - $1"
		sed 's/^/# /' "$TEST_ROOT/log"
	fi
}

test_done() {
	if [ -n "$(ls "$TEST_ROOT/json")" ]; then
		if _py=$(sv_schema_python); then
			test_expect_success 'every --json document matches its schema' '
				"$_py" "$SV_SRCDIR/tests/e2e/schema-check.py" validate \
					"$SV_SRCDIR" "$TEST_ROOT/json"
			'
		else
			test_count=$((test_count + 1))
			echo "ok $test_count - every --json document matches its schema # SKIP python3 cannot import jsonschema"
		fi
	fi
	echo "1..$test_count"
	exit 0
}
