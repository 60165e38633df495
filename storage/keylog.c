/*
 * keylog.c: the near-duplicate keys of the last STORE_DEDUP_WINDOW
 * seconds, kept in memory for lookups and on disk as an append-only log.
 *
 * Why: the keys are hashes, so an index on them is written at random
 * places; at 100k entries every feed update dirtied (and wrote to the WAL)
 * a page per key, and merging batches into one big index rewrote most of
 * it each time.  The table dedup_log is only ever appended to (rows in id
 * order, which is time order), so a feed update writes its keys into the
 * last page or two.  Lookups go to an open-addressing hash table built
 * from the log on the first fold and kept current: before each fold
 * transaction the rows other processes appended since (id > last) are read
 * in, and our own rows are added as they are written.  A rolled-back
 * transaction throws the table away (it is rebuilt from the log, which
 * rolled back too).  Cost: 11 to 21 bytes of memory a key, some 15 keys an
 * entry, for the entries first seen within the window.
 *
 * A slot holds the upper 32 bits of a key, which also pick the slot, and
 * the index (plus one) of its entry in ent[]: the table can grow, and drop
 * the entries that left the window, without the keys.  Two keys that
 * share those 32 bits only propose a wrong candidate, which the exact
 * comparison in stories.c rejects: the table never decides a fold.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store_priv.h"
#include "xmalloc.h"

#define KEYLOG_MIN_SLOTS	(1 << 14)
#define KEYLOG_FULL(k)		((k)->used > ((k)->mask + 1) / 4 * 3)

/* An entry with keys in the table. */
struct keylog_ent {
	long long	 entry_id;
	long long	 seen;
};

struct keylog {
	uint64_t		*slot;	/* fingerprint << 32 | ent + 1 */
	size_t			 mask;
	size_t			 used;
	struct keylog_ent	*ent;
	size_t			 nent;
	size_t			 capent;
	long long		 last;	/* last dedup_log id read in */
};

/* keylog_free frees a table; NULL is a no-op. */
static void
keylog_free(struct keylog *k)
{
	if (k == NULL)
		return;
	free(k->slot);
	free(k->ent);
	free(k);
}

/* keylog_insert puts a slot value in the first free place of its run. */
static void
keylog_insert(uint64_t *slot, size_t mask, uint64_t v)
{
	size_t	 i;

	for (i = (v >> 32) & mask; slot[i] != 0; i = (i + 1) & mask)
		continue;
	slot[i] = v;
}

/*
 * keylog_grow rebuilds the table without the entries first seen before
 * since, with room for twice the keys left.
 */
static void
keylog_grow(struct keylog *k, long long since)
{
	struct keylog_ent	*ent;
	uint32_t		*map;
	uint64_t		*slot, v;
	size_t			 i, n, nent = 0, used = 0, live = 0;

	map = xcalloc(k->nent + 1, sizeof *map);
	ent = xreallocarray(NULL, k->nent + 1, sizeof *ent);
	for (i = 0; i < k->nent; i++) {
		if (k->ent[i].seen < since)
			continue;
		ent[nent] = k->ent[i];
		map[i + 1] = (uint32_t)++nent;
	}
	for (i = 0; i <= k->mask; i++)
		live += k->slot[i] != 0 && map[k->slot[i] & 0xffffffffU] != 0;
	for (n = KEYLOG_MIN_SLOTS; n < live * 2; n *= 2)
		continue;
	slot = xcalloc(n, sizeof *slot);
	for (i = 0; i <= k->mask; i++) {
		if ((v = k->slot[i]) == 0 || map[v & 0xffffffffU] == 0)
			continue;
		keylog_insert(slot, n - 1, (v >> 32 << 32) |
		    map[v & 0xffffffffU]);
		used++;
	}
	free(map);
	free(k->slot);
	free(k->ent);
	k->slot = slot;
	k->mask = n - 1;
	k->used = used;
	k->ent = ent;
	k->nent = k->capent = nent;
	if (k->capent == 0) {
		free(k->ent);
		k->ent = NULL;
	}
}

/* keylog_put adds one key of entry (entry_id, seen) to the table. */
static void
keylog_put(struct keylog *k, unsigned long long key, long long entry_id,
    long long seen, long long since)
{
	if (KEYLOG_FULL(k))
		keylog_grow(k, since);
	if (k->nent == 0 || k->ent[k->nent - 1].entry_id != entry_id) {
		if (k->nent == k->capent) {
			k->capent = k->capent == 0 ? 1024 : k->capent * 2;
			k->ent = xreallocarray(k->ent, k->capent,
			    sizeof *k->ent);
		}
		k->ent[k->nent].entry_id = entry_id;
		k->ent[k->nent].seen = seen;
		k->nent++;
	}
	keylog_insert(k->slot, k->mask, (key >> 32 << 32) | (uint64_t)k->nent);
	k->used++;
}

