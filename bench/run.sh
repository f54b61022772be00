#!/bin/sh
# bench/run.sh - smoothver's speed and memory targets, side by side with
# the tools they are measured against, in one run.
#
# usage: bench/run.sh [PATH-TO-SMOOTHVER] [SECTION...]
#
# SECTION is pack, diff, otp or cli (default: all four).
# Corpora (built under a temporary directory):
#   otp    a copy of the system's OTP tree (/usr/lib/erlang; symlinks that
#          lead outside it and releases/ are dropped), about 3,500 files /
#          100 MB
#   synth  a synthetic tree of 50,000 small files in 500 directories
#   rel    a synthetic OTP release (bench/gen-otp-release.escript): 32
#          applications, 1,024 modules compiled by erlc; a second build
#          where 10 % of the modules changed, and a third where one did
# Measured (wall time, best of 3, or of 10 and 5 for the OTP commands,
# timed by bench/timeit.c; peak RSS from /usr/bin/time):
#   pack:  smoothver pack (gzip)           vs
#          tar --sort=name ... | gzip -n   + sha256sum of every file
#          tar --sort=name ... | pigz -n -p 2 + sha256sum of every file
#          on an idle machine, with one core busy and with every core
#          busy (shell busy loops, as other jobs load a CI machine)
#   diff:  smoothver diff of two copies, cold (no cache) and warm (cache)
#          vs a cold sha256sum of every file of both trees
#   cli:   smoothver compare 1.2.3 1.3.0 (what a sidecar runs every few
#          seconds) vs git --version and sort -V -C, the cheapest commands
#          a script would run instead
#   otp:   smoothver appup OLD NEW --write + smoothver relup OLD NEW --write,
#          and the same in one pass, smoothver relup --appups --write
#          (again on the same builds, and a first run: no cache at all)
#          vs erl -noshell running systools:make_relup on the same appups
#          (VM start included), beside cat and sha256sum of every file
#          of both builds, for scale; the size of smoothver pack --delta-from
#          OLD for the one-module change vs its full package
# Targets (bench/README.md): pack <= 0.5x the gzip pipeline and no slower
# than pigz; warm diff < 100 ms, cold diff <= 1.5x sha256sum; peak RSS
# < 64 MB; appup + relup < 50 ms and >= 20x faster than systools; delta
# package <= 1 % of the full one; compare no slower than git --version.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
sv=$top/_build/gcc/smoothver
case ${1:-} in pack | diff | otp | cli | '') ;; *) sv=$1; shift ;; esac
[ $# -gt 0 ] || set -- pack diff otp cli
for s in "$@"; do
	case $s in pack | diff | otp | cli) ;; *) echo "bench: unknown section $s (pack, diff, otp, cli)" >&2; exit 2 ;; esac
