/*
 * eval_dedup.c: how well the store folds copies of a story, measured.
 *
 * 1. The BBC news corpus (../shared/corpus/news/bbc): every article is an
 *    entry of its category's feed, all under distinct URLs, so only the
 *    text can fold them.  duplicates.tsv lists the known identical and
 *    near-identical pairs: they must fold (recall), and nothing else may
 *    (precision; the corpus holds many different articles on the same
 *    subject).
 * 2. Syndicated copies generated from the same articles, each in another
 *    feed under another host: identical; lightly edited (a few words
 *    changed, a title suffix, a footer, tracking parameters); summary-only
 *    (the first paragraph, the first sentences or the first words and an
 *    ellipsis, no content).
 *
 * Prints precision and recall per kind and exits non-zero when a target is
 * missed (precision >= 0.99, recall 1.0 on identical and lightly edited
 * copies, >= 0.9 on summary-only).  Exits 77 (skip) without the corpus.
 *
 * usage: eval_dedup [BBC-DIR]   (default $SRCDIR/../shared/corpus/news/bbc)
 */
#include <sys/stat.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "buf.h"
#include "storage.h"
#include "store_priv.h"
#include "xmalloc.h"

#define T0		1700000000LL
#define MAX_ARTICLES	4000
#define NCOPIES		600	/* per kind */

enum kind { K_ORIGINAL, K_IDENTICAL, K_LIGHT, K_SUMMARY, K_NKINDS };
static const char *kind_names[] = { "original", "identical",
    "lightly edited", "summary-only" };

struct article {
	char	*file;		/* "business/001.txt" */
	char	*title;
	char	*body;		/* paragraphs separated by "\n\n" */
};

struct eval_item {
	int	 article;	/* the original it comes from */
	int	 kind;
	int	 truth;		/* truth group (union-find root) */
	long long story;
};

static struct article	 arts[MAX_ARTICLES];
static int		 narts;
static struct eval_item	*items;
static int		 nitems;
static int		*uf;
static unsigned int	 rng = 12345;

static unsigned int
rnd(unsigned int n)
{
	rng = rng * 1103515245 + 12345;
	return ((rng >> 8) % n);
}

static int
uf_find(int x)
{
	while (uf[x] != x)
		x = uf[x] = uf[uf[x]];
	return (x);
}

static void
uf_union(int a, int b)
{
	uf[uf_find(a)] = uf_find(b);
}

/* slurp reads a whole file, NULL when it cannot. */
static char *
slurp(const char *path)
{
	FILE	*fp;
	struct buf b;
	char	 chunk[8192];
	size_t	 n;

	if ((fp = fopen(path, "r")) == NULL)
		return (NULL);
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
		buf_add(&b, chunk, n);
	fclose(fp);
	return (b.data == NULL ? xstrdup("") : buf_steal(&b));
}

/* load_articles reads labels.csv and every article it names. */
static int
load_articles(const char *dir)
{
	FILE	*fp;
	char	 line[1024], path[4096], *text, *nl, *comma;

	snprintf(path, sizeof path, "%s/labels.csv", dir);
	if ((fp = fopen(path, "r")) == NULL)
		return (-1);
	while (fgets(line, sizeof line, fp) != NULL && narts < MAX_ARTICLES) {
		if ((comma = strchr(line, ',')) == NULL ||
		    strncmp(line, "file,", 5) == 0)
			continue;
		*comma = '\0';
		snprintf(path, sizeof path, "%s/bbc/%s", dir, line);
		if ((text = slurp(path)) == NULL)
			continue;
		if ((nl = strchr(text, '\n')) == NULL)
			nl = text + strlen(text);
		arts[narts].file = xstrdup(line);
		arts[narts].title = xstrndup(text, nl - text);
		while (*nl == '\n')
			nl++;
		arts[narts].body = xstrdup(nl);
		free(text);
		narts++;
	}
	fclose(fp);
	return (narts > 0 ? 0 : -1);
}

