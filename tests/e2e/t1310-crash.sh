#!/bin/sh
# publish under interruption and under concurrency: the store stays
# consistent, a re-publish succeeds, exactly one racer moves the pointer.
. "$SV_SRCDIR/tests/e2e/lib.sh"

check() { python3 "$SV_SRCDIR/tests/e2e/store-check.py" "$1"; }

# mkapp DIR WORD [KB]: a release tree whose content depends on WORD, with
# KB kilobytes of incompressible data (so the package takes many writes).
mkapp() {
	mkdir -p "$1/bin" "$1/lib"
	printf '#!/bin/sh\necho %s\n' "$2" >"$1/bin/app"
	chmod +x "$1/bin/app"
	printf 'beam %s\n' "$2" >"$1/lib/app.beam"
	if [ "${3:-0}" -gt 0 ]; then
		head -c "$(( $3 * 1024 ))" /dev/urandom >"$1/lib/blob"
	fi
}

test_expect_success 'killed at every write step, the store stays consistent and publish resumes' '
	mkapp v1 one && sv 0 publish v1 --name app --version 1.0.0 --store base --expect-empty &&
	mkapp v2 two 1200 && sv 0 pack v2 --name app --version 1.1.0 &&
	k=1 crashed=0 &&
	while :; do
		rm -rf st && cp -R base st &&
		set +e
		SMOOTHVER_TEST_CRASH_AFTER=$k "$SMOOTHVER" publish app-1.1.0.tar.gz \
			--store st --expect-latest 1.0.0 --compat-names >/dev/null 2>&1
		rc=$?
		set -e
		case $rc in
		0) break ;;
		137) crashed=$((crashed + 1)) ;;
		*) echo "step $k: exit $rc" >&2; exit 1 ;;
		esac
		check st || { echo "inconsistent after a kill at step $k" >&2; exit 1; }
		latest=$(cat st/app-latest) &&
		case $latest in 1.0.0|1.1.0) ;; *) echo "latest $latest" >&2; exit 1 ;; esac
		sv 0 fetch app --store st -o "got$k" && rm -rf "got$k" &&
		sv 0 publish app-1.1.0.tar.gz --store st --expect-latest 1.0.0 --compat-names ||
			{ echo "re-publish after a kill at step $k failed" >&2; exit 1; }
		check st && test "$(cat st/app-latest)" = 1.1.0 &&
		cmp st/app-1.1.0.tar.gz app-1.1.0.tar.gz &&
		k=$((k + 1))
	done &&
	echo "$crashed interruption points" &&
	test "$crashed" -ge 50 && check st && test "$(cat st/app-latest)" = 1.1.0
'

test_expect_success 'killed at random moments (kill -9), the store stays consistent' '
	mkapp v1 one && sv 0 publish v1 --name app --version 1.0.0 --store st --expect-empty &&
	i=0 kills=0 && while [ $i -lt 12 ]; do
		i=$((i + 1))
		rm -rf v2 && mkapp v2 "two$i" 12000 || exit 1
		"$SMOOTHVER" publish v2 --name app --version "1.0.$i" --store st \
			--expect-latest "1.0.$((i - 1))" >/dev/null 2>&1 &
		pid=$!
		sleep "0.0$(( (i * 7) % 10 ))"
		kill -9 $pid 2>/dev/null
		rc=0 && wait $pid || rc=$?
		[ $rc -ne 137 ] || kills=$((kills + 1))
		check st || exit 1
		latest=$(cat st/app-latest) &&
		if [ "$latest" != "1.0.$i" ]; then
			test "$latest" = "1.0.$((i - 1))" &&
			sv 0 publish v2 --name app --version "1.0.$i" --store st \
				--expect-latest "1.0.$((i - 1))"
		fi &&
		check st && test "$(cat st/app-latest)" = "1.0.$i" || exit 1
	done &&
	echo "$kills of 12 publishes killed" && test $kills -ge 6 &&
	sv 0 fetch app --store st -o got && diff -r v2 got
'

# alive PID: the process runs (a zombie, ended but not waited for, does
# not count).
alive() {
	kill -0 "$1" 2>/dev/null &&
		! grep -q "^State:.*Z" "/proc/$1/status" 2>/dev/null
}

# nap: a millisecond between two looks at a condition.
nap() { perl -e "select(undef, undef, undef, 0.001)"; }

# wait_file F PID: wait until F exists (10 s at most), or fail if PID ends.
wait_file() {
	_n=0
	while [ ! -e "$1" ]; do
		alive "$2" || { echo "process $2 ended before $1" >&2; return 1; }
		_n=$((_n + 1))
		[ $_n -lt 10000 ] || { echo "no $1 after 10 s" >&2; return 1; }
		nap
	done
}

# reap PID: wait for the background process PID to end (10 s at most,
# then it is killed and this fails) and set rc to its exit status.
reap() {
	_n=0
	while alive "$1"; do
		_n=$((_n + 1))
		if [ $_n -ge 10000 ]; then
			kill -9 "$1" 2>/dev/null
			wait "$1" 2>/dev/null
			echo "process $1 still ran 10 s after the signal" >&2
			return 1
		fi
		nap
	done
	rc=0 && wait "$1" || rc=$?
}

# A background job of a non-interactive shell starts with SIGINT ignored,
# a suite run under nohup has SIGHUP ignored, and smoothver keeps an
# inherited ignored signal ignored (as nohup wants): the publishes that
# are to see these signals start with them at default.

