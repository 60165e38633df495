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
 *
 * Checkpoints: a checkpoint copies the WAL back into the database and
 * fsyncs both, which takes from milliseconds to seconds.  The commands
 * leave it to SQLite (wal_autocheckpoint, at commit).  The daemon must not
 * wait for the disk on its event loop, so store_checkpointer hands the
 * checkpoints to a thread with its own connection: PASSIVE ones while
 * commits come (they never block the writer), and once commits pause, a
 * PASSIVE one that catches up followed by a TRUNCATE that empties the WAL
 * (only when nothing is left to copy, so that it holds the write lock for
 * no time).  The WAL can only start over at a moment when every frame is
 * copied and no reader still uses it; a connection whose statement is left
 * stepped holds its snapshot and keeps the copy from ever completing, so
 * every statement here is reset after use (store_stmt, store_idle).
 */
#include <sys/stat.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "store_priv.h"
#include "xmalloc.h"

static long long	store_count(struct store *, const char *);
static void		store_checkpointer_stop(struct store *);

/* WAL frames (pages) after which the thread runs a PASSIVE checkpoint. */
#define STORE_CKPT_FRAMES	1000
/*
 * A WAL this long (32 MiB) although PASSIVE checkpoints keep up: writes
 * never paused between two of them, so a RESTART takes the write lock
 * (waiting up to STORE_CKPT_LOCK_MS for a pause between transactions) to
 * copy the rest and let the next writer start the WAL over.  The writer
 * waits for that copy: a stall, but once per 32 MiB of steady writing.
 */
#define STORE_CKPT_HARD		8000
#define STORE_CKPT_LOCK_MS	200
/* No commit for this long: catch up and empty the WAL. */
#define STORE_CKPT_QUIET_MS	2000
/* At least this long between two checkpoints while commits keep coming. */
#define STORE_CKPT_SPACING_MS	250
/*
 * STORE_WAL_LIMIT: journal_size_limit (16 MiB), set in store_pragmas: a
 * WAL that starts over is cut back to this.
 */

/* The checkpoint thread and what it shares with the store's thread. */
struct store_ckpt {
	pthread_t	 thread;
	pthread_mutex_t	 mtx;
	pthread_cond_t	 cond;
	sqlite3		*db;		/* the thread's own connection */
	int		 stop;
	int		 asleep;	/* waiting with no deadline */
	int		 frames;	/* WAL frames after the last commit */
	int		 last_frames;	/* the same, as the hook saw it */
	long long	 commits;	/* commits told by the WAL hook */
	long long	 passive_at;	/* commits at the last PASSIVE */
	long long	 clean_at;	/* commits when the WAL was emptied */
	int		 page_size;
	struct store_wal stats;
};

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
	    "PRAGMA journal_size_limit=16777216;"	/* STORE_WAL_LIMIT */
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
	store_checkpointer_stop(s);
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
store_set_deferred(struct store *s, store_defer_fn fn, void *arg)
{
	s->defer = fn;
	s->defer_arg = arg;
}

struct store_deferred *
store_defer_new(int kind, int n)
{
	struct store_deferred	*d;

	d = xcalloc(1, sizeof *d);
	d->kind = kind;
	d->id = xcalloc(n > 0 ? n : 1, sizeof *d->id);
	if (kind == STORE_DEFER_HTML) {
		d->revision = xcalloc(n > 0 ? n : 1, sizeof *d->revision);
		d->summary = xcalloc(n > 0 ? n : 1, sizeof *d->summary);
		d->content = xcalloc(n > 0 ? n : 1, sizeof *d->content);
	}
	return (d);
}

void
store_defer_give(struct store *s, struct store_deferred *d)
{
	if (d->n == 0 || s->defer == NULL) {
		store_deferred_free(d);
		return;
	}
	s->defer(s->defer_arg, d);
}

void
store_deferred_free(struct store_deferred *d)
{
	int	i;

	if (d == NULL)
		return;
	for (i = 0; d->summary != NULL && i < d->n; i++) {
		free(d->summary[i]);
		free(d->content[i]);
	}
	free(d->id);
	free(d->revision);
	free(d->summary);
	free(d->content);
	free(d);
}

