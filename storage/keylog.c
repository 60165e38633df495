/*
 * keylog.c: the near-duplicate keys of recent entries, on disk as an
 * append-only log and in memory, within a fixed budget, for lookups.
 *
 * Why a log: the keys are hashes, so an index on them is written at
 * random places; at 100k entries every feed update dirtied (and wrote to
 * the WAL) a page per key, and merging batches into one big index rewrote
 * most of it each time.  The table dedup_log is only ever appended to
 * (rows in id order, which is time order), so a feed update writes its
 * keys into the last page or two.  Lookups go to hash tables built from
 * the log on the first fold and kept current: before each fold
 * transaction the rows other processes appended since (id > last) are
 * read in, and our own rows are added as they are written.  A rolled-back
 * transaction throws the tables away (they are rebuilt from the newest
 * rows of the log, which rolled back too).
 *
 * Memory: the keys of the entries first seen within STORE_DEDUP_WINDOW,
 * but never more than KEYLOG_BUDGET bytes.  The tables are generations:
 * new keys go into the newest; a full one is closed and a new one begun,
 * and when the generations would outgrow the budget the oldest is dropped
 * whole (as is one whose entries all left the window).  So memory is
 * bounded whatever the number of feeds, and what is forgotten first is
 * what arrived first: syndicated copies arrive within hours or days of
 * each other, while the budget holds the last some 100,000 entries (at
 * about 12 keys an entry).  A copy of an entry that came longer ago than
 * that folds only by its URL.
 *
 * A slot is 32 bits: the top 16 bits of a key (its low bits picked the
 * slot) and the index (plus one) of its entry in the generation, so that
 * a generation indexes at most KEYLOG_GEN_ENTRIES entries.  Two keys that
 * share those bits only propose a wrong candidate, which the exact
 * comparison in stories.c rejects: the tables never decide a fold.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store_priv.h"
#include "xmalloc.h"

#define KEYLOG_MIN_BITS		16	/* slots of the first generation */
#define KEYLOG_STEP_BITS	2	/* each next one 4 times as big */
#define KEYLOG_MAX_BITS		20	/* of the biggest: 4 MiB */
#define KEYLOG_GEN_ENTRIES	65535	/* entries of a generation, at most */
#define KEYLOG_MAX_GENS		24
#define KEYLOG_BUDGET		(12 << 20)	/* bytes of all generations */
/* Log rows (entries) read in at most: more than the budget holds. */
#define KEYLOG_READ_MAX		150000
/* Keys a generation takes: three quarters of its slots. */
#define KEYLOG_GEN_KEYS(g)	(((g)->mask + 1) / 4 * 3)

/* One generation: a hash table of keys and the entries they belong to. */
struct keylog_gen {
	uint32_t	*slot;		/* key >> 48 << 16 | entry index + 1 */
	uint32_t	 mask;		/* 2^bits - 1 */
	int		 bits;
	uint32_t	 used;		/* keys */
	uint32_t	 nent;
	uint32_t	 allocent;	/* room in entry[] and seen[] */
	uint32_t	 capent;	/* entries it takes */
	long long	*entry;		/* entry ids, by index */
	long long	*seen;		/* when each was first seen */
	long long	 newest;	/* the latest seen */
	size_t		 bytes;		/* at most, once full */
};

struct keylog {
	struct keylog_gen	*gen[KEYLOG_MAX_GENS];	/* oldest first */
	int			 ngen;
	size_t			 bytes;	/* of all generations, at most */
	size_t			 budget;
	long long		 last;	/* last dedup_log id read in */
};

/* keylog_gen_bytes is the most a generation of 2^bits slots takes. */
static size_t
keylog_gen_bytes(int bits, uint32_t *capent)
{
	uint32_t	 ents = (1U << bits) / 12;

	/* Room for 9 keys an entry on average (it closes when full). */
	*capent = ents < KEYLOG_GEN_ENTRIES ? ents : KEYLOG_GEN_ENTRIES;
	return (sizeof(struct keylog_gen) + ((size_t)1 << bits) *
	    sizeof(uint32_t) + (size_t)*capent * 2 * sizeof(long long));
}

/* keylog_gen_free frees a generation; NULL is a no-op. */
static void
keylog_gen_free(struct keylog_gen *g)
{
	if (g == NULL)
		return;
	free(g->slot);
	free(g->entry);
	free(g->seen);
	free(g);
}

/* keylog_free frees the tables; NULL is a no-op. */
static void
keylog_free(struct keylog *k)
{
	int	 i;

	if (k == NULL)
		return;
	for (i = 0; i < k->ngen; i++)
		keylog_gen_free(k->gen[i]);
	free(k);
}

/* keylog_shift drops the oldest generation. */
static void
keylog_shift(struct keylog *k)
{
	k->bytes -= k->gen[0]->bytes;
	keylog_gen_free(k->gen[0]);
	memmove(&k->gen[0], &k->gen[1], --k->ngen * sizeof *k->gen);
}

