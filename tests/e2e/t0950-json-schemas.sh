#!/bin/sh
# The --json contract: every document smoothver prints matches its JSON
# Schema (man/schemas/, draft 2020-12, installed under
# $(pkgdatadir)/schemas), every schema name the sources can print has its
# schema file, the schema files are valid and strict, each man page names
# every member of its documents and where the schema is installed, and
# documents the command's exit statuses.
#
# Each command runs with --json in realistic situations (the failure
# shapes too: version, diff, check and verify print their document with
# exit status 1), and each document is validated with python3-jsonschema
# (tests/e2e/schema-check.py). A new document needs its schema file and
# its line in Makefile.am; the checks find the rest from src/cmd/*.c.
. "$SV_SRCDIR/tests/e2e/lib.sh"
OTP_DIR=$SV_SRCDIR/tests/otp
. "$OTP_DIR/lib.sh"

if ! PY=$(sv_schema_python); then
	echo "1..0 # SKIP python3 cannot import jsonschema (apt-get install python3-jsonschema)"
	exit 0
fi
CHECK="$SV_SRCDIR/tests/e2e/schema-check.py"
SEEN=$TEST_ROOT/seen
: >"$SEEN"

# svj CODE ARGS...: smoothver --json ARGS must exit with CODE and print a
# document that matches its schema; its schema name goes to $SEEN.
svj() {
	_c=$1
	shift
	sv "$_c" --json "$@" &&
		"$PY" "$CHECK" validate "$SV_SRCDIR" out &&
		jq -r .schema out >>"$SEEN"
}

# test_skip TITLE REASON: a case that cannot run here.
test_skip() {
	test_count=$((test_count + 1))
	echo "ok $test_count - $1 # SKIP $2"
}

# mkapp DIR [WORD]: a small release tree (as in t1300).
mkapp() {
	mkdir -p "$1/bin" "$1/lib/app-1/ebin"
	printf '#!/bin/sh\necho %s\n' "${2:-one}" >"$1/bin/app"
	chmod +x "$1/bin/app"
	printf 'beam %s\n' "${2:-one}" >"$1/lib/app-1/ebin/app.beam"
	printf 'static\n' >"$1/lib/app-1/README"
	ln -s ../../bin/app "$1/lib/app-1/run"
}

# mkold: old/ and an identical new/ (as in t1100).
mkold() {
	mkdir -p old/lib/app/ebin old/lib/app/priv old/bin old/doc
	echo v1 >old/lib/app/ebin/app.beam
	echo nif >old/lib/app/priv/app_nif.so
	echo run >old/bin/run
	echo guide >old/doc/guide.md
	echo keep >old/keep
	ln -s keep old/link
	cp -a old new
}

# change_all: every kind of change from old/ to new/.
change_all() {
	echo v2 >new/lib/app/ebin/app.beam
	rm new/keep && echo new >new/added.txt
	chmod +x new/bin/run
	rm new/link && echo file >new/link
	echo more >>new/doc/guide.md
}

# ---- the schema files, the sources and the man pages ----

test_expect_success 'the schema files are valid draft 2020-12 schemas, and strict' '
	"$PY" "$CHECK" schemas "$SV_SRCDIR"
'

test_expect_success 'every schema name src/cmd/*.c prints has its schema file, installed' '
	"$PY" "$CHECK" sources "$SV_SRCDIR"
'

test_expect_success 'each man page names every member of its schema and the schema file' '
	"$PY" "$CHECK" docs "$SV_SRCDIR"
'

test_expect_success 'each command page documents the exit statuses it can return' '
	"$PY" "$CHECK" exits "$SV_SRCDIR"
'

test_expect_success 'the checks catch a document that does not match' '
	printf "{\"schema\":\"smoothver.compare/1\",\"from\":\"1.0.0\",\"to\":\"1.1.0\",\"transition\":\"relup\",\"level\":\"relup\",\"live\":true,\"extra\":1}\n" >doc &&
	! "$PY" "$CHECK" validate "$SV_SRCDIR" doc >msg && contains msg "extra" &&
	printf "{\"schema\":\"smoothver.compare/1\",\"from\":\"1.0\"}\n" >doc &&
	! "$PY" "$CHECK" validate "$SV_SRCDIR" doc >msg && contains msg "does not match" &&
	printf "{\"schema\":\"smoothver.nothing/1\"}\n" >doc &&
	! "$PY" "$CHECK" validate "$SV_SRCDIR" doc >msg && contains msg "no schema file"
'

# ---- versions and tags ----

test_expect_success 'compare: live, not live, pre-release and build metadata' '
	svj 0 compare 1.0.0 1.1.0 && expect_json .live true &&
	svj 1 compare 2.0.0 1.0.0-rc.1+b.7 && expect_json .transition downgrade &&
	expect_json .to 1.0.0-rc.1+b.7 &&
	svj 1 compare 1.0.0+a 1.0.0+b && expect_json .level none
