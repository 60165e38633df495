/*
 * write_html.c: the merged channel as the HTML river a person reads at
 * "/": one article per story with its source, date and a plain-text
 * excerpt, "Also reported by" and "You might also like"; subscribe links
 * in the head (rel="alternate") and on the page.  Small inline CSS, no
 * script, readable on a phone.  Only text and checked absolute URLs reach
 * the page, so stored markup can neither break it nor run in it.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"

#include "buf.h"
#include "feeds.h"
#include "xmalloc.h"

#define HTML_EXCERPT	400	/* characters of text shown per story */

static const char html_style[] =
    "body{margin:0 auto;max-width:44em;padding:0 1em;"
    "font:1.05em/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;"
    "color:#1b1b1b;background:#fff}"
    "header{border-bottom:2px solid #ddd;padding:.8em 0}"
    "h1{font-size:1.5em;margin:0 0 .3em;line-height:1.2}"
    "h1 a{color:inherit;text-decoration:none}"
    "nav a{display:inline-block;margin:0 .8em .2em 0}"
    "article{border-bottom:1px solid #eee;padding:.9em 0}"
    "h2{font-size:1.15em;margin:0 0 .2em;line-height:1.3}"
    "h2 a{text-decoration:none}"
    "h4{font-size:.85em;margin:.6em 0 0;color:#555}"
    "a{color:#0645ad}"
    ".meta,.also{color:#555;font-size:.9em;margin:.2em 0}"
    ".related{font-size:.9em;margin:.2em 0;padding-left:1.2em}"
    ".pages{padding:1em 0}"
    "footer{color:#777;font-size:.8em;padding:1em 0}"
    "p{overflow-wrap:anywhere}"
    "@media (prefers-color-scheme:dark){body{background:#121212;"
    "color:#ddd}a{color:#8ab4f8}.meta,.also,h4,footer{color:#aaa}"
    "header,article{border-color:#333}}";

/* The formats offered for subscription. */
static const struct {
	const char	*ext;
	const char	*type;
	const char	*name;
} html_formats[] = {
	{ ".atom", "application/atom+xml", "Atom" },
	{ ".rss", "application/rss+xml", "RSS" },
	{ ".json", "application/feed+json", "JSON Feed" },
};

/* html_href appends href="url" (url already checked). */
static void
html_href(struct buf *b, const char *url, const char *suffix)
{
	buf_puts(b, "href=\"");
	write_url(b, url, WRITE_ESCAPE);
	if (suffix != NULL)
		buf_puts(b, suffix);
	buf_puts(b, "\"");
}

/* html_text appends text cleaned, escaped, on one line. */
static void
html_text(struct buf *b, const char *text, size_t max)
{
	write_clean(b, text, max, WRITE_ESCAPE | WRITE_LINE);
}

/* html_base returns the subscribe links' base URL, or NULL. */
static char *
html_base(const struct channel *c)
{
	char	*s;

	if (write_url_ok(c->feed_base))
		return (xstrdup(c->feed_base));
	if (!write_url_ok(c->link))
		return (NULL);
	xasprintf(&s, "%s%sfeed", c->link,
	    c->link[strlen(c->link) - 1] == '/' ? "" : "/");
	return (s);
}

/* html_head appends the document's head. */
static void
html_head(struct buf *b, const struct channel *c, const char *base)
{
	size_t	 i;

	buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">\n"
	    "<meta name=\"generator\" content=\"syndic " PACKAGE_VERSION
	    "\">\n<title>");
	html_text(b, c->title, WRITE_TITLE_MAX);
	buf_puts(b, "</title>\n");
	for (i = 0; base != NULL && i < 3; i++) {
		buf_printf(b, "<link rel=\"alternate\" type=\"%s\" title=\"",
		    html_formats[i].type);
		html_text(b, c->title, WRITE_TITLE_MAX);
		buf_printf(b, " (%s)\" ", html_formats[i].name);
		html_href(b, base, html_formats[i].ext);
		buf_puts(b, ">\n");
	}
	if (write_url_ok(c->hub)) {
		buf_puts(b, "<link rel=\"hub\" ");
		html_href(b, c->hub, NULL);
		buf_puts(b, ">\n");
	}
	if (write_url_ok(c->next)) {
		buf_puts(b, "<link rel=\"next\" ");
		html_href(b, c->next, NULL);
		buf_puts(b, ">\n");
	}
	buf_printf(b, "<style>%s</style>\n</head>\n", html_style);
}

