/*
 * check_fetch.c: tests of feeds/fetch.c against the loopback origin: each
 * fault's outcome, validators and 304, redirects, limits, private
 * addresses, parallel transfers, and that the loop never stalls (a 10 ms
 * repeating timer measures the longest gap while transfers run).
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <event2/event.h>

#include "feeds.h"
#include "origin.h"

static struct origin		*org;
static struct event_base	*base;
static struct fetch		*fet;
static double			 max_gap;	/* longest loop stall, s */
static double			 last_tick;
static double			 last_cpu;
static struct event		*ticker;

/* The part of a result the tests look at, kept after the callback. */
struct got {
	int		 done;
	int		 outcome;
	long		 status;
	char		*body;
	size_t		 len;
	char		 hash[17];
	char		*etag;
	char		*lm;
	char		*ctype;
	char		*moved_to;
	char		*error;
	int		 redirects;
	long long	 retry_after;
	long long	 max_age;
};

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* cpu is the CPU time the loop thread has used, in seconds. */
static double
cpu(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	double	t = now();

	double	c = cpu();

	/*
	 * A stall is the loop not coming back: the gap between ticks.  On a
	 * loaded machine the process may simply not run for a while; a gap
	 * in which it used almost no CPU and that stays under half a second
	 * is the machine's, not ours, and is not counted.
	 */
	if (last_tick > 0 && t - last_tick > max_gap &&
	    (c - last_cpu > 0.05 || t - last_tick > 0.5))
		max_gap = t - last_tick;
	last_tick = t;
	last_cpu = c;
}

static char *
take(char **p)
{
	char	*s = *p;

	*p = NULL;
	return (s);
}

static void
got_cb(struct fetch_result *r, void *arg)
{
	struct got	*g = arg;

	g->done = 1;
	g->outcome = r->outcome;
	g->status = r->status;
	g->len = r->len;
	g->body = take(&r->body);
	memcpy(g->hash, r->body_hash, sizeof g->hash);
	g->etag = take(&r->etag);
	g->lm = take(&r->last_modified);
	g->ctype = take(&r->content_type);
	g->moved_to = take(&r->moved_to);
	g->error = take(&r->error);
	g->redirects = r->redirects;
	g->retry_after = r->retry_after;
	g->max_age = r->max_age;
}

static void
got_clear(struct got *g)
{
	free(g->body);
	free(g->etag);
	free(g->lm);
	free(g->ctype);
	free(g->moved_to);
	free(g->error);
	memset(g, 0, sizeof *g);
}

/* url makes an origin URL for path on 127.0.0.host. */
static char *
url(int host, const char *path)
{
	char	*u;

	if (asprintf(&u, "http://127.0.0.%d:%d%s", host, origin_port(org),
	    path) == -1)
		abort();
	return (u);
}

/* get runs one request to completion on the loop. */
static void
get_req(struct fetch *f, const struct fetch_req *req, struct got *g)
{
	memset(g, 0, sizeof *g);
	ck_assert_int_eq(fetch_start(f, req, got_cb, g), 0);
	while (!g->done)
		event_base_loop(base, EVLOOP_ONCE);
}

static void
get(const char *path, struct got *g)
{
	struct fetch_req	 req;
	char			*u = url(1, path);

	memset(&req, 0, sizeof req);
	req.url = u;
	get_req(fet, &req, g);
	free(u);
}

static void
setup(void)
{
	struct fetch_opts	 o;
	struct timeval		 tv = { 0, 10 * 1000 };

	signal(SIGPIPE, SIG_IGN);
	org = origin_start(2, 0, SRCDIR "/tests");
	ck_assert_ptr_nonnull(org);
	base = event_base_new();
	fetch_opts_default(&o);
	o.user_agent = "syndic-test/1";
	o.timeout = 2500;
	o.connect_timeout = 1000;
	o.low_speed_limit = 100;
	o.low_speed_time = 1;
	o.max_body = 1024 * 1024;
	o.allow_private = 1;
	fet = fetch_new(base, &o);
	max_gap = last_tick = 0;
	ticker = event_new(base, -1, EV_PERSIST, tick_cb, NULL);
	event_add(ticker, &tv);
}