int
store_deferred_run(struct store *s, const struct store_deferred *d,
    char **cause)
{
	sqlite3_stmt	*st;
	long long	 version = s->version;
	int		 i;

	if (d->n == 0)
		return (0);
	if (store_begin(s, cause) == -1)
		return (-1);
	for (i = 0; i < d->n; i++) {
		if (d->kind == STORE_DEFER_HTML) {
			/* Only for the revision it was made of. */
			st = store_stmt(s, "INSERT OR REPLACE INTO entry_html "
			    "(entry_id, revision, summary, content) SELECT "
			    "?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM "
			    "entries WHERE id = ?1 AND revisions = ?2)");
			if (st == NULL)
				break;
			sqlite3_bind_int64(st, 1, d->id[i]);
			sqlite3_bind_int64(st, 2, d->revision[i]);
			store_bind_text(st, 3, d->summary[i]);
			store_bind_text(st, 4, d->content[i]);
		} else {
			st = store_stmt(s, "INSERT OR IGNORE INTO related_want "
			    "VALUES (?)");
			if (st == NULL)
				break;
			sqlite3_bind_int64(st, 1, d->id[i]);
		}
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_reset(st);
			break;
		}
		sqlite3_reset(st);
	}
	if (i < d->n) {
		store_error(s, cause, d->kind == STORE_DEFER_HTML ?
		    "entry html" : "related want");
		store_rollback(s);
		return (-1);
	}
	if (d->kind == STORE_DEFER_HTML) {
		/* What the store holds for readers did not change. */
		if (store_commit(s, cause) == -1)
			return (-1);
		s->version = version;
		return (0);
	}
	if (store_commit(s, cause) == -1)
		return (-1);
	return (1);
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
store_settle_wal(struct store *s, char **cause)
{
	char	 sql[64];
	int	 rc, nlog = -1, ncopied = -1;

	/* Another process in the log: give up at once, not wait for it. */
	sqlite3_busy_timeout(s->db, 0);
	rc = sqlite3_wal_checkpoint_v2(s->db, NULL,
	    SQLITE_CHECKPOINT_TRUNCATE, &nlog, &ncopied);
	sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
	if (rc != SQLITE_OK) {
		if (cause != NULL)
			xasprintf(cause, "checkpoint: %s", sqlite3_errmsg(s->db));
		return (-1);
	}
	/*
	 * One frame starts the new log now: the page that holds the
	 * version, written back as it is.
	 */
	snprintf(sql, sizeof sql, "PRAGMA user_version = %lld",
	    store_count(s, "PRAGMA user_version"));
	if (store_exec(s, sql, cause) == -1)
		return (-1);
	store_keep_wal(s);
	return (0);
}

void
store_backlog(struct store *s, long long *related, long long *fts)
{
	*related = store_count(s, "SELECT count(*) FROM related_todo");
	*fts = store_count(s, "SELECT count(*) FROM fts_todo");
}

int
store_ping(struct store *s, char **cause)
{
	if (store_count(s, "PRAGMA schema_version") < 0)
		return (store_error(s, cause, "ping"));
	return (0);
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
	store_backlog(s, &c->related_todo, &c->fts_todo);
	if (c->feeds < 0 || c->entries < 0 || c->stories < 0)
		return (store_error(s, cause, "counts"));
	return (0);
}

/* store_ms is a monotonic clock in milliseconds. */
static long long
store_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/*
 * store_wal_cb is SQLite's WAL hook on the store's connection, called
 * after each commit: it counts, and wakes the thread when it has work.
 * NOTE: installing it turns SQLite's own auto-checkpoint off.
 */
static int
store_wal_cb(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct store_ckpt	*c = arg;
	long long		 bytes;

	pthread_mutex_lock(&c->mtx);
	if (frames < c->last_frames)
		c->stats.starts++;
	c->last_frames = frames;
	c->frames = frames;
	c->commits++;
	bytes = 32 + (long long)frames * (24 + c->page_size);
	if (bytes > c->stats.max_bytes)
		c->stats.max_bytes = bytes;
	if (c->asleep || frames >= STORE_CKPT_FRAMES)
		pthread_cond_signal(&c->cond);
	pthread_mutex_unlock(&c->mtx);
	return (SQLITE_OK);
}

/* store_ckpt_wait waits (mutex held) ms milliseconds, or for a signal. */
static void
store_ckpt_wait(struct store_ckpt *c, long long ms)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	if (!c->stop)
		pthread_cond_timedwait(&c->cond, &c->mtx, &ts);
}

/*
 * store_ckpt_busy_cb lets a RESTART checkpoint wait, a millisecond at a
 * time, for a pause between the writer's transactions, until a deadline.
 */
static int
store_ckpt_busy_cb(void *arg, int n)
{
	const long long	*deadline = arg;
	struct timespec	 ts = { 0, 1000000 };

	if (store_ms() >= *deadline)
		return (0);
	nanosleep(&ts, NULL);
	return (1);
}

/*
 * store_ckpt_run runs one checkpoint of the given mode with the mutex
 * released; returns 1 when the WAL was left with nothing to copy.
 */
