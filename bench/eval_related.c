/*
 * eval_related.c: measures "You might also like" on a labeled corpus.
 *
 *	eval_related [-s] [-f feeds] [-p syndic] [-k dir] CORPUS
 *
 * CORPUS holds CATEGORY/NNN.txt files (first line the title, then the text
 * in paragraphs separated by blank lines), and may hold duplicates.tsv (a
 * header, then kind, score, fileA, fileB, ... per line: pairs of files that
 * are the same article).  The articles are published as RSS feeds (one
 * source per feed, articles dealt to the feeds at random, dated over 20
 * days) and stored through the real pipeline: with -p, `syndic poll --all
 * --index` of file: feeds in a temporary configuration (which also
 * computes the related lists before it exits); without -p, the feeds are
 * ingested by the store directly (as the daemon does after each fetch),
 * each followed by store_related_update.  Then it reports, from the
 * related table:
 *
 * - precision@5: over the stories that have recommendations, the share of
 *   them that carry the story's category (and the same over every story,
 *   counting a missing recommendation as a miss);
 * - coverage: the share of stories with at least one recommendation;
 * - duplicates: recommendations of the story itself or of a known copy of
 *   one of its entries (must be 0);
 * - latency: the time to compute one story's list, recomputed for every
 *   story on the finished store, p50, p95 and max.
 *
 * The pipeline computes lists only for the output window (the newest
 * EVAL_SHOW stories); the others get theirs on demand, when shown.  So the
 * lists are measured after the latency pass, which computes every story's
 * list on demand, as paging through the whole output would.
 *
 * -s keeps only the title and the first paragraph of each article (short,
 * summary-only items).  -k keeps the work directory.
 *
 *	eval_related -g [-f feeds] -p syndic [-k dir] GENCORPUS
 *
 * measures the same on a second labeled set, from other sources: the first
 * feeds (300 unless -f) of a bench/gencorpus.py directory (OUT/feeds/ and
 * OUT/truth.tsv), polled as they are (full-text and summary-only feeds,
 * with syndicated copies of each other's stories).  A recommendation
 * counts when its story has the same topic in the ground truth; the share
 * with the same event (stories of one event share names) is reported
 * beside it; a duplicate is a recommendation of a story that holds a copy
 * of one of the story's entries (the same truth story).  Precision is also
 * given apart for the stories whose head entry is summary-only.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "buf.h"
#include "storage.h"
#include "xmalloc.h"

#define EVAL_BASE	1780000000LL	/* when the corpus is published */
#define EVAL_SPREAD	(20 * 86400)	/* over how long */
#define EVAL_N		5		/* recommendations per story */
#define EVAL_SHOW	50		/* the output window ([output] items) */

struct article {
	char	*file;			/* "CATEGORY/NNN.txt" */
	char	*cat;
	char	*title;
	char	*text;			/* paragraphs, "\n\n" apart */
	int	 feed;
	long long published;
};

static struct article	*arts;
static int		 narts;
static char		**dupa, **dupb;
static int		 ndups;

static double
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1e3 + ts.tv_nsec / 1e6);
}

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
	return (buf_steal(&b));
}

/* latin1 turns bytes that are not valid UTF-8 into their Latin-1 letters. */
static char *
latin1(const char *s)
{
	struct buf	 b;
	const unsigned char *p = (const unsigned char *)s;

	buf_init(&b);
	for (; *p != '\0'; p++) {
		if (*p < 0x80)
			buf_putc(&b, *p);
		else {
			buf_putc(&b, 0xc0 | (*p >> 6));
			buf_putc(&b, 0x80 | (*p & 0x3f));
		}
	}
	return (buf_steal(&b));
}

static int
art_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct article *)a)->file,
	    ((const struct article *)b)->file));
}

