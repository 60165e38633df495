/*
 * sched.c: the scheduler.  It decides which feeds to fetch and when, keeps
 * to the politeness limits while fetching them, and turns each outcome
 * into a stored update and the feed's next poll time.
 *
 * Due feeds (next_poll <= now in the store) wait in one queue per site
 * (registrable domain).  The pump starts fetches round-robin over the
 * sites while the global `concurrency` allows, at most `per_site` at once
 * per site and `site_delay` apart.  A finished fetch is parsed on the loop
 * and handed to the writer thread (writer.c), which stores it in one
 * transaction (store_update); the loop goes on fetching and parsing
 * meanwhile, and takes the result back (sched_stored: metrics, the
 * "store in trouble" pause, the pump).  An outcome without a document (a
 * 304, an unchanged body, a failure) waits up to SCHED_FLUSH_MS to be
 * stored with the others of that moment in one transaction
 * (store_feed_records): a conditional pass over thousands of feeds is
 * then a few commits, not one per feed.
 *
 * A feed stays busy (in s->busy, never queued again) until the writer has
 * stored its outcome, so that the schedule read back from the store
 * (sched_tick, sched_arm, through the loop's own connection) never sees a
 * feed whose new next poll is not committed yet.  Backpressure: while
 * SCHED_DOCS_MAX parsed documents, or documents parsed from
 * SCHED_DOCS_BYTES of bodies, wait for the writer, no transfer starts, so
 * what waits in memory is bounded by that plus the transfers in flight.
 * The writer stores what waits in one transaction (up to WRITER_BATCH):
 * in a cold pass, where the writer is the bottleneck, dozens of feeds a
 * commit, each index page of the commit written to the log once for all.
 * The background store work (full-text batches, related slices, retention,
 * the subscriptions of a reloaded configuration) goes through the writer
 * too: the loop itself never writes to the store.
 *
 * Next poll: the interval (configured per feed, or adapted from how often
 * the feed publishes, or lengthened while it does not change), raised by
 * the feed's own hints (RSS ttl, sy:updatePeriod/Frequency, Cache-Control
 * max-age, Expires), clamped to [min_interval, max_interval], spread with
 * jitter, moved out of skipHours/skipDays.  The hints are stored on the
 * feed (struct feed_hints), so a 304, which has no document, keeps them.  Failures back off
 * exponentially (with jitter, capped at max_interval, reset by a success);
 * 429 and 503 wait at least their Retry-After; 410 retires the feed; a
 * permanent redirect that holds SCHED_MOVE_HOLD polls moves the feed.
 */
#include <sys/queue.h>

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/event.h>

#include "clock.h"
#include "daemon.h"
#include "feeds.h"
#include "log.h"
#include "storage.h"
#include "xmalloc.h"

/* Polls a permanent redirect must hold before the feed's URL changes. */
#define SCHED_MOVE_HOLD		3
/* The longest Retry-After we honour, and the period of the store check. */
#define SCHED_RETRY_MAX		(7 * 86400LL)
#define SCHED_WAKE_MAX		2
#define SCHED_RETENTION_EVERY	3600	/* seconds between retention runs */
/* A slice of related-stories work, and the wait that gathers a batch. */
#define SCHED_RELATED_MS	50	/* on the writer: not a loop stall */
#define SCHED_RELATED_GATHER_MS	200
#define SCHED_FTS_BATCH		200	/* stories full-text indexed a slice */
/* Entries looked at to estimate how often a feed publishes. */
#define SCHED_RATE_SAMPLE	20
/* Outcomes without a document are stored together, this late at most. */
#define SCHED_FLUSH_MS		100
#define SCHED_FLUSH_MAX		1024
/*
 * Parsed documents that may wait for the writer before fetching pauses:
 * this many, from this many bytes of bodies at most (a waiting document,
 * prepared, takes about twice its body).  The more wait, the more feeds
 * one commit stores, and the fewer times the pages of the time-ordered
 * and URL indexes are written: a cold pass of 10,000 feeds wrote 10.7 GB
 * for a 2.3 GB store with 4 (every commit rewrote hundreds of index
 * pages), 6.6 GB with up to 64 within 6 MiB (peak RSS 63 MiB), 7.1 GB
 * within 3 MiB (55 MiB) and 7.3 GB within 2 MiB (52 MiB); with URL keys
 * by site (store_url_key) in all three.
 */
#define SCHED_DOCS_MAX		64
#define SCHED_DOCS_BYTES	((size_t)3 * 1024 * 1024)

/* A small string-keyed hash table (sites, busy feeds, configured feeds). */
struct smap_slot {
	char		*key;
	void		*val;
};
struct smap {
	struct smap_slot *slots;
	size_t		  cap;
	size_t		  n;
};

struct site;

/* A fetch outcome waiting to be stored (strings of its own). */
struct spend {
	long long		 id;
	struct sfeed		*f;		/* busy until stored */
	struct fetch_record	 rec;		/* strings point to str[] */
	char			*str[6];
};

/* What a store job does on the writer thread. */
enum sjob_kind {
	SJOB_UPDATE,		/* a document and its fetch record */
	SJOB_RECORDS,		/* outcomes without documents, together */
	SJOB_FTS,		/* a full-text batch */
	SJOB_RELATED,		/* a slice of related-stories work */
	SJOB_RETENTION,		/* max_age and max_entries */
	SJOB_SUBSCRIBE,		/* the feeds of a reloaded configuration */
	SJOB_DEFERRED		/* what the loop's connection handed over */
};

/* A job for the writer (writer.c) and what it needs and gives back. */
struct sjob {
	struct writer_job	 wj;		/* first: the writer's part */
	struct sched		*s;
	enum sjob_kind		 kind;
	/* SJOB_UPDATE */
	struct spend		 one;
	struct doc		*doc;
	struct store_prep	*prep;		/* store_prepare(doc) */
	size_t			 doc_bytes;	/* its body's bytes */
	int			 had_doc;
	struct ingest_stats	 st;
	int			 removed;	/* the feed is gone meanwhile */
	/* SJOB_RECORDS */
	struct spend		*pend;
	int			 npend;
	int			 missing;
	/* SJOB_RELATED, SJOB_RETENTION */
	long long		 now;
	int			 items;
	int			 nrelated;
	long long		 max_age;
	int			 max_entries;
	/* SJOB_SUBSCRIBE: url, title (or NULL), tags, per configured feed */
	char			**subs;
	int			 nsubs;
	/* SJOB_DEFERRED */
	struct store_deferred	*dfr;
};

/* A feed queued or being fetched. */
struct sfeed {
	struct sched		*s;
	struct site		*site;
	struct feed_row		 row;
	long long		 conf_interval;	/* 0: none configured */
	int			 allow_file;
	char			 key[24];	/* the id, for the busy map */
	TAILQ_ENTRY(sfeed)	 entry;
};
TAILQ_HEAD(sfeeds, sfeed);

/* A registrable domain and the feeds waiting for it. */
struct site {
	char			*name;		/* "" for file:// */
	int			 active;
	long long		 last_ms;	/* start of the last request */
	struct sfeeds		 queue;
	int			 ready;		/* on s->ready */
	TAILQ_ENTRY(site)	 rentry;
};
TAILQ_HEAD(sites, site);

