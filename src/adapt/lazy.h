/*
 * lazy.h - load a shared library on first use, with dlopen and dlsym.
 *
 * Why: most commands never touch libgit2, libarchive or OpenSSL's
 * libcrypto, but a program linked against them pays at every start for
 * the dynamic loader mapping and relocating them and their dependencies
 * (libgit2: mbedtls, libssh2, krb5, pcre2, http_parser; libarchive:
 * libxml2, ICU, libstdc++, nettle, lzma, lz4, bz2, acl). Measured on
 * Debian 12: an empty program linked with those three and smoothver's
 * other libraries started in 5.0 ms, with the other libraries only in
 * 1.0 ms. So the adapters that use them (adapt/git.c, adapt/archive.c,
 * adapt/tarwrite.c, adapt/sha256.c, adapt/md5.c) are not linked against
 * them and load them here on their first call instead.
 *
 * An adapter lists the functions it calls once (an X-macro), declares a
 * static struct of function pointers typed after the library's own
 * declarations, a table of struct sv_lazy_sym pointing into it, and one
 * static struct sv_lazy_lib, and calls sv_lazy_load in every entry point
 * that can be the first. The library's SONAME comes from configure
 * (SV_SONAME_LIBGIT2, SV_SONAME_LIBARCHIVE, SV_SONAME_LIBCRYPTO in
 * config.h).
 *
 * A library is opened once per process (RTLD_NOW | RTLD_LOCAL) and never
 * closed: the addresses stay valid until the process exits.
 */
#ifndef SV_ADAPT_LAZY_H
#define SV_ADAPT_LAZY_H

#include <stdatomic.h>
#include <stddef.h>

#include "base/err.h"

/* One symbol to resolve: sv_lazy_load stores its address in *slot, the
 * POSIX way (slot is (void **)&fp for a function pointer fp). */
struct sv_lazy_sym {
	const char *name;
	void **slot;
};

/* A library to load on first use. Declare it static, initialised with
 * SV_LAZY_LIB; the fields after nsyms belong to sv_lazy_load. The table
 * syms and the slots it points to must live as long as the process. */
struct sv_lazy_lib {
	const char *soname;             /* e.g. "libarchive.so.13" */
	const struct sv_lazy_sym *syms; /* every symbol is required */
	size_t nsyms;
	atomic_int state;               /* private: not tried, loaded, failed */
	char err[512];                  /* private: why it failed */
};

/* Initialiser for a struct sv_lazy_lib; syms must be an array. */
#define SV_LAZY_LIB(name, table) {                                      \
	.soname = (name),                                               \
	.syms = (table),                                                \
	.nsyms = sizeof(table) / sizeof((table)[0]),                    \
}

/* Load lib and fill every slot of its table, the first time it is called
 * for lib (from any thread; concurrent callers wait for the first); later
 * calls only check. Returns SV_OK, or SV_INPUT with e set to "cannot load
 * SONAME: REASON" (REASON from dlerror: the file is missing, or a symbol
 * is not in it). A failure is final: later calls return the same error
 * and no slot may be used. */
int sv_lazy_load(struct sv_lazy_lib *lib, struct sv_err *e);

/* sv_lazy_load for entry points that have no way to return an error: on
 * failure print "smoothver: fatal: cannot load SONAME: REASON" to stderr
 * and abort(), as they do on their other fatal errors. */
void sv_lazy_need(struct sv_lazy_lib *lib);

#endif