test_expect_success 'interrupted (SIGTERM, SIGINT, SIGHUP) at every store step, publish leaves no temporary file behind' '
	mkdir tmp && export TMPDIR=$PWD/tmp &&
	mkapp v1 one && sv 0 publish v1 --name app --version 1.0.0 --store st --expect-empty &&
	mkapp v2 two 300 &&
	k=1 && while :; do
		for sig in TERM INT HUP; do
			rm -f paused
			SMOOTHVER_TEST_PAUSE_AFTER=$k SMOOTHVER_TEST_PAUSE_FILE=$PWD/paused \
			env --default-signal=INT,HUP,TERM "$SMOOTHVER" publish v2 --name app \
				--version 1.0.1 --store st --expect-latest 1.0.0 >/dev/null 2>&1 &
			pid=$!
			if wait_file paused $pid; then
				test -n "$(ls tmp)" || { kill -9 $pid; echo "step $k: no temporary file to leave" >&2; exit 1; }
				kill -s $sig $pid
			fi
			reap $pid || exit 1
			# Ended before step k: every step has been interrupted.
			[ $rc -ne 0 ] || break 2
			test $rc -gt 128 || { echo "step $k, $sig: exit $rc" >&2; exit 1; }
			check st && test -z "$(ls tmp)" && test -z "$(ls st/tmp)" ||
				{ echo "step $k, $sig: left behind: $(ls tmp st/tmp)" >&2; exit 1; }
			test "$(cat st/app-latest)" = 1.0.0 || break 2
		done
		k=$((k + 1))
	done &&
	echo "interrupted at $k steps" && test $k -ge 5 && check st
'

test_expect_success 'an ignored SIGHUP stays ignored (nohup); SIGINT and SIGTERM still clean up' '
	mkdir tmp && export TMPDIR=$PWD/tmp &&
	mkapp v1 one && sv 0 publish v1 --name app --version 1.0.0 --store st --expect-empty &&
	mkapp v2 two 300
	# Not part of the list above: "a && b &" would put a in the background too.
	SMOOTHVER_TEST_PAUSE_AFTER=2 SMOOTHVER_TEST_PAUSE_FILE=$PWD/paused \
	nohup "$SMOOTHVER" publish v2 --name app --version 1.0.1 --store st \
		--expect-latest 1.0.0 >/dev/null 2>&1 &
	pid=$!
	wait_file paused $pid || { kill -9 $pid; exit 1; }
	# SigIgn is a hex mask, bit N-1 for signal N: SIGHUP (1) is bit 0.
	ign=$(sed -n "s/^SigIgn:[[:space:]]*//p" /proc/$pid/status) &&
	test $(( 0x$ign & 1 )) -eq 1 &&
	# Signals arrive in order: had SIGHUP been taken, it would end the
	# process first, with status 129.
	kill -s HUP $pid && kill -s TERM $pid && reap $pid &&
	test $rc -eq 143 && test -z "$(ls tmp)" && test -z "$(ls st/tmp)" && check st
'

# race N: N publishers of different versions (and one of a version with
# other content) from the same base; exactly one wins.
race() {
	n=$1
	mkapp v0 base && sv 0 publish v0 --name app --version 1.0.0 --store st --expect-empty
	i=1
	while [ $i -le "$n" ]; do
		mkapp "r$i" "racer$i" 200 && sv 0 pack "r$i" --name app --version "1.$i.0" -o "r$i.tar.gz" || return 1
		i=$((i + 1))
	done
	i=1
	while [ $i -le "$n" ]; do
		( set +e; "$SMOOTHVER" publish "r$i.tar.gz" --store st --expect-latest 1.0.0 >"o$i" 2>"e$i"; echo $? >"rc$i" ) &
		i=$((i + 1))
	done
	wait
	cat rc* | sort | uniq -c | sed "s/^ *//" | tr "\n" " " >codes
	echo "exit codes: $(cat codes)"
	test "$(cat codes)" = "1 0 $((n - 1)) 4 " || return 1
	winner=$(grep -l "^0$" rc* | sed "s/rc//")
	test "$(cat st/app-latest)" = "1.$winner.0" || return 1
	for f in e[0-9]*; do
		[ "$f" = "e$winner" ] && continue
		grep -q "store moved: latest is 1.$winner.0 (expected 1.0.0)" "$f" || return 1
	done
	test "$(ls st/releases/app | tr "\n" " ")" = "1.0.0.json 1.$winner.0.json " || return 1
	check st && sv 0 fetch app --store st -o got && diff -r "r$winner" got
}

test_expect_success 'two publishers race from the same base: one moves the pointer' '
	race 2
'

test_expect_success 'ten publishers race from the same base: one moves the pointer' '
	race 10 && sv 0 gc --store st && check st &&
	test "$(ls st/blobs/sha256 | wc -l)" = 4
'

test_expect_success 'racers publishing the same version with different content: one wins' '
	mkapp v0 base && sv 0 publish v0 --name app --version 1.0.0 --store st --expect-empty &&
	for i in 1 2 3 4 5 6; do
		mkapp "s$i" "same$i" 100 && sv 0 pack "s$i" --name app --version 1.1.0 -o "s$i.tar.gz" --manifest "s$i.json" || exit 1
	done &&
	for i in 1 2 3 4 5 6; do
		( set +e; "$SMOOTHVER" publish "s$i.tar.gz" --manifest "s$i.json" --store st --expect-latest 1.0.0 >/dev/null 2>"e$i"; echo $? >"rc$i" ) &
	done; wait &&
	test "$(cat rc* | sort | tr "\n" " ")" = "0 4 4 4 4 4 " &&
	winner=$(grep -l "^0$" rc* | sed "s/rc//") &&
	test "$(jq -r .package st/releases/app/1.1.0.json)" = "$(sha256sum <s$winner.tar.gz | cut -d" " -f1)" &&
	check st
'

test_done
