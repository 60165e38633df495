/*
 * publish.c: the publish cache.  A document (a format, a tag, a page) is
 * rendered from the store once, kept as identity and gzip bytes with a
 * strong ETag and a Last-Modified time, and served from memory until the
 * store changes (store_version()).  A re-render that gives the same bytes
 * keeps the old ETag and time, so conditional requests keep answering 304.
 *
 * Documents are reference counted: the server hands the bytes to libevent
 * without copying, and a document replaced while a response is still being
 * written lives until that write is done.
 *
 * When [output] hub is set, a timer watches the store and pings the WebSub
 * hub (an asynchronous POST through libcurl) for each first-page feed
 * whose bytes changed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/mman.h>

#include <unistd.h>

#include <curl/curl.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <zlib.h>

#include "buf.h"
#include "daemon.h"
#include "feeds.h"
#include "log.h"
#include "storage.h"
#include "xmalloc.h"

#define PUBLISH_SLOTS	64	/* documents kept; least recently used go */
#define PUBLISH_WATCH	2	/* seconds between store checks (WebSub) */
#define PUBLISH_TAG_MAX	64	/* bytes of a tag name */
#define PUBLISH_CURSOR_MAX 128	/* bytes of a paging cursor */
#define PUBLISH_PINGS	32	/* hub pings in flight at most */
#define PUBLISH_TAG_PINGS 8	/* tags whose feeds the hub hears about */
#define PUBLISH_TOPICS	(3 * (1 + PUBLISH_TAG_PINGS))
#define PUBLISH_RECHECK_MS 100	/* store version asked at most this often */
#define PUBLISH_MIN_AGE_MS 1000	/* a document is re-rendered at most this often */
#define PUBLISH_BACKOFF_MAX 600	/* seconds between retries to a dead hub */
#define PUBLISH_SENDFILE (32 * 1024)	/* bodies this big go by sendfile(2) */

/* A feed the hub hears about, and the ETag it last heard of. */
struct publish_topic {
	int			 format;
	char			*tag;
	char			*etag;
};

/* One cached document and the request it answers. */
struct publish_slot {
	int			 format;
	char			*tag;
	char			*cursor;
	long long		 version;	/* store version rendered */
	int			 reloads;	/* configuration rendered */
	unsigned long long	 used;		/* LRU clock */
	long long		 rendered;	/* ms, monotonic */
	struct publish_doc	*doc;
};

struct publish {
	struct daemon		*daemon;
	struct publish_source	 source;
	struct publish_slot	 slots[PUBLISH_SLOTS];
	unsigned long long	 clock;
	struct publish_stats	 stats;
	long long		 version;	/* the store's, last asked */
	long long		 checked;	/* when (ms, monotonic) */

	/* WebSub: the watch timer and the pings in flight. */
	struct event		*watch;
	struct event		*pump;
	CURLM			*multi;
	CURL			*pings[PUBLISH_PINGS];
	long long		 watched;	/* store version last checked */
	long long		 backoff;	/* seconds, after a failed ping */
	int			 reloads;	/* configuration of the topics */
	long long		 retry_at;	/* no ping before (epoch) */
	struct publish_topic	 topics[PUBLISH_TOPICS];	/* pinged */
};

static const struct {
	const char	*name;
	const char	*ext;
	const char	*type;
	char		*(*render)(const struct channel *);
} publish_formats[] = {
	{ "atom", ".atom", "application/atom+xml; charset=utf-8",
	    write_atom },
	{ "rss", ".rss", "application/rss+xml; charset=utf-8", write_rss },
	{ "json", ".json", "application/feed+json; charset=utf-8",
	    write_json },
	{ "html", ".html", "text/html; charset=utf-8", write_html },
	{ "opml", ".opml", "text/x-opml; charset=utf-8", NULL },
};

int
publish_format(const char *name)
{
	size_t	 i;

	for (i = 0; i < sizeof publish_formats / sizeof publish_formats[0];
	    i++) {
		if (strcmp(name, publish_formats[i].name) == 0)
			return ((int)i);
	}
	return (-1);
}

const char *
publish_type(int format)
{
	return (publish_formats[format].type);
}

/* publish_escape appends s percent-encoded for a path or query value. */
static void
publish_escape(struct buf *b, const char *s)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p) != NULL)
			buf_putc(b, (char)*p);
		else
			buf_printf(b, "%%%02X", *p);
	}
}

