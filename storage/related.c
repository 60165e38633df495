/*
 * related.c: "You might also like": for each story, up to n other stories
 * about the same subject, from any source, ranked by relevance.
 *
 * The method is a cosine similarity of TF-IDF term vectors, computed off
 * the serving path and kept in the related table:
 *
 * - Each story is tokenized once (title and plain text of its head entry:
 *   lower case, English stop words out, plural "s" folded; title words
 *   count REL_TITLE_WEIGHT times) into related_doc.terms, and the document
 *   frequency of each term is kept in related_term (per story, so folded
 *   copies count once).
 * - A term weighs sat(tf) * ln(1 + N / max(df, 2)), with a saturating tf
 *   (as BM25 does: a word repeated ten times is not ten times as telling).
 *   A term no other story has yet (df 1) weighs as if a second one had
 *   it: it is the one most likely to link the next story on the subject,
 *   and a story's norm must not change when that story arrives (norms are
 *   stored; a stale one could make a cosine exceed 1).  Such terms are not
 *   looked up, though: they can match nothing yet.
 * - Candidates come from a small inverted index that holds only the
 *   REL_SIG_TERMS most distinctive terms of each story (its signature).
 *   The postings of a term are packed into related_chunk rows of up to
 *   REL_CHUNK stories, each row keyed by the term and the time span it
 *   covers, so that a lookup reads a few recent rows and a batch of
 *   stories writes each of its terms once.  The query uses the
 *   REL_QUERY_TERMS best terms of the story; the best REL_CANDIDATES
 *   candidates are then scored exactly (full vectors).
 * - A candidate is dropped when it is the story itself or a near-duplicate
 *   of it (the store folds duplicates, but a copy it missed must not be
 *   recommended either: a cosine from REL_DUP_SCORE, lower for short
 *   items, or most title words in common), when it shares fewer than
 *   REL_MIN_SHARED terms (short items match on one word too easily), when
 *   its score is under REL_MIN_SCORE, under what chance gives two texts of
 *   their length (REL_CHANCE / sqrt(terms)) or under REL_REL_SCORE times
 *   the best one (show fewer rather than weak ones), or when its source
 *   already has its share.
 *
 * Work is incremental, bounded, and proportional to what the output
 * shows.  Triggers queue new, re-headed and deleted stories;
 * store_related_update indexes the queue in batches (document-frequency
 * deltas and postings gathered in memory, then one statement per distinct
 * term: a cold store of thousands of stories is indexed in a fraction of
 * a second), each story signed at once so that it is a candidate for the
 * others.  A batch holds at most REL_BATCH_BYTES (its vocabulary, its
 * stories' terms, its postings: some 5,000 full-text stories), wherever
 * it runs, so that indexing stays within the memory of a poll of 10,000
 * feeds.  Lists are computed eagerly only for the stories the output
 * window shows (the newest nshow of the merged feed, and a small margin),
 * newest first; every other story gets its list on demand when something
 * shows it (store_related_story, store_channel past the first page or on
 * a tag page: related_demand) and keeps it.  A story that would rank in
 * an older story's list marks that list stale; a stale list is redone
 * when it is shown.  Computing a story also refreshes its norm and
 * signature from the current document frequencies, so early stories heal
 * as the store grows.
 */
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "store_priv.h"
#include "xmalloc.h"

#define REL_TITLE_WEIGHT	3	/* a title word counts as three */
#define REL_K1			1.2	/* tf saturation, as BM25's k1 */
#define REL_QUERY_TERMS		24	/* terms of a story that are looked up */
#define REL_SIG_TERMS		40	/* terms of a story that are indexed */
#define REL_CANDIDATES		64	/* candidates scored exactly */
#define REL_POSTINGS_MAX	400	/* rows read per term, newest first */
#define REL_MIN_SCORE		0.10	/* cosine under which nothing is shown */
#define REL_CHANCE		0.7	/* ... or under this / sqrt(terms) */
#define REL_REL_SCORE		0.3	/* ... or under this share of the best */
#define REL_MIN_SHARED		3	/* distinct terms in common, at least */
#define REL_DUP_SCORE		0.70	/* cosine from which it is a copy */
#define REL_DUP_SHORT		0.6	/* ... less this / sqrt(terms) */
#define REL_DUP_TITLE		0.6	/* title word overlap of a copy */
#define REL_WINDOW		(30 * 86400)	/* candidates within +-30 days */
#define REL_MAX_TEXT		(64 * 1024)	/* bytes of text tokenized */
#define REL_MAX_TERMS		2000	/* distinct terms kept per story */
#define REL_MAX_WORD		40	/* longer tokens are not words */
#define REL_BULK		8192	/* stories indexed per batch, at most */
#define REL_BATCH_BYTES	(12 << 20)	/* memory of a batch, at most */
#define REL_CHUNK		128	/* postings per related_chunk row */
#define REL_MARGIN		8	/* lists computed beyond the window */
#define REL_DEMAND_MS		15	/* on-demand work per output page */
#define REL_REFRESH		5000	/* lists redone when the store doubles */

/* States of related_doc.state. */
#define REL_DONE		0
#define REL_PENDING		1	/* never computed */
#define REL_STALE		2	/* a better match may have arrived */

/* One term of a story. */
struct rterm {
	long long	 id;
	int		 tf;		/* occurrences in the text */
	int		 ttf;		/* occurrences in the title */
	long long	 df;
	double		 w;		/* weight for matching (0 if df < 2) */
	double		 sw;		/* weight in the vector and signature */
	int		 vi;		/* index in the batch's vocabulary */
};

/* A story's term vector, sorted by term id. */
struct rdoc {
	long long	 story_id;
	long long	 feed_id;
	long long	 published;
	int		 state;		/* REL_DONE, ... */
	double		 norm;
	struct rterm	*t;
	int		 n;
};

/* A candidate related story. */
struct rcand {
	long long	 story_id;
	long long	 feed_id;
	double		 acc;		/* approximate, from the postings */
	double		 score;		/* exact cosine */
	double		 chance;	/* a cosine chance gives, about */
	int		 shared;	/* terms in common */
	int		 dup;		/* a copy of the story */
};

/* One posting: a story that has a term among its signature. */
struct rpost {
	long long	 term_id;
	long long	 published;
	long long	 story_id;
	double		 w;		/* weight in the signature, 0-1 */
	int		 fresh;		/* new chunks: do not look for one */
};

/* A word of an indexing batch. */
struct bword {
	uint64_t	 hash;
	long long	 id;
	long long	 df;		/* after the batch */
	long long	 base;		/* in related_term before the batch */
	int		 ndocs;		/* stories of the batch that have it */
	int		 written;	/* ... counted in related_term */
	int		 last;		/* 1 + the last story that counted it */
	int		 slot;		/* its index in that story's terms */
	unsigned int	 off;		/* its text, in the vocabulary's */
};

/* The words of a batch, counted once per story. */
struct bvocab {
	struct bword	*v;
	int		 n;
	int		 cap;
	int		*tab;		/* open addressing: 1 + index in v */
	size_t		 size;		/* power of two */
	char		*text;		/* the words, NUL-terminated */
	size_t		 len;
	size_t		 textcap;
};

/* A term of a story of a batch. */
struct bterm {
	int		 v;		/* index in the vocabulary */
	uint16_t	 tf;
	uint16_t	 ttf;
};

/* A story of a batch. */
struct bstory {
	long long	 story_id;
	long long	 feed_id;
	long long	 published;
	struct bterm	*t;
	int		 n;
	int		 cap;
};

/* A posting of a batch: a signature term of one of its stories. */
struct bpost {
	int		 v;		/* the word, in the vocabulary */
	int		 story;		/* the story, in the batch */
	float		 w;		/* weight in the signature, 0-1 */
};

/* Accumulator: open addressing from story id to approximate score. */
struct rslot {
	long long	 id;
	double		 acc;
};

struct racc {
	struct rslot	*c;
	size_t		 size;		/* power of two */
	size_t		 n;
};

static const char *const related_stop[] = {
	"about", "above", "after", "again", "against", "all", "also", "am",
	"an", "and", "any", "are", "as", "at", "be", "because", "been",
	"before", "being", "below", "between", "both", "but", "by", "can",
	"cannot", "could", "did", "do", "does", "doing", "down", "during",
	"each", "few", "for", "from", "further", "had", "has", "have",
	"having", "he", "her", "here", "hers", "herself", "him", "himself",
	"his", "how", "if", "in", "into", "is", "it", "its", "itself", "just",
	"may", "me", "might", "more", "most", "must", "my", "myself", "no",
	"nor", "not", "now", "of", "off", "on", "once", "only", "or", "other",
	"our", "ours", "ourselves", "out", "over", "own", "same", "shall",
	"she", "should", "so", "some", "such", "than", "that", "the", "their",
	"theirs", "them", "themselves", "then", "there", "these", "they",
	"this", "those", "through", "to", "too", "under", "until", "up", "us",
	"very", "was", "we", "were", "what", "when", "where", "which", "while",
	"who", "whom", "why", "will", "with", "would", "you", "your", "yours",
	"yourself", "yourselves", "one", "two", "three", "said", "says", "say",
	"mr", "mrs", "ms", "new", "ll", "re", "ve", "don", "didn", "doesn",
	"isn", "aren", "wasn", "weren", "won", "wouldn", "couldn", "shouldn",
	"hasn", "haven", "hadn", "can", "www", "http", "https", "com"
};

static const char sql_todo_batch[] =
    "SELECT story_id FROM related_todo ORDER BY story_id DESC LIMIT ?";
static const char sql_todo_next[] =
    "SELECT story_id FROM related_todo ORDER BY story_id DESC LIMIT 1";
static const char sql_todo_del[] =
    "DELETE FROM related_todo WHERE story_id = ?";
static const char sql_gone_next[] =
    "SELECT story_id FROM related_gone LIMIT 1";
static const char sql_gone_del[] =
    "DELETE FROM related_gone WHERE story_id = ?";
static const char sql_want_next[] =
    "SELECT story_id FROM related_want LIMIT 1";
static const char sql_want_del[] =
    "DELETE FROM related_want WHERE story_id = ?";
static const char sql_story_text[] =
    "SELECT e.title, e.text, e.feed_id, s.sort_time FROM story s "
    "JOIN entries e ON e.id = s.entry_id WHERE s.id = ?";
/* NOTE: not an upsert with RETURNING: that one costs a temporary table. */
static const char sql_term_get[] =
    "SELECT id, df FROM related_term WHERE term = ?";
