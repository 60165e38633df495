/*
 * storage.h: the public interface of storage/, the SQLite store.  No SQLite
 * type appears here.
 *
 * One store is one SQLite file in WAL mode.  Every function that writes
 * runs one transaction: it either commits all of its work or none of it
 * (a busy, full or failing disk fails that one call cleanly; the next call
 * works once the cause is gone).  Errors are -1 plus a message in *cause
 * (the caller frees it; cause may be NULL).  Times are seconds since the
 * epoch, UTC; TIME_UNKNOWN (-1) where unknown.  The schema is documented in
 * syndic-store(5).
 */
#ifndef SYNDIC_STORAGE_H
#define SYNDIC_STORAGE_H

#include <stddef.h>

#include "model.h"

struct store;

/* store.c */

/*
 * store_open opens (creating or migrating) the store at path: WAL, a busy
 * timeout, foreign keys.  Returns NULL with *cause set on failure.
 */
struct store	*store_open(const char *path, char **cause);
/* store_close finishes statements and closes; NULL is a no-op. */
void		 store_close(struct store *);
/*
 * store_version returns a number that changes whenever any process (this
 * one, `syndic add`, the sqlite3 shell) committed a change: compare it with
 * the last value seen to know whether to re-render or re-read the feeds.
 */
long long	 store_version(struct store *);
/*
 * store_set_memory bounds this connection's page cache (KiB) and how much
 * of the file it maps (bytes, 0: none; mapped pages count in the RSS).
 */
int		 store_set_memory(struct store *, int cache_kib,
		    long long mmap_bytes, char **cause);
/*
 * store_keep_wal makes store_close leave the write-ahead log to the next
 * writer's checkpoint instead of copying it back and syncing twice: for a
 * short-lived command, whose exit should not wait for the disk.
 */
void		 store_keep_wal(struct store *);
/*
 * store_settle_wal copies the whole write-ahead log into the database
 * (synced), starts the next log now (its header synced, one frame in it)
 * and makes store_close leave it: the next writer, another process,
 * appends to that log instead of starting one, which would cost it a
 * sync.  For a short-lived command that stored much (poll, index), so
 * that the next pass writes without waiting for the disk.  -1 when the
 * log could not be emptied (a reader in another process): store_close
 * checkpoints as usual then.
 */
int		 store_settle_wal(struct store *, char **cause);
/* store_path returns the file the store was opened from. */
const char	*store_path(struct store *);
/* store_check runs PRAGMA integrity_check; 0 when the file is sound. */
int		 store_check(struct store *, char **cause);
/*
 * The sanitizer of entry HTML (storage/ cannot call feeds/): the safe part
 * of len bytes of html, relative URLs resolved against base (may be NULL);
 * never NULL, caller frees.
 */
typedef char	*(*store_clean_fn)(const char *html, size_t len,
		    const char *base);
/*
 * store_set_cleaner sets the sanitizer that entry HTML goes through before
 * it leaves the store.  NOTE: the store keeps the publisher's HTML as
 * received; without a cleaner no entry HTML leaves it (items get NULL).
 */
void		 store_set_cleaner(struct store *, store_clean_fn);

/*
 * Writes a connection that only reads hands to another: the sanitized HTML
 * it made while publishing (kept per entry revision), the related lists it
 * wants (queued in related_want).  For the daemon, whose loop connection
 * never writes: its writer thread writes them (store_deferred_run).
 */
struct store_deferred;
typedef void	(*store_defer_fn)(void *arg, struct store_deferred *);
/*
 * store_set_deferred makes this connection hand those writes to fn (which
 * takes them) instead of writing them itself; NULL: write them itself.
 */
void		 store_set_deferred(struct store *, store_defer_fn, void *arg);
/*
 * store_deferred_run writes what a reading connection handed over, in one
 * transaction (HTML of an entry that changed or went since is dropped).
 * Returns 1 when related lists were queued (related work is due), 0,
 * or -1 on error.
 */
int		 store_deferred_run(struct store *,
		    const struct store_deferred *, char **cause);
/* store_deferred_free frees what store_set_deferred's fn was given. */
void		 store_deferred_free(struct store_deferred *);

/* Counts for /metrics and `syndic check`. */
struct store_counts {
	long long	 feeds;
	long long	 entries;
	long long	 stories;
	long long	 tombstones;
	long long	 bytes;		/* file size (pages in use * page size) */
	long long	 related_todo;	/* stories the related index waits for */
	long long	 fts_todo;	/* ... the full-text index waits for */
};
/*
 * store_ping tells whether the store answers, at the cost of reading its
 * first page (a health check: counting rows reads whole tables).
 */
