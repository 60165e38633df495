/*
 * fetch.c: HTTP(S) fetching on the libevent loop with libcurl's
 * multi-socket interface (the pattern of curl's hiperfifo example): curl
 * tells us which sockets to watch and when to wake it; we run
 * curl_multi_socket_action from libevent callbacks and collect finished
 * transfers with curl_multi_info_read.  Nothing here blocks the loop.
 *
 * Every limit the network controls is enforced here: total and connect
 * timeouts, a low-speed cut-off, redirects (counted, http/https only), the
 * decoded body size (counted in the write callback, because Content-Length
 * covers neither chunked nor compressed bodies) and the addresses a feed
 * may reach (checked in the open-socket callback, so after name
 * resolution and for every hop of a redirect chain).
 *
 * NOTE: we decode gzip and deflate ourselves with zlib instead of letting
 * curl do it, because curl accepts a gzip stream that ends early as if it
 * were whole; a truncated feed must be an error, never stored.  So only
 * gzip and deflate are offered (curl's brotli and zstd would be blind too).
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <zlib.h>

#include "buf.h"
#include "feeds.h"
#include "log.h"
#include "xmalloc.h"

/* Longest header value we keep (validators, types); longer ones are cut. */
#define FETCH_HEADER_MAX	1024

struct fetch_job {
	struct fetch		*f;
	CURL			*easy;
	struct curl_slist	*hdrs;
	fetch_cb		 cb;
	void			*arg;
	char			*url;
	char			 errbuf[CURL_ERROR_SIZE];

	/* The response being received (reset at each status line). */
	long			 status;
	int			 nresponses;
	int			 all_permanent;	/* every redirect 301/308 */
	struct buf		 body;
	uint64_t		 hash;
	char			*etag;
	char			*last_modified;
	char			*content_type;
	long long		 max_age;
	long long		 expires;

	/* Content-Encoding of the response: zlib state and what we saw. */
	enum { ENC_NONE, ENC_GZIP, ENC_DEFLATE, ENC_OTHER } enc;
	z_stream		 z;
	int			 zinit;
	int			 zend;		/* the stream ended properly */
	int			 zerror;	/* undecodable */
	long long		 raw;		/* encoded bytes received */

	/* What the options were when the transfer started (a reload). */
	int			 allow_private;
	long long		 max_body;
	int			 max_redirects;

	int			 blocked;	/* a non-public address refused */
	char			 blocked_addr[INET6_ADDRSTRLEN];
	int			 toobig;
	long long		 started_us;

	TAILQ_ENTRY(fetch_job)	 entry;
};
TAILQ_HEAD(fetch_jobs, fetch_job);

/* A socket curl asked us to watch. */
struct fetch_sock {
	struct fetch		*f;
	curl_socket_t		 fd;
	struct event		*ev;
};

struct fetch {
	struct event_base	*base;
	CURLM			*multi;
	CURLSH			*share;
	struct event		*timer;
	struct fetch_jobs	 jobs;
	int			 njobs;

	char			*user_agent;
	char			*proxy;
	struct curl_slist	*connect_to;
	struct curl_slist	**old_connect_to;	/* before a reload */
	int			 nold_connect_to;
	struct sockaddr_storage	 test_public;
	struct fetch_opts	 opts;
	int			 via_proxy;

	struct fetch_metrics	 metrics;
};

static const char *fetch_outcome_names[FETCH_NOUTCOMES] = {
	"ok", "not_modified", "http_error", "network", "timeout", "too_big",
	"truncated", "blocked", "redirects", "scheme", "cancelled", "error"
};

/* Upper bounds of the duration histogram, in seconds. */
const double fetch_duration_buckets[FETCH_NBUCKETS] = {
	0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30
};

static void	fetch_check_info(struct fetch *);

const char *
fetch_outcome_name(int o)
{
	if (o < 0 || o >= FETCH_NOUTCOMES)
		return ("unknown");
	return (fetch_outcome_names[o]);
}

/* fetch_now_us returns a monotonic clock in microseconds. */
static long long
fetch_now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

