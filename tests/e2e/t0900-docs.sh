#!/bin/sh
# The command table, the man pages and the completions must agree.
. "$SV_SRCDIR/tests/e2e/lib.sh"

test_expect_success 'generated man sections and completions match the table' '
	"$SV_SRCDIR/ci/gen-docs.sh" --check "$SMOOTHVER"
'

test_expect_success 'every command has a man page and is listed in smoothver(1)' '
	for c in $("$SMOOTHVER" __complete bash | sed -n "s/^	\([a-z][a-z-]*\))\$/\1/p"); do
		test "$c" = help && continue
		test -f "$SV_SRCDIR/man/smoothver-$c.1" || { echo "no page for $c"; exit 1; }
		r=$(echo "$c" | sed "s/-/\\\\\\\\-/g") &&
		grep -q "^\.BR smoothver\\\\-$r (1)" "$SV_SRCDIR/man/smoothver.1" || { echo "$c not in smoothver.1"; exit 1; }
		grep -q "man/smoothver-$c.1" "$SV_SRCDIR/Makefile.am" || { echo "$c page not installed"; exit 1; }
	done
'

test_expect_success 'every option in -h is in the man page, and the reverse' '
	for c in compare bump version tag log; do
		"$SMOOTHVER" $c -h | sed -n "/^options:/,/^\$/s/.*--\([a-z-]*\).*/\1/p" | sort >h
		sed -n "/begin generated options/,/end generated options/s/.*\\\\fB\\\\-\\\\-\([a-z\\\\-]*\)\\\\fR.*/\1/p" \
			"$SV_SRCDIR/man/smoothver-$c.1" | sed "s/\\\\-/-/g" | sort >m
		diff -u h m || { echo "options of $c differ"; exit 1; }
	done
'

test_expect_success 'man pages are lint-clean (mandoc -Tlint)' '
	command -v mandoc >/dev/null || { echo "# mandoc not installed"; exit 0; }
	mandoc -Tlint -W warning "$SV_SRCDIR"/man/*.1 "$SV_SRCDIR"/man/*.7 >lint 2>&1 || true
	expect_empty lint
'

test_expect_success 'exit statuses 0-3 are documented in smoothver(1)' '
	sed -n "/^\.SH EXIT STATUS/,/^\.SH /p" "$SV_SRCDIR/man/smoothver.1" >es &&
	for n in 0 1 2 3; do grep -qx "\.B $n" es || { echo "status $n undocumented"; exit 1; }; done &&
	contains es usage
'

test_expect_success 'bash completion: commands, options, values' '
	command -v bash >/dev/null || exit 0
	cat >c.bash <<-\EOT
	. "$SV_SRCDIR/completions/bash/smoothver"
	comp() { COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMPREPLY=(); _smoothver; echo "${COMPREPLY[*]}"; }
	comp smoothver co
	comp smoothver tag --d
	comp smoothver tag re
	comp smoothver version --next r
	comp smoothver --color a
	comp smoothver help ta
	comp smoothver -C ""
	EOT
	bash c.bash >got &&
	printf "%s\n" compare "--dry-run --directory" "reload relup restart" "reload relup restart" \
		"auto always" tag "" >want &&
	diff -u want got
'

test_expect_success 'zsh and fish completions parse' '
	if command -v zsh >/dev/null; then zsh -n "$SV_SRCDIR/completions/zsh/_smoothver"; fi &&
	if command -v fish >/dev/null; then fish -n "$SV_SRCDIR/completions/fish/smoothver.fish"; fi
'

test_done
