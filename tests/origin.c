/*
 * origin.c: the loopback feed origin of the tests (see origin.h for what
 * each path does).  A small HTTP/1.1 server on bufferevents, in its own
 * thread and event loop; requests are recorded under a mutex so that the
 * test thread can read them while it runs.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <zlib.h>

#include <sys/queue.h>

#include "origin.h"

#define ORIGIN_MAXHOSTS		16
#define ORIGIN_HEADER_MAX	(64 * 1024)
#define ORIGIN_BIG		(100LL * 1000 * 1000)
#define ORIGIN_BOMB		(64LL * 1024 * 1024)

enum ostate {
	O_IDLE,		/* waiting for a request */
	O_BUSY,		/* a request is being answered (timer pending) */
	O_FLUSH,	/* the whole answer is queued */
	O_STREAM,	/* refill the output as it drains */
	O_DEAD		/* never answer (hang) */
};

struct ohost {
	char		*name;
	int		 active;
};

struct oconn {
	struct origin		*o;
	struct bufferevent	*bev;
	int			 id;
	enum ostate		 state;
	int			 close_after;
	int			 reset_after;
	int			 chunked;
	long long		 remaining;	/* O_STREAM bytes left */
	struct event		*timer;		/* slow, drip */
	char			*host;		/* of the request in flight */
	int			 reqno;		/* its record */
	char			*pending;	/* /slow: the path to answer */
	char			*inm;
	char			*ims;
	int			 gzip_ok;
	TAILQ_ENTRY(oconn)	 entry;
};

struct origin {
	pthread_t		 thread;
	struct event_base	*base;
	struct evconnlistener	*listeners[ORIGIN_MAXHOSTS];
	int			 nlisteners;
	int			 port;
	int			 refused_fd;
	int			 refused_port;
	int			 ctl[2];
	struct event		*ctl_ev;
	char			*dir;
	struct timespec		 t0;
	time_t			 epoch;		/* Last-Modified base */
	int			 nconns;
	TAILQ_HEAD(, oconn)	 conns;

	pthread_mutex_t		 lock;		/* guards what follows */
	struct origin_req	*reqs;
	int			 nreqs;
	int			 capreqs;
	struct ohost		 hosts[64];
	int			 nhosts;
	int			 active;
	int			 max_host_active;
	int			 generation;
	FILE			*logfp;

	unsigned char		*bomb;		/* built on first use */
	size_t			 bomblen;
};

static void	origin_next(struct oconn *);
static void	origin_dispatch(struct oconn *, const char *);

static char *
ostrdup(const char *s)
{
	char	*p;

	if (s == NULL)
		return (NULL);
	if ((p = strdup(s)) == NULL)
		abort();
	return (p);
}

static void *
ocalloc(size_t n, size_t sz)
{
	void	*p;

	if ((p = calloc(n, sz)) == NULL)
		abort();
	return (p);
}

/* origin_now is the time since the origin started, in seconds. */
static double
origin_now(struct origin *o)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((ts.tv_sec - o->t0.tv_sec) + (ts.tv_nsec - o->t0.tv_nsec) /
	    1e9);
}

