#!/bin/sh
# pack: deterministic, content-addressed tarballs and manifests.
# The trees here look like OTP release roots (releases/1.0.0/app.rel) but
# are not complete ones, so they are packed as plain trees (--tree);
# OTP release packages are tested in t2020-otp-pack.sh.
. "$SV_SRCDIR/tests/e2e/lib.sh"

# expect_json_file FILE FILTER VALUE: jq -r FILTER on FILE prints VALUE.
expect_json_file() {
	_v=$(jq -r "$2" "$1") && [ "$_v" = "$3" ] ||
		{ echo "$1: $2 is '''$_v''', expected '''$3'''" >&2; return 1; }
}

# mkrel DIR: a small release-like tree, created in an order and with
# modes and times that depend on $ORDER, $UMASK and $STAMP.
mkrel() {
	umask "${UMASK:-022}"
	mkdir -p "$1"
	if [ "${ORDER:-a}" = a ]; then
		mkdir -p "$1/lib/app-1.0/ebin" "$1/bin" "$1/releases/1.0.0"
		printf 'beam one\n' >"$1/lib/app-1.0/ebin/one.beam"
		printf 'beam two\n' >"$1/lib/app-1.0/ebin/two.beam"
		printf '#!/bin/sh\necho run\n' >"$1/bin/app"
	else
		mkdir -p "$1/releases/1.0.0" "$1/bin" "$1/lib/app-1.0/ebin"
		printf '#!/bin/sh\necho run\n' >"$1/bin/app"
		printf 'beam two\n' >"$1/lib/app-1.0/ebin/two.beam"
		printf 'beam one\n' >"$1/lib/app-1.0/ebin/one.beam"
	fi
	chmod +x "$1/bin/app"
	printf '{release, {"app", "1.0.0"}, {erts, "13.1"}, []}.\n' >"$1/releases/1.0.0/app.rel"
	head -c 300000 /dev/urandom >"$1/lib/app-1.0/ebin/big.beam.tmp"
	cp "$SV_SRCDIR/COPYING" "$1/lib/app-1.0/LICENSE"
	cat "$1/lib/app-1.0/LICENSE" "$1/lib/app-1.0/LICENSE" >"$1/lib/app-1.0/doc.txt"
	ln -s app "$1/bin/app-link"
	rm "$1/lib/app-1.0/ebin/big.beam.tmp"
	printf '%0200000d\n' 7 >"$1/lib/app-1.0/ebin/big.beam"
	find "$1" -exec touch -h -d "@${STAMP:-1000000000}" {} +
}

test_expect_success 'the same content gives the same bytes' '
	mkrel a && ORDER=b UMASK=077 STAMP=1700000000 mkrel b &&
	chmod -R go+rX b &&
	sv 0 pack --tree --version 1.0.0 -o a.tar.gz a &&
	TZ=Asia/Tokyo LC_ALL=C.UTF-8 SMOOTHVER_THREADS=1 sv 0 pack --tree --version 1.0.0 -o b.tar.gz b &&
	cmp a.tar.gz b.tar.gz &&
	sv 0 pack --tree --version 1.0.0 --compression zstd -o a.tar.zst a &&
	SMOOTHVER_THREADS=5 sv 0 pack --tree --version 1.0.0 -o b.tar.zst b && cmp a.tar.zst b.tar.zst
'

test_expect_success 'owners and host name do not show (as root)' '
	test "$(id -u)" -eq 0 || { echo "# not root"; exit 0; }
	command -v unshare >/dev/null || { echo "# no unshare"; exit 0; }
	mkrel a && mkrel b && chown -R nobody:nogroup b &&
	sv 0 pack --tree --version 1.0.0 -o a.tgz a &&
	unshare --uts sh -c "hostname elsewhere.example && \"\$SMOOTHVER\" pack -q --tree --version 1.0.0 -o b.tgz b" &&
	cmp a.tgz b.tgz
'

