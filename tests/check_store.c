/* check_store.c: tests of storage/: schema, feeds, ingest, stories, output. */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <sqlite3.h>

#include "storage.h"
#include "store_priv.h"
#include "xmalloc.h"

#define NOW	1700000000LL

static char	 db_path[64];

/* tmp_db gives a fresh file name (and removes its leftovers). */
static const char *
tmp_db(void)
{
	char	 p[80];

	snprintf(db_path, sizeof db_path, "/tmp/syndic-store-%d.db",
	    (int)getpid());
	unlink(db_path);
	snprintf(p, sizeof p, "%s-wal", db_path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", db_path);
	unlink(p);
	return (db_path);
}

/* open_new_keep opens the current test store again. */
static struct store *
open_new_keep(void)
{
	struct store	*s;
	char		*cause = NULL;

	s = store_open(db_path, &cause);
	ck_assert_msg(s != NULL, "store_open: %s", cause);
	return (s);
}

static void
rm_db(void)
{
	tmp_db();
}

static struct store *
open_new(void)
{
	struct store	*s;
	char		*cause = NULL;

	s = store_open(tmp_db(), &cause);
	ck_assert_msg(s != NULL, "store_open: %s", cause);
	return (s);
}

/* The words of a generated article: n words drawn from seed. */
static char *
article(unsigned int seed, int n)
{
	static const char *words[] = { "government", "minister", "said",
	    "market", "shares", "rose", "fell", "team", "match", "film",
	    "award", "company", "profit", "election", "vote", "party",
	    "player", "coach", "season", "record", "music", "album", "band",
	    "phone", "mobile", "internet", "users", "software", "bank",
	    "rates", "economy", "growth", "police", "court", "judge", "case",
	    "city", "council", "plan", "school", "children", "health",
	    "hospital", "doctors", "report", "study", "found", "year",
	    "week", "today", "the", "a", "of", "in", "to", "and", "for",
	    "on", "with", "by", "after", "before", "new", "old", "big" };
	char	*s, *p;
	int	 i;
	size_t	 nw = sizeof words / sizeof words[0];

	p = s = xmalloc(n * 12 + 1);
	*p = '\0';
	for (i = 0; i < n; i++) {
		seed = seed * 1103515245 + 12345;
		p += sprintf(p, "%s%s", i ? " " : "",
		    words[(seed >> 16) % nw]);
	}
	return (s);
}

/* mkentry fills an entry (all strings copied). */
static void
mkentry(struct entry *e, const char *id, const char *title, const char *link,
    const char *summary, const char *content, long long published)
{
	memset(e, 0, sizeof *e);
	e->id = xstrdup0(id);
	e->title = xstrdup0(title);
	e->link = xstrdup0(link);
	e->summary = xstrdup0(summary);
	e->content = xstrdup0(content);
	e->published = published;
	e->updated = TIME_UNKNOWN;
}

/* mkdoc builds a document of n entries "ID-i" with articles from seed. */
static struct doc *
mkdoc(const char *prefix, int n, unsigned int seed)
{
	struct doc	*d;
	char		 id[64], link[128], title[64], *text, *html;
	int		 i;

	d = doc_new();
	d->title = xstrdup("Feed");
	d->link = xstrdup("http://example.org/");
	d->entries = xcalloc(n, sizeof *d->entries);
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof id, "%s-%d", prefix, i);
		snprintf(link, sizeof link, "http://example.org/%s/%d", prefix,
		    i);
		snprintf(title, sizeof title, "Story %s %d", prefix, i);
		text = article(seed + i * 7919, 200);
		xasprintf(&html, "<p>%s</p>", text);
		mkentry(&d->entries[i], id, title, link, NULL, html,
		    NOW - 3600 * (n - i));
		free(text);
		free(html);
	}
	d->nentries = n;
	return (d);
}

