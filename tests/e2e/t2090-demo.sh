#!/bin/sh
# The demos the README begins with, run as a new user would run them
# (with the binary under test): ci/demo.sh on examples/tally (rebar3) and
# ci/demo.sh --mix on examples/tally_ex (mix). Each must end well, and
# the client's side of the conversation must show the live upgrades: the
# same connection, the state migrated, the new code answering.
. "$SV_SRCDIR/tests/e2e/lib.sh"
OTP_DIR=$SV_SRCDIR/tests/otp
. "$OTP_DIR/lib.sh"

if ! otp_have_erl; then
	echo "1..0 # SKIP erl not installed (Debian: erlang)"
	exit 0
fi

# demo_ok LOG APP: the client saw 1.0.0, 1.1.0 and 1.1.1 on one
# connection (one process id in every `version` answer), and its quit
# answered. (The demo shows the client's lines as it waits for them: the
# server closing the connection after "bye" comes too late to be shown.)
demo_ok() {
	contains "$1" "client | < $2 1.1.0, connection" &&
	contains "$1" "client | < $2 1.1.1, connection" &&
	test "$(grep -o "client | < $2 1\.[01]\.[01], connection <[0-9.]*>" "$1" |
		sed "s/.*connection //" | sort -u | wc -l)" = 1 &&
	contains "$1" "client | < apples=3 pears=1 (total 4)" &&
	contains "$1" "client | < bye"
}

if command -v rebar3 >/dev/null 2>&1; then
	test_expect_success 'ci/demo.sh: examples/tally from two builds to live upgrades' '
		TMPDIR=$PWD SMOOTHVER=$SMOOTHVER sh "$SV_SRCDIR/ci/demo.sh" >log 2>&1 || { cat log; exit 1; }
		demo_ok log tally &&
		contains log "client | < apples = 4 (+1)" &&
		test -z "$(ls -A . | grep -v "^log$")"
	'
else
	test_count=$((test_count + 1))
	echo "ok $test_count - ci/demo.sh # SKIP rebar3 not installed"
fi

if command -v mix >/dev/null 2>&1; then
	test_expect_success 'ci/demo.sh --mix: examples/tally_ex, consolidated protocols reloaded' '
		TMPDIR=$PWD SMOOTHVER=$SMOOTHVER sh "$SV_SRCDIR/ci/demo.sh" --mix >log 2>&1 || { cat log; exit 1; }
		demo_ok log tally_ex &&
		contains log "M reload  releases/1.1.1/consolidated/Elixir.String.Chars.beam" &&
		contains log "client | < apples=4 pears=6 (total 10)" &&
		test -z "$(ls -A . | grep -v "^log$")"
	'
else
	test_count=$((test_count + 1))
	echo "ok $test_count - ci/demo.sh --mix # SKIP mix not installed"
fi

test_done
