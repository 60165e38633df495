/*
 * server.c: the HTTP server (evhttp).  Only GET and HEAD are served;
 * anything else is 405.  Requests are dispatched on the path: the river,
 * the merged feeds (all and per tag, with RFC 5005 paging through
 * ?after=CURSOR), the subscriptions, /healthz and /metrics.  Documents come
 * from the publish cache with their validators; 304 answers conditional
 * requests, gzip is sent to clients that accept it.
 *
 * Limits.  evhttp bounds the header size and idles out silent peers, but a
 * slow-loris client that trickles a byte now and then would keep its
 * connection forever, and enough of them would starve everybody.  So each
 * connection is tracked from the moment evhttp accepts it (the bufferevent
 * callback; its callback argument is the evhttp connection): it must send
 * a complete request head within request_timeout, or it is closed, and
 * when max_connections are open the connection that has waited longest
 * for its request head is closed to make room for the newcomer.  A
 * connection whose request is being answered is never evicted.  The
 * listening backlog is deep enough for bursts of thousands of connects.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "buf.h"
#include "clock.h"
#include "daemon.h"
#include "feeds.h"
#include "log.h"
#include "storage.h"
#include "xmalloc.h"

#define SERVER_URI_MAX		4096	/* bytes of a request target */
#define SERVER_HEADERS_MAX	16384	/* bytes of request line + headers */
#define SERVER_BACKLOG		4096	/* pending connects (kernel caps it) */
#define SERVER_FD_RESERVE	320	/* descriptors kept for the rest: store,
					   memory files of the cache, fetches */
#define SERVER_SWEEP_MS		250	/* how often deadlines are checked */
#define SERVER_WRITE_MAX	(4 * 1024 * 1024)	/* bytes per write(2) */

enum server_state {
	CONN_NEW,		/* accepted, not adopted yet */
	CONN_HEAD,		/* waiting for a request head */
	CONN_BUSY		/* a request is being answered */
};

/* One client connection, as the limits see it. */
struct server_conn {
	struct server		*server;
	struct evhttp_connection *evcon;
	struct bufferevent	*bev;
	int			 fd;
	enum server_state	 state;
	long long		 deadline;	/* ms, monotonic */
	TAILQ_ENTRY(server_conn) entry;
};
TAILQ_HEAD(server_conns, server_conn);

/* Endpoints counted in /metrics. */
enum server_endpoint {
	EP_RIVER, EP_FEED, EP_TAG, EP_OPML, EP_HEALTHZ, EP_METRICS, EP_OTHER,
	EP_COUNT
};
static const char *server_endpoints[EP_COUNT] = {
	"river", "feed", "tag", "opml", "healthz", "metrics", "other"
};
static const int server_codes[] = { 200, 304, 400, 404, 405, 414, 503 };
#define SERVER_NCODES	(sizeof server_codes / sizeof server_codes[0])

struct server {
	struct daemon		*daemon;
	struct evhttp		*http;
	struct evbuffer		*body;		/* reused for every reply */
	struct event		*adopt;
	struct event		*sweep;
	struct server_conns	 fresh;		/* CONN_NEW */
	struct server_conns	 waiting;	/* CONN_HEAD, oldest first */
	struct server_conns	 busy;		/* CONN_BUSY */
	struct server_conn	**byfd;
	int			 nfds;
	int			 max_conns;	/* what descriptors allow */
	struct server_stats	 stats;
	unsigned long long	 counts[EP_COUNT][SERVER_NCODES + 1];
};

/* server_now returns monotonic milliseconds. */
static long long
server_now(void)
{
	return (clock_mono_us() / 1000);
}

/* server_conn_close_cb forgets a connection evhttp is freeing. */
static void
server_conn_close_cb(struct evhttp_connection *evcon, void *arg)
{
	struct server_conn	*c = arg;
	struct server		*s = c->server;

	switch (c->state) {
	case CONN_NEW:
		TAILQ_REMOVE(&s->fresh, c, entry);
		break;
	case CONN_HEAD:
		TAILQ_REMOVE(&s->waiting, c, entry);
		break;
	case CONN_BUSY:
		TAILQ_REMOVE(&s->busy, c, entry);
		break;
	}
	if (c->fd >= 0 && c->fd < s->nfds && s->byfd[c->fd] == c)
		s->byfd[c->fd] = NULL;
	s->stats.open--;
	free(c);
}

/*
 * server_max_conns gives the connection cap: the configured one (it may
 * change on reload), below what the descriptor limit allows.
 */
static int
server_max_conns(struct server *s)
{
	int	 max = s->daemon->conf->max_connections;

	return (max < s->max_conns ? max : s->max_conns);
}

