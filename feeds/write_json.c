/*
 * write_json.c: the merged channel as a JSON Feed 1.1 document (with
 * jansson).  Each item carries the "_syndic" extension object of
 * DESIGN.md: the story number, every source that carried it (the first is
 * the one shown) and the related stories.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "feeds.h"
#include "log.h"
#include "xmalloc.h"

/* json_set_text sets key to text cleaned (and cut at max), when not NULL. */
static void
json_set_text(json_t *o, const char *key, const char *text, size_t max,
    int flags)
{
	char	*s;

	if (text == NULL)
		return;
	s = write_cleandup(text, max, flags);
	json_object_set_new(o, key, json_string(s));
	free(s);
}

/* json_set_url sets key to url when it is absolute. */
static void
json_set_url(json_t *o, const char *key, const char *url)
{
	char	*s;

	if (!write_url_ok(url))
		return;
	s = write_urldup(url);
	json_object_set_new(o, key, json_string(s));
	free(s);
}

/* json_set_date sets key to t in RFC 3339 when known. */
static void
json_set_date(json_t *o, const char *key, long long t)
{
	char	 s[WRITE_DATE_MAX];

	if (write_rfc3339(s, t) == 0)
		json_object_set_new(o, key, json_string(s));
}

/* json_source returns {"title", "url"} of a source. */
static json_t *
json_source(const struct source_ref *s)
{
	json_t	*o;

	o = json_object();
	json_set_text(o, "title", s->title, WRITE_TITLE_MAX, WRITE_LINE);
	if (write_url_ok(s->entry_url))
		json_set_url(o, "url", s->entry_url);
	else
		json_set_url(o, "url", s->url);
	json_set_url(o, "feed_url", s->feed_url);
	return (o);
}

/* json_extension returns the item's "_syndic" object. */
static json_t *
json_extension(const struct item *it)
{
	const struct related_ref *r;
	json_t		*o, *a, *x;
	int		 i;

	o = json_object();
	json_object_set_new(o, "story", json_integer(it->story_id));
	a = json_array();
	json_array_append_new(a, json_source(&it->source));
	for (i = 0; i < it->nalso; i++)
		json_array_append_new(a, json_source(&it->also[i]));
	json_object_set_new(o, "sources", a);
	a = json_array();
	for (i = 0; i < it->nrelated; i++) {
		r = &it->related[i];
		if (!write_url_ok(r->url))
			continue;
		x = json_object();
		json_set_url(x, "url", r->url);
		json_set_text(x, "title", r->title, WRITE_TITLE_MAX,
		    WRITE_LINE);
		json_set_text(x, "source", r->source, WRITE_TITLE_MAX,
		    WRITE_LINE);
		json_object_set_new(x, "score", json_real(isfinite(r->score) ?
		    r->score : 0.0));
		json_array_append_new(a, x);
	}
	json_object_set_new(o, "related", a);
	return (o);
}

/* json_attachments returns the item's attachments, or NULL. */
static json_t *
json_attachments(const struct item *it)
{
	const struct enclosure *e;
	json_t		*a, *x;
	int		 i;

	a = json_array();
	for (i = 0; i < it->nenclosures; i++) {
		e = &it->enclosures[i];
		if (!write_url_ok(e->url))
			continue;
		x = json_object();
		json_set_url(x, "url", e->url);
		json_set_text(x, "mime_type", e->type != NULL &&
		    strchr(e->type, '/') != NULL ? e->type :
		    "application/octet-stream", 100, WRITE_LINE);
		if (e->length >= 0)
			json_object_set_new(x, "size_in_bytes",
			    json_integer(e->length));
		json_array_append_new(a, x);
	}
	if (json_array_size(a) == 0) {
		json_decref(a);
		return (NULL);
	}
	return (a);
}

/* json_item returns one story as a JSON Feed item. */
static json_t *
json_item(const struct channel *c, const struct item *it)
{
	struct buf	 html;
	json_t		*o, *a, *x;
	char		*s;
	int		 i;

	o = json_object();
	s = write_iddup(it);
	json_object_set_new(o, "id", json_string(s));
	free(s);
	json_set_url(o, "url", it->link);
	s = write_title(it);
	json_object_set_new(o, "title", json_string(s));
	free(s);
	buf_init(&html);
	buf_puts(&html, it->content != NULL ? it->content :
	    it->summary != NULL ? it->summary : "");
	write_extras(&html, it);
	json_set_text(o, "content_html", html.data, WRITE_TEXT_MAX, 0);
	buf_free(&html);
	if (it->summary != NULL && (s = write_excerpt(it->summary, 500)) !=
	    NULL) {
		if (*s != '\0')
			json_object_set_new(o, "summary", json_string(s));
		free(s);
	}
	json_set_date(o, "date_published", it->published);
	json_set_date(o, "date_modified", write_updated(c, it));
	if (it->author != NULL) {
		x = json_object();
		json_set_text(x, "name", it->author, WRITE_TITLE_MAX,
		    WRITE_LINE);
		a = json_array();
		json_array_append_new(a, x);
		json_object_set_new(o, "authors", a);
	}
	if (it->ncategories > 0) {
		a = json_array();
		for (i = 0; i < it->ncategories; i++) {
			if (it->categories[i] == NULL)
				continue;
			s = write_cleandup(it->categories[i], WRITE_TITLE_MAX,
			    WRITE_LINE);
			if (*s != '\0')
				json_array_append_new(a, json_string(s));
			free(s);
		}
		json_object_set_new(o, "tags", a);
	}
	if ((a = json_attachments(it)) != NULL)
		json_object_set_new(o, "attachments", a);
	json_object_set_new(o, "_syndic", json_extension(it));
	return (o);
}

char *
write_json(const struct channel *c)
{
	json_t	*feed, *items, *hubs, *hub;
	char	*out, *s;
	int	 i;

	feed = json_object();
	json_object_set_new(feed, "version",
	    json_string("https://jsonfeed.org/version/1.1"));
	json_set_text(feed, "title", c->title != NULL ? c->title : "syndic",
	    WRITE_TITLE_MAX, WRITE_LINE);
	json_set_url(feed, "home_page_url", c->link);
	json_set_url(feed, "feed_url", c->self);
	json_set_text(feed, "description", "The merged stories of its sources",
	    0, 0);
	json_set_url(feed, "next_url", c->next);
	if (write_url_ok(c->hub)) {
		hub = json_object();
		json_object_set_new(hub, "type", json_string("WebSub"));
		json_set_url(hub, "url", c->hub);
		hubs = json_array();
		json_array_append_new(hubs, hub);
		json_object_set_new(feed, "hubs", hubs);
	}
	items = json_array();
	for (i = 0; i < c->nitems; i++)
		json_array_append_new(items, json_item(c, &c->items[i]));
	json_object_set_new(feed, "items", items);
	if ((s = json_dumps(feed, JSON_INDENT(1))) == NULL)
		fatalx("%s: cannot serialize the feed", __func__);
	json_decref(feed);
	xasprintf(&out, "%s\n", s);
	free(s);
	return (out);
}
