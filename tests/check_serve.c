/*
 * check_serve.c: the real "syndic run" serving a store filled by this
 * test: every endpoint, its headers and statuses, 304 on both validators,
 * gzip, HEAD, 405, RFC 5005 paging, the head deadline, 2,000 slow-loris
 * connections while a normal client is served, and WebSub pings to a hub
 * played by this test, at start and when the store changes.
 */
#include <sys/resource.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <zlib.h>

#include "harness.h"
#include "model.h"
#include "storage.h"
#include "xmalloc.h"

#define SCHEMA	SRCDIR "/../shared/corpus/schema/atom.rng"
#define NOW	1700000000LL

static char	*dir, *db, *conf, *errlog;
static int	 port, hub_fd = -1;
static pid_t	 pid;

/* url makes a URL on the daemon (caller frees). */
static char *
url(const char *path)
{
	char	*u;

	xasprintf(&u, "http://127.0.0.1:%d%s", port, path);
	return (u);
}

/* get performs a request on path with optional headers. */
static void
req(const char *method, const char *path, const char *h1, const char *h2,
    struct hresp *r)
{
	const char	*hdrs[3] = { h1, h2, NULL };
	char		*u = url(path);

	ck_assert_msg(h_http(method, u, hdrs, r) == 0, "%s %s failed",
	    method, u);
	free(u);
}

/* entry fills one entry of a test document. */
static void
entry(struct entry *e, const char *id, const char *title, const char *link,
    long long t)
{
	memset(e, 0, sizeof *e);
	e->id = xstrdup(id);
	e->title = xstrdup(title);
	e->link = xstrdup(link);
	e->canonical_url = xstrdup(link);
	e->content = xstrdup("<p>Some text about it.</p>");
	e->published = t;
	e->updated = TIME_UNKNOWN;
}

/* fill stores two feeds: five stories, one carried by both. */
static void
fill(struct store *s, int round)
{
	struct doc	*d;
	long long	 a, b;
	char		*cause = NULL, id[32], link[64], title[64];
	int		 i;

	ck_assert_msg(store_feed_upsert(s, "http://a.example/feed", "Alpha "
	    "News", "news", FEED_ORIGIN_CLI, &a, &cause) == 0, "%s", cause);
	ck_assert(store_feed_upsert(s, "http://b.example/feed", "Beta Tech",
	    "tech", FEED_ORIGIN_CLI, &b, &cause) == 0);
	d = doc_new();
	d->title = xstrdup("Alpha News");
	d->link = xstrdup("http://a.example/");
	d->nentries = round == 0 ? 5 : 6;
	d->entries = xcalloc(d->nentries, sizeof *d->entries);
	for (i = 0; i < d->nentries; i++) {
		snprintf(id, sizeof id, "a-%d", i);
		snprintf(link, sizeof link, "http://a.example/story/%d", i);
		snprintf(title, sizeof title, "Alpha story %d <b>&</b>", i);
		entry(&d->entries[i], id, title, link, NOW - 3600 * (10 - i));
	}
	ck_assert_msg(store_ingest(s, a, d, NOW, NULL, &cause) == 0, "%s",
	    cause);
	doc_free(d);
	d = doc_new();
	d->title = xstrdup("Beta Tech");
	d->link = xstrdup("http://b.example/");
	d->nentries = 2;
	d->entries = xcalloc(2, sizeof *d->entries);
	entry(&d->entries[0], "b-0", "Alpha story 2, as Beta saw it",
	    "http://a.example/story/2", NOW - 1000);
	/* What a hostile feed may get stored: the outputs stay valid. */
	entry(&d->entries[1], "b-evil", "<script>x</script> \x01\x1b]]>\xff "
	    "&amp; evil", "javascript:alert(1)", TIME_UNKNOWN);
	free(d->entries[1].content);
	d->entries[1].content = xstrdup("<p>\x02 bad \xc0\xaf bytes ]]></p>");
	ck_assert(store_ingest(s, b, d, NOW, NULL, &cause) == 0);
	doc_free(d);
}