/* origin_httpdate formats t as an HTTP date. */
static void
origin_httpdate(time_t t, char *buf, size_t len)
{
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* origin_parsedate reads an HTTP date, or returns -1. */
static time_t
origin_parsedate(const char *s)
{
	struct tm	tm;

	memset(&tm, 0, sizeof tm);
	if (s == NULL || strptime(s, "%a, %d %b %Y %H:%M:%S", &tm) == NULL)
		return (-1);
	return (timegm(&tm));
}

static uint64_t
origin_hash(const void *p, size_t n)
{
	const unsigned char	*s = p;
	uint64_t		 h = 0xcbf29ce484222325ULL;

	while (n-- > 0) {
		h ^= *s++;
		h *= 0x100000001b3ULL;
	}
	return (h);
}

/* origin_host_add counts a request in flight for host; returns the count. */
static int
origin_host_add(struct origin *o, const char *host, int delta)
{
	int	i;

	for (i = 0; i < o->nhosts; i++) {
		if (strcmp(o->hosts[i].name, host) == 0)
			break;
	}
	if (i == o->nhosts) {
		if (o->nhosts == 64)
			return (0);
		o->hosts[o->nhosts++].name = ostrdup(host);
	}
	o->hosts[i].active += delta;
	o->active += delta;
	if (o->hosts[i].active > o->max_host_active)
		o->max_host_active = o->hosts[i].active;
	return (o->hosts[i].active);
}

/* origin_record logs a request and counts it in flight. */
static void
origin_record(struct oconn *c, const char *method, const char *path,
    char **hdr)
{
	struct origin		*o = c->o;
	struct origin_req	*r;

	pthread_mutex_lock(&o->lock);
	if (o->nreqs == o->capreqs) {
		o->capreqs = o->capreqs ? o->capreqs * 2 : 256;
		o->reqs = realloc(o->reqs, o->capreqs * sizeof *o->reqs);
		if (o->reqs == NULL)
			abort();
	}
	r = &o->reqs[o->nreqs++];
	memset(r, 0, sizeof *r);
	r->t = origin_now(o);
	r->method = ostrdup(method);
	r->path = ostrdup(path);
	r->host = ostrdup(hdr[0] != NULL ? hdr[0] : "");
	r->if_none_match = ostrdup(hdr[1]);
	r->if_modified_since = ostrdup(hdr[2]);
	r->user_agent = ostrdup(hdr[3]);
	r->accept_encoding = ostrdup(hdr[4]);
	r->conn = c->id;
	r->t_end = -1;
	c->reqno = o->nreqs - 1;
	c->host = ostrdup(r->host);
	r->host_active = origin_host_add(o, c->host, 1);
	r->active = o->active;
	if (o->logfp != NULL) {
		fprintf(o->logfp, "%.3f\t%s\t%s\t%s\t%d\t%d\t%s\t%s\n", r->t,
		    r->method, r->host, r->path, r->host_active, r->conn,
		    r->if_none_match ? r->if_none_match : "-",
		    r->if_modified_since ? r->if_modified_since : "-");
		fflush(o->logfp);
	}
	pthread_mutex_unlock(&o->lock);
}

/* origin_unrecord ends the request in flight on c. */
static void
origin_unrecord(struct oconn *c)
{
	if (c->host == NULL)
		return;
	pthread_mutex_lock(&c->o->lock);
	origin_host_add(c->o, c->host, -1);
	if (c->reqno < c->o->nreqs)
		c->o->reqs[c->reqno].t_end = origin_now(c->o);
	pthread_mutex_unlock(&c->o->lock);
	free(c->host);
	c->host = NULL;
}

static void
origin_conn_free(struct oconn *c)
{
	TAILQ_REMOVE(&c->o->conns, c, entry);
	origin_unrecord(c);
	if (c->timer != NULL)
		event_free(c->timer);
	bufferevent_free(c->bev);
	free(c->pending);
	free(c->inm);
	free(c->ims);
	free(c);
}

/* origin_head queues a status line and the common headers. */
static void
origin_head(struct oconn *c, int code, const char *type, long long len,
    const char *extra)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev);
	char		 date[64];
	const char	*reason;

	switch (code) {
	case 200: reason = "OK"; break;
	case 301: reason = "Moved Permanently"; break;
	case 302: reason = "Found"; break;
	case 304: reason = "Not Modified"; break;
	case 307: reason = "Temporary Redirect"; break;
	case 308: reason = "Permanent Redirect"; break;
	case 404: reason = "Not Found"; break;
	case 410: reason = "Gone"; break;
	case 429: reason = "Too Many Requests"; break;
	case 503: reason = "Service Unavailable"; break;
	default: reason = "Status"; break;
	}
	origin_httpdate(time(NULL), date, sizeof date);
	evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\nServer: syndic-origin\r\n"
	    "Date: %s\r\n", code, reason, date);
	if (type != NULL)
		evbuffer_add_printf(out, "Content-Type: %s\r\n", type);
	if (len >= 0)
		evbuffer_add_printf(out, "Content-Length: %lld\r\n", len);
	else if (code != 304)
		evbuffer_add_printf(out, "Transfer-Encoding: chunked\r\n");
	if (extra != NULL)
		evbuffer_add(out, extra, strlen(extra));
	evbuffer_add(out, "\r\n", 2);
}

/* origin_send queues a whole response. */
static void
origin_send(struct oconn *c, int code, const char *type, const void *body,
    size_t len, const char *extra)
{
	origin_head(c, code, type, code == 304 ? -1 : (long long)len, extra);
	if (code != 304 && len > 0)
		evbuffer_add(bufferevent_get_output(c->bev), body, len);
	c->state = O_FLUSH;
}

/* origin_words appends n pseudo-random words chosen by seed. */
static void
origin_words(char *buf, size_t size, uint64_t seed, int n)
{
	static const char *w[] = { "river", "market", "council", "storm",
	    "energy", "vote", "harbour", "science", "garden", "rail", "film",
	    "league", "budget", "island", "museum", "bridge", "forest",
	    "school", "festival", "satellite", "election", "factory",
	    "hospital", "orchestra", "glacier", "tariff", "startup",
	    "vaccine", "drought", "telescope", "referendum", "merger" };
	size_t	 len = strlen(buf);
	int	 i;

	for (i = 0; i < n && len + 16 < size; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		len += snprintf(buf + len, size - len, "%s%s", i ? " " : "",
		    w[(seed >> 33) % (sizeof w / sizeof w[0])]);
	}
}

/*
 * origin_feed generates the feed NAME of generation gen (-1: the current
 * one): items numbered gen .. gen+n-1, each with its own text so that none
 * fold.
 */
