#!/bin/sh
# fetch: hostile archives in a hostile store are refused, and leave nothing.
#
# The attacker controls the store, so each case fabricates one directly
# (smoothver-store(5)) rather than through 'smoothver publish', which
# would refuse most of these packages. The manifest either lists innocent
# entries while the tar holds the hostile one, or agrees with the tar so
# that the defence under test is the extraction check itself.
. "$SV_SRCDIR/tests/e2e/lib.sh"

# mkstore [OPTIONS] <SPEC: build ./st holding release evil 1.0.0.
#
# SPEC has one entry a line, in tar order; a leading "tar" puts the entry
# in the tar only, "man" in the manifest only, neither in both:
#   file PATH MODE [TEXT]   a regular file holding TEXT (rest of the line)
#   zeros PATH MODE SIZE    SIZE zero bytes
#   random PATH MODE SIZE   SIZE pseudo-random bytes
#   claim PATH MODE SIZE    a header saying SIZE bytes and no data (the
#                           manifest gets the size and a made-up digest)
#   dir PATH | symlink PATH [TARGET] | hardlink PATH [TARGET] | fifo PATH |
#   chr PATH | paxpath NAME PATH (ustar name NAME, pax 'path' PATH)
# PATH, TARGET and TEXT take Python escapes (\n, \xff). Options:
#   --truncate        the package is the first half of the gzip file
#   --not-gzip        the package is text, not an archive
#   --flip-package    after the store is made, change a byte of the package
#   --grow-package    after the store is made, append a byte to the package
#   --drop-package    after the store is made, remove the package blob
#   --flip-manifest   after the store is made, change a byte of the manifest
MKSTORE="$TEST_ROOT/mkstore.py"
cat >"$MKSTORE" <<'PY'
import codecs, gzip, hashlib, json, os, random, sys, tarfile

opts = set(sys.argv[1:])
def enc(s):
    return s.encode('utf-8', 'surrogateescape')
def unesc(s):
    return codecs.escape_decode(enc(s))[0].decode('utf-8', 'surrogateescape')
def sha(b):
    return hashlib.sha256(b).hexdigest()

tar, man = b'', []
for line in sys.stdin.read().split('\n'):
    if not line.strip():
        continue
    where = 'both'
    words = line.split(' ')
    if words[0] in ('tar', 'man'):
        where = words.pop(0)
    kind, path = words[0], unesc(words[1])
    ti = tarfile.TarInfo(path)
    ti.mtime, ti.uid, ti.gid, ti.mode = 0, 0, 0, 0o755
    data, fmt, claim = b'', tarfile.GNU_FORMAT, None
    ent = {'path': path, 'mode': '0755', 'sha256': None, 'size': 0,
           'type': 'dir'}
    if kind in ('file', 'zeros', 'random', 'claim'):
        mode = words[2]
        if kind == 'file':
            data = enc(unesc(' '.join(words[3:])))
        elif kind == 'zeros':
            data = bytes(int(words[3]))
        elif kind == 'random':
            data = random.Random(1).randbytes(int(words[3]))
        else:
            claim = int(words[3])
        ti.type, ti.mode = tarfile.REGTYPE, int(mode, 8)
        ti.size = claim if claim is not None else len(data)
        ent.update(type='file', mode=mode, size=ti.size,
                   sha256=sha(data) if claim is None else '0' * 64)
    elif kind == 'dir':
        ti.type = tarfile.DIRTYPE
    elif kind == 'symlink':
        target = unesc(words[2]) if len(words) > 2 else ''
        ti.type, ti.linkname, ti.mode = tarfile.SYMTYPE, target, 0o777
        ent.update(type='symlink', mode='0777', target=target,
                   size=len(enc(target)), sha256=sha(enc(target)))
    elif kind == 'hardlink':
        ti.type, ti.mode = tarfile.LNKTYPE, 0o644
        ti.linkname = unesc(words[2]) if len(words) > 2 else ''
        ent.update(type='file', mode='0644', sha256=sha(b''))
    elif kind == 'fifo':
        ti.type, ti.mode = tarfile.FIFOTYPE, 0o644
        ent.update(type='file', mode='0644', sha256=sha(b''))
    elif kind == 'chr':
        ti.type, ti.mode = tarfile.CHRTYPE, 0o644
        ti.devmajor, ti.devminor = 1, 3
        ent.update(type='file', mode='0644', sha256=sha(b''))
    elif kind == 'paxpath':
        ti.pax_headers = {'path': unesc(words[2])}
        ti.type, ti.mode, fmt = tarfile.DIRTYPE, 0o755, tarfile.PAX_FORMAT
    else:
        sys.exit('mkstore: unknown entry kind ' + kind)
    if where != 'man':
        tar += ti.tobuf(fmt, 'utf-8', 'surrogateescape')
        if claim is None:
            tar += data + bytes(-len(data) % 512)
    if where != 'tar':
        man.append(ent)
