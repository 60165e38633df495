/*
 * store.c: opening and closing the store, the statement cache, transactions
 * and the version number that tells other parts the data changed.
 *
 * Durability: WAL with synchronous=NORMAL.  A committed transaction is in
 * the WAL (in the operating system's cache) before COMMIT returns, so a
 * crash of syndic (kill -9, abort) loses nothing committed.  A power loss
 * or kernel crash may roll back the transactions committed since the last
 * WAL sync (at most the feed updates of the last checkpoint interval); the
 * file stays consistent, and because a feed's validators are stored in the
 * same transaction as its entries, a rolled-back update is simply fetched
 * again at the next poll.  FULL would sync the WAL at every commit, one
 * fsync per feed update, for no gain a reader of news would notice.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store_priv.h"
#include "xmalloc.h"

static long long	store_count(struct store *, const char *);

/* store_pragmas sets the connection's settings. */
static int
store_pragmas(struct store *s, char **cause)
{
	sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
	/*
	 * NOTE: auto_vacuum must come first: it only takes effect on a file
	 * with no page written yet, and switching to WAL writes one.  On a
	 * file that has pages it is not set again: the pragma then writes
	 * the header (a write transaction and a WAL sync at every start).
	 */
	if ((store_count(s, "PRAGMA page_count") <= 0 &&
	    store_exec(s, "PRAGMA auto_vacuum=INCREMENTAL", cause) == -1) ||
	    store_exec(s, "PRAGMA journal_mode=WAL", cause) == -1)
		return (-1);
	return (store_exec(s, "PRAGMA synchronous=NORMAL;"
	    "PRAGMA foreign_keys=ON;"
	    "PRAGMA temp_store=MEMORY;"
	    "PRAGMA cache_size=-32000;"
	    "PRAGMA mmap_size=268435456;"
	    "PRAGMA wal_autocheckpoint=4000", cause));
}

struct store *
store_open(const char *path, char **cause)
{
	struct store	*s;
	int		 rc;

	s = xcalloc(1, sizeof *s);
	s->path = xstrdup(path);
	rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		if (cause != NULL)
			xasprintf(cause, "%s: %s", path, s->db == NULL ?
			    sqlite3_errstr(rc) : sqlite3_errmsg(s->db));
		store_close(s);
		return (NULL);
	}
	sqlite3_extended_result_codes(s->db, 1);
	if (store_pragmas(s, cause) == -1 ||
	    schema_migrate(s->db, SCHEMA_VERSION, cause) == -1 ||
	    store_exec(s, "CREATE TEMP TABLE doomed (id INTEGER PRIMARY KEY);"
	    "CREATE TEMP TABLE touched (id INTEGER PRIMARY KEY, "
	    "rehead INTEGER NOT NULL DEFAULT 0);"
	    "CREATE TEMP TABLE kept (id INTEGER PRIMARY KEY)", cause) == -1) {
		store_close(s);
		return (NULL);
	}
	store_version(s);
	return (s);
}

void
store_close(struct store *s)
{
	int	 i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nstmts; i++)
		sqlite3_finalize(s->stmts[i].stmt);
	/*
	 * NOTE: no PRAGMA optimize: an ANALYZE of a big store at the close of
	 * `syndic add` would take seconds, and the statements here are
	 * written for the plans they get without statistics.
	 */
	if (s->db != NULL)
		sqlite3_close(s->db);
	keylog_drop(s);
	free(s->path);
	free(s);
}

void
store_keep_wal(struct store *s)
{
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
}

int
store_set_memory(struct store *s, int cache_kib, long long mmap_bytes,
    char **cause)
{
	char	sql[96];

	snprintf(sql, sizeof sql, "PRAGMA cache_size=-%d; PRAGMA mmap_size=%lld",
	    cache_kib > 0 ? cache_kib : 1, mmap_bytes > 0 ? mmap_bytes : 0);
	return (store_exec(s, sql, cause));
}

void
store_set_cleaner(struct store *s, store_clean_fn fn)
{
	s->clean = fn;
}

const char *
store_path(struct store *s)
{
	return (s->path);
}

long long
store_version(struct store *s)
{
	sqlite3_stmt	*st;
	long long	 dv;

	st = store_stmt(s, "PRAGMA data_version");
	if (st == NULL || sqlite3_step(st) != SQLITE_ROW)
		return (s->version);
	dv = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (dv != s->data_version) {
		s->data_version = dv;
		s->version++;
	}
	return (s->version);
}

sqlite3_stmt *
store_stmt(struct store *s, const char *sql)
{
	sqlite3_stmt	*st;
	int		 i;

	for (i = 0; i < s->nstmts; i++) {
		if (s->stmts[i].sql == sql) {
			st = s->stmts[i].stmt;
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			return (st);
		}
	}
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
	    NULL) != SQLITE_OK)
		return (NULL);
	if (s->nstmts == STORE_MAX_STMTS)
		fatalx("store: statement cache full");	/* raise the cap */
	s->stmts[s->nstmts].sql = sql;
	s->stmts[s->nstmts].stmt = st;
	s->nstmts++;
	return (st);
}