static const char sql_term_new[] =
    "INSERT INTO related_term (term, df) VALUES (?, ?)";
static const char sql_term_more[] =
    "UPDATE related_term SET df = df + ? WHERE id = ?";
static const char sql_term_sub[] =
    "UPDATE related_term SET df = df - 1 WHERE id = ?";
static const char sql_term_drop[] =
    "DELETE FROM related_term WHERE id = ? AND df <= 0";
static const char sql_term_df[] =
    "SELECT df FROM related_term WHERE id = ?";
static const char sql_doc_get[] =
    "SELECT feed_id, published, norm, terms, sig, state FROM related_doc "
    "WHERE story_id = ?";
static const char sql_doc_add[] =
    "INSERT INTO related_doc (story_id, feed_id, published, norm, terms, "
    "sig, state) VALUES (?, ?, ?, ?, ?, ?, 1)";
static const char sql_doc_del[] =
    "DELETE FROM related_doc WHERE story_id = ?";
static const char sql_doc_sig[] =
    "UPDATE related_doc SET norm = ?, sig = ? WHERE story_id = ?";
static const char sql_doc_done[] =
    "UPDATE related_doc SET state = 0, computed = ? WHERE story_id = ?";
static const char sql_doc_stale[] =
    "UPDATE related_doc SET state = 2 WHERE story_id = ? AND state = 0";
static const char sql_doc_state[] =
    "SELECT (SELECT state FROM related_doc WHERE story_id = ?1), "
    "EXISTS (SELECT 1 FROM related WHERE story_id = ?1)";
/* The window: the newest stories, as the merged output orders them. */
static const char sql_doc_shown[] =
    "SELECT story_id FROM (SELECT story_id, state, published FROM "
    "related_doc ORDER BY published DESC LIMIT ?) WHERE state > 0 "
    "ORDER BY published DESC LIMIT 1";
static const char sql_ndocs[] =
    "SELECT ndocs FROM related_stat";
static const char sql_ndocs_add[] =
    "UPDATE related_stat SET ndocs = ndocs + ?";
static const char sql_chunk_last[] =
    "SELECT id, tmin, n, posts FROM related_chunk WHERE term_id = ? "
    "ORDER BY tmax DESC LIMIT 1";
static const char sql_chunk_at[] =
    "SELECT id, tmin, n, posts FROM related_chunk WHERE term_id = ?1 AND "
    "tmax >= ?2 AND tmin <= ?2";
static const char sql_chunk_add[] =
    "INSERT INTO related_chunk (term_id, tmin, tmax, n, posts) "
    "VALUES (?, ?, ?, ?, ?)";
static const char sql_chunk_set[] =
    "UPDATE related_chunk SET tmin = ?, tmax = ?, n = ?, posts = ? "
    "WHERE id = ?";
static const char sql_chunk_del[] =
    "DELETE FROM related_chunk WHERE id = ?";
static const char sql_chunk_scan[] =
    "SELECT tmin, posts FROM related_chunk WHERE term_id = ?1 AND "
    "tmax >= ?2 AND tmin <= ?3 ORDER BY tmax DESC";
static const char sql_cand_get[] =
    "SELECT feed_id, norm, terms FROM related_doc WHERE story_id = ?";
static const char sql_rel_del[] =
    "DELETE FROM related WHERE story_id = ?";
static const char sql_rel_add[] =
    "INSERT INTO related (story_id, related_story_id, score, rank) "
    "VALUES (?, ?, ?, ?)";
static const char sql_rel_worst[] =
    "SELECT count(*), min(score) FROM related WHERE story_id = ?";

static void	related_weights(struct rdoc *, long long);
static int	related_resign(struct store *, struct rdoc *, double,
		    struct rterm *, int, char **);

/* related_ms returns a monotonic time in milliseconds. */
static double
related_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1e3 + ts.tv_nsec / 1e6);
}

/* related_hash is FNV-1a. */
static uint64_t
related_hash(const char *s)
{
	uint64_t	 h = 1469598103934665603ULL;

	while (*s != '\0') {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	return (h);
}

/*
 * related_is_stop tells whether a word is an English function word (a
 * hash set of related_stop, made at the first call).
 */
static int
related_is_stop(const char *w, uint64_t h)
{
	static const char	*set[512];
	static uint64_t		 hash[512];
	static int		 made;
	size_t			 i, k;

	if (!made) {
		for (k = 0; k < sizeof related_stop / sizeof related_stop[0];
		    k++) {
			i = related_hash(related_stop[k]) & 511;
			while (set[i] != NULL && strcmp(set[i],
			    related_stop[k]) != 0)
				i = (i + 1) & 511;
			set[i] = related_stop[k];
			hash[i] = related_hash(related_stop[k]);
		}
		made = 1;
	}
	for (i = h & 511; set[i] != NULL; i = (i + 1) & 511) {
		if (hash[i] == h && strcmp(set[i], w) == 0)
			return (1);
	}
	return (0);
}

/*
 * related_stem folds English plurals (the "S" stemmer): -ies to -y, -es to
 * -e, -s dropped, but not -ss, -us, -aes, -ees, -oes, -eies, -aies.
 */
static void
related_stem(char *w, size_t *len)
{
	size_t	 n = *len;

	if (n < 4 || w[n - 1] != 's')
		return;
	if (n > 4 && strcmp(w + n - 3, "ies") == 0 &&
	    w[n - 4] != 'e' && w[n - 4] != 'a') {
		w[n - 3] = 'y';
		n -= 2;
	} else if (w[n - 2] == 'e' && (w[n - 3] == 'a' || w[n - 3] == 'e' ||
	    w[n - 3] == 'o'))
		return;
	else if (w[n - 2] == 's' || w[n - 2] == 'u')
		return;
	else
		n--;
	w[n] = '\0';
	*len = n;
}

static void
related_vocab_init(struct bvocab *v)
{
	memset(v, 0, sizeof *v);
	v->size = 4096;
	v->tab = xcalloc(v->size, sizeof *v->tab);
}

static void
related_vocab_free(struct bvocab *v)
{
	free(v->v);
	free(v->tab);
	free(v->text);
}

/* related_vocab_bytes is the memory a vocabulary holds. */
static size_t
related_vocab_bytes(const struct bvocab *v)
{
	return (v->cap * sizeof *v->v + v->size * sizeof *v->tab +
	    v->textcap);
}

/* related_vocab_find returns the index of a word of hash h, added if new. */
static int
related_vocab_find(struct bvocab *v, const char *w, uint64_t h)
{
	struct bword	*bw;
	size_t		 i, j, n;
	int		 k;

	if ((size_t)v->n * 2 >= v->size) {
		free(v->tab);
		v->size *= 2;
		v->tab = xcalloc(v->size, sizeof *v->tab);
		for (k = 0; k < v->n; k++) {
			j = v->v[k].hash & (v->size - 1);
			while (v->tab[j] != 0)
				j = (j + 1) & (v->size - 1);
			v->tab[j] = k + 1;
		}
	}
	for (i = h & (v->size - 1); v->tab[i] != 0; i = (i + 1) &
	    (v->size - 1)) {
		bw = &v->v[v->tab[i] - 1];
		if (bw->hash == h && strcmp(v->text + bw->off, w) == 0)
			return (v->tab[i] - 1);
	}
	if (v->n == v->cap) {
		/* By half again: the batch's bound counts what it holds. */
		v->cap = v->cap == 0 ? 1024 : v->cap + v->cap / 2;
		v->v = xreallocarray(v->v, v->cap, sizeof *v->v);
	}
	/* The tokenizer keeps words under REL_MAX_WORD bytes. */
	n = strnlen(w, REL_MAX_WORD - 1);
	if (v->len + n + 1 > v->textcap) {
		v->textcap = v->textcap == 0 ? 16384 : v->textcap +
		    v->textcap / 2;
		v->text = xreallocarray(v->text, v->textcap, 1);
	}
	memset(&v->v[v->n], 0, sizeof v->v[v->n]);
	memcpy(v->text + v->len, w, n);
	v->text[v->len + n] = '\0';
	v->v[v->n].off = v->len;
	v->len += n + 1;
	v->v[v->n].hash = h;
	v->tab[i] = v->n + 1;
	return (v->n++);
}

/*
 * related_words_add counts one word of story k of a batch; beyond
 * REL_MAX_TERMS distinct words a story's new ones are dropped.
 */
static void
related_words_add(struct bvocab *v, struct bstory *b, int k, const char *w,
    uint64_t h, int title)
{
	struct bword	*bw;
	int		 i;

	i = related_vocab_find(v, w, h);
	bw = &v->v[i];
	if (bw->last != k + 1) {
		if (b->n >= REL_MAX_TERMS)
			return;
		if (b->n == b->cap) {
			b->cap = b->cap == 0 ? 128 : b->cap * 2;
			b->t = xreallocarray(b->t, b->cap, sizeof *b->t);
		}
		b->t[b->n].v = i;
		b->t[b->n].tf = b->t[b->n].ttf = 0;
		bw->last = k + 1;
		bw->slot = b->n++;
		bw->ndocs++;
	}
	if (title && b->t[bw->slot].ttf < UINT16_MAX)
		b->t[bw->slot].ttf++;
	else if (!title && b->t[bw->slot].tf < UINT16_MAX)
		b->t[bw->slot].tf++;
}

/*
 * related_class gives the lower case of a byte that belongs to a word
 * (ASCII letters and digits, and every non-ASCII byte: UTF-8 letters), 0
 * for one that splits words; made by related_class_make.
 */
static unsigned char	 related_class[256];

static void
related_class_make(void)
{
	int	 i;

	if (related_class['a'] != 0)
		return;
	for (i = 0; i < 256; i++)
		related_class[i] = i >= 0x80 ? i : isalnum(i) ? tolower(i) : 0;
}

/*
 * related_tokens splits plain text into words and counts them for story k
 * of a batch.  A word is a run of ASCII letters and digits and of
 * non-ASCII bytes (UTF-8 letters); words of one character, numbers and
 * stop words are not counted.  Apostrophes split ("BA's" gives "ba" and a
 * dropped "s").
 */
static void
related_tokens(struct bvocab *v, struct bstory *b, int k, const char *text,
    int title)
{
	const unsigned char	*p = (const unsigned char *)text, *end;
	char			 w[REL_MAX_WORD + 1];
	unsigned char		 c;
	uint64_t		 h;
	size_t			 n, n0;
	int			 digits;

	if (text == NULL)
		return;
	related_class_make();
	end = p + strnlen(text, REL_MAX_TEXT);
	while (p < end) {
		if (related_class[*p] == 0) {
			p++;
			continue;
		}
		n = 0;
		digits = 1;
		h = 1469598103934665603ULL;	/* FNV-1a, as related_hash */
		for (; p < end && (c = related_class[*p]) != 0; p++) {
			/* U+2019, the right single quote, is an apostrophe. */
			if (c == 0xe2 && p + 2 < end && p[1] == 0x80 &&
			    p[2] == 0x99)
				break;
			if (n < sizeof w - 1) {
				w[n++] = c;
				h = (h ^ c) * 1099511628211ULL;
			}
			if (c < '0' || c > '9')
				digits = 0;
		}
		if (p + 2 < end && p[0] == 0xe2 && p[1] == 0x80 && p[2] == 0x99)
			p += 3;
		w[n] = '\0';
		if (n < 2 || n >= REL_MAX_WORD || digits ||
		    related_is_stop(w, h))
			continue;
		n0 = n;
		related_stem(w, &n);
		if (n != n0)
			h = related_hash(w);
		related_words_add(v, b, k, w, h, title);
	}
}

/* related_grow makes room for at least 10 more bytes in a blob. */
static void
related_grow(unsigned char **b, size_t *cap)
{
	*cap = (*cap + 10) * 2;
	*b = xreallocarray(*b, *cap, 1);
}

/* related_varint appends an unsigned LEB128 number. */
static inline void
related_varint(unsigned char **b, size_t *len, size_t *cap,
    unsigned long long v)
{
	unsigned char	*p;

	if (*len + 10 > *cap)
		related_grow(b, cap);
	p = *b + *len;
	while (v > 0x7f) {
		*p++ = (v & 0x7f) | 0x80;
		v >>= 7;
	}
	*p++ = v;
	*len = p - *b;
}

/* related_unvarint reads one number; -1 at the end or on a bad blob. */
static int
related_unvarint(const unsigned char **p, const unsigned char *end,
    unsigned long long *v)
{
	int	 shift = 0;

	*v = 0;
	while (*p < end && shift < 64) {
		*v |= (unsigned long long)(**p & 0x7f) << shift;
		if ((*(*p)++ & 0x80) == 0)
			return (0);
		shift += 7;
	}
	return (-1);
}

static int
related_term_cmp(const void *a, const void *b)
{
	const struct rterm	*x = a, *y = b;

	return (x->id < y->id ? -1 : x->id > y->id);
}

/*
 * related_sort_id sorts terms by id (a quicksort that compares inline:
 * every story of a batch is sorted, and qsort's calls were a tenth of the
 * work).
 */
static void
related_sort_id(struct rterm *t, int n)
{
	struct rterm	 tmp;
	long long	 pivot;
	int		 i, j;

	while (n > 16) {
		pivot = t[n / 2].id;
		i = 0;
		j = n - 1;
		for (;;) {
			while (t[i].id < pivot)
				i++;
			while (t[j].id > pivot)
				j--;
			if (i >= j)
				break;
			tmp = t[i];
			t[i] = t[j];
			t[j] = tmp;
			i++;
			j--;
		}
		if (j < 0 || j >= n - 1)
			break;		/* no split: insertion sort it */
		/* Recurse into the smaller part, loop on the bigger. */
		if (j + 1 < n - j - 1) {
			related_sort_id(t, j + 1);
			t += j + 1;
			n -= j + 1;
		} else {
			related_sort_id(t + j + 1, n - j - 1);
			n = j + 1;
		}
	}
	for (i = 1; i < n; i++) {
		tmp = t[i];
		for (j = i; j > 0 && t[j - 1].id > tmp.id; j--)
			t[j] = t[j - 1];
		t[j] = tmp;
	}
}

/*
 * related_decode reads a terms blob (term id deltas, text and title
 * counts) into t; returns the number of terms, or -1 on a bad blob.
 */
static int
related_decode(const void *blob, int len, struct rterm **t)
{
	const unsigned char	*p = blob, *end = p + len;
	unsigned long long	 d, tf, ttf;
	long long		 id = 0;
	int			 n = 0, cap = 0;

	*t = NULL;
	while (p < end) {
		if (related_unvarint(&p, end, &d) == -1 ||
		    related_unvarint(&p, end, &tf) == -1 ||
		    related_unvarint(&p, end, &ttf) == -1) {
			free(*t);
			*t = NULL;
			return (-1);
		}
		if (n == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			*t = xreallocarray(*t, cap, sizeof **t);
		}
		id += d;
		memset(&(*t)[n], 0, sizeof **t);
		(*t)[n].id = id;
		(*t)[n].tf = tf;
		(*t)[n].ttf = ttf;
		n++;
	}
	return (n);
}

/* related_encode writes sorted terms as a blob (caller frees). */
static unsigned char *
related_encode(const struct rterm *t, int n, size_t *len)
{
	unsigned char	*b = NULL;
	size_t		 cap = 0;
	long long	 prev = 0;
	int		 i;

	*len = 0;
	for (i = 0; i < n; i++) {
		related_varint(&b, len, &cap, t[i].id - prev);
		related_varint(&b, len, &cap, t[i].tf);
		related_varint(&b, len, &cap, t[i].ttf);
		prev = t[i].id;
	}
	if (b == NULL)
		b = xmalloc(1);
	return (b);
}

/* related_tfw is the saturating weight of a term's occurrences. */
static double
related_tfw(const struct rterm *t)
{
	double	 tf = t->tf + REL_TITLE_WEIGHT * t->ttf;

	return (tf * (REL_K1 + 1) / (tf + REL_K1));
}

/* related_idf is the inverse document frequency of a term. */
static double
related_idf(long long ndocs, long long df)
{
	if (df < 1)
		df = 1;
	return (log(1.0 + (double)ndocs / df));
}

/* related_ndocs returns how many stories are indexed. */
static long long
related_ndocs(struct store *s)
{
	sqlite3_stmt	*st;
	long long	 n = 0;

	if ((st = store_stmt(s, sql_ndocs)) == NULL)
		return (0);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return (n);
}

/* related_count adds d to the number of indexed stories. */
static int
related_count(struct store *s, int d, char **cause)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = store_stmt(s, sql_ndocs_add)) == NULL)
		return (store_error(s, cause, "related"));
	sqlite3_bind_int(st, 1, d);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return (store_error(s, cause, "related: count"));
	return (0);
}

