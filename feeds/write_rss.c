/*
 * write_rss.c: the merged channel as an RSS 2.0 document, following the
 * RSS Advisory Board's specification: required channel elements always
 * present, RFC 822 dates, one enclosure per item with its three required
 * attributes, <source url> naming where a story came from.  Self, hub and
 * next links use the Atom namespace, as the Board's profile recommends.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"

#include "buf.h"
#include "feeds.h"

#define RSS_NS	"xmlns:atom=\"http://www.w3.org/2005/Atom\" " \
		"xmlns:dc=\"http://purl.org/dc/elements/1.1/\""

/* rss_element appends <name>text</name> with text cleaned on one line. */
static void
rss_element(struct buf *b, const char *name, const char *text)
{
	buf_printf(b, "<%s>", name);
	write_clean(b, text, WRITE_TITLE_MAX, WRITE_ESCAPE | WRITE_LINE);
	buf_printf(b, "</%s>\n", name);
}

/*
 * rss_title appends an item's <title>.  NOTE: RSS never said whether a
 * title is text or HTML, and many readers render it as HTML; so a '<' of
 * the plain-text title goes out as "&amp;lt;", which such a reader shows
 * as '<' instead of opening a tag (the XSS suite found "<img onerror=...>"
 * titles running).  A text-only reader shows "&lt;", rare and harmless.
 */
static void
rss_title(struct buf *b, const char *title)
{
	struct buf	 t;
	const char	*p;
	char		*s;

	buf_init(&t);
	for (p = title != NULL ? title : ""; *p != '\0'; p++) {
		if (*p == '<')
			buf_puts(&t, "&lt;");
		else
			buf_putc(&t, *p);
	}
	s = buf_steal(&t);
	rss_element(b, "title", s);
	free(s);
}

/* rss_url_element appends <name>url</name> when url is absolute. */
static void
rss_url_element(struct buf *b, const char *name, const char *url)
{
	if (!write_url_ok(url))
		return;
	buf_printf(b, "<%s>", name);
	write_url(b, url, WRITE_ESCAPE);
	buf_printf(b, "</%s>\n", name);
}

/* rss_atom_link appends an atom:link when href is absolute. */
static void
rss_atom_link(struct buf *b, const char *rel, const char *href,
    const char *type)
{
	if (!write_url_ok(href))
		return;
	buf_printf(b, "<atom:link rel=\"%s\" href=\"", rel);
	write_url(b, href, WRITE_ESCAPE);
	buf_puts(b, "\"");
	if (type != NULL)
		buf_printf(b, " type=\"%s\"", type);
	buf_puts(b, "/>\n");
}

/* rss_enclosure appends the first usable enclosure (RSS allows one). */
static void
rss_enclosure(struct buf *b, const struct item *it)
{
	const struct enclosure *e;
	int		 i;

	for (i = 0; i < it->nenclosures; i++) {
		e = &it->enclosures[i];
		if (!write_url_ok(e->url))
			continue;
		buf_puts(b, "<enclosure url=\"");
		write_url(b, e->url, WRITE_ESCAPE);
		buf_printf(b, "\" length=\"%lld\" type=\"",
		    e->length >= 0 ? e->length : 0);
		if (e->type != NULL && strchr(e->type, '/') != NULL)
			write_clean(b, e->type, 100, WRITE_ESCAPE | WRITE_LINE);
		else
			buf_puts(b, "application/octet-stream");
		buf_puts(b, "\"/>\n");
		return;
	}
}

/* rss_item appends one story. */
static void
rss_item(struct buf *b, const struct channel *c, const struct item *it)
{
	struct buf	 html;
	char		*title, *id, date[WRITE_DATE_MAX];
	int		 i;

	buf_puts(b, "<item>\n");
	title = write_title(it);
	rss_title(b, title);
	free(title);
	rss_url_element(b, "link", it->link);
	buf_init(&html);
	buf_puts(&html, it->content != NULL ? it->content :
	    it->summary != NULL ? it->summary : "");
	write_extras(&html, it);
	buf_puts(b, "<description>");
	write_clean(b, html.data, WRITE_TEXT_MAX, WRITE_ESCAPE);
	buf_puts(b, "</description>\n");
	buf_free(&html);
	if (it->author != NULL)
		rss_element(b, "dc:creator", it->author);
	for (i = 0; i < it->ncategories; i++) {
		if (it->categories[i] != NULL && it->categories[i][0] != '\0')
			rss_element(b, "category", it->categories[i]);
	}
	rss_enclosure(b, it);
	id = write_iddup(it);
	buf_printf(b, "<guid isPermaLink=\"%s\">",
	    it->link != NULL && strcmp(id, it->link) == 0 &&
	    write_url_ok(id) ? "true" : "false");
	write_clean(b, id, 0, WRITE_ESCAPE | WRITE_LINE);
	buf_puts(b, "</guid>\n");
	free(id);
	if (write_rfc822(date, it->published != TIME_UNKNOWN ? it->published :
	    write_updated(c, it)) == 0)
		buf_printf(b, "<pubDate>%s</pubDate>\n", date);
	if (write_url_ok(it->source.feed_url)) {
		buf_puts(b, "<source url=\"");
		write_url(b, it->source.feed_url, WRITE_ESCAPE);
		buf_puts(b, "\">");
		write_clean(b, it->source.title != NULL ? it->source.title :
		    it->source.feed_url, WRITE_TITLE_MAX,
		    WRITE_ESCAPE | WRITE_LINE);
		buf_puts(b, "</source>\n");
	}
	buf_puts(b, "</item>\n");
}

char *
write_rss(const struct channel *c)
{
	struct buf	 b;
	char		 date[WRITE_DATE_MAX];
	const char	*link;
	int		 i;

	buf_init(&b);
	buf_puts(&b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	    "<rss version=\"2.0\" " RSS_NS ">\n<channel>\n");
	rss_element(&b, "title", c->title != NULL ? c->title : "syndic");
	link = write_url_ok(c->link) ? c->link : write_url_ok(c->self) ?
	    c->self : "http://localhost/";
	rss_url_element(&b, "link", link);
	buf_puts(&b, "<description>");
	write_clean(&b, c->title != NULL ? c->title : "syndic",
	    WRITE_TITLE_MAX, WRITE_ESCAPE | WRITE_LINE);
	buf_puts(&b, ": the merged stories of its sources</description>\n");
	if (write_rfc822(date, c->updated) == 0)
		buf_printf(&b, "<lastBuildDate>%s</lastBuildDate>\n", date);
	buf_puts(&b, "<generator>syndic " PACKAGE_VERSION "</generator>\n"
	    "<docs>https://www.rssboard.org/rss-specification</docs>\n");
	rss_atom_link(&b, "self", c->self, "application/rss+xml");
	rss_atom_link(&b, "hub", c->hub, NULL);
	rss_atom_link(&b, "next", c->next, "application/rss+xml");
	for (i = 0; i < c->nitems; i++)
		rss_item(&b, c, &c->items[i]);
	buf_puts(&b, "</channel>\n</rss>\n");
	return (buf_steal(&b));
}
