/*
 * beam.c - reading compiled Erlang modules.
 *
 * The container and the chunks read here follow what OTP's own readers
 * accept (beam_lib and the loader); the md5 is beam_lib:md5/1's, checked
 * against OTP 25 on the beams under tests/data/beam.
 */
#include "config.h"

#include "otp/beam.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapt/compress.h"
#include "adapt/md5.h"
#include "base/buf.h"
#include "base/outfile.h"
#include "base/utf8.h"
#include "base/str.h"
#include "base/xalloc.h"
#include "otp/etf.h"

/* The chunks read. The first MD5_CHUNKS are those beam_lib:md5/1 hashes,
 * in its order. */
enum chunk_id {
	C_ATOM, C_ATU8, C_CODE, C_STRT, C_IMPT, C_EXPT, C_FUNT, C_LITT,
	C_META, C_ATTR, C_DBGI, C_ABST, NCHUNKS
};
#define MD5_CHUNKS (C_META + 1)

static const char chunk_names[NCHUNKS][5] = {
	"Atom", "AtU8", "Code", "StrT", "ImpT", "ExpT", "FunT", "LitT",
	"Meta", "Attr", "Dbgi", "Abst"
};

#define FUNT_ENTRY 24   /* six u32: function, arity, label, index,
                           free variables, old uniq */
#define FUNT_UNIQ 20    /* offset of the old uniq, which md5 zeroes */
#define ATOM_MAX_BYTES (255 * 4)

struct chunk {
	const unsigned char *p;
	size_t len;
	size_t at;      /* offset of its header in the form */
	bool present;
};

struct reader {
	struct sv_beam *b;
	const char *name;
	struct sv_err *e;
	struct chunk c[NCHUNKS];
	char **atoms;   /* atoms[0] is atom 1 */
	bool no_md5;    /* SV_BEAM_NO_MD5 */
	size_t natoms;
};

