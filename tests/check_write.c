/*
 * check_write.c: tests of the output writers (feeds/write*.c) on channels
 * built by hand, a hostile one included: control characters, invalid
 * UTF-8, a huge title, markup in titles, "javascript:" links, entries
 * without dates or links.  Every Atom and RSS output must be well-formed
 * XML (libxml2), Atom valid against RFC 4287's schema with no xmllint
 * warning (when ../shared is there), the JSON parseable with the
 * "_syndic" object, the HTML parseable by an HTML5 parser without error
 * (when python3-html5lib is there), and every render identical.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/relaxng.h>

#include "buf.h"
#include "feeds.h"
#include "model.h"
#include "xmalloc.h"

#define SCHEMA	SRCDIR "/../shared/corpus/schema/atom.rng"

static int	 xml_errors;

/* xml_error_cb counts libxml2's complaints instead of printing them. */
static void
xml_error_cb(void *ctx, const char *fmt, ...)
{
	xml_errors++;
}

/* source sets a source reference. */
static void
source(struct source_ref *s, const char *title, const char *url,
    const char *feed, const char *entry)
{
	s->title = xstrdup0(title);
	s->url = xstrdup0(url);
	s->feed_url = xstrdup0(feed);
	s->entry_url = xstrdup0(entry);
}

/* good_item fills a well-behaved story with sources and related links. */
static void
good_item(struct item *it)
{
	it->story_id = 42;
	it->id = xstrdup("https://example.org/news/1");
	it->title = xstrdup("Harbour reopens after the storm");
	it->link = xstrdup("https://example.org/news/1?a=1&b=2");
	it->author = xstrdup("Ann Writer");
	it->published = 1522231200;	/* 2018-03-28T10:00:00Z */
	it->updated = 1522234800;
	it->summary = xstrdup("<p>The harbour <b>reopened</b> today.</p>");
	it->content = xstrdup("<p>The harbour <b>reopened</b> today, "
	    "after three days &amp; nights.</p>");
	it->ncategories = 2;
	it->categories = xcalloc(2, sizeof *it->categories);
	it->categories[0] = xstrdup("local");
	it->categories[1] = xstrdup("weather & sea");
	it->nenclosures = 1;
	it->enclosures = xcalloc(1, sizeof *it->enclosures);
	it->enclosures[0].url = xstrdup("https://example.org/a.mp3");
	it->enclosures[0].type = xstrdup("audio/mpeg");
	it->enclosures[0].length = 1234;
	source(&it->source, "Harbour Gazette", "https://example.org/",
	    "https://example.org/feed.xml", "https://example.org/news/1");
	it->nalso = 2;
	it->also = xcalloc(2, sizeof *it->also);
	source(&it->also[0], "Coastline Times", "https://coast.example/",
	    "https://coast.example/atom", "https://coast.example/s/9");
	source(&it->also[1], "Tide <Wire>", "https://tide.example/",
	    "https://tide.example/rss", NULL);
	it->nrelated = 2;
	it->related = xcalloc(2, sizeof *it->related);
	it->related[0].url = xstrdup("https://coast.example/s/10");
	it->related[0].title = xstrdup("Storm damage \"estimated\"");
	it->related[0].source = xstrdup("Coastline Times");
	it->related[0].score = 0.75;
	it->related[1].url = xstrdup("javascript:alert(1)");
	it->related[1].title = xstrdup("evil");
}