/*
 * publish_url returns the absolute URL of a document: the river is the
 * [output] link itself, a feed is feed.EXT or tags/TAG.EXT under it.
 * With ext NULL, the feeds' base (no extension) is returned.
 */
char *
publish_url(const struct config *c, int format, const char *tag,
    const char *ext, const char *cursor)
{
	struct buf	 b;

	buf_init(&b);
	buf_puts(&b, c->link);
	if (b.len == 0 || b.data[b.len - 1] != '/')
		buf_putc(&b, '/');
	if (tag != NULL) {
		buf_puts(&b, "tags/");
		publish_escape(&b, tag);
	} else if (format != PUBLISH_HTML || ext == NULL)
		buf_puts(&b, "feed");
	if (ext != NULL && (format != PUBLISH_HTML || tag != NULL))
		buf_puts(&b, ext);
	if (cursor != NULL) {
		buf_puts(&b, "?after=");
		publish_escape(&b, cursor);
	}
	return (buf_steal(&b));
}

/* publish_dress fills what the store leaves to the caller: names, URLs. */
static void
publish_dress(const struct config *conf, struct channel *ch, int format,
    const char *tag, const char *cursor)
{
	const char	*ext = publish_formats[format].ext;
	char		*next;
	long long	 t;
	int		 i;

	free(ch->title);
	if (tag != NULL)
		xasprintf(&ch->title, "%s: %s", conf->title, tag);
	else
		ch->title = xstrdup(conf->title);
	free(ch->link);
	ch->link = xstrdup(conf->link);
	free(ch->self);
	ch->self = publish_url(conf, format, tag, ext, cursor);
	free(ch->id);
	ch->id = publish_url(conf, format, tag, ext, NULL);
	free(ch->feed_base);
	ch->feed_base = publish_url(conf, format, tag, NULL, NULL);
	free(ch->hub);
	ch->hub = xstrdup0(conf->hub);
	next = ch->next;
	ch->next = next != NULL ? publish_url(conf, format, tag, ext, next) :
	    NULL;
	free(next);
	if (ch->updated == 0)
		ch->updated = TIME_UNKNOWN;
	if (ch->updated == TIME_UNKNOWN) {
		for (i = 0; i < ch->nitems; i++) {
			t = write_updated(ch, &ch->items[i]);
			if (ch->updated == TIME_UNKNOWN || t > ch->updated)
				ch->updated = t;
		}
	}
}

/* publish_check_args refuses a tag or cursor we would not store. */
static int
publish_check_args(const char *tag, const char *cursor, char **cause)
{
	const unsigned char	*p;

	if (tag != NULL) {
		if (*tag == '\0' || strlen(tag) > PUBLISH_TAG_MAX) {
			if (cause != NULL)
				xasprintf(cause, "bad tag");
			return (-1);
		}
		for (p = (const unsigned char *)tag; *p != '\0'; p++) {
			if (*p < 0x20 || *p == 0x7f || *p == '/') {
				if (cause != NULL)
					xasprintf(cause, "bad tag");
				return (-1);
			}
		}
	}
	if (cursor != NULL && (*cursor == '\0' ||
	    strlen(cursor) > PUBLISH_CURSOR_MAX)) {
		if (cause != NULL)
			xasprintf(cause, "bad cursor");
		return (-1);
	}
	return (0);
}

char *
publish_render(const struct config *conf, const struct publish_source *src,
    int format, const char *tag, const char *cursor, char **cause)
{
	struct channel	*ch;
	char		*out;

	if (publish_check_args(tag, cursor, cause) != 0)
		return (NULL);
	if (format == PUBLISH_OPML) {
		if (src->opml == NULL)
			return (opml_write(NULL, 0, conf->title, 0));
		return (src->opml(src->arg, conf->title, src->started, cause));
	}
	if (src->channel != NULL) {
		ch = src->channel(src->arg, tag, cursor, conf->items,
		    conf->related, cause);
		if (ch == NULL)
			return (NULL);
	} else {
		ch = xcalloc(1, sizeof *ch);
		ch->updated = TIME_UNKNOWN;
	}
	publish_dress(conf, ch, format, tag, cursor);
	out = publish_formats[format].render(ch);
	channel_free(ch);
	return (out);
}

/* publish_gzip compresses len bytes of s; returns NULL if zlib fails. */
static char *
publish_gzip(const char *s, size_t len, size_t *outlen)
{
	z_stream	 z;
	char		*out;
	uLong		 cap;

	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return (NULL);
	cap = deflateBound(&z, (uLong)len) + 32;
	out = xmalloc(cap);
	z.next_in = (Bytef *)(uintptr_t)s;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)out;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&z);
		free(out);
		return (NULL);
	}
	*outlen = z.total_out;
	deflateEnd(&z);
	return (out);
}