/* server_conn_wait puts a connection in the queue of heads awaited. */
static void
server_conn_wait(struct server_conn *c)
{
	struct server	*s = c->server;
	struct timeval	 tv = { 0, SERVER_SWEEP_MS * 1000 };

	c->state = CONN_HEAD;
	c->deadline = server_now() + s->daemon->conf->request_timeout * 1000;
	TAILQ_INSERT_TAIL(&s->waiting, c, entry);
	if (!evtimer_pending(s->sweep, NULL))
		evtimer_add(s->sweep, &tv);
}

/*
 * server_adopt_cb takes the connections evhttp has just set up: it finds
 * each one's evhttp connection, starts its head deadline, and makes room
 * under the connection cap.
 */
static void
server_adopt_cb(evutil_socket_t fd, short events, void *arg)
{
	struct server		*s = arg;
	struct server_conn	*c, *victim;
	void			*cbarg;
	int			 on = 1;

	while ((c = TAILQ_FIRST(&s->fresh)) != NULL) {
		TAILQ_REMOVE(&s->fresh, c, entry);
		bufferevent_getcb(c->bev, NULL, NULL, NULL, &cbarg);
		c->evcon = cbarg;
		c->fd = (int)bufferevent_getfd(c->bev);
		if (c->evcon == NULL || c->fd < 0 || c->fd >= s->nfds) {
			/* Not one of ours after all: leave it alone. */
			s->stats.open--;
			free(c);
			continue;
		}
		s->byfd[c->fd] = c;
		/*
		 * Headers and body leave in separate writes; without
		 * TCP_NODELAY the body's tail waits for the peer's
		 * delayed ACK (40 ms) on every response.
		 */
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
		/* libevent writes 16 KB per loop turn by default. */
		bufferevent_set_max_single_write(c->bev, SERVER_WRITE_MAX);
		evhttp_connection_set_closecb(c->evcon, server_conn_close_cb,
		    c);
		server_conn_wait(c);
		while (s->stats.open > server_max_conns(s) &&
		    (victim = TAILQ_FIRST(&s->waiting)) != NULL) {
			s->stats.evicted++;
			evhttp_connection_free(victim->evcon);
		}
	}
}

/* server_bev_cb makes each accepted connection's bufferevent, and notes it. */
static struct bufferevent *
server_bev_cb(struct event_base *base, void *arg)
{
	struct server		*s = arg;
	struct server_conn	*c;

	c = xcalloc(1, sizeof *c);
	c->server = s;
	c->fd = -1;
	c->state = CONN_NEW;
	c->bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL)
		fatalx("bufferevent_socket_new failed");
	TAILQ_INSERT_TAIL(&s->fresh, c, entry);
	s->stats.open++;
	s->stats.accepted++;
	event_active(s->adopt, EV_TIMEOUT, 0);
	return (c->bev);
}

/* server_sweep_cb closes connections that missed their head deadline. */
static void
server_sweep_cb(evutil_socket_t fd, short events, void *arg)
{
	struct server		*s = arg;
	struct server_conn	*c;
	long long		 now = server_now();
	struct timeval		 tv = { 0, SERVER_SWEEP_MS * 1000 };

	while ((c = TAILQ_FIRST(&s->waiting)) != NULL && c->deadline <= now) {
		s->stats.timeouts++;
		evhttp_connection_free(c->evcon);
	}
	/* Only while a connection waits: an idle server wakes nobody. */
	if (!TAILQ_EMPTY(&s->waiting))
		evtimer_add(s->sweep, &tv);
}

/* server_done_cb: the reply went out; the connection waits for the next. */
static void
server_done_cb(struct evhttp_request *req, void *arg)
{
	struct server_conn	*c = arg;

	if (c->state != CONN_BUSY)
		return;
	TAILQ_REMOVE(&c->server->busy, c, entry);
	server_conn_wait(c);
}

/* server_conn_busy marks the request's connection as being answered. */
static void
server_conn_busy(struct server *s, struct evhttp_request *req)
{
	struct evhttp_connection *evcon;
	struct server_conn	*c;
	int			 fd;

	if ((evcon = evhttp_request_get_connection(req)) == NULL)
		return;
	fd = (int)bufferevent_getfd(evhttp_connection_get_bufferevent(evcon));
	if (fd < 0 || fd >= s->nfds || (c = s->byfd[fd]) == NULL ||
	    c->evcon != evcon || c->state != CONN_HEAD)
		return;
	TAILQ_REMOVE(&s->waiting, c, entry);
	c->state = CONN_BUSY;
	TAILQ_INSERT_TAIL(&s->busy, c, entry);
	evhttp_request_set_on_complete_cb(req, server_done_cb, c);
}

