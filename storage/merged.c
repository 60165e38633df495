/*
 * merged.c: the merged output (store_channel): one item per story, newest
 * first, paged with stable cursors, each with its sources and related
 * stories (computed on demand for the stories past the output window).
 *
 * A cursor is "SORT_TIME.STORY_ID" of the last item of a page; the next
 * page holds the stories strictly older in (sort_time, id) order, so pages
 * neither repeat nor skip a story when new ones arrive meanwhile.
 *
 * NOTE: summary and content come from entry_html (sanitized), never from
 * entries (as received); html.c makes what entry_html lacks.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "store_priv.h"
#include "xmalloc.h"

#define MERGED_MAX_LIMIT	1000
#define MERGED_MAX_ALSO		50

static const char merged_sql[] =
	"SELECT s.id, s.sort_time, e.title, e.link, e.author, e.published, "
	"e.updated, h.summary, h.content, e.categories, e.enclosures, "
	"f.title, f.site_url, f.url, e.feed_id, e.id, h.entry_id IS NOT NULL "
	"FROM story s JOIN entries e ON e.id = s.entry_id "
	"JOIN feeds f ON f.id = e.feed_id LEFT JOIN entry_html h ON "
	"h.entry_id = e.id AND h.revision = e.revisions "
	"WHERE (s.sort_time, s.id) < (?1, ?2) AND (?3 IS NULL OR EXISTS "
	"(SELECT 1 FROM entries x JOIN feeds g ON g.id = x.feed_id "
	"WHERE x.story_id = s.id AND instr(',' || replace(g.tags, ' ', '') || "
	"',', ',' || ?3 || ',') > 0)) "
	"ORDER BY s.sort_time DESC, s.id DESC LIMIT ?4";

/*
 * The same for a tag whose feeds hold few entries: their stories first
 * (through the feeds' entries), then sorted.  merged_sql walks the stories
 * newest first and keeps the tag's: quick for a common tag, but for a rare
 * one, or one whose feeds went quiet, it walked most of the table (1.3 s
 * and 20 s at 1M entries; this way 25 ms and 1 ms).  NOTE: CROSS JOIN
 * keeps feeds the outer loop: the planner would rather scan every entry.
 */
static const char merged_tag_sql[] =
	"SELECT s.id, s.sort_time, e.title, e.link, e.author, e.published, "
	"e.updated, e.summary, e.content, e.categories, e.enclosures, "
	"f.title, f.site_url, f.url, e.feed_id "
	"FROM (SELECT DISTINCT x.story_id AS id FROM feeds g "
	"CROSS JOIN entries x ON x.feed_id = g.id WHERE instr(',' || "
	"replace(g.tags, ' ', '') || ',', ',' || ?3 || ',') > 0) t "
	"CROSS JOIN story s ON s.id = t.id "
	"JOIN entries e ON e.id = s.entry_id JOIN feeds f ON f.id = e.feed_id "
	"WHERE (s.sort_time, s.id) < (?1, ?2) "
	"ORDER BY s.sort_time DESC, s.id DESC LIMIT ?4";

/*
 * merged_tag_rare tells whether the feeds of a tag hold so few entries
 * that merged_tag_sql beats merged_sql: collecting them costs about their
 * number, the walk about limit * stories / their number (counted up to
 * about sqrt(2 limit stories), a few milliseconds at 1M).
 */
static int
merged_tag_rare(struct store *s, const char *tag, int limit)
{
	sqlite3_stmt	*st;
	long long	 stories = 0, cap, n = 0;

	if ((st = store_stmt(s, "SELECT max(id) FROM story")) == NULL)
		return (0);
	if (sqlite3_step(st) == SQLITE_ROW)
		stories = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	for (cap = 256; cap * cap < 2LL * limit * stories; cap *= 2)
		continue;
	st = store_stmt(s, "SELECT count(*) FROM (SELECT 1 FROM feeds g "
	    "CROSS JOIN entries x ON x.feed_id = g.id WHERE instr(',' || "
	    "replace(g.tags, ' ', '') || ',', ',' || ?1 || ',') > 0 LIMIT ?2)");
	if (st == NULL)
		return (0);
	sqlite3_bind_text(st, 1, tag, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, cap);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return (n < cap);
}

/* merged_split splits s at sep into a malloc'd vector; returns the count. */
static int
merged_split(const char *s, int sep, char ***out)
{
	const char	*p, *q;
	int		 n = 0;

	*out = NULL;
	if (s == NULL || *s == '\0')
		return (0);
	for (p = s; p != NULL; p = q == NULL ? NULL : q + 1) {
		q = strchr(p, sep);
		*out = xreallocarray(*out, n + 1, sizeof **out);
		(*out)[n++] = q == NULL ? xstrdup(p) : xstrndup(p, q - p);
	}
	return (n);
}