struct sched {
	struct event_base	*base;
	struct config		*conf;
	struct store		*store;		/* the loop's: reads only */
	struct writer		*writer;	/* every write */
	struct fetch		*fetch;
	int			 flags;
	struct smap		 sites;
	struct smap		 busy;
	struct smap		 conf_feeds;
	struct sites		 ready;
	int			 active;
	int			 queued;
	struct event		*wake;
	struct event		*pump;
	long long		 version;
	int			 stopped;
	long long		 pause_until;	/* store trouble: wait */
	long long		 retained;	/* last store_retention */
	struct sched_metrics	 m;

	/* Feeds and failing feeds, recounted now and then, for STATUS=. */
	int			 nfeeds;
	int			 nfailing;
	long long		 counted_at;
	void			(*hook)(void *);
	void			*hook_arg;

	struct event		*related;	/* related-stories work */

	struct spend		*pend;		/* outcomes not stored yet */
	int			 npend;
	int			 pendcap;
	struct event		*flush;
	struct event		*fts;		/* full-text indexing */

	int			 storing;	/* feeds the writer has */
	int			 docs;		/* of them, with a document */
	size_t			 doc_bytes;	/* their bodies' bytes */
	int			 fts_busy;	/* a job of that kind is out */
	int			 related_busy;
	long long		 store_us;	/* writer time, all jobs */
	long long		 wait_from;	/* idle for the writer since */
};

static void	sched_pump(struct sched *);
static void	sched_arm(struct sched *);
static void	sched_related(struct sched *, long long);
static void	sched_flush(struct sched *);
static void	sched_fts(struct sched *, long long);
static void	sched_submit(struct sched *, struct sjob *);
static int	sched_subscribe_list(struct store *, char **, int, char **);

/* smap_hash is FNV-1a over a string. */
static size_t
smap_hash(const char *s)
{
	uint64_t	h = 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return ((size_t)h);
}

/* smap_slot finds the slot of key, or the empty slot where it would go. */
static struct smap_slot *
smap_slot(struct smap *m, const char *key)
{
	size_t	i;

	i = smap_hash(key) & (m->cap - 1);
	while (m->slots[i].key != NULL && strcmp(m->slots[i].key, key) != 0)
		i = (i + 1) & (m->cap - 1);
	return (&m->slots[i]);
}

static void *
smap_get(struct smap *m, const char *key)
{
	struct smap_slot	*sl;

	if (m->cap == 0)
		return (NULL);
	sl = smap_slot(m, key);
	return (sl->key != NULL ? sl->val : NULL);
}

static void
smap_put(struct smap *m, const char *key, void *val)
{
	struct smap_slot	*old, *sl;
	size_t			 oldcap, i;

	if (m->n * 2 >= m->cap) {
		old = m->slots;
		oldcap = m->cap;
		m->cap = oldcap ? oldcap * 2 : 64;
		m->slots = xcalloc(m->cap, sizeof *m->slots);
		for (i = 0; i < oldcap; i++) {
			if (old[i].key != NULL)
				*smap_slot(m, old[i].key) = old[i];
		}
		free(old);
	}
	sl = smap_slot(m, key);
	if (sl->key == NULL) {
		sl->key = xstrdup(key);
		m->n++;
	}
	sl->val = val;
}

/* smap_del removes key, re-placing the entries after it (linear probing). */
static void
smap_del(struct smap *m, const char *key)
{
	struct smap_slot	*sl, moved;
	size_t			 i;

	if (m->cap == 0 || (sl = smap_slot(m, key))->key == NULL)
		return;
	free(sl->key);
	sl->key = NULL;
	m->n--;
	i = (size_t)(sl - m->slots);
	for (i = (i + 1) & (m->cap - 1); m->slots[i].key != NULL;
	    i = (i + 1) & (m->cap - 1)) {
		moved = m->slots[i];
		m->slots[i].key = NULL;
		*smap_slot(m, moved.key) = moved;
	}
}

/* smap_clear empties the map, freeing values with fn when not NULL. */
static void
smap_clear(struct smap *m, void (*fn)(void *))
{
	size_t	i;

	for (i = 0; i < m->cap; i++) {
		if (m->slots[i].key == NULL)
			continue;
		if (fn != NULL)
			fn(m->slots[i].val);
		free(m->slots[i].key);
	}
	free(m->slots);
	memset(m, 0, sizeof *m);
}

/* sched_now_ms is a monotonic clock in milliseconds. */
static long long
sched_now_ms(void)
{
	return (clock_mono_us() / 1000);
}

/* sched_jitter returns v scaled by a random factor in [1 - f, 1 + f]. */
static long long
sched_jitter(long long v, double f)
{
	double	r = (double)random() / RAND_MAX;

	return ((long long)(v * (1 - f + 2 * f * r) + 0.5));
}

static long long
sched_clamp(long long v, long long lo, long long hi)
{
	if (v < lo)
		return (lo);
	if (v > hi)
		return (hi);
	return (v);
}

/* sched_conf_map indexes the configured feeds by URL. */
static void
sched_conf_map(struct sched *s)
{
	int	i;

	smap_clear(&s->conf_feeds, NULL);
	for (i = 0; i < s->conf->nfeeds; i++)
		smap_put(&s->conf_feeds, s->conf->feeds[i].url,
		    &s->conf->feeds[i]);
}


/* sched_site returns the site of a URL, made on first use. */
static struct site *
sched_site(struct sched *s, const char *url)
{
	struct site	*site;
	char		*name;

	if (strncasecmp(url, "file:", 5) == 0)
		name = xstrdup("");
	else if ((name = url_site(url)) == NULL)
		name = xstrdup("?");
	if ((site = smap_get(&s->sites, name)) == NULL) {
		site = xcalloc(1, sizeof *site);
		site->name = name;
		site->last_ms = -1000000;
		TAILQ_INIT(&site->queue);
		smap_put(&s->sites, name, site);
	} else
		free(name);
	return (site);
}

static void
sched_site_free(void *arg)
{
	struct site	*site = arg;

	free(site->name);
	free(site);
}

/* sched_sfeed_free forgets a feed that is done (or dropped). */
static void
sched_sfeed_free(struct sfeed *f)
{
	smap_del(&f->s->busy, f->key);
	feed_row_clear(&f->row);
	free(f);
}

/* sched_enqueue queues a feed row (taken) unless it is already busy. */
static int
sched_enqueue(struct sched *s, struct feed_row *row)
{
	struct sfeed		*f;
	struct feed_conf	*fc;
	char			 key[24];

	snprintf(key, sizeof key, "%lld", row->id);
	if (row->retired || smap_get(&s->busy, key) != NULL) {
		feed_row_clear(row);
		return (0);
	}
	f = xcalloc(1, sizeof *f);
	f->s = s;
	f->row = *row;
	memset(row, 0, sizeof *row);
	memcpy(f->key, key, sizeof f->key);
	if ((fc = smap_get(&s->conf_feeds, f->row.url)) != NULL) {
		f->conf_interval = fc->interval;
		f->allow_file = 1;
	}
	f->site = sched_site(s, f->row.url);
	smap_put(&s->busy, key, f);
	TAILQ_INSERT_TAIL(&f->site->queue, f, entry);
	if (!f->site->ready) {
		f->site->ready = 1;
		TAILQ_INSERT_TAIL(&s->ready, f->site, rentry);
	}
	s->queued++;
	return (1);
}

