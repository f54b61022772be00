#!/bin/sh
# bench/run.sh - smoothver's speed and memory targets, side by side with
# the tools they are measured against, in one run.
#
# usage: bench/run.sh [PATH-TO-SMOOTHVER]
#
# Corpora (built under a temporary directory):
#   otp    a copy of the system's OTP tree (/usr/lib/erlang; symlinks that
#          lead outside it are dropped), about 3,500 files / 100 MB
#   synth  a synthetic tree of 50,000 small files in 500 directories
# Measured (wall time, best of 3; peak RSS from /usr/bin/time):
#   pack:  smoothver pack (gzip)           vs
#          tar --sort=name ... | gzip -n   + sha256sum of every file
#          tar --sort=name ... | pigz -n -p 2 + sha256sum of every file
#   diff:  smoothver diff of two copies, cold (no cache) and warm (cache)
#          vs a cold sha256sum of every file of both trees
# Targets (bench/README.md): pack <= 0.5x the gzip pipeline and no slower
# than pigz; warm diff < 100 ms, cold diff <= 1.5x sha256sum; peak RSS
# < 64 MB.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
sv=${1:-$top/_build/gcc/smoothver}
[ -x "$sv" ] || { echo "bench: build smoothver first (ci/test.sh) or name it" >&2; exit 2; }
for tool in pigz tar gzip sha256sum /usr/bin/time; do
	command -v "$tool" >/dev/null || { echo "bench: needs $tool (apt-get install pigz time)" >&2; exit 2; }
done
[ -d /usr/lib/erlang ] || { echo "bench: needs /usr/lib/erlang (apt-get install erlang)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/smoothver-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export HOME="$work/home" LC_ALL=C
mkdir -p "$HOME"

# A corpus copy without symlinks that lead outside it.
copy_otp() {
	cp -a /usr/lib/erlang "$1"
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

# best3 CMD...: the best wall time of three runs, in milliseconds.
best3() {
	best=
	for _ in 1 2 3; do
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
echo "smoothver: $("$sv" --version); $(tar --version | head -n 1); gzip $(gzip --version | head -n 1 | awk '{print $2}'); pigz $(pigz --version 2>&1 | awk '{print $2}')"
echo

copy_otp "$work/otp"
synth "$work/synth"

printf '%-8s %-44s %9s %12s %9s\n' corpus command "ms" "bytes" "rss MB"
for c in otp synth; do
	d="$work/$c"
	files=$(find "$d" -type f | wc -l)
	hash="find $d -type f -print0 | xargs -0 sha256sum"
	t_sv=$(best3 "SMOOTHVER_NO_CACHE=1 $sv pack -q --version 1.0.0 -o $work/$c.sv.tgz $d")
	m_sv=$(rss "SMOOTHVER_NO_CACHE=1 $sv pack -q --version 1.0.0 -o $work/$c.sv.tgz $d")
	t_gz=$(best3 "tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C $d -cf - . | gzip -n >$work/$c.gz.tgz; $hash")
	t_pz=$(best3 "tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C $d -cf - . | pigz -n -p 2 >$work/$c.pz.tgz; $hash")
	printf '%-8s %-44s %9s %12s %9s\n' "$c" "smoothver pack ($files files)" "$t_sv" "$(wc -c <"$work/$c.sv.tgz")" "$((m_sv / 1024))"
	printf '%-8s %-44s %9s %12s %9s\n' "$c" "tar | gzip -n + sha256sum" "$t_gz" "$(wc -c <"$work/$c.gz.tgz")" -
	printf '%-8s %-44s %9s %12s %9s\n' "$c" "tar | pigz -n -p 2 + sha256sum" "$t_pz" "$(wc -c <"$work/$c.pz.tgz")" -
	echo "$c: pack/gzip = $(awk -v a="$t_sv" -v b="$t_gz" 'BEGIN { printf "%.2f", a / b }')x (target <= 0.5), pack/pigz = $(awk -v a="$t_sv" -v b="$t_pz" 'BEGIN { printf "%.2f", a / b }')x (target <= 1.0)"
done
echo

cp -a "$work/otp" "$work/otp2"
t_cold=$(best3 "SMOOTHVER_NO_CACHE=1 $sv diff $work/otp $work/otp2")
"$sv" diff "$work/otp" "$work/otp2" >/dev/null
sleep 1
"$sv" diff "$work/otp" "$work/otp2" >/dev/null
t_warm=$(best3 "$sv diff $work/otp $work/otp2")
m_diff=$(rss "SMOOTHVER_NO_CACHE=1 $sv diff $work/otp $work/otp2")
t_sha=$(best3 "find $work/otp $work/otp2 -type f -print0 | xargs -0 sha256sum")
printf '%-8s %-44s %9s %12s %9s\n' otp "smoothver diff, cold (no cache)" "$t_cold" - "$((m_diff / 1024))"
printf '%-8s %-44s %9s %12s %9s\n' otp "smoothver diff, warm (index cache)" "$t_warm" - -
printf '%-8s %-44s %9s %12s %9s\n' otp "sha256sum of both trees" "$t_sha" - -
echo "diff: warm $t_warm ms (target < 100), cold/sha256sum = $(awk -v a="$t_cold" -v b="$t_sha" 'BEGIN { printf "%.2f", a / b }')x (target <= 1.5)"