/* merged_enclosures parses the "url\ttype\tlength" lines of a column. */
static void
merged_enclosures(struct item *it, const char *col)
{
	char	**lines, **f;
	int	  i, n, nf, k;

	n = merged_split(col, '\n', &lines);
	if (n == 0)
		return;
	it->enclosures = xcalloc(n, sizeof *it->enclosures);
	for (i = 0; i < n; i++) {
		nf = merged_split(lines[i], '\t', &f);
		if (nf >= 1 && *f[0] != '\0') {
			it->enclosures[it->nenclosures].url = xstrdup(f[0]);
			it->enclosures[it->nenclosures].type = nf >= 2 &&
			    *f[1] != '\0' ? xstrdup(f[1]) : NULL;
			it->enclosures[it->nenclosures].length = nf >= 3 ?
			    strtoll(f[2], NULL, 10) : -1;
			it->nenclosures++;
		}
		for (k = 0; k < nf; k++)
			free(f[k]);
		free(f);
		free(lines[i]);
	}
	free(lines);
}

/* merged_also lists the other feeds that carried a story. */
static int
merged_also(struct store *s, struct item *it, long long feed_id)
{
	sqlite3_stmt		*st;
	struct source_ref	*r;

	st = store_stmt(s, "SELECT f.title, f.site_url, f.url, e.link, "
	    "min(e.first_seen) FROM entries e JOIN feeds f ON f.id = e.feed_id "
	    "WHERE e.story_id = ? AND e.feed_id <> ? GROUP BY e.feed_id "
	    "ORDER BY 5, e.feed_id LIMIT ?");
	if (st == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, it->story_id);
	sqlite3_bind_int64(st, 2, feed_id);
	sqlite3_bind_int(st, 3, MERGED_MAX_ALSO);
	while (sqlite3_step(st) == SQLITE_ROW) {
		it->also = xreallocarray(it->also, it->nalso + 1,
		    sizeof *it->also);
		r = &it->also[it->nalso++];
		r->title = store_text(st, 0);
		r->url = store_text(st, 1);
		r->feed_url = store_text(st, 2);
		r->entry_url = store_text(st, 3);
		if (r->url == NULL)
			r->url = xstrdup0(r->feed_url);
	}
	sqlite3_reset(st);
	return (0);
}

/* merged_related lists up to n related stories from the related table. */
static int
merged_related(struct store *s, struct item *it, int n)
{
	sqlite3_stmt		*st;
	struct related_ref	*r;

	if (n <= 0)
		return (0);
	st = store_stmt(s, "SELECT e.link, e.title, f.title, r.score "
	    "FROM related r JOIN story s ON s.id = r.related_story_id "
	    "JOIN entries e ON e.id = s.entry_id JOIN feeds f ON "
	    "f.id = e.feed_id WHERE r.story_id = ?1 AND "
	    "r.related_story_id <> ?1 ORDER BY r.rank LIMIT ?2");
	if (st == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, it->story_id);
	sqlite3_bind_int(st, 2, n);
	while (sqlite3_step(st) == SQLITE_ROW) {
		it->related = xreallocarray(it->related, it->nrelated + 1,
		    sizeof *it->related);
		r = &it->related[it->nrelated++];
		r->url = store_text(st, 0);
		r->title = store_text(st, 1);
		r->source = store_text(st, 2);
		r->score = sqlite3_column_double(st, 3);
	}
	sqlite3_reset(st);
	return (0);
}

/* merged_item fills an item from a row of merged_sql. */
static void
merged_item(sqlite3_stmt *st, struct item *it)
{
	memset(it, 0, sizeof *it);
	it->story_id = sqlite3_column_int64(st, 0);
	xasprintf(&it->id, "urn:syndic:story:%lld", it->story_id);
	it->title = store_text(st, 2);
	it->link = store_text(st, 3);
	it->author = store_text(st, 4);
	it->published = store_int64(st, 5);
	if (it->published == TIME_UNKNOWN)
		it->published = sqlite3_column_int64(st, 1);
	it->updated = store_int64(st, 6);
	if (it->updated == TIME_UNKNOWN)
		it->updated = it->published;
	it->summary = store_text(st, 7);
	it->content = store_text(st, 8);
	it->ncategories = merged_split((const char *)sqlite3_column_text(st,
	    9), '\n', &it->categories);
	merged_enclosures(it, (const char *)sqlite3_column_text(st, 10));
	it->source.title = store_text(st, 11);
	it->source.url = store_text(st, 12);
	it->source.feed_url = store_text(st, 13);
	if (it->source.url == NULL)
		it->source.url = xstrdup0(it->source.feed_url);
	it->source.entry_url = xstrdup0(it->link);
}