/* hostile_item fills a story made of what a hostile feed may store. */
static void
hostile_item(struct item *it, int n)
{
	struct buf	 b;
	int		 i;

	it->published = it->updated = TIME_UNKNOWN;
	buf_init(&b);
	buf_puts(&b, "<script>alert(1)</script> ]]> &amp; \x01\x02\x1b[31m"
	    "bad\xff\xfe utf8 \xc0\xaf \xed\xa0\x80 \xef\xbf\xbe end\x7f\xc2\x85");
	for (i = 0; i < 20000; i++)
		buf_puts(&b, "huge ");
	it->title = buf_steal(&b);
	it->id = xstrdup("not a uri \x01 <id>");
	it->link = xstrdup("javascript:alert(document.cookie)");
	it->author = xstrdup("\x0c<b>Mallory</b>\xf5");
	it->content = xstrdup("<p>text \x01 with ]]> and \xe2\x28\xa1 and "
	    "<a href=\"x\">a link</a></p>");
	it->ncategories = 2;
	it->categories = xcalloc(2, sizeof *it->categories);
	it->categories[0] = xstrdup("");
	it->categories[1] = xstrdup("\x01\"<tag>\"");
	it->nenclosures = 2;
	it->enclosures = xcalloc(2, sizeof *it->enclosures);
	it->enclosures[0].url = xstrdup("relative/a.mp3");
	it->enclosures[0].length = -1;
	it->enclosures[1].url = xstrdup("https://e.example/a b\"<>.mp3");
	it->enclosures[1].type = xstrdup("bogus");
	it->enclosures[1].length = -1;
	source(&it->source, "\x01Evil \xff source", "ftp://x", NULL, NULL);
	if (n > 1) {
		it->story_id = 7;
		free(it->title);
		it->title = NULL;
		free(it->id);
		it->id = NULL;
		free(it->content);
		it->content = NULL;
		it->summary = xstrdup("<p>only a summary</p>");
		it->published = 253402300800LL;		/* year 10000 */
	}
}

/* channel_make builds a channel of a good and two hostile stories. */
static struct channel *
channel_make(int with_links)
{
	struct channel	*c;

	c = xcalloc(1, sizeof *c);
	c->title = xstrdup("Merged <news> & more");
	c->link = xstrdup("http://localhost:8080/");
	c->updated = 1522238400;
	c->nitems = 3;
	c->items = xcalloc(3, sizeof *c->items);
	good_item(&c->items[0]);
	hostile_item(&c->items[1], 1);
	hostile_item(&c->items[2], 2);
	if (with_links) {
		c->self = xstrdup("http://localhost:8080/feed.atom");
		c->hub = xstrdup("https://hub.example/");
		c->next = xstrdup("http://localhost:8080/feed.atom?after=7");
		c->feed_base = xstrdup("http://localhost:8080/feed");
	}
	return (c);
}

/* xml_parse parses s, counting errors; returns the document. */
static xmlDocPtr
xml_parse(const char *s)
{
	xmlDocPtr	 doc;

	xml_errors = 0;
	xmlSetGenericErrorFunc(NULL, xml_error_cb);
	doc = xmlReadMemory(s, (int)strlen(s), "out.xml", NULL,
	    XML_PARSE_NONET);
	xmlSetGenericErrorFunc(NULL, NULL);
	return (doc);
}

/* no_controls asserts that s holds no C0 control other than tab/LF. */
static void
no_controls(const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		ck_assert_msg(*p >= 0x20 || *p == '\n' || *p == '\t',
		    "control 0x%02x at %zu", *p, (size_t)(p -
		    (const unsigned char *)s));
	ck_assert_ptr_null(strstr(s, "\xc2\x85"));
	ck_assert_ptr_null(strstr(s, "\x7f"));
}

/* write_tmp writes s to a new temporary file and returns its path. */
static char *
write_tmp(const char *s, const char *suffix)
{
	char	*path;
	FILE	*fp;
	int	 fd;

	xasprintf(&path, "/tmp/check_write.XXXXXX%s", suffix);
	fd = mkstemps(path, (int)strlen(suffix));
	ck_assert_int_ge(fd, 0);
	fp = fdopen(fd, "w");
	fputs(s, fp);
	fclose(fp);
	return (path);
}

