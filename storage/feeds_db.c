/*
 * feeds_db.c: the feeds table: subscribing, unsubscribing, listing, the
 * feeds due for a poll and the outcome of each fetch.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_priv.h"
#include "xmalloc.h"

/*
 * The columns of a feed_row; FEED_COLUMNS_POLL leaves out the count of
 * entries (-1), which the scheduler does not need and which costs a scan
 * of the entries' index per feed.
 */
#define FEED_COLUMNS_POLL(nentries) \
	"f.id, f.url, f.title, f.site_url, f.tags, f.origin, f.etag, " \
	"f.last_modified, f.body_hash, f.next_poll, f.interval, f.last_fetch, " \
	"f.last_success, f.failures, f.last_status, f.last_error, f.retired, " \
	"f.moved_to, f.moved_count, " nentries ", " \
	"f.hint_ttl, f.hint_update, f.skip_hours, f.skip_days, " \
	"f.cache_lifetime"
#define FEED_COLUMNS FEED_COLUMNS_POLL( \
	"(SELECT count(*) FROM entries e WHERE e.feed_id = f.id)")

void
feed_row_clear(struct feed_row *r)
{
	if (r == NULL)
		return;
	free(r->url);
	free(r->title);
	free(r->site_url);
	free(r->tags);
	free(r->etag);
	free(r->last_modified);
	free(r->body_hash);
	free(r->last_error);
	free(r->moved_to);
	memset(r, 0, sizeof *r);
}

void
feed_rows_free(struct feed_row *rows, int n)
{
	int	 i;

	for (i = 0; i < n; i++)
		feed_row_clear(&rows[i]);
	free(rows);
}

/* feeds_db_row fills r from a statement selecting FEED_COLUMNS. */
static void
feeds_db_row(sqlite3_stmt *st, struct feed_row *r)
{
	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(st, 0);
	r->url = store_text(st, 1);
	r->title = store_text(st, 2);
	r->site_url = store_text(st, 3);
	r->tags = store_text(st, 4);
	if (r->tags == NULL)
		r->tags = xstrdup("");
	r->origin = sqlite3_column_int(st, 5);
	r->etag = store_text(st, 6);
	r->last_modified = store_text(st, 7);
	r->body_hash = store_text(st, 8);
	r->next_poll = sqlite3_column_int64(st, 9);
	r->interval = sqlite3_column_int64(st, 10);
	r->last_fetch = store_int64(st, 11);
	r->last_success = store_int64(st, 12);
	r->failures = sqlite3_column_int(st, 13);
	r->last_status = sqlite3_column_int(st, 14);
	r->last_error = store_text(st, 15);
	r->retired = sqlite3_column_int(st, 16);
	r->moved_to = store_text(st, 17);
	r->moved_count = sqlite3_column_int(st, 18);
	r->nentries = sqlite3_column_int64(st, 19);
	r->hints.ttl = sqlite3_column_int64(st, 20);
	r->hints.update = sqlite3_column_int64(st, 21);
	r->hints.skip_hours = (unsigned int)sqlite3_column_int64(st, 22);
	r->hints.skip_days = (unsigned int)sqlite3_column_int64(st, 23);
	r->hints.cache = sqlite3_column_int64(st, 24);
}

/* feeds_db_rows collects every row of a prepared statement. */
static int
feeds_db_rows(struct store *s, sqlite3_stmt *st, struct feed_row **rows,
    int *n, char **cause)
{
	int	 rc, cap = 0;

	*rows = NULL;
	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			*rows = xreallocarray(*rows, cap, sizeof **rows);
		}
		feeds_db_row(st, &(*rows)[(*n)++]);
	}
	if (rc != SQLITE_DONE) {
		store_error(s, cause, "feeds");
		feed_rows_free(*rows, *n);
		*rows = NULL;
		*n = 0;
		sqlite3_reset(st);
		return (-1);
	}
	sqlite3_reset(st);
	return (0);
}