/* sched_charset finds the charset parameter of a Content-Type. */
static char *
sched_charset(const char *type)
{
	const char	*p;
	size_t		 n;

	if (type == NULL || (p = strcasestr(type, "charset=")) == NULL)
		return (NULL);
	p += 8;
	if (*p == '"')
		p++;
	n = strcspn(p, "\"; \t");
	if (n == 0 || n > 40)
		return (NULL);
	return (xstrndup(p, n));
}

static int
sched_cmp_ll(const void *a, const void *b)
{
	long long	x = *(const long long *)a, y = *(const long long *)b;

	return (x < y ? 1 : x > y ? -1 : 0);
}

/*
 * sched_rate estimates how often a feed publishes, in seconds, from the
 * dates of its newest entries; -1 when it cannot tell.  A feed silent for
 * longer than its usual gap counts as publishing that rarely.
 */
static long long
sched_rate(const struct doc *d, long long now)
{
	long long	*t, v, gap;
	int		 i, n = 0;

	if (d->nentries < 2)
		return (-1);
	t = xreallocarray(NULL, d->nentries, sizeof *t);
	for (i = 0; i < d->nentries; i++) {
		v = d->entries[i].published;
		if (v == TIME_UNKNOWN)
			v = d->entries[i].updated;
		if (v != TIME_UNKNOWN && v <= now + 86400)
			t[n++] = v;
	}
	if (n < 2) {
		free(t);
		return (-1);
	}
	qsort(t, n, sizeof t[0], sched_cmp_ll);
	if (n > SCHED_RATE_SAMPLE)
		n = SCHED_RATE_SAMPLE;
	gap = (t[0] - t[n - 1]) / (n - 1);
	if (now - t[0] > gap)
		gap = now - t[0];
	free(t);
	return (gap);
}

/*
 * sched_hints gives the hints to follow after a success: the stored ones
 * (a 304 or an unchanged body says nothing new), the document's when there
 * is one, and the response's freshness (max-age, else Expires) when it
 * states one; a full response that states none clears it.
 */
static void
sched_hints(const struct sfeed *f, const struct fetch_result *r,
    const struct doc *d, long long now, struct feed_hints *h)
{
	long long	life = -1;

	*h = f->row.hints;
	if (d != NULL) {
		h->ttl = d->ttl_minutes > 0 ? d->ttl_minutes * 60LL : 0;
		h->update = d->sy_period_seconds > 0 ? d->sy_period_seconds /
		    (d->sy_frequency > 0 ? d->sy_frequency : 1) : 0;
		h->skip_hours = d->skip_hours & 0xffffff;
		h->skip_days = d->skip_days & 0x7f;
	}
	if (r->max_age >= 0)
		life = r->max_age;
	else if (r->expires != -1)
		life = r->expires > now ? r->expires - now : 0;
	if (life >= 0)
		h->cache = life;
	else if (r->outcome == FETCH_OK)
		h->cache = 0;
}

/* sched_skip moves t out of the feed's skipHours and skipDays (GMT). */
static long long
sched_skip(const struct feed_hints *h, long long t)
{
	struct tm	tm;
	time_t		tt;
	int		i;

	if (h->skip_hours == 0 && h->skip_days == 0)
		return (t);
	for (i = 0; i < 8 * 24; i++) {
		tt = (time_t)t;
		gmtime_r(&tt, &tm);
		if (!(h->skip_hours & (1U << tm.tm_hour)) &&
		    !(h->skip_days & (1U << tm.tm_wday)))
			return (t);
		t += 3600 - (t % 3600);		/* the next whole hour */
	}
	return (t);
}

/*
 * sched_interval gives the polling interval after a success: the
 * configured one for a feed that has it; otherwise adapted: from the
 * publishing rate when the document is new, lengthened by a quarter while
 * nothing changes; raised by the feed's ttl and sy:update hints (stored,
 * so that they hold across 304s too).
 */
static long long
sched_interval(struct sched *s, struct sfeed *f, const struct doc *d,
    const struct feed_hints *h, int changed)
{
	struct config	*c = s->conf;
	long long	 base, cur, v, rate;

	base = f->conf_interval > 0 ? f->conf_interval : c->interval;
	if (f->conf_interval > 0)
		cur = base;
	else {
		cur = f->row.interval > 0 ? f->row.interval : base;
		if (d != NULL && changed &&
		    (rate = sched_rate(d, time(NULL))) > 0)
			cur = rate / 2;
		else if (!changed && cur < 4 * base) {
			/* Unchanged: slow down, up to four times the base. */
			cur += cur / 4;
			if (cur > 4 * base)
				cur = 4 * base;
		}
	}
	if ((v = h->ttl) > cur)
		cur = v;
	if ((v = h->update) > cur)
		cur = v;
	return (sched_clamp(cur, c->min_interval, c->max_interval));
}

/*
 * sched_next_ok gives the next poll after a success: the interval with
 * jitter, not before the freshness lifetime is over, out of the skipped
 * hours and days.
 */
static long long
sched_next_ok(struct sched *s, long long now, long long interval,
    const struct feed_hints *h)
{
	struct config	*c = s->conf;
	long long	 next, v;

	next = now + sched_clamp(sched_jitter(interval, 0.1), c->min_interval,
	    c->max_interval);
	if (h->cache > 0) {
		v = now + sched_clamp(h->cache, 0, c->max_interval);
		if (v > next)
			next = v;
	}
	return (sched_skip(h, next));
}

/* sched_next_fail gives the next poll after the n-th failure in a row. */
static long long
sched_next_fail(struct sched *s, struct sfeed *f, long long now, int n,
    long long retry_after)
{
	struct config	*c = s->conf;
	long long	 base, delay;
	int		 i;

	base = f->row.interval > 0 ? f->row.interval : (f->conf_interval > 0 ?
	    f->conf_interval : c->interval);
	base = sched_clamp(base, c->min_interval, c->max_interval);
	delay = base;
	for (i = 1; i < n && delay < c->max_interval; i++)
		delay *= 2;
	delay = sched_clamp(sched_jitter(delay, 0.25), c->min_interval,
	    c->max_interval);
	if (retry_after > 0) {
		/* Not a second earlier than the server asked. */
		retry_after = sched_clamp(retry_after, 1, SCHED_RETRY_MAX);
		delay = retry_after + (long long)(retry_after * 0.1 *
		    ((double)random() / RAND_MAX));
	}
	return (now + delay);
}

/* sched_moved tracks a permanent redirect until it has held long enough. */
static void
sched_moved(struct sched *s, struct sfeed *f, const struct fetch_result *r,
    struct fetch_record *rec)
{
	char	 u1[256], u2[256];