static int
store_ckpt_run(struct store_ckpt *c, int mode)
{
	long long	t0 = store_ms(), deadline;
	int		rc, nlog = -1, nckpt = -1;

	pthread_mutex_unlock(&c->mtx);
	if (mode == SQLITE_CHECKPOINT_RESTART) {
		deadline = t0 + STORE_CKPT_LOCK_MS;
		sqlite3_busy_handler(c->db, store_ckpt_busy_cb, &deadline);
	}
	rc = sqlite3_wal_checkpoint_v2(c->db, NULL, mode, &nlog, &nckpt);
	if (mode == SQLITE_CHECKPOINT_RESTART)
		sqlite3_busy_handler(c->db, NULL, NULL);
	pthread_mutex_lock(&c->mtx);
	c->stats.seconds += (double)(store_ms() - t0) / 1000;
	if (mode == SQLITE_CHECKPOINT_TRUNCATE && rc == SQLITE_OK) {
		c->stats.truncations++;
		return (1);
	}
	if (mode == SQLITE_CHECKPOINT_RESTART) {
		if (rc == SQLITE_OK)
			c->stats.restarts++;
		return (rc == SQLITE_OK);
	}
	if (mode == SQLITE_CHECKPOINT_PASSIVE)
		c->stats.checkpoints++;
	if (rc == SQLITE_OK && nckpt > 0)
		c->stats.copies++;
	if (rc != SQLITE_OK || nlog < 0 || nlog != nckpt) {
		c->stats.busy++;
		return (0);
	}
	return (1);
}

/*
 * store_ckpt_main is the thread: a PASSIVE checkpoint whenever the WAL
 * holds STORE_CKPT_FRAMES (at most one per STORE_CKPT_SPACING_MS unless
 * commits came during the last), and after STORE_CKPT_QUIET_MS without a
 * commit, a PASSIVE one then, if it copied everything, a TRUNCATE; then it
 * sleeps until the next commit.
 *
 * NOTE: a PASSIVE checkpoint copies the frames there were when it began.
 * The WAL starts over only when a writer begins while every frame is
 * copied, so under steady ingest a checkpoint every so often never lets it
 * (the WAL grew without bound that way): they must follow each other
 * until one ends in a pause between two commits.
 */
static void *
store_ckpt_main(void *arg)
{
	struct store_ckpt	*c = arg;
	long long		 seen, wait, last = 0;
	int			 raced = 0;

	pthread_mutex_lock(&c->mtx);
	while (!c->stop) {
		if (c->frames >= STORE_CKPT_FRAMES &&
		    c->passive_at != c->commits) {
			wait = last + STORE_CKPT_SPACING_MS - store_ms();
			if (!raced && wait > 0) {
				store_ckpt_wait(c, wait);
				continue;
			}
			c->passive_at = c->commits;
			store_ckpt_run(c, SQLITE_CHECKPOINT_PASSIVE);
			/*
			 * Commits during the copy: go again at once, each time
			 * with less to copy, until one ends between commits.
			 */
			raced = c->passive_at != c->commits;
			if (c->frames >= STORE_CKPT_HARD)
				store_ckpt_run(c, SQLITE_CHECKPOINT_RESTART);
			last = store_ms();
			continue;
		}
		if (c->clean_at != c->commits) {
			seen = c->commits;
			store_ckpt_wait(c, STORE_CKPT_QUIET_MS);
			if (c->stop || c->commits != seen)
				continue;
			/* Quiet: catch up, then empty the WAL. */
			c->passive_at = seen;
			if (store_ckpt_run(c, SQLITE_CHECKPOINT_PASSIVE) &&
			    c->commits == seen &&
			    store_ckpt_run(c, SQLITE_CHECKPOINT_TRUNCATE)) {
				c->clean_at = seen;
				if (c->commits == seen)
					c->frames = 0;
			}
			continue;
		}
		c->asleep = 1;
		pthread_cond_wait(&c->cond, &c->mtx);
		c->asleep = 0;
	}
	pthread_mutex_unlock(&c->mtx);
	return (NULL);
}

