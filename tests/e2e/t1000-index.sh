#!/bin/sh
# index: the content index of directories and tarballs.
. "$SV_SRCDIR/tests/e2e/lib.sh"

mktree() {
	mkdir -p t/lib/app/ebin t/bin t/empty
	printf 'hello\n' >t/lib/app/ebin/a.beam
	printf '#!/bin/sh\n' >t/bin/run && chmod 750 t/bin/run
	ln -s ../lib/app t/bin/app
	printf 'x' >"t/$(printf 'new\nline')"
	printf 'y' >"t/$(printf 'bad\377')"
}

test_expect_success 'a directory: types, normalised modes, sizes, digests, sorted' '
	mktree && sv 0 index t && cat >want <<-EOT &&
	f 0644          1 $(printf y | sha256sum | cut -c1-64) "bad\377"
	d 0755          0 -                                                                bin
	l 0777         10 $(printf ../lib/app | sha256sum | cut -c1-64) bin/app -> ../lib/app
	f 0755         10 $(sha256sum <t/bin/run | cut -c1-64) bin/run
	d 0755          0 -                                                                empty
	d 0755          0 -                                                                lib
	d 0755          0 -                                                                lib/app
	d 0755          0 -                                                                lib/app/ebin
	f 0644          6 5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03 lib/app/ebin/a.beam
	f 0644          1 $(printf x | sha256sum | cut -c1-64) "new\nline"
	EOT
	cmp want out
'

test_expect_success 'JSON keeps every byte of every name' '
	mktree && sv 0 index --json t &&
	expect_json .schema smoothver.index/1 && expect_json .files 4 &&
	expect_json .dirs 5 && expect_json .symlinks 1 && expect_json .bytes 18 &&
	contains out "\"path\":\"bad\\udcff\"" && contains out "\"path\":\"new\\nline\"" &&
	expect_json ".entries[2].target" ../lib/app &&
	expect_json ".entries[1].sha256" null && expect_json ".entries[3].mode" 0755
'

test_expect_success 'a tarball indexes like the directory it was made from' '
	mktree && sv 0 index --json t && jq -c ".entries" out >dir.json &&
	tar -C t -cf t.tar . && tar -C t -czf t.tgz . && tar -C t --zstd -cf t.tar.zst . &&
	for f in t.tar t.tgz t.tar.zst; do
		sv 0 index --json $f && jq -c ".entries" out >tar.json && cmp dir.json tar.json || exit 1
	done
'

test_expect_success 'tarballs without directory entries get implied directories' '
	mktree && (cd t && tar -cf ../flat.tar --no-recursion lib/app/ebin/a.beam bin/run) &&
	sv 0 index flat.tar && grep "^d " out >dirs && cat dirs && test "$(wc -l <dirs)" -eq 4
'

test_expect_success 'hard links, fifos, sockets are refused, naming the path' '
	mkdir h && echo a >h/one && ln h/one h/two &&
	sv 3 index h && contains err "'\''h/one'\'' is a hard link (2 links)" && expect_empty out &&
	mkdir f && mkfifo f/pipe &&
	sv 3 index f && contains err "'\''f/pipe'\'' is a fifo"
'

test_expect_success 'symlinks that are absolute or leave the tree are refused' '
	mkdir a && ln -s /etc/passwd a/abs && sv 3 index a &&
	contains err "symlink '\''a/abs'\'' -> '\''/etc/passwd'\'' leads outside the tree" &&
	mkdir b b/sub && ln -s ../../x b/sub/up && sv 3 index b && contains err "leads outside" &&
	mkdir c c/sub && ln -s ../ok c/sub/fine && sv 0 index c
'

test_expect_success 'crafted tarballs: absolute paths, .., links out, hard links, devices, duplicates' '
	python3 - <<-\EOT &&
	import io, tarfile
	def mk(name, members):
	    with tarfile.open(name, "w") as t:
	        for m, data in members:
	            if data is not None:
	                m.size = len(data)
	                t.addfile(m, io.BytesIO(data))
	            else:
	                t.addfile(m)
	def f(n): return tarfile.TarInfo(n)
	m = f("/etc/x"); mk("abs.tar", [(m, b"x")])
	m = f("a/../../x"); mk("dotdot.tar", [(m, b"x")])
	m = f("l"); m.type = tarfile.SYMTYPE; m.linkname = "../../etc"; mk("link.tar", [(m, None)])
	a = f("a"); h = f("b"); h.type = tarfile.LNKTYPE; h.linkname = "a"; mk("hard.tar", [(a, b"x"), (h, None)])
	d = f("dev"); d.type = tarfile.CHRTYPE; mk("dev.tar", [(d, None)])
	mk("dup.tar", [(f("x"), b"1"), (f("./x"), b"2")])
	EOT
	sv 3 index abs.tar && contains err "archive '\''abs.tar'\'' has an absolute path '\''/etc/x'\''" &&
	sv 3 index dotdot.tar && contains err "has a path with '\''..'\'': '\''a/../../x'\''" &&
	sv 3 index link.tar && contains err "symlink '\''l'\'' -> '\''../../etc'\'' leading outside it" &&
	sv 3 index hard.tar && contains err "hard link '\''b'\'' -> '\''a'\''" &&
	sv 3 index dev.tar && contains err "special file '\''dev'\''" &&
	sv 3 index dup.tar && contains err "has the entry '\''x'\'' twice"