	if (r->moved_to == NULL)
		return;
	if (f->row.moved_to != NULL && strcmp(f->row.moved_to,
	    r->moved_to) == 0)
		rec->moved_count = f->row.moved_count + 1;
	else
		rec->moved_count = 1;
	rec->moved_to = r->moved_to;
	if (rec->moved_count < SCHED_MOVE_HOLD)
		return;
	log_escape(u1, sizeof u1, f->row.url);
	log_escape(u2, sizeof u2, r->moved_to);
	if (f->row.origin == FEED_ORIGIN_CONFIG) {
		/* The file names the feed; only its author may move it. */
		if (rec->moved_count == SCHED_MOVE_HOLD)
			log_warnx("feed %s moved permanently to %s: update the "
			    "configuration file", u1, u2);
		return;
	}
	if (store_feed_find(s->store, r->moved_to) != -1) {
		log_info("feed %s moved to %s, already subscribed: retired",
		    u1, u2);
		rec->retire = 1;
	} else {
		log_info("feed %s moved permanently to %s", u1, u2);
		rec->new_url = r->moved_to;
	}
	rec->moved_to = NULL;
	rec->moved_count = 0;
}

/*
 * sched_parse parses a fetched body; NULL with *error set when it is not
 * a feed (an HTML page is named as such).
 */
static struct doc *
sched_parse(struct sched *s, const struct fetch_result *r, char **error)
{
	struct doc	*d;
	char		*charset;
	long long	 t0 = sched_now_ms(), c0 = clock_thread_cpu_us();

	charset = sched_charset(r->content_type);
	/*
	 * No PARSE_SANITIZE: sanitizing costs ten times the parse, so the
	 * store keeps the HTML as received and sanitizes an entry once per
	 * revision, when it is first published (storage/html.c).
	 */
	d = parse_document(r->body, r->len, r->final_url, charset, 0);
	free(charset);
	s->m.parse_ms += sched_now_ms() - t0;
	s->m.parse_cpu_us += clock_thread_cpu_us() - c0;
	if (d->format != FORMAT_UNKNOWN)
		return (d);
	if (discover_is_html(r->content_type, r->body, r->len))
		*error = xstrdup("an HTML page, not a feed");
	else
		xasprintf(error, "not a feed: %s", d->nerrors > 0 ?
		    d->errors[0] : "unknown format");
	doc_free(d);
	return (NULL);
}

/* sched_log_change logs a feed's first failure and its recovery. */
static void
sched_log_change(struct sfeed *f, const char *error)
{
	char	u[256], e[256];

	log_escape(u, sizeof u, f->row.url);
	if (error != NULL && f->row.failures == 0) {
		log_escape(e, sizeof e, error);
		log_warnx("feed %s: %s", u, e);
	} else if (error == NULL && f->row.failures > 0)
		log_info("feed %s: recovered after %d failures", u,
		    f->row.failures);
}

/* sched_keep copies a record's borrowed strings into p (and the record). */
static void
sched_keep(struct spend *p, long long id, struct sfeed *f,
    const struct fetch_record *rec)
{
	const char	*v[6];
	int		 i;

	v[0] = rec->error;
	v[1] = rec->etag;
	v[2] = rec->last_modified;
	v[3] = rec->body_hash;
	v[4] = rec->moved_to;
	v[5] = rec->new_url;
	for (i = 0; i < 6; i++)
		p->str[i] = v[i] != NULL ? xstrdup(v[i]) : NULL;
	p->id = id;
	p->f = f;
	p->rec = *rec;
	p->rec.error = p->str[0];
	p->rec.etag = p->str[1];
	p->rec.last_modified = p->str[2];
	p->rec.body_hash = p->str[3];
	p->rec.moved_to = p->str[4];
	p->rec.new_url = p->str[5];
}

/* sched_unkeep frees the strings of a kept record. */
static void
sched_unkeep(struct spend *p)
{
	int	i;

	for (i = 0; i < 6; i++)
		free(p->str[i]);
}

/* sched_job_run runs a store job on the writer thread (writer.c). */
static int
sched_job_run(struct store *st, struct writer_job *wj)
{
	struct sjob		*j = (struct sjob *)wj;
	struct fetch_record	*recs;
	long long		*ids;
	int			 i, rc = 0;

	switch (j->kind) {
	case SJOB_UPDATE:
		/* Never: feed updates run together (run_many). */
		abort();
	case SJOB_RECORDS:
		ids = xreallocarray(NULL, j->npend, sizeof *ids);
		recs = xreallocarray(NULL, j->npend, sizeof *recs);
		for (i = 0; i < j->npend; i++) {
			ids[i] = j->pend[i].id;
			recs[i] = j->pend[i].rec;
		}
		rc = store_feed_records(st, ids, recs, j->npend, &j->missing,
		    &wj->cause);
		free(ids);
		free(recs);
		break;
	case SJOB_FTS:
		rc = store_fts_update(st, SCHED_FTS_BATCH, &wj->cause);
		break;
	case SJOB_RELATED:
		rc = store_related_update(st, j->now, j->items, j->nrelated,
		    SCHED_RELATED_MS, &wj->cause);
		break;
	case SJOB_RETENTION:
		rc = store_retention(st, j->max_age, j->max_entries, j->items,
		    j->now, &wj->cause);
		break;
	case SJOB_SUBSCRIBE:
		rc = sched_subscribe_list(st, j->subs, j->nsubs, &wj->cause);
		break;
	case SJOB_DEFERRED:
		rc = store_deferred_run(st, j->dfr, &wj->cause);
		break;
	}
	return (rc);
}

/*
 * sched_job_run_updates runs queued feed updates (SJOB_UPDATE) as one
 * transaction on the writer thread (store_update_many: one that fails
 * is rolled back alone).
 */
static void
sched_job_run_updates(struct store *st, struct writer_job **wj, int n)
{
	struct store_update_req	*r;
	struct sjob		*j;
	int			 i;

	r = xcalloc(n, sizeof *r);
	for (i = 0; i < n; i++) {
		j = (struct sjob *)wj[i];
		r[i].feed_id = j->one.id;
		r[i].rec = &j->one.rec;
		r[i].doc = j->doc;
		r[i].prep = j->prep;
		r[i].now = j->one.rec.when;
	}
	store_update_many(st, r, n);
	for (i = 0; i < n; i++) {
		j = (struct sjob *)wj[i];
		j->st = r[i].stats;
		wj[i]->rc = r[i].rc;
		wj[i]->cause = r[i].cause;
		/* Free the documents here, as soon as they are stored. */
		store_prep_free(j->prep);
		j->prep = NULL;
		doc_free(j->doc);
		j->doc = NULL;
		if (r[i].rc == -1)
			j->removed = store_feed_find(st, j->one.f->row.url) ==
			    -1;
	}
	free(r);
}

/* sched_job_free frees a job and what it kept. */
static void
sched_job_free(struct sjob *j)
{
	int	i;

	store_prep_free(j->prep);
	doc_free(j->doc);
	if (j->kind == SJOB_UPDATE)
		sched_unkeep(&j->one);
	for (i = 0; i < j->npend; i++)
		sched_unkeep(&j->pend[i]);
	free(j->pend);
	for (i = 0; i < j->nsubs * 3; i++)
		free(j->subs[i]);
	free(j->subs);
	store_deferred_free(j->dfr);
	free(j->wj.cause);
	free(j);
}