long long
store_feed_find(struct store *s, const char *url)
{
	sqlite3_stmt	*st;
	long long	 id = -1;

	if ((st = store_stmt(s, "SELECT id FROM feeds WHERE url = ?")) == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return (id);
}

/* feeds_db_upsert does the work of store_feed_upsert inside a transaction. */
static int
feeds_db_upsert(struct store *s, const char *url, const char *title,
    const char *tags, int origin, long long *id, char **cause)
{
	sqlite3_stmt	*st;

	st = store_stmt(s, "INSERT INTO feeds (url, title, title_locked, "
	    "tags, origin) VALUES (?1, ?2, ?2 IS NOT NULL, coalesce(?3, ''), ?4)"
	    " ON CONFLICT (url) DO UPDATE SET "
	    "title = coalesce(?2, title), "
	    "title_locked = title_locked OR ?2 IS NOT NULL, "
	    "tags = coalesce(?3, tags), origin = min(origin, ?4), "
	    "retired = 0, "
	    "next_poll = CASE WHEN retired THEN 0 ELSE next_poll END");
	if (st == NULL)
		return (store_error(s, cause, "add feed"));
	sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC);
	store_bind_text(st, 2, title);
	store_bind_text(st, 3, tags);
	sqlite3_bind_int(st, 4, origin);
	if (sqlite3_step(st) != SQLITE_DONE)
		return (store_error(s, cause, "add feed"));
	sqlite3_reset(st);
	if (id != NULL && (*id = store_feed_find(s, url)) == -1)
		return (store_error(s, cause, "add feed"));
	return (0);
}

int
store_feed_upsert(struct store *s, const char *url, const char *title,
    const char *tags, int origin, long long *id, char **cause)
{
	if (url == NULL || *url == '\0') {
		if (cause != NULL)
			*cause = xstrdup("empty feed URL");
		return (-1);
	}
	if (store_begin(s, cause) == -1)
		return (-1);
	if (feeds_db_upsert(s, url, title, tags, origin, id, cause) == -1) {
		store_rollback(s);
		return (-1);
	}
	return (store_commit(s, cause));
}

/* feeds_db_lookup finds a feed by URL or decimal id; -1 when none. */
static long long
feeds_db_lookup(struct store *s, const char *url_or_id)
{
	sqlite3_stmt	*st;
	const char	*p;
	long long	 id;

	for (p = url_or_id; *p != '\0' && isdigit((unsigned char)*p); p++)
		continue;
	if (*url_or_id == '\0' || *p != '\0')
		return (store_feed_find(s, url_or_id));
	id = strtoll(url_or_id, NULL, 10);
	if ((st = store_stmt(s, "SELECT id FROM feeds WHERE id = ?")) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_ROW)
		id = -1;
	sqlite3_reset(st);
	return (id);
}

