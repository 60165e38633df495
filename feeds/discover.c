/*
 * discover.c: feed autodiscovery: given an HTML page, find the feed it
 * announces with <link rel="alternate" type="application/rss+xml"> (or
 * Atom, RDF, JSON Feed).  The page is parsed with libxml2's forgiving HTML
 * parser; we only read attributes of <link> and <base>, never render.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "feeds.h"
#include "xmalloc.h"

/* The most <link> elements we look at in one page, and its largest size. */
#define DISCOVER_MAX_LINKS	1000
#define DISCOVER_MAX_DOC	(16 * 1024 * 1024)

/* The types that announce a feed. */
static const char *discover_types[] = {
	"application/atom+xml",
	"application/rss+xml",
	"application/rdf+xml",
	"application/feed+json",
	"application/json",
	"text/xml",
	"application/xml",
};

/* discover_has_token says whether a space-separated list holds tok. */
static int
discover_has_token(const char *list, const char *tok)
{
	size_t	n = strlen(tok), len;

	while (*list != '\0') {
		while (isspace((unsigned char)*list))
			list++;
		len = strcspn(list, " \t\r\n\f");
		if (len == n && strncasecmp(list, tok, n) == 0)
			return (1);
		list += len;
	}
	return (0);
}

/* discover_type_rank ranks a type attribute; -1 when not a feed type. */
static int
discover_type_rank(const char *type)
{
	size_t	i, n;

	n = strcspn(type, "; \t");
	for (i = 0; i < sizeof discover_types / sizeof discover_types[0]; i++) {
		if (strlen(discover_types[i]) == n &&
		    strncasecmp(type, discover_types[i], n) == 0)
			return ((int)i);
	}
	return (-1);
}

/* discover_resolve makes href absolute against base; NULL when it cannot. */
static char *
discover_resolve(const char *base, const char *href)
{
	CURLU	*u;
	char	*s = NULL, *out = NULL;

	if ((u = curl_url()) == NULL)
		return (NULL);
	if ((base == NULL || curl_url_set(u, CURLUPART_URL, base, 0) ==
	    CURLUE_OK) && curl_url_set(u, CURLUPART_URL, href,
	    CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK) {
		if (strncasecmp(s, "http://", 7) == 0 ||
		    strncasecmp(s, "https://", 8) == 0)
			out = xstrdup(s);
		curl_free(s);
	}
	curl_url_cleanup(u);
	return (out);
}

struct discover_walk {
	const char	*base;		/* <base href>, or the page URL */
	char		*best;		/* href of the best link so far */
	char		*title;
	int		 rank;
	int		 nlinks;
};

/* discover_link considers one <link> element. */
static void
discover_link(struct discover_walk *w, xmlNode *n)
{
	xmlChar	*rel, *type, *href, *title;
	int	 rank;

	rel = xmlGetProp(n, (const xmlChar *)"rel");
	type = xmlGetProp(n, (const xmlChar *)"type");
	href = xmlGetProp(n, (const xmlChar *)"href");
	if (rel != NULL && type != NULL && href != NULL && *href != '\0' &&
	    discover_has_token((char *)rel, "alternate") &&
	    (rank = discover_type_rank((char *)type)) != -1 &&
	    w->best == NULL) {
		/* The first feed a page announces is its main one. */
		w->best = xstrdup((char *)href);
		w->rank = rank;
		title = xmlGetProp(n, (const xmlChar *)"title");
		w->title = title != NULL ? xstrdup((char *)title) : NULL;
		xmlFree(title);
	}
	xmlFree(rel);
	xmlFree(type);
	xmlFree(href);
}

/* discover_walk_tree visits elements in document order (iteratively). */
static void
discover_walk_tree(struct discover_walk *w, xmlNode *root, char **basep)
{
	xmlNode	*n = root;
	xmlChar	*href;

	while (n != NULL && w->nlinks < DISCOVER_MAX_LINKS) {
		if (n->type == XML_ELEMENT_NODE) {
			if (strcasecmp((const char *)n->name, "link") == 0) {
				w->nlinks++;
				discover_link(w, n);
			} else if (strcasecmp((const char *)n->name, "base") ==
			    0 && *basep == NULL &&
			    (href = xmlGetProp(n, (const xmlChar *)"href")) !=
			    NULL) {
				*basep = xstrdup((char *)href);
				xmlFree(href);
			}
			if (n->children != NULL) {
				n = n->children;
				continue;
			}
		}
		while (n != NULL && n->next == NULL && n != root)
			n = n->parent;
		if (n == NULL || n == root)
			break;
		n = n->next;
	}
}

char *
discover_feed(const char *html, size_t len, const char *url, char **title)
{
	struct discover_walk	 w;
	htmlDocPtr		 doc;
	char			*base = NULL, *abs_base, *out = NULL;

	if (title != NULL)
		*title = NULL;
	if (len > DISCOVER_MAX_DOC)
		return (NULL);
	doc = htmlReadMemory(html, (int)len, url, NULL, HTML_PARSE_RECOVER |
	    HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
	if (doc == NULL)
		return (NULL);
	memset(&w, 0, sizeof w);
	if (xmlDocGetRootElement(doc) != NULL)
		discover_walk_tree(&w, xmlDocGetRootElement(doc), &base);
	xmlFreeDoc(doc);
	if (w.best != NULL) {
		abs_base = base != NULL ? discover_resolve(url, base) : NULL;
		out = discover_resolve(abs_base != NULL ? abs_base : url,
		    w.best);
		free(abs_base);
	}
	if (out != NULL && title != NULL)
		*title = w.title;
	else
		free(w.title);
	free(w.best);
	free(base);
	return (out);
}

int
discover_is_html(const char *content_type, const char *body, size_t len)
{
	size_t	i;

	if (content_type != NULL && (strncasecmp(content_type, "text/html",
	    9) == 0 || strncasecmp(content_type, "application/xhtml", 17) ==
	    0))
		return (1);
	for (i = 0; i < len && i < 512 && isspace((unsigned char)body[i]);
	    i++)
		;
	if (len - i >= 3 && (unsigned char)body[i] == 0xef &&
	    (unsigned char)body[i + 1] == 0xbb &&
	    (unsigned char)body[i + 2] == 0xbf)
		i += 3;
	return (len - i >= 5 && (strncasecmp(body + i, "<html", 5) == 0 ||
	    (len - i >= 9 && strncasecmp(body + i, "<!doctype", 9) == 0 &&
	    len - i >= 14 && strncasecmp(body + i + 10, "html", 4) == 0)));
}