static int bad(struct reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
bad(struct reader *r, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sv_err_set(r->e, SV_INPUT, "%s: bad beam file: %s", r->name,
	    msg);
}

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

void
sv_beam_init(struct sv_beam *b)
{
	memset(b, 0, sizeof(*b));
}

void
sv_beam_release(struct sv_beam *b)
{
	size_t i;

	free(b->module);
	for (i = 0; i < b->nexports; i++)
		free(b->exports[i].name);
	free(b->exports);
	sv_strv_free(b->imports, b->nimports);
	sv_strv_free(b->behaviours, b->nbehaviours);
	sv_term_free(b->attributes);
	sv_beam_init(b);
}

/* ---- the container ---- */

static int
find_chunks(struct reader *r, const unsigned char *p, size_t len)
{
	size_t pos = 12, end;
	uint32_t form;

	if (len < 12 || memcmp(p, "FOR1", 4) != 0 ||
	    memcmp(p + 8, "BEAM", 4) != 0)
		return sv_err_set(r->e, SV_INPUT, "%s: not a beam file: %s",
		    r->name, len < 12 ? "too short for the header" :
		    "no FOR1/BEAM header");
	form = be32(p + 4);
	if (form < 4 || form > len - 8)
		return sv_err_set(r->e, SV_INPUT, "%s: not a beam file: the "
		    "header says %" PRIu32 " bytes, %zu follow it", r->name,
		    form, len - 8);
	if (form < len - 8)
		return sv_err_set(r->e, SV_INPUT, "%s: not a beam file: %zu "
		    "bytes after its end", r->name, len - 8 - form);
	end = 8 + (size_t)form;
	while (pos < end) {
		size_t size, i, pad;

		if (end - pos < 8)
			return bad(r, "truncated chunk header at byte %zu",
			    pos);
		size = be32(p + pos + 4);
		if (size > end - pos - 8)
			return bad(r, "chunk at byte %zu claims %zu bytes, "
			    "only %zu follow", pos, size, end - pos - 8);
		for (i = 0; i < NCHUNKS; i++) {
			if (memcmp(p + pos, chunk_names[i], 4) != 0)
				continue;
			if (r->c[i].present)
				return bad(r, "a second '%s' chunk at byte %zu",
				    chunk_names[i], pos);
			r->c[i].present = true;
			r->c[i].p = p + pos + 8;
			r->c[i].len = size;
			r->c[i].at = pos;
			break;
		}
		pos += 8 + size;
		/* Padded to 4 bytes; the last chunk's padding may be
		 * missing. */
		pad = (4 - size % 4) % 4;
		pos += pad < end - pos ? pad : end - pos;
	}
	return SV_OK;
}

/* ---- the atom table ---- */

/*
 * An atom length in the compact term format (an unsigned, tag 0), as
 * OTP 26 and later write them when the atom count is negative:
 * 0bVVVV0000 for 0..15, 0bVVV01000 VVVVVVVV for up to 2047, 0bNNN11000
 * then NNN+2 big-endian bytes for more.
 */
static bool
compact_len(const unsigned char *p, size_t n, size_t *pos, size_t *val)
{
	unsigned b;
	size_t k, bytes;

	if (*pos >= n)
		return false;
	b = p[(*pos)++];
	if ((b & 7) != 0)
		return false;
	if ((b & 8) == 0) {
		*val = b >> 4;
		return true;
	}
	if ((b & 16) == 0) {
		if (*pos >= n)
			return false;
		*val = (size_t)(b & 0xe0) << 3 | p[(*pos)++];
		return true;
	}
	bytes = (b >> 5) + 2;
	if (bytes > 4 || bytes > n - *pos)
		return false; /* no atom is that long */
	*val = 0;
	for (k = 0; k < bytes; k++)
		*val = *val << 8 | p[(*pos)++];
	return true;
}

static int
read_atoms(struct reader *r)
{
	bool utf8 = r->c[C_ATU8].present, compact;
	const struct chunk *c = &r->c[utf8 ? C_ATU8 : C_ATOM];
	const char *id = chunk_names[utf8 ? C_ATU8 : C_ATOM];
	size_t pos = 4, i, count;
	int32_t n;

	if (!c->present)
		return bad(r, "no atom table (an Atom or AtU8 chunk)");
	if (c->len < 4)
		return bad(r, "'%s' chunk of %zu bytes", id, c->len);
	n = (int32_t)be32(c->p);
	compact = n < 0;
	count = compact ? (size_t)-(int64_t)n : (size_t)n;
	if (count == 0 || count > c->len - 4)
		return bad(r, "'%s' chunk: %zu atoms in %zu bytes", id, count,
		    c->len - 4);
	r->atoms = xcalloc(count, sizeof(*r->atoms));
	for (i = 0; i < count; i++) {
		size_t len;
		struct buf a;

		if (compact) {
			if (!compact_len(c->p, c->len, &pos, &len))
				return bad(r, "'%s' chunk: bad length of atom "
				    "%zu", id, i + 1);
		} else {
			if (pos >= c->len)
				return bad(r, "'%s' chunk: truncated at atom "
				    "%zu", id, i + 1);
			len = c->p[pos++];
		}
		if (len > c->len - pos)
			return bad(r, "'%s' chunk: truncated at atom %zu", id,
			    i + 1);
		if (len > ATOM_MAX_BYTES || (utf8 &&
		    sv_utf8_count(c->p + pos, len) > 255))
			return bad(r, "'%s' chunk: atom %zu is not valid "
			    "UTF-8 of at most 255 characters", id, i + 1);
		buf_init(&a);
		if (utf8)
			buf_add(&a, c->p + pos, len);
		else
			sv_utf8_add_latin1(&a, c->p + pos, len);
		r->atoms[i] = buf_detach(&a);
		r->natoms++;
		pos += len;
	}
	if (pos != c->len)
		return bad(r, "'%s' chunk: %zu bytes after the last atom", id,
		    c->len - pos);
	r->b->module = xstrdup(r->atoms[0]);
	return SV_OK;
}

/* Atom number i (1-based) of a table entry, or NULL if out of range. */
static const char *
atom(const struct reader *r, uint32_t i)
{
	return i >= 1 && i <= r->natoms ? r->atoms[i - 1] : NULL;
}

/* ---- tables ---- */

/* A table of count entries of width bytes after a u32 count; its entry
 * count into *n. */
static int
table(struct reader *r, enum chunk_id id, size_t width, size_t *n)
{
	const struct chunk *c = &r->c[id];

	if (!c->present)
		return bad(r, "no '%s' chunk", chunk_names[id]);
	if (c->len < 4 || (c->len - 4) % width != 0 ||
	    (c->len - 4) / width != be32(c->p))
		return bad(r, "'%s' chunk of %zu bytes does not hold the %"
		    PRIu32 " entries it counts", chunk_names[id], c->len,
		    c->len < 4 ? 0 : be32(c->p));
	*n = (c->len - 4) / width;
	return SV_OK;
}

static int
read_exports(struct reader *r)
{
	const struct chunk *c = &r->c[C_EXPT];
	struct sv_beam *b = r->b;
	size_t n, i;
	int rc;

	if ((rc = table(r, C_EXPT, 12, &n)))
		return rc;
	b->exports = xcalloc(n > 0 ? n : 1, sizeof(*b->exports));
	for (i = 0; i < n; i++) {
		const unsigned char *ent = c->p + 4 + 12 * i;
		const char *f = atom(r, be32(ent));

		if (f == NULL)
			return bad(r, "'ExpT' entry %zu names atom %" PRIu32
			    " of %zu", i + 1, be32(ent), r->natoms);
		b->exports[i].name = xstrdup(f);
		b->exports[i].arity = be32(ent + 4);
		b->nexports++;
	}
	return SV_OK;
}

static int
read_imports(struct reader *r)
{
	const struct chunk *c = &r->c[C_IMPT];
	struct sv_beam *b = r->b;
	size_t n, i, k;
	int rc;

	if ((rc = table(r, C_IMPT, 12, &n)))
		return rc;
	b->imports = xcalloc(n > 0 ? n : 1, sizeof(*b->imports));
	for (i = 0; i < n; i++) {
		const unsigned char *ent = c->p + 4 + 12 * i;
		const char *m = atom(r, be32(ent)), *f = atom(r, be32(ent + 4));

		if (m == NULL || f == NULL)
			return bad(r, "'ImpT' entry %zu names an atom past "
			    "the %zu in the table", i + 1, r->natoms);
		if (strcmp(m, "erlang") == 0) {
			if (strcmp(f, "load_nif") == 0 && be32(ent + 8) == 2)
				b->loads_nif = true;
			continue;
		}
		if (strcmp(m, b->module) != 0)
			b->imports[b->nimports++] = xstrdup(m);
	}
	qsort(b->imports, b->nimports, sizeof(*b->imports), sv_str_cmp);
	for (i = k = 0; i < b->nimports; i++) {
		if (k > 0 && strcmp(b->imports[k - 1], b->imports[i]) == 0)
			free(b->imports[i]);
		else
			b->imports[k++] = b->imports[i];
	}
	b->nimports = k;
	return SV_OK;
}

/* beam_lib:md5/1: the chunks' data in its order, absent ones skipped,
 * each FunT entry's old uniq (its last four bytes) counted as zero. */
static int
compute_md5(struct reader *r)
{
	static const unsigned char zero[4];
	struct sv_md5 *h;
	size_t i, n, k;
	int rc;

	if (r->c[C_FUNT].present &&
	    (rc = table(r, C_FUNT, FUNT_ENTRY, &n)))
		return rc;
	for (i = 0; i < MD5_CHUNKS; i++)
		if ((i == C_CODE || i == C_STRT) && !r->c[i].present)
			return bad(r, "no '%s' chunk", chunk_names[i]);
	if (r->no_md5)
		return SV_OK;
	h = sv_md5_new();
	for (i = 0; i < MD5_CHUNKS; i++) {
		const struct chunk *c = &r->c[i];

		if (!c->present)
			continue;
		if (i != C_FUNT) {
			sv_md5_update(h, c->p, c->len);
			continue;
		}
		sv_md5_update(h, c->p, 4);
		for (k = 4; k < c->len; k += FUNT_ENTRY) {
			sv_md5_update(h, c->p + k, FUNT_UNIQ);
			sv_md5_update(h, zero, sizeof(zero));
		}
	}
	sv_md5_final(h, r->b->md5);
	sv_md5_free(h);
	r->b->has_md5 = true;
	return SV_OK;
}

/* ---- attributes ---- */

/* Elixir's behaviours by the OTP behaviour their processes run:
 * `use GenServer` declares 'Elixir.GenServer', a gen_server callback
 * module all the same; likewise Supervisor and Application. */
static const char *
otp_behaviour(const char *name)
{
	static const char *const map[][2] = {
		{ "Elixir.GenServer", "gen_server" },
		{ "Elixir.Supervisor", "supervisor" },
		{ "Elixir.Application", "application" },
		{ "Elixir.GenEvent", "gen_event" },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(name, map[i][0]) == 0)
			return map[i][1];
	return name;
}

static void
add_behaviour(struct sv_beam *b, const char *name)
{
	size_t i;

	name = otp_behaviour(name);
	for (i = 0; i < b->nbehaviours; i++)
		if (strcmp(b->behaviours[i], name) == 0)
			return;
	b->behaviours = xrealloc(b->behaviours,
	    (b->nbehaviours + 1) * sizeof(*b->behaviours));
	b->behaviours[b->nbehaviours++] = xstrdup(name);
}

static int
read_attributes(struct reader *r)
{
	const struct chunk *c = &r->c[C_ATTR];
	struct sv_beam *b = r->b;
	struct buf what;
	size_t i, k;
	int rc;

	if (!c->present)
		return SV_OK;
	buf_init(&what);
	buf_addf(&what, "%s: 'Attr' chunk", r->name);
	rc = sv_etf_decode(c->p, c->len, what.s, &b->attributes, r->e);
	buf_release(&what);
	if (rc)
		return rc;
	if (!sv_term_is_list(b->attributes) ||
	    b->attributes->kind != SV_TERM_LIST)
		return bad(r, "'Attr' chunk is a %s, not a list",
		    sv_term_kind_name(b->attributes->kind));
	for (i = 0; i < b->attributes->n; i++) {
		const struct sv_term *t = b->attributes->v[i], *v;

		if (t->kind != SV_TERM_TUPLE || t->n != 2 ||
		    !(sv_term_is_atom(t->v[0], "behaviour") ||
		    sv_term_is_atom(t->v[0], "behavior")))
			continue;
		v = t->v[1];
		if (v->kind != SV_TERM_LIST)
			continue;
		for (k = 0; k < v->n; k++)
			if (v->v[k]->kind == SV_TERM_ATOM)
				add_behaviour(b, v->v[k]->s);
	}
	return SV_OK;
}

/* ---- reading ---- */

static int
read_form(struct reader *r, const unsigned char *p, size_t len)
{
	int rc;

	if ((rc = find_chunks(r, p, len)) || (rc = read_atoms(r)) ||
	    (rc = read_exports(r)) || (rc = read_imports(r)) ||
	    (rc = compute_md5(r)) || (rc = read_attributes(r)))
		return rc;
	return SV_OK;
}

int
sv_beam_read(struct sv_beam *b, const void *data, size_t len,
    const char *name, struct sv_err *e)
{
	return sv_beam_read_flags(b, data, len, name, 0, e);
}

/* The beam's form: data itself, or its gzip-compressed form inflated
 * into raw (a buffer the caller releases). */
static int
uncompressed(const unsigned char **p, size_t *len, const char *name,
    struct buf *raw, struct sv_err *e)
{
	int rc;

	if (*len > SV_BEAM_MAX)
		return sv_err_set(e, SV_INPUT, "%s: not a beam file: larger "
		    "than %u bytes", name, SV_BEAM_MAX);
	if (*len < 2 || (*p)[0] != 0x1f || (*p)[1] != 0x8b)
		return SV_OK;
	/* Compressed beams are one gzip member. */
	rc = sv_inflate(*p, *len, SV_INFLATE_GZIP, SV_BEAM_MAX, name, raw, e);
	*p = (const unsigned char *)raw->s;
	*len = raw->len;
	return rc;
}

int
sv_beam_read_flags(struct sv_beam *b, const void *data, size_t len,
    const char *name, unsigned flags, struct sv_err *e)
{
	const unsigned char *p = data;
	struct reader r;
	struct buf raw;
	int rc = SV_OK;

	memset(&r, 0, sizeof(r));
	r.no_md5 = (flags & SV_BEAM_NO_MD5) != 0;
	r.b = b;
	r.name = name;
	r.e = e;
	buf_init(&raw);
	rc = uncompressed(&p, &len, name, &raw, e);
	if (rc == SV_OK)
		rc = read_form(&r, p, len);
	sv_strv_free(r.atoms, r.natoms);
	buf_release(&raw);
	if (rc)
		sv_beam_release(b);
	return rc;
}

/* The forms of a decoded debug info term, or NULL with *why. */
static struct sv_term *
forms_of(struct sv_term *t, const char **why)
{
	/* {debug_info_v1, erl_abstract_code, {Forms | none, Opts}} */
	if (t->kind == SV_TERM_TUPLE && t->n == 3 &&
	    sv_term_is_atom(t->v[0], "debug_info_v1")) {
		const struct sv_term *d = t->v[2];

		if (!sv_term_is_atom(t->v[1], "erl_abstract_code")) {
			*why = "its debug info is of another backend (Elixir "
			    "or another language), not Erlang abstract code";
			return NULL;
		}
		if (d->kind == SV_TERM_TUPLE && d->n == 2 &&
		    sv_term_is_list(d->v[0]))
			return d->v[0];
		*why = "it was compiled without debug_info (no abstract code)";
		return NULL;
	}
	/* The Abst chunk of older compilers: {raw_abstract_v1, Forms}. */
	if (t->kind == SV_TERM_TUPLE && t->n == 2 &&
	    sv_term_is_atom(t->v[0], "raw_abstract_v1") &&
	    sv_term_is_list(t->v[1]))
		return t->v[1];
	*why = "its debug info is in a format smoothver does not know";
	return NULL;
}

/* The decoded debug info chunk (Dbgi, else Abst) of the beam at data
 * into *debug (owned by the caller), or NULL with *why. */
static int
debug_info(const void *data, size_t len, const char *name,
    struct sv_term **debug, const char **why, struct sv_err *e)
{
	const unsigned char *p = data;
	const struct chunk *c;
	struct reader r;
	struct buf raw;
	int rc = SV_OK;

	*debug = NULL;
	*why = NULL;
	memset(&r, 0, sizeof(r));
	r.name = name;
	r.e = e;
	buf_init(&raw);
	rc = uncompressed(&p, &len, name, &raw, e);
	if (rc == SV_OK)
		rc = find_chunks(&r, p, len);
	if (rc != SV_OK)
		goto out;
	c = r.c[C_DBGI].present ? &r.c[C_DBGI] : r.c[C_ABST].present ?
	    &r.c[C_ABST] : NULL;
	if (c == NULL || c->len == 0) {
		*why = "its debug info was stripped (no Dbgi chunk)";
		goto out;
	}
	{
		struct buf what;

		buf_init(&what);
		buf_addf(&what, "%s: '%s' chunk", name, c == &r.c[C_DBGI] ?
		    "Dbgi" : "Abst");
		rc = sv_etf_decode(c->p, c->len, what.s, debug, e);
		buf_release(&what);
	}
out:
	buf_release(&raw);
	return rc;
}

int
sv_beam_abstract_code(const void *data, size_t len, const char *name,
    struct sv_term **debug, const struct sv_term **forms, const char **why,
    struct sv_err *e)
{
	int rc;

	*forms = NULL;
	rc = debug_info(data, len, name, debug, why, e);
	if (rc == SV_OK && *debug != NULL &&
	    (*forms = forms_of(*debug, why)) == NULL) {
		sv_term_free(*debug);
		*debug = NULL;
	}
	return rc;
}

int
sv_beam_elixir_info(const void *data, size_t len, const char *name,
    struct sv_term **debug, const struct sv_term **info, const char **why,
    struct sv_err *e)
{
	const struct sv_term *t, *d = NULL;
	int rc;

	*info = NULL;
	rc = debug_info(data, len, name, debug, why, e);
	if (rc != SV_OK || *debug == NULL)
		return rc;
	/* {debug_info_v1, elixir_erl, {elixir_v1, Map, Specs}} */
	t = *debug;
	if (t->kind == SV_TERM_TUPLE && t->n == 3 &&
	    sv_term_is_atom(t->v[0], "debug_info_v1") &&
	    sv_term_is_atom(t->v[1], "elixir_erl") &&
	    t->v[2]->kind == SV_TERM_TUPLE && t->v[2]->n == 3 &&
	    sv_term_is_atom(t->v[2]->v[0], "elixir_v1") &&
	    t->v[2]->v[1]->kind == SV_TERM_MAP)
		d = t->v[2]->v[1];
	if (d == NULL) {
		*why = "its debug info is not Elixir's";
		sv_term_free(*debug);
		*debug = NULL;
		return SV_OK;
	}
	*info = d;
	return SV_OK;
}

int
sv_beam_load(struct sv_beam *b, const char *path, struct sv_err *e)
{
	struct buf data;
	int rc;

	buf_init(&data);
	rc = sv_read_file(path, &data, SV_BEAM_MAX, e);
	if (rc == SV_OK)
		rc = sv_beam_read(b, data.s, data.len, path, e);
	buf_release(&data);
	return rc;
}

bool
sv_beam_exports(const struct sv_beam *b, const char *name, unsigned arity)
{
	size_t i;

	for (i = 0; i < b->nexports; i++)
		if (b->exports[i].arity == arity &&
		    strcmp(b->exports[i].name, name) == 0)
			return true;
	return false;
}

bool
sv_beam_has_behaviour(const struct sv_beam *b, const char *behaviour)
{
	size_t i;

	for (i = 0; i < b->nbehaviours; i++)
		if (strcmp(b->behaviours[i], behaviour) == 0)
			return true;
	return false;
}

void
sv_beam_md5_hex(const struct sv_beam *b, char hex[33])
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < 16; i++) {
		hex[2 * i] = digits[b->md5[i] >> 4];
		hex[2 * i + 1] = digits[b->md5[i] & 15];
	}
	hex[32] = '\0';
}