/* sched_stored_update takes back a stored document or record (loop). */
static void
sched_stored_update(struct sched *s, struct sjob *j)
{
	struct sfeed	*f = j->one.f;
	char		 u[256], e[256];

	if (j->wj.rc == -1) {
		if (j->removed)
			/* Removed (syndic remove) while it was fetched. */
			log_debug("feed %lld: removed meanwhile", f->row.id);
		else {
			log_escape(u, sizeof u, f->row.url);
			log_escape(e, sizeof e, j->wj.cause != NULL ?
			    j->wj.cause : "?");
			log_warnx("feed %s: not stored: %s", u, e);
			s->m.store_errors++;
			/* The store is in trouble (busy, full): pause. */
			s->pause_until = time(NULL) + 5;
		}
	} else if (j->had_doc) {
		s->m.ingested++;
		s->m.entries_added += j->st.added;
		s->m.entries_updated += j->st.updated;
		/* New or re-headed stories: index them soon, in one batch. */
		if (j->st.added > 0 || j->st.updated > 0)
			sched_related(s, SCHED_RELATED_GATHER_MS);
		if (j->st.added + j->st.updated > 0)
			sched_fts(s, 1000);
	}
	s->storing--;
	if (j->had_doc) {
		s->m.docs_waiting = --s->docs;
		s->doc_bytes -= j->doc_bytes;
	}
	sched_sfeed_free(f);
}

/* sched_stored_records takes back a batch of stored outcomes (loop). */
static void
sched_stored_records(struct sched *s, struct sjob *j)
{
	char	e[256];
	int	i;

	if (j->wj.rc == -1) {
		/* Dropped: the feeds are simply polled again. */
		log_escape(e, sizeof e, j->wj.cause != NULL ? j->wj.cause :
		    "?");
		log_warnx("scheduler: %d fetch outcomes not stored: %s",
		    j->npend, e);
		s->m.store_errors++;
		s->pause_until = time(NULL) + 5;
	} else if (j->missing > 0)
		log_debug("scheduler: %d feeds removed meanwhile", j->missing);
	for (i = 0; i < j->npend; i++) {
		s->storing--;
		sched_sfeed_free(j->pend[i].f);
	}
}

/*
 * sched_job_done takes a job back from the writer, on the loop: the
 * in-memory state follows what was stored, then the pump runs again (a
 * document less waits, a one-shot poll may be done).
 */
static void
sched_job_done(struct writer_job *wj)
{
	struct sjob	*j = (struct sjob *)wj;
	struct sched	*s = j->s;
	const char	*cause = wj->cause != NULL ? wj->cause : "?";
	struct timeval	 now = { 0, 0 };

	if (j->kind == SJOB_UPDATE || j->kind == SJOB_RECORDS) {
		/* Storing feeds; the background work is not counted. */
		s->store_us += wj->us;
		s->m.store_ms = s->store_us / 1000;
		s->m.store_cpu_us += wj->cpu_us;
	}
	switch (j->kind) {
	case SJOB_UPDATE:
		sched_stored_update(s, j);
		break;
	case SJOB_RECORDS:
		sched_stored_records(s, j);
		break;
	case SJOB_FTS:
		s->fts_busy = 0;
		if (wj->rc == -1) {
			log_warnx("store: full-text index: %s", cause);
			sched_fts(s, 5000);
		} else if (wj->rc == 1)
			sched_fts(s, 0);
		break;
	case SJOB_RELATED:
		s->related_busy = 0;
		if (wj->rc == -1) {
			log_warnx("related: %s", cause);
			sched_related(s, 5000);
		} else if (wj->rc == 1)
			sched_related(s, 0);
		break;
	case SJOB_RETENTION:
		if (wj->rc == -1)
			log_warnx("store: retention: %s", cause);
		else
			sched_related(s, 0);	/* forget the purged stories */
		break;
	case SJOB_SUBSCRIBE:
		if (wj->rc == -1)
			log_warnx("reload: cannot subscribe the configured "
			    "feeds: %s", cause);
		else if (!s->stopped && !(s->flags & SCHED_ONCE))
			/* New feeds are due now: look at once. */
			evtimer_add(s->wake, &now);
		break;
	case SJOB_DEFERRED:
		if (wj->rc == -1)
			log_debug("store: not kept: %s", cause);
		else if (wj->rc == 1)
			sched_related(s, 0);	/* lists wanted */
		break;
	}
	if ((j->kind == SJOB_UPDATE || j->kind == SJOB_RECORDS) &&
	    s->hook != NULL)
		s->hook(s->hook_arg);
	sched_job_free(j);
	sched_pump(s);
}

/* sched_job makes a job of a kind. */
static struct sjob *
sched_job(struct sched *s, enum sjob_kind kind)
{
	struct sjob	*j;

	j = xcalloc(1, sizeof *j);
	j->s = s;
	j->kind = kind;
	j->wj.run = sched_job_run;
	j->wj.done = sched_job_done;
	return (j);
}

/*
 * sched_deferred_cb takes what the loop's connection would have written
 * while publishing (sanitized HTML, related lists wanted) to the writer.
 */
static void
sched_deferred_cb(void *arg, struct store_deferred *dfr)
{
	struct sched	*s = arg;
	struct sjob	*j;

	j = sched_job(s, SJOB_DEFERRED);
	j->dfr = dfr;
	sched_submit(s, j);
}

/* sched_submit hands a job to the writer. */
static void
sched_submit(struct sched *s, struct sjob *j)
{
	writer_submit(s->writer, &j->wj);
}

/*
 * sched_flush hands the deferred outcomes to the writer, to be stored in
 * one transaction.  When that fails they are dropped (the feeds are simply
 * polled again) and the scheduler pauses, as after any store failure.
 */
static void
sched_flush(struct sched *s)
{
	struct sjob	*j;

	if (s->npend == 0)
		return;
	evtimer_del(s->flush);
	j = sched_job(s, SJOB_RECORDS);
	j->pend = s->pend;
	j->npend = s->npend;
	s->pend = NULL;
	s->npend = s->pendcap = 0;
	sched_submit(s, j);
}

/* sched_flush_cb stores the deferred outcomes when their time is up. */
static void
sched_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	sched_flush(arg);
}

/* sched_defer keeps an outcome without a document for sched_flush. */
static void
sched_defer(struct sched *s, struct sfeed *f, const struct fetch_record *rec)
{
	struct timeval	 tv;

	if (s->npend == s->pendcap) {
		s->pendcap = s->pendcap == 0 ? 64 : s->pendcap * 2;
		s->pend = xreallocarray(s->pend, s->pendcap, sizeof *s->pend);
	}
	sched_keep(&s->pend[s->npend++], f->row.id, f, rec);
	if (s->npend >= SCHED_FLUSH_MAX || s->stopped)
		sched_flush(s);
	else if (!evtimer_pending(s->flush, NULL)) {
		tv.tv_sec = 0;
		tv.tv_usec = SCHED_FLUSH_MS * 1000;
		evtimer_add(s->flush, &tv);
	}
}