/*
 * publish_segment puts bytes in a memory file that the server can hand to
 * the kernel with sendfile(2), as a static file server would; NULL when
 * small or when that fails (the bytes are then sent from memory).
 */
static struct evbuffer_file_segment *
publish_segment(const char *data, size_t len)
{
	struct evbuffer_file_segment	*seg;
	size_t				 off = 0;
	ssize_t				 n;
	int				 fd;

	if (len < PUBLISH_SENDFILE)
		return (NULL);
	if ((fd = memfd_create("syndic-doc", MFD_CLOEXEC)) == -1)
		return (NULL);
	while (off < len) {
		if ((n = write(fd, data + off, len - off)) <= 0) {
			close(fd);
			return (NULL);
		}
		off += (size_t)n;
	}
	seg = evbuffer_file_segment_new(fd, 0, (ev_off_t)len,
	    EVBUF_FS_CLOSE_ON_FREE | EVBUF_FS_DISABLE_LOCKING);
	if (seg == NULL)
		close(fd);
	return (seg);
}

/*
 * publish_links makes the Link header WebSub asks publishers for (the
 * documents also carry the links inside), or NULL without a hub.
 */
static char *
publish_links(const struct config *conf, int format, const char *tag,
    const char *cursor)
{
	struct buf	 b;
	char		*self;

	if (format == PUBLISH_OPML || !write_url_ok(conf->hub))
		return (NULL);
	self = publish_url(conf, format, tag, publish_formats[format].ext,
	    cursor);
	buf_init(&b);
	buf_putc(&b, '<');
	write_url(&b, self, 0);
	buf_puts(&b, ">; rel=\"self\", <");
	write_url(&b, conf->hub, 0);
	buf_puts(&b, ">; rel=\"hub\"");
	free(self);
	return (buf_steal(&b));
}

/* publish_doc_new wraps rendered bytes (taken) with gzip and validators. */
static struct publish_doc *
publish_doc_new(int format, char *body)
{
	struct publish_doc	*d;
	uint64_t		 h = 14695981039346656037ULL;
	size_t			 i;

	d = xcalloc(1, sizeof *d);
	d->refs = 1;
	d->format = format;
	d->type = publish_formats[format].type;
	d->body = body;
	d->len = strlen(body);
	d->gz = publish_gzip(body, d->len, &d->gzlen);
	for (i = 0; i < d->len; i++)
		h = (h ^ (unsigned char)body[i]) * 1099511628211ULL;
	snprintf(d->etag, sizeof d->etag, "\"%016llx%zx\"",
	    (unsigned long long)h, d->len % 0x10000);
	snprintf(d->etag_gz, sizeof d->etag_gz, "\"%016llx%zx-gz\"",
	    (unsigned long long)h, d->len % 0x10000);
	d->modified = (long long)time(NULL);
	write_rfc822(d->modified_text, d->modified);
	d->seg = publish_segment(d->body, d->len);
	if (d->gz != NULL)
		d->seg_gz = publish_segment(d->gz, d->gzlen);
	return (d);
}

void
publish_doc_ref(struct publish_doc *d)
{
	d->refs++;
}

void
publish_doc_unref(struct publish_doc *d)
{
	if (d == NULL || --d->refs > 0)
		return;
	/* Segments still queued for sending live on until sent. */
	if (d->seg != NULL)
		evbuffer_file_segment_free(d->seg);
	if (d->seg_gz != NULL)
		evbuffer_file_segment_free(d->seg_gz);
	free(d->body);
	free(d->gz);
	free(d->links);
	free(d);
}

/* publish_slot_clear empties one cache slot. */
static void
publish_slot_clear(struct publish_slot *s)
{
	free(s->tag);
	free(s->cursor);
	publish_doc_unref(s->doc);
	memset(s, 0, sizeof *s);
}

/* publish_eq compares two optional strings. */
static int
publish_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a == b);
	return (strcmp(a, b) == 0);
}

