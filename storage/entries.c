/*
 * entries.c: storing a parsed document of a feed (store_ingest and
 * store_update): new entries added and folded into stories, changed ones
 * updated in place, purged ones kept out, all in one transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "store_priv.h"
#include "xmalloc.h"

#define ENTRIES_MAX_PER_DOC	10000	/* more is no feed */
#define ENTRIES_SEEN_EVERY	86400	/* refresh last_seen this often */

/* A document entry with what the store derives from it. */
struct ingest_entry {
	const struct entry	*e;
	char			*guid;
	char			*url;		/* canonical, for folding */
	char			*cats;		/* entries_categories */
	char			*encs;		/* entries_enclosures */
	unsigned long long	 hash;		/* of every stored field */
	unsigned long long	 ghash;		/* of guid, for duplicates */
	long long		 url_key;	/* hash of url, indexed */
	int			 dup;		/* guid seen earlier in the doc */
	char			*text;		/* entries_plain, or NULL yet */
	struct dedup_text	*dt;		/* by store_prepare, or NULL */
};

/* What store_prepare made of a document, for entries_doc. */
struct store_prep {
	const struct doc	*doc;
	struct ingest_entry	*ie;
	int			 n;
};

/* entries_fnv adds n bytes to an FNV-1a hash. */
static unsigned long long
entries_fnv(unsigned long long h, const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	return (h);
}

/* entries_hash adds a string (NULL differs from "") to an FNV-1a hash. */
static unsigned long long
entries_hash(unsigned long long h, const char *s)
{
	if (s == NULL)
		return ((h ^ 0xff) * 0x100000001b3ULL);
	h = entries_fnv(h, s, strlen(s));
	return ((h ^ 0xfe) * 0x100000001b3ULL);
}

/* entries_le64 reads 8 bytes as a little-endian number. */
static inline unsigned long long
entries_le64(const unsigned char *p)
{
	return ((unsigned long long)p[0] | (unsigned long long)p[1] << 8 |
	    (unsigned long long)p[2] << 16 | (unsigned long long)p[3] << 24 |
	    (unsigned long long)p[4] << 32 | (unsigned long long)p[5] << 40 |
	    (unsigned long long)p[6] << 48 | (unsigned long long)p[7] << 56);
}

/*
 * entries_mix adds a string (NULL differs from "") to the content hash,
 * eight bytes at a time: FNV-1a, a byte at a time, took a twentieth of
 * the store's CPU on long articles.  It only tells a changed entry.
 */
static unsigned long long
entries_mix(unsigned long long h, const char *s)
{
	unsigned char	 tail[8];
	size_t		 n, i;

	if (s == NULL)
		return ((h ^ 0xff) * 0x9e3779b97f4a7c15ULL);
	n = strlen(s);
	for (i = 0; i + 8 <= n; i += 8) {
		h = (h ^ entries_le64((const unsigned char *)s + i)) *
		    0x9e3779b97f4a7c15ULL;
		h ^= h >> 32;
	}
	memset(tail, 0, sizeof tail);
	memcpy(tail, s + i, n - i);
	h = (h ^ entries_le64(tail) ^ (unsigned long long)n << 48) *
	    0xc2b2ae3d27d4eb4fULL;
	return (h ^ h >> 29);
}

/* entries_join returns categories joined by newlines, or NULL. */
static char *
entries_categories(const struct entry *e)
{
	struct buf	 b;
	int		 i;

	if (e->ncategories == 0)
		return (NULL);
	buf_init(&b);
	for (i = 0; i < e->ncategories; i++) {
		if (i > 0)
			buf_putc(&b, '\n');
		buf_puts(&b, e->categories[i] == NULL ? "" : e->categories[i]);
	}
	return (buf_steal(&b));
}

/* entries_enclosures returns "url\ttype\tlength" lines, or NULL. */
static char *
entries_enclosures(const struct entry *e)
{
	struct buf	 b;
	int		 i;

	if (e->nenclosures == 0)
		return (NULL);
	buf_init(&b);
	for (i = 0; i < e->nenclosures; i++)
		buf_printf(&b, "%s%s\t%s\t%lld", i > 0 ? "\n" : "",
		    e->enclosures[i].url == NULL ? "" : e->enclosures[i].url,
		    e->enclosures[i].type == NULL ? "" : e->enclosures[i].type,
		    e->enclosures[i].length);
	return (buf_steal(&b));
}

