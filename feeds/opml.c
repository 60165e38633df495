/*
 * opml.c: reading and writing subscription lists in OPML 2.0.
 *
 * Reading accepts what feed readers export: outlines with an xmlUrl
 * attribute anywhere in the tree; the text of the outlines that enclose a
 * feed (folders) and its category attribute ("a,b" or "/a/b") become its
 * tags.  Writing gives one flat OPML 2.0 document with a category
 * attribute for tags.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "buf.h"
#include "feeds.h"
#include "xmalloc.h"

#define OPML_MAX_FEEDS	100000
#define OPML_MAX_DEPTH	32
#define OPML_MAX_TAGS	32

void
opml_feeds_free(struct opml_feed *v, int n)
{
	int	 i, j;

	for (i = 0; i < n; i++) {
		free(v[i].url);
		free(v[i].title);
		free(v[i].site);
		for (j = 0; j < v[i].ntags; j++)
			free(v[i].tags[j]);
		free(v[i].tags);
	}
	free(v);
}

/* opml_attr returns a copy of an attribute, NULL when absent or empty. */
static char *
opml_attr(xmlNode *n, const char *name)
{
	xmlChar	*v;
	char	*s = NULL;

	if ((v = xmlGetProp(n, (const xmlChar *)name)) == NULL)
		return (NULL);
	if (*v != '\0')
		s = xstrdup((const char *)v);
	xmlFree(v);
	return (s);
}

/* opml_tag adds a trimmed tag to a feed unless empty or already there. */
static void
opml_tag(struct opml_feed *f, const char *start, size_t len)
{
	int	 i;

	while (len > 0 && (*start == ' ' || *start == '\t')) {
		start++;
		len--;
	}
	while (len > 0 && (start[len - 1] == ' ' || start[len - 1] == '\t'))
		len--;
	if (len == 0 || f->ntags == OPML_MAX_TAGS)
		return;
	for (i = 0; i < f->ntags; i++) {
		if (strlen(f->tags[i]) == len &&
		    strncmp(f->tags[i], start, len) == 0)
			return;
	}
	f->tags = xreallocarray(f->tags, f->ntags + 1, sizeof *f->tags);
	f->tags[f->ntags++] = xstrndup(start, len);
}

/* opml_tags splits a category attribute ("a,b", "/a/b") into tags. */
static void
opml_tags(struct opml_feed *f, const char *cat)
{
	const char	*p, *q;

	for (p = cat; p != NULL && *p != '\0'; p = q == NULL ? NULL : q + 1) {
		q = strpbrk(p, ",/");
		opml_tag(f, p, q == NULL ? strlen(p) : (size_t)(q - p));
	}
}

/* The state of a walk over the outlines. */
struct opml_walk {
	struct opml_feed	*v;
	int			 n;
	const char		*folders[OPML_MAX_DEPTH];
	int			 depth;
};

/* opml_outline handles one outline and its children. */
static void
opml_outline(struct opml_walk *w, xmlNode *node)
{
	struct opml_feed	*f;
	xmlNode			*c;
	char			*url, *cat, *text;
	int			 i;

	if ((url = opml_attr(node, "xmlUrl")) != NULL) {
		if (w->n == OPML_MAX_FEEDS) {
			free(url);
			return;
		}
		w->v = xreallocarray(w->v, w->n + 1, sizeof *w->v);
		f = &w->v[w->n++];
		memset(f, 0, sizeof *f);
		f->url = url;
		if ((f->title = opml_attr(node, "title")) == NULL)
			f->title = opml_attr(node, "text");
		if (f->title != NULL && strcmp(f->title, url) == 0) {
			free(f->title);		/* a text that only repeats */
			f->title = NULL;
		}
		f->site = opml_attr(node, "htmlUrl");
		for (i = 0; i < w->depth; i++)
			opml_tags(f, w->folders[i]);
		cat = opml_attr(node, "category");
		opml_tags(f, cat);
		free(cat);
		return;
	}
	if (w->depth == OPML_MAX_DEPTH)
		return;
	text = opml_attr(node, "text");
	if (text == NULL)
		text = opml_attr(node, "title");
	w->folders[w->depth++] = text != NULL ? text : "";
	for (c = node->children; c != NULL; c = c->next) {
		if (c->type == XML_ELEMENT_NODE &&
		    xmlStrcmp(c->name, (const xmlChar *)"outline") == 0)
			opml_outline(w, c);
	}
	w->depth--;
	free(text);
}

