#include "config.h"

#include "core/manifest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapt/json.h"
#include "base/buf.h"
#include "base/xalloc.h"

/* Every object below is built with its keys added in byte order. */

/* Everything after "content", as an object. */
static struct sv_json *
tail(const struct sv_manifest_info *m)
{
	struct sv_json *doc = sv_json_object(), *pkg = sv_json_object();
	char hex[SV_SHA256_HEX];

	sv_json_set_bytes(doc, "name", m->name);
	sv_json_set_str(pkg, "compression", sv_compression_name(m->compression));
	sv_json_set_int(pkg, "entries", (int64_t)m->pack->index.n);
	sv_json_set_bytes(pkg, "file", m->file);
	sv_sha256_hex(m->pack->sha256, hex);
	sv_json_set_str(pkg, "sha256", hex);
	sv_json_set_int(pkg, "size", (int64_t)m->pack->size);
	sv_sha256_hex(m->pack->tar_sha256, hex);
	sv_json_set_str(pkg, "tar_sha256", hex);
	sv_json_set_int(pkg, "tar_size", (int64_t)m->pack->tar_size);
	sv_json_set(doc, "package", pkg);
	if (m->previous) {
		struct sv_json *prev = sv_json_object();

		sv_json_set_str(prev, "level", m->level);
		sv_json_set_str(prev, "version", m->previous);
		sv_json_set(doc, "previous", prev);
	} else {
		sv_json_set_null(doc, "previous");
	}
	sv_json_set_str(doc, "schema", "smoothver.manifest/1");
	if (m->in_repo) {
		struct sv_json *src = sv_json_object();

		sv_json_set_str(src, "commit", m->commit);
		sv_json_set_bool(src, "dirty", m->dirty);
		sv_json_set_str(src, "tree", m->tree);
		sv_json_set(doc, "source", src);
	} else {
		sv_json_set_null(doc, "source");
	}
	sv_json_set_int(doc, "source_date_epoch", m->source_date_epoch);
	sv_json_set_str(doc, "tool", "smoothver " PACKAGE_VERSION);
	sv_json_set_str(doc, "version", m->version);
	return doc;
}

int
sv_manifest_write(const struct sv_manifest_info *m, sv_sink_fn sink,
    void *data, struct sv_err *e)
{
	const struct sv_index *idx = &m->pack->index;
	struct sv_json *t;
	struct buf chunk;
	char *text;
	size_t i;
	int status = SV_OK;

	/* "content" sorts first: stream it, then splice in the rest. */
	buf_init(&chunk);
	buf_adds(&chunk, "{\"content\":[");
	for (i = 0; i < idx->n && status == SV_OK; i++) {
		struct sv_json *o = sv_entry_to_json(&idx->v[i], true);

		text = sv_json_print(o);
		sv_json_free(o);
		if (i > 0)
			buf_addc(&chunk, ',');
		buf_adds(&chunk, text);
		free(text);
		if (chunk.len >= 64 * 1024) {
			status = sink(data, chunk.s, chunk.len, e);
			buf_reset(&chunk);
		}
	}
	if (status == SV_OK) {
		t = tail(m);
		text = sv_json_print(t);
		sv_json_free(t);
		buf_adds(&chunk, "],");
		buf_adds(&chunk, text + 1); /* the tail without its "{" */
		buf_addc(&chunk, '\n');
		free(text);
		status = sink(data, chunk.s, chunk.len, e);
	}
	buf_release(&chunk);
	return status;
}
