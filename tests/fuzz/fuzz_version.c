/*
 * fuzz_version - libFuzzer target: the Smoothver version parser. A
 * version that parses must format to a canonical text that parses to an
 * equal version; transitions and bumps from it must not fail badly.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "core/version.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sv_version v, w, next;
	struct sv_transition t;
	struct sv_err e;
	char *s = malloc(size + 1), *text;

	memcpy(s, data, size);
	s[size] = '\0';
	sv_err_init(&e);
	sv_version_init(&v);
	sv_version_init(&w);
	sv_version_init(&next);
	if (sv_version_parse(&v, s, "v", &e) == SV_OK) {
		text = sv_version_str(&v);
		if (!sv_version_is_canonical(text) ||
		    sv_version_parse(&w, text, "", &e) != SV_OK ||
		    sv_version_cmp(&v, &w) != 0)
			abort();
		sv_transition_of(&v, &w, &t);
		if (t.kind != SV_T_SAME)
			abort();
		(void)sv_version_bump(&v, SV_LEVEL_RELUP, &next, &e);
		free(text);
	}
	sv_version_release(&v);
	sv_version_release(&w);
	sv_version_release(&next);
	free(s);
	return 0;
}