int
opml_read(const char *data, size_t len, struct opml_feed **feeds, int *n,
    char **cause)
{
	struct opml_walk	 w;
	xmlDoc			*doc;
	xmlNode			*root, *c, *o;

	*feeds = NULL;
	*n = 0;
	if (len > OPML_MAX_BYTES) {
		xasprintf(cause, "OPML document too large (over %d bytes)",
		    OPML_MAX_BYTES);
		return (-1);
	}
	doc = xmlReadMemory(data, (int)len, NULL, NULL, XML_PARSE_NONET |
	    XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
	if (doc == NULL) {
		xasprintf(cause, "not well-formed XML");
		return (-1);
	}
	root = xmlDocGetRootElement(doc);
	if (root == NULL || xmlStrcmp(root->name, (const xmlChar *)"opml")) {
		xmlFreeDoc(doc);
		xasprintf(cause, "not an OPML document");
		return (-1);
	}
	memset(&w, 0, sizeof w);
	for (c = root->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE ||
		    xmlStrcmp(c->name, (const xmlChar *)"body") != 0)
			continue;
		for (o = c->children; o != NULL; o = o->next) {
			if (o->type == XML_ELEMENT_NODE &&
			    xmlStrcmp(o->name, (const xmlChar *)"outline") == 0)
				opml_outline(&w, o);
		}
	}
	xmlFreeDoc(doc);
	*feeds = w.v;
	*n = w.n;
	return (0);
}

/* opml_escape appends an attribute value: escaped, no control characters. */
static void
opml_escape(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&':
			buf_puts(b, "&amp;");
			break;
		case '<':
			buf_puts(b, "&lt;");
			break;
		case '>':
			buf_puts(b, "&gt;");
			break;
		case '"':
			buf_puts(b, "&quot;");
			break;
		case '\t':
		case '\n':
		case '\r':
			buf_putc(b, ' ');
			break;
		default:
			if ((unsigned char)*s >= 0x20 && *s != 0x7f)
				buf_putc(b, *s);
			break;
		}
	}
}

/* opml_attr_out appends name="value" when value is set. */
static void
opml_attr_out(struct buf *b, const char *name, const char *value)
{
	if (value == NULL || *value == '\0')
		return;
	buf_printf(b, " %s=\"", name);
	opml_escape(b, value);
	buf_putc(b, '"');
}

char *
opml_write(const struct opml_feed *v, int n, const char *title, long long now)
{
	struct buf		 b, tags;
	const struct opml_feed	*f;
	char			 date[64];
	struct tm		 tm;
	time_t			 t = (time_t)now;
	int			 i, j;

	buf_init(&b);
	buf_init(&tags);
	gmtime_r(&t, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<opml version=\"2.0\">\n<head>\n<title>");
	opml_escape(&b, title != NULL ? title : "syndic subscriptions");
	buf_printf(&b, "</title>\n<dateCreated>%s</dateCreated>\n"
	    "</head>\n<body>\n", date);
	for (i = 0; i < n; i++) {
		f = &v[i];
		buf_puts(&b, "<outline type=\"rss\"");
		opml_attr_out(&b, "text", f->title != NULL ? f->title : f->url);
		opml_attr_out(&b, "title", f->title);
		opml_attr_out(&b, "xmlUrl", f->url);
		opml_attr_out(&b, "htmlUrl", f->site);
		buf_reset(&tags);
		for (j = 0; j < f->ntags; j++) {
			if (j > 0)
				buf_putc(&tags, ',');
			buf_puts(&tags, f->tags[j]);
		}
		if (tags.len > 0)
			opml_attr_out(&b, "category", tags.data);
		buf_puts(&b, "/>\n");
	}
	buf_puts(&b, "</body>\n</opml>\n");
	buf_free(&tags);
	return (buf_steal(&b));
}