/*
 * keylog_open_gen begins a new generation, twice the size of the last (up
 * to the biggest, and to a third of the budget), dropping the oldest ones
 * that would not fit in the budget or whose entries all left the window
 * (seen before since).
 */
static void
keylog_open_gen(struct keylog *k, long long since)
{
	struct keylog_gen	*g;
	uint32_t		 cap;
	int			 bits = KEYLOG_MIN_BITS;

	if (k->ngen > 0) {
		while (bits < KEYLOG_MAX_BITS && bits < KEYLOG_STEP_BITS +
		    k->gen[k->ngen - 1]->bits &&
		    3 * keylog_gen_bytes(bits + 1, &cap) <= k->budget)
			bits++;
	}
	while (bits > 8 && 3 * keylog_gen_bytes(bits, &cap) > k->budget)
		bits--;
	g = xcalloc(1, sizeof *g);
	g->bits = bits;
	g->mask = (1U << bits) - 1;
	g->bytes = keylog_gen_bytes(bits, &g->capent);
	g->slot = xcalloc((size_t)g->mask + 1, sizeof *g->slot);
	while (k->ngen > 0 && (k->ngen == KEYLOG_MAX_GENS ||
	    k->bytes + g->bytes > k->budget || k->gen[0]->newest < since))
		keylog_shift(k);
	k->gen[k->ngen++] = g;
	k->bytes += g->bytes;
}

/*
 * keylog_put adds the keys of entry (entry_id, seen) to the newest
 * generation (a new one when they do not fit).
 */
static void
keylog_put(struct keylog *k, const unsigned long long *keys, int n,
    long long entry_id, long long seen, long long since)
{
	struct keylog_gen	*g;
	uint32_t		 i, v;
	int			 j;

	if (n <= 0)
		return;
	g = k->ngen > 0 ? k->gen[k->ngen - 1] : NULL;
	if (g == NULL || g->nent == g->capent ||
	    g->used + n > KEYLOG_GEN_KEYS(g)) {
		keylog_open_gen(k, since);
		g = k->gen[k->ngen - 1];
	}
	if (g->nent == g->allocent) {
		g->allocent = g->allocent == 0 ? 256 : g->allocent * 2;
		if (g->allocent > g->capent)
			g->allocent = g->capent;
		g->entry = xreallocarray(g->entry, g->allocent,
		    sizeof *g->entry);
		g->seen = xreallocarray(g->seen, g->allocent, sizeof *g->seen);
	}
	g->entry[g->nent] = entry_id;
	g->seen[g->nent] = seen;
	if (seen > g->newest)
		g->newest = seen;
	v = ++g->nent;
	for (j = 0; j < n; j++) {
		for (i = (uint32_t)keys[j] & g->mask; g->slot[i] != 0;
		    i = (i + 1) & g->mask)
			continue;
		g->slot[i] = (uint32_t)(keys[j] >> 48) << 16 | v;
		g->used++;
	}
}

/* keylog_unpack reads the keys of a log row (8 bytes each, little-endian). */
static int
keylog_unpack(const unsigned char *b, int len, unsigned long long *keys)
{
	int	 i, j, n;

	n = len / 8 < STORE_MAX_KEYS ? len / 8 : STORE_MAX_KEYS;
	for (i = 0; i < n; i++) {
		keys[i] = 0;
		for (j = 7; j >= 0; j--)
			keys[i] = keys[i] << 8 | b[i * 8 + j];
	}
	return (n);
}

/*
 * keylog_read reads the log rows after k->last into the tables, at most
 * the newest KEYLOG_READ_MAX (older ones would not stay in the budget).
 */
static int
keylog_read(struct store *s, struct keylog *k, long long since, char **cause)
{
	unsigned long long	 keys[STORE_MAX_KEYS];
	sqlite3_stmt		*st;
	long long		 from = k->last;
	int			 rc, n;

	st = store_stmt(s, "SELECT max(id) FROM dedup_log");
	if (st == NULL)
		return (store_error(s, cause, "dedup keys"));
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_int64(st, 0) - KEYLOG_READ_MAX > from)
		from = sqlite3_column_int64(st, 0) - KEYLOG_READ_MAX;
	sqlite3_reset(st);
	st = store_stmt(s, "SELECT id, entry_id, seen, keys FROM dedup_log "
	    "WHERE id > ? ORDER BY id");
	if (st == NULL)
		return (store_error(s, cause, "dedup keys"));
	sqlite3_bind_int64(st, 1, from);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		k->last = sqlite3_column_int64(st, 0);
		if (sqlite3_column_int64(st, 2) < since)
			continue;
		n = keylog_unpack(sqlite3_column_blob(st, 3),
		    sqlite3_column_bytes(st, 3), keys);
		keylog_put(k, keys, n, sqlite3_column_int64(st, 1),
		    sqlite3_column_int64(st, 2), since);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return (store_error(s, cause, "dedup keys"));
	return (0);
}

/*
 * keylog_sync makes the tables current: built from the log on first use
 * (or after a rollback), then the rows other processes appended since.
 * Call it inside the write transaction, before keylog_find.
 */