'

test_expect_success 'bump: a version given, and the repository'"'"'s' '
	svj 0 bump relup 1.2.3-rc.1 && expect_json .version 1.3.0 &&
	new_repo && git tag v2.0.0 && svj 0 bump reload &&
	expect_json .tag v2.0.1 && expect_json .from 2.0.0
'

test_expect_success 'version: no release tag (exit 1), a release, --next, dirty' '
	new_repo && svj 1 version && expect_json .version null &&
	expect_json .commits_since null &&
	git tag -a v1.0.0 -m r && commit more && echo x >>f &&
	svj 0 version --next relup && expect_json .next 1.1.0 &&
	expect_json .next_level relup && expect_json .dirty true &&
	expect_json .commits_since 1 &&
	svj 0 version && expect_json "has(\"next\")" false
'

test_expect_success 'tag: a first release, a dry run, --auto with its reason' '
	new_repo && svj 0 tag relup && expect_json .previous null &&
	expect_json .tag v0.1.0 && expect_json .created true &&
	commit two && svj 0 tag -n reload && expect_json .previous_tag v0.1.0 &&
	expect_json .dry_run true && expect_json "has(\"decisive\")" false &&
	mkold && change_all && svj 0 tag --auto --from old new &&
	expect_json .level restart && expect_json .reason "no rule matches"
'

test_expect_success 'log: no releases, then annotated and lightweight tags' '
	new_repo && svj 0 log && expect_json ".releases | length" 0 &&
	git tag -a v1.0.0 -m r && commit two && git tag v1.0.1 &&
	commit three && git tag -a v1.0.1+build.2 -m r && commit four &&
	git tag -a v2.0.0 -m r &&
	svj 0 log && expect_json ".releases | length" 4 &&
	expect_json ".releases[1].transition" same &&
	expect_json ".releases[3].previous" null &&
	svj 0 log -n 1 && expect_json ".releases[0].level" restart
'

# ---- builds ----

test_expect_success 'index: files, a directory, a symlink; a tarball' '
	mkapp rel && mkdir rel/empty && svj 0 index rel &&
	expect_json .symlinks 1 && expect_json ".entries[0].type" dir &&
	tar -czf rel.tar.gz rel && svj 0 index rel.tar.gz
'

test_expect_success 'diff: identical trees (0), every kind of change (1)' '
	mkold && svj 0 diff old new && expect_json .decisive null &&
	expect_json .otp null &&
	change_all && svj 1 diff old new && expect_json .counts.type 1 &&
	expect_json ".changes | map(.change) | sort | join(\" \")" \
		"added mode modified modified removed type"
'

# ---- stores ----

test_expect_success 'pack, publish, fetch, verify, ls and gc: a plain tree through a store' '
	mkapp rel &&
	svj 0 pack rel --name app --version 1.0.0 && expect_json .otp null &&
	svj 0 publish app-1.0.0.tar.gz --store st --expect-empty --compat-names &&
	expect_json .latest_before null && expect_json .moved true &&
	svj 0 publish app-1.0.0.tar.gz --store st --expect-empty &&
	expect_json .already true &&
	mkapp v2 two &&
	svj 0 pack v2 --name app --version 1.0.1 --compression zstd &&
	svj 0 publish app-1.0.1.tar.zst --store st --expect-latest 1.0.0 &&
	svj 0 fetch app@1.0.0 --store st -o got.tar.gz && expect_json .kind package &&
	svj 0 fetch app --store st -o tree && expect_json .kind tree &&
	svj 0 verify got.tar.gz --release app@1.0.0 --store st &&
	expect_json .kind package && expect_json .ok true &&
	svj 0 verify tree --release app@latest --store st && expect_json .kind tree &&
	svj 1 verify got.tar.gz --release app@1.0.1 --store st && expect_json .ok false &&
	rm tree/lib/app-1/README && echo x >tree/added && chmod 600 tree/bin/app &&
	echo y >>tree/lib/app-1/ebin/app.beam && rm tree/lib/app-1/run &&
	mkdir tree/lib/app-1/run &&
	svj 1 verify tree --release app@1.0.1 --store st &&
	expect_json ".drift | map(.drift) | sort | join(\" \")" \
		"added missing mode modified type" &&
	svj 0 ls --store st && expect_json ".releases[0].versions" 2 &&
	svj 0 ls app --store st && expect_json ".versions[0].latest" true &&
	svj 0 gc --store st --keep 1 --dry-run && expect_json .dry_run true &&
	svj 0 gc --store st --keep 1 &&
	expect_json ".removed | map(.kind) | sort | unique | join(\" \")" "blob copy version" &&
	svj 0 gc --store st && expect_json ".removed | length" 0
'