/*
 * entries_content_hash hashes every stored field of an entry with add:
 * entries_mix (what is stored now) or entries_hash (what entries stored
 * by earlier versions of syndic hold).
 */
static unsigned long long
entries_content_hash(const struct ingest_entry *ie,
    unsigned long long (*add)(unsigned long long, const char *))
{
	const struct entry	*e = ie->e;
	unsigned long long	 h = 0xcbf29ce484222325ULL;
	char			 num[64];

	h = add(h, e->title);
	h = add(h, e->link);
	h = add(h, e->author);
	snprintf(num, sizeof num, "%lld %lld", e->published, e->updated);
	h = add(h, num);
	h = add(h, e->summary);
	h = add(h, e->content);
	h = add(h, ie->cats);
	h = add(h, ie->encs);
	return (h);
}

/* entries_prepare derives guid, canonical URL and hashes of an entry. */
static void
entries_prepare(struct ingest_entry *ie, const struct entry *e)
{
	unsigned long long	 h;
	char			*p;

	memset(ie, 0, sizeof *ie);
	ie->e = e;
	ie->cats = entries_categories(e);
	ie->encs = entries_enclosures(e);
	ie->hash = entries_content_hash(ie, entries_mix);
	if (e->id != NULL && *e->id != '\0')
		ie->guid = xstrdup(e->id);
	else if (e->link != NULL && *e->link != '\0')
		ie->guid = xstrdup(e->link);
	else {
		h = entries_hash(0xcbf29ce484222325ULL, e->title);
		h = entries_hash(h, e->summary);
		h = entries_hash(h, e->content);
		xasprintf(&ie->guid, "urn:syndic:hash:%016llx", h);
	}
	ie->ghash = entries_hash(0xcbf29ce484222325ULL, ie->guid);
	if (e->canonical_url != NULL)
		ie->url = xstrdup(e->canonical_url);
	else if (e->link != NULL) {
		ie->url = xstrdup(e->link);
		if ((p = strchr(ie->url, '#')) != NULL)
			*p = '\0';
	}
	if (ie->url != NULL)
		ie->url_key = store_url_key(ie->url);
}

/*
 * entries_plain gives the plain text of an entry's body (its content, or
 * its summary), made once and kept with the entry.
 */
static const char *
entries_plain(struct ingest_entry *ie)
{
	if (ie->text == NULL)
		ie->text = strip_html(ie->e->content != NULL ? ie->e->content :
		    ie->e->summary);
	return (ie->text);
}

/*
 * store_url_key: the indexed key of a canonical URL (entries.url_key):
 * the hash of its host in the high 32 bits, of the whole URL in the low
 * 32, so that the entries of one site sit side by side in entries_url
 * and storing a feed's new entries touches a page or two of that index,
 * not one page each (a plain hash of the URL scattered them over the
 * whole index, and every commit rewrote most of its pages).
 */
long long
store_url_key(const char *url)
{
	unsigned long long	 hh = 0xcbf29ce484222325ULL, uh;
	const char		*p;

	uh = entries_hash(0xcbf29ce484222325ULL, url);
	if ((p = strstr(url, "://")) != NULL)
		hh = entries_fnv(hh, p + 3, strcspn(p + 3, "/?#"));
	/* Kept positive, as SQLite orders signed integers. */
	return ((long long)(((hh >> 1) & 0x7fffffff00000000ULL) |
	    (uh & 0xffffffffULL)));
}

/* entries_cmp orders prepared entries by guid hash, then position. */
static int
entries_cmp(const void *a, const void *b)
{
	const struct ingest_entry	*x = *(struct ingest_entry *const *)a;
	const struct ingest_entry	*y = *(struct ingest_entry *const *)b;

	if (x->ghash != y->ghash)
		return (x->ghash < y->ghash ? -1 : 1);
	return (x < y ? -1 : x > y);
}

