/*
 * write_atom.c: the merged channel as an Atom 1.0 document (RFC 4287),
 * valid against the RFC's RELAX NG schema whatever the store holds.  Each
 * story names its source in <source>, the other sources as rel="via"
 * links, related stories as rel="related" links; the content ends with
 * "Also reported by" and "You might also like".  RFC 5005 paging and
 * WebSub discovery are links of the feed.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"

#include "buf.h"
#include "feeds.h"

/* atom_element appends <name>text</name> with text cleaned on one line. */
static void
atom_element(struct buf *b, const char *name, const char *text,
    const char *attrs)
{
	buf_printf(b, "<%s%s>", name, attrs);
	write_clean(b, text, WRITE_TITLE_MAX, WRITE_ESCAPE | WRITE_LINE);
	buf_printf(b, "</%s>\n", name);
}

/* atom_date appends a date element; a date out of range becomes 1970. */
static void
atom_date(struct buf *b, const char *name, long long t)
{
	char	 s[WRITE_DATE_MAX];

	if (write_rfc3339(s, t) == -1)
		write_rfc3339(s, 0);
	buf_printf(b, "<%s>%s</%s>\n", name, s, name);
}

/* atom_link appends a link element when href is an absolute URL. */
static void
atom_link(struct buf *b, const char *rel, const char *href, const char *type,
    const char *title)
{
	if (!write_url_ok(href))
		return;
	buf_printf(b, "<link rel=\"%s\" href=\"", rel);
	write_url(b, href, WRITE_ESCAPE);
	buf_puts(b, "\"");
	if (type != NULL) {
		buf_puts(b, " type=\"");
		write_clean(b, type, 100, WRITE_ESCAPE | WRITE_LINE);
		buf_puts(b, "\"");
	}
	if (title != NULL) {
		buf_puts(b, " title=\"");
		write_clean(b, title, WRITE_TITLE_MAX,
		    WRITE_ESCAPE | WRITE_LINE);
		buf_puts(b, "\"");
	}
	buf_puts(b, "/>\n");
}

/* atom_media_type says whether t looks like "type/subtype" (the schema). */
static int
atom_media_type(const char *t)
{
	const char	*slash;

	if (t == NULL || strlen(t) > 100 || (slash = strchr(t, '/')) == NULL)
		return (0);
	if (slash == t || slash[1] == '\0')
		return (0);
	for (; *t != '\0'; t++) {
		if (*t <= 0x20 || *t >= 0x7f)
			return (0);
	}
	return (1);
}

/* atom_source appends the <source> element naming where a story came from. */
static void
atom_source(struct buf *b, const struct source_ref *s)
{
	if (s->title == NULL && !write_url_ok(s->url) &&
	    !write_url_ok(s->feed_url))
		return;
	buf_puts(b, "<source>\n");
	if (write_url_ok(s->feed_url)) {
		buf_puts(b, "<id>");
		write_url(b, s->feed_url, WRITE_ESCAPE);
		buf_puts(b, "</id>\n");
	}
	if (s->title != NULL)
		atom_element(b, "title", s->title, " type=\"text\"");
	atom_link(b, "alternate", s->url, "text/html", NULL);
	atom_link(b, "self", s->feed_url, NULL, NULL);
	buf_puts(b, "</source>\n");
}

/* atom_html appends an HTML construct (escaped markup). */
static void
atom_html(struct buf *b, const char *name, const char *html)
{
	buf_printf(b, "<%s type=\"html\">", name);
	write_clean(b, html, WRITE_TEXT_MAX, WRITE_ESCAPE);
	buf_printf(b, "</%s>\n", name);
}