/*
 * sched_store hands the outcome (and the document, taken) to the writer,
 * to be stored in one transaction; the feed stays busy until it is.
 */
static void
sched_store(struct sched *s, struct sfeed *f, struct fetch_record *rec,
    struct doc *d, size_t bytes)
{
	struct sjob	*j;
	long long	 t0, c0;

	s->storing++;
	if (d == NULL && rec->new_url == NULL && !rec->retire) {
		sched_defer(s, f, rec);
		return;
	}
	j = sched_job(s, SJOB_UPDATE);
	j->wj.run_many = sched_job_run_updates;
	sched_keep(&j->one, f->row.id, f, rec);
	j->doc = d;
	j->had_doc = d != NULL;
	if (d != NULL) {
		/*
		 * The loop prepares what the writer would derive from the
		 * entries alone; the plain text and duplicate keys only for
		 * a feed's first document (every entry new), not for one
		 * whose entries are mostly stored already.  The writer, the
		 * bottleneck of a cold pass, then only looks up and writes.
		 */
		t0 = clock_mono_us();
		c0 = clock_thread_cpu_us();
		j->prep = store_prepare(d, f->row.last_success ==
		    TIME_UNKNOWN);
		s->m.prep_us += clock_mono_us() - t0;
		s->m.prep_cpu_us += clock_thread_cpu_us() - c0;
		s->m.docs_waiting = ++s->docs;
		j->doc_bytes = bytes;
		s->doc_bytes += bytes;
	}
	sched_submit(s, j);
}

/*
 * sched_related_cb hands a slice of the related-stories work (see
 * store_related_update, about SCHED_RELATED_MS) to the writer, which
 * comes back for another while some is left; feed updates queued
 * meanwhile go first.  It is armed only when there is work: stories
 * stored, purged, changed by another process, or lists wanted on demand.
 */
static void
sched_related_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sched	*s = arg;
	struct sjob	*j;

	if (s->stopped || s->conf->related <= 0 || s->related_busy)
		return;
	j = sched_job(s, SJOB_RELATED);
	j->now = time(NULL);
	j->items = s->conf->items;
	j->nrelated = s->conf->related;
	s->related_busy = 1;
	sched_submit(s, j);
}

/*
 * sched_related arms the related-stories work in ms milliseconds; not in
 * a one-shot poll, which does it all at once when it is done fetching.
 */
static void
sched_related(struct sched *s, long long ms)
{
	struct timeval	 tv;

	if ((s->flags & SCHED_ONCE) || s->stopped ||
	    evtimer_pending(s->related, NULL))
		return;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(s->related, &tv);
}

/*
 * sched_fts_cb hands a batch of new stories to be indexed for full-text
 * search (see store_fts_update: kept out of the feed updates) to the
 * writer, which comes back for another while some are left.
 */
static void
sched_fts_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sched	*s = arg;

	if (s->stopped || s->fts_busy)
		return;
	s->fts_busy = 1;
	sched_submit(s, sched_job(s, SJOB_FTS));
}

/* sched_fts arms the full-text indexing in ms milliseconds. */
static void
sched_fts(struct sched *s, long long ms)
{
	struct timeval	 tv;

	/* syndic poll indexes once, after its feeds (cmd_poll.c). */
	if ((s->flags & SCHED_ONCE) || s->stopped ||
	    evtimer_pending(s->fts, NULL))
		return;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(s->fts, &tv);
}

/*
 * sched_handle turns a finished fetch into an update for the writer; the
 * feed is the writer's until it is stored (sched_stored_*).
 */
static void
sched_handle(struct sched *s, struct sfeed *f, struct fetch_result *r)
{
	struct fetch_record	 rec;
	struct doc		*d = NULL;
	char			*error = NULL;
	struct timespec		 ts;
	long long		 now, interval;
	int			 ok = 0, changed = 0;

	/* Round up: a next poll is never a fraction of a second early. */
	clock_gettime(CLOCK_REALTIME, &ts);
	now = ts.tv_sec + (ts.tv_nsec > 0);

	memset(&rec, 0, sizeof rec);
	rec.when = now;
	rec.status = (int)r->status;
	rec.duration = r->seconds;
	rec.bytes = r->wire_bytes;
	rec.interval = f->row.interval;
	s->m.polls++;
	switch (r->outcome) {
	case FETCH_OK:
		ok = 1;
		if (f->row.body_hash != NULL &&
		    strcmp(f->row.body_hash, r->body_hash) == 0) {
			s->m.unchanged++;
			break;
		}
		if ((d = sched_parse(s, r, &error)) == NULL) {
			ok = 0;
			s->m.not_feeds++;
			break;
		}
		changed = 1;
		break;
	case FETCH_NOT_MODIFIED:
		ok = 1;
		s->m.unchanged++;
		break;
	case FETCH_HTTP_ERROR:
		if (r->status == 410) {
			rec.retire = 1;
			log_info("feed %s: 410 Gone: retired", f->row.url);
		}
		error = xstrdup(r->error);
		break;
	default:
		error = xstrdup(r->error != NULL ? r->error : "failed");
		break;
	}
	sched_log_change(f, ok ? NULL : error);
	if (ok) {
		rec.etag = r->etag;
		rec.last_modified = r->last_modified;
		if (r->outcome == FETCH_OK)
			rec.body_hash = r->body_hash;
		sched_hints(f, r, d, now, &rec.hints);
		rec.set_hints = 1;
		interval = sched_interval(s, f, d, &rec.hints, changed);
		rec.interval = interval;
		rec.failures = 0;
		rec.next_poll = sched_next_ok(s, now, interval, &rec.hints);
		sched_moved(s, f, r, &rec);
	} else {
		s->m.failures++;
		rec.error = error;
		rec.failures = f->row.failures + 1;
		rec.next_poll = sched_next_fail(s, f, now, rec.failures,
		    r->retry_after);
	}
	if (f->row.failures == 0 && rec.failures > 0)
		s->nfailing++;
	else if (f->row.failures > 0 && rec.failures == 0 && s->nfailing > 0)
		s->nfailing--;
	sched_store(s, f, &rec, d, d != NULL ? r->len : 0);
	free(error);
	if (s->hook != NULL)
		s->hook(s->hook_arg);
}

/* sched_fetch_cb receives a finished fetch. */
static void
sched_fetch_cb(struct fetch_result *r, void *arg)
{
	struct sfeed	*f = arg;
	struct sched	*s = f->s;

	f->site->active--;
	s->active--;
	if (r->outcome != FETCH_CANCELLED)
		sched_handle(s, f, r);
	else
		sched_sfeed_free(f);
	sched_pump(s);
}

