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
/*
 * fetch_set_opts takes new options (a reload): the transfers that start
 * from now on follow them, those in flight finish as they began.
 */
void		 fetch_set_opts(struct fetch *, const struct fetch_opts *o);
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

/* parse.c */

/*
 * Without PARSE_SANITIZE, summary and content are the publisher's HTML as
 * received (untrusted: never to be shown as is) and the entry keeps the
 * base URL of each for the sanitizer that runs later.
 */
#define PARSE_SANITIZE	0x01	/* sanitize summary/content (entry.sanitized) */

/* Caps on what one document may make us keep. */
#define PARSE_MAX_ENTRIES	10000	/* entries per document */
#define PARSE_MAX_FIELD		(1024 * 1024)	/* bytes of one HTML field */
#define PARSE_MAX_SHORT		4096	/* bytes of a title, id, URL, name */
#define PARSE_MAX_LIST		256	/* links, categories, enclosures */
#define PARSE_MAX_ERRORS	32	/* errors kept per document */
#define PARSE_MAX_ATTRS		256	/* attributes of one XML element */
#define PARSE_MAX_NODES		200000	/* XML elements, 3 per attribute */
#define PARSE_MAX_DOC		(64 * 1024 * 1024)	/* bytes of a document */

/*
 * parse_document parses one feed document of any format (detected from the
 * bytes).  url: the document's own URL (base for relative links), may be
 * NULL; charset: from HTTP Content-Type, may be NULL.  Never returns NULL:
 * a document that is not a feed has format FORMAT_UNKNOWN, bozo = 1 and an
 * error.
 */
struct doc	*parse_document(const char *data, size_t len, const char *url,
		    const char *charset, int flags);
/* parse_json renders a doc as the `syndic parse` JSON (caller frees). */
char		*parse_json(const struct doc *);
/*
 * parse_entry_text gives the plain text of an entry (title, then summary
 * or content without markup), at most max bytes, for dedup and related.
 */
char		*parse_entry_text(const struct entry *, size_t max);
/* parse_error notes a problem on the document and sets bozo. */
void		 parse_error(struct doc *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
/*
 * parse_entry_finish completes an entry the formats filled: derived id,
 * canonical URL, and (PARSE_SANITIZE) summary and content sanitized with
 * their base URLs, or (without) those base URLs kept on the entry.
 */
void		 parse_entry_finish(struct doc *, struct entry *,
		    const char *summary_base, const char *content_base,
		    int flags);
/* parse_clean_title turns "" into NULL (frees it); returns t otherwise. */
char		*parse_clean_title(char *t);

/* jsonfeed.c */

/* jsonfeed_parse fills d from a JSON Feed document (1.0 or 1.1). */
int		 jsonfeed_parse(struct doc *d, const char *data, size_t len,
		    const char *url, int flags);

/* date.c */

/* date_parse reads any date form feeds use; TIME_UNKNOWN when unparseable. */
long long	 date_parse(const char *);
/* date_rfc3339 formats t as "2018-03-28T10:00:00Z" (caller frees). */
char		*date_rfc3339(long long t);
/* date_rfc822 formats t as "Wed, 28 Mar 2018 10:00:00 GMT" (caller frees). */
char		*date_rfc822(long long t);

/* url.c */

/* url_resolve makes ref absolute against base; NULL when it cannot. */
char		*url_resolve(const char *base, const char *ref);
/* url_canonical gives the dedup key of an absolute http(s) URL, or NULL. */
char		*url_canonical(const char *url);
/* url_site gives the registrable domain of a URL's host, or NULL. */
char		*url_site(const char *url);

/* sanitize.c */

/*
 * sanitize_html keeps the safe part of an HTML fragment, with URLs made
 * absolute against base_url (may be NULL).  Never NULL (caller frees).
 */
char		*sanitize_html(const char *html, size_t len,
		    const char *base_url);

/* text.c */

/*
 * text_from_html gives the plain text of an HTML fragment, entities decoded
 * and whitespace collapsed, at most max bytes (0: no limit), cut on a UTF-8
 * boundary.  Never NULL (caller frees).
 */
char		*text_from_html(const char *html, size_t len, size_t max);
/* text_append_html is text_from_html appending to b (max: bytes added). */
void		 text_append_html(struct buf *b, const char *html, size_t len,
		    size_t max);
/* text_utf8_clean copies s, replacing bad UTF-8, dropping controls. */
char		*text_utf8_clean(const char *s, size_t len);
/* text_word_quiet tells whether 8 bytes are ASCII without & or <. */
int		 text_word_quiet(const unsigned char *p);
/* text_quiet_len measures the ASCII at s up to the first & or <. */
size_t		 text_quiet_len(const char *s, size_t len);
#define TEXT_SPAN_QUOTE	0x1	/* text_span stops at '"' too */
#define TEXT_SPAN_PRINT	0x2	/* ...and at bytes not printable ASCII */
/* text_span measures the bytes at s up to the first &, <, > (and set). */
size_t		 text_span(const char *s, size_t len, int set);
/* text_utf8_valid tells whether s is valid UTF-8 without controls. */
int		 text_utf8_valid(const char *s, size_t len);
/* text_utf8_len gives the length of the UTF-8 sequence at s, -1 if bad. */
int		 text_utf8_len(const unsigned char *s, size_t len);
/* text_entity gives the code point of an HTML entity name, or -1. */
int		 text_entity(const char *name, size_t n);
/*
 * text_ref reads a character reference at s ("&amp;", "&#38;", "&#x26;");
 * returns its length and sets *code, or returns 0 when there is none.
 */
size_t		 text_ref(const char *s, size_t len, unsigned int *code);
/* text_put_utf8 appends code point c as UTF-8 (U+FFFD when invalid). */
void		 text_put_utf8(struct buf *b, unsigned int c);

/* opml.c: subscription lists in OPML 2.0. */

#define OPML_MAX_BYTES	(16 * 1024 * 1024)

/* One subscription of an OPML document. */
struct opml_feed {
	char		*url;		/* xmlUrl */
	char		*title;		/* or NULL */
	char		*site;		/* htmlUrl, or NULL */
	char		**tags;		/* enclosing folders and category */
	int		 ntags;
};

/*
 * opml_read reads the subscriptions of an OPML document (any outline with
 * an xmlUrl, at any depth).  Returns -1 with *cause on a document that is
 * not OPML.
 */
int	 opml_read(const char *data, size_t len, struct opml_feed **feeds,
	    int *n, char **cause);
/* opml_write renders subscriptions as an OPML 2.0 document (caller frees). */
char	*opml_write(const struct opml_feed *, int n, const char *title,
	    long long now);
/* opml_feeds_free frees n subscriptions and their array. */
void	 opml_feeds_free(struct opml_feed *, int n);

/* discover.c: find the feed an HTML page announces. */

/*
 * discover_feed returns the absolute URL of the first feed that the HTML
 * page (at url) links with rel="alternate", or NULL; *title (may be NULL)
 * gets the link's title or NULL.  Caller frees both.
 */
char		*discover_feed(const char *html, size_t len, const char *url,
		    char **title);
/* discover_is_html says whether a response is an HTML page. */
int		 discover_is_html(const char *content_type, const char *body,
		    size_t len);

#endif
