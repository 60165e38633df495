/*
 * check_related.c: tests of storage/related.c on small hand-made corpora:
 * the right neighbours, no duplicate of the story, the per-source cap, the
 * score threshold, lists that improve as stories arrive, stories that go,
 * lists computed for the output window only (the others on demand), and a
 * batch index equal to one built story by story.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <sqlite3.h>

#include "harness.h"
#include "storage.h"
#include "store_priv.h"
#include "xmalloc.h"

#define NOW	1700000000LL

/*
 * The hand-made corpus: short news items on four subjects, written the way
 * wire stories are (a title, two or three sentences), sharing the ordinary
 * words of news across subjects.  corpus_story[t][i] is story i of topic t;
 * topic 3 has seven stories (for the per-source cap).
 */
#define NTOPICS		4
#define MAXPER		7

struct story {
	const char	*title;
	const char	*text;
};

static const struct story corpus_story[NTOPICS][MAXPER] = {
	{
		{ "United beat Arsenal in league thriller",
		  "Manchester United beat Arsenal 3-2 at Old Trafford on Sunday "
		  "as the striker scored twice in the second half. The manager "
		  "said the win kept the club in the title race, while the "
		  "Arsenal keeper was criticised for the late goal." },
		{ "Arsenal manager defends keeper after defeat",
		  "The Arsenal manager defended his goalkeeper after the 3-2 "
		  "league defeat at Old Trafford. He said the referee missed a "
		  "foul before United's winning goal and that the squad would "
		  "recover before the cup tie next week." },
		{ "Striker signs new contract with United",
		  "Manchester United's leading striker has signed a new "
		  "five-year contract, the club announced. The forward, who has "
		  "scored 18 league goals this season, said he wanted to win "
		  "the title at Old Trafford." },
		{ "Chelsea close gap in title race",
		  "Chelsea moved within two points of the league leaders after "
		  "a 2-0 win at Stamford Bridge. Their midfielder scored a "
		  "penalty and the manager said the title race with United and "
		  "Arsenal would go to the final weekend." },
		{ "Referee chief backs video replays in league",
		  "The head of the referees' body said video replays should be "
		  "used in league matches after disputed goals at Old Trafford "
		  "and Stamford Bridge. Managers of several clubs have asked "
		  "for help for referees on penalty decisions." },
		{ NULL, NULL }, { NULL, NULL }
	},
	{
		{ "Prime minister calls May election",
		  "The prime minister has called a general election for 5 May, "
		  "starting a four-week campaign. Labour will fight on its "
		  "record on the economy and public services, while the "
		  "Conservatives promise tax cuts and fewer immigrants." },
		{ "Tories launch election manifesto",
		  "The Conservatives launched their election manifesto, "
		  "promising lower taxes, more police and tighter immigration "
		  "controls. The Tory leader told voters the campaign was a "
		  "choice between his party and five more years of Labour." },
		{ "Polls show Labour lead narrowing",
		  "Labour's lead over the Conservatives has narrowed to three "
		  "points, according to a poll of voters published on Sunday. "
		  "The Liberal Democrats gained in marginal seats as the "
		  "election campaign entered its final fortnight." },
		{ "Liberal Democrats target student voters",
		  "The Liberal Democrats pledged to scrap university tuition "
		  "fees as they courted student voters in marginal seats. "
		  "Their leader said Labour and the Tories had ignored young "
		  "people during the election campaign." },
		{ "Turnout fears as postal votes rise",
		  "Electoral officials warned of low turnout on polling day "
		  "despite a rise in postal votes. Labour and Conservative "
		  "candidates in marginal seats said voters had grown tired of "
		  "the long election campaign." },
		{ NULL, NULL }, { NULL, NULL }
	},
	{
		{ "Nokia unveils camera phone",
		  "Nokia has unveiled a mobile phone with a five-megapixel "
		  "camera and a larger colour screen. The handset, which plays "
		  "music and video, will go on sale in Europe next month, the "
		  "Finnish firm said." },
		{ "Mobile phone sales hit record",
		  "Sales of mobile phones reached a record 180 million handsets "
		  "in the last quarter, led by camera phones and models with "
		  "colour screens. Nokia kept its lead over Motorola and "
		  "Samsung, analysts said." },
		{ "Motorola slim handset boosts profits",
		  "Motorola's profits rose sharply on strong demand for its "
		  "slim Razr handset. The firm said the mobile phone, with its "
		  "camera and thin metal case, had sold more than ten million "
		  "units worldwide." },
		{ "Phone batteries to last a week",
		  "Researchers say new fuel cells could let mobile phone "
		  "batteries last a week between charges. Handset makers "
		  "including Nokia and Samsung are testing the cells, which "
		  "would power screens, cameras and music players." },
		{ "Music downloads to mobiles take off",
		  "Downloads of music to mobile phones are growing fast as "
		  "handsets gain bigger memories and better screens. Operators "
		  "said users of camera phones and music phones spent more "
		  "on data services than on calls." },
		{ NULL, NULL }, { NULL, NULL }
	},
	{
		{ "Bank of England holds interest rates",
		  "The Bank of England held interest rates at 4.75% for a "
		  "sixth month. Its monetary policy committee said inflation "
		  "remained close to target, although economists expect a "
		  "rise if house prices keep climbing." },
		{ "Inflation rises above target",
		  "Consumer price inflation rose to 2.3% in March, above the "
		  "Bank of England's target, driven by fuel prices. Economists "
		  "said the figures made an interest rate rise more likely "
		  "at the next meeting of the committee." },
		{ "Mortgage lending slows as rates bite",
		  "Mortgage lending fell for a third month as higher interest "
		  "rates cooled the housing market. Lenders said house prices "
		  "were flat and that the Bank of England's rate rises had "
		  "cut demand from buyers." },
		{ "Economists split on rate rise",
		  "Economists are divided over whether the Bank of England "
		  "will raise interest rates in May. Some point to rising "
		  "inflation and wage growth, others to a slowing housing "
		  "market and weak retail sales." },
		{ "Sterling falls after rate decision",
		  "The pound fell against the dollar after the Bank of England "
		  "left interest rates unchanged. Traders had expected the "
		  "committee to signal a rise to curb inflation, economists "
		  "said." },
		{ "House prices cool as borrowing costs climb",
		  "House prices rose by just 0.1% last month, the smallest "
		  "increase in two years, as higher interest rates put off "
		  "buyers. The figures will reassure the Bank of England that "
		  "its rate rises are curbing the housing market." },
		{ "Bank governor warns on consumer debt",
		  "The governor of the Bank of England warned that record "
		  "consumer debt left households exposed to higher interest "
		  "rates. He said the bank would set rates to keep inflation "
		  "at its target of 2%." }
	},
};

