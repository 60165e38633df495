/*
 * stories.c: folding entries into stories (deduplication).
 *
 * A new entry joins an existing story when
 *  1. another entry has the same canonical URL (any feed), or
 *  2. its text is nearly the same as that of an entry first seen within
 *     the last STORE_DEDUP_WINDOW seconds.
 * (The same GUID in one feed is the same entry: entries.c updates it.)
 *
 * Near-identical text is found the way search engines find near-duplicate
 * pages: the text (title and body) becomes the set of hashes of its 3-word
 * shingles; a MinHash signature of DEDUP_BANDS * DEDUP_ROWS values, cut in
 * bands, gives one key per band (LSH: two texts with Jaccard similarity J
 * share some key with probability 1 - (1 - J^ROWS)^BANDS).  Two more kinds
 * of keys catch copies that are much shorter than the original (a summary
 * of a full article): "lead" keys, the first few 5-word shingles of the
 * body, and a key for the whole title.  Keys live for the window only,
 * first in dedup_recent, then (DEDUP_MERGE_ROWS at a time, in key order)
 * in dedup_keys: one big index written a few keys per feed update would
 * dirty, and write to the WAL, a page per key.  A key only proposes a candidate; the candidate's text is
 * then compared exactly (Jaccard, or containment of the shorter text in the
 * longer), so a hash collision never folds two different articles.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "store_priv.h"
#include "xmalloc.h"

#define DEDUP_BANDS		10
#define DEDUP_ROWS		3
#define DEDUP_HASHES		(DEDUP_BANDS * DEDUP_ROWS)
#define DEDUP_LEAD		4	/* lead keys */
#define DEDUP_LEAD_STEP		3	/* words between lead shingles */
#define DEDUP_LEAD_WIDTH	5	/* words per lead shingle */
#define DEDUP_MAX_KEYS		(DEDUP_BANDS + DEDUP_LEAD + 1)
#define DEDUP_SQL_KEYS		21	/* ?1..?21 in the key statements */
#define DEDUP_MIN_SHINGLES	8	/* shorter texts fold by URL only */
#define DEDUP_BAND_SHINGLES	60	/* shorter texts get no band keys */
#define DEDUP_MAX_CANDIDATES	32
#define DEDUP_MAX_WORDS		20000	/* of one text */
#define DEDUP_MERGE_ROWS	10000	/* recent keys moved at once */

/* Thresholds of the exact comparison (see tests/eval_dedup.c). */
#define DEDUP_JACCARD		0.45
#define DEDUP_CONTAINED		0.70
#define DEDUP_TITLE_CONTAINED	0.30

/* stories_mix is a 64-bit finalizer (splitmix64). */
static unsigned long long
stories_mix(unsigned long long x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return (x);
}

/*
 * stories_words hashes the words of text (runs of letters and digits,
 * ASCII folded to lower case, any non-ASCII byte counted as a letter).
 * Returns the number of words; *out is malloc'd.
 */
static int
stories_words(const char *text, unsigned long long **out)
{
	const unsigned char	*p = (const unsigned char *)text;
	unsigned long long	*w = NULL, h;
	int			 n = 0, cap = 0;

	while (p != NULL && *p != '\0' && n < DEDUP_MAX_WORDS) {
		if (!isalnum(*p) && *p < 0x80) {
			p++;
			continue;
		}
		h = 0xcbf29ce484222325ULL;
		for (; *p != '\0' && (isalnum(*p) || *p >= 0x80); p++)
			h = (h ^ tolower(*p)) * 0x100000001b3ULL;
		if (n == cap) {
			cap = cap == 0 ? 256 : cap * 2;
			w = xreallocarray(w, cap, sizeof *w);
		}
		w[n++] = h;
	}
	*out = w;
	return (n);
}

