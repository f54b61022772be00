#!/bin/sh
# diff: changes between two builds and the level they require.
. "$SV_SRCDIR/tests/e2e/lib.sh"

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

test_expect_success 'identical trees: no output, exit 0' '
	mkold && sv 0 diff old new && expect_empty out && expect_empty err &&
	sv 0 diff --json old new && expect_json .required none && expect_json ".changes | length" 0
'

test_expect_success 'every change type with its level and reason' '
	mkold &&
	echo v2 >new/lib/app/ebin/app.beam &&
	rm new/keep && echo new >new/added.txt &&
	chmod +x new/bin/run && rm new/link && echo file >new/link &&
	echo more >>new/doc/guide.md &&
	sv 1 diff old new && cat >want <<-\EOT &&
	required: restart — 2 modified, 1 added, 1 removed, 1 mode changed, 1 type changed (added.txt: no rule matches)
	A restart added.txt  (no rule matches)
	P restart bin/run  (no rule matches)
	M none    doc/guide.md  (documentation)
	D restart keep  (no rule matches)
	M restart lib/app/ebin/app.beam  (no rule matches)
	T restart link  (no rule matches)
	EOT
	cmp want out
'

test_expect_success 'native code is restart, documentation is none' '
	mkold && echo nif2 >new/lib/app/priv/app_nif.so &&
	sv 1 diff old new && contains out "required: restart" && contains out "(native code)" &&
	cp -a old docs && echo x >>docs/doc/guide.md && mkdir docs/lib/app/doc && echo y >docs/lib/app/doc/README &&
	sv 1 diff old docs && contains out "required: none — 1 modified, 2 added (doc/guide.md: documentation)" &&
	contains out "A none    lib/app/doc  (directory)"
'

test_expect_success 'rules from .smoothver come first, in order' '
	git init -q proj && cd proj && mkold &&
	cat >.smoothver <<-\EOT &&
	[rule "lib/*/ebin/*.beam"]
		level = reload
		reason = modules reload
	[rule "bin/**"]
		level = relup
	[rule "*.beam"]
		level = restart
	EOT
	echo v2 >new/lib/app/ebin/app.beam &&
	sv 1 diff old new && contains out "required: reload" && contains out "(modules reload)" &&
	chmod +x new/bin/run &&
	sv 1 diff old new && contains out "required: relup" && contains out "P relup   bin/run  (rule bin/**)"
'

test_expect_success 'bad rules are errors naming .smoothver' '
	git init -q proj && cd proj && mkold &&
	printf "[rule \"*.so\"]\n\tlevel = major\n" >.smoothver &&
	sv 3 diff old new && contains err "invalid level '\''major'\'' for rule '\''*.so'\''" && contains err ".smoothver" &&
	printf "[rule \"*.so\"]\n\treason = x\n" >.smoothver &&
	sv 3 diff old new && contains err "rule '\''*.so'\'' in" && contains err "has no level"
'

test_expect_success 'directories and tarballs mix' '
	mkold && echo v2 >new/lib/app/ebin/app.beam &&
	tar -C old -czf old.tgz . && tar -C new --zstd -cf new.tar.zst . &&
	sv 1 diff old.tgz new && cp out a && sv 1 diff old new.tar.zst && cmp a out &&
	sv 0 diff old old.tgz
'

test_expect_success '--json: the plan' '
	mkold && echo v2 >new/lib/app/ebin/app.beam && rm new/keep &&
	sv 1 diff --json old new &&
	expect_json .schema smoothver.plan/1 && expect_json .required restart &&
	expect_json .counts.modified 1 && expect_json .counts.removed 1 &&
	expect_json ".changes[0].path" keep && expect_json ".changes[0].new" null &&
	expect_json ".changes[1].change" modified &&
	expect_json ".changes[1].old.sha256" "$(sha256sum <old/lib/app/ebin/app.beam | cut -c1-64)" &&
	expect_json ".changes[1].new.size" 3 && expect_json .decisive keep
'

test_expect_success 'names with newlines and odd bytes' '
	mkdir o n && printf x >"n/$(printf "a\nb")" && printf y >"n/$(printf "c\377")" &&
	sv 1 diff o n && contains out "A restart \"a\\nb\"" && contains out "\"c\\377\"" &&
	sv 1 diff --json o n && contains out "\"path\":\"c\\udcff\""
'

test_expect_success 'errors: missing paths, bad archives, exit 3 and nothing on stdout' '
	mkold && sv 3 diff old missing && expect_empty out &&
	expect_err "smoothver: error: cannot open '\''missing'\'': No such file or directory" &&
	echo junk >bad.tgz && sv 3 diff bad.tgz new && contains err "cannot read archive '\''bad.tgz'\''" &&
	sv 2 diff old && contains err "'\''diff'\'' needs OLD NEW"
'

test_done