/* related_doc_clear releases a loaded story vector. */
static void
related_doc_clear(struct rdoc *d)
{
	free(d->t);
	d->t = NULL;
	d->n = 0;
}

/*
 * related_doc_load reads the indexed vector of a story, with its
 * signature (term ids) in *sig when sig is not NULL.  Returns 0, 1 when the
 * story is not indexed, -1 on error.
 */
static int
related_doc_load(struct store *s, long long story_id, struct rdoc *d,
    struct rterm **sig, int *nsig, char **cause)
{
	sqlite3_stmt	*st;
	int		 rc;

	memset(d, 0, sizeof *d);
	if (sig != NULL) {
		*sig = NULL;
		*nsig = 0;
	}
	if ((st = store_stmt(s, sql_doc_get)) == NULL)
		return (store_error(s, cause, "related"));
	sqlite3_bind_int64(st, 1, story_id);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		sqlite3_reset(st);
		if (rc == SQLITE_DONE)
			return (1);
		return (store_error(s, cause, "related: load"));
	}
	d->story_id = story_id;
	d->feed_id = sqlite3_column_int64(st, 0);
	d->published = sqlite3_column_int64(st, 1);
	d->norm = sqlite3_column_double(st, 2);
	d->state = sqlite3_column_int(st, 5);
	d->n = related_decode(sqlite3_column_blob(st, 3),
	    sqlite3_column_bytes(st, 3), &d->t);
	if (d->n < 0)
		d->n = 0;
	if (sig != NULL && sqlite3_column_type(st, 4) == SQLITE_BLOB) {
		*nsig = related_decode(sqlite3_column_blob(st, 4),
		    sqlite3_column_bytes(st, 4), sig);
		if (*nsig < 0)
			*nsig = 0;
	}
	sqlite3_reset(st);
	return (0);
}

/* related_step1 runs a prepared statement that returns no rows. */
static int
related_step1(struct store *s, sqlite3_stmt *st, char **cause,
    const char *what)
{
	int	 rc;

	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return (store_error(s, cause, what));
	return (0);
}

/* related_post_cmp orders postings by term, time and story. */
static int
related_post_cmp(const void *a, const void *b)
{
	const struct rpost	*x = a, *y = b;

	if (x->term_id != y->term_id)
		return (x->term_id < y->term_id ? -1 : 1);
	if (x->published != y->published)
		return (x->published < y->published ? -1 : 1);
	return (x->story_id < y->story_id ? -1 : x->story_id > y->story_id);
}

/*
 * related_chunk_next reads the next posting of a chunk blob: its time (a
 * delta from the previous one, the first from tmin), story and weight (16
 * bits: the postings only choose candidates, which are then scored
 * exactly).  Returns 0, or -1 at the end or on a bad blob.
 */
static int
related_chunk_next(const unsigned char **p, const unsigned char *end,
    long long *published, long long *story_id, double *w)
{
	unsigned long long	 dt, id;

	if (related_unvarint(p, end, &dt) == -1 ||
	    related_unvarint(p, end, &id) == -1 || end - *p < 2)
		return (-1);
	*published += dt;
	*story_id = id;
	*w = ((*p)[0] | (*p)[1] << 8) / 65535.0;
	*p += 2;
	return (0);
}

/*
 * related_chunk_decode reads the postings of a chunk into *out (of term
 * term_id); returns their number, or -1 on a bad blob.
 */
static int
related_chunk_decode(const void *blob, int len, long long term_id,
    long long tmin, struct rpost **out)
{
	const unsigned char	*p = blob, *end = p + len;
	long long		 t = tmin, id;
	double			 w;
	int			 n = 0, cap = 0;

	*out = NULL;
	while (p < end) {
		if (related_chunk_next(&p, end, &t, &id, &w) == -1) {
			free(*out);
			*out = NULL;
			return (-1);
		}
		if (n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			*out = xreallocarray(*out, cap, sizeof **out);
		}
		memset(&(*out)[n], 0, sizeof **out);
		(*out)[n].term_id = term_id;
		(*out)[n].published = t;
		(*out)[n].story_id = id;
		(*out)[n].w = w;
		n++;
	}
	return (n);
}