int		 store_ping(struct store *, char **cause);
/* store_counts fills the counts above. */
int		 store_counts(struct store *, struct store_counts *,
		    char **cause);
/*
 * store_backlog counts the stories that the derived indexes wait for
 * (related, full-text search): -1 each when the store cannot tell.
 */
void		 store_backlog(struct store *, long long *related,
		    long long *fts);

/*
 * store_checkpointer turns SQLite's checkpoints at commit off on this
 * connection and runs them in a thread with its own connection, so that
 * the caller (the daemon's event loop) never waits for the disk's fsyncs;
 * store_close ends the thread.
 */
int		 store_checkpointer(struct store *, char **cause);

/* The WAL and what the checkpoint thread did with it. */
struct store_wal {
	long long	 bytes;		/* the WAL file now */
	long long	 max_bytes;	/* the largest it was after a commit */
	long long	 checkpoints;	/* PASSIVE checkpoints run */
	long long	 copies;	/* checkpoints that copied pages */
	long long	 truncations;	/* times the WAL was emptied */
	long long	 busy;		/* checkpoints that did not copy all */
	long long	 restarts;	/* RESTART checkpoints (a long WAL) */
	long long	 starts;	/* times the WAL started over */
	double		 seconds;	/* time spent in checkpoints */
};
/* store_wal_stats fills the above (all but bytes 0 without the thread). */
void		 store_wal_stats(struct store *, struct store_wal *);
/* store_log_slow logs each statement slower than ms (0: off). */
void		 store_log_slow(struct store *, long long ms);
/*
 * store_set_label names the connection in its log lines (a string that
 * outlives the store, e.g. "writer thread"); NULL: none.
 */
void		 store_set_label(struct store *, const char *label);

/* feeds_db.c */

/* One row of the feeds table, with its number of stored entries. */
/*
 * What a feed says about how often to poll it, kept on the feed so that a
 * 304 (no document) still honours it.  Seconds; 0 = none.
 */
struct feed_hints {
	long long	 ttl;		/* RSS <ttl> */
	long long	 update;	/* sy:updatePeriod / sy:updateFrequency */
	unsigned int	 skip_hours;	/* bit h: skip hour h (GMT) */
	unsigned int	 skip_days;	/* bit d: skip day d (0 = Sunday) */
	long long	 cache;		/* Cache-Control max-age or Expires */
};

struct feed_row {
	long long	 id;
	char		*url;
	char		*title;
	char		*site_url;
	char		*tags;		/* "a,b", never NULL */
	int		 origin;	/* FEED_ORIGIN_* */
	char		*etag;
	char		*last_modified;
	char		*body_hash;
	long long	 next_poll;
	long long	 interval;	/* seconds, 0 = the default */
	long long	 last_fetch;	/* TIME_UNKNOWN if never */
	long long	 last_success;	/* TIME_UNKNOWN if never */
	int		 failures;	/* consecutive */
	int		 last_status;	/* HTTP status, 0 = none/transport */
	char		*last_error;
	int		 retired;	/* gone for good (410, too many moves) */
	char		*moved_to;	/* pending permanent redirect target */
	int		 moved_count;	/* times moved_to was seen in a row */
	long long	 nentries;
	struct feed_hints hints;	/* kept across 304s */
};

#define FEED_ORIGIN_CONFIG	0	/* declared in syndic.conf */
#define FEED_ORIGIN_CLI		1	/* `syndic add` or `import` */

/* feed_row_clear frees the strings of a row; NULL is a no-op. */
void	 feed_row_clear(struct feed_row *);
/* feed_rows_free frees an array of n rows from store_feed_list/_due. */
void	 feed_rows_free(struct feed_row *, int n);
/*
 * store_feed_upsert subscribes to url, or updates the title (when not NULL)
 * and tags (when not NULL, "a,b") of an existing subscription; an origin of
 * FEED_ORIGIN_CLI on a configured feed keeps FEED_ORIGIN_CONFIG.  A retired
 * feed subscribed again is revived.  Sets *id (may be NULL).
 */
int	 store_feed_upsert(struct store *, const char *url, const char *title,
	    const char *tags, int origin, long long *id, char **cause);
/*
 * store_feed_remove unsubscribes from a feed given by URL or decimal id,
 * with its entries; stories left without entries go too.  Returns -1 with
 * "no such feed" when there is none.
 */