static char	 db_path[64];
static int	 show = 50;	/* the output window of store_related_update */

static const char *
tmp_db(void)
{
	char	 p[80];

	snprintf(db_path, sizeof db_path, "/tmp/syndic-related-%d.db",
	    (int)getpid());
	unlink(db_path);
	snprintf(p, sizeof p, "%s-wal", db_path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", db_path);
	unlink(p);
	return (db_path);
}

static struct store *
open_new(void)
{
	struct store	*s;
	char		*cause = NULL;

	s = store_open(tmp_db(), &cause);
	ck_assert_msg(s != NULL, "store_open: %s", cause);
	return (s);
}

static void
close_rm(struct store *s)
{
	store_close(s);
	tmp_db();
}

/* story_html gives the text of a corpus story as HTML (caller frees). */
static char *
story_html(const struct story *st)
{
	size_t	 len = strlen(st->text) + 8;
	char	*html = xmalloc(len);

	snprintf(html, len, "<p>%s</p>", st->text);
	return (html);
}

/* add_entry appends an entry to a document. */
static void
add_entry(struct doc *d, const char *link, char *title, char *html,
    long long published)
{
	struct entry	*e;

	d->entries = xreallocarray(d->entries, d->nentries + 1,
	    sizeof *d->entries);
	e = &d->entries[d->nentries++];
	memset(e, 0, sizeof *e);
	e->id = xstrdup(link);
	e->link = xstrdup(link);
	e->canonical_url = xstrdup(link);
	e->title = title;
	e->summary = html;
	e->sanitized = 1;
	e->published = published;
	e->updated = TIME_UNKNOWN;
}

/* feed_id subscribes to (or finds) the feed of a source number. */
static long long
feed_id(struct store *s, int source)
{
	char		 url[64], *cause = NULL;
	long long	 id;

	snprintf(url, sizeof url, "http://source%d.test/feed", source);
	ck_assert_msg(store_feed_upsert(s, url, NULL, NULL, FEED_ORIGIN_CLI,
	    &id, &cause) == 0, "%s", cause);
	return (id);
}

/* update runs the related work until none is left. */
static void
update(struct store *s, int nrelated)
{
	char	*cause = NULL;
	int	 rc, calls = 0;

	while ((rc = store_related_update(s, NOW, show, nrelated, 0,
	    &cause)) == 1)
		ck_assert_int_lt(++calls, 1000);
	ck_assert_msg(rc == 0, "%s", cause);
}

/*
 * ingest stores a document for a source and runs the related work (not
 * when nrelated is negative).
 */
static void
ingest(struct store *s, int source, struct doc *d, int nrelated)
{
	char	*cause = NULL;

	d->title = xstrdup("Source");
	ck_assert_msg(store_ingest(s, feed_id(s, source), d, NOW, NULL,
	    &cause) == 0, "%s", cause);
	doc_free(d);
	if (nrelated >= 0)
		update(s, nrelated);
}

/*
 * corpus stores the first per stories of the first ntopics topics, dealt
 * over 3 sources, links "http://t/TOPIC/I".
 */
static void
corpus(struct store *s, int ntopics, int per, int nrelated)
{
	struct doc	*d[3];
	char		 link[64];
	int		 t, i;

	for (i = 0; i < 3; i++)
		d[i] = doc_new();
	for (t = 0; t < ntopics; t++) {
		for (i = 0; i < per && corpus_story[t][i].title != NULL; i++) {
			snprintf(link, sizeof link, "http://t/%d/%d", t, i);
			add_entry(d[(t + i) % 3], link,
			    xstrdup(corpus_story[t][i].title),
			    story_html(&corpus_story[t][i]),
			    NOW - 3600 * (t * per + i));
		}
	}
	for (i = 0; i < 3; i++)
		ingest(s, i, d[i], nrelated);
}

/* topic_of reads the topic of a story from its link. */
static int
topic_of(const char *link)
{
	ck_assert_ptr_nonnull(link);
	ck_assert_int_eq(strncmp(link, "http://t/", 9), 0);
	return (atoi(link + 9));
}

/* related_of returns the item of the story of a link. */
static struct item *
related_of(struct store *s, const char *link, int n)
{
	struct item	*it;
	long long	 id;
	char		*cause = NULL;

	id = store_related_find(s, link);
	ck_assert_msg(id > 0, "no story for %s", link);
	it = store_related_item(s, id, n, &cause);
	ck_assert_msg(it != NULL, "%s", cause);
	return (it);
}

static void
item_free(struct item *it)
{
	item_clear(it);
	free(it);
}

static long long
sql_int(struct store *s, const char *sql)
{
	sqlite3_stmt	*st;
	long long	 v = -1;

	ck_assert_int_eq(sqlite3_prepare_v2(s->db, sql, -1, &st, NULL),
	    SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return (v);
}

/* One posting of the index, as related.c packs them in related_chunk. */
struct tpost {
	char		 term[48];
	long long	 story;
	long long	 published;
	double		 w;
};

static int
uvarint(const unsigned char **p, const unsigned char *end,
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
tpost_cmp(const void *a, const void *b)
{
	const struct tpost	*x = a, *y = b;
	int			 c;

	if ((c = strcmp(x->term, y->term)) != 0)
		return (c);
	return (x->story < y->story ? -1 : x->story > y->story);
}

/*
 * postings decodes every posting of the index (a time delta from the
 * chunk's tmin, the story, a 16-bit weight each), checking each chunk's
 * count and time span; sorted by term and story.
 */
static int
postings(struct store *s, struct tpost **out)
{
	sqlite3_stmt		*st;
	const unsigned char	*p, *end;
	unsigned long long	 dt, id;
	long long		 t, tmax;
	int			 n = 0, k;

	*out = NULL;
	ck_assert_int_eq(sqlite3_prepare_v2(s->db, "SELECT t.term, c.tmin, "
	    "c.tmax, c.n, c.posts FROM related_chunk c JOIN related_term t "
	    "ON t.id = c.term_id", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		t = sqlite3_column_int64(st, 1);
		tmax = sqlite3_column_int64(st, 2);
		p = sqlite3_column_blob(st, 4);
		end = p + sqlite3_column_bytes(st, 4);
		for (k = 0; p < end; k++) {
			ck_assert_int_eq(uvarint(&p, end, &dt), 0);
			ck_assert_int_eq(uvarint(&p, end, &id), 0);
			ck_assert_int_ge(end - p, 2);
			t += dt;
			ck_assert(k > 0 || dt == 0);
			*out = xreallocarray(*out, n + 1, sizeof **out);
			snprintf((*out)[n].term, sizeof (*out)[n].term, "%s",
			    sqlite3_column_text(st, 0));
			(*out)[n].story = id;
			(*out)[n].published = t;
			(*out)[n].w = (p[0] | p[1] << 8) / 65535.0;
			p += 2;
			n++;
		}
		ck_assert_int_eq(k, sqlite3_column_int(st, 3));
		ck_assert_int_eq(t, tmax);
	}
	sqlite3_finalize(st);
	if (n > 0)
		qsort(*out, n, sizeof **out, tpost_cmp);
	return (n);
}

/* sql_text gives the rows of a one-column query, one a line. */
static char *
sql_text(struct store *s, const char *sql)
{
	sqlite3_stmt	*st;
	char		*out = xstrdup(""), *t;

	ck_assert_int_eq(sqlite3_prepare_v2(s->db, sql, -1, &st, NULL),
	    SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		xasprintf(&t, "%s%s\n", out, sqlite3_column_text(st, 0));
		free(out);
		out = t;
	}
	sqlite3_finalize(st);
	return (out);
}

START_TEST(test_neighbours)
{
	struct store	*s;
	struct item	*it;
	char		 link[64];
	int		 t, i, j, total = 0;

	s = open_new();
	corpus(s, 4, 5, 5);
	for (t = 0; t < 4; t++) {
		for (i = 0; i < 5; i++) {
			snprintf(link, sizeof link, "http://t/%d/%d", t, i);
			it = related_of(s, link, 5);
			ck_assert_msg(it->nrelated >= 1, "%s: %d related",
			    link, it->nrelated);
			total += it->nrelated;
			for (j = 0; j < it->nrelated; j++) {
				ck_assert_msg(topic_of(it->related[j].url) ==
				    t, "%s lists %s (%.3f)", link,
				    it->related[j].url, it->related[j].score);
				ck_assert_str_ne(it->related[j].url, link);
				ck_assert(it->related[j].score > 0);
				ck_assert(j == 0 || it->related[j].score <=
				    it->related[j - 1].score);
				ck_assert_ptr_nonnull(it->related[j].title);
				ck_assert_ptr_nonnull(it->related[j].source);
			}
			item_free(it);
		}
	}
	/*
	 * Every story of a topic is about its neighbours: a short one may
	 * keep only its strongest match (REL_CHANCE), but on average a
	 * story lists at least two.
	 */
	ck_assert_int_ge(total, 2 * 20);
	/* The view for people says the same. */
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM related_links"),
	    sql_int(s, "SELECT count(*) FROM related"));
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM related_links "
	    "WHERE related_source IS NULL OR related_title IS NULL"), 0);
	close_rm(s);
}
END_TEST

START_TEST(test_no_duplicates)
{
	struct store	*s;
	struct doc	*d;
	struct item	*it;
	char		*html, *p;
	int		 j;

	s = open_new();
	corpus(s, 4, 5, 5);
	/*
	 * A copy of 0/0 at another address, from another source, with
	 * another title and a word changed: whether or not the store folds
	 * it, it must never be recommended with 0/0, nor 0/0 with it.
	 */
	html = story_html(&corpus_story[0][0]);
	if ((p = strstr(html, "Sunday")) != NULL)
		memcpy(p, "Monday", 6);
	ck_assert_ptr_null(strstr(html, "Sunday"));
	d = doc_new();
	add_entry(d, "http://copy/0", xstrdup("United edge Arsenal"), html,
	    NOW - 60);
	ingest(s, 2, d, 5);
	it = related_of(s, "http://t/0/0", 5);
	ck_assert_int_ge(it->nrelated, 1);
	for (j = 0; j < it->nrelated; j++)
		ck_assert_str_ne(it->related[j].url, "http://copy/0");
	item_free(it);
	it = related_of(s, "http://copy/0", 5);
	for (j = 0; j < it->nrelated; j++) {
		ck_assert_str_ne(it->related[j].url, "http://t/0/0");
		ck_assert_str_ne(it->related[j].url, "http://copy/0");
	}
	item_free(it);
	/* No story lists itself, or a story that shares one of its links. */
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM related "
	    "WHERE story_id = related_story_id"), 0);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM related r JOIN "
	    "entries a ON a.story_id = r.story_id JOIN entries b ON "
	    "b.story_id = r.related_story_id WHERE a.link = b.link"), 0);
	close_rm(s);
}
END_TEST