/* entries_mark_dups flags every repeat of a guid after its first. */
static void
entries_mark_dups(struct ingest_entry *ie, int n)
{
	struct ingest_entry	**v;
	int			  i, j;

	v = xreallocarray(NULL, n + 1, sizeof *v);
	for (i = 0; i < n; i++)
		v[i] = &ie[i];
	qsort(v, n, sizeof *v, entries_cmp);
	for (i = 0; i < n; i++) {
		for (j = i - 1; j >= 0 && v[j]->ghash == v[i]->ghash; j--) {
			if (!v[j]->dup && strcmp(v[j]->guid, v[i]->guid) == 0) {
				v[i]->dup = 1;
				break;
			}
		}
	}
	free(v);
}

/* entries_tombstoned tells whether a guid was purged (and notes it seen). */
static int
entries_tombstoned(struct store *s, long long feed_id, const char *guid,
    long long now)
{
	sqlite3_stmt	*st;
	long long	 seen;

	st = store_stmt(s, "SELECT last_seen FROM tombstones WHERE "
	    "feed_id = ? AND guid = ?");
	if (st == NULL)
		return (0);
	sqlite3_bind_int64(st, 1, feed_id);
	sqlite3_bind_text(st, 2, guid, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return (0);
	}
	seen = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (now - seen < ENTRIES_SEEN_EVERY)
		return (1);
	st = store_stmt(s, "UPDATE tombstones SET last_seen = ? WHERE "
	    "feed_id = ? AND guid = ?");
	if (st != NULL) {
		sqlite3_bind_int64(st, 1, now);
		sqlite3_bind_int64(st, 2, feed_id);
		sqlite3_bind_text(st, 3, guid, -1, SQLITE_STATIC);
		sqlite3_step(st);
		sqlite3_reset(st);
	}
	return (1);
}

/* entries_text binds a string or NULL, not copied (it outlives the step). */
static void
entries_text(sqlite3_stmt *st, int col, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(st, col);
	else
		sqlite3_bind_text(st, col, v, -1, SQLITE_STATIC);
}

/*
 * entries_bind binds the stored fields of an entry to ?1 .. ?12, ?16,
 * ?18, ?19 (ie and text must live until the statement is stepped).
 */
static void
entries_bind(sqlite3_stmt *st, const struct ingest_entry *ie,
    const char *text)
{
	const struct entry	*e = ie->e;

	entries_text(st, 1, ie->url);
	entries_text(st, 2, e->link);
	entries_text(st, 3, e->title);
	entries_text(st, 4, e->author);
	store_bind_time(st, 5, e->published);
	store_bind_time(st, 6, e->updated);
	entries_text(st, 7, e->summary);
	entries_text(st, 8, e->content);
	entries_text(st, 9, text);
	entries_text(st, 10, ie->cats);
	entries_text(st, 11, ie->encs);
	sqlite3_bind_int64(st, 12, (long long)ie->hash);
	if (ie->url != NULL)
		sqlite3_bind_int64(st, 16, ie->url_key);
	entries_text(st, 18, e->summary_base);
	entries_text(st, 19, e->content_base);
}

/* entries_add inserts a new entry and folds it into a story. */
static int
entries_add(struct store *s, long long feed_id, struct ingest_entry *ie,
    long long now, struct ingest_stats *stats, char **cause)
{
	sqlite3_stmt	*st;
	struct fold	 f;
	const char	*text;
	int		 rc;

	/* The story first, so that the entry is written once, complete. */
	text = entries_plain(ie);
	if (stories_fold_find(s, ie->url, ie->url_key, ie->e->title, text,
	    ie->dt, ie->e->published, now, &f, cause) == -1)
		return (-1);
	st = store_stmt(s, "INSERT INTO entries (canonical_url, link, title, "
	    "author, published, updated, summary, content, text, categories, "
	    "enclosures, content_hash, feed_id, guid, first_seen, last_seen, "
	    "url_key, story_id, summary_base, content_base, id) VALUES (?1, "
	    "?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?15, "
	    "?16, ?17, ?18, ?19, ?20)");
	if (st == NULL)
		return (store_error(s, cause, "add entry"));
	entries_bind(st, ie, text);
	sqlite3_bind_int64(st, 13, feed_id);
	sqlite3_bind_text(st, 14, ie->guid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 15, now);
	sqlite3_bind_int64(st, 17, f.story);
	if (f.created)
		sqlite3_bind_int64(st, 20, f.entry_id);
	else
		sqlite3_bind_null(st, 20);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 :
	    store_error(s, cause, "add entry");
	sqlite3_reset(st);	/* text is bound, not copied */
	if (rc == -1)
		return (-1);
	if (stories_fold_add(s, &f, sqlite3_last_insert_rowid(s->db), feed_id,
	    now, cause) == -1)
		return (-1);
	stats->added++;
	stats->folded += !f.created;
	return (0);
}