/* sql_int runs a query on the store's file and returns its integer. */
static long long
sql_int(struct store *s, const char *sql)
{
	sqlite3_stmt	*st;
	long long	 v = -1;

	ck_assert_int_eq(sqlite3_prepare_v2(s->db, sql, -1, &st, NULL),
	    SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return (v);
}

/*
 * sql_text runs a query on the store's file and returns its text (in a
 * static buffer, "" for none).
 */
static const char *
sql_text(struct store *s, const char *sql)
{
	static char	 out[512];
	sqlite3_stmt	*st;

	out[0] = '\0';
	ck_assert_int_eq(sqlite3_prepare_v2(s->db, sql, -1, &st, NULL),
	    SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_text(st, 0) != NULL)
		snprintf(out, sizeof out, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return (out);
}

static long long
add_feed(struct store *s, const char *url)
{
	long long	 id;
	char		*cause = NULL;

	ck_assert_msg(store_feed_upsert(s, url, NULL, NULL, FEED_ORIGIN_CLI,
	    &id, &cause) == 0, "upsert: %s", cause);
	return (id);
}

static void
ingest(struct store *s, long long feed, struct doc *d, long long now,
    struct ingest_stats *st)
{
	char	*cause = NULL;

	ck_assert_msg(store_ingest(s, feed, d, now, st, &cause) == 0,
	    "ingest: %s", cause);
}

/*
 * ingest_prepared stores d as the daemon's writer does for a new feed:
 * prepared ahead (store_prepare with texts) and stored through
 * store_update_many.
 */
static void
ingest_prepared(struct store *s, long long feed, struct doc *d,
    long long now, struct ingest_stats *st)
{
	struct store_update_req	 r;

	memset(&r, 0, sizeof r);
	r.feed_id = feed;
	r.doc = d;
	r.prep = store_prepare(d, 1);
	r.now = now;
	ck_assert_msg(store_update_many(s, &r, 1) == 0 && r.rc == 0,
	    "update: %s", r.cause);
	*st = r.stats;
	store_prep_free(r.prep);
}

/* fts_sync fills the full-text index with every story waiting for it. */
static void
fts_sync(struct store *s)
{
	char	*cause = NULL;

	ck_assert_msg(store_fts_update(s, 0, &cause) == 0, "fts: %s", cause);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM fts_todo"), 0);
}

START_TEST(test_open_pragmas)
{
	struct store	*s;
	sqlite3		*db;
	sqlite3_stmt	*st;
	struct stat	 sb;
	char		 wal[80];

	s = open_new();
	ck_assert_int_eq(sql_int(s, "PRAGMA user_version"), SCHEMA_VERSION);
	ck_assert_int_eq(sql_int(s, "PRAGMA foreign_keys"), 1);
	ck_assert_int_eq(sql_int(s, "PRAGMA synchronous"), 1);	/* NORMAL */
	ck_assert_int_eq(sql_int(s, "PRAGMA auto_vacuum"), 2);	/* INCR */
	store_close(s);
	/* Opening an existing store writes nothing (no WAL frame, no sync). */
	s = open_new_keep();
	snprintf(wal, sizeof wal, "%s-wal", db_path);
	ck_assert_int_eq(stat(wal, &sb), 0);
	ck_assert_int_eq(sb.st_size, 0);
	ck_assert_int_eq(sql_int(s, "PRAGMA auto_vacuum"), 2);
	store_close(s);
	ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	sqlite3_close(db);
	rm_db();
}
END_TEST

START_TEST(test_feeds)
{
	struct store	*s;
	struct feed_row	*rows, r;
	long long	 id, id2;
	int		 n;
	char		*cause = NULL;

	s = open_new();
	id = add_feed(s, "http://a.example/feed");
	ck_assert_int_eq(store_feed_upsert(s, "http://a.example/feed", "A",
	    "news,world", FEED_ORIGIN_CONFIG, &id2, NULL), 0);
	ck_assert_int_eq(id, id2);
	add_feed(s, "http://b.example/feed");
	ck_assert_int_eq(store_feed_list(s, &rows, &n, NULL), 0);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(rows[0].title, "A");
	ck_assert_str_eq(rows[0].tags, "news,world");
	ck_assert_int_eq(rows[0].origin, FEED_ORIGIN_CONFIG);
	ck_assert_ptr_null(rows[1].title);
	ck_assert_int_eq(rows[1].last_fetch, TIME_UNKNOWN);
	feed_rows_free(rows, n);
	/* A command-line add of a configured feed stays configured. */
	store_feed_upsert(s, "http://a.example/feed", NULL, NULL,
	    FEED_ORIGIN_CLI, NULL, NULL);
	ck_assert_int_eq(store_feed_get(s, id, &r, NULL), 0);
	ck_assert_int_eq(r.origin, FEED_ORIGIN_CONFIG);
	ck_assert_str_eq(r.title, "A");
	feed_row_clear(&r);
	ck_assert_int_eq(store_feeds_due(s, NOW, &rows, &n, NULL), 0);
	ck_assert_int_eq(n, 2);
	feed_rows_free(rows, n);
	ck_assert_int_eq(store_feed_find(s, "http://b.example/feed"), id + 1);
	ck_assert_int_eq(store_feed_remove(s, "2", NULL), 0);
	ck_assert_int_eq(store_feed_remove(s, "http://a.example/feed", NULL),
	    0);
	ck_assert_int_eq(store_feed_remove(s, "http://a.example/feed",
	    &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "no such feed"));
	free(cause);
	ck_assert_int_eq(store_feed_list(s, &rows, &n, NULL), 0);
	ck_assert_int_eq(n, 0);
	free(rows);
	ck_assert_int_eq(store_feed_upsert(s, "", NULL, NULL, 1, NULL, NULL),
	    -1);
	store_close(s);
	rm_db();
}
END_TEST

START_TEST(test_record)
{
	struct store		*s;
	struct fetch_record	 rec;
	struct feed_row		 r, *rows;
	long long		 id;
	int			 n;

	s = open_new();
	id = add_feed(s, "http://a.example/feed");
	memset(&rec, 0, sizeof rec);
	rec.when = NOW;
	rec.status = 200;
	rec.etag = "\"v1\"";
	rec.last_modified = "Tue, 14 Nov 2023 22:13:20 GMT";
	rec.body_hash = "abc";
	rec.next_poll = NOW + 1800;
	rec.interval = 1800;
	ck_assert_int_eq(store_feed_record(s, id, &rec, NULL), 0);
	ck_assert_int_eq(store_feed_get(s, id, &r, NULL), 0);
	ck_assert_str_eq(r.etag, "\"v1\"");
	ck_assert_int_eq(r.last_success, NOW);
	ck_assert_int_eq(r.next_poll, NOW + 1800);
	feed_row_clear(&r);
	ck_assert_int_eq(store_feeds_due(s, NOW, &rows, &n, NULL), 0);
	ck_assert_int_eq(n, 0);
	free(rows);
	ck_assert_int_eq(store_feed_next_poll(s), NOW + 1800);
	/* A failure keeps the validators and counts. */
	memset(&rec, 0, sizeof rec);
	rec.when = NOW + 1800;
	rec.status = 503;
	rec.error = "HTTP 503";
	rec.failures = 1;
	rec.next_poll = NOW + 3600;
	ck_assert_int_eq(store_feed_record(s, id, &rec, NULL), 0);
	ck_assert_int_eq(store_feed_get(s, id, &r, NULL), 0);
	ck_assert_str_eq(r.etag, "\"v1\"");
	ck_assert_str_eq(r.last_error, "HTTP 503");
	ck_assert_int_eq(r.last_status, 503);
	ck_assert_int_eq(r.failures, 1);
	ck_assert_int_eq(r.last_success, NOW);
	feed_row_clear(&r);
	/* A permanent move renames the feed; retire stops polling it. */
	memset(&rec, 0, sizeof rec);
	rec.when = NOW + 3600;
	rec.status = 301;
	rec.new_url = "http://a.example/new";
	rec.retire = 1;
	ck_assert_int_eq(store_feed_record(s, id, &rec, NULL), 0);
	ck_assert_int_eq(store_feed_find(s, "http://a.example/new"), id);
	ck_assert_int_eq(store_feeds_due(s, NOW * 2, &rows, &n, NULL), 0);
	ck_assert_int_eq(n, 0);
	free(rows);
	/* Subscribing again revives it. */
	add_feed(s, "http://a.example/new");
	ck_assert_int_eq(store_feeds_due(s, NOW * 2, &rows, &n, NULL), 0);
	ck_assert_int_eq(n, 1);
	feed_rows_free(rows, n);
	ck_assert_int_eq(store_feed_record(s, 999, &rec, NULL), -1);
	store_close(s);
	rm_db();
}
END_TEST

START_TEST(test_records_batch)
{
	struct store		*s;
	struct fetch_record	 rec[3];
	struct feed_row		 r;
	long long		 ids[3], commits;
	int			 missing = -1;

	s = open_new();
	ids[0] = add_feed(s, "http://a.example/feed");
	ids[1] = add_feed(s, "http://b.example/feed");
	ids[2] = 999;			/* removed while it was fetched */
	memset(rec, 0, sizeof rec);
	rec[0].when = rec[1].when = rec[2].when = NOW;
	rec[0].status = 304;
	rec[0].etag = "\"v1\"";
	rec[0].next_poll = NOW + 1800;
	rec[1].status = 500;
	rec[1].error = "HTTP 500";
	rec[1].failures = 1;
	rec[1].next_poll = NOW + 600;
	rec[2].status = 304;
	commits = s->commits;
	ck_assert_int_eq(store_feed_records(s, ids, rec, 3, &missing, NULL),
	    0);
	/* One transaction for all of them; the missing feed is counted. */
	ck_assert_int_eq(s->commits, commits + 1);
	ck_assert_int_eq(missing, 1);
	ck_assert_int_eq(store_feed_get(s, ids[0], &r, NULL), 0);
	ck_assert_int_eq(r.last_status, 304);
	ck_assert_str_eq(r.etag, "\"v1\"");
	ck_assert_int_eq(r.next_poll, NOW + 1800);
	ck_assert_int_eq(r.last_success, NOW);
	feed_row_clear(&r);
	ck_assert_int_eq(store_feed_get(s, ids[1], &r, NULL), 0);
	ck_assert_int_eq(r.failures, 1);
	ck_assert_str_eq(r.last_error, "HTTP 500");
	ck_assert_int_eq(r.next_poll, NOW + 600);
	feed_row_clear(&r);
	ck_assert_int_eq(store_feed_records(s, ids, rec, 0, &missing, NULL),
	    0);
	ck_assert_int_eq(s->commits, commits + 1);
	store_close(s);
	rm_db();
}
END_TEST

START_TEST(test_keep_wal_and_poll_list)
{
	struct store	*s;
	struct feed_row	*rows;
	struct stat	 sb;
	char		 wal[80];
	long long	 id;
	int		 n;

	s = open_new();
	store_keep_wal(s);
	id = add_feed(s, "http://a.example/feed");
	ck_assert_int_eq(store_set_memory(s, 1024, 0, NULL), 0);
	ck_assert_int_eq(sql_int(s, "PRAGMA cache_size"), -1024);
	ck_assert_int_eq(sql_int(s, "PRAGMA mmap_size"), 0);
	/* The scheduler's list: every feed, without counting entries. */
	ck_assert_int_eq(store_feed_list_poll(s, &rows, &n, NULL), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(rows[0].id, id);
	ck_assert_str_eq(rows[0].url, "http://a.example/feed");
	ck_assert_int_eq(rows[0].nentries, -1);
	feed_rows_free(rows, n);
	store_close(s);
	/* Closed without a checkpoint: the log is still there, and read. */
	snprintf(wal, sizeof wal, "%s-wal", db_path);
	ck_assert_int_eq(stat(wal, &sb), 0);
	ck_assert_int_gt(sb.st_size, 0);
	s = open_new_keep();
	ck_assert_int_eq(store_feed_find(s, "http://a.example/feed"), id);
	store_close(s);
	ck_assert_int_ne(stat(wal, &sb), 0);	/* an ordinary close */
	rm_db();
}
END_TEST

START_TEST(test_ingest_idempotent)
{
	struct store		*s;
	struct doc		*d;
	struct ingest_stats	 st;
	struct feed_row		 r;
	long long		 feed, v;

	s = open_new();
	feed = add_feed(s, "http://a.example/feed");
	d = mkdoc("a", 20, 1);
	ingest(s, feed, d, NOW, &st);
	ck_assert_int_eq(st.added, 20);
	ck_assert_int_eq(st.folded, 0);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM entries"), 20);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM story"), 20);
	v = store_version(s);
	ingest(s, feed, d, NOW, &st);
	ck_assert_int_eq(st.added, 0);
	ck_assert_int_eq(st.unchanged, 20);
	ck_assert_int_eq(store_version(s), v);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM entries"), 20);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM story"), 20);
	ck_assert_int_eq(sql_int(s, "SELECT sum(revisions) FROM entries"), 0);
	/* The feed's site and title follow the document. */
	ck_assert_int_eq(store_feed_get(s, feed, &r, NULL), 0);
	ck_assert_str_eq(r.title, "Feed");
	ck_assert_str_eq(r.site_url, "http://example.org/");
	ck_assert_int_eq(r.nentries, 20);
	feed_row_clear(&r);
	/* Full-text index has one row per story, once filled. */
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM fts_todo"), 20);
	fts_sync(s);
	ck_assert_int_eq(store_version(s), v);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM story_fts WHERE "
	    "story_fts MATCH 'story'"), 20);
	doc_free(d);
	store_close(s);
	rm_db();
}
END_TEST

