/*
 * store_driver.c: the store under load, for bench/ and for syndic-store(5)
 * figures.  Generates feeds in memory (a Zipf word model, 80-400 words an
 * article, 30% summary-only, 15% syndicated copies of another feed's story
 * from the last day: identical, lightly edited or summary-only), stores
 * them through store_ingest with folding on, one transaction per feed
 * update, time advancing over the run, retention pruning once a simulated
 * day; then times the views a person queries and the merged output.
 *
 * usage: store_driver [-a] [-n ENTRIES] [-f FEEDS] [-b PER-DOC] [-o DB]
 * Prints "key value" lines.
 */
#include <sys/stat.h>

#include <math.h>
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
#include "bench_util.h"

#define VOCAB		8000
#define T0		1790000000LL
#define SPAN		(60 * 86400LL)	/* the run covers 60 days */

static struct bench_vocab	 vocab;
static struct bench_rng		 rng = { 88172645463325252ULL };

/* vocab_init makes VOCAB pseudo-words and a Zipf cumulative table. */
static void
vocab_init(void)
{
	static const char *const syl[] = { "ka", "lo", "mi", "ter", "an",
	    "bo", "ri", "sen", "ta", "ve", "nor", "pa", "el", "dun", "ci",
	    "gra" };

	bench_vocab_init(&vocab, VOCAB, syl, 16, &rng);
}

static const char *
word(void)
{
	return (bench_vocab_draw(&vocab, &rng));
}

static unsigned long long
rnd64(void)
{
	return (bench_rnd64(&rng));
}

static double
rnd01(void)
{
	return (bench_rnd01(&rng));
}

/* text_new writes n words in paragraphs of about 60. */
static char *
text_new(int n)
{
	struct buf	 b;
	int		 i;

	buf_init(&b);
	buf_puts(&b, "<p>");
	for (i = 0; i < n; i++) {
		buf_puts(&b, word());
		if (i % 60 == 59)
			buf_puts(&b, ".</p>\n<p>");
		else
			buf_putc(&b, (i % 13 == 12) ? '.' : ' ');
	}
	buf_puts(&b, "</p>");
	return (buf_steal(&b));
}

/* A story kept for copying: title and full text. */
struct recent {
	char		*title;
	char		*html;
	char		*url;
	long long	 when;
};

#define NRECENT	512
static struct recent	 recent[NRECENT];
static int		 nrecent;

/* make_entry fills entry i of a feed at time t. */
static void
make_entry(struct entry *e, int feed, long long serial, long long t)
{
	struct recent	*r;
	char		*p;
	int		 k;

	memset(e, 0, sizeof *e);
	xasprintf(&e->id, "urn:bench:%d:%lld", feed, serial);
	e->published = t - (long long)(rnd01() * 3600);
	e->updated = TIME_UNKNOWN;
	e->author = xstrdup("A. Writer");
	if (nrecent > 0 && rnd01() < 0.15) {
		r = &recent[rnd64() % (nrecent < NRECENT ? nrecent : NRECENT)];
		xasprintf(&e->link, "https://copy%d.example/%lld", feed,
		    serial);
		e->title = xstrdup(r->title);
		k = (int)(rnd64() % 3);
		if (k == 0)
			e->content = xstrdup(r->html);
		else if (k == 1)
			xasprintf(&e->content, "%s<p>Read more at copy%d.</p>",
			    r->html, feed);
		else {
			e->summary = xstrndup(r->html, 300);
			if ((p = strrchr(e->summary, ' ')) != NULL)
				*p = '\0';
		}
		return;
	}
	xasprintf(&e->link, "https://feed%d.example/%lld", feed, serial);
	e->canonical_url = xstrdup(e->link);
	e->title = text_new(4 + (int)(rnd64() % 6));
	memmove(e->title, e->title + 3, strlen(e->title + 3) - 3);
	e->title[strlen(e->title) - 7] = '\0';
	if (rnd01() < 0.3)
		e->summary = text_new(30 + (int)(rnd64() % 30));
	else {
		e->content = text_new(80 + (int)(rnd64() % 320));
		r = &recent[nrecent++ % NRECENT];
		free(r->title);
		free(r->html);
		free(r->url);
		r->title = xstrdup(e->title);
		r->html = xstrdup(e->content);
		r->url = xstrdup(e->link);
		r->when = t;
	}
}

