/*
 * fuzz_etf - libFuzzer target: the external term format decoder (beam
 * chunks, debug info), whole and shallow.
 */
#include "config.h"

#include <stdint.h>

#include "otp/etf.h"
#include "otp/term.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sv_term *t = NULL;
	struct sv_err e;

	sv_err_init(&e);
	if (sv_etf_decode(data, size, "fuzz", &t, &e) == SV_OK)
		sv_term_free(t);
	t = NULL;
	if (sv_etf_decode_shallow(data, size, 2, "fuzz", &t, &e) == SV_OK)
		sv_term_free(t);
	return 0;
}
