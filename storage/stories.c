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
 * body, and a key for the whole title.  Keys live for the window only, in
 * an append-only log read into memory (keylog.c).  A key only proposes a
 * candidate; the candidate's text is then compared exactly (Jaccard, or
 * containment of the shorter text in the longer), so a hash collision
 * never folds two different articles.
 *
 * The full-text index (story_fts) is filled in batches, off the feed
 * update: a new story, or one whose head changed, waits in fts_todo for
 * store_fts_update (tokenizing whole articles was the biggest single cost
 * of an update).  NOTE: story_fts is contentless, so a row can only be
 * deleted with the values it was indexed with; a story that is not in
 * fts_todo is indexed with its head's current title and text, and every
 * change to those goes through stories_fts_stale first.
 */
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
#define DEDUP_MIN_SHINGLES	8	/* shorter texts fold by URL only */
#define DEDUP_BAND_SHINGLES	60	/* shorter texts get no band keys */
#define DEDUP_MAX_CANDIDATES	32
#define DEDUP_MAX_WORDS		20000	/* of one text */

#if DEDUP_MAX_KEYS > STORE_MAX_KEYS
#error "more near-duplicate keys than keylog_add takes"
#endif

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
	static unsigned char	 fold[256];	/* 0: not in a word */
	const unsigned char	*p = (const unsigned char *)text;
	unsigned long long	*w = NULL, h;
	int			 n = 0, cap = 0, c;

	if (fold['a'] == 0) {
		/* ASCII letters folded, digits, and any byte of UTF-8. */
		for (c = 1; c < 256; c++) {
			if (c >= 'A' && c <= 'Z')
				fold[c] = c - 'A' + 'a';
			else if ((c >= 'a' && c <= 'z') ||
			    (c >= '0' && c <= '9') || c >= 0x80)
				fold[c] = c;
		}
	}
	while (p != NULL && *p != '\0' && n < DEDUP_MAX_WORDS) {
		if (fold[*p] == 0) {
			p++;
			continue;
		}
		h = 0xcbf29ce484222325ULL;
		for (; fold[*p] != 0; p++)
			h = (h ^ fold[*p]) * 0x100000001b3ULL;
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

/* shingles_hash hashes the 3-word shingles of n words (unsorted). */
static void
shingles_hash(struct shingles *sh, const unsigned long long *w, int n)
{
	int	 i;

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
}

/* shingles_unique sorts the hashes and drops repeats. */
static void
shingles_unique(struct shingles *sh)
{
	unsigned long long	*tmp;
	int			 i, j;

	if (sh->n <= 1)
		return;
	tmp = xreallocarray(NULL, sh->n, sizeof *tmp);
	stories_sort(sh->h, tmp, sh->n);
	free(tmp);
	for (i = j = 0; i < sh->n; i++) {
		if (j == 0 || sh->h[j - 1] != sh->h[i])
			sh->h[j++] = sh->h[i];
	}
	sh->n = j;
}

/* shingles_from builds the sorted set of 3-word shingles of n words. */
static void
shingles_from(struct shingles *sh, const unsigned long long *w, int n)
{
	shingles_hash(sh, w, n);
	shingles_unique(sh);
}

/*
 * shingles_atleast tells whether the (unsorted) hashes hold at least min
 * distinct values, min < SHINGLES_SET / 2; it stops once it found them.
 */
#define SHINGLES_SET	256
static int
shingles_atleast(const struct shingles *sh, int min)
{
	unsigned long long	 set[SHINGLES_SET];
	unsigned char		 full[SHINGLES_SET];
	int			 i, found = 0;
	unsigned int		 j;

	if (sh->n < min)
		return (0);
	memset(full, 0, sizeof full);
	for (i = 0; i < sh->n && found < min; i++) {
		for (j = sh->h[i] % SHINGLES_SET; full[j] &&
		    set[j] != sh->h[i]; j = (j + 1) % SHINGLES_SET)
			continue;
		if (!full[j]) {
			full[j] = 1;
			set[j] = sh->h[i];
			found++;
		}
	}
	return (found >= min);
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

/*
 * The MinHash signature: DEDUP_HASHES minima over the shingles, row j of
 * shingle x being x * (A + 2jB) + jC = xA + j(2xB + C) (mod 2^64), so that
 * each row adds step to the one before (multiply-shift, one hash a row).
 */
#define DEDUP_A		0x9e3779b97f4a7c15ULL
#define DEDUP_B		0x632be59bd9b4e019ULL
#define DEDUP_C		0x85ebca6bULL

/* dedup_minhash_scalar computes the signature of n hashes into mins. */
static void
dedup_minhash_scalar(const unsigned long long *h, int n,
    unsigned long long *mins)
{
	unsigned long long	 v, step;
	int			 i, j;

	for (j = 0; j < DEDUP_HASHES; j++)
		mins[j] = ~0ULL;
	for (i = 0; i < n; i++) {
		v = h[i] * DEDUP_A;
		step = 2 * h[i] * DEDUP_B + DEDUP_C;
		for (j = 0; j < DEDUP_HASHES; j++, v += step) {
			if (v < mins[j])
				mins[j] = v;
		}
	}
}

#if defined(__GNUC__) && defined(__x86_64__)
/*
 * The same with AVX2, four rows at a time (the signature is a quarter of
 * an update's CPU time otherwise); the values are the same.
 */
#define DEDUP_VECS	((DEDUP_HASHES + 3) / 4)
typedef unsigned long long dedup_vec __attribute__((vector_size(32)));

__attribute__((target("avx2")))
static void
dedup_minhash_avx2(const unsigned long long *h, int n,
    unsigned long long *mins)
{
	dedup_vec		 m[DEDUP_VECS], x, s4, lt;
	unsigned long long	 a, s;
	int			 i, b, j;

	for (b = 0; b < DEDUP_VECS; b++)
		m[b] = (dedup_vec){ ~0ULL, ~0ULL, ~0ULL, ~0ULL };
	for (i = 0; i < n; i++) {
		a = h[i] * DEDUP_A;
		s = 2 * h[i] * DEDUP_B + DEDUP_C;
		x = (dedup_vec){ a, a + s, a + 2 * s, a + 3 * s };
		s4 = (dedup_vec){ 4 * s, 4 * s, 4 * s, 4 * s };
#pragma GCC unroll 8
		for (b = 0; b < DEDUP_VECS; b++) {
			lt = (dedup_vec)(x < m[b]);
			m[b] = (x & lt) | (m[b] & ~lt);
			x += s4;
		}
	}
	for (j = 0; j < DEDUP_HASHES; j++)
		mins[j] = m[j / 4][j % 4];
}
#endif

/* dedup_minhash computes the signature of n shingle hashes into mins. */
static void
dedup_minhash(const unsigned long long *h, int n, unsigned long long *mins)
{
#if defined(__GNUC__) && defined(__x86_64__)
	if (__builtin_cpu_supports("avx2")) {
		dedup_minhash_avx2(h, n, mins);
		return;
	}
#endif
	dedup_minhash_scalar(h, n, mins);
}

/* The text of an entry as dedup sees it: title, then body. */
struct dedup_text {
	struct shingles		 sh;
	unsigned long long	 keys[DEDUP_MAX_KEYS];	/* distinct */
	int			 nkeys;
	int			 title_key;	/* index in keys, or -1 */
	int			 sorted;	/* sh sorted and unique yet */
};

/* dedup_unique drops repeated keys, keeping the order (and the title key). */
static void
dedup_unique(struct dedup_text *d)
{
	int	 i, j, n = 0;

	for (i = 0; i < d->nkeys; i++) {
		for (j = 0; j < n && d->keys[j] != d->keys[i]; j++)
			continue;
		if (j < n) {
			if (i == d->title_key)
				d->title_key = j;
			continue;
		}
		if (i == d->title_key)
			d->title_key = n;
		d->keys[n++] = d->keys[i];
	}
	d->nkeys = n;
}

/*
 * dedup_make computes the shingles and, unless shingles_only, the keys of
 * a text (see the top of this file).
 */
static void
dedup_make(struct dedup_text *d, const char *title, const char *text,
    int shingles_only)
{
	unsigned long long	*tw, *bw, *all, mins[DEDUP_HASHES], h;
	int			 nt, nb, i, j, b;

	memset(d, 0, sizeof *d);
	nt = stories_words(title, &tw);
	nb = stories_words(text, &bw);
	all = xreallocarray(NULL, nt + nb + 1, sizeof *all);
	if (nt > 0)
		memcpy(all, tw, nt * sizeof *all);
	if (nb > 0)
		memcpy(all + nt, bw, nb * sizeof *all);
	shingles_hash(&d->sh, all, nt + nb);
	free(all);
	d->title_key = -1;
	if (shingles_only) {
		shingles_unique(&d->sh);
		d->sorted = 1;
		free(tw);
		free(bw);
		return;
	}
	/*
	 * A short text (a summary) is found by its lead and title keys, and
	 * a long copy of it could not share a band anyway (its Jaccard
	 * similarity is small): bands only for long texts, which saves
	 * their random index writes.  The set is sorted only when a
	 * candidate is compared (the minimum of repeats is the same).
	 */
	if (shingles_atleast(&d->sh, DEDUP_BAND_SHINGLES)) {
		dedup_minhash(d->sh.h, d->sh.n, mins);
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
		d->title_key = d->nkeys;
		d->keys[d->nkeys++] = h;
	}
	free(tw);
	free(bw);
	dedup_unique(d);
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
stories_by_url(struct store *s, const char *url, long long key)
{
	sqlite3_stmt	*st;
	const char	*p;
	long long	 id = -1;

	/* A site's front page is no article: never fold on it. */
	if (url == NULL || (p = strstr(url, "://")) == NULL ||
	    (p = strchr(p + 3, '/')) == NULL || p[1] == '\0')
		return (-1);
	st = store_stmt(s, "SELECT story_id FROM entries WHERE url_key = ?2 "
	    "AND canonical_url = ?1 AND story_id IS NOT NULL LIMIT 1");
	if (st == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, key);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return (id);
}

/* stories_candidates collects the entries that share a key with d. */
static int
stories_candidates(struct store *s, const struct dedup_text *d,
    long long since, struct dedup_candidate *c)
{
	long long	 entry[DEDUP_MAX_CANDIDATES];
	int		 title[DEDUP_MAX_CANDIDATES], i, n;

	n = keylog_find(s, d->keys, d->nkeys, d->title_key, since, entry,
	    title, DEDUP_MAX_CANDIDATES);
	for (i = 0; i < n; i++) {
		c[i].entry_id = entry[i];
		c[i].story_id = -1;
		c[i].title = title[i];
	}
	return (n);
}

/*
 * stories_verify compares a candidate's stored text with d and fills in
 * its story; 0 = differs (or the entry is gone).
 */
static double
stories_verify(struct store *s, const struct dedup_text *d,
    struct dedup_candidate *c)
{
	sqlite3_stmt		*st;
	struct dedup_text	 o;
	double			 score = 0;

	st = store_stmt(s, "SELECT title, text, story_id FROM entries "
	    "WHERE id = ? AND story_id IS NOT NULL");
	if (st == NULL)
		return (0);
	sqlite3_bind_int64(st, 1, c->entry_id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		dedup_make(&o, (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1), 1);
		score = dedup_same(d, &o, c->title);
		c->story_id = sqlite3_column_int64(st, 2);
		shingles_free(&o.sh);
	}
	sqlite3_reset(st);
	return (score);
}

static int	stories_join(struct store *, long long, long long, long long,
		    char **);

/* stories_fts_queue puts a story in fts_todo: indexed by store_fts_update. */
static int
stories_fts_queue(struct store *s, long long story_id, char **cause)
{
	sqlite3_stmt	*st;

	st = store_stmt(s, "INSERT OR IGNORE INTO fts_todo VALUES (?)");
	if (st == NULL)
		return (store_error(s, cause, "fts"));
	sqlite3_bind_int64(st, 1, story_id);
	if (sqlite3_step(st) != SQLITE_DONE)
		return (store_error(s, cause, "fts"));
	sqlite3_reset(st);
	return (0);
}

/*
 * stories_fts_stale is called before a story's head, or its title or text,
 * changes: the indexed row (title and text as they were) is deleted, and
 * the story queued to be indexed again.  A queued story has no row yet.
 */
static int
stories_fts_stale(struct store *s, long long story_id, const char *title,
    const char *text, char **cause)
{
	sqlite3_stmt	*st;
	int		 queued;

	st = store_stmt(s, "SELECT 1 FROM fts_todo WHERE story_id = ?");
	if (st == NULL)
		return (store_error(s, cause, "fts"));
	sqlite3_bind_int64(st, 1, story_id);
	queued = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	if (queued)
		return (0);
	st = store_stmt(s, "INSERT INTO story_fts (story_fts, rowid, title, "
	    "text) VALUES ('delete', ?, ?, ?)");
	if (st == NULL)
		return (store_error(s, cause, "fts"));
	sqlite3_bind_int64(st, 1, story_id);
	sqlite3_bind_text(st, 2, title == NULL ? "" : title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, text == NULL ? "" : text, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return (store_error(s, cause, "fts"));
	sqlite3_reset(st);
	return (stories_fts_queue(s, story_id, cause));
}

int
store_fts_update(struct store *s, int max, char **cause)
{
	sqlite3_stmt	*st;
	long long	 upto = -1;

	if (store_begin(s, cause) == -1)
		return (-1);
	st = store_stmt(s, "SELECT story_id FROM fts_todo ORDER BY story_id "
	    "LIMIT 1 OFFSET ?");
	if (st == NULL)
		goto fail;
	sqlite3_bind_int(st, 1, max > 0 ? max - 1 : 0);
	if (max > 0 && sqlite3_step(st) == SQLITE_ROW)
		upto = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	st = store_stmt(s, "INSERT INTO story_fts (rowid, title, text) "
	    "SELECT s.id, coalesce(e.title, ''), coalesce(e.text, '') "
	    "FROM fts_todo t JOIN story s ON s.id = t.story_id "
	    "JOIN entries e ON e.id = s.entry_id WHERE ?1 < 0 OR "
	    "t.story_id <= ?1 ORDER BY t.story_id");
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, upto);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto fail;
	st = store_stmt(s, "DELETE FROM fts_todo WHERE ?1 < 0 OR "
	    "story_id <= ?1");
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, upto);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto fail;
	sqlite3_reset(st);
	/* The output does not show the index: no new version for it. */
	if (store_commit_quiet(s, cause) == -1)
		return (-1);
	return (upto < 0 ? 0 : 1);
fail:
	store_error(s, cause, "fts");
	store_rollback(s);
	return (-1);
}

/*
 * stories_create makes a new story headed by the entry about to be stored
 * as entry_id (so that the story is written once, complete).
 */
static long long
stories_create(struct store *s, long long entry_id, long long when,
    long long now, char **cause)
{
	sqlite3_stmt	*st;

	st = store_stmt(s, "INSERT INTO story (entry_id, first_seen, "
	    "sort_time) VALUES (?, ?, ?)");
	if (st == NULL)
		return (store_error(s, cause, "new story"));
	sqlite3_bind_int64(st, 1, entry_id);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, when);
	if (sqlite3_step(st) != SQLITE_DONE)
		return (store_error(s, cause, "new story"));
	return (sqlite3_last_insert_rowid(s->db));
}

/*
 * stories_next_entry returns the id the next entry stored will get (the
 * largest plus one, as SQLite picks it), -1 on error.
 */
static long long
stories_next_entry(struct store *s, char **cause)
{
	sqlite3_stmt	*st;
	long long	 id = -1;

	st = store_stmt(s, "SELECT coalesce(max(id), 0) + 1 FROM entries");
	if (st == NULL || sqlite3_step(st) != SQLITE_ROW)
		return (store_error(s, cause, "new story"));
	id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return (id);
}

struct dedup_text *
stories_dedup_new(const char *title, const char *text)
{
	struct dedup_text	*d;

	d = xmalloc(sizeof *d);
	dedup_make(d, title, text, 0);
	/*
	 * Only the keys are kept: the shingles (a hash per word, more bytes
	 * than the text) are made again from the text in the rare case that
	 * a key proposes a candidate, and documents waiting for the writer
	 * stay small.
	 */
	shingles_free(&d->sh);
	d->sh.h = NULL;
	d->sh.n = -1;
	return (d);
}

void
stories_dedup_free(struct dedup_text *d)
{
	if (d == NULL)
		return;
	shingles_free(&d->sh);
	free(d);
}

int
stories_fold_find(struct store *s, const char *canonical_url,
    long long url_key, const char *title, const char *text,
    struct dedup_text *pre, long long published, long long now,
    struct fold *f, char **cause)
{
	struct dedup_text	 own, *d = pre;
	struct dedup_candidate	 c[DEDUP_MAX_CANDIDATES];
	long long		 when;
	double			 score, best = 0;
	int			 i, n;

	memset(f, 0, sizeof *f);
	when = published != TIME_UNKNOWN && published < now ? published : now;
	/* Keys other processes logged since this transaction began. */
	if (s->keylog_txn != s->txn) {
		if (keylog_sync(s, now, cause) == -1)
			return (-1);
		s->keylog_txn = s->txn;
	}
	if (d == NULL) {
		dedup_make(&own, title, text, 0);
		d = &own;
	}
	f->story = stories_by_url(s, canonical_url, url_key);
	if (f->story == -1) {
		n = stories_candidates(s, d, now - STORE_DEDUP_WINDOW, c);
		if (n > 0 && d->sh.n == -1) {
			/* Made ahead without its shingles: make them now. */
			dedup_make(&own, title, text, 1);
			d->sh = own.sh;
			d->sorted = 1;
		}
		if (n > 0 && !d->sorted) {
			shingles_unique(&d->sh);
			d->sorted = 1;
		}
		for (i = 0; i < n; i++) {
			if ((score = stories_verify(s, d, &c[i])) > best) {
				best = score;
				f->story = c[i].story_id;
			}
		}
	}
	memcpy(f->keys, d->keys, d->nkeys * sizeof *d->keys);
	f->nkeys = d->nkeys;
	if (d == &own)
		shingles_free(&own.sh);
	if (f->story != -1)
		return (0);
	f->created = 1;
	if ((f->entry_id = stories_next_entry(s, cause)) == -1)
		return (-1);
	return ((f->story = stories_create(s, f->entry_id, when, now,
	    cause)) == -1 ? -1 : 0);
}

int
stories_fold_add(struct store *s, const struct fold *f, long long entry_id,
    long long feed_id, long long now, char **cause)
{
	if (!f->created) {
		if (stories_join(s, f->story, entry_id, feed_id, cause) == -1)
			return (-1);
	} else if (stories_fts_queue(s, f->story, cause) == -1)
		return (-1);
	return (keylog_add(s, f->keys, f->nkeys, entry_id, now, cause));
}

/* stories_head_swap makes entry_id the head of a story, FTS row included. */
static int
stories_head_swap(struct store *s, long long story, long long entry_id,
    char **cause)
{
	sqlite3_stmt	*st;
	char		*ot, *ox;
	int		 rc = -1;

	st = store_stmt(s, "SELECT o.title, o.text FROM story s "
	    "JOIN entries o ON o.id = s.entry_id WHERE s.id = ?");
	if (st == NULL)
		return (store_error(s, cause, "story head"));
	sqlite3_bind_int64(st, 1, story);
	if (sqlite3_step(st) != SQLITE_ROW)
		return (store_error(s, cause, "story head"));
	ot = store_text(st, 0);
	ox = store_text(st, 1);
	sqlite3_reset(st);
	if (stories_fts_stale(s, story, ot, ox, cause) == 0) {
		st = store_stmt(s, "UPDATE story SET entry_id = ? "
		    "WHERE id = ?");
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
	return (rc);
}

/*
 * stories_join counts a new entry (stored with story_id set) in its story
 * and makes it the head when it is the better version.
 */
static int
stories_join(struct store *s, long long story, long long entry_id,
    long long feed_id, char **cause)
{
	sqlite3_stmt	*st;
	int		 better = 0;

	st = store_stmt(s, "UPDATE story SET nentries = nentries + 1, "
	    "nsources = nsources + NOT EXISTS (SELECT 1 FROM entries WHERE "
	    "story_id = ?1 AND feed_id = ?2 AND id <> ?3), "
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
	return (stories_fts_stale(s, story, old_title, old_text, cause));
}

/* The statements of stories_purge, run in order. */
static const char *stories_purge_sql[] = {
	"INSERT OR IGNORE INTO temp.touched (id, rehead) "
	"SELECT DISTINCT e.story_id, 0 FROM temp.doomed d "
	"JOIN entries e ON e.id = d.id WHERE e.story_id IS NOT NULL",
	"UPDATE temp.touched SET rehead = 1 WHERE (SELECT s.entry_id FROM "
	"story s WHERE s.id = touched.id) IN (SELECT id FROM temp.doomed)",
	/*
	 * Stories whose head goes leave the index (old values needed) and
	 * are queued again, unless they wait in the queue already.
	 */
	"INSERT INTO story_fts (story_fts, rowid, title, text) "
	"SELECT 'delete', s.id, coalesce(e.title, ''), coalesce(e.text, '') "
	"FROM temp.touched t JOIN story s ON s.id = t.id "
	"JOIN entries e ON e.id = s.entry_id WHERE t.rehead AND "
	"NOT EXISTS (SELECT 1 FROM fts_todo q WHERE q.story_id = t.id)",
	"INSERT OR IGNORE INTO fts_todo SELECT id FROM temp.touched "
	"WHERE rehead",
	"DELETE FROM entries WHERE id IN (SELECT id FROM temp.doomed)",
	"DELETE FROM story WHERE id IN (SELECT id FROM temp.touched) AND "
	"NOT EXISTS (SELECT 1 FROM entries e WHERE e.story_id = story.id)",
	"DELETE FROM fts_todo WHERE story_id IN (SELECT id FROM temp.touched) "
	"AND NOT EXISTS (SELECT 1 FROM story s WHERE s.id = fts_todo.story_id)",
	"DELETE FROM temp.touched WHERE NOT EXISTS (SELECT 1 FROM story s "
	"WHERE s.id = touched.id)",
	/* New heads: the earliest full version left. */
	"UPDATE story SET entry_id = (SELECT e.id FROM entries e WHERE "
	"e.story_id = story.id ORDER BY e.content IS NULL, e.first_seen, e.id "
	"LIMIT 1) WHERE id IN (SELECT id FROM temp.touched WHERE rehead)",
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