/* html_header appends the page's header: title and subscribe links. */
static void
html_header(struct buf *b, const struct channel *c, const char *base)
{
	char	*opml = NULL;
	size_t	 i;

	buf_puts(b, "<body>\n<header>\n<h1>");
	if (write_url_ok(c->link)) {
		buf_puts(b, "<a ");
		html_href(b, c->link, NULL);
		buf_puts(b, ">");
	}
	html_text(b, c->title != NULL ? c->title : "syndic", WRITE_TITLE_MAX);
	buf_puts(b, write_url_ok(c->link) ? "</a></h1>\n" : "</h1>\n");
	if (base == NULL) {
		buf_puts(b, "</header>\n");
		return;
	}
	buf_puts(b, "<nav aria-label=\"Subscribe\">Subscribe:\n");
	for (i = 0; i < 3; i++) {
		buf_printf(b, "<a type=\"%s\" ", html_formats[i].type);
		html_href(b, base, html_formats[i].ext);
		buf_printf(b, ">%s</a>\n", html_formats[i].name);
	}
	if (write_url_ok(c->link)) {
		xasprintf(&opml, "%s%sfeeds.opml", c->link,
		    c->link[strlen(c->link) - 1] == '/' ? "" : "/");
		buf_puts(b, "<a type=\"text/x-opml\" ");
		html_href(b, opml, NULL);
		buf_puts(b, ">Sources (OPML)</a>\n");
		free(opml);
	}
	buf_puts(b, "</nav>\n</header>\n");
}

/* html_meta appends the story's source, date and author line. */
static void
html_meta(struct buf *b, const struct channel *c, const struct item *it)
{
	const struct source_ref *s = &it->source;
	const char	*u;
	char		 iso[WRITE_DATE_MAX], human[64];
	struct tm	 tm;
	time_t		 t;

	buf_puts(b, "<p class=\"meta\">");
	u = write_url_ok(s->url) ? s->url : write_url_ok(s->feed_url) ?
	    s->feed_url : NULL;
	if (u != NULL) {
		buf_puts(b, "<a ");
		html_href(b, u, NULL);
		buf_puts(b, ">");
	}
	html_text(b, s->title != NULL ? s->title : "(unnamed source)",
	    WRITE_TITLE_MAX);
	if (u != NULL)
		buf_puts(b, "</a>");
	t = (time_t)(it->published != TIME_UNKNOWN ? it->published :
	    it->updated);
	if (write_rfc3339(iso, (long long)t) == 0 &&
	    gmtime_r(&t, &tm) != NULL) {
		strftime(human, sizeof human, "%d %b %Y, %H:%M UTC", &tm);
		buf_printf(b, " &middot; <time datetime=\"%s\">%s</time>",
		    iso, human);
	}
	if (it->author != NULL) {
		buf_puts(b, " &middot; by ");
		html_text(b, it->author, 100);
	}
	buf_puts(b, "</p>\n");
}

/* html_article appends one story. */
static void
html_article(struct buf *b, const struct channel *c, const struct item *it)
{
	char	*title, *text;

	buf_puts(b, "<article");
	if (it->story_id > 0)
		buf_printf(b, " id=\"story-%lld\"", it->story_id);
	buf_puts(b, ">\n<h2>");
	title = write_title(it);
	if (write_url_ok(it->link)) {
		buf_puts(b, "<a ");
		html_href(b, it->link, NULL);
		buf_puts(b, ">");
		html_text(b, title, 0);
		buf_puts(b, "</a>");
	} else
		html_text(b, title, 0);
	free(title);
	buf_puts(b, "</h2>\n");
	html_meta(b, c, it);
	text = write_excerpt(it->summary != NULL ? it->summary : it->content,
	    HTML_EXCERPT);
	if (text != NULL && *text != '\0') {
		buf_puts(b, "<p>");
		html_text(b, text, 0);
		buf_puts(b, "</p>\n");
	}
	free(text);
	write_extras(b, it);
	buf_puts(b, "\n</article>\n");
}

char *
write_html(const struct channel *c)
{
	struct buf	 b;
	char		*base;
	int		 i;

	buf_init(&b);
	base = html_base(c);
	html_head(&b, c, base);
	html_header(&b, c, base);
	free(base);
	buf_puts(&b, "<main>\n");
	if (c->nitems == 0)
		buf_puts(&b, "<p>No stories yet.</p>\n");
	for (i = 0; i < c->nitems; i++)
		html_article(&b, c, &c->items[i]);
	buf_puts(&b, "</main>\n");
	if (write_url_ok(c->next)) {
		buf_puts(&b, "<nav class=\"pages\"><a rel=\"next\" ");
		html_href(&b, c->next, NULL);
		buf_puts(&b, ">Older stories &rarr;</a></nav>\n");
	}
	buf_puts(&b, "<footer><p>Merged by syndic " PACKAGE_VERSION
	    ".</p></footer>\n</body>\n</html>\n");
	return (buf_steal(&b));
}
