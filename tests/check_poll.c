/*
 * check_poll.c: integration tests of the scheduler: the real `syndic poll`
 * and `syndic run` against the loopback origin (tests/origin.c), which
 * records every request.  Validators are sent back, nothing is polled
 * before its time, per_site and concurrency are never exceeded,
 * Retry-After is honoured, moves and 410 are applied, private addresses
 * are refused when allow_private = no (also through a redirect), the
 * daemon notices feeds added by another process and stops cleanly.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "daemon.h"
#include "harness.h"
#include "origin.h"
#include "storage.h"

static struct origin	*org;
static char		*dir;
static char		*conf;
static char		*db;
static const char	*agent = "syndic-check";	/* write_conf's */

static void
setup(void)
{
	signal(SIGPIPE, SIG_IGN);
	org = origin_start(3, 0, NULL);
	ck_assert_ptr_nonnull(org);
	dir = h_tmpdir();
	if (asprintf(&conf, "%s/syndic.conf", dir) == -1 ||
	    asprintf(&db, "%s/s.db", dir) == -1)
		abort();
}

static void
teardown(void)
{
	origin_stop(org);
	h_cleanup(dir);
	free(dir);
	free(conf);
	free(db);
}

/*
 * write_conf writes the configuration: [fetch] lines, then one [feed] per
 * path (on 127.0.0.1 unless the path starts with "http").
 */
static void
write_conf(const char *fetch, const char *const *paths)
{
	char	*text, *tmp;
	size_t	 len;
	int	 i;

	if (asprintf(&text, "[syndic]\ndatabase = %s\nlisten = 127.0.0.1:%d\n"
	    "user_agent = %s\n[fetch]\n%s\n", db, h_free_port(), agent,
	    fetch) == -1)
		abort();
	for (i = 0; paths != NULL && paths[i] != NULL; i++) {
		/* "PATH\nkey = value" adds lines to the feed's section. */
		len = strcspn(paths[i], "\n");
		if (strncmp(paths[i], "http", 4) == 0) {
			if (asprintf(&tmp, "%s[feed \"%.*s\"]%s\n", text,
			    (int)len, paths[i], paths[i] + len) == -1)
				abort();
		} else if (asprintf(&tmp, "%s[feed \"http://127.0.0.1:%d%.*s\"]"
		    "%s\n", text, origin_port(org), (int)len, paths[i],
		    paths[i] + len) == -1)
			abort();
		free(text);
		text = tmp;
	}
	h_write(conf, text);
	free(text);
}

/* syndic runs `syndic -c conf CMD [ARG]` with env; returns its status. */
static int
syndic(char *const *env, const char *cmd, const char *arg, char **out)
{
	char	*err = NULL;
	int	 rc;

	rc = h_cmd(conf, env, out, &err, cmd, arg, NULL);
	if (rc != 0)
		fprintf(stderr, "syndic %s: %d: %s\n", cmd, rc, err);
	free(err);
	return (rc);
}

/* feed_row_of reads the store's row of the feed at path. */
static int
feed_row_of(const char *path, struct feed_row *row)
{
	struct store	*st;
	char		*url, *cause = NULL;
	long long	 id;
	int		 rc = -1;

	if (strncmp(path, "http", 4) == 0)
		url = strdup(path);
	else if (asprintf(&url, "http://127.0.0.1:%d%s", origin_port(org),
	    path) == -1)
		abort();
	st = store_open(db, &cause);
	ck_assert_msg(st != NULL, "store: %s", cause);
	if ((id = store_feed_find(st, url)) != -1)
		rc = store_feed_get(st, id, row, &cause);
	free(cause);
	store_close(st);
	free(url);
	return (rc);
}

/* count_path counts recorded requests whose path is exactly path. */
static int
count_path(const char *path)
{
	struct origin_req	r;
	int			i, n = 0;

	for (i = 0; i < origin_nrequests(org); i++) {
		origin_request(org, i, &r);
		if (strcmp(r.path, path) == 0)
			n++;
		origin_req_clear(&r);
	}
	return (n);
}