static char *
origin_feed(struct origin *o, const char *name, int n, int atom,
    const char *chan, long spacing, int gen, size_t *lenp)
{
	char		*buf, text[512], date[64];
	size_t		 size, len;
	int		 k;
	uint64_t	 seed;
	time_t		 t;

	if (gen < 0) {
		pthread_mutex_lock(&o->lock);
		gen = o->generation;
		pthread_mutex_unlock(&o->lock);
	}
	size = 1024 + (chan != NULL ? strlen(chan) : 0) + (size_t)n * 1024;
	buf = ocalloc(1, size);
	if (atom)
		len = snprintf(buf, size, "<?xml version=\"1.0\" encoding="
		    "\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">"
		    "<title>Feed %s</title><id>urn:origin:%s</id><link href="
		    "\"http://origin.test/%s/\"/><updated>2024-01-01T00:00:00Z"
		    "</updated>\n", name, name, name);
	else
		len = snprintf(buf, size, "<?xml version=\"1.0\" encoding="
		    "\"utf-8\"?>\n<rss version=\"2.0\" xmlns:sy=\"http://"
		    "purl.org/rss/1.0/modules/syndication/\"><channel><title>"
		    "Feed %s</title><link>http://origin.test/%s/</link>"
		    "<description>Generated feed %s</description>\n", name,
		    name, name);
	if (chan != NULL && !atom)
		len += snprintf(buf + len, size - len, "%s\n", chan);
	for (k = gen + n - 1; k >= gen; k--) {
		seed = origin_hash(name, strlen(name)) ^ (uint64_t)k * 7919;
		text[0] = '\0';
		origin_words(text, sizeof text, seed, 40);
		t = 1700000000 + (time_t)k * 3600;
		if (spacing > 0)	/* recent: the newest a minute old */
			t = o->epoch + 86400 - 60 - (time_t)(gen + n - 1 - k) *
			    spacing;
		if (atom) {
			struct tm tm;

			gmtime_r(&t, &tm);
			strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
			len += snprintf(buf + len, size - len, "<entry><title>"
			    "%s item %d</title><id>urn:origin:%s:%d</id><link "
			    "href=\"http://origin.test/%s/%d\"/><updated>%s"
			    "</updated><summary>%s</summary></entry>\n", name,
			    k, name, k, name, k, date, text);
		} else {
			origin_httpdate(t, date, sizeof date);
			len += snprintf(buf + len, size - len, "<item><title>"
			    "%s item %d</title><link>http://origin.test/%s/%d"
			    "</link><guid>http://origin.test/%s/%d</guid>"
			    "<pubDate>%s</pubDate><description>%s"
			    "</description></item>\n", name, k, name, k, name,
			    k, date, text);
		}
	}
	len += snprintf(buf + len, size - len, atom ? "</feed>\n" :
	    "</channel></rss>\n");
	*lenp = len;
	return (buf);
}

/* origin_gzip compresses data (gzip format); caller frees. */
static unsigned char *
origin_gzip(const void *data, size_t len, size_t *outlen)
{
	z_stream	 z;
	unsigned char	*out;
	size_t		 cap = len + len / 100 + 1024;

	out = ocalloc(1, cap);
	memset(&z, 0, sizeof z);
	deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
	z.next_in = (unsigned char *)(uintptr_t)data;
	z.avail_in = len;
	z.next_out = out;
	z.avail_out = cap;
	deflate(&z, Z_FINISH);
	*outlen = z.total_out;
	deflateEnd(&z);
	return (out);
}

/*
 * origin_bomb builds (once) 64 MiB of spaces, gzipped, cheaply: a raw
 * deflate of one 1 MiB chunk after a full flush is the same bytes for every
 * chunk, so two chunks are compressed and the second is repeated; the
 * trailer's CRC is combined arithmetically.
 */
static void
origin_bomb(struct origin *o)
{
	static const unsigned char hdr[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0,
	    0, 3 };
	z_stream	 z;
	unsigned char	*in, *a, *b, *d;
	size_t		 chunk = 1024 * 1024, cap = 64 * 1024, alen, blen, dlen;
	size_t		 off, nchunks = ORIGIN_BOMB / (1024 * 1024), i;
	uLong		 crc, c1;

	if (o->bomb != NULL)
		return;
	in = ocalloc(1, chunk);
	memset(in, ' ', chunk);
	a = ocalloc(1, cap);
	b = ocalloc(1, cap);
	d = ocalloc(1, 64);
	memset(&z, 0, sizeof z);
	deflateInit2(&z, 9, Z_DEFLATED, -MAX_WBITS, 9, Z_DEFAULT_STRATEGY);
	z.next_in = in;
	z.avail_in = chunk;
	z.next_out = a;
	z.avail_out = cap;
	deflate(&z, Z_FULL_FLUSH);
	alen = cap - z.avail_out;
	z.next_in = in;
	z.avail_in = chunk;
	z.next_out = b;
	z.avail_out = cap;
	deflate(&z, Z_FULL_FLUSH);
	blen = cap - z.avail_out;
	z.next_out = d;
	z.avail_out = 64;
	deflate(&z, Z_FINISH);
	dlen = 64 - z.avail_out;
	deflateEnd(&z);
	c1 = crc32(0, in, chunk);
	crc = c1;
	for (i = 1; i < nchunks; i++)
		crc = crc32_combine(crc, c1, chunk);
	o->bomblen = sizeof hdr + alen + (nchunks - 1) * blen + dlen + 8;
	o->bomb = ocalloc(1, o->bomblen);
	memcpy(o->bomb, hdr, sizeof hdr);
	off = sizeof hdr;
	memcpy(o->bomb + off, a, alen);
	off += alen;
	for (i = 1; i < nchunks; i++, off += blen)
		memcpy(o->bomb + off, b, blen);
	memcpy(o->bomb + off, d, dlen);
	off += dlen;
	for (i = 0; i < 4; i++)
		o->bomb[off + i] = (crc >> (8 * i)) & 0xff;
	for (i = 0; i < 4; i++)
		o->bomb[off + 4 + i] = ((uint32_t)ORIGIN_BOMB >> (8 * i)) &
		    0xff;
	free(in);
	free(a);
	free(b);
	free(d);
}