'

test_expect_success 'truncated and corrupt archives, missing paths' '
	mktree && tar -C t -czf t.tgz . && head -c 100 t.tgz >cut.tgz &&
	sv 3 index cut.tgz && contains err "cannot read archive '\''cut.tgz'\''" &&
	echo "not a tarball" >junk.tar && sv 3 index junk.tar && contains err "cannot read archive '\''junk.tar'\''" &&
	sv 3 index nowhere && expect_err "smoothver: error: cannot open '\''nowhere'\'': No such file or directory"
'

test_expect_success 'unreadable files are errors naming them' '
	mkdir u && echo s >u/secret && chmod 000 u/secret &&
	if [ "$(id -u)" -eq 0 ]; then
		# root reads anything: run as nobody, who may enter but not read
		chmod 755 "$TEST_ROOT" . u &&
		set +e; setpriv --reuid=65534 --regid=65534 --clear-groups \
			"$SMOOTHVER" index u >out 2>err; rc=$?; set -e
		test $rc -eq 3
	else
		sv 3 index u
	fi &&
	expect_err "smoothver: error: cannot open '\''u/secret'\'': Permission denied" && expect_empty out
'

test_expect_success 'the result does not depend on the number of threads' '
	mkdir -p big && i=0 && while [ $i -lt 300 ]; do echo $i >big/f$i; i=$((i+1)); done &&
	SMOOTHVER_THREADS=1 sv 0 index big && mv out one &&
	SMOOTHVER_THREADS=7 sv 0 index big && cmp one out
'

test_expect_success 'a file that changes while being read is an error naming it' '
	mkdir w && echo data >w/a && echo more >w/b &&
	SMOOTHVER_TEST_CHANGE=b SMOOTHVER_NO_CACHE=1 sv 3 index w &&
	expect_err "smoothver: error: '\''w/b'\'' changed while being read (size or mtime differ after hashing)" &&
	SMOOTHVER_TEST_CHANGE=a sv 3 pack --version 1.0.0 -o w.tgz w &&
	expect_err "smoothver: error: '\''w/a'\'' changed while being packed" && test ! -e w.tgz
'

test_expect_success 'a large file (streamed, not read ahead) that changes while packed is an error too' '
	mkdir L && echo small >L/a && head -c 400000 /dev/zero >L/big && echo tail >L/z &&
	SMOOTHVER_TEST_CHANGE=big sv 3 pack --version 1.0.0 -o L.tgz L &&
	expect_err "smoothver: error: '\''L/big'\'' changed while being packed" && test ! -e L.tgz &&
	SMOOTHVER_TEST_CHANGE=z sv 3 pack --version 1.0.0 -o L.tgz L &&
	expect_err "smoothver: error: '\''L/z'\'' changed while being packed" && test ! -e L.tgz
'

test_expect_success 'a symlink loop as the tree is an error' '
	ln -s loop loop && sv 3 index loop && contains err "cannot open" && contains err "loop"
'

test_expect_success 'the hash cache never hides a change' '
	mkdir c && echo aaaa >c/f && touch -d @1000000000 c/f &&
	sv 0 index c && cp out first && test -n "$(ls "$HOME/.cache/smoothver/index")" &&
	sv 0 index c && cmp first out &&
	echo bbbb >c/f && touch -d @1000000000 c/f &&
	sv 0 index c && contains out "$(sha256sum <c/f | cut -c1-64)" &&
	echo cccc >c/f &&
	sv 0 index c && contains out "$(sha256sum <c/f | cut -c1-64)"
'

test_expect_success 'a corrupt cache is ignored; SMOOTHVER_NO_CACHE turns it off' '
	mkdir c && echo a >c/f && touch -d @1000000000 c/f && sv 0 index c && cp out first &&
	for f in "$HOME"/.cache/smoothver/index/*; do printf "garbage" >"$f"; done &&
	sv 0 index c && cmp first out &&
	rm -rf "$HOME/.cache" && SMOOTHVER_NO_CACHE=1 sv 0 index c && cmp first out &&
	test ! -e "$HOME/.cache/smoothver"
'

test_done
