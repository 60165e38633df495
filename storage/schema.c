/*
 * schema.c: the schema of the store and its migrations.
 *
 * PRAGMA user_version is the schema version.  Each step below brings a
 * store from version N to N + 1 inside one transaction, so a store is
 * always at some whole version; store_open runs the steps a store lacks.
 * A new store runs them all.  NOTE: never edit a step that has shipped:
 * add a new one.  Every column is documented in syndic-store(5).
 */
#include <stdio.h>
#include <stdlib.h>

#include "store_priv.h"
#include "xmalloc.h"

/* Version 1: feeds, entries, stories and the near-duplicate keys. */
static const char schema_v1[] =
"CREATE TABLE feeds ("
"  id INTEGER PRIMARY KEY,"
"  url TEXT NOT NULL UNIQUE,"
"  title TEXT,"
"  title_locked INTEGER NOT NULL DEFAULT 0,"
"  site_url TEXT,"
"  tags TEXT NOT NULL DEFAULT '',"
"  origin INTEGER NOT NULL DEFAULT 1,"
"  added INTEGER NOT NULL DEFAULT (CAST(strftime('%s', 'now') AS INTEGER)),"
"  etag TEXT,"
"  last_modified TEXT,"
"  body_hash TEXT,"
"  next_poll INTEGER NOT NULL DEFAULT 0,"
"  interval INTEGER NOT NULL DEFAULT 0,"
"  last_fetch INTEGER,"
"  last_success INTEGER,"
"  failures INTEGER NOT NULL DEFAULT 0,"
"  last_status INTEGER,"
"  last_error TEXT,"
"  last_duration REAL,"
"  last_bytes INTEGER,"
"  retired INTEGER NOT NULL DEFAULT 0,"
"  moved_to TEXT,"
"  moved_count INTEGER NOT NULL DEFAULT 0"
");"
"CREATE TABLE story ("
"  id INTEGER PRIMARY KEY,"
"  entry_id INTEGER NOT NULL,"
"  first_seen INTEGER NOT NULL,"
"  sort_time INTEGER NOT NULL,"
"  nentries INTEGER NOT NULL DEFAULT 1,"
"  nsources INTEGER NOT NULL DEFAULT 1"
");"
"CREATE INDEX story_sort ON story(sort_time, id);"
"CREATE TABLE entries ("
"  id INTEGER PRIMARY KEY,"
"  feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,"
"  guid TEXT NOT NULL,"
"  canonical_url TEXT,"
"  url_key INTEGER,"
"  link TEXT,"
"  title TEXT,"
"  author TEXT,"
"  published INTEGER,"
"  updated INTEGER,"
"  summary TEXT,"
"  content TEXT,"
"  text TEXT,"
"  categories TEXT,"
"  enclosures TEXT,"
"  content_hash INTEGER NOT NULL,"
"  first_seen INTEGER NOT NULL,"
"  last_seen INTEGER NOT NULL,"
"  story_id INTEGER REFERENCES story(id),"
"  revisions INTEGER NOT NULL DEFAULT 0,"
"  UNIQUE (feed_id, guid)"
");"
"CREATE INDEX entries_story ON entries(story_id);"
"CREATE INDEX entries_url ON entries(url_key);"
"CREATE INDEX entries_seen ON entries(first_seen);"
"CREATE TABLE dedup_keys ("
"  key INTEGER NOT NULL,"
"  entry_id INTEGER NOT NULL,"
"  seen INTEGER NOT NULL,"
"  PRIMARY KEY (key, entry_id)"
") WITHOUT ROWID;";

/*
 * Version 2: tombstones, the related-stories table and the full-text index
 * (filled from the stories already stored), and the views for people.
 */