START_TEST(test_source_cap)
{
	struct store	*s;
	struct doc	*d[2];
	struct item	*it;
	char		 link[64];
	int		 i, j, n0;

	s = open_new();
	corpus(s, 3, 5, 5);
	/* The seven stories of topic 3: six from source 0, one from 1. */
	d[0] = doc_new();
	d[1] = doc_new();
	for (i = 0; i < 7; i++) {
		snprintf(link, sizeof link, "http://t/3/%d", i);
		add_entry(d[i == 6], link, xstrdup(corpus_story[3][i].title),
		    story_html(&corpus_story[3][i]), NOW - 600 * i);
	}
	ingest(s, 0, d[0], 5);
	ingest(s, 1, d[1], 5);
	for (i = 0; i < 6; i++) {
		snprintf(link, sizeof link, "http://t/3/%d", i);
		it = related_of(s, link, 5);
		for (n0 = 0, j = 0; j < it->nrelated; j++) {
			ck_assert_int_eq(topic_of(it->related[j].url), 3);
			n0 += strcmp(it->related[j].url, "http://t/3/6") != 0;
		}
		/* Five per story: at most two from one source. */
		ck_assert_int_le(n0, 2);
		ck_assert_int_ge(n0, 1);
		item_free(it);
	}
	/* The one from source 1 may list two of source 0, no more. */
	it = related_of(s, "http://t/3/6", 5);
	ck_assert_int_eq(it->nrelated, 2);
	item_free(it);
	close_rm(s);
}
END_TEST