START_TEST(test_validators_and_schedule)
{
	static const char *const paths[] = { "/feed/a", "/atom/b", "/plain/c",
	    NULL };
	struct origin_req	 r;
	struct feed_row		 row;
	char			*out;
	int			 i, n;

	write_conf("allow_private = yes\nsite_delay = 0", paths);
	ck_assert_int_eq(syndic(NULL, "poll", NULL, &out), 0);
	ck_assert_ptr_nonnull(strstr(out, "polled 3 feeds"));
	free(out);
	ck_assert_int_eq(origin_nrequests(org), 3);
	for (i = 0; i < 3; i++) {
		origin_request(org, i, &r);
		ck_assert_str_eq(r.user_agent, "syndic-check");
		ck_assert_ptr_null(r.if_none_match);
		origin_req_clear(&r);
	}
	ck_assert_int_eq(feed_row_of("/feed/a", &row), 0);
	ck_assert_int_eq(row.last_status, 200);
	ck_assert_ptr_nonnull(row.etag);
	ck_assert_int_gt(row.nentries, 0);
	ck_assert_int_gt(row.next_poll, time(NULL) + 60);
	feed_row_clear(&row);

	/* Nothing is due yet: a plain poll asks for nothing. */
	ck_assert_int_eq(syndic(NULL, "poll", NULL, &out), 0);
	free(out);
	ck_assert_int_eq(origin_nrequests(org), 3);

	/* --all polls anyway, sending back every validator it has. */
	ck_assert_int_eq(syndic(NULL, "poll", "--all", &out), 0);
	ck_assert_ptr_nonnull(strstr(out, "3 unchanged"));
	free(out);
	n = origin_nrequests(org);
	ck_assert_int_eq(n, 6);
	for (i = 3; i < n; i++) {
		origin_request(org, i, &r);
		if (strcmp(r.path, "/plain/c") == 0)
			ck_assert_ptr_null(r.if_none_match);
		else {
			ck_assert_ptr_nonnull(r.if_none_match);
			ck_assert_ptr_nonnull(r.if_modified_since);
		}
		origin_req_clear(&r);
	}
	ck_assert_int_eq(feed_row_of("/feed/a", &row), 0);
	ck_assert_int_eq(row.last_status, 304);
	ck_assert_int_eq(row.failures, 0);
	feed_row_clear(&row);

	/* New content is stored; the plain feed's body hash spots changes. */
	origin_set_generation(org, 1);
	ck_assert_int_eq(syndic(NULL, "poll", "--all", &out), 0);
	ck_assert_msg(strstr(out, "3 new entries") != NULL, "%s", out);
	free(out);
}
END_TEST

/*
 * wal_read reads the store's write-ahead log: its size, and its 32-byte
 * header in hdr; -1 when there is none.
 */
static long long
wal_read(unsigned char *hdr)
{
	char	*path, *text;
	size_t	 len;

	if (asprintf(&path, "%s-wal", db) == -1)
		abort();
	text = h_read(path, &len);
	free(path);
	if (text == NULL)
		return (-1);
	memset(hdr, 0, 32);
	memcpy(hdr, text, len < 32 ? len : 32);
	free(text);
	return ((long long)len);
}

/*
 * A poll that stored documents leaves a new log of one frame, so that the
 * all-304 pass after it appends to it (same header: the log did not start
 * over, which costs a sync of the new header); syndic index does the same.
 */
START_TEST(test_wal_settled)
{
	static const char *const paths[] = { "/feed/a", "/atom/b", "/plain/c",
	    NULL };
	unsigned char	 h1[32], h2[32];
	long long	 n1, n2;
	char		*out;
	struct store	*st;
	char		*cause = NULL;

	write_conf("allow_private = yes\nsite_delay = 0", paths);
	ck_assert_int_eq(syndic(NULL, "poll", "--all", &out), 0);
	ck_assert_msg(strstr(out, "3 stored") != NULL, "%s", out);
	free(out);
	/* The header and one frame (a 24-byte header and a 4 KiB page). */
	n1 = wal_read(h1);
	ck_assert_int_eq(n1, 32 + 24 + 4096);
	ck_assert_int_eq(syndic(NULL, "poll", "--all", &out), 0);
	ck_assert_msg(strstr(out, "3 unchanged") != NULL, "%s", out);
	free(out);
	n2 = wal_read(h2);
	ck_assert_int_gt(n2, n1);
	ck_assert_msg(memcmp(h1, h2, 32) == 0, "the log started over");
	/* syndic index copies the log back and starts the next one. */
	ck_assert_int_eq(syndic(NULL, "index", NULL, &out), 0);
	free(out);
	ck_assert_int_eq(wal_read(h2), 32 + 24 + 4096);
	ck_assert_msg(memcmp(h1, h2, 32) != 0, "the same log");
	/* With nothing to index it leaves the log as it is. */
	ck_assert_int_eq(syndic(NULL, "index", NULL, &out), 0);
	free(out);
	ck_assert_int_eq(wal_read(h1), 32 + 24 + 4096);
	ck_assert_msg(memcmp(h1, h2, 32) == 0, "the log started over");
	st = store_open(db, &cause);
	ck_assert_msg(st != NULL, "%s", cause);
	ck_assert_int_eq(store_check(st, &cause), 0);
	store_close(st);
}
END_TEST

/* max_overlap is the most requests in flight at once whose host has key. */
static int
max_overlap(const char *key)
{
	struct origin_req	*rs;
	int			 n, i, j, k, best = 0;

	n = origin_nrequests(org);
	rs = calloc(n, sizeof *rs);
	for (i = 0; i < n; i++)
		origin_request(org, i, &rs[i]);
	for (i = 0; i < n; i++) {
		if (key != NULL && strstr(rs[i].host, key) == NULL)
			continue;
		for (k = 0, j = 0; j < n; j++) {
			if (key != NULL && strstr(rs[j].host, key) == NULL)
				continue;
			if (rs[j].t <= rs[i].t && (rs[j].t_end < 0 ||
			    rs[j].t_end > rs[i].t))
				k++;
		}
		if (k > best)
			best = k;
	}
	for (i = 0; i < n; i++)
		origin_req_clear(&rs[i]);
	free(rs);
	return (best);
}