/* stories_sort sorts n hashes (LSD radix, 8 bits a pass; tmp holds n). */
static void
stories_sort(unsigned long long *v, unsigned long long *tmp, int n)
{
	unsigned long long	*src = v, *dst = tmp, *t;
	int			 count[256], i, pass, sum, c;

	for (pass = 0; pass < 64; pass += 8) {
		memset(count, 0, sizeof count);
		for (i = 0; i < n; i++)
			count[(src[i] >> pass) & 0xff]++;
		for (i = sum = 0; i < 256; i++) {
			c = count[i];
			count[i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			dst[count[(src[i] >> pass) & 0xff]++] = src[i];
		t = src;
		src = dst;
		dst = t;
	}
	/* Eight passes: the result is back in v. */
}

/* shingles_from builds the sorted set of 3-word shingles of n words. */
static void
shingles_from(struct shingles *sh, const unsigned long long *w, int n)
{
	unsigned long long	*tmp;
	int			 i, j;

	sh->n = 0;
	sh->h = NULL;
	if (n <= 0)
		return;
	sh->h = xreallocarray(NULL, n, sizeof *sh->h);
	if (n < 3)
		sh->h[sh->n++] = stories_mix(w[0] + (n == 2 ? w[1] * 31 : 0));
	for (i = 0; i + 3 <= n; i++)
		sh->h[sh->n++] = stories_mix(w[i] * 0x9e3779b97f4a7c15ULL +
		    w[i + 1] * 0xc2b2ae3d27d4eb4fULL + w[i + 2]);
	tmp = xreallocarray(NULL, sh->n, sizeof *tmp);
	stories_sort(sh->h, tmp, sh->n);
	free(tmp);
	for (i = j = 0; i < sh->n; i++) {
		if (j == 0 || sh->h[j - 1] != sh->h[i])
			sh->h[j++] = sh->h[i];
	}
	sh->n = j;
}

void
shingles_make(struct shingles *sh, const char *text)
{
	unsigned long long	*w;
	int			 n;

	n = stories_words(text, &w);
	shingles_from(sh, w, n);
	free(w);
}

void
shingles_free(struct shingles *sh)
{
	free(sh->h);
	sh->h = NULL;
	sh->n = 0;
}

/* shingles_common counts the hashes two sorted sets share. */
static int
shingles_common(const struct shingles *a, const struct shingles *b)
{
	int	 i = 0, j = 0, c = 0;

	while (i < a->n && j < b->n) {
		if (a->h[i] == b->h[j]) {
			c++;
			i++;
			j++;
		} else if (a->h[i] < b->h[j])
			i++;
		else
			j++;
	}
	return (c);
}

double
shingles_jaccard(const struct shingles *a, const struct shingles *b)
{
	int	 c;

	if (a->n == 0 || b->n == 0)
		return (0);
	c = shingles_common(a, b);
	return ((double)c / (a->n + b->n - c));
}

double
shingles_containment(const struct shingles *a, const struct shingles *b)
{
	int	 m = a->n < b->n ? a->n : b->n;

	if (m == 0)
		return (0);
	return ((double)shingles_common(a, b) / m);
}

/* The text of an entry as dedup sees it: title, then body. */
struct dedup_text {
	struct shingles		 sh;
	unsigned long long	 keys[DEDUP_MAX_KEYS];
	int			 nkeys;
	int			 title_words;
};

/* dedup_keys computes the keys of a text (see the top of this file). */
static void
dedup_make(struct dedup_text *d, const char *title, const char *text)
{
	unsigned long long	*tw, *bw, *all, mins[DEDUP_HASHES], v, h;
	int			 nt, nb, i, j, b;

	memset(d, 0, sizeof *d);
	nt = stories_words(title, &tw);
	nb = stories_words(text, &bw);
	all = xreallocarray(NULL, nt + nb + 1, sizeof *all);
	if (nt > 0)
		memcpy(all, tw, nt * sizeof *all);
	if (nb > 0)
		memcpy(all + nt, bw, nb * sizeof *all);
	shingles_from(&d->sh, all, nt + nb);
	free(all);
	d->title_words = nt;
	/*
	 * A short text (a summary) is found by its lead and title keys, and
	 * a long copy of it could not share a band anyway (its Jaccard
	 * similarity is small): bands only for long texts, which saves
	 * their random index writes.
	 */
	if (d->sh.n >= DEDUP_BAND_SHINGLES) {
		for (j = 0; j < DEDUP_HASHES; j++)
			mins[j] = ~0ULL;
		for (i = 0; i < d->sh.n; i++) {
			for (j = 0; j < DEDUP_HASHES; j++) {
				/* Multiply-shift: one hash per row. */
				v = d->sh.h[i] * (0x9e3779b97f4a7c15ULL +
				    2 * (unsigned long long)j * 0x632be59bd9b4e019ULL)
				    + (unsigned long long)j * 0x85ebca6bULL;
				if (v < mins[j])
					mins[j] = v;
			}
		}
		for (b = 0; b < DEDUP_BANDS; b++) {
			h = stories_mix(0x100 + b);
			for (j = 0; j < DEDUP_ROWS; j++)
				h = stories_mix(h ^ mins[b * DEDUP_ROWS + j]);
			d->keys[d->nkeys++] = h;
		}
	}
	for (i = 0; i < DEDUP_LEAD &&
	    i * DEDUP_LEAD_STEP + DEDUP_LEAD_WIDTH <= nb; i++) {
		h = stories_mix(0x200);
		for (j = 0; j < DEDUP_LEAD_WIDTH; j++)
			h = stories_mix(h ^ bw[i * DEDUP_LEAD_STEP + j]);
		d->keys[d->nkeys++] = h;
	}
	if (nt >= 4) {
		h = stories_mix(0x300);
		for (j = 0; j < nt; j++)
			h = stories_mix(h ^ tw[j]);
		d->keys[d->nkeys++] = h;
	}
	free(tw);
	free(bw);
}

/* dedup_same decides whether two texts are the same article. */
static double
dedup_same(const struct dedup_text *a, const struct dedup_text *b,
    int same_title)
{
	double	 j, c;
	int	 m = a->sh.n < b->sh.n ? a->sh.n : b->sh.n;

	if (m < DEDUP_MIN_SHINGLES)
		return (0);
	if ((j = shingles_jaccard(&a->sh, &b->sh)) >= DEDUP_JACCARD)
		return (1 + j);
	c = shingles_containment(&a->sh, &b->sh);
	if (c >= DEDUP_CONTAINED)
		return (c);
	if (same_title && c >= DEDUP_TITLE_CONTAINED)
		return (c);
	return (0);
}

/* A candidate story proposed by a key. */
struct dedup_candidate {
	long long	 entry_id;
	long long	 story_id;
	int		 title;		/* proposed by the title key */
};

/* stories_by_url returns the story of another entry with url, or -1. */
static long long
stories_by_url(struct store *s, long long entry_id, const char *url,
    long long key)
{
	sqlite3_stmt	*st;
	const char	*p;
	long long	 id = -1;

	/* A site's front page is no article: never fold on it. */
	if (url == NULL || (p = strstr(url, "://")) == NULL ||
	    (p = strchr(p + 3, '/')) == NULL || p[1] == '\0')
		return (-1);
	st = store_stmt(s, "SELECT story_id FROM entries WHERE url_key = ?3 "
	    "AND canonical_url = ?1 AND id <> ?2 AND story_id IS NOT NULL "
	    "LIMIT 1");
	if (st == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, entry_id);
	sqlite3_bind_int64(st, 3, key);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return (id);
}

#if DEDUP_MAX_KEYS > DEDUP_SQL_KEYS
#error "more dedup keys than the statements hold"
#endif

/* stories_bind_keys binds the keys of d to ?1..?N (repeating the last). */
static void
stories_bind_keys(sqlite3_stmt *st, const struct dedup_text *d, int first)
{
	int	 k;

	for (k = 0; k < DEDUP_SQL_KEYS; k++)
		sqlite3_bind_int64(st, first + k, (long long)d->keys[k <
		    d->nkeys ? k : d->nkeys - 1]);
}

#define DEDUP_KEY_LIST \
	"?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18," \
	"?19,?20,?21"

/* stories_candidates collects the entries that share a key with d. */
static int
stories_candidates(struct store *s, const struct dedup_text *d,
    long long entry_id, long long since, struct dedup_candidate *c)
{
	sqlite3_stmt	*st;
	long long	 id;
	int		 i, n = 0;

	if (d->nkeys == 0)
		return (0);
	st = store_stmt(s, "SELECT k.entry_id, e.story_id, k.key = ?23 "
	    "FROM (SELECT key, entry_id, seen FROM dedup_keys WHERE key IN ("
	    DEDUP_KEY_LIST ") UNION ALL SELECT key, entry_id, seen FROM "
	    "dedup_recent WHERE key IN (" DEDUP_KEY_LIST ")) k "
	    "JOIN entries e ON e.id = k.entry_id WHERE k.seen >= ?22 "
	    "AND e.story_id IS NOT NULL LIMIT 64");
	if (st == NULL)
		return (0);
	stories_bind_keys(st, d, 1);
	sqlite3_bind_int64(st, 22, since);
	/* The title key is the last one, when there is one. */
	sqlite3_bind_int64(st, 23, d->title_words >= 4 ?
	    (long long)d->keys[d->nkeys - 1] : 0);
	while (sqlite3_step(st) == SQLITE_ROW && n < DEDUP_MAX_CANDIDATES) {
		if ((id = sqlite3_column_int64(st, 0)) == entry_id)
			continue;
		for (i = 0; i < n && c[i].entry_id != id; i++)
			continue;
		if (i == n) {
			c[n].entry_id = id;
			c[n].story_id = sqlite3_column_int64(st, 1);
			c[n].title = 0;
			n++;
		}
		if (sqlite3_column_int(st, 2))
			c[i].title = 1;
	}
	sqlite3_reset(st);
	return (n);
}

/* stories_verify compares a candidate's stored text with d; 0 = differs. */
static double
stories_verify(struct store *s, const struct dedup_text *d,
    const struct dedup_candidate *c)
{
	sqlite3_stmt		*st;
	struct dedup_text	 o;
	double			 score = 0;

	st = store_stmt(s, "SELECT title, text FROM entries WHERE id = ?");
	if (st == NULL)
		return (0);
	sqlite3_bind_int64(st, 1, c->entry_id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		dedup_make(&o, (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1));
		score = dedup_same(d, &o, c->title);
		shingles_free(&o.sh);
	}
	sqlite3_reset(st);
	return (score);
}

/* stories_keep_keys stores the keys of a new entry. */
static int
stories_keep_keys(struct store *s, const struct dedup_text *d,
    long long entry_id, long long now, char **cause)
{
	sqlite3_stmt	*st;

	if (d->nkeys == 0)
		return (0);
	/* One statement for every key; repeated keys are ignored. */
	st = store_stmt(s, "INSERT OR IGNORE INTO dedup_recent (key, "
	    "entry_id, seen) SELECT value, ?22, ?23 FROM (SELECT ?1 AS value UNION "
	    "SELECT ?2 UNION SELECT ?3 UNION SELECT ?4 UNION SELECT ?5 UNION "
	    "SELECT ?6 UNION SELECT ?7 UNION SELECT ?8 UNION SELECT ?9 UNION "
	    "SELECT ?10 UNION SELECT ?11 UNION SELECT ?12 UNION SELECT ?13 "
	    "UNION SELECT ?14 UNION SELECT ?15 UNION SELECT ?16 UNION SELECT "
	    "?17 UNION SELECT ?18 UNION SELECT ?19 UNION SELECT ?20 UNION "
	    "SELECT ?21)");
	if (st == NULL)
		return (store_error(s, cause, "dedup keys"));
	stories_bind_keys(st, d, 1);
	sqlite3_bind_int64(st, 22, entry_id);
	sqlite3_bind_int64(st, 23, now);
	if (sqlite3_step(st) != SQLITE_DONE)
		return (store_error(s, cause, "dedup keys"));
	sqlite3_reset(st);
	s->recent_keys += d->nkeys;
	return (0);
}

int
stories_merge(struct store *s, int force, char **cause)
{
	if (!force && s->recent_keys < DEDUP_MERGE_ROWS)
		return (0);
	if (store_begin(s, cause) == -1)
		return (-1);
	if (store_exec(s, "INSERT OR IGNORE INTO dedup_keys SELECT key, "
	    "entry_id, seen FROM dedup_recent ORDER BY key, entry_id; "
	    "DELETE FROM dedup_recent", cause) == -1) {
		store_rollback(s);
		return (-1);
	}
	if (store_commit(s, cause) == -1)
		return (-1);
	s->recent_keys = 0;
	return (0);
}

/*
 * stories_fts adds (add) or removes a story's row of the full-text index.
 * Additions wait in temp.fts_pending until stories_fts_flush (at commit):
 * FTS5 flushes its pending terms at every statement inside a transaction,
 * so one INSERT per story would write a tiny index segment each time.
 */
static int
stories_fts(struct store *s, int add, long long story_id, const char *title,
    const char *text, char **cause)
{
	sqlite3_stmt	*st;

	if (!add) {
		st = store_stmt(s, "DELETE FROM temp.fts_pending WHERE id = ?");
		if (st == NULL)
			return (store_error(s, cause, "fts"));
		sqlite3_bind_int64(st, 1, story_id);
		if (sqlite3_step(st) != SQLITE_DONE)
			return (store_error(s, cause, "fts"));
		if (sqlite3_changes(s->db) > 0)
			return (0);	/* was never indexed */
		st = store_stmt(s, "INSERT INTO story_fts (story_fts, rowid, "
		    "title, text) VALUES ('delete', ?, ?, ?)");
	} else {
		st = store_stmt(s, "INSERT OR REPLACE INTO temp.fts_pending "
		    "(id, title, text) VALUES (?, ?, ?)");
		s->fts_pending++;
	}
	if (st == NULL)
		return (store_error(s, cause, "fts"));
	sqlite3_bind_int64(st, 1, story_id);
	sqlite3_bind_text(st, 2, title == NULL ? "" : title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, text == NULL ? "" : text, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return (store_error(s, cause, "fts"));
	sqlite3_reset(st);
	return (0);
}

int
stories_fts_flush(struct store *s, char **cause)
{
	sqlite3_stmt	*st;

	if (s->fts_pending == 0)
		return (0);
	st = store_stmt(s, "INSERT INTO story_fts (rowid, title, text) "
	    "SELECT id, title, text FROM temp.fts_pending");
	if (st == NULL || sqlite3_step(st) != SQLITE_DONE)
		return (store_error(s, cause, "fts"));
	st = store_stmt(s, "DELETE FROM temp.fts_pending");
	if (st == NULL || sqlite3_step(st) != SQLITE_DONE)
		return (store_error(s, cause, "fts"));
	s->fts_pending = 0;
	return (0);
}

/* stories_create makes a new story headed by an entry. */
static long long
stories_create(struct store *s, long long entry_id, const char *title,
    const char *text, long long when, char **cause)
{
	sqlite3_stmt	*st;
	long long	 id;

	st = store_stmt(s, "INSERT INTO story (entry_id, first_seen, "
	    "sort_time) SELECT id, first_seen, ? FROM entries WHERE id = ?");
	if (st == NULL)
		return (store_error(s, cause, "new story"));
	sqlite3_bind_int64(st, 1, when);
	sqlite3_bind_int64(st, 2, entry_id);
	if (sqlite3_step(st) != SQLITE_DONE)
		return (store_error(s, cause, "new story"));
	id = sqlite3_last_insert_rowid(s->db);
	st = store_stmt(s, "UPDATE entries SET story_id = ? WHERE id = ?");
	if (st == NULL)
		return (store_error(s, cause, "new story"));
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, entry_id);
	if (sqlite3_step(st) != SQLITE_DONE)
		return (store_error(s, cause, "new story"));
	if (stories_fts(s, 1, id, title, text, cause) == -1)
		return (-1);
	return (id);
}

long long
stories_fold(struct store *s, long long entry_id, long long feed_id,
    const char *canonical_url, long long url_key, const char *title,
    const char *text, long long published, int full, long long now,
    int *folded, char **cause)
{
	struct dedup_text	 d;
	struct dedup_candidate	 c[DEDUP_MAX_CANDIDATES];
	long long		 story = -1, when;
	double			 score, best = 0;
	int			 i, n;

	*folded = 0;
	when = published != TIME_UNKNOWN && published < now ? published : now;
	dedup_make(&d, title, text);
	story = stories_by_url(s, entry_id, canonical_url, url_key);
	if (story == -1) {
		n = stories_candidates(s, &d, entry_id,
		    now - STORE_DEDUP_WINDOW, c);
		for (i = 0; i < n; i++) {
			if ((score = stories_verify(s, &d, &c[i])) > best) {
				best = score;
				story = c[i].story_id;
			}
		}
	}
	if (stories_keep_keys(s, &d, entry_id, now, cause) == -1) {
		shingles_free(&d.sh);
		return (-1);
	}
	shingles_free(&d.sh);
	if (story == -1)
		return (stories_create(s, entry_id, title, text, when, cause));
	*folded = 1;
	if (stories_join(s, story, entry_id, feed_id, 1, cause) == -1)
		return (-1);
	return (story);
}

/* stories_head_swap makes entry_id the head of a story, FTS row included. */
static int
stories_head_swap(struct store *s, long long story, long long entry_id,
    char **cause)
{
	sqlite3_stmt	*st;
	char		*ot, *ox, *nt, *nx;
	int		 rc = -1;

	st = store_stmt(s, "SELECT o.title, o.text, n.title, n.text "
	    "FROM story s JOIN entries o ON o.id = s.entry_id, entries n "
	    "WHERE s.id = ? AND n.id = ?");
	if (st == NULL)
		return (store_error(s, cause, "story head"));
	sqlite3_bind_int64(st, 1, story);
	sqlite3_bind_int64(st, 2, entry_id);
	if (sqlite3_step(st) != SQLITE_ROW)
		return (store_error(s, cause, "story head"));
	ot = store_text(st, 0);
	ox = store_text(st, 1);
	nt = store_text(st, 2);
	nx = store_text(st, 3);
	sqlite3_reset(st);
	if (stories_fts(s, 0, story, ot, ox, cause) == 0 &&
	    stories_fts(s, 1, story, nt, nx, cause) == 0) {
		st = store_stmt(s, "UPDATE story SET entry_id = ? WHERE id = ?");
		if (st != NULL) {
			sqlite3_bind_int64(st, 1, entry_id);
			sqlite3_bind_int64(st, 2, story);
		}
		if (st == NULL || sqlite3_step(st) != SQLITE_DONE)
			store_error(s, cause, "story head");
		else
			rc = 0;
	}
	free(ot);
	free(ox);
	free(nt);
	free(nx);
	return (rc);
}

int
stories_join(struct store *s, long long story, long long entry_id,
    long long feed_id, int check_head, char **cause)
{
	sqlite3_stmt	*st;
	int		 better = 0;

	st = store_stmt(s, "UPDATE story SET nentries = nentries + 1, "
	    "nsources = nsources + NOT EXISTS (SELECT 1 FROM entries WHERE "
	    "story_id = ?1 AND feed_id = ?2), "
	    "sort_time = min(sort_time, (SELECT CASE WHEN published < "
	    "first_seen THEN published ELSE first_seen END FROM entries "
	    "WHERE id = ?3)) WHERE id = ?1");
	if (st == NULL)
		return (store_error(s, cause, "join story"));
	sqlite3_bind_int64(st, 1, story);
	sqlite3_bind_int64(st, 2, feed_id);
	sqlite3_bind_int64(st, 3, entry_id);
	if (sqlite3_step(st) != SQLITE_DONE)
		return (store_error(s, cause, "join story"));
	st = store_stmt(s, "UPDATE entries SET story_id = ? WHERE id = ?");
	if (st == NULL)
		return (store_error(s, cause, "join story"));
	sqlite3_bind_int64(st, 1, story);
	sqlite3_bind_int64(st, 2, entry_id);
	if (sqlite3_step(st) != SQLITE_DONE)
		return (store_error(s, cause, "join story"));
	if (!check_head)
		return (0);
	/*
	 * The head is the earliest full version: a full text replaces a
	 * summary, and a text twice as long replaces a short one.
	 */
	st = store_stmt(s, "SELECT (n.content IS NOT NULL AND o.content IS "
	    "NULL) OR (n.content IS NULL) = (o.content IS NULL) AND "
	    "length(n.text) >= 2 * length(o.text) + 1 "
	    "FROM story s JOIN entries o ON o.id = s.entry_id, entries n "
	    "WHERE s.id = ? AND n.id = ?");
	if (st == NULL)
		return (store_error(s, cause, "join story"));
	sqlite3_bind_int64(st, 1, story);
	sqlite3_bind_int64(st, 2, entry_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		better = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	if (better)
		return (stories_head_swap(s, story, entry_id, cause));
	return (0);
}

int
stories_reindex(struct store *s, long long story, const char *old_title,
    const char *old_text, char **cause)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (stories_fts(s, 0, story, old_title, old_text, cause) == -1)
		return (-1);
	st = store_stmt(s, "SELECT e.title, e.text FROM story s JOIN entries e "
	    "ON e.id = s.entry_id WHERE s.id = ?");
	if (st == NULL)
		return (store_error(s, cause, "reindex"));
	sqlite3_bind_int64(st, 1, story);
	if (sqlite3_step(st) != SQLITE_ROW)
		return (store_error(s, cause, "reindex"));
	rc = stories_fts(s, 1, story, (const char *)sqlite3_column_text(st, 0),
	    (const char *)sqlite3_column_text(st, 1), cause);
	sqlite3_reset(st);
	return (rc);
}

/* The statements of stories_purge, run in order. */
static const char *stories_purge_sql[] = {
	"INSERT OR IGNORE INTO temp.touched (id, rehead) "
	"SELECT DISTINCT e.story_id, 0 FROM temp.doomed d "
	"JOIN entries e ON e.id = d.id WHERE e.story_id IS NOT NULL",
	"UPDATE temp.touched SET rehead = 1 WHERE (SELECT s.entry_id FROM "
	"story s WHERE s.id = touched.id) IN (SELECT id FROM temp.doomed)",
	/* Stories whose head goes leave the index (old values needed). */
	"INSERT INTO story_fts (story_fts, rowid, title, text) "
	"SELECT 'delete', s.id, coalesce(e.title, ''), coalesce(e.text, '') "
	"FROM temp.touched t JOIN story s ON s.id = t.id "
	"JOIN entries e ON e.id = s.entry_id WHERE t.rehead",
	"DELETE FROM entries WHERE id IN (SELECT id FROM temp.doomed)",
	"DELETE FROM story WHERE id IN (SELECT id FROM temp.touched) AND "
	"NOT EXISTS (SELECT 1 FROM entries e WHERE e.story_id = story.id)",
	"DELETE FROM temp.touched WHERE NOT EXISTS (SELECT 1 FROM story s "
	"WHERE s.id = touched.id)",
	/* New heads: the earliest full version left. */
	"UPDATE story SET entry_id = (SELECT e.id FROM entries e WHERE "
	"e.story_id = story.id ORDER BY e.content IS NULL, e.first_seen, e.id "
	"LIMIT 1) WHERE id IN (SELECT id FROM temp.touched WHERE rehead)",
	"INSERT INTO story_fts (rowid, title, text) SELECT s.id, "
	"coalesce(e.title, ''), coalesce(e.text, '') FROM temp.touched t "
	"JOIN story s ON s.id = t.id JOIN entries e ON e.id = s.entry_id "
	"WHERE t.rehead",
	"UPDATE story SET nentries = (SELECT count(*) FROM entries e WHERE "
	"e.story_id = story.id), nsources = (SELECT count(DISTINCT feed_id) "
	"FROM entries e WHERE e.story_id = story.id) "
	"WHERE id IN (SELECT id FROM temp.touched)",
	"DELETE FROM temp.doomed",
	"DELETE FROM temp.touched",
};

int
stories_purge(struct store *s, char **cause)
{
	sqlite3_stmt	*st;
	size_t		 i;

	for (i = 0; i < sizeof stories_purge_sql / sizeof *stories_purge_sql;
	    i++) {
		if ((st = store_stmt(s, stories_purge_sql[i])) == NULL ||
		    sqlite3_step(st) != SQLITE_DONE)
			return (store_error(s, cause, "purge"));
		sqlite3_reset(st);
	}
	return (0);
}

int
stories_prune(struct store *s, long long now, char **cause)
{
	sqlite3_stmt	*st;

	st = store_stmt(s, "DELETE FROM dedup_keys WHERE seen < ?");
	if (st == NULL)
		return (store_error(s, cause, "prune keys"));
	sqlite3_bind_int64(st, 1, now - STORE_DEDUP_WINDOW);
	if (sqlite3_step(st) != SQLITE_DONE)
		return (store_error(s, cause, "prune keys"));
	st = store_stmt(s, "DELETE FROM dedup_recent WHERE seen < ?");
	if (st == NULL)
		return (store_error(s, cause, "prune keys"));
	sqlite3_bind_int64(st, 1, now - STORE_DEDUP_WINDOW);
	if (sqlite3_step(st) != SQLITE_DONE)
		return (store_error(s, cause, "prune keys"));
	sqlite3_reset(st);
	return (0);
}