/* entries_change updates an entry whose content changed, in place. */
static int
entries_change(struct store *s, long long id, long long story,
    struct ingest_entry *ie, long long now, char **cause)
{
	sqlite3_stmt	*st;
	const char	*text;
	char		*otitle = NULL, *otext = NULL;
	int		 head = 0, rc = 0;

	st = store_stmt(s, "SELECT e.title, e.text, s.entry_id = e.id FROM "
	    "entries e LEFT JOIN story s ON s.id = e.story_id WHERE e.id = ?");
	if (st == NULL)
		return (store_error(s, cause, "update entry"));
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		otitle = store_text(st, 0);
		otext = store_text(st, 1);
		head = sqlite3_column_int(st, 2);
	}
	sqlite3_reset(st);
	text = entries_plain(ie);
	st = store_stmt(s, "UPDATE entries SET canonical_url = ?1, link = ?2,"
	    "title = ?3, author = ?4, published = ?5, updated = ?6, "
	    "summary = ?7, content = ?8, text = ?9, categories = ?10, "
	    "enclosures = ?11, content_hash = ?12, last_seen = ?14, "
	    "url_key = ?16, summary_base = ?18, content_base = ?19, "
	    "revisions = revisions + 1 WHERE id = ?13");
	if (st == NULL)
		rc = store_error(s, cause, "update entry");
	else {
		entries_bind(st, ie, text);
		sqlite3_bind_int64(st, 13, id);
		sqlite3_bind_int64(st, 14, now);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = store_error(s, cause, "update entry");
		sqlite3_reset(st);
	}
	if (rc == 0 && head)
		rc = stories_reindex(s, story, otitle, otext, cause);
	free(otitle);
	free(otext);
	return (rc);
}

/* entries_one stores one entry of a document. */
static int
entries_one(struct store *s, long long feed_id, struct ingest_entry *ie,
    int fresh, long long now, struct ingest_stats *stats, char **cause)
{
	sqlite3_stmt	*st;
	long long	 id, story, seen;
	unsigned long long hash;

	/* A feed with nothing stored nor purged: every entry is new. */
	if (fresh)
		return (entries_add(s, feed_id, ie, now, stats, cause));
	st = store_stmt(s, "SELECT id, content_hash, story_id, last_seen "
	    "FROM entries WHERE feed_id = ? AND guid = ?");
	if (st == NULL)
		return (store_error(s, cause, "entry"));
	sqlite3_bind_int64(st, 1, feed_id);
	sqlite3_bind_text(st, 2, ie->guid, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		if (entries_tombstoned(s, feed_id, ie->guid, now)) {
			stats->unchanged++;
			return (0);
		}
		return (entries_add(s, feed_id, ie, now, stats, cause));
	}
	id = sqlite3_column_int64(st, 0);
	hash = (unsigned long long)sqlite3_column_int64(st, 1);
	story = sqlite3_column_int64(st, 2);
	seen = sqlite3_column_int64(st, 3);
	sqlite3_reset(st);
	/* A hash of the old kind (FNV-1a) is the same content too. */
	if (hash != ie->hash && hash != entries_content_hash(ie,
	    entries_hash)) {
		stats->updated++;
		return (entries_change(s, id, story, ie, now, cause));
	}
	stats->unchanged++;
	if (now - seen < ENTRIES_SEEN_EVERY)
		return (0);
	if ((st = store_stmt(s, "UPDATE entries SET last_seen = ? WHERE "
	    "id = ?")) == NULL)
		return (store_error(s, cause, "entry"));
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, id);
	if (sqlite3_step(st) != SQLITE_DONE)
		return (store_error(s, cause, "entry"));
	return (0);
}