/* server_count records a response for /metrics. */
static void
server_count(struct server *s, int ep, int code)
{
	size_t	 i;

	for (i = 0; i < SERVER_NCODES && server_codes[i] != code; i++)
		;
	s->counts[ep][i]++;
}

/* server_header adds an output header. */
static void
server_header(struct evhttp_request *req, const char *name, const char *value)
{
	evhttp_add_header(evhttp_request_get_output_headers(req), name, value);
}

/* server_error answers with a short text error. */
static void
server_error(struct server *s, struct evhttp_request *req, int ep, int code,
    const char *reason)
{
	server_count(s, ep, code);
	server_header(req, "Content-Type", "text/plain; charset=utf-8");
	server_header(req, "Cache-Control", "no-store");
	if (evhttp_request_get_command(req) != EVHTTP_REQ_HEAD)
		evbuffer_add_printf(s->body, "%d %s\n", code, reason);
	evhttp_send_reply(req, code, reason, s->body);
}

/* server_text answers 200 with a generated text body. */
static void
server_text(struct server *s, struct evhttp_request *req, int ep,
    const char *type, const char *text, size_t len)
{
	char	 n[32];

	server_count(s, ep, 200);
	server_header(req, "Content-Type", type);
	server_header(req, "Cache-Control", "no-store");
	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		snprintf(n, sizeof n, "%zu", len);
		server_header(req, "Content-Length", n);
		evhttp_send_reply(req, 200, "OK", NULL);
		return;
	}
	evbuffer_add(s->body, text, len);
	s->stats.bytes += len;
	evhttp_send_reply(req, 200, "OK", s->body);
}

/* server_accepts_gzip reads Accept-Encoding: gzip (or *) with q > 0. */
static int
server_accepts_gzip(const char *ae)
{
	const char	*p, *end, *q;
	size_t		 n;
	int		 star = 0, ok;

	if (ae == NULL)
		return (0);
	for (p = ae; *p != '\0'; p = *end == ',' ? end + 1 : end) {
		while (*p == ' ' || *p == '\t')
			p++;
		end = p + strcspn(p, ",");
		n = strcspn(p, ";, \t");
		q = memchr(p, ';', (size_t)(end - p));
		ok = 1;
		if (q != NULL && (q = strstr(q, "q=")) != NULL && q < end)
			ok = strtod(q + 2, NULL) > 0;
		if ((n == 4 && strncasecmp(p, "gzip", 4) == 0) ||
		    (n == 6 && strncasecmp(p, "x-gzip", 6) == 0))
			return (ok);
		if (n == 1 && *p == '*')
			star = ok;
	}
	return (star);
}

/* server_etag_match applies If-None-Match's weak comparison to a doc. */
static int
server_etag_match(const char *inm, const struct publish_doc *d)
{
	const char	*p, *end;
	size_t		 n;

	for (p = inm; *p != '\0'; p = *end == ',' ? end + 1 : end) {
		while (*p == ' ' || *p == '\t')
			p++;
		end = p + strcspn(p, ",");
		n = (size_t)(end - p);
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == 1 && *p == '*')
			return (1);
		if (n > 2 && strncmp(p, "W/", 2) == 0) {
			p += 2;
			n -= 2;
		}
		if ((n == strlen(d->etag) && strncmp(p, d->etag, n) == 0) ||
		    (n == strlen(d->etag_gz) && strncmp(p, d->etag_gz, n) == 0))
			return (1);
	}
	return (0);
}

/* server_http_date parses the three date forms of HTTP; -1 if none. */
static long long
server_http_date(const char *s)
{
	static const char *forms[] = { "%a, %d %b %Y %H:%M:%S GMT",
	    "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y" };
	struct tm	 tm;
	const char	*end;
	size_t		 i;

	for (i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		memset(&tm, 0, sizeof tm);
		end = strptime(s, forms[i], &tm);
		if (end != NULL && *end == '\0')
			return ((long long)timegm(&tm));
	}
	return (-1);
}

/* server_not_modified says whether the request's validators still hold. */
static int
server_not_modified(struct evhttp_request *req, const struct publish_doc *d)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	const char	*inm, *ims;
	long long	 t;

	if ((inm = evhttp_find_header(in, "If-None-Match")) != NULL)
		return (server_etag_match(inm, d));
	if ((ims = evhttp_find_header(in, "If-Modified-Since")) != NULL &&
	    (t = server_http_date(ims)) != -1)
		return (d->modified <= t);
	return (0);
}