/* fetch_v4_public says whether an IPv4 address (host order) is public. */
static int
fetch_v4_public(uint32_t a)
{
	static const struct {
		uint32_t	net;
		int		bits;
	} blocked[] = {
		{ 0x00000000, 8 },	/* "this" network */
		{ 0x0a000000, 8 },	/* private */
		{ 0x64400000, 10 },	/* carrier-grade NAT */
		{ 0x7f000000, 8 },	/* loopback */
		{ 0xa9fe0000, 16 },	/* link-local */
		{ 0xac100000, 12 },	/* private */
		{ 0xc0000000, 24 },	/* IETF protocol assignments */
		{ 0xc0000200, 24 },	/* documentation */
		{ 0xc0586300, 24 },	/* 6to4 relay anycast */
		{ 0xc0a80000, 16 },	/* private */
		{ 0xc6120000, 15 },	/* benchmarking */
		{ 0xc6336400, 24 },	/* documentation */
		{ 0xcb007100, 24 },	/* documentation */
		{ 0xe0000000, 4 },	/* multicast */
		{ 0xf0000000, 4 },	/* reserved, broadcast */
	};
	size_t	 i;
	uint32_t mask;

	for (i = 0; i < sizeof blocked / sizeof blocked[0]; i++) {
		mask = 0xffffffffU << (32 - blocked[i].bits);
		if ((a & mask) == blocked[i].net)
			return (0);
	}
	return (1);
}

/* fetch_v4_at reads an IPv4 address (host order) from 4 bytes. */
static uint32_t
fetch_v4_at(const unsigned char *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3]);
}

/* fetch_v6_public says whether an IPv6 address is public. */
static int
fetch_v6_public(const unsigned char *a)
{
	static const unsigned char zero[16];
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };
	static const unsigned char nat64[12] = { 0, 0x64, 0xff, 0x9b };

	if (memcmp(a, zero, 15) == 0)		/* :: and ::1 */
		return (0);
	if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0 ||
	    memcmp(a, zero, 12) == 0)		/* mapped, NAT64, compatible */
		return (fetch_v4_public(fetch_v4_at(a + 12)));
	if (a[0] == 0x20 && a[1] == 0x02)	/* 6to4 embeds an IPv4 */
		return (fetch_v4_public(fetch_v4_at(a + 2)));
	if ((a[0] & 0xfe) == 0xfc)		/* unique local */
		return (0);
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)	/* link-local */
		return (0);
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0)	/* site-local */
		return (0);
	if (a[0] == 0xff)			/* multicast */
		return (0);
	if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8)
		return (0);			/* documentation */
	if (a[0] == 0x01 && memcmp(a + 1, zero, 7) == 0)
		return (0);			/* discard-only 100::/64 */
	return (1);
}

int
fetch_addr_public(const struct sockaddr *sa)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;

	switch (sa->sa_family) {
	case AF_INET:
		sin = (const struct sockaddr_in *)(const void *)sa;
		return (fetch_v4_public(ntohl(sin->sin_addr.s_addr)));
	case AF_INET6:
		sin6 = (const struct sockaddr_in6 *)(const void *)sa;
		return (fetch_v6_public(sin6->sin6_addr.s6_addr));
	default:
		return (0);
	}
}

/* fetch_test_public says whether sa is the address the tests call public. */
static int
fetch_test_public(struct fetch *f, const struct sockaddr *sa)
{
	const struct sockaddr_in	*a, *b;

	if (f->test_public.ss_family != AF_INET || sa->sa_family != AF_INET)
		return (0);
	a = (const struct sockaddr_in *)(const void *)sa;
	b = (const struct sockaddr_in *)(const void *)&f->test_public;
	return (a->sin_addr.s_addr == b->sin_addr.s_addr);
}

/* fetch_opensocket_cb refuses non-public addresses before connecting. */
static curl_socket_t
fetch_opensocket_cb(void *arg, curlsocktype purpose,
    struct curl_sockaddr *a)
{
	struct fetch_job	*job = arg;
	const void		*ip;
	const struct sockaddr	*sa = &a->addr;