static int
find_article(const char *file)
{
	int	 i;

	for (i = 0; i < narts; i++)
		if (strcmp(arts[i].file, file) == 0)
			return (i);
	return (-1);
}

/* html_paras turns "\n\n"-separated paragraphs into <p> elements. */
static char *
html_paras(const char *body)
{
	struct buf	 b;
	const char	*p, *q;

	buf_init(&b);
	for (p = body; *p != '\0'; p = q) {
		if ((q = strstr(p, "\n\n")) == NULL)
			q = p + strlen(p);
		if (q > p) {
			buf_puts(&b, "<p>");
			for (; p < q; p++) {
				if (*p == '&')
					buf_puts(&b, "&amp;");
				else if (*p == '<')
					buf_puts(&b, "&lt;");
				else
					buf_putc(&b, *p);
			}
			buf_puts(&b, "</p>\n");
		}
		while (*q == '\n')
			q++;
	}
	return (b.data == NULL ? xstrdup("") : buf_steal(&b));
}

/* light_edit changes a few words and adds a footer. */
static char *
light_edit(const char *body)
{
	static const char *subs[] = { "also", "reportedly", "now", "still",
	    "officially", "indeed" };
	struct buf	 b;
	size_t		 i, len = strlen(body);
	int		 words = 0, edits[3], k;

	for (i = 0; i < len; i++)
		words += body[i] == ' ';
	for (k = 0; k < 3; k++)
		edits[k] = 10 + rnd(words > 20 ? words - 10 : 10);
	buf_init(&b);
	for (i = 0, words = 0; i < len; i++) {
		buf_putc(&b, body[i]);
		if (body[i] != ' ')
			continue;
		words++;
		for (k = 0; k < 3; k++)
			if (edits[k] == words)
				buf_printf(&b, "%s ", subs[rnd(6)]);
	}
	buf_puts(&b, "\n\nThis story first appeared on our partner site. "
	    "Subscribe to our newsletter for more stories like this one.");
	return (buf_steal(&b));
}

/* summary_of cuts a summary: first paragraph, sentences or words. */
static char *
summary_of(const char *body)
{
	const char	*p, *end;
	int		 n, want;

	switch (rnd(3)) {
	case 0:		/* the first paragraph */
		if ((end = strstr(body, "\n\n")) == NULL)
			end = body + strlen(body);
		return (xstrndup(body, end - body));
	case 1:		/* the first two sentences */
		for (p = body, n = 0; *p != '\0' && n < 2; p++)
			if (*p == '.' && (p[1] == ' ' || p[1] == '\n'))
				n++;
		return (xstrndup(body, p - body));
	default:	/* the first 25 to 60 words and an ellipsis */
		want = 25 + rnd(36);
		for (p = body, n = 0; *p != '\0' && n < want; p++)
			if (*p == ' ' || *p == '\n')
				n++;
		end = p;
		{
			char	*s;

			xasprintf(&s, "%.*s...", (int)(end - body), body);
			return (s);
		}
	}
}

/* add_item makes the entry of item i in a document. */
static void
add_item(struct doc *d, int i)
{
	struct entry	*e = &d->entries[d->nentries++];
	struct article	*a = &arts[items[i].article];
	static const char *hosts[] = { "wire.example", "daily.example",
	    "aggregator.example" };
	char		*body;

	memset(e, 0, sizeof *e);
	xasprintf(&e->id, "e%d", i);
	e->published = T0 + items[i].article * 60 + items[i].kind * 3600;
	e->updated = TIME_UNKNOWN;
	switch (items[i].kind) {
	case K_ORIGINAL:
		xasprintf(&e->link, "https://news.example/%s", a->file);
		e->title = xstrdup(a->title);
		e->content = html_paras(a->body);
		break;
	case K_IDENTICAL:
		xasprintf(&e->link, "https://%s/story/%d", hosts[i % 3], i);
		e->title = xstrdup(a->title);
		e->content = html_paras(a->body);
		break;
	case K_LIGHT:
		xasprintf(&e->link, "https://%s/%s?utm_source=feed&utm_medium="
		    "rss", hosts[i % 3], a->file);
		xasprintf(&e->title, "%s | Partner News", a->title);
		body = light_edit(a->body);
		e->content = html_paras(body);
		free(body);
		break;
	case K_SUMMARY:
		xasprintf(&e->link, "https://%s/s/%d", hosts[i % 3], i);
		e->title = xstrdup(a->title);
		body = summary_of(a->body);
		e->summary = html_paras(body);
		free(body);
		break;
	}
}