/* sched_start_one starts the first queued feed of a site. */
static void
sched_start_one(struct sched *s, struct site *site, long long now_ms)
{
	struct sfeed		*f = TAILQ_FIRST(&site->queue);
	struct fetch_req	 req;

	TAILQ_REMOVE(&site->queue, f, entry);
	s->queued--;
	if (TAILQ_EMPTY(&site->queue)) {
		TAILQ_REMOVE(&s->ready, site, rentry);
		site->ready = 0;
	}
	memset(&req, 0, sizeof req);
	req.url = f->row.url;
	req.etag = f->row.etag;
	req.last_modified = f->row.last_modified;
	req.allow_file = f->allow_file;
	site->active++;
	site->last_ms = now_ms;
	s->active++;
	if (fetch_start(s->fetch, &req, sched_fetch_cb, f) == -1) {
		site->active--;
		s->active--;
		log_warnx("feed %s: cannot start the fetch", f->row.url);
		sched_sfeed_free(f);
	}
}

/* sched_pump_cb runs the pump when a site's spacing has passed. */
static void
sched_pump_cb(evutil_socket_t fd, short what, void *arg)
{
	sched_pump(arg);
}

/*
 * sched_pump starts queued fetches round-robin over the sites, within the
 * global and per-site limits and the spacing between requests to a site,
 * while the parsed documents waiting for the writer are within
 * SCHED_DOCS_MAX and SCHED_DOCS_BYTES (sched_room).
 */
#define sched_room(s) \
	((s)->docs < SCHED_DOCS_MAX && (s)->doc_bytes < SCHED_DOCS_BYTES)
static void
sched_pump(struct sched *s)
{
	struct config	*c = s->conf;
	struct site	*site, *next;
	long long	 now = sched_now_ms(), wait = -1, w, delay;
	int		 progress, limit;
	struct timeval	 tv;

	if (s->stopped)
		return;
	do {
		progress = 0;
		for (site = TAILQ_FIRST(&s->ready); site != NULL &&
		    s->active < c->concurrency && sched_room(s);
		    site = next) {
			next = TAILQ_NEXT(site, rentry);
			limit = *site->name == '\0' ? c->concurrency :
			    c->per_site;
			delay = *site->name == '\0' ? 0 : c->site_delay_ms;
			if (site->active >= limit)
				continue;
			if (now < site->last_ms + delay) {
				w = site->last_ms + delay - now;
				if (wait == -1 || w < wait)
					wait = w;
				continue;
			}
			sched_start_one(s, site, now);
			progress = 1;
		}
	} while (progress && s->active < c->concurrency && sched_room(s));
	if (wait >= 0 && !evtimer_pending(s->pump, NULL)) {
		tv.tv_sec = wait / 1000;
		tv.tv_usec = (wait % 1000) * 1000;
		evtimer_add(s->pump, &tv);
	}
	if ((s->flags & SCHED_ONCE) && s->active == 0 && s->queued == 0)
		sched_flush(s);
	/* Nothing in flight, outcomes with the writer: the loop waits. */
	now = sched_now_ms();
	if (s->active == 0 && s->storing > 0) {
		if (s->wait_from == 0)
			s->wait_from = now;
	} else if (s->wait_from != 0) {
		s->m.wait_ms += now - s->wait_from;
		s->wait_from = 0;
	}
	if ((s->flags & SCHED_ONCE) && s->active == 0 && s->queued == 0 &&
	    s->storing == 0)
		event_base_loopexit(s->base, NULL);
}

int
sched_queue(struct sched *s, struct feed_row *rows, int n)
{
	int	i, queued = 0;

	sched_flush(s);
	for (i = 0; i < n; i++)
		queued += sched_enqueue(s, &rows[i]);
	sched_pump(s);
	return (queued);
}

/* sched_tick queues every feed that has fallen due. */
static void
sched_tick(struct sched *s)
{
	struct feed_row	*rows = NULL;
	char		*cause = NULL;
	int		 n = 0;
	long long	 now = time(NULL);

	sched_flush(s);
	if (s->stopped || now < s->pause_until)
		return;
	if (store_feeds_due(s->store, now, &rows, &n, &cause) == -1) {
		log_warnx("scheduler: cannot read due feeds: %s", cause);
		free(cause);
		s->pause_until = now + 5;
		return;
	}
	sched_queue(s, rows, n);
	free(rows);
}

/* sched_count recounts the live feeds and those failing. */
static void
sched_count(struct sched *s)
{
	struct feed_row	*rows;
	char		*cause = NULL;
	int		 i, n;

	sched_flush(s);
	s->counted_at = time(NULL);
	if (store_feed_list_poll(s->store, &rows, &n, &cause) == -1) {
		free(cause);
		return;
	}
	s->nfeeds = s->nfailing = 0;
	for (i = 0; i < n; i++) {
		if (rows[i].retired)
			continue;
		s->nfeeds++;
		if (rows[i].failures > 0)
			s->nfailing++;
	}
	feed_rows_free(rows, n);
	if (s->hook != NULL)
		s->hook(s->hook_arg);
}

/*
 * sched_retention applies [store] max_age and max_entries once an hour
 * (and prunes the near-duplicate keys), keeping what the output shows.
 */
static void
sched_retention(struct sched *s)
{
	struct sjob	*j;
	long long	 now = time(NULL);

	if (now - s->retained < SCHED_RETENTION_EVERY || s->stopped)
		return;
	s->retained = now;
	j = sched_job(s, SJOB_RETENTION);
	j->now = now;
	j->max_age = s->conf->max_age;
	j->max_entries = s->conf->max_entries;
	j->items = s->conf->items;
	sched_submit(s, j);
}

/*
 * sched_wake_cb runs when a feed may have fallen due, and every few
 * seconds to notice feeds that other processes added (store_version).
 */
static void
sched_wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sched	*s = arg;
	long long	 v, due;

	sched_flush(s);
	if (time(NULL) - s->counted_at >= 60)
		sched_count(s);
	sched_retention(s);
	v = store_version(s->store);
	due = store_feed_next_poll(s->store);
	if (v != s->version || (due != -1 && due <= time(NULL))) {
		/* Another process may have stored stories, or wants lists. */
		if (v != s->version) {
			sched_related(s, 0);
			sched_fts(s, 1000);
		}
		s->version = v;
		sched_tick(s);
	}
	sched_arm(s);
}

/* sched_arm sets the wake-up timer: the next due feed, at most 2 s away. */
static void
sched_arm(struct sched *s)
{
	struct timeval	 tv = { SCHED_WAKE_MAX, 0 };
	long long	 due, now = time(NULL);

	if (s->stopped)
		return;
	sched_flush(s);
	due = store_feed_next_poll(s->store);
	if (due > now && due - now < SCHED_WAKE_MAX)
		tv.tv_sec = due - now;
	else if (due != -1 && due <= now)
		tv.tv_sec = 1;
	evtimer_add(s->wake, &tv);
}

struct sched *
sched_new(struct event_base *base, struct config *conf, struct store *st,
    struct writer *w, struct fetch *f, int flags)
{
	struct sched	*s;