START_TEST(test_ingest_update)
{
	struct store		*s;
	struct doc		*d;
	struct ingest_stats	 st;
	long long		 feed, v;

	s = open_new();
	feed = add_feed(s, "http://a.example/feed");
	d = mkdoc("a", 3, 1);
	ingest(s, feed, d, NOW, &st);
	fts_sync(s);
	v = store_version(s);
	free(d->entries[1].title);
	d->entries[1].title = xstrdup("A corrected headline");
	d->entries[1].updated = NOW + 60;
	ingest(s, feed, d, NOW + 60, &st);
	ck_assert_int_eq(st.updated, 1);
	ck_assert_int_eq(st.unchanged, 2);
	ck_assert_int_eq(st.added, 0);
	ck_assert_int_ne(store_version(s), v);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM entries"), 3);
	ck_assert_int_eq(sql_int(s, "SELECT revisions FROM entries WHERE "
	    "guid = 'a-1'"), 1);
	ck_assert_int_eq(sql_int(s, "SELECT updated FROM entries WHERE "
	    "guid = 'a-1'"), NOW + 60);
	/* The index follows the new title, and forgot the old one. */
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM fts_todo"), 1);
	fts_sync(s);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM story_fts WHERE "
	    "story_fts MATCH 'corrected'"), 1);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM story_fts WHERE "
	    "story_fts MATCH 'title:story AND title:1'"), 0);
	/* Within a document, the first of two equal GUIDs wins. */
	free(d->entries[2].id);
	d->entries[2].id = xstrdup("a-1");
	ingest(s, feed, d, NOW + 120, &st);
	ck_assert_int_eq(st.updated + st.added, 0);
	doc_free(d);
	store_close(s);
	rm_db();
}
END_TEST

START_TEST(test_fold_url_and_text)
{
	struct store		*s;
	struct doc		*a, *b;
	struct ingest_stats	 st;
	long long		 fa, fb;
	struct store		*o;
	char			*text, *sql, *cause = NULL, first[512];
	char			 other[80];
	/* _i 1: prepared ahead, as syndic poll and the daemon store a new feed. */
	void			(*put)(struct store *, long long, struct doc *,
				    long long, struct ingest_stats *) =
				    _i ? ingest_prepared : ingest;

	s = open_new();
	fa = add_feed(s, "http://a.example/feed");
	fb = add_feed(s, "http://b.example/feed");
	a = mkdoc("a", 5, 1);
	put(s, fa, a, NOW, &st);
	/* b carries: entry 0 by URL, entry 1 edited text, 2 a summary. */
	b = mkdoc("b", 5, 1000);
	free(b->entries[0].link);
	b->entries[0].link = xstrdup(a->entries[0].link);
	free(b->entries[1].content);
	xasprintf(&b->entries[1].content, "%s<p>Copyright b.example, all "
	    "rights reserved. Subscribe now.</p>", a->entries[1].content);
	text = article(1 + 2 * 7919, 40);
	free(b->entries[2].content);
	b->entries[2].content = NULL;
	xasprintf(&b->entries[2].summary, "%s ...", text);
	free(text);
	put(s, fb, b, NOW + 600, &st);
	ck_assert_int_eq(st.added, 5);
	ck_assert_int_eq(st.folded, 3);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM story"), 7);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM stories WHERE "
	    "sources = 2"), 3);
	/* The head stays the earliest full version (a's). */
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM stories s JOIN "
	    "entries e ON e.id = s.entry_id WHERE s.sources = 2 AND "
	    "e.feed_id = 1"), 3);
	/* Different articles (other seeds) never fold. */
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM story WHERE "
	    "nentries = 1"), 4);
	/* The plain text and keys are the same whoever made them. */
	snprintf(first, sizeof first, "%s", sql_text(s, "SELECT substr(text, "
	    "1, 200) FROM entries WHERE id = 2"));
	ck_assert(strlen(first) > 100 && strchr(first, '<') == NULL);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM dedup_log"), 10);
	if (_i) {
		/*
		 * The same documents stored without preparing, in another
		 * file: the same plain text, stories and keys, entry by entry.
		 */
		snprintf(other, sizeof other, "%s-b", db_path);
		unlink(other);
		o = store_open(other, &cause);
		ck_assert_msg(o != NULL, "store_open: %s", cause);
		ck_assert_int_eq(add_feed(o, "http://a.example/feed"), fa);
		ck_assert_int_eq(add_feed(o, "http://b.example/feed"), fb);
		ingest(o, fa, a, NOW, &st);
		ingest(o, fb, b, NOW + 600, &st);
		store_close(o);
		xasprintf(&sql, "ATTACH '%s' AS b", other);
		ck_assert_int_eq(sqlite3_exec(s->db, sql, NULL, NULL, NULL),
		    SQLITE_OK);
		free(sql);
		ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM main.entries "
		    "x JOIN b.entries y USING (id) WHERE x.text = y.text AND "
		    "x.story_id = y.story_id"), 10);
		ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM "
		    "main.dedup_log x JOIN b.dedup_log y USING (id) WHERE "
		    "x.keys = y.keys AND x.entry_id = y.entry_id"), 10);
		ck_assert_int_eq(sqlite3_exec(s->db, "DETACH b", NULL, NULL,
		    NULL), SQLITE_OK);
		unlink(other);
	}
	doc_free(a);
	doc_free(b);
	store_close(s);
	rm_db();
}
END_TEST

START_TEST(test_head_becomes_full)
{
	struct store		*s;
	struct doc		*a, *b;
	struct ingest_stats	 st;
	long long		 fa, fb;
	char			*text;

	s = open_new();
	fa = add_feed(s, "http://a.example/feed");
	fb = add_feed(s, "http://b.example/feed");
	/* a has only a summary; b later brings the full text. */
	b = mkdoc("b", 1, 5);
	a = mkdoc("a", 1, 77);
	text = article(5, 40);
	free(a->entries[0].content);
	a->entries[0].content = NULL;
	a->entries[0].summary = text;
	ingest(s, fa, a, NOW, &st);
	ingest(s, fb, b, NOW + 60, &st);
	ck_assert_int_eq(st.folded, 1);
	ck_assert_int_eq(sql_int(s, "SELECT e.feed_id FROM story s JOIN "
	    "entries e ON e.id = s.entry_id"), fb);
	fts_sync(s);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM story_fts WHERE "
	    "story_fts MATCH '\"Story b 0\"'"), 1);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM story_fts WHERE "
	    "story_fts MATCH '\"Story a 0\"'"), 0);
	doc_free(a);
	doc_free(b);
	store_close(s);
	rm_db();
}
END_TEST