/* server_unref_cb releases a document once libevent has sent it. */
static void
server_unref_cb(const void *data, size_t len, void *arg)
{
	publish_doc_unref(arg);
}

/* server_query_after returns the ?after= cursor (caller frees), or NULL. */
static char *
server_query_after(struct evhttp_request *req)
{
	struct evkeyvalq	 q;
	const char		*query, *v;
	char			*after = NULL;

	query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	if (query == NULL)
		return (NULL);
	TAILQ_INIT(&q);
	if (evhttp_parse_query_str(query, &q) == 0 &&
	    (v = evhttp_find_header(&q, "after")) != NULL)
		after = xstrdup(v);
	evhttp_clear_headers(&q);
	return (after);
}

/* server_doc_headers sets the headers of a document's response. */
static void
server_doc_headers(struct evhttp_request *req, const struct publish_doc *d,
    int gz, int paged)
{
	server_header(req, "Content-Type", d->type);
	server_header(req, "ETag", gz ? d->etag_gz : d->etag);
	server_header(req, "Last-Modified", d->modified_text);
	/* An older page changes only when its stories do. */
	server_header(req, "Cache-Control", paged ? "public, max-age=3600" :
	    "public, max-age=60");
	server_header(req, "Vary", "Accept-Encoding");
	server_header(req, "X-Content-Type-Options", "nosniff");
	if (d->links != NULL)
		server_header(req, "Link", d->links);
	if (d->format == PUBLISH_HTML)
		server_header(req, "Content-Security-Policy", "default-src "
		    "'none'; style-src 'unsafe-inline'; img-src http: https: "
		    "data:; frame-ancestors 'none'");
}

/* server_doc_body sends a document's bytes (taking the reference). */
static void
server_doc_body(struct server *s, struct evhttp_request *req,
    struct publish_doc *d, int gz)
{
	struct evbuffer_file_segment *seg = gz ? d->seg_gz : d->seg;
	size_t		 len = gz ? d->gzlen : d->len;
	char		 n[32];

	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		snprintf(n, sizeof n, "%zu", len);
		server_header(req, "Content-Length", n);
		evhttp_send_reply(req, 200, "OK", NULL);
		publish_doc_unref(d);
		return;
	}
	if (seg != NULL) {
		/* A sendfile(2) chain, holding its own reference. */
		evbuffer_add_file_segment(s->body, seg, 0, (ev_off_t)len);
		publish_doc_unref(d);
	} else {
		/* The reference passes to the buffer; released once sent. */
		evbuffer_add_reference(s->body, gz ? d->gz : d->body, len,
		    server_unref_cb, d);
	}
	s->stats.bytes += len;
	evhttp_send_reply(req, 200, "OK", s->body);
}

/* server_doc answers with a document of the publish cache. */
static void
server_doc(struct server *s, struct evhttp_request *req, int ep, int format,
    const char *tag)
{
	struct evkeyvalq	*in = evhttp_request_get_input_headers(req);
	struct publish_doc	*d;
	char			*after, *cause = NULL;
	int			 gz;

	after = server_query_after(req);
	d = publish_get(s->daemon->publish, format, tag, after, &cause);
	if (d == NULL) {
		if (cause != NULL && strncmp(cause, "bad ", 4) == 0)
			server_error(s, req, ep, 400, "Bad Request");
		else {
			log_warnx("%s: %s", evhttp_request_get_uri(req), cause);
			server_error(s, req, ep, 503, "Service Unavailable");
		}
		free(cause);
		free(after);
		return;
	}
	gz = d->gz != NULL &&
	    server_accepts_gzip(evhttp_find_header(in, "Accept-Encoding"));
	server_doc_headers(req, d, gz, after != NULL);
	free(after);
	if (server_not_modified(req, d)) {
		server_count(s, ep, 304);
		evhttp_send_reply(req, 304, "Not Modified", NULL);
		publish_doc_unref(d);
		return;
	}
	if (gz)
		server_header(req, "Content-Encoding", "gzip");
	server_count(s, ep, 200);
	server_doc_body(s, req, d, gz);
}

/* server_metric appends one sample with its help and type lines. */
static void
server_metric(struct buf *b, const char *name, const char *type,
    const char *help, double v)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n%s %.9g\n", name, help,
	    name, type, name, v);
}

/*
 * server_healthz answers 200 while the loop runs, the daemon's health hook
 * agrees and the store answers; else 503 with the reason.
 *
 * NOTE: only a ping of the store, never a count: counting reads whole
 * tables on the loop, and on a busy disk that held every request for half
 * a second at each probe (the soak, 1,000 feeds).
 */
