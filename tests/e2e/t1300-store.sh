#!/bin/sh
# publish, fetch, verify, ls and gc over a local directory store.
. "$SV_SRCDIR/tests/e2e/lib.sh"

# mkapp DIR [WORD]: a small release tree whose content depends on WORD.
mkapp() {
	mkdir -p "$1/bin" "$1/lib/app-1/ebin"
	printf '#!/bin/sh\necho %s\n' "${2:-one}" >"$1/bin/app"
	chmod +x "$1/bin/app"
	printf 'beam %s\n' "${2:-one}" >"$1/lib/app-1/ebin/app.beam"
	printf 'static\n' >"$1/lib/app-1/README"
	ln -s ../../bin/app "$1/lib/app-1/run"
}

check() { python3 "$SV_SRCDIR/tests/e2e/store-check.py" "$1"; }

test_expect_success 'publish a directory: blobs, record, pointer; fetch it back' '
	mkapp rel &&
	sv 0 publish rel --name app --version 1.0.0 --store st --expect-empty &&
	contains out "published app 1.0.0 to st" && contains out "(none) -> 1.0.0" &&
	test "$(cat st/app-latest)" = 1.0.0 && test -f st/releases/app/1.0.0.json &&
	test "$(ls st/blobs/sha256 | wc -l)" = 2 && check st &&
	test "$(cat st/smoothver-store)" = "smoothver-store 1" &&
	sv 0 fetch app --store st -o got && contains out "fetched app 1.0.0 into got" &&
	test -x got/bin/app && test "$(readlink got/lib/app-1/run)" = ../../bin/app &&
	diff -r rel got &&
	sv 0 fetch app@1.0.0 --store st -o pkg.tar.gz &&
	sv 0 verify pkg.tar.gz --release app@1.0.0 --store st &&
	sv 0 verify got --release app@latest --store st && contains out "matches app 1.0.0"
'

test_expect_success 'publish is atomic per version: same content is a no-op, other content refused' '
	mkapp rel && sv 0 publish rel --name app --version 1.0.0 --store st --expect-empty &&
	cp -R st before &&
	sv 0 publish rel --name app --version 1.0.0 --store st --expect-empty &&
	contains out "already published and latest" && diff -r before st &&
	mkapp other two &&
	sv 3 publish other --name app --version 1.0.0 --store st --expect-latest 1.0.0 &&
	contains err "app 1.0.0 is already published with other content" &&
	test "$(cat st/app-latest)" = 1.0.0 && check st
'

test_expect_success 'the pointer moves only from where it is expected (exit 4)' '
	mkapp rel && sv 0 publish rel --name app --version 1.0.0 --store st --expect-empty &&
	mkapp v2 two && sv 0 publish v2 --name app --version 1.1.0 --store st --expect-latest 1.0.0 &&
	mkapp v3 three && cp -R st before &&
	sv 4 publish v3 --name app --version 1.2.0 --store st --expect-latest 1.0.0 &&
	expect_err "smoothver: error: store moved: latest is 1.1.0 (expected 1.0.0)
hint: build on 1.1.0, or give --expect-latest 1.1.0 to replace it" &&
	diff -r before st &&
	sv 4 publish v3 --name app --version 1.2.0 --store st --expect-empty &&
	contains err "store moved: latest is 1.1.0 (expected none: a first release)" &&
	sv 4 publish v3 --name new --version 1.0.0 --store st --expect-latest 0.9.0 &&
	contains err "store moved: new has no latest version (expected 0.9.0)" &&
	test ! -e st/new-latest && test ! -e st/releases/new &&
	sv 0 publish v3 --name app --version 1.2.0 --store st --expect-latest 1.1.0 &&
	test "$(cat st/app-latest)" = 1.2.0 && check st &&
	sv 2 publish v3 --name app --version 1.3.0 --store st --expect-empty --expect-latest 1.2.0 &&
	contains err "cannot go together"
'

test_expect_success 'blobs are deduplicated by digest' '
	mkapp rel && sv 0 publish rel --name app --version 1.0.0 --store st --expect-empty &&
	sv 0 publish rel --name twin --version 1.0.0 --store st --expect-empty --json &&
	expect_json .uploaded 1 && expect_json .present 1 && expect_json .moved true &&
	expect_json .schema smoothver.publish/1 &&
	test "$(ls st/blobs/sha256 | wc -l)" = 3 && check st
'