static const char schema_v2[] =
"CREATE TABLE tombstones ("
"  feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,"
"  guid TEXT NOT NULL,"
"  purged INTEGER NOT NULL,"
"  last_seen INTEGER NOT NULL,"
"  PRIMARY KEY (feed_id, guid)"
") WITHOUT ROWID;"
"CREATE TABLE related ("
"  story_id INTEGER NOT NULL REFERENCES story(id) ON DELETE CASCADE,"
"  related_story_id INTEGER NOT NULL REFERENCES story(id) ON DELETE CASCADE,"
"  score REAL NOT NULL,"
"  rank INTEGER NOT NULL,"
"  PRIMARY KEY (story_id, rank)"
");"
"CREATE INDEX related_back ON related(related_story_id);"
"CREATE VIRTUAL TABLE story_fts USING fts5(title, text, content='',"
"  tokenize='unicode61 remove_diacritics 2');"
"INSERT INTO story_fts(rowid, title, text)"
"  SELECT s.id, coalesce(e.title, ''), coalesce(e.text, '')"
"  FROM story s JOIN entries e ON e.id = s.entry_id;"
"CREATE VIEW recent_entries AS"
"  SELECT e.id AS id, datetime(e.first_seen, 'unixepoch') AS seen,"
"    f.title AS feed, e.title AS title, e.link AS link,"
"    datetime(e.published, 'unixepoch') AS published,"
"    e.story_id AS story_id, e.revisions AS revisions,"
"    f.id AS feed_id, e.first_seen AS first_seen"
"  FROM entries e JOIN feeds f ON f.id = e.feed_id"
"  ORDER BY e.first_seen DESC, e.id DESC;"
"CREATE VIEW feed_status AS"
"  SELECT f.id AS id, f.url AS url, f.title AS title, f.tags AS tags,"
"    CASE f.origin WHEN 0 THEN 'config' ELSE 'command' END AS origin,"
"    datetime(f.last_fetch, 'unixepoch') AS last_fetch,"
"    datetime(f.last_success, 'unixepoch') AS last_success,"
"    f.last_status AS status, f.failures AS failures,"
"    f.last_error AS error,"
"    CASE WHEN f.retired = 0 THEN datetime(max(f.next_poll, f.added),"
"      'unixepoch') END AS next_poll,"
"    f.interval AS interval,"
"    (SELECT count(*) FROM entries e WHERE e.feed_id = f.id) AS entries,"
"    f.retired AS retired, f.moved_to AS moved_to"
"  FROM feeds f ORDER BY f.id;"
"CREATE VIEW stories AS"
"  SELECT s.id AS id, e.title AS title, e.link AS link, f.title AS source,"
"    s.nsources AS sources, s.nentries AS entries,"
"    datetime(s.first_seen, 'unixepoch') AS first_seen,"
"    datetime(s.sort_time, 'unixepoch') AS time,"
"    s.entry_id AS entry_id"
"  FROM story s JOIN entries e ON e.id = s.entry_id"
"    JOIN feeds f ON f.id = e.feed_id"
"  ORDER BY s.sort_time DESC, s.id DESC;"
"CREATE VIEW story_sources AS"
"  SELECT e.story_id AS story_id, f.title AS source, f.url AS feed_url,"
"    e.title AS title, e.link AS link, e.id AS entry_id,"
"    datetime(e.first_seen, 'unixepoch') AS seen"
"  FROM entries e JOIN feeds f ON f.id = e.feed_id"
"  ORDER BY e.story_id, e.first_seen, e.id;"
"CREATE VIEW related_stories AS"
"  SELECT r.story_id AS story_id, a.title AS title, r.rank AS rank,"
"    r.score AS score, r.related_story_id AS related_id,"
"    b.title AS related_title, b.link AS related_link"
"  FROM related r JOIN story sa ON sa.id = r.story_id"
"    JOIN entries a ON a.id = sa.entry_id"
"    JOIN story sb ON sb.id = r.related_story_id"
"    JOIN entries b ON b.id = sb.entry_id"
"  ORDER BY r.story_id, r.rank;"
"CREATE VIEW feed_tags AS"
"  WITH RECURSIVE split(feed_id, tag, rest) AS ("
"    SELECT id, '', tags || ',' FROM feeds"
"    UNION ALL SELECT feed_id, trim(substr(rest, 1, instr(rest, ',') - 1)),"
"      substr(rest, instr(rest, ',') + 1) FROM split WHERE rest <> '')"
"  SELECT tag, feed_id FROM split WHERE tag <> '' ORDER BY tag, feed_id;";

