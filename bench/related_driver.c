/*
 * related_driver.c: the latency of "You might also like" on a big store.
 *
 *	related_driver [-n STORIES] [-s SAMPLE] [-o DB]
 *
 * Fills a store with n synthetic stories (written straight into the
 * entries and story tables, one entry each, so that a million take
 * minutes, not hours: the store's own ingest is measured by its own
 * driver), brings the related index up to date with store_related_update
 * (timed as a whole), then times store_related_story, the computation of
 * one story's list, for a random sample of stories, and prints "key value"
 * lines: wall and CPU milliseconds, p50, p95, p99 and max, and how many of
 * the sample got at least one related story.
 *
 * The text comes from a word model: a Zipf-distributed vocabulary of
 * 60,000 made-up words for the ordinary words, and one "event" per fifty
 * stories with twelve words of its own (names, places), which a quarter of
 * each of its stories' words come from; stories are spread over 60 days
 * from 200 feeds.
 */
#include <err.h>
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

#define VOCAB		60000
#define EVENT_WORDS	12
#define PER_EVENT	50
#define FEEDS		200
#define T0		1790000000LL
#define SPAN		(60 * 86400LL)

static struct bench_vocab	 vocab;
static struct bench_rng		 rng = { 0x9e3779b97f4a7c15ULL };

static unsigned long long
rnd64(void)
{
	return (bench_rnd64(&rng));
}

/* model_init makes the vocabulary (unique made-up words) and its Zipf. */
static void
model_init(void)
{
	static const char *const syl[] = { "ba", "ko", "ri", "tu", "me",
	    "sa", "lo", "ni", "de", "ga", "pu", "ve", "zo", "fi", "ha", "ju",
	    "ke", "mo", "na", "pe", "ru", "si", "ta", "wo" };

	bench_vocab_init(&vocab, VOCAB, syl, sizeof syl / sizeof syl[0],
	    NULL);
}

/* zipf draws a word of the vocabulary. */
static const char *
zipf(void)
{
	return (bench_vocab_draw(&vocab, &rng));
}

/* event_word gives word k of an event (from the rarer part). */
static const char *
event_word(long long ev, int k)
{
	unsigned long long h = (ev * EVENT_WORDS + k + 1) *
	    0x9e3779b97f4a7c15ULL;

	return (vocab.word[2000 + (h >> 20) % (VOCAB - 2000)]);
}

/* story writes the title and text of story i. */
static void
story(long long i, struct buf *title, struct buf *text)
{
	long long	 ev = i / PER_EVENT;
	int		 k, n = 120 + rnd64() % 180;

	buf_reset(title);
	buf_reset(text);
	for (k = 0; k < 6; k++)
		buf_printf(title, "%s%s", k ? " " : "", k % 2 == 0 ?
		    event_word(ev, rnd64() % EVENT_WORDS) : zipf());
	for (k = 0; k < n; k++)
		buf_printf(text, "%s%s", k ? " " : "", rnd64() % 4 == 0 ?
		    event_word(ev, rnd64() % EVENT_WORDS) : zipf());
}

static void
exec1(sqlite3 *db, const char *sql)
{
	char	*msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		errx(1, "%s: %s", sql, msg);
}

/* fill writes n stories, one entry each, 10,000 per transaction. */
static void
fill(struct store *s, long long n)
{
	sqlite3_stmt	*ent, *sto;
	struct buf	 title, text;
	char		 sql[256], link[64];
	long long	 i, t;
	int		 f;

	for (f = 1; f <= FEEDS; f++) {
		snprintf(sql, sizeof sql, "INSERT INTO feeds (id, url, title) "
		    "VALUES (%d, 'https://feed%d.example/rss', 'Feed %d')", f,
		    f, f);
		exec1(s->db, sql);
	}
	if (sqlite3_prepare_v2(s->db, "INSERT INTO entries (id, feed_id, "
	    "guid, link, title, text, content_hash, first_seen, last_seen, "
	    "published, story_id) VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?1, ?6, ?6, "
	    "?6, ?1)", -1, &ent, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "INSERT INTO story (id, entry_id, "
	    "first_seen, sort_time) VALUES (?1, ?1, ?2, ?2)", -1, &sto,
	    NULL) != SQLITE_OK)
		errx(1, "prepare: %s", sqlite3_errmsg(s->db));
	buf_init(&title);
	buf_init(&text);
	for (i = 1; i <= n; i++) {
		if (i % 10000 == 1)
			exec1(s->db, "BEGIN");
		story(i, &title, &text);
		t = T0 + SPAN * i / n;
		f = 1 + rnd64() % FEEDS;
		snprintf(link, sizeof link, "https://feed%d.example/%lld", f, i);
		sqlite3_bind_int64(ent, 1, i);
		sqlite3_bind_int(ent, 2, f);
		sqlite3_bind_text(ent, 3, link, -1, SQLITE_STATIC);
		sqlite3_bind_text(ent, 4, title.data, title.len, SQLITE_STATIC);
		sqlite3_bind_text(ent, 5, text.data, text.len, SQLITE_STATIC);
		sqlite3_bind_int64(ent, 6, t);
		sqlite3_bind_int64(sto, 1, i);
		sqlite3_bind_int64(sto, 2, t);
		if (sqlite3_step(sto) != SQLITE_DONE ||
		    sqlite3_step(ent) != SQLITE_DONE)
			errx(1, "insert: %s", sqlite3_errmsg(s->db));
		sqlite3_reset(ent);
		sqlite3_reset(sto);
		if (i % 10000 == 0 || i == n)
			exec1(s->db, "COMMIT");
	}
	sqlite3_finalize(ent);
	sqlite3_finalize(sto);
	buf_free(&title);
	buf_free(&text);
}

