#!/bin/sh
# Configuration layers: .smoothver < git config smoothver.* < SMOOTHVER_* < flags.
. "$SV_SRCDIR/tests/e2e/lib.sh"

test_expect_success 'tag.prefix from .smoothver' '
	new_repo && printf "[tag]\n\tprefix = release-\n[release]\n\tname = shop\n" >.smoothver &&
	git add .smoothver && git commit -q -m config &&
	sv 0 tag 1.0.0 && contains out "tagged release-1.0.0" &&
	git tag v9.9.9 && sv 0 version && expect_out 1.0.0 &&
	sv 0 compare release-1.0.0 1.0.1 && expect_out reload &&
	sv 0 bump reload release-1.0.0 && expect_out release-1.0.1
'

test_expect_success 'git config smoothver.* overrides .smoothver' '
	new_repo && printf "[tag]\n\tprefix = a-\n" >.smoothver &&
	git add .smoothver && git commit -q -m config &&
	git config smoothver.tag.prefix b- &&
	sv 0 tag 1.0.0 && contains out "tagged b-1.0.0"
'

test_expect_success 'SMOOTHVER_TAG_PREFIX overrides git config' '
	new_repo && git config smoothver.tag.prefix b- &&
	SMOOTHVER_TAG_PREFIX=c- && export SMOOTHVER_TAG_PREFIX &&
	sv 0 tag 1.0.0 && contains out "tagged c-1.0.0"
'

test_expect_success '--prefix overrides everything; an empty prefix works' '
	new_repo && printf "[tag]\n\tprefix = a-\n" >.smoothver && git add .smoothver && git commit -q -m c &&
	SMOOTHVER_TAG_PREFIX=c- && export SMOOTHVER_TAG_PREFIX &&
	sv 0 tag --prefix d- 1.0.0 && contains out "tagged d-1.0.0" &&
	SMOOTHVER_TAG_PREFIX= && sv 0 tag 2.0.0 && contains out "tagged 2.0.0 " &&
	sv 0 version && expect_out 2.0.0
'

test_expect_success 'unknown keys are warned about; -q silences the warning' '
	new_repo && printf "[tag]\n\tprefx = x\n" >.smoothver &&
	sv 1 version && contains err "smoothver: warning: unknown key '\''tag.prefx'\''" &&
	contains err ".smoothver'\'' (ignored)" &&
	sv 1 version -q && lacks err warning
'

test_expect_success 'a malformed .smoothver is an error naming the file and line' '
	new_repo && printf "[tag\nprefix = x\n" >.smoothver &&
	sv 3 version && expect_empty out && contains err ".smoothver" && contains err ":1"
'

test_expect_success 'an invalid prefix is an error naming its source' '
	new_repo && printf "[tag]\n\tprefix = \"a b\"\n" >.smoothver &&
	sv 3 version && contains err "invalid tag prefix '\''a b'\'' from" && contains err ".smoothver" &&
	rm .smoothver && git config smoothver.tag.prefix "x..y" &&
	sv 3 version && contains err "from git config smoothver.tag.prefix" &&
	git config --unset smoothver.tag.prefix &&
	SMOOTHVER_TAG_PREFIX="~" && export SMOOTHVER_TAG_PREFIX &&
	sv 3 version && contains err "from SMOOTHVER_TAG_PREFIX"
'

test_expect_success '.smoothver is read from the top of the work tree, not the cwd' '
	new_repo && printf "[tag]\n\tprefix = top-\n" >.smoothver &&
	mkdir -p sub && printf "[tag]\n\tprefix = sub-\n" >sub/.smoothver &&
	git add -A && git commit -q -m c && cd sub &&
	sv 0 tag 1.0.0 && contains out "tagged top-1.0.0"
'

test_done