START_TEST(test_per_site)
{
	const char	*paths[32];
	char		*bufs[32], *out, *env[2], *ct;
	int		 i, n = 0, port = origin_port(org);

	/* Two sites of hostnames (a.one.test, b.one.test | c.two.test)... */
	for (i = 0; i < 8; i++) {
		if (asprintf(&bufs[n], "http://%s:%d/slow/150/feed/s%d",
		    i % 2 ? "a.one.test" : "b.one.test", port, i) == -1)
			abort();
		paths[n] = bufs[n];
		n++;
		if (asprintf(&bufs[n], "http://c.two.test:%d/slow/150/feed/t%d",
		    port, i) == -1)
			abort();
		paths[n] = bufs[n];
		n++;
	}
	/* ...and one of an address. */
	for (i = 0; i < 6; i++) {
		if (asprintf(&bufs[n], "http://127.0.0.2:%d/slow/150/feed/u%d",
		    port, i) == -1)
			abort();
		paths[n] = bufs[n];
		n++;
	}
	paths[n] = NULL;
	write_conf("allow_private = yes\nper_site = 2\nconcurrency = 5\n"
	    "site_delay = 0", paths);
	/* Every test hostname reaches the origin. */
	if (asprintf(&ct, "SYNDIC_TEST_CONNECT_TO=::127.0.0.1:%d", port) == -1)
		abort();
	env[0] = ct;
	env[1] = NULL;
	ck_assert_int_eq(syndic(env, "poll", NULL, &out), 0);
	ck_assert_msg(strstr(out, "polled 22 feeds") != NULL, "%s", out);
	free(out);
	ck_assert_int_eq(origin_nrequests(org), 22);
	ck_assert_int_eq(max_overlap("one.test"), 2);
	ck_assert_int_eq(max_overlap("two.test"), 2);
	ck_assert_int_eq(max_overlap("127.0.0.2"), 2);
	ck_assert_int_le(max_overlap(NULL), 5);
	ck_assert_int_ge(max_overlap(NULL), 4);
	for (i = 0; i < n; i++)
		free(bufs[i]);
	free(ct);
}
END_TEST

START_TEST(test_site_delay)
{
	static const char *const paths[] = { "/feed/d1", "/feed/d2",
	    "/feed/d3", "/feed/d4", NULL };
	struct origin_req	 a, b;
	int			 i;
	char			*out;

	write_conf("allow_private = yes\nper_site = 4\nsite_delay = 300ms",
	    paths);
	ck_assert_int_eq(syndic(NULL, "poll", NULL, &out), 0);
	free(out);
	ck_assert_int_eq(origin_nrequests(org), 4);
	for (i = 1; i < 4; i++) {
		origin_request(org, i - 1, &a);
		origin_request(org, i, &b);
		/*
		 * The origin records a request when its head arrives; a slow
		 * first connection on a loaded machine shortens the gap it
		 * sees, so half the delay is the floor (no spacing gives ~0).
		 */
		ck_assert_double_ge(b.t - a.t, 0.15);
		origin_req_clear(&a);
		origin_req_clear(&b);
	}
}
END_TEST

/* times_of returns the times of the requests to path (n of them). */
static int
times_of(const char *path, double *t, int max)
{
	struct origin_req	r;
	int			i, n = 0;

	for (i = 0; i < origin_nrequests(org) && n < max; i++) {
		origin_request(org, i, &r);
		if (strcmp(r.path, path) == 0)
			t[n++] = r.t;
		origin_req_clear(&r);
	}
	return (n);
}

/* run_daemon runs `syndic run` for ms milliseconds, then SIGTERM. */
static void
run_daemon(int ms, char *const *env, void (*during)(void))
{
	char		*errf;
	pid_t		 pid;
	int		 status;
	struct timespec	 ts = { ms / 1000, (ms % 1000) * 1000000L };

	if (asprintf(&errf, "%s/run.err", dir) == -1)
		abort();
	pid = h_daemon(conf, env, NULL, errf);
	if (during != NULL) {
		nanosleep(&(struct timespec){ 1, 0 }, NULL);
		during();
	}
	nanosleep(&ts, NULL);
	status = h_stop(pid, 10000);	/* not 30 s: /hang is cut */
	ck_assert_msg(status == 0, "syndic run exit %d", status);
	free(errf);
}

START_TEST(test_retry_after_and_max_age)
{
	static const char *const paths[] = { "/status/429/3",
	    "/status/503/date/3", "/maxage/3/m\ninterval = 1s",
	    "/feed/fast\ninterval = 1s", NULL };
	double	 t[16];
	int	 n, i;

	write_conf("allow_private = yes\nsite_delay = 0\nper_site = 4\n"
	    "interval = 1s\nmin_interval = 1s\nmax_interval = 1m", paths);
	/* Room for a slow start (sanitizer build, loaded machine). */
	run_daemon(10000, NULL, NULL);
	/* Never sooner than Retry-After (seconds or date) or max-age. */
	n = times_of("/status/429/3", t, 16);
	ck_assert_int_ge(n, 2);
	for (i = 1; i < n; i++)
		ck_assert_double_ge(t[i] - t[i - 1], 3.0);
	n = times_of("/status/503/date/3", t, 16);
	ck_assert_int_ge(n, 2);
	for (i = 1; i < n; i++)
		ck_assert_double_ge(t[i] - t[i - 1], 2.0);
	n = times_of("/maxage/3/m", t, 16);
	ck_assert_int_ge(n, 2);
	for (i = 1; i < n; i++)
		ck_assert_double_ge(t[i] - t[i - 1], 3.0);
	/* A 1 s feed is polled again and again, but never early. */
	n = times_of("/feed/fast", t, 16);
	ck_assert_int_ge(n, 3);
	for (i = 1; i < n; i++)
		ck_assert_double_ge(t[i] - t[i - 1], 0.9);
}
END_TEST