/* keylog_read reads the log rows after k->last into the table. */
static int
keylog_read(struct store *s, struct keylog *k, long long since, char **cause)
{
	sqlite3_stmt	*st;
	int		 rc;

	st = store_stmt(s, "SELECT id, key, entry_id, seen FROM dedup_log "
	    "WHERE id > ? ORDER BY id");
	if (st == NULL)
		return (store_error(s, cause, "dedup keys"));
	sqlite3_bind_int64(st, 1, k->last);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		k->last = sqlite3_column_int64(st, 0);
		if (sqlite3_column_int64(st, 3) < since)
			continue;
		keylog_put(k, (unsigned long long)sqlite3_column_int64(st, 1),
		    sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3),
		    since);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return (store_error(s, cause, "dedup keys"));
	return (0);
}

/*
 * keylog_sync makes the table current: built from the log on first use
 * (or after a rollback), then the rows other processes appended since.
 * Call it inside the write transaction, before keylog_find.
 */
int
keylog_sync(struct store *s, long long now, char **cause)
{
	struct keylog	*k;

	if ((k = s->keylog) == NULL) {
		k = xcalloc(1, sizeof *k);
		k->slot = xcalloc(KEYLOG_MIN_SLOTS, sizeof *k->slot);
		k->mask = KEYLOG_MIN_SLOTS - 1;
		s->keylog = k;
	}
	if (keylog_read(s, k, now - STORE_DEDUP_WINDOW, cause) == -1) {
		keylog_drop(s);
		return (-1);
	}
	return (0);
}

/* keylog_drop forgets the table (after a rollback): it is rebuilt later. */
void
keylog_drop(struct store *s)
{
	keylog_free(s->keylog);
	s->keylog = NULL;
}

/*
 * keylog_find lists the entries first seen at or after since that share a
 * key with keys[0..n-1], at most max, each once; title[i] is set when
 * entry i shares keys[title_key] (-1: none).  Returns the count.
 */
int
keylog_find(struct store *s, const unsigned long long *keys, int n,
    int title_key, long long since, long long *entry, int *title, int max)
{
	struct keylog		*k = s->keylog;
	struct keylog_ent	*e;
	uint64_t		 v;
	size_t			 i;
	int			 c, j, m = 0;

	if (k == NULL)
		return (0);
	for (j = 0; j < n; j++) {
		for (i = (keys[j] >> 32) & k->mask; (v = k->slot[i]) != 0;
		    i = (i + 1) & k->mask) {
			if (v >> 32 != keys[j] >> 32)
				continue;
			e = &k->ent[(v & 0xffffffffU) - 1];
			if (e->seen < since)
				continue;
			for (c = 0; c < m && entry[c] != e->entry_id; c++)
				continue;
			if (c == m) {
				if (m == max)
					continue;
				entry[m] = e->entry_id;
				title[m++] = 0;
			}
			if (j == title_key)
				title[c] = 1;
		}
	}
	return (m);
}

/*
 * keylog_add appends the keys of a new entry to the log and the table
 * (keys distinct, n at most STORE_MAX_KEYS).
 */
int
keylog_add(struct store *s, const unsigned long long *keys, int n,
    long long entry_id, long long now, char **cause)
{
	sqlite3_stmt	*st;
	int		 i;

	if (n == 0)
		return (0);
	st = store_stmt(s, "INSERT INTO dedup_log (key, entry_id, seen) "
	    "SELECT column1, ?16, ?17 FROM (VALUES (?1), (?2), (?3), (?4), "
	    "(?5), (?6), (?7), (?8), (?9), (?10), (?11), (?12), (?13), (?14), "
	    "(?15)) WHERE column1 IS NOT NULL");
	if (st == NULL)
		return (store_error(s, cause, "dedup keys"));
	for (i = 0; i < n && i < STORE_MAX_KEYS; i++)
		sqlite3_bind_int64(st, i + 1, (long long)keys[i]);
	sqlite3_bind_int64(st, 16, entry_id);
	sqlite3_bind_int64(st, 17, now);
	if (sqlite3_step(st) != SQLITE_DONE)
		return (store_error(s, cause, "dedup keys"));
	sqlite3_reset(st);
	if (s->keylog == NULL)
		return (0);
	for (i = 0; i < n && i < STORE_MAX_KEYS; i++)
		keylog_put(s->keylog, keys[i], entry_id, now,
		    now - STORE_DEDUP_WINDOW);
	s->keylog->last = sqlite3_last_insert_rowid(s->db);
	return (0);
}

/*
 * keylog_prune deletes the log rows first seen before the window (never
 * the newest row: ids must keep growing for keylog_sync to see new ones).
 */
int
keylog_prune(struct store *s, long long now, char **cause)
{
	sqlite3_stmt	*st;

	st = store_stmt(s, "DELETE FROM dedup_log WHERE id < (SELECT "
	    "coalesce((SELECT id FROM dedup_log WHERE seen >= ?1 ORDER BY id "
	    "LIMIT 1), (SELECT max(id) FROM dedup_log)))");
	if (st == NULL)
		return (store_error(s, cause, "prune keys"));
	sqlite3_bind_int64(st, 1, now - STORE_DEDUP_WINDOW);
	if (sqlite3_step(st) != SQLITE_DONE)
		return (store_error(s, cause, "prune keys"));
	sqlite3_reset(st);
	return (0);
}