/* view_time runs a query to the end and returns milliseconds. */
static double
view_time(struct store *s, const char *sql, long long *rows)
{
	sqlite3_stmt	*st;
	double		 t = bench_now();

	*rows = 0;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(s->db));
		exit(1);
	}
	while (sqlite3_step(st) == SQLITE_ROW)
		(*rows)++;
	sqlite3_finalize(st);
	return ((bench_now() - t) * 1000);
}

/* The queries of syndic-store(5); TODAY is the start of the last day. */
static const char *views[] = {
	"SELECT * FROM recent_entries LIMIT 50",
	"SELECT seen, feed, title, link FROM recent_entries WHERE "
	    "first_seen >= TODAY",
	"SELECT feed, count(*) FROM recent_entries WHERE first_seen >= TODAY "
	    "GROUP BY feed ORDER BY 2 DESC",
	"SELECT * FROM stories LIMIT 50",
	"SELECT id, title, sources FROM stories WHERE sources > 1 LIMIT 20",
	"SELECT count(*) FROM stories WHERE sources > 1",
	"SELECT count(*) FROM story WHERE nsources > 1",
	"SELECT * FROM feed_status",
	"SELECT id, url, failures, error FROM feed_status WHERE failures > 0",
	"SELECT source, title, link FROM story_sources WHERE story_id = "
	    "(SELECT max(id) FROM story WHERE nsources > 1)",
	"SELECT s.id, s.title FROM story_fts f JOIN stories s ON s.id = "
	    "f.rowid WHERE story_fts MATCH 'ka OR lo' ORDER BY rank LIMIT 10",
	"SELECT count(*) FROM entries",
};

/* view_sql replaces TODAY in a query with a time. */
static char *
view_sql(const char *q, long long today)
{
	const char	*p;
	char		*out;

	if ((p = strstr(q, "TODAY")) == NULL)
		return (xstrdup(q));
	xasprintf(&out, "%.*s%lld%s", (int)(p - q), q, today, p + 5);
	return (out);
}

