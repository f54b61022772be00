#!/bin/sh
# The GitHub Action (ci/action.yml) and the example workflows
# (ci/examples/): validated against GitHub's schemas with action-validator,
# checked for inputs expanded inside scripts, then run here, step by step,
# by tests/e2e/gha-run.py: on a bare git repository of examples/tally (the
# "GitHub" that actions/checkout clones and tags are pushed to) and a local
# store. Publish 1.0.0 on its tag; check PRs against the last tag's build
# and against the store, a PR whose bump is too low, a shallow clone; merge,
# tag at the level the change requires, publish 1.1.0; a merge with nothing
# to tag. The action builds smoothver once, into the emulated cache; the
# workflows run the binary under test through the action's own steps.
#
# What cannot run here: GitHub itself (triggers, permissions, the token,
# concurrency, a reusable workflow call), the runner image, setup-beam's
# downloads (Erlang and rebar3 must be installed here), and try-upgrade
# while smoothver lacks the command.
. "$SV_SRCDIR/tests/e2e/lib.sh"

CI=$SV_SRCDIR/ci
EX=$CI/examples
GHA=$SV_SRCDIR/tests/e2e/gha-run.py
TALLY=$SV_SRCDIR/examples/tally
# rebar3 offline (tally has no dependencies), only errors on the screen:
# as ci/demo.sh builds it.
export REBAR_OFFLINE=1 QUIET=1

# test_skip TITLE REASON: a TAP skip.
test_skip() {
	test_count=$((test_count + 1))
	echo "ok $test_count - $1 # SKIP $2"
}

# ---- 1. the schemas ----------------------------------------------------------