/* related_chunk_encode writes n postings sorted by time (caller frees). */
static unsigned char *
related_chunk_encode(const struct rpost *p, int n, size_t *len)
{
	unsigned char	*b = NULL;
	size_t		 cap = 0;
	long long	 prev;
	unsigned int	 w;
	int		 i;

	*len = 0;
	prev = n > 0 ? p[0].published : 0;
	for (i = 0; i < n; i++) {
		related_varint(&b, len, &cap, p[i].published - prev);
		related_varint(&b, len, &cap, p[i].story_id);
		w = p[i].w <= 0 ? 0 : p[i].w >= 1 ? 65535 :
		    (unsigned int)(p[i].w * 65535 + 0.5);
		if (*len + 2 > cap) {
			cap = (cap + 2) * 2;
			b = xreallocarray(b, cap, 1);
		}
		(*len) += 2;
		b[*len - 2] = w & 0xff;
		b[*len - 1] = w >> 8;
		prev = p[i].published;
	}
	if (b == NULL)
		b = xmalloc(1);
	return (b);
}

/* related_chunk_write inserts (id 0) or replaces a chunk of n postings. */
static int
related_chunk_write(struct store *s, long long id, const struct rpost *p,
    int n, char **cause)
{
	sqlite3_stmt	*st;
	unsigned char	*blob;
	size_t		 len;

	if ((st = store_stmt(s, id == 0 ? sql_chunk_add : sql_chunk_set)) ==
	    NULL)
		return (store_error(s, cause, "related"));
	blob = related_chunk_encode(p, n, &len);
	if (id == 0) {
		sqlite3_bind_int64(st, 1, p[0].term_id);
		sqlite3_bind_int64(st, 2, p[0].published);
		sqlite3_bind_int64(st, 3, p[n - 1].published);
		sqlite3_bind_int(st, 4, n);
		sqlite3_bind_blob(st, 5, blob, len, free);
	} else {
		sqlite3_bind_int64(st, 1, p[0].published);
		sqlite3_bind_int64(st, 2, p[n - 1].published);
		sqlite3_bind_int(st, 3, n);
		sqlite3_bind_blob(st, 4, blob, len, free);
		sqlite3_bind_int64(st, 5, id);
	}
	return (related_step1(s, st, cause, "related: chunk"));
}

/*
 * related_chunk_put adds n postings of one term, sorted by time: to the
 * term's newest chunk when they fit and are not older than it (unless
 * they are fresh: the term has no chunk, or the batch is big enough to
 * make its own), else as new chunks of about equal size.
 */
static int
related_chunk_put(struct store *s, const struct rpost *p, int n,
    char **cause)
{
	sqlite3_stmt	*st;
	struct rpost	*old = NULL;
	long long	 id = 0;
	int		 nold = 0, i, k, per, nchunks, rc;

	if (!p[0].fresh) {
		if ((st = store_stmt(s, sql_chunk_last)) == NULL)
			return (store_error(s, cause, "related"));
		sqlite3_bind_int64(st, 1, p[0].term_id);
		if ((rc = sqlite3_step(st)) == SQLITE_ROW &&
		    sqlite3_column_int(st, 2) + n <= REL_CHUNK &&
		    p[0].published >= sqlite3_column_int64(st, 1)) {
			id = sqlite3_column_int64(st, 0);
			nold = related_chunk_decode(sqlite3_column_blob(st, 3),
			    sqlite3_column_bytes(st, 3), p[0].term_id,
			    sqlite3_column_int64(st, 1), &old);
		}
		sqlite3_reset(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return (store_error(s, cause, "related: chunk"));
		if (id != 0 && nold >= 0) {
			old = xreallocarray(old, nold + n, sizeof *old);
			memcpy(old + nold, p, n * sizeof *p);
			qsort(old, nold + n, sizeof *old, related_post_cmp);
			rc = related_chunk_write(s, id, old, nold + n, cause);
			free(old);
			return (rc);
		}
		free(old);
	}
	nchunks = (n + REL_CHUNK - 1) / REL_CHUNK;
	per = (n + nchunks - 1) / nchunks;
	for (i = 0; i < n; i += per) {
		k = n - i < per ? n - i : per;
		if (related_chunk_write(s, 0, p + i, k, cause) == -1)
			return (-1);
	}
	return (0);
}

/* related_chunk_drop removes the posting of a story from its term's chunk. */
static int
related_chunk_drop(struct store *s, long long term_id, long long published,
    long long story_id, char **cause)
{
	sqlite3_stmt	*st;
	struct rpost	*p = NULL;
	long long	 id = 0;
	int		 n = 0, i, rc;

	if ((st = store_stmt(s, sql_chunk_at)) == NULL)
		return (store_error(s, cause, "related"));
	sqlite3_bind_int64(st, 1, term_id);
	sqlite3_bind_int64(st, 2, published);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		n = related_chunk_decode(sqlite3_column_blob(st, 3),
		    sqlite3_column_bytes(st, 3), term_id,
		    sqlite3_column_int64(st, 1), &p);
		for (i = 0; i < n && p[i].story_id != story_id; i++)
			;
		if (i < n) {
			id = sqlite3_column_int64(st, 0);
			memmove(p + i, p + i + 1, (n - i - 1) * sizeof *p);
			n--;
			break;
		}
		free(p);
		p = NULL;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return (store_error(s, cause, "related: chunk"));
	if (id == 0)
		return (0);
	if (n > 0)
		rc = related_chunk_write(s, id, p, n, cause);
	else if ((st = store_stmt(s, sql_chunk_del)) == NULL)
		rc = store_error(s, cause, "related");
	else {
		sqlite3_bind_int64(st, 1, id);
		rc = related_step1(s, st, cause, "related: chunk");
	}
	free(p);
	return (rc);
}

/* related_postings adds (add = 1) or removes a story's signature postings. */
static int
related_postings(struct store *s, long long story_id, long long published,
    const struct rterm *sig, int n, int add, char **cause)
{
	struct rpost	 p;
	int		 i;

	for (i = 0; i < n; i++) {
		if (add) {
			memset(&p, 0, sizeof p);
			p.term_id = sig[i].id;
			p.published = published;
			p.story_id = story_id;
			p.w = sig[i].sw;
			if (related_chunk_put(s, &p, 1, cause) == -1)
				return (-1);
		} else if (related_chunk_drop(s, sig[i].id, published,
		    story_id, cause) == -1)
			return (-1);
	}
	return (0);
}

/*
 * related_forget removes a story from the index: document frequencies,
 * postings and vector.  Its related rows go with the story (foreign keys).
 */
static int
related_forget(struct store *s, long long story_id, char **cause)
{
	struct rdoc	 d;
	struct rterm	*sig;
	sqlite3_stmt	*st, *st2;
	int		 i, nsig, rc;

	if ((rc = related_doc_load(s, story_id, &d, &sig, &nsig, cause)) != 0)
		return (rc == 1 ? 0 : -1);
	rc = -1;
	if (related_postings(s, story_id, d.published, sig, nsig, 0,
	    cause) == -1)
		goto out;
	if ((st = store_stmt(s, sql_term_sub)) == NULL ||
	    (st2 = store_stmt(s, sql_term_drop)) == NULL) {
		store_error(s, cause, "related");
		goto out;
	}
	for (i = 0; i < d.n; i++) {
		sqlite3_bind_int64(st, 1, d.t[i].id);
		sqlite3_bind_int64(st2, 1, d.t[i].id);
		if (related_step1(s, st, cause, "related: df") == -1 ||
		    related_step1(s, st2, cause, "related: df") == -1)
			goto out;
	}
	if ((st = store_stmt(s, sql_doc_del)) == NULL) {
		store_error(s, cause, "related");
		goto out;
	}
	sqlite3_bind_int64(st, 1, story_id);
	if (related_step1(s, st, cause, "related: forget") == -1 ||
	    related_count(s, -1, cause) == -1)
		goto out;
	rc = 0;
out:
	related_doc_clear(&d);
	free(sig);
	return (rc);
}

/* related_weights weighs a story's terms from their frequencies. */
static void
related_weights(struct rdoc *d, long long ndocs)
{
	double	 idf, sum = 0;
	int	 i;

	for (i = 0; i < d->n; i++) {
		idf = related_idf(ndocs, d->t[i].df < 2 ? 2 : d->t[i].df);
		d->t[i].sw = related_tfw(&d->t[i]) * idf;
		d->t[i].w = d->t[i].df < 2 ? 0 : d->t[i].sw;
		sum += d->t[i].sw * d->t[i].sw;
	}
	d->norm = sqrt(sum);
}

/* related_weigh looks up document frequencies and weighs a story's terms. */
static int
related_weigh(struct store *s, struct rdoc *d, long long ndocs,
    char **cause)
{
	sqlite3_stmt	*st;
	int		 i;

	if ((st = store_stmt(s, sql_term_df)) == NULL)
		return (store_error(s, cause, "related"));
	for (i = 0; i < d->n; i++) {
		sqlite3_bind_int64(st, 1, d->t[i].id);
		d->t[i].df = 1;
		if (sqlite3_step(st) == SQLITE_ROW)
			d->t[i].df = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}
	related_weights(d, ndocs);
	return (0);
}

static int
related_sw_cmp(const void *a, const void *b)
{
	const struct rterm	*x = a, *y = b;

	if (x->sw != y->sw)
		return (x->sw > y->sw ? -1 : 1);
	return (x->id < y->id ? -1 : x->id > y->id);
}

static int
related_w_cmp(const void *a, const void *b)
{
	const struct rterm	*x = a, *y = b;

	if (x->w != y->w)
		return (x->w > y->w ? -1 : 1);
	return (x->id < y->id ? -1 : x->id > y->id);
}

/*
 * related_top copies into out the k first terms of t (n of them) in the
 * order of cmp, in that order; returns how many (at most k).  A heap keeps
 * the k best seen: no sort of every term of a long story.
 */
static int
related_top(const struct rterm *t, int n, int k,
    int (*cmp)(const void *, const void *), struct rterm *out)
{
	struct rterm	 tmp;
	int		 i, j, c, m = 0;

	for (i = 0; i < n; i++) {
		if (m < k) {
			/* Sift up: the worst stays at the root. */
			out[j = m++] = t[i];
			while (j > 0 && cmp(&out[(j - 1) / 2], &out[j]) < 0) {
				tmp = out[j];
				out[j] = out[(j - 1) / 2];
				out[(j - 1) / 2] = tmp;
				j = (j - 1) / 2;
			}
			continue;
		}
		if (cmp(&t[i], &out[0]) >= 0)
			continue;
		out[0] = t[i];
		for (j = 0; (c = 2 * j + 1) < m; j = c) {
			if (c + 1 < m && cmp(&out[c + 1], &out[c]) > 0)
				c++;
			if (cmp(&out[j], &out[c]) >= 0)
				break;
			tmp = out[j];
			out[j] = out[c];
			out[c] = tmp;
		}
	}
	qsort(out, m, sizeof *out, cmp);
	return (m);
}

/*
 * related_sig returns the signature of a weighed story (caller frees):
 * its REL_SIG_TERMS best terms, weights divided by the norm, sorted by
 * term id.
 */
static struct rterm *
related_sig(const struct rdoc *d, int *nsig)
{
	struct rterm	*sig;
	int		 i, n;

	sig = xcalloc(REL_SIG_TERMS, sizeof *sig);
	n = related_top(d->t, d->n, REL_SIG_TERMS, related_sw_cmp, sig);
	for (i = 0; i < n; i++)
		sig[i].sw = d->norm > 0 ? sig[i].sw / d->norm : 0;
	qsort(sig, n, sizeof *sig, related_term_cmp);
	*nsig = n;
	return (sig);
}

/*
 * related_resign replaces a story's signature (its REL_SIG_TERMS best
 * terms, weighed at today's frequencies) and norm, unless both are as
 * stored (the same terms, a norm within 2%): rewriting the postings is
 * most of the cost.
 */
static int
related_resign(struct store *s, struct rdoc *d, double oldnorm,
    struct rterm *old, int nold, char **cause)
{
	sqlite3_stmt	*st;
	struct rterm	*sig;
	unsigned char	*blob;
	size_t		 len;
	int		 i, n, same;

	sig = related_sig(d, &n);
	same = n == nold && oldnorm > 0 &&
	    fabs(d->norm - oldnorm) <= 0.02 * oldnorm;
	for (i = 0; same && i < n; i++)
		same = sig[i].id == old[i].id;
	if (same) {
		free(sig);
		return (0);
	}
	if (related_postings(s, d->story_id, d->published, old, nold, 0,
	    cause) == -1 || related_postings(s, d->story_id, d->published,
	    sig, n, 1, cause) == -1) {
		free(sig);
		return (-1);
	}
	blob = related_encode(sig, n, &len);
	free(sig);
	if ((st = store_stmt(s, sql_doc_sig)) == NULL) {
		free(blob);
		return (store_error(s, cause, "related"));
	}
	sqlite3_bind_double(st, 1, d->norm);
	sqlite3_bind_blob(st, 2, blob, len, free);
	sqlite3_bind_int64(st, 3, d->story_id);
	return (related_step1(s, st, cause, "related: signature"));
}

/*
 * related_batch_size is the memory a batch holds: its vocabulary, its
 * stories, the terms of those not yet stored (tbytes) and npost postings
 * with their order by word and the word offsets that sort them.
 */
static size_t
related_batch_size(const struct bvocab *v, size_t tbytes, int nids,
    size_t npost)
{
	return (related_vocab_bytes(v) + tbytes +
	    (size_t)nids * sizeof(struct bstory) +
	    npost * (sizeof(struct bpost) + sizeof(int)) +
	    (size_t)(v->n + 1) * sizeof(int));
}

/*
 * related_batch_read tokenizes the next stories of a batch (those still
 * there) into bs[*nb...] and v, npost postings made before them, until
 * their terms take an eighth of max (*stop = 0: store them, then read on)
 * or the batch holds max bytes (*stop = 1).  Returns how many ids were
 * used, or -1 on error.
 */
static int
related_batch_read(struct store *s, const long long *ids, int nids,
    int ntotal, size_t max, struct bvocab *v, struct bstory *bs, int *nb,
    size_t npost, int *stop, char **cause)
{
	sqlite3_stmt	*st;
	struct bstory	*b;
	size_t		 tbytes = 0, size;
	int		 i, rc;

	*stop = 0;
	if ((st = store_stmt(s, sql_story_text)) == NULL)
		return (store_error(s, cause, "related"));
	for (i = 0; i < nids; i++) {
		sqlite3_bind_int64(st, 1, ids[i]);
		if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
			sqlite3_reset(st);
			if (rc == SQLITE_DONE)
				continue;	/* gone meanwhile */
			return (store_error(s, cause, "related: story"));
		}
		b = &bs[*nb];
		b->story_id = ids[i];
		related_tokens(v, b, *nb,
		    (const char *)sqlite3_column_text(st, 0), 1);
		related_tokens(v, b, *nb,
		    (const char *)sqlite3_column_text(st, 1), 0);
		b->feed_id = sqlite3_column_int64(st, 2);
		b->published = sqlite3_column_int64(st, 3);
		sqlite3_reset(st);
		/* Kept to size: a batch is bounded by what it holds. */
		if (b->cap > b->n + 16) {
			b->cap = b->n + 1;
			b->t = xreallocarray(b->t, b->cap, sizeof *b->t);
		}
		tbytes += b->cap * sizeof *b->t;
		npost += b->n < REL_SIG_TERMS ? b->n : REL_SIG_TERMS;
		(*nb)++;
		size = related_batch_size(v, tbytes, ntotal, npost);
		if (size > s->rel_batch_peak)
			s->rel_batch_peak = size;
		if (size >= max || tbytes >= max / 8) {
			*stop = size >= max;
			i++;
			break;
		}
	}
	return (i);
}