/*
 * Summary-only items (a title and one sentence, as many feeds give):
 * sum_story[0] and [1] are one announcement whose lead another source
 * rewrote (too far apart in wording for the store to fold them, too close
 * for a reader to want the other), [2] to [4] are other stories about it.
 */
static const struct story sum_story[] = {
	{ "Rail unions call national strike over pensions",
	  "Rail unions have called a national strike over pension reforms "
	  "after talks with train operators collapsed on Friday." },
	{ "Train drivers to strike over pension reforms",
	  "Train drivers' unions will hold a national strike over the "
	  "government's pension reforms, after talks broke down on Friday." },
	{ "Commuters brace for rail strike disruption",
	  "Commuters face weeks of disruption as train drivers prepare to "
	  "walk out, with operators warning of cancelled rail services." },
	{ "Minister urges rail unions back to talks",
	  "The transport minister urged rail unions to return to talks on "
	  "pensions, saying a national strike would hurt passengers." },
	{ "Operators plan reduced timetable during strike",
	  "Train operators said they would run a reduced timetable on main "
	  "rail routes during the strike by drivers over pensions." },
};

START_TEST(test_summary_copy)
{
	struct store	*s;
	struct doc	*d;
	struct item	*it;
	char		 link[64], *html;
	size_t		 i;
	int		 j, k;

	s = open_new();
	corpus(s, 4, 5, 5);
	d = doc_new();
	for (i = 0; i < sizeof sum_story / sizeof sum_story[0]; i++) {
		snprintf(link, sizeof link, "http://rail/%zu", i);
		xasprintf(&html, "%s", sum_story[i].text);
		add_entry(d, link, xstrdup(sum_story[i].title), html,
		    NOW - 600 + (long long)i);
		if (i == 1) {
			/* The rewrite comes from another source. */
			ingest(s, 1, d, -1);
			d = doc_new();
		}
	}
	ingest(s, 2, d, 5);
	/*
	 * The store keeps the rewrite apart (not the same text), and its
	 * cosine with the announcement (0.6 or so) is under the copy score
	 * of long texts.
	 */
	ck_assert_int_eq(sql_int(s, "SELECT count(DISTINCT story_id) FROM "
	    "entries WHERE link LIKE 'http://rail/%'"), 5);
	for (i = 0; i < 2; i++) {
		snprintf(link, sizeof link, "http://rail/%zu", i);
		it = related_of(s, link, 5);
		/* The other stories about the strike, never the copy. */
		ck_assert_int_ge(it->nrelated, 2);
		for (j = 0, k = 0; j < it->nrelated; j++) {
			ck_assert_str_ne(it->related[j].url, i == 0 ?
			    "http://rail/1" : "http://rail/0");
			k += strncmp(it->related[j].url, "http://rail/",
			    12) == 0;
		}
		ck_assert_int_eq(k, it->nrelated);
		item_free(it);
	}
	close_rm(s);
}
END_TEST

START_TEST(test_threshold)
{
	struct store	*s;
	struct doc	*d;
	struct item	*it;

	s = open_new();
	corpus(s, 4, 5, 5);
	d = doc_new();
	/* Nothing in common with any topic: no recommendation. */
	add_entry(d, "http://odd/1", xstrdup("Gardeners plant tulips early"),
	    xstrdup("<p>Gardeners are planting tulip bulbs early this autumn "
	    "after a mild summer. Experts advise watering the soil, mulching "
	    "the beds and waiting for spring blossoms.</p>"), NOW - 30);
	/* A few ordinary words in common only: still nothing. */
	add_entry(d, "http://odd/2", xstrdup("Tulip festival draws crowds"),
	    xstrdup("<p>The tulip festival drew record crowds on Sunday, "
	    "organisers said. Growers showed new varieties and the "
	    "gardens stayed open until the final weekend of the month.</p>"),
	    NOW - 20);
	ingest(s, 1, d, 5);
	it = related_of(s, "http://odd/1", 5);
	ck_assert_int_eq(it->nrelated, 0);
	item_free(it);
	it = related_of(s, "http://odd/2", 5);
	ck_assert_msg(it->nrelated == 0 || strncmp(it->related[0].url,
	    "http://odd/", 11) == 0, "odd/2 lists %s", it->nrelated ?
	    it->related[0].url : "");
	ck_assert_int_le(it->nrelated, 1);
	item_free(it);
	close_rm(s);
}
END_TEST

START_TEST(test_refresh)
{
	struct store	*s;
	struct doc	*d;
	struct item	*it;
	char		 link[64];
	int		 i;

	s = open_new();
	corpus(s, 3, 5, 5);
	/* A lone story of topic 3: nothing like it yet. */
	d = doc_new();
	add_entry(d, "http://t/3/0", xstrdup(corpus_story[3][0].title),
	    story_html(&corpus_story[3][0]), NOW - 7200);
	ingest(s, 0, d, 5);
	it = related_of(s, "http://t/3/0", 5);
	ck_assert_int_eq(it->nrelated, 0);
	item_free(it);
	/* Three more arrive later from other sources: the list fills. */
	for (i = 1; i <= 3; i++) {
		d = doc_new();
		snprintf(link, sizeof link, "http://t/3/%d", i);
		add_entry(d, link, xstrdup(corpus_story[3][i].title),
		    story_html(&corpus_story[3][i]), NOW - 100 * i);
		ingest(s, i % 3, d, 5);
	}
	it = related_of(s, "http://t/3/0", 5);
	ck_assert_int_ge(it->nrelated, 2);
	for (i = 0; i < it->nrelated; i++)
		ck_assert_int_eq(topic_of(it->related[i].url), 3);
	item_free(it);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM related_doc WHERE "
	    "state <> 0"), 0);
	close_rm(s);
}
END_TEST