tar += bytes(1024)
tar += bytes(-len(tar) % 10240)

pkg = gzip.compress(tar, compresslevel=6, mtime=0)
if '--truncate' in opts:
    pkg = pkg[:len(pkg) // 2]
if '--not-gzip' in opts:
    pkg = b'this is not a package at all\n' * 40
man.sort(key=lambda e: enc(e['path']))
psha = sha(pkg)
mtext = (json.dumps({
    'content': man, 'name': 'evil',
    'package': {'compression': 'gzip', 'entries': len(man),
                'file': 'evil-1.0.0.tar.gz', 'sha256': psha,
                'size': len(pkg), 'tar_sha256': sha(tar),
                'tar_size': len(tar)},
    'previous': None, 'schema': 'smoothver.manifest/1', 'source': None,
    'source_date_epoch': 0, 'tool': 'smoothver 0.1.0', 'version': '1.0.0',
}, sort_keys=True, separators=(',', ':'), ensure_ascii=False) + '\n').encode()
msha = sha(mtext)
record = json.dumps({
    'compression': 'gzip', 'file': 'evil-1.0.0.tar.gz', 'level': None,
    'manifest': msha, 'manifest_size': len(mtext), 'name': 'evil',
    'package': psha, 'previous': None, 'published': '2026-01-01T00:00:00Z',
    'schema': 'smoothver.release/1', 'size': len(pkg), 'version': '1.0.0',
}, sort_keys=True, separators=(',', ':')) + '\n'

os.makedirs('st/blobs/sha256')
os.makedirs('st/releases/evil')
def put(name, b):
    with open('st/' + name, 'wb') as f:
        f.write(b)
put('smoothver-store', b'smoothver-store 1\n')
put('blobs/sha256/' + psha, pkg)
put('blobs/sha256/' + msha, mtext)
put('releases/evil/1.0.0.json', record.encode())
put('evil-latest', b'1.0.0\n')
if '--flip-package' in opts:
    put('blobs/sha256/' + psha, pkg[:100] + bytes([pkg[100] ^ 1]) + pkg[101:])
if '--grow-package' in opts:
    put('blobs/sha256/' + psha, pkg + b'\0')
if '--drop-package' in opts:
    os.remove('st/blobs/sha256/' + psha)
if '--flip-manifest' in opts:
    put('blobs/sha256/' + msha, mtext.replace(b'"evil"', b'"evi1"', 1))
PY

mkstore() { python3 "$MKSTORE" "$@"; }

# A benign release: what the positive controls fetch.
benign() {
	mkstore "$@" <<-\EOF
	dir bin
	file bin/app 0755 #!/bin/sh\necho run\n
	dir d
	file d/a.txt 0644 hello\n
	symlink d/up ../bin
	zeros d/z 0644 3000
	file empty 0644
	symlink l d/a.txt
	EOF
}

# What is in the test's directory and its store, without sv's out/err.
snapshot() {
	ls -A | grep -vx -e err -e out
	find st | LC_ALL=C sort
}

# refused FRAGMENT [FETCH OPTIONS]: fetch evil into dest must exit 3
# saying FRAGMENT, print nothing on stdout, and leave everything as it
# was: no dest, no hidden temporary files or directories beside it, the
# store unchanged, and no payload (a file named pwned*) anywhere under
# the temporary root, victim/ included.
refused() {
	_frag=$1
	shift
	_before=$(snapshot)
	sv 3 fetch evil -o dest --store st "$@" || return 1
	contains err "$_frag" || return 1
	expect_empty out || return 1
	if test -e dest || test -L dest; then
		echo "dest was created" >&2
		return 1
	fi
	_after=$(snapshot)
	if [ "$_before" != "$_after" ]; then
		echo "fetch left something behind:" >&2
		printf '%s\n' "$_before" >before
		printf '%s\n' "$_after" | diff -u before - >&2
		return 1
	fi
	_pwned=$(find "$TEST_ROOT" -name "pwned*")
	if [ -n "$_pwned" ]; then
		echo "payload written: $_pwned" >&2
		return 1
	fi
	if [ -d victim ] && [ -n "$(ls -A victim)" ]; then
		echo "victim/ was written to:" >&2
		ls -lA victim >&2
		return 1
	fi
}

# plain_err: ./err is one line without control characters.
plain_err() {
	if [ "$(wc -l <err)" -ne 1 ] || LC_ALL=C grep -q "[[:cntrl:]]" err; then
		echo "err is not one plain line; it has:" >&2
		cat -v err >&2
		return 1
	fi
}

# ---- positive controls: the fabricated layout is what fetch expects ----

test_expect_success 'control: a benign fabricated store fetches and verifies' '
	benign &&
	sv 0 fetch evil -o dest --store st &&
	contains out "fetched evil 1.0.0 into" && contains out "8 entries, each checked" &&
	test "$(cat dest/d/a.txt)" = hello && test -x dest/bin/app &&
	test "$(readlink dest/l)" = d/a.txt && test "$(readlink dest/d/up)" = ../bin &&
	test "$(wc -c <dest/d/z)" -eq 3000 && test ! -s dest/empty &&
	sv 0 verify dest --release evil@1.0.0 --store st &&
	test "$(ls -A | LC_ALL=C sort | tr "\n" " ")" = "dest err out st "
'

test_expect_success 'control: package file output, @version, empty dest dir' '
	benign && mkdir dest &&
	sv 0 fetch evil@1.0.0 -o dest --store st &&
	sv 0 verify dest --release evil@latest --store st &&
	sv 0 fetch evil -o evil.tar.gz --store st &&
	cmp evil.tar.gz st/blobs/sha256/$(sha256sum evil.tar.gz | cut -c1-64) &&
	sv 0 verify evil.tar.gz --release evil@1.0.0 --store st &&
	test "$(ls -A | LC_ALL=C sort | tr "\n" " ")" = "dest err evil.tar.gz out st "
'

test_expect_success 'control: --max-size equal to the total passes' '
	mkstore <<-\EOF &&
	zeros a 0644 600000
	zeros b 0644 448576
	EOF
	sv 0 fetch evil -o dest --store st --max-size 1M &&
	sv 0 verify dest --release evil@1.0.0 --store st
'

test_expect_success 'an existing non-empty output directory is left alone (exit 2)' '
	benign && mkdir dest && echo mine >dest/keep &&
	sv 2 fetch evil -o dest --store st &&
	contains err "exists and is not empty" &&
	test "$(ls -A dest)" = keep && test "$(cat dest/keep)" = mine &&
	test "$(ls -A | LC_ALL=C sort | tr "\n" " ")" = "dest err out st "
'

# ---- paths ----

test_expect_success 'absolute path' '
	mkdir victim &&
	mkstore <<-EOF &&
	man file a 0644 x
	tar file $PWD/victim/pwned 0644 x
	EOF
	refused "has an absolute path '\''$PWD/victim/pwned'\'': refused"
'

test_expect_success '.. path leaving the root' '
	mkstore <<-\EOF &&
	man file a 0644 x
	tar file ../pwned 0644 x
	EOF
	refused "has a path with '\''..'\'': '\''../pwned'\''"
'

test_expect_success '.. path after a directory (a/../../pwned)' '
	mkstore <<-\EOF &&
	dir a
	tar file a/../../pwned 0644 x
	man file b 0644 x
	EOF
	refused "a path with '\''..'\'': '\''a/../../pwned'\''"
'

test_expect_success '.. path hidden in a pax path header' '
	mkstore <<-\EOF &&
	man dir innocent
	tar paxpath innocent ../../pwned
	EOF
	refused "'\''../../pwned'\''"
'

test_expect_success 'an entry named . that is a file' '
	mkstore <<-\EOF &&
	man file a 0644 x
	tar file . 0644 x
	EOF
	refused "has an entry without a name: refused"
'

# ---- symlinks ----

test_expect_success 'symlink to an absolute target' '
	mkdir victim &&
	mkstore <<-EOF &&
	man symlink l a
	tar symlink l $PWD/victim
	man file a 0644 x
	EOF
	refused "has a symlink '\''l'\'' -> '\''$PWD/victim'\'' leading outside it"
'

test_expect_success 'symlink whose ../ leaves the root' '
	mkdir victim &&
	mkstore <<-\EOF &&
	dir d
	tar symlink d/l ../../victim
	man symlink d/l ../a
	man file a 0644 x
	tar file d/l/pwned 0644 x
	EOF
	refused "'\''d/l'\'' -> '\''../../victim'\'' leading outside it"
'

test_expect_success 'symlink with an empty target' '
	mkstore <<-\EOF &&
	man symlink l a
	tar symlink l
	man file a 0644 x
	EOF
	refused "has a symlink '\''l'\'' -> '\'''\'' leading outside it"
'

test_expect_success 'symlink through a symlink (d/x -> .., y -> d/x/../..), listed' '
	mkdir victim &&
	mkstore <<-\EOF &&
	dir d
	symlink d/x ..
	symlink y d/x/../..
	file z 0644 x
	EOF
	refused "symlink '\''y'\'' -> '\''d/x/../..'\'' that goes through the symlink '\''d/x'\''"
'

test_expect_success 'symlink through a symlink (x -> ., y -> x/..), listed' '
	mkstore <<-\EOF &&
	symlink x .
	symlink y x/..
	EOF
	refused "'\''y'\'' -> '\''x/..'\'' that goes through the symlink '\''x'\''"
'

test_expect_success 'file under a symlink (link -> sub, link/f), listed' '
	mkstore <<-\EOF &&
	dir sub
	symlink link sub
	file link/pwned 0644 x
	EOF
	refused "has an entry '\''link/pwned'\'' under the symlink '\''link'\''"
'

test_expect_success 'file under a symlink to .. (d/up -> .., d/up/pwned), listed' '
	mkstore <<-\EOF &&
	dir d
	symlink d/up ..
	file d/up/pwned 0644 x
	EOF
	refused "under the symlink '\''d/up'\''"
'

test_expect_success 'symlink target other than the manifest says' '
	mkstore <<-\EOF &&
	file a 0644 x
	file b 0644 y
	tar symlink l b
	man symlink l a
	EOF
	refused "symlink '\''l'\'' -> '\''b'\'' differs from its manifest"
'

# ---- entry types ----

test_expect_success 'hard link to a file outside' '
	echo secret >secret &&
	mkstore <<-EOF &&
	file a 0644 x
	hardlink h $PWD/secret
	EOF
	refused "has a hard link '\''h'\'' -> '\''$PWD/secret'\''" &&
	test "$(cat secret)" = secret && test "$(stat -c %h secret)" = 1
'

test_expect_success 'hard link to an entry inside' '
	mkstore <<-\EOF &&
	file a 0644 x
	hardlink h a
	EOF
	refused "has a hard link '\''h'\'' -> '\''a'\'': refused"
'

test_expect_success 'hard link without a target' '
	mkstore <<-\EOF &&
	file a 0644 x
	hardlink h
	EOF
	refused "'\''h'\''" && contains err ": refused"
'

test_expect_success 'character device' '
	mkstore <<-\EOF &&
	chr null
	EOF
	refused "has an entry '\''null'\'' that is not a file, directory or symlink"
'

test_expect_success 'fifo' '
	mkstore <<-\EOF &&
	fifo p
	EOF
	refused "has an entry '\''p'\'' that is not a file"
'

test_expect_success 'symlink where the manifest says file' '
	mkstore <<-\EOF &&
	file b 0644 x
	tar symlink a b
	man file a 0644 b
	EOF
	refused "'\''a'\'' is not a file as its manifest says"
'

test_expect_success 'directory where the manifest says symlink' '
	mkstore <<-\EOF &&
	file b 0644 x
	tar dir a
	man symlink a b
	EOF
	refused "is not a symlink as its manifest says"
'

# ---- the manifest against the tar ----

test_expect_success 'the same path twice' '
	mkstore <<-\EOF &&
	file a 0644 first
	tar file a 0644 later
	EOF
	refused "has the entry '\''a'\'' twice: refused"
'

test_expect_success 'the same path twice, once as ./a' '
	mkstore <<-\EOF &&
	symlink a b
	file b 0644 x
	tar file ./a 0644 x
	EOF
	refused "has the entry '\''./a'\'' twice: refused"
'

test_expect_success 'an entry the manifest does not list' '
	mkstore <<-\EOF &&
	file a 0644 x
	tar file extra 0644 x
	EOF
	refused "has an entry '\''extra'\'' that its manifest does not list"
'

test_expect_success 'unlisted entry with a newline and a non-UTF-8 byte in its name' '
	mkstore <<-\EOF &&
	file a 0644 x
	tar file b\nc\xff 0644 x
	EOF
	refused "that its manifest does not list: refused"
'

test_expect_success 'a listed file the tar lacks' '
	mkstore <<-\EOF &&
	file a 0644 x
	man file b 0644 y
	EOF
	refused "lacks '\''b'\'', which its manifest lists"
'

test_expect_success 'content other than the manifest says (same size)' '
	mkstore <<-\EOF &&
	tar file a 0644 evil
	man file a 0644 good
	EOF
	refused "the content of '\''a'\'' does not match its manifest"
'

test_expect_success 'size other than the manifest says' '
	mkstore <<-\EOF &&
	tar file a 0644 bigger
	man file a 0644 big
	EOF
	refused "'\''a'\'' has 6 bytes, its manifest says 3"
'

test_expect_success 'mode other than the manifest says (0755 for 0644)' '
	mkstore <<-\EOF &&
	tar file a 0755 x
	man file a 0644 x
	EOF
	refused "'\''a'\'' has mode 0755, its manifest says 0644"
'

test_expect_success 'a file where the manifest puts a directory above another' '
	mkstore <<-\EOF &&
	file f 0644 x
	file f/g 0644 y
	EOF
	refused "cannot extract '\''f/g'\''"
'

# ---- sizes ----

test_expect_success 'a 5 MiB file over --max-size 1M, listed' '
	mkstore <<-\EOF &&
	zeros big 0644 5242880
	EOF
	refused "extracting '\''big'\'' (5242880 bytes) would pass the limit of 1048576 bytes" --max-size 1M
'

test_expect_success 'files that together pass --max-size, listed' '
	mkstore <<-\EOF &&
	zeros a 0644 600000
	zeros b 0644 600000
	EOF
	refused "extracting '\''b'\'' (600000 bytes) would pass the limit of 1048576" --max-size 1M
'

test_expect_success 'a header claiming 17 GiB passes the default 16G limit' '
	mkstore <<-\EOF &&
	claim huge 0644 18253611008
	EOF
	refused "'\''huge'\'' (18253611008 bytes) would pass the limit of 17179869184 bytes"
'

# ---- the blobs ----

test_expect_success 'package blob changed in the store' '
	benign --flip-package &&
	refused "the package of evil@1.0.0 ('\''blobs/sha256/" &&
	contains err "'\'') does not match its digest"
'

test_expect_success 'package blob longer than the record says' '
	benign --grow-package &&
	refused "is larger than its manifest says"
'

test_expect_success 'package blob missing' '
	benign --drop-package &&
	refused "the package of evil@1.0.0 ('\''blobs/sha256/" &&
	contains err "'\'') is missing"
'

test_expect_success 'manifest blob changed in the store' '
	benign --flip-manifest &&
	refused "the manifest of evil@1.0.0 ('\''blobs/sha256/" &&
	contains err "does not match its digest"
'

test_expect_success 'truncated gzip (the digests agree with it)' '
	mkstore --truncate <<-\EOF &&
	dir d
	random d/a 0644 100000
	random d/b 0644 100000
	random d/c 0644 100000
	EOF
	refused "corrupt or truncated"
'

test_expect_success 'a package that is not an archive (the digests agree)' '
	mkstore --not-gzip <<-\EOF &&
	file a 0644 x
	EOF
	refused "cannot read archive"
'

# ---- names from the archive in messages ----

# Known to fail (smoothver 0.1.0): check_header and sv_extract put entry
# names and symlink targets into the message as they are, so a hostile
# name can split the message or send escape sequences to the terminal.
# Paths in human output are quoted as sv_quote_path does elsewhere.
test_expect_success 'control bytes in names do not reach the terminal raw' '
	mkstore <<-\EOF &&
	file a 0644 x
	tar file b\n\x1b]0;pwned\x07\x1b[2J 0644 x
	EOF
	refused "that its manifest does not list: refused" &&
	plain_err &&
	rm -r st &&
	mkstore <<-\EOF &&
	man symlink l a
	tar symlink l /\x1b[2J
	man file a 0644 x
	EOF
	refused "leading outside it: refused" && plain_err
'

test_done