/*
 * related_batch_terms learns the ids and document frequencies of the
 * batch's new words (a look-up each, and an insert for a word the store
 * does not have); with all, it also writes what the batch adds to the
 * document frequencies, once a word.
 */
static int
related_batch_terms(struct store *s, struct bvocab *v, int all,
    char **cause)
{
	sqlite3_stmt	*get, *add, *more;
	struct bword	*bw;
	int		 i, rc;

	if ((get = store_stmt(s, sql_term_get)) == NULL ||
	    (add = store_stmt(s, sql_term_new)) == NULL ||
	    (more = store_stmt(s, sql_term_more)) == NULL)
		return (store_error(s, cause, "related"));
	for (i = 0; i < v->n; i++) {
		bw = &v->v[i];
		if (bw->id == 0) {
			sqlite3_bind_text(get, 1, v->text + bw->off, -1,
			    SQLITE_STATIC);
			if ((rc = sqlite3_step(get)) == SQLITE_ROW) {
				bw->id = sqlite3_column_int64(get, 0);
				bw->base = sqlite3_column_int64(get, 1);
			}
			sqlite3_reset(get);
			if (rc == SQLITE_DONE) {
				sqlite3_bind_text(add, 1, v->text + bw->off,
				    -1, SQLITE_STATIC);
				sqlite3_bind_int(add, 2, bw->ndocs);
				if (related_step1(s, add, cause,
				    "related: term") == -1)
					return (-1);
				bw->id = sqlite3_last_insert_rowid(s->db);
				bw->written = bw->ndocs;
			} else if (rc != SQLITE_ROW)
				return (store_error(s, cause, "related: term"));
		}
		bw->df = bw->base + bw->ndocs;
		if (all && bw->ndocs > bw->written) {
			sqlite3_bind_int(more, 1, bw->ndocs - bw->written);
			sqlite3_bind_int64(more, 2, bw->id);
			if (related_step1(s, more, cause, "related: term") == -1)
				return (-1);
			bw->written = bw->ndocs;
		}
	}
	return (0);
}

/*
 * related_batch_doc stores the vector and signature of story k of a batch
 * (pending) and appends its postings to post.
 */
static int
related_batch_doc(struct store *s, const struct bvocab *v,
    const struct bstory *bs, int k, long long ndocs, struct bpost *post,
    int *npost, char **cause)
{
	const struct bstory *b = &bs[k];
	sqlite3_stmt	*st;
	struct rdoc	 d;
	struct rterm	*sig;
	struct bword	*bw;
	struct bpost	*p;
	unsigned char	*terms, *sigb;
	size_t		 tlen, slen;
	int		 i, nsig;

	memset(&d, 0, sizeof d);
	d.story_id = b->story_id;
	d.n = b->n;
	d.t = xreallocarray(NULL, b->n + 1, sizeof *d.t);
	for (i = 0; i < b->n; i++) {
		bw = &v->v[b->t[i].v];
		d.t[i].id = bw->id;
		d.t[i].df = bw->df;
		d.t[i].tf = b->t[i].tf;
		d.t[i].ttf = b->t[i].ttf;
		d.t[i].vi = b->t[i].v;
	}
	related_weights(&d, ndocs);
	sig = related_sig(&d, &nsig);
	for (i = 0; i < nsig; i++) {
		p = &post[(*npost)++];
		p->v = sig[i].vi;
		p->story = k;
		p->w = sig[i].sw;
	}
	related_sort_id(d.t, d.n);
	terms = related_encode(d.t, d.n, &tlen);
	sigb = related_encode(sig, nsig, &slen);
	free(sig);
	related_doc_clear(&d);
	if ((st = store_stmt(s, sql_doc_add)) == NULL) {
		free(terms);
		free(sigb);
		return (store_error(s, cause, "related"));
	}
	sqlite3_bind_int64(st, 1, b->story_id);
	sqlite3_bind_int64(st, 2, b->feed_id);
	sqlite3_bind_int64(st, 3, b->published);
	sqlite3_bind_double(st, 4, d.norm);
	sqlite3_bind_blob(st, 5, terms, tlen, free);
	sqlite3_bind_blob(st, 6, sigb, slen, free);
	return (related_step1(s, st, cause, "related: index"));
}

/*
 * related_index_batch indexes stories at once: each is tokenized, the
 * document frequencies of the batch's words are added with one statement
 * per distinct word, then each story's vector is stored, signed (so that
 * it is a candidate at once) and pending, and the postings are written
 * term by term.  A story indexed before (its head entry changed) is
 * forgotten first.  The batch stops at the first story that brings its
 * memory to the store's bound (REL_BATCH_BYTES): returns how many ids it
 * used (the first at least, whatever its size), or -1 on error.
 */