START_TEST(test_forget)
{
	struct store	*s;
	struct tpost	*p;
	char		*cause = NULL, sql[256];
	long long	 df;
	int		 i, np;

	s = open_new();
	corpus(s, 2, 4, 5);
	df = sql_int(s, "SELECT df FROM related_term WHERE term = 'arsenal'");
	ck_assert_int_eq(df, 3);
	ck_assert_int_eq(sql_int(s, "SELECT ndocs FROM related_stat"), 8);
	/* Source 0 goes with its stories: their rows and counts follow. */
	ck_assert_msg(store_feed_remove(s, "http://source0.test/feed",
	    &cause) == 0, "%s", cause);
	while (store_related_update(s, NOW, 50, 5, 0, &cause) == 1)
		;
	ck_assert_int_eq(sql_int(s, "SELECT ndocs FROM related_stat"),
	    sql_int(s, "SELECT count(*) FROM story"));
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM related_doc"),
	    sql_int(s, "SELECT count(*) FROM story"));
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM related WHERE "
	    "related_story_id NOT IN (SELECT id FROM story)"), 0);
	np = postings(s, &p);
	ck_assert_int_gt(np, 0);
	for (i = 0; i < np; i++) {
		snprintf(sql, sizeof sql, "SELECT count(*) FROM related_doc "
		    "d JOIN story s ON s.id = d.story_id WHERE d.story_id = "
		    "%lld AND d.published = %lld", p[i].story,
		    p[i].published);
		ck_assert_msg(sql_int(s, sql) == 1, "posting of story %lld",
		    p[i].story);
	}
	free(p);
	ck_assert_int_le(sql_int(s, "SELECT coalesce(max(df), 0) FROM "
	    "related_term"), sql_int(s, "SELECT count(*) FROM story"));
	ck_assert_int_lt(sql_int(s, "SELECT df FROM related_term WHERE "
	    "term = 'arsenal'"), df);
	close_rm(s);
}
END_TEST

START_TEST(test_find)
{
	struct store	*s;
	struct item	*it;
	char		 key[64], *cause = NULL;
	long long	 id, eid;

	s = open_new();
	corpus(s, 2, 3, 5);
	id = store_related_find(s, "http://t/1/2");
	ck_assert_int_gt(id, 0);
	eid = sql_int(s, "SELECT id FROM entries WHERE link = 'http://t/1/2'");
	snprintf(key, sizeof key, "%lld", eid);
	ck_assert_int_eq(store_related_find(s, key), id);
	snprintf(key, sizeof key, "urn:syndic:story:%lld", id);
	ck_assert_int_eq(store_related_find(s, key), id);
	ck_assert_int_eq(store_related_find(s, "http://nowhere/"), -1);
	ck_assert_int_eq(store_related_find(s, "999999"), -1);
	it = store_related_item(s, id, 5, &cause);
	ck_assert_ptr_nonnull(it);
	ck_assert_str_eq(it->link, "http://t/1/2");
	ck_assert_ptr_nonnull(it->source.feed_url);
	item_free(it);
	ck_assert_ptr_null(store_related_item(s, 999999, 5, &cause));
	ck_assert_ptr_nonnull(cause);
	free(cause);
	close_rm(s);
}
END_TEST

START_TEST(test_migration)
{
	struct store	*s;
	sqlite3		*db;
	char		*cause = NULL;

	/* A store of version 2 with two stories: version 3 indexes them. */
	ck_assert_int_eq(sqlite3_open(tmp_db(), &db), SQLITE_OK);
	ck_assert_int_eq(schema_migrate(db, 2, &cause), 0);
	ck_assert_int_eq(sqlite3_exec(db,
	    "INSERT INTO feeds (id, url, title) VALUES (1, 'http://o/f', 'O');"
	    "INSERT INTO entries (id, feed_id, guid, link, title, text, "
	    "content_hash, first_seen, last_seen, story_id) VALUES "
	    "(1, 1, 'g1', 'http://o/1', 'Bank holds interest rates', "
	    "'The bank held interest rates as inflation eased', 1, 1000, "
	    "1000, 1), (2, 1, 'g2', 'http://o/2', 'Interest rates on hold', "
	    "'Economists expect the bank to hold interest rates', 2, 2000, "
	    "2000, 2);"
	    "INSERT INTO story (id, entry_id, first_seen, sort_time) VALUES "
	    "(1, 1, 1000, 1000), (2, 2, 2000, 2000);", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	s = store_open(db_path, &cause);
	ck_assert_msg(s != NULL, "%s", cause);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM related_todo"), 2);
	while (store_related_update(s, NOW, 50, 5, 0, &cause) == 1)
		;
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM related_todo"), 0);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM related_doc WHERE "
	    "state = 0"), 2);
	ck_assert_int_eq(sql_int(s, "SELECT df FROM related_term WHERE "
	    "term = 'interest'"), 2);
	close_rm(s);
}
END_TEST

/*
 * corpus_once stores the first per stories of the first ntopics topics
 * over 3 sources, without related work, then runs it once (unless nrelated
 * is negative).
 */
static void
corpus_once(struct store *s, int ntopics, int per, int nrelated)
{
	struct doc	*d[3];
	char		 link[64];
	int		 t, i;

	for (i = 0; i < 3; i++)
		d[i] = doc_new();
	for (t = 0; t < ntopics; t++) {
		for (i = 0; i < per && corpus_story[t][i].title != NULL; i++) {
			snprintf(link, sizeof link, "http://t/%d/%d", t, i);
			add_entry(d[(t + i) % 3], link,
			    xstrdup(corpus_story[t][i].title),
			    story_html(&corpus_story[t][i]),
			    NOW - 3600 * (t * per + i));
		}
	}
	for (i = 0; i < 3; i++)
		ingest(s, i, d[i], -1);
	if (nrelated >= 0)
		update(s, nrelated);
}