/* agents_of lists the User-Agent of each request for path, in order. */
static int
agents_of(const char *path, char **ua, int max)
{
	struct origin_req	r;
	int			i, n = 0;

	for (i = 0; i < origin_nrequests(org) && n < max; i++) {
		origin_request(org, i, &r);
		if (strcmp(r.path, path) == 0)
			ua[n++] = strdup(r.user_agent != NULL ? r.user_agent :
			    "");
		origin_req_clear(&r);
	}
	return (n);
}

/* wait_requests waits up to ms for n requests of path; returns the count. */
static int
wait_requests(const char *path, int n, int ms)
{
	int	got;

	while ((got = count_path(path)) < n && ms > 0) {
		nanosleep(&(struct timespec){ 0, 50000000L }, NULL);
		ms -= 50;
	}
	return (got);
}

START_TEST(test_reload_fetcher)
{
	static const char *const paths[] = { "/feed/ua\ninterval = 1s",
	    "/slow/3000/feed/inflight\ninterval = 1h", NULL };
	static const char *fetch = "allow_private = yes\nsite_delay = 0\n"
	    "per_site = 4\ninterval = 1s\nmin_interval = 1s\n"
	    "max_interval = 1m";
	struct feed_row	 row;
	char		*errf, *ua[64];
	pid_t		 pid;
	int		 i, n, before, status;

	write_conf(fetch, paths);
	if (asprintf(&errf, "%s/run.err", dir) == -1)
		abort();
	pid = h_daemon(conf, NULL, NULL, errf);
	/* The slow feed is in flight when the configuration changes. */
	ck_assert_int_ge(wait_requests("/feed/ua", 1, 20000), 1);
	ck_assert_int_ge(wait_requests("/slow/3000/feed/inflight", 1, 20000),
	    1);
	agent = "syndic-reloaded";
	write_conf(fetch, paths);
	agent = "syndic-check";
	before = count_path("/feed/ua");
	kill(pid, SIGHUP);
	/* Polls that start after the reload send the new User-Agent. */
	ck_assert_int_ge(wait_requests("/feed/ua", before + 2, 30000),
	    before + 2);
	/* The transfer in flight finished and was stored. */
	for (i = 0; i < 300; i++) {
		if (feed_row_of("/slow/3000/feed/inflight", &row) == 0 &&
		    row.last_status == 200)
			break;
		feed_row_clear(&row);
		nanosleep(&(struct timespec){ 0, 50000000L }, NULL);
	}
	ck_assert_int_eq(row.last_status, 200);
	ck_assert_int_gt(row.nentries, 0);
	feed_row_clear(&row);
	status = h_stop(pid, 10000);
	ck_assert_msg(status == 0, "syndic run exit %d", status);
	free(errf);

	n = agents_of("/feed/ua", ua, 64);
	ck_assert_int_ge(n, 3);
	ck_assert_str_eq(ua[0], "syndic-check");
	ck_assert_str_eq(ua[n - 1], "syndic-reloaded");
	/* Once the new agent is seen, the old one never comes back. */
	for (i = 1; i < n; i++) {
		if (strcmp(ua[i - 1], "syndic-reloaded") == 0)
			ck_assert_str_eq(ua[i], "syndic-reloaded");
	}
	for (i = 0; i < n; i++)
		free(ua[i]);
	ck_assert_int_eq(count_path("/slow/3000/feed/inflight"), 1);
}
END_TEST

START_TEST(test_private)
{
	static const char *const direct[] = { "/feed/p", NULL };
	struct feed_row	 row;
	char		*out, *redir, *env[2] = { "SYNDIC_TEST_PUBLIC=127.0.0.2",
	    NULL };
	const char	*paths[2];
	int		 port = origin_port(org);

	/* Loopback is refused before any connection is made. */
	write_conf("allow_private = no", direct);
	ck_assert_int_eq(syndic(NULL, "poll", NULL, &out), 0);
	free(out);
	ck_assert_int_eq(origin_nrequests(org), 0);
	ck_assert_int_eq(feed_row_of("/feed/p", &row), 0);
	ck_assert_ptr_nonnull(row.last_error);
	ck_assert_ptr_nonnull(strstr(row.last_error, "not public"));
	ck_assert_int_eq(row.nentries, 0);
	feed_row_clear(&row);

	/* A "public" feed may not redirect to a private address. */
	if (asprintf(&redir, "http://127.0.0.2:%d/to/302?http://127.0.0.1:%d/"
	    "feed/p", port, port) == -1)
		abort();
	paths[0] = redir;
	paths[1] = NULL;
	write_conf("allow_private = no", paths);
	ck_assert_int_eq(syndic(env, "poll", "--all", &out), 0);
	free(out);
	ck_assert_int_eq(origin_nrequests(org), 1);
	ck_assert_int_eq(feed_row_of(redir, &row), 0);
	ck_assert_ptr_nonnull(strstr(row.last_error, "127.0.0.1"));
	ck_assert_int_eq(row.nentries, 0);
	feed_row_clear(&row);

	/* With allow_private = yes both work. */
	write_conf("allow_private = yes", paths);
	ck_assert_int_eq(syndic(NULL, "poll", "--all", &out), 0);
	free(out);
	/* (The first feed is still subscribed: polled directly this time.) */
	ck_assert_int_eq(count_path("/feed/p"), 2);
	ck_assert_int_eq(feed_row_of(redir, &row), 0);
	ck_assert_int_eq(row.last_status, 200);
	ck_assert_int_gt(row.nentries, 0);
	feed_row_clear(&row);
	free(redir);
}
END_TEST