/* ingest_all stores every item, feeds of 50 entries per document. */
static int
ingest_all(struct store *s)
{
	struct doc	*d;
	char		 url[128], *cause = NULL;
	long long	 feed;
	int		 i, j, start;

	for (start = 0; start < nitems; start += 50) {
		d = doc_new();
		d->entries = xcalloc(50, sizeof *d->entries);
		for (i = start; i < nitems && i < start + 50; i++)
			add_item(d, i);
		snprintf(url, sizeof url, "https://feed%d.example/%s",
		    items[start].kind, items[start].kind == K_ORIGINAL ?
		    arts[items[start].article].file : "copies");
		if (store_feed_upsert(s, url, NULL, NULL, 1, &feed, &cause) ==
		    -1 || store_ingest(s, feed, d, T0 + 86400LL * 3 *
		    items[start].kind + start, NULL, &cause) == -1) {
			fprintf(stderr, "eval_dedup: %s\n", cause);
			return (-1);
		}
		(void)j;
		doc_free(d);
	}
	return (0);
}

/* read_stories gets each item's story id. */
static void
read_stories(struct store *s)
{
	sqlite3_stmt	*st;
	int		 i;

	sqlite3_prepare_v2(s->db, "SELECT guid, story_id FROM entries", -1,
	    &st, NULL);
	while (sqlite3_step(st) == SQLITE_ROW) {
		i = atoi((const char *)sqlite3_column_text(st, 0) + 1);
		items[i].story = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
}

int
main(int argc, char **argv)
{
	FILE		*fp;
	struct store	*s;
	char		 dir[1024], path[1200], line[1024], kind[16], fa[256],
			 fb[256], db[64];
	const char	*src;
	long long	 pred = 0, tp = 0, rec[K_NKINDS], tot[K_NKINDS];
	long long	 pair_hit[2] = { 0, 0 }, pair_tot[2] = { 0, 0 };
	double		 jac, precision, t;
	int		 i, j, a, b, k, ok = 1, c, n;
	struct timespec	 t0, t1;

	if (argc > 1)
		snprintf(dir, sizeof dir, "%s", argv[1]);
	else {
		src = getenv("SRCDIR") != NULL ? getenv("SRCDIR") : SRCDIR;
		snprintf(dir, sizeof dir, "%s/../shared/corpus/news/bbc", src);
	}
	if (load_articles(dir) == -1) {
		printf("eval_dedup: no corpus at %s: skipped\n", dir);
		return (77);
	}
	items = xcalloc(narts + K_NKINDS * NCOPIES, sizeof *items);
	uf = xcalloc(narts + K_NKINDS * NCOPIES, sizeof *uf);
	for (i = 0; i < narts; i++) {
		items[nitems].article = i;
		items[nitems].kind = K_ORIGINAL;
		nitems++;
	}
	for (k = K_IDENTICAL; k < K_NKINDS; k++) {
		for (c = 0; c < NCOPIES; c++) {
			items[nitems].article = rnd(narts);
			items[nitems].kind = k;
			nitems++;
		}
	}
	for (i = 0; i < nitems; i++)
		uf[i] = i;
	for (i = narts; i < nitems; i++)
		uf_union(i, items[i].article);
	snprintf(path, sizeof path, "%s/duplicates.tsv", dir);
	if ((fp = fopen(path, "r")) == NULL) {
		printf("eval_dedup: no %s: skipped\n", path);
		return (77);
	}
	while (fgets(line, sizeof line, fp) != NULL) {
		if (sscanf(line, "%15s %lf %255s %255s", kind, &jac, fa, fb) !=
		    4 || (a = find_article(fa)) < 0 ||
		    (b = find_article(fb)) < 0)
			continue;
		uf_union(a, b);
	}
	for (i = 0; i < nitems; i++)
		items[i].truth = uf_find(i);

	snprintf(db, sizeof db, "/tmp/syndic-eval-%d.db", (int)getpid());
	unlink(db);
	if ((s = store_open(db, NULL)) == NULL)
		return (1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (ingest_all(s) == -1)
		return (1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	t = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	read_stories(s);
	store_close(s);
	snprintf(path, sizeof path, "%s-wal", db);
	unlink(path);
	snprintf(path, sizeof path, "%s-shm", db);
	unlink(path);
	unlink(db);

	/* Precision over every pair folded together. */
	for (i = 0; i < nitems; i++)
		for (j = i + 1; j < nitems; j++)
			if (items[i].story == items[j].story) {
				pred++;
				if (items[i].truth == items[j].truth)
					tp++;
				else if (getenv("EVAL_VERBOSE") != NULL)
					printf("  false fold: %s (%s) ~ %s (%s)"
					    "\n", arts[items[i].article].file,
					    kind_names[items[i].kind],
					    arts[items[j].article].file,
					    kind_names[items[j].kind]);
			}
	precision = pred == 0 ? 1 : (double)tp / pred;
	/* Recall of the corpus pairs, by kind. */
	rewind(fp);
	while (fgets(line, sizeof line, fp) != NULL) {
		if (sscanf(line, "%15s %lf %255s %255s", kind, &jac, fa, fb) !=
		    4 || (a = find_article(fa)) < 0 ||
		    (b = find_article(fb)) < 0)
			continue;
		n = strcmp(kind, "exact") == 0 ? 0 : 1;
		pair_tot[n]++;
		if (items[a].story == items[b].story)
			pair_hit[n]++;
		else if (getenv("EVAL_VERBOSE") != NULL)
			printf("  missed %s pair: %s %s (%.3f)\n", kind, fa, fb,
			    jac);
	}
	fclose(fp);
	/* Recall of the generated copies: joined their original's story. */
	memset(rec, 0, sizeof rec);
	memset(tot, 0, sizeof tot);
	for (i = narts; i < nitems; i++) {
		tot[items[i].kind]++;
		if (items[i].story == items[items[i].article].story)
			rec[items[i].kind]++;
		else if (getenv("EVAL_VERBOSE") != NULL)
			printf("  missed %s copy of %s\n",
			    kind_names[items[i].kind],
			    arts[items[i].article].file);
	}
	printf("eval_dedup: %d articles + %d generated copies, ingested in "
	    "%.2f s (%.0f entries/s)\n", narts, nitems - narts, t,
	    nitems / t);
	printf("precision (folded pairs that are the same story): %lld/%lld "
	    "= %.4f\n", tp, pred, precision);
	printf("recall, corpus exact pairs: %lld/%lld = %.4f\n", pair_hit[0],
	    pair_tot[0], pair_tot[0] ? (double)pair_hit[0] / pair_tot[0] : 1);
	printf("recall, corpus near pairs: %lld/%lld = %.4f\n", pair_hit[1],
	    pair_tot[1], pair_tot[1] ? (double)pair_hit[1] / pair_tot[1] : 1);
	for (k = K_IDENTICAL; k < K_NKINDS; k++)
		printf("recall, %s copies: %lld/%lld = %.4f\n", kind_names[k],
		    rec[k], tot[k], (double)rec[k] / tot[k]);
	if (precision < 0.99 || pair_hit[0] != pair_tot[0] ||
	    rec[K_IDENTICAL] != tot[K_IDENTICAL] ||
	    rec[K_LIGHT] != tot[K_LIGHT] ||
	    rec[K_SUMMARY] < 0.9 * tot[K_SUMMARY])
		ok = 0;
	printf("eval_dedup: targets %s\n", ok ? "met" : "MISSED");
	return (ok ? 0 : 1);
}
