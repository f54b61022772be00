# tests/otp/lib.sh - build, package and live-upgrade the OTP fixture
# release "petal" (see tests/otp/README.md). POSIX sh; source it.
#
#   otp_have_erl                      erl, erlc and escript are installed
#   otp_scenarios_live                scenarios that run live (have an expect file)
#   otp_erlc_opts SCENARIO            the erlc options a scenario builds with
#   otp_build SCENARIO OUTROOT [ERLC OPTIONS...]
#   otp_build_rebar3 SCENARIO OUTROOT
#   otp_revsn SRC DST VSN
#   otp_install_expected SCENARIO NEWROOT
#   otp_relup NEWROOT OLDROOT...
#   otp_package NEWROOT OUTDIR [OLDROOT]
#   otp_target OLDROOT TARGET
#   otp_live TARGET PKG OLDVSN NEWVSN EXPECTFILE
#   otp_live_steps TARGET STEPSFILE [PKG...]
#
# Every function runs in a subshell of its own (no variables leak, traps
# stay inside) and returns non-zero with a message on stderr when it
# fails, whether or not the caller has set -e.
#
# The fixtures are found in $OTP_DIR, by default $SV_SRCDIR/tests/otp.
# $OTP_ROOT is the Erlang installation (default: where `erl` lives).

: "${OTP_DIR:=${SV_SRCDIR:-.}/tests/otp}"

otp_have_erl() {
	command -v erl >/dev/null 2>&1 && command -v erlc >/dev/null 2>&1 &&
		command -v escript >/dev/null 2>&1
}

_otp_die() {
	echo "otp: $*" >&2
	exit 1
}

# The Erlang installation: $OTP_ROOT or the root of the erl on PATH.
_otp_root() {
	if [ -n "${OTP_ROOT:-}" ]; then
		echo "$OTP_ROOT"
	else
		erl -noshell -eval 'io:put_chars(code:root_dir()), halt().'
	fi
}

_otp_escript() {
	escript "$OTP_DIR/otp.escript" "$@"
}