/* entries_feed makes the feed's site link and title follow the document. */
static int
entries_feed(struct store *s, long long feed_id, const struct doc *d,
    char **cause)
{
	sqlite3_stmt	*st;

	st = store_stmt(s, "UPDATE feeds SET site_url = coalesce(?2, site_url),"
	    " title = CASE WHEN title_locked THEN title ELSE "
	    "coalesce(?3, title) END WHERE id = ?1 AND "
	    "((?2 IS NOT NULL AND site_url IS NOT ?2) OR "
	    "(?3 IS NOT NULL AND NOT title_locked AND title IS NOT ?3))");
	if (st == NULL)
		return (store_error(s, cause, "feed"));
	sqlite3_bind_int64(st, 1, feed_id);
	store_bind_text(st, 2, d->link);
	store_bind_text(st, 3, d->title);
	if (sqlite3_step(st) != SQLITE_DONE)
		return (store_error(s, cause, "feed"));
	return (0);
}

/*
 * entries_prepare_doc prepares the entries of a document (up to
 * ENTRIES_MAX_PER_DOC), repeats of a guid marked; with texts, the plain
 * text and near-duplicate keys of each too.  Sets *n.
 */
static struct ingest_entry *
entries_prepare_doc(const struct doc *d, int texts, int *n)
{
	struct ingest_entry	*ie;
	int			 i;

	*n = d->nentries < ENTRIES_MAX_PER_DOC ? d->nentries :
	    ENTRIES_MAX_PER_DOC;
	if (*n <= 0) {
		*n = 0;
		return (NULL);
	}
	ie = xreallocarray(NULL, *n, sizeof *ie);
	for (i = 0; i < *n; i++)
		entries_prepare(&ie[i], &d->entries[i]);
	entries_mark_dups(ie, *n);
	for (i = 0; texts && i < *n; i++) {
		if (ie[i].dup)
			continue;
		ie[i].dt = stories_dedup_new(ie[i].e->title,
		    entries_plain(&ie[i]));
	}
	return (ie);
}

/* entries_free_doc frees what entries_prepare_doc made. */
static void
entries_free_doc(struct ingest_entry *ie, int n)
{
	int	i;

	for (i = 0; i < n; i++) {
		free(ie[i].guid);
		free(ie[i].url);
		free(ie[i].cats);
		free(ie[i].encs);
		free(ie[i].text);
		stories_dedup_free(ie[i].dt);
	}
	free(ie);
}

struct store_prep *
store_prepare(const struct doc *d, int texts)
{
	struct store_prep	*p;

	p = xcalloc(1, sizeof *p);
	p->doc = d;
	p->ie = entries_prepare_doc(d, texts, &p->n);
	return (p);
}

void
store_prep_free(struct store_prep *p)
{
	if (p == NULL)
		return;
	entries_free_doc(p->ie, p->n);
	free(p);
}

/*
 * entries_fresh tells whether a feed has no entry and no tombstone (its
 * first document, as in a cold pass): 1 yes, 0 no, -1 error.  Its entries
 * are then all new, and looking each up twice is saved.
 */
static int
entries_fresh(struct store *s, long long feed_id, char **cause)
{
	sqlite3_stmt	*st;
	int		 fresh;

	st = store_stmt(s, "SELECT NOT EXISTS (SELECT 1 FROM entries WHERE "
	    "feed_id = ?1) AND NOT EXISTS (SELECT 1 FROM tombstones WHERE "
	    "feed_id = ?1)");
	if (st == NULL)
		return (store_error(s, cause, "entry"));
	sqlite3_bind_int64(st, 1, feed_id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return (store_error(s, cause, "entry"));
	}
	fresh = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return (fresh);
}

/*
 * entries_doc stores a document inside the caller's transaction, with
 * what store_prepare made of it when p is not NULL.
 */