/* ---- summaries ---- */

static void
put_field(struct buf *out, const char *s)
{
	buf_adds(out, s);
	buf_addc(out, '\0');
}

static void
put_count(struct buf *out, size_t n)
{
	buf_addf(out, "%zu", n);
	buf_addc(out, '\0');
}

void
sv_beam_summary_put(const struct sv_beam *b, struct buf *out)
{
	size_t i;

	put_field(out, b->module);
	put_count(out, b->nexports);
	for (i = 0; i < b->nexports; i++) {
		put_field(out, b->exports[i].name);
		put_count(out, b->exports[i].arity);
	}
	put_count(out, b->nimports);
	for (i = 0; i < b->nimports; i++)
		put_field(out, b->imports[i]);
	put_count(out, b->nbehaviours);
	for (i = 0; i < b->nbehaviours; i++)
		put_field(out, b->behaviours[i]);
	put_count(out, b->loads_nif);
}

static const char *
get_field(const char **p, const char *end)
{
	const char *s = *p, *nul = memchr(s, '\0', (size_t)(end - s));

	if (nul == NULL)
		return NULL;
	*p = nul + 1;
	return s;
}

/* A count no larger than max. */
static bool
get_count(const char **p, const char *end, size_t max, size_t *n)
{
	const char *s = get_field(p, end);
	char *stop;
	unsigned long long v;

	if (s == NULL || *s < '0' || *s > '9')
		return false;
	v = strtoull(s, &stop, 10);
	if (*stop != '\0' || v > max)
		return false;
	*n = (size_t)v;
	return true;
}