START_TEST(test_outcomes)
{
	static const char *const paths[] = { "/status/410", "/html",
	    "/reset", "/truncgzip", "/status/500", "/redir/301/1/feed/mv",
	    NULL };
	struct store	*st;
	struct feed_row	 row;
	char		*out, *cause = NULL, *moved;
	int		 i;

	write_conf("allow_private = yes\nsite_delay = 0", paths);
	ck_assert_int_eq(syndic(NULL, "poll", NULL, &out), 0);
	free(out);

	/* 410 retires; a retired feed is not polled again. */
	ck_assert_int_eq(feed_row_of("/status/410", &row), 0);
	ck_assert_int_eq(row.retired, 1);
	feed_row_clear(&row);
	/* HTML is an error, not data; truncated bodies store nothing. */
	ck_assert_int_eq(feed_row_of("/html", &row), 0);
	ck_assert_ptr_nonnull(strstr(row.last_error, "HTML"));
	ck_assert_int_eq(row.nentries, 0);
	ck_assert_int_eq(row.failures, 1);
	feed_row_clear(&row);
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(feed_row_of(i ? "/truncgzip" : "/reset",
		    &row), 0);
		ck_assert_ptr_nonnull(row.last_error);
		ck_assert_int_eq(row.nentries, 0);
		ck_assert_ptr_null(row.etag);
		feed_row_clear(&row);
	}
	/* Failures back off: the next poll is later than the interval. */
	ck_assert_int_eq(feed_row_of("/status/500", &row), 0);
	ck_assert_int_eq(row.failures, 1);
	ck_assert_int_ge(row.next_poll, time(NULL) + 1800 * 3 / 4 - 2);
	feed_row_clear(&row);
	ck_assert_int_eq(syndic(NULL, "poll", "--all", &out), 0);
	free(out);
	ck_assert_int_eq(count_path("/status/410"), 1);
	ck_assert_int_eq(feed_row_of("/status/500", &row), 0);
	ck_assert_int_eq(row.failures, 2);
	ck_assert_int_ge(row.next_poll, time(NULL) + 3600 * 3 / 4 - 2);
	feed_row_clear(&row);

	/* A configured feed that moved is only reported... */
	ck_assert_int_eq(syndic(NULL, "poll", "--all", &out), 0);
	free(out);
	ck_assert_int_eq(feed_row_of("/redir/301/1/feed/mv", &row), 0);
	ck_assert_int_eq(row.moved_count, 3);
	feed_row_clear(&row);

	/* ...one added by command moves after three polls. */
	if (asprintf(&moved, "http://127.0.0.1:%d/redir/308/1/feed/cli",
	    origin_port(org)) == -1)
		abort();
	st = store_open(db, &cause);
	ck_assert_int_eq(store_feed_upsert(st, moved, NULL, NULL,
	    FEED_ORIGIN_CLI, NULL, &cause), 0);
	store_close(st);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(syndic(NULL, "poll", moved, &out), 0);
		free(out);
	}
	ck_assert_int_eq(feed_row_of(moved, &row), -1);
	ck_assert_int_eq(feed_row_of("/feed/cli", &row), 0);
	ck_assert_int_gt(row.nentries, 0);
	feed_row_clear(&row);
	free(moved);
}
END_TEST