	if (!job->allow_private && !job->f->via_proxy &&
	    !fetch_addr_public(sa) && !fetch_test_public(job->f, sa)) {
		job->blocked = 1;
		if (sa->sa_family == AF_INET)
			ip = &((const struct sockaddr_in *)(const void *)sa)->
			    sin_addr;
		else
			ip = &((const struct sockaddr_in6 *)(const void *)sa)->
			    sin6_addr;
		if (inet_ntop(sa->sa_family, ip, job->blocked_addr,
		    sizeof job->blocked_addr) == NULL)
			snprintf(job->blocked_addr, sizeof job->blocked_addr,
			    "?");
		return (CURL_SOCKET_BAD);
	}
	return (socket(a->family, a->socktype, a->protocol));
}

/* fetch_hash_add folds bytes into the body hash (64-bit FNV-1a). */
static uint64_t
fetch_hash_add(uint64_t h, const unsigned char *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return (h);
}

#define FETCH_HASH_INIT	0xcbf29ce484222325ULL

/* fetch_body_add keeps decoded bytes; -1 when over max_body. */
static int
fetch_body_add(struct fetch_job *job, const void *p, size_t n)
{
	if ((long long)(job->body.len + n) > job->max_body) {
		job->toobig = 1;
		return (-1);
	}
	buf_add(&job->body, p, n);
	job->hash = fetch_hash_add(job->hash, p, n);
	return (0);
}

/* fetch_inflate decodes gzip or deflate input; -1 to abort the transfer. */
static int
fetch_inflate(struct fetch_job *job, const unsigned char *p, size_t n)
{
	unsigned char	 out[16384];
	int		 rc;

	if (!job->zinit) {
		memset(&job->z, 0, sizeof job->z);
		if (inflateInit2(&job->z, job->enc == ENC_GZIP ? 16 + MAX_WBITS :
		    MAX_WBITS) != Z_OK)
			return (-1);
		job->zinit = 1;
	}
	job->z.next_in = (unsigned char *)(uintptr_t)p;
	job->z.avail_in = n;
	while (job->z.avail_in > 0 && !job->zend) {
		job->z.next_out = out;
		job->z.avail_out = sizeof out;
		rc = inflate(&job->z, Z_NO_FLUSH);
		if (rc == Z_DATA_ERROR && job->enc == ENC_DEFLATE &&
		    job->z.total_in == 0 && job->z.total_out == 0) {
			/* Some servers send raw deflate without zlib header. */
			inflateEnd(&job->z);
			if (inflateInit2(&job->z, -MAX_WBITS) != Z_OK)
				return (-1);
			job->z.next_in = (unsigned char *)(uintptr_t)p;
			job->z.avail_in = n;
			continue;
		}
		if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
			job->zerror = 1;
			return (-1);
		}
		if (fetch_body_add(job, out, sizeof out - job->z.avail_out) ==
		    -1)
			return (-1);
		if (rc == Z_STREAM_END)
			job->zend = 1;	/* trailing bytes are ignored */
		else if (rc == Z_BUF_ERROR)
			break;
	}
	return (0);
}

/*
 * fetch_write_cb keeps the body, decoded and capped at max_body: the cap
 * counts decoded bytes, so a gzip bomb stops at the limit.
 */
static size_t
fetch_write_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct fetch_job	*job = arg;
	size_t			 n = size * nmemb;

	/* Only a successful response's body is kept. */
	if (job->status >= 300)
		return (n);
	job->raw += n;
	switch (job->enc) {
	case ENC_NONE:
		if (fetch_body_add(job, ptr, n) == -1)
			return (0);
		break;
	case ENC_GZIP:
	case ENC_DEFLATE:
		if (fetch_inflate(job, (unsigned char *)ptr, n) == -1)
			return (0);
		break;
	default:
		return (0);
	}
	return (n);
}

/* fetch_header_value copies a header value, trimmed and capped. */
static char *
fetch_header_value(const char *v, size_t n)
{
	while (n > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)v[n - 1]))
		n--;
	if (n > FETCH_HEADER_MAX)
		n = FETCH_HEADER_MAX;
	return (xstrndup(v, n));
}