/* load_corpus reads every CATEGORY/NNN.txt of dir. */
static void
load_corpus(const char *dir, int summary)
{
	DIR		*d, *c;
	struct dirent	*de, *ce;
	char		 path[4096], *raw, *text, *nl, *para;
	struct stat	 sb;

	if ((d = opendir(dir)) == NULL)
		err(1, "%s", dir);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (stat(path, &sb) == -1 || !S_ISDIR(sb.st_mode) ||
		    (c = opendir(path)) == NULL)
			continue;
		while ((ce = readdir(c)) != NULL) {
			if (strlen(ce->d_name) < 5 || strcmp(ce->d_name +
			    strlen(ce->d_name) - 4, ".txt") != 0)
				continue;
			snprintf(path, sizeof path, "%s/%s/%s", dir,
			    de->d_name, ce->d_name);
			if ((raw = slurp(path)) == NULL)
				continue;
			text = latin1(raw);
			free(raw);
			arts = xreallocarray(arts, narts + 1, sizeof *arts);
			memset(&arts[narts], 0, sizeof *arts);
			xasprintf(&arts[narts].file, "%s/%s", de->d_name,
			    ce->d_name);
			arts[narts].cat = xstrdup(de->d_name);
			if ((nl = strchr(text, '\n')) != NULL)
				*nl++ = '\0';
			arts[narts].title = xstrdup(text);
			para = nl != NULL ? nl + strspn(nl, "\n") : text +
			    strlen(text);
			if (summary && strstr(para, "\n\n") != NULL)
				*strstr(para, "\n\n") = '\0';
			arts[narts].text = xstrdup(para);
			free(text);
			narts++;
		}
		closedir(c);
	}
	closedir(d);
	if (narts == 0)
		errx(1, "%s: no CATEGORY/NNN.txt files", dir);
	qsort(arts, narts, sizeof *arts, art_cmp);
}

/* load_dups reads duplicates.tsv beside the categories (or above them). */
static void
load_dups(const char *dir)
{
	char	 path[4096], *raw, *line, *next, *f[5];
	int	 i;

	snprintf(path, sizeof path, "%s/duplicates.tsv", dir);
	if ((raw = slurp(path)) == NULL) {
		snprintf(path, sizeof path, "%s/../duplicates.tsv", dir);
		if ((raw = slurp(path)) == NULL)
			return;
	}
	for (line = raw; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		for (i = 0; i < 4; i++) {
			f[i] = strsep(&line, "\t");
			if (f[i] == NULL)
				break;
		}
		if (i < 4 || strcmp(f[0], "kind") == 0)
			continue;
		dupa = xreallocarray(dupa, ndups + 1, sizeof *dupa);
		dupb = xreallocarray(dupb, ndups + 1, sizeof *dupb);
		dupa[ndups] = xstrdup(f[2]);
		dupb[ndups] = xstrdup(f[3]);
		ndups++;
	}
	free(raw);
}

/* is_dup tells whether two corpus files are the same article. */
static int
is_dup(const char *a, const char *b)
{
	int	 i;

	if (strcmp(a, b) == 0)
		return (1);
	for (i = 0; i < ndups; i++) {
		if ((strcmp(dupa[i], a) == 0 && strcmp(dupb[i], b) == 0) ||
		    (strcmp(dupa[i], b) == 0 && strcmp(dupb[i], a) == 0))
			return (1);
	}
	return (0);
}

/* deal assigns feeds and dates with a fixed pseudo-random sequence. */
static void
deal(int nfeeds)
{
	unsigned long long	 x = 88172645463325252ULL;
	int			 i;

	for (i = 0; i < narts; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		arts[i].feed = x % nfeeds;
		arts[i].published = EVAL_BASE - (long long)((x >> 20) %
		    EVAL_SPREAD);
	}
}

static void
xml_escape(FILE *fp, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", fp);
			break;
		case '>':
			fputs("&gt;", fp);
			break;
		case '&':
			fputs("&amp;", fp);
			break;
		case '"':
			fputs("&quot;", fp);
			break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\n' ||
			    *s == '\t')
				fputc(*s, fp);
		}
	}
}

/* html_of turns paragraphs into HTML (caller frees). */
static char *
html_of(const char *text)
{
	struct buf	 b;
	const char	*p = text, *e;

	buf_init(&b);
	while (*p != '\0') {
		if ((e = strstr(p, "\n\n")) == NULL)
			e = p + strlen(p);
		buf_puts(&b, "<p>");
		buf_add(&b, p, e - p);
		buf_puts(&b, "</p>");
		p = e + strspn(e, "\n");
	}
	return (buf_steal(&b));
}

