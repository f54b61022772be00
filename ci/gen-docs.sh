#!/bin/sh
# gen-docs.sh - regenerate what comes from smoothver's command table: the
# bash/zsh/fish completions and the NAME, SYNOPSIS and OPTIONS (and, for
# smoothver(1), COMMANDS) sections of the man pages.
#
# usage: ci/gen-docs.sh [--check] [PATH-TO-SMOOTHVER]
#
# Without --check the files in completions/ and man/ are rewritten in
# place. With --check nothing is written: differences are shown and the
# exit status is 1 if any file has drifted from the table.
set -eu

check=no
if [ "${1:-}" = "--check" ]; then
	check=yes
	shift
fi
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$top/smoothver}
[ -x "$bin" ] || { echo "gen-docs.sh: no smoothver binary at '$bin' (build first)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
drift=0

# update FILE GENERATED: install GENERATED as FILE, or compare in --check.
update() {
	if [ "$check" = yes ]; then
		if ! cmp -s "$2" "$1"; then
			echo "gen-docs.sh: '$1' has drifted from the command table:" >&2
			diff -u "$1" "$2" >&2 || true
			drift=1
		fi
	elif ! cmp -s "$2" "$1"; then
		cp "$2" "$1.tmp" && mv "$1.tmp" "$1"
		echo "updated $1"
	fi
}

"$bin" __complete bash >"$tmp/bash"
"$bin" __complete zsh >"$tmp/zsh"
"$bin" __complete fish >"$tmp/fish"
update "$top/completions/bash/smoothver" "$tmp/bash"
update "$top/completions/zsh/_smoothver" "$tmp/zsh"
update "$top/completions/fish/smoothver.fish" "$tmp/fish"

# splice MANPAGE PART BLOCK: replace the lines from ".\" begin generated
# PART" to ".\" end generated PART" in MANPAGE with BLOCK.
splice() {
	if ! grep -q "^\.\\\\\" begin generated $2:" "$1" ||
	   ! grep -q "^\.\\\\\" end generated $2\$" "$1"; then
		echo "gen-docs.sh: '$4' lacks the markers of its generated $2 part" >&2
		drift=1
		cat "$1"
		return
	fi
	awk -v part="$2" -v block="$3" '
		index($0, ".\\\" begin generated " part ":") == 1 {
			while ((getline line < block) > 0) print line
			close(block); skip = 1; next
		}
		skip && $0 == ".\\\" end generated " part { skip = 0; next }
		!skip { print }
	' "$1"
}

for page in "$top"/man/smoothver.1 "$top"/man/smoothver-*.1; do
	[ -f "$page" ] || continue
	name=$(basename "$page" .1)
	cmd=${name#smoothver}
	cmd=${cmd#-}
	cp "$page" "$tmp/page"
	for part in synopsis options; do
		"$bin" __man $part $cmd >"$tmp/block"
		splice "$tmp/page" $part "$tmp/block" "$page" >"$tmp/page.new"
		mv "$tmp/page.new" "$tmp/page"
	done
	update "$page" "$tmp/page"
done

# Every visible command must have its page.
for cmd in $("$bin" __complete bash | sed -n 's/^	\([a-z][a-z-]*\))$/\1/p'); do
	[ "$cmd" = help ] && continue
	if [ ! -f "$top/man/smoothver-$cmd.1" ]; then
		echo "gen-docs.sh: command '$cmd' has no man/smoothver-$cmd.1" >&2
		drift=1
	fi
done
exit $drift
