/*
 * cmd_poll.c: "syndic poll [--all] [FEED...]": poll the due feeds (or all,
 * or the named ones) once, store, exit.  It runs the daemon's own code
 * path (the scheduler with its politeness, outcomes and next polls) on a
 * loop of its own until every queued feed is done, then prints a summary
 * with how the time split between fetching, parsing and storing.  The
 * derived indexes (related stories, full-text search) are not part of
 * it: the readers that need them, the daemon, "syndic index" (also here)
 * or "syndic poll --index" bring them up to date.  As in the daemon, the
 * store writes run on the writer thread (writer.c), so storing overlaps
 * fetching and parsing, which stay on the loop.
 *
 * Also here: poll_discover, the fetch-and-look step of "syndic add".
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <event2/event.h>

#include "daemon.h"
#include "feeds.h"
#include "log.h"
#include "storage.h"
#include "xmalloc.h"

/* The page cache of the store during a poll. */
#define POLL_CACHE_KIB	(12 * 1024)
/*
 * The writer's: what it rereads (index pages) is in the kernel's cache
 * after the first read; 4 MiB instead of 12 cost no CPU at 1,000 and
 * 10,000 feeds and keeps 8 MiB out of the peak.
 */
#define POLL_WRITER_CACHE_KIB	(4 * 1024)
#define POLL_FTS_BATCH	2000		/* stories full-text indexed a commit */

struct poll_run {
	struct event_base	*base;
	struct sched		*sched;
};

/* poll_signal_cb ends a poll early but cleanly on SIGINT or SIGTERM. */
static void
poll_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct poll_run	*p = arg;

	log_info("interrupted: stopping");
	sched_stop(p->sched);
	event_base_loopexit(p->base, NULL);
}

/* poll_named collects the feeds named by URL or id. */
static int
poll_named(struct store *st, int argc, char **argv, struct feed_row **rows,
    int *n)
{
	long long	 id;
	char		*end, *cause = NULL;
	int		 i;

	*rows = xcalloc(argc, sizeof **rows);
	*n = 0;
	for (i = 0; i < argc; i++) {
		id = strtoll(argv[i], &end, 10);
		if (*end != '\0' || end == argv[i])
			id = store_feed_find(st, argv[i]);
		if (id < 0 || store_feed_get(st, id, &(*rows)[*n], &cause) ==
		    -1) {
			fprintf(stderr, "syndic: poll: %s: no such feed\n",
			    argv[i]);
			free(cause);
			feed_rows_free(*rows, *n);
			*rows = NULL;
			return (-1);
		}
		(*n)++;
	}
	return (0);
}

/*
 * poll_summary prints what the poll did and where its time went.  Fetching
 * (the loop, curl, the scheduler), parsing and preparing documents for
 * the store (store_prepare) run on the loop thread, storing on the writer
 * thread beside them: wall times overlap, and the loop's fetch time is
 * what it spent neither parsing, preparing nor idle waiting for the
 * writer.  CPU time is the loop thread's (fetch, parse, prepare) plus the
 * writer thread's (store), each by its own thread clock.
 */
static void
poll_summary(struct fetch *f, struct sched *s, double wall, double loop_cpu)
{
	const struct sched_metrics	*m = sched_get_metrics(s);
	const struct fetch_metrics	*fm = fetch_get_metrics(f);
	double				 parse = m->parse_ms / 1000.0;
	double				 prep = m->prep_us / 1e6;
	double				 store = m->store_ms / 1000.0;
	double				 wait = m->wait_ms / 1000.0;
	double				 fetch = wall - parse - prep - wait;

	if (fetch < 0)
		fetch = 0;
	printf("polled %llu feeds in %.2f s: %llu stored, %llu unchanged, "
	    "%llu failed; %llu new entries, %llu updated\n", m->polls, wall,
	    m->ingested, m->unchanged, m->failures, m->entries_added,
	    m->entries_updated);
	printf("time: fetch %.2f s, parse %.2f s, prepare %.2f s, "
	    "store %.2f s; %.1f MB received; the store ran on the writer "
	    "thread, overlapping the rest (loop idle, waiting for it: "
	    "%.2f s)\n", fetch, parse, prep, store, fm->bytes / 1e6, wait);
	parse = m->parse_cpu_us / 1e6;
	prep = m->prep_cpu_us / 1e6;
	store = m->store_cpu_us / 1e6;
	fetch = loop_cpu - parse - prep;
	printf("cpu: %.2f s: fetch %.2f s, parse %.2f s, prepare %.2f s, "
	    "store %.2f s (fetch, parse, prepare: loop thread; store: writer "
	    "thread)\n", loop_cpu + store, fetch < 0 ? 0 : fetch, parse,
	    prep, store);
}