int
store_error(struct store *s, char **cause, const char *what)
{
	if (cause != NULL)
		xasprintf(cause, "%s: %s", what, sqlite3_errmsg(s->db));
	return (-1);
}

int
store_exec(struct store *s, const char *sql, char **cause)
{
	char	*msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		if (cause != NULL)
			xasprintf(cause, "%s", msg != NULL ? msg :
			    sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return (-1);
	}
	return (0);
}

int
store_begin(struct store *s, char **cause)
{
	sqlite3_stmt	*st;

	if ((st = store_stmt(s, "BEGIN IMMEDIATE")) == NULL ||
	    sqlite3_step(st) != SQLITE_DONE)
		return (store_error(s, cause, "begin"));
	s->intx = 1;
	s->txn++;
	s->changes = sqlite3_total_changes64(s->db);
	return (0);
}

int
store_commit_quiet(struct store *s, char **cause)
{
	s->changes = sqlite3_total_changes64(s->db);
	return (store_commit(s, cause));
}

int
store_commit(struct store *s, char **cause)
{
	sqlite3_stmt	*st;

	if ((st = store_stmt(s, "COMMIT")) == NULL ||
	    sqlite3_step(st) != SQLITE_DONE) {
		store_error(s, cause, "commit");
		store_rollback(s);
		return (-1);
	}
	sqlite3_reset(st);
	s->intx = 0;
	s->commits++;
	if (sqlite3_total_changes64(s->db) != s->changes)
		s->version++;
	return (0);
}

void
store_rollback(struct store *s)
{
	int	 i;

	/* Reset every statement first so that nothing holds the write lock. */
	for (i = 0; i < s->nstmts; i++)
		sqlite3_reset(s->stmts[i].stmt);
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	s->intx = 0;
	keylog_drop(s);		/* it may hold keys that rolled back */
}

char *
store_text(sqlite3_stmt *st, int col)
{
	const unsigned char	*t;

	if ((t = sqlite3_column_text(st, col)) == NULL)
		return (NULL);
	return (xstrdup((const char *)t));
}

long long
store_int64(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return (TIME_UNKNOWN);
	return (sqlite3_column_int64(st, col));
}

void
store_bind_text(sqlite3_stmt *st, int col, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(st, col);
	else
		sqlite3_bind_text(st, col, v, -1, SQLITE_TRANSIENT);
}

void
store_bind_time(sqlite3_stmt *st, int col, long long v)
{
	if (v == TIME_UNKNOWN)
		sqlite3_bind_null(st, col);
	else
		sqlite3_bind_int64(st, col, v);
}

int
store_check(struct store *s, char **cause)
{
	sqlite3_stmt	*st;
	const char	*r;
	int		 rc = 0;

	if (sqlite3_prepare_v2(s->db, "PRAGMA integrity_check", -1, &st,
	    NULL) != SQLITE_OK)
		return (store_error(s, cause, "integrity_check"));
	if (sqlite3_step(st) != SQLITE_ROW)
		rc = store_error(s, cause, "integrity_check");
	else if ((r = (const char *)sqlite3_column_text(st, 0)) == NULL ||
	    strcmp(r, "ok") != 0) {
		if (cause != NULL)
			xasprintf(cause, "integrity_check: %s",
			    r == NULL ? "?" : r);
		rc = -1;
	}
	sqlite3_finalize(st);
	return (rc);
}

/* store_count returns the single integer a query yields, or -1. */
static long long
store_count(struct store *s, const char *sql)
{
	sqlite3_stmt	*st;
	long long	 n = -1;

	if ((st = store_stmt(s, sql)) == NULL)
		return (-1);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return (n);
}

int
store_counts(struct store *s, struct store_counts *c, char **cause)
{
	memset(c, 0, sizeof *c);
	c->feeds = store_count(s, "SELECT count(*) FROM feeds");
	c->entries = store_count(s, "SELECT count(*) FROM entries");
	c->stories = store_count(s, "SELECT count(*) FROM story");
	c->tombstones = store_count(s, "SELECT count(*) FROM tombstones");
	c->bytes = store_count(s, "SELECT (SELECT page_count FROM "
	    "pragma_page_count()) * (SELECT page_size FROM pragma_page_size())"
	    " - (SELECT freelist_count FROM pragma_freelist_count()) * "
	    "(SELECT page_size FROM pragma_page_size())");
	if (c->feeds < 0 || c->entries < 0 || c->stories < 0)
		return (store_error(s, cause, "counts"));
	return (0);
}