test_expect_success 'a tarball is published with the manifest pack wrote beside it' '
	mkapp rel && sv 0 pack rel --name app --version 2.0.0 --compression zstd &&
	sv 0 publish app-2.0.0.tar.zst --store st --expect-empty --compat-names &&
	cmp app-2.0.0.tar.zst st/app-2.0.0.tar.zst && check st &&
	sv 0 fetch app --store st && cmp app-2.0.0.tar.zst app-2.0.0.tar.zst &&
	sv 2 fetch app --store st -o x.tar.gz && contains err "is a zstd package" &&
	test ! -e x.tar.gz &&
	sv 0 fetch app --store st -o x.tar.zst && cmp x.tar.zst app-2.0.0.tar.zst &&
	sv 2 publish app-2.0.0.tar.zst --store st --version 2.0.1 --expect-empty &&
	contains err "--version 2.0.1, but the manifest says 2.0.0" &&
	mv app-2.0.0.manifest.json m.json &&
	sv 3 publish app-2.0.0.tar.zst --store st2 && contains err "without its manifest" &&
	test ! -e st2 &&
	sv 0 publish app-2.0.0.tar.zst --manifest m.json --store st2 --expect-empty &&
	echo junk >>app-2.0.0.tar.zst &&
	sv 3 publish app-2.0.0.tar.zst --manifest m.json --store st3 --expect-empty &&
	contains err "does not match its manifest"
'

test_expect_success 'an OTP release root names itself' '
	mkapp rel && mkdir -p rel/releases/0.3.0 &&
	printf "{release,{\"shop\",\"0.3.0\"},{erts,\"13.1\"},[]}.\n" >rel/releases/0.3.0/shop.rel &&
	echo boot >rel/releases/0.3.0/start.boot &&
	printf "13.1 0.3.0\n" >rel/releases/start_erl.data &&
	sv 0 publish rel --store st --expect-empty --json &&
	expect_json .name shop && expect_json .version 0.3.0 &&
	sv 2 publish rel --store st --version 0.4.0 && contains err "--version 0.4.0, but" &&
	printf "13.1 0.9.0\n" >rel/releases/start_erl.data &&
	sv 3 publish rel --store st && contains err "has no .rel file"
'

test_expect_success 'in a repository: the version and the expected latest come from the tags' '
	mkdir repo && cd repo && git init -q && mkapp rel && git add rel && git commit -q -m one &&
	git tag -a v1.0.0 -m r &&
	sv 0 publish rel --store ../st --expect-empty && test "$(cat ../st/rel-latest)" = 1.0.0 &&
	echo more >>rel/lib/app-1/ebin/app.beam && git commit -q -am two && git tag -a v1.0.1 -m r &&
	sv 0 publish rel --store ../st --json && expect_json .latest_before 1.0.0 &&
	expect_json .latest 1.0.1 &&
	sv 0 ls rel --store ../st && contains out "* 1.0.1        reload" &&
	echo x >>rel/bin/app && sv 2 publish rel --store ../st && contains err "no version"
'

test_expect_success 'the store comes from --store, SMOOTHVER_STORE, store.url or the default' '
	mkapp rel &&
	SMOOTHVER_STORE=$PWD/env sv 0 publish rel --name a --version 1.0.0 --expect-empty &&
	test -f env/a-latest &&
	sv 0 publish rel --name a --version 1.0.0 --expect-empty &&
	test -f "$HOME/.local/share/smoothver/store/a-latest" &&
	XDG_DATA_HOME=$PWD/xdg sv 0 publish rel --name b --version 1.0.0 --expect-empty &&
	XDG_DATA_HOME=$PWD/xdg sv 0 ls && expect_out "b                        1.0.0        1 version" &&
	mkdir repo && cd repo && git init -q && git commit -q --allow-empty -m one &&
	printf "[store]\n\turl = shared\n" >.smoothver && mkdir sub && cd sub &&
	sv 0 publish ../../rel --name a --version 1.0.0 --expect-empty &&
	test -f ../shared/a-latest &&
	sv 0 publish ../../rel --name a --version 1.0.0 --expect-empty --store "file://$PWD/../../f" &&
	test -f ../../f/a-latest &&
	sv 2 ls --store gs://bucket/x && contains err "scheme '\''gs'\'' is not supported" &&
	sv 2 ls --store file://relative && contains err "expected file:///ABSOLUTE/PATH"
'

test_expect_success 'a directory that is not a store is refused, and left alone' '
	mkapp rel && mkdir notstore && echo keep >notstore/file &&
	sv 3 publish rel --name a --version 1.0.0 --store notstore --expect-empty &&
	contains err "is not a smoothver store" && test "$(ls notstore)" = file &&
	sv 3 ls --store notstore && contains err "is not a smoothver store" &&
	sv 3 gc --store notstore && test "$(ls notstore)" = file &&
	sv 3 ls --store missing && contains err "store '\''missing'\'' does not exist" && contains err "hint: the first publish creates it" &&
	test ! -e missing &&
	mkdir st && echo "smoothver-store 9" >st/smoothver-store &&
	sv 3 ls --store st && contains err "a format this smoothver does not know"
'