/* origin_fresh says whether the client's validators match. */
static int
origin_fresh(struct oconn *c, const char *etag, time_t lm)
{
	time_t	t;

	if (c->inm != NULL)
		return (strstr(c->inm, etag) != NULL);
	if (c->ims != NULL && (t = origin_parsedate(c->ims)) != -1)
		return (t >= lm);
	return (0);
}

/*
 * origin_serve_feed answers a generated feed, with validators unless
 * plain, as a 304 when the client's match.
 */
static void
origin_serve_feed(struct oconn *c, const char *name, int flags,
    const char *chan, long spacing, int maxage)
{
	struct origin	*o = c->o;
	char		*body, etag[40], lm[64], extra[512], *q;
	unsigned char	*gz;
	size_t		 len, gzlen;
	int		 n = 10, gen, fresh;
	time_t		 t;
	const char	*type = "application/rss+xml; charset=utf-8";

	if ((q = strstr(name, "?items=")) != NULL) {
		n = atoi(q + 7);
		if (n < 0 || n > 5000)
			n = 10;
	}
	/* One reading of the generation: the body and Last-Modified agree. */
	pthread_mutex_lock(&o->lock);
	gen = o->generation;
	pthread_mutex_unlock(&o->lock);
	body = origin_feed(o, name, n, flags & 1, chan, spacing, gen, &len);
	snprintf(etag, sizeof etag, "\"%016llx\"",
	    (unsigned long long)origin_hash(body, len));
	t = o->epoch + (time_t)gen * 60;
	origin_httpdate(t, lm, sizeof lm);
	extra[0] = '\0';
	if (!(flags & 2))
		snprintf(extra, sizeof extra, "ETag: %s\r\nLast-Modified: %s"
		    "\r\n", etag, lm);
	fresh = !(flags & 2) && origin_fresh(c, etag, t);
	/* Flag 16: the freshness lifetime comes with a 200 only. */
	if (maxage >= 0 && !(fresh && (flags & 16)))
		snprintf(extra + strlen(extra), sizeof extra - strlen(extra),
		    "Cache-Control: max-age=%d\r\n", maxage);
	if (flags & 1)
		type = "application/atom+xml";
	if (flags & 8)
		type = "application/octet-stream";
	if (fresh)
		origin_send(c, 304, NULL, NULL, 0, extra);
	else if (flags & 4) {
		gz = origin_gzip(body, len, &gzlen);
		strncat(extra, "Content-Encoding: gzip\r\nVary: Accept-Encoding"
		    "\r\n", sizeof extra - strlen(extra) - 1);
		origin_send(c, 200, type, gz, gzlen, extra);
		free(gz);
	} else
		origin_send(c, 200, type, body, len, extra);
	free(body);
}

/* origin_serve_file answers a fixture file. */
static void
origin_serve_file(struct oconn *c, const char *name)
{
	char	*path, *body = NULL;
	FILE	*fp;
	long	 len;

	if (c->o->dir == NULL || strstr(name, "..") != NULL ||
	    asprintf(&path, "%s/%s", c->o->dir, name) == -1) {
		origin_send(c, 404, "text/plain", "no\n", 3, NULL);
		return;
	}
	if ((fp = fopen(path, "rb")) != NULL) {
		fseek(fp, 0, SEEK_END);
		len = ftell(fp);
		rewind(fp);
		body = ocalloc(1, len + 1);
		if (fread(body, 1, len, fp) != (size_t)len)
			len = 0;
		fclose(fp);
		origin_send(c, 200, "application/xml", body, len, NULL);
	} else
		origin_send(c, 404, "text/plain", "no\n", 3, NULL);
	free(body);
	free(path);
}

/* origin_redirect answers a redirect to location. */
static void
origin_redirect(struct oconn *c, int code, const char *location)
{
	char	*extra;

	if (asprintf(&extra, "Location: %s\r\n", location) == -1)
		abort();
	origin_send(c, code, "text/plain", "moved\n", 6, extra);
	free(extra);
}

/* origin_serve_status answers /status/CODE[/SEC | /date/SEC]. */
static void
origin_serve_status(struct oconn *c, const char *rest)
{
	char	 extra[128], date[64];
	int	 code, sec;
	char	*end;

	code = strtol(rest, &end, 10);
	if (code < 200 || code > 599)
		code = 500;
	extra[0] = '\0';
	if (strncmp(end, "/date/", 6) == 0) {
		sec = atoi(end + 6);
		origin_httpdate(time(NULL) + sec, date, sizeof date);
		snprintf(extra, sizeof extra, "Retry-After: %s\r\n", date);
	} else if (*end == '/')
		snprintf(extra, sizeof extra, "Retry-After: %d\r\n",
		    atoi(end + 1));
	origin_send(c, code, "text/html", "<html><body>status</body></html>\n",
	    strlen("<html><body>status</body></html>\n"), extra);
}

