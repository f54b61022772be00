#!/bin/sh
# tests/fuzz/run.sh - build the libFuzzer targets and run them.
#
#   tests/fuzz/run.sh [--seconds N | --runs N] [--build DIR] [TARGET...]
#
# Builds smoothver's library with clang and -fsanitize=fuzzer-no-link,
# address,undefined in DIR (default ./_fuzz, configured there once), links
# each target of tests/fuzz/fuzz_*.c with libFuzzer, and runs each on a
# corpus seeded with tests/fuzz/corpus/TARGET (our files and every input
# that ever crashed a target) and real files from this machine: the
# Erlang/OTP installation's beams and .app/.appup files. Each run is
# limited to N seconds (default 60) or N executions. Prints one line per
# target - executions, coverage (edges, features), corpus size - and keeps
# the full log in DIR/TARGET.log. A crash, leak or sanitizer report
# leaves its input in DIR/crashes/ and makes the exit status 1: copy it
# into tests/fuzz/corpus/TARGET/ once fixed, where `make check` replays
# it (tests/fuzz/replay.c).
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$PWD/_fuzz
limit="-max_total_time=60"
what="60 s"
while [ $# -gt 0 ]; do
	case $1 in
	--seconds) limit="-max_total_time=$2"; what="$2 s"; shift 2 ;;
	--runs) limit="-runs=$2"; what="$2 runs"; shift 2 ;;
	--build) build=$2; shift 2 ;;
	--*) echo "usage: tests/fuzz/run.sh [--seconds N | --runs N] [--build DIR] [TARGET...]" >&2; exit 2 ;;
	*) break ;;
	esac
done
targets=${*:-terms etf beam manifest record version}
command -v clang >/dev/null 2>&1 || { echo "fuzz: clang is needed (Debian: clang)" >&2; exit 2; }

san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
mkdir -p "$build"
if [ ! -f "$build/Makefile" ]; then
	[ -x "$src/configure" ] || (cd "$src" && autoreconf -fi)
	(cd "$build" && "$src/configure" -q CC=clang \
		CFLAGS="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link $san")
fi
make -s -C "$build" libsmoothver.a >&2
libs=$(make -s -C "$build" print-fuzz-libs)

# Seeds from this machine: OTP's own files, when there is an OTP.
seeds=$build/seeds
rm -rf "$seeds"
mkdir -p "$seeds/terms" "$seeds/beam" "$seeds/etf"
if otp=$(erl -noshell -eval 'io:format("~s", [code:root_dir()]), halt().' 2>/dev/null); then
	find "$otp/lib" -name '*.app' -o -name '*.appup' | head -n 200 |
		while read -r f; do cp "$f" "$seeds/terms/"; done
	find "$otp/lib" -name '*.beam' | sort | awk 'NR % 20 == 1' | head -n 150 |
		while read -r f; do cp "$f" "$seeds/beam/"; done
	find "$otp/releases" -name '*.rel' -o -name 'RELEASES' 2>/dev/null | head -n 20 |
		while read -r f; do cp "$f" "$seeds/terms/$(basename "$f").$$"; done
fi

status=0
mkdir -p "$build/crashes"
for t in $targets; do
	bin=$build/fuzz_$t
	clang -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer $san \
		-I"$src/src" -I"$build" "$src/tests/fuzz/fuzz_$t.c" \
		"$build/libsmoothver.a" $libs -ldl -lpthread -lm -o "$bin"
	work=$build/corpus/$t
	mkdir -p "$work"
	set -- "$work" "$src/tests/fuzz/corpus/$t"
	[ -d "$seeds/$t" ] && set -- "$@" "$seeds/$t"
	# Beams are read whole (md5, gzip): mutating 200 KB files would be
	# slow; 32 KiB keeps every chunk kind within reach.
	maxlen=
	[ "$t" = beam ] && maxlen=-max_len=32768
	rc=0
	"$bin" $limit $maxlen -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$build/crashes/$t-" "$@" >"$build/$t.log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$build/$t.log" | tail -n 1)
	cov=$(grep -E '^#[0-9]+.*cov: ' "$build/$t.log" | tail -n 1 |
		sed 's/.*cov: \([0-9]*\) ft: \([0-9]*\) corp: \([0-9]*\).*/\1 edges, \2 features, corpus \3/')
	if [ $rc -eq 0 ]; then
		echo "fuzz_$t: ok, ${execs:-?} executions in $what; ${cov:-no coverage line}"
	else
		echo "fuzz_$t: FAILED (exit $rc) after ${execs:-?} executions; see $build/$t.log and $build/crashes/"
		grep -E 'ERROR|SUMMARY|runtime error' "$build/$t.log" | head -n 5 | sed 's/^/  /'
		status=1
	fi
done
exit $status