int
related_index_batch(struct store *s, const long long *ids, int nids,
    char **cause)
{
	struct bvocab	 v;
	struct bstory	*bs;
	struct bpost	*raw = NULL, *p;
	struct rpost	*run = NULL;
	long long	 ndocs;
	size_t		 max;
	int		*start = NULL, *ord = NULL, i, j, k, nb = 0, first;
	int		 used = 0, n;
	int		 nraw = 0, capraw = 0, most, stop = 0, rc = -1;

	/*
	 * NOTE: every story of ids is forgotten before any word is looked
	 * up: forgetting one can delete a term (its last story), and the
	 * batch keeps term ids and writes its document frequencies at the
	 * end.  A story the batch has no room for stays queued.
	 */
	for (i = 0; i < nids; i++) {
		if (related_forget(s, ids[i], cause) == -1)
			return (-1);
	}
	max = s->rel_batch_bytes > 0 ? s->rel_batch_bytes : REL_BATCH_BYTES;
	related_vocab_init(&v);
	bs = xcalloc(nids + 1, sizeof *bs);
	/*
	 * By parts: each part's stories are stored (vector, signature) and
	 * their terms let go, while the vocabulary and the postings stay for
	 * the whole batch: each word's frequency and chunks are written once.
	 */
	while (used < nids && !stop) {
		first = nb;
		if ((n = related_batch_read(s, ids + used, nids - used, nids,
		    max, &v, bs, &nb, nraw, &stop, cause)) == -1 ||
		    related_batch_terms(s, &v, 0, cause) == -1 ||
		    related_count(s, nb - first, cause) == -1)
			goto out;
		used += n;
		ndocs = related_ndocs(s);
		for (i = first, most = nraw; i < nb; i++)
			most += bs[i].n < REL_SIG_TERMS ? bs[i].n :
			    REL_SIG_TERMS;
		if (most > capraw) {
			capraw = most;
			raw = xreallocarray(raw, capraw, sizeof *raw);
		}
		for (i = first; i < nb; i++) {
			if (related_batch_doc(s, &v, bs, i, ndocs, raw, &nraw,
			    cause) == -1)
				goto out;
			free(bs[i].t);
			bs[i].t = NULL;
		}
	}
	if (related_batch_terms(s, &v, 1, cause) == -1)
		goto out;
	/*
	 * The postings go by word (a counting sort on the word), each word's
	 * in time order.  A word whose stories are all of this batch has no
	 * chunk yet; a big batch writes new chunks without looking (a small
	 * one, the daemon's, fills the word's newest chunk).
	 */
	start = xcalloc(v.n + 1, sizeof *start);
	for (i = 0; i < nraw; i++)
		start[raw[i].v + 1]++;
	for (i = 0, most = 0; i < v.n; i++) {
		if (start[i + 1] > most)
			most = start[i + 1];
		start[i + 1] += start[i];
	}
	ord = xcalloc(nraw + 1, sizeof *ord);
	for (i = 0; i < nraw; i++)
		ord[start[raw[i].v]++] = i;
	/* start[i] is now the end of word i's postings, the start of i + 1. */
	run = xcalloc(most + 1, sizeof *run);
	for (i = 0, j = 0; i < v.n; j = start[i++]) {
		if (start[i] == j)
			continue;
		for (k = j; k < start[i]; k++) {
			p = &raw[ord[k]];
			run[k - j].term_id = v.v[i].id;
			run[k - j].published = bs[p->story].published;
			run[k - j].story_id = bs[p->story].story_id;
			run[k - j].w = p->w;
			run[k - j].fresh = nb >= REL_CHUNK / 2 ||
			    v.v[i].df == v.v[i].ndocs;
		}
		if (start[i] - j > 1)
			qsort(run, start[i] - j, sizeof *run,
			    related_post_cmp);
		if (related_chunk_put(s, run, start[i] - j, cause) == -1)
			goto out;
	}
	rc = used;
out:
	for (i = 0; i < nids; i++)
		free(bs[i].t);
	free(bs);
	free(raw);
	free(ord);
	free(run);
	free(start);
	related_vocab_free(&v);
	return (rc);
}

/* related_acc_get finds or adds the slot of a story id. */
static struct rslot *
related_acc_get(struct racc *a, long long id)
{
	struct rslot	*old;
	size_t		 i, j, oldsize;

	if (a->n * 2 >= a->size) {
		old = a->c;
		oldsize = a->size;
		a->size = oldsize == 0 ? 8192 : oldsize * 2;
		a->c = xcalloc(a->size, sizeof *a->c);
		a->n = 0;
		for (j = 0; j < oldsize; j++) {
			if (old[j].id != 0)
				*related_acc_get(a, old[j].id) = old[j];
		}
		free(old);
	}
	i = ((uint64_t)id * 0x9e3779b97f4a7c15ULL) >> 20 & (a->size - 1);
	while (a->c[i].id != 0 && a->c[i].id != id)
		i = (i + 1) & (a->size - 1);
	if (a->c[i].id == 0) {
		a->c[i].id = id;
		a->n++;
	}
	return (&a->c[i]);
}

/*
 * related_heap_push keeps in h (a min-heap on acc, n of at most max) the
 * best slots seen.
 */
static void
related_heap_push(struct rslot *h, int *n, int max, const struct rslot *x)
{
	struct rslot	 tmp;
	int		 i, c;

	if (*n < max) {
		i = (*n)++;
		h[i] = *x;
		while (i > 0 && h[(i - 1) / 2].acc > h[i].acc) {
			tmp = h[i];
			h[i] = h[(i - 1) / 2];
			h[(i - 1) / 2] = tmp;
			i = (i - 1) / 2;
		}
		return;
	}
	if (x->acc <= h[0].acc)
		return;
	h[0] = *x;
	for (i = 0; (c = 2 * i + 1) < *n; i = c) {
		if (c + 1 < *n && h[c + 1].acc < h[c].acc)
			c++;
		if (h[i].acc <= h[c].acc)
			break;
		tmp = h[i];
		h[i] = h[c];
		h[c] = tmp;
	}
}

static int
related_score_cmp(const void *a, const void *b)
{
	const struct rcand	*x = a, *y = b;

	if (x->score != y->score)
		return (x->score > y->score ? -1 : 1);
	return (x->story_id < y->story_id ? -1 : x->story_id > y->story_id);
}

/*
 * related_candidates reads the postings of the story's best terms within
 * the window (newest chunks first) and returns the REL_CANDIDATES best, by
 * approximate score.
 */
static int
related_candidates(struct store *s, const struct rdoc *d, struct rcand **out,
    int *nout, char **cause)
{
	sqlite3_stmt	*st;
	struct racc	 a;
	struct rterm	*q;
	struct rslot	*slot, best[REL_CANDIDATES];
	struct rcand	*c;
	const unsigned char *p, *end;
	long long	 id, t, lo, hi;
	double		 w;
	size_t		 i;
	int		 k, nq, got, n = 0;

	*out = NULL;
	*nout = 0;
	if ((st = store_stmt(s, sql_chunk_scan)) == NULL)
		return (store_error(s, cause, "related"));
	memset(&a, 0, sizeof a);
	q = xcalloc(REL_QUERY_TERMS, sizeof *q);
	nq = related_top(d->t, d->n, REL_QUERY_TERMS, related_w_cmp, q);
	lo = d->published - REL_WINDOW;
	hi = d->published + REL_WINDOW;
	for (k = 0; k < nq && q[k].w > 0; k++) {
		sqlite3_bind_int64(st, 1, q[k].id);
		sqlite3_bind_int64(st, 2, lo);
		sqlite3_bind_int64(st, 3, hi);
		/* The newest chunks first, up to about REL_POSTINGS_MAX. */
		got = 0;
		while (got < REL_POSTINGS_MAX && sqlite3_step(st) == SQLITE_ROW) {
			t = sqlite3_column_int64(st, 0);
			p = sqlite3_column_blob(st, 1);
			end = p + sqlite3_column_bytes(st, 1);
			while (p < end &&
			    related_chunk_next(&p, end, &t, &id, &w) == 0) {
				if (t < lo || t > hi || id == d->story_id)
					continue;
				slot = related_acc_get(&a, id);
				slot->acc += q[k].w / d->norm * w;
				got++;
			}
		}
		sqlite3_reset(st);
	}
	free(q);
	for (i = 0; i < a.size; i++) {
		if (a.c[i].id != 0)
			related_heap_push(best, &n, REL_CANDIDATES, &a.c[i]);
	}
	free(a.c);
	if (n > 0) {
		c = xcalloc(n, sizeof *c);
		for (k = 0; k < n; k++) {
			c[k].story_id = best[k].id;
			c[k].acc = best[k].acc;
		}
		*out = c;
		*nout = n;
	}
	return (0);
}

/*
 * related_exact scores a candidate: the cosine of the two vectors at
 * today's frequencies (those of the story's terms, which are the only
 * ones that count), the terms in common and whether it is a copy.
 */
static int
related_exact(struct store *s, const struct rdoc *d, struct rcand *c,
    char **cause)
{
	sqlite3_stmt	*st;
	struct rterm	*t;
	double		 dot = 0, norm;
	int		 i = 0, j = 0, n, tshared = 0, tq = 0, tc = 0, rc;

	if ((st = store_stmt(s, sql_cand_get)) == NULL)
		return (store_error(s, cause, "related"));
	sqlite3_bind_int64(st, 1, c->story_id);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		sqlite3_reset(st);
		c->score = 0;
		return (rc == SQLITE_DONE ? 0 : store_error(s, cause,
		    "related: candidate"));
	}
	c->feed_id = sqlite3_column_int64(st, 0);
	norm = sqlite3_column_double(st, 1);
	n = related_decode(sqlite3_column_blob(st, 2),
	    sqlite3_column_bytes(st, 2), &t);
	sqlite3_reset(st);
	for (; j < n; j++)
		tc += t[j].ttf > 0;
	for (; i < d->n; i++)
		tq += d->t[i].ttf > 0;
	for (i = 0, j = 0; i < d->n && j < n;) {
		if (d->t[i].id < t[j].id)
			i++;
		else if (d->t[i].id > t[j].id)
			j++;
		else {
			if (d->t[i].w > 0) {
				dot += d->t[i].w * related_tfw(&t[j]) *
				    d->t[i].w / related_tfw(&d->t[i]);
				c->shared++;
			}
			tshared += d->t[i].ttf > 0 && t[j].ttf > 0;
			i++;
			j++;
		}
	}
	free(t);
	c->score = norm > 0 && d->norm > 0 ? dot / (d->norm * norm) : 0;
	/*
	 * Short items need more: two vectors of n terms that share a word
	 * or two by chance have a cosine of about 1 / sqrt(n) (a summary of
	 * 15 terms, 0.26; an article of 150, 0.08), and a copy edited by a
	 * word or two moves as far from the original.  So the score must
	 * pass REL_CHANCE / sqrt(n) to be shown (0.7 of the chance level:
	 * 0.5 let one summary in ten list a story of another subject, on
	 * BBC cut to its leads and on the generated corpus alike; full
	 * texts, with n in the hundreds, are not affected), and a copy is
	 * one from REL_DUP_SCORE less REL_DUP_SHORT / sqrt(n) (a summary
	 * rewritten from the same lead is no other story), n the shorter's
	 * terms.
	 */
	n = n < d->n ? n : d->n;
	c->chance = n > 0 ? REL_CHANCE / sqrt(n) : 1;
	if (c->score >= REL_DUP_SCORE - (n > 0 ? REL_DUP_SHORT / sqrt(n) :
	    0) || (tshared >= 2 &&
	    tshared >= REL_DUP_TITLE * (tq + tc - tshared)))
		c->dup = 1;
	return (0);
}