/* origin_stream_cb refills /big and /bigchunked as the output drains. */
static void
origin_stream(struct oconn *c)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev);
	static char	 chunk[65536];
	size_t		 n;

	if (chunk[0] == '\0')
		memset(chunk, 'x', sizeof chunk);
	while (c->remaining > 0 && evbuffer_get_length(out) < 256 * 1024) {
		n = c->remaining < (long long)sizeof chunk ?
		    (size_t)c->remaining : sizeof chunk;
		if (c->chunked)
			evbuffer_add_printf(out, "%zx\r\n", n);
		evbuffer_add(out, chunk, n);
		if (c->chunked)
			evbuffer_add(out, "\r\n", 2);
		c->remaining -= n;
	}
	if (c->remaining == 0) {
		if (c->chunked)
			evbuffer_add(out, "0\r\n\r\n", 5);
		c->state = O_FLUSH;
	}
}

/* origin_drip_cb sends one more byte of a body that never ends. */
static void
origin_drip_cb(evutil_socket_t fd, short what, void *arg)
{
	struct oconn	*c = arg;
	struct timeval	 tv = { 0, 100 * 1000 };

	bufferevent_write(c->bev, "<", 1);
	evtimer_add(c->timer, &tv);
}

/* origin_slow_cb answers a delayed request. */
static void
origin_slow_cb(evutil_socket_t fd, short what, void *arg)
{
	struct oconn	*c = arg;
	char		*p = c->pending;

	c->pending = NULL;
	origin_dispatch(c, p);
	free(p);
	if (c->state == O_FLUSH &&
	    evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		origin_next(c);
}

/* origin_hostile answers the fault paths; returns 0 when path is not one. */
static int
origin_hostile(struct oconn *c, const char *path)
{
	static const char bad[] = "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
	    "<rss version=\"2.0\"><channel><title>Bad \xff\xfe bytes</title>"
	    "<link>http://origin.test/bad/</link><item><title>Caf\xe9 "
	    "\xc3\x28 \xed\xa0\x80</title><guid>bad-1</guid><description>"
	    "over\xc0\xaflong</description></item></channel></rss>\n";
	static const char nul[] = "<?xml version=\"1.0\"?><rss version=\"2.0\">"
	    "<channel><title>Nul\0 feed</title><item><title>a\0b</title>"
	    "<guid>nul-1</guid></item></channel></rss>\n";
	static const char html[] = "<!DOCTYPE html><html><head><title>A site"
	    "</title><link rel=\"stylesheet\" href=\"/s.css\"><link rel="
	    "\"alternate\" type=\"application/rss+xml\" title=\"Site feed\" "
	    "href=\"/feed/discovered\"></head><body><p>Hello</p></body>"
	    "</html>\n";
	struct timeval	 tv = { 0, 100 * 1000 };
	unsigned char	*gz;
	char		*body;
	size_t		 len, gzlen;

	if (strcmp(path, "/empty") == 0) {
		c->state = O_FLUSH;
		c->close_after = 1;
	} else if (strcmp(path, "/hang") == 0)
		c->state = O_DEAD;
	else if (strcmp(path, "/drip") == 0) {
		origin_head(c, 200, "application/rss+xml", 1000000, NULL);
		c->state = O_DEAD;
		c->timer = evtimer_new(c->o->base, origin_drip_cb, c);
		evtimer_add(c->timer, &tv);
	} else if (strcmp(path, "/reset") == 0) {
		body = origin_feed(c->o, "reset", 40, 0, NULL, 0, -1, &len);
		origin_head(c, 200, "application/rss+xml", 100000, NULL);
		bufferevent_write(c->bev, body, len < 2000 ? len : 2000);
		free(body);
		c->state = O_FLUSH;
		c->reset_after = 1;
	} else if (strcmp(path, "/truncgzip") == 0) {
		body = origin_feed(c->o, "truncgzip", 40, 0, NULL, 0, -1,
		    &len);
		gz = origin_gzip(body, len, &gzlen);
		origin_send(c, 200, "application/rss+xml", gz, gzlen / 2,
		    "Content-Encoding: gzip\r\n");
		free(gz);
		free(body);
	} else if (strcmp(path, "/bomb") == 0) {
		origin_bomb(c->o);
		origin_send(c, 200, "application/rss+xml", c->o->bomb,
		    c->o->bomblen, "Content-Encoding: gzip\r\n");
	} else if (strcmp(path, "/big") == 0 ||
	    strcmp(path, "/bigchunked") == 0) {
		c->chunked = path[4] != '\0';
		origin_head(c, 200, "application/rss+xml", c->chunked ? -1 :
		    ORIGIN_BIG, NULL);
		c->remaining = ORIGIN_BIG;
		c->state = O_STREAM;
		origin_stream(c);
	} else if (strcmp(path, "/badutf8") == 0)
		origin_send(c, 200, "application/rss+xml", bad, sizeof bad - 1,
		    NULL);
	else if (strcmp(path, "/nul") == 0)
		origin_send(c, 200, "application/rss+xml", nul, sizeof nul - 1,
		    NULL);
	else if (strcmp(path, "/html") == 0)
		origin_send(c, 200, "text/html; charset=utf-8", html,
		    sizeof html - 1, NULL);
	else if (strcmp(path, "/loop") == 0)
		origin_redirect(c, 302, "/loop");
	else
		return (0);
	return (1);
}

/* origin_skiphours writes a <skipHours> of every hour but keep. */
static void
origin_skiphours(char *buf, size_t size, int keep)
{
	size_t	len;
	int	h;

	len = snprintf(buf, size, "<skipHours>");
	for (h = 0; h < 24; h++) {
		if (h != keep)
			len += snprintf(buf + len, size - len, "<hour>%d</hour>",
			    h);
	}
	snprintf(buf + len, size - len, "</skipHours>");
}

/* origin_dispatch answers path on c. */
static void
origin_dispatch(struct oconn *c, const char *path)
{
	char		*loc, *end, chan[512];
	int		 code, n, ms;
	struct timeval	 tv;

	if (origin_hostile(c, path))
		return;
	if (strncmp(path, "/feed/", 6) == 0)
		origin_serve_feed(c, path + 6, 0, NULL, 0, -1);
	else if (strncmp(path, "/atom/", 6) == 0)
		origin_serve_feed(c, path + 6, 1, NULL, 0, -1);
	else if (strncmp(path, "/plain/", 7) == 0)
		origin_serve_feed(c, path + 7, 2, NULL, 0, -1);
	else if (strncmp(path, "/gzip/", 6) == 0)
		origin_serve_feed(c, path + 6, 4, NULL, 0, -1);
	else if (strncmp(path, "/ctype/", 7) == 0)
		origin_serve_feed(c, path + 7, 8, NULL, 0, -1);
	else if (strncmp(path, "/ttl/", 5) == 0) {
		n = strtol(path + 5, &end, 10);
		snprintf(chan, sizeof chan, "<ttl>%d</ttl>", n);
		origin_serve_feed(c, *end == '/' ? end + 1 : end, 0, chan, 0,
		    -1);
	} else if (strncmp(path, "/sy/", 4) == 0) {
		n = strcspn(path + 4, "/");
		ms = atoi(path + 4 + n + (path[4 + n] == '/'));
		snprintf(chan, sizeof chan, "<sy:updatePeriod>%.*s</sy:"
		    "updatePeriod><sy:updateFrequency>%d</sy:updateFrequency>",
		    (int)n, path + 4, ms);
		end = strchr(path + 4 + n + 1, '/');
		origin_serve_feed(c, end != NULL ? end + 1 : "sy", 0, chan, 0,
		    -1);
	} else if (strncmp(path, "/skiphours/", 11) == 0) {
		n = strtol(path + 11, &end, 10);
		origin_skiphours(chan, sizeof chan, n);
		origin_serve_feed(c, *end == '/' ? end + 1 : end, 0, chan, 0,
		    -1);
	} else if (strncmp(path, "/recent/", 8) == 0) {
		n = strtol(path + 8, &end, 10);
		origin_serve_feed(c, *end == '/' ? end + 1 : end, 0, NULL,
		    n > 0 ? n : 3600, -1);
	} else if (strncmp(path, "/maxage/", 8) == 0) {
		n = strtol(path + 8, &end, 10);
		origin_serve_feed(c, *end == '/' ? end + 1 : end, 0, NULL, 0,
		    n);
	} else if (strncmp(path, "/maxage200/", 11) == 0) {
		n = strtol(path + 11, &end, 10);
		origin_serve_feed(c, *end == '/' ? end + 1 : end, 16, NULL, 0,
		    n);
	} else if (strncmp(path, "/file/", 6) == 0)
		origin_serve_file(c, path + 6);
	else if (strncmp(path, "/status/", 8) == 0)
		origin_serve_status(c, path + 8);
	else if (strncmp(path, "/to/", 4) == 0 &&
	    (loc = strchr(path, '?')) != NULL)
		origin_redirect(c, atoi(path + 4), loc + 1);
	else if (strncmp(path, "/redir/", 7) == 0) {
		code = strtol(path + 7, &end, 10);
		n = *end == '/' ? strtol(end + 1, &end, 10) : 0;
		if (*end != '/' || n < 1)
			n = 1;
		if (n > 1) {
			if (asprintf(&loc, "/redir/%d/%d%s", code, n - 1, end)
			    == -1)
				abort();
		} else
			loc = ostrdup(end);
		origin_redirect(c, code, loc);
		free(loc);
	} else if (strncmp(path, "/slow/", 6) == 0) {
		ms = strtol(path + 6, &end, 10);
		c->state = O_BUSY;
		c->pending = ostrdup(*end == '/' ? end : "/");
		tv.tv_sec = ms / 1000;
		tv.tv_usec = (ms % 1000) * 1000;
		if (c->timer == NULL)
			c->timer = evtimer_new(c->o->base, origin_slow_cb, c);
		evtimer_add(c->timer, &tv);
	} else
		origin_send(c, 404, "text/plain", "not found\n", 10, NULL);
}

/* origin_header finds a header's value in a request head, or NULL. */
static char *
origin_header(const char *head, const char *name)
{
	const char	*p = head;
	size_t		 n = strlen(name), len;

	while ((p = strstr(p, "\r\n")) != NULL) {
		p += 2;
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			p += n + 1;
			while (*p == ' ')
				p++;
			len = strcspn(p, "\r\n");
			return (strndup(p, len));
		}
	}
	return (NULL);
}