START_TEST(test_channel)
{
	struct store	*s;
	struct doc	*a, *b;
	struct channel	*ch;
	long long	 fa, fb;
	char		*cursor, *cause = NULL;
	int		 seen = 0;

	s = open_new();
	fa = add_feed(s, "http://a.example/feed");
	fb = add_feed(s, "http://b.example/feed");
	store_feed_upsert(s, "http://b.example/feed", "B", "tech", 1, NULL,
	    NULL);
	a = mkdoc("a", 10, 1);
	b = mkdoc("b", 5, 1);	/* the same texts: folds into a's stories */
	ingest(s, fa, a, NOW, NULL);
	ingest(s, fb, b, NOW, NULL);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM story"), 10);
	ck_assert_int_eq(sql_int(s, "INSERT INTO related VALUES (10, 9, 0.5, "
	    "1) RETURNING 1"), 1);
	ch = store_channel(s, NULL, NULL, 4, 5, &cause);
	ck_assert_msg(ch != NULL, "%s", cause);
	ck_assert_int_eq(ch->nitems, 4);
	ck_assert_str_eq(ch->items[0].title, "Story a 9");
	ck_assert_str_eq(ch->items[0].source.title, "Feed");
	ck_assert_str_eq(ch->items[0].source.feed_url,
	    "http://a.example/feed");
	ck_assert_int_eq(ch->items[0].nalso, 0);
	ck_assert_int_eq(ch->items[0].nrelated, 1);
	ck_assert_str_eq(ch->items[0].related[0].title, "Story a 8");
	ck_assert_str_eq(ch->items[0].related[0].source, "Feed");
	ck_assert_ptr_nonnull(ch->next);
	/* Page through: every story once, newest first. */
	cursor = NULL;
	channel_free(ch);
	for (;;) {
		ch = store_channel(s, NULL, cursor, 3, 0, NULL);
		ck_assert_ptr_nonnull(ch);
		seen += ch->nitems;
		free(cursor);
		cursor = xstrdup0(ch->next);
		channel_free(ch);
		if (cursor == NULL)
			break;
	}
	ck_assert_int_eq(seen, 10);
	/* The tag feed has the stories b carried, with a as the source. */
	ch = store_channel(s, "tech", NULL, 50, 0, NULL);
	ck_assert_int_eq(ch->nitems, 5);
	ck_assert_str_eq(ch->items[0].title, "Story a 4");
	ck_assert_int_eq(ch->items[0].nalso, 1);
	ck_assert_str_eq(ch->items[0].also[0].title, "B");
	ck_assert_str_eq(ch->items[0].also[0].entry_url,
	    "http://example.org/b/4");
	ck_assert_ptr_null(ch->next);
	channel_free(ch);
	ck_assert_ptr_null(store_channel(s, NULL, "junk", 5, 0, &cause));
	free(cause);
	doc_free(a);
	doc_free(b);
	store_close(s);
	rm_db();
}
END_TEST

START_TEST(test_channel_tag_plans)
{
	struct store	*s;
	struct doc	*a, *b;
	struct channel	*all, *ch;
	long long	 fa, fb;
	char		*cursor = NULL;
	int		 n = 0;

	/*
	 * A tag's page is read one of two ways (merged.c): by walking the
	 * stories (its feeds hold many entries: pages of one) or from its
	 * feeds' entries (few: one page of all).  Both give the same list.
	 */
	s = open_new();
	fa = add_feed(s, "http://a.example/feed");
	fb = add_feed(s, "http://b.example/feed");
	store_feed_upsert(s, "http://a.example/feed", NULL, "t", 1, NULL,
	    NULL);
	a = mkdoc("a", 300, 1);
	b = mkdoc("b", 300, 100000);
	ingest(s, fa, a, NOW, NULL);
	ingest(s, fb, b, NOW + 60, NULL);
	all = store_channel(s, "t", NULL, 1000, 0, NULL);
	ck_assert_int_eq(all->nitems, 300);
	for (;;) {
		ch = store_channel(s, "t", cursor, 1, 0, NULL);
		ck_assert_ptr_nonnull(ch);
		ck_assert_int_eq(ch->nitems, 1);
		ck_assert_int_eq(ch->items[0].story_id,
		    all->items[n].story_id);
		ck_assert_ptr_nonnull(strstr(ch->items[0].title, "Story a"));
		n++;
		free(cursor);
		cursor = xstrdup0(ch->next);
		channel_free(ch);
		if (cursor == NULL)
			break;
	}
	ck_assert_int_eq(n, 300);
	channel_free(all);
	doc_free(a);
	doc_free(b);
	store_close(s);
	rm_db();
}
END_TEST

/*
 * fts_ok runs FTS5's own integrity check on the index, and checks that
 * every story is indexed once or waits to be (fts_todo), never both.
 */
static int
fts_ok(struct store *s)
{
	return (sqlite3_exec(s->db, "INSERT INTO story_fts(story_fts) "
	    "VALUES ('integrity-check')", NULL, NULL, NULL) == SQLITE_OK &&
	    sql_int(s, "SELECT (SELECT count(*) FROM story_fts) + (SELECT "
	    "count(*) FROM fts_todo) - (SELECT count(*) FROM story)") == 0 &&
	    sql_int(s, "SELECT count(*) FROM story_fts WHERE rowid IN (SELECT "
	    "story_id FROM fts_todo) OR rowid NOT IN (SELECT id FROM story)")
	    == 0);
}

START_TEST(test_remove_mends_stories)
{
	struct store	*s;
	struct doc	*a, *b;
	long long	 fa, fb;

	s = open_new();
	fa = add_feed(s, "http://a.example/feed");
	fb = add_feed(s, "http://b.example/feed");
	a = mkdoc("a", 6, 1);
	b = mkdoc("b", 3, 1);
	ingest(s, fa, a, NOW, NULL);
	ingest(s, fb, b, NOW + 60, NULL);
	fts_sync(s);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM stories WHERE "
	    "sources = 2"), 3);
	ck_assert_int_eq(sql_int(s, "INSERT INTO related VALUES (1, 5, 0.5, 1)"
	    " RETURNING 1"), 1);
	ck_assert_int_eq(store_feed_remove(s, "1", NULL), 0);
	/* b's copies now head their stories; a's own stories are gone. */
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM story"), 3);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM stories WHERE "
	    "sources = 1 AND entries = 1 AND source = 'Feed'"), 3);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM related"), 0);
	/* The new heads wait to be indexed again; the old rows are gone. */
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM fts_todo"), 3);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM story_fts WHERE "
	    "story_fts MATCH 'title:a'"), 0);
	fts_sync(s);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM story_fts WHERE "
	    "story_fts MATCH 'title:b'"), 3);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM story_fts WHERE "
	    "story_fts MATCH 'title:a'"), 0);
	ck_assert(fts_ok(s));
	ck_assert_int_eq(store_check(s, NULL), 0);
	doc_free(a);
	doc_free(b);
	store_close(s);
	rm_db();
}
END_TEST

/*
 * test_clean stands for the sanitizer: it marks what went through it and
 * the base it was given, so the test sees each field was cleaned.
 */
static char *
test_clean(const char *html, size_t len, const char *base)
{
	char	*s;

	xasprintf(&s, "[clean %.*s @%s]", (int)len, html,
	    base != NULL ? base : "-");
	return (s);
}

/* chan_content returns the content of the channel's item with title t. */
static char *
chan_content(struct store *s, const char *t)
{
	struct channel	*ch;
	char		*c = NULL, *cause = NULL;
	int		 i;

	ch = store_channel(s, NULL, NULL, 50, 0, &cause);
	ck_assert_msg(ch != NULL, "%s", cause);
	for (i = 0; i < ch->nitems; i++) {
		if (strcmp(ch->items[i].title, t) == 0) {
			c = xstrdup0(ch->items[i].content);
			break;
		}
	}
	ck_assert_msg(i < ch->nitems, "no item %s", t);
	channel_free(ch);
	return (c);
}

