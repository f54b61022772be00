/*
 * xml.c - small XML documents through expat (see xml.h).
 */
#include "config.h"

#include "adapt/xml.h"

#include <expat.h>
#include <string.h>

#include "base/buf.h"

struct walk {
	XML_Parser p;
	struct buf path;   /* "A/B/C" of the open elements */
	struct buf text;   /* the innermost element's text */
	int children;      /* the innermost element had child elements */
	int (*fn)(const char *path, const char *text, void *data);
	void *data;
	int status;
};

static void XMLCALL
on_start(void *data, const XML_Char *name, const XML_Char **attrs)
{
	struct walk *w = data;
	const char *local = strchr(name, ' '); /* "ns name" with namespaces */

	(void)attrs;
	local = local ? local + 1 : name;
	if (w->path.len)
		buf_addc(&w->path, '/');
	buf_adds(&w->path, local);
	buf_reset(&w->text);
	w->children = 0;
}

static void XMLCALL
on_end(void *data, const XML_Char *name)
{
	struct walk *w = data;
	char *slash;

	(void)name;
	if (!w->children && w->status == 0) {
		w->status = w->fn(w->path.s, w->text.s, w->data);
		if (w->status != 0)
			XML_StopParser(w->p, XML_FALSE);
	}
	slash = strrchr(w->path.s, '/');
	buf_truncate(&w->path, slash ? (size_t)(slash - w->path.s) : 0);
	buf_reset(&w->text);
	/* The parent, back in view, has had a child. */
	w->children = 1;
}

static void XMLCALL
on_text(void *data, const XML_Char *s, int len)
{
	struct walk *w = data;

	buf_add(&w->text, s, (size_t)len);
}

int
sv_xml_walk(const char *doc, size_t len, const char *what,
    int (*fn)(const char *path, const char *text, void *data), void *data,
    struct sv_err *e)
{
	struct walk w;
	int status = SV_OK;

	memset(&w, 0, sizeof(w));
	buf_init(&w.path);
	buf_init(&w.text);
	w.fn = fn;
	w.data = data;
	w.p = XML_ParserCreateNS(NULL, ' ');
	if (w.p == NULL) {
		buf_release(&w.path);
		buf_release(&w.text);
		return sv_err_set(e, SV_INPUT, "%s: cannot make an XML parser",
		    what);
	}
	XML_SetUserData(w.p, &w);
	XML_SetElementHandler(w.p, on_start, on_end);
	XML_SetCharacterDataHandler(w.p, on_text);
	if (XML_Parse(w.p, doc, (int)len, XML_TRUE) == XML_STATUS_ERROR &&
	    w.status == 0)
		status = sv_err_set(e, SV_INPUT, "%s: not well-formed XML "
		    "(line %lu: %s)", what,
		    (unsigned long)XML_GetCurrentLineNumber(w.p),
		    XML_ErrorString(XML_GetErrorCode(w.p)));
	else if (w.status != 0)
		status = w.status;
	XML_ParserFree(w.p);
	buf_release(&w.path);
	buf_release(&w.text);
	return status;
}