START_TEST(test_next_poll)
{
	static const char *const paths[] = { "/recent/1200/r",
	    "/recent/60/q", "/feed/old", "/ttl/180/t\ninterval = 10m",
	    "/sy/hourly/1/s\ninterval = 10m", "/maxage/7200/m\ninterval = 10m",
	    "/skiphours/H/k\ninterval = 10m", "/feed/fixed\ninterval = 10m",
	    "/maxage200/7200/n\ninterval = 10m", NULL };
	const char	*p[16];
	struct feed_row	 row;
	struct tm	 tm;
	time_t		 now = time(NULL), t;
	char		*out, skip[64];
	int		 i, keep;

	/* The one hour the skipHours feed allows: three hours from now. */
	gmtime_r(&now, &tm);
	keep = (tm.tm_hour + 3) % 24;
	for (i = 0; paths[i] != NULL; i++)
		p[i] = paths[i];
	p[i] = NULL;
	snprintf(skip, sizeof skip, "/skiphours/%d/k\ninterval = 10m", keep);
	p[6] = skip;
	write_conf("allow_private = yes\nsite_delay = 0\nper_site = 8\n"
	    "interval = 30m\nmin_interval = 5m\nmax_interval = 1d", p);
	ck_assert_int_eq(syndic(NULL, "poll", NULL, &out), 0);
	free(out);

	/* Publishing every 20 minutes: polled every 10. */
	ck_assert_int_eq(feed_row_of("/recent/1200/r", &row), 0);
	ck_assert_int_eq(row.interval, 600);
	feed_row_clear(&row);
	/* Every minute: clamped to min_interval. */
	ck_assert_int_eq(feed_row_of("/recent/60/q", &row), 0);
	ck_assert_int_eq(row.interval, 300);
	feed_row_clear(&row);
	/* Silent for years: max_interval. */
	ck_assert_int_eq(feed_row_of("/feed/old", &row), 0);
	ck_assert_int_eq(row.interval, 86400);
	ck_assert_int_ge(row.next_poll, now + 86400 * 9 / 10);
	feed_row_clear(&row);
	/* A configured interval, raised by ttl and sy:update hints. */
	ck_assert_int_eq(feed_row_of("/feed/fixed", &row), 0);
	ck_assert_int_eq(row.interval, 600);
	ck_assert_int_ge(row.next_poll, now + 540);
	ck_assert_int_le(row.next_poll, now + 662);
	feed_row_clear(&row);
	ck_assert_int_eq(feed_row_of("/ttl/180/t", &row), 0);
	ck_assert_int_eq(row.interval, 3 * 3600);
	feed_row_clear(&row);
	ck_assert_int_eq(feed_row_of("/sy/hourly/1/s", &row), 0);
	ck_assert_int_eq(row.interval, 3600);
	feed_row_clear(&row);
	/* Cache-Control: max-age pushes the next poll out. */
	ck_assert_int_eq(feed_row_of("/maxage/7200/m", &row), 0);
	ck_assert_int_ge(row.next_poll, now + 7200);
	feed_row_clear(&row);
	/* skipHours: the next poll falls in the one allowed hour. */
	snprintf(skip, sizeof skip, "/skiphours/%d/k", keep);
	ck_assert_int_eq(feed_row_of(skip, &row), 0);
	t = (time_t)row.next_poll;
	gmtime_r(&t, &tm);
	ck_assert_int_eq(tm.tm_hour, keep);
	feed_row_clear(&row);

	ck_assert_int_eq(feed_row_of("/maxage200/7200/n", &row), 0);
	ck_assert_int_ge(row.next_poll, now + 7200);
	ck_assert_int_eq(row.hints.cache, 7200);
	feed_row_clear(&row);

	/* Unchanged (304) slows down by a quarter. */
	now = time(NULL);
	ck_assert_int_eq(syndic(NULL, "poll", "--all", &out), 0);
	free(out);
	ck_assert_int_eq(feed_row_of("/recent/1200/r", &row), 0);
	ck_assert_int_eq(row.last_status, 304);
	ck_assert_int_eq(row.interval, 750);
	feed_row_clear(&row);
	/* A 304 has no document: the stored hints still hold. */
	ck_assert_int_eq(feed_row_of("/ttl/180/t", &row), 0);
	ck_assert_int_eq(row.last_status, 304);
	ck_assert_int_eq(row.hints.ttl, 3 * 3600);
	ck_assert_int_eq(row.interval, 3 * 3600);
	feed_row_clear(&row);
	ck_assert_int_eq(feed_row_of("/sy/hourly/1/s", &row), 0);
	ck_assert_int_eq(row.last_status, 304);
	ck_assert_int_eq(row.interval, 3600);
	feed_row_clear(&row);
	ck_assert_int_eq(feed_row_of(skip, &row), 0);
	ck_assert_int_eq(row.last_status, 304);
	t = (time_t)row.next_poll;
	gmtime_r(&t, &tm);
	ck_assert_int_eq(tm.tm_hour, keep);
	feed_row_clear(&row);
	/* A 304 without Cache-Control keeps the lifetime of the last 200. */
	ck_assert_int_eq(feed_row_of("/maxage200/7200/n", &row), 0);
	ck_assert_int_eq(row.last_status, 304);
	ck_assert_int_ge(row.next_poll, now + 7200);
	feed_row_clear(&row);
}
END_TEST

/* The fault table, run by the daemon: each path and what it must record. */
static const struct {
	const char	*path;
	int		 ok;		/* 1: stored, 0: an error recorded */
	const char	*error;		/* in last_error, or NULL */
} dfaults[] = {
	{ "/empty", 0, NULL }, { "/reset", 0, NULL },
	{ "/drip", 0, "timeout" }, { "/hang", 0, "timeout" },
	{ "/loop", 0, "redirects" }, { "/redir/302/6/feed/r", 0, "redirects" },
	{ "/redir/301/2/redir/307/1/redir/308/1/feed/r", 1, NULL },
	{ "/status/404", 0, "404" }, { "/status/410", 0, "410" },
	{ "/status/429/1", 0, "429" }, { "/status/503/date/1", 0, "503" },
	{ "/status/500", 0, "500" }, { "/html", 0, "HTML" },
	{ "/truncgzip", 0, "truncated" }, { "/bomb", 0, "larger than" },
	{ "/big", 0, "larger than" }, { "/bigchunked", 0, "larger than" },
	{ "/to/302?file:///etc/passwd", 0, "scheme" },
	{ "/badutf8", 1, NULL }, { "/nul", 1, NULL }, { "/ctype/ct", 1, NULL },
	{ "/gzip/gz", 1, NULL }, { "/feed/fine", 1, NULL },
};