/* related_cap is how many picks one source may have among n. */
static int
related_cap(int n)
{
	int	 cap = (2 * n + 4) / 5;

	return (cap < 1 ? 1 : cap);
}

/*
 * related_pick chooses up to n of the scored candidates (sorted by score)
 * and returns how many; they are moved to the front of c.
 */
static int
related_pick(struct rcand *c, int nc, int n)
{
	struct rcand	 tmp;
	double		 best = 0;
	int		 i, j, k = 0, same;

	for (i = 0; i < nc; i++) {
		if (!c[i].dup && c[i].score > best)
			best = c[i].score;
	}
	for (i = 0; i < nc && k < n; i++) {
		if (c[i].dup || c[i].shared < REL_MIN_SHARED ||
		    c[i].score < REL_MIN_SCORE || c[i].score < c[i].chance ||
		    c[i].score < REL_REL_SCORE * best)
			continue;
		for (same = 0, j = 0; j < k; j++)
			same += c[j].feed_id == c[i].feed_id;
		if (same >= related_cap(n))
			continue;
		tmp = c[k];
		c[k] = c[i];
		c[i] = tmp;
		k++;
	}
	return (k);
}

/* related_store replaces the related rows of a story. */
static int
related_store(struct store *s, long long story_id, const struct rcand *c,
    int n, long long now, char **cause)
{
	sqlite3_stmt	*st;
	int		 i;

	if ((st = store_stmt(s, sql_rel_del)) == NULL)
		return (store_error(s, cause, "related"));
	sqlite3_bind_int64(st, 1, story_id);
	if (related_step1(s, st, cause, "related: clear") == -1)
		return (-1);
	if ((st = store_stmt(s, sql_rel_add)) == NULL)
		return (store_error(s, cause, "related"));
	for (i = 0; i < n; i++) {
		sqlite3_bind_int64(st, 1, story_id);
		sqlite3_bind_int64(st, 2, c[i].story_id);
		sqlite3_bind_double(st, 3, c[i].score);
		sqlite3_bind_int(st, 4, i + 1);
		if (related_step1(s, st, cause, "related: store") == -1)
			return (-1);
	}
	if ((st = store_stmt(s, sql_doc_done)) == NULL)
		return (store_error(s, cause, "related"));
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, story_id);
	return (related_step1(s, st, cause, "related: done"));
}

/*
 * related_spread marks stale the computed lists of the candidates that
 * this story would now enter (symmetry of the cosine): fewer than n
 * picks, or a weaker last one.
 */
static int
related_spread(struct store *s, const struct rcand *c, int nc, int n,
    char **cause)
{
	sqlite3_stmt	*st, *up;
	long long	 count;
	double		 worst;
	int		 i;

	if ((st = store_stmt(s, sql_rel_worst)) == NULL ||
	    (up = store_stmt(s, sql_doc_stale)) == NULL)
		return (store_error(s, cause, "related"));
	for (i = 0; i < nc; i++) {
		if (c[i].dup || c[i].shared < REL_MIN_SHARED ||
		    c[i].score < REL_MIN_SCORE || c[i].score < c[i].chance)
			continue;
		sqlite3_bind_int64(st, 1, c[i].story_id);
		count = n;
		worst = 1;
		if (sqlite3_step(st) == SQLITE_ROW) {
			count = sqlite3_column_int64(st, 0);
			worst = sqlite3_column_double(st, 1);
		}
		sqlite3_reset(st);
		if (count >= n && worst >= c[i].score)
			continue;
		sqlite3_bind_int64(up, 1, c[i].story_id);
		if (related_step1(s, up, cause, "related: stale") == -1)
			return (-1);
	}
	return (0);
}

/* related_compute computes and stores the list of one indexed story. */
static int
related_compute(struct store *s, long long story_id, int nrelated,
    long long now, char **cause)
{
	struct rdoc	 d;
	struct rterm	*sig;
	struct rcand	*c = NULL;
	double		 oldnorm;
	int		 i, nsig, nc = 0, k = 0, rc;

	if ((rc = related_doc_load(s, story_id, &d, &sig, &nsig, cause)) != 0)
		return (rc == 1 ? 0 : -1);
	rc = -1;
	oldnorm = d.norm;
	if (related_weigh(s, &d, related_ndocs(s), cause) == -1 ||
	    related_resign(s, &d, oldnorm, sig, nsig, cause) == -1)
		goto out;
	if (d.norm > 0 && nrelated > 0) {
		if (related_candidates(s, &d, &c, &nc, cause) == -1)
			goto out;
		for (i = 0; i < nc; i++) {
			if (related_exact(s, &d, &c[i], cause) == -1)
				goto out;
		}
		if (nc > 0)
			qsort(c, nc, sizeof *c, related_score_cmp);
		/*
		 * NOTE: only a first computation spreads: a stale list that
		 * spread again could wake the story that woke it, forever.
		 */
		if (d.state == REL_PENDING &&
		    related_spread(s, c, nc, nrelated, cause) == -1)
			goto out;
		k = related_pick(c, nc, nrelated);
	}
	rc = related_store(s, story_id, c, k, now, cause);
out:
	free(c);
	free(sig);
	related_doc_clear(&d);
	return (rc);
}

/* related_next_id runs a query that yields one id; 0 when none. */
static long long
related_next_id(struct store *s, const char *sql, int arg)
{
	sqlite3_stmt	*st;
	long long	 id = 0;

	if ((st = store_stmt(s, sql)) == NULL)
		return (0);
	if (sqlite3_bind_parameter_count(st) > 0)
		sqlite3_bind_int(st, 1, arg);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return (id);
}

/* related_dequeue removes a story from a queue table. */
static int
related_dequeue(struct store *s, const char *sql, long long id,
    char **cause)
{
	sqlite3_stmt	*st;

	if ((st = store_stmt(s, sql)) == NULL)
		return (store_error(s, cause, "related"));
	sqlite3_bind_int64(st, 1, id);
	return (related_step1(s, st, cause, "related: queue"));
}

/*
 * related_index_queue indexes up to max queued stories (the newest ids
 * first) as one batch, fewer when the batch reaches its memory bound;
 * returns how many, or -1 on error.
 */
static int
related_index_queue(struct store *s, int max, char **cause)
{
	sqlite3_stmt	*st;
	long long	*ids;
	int		 i, n = 0, rc;

	if ((st = store_stmt(s, sql_todo_batch)) == NULL)
		return (store_error(s, cause, "related"));
	ids = xcalloc(max, sizeof *ids);
	sqlite3_bind_int(st, 1, max);
	while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW)
		ids[n++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	/* The batch may stop short of n: only what it used is dequeued. */
	n = related_index_batch(s, ids, n, cause);
	for (i = 0, rc = 0; rc == 0 && i < n; i++)
		rc = related_dequeue(s, sql_todo_del, ids[i], cause);
	free(ids);
	return (rc == -1 ? -1 : n);
}

/* The work of one store_related_update call. */
struct rwork {
	long long	 now;
	int		 nshow;		/* the output window */
	int		 nrelated;
	int		 budget_ms;	/* 0: no limit */
	double		 start;
	int		 batches;	/* index batches done */
};

/*
 * related_work does one step of pending work: forget a deleted story,
 * index a batch of queued ones, or compute a list the output window
 * shows, or one that was wanted on demand.  Returns 1 when it did
 * something, 0 when there is nothing left for this call, -1 on error.
 */
static int
related_work(struct store *s, struct rwork *w, char **cause)
{
	long long	 id;
	double		 t0, per, left;
	int		 n, max;

	if ((id = related_next_id(s, sql_gone_next, 0)) != 0) {
		if (related_forget(s, id, cause) == -1 ||
		    related_dequeue(s, sql_gone_del, id, cause) == -1)
			return (-1);
		return (1);
	}
	if (related_next_id(s, sql_todo_next, 0) != 0) {
		/*
		 * Without a budget, one batch of the most a call does (the
		 * rest for the next call: one transaction each); with one, a
		 * batch sized from the last one's cost per story.
		 */
		t0 = related_ms();
		if (w->budget_ms <= 0) {
			if (w->batches > 0)
				return (0);
			max = REL_BULK;
		} else {
			/*
			 * Half of what is left of the budget (the commit
			 * writes what the batch made), at the cost per story
			 * of the last batch.
			 */
			left = w->budget_ms - (t0 - w->start);
			if (s->rel_per_ms <= 0)
				s->rel_per_ms = 0.5;
			max = left / 2 / s->rel_per_ms;
			if (max < 1 && w->batches > 0)
				return (0);
			max = max < 1 ? 1 : max > REL_BULK ? REL_BULK : max;
		}
		if ((n = related_index_queue(s, max, cause)) == -1)
			return (-1);
		w->batches++;
		if (w->budget_ms > 0 && n > 0) {
			per = (related_ms() - t0) / n;
			s->rel_per_ms = (s->rel_per_ms + per) / 2;
		}
		return (1);
	}
	if (w->nshow > 0 && (id = related_next_id(s, sql_doc_shown,
	    w->nshow + REL_MARGIN)) != 0) {
		if (related_compute(s, id, w->nrelated, w->now, cause) == -1)
			return (-1);
		return (1);
	}
	if ((id = related_next_id(s, sql_want_next, 0)) != 0) {
		if (related_compute(s, id, w->nrelated, w->now, cause) == -1 ||
		    related_dequeue(s, sql_want_del, id, cause) == -1)
			return (-1);
		return (1);
	}
	return (0);
}

/*
 * related_refresh marks stale the lists of the newest REL_REFRESH stories
 * when the store has doubled since they were last refreshed: they were
 * computed with thinner statistics (at first, from a handful of stories).
 * Those the output shows are redone at once, the others when shown.
 */