/*
 * Version 3: the index behind the related table (related.c): document
 * frequencies, each story's term vector and signature postings, and the
 * queues that triggers fill as stories come, change head and go.
 */
static const char schema_v3[] =
"CREATE TABLE related_term ("
"  id INTEGER PRIMARY KEY,"
"  term TEXT NOT NULL UNIQUE,"
"  df INTEGER NOT NULL"
");"
"CREATE TABLE related_doc ("
"  story_id INTEGER PRIMARY KEY,"
"  feed_id INTEGER NOT NULL,"
"  published INTEGER NOT NULL,"
"  norm REAL NOT NULL DEFAULT 0,"
"  terms BLOB NOT NULL,"
"  sig BLOB,"
"  state INTEGER NOT NULL DEFAULT 1,"
"  computed INTEGER"
");"
"CREATE INDEX related_doc_todo ON related_doc(state, published)"
"  WHERE state > 0;"
"CREATE TABLE related_posting ("
"  term_id INTEGER NOT NULL,"
"  published INTEGER NOT NULL,"
"  story_id INTEGER NOT NULL,"
"  weight REAL NOT NULL,"
"  PRIMARY KEY (term_id, published, story_id)"
") WITHOUT ROWID;"
"CREATE TABLE related_stat (ndocs INTEGER NOT NULL);"
"INSERT INTO related_stat VALUES (0);"
"CREATE TABLE related_todo (story_id INTEGER PRIMARY KEY);"
"CREATE TABLE related_gone (story_id INTEGER PRIMARY KEY);"
"INSERT INTO related_todo SELECT id FROM story;"
"CREATE TRIGGER related_story_new AFTER INSERT ON story BEGIN"
"  INSERT OR IGNORE INTO related_todo VALUES (new.id);"
"END;"
"CREATE TRIGGER related_story_head AFTER UPDATE OF entry_id ON story"
"  WHEN new.entry_id <> old.entry_id BEGIN"
"  INSERT OR IGNORE INTO related_todo VALUES (new.id);"
"END;"
"CREATE TRIGGER related_story_gone BEFORE DELETE ON story BEGIN"
"  INSERT OR IGNORE INTO related_gone VALUES (old.id);"
"  DELETE FROM related_todo WHERE story_id = old.id;"
"  UPDATE related_doc SET state = 2 WHERE state = 0 AND story_id IN"
"    (SELECT story_id FROM related WHERE related_story_id = old.id);"
"END;"
"CREATE VIEW related_links AS"
"  SELECT r.story_id AS story_id, a.title AS title, fa.title AS source,"
"    r.rank AS rank, round(r.score, 3) AS score,"
"    r.related_story_id AS related_id, b.title AS related_title,"
"    fb.title AS related_source, b.link AS related_link,"
"    datetime(d.computed, 'unixepoch') AS computed"
"  FROM related r JOIN story sa ON sa.id = r.story_id"
"    JOIN entries a ON a.id = sa.entry_id JOIN feeds fa ON fa.id = a.feed_id"
"    JOIN story sb ON sb.id = r.related_story_id"
"    JOIN entries b ON b.id = sb.entry_id JOIN feeds fb ON fb.id = b.feed_id"
"    LEFT JOIN related_doc d ON d.story_id = r.story_id"
"  ORDER BY r.story_id DESC, r.rank;";

/*
 * Version 4: new near-duplicate keys go to a small table first and move to
 * dedup_keys in bulk: inserting hash keys one feed update at a time into
 * one big index dirtied a page per key.
 */
static const char schema_v4[] =
"CREATE TABLE dedup_recent ("
"  key INTEGER NOT NULL,"
"  entry_id INTEGER NOT NULL,"
"  seen INTEGER NOT NULL,"
"  PRIMARY KEY (key, entry_id)"
") WITHOUT ROWID;"
"CREATE INDEX dedup_keys_seen ON dedup_keys(seen);";