static void
teardown(void)
{
	fetch_free(fet);
	event_free(ticker);
	event_base_free(base);
	origin_stop(org);
}

START_TEST(test_ok_and_validators)
{
	struct got		 a, b, c;
	struct fetch_req	 req;
	struct origin_req	 r;
	char			*u = url(1, "/feed/one");

	get("/feed/one", &a);
	ck_assert_int_eq(a.outcome, FETCH_OK);
	ck_assert_int_eq(a.status, 200);
	ck_assert_ptr_nonnull(strstr(a.body, "<rss"));
	ck_assert_uint_eq(strlen(a.body), a.len);
	ck_assert_ptr_nonnull(a.etag);
	ck_assert_ptr_nonnull(a.lm);
	ck_assert_int_eq(strlen(a.hash), 16);
	ck_assert_int_eq(origin_request(org, 0, &r), 0);
	ck_assert_str_eq(r.user_agent, "syndic-test/1");
	ck_assert_ptr_nonnull(r.accept_encoding);
	ck_assert_ptr_nonnull(strstr(r.accept_encoding, "gzip"));
	ck_assert_ptr_null(r.if_none_match);
	origin_req_clear(&r);

	/* Both validators are sent back and answered with 304. */
	memset(&req, 0, sizeof req);
	req.url = u;
	req.etag = a.etag;
	req.last_modified = a.lm;
	get_req(fet, &req, &b);
	ck_assert_int_eq(b.outcome, FETCH_NOT_MODIFIED);
	ck_assert_int_eq(b.status, 304);
	ck_assert_ptr_null(b.body);
	ck_assert_int_eq(origin_request(org, 1, &r), 0);
	ck_assert_str_eq(r.if_none_match, a.etag);
	ck_assert_str_eq(r.if_modified_since, a.lm);
	origin_req_clear(&r);
	got_clear(&b);

	/* Last-Modified alone is enough too. */
	req.etag = NULL;
	get_req(fet, &req, &b);
	ck_assert_int_eq(b.outcome, FETCH_NOT_MODIFIED);
	got_clear(&b);

	/* A new generation is new content with new validators. */
	origin_set_generation(org, 1);
	req.etag = a.etag;
	get_req(fet, &req, &c);
	ck_assert_int_eq(c.outcome, FETCH_OK);
	ck_assert_str_ne(c.etag, a.etag);
	ck_assert_str_ne(c.hash, a.hash);
	got_clear(&c);
	got_clear(&a);
	free(u);
	ck_assert_double_lt(max_gap, 0.1);
}
END_TEST

START_TEST(test_hash_without_validators)
{
	struct got	a, b;

	get("/plain/p", &a);
	get("/plain/p", &b);
	ck_assert_int_eq(a.outcome, FETCH_OK);
	ck_assert_ptr_null(a.etag);
	ck_assert_ptr_null(a.lm);
	ck_assert_str_eq(a.hash, b.hash);
	got_clear(&b);
	origin_set_generation(org, 3);
	get("/plain/p", &b);
	ck_assert_str_ne(a.hash, b.hash);
	got_clear(&a);
	got_clear(&b);
}
END_TEST

START_TEST(test_gzip_and_headers)
{
	struct got	g;

	get("/gzip/z", &g);
	ck_assert_int_eq(g.outcome, FETCH_OK);
	ck_assert_ptr_nonnull(strstr(g.body, "</rss>"));
	got_clear(&g);
	get("/maxage/600/m", &g);
	ck_assert_int_eq(g.max_age, 600);
	got_clear(&g);
	get("/ctype/c", &g);
	ck_assert_int_eq(g.outcome, FETCH_OK);
	ck_assert_str_eq(g.ctype, "application/octet-stream");
	got_clear(&g);
}
END_TEST

