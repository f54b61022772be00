/*
 * fuzz_terms - libFuzzer target: the Erlang term reader (.app, .appup,
 * .rel, relup, sys.config text) on arbitrary bytes. Parsed terms are
 * printed back and parsed again: the printer's output must parse.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "base/buf.h"
#include "otp/term.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sv_terms ts, again;
	struct sv_err e;
	size_t i;

	sv_terms_init(&ts);
	sv_err_init(&e);
	if (sv_terms_parse(&ts, (const char *)data, size, "fuzz", &e) == SV_OK) {
		for (i = 0; i < ts.n; i++) {
			struct buf b;

			buf_init(&b);
			sv_term_write(&b, ts.v[i], 0);
			buf_adds(&b, ".\n");
			sv_terms_init(&again);
			if (sv_terms_parse(&again, b.s, b.len, "again", &e) !=
			    SV_OK)
				abort();
			sv_terms_release(&again);
			buf_release(&b);
		}
	}
	sv_terms_release(&ts);
	return 0;
}