int
store_checkpointer(struct store *s, char **cause)
{
	struct store_ckpt	*c;
	pthread_condattr_t	 ca;
	sqlite3_stmt		*st;
	int			 rc;

	if (s->ckpt != NULL)
		return (0);
	c = xcalloc(1, sizeof *c);
	c->page_size = 4096;
	if ((st = store_stmt(s, "PRAGMA page_size")) != NULL) {
		if (sqlite3_step(st) == SQLITE_ROW)
			c->page_size = sqlite3_column_int(st, 0);
		sqlite3_reset(st);
	}
	rc = sqlite3_open_v2(s->path, &c->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		if (cause != NULL)
			xasprintf(cause, "%s: checkpoint connection: %s",
			    s->path, c->db == NULL ? sqlite3_errstr(rc) :
			    sqlite3_errmsg(c->db));
		sqlite3_close(c->db);
		free(c);
		return (-1);
	}
	/*
	 * NOTE: a connection learns that the file is in WAL mode when it first
	 * reads it; until then sqlite3_wal_checkpoint_v2 does nothing and says
	 * SQLITE_OK (with -1 frames).  Unread, this connection checkpointed
	 * nothing while the WAL grew without bound.
	 */
	if (sqlite3_exec(c->db, "PRAGMA journal_mode", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		if (cause != NULL)
			xasprintf(cause, "%s: checkpoint connection: %s",
			    s->path, sqlite3_errmsg(c->db));
		sqlite3_close(c->db);
		free(c);
		return (-1);
	}
	/* No busy handler: a TRUNCATE that would wait gives up instead. */
	sqlite3_busy_timeout(c->db, 0);
	pthread_mutex_init(&c->mtx, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->cond, &ca);
	pthread_condattr_destroy(&ca);
	/* What an earlier run left in the WAL is emptied when quiet. */
	c->commits = 1;
	if ((rc = pthread_create(&c->thread, NULL, store_ckpt_main, c)) != 0) {
		if (cause != NULL)
			xasprintf(cause, "checkpoint thread: %s",
			    strerror(rc));
		pthread_cond_destroy(&c->cond);
		pthread_mutex_destroy(&c->mtx);
		sqlite3_close(c->db);
		free(c);
		return (-1);
	}
	s->ckpt = c;
	sqlite3_wal_hook(s->db, store_wal_cb, c);
	return (0);
}

/* store_checkpointer_stop ends the thread, if any (store_close). */
static void
store_checkpointer_stop(struct store *s)
{
	struct store_ckpt	*c = s->ckpt;

	if (c == NULL)
		return;
	sqlite3_wal_hook(s->db, NULL, NULL);
	pthread_mutex_lock(&c->mtx);
	c->stop = 1;
	pthread_cond_signal(&c->cond);
	pthread_mutex_unlock(&c->mtx);
	pthread_join(c->thread, NULL);
	pthread_cond_destroy(&c->cond);
	pthread_mutex_destroy(&c->mtx);
	sqlite3_close(c->db);
	free(c);
	s->ckpt = NULL;
}

void
store_wal_stats(struct store *s, struct store_wal *w)
{
	struct stat	 sb;
	char		*wal;

	memset(w, 0, sizeof *w);
	if (s->ckpt != NULL) {
		pthread_mutex_lock(&s->ckpt->mtx);
		*w = s->ckpt->stats;
		pthread_mutex_unlock(&s->ckpt->mtx);
	}
	xasprintf(&wal, "%s-wal", s->path);
	w->bytes = stat(wal, &sb) == 0 ? (long long)sb.st_size : 0;
	free(wal);
	if (w->bytes > w->max_bytes && s->ckpt != NULL)
		w->max_bytes = w->bytes;
}

/*
 * store_profile_cb logs the statements that ran longer than s->slow_ms:
 * on the daemon's loop, a slow statement is a stall of everything.
 */
static int
store_profile_cb(unsigned type, void *arg, void *p, void *x)
{
	struct store	*s = arg;
	long long	 ms = (long long)(*(sqlite3_uint64 *)x / 1000000);
	const char	*sql;
	char		 e[160];
	int		 frames;

	if (type != SQLITE_TRACE_PROFILE || ms < s->slow_ms)
		return (0);
	if ((sql = sqlite3_sql(p)) == NULL)
		sql = "?";
	log_escape(e, sizeof e, sql);
	if (s->ckpt != NULL) {
		/* A commit that started the WAL over synced its header. */
		pthread_mutex_lock(&s->ckpt->mtx);
		frames = s->ckpt->last_frames;
		pthread_mutex_unlock(&s->ckpt->mtx);
		log_info("store: %s%sslow statement (%lld ms, WAL at %d "
		    "pages): %s", s->label != NULL ? s->label : "",
		    s->label != NULL ? ": " : "", ms, frames, e);
	} else
		log_info("store: %s%sslow statement (%lld ms): %s",
		    s->label != NULL ? s->label : "",
		    s->label != NULL ? ": " : "", ms, e);
	return (0);
}

void
store_set_label(struct store *s, const char *label)
{
	s->label = label;
}

void
store_log_slow(struct store *s, long long ms)
{
	s->slow_ms = ms;
	sqlite3_trace_v2(s->db, ms > 0 ? SQLITE_TRACE_PROFILE : 0,
	    ms > 0 ? store_profile_cb : NULL, s);
}