/*
 * Version 5 (related.c): the time of the newest story, found at once, and
 * the number of stories when the lists were last refreshed.
 */
static const char schema_v5[] =
"CREATE INDEX related_doc_time ON related_doc(published);"
"ALTER TABLE related_stat ADD COLUMN refreshed INTEGER NOT NULL DEFAULT 0;";

/*
 * Version 6 (related.c): postings packed by term (related_chunk: one row
 * holds up to a hundred stories' postings of one term, so that a batch of
 * stories writes each term once), lists wanted on demand (related_want),
 * and no index of pending stories (most never need a list).  The index is
 * rebuilt: every story is queued again; the lists already computed stay.
 */
static const char schema_v6[] =
"DROP TABLE related_posting;"
"DROP INDEX related_doc_todo;"
"CREATE TABLE related_chunk ("
"  id INTEGER PRIMARY KEY,"
"  term_id INTEGER NOT NULL,"
"  tmin INTEGER NOT NULL,"
"  tmax INTEGER NOT NULL,"
"  n INTEGER NOT NULL,"
"  posts BLOB NOT NULL"
");"
"CREATE INDEX related_chunk_term ON related_chunk(term_id, tmax, tmin);"
"CREATE TABLE related_want (story_id INTEGER PRIMARY KEY);"
"DELETE FROM related_doc;"
"DELETE FROM related_term;"
"UPDATE related_stat SET ndocs = 0, refreshed = 0;"
"INSERT OR IGNORE INTO related_todo SELECT id FROM story;";

/*
 * Version 7 (sched.c): the feed's own polling hints, kept across 304s
 * (which carry no document): RSS ttl, sy:updatePeriod/Frequency,
 * skipHours and skipDays, and the freshness lifetime of Cache-Control
 * max-age or Expires.
 */
static const char schema_v7[] =
"ALTER TABLE feeds ADD COLUMN hint_ttl INTEGER NOT NULL DEFAULT 0;"
"ALTER TABLE feeds ADD COLUMN hint_update INTEGER NOT NULL DEFAULT 0;"
"ALTER TABLE feeds ADD COLUMN skip_hours INTEGER NOT NULL DEFAULT 0;"
"ALTER TABLE feeds ADD COLUMN skip_days INTEGER NOT NULL DEFAULT 0;"
"ALTER TABLE feeds ADD COLUMN cache_lifetime INTEGER NOT NULL DEFAULT 0;";

/*
 * Version 8 (stories.c, keylog.c): the near-duplicate keys become an
 * append-only log, read into memory by the process that folds (one B-tree
 * write per key at the end of the table instead of a random index page),
 * and the full-text index is filled in bounded batches from fts_todo
 * instead of inside every feed update.
 */
static const char schema_v8[] =
"CREATE TABLE dedup_log ("
"  id INTEGER PRIMARY KEY,"
"  key INTEGER NOT NULL,"
"  entry_id INTEGER NOT NULL,"
"  seen INTEGER NOT NULL"
");"
"INSERT INTO dedup_log (key, entry_id, seen)"
"  SELECT key, entry_id, seen FROM (SELECT key, entry_id, seen"
"  FROM dedup_keys UNION ALL SELECT key, entry_id, seen FROM dedup_recent)"
"  ORDER BY seen, entry_id;"
"DROP TABLE dedup_recent;"
"DROP TABLE dedup_keys;"
"CREATE TABLE fts_todo (story_id INTEGER PRIMARY KEY);";

/*
 * Version 9 (html.c): entries keep the publisher's HTML as received, with
 * the base URL of each field; the sanitized HTML is made when an entry is
 * first published and kept per revision.  Stores of earlier versions hold
 * sanitized HTML in entries, which sanitizing again leaves as it is.
 */
static const char schema_v9[] =
"ALTER TABLE entries ADD COLUMN summary_base TEXT;"
"ALTER TABLE entries ADD COLUMN content_base TEXT;"
"CREATE TABLE entry_html ("
"  entry_id INTEGER PRIMARY KEY REFERENCES entries(id) ON DELETE CASCADE,"
"  revision INTEGER NOT NULL,"
"  summary TEXT,"
"  content TEXT"
");";