/* fetch_max_age reads max-age from a Cache-Control value, or -1. */
static long long
fetch_max_age(const char *v)
{
	const char	*p;
	long long	 n;

	for (p = v; (p = strcasestr(p, "max-age")) != NULL; p += 7) {
		if (p != v && p[-1] != ' ' && p[-1] != ',' && p[-1] != '\t')
			continue;
		p += 7;
		while (*p == ' ')
			p++;
		if (*p != '=')
			return (-1);
		p++;
		if (*p == '"')
			p++;
		if (!isdigit((unsigned char)*p))
			return (-1);
		for (n = 0; isdigit((unsigned char)*p); p++) {
			if (n < 100LL * 365 * 86400)
				n = n * 10 + (*p - '0');
		}
		return (n);
	}
	if (strcasestr(v, "no-cache") != NULL ||
	    strcasestr(v, "no-store") != NULL)
		return (0);
	return (-1);
}

/* fetch_new_response resets what belongs to the previous response. */
static void
fetch_new_response(struct fetch_job *job, long status)
{
	if (job->nresponses > 0 && job->status != 301 && job->status != 308)
		job->all_permanent = 0;
	job->nresponses++;
	job->status = status;
	buf_reset(&job->body);
	job->hash = FETCH_HASH_INIT;
	free(job->etag);
	free(job->last_modified);
	free(job->content_type);
	job->etag = job->last_modified = job->content_type = NULL;
	job->max_age = job->expires = -1;
	if (job->zinit)
		inflateEnd(&job->z);
	job->zinit = job->zend = job->zerror = 0;
	job->enc = ENC_NONE;
	job->raw = 0;
}

/* fetch_header_cb records the headers of each response of the chain. */
static size_t
fetch_header_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct fetch_job	*job = arg;
	size_t			 n = size * nmemb, klen;
	const char		*colon;
	char			*v;
	long			 status;

	if (n > 5 && strncmp(ptr, "HTTP/", 5) == 0) {
		colon = memchr(ptr, ' ', n);
		if (colon == NULL)
			return (n);
		status = strtol(colon + 1, NULL, 10);
		if (status >= 200)
			fetch_new_response(job, status);
		return (n);
	}
	if ((colon = memchr(ptr, ':', n)) == NULL)
		return (n);
	klen = colon - ptr;
	v = fetch_header_value(colon + 1, n - klen - 1);
#define IS(h) (klen == sizeof(h) - 1 && strncasecmp(ptr, h, klen) == 0)
	if (IS("etag")) {
		free(job->etag);
		job->etag = v;
	} else if (IS("last-modified")) {
		free(job->last_modified);
		job->last_modified = v;
	} else if (IS("content-type")) {
		free(job->content_type);
		job->content_type = v;
	} else if (IS("cache-control")) {
		job->max_age = fetch_max_age(v);
		free(v);
	} else if (IS("content-encoding")) {
		if (strcasecmp(v, "gzip") == 0 || strcasecmp(v, "x-gzip") == 0)
			job->enc = ENC_GZIP;
		else if (strcasecmp(v, "deflate") == 0)
			job->enc = ENC_DEFLATE;
		else if (*v != '\0' && strcasecmp(v, "identity") != 0)
			job->enc = ENC_OTHER;
		free(v);
	} else if (IS("expires")) {
		job->expires = curl_getdate(v, NULL);
		free(v);
	} else
		free(v);
#undef IS
	return (n);
}

/* fetch_sock_cb runs curl on a socket that became ready. */
static void
fetch_sock_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fetch	*f = arg;
	int		 action = 0, running;

	if (what & EV_READ)
		action |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	curl_multi_socket_action(f->multi, fd, action, &running);
	fetch_check_info(f);
}

/* fetch_timer_cb runs curl when the timeout it asked for expires. */
static void
fetch_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fetch	*f = arg;
	int		 running;

	curl_multi_socket_action(f->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	fetch_check_info(f);
}

