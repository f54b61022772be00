/*
 * replay.c - the fuzz targets' corpus as a regression test: main() feeds
 * every file of the corpus directory (FUZZ_CORPUS, compiled in, or the
 * directories given) to the target's LLVMFuzzerTestOneInput, the way
 * libFuzzer replays a corpus with -runs=0. Built with the ordinary
 * compiler and linked with each target, it runs in `make check` (and
 * under the sanitizers in CI): every input that once crashed a target
 * stays fixed.
 */
#include "config.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/outfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
replay_dir(const char *dir, size_t *n)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	if (d == NULL) {
		fprintf(stderr, "replay: cannot read '%s'\n", dir);
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		struct buf path, data;
		struct sv_err e;

		if (de->d_name[0] == '.')
			continue;
		buf_init(&path);
		buf_init(&data);
		sv_err_init(&e);
		buf_addf(&path, "%s/%s", dir, de->d_name);
		if (sv_read_file(path.s, &data, 64u << 20, &e) == SV_OK) {
			/* A copy of exactly its size, as libFuzzer passes it,
			 * so that a read past the end is caught. */
			uint8_t *copy = malloc(data.len ? data.len : 1);

			memcpy(copy, data.s ? data.s : "", data.len);
			LLVMFuzzerTestOneInput(copy, data.len);
			free(copy);
			(*n)++;
		}
		buf_release(&path);
		buf_release(&data);
	}
	closedir(d);
	return 0;
}

int
main(int argc, char **argv)
{
	size_t n = 0;
	int i, rc = 0;

	if (argc < 2)
		rc = replay_dir(FUZZ_CORPUS, &n);
	for (i = 1; i < argc; i++)
		rc |= replay_dir(argv[i], &n);
	/* TAP, as the other tests of make check speak it. */
	printf("%sok 1 - replayed %zu inputs of the corpus\n1..1\n",
	    rc ? "not " : "", n);
	return 0;
}