int
main(int argc, char **argv)
{
	struct store		*s;
	struct doc		*d;
	struct ingest_stats	 st;
	struct store_counts	 c;
	struct channel		*ch;
	const char		*db = "/tmp/syndic-bench.db";
	char			 url[128], *cause = NULL, *cur, *sql;
	long long		 n = 100000, done = 0, serial = 0, t, *ids;
	long long		 added = 0, folded = 0, rows, lastday = 0;
	double			 t_ingest = 0, t_ret = 0, t0, ms, c0, c_ingest = 0;
	double			 t_last = 0, c_last = 0;
	long long		 n_last = 0;
	double			 t_fts, c_fts;
	int			 nfeeds = 1000, per = 25, ch_, f, i, page;
	int			 append = 0;
	size_t			 k;

	while ((ch_ = getopt(argc, argv, "an:f:b:o:")) != -1) {
		switch (ch_) {
		case 'a':
			append = 1;	/* add to an existing store */
			break;
		case 'n':
			n = bench_count(optarg, 1, 1LL << 40, "-n");
			break;
		case 'f':
			nfeeds = bench_count(optarg, 1, 1000000, "-f");
			break;
		case 'b':
			per = bench_count(optarg, 1, 100000, "-b");
			break;
		case 'o':
			db = optarg;
			break;
		default:
			fprintf(stderr, "usage: store_driver [-a] [-n ENTRIES] "
			    "[-f FEEDS] [-b PER-DOC] [-o DB]\n");
			return (64);
		}
	}
	if (!append)
		bench_unlink_db(db);
	if ((s = store_open(db, &cause)) == NULL) {
		fprintf(stderr, "%s\n", cause);
		return (1);
	}
	vocab_init();
	ids = xcalloc(nfeeds, sizeof *ids);
	for (f = 0; f < nfeeds; f++) {
		snprintf(url, sizeof url, "https://feed%d.example/rss", f);
		/* world: a tenth of the feeds; rare: one feed in a thousand. */
		store_feed_upsert(s, url, NULL, f % 10 == 0 ? "world" :
		    f % 1000 == 7 ? "rare" : NULL, 1, &ids[f], NULL);
	}
	while (done < n) {
		f = (int)(rnd64() % nfeeds);
		t = T0 + SPAN * done / n;
		d = doc_new();
		xasprintf(&d->title, "Feed %d", f);
		xasprintf(&d->link, "https://feed%d.example/", f);
		d->entries = xcalloc(per, sizeof *d->entries);
		for (i = 0; i < per; i++)
			make_entry(&d->entries[i], f, serial++, t);
		d->nentries = per;
		t0 = bench_now();
		c0 = bench_clock(CLOCK_PROCESS_CPUTIME_ID);
		if (store_ingest(s, ids[f], d, t, &st, &cause) == -1) {
			fprintf(stderr, "ingest: %s\n", cause);
			return (1);
		}
		t_ingest += bench_now() - t0;
		c_ingest += bench_clock(CLOCK_PROCESS_CPUTIME_ID) - c0;
		/* The last tenth: does the rate hold as the store grows? */
		if (done >= n - n / 10) {
			t_last += bench_now() - t0;
			c_last += bench_clock(CLOCK_PROCESS_CPUTIME_ID) - c0;
			n_last += per;
		}
		added += st.added;
		folded += st.folded;
		done += per;
		doc_free(d);
		if (t - lastday >= 86400) {
			lastday = t;
			t0 = bench_now();
			if (store_retention(s, 0, 0, 50, t, &cause) == -1) {
				fprintf(stderr, "retention: %s\n", cause);
				return (1);
			}
			t_ret += bench_now() - t0;
		}
	}
	/* The full-text index, filled apart as the daemon does. */
	t0 = bench_now();
	c0 = bench_clock(CLOCK_PROCESS_CPUTIME_ID);
	while ((i = store_fts_update(s, 2000, &cause)) == 1)
		continue;
	if (i == -1) {
		fprintf(stderr, "fts: %s\n", cause);
		return (1);
	}
	t_fts = bench_now() - t0;
	c_fts = bench_clock(CLOCK_PROCESS_CPUTIME_ID) - c0;
	store_exec(s, "PRAGMA wal_checkpoint(TRUNCATE)", NULL);
	store_counts(s, &c, NULL);
	printf("entries %lld\nadded %lld\nfolded %lld\nstories %lld\n",
	    done, added, folded, c.stories);
	printf("ingest_seconds %.3f\ningest_entries_per_s %.0f\n", t_ingest,
	    done / t_ingest);
	printf("ingest_last_tenth_entries_per_s %.0f\n"
	    "ingest_last_tenth_entries_per_cpu_s %.0f\n", n_last / t_last,
	    n_last / c_last);
	printf("ingest_cpu_seconds %.3f\ningest_entries_per_cpu_s %.0f\n",
	    c_ingest, done / c_ingest);
	printf("retention_seconds %.3f\n", t_ret);
	printf("fts_index_seconds %.3f\nfts_index_cpu_seconds %.3f\n", t_fts,
	    c_fts);
	printf("bytes_per_entry %.0f\n", (double)c.bytes / c.entries);
	store_close(s);
	/* Views on a fresh connection, as a person in the shell would. */
	s = store_open(db, NULL);
	for (k = 0; k < sizeof views / sizeof views[0]; k++) {
		sql = view_sql(views[k], lastday - lastday % 86400);
		ms = view_time(s, sql, &rows);
		printf("view_ms %.2f rows %lld: %s\n", ms, rows, sql);
		free(sql);
	}
	t0 = bench_now();
	ch = store_channel(s, NULL, NULL, 50, 5, NULL);
	printf("channel_first_page_ms %.2f\n", (bench_now() - t0) * 1000);
	cur = xstrdup0(ch->next);
	channel_free(ch);
	t0 = bench_now();
	for (page = 0; page < 20 && cur != NULL; page++) {
		ch = store_channel(s, NULL, cur, 50, 5, NULL);
		free(cur);
		cur = xstrdup0(ch->next);
		channel_free(ch);
	}
	printf("channel_page_ms %.2f (mean of 20 next pages)\n",
	    (bench_now() - t0) * 1000 / 20);
	free(cur);
	t0 = bench_now();
	ch = store_channel(s, "world", NULL, 50, 5, NULL);
	printf("channel_tag_page_ms %.2f\n", (bench_now() - t0) * 1000);
	channel_free(ch);
	t0 = bench_now();
	ch = store_channel(s, "rare", NULL, 50, 5, NULL);
	printf("channel_rare_tag_page_ms %.2f\n", (bench_now() - t0) * 1000);
	channel_free(ch);
	t0 = bench_now();
	ch = store_channel(s, "none", NULL, 50, 5, NULL);
	printf("channel_unknown_tag_page_ms %.2f\n", (bench_now() - t0) * 1000);
	channel_free(ch);
	store_close(s);
	free(ids);
	return (0);
}