static void
server_healthz(struct server *s, struct evhttp_request *req)
{
	char			*cause = NULL, *text;

	if (notify_health(s->daemon, &cause) == 0 &&
	    (s->daemon->store == NULL ||
	    store_ping(s->daemon->store, &cause) == 0)) {
		server_text(s, req, EP_HEALTHZ, "text/plain; charset=utf-8",
		    "ok\n", 3);
		return;
	}
	log_warnx("healthz: unhealthy: %s", cause);
	server_count(s, EP_HEALTHZ, 503);
	server_header(req, "Content-Type", "text/plain; charset=utf-8");
	server_header(req, "Cache-Control", "no-store");
	xasprintf(&text, "unhealthy: %s\n", cause != NULL ? cause : "?");
	if (evhttp_request_get_command(req) != EVHTTP_REQ_HEAD)
		evbuffer_add(s->body, text, strlen(text));
	evhttp_send_reply(req, 503, "Service Unavailable", s->body);
	free(text);
	free(cause);
}

/* server_metrics_store appends what the store counts. */
static void
server_metrics_store(struct buf *b, struct store *st, struct writer *wr)
{
	struct store_counts	 sc;
	struct store_wal	 w;
	struct feed_row		*rows;
	long long		 states[4] = { 0, 0, 0, 0 };
	static const char	*names[4] = { "ok", "failing", "retired",
				    "new" };
	char			*cause = NULL;
	int			 i, n;

	if (store_counts(st, &sc, &cause) == 0) {
		server_metric(b, "syndic_entries", "gauge",
		    "Entries in the store.", (double)sc.entries);
		server_metric(b, "syndic_stories", "gauge",
		    "Stories (entries folded together) in the store.",
		    (double)sc.stories);
		server_metric(b, "syndic_store_bytes", "gauge",
		    "Size of the store's pages in use.", (double)sc.bytes);
	}
	/* The checkpoint thread follows the writer's connection. */
	if (wr != NULL)
		writer_wal_stats(wr, &w);
	else
		store_wal_stats(st, &w);
	server_metric(b, "syndic_store_wal_bytes", "gauge",
	    "Size of the store's write-ahead log.", (double)w.bytes);
	server_metric(b, "syndic_store_wal_max_bytes", "gauge",
	    "The largest the write-ahead log was after a commit.",
	    (double)w.max_bytes);
	server_metric(b, "syndic_store_checkpoints_total", "counter",
	    "WAL checkpoints run by the checkpoint thread.",
	    (double)w.checkpoints);
	server_metric(b, "syndic_store_wal_truncations_total", "counter",
	    "Times the checkpoint thread emptied the write-ahead log.",
	    (double)w.truncations);
	server_metric(b, "syndic_store_checkpoint_seconds_total", "counter",
	    "Time the checkpoint thread spent in checkpoints.", w.seconds);
	server_metric(b, "syndic_store_checkpoints_busy_total", "counter",
	    "Checkpoints that could not copy the whole WAL (a reader).",
	    (double)w.busy);
	server_metric(b, "syndic_store_wal_starts_total", "counter",
	    "Times the write-ahead log started over from its beginning.",
	    (double)w.starts);
	server_metric(b, "syndic_store_checkpoint_restarts_total", "counter",
	    "RESTART checkpoints (the WAL reached 32 MiB).",
	    (double)w.restarts);
	free(cause);
	cause = NULL;
	if (store_feed_list(st, &rows, &n, &cause) == -1) {
		free(cause);
		return;
	}
	for (i = 0; i < n; i++) {
		if (rows[i].retired)
			states[2]++;
		else if (rows[i].failures > 0)
			states[1]++;
		else if (rows[i].last_fetch == TIME_UNKNOWN)
			states[3]++;
		else
			states[0]++;
	}
	feed_rows_free(rows, n);
	buf_puts(b, "# HELP syndic_feeds Subscribed feeds by state.\n"
	    "# TYPE syndic_feeds gauge\n");
	for (i = 0; i < 4; i++)
		buf_printf(b, "syndic_feeds{state=\"%s\"} %lld\n", names[i],
		    states[i]);
}

