/*
 * feeds.h: the public interface of feeds/: fetching, parsing, dates, URLs,
 * sanitizing, OPML and the output writers.  Prototypes are grouped under
 * the file that defines them.
 */
#ifndef SYNDIC_FEEDS_H
#define SYNDIC_FEEDS_H

#include <stddef.h>

#include "model.h"

struct buf;

/* write.c: what the output writers share. */

#define WRITE_ESCAPE	0x1	/* escape &, <, >, " for markup */
#define WRITE_LINE	0x2	/* one line: fold white space */
#define WRITE_TITLE_MAX	300	/* characters kept of a title */
#define WRITE_TEXT_MAX	(512 * 1024)	/* characters kept of a content */
#define WRITE_URL_MAX	4096	/* longer URLs are dropped */
#define WRITE_DATE_MAX	32	/* room for a formatted date */

/* write_clean appends s cleaned (valid UTF-8, no controls), cut at max. */
void	 write_clean(struct buf *, const char *s, size_t max, int flags);
/* write_cleandup returns write_clean's result as a new string. */
char	*write_cleandup(const char *s, size_t max, int flags);
/* write_url_ok says whether u is an absolute http(s) URL we may emit. */
int	 write_url_ok(const char *u);
/* write_url appends u with unsafe bytes percent-encoded. */
void	 write_url(struct buf *, const char *u, int flags);
/* write_urldup returns write_url's result (unescaped) as a new string. */
char	*write_urldup(const char *u);
/* write_rfc3339 formats t as RFC 3339 UTC; -1 when unknown. */
int	 write_rfc3339(char *s, long long t);
/* write_rfc822 formats t as RFC 822/1123 (and HTTP) date; -1 when unknown. */
int	 write_rfc822(char *s, long long t);
/* write_excerpt returns the plain text of an HTML fragment, cut at max. */
char	*write_excerpt(const char *html, size_t max);
/* write_id appends an item's id, an absolute URI stable across renders. */
void	 write_id(struct buf *, const struct item *);
/* write_iddup returns write_id's result as a new string. */
char	*write_iddup(const struct item *);
/* write_title returns an item's one-line title, never empty. */
char	*write_title(const struct item *);
/* write_updated gives an item's last change, with fallbacks. */
long long write_updated(const struct channel *, const struct item *);
/* write_extras appends "Also reported by" and "You might also like". */
void	 write_extras(struct buf *, const struct item *);

/* write_atom.c */

/* write_atom renders the channel as an Atom 1.0 document (caller frees). */
char	*write_atom(const struct channel *);

/* write_rss.c */

/* write_rss renders the channel as an RSS 2.0 document (caller frees). */
char	*write_rss(const struct channel *);

/* write_json.c */

/* write_json renders the channel as a JSON Feed 1.1 (caller frees). */
char	*write_json(const struct channel *);

/* write_html.c */

/* write_html renders the channel as the HTML river page (caller frees). */
char	*write_html(const struct channel *);

/* fetch.c: HTTP(S) on the libevent loop through libcurl's multi interface. */

struct event_base;
struct sockaddr;
struct fetch;

/* What a fetcher may do; times in milliseconds unless said otherwise. */
struct fetch_opts {
	const char	*user_agent;
	const char	*proxy;		/* NULL: curl reads the environment */
	long long	 connect_timeout;
	long long	 timeout;	/* the whole transfer */
	long		 low_speed_limit; /* bytes per second, below which... */
	long		 low_speed_time;  /* ...for this many seconds aborts */
	long long	 max_body;	/* decoded bytes */
	int		 max_redirects;
	int		 allow_private;	/* may reach non-public addresses */
	int		 max_connects;	/* connection cache, 0 = curl's */
	const char	*connect_to;	/* test hook: "HOST:PORT:ADDR:PORT" */
	const char	*test_public;	/* test hook: an IP taken as public */
};

/* One request. */
struct fetch_req {
	const char	*url;
	const char	*etag;		/* validators from the last fetch */
	const char	*last_modified;
	int		 allow_file;	/* file:// (declared in the config) */
};

