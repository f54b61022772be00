#!/bin/sh
# The command line as a whole: help, usage errors, colour, stdout failures.
. "$SV_SRCDIR/tests/e2e/lib.sh"

test_expect_success '--version' '
	sv 0 --version && contains out "smoothver " && expect_empty err &&
	sv 2 compare --version 1.0.0 1.0.1 && contains err "unknown option '\''--version'\''"
'

test_expect_success '-h, --help and help agree and go to stdout' '
	sv 0 -h && cp out h1 && sv 0 --help && cmp h1 out && sv 0 help && cmp h1 out &&
	contains h1 "usage: smoothver [options] COMMAND [ARGS]" &&
	for c in compare bump version tag log; do contains h1 "  $c " || exit 1; done &&
	sv 0 tag -h && cp out t1 && sv 0 help tag && cmp t1 out && sv 0 tag --help && cmp t1 out &&
	contains t1 "usage: smoothver tag [-m MSG] [-n] [--allow-dirty] [--auto] [--from OLD] [-f] [--prefix PREFIX] LEVEL|VERSION [VERSION]" &&
	contains t1 "--allow-dirty" && expect_empty err
'

test_expect_success '-h wins over missing arguments and needs no repository' '
	mkdir x && cd x && GIT_CEILING_DIRECTORIES=$PWD/.. && export GIT_CEILING_DIRECTORIES &&
	sv 0 compare -h && contains out "usage: smoothver compare" &&
	sv 0 version -h && contains out "usage: smoothver version"
'

test_expect_success 'help --json is the command table' '
	sv 0 help --json && expect_json .schema smoothver.help/1 &&
	expect_json "[.commands[].name] | join(\",\")" compare,bump,version,tag,log,index,diff,appup,relup,check,pack,try-upgrade,publish,fetch,verify,ls,gc,deploy,keygen,help &&
	expect_json ".commands[3].usage" "smoothver tag [-m MSG] [-n] [--allow-dirty] [--auto] [--from OLD] [-f] [--prefix PREFIX] LEVEL|VERSION [VERSION]" &&
	expect_json ".commands[3].options[0].short" m &&
	expect_json ".commands[3].options[1].value" null &&
	expect_json "[.global_options[].name] | join(\",\")" directory,json,quiet,color,help,version &&
	sv 0 help tag --json && expect_json ".commands | length" 1
'

test_expect_success 'hidden commands are not listed' '
	sv 0 -h && lacks out __complete && lacks out __man &&
	sv 2 help __man && contains err "unknown command '\''__man'\''"
'

test_expect_success 'usage errors: one line and where to get help, exit 2' '
	sv 2 && contains err "smoothver: error: no command given" &&
	sv 2 frobnicate && expect_err "smoothver: error: unknown command '\''frobnicate'\''
hint: see '\''smoothver -h'\''" &&
	sv 2 --bogus compare && expect_err "smoothver: error: unknown option '\''--bogus'\''
hint: see '\''smoothver -h'\''" &&
	sv 2 --color=sometimes compare 1.0.0 1.0.1 && contains err "expected one of: auto always never" &&
	sv 2 -C && contains err "option '\''-C'\'' needs a value (DIR)" &&
	expect_empty out
'

test_expect_success 'global options before or after the command' '
	sv 0 --json compare 1.0.0 1.0.1 && cp out a &&
	sv 0 compare 1.0.0 1.0.1 --json && cmp a out &&
	sv 0 compare --json 1.0.0 1.0.1 && cmp a out
'

test_expect_success 'colour: never by default off a terminal, always on request, NO_COLOR' '
	sv 0 compare 1.0.0 1.0.1 && expect_out reload &&
	sv 0 --color=always compare 1.0.0 1.0.1 && printf "\033[32mreload\033[m\n" >want && cmp want out &&
	NO_COLOR=1 sv 0 --color=always compare 1.0.0 1.0.1 && cmp want out &&
	sv 2 --color=always compare 1.0 1.0.1 && contains err "[1;31merror" &&
	sv 2 --color=never compare 1.0 1.0.1 && contains err "smoothver: error:"
'

test_expect_success 'colour on a terminal unless NO_COLOR or TERM=dumb' '
	command -v script >/dev/null || exit 0
	TERM=xterm script -qec "$SMOOTHVER compare 1.0.0 1.0.1" /dev/null >tty &&
	contains tty "[32mreload" &&
	NO_COLOR=1 TERM=xterm script -qec "$SMOOTHVER compare 1.0.0 1.0.1" /dev/null >tty &&
	lacks tty "[32m" && contains tty reload &&
	TERM=dumb script -qec "$SMOOTHVER compare 1.0.0 1.0.1" /dev/null >tty &&
	lacks tty "[32m"
'

test_expect_success 'a failure to write stdout is an error (exit 3)' '
	test -w /dev/full || exit 0
	set +e; "$SMOOTHVER" compare 1.0.0 1.0.1 >/dev/full 2>err; rc=$?; set -e
	test $rc -eq 3 && contains err "cannot write to standard output"
'

test_expect_success 'libgit2, libarchive and libcrypto are loaded only when used' '
	LD_DEBUG=files "$SMOOTHVER" --version >out 2>ld &&
	grep -q "file=" ld || { echo "# no LD_DEBUG (not glibc)"; exit 0; }
	lacks ld libgit2 && lacks ld libarchive && lacks ld libcrypto &&
	new_repo && LD_DEBUG=files "$SMOOTHVER" log >out 2>ld &&
	contains ld "file=libgit2.so" && lacks ld libarchive
'

test_expect_success 'errors never go to stdout, even with --json' '
	sv 2 --json compare 1.0 1.0.1 && expect_empty out && contains err "invalid version"
'

# A libgit2 that cannot be loaded (hidden in a mount namespace of our
# own) is said: not taken for "no repository here".
_git_lib=$(ldconfig -p 2>/dev/null | awk '/libgit2\.so\./ { print $NF; exit }')
if [ -n "$_git_lib" ] && unshare -m true 2>/dev/null; then
	GIT_LIB=$(readlink -f "$_git_lib")
	export GIT_LIB
	test_expect_success 'a libgit2 that cannot be loaded: a warning, and the answer' '
		new_repo &&
		unshare -m sh -c "mount --bind /dev/null \"\$GIT_LIB\" &&
			exec \"\$SMOOTHVER\" compare v1.0.0 v1.0.1" >out 2>err &&
		expect_out reload &&
		contains err "smoothver: warning: cannot load libgit2" &&
		contains err "the repository'"'"'s configuration is not read"
	'
else
	test_count=$((test_count + 1))
	echo "ok $test_count - a libgit2 that cannot be loaded # SKIP no libgit2 in ldconfig, or unshare -m not permitted"
fi

test_done
