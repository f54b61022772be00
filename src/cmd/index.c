/*
 * index - list every entry of a build tree with its digest.
 *
 * The same index that diff, pack and verify use: path, type, normalised
 * mode, size and SHA-256 of every file, directory and symlink of a
 * directory or tarball, sorted by path bytes.
 */
#include "config.h"

#include <stdio.h>

#include "adapt/json.h"
#include "base/quote.h"
#include "cli/output.h"
#include "core/index.h"

static const struct sv_option options[] = {
	SV_OPT_END
};

static const char *
type_letter(enum sv_entry_type t)
{
	return t == SV_ENTRY_DIR ? "d" : (t == SV_ENTRY_SYMLINK ? "l" : "f");
}

static void
print_json(const struct sv_index *idx)
{
	struct sv_json *doc = sv_out_json_doc("index");
	struct sv_json *arr = sv_json_array();
	uint64_t bytes = 0, counts[3] = { 0, 0, 0 };
	size_t i;

	sv_json_set_bytes(doc, "root", idx->root);
	for (i = 0; i < idx->n; i++) {
		const struct sv_entry *ent = &idx->v[i];

		sv_json_push(arr, sv_entry_to_json(ent, true));
		counts[ent->type]++;
		if (ent->type == SV_ENTRY_FILE)
			bytes += ent->size;
	}
	sv_json_set_int(doc, "files", (int64_t)counts[SV_ENTRY_FILE]);
	sv_json_set_int(doc, "dirs", (int64_t)counts[SV_ENTRY_DIR]);
	sv_json_set_int(doc, "symlinks", (int64_t)counts[SV_ENTRY_SYMLINK]);
	sv_json_set_int(doc, "bytes", (int64_t)bytes);
	sv_json_set(doc, "entries", arr);
	sv_out_json(doc);
}

static void
print_human(const struct sv_index *idx)
{
	struct buf line;
	size_t i;

	buf_init(&line);
	for (i = 0; i < idx->n; i++) {
		const struct sv_entry *ent = &idx->v[i];
		char hex[SV_SHA256_HEX];

		buf_reset(&line);
		if (ent->type == SV_ENTRY_DIR)
			snprintf(hex, sizeof(hex), "%s", "-");
		else
			sv_sha256_hex(ent->sha256, hex);
		buf_addf(&line, "%s %04o %10ju %-64s ", type_letter(ent->type),
		    ent->mode, (uintmax_t)ent->size, hex);
		sv_quote_path(&line, ent->path);
		if (ent->target) {
			buf_adds(&line, " -> ");
			sv_quote_path(&line, ent->target);
		}
		buf_addc(&line, '\n');
		sv_out_write(line.s, line.len);
	}
	buf_release(&line);
}

static int
run(struct sv_ctx *ctx, const struct sv_args *a)
{
	struct sv_index idx;
	struct sv_err e;
	int status;

	sv_err_init(&e);
	sv_index_init(&idx);
	if ((status = sv_index_path(&idx, a->argv[0], &e))) {
		sv_index_release(&idx);
		return sv_out_error(a->cmd, &e);
	}
	if (ctx->json)
		print_json(&idx);
	else if (!ctx->quiet)
		print_human(&idx);
	sv_index_release(&idx);
	return SV_OK;
}

const struct sv_command sv_cmd_index = {
	.name = "index",
	.summary = "list every entry of a directory or tarball with its digest",
	.args = "DIR|TARBALL",
	.min_args = 1,
	.max_args = 1,
	.arg_complete = SV_COMPLETE_FILE,
	.flags = 0,
	.options = options,
	.run = run,
};