/* server_metrics_fetch appends the fetcher's counters. */
static void
server_metrics_fetch(struct buf *b, struct fetch *f)
{
	const struct fetch_metrics *m = fetch_get_metrics(f);
	int		 i;

	buf_puts(b, "# HELP syndic_fetches_total Feed fetches by outcome.\n"
	    "# TYPE syndic_fetches_total counter\n");
	for (i = 0; i < FETCH_NOUTCOMES; i++)
		buf_printf(b, "syndic_fetches_total{outcome=\"%s\"} %llu\n",
		    fetch_outcome_name(i), m->outcomes[i]);
	server_metric(b, "syndic_fetch_bytes_total", "counter",
	    "Bytes received by fetches.", (double)m->bytes);
	buf_puts(b, "# HELP syndic_fetch_duration_seconds Fetch durations.\n"
	    "# TYPE syndic_fetch_duration_seconds histogram\n");
	for (i = 0; i < FETCH_NBUCKETS; i++)
		buf_printf(b, "syndic_fetch_duration_seconds_bucket{le=\"%g\"} "
		    "%llu\n", fetch_duration_buckets[i], m->buckets[i]);
	buf_printf(b, "syndic_fetch_duration_seconds_bucket{le=\"+Inf\"} "
	    "%llu\nsyndic_fetch_duration_seconds_sum %.9g\n"
	    "syndic_fetch_duration_seconds_count %llu\n", m->count,
	    m->seconds, m->count);
}

/* server_metrics_sched appends the scheduler's counters. */
static void
server_metrics_sched(struct buf *b, struct sched *sc)
{
	const struct sched_metrics *m = sched_get_metrics(sc);

	server_metric(b, "syndic_polls_total", "counter",
	    "Feed fetches finished by the scheduler.", (double)m->polls);
	server_metric(b, "syndic_polls_unchanged_total", "counter",
	    "Polls that found nothing new (304 or the same body).",
	    (double)m->unchanged);
	server_metric(b, "syndic_poll_failures_total", "counter",
	    "Polls that failed.", (double)m->failures);
	server_metric(b, "syndic_documents_ingested_total", "counter",
	    "Feed documents stored.", (double)m->ingested);
	server_metric(b, "syndic_entries_added_total", "counter",
	    "New entries stored.", (double)m->entries_added);
	server_metric(b, "syndic_entries_updated_total", "counter",
	    "Entries whose content changed.", (double)m->entries_updated);
	server_metric(b, "syndic_not_feeds_total", "counter",
	    "Fetched documents that were not feeds.", (double)m->not_feeds);
	server_metric(b, "syndic_store_errors_total", "counter",
	    "Feed updates the store failed to keep.", (double)m->store_errors);
	server_metric(b, "syndic_parse_seconds_total", "counter",
	    "Time spent parsing feeds.", (double)m->parse_ms / 1000);
	server_metric(b, "syndic_prepare_seconds_total", "counter",
	    "Time the loop spent preparing documents for the store.",
	    (double)m->prep_us / 1e6);
	server_metric(b, "syndic_store_seconds_total", "counter",
	    "Time spent storing feeds.", (double)m->store_ms / 1000);
	server_metric(b, "syndic_documents_waiting", "gauge",
	    "Parsed documents waiting for the writer thread.",
	    (double)m->docs_waiting);
}