int	 store_feed_remove(struct store *, const char *url_or_id,
	    char **cause);
/* store_feed_list returns every feed ordered by id (*rows is malloc'd). */
int	 store_feed_list(struct store *, struct feed_row **rows, int *n,
	    char **cause);
/* store_feed_list_poll is store_feed_list without the counts (nentries -1). */
int	 store_feed_list_poll(struct store *, struct feed_row **rows, int *n,
	    char **cause);
/* store_feed_get reads one feed by id; -1 when there is none. */
int	 store_feed_get(struct store *, long long id, struct feed_row *out,
	    char **cause);
/* store_feed_find returns the id of the feed with that URL, or -1. */
long long store_feed_find(struct store *, const char *url);
/*
 * store_feeds_due returns the non-retired feeds with next_poll <= now
 * (nentries -1).
 */
int	 store_feeds_due(struct store *, long long now, struct feed_row **rows,
	    int *n, char **cause);
/* store_feed_next_poll returns the earliest next_poll of a live feed, or -1. */
long long store_feed_next_poll(struct store *);

/*
 * The outcome of one fetch, as the scheduler decided it.  Strings are
 * borrowed; NULL etag/last_modified/body_hash keep the stored ones unless
 * status is 200 (a 200 without validators clears them).
 */
struct fetch_record {
	long long	 when;
	int		 status;	/* HTTP status, 0 = transport error */
	const char	*error;		/* NULL on success */
	double		 duration;	/* seconds */
	long long	 bytes;
	const char	*etag;
	const char	*last_modified;
	const char	*body_hash;
	long long	 next_poll;
	long long	 interval;
	int		 failures;
	const char	*moved_to;	/* NULL clears */
	int		 moved_count;
	int		 retire;	/* 1: stop polling this feed */
	const char	*new_url;	/* non-NULL: the feed moved for good */
	int		 set_hints;	/* 1: store hints (all of them) */
	struct feed_hints hints;
};

/* store_feed_record stores the outcome of one fetch of a feed. */
int	 store_feed_record(struct store *, long long feed_id,
	    const struct fetch_record *, char **cause);
/*
 * store_feed_records stores the outcomes of n fetches without documents
 * (304s, unchanged bodies, failures) in one transaction; a feed removed
 * meanwhile is skipped and counted in *missing (may be NULL).
 */
int	 store_feed_records(struct store *, const long long *ids,
	    const struct fetch_record *recs, int n, int *missing,
	    char **cause);

/* entries.c */

struct ingest_stats {
	int		 added;		/* new entries */
	int		 updated;	/* entries whose content changed */
	int		 unchanged;	/* seen before, same content (or purged) */
	int		 folded;	/* new entries that joined an older story */
};

/*
 * store_ingest stores one parsed document of a feed in one transaction
 * (nothing half-written on any error): new entries are added and folded
 * into stories, changed ones updated in place (revision counted), purged
 * ones (tombstones) skipped; the feed's site link and title (unless set by
 * configuration) follow the document.  Storing the same document twice
 * changes nothing.  stats may be NULL.
 */
int	 store_ingest(struct store *, long long feed_id, const struct doc *,
	    long long now, struct ingest_stats *, char **cause);
/*
 * store_update is store_ingest (when doc is not NULL) and store_feed_record
 * (when rec is not NULL) in one transaction: what the scheduler should call
 * after a fetch, so that validators and entries never disagree.
 */
int	 store_update(struct store *, long long feed_id,
	    const struct fetch_record *rec, const struct doc *doc,
	    long long now, struct ingest_stats *, char **cause);
/*
 * store_prepare does ahead, on any thread and without the store, what
 * storing a document derives from its entries alone: guids, canonical
 * URLs and hashes, and with texts the plain text and near-duplicate keys
 * that folding a new entry needs (worth it when most entries are new: a
 * feed's first document).  The document must outlive the result.  A
 * thread that parses can so take that work off the one that writes.
 */
struct store_prep;
struct store_prep *store_prepare(const struct doc *, int texts);
void	 store_prep_free(struct store_prep *);

/* One feed update of store_update_many: what store_update takes. */
struct store_update_req {
	long long			 feed_id;
	const struct fetch_record	*rec;	/* may be NULL */
	const struct doc		*doc;	/* may be NULL */
	struct store_prep		*prep;	/* store_prepare(doc), or NULL;
					   the store completes it as it goes */
	long long			 now;
	struct ingest_stats		 stats;	/* out */
	int				 rc;	/* out: 0 stored, -1 not */
	char				*cause;	/* out: why not (caller frees) */
};
/*
 * store_update_many runs n store_update calls as one transaction: a
 * failing update is left out (r[i].rc -1 with r[i].cause; the others are
 * done again without it), the others are committed together.  Returns 0 when the commit went through,
 * -1 when none was stored (every rc -1).  Pages that every update writes
 * (the hashed and time-ordered indexes) then go to the log once for all.
 */