/* origin_request_in parses and answers one buffered request, if whole. */
static int
origin_request_in(struct oconn *c)
{
	struct evbuffer		*in = bufferevent_get_input(c->bev);
	struct evbuffer_ptr	 end;
	char			*head, method[16], path[4096], *p;
	char			*hdr[5];
	size_t			 len;

	end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
	if (end.pos == -1) {
		if (evbuffer_get_length(in) > ORIGIN_HEADER_MAX)
			c->close_after = 1;
		return (0);
	}
	len = end.pos + 4;
	head = ocalloc(1, len + 1);
	evbuffer_remove(in, head, len);
	if (sscanf(head, "%15s %4095s", method, path) != 2) {
		free(head);
		c->close_after = 1;
		c->state = O_FLUSH;
		return (1);
	}
	/* An absolute URI (we are asked as a proxy): serve its path. */
	if (strncmp(path, "http://", 7) == 0) {
		p = strchr(path + 7, '/');
		memmove(path, p != NULL ? p : "/", strlen(p != NULL ? p : "/") +
		    1);
	}
	hdr[0] = origin_header(head, "Host");
	hdr[1] = origin_header(head, "If-None-Match");
	hdr[2] = origin_header(head, "If-Modified-Since");
	hdr[3] = origin_header(head, "User-Agent");
	hdr[4] = origin_header(head, "Accept-Encoding");
	origin_record(c, method, path, hdr);
	free(c->inm);
	free(c->ims);
	c->inm = hdr[1];
	c->ims = hdr[2];
	c->gzip_ok = hdr[4] != NULL && strstr(hdr[4], "gzip") != NULL;
	free(hdr[0]);
	free(hdr[3]);
	free(hdr[4]);
	free(head);
	c->state = O_BUSY;
	origin_dispatch(c, path);
	return (1);
}