/* server_metrics answers /metrics in the Prometheus text format. */
static void
server_metrics(struct server *s, struct evhttp_request *req)
{
	const struct publish_stats *ps = publish_stats(s->daemon->publish);
	struct buf	 b;
	size_t		 ep, i;

	buf_init(&b);
	buf_puts(&b, "# HELP syndic_http_requests_total HTTP requests "
	    "answered, by endpoint and status.\n"
	    "# TYPE syndic_http_requests_total counter\n");
	for (ep = 0; ep < EP_COUNT; ep++) {
		for (i = 0; i <= SERVER_NCODES; i++) {
			if (s->counts[ep][i] == 0)
				continue;
			if (i < SERVER_NCODES)
				buf_printf(&b, "syndic_http_requests_total{"
				    "endpoint=\"%s\",code=\"%d\"} %llu\n",
				    server_endpoints[ep], server_codes[i],
				    s->counts[ep][i]);
			else
				buf_printf(&b, "syndic_http_requests_total{"
				    "endpoint=\"%s\",code=\"other\"} %llu\n",
				    server_endpoints[ep], s->counts[ep][i]);
		}
	}
	server_metric(&b, "syndic_http_response_bytes_total", "counter",
	    "Bytes of response bodies sent.", (double)s->stats.bytes);
	server_metric(&b, "syndic_http_connections", "gauge",
	    "Client connections open.", (double)s->stats.open);
	server_metric(&b, "syndic_http_connections_accepted_total", "counter",
	    "Client connections accepted.", (double)s->stats.accepted);
	buf_puts(&b, "# HELP syndic_http_connections_closed_total Client "
	    "connections closed by the server's limits.\n"
	    "# TYPE syndic_http_connections_closed_total counter\n");
	buf_printf(&b, "syndic_http_connections_closed_total{reason="
	    "\"head_timeout\"} %llu\n", s->stats.timeouts);
	buf_printf(&b, "syndic_http_connections_closed_total{reason="
	    "\"connection_cap\"} %llu\n", s->stats.evicted);
	server_metric(&b, "syndic_loop_lag_max_seconds", "gauge",
	    "The longest the event loop was held (a 10 ms timer's lateness).",
	    s->daemon->loop_lag_max);
	server_metric(&b, "syndic_publish_renders_total", "counter",
	    "Documents rendered (the store or configuration changed).",
	    (double)ps->renders);
	server_metric(&b, "syndic_publish_cache_hits_total", "counter",
	    "Documents served from the publish cache.", (double)ps->hits);
	server_metric(&b, "syndic_publish_render_seconds_total", "counter",
	    "Time spent rendering documents.", ps->render_seconds);
	server_metric(&b, "syndic_websub_pings_total", "counter",
	    "WebSub hub pings accepted by the hub.", (double)ps->pings);
	server_metric(&b, "syndic_websub_ping_failures_total", "counter",
	    "WebSub hub pings that failed.", (double)ps->ping_failures);
	if (s->daemon->store != NULL)
		server_metrics_store(&b, s->daemon->store, s->daemon->writer);
	if (s->daemon->fetch != NULL)
		server_metrics_fetch(&b, s->daemon->fetch);
	if (s->daemon->sched != NULL)
		server_metrics_sched(&b, s->daemon->sched);
	server_metric(&b, "syndic_loop_lag_busy_max_seconds", "gauge",
	    "The worst loop lag during which the loop thread was busy.",
	    s->daemon->loop_lag_busy_max);
	if (s->daemon->writer != NULL) {
		server_metric(&b, "syndic_writer_queue", "gauge",
		    "Store jobs handed to the writer thread, not done yet.",
		    (double)writer_pending(s->daemon->writer));
		server_metric(&b, "syndic_writer_cpu_seconds_total", "counter",
		    "CPU time of the writer thread's store jobs.",
		    (double)writer_cpu_us(s->daemon->writer) / 1e6);
	}
	server_text(s, req, EP_METRICS,
	    "text/plain; version=0.0.4; charset=utf-8", b.data, b.len);
	buf_free(&b);
}

/*
 * server_tag_path splits "/tags/NAME.EXT": the decoded name (caller
 * frees) and the format; -1 when the path is not one.
 */
static int
server_tag_path(const char *path, char **tag)
{
	const char	*name = path + 6, *dot;
	char		*raw, *ext;
	size_t		 len;
	int		 f;

	if ((dot = strrchr(name, '.')) == NULL || dot == name)
		return (-1);
	if ((f = publish_format(dot + 1)) == -1 || f > PUBLISH_HTML)
		return (-1);
	raw = xstrndup(name, (size_t)(dot - name));
	ext = evhttp_uridecode(raw, 0, &len);
	free(raw);
	if (ext == NULL)
		return (-1);
	if (len != strlen(ext) || strchr(ext, '/') != NULL) {
		free(ext);
		return (-1);
	}
	*tag = xstrdup(ext);
	free(ext);
	return (f);
}

/* server_request_cb dispatches every request. */
static void
server_request_cb(struct evhttp_request *req, void *arg)
{
	struct server	*s = arg;
	const char	*path;
	char		*tag = NULL;
	enum evhttp_cmd_type cmd;
	int		 f;

	server_conn_busy(s, req);
	s->stats.requests++;
	evbuffer_drain(s->body, evbuffer_get_length(s->body));
	cmd = evhttp_request_get_command(req);
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		server_header(req, "Allow", "GET, HEAD");
		server_error(s, req, EP_OTHER, 405, "Method Not Allowed");
		return;
	}
	if (strlen(evhttp_request_get_uri(req)) > SERVER_URI_MAX) {
		server_error(s, req, EP_OTHER, 414, "URI Too Long");
		return;
	}
	path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	if (path == NULL || *path == '\0')
		path = "/";
	if (strcmp(path, "/") == 0)
		server_doc(s, req, EP_RIVER, PUBLISH_HTML, NULL);
	else if (strncmp(path, "/feed.", 6) == 0 &&
	    (f = publish_format(path + 6)) != -1 && f <= PUBLISH_JSON)
		server_doc(s, req, EP_FEED, f, NULL);
	else if (strcmp(path, "/feeds.opml") == 0)
		server_doc(s, req, EP_OPML, PUBLISH_OPML, NULL);
	else if (strncmp(path, "/tags/", 6) == 0 &&
	    (f = server_tag_path(path, &tag)) != -1) {
		server_doc(s, req, EP_TAG, f, tag);
		free(tag);
	} else if (strcmp(path, "/healthz") == 0)
		server_healthz(s, req);
	else if (strcmp(path, "/metrics") == 0)
		server_metrics(s, req);
	else
		server_error(s, req, EP_OTHER, 404, "Not Found");
}