START_TEST(test_entry_html)
{
	struct store	*s;
	struct doc	*d;
	long long	 feed;
	char		*c;

	s = open_new();
	feed = add_feed(s, "http://a.example/feed");
	d = mkdoc("a", 3, 1);
	free(d->entries[1].content);
	d->entries[1].content = xstrdup("<img src=x onerror=alert(1)>");
	d->entries[1].content_base = xstrdup("http://a.example/dir/");
	ingest(s, feed, d, NOW, NULL);
	/* The store keeps what the publisher sent... */
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM entries WHERE "
	    "content = '<img src=x onerror=alert(1)>' AND content_base = "
	    "'http://a.example/dir/'"), 1);
	/* ...and without a sanitizer never lets it out. */
	c = chan_content(s, "Story a 1");
	ck_assert_ptr_null(c);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM entry_html"), 0);
	/* Published: sanitized once, with its base, and kept. */
	store_set_cleaner(s, test_clean);
	c = chan_content(s, "Story a 1");
	ck_assert_str_eq(c, "[clean <img src=x onerror=alert(1)> "
	    "@http://a.example/dir/]");
	free(c);
	ck_assert_int_eq(s->cleaned, 3);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM entry_html WHERE "
	    "revision = 0"), 3);
	c = chan_content(s, "Story a 1");
	ck_assert_ptr_nonnull(strstr(c, "[clean <img"));
	free(c);
	ck_assert_int_eq(s->cleaned, 3);	/* served from entry_html */
	/* A new revision is sanitized again, and only it. */
	free(d->entries[1].content);
	d->entries[1].content = xstrdup("<p>second <script>x</script></p>");
	ingest(s, feed, d, NOW + 60, NULL);
	c = chan_content(s, "Story a 1");
	ck_assert_str_eq(c, "[clean <p>second <script>x</script></p> "
	    "@http://a.example/dir/]");
	free(c);
	ck_assert_int_eq(s->cleaned, 4);
	ck_assert_int_eq(sql_int(s, "SELECT revision FROM entry_html h JOIN "
	    "entries e ON e.id = h.entry_id WHERE e.guid = 'a-1'"), 1);
	/* After a restart: what was kept is served, nothing sanitized. */
	store_close(s);
	s = open_new_keep();
	store_set_cleaner(s, test_clean);
	c = chan_content(s, "Story a 1");
	ck_assert_str_eq(c, "[clean <p>second <script>x</script></p> "
	    "@http://a.example/dir/]");
	free(c);
	ck_assert_int_eq(s->cleaned, 0);
	/* Kept HTML goes with its entry. */
	ck_assert_int_eq(store_feed_remove(s, "1", NULL), 0);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM entry_html"), 0);
	ck_assert_int_eq(store_check(s, NULL), 0);
	doc_free(d);
	store_close(s);
	rm_db();
}
END_TEST

START_TEST(test_entry_html_busy)
{
	struct store	*s;
	struct doc	*d;
	sqlite3		*db;
	long long	 feed;
	char		*c;

	s = open_new();
	feed = add_feed(s, "http://a.example/feed");
	d = mkdoc("a", 2, 1);
	ingest(s, feed, d, NOW, NULL);
	store_set_cleaner(s, test_clean);
	/* Another writer holds the lock: served sanitized, not kept. */
	ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL,
	    NULL), SQLITE_OK);
	c = chan_content(s, "Story a 0");
	ck_assert_ptr_nonnull(c);
	ck_assert(strncmp(c, "[clean <p>", 10) == 0);
	free(c);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(db);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM entry_html"), 0);
	ck_assert_int_eq(s->cleaned, 2);
	c = chan_content(s, "Story a 0");
	free(c);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM entry_html"), 2);
	ck_assert_int_eq(s->cleaned, 4);
	doc_free(d);
	store_close(s);
	rm_db();
}
END_TEST

START_TEST(test_retention_age_tombstones)
{
	struct store		*s;
	struct doc		*d;
	struct ingest_stats	 st;
	long long		 feed, pages;
	int			 i;
	char			*cause = NULL;

	s = open_new();
	feed = add_feed(s, "http://a.example/feed");
	/* One new entry a day for 30 days; the feed lists them all. */
	d = mkdoc("a", 30, 1);
	for (i = 1; i <= 30; i++) {
		d->nentries = i;
		ingest(s, feed, d, NOW + i * 86400LL, &st);
		ck_assert_int_eq(st.added, 1);
	}
	pages = sql_int(s, "PRAGMA page_count");
	ck_assert_msg(store_retention(s, 10 * 86400, 0, 3, NOW + 30 * 86400LL,
	    &cause) == 0, "%s", cause);
	/* First seen on days 20..30 stay (within 10 days of day 30). */
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM entries"), 11);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM story"), 11);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM tombstones"), 19);
	ck_assert_int_le(sql_int(s, "PRAGMA page_count"), pages);
	ck_assert_int_eq(sql_int(s, "PRAGMA freelist_count"), 0);
	/* The feed still lists them: they do not come back. */
	ingest(s, feed, d, NOW + 31 * 86400LL, &st);
	ck_assert_int_eq(st.added, 0);
	ck_assert_int_eq(st.unchanged, 30);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM entries"), 11);
	/* Tombstones go once the feed stops listing their entries. */
	d->nentries = 0;
	ck_assert_int_eq(store_retention(s, 0, 0, 3, NOW + 90 * 86400LL,
	    NULL), 0);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM tombstones"), 0);
	/* Old keys go too, all but the newest row (ids keep growing). */
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM dedup_log"), 1);
	ck_assert(fts_ok(s));
	d->nentries = 30;
	doc_free(d);
	store_close(s);
	rm_db();
}
END_TEST

START_TEST(test_retention_keeps_output)
{
	struct store	*s;
	struct doc	*a, *b;
	struct channel	*before, *after;
	long long	 fa, fb;
	int		 i;

	s = open_new();
	fa = add_feed(s, "http://a.example/feed");
	fb = add_feed(s, "http://b.example/feed");
	store_feed_upsert(s, "http://b.example/feed", NULL, "slow", 1, NULL,
	    NULL);
	b = mkdoc("b", 4, 500);		/* old stories of a tagged feed */
	ingest(s, fb, b, NOW, NULL);
	a = mkdoc("a", 20, 1);
	for (i = 0; i < 20; i++)
		a->entries[i].published += 100 * 86400LL;
	ingest(s, fa, a, NOW + 100 * 86400LL, NULL);
	before = store_channel(s, NULL, NULL, 10, 0, NULL);
	/* max_entries 2 per feed, but the first 10 stories stay. */
	ck_assert_int_eq(store_retention(s, 50 * 86400LL, 2, 10,
	    NOW + 100 * 86400LL, NULL), 0);
	after = store_channel(s, NULL, NULL, 10, 0, NULL);
	ck_assert_int_eq(before->nitems, 10);
	ck_assert_int_eq(after->nitems, 10);
	for (i = 0; i < 10; i++)
		ck_assert_str_eq(before->items[i].title, after->items[i].title);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM entries WHERE "
	    "feed_id = 1"), 10);
	/* The tag's page (b's 4 stories) is output too: kept despite age. */
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM entries WHERE "
	    "feed_id = 2"), 4);
	channel_free(before);
	channel_free(after);
	ck_assert_int_eq(store_retention(s, 50 * 86400LL, 2, 2,
	    NOW + 100 * 86400LL, NULL), 0);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM entries"), 4);
	doc_free(a);
	doc_free(b);
	store_close(s);
	rm_db();
}
END_TEST