/* xmllint_check validates an Atom document with xmllint, warnings fail. */
static void
xmllint_check(const char *atom)
{
	char	*path, *cmd, *out, line[512];
	FILE	*fp;
	int	 status;

	if (access(SCHEMA, R_OK) != 0 || access("/usr/bin/xmllint", X_OK) != 0)
		return;
	path = write_tmp(atom, ".xml");
	xasprintf(&cmd, "/usr/bin/xmllint --noout --relaxng %s %s 2>&1",
	    SCHEMA, path);
	fp = popen(cmd, "r");
	ck_assert_ptr_nonnull(fp);
	out = xstrdup("");
	while (fgets(line, sizeof line, fp) != NULL) {
		if (strstr(line, " validates") != NULL)
			continue;
		free(out);
		out = xstrdup(line);
	}
	status = pclose(fp);
	ck_assert_msg(status == 0 && *out == '\0', "xmllint: %s", out);
	unlink(path);
	free(path);
	free(cmd);
	free(out);
}

/* relaxng_check validates doc against the schema with libxml2 itself. */
static void
relaxng_check(xmlDocPtr doc)
{
	xmlRelaxNGParserCtxtPtr	 pc;
	xmlRelaxNGPtr		 schema;
	xmlRelaxNGValidCtxtPtr	 vc;
	int			 rc;

	if (access(SCHEMA, R_OK) != 0)
		return;
	pc = xmlRelaxNGNewParserCtxt(SCHEMA);
	schema = xmlRelaxNGParse(pc);
	ck_assert_ptr_nonnull(schema);
	vc = xmlRelaxNGNewValidCtxt(schema);
	xml_errors = 0;
	xmlRelaxNGSetValidErrors(vc, xml_error_cb, xml_error_cb, NULL);
	rc = xmlRelaxNGValidateDoc(vc, doc);
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(xml_errors, 0);
	xmlRelaxNGFreeValidCtxt(vc);
	xmlRelaxNGFree(schema);
	xmlRelaxNGFreeParserCtxt(pc);
}