/* health checks the daemon answers /healthz while the faults run. */
static int	health_port;
static void
health(void)
{
	struct hresp	 r;
	char		*u;
	int		 i;

	if (asprintf(&u, "http://127.0.0.1:%d/healthz", health_port) == -1)
		abort();
	for (i = 0; i < 10; i++) {
		ck_assert_int_eq(h_http("GET", u, NULL, &r), 0);
		ck_assert_int_eq(r.status, 200);
		h_hresp_free(&r);
		usleep(200 * 1000);
	}
	free(u);
}

/* metric reads a value from the daemon's /metrics. */
static double
metric(const char *body, const char *name)
{
	const char	*p = strstr(body, name);

	ck_assert_msg(p != NULL, "no %s", name);
	return (strtod(p + strlen(name), NULL));
}

START_TEST(test_daemon_faults)
{
	const char	*paths[64];
	char		*refused, *u, *errf;
	struct feed_row	 row;
	struct hresp	 r;
	size_t		 i;
	pid_t		 pid;

	for (i = 0; i < sizeof dfaults / sizeof dfaults[0]; i++)
		paths[i] = dfaults[i].path;
	if (asprintf(&refused, "http://127.0.0.1:%d/feed/refused",
	    origin_refused_port(org)) == -1)
		abort();
	paths[i++] = refused;
	paths[i] = NULL;
	write_conf("allow_private = yes\nsite_delay = 0\nper_site = 32\n"
	    "concurrency = 32\ntimeout = 2s\nmax_body = 1M", paths);
	/* The port write_conf chose, for /healthz and /metrics. */
	health_port = h_conf_port(conf);
	if (asprintf(&errf, "%s/run.err", dir) == -1)
		abort();
	pid = h_daemon(conf, NULL, NULL, errf);
	ck_assert_int_eq(h_wait_port(health_port, 5000), 0);
	health();		/* two seconds: every fault has played */
	usleep(1000 * 1000);
	if (asprintf(&u, "http://127.0.0.1:%d/metrics", health_port) == -1)
		abort();
	ck_assert_int_eq(h_http("GET", u, NULL, &r), 0);
	fprintf(stderr, "fault table: loop late at most %.3f s, %.3f s of it "
	    "busy\n", metric(r.body, "\nsyndic_loop_lag_max_seconds "),
	    metric(r.body, "\nsyndic_loop_lag_busy_max_seconds "));
	/* No stall of the loop's own making over 100 ms, through all that. */
	ck_assert_double_lt(metric(r.body,
	    "\nsyndic_loop_lag_busy_max_seconds "), 0.1);
	ck_assert_double_lt(metric(r.body, "\nsyndic_loop_lag_max_seconds "),
	    1.0);
	ck_assert_double_ge(metric(r.body, "\nsyndic_polls_total "), 24);
	h_hresp_free(&r);
	free(u);
	ck_assert_int_eq(h_stop(pid, 3000), 0);

	for (i = 0; paths[i] != NULL; i++) {
		ck_assert_msg(feed_row_of(paths[i], &row) == 0, "%s", paths[i]);
		ck_assert_msg(row.last_fetch != TIME_UNKNOWN, "%s: not polled",
		    paths[i]);
		if (i < sizeof dfaults / sizeof dfaults[0] && dfaults[i].ok) {
			ck_assert_msg(row.failures == 0, "%s: %s", paths[i],
			    row.last_error);
		} else {
			ck_assert_msg(row.failures > 0 && row.last_error !=
			    NULL, "%s: no error", paths[i]);
			ck_assert_msg(row.nentries == 0, "%s: stored", paths[i]);
			if (i < sizeof dfaults / sizeof dfaults[0] &&
			    dfaults[i].error != NULL)
				ck_assert_msg(strstr(row.last_error,
				    dfaults[i].error) != NULL, "%s: %s",
				    paths[i], row.last_error);
		}
		feed_row_clear(&row);
	}
	ck_assert_int_eq(feed_row_of("/feed/fine", &row), 0);
	ck_assert_int_eq(row.nentries, 10);
	feed_row_clear(&row);
	free(refused);
	free(errf);
}
END_TEST

START_TEST(test_proxy)
{
	static const char *const paths[] = {
	    "http://feeds.example.invalid/feed/px", NULL };
	struct origin_req	 r;
	struct feed_row		 row;
	char			*fetch, *out;

	/* The origin plays the configured proxy; the host never resolves. */
	if (asprintf(&fetch, "allow_private = yes\nproxy = http://127.0.0.1:"
	    "%d", origin_port(org)) == -1)
		abort();
	write_conf(fetch, paths);
	ck_assert_int_eq(syndic(NULL, "poll", NULL, &out), 0);
	free(out);
	ck_assert_int_eq(origin_nrequests(org), 1);
	origin_request(org, 0, &r);
	ck_assert_str_eq(r.host, "feeds.example.invalid");
	ck_assert_str_eq(r.path, "/feed/px");
	origin_req_clear(&r);
	ck_assert_int_eq(feed_row_of(paths[0], &row), 0);
	ck_assert_int_eq(row.last_status, 200);
	ck_assert_int_gt(row.nentries, 0);
	feed_row_clear(&row);
	free(fetch);
}
END_TEST