/* write_feeds writes feed-N.xml (RSS 2.0) and syndic.conf into dir. */
static void
write_feeds(const char *dir, int nfeeds)
{
	FILE	*fp, *conf;
	char	 path[4096], date[64], *html;
	time_t	 t;
	int	 f, i;

	snprintf(path, sizeof path, "%s/syndic.conf", dir);
	if ((conf = fopen(path, "w")) == NULL)
		err(1, "%s", path);
	fprintf(conf, "[syndic]\ndatabase = %s/eval.db\n"
	    "listen = 127.0.0.1:0\n\n[output]\nrelated = %d\n\n",
	    dir, EVAL_N);
	for (f = 0; f < nfeeds; f++) {
		snprintf(path, sizeof path, "%s/feed-%d.xml", dir, f);
		if ((fp = fopen(path, "w")) == NULL)
			err(1, "%s", path);
		fprintf(fp, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
		    "<rss version=\"2.0\"><channel><title>Source %d</title>"
		    "<link>http://source%d.eval.invalid/</link>"
		    "<description>eval</description>\n", f, f);
		for (i = 0; i < narts; i++) {
			if (arts[i].feed != f)
				continue;
			t = arts[i].published;
			strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S "
			    "+0000", gmtime(&t));
			fprintf(fp, "<item><title>");
			xml_escape(fp, arts[i].title);
			fprintf(fp, "</title><link>http://eval.invalid/%s"
			    "</link><guid>http://eval.invalid/%s</guid>"
			    "<pubDate>%s</pubDate><description>",
			    arts[i].file, arts[i].file, date);
			html = html_of(arts[i].text);
			xml_escape(fp, html);
			free(html);
			fprintf(fp, "</description></item>\n");
		}
		fprintf(fp, "</channel></rss>\n");
		fclose(fp);
		fprintf(conf, "[feed \"file://%s\"]\n", path);
	}
	fclose(conf);
}

/*
 * run_poll runs `syndic -c dir/syndic.conf poll --all --index` (the
 * related index built before the poll exits, as with the store directly).
 */