/* server_listen opens a listening socket on "HOST:PORT"; -1 on error. */
static int
server_listen(const char *addr, char **cause)
{
	struct addrinfo	 hints, *res, *ai;
	char		*host, *colon;
	int		 fd = -1, on = 1, rc, saved = 0;

	host = xstrdup(addr);
	colon = strrchr(host, ':');
	if (colon == NULL || colon[1] == '\0' ||
	    strtol(colon + 1, NULL, 10) <= 0 ||
	    strtol(colon + 1, NULL, 10) > 65535) {
		xasprintf(cause, "listen: bad address \"%s\"", addr);
		free(host);
		return (-1);
	}
	*colon = '\0';
	if (host[0] == '[' && colon[-1] == ']') {
		colon[-1] = '\0';
		memmove(host, host + 1, strlen(host));
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if ((rc = getaddrinfo(*host != '\0' ? host : NULL, colon + 1, &hints,
	    &res)) != 0) {
		xasprintf(cause, "cannot listen on %s: %s", addr,
		    gai_strerror(rc));
		free(host);
		return (-1);
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd == -1) {
			saved = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, SERVER_BACKLOG) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1)
		xasprintf(cause, "cannot listen on %s: %s", addr,
		    strerror(saved));
	free(host);
	return (fd);
}

/* server_limits raises the descriptor limit and sizes the tables by it. */
static void
server_limits(struct server *s, const struct config *conf)
{
	struct rlimit	 rl;
	int		 reserve;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max > 65536 ? 65536 : rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur > 65536)
		rl.rlim_cur = 65536;
	s->nfds = (int)rl.rlim_cur;
	s->byfd = xcalloc((size_t)s->nfds, sizeof *s->byfd);
	reserve = SERVER_FD_RESERVE + conf->concurrency;
	/* The most the descriptor limit allows; the configuration may ask less. */
	s->max_conns = s->nfds - reserve > 16 ? s->nfds - reserve : 16;
	if (conf->max_connections > s->max_conns)
		log_warnx("max_connections = %d exceeds what %d descriptors "
		    "allow: %d", conf->max_connections, s->nfds, s->max_conns);
}

struct server *
server_new(struct daemon *d, const char *listen, int fd, char **cause)
{
	struct server	*s;

	s = xcalloc(1, sizeof *s);
	s->daemon = d;
	TAILQ_INIT(&s->fresh);
	TAILQ_INIT(&s->waiting);
	TAILQ_INIT(&s->busy);
	server_limits(s, d->conf);
	if ((s->http = evhttp_new(d->base)) == NULL)
		fatalx("evhttp_new failed");
	s->body = evbuffer_new();
	/* So that file segments are queued for sendfile(2), not mapped. */
	evbuffer_set_flags(s->body, EVBUFFER_FLAG_DRAINS_TO_FD);
	s->adopt = event_new(d->base, -1, 0, server_adopt_cb, s);
	s->sweep = evtimer_new(d->base, server_sweep_cb, s);
	evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD |
	    EVHTTP_REQ_POST | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH | EVHTTP_REQ_TRACE);
	evhttp_set_max_headers_size(s->http, SERVER_HEADERS_MAX);
	evhttp_set_max_body_size(s->http, 65536);
	evhttp_set_timeout(s->http, 30);
	evhttp_set_bevcb(s->http, server_bev_cb, s);
	evhttp_set_gencb(s->http, server_request_cb, s);
	if (fd < 0 && (fd = server_listen(listen, cause)) == -1) {
		server_free(s);
		return (NULL);
	}
	if (evhttp_accept_socket(s->http, fd) != 0) {
		xasprintf(cause, "cannot serve the socket %d", fd);
		server_free(s);
		return (NULL);
	}
	return (s);
}

const struct server_stats *
server_stats(struct server *s)
{
	return (&s->stats);
}

void
server_free(struct server *s)
{
	struct server_conn	*c;

	if (s == NULL)
		return;
	if (s->http != NULL)
		evhttp_free(s->http);
	while ((c = TAILQ_FIRST(&s->fresh)) != NULL) {
		TAILQ_REMOVE(&s->fresh, c, entry);
		free(c);
	}
	if (s->adopt != NULL)
		event_free(s->adopt);
	if (s->sweep != NULL)
		event_free(s->sweep);
	if (s->body != NULL)
		evbuffer_free(s->body);
	free(s->byfd);
	free(s);
}