/* merged_cursor parses "TIME.ID"; 0 on success. */
static int
merged_cursor(const char *c, long long *t, long long *id)
{
	char	*ep;

	if (c == NULL) {
		*t = LLONG_MAX;
		*id = LLONG_MAX;
		return (0);
	}
	*t = strtoll(c, &ep, 10);
	if (ep == c || *ep != '.')
		return (-1);
	c = ep + 1;
	*id = strtoll(c, &ep, 10);
	if (ep == c || *ep != '\0' || *id <= 0)
		return (-1);
	return (0);
}

/*
 * merged_catchup brings the related index up to date before a one-shot
 * reader (store_set_related_full) computes lists: a list made against a
 * half-built index would miss the stories still waiting, and no daemon
 * comes later to redo it.  The first page is the output window (nshow);
 * a failure only leaves lists out.
 */
static void
merged_catchup(struct store *s, int nshow, int nrelated)
{
	char	*cause = NULL;

	if (!s->rel_full || nrelated <= 0)
		return;
	if (store_related_catchup(s, time(NULL), nshow, nrelated,
	    &cause) == -1) {
		log_warnx("related: %s", cause);
		free(cause);
	}
}

struct channel *
store_channel(struct store *s, const char *tag, const char *cursor, int limit,
    int nrelated, char **cause)
{
	sqlite3_stmt	*st;
	struct channel	*ch;
	struct item	*it;
	struct html_miss *miss;
	long long	 t, id, feed_id, last_time = 0, *ids;
	int		 i, rc, nmiss = 0;

	if (merged_cursor(cursor, &t, &id) == -1) {
		if (cause != NULL)
			xasprintf(cause, "bad cursor \"%s\"", cursor);
		return (NULL);
	}
	if (limit <= 0 || limit > MERGED_MAX_LIMIT)
		limit = limit <= 0 ? 1 : MERGED_MAX_LIMIT;
	merged_catchup(s, tag == NULL && cursor == NULL ? limit : 0,
	    nrelated);
	if ((st = store_stmt(s, tag != NULL && merged_tag_rare(s, tag, limit) ?
	    merged_tag_sql : merged_sql)) == NULL) {
		store_error(s, cause, "channel");
		return (NULL);
	}
	sqlite3_bind_int64(st, 1, t);
	sqlite3_bind_int64(st, 2, id);
	store_bind_text(st, 3, tag);
	sqlite3_bind_int(st, 4, limit + 1);
	ch = xcalloc(1, sizeof *ch);
	ch->updated = TIME_UNKNOWN;
	ch->items = xcalloc(limit, sizeof *ch->items);
	miss = xcalloc(limit, sizeof *miss);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (ch->nitems == limit) {
			xasprintf(&ch->next, "%lld.%lld", last_time,
			    ch->items[ch->nitems - 1].story_id);
			break;
		}
		it = &ch->items[ch->nitems++];
		merged_item(st, it);
		last_time = sqlite3_column_int64(st, 1);
		feed_id = sqlite3_column_int64(st, 14);
		if (!sqlite3_column_int(st, 16)) {
			miss[nmiss].it = it;
			miss[nmiss++].entry_id = sqlite3_column_int64(st, 15);
		}
		if (it->updated > ch->updated)
			ch->updated = it->updated;
		if (merged_also(s, it, feed_id) == -1) {
			rc = SQLITE_ERROR;
			break;
		}
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_error(s, cause, "channel");
		sqlite3_reset(st);
		channel_free(ch);
		free(miss);
		return (NULL);
	}
	sqlite3_reset(st);
	/*
	 * Stories past the output window (older pages, tag pages) get their
	 * related lists now, or soon (related_demand); a failure there only
	 * leaves lists out.
	 */
	if (nrelated > 0 && ch->nitems > 0) {
		ids = xcalloc(ch->nitems, sizeof *ids);
		for (i = 0; i < ch->nitems; i++)
			ids[i] = ch->items[i].story_id;
		related_demand(s, ids, ch->nitems, nrelated, time(NULL));
		free(ids);
	}
	for (i = 0; i < ch->nitems; i++) {
		if (merged_related(s, &ch->items[i], nrelated) == -1) {
			store_error(s, cause, "channel");
			channel_free(ch);
			free(miss);
			return (NULL);
		}
	}
	rc = html_fill(s, miss, nmiss, cause);
	free(miss);
	if (rc == -1) {
		channel_free(ch);
		return (NULL);
	}
	return (ch);
}