static bool
get_names(const char **p, const char *end, char ***v, size_t *n)
{
	size_t i, k;

	if (!get_count(p, end, (size_t)(end - *p), &k))
		return false;
	*v = xcalloc(k ? k : 1, sizeof(**v));
	*n = 0;
	for (i = 0; i < k; i++) {
		const char *s = get_field(p, end);

		if (s == NULL)
			return false;
		(*v)[i] = xstrdup(s);
		*n = i + 1;
	}
	*n = k;
	return true;
}

bool
sv_beam_summary_get(struct sv_beam *b, const char **p, const char *end)
{
	const char *s;
	size_t i, n, nif;

	if ((s = get_field(p, end)) == NULL)
		goto bad;
	b->module = xstrdup(s);
	if (!get_count(p, end, (size_t)(end - *p), &n))
		goto bad;
	b->exports = xcalloc(n ? n : 1, sizeof(*b->exports));
	for (i = 0; i < n; i++) {
		size_t arity;

		if ((s = get_field(p, end)) == NULL)
			goto bad;
		b->exports[i].name = xstrdup(s);
		b->nexports = i + 1;
		if (!get_count(p, end, 255, &arity))
			goto bad;
		b->exports[i].arity = (unsigned)arity;
	}
	if (!get_names(p, end, &b->imports, &b->nimports) ||
	    !get_names(p, end, &b->behaviours, &b->nbehaviours) ||
	    !get_count(p, end, 1, &nif))
		goto bad;
	b->loads_nif = nif != 0;
	return true;
bad:
	sv_beam_release(b);
	return false;
}