/* publish_find returns the slot of a document, or the one to reuse. */
static struct publish_slot *
publish_find(struct publish *p, int format, const char *tag,
    const char *cursor, int *found)
{
	struct publish_slot	*s, *victim = NULL;
	int			 i;

	for (i = 0; i < PUBLISH_SLOTS; i++) {
		s = &p->slots[i];
		if (s->doc != NULL && s->format == format &&
		    publish_eq(s->tag, tag) && publish_eq(s->cursor, cursor)) {
			*found = 1;
			return (s);
		}
		if (victim == NULL || s->doc == NULL ||
		    (victim->doc != NULL && s->used < victim->used))
			victim = s;
	}
	*found = 0;
	return (victim);
}

/*
 * publish_version asks the store for its version (0 without a store), at
 * most every PUBLISH_RECHECK_MS: asking takes a file lock in SQLite, which
 * would cost more than the rest of a 304.
 */
static long long
publish_version(struct publish *p)
{
	struct timespec	 ts;
	long long	 now;

	if (p->source.version == NULL)
		return (0);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	if (p->checked == 0 || now - p->checked >= PUBLISH_RECHECK_MS) {
		p->version = p->source.version(p->source.arg);
		p->checked = now;
	}
	return (p->version);
}

struct publish_doc *
publish_get(struct publish *p, int format, const char *tag,
    const char *cursor, char **cause)
{
	struct publish_slot	*s;
	struct publish_doc	*d;
	struct timespec		 t0, t1;
	long long		 version, now;
	char			*body;
	int			 found;

	version = publish_version(p);
	s = publish_find(p, format, tag, cursor, &found);
	s->used = ++p->clock;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	now = (long long)t0.tv_sec * 1000 + t0.tv_nsec / 1000000;
	/*
	 * While the store changes again and again (a poll burst, the
	 * related-stories backfill), a document is rendered at most every
	 * PUBLISH_MIN_AGE_MS; a new configuration is shown at once.
	 */
	if (found && s->reloads == p->daemon->reloads &&
	    (s->version == version || now - s->rendered < PUBLISH_MIN_AGE_MS)) {
		p->stats.hits++;
		publish_doc_ref(s->doc);
		return (s->doc);
	}
	body = publish_render(p->daemon->conf, &p->source, format, tag, cursor,
	    cause);
	if (body == NULL)
		return (NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	p->stats.renders++;
	p->stats.render_seconds += (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (found && strcmp(body, s->doc->body) == 0) {
		/* Same bytes: keep the validators clients already hold. */
		free(body);
		s->rendered = now;
		s->version = version;
		s->reloads = p->daemon->reloads;
		publish_doc_ref(s->doc);
		return (s->doc);
	}
	d = publish_doc_new(format, body);
	d->links = publish_links(p->daemon->conf, format, tag, cursor);
	if (found && d->modified <= s->doc->modified) {
		d->modified = s->doc->modified + 1;
		write_rfc822(d->modified_text, d->modified);
	}
	if (!found) {
		publish_slot_clear(s);
		s->format = format;
		s->tag = xstrdup0(tag);
		s->cursor = xstrdup0(cursor);
		s->used = p->clock;
	} else
		publish_doc_unref(s->doc);
	s->doc = d;
	s->rendered = now;
	s->version = version;
	s->reloads = p->daemon->reloads;
	publish_doc_ref(d);
	return (d);
}

const struct publish_stats *
publish_stats(struct publish *p)
{
	return (&p->stats);
}

/* publish_form_escape appends s encoded for application/x-www-form-urlencoded. */
static void
publish_form(struct buf *b, const char *key, const char *value)
{
	if (b->len > 0)
		buf_putc(b, '&');
	buf_puts(b, key);
	buf_putc(b, '=');
	publish_escape(b, value);
}

/* publish_ping_end forgets one ping. */
static void
publish_ping_end(struct publish *p, CURL *e)
{
	char	*url;
	int	 i;

	for (i = 0; i < PUBLISH_PINGS; i++) {
		if (p->pings[i] == e)
			p->pings[i] = NULL;
	}
	curl_easy_getinfo(e, CURLINFO_PRIVATE, &url);
	curl_multi_remove_handle(p->multi, e);
	curl_easy_cleanup(e);
	free(url);
}

/* publish_pump_cb drives the hub pings until none is left. */
static void
publish_pump_cb(evutil_socket_t fd, short events, void *arg)
{
	struct publish	*p = arg;
	struct timeval	 tv = { 0, 20000 };
	CURLMsg		*m;
	long		 code;
	int		 running, left, i;
	char		*url;

	curl_multi_perform(p->multi, &running);
	while ((m = curl_multi_info_read(p->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		code = 0;
		curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE,
		    &code);
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &url);
		if (m->data.result != CURLE_OK || code < 200 || code > 299) {
			/* Ping everything again later, backing off. */
			p->stats.ping_failures++;
			for (i = 0; i < PUBLISH_TOPICS; i++) {
				free(p->topics[i].etag);
				p->topics[i].etag = NULL;
			}
			p->backoff = p->backoff == 0 ? PUBLISH_WATCH * 2 :
			    p->backoff * 2;
			if (p->backoff > PUBLISH_BACKOFF_MAX)
				p->backoff = PUBLISH_BACKOFF_MAX;
			p->retry_at = (long long)time(NULL) + p->backoff;
			log_warnx("websub: ping of %s failed: %s", url,
			    m->data.result != CURLE_OK ?
			    curl_easy_strerror(m->data.result) :
			    "hub answered with an error status");
		} else {
			p->backoff = 0;
			p->stats.pings++;
			log_debug("websub: pinged the hub for %s", url);
		}
		publish_ping_end(p, m->easy_handle);
	}
	if (running > 0)
		evtimer_add(p->pump, &tv);
}

/* publish_ping tells the hub that topic changed (asynchronously). */
static void
publish_ping(struct publish *p, const char *hub, const char *topic)
{
	struct timeval	 tv = { 0, 0 };
	struct buf	 form;
	CURL		*e;
	char		*url;
	int		 i;

	for (i = 0; i < PUBLISH_PINGS && p->pings[i] != NULL; i++)
		;
	if (i == PUBLISH_PINGS) {
		log_warnx("websub: too many pings in flight, %s skipped",
		    topic);
		return;
	}
	if (p->multi == NULL)
		p->multi = curl_multi_init();
	buf_init(&form);
	publish_form(&form, "hub.mode", "publish");
	publish_form(&form, "hub.url", topic);
	url = xstrdup(topic);
	if ((e = curl_easy_init()) == NULL)
		fatalx("curl_easy_init failed");
	curl_easy_setopt(e, CURLOPT_URL, hub);
	curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, form.data);
	curl_easy_setopt(e, CURLOPT_PRIVATE, url);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_USERAGENT, p->daemon->conf->user_agent);
	curl_multi_add_handle(p->multi, e);
	p->pings[i] = e;
	buf_free(&form);
	evtimer_add(p->pump, &tv);
}

