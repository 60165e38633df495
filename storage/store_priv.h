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
#define STORE_MAX_KEYS		15	/* near-duplicate keys of an entry */

struct store_ckpt;

struct store_stmt {
	const char	*sql;
	sqlite3_stmt	*stmt;
};

struct keylog;

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
	double			 rel_per_ms;	/* indexing cost per story */
	int			 rel_full;	/* store_set_related_full */
	size_t			 rel_batch_bytes; /* batch bound, 0: default */
	size_t			 rel_batch_peak;  /* biggest batch (tests) */
	long long		 txn;		/* store_begin count */
	long long		 keylog_txn;	/* txn of the last keylog_sync */
	struct keylog		*keylog;	/* keys in memory, or NULL */
	size_t			 keylog_budget;	/* bytes; 0: the default */
	store_clean_fn		 clean;		/* HTML sanitizer, or NULL */
	unsigned long long	 cleaned;	/* fields sanitized (tests) */
	struct store_ckpt	*ckpt;		/* store_checkpointer's thread */
	long long		 slow_ms;	/* log statements slower than */
	const char		*label;		/* in logs: which connection */
	store_defer_fn		 defer;		/* writes go there, or NULL */
	void			*defer_arg;
};

/* What a reading connection hands over (store_set_deferred). */
#define STORE_DEFER_HTML	1	/* entry_html rows */
#define STORE_DEFER_WANT	2	/* related_want rows */
struct store_deferred {
	int		 kind;
	int		 n;
	long long	*id;		/* entry ids, or story ids */
	long long	*revision;	/* HTML: of the entry */
	char		**summary;	/* HTML: sanitized, or NULL */
	char		**content;
};

/* store.c */
/* store_stmt returns the cached statement for sql (a string literal), reset. */
sqlite3_stmt	*store_stmt(struct store *, const char *sql);
/* store_begin starts a write transaction (BEGIN IMMEDIATE, busy waited). */
int		 store_begin(struct store *, char **cause);
/* store_commit commits; on failure it rolls back and sets *cause. */
int		 store_commit(struct store *, char **cause);
/* store_commit_quiet commits work the output does not show (same version). */
int		 store_commit_quiet(struct store *, char **cause);
/*
 * store_defer_new makes an empty hand-over of a kind for up to n rows;
 * store_defer_give hands it to the connection's fn (an empty one is freed).
 */
struct store_deferred *store_defer_new(int kind, int n);
void		 store_defer_give(struct store *, struct store_deferred *);
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

/* html.c */
/* A merged item whose entry HTML the cache did not have. */
struct html_miss {
	struct item	*it;
	long long	 entry_id;
};
/*
 * html_fill gives each item the sanitized summary and content of its entry,
 * made now and kept for the entry's revision (as one transaction, skipped
 * when the store is busy or cannot be written).
 */
int		 html_fill(struct store *, struct html_miss *, int n,
		    char **cause);

/* feeds_db.c */
/* feeds_db_record stores a fetch outcome inside an open transaction. */
int		 feeds_db_record(struct store *, long long feed_id,
		    const struct fetch_record *, char **cause);

/* related.c */
/*
 * related_demand computes the lists of the shown stories of ids that have
 * none yet, for about REL_DEMAND_MS, and queues the rest and the stale
 * ones for store_related_update (related_want); with rel_full, all of
 * them now.  Returns how many it computed, -1 on error.  Outside a
 * transaction only.  A connection that hands its writes over
 * (store_set_deferred) computes none: it hands the ids over, to be
 * queued.
 */
int		 related_demand(struct store *, const long long *ids, int n,
		    int nrelated, long long now);
/*
 * related_index_batch indexes the stories of ids as one batch (document
 * frequencies and postings written once per distinct term) inside the open
 * transaction, up to its memory bound; returns how many ids it used (the
 * callers dequeue those), -1 on error.
 */
int		 related_index_batch(struct store *, const long long *ids,
		    int n, char **cause);

/* schema.c */
#define SCHEMA_VERSION	11
/* schema_migrate brings db from its user_version up to target. */
int		 schema_migrate(sqlite3 *, int target, char **cause);

/* strip.c */
/* strip_html returns the plain text of an HTML fragment (caller frees). */
char		*strip_html(const char *);

/* stories.c */
/* How a new entry folds: its story and its near-duplicate keys. */
struct fold {
	unsigned long long	 keys[STORE_MAX_KEYS];
	int			 nkeys;
	long long		 story;
	int			 created;	/* a new story, headed by: */
	long long		 entry_id;	/* the id the entry must get */
};
/*
 * stories_dedup_new computes what folding compares of an entry (shingles
 * and near-duplicate keys of its title and plain text): pure, so any
 * thread may do it ahead of the store's (store_prepare).
 */
/* store_url_key is the key of a canonical URL in entries_url (entries.c). */
long long	 store_url_key(const char *url);
struct dedup_text;
struct dedup_text *stories_dedup_new(const char *title, const char *text);
void		 stories_dedup_free(struct dedup_text *);
/*
 * stories_fold_find picks the story of a new entry before it is stored
 * (same canonical URL, near-identical text, else a new story).  pre: the
 * entry's stories_dedup_new, or NULL to compute it here; it may be
 * sorted in place.
 */
int		 stories_fold_find(struct store *, const char *canonical_url,
		    long long url_key, const char *title, const char *text,
		    struct dedup_text *pre, long long published, long long now,
		    struct fold *, char **cause);
/*
 * stories_fold_add completes the fold once the entry is stored with
 * story_id set: counts, head, full-text queue and keys.
 */
int		 stories_fold_add(struct store *, const struct fold *,
		    long long entry_id, long long feed_id, long long now,
		    char **cause);
/*
 * stories_reindex drops the FTS row of a story whose head entry changed
 * (old_title and old_text: what was indexed) and queues it again.
 */
int		 stories_reindex(struct store *, long long story_id,
		    const char *old_title, const char *old_text, char **cause);
/*
 * stories_purge deletes the entries listed in temp.doomed and mends their
 * stories: new heads (and FTS rows), counts, stories left empty removed.
 */
int		 stories_purge(struct store *, char **cause);

/* keylog.c */
/* keylog_sync brings the in-memory keys up to date (inside a transaction). */
int		 keylog_sync(struct store *, long long now, char **cause);
/* keylog_drop forgets the in-memory keys (rebuilt from the log later). */
void		 keylog_drop(struct store *);
/*
 * keylog_find lists up to max entries first seen since a time that share a
 * key with keys; title[i] tells whether entry i shares keys[title_key].
 */
int		 keylog_find(struct store *, const unsigned long long *keys,
		    int n, int title_key, long long since, long long *entry,
		    int *title, int max);
/* keylog_add logs the (distinct) keys of a new entry. */
int		 keylog_add(struct store *, const unsigned long long *keys,
		    int n, long long entry_id, long long now, char **cause);
/* keylog_bytes returns the memory the in-memory keys take (tests). */
size_t		 keylog_bytes(struct store *);
/*
 * keylog_prune drops logged keys older than the near-duplicate window or
 * than the memory holds.
 */
int		 keylog_prune(struct store *, long long now, char **cause);

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