/*
 * Version 10 (keylog.c): one log row per entry with its keys packed in a
 * blob (8 bytes each, little-endian) instead of one row per key: a
 * twelfth of the rows to write and to read back.  The rows move over in
 * schema_v10_keys, oldest first.
 */
static const char schema_v10[] =
"ALTER TABLE dedup_log RENAME TO dedup_old;"
"CREATE TABLE dedup_log ("
"  id INTEGER PRIMARY KEY,"
"  entry_id INTEGER NOT NULL,"
"  seen INTEGER NOT NULL,"
"  keys BLOB NOT NULL"
");";

static int	schema_v10_keys(sqlite3 *, char **);

/*
 * Version 11 (entries.c, store_url_key): entries.url_key puts the hash of
 * the URL's host in its high bits, so that a site's entries sit together
 * in entries_url; every key is computed again (schema_v11_keys) and the
 * index rebuilt.
 */
static const char schema_v11[] =
"DROP INDEX entries_url;";

static int	schema_v11_keys(sqlite3 *, char **);

/* A migration step: SQL, then (if any) what SQL alone cannot do. */
static const struct schema_step {
	const char	*sql;
	int		(*fn)(sqlite3 *, char **);
} schema_steps[SCHEMA_VERSION] = {
	{ schema_v1, NULL }, { schema_v2, NULL }, { schema_v3, NULL },
	{ schema_v4, NULL }, { schema_v5, NULL }, { schema_v6, NULL },
	{ schema_v7, NULL }, { schema_v8, NULL }, { schema_v9, NULL },
	{ schema_v10, schema_v10_keys }, { schema_v11, schema_v11_keys },
};

/* schema_version reads PRAGMA user_version. */
static int
schema_version(sqlite3 *db)
{
	sqlite3_stmt	*st;
	int		 v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) !=
	    SQLITE_OK)
		return (-1);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return (v);
}

/* schema_run executes sql; on error sets *cause and returns -1. */
static int
schema_run(sqlite3 *db, const char *sql, char **cause)
{
	char	*msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return (0);
	if (cause != NULL)
		xasprintf(cause, "schema: %s", msg != NULL ? msg :
		    sqlite3_errmsg(db));
	sqlite3_free(msg);
	return (-1);
}

/* schema_step runs one migration step and sets the version, atomically. */
static int
schema_step(sqlite3 *db, int to, char **cause)
{
	char	*sql;

	if (schema_run(db, "BEGIN IMMEDIATE", cause) == -1)
		return (-1);
	/* Another process may have migrated while we waited for the lock. */
	if (schema_version(db) >= to)
		return (schema_run(db, "COMMIT", cause));
	xasprintf(&sql, "%s; PRAGMA user_version = %d;",
	    schema_steps[to - 1].sql, to);
	if (schema_run(db, sql, cause) == -1 || (schema_steps[to - 1].fn !=
	    NULL && schema_steps[to - 1].fn(db, cause) == -1)) {
		free(sql);
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return (-1);
	}
	free(sql);
	if (schema_run(db, "COMMIT", cause) == -1) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return (-1);
	}
	return (0);
}

/* schema_put_keys logs the n keys of one entry (version 10's format). */
static int
schema_put_keys(sqlite3_stmt *ins, long long entry, long long seen,
    const long long *keys, int n)
{
	unsigned char	 b[STORE_MAX_KEYS * 8];
	int		 i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < 8; j++)
			b[i * 8 + j] = (unsigned char)
			    ((unsigned long long)keys[i] >> (8 * j));
	}
	sqlite3_bind_int64(ins, 1, entry);
	sqlite3_bind_int64(ins, 2, seen);
	sqlite3_bind_blob(ins, 3, b, n * 8, SQLITE_STATIC);
	if (sqlite3_step(ins) != SQLITE_DONE)
		return (-1);
	sqlite3_reset(ins);
	return (0);
}