START_TEST(test_clean)
{
	char	*s;

	s = write_cleandup("a\xffz", 0, 0);
	ck_assert_str_eq(s, "a\xef\xbf\xbdz");
	free(s);
	s = write_cleandup("\xc0\xaf\xed\xa0\x80", 0, 0);
	ck_assert_ptr_null(strstr(s, "\xc0"));
	ck_assert_ptr_null(strstr(s, "\xed\xa0"));
	free(s);
	s = write_cleandup("a\x01\x1b" "b\x7f\xc2\x85" "c\xef\xbf\xbe", 0, 0);
	ck_assert_str_eq(s, "abc");
	free(s);
	s = write_cleandup("  x \t\n y  ", 0, WRITE_LINE);
	ck_assert_str_eq(s, "x y");
	free(s);
	s = write_cleandup("<a href=\"x\">&</a>", 0, WRITE_ESCAPE);
	ck_assert_str_eq(s, "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
	free(s);
	s = write_cleandup("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 2, 0);
	ck_assert_str_eq(s, "\xc3\xa9\xc3\xa9\xe2\x80\xa6");
	free(s);
	s = write_cleandup("\xf0\x9f\x98\x80 ok", 0, 0);
	ck_assert_str_eq(s, "\xf0\x9f\x98\x80 ok");
	free(s);
}
END_TEST

START_TEST(test_urls_dates)
{
	char	 d[WRITE_DATE_MAX], *s;

	ck_assert_int_eq(write_url_ok("https://example.org/x"), 1);
	ck_assert_int_eq(write_url_ok("HTTP://example.org"), 1);
	ck_assert_int_eq(write_url_ok("javascript:alert(1)"), 0);
	ck_assert_int_eq(write_url_ok("/relative"), 0);
	ck_assert_int_eq(write_url_ok("http:///nohost"), 0);
	ck_assert_int_eq(write_url_ok(NULL), 0);
	s = write_urldup("https://e.example/a b\"<>\xc3\xa9");
	ck_assert_str_eq(s, "https://e.example/a%20b%22%3C%3E%C3%A9");
	free(s);

	ck_assert_int_eq(write_rfc3339(d, 1522231200), 0);
	ck_assert_str_eq(d, "2018-03-28T10:00:00Z");
	ck_assert_int_eq(write_rfc822(d, 1522231200), 0);
	ck_assert_str_eq(d, "Wed, 28 Mar 2018 10:00:00 GMT");
	ck_assert_int_eq(write_rfc822(d, 0), 0);
	ck_assert_str_eq(d, "Thu, 01 Jan 1970 00:00:00 GMT");
	ck_assert_int_eq(write_rfc3339(d, TIME_UNKNOWN), -1);
	ck_assert_int_eq(write_rfc3339(d, 253402300800LL), -1);
	ck_assert_int_eq(write_rfc822(d, -62135596801LL), -1);
	ck_assert_int_eq(write_rfc3339(d, 253402300799LL), 0);
	ck_assert_str_eq(d, "9999-12-31T23:59:59Z");

	s = write_excerpt("<p>a <b>b</b>&amp;c<script>x()</script> &#233;"
	    "<!-- no --> &#x1F600; &bogus;</p>", 0);
	ck_assert_str_eq(s, "a b &c \xc3\xa9 \xf0\x9f\x98\x80 &bogus;");
	free(s);
}
END_TEST

START_TEST(test_atom)
{
	struct channel	*c;
	xmlDocPtr	 doc;
	char		*a, *a2;
	int		 links;

	for (links = 0; links < 2; links++) {
		c = channel_make(links);
		a = write_atom(c);
		no_controls(a);
		doc = xml_parse(a);
		ck_assert_msg(doc != NULL && xml_errors == 0, "%s", a);
		relaxng_check(doc);
		xmlFreeDoc(doc);
		xmllint_check(a);
		a2 = write_atom(c);
		ck_assert_str_eq(a, a2);
		free(a2);

		ck_assert_ptr_nonnull(strstr(a, "<id>https://example.org/"
		    "news/1</id>"));
		ck_assert_ptr_nonnull(strstr(a, "<updated>2018-03-28T11:00:00Z"
		    "</updated>"));
		ck_assert_ptr_nonnull(strstr(a, "<published>2018-03-28T10:00:"
		    "00Z</published>"));
		ck_assert_ptr_nonnull(strstr(a, "href=\"https://example.org/"
		    "news/1?a=1&amp;b=2\""));
		ck_assert_ptr_nonnull(strstr(a, "<link rel=\"related\" href=\""
		    "https://coast.example/s/10\" title=\"Storm damage &quot;"
		    "estimated&quot;\"/>"));
		ck_assert_ptr_nonnull(strstr(a, "<source>\n<id>https://"
		    "example.org/feed.xml</id>"));
		ck_assert_ptr_nonnull(strstr(a, "Also reported by"));
		ck_assert_ptr_nonnull(strstr(a, "You might also like"));
		ck_assert_ptr_nonnull(strstr(a, "&lt;script&gt;alert(1)"));
		ck_assert_ptr_null(strstr(a, "<script"));
		ck_assert_ptr_null(strstr(a, "javascript:"));
		ck_assert_ptr_nonnull(strstr(a, "<id>urn:syndic:item:"));
		ck_assert_ptr_nonnull(strstr(a, "<id>urn:syndic:story:7</id>"));
		ck_assert_ptr_nonnull(strstr(a, "<title type=\"text\">only a "
		    "summary</title>"));
		ck_assert_ptr_nonnull(strstr(a, "<updated>2018-03-28T12:00:00Z"
		    "</updated>"));
		ck_assert_ptr_nonnull(strstr(a, "a%20b%22%3C%3E.mp3"));
		ck_assert_int_lt(strlen(a), 120000);
		if (links) {
			ck_assert_ptr_nonnull(strstr(a, "<link rel=\"self\" "
			    "href=\"http://localhost:8080/feed.atom\""));
			ck_assert_ptr_nonnull(strstr(a, "<link rel=\"hub\" "
			    "href=\"https://hub.example/\"/>"));
			ck_assert_ptr_nonnull(strstr(a, "<link rel=\"next\" "
			    "href=\"http://localhost:8080/feed.atom?after=7\""));
		} else
			ck_assert_ptr_null(strstr(a, "rel=\"hub\""));
		free(a);
		channel_free(c);
	}
}
END_TEST

START_TEST(test_atom_empty)
{
	struct channel	*c;
	xmlDocPtr	 doc;
	char		*a;

	c = xcalloc(1, sizeof *c);
	c->updated = TIME_UNKNOWN;
	a = write_atom(c);
	doc = xml_parse(a);
	ck_assert_msg(doc != NULL && xml_errors == 0, "%s", a);
	relaxng_check(doc);
	xmlFreeDoc(doc);
	xmllint_check(a);
	free(a);
	channel_free(c);
}
END_TEST

/* rss_item_ok applies RSS 2.0's rules to one item. */
static void
rss_item_ok(xmlNodePtr item)
{
	xmlNodePtr	 n;
	xmlChar		*text;
	struct tm	 tm;
	const char	*end;
	int		 title = 0, desc = 0, guid = 0;

	for (n = item->children; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		text = xmlNodeGetContent(n);
		if (strcmp((const char *)n->name, "title") == 0)
			title = 1;
		else if (strcmp((const char *)n->name, "description") == 0)
			desc = 1;
		else if (strcmp((const char *)n->name, "guid") == 0)
			guid = 1;
		else if (strcmp((const char *)n->name, "pubDate") == 0) {
			memset(&tm, 0, sizeof tm);
			end = strptime((const char *)text,
			    "%a, %d %b %Y %H:%M:%S GMT", &tm);
			ck_assert_msg(end != NULL && *end == '\0', "pubDate %s",
			    text);
		} else if (strcmp((const char *)n->name, "link") == 0)
			ck_assert(strncmp((const char *)text, "http", 4) == 0);
		else if (strcmp((const char *)n->name, "enclosure") == 0) {
			ck_assert(xmlHasProp(n, BAD_CAST "url") != NULL);
			ck_assert(xmlHasProp(n, BAD_CAST "length") != NULL);
			ck_assert(xmlHasProp(n, BAD_CAST "type") != NULL);
		} else if (strcmp((const char *)n->name, "source") == 0)
			ck_assert(xmlHasProp(n, BAD_CAST "url") != NULL);
		xmlFree(text);
	}
	ck_assert(title || desc);
	ck_assert(guid);
}

START_TEST(test_rss)
{
	struct channel	*c;
	xmlDocPtr	 doc;
	xmlNodePtr	 root, ch, n;
	char		*r, *r2;
	int		 items = 0, has_link = 0, has_desc = 0;

	c = channel_make(1);
	r = write_rss(c);
	no_controls(r);
	doc = xml_parse(r);
	ck_assert_msg(doc != NULL && xml_errors == 0, "%s", r);
	root = xmlDocGetRootElement(doc);
	ck_assert_str_eq((const char *)root->name, "rss");
	for (ch = root->children; ch != NULL && ch->type != XML_ELEMENT_NODE;)
		ch = ch->next;
	ck_assert_str_eq((const char *)ch->name, "channel");
	for (n = ch->children; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)n->name, "item") == 0) {
			items++;
			rss_item_ok(n);
		}
		if (strcmp((const char *)n->name, "link") == 0)
			has_link = 1;
		if (strcmp((const char *)n->name, "description") == 0)
			has_desc = 1;
	}
	ck_assert_int_eq(items, 3);
	ck_assert_int_eq(has_link, 1);
	ck_assert_int_eq(has_desc, 1);
	xmlFreeDoc(doc);
	r2 = write_rss(c);
	ck_assert_str_eq(r, r2);
	free(r2);

	ck_assert_ptr_nonnull(strstr(r, "<pubDate>Wed, 28 Mar 2018 10:00:00 "
	    "GMT</pubDate>"));
	ck_assert_ptr_nonnull(strstr(r, "<lastBuildDate>Wed, 28 Mar 2018 "
	    "12:00:00 GMT</lastBuildDate>"));
	ck_assert_ptr_nonnull(strstr(r, "<guid isPermaLink=\"false\">https://"
	    "example.org/news/1</guid>"));
	ck_assert_ptr_nonnull(strstr(r, "<source url=\"https://example.org/"
	    "feed.xml\">Harbour Gazette</source>"));
	ck_assert_ptr_nonnull(strstr(r, "<enclosure url=\"https://example.org"
	    "/a.mp3\" length=\"1234\" type=\"audio/mpeg\"/>"));
	ck_assert_ptr_null(strstr(r, "type=\"bogus\""));
	ck_assert_ptr_nonnull(strstr(r, "length=\"0\" type=\"application/"
	    "octet-stream\""));
	ck_assert_ptr_nonnull(strstr(r, "<atom:link rel=\"self\" href=\"http:"
	    "//localhost:8080/feed.atom\" type=\"application/rss+xml\"/>"));
	ck_assert_ptr_nonnull(strstr(r, "<atom:link rel=\"hub\""));
	ck_assert_ptr_nonnull(strstr(r, "<atom:link rel=\"next\""));
	ck_assert_ptr_nonnull(strstr(r, "You might also like"));
	ck_assert_ptr_null(strstr(r, "javascript:"));
	ck_assert_ptr_null(strstr(r, "<script"));
	free(r);
	channel_free(c);
}
END_TEST