/* fetch_multi_timer_cb is curl asking to be woken after timeout_ms. */
static int
fetch_multi_timer_cb(CURLM *multi, long timeout_ms, void *arg)
{
	struct fetch	*f = arg;
	struct timeval	 tv;

	if (timeout_ms < 0) {
		evtimer_del(f->timer);
		return (0);
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_add(f->timer, &tv);
	return (0);
}

/* fetch_multi_sock_cb is curl telling which events a socket needs. */
static int
fetch_multi_sock_cb(CURL *easy, curl_socket_t s, int what, void *arg,
    void *sockp)
{
	struct fetch		*f = arg;
	struct fetch_sock	*fs = sockp;
	short			 events;

	if (what == CURL_POLL_REMOVE) {
		if (fs != NULL) {
			event_free(fs->ev);
			free(fs);
			curl_multi_assign(f->multi, s, NULL);
		}
		return (0);
	}
	events = EV_PERSIST;
	if (what & CURL_POLL_IN)
		events |= EV_READ;
	if (what & CURL_POLL_OUT)
		events |= EV_WRITE;
	if (fs == NULL) {
		fs = xcalloc(1, sizeof *fs);
		fs->f = f;
		fs->fd = s;
		curl_multi_assign(f->multi, s, fs);
	} else
		event_free(fs->ev);
	fs->ev = event_new(f->base, s, events, fetch_sock_cb, f);
	event_add(fs->ev, NULL);
	return (0);
}

/* fetch_job_free releases a job that is no longer in the multi. */
static void
fetch_job_free(struct fetch_job *job)
{
	curl_easy_cleanup(job->easy);
	curl_slist_free_all(job->hdrs);
	if (job->zinit)
		inflateEnd(&job->z);
	buf_free(&job->body);
	free(job->etag);
	free(job->last_modified);
	free(job->content_type);
	free(job->url);
	free(job);
}

/* fetch_classify turns curl's result into an outcome and a message. */
static enum fetch_outcome
fetch_classify(struct fetch_job *job, CURLcode rc, char **error)
{
	const char	*msg = job->errbuf[0] != '\0' ? job->errbuf :
	    curl_easy_strerror(rc);

	*error = NULL;
	if (rc == CURLE_COULDNT_CONNECT && job->blocked) {
		xasprintf(error, "address %s is not public "
		    "(allow_private = no)", job->blocked_addr);
		return (FETCH_BLOCKED);
	}
	switch (rc) {
	case CURLE_OK:
		if (job->status == 304)
			return (FETCH_NOT_MODIFIED);
		if ((job->enc == ENC_GZIP || job->enc == ENC_DEFLATE) &&
		    job->raw > 0 && !job->zend && job->status < 300) {
			xasprintf(error, "truncated: the compressed body ends "
			    "early");
			return (FETCH_TRUNCATED);
		}
		if (job->status == 0 || (job->status >= 200 &&
		    job->status < 300))
			return (FETCH_OK);
		if (job->status >= 300 && job->status < 400)
			xasprintf(error, "HTTP %ld without a usable Location",
			    job->status);
		else
			xasprintf(error, "HTTP %ld", job->status);
		return (FETCH_HTTP_ERROR);
	case CURLE_WRITE_ERROR:
	case CURLE_FILESIZE_EXCEEDED:
		if (job->toobig || rc == CURLE_FILESIZE_EXCEEDED) {
			xasprintf(error, "body larger than %lld bytes",
			    job->max_body);
			return (FETCH_TOO_BIG);
		}
		if (job->zerror) {
			xasprintf(error, "truncated: the compressed body is "
			    "corrupt");
			return (FETCH_TRUNCATED);
		}
		if (job->enc == ENC_OTHER) {
			xasprintf(error, "unsupported Content-Encoding");
			return (FETCH_ERROR);
		}
		break;
	case CURLE_OPERATION_TIMEDOUT:
		xasprintf(error, "timeout: %s", msg);
		return (FETCH_TIMEOUT);
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_FILE_COULDNT_READ_FILE:
	case CURLE_WEIRD_SERVER_REPLY:
		xasprintf(error, "%s", msg);
		return (FETCH_NETWORK);
	case CURLE_RECV_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_BAD_CONTENT_ENCODING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		xasprintf(error, "truncated: %s", msg);
		return (FETCH_TRUNCATED);
	case CURLE_TOO_MANY_REDIRECTS:
		xasprintf(error, "more than %d redirects",
		    job->max_redirects);
		return (FETCH_REDIRECTS);
	case CURLE_UNSUPPORTED_PROTOCOL:
		xasprintf(error, "scheme not allowed: %s", msg);
		return (FETCH_SCHEME);
	default:
		break;
	}
	xasprintf(error, "%s", msg);
	return (FETCH_ERROR);
}

/* fetch_account adds a finished fetch to the metrics. */
static void
fetch_account(struct fetch *f, const struct fetch_result *r)
{
	struct fetch_metrics	*m = &f->metrics;
	int			 i;

	m->outcomes[r->outcome]++;
	m->bytes += r->wire_bytes;
	m->seconds += r->seconds;
	for (i = 0; i < FETCH_NBUCKETS; i++) {
		if (r->seconds <= fetch_duration_buckets[i])
			m->buckets[i]++;
	}
	m->count++;
}

/*
 * fetch_finish builds the result of a job that curl is done with, hands it
 * to the caller and frees the job.
 */
static void
fetch_finish(struct fetch_job *job, CURLcode rc, int cancelled)
{
	struct fetch		*f = job->f;
	struct fetch_result	 r;
	curl_off_t		 v;
	char			*eff = NULL;
	long			 nredir = 0;

	memset(&r, 0, sizeof r);
	curl_multi_remove_handle(f->multi, job->easy);
	TAILQ_REMOVE(&f->jobs, job, entry);
	f->njobs--;

	if (cancelled) {
		r.outcome = FETCH_CANCELLED;
		r.error = xstrdup("cancelled");
	} else
		r.outcome = fetch_classify(job, rc, &r.error);
	r.url = job->url;
	r.status = job->status;
	curl_easy_getinfo(job->easy, CURLINFO_EFFECTIVE_URL, &eff);
	r.final_url = xstrdup(eff != NULL ? eff : job->url);
	curl_easy_getinfo(job->easy, CURLINFO_REDIRECT_COUNT, &nredir);
	r.redirects = (int)nredir;
	if (nredir > 0 && job->all_permanent && r.outcome != FETCH_REDIRECTS &&
	    strcmp(r.final_url, job->url) != 0)
		r.moved_to = xstrdup(r.final_url);
	if (r.outcome == FETCH_OK) {
		r.len = job->body.len;
		r.body = buf_steal(&job->body);
		if (r.body == NULL)
			r.body = xstrdup("");
		snprintf(r.body_hash, sizeof r.body_hash, "%016llx",
		    (unsigned long long)job->hash);
	}
	r.etag = job->etag;
	r.last_modified = job->last_modified;
	r.content_type = job->content_type;
	job->etag = job->last_modified = job->content_type = NULL;
	r.max_age = job->max_age;
	r.expires = job->expires;
	r.retry_after = -1;
	if (curl_easy_getinfo(job->easy, CURLINFO_RETRY_AFTER, &v) ==
	    CURLE_OK && v > 0 && (job->status == 429 || job->status == 503))
		r.retry_after = v;
	r.seconds = (fetch_now_us() - job->started_us) / 1e6;
	if (curl_easy_getinfo(job->easy, CURLINFO_SIZE_DOWNLOAD_T, &v) ==
	    CURLE_OK)
		r.wire_bytes = v;
	if (curl_easy_getinfo(job->easy, CURLINFO_HEADER_SIZE, &nredir) ==
	    CURLE_OK)
		r.wire_bytes += nredir;
	fetch_account(f, &r);

	job->cb(&r, job->arg);

	fetch_result_clear(&r);
	fetch_job_free(job);
}

/* fetch_check_info collects every transfer curl has finished. */
static void
fetch_check_info(struct fetch *f)
{
	CURLMsg			*msg;
	struct fetch_job	*job;
	int			 left;

	while ((msg = curl_multi_info_read(f->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		job = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &job);
		fetch_finish(job, msg->data.result, 0);
	}
}

void
fetch_result_clear(struct fetch_result *r)
{
	if (r == NULL)
		return;
	free(r->error);
	free(r->final_url);
	free(r->moved_to);
	free(r->body);
	free(r->etag);
	free(r->last_modified);
	free(r->content_type);
	memset(r, 0, sizeof *r);
}

void
fetch_opts_default(struct fetch_opts *o)
{
	memset(o, 0, sizeof *o);
	o->user_agent = "syndic";
	o->connect_timeout = 10000;
	o->timeout = 30000;
	o->low_speed_limit = 64;
	o->low_speed_time = 20;
	o->max_body = 10 * 1024 * 1024;
	o->max_redirects = 5;
}

/* fetch_curl_init initializes libcurl once per process. */
static void
fetch_curl_init(void)
{
	static int	done;

	if (done)
		return;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		fatalx("curl_global_init failed");
	done = 1;
}

/* fetch_env_proxy says whether the environment names a proxy for curl. */
static int
fetch_env_proxy(void)
{
	static const char *names[] = { "http_proxy", "https_proxy",
	    "HTTPS_PROXY", "all_proxy", "ALL_PROXY" };
	size_t	 i;
	char	*v;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if ((v = getenv(names[i])) != NULL && *v != '\0')
			return (1);
	}
	return (0);
}

/*
 * fetch_apply takes options (strings copied) for the transfers that start
 * from now on.
 */
static void
fetch_apply(struct fetch *f, const struct fetch_opts *o)
{
	free(f->user_agent);
	free(f->proxy);
	/*
	 * NOTE: curl does not copy CURLOPT_CONNECT_TO's list: transfers in
	 * flight may still use the old one, freed with the fetcher.
	 */
	if (f->connect_to != NULL) {
		f->old_connect_to = xreallocarray(f->old_connect_to,
		    f->nold_connect_to + 1, sizeof *f->old_connect_to);
		f->old_connect_to[f->nold_connect_to++] = f->connect_to;
	}
	f->connect_to = NULL;
	f->proxy = NULL;
	f->via_proxy = 0;
	f->opts = *o;
	f->user_agent = xstrdup(o->user_agent != NULL ? o->user_agent :
	    "syndic");
	f->opts.user_agent = f->user_agent;
	if (o->proxy != NULL && *o->proxy != '\0') {
		f->proxy = xstrdup(o->proxy);
		f->via_proxy = 1;
	} else if (fetch_env_proxy())
		f->via_proxy = 1;
	f->opts.proxy = f->proxy;
	if (o->connect_to != NULL)
		f->connect_to = curl_slist_append(NULL, o->connect_to);
	f->opts.connect_to = NULL;
	memset(&f->test_public, 0, sizeof f->test_public);
	if (o->test_public != NULL) {
		f->test_public.ss_family = AF_INET;
		if (inet_pton(AF_INET, o->test_public, &((struct sockaddr_in *)
		    (void *)&f->test_public)->sin_addr) != 1)
			f->test_public.ss_family = AF_UNSPEC;
	}
	f->opts.test_public = NULL;
	if (f->via_proxy && !o->allow_private)
		log_warnx("fetch: through a proxy, allow_private = no cannot "
		    "be enforced here; the proxy must refuse private "
		    "addresses");
	if (f->multi != NULL)
		curl_multi_setopt(f->multi, CURLMOPT_MAXCONNECTS,
		    (long)(o->max_connects > 0 ? o->max_connects : 0));
}

void
fetch_set_opts(struct fetch *f, const struct fetch_opts *o)
{
	fetch_apply(f, o);
}

struct fetch *
fetch_new(struct event_base *base, const struct fetch_opts *o)
{
	struct fetch	*f;

	fetch_curl_init();
	f = xcalloc(1, sizeof *f);
	f->base = base;
	fetch_apply(f, o);
	TAILQ_INIT(&f->jobs);
	if ((f->multi = curl_multi_init()) == NULL)
		fatalx("curl_multi_init failed");
	f->share = curl_share_init();
	curl_share_setopt(f->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	curl_share_setopt(f->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	f->timer = evtimer_new(base, fetch_timer_cb, f);
	curl_multi_setopt(f->multi, CURLMOPT_SOCKETFUNCTION, fetch_multi_sock_cb);
	curl_multi_setopt(f->multi, CURLMOPT_SOCKETDATA, f);
	curl_multi_setopt(f->multi, CURLMOPT_TIMERFUNCTION, fetch_multi_timer_cb);
	curl_multi_setopt(f->multi, CURLMOPT_TIMERDATA, f);
	curl_multi_setopt(f->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
	if (o->max_connects > 0)
		curl_multi_setopt(f->multi, CURLMOPT_MAXCONNECTS,
		    (long)o->max_connects);
	return (f);
}

void
fetch_free(struct fetch *f)
{
	int	 i;

	if (f == NULL)
		return;
	fetch_cancel_all(f);
	curl_multi_cleanup(f->multi);
	curl_share_cleanup(f->share);
	event_free(f->timer);
	curl_slist_free_all(f->connect_to);
	for (i = 0; i < f->nold_connect_to; i++)
		curl_slist_free_all(f->old_connect_to[i]);
	free(f->old_connect_to);
	free(f->user_agent);
	free(f->proxy);
	free(f);
}

/* fetch_safe_header says whether a stored validator may go in a header. */
static int
fetch_safe_header(const char *v)
{
	if (v == NULL || *v == '\0' || strlen(v) > FETCH_HEADER_MAX)
		return (0);
	for (; *v != '\0'; v++) {
		if ((unsigned char)*v < 0x20 || *v == 0x7f)
			return (0);
	}
	return (1);
}

/* fetch_headers builds the request headers, validators included. */
static struct curl_slist *
fetch_headers(const struct fetch_req *req)
{
	struct curl_slist	*h = NULL;
	char			*line;

	h = curl_slist_append(h, "Accept: application/atom+xml, "
	    "application/rss+xml, application/feed+json, application/json;"
	    "q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8");
	h = curl_slist_append(h, "Accept-Encoding: gzip, deflate");
	if (fetch_safe_header(req->etag)) {
		xasprintf(&line, "If-None-Match: %s", req->etag);
		h = curl_slist_append(h, line);
		free(line);
	}
	if (fetch_safe_header(req->last_modified)) {
		xasprintf(&line, "If-Modified-Since: %s", req->last_modified);
		h = curl_slist_append(h, line);
		free(line);
	}
	return (h);
}

/* fetch_setopts configures an easy handle for one request. */
static void
fetch_setopts(struct fetch *f, struct fetch_job *job,
    const struct fetch_req *req)
{
	CURL			*e = job->easy;
	const struct fetch_opts	*o = &f->opts;
	long			 connect_ms;

	connect_ms = o->connect_timeout < o->timeout ? o->connect_timeout :
	    o->timeout;
	curl_easy_setopt(e, CURLOPT_URL, job->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, job);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, job->errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_SHARE, f->share);
	curl_easy_setopt(e, CURLOPT_USERAGENT, f->user_agent);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, job->hdrs);
	curl_easy_setopt(e, CURLOPT_HTTP_CONTENT_DECODING, 0L);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, req->allow_file ?
	    "http,https,file" : "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, (long)o->max_redirects);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)o->timeout);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, o->low_speed_limit);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, o->low_speed_time);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)o->max_body);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, fetch_write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, job);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, fetch_header_cb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, job);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, fetch_opensocket_cb);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, job);
	if (f->proxy != NULL)
		curl_easy_setopt(e, CURLOPT_PROXY, f->proxy);
	if (f->connect_to != NULL)
		curl_easy_setopt(e, CURLOPT_CONNECT_TO, f->connect_to);
}

int
fetch_start(struct fetch *f, const struct fetch_req *req, fetch_cb cb,
    void *arg)
{
	struct fetch_job	*job;

	job = xcalloc(1, sizeof *job);
	job->f = f;
	job->cb = cb;
	job->arg = arg;
	job->url = xstrdup(req->url);
	job->all_permanent = 1;
	job->hash = FETCH_HASH_INIT;
	job->max_age = job->expires = -1;
	job->allow_private = f->opts.allow_private;
	job->max_body = f->opts.max_body;
	job->max_redirects = f->opts.max_redirects;
	buf_init(&job->body);
	if ((job->easy = curl_easy_init()) == NULL)
		fatalx("curl_easy_init failed");
	job->hdrs = fetch_headers(req);
	fetch_setopts(f, job, req);
	job->started_us = fetch_now_us();
	TAILQ_INSERT_TAIL(&f->jobs, job, entry);
	f->njobs++;
	if (curl_multi_add_handle(f->multi, job->easy) != CURLM_OK) {
		TAILQ_REMOVE(&f->jobs, job, entry);
		f->njobs--;
		fetch_job_free(job);
		return (-1);
	}
	return (0);
}

int
fetch_running(struct fetch *f)
{
	return (f->njobs);
}

void
fetch_cancel_all(struct fetch *f)
{
	struct fetch_job	*job;

	while ((job = TAILQ_FIRST(&f->jobs)) != NULL)
		fetch_finish(job, CURLE_OK, 1);
}

const struct fetch_metrics *
fetch_get_metrics(struct fetch *f)
{
	return (&f->metrics);
}