enum fetch_outcome {
	FETCH_OK = 0,		/* 2xx, body in the result */
	FETCH_NOT_MODIFIED,	/* 304 */
	FETCH_HTTP_ERROR,	/* 4xx, 5xx, a redirect without Location */
	FETCH_NETWORK,		/* resolve, connect, reset, TLS, empty reply */
	FETCH_TIMEOUT,		/* total, connect or low-speed limit */
	FETCH_TOO_BIG,		/* decoded body over max_body */
	FETCH_TRUNCATED,	/* body cut short or undecodable */
	FETCH_BLOCKED,		/* non-public address, allow_private = no */
	FETCH_REDIRECTS,	/* more than max_redirects */
	FETCH_SCHEME,		/* scheme not allowed (file:// by redirect) */
	FETCH_CANCELLED,	/* fetch_cancel_all */
	FETCH_ERROR,		/* anything else */
	FETCH_NOUTCOMES
};

/*
 * The result handed to the callback.  It lives only during the call; the
 * callback may take a pointer field for itself by setting it to NULL.
 */
struct fetch_result {
	enum fetch_outcome outcome;
	long		 status;	/* last HTTP status, 0 for file:// */
	char		*error;		/* why, when not OK or NOT_MODIFIED */
	const char	*url;		/* as requested */
	char		*final_url;	/* after redirects */
	char		*moved_to;	/* set when every redirect was 301/308 */
	int		 redirects;
	char		*body;		/* FETCH_OK only, NUL-terminated */
	size_t		 len;
	char		 body_hash[17];	/* hex 64-bit hash of the body */
	char		*etag;
	char		*last_modified;
	char		*content_type;
	long long	 max_age;	/* Cache-Control max-age, -1 */
	long long	 expires;	/* Expires as epoch seconds, -1 */
	long long	 retry_after;	/* 429/503 Retry-After seconds, -1 */
	double		 seconds;	/* duration */
	long long	 wire_bytes;	/* headers + body as received */
};

typedef void	(*fetch_cb)(struct fetch_result *, void *);

/* Counters for /metrics, kept by the fetcher. */
#define FETCH_NBUCKETS	9
extern const double fetch_duration_buckets[FETCH_NBUCKETS];
struct fetch_metrics {
	unsigned long long	 outcomes[FETCH_NOUTCOMES];
	unsigned long long	 count;
	unsigned long long	 bytes;
	double			 seconds;	/* sum of durations */
	unsigned long long	 buckets[FETCH_NBUCKETS]; /* cumulative */
};

/* fetch_opts_default fills o with the defaults (30 s, 10 MiB, 5 hops). */
void		 fetch_opts_default(struct fetch_opts *o);
/* fetch_new makes a fetcher on base; o is copied. */
struct fetch	*fetch_new(struct event_base *base,
		    const struct fetch_opts *o);
/* fetch_free cancels what runs (callbacks see FETCH_CANCELLED) and frees. */
void		 fetch_free(struct fetch *);
/*
 * fetch_start begins req; cb runs once, later, on the loop, with the
 * outcome.  Returns -1 when the request cannot even be queued.
 */
int		 fetch_start(struct fetch *, const struct fetch_req *req,
		    fetch_cb cb, void *arg);
/* fetch_running counts transfers in progress. */
int		 fetch_running(struct fetch *);
/* fetch_cancel_all ends every transfer now (FETCH_CANCELLED). */
void		 fetch_cancel_all(struct fetch *);
/* fetch_result_clear frees what a result still owns. */
void		 fetch_result_clear(struct fetch_result *);
/* fetch_outcome_name names an outcome ("ok", "timeout", ...). */
const char	*fetch_outcome_name(int);
/* fetch_addr_public says whether a resolved address is public. */
int		 fetch_addr_public(const struct sockaddr *);
/* fetch_get_metrics returns the fetcher's counters. */
const struct fetch_metrics *fetch_get_metrics(struct fetch *);

#endif