int
store_feed_remove(struct store *s, const char *url_or_id, char **cause)
{
	sqlite3_stmt	*st;
	long long	 id;

	if (store_begin(s, cause) == -1)
		return (-1);
	if ((id = feeds_db_lookup(s, url_or_id)) == -1) {
		store_rollback(s);
		if (cause != NULL)
			xasprintf(cause, "%s: no such feed", url_or_id);
		return (-1);
	}
	st = store_stmt(s, "INSERT INTO temp.doomed SELECT id FROM entries "
	    "WHERE feed_id = ?");
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto fail;
	if (stories_purge(s, cause) == -1) {
		store_rollback(s);
		return (-1);
	}
	if ((st = store_stmt(s, "DELETE FROM feeds WHERE id = ?")) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto fail;
	return (store_commit(s, cause));
fail:
	store_error(s, cause, "remove feed");
	store_rollback(s);
	return (-1);
}

int
store_feed_list(struct store *s, struct feed_row **rows, int *n, char **cause)
{
	sqlite3_stmt	*st;

	st = store_stmt(s, "SELECT " FEED_COLUMNS " FROM feeds f ORDER BY f.id");
	if (st == NULL)
		return (store_error(s, cause, "feeds"));
	return (feeds_db_rows(s, st, rows, n, cause));
}

int
store_feed_list_poll(struct store *s, struct feed_row **rows, int *n,
    char **cause)
{
	sqlite3_stmt	*st;

	st = store_stmt(s, "SELECT " FEED_COLUMNS_POLL("-1") " FROM feeds f "
	    "ORDER BY f.id");
	if (st == NULL)
		return (store_error(s, cause, "feeds"));
	return (feeds_db_rows(s, st, rows, n, cause));
}

int
store_feed_get(struct store *s, long long id, struct feed_row *out,
    char **cause)
{
	sqlite3_stmt	*st;
	int		 rc;

	st = store_stmt(s, "SELECT " FEED_COLUMNS " FROM feeds f "
	    "WHERE f.id = ?");
	if (st == NULL)
		return (store_error(s, cause, "feed"));
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		feeds_db_row(st, out);
		sqlite3_reset(st);
		return (0);
	}
	if (rc == SQLITE_DONE) {
		if (cause != NULL)
			xasprintf(cause, "feed %lld: no such feed", id);
	} else
		store_error(s, cause, "feed");
	sqlite3_reset(st);
	return (-1);
}

int
store_feeds_due(struct store *s, long long now, struct feed_row **rows,
    int *n, char **cause)
{
	sqlite3_stmt	*st;

	st = store_stmt(s, "SELECT " FEED_COLUMNS_POLL("-1") " FROM feeds f "
	    "WHERE f.retired = 0 AND f.next_poll <= ? "
	    "ORDER BY f.next_poll, f.id");
	if (st == NULL)
		return (store_error(s, cause, "due feeds"));
	sqlite3_bind_int64(st, 1, now);
	return (feeds_db_rows(s, st, rows, n, cause));
}

long long
store_feed_next_poll(struct store *s)
{
	sqlite3_stmt	*st;
	long long	 t = -1;

	st = store_stmt(s, "SELECT min(next_poll) FROM feeds WHERE retired = 0");
	if (st == NULL)
		return (-1);
	if (sqlite3_step(st) == SQLITE_ROW)
		t = store_int64(st, 0);
	sqlite3_reset(st);
	return (t);
}

/* feeds_db_move renames a feed whose URL moved for good (unless taken). */
static int
feeds_db_move(struct store *s, long long id, const char *url, char **cause)
{
	sqlite3_stmt	*st;

	if (store_feed_find(s, url) != -1)
		return (0);	/* already subscribed under the new URL */
	st = store_stmt(s, "UPDATE feeds SET url = ?, moved_to = NULL, "
	    "moved_count = 0 WHERE id = ?");
	if (st == NULL)
		return (store_error(s, cause, "move feed"));
	sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	if (sqlite3_step(st) != SQLITE_DONE)
		return (store_error(s, cause, "move feed"));
	return (0);
}

/*
 * feeds_db_record1 stores a fetch outcome inside the caller's transaction:
 * 0 when done, 1 when there is no such feed, -1 on error.
 */