done
sections=" $* "
want() { case $sections in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
[ -x "$sv" ] || { echo "bench: build smoothver first (ci/test.sh) or name it" >&2; exit 2; }
for tool in pigz tar gzip sha256sum /usr/bin/time erl erlc escript; do
	command -v "$tool" >/dev/null || { echo "bench: needs $tool (apt-get install pigz time erlang)" >&2; exit 2; }
done
[ -d /usr/lib/erlang ] || { echo "bench: needs /usr/lib/erlang (apt-get install erlang)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/smoothver-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export HOME="$work/home" LC_ALL=C
mkdir -p "$HOME"

# A corpus copy without symlinks that lead outside it, and without
# releases/ (a few KB): with it smoothver takes the tree for an OTP release
# root, whose releases/25 holds two .rel files, and refuses to guess which.
copy_otp() {
	cp -a /usr/lib/erlang "$1"
	rm -rf "$1/releases"
	find "$1" -type l | while read -r l; do
		case $(realpath -m "$l") in "$1"/*) ;; *) rm "$l" ;; esac
	done
}
synth() {
	mkdir -p "$1"
	awk -v root="$1" 'BEGIN {
		for (d = 0; d < 500; d++) {
			dir = sprintf("%s/d%03d", root, d)
			system("mkdir -p " dir)
			for (f = 0; f < 100; f++) {
				file = sprintf("%s/f%03d.beam", dir, f)
				for (l = 0; l < 20; l++)
					printf("module %d %d line %d %s\n", d, f, l, "xxxxxxxxxxxxxxxxxxxxxxxx") > file
				close(file)
			}
		}
	}'
}

# best3 CMD [PREP]: the best wall time of three runs of CMD, in
# milliseconds; PREP runs before each, untimed.
best3() {
	best=
	for _ in 1 2 3; do
		[ -z "${2:-}" ] || sh -c "$2" >/dev/null 2>&1
		t0=$(date +%s%N)
		sh -c "$1" >/dev/null 2>&1
		t1=$(date +%s%N)
		ms=$(( (t1 - t0) / 1000000 ))
		if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
	done
	echo "$best"
}
rss() {
	/usr/bin/time -f %M sh -c "$1" 2>&1 >/dev/null | tail -n 1
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -m), $(. /etc/os-release && echo "$PRETTY_NAME")"
echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg) (wall times grow with it)"
echo "smoothver: $("$sv" --version); $(tar --version | head -n 1); gzip $(gzip --version | head -n 1 | awk '{print $2}'); pigz $(pigz --version 2>&1 | awk '{print $2}')"
echo

if want pack || want diff; then
	copy_otp "$work/otp"
fi
if want pack; then
	synth "$work/synth"
fi

row() { printf '%-8s %-44s %9s %12s %9s\n' "$@"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

row corpus command ms bytes "rss MB"
# hogs_start N / hogs_stop: N busy loops, the load other jobs put on a
# CI machine (a pack that only runs fast on an idle machine is not fast).
hogs=
hogs_start() {
	_i=0
	while [ "$_i" -lt "$1" ]; do
		sh -c 'while :; do :; done' &
		hogs="$hogs $!"
		_i=$((_i + 1))
	done
}
hogs_stop() {
	[ -z "$hogs" ] || { kill $hogs; wait $hogs 2>/dev/null || true; }
	hogs=
}
trap 'hogs_stop; rm -rf "$work"' EXIT

if want pack; then
	for c in otp synth; do
		d="$work/$c"
		files=$(find "$d" -type f | wc -l)
		hash="find $d -type f -print0 | xargs -0 sha256sum"
		for load in 0 1 "$(nproc)"; do
			case $load in
			0) how= ;;
			1) how=", 1 core busy" ;;
			*) how=", $load cores busy" ;;
			esac
			hogs_start "$load"
			t_sv=$(best3 "SMOOTHVER_NO_CACHE=1 $sv pack -q --version 1.0.0 -o $work/$c.sv.tgz $d")
			t_gz=$(best3 "tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C $d -cf - . | gzip -n >$work/$c.gz.tgz; $hash")
			t_pz=$(best3 "tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C $d -cf - . | pigz -n -p 2 >$work/$c.pz.tgz; $hash")
			hogs_stop
			if [ "$load" = 0 ]; then
				m_sv=$(rss "SMOOTHVER_NO_CACHE=1 $sv pack -q --version 1.0.0 -o $work/$c.sv.tgz $d")
				row "$c" "smoothver pack ($files files)" "$t_sv" "$(wc -c <"$work/$c.sv.tgz")" "$((m_sv / 1024))"
				row "$c" "tar | gzip -n + sha256sum" "$t_gz" "$(wc -c <"$work/$c.gz.tgz")" -
				row "$c" "tar | pigz -n -p 2 + sha256sum" "$t_pz" "$(wc -c <"$work/$c.pz.tgz")" -
			else
				row "$c" "smoothver pack$how" "$t_sv" - -
				row "$c" "tar | gzip -n + sha256sum$how" "$t_gz" - -
				row "$c" "tar | pigz -n -p 2 + sha256sum$how" "$t_pz" - -
			fi
			echo "$c$how: pack/gzip = $(ratio "$t_sv" "$t_gz")x (target <= 0.5), pack/pigz = $(ratio "$t_sv" "$t_pz")x (target <= 1.0)"
		done
	done
	echo
fi

if want diff; then
	cp -a "$work/otp" "$work/otp2"
	t_cold=$(best3 "SMOOTHVER_NO_CACHE=1 $sv diff $work/otp $work/otp2")
	"$sv" diff "$work/otp" "$work/otp2" >/dev/null
	sleep 1
	"$sv" diff "$work/otp" "$work/otp2" >/dev/null
	t_warm=$(best3 "$sv diff $work/otp $work/otp2")
	m_diff=$(rss "SMOOTHVER_NO_CACHE=1 $sv diff $work/otp $work/otp2")
	t_sha=$(best3 "find $work/otp $work/otp2 -type f -print0 | xargs -0 sha256sum")
	row otp "smoothver diff, cold (no cache)" "$t_cold" - "$((m_diff / 1024))"
	row otp "smoothver diff, warm (index cache)" "$t_warm" - -
	row otp "sha256sum of both trees" "$t_sha" - -
	echo "diff: warm $t_warm ms (target < 100), cold/sha256sum = $(ratio "$t_cold" "$t_sha")x (target <= 1.5)"
	echo
fi

if want otp; then
	r=$work/rel
	escript "$top/bench/gen-otp-release.escript" "$r" >"$work/gen.log" ||
		{ cat "$work/gen.log" >&2; exit 1; }
	rm_appups="rm -f $r/new/lib/*/ebin/*.appup $r/new/releases/1.1.0/relup"
	appup="$sv appup $r/old $r/new --write"
	relup="$sv relup $r/old $r/new --write"
	onepass="$sv relup $r/old $r/new --write --appups"
	# systools as the tests run it: both roots' ebin dirs on the path.
	make_relup="erl -noshell -eval '
		Path = filelib:wildcard(\"$r/new/lib/*/ebin\") ++ filelib:wildcard(\"$r/old/lib/*/ebin\"),
		Old = \"$r/old/releases/1.0.0/synth\",
		case systools:make_relup(\"$r/new/releases/1.1.0/synth\", [Old], [Old],
				[{path, Path}, {outdir, \"$work/systools\"}, silent]) of
			{error, M, E} -> io:format(standard_error, \"~s~n\", [M:format_error(E)]), halt(1);
			_ -> halt(0)
		end.'"
	mkdir -p "$work/systools"
	printf '%s\n' "$make_relup" >"$work/make_relup.sh"
	# The short commands are timed by bench/timeit.c: no shell between
	# the clock and them (sh -c costs a millisecond, 5 % of them).
	cc -O2 -o "$work/timeit" "$top/bench/timeit.c"
	timeit=$work/timeit
	sh -c "$rm_appups; $appup" >/dev/null || { echo "bench: smoothver appup failed" >&2; exit 1; }
	have_relup=false
	if "$sv" relup -h >/dev/null 2>&1; then
		have_relup=true
		sh -c "$relup" >/dev/null || { echo "bench: smoothver relup failed" >&2; exit 1; }
	fi
	sh -c "$make_relup" || { echo "bench: systools:make_relup failed" >&2; exit 1; }
	# Let the builds' 20 MB reach the disk and the machine calm down
	# (while the kernel writes them back, every stat and open here takes
	# half as long again, for systools as for smoothver); the last row
	# below is the first run on builds written a moment before, as in a
	# CI job that builds both.
	sync
	sleep 2
	# A first run: no module comparisons, no file digests remembered.
	no_cache="rm -rf $HOME/.cache/smoothver"

	t_appup=$("$timeit" 10 "$rm_appups" "$appup")
	t_appup_cold=$("$timeit" 5 "$rm_appups; $no_cache" "$appup")
	m_appup=$(rss "$rm_appups; $no_cache; $appup")
	if $have_relup; then
		t_relup=$("$timeit" 10 "rm -f $r/new/releases/1.1.0/relup" "$relup")
		t_relup_cold=$("$timeit" 5 "rm -f $r/new/releases/1.1.0/relup; $no_cache" "$relup")
		m_relup=$(rss "$no_cache; $relup")
		t_both=$("$timeit" 10 "$rm_appups" "$appup" "$relup")
		t_both_cold=$("$timeit" 5 "$rm_appups; $no_cache" "$appup" "$relup")
		t_one=$("$timeit" 10 "$rm_appups" "$onepass")
		t_one_cold=$("$timeit" 5 "$rm_appups; $no_cache" "$onepass")
		m_one=$(rss "$rm_appups; $no_cache; $onepass")
	fi
	t_sys=$("$timeit" 3 "" "sh $work/make_relup.sh")
	# For scale: reading every file of both builds, and hashing every
	# one (as the provenance's tree digests need), with the usual tools
	# (one core, a process per few hundred files; sh's start included).
	# A first run of smoothver does both, on every core, and hashes a
	# file the two builds share once.
	printf 'find %s %s -type f -print0 | xargs -0 cat >/dev/null\n' \
		"$r/old" "$r/new" >"$work/read_both.sh"
	printf 'find %s %s -type f -print0 | xargs -0 sha256sum >/dev/null\n' \
		"$r/old" "$r/new" >"$work/hash_both.sh"
	t_read=$("$timeit" 5 "" "sh $work/read_both.sh")
	t_hash=$("$timeit" 5 "" "sh $work/hash_both.sh")
	m_sys=$(rss "$make_relup")
	# Both builds rewritten (touched) 0.3 s before: smoothver trusts what
	# it read of a file changed more than a tenth of a second earlier on
	# a local file system (sv_settle_ns in src/core/cache.h), not of one
	# changed later, and CI runs it a moment after the build.
	if $have_relup; then
		t_one_fresh=$("$timeit" 5 "$rm_appups; $no_cache; find $r/old $r/new -type f -exec touch {} +; sleep 0.3" "$onepass")
	fi
	sed 's|^.*/\([a-z]*\): |rel      \1: |' "$work/gen.log"
	row rel "smoothver appup --write" "$t_appup" - "$((m_appup / 1024))"
	row rel "  the same, first run on these builds" "$t_appup_cold" - -
	if $have_relup; then
		row rel "smoothver relup --write" "$t_relup" - "$((m_relup / 1024))"
		row rel "  the same, first run on these builds" "$t_relup_cold" - -
		row rel "smoothver appup + relup" "$t_both" - -
		row rel "  the same, first run on these builds" "$t_both_cold" - -
		row rel "smoothver relup --appups --write (one pass)" "$t_one" - "$((m_one / 1024))"
		row rel "  the same, first run on these builds" "$t_one_cold" - -
		row rel "  first run, builds written 0.3 s before" "$t_one_fresh" - -
	else
		row rel "smoothver relup (not in this smoothver)" - - -
	fi
	row rel "erl -noshell: systools:make_relup" "$t_sys" - "$((m_sys / 1024))"
	row rel "find | xargs cat, both builds (reading)" "$t_read" - -
	row rel "find | xargs sha256sum, both builds" "$t_hash" - -
	if $have_relup; then
		# as tests/otp/relup.escript compares them: up to the order of the
		# loads that systools leaves arbitrary
		if erl -noshell -eval "
			{ok, A} = file:consult(\"$r/new/releases/1.1.0/relup\"),
			{ok, B} = file:consult(\"$work/systools/relup\"),
			halt(if A =:= B -> 0; true -> 1 end)."; then
			same=yes
		elif escript "$top/tests/otp/relup.escript" same "$work/systools/relup" \
			"$r/new/releases/1.1.0/relup" 2>/dev/null; then
			same="yes, up to the order of independent loads"
		else
			same=no
		fi
		echo "rel: appup + relup $t_both ms (target < 50), systools/smoothver = $(ratio "$t_sys" "$t_both")x (target >= 20); first run on new builds $t_both_cold ms ($(ratio "$t_sys" "$t_both_cold")x); in one pass (relup --appups) $t_one ms ($(ratio "$t_sys" "$t_one")x), first run $t_one_cold ms ($(ratio "$t_sys" "$t_one_cold")x), on builds written 0.3 s before $t_one_fresh ms ($(ratio "$t_sys" "$t_one_fresh")x); relup term-equal to systools': $same"
	else
		echo "rel: appup $t_appup ms; no relup command in this smoothver: appup + relup not measured"
	fi

	# The one-module change, packed in full and as a delta.
	# A package that follows another needs the relup that reaches it.
	if $have_relup; then
		"$sv" relup -q "$r/old" "$r/one" --write 2>/dev/null
	fi
	"$sv" pack -q -o "$work/one-full.tar.gz" "$r/one"
	row rel "smoothver pack (one module changed)" - "$(wc -c <"$work/one-full.tar.gz")" -
	if "$sv" pack -h 2>/dev/null | grep -q -- --delta-from; then
		"$sv" pack -q --delta-from "$r/old" -o "$work/one-delta.tar.gz" "$r/one"
		full=$(wc -c <"$work/one-full.tar.gz")
		delta=$(wc -c <"$work/one-delta.tar.gz")
		row rel "smoothver pack --delta-from old" - "$delta" -
		echo "delta: $(awk -v a="$delta" -v b="$full" 'BEGIN { printf "%.2f", 100 * a / b }') % of the full package (target <= 1 %)"
	else
		row rel "smoothver pack --delta-from (not in this smoothver)" - - -
	fi
fi

if want cli; then
	# Process start and one comparison: best of 20, no shell in between.
	cc -O2 -o "$work/timeit" "$top/bench/timeit.c"
	printf '1.2.3\n1.3.0\n' >"$work/versions"
	t_cmp=$("$work/timeit" 20 "" "$sv compare 1.2.3 1.3.0")
	t_git=$("$work/timeit" 20 "" "git --version")
	t_sort=$("$work/timeit" 20 "" "sort -V -C $work/versions")
	loaded=$(cd "$work" && LD_DEBUG=files "$sv" compare 1.2.3 1.3.0 2>&1 >/dev/null | grep -c "file=libgit2" || true)
	row cli "smoothver compare 1.2.3 1.3.0" "$t_cmp" - -
	row cli "git --version" "$t_git" - -
	row cli "sort -V -C (two versions)" "$t_sort" - -
	echo "cli: compare/git = $(ratio "$t_cmp" "$t_git")x (target <= 1.0); libgit2 loaded by compare: $loaded times (target 0)"
fi
