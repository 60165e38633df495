/*
 * jsonfeed.c: JSON Feed 1.0 and 1.1 (https://jsonfeed.org) into the same
 * model as the XML formats.  jansson reads the document (its own depth
 * limit bounds nesting); every field is type-checked, since a wrong type
 * must cost the field, not the feed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "feeds.h"
#include "xmalloc.h"

/* jf_str gives a trimmed copy of a string member (at most max), or NULL. */
static char *
jf_str(const json_t *o, const char *key, size_t max)
{
	const json_t	*v = json_object_get(o, key);
	const char	*s;
	size_t		 n;

	if (!json_is_string(v))
		return (NULL);
	s = json_string_value(v);
	n = json_string_length(v);
	while (n > 0 && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
		s++, n--;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	if (n == 0)
		return (NULL);
	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	return (text_utf8_clean(s, n));
}

/* jf_url resolves a URL member against base. */
static char *
jf_url(const json_t *o, const char *key, const char *base)
{
	char	*s, *u;

	if ((s = jf_str(o, key, PARSE_MAX_SHORT)) == NULL)
		return (NULL);
	if ((u = url_resolve(base, s)) == NULL)
		return (s);
	free(s);
	return (u);
}

/* jf_date reads a date member. */
static long long
jf_date(struct doc *d, const json_t *o, const char *key)
{
	char		*s;
	long long	 t;

	if ((s = jf_str(o, key, 128)) == NULL)
		return (TIME_UNKNOWN);
	if ((t = date_parse(s)) == TIME_UNKNOWN)
		parse_error(d, "%s: unparseable date \"%.40s\"", key, s);
	free(s);
	return (t);
}

/* jf_author reads author (1.0) or the first of authors (1.1). */
static char *
jf_author(const json_t *o)
{
	const json_t	*a;

	a = json_object_get(o, "authors");
	if (json_is_array(a) && json_array_size(a) > 0)
		a = json_array_get(a, 0);
	else
		a = json_object_get(o, "author");
	if (!json_is_object(a))
		return (NULL);
	return (jf_str(a, "name", PARSE_MAX_SHORT));
}

/* jf_escape turns plain text into HTML. */
static char *
jf_escape(const char *s)
{
	struct buf	 b;

	buf_init(&b);
	for (; *s != '\0'; s++) {
		if (*s == '<')
			buf_puts(&b, "&lt;");
		else if (*s == '>')
			buf_puts(&b, "&gt;");
		else if (*s == '&')
			buf_puts(&b, "&amp;");
		else
			buf_putc(&b, *s);
	}
	return (buf_steal(&b));
}

/* jf_attachments reads attachments into enclosures. */
static void
jf_attachments(struct entry *e, const json_t *a, const char *base)
{
	const json_t	*x, *size;
	struct enclosure *enc;
	size_t		 i;
	char		*url;

	if (!json_is_array(a))
		return;
	for (i = 0; i < json_array_size(a) && i < PARSE_MAX_LIST; i++) {
		x = json_array_get(a, i);
		if (!json_is_object(x) || (url = jf_url(x, "url", base)) == NULL)
			continue;
		e->enclosures = xreallocarray(e->enclosures,
		    e->nenclosures + 1, sizeof *e->enclosures);
		enc = &e->enclosures[e->nenclosures++];
		enc->url = url;
		enc->type = jf_str(x, "mime_type", PARSE_MAX_SHORT);
		size = json_object_get(x, "size_in_bytes");
		enc->length = json_is_integer(size) &&
		    json_integer_value(size) >= 0 ? json_integer_value(size) : -1;
	}
}

/* jf_tags reads tags into categories. */
static void
jf_tags(struct entry *e, const json_t *a)
{
	const json_t	*x;
	size_t		 i;
	char		*s;

	if (!json_is_array(a))
		return;
	for (i = 0; i < json_array_size(a) && i < PARSE_MAX_LIST; i++) {
		x = json_array_get(a, i);
		if (!json_is_string(x) || json_string_length(x) == 0 ||
		    json_string_length(x) > PARSE_MAX_SHORT)
			continue;
		s = text_utf8_clean(json_string_value(x), json_string_length(x));
		e->categories = xreallocarray(e->categories,
		    e->ncategories + 1, sizeof *e->categories);
		e->categories[e->ncategories++] = s;
	}
}

/* jf_link appends a link to the entry. */
static void
jf_link(struct entry *e, const char *rel, const char *href)
{
	struct link	*l;

	if (href == NULL)
		return;
	e->links = xreallocarray(e->links, e->nlinks + 1, sizeof *e->links);
	l = &e->links[e->nlinks++];
	memset(l, 0, sizeof *l);
	l->rel = xstrdup(rel);
	l->href = xstrdup(href);
}

/* jf_item reads one item. */
static void
jf_item(struct doc *d, const json_t *it, const char *base, int flags)
{
	struct entry	*e;
	const json_t	*id;
	char		*s, *ext;

	d->entries = xreallocarray(d->entries, d->nentries + 1,
	    sizeof *d->entries);
	e = &d->entries[d->nentries++];
	memset(e, 0, sizeof *e);
	id = json_object_get(it, "id");
	if (json_is_integer(id))
		xasprintf(&e->id, "%lld", (long long)json_integer_value(id));
	else
		e->id = jf_str(it, "id", PARSE_MAX_SHORT);
	if ((s = jf_str(it, "title", PARSE_MAX_FIELD)) != NULL) {
		e->title = parse_clean_title(text_from_html(s, strlen(s),
		    PARSE_MAX_SHORT));
		free(s);
	}
	e->link = jf_url(it, "url", base);
	jf_link(e, "alternate", e->link);
	ext = jf_url(it, "external_url", base);
	jf_link(e, "related", ext);
	if (e->link == NULL)
		e->link = ext;
	else
		free(ext);
	e->author = jf_author(it);
	e->published = jf_date(d, it, "date_published");
	e->updated = jf_date(d, it, "date_modified");
	e->summary = jf_str(it, "summary", PARSE_MAX_FIELD);
	if (e->summary != NULL) {
		s = jf_escape(e->summary);
		free(e->summary);
		e->summary = s;
	}
	if ((e->content = jf_str(it, "content_html", PARSE_MAX_FIELD)) ==
	    NULL && (s = jf_str(it, "content_text", PARSE_MAX_FIELD)) != NULL) {
		e->content = jf_escape(s);
		free(s);
	}
	jf_tags(e, json_object_get(it, "tags"));
	jf_attachments(e, json_object_get(it, "attachments"), base);
	parse_entry_finish(d, e, e->link != NULL ? e->link : base,
	    e->link != NULL ? e->link : base, flags);
}

/* jf_hub takes the first WebSub hub. */
static char *
jf_hub(const json_t *root)
{
	const json_t	*a = json_object_get(root, "hubs"), *h;
	size_t		 i;

	if (!json_is_array(a))
		return (NULL);
	for (i = 0; i < json_array_size(a); i++) {
		h = json_array_get(a, i);
		if (json_is_object(h))
			return (jf_str(h, "url", PARSE_MAX_SHORT));
	}
	return (NULL);
}

/*
 * NOTE: jansson ignores a failed allocation while it lexes a string and
 * tries again for every further byte, so near a memory limit a large string
 * costs one failing mmap per byte (minutes).  While a document is read,
 * the first failure makes every later allocation fail at once.
 */
#define JF_MAX_MEM	(16 * 1024 * 1024)	/* + 3 bytes per input byte */

static int	jf_reading;	/* 1 during json_loadb, 2 once out of memory */
static size_t	jf_used;	/* bytes allocated by this json_loadb */
static size_t	jf_budget;

/*
 * jf_malloc is jansson's allocator: malloc, failing fast (see above) and
 * within a budget while a document is read.  NOTE: jansson spends about
 * 500 bytes per value, so a 3 MB array of small objects would build 50 MB.
 */
static void *
jf_malloc(size_t n)
{
	void	*p;

	if (jf_reading == 0)
		return (malloc(n));
	if (jf_reading == 2 || n > jf_budget - jf_used) {
		jf_reading = 2;
		return (NULL);
	}
	jf_used += n;
	if ((p = malloc(n)) == NULL)
		jf_reading = 2;
	return (p);
}

/* jf_load reads a JSON document with the fail-fast allocator. */
static json_t *
jf_load(const char *data, size_t len, json_error_t *err)
{
	json_t	*root;

	json_set_alloc_funcs(jf_malloc, free);
	jf_reading = 1;
	jf_used = 0;
	jf_budget = JF_MAX_MEM + 3 * len;
	root = json_loadb(data, len, 0, err);
	if (jf_reading == 2) {
		json_decref(root);
		root = NULL;
		snprintf(err->text, sizeof err->text, "the document needs more "
		    "than %zu bytes of memory", jf_budget);
	}
	jf_reading = 0;
	return (root);
}

int
jsonfeed_parse(struct doc *d, const char *data, size_t len, const char *url,
    int flags)
{
	json_error_t	 err;
	json_t		*root, *items;
	const char	*base;
	char		*v, *s;
	size_t		 i;

	if ((root = jf_load(data, len, &err)) == NULL) {
		parse_error(d, "line %d: not JSON: %.80s", err.line, err.text);
		return (-1);
	}
	v = jf_str(root, "version", 128);
	items = json_object_get(root, "items");
	if (!json_is_object(root) || ((v == NULL ||
	    strncmp(v, "https://jsonfeed.org/version/", 29) != 0) &&
	    !json_is_array(items))) {
		parse_error(d, "not a feed: JSON without a JSON Feed version");
		free(v);
		json_decref(root);
		return (-1);
	}
	if (v == NULL || strncmp(v, "https://jsonfeed.org/version/", 29) != 0)
		parse_error(d, "JSON Feed without a version");
	free(v);
	d->format = FORMAT_JSONFEED;
	d->link = jf_url(root, "home_page_url", url);
	d->self = jf_url(root, "feed_url", url);
	d->next = jf_url(root, "next_url", url);
	d->icon = jf_url(root, "icon", url);
	d->hub = jf_hub(root);
	d->language = jf_str(root, "language", 64);
	if ((s = jf_str(root, "title", PARSE_MAX_FIELD)) != NULL) {
		d->title = text_from_html(s, strlen(s), PARSE_MAX_SHORT);
		free(s);
	}
	if ((s = jf_str(root, "description", PARSE_MAX_FIELD)) != NULL) {
		d->subtitle = text_from_html(s, strlen(s), PARSE_MAX_FIELD);
		free(s);
	}
	base = url != NULL ? url : d->link;
	for (i = 0; json_is_array(items) && i < json_array_size(items); i++) {
		if (d->nentries >= PARSE_MAX_ENTRIES) {
			parse_error(d, "more than %d entries: the rest ignored",
			    PARSE_MAX_ENTRIES);
			break;
		}
		if (json_is_object(json_array_get(items, i)))
			jf_item(d, json_array_get(items, i), base, flags);
	}
	json_decref(root);
	return (0);
}