static double
now_ms(clockid_t c)
{
	return (bench_clock(c) * 1e3);
}

/* pct gives the p-th percentile (nearest rank) of sorted v. */
static double
pct(const double *v, int n, double p)
{
	int	 i = (int)(p / 100 * n + 0.999999) - 1;

	return (v[i < 0 ? 0 : i >= n ? n - 1 : i]);
}

static void
report(const char *what, double *v, int n)
{
	bench_sort(v, n);
	printf("%s_p50 %.2f\n%s_p95 %.2f\n%s_p99 %.2f\n%s_max %.2f\n", what,
	    pct(v, n, 50), what, pct(v, n, 95), what, pct(v, n, 99), what,
	    v[n - 1]);
}

int
main(int argc, char **argv)
{
	struct store	*s;
	const char	*out = "/tmp/related-driver.db";
	char		*cause = NULL;
	double		*wall, *cpu, w0, c0;
	long long	 n = 100000, id;
	struct item	*it;
	int		 ch, i, sample = 300, calls = 0, rc, covered = 0;

	while ((ch = getopt(argc, argv, "n:o:s:")) != -1) {
		switch (ch) {
		case 'n':
			n = bench_count(optarg, 1, 1LL << 40, "-n");
			break;
		case 'o':
			out = optarg;
			break;
		case 's':
			sample = bench_count(optarg, 1, 10000000, "-s");
			break;
		default:
			errx(64, "usage: related_driver [-n STORIES] "
			    "[-s SAMPLE] [-o DB]");
		}
	}
	bench_unlink_db(out);
	model_init();
	if ((s = store_open(out, &cause)) == NULL)
		errx(1, "%s", cause);
	w0 = now_ms(CLOCK_MONOTONIC);
	fill(s, n);
	printf("stories %lld\nfill_seconds %.1f\n", n,
	    (now_ms(CLOCK_MONOTONIC) - w0) / 1e3);
	fflush(stdout);
	w0 = now_ms(CLOCK_MONOTONIC);
	c0 = now_ms(CLOCK_PROCESS_CPUTIME_ID);
	while ((rc = store_related_update(s, T0 + SPAN, 50, 5, 0, &cause)) == 1)
		calls++;
	if (rc == -1)
		errx(1, "store_related_update: %s", cause);
	printf("index_seconds %.1f\nindex_cpu_seconds %.1f\nindex_calls %d\n",
	    (now_ms(CLOCK_MONOTONIC) - w0) / 1e3,
	    (now_ms(CLOCK_PROCESS_CPUTIME_ID) - c0) / 1e3, calls);
	fflush(stdout);
	wall = xcalloc(sample, sizeof *wall);
	cpu = xcalloc(sample, sizeof *cpu);
	for (i = 0; i < sample; i++) {
		id = 1 + rnd64() % n;
		w0 = now_ms(CLOCK_MONOTONIC);
		c0 = now_ms(CLOCK_PROCESS_CPUTIME_ID);
		if (store_related_story(s, id, T0 + SPAN, 5, &cause) == -1)
			errx(1, "store_related_story: %s", cause);
		wall[i] = now_ms(CLOCK_MONOTONIC) - w0;
		cpu[i] = now_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
		if ((it = store_related_item(s, id, 5, &cause)) == NULL)
			errx(1, "store_related_item: %s", cause);
		covered += it->nrelated > 0;
		item_clear(it);
		free(it);
	}
	printf("sample %d\ncovered %d\n", sample, covered);
	report("story_wall_ms", wall, sample);
	report("story_cpu_ms", cpu, sample);
	free(wall);
	free(cpu);
	store_close(s);
	return (0);
}