/* date_ok asserts that a JSON date, when there, is RFC 3339 in UTC. */
static void
date_ok(json_t *v)
{
	struct tm	 tm;
	const char	*s, *end;

	if (v == NULL)
		return;
	s = json_string_value(v);
	ck_assert_ptr_nonnull(s);
	memset(&tm, 0, sizeof tm);
	end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	ck_assert_msg(end != NULL && *end == '\0', "bad date %s", s);
}

START_TEST(test_json)
{
	struct channel	*c;
	json_t		*j, *items, *it, *ext, *rel, *v;
	json_error_t	 err;
	char		*s, *s2;
	size_t		 n, k;

	c = channel_make(1);
	s = write_json(c);
	no_controls(s);
	j = json_loads(s, 0, &err);
	ck_assert_msg(j != NULL, "%s: %s", err.text, s);
	ck_assert_str_eq(json_string_value(json_object_get(j, "version")),
	    "https://jsonfeed.org/version/1.1");
	ck_assert_str_eq(json_string_value(json_object_get(j, "feed_url")),
	    "http://localhost:8080/feed.atom");
	ck_assert_str_eq(json_string_value(json_object_get(j, "next_url")),
	    "http://localhost:8080/feed.atom?after=7");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    json_object_get(j, "hubs"), 0), "type")), "WebSub");
	items = json_object_get(j, "items");
	ck_assert_int_eq(json_array_size(items), 3);
	it = json_array_get(items, 0);
	ck_assert_str_eq(json_string_value(json_object_get(it, "id")),
	    "https://example.org/news/1");
	ck_assert_str_eq(json_string_value(json_object_get(it,
	    "date_published")), "2018-03-28T10:00:00Z");
	ext = json_object_get(it, "_syndic");
	ck_assert_int_eq(json_integer_value(json_object_get(ext, "story")),
	    42);
	ck_assert_int_eq(json_array_size(json_object_get(ext, "sources")), 3);
	rel = json_object_get(ext, "related");
	ck_assert_int_eq(json_array_size(rel), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(rel,
	    0), "source")), "Coastline Times");
	ck_assert(json_real_value(json_object_get(json_array_get(rel, 0),
	    "score")) == 0.75);
	/* Every item has an id and content; no unsafe URL. */
	it = json_array_get(items, 1);
	ck_assert_ptr_nonnull(json_string_value(json_object_get(it, "id")));
	ck_assert_ptr_nonnull(json_string_value(json_object_get(it,
	    "content_html")));
	ck_assert_ptr_null(json_object_get(it, "url"));
	ck_assert_ptr_null(json_object_get(it, "date_published"));
	ck_assert_int_le(strlen(json_string_value(json_object_get(it,
	    "title"))), WRITE_TITLE_MAX * 4);
	ck_assert_ptr_null(strstr(s, "javascript:"));
	/* JSON Feed 1.1's rules, item by item. */
	json_array_foreach(items, n, it) {
		ck_assert(json_is_string(json_object_get(it, "id")));
		ck_assert(json_string_length(json_object_get(it, "id")) > 0);
		ck_assert(json_is_string(json_object_get(it, "content_html")) ||
		    json_is_string(json_object_get(it, "content_text")));
		if ((v = json_object_get(it, "url")) != NULL)
			ck_assert(strncmp(json_string_value(v), "http", 4) == 0);
		date_ok(json_object_get(it, "date_published"));
		date_ok(json_object_get(it, "date_modified"));
		json_array_foreach(json_object_get(it, "attachments"), k, v) {
			ck_assert(json_is_string(json_object_get(v, "url")));
			ck_assert(json_is_string(json_object_get(v,
			    "mime_type")));
		}
	}
	json_decref(j);
	s2 = write_json(c);
	ck_assert_str_eq(s, s2);
	free(s2);
	free(s);
	channel_free(c);
}
END_TEST