if command -v action-validator >/dev/null 2>&1; then
	test_expect_success 'action.yml and every example workflow pass action-validator' '
		for f in "$CI/action.yml" "$EX"/*.yml; do
			action-validator "$f" >v.log 2>&1 || { cat v.log; echo "invalid: $f"; exit 1; }
		done &&
		sed "s/runs-on:/runs_on:/" "$EX/smoothver-tag.yml" >wf.yml &&
		! action-validator wf.yml >/dev/null 2>&1 &&
		mkdir bad && sed "s/using: composite/using: compost/" "$CI/action.yml" >bad/action.yml &&
		! action-validator bad/action.yml >/dev/null 2>&1
	'
else
	test_skip 'action.yml and every example workflow pass action-validator' \
		'action-validator not installed (ci/test.sh installs it with npm: ensure_action_validator in ci/lib.sh)'
fi

# A python3 with PyYAML (Debian: python3-yaml) reads the YAML here.
PY=
for p in python3 /usr/bin/python3; do
	if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import yaml' 2>/dev/null; then
		PY=$p
		break
	fi
done
if [ -z "$PY" ]; then
	test_skip 'the workflows, statically' 'no python3 with PyYAML (Debian: python3-yaml)'
	test_skip 'the workflows, run here' 'no python3 with PyYAML (Debian: python3-yaml)'
	test_done
fi

# ---- 2. statically -------------------------------------------------------------

test_expect_success 'inputs reach scripts through env only; permissions; fetch-depth; names' '
	"$PY" - "$CI/action.yml" "$EX"/*.yml <<-\EOT
	import sys, yaml
	bad = []
	docs = {}
	for path in sys.argv[1:]:
	    with open(path) as f:
	        d = yaml.safe_load(f)
	    docs[path.rsplit("/", 1)[-1]] = d
	    steps = []
	    if "runs" in d:
	        steps += [("runs", s) for s in d["runs"]["steps"]]
	        for s in d["runs"]["steps"]:
	            if "run" in s and "shell" not in s:
	                bad.append("%s: composite run step %s has no shell" % (path, s.get("id")))
	    for name, job in (d.get("jobs") or {}).items():
	        steps += [(name, s) for s in job.get("steps") or []]
	    for job, s in steps:
	        if "${{" in s.get("run", ""):
	            bad.append("%s: %s: an expression inside run: (pass it through env)" % (path, s.get("id") or s.get("name")))
	        u = s.get("uses", "")
	        if "smoothver/ci@" in u and u != "OWNER/smoothver/ci@main":
	            bad.append("%s: uses %s" % (path, u))
	a = docs["action.yml"]
	for o in ("ok", "required-level", "version", "base-version"):
	    if a["outputs"][o]["value"] != "${{ steps.run.outputs.%s }}" % o:
	        bad.append("action.yml: output %s" % o)
	want = {"smoothver-pre-merge.yml": {"contents": "read", "id-token": "write"},
	        "smoothver-publish.yml": {"contents": "read", "id-token": "write"},
	        "smoothver-tag.yml": {"contents": "write", "id-token": "write"}}
	for name, perms in want.items():
	    if docs[name].get("permissions") != perms:
	        bad.append("%s: permissions %r" % (name, docs[name].get("permissions")))
	for name in want:
	    for job in docs[name]["jobs"].values():
	        for s in job.get("steps") or []:
	            if s.get("uses", "").startswith("actions/checkout@") and s.get("with", {}).get("fetch-depth") != 0:
	                bad.append("%s: checkout without fetch-depth: 0" % name)
	call = docs["smoothver-tag.yml"]["jobs"]["publish"]["uses"]
	if call != "./.github/workflows/smoothver-publish.yml":
	    bad.append("smoothver-tag.yml calls %s" % call)
	print("\n".join(bad))
	sys.exit(1 if bad else 0)
	EOT
'

# ---- 3. run here -----------------------------------------------------------------

if ! command -v rebar3 >/dev/null 2>&1 || ! command -v erl >/dev/null 2>&1; then
	test_skip 'the workflows, run here' 'rebar3 or erl not installed (Debian: erlang rebar3)'
	test_done
fi

# smoothver on PATH, as the action leaves it; the action's own build is
# replaced by it (stubbed) except in the test of the build.
mkdir -p "$TEST_ROOT/bin"
ln -s "$SMOOTHVER" "$TEST_ROOT/bin/smoothver"
PATH=$TEST_ROOT/bin:$PATH
export PATH
PREBUILT="--stub key --stub cache --stub install.bin=$TEST_ROOT/bin/smoothver"
if "$SMOOTHVER" help try-upgrade >/dev/null 2>&1; then
	TRY=
else
	TRY="--skip=try-upgrade=smoothver has no try-upgrade command yet"
fi

# The fixture: origin.git holds tally 1.0.0 on main, tagged v1.0.0; the
# pull request refs: refs/pull/1/merge, 1.1.0 (a relup, bumped as a
# relup), and refs/pull/2/merge, the same change claiming 1.0.1 (a reload).
F=$TEST_ROOT/fixture
mkdir -p "$F"
(
	set -e
	cd "$F"
	git init -q --bare origin.git
	mkdir tally
	cp -R "$TALLY/." tally/
	rm -rf tally/upgrades tally/_build
	cd tally
	printf '[release]\n\tname = tally\n[tag]\n\tprefix = v\n' >.smoothver
	printf '_build/\n' >.gitignore
	git init -q -b main
	git add -A
	git commit -q -m "tally 1.0.0"
	"$SMOOTHVER" -q tag 1.0.0 -m "tally 1.0.0"
	git remote add origin "$F/origin.git"
	git push -q origin main v1.0.0
	git checkout -q -b pr1
	git apply "$TALLY/upgrades/1.1.0.patch"
	git commit -q -a -m "tally 1.1.0: a running total"
	git push -q origin pr1:refs/pull/1/merge
	git checkout -q -b pr2 main
	git apply "$TALLY/upgrades/1.1.0.patch"
	sed 's/"1\.1\.0"/"1.0.1"/' rebar.config >x && mv x rebar.config
	sed 's/"1\.1\.0"/"1.0.1"/' src/tally.app.src >x && mv x src/tally.app.src
	git commit -q -a -m "tally 1.0.1: a running total, as a reload"
	git push -q origin pr2:refs/pull/2/merge
) >"$F/log" 2>&1 || { cat "$F/log" >&2; echo "Bail out! the fixture repository"; exit 1; }

# gha NAME WORKFLOW JOB ARGS...: run a job in $F/runs/NAME (log NAME.log,
# results NAME.json); its exit status is gha-run.py's.
gha() {
	_n=$1 _wf=$2 _job=$3
	shift 3
	mkdir -p "$F/runs"
	"$PY" "$GHA" "$_wf" "$_job" --root "$F/runs/$_n" --repo "$F/origin.git" \
		--action "[^/]+/smoothver/ci@.+=$CI" --results "$F/runs/$_n.json" \
		"$@" >"$F/runs/$_n.log" 2>&1
}
# res NAME FILTER: jq -r FILTER on the results of run NAME.
res() { jq -r "$2" "$F/runs/$1.json"; }
# expect_res NAME FILTER VALUE
expect_res() {
	_v=$(res "$1" "$2")
	[ "$_v" = "$3" ] || { echo "$1: $2 is '$_v', expected '$3'" >&2; cat "$F/runs/$1.log" >&2; return 1; }
}
# show NAME: the log of run NAME, after a failure.
show() { cat "$F/runs/$1.log" >&2; }

SRC_CONFIGURED=
[ ! -f "$SV_SRCDIR/config.status" ] || SRC_CONFIGURED=yes
BUILD_DEPS=yes
. "$CI/lib.sh"
for p in $SV_BUILD_PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || BUILD_DEPS=
done

cat >"$F/action-build.yml" <<'EOF'
name: the action, twice in a job
on: push
jobs:
  use:
    runs-on: ubuntu-24.04
    steps:
      - id: compare
        uses: OWNER/smoothver/ci@main
        with:
          command: compare
          args: |
            1.0.0
            1.1.0
      - id: bump
        uses: OWNER/smoothver/ci@main
        with:
          command: bump
          args: |
            relup
            1.4.2
      - id: path
        run: echo "version=$(smoothver --version)" >>"$GITHUB_OUTPUT"
EOF

if [ -n "$SRC_CONFIGURED" ]; then
	test_skip 'the action builds smoothver once: the cache and a second use reuse it' \
		'the source tree is configured in place (config.status), so it cannot be built out of tree'
elif [ -z "$BUILD_DEPS" ]; then
	test_skip 'the action builds smoothver once: the cache and a second use reuse it' \
		'the build dependencies are not installed (ci/lib.sh SV_BUILD_PKGS)'
else
	test_expect_success 'the action builds smoothver once: the cache and a second use reuse it' '
		gha build1 "$F/action-build.yml" use --ref refs/heads/main --cache-dir "$F/cache" ||
			{ show build1; exit 1; }
		grep -q "cache miss: smoothver-" "$F/runs/build1.log" &&
		grep -q "built and installed in" "$F/runs/build1.log" &&
		test "$(grep -c "already installed in" "$F/runs/build1.log")" = 1 &&
		expect_res build1 ".steps.compare.outputs.stdout" relup &&
		expect_res build1 ".steps.compare.outputs[\"exit-code\"]" 0 &&
		expect_res build1 ".steps.bump.outputs.stdout" 1.5.0 &&
		expect_res build1 ".steps.path.outputs.version" "$("$SMOOTHVER" --version)" &&
		gha build2 "$F/action-build.yml" use --ref refs/heads/main --cache-dir "$F/cache" ||
			{ show build2; exit 1; }
		grep -q "cache hit: smoothver-" "$F/runs/build2.log" &&
		! grep -q "building into" "$F/runs/build2.log" &&
		test "$(grep -c "already installed in" "$F/runs/build2.log")" = 2 &&
		expect_res build2 ".steps.bump.outputs.stdout" 1.5.0
	'
fi

cat >"$F/action-args.yml" <<'EOF'
name: the action's inputs
on: push
jobs:
  use:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
      - id: inject-args
        continue-on-error: true
        uses: OWNER/smoothver/ci@main
        with:
          command: compare
          args: |
            1.0.0
            $(touch pwned-args) `touch pwned-args`; touch pwned-args
      - id: inject-command
        continue-on-error: true
        uses: OWNER/smoothver/ci@main
        with:
          command: compare; touch pwned-command
          args: 1.0.0
      - id: lines
        uses: OWNER/smoothver/ci@main
        with:
          command: bump
          args: "\nrelup\n\n1.4.2\n"
      - id: json
        uses: OWNER/smoothver/ci@main
        with:
          command: compare
          args: "--json\n1.4.2\n1.5.0"
      - id: from-json
        env:
          LEVEL: ${{ fromJSON(steps.json.outputs.stdout).level }}
        run: echo "level=$LEVEL" >>"$GITHUB_OUTPUT"
      - id: workdir
        uses: OWNER/smoothver/ci@main
        with:
          command: index
          args: .
          working-directory: src
EOF

test_expect_success 'the action: one argument per line, nothing expanded, a command name only' '
	gha args "$F/action-args.yml" use --ref refs/heads/main $PREBUILT || { show args; exit 1; }
	expect_res args ".steps[\"inject-args\"].outcome" failure &&
	expect_res args ".steps[\"inject-args\"].outputs[\"exit-code\"]" 2 &&
	grep -q "\$(touch pwned-args)" "$F/runs/args.log" &&
	expect_res args ".steps[\"inject-command\"].outcome" failure &&
	expect_res args ".steps[\"inject-command\"].outputs[\"exit-code\"]" "" &&
	expect_res args "[.annotations[].message] | map(select(test(\"must be one smoothver command name\"))) | length" 1 &&
	test -z "$(find "$F/runs/args" -name "pwned*")" &&
	expect_res args ".steps.lines.outputs.stdout" 1.5.0 &&
	expect_res args ".steps.json.outputs.stdout | fromjson | .schema" smoothver.compare/1 &&
	expect_res args ".steps[\"from-json\"].outputs.level" relup &&
	expect_res args ".steps.workdir.outputs[\"exit-code\"]" 0 &&
	expect_res args ".steps.workdir.outputs.stdout | test(\" tally_app.erl\\n\")" true &&
	expect_res args ".result" success
'

test_expect_success 'publish on tag v1.0.0: pack, check the tag, publish, latest' '
	gha pub100 "$EX/smoothver-publish.yml" publish --event push --ref refs/tags/v1.0.0 \
		--var "SMOOTHVER_STORE=$F/store" $PREBUILT || { show pub100; exit 1; }
	expect_res pub100 ".steps.pack.outputs.stdout | fromjson | .version" 1.0.0 &&
	test "$(cat "$F/store/tally-latest")" = 1.0.0 &&
	sv 0 ls tally --store "$F/store" && contains out 1.0.0 &&
	expect_res pub100 ".summary | test(\"smoothver publish: tally v1.0.0\")" true
'

test_expect_success 'pre-merge, base from the last tag: check passes, its outputs mapped' '
	gha pr1 "$EX/smoothver-pre-merge.yml" check --event pull_request --ref refs/pull/1/merge \
		$PREBUILT ${TRY:+"$TRY"} || { show pr1; exit 1; }
	expect_res pr1 ".steps.last.outputs.stdout | fromjson | .tag" v1.0.0 &&
	expect_res pr1 ".steps.base.outputs.base | endswith(\"/base-src/_build/default/rel/tally\")" true &&
	expect_res pr1 ".steps.check.outputs.ok" true &&
	expect_res pr1 ".steps.check.outputs[\"required-level\"]" relup &&
	expect_res pr1 ".steps.check.outputs.version" 1.1.0 &&
	expect_res pr1 ".steps.check.outputs[\"base-version\"]" 1.0.0 &&
	expect_res pr1 ".steps.check.outputs[\"exit-code\"]" 0 &&
	expect_res pr1 ".outputs.ok" true &&
	expect_res pr1 ".outputs[\"required-level\"]" relup &&
	expect_res pr1 ".summary | test(\"### smoothver check: tally 1.0.0 → 1.1.0\")" true &&
	expect_res pr1 "[.annotations[] | select(.level == \"error\")] | length" 0 &&
	expect_res pr1 ".steps.packages.outputs.base | endswith(\"/packages/base/tally-1.0.0.tar.gz\")" true &&
	expect_res pr1 ".steps.packages.outputs.candidate | endswith(\"/packages/candidate/tally-1.1.0.tar.gz\")" true
'

if [ -n "$TRY" ]; then
	test_skip 'pre-merge: the try-upgrade step' "smoothver has no try-upgrade command yet (the step is skipped; everything before it ran)"
else
	test_expect_success 'pre-merge: the try-upgrade step' '
		expect_res pr1 ".steps[\"try-upgrade\"].outcome" success
	'
fi

test_expect_success 'pre-merge, base NAME@latest from the store' '
	gha pr1s "$EX/smoothver-pre-merge.yml" check --event pull_request --ref refs/pull/1/merge \
		--var "SMOOTHVER_STORE=$F/store" $PREBUILT \
		"--skip=try-upgrade=the same upgrade as in the run before" || { show pr1s; exit 1; }
	expect_res pr1s ".steps.base.outputs.base" tally@latest &&
	expect_res pr1s ".steps.check.outputs.ok" true &&
	expect_res pr1s ".steps.check.outputs[\"required-level\"]" relup &&
	expect_res pr1s ".steps.check.outputs[\"base-version\"]" 1.0.0 &&
	expect_res pr1s ".steps.packages.outputs.base | endswith(\"/packages/base/tally-1.0.0.tar.gz\")" true
'

test_expect_success 'pre-merge: a bump below the level the change requires fails the PR' '
	! gha pr2 "$EX/smoothver-pre-merge.yml" check --event pull_request --ref refs/pull/2/merge \
		$PREBUILT ${TRY:+"$TRY"} || { show pr2; exit 1; }
	expect_res pr2 ".result" failure &&
	expect_res pr2 ".steps.check.outcome" failure &&
	expect_res pr2 ".steps[\"check/run\"].outputs.ok" false &&
	expect_res pr2 ".steps[\"check/run\"].outputs[\"required-level\"]" relup &&
	expect_res pr2 ".steps[\"check/run\"].outputs.version" 1.0.1 &&
	expect_res pr2 ".steps[\"check/run\"].outputs[\"exit-code\"]" 1 &&
	expect_res pr2 "[.annotations[] | select(.level == \"error\" and (.properties | test(\"title=smoothver check\")) and (.message | test(\"^needs relup: tally_counter\")))] | length" 1 &&
	expect_res pr2 ".steps.packages.outcome" skipped &&
	expect_res pr2 ".steps[\"try-upgrade\"].outcome" skipped
'

test_expect_success 'pre-merge in a shallow clone: why fetch-depth is 0' '
	sed "s/fetch-depth: 0/fetch-depth: 1/" "$EX/smoothver-pre-merge.yml" >"$F/shallow.yml" &&
	! gha shallow "$F/shallow.yml" check --event pull_request --ref refs/pull/1/merge \
		$PREBUILT || { show shallow; exit 1; }
	expect_res shallow ".steps.last.outputs[\"exit-code\"]" 3 &&
	grep -q "shallow" "$F/runs/shallow.log" &&
	expect_res shallow ".steps.base.outcome" failure &&
	expect_res shallow ".steps.check.outcome" skipped
'

test_expect_success 'merge: tag at the level the change requires, push the tag' '
	git -C "$F/origin.git" update-ref refs/heads/main refs/pull/1/merge &&
	gha tag110 "$EX/smoothver-tag.yml" tag --event push --ref refs/heads/main \
		$PREBUILT || { show tag110; exit 1; }
	expect_res tag110 ".outputs.tag" v1.1.0 &&
	test "$(git -C "$F/origin.git" tag -l --format="%(contents:trailers:key=Smoothver-Level,valueonly)" v1.1.0)" = relup &&
	test "$(git -C "$F/origin.git" tag -l --format="%(taggername)" v1.1.0)" = "github-actions[bot]" &&
	test "$(git -C "$F/origin.git" rev-parse v1.1.0^{commit})" = "$(git -C "$F/origin.git" rev-parse main)" &&
	expect_res tag110 ".summary | test(\"Smoothver-Level: relup\")" true
'

test_expect_success 'publish v1.1.0 as the tag workflow calls it: latest moves from 1.0.0' '
	gha pub110 "$EX/smoothver-publish.yml" publish --event push --ref refs/heads/main \
		--input tag=v1.1.0 --var "SMOOTHVER_STORE=$F/store" $PREBUILT || { show pub110; exit 1; }
	test "$(cat "$F/store/tally-latest")" = 1.1.0 &&
	sv 0 --json ls tally --store "$F/store" &&
	json "[.versions[].version] | sort | join(\" \")" >v && test "$(cat v)" = "1.0.0 1.1.0" &&
	sv 0 fetch tally@latest --store "$F/store" -o x.tar.gz &&
	tar -tzf x.tar.gz >list && grep -qx releases/1.1.0/relup list &&
	grep -qx lib/tally-1.1.0/ebin/tally.appup list &&
	tar -xOzf x.tar.gz releases/1.1.0/relup | grep -q "\"1.0.0\"" &&
	test -f "$F/store/deltas/tally/1.1.0/1.0.0.json" &&
	sv 0 --json fetch tally@1.1.0 --delta-from 1.0.0 --store "$F/store" -o d.tar.gz &&
	expect_json .delta_from 1.0.0 &&
	tar -tzf d.tar.gz >dlist && grep -qx releases/1.1.0/relup dlist &&
	! grep -q "^lib/kernel-" dlist
'

test_expect_success 'a merge that changes no code gets no tag' '
	git clone -q "$F/origin.git" w && cd w &&
	echo "More words." >>README.md && git commit -q -a -m "docs" &&
	git push -q origin HEAD:main && cd .. &&
	gha tagdocs "$EX/smoothver-tag.yml" tag --event push --ref refs/heads/main \
		$PREBUILT || { show tagdocs; exit 1; }
	expect_res tagdocs ".outputs.tag" "" &&
	expect_res tagdocs "[.annotations[].message] | map(select(test(\"nothing to tag\"))) | length" 1 &&
	test "$(git -C "$F/origin.git" tag -l | tr "\n" " ")" = "v1.0.0 v1.1.0 "
'

test_done
