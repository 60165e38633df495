/*
 * retention.c: forgetting old entries without ever changing what the
 * output shows, and keeping purged entries from coming back.
 *
 * An entry goes when it was first seen more than max_age ago, or when its
 * feed has more than max_entries newer ones, unless its story is among the
 * newest keep stories (overall or of some tag: the first page of every
 * merged feed).  A purged entry leaves a tombstone (feed, GUID) so that the
 * next poll, which usually still lists it, does not store it again; a
 * tombstone goes once its feed has not listed the entry for
 * RETENTION_TOMBSTONE_DAYS.  Freed pages go back to the file system
 * (auto_vacuum=INCREMENTAL).
 */
#include <stdlib.h>

#include "store_priv.h"
#include "xmalloc.h"

#define RETENTION_TOMBSTONE_DAYS	30

/* retention_run steps one statement with up to three integer bindings. */
static int
retention_run(struct store *s, const char *sql, long long a, long long b,
    long long c, char **cause)
{
	sqlite3_stmt	*st;
	int		 n;

	if ((st = store_stmt(s, sql)) == NULL)
		return (store_error(s, cause, "retention"));
	n = sqlite3_bind_parameter_count(st);
	if (n >= 1)
		sqlite3_bind_int64(st, 1, a);
	if (n >= 2)
		sqlite3_bind_int64(st, 2, b);
	if (n >= 3)
		sqlite3_bind_int64(st, 3, c);
	if (sqlite3_step(st) != SQLITE_DONE)
		return (store_error(s, cause, "retention"));
	sqlite3_reset(st);
	return (0);
}

/* retention_tag protects the newest keep stories of one tag. */
static int
retention_tag(struct store *s, const char *tag, int keep, char **cause)
{
	sqlite3_stmt	*st;

	st = store_stmt(s, "INSERT OR IGNORE INTO temp.kept SELECT s.id "
	    "FROM story s WHERE EXISTS (SELECT 1 FROM entries x JOIN feeds g "
	    "ON g.id = x.feed_id WHERE x.story_id = s.id AND "
	    "instr(',' || replace(g.tags, ' ', '') || ',', ',' || ?1 || ',') "
	    "> 0) ORDER BY s.sort_time DESC, s.id DESC LIMIT ?2");
	if (st == NULL)
		return (store_error(s, cause, "retention"));
	sqlite3_bind_text(st, 1, tag, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, keep);
	if (sqlite3_step(st) != SQLITE_DONE)
		return (store_error(s, cause, "retention"));
	sqlite3_reset(st);
	return (0);
}

/* retention_protect fills temp.kept with the stories the output shows. */
static int
retention_protect(struct store *s, int keep, char **cause)
{
	sqlite3_stmt	*st;
	char		*tag;
	int		 rc = 0;

	if (retention_run(s, "DELETE FROM temp.kept", 0, 0, 0, cause) == -1 ||
	    retention_run(s, "INSERT OR IGNORE INTO temp.kept SELECT id FROM "
	    "story ORDER BY sort_time DESC, id DESC LIMIT ?", keep, 0, 0,
	    cause) == -1)
		return (-1);
	if ((st = store_stmt(s, "SELECT DISTINCT tag FROM feed_tags")) == NULL)
		return (store_error(s, cause, "retention"));
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		tag = store_text(st, 0);
		rc = retention_tag(s, tag, keep, cause);
		free(tag);
	}
	sqlite3_reset(st);
	return (rc);
}

/* retention_over dooms the entries beyond the newest max per feed. */
static int
retention_over(struct store *s, int max, char **cause)
{
	sqlite3_stmt	*st;
	long long	*feeds = NULL;
	int		 i, n = 0, rc = 0;

	/* Counting on the (feed_id, guid) index reads no entry. */
	st = store_stmt(s, "SELECT feed_id FROM entries GROUP BY feed_id "
	    "HAVING count(*) > ?");
	if (st == NULL)
		return (store_error(s, cause, "retention"));
	sqlite3_bind_int(st, 1, max);
	while (sqlite3_step(st) == SQLITE_ROW) {
		feeds = xreallocarray(feeds, n + 1, sizeof *feeds);
		feeds[n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	for (i = 0; i < n && rc == 0; i++) {
		st = store_stmt(s, "INSERT OR IGNORE INTO temp.doomed "
		    "SELECT id FROM (SELECT id, story_id FROM entries WHERE "
		    "feed_id = ?1 ORDER BY first_seen DESC, id DESC "
		    "LIMIT -1 OFFSET ?2) WHERE story_id IS NULL OR story_id "
		    "NOT IN (SELECT id FROM temp.kept)");
		if (st == NULL)
			rc = store_error(s, cause, "retention");
		else {
			sqlite3_bind_int64(st, 1, feeds[i]);
			sqlite3_bind_int(st, 2, max);
			if (sqlite3_step(st) != SQLITE_DONE)
				rc = store_error(s, cause, "retention");
			sqlite3_reset(st);
		}
	}
	free(feeds);
	return (rc);
}

/* retention_purge does the work of store_retention in a transaction. */
static int
retention_purge(struct store *s, long long max_age, int max_entries,
    int keep, long long now, char **cause)
{
	if (retention_protect(s, keep, cause) == -1)
		return (-1);
	if (max_age > 0 && retention_run(s, "INSERT OR IGNORE INTO "
	    "temp.doomed SELECT id FROM entries WHERE first_seen < ? AND "
	    "(story_id IS NULL OR story_id NOT IN (SELECT id FROM temp.kept))",
	    now - max_age, 0, 0, cause) == -1)
		return (-1);
	if (max_entries > 0 && retention_over(s, max_entries, cause) == -1)
		return (-1);
	if (retention_run(s, "INSERT OR REPLACE INTO tombstones (feed_id, "
	    "guid, purged, last_seen) SELECT feed_id, guid, ?1, ?1 FROM "
	    "entries WHERE id IN (SELECT id FROM temp.doomed)", now, 0, 0,
	    cause) == -1)
		return (-1);
	if (stories_purge(s, cause) == -1)
		return (-1);
	if (retention_run(s, "DELETE FROM tombstones WHERE last_seen < ?",
	    now - RETENTION_TOMBSTONE_DAYS * 86400LL, 0, 0, cause) == -1)
		return (-1);
	return (keylog_prune(s, now, cause));
}

int
store_retention(struct store *s, long long max_age, int max_entries,
    int keep, long long now, char **cause)
{
	if (store_begin(s, cause) == -1)
		return (-1);
	if (retention_purge(s, max_age, max_entries, keep, now, cause) == -1) {
		store_rollback(s);
		return (-1);
	}
	if (store_commit(s, cause) == -1)
		return (-1);
	/* Give freed pages back; failing here loses nothing. */
	(void)store_exec(s, "PRAGMA incremental_vacuum", NULL);
	return (0);
}