/*
 * schema_v10_keys moves the one-row-a-key log of version 8 into rows of
 * one entry each (the consecutive rows of an entry), in order.
 */
static int
schema_v10_keys(sqlite3 *db, char **cause)
{
	sqlite3_stmt	*sel = NULL, *ins = NULL;
	long long	 keys[STORE_MAX_KEYS], entry = -1, seen = 0;
	int		 n = 0, rc = -1, r;

	if (sqlite3_prepare_v2(db, "SELECT key, entry_id, seen FROM "
	    "dedup_old ORDER BY id", -1, &sel, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO dedup_log (entry_id, seen, "
	    "keys) VALUES (?, ?, ?)", -1, &ins, NULL) != SQLITE_OK)
		goto out;
	while ((r = sqlite3_step(sel)) == SQLITE_ROW) {
		if (n > 0 && (n == STORE_MAX_KEYS ||
		    sqlite3_column_int64(sel, 1) != entry)) {
			if (schema_put_keys(ins, entry, seen, keys, n) == -1)
				goto out;
			n = 0;
		}
		entry = sqlite3_column_int64(sel, 1);
		seen = sqlite3_column_int64(sel, 2);
		keys[n++] = sqlite3_column_int64(sel, 0);
	}
	if (r != SQLITE_DONE ||
	    (n > 0 && schema_put_keys(ins, entry, seen, keys, n) == -1))
		goto out;
	sqlite3_finalize(sel);
	sqlite3_finalize(ins);
	sel = ins = NULL;
	rc = sqlite3_exec(db, "DROP TABLE dedup_old", NULL, NULL, NULL) ==
	    SQLITE_OK ? 0 : -1;
out:
	if (rc == -1 && cause != NULL)
		xasprintf(cause, "schema: %s", sqlite3_errmsg(db));
	sqlite3_finalize(sel);
	sqlite3_finalize(ins);
	return (rc);
}

/* schema_url_key is store_url_key as an SQL function, for version 11. */
static void
schema_url_key(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const unsigned char	*url = sqlite3_value_text(argv[0]);

	(void)argc;
	if (url == NULL)
		sqlite3_result_null(ctx);
	else
		sqlite3_result_int64(ctx, store_url_key((const char *)url));
}

/* schema_v11_keys computes every url_key again and rebuilds the index. */
static int
schema_v11_keys(sqlite3 *db, char **cause)
{
	int	 rc;

	if (sqlite3_create_function(db, "syndic_url_key", 1, SQLITE_UTF8 |
	    SQLITE_DETERMINISTIC, NULL, schema_url_key, NULL, NULL) !=
	    SQLITE_OK) {
		if (cause != NULL)
			xasprintf(cause, "schema: %s", sqlite3_errmsg(db));
		return (-1);
	}
	rc = schema_run(db, "UPDATE entries SET url_key = "
	    "syndic_url_key(canonical_url) WHERE canonical_url IS NOT NULL;"
	    "CREATE INDEX entries_url ON entries(url_key);", cause);
	sqlite3_create_function(db, "syndic_url_key", 1, SQLITE_UTF8, NULL,
	    NULL, NULL, NULL);
	return (rc);
}

int
schema_migrate(sqlite3 *db, int target, char **cause)
{
	int	 v;

	if ((v = schema_version(db)) < 0) {
		if (cause != NULL)
			xasprintf(cause, "schema: %s", sqlite3_errmsg(db));
		return (-1);
	}
	if (v > SCHEMA_VERSION) {
		if (cause != NULL)
			xasprintf(cause, "schema version %d is newer than this "
			    "syndic (%d)", v, SCHEMA_VERSION);
		return (-1);
	}
	/*
	 * NOTE: auto_vacuum only takes effect on an empty file, so it is set
	 * before the first table exists (retention reclaims space with
	 * incremental_vacuum).
	 */
	if (v == 0 && schema_run(db, "PRAGMA auto_vacuum=INCREMENTAL", cause)
	    == -1)
		return (-1);
	for (; v < target; v++) {
		if (schema_step(db, v + 1, cause) == -1)
			return (-1);
	}
	return (0);
}