/* publish_topic_check pings the hub when a feed's bytes changed. */
static void
publish_topic_check(struct publish *p, struct publish_topic *t)
{
	struct config		*conf = p->daemon->conf;
	struct publish_doc	*d;
	char			*cause = NULL, *topic;

	if ((d = publish_get(p, t->format, t->tag, NULL, &cause)) == NULL) {
		log_warnx("websub: %s", cause);
		free(cause);
		return;
	}
	if (t->etag == NULL || strcmp(t->etag, d->etag) != 0) {
		free(t->etag);
		t->etag = xstrdup(d->etag);
		topic = publish_url(conf, t->format, t->tag,
		    publish_formats[t->format].ext, NULL);
		publish_ping(p, conf->hub, topic);
		free(topic);
	}
	publish_doc_unref(d);
}

/*
 * publish_topics sets the feeds the hub hears about: the merged feeds and
 * those of the first tags of the configuration.
 */
static void
publish_topics(struct publish *p)
{
	struct config	*conf = p->daemon->conf;
	struct publish_topic *t;
	const char	*tag;
	int		 i, j, k, n = 1;
	const char	*tags[1 + PUBLISH_TAG_PINGS] = { NULL };

	for (i = 0; i < conf->nfeeds; i++) {
		for (j = 0; j < conf->feeds[i].ntags; j++) {
			tag = conf->feeds[i].tags[j];
			for (k = 1; k < n && strcmp(tags[k], tag) != 0; k++)
				;
			if (k == n && n < 1 + PUBLISH_TAG_PINGS &&
			    publish_check_args(tag, NULL, NULL) == 0)
				tags[n++] = tag;
		}
	}
	for (i = 0; i < PUBLISH_TOPICS; i++) {
		t = &p->topics[i];
		k = i / 3;
		if (k < n && t->etag != NULL && t->format == i % 3 &&
		    publish_eq(t->tag, tags[k]))
			continue;
		free(t->tag);
		free(t->etag);
		t->tag = k < n ? xstrdup0(tags[k]) : NULL;
		t->etag = NULL;
		t->format = k < n ? i % 3 : -1;
	}
}