otp_scenarios_live() {
	for _d in "$OTP_DIR"/scenarios/*/; do
		[ -f "$_d/expect" ] && basename "$_d"
	done
	return 0
}

otp_erlc_opts() {
	if [ -f "$OTP_DIR/scenarios/$1/erlc-opts" ]; then
		grep -v '^#' "$OTP_DIR/scenarios/$1/erlc-opts" | tr '\n' ' '
	else
		echo +debug_info
	fi
}

# _otp_stage SCENARIO DIR: base, plus the scenario's overlay, in DIR.
_otp_stage() (
	cp -R "$OTP_DIR/base/." "$2/" || exit 1
	[ "$1" = base ] || _otp_overlay "$1" "$2"
)

# _otp_overlay SCENARIO DIR: the scenario's overlay over DIR - first those
# of the scenarios its "on" file names, in order (each with what it builds
# on), then its own DELETE and files.
_otp_overlay() (
	_s=$OTP_DIR/scenarios/$1
	[ -d "$_s" ] || _otp_die "no scenario $1 in $OTP_DIR/scenarios"
	case " ${_OTP_ON:-} " in
	*" $1 "*) _otp_die "scenario $1 builds on itself (on:${_OTP_ON:-})" ;;
	esac
	if [ -f "$_s/on" ]; then
		for _o in $(grep -v '^#' "$_s/on"); do
			_OTP_ON="${_OTP_ON:-} $1" _otp_overlay "$_o" "$2" || exit 1
		done
	fi
	if [ -f "$_s/DELETE" ]; then
		while read -r _p; do
			case $_p in '' | '#'*) continue ;; esac
			[ -e "$2/$_p" ] || _otp_die "$1/DELETE: no $_p in base"
			rm -rf "${2:?}/$_p"
		done <"$_s/DELETE"
	fi
	for _part in release config apps; do
		if [ -e "$_s/$_part" ]; then
			cp -R "$_s/$_part" "$2/" || exit 1
		fi
	done
)

# otp_build SCENARIO OUTROOT [ERLC OPTIONS...]
# Compiles base (+ the scenario's overlay) with erlc into a release root
# laid out like relx's: lib/App-Vsn/{ebin,priv}, releases/Vsn/{Name.rel,
# start.boot,sys.config}, releases/start_erl.data, kernel, stdlib and sasl.
# Options default to the scenario's erlc-opts file, else +debug_info. A
# root that holds a release already keeps it; start_erl.data names the
# new one.
otp_build() (
	[ $# -ge 2 ] || _otp_die "usage: otp_build SCENARIO OUTROOT [ERLC OPTIONS...]"
	_sc=$1 _out=$2
	shift 2
	if [ $# -eq 0 ]; then
		# shellcheck disable=SC2046
		set -- $(otp_erlc_opts "$_sc")
	fi
	_stage=$(mktemp -d "${TMPDIR:-/tmp}/otp-stage.XXXXXX") || exit 1
	trap 'rm -rf "$_stage"' EXIT
	_otp_stage "$_sc" "$_stage" || exit 1
	_apps=$(awk '$1 == "apps" { for (i = 2; i <= NF; i++) print $i }' "$_stage/release")
	[ -n "$_apps" ] || _otp_die "$_sc: no apps line in release"
	for _a in $_apps; do
		mkdir -p "$_stage/_beams/$_a" || exit 1
		erlc -o "$_stage/_beams/$_a" -pa "$_stage/_beams/$_a" "$@" \
			"$_stage/apps/$_a/src/"*.erl || _otp_die "$_sc: erlc failed for $_a"
	done
	mkdir -p "$_out" || exit 1
	_otp_escript release "$_out" "$_stage" "${OTP_ROOT:-}" ||
		_otp_die "$_sc: cannot lay out the release in $_out"
)

# otp_build_rebar3 SCENARIO OUTROOT
# The same release built by a generated rebar3 project (`rebar3 release`,
# relx, include_erts false), offline and with a sealed HOME. A release
# already in OUTROOT is put where rebar3 keeps its output first, so the
# root ends up holding both versions, as rebar3 leaves it.
otp_build_rebar3() (
	[ $# -eq 2 ] || _otp_die "usage: otp_build_rebar3 SCENARIO OUTROOT"
	command -v rebar3 >/dev/null 2>&1 || _otp_die "rebar3 is not installed"
	_sc=$1 _out=$2
	_p=$(mktemp -d "${TMPDIR:-/tmp}/otp-rebar3.XXXXXX") || exit 1
	trap 'rm -rf "$_p"' EXIT
	_otp_stage "$_sc" "$_p" || exit 1
	_name=$(awk '$1 == "name" { print $2 }' "$_p/release")
	_vsn=$(awk '$1 == "vsn" { print $2 }' "$_p/release")
	_apps=$(awk '$1 == "apps" { for (i = 2; i <= NF; i++) printf ", %s", $i }' "$_p/release")
	_opts=$(otp_erlc_opts "$_sc" | sed 's/+//g; s/  */, /g; s/, *$//')
	{
		echo "{erl_opts, [$_opts]}."
		echo "{relx, [{release, {$_name, \"$_vsn\"}, [kernel, stdlib, sasl$_apps]},"
		echo "        {sys_config, \"config/sys.config\"},"
		echo "        {include_erts, false}, {include_src, false},"
		echo "        {dev_mode, false}, {extended_start_script, false}]}."
	} >"$_p/rebar.config"
	_rel=$_p/_build/default/rel/$_name
	if [ -d "$_out" ]; then
		mkdir -p "$_rel" && cp -R "$_out/." "$_rel/" || exit 1
	fi
	mkdir -p "$_p/home" "$_p/cache" || exit 1
	(cd "$_p" && HOME=$_p/home REBAR_CACHE_DIR=$_p/cache \
		REBAR_GLOBAL_CONFIG_DIR=$_p/home/.config/rebar3 REBAR_OFFLINE=1 \
		QUIET=1 rebar3 release) >"$_p/rebar3.log" 2>&1 || {
		cat "$_p/rebar3.log" >&2
		_otp_die "$_sc: rebar3 release failed"
	}
	rm -rf "$_out" && mkdir -p "$_out" && cp -R "$_rel/." "$_out/"
)