	s = xcalloc(1, sizeof *s);
	s->base = base;
	s->conf = conf;
	s->store = st;
	s->writer = w;
	/* The loop's connection reads; what it would write goes to w. */
	store_set_deferred(st, sched_deferred_cb, s);
	s->fetch = f;
	s->flags = flags;
	s->version = -1;
	TAILQ_INIT(&s->ready);
	s->wake = evtimer_new(base, sched_wake_cb, s);
	s->pump = evtimer_new(base, sched_pump_cb, s);
	s->related = evtimer_new(base, sched_related_cb, s);
	s->flush = evtimer_new(base, sched_flush_cb, s);
	s->fts = evtimer_new(base, sched_fts_cb, s);
	sched_conf_map(s);
	srandom((unsigned int)time(NULL) ^ (unsigned int)(uintptr_t)s);
	return (s);
}

void
sched_set_hook(struct sched *s, void (*fn)(void *), void *arg)
{
	s->hook = fn;
	s->hook_arg = arg;
}

void
sched_counts(struct sched *s, int *feeds, int *failing)
{
	*feeds = s->nfeeds;
	*failing = s->nfailing;
}

void
sched_start(struct sched *s)
{
	sched_count(s);
	s->version = store_version(s->store);
	sched_tick(s);
	sched_arm(s);
	sched_related(s, 0);	/* what an earlier run left */
	sched_fts(s, 0);
}

void
sched_stop(struct sched *s)
{
	s->stopped = 1;
	evtimer_del(s->wake);
	evtimer_del(s->pump);
	evtimer_del(s->related);
	evtimer_del(s->fts);
	fetch_cancel_all(s->fetch);
	sched_flush(s);
	/* What was fetched and parsed is stored before we go. */
	writer_drain(s->writer);
	if (s->wait_from != 0) {
		s->m.wait_ms += sched_now_ms() - s->wait_from;
		s->wait_from = 0;
	}
}

void
sched_set_config(struct sched *s, struct config *conf)
{
	struct fetch_opts	o;

	s->conf = conf;
	sched_conf_map(s);
	/* User agent, proxy, limits: for every fetch that starts from now. */
	sched_fetch_opts(conf, &o);
	fetch_set_opts(s->fetch, &o);
	/* The concurrency or per_site may have grown. */
	sched_pump(s);
}

int
sched_busy(struct sched *s)
{
	return (s->active + s->queued);
}

const struct sched_metrics *
sched_get_metrics(struct sched *s)
{
	return (&s->m);
}

void
sched_free(struct sched *s)
{
	struct site	*site;
	struct sfeed	*f;
	size_t		 i;

	if (s == NULL)
		return;
	sched_stop(s);
	store_set_deferred(s->store, NULL, NULL);
	for (i = 0; i < s->sites.cap; i++) {
		if ((site = s->sites.slots[i].val) == NULL ||
		    s->sites.slots[i].key == NULL)
			continue;
		while ((f = TAILQ_FIRST(&site->queue)) != NULL) {
			TAILQ_REMOVE(&site->queue, f, entry);
			sched_sfeed_free(f);
		}
	}
	smap_clear(&s->sites, sched_site_free);
	smap_clear(&s->busy, NULL);
	smap_clear(&s->conf_feeds, NULL);
	event_free(s->wake);
	event_free(s->pump);
	event_free(s->related);
	event_free(s->flush);
	free(s->pend);
	event_free(s->fts);
	free(s);
}

/* sched_tags joins a configured feed's tags as "a,b". */
static char *
sched_tags(const struct feed_conf *fc)
{
	char	*out = NULL, *tmp;
	int	 i;

	if (fc->ntags == 0)
		return (xstrdup(""));
	for (i = 0; i < fc->ntags; i++) {
		xasprintf(&tmp, "%s%s%s", out != NULL ? out : "",
		    out != NULL ? "," : "", fc->tags[i]);
		free(out);
		out = tmp;
	}
	return (out);
}

/* sched_same says whether a stored feed already is as configured. */
static int
sched_same(const struct feed_row *row, const char *title, const char *tags)
{
	return (row->origin == FEED_ORIGIN_CONFIG &&
	    strcmp(row->tags, tags) == 0 && (title == NULL ||
	    (row->title != NULL && strcmp(row->title, title) == 0)));
}

/*
 * sched_subs copies what subscribing needs of the configured feeds: url,
 * title (or NULL) and tags of each, three strings a feed.
 */
static char **
sched_subs(const struct config *conf)
{
	char	**subs;
	int	  i;

	subs = xcalloc((size_t)conf->nfeeds * 3 + 1, sizeof *subs);
	for (i = 0; i < conf->nfeeds; i++) {
		subs[3 * i] = xstrdup(conf->feeds[i].url);
		subs[3 * i + 1] = conf->feeds[i].title != NULL ?
		    xstrdup(conf->feeds[i].title) : NULL;
		subs[3 * i + 2] = sched_tags(&conf->feeds[i]);
	}
	return (subs);
}

/* sched_subscribe_list subscribes the n feeds of sched_subs. */
static int
sched_subscribe_list(struct store *st, char **subs, int nsubs, char **cause)
{
	struct smap	 known;
	struct feed_row	*rows, *row;
	int		 i, n, rc = 0;

	/* One read of every feed, so that a start with 10,000 is quick. */
	if (store_feed_list_poll(st, &rows, &n, cause) == -1)
		return (-1);
	memset(&known, 0, sizeof known);
	for (i = 0; i < n; i++)
		smap_put(&known, rows[i].url, &rows[i]);
	for (i = 0; i < nsubs && rc == 0; i++) {
		row = smap_get(&known, subs[3 * i]);
		/* A feed that is gone (410) stays retired until removed. */
		if (row == NULL || (!row->retired &&
		    !sched_same(row, subs[3 * i + 1], subs[3 * i + 2])))
			rc = store_feed_upsert(st, subs[3 * i],
			    subs[3 * i + 1], subs[3 * i + 2],
			    FEED_ORIGIN_CONFIG, NULL, cause);
	}
	smap_clear(&known, NULL);
	feed_rows_free(rows, n);
	return (rc);
}

int
sched_subscribe(struct store *st, const struct config *conf, char **cause)
{
	char	**subs;
	int	  i, rc;

	subs = sched_subs(conf);
	rc = sched_subscribe_list(st, subs, conf->nfeeds, cause);
	for (i = 0; i < conf->nfeeds * 3; i++)
		free(subs[i]);
	free(subs);
	return (rc);
}

void
sched_resubscribe(struct sched *s, const struct config *conf)
{
	struct sjob	*j;

	j = sched_job(s, SJOB_SUBSCRIBE);
	j->subs = sched_subs(conf);
	j->nsubs = conf->nfeeds;
	sched_submit(s, j);
}

void
sched_fetch_opts(const struct config *c, struct fetch_opts *o)
{
	fetch_opts_default(o);
	o->user_agent = c->user_agent;
	o->proxy = c->proxy;
	o->timeout = c->timeout * 1000;
	if (o->connect_timeout > o->timeout)
		o->connect_timeout = o->timeout;
	o->max_body = c->max_body;
	o->allow_private = c->allow_private;
	o->max_connects = c->concurrency * 2 > 16 ? c->concurrency * 2 : 16;
	/* Test hooks: reach the loopback origin under other names. */
	o->connect_to = getenv("SYNDIC_TEST_CONNECT_TO");
	o->test_public = getenv("SYNDIC_TEST_PUBLIC");
}