/* add_feed subscribes a feed the way another process would. */
static void
add_feed(void)
{
	struct store	*st;
	char		*url, *cause = NULL;

	if (asprintf(&url, "http://127.0.0.1:%d/feed/late", origin_port(org))
	    == -1)
		abort();
	st = store_open(db, &cause);
	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(store_feed_upsert(st, url, NULL, NULL,
	    FEED_ORIGIN_CLI, NULL, &cause), 0);
	store_close(st);
	free(url);
}

START_TEST(test_run_notices_and_stops)
{
	static const char *const paths[] = { "/feed/early", "/hang", NULL };
	struct feed_row	 row;
	struct store	*st;
	char		*cause = NULL;

	write_conf("allow_private = yes\nsite_delay = 0\ntimeout = 30s",
	    paths);
	/* SIGTERM comes while /hang is in flight: it must not wait 30 s. */
	run_daemon(3000, NULL, add_feed);
	ck_assert_int_eq(count_path("/feed/early"), 1);
	ck_assert_int_eq(count_path("/hang"), 1);
	ck_assert_int_eq(count_path("/feed/late"), 1);
	ck_assert_int_eq(feed_row_of("/feed/late", &row), 0);
	ck_assert_int_gt(row.nentries, 0);
	feed_row_clear(&row);
	st = store_open(db, &cause);
	ck_assert_int_eq(store_check(st, &cause), 0);
	store_close(st);
}
END_TEST

START_TEST(test_discover)
{
	struct config	*c = config_default();
	char		*url, *feed, *title, *cause;
	int		 rc;

	c->allow_private = 1;
	if (asprintf(&url, "http://127.0.0.1:%d/html", origin_port(org)) ==
	    -1)
		abort();
	rc = poll_discover(c, url, &feed, &title, &cause);
	ck_assert_msg(rc == 1, "%s", cause ? cause : "");
	ck_assert_ptr_nonnull(strstr(feed, "/feed/discovered"));
	ck_assert_str_eq(title, "Site feed");
	free(feed);
	free(title);
	free(url);
	if (asprintf(&url, "http://127.0.0.1:%d/feed/x", origin_port(org)) ==
	    -1)
		abort();
	ck_assert_int_eq(poll_discover(c, url, &feed, &title, &cause), 0);
	ck_assert_str_eq(feed, url);
	free(feed);
	free(title);
	free(url);
	if (asprintf(&url, "http://127.0.0.1:%d/status/404",
	    origin_port(org)) == -1)
		abort();
	ck_assert_int_eq(poll_discover(c, url, &feed, &title, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "404"));
	free(cause);
	free(url);
	if (asprintf(&url, "http://127.0.0.1:%d/status/200", origin_port(org))
	    == -1)
		abort();
	ck_assert_int_eq(poll_discover(c, url, &feed, &title, &cause), -2);
	ck_assert_ptr_nonnull(strstr(cause, "no page link"));
	free(cause);
	free(url);
	config_free(c);
}
END_TEST

START_TEST(test_add_discovers)
{
	char	*out, *err, *url, *want;

	write_conf("allow_private = yes", NULL);
	if (asprintf(&url, "http://127.0.0.1:%d/html", origin_port(org)) ==
	    -1 || asprintf(&want, "http://127.0.0.1:%d/feed/discovered\n",
	    origin_port(org)) == -1)
		abort();
	ck_assert_int_eq(h_cmd(conf, NULL, &out, &err, "add", url, NULL), 0);
	ck_assert_msg(strstr(out, want) != NULL, "%s", out);
	ck_assert_msg(strstr(err, "announces") != NULL, "%s", err);
	ck_assert_ptr_nonnull(strstr(err, "Site feed"));
	free(out);
	free(err);
	free(url);
	free(want);
	/* A page that announces no feed is refused. */
	if (asprintf(&url, "http://127.0.0.1:%d/status/200", origin_port(org))
	    == -1)
		abort();
	ck_assert_int_eq(h_cmd(conf, NULL, &out, &err, "add", url, NULL), 65);
	ck_assert_ptr_nonnull(strstr(err, "not a feed"));
	free(out);
	free(err);
	free(url);
}
END_TEST

static Suite *
poll_suite(void)
{
	Suite	*s = suite_create("poll");
	TCase	*tc = tcase_create("poll");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_validators_and_schedule);
	tcase_add_test(tc, test_wal_settled);
	tcase_add_test(tc, test_per_site);
	tcase_add_test(tc, test_site_delay);
	tcase_add_test(tc, test_retry_after_and_max_age);
	tcase_add_test(tc, test_reload_fetcher);
	tcase_add_test(tc, test_private);
	tcase_add_test(tc, test_outcomes);
	tcase_add_test(tc, test_next_poll);
	tcase_add_test(tc, test_daemon_faults);
	tcase_add_test(tc, test_proxy);
	tcase_add_test(tc, test_run_notices_and_stops);
	tcase_add_test(tc, test_discover);
	tcase_add_test(tc, test_add_discovers);
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
	sr = srunner_create(poll_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? 0 : 1);
}
