/*
 * html.c: the entry HTML that leaves the store.  Entries keep the
 * publisher's HTML as received, which is untrusted; what goes out is
 * sanitized by the cleaner the daemon sets (feeds/sanitize.c through
 * store_set_cleaner), once per entry revision, the first time the entry is
 * published, and kept in entry_html under the entry's id and revision.  A
 * changed entry (entries.revisions counts the changes) is sanitized again;
 * an unchanged one never is.
 *
 * Why not at ingest: an HTML5 parse of an entry costs about ten times the
 * XML parse of its share of the feed, and most entries of a store are
 * never published (a page shows the newest stories only).
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store_priv.h"
#include "xmalloc.h"

/* html_clean sanitizes one field; NULL for none or nothing left. */
static char *
html_clean(struct store *s, const unsigned char *html,
    const unsigned char *base)
{
	char	*c;

	if (html == NULL)
		return (NULL);
	c = s->clean((const char *)html, strlen((const char *)html),
	    (const char *)base);
	s->cleaned++;
	if (*c == '\0') {
		free(c);
		return (NULL);
	}
	return (c);
}

/* html_put keeps an item's sanitized HTML for an entry revision. */
static int
html_put(struct store *s, long long entry_id, long long revision,
    const struct item *it)
{
	sqlite3_stmt	*st;

	st = store_stmt(s, "INSERT OR REPLACE INTO entry_html (entry_id, "
	    "revision, summary, content) VALUES (?, ?, ?, ?)");
	if (st == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, entry_id);
	sqlite3_bind_int64(st, 2, revision);
	store_bind_text(st, 3, it->summary);
	store_bind_text(st, 4, it->content);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_reset(st);
		return (-1);
	}
	sqlite3_reset(st);
	return (0);
}

int
html_fill(struct store *s, struct html_miss *m, int n, char **cause)
{
	sqlite3_stmt		*get;
	struct store_deferred	*dfr = NULL;
	long long		 revision, version;
	int			 i, tx = 0;
	char			*why = NULL;

	if (n == 0 || s->clean == NULL)
		return (0);
	/*
	 * NOTE: never wait for another writer here (the daemon's loop is
	 * serving a request): when the store is busy, sanitize without
	 * keeping the result; the next render keeps it.  A connection that
	 * hands its writes over (the daemon's) does not even try.
	 */
	if (s->defer != NULL)
		dfr = store_defer_new(STORE_DEFER_HTML, n);
	else {
		sqlite3_busy_timeout(s->db, 0);
		tx = store_begin(s, NULL) == 0;
		sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
	}
	get = store_stmt(s, "SELECT summary, content, summary_base, "
	    "content_base, revisions FROM entries WHERE id = ?");
	if (get == NULL) {
		if (tx)
			store_rollback(s);
		store_deferred_free(dfr);
		return (store_error(s, cause, "entry html"));
	}
	for (i = 0; i < n; i++) {
		sqlite3_bind_int64(get, 1, m[i].entry_id);
		if (sqlite3_step(get) != SQLITE_ROW) {
			sqlite3_reset(get);
			continue;
		}
		free(m[i].it->summary);
		free(m[i].it->content);
		m[i].it->summary = html_clean(s, sqlite3_column_text(get, 0),
		    sqlite3_column_text(get, 2));
		m[i].it->content = html_clean(s, sqlite3_column_text(get, 1),
		    sqlite3_column_text(get, 3));
		revision = sqlite3_column_int64(get, 4);
		sqlite3_reset(get);
		if (dfr != NULL) {
			dfr->id[dfr->n] = m[i].entry_id;
			dfr->revision[dfr->n] = revision;
			if (m[i].it->summary != NULL)
				dfr->summary[dfr->n] =
				    xstrdup(m[i].it->summary);
			if (m[i].it->content != NULL)
				dfr->content[dfr->n] =
				    xstrdup(m[i].it->content);
			dfr->n++;
		}
		if (tx && html_put(s, m[i].entry_id, revision, m[i].it) == -1) {
			log_debug("store: entry html not kept: %s",
			    sqlite3_errmsg(s->db));
			store_rollback(s);
			tx = 0;
		}
	}
	if (tx) {
		/* What the store holds for readers did not change. */
		version = s->version;
		if (store_commit(s, &why) == -1)
			log_debug("store: entry html not kept: %s", why);
		free(why);
		s->version = version;
	}
	if (dfr != NULL)
		store_defer_give(s, dfr);
	return (0);
}