/* The fault table: each hostile path and the outcome it must give. */
static const struct {
	const char	*path;
	int		 outcome;
	long		 status;
} faults[] = {
	{ "/empty", FETCH_NETWORK, 0 },
	{ "/reset", FETCH_TRUNCATED, 200 },
	{ "/drip", FETCH_TIMEOUT, 200 },
	{ "/hang", FETCH_TIMEOUT, 0 },
	{ "/loop", FETCH_REDIRECTS, 302 },
	{ "/redir/301/6/feed/r", FETCH_REDIRECTS, 301 },
	{ "/status/404", FETCH_HTTP_ERROR, 404 },
	{ "/status/410", FETCH_HTTP_ERROR, 410 },
	{ "/status/500", FETCH_HTTP_ERROR, 500 },
	{ "/truncgzip", FETCH_TRUNCATED, 200 },
	{ "/bomb", FETCH_TOO_BIG, 200 },
	{ "/big", FETCH_TOO_BIG, 200 },
	{ "/bigchunked", FETCH_TOO_BIG, 200 },
	{ "/to/302?file:///etc/passwd", FETCH_SCHEME, 302 },
	{ "/to/301?ftp://127.0.0.1/x", FETCH_SCHEME, 301 },
	{ "/html", FETCH_OK, 200 },
	{ "/badutf8", FETCH_OK, 200 },
	{ "/nul", FETCH_OK, 200 },
};

START_TEST(test_fault)
{
	struct got	g;
	double		t0 = now();

	get(faults[_i].path, &g);
	ck_assert_msg(g.outcome == faults[_i].outcome,
	    "%s: outcome %s (%s), expected %s", faults[_i].path,
	    fetch_outcome_name(g.outcome), g.error ? g.error : "",
	    fetch_outcome_name(faults[_i].outcome));
	if (faults[_i].status != 0)
		ck_assert_int_eq(g.status, faults[_i].status);
	if (g.outcome != FETCH_OK) {
		/* Nothing of a failed transfer is handed over. */
		ck_assert_ptr_null(g.body);
		ck_assert_ptr_nonnull(g.error);
	}
	ck_assert_double_lt(now() - t0, 4.0);
	ck_assert_msg(max_gap < 0.1, "%s: loop stalled %.3f s",
	    faults[_i].path, max_gap);
	got_clear(&g);
}
END_TEST

START_TEST(test_bytes)
{
	struct got	g;

	get("/nul", &g);
	ck_assert_int_eq(g.outcome, FETCH_OK);
	ck_assert_uint_gt(g.len, strlen(g.body));	/* NULs kept */
	got_clear(&g);
	get("/badutf8", &g);
	ck_assert_ptr_nonnull(strstr(g.body, "\xff\xfe"));
	got_clear(&g);
}
END_TEST

START_TEST(test_refused)
{
	struct fetch_req	 req;
	struct got		 g;
	char			*u;

	if (asprintf(&u, "http://127.0.0.1:%d/feed/x",
	    origin_refused_port(org)) == -1)
		abort();
	memset(&req, 0, sizeof req);
	req.url = u;
	get_req(fet, &req, &g);
	ck_assert_int_eq(g.outcome, FETCH_NETWORK);
	ck_assert_ptr_nonnull(g.error);
	got_clear(&g);
	free(u);
}
END_TEST

START_TEST(test_redirects)
{
	struct got	 g;
	char		*final = url(1, "/feed/r");

	get("/redir/301/3/feed/r", &g);
	ck_assert_int_eq(g.outcome, FETCH_OK);
	ck_assert_int_eq(g.redirects, 3);
	ck_assert_str_eq(g.moved_to, final);
	got_clear(&g);
	get("/redir/308/1/feed/r", &g);
	ck_assert_str_eq(g.moved_to, final);
	got_clear(&g);
	get("/redir/302/2/feed/r", &g);
	ck_assert_int_eq(g.outcome, FETCH_OK);
	ck_assert_ptr_null(g.moved_to);
	got_clear(&g);
	get("/redir/307/1/feed/r", &g);
	ck_assert_ptr_null(g.moved_to);
	got_clear(&g);
	/* A temporary hop anywhere makes the move temporary. */
	get("/redir/301/1/redir/302/1/feed/r", &g);
	ck_assert_int_eq(g.outcome, FETCH_OK);
	ck_assert_int_eq(g.redirects, 2);
	ck_assert_ptr_null(g.moved_to);
	got_clear(&g);
	get("/redir/301/5/feed/r", &g);
	ck_assert_int_eq(g.outcome, FETCH_OK);
	got_clear(&g);
	free(final);
}
END_TEST

