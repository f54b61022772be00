/*
 * fuzz_beam - libFuzzer target: the BEAM reader (chunks, atoms, imports,
 * exports, attributes, the code md5, gzip-compressed beams) and the debug
 * info readers (Erlang abstract code, Elixir's).
 */
#include "config.h"

#include <stdint.h>

#include "otp/beam.h"
#include "otp/term.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct sv_term *forms = NULL, *info = NULL;
	struct sv_term *debug = NULL;
	const char *why = NULL;
	struct sv_beam b;
	struct sv_err e;

	sv_err_init(&e);
	sv_beam_init(&b);
	(void)sv_beam_read(&b, data, size, "fuzz", &e);
	sv_beam_release(&b);
	if (sv_beam_abstract_code(data, size, "fuzz", &debug, &forms, &why,
	    &e) == SV_OK)
		sv_term_free(debug);
	debug = NULL;
	if (sv_beam_elixir_info(data, size, "fuzz", &debug, &info, &why,
	    &e) == SV_OK)
		sv_term_free(debug);
	return 0;
}