int	 store_update_many(struct store *, struct store_update_req *, int n);

/* stories.c */

/*
 * store_fts_update indexes up to max (0: all) of the stories waiting for
 * the full-text index (story_fts), oldest first, in one transaction.
 * Returns 1 when more may wait, 0 when none is left, -1 on error.
 */
int	 store_fts_update(struct store *, int max, char **cause);

/* merged.c */

/*
 * store_channel returns a page of the merged output: up to limit stories
 * newest first (only those carried by a feed tagged tag, unless tag is
 * NULL), starting after cursor (NULL = the first page).  channel->next is
 * the cursor of the next (older) page, or NULL; cursors are stable strings.
 * Each item is filled from the story's representative entry (its earliest
 * full version), names its source, the other sources (also) and up to
 * nrelated related stories (from the related table; a story shown without
 * a list gets one computed now, for a few milliseconds a page, or queued:
 * related_demand; with store_set_related_full, the waiting stories are
 * indexed first and every list is computed now).  title, link, self
 * and id of the channel are left for the caller.  Summary and content are
 * sanitized (store_set_cleaner): made once per entry revision, when first
 * asked for, and kept (entry_html); when the store cannot be written at
 * that moment (another writer, a full disk) they are made all the same.
 */
struct channel	*store_channel(struct store *, const char *tag,
		    const char *cursor, int limit, int nrelated, char **cause);

/* retention.c */

/*
 * store_retention purges entries older than max_age seconds (0 = keep) and
 * beyond the newest max_entries per feed (0 = unlimited), never those of
 * the newest keep stories (overall and per tag: what the output shows),
 * leaves tombstones so purged entries are not stored again, drops stale
 * dedup keys and tombstones, and reclaims space (incremental vacuum).
 */
int	 store_retention(struct store *, long long max_age, int max_entries,
	    int keep, long long now, char **cause);

/* related.c */

/*
 * store_related_update does a share of the related-stories work, in one
 * transaction: it forgets the stories that went, indexes in batches those
 * that arrived or changed, and computes (newest first) the lists that the
 * output window shows (the newest nshow stories, and a small margin) when
 * they are missing or a newer story may improve them, and those wanted
 * on demand, up to nrelated stories each.  With budget_ms > 0 it stops
 * after about that long (the daemon's slices); with 0, after one batch of
 * a few thousand stories (or when all is done).  Returns 1 when work is
 * left for another call, 0 when all is done (without writing anything
 * when there was nothing to do), -1 on error.
 */
int	 store_related_update(struct store *, long long now, int nshow,
	    int nrelated, int budget_ms, char **cause);
/*
 * store_related_catchup does all the related-stories work left, as calls
 * to store_related_update without a budget until none is left: what a
 * one-shot command (no daemon to finish it later) needs before it shows
 * lists.  Returns 0, or -1 on error (the batches done stay done).
 */
int	 store_related_catchup(struct store *, long long now, int nshow,
	    int nrelated, char **cause);
/*
 * store_set_related_full makes the readers of this connection bring the
 * related stories they show up to date first, whatever it costs: the
 * stories still waiting are indexed, and every list a page shows is
 * computed (store_channel) or one story's (store_related_story), none
 * left for later.  For one-shot commands; the daemon keeps the default
 * (a few milliseconds a page, the rest in its background slices).
 */
void	 store_set_related_full(struct store *);
/*
 * store_related_story computes the list of one story now (indexing it
 * first if it is still queued), whatever its state.
 */
int	 store_related_story(struct store *, long long story_id,
	    long long now, int nrelated, char **cause);
/*
 * store_related_find returns the story of an entry given by its id
 * (decimal), GUID or URL, or of an item id ("urn:syndic:story:N"); -1 when
 * there is none.
 */
long long store_related_find(struct store *, const char *key);
/*
 * store_related_item returns a story (title, link, source) with up to
 * nrelated of its related stories, as stored; NULL with *cause when there
 * is no such story.  Free with item_clear and free.
 */
struct item *store_related_item(struct store *, long long story_id,
	    int nrelated, char **cause);

#endif