static int
entries_doc(struct store *s, long long feed_id, const struct doc *d,
    struct store_prep *p, long long now, struct ingest_stats *stats,
    char **cause)
{
	struct ingest_entry	*ie;
	int			 i, n, fresh, rc = 0;

	if (entries_feed(s, feed_id, d, cause) == -1 ||
	    (fresh = entries_fresh(s, feed_id, cause)) == -1)
		return (-1);
	if (p != NULL && p->doc == d) {
		ie = p->ie;
		n = p->n;
	} else
		ie = entries_prepare_doc(d, 0, &n);
	for (i = 0; i < n && rc == 0; i++) {
		if (!ie[i].dup)
			rc = entries_one(s, feed_id, &ie[i], fresh, now, stats,
			    cause);
	}
	if (p == NULL || p->doc != d)
		entries_free_doc(ie, n);
	return (rc);
}

/* entries_update is the work of store_update, inside a transaction. */
static int
entries_update(struct store *s, long long feed_id,
    const struct fetch_record *rec, const struct doc *d,
    struct store_prep *p, long long now, struct ingest_stats *stats,
    char **cause)
{
	sqlite3_stmt	*st;
	int		 found;

	if (d != NULL) {
		if ((st = store_stmt(s, "SELECT 1 FROM feeds WHERE id = ?")) ==
		    NULL)
			return (store_error(s, cause, "feed"));
		sqlite3_bind_int64(st, 1, feed_id);
		found = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_reset(st);
		if (!found) {
			if (cause != NULL)
				xasprintf(cause, "feed %lld: no such feed",
				    feed_id);
			return (-1);
		}
		if (entries_doc(s, feed_id, d, p, now, stats, cause) == -1)
			return (-1);
	}
	if (rec != NULL && feeds_db_record(s, feed_id, rec, cause) == -1)
		return (-1);
	return (0);
}

int
store_update(struct store *s, long long feed_id, const struct fetch_record *rec,
    const struct doc *d, long long now, struct ingest_stats *stats,
    char **cause)
{
	struct ingest_stats	 local;

	if (stats == NULL)
		stats = &local;
	memset(stats, 0, sizeof *stats);
	if (store_begin(s, cause) == -1)
		return (-1);
	if (entries_update(s, feed_id, rec, d, NULL, now, stats, cause) ==
	    -1) {
		store_rollback(s);
		memset(stats, 0, sizeof *stats);
		return (-1);
	}
	return (store_commit(s, cause));
}

int
store_update_many(struct store *s, struct store_update_req *r, int n)
{
	char	*cause = NULL;
	int	 i;

	for (i = 0; i < n; i++)
		r[i].cause = NULL;
again:
	/* A failed update has its cause set; the others are (re)done. */
	for (i = 0; i < n; i++) {
		memset(&r[i].stats, 0, sizeof r[i].stats);
		r[i].rc = -1;
	}
	if (store_begin(s, &cause) == -1)
		goto fail;
	for (i = 0; i < n; i++) {
		if (r[i].cause != NULL)
			continue;
		if (entries_update(s, r[i].feed_id, r[i].rec, r[i].doc,
		    r[i].prep, r[i].now, &r[i].stats, &r[i].cause) == -1) {
			/*
			 * Rare: all is rolled back and the others done again
			 * without it (a savepoint per update cost more, a
			 * copy of every page it touched first).
			 */
			if (r[i].cause == NULL)
				r[i].cause = xstrdup("store");
			store_rollback(s);
			goto again;
		}
		r[i].rc = 0;
	}
	if (store_commit(s, &cause) == -1)
		goto fail;
	return (0);
fail:
	for (i = 0; i < n; i++) {
		memset(&r[i].stats, 0, sizeof r[i].stats);
		r[i].rc = -1;
		if (r[i].cause == NULL)
			r[i].cause = xstrdup(cause != NULL ? cause : "store");
	}
	free(cause);
	return (-1);
}

int
store_ingest(struct store *s, long long feed_id, const struct doc *d,
    long long now, struct ingest_stats *stats, char **cause)
{
	return (store_update(s, feed_id, NULL, d, now, stats, cause));
}
