/*
 * origin.h: a loopback feed origin for tests and benchmarks.  It serves
 * generated feeds with ETag and Last-Modified (and 304 answers), fixture
 * files, and hostile behaviour selected by the path, and records every
 * request it receives.  It runs its own libevent loop in a thread, so the
 * code under test can share the process without sharing its loop.
 *
 * Paths (REST is another path of this list, without its leading slash):
 *   /feed/NAME[?items=N]  RSS 2.0, N items (10), ETag, Last-Modified, 304
 *   /atom/NAME            the same as Atom 1.0
 *   /plain/NAME           RSS 2.0 without any validator
 *   /ttl/MIN/NAME         RSS 2.0 with <ttl>MIN</ttl>
 *   /sy/PERIOD/FREQ/NAME  RSS 2.0 with sy:updatePeriod and updateFrequency
 *   /skiphours/H/NAME     RSS 2.0 whose skipHours hold every hour but H
 *   /recent/SEC/NAME      RSS 2.0 publishing every SEC seconds until a
 *                         minute before the origin started
 *   /maxage/SEC/NAME      RSS 2.0 with Cache-Control: max-age=SEC
 *   /maxage200/SEC/NAME   the same, but a 304 carries no Cache-Control
 *   /gzip/NAME            RSS 2.0, Content-Encoding: gzip
 *   /ctype/NAME           RSS 2.0 served as application/octet-stream
 *   /file/NAME            the file NAME of the fixtures directory
 *   /slow/MS/REST         REST, answered after MS milliseconds
 *   /status/CODE          that status (404, 410, 500, ...)
 *   /status/CODE/SEC      with Retry-After: SEC
 *   /status/CODE/date/SEC with Retry-After as an HTTP date SEC from now
 *   /redir/CODE/N/REST    N redirects with CODE (301, 302, 307, 308), then
 *                         to /REST
 *   /to/CODE?URL          one CODE redirect to the absolute URL
 *   /loop                 302 to itself, forever
 *   /html                 an HTML page linking its feed (/feed/discovered)
 *   /empty                closes the connection without answering
 *   /reset                announces 100000 bytes, sends 2000, resets (RST)
 *   /drip                 headers, then one byte every 100 ms, forever
 *   /hang                 reads the request, never answers
 *   /truncgzip            a gzip body cut in the middle (length correct)
 *   /bomb                 gzip of 64 MiB of spaces (65 KiB on the wire)
 *   /big                  a 100 MB body (Content-Length)
 *   /bigchunked           a 100 MB body, chunked
 *   /badutf8              RSS with invalid UTF-8 in titles and text
 *   /nul                  RSS with NUL bytes inside
 * Anything else is 404.  Asked as an HTTP proxy (an absolute URI), the
 * origin serves the URI's path, whatever its host.
 */
#ifndef SYNDIC_ORIGIN_H
#define SYNDIC_ORIGIN_H

#include <stdio.h>

struct origin;

/* One recorded request; strings are NULL when the header was absent. */
struct origin_req {
	double		 t;		/* seconds since origin_start */
	double		 t_end;		/* when answered or dropped, or -1 */
	char		*method;
	char		*path;		/* with the query */
	char		*host;		/* the Host header */
	char		*if_none_match;
	char		*if_modified_since;
	char		*user_agent;
	char		*accept_encoding;
	int		 conn;		/* connection number (reuse) */
	int		 host_active;	/* in flight for this Host, this included */
	int		 active;	/* in flight overall, this included */
};

/*
 * origin_start listens on 127.0.0.1 (and 127.0.0.2 ... 127.0.0.NHOSTS) on
 * port (0: any free port, the same on every address) and serves files of
 * dir (may be NULL).  Returns NULL when it cannot listen.
 */
struct origin	*origin_start(int nhosts, int port, const char *dir);
/* origin_stop stops the thread and frees everything. */
void		 origin_stop(struct origin *);
int		 origin_port(struct origin *);
/* origin_refused_port is a port on 127.0.0.1 that refuses connections. */
int		 origin_refused_port(struct origin *);
/* origin_set_generation changes every generated feed (new item, validators). */
void		 origin_set_generation(struct origin *, int);
/* origin_log also writes each request as a line to fp (NULL: off). */
void		 origin_log(struct origin *, FILE *fp);
/* origin_nrequests counts the requests received so far. */
int		 origin_nrequests(struct origin *);
/* origin_request copies request i (clear it with origin_req_clear). */
int		 origin_request(struct origin *, int i, struct origin_req *);
void		 origin_req_clear(struct origin_req *);
/* origin_reset forgets the recorded requests. */
void		 origin_reset(struct origin *);
/* origin_max_host_active is the most requests one Host had in flight. */
int		 origin_max_host_active(struct origin *);
/* origin_count counts recorded requests whose path starts with prefix. */
int		 origin_count(struct origin *, const char *prefix);

#endif