START_TEST(test_html)
{
	struct channel	*c;
	char		*h, *path, *cmd;
	int		 rc;

	c = channel_make(1);
	h = write_html(c);
	no_controls(h);
	ck_assert_ptr_nonnull(strstr(h, "<!DOCTYPE html>"));
	ck_assert_ptr_nonnull(strstr(h, "<link rel=\"alternate\" type=\""
	    "application/atom+xml\" title=\"Merged &lt;news&gt; &amp; more "
	    "(Atom)\" href=\"http://localhost:8080/feed.atom\">"));
	ck_assert_ptr_nonnull(strstr(h, "href=\"http://localhost:8080/"
	    "feed.rss\""));
	ck_assert_ptr_nonnull(strstr(h, "href=\"http://localhost:8080/"
	    "feed.json\""));
	ck_assert_ptr_nonnull(strstr(h, "href=\"http://localhost:8080/"
	    "feeds.opml\""));
	ck_assert_ptr_nonnull(strstr(h, "Also reported by"));
	ck_assert_ptr_nonnull(strstr(h, "You might also like"));
	ck_assert_ptr_nonnull(strstr(h, "Older stories"));
	ck_assert_ptr_nonnull(strstr(h, "<time datetime=\"2018-03-28T10:00:"
	    "00Z\">"));
	ck_assert_ptr_nonnull(strstr(h, "name=\"viewport\""));
	ck_assert_ptr_null(strstr(h, "<script"));
	ck_assert_ptr_null(strstr(h, "javascript:"));
	ck_assert_ptr_null(strstr(h, "<b>"));
	ck_assert_ptr_null(strstr(h, "<a href=\"x\">"));

	/* A strict HTML5 parse, when html5lib is installed. */
	if (access("/usr/bin/python3", X_OK) == 0 && system("/usr/bin/python3 "
	    "-c 'import html5lib' 2>/dev/null") == 0) {
		path = write_tmp(h, ".html");
		xasprintf(&cmd, "/usr/bin/python3 -c 'import html5lib,sys; "
		    "html5lib.HTMLParser(strict=True).parse(open(sys.argv[1],"
		    "\"rb\").read())' %s", path);
		rc = system(cmd);
		ck_assert_msg(rc == 0, "html5lib rejects %s", path);
		unlink(path);
		free(path);
		free(cmd);
	}
	free(h);
	channel_free(c);
}
END_TEST

static Suite *
write_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("write");
	tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_clean);
	tcase_add_test(tc, test_urls_dates);
	tcase_add_test(tc, test_atom);
	tcase_add_test(tc, test_atom_empty);
	tcase_add_test(tc, test_rss);
	tcase_add_test(tc, test_json);
	tcase_add_test(tc, test_html);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(write_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? 0 : 1);
}