test_expect_success 'ls lists releases and versions; --json' '
	mkapp rel && sv 0 publish rel --name app --version 1.0.0 --store st --expect-empty &&
	mkapp r2 two && sv 0 publish r2 --name app --version 1.1.0 --store st --expect-latest 1.0.0 &&
	sv 0 publish r2 --name api --version 0.1.0 --store st --expect-empty &&
	sv 0 ls --store st &&
	expect_out "api                      0.1.0        1 version
app                      1.1.0        2 versions" &&
	sv 0 ls app --store st && test "$(head -c 9 out)" = "* 1.1.0  " &&
	test "$(sed -n 2p out | cut -c1-8)" = "  1.0.0 " &&
	sv 0 --json ls app --store st && expect_json .latest 1.1.0 &&
	expect_json ".versions[0].version" 1.1.0 && expect_json ".versions[1].latest" false &&
	expect_json ".versions[0].sha256" "$(cut -d" " -f1 <<EOF
$(sha256sum st/blobs/sha256/* | grep -F "$(jq -r .package st/releases/app/1.1.0.json)")
EOF
)" &&
	sv 3 ls nope --store st && contains err "has no release '\''nope'\''" &&
	sv 0 -q ls app --store st && expect_empty out && sv 3 -q ls nope --store st &&
	sv 2 ls "bad name" --store st
'

test_expect_success 'fetch: versions, latest, missing ones, and an existing output' '
	mkapp rel && sv 0 publish rel --name app --version 1.0.0 --store st --expect-empty &&
	mkapp r2 two && sv 0 publish r2 --name app --version 1.1.0 --store st --expect-latest 1.0.0 &&
	sv 0 fetch app@v1.0.0 --store st -o a && diff -r rel a &&
	sv 0 fetch app@latest --store st -o b && diff -r r2 b &&
	mkdir empty && sv 0 fetch app --store st -o empty && diff -r r2 empty &&
	sv 2 fetch app --store st -o b && contains err "'\''b'\'' exists and is not empty" &&
	sv 3 fetch app@9.9.9 --store st -o c && contains err "has no release app@9.9.9" &&
	sv 3 fetch nope --store st -o c && contains err "has no release '\''nope'\''" &&
	sv 2 fetch app@1.0 --store st -o c && sv 2 fetch app --store st --max-size 0 -o c &&
	test ! -e c && sv 0 fetch app --store st --json -o d.tgz && expect_json .kind package &&
	left=$(ls -A | tr "\n" " ") && test "$left" = "a b d.tgz empty err out r2 rel st " || { echo "left: $left"; false; }
'

test_expect_success 'fetch checks every digest: a damaged store is refused' '
	mkapp rel && sv 0 publish rel --name app --version 1.0.0 --store st --expect-empty &&
	pkg=$(jq -r .package st/releases/app/1.0.0.json) &&
	man=$(jq -r .manifest st/releases/app/1.0.0.json) &&
	cp st/blobs/sha256/$pkg saved && printf X | dd of=st/blobs/sha256/$pkg bs=1 seek=100 conv=notrunc 2>/dev/null &&
	sv 3 fetch app --store st -o out.d && contains err "does not match its digest" &&
	sv 3 fetch app --store st -o p.tar.gz && test ! -e p.tar.gz && test ! -e out.d &&
	cp saved st/blobs/sha256/$pkg && sv 0 fetch app --store st -o ok.d &&
	rm st/blobs/sha256/$pkg && sv 3 fetch app --store st -o x.d && contains err "is missing" &&
	cp saved st/blobs/sha256/$pkg && sed -i "s/\"app\"/\"ap2\"/" st/blobs/sha256/$man &&
	sv 3 fetch app --store st -o y.d && contains err "manifest of app@1.0.0" &&
	echo 9.9.9 >st/app-latest && sv 3 fetch app --store st -o z.d && contains err "the store is damaged" &&
	echo "not a version" >st/app-latest && sv 3 fetch app --store st -o z.d && contains err "does not hold a version" &&
	test -z "$(ls -A | grep "^\.")"
'

test_expect_success 'a manifest larger than its record says is refused before it is read whole' '
	mkapp rel && sv 0 publish rel --name app --version 1.0.0 --store st --expect-empty &&
	rec=st/releases/app/1.0.0.json &&
	size=$(jq -r .manifest_size $rec) &&
	jq -c ".manifest_size = 100" $rec >rec.tmp && cp rec.tmp $rec &&
	sv 3 fetch app --store st -o a.d &&
	contains err "is larger than 100 bytes" && test ! -e a.d &&
	jq -c ".manifest_size = 600000000" $rec >rec.tmp && cp rec.tmp $rec &&
	sv 3 fetch app --store st -o b.d &&
	contains err "gives its manifest 600000000 bytes, more than the 536870912 a manifest may have" &&
	jq -c ".manifest_size = $size" $rec >rec.tmp && cp rec.tmp $rec &&
	sv 0 fetch app --store st -o c.d &&
	man=$(jq -r .manifest $rec) && chmod u+w st/blobs/sha256/$man &&
	sed "s/\"name\":\"app\"/\"name\":\"app\",\"name\":\"app\"/" st/blobs/sha256/$man >m.json &&
	sv 3 verify rel --manifest m.json &&
	contains err "a key repeats in an object ('"'"'name'"'"')" &&
	sed "s/\"size\":\([0-9]*\)/\"size\":\1.0/" st/blobs/sha256/$man >m2.json &&
	sv 3 verify rel --manifest m2.json && contains err "a number is not whole"
'

test_expect_success 'verify: drift in a tree, a package, and what it is checked against' '
	mkapp rel && sv 0 pack rel --name app --version 1.0.0 &&
	sv 0 verify app-1.0.0.tar.gz && contains out "matches app 1.0.0 (8 entries)" &&
	sv 0 verify rel --manifest app-1.0.0.manifest.json &&
	echo more >>rel/lib/app-1/README && chmod -x rel/bin/app && touch rel/extra &&
	rm rel/lib/app-1/ebin/app.beam && rm rel/lib/app-1/run && mkdir rel/lib/app-1/run &&
	sv 1 verify rel --manifest app-1.0.0.manifest.json &&
	expect_out "mode     bin/app (0755 -> 0644)
added    extra
modified lib/app-1/README (7 -> 12 bytes)
missing  lib/app-1/ebin/app.beam
type     lib/app-1/run (symlink -> dir)" &&
	sv 1 -q verify rel --manifest app-1.0.0.manifest.json && expect_empty out &&
	sv 1 --json verify rel --manifest app-1.0.0.manifest.json && expect_json .ok false &&
	expect_json ".drift | length" 5 && expect_json ".drift[0].drift" mode &&
	expect_json .schema smoothver.verify/1 &&
	sv 2 verify rel && contains err "no manifest to check" &&
	sv 2 verify rel --manifest a --release b@1.0.0 &&
	gzip -dc app-1.0.0.tar.gz | gzip -1 >re.tar.gz && cp app-1.0.0.manifest.json re.manifest.json &&
	sv 1 verify re.tar.gz && contains out "(same content, other bytes)" &&
	echo "{}" >bad.json && sv 3 verify rel --manifest bad.json && contains err "schema is" &&
	sv 3 verify nothing.tar.gz && contains err "cannot open"
'

test_expect_success 'gc removes garbage and old versions, never what latest needs' '
	mkapp rel && sv 0 publish rel --name app --version 1.0.0 --store st --expect-empty --compat-names &&
	for v in 1 2 3; do mkapp r$v w$v && sv 0 publish r$v --name app --version 1.0.$v --store st --expect-latest 1.0.$((v-1)) --compat-names || exit 1; done &&
	mkapp lost lost && sv 0 pack lost --name app --version 1.0.9 &&
	sv 4 publish app-1.0.9.tar.gz --store st --expect-latest 1.0.0 &&
	for f in app-1.0.9.tar.gz app-1.0.9.manifest.json; do
		cp $f st/blobs/sha256/$(sha256sum <$f | cut -d" " -f1) || exit 1
	done &&
	echo partial >st/tmp/put-old && touch -d "2 hours ago" st/tmp/put-old &&
	echo partial >st/tmp/put-new &&
	cp app-1.0.9.tar.gz st/app-1.0.9.tar.gz && echo mine >st/app-notes.tar.gz &&
	test "$(ls st/blobs/sha256 | wc -l)" = 10 &&
	sv 0 gc --store st && contains out "removed 0 versions and 2 blobs" &&
	contains out "removed copy    app@1.0.9" && test -e st/app-notes.tar.gz &&
	rm st/app-notes.tar.gz &&
	test "$(ls st/blobs/sha256 | wc -l)" = 8 && check st &&
	test "$(ls st/tmp)" = put-new &&
	cp -R st before && sv 0 gc --store st --keep 2 --dry-run && diff -r before st &&
	contains out "would remove version app@1.0.0" &&
	sv 0 --json gc --store st --keep 2 && expect_json ".removed | length" 8 &&
	test "$(ls st/releases/app | tr "\n" " ")" = "1.0.2.json 1.0.3.json " &&
	test ! -e st/app-1.0.1.tar.gz && test -e st/app-1.0.3.tar.gz && check st &&
	printf "1.0.2\n" >st/app-latest && sv 0 gc --store st --keep 1 &&
	test "$(ls st/releases/app | tr "\n" " ")" = "1.0.2.json 1.0.3.json " &&
	sv 0 fetch app --store st -o f && diff -r r2 f &&
	sv 2 gc --store st --keep 0 && sv 2 gc --store st --keep x
'

test_done