/* publish_watch_cb pings the hub for the feeds that changed. */
static void
publish_watch_cb(evutil_socket_t fd, short events, void *arg)
{
	struct publish		*p = arg;
	struct timeval		 tv = { PUBLISH_WATCH, 0 };
	long long		 version;
	int			 i, stale = 0;

	/* Without a hub, nothing to watch until a reload sets one. */
	if (p->daemon->conf->hub == NULL)
		return;
	version = publish_version(p);
	if ((long long)time(NULL) < p->retry_at) {
		evtimer_add(p->watch, &tv);
		return;
	}
	if (p->reloads != p->daemon->reloads || p->topics[0].etag == NULL) {
		p->reloads = p->daemon->reloads;
		publish_topics(p);
	}
	for (i = 0; i < PUBLISH_TOPICS; i++)
		stale |= p->topics[i].format != -1 && p->topics[i].etag == NULL;
	if (version != p->watched || stale) {
		p->watched = version;
		for (i = 0; i < PUBLISH_TOPICS; i++) {
			if (p->topics[i].format != -1)
				publish_topic_check(p, &p->topics[i]);
		}
	}
	evtimer_add(p->watch, &tv);
}

void
publish_reconfigured(struct publish *p)
{
	struct timeval	tv = { 0, 0 };

	if (p != NULL && p->watch != NULL && p->daemon->conf->hub != NULL &&
	    !evtimer_pending(p->watch, NULL))
		evtimer_add(p->watch, &tv);
}

/* publish_store_channel adapts store_channel to a publish source. */
static struct channel *
publish_store_channel(void *arg, const char *tag, const char *cursor,
    int limit, int nrelated, char **cause)
{
	return (store_channel(arg, tag, cursor, limit, nrelated, cause));
}

/* publish_store_version adapts store_version to a publish source. */
static long long
publish_store_version(void *arg)
{
	return (store_version(arg));
}

/* publish_store_opml renders the store's subscriptions as OPML. */
static char *
publish_store_opml(void *arg, const char *title, long long now,
    char **cause)
{
	struct feed_row		*rows;
	struct opml_feed	*v;
	char			*doc;
	int			 i, n;

	if (store_feed_list(arg, &rows, &n, cause) == -1)
		return (NULL);
	v = xcalloc((size_t)n + 1, sizeof *v);
	for (i = 0; i < n; i++) {
		v[i].url = rows[i].url;
		v[i].title = rows[i].title;
		v[i].site = rows[i].site_url;
		rows[i].url = rows[i].title = rows[i].site_url = NULL;
		v[i].ntags = parse_list(rows[i].tags, &v[i].tags);
	}
	feed_rows_free(rows, n);
	doc = opml_write(v, n, title, now);
	opml_feeds_free(v, n);
	return (doc);
}

void
publish_store_source(struct store *st, struct publish_source *src)
{
	memset(src, 0, sizeof *src);
	/* Entry HTML leaves the store sanitized, once per revision. */
	store_set_cleaner(st, sanitize_html);
	src->channel = publish_store_channel;
	src->version = publish_store_version;
	src->opml = publish_store_opml;
	src->arg = st;
	src->started = (long long)time(NULL);
}

struct publish *
publish_new(struct daemon *d, const struct publish_source *src)
{
	struct publish	*p;
	struct timeval	 tv = { 0, 0 };

	p = xcalloc(1, sizeof *p);
	p->daemon = d;
	if (src != NULL)
		p->source = *src;
	if (d->base != NULL) {
		p->watch = evtimer_new(d->base, publish_watch_cb, p);
		p->pump = evtimer_new(d->base, publish_pump_cb, p);
		evtimer_add(p->watch, &tv);
	}
	return (p);
}

void
publish_free(struct publish *p)
{
	int	 i;

	if (p == NULL)
		return;
	for (i = 0; i < PUBLISH_SLOTS; i++)
		publish_slot_clear(&p->slots[i]);
	for (i = 0; i < PUBLISH_TOPICS; i++) {
		free(p->topics[i].tag);
		free(p->topics[i].etag);
	}
	if (p->multi != NULL) {
		for (i = 0; i < PUBLISH_PINGS; i++) {
			if (p->pings[i] != NULL)
				publish_ping_end(p, p->pings[i]);
		}
		curl_multi_cleanup(p->multi);
	}
	if (p->watch != NULL)
		event_free(p->watch);
	if (p->pump != NULL)
		event_free(p->pump);
	free(p);
}