static int
related_refresh(struct store *s, char **cause)
{
	static const char sql_get[] =
	    "SELECT ndocs, refreshed FROM related_stat";
	static const char sql_mark[] =
	    "UPDATE related_doc SET state = 2 WHERE story_id IN (SELECT "
	    "story_id FROM related_doc WHERE state = 0 ORDER BY published "
	    "DESC LIMIT ?)";
	static const char sql_set[] =
	    "UPDATE related_stat SET refreshed = ndocs";
	sqlite3_stmt	*st;
	long long	 ndocs = 0, refreshed = 0;

	if ((st = store_stmt(s, sql_get)) == NULL)
		return (store_error(s, cause, "related"));
	if (sqlite3_step(st) == SQLITE_ROW) {
		ndocs = sqlite3_column_int64(st, 0);
		refreshed = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (ndocs < 2 * refreshed || ndocs < 16)
		return (0);
	if ((st = store_stmt(s, sql_mark)) == NULL)
		return (store_error(s, cause, "related"));
	sqlite3_bind_int(st, 1, REL_REFRESH);
	if (related_step1(s, st, cause, "related: refresh") == -1 ||
	    (st = store_stmt(s, sql_set)) == NULL)
		return (-1);
	return (related_step1(s, st, cause, "related: refresh"));
}

/* related_more tells whether work is left for a later call. */
static int
related_more(struct store *s, int nshow)
{
	return (related_next_id(s, sql_gone_next, 0) != 0 ||
	    related_next_id(s, sql_todo_next, 0) != 0 ||
	    (nshow > 0 && related_next_id(s, sql_doc_shown,
	    nshow + REL_MARGIN) != 0) ||
	    related_next_id(s, sql_want_next, 0) != 0);
}

int
store_related_update(struct store *s, long long now, int nshow,
    int nrelated, int budget_ms, char **cause)
{
	struct rwork	 w;
	int		 rc;

	/* Nothing to do: no write transaction (an idle daemon stays idle). */
	if (!related_more(s, nshow))
		return (0);
	memset(&w, 0, sizeof w);
	w.now = now;
	w.nshow = nshow;
	w.nrelated = nrelated;
	w.budget_ms = budget_ms;
	if (store_begin(s, cause) == -1)
		return (-1);
	if (related_refresh(s, cause) == -1) {
		store_rollback(s);
		return (-1);
	}
	w.start = related_ms();
	do {
		if ((rc = related_work(s, &w, cause)) == -1) {
			store_rollback(s);
			return (-1);
		}
	} while (rc == 1 && (budget_ms <= 0 ||
	    related_ms() - w.start < budget_ms));
	rc = related_more(s, nshow);
	if (store_commit(s, cause) == -1)
		return (-1);
	return (rc);
}

int
store_related_catchup(struct store *s, long long now, int nshow,
    int nrelated, char **cause)
{
	int	 rc;

	if (nrelated <= 0)
		return (0);
	while ((rc = store_related_update(s, now, nshow, nrelated, 0,
	    cause)) == 1)
		;
	return (rc);
}

void
store_set_related_full(struct store *s)
{
	s->rel_full = 1;
}

/*
 * related_story computes the list of one story inside the open
 * transaction, indexing it first if it is still queued.
 */
static int
related_story(struct store *s, long long story_id, long long now,
    int nrelated, char **cause)
{
	static const char sql_queued[] =
	    "SELECT 1 FROM related_todo WHERE story_id = ?";
	sqlite3_stmt	*st;
	int		 queued;

	if ((st = store_stmt(s, sql_queued)) == NULL)
		return (store_error(s, cause, "related"));
	sqlite3_bind_int64(st, 1, story_id);
	queued = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	if (queued && (related_index_batch(s, &story_id, 1, cause) != 1 ||
	    related_dequeue(s, sql_todo_del, story_id, cause) == -1))
		return (-1);
	if (related_compute(s, story_id, nrelated, now, cause) == -1 ||
	    related_dequeue(s, sql_want_del, story_id, cause) == -1)
		return (-1);
	return (0);
}

int
store_related_story(struct store *s, long long story_id, long long now,
    int nrelated, char **cause)
{
	/* A list against a half-built index would be wrong, and stay. */
	if (s->rel_full && store_related_catchup(s, now, 0, nrelated,
	    cause) == -1)
		return (-1);
	if (store_begin(s, cause) == -1)
		return (-1);
	if (related_story(s, story_id, now, nrelated, cause) == -1) {
		store_rollback(s);
		return (-1);
	}
	return (store_commit(s, cause));
}

/*
 * related_needs tells what a story shown needs: 0 nothing, 1 its list now
 * (it has none, and none was computed), 2 a new one soon (it is stale, or
 * has one from before it was last indexed: that one is shown meanwhile).
 */
static int
related_needs(struct store *s, long long story_id)
{
	sqlite3_stmt	*st;
	int		 state = REL_DONE, has = 1;

	if ((st = store_stmt(s, sql_doc_state)) == NULL)
		return (0);
	sqlite3_bind_int64(st, 1, story_id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		state = sqlite3_column_type(st, 0) == SQLITE_NULL ?
		    REL_PENDING : sqlite3_column_int(st, 0);
		has = sqlite3_column_int(st, 1);
	}
	sqlite3_reset(st);
	if (state == REL_DONE)
		return (0);
	return (state == REL_PENDING && !has ? 1 : 2);
}

int
related_demand(struct store *s, const long long *ids, int n, int nrelated,
    long long now)
{
	static const char sql_want[] =
	    "INSERT OR IGNORE INTO related_want VALUES (?)";
	sqlite3_stmt		*st;
	struct store_deferred	*dfr;
	double			 start = related_ms();
	char			*cause = NULL;
	int			 i, need, done = 0, began = 0;

	if (nrelated <= 0 || s->intx)
		return (0);
	if (s->defer != NULL) {
		/*
		 * A connection that does not write (the daemon's loop): the
		 * writer queues them, and its related work computes them.
		 */
		dfr = store_defer_new(STORE_DEFER_WANT, n);
		for (i = 0; i < n; i++) {
			if (related_needs(s, ids[i]) != 0)
				dfr->id[dfr->n++] = ids[i];
		}
		store_defer_give(s, dfr);
		return (0);
	}
	for (i = 0; i < n; i++) {
		if ((need = related_needs(s, ids[i])) == 0)
			continue;
		if (!began) {
			if (store_begin(s, &cause) == -1)
				break;
			began = 1;
		}
		if (s->rel_full || (need == 1 &&
		    related_ms() - start < REL_DEMAND_MS)) {
			if (related_story(s, ids[i], now, nrelated,
			    &cause) == -1)
				break;
			done++;
		} else if ((st = store_stmt(s, sql_want)) == NULL)
			break;
		else {
			sqlite3_bind_int64(st, 1, ids[i]);
			if (related_step1(s, st, &cause, "related") == -1)
				break;
		}
	}
	if (began && (i < n || store_commit(s, &cause) == -1)) {
		if (i < n)
			store_rollback(s);
		free(cause);
		return (-1);
	}
	free(cause);
	return (done);
}

long long
store_related_find(struct store *s, const char *key)
{
	static const char sql_by_id[] =
	    "SELECT story_id FROM entries WHERE id = ?";
	static const char sql_by_key[] =
	    "SELECT story_id FROM entries WHERE canonical_url = ?1 "
	    "UNION ALL SELECT story_id FROM entries WHERE link = ?1 OR "
	    "guid = ?1 LIMIT 1";
	static const char sql_story[] =
	    "SELECT id FROM story WHERE id = ?";
	const char	*sql = sql_by_key, *p;
	sqlite3_stmt	*st;
	long long	 id = -1;
	char		*end;

	p = key;
	if (strncmp(key, "urn:syndic:story:", 17) == 0) {
		sql = sql_story;
		p = key + 17;
	} else if (key[strspn(key, "0123456789")] == '\0')
		sql = sql_by_id;
	if ((st = store_stmt(s, sql)) == NULL)
		return (-1);
	if (sql == sql_by_key)
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	else {
		id = strtoll(p, &end, 10);
		if (*p == '\0' || *end != '\0') {
			sqlite3_reset(st);
			return (-1);
		}
		sqlite3_bind_int64(st, 1, id);
		id = -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return (id);
}

/* related_refs reads the stored list of a story into an item. */
static int
related_refs(struct store *s, struct item *it, int n, char **cause)
{
	static const char sql[] =
	    "SELECT e.link, e.title, f.title, r.score FROM related r "
	    "JOIN story s ON s.id = r.related_story_id "
	    "JOIN entries e ON e.id = s.entry_id "
	    "JOIN feeds f ON f.id = e.feed_id "
	    "WHERE r.story_id = ? ORDER BY r.rank LIMIT ?";
	sqlite3_stmt		*st;
	struct related_ref	*r;

	if ((st = store_stmt(s, sql)) == NULL)
		return (store_error(s, cause, "related"));
	sqlite3_bind_int64(st, 1, it->story_id);
	sqlite3_bind_int(st, 2, n);
	while (sqlite3_step(st) == SQLITE_ROW) {
		it->related = xreallocarray(it->related, it->nrelated + 1,
		    sizeof *it->related);
		r = &it->related[it->nrelated++];
		r->url = store_text(st, 0);
		r->title = store_text(st, 1);
		r->source = store_text(st, 2);
		r->score = sqlite3_column_double(st, 3);
	}
	sqlite3_reset(st);
	return (0);
}

struct item *
store_related_item(struct store *s, long long story_id, int nrelated,
    char **cause)
{
	static const char sql[] =
	    "SELECT e.title, e.link, e.published, f.title, "
	    "coalesce(f.site_url, f.url), f.url, e.link, s.sort_time "
	    "FROM story s JOIN entries e ON e.id = s.entry_id "
	    "JOIN feeds f ON f.id = e.feed_id WHERE s.id = ?";
	sqlite3_stmt	*st;
	struct item	*it;
	int		 rc;

	if ((st = store_stmt(s, sql)) == NULL) {
		store_error(s, cause, "related");
		return (NULL);
	}
	sqlite3_bind_int64(st, 1, story_id);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			store_error(s, cause, "related");
		else if (cause != NULL)
			*cause = xstrdup("no such story");
		return (NULL);
	}
	it = xcalloc(1, sizeof *it);
	it->story_id = story_id;
	xasprintf(&it->id, "urn:syndic:story:%lld", story_id);
	it->title = store_text(st, 0);
	it->link = store_text(st, 1);
	it->published = store_int64(st, 2);
	it->source.title = store_text(st, 3);
	it->source.url = store_text(st, 4);
	it->source.feed_url = store_text(st, 5);
	it->source.entry_url = store_text(st, 6);
	it->updated = store_int64(st, 7);
	sqlite3_reset(st);
	if (related_refs(s, it, nrelated, cause) == -1) {
		item_clear(it);
		free(it);
		return (NULL);
	}
	return (it);
}