static void
run_poll(const char *syndic, const char *dir)
{
	char	 conf[4096];
	pid_t	 pid;
	int	 status;

	snprintf(conf, sizeof conf, "%s/syndic.conf", dir);
	if ((pid = fork()) == -1)
		err(1, "fork");
	if (pid == 0) {
		execl(syndic, syndic, "-c", conf, "poll", "--all", "--index",
		    (char *)NULL);
		err(127, "%s", syndic);
	}
	if (waitpid(pid, &status, 0) == -1 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		errx(1, "%s poll failed", syndic);
}

/* ingest_direct stores each feed as the daemon would after a fetch. */
static void
ingest_direct(const char *dbpath, int nfeeds)
{
	struct store	*s;
	struct doc	*d;
	struct entry	*e;
	char		*cause = NULL, url[256];
	long long	 id;
	int		 f, i, rc;

	if ((s = store_open(dbpath, &cause)) == NULL)
		errx(1, "%s", cause);
	for (f = 0; f < nfeeds; f++) {
		snprintf(url, sizeof url, "http://source%d.eval.invalid/feed",
		    f);
		if (store_feed_upsert(s, url, NULL, NULL, FEED_ORIGIN_CONFIG,
		    &id, &cause) == -1)
			errx(1, "%s", cause);
		d = doc_new();
		xasprintf(&d->title, "Source %d", f);
		xasprintf(&d->link, "http://source%d.eval.invalid/", f);
		for (i = 0; i < narts; i++) {
			if (arts[i].feed != f)
				continue;
			d->entries = xreallocarray(d->entries, d->nentries + 1,
			    sizeof *d->entries);
			e = &d->entries[d->nentries++];
			memset(e, 0, sizeof *e);
			xasprintf(&e->link, "http://eval.invalid/%s",
			    arts[i].file);
			e->id = xstrdup(e->link);
			e->canonical_url = xstrdup(e->link);
			e->title = xstrdup(arts[i].title);
			e->summary = html_of(arts[i].text);
			e->sanitized = 1;
			e->published = arts[i].published;
			e->updated = TIME_UNKNOWN;
		}
		if (store_ingest(s, id, d, EVAL_BASE, NULL, &cause) == -1)
			errx(1, "ingest: %s", cause);
		doc_free(d);
		while ((rc = store_related_update(s, EVAL_BASE, EVAL_SHOW,
		    EVAL_N, 0, &cause)) == 1)
			;
		if (rc == -1)
			errx(1, "related: %s", cause);
	}
	store_close(s);
}

/* file_of gives the corpus file of an entry link. */
static const char *
file_of(const char *link)
{
	const char	*p = "http://eval.invalid/";

	if (link == NULL || strncmp(link, p, strlen(p)) != 0)
		return ("");
	return (link + strlen(p));
}

/* cat_of gives the category of a corpus file ("" if unknown). */
static void
cat_of(const char *file, char *cat, size_t len)
{
	size_t	 n = strcspn(file, "/");

	if (n >= len)
		n = len - 1;
	memcpy(cat, file, n);
	cat[n] = '\0';
}

/* story_files lists the corpus files of every entry of a story. */
static int
story_files(sqlite3 *db, long long story, char ***files)
{
	sqlite3_stmt	*st;
	int		 n = 0;

	sqlite3_prepare_v2(db, "SELECT link FROM entries WHERE story_id = ?",
	    -1, &st, NULL);
	sqlite3_bind_int64(st, 1, story);
	*files = NULL;
	while (sqlite3_step(st) == SQLITE_ROW) {
		*files = xreallocarray(*files, n + 1, sizeof **files);
		(*files)[n++] = xstrdup(file_of((const char *)
		    sqlite3_column_text(st, 0)));
	}
	sqlite3_finalize(st);
	return (n);
}

static void
files_free(char **f, int n)
{
	while (n-- > 0)
		free(f[n]);
	free(f);
}

static int
dbl_cmp(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

/* story_ids lists the stories of the store, with lists or not yet. */
static int
story_ids(const char *dbpath, long long *ids)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	int		 n = 0, done = 0;

	if (sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK)
		errx(1, "%s: %s", dbpath, sqlite3_errmsg(db));
	sqlite3_prepare_v2(db, "SELECT s.id, d.state = 0 FROM story s LEFT "
	    "JOIN related_doc d ON d.story_id = s.id ORDER BY s.id", -1, &st,
	    NULL);
	while (sqlite3_step(st) == SQLITE_ROW && n < narts) {
		ids[n++] = sqlite3_column_int64(st, 0);
		done += sqlite3_column_int(st, 1);
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	printf("computed early  %d of %d stories (the output window)\n", done,
	    n);
	return (n);
}

/* measure reads the stored lists and reports quality. */
static void
measure(const char *dbpath, long long *ids, int *nids)
{
	sqlite3		*db;
	sqlite3_stmt	*st, *rt;
	char		 cat[64], rcat[64], **sf, **rf;
	double		 psum = 0, pall = 0;
	long long	 story, rel;
	int		 nstories = 0, covered = 0, nsf, nrf, i, j, k, hits;
	int		 dups = 0, total = 0;

	if (sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK)
		errx(1, "%s: %s", dbpath, sqlite3_errmsg(db));
	sqlite3_prepare_v2(db, "SELECT s.id, e.link FROM story s JOIN entries "
	    "e ON e.id = s.entry_id ORDER BY s.id", -1, &st, NULL);
	sqlite3_prepare_v2(db, "SELECT related_story_id FROM related WHERE "
	    "story_id = ? ORDER BY rank LIMIT 5", -1, &rt, NULL);
	*nids = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		story = sqlite3_column_int64(st, 0);
		ids[(*nids)++] = story;
		cat_of(file_of((const char *)sqlite3_column_text(st, 1)), cat,
		    sizeof cat);
		nsf = story_files(db, story, &sf);
		sqlite3_bind_int64(rt, 1, story);
		for (k = 0, hits = 0; sqlite3_step(rt) == SQLITE_ROW; k++) {
			rel = sqlite3_column_int64(rt, 0);
			nrf = story_files(db, rel, &rf);
			cat_of(nrf > 0 ? rf[0] : "", rcat, sizeof rcat);
			hits += strcmp(cat, rcat) == 0;
			for (i = 0; i < nsf; i++) {
				for (j = 0; j < nrf; j++) {
					if (is_dup(sf[i], rf[j])) {
						dups++;
						printf("duplicate: %s -> %s\n",
						    sf[i], rf[j]);
					}
				}
			}
			files_free(rf, nrf);
		}
		sqlite3_reset(rt);
		files_free(sf, nsf);
		nstories++;
		total += k;
		if (k > 0) {
			covered++;
			psum += (double)hits / k;
		}
		pall += hits / (double)EVAL_N;
	}
	sqlite3_finalize(st);
	sqlite3_finalize(rt);
	sqlite3_close(db);
	printf("articles        %d\n", narts);
	printf("stories         %d (%d folded away)\n", nstories,
	    narts - nstories);
	printf("precision@5     %.4f (of the recommendations shown)\n",
	    covered ? psum / covered : 0);
	printf("precision@5/all %.4f (a missing one counts as a miss)\n",
	    nstories ? pall / nstories : 0);
	printf("coverage        %.4f (%d of %d stories)\n",
	    nstories ? (double)covered / nstories : 0, covered, nstories);
	printf("per story       %.2f recommendations\n",
	    nstories ? (double)total / nstories : 0);
	printf("duplicates      %d\n", dups);
}

/* latency recomputes every story and reports the time per story. */
static void
latency(const char *dbpath, long long *ids, int n)
{
	struct store	*s;
	double		*t, t0;
	char		*cause = NULL;
	int		 i;

	if ((s = store_open(dbpath, &cause)) == NULL)
		errx(1, "%s", cause);
	t = xcalloc(n + 1, sizeof *t);
	for (i = 0; i < n; i++) {
		t0 = now_ms();
		if (store_related_story(s, ids[i], EVAL_BASE, EVAL_N,
		    &cause) == -1)
			errx(1, "related: %s", cause);
		t[i] = now_ms() - t0;
	}
	qsort(t, n, sizeof *t, dbl_cmp);
	if (n > 0)
		printf("latency ms      p50 %.2f  p95 %.2f  max %.2f\n",
		    t[n / 2], t[n * 95 / 100], t[n - 1]);
	free(t);
	store_close(s);
}


/* One entry of a generated corpus's ground truth. */
struct gtruth {
	char	*key;			/* "fNNNNN.xml link" */
	int	 story;
	int	 event;
	int	 full;
	char	 topic[16];
};

static struct gtruth	*gts;
static int		 ngts;

static int
gt_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct gtruth *)a)->key,
	    ((const struct gtruth *)b)->key));
}