/* poll_secs returns the seconds from a to b. */
static double
poll_secs(const struct timespec *a, const struct timespec *b)
{
	return ((b->tv_sec - a->tv_sec) + (b->tv_nsec - a->tv_nsec) / 1e9);
}

/*
 * poll_indexes brings the derived indexes up to date and says how long
 * each took: the related stories (every waiting story indexed, the lists
 * of the output window and those wanted on demand computed) and the
 * full-text index, in batches that keep each transaction (and the WAL,
 * and the memory it holds) small.  Returns 1 when stories waited for
 * either, 0 when none did, -1 when one failed.
 */
static int
poll_indexes(struct store *st, const struct config *c, const char *who)
{
	struct timespec	 t0, t1, c0, c1;
	char		*cause = NULL;
	long long	 related, fts;
	int		 rc;

	store_backlog(st, &related, &fts);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
	if (c->related > 0) {
		if (store_related_catchup(st, time(NULL), c->items,
		    c->related, &cause) == -1) {
			fprintf(stderr, "syndic: %s: related: %s\n", who,
			    cause);
			free(cause);
			return (-1);
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
		printf("related: %.2f s, cpu %.2f s\n", poll_secs(&t0, &t1),
		    poll_secs(&c0, &c1));
		t0 = t1;
		c0 = c1;
	}
	while ((rc = store_fts_update(st, POLL_FTS_BATCH, &cause)) == 1)
		;
	if (rc == -1) {
		fprintf(stderr, "syndic: %s: full-text index: %s\n", who,
		    cause);
		free(cause);
		return (-1);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
	printf("full-text index: %.2f s, cpu %.2f s\n", poll_secs(&t0, &t1),
	    poll_secs(&c0, &c1));
	return (related != 0 || fts != 0);
}

/*
 * poll_backlog says what the derived indexes still wait for after a poll
 * that stored documents and left them, and how to do it now.
 */
static void
poll_backlog(struct store *st, const struct config *c)
{
	long long	 related, fts;

	store_backlog(st, &related, &fts);
	if (c->related <= 0)
		related = 0;
	if (related <= 0 && fts <= 0)
		return;
	printf("left for later: %lld stories to index for related stories, "
	    "%lld for full-text search (syndic index does both now)\n",
	    related, fts);
}

/*
 * poll_leave_wal leaves the write-ahead log as the next pass is best
 * served.  A pass that stored no document (all 304s) wrote a few pages:
 * its exit does not wait for a checkpoint and its syncs.  One that wrote
 * much checkpoints, so that the next pass does not inherit a long log
 * (read whole when a process opens the store), and starts the next log
 * itself: the next pass appends to it instead of syncing a new log's
 * header on its way (a new log after a checkpoint costs a sync, which
 * made the all-304 pass after a cold one wait for the disk).
 */
static void
poll_leave_wal(struct store *st, int wrote)
{
	char	*cause = NULL;

	if (!wrote)
		store_keep_wal(st);
	else if (store_settle_wal(st, &cause) == -1) {
		log_debug("poll: log left to the close: %s", cause);
		free(cause);
	}
}

/* poll_rows picks the feeds to poll: named, all, or the due ones. */
static int
poll_rows(struct store *st, int all, int argc, char **argv,
    struct feed_row **rows, int *n)
{
	char	*cause = NULL;
	int	 rc;

	if (argc > 0)
		return (poll_named(st, argc, argv, rows, n));
	if (all)
		rc = store_feed_list_poll(st, rows, n, &cause);
	else
		rc = store_feeds_due(st, time(NULL), rows, n, &cause);
	if (rc == -1) {
		fprintf(stderr, "syndic: poll: %s\n", cause);
		free(cause);
	}
	return (rc);
}

int
cmd_poll(struct globals *g, int argc, char **argv)
{
	struct config		*c;
	struct store		*st;
	struct writer		*w;
	struct writer_opts	 wo;
	struct fetch		*f;
	struct fetch_opts	 o;
	struct poll_run		 p;
	struct feed_row		*rows = NULL;
	struct event		*sigint, *sigterm;
	char			*cause = NULL;
	int			 i, n = 0, all = 0, index = 0, rc = 0;
	int			 wrote = 0;
	unsigned long long	 ingested;
	struct timespec		 t0, t1, c0, c1;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--all") == 0)
			all = 1;
		else if (strcmp(argv[i], "--index") == 0)
			index = 1;
		else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else {
			fprintf(stderr, "usage: syndic poll [--all] "
			    "[--index] [FEED...]\n");
			return (EX_USAGE);
		}
	}
	if ((c = cmd_load_config(g)) == NULL)
		return (EX_CONFIG);
	if ((st = store_open(c->database, &cause)) == NULL) {
		fprintf(stderr, "syndic: poll: %s: %s\n", c->database, cause);
		free(cause);
		config_free(c);
		return (EX_UNAVAILABLE);
	}
	/*
	 * A one-shot poll reads the store once: a page cache of
	 * POLL_CACHE_KIB and no mapping keep its memory bounded whatever the
	 * size of the store (mapped pages would count in its RSS).
	 */
	if (store_set_memory(st, POLL_CACHE_KIB, 0, &cause) == -1) {
		log_warnx("poll: %s", cause);
		free(cause);
		cause = NULL;
	}
	if (sched_subscribe(st, c, &cause) == -1) {
		fprintf(stderr, "syndic: poll: %s\n", cause);
		free(cause);
		rc = EX_UNAVAILABLE;
	} else if (poll_rows(st, all, argc - i, argv + i, &rows, &n) == -1)
		rc = 1;
	if (rc != 0) {
		store_close(st);
		config_free(c);
		return (rc);
	}

	signal(SIGPIPE, SIG_IGN);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
	if ((p.base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	/* The writer's connection is bounded like the loop's. */
	memset(&wo, 0, sizeof wo);
	wo.cache_kib = POLL_WRITER_CACHE_KIB;
	/*
	 * Checkpoints on a thread of their own (copying the log into the
	 * store and syncing both): done by the writer at commit, they kept
	 * it from storing for about a fifth of a cold pass of 10,000 feeds
	 * (54.7 s, 44.7 s on the checkpoint thread).
	 */
	wo.checkpoints = 1;
	if ((w = writer_new(p.base, c->database, &wo, &cause)) == NULL) {
		fprintf(stderr, "syndic: poll: %s: %s\n", c->database, cause);
		free(cause);
		feed_rows_free(rows, n);
		event_base_free(p.base);
		store_close(st);
		config_free(c);
		return (EX_UNAVAILABLE);
	}
	/* The loop's connection only reads the feeds now. */
	if (store_set_memory(st, 2048, 0, &cause) == -1) {
		log_warnx("poll: %s", cause);
		free(cause);
		cause = NULL;
	}
	sched_fetch_opts(c, &o);
	f = fetch_new(p.base, &o);
	p.sched = sched_new(p.base, c, st, w, f, SCHED_ONCE);
	sigint = evsignal_new(p.base, SIGINT, poll_signal_cb, &p);
	sigterm = evsignal_new(p.base, SIGTERM, poll_signal_cb, &p);
	event_add(sigint, NULL);
	event_add(sigterm, NULL);
	if (sched_queue(p.sched, rows, n) > 0)
		event_base_dispatch(p.base);
	free(rows);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
	poll_summary(f, p.sched, poll_secs(&t0, &t1), poll_secs(&c0, &c1));
	/*
	 * Everything is stored: end the writer, and with it its connection
	 * and the near-duplicate keys it held in memory, before anything
	 * else runs on the loop's connection.
	 */
	ingested = sched_get_metrics(p.sched)->ingested;
	sched_free(p.sched);
	writer_free(w);
	fetch_free(f);
	if (store_set_memory(st, POLL_CACHE_KIB, 0, &cause) == -1) {
		log_warnx("poll: %s", cause);
		free(cause);
		cause = NULL;
	}
	/*
	 * The derived indexes are not part of the poll: left for the
	 * readers that need them, the daemon or syndic index, unless
	 * --index asks for them now (timed on their own).
	 */
	if (index)
		wrote = poll_indexes(st, c, "poll") != 0;
	else if (ingested > 0)
		poll_backlog(st, c);
	poll_leave_wal(st, ingested > 0 || wrote);

	event_free(sigint);
	event_free(sigterm);
	event_base_free(p.base);
	store_close(st);
	config_free(c);
	return (0);
}

int
cmd_index(struct globals *g, int argc, char **argv)
{
	struct config	*c;
	struct store	*st;
	char		*cause = NULL;
	int		 rc = 0, wrote;

	if (argc != 1) {
		fprintf(stderr, "usage: syndic index\n");
		return (EX_USAGE);
	}
	if ((c = cmd_load_config(g)) == NULL)
		return (EX_CONFIG);
	if ((st = store_open(c->database, &cause)) == NULL) {
		fprintf(stderr, "syndic: index: %s: %s\n", c->database,
		    cause);
		free(cause);
		config_free(c);
		return (EX_UNAVAILABLE);
	}
	/* Bounded as a poll's: mapped pages of a big store count in RSS. */
	if (store_set_memory(st, POLL_CACHE_KIB, 0, &cause) == -1) {
		log_warnx("index: %s", cause);
		free(cause);
		cause = NULL;
	}
	if ((wrote = poll_indexes(st, c, "index")) == -1)
		rc = EX_UNAVAILABLE;
	poll_leave_wal(st, wrote != 0);
	store_close(st);
	config_free(c);
	return (rc);
}

/* The state of one synchronous fetch of poll_discover. */
struct poll_get {
	struct fetch_result	 r;
	int			 done;
};

static void
poll_get_cb(struct fetch_result *r, void *arg)
{
	struct poll_get	*pg = arg;

	pg->r = *r;
	memset(r, 0, sizeof *r);	/* every pointer is ours now */
	pg->r.url = NULL;
	pg->done = 1;
}

/* poll_get fetches url to completion on a loop of its own. */
static void
poll_get(const struct config *c, const char *url, struct poll_get *pg)
{
	struct event_base	*base;
	struct fetch		*f;
	struct fetch_opts	 o;
	struct fetch_req	 req;

	memset(pg, 0, sizeof *pg);
	memset(&req, 0, sizeof req);
	req.url = url;
	if ((base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	sched_fetch_opts(c, &o);
	f = fetch_new(base, &o);
	if (fetch_start(f, &req, poll_get_cb, pg) == 0) {
		while (!pg->done)
			event_base_loop(base, EVLOOP_ONCE);
	} else {
		pg->r.outcome = FETCH_ERROR;
		pg->r.error = xstrdup("cannot start the request");
	}
	fetch_free(f);
	event_base_free(base);
}

/* poll_is_feed says whether a fetched body parses as a feed. */
static int
poll_is_feed(const struct fetch_result *r, char **title)
{
	struct doc	*d;
	int		 ok;

	d = parse_document(r->body, r->len, r->final_url, NULL, 0);
	ok = d->format != FORMAT_UNKNOWN;
	if (ok && title != NULL && *title == NULL && d->title != NULL)
		*title = xstrdup(d->title);
	doc_free(d);
	return (ok);
}

int
poll_discover(const struct config *c, const char *url, char **feed_url,
    char **title, char **cause)
{
	struct poll_get	 pg;
	char		*cand;

	*feed_url = *title = *cause = NULL;
	poll_get(c, url, &pg);
	if (pg.r.outcome != FETCH_OK) {
		xasprintf(cause, "%s: %s", url, pg.r.error != NULL ?
		    pg.r.error : fetch_outcome_name(pg.r.outcome));
		fetch_result_clear(&pg.r);
		return (-1);
	}
	if (poll_is_feed(&pg.r, title)) {
		*feed_url = xstrdup(url);
		fetch_result_clear(&pg.r);
		return (0);
	}
	if (!discover_is_html(pg.r.content_type, pg.r.body, pg.r.len) ||
	    (cand = discover_feed(pg.r.body, pg.r.len, pg.r.final_url,
	    title)) == NULL) {
		xasprintf(cause, "%s: not a feed, and no page link to one",
		    url);
		fetch_result_clear(&pg.r);
		return (-2);
	}
	fetch_result_clear(&pg.r);
	poll_get(c, cand, &pg);
	if (pg.r.outcome != FETCH_OK || !poll_is_feed(&pg.r, title)) {
		xasprintf(cause, "%s links %s, which is not a working feed "
		    "(%s)", url, cand, pg.r.error != NULL ? pg.r.error :
		    "not a feed");
		fetch_result_clear(&pg.r);
		free(cand);
		free(*title);
		*title = NULL;
		return (-2);
	}
	fetch_result_clear(&pg.r);
	*feed_url = cand;
	return (1);
}