START_TEST(test_fts_batches)
{
	struct store	*s;
	struct doc	*a, *b;
	long long	 fa, fb, v;
	char		*cause = NULL;
	int		 i;

	s = open_new();
	fa = add_feed(s, "http://a.example/feed");
	fb = add_feed(s, "http://b.example/feed");
	a = mkdoc("a", 5, 1);
	ingest(s, fa, a, NOW, NULL);
	/* Nothing indexed at ingest; batches take the oldest first. */
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM story_fts WHERE "
	    "story_fts MATCH 'story'"), 0);
	v = store_version(s);
	ck_assert_int_eq(store_fts_update(s, 2, &cause), 1);
	ck_assert_int_eq(store_version(s), v);	/* the output is the same */
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM story_fts WHERE "
	    "story_fts MATCH 'story'"), 2);
	ck_assert_int_eq(sql_int(s, "SELECT min(story_id) FROM fts_todo"), 3);
	/*
	 * A queued story whose head changes, and one that goes, while
	 * waiting: b's copies of a-3 and a-4 (full texts that are longer)
	 * take the heads, then a's feed goes.
	 */
	b = mkdoc("b", 2, 1);
	for (i = 0; i < 2; i++) {
		free(b->entries[i].link);
		b->entries[i].link = xstrdup(a->entries[i == 0 ? 3 : 0].link);
		free(b->entries[i].content);
		b->entries[i].content = article(9000 + i, 500);
	}
	ingest(s, fb, b, NOW + 60, NULL);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM story s JOIN "
	    "entries e ON e.id = s.entry_id WHERE e.feed_id = 2"), 2);
	ck_assert_int_eq(store_feed_remove(s, "1", NULL), 0);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM story"), 2);
	fts_sync(s);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM story_fts WHERE "
	    "story_fts MATCH 'story'"), 2);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM story_fts WHERE "
	    "story_fts MATCH 'title:a'"), 0);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM story_fts WHERE "
	    "story_fts MATCH 'title:b'"), 2);
	ck_assert(fts_ok(s));
	ck_assert_int_eq(store_fts_update(s, 10, NULL), 0);
	doc_free(a);
	doc_free(b);
	store_close(s);
	rm_db();
}
END_TEST

START_TEST(test_keys_other_writer)
{
	struct store		*s, *t;
	struct doc		*a, *b, *c, *d;
	struct ingest_stats	 st;
	long long		 fa, fb, fc;

	s = open_new();
	fa = add_feed(s, "http://a.example/feed");
	fb = add_feed(s, "http://b.example/feed");
	fc = add_feed(s, "http://c.example/feed");
	a = mkdoc("a", 3, 1);
	ingest(s, fa, a, NOW, NULL);	/* s reads the keys into memory */
	/* Another process stores b's articles... */
	t = open_new_keep();
	b = mkdoc("b", 3, 500);
	ingest(t, fb, b, NOW + 60, NULL);
	store_close(t);
	/* ...and s folds c's copies of them (other links) all the same. */
	c = mkdoc("c", 3, 500);
	ingest(s, fc, c, NOW + 120, &st);
	ck_assert_int_eq(st.folded, 3);
	/* A rolled-back update leaves no key behind, in memory or not. */
	ck_assert_int_eq(sqlite3_exec(s->db, "PRAGMA max_page_count = 1",
	    NULL, NULL, NULL), SQLITE_OK);
	d = mkdoc("d", 3, 500);
	ck_assert_int_eq(store_ingest(s, fa, d, NOW + 180, &st, NULL), -1);
	sqlite3_exec(s->db, "PRAGMA max_page_count = 1000000", NULL, NULL,
	    NULL);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM entries"), 9);
	ingest(s, fa, d, NOW + 240, &st);
	ck_assert_int_eq(st.added, 3);
	ck_assert_int_eq(st.folded, 3);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM story"), 6);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM stories WHERE "
	    "sources = 3"), 3);
	doc_free(a);
	doc_free(b);
	doc_free(c);
	doc_free(d);
	store_close(s);
	rm_db();
}
END_TEST

/* fnv adds a string to the content hash of earlier versions (FNV-1a). */
static unsigned long long
fnv(unsigned long long h, const char *s)
{
	if (s == NULL)
		return ((h ^ 0xff) * 0x100000001b3ULL);
	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return ((h ^ 0xfe) * 0x100000001b3ULL);
}

START_TEST(test_old_content_hash)
{
	struct store		*s;
	struct doc		*d;
	struct ingest_stats	 st;
	const struct entry	*e;
	unsigned long long	 h = 0xcbf29ce484222325ULL;
	long long		 feed;
	char			 num[64], sql[256];

	s = open_new();
	feed = add_feed(s, "http://a.example/feed");
	d = mkdoc("a", 2, 3);
	ingest(s, feed, d, NOW, NULL);
	/* An entry stored by an earlier syndic: the hash of that time. */
	e = &d->entries[0];
	h = fnv(fnv(fnv(h, e->title), e->link), e->author);
	snprintf(num, sizeof num, "%lld %lld", e->published, e->updated);
	h = fnv(fnv(fnv(fnv(fnv(h, num), e->summary), e->content), NULL),
	    NULL);
	snprintf(sql, sizeof sql, "UPDATE entries SET content_hash = %lld "
	    "WHERE guid = '%s'", (long long)h, e->id);
	ck_assert_int_eq(sqlite3_exec(s->db, sql, NULL, NULL, NULL),
	    SQLITE_OK);
	ingest(s, feed, d, NOW + 60, &st);
	ck_assert_int_eq(st.unchanged, 2);
	ck_assert_int_eq(st.updated, 0);
	/* Neither kind: the entry changed. */
	ck_assert_int_eq(sqlite3_exec(s->db, "UPDATE entries SET "
	    "content_hash = 12345 WHERE id = 1", NULL, NULL, NULL), SQLITE_OK);
	ingest(s, feed, d, NOW + 120, &st);
	ck_assert_int_eq(st.updated, 1);
	ck_assert_int_eq(st.unchanged, 1);
	ck_assert_int_eq(sql_int(s, "SELECT sum(revisions) FROM entries"), 1);
	doc_free(d);
	store_close(s);
	rm_db();
}
END_TEST

START_TEST(test_update_many)
{
	struct store		*s;
	struct store_update_req	 r[4];
	struct fetch_record	 rec;
	struct doc		*a, *big, *c;
	long long		 fa, fb, fc, pages;
	char			 sql[64];
	int			 i;

	s = open_new();
	fa = add_feed(s, "http://a.example/feed");
	fb = add_feed(s, "http://b.example/feed");
	fc = add_feed(s, "http://c.example/feed");
	a = mkdoc("a", 3, 7);
	big = mkdoc("big", 300, 99);
	c = mkdoc("c", 3, 7);		/* copies of a's articles */
	memset(&rec, 0, sizeof rec);
	rec.when = NOW;
	rec.status = 200;
	rec.etag = "\"v1\"";
	memset(r, 0, sizeof r);
	r[0].feed_id = fa;
	r[0].doc = a;
	r[1].feed_id = fb;
	r[1].doc = big;
	r[2].feed_id = 999;		/* no such feed */
	r[2].doc = a;
	r[3].feed_id = fc;
	r[3].doc = c;
	r[3].rec = &rec;
	for (i = 0; i < 4; i++)
		r[i].now = NOW + i;
	/* The big one does not fit: it alone is left out. */
	pages = sql_int(s, "PRAGMA page_count");
	snprintf(sql, sizeof sql, "PRAGMA max_page_count = %lld", pages + 40);
	sqlite3_exec(s->db, sql, NULL, NULL, NULL);
	i = store_update_many(s, r, 4);
	ck_assert_int_eq(i, 0);
	ck_assert_int_eq(r[0].rc, 0);
	ck_assert_int_eq(r[0].stats.added, 3);
	ck_assert_int_eq(r[1].rc, -1);
	ck_assert_ptr_nonnull(strstr(r[1].cause, "full"));
	ck_assert_int_eq(r[1].stats.added, 0);
	ck_assert_int_eq(r[2].rc, -1);
	ck_assert_ptr_nonnull(strstr(r[2].cause, "no such feed"));
	/* Folded with a's entries of the same transaction. */
	ck_assert_int_eq(r[3].rc, 0);
	ck_assert_int_eq(r[3].stats.added, 3);
	ck_assert_int_eq(r[3].stats.folded, 3);
	for (i = 0; i < 4; i++)
		free(r[i].cause);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM entries"), 6);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM story"), 3);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM dedup_log"), 6);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM feeds WHERE "
	    "etag = '\"v1\"'"), 1);
	ck_assert_int_eq(store_check(s, NULL), 0);
	ck_assert(fts_ok(s));
	/* A batch that cannot begin stores nothing, and says why. */
	sqlite3_exec(s->db, "PRAGMA max_page_count = 1000000", NULL, NULL,
	    NULL);
	ck_assert_int_eq(sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(store_update_many(s, r, 1), -1);
	ck_assert_int_eq(r[0].rc, -1);
	ck_assert_ptr_nonnull(r[0].cause);
	free(r[0].cause);
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	doc_free(a);
	doc_free(big);
	doc_free(c);
	store_close(s);
	rm_db();
}
END_TEST