test_expect_success 'ls: a release with a previous version and a level (from the tags)' '
	mkdir repo && cd repo && git init -q && mkapp rel && git add rel &&
	git commit -q -m one && git tag -a v1.0.0 -m r &&
	"$SMOOTHVER" publish -q rel --store ../st --expect-empty &&
	echo more >>rel/lib/app-1/ebin/app.beam && git commit -q -am two &&
	git tag -a v1.0.1 -m r && "$SMOOTHVER" publish -q rel --store ../st &&
	svj 0 ls rel --store ../st && expect_json ".versions[0].previous" 1.0.0 &&
	expect_json ".versions[0].level" reload && expect_json ".versions[1].level" null
'

# ---- help ----

test_expect_success 'help: the whole command table, and one command' '
	svj 0 help && svj 0 help compare && expect_json ".commands | length" 1 &&
	svj 0 help relup && expect_json ".commands[0].max_args" null
'

# ---- OTP releases ----

# revsn SRC DST VSN: a copy of build SRC whose release version is VSN (as
# in t2040).
revsn() {
	cp -R "$1" "$2"
	_old=$(cut -d" " -f2 "$2/releases/start_erl.data")
	mv "$2/releases/$_old" "$2/releases/$3"
	printf '%s %s\n' "$(cut -d" " -f1 "$2/releases/start_erl.data")" "$3" \
		>"$2/releases/start_erl.data"
	sed "s/{\"petal\",\"$_old\"}/{\"petal\",\"$3\"}/" \
		"$2/releases/$3/petal.rel" >"$2/rel.tmp"
	mv "$2/rel.tmp" "$2/releases/$3/petal.rel"
}

if otp_have_erl; then
	# petal 1.0.0; 1.1.0 with a gen_server's state changed; 1.1.0 with an
	# application added and one removed; 2.0.0 on another ERTS.
	B=$TEST_ROOT/builds
	mkdir -p "$B"
	for s in base state apps erts; do
		otp_build "$s" "$B/$s" >"$B/log" 2>&1 || { cat "$B/log" >&2; exit 1; }
	done

	test_expect_success 'OTP diff: the upgrade, with applications added and removed' '
		svj 1 diff "$B/base" "$B/state" && expect_json .otp.level relup &&
		svj 1 diff "$B/base" "$B/apps" &&
		expect_json ".otp.apps | map(.change) | sort | join(\" \")" \
			"added removed upgraded"
	'

	test_expect_success 'appup: generated, written to --out, kept, added and removed applications' '
		svj 0 appup "$B/base" "$B/state" && expect_json .out null &&
		expect_json ".apps[0].source" generated &&
		svj 0 appup "$B/base" "$B/apps" --out ups &&
		expect_json ".apps | map(.change) | sort | join(\" \")" "added removed upgraded" &&
		cp -R "$B/state" kept && "$SMOOTHVER" appup -q --write "$B/base" kept &&
		svj 0 appup "$B/base" kept && expect_json ".apps[0].source" kept
	'

	test_expect_success 'relup: printed, written, a reboot, --systools' '
		svj 0 relup "$B/base" "$B/state" && expect_json .file null &&
		expect_json ".bases[0].kind" translated &&
		svj 0 relup "$B/base" "$B/state" -o relup && expect_json "has(\"text\")" false &&
		svj 0 relup "$B/base" "$B/erts" && expect_json ".bases[0].kind" reboot &&
		cp -R "$B/state" sys && "$SMOOTHVER" appup -q --write "$B/base" sys &&
		svj 0 relup --systools "$B/base" sys && expect_json ".bases[0].level" null
	'

	test_expect_success 'check: passes (0), a warning, fails (1)' '
		svj 0 check --base "$B/base" "$B/state" && expect_json .relup made &&
		revsn "$B/state" high 2.0.0 && svj 0 check --base "$B/base" high &&
		expect_json ".warnings[0].kind" higher &&
		svj 0 check --base "$B/base" "$B/erts" && expect_json .relup skipped &&
		revsn "$B/state" low 1.0.1 && svj 1 check --base "$B/base" low &&
		expect_json .ok false && expect_json ".errors[0].kind" level &&
		svj 1 check --base "$B/base" "$B/base" && expect_json .bump same
	'

	test_expect_success 'pack: an OTP release package, full and delta' '
		svj 0 pack "$B/state" && expect_json .otp.release petal &&
		expect_json .delta null &&
		cp -R "$B/state" st && "$SMOOTHVER" relup -q "$B/base" st --write &&
		svj 0 pack st --delta-from "$B/base" -o delta.tar.gz &&
		expect_json .delta.from 1.0.0 &&
		expect_json ".otp.relup_from | join(\",\")" 1.0.0 &&
		expect_json .otp.fresh_install_only false
	'
else
	for c in "OTP diff" appup relup check "OTP pack"; do
		test_skip "$c" "erl, erlc or escript not installed"
	done
fi

test_expect_success 'every schema was printed above (or by another test'"'"'s --json run)' '
	"$PY" "$CHECK" exercised "$SV_SRCDIR" "$SEEN" t0950-json-schemas.sh
'

test_done
