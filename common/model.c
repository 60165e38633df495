/* model.c: constructors and destructors of the shared data model. */
#include <stdlib.h>

#include "model.h"
#include "xmalloc.h"

void
link_clear(struct link *l)
{
	if (l == NULL)
		return;
	free(l->rel);
	free(l->href);
	free(l->type);
	free(l->title);
}

void
enclosure_clear(struct enclosure *e)
{
	if (e == NULL)
		return;
	free(e->url);
	free(e->type);
}

/* strv_free frees n strings and their array. */
static void
strv_free(char **v, int n)
{
	int	 i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
entry_clear(struct entry *e)
{
	int	 i;

	if (e == NULL)
		return;
	free(e->id);
	free(e->title);
	free(e->link);
	free(e->canonical_url);
	for (i = 0; i < e->nlinks; i++)
		link_clear(&e->links[i]);
	free(e->links);
	free(e->author);
	free(e->summary);
	free(e->content);
	free(e->summary_base);
	free(e->content_base);
	strv_free(e->categories, e->ncategories);
	for (i = 0; i < e->nenclosures; i++)
		enclosure_clear(&e->enclosures[i]);
	free(e->enclosures);
}

struct doc *
doc_new(void)
{
	struct doc	*d;

	d = xcalloc(1, sizeof *d);
	d->updated = TIME_UNKNOWN;
	d->ttl_minutes = -1;
	d->sy_period_seconds = -1;
	d->sy_frequency = -1;
	return (d);
}

void
doc_free(struct doc *d)
{
	int	 i;

	if (d == NULL)
		return;
	free(d->title);
	free(d->link);
	free(d->id);
	free(d->subtitle);
	free(d->language);
	free(d->icon);
	strv_free(d->errors, d->nerrors);
	for (i = 0; i < d->nentries; i++)
		entry_clear(&d->entries[i]);
	free(d->entries);
	free(d->self);
	free(d->hub);
	free(d->next);
	free(d);
}

void
source_ref_clear(struct source_ref *s)
{
	if (s == NULL)
		return;
	free(s->title);
	free(s->url);
	free(s->feed_url);
	free(s->entry_url);
}

void
related_ref_clear(struct related_ref *r)
{
	if (r == NULL)
		return;
	free(r->url);
	free(r->title);
	free(r->source);
}

void
item_clear(struct item *it)
{
	int	 i;

	if (it == NULL)
		return;
	free(it->id);
	free(it->title);
	free(it->link);
	free(it->author);
	free(it->summary);
	free(it->content);
	strv_free(it->categories, it->ncategories);
	for (i = 0; i < it->nenclosures; i++)
		enclosure_clear(&it->enclosures[i]);
	free(it->enclosures);
	source_ref_clear(&it->source);
	for (i = 0; i < it->nalso; i++)
		source_ref_clear(&it->also[i]);
	free(it->also);
	for (i = 0; i < it->nrelated; i++)
		related_ref_clear(&it->related[i]);
	free(it->related);
}

void
channel_free(struct channel *c)
{
	int	 i;

	if (c == NULL)
		return;
	free(c->title);
	free(c->link);
	free(c->self);
	free(c->hub);
	free(c->next);
	free(c->id);
	free(c->feed_base);
	for (i = 0; i < c->nitems; i++)
		item_clear(&c->items[i]);
	free(c->items);
	free(c);
}

const char *
format_name(int f)
{
	switch (f) {
	case FORMAT_RSS20:
		return ("rss2.0");
	case FORMAT_RSS10:
		return ("rss1.0");
	case FORMAT_RSS09X:
		return ("rss0.9x");
	case FORMAT_ATOM10:
		return ("atom1.0");
	case FORMAT_ATOM03:
		return ("atom0.3");
	case FORMAT_JSONFEED:
		return ("jsonfeed");
	default:
		return ("unknown");
	}
}