/* keys_of makes the 12 keys of fake entry i. */
static void
keys_of(long long i, unsigned long long *k)
{
	int	 j;

	for (j = 0; j < 12; j++)
		k[j] = (unsigned long long)(i * 12 + j) * 0x9e3779b97f4a7c15ULL ^
		    0x5bd1e995ULL * (j + 1);
}

/* key_finds tells whether the keys of fake entry i find it. */
static int
key_finds(struct store *s, long long i, long long since)
{
	unsigned long long	 k[12];
	long long		 entry[32];
	int			 title[32], n, j;

	keys_of(i, k);
	n = keylog_find(s, k, 12, -1, since, entry, title, 32);
	for (j = 0; j < n; j++) {
		if (entry[j] == i)
			return (1);
	}
	return (0);
}

START_TEST(test_keys_bounded)
{
	struct store		*s;
	unsigned long long	 k[12];
	long long		 i, n = 40000, found = 0;
	size_t			 budget = 1 << 20;
	char			*cause = NULL;

	s = open_new();
	s->keylog_budget = budget;
	ck_assert_int_eq(store_begin(s, NULL), 0);
	ck_assert_int_eq(keylog_sync(s, NOW, NULL), 0);
	for (i = 1; i <= n; i++) {
		keys_of(i, k);
		ck_assert_msg(keylog_add(s, k, 12, i, NOW + i, &cause) == 0,
		    "%s", cause);
		ck_assert_uint_le(keylog_bytes(s), budget);
	}
	ck_assert_uint_gt(keylog_bytes(s), budget / 2);
	/* The newest are found; the oldest were forgotten first. */
	for (i = n - 999; i <= n; i++)
		ck_assert(key_finds(s, i, NOW));
	for (i = 1; i <= 1000; i++)
		ck_assert(!key_finds(s, i, NOW));
	for (i = 1; i <= n; i++)
		found += key_finds(s, i, NOW);
	ck_assert_int_lt(found, n);
	ck_assert_int_gt(found, n / 8);
	/* Not those first seen before the window. */
	ck_assert(!key_finds(s, n - 10, NOW + n - 5 + 1));
	ck_assert_int_eq(store_commit(s, NULL), 0);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM dedup_log"), n);
	/* Rebuilt from the log (as after a rollback): the same entries. */
	keylog_drop(s);
	ck_assert_int_eq(store_begin(s, NULL), 0);
	ck_assert_int_eq(keylog_sync(s, NOW + n, NULL), 0);
	ck_assert_uint_le(keylog_bytes(s), budget);
	for (i = 1; i <= n; i++)
		found -= key_finds(s, i, NOW);
	ck_assert_int_eq(found, 0);
	ck_assert_int_eq(store_commit(s, NULL), 0);
	store_close(s);
	rm_db();
}
END_TEST

/* v1_fill stores data the way version 1 of the schema held it. */
static void
v1_fill(sqlite3 *db)
{
	ck_assert_int_eq(sqlite3_exec(db,
	    "INSERT INTO feeds (id, url, title, tags) VALUES "
	    "(1, 'http://old.example/feed', 'Old', 'x');"
	    "INSERT INTO entries (id, feed_id, guid, link, title, text, "
	    "content_hash, first_seen, last_seen, story_id) VALUES "
	    "(1, 1, 'g1', 'http://old.example/1', 'Kept across versions', "
	    "'body words here', 1, 1000, 1000, 1),"
	    "(2, 1, 'g2', 'http://old.example/2', 'Second', 'more', 2, 2000, "
	    "2000, 2);"
	    "INSERT INTO story (id, entry_id, first_seen, sort_time) VALUES "
	    "(1, 1, 1000, 1000), (2, 2, 2000, 2000);", NULL, NULL, NULL),
	    SQLITE_OK);
}

/* The URL key: a site's URLs side by side in the index, never negative. */
START_TEST(test_url_key)
{
	long long	 a, b, c, d;

	a = store_url_key("https://site.example/2026/one.html");
	b = store_url_key("https://site.example/2026/two.html");
	c = store_url_key("https://other.example/2026/one.html");
	d = store_url_key("https://site.example?q=1");
	ck_assert(a >= 0 && b >= 0 && c >= 0 && d >= 0);
	ck_assert(a != b);
	ck_assert((a >> 32) == (b >> 32));
	ck_assert((a >> 32) == (d >> 32));
	ck_assert((a >> 32) != (c >> 32));
	ck_assert(a == store_url_key("https://site.example/2026/one.html"));
	/* No scheme: a plain hash, still a key. */
	ck_assert(store_url_key("no scheme") >= 0);
}
END_TEST

START_TEST(test_migrations)
{
	struct store	*s;
	struct channel	*ch;
	sqlite3		*db;
	int		 from;
	char		*cause = NULL;

	/* From every earlier version (0 = a new file) to the current one. */
	for (from = 0; from < SCHEMA_VERSION; from++) {
		ck_assert_int_eq(sqlite3_open(tmp_db(), &db), SQLITE_OK);
		ck_assert_int_eq(schema_migrate(db, from, &cause), 0);
		if (from >= 1) {
			v1_fill(db);
			/* A key of the old kind (a hash of the whole URL). */
			ck_assert_int_eq(sqlite3_exec(db, "UPDATE entries SET "
			    "canonical_url = link, url_key = 12345 WHERE id = 1",
			    NULL, NULL, NULL), SQLITE_OK);
		}
		/*
		 * Near-duplicate keys: one table, then two (version 4), then
		 * the log (version 8).
		 */
		if (from >= 1 && from < 8)
			ck_assert_int_eq(sqlite3_exec(db, "INSERT INTO "
			    "dedup_keys VALUES (11, 1, 1000), (12, 2, 2000)",
			    NULL, NULL, NULL), SQLITE_OK);
		if (from >= 4 && from < 8)
			ck_assert_int_eq(sqlite3_exec(db, "INSERT INTO "
			    "dedup_recent VALUES (13, 2, 3000)", NULL, NULL,
			    NULL), SQLITE_OK);
		if (from >= 8 && from < 10)
			ck_assert_int_eq(sqlite3_exec(db, "INSERT INTO "
			    "dedup_log (key, entry_id, seen) VALUES (11, 1, "
			    "1000), (12, 2, 2000), (13, 2, 3000)", NULL, NULL,
			    NULL), SQLITE_OK);
		/* Version 10: a row an entry, its keys in a blob. */
		if (from >= 10)
			ck_assert_int_eq(sqlite3_exec(db, "INSERT INTO "
			    "dedup_log (entry_id, seen, keys) VALUES (1, 1000, "
			    "x'0b00000000000000'), (2, 3000, x'0c000000000000"
			    "000d00000000000000')", NULL, NULL, NULL),
			    SQLITE_OK);
		/* Version 2 kept the index, tombstones and related stories. */
		if (from >= 2)
			ck_assert_int_eq(sqlite3_exec(db, "INSERT INTO "
			    "story_fts (rowid, title, text) VALUES (1, 'Kept "
			    "across versions', 'body words here'), (2, 'Second',"
			    " 'more'); INSERT INTO tombstones VALUES (1, 'g0', 5,"
			    " 5); INSERT INTO related VALUES (2, 1, 0.5, 1);",
			    NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
		s = store_open(db_path, &cause);
		ck_assert_msg(s != NULL, "from %d: %s", from, cause);
		ck_assert_int_eq(sql_int(s, "PRAGMA user_version"),
		    SCHEMA_VERSION);
		if (from >= 1) {
			ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM "
			    "stories"), 2);
			ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM "
			    "story_fts WHERE story_fts MATCH 'versions'"), 1);
			/*
			 * The keys moved to the log, oldest first, a row an
			 * entry (little-endian).
			 */
			ck_assert_str_eq(sql_text(s, "SELECT group_concat("
			    "entry_id || ':' || seen || ':' || hex(keys), ' ') "
			    "FROM (SELECT * FROM dedup_log ORDER BY id)"),
			    from >= 4 ? "1:1000:0B00000000000000 "
			    "2:3000:0C000000000000000D00000000000000" :
			    "1:1000:0B00000000000000 2:2000:0C00000000000000");
			/* Version 11: the key of the URL made again. */
			ck_assert(sql_int(s, "SELECT url_key FROM entries "
			    "WHERE id = 1") == store_url_key(
			    "http://old.example/1"));
			ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM "
			    "entries INDEXED BY entries_url WHERE url_key = "
			    "(SELECT url_key FROM entries WHERE id = 1)"), 1);
			ch = store_channel(s, "x", NULL, 5, 3, NULL);
			ck_assert_int_eq(ch->nitems, 2);
			ck_assert_str_eq(ch->items[1].title,
			    "Kept across versions");
			if (from >= 2) {
				ck_assert_int_eq(ch->items[0].nrelated, 1);
				ck_assert_int_eq(sql_int(s, "SELECT count(*) "
				    "FROM tombstones"), 1);
			}
			channel_free(ch);
		}
		ck_assert_int_eq(store_check(s, NULL), 0);
		ck_assert(fts_ok(s));
		store_close(s);
	}
	/* A store from a newer syndic is refused, untouched. */
	ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL);
	sqlite3_close(db);
	ck_assert_ptr_null(store_open(db_path, &cause));
	ck_assert_ptr_nonnull(strstr(cause, "newer"));
	free(cause);
	rm_db();
}
END_TEST

