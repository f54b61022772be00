/*
 * fuzz_manifest - libFuzzer target: the manifest loader (canonical JSON on
 * the way in, every field checked).
 */
#include "config.h"

#include <stdint.h>

#include "core/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sv_manifest m;
	struct sv_err e;

	sv_err_init(&e);
	sv_manifest_init(&m);
	(void)sv_manifest_parse(&m, (const char *)data, size, "fuzz", &e);
	sv_manifest_release(&m);
	return 0;
}