/* gen_load reads truth.tsv for the first nfeeds feeds of dir. */
static void
gen_load(const char *dir, int nfeeds)
{
	char	 path[4096], *raw, *line, *next, *f[10], last[16];
	int	 i;

	snprintf(path, sizeof path, "%s/truth.tsv", dir);
	if ((raw = slurp(path)) == NULL)
		err(1, "%s", path);
	snprintf(last, sizeof last, "f%05d.xml", nfeeds);
	for (line = raw; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		for (i = 0; i < 10; i++) {
			if ((f[i] = strsep(&line, "\t")) == NULL)
				break;
		}
		if (i < 10 || strcmp(f[0], "feed") == 0 ||
		    strcmp(f[0], last) >= 0)
			continue;
		gts = xreallocarray(gts, ngts + 1, sizeof *gts);
		xasprintf(&gts[ngts].key, "%s %s", f[0], f[3]);
		gts[ngts].story = atoi(f[4]);
		gts[ngts].full = atoi(f[7]);
		gts[ngts].event = atoi(f[9]);
		snprintf(gts[ngts].topic, sizeof gts[ngts].topic, "%s", f[6]);
		ngts++;
	}
	free(raw);
	if (ngts == 0)
		errx(1, "%s: no entries", path);
	qsort(gts, ngts, sizeof *gts, gt_cmp);
}

/* gen_conf writes syndic.conf for the first nfeeds feeds of gdir. */
static void
gen_conf(const char *dir, const char *gdir, int nfeeds)
{
	FILE	*conf;
	char	 path[4096], real[4096];
	int	 f;

	if (realpath(gdir, real) == NULL)
		err(1, "%s", gdir);
	snprintf(path, sizeof path, "%s/syndic.conf", dir);
	if ((conf = fopen(path, "w")) == NULL)
		err(1, "%s", path);
	fprintf(conf, "[syndic]\ndatabase = %s/eval.db\n"
	    "listen = 127.0.0.1:0\n\n[output]\nrelated = %d\n\n",
	    dir, EVAL_N);
	for (f = 0; f < nfeeds; f++)
		fprintf(conf, "[feed \"file://%s/feeds/f%05d.xml\"]\n", real,
		    f);
	fclose(conf);
}

/* gen_find gives the truth of an entry (feed URL, link), or NULL. */
static const struct gtruth *
gen_find(const char *feed_url, const char *link)
{
	struct gtruth	 k;
	const char	*base;
	const void	*r;

	if (feed_url == NULL || link == NULL ||
	    (base = strrchr(feed_url, '/')) == NULL)
		return (NULL);
	xasprintf(&k.key, "%s %s", base + 1, link);
	r = bsearch(&k, gts, ngts, sizeof *gts, gt_cmp);
	free(k.key);
	return (r);
}