static int
feeds_db_record1(struct store *s, long long id, const struct fetch_record *r,
    char **cause)
{
	sqlite3_stmt	*st;
	int		 ok = r->error == NULL && r->status >= 200 &&
			    r->status < 400;

	st = store_stmt(s, "UPDATE feeds SET "
	    "etag = CASE WHEN ?3 = 200 OR ?4 IS NOT NULL THEN ?4 ELSE etag END,"
	    "last_modified = CASE WHEN ?3 = 200 OR ?5 IS NOT NULL THEN ?5 "
	    "ELSE last_modified END, "
	    "body_hash = CASE WHEN ?3 = 200 OR ?6 IS NOT NULL THEN ?6 "
	    "ELSE body_hash END, "
	    "last_fetch = ?2, "
	    "last_success = CASE WHEN ?7 THEN ?2 ELSE last_success END, "
	    "last_status = ?3, last_error = ?8, last_duration = ?9, "
	    "last_bytes = ?10, next_poll = ?11, interval = ?12, failures = ?13,"
	    "moved_to = ?14, moved_count = ?15, retired = ?16, "
	    "hint_ttl = CASE WHEN ?17 THEN ?18 ELSE hint_ttl END, "
	    "hint_update = CASE WHEN ?17 THEN ?19 ELSE hint_update END, "
	    "skip_hours = CASE WHEN ?17 THEN ?20 ELSE skip_hours END, "
	    "skip_days = CASE WHEN ?17 THEN ?21 ELSE skip_days END, "
	    "cache_lifetime = CASE WHEN ?17 THEN ?22 ELSE cache_lifetime END "
	    "WHERE id = ?1");
	if (st == NULL)
		return (store_error(s, cause, "record fetch"));
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, r->when);
	sqlite3_bind_int(st, 3, r->status);
	if (ok) {
		store_bind_text(st, 4, r->etag);
		store_bind_text(st, 5, r->last_modified);
		store_bind_text(st, 6, r->body_hash);
	}
	sqlite3_bind_int(st, 7, ok);
	store_bind_text(st, 8, r->error);
	sqlite3_bind_double(st, 9, r->duration);
	sqlite3_bind_int64(st, 10, r->bytes);
	sqlite3_bind_int64(st, 11, r->next_poll);
	sqlite3_bind_int64(st, 12, r->interval);
	sqlite3_bind_int(st, 13, r->failures);
	store_bind_text(st, 14, r->moved_to);
	sqlite3_bind_int(st, 15, r->moved_count);
	sqlite3_bind_int(st, 16, r->retire != 0);
	sqlite3_bind_int(st, 17, r->set_hints != 0);
	sqlite3_bind_int64(st, 18, r->hints.ttl);
	sqlite3_bind_int64(st, 19, r->hints.update);
	sqlite3_bind_int64(st, 20, r->hints.skip_hours);
	sqlite3_bind_int64(st, 21, r->hints.skip_days);
	sqlite3_bind_int64(st, 22, r->hints.cache);
	if (sqlite3_step(st) != SQLITE_DONE)
		return (store_error(s, cause, "record fetch"));
	if (sqlite3_changes(s->db) == 0)
		return (1);
	if (r->new_url != NULL && feeds_db_move(s, id, r->new_url, cause) == -1)
		return (-1);
	return (0);
}

/* feeds_db_record stores a fetch outcome inside the caller's transaction. */
int
feeds_db_record(struct store *s, long long id, const struct fetch_record *r,
    char **cause)
{
	int	 rc;

	if ((rc = feeds_db_record1(s, id, r, cause)) == 1) {
		if (cause != NULL)
			xasprintf(cause, "feed %lld: no such feed", id);
		return (-1);
	}
	return (rc);
}

int
store_feed_record(struct store *s, long long feed_id,
    const struct fetch_record *r, char **cause)
{
	return (store_update(s, feed_id, r, NULL, r->when, NULL, cause));
}

int
store_feed_records(struct store *s, const long long *ids,
    const struct fetch_record *recs, int n, int *missing, char **cause)
{
	int	 i;

	if (missing != NULL)
		*missing = 0;
	if (n <= 0)
		return (0);
	if (store_begin(s, cause) == -1)
		return (-1);
	for (i = 0; i < n; i++) {
		switch (feeds_db_record1(s, ids[i], &recs[i], cause)) {
		case 0:
			break;
		case 1:
			/* Removed while it was fetched: nothing to record. */
			if (missing != NULL)
				(*missing)++;
			break;
		default:
			store_rollback(s);
			return (-1);
		}
	}
	return (store_commit(s, cause));
}
