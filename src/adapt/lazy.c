#include "config.h"

#include "adapt/lazy.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { NOT_TRIED, LOADED, FAILED };

/* Loads are rare and short: one lock for all libraries. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* Record why lib cannot be used; dlerror's text often starts with the
 * name it was given, which the message already has. */
static void
failed(struct sv_lazy_lib *lib)
{
	const char *why = dlerror();
	size_t n = strlen(lib->soname);

	if (why == NULL)
		why = "unknown error";
	else if (strncmp(why, lib->soname, n) == 0 && strncmp(why + n, ": ",
	    2) == 0)
		why += n + 2;
	snprintf(lib->err, sizeof(lib->err), "cannot load %s: %s",
	    lib->soname, why);
}

static int
load(struct sv_lazy_lib *lib)
{
	void *h;
	size_t i;

	(void)dlerror();
	h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		failed(lib);
		return FAILED;
	}
	for (i = 0; i < lib->nsyms; i++) {
		(void)dlerror();
		*lib->syms[i].slot = dlsym(h, lib->syms[i].name);
		if (*lib->syms[i].slot == NULL) {
			failed(lib);
			return FAILED;
		}
	}
	/* The handle is never closed: the library stays for good. */
	return LOADED;
}

int
sv_lazy_load(struct sv_lazy_lib *lib, struct sv_err *e)
{
	int state = atomic_load_explicit(&lib->state, memory_order_acquire);

	if (state == NOT_TRIED) {
		pthread_mutex_lock(&lock);
		state = atomic_load_explicit(&lib->state, memory_order_relaxed);
		if (state == NOT_TRIED) {
			state = load(lib);
			atomic_store_explicit(&lib->state, state,
			    memory_order_release);
		}
		pthread_mutex_unlock(&lock);
	}
	if (state != LOADED)
		return sv_err_set(e, SV_INPUT, "%s", lib->err);
	return SV_OK;
}

void
sv_lazy_need(struct sv_lazy_lib *lib)
{
	struct sv_err e;

	sv_err_init(&e);
	if (sv_lazy_load(lib, &e) != SV_OK) {
		fprintf(stderr, "smoothver: fatal: %s\n", e.msg);
		abort();
	}
}