/* gen_stories lists the truth of every entry of a story (at most max). */
static int
gen_stories(sqlite3_stmt *st, long long story, const struct gtruth **out,
    int max)
{
	const struct gtruth *t;
	int		 n = 0;

	sqlite3_bind_int64(st, 1, story);
	while (sqlite3_step(st) == SQLITE_ROW && n < max) {
		t = gen_find((const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1));
		if (t != NULL)
			out[n++] = t;
	}
	sqlite3_reset(st);
	return (n);
}

/* gen_measure reads the stored lists and reports quality against truth. */
static void
gen_measure(const char *dbpath)
{
	sqlite3		*db;
	sqlite3_stmt	*st, *rt, *et;
	const struct gtruth *a[64], *b[64];
	double		 psum[2] = { 0, 0 }, esum[2] = { 0, 0 };
	long long	 story;
	int		 n[2] = { 0, 0 }, cov[2] = { 0, 0 }, na, nb, i, j, k;
	int		 hits, events, dups = 0, links = 0, g;

	if (sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK)
		errx(1, "%s: %s", dbpath, sqlite3_errmsg(db));
	sqlite3_prepare_v2(db, "SELECT s.id, f.url, e.link FROM story s "
	    "JOIN entries e ON e.id = s.entry_id JOIN feeds f ON f.id = "
	    "e.feed_id ORDER BY s.id", -1, &st, NULL);
	sqlite3_prepare_v2(db, "SELECT related_story_id FROM related WHERE "
	    "story_id = ? ORDER BY rank LIMIT 5", -1, &rt, NULL);
	sqlite3_prepare_v2(db, "SELECT f.url, e.link FROM entries e JOIN "
	    "feeds f ON f.id = e.feed_id WHERE e.story_id = ?", -1, &et,
	    NULL);
	while (sqlite3_step(st) == SQLITE_ROW) {
		story = sqlite3_column_int64(st, 0);
		if (gen_find((const char *)sqlite3_column_text(st, 1),
		    (const char *)sqlite3_column_text(st, 2)) == NULL)
			continue;
		na = gen_stories(et, story, a, 64);
		/* a[0] is not always the head: find the head's group. */
		g = gen_find((const char *)sqlite3_column_text(st, 1),
		    (const char *)sqlite3_column_text(st, 2))->full != 0;
		sqlite3_bind_int64(rt, 1, story);
		for (k = 0, hits = 0, events = 0; sqlite3_step(rt) ==
		    SQLITE_ROW; k++) {
			nb = gen_stories(et, sqlite3_column_int64(rt, 0), b,
			    64);
			if (nb == 0)
				continue;
			hits += strcmp(a[0]->topic, b[0]->topic) == 0;
			events += a[0]->event >= 0 &&
			    a[0]->event == b[0]->event &&
			    strcmp(a[0]->topic, b[0]->topic) == 0;
			for (i = 0; i < na; i++) {
				for (j = 0; j < nb; j++)
					dups += a[i]->story == b[j]->story;
			}
		}
		sqlite3_reset(rt);
		n[g]++;
		links += k;
		if (k > 0) {
			cov[g]++;
			psum[g] += (double)hits / k;
			esum[g] += (double)events / k;
		}
	}
	sqlite3_finalize(st);
	sqlite3_finalize(rt);
	sqlite3_finalize(et);
	sqlite3_close(db);
	printf("truth entries   %d\n", ngts);
	printf("stories         %d (%d full text, %d summary-only)\n",
	    n[0] + n[1], n[1], n[0]);
	printf("precision@5     %.4f (same topic, of the recommendations "
	    "shown)\n", cov[0] + cov[1] ? (psum[0] + psum[1]) /
	    (cov[0] + cov[1]) : 0);
	printf("  full text     %.4f\n", cov[1] ? psum[1] / cov[1] : 0);
	printf("  summary-only  %.4f\n", cov[0] ? psum[0] / cov[0] : 0);
	printf("same event      %.4f (the same, counting only the same "
	    "event)\n", cov[0] + cov[1] ? (esum[0] + esum[1]) /
	    (cov[0] + cov[1]) : 0);
	printf("  full text     %.4f\n", cov[1] ? esum[1] / cov[1] : 0);
	printf("  summary-only  %.4f\n", cov[0] ? esum[0] / cov[0] : 0);
	printf("coverage        %.4f (full text %.4f, summary-only %.4f)\n",
	    n[0] + n[1] ? (double)(cov[0] + cov[1]) / (n[0] + n[1]) : 0,
	    n[1] ? (double)cov[1] / n[1] : 0, n[0] ? (double)cov[0] / n[0] :
	    0);
	printf("per story       %.2f recommendations\n", n[0] + n[1] ?
	    (double)links / (n[0] + n[1]) : 0);
	printf("duplicates      %d\n", dups);
}