START_TEST(test_retry_after)
{
	struct got	g;

	get("/status/429/7", &g);
	ck_assert_int_eq(g.outcome, FETCH_HTTP_ERROR);
	ck_assert_int_eq(g.status, 429);
	ck_assert_int_eq(g.retry_after, 7);
	got_clear(&g);
	get("/status/503/date/30", &g);
	ck_assert_int_eq(g.status, 503);
	ck_assert_int_ge(g.retry_after, 28);
	ck_assert_int_le(g.retry_after, 31);
	got_clear(&g);
	get("/status/500", &g);
	ck_assert_int_eq(g.retry_after, -1);
	got_clear(&g);
}
END_TEST

START_TEST(test_file_scheme)
{
	struct fetch_req	 req;
	struct got		 g;
	const char		*u = "file://" SRCDIR "/tests/origin.h";

	memset(&req, 0, sizeof req);
	req.url = u;
	get_req(fet, &req, &g);
	ck_assert_int_eq(g.outcome, FETCH_SCHEME);
	got_clear(&g);
	req.allow_file = 1;
	get_req(fet, &req, &g);
	ck_assert_int_eq(g.outcome, FETCH_OK);
	ck_assert_ptr_nonnull(strstr(g.body, "origin.h"));
	got_clear(&g);
}
END_TEST

/* private makes a fetcher with allow_private = no; 127.0.0.2 is "public". */
static struct fetch *
private_fetcher(void)
{
	struct fetch_opts	o;

	fetch_opts_default(&o);
	o.timeout = 2000;
	o.allow_private = 0;
	o.test_public = "127.0.0.2";
	return (fetch_new(base, &o));
}

START_TEST(test_private)
{
	static const char	*forms[] = { "127.0.0.1", "2130706433",
	    "0x7f000001", "017700000001", "127.1", "[::ffff:127.0.0.1]",
	    "localhost" };
	struct fetch		*f = private_fetcher();
	struct fetch_req	 req;
	struct got		 g;
	char			*u;
	size_t			 i;
	int			 n;

	memset(&req, 0, sizeof req);
	for (i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		if (asprintf(&u, "http://%s:%d/feed/p", forms[i],
		    origin_port(org)) == -1)
			abort();
		req.url = u;
		get_req(f, &req, &g);
		ck_assert_msg(g.outcome == FETCH_BLOCKED, "%s: %s (%s)", u,
		    fetch_outcome_name(g.outcome), g.error ? g.error : "");
		got_clear(&g);
		free(u);
	}
	ck_assert_int_eq(origin_nrequests(org), 0);

	/* The "public" address works, and cannot redirect to a private one. */
	u = url(2, "/feed/p");
	req.url = u;
	get_req(f, &req, &g);
	ck_assert_int_eq(g.outcome, FETCH_OK);
	got_clear(&g);
	free(u);
	n = origin_nrequests(org);
	if (asprintf(&u, "http://127.0.0.2:%d/to/302?http://127.0.0.1:%d/"
	    "feed/p", origin_port(org), origin_port(org)) == -1)
		abort();
	req.url = u;
	get_req(f, &req, &g);
	ck_assert_int_eq(g.outcome, FETCH_BLOCKED);
	ck_assert_ptr_nonnull(strstr(g.error, "127.0.0.1"));
	got_clear(&g);
	free(u);
	ck_assert_int_eq(origin_nrequests(org), n + 1);
	fetch_free(f);
}
END_TEST

