/*
 * store_priv.h: what the files of storage/ share and nothing else sees:
 * the store itself, its statement cache and transaction helpers.
 *
 * NOTE: only the files of storage/ (and white-box tests) include this header; the
 * public interface is storage.h, which names no SQLite type.
 */
#ifndef SYNDIC_STORE_PRIV_H
#define SYNDIC_STORE_PRIV_H

#include <sqlite3.h>

#include "storage.h"

#define STORE_MAX_STMTS		96
#define STORE_BUSY_MS		10000	/* wait this long for another writer */
#define STORE_DEDUP_WINDOW	(14 * 86400)	/* near-duplicates within */

struct store_stmt {
	const char	*sql;
	sqlite3_stmt	*stmt;
};

struct store {
	sqlite3			*db;
	char			*path;
	struct store_stmt	 stmts[STORE_MAX_STMTS];
	int			 nstmts;
	long long		 version;	/* what store_version returns */
	long long		 data_version;	/* last PRAGMA data_version */
	int			 intx;		/* inside store_begin */
	long long		 commits;	/* own commits */
	long long		 changes;	/* total_changes at begin */
	int			 fts_pending;	/* rows in temp.fts_pending */
	long long		 recent_keys;	/* about, in dedup_recent */
	int			 rel_batch;	/* stories indexed per slice */
};

/* store.c */
/* store_stmt returns the cached statement for sql (a string literal), reset. */
sqlite3_stmt	*store_stmt(struct store *, const char *sql);
/* store_begin starts a write transaction (BEGIN IMMEDIATE, busy waited). */
int		 store_begin(struct store *, char **cause);
/* store_commit commits; on failure it rolls back and sets *cause. */
int		 store_commit(struct store *, char **cause);
/* store_rollback abandons the open transaction, if any. */
void		 store_rollback(struct store *);
/* store_error sets *cause to "what: sqlite message" and returns -1. */
int		 store_error(struct store *, char **cause, const char *what);
/* store_exec runs SQL without results. */
int		 store_exec(struct store *, const char *sql, char **cause);
/* store_text returns a copy of a text column, NULL for NULL. */
char		*store_text(sqlite3_stmt *, int col);
/* store_int64 reads an integer column, TIME_UNKNOWN for NULL. */
long long	 store_int64(sqlite3_stmt *, int col);
/* store_bind_text binds a string or NULL. */
void		 store_bind_text(sqlite3_stmt *, int col, const char *);
/* store_bind_time binds a time, NULL for TIME_UNKNOWN. */
void		 store_bind_time(sqlite3_stmt *, int col, long long);

/* feeds_db.c */
/* feeds_db_record stores a fetch outcome inside an open transaction. */
int		 feeds_db_record(struct store *, long long feed_id,
		    const struct fetch_record *, char **cause);

/* related.c */
/*
 * related_demand computes the lists of the shown stories of ids that have
 * none yet, for about REL_DEMAND_MS, and queues the rest and the stale
 * ones for store_related_update (related_want); returns how many it
 * computed, -1 on error.  Outside a transaction only.
 */
int		 related_demand(struct store *, const long long *ids, int n,
		    int nrelated, long long now);
/*
 * related_index_batch indexes the stories of ids as one batch (document
 * frequencies and postings written once per distinct term) inside the open
 * transaction; the callers dequeue them.
 */
int		 related_index_batch(struct store *, const long long *ids,
		    int n, char **cause);

/* schema.c */
#define SCHEMA_VERSION	7
/* schema_migrate brings db from its user_version up to target. */
int		 schema_migrate(sqlite3 *, int target, char **cause);

/* strip.c */
/* strip_html returns the plain text of an HTML fragment (caller frees). */
char		*strip_html(const char *);

/* stories.c */
/*
 * stories_fold finds the story a new entry belongs to (same canonical URL,
 * near-identical text) or creates one; returns the story id or -1.
 * *folded is set when an existing story was joined.
 */
long long	 stories_fold(struct store *, long long entry_id,
		    long long feed_id, const char *canonical_url,
		    long long url_key, const char *title, const char *text,
		    long long published,
		    int full, long long now, int *folded, char **cause);
/* stories_join adds an entry to a story and updates its counts and head. */
int		 stories_join(struct store *, long long story_id,
		    long long entry_id, long long feed_id, int check_head,
		    char **cause);
/* stories_reindex refreshes the FTS row of a story after its head changed. */
int		 stories_reindex(struct store *, long long story_id,
		    const char *old_title, const char *old_text, char **cause);
/*
 * stories_purge deletes the entries listed in temp.doomed and mends their
 * stories: new heads (and FTS rows), counts, stories left empty removed.
 */
int		 stories_purge(struct store *, char **cause);
/* stories_fts_flush indexes the stories added in this transaction. */
int		 stories_fts_flush(struct store *, char **cause);
/* stories_merge moves the recent dedup keys to the big table, now and then. */
int		 stories_merge(struct store *, int force, char **cause);
/* stories_prune drops dedup keys older than the near-duplicate window. */
int		 stories_prune(struct store *, long long now, char **cause);

/* Similarity, shared with the evaluation tool. */
struct shingles {
	unsigned long long	*h;	/* sorted, unique */
	int			 n;
};
/* shingles_make hashes the 3-word shingles of title and text. */
void		 shingles_make(struct shingles *, const char *text);
void		 shingles_free(struct shingles *);
/* shingles_jaccard returns |A n B| / |A u B|. */
double		 shingles_jaccard(const struct shingles *,
		    const struct shingles *);
/* shingles_containment returns |A n B| / min(|A|, |B|). */
double		 shingles_containment(const struct shingles *,
		    const struct shingles *);

#endif