/* atom_links appends an entry's links: page, sources, related, media. */
static void
atom_links(struct buf *b, const struct item *it)
{
	const char	*type;
	int		 i;

	atom_link(b, "alternate", it->link, "text/html", NULL);
	for (i = 0; i < it->nalso; i++)
		atom_link(b, "via", write_url_ok(it->also[i].entry_url) ?
		    it->also[i].entry_url : it->also[i].url, NULL,
		    it->also[i].title);
	for (i = 0; i < it->nrelated; i++)
		atom_link(b, "related", it->related[i].url, NULL,
		    it->related[i].title != NULL ? it->related[i].title : "");
	for (i = 0; i < it->nenclosures; i++) {
		type = it->enclosures[i].type;
		if (!write_url_ok(it->enclosures[i].url))
			continue;
		buf_puts(b, "<link rel=\"enclosure\" href=\"");
		write_url(b, it->enclosures[i].url, WRITE_ESCAPE);
		buf_puts(b, "\"");
		if (atom_media_type(type))
			buf_printf(b, " type=\"%s\"", type);
		if (it->enclosures[i].length >= 0)
			buf_printf(b, " length=\"%lld\"",
			    it->enclosures[i].length);
		buf_puts(b, "/>\n");
	}
}

/* atom_entry appends one story. */
static void
atom_entry(struct buf *b, const struct channel *c, const struct item *it)
{
	struct buf	 html;
	char		*title;
	int		 i;

	buf_puts(b, "<entry>\n<id>");
	write_id(b, it);
	buf_puts(b, "</id>\n");
	title = write_title(it);
	atom_element(b, "title", title, " type=\"text\"");
	free(title);
	atom_date(b, "updated", write_updated(c, it));
	if (it->published != TIME_UNKNOWN)
		atom_date(b, "published", it->published);
	if (it->author != NULL) {
		buf_puts(b, "<author>");
		atom_element(b, "name", it->author, "");
		buf_puts(b, "</author>\n");
	}
	atom_links(b, it);
	for (i = 0; i < it->ncategories; i++) {
		if (it->categories[i] == NULL || it->categories[i][0] == '\0')
			continue;
		buf_puts(b, "<category term=\"");
		write_clean(b, it->categories[i], WRITE_TITLE_MAX,
		    WRITE_ESCAPE | WRITE_LINE);
		buf_puts(b, "\"/>\n");
	}
	atom_source(b, &it->source);
	if (it->summary != NULL && it->content != NULL)
		atom_html(b, "summary", it->summary);
	buf_init(&html);
	buf_puts(&html, it->content != NULL ? it->content :
	    it->summary != NULL ? it->summary : "");
	write_extras(&html, it);
	atom_html(b, "content", html.data);
	buf_free(&html);
	buf_puts(b, "</entry>\n");
}

char *
write_atom(const struct channel *c)
{
	struct buf	 b;
	int		 i;

	buf_init(&b);
	buf_puts(&b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	    "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<id>");
	if (c->id != NULL && write_url_ok(c->id))
		write_url(&b, c->id, WRITE_ESCAPE);
	else if (write_url_ok(c->self))
		write_url(&b, c->self, WRITE_ESCAPE);
	else if (write_url_ok(c->link))
		write_url(&b, c->link, WRITE_ESCAPE);
	else
		buf_puts(&b, "urn:syndic:feed");
	buf_puts(&b, "</id>\n");
	atom_element(&b, "title", c->title != NULL ? c->title : "syndic",
	    " type=\"text\"");
	atom_date(&b, "updated", c->updated == TIME_UNKNOWN ? 0 : c->updated);
	buf_puts(&b, "<author>");
	atom_element(&b, "name", c->title != NULL ? c->title : "syndic", "");
	buf_puts(&b, "</author>\n");
	buf_puts(&b, "<generator version=\""
	    PACKAGE_VERSION "\">syndic</generator>\n");
	atom_link(&b, "self", c->self, "application/atom+xml", NULL);
	atom_link(&b, "alternate", c->link, "text/html", NULL);
	atom_link(&b, "hub", c->hub, NULL, NULL);
	atom_link(&b, "next", c->next, "application/atom+xml", NULL);
	for (i = 0; i < c->nitems; i++)
		atom_entry(&b, c, &c->items[i]);
	buf_puts(&b, "</feed>\n");
	return (buf_steal(&b));
}