/* gen_main evaluates on a generated corpus (-g). */
static int
gen_main(const char *gdir, int nfeeds, const char *syndic, const char *dir)
{
	char		 tmpl[] = "/tmp/eval-related.XXXXXX", dbpath[4096];
	char		 cmd[4200];
	long long	*ids;
	int		 nids;
	double		 t0;

	gen_load(gdir, nfeeds);
	if (dir == NULL && (dir = mkdtemp(tmpl)) == NULL)
		err(1, "mkdtemp");
	mkdir(dir, 0700);
	snprintf(dbpath, sizeof dbpath, "%s/eval.db", dir);
	unlink(dbpath);
	printf("corpus          %s (generated), %d feeds, syndic poll\n", gdir,
	    nfeeds);
	gen_conf(dir, gdir, nfeeds);
	t0 = now_ms();
	run_poll(syndic, dir);
	printf("ingest+related  %.1f s\n", (now_ms() - t0) / 1e3);
	narts = ngts;
	ids = xcalloc(ngts + 1, sizeof *ids);
	nids = story_ids(dbpath, ids);
	latency(dbpath, ids, nids);
	gen_measure(dbpath);
	free(ids);
	if (dir == tmpl) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			warnx("could not remove %s", dir);
	}
	return (0);
}

static void
usage(void)
{
	fprintf(stderr, "usage: eval_related [-s] [-f feeds] [-p syndic] "
	    "[-k dir] CORPUS\n"
	    "       eval_related -g [-f feeds] -p syndic [-k dir] GENCORPUS\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	char		 tmpl[] = "/tmp/eval-related.XXXXXX", dbpath[4096];
	const char	*syndic = NULL, *dir = NULL;
	long long	*ids;
	int		 ch, summary = 0, nfeeds = -1, nids, gen = 0;
	double		 t0;

	while ((ch = getopt(argc, argv, "f:gk:p:s")) != -1) {
		switch (ch) {
		case 'f':
			nfeeds = atoi(optarg);
			break;
		case 'g':
			gen = 1;
			break;
		case 'k':
			dir = optarg;
			break;
		case 'p':
			syndic = optarg;
			break;
		case 's':
			summary = 1;
			break;
		default:
			usage();
		}
	}
	if (nfeeds == -1)
		nfeeds = gen ? 300 : 8;
	if (argc - optind != 1 || nfeeds < 1 || (gen && (syndic == NULL ||
	    summary)))
		usage();
	if (gen)
		return (gen_main(argv[optind], nfeeds, syndic, dir));
	load_corpus(argv[optind], summary);
	load_dups(argv[optind]);
	deal(nfeeds);
	if (dir == NULL && (dir = mkdtemp(tmpl)) == NULL)
		err(1, "mkdtemp");
	mkdir(dir, 0700);
	snprintf(dbpath, sizeof dbpath, "%s/eval.db", dir);
	unlink(dbpath);
	printf("corpus          %s%s, %d feeds, %s\n", argv[optind],
	    summary ? " (title + first paragraph)" : "", nfeeds,
	    syndic ? "syndic poll" : "store directly");
	t0 = now_ms();
	if (syndic != NULL) {
		write_feeds(dir, nfeeds);
		run_poll(syndic, dir);
	} else
		ingest_direct(dbpath, nfeeds);
	printf("ingest+related  %.1f s\n", (now_ms() - t0) / 1e3);
	ids = xcalloc(narts + 1, sizeof *ids);
	nids = story_ids(dbpath, ids);
	latency(dbpath, ids, nids);
	measure(dbpath, ids, &nids);
	free(ids);
	if (dir == tmpl) {
		char	 cmd[4200];

		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			warnx("could not remove %s", dir);
	}
	return (0);
}