START_TEST(test_window)
{
	struct store	*s;
	struct item	*it;
	char		*cause = NULL;
	long long	 id, commits;
	int		 j;

	/* 20 stories, a window of 2 (and the margin of 8): 10 lists. */
	s = open_new();
	show = 2;
	corpus_once(s, 4, 5, 5);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM related_doc"), 20);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM related_doc WHERE "
	    "state = 0"), 10);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM related_doc WHERE "
	    "state = 1"), 10);
	/* The computed ones are the newest, as the output shows them. */
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM related_doc p, "
	    "related_doc c WHERE p.state = 1 AND c.state = 0 AND "
	    "p.published > c.published"), 0);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM related r JOIN "
	    "related_doc d ON d.story_id = r.story_id WHERE d.state = 1"), 0);
	ck_assert_int_gt(sql_int(s, "SELECT count(*) FROM related"), 10);
	/* Nothing is left to do: no work, not even an empty transaction. */
	commits = s->commits;
	ck_assert_int_eq(store_related_update(s, NOW, show, 5, 20, &cause),
	    0);
	ck_assert_int_eq(s->commits, commits);
	/* An older story gets its list on demand, and keeps it. */
	it = related_of(s, "http://t/3/4", 5);
	ck_assert_int_eq(it->nrelated, 0);
	id = it->story_id;
	item_free(it);
	ck_assert_msg(store_related_story(s, id, NOW, 5, &cause) == 0, "%s",
	    cause);
	it = related_of(s, "http://t/3/4", 5);
	ck_assert_int_ge(it->nrelated, 2);
	for (j = 0; j < it->nrelated; j++)
		ck_assert_int_eq(topic_of(it->related[j].url), 3);
	item_free(it);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM related_doc WHERE "
	    "state = 0"), 11);
	update(s, 5);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM related_doc WHERE "
	    "state = 0"), 11);
	show = 50;
	close_rm(s);
}
END_TEST

START_TEST(test_demand_page)
{
	struct store	*s;
	struct channel	*ch, *old;
	char		*cause = NULL, sql[160];
	int		 i, j, n = 0;

	s = open_new();
	show = 2;
	corpus_once(s, 4, 5, 5);
	/* The first page is the window: every list is there. */
	ch = store_channel(s, NULL, NULL, 10, 5, &cause);
	ck_assert_msg(ch != NULL, "%s", cause);
	ck_assert_int_eq(ch->nitems, 10);
	ck_assert_ptr_nonnull(ch->next);
	for (i = 0; i < ch->nitems; i++)
		n += ch->items[i].nrelated > 0;
	ck_assert_int_ge(n, 8);
	/* The next page: lists computed now, or wanted (for later). */
	old = store_channel(s, NULL, ch->next, 10, 5, &cause);
	ck_assert_msg(old != NULL, "%s", cause);
	ck_assert_int_eq(old->nitems, 10);
	ck_assert_int_gt(old->items[0].nrelated, 0);
	for (i = 0; i < old->nitems; i++) {
		for (j = 0; j < old->items[i].nrelated; j++)
			ck_assert_int_eq(topic_of(old->items[i].related[j].url),
			    topic_of(old->items[i].link));
		/*
		 * Computed (and kept, even if a list computed after it
		 * marked it stale), or wanted.
		 */
		snprintf(sql, sizeof sql, "SELECT (SELECT state FROM "
		    "related_doc WHERE story_id = %lld) <> 1 OR EXISTS (SELECT "
		    "1 FROM related_want WHERE story_id = %lld)",
		    old->items[i].story_id, old->items[i].story_id);
		ck_assert_msg(sql_int(s, sql) == 1, "item %d story %lld", i,
		    old->items[i].story_id);
	}
	channel_free(ch);
	channel_free(old);
	/* The background work computes the wanted ones. */
	update(s, 5);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM related_want"), 0);
	ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM related_doc WHERE "
	    "state = 1"), 0);
	show = 50;
	close_rm(s);
}
END_TEST

/* How index_state indexes the corpus. */
#define BY_STORY	0	/* one batch a story */
#define AT_ONCE		1	/* one batch (its memory in batch_peak) */
#define BOUNDED		2	/* batches cut at batch_bound bytes */

static size_t	 batch_peak, batch_bound;

/*
 * index_state builds the index of the corpus (how: BY_STORY, ...), then
 * recomputes every list (which re-signs each story at the final
 * statistics), and describes the document frequencies (*df) and postings
 * (*post, *np).
 */
