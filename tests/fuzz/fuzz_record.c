/*
 * fuzz_record - libFuzzer target: the store's record and delta record
 * loaders and its latest pointer.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "core/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sv_record r;
	struct sv_err e;
	char *v = NULL;

	sv_err_init(&e);
	sv_record_init(&r);
	(void)sv_record_parse((const char *)data, size, "shop", "1.4.2", NULL,
	    "fuzz", &r, &e);
	sv_record_release(&r);
	(void)sv_record_parse((const char *)data, size, "shop", "1.4.2",
	    "1.4.1", "fuzz", &r, &e);
	sv_record_release(&r);
	if (sv_pointer_parse((const char *)data, size, &v))
		free(v);
	return 0;
}