/* hub_listen opens the test's WebSub hub. */
static int
hub_listen(int *hport)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;
	int			 fd, on = 1;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) != 0 ||
	    listen(fd, 16) != 0)
		abort();
	getsockname(fd, (struct sockaddr *)&sin, &len);
	*hport = ntohs(sin.sin_port);
	return (fd);
}

/* hub_wait accepts one ping within ms and returns the request (or NULL). */
static char *
hub_wait(int ms)
{
	struct pollfd	 pfd = { hub_fd, POLLIN, 0 };
	char		 buf[8192];
	size_t		 len = 0;
	ssize_t		 n;
	int		 c;
	const char	*reply = "HTTP/1.1 204 No Content\r\nConnection: "
			    "close\r\n\r\n";

	if (poll(&pfd, 1, ms) != 1 || (c = accept(hub_fd, NULL, NULL)) < 0)
		return (NULL);
	pfd.fd = c;
	while (len < sizeof buf - 1 && poll(&pfd, 1, 2000) == 1) {
		if ((n = read(c, buf + len, sizeof buf - 1 - len)) <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		if (strstr(buf, "\r\n\r\n") != NULL &&
		    strstr(buf, "hub.url=") != NULL)
			break;
	}
	buf[len] = '\0';
	n = write(c, reply, strlen(reply));
	(void)n;
	close(c);
	return (xstrdup(buf));
}

/* metric_value reads the value of a metric line (name with labels), or -1. */
static long
metric_value(const char *body, const char *name)
{
	const char	*p;

	if ((p = strstr(body, name)) == NULL)
		return (-1);
	return (strtol(p + strlen(name), NULL, 10));
}

/* setup fills a store and starts the daemon on it, with a hub. */
static void
setup(void)
{
	struct store	*s;
	struct rlimit	 rl;
	char		*cause = NULL;
	int		 hport;

	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	dir = h_tmpdir();
	port = h_free_port();
	hub_fd = hub_listen(&hport);
	xasprintf(&db, "%s/s.db", dir);
	xasprintf(&conf, "%s/syndic.conf", dir);
	xasprintf(&errlog, "%s/stderr", dir);
	s = store_open(db, &cause);
	ck_assert_msg(s != NULL, "%s", cause);
	fill(s, 0);
	store_close(s);
	h_writef(conf, "[syndic]\ndatabase = %s\nlisten = 127.0.0.1:%d\n"
	    "max_connections = 300\nrequest_timeout = 2s\n"
	    "[output]\ntitle = Test river\nlink = http://127.0.0.1:%d/\n"
	    "items = 2\nhub = http://127.0.0.1:%d/\n"
	    "[feed \"http://a.example/feed\"]\ntitle = Alpha News\n"
	    "tags = news\n", db, port, port, hport);
	pid = h_daemon(conf, NULL, NULL, errlog);
	if (h_wait_port(port, 10000) != 0)
		abort();
}

static void
teardown(void)
{
	h_stop(pid, 5000);
	close(hub_fd);
	h_cleanup(dir);
}

/* xml_ok parses s as XML and, for Atom, validates it against RFC 4287. */
static void
xml_ok(const char *s, size_t len, int atom)
{
	xmlDocPtr		 doc;
	xmlRelaxNGParserCtxtPtr	 pc;
	xmlRelaxNGPtr		 schema;
	xmlRelaxNGValidCtxtPtr	 vc;

	doc = xmlReadMemory(s, (int)len, "x.xml", NULL, XML_PARSE_NONET |
	    XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	ck_assert_msg(doc != NULL, "not well-formed: %s", s);
	if (atom && access(SCHEMA, R_OK) == 0) {
		pc = xmlRelaxNGNewParserCtxt(SCHEMA);
		schema = xmlRelaxNGParse(pc);
		vc = xmlRelaxNGNewValidCtxt(schema);
		ck_assert_msg(xmlRelaxNGValidateDoc(vc, doc) == 0, "invalid "
		    "Atom: %s", s);
		xmlRelaxNGFreeValidCtxt(vc);
		xmlRelaxNGFree(schema);
		xmlRelaxNGFreeParserCtxt(pc);
	}
	xmlFreeDoc(doc);
}

/* expect_header asserts a response header's value (NULL: present). */
static char *
expect_header(const struct hresp *r, const char *name, const char *value)
{
	char	*v = h_header(r, name);

	ck_assert_msg(v != NULL, "no %s in %s", name, r->headers);
	if (value != NULL)
		ck_assert_str_eq(v, value);
	return (v);
}

START_TEST(test_websub)
{
	struct store	*s;
	char		*p, *cause = NULL;
	int		 i, atom = 0, tag = 0;

	/* At start, the hub hears of the three feeds and the tag's three. */
	for (i = 0; i < 6; i++) {
		p = hub_wait(5000);
		ck_assert_msg(p != NULL, "no ping %d", i);
		ck_assert_ptr_nonnull(strstr(p, "POST / HTTP/1.1"));
		ck_assert_ptr_nonnull(strstr(p, "hub.mode=publish"));
		if (strstr(p, "hub.url=http%3A%2F%2F127.0.0.1%3A") != NULL &&
		    strstr(p, "%2Ffeed.atom") != NULL)
			atom = 1;
		if (strstr(p, "%2Ftags%2Fnews.json") != NULL)
			tag = 1;
		free(p);
	}
	ck_assert_int_eq(atom, 1);
	ck_assert_int_eq(tag, 1);
	/* Nothing changed: no ping. */
	ck_assert_ptr_null(hub_wait(2500));
	/* Another process adds a story: pinged again. */
	s = store_open(db, &cause);
	ck_assert_ptr_nonnull(s);
	fill(s, 1);
	store_close(s);
	p = hub_wait(10000);
	ck_assert_msg(p != NULL, "no ping after the store changed");
	ck_assert_ptr_nonnull(strstr(p, "hub.mode=publish"));
	free(p);
	while ((p = hub_wait(1500)) != NULL)
		free(p);
}
END_TEST

START_TEST(test_endpoints)
{
	static const struct {
		const char	*path;
		const char	*type;
		int		 xml;
	} eps[] = {
		{ "/", "text/html; charset=utf-8", 0 },
		{ "/feed.atom", "application/atom+xml; charset=utf-8", 2 },
		{ "/feed.rss", "application/rss+xml; charset=utf-8", 1 },
		{ "/feed.json", "application/feed+json; charset=utf-8", 0 },
		{ "/tags/news.atom", "application/atom+xml; charset=utf-8", 2 },
		{ "/tags/tech.rss", "application/rss+xml; charset=utf-8", 1 },
		{ "/tags/tech.json", "application/feed+json; charset=utf-8",
		    0 },
		{ "/tags/news.html", "text/html; charset=utf-8", 0 },
		{ "/feeds.opml", "text/x-opml; charset=utf-8", 1 },
	};
	struct hresp	 r;
	char		*v;
	size_t		 i;

	for (i = 0; i < sizeof eps / sizeof eps[0]; i++) {
		req("GET", eps[i].path, NULL, NULL, &r);
		ck_assert_msg(r.status == 200, "%s: %ld", eps[i].path,
		    r.status);
		free(expect_header(&r, "Content-Type", eps[i].type));
		free(expect_header(&r, "Vary", "Accept-Encoding"));
		v = expect_header(&r, "ETag", NULL);
		ck_assert_msg(v[0] == '"' && v[strlen(v) - 1] == '"', "%s", v);
		free(v);
		free(expect_header(&r, "Last-Modified", NULL));
		v = expect_header(&r, "Cache-Control", NULL);
		ck_assert_ptr_nonnull(strstr(v, "max-age="));
		free(v);
		if (eps[i].xml)
			xml_ok(r.body, r.len, eps[i].xml == 2);
		h_hresp_free(&r);
	}

	req("GET", "/feed.atom", NULL, NULL, &r);
	ck_assert_ptr_nonnull(strstr(r.body, "<link rel=\"hub\" href=\"http://"
	    "127.0.0.1:"));
	v = expect_header(&r, "Link", NULL);
	ck_assert_msg(strstr(v, "/feed.atom>; rel=\"self\", <http://127.0.0.1:")
	    != NULL && strstr(v, ">; rel=\"hub\"") != NULL, "Link: %s", v);
	free(v);
	ck_assert_ptr_nonnull(strstr(r.body, "<link rel=\"self\""));
	ck_assert_ptr_nonnull(strstr(r.body, "Alpha story 5 &lt;b&gt;"));
	h_hresp_free(&r);
	req("GET", "/tags/tech.atom", NULL, NULL, &r);
	ck_assert_ptr_nonnull(strstr(r.body, "&lt;script&gt;x&lt;/script&gt;"));
	ck_assert_ptr_null(strstr(r.body, "javascript:"));
	h_hresp_free(&r);
	req("GET", "/tags/tech.json", NULL, NULL, &r);
	ck_assert_ptr_nonnull(strstr(r.body, "Alpha story 2"));
	ck_assert_ptr_null(strstr(r.body, "Alpha story 4"));
	ck_assert_ptr_nonnull(strstr(r.body, "\"_syndic\""));
	h_hresp_free(&r);
	req("GET", "/", NULL, NULL, &r);
	ck_assert_ptr_nonnull(strstr(r.body, "rel=\"alternate\" type=\""
	    "application/atom+xml\""));
	ck_assert_ptr_nonnull(strstr(r.body, "<article"));
	free(expect_header(&r, "Content-Security-Policy", NULL));
	h_hresp_free(&r);

	req("GET", "/feeds.opml", NULL, NULL, &r);
	ck_assert_ptr_nonnull(strstr(r.body, "xmlUrl=\"http://a.example/"
	    "feed\""));
	ck_assert_ptr_nonnull(strstr(r.body, "xmlUrl=\"http://b.example/"
	    "feed\""));
	h_hresp_free(&r);
	req("GET", "/tags/x.opml", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 404);
	h_hresp_free(&r);

	req("GET", "/healthz", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, "ok\n");
	h_hresp_free(&r);
	req("GET", "/metrics", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	free(expect_header(&r, "Content-Type", "text/plain; version=0.0.4; "
	    "charset=utf-8"));
	ck_assert_ptr_nonnull(strstr(r.body, "syndic_http_requests_total{"
	    "endpoint=\"feed\",code=\"200\"}"));
	ck_assert_ptr_nonnull(strstr(r.body, "\nsyndic_stories "));
	ck_assert_ptr_nonnull(strstr(r.body, "\nsyndic_entries "));
	/* The scheduler may have tried the two feeds already (no DNS here). */
	ck_assert_int_eq(metric_value(r.body, "syndic_feeds{state=\"new\"}") +
	    metric_value(r.body, "syndic_feeds{state=\"failing\"}"), 2);
	ck_assert_ptr_nonnull(strstr(r.body, "# TYPE syndic_http_connections "
	    "gauge"));
	ck_assert_ptr_nonnull(strstr(r.body, "syndic_fetches_total{outcome="));
	ck_assert_ptr_nonnull(strstr(r.body, "syndic_fetch_duration_seconds_"
	    "bucket{le=\"+Inf\"}"));
	ck_assert_ptr_nonnull(strstr(r.body, "\nsyndic_polls_total "));
	h_hresp_free(&r);

	req("GET", "/nothing", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 404);
	h_hresp_free(&r);
	req("GET", "/feed.xml", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 404);
	h_hresp_free(&r);
	req("GET", "/tags/.atom", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 404);
	h_hresp_free(&r);
}
END_TEST

START_TEST(test_conditional)
{
	struct hresp	 r, r2;
	char		*etag, *lm, *h, *h2;

	req("GET", "/feed.atom", NULL, NULL, &r);
	etag = expect_header(&r, "ETag", NULL);
	lm = expect_header(&r, "Last-Modified", NULL);
	xasprintf(&h, "If-None-Match: %s", etag);
	req("GET", "/feed.atom", h, NULL, &r2);
	ck_assert_int_eq(r2.status, 304);
	ck_assert_int_eq(r2.len, 0);
	free(expect_header(&r2, "ETag", etag));
	free(expect_header(&r2, "Vary", "Accept-Encoding"));
	free(expect_header(&r2, "Cache-Control", NULL));
	h_hresp_free(&r2);
	free(h);
	xasprintf(&h, "If-None-Match: \"other\", W/%s", etag);
	req("HEAD", "/feed.atom", h, NULL, &r2);
	ck_assert_int_eq(r2.status, 304);
	h_hresp_free(&r2);
	free(h);
	req("GET", "/feed.atom", "If-None-Match: \"nope\"", NULL, &r2);
	ck_assert_int_eq(r2.status, 200);
	ck_assert_int_eq(r2.len, r.len);
	h_hresp_free(&r2);
	/* If-None-Match wins over If-Modified-Since. */
	xasprintf(&h2, "If-Modified-Since: %s", lm);
	req("GET", "/feed.atom", "If-None-Match: \"nope\"", h2, &r2);
	ck_assert_int_eq(r2.status, 200);
	h_hresp_free(&r2);
	req("GET", "/feed.atom", h2, NULL, &r2);
	ck_assert_int_eq(r2.status, 304);
	h_hresp_free(&r2);
	free(h2);
	req("GET", "/feed.atom", "If-Modified-Since: Sat, 01 Jan 2000 "
	    "00:00:00 GMT", NULL, &r2);
	ck_assert_int_eq(r2.status, 200);
	h_hresp_free(&r2);
	req("GET", "/feed.atom", "If-Modified-Since: garbage", NULL, &r2);
	ck_assert_int_eq(r2.status, 200);
	h_hresp_free(&r2);
	/* The same bytes again: the same validators. */
	req("GET", "/feed.atom", NULL, NULL, &r2);
	free(expect_header(&r2, "ETag", etag));
	ck_assert_int_eq(r2.len, r.len);
	ck_assert(memcmp(r.body, r2.body, r.len) == 0);
	h_hresp_free(&r2);
	free(etag);
	free(lm);
	h_hresp_free(&r);
}
END_TEST

/* gunzip inflates a gzip body (caller frees). */
static char *
gunzip(const char *p, size_t len, size_t *outlen)
{
	z_stream	 z;
	char		*out = xmalloc(4 * 1024 * 1024);
	int		 rc;

	memset(&z, 0, sizeof z);
	ck_assert_int_eq(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = (Bytef *)p;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)out;
	z.avail_out = 4 * 1024 * 1024;
	rc = inflate(&z, Z_FINISH);
	ck_assert_int_eq(rc, Z_STREAM_END);
	*outlen = z.total_out;
	inflateEnd(&z);
	return (out);
}

START_TEST(test_gzip)
{
	struct hresp	 id, gz, r;
	char		*plain, *etag, *etag_gz, *h;
	size_t		 n;

	req("GET", "/feed.json", NULL, NULL, &id);
	ck_assert_ptr_null(h_header(&id, "Content-Encoding"));
	req("GET", "/feed.json", "Accept-Encoding: br, gzip;q=0.8", NULL, &gz);
	ck_assert_int_eq(gz.status, 200);
	free(expect_header(&gz, "Content-Encoding", "gzip"));
	free(expect_header(&gz, "Vary", "Accept-Encoding"));
	ck_assert((unsigned char)gz.body[0] == 0x1f &&
	    (unsigned char)gz.body[1] == 0x8b);
	plain = gunzip(gz.body, gz.len, &n);
	ck_assert_int_eq(n, id.len);
	ck_assert(memcmp(plain, id.body, n) == 0);
	free(plain);
	etag = expect_header(&id, "ETag", NULL);
	etag_gz = expect_header(&gz, "ETag", NULL);
	ck_assert_str_ne(etag, etag_gz);
	xasprintf(&h, "If-None-Match: %s", etag_gz);
	req("GET", "/feed.json", h, "Accept-Encoding: gzip", &r);
	ck_assert_int_eq(r.status, 304);
	free(expect_header(&r, "ETag", etag_gz));
	h_hresp_free(&r);
	free(h);
	req("GET", "/feed.json", "Accept-Encoding: gzip;q=0, identity", NULL,
	    &r);
	ck_assert_ptr_null(h_header(&r, "Content-Encoding"));
	ck_assert_int_eq(r.len, id.len);
	h_hresp_free(&r);
	req("GET", "/", "Accept-Encoding: *", NULL, &r);
	free(expect_header(&r, "Content-Encoding", "gzip"));
	h_hresp_free(&r);
	free(etag);
	free(etag_gz);
	h_hresp_free(&id);
	h_hresp_free(&gz);
}
END_TEST

/* raw sends a request on a fresh connection and reads until close. */
static char *
raw(const char *request, size_t *lenp)
{
	struct sockaddr_in	 sin;
	struct pollfd		 pfd;
	char			*buf;
	size_t			 len = 0, cap = 1 << 20;
	ssize_t			 n;
	int			 fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	ck_assert_int_eq(write(fd, request, strlen(request)),
	    (ssize_t)strlen(request));
	buf = xmalloc(cap);
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (len < cap - 1 && poll(&pfd, 1, 5000) == 1) {
		if ((n = read(fd, buf + len, cap - 1 - len)) <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	close(fd);
	*lenp = len;
	return (buf);
}

START_TEST(test_head_methods)
{
	struct hresp	 g, h, r;
	char		*cl, *resp, *body;
	const char	*methods[] = { "POST", "PUT", "DELETE", "PATCH",
			    "OPTIONS" };
	size_t		 i, len;

	req("GET", "/feed.rss", NULL, NULL, &g);
	req("HEAD", "/feed.rss", NULL, NULL, &h);
	ck_assert_int_eq(h.status, 200);
	cl = expect_header(&h, "Content-Length", NULL);
	ck_assert_int_eq(atol(cl), (long)g.len);
	free(cl);
	free(expect_header(&h, "ETag", NULL));
	ck_assert_int_eq(h.len, 0);
	h_hresp_free(&g);
	h_hresp_free(&h);
	/* On the wire, HEAD sends no body at all. */
	resp = raw("HEAD /feed.rss HTTP/1.1\r\nHost: x\r\nConnection: "
	    "close\r\n\r\n", &len);
	body = strstr(resp, "\r\n\r\n");
	ck_assert_ptr_nonnull(body);
	ck_assert_str_eq(body + 4, "");
	ck_assert_ptr_nonnull(strstr(resp, "HTTP/1.1 200"));
	free(resp);

	for (i = 0; i < sizeof methods / sizeof methods[0]; i++) {
		req(methods[i], "/feed.atom", NULL, NULL, &r);
		ck_assert_msg(r.status == 405, "%s: %ld", methods[i], r.status);
		free(expect_header(&r, "Allow", "GET, HEAD"));
		h_hresp_free(&r);
	}
}
END_TEST

/* next_link finds the rel="next" href of an Atom page (caller frees). */
static char *
next_link(const char *atom)
{
	const char	*p, *q;

	if ((p = strstr(atom, "<link rel=\"next\" href=\"")) == NULL)
		return (NULL);
	p += strlen("<link rel=\"next\" href=\"");
	q = strchr(p, '"');
	return (xstrndup(p, (size_t)(q - p)));
}

START_TEST(test_paging)
{
	struct hresp	 r, r2;
	char		*next, *path, *prev = NULL;
	char		 seen[64][128];
	const char	*p, *q;
	int		 pages = 0, nseen = 0, i;

	xasprintf(&path, "/feed.atom");
	for (;;) {
		req("GET", path, NULL, NULL, &r);
		ck_assert_int_eq(r.status, 200);
		xml_ok(r.body, r.len, 1);
		pages++;
		for (p = r.body; (p = strstr(p, "<entry>\n<id>")) != NULL;) {
			p += strlen("<entry>\n<id>");
			q = strchr(p, '<');
			ck_assert_int_lt(nseen, 64);
			snprintf(seen[nseen], sizeof seen[0], "%.*s",
			    (int)(q - p), p);
			for (i = 0; i < nseen; i++)
				ck_assert_str_ne(seen[i], seen[nseen]);
			nseen++;
		}
		next = next_link(r.body);
		h_hresp_free(&r);
		if (next == NULL)
			break;
		/* A cursor gives the same page every time. */
		free(path);
		path = xstrdup(strstr(next, "/feed.atom"));
		req("GET", path, NULL, NULL, &r);
		req("GET", path, NULL, NULL, &r2);
		ck_assert_int_eq(r.len, r2.len);
		ck_assert(memcmp(r.body, r2.body, r.len) == 0);
		free(expect_header(&r, "Cache-Control", "public, "
		    "max-age=3600"));
		h_hresp_free(&r);
		h_hresp_free(&r2);
		free(prev);
		prev = next;
		ck_assert_int_lt(pages, 20);
	}
	/* Six or seven stories (the store may have grown), two a page. */
	ck_assert_int_ge(nseen, 5);
	ck_assert_int_ge(pages, (nseen + 1) / 2);
	ck_assert_int_le(pages, (nseen + 1) / 2 + 1);
	free(prev);
	free(path);
	req("GET", "/feed.atom?after=garbage", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 400);
	h_hresp_free(&r);
}
END_TEST

/* lorises opens n connections that send half a request head. */
static int *
lorises(int n, int *opened)
{
	struct sockaddr_in	 sin;
	const char		*part = "GET /feed.atom HTTP/1.1\r\nHost: x\r\n";
	int			*fds, i, fd;

	fds = xcalloc((size_t)n, sizeof *fds);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	*opened = 0;
	for (i = 0; i < n; i++) {
		if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
			break;
		if (connect(fd, (struct sockaddr *)&sin, sizeof sin) != 0 ||
		    write(fd, part, strlen(part)) < 0) {
			close(fd);
			break;
		}
		fds[(*opened)++] = fd;
	}
	return (fds);
}

/* closed says whether the server closed fd (read gives 0 or an error). */
static int
closed(int fd)
{
	char	 c;
	ssize_t	 n;

	n = recv(fd, &c, 1, MSG_DONTWAIT);
	return (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK));
}

START_TEST(test_limits)
{
	struct hresp	 r;
	struct timespec	 t0, t1;
	struct sockaddr_in sin;
	char		*big, *hdr;
	int		*fds, n, i, fd, nclosed;
	double		 ms;

	big = xmalloc(5000);
	memset(big, 'a', 4999);
	big[0] = '/';
	big[4999] = '\0';
	req("GET", big, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 414);
	h_hresp_free(&r);
	free(big);
	hdr = xmalloc(20000);
	memcpy(hdr, "X-Big: ", 7);
	memset(hdr + 7, 'b', 19992);
	hdr[19999] = '\0';
	req("GET", "/feed.atom", hdr, NULL, &r);
	ck_assert_msg(r.status == 400 || r.status == 413 || r.status == 431,
	    "%ld", r.status);
	h_hresp_free(&r);
	free(hdr);

	/* A connection that never finishes its head is closed in time. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	for (i = 0; i < 40 && !closed(fd); i++) {
		if (write(fd, "X", 1) < 0)
			break;
		usleep(250000);
	}
	ck_assert_msg(closed(fd), "a trickling client kept its connection "
	    "for %d ms", i * 250);
	ck_assert_int_ge(i, 6);
	close(fd);

	/* 2,000 slow-loris connections; a normal client is still served. */
	fds = lorises(2000, &n);
	ck_assert_int_eq(n, 2000);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	req("GET", "/feed.atom", NULL, NULL, &r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	ck_assert_int_eq(r.status, 200);
	ck_assert_msg(ms < 2000, "served in %.0f ms", ms);
	h_hresp_free(&r);
	usleep(100000);
	for (i = nclosed = 0; i < n; i++)
		nclosed += closed(fds[i]);
	/* The cap (300) held: the oldest ones were closed. */
	ck_assert_int_ge(nclosed, 2000 - 300);
	req("GET", "/metrics", NULL, NULL, &r);
	ck_assert_ptr_nonnull(strstr(r.body, "syndic_http_connections_closed_"
	    "total{reason=\"connection_cap\"}"));
	ck_assert_ptr_null(strstr(r.body, "reason=\"connection_cap\"} 0\n"));
	h_hresp_free(&r);
	for (i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
}
END_TEST

START_TEST(test_publish_cmd)
{
	static const char *formats[] = { "atom", "rss", "json", "html" };
	static const char *paths[] = { "/feed.atom", "/feed.rss",
	    "/feed.json", "/" };
	struct hresp	 r;
	char		*out, *err;
	size_t		 i;

	/* syndic publish writes the very bytes the daemon serves. */
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(h_cmd(conf, NULL, &out, &err, "publish",
		    "--format", formats[i], NULL), 0);
		req("GET", paths[i], NULL, NULL, &r);
		ck_assert_msg(strcmp(out, r.body) == 0, "%s differs",
		    formats[i]);
		h_hresp_free(&r);
		free(out);
		free(err);
	}
	ck_assert_int_eq(h_cmd(conf, NULL, &out, &err, "publish", "--tag",
	    "tech", NULL), 0);
	req("GET", "/tags/tech.atom", NULL, NULL, &r);
	ck_assert_str_eq(out, r.body);
	h_hresp_free(&r);
	free(out);
	free(err);
	ck_assert_int_eq(h_cmd(conf, NULL, &out, &err, "publish", "--format",
	    "pdf", NULL), 64);
	ck_assert_ptr_nonnull(strstr(err, "unknown format"));
	free(out);
	free(err);
	ck_assert_int_ne(h_cmd(conf, NULL, &out, &err, "publish", "--after",
	    "nonsense", NULL), 0);
	ck_assert_ptr_nonnull(strstr(err, "bad cursor"));
	free(out);
	free(err);
}
END_TEST

START_TEST(test_reload)
{
	struct hresp	 r, r2;
	char		*text, *etag, *etag2;

	req("GET", "/feed.atom", NULL, NULL, &r);
	etag = expect_header(&r, "ETag", NULL);
	text = h_read(conf, NULL);
	h_write(conf, "[syndic]\nmax_connections = none\n");
	kill(pid, SIGHUP);
	ck_assert_int_eq(h_wait_file(errlog, "reload failed", 20000), 0);
	/* A broken configuration changes nothing. */
	req("GET", "/feed.atom", NULL, NULL, &r2);
	free(expect_header(&r2, "ETag", etag));
	h_hresp_free(&r2);
	h_write(conf, text);
	free(text);
	text = h_read(conf, NULL);
	*strstr(text, "Test river") = 'B';
	h_write(conf, text);
	kill(pid, SIGHUP);
	ck_assert_int_eq(h_wait_file(errlog, "configuration reloaded", 20000),
	    0);
	req("GET", "/feed.atom", NULL, NULL, &r2);
	etag2 = expect_header(&r2, "ETag", NULL);
	ck_assert_str_ne(etag, etag2);
	ck_assert_ptr_nonnull(strstr(r2.body, "<title type=\"text\">Best "
	    "river</title>"));
	free(etag);
	free(etag2);
	free(text);
	h_hresp_free(&r);
	h_hresp_free(&r2);
}
END_TEST

static Suite *
serve_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("serve");
	tc = tcase_create("daemon");
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_websub);
	tcase_add_test(tc, test_endpoints);
	tcase_add_test(tc, test_conditional);
	tcase_add_test(tc, test_gzip);
	tcase_add_test(tc, test_head_methods);
	tcase_add_test(tc, test_paging);
	tcase_add_test(tc, test_publish_cmd);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_reload);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(serve_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? 0 : 1);
}