START_TEST(test_busy_waits)
{
	struct store	*s;
	struct doc	*d;
	sqlite3		*db;
	long long	 feed;
	int		 p[2];
	char		 c;
	pid_t		 pid;

	s = open_new();
	feed = add_feed(s, "http://a.example/feed");
	ck_assert_int_eq(pipe(p), 0);
	if ((pid = fork()) == 0) {
		/* Another writer (the sqlite3 shell, say) holds the lock. */
		if (sqlite3_open(db_path, &db) != SQLITE_OK ||
		    sqlite3_exec(db, "BEGIN IMMEDIATE; UPDATE feeds SET "
		    "title = 'held'", NULL, NULL, NULL) != SQLITE_OK)
			_exit(1);
		write(p[1], "x", 1);
		usleep(800 * 1000);
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		sqlite3_close(db);
		_exit(0);
	}
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	d = mkdoc("a", 5, 1);
	ingest(s, feed, d, NOW, NULL);	/* waits, then succeeds */
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM entries"), 5);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM feeds WHERE "
	    "title = 'Feed'"), 1);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	close(p[0]);
	close(p[1]);
	doc_free(d);
	store_close(s);
	rm_db();
}
END_TEST

START_TEST(test_full_page_limit)
{
	struct store		*s;
	struct doc		*d, *big;
	struct ingest_stats	 st;
	long long		 feed, pages;
	char			 sql[64], *cause = NULL;

	s = open_new();
	feed = add_feed(s, "http://a.example/feed");
	d = mkdoc("a", 5, 1);
	ingest(s, feed, d, NOW, NULL);
	pages = sql_int(s, "PRAGMA page_count");
	snprintf(sql, sizeof sql, "PRAGMA max_page_count = %lld", pages + 8);
	sqlite3_exec(s->db, sql, NULL, NULL, NULL);
	big = mkdoc("big", 300, 99);
	ck_assert_int_eq(store_ingest(s, feed, big, NOW + 60, &st, &cause),
	    -1);
	ck_assert_ptr_nonnull(strstr(cause, "full"));
	free(cause);
	ck_assert_int_eq(st.added, 0);
	/* Nothing half-written. */
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM entries"), 5);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM story"), 5);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM dedup_log WHERE "
	    "entry_id > 5"), 0);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM fts_todo"), 5);
	ck_assert_int_eq(store_check(s, NULL), 0);
	ck_assert(fts_ok(s));
	/* Space is back: the same update goes through. */
	sqlite3_exec(s->db, "PRAGMA max_page_count = 1000000", NULL, NULL,
	    NULL);
	ingest(s, feed, big, NOW + 120, &st);
	ck_assert_int_eq(st.added, 300);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM entries"), 305);
	doc_free(d);
	doc_free(big);
	store_close(s);
	rm_db();
}
END_TEST

START_TEST(test_full_file_size)
{
	struct store	*s;
	struct doc	*d, *big;
	struct rlimit	 rl;
	long long	 feed;
	int		 status;
	pid_t		 pid;

	s = open_new();
	feed = add_feed(s, "http://a.example/feed");
	d = mkdoc("a", 5, 1);
	ingest(s, feed, d, NOW, NULL);
	sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE,
	    NULL, NULL);
	store_close(s);
	big = mkdoc("big", 300, 99);
	if ((pid = fork()) == 0) {
		/* A disk that fills up: no file may grow past 256 KiB. */
		if ((s = store_open(db_path, NULL)) == NULL)
			_exit(2);
		signal(SIGXFSZ, SIG_IGN);
		rl.rlim_cur = rl.rlim_max = 256 * 1024;
		setrlimit(RLIMIT_FSIZE, &rl);
		if (store_ingest(s, feed, big, NOW + 60, NULL, NULL) != -1)
			_exit(1);
		/* The failure is clean: the connection still works. */
		_exit(store_check(s, NULL) == 0 ? 0 : 3);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "full disk: child status %d", status);
	s = open_new_keep();
	ck_assert_int_eq(store_check(s, NULL), 0);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM entries"), 5);
	ingest(s, feed, big, NOW + 120, NULL);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM entries"), 305);
	doc_free(d);
	doc_free(big);
	store_close(s);
	rm_db();
}
END_TEST

static Suite *
store_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("store");
	tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_open_pragmas);
	tcase_add_test(tc, test_feeds);
	tcase_add_test(tc, test_record);
	tcase_add_test(tc, test_records_batch);
	tcase_add_test(tc, test_keep_wal_and_poll_list);
	tcase_add_test(tc, test_ingest_idempotent);
	tcase_add_test(tc, test_ingest_update);
	tcase_add_loop_test(tc, test_fold_url_and_text, 0, 2);
	tcase_add_test(tc, test_head_becomes_full);
	tcase_add_test(tc, test_channel);
	tcase_add_test(tc, test_channel_tag_plans);
	tcase_add_test(tc, test_remove_mends_stories);
	tcase_add_test(tc, test_entry_html);
	tcase_add_test(tc, test_entry_html_busy);
	tcase_add_test(tc, test_retention_age_tombstones);
	tcase_add_test(tc, test_retention_keeps_output);
	tcase_add_test(tc, test_fts_batches);
	tcase_add_test(tc, test_keys_other_writer);
	tcase_add_test(tc, test_keys_bounded);
	tcase_add_test(tc, test_update_many);
	tcase_add_test(tc, test_old_content_hash);
	suite_add_tcase(s, tc);
	tc = tcase_create("robust");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_url_key);
	tcase_add_test(tc, test_migrations);
	tcase_add_test(tc, test_busy_waits);
	tcase_add_test(tc, test_full_page_limit);
	tcase_add_test(tc, test_full_file_size);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(store_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? 0 : 1);
}