test_expect_success 'umask 077 files are still packed with normalised modes' '
	UMASK=077 mkrel a && sv 0 pack --tree --version 1.0.0 -o a.tgz a &&
	tar -tvzf a.tgz >list && contains list "-rw-r--r-- 0/0" &&
	contains list "-rwxr-xr-x 0/0" && contains list "drwxr-xr-x 0/0" &&
	lacks list "rw-------"
'

test_expect_success 'entries sorted, mtime SOURCE_DATE_EPOCH, root owner, no names' '
	mkrel a && SOURCE_DATE_EPOCH=1234567890 sv 0 pack --tree --version 1.0.0 -o a.tgz a &&
	tar -tzf a.tgz >names && LC_ALL=C sort names >sorted && cmp names sorted &&
	tar --numeric-owner -tvzf a.tgz >list && contains list "0/0" &&
	contains list "2009-02-13 23:31" && lacks list "root" &&
	python3 -c "
import tarfile, sys
t = tarfile.open(\"a.tgz\")
for m in t.getmembers():
    assert m.uid == 0 and m.gid == 0 and m.uname == \"\" and m.gname == \"\", m.name
    assert m.mtime == 1234567890, m.name
    assert not m.pax_headers, (m.name, m.pax_headers)
print(\"ok\")" &&
	SOURCE_DATE_EPOCH=yesterday sv 2 pack --tree --version 1.0.0 -o b.tgz a &&
	contains err "invalid SOURCE_DATE_EPOCH" && test ! -e b.tgz
'

test_expect_success 'one gzip member without name or mtime' '
	mkrel a && sv 0 pack --tree --version 1.0.0 -o a.tgz a &&
	python3 -c "
import gzip, zlib
d = open(\"a.tgz\", \"rb\").read()
assert d[:4] == bytes([0x1f, 0x8b, 8, 0]) and d[4:8] == bytes(4), d[:10]
z = zlib.decompressobj(31); out = z.decompress(d)
assert z.eof and z.unused_data == b\"\", \"more than one member\"
print(len(out))" >n && test "$(cat n)" -gt 0 && gzip -t a.tgz
'

test_expect_success 'GNU tar, Python tarfile and the index agree on the content' '
	mkrel a && sv 0 pack --tree --version 1.0.0 -o a.tgz a &&
	mkdir x && tar -C x -xzf a.tgz && diff -r a x &&
	python3 -c "import tarfile; tarfile.open(\"a.tgz\").extractall(\"y\")" && diff -r a y &&
	sv 0 index --json a && jq -c .entries out >dir.json &&
	sv 0 index --json a.tgz && jq -c .entries out >tar.json && cmp dir.json tar.json
'

test_expect_success 'OTP erl_tar extracts it (when erl is installed)' '
	command -v erl >/dev/null || { echo "# no erl"; exit 0; }
	mkrel a && sv 0 pack --tree --version 1.0.0 -o a.tgz a && mkdir e &&
	erl -noshell -eval "ok = erl_tar:extract(\"a.tgz\", [compressed, {cwd, \"e\"}]), halt()." &&
	diff -r a e
'

test_expect_success 'diffoscope finds no difference (when installed)' '
	command -v diffoscope >/dev/null || { echo "# no diffoscope"; exit 0; }
	mkrel a && ORDER=b UMASK=027 STAMP=5 mkrel b && chmod -R go+rX b &&
	sv 0 pack --tree --version 1.0.0 -o a.tgz a && sv 0 pack --tree --version 1.0.0 -o b.tgz b &&
	diffoscope a.tgz b.tgz
'

test_expect_success 'prints both digests, size and entries; --json' '
	mkrel a && sv 0 pack --tree --version 1.0.0 --name shop a &&
	test -f shop-1.0.0.tar.gz && test -f shop-1.0.0.manifest.json &&
	contains out "shop-1.0.0.tar.gz" &&
	contains out "sha256      $(sha256sum <shop-1.0.0.tar.gz | cut -c1-64)" &&
	contains out "tar sha256  $(zcat shop-1.0.0.tar.gz | sha256sum | cut -c1-64)" &&
	sv 0 pack --tree --json --version 1.0.0 --name shop -o s.tgz a &&
	expect_json .schema smoothver.pack/1 && expect_json .sha256 "$(sha256sum <s.tgz | cut -c1-64)" &&
	expect_json .size "$(wc -c <s.tgz)" && expect_json .entries 14 &&
	expect_json .manifest s.manifest.json &&
	expect_json .manifest_sha256 "$(sha256sum <s.manifest.json | cut -c1-64)"
'

test_expect_success 'a wide tree: same bytes and manifest on 1 and 4 threads, every entry in path order' '
	# 40 directories of 250 files: the walk shares out the subtrees and
	# the manifest is rendered in more than one round (8,192 entries)
	mkdir w && (cd w && for d in $(seq -w 0 39); do
		mkdir d$d && (cd d$d && seq 1 250 | xargs touch); done) &&
	printf x >w/d07.txt && printf y >w/d07-a &&
	SMOOTHVER_THREADS=1 sv 0 pack --tree --version 1.0.0 -o w1.tgz --manifest m1.json w &&
	SMOOTHVER_THREADS=4 sv 0 pack --tree --version 1.0.0 -o w4.tgz --manifest m4.json w &&
	cmp w1.tgz w4.tgz &&
	jq -c "del(.package.file)" m1.json >a.json && jq -c "del(.package.file)" m4.json >b.json && cmp a.json b.json &&
	test "$(jq -r ".content | length" m1.json)" -eq 10042 &&
	jq -r ".content[].path" m1.json >paths &&
	(cd w && find . -mindepth 1 | sed "s|^\./||" | LC_ALL=C sort) >want && cmp want paths &&
	tar -tzf w1.tgz | sed "s|/$||" >tarpaths && cmp want tarpaths
'

test_expect_success 'the manifest is canonical and complete' '
	mkrel a && SOURCE_DATE_EPOCH=77 sv 0 pack --tree --version 1.0.0 --name shop -o s.tgz a &&
	m=s.manifest.json && test "$(wc -l <$m)" -eq 1 &&
	jq -cS . $m >sorted && cmp sorted $m &&
	jq -e ".schema == \"smoothver.manifest/1\" and .name == \"shop\" and .version == \"1.0.0\" and .source_date_epoch == 77 and .source == null and .previous == null and .delta == null" $m &&
	test "$(jq -r .package.sha256 $m)" = "$(sha256sum <s.tgz | cut -c1-64)" &&
	test "$(jq -r .package.tar_sha256 $m)" = "$(zcat s.tgz | sha256sum | cut -c1-64)" &&
	test "$(jq -r .package.file $m)" = s.tgz &&
	test "$(jq -r ".content | length" $m)" -eq 14 &&
	test "$(jq -r ".content[] | select(.path == \"bin/app\") | .mode" $m)" = 0755 &&
	test "$(jq -r .tool $m)" = "smoothver $("$SMOOTHVER" --version | cut -d" " -f2)" &&
	cp $m first && SOURCE_DATE_EPOCH=77 sv 0 pack --tree --version 1.0.0 --name shop -o s.tgz a && cmp first $m
'

test_expect_success 'in a repository: version from the tag on HEAD, previous and level, commit and tree' '
	mkdir repo && cd repo && git init -q && mkrel rel && rm -r rel/releases && git add rel && git commit -q -m one &&
	git tag -a v1.0.0 -m r && echo x >>rel/bin/app && git commit -q -am two &&
	"$SMOOTHVER" tag relup >/dev/null &&
	sv 0 pack --tree --name shop rel && test -f shop-1.1.0.tar.gz && m=shop-1.1.0.manifest.json &&
	test "$(jq -r .previous.version $m)" = 1.0.0 && test "$(jq -r .previous.level $m)" = relup &&
	test "$(jq -r .source.commit $m)" = "$(git rev-parse HEAD)" &&
	test "$(jq -r .source.tree $m)" = "$(git rev-parse HEAD^{tree})" &&
	test "$(jq -r .source.dirty $m)" = false &&
	echo y >>rel/bin/app && sv 2 pack --tree --name shop rel && contains err "no version"
'

test_expect_success '--tree packs any directory whole, an OTP installation too' '
	mkdir -p inst/releases/25 inst/lib/kernel-8.5/ebin &&
	for r in start_clean start_sasl no_dot_erlang; do
		printf "{release, {\"OTP APN 181 01\", \"R16B\"}, {erts, \"13.1\"}, []}.\n" \
			>inst/releases/25/$r.rel
	done &&
	echo "13.1 25" >inst/releases/start_erl.data &&
	echo k >inst/lib/kernel-8.5/ebin/kernel.app &&
	sv 3 pack inst -o x.tgz && contains err "several .rel files" &&
	sv 0 pack --tree --name otp --version 25.0.0 -o otp.tgz inst &&
	tar -tzf otp.tgz | sort >list &&
	contains list "releases/25/start_sasl.rel" &&
	contains list "lib/kernel-8.5/ebin/kernel.app" &&
	expect_json_file otp.manifest.json .name otp &&
	sv 0 pack --tree -o plain.tgz inst &&
	expect_json_file plain.manifest.json .name inst &&
	mkrel r && sv 0 pack --tree -o r.tgz r &&
	expect_json_file r.manifest.json .name app &&
	expect_json_file r.manifest.json .version 1.0.0
'

test_expect_success 'bad input: nothing written' '
	mkrel a && mkfifo a/pipe && sv 3 pack --tree --version 1.0.0 -o out.tgz a &&
	contains err "is a fifo" && test ! -e out.tgz && rm a/pipe &&
	sv 3 pack --tree --version 1.0.0 -o out.tgz missing && contains err "cannot open directory '\''missing'\''" &&
	sv 2 pack --tree --version 1.0 -o out.tgz a && contains err "invalid version" &&
	sv 2 pack --tree --version 1.0.0 --name "a b" a && contains err "invalid release name" &&
	sv 2 pack --tree --version 1.0.0 --compression zstd -o x.tgz a && contains err "does not look like zstd" &&
	sv 3 pack --tree --version 1.0.0 -o /nonexistent/dir/x.tgz a && contains err "cannot create '\''/nonexistent/dir/x.tgz'\''" &&
	left=$(ls -A | tr "\n" " ") && test "$left" = "a err out " || { echo "left: $left"; false; }
'

test_expect_success 'the name of . and .. is the directory'"'"'s own; a missing DIR is said before a missing version' '
	mkdir -p shop/sub && echo a >shop/a && echo b >shop/sub/b &&
	(cd shop && "$SMOOTHVER" pack -q --tree . --version 1.0.0 -o ../dot.tar.gz) &&
	jq -e ".name == \"shop\"" dot.manifest.json &&
	(cd shop/sub && "$SMOOTHVER" pack -q --tree .. --version 1.0.0 -o ../../up.tar.gz) &&
	jq -e ".name == \"shop\"" up.manifest.json &&
	cmp dot.tar.gz up.tar.gz &&
	sv 3 pack missing && contains err "cannot open directory '"'"'missing'"'"': No such file or directory" &&
	! contains err "version" &&
	sv 3 pack dot.tar.gz && contains err "cannot open directory '"'"'dot.tar.gz'"'"': Not a directory"
'

test_expect_success 'an interrupted pack leaves nothing at the destination' '
	mkdir big && i=0 && while [ $i -lt 40 ]; do head -c 1000000 /dev/urandom >big/f$i; i=$((i+1)); done &&
	echo old >dest.tgz &&
	( "$SMOOTHVER" pack --tree --version 1.0.0 -o dest.tgz big & pid=$!; sleep 0.3; kill -TERM $pid; wait $pid ) || true &&
	test "$(cat dest.tgz)" = old && test -z "$(ls -A | grep tmp)"
'

test_done