int
keylog_sync(struct store *s, long long now, char **cause)
{
	if (s->keylog == NULL) {
		s->keylog = xcalloc(1, sizeof *s->keylog);
		s->keylog->budget = s->keylog_budget > 0 ? s->keylog_budget :
		    KEYLOG_BUDGET;
	}
	if (keylog_read(s, s->keylog, now - STORE_DEDUP_WINDOW, cause) == -1) {
		keylog_drop(s);
		return (-1);
	}
	return (0);
}

/* keylog_drop forgets the tables (after a rollback): rebuilt later. */
void
keylog_drop(struct store *s)
{
	keylog_free(s->keylog);
	s->keylog = NULL;
}

size_t
keylog_bytes(struct store *s)
{
	return (s->keylog == NULL ? 0 : s->keylog->bytes);
}

/*
 * keylog_find lists the entries first seen at or after since that share a
 * key with keys[0..n-1], at most max, each once, newest generation first;
 * title[i] is set when entry i shares keys[title_key] (-1: none).
 * Returns the count.
 */
int
keylog_find(struct store *s, const unsigned long long *keys, int n,
    int title_key, long long since, long long *entry, int *title, int max)
{
	struct keylog		*k = s->keylog;
	struct keylog_gen	*g;
	uint32_t		 i, v, fp;
	long long		 id;
	int			 c, j, m = 0, gi;

	if (k == NULL)
		return (0);
	/*
	 * Each key costs a cache miss a generation: ask for them all at once
	 * before looking at any.
	 */
	for (gi = k->ngen - 1; gi >= 0; gi--) {
		g = k->gen[gi];
		for (j = 0; j < n; j++)
			__builtin_prefetch(&g->slot[(uint32_t)keys[j] & g->mask]);
	}
	for (gi = k->ngen - 1; gi >= 0; gi--) {
		if ((g = k->gen[gi])->newest < since)
			continue;
		for (j = 0; j < n; j++) {
			fp = (uint32_t)(keys[j] >> 48);
			for (i = (uint32_t)keys[j] & g->mask;
			    (v = g->slot[i]) != 0; i = (i + 1) & g->mask) {
				if (v >> 16 != fp ||
				    g->seen[(v & 0xffff) - 1] < since)
					continue;
				id = g->entry[(v & 0xffff) - 1];
				for (c = 0; c < m && entry[c] != id; c++)
					continue;
				if (c == m) {
					if (m == max)
						continue;
					entry[m] = id;
					title[m++] = 0;
				}
				if (j == title_key)
					title[c] = 1;
			}
		}
	}
	return (m);
}

/*
 * keylog_add appends the keys of a new entry to the log, one row, and to
 * the tables (keys distinct, n at most STORE_MAX_KEYS).
 */
int
keylog_add(struct store *s, const unsigned long long *keys, int n,
    long long entry_id, long long now, char **cause)
{
	unsigned char	 b[STORE_MAX_KEYS * 8];
	sqlite3_stmt	*st;
	int		 i, j;

	if (n <= 0)
		return (0);
	if (n > STORE_MAX_KEYS)
		n = STORE_MAX_KEYS;
	for (i = 0; i < n; i++) {
		for (j = 0; j < 8; j++)
			b[i * 8 + j] = (unsigned char)(keys[i] >> (8 * j));
	}
	st = store_stmt(s, "INSERT INTO dedup_log (entry_id, seen, keys) "
	    "VALUES (?, ?, ?)");
	if (st == NULL)
		return (store_error(s, cause, "dedup keys"));
	sqlite3_bind_int64(st, 1, entry_id);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_blob(st, 3, b, n * 8, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return (store_error(s, cause, "dedup keys"));
	sqlite3_reset(st);
	if (s->keylog == NULL)
		return (0);
	keylog_put(s->keylog, keys, n, entry_id, now,
	    now - STORE_DEDUP_WINDOW);
	s->keylog->last = sqlite3_last_insert_rowid(s->db);
	return (0);
}

/*
 * keylog_prune deletes the log rows first seen before the window and
 * those older than the newest KEYLOG_READ_MAX (which the tables could not
 * hold), never the newest row: ids must keep growing for keylog_sync to
 * see new ones.
 */
int
keylog_prune(struct store *s, long long now, char **cause)
{
	sqlite3_stmt	*st;

	st = store_stmt(s, "DELETE FROM dedup_log WHERE id < max((SELECT "
	    "coalesce((SELECT id FROM dedup_log WHERE seen >= ?1 ORDER BY id "
	    "LIMIT 1), (SELECT max(id) FROM dedup_log))), "
	    "(SELECT max(id) FROM dedup_log) - ?2)");
	if (st == NULL)
		return (store_error(s, cause, "prune keys"));
	sqlite3_bind_int64(st, 1, now - STORE_DEDUP_WINDOW);
	sqlite3_bind_int64(st, 2, KEYLOG_READ_MAX);
	if (sqlite3_step(st) != SQLITE_DONE)
		return (store_error(s, cause, "prune keys"));
	sqlite3_reset(st);
	return (0);
}
