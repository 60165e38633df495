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

#endif