/* origin_close ends a connection, with a reset when asked. */
static void
origin_close(struct oconn *c)
{
	struct linger	l = { 1, 0 };

	if (c->reset_after)
		setsockopt(bufferevent_getfd(c->bev), SOL_SOCKET, SO_LINGER, &l,
		    sizeof l);
	origin_conn_free(c);
}

/* origin_next finishes an answer and starts on the next request. */
static void
origin_next(struct oconn *c)
{
	origin_unrecord(c);
	if (c->close_after || c->reset_after) {
		origin_close(c);
		return;
	}
	c->state = O_IDLE;
	if (evbuffer_get_length(bufferevent_get_input(c->bev)) > 0 &&
	    origin_request_in(c) && c->state == O_FLUSH &&
	    evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		origin_next(c);
}

static void
origin_read_cb(struct bufferevent *bev, void *arg)
{
	struct oconn	*c = arg;

	if (c->state != O_IDLE)
		return;
	if (!origin_request_in(c)) {
		if (c->close_after)
			origin_close(c);
		return;
	}
	if (c->state == O_FLUSH &&
	    evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		origin_next(c);
}

static void
origin_write_cb(struct bufferevent *bev, void *arg)
{
	struct oconn	*c = arg;

	if (c->state == O_STREAM)
		origin_stream(c);
	else if (c->state == O_FLUSH)
		origin_next(c);
}

static void
origin_event_cb(struct bufferevent *bev, short what, void *arg)
{
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		origin_conn_free(arg);
}

static void
origin_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct origin	*o = arg;
	struct oconn	*c;

	c = ocalloc(1, sizeof *c);
	c->o = o;
	c->id = ++o->nconns;
	TAILQ_INSERT_TAIL(&o->conns, c, entry);
	c->bev = bufferevent_socket_new(o->base, fd, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(c->bev, origin_read_cb, origin_write_cb,
	    origin_event_cb, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

static void
origin_ctl_cb(evutil_socket_t fd, short what, void *arg)
{
	struct origin	*o = arg;

	event_base_loopbreak(o->base);
}

static void *
origin_thread(void *arg)
{
	struct origin	*o = arg;

	event_base_dispatch(o->base);
	return (NULL);
}

/* origin_listen binds 127.0.0.N:port; returns the port or -1. */
static int
origin_listen(struct origin *o, int n, int port)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;
	struct evconnlistener	*l;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(0x7f000000 | n);
	l = evconnlistener_new_bind(o->base, origin_accept_cb, o,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 512,
	    (struct sockaddr *)&sin, sizeof sin);
	if (l == NULL)
		return (-1);
	o->listeners[o->nlisteners++] = l;
	getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&sin, &len);
	return (ntohs(sin.sin_port));
}

/* origin_refuser reserves a port that refuses connections. */
static int
origin_refuser(struct origin *o)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;

	o->refused_fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (o->refused_fd == -1 || bind(o->refused_fd,
	    (struct sockaddr *)&sin, sizeof sin) == -1)
		return (-1);
	getsockname(o->refused_fd, (struct sockaddr *)&sin, &len);
	o->refused_port = ntohs(sin.sin_port);
	return (0);
}

struct origin *
origin_start(int nhosts, int port, const char *dir)
{
	struct origin	*o;
	int		 i, p;

	if (nhosts < 1 || nhosts > ORIGIN_MAXHOSTS)
		return (NULL);
	o = ocalloc(1, sizeof *o);
	pthread_mutex_init(&o->lock, NULL);
	clock_gettime(CLOCK_MONOTONIC, &o->t0);
	o->epoch = time(NULL) - 86400;
	o->dir = ostrdup(dir);
	o->refused_fd = -1;
	TAILQ_INIT(&o->conns);
	if ((o->base = event_base_new()) == NULL)
		abort();
	for (i = 1; i <= nhosts; i++) {
		p = origin_listen(o, i, port);
		if (p == -1) {
			origin_stop(o);
			return (NULL);
		}
		port = p;
	}
	o->port = port;
	if (origin_refuser(o) == -1 || pipe(o->ctl) == -1) {
		origin_stop(o);
		return (NULL);
	}
	o->ctl_ev = event_new(o->base, o->ctl[0], EV_READ, origin_ctl_cb, o);
	event_add(o->ctl_ev, NULL);
	if (pthread_create(&o->thread, NULL, origin_thread, o) != 0)
		abort();
	return (o);
}

void
origin_stop(struct origin *o)
{
	int	i;

	if (o == NULL)
		return;
	if (o->ctl_ev != NULL) {
		if (write(o->ctl[1], "x", 1) != 1)
			abort();
		pthread_join(o->thread, NULL);
		event_free(o->ctl_ev);
		close(o->ctl[0]);
		close(o->ctl[1]);
	}
	for (i = 0; i < o->nlisteners; i++)
		evconnlistener_free(o->listeners[i]);
	while (!TAILQ_EMPTY(&o->conns))
		origin_conn_free(TAILQ_FIRST(&o->conns));
	event_base_free(o->base);
	if (o->refused_fd != -1)
		close(o->refused_fd);
	origin_reset(o);
	free(o->reqs);
	for (i = 0; i < o->nhosts; i++)
		free(o->hosts[i].name);
	free(o->bomb);
	free(o->dir);
	pthread_mutex_destroy(&o->lock);
	free(o);
}

int
origin_port(struct origin *o)
{
	return (o->port);
}

int
origin_refused_port(struct origin *o)
{
	return (o->refused_port);
}

void
origin_set_generation(struct origin *o, int g)
{
	pthread_mutex_lock(&o->lock);
	o->generation = g;
	pthread_mutex_unlock(&o->lock);
}

void
origin_log(struct origin *o, FILE *fp)
{
	pthread_mutex_lock(&o->lock);
	o->logfp = fp;
	pthread_mutex_unlock(&o->lock);
}

int
origin_nrequests(struct origin *o)
{
	int	n;

	pthread_mutex_lock(&o->lock);
	n = o->nreqs;
	pthread_mutex_unlock(&o->lock);
	return (n);
}

int
origin_request(struct origin *o, int i, struct origin_req *r)
{
	struct origin_req	*s;

	memset(r, 0, sizeof *r);
	pthread_mutex_lock(&o->lock);
	if (i < 0 || i >= o->nreqs) {
		pthread_mutex_unlock(&o->lock);
		return (-1);
	}
	s = &o->reqs[i];
	*r = *s;
	r->method = ostrdup(s->method);
	r->path = ostrdup(s->path);
	r->host = ostrdup(s->host);
	r->if_none_match = ostrdup(s->if_none_match);
	r->if_modified_since = ostrdup(s->if_modified_since);
	r->user_agent = ostrdup(s->user_agent);
	r->accept_encoding = ostrdup(s->accept_encoding);
	pthread_mutex_unlock(&o->lock);
	return (0);
}

void
origin_req_clear(struct origin_req *r)
{
	free(r->method);
	free(r->path);
	free(r->host);
	free(r->if_none_match);
	free(r->if_modified_since);
	free(r->user_agent);
	free(r->accept_encoding);
	memset(r, 0, sizeof *r);
}

void
origin_reset(struct origin *o)
{
	int	i;

	pthread_mutex_lock(&o->lock);
	for (i = 0; i < o->nreqs; i++)
		origin_req_clear(&o->reqs[i]);
	o->nreqs = 0;
	o->max_host_active = 0;
	pthread_mutex_unlock(&o->lock);
}

int
origin_max_host_active(struct origin *o)
{
	int	n;

	pthread_mutex_lock(&o->lock);
	n = o->max_host_active;
	pthread_mutex_unlock(&o->lock);
	return (n);
}

int
origin_count(struct origin *o, const char *prefix)
{
	int	i, n = 0;

	pthread_mutex_lock(&o->lock);
	for (i = 0; i < o->nreqs; i++) {
		if (strncmp(o->reqs[i].path, prefix, strlen(prefix)) == 0)
			n++;
	}
	pthread_mutex_unlock(&o->lock);
	return (n);
}