# otp_revsn SRC DST VSN: a copy of the release root SRC whose current
# release has the version VSN (its releases/ directory, .rel and
# start_erl.data renamed; the applications are the same).
otp_revsn() (
	cp -R "$1" "$2" || exit 1
	_old=$(cut -d" " -f2 "$2/releases/start_erl.data")
	[ "$_old" = "$3" ] && exit 0
	mv "$2/releases/$_old" "$2/releases/$3" || exit 1
	printf '%s %s\n' "$(cut -d" " -f1 "$2/releases/start_erl.data")" "$3" \
		>"$2/releases/start_erl.data"
	for _rel in "$2/releases/$3"/*.rel; do
		sed "s/^\({release, *{\"[^\"]*\", *\"\)$_old\"/\1$3\"/" "$_rel" \
			>"$_rel.tmp" && mv "$_rel.tmp" "$_rel" || exit 1
	done
)

# otp_install_expected SCENARIO NEWROOT: the scenario's hand-written
# expected/App.appup files into NEWROOT's current lib/App-Vsn/ebin.
otp_install_expected() (
	_e=$OTP_DIR/scenarios/$1/expected
	[ -d "$_e" ] || _otp_die "scenario $1 has no expected appups"
	_info=$(_otp_escript relinfo "$2") || exit 1
	for _f in "$_e"/*.appup; do
		_a=$(basename "$_f" .appup)
		_dir=$(echo "$_info" | sed -n "s/^\($_a-[^ ]*\)\$/\1/p")
		[ -n "$_dir" ] || _otp_die "$1: expected/$_a.appup but $_a is not in the new release"
		cp "$_f" "$2/lib/$_dir/ebin/$_a.appup" || exit 1
	done
)

# otp_relup NEWROOT OLDROOT...: NEWROOT/releases/Vsn/relup from the
# appups (systools:make_relup), with each OLDROOT's current release as a
# base to upgrade from and downgrade to; systools' complaint and status 1
# when it refuses.
otp_relup() (
	[ $# -ge 2 ] || _otp_die "usage: otp_relup NEWROOT OLDROOT..."
	_otp_escript relup "$@"
)

# otp_package NEWROOT OUTDIR [OLDROOT]: OUTDIR/Name-Vsn.tar.gz for
# release_handler:unpack_release/1 - releases/Name-Vsn.rel, releases/Vsn/
# and the lib dirs of the release; given OLDROOT, only those it lacks (a
# delta package). One gzip stream (GNU tar -z).
otp_package() (
	[ $# -ge 2 ] || _otp_die "usage: otp_package NEWROOT OUTDIR [OLDROOT]"
	_new=$1 _outd=$2 _old=${3:-}
	_info=$(_otp_escript relinfo "$_new") || exit 1
	# shellcheck disable=SC2046
	set -- $(echo "$_info" | sed -n 1p)
	_name=$1 _vsn=$2
	_st=$(mktemp -d "${TMPDIR:-/tmp}/otp-pkg.XXXXXX") || exit 1
	trap 'rm -rf "$_st"' EXIT
	mkdir -p "$_st/releases" "$_st/lib" "$_outd" || exit 1
	cp -R "$_new/releases/$_vsn" "$_st/releases/" || exit 1
	cp "$_new/releases/$_vsn/$_name.rel" "$_st/releases/$_name-$_vsn.rel" || exit 1
	for _d in $(echo "$_info" | sed 1d); do
		if [ -n "$_old" ] && [ -d "$_old/lib/$_d" ]; then
			continue
		fi
		cp -R "$_new/lib/$_d" "$_st/lib/" || exit 1
	done
	_abs=$(cd "$_outd" && pwd) || exit 1
	(cd "$_st" && tar -czf "$_abs/$_name-$_vsn.tar.gz" releases lib) ||
		_otp_die "tar failed"
)

# otp_target OLDROOT TARGET: a runnable target system - a copy of the
# root, the installed erts-V/bin, releases/RELEASES and bin/start
# (tests/otp/start.sh: boots the node; release_handler's start_prg).
otp_target() (
	[ $# -eq 2 ] || _otp_die "usage: otp_target OLDROOT TARGET"
	[ ! -e "$2" ] || _otp_die "$2 exists"
	_r=$(_otp_root) || exit 1
	_erts=$(cd "$_r" && echo erts-*)
	case $_erts in *' '* | 'erts-*') _otp_die "expected one erts-* in $_r" ;; esac
	mkdir -p "$2/$_erts" "$2/bin" && cp -R "$1/." "$2/" &&
		cp -R "$_r/$_erts/bin" "$2/$_erts/" &&
		cp "$OTP_DIR/start.sh" "$2/bin/start" && chmod 755 "$2/bin/start" || exit 1
	_otp_escript releases "$2" || _otp_die "cannot create $2/releases/RELEASES"
)

# _otp_running PID: PID is a process that has not ended (a zombie has).
_otp_running() {
	case $(ps -o stat= -p "$1" 2>/dev/null) in
	'' | Z*) return 1 ;;
	esac
	return 0
}

# _otp_stop PID...: TERM, up to 5 s, then KILL; reaps them.
_otp_stop() {
	for _sp in "$@"; do
		[ -n "$_sp" ] || continue
		kill "$_sp" 2>/dev/null || continue
		_i=0
		while _otp_running "$_sp" && [ $_i -lt 50 ]; do
			sleep 0.1
			_i=$((_i + 1))
		done
		kill -KILL "$_sp" 2>/dev/null || true
		wait "$_sp" 2>/dev/null || true
	done
}

# _otp_children PID: the processes whose parent is PID.
_otp_children() {
	ps -eo pid=,ppid= | awk -v p="$1" '$2 == p { print $1 }'
}

# otp_live TARGET PKG OLDVSN NEWVSN EXPECTFILE
# Boots TARGET's OLDVSN with its own erts and a private epmd, then the
# control node (live.escript) pings the listener over one connection and
# upgrades to NEWVSN, makes it permanent and downgrades to OLDVSN again,
# checking each answer against EXPECTFILE. Everything it starts is
# stopped by pid on the way out; logs go to TARGET/live/.
otp_live() (
	[ $# -eq 5 ] || _otp_die "usage: otp_live TARGET PKG OLDVSN NEWVSN EXPECTFILE"
	_t=$(cd "$1" && pwd) || exit 1
	mkdir -p "$_t/live" && cp "$2" "$_t/releases/" || exit 1
	# A copy under TARGET: the control node's command line names TARGET too.
	cp "$5" "$_t/live/expect" || exit 1
	_otp_live "$_t" "$3" "$(basename "$2" .tar.gz)" "$3" "$4" "$_t/live/expect"
)

# otp_live_steps TARGET STEPSFILE [PKG...]
# The packages into TARGET/releases/, then the node boots the release the
# "boot VSN [heart]" line of STEPSFILE names (it must be the one
# releases/start_erl.data names; with heart, the node runs with -heart so
# that a relup ending in restart_emulator reboots it through bin/start),
# and the control node runs the steps (see live.escript) on one connection
# - on a new one after each reboot.
otp_live_steps() (
	[ $# -ge 2 ] || _otp_die "usage: otp_live_steps TARGET STEPSFILE [PKG...]"
	_t=$(cd "$1" && pwd) || exit 1
	_steps=$2
	shift 2
	mkdir -p "$_t/live" || exit 1
	for _p in "$@"; do
		cp "$_p" "$_t/releases/" || exit 1
	done
	# A copy under TARGET: the control node's command line names TARGET too.
	_copy=$_t/live/$(basename "$_steps")
	cp "$_steps" "$_copy" || exit 1
	# shellcheck disable=SC2046
	set -- $(awk '$1 == "boot" { print $2, $3; exit }' "$_copy")
	case $#:${2:-} in
	1:) _otp_live "$_t" "$1" "$_copy" ;;
	2:heart) _otp_live "$_t" "$1" heart "$_copy" ;;
	*) _otp_die "$_steps: no line 'boot VSN [heart]'" ;;
	esac
)

# _otp_live TARGET BOOTVSN [heart] CONTROL-ARGS...: epmd, the node (through
# TARGET/bin/start) and the control node given CONTROL-ARGS after NODE
# COOKIE PORT; all of them - every incarnation of the node and what it
# spawned (heart) - stopped by pid at the end.
_otp_live() (
	_t=$1 _boot=$2
	shift 2
	_heart=
	if [ "$1" = heart ]; then
		_heart=-heart
		shift
	fi
	_erts=$(cd "$_t" && echo erts-*)
	[ -x "$_t/$_erts/bin/erlexec" ] || _otp_die "$_t: no $_erts/bin/erlexec (not a target system?)"
	[ -x "$_t/bin/start" ] || _otp_die "$_t: no bin/start (not made by otp_target?)"
	_cur=$(cut -d' ' -f2 "$_t/releases/start_erl.data")
	[ "$_cur" = "$_boot" ] || _otp_die "$_t boots $_cur, not $_boot"
	_log=$_t/live
	mkdir -p "$_log" && rm -f "$_log/stop" "$_log/node.pids" || exit 1
	: >"$_log/node.pids" || exit 1

	_epid='' _cpid=''
	# shellcheck disable=SC2317
	_diag() {
		echo "--- node log:" >&2
		cat "$_log/node.log" >&2 2>/dev/null || true
		echo "--- epmd log:" >&2
		cat "$_log/epmd.log" >&2 2>/dev/null || true
		if [ -f "$_log/erl_crash.dump" ]; then
			echo "--- erl_crash.dump (head):" >&2
			head -n 20 "$_log/erl_crash.dump" >&2
		fi
	}
	# Every node incarnation bin/start wrote down that still runs TARGET,
	# then what each had spawned (heart, which boots no node once
	# live/stop exists); twice, for one that started meanwhile.
	# shellcheck disable=SC2317
	_down() {
		: >"$_log/stop"
		for _round in 1 2; do
			for _np in $(cat "$_log/node.pids" 2>/dev/null); do
				_otp_running "$_np" || continue
				case $(ps -o args= -p "$_np" 2>/dev/null) in
				*"$_t/"*) ;;
				*) continue ;;
				esac
				_kids=$(_otp_children "$_np")
				_otp_stop "$_np"
				for _k in $_kids; do
					_i=0
					while _otp_running "$_k" && [ $_i -lt 50 ]; do
						sleep 0.1
						_i=$((_i + 1))
					done
					! _otp_running "$_k" || _otp_stop "$_k"
				done
			done
		done
	}
	trap '_rc=$?; _otp_stop "$_cpid"; _down; _otp_stop "$_epid"; [ $_rc -eq 0 ] || _diag; exit $_rc' EXIT
	trap 'exit 1' HUP INT TERM

	_ports=$(_otp_escript free-ports 2) || exit 1
	_eport=$(echo "$_ports" | sed -n 1p)
	_lport=$(echo "$_ports" | sed -n 2p)
	_id=$$_$(date +%s)
	_node=petal_$_id
	_cookie=cookie_$_id
	_host=$(hostname -s 2>/dev/null || hostname)
	ERL_EPMD_PORT=$_eport
	export ERL_EPMD_PORT
	{
		echo "SV_LIVE_NODE=$_node"
		echo "SV_LIVE_COOKIE=$_cookie"
		echo "SV_LIVE_EPMD_PORT=$_eport"
		echo "SV_LIVE_PORT=$_lport"
		echo "SV_LIVE_HEART=$_heart"
	} >"$_log/start.env" || exit 1

	"$_t/$_erts/bin/epmd" -port "$_eport" >"$_log/epmd.log" 2>&1 </dev/null &
	_epid=$!
	_i=0
	until "$_t/$_erts/bin/epmd" -port "$_eport" -names >/dev/null 2>&1; do
		[ $_i -lt 50 ] || _otp_die "epmd did not come up on port $_eport"
		sleep 0.1
		_i=$((_i + 1))
	done

	"$_t/bin/start" </dev/null >/dev/null 2>&1 &

	escript "$OTP_DIR/live.escript" "$_node@$_host" "$_cookie" "$_lport" \
		"$@" </dev/null &
	_cpid=$!
	wait "$_cpid"
	_crc=$?
	_cpid=''
	[ $_crc -eq 0 ] || _otp_die "the live upgrade failed (control node exit $_crc)"
	_last=$(sed -n '$p' "$_log/node.pids")
	if [ -z "$_last" ] || ! _otp_running "$_last"; then
		_otp_die "the node died"
	fi
)