static void
index_state(int how, char **df, struct tpost **post, int *np)
{
	struct store	*s;
	long long	*ids;
	char		*cause = NULL;
	int		 i, n, rc, left, next, calls = 0;

	s = open_new();
	corpus_once(s, NTOPICS, MAXPER, -1);
	n = sql_int(s, "SELECT count(*) FROM related_todo");
	ck_assert_int_eq(n, 22);
	ids = xcalloc(n, sizeof *ids);
	for (i = 0; i < n; i++)
		ids[i] = i + 1;
	ck_assert_int_eq(sql_int(s, "SELECT max(story_id) FROM related_todo"),
	    n);
	if (how == BY_STORY) {
		for (i = 0; i < n; i++) {
			ck_assert_int_eq(store_begin(s, &cause), 0);
			ck_assert_msg(related_index_batch(s, &ids[i], 1,
			    &cause) == 1, "%s", cause);
			ck_assert_int_eq(store_commit(s, &cause), 0);
		}
	} else if (how == AT_ONCE) {
		ck_assert_int_eq(store_begin(s, &cause), 0);
		ck_assert_msg(related_index_batch(s, ids, n, &cause) == n,
		    "%s", cause);
		ck_assert_int_eq(store_commit(s, &cause), 0);
		batch_peak = s->rel_batch_peak;
		ck_assert_int_lt(batch_peak, 1 << 20);
	} else {
		/*
		 * Each call of store_related_update indexes one batch, cut
		 * at the first story that brings it to the bound, and leaves
		 * the rest queued.
		 */
		s->rel_batch_bytes = batch_bound;
		for (left = n; left > 0; left = next) {
			rc = store_related_update(s, NOW, 0, 5, 0, &cause);
			ck_assert_msg(rc >= 0, "%s", cause);
			calls++;
			next = sql_int(s, "SELECT count(*) FROM related_todo");
			ck_assert_int_lt(next, left);
			ck_assert_int_eq(rc, next > 0);
		}
		ck_assert_int_ge(s->rel_batch_peak, batch_bound);
		if (batch_bound <= 1)
			ck_assert_int_eq(calls, n);
		else {
			ck_assert_int_ge(calls, 2);
			ck_assert_int_lt(calls, n / 2);
			ck_assert_int_lt(s->rel_batch_peak, batch_peak);
		}
	}
	ck_assert_int_eq(sqlite3_exec(s->db, "DELETE FROM related_todo", NULL,
	    NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(sql_int(s, "SELECT ndocs FROM related_stat"), n);
	*df = sql_text(s, "SELECT term || ' ' || df FROM related_term ORDER "
	    "BY term");
	for (i = 0; i < n; i++)
		ck_assert_msg(store_related_story(s, ids[i], NOW, 5, &cause) ==
		    0, "%s", cause);
	*np = postings(s, post);
	free(ids);
	close_rm(s);
}

START_TEST(test_bulk_same)
{
	struct tpost	*p1, *pb;
	char		*df1, *dfb;
	int		 n1, nb, i, how;

	/*
	 * One batch, or batches cut by the memory bound, give the same
	 * document frequencies and postings as story by story.
	 */
	index_state(BY_STORY, &df1, &p1, &n1);
	ck_assert_int_gt(strlen(df1), 100);
	ck_assert_int_gt(n1, 22 * 10);
	for (how = AT_ONCE; how <= BOUNDED + 1; how++) {
		/* Bounded: by nine tenths of one batch, then by nothing. */
		batch_bound = how == BOUNDED ? batch_peak * 9 / 10 : 1;
		index_state(how > BOUNDED ? BOUNDED : how, &dfb, &pb, &nb);
		ck_assert_str_eq(df1, dfb);
		ck_assert_int_eq(n1, nb);
		for (i = 0; i < n1; i++) {
			ck_assert_str_eq(p1[i].term, pb[i].term);
			ck_assert_int_eq(p1[i].story, pb[i].story);
			ck_assert_int_eq(p1[i].published, pb[i].published);
			ck_assert_msg(p1[i].w - pb[i].w < 0.1 &&
			    pb[i].w - p1[i].w < 0.1, "%s %lld: %.3f %.3f",
			    p1[i].term, p1[i].story, p1[i].w, pb[i].w);
		}
		free(dfb);
		free(pb);
	}
	free(df1);
	free(p1);
}
END_TEST

/*
 * write_feeds writes the first ntopics topics (five stories each) dealt
 * over two RSS files of dir, and a configuration (with [output] items,
 * unless 0).
 */
static void
write_feeds(const char *dir, char *conf, size_t len, int ntopics, int items)
{
	FILE	*fp[2];
	char	 path[512];
	int	 t, i, f;

	snprintf(conf, len, "%s/syndic.conf", dir);
	fp[0] = fopen(conf, "w");
	ck_assert_ptr_nonnull(fp[0]);
	fprintf(fp[0], "[syndic]\ndatabase = %s/s.db\n[output]\nrelated = "
	    "3\n", dir);
	if (items > 0)
		fprintf(fp[0], "items = %d\n", items);
	for (f = 0; f < 2; f++)
		fprintf(fp[0], "[feed \"file://%s/f%d.xml\"]\n", dir, f);
	fclose(fp[0]);
	for (f = 0; f < 2; f++) {
		snprintf(path, sizeof path, "%s/f%d.xml", dir, f);
		fp[f] = fopen(path, "w");
		ck_assert_ptr_nonnull(fp[f]);
		fprintf(fp[f], "<?xml version=\"1.0\"?><rss version=\"2.0\">"
		    "<channel><title>Source %d</title><link>http://s%d/</link>"
		    "<description>d</description>", f, f);
	}
	for (t = 0; t < ntopics; t++) {
		for (i = 0; i < 5; i++) {
			f = (t + i) % 2;
			fprintf(fp[f], "<item><title>%s</title><link>"
			    "http://t/%d/%d</link><pubDate>Mon, 13 Nov 2023 "
			    "1%d:00:00 +0000</pubDate><description>%s"
			    "</description></item>", corpus_story[t][i].title,
			    t, i, i, corpus_story[t][i].text);
		}
	}
	for (f = 0; f < 2; f++) {
		fprintf(fp[f], "</channel></rss>\n");
		fclose(fp[f]);
	}
}

START_TEST(test_cli)
{
	char	*dir, conf[512], *out = NULL, *err = NULL;
	char	*poll[] = { (char *)h_syndic(), "-c", conf, "poll", "--all",
		    NULL };
	char	*rel[] = { (char *)h_syndic(), "-c", conf, "related",
		    "http://t/1/2", NULL };
	char	*json[] = { (char *)h_syndic(), "-c", conf, "related",
		    "--json", "http://t/1/2", NULL };
	char	*none[] = { (char *)h_syndic(), "-c", conf, "related",
		    "http://nowhere/", NULL };

	dir = h_tmpdir();
	write_feeds(dir, conf, sizeof conf, 2, 0);
	/*
	 * The real pipeline: poll leaves the related index for later;
	 * related indexes the waiting stories before it computes a list.
	 */
	ck_assert_int_eq(h_run(poll, NULL, &out, &err), 0);
	free(out);
	free(err);
	ck_assert_int_eq(h_run(rel, NULL, &out, &err), 0);
	ck_assert_msg(strstr(out, "Liberal Democrats target") != NULL, "%s",
	    out);
	ck_assert_ptr_nonnull(strstr(out, "You might also like"));
	ck_assert_ptr_nonnull(strstr(out, "http://t/1/"));
	ck_assert_ptr_null(strstr(out, "http://t/0/"));
	free(out);
	free(err);
	ck_assert_int_eq(h_run(json, NULL, &out, &err), 0);
	ck_assert_ptr_nonnull(strstr(out, "\"related\": ["));
	ck_assert_ptr_nonnull(strstr(out, "\"score\": 0."));
	ck_assert_ptr_nonnull(strstr(out, "\"source\": \"Source "));
	free(out);
	free(err);
	ck_assert_int_ne(h_run(none, NULL, &out, &err), 0);
	ck_assert_ptr_nonnull(strstr(err, "no such entry"));
	free(out);
	free(err);
	h_cleanup(dir);
	free(dir);
}
END_TEST

/* db_int runs a one-number query on the store of a directory. */
static long long
db_int(const char *dir, const char *sql)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	char		 path[512];
	long long	 v = -1;

	snprintf(path, sizeof path, "%s/s.db", dir);
	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return (v);
}

/* count_of counts the occurrences of what in s. */
static int
count_of(const char *s, const char *what)
{
	const char	*p;
	int		 n = 0;

	for (p = s; (p = strstr(p, what)) != NULL; p++)
		n++;
	return (n);
}

/* rm_store removes the store of a directory. */
static void
rm_store(const char *dir)
{
	static const char	*ext[] = { "", "-wal", "-shm" };
	char			 path[512];
	size_t			 i;

	for (i = 0; i < sizeof ext / sizeof *ext; i++) {
		snprintf(path, sizeof path, "%s/s.db%s", dir, ext[i]);
		unlink(path);
	}
}

START_TEST(test_cli_window)
{
	char	*dir, conf[512], *out = NULL, *err = NULL, *eager;
	char	*poll[] = { (char *)h_syndic(), "-c", conf, "poll", "--all",
		    NULL };
	char	*polli[] = { (char *)h_syndic(), "-c", conf, "poll", "--all",
		    "--index", NULL };
	char	*pub[] = { (char *)h_syndic(), "-c", conf, "publish", NULL };
	char	*rel[] = { (char *)h_syndic(), "-c", conf, "related",
		    "http://t/3/0", NULL };
	char	*idx[] = { (char *)h_syndic(), "-c", conf, "index", NULL };

	dir = h_tmpdir();
	/* 20 stories; the output shows 2: poll --index computes 2 + 8. */
	write_feeds(dir, conf, sizeof conf, 4, 2);
	ck_assert_int_eq(h_run(polli, NULL, &out, &err), 0);
	ck_assert_msg(strstr(out, "related: ") != NULL, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "full-text index: "));
	ck_assert_ptr_null(strstr(out, "left for later"));
	free(out);
	free(err);
	ck_assert_int_eq(db_int(dir, "SELECT count(*) FROM related_doc WHERE "
	    "state = 0"), 10);
	ck_assert_int_eq(db_int(dir, "SELECT count(*) FROM fts_todo"), 0);
	ck_assert_int_eq(h_run(pub, NULL, &out, &err), 0);
	eager = out;
	free(err);
	ck_assert_msg(count_of(eager, "rel=\"related\"") >= 2, "%s", eager);

	/* A plain poll leaves both indexes for later, and says so. */
	rm_store(dir);
	ck_assert_int_eq(h_run(poll, NULL, &out, &err), 0);
	ck_assert_msg(strstr(out, "left for later: 20 stories to index for "
	    "related stories, 20 for full-text search") != NULL, "%s", out);
	ck_assert_ptr_null(strstr(out, "related: "));
	free(out);
	free(err);
	ck_assert_int_eq(db_int(dir, "SELECT count(*) FROM related_todo"), 20);
	ck_assert_int_eq(db_int(dir, "SELECT count(*) FROM related_doc"), 0);
	ck_assert_int_eq(db_int(dir, "SELECT count(*) FROM fts_todo"), 20);
	/*
	 * publish indexes the waiting stories before it computes the lists
	 * it shows: the same feed, byte for byte, as after poll --index.
	 */
	ck_assert_int_eq(h_run(pub, NULL, &out, &err), 0);
	ck_assert_msg(strcmp(out, eager) == 0, "publish after a plain poll "
	    "is not what it is after poll --index");
	ck_assert_ptr_nonnull(strstr(out, "You might also like"));
	free(out);
	free(err);
	free(eager);
	ck_assert_int_eq(db_int(dir, "SELECT count(*) FROM related_todo"), 0);
	ck_assert_int_eq(db_int(dir, "SELECT count(*) FROM related_doc"), 20);
	ck_assert_int_eq(db_int(dir, "SELECT count(*) FROM related_doc WHERE "
	    "state = 0"), 10);
	ck_assert_int_eq(db_int(dir, "SELECT count(*) FROM related_doc p, "
	    "related_doc c WHERE p.state > 0 AND c.state = 0 AND "
	    "p.published > c.published"), 0);
	/* An older story (of the oldest hour) gets one on demand. */
	ck_assert_int_eq(db_int(dir, "SELECT d.state FROM related_doc d JOIN "
	    "entries e ON e.story_id = d.story_id WHERE e.link = "
	    "'http://t/3/0'"), 1);
	ck_assert_int_eq(h_run(rel, NULL, &out, &err), 0);
	ck_assert_msg(strstr(out, "http://t/3/") != NULL, "%s", out);
	ck_assert_ptr_null(strstr(out, "http://t/0/"));
	free(out);
	free(err);
	ck_assert_int_eq(db_int(dir, "SELECT d.state FROM related_doc d JOIN "
	    "entries e ON e.story_id = d.story_id WHERE e.link = "
	    "'http://t/3/0'"), 0);
	/* Full-text search waits for syndic index (or the daemon). */
	ck_assert_int_eq(db_int(dir, "SELECT count(*) FROM fts_todo"), 20);
	ck_assert_int_eq(h_run(idx, NULL, &out, &err), 0);
	ck_assert_msg(strstr(out, "full-text index: ") != NULL, "%s", out);
	free(out);
	free(err);
	ck_assert_int_eq(db_int(dir, "SELECT count(*) FROM fts_todo"), 0);
	ck_assert_int_gt(db_int(dir, "SELECT count(*) FROM story_fts WHERE "
	    "story_fts MATCH 'liberal'"), 0);
	h_cleanup(dir);
	free(dir);
}
END_TEST

static Suite *
related_suite(void)
{
	Suite	*su;
	TCase	*tc;

	su = suite_create("related");
	tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_neighbours);
	tcase_add_test(tc, test_no_duplicates);
	tcase_add_test(tc, test_summary_copy);
	tcase_add_test(tc, test_source_cap);
	tcase_add_test(tc, test_threshold);
	tcase_add_test(tc, test_refresh);
	tcase_add_test(tc, test_forget);
	tcase_add_test(tc, test_find);
	tcase_add_test(tc, test_migration);
	tcase_add_test(tc, test_cli);
	tcase_add_test(tc, test_window);
	tcase_add_test(tc, test_demand_page);
	tcase_add_test(tc, test_bulk_same);
	tcase_add_test(tc, test_cli_window);
	suite_add_tcase(su, tc);
	return (su);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(related_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? 0 : 1);
}