START_TEST(test_addr_public)
{
	static const struct {
		const char	*a;
		int		 pub;
	} t[] = {
		{ "8.8.8.8", 1 }, { "93.184.216.34", 1 }, { "10.1.2.3", 0 },
		{ "172.16.0.1", 0 }, { "172.32.0.1", 1 }, { "192.168.1.1", 0 },
		{ "169.254.169.254", 0 }, { "100.64.0.1", 0 }, { "0.0.0.0", 0 },
		{ "224.0.0.1", 0 }, { "255.255.255.255", 0 },
		{ "2001:4860:4860::8888", 1 }, { "::1", 0 }, { "::", 0 },
		{ "::ffff:10.0.0.1", 0 }, { "::ffff:8.8.8.8", 1 },
		{ "fd00::1", 0 }, { "fe80::1", 0 }, { "ff02::1", 0 },
		{ "2002:7f00:1::", 0 }, { "64:ff9b::7f00:1", 0 },
		{ "2001:db8::1", 0 }, { "::127.0.0.1", 0 },
	};
	struct sockaddr_in	sin;
	struct sockaddr_in6	sin6;
	size_t			i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		memset(&sin, 0, sizeof sin);
		memset(&sin6, 0, sizeof sin6);
		if (inet_pton(AF_INET, t[i].a, &sin.sin_addr) == 1) {
			sin.sin_family = AF_INET;
			ck_assert_msg(fetch_addr_public((struct sockaddr *)
			    &sin) == t[i].pub, "%s", t[i].a);
		} else {
			ck_assert_int_eq(inet_pton(AF_INET6, t[i].a,
			    &sin6.sin6_addr), 1);
			sin6.sin6_family = AF_INET6;
			ck_assert_msg(fetch_addr_public((struct sockaddr *)
			    &sin6) == t[i].pub, "%s", t[i].a);
		}
	}
}
END_TEST

static int	ndone;

static void
count_cb(struct fetch_result *r, void *arg)
{
	int	*outcome = arg;

	*outcome = r->outcome;
	ndone++;
}

START_TEST(test_parallel_and_reuse)
{
	struct fetch_req	 req;
	struct origin_req	 r0, r1;
	int			 outcomes[20], i;
	char			*u[20];
	double			 t0 = now();

	memset(&req, 0, sizeof req);
	ndone = 0;
	if (getenv("ORIGIN_LOG") != NULL)
		origin_log(org, stderr);
	for (i = 0; i < 20; i++) {
		if (asprintf(&u[i], "http://127.0.0.1:%d/slow/300/feed/%d",
		    origin_port(org), i) == -1)
			abort();
		req.url = u[i];
		ck_assert_int_eq(fetch_start(fet, &req, count_cb,
		    &outcomes[i]), 0);
	}
	ck_assert_int_eq(fetch_running(fet), 20);
	while (ndone < 20)
		event_base_loop(base, EVLOOP_ONCE);
	/* Twenty 300 ms answers in parallel take far less than 6 s. */
	ck_assert_double_lt(now() - t0, 1.5);
	for (i = 0; i < 20; i++) {
		ck_assert_int_eq(outcomes[i], FETCH_OK);
		free(u[i]);
	}
	ck_assert_int_eq(origin_max_host_active(org), 20);
	ck_assert_double_lt(max_gap, 0.1);

	/* Sequential requests to one host reuse the connection. */
	origin_reset(org);
	ndone = 0;
	u[0] = url(1, "/feed/a");
	req.url = u[0];
	fetch_start(fet, &req, count_cb, &outcomes[0]);
	while (ndone < 1)
		event_base_loop(base, EVLOOP_ONCE);
	fetch_start(fet, &req, count_cb, &outcomes[0]);
	while (ndone < 2)
		event_base_loop(base, EVLOOP_ONCE);
	free(u[0]);
	ck_assert_int_eq(origin_request(org, 0, &r0), 0);
	ck_assert_int_eq(origin_request(org, 1, &r1), 0);
	/* One of the idle connections, not a new one. */
	ck_assert_int_le(r0.conn, 20);
	ck_assert_int_le(r1.conn, 20);
	origin_req_clear(&r0);
	origin_req_clear(&r1);
}
END_TEST

START_TEST(test_cancel_and_metrics)
{
	const struct fetch_metrics	*m;
	struct fetch_req		 req;
	struct got			 g;
	char				*u = url(1, "/hang");
	double				 t0;

	memset(&req, 0, sizeof req);
	req.url = u;
	memset(&g, 0, sizeof g);
	fetch_start(fet, &req, got_cb, &g);
	t0 = now();
	while (origin_nrequests(org) == 0 && now() - t0 < 2)
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	fetch_cancel_all(fet);
	ck_assert_int_eq(g.done, 1);
	ck_assert_int_eq(g.outcome, FETCH_CANCELLED);
	ck_assert_int_eq(fetch_running(fet), 0);
	got_clear(&g);
	free(u);
	get("/feed/m", &g);
	got_clear(&g);
	m = fetch_get_metrics(fet);
	ck_assert_int_eq(m->count, 2);
	ck_assert_int_eq(m->outcomes[FETCH_OK], 1);
	ck_assert_int_eq(m->outcomes[FETCH_CANCELLED], 1);
	ck_assert_int_gt(m->bytes, 1000);
	ck_assert_int_eq(m->buckets[FETCH_NBUCKETS - 1], 2);
}
END_TEST

START_TEST(test_discover)
{
	char	*u, *t;

	/* The first feed link wins; href resolves against the page. */
	u = discover_feed("<html><head><link rel=stylesheet href=a.css>"
	    "<LINK REL=\"Alternate\" type=\"application/atom+xml\" "
	    "title=\"Main\" href=\"feed.atom\"><link rel=alternate type="
	    "\"application/rss+xml\" href=\"/comments.rss\"></head></html>",
	    200, "http://example.org/blog/post", &t);
	ck_assert_str_eq(u, "http://example.org/blog/feed.atom");
	ck_assert_str_eq(t, "Main");
	free(u);
	free(t);
	/* <base> is honoured; rel may hold several tokens. */
	u = discover_feed("<head><base href=\"https://cdn.example.net/x/\">"
	    "<link rel=\"feed alternate\" type=\"application/feed+json\" "
	    "href=\"f.json\"></head>", 120, "http://example.org/", NULL);
	ck_assert_str_eq(u, "https://cdn.example.net/x/f.json");
	free(u);
	/* Not a feed type, not alternate, or not http(s): nothing. */
	ck_assert_ptr_null(discover_feed("<link rel=alternate type=text/html "
	    "href=/x><link rel=alternate type=application/rss+xml href="
	    "\"javascript:alert(1)\"><link rel=icon type=application/rss+xml"
	    " href=/y>", 140, "http://e.org/", &t));
	ck_assert_ptr_null(t);
	ck_assert_int_eq(discover_is_html("text/html; charset=utf-8", "", 0),
	    1);
	ck_assert_int_eq(discover_is_html(NULL, " <!DOCTYPE html><p>", 19), 1);
	ck_assert_int_eq(discover_is_html("text/xml", "<?xml?><rss>", 12), 0);
}
END_TEST

static Suite *
fetch_suite(void)
{
	Suite	*s = suite_create("fetch");
	TCase	*tc = tcase_create("fetch");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_ok_and_validators);
	tcase_add_test(tc, test_hash_without_validators);
	tcase_add_test(tc, test_gzip_and_headers);
	tcase_add_loop_test(tc, test_fault, 0, sizeof faults /
	    sizeof faults[0]);
	tcase_add_test(tc, test_bytes);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_redirects);
	tcase_add_test(tc, test_retry_after);
	tcase_add_test(tc, test_file_scheme);
	tcase_add_test(tc, test_private);
	tcase_add_test(tc, test_addr_public);
	tcase_add_test(tc, test_parallel_and_reuse);
	tcase_add_test(tc, test_cancel_and_metrics);
	tcase_add_test(tc, test_discover);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	unsetenv("http_proxy");
	unsetenv("https_proxy");
	unsetenv("HTTPS_PROXY");
	unsetenv("all_proxy");
	unsetenv("ALL_PROXY");
	sr = srunner_create(fetch_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? 0 : 1);
}
